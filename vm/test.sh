#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test: for every kernel in KERNELS, build the module, boot the kernel
# in QEMU with edu, ivshmem-plain and the host root, run every test, then
# the gates.  Prints TAP (numbered over the whole run), a summary line per
# kernel and the closing line "N passed, N failed, N skipped"; exits
# non-zero on any failure.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
. vm/lib.sh
mkdir -p "$BUILD"

num=0 k_pass=0 k_fail=0 k_skip=0 t_pass=0 t_fail=0 t_skip=0
. vm/evaluate.sh
. vm/package.sh
. vm/framework.sh

ensure_packages dkms pkg-config man-db fio
start_all=$SECONDS
# What the IOMMU guest runs: DMA by the device, streams, removal, and that
# the IOMMU translates edu's DMA and faults a stray one; edu streams into
# dma-bufs and vgem imports objects behind it; mmb_pci confines the devices
# handed to it, and blocks their DMA.
IOMMU_TESTS=edu/,stream/,dmabuf/stream_,dmabuf/vgem_import,life/unbind,life/copy_after_unbind,life/iommu_translates,life/iommu_blocks_stray_dma,pci/

# Build, boot and evaluate one guest in $2 (TAP lines and gates).
run_kernel() {
	local rel=$1 dir=$2 qrc
	if ! prepare_guest "$rel" "$dir"; then
		tap not-ok life/build_warning_free "the module, the guest programs or the initramfs did not build cleanly"
		return
	fi
	tap ok life/build_warning_free
	boot_guest "$rel" test "$dir" >"$dir/guest.out" 2>"$dir/qemu.err"
	qrc=$?
	# A guest whose init never spoke did not run mmbridge at all (the
	# module loads after the first line): show why, boot once more.
	# Anything later is the tests' business, never retried.
	if ! grep -q '^# guest .* up' "$dir/guest.out"; then
		echo "# the guest never reached its init (qemu exit $qrc); console tail:"
		tail -n 25 "$dir/console.log" | sed 's/^/#   /'
		[ -s "$dir/qemu.err" ] && sed 's/^/# qemu: /' "$dir/qemu.err"
		echo "# booting $rel once more"
		boot_guest "$rel" test "$dir" >"$dir/guest.out" 2>"$dir/qemu.err"
		qrc=$?
	fi
	[ -s "$dir/qemu.err" ] && sed 's/^/# qemu: /' "$dir/qemu.err"
	evaluate "$rel" "$dir" "$qrc"
}
make -s -C "$TOP" guest >"$BUILD/build-guest.log" 2>&1 || { cat "$BUILD/build-guest.log"; exit 1; }

# The gates below must be able to fail: prove it on made-up guest output.
if why=$(vm/selftest.sh 2>&1); then
	tap ok life/harness_gates_fail_when_they_should
else
	tap not-ok life/harness_gates_fail_when_they_should "$(echo "$why" | tail -n 1)"
fi
# make install into a DESTDIR and a program built against it with
# pkg-config (run in each guest), for the first kernel's module.
first=$(kernel_release "${KERNELS%% *}")
[ -n "$first" ] && make -s -C "$TOP" module KVER="$first" >/dev/null 2>&1
package_install_test "${first:-none}"
framework_include_test
rm -rf "$DKMS_TREE"
t_pass=$k_pass t_fail=$k_fail t_skip=$k_skip
for k in $KERNELS; do
	k_pass=0 k_fail=0 k_skip=0
	start=$SECONDS
	rel=$(kernel_release "$k")
	# <series>-iommu: the same kernel again, its devices behind an IOMMU
	# in strict mode, for the cases that make a device DMA (or take its
	# mappings away) unless MMB_TESTS names others.
	case $k in
	*-iommu)
		if [ -n "$rel" ]; then
			MMB_IOMMU=1 MMB_TESTS=${MMB_TESTS:-$IOMMU_TESTS} \
				run_kernel "$rel" "$BUILD/vm/$rel-iommu" iommu
		else
			tap not-ok "life/kernel_$k" "no /boot/vmlinuz for kernel series ${k%-iommu}"
		fi
		echo "# kernel $rel with an IOMMU took $((SECONDS - start)) s"
		echo "kernel $rel (IOMMU): $k_pass passed, $k_fail failed, $k_skip skipped"
		t_pass=$((t_pass + k_pass)) t_fail=$((t_fail + k_fail)) t_skip=$((t_skip + k_skip))
		continue ;;
	esac
	if [ -z "$rel" ]; then
		echo "# kernel $k: not installed"
		tap not-ok "life/kernel_$k" "no /boot/vmlinuz for kernel series $k"
		rel=$k
	else
		echo "# kernel $rel"
		package_dkms_test "$rel"
		framework_oot_test "$rel"
		run_kernel "$rel" "$BUILD/vm/$rel"
	fi
	echo "# kernel $rel took $((SECONDS - start)) s"
	echo "kernel $rel: $k_pass passed, $k_fail failed, $k_skip skipped"
	t_pass=$((t_pass + k_pass)) t_fail=$((t_fail + k_fail)) t_skip=$((t_skip + k_skip))
done
echo "1..$num"
echo "# make test took $((SECONDS - start_all)) s"
echo "$t_pass passed, $t_fail failed, $t_skip skipped"
[ "$t_fail" = 0 ] && [ "$num" -gt 0 ]
