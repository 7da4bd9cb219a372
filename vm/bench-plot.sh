#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build/bench.json -> build/bench.svg: one bar per ratio_* figure, how many
# times better than its baseline the mechanism did in the same guest run,
# with the spread over the repeats as an error bar and the goal as a mark,
# on a log scale with the baseline at 1.  A ratio whose goal is an upper
# bound ("le": a time, a CPU cost) is inverted; so are the time ratios
# listed below that have no goal.
# build/bench-sweeps.svg: every sweep, one panel each, a line per series.
# Usage: vm/bench-plot.sh [bench.json [bench.svg [bench-sweeps.svg]]]
set -eu -o pipefail
cd "$(dirname "$0")/.."
json=${1:-build/bench.json}
svg=${2:-build/bench.svg}
sweeps_svg=${3:-${svg%.svg}-sweeps.svg}
dat=${svg%.svg}.dat
command -v gnuplot >/dev/null || { echo "vm: gnuplot is not installed" >&2; exit 1; }
command -v jq >/dev/null || { echo "vm: jq is not installed" >&2; exit 1; }

# Ratios of times (lower is better) without a goal to say so.
times='["ratio_irq_wake_vs_uio_p50", "ratio_irq_wake_vs_uio_p99",
	"ratio_map_touch_devmap_vs_remap_pfn", "ratio_revoke_vs_mprotect"]'
kernel=$(jq -r .kernel "$json")
accel=$(jq -r '.accel + (if .env.qemu_cpu then ", -cpu " + .env.qemu_cpu else "" end)' "$json")
# index, label, better, better-min, better-max, goal (as "better") or NaN
jq -r --argjson times "$times" '
	. as $b | [ .figures | to_entries[] | select(.key | startswith("ratio_")) ]
	| to_entries[] | .key as $i | .value.key as $k | .value.value as $v
	| ($b.spread[$k] // { min: $v, max: $v }) as $s | ($b.goals[$k] // null) as $g
	| (if $g then $g.op == "le" else ($times | index($k)) != null end) as $inv
	| def better(x): if $inv then (if x > 0 then 1 / x else 0 end) else x end;
	  [ $i, ($k | ltrimstr("ratio_") | gsub("_vs_"; " vs ") | gsub("_"; " ")),
	    better($v), ([better($s.min), better($s.max)] | min),
	    ([better($s.min), better($s.max)] | max),
	    (if $g and $g.bound > 0 then better($g.bound) else "NaN" end) ]
	| "\(.[0]) \"\(.[1])\" \(.[2]) \(.[3]) \(.[4]) \(.[5])"' "$json" >"$dat"
n=$(wc -l <"$dat")
[ "$n" -gt 0 ] || { echo "vm: no ratio_* figures in $json" >&2; exit 1; }
# Bars at zero (a figure of 0) cannot be drawn on a log scale.
awk '$3 <= 0 { $3 = 1e-3 } $4 <= 0 { $4 = 1e-3 } { print }' "$dat" >"$dat.tmp" && mv "$dat.tmp" "$dat"

gnuplot <<GP
set terminal svg size $((400 + n * 32)),620 dynamic enhanced font "sans,11" background "white"
set output "$svg"
set title "mmbridge: each mechanism against its baseline, same guest run ($kernel, $accel)"
set ylabel "times better than the baseline (log scale; bars: median, whiskers: min-max)"
set logscale y
set yrange [0.01:*]
set grid ytics
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -40 left font ",9" nomirror
set bmargin 13
set rmargin 10
set key top left
set arrow from -0.5,1 to $n-0.5,1 nohead dashtype 2 linecolor rgb "black"
plot "$dat" using 1:3:xtic(2) with boxes linecolor rgb "#3b75af" title "median", \\
     "$dat" using 1:3:4:5 with yerrorbars linecolor rgb "black" pointtype 0 title "min-max", \\
     "$dat" using 1:6 with points pointtype 9 pointsize 1.2 linecolor rgb "#d62728" title "goal"
GP
echo "vm: wrote $svg ($n ratios)" >&2

# Sweeps: a panel per sweep (log-log), a line per series.
sweeps=$(jq -r '(.sweeps // {}) | keys[]' "$json")
if [ -z "$sweeps" ]; then
	# An empty plot still says why it is empty.
	gnuplot <<GP
set terminal svg size 600,200 background "white"
set output "$sweeps_svg"
unset border; unset xtics; unset ytics
set label "no sweeps in this run ($json)" at graph 0.5,0.5 center
plot [0:1][0:1] NaN notitle
GP
	echo "vm: wrote $sweeps_svg (no sweeps)" >&2
	exit 0
fi
nsw=$(echo "$sweeps" | wc -l)
cols=2
rows=$(((nsw + cols - 1) / cols))
gp=${sweeps_svg%.svg}.gp
{
	echo "set terminal svg size 1200,$((rows * 380)) dynamic enhanced font \"sans,10\" background \"white\""
	echo "set output \"$sweeps_svg\""
	echo "set multiplot layout $rows,$cols title \"mmbridge sweeps ($kernel, $accel); whiskers: min-max over the repeats\""
	echo "set logscale x; set grid; set key top left font \",8\""
	for sw in $sweeps; do
		xl=$(jq -r --arg s "$sw" '.sweeps[$s].x' "$json")
		yl=$(jq -r --arg s "$sw" '.sweeps[$s].y' "$json")
		plot="plot"
		sep=""
		for se in $(jq -r --arg s "$sw" '.sweeps[$s].series | keys_unsorted[]' "$json"); do
			f=${sweeps_svg%.svg}.$sw.$se.dat
			jq -r --arg s "$sw" --arg e "$se" '.sweeps[$s].series[$e][] | @tsv' "$json" >"$f"
			plot="$plot$sep \"$f\" using 1:2:3:4 with yerrorlines title \"${se//_/ }\""
			sep=","
		done
		echo "set title \"${sw//_/ }\"; set xlabel \"$xl\"; set ylabel \"$yl\""
		echo "$plot"
	done
	echo "unset multiplot"
} >"$gp"
gnuplot "$gp"
echo "vm: wrote $sweeps_svg ($nsw sweeps)" >&2
