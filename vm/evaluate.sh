# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP numbering and the evaluation of one guest run; sourced by vm/test.sh
# and vm/selftest.sh.  Needs SPLAT_RE, BUILD and VM_TIMEOUT (vm/lib.sh) and
# the counters num, k_pass, k_fail, k_skip.

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

# Kernel log $2 without the IOMMU fault reports that the guest announced
# in $1 (one "<bus:dev.fn> <address>" a line, from "# DMAR-EXPECTED"):
# each announcement excuses one report of a DMA write by exactly that
# device to exactly that address, nothing else.
dmar_excused() {
	awk -v want="$1" '
	FILENAME == want {
		w["DMAR: [DMA Write NO_PASID] Request device [" $1 "] fault addr " $2 " ["]++
		next
	}
	{
		for (k in w)
			if (w[k] > 0 && index($0, k)) {
				w[k]--
				next
			}
		print
	}' "$1" "$2"
}

# The kernel log without the fault-injection framework's own reports
# (lib/fault-inject.c, fail_dump()), which are not splats: the line
# "FAULT_INJECTION: forcing a failure.", the line "name <attribute>,
# interval N, probability N, space N, times N" right after it, and with
# verbose=2 the dump_stack() right after that: "CPU: N UID: N PID: N
# Comm: ...", the taint, hardware and workqueue lines, "Call Trace:", then
# frames (" [? ]symbol+0xN/0xN[ [module]]"), stack markers ("<TASK>",
# "<IRQ>", ...) and the user registers of the system call ("RIP: ",
# "Code: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: "), up to
# and including "</TASK>" (the serial console ends lines with CR LF).  Only
# those lines, in that order and unbroken, are dropped; any other line ends
# the report and is checked.
drop_fault_reports() {
	awk '
	{
		line = $0
		sub(/\r$/, "", line)
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
		if (state == 1 && line ~ /^name [a-z_]+, interval [0-9]+, probability [0-9]+, space -?[0-9]+, times -?[0-9]+$/) {
			state = 2; next
		}
		if (state == 2 && line ~ /^CPU: [0-9]+ UID: [0-9]+ PID: [0-9]+ Comm: /) {
			state = 3; next
		}
		if (state == 3 && line ~ /^(Tainted: |Hardware name: |Workqueue: )/)
			next
		if (state == 3 && line == "Call Trace:") {
			state = 4; next
		}
		if (state == 4 && line ~ /^ *<\/TASK>$/) {
			state = 0; next
		}
		if (state == 4 && (line ~ /^ *<\/?(TASK|IRQ|SOFTIRQ|NMI)>$/ ||
		    line ~ /^ *(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+( \[[A-Za-z0-9_]+\])?$/ ||
		    line ~ /^ *(RIP|Code|RSP|RAX|RDX|RBP|R10|R13): /))
			next
		state = 0
		if (line ~ /^FAULT_INJECTION: forcing a failure\.$/) {
			state = 1; next
		}
		print
	}'
}

# Turn one guest's output into numbered TAP lines and gates.
evaluate() {
	local rel=$1 dir=$2 qrc=$3 line name rest seen=" " in_dmesg=0 completed=0 why
	local mode w w3 w4
	: >"$dir/dmesg.txt"
	: >"$dir/dmar-expected.txt"
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
		"# DMAR-EXPECTED "*)	# bus:dev.fn address: a case's own IOMMU fault
			read -r _ _ w3 w4 _ <<<"$line"
			echo "$w3 $w4" >>"$dir/dmar-expected.txt"
			echo "# $line" ;;
		"# HOSTCHECK "*)	# name [--absent] OFFSET LENGTH SEED|WORD
			read -r -a w <<<"$line"
			name=${w[2]:-}
			seen="$seen$name "
			w=("${w[@]:3}")
			mode=()
			[ "${w[0]:-}" = --absent ] && { mode=(--absent); w=("${w[@]:1}"); }
			if why=$("$BUILD/bin/mmb-hostcheck" "${mode[@]}" "$dir/ivshmem.bin" "${w[@]:0:3}"); then
				tap ok "$name"
			else
				tap not-ok "$name" "host side: $why"
			fi ;;
		*)
			[ -n "$line" ] && echo "# $line" ;;
		esac
	done <"$dir/guest.out"

	# Say why first: the list of missing results below can be long.
	if [ $completed = 0 ]; then
		echo "# the guest did not finish (qemu exit $qrc); console tail:"
		tail -n 40 "$dir/console.log" | sed 's/^/#   /'
	fi
	# Every case the guest program knows must have reported, and on a debug
	# kernel the kmemleak verdict.
	local required
	# shellcheck disable=SC2086 # one argument per word, on purpose
	required=$("$BUILD/guest/mmb-tests" -l ${MMB_TESTS//,/ })
	case $rel in *-mmb-debug) required="$required life/kmemleak_clean life/dma_api_debug_clean" ;; esac
	for name in $required; do
		case $seen in *" $name "*) ;; *) tap not-ok "$name" "no result from the guest" ;; esac
	done

	if [ $completed = 1 ]; then
		tap ok life/guest_completed
	else
		tap not-ok life/guest_completed "guest did not finish (qemu exit $qrc; VM_TIMEOUT=$VM_TIMEOUT s); console tail above"
	fi
	dmar_excused "$dir/dmar-expected.txt" "$dir/dmesg.txt" | drop_fault_reports \
		>"$dir/dmesg-gate.txt"
	why=$({ cat "$dir/dmesg-gate.txt"
		dmar_excused "$dir/dmar-expected.txt" "$dir/console.log" 2>/dev/null |
			drop_fault_reports; } |
		grep -E -m 1 "$SPLAT_RE")
	if [ -z "$why" ] && [ $completed = 1 ]; then
		tap ok life/no_kernel_splat
	elif [ -z "$why" ]; then
		tap not-ok life/no_kernel_splat "no complete dmesg from the guest"
	else
		tap not-ok life/no_kernel_splat "$why"
		grep -E -B 5 -A 25 -m 3 "$SPLAT_RE" "$dir/dmesg-gate.txt" | sed 's/^/#   /'
	fi
}

