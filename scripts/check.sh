#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the kernel's own checkers over the kernel code, each with zero
# findings allowed:
#   checkpatch.pl --strict    (from Debian's linux-source-6.12)
#   sparse and W=1, through make C=2 W=1 with -Werror (every kernel in
#                             CHECK_KERNELS), and W=12 over our own lines
#   coccinelle                (every semantic patch of scripts/coccinelle,
#                             through the kernel's scripts/coccicheck, report)
#   clang-format              (the kernel's .clang-format, dry run)
#   kernel-doc -Wall          (and every exported function documented)
# plus shellcheck over every shell script, the documentation: the .rst
# files through docutils with warnings as errors (HTML in build/doc/) and
# the man pages through groff -ww.
# Prints one line per checker and its findings; exits non-zero on any.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
BUILD=$TOP/build
CHECK=$BUILD/check
CHECK_KERNELS=${CHECK_KERNELS:-6.1 6.12 6.12-rt}
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
	python3-docutils groff-base coccinelle shellcheck
mkdir -p "$CHECK"

# The checkers ship in the kernel source; take just them from the tarball.
SRC=$CHECK/linux-source-6.12
tarball=
for f in /usr/src/linux-source-6.12.tar.*; do
	[ -e "$f" ] && { tarball=$f; break; }
done
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.12.tar.*"
if [ ! -x "$SRC/scripts/checkpatch.pl" ] || [ ! -f "$SRC/scripts/coccicheck" ] ||
   [ "$tarball" -nt "$SRC/scripts/checkpatch.pl" ]; then
	rm -rf "$SRC"
	tar -xf "$tarball" -C "$CHECK" --wildcards \
		'linux-source-6.12/.clang-format' \
		'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/spelling.txt' \
		'linux-source-6.12/scripts/const_structs.checkpatch' \
		'linux-source-6.12/scripts/kernel-doc' \
		'linux-source-6.12/scripts/coccicheck' \
		'linux-source-6.12/scripts/coccinelle/*' || die "extracting the checkers failed"
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

# sparse and the extra warnings: every file rebuilt (C=2) with W=1 and
# -Werror against each kernel's headers, the core and its drivers, the
# sample and the tests' drivers (both against that build as an SDK).
out=$CHECK/sparse.txt
: >"$out"
w12=$CHECK/w12.txt
: >"$w12"
kbuild() {	# release, log, make arguments...
	local rel=$1 log=$2
	shift 2
	make -s -C "/lib/modules/$rel/build" "$@" >"$log" 2>&1
}
# The compiler's and sparse's warnings and errors in build log $2, and
# modpost's (in capitals), under release $1's name.
build_findings() {
	grep -E 'warning:|error:|^WARNING: |^ERROR: ' "$2" | sed "s|^|$1: |"
}
# The lines of log $2 that start with directory $1 (a string, not a
# pattern: a release has a "+"), without it; with $3, only the compiler's
# warnings and errors.
below() {
	BELOW="$1/" CC_ONLY="${3:-}" awk 'BEGIN { p = ENVIRON["BELOW"]; cc = ENVIRON["CC_ONLY"] }
	index($0, p) == 1 {
		l = substr($0, length(p) + 1)
		if (cc == "" || l ~ /^[^:]*:[0-9]+:[0-9]+: (warning|error):/)
			print l
	}' "$2"
}
for k in $CHECK_KERNELS; do
	rel=$(kernel_release "$k")
	if [ -z "$rel" ] || [ ! -d "/lib/modules/$rel/build" ]; then
		echo "no headers for kernel $k" >>"$out"
		continue
	fi
	d=$CHECK/sparse/$rel
	rm -rf "$d" && mkdir -p "$d/tests"
	cp -a Kbuild dkms.conf kernel backends include samples "$d/"
	cp -a tests/kmod "$d/tests/"
	kbuild "$rel" "$d/log" M="$d" C=2 W=1 MMB_WERROR=1 modules ||
		echo "$rel: build failed" >>"$out"
	build_findings "$rel" "$d/log" | sed "s|$d/||g" >>"$out"
	mkdir -p "$d/sdk/$rel" && cp "$d/Module.symvers" "$d/sdk/$rel/" &&
		ln -sfn "$d/include" "$d/sdk/include"
	for m in samples/mmb_sample tests/kmod; do
		kbuild "$rel" "$d/$m.log" M="$d/$m" C=2 W=1 MMB_SDK="$d/sdk" \
			MMB_WERROR=1 modules || echo "$rel: $m build failed" >>"$out"
		build_findings "$rel" "$d/$m.log" | sed "s|$d/||g" >>"$out"
	done
	# W=12: the kernel's own headers are not quiet at W=2 (hundreds of
	# -Wtype-limits in GENMASK(), -Wshadow in the nested wait_event()
	# macros, on every kernel here), so only a warning located in one of
	# our lines is a finding; -Werror stays with W=1.
	w=$CHECK/w12/$rel
	rm -rf "$w" && mkdir -p "$w/tests"
	cp -a Kbuild dkms.conf kernel backends include samples "$w/"
	cp -a tests/kmod "$w/tests/"
	kbuild "$rel" "$w/log" M="$w" W=12 modules || echo "$rel: W=12 build failed" >>"$w12"
	below "$w" "$w/log" cc | sed "s|^|$rel: |" >>"$w12"
	# Their SDK's header is ours, so its warnings are under $w too.
	mkdir -p "$w/sdk/$rel" && cp "$d/Module.symvers" "$w/sdk/$rel/" &&
		ln -sfn "$w/include" "$w/sdk/include"
	for m in samples/mmb_sample tests/kmod; do
		kbuild "$rel" "$w/$m.log" M="$w/$m" W=12 MMB_SDK="$w/sdk" modules ||
			echo "$rel: $m W=12 build failed" >>"$w12"
		below "$w" "$w/$m.log" cc | sed "s|^|$rel: |" >>"$w12"
	done
done
report "sparse C=2, W=1 -Werror ($CHECK_KERNELS)" "$out"
report "W=12, in our own lines ($CHECK_KERNELS)" "$w12"

# coccinelle: the kernel's scripts/coccicheck, as `make coccicheck
# MODE=report M=...` runs it (the headers packages do not ship it), over
# the core, the drivers, the sample and the tests' drivers; every semantic
# patch of scripts/coccinelle.  A finding names one of those files.
out=$CHECK/coccinelle.txt
: >"$out"
c=$CHECK/cocci
rm -rf "$c" && mkdir -p "$c/tests"
cp -a kernel backends include samples "$c/"
cp -a tests/kmod "$c/tests/"
srctree=$SRC KBUILD_EXTMOD=$c MODE=report J=$(nproc) COCCI='' \
	bash "$SRC/scripts/coccicheck" >"$CHECK/coccicheck.log" 2>&1 ||
	echo "coccicheck failed: $(tail -n 3 "$CHECK/coccicheck.log")" >>"$out"
below "$c" "$CHECK/coccicheck.log" >>"$out"
report "coccinelle ($(find "$SRC/scripts/coccinelle" -name '*.cocci' | wc -l) semantic patches)" "$out"

# Every shell script (by name or by its first line) through shellcheck, at the
# default level; sourced files say their shell in a directive.
out=$CHECK/shellcheck.txt
shfiles=()
while IFS= read -r -d '' f; do
	case $f in
	*.sh) [ -f "$f" ] && shfiles+=("$f") ;;
	*) [ -f "$f" ] && head -n 1 "$f" |
		grep -qE '^#!.*(/|[[:space:]])((ba|da)?sh|busybox[[:space:]]+sh)([[:space:]]|$)' &&
		shfiles+=("$f") ;;
	esac
done < <(git ls-files -z --cached --others --exclude-standard 2>/dev/null ||
	 find . -path ./build -prune -o -type f -print0)
shfiles+=(dkms.conf)
shellcheck -f gcc "${shfiles[@]}" >"$out" 2>&1
report "shellcheck (${#shfiles[@]} files)" "$out"

# clang-format: the kernel's style file, applied to nothing, must change nothing.
out=$CHECK/clang-format.txt
clang-format --style="file:$SRC/.clang-format" --dry-run "${KCODE[@]}" 2>&1 |
	grep 'warning:' >"$out"
report "clang-format (kernel .clang-format)" "$out"

# kernel-doc: every comment well-formed, every exported function documented.
out=$CHECK/kernel-doc.txt
"$SRC/scripts/kernel-doc" -none -Wall "${KCODE[@]}" >"$out" 2>&1
for f in kernel/*.c; do
	while read -r sym; do
		grep -q "^ \* $sym() - " "$f" || echo "$f: exported $sym() has no kernel-doc" >>"$out"
	done < <(sed -n 's/^EXPORT_SYMBOL_GPL(\(.*\));/\1/p' "$f")
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
docs=(Documentation/*.rst man/*.[0-9])
for f in Documentation/*.rst; do
	rst2html --halt=warning --report=warning "$f" "$BUILD/doc/$(basename "$f" .rst).html" \
		>>"$out" 2>&1 || echo "$f: docutils failed" >>"$out"
done
for f in man/*.[0-9]; do
	LC_ALL=C.UTF-8 groff -man -ww -z -K utf8 "$f" >>"$out" 2>&1
done
report "documentation (${#docs[@]} files)" "$out"

[ "$failed" = 0 ] && echo "make check: clean"
exit "$failed"
