# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Host-side cases of the framework, sourced by vm/test.sh after
# vm/evaluate.sh (tap): drivers use the public header only, and a driver
# outside the tree builds against an installed SDK alone.

# The #include lines of driver sources that reach into the core: anything
# quoted that is not a file beside the source, any path with "..", and any
# of the core's own headers.
private_includes() {
	local f inc
	for f in "$@"; do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(.*\)$/\1/p' "$f" |
		while read -r inc; do
			case $inc in
			*..* | *kernel/* | *priv.h* | *compat.h* | *trace.h*)
				echo "$f: #include $inc" ;;
			\"*\")
				inc=${inc#\"} inc=${inc%\"}
				[ -f "$(dirname "$f")/$inc" ] || echo "$f: #include \"$inc\"" ;;
			esac
		done
	done
}

# framework/no_private_includes: the drivers in backends/ and the sample
# include nothing of the core but <linux/mmbridge.h>, and their Kbuild
# files add no include path into it.  The check is first run on a file
# that does include the core's header, which it must report.
framework_include_test() {
	local bad found
	bad=$(mktemp -d "$BUILD/privinc.XXXXXX")
	printf '#include <linux/module.h>\n#include "../kernel/priv.h"\n' >"$bad/bad.c"
	found=$(private_includes "$bad/bad.c")
	rm -rf "$bad"
	if [ -z "$found" ]; then
		tap not-ok framework/no_private_includes "the check does not see ../kernel/priv.h"
		return
	fi
	found=$(cd "$TOP" && private_includes backends/*.c samples/mmb_sample/*.[ch];
		grep -Hn -- '-I.*kernel' backends/Kbuild samples/mmb_sample/Kbuild)
	if [ -n "$found" ]; then
		tap not-ok framework/no_private_includes "$(echo "$found" | head -n 3 | tr '\n' ' ')"
		return
	fi
	tap ok framework/no_private_includes
}

# framework/out_of_tree_build: the sample, copied out of the tree, builds
# with -Werror against the SDK that `make install-sdk` put in a DESTDIR
# for kernel $1, and nothing it includes comes from the source tree.
framework_oot_test() {
	local rel=$1 dir kdir sdk ko why=
	dir=$BUILD/oot/$rel
	kdir=/lib/modules/$rel/build
	case $rel in *-mmb-debug) kdir=$DEBUG_SRC ;; esac
	rm -rf "$dir" && mkdir -p "$dir/src"
	cp "$TOP"/samples/mmb_sample/*.[ch] "$TOP/samples/mmb_sample/Kbuild" "$dir/src/"
	sdk=$dir/root/usr/src/mmbridge-$VERSION
	if ! make -s -C "$TOP" install-sdk KVER="$rel" DESTDIR="$dir/root" PREFIX=/usr \
		>"$dir/build.log" 2>&1; then
		why="make install-sdk failed: $(tail -n 1 "$dir/build.log")"
	elif ! make -C "$kdir" M="$dir/src" MMB_SDK="$sdk" MMB_WERROR=1 modules \
		>>"$dir/build.log" 2>&1; then
		why="build failed: $(grep -m 1 -E 'error|ERROR' "$dir/build.log")"
	else
		ko=$dir/src/mmb_sample.ko
		if [ "$(modinfo -F depends "$ko")" != mmbridge ]; then
			why="depends '$(modinfo -F depends "$ko")'"
		elif [ "$(modinfo -F import_ns "$ko")" != MMBRIDGE ]; then
			why="import_ns '$(modinfo -F import_ns "$ko")'"
		elif grep -qE "$TOP/(include|kernel|backends|samples)/" "$dir"/src/.*.o.cmd; then
			why="headers from the source tree: $(grep -hoE "$TOP/(include|kernel|backends|samples)/[^ ]*" "$dir"/src/.*.o.cmd | sort -u | head -n 2 | tr '\n' ' ')"
		elif grep -q 'warning:' "$dir/build.log"; then
			why="$(grep -m 1 'warning:' "$dir/build.log")"
		fi
	fi
	if [ -n "$why" ]; then
		tap not-ok framework/out_of_tree_build "$rel: $why"
	else
		tap ok framework/out_of_tree_build
	fi
}
