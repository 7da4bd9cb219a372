# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared functions of the QEMU harness: packages, kernels, initramfs, boot.
# Sourced by vm/test.sh and vm/demo.sh from the top of the source tree.

TOP=${TOP:-$(pwd)}
BUILD=${BUILD:-$TOP/build}
VM_TIMEOUT=${VM_TIMEOUT:-900}		# seconds a guest may run
VM_MEM=${VM_MEM:-1024}			# MiB
VM_CPUS=${VM_CPUS:-2}
IVSHMEM_MB=${IVSHMEM_MB:-32}
MMB_TESTS=${MMB_TESTS:-}			# test prefixes to run (comma-separated), all if empty
ACCEL=${ACCEL:-tcg}
# edu's full 4 KiB DMA buffer is safe only from QEMU 8.0 on (see backends/mmb_edu.c).
qemu_major() { qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'; }
default_params() {
	if [ "$(qemu_major)" -ge 8 ] 2>/dev/null; then
		echo edu_dma_bits=64,edu_dma_window=4096
	else
		echo edu_dma_bits=64
	fi
}

# Kernel messages that mean something went wrong, whatever a test said.
# "DMAR: [DMA Read", "[DMA Write", "[INTR-REMAP" begin the report of an
# IOMMU fault: a DMA outside what was mapped, an interrupt outside what was
# set up (vm/evaluate.sh excuses the faults a case provokes and announces).
# shellcheck disable=SC2034 # read by vm/evaluate.sh, which the scripts source too
SPLAT_RE='DMAR: \[(DMA Read|DMA Write|INTR-REMAP)|WARNING:|BUG:|BUG kmalloc|Oops|general protection fault|kernel BUG|Call Trace:|possible recursive locking|possible circular locking|inconsistent lock state|lockdep is turned off|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|KASAN:|UBSAN|sleeping function called from invalid context|list_add corruption|list_del corruption|suspected memory leak|unreferenced object|blocked for more than|soft lockup|hard LOCKUP|rcu_sched self-detected stall|rcu: INFO|Kernel panic|refcount_t:|Poison overwritten|Object already free|ODEBUG:|DMA-API: debugging out of memory|dma-debug disabled'

die() { echo "vm: $*" >&2; exit 1; }
log() { echo "vm: $*" >&2; }

# Debian packages a kernel series needs: image and headers.
kernel_packages() {
	case $1 in
	*-iommu) kernel_packages "${1%-iommu}" ;;
	debug)	echo linux-source-6.12 ;;	# built by vm/debug-kernel.sh
	6.1)	echo linux-image-amd64 linux-headers-amd64 ;;
	*-rt)	echo "linux-image-${1%-rt}-rt-amd64 linux-headers-${1%-rt}-rt-amd64" ;;
	*)	echo "linux-image-$1-amd64 linux-headers-$1-amd64" ;;
	esac
}

# Install whatever of the harness's packages is missing (apt, as root),
# with the kernels of $KERNELS and the packages given as arguments.
ensure_packages() {
	local pkgs=(qemu-system-x86 busybox-static cpio kmod make gcc libc6-dev
		binutils libelf-dev bc flex bison xz-utils zstd gzip e2fsprogs liburing-dev "$@")
	local k p more missing=()

	for k in $KERNELS; do
		read -r -a more <<<"$(kernel_packages "$k")"
		pkgs+=("${more[@]}")
	done
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root to install them)"
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >"$BUILD/apt.log" 2>&1 || {
		apt-get update >>"$BUILD/apt.log" 2>&1
		apt-get install -y --no-install-recommends "${missing[@]}" >>"$BUILD/apt.log" 2>&1 ||
			{ tail -20 "$BUILD/apt.log" >&2; die "apt-get install failed"; }
	}
}

# The installed release of a kernel series ("6.1" -> 6.1.0-NN-amd64), newest.
kernel_release() {
	set -- "${1%-iommu}"
	local series=${1%-rt} rt='' f
	if [ "$1" = debug ]; then
		"$TOP/vm/debug-kernel.sh"
		return
	fi
	[ "$series" != "$1" ] && rt=1
	for f in /boot/vmlinuz-*; do
		[ -e "$f" ] && echo "${f#/boot/vmlinuz-}"
	done |
		grep "^${series//./\\.}[.-]" |
		if [ -n "$rt" ]; then grep -- '-rt-'; else grep -v -- '-rt-'; fi |
		sort -V | tail -n 1
}

# The boot image of a release: the debug kernel's is under build/.
DEBUG_SRC=$BUILD/debug-kernel/linux-source-6.12
kernel_image() {
	case $1 in
	*-mmb-debug) echo "$DEBUG_SRC/arch/x86/boot/bzImage" ;;
	*) echo "/boot/vmlinuz-$1" ;;
	esac
}

# Build the module (warnings are errors) and the guest programs.
build_for() {
	local rel=$1
	make -s -C "$TOP" module sample regtest KVER="$rel" MMB_WERROR=1 >"$BUILD/build-$rel.log" 2>&1 ||
		{ cat "$BUILD/build-$rel.log" >&2; return 1; }
	make -s -C "$TOP" guest >>"$BUILD/build-$rel.log" 2>&1 ||
		{ cat "$BUILD/build-$rel.log" >&2; return 1; }
}

# vfio.ko with vfio-pci's no-IOMMU mode, for the irq benchmark's vfio-pci
# comparison; prints its path, or nothing when there is none.  Debian builds
# vfio without CONFIG_VFIO_NOIOMMU: the module is built again from
# linux-source-6.12 with it (cached under build/vfio-noiommu/) and used only
# when its srcversion, the digest of its source files, is the installed
# module's: the same code plus the no-IOMMU mode.
vfio_noiommu_ko() {
	local rel=$1 stock out src=/usr/src/linux-source-6.12.tar.xz tmp
	stock=$(modinfo -k "$rel" -n vfio 2>/dev/null) ||
		{ log "$rel has no vfio module: no vfio-pci figures"; return 0; }
	if modinfo -F parm "$stock" | grep -q '^enable_unsafe_noiommu_mode:'; then
		echo "$stock"
		return 0
	fi
	out=$BUILD/vfio-noiommu/$rel
	if ! [ -f "$out/vfio.ko" ] && ! [ -f "$out/mismatch" ]; then
		[ -f "$src" ] || { log "$rel's vfio has no no-IOMMU mode and $src is absent: no vfio-pci figures"; return 0; }
		log "building vfio.ko for $rel with CONFIG_VFIO_NOIOMMU from $src"
		tmp=$(mktemp -d "$BUILD/vfio-noiommu.XXXXXX")
		tar -xJf "$src" -C "$tmp" --strip-components=3 --no-wildcards-match-slash \
			--wildcards 'linux-source-6.12/drivers/vfio/*.[ch]' \
			'linux-source-6.12/drivers/vfio/Makefile' ||
			{ rm -rf "$tmp"; log "cannot extract vfio from $src: no vfio-pci figures"; return 0; }
		{ echo "obj-m := vfio.o"; grep '^vfio-' "$tmp/Makefile"
		  echo "ccflags-y += -DCONFIG_VFIO_NOIOMMU=1"; } >"$tmp/Kbuild"
		rm "$tmp/Makefile"
		if ! make -s -C "/lib/modules/$rel/build" M="$tmp" modules >"$tmp/build.log" 2>&1; then
			cat "$tmp/build.log" >&2
			rm -rf "$tmp"
			log "building vfio.ko failed: no vfio-pci figures"
			return 0
		fi
		mkdir -p "$out"
		if [ "$(modinfo -F srcversion "$tmp/vfio.ko")" = "$(modinfo -F srcversion "$stock")" ]; then
			strip --strip-debug -o "$out/vfio.ko" "$tmp/vfio.ko"
		else
			echo "srcversion $(modinfo -F srcversion "$tmp/vfio.ko") against $stock's $(modinfo -F srcversion "$stock")" >"$out/mismatch"
		fi
		rm -rf "$tmp"
	fi
	if [ -f "$out/mismatch" ]; then
		log "$src's vfio is not $rel's ($(cat "$out/mismatch")): no vfio-pci figures"
		return 0
	fi
	echo "$out/vfio.ko"
}

# Copy a kernel module, decompressed, into an initramfs directory as
# NN-name.ko and append it to that directory's load order.
add_module() {
	local f=$1 dir=$2 n m
	n=$(($(wc -l <"$dir/order") + 1))
	m=$(printf '%02d-%s' "$n" "$(basename "$f" | sed 's/\.ko.*$//').ko")
	case $f in
	*.xz)	xz -dc "$f" >"$dir/$m" ;;
	*.zst)	zstd -qdc "$f" >"$dir/$m" ;;
	*.gz)	gzip -dc "$f" >"$dir/$m" ;;
	*)	cp "$f" "$dir/$m" ;;
	esac
	echo "$m" >>"$dir/order"
}

# initramfs: busybox, the modules for virtio-9p and zram, mmbridge.ko and its
# drivers, guest programs; with MMB_VFIO_KO (a vfio.ko from vfio_noiommu_ko()), vfio-pci's
# modules in lib/modules/bench/, which the guest loads for benchmarks only.
make_initramfs() (
	local rel=$1 out=$2 root mods m f
	root=$(mktemp -d "$BUILD/initramfs.XXXXXX")
	# A subshell, so that the tree goes however it ends (die, a signal).
	trap 'rm -rf "$root"' EXIT
	trap 'exit 1' INT TERM
	chmod 755 "$root"	# mktemp's 0700 would lock non-root users out of /
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,host,lib/modules,etc}
	cp /bin/busybox "$root/bin/busybox"
	cp "$TOP/vm/init" "$root/init"
	chmod 755 "$root/init"
	cp "$BUILD/mod/$rel/mmbridge.ko" "$BUILD/mod/$rel"/backends/*.ko "$root/lib/"
	cp "$BUILD/sample/$rel/mmb_sample.ko" "$root/lib/mmb_sample.ko"
	cp "$BUILD/regtest/$rel/mmb_regtest.ko" "$root/lib/mmb_regtest.ko"
	cp "$BUILD/regtest/$rel/mmb_dynimp.ko" "$root/lib/mmb_dynimp.ko"
	# What vm/package.sh built: the DKMS modules, installed programs.
	if [ -f "$BUILD/dkms/out/$rel/mmbridge.ko" ]; then
		mkdir -p "$root/lib/dkms"
		cp "$BUILD/dkms/out/$rel"/*.ko "$root/lib/dkms/"
	fi
	[ -d "$BUILD/pkgtest/opt/bin" ] && cp -a "$BUILD/pkgtest/opt" "$root/opt"
	cp "$BUILD"/guest/* "$root/bin/"

	# Dependencies in load order; built-in ones need nothing.  zram gives
	# the guest swap, so swapped-out pages are real; uio_pci_generic drives
	# the second edu device of benchmark runs (it binds nothing by itself);
	# loop and ext4 mount the image below; fuse (built in from 6.12 on)
	# serves the FUSE cases of fault/.
	mods=$(for m in virtio_pci 9pnet_virtio 9p zram uio_pci_generic loop ext4 fuse; do
		modprobe -S "$rel" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++')
	: >"$root/lib/modules/order"
	for f in $mods; do
		add_module "$f" "$root/lib/modules"
	done
	# Importers of the dmabuf/ cases, which load them (and unload them)
	# themselves: lib/modules/<name>/order.  The debug kernel has them
	# built in.  So does pci/aer with the AER error injector.
	for m in vgem vivid aer_inject; do
		mkdir -p "$root/lib/modules/$m"
		: >"$root/lib/modules/$m/order"
		for f in $(modprobe -S "$rel" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
			add_module "$f" "$root/lib/modules/$m"
		done
	done
	# vfio-pci with vfio_iommu_type1: a no-IOMMU container uses vfio's own
	# no-IOMMU driver, a guest with an IOMMU (MMB_IOMMU=1) type 1.
	if [ -n "${MMB_VFIO_KO:-}" ]; then
		mkdir -p "$root/lib/modules/bench"
		: >"$root/lib/modules/bench/order"
		for f in $(modprobe -S "$rel" --show-depends vfio-pci 2>/dev/null |
			awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
			case $(basename "$f") in
			vfio.ko*)	f=$MMB_VFIO_KO ;;
			esac
			add_module "$f" "$root/lib/modules/bench"
		done
	fi
	# A small ext4 file system for the tests that need page-cache pages
	# of a real block file system (loop-mounted from the initramfs).
	truncate -s 16M "$root/lib/ext4.img"
	PATH=$PATH:/sbin:/usr/sbin mkfs.ext4 -q -F -b 4096 -L mmb-test "$root/lib/ext4.img" ||
		die "mkfs.ext4 failed"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
)

# The CPU model under TCG.  QEMU's "max" has erms without fsrm, so the
# kernel's copy_to_user() runs as "rep movsb", which QEMU emulates several
# times slower than the move loops of memcpy(): figures that pay
# copy_to_user() on one side and memcpy() on the other would measure the
# emulator.  Benchmarks run without erms and fsrm, as many real CPUs do
# (BENCH_CPU overrides); tests and the demo keep "max".
guest_cpu() {
	if [ "$1" = bench ]; then
		echo "${BENCH_CPU:-max,-erms,-fsrm}"
	else
		echo max
	fi
}

# Boot a kernel with edu, ivshmem-plain and the host root over 9p.
# Guest output (TAP or demo) goes to stdout; the console to $dir/console.log.
boot_guest() {
	local rel=$1 mode=$2 dir=$3 accel_opt=() params=${MMB_PARAMS:-$(default_params)}
	local extra=() uio='' vfio='' pci='' pci_msi='' debug='' iommu=() machine=q35
	# Tests run with SLUB's red zones, poisoning and checks: a write to
	# freed memory is reported (and fails the splat gate) on every kernel,
	# not only on the KASAN one.  Benchmarks and the demo run without.
	[ "$mode" = test ] && debug=slub_debug=FZP
	# MMB_IOMMU=1: every device behind QEMU's VT-d, the guest translating
	# each DMA and unmapping strictly (no deferred IOTLB flush), so a DMA
	# outside what is mapped faults in the IOMMU instead of landing.  Its
	# interrupts are remapped (isolated MSI), so that mmb_pci confines the
	# devices handed to it; under KVM that needs the IOAPIC in QEMU
	# (kernel-irqchip=split), under TCG QEMU emulates every irqchip anyway
	# (and leaves EIM, x2APIC's extended IDs, off: the guest remaps in
	# xAPIC mode).
	if [ -n "${MMB_IOMMU:-}" ]; then
		iommu=(-device "intel-iommu,intremap=on")
		debug="$debug intel_iommu=on iommu.strict=1"
		[ "$ACCEL" = kvm ] && machine=q35,kernel-irqchip=split
	fi
	# Benchmarks compare with UIO and vfio-pci: a second edu, at a fixed
	# address, that the guest hands to uio_pci_generic, and a third for
	# vfio-pci; a fourth and a fifth go to mmb_pci, the fourth with INTx
	# (its slot's INTA is not the UIO edu's line), the fifth with MSI
	# (vm/bench.sh boots them with iomem=relaxed, so that root
	# maps edu0's registers through sysfs although mmbridge claimed them
	# and the irq benchmark raises every device's interrupt with a store).
	# Their guest RAM is allocated on the host before the guest starts
	# (-mem-prealloc): otherwise the first use of each guest page costs a
	# host page fault, which the page allocator's zeroing of fresh pages
	# (a cold move to RAM) would pay several times over.
	# Tests hand a device with no driver of its own to mmb_pci: QEMU's
	# pci-testdev (1b36:0005, one page of registers in BAR0) alone behind
	# a PCIe root port, so that a secondary bus reset resets it alone
	# (its sysfs reset, which pci/reset uses).
	# And a device with several MSI-X vectors that user space raises one
	# by one: ivshmem-doorbell (4 vectors, 1 MiB of memory from the
	# server, registers in a 256-byte BAR0 that starts a page behind its
	# own root port), served by mmb-ivshmem-server so that its doorbell
	# rings the guest itself.  The guest hands it to mmb_pci alone.
	local ivsrv=
	if [ "$mode" = test ]; then
		extra=(-device "pcie-root-port,id=mmbrp,chassis=1,addr=0x12"
			-device "pci-testdev,bus=mmbrp")
		"$BUILD/bin/mmb-ivshmem-server" "$dir/doorbell.sock" 4 1048576 \
			>"$dir/doorbell.out" 2>&1 &
		ivsrv=$!
		for _ in $(seq 50); do
			grep -q '^ready' "$dir/doorbell.out" 2>/dev/null && break
			sleep 0.1
		done
		if ! grep -q '^ready' "$dir/doorbell.out"; then
			echo "mmb-ivshmem-server: $(cat "$dir/doorbell.out")" >&2
			kill "$ivsrv" 2>/dev/null
			return 1
		fi
		extra+=(-chardev "socket,id=mmbivs,path=$dir/doorbell.sock"
			-device "pcie-root-port,id=mmbrp2,chassis=2,addr=0x13"
			-device "ivshmem-doorbell,chardev=mmbivs,vectors=4,bus=mmbrp2")
	fi
	if [ "$mode" = bench ]; then
		extra=(-device "edu,dma_mask=0xffffffffffffffff,addr=0x10"
			-device "edu,dma_mask=0xffffffffffffffff,addr=0x11"
			-device "edu,dma_mask=0xffffffffffffffff,addr=0x13"
			-device "edu,dma_mask=0xffffffffffffffff,addr=0x14"
			-mem-prealloc)
		uio=0000:00:10.0
		vfio=0000:00:11.0
		pci=0000:00:13.0
		pci_msi=0000:00:14.0
	fi
	case $ACCEL in
	tcg)	accel_opt=(-accel "tcg,thread=multi" -cpu "$(guest_cpu "$mode")") ;;
	kvm)	accel_opt=(-accel kvm -cpu host) ;;
	*)	die "ACCEL=$ACCEL: use tcg or kvm" ;;
	esac
	# ivshmem's memory: a file on the host's disk for tests and the demo;
	# for benchmarks, one in /dev/shm written through before the guest
	# starts, so no figure pays for the host's file system or first touch.
	local shm=$dir/ivshmem.bin
	rm -f "$shm"
	if [ "$mode" = bench ]; then
		shm=$(mktemp /dev/shm/mmb-ivshmem.XXXXXX) || die "no room in /dev/shm"
		dd if=/dev/zero of="$shm" bs=1M count="$IVSHMEM_MB" status=none ||
			{ rm -f "$shm"; die "cannot fill $shm"; }
		ln -sf "$shm" "$dir/ivshmem.bin"
	else
		truncate -s "${IVSHMEM_MB}M" "$shm"
	fi
	# tsc=reliable: under TCG a loaded host skews the TSC against the HPET;
	# the clocksource watchdog then marks the TSC unstable and patches
	# sched_clock's static key while other vCPUs run that code, and QEMU's
	# emulation of that cross-modifying code lost guests (an "Oops: int3" in
	# sched_clock_cpu, or QEMU exiting).  Time in the guest is emulated
	# anyway; nothing here measures the TSC against another clock.
	timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 \
		-machine "$machine" "${accel_opt[@]}" -smp "$VM_CPUS" -m "$VM_MEM" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$(kernel_image "$rel")" -initrd "$dir/initramfs.gz" \
		-append "console=ttyS0 panic=-1 tsc=reliable rdinit=/init mmb.mode=$mode mmb.expect=edu0,ivshmem0,soft0 mmb.ivshmem_mb=$IVSHMEM_MB mmb.params=$params mmb.uio=$uio mmb.vfio=$vfio mmb.pci=$pci mmb.pci_msi=$pci_msi mmb.tests=$MMB_TESTS mmb.bench=${BENCH_SECTIONS:-all} $debug ${MMB_CMDLINE:-}" \
		-serial "file:$dir/console.log" -serial stdio "${iommu[@]}" \
		-device edu,dma_mask=0xffffffffffffffff \
		-object "memory-backend-file,id=ivshmem,size=${IVSHMEM_MB}M,share=on,mem-path=$shm" \
		-device ivshmem-plain,memdev=ivshmem "${extra[@]}" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		</dev/null
	local rc=$?
	[ "$mode" = bench ] && rm -f "$shm" "$dir/ivshmem.bin"
	if [ -n "$ivsrv" ]; then
		kill "$ivsrv" 2>/dev/null
		wait "$ivsrv" 2>/dev/null
	fi
	return $rc
}

# Set up build/vm/<release>/ for one boot.
prepare_guest() {
	local rel=$1 dir=${2:-$BUILD/vm/$1}
	mkdir -p "$dir"
	rm -f "$dir"/{console.log,guest.out,dmesg.txt}
	build_for "$rel" || return 1
	make_initramfs "$rel" "$dir/initramfs.gz"
}
