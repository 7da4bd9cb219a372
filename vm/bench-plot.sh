#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build/bench.json -> build/bench.svg: one bar per mechanism, how many times
# better than its baseline it did in the same guest run (throughput ratios
# as they are, time ratios inverted), on a log scale with the baseline at 1.
# Usage: vm/bench-plot.sh [bench.json [bench.svg]]
set -eu -o pipefail
cd "$(dirname "$0")/.."
json=${1:-build/bench.json}
svg=${2:-build/bench.svg}
dat=${svg%.svg}.dat
command -v gnuplot >/dev/null || { echo "vm: gnuplot is not installed" >&2; exit 1; }

# Ratios of times (lower is better); every other ratio is of throughputs.
times=" ratio_irq_wake_vs_uio_p50 ratio_irq_wake_vs_uio_p99 ratio_fault_devmap_vs_anon ratio_fault_devmap_pmd_vs_anon ratio_revoke_vs_munmap_64m "
kernel=$(sed -n 's/.*"kernel": "\([^"]*\)".*/\1/p' "$json")
accel=$(sed -n 's/.*"accel": "\([^"]*\)".*/\1/p' "$json")
: >"$dat"
n=0
while read -r name value; do
	case $times in
	*" $name "*) better=$(awk -v v="$value" 'BEGIN { printf "%.4g", 1 / v }') ;;
	*) better=$value ;;
	esac
	label=${name#ratio_}
	label=${label//_vs_/ vs }
	label=${label//_/ }
	printf '%d "%s" %s\n' "$n" "$label" "$better" >>"$dat"
	n=$((n + 1))
done < <(grep -o '"ratio_[a-z0-9_]*": [0-9.eE+-]*' "$json" | tr -d '":')
[ "$n" -gt 0 ] || { echo "vm: no ratio_* figures in $json" >&2; exit 1; }

gnuplot <<GP
set terminal svg size 1000,560 dynamic enhanced font "sans,11" background "white"
set output "$svg"
set title "mmbridge: each mechanism against its baseline, same guest run ($kernel, $accel)"
set ylabel "times better than the baseline (log scale)"
set logscale y
set yrange [0.1:*]
set grid ytics
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -35 left font ",10" nomirror
set bmargin 9
set rmargin 10
set key top left
set arrow from -0.5,1 to $n-0.5,1 nohead dashtype 2 linecolor rgb "black"
plot "$dat" using 1:3:xtic(2) with boxes linecolor rgb "#3b75af" title "mechanism / baseline", \\
     "$dat" using 1:3:(sprintf("%.2f", \$3)) with labels offset 0,0.7 font ",9" notitle
GP
echo "vm: wrote $svg ($n mechanisms)" >&2
