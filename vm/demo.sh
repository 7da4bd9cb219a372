#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot DEMO_KERNEL in QEMU with edu and ivshmem-plain, load
# mmbridge and run `mmbridge demo`, showing its output as it comes.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
. vm/lib.sh
mkdir -p "$BUILD"
KERNELS=${DEMO_KERNEL:-6.12}
# shellcheck disable=SC2119 # the harness's packages, nothing more
ensure_packages
rel=$(kernel_release "$KERNELS")
[ -n "$rel" ] || die "kernel series $KERNELS is not installed"
dir=$BUILD/vm/$rel
start=$SECONDS
log "building mmbridge for $rel"
prepare_guest "$rel" || die "build failed"
log "booting $rel under QEMU ($ACCEL) with edu and ivshmem-plain"
boot_guest "$rel" demo "$dir" 2>"$dir/qemu.err" | tr -d '\r' | tee "$dir/guest.out" |
	awk '/^### /{ skip = 1 } !skip { print; fflush() }'
rc=$(sed -n 's/^### DEMO-EXIT //p' "$dir/guest.out" | tr -d '\r')
sed -n '/^### DMESG/,/^### END/p' "$dir/guest.out" >"$dir/dmesg.txt"
if [ -z "$rc" ]; then
	tail -n 30 "$dir/console.log" >&2
	die "the guest did not finish the demo (console above, $dir/console.log)"
fi
if grep -E -m 1 "$SPLAT_RE" "$dir/dmesg.txt" "$dir/console.log" >&2; then
	die "the kernel reported a problem during the demo ($dir/dmesg.txt)"
fi
log "demo on $rel finished in $((SECONDS - start)) s (exit $rc)"
exit "$rc"
