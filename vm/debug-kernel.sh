#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the debug kernel of `make test-debug` once and cache it under
# build/debug-kernel/: Debian's linux-source-6.12, tinyconfig +
# kvm_guest.config + vm/debug.config (KASAN, lockdep, DEBUG_VM, kmemleak,
# debugobjects, ...).  Rebuilt only when the config fragment or the source
# package changes.  Prints the kernel release on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-$TOP/build}
DK=$BUILD/debug-kernel
TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=${JOBS:-$(nproc)}

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

if [ ! -r "$TARBALL" ]; then
	[ "$(id -u)" = 0 ] || die "$TARBALL missing: install linux-source-6.12 as root"
	log "installing linux-source-6.12"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		linux-source-6.12 >"$BUILD/apt-source.log" 2>&1 ||
		{ apt-get update >>"$BUILD/apt-source.log" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			linux-source-6.12 >>"$BUILD/apt-source.log" 2>&1; } ||
		{ tail -n 20 "$BUILD/apt-source.log" >&2; die "apt-get install failed"; }
fi

# The cache key: the source package's version and the fragment.
key=$( { dpkg-query -W -f='${Version}\n' linux-source-6.12 2>/dev/null || stat -c %Y "$TARBALL"; \
	 cat vm/debug.config vm/debug-kernel.sh; } | sha256sum | cut -c1-16)
src=$DK/linux-source-6.12
if [ -f "$DK/stamp" ] && [ "$(cat "$DK/stamp")" = "$key" ] &&
   [ -f "$src/arch/x86/boot/bzImage" ] && [ -f "$src/Module.symvers" ]; then
	make -s -C "$src" kernelrelease
	exit 0
fi

# The extracted source is kept while the package stays the same.
srckey=$(stat -c '%s %Y' "$TARBALL")
if [ ! -f "$DK/src-stamp" ] || [ "$(cat "$DK/src-stamp")" != "$srckey" ]; then
	rm -rf "$DK"
	mkdir -p "$DK"
	log "extracting $TARBALL"
	tar -C "$DK" -xJf "$TARBALL"
	[ -d "$src" ] || die "unexpected layout in $TARBALL"
	echo "$srckey" >"$DK/src-stamp"
fi
rm -f "$DK/stamp"

log "configuring (tinyconfig + kvm_guest.config + vm/debug.config)"
mk() { make -C "$src" ARCH=x86_64 "$@"; }
mk -s tinyconfig >/dev/null
mk -s kvm_guest.config >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" vm/debug.config >/dev/null
mk -s olddefconfig >/dev/null
# Every option the fragment asks for must be there, as asked.
bad=0
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*} want=${line#*=}
	if [ "$want" = n ]; then
		grep -q "^$sym=" "$src/.config" && { log "$sym is set, wanted off"; bad=1; }
	else
		grep -qx "$sym=$want" "$src/.config" || { log "$sym is not $want: $(grep "^$sym=\|# $sym " "$src/.config" || echo missing)"; bad=1; }
	fi
done <vm/debug.config
[ $bad = 0 ] || die "the configuration lost options (see above)"

log "building with $JOBS jobs (log: $DK/build.log)"
start=$SECONDS
# Modules too: external modules need Module.symvers.
if ! mk -j"$JOBS" bzImage modules >"$DK/build.log" 2>&1; then
	tail -n 30 "$DK/build.log" >&2
	die "kernel build failed"
fi
log "built in $((SECONDS - start)) s"
echo "$key" >"$DK/stamp"
make -s -C "$src" kernelrelease
