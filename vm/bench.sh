#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot BENCH_KERNEL in QEMU, run `mmbridge bench` (all sections,
# or BENCH_SECTIONS=copy,irq,...), and write build/bench.json:
#   { "kernel", "accel", "env": {...}, "figures": { name: median },
#     "spread": { name: { min, max, n } }, "sweeps": {...},
#     "goals": { name: { op, bound, met } } }
# build/bench.svg and build/bench-sweeps.svg (vm/bench-plot.sh), then the
# goals of vm/bench-goals as a table; exits 1 when a goal is missed or its
# figure is absent.  The guest's progress lines are shown as they come.
# Figures under emulation are compared as ratios measured in the same run.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
. vm/lib.sh
mkdir -p "$BUILD"
KERNELS=${BENCH_KERNEL:-${DEMO_KERNEL:-6.12}}
ensure_packages gnuplot-nox jq fio
rel=$(kernel_release "$KERNELS")
[ -n "$rel" ] || die "kernel series $KERNELS is not installed"
dir=$BUILD/vm/$rel
start=$SECONDS
# The irq section compares with vfio-pci in no-IOMMU mode (vm/lib.sh).
case ,${BENCH_SECTIONS:-all}, in
*,all,* | *,irq,*) MMB_VFIO_KO=$(vfio_noiommu_ko "$rel") ;;
*) MMB_VFIO_KO= ;;
esac
prepare_guest "$rel" || die "build failed"
# bench region revokes a populated 64 MiB mapping of soft0's memory;
# bench object moves a 16 MiB object through soft0's pool.
MMB_PARAMS=${MMB_PARAMS:-$(default_params),soft_mem_mb=64,soft_pool_mb=64}
# bench region maps ivshmem's BAR2 through PCI sysfs (remap_pfn_range()) as
# well as through mmbridge, and bench irq maps edu0's registers the same
# way to raise its interrupt with a store: with CONFIG_IO_STRICT_DEVMEM the
# kernel refuses a BAR a driver has claimed unless iomem=relaxed.
export MMB_CMDLINE="iomem=relaxed ${MMB_CMDLINE:-}"
log "benchmarking on $rel under QEMU ($ACCEL, -cpu $(guest_cpu bench))"
load_before=$(cut -d' ' -f1 /proc/loadavg)
boot_guest "$rel" bench "$dir" 2>"$dir/qemu.err" | tr -d '\r' | tee "$dir/guest.out" |
	grep --line-buffered '^  bench ' >&2
load_after=$(cut -d' ' -f1 /proc/loadavg)
sed -n '/^### DMESG/,/^### END/p' "$dir/guest.out" >"$dir/dmesg.txt"
sed -n '/^### BENCH$/,/^### BENCH-END$/p' "$dir/guest.out" | sed '1d;$d' >"$dir/figures.json"
if ! [ -s "$dir/figures.json" ] || ! jq -e .figures "$dir/figures.json" >/dev/null 2>&1; then
	tail -n 30 "$dir/guest.out" >&2
	die "no benchmark figures from the guest ($dir/guest.out)"
fi
if grep -E -m 1 "$SPLAT_RE" "$dir/dmesg.txt" "$dir/console.log" >&2; then
	die "the kernel reported a problem during the benchmarks"
fi

# The environment: the guest's (### ENV lines) and the host's.
env_json=$(sed -n '/^### ENV$/,/^### ENV-END$/p' "$dir/guest.out" | sed '1d;$d' |
	jq -R -n '[inputs | capture("^(?<k>[a-z_]+) (?<v>.*)$")
		| {(.k): (.v | tonumber? // .)}] | add // {}')
env_json=$(jq -n --argjson g "$env_json" \
	--arg qemu "$(qemu-system-x86_64 --version | head -n 1)" \
	--arg accel "$ACCEL" --arg cpu "$(guest_cpu bench)" \
	--arg host_cpus "$(nproc)" \
	--arg host_cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	--argjson lb "$load_before" --argjson la "$load_after" \
	--arg sections "${BENCH_SECTIONS:-all}" \
	'$g + { qemu: $qemu, accel: $accel, qemu_cpu: $cpu, host_cpus: ($host_cpus | tonumber),
		host_cpu_model: $host_cpu_model, host_load: [$lb, $la], sections: $sections }')

# Goals: "figure ge|le bound" lines; an absent figure misses its goal.
goals_json=$(grep -v '^[[:space:]]*\(#\|$\)' vm/bench-goals |
	awk '{ printf "{\"name\": \"%s\", \"op\": \"%s\", \"bound\": %s}\n", $1, $2, $3 }' |
	jq -s --slurpfile f "$dir/figures.json" '
		map(. as $g | ($f[0].figures[$g.name]) as $v |
		    { (.name): { op, bound,
		      met: (if $v == null then false
			    elif .op == "ge" then $v >= .bound else $v <= .bound end) } })
		| add // {}')
jq -n --slurpfile f "$dir/figures.json" --arg kernel "$rel" --arg accel "$ACCEL" \
	--argjson env "$env_json" --argjson goals "$goals_json" \
	'{ kernel: $kernel, accel: $accel, env: $env } + $f[0] + { goals: $goals }' \
	>"$BUILD/bench.json" || die "cannot write $BUILD/bench.json"
vm/bench-plot.sh "$BUILD/bench.json" "$BUILD/bench.svg" "$BUILD/bench-sweeps.svg"
log "wrote $BUILD/bench.json, bench.svg and bench-sweeps.svg in $((SECONDS - start)) s"
vm/bench-goals.sh "$BUILD/bench.json"
