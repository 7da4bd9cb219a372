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

# Kernel messages that mean something went wrong, whatever the test said.
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|kernel BUG|Call Trace:|possible recursive locking|possible circular locking|inconsistent lock state|lockdep|KASAN|UBSAN|sleeping function called from invalid context|list_add corruption|list_del corruption|kmemleak|unreferenced object|blocked for more than|soft lockup|hard LOCKUP|rcu_sched self-detected stall|rcu: INFO|Kernel panic|refcount_t:|double free|use-after-free'

num=0 k_pass=0 k_fail=0 k_skip=0 t_pass=0 t_fail=0 t_skip=0

tap() {	# tap ok|not-ok NAME [COMMENT]
	local verdict=$1 name=$2 comment=${3:-}
	num=$((num + 1))
	if [ "$verdict" = ok ]; then
		case $comment in
		"SKIP"*) k_skip=$((k_skip + 1)) ;;
		*) k_pass=$((k_pass + 1)) ;;
		esac
		echo "ok $num - $name${comment:+ # $comment}"
	else
		k_fail=$((k_fail + 1))
		echo "not ok $num - $name${comment:+ # $comment}"
	fi
}

# Turn one guest's output into numbered TAP lines and gates.
evaluate() {
	local rel=$1 dir=$2 qrc=$3 line name rest seen=" " in_dmesg=0 completed=0 why
	: >"$dir/dmesg.txt"
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ $in_dmesg = 1 ]; then
			if [ "$line" = "### END" ]; then completed=1; in_dmesg=0
			else printf '%s\n' "$line" >>"$dir/dmesg.txt"; fi
			continue
		fi
		case $line in
		"### DMESG")
			in_dmesg=1 ;;
		"ok - "*|"not ok - "*)
			rest=${line#*ok - }
			name=${rest%% *}
			seen="$seen$name "
			case $rest in *" # "*) why=${rest#* # } ;; *) why= ;; esac
			case $line in
			ok*) tap ok "$name" "$why" ;;
			*) tap not-ok "$name" "$why" ;;
			esac ;;
		"# HOSTCHECK "*)
			set -- $line
			name=$3
			seen="$seen$name "
			if why=$("$BUILD/bin/mmb-hostcheck" "$dir/ivshmem.bin" "$4" "$5" "$6"); then
				tap ok "$name"
			else
				tap not-ok "$name" "host side: $why"
			fi ;;
		*)
			[ -n "$line" ] && echo "# $line" ;;
		esac
	done <"$dir/guest.out"

	# Every case the guest program knows must have reported.
	for name in $("$BUILD/guest/mmb-tests" -l); do
		case $seen in *" $name "*) ;; *) tap not-ok "$name" "no result from the guest" ;; esac
	done

	if [ $completed = 1 ]; then
		tap ok life/guest_completed
	else
		tap not-ok life/guest_completed "guest did not finish (qemu exit $qrc; VM_TIMEOUT=$VM_TIMEOUT s); console tail:"
		tail -n 40 "$dir/console.log" | sed 's/^/#   /'
	fi
	why=$(cat "$dir/dmesg.txt" "$dir/console.log" 2>/dev/null | grep -E -m 1 "$SPLAT_RE")
	if [ -z "$why" ] && [ $completed = 1 ]; then
		tap ok life/no_kernel_splat
	elif [ -z "$why" ]; then
		tap not-ok life/no_kernel_splat "no complete dmesg from the guest"
	else
		tap not-ok life/no_kernel_splat "$why"
		grep -E -B 5 -A 25 -m 3 "$SPLAT_RE" "$dir/dmesg.txt" | sed 's/^/#   /'
	fi
}

ensure_packages
start_all=$SECONDS
for k in $KERNELS; do
	k_pass=0 k_fail=0 k_skip=0
	start=$SECONDS
	rel=$(kernel_release "$k")
	if [ -z "$rel" ]; then
		echo "# kernel $k: not installed"
		tap not-ok "life/kernel_$k" "no /boot/vmlinuz for kernel series $k"
		rel=$k
	else
		echo "# kernel $rel"
		dir=$BUILD/vm/$rel
		if prepare_guest "$rel"; then
			tap ok life/build_warning_free
			boot_guest "$rel" test "$dir" >"$dir/guest.out" 2>"$dir/qemu.err"
			qrc=$?
			[ -s "$dir/qemu.err" ] && sed 's/^/# qemu: /' "$dir/qemu.err"
			evaluate "$rel" "$dir" "$qrc"
		else
			tap not-ok life/build_warning_free "module or guest programs did not build cleanly"
		fi
	fi
	echo "# kernel $rel took $((SECONDS - start)) s"
	echo "kernel $rel: $k_pass passed, $k_fail failed, $k_skip skipped"
	t_pass=$((t_pass + k_pass)) t_fail=$((t_fail + k_fail)) t_skip=$((t_skip + k_skip))
done
echo "1..$num"
echo "# make test took $((SECONDS - start_all)) s"
echo "$t_pass passed, $t_fail failed, $t_skip skipped"
[ "$t_fail" = 0 ] && [ "$num" -gt 0 ]
