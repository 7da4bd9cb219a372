#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The goals table of a bench.json: figure, median [min, max] over n
# repeats, goal, met.  Exits 1 when a goal is missed or its figure absent.
# Usage: vm/bench-goals.sh [bench.json]
set -eu -o pipefail
json=${1:-build/bench.json}
jq -r '
	. as $b | $b.goals | to_entries[] |
	.key as $k | .value as $g | $b.figures[$k] as $v | ($b.spread[$k] // {}) as $s |
	[ $k,
	  (if $v == null then "absent" else ($v | tostring) end),
	  (if $v == null then "" else "[\($s.min // $v), \($s.max // $v)] n=\($s.n // 1)" end),
	  "\(if $g.op == "ge" then ">=" else "<=" end) \($g.bound)",
	  (if $g.met then "met" else "MISSED" end) ] | @tsv' "$json" |
	awk -F'\t' 'BEGIN { printf "%-48s %10s  %-26s %-8s %s\n", "goal", "median", "spread", "bound", "" }
		{ printf "%-48s %10s  %-26s %-8s %s\n", $1, $2, $3, $4, $5; if ($5 != "met") miss++ ; n++ }
		END { printf "bench: %d of %d goals met\n", n - miss, n; exit miss > 0 }'
