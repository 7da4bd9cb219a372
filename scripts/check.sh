#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the kernel's own checkers over the kernel code, each with zero
# findings allowed:
#   checkpatch.pl --strict    (from Debian's linux-source-6.12)
#   sparse, through make C=2  (every kernel in CHECK_KERNELS)
#   clang-format              (the kernel's .clang-format, dry run)
#   kernel-doc -Wall          (and every exported function documented)
# plus the documentation: the .rst files through docutils with warnings as
# errors (HTML in build/doc/) and the man pages through groff -ww.
# Prints one line per checker and its findings; exits non-zero on any.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
BUILD=$TOP/build
CHECK=$BUILD/check
CHECK_KERNELS=${CHECK_KERNELS:-6.1 6.12}
. vm/lib.sh

KCODE=(kernel/*.c kernel/*.h backends/*.c include/linux/mmbridge.h
       include/uapi/linux/mmbridge.h samples/mmb_sample/*.[ch] tests/kmod/*.c)
failed=0
report() {	# name, findings file
	local n
	n=$(grep -c . "$2")
	if [ "$n" = 0 ]; then
		echo "check: $1: clean"
	else
		echo "check: $1: $n finding(s)"
		sed 's/^/  /' "$2"
		failed=1
	fi
}

KERNELS=$CHECK_KERNELS ensure_packages linux-source-6.12 sparse clang-format \
	python3-docutils groff-base
mkdir -p "$CHECK"

# The checkers ship in the kernel source; take just them from the tarball.
SRC=$CHECK/linux-source-6.12
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.12.tar.*"
if [ ! -x "$SRC/scripts/checkpatch.pl" ] || [ "$tarball" -nt "$SRC/scripts/checkpatch.pl" ]; then
	rm -rf "$SRC"
	tar -xf "$tarball" -C "$CHECK" --wildcards \
		'linux-source-6.12/.clang-format' \
		'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/spelling.txt' \
		'linux-source-6.12/scripts/const_structs.checkpatch' \
		'linux-source-6.12/scripts/kernel-doc' || die "extracting the checkers failed"
	touch "$SRC/scripts/checkpatch.pl"
fi

# checkpatch: compat.h is where the core's version tests belong
# (LINUX_VERSION_CODE is the one thing an out-of-tree module has to test);
# the public header and the drivers, which cannot include compat.h, have
# one each (the namespace syntax; platform_driver.remove; mmb_pci: the
# IOMMU call that says whether MSI is isolated, from 6.3 on).
out=$CHECK/checkpatch.txt
: >"$out"
for f in "${KCODE[@]}"; do
	ign=
	# mmb_device_alloc() names a type and a member twice: no side
	# effects to repeat.
	case $f in
	kernel/compat.h | backends/mmb_soft.c | backends/mmb_pci.c) ign=--ignore=LINUX_VERSION_CODE ;;
	include/linux/mmbridge.h) ign=--ignore=LINUX_VERSION_CODE,MACRO_ARG_REUSE ;;
	# A uapi header outside include/uapi (as the kernel's
	# lib/test_hmm_uapi.h): user space has no BIT() and needs __inline__.
	kernel/mmb_test_uapi.h) ign=--ignore=BIT_MACRO,INLINE ;;
	esac
	"$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types $ign -f "$f" |
		grep -v '^total: 0 errors, 0 warnings' >>"$out"
done
report "checkpatch --strict (${#KCODE[@]} files)" "$out"

# sparse: every file rebuilt (C=2) against each kernel's headers.
out=$CHECK/sparse.txt
: >"$out"
for k in $CHECK_KERNELS; do
	rel=$(kernel_release "$k")
	[ -n "$rel" ] && [ -d "/lib/modules/$rel/build" ] || {
		echo "no headers for kernel $k" >>"$out"; continue; }
	d=$CHECK/sparse/$rel
	rm -rf "$d" && mkdir -p "$d"
	cp -a Kbuild dkms.conf kernel backends include "$d/"
	make -s -C "/lib/modules/$rel/build" M="$d" C=2 MMB_WERROR=1 modules \
		>"$d/log" 2>&1 || echo "$rel: build failed" >>"$out"
	grep -E 'warning:|error:' "$d/log" | sed "s|$d/||; s|^|$rel: |" >>"$out"
	# The sample driver, against that build as an SDK.
	cp -a samples "$d/"
	mkdir -p "$d/sdk/$rel" && cp "$d/Module.symvers" "$d/sdk/$rel/" &&
		ln -sfn "$d/include" "$d/sdk/include"
	make -s -C "/lib/modules/$rel/build" M="$d/samples/mmb_sample" C=2 \
		MMB_SDK="$d/sdk" MMB_WERROR=1 modules \
		>"$d/sample.log" 2>&1 || echo "$rel: sample build failed" >>"$out"
	grep -E 'warning:|error:' "$d/sample.log" | sed "s|$d/||; s|^|$rel: |" >>"$out"
done
report "sparse C=2 ($CHECK_KERNELS)" "$out"

# clang-format: the kernel's style file, applied to nothing, must change nothing.
out=$CHECK/clang-format.txt
clang-format --style="file:$SRC/.clang-format" --dry-run "${KCODE[@]}" 2>&1 |
	grep 'warning:' >"$out"
report "clang-format (kernel .clang-format)" "$out"

# kernel-doc: every comment well-formed, every exported function documented.
out=$CHECK/kernel-doc.txt
"$SRC/scripts/kernel-doc" -none -Wall "${KCODE[@]}" >"$out" 2>&1
for f in kernel/*.c; do
	for sym in $(sed -n 's/^EXPORT_SYMBOL_GPL(\(.*\));/\1/p' "$f"); do
		grep -q "^ \* $sym() - " "$f" || echo "$f: exported $sym() has no kernel-doc" >>"$out"
	done
done
report "kernel-doc -Wall, $(cat kernel/*.c | grep -c '^EXPORT_SYMBOL') exported functions" "$out"

# The library exports exactly the functions its header declares, each in
# the version script (lib/libmmbridge.map).
out=$CHECK/libexports.txt
sed -n 's/^[a-z].*[ *]\(mmb_[a-z0-9_]*\)(.*/\1/p' lib/include/mmbridge.h | sort -u >"$CHECK/lib-declared"
sed -n 's/^\t\(mmb_[a-z0-9_]*\);$/\1/p' lib/libmmbridge.map | sort -u >"$CHECK/lib-versioned"
diff "$CHECK/lib-declared" "$CHECK/lib-versioned" | sed -n 's/^< \(.*\)/\1: declared, not in lib\/libmmbridge.map/p; s/^> \(.*\)/\1: in lib\/libmmbridge.map, not declared/p' >"$out"
report "library exports ($(grep -c . "$CHECK/lib-versioned") versioned)" "$out"

# Documentation: reStructuredText with warnings as errors; man pages.
out=$CHECK/docs.txt
: >"$out"
mkdir -p "$BUILD/doc"
for f in Documentation/*.rst; do
	rst2html --halt=warning --report=warning "$f" "$BUILD/doc/$(basename "$f" .rst).html" \
		>>"$out" 2>&1 || echo "$f: docutils failed" >>"$out"
done
for f in man/*.[0-9]; do
	LC_ALL=C.UTF-8 groff -man -ww -z -K utf8 "$f" >>"$out" 2>&1
done
report "documentation ($(ls Documentation/*.rst man/*.[0-9] | wc -l) files)" "$out"

[ "$failed" = 0 ] && echo "make check: clean"
exit "$failed"
