#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot BENCH_KERNEL in QEMU, run `mmbridge bench all`, and
# write build/bench.json: { "kernel", "accel", "figures": { name: number } }
# and build/bench.svg (vm/bench-plot.sh).  The guest's progress lines are
# shown as they come.
# Figures under emulation are compared as ratios measured in the same run.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
. vm/lib.sh
mkdir -p "$BUILD"
KERNELS=${BENCH_KERNEL:-${DEMO_KERNEL:-6.12}}
ensure_packages gnuplot-nox
rel=$(kernel_release "$KERNELS")
[ -n "$rel" ] || die "kernel series $KERNELS is not installed"
dir=$BUILD/vm/$rel
start=$SECONDS
prepare_guest "$rel" || die "build failed"
# bench region revokes a populated 64 MiB mapping of soft0's memory;
# bench object moves a 16 MiB object through soft0's pool.
MMB_PARAMS=${MMB_PARAMS:-$(default_params),soft_mem_mb=64,soft_pool_mb=64}
log "benchmarking on $rel under QEMU ($ACCEL)"
boot_guest "$rel" bench "$dir" 2>"$dir/qemu.err" | tr -d '\r' | tee "$dir/guest.out" |
	grep --line-buffered '^  bench ' >&2
sed -n '/^### DMESG/,/^### END/p' "$dir/guest.out" >"$dir/dmesg.txt"
figures=$(sed -n '/^### BENCH$/,/^### BENCH-END$/p' "$dir/guest.out" | sed '1d;$d')
if [ -z "$figures" ]; then
	tail -n 30 "$dir/guest.out" >&2
	die "no benchmark figures from the guest ($dir/guest.out)"
fi
if grep -E -m 1 "$SPLAT_RE" "$dir/dmesg.txt" "$dir/console.log" >&2; then
	die "the kernel reported a problem during the benchmarks"
fi
printf '{ "kernel": "%s", "accel": "%s", "figures": %s }\n' "$rel" "$ACCEL" \
	"$figures" >"$BUILD/bench.json"
cat "$BUILD/bench.json"
vm/bench-plot.sh "$BUILD/bench.json" "$BUILD/bench.svg"
log "wrote $BUILD/bench.json in $((SECONDS - start)) s"
