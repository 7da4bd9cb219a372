# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Host-side packaging cases of make test, sourced by vm/test.sh after
# vm/evaluate.sh (tap).  What they produce goes into every initramfs
# (make_initramfs), where tests/package.c uses it:
#   build/pkgtest/opt/   programs built against a `make install` DESTDIR
#   build/dkms/out/<release>/*.ko   mmbridge and its drivers as DKMS installed them

PKG=$BUILD/pkgtest
DKMS_TREE=$BUILD/dkms
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")

# make install into a temporary DESTDIR; check what landed where; build a
# program with pkg-config against it, shared and static.
package_install_test() {
	local rel=$1 root=$PKG/root why=
	local -a want=(
		"lib/modules/$rel/updates/mmbridge.ko"
		"lib/modules/$rel/updates/mmb_soft.ko"
		"lib/modules/$rel/updates/mmb_edu.ko"
		"lib/modules/$rel/updates/mmb_ivshmem.ko"
		"lib/modules/$rel/updates/mmb_pci.ko"
		etc/udev/rules.d/60-mmbridge.rules
		usr/bin/mmbridge
		usr/include/mmbridge.h
		usr/include/linux/mmbridge.h
		usr/lib/libmmbridge.a
		"usr/lib/libmmbridge.so.$VERSION"
		usr/lib/libmmbridge.so.3
		usr/lib/libmmbridge.so
		usr/lib/pkgconfig/mmbridge.pc
		usr/share/man/man1/mmbridge.1
		usr/share/man/man3/libmmbridge.3
		"usr/src/mmbridge-$VERSION/include/linux/mmbridge.h"
		"usr/src/mmbridge-$VERSION/include/uapi/linux/mmbridge.h"
		"usr/src/mmbridge-$VERSION/$rel/Module.symvers"
	)
	local got f pcflags pclibs pcstatic

	rm -rf "$PKG"
	mkdir -p "$PKG/opt/bin" "$PKG/opt/lib"
	if ! make -s -C "$TOP" install DESTDIR="$root" PREFIX=/usr KVER="$rel" \
		>"$PKG/install.log" 2>&1; then
		tap not-ok package/install_layout "make install failed: $(tail -n 1 "$PKG/install.log")"
		return
	fi
	got=$(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
	if [ "$got" != "$(printf '%s\n' "${want[@]}" | sort)" ]; then
		why="installed files differ: $(echo "$got" | tr '\n' ' ')"
	elif [ "$(readlink "$root/usr/lib/libmmbridge.so")" != libmmbridge.so.3 ] ||
	     [ "$(readlink "$root/usr/lib/libmmbridge.so.3")" != "libmmbridge.so.$VERSION" ]; then
		why="library symlinks wrong"
	elif ! readelf -d "$root/usr/lib/libmmbridge.so.$VERSION" | grep -q 'SONAME.*\[libmmbridge\.so\.3\]'; then
		why="no soname libmmbridge.so.3"
	elif [ "$(stat -c %a "$root/usr/bin/mmbridge")" != 755 ] ||
	     [ "$(stat -c %a "$root/usr/include/mmbridge.h")" != 644 ]; then
		why="modes wrong"
	elif ! man -l "$root/usr/share/man/man1/mmbridge.1" 2>/dev/null | grep -q 'mmbridge stat'; then
		why="mmbridge(1) does not render"
	fi
	if [ -n "$why" ]; then
		tap not-ok package/install_layout "$why"
		return
	fi
	tap ok package/install_layout

	# pkg-config sees the DESTDIR as the system root.
	export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/pkgconfig
	pcflags=$(pkg-config --cflags mmbridge) && pclibs=$(pkg-config --libs mmbridge) &&
		pcstatic=$(pkg-config --static --libs mmbridge)
	f=$?
	unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
	if [ $f != 0 ] || [ "$(PKG_CONFIG_LIBDIR=$root/usr/lib/pkgconfig pkg-config --modversion mmbridge)" != "$VERSION" ]; then
		tap not-ok package/pkgconfig_build "pkg-config does not know mmbridge $VERSION"
		return
	fi
	# shellcheck disable=SC2086 # one argument per word, on purpose
	if ! gcc -O2 -Wall -Wextra -Werror $pcflags -o "$PKG/opt/bin/pkgtest-shared" \
		"$TOP/tests/pkgtest/pkgtest.c" $pclibs >"$PKG/build.log" 2>&1 ||
	   ! gcc -O2 -Wall -Wextra -Werror -static $pcflags -o "$PKG/opt/bin/pkgtest-static" \
		"$TOP/tests/pkgtest/pkgtest.c" $pcstatic >>"$PKG/build.log" 2>&1; then
		tap not-ok package/pkgconfig_build "$(head -n 3 "$PKG/build.log" | tr '\n' ' ')"
		return
	fi
	if ! readelf -d "$PKG/opt/bin/pkgtest-shared" | grep -q 'NEEDED.*\[libmmbridge\.so\.3\]'; then
		tap not-ok package/pkgconfig_build "the shared build does not need libmmbridge.so.3"
		return
	fi
	cp -a "$root/usr/lib/"libmmbridge.so* "$PKG/opt/lib/"
	tap ok package/pkgconfig_build
}

# dkms add/build/install of a copy of the sources for one kernel, in a
# private DKMS tree (nothing under /var/lib/dkms or /lib/modules changes).
package_dkms_test() {
	local rel=$1 src out
	out=$DKMS_TREE/out/$rel
	local -a dkms=(dkms --dkmstree "$DKMS_TREE/tree" --sourcetree "$DKMS_TREE/source"
		       --installtree "$DKMS_TREE/install")

	rm -rf "$out"
	case $rel in *-mmb-debug) return ;; esac	# not a packaged kernel
	if [ ! -d "$DKMS_TREE/source/mmbridge-$VERSION" ]; then
		rm -rf "$DKMS_TREE"
		mkdir -p "$DKMS_TREE/tree" "$DKMS_TREE/install"
		make -s -C "$TOP" dkms-source DESTDIR="$DKMS_TREE/source" \
			DKMS_SRC="/mmbridge-$VERSION" >/dev/null 2>&1
		if ! "${dkms[@]}" add -m mmbridge -v "$VERSION" >"$DKMS_TREE/add.log" 2>&1; then
			tap not-ok package/dkms_build "dkms add: $(tail -n 1 "$DKMS_TREE/add.log")"
			return
		fi
	fi
	mkdir -p "$DKMS_TREE/install/$rel"
	if ! "${dkms[@]}" build -m mmbridge -v "$VERSION" -k "$rel" >"$DKMS_TREE/build-$rel.log" 2>&1 ||
	   ! "${dkms[@]}" install -m mmbridge -v "$VERSION" -k "$rel" >>"$DKMS_TREE/build-$rel.log" 2>&1; then
		tap not-ok package/dkms_build "$rel: $(grep -m 1 -i 'error' "$DKMS_TREE/build-$rel.log")"
		return
	fi
	# Compressed as the kernel's own modules are (xz on Debian 6.12).
	mkdir -p "$out"
	for m in mmbridge mmb_soft mmb_edu mmb_ivshmem mmb_pci; do
		src=$DKMS_TREE/install/$rel/updates/dkms/$m.ko
		if [ -f "$src.xz" ]; then
			xz -dc "$src.xz" >"$out/$m.ko"
		elif [ -f "$src.zst" ]; then
			zstd -qdc "$src.zst" >"$out/$m.ko"
		elif [ -f "$src" ]; then
			cp "$src" "$out/$m.ko"
		else
			rm -rf "$out"
			tap not-ok package/dkms_build "$rel: no $m.ko installed under $DKMS_TREE/install/$rel"
			return
		fi
	done
	src=$out/mmbridge.ko
	if [ "$(modinfo -F vermagic "$src" | cut -d' ' -f1)" != "$rel" ]; then
		rm -rf "$out"
		tap not-ok package/dkms_build "$rel: vermagic $(modinfo -F vermagic "$src")"
		return
	fi
	if [ "$(modinfo -F version "$src")" != "$VERSION" ]; then
		rm -rf "$out"
		tap not-ok package/dkms_build "$rel: module version '$(modinfo -F version "$src")'"
		return
	fi
	tap ok package/dkms_build
}
