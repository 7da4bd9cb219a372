// SPDX-License-Identifier: GPL-2.0
/*
 * pci/: mmb_pci, the generic PCI backend.  edu and ivshmem-plain are taken
 * from their own drivers and handed to mmb_pci through driver_override, as
 * an administrator hands it a card; every case gives the device back to
 * its driver and unloads mmb_pci, whatever its verdict.
 *
 * edu's BAR0 (1 MiB, registers): 0x00 ident, 0x04 liveness (reads back
 * inverted), 0x24 interrupt status, 0x60 raise, 0x64 acknowledge, and its
 * DMA engine: 0x80 source, 0x88 destination, 0x90 count, 0x98 command (bit
 * 0 runs a transfer and reads 1 until it is done, bit 1 copies the
 * engine's buffer, at 0x40000 in its own addresses, to the bus address;
 * clear, the other way).
 * ivshmem-plain's BAR0 (256 bytes of registers) is less than a page and
 * not mapped; BAR2 is the shared memory, checked again on the host (15.5
 * MiB of it, a range no other case uses).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MIB		(1024UL * 1024)
#define EDU_IDENT	0x00
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_BUS	0x2
#define EDU_DMA_BUF	0x40000
#define PCI_CMD_INTX_DISABLE 0x400
#define PCI_STATUS_INTX	0x08

static char pci_bdf[32];
static const char *pci_owner;	/* the device's own node ("edu0"), or "" */
static char pci_override[32];	/* driver_override before pci_hand_to() */

/* Write @val to the sysfs file @path of the device @bdf ("" for the bus). */
static int pci_sysfs(const char *bdf, const char *file, const char *val)
{
	char path[160];

	if (bdf[0])
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf,
			 file);
	else
		snprintf(path, sizeof(path), "/sys/bus/pci/%s", file);
	return write_str(path, val);
}

static int mmb_pci_load(const char *params)
{
	char ko[PATH_MAX];
	const char *mmb = getenv("MMB_KO"), *slash;
	int r;

	if (!mmb)
		return -ENOENT;
	slash = strrchr(mmb, '/');
	snprintf(ko, sizeof(ko), "%.*s/mmb_pci.ko",
		 slash ? (int)(slash - mmb) : 1, slash ? mmb : ".");
	r = module_insert(ko, params);
	return r == -EEXIST ? 0 : r;
}

/*
 * Hand @owner's device (or, for "", the device at pci_bdf, which no
 * driver has) to @driver through driver_override.
 */
static int pci_hand_to(const char *owner, const char *driver)
{
	int r = owner[0] ? device_bdf(owner, pci_bdf, sizeof(pci_bdf)) : 0;
	char path[160];

	if (r)
		return r;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 pci_bdf);
	if (read_line(path, pci_override, sizeof(pci_override)) ||
	    !strcmp(pci_override, "(null)"))
		pci_override[0] = 0;
	pci_owner = owner;
	r = pci_sysfs(pci_bdf, "driver_override", driver);
	if (!r && owner[0])
		r = pci_sysfs(pci_bdf, "driver/unbind", pci_bdf);
	if (!r && owner[0])
		r = wait_node(owner, false);
	return r ? r : pci_sysfs("", "drivers_probe", pci_bdf);
}

/* The same to mmb_pci: pci0 appears. */
static int pci_take(const char *owner)
{
	int r = pci_hand_to(owner, "mmb_pci");

	return r ? r : wait_node("pci0", true);
}

/*
 * Give the device back to its own driver and unload mmb_pci, whatever
 * happened before; -errno of the first step that failed.  A device that
 * was meant for one driver alone (its driver_override set before) keeps
 * that setting, unbound.
 */
static int pci_give_back(void)
{
	char path[160];
	int r = 0, r2;

	if (!pci_owner)
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
		 pci_bdf);
	if (!access(path, F_OK))
		r = pci_sysfs(pci_bdf, "driver/unbind", pci_bdf);
	r2 = pci_sysfs(pci_bdf, "driver_override",
		       pci_override[0] ? pci_override : "\n");
	r = r ? r : r2;
	r2 = pci_override[0] ? 0 : pci_sysfs("", "drivers_probe", pci_bdf);
	r = r ? r : r2;
	r2 = pci_owner[0] ? wait_node(pci_owner, true) : 0;
	r = r ? r : r2;
	r2 = module_loaded("mmb_pci") ? module_unload("mmb_pci") : 0;
	pci_owner = NULL;
	return r ? r : r2;
}

/* Run @fn on @owner's device handed to mmb_pci loaded with @params. */
static int on_mmb_pci(const char *owner, const char *params, int (*fn)(void))
{
	int r, r2;

	if (!getenv("MMB_KO"))
		SKIP("MMB_KO not set");
	if (owner[0] && !dev_present(owner))
		SKIP("no %s device", owner);
	EXPECT_OK(mmb_pci_load(params));
	r = pci_take(owner);
	if (r) {
		pci_give_back();
		FAIL("handing %s to mmb_pci: %s", owner, strerror(-r));
	}
	r = fn();
	r2 = pci_give_back();
	if (r != T_PASS && r != T_HOST)
		return r;
	EXPECT_OK(r2);
	return r;
}

/* mmap() of a page of region @index, unmapped at once: 0 or -errno. */
static int try_region_map(int fd, uint32_t index)
{
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd,
		       MMB_MMAP_REGION_AT(index, MMB_FAULT_SIGBUS));

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, PG);
	return 0;
}

static sigjmp_buf bus_jmp;

static void bus_handler(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Read the 32-bit word at @p: 0 and *@v, or SIGBUS. */
static int read32(volatile uint32_t *p, uint32_t *v)
{
	struct sigaction sa = { .sa_handler = bus_handler }, old;
	int r = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		r = SIGBUS;
	else
		*v = *p;
	sigaction(SIGBUS, &old, NULL);
	return r;
}

/*
 * Without CAP_SYS_RAWIO, in a child: what mmap() of @fd at @off returns
 * (the child reads the first word of a mapping it got: -ECHILD if that
 * kills it).
 */
static int mmap_without_rawio(int fd, uint64_t off)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		volatile uint32_t *p;

		if (cap_drop(CAP_SYS_RAWIO))
			_exit(100);
		p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, off);
		if (p == MAP_FAILED)
			_exit(errno);
		(void)*p;
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}

/*
 * Whether mmb_pci confines the devices handed to it in this guest: in the
 * IOMMU guest (intel_iommu=on: QEMU's VT-d, which remaps interrupts, with
 * every device in an IOMMU group of its own), on a kernel whose drivers can
 * own a group's DMA (6.3 on).  Elsewhere their BARs are raw.
 */
static bool pci_confined(void)
{
	unsigned int major, minor;
	struct utsname u;
	char cmd[16];

	if (!cmdline_get("intel_iommu", cmd, sizeof(cmd)) || strcmp(cmd, "on"))
		return false;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 3);
}

/*
 * Region @index of @fd as pci_confined() has it: raw, mapped by
 * CAP_SYS_RAWIO alone (EPERM for a process without it), or confined: not
 * raw, and mapped and read without the capability.
 */
static int expect_confinement(int fd, uint32_t index)
{
	uint64_t off = MMB_MMAP_REGION_AT(index, MMB_FAULT_SIGBUS);
	bool confined = pci_confined();
	struct mmb_region_info ri;

	EXPECT_OK(mmb_region_info_at(fd, index, &ri));
	EXPECT(!(ri.features & MMB_REGION_RAW) == confined,
	       "region %u has features %#x: %s", index, ri.features,
	       confined ? "raw behind the IOMMU (interrupt remapping off?)" :
			  "not raw without an IOMMU that confines it");
	if (confined)
		EXPECT_EQ(mmap_without_rawio(fd, off), 0);
	else
		EXPECT_ERR(mmap_without_rawio(fd, off), EPERM);
	return T_PASS;
}

/* The next event on @efd within 5 s: 0 and its count, or -ETIMEDOUT. */
static int next_event(int efd, int ms, uint64_t *count)
{
	struct pollfd pf = { .fd = efd, .events = POLLIN };

	if (poll(&pf, 1, ms) != 1)
		return -ETIMEDOUT;
	return read(efd, count, 8) == 8 ? 0 : -errno;
}

/*
 * Until the counter page's field at @off (offsetof(struct mmb_counters, ...))
 * has reached @n, for up to 10 s: 0; -EOVERFLOW past it, or -ETIMEDOUT.
 */
static int wait_count(const struct mmb_counters *page, size_t off, uint64_t n)
{
	struct mmb_counters c;
	uint64_t v;
	int i;

	for (i = 0; i < 1000; i++) {
		mmb_counters_read(page, &c);
		memcpy(&v, (const char *)&c + off, sizeof(v));
		if (v >= n)
			return v == n ? 0 : -EOVERFLOW;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

#define wait_masked(page, n) \
	wait_count(page, offsetof(struct mmb_counters, masked_count), n)
#define wait_restores(page, n) \
	wait_count(page, offsetof(struct mmb_counters, restore_count), n)

/*
 * edu under mmb_pci: BAR0 is region 0, uncached registers, raw, so that
 * only CAP_SYS_RAWIO maps it, or in the IOMMU guest confined, so that a
 * process without it maps it too; through the mapping, edu's ident and
 * liveness registers answer, a debugger reads them, and each interrupt raised
 * through the raise register is one MMB_EVENT_VECTOR event.  Unbinding
 * mmb_pci with the mapping and the file open is a removal: the mapping
 * gets SIGBUS, the file -ENODEV.  edu has no reset method (no FLR, no
 * power management, on the root bus): a confined edu is released without
 * a reset, and the kernel log says so exactly once.
 */
static int edu_bar0(void)
{
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_region_info ri;
	volatile uint32_t *bar;
	struct mmb_info info;
	uint64_t count, first = 0;
	char path[64], expected[96], splat[256];
	uint32_t v;
	int fd = dev_open("pci0"), efd, pmem, i, r, kfd, seen = 0;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT(!strcmp(info.driver, "pci"), "driver %.16s", info.driver);
	EXPECT_EQ(info.caps, MMB_CAP_MAP);
	EXPECT_EQ(info.nr_vectors, 1); /* edu's one MSI vector */
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.nr_regions, 1);
	EXPECT_EQ(ri.size, MIB);
	EXPECT_EQ(ri.cache, MMB_CACHE_UC);
	r = expect_confinement(fd, 0);
	if (r != T_PASS)
		return r;

	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(bar[EDU_IDENT / 4] & 0xff, 0xed);
	bar[EDU_LIVENESS / 4] = 0x12345678;
	EXPECT_EQ(bar[EDU_LIVENESS / 4], ~0x12345678U);
	snprintf(path, sizeof(path), "/proc/%d/mem", getpid());
	pmem = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT(pmem >= 0, "%s: %s", path, strerror(errno));
	EXPECT_EQ(pread(pmem, &v, 4, (uintptr_t)&bar[EDU_IDENT / 4]), 4);
	EXPECT_EQ(v, bar[EDU_IDENT / 4]);
	/* Registers: whole words only. */
	EXPECT_ERR(pread(pmem, &v, 2, (uintptr_t)&bar[EDU_IDENT / 4]) < 0 ?
			   -errno : 0, EIO);
	close(pmem);

	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK);
	EXPECT_OK(efd);
	COUNTERS_READ(page, &c0);
	for (i = 0; i < 10; i++) {
		bar[EDU_IRQ_RAISE / 4] = 1;
		EXPECT_OK(next_event(efd, 5000, &count));
		if (!i)
			first = count;
		EXPECT_EQ(count, first + i);
		bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	}
	usleep(100000);
	EXPECT_ERR(next_event(efd, 0, &count), ETIMEDOUT);
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.vector_count - c0.vector_count, 10);
	EXPECT_EQ(c1.vector_counts[0] - c0.vector_counts[0], 10);
	EXPECT_EQ(c1.irq_count - c0.irq_count, 10);
	EXPECT_EQ(c1.trigger_count, c0.trigger_count);

	/* Unbound with users present: a removal. */
	snprintf(expected, sizeof(expected),
		 "mmb_pci %s: pci0: no reset at release (", pci_bdf);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	EXPECT_OK(pci_sysfs(pci_bdf, "driver/unbind", pci_bdf));
	EXPECT(!kmsg_splat_except(kfd, expected, &seen, splat, sizeof(splat)),
	       "kernel log: %s", splat);
	close(kfd);
	EXPECT_EQ(seen, pci_confined() ? 1 : 0);
	EXPECT_OK(wait_node("pci0", false));
	EXPECT_EQ(read32(&bar[EDU_IDENT / 4], &v), SIGBUS);
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	EXPECT_ERR(next_event(efd, 1000, &count) ? -ENODEV : 0, ENODEV);
	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_edu_bar0(void)
{
	return on_mmb_pci("edu0", "", edu_bar0);
}

/*
 * edu with MSI left off (pci_irq_mode=intx): its interrupt is INTx, which
 * the handler masks in the command register when it fires.  A second
 * raise before user space unmasks is no interrupt at all; enabling
 * delivery unmasks, and the line, still asserted (not acknowledged), fires
 * at once: one more event.  Acknowledged and unmasked, it stays quiet.
 */
static int edu_intx(void)
{
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	volatile uint32_t *bar;
	uint64_t count, first;
	int fd = dev_open("pci0"), efd, cmd;

	EXPECT_OK(fd);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK);
	EXPECT_OK(efd);
	COUNTERS_READ(page, &c0);
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && !(cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x before an interrupt", cmd);

	bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_OK(next_event(efd, 5000, &first));
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && (cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x after an interrupt: not masked", cmd);
	/* Masked: nothing more, whatever the device does. */
	bar[EDU_IRQ_RAISE / 4] = 2;
	EXPECT_ERR(next_event(efd, 500, &count), ETIMEDOUT);
	/* Unmasked while still asserted: it fires again, once. */
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_OK(next_event(efd, 5000, &count));
	EXPECT_EQ(count, first + 1);
	bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_ERR(next_event(efd, 500, &count), ETIMEDOUT);
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && !(cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x after the unmask", cmd);
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.vector_count - c0.vector_count, 2);
	EXPECT_EQ(c1.masked_count, c0.masked_count);

	/*
	 * Delivery disabled: the line still masks itself, the interrupt is
	 * only counted as masked; acknowledged, then enabled: one event,
	 * and the line unmasked and quiet.
	 */
	EXPECT_OK(mmb_irq_control(fd, 0));
	bar[EDU_IRQ_RAISE / 4] = 4;
	EXPECT_OK(wait_masked(page, c1.masked_count + 1));
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && (cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x while disabled: not masked", cmd);
	EXPECT_ERR(next_event(efd, 200, &count), ETIMEDOUT);
	bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_OK(next_event(efd, 5000, &count));
	EXPECT_EQ(count, first + 2);
	EXPECT_ERR(next_event(efd, 500, &count), ETIMEDOUT);
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && !(cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x after the enable", cmd);
	COUNTERS_READ(page, &c0);
	EXPECT_EQ(c0.vector_count - c1.vector_count, 1);
	EXPECT_EQ(c0.vector_counts[0] - c1.vector_counts[0], 1);
	EXPECT_EQ(c0.masked_count - c1.masked_count, 1);

	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_edu_intx(void)
{
	return on_mmb_pci("edu0", "pci_irq_mode=intx", edu_intx);
}

/*
 * One transfer of edu's engine, programmed through the mapping @bar of
 * BAR0: @len bytes from @src to @dst, to the bus if @to_bus; 0 once the
 * engine is done, or -ETIMEDOUT.
 */
static int edu_bar_dma(volatile uint32_t *bar, uint64_t src, uint64_t dst,
		       uint32_t len, bool to_bus)
{
	volatile uint64_t *q = (volatile uint64_t *)bar;
	uint64_t dl = mmb_now_ns() + 5000000000ULL;

	q[EDU_DMA_SRC / 8] = src;
	q[EDU_DMA_DST / 8] = dst;
	q[EDU_DMA_COUNT / 8] = len;
	q[EDU_DMA_CMD / 8] = EDU_DMA_RUN | (to_bus ? EDU_DMA_TO_BUS : 0);
	while (bar[EDU_DMA_CMD / 4] & EDU_DMA_RUN) {
		if (mmb_now_ns() > dl)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/*
 * edu's engine, programmed through BAR0, copies its buffer to a locked
 * page of this process, at the page's physical address, which nothing
 * mapped for edu.  Confined, by a process without CAP_SYS_RAWIO: the
 * group's DMA is blocked, so the page keeps its pattern and the kernel
 * logs the IOMMU's fault for exactly edu and that address, for want of a
 * context entry (QEMU's VT-d in legacy mode).  Raw, by root
 * in a guest without an IOMMU: the engine first reads another page's
 * pattern into its buffer, and that pattern lands in the page, which shows
 * that the case would see a landing.  edu answers afterwards either way.
 */
static int edu_dma(void)
{
	const uint64_t seed = test_seed() ^ 0xb10c;
	const uint32_t len = 64;
	char cmd[16], expected[160], splat[256];
	bool confined = pci_confined();
	uint64_t phys, src_phys;
	volatile uint32_t *bar;
	int fd, kfd, seen = 0;
	uint8_t *page, *src;
	int r;

	if (!confined && cmdline_get("intel_iommu", cmd, sizeof(cmd)) &&
	    !strcmp(cmd, "on"))
		SKIP("an IOMMU that mmb_pci does not own (before 6.3)");
	if (confined)
		EXPECT_OK(cap_drop(CAP_SYS_RAWIO));
	fd = dev_open("pci0");
	EXPECT_OK(fd);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	page = map_anon(2 * PG, PROT_READ | PROT_WRITE);
	EXPECT(page, "memory");
	EXPECT_EQ(mlock(page, 2 * PG), 0);
	src = page + PG;
	pattern_fill(page, PG, seed, 0);
	pattern_fill(src, PG, seed + 1, 0);
	phys = page_phys(page);
	src_phys = page_phys(src);
	EXPECT(phys && src_phys, "no physical address in /proc/self/pagemap");

	/*
	 * The one IOMMU fault the case provokes, as intel-iommu reports it:
	 * for want of a context entry (reason 2), the group being in no
	 * domain at all; a translated domain without the page would fault
	 * for want of a page table entry.
	 */
	snprintf(expected, sizeof(expected),
		 "DMAR: [DMA Write NO_PASID] Request device [%s] fault addr "
		 "0x%llx [fault reason 0x02]", pci_bdf + 5,
		 (unsigned long long)phys);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	if (confined) {	/* for the run's splat gate (vm/evaluate.sh) */
		printf("# DMAR-EXPECTED %s 0x%llx\n", pci_bdf + 5,
		       (unsigned long long)phys);
		fflush(stdout);
	} else {
		EXPECT_OK(edu_bar_dma(bar, src_phys, EDU_DMA_BUF, len, false));
	}
	EXPECT_OK(edu_bar_dma(bar, EDU_DMA_BUF, phys, len, true));
	EXPECT(page_phys(page) == phys, "the page moved during the case");

	r = dma_verdict(page, len, seed, confined, kfd, expected);
	if (r != T_PASS)
		return r;
	seen = confined;
	EXPECT_EQ(bar[EDU_IDENT / 4] & 0xff, 0xed);
	EXPECT(!kmsg_splat_except(kfd, expected, &seen, splat, sizeof(splat)),
	       "kernel log: %s", splat);
	EXPECT_EQ(seen, confined ? 1 : 0);
	close(kfd);
	munmap(page, 2 * PG);
	munmap((void *)bar, PG);
	close(fd);
	return T_PASS;
}

/*
 * Locked pages may still be moved by compaction (compact_unevictable_
 * allowed), which is off during the case, so the page stays where the
 * DMA goes.
 */
static int test_edu_dma(void)
{
	const char *cu = "/proc/sys/vm/compact_unevictable_allowed";
	char old[16] = "";
	int r;

	if (!read_line(cu, old, sizeof(old)))
		EXPECT_OK(write_str(cu, "0"));
	r = on_mmb_pci("edu0", "", edu_dma);
	if (old[0])
		write_str(cu, old);
	return r;
}

/*
 * ivshmem-plain under mmb_pci: BAR2 is region 2, write-combined, raw or
 * confined as edu's BAR0 is; BAR0 (256 bytes of registers that start a
 * page) is region 0 as that page, and there is no BAR1; stores through
 * BAR2 reach the host's file; revoked, a SIGBUS mapping gets SIGBUS and a
 * DISCARD one zeros, and restored both see the memory again.
 */
static int ivshmem_bar2(void)
{
	const uint64_t off = 15 * MIB + MIB / 2, len = MIB / 4;
	struct mmb_region_info ri;
	volatile uint64_t *s, *d;
	uint64_t seed = test_seed();
	uint32_t v;
	long bad;
	int fd = dev_open("pci0"), r;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.size, PG);
	EXPECT_EQ(ri.cache, MMB_CACHE_UC);
	s = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(s, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(read32((volatile uint32_t *)s, &v), 0); /* IntrMask */
	EXPECT_EQ(v, 0);
	munmap((void *)s, PG);
	EXPECT_ERR(mmb_region_info_at(fd, 1, &ri), ENXIO);
	EXPECT_OK(mmb_region_info_at(fd, 2, &ri));
	EXPECT_EQ(ri.nr_regions, 3);
	EXPECT_EQ(ri.cache, MMB_CACHE_WC);
	EXPECT(ri.size >= off + len, "BAR2 of %llu bytes",
	       (unsigned long long)ri.size);
	EXPECT_ERR(try_region_map(fd, 1), ENXIO);
	r = expect_confinement(fd, 2);
	if (r != T_PASS)
		return r;

	s = mmb_region_map_at(fd, 2, MMB_FAULT_SIGBUS, off, len);
	d = mmb_region_map_at(fd, 2, MMB_FAULT_DISCARD, off, len);
	EXPECT(s && d, "map BAR2: %s", strerror(errno));
	pattern_fill((void *)s, len, seed, 0);
	bad = pattern_check((void *)d, len, seed, 0);
	EXPECT(bad < 0, "byte %ld differs through the second mapping", bad);

	EXPECT_OK(mmb_region_revoke_at(fd, 2, NULL));
	EXPECT_EQ(read32((volatile uint32_t *)s, &v), SIGBUS);
	EXPECT_EQ(d[7], 0);
	EXPECT_OK(mmb_region_restore_at(fd, 2, NULL));
	bad = pattern_check((void *)s, len, seed, 0);
	EXPECT(bad < 0, "byte %ld differs after the restore", bad);
	EXPECT_OK(mmb_region_info_at(fd, 2, &ri));
	EXPECT_EQ(ri.revokes, 1);
	EXPECT_EQ(ri.restores, 1);
	munmap((void *)s, len);
	munmap((void *)d, len);
	close(fd);
	printf("# HOSTCHECK pci/ivshmem_bar2 %llu %llu %llu\n",
	       (unsigned long long)off, (unsigned long long)len,
	       (unsigned long long)seed);
	fflush(stdout);
	return T_HOST;
}

static int test_ivshmem_bar2(void)
{
	return on_mmb_pci("ivshmem0", "", ivshmem_bar2);
}

/* The address of the first device @vendor:@device into pci_bdf: 0 or -ENOENT. */
static int pci_find(unsigned int vendor, unsigned int device)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int r = -ENOENT;

	while (d && r && (e = readdir(d))) {
		char path[320], v[16], dv[16];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 e->d_name);
		if (read_line(path, v, sizeof(v)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (read_line(path, dv, sizeof(dv)))
			continue;
		if (strtoul(v, NULL, 0) == vendor &&
		    strtoul(dv, NULL, 0) == device) {
			snprintf(pci_bdf, sizeof(pci_bdf), "%.31s", e->d_name);
			r = 0;
		}
	}
	if (d)
		closedir(d);
	return r;
}

/*
 * A function reset through sysfs (QEMU's pci-testdev, which no driver
 * has, alone behind a root port: a secondary bus reset) revokes the
 * device's regions while it runs and restores them after: exactly one
 * MMB_EVENT_REVOKE and one MMB_EVENT_RESTORE by the time the write
 * returns, the region live and mapped again afterwards.  Behind the IOMMU
 * the device has a group of its own (the root port has ACS), and is
 * confined.
 */
static int testdev_reset(void)
{
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_region_info ri;
	volatile uint32_t *bar;
	char method[64] = "";
	char path[128];
	uint32_t v;
	int fd = dev_open("pci0"), r;

	EXPECT_OK(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method",
		 pci_bdf);
	read_line(path, method, sizeof(method));
	printf("# %s reset methods: %s\n", pci_bdf, method);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.size, PG);
	EXPECT_EQ(ri.cache, MMB_CACHE_UC);
	r = expect_confinement(fd, 0);
	if (r != T_PASS)
		return r;
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(read32(bar, &v), 0);
	EXPECT_EQ(v, 0); /* pci-testdev idle, decoding its BAR */
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	COUNTERS_READ(page, &c0);

	EXPECT_OK(pci_sysfs(pci_bdf, "reset", "1"));
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.revoke_count - c0.revoke_count, 1);
	EXPECT_EQ(c1.restore_count - c0.restore_count, 1);
	EXPECT_EQ(c1.regions_down, 0);
	EXPECT_EQ(c1.region_state, 0);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.state, 0);
	EXPECT_EQ(ri.revokes, 1);
	EXPECT_EQ(ri.restores, 1);
	EXPECT_EQ(read32(bar, &v), 0);
	EXPECT_EQ(v, 0); /* pci-testdev idle, decoding its BAR */

	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

/* Run @fn on QEMU's pci-testdev, which no driver has, handed to mmb_pci. */
static int on_testdev(int (*fn)(void))
{
	if (pci_find(0x1b36, 0x0005))
		SKIP("no pci-testdev (1b36:0005)");
	return on_mmb_pci("", "", fn);
}

static int test_testdev_reset(void)
{
	return on_testdev(testdev_reset);
}

/*
 * ivshmem-doorbell (behind the root port at 00:13.0, for mmb_pci alone):
 * 4 MSI-X vectors that a store to the doorbell register raises one by one
 * ("peer << 16 | vector", the peer being the guest itself, ID 0).
 */
#define DB_IVPOSITION	0x08
#define DB_DOORBELL	0x0c
#define DB_VECTORS	4

/* The device behind the bridge @bridge into pci_bdf: 0 or -ENOENT. */
static int pci_find_behind(const char *bridge)
{
	char path[160];
	struct dirent *e;
	DIR *d;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bridge);
	d = opendir(path);
	while (d && r && (e = readdir(d))) {
		if (!strncmp(e->d_name, "0000:", 5)) {
			snprintf(pci_bdf, sizeof(pci_bdf), "%.31s", e->d_name);
			r = 0;
		}
	}
	if (d)
		closedir(d);
	return r;
}

/* Ring vector @v and take its event from @vfd (bound to @v): 0 or -errno. */
static int ring(volatile uint32_t *bar, int vfd, uint32_t v, uint64_t *count)
{
	bar[DB_DOORBELL / 4] = v;
	return next_event(vfd, 5000, count);
}

/* eventfd @efd's count, read (and so reset): the count, or -errno. */
static int64_t efd_take(int efd)
{
	uint64_t v;

	if (read(efd, &v, 8) == 8)
		return (int64_t)v;
	return errno == EAGAIN ? 0 : -errno;
}

/*
 * Each of ivshmem-doorbell's MSI-X vectors is an event source of its own:
 * the counter page counts each vector's events (and only the vector rung),
 * a ring record's cause carries the vector, an event fd and an eventfd
 * bound to one vector see that vector's events alone, next to one eventfd
 * for all.  Interrupts held back while delivery is disabled come out as
 * one event per vector that fired.  The 256-byte register BAR is mapped
 * as the page it starts (the rest of the page reserved).  Bad vectors get
 * -EINVAL.
 */
static int doorbell_vectors(void)
{
	static const uint32_t order[] = { 3, 1, 2, 0, 1 };
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_region_info ri;
	volatile uint32_t *bar;
	struct mmb_ring *rg;
	struct mmb_info info;
	int fd = dev_open("pci0"), vfd[DB_VECTORS], all, e1, e2, i;
	uint64_t count, head;
	uint32_t id, v;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.nr_vectors, DB_VECTORS);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.size, PG); /* 256 bytes of registers, as their page */
	EXPECT_EQ(ri.cache, MMB_CACHE_UC);
	EXPECT_OK(mmb_region_info_at(fd, 2, &ri));
	EXPECT_EQ(ri.size, MIB);
	EXPECT_EQ(ri.cache, MMB_CACHE_WC);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(read32(&bar[DB_IVPOSITION / 4], &v), 0);
	EXPECT_EQ(v, 0); /* the server's only client */

	EXPECT_ERR(mmb_event_open_vector(fd, 0, DB_VECTORS), EINVAL);
	EXPECT_ERR(mmb_eventfd_vector(fd, -1, DB_VECTORS), EINVAL);
	EXPECT_ERR(mmb_event_open_vector(fd, 0, MMB_VECTORS_MAX), EINVAL);
	for (i = 0; i < DB_VECTORS; i++) {
		vfd[i] = mmb_event_open_vector(fd, MMB_EVENT_NONBLOCK, i);
		EXPECT_OK(vfd[i]);
	}
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	rg = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	EXPECT(rg != MAP_FAILED, "ring: %s", strerror(errno));
	EXPECT_OK(mmb_pin_region(fd, rg, PG, &id, NULL));
	all = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e1 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	EXPECT(all >= 0 && e1 >= 0 && e2 >= 0, "eventfd: %s", strerror(errno));
	EXPECT_OK(mmb_eventfd(fd, all));
	EXPECT_OK(mmb_eventfd_vector(fd, e1, 1));
	EXPECT_OK(mmb_eventfd_vector(fd, e2, 2));

	/* Each vector alone, in an order of their own. */
	COUNTERS_READ(page, &c0);
	head = mmb_ring_head(rg);
	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++) {
		uint32_t n = order[i], w;

		EXPECT_OK(ring(bar, vfd[n], n, &count));
		COUNTERS_READ(page, &c1);
		EXPECT_EQ(count, c1.vector_counts[n]);
		for (w = 0; w < DB_VECTORS; w++)
			if (w != n)
				EXPECT_ERR(next_event(vfd[w], 0, &count),
					   ETIMEDOUT);
	}
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.irq_count - c0.irq_count, 5);
	EXPECT_EQ(c1.vector_count - c0.vector_count, 5);
	EXPECT_EQ(c1.vector_counts[0] - c0.vector_counts[0], 1);
	EXPECT_EQ(c1.vector_counts[1] - c0.vector_counts[1], 2);
	EXPECT_EQ(c1.vector_counts[2] - c0.vector_counts[2], 1);
	EXPECT_EQ(c1.vector_counts[3] - c0.vector_counts[3], 1);
	for (i = DB_VECTORS; i < MMB_VECTORS_MAX; i++)
		EXPECT_EQ(c1.vector_counts[i], 0);
	EXPECT_EQ(efd_take(all), 5);
	EXPECT_EQ(efd_take(e1), 2);
	EXPECT_EQ(efd_take(e2), 1);
	EXPECT_EQ(mmb_ring_head(rg) - head, 5);
	for (i = 0; i < 5; i++) {
		const struct mmb_ring_record *rec =
			&rg->records[(head + i) % rg->nr_slots];

		EXPECT_EQ(rec->seq, head + i + 1);
		EXPECT_EQ(rec->cause, MMB_EVENT_VECTOR_N(order[i]));
		EXPECT_EQ(MMB_EVENT_CAUSE(rec->cause), MMB_EVENT_VECTOR);
		EXPECT_EQ(MMB_EVENT_VECTOR_OF(rec->cause), order[i]);
		EXPECT_EQ(rec->irq_count, c0.irq_count + i + 1);
	}

	/*
	 * Held back: 0, 1, 1 and 3 while delivery is disabled; enabled, one
	 * event for each of 0, 1 and 3, in the order of the vectors.
	 */
	EXPECT_OK(mmb_irq_control(fd, 0));
	bar[DB_DOORBELL / 4] = 0;
	bar[DB_DOORBELL / 4] = 1;
	EXPECT_OK(wait_masked(page, c1.masked_count + 2));
	bar[DB_DOORBELL / 4] = 1;
	bar[DB_DOORBELL / 4] = 3;
	EXPECT_OK(wait_masked(page, c1.masked_count + 4));
	for (i = 0; i < DB_VECTORS; i++)
		EXPECT_ERR(next_event(vfd[i], 0, &count), ETIMEDOUT);
	head = mmb_ring_head(rg);
	EXPECT_OK(mmb_irq_control(fd, 1));
	COUNTERS_READ(page, &c0);
	EXPECT_EQ(c0.irq_count - c1.irq_count, 3);
	EXPECT_EQ(c0.vector_counts[0] - c1.vector_counts[0], 1);
	EXPECT_EQ(c0.vector_counts[1] - c1.vector_counts[1], 1);
	EXPECT_EQ(c0.vector_counts[2], c1.vector_counts[2]);
	EXPECT_EQ(c0.vector_counts[3] - c1.vector_counts[3], 1);
	EXPECT_EQ(c0.masked_count - c1.masked_count, 4);
	EXPECT_OK(next_event(vfd[0], 0, &count));
	EXPECT_OK(next_event(vfd[1], 0, &count));
	EXPECT_ERR(next_event(vfd[2], 0, &count), ETIMEDOUT);
	EXPECT_OK(next_event(vfd[3], 0, &count));
	EXPECT_EQ(efd_take(all), 3);
	EXPECT_EQ(efd_take(e1), 1);
	EXPECT_EQ(efd_take(e2), 0);
	EXPECT_EQ(mmb_ring_head(rg) - head, 3);
	EXPECT_EQ(rg->records[head % rg->nr_slots].cause, MMB_EVENT_VECTOR_N(0));
	EXPECT_EQ(rg->records[(head + 1) % rg->nr_slots].cause,
		  MMB_EVENT_VECTOR_N(1));
	EXPECT_EQ(rg->records[(head + 2) % rg->nr_slots].cause,
		  MMB_EVENT_VECTOR_N(3));

	/* Vector 1's eventfd unregistered: the others stay. */
	EXPECT_OK(mmb_eventfd_vector(fd, -1, 1));
	EXPECT_OK(ring(bar, vfd[1], 1, &count));
	EXPECT_OK(ring(bar, vfd[2], 2, &count));
	EXPECT_EQ(efd_take(e1), 0);
	EXPECT_EQ(efd_take(e2), 1);
	EXPECT_EQ(efd_take(all), 2);

	EXPECT_OK(mmb_unpin_region(fd, id));
	munmap(rg, PG);
	for (i = 0; i < DB_VECTORS; i++)
		close(vfd[i]);
	close(all);
	close(e1);
	close(e2);
	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

static int test_doorbell_vectors(void)
{
	if (pci_find_behind("0000:00:13.0"))
		SKIP("no ivshmem-doorbell behind 00:13.0");
	return on_mmb_pci("", "", doorbell_vectors);
}

/* The AER error injector's request (drivers/pci/pcie/aer_inject.c). */
struct aer_error_inj {
	uint8_t bus, dev, fn;
	uint32_t uncor_status, cor_status;
	uint32_t header_log[4];
	uint32_t domain;
};

#define AER_UNC_COMP_TIME	0x00004000	/* non-fatal by default */
#define AER_UNC_MALF_TLP	0x00040000	/* fatal by default */


/*
 * AER error recovery (pci-testdev behind its root port, the error injected
 * at the root port by aer_inject, so that recovery walks the bus below
 * it): a non-fatal error (the driver says it can recover) and a fatal one
 * (recovery resets the bus, and the driver restores the state it saved)
 * each revoke the region while recovery runs and restore it after:
 * exactly one MMB_EVENT_REVOKE and one MMB_EVENT_RESTORE each, and the
 * registers answer through the same mapping afterwards.
 */
static int testdev_aer(void)
{
	static const uint32_t errors[] = { AER_UNC_COMP_TIME, AER_UNC_MALF_TLP };
	char path[160], link[PATH_MAX], *port;
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_region_info ri;
	volatile uint32_t *bar;
	unsigned int b, d, f, i;
	uint32_t v;
	int fd = dev_open("pci0"), inj;

	EXPECT_OK(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", pci_bdf);
	EXPECT(realpath(path, link), "%s: %s", path, strerror(errno));
	*strrchr(link, '/') = 0;
	port = strrchr(link, '/') + 1;
	EXPECT_EQ(sscanf(port, "0000:%x:%x.%x", &b, &d, &f), 3);
	printf("# error injected at the root port %s\n", port);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(read32(bar, &v), 0);
	EXPECT_EQ(v, 0); /* pci-testdev idle, decoding its BAR */
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	inj = open("/dev/aer_inject", O_WRONLY | O_CLOEXEC);
	EXPECT(inj >= 0, "/dev/aer_inject: %s", strerror(errno));
	COUNTERS_READ(page, &c0);
	for (i = 0; i < 2; i++) {
		struct aer_error_inj e = { .bus = b, .dev = d, .fn = f,
					   .uncor_status = errors[i] };

		EXPECT_EQ(write(inj, &e, sizeof(e)), (ssize_t)sizeof(e));
		EXPECT_OK(wait_restores(page, c0.restore_count + i + 1));
		COUNTERS_READ(page, &c1);
		EXPECT_EQ(c1.revoke_count - c0.revoke_count, i + 1);
		EXPECT_EQ(c1.regions_down, 0);
		EXPECT_EQ(read32(bar, &v), 0);
		EXPECT_EQ(v, 0); /* pci-testdev idle, decoding its BAR */
	}
	close(inj);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.state, 0);
	EXPECT_EQ(ri.revokes, 2);
	EXPECT_EQ(ri.restores, 2);
	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

static int test_testdev_aer(void)
{
	int r;

	if (pci_find(0x1b36, 0x0005))
		SKIP("no pci-testdev (1b36:0005)");
	r = kmod_load("aer_inject");
	if (r == -ENOENT)
		SKIP("this kernel has no aer_inject");
	EXPECT_OK(r);
	r = on_mmb_pci("", "", testdev_aer);
	/* It replaced the buses' config accessors: put them back. */
	if (kmod_loadable("aer_inject"))
		EXPECT_OK(module_unload("aer_inject"));
	return r;
}

/*
 * mmb_pci unloaded while pci0 is open and mapped: the unbind that the
 * unload does is a removal (the mapping gets SIGBUS, the file -ENODEV),
 * and the open file does not keep the module.  A confined device is reset
 * before its group's DMA is handed back (pci-testdev, alone behind its
 * root port, has a bus reset): exactly one "reset at release" in the
 * kernel log, none for a raw one.
 */
static int unload_busy(void)
{
	volatile uint32_t *bar;
	struct mmb_info info;
	char expected[96], splat[256];
	int fd = dev_open("pci0"), kfd, seen = 0;
	uint32_t v;

	EXPECT_OK(fd);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	EXPECT_EQ(read32(bar, &v), 0);
	EXPECT_EQ(v, 0); /* pci-testdev idle, decoding its BAR */
	snprintf(expected, sizeof(expected), "mmb_pci %s: pci0: reset at release",
		 pci_bdf);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	EXPECT_OK(module_unload("mmb_pci"));
	EXPECT(!kmsg_splat_except(kfd, expected, &seen, splat, sizeof(splat)),
	       "kernel log: %s", splat);
	close(kfd);
	EXPECT_EQ(seen, pci_confined() ? 1 : 0);
	EXPECT(!module_loaded("mmb_pci"), "mmb_pci still loaded");
	EXPECT_OK(wait_node("pci0", false));
	EXPECT_EQ(read32(bar, &v), SIGBUS);
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	munmap((void *)bar, PG);
	close(fd);
	return T_PASS;
}

/*
 * INTx left asserted when mmb_pci lets edu go: delivery disabled, the
 * interrupt raised and never acknowledged (the line masks itself, and
 * stays masked when the close enables delivery again, being still
 * asserted), then the unbind.  With no handler left, the line must stay
 * masked in the command register, whatever the release does (a confined
 * device's reset included): unmasked, a shared line would storm.
 */
static int edu_intx_release(void)
{
	const struct mmb_counters *page;
	volatile uint32_t *bar;
	struct mmb_counters c;
	int fd = dev_open("pci0"), cmd, st;

	EXPECT_OK(fd);
	bar = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(bar, "map BAR0: %s", strerror(errno));
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	COUNTERS_READ(page, &c);
	EXPECT_OK(mmb_irq_control(fd, 0));
	bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_OK(wait_masked(page, c.masked_count + 1));
	munmap((void *)bar, PG);
	mmb_counters_unmap(page);
	close(fd);
	EXPECT_OK(pci_sysfs(pci_bdf, "driver/unbind", pci_bdf));
	cmd = pci_command(pci_bdf, 0, 0);
	st = pci_status(pci_bdf);
	EXPECT(st >= 0 && (st & PCI_STATUS_INTX),
	       "status %#x: INTx not asserted, the case proves nothing", st);
	EXPECT(cmd >= 0 && (cmd & PCI_CMD_INTX_DISABLE),
	       "command %#x: INTx asserted and unmasked with no driver", cmd);
	return T_PASS;
}

static int test_edu_intx_release(void)
{
	return on_mmb_pci("edu0", "pci_irq_mode=intx", edu_intx_release);
}

static int test_unload_busy(void)
{
	return on_testdev(unload_busy);
}

/*
 * pci_irq_mode asks for a kind of interrupt the device (pci-testdev, with
 * none at all) lacks, or is no mode: the probe fails and leaves nothing;
 * "none" binds it without vectors.
 */
static int test_irq_modes(void)
{
	static const char *const bad[] = { "pci_irq_mode=msix",
					   "pci_irq_mode=intx",
					   "pci_irq_mode=bogus" };
	struct mmb_info info;
	char path[160];
	unsigned int i;
	int fd, r;

	if (!getenv("MMB_KO"))
		SKIP("MMB_KO not set");
	if (pci_find(0x1b36, 0x0005))
		SKIP("no pci-testdev (1b36:0005)");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", pci_bdf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_OK(mmb_pci_load(bad[i]));
		r = pci_hand_to("", "mmb_pci");
		if (!r && !access(path, F_OK))
			r = -EEXIST;
		if (!r && dev_present("pci0"))
			r = -EEXIST;
		r = r ? r : pci_give_back();
		EXPECT(!r, "%s: %s", bad[i], strerror(-r));
	}
	EXPECT_OK(mmb_pci_load("pci_irq_mode=none"));
	r = pci_take("");
	fd = r ? r : dev_open("pci0");
	r = fd < 0 ? fd : mmb_info(fd, &info);
	if (fd >= 0)
		close(fd);
	if (!r && info.nr_vectors)
		r = -EOVERFLOW;
	if (pci_give_back() && !r)
		r = -EIO;
	EXPECT(!r, "pci_irq_mode=none: %s", strerror(-r));
	return T_PASS;
}

/* /dev/uioN of the device at pci_bdf, opened: an fd or -errno. */
static int uio_open(void)
{
	char path[128], *n;
	struct dirent *e;
	int i, fd = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", pci_bdf);
	for (i = 0; i < 200 && !(d = opendir(path)); i++)
		usleep(10000);
	while (d && fd == -ENOENT && (e = readdir(d))) {
		if (strncmp(e->d_name, "uio", 3))
			continue;
		n = e->d_name + 3;
		snprintf(path, sizeof(path), "/dev/uio%.8s", n);
		for (i = 0; i < 200; i++) {
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0 || errno != ENOENT)
				break;
			usleep(10000);
		}
		if (fd < 0)
			fd = -errno;
	}
	if (d)
		closedir(d);
	return fd;
}

/* The next UIO interrupt count within @ms: 0 and *@count, or -errno. */
static int uio_wait(int fd, int ms, uint32_t *count)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (poll(&pf, 1, ms) != 1)
		return -ETIMEDOUT;
	return read(fd, count, 4) == 4 ? 0 : -errno;
}

static int uio_case(int fd, volatile uint32_t **barp)
{
	volatile uint32_t *bar;
	uint32_t first, count;
	int cmd;

	*barp = NULL;
	/* Any opener maps the registers, CAP_SYS_RAWIO or not. */
	EXPECT_EQ(mmap_without_rawio(fd, 0), 0);
	bar = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(bar != MAP_FAILED, "mmap of map 0: %s", strerror(errno));
	*barp = bar;
	EXPECT_EQ(bar[EDU_IDENT / 4] & 0xff, 0xed);

	/* INTx, masked by the handler; the user acknowledges and unmasks. */
	bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_OK(uio_wait(fd, 5000, &first));
	cmd = pci_command(pci_bdf, 0, 0);
	EXPECT(cmd >= 0 && (cmd & PCI_CMD_INTX_DISABLE),
	       "command register %#x after an interrupt: not masked", cmd);
	bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	EXPECT(pci_command(pci_bdf, 0, PCI_CMD_INTX_DISABLE) >= 0, "unmask");
	bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_OK(uio_wait(fd, 5000, &count));
	EXPECT_EQ(count, first + 1);
	bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	EXPECT(pci_command(pci_bdf, 0, PCI_CMD_INTX_DISABLE) >= 0, "unmask");

	/* Unbound: the node is dead, and the mapping still reaches edu. */
	EXPECT_OK(pci_sysfs(pci_bdf, "driver/unbind", pci_bdf));
	EXPECT_ERR(read(fd, &count, 4) < 0 ? -errno : 0, EIO);
	EXPECT_EQ(bar[EDU_IDENT / 4] & 0xff, 0xed);
	return T_PASS;
}

/*
 * The same device under uio_pci_generic, in the same guest, for the
 * comparison in the documentation: what that driver does where mmb_pci
 * does otherwise.  Its BAR0 mapping (map 0 of /dev/uioN) is open to any
 * opener, CAP_SYS_RAWIO or not; its interrupt is INTx only, masked by the
 * handler and unmasked by the user through the config space; and an
 * unbind leaves the mapping reaching the device's registers.
 */
static int test_uio_pci_generic(void)
{
	volatile uint32_t *bar;
	int fd, r;

	if (!dev_present("edu0"))
		SKIP("no edu device");
	if (!module_loaded("uio_pci_generic"))
		SKIP("uio_pci_generic is not loaded");
	r = pci_hand_to("edu0", "uio_pci_generic");
	fd = r ? r : uio_open();
	if (fd < 0) {
		pci_give_back();
		FAIL("handing edu0 to uio_pci_generic: %s", strerror(-fd));
	}
	r = uio_case(fd, &bar);
	if (bar)
		munmap((void *)bar, PG);
	close(fd);
	EXPECT_OK(pci_give_back());
	return r;
}

const struct mmb_test pci_tests[] = {
	{ "pci/edu_bar0", test_edu_bar0 },
	{ "pci/edu_intx", test_edu_intx },
	{ "pci/edu_dma", test_edu_dma },
	{ "pci/ivshmem_bar2", test_ivshmem_bar2 },
	{ "pci/reset", test_testdev_reset },
	{ "pci/aer", test_testdev_aer },
	{ "pci/vectors", test_doorbell_vectors },
	{ "pci/unload_busy", test_unload_busy },
	{ "pci/intx_release", test_edu_intx_release },
	{ "pci/irq_modes", test_irq_modes },
	{ "pci/uio_pci_generic", test_uio_pci_generic },
	{ NULL }
};
