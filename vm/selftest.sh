#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Proves that the harness's verdicts can fail: feeds made-up guest output to
# evaluate() and checks that every kind of trouble is reported.  Prints the
# first problem and exits 1, or exits 0.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
MMB_TESTS=	# the gates are checked against every case
. vm/lib.sh
. vm/evaluate.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
names=$("$BUILD/guest/mmb-tests" -l) || die "build/guest/mmb-tests missing"
seed=12345

# A guest output in which every case passed; $1 is put into its dmesg.
clean_run() {
	local n
	echo "# guest up"
	for n in $names; do
		if [ "$n" = ivshmem/bar_rw ]; then
			echo "# HOSTCHECK ivshmem/bar_rw 4096 1000 $seed"
		elif [ "$n" = region/revoke_discard_live ]; then
			echo "# HOSTCHECK region/revoke_discard_live --absent 4096 1000 77"
		else
			echo "ok - $n"
		fi
	done
	echo "### DMESG"
	echo "[    1.000000] mmbridge: ABI 2 loaded"
	[ -n "${1:-}" ] && echo "$1"
	echo "### END"
}

# Run evaluate on $dir/guest.out as kernel $1 (default selftest); sets
# fails and out.
run_eval() {
	local num=0 k_pass=0 k_fail=0 k_skip=0
	: >"$dir/console.log"
	out=$(evaluate "${1:-selftest}" "$dir" 0; echo "FAILS=$k_fail")
	fails=${out##*FAILS=}
}

expect() {	# expect N_FAILS GREP_FOR WHAT
	if [ "$fails" != "$1" ] || ! grep -q -- "$2" <<<"$out"; then
		echo "$out" | tail -n 5
		echo "selftest: $3: $fails failures, expected $1 with '$2'"
		exit 1
	fi
}

# The ivshmem file as the guest would leave it.
truncate -s 1M "$dir/ivshmem.bin"
"$BUILD/bin/mmb-hostcheck" "$dir/ivshmem.bin" 4096 1000 $seed >/dev/null &&
	{ echo "selftest: hostcheck accepted an all-zero file"; exit 1; }
"$BUILD/bin/mmb-hostcheck" --write "$dir/ivshmem.bin" 4096 1000 $seed ||
	{ echo "selftest: could not forge the ivshmem file"; exit 1; }

clean_run >"$dir/guest.out"
run_eval
expect 0 "ok .* - life/no_kernel_splat" "clean run"
expect 0 "ok .* - ivshmem/bar_rw" "clean run hostcheck"

clean_run "[    2.000000] WARNING: CPU: 1 PID: 99 at kernel/chardev.c:10 mmb_ioctl+0x10/0x20" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*WARNING" "WARN in dmesg"

clean_run "[    2.000000] BUG: sleeping function called from invalid context at mm/memory.c:1" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat" "sleeping in atomic"

clean_run | sed '/^### END/d' >"$dir/guest.out"
run_eval
expect 2 "not ok .* - life/guest_completed" "guest cut off"

first=$(echo "$names" | head -n 1)
clean_run | grep -v -- "- $first\$" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - $first # no result from the guest" "missing case"

clean_run | sed "s|^ok - $first\$|not ok - $first # line 1: boom|" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - $first # line 1: boom" "failed case"

clean_run | sed "s|HOSTCHECK ivshmem/bar_rw 4096 1000 $seed|HOSTCHECK ivshmem/bar_rw 4096 1000 $((seed + 1))|" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - ivshmem/bar_rw # host side" "wrong data on the host side"
clean_run | sed "s|--absent 4096 1000 77|--absent 4096 1000 $(printf '%u' "0x$(od -An -tx8 -j 4096 -N 8 "$dir/ivshmem.bin" | tr -d ' ')")|" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - region/revoke_discard_live # host side: word" "marker on the host side"

clean_run | sed "s|--absent 4096 1000 77|--absent 65536 1000 77|" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - region/revoke_discard_live # host side: .*all zeros" "absent check on an empty range"

# Debug kernels announce their checkers: not splats.  Their reports are.
clean_run "[    0.100000] rcu: 	RCU callback double-/use-after-free debug is enabled." >"$dir/guest.out"
run_eval
expect 0 "ok .* - life/no_kernel_splat" "debug kernel boot banner"
clean_run "[    9.000000] BUG: KASAN: slab-use-after-free in mmb_fd_copy_done+0x2d3/0x2f5 [mmbridge]" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*KASAN" "KASAN report"

# Fault injection's own reports (verbose=2: with the stack) are not splats;
# a splat among them, or a stack without their header, still is.
fi_report() {	# fi_report ATTRIBUTE
	cat <<-EOF
	[   20.000000] FAULT_INJECTION: forcing a failure.
	[   20.000000] name $1, interval 1, probability 10, space 0, times 999999998
	[   20.000001] CPU: 1 UID: 0 PID: 321 Comm: mmb-tests Tainted: G           O       6.12.57-mmb-debug #1
	[   20.000001] Tainted: [O]=OOT_MODULE
	[   20.000001] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
	[   20.000002] Call Trace:
	[   20.000002]  <TASK>
	[   20.000002]  dump_stack_lvl+0x86/0xa0
	[   20.000002]  should_fail_ex.cold+0x32/0x3f
	[   20.000003]  ? kasan_save_track+0x14/0x30
	[   20.000003]  __kmalloc_cache_noprof+0x6c/0x370
	[   20.000003]  mmb_dma_xfer_alloc+0x59/0x300 [mmbridge]
	[   20.000003]  __x64_sys_ioctl+0x11d/0x180
	[   20.000004]  do_syscall_64+0x5e/0x150
	[   20.000004]  entry_SYSCALL_64_after_hwframe+0x76/0x7e
	[   20.000004] RIP: 0033:0x4a1b5b
	[   20.000004] Code: 00 48 89 44 24 18 31 c0 48 8d 44 24 60 c7 04 24 10 00 00 00 48 89 44 24 08 48 8d 44 24 20 48 89 44 24 10 b8 10 00 00 00 0f 05 <89> c2 3d 00 f0 ff ff 77 1c 48 8b 44 24 18 64 48 2b 04 25 28 00 00
	[   20.000005] RSP: 002b:00007ffc2d3e5d40 EFLAGS: 00000246 ORIG_RAX: 0000000000000010
	[   20.000005] RAX: ffffffffffffffda RBX: 00007ffc2d3e6f78 RCX: 00000000004a1b5b
	[   20.000005] RDX: 00007f1a2c5fe000 RSI: 00000000b703 RDI: 0000000000000005
	[   20.000005] RBP: 00007ffc2d3e5dc0 R08: 0000000000000000 R09: 0000000000000000
	[   20.000006] R10: 0000000000000000 R11: 0000000000000246 R12: 0000000000000001
	[   20.000006] R13: 00007ffc2d3e6f88 R14: 00000000004c57d0 R15: 0000000000000001
	[   20.000006]  </TASK>
	EOF
}
# Every line of a report is dropped, and nothing else.
left=$( (fi_report failslab; echo "[   21.000000] after"; fi_report fail_function) | drop_fault_reports)
[ "$left" = "[   21.000000] after" ] ||
	{ echo "selftest: fault injection reports filtered to: $left"; exit 1; }
left=$(fi_report failslab | sed 's/$/\r/' | drop_fault_reports)
[ -z "$left" ] ||
	{ echo "selftest: a fault injection report on the console filtered to: $left"; exit 1; }
clean_run "$(fi_report failslab; fi_report fail_usercopy)" >"$dir/guest.out"
run_eval
expect 0 "ok .* - life/no_kernel_splat" "fault injection reports with stacks"
clean_run "$(fi_report fail_page_alloc | sed '/kasan_save_track/i [   20.000002] WARNING: CPU: 0 PID: 9 at mm/slub.c:1 kfree+0x1/0x2')" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*WARNING: CPU: 0" "a WARNING inside a fault injection report"
clean_run "$(fi_report failslab | sed '/FAULT_INJECTION/d')" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*Call Trace:" "a stack dump without the fault injection header"
clean_run "$(fi_report failslab | sed '/ name failslab/d')" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*Call Trace:" "a fault injection header cut short"
clean_run "$(fi_report failslab; echo "[   21.000000] mmb-tests: vmalloc error: size 131072, page order 0, failed to allocate pages"
	fi_report failslab | sed '1,2d')" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*Call Trace:" "an allocation failure report after a fault injection report"

# A debug kernel must report its kmemleak scan and its DMA-API verdict, and
# a leak is a splat, as is DMA-API debugging switching itself off.
ok_line() { sed "s|^### DMESG|ok - life/$1\n### DMESG|"; }
clean_run | ok_line dma_api_debug_clean >"$dir/guest.out"
run_eval 6.12.0-mmb-debug
expect 1 "not ok .* - life/kmemleak_clean # no result" "debug kernel without a kmemleak verdict"
clean_run | ok_line kmemleak_clean >"$dir/guest.out"
run_eval 6.12.0-mmb-debug
expect 1 "not ok .* - life/dma_api_debug_clean # no result" "debug kernel without a DMA-API verdict"
clean_run "[    9.000000] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" |
	ok_line kmemleak_clean | ok_line dma_api_debug_clean >"$dir/guest.out"
run_eval 6.12.0-mmb-debug
expect 1 "not ok .* - life/no_kernel_splat # .*suspected memory leak" "kmemleak report in dmesg"
clean_run "[    9.000000] DMA-API: debugging out of memory - disabling" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMA-API" "DMA-API debugging switched off"

# An IOMMU fault is a splat.  The one a case provokes and announces is not,
# and only exactly that one: that device, that address, once.
dmar="[    5.000000] DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x1234000 [fault reason 0x05] PTE Write access is not set"
announce() { sed "s|^### DMESG|# DMAR-EXPECTED $1\n### DMESG|"; }
clean_run "$dmar" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMAR" "IOMMU fault"
clean_run "$dmar" | announce "00:03.0 0x1234000" >"$dir/guest.out"
run_eval
expect 0 "ok .* - life/no_kernel_splat" "announced IOMMU fault"
clean_run "$dmar" | announce "00:03.0 0x123400" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMAR" "IOMMU fault at another address than announced"
clean_run "$dmar" | announce "00:04.0 0x1234000" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMAR" "IOMMU fault of another device than announced"
clean_run "${dmar/Write/Read}" | announce "00:03.0 0x1234000" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMAR" "IOMMU read fault where a write was announced"
clean_run "$dmar
$dmar" | announce "00:03.0 0x1234000" >"$dir/guest.out"
run_eval
expect 1 "not ok .* - life/no_kernel_splat # .*DMAR" "two IOMMU faults, one announced"
exit 0
