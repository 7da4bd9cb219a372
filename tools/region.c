// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge revoke / restore / region, the demo's revocable-mapping section
 * and `mmbridge bench region`.
 *
 * bench region, faults: ivshmem0's region (BAR2, in /dev/shm on the host),
 * REPS repeats; in each, FAULT_CYCLES rounds of the variants below, the
 * order rotating from round to round.  Every cycle
 * maps at the same 2 MiB aligned address, stores one byte into every page,
 * and unmaps; the time of the stores per page is the fault's, and only the
 * stores' window counts for CPU (this process's CPU clock: nothing else
 * takes part).
 *   devmap      8 MiB of ivshmem0's region from offset 4 KiB: no 2 MiB of
 *               it is aligned for a PMD, so every store faults one page in
 *               (the region's fault counters are checked: 2048 faults, no
 *               PMD, every cycle).
 *   shmem       8 MiB of a memfd whose pages were allocated in the page
 *               cache before (fallocate()): every store faults a cached
 *               page in; nothing is allocated or zeroed.
 *   remap_pfn   the same 8 MiB of ivshmem's BAR2 through PCI sysfs
 *               (resource2_wc, root, booted with iomem=relaxed):
 *               remap_pfn_range() fills every PTE in mmap(), so the stores
 *               do not fault and the comparison with devmap is of mmap()
 *               plus stores, CPU included (checked once to reach the same
 *               memory as the region).
 *   devmap_pmd  all 16 MiB of ivshmem0's region from offset 0: a store
 *               every 2 MiB, each one PMD fault (counters checked),
 *               PMD_CYCLES / FAULT_CYCLES cycles a round.
 *   dmabuf      devmap's 8 MiB through a dma-buf of that range of the
 *               region (MMB_IOC_REGION_EXPORT, SIGBUS policy), mapped with
 *               mmap() of the dma-buf: the same fault path behind another
 *               file (counters checked as for devmap);
 *               ratio_dmabuf_mmap_fault_vs_region_fault is its fault time
 *               over devmap's, round by round.
 *
 * bench region, revocation: a 64 MiB mapping (16384 PTEs) of soft0's
 * region (DISCARD), populated by a store into every page before each
 * event; REPS repeats of RV_ROUNDS rounds of the variants, the order
 * rotating; a repeat's figure is the median of its rounds' events, and an
 * event's CPU is this process's over the event alone.
 *   revoke                MMB_IOC_REGION_REVOKE (then checked: the mapping
 *                         reads its scratch page while revoked, the device
 *                         again once restored; restore and munmap() untimed)
 *   munmap                munmap() of the mapping
 *   mprotect              mprotect(PROT_NONE) of the mapping
 *   revoke_restore_touch  revoke, restore, and a store into every page
 *   munmap_mmap_touch     munmap(), mmap() at the same address, and a store
 *                         into every page
 * and a sweep over 1, 2, 4, 8, 16 child processes, each mapping its own
 * 1/n of the same 64 MiB (so the PTEs are the same 16384 whatever n) and
 * populating it, all asleep in read() when the parent revokes; the
 * revoke's time, SW_ROUNDS sweeps a repeat, the order of n rotating.  Each
 * child checks that it reads scratch while revoked and its own stores once
 * restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmbridge.h"
#include "../lib/mmb_test.h"
#include "bench.h"
#include "region.h"

#define PG	mmb_page_size()
#define MIB	(1024UL * 1024)

static const char *state_str(uint32_t state, char *buf, size_t size)
{
	if (!state)
		snprintf(buf, size, "live");
	else
		snprintf(buf, size, "revoked%s%s%s",
			 state & MMB_REGION_REVOKED_USER ? " (user)" : "",
			 state & MMB_REGION_REVOKED_DEVICE ? " (device)" : "",
			 state & MMB_REGION_GONE ? " (removed)" : "");
	return buf;
}

static const char *cache_str(uint32_t cache)
{
	switch (cache) {
	case MMB_CACHE_WB:
		return "write-back (RAM)";
	case MMB_CACHE_WC:
		return "write-combining (device memory)";
	case MMB_CACHE_UC:
		return "uncached (registers)";
	}
	return "?";
}

static void region_print_one(const struct mmb_region_info *ri,
			     const char *label);

/*
 * Every region: "region:" for a device whose only region is region 0,
 * "region N:" for each otherwise (numbers without a region are skipped).
 */
void region_print(int fd)
{
	struct mmb_region_info ri;
	uint32_t i, nr = MMB_REGIONS_MAX;

	for (i = 0; i < nr; i++) {
		char label[24] = "region:";

		if (mmb_region_info_at(fd, i, &ri))
			continue;
		nr = ri.nr_regions;
		if (nr > 1)
			snprintf(label, sizeof(label), "region %u:", i);
		region_print_one(&ri, label);
	}
}

static void region_print_one(const struct mmb_region_info *ri,
			     const char *label)
{
	char st[64];

	printf("%-13s%llu bytes, %s, %s%s%s\n", label,
	       (unsigned long long)ri->size,
	       state_str(ri->state, st, sizeof(st)), cache_str(ri->cache),
	       ri->features & MMB_REGION_HUGE ? ", PMD mappings" : "",
	       ri->features & MMB_REGION_RAW ? ", raw (CAP_SYS_RAWIO maps it)" :
					       "");
	printf("             %llu revokes, %llu restores, %llu mappings; faults: "
	       "%llu device (%llu PMD), %llu discard, %llu SIGBUS, %llu waited\n",
	       (unsigned long long)ri->revokes,
	       (unsigned long long)ri->restores,
	       (unsigned long long)ri->mappings,
	       (unsigned long long)ri->faults,
	       (unsigned long long)ri->huge_faults,
	       (unsigned long long)ri->discard_faults,
	       (unsigned long long)ri->sigbus_faults,
	       (unsigned long long)ri->wait_faults);
}

/* mmbridge revoke DEV [N] / mmbridge restore DEV [N] */
int cmd_region_ctl(int fd, const char *name, uint32_t index, bool revoke)
{
	struct mmb_region_ctl ctl;
	char st[64], which[16] = "";
	int ret = revoke ? mmb_region_revoke_at(fd, index, &ctl) :
			   mmb_region_restore_at(fd, index, &ctl);

	if (index)
		snprintf(which, sizeof(which), " %u", index);
	if (ret) {
		fprintf(stderr, "mmbridge: %s %s%s: %s\n",
			revoke ? "revoke" : "restore", name, which,
			strerror(-ret));
		return 1;
	}
	printf("%s: region%s %s (%llu revokes, %llu restores)\n", name, which,
	       state_str(ctl.state, st, sizeof(st)),
	       (unsigned long long)ctl.revokes,
	       (unsigned long long)ctl.restores);
	return 0;
}

static sigjmp_buf demo_jmp;
static void *volatile demo_addr;

static void demo_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	demo_addr = si->si_addr;
	siglongjmp(demo_jmp, 1);
}

/* Read *@p; the address a SIGBUS reported, or NULL if none came. */
static void *sigbus_on_read(volatile uint64_t *p)
{
	struct sigaction sa = { .sa_sigaction = demo_sigbus,
				.sa_flags = SA_SIGINFO }, old;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	demo_addr = NULL;
	if (!sigsetjmp(demo_jmp, 1))
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return demo_addr;
}

struct demo_waiter {
	volatile uint64_t *addr;
	uint64_t done_ns;
};

static void *demo_wait_fn(void *arg)
{
	struct demo_waiter *w = arg;

	*w->addr = 0x57414954;		/* sleeps while revoked */
	w->done_ns = mmb_now_ns();
	return NULL;
}

/*
 * One region, three mappings with the three policies; a revoke in the
 * middle of their use; a restore; and what each of them saw.
 */
int demo_region(int fd, const char *name, uint64_t size)
{
	size_t len = size < 2 * MIB ? size : 2 * MIB;
	volatile uint64_t *d, *s, *w;
	struct demo_waiter wt;
	uint64_t t0, t1, dev = 0;
	void *sig_addr;
	pthread_t th;
	int ret = -EIO;

	d = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, len);
	s = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, len);
	w = mmb_region_map(fd, MMB_FAULT_WAIT, 0, len);
	if (!d || !s || !w)
		return -errno;
	d[1] = 0x1111;
	printf("  three mappings of %zu KiB: DISCARD, SIGBUS, WAIT; word 1 = 0x%llx\n",
	       len >> 10, (unsigned long long)w[1]);

	t0 = mmb_now_ns();
	if (mmb_region_revoke(fd, NULL))
		goto out;
	t1 = mmb_now_ns();
	printf("  revoked in %.1f us: no page table maps %s any more\n",
	       (t1 - t0) / 1000.0, name);

	d[1] = 0x2222;
	mmb_mem_read(fd, 8, &dev, 8);
	printf("  DISCARD: stored 0x2222, reads back 0x%llx; the device still holds 0x%llx\n",
	       (unsigned long long)d[1], (unsigned long long)dev);

	sig_addr = sigbus_on_read(&s[1]);
	printf("  SIGBUS: reading word 1 raised SIGBUS at %p (the word is at %p)\n",
	       sig_addr, (void *)&s[1]);

	wt = (struct demo_waiter){ .addr = &w[1] };
	pthread_create(&th, NULL, demo_wait_fn, &wt);
	usleep(100000);
	t0 = mmb_now_ns();
	if (mmb_region_restore(fd, NULL))
		goto out;
	pthread_join(th, NULL);
	mmb_mem_read(fd, 8, &dev, 8);
	printf("  WAIT: a thread stored 0x57414954 and slept until the restore; it went on %.1f us after it; the device holds 0x%llx\n",
	       (wt.done_ns - t0) / 1000.0, (unsigned long long)dev);
	printf("  restored: DISCARD mapping reads 0x%llx again\n",
	       (unsigned long long)d[1]);
	ret = dev == 0x57414954 && d[1] == dev && sig_addr == &s[1] ? 0 : -EIO;
	d[1] = 0;
out:
	mmb_region_unmap((void *)d, len);
	mmb_region_unmap((void *)s, len);
	mmb_region_unmap((void *)w, len);
	return ret;
}

/* This process's CPU time (all its threads), in seconds. */
static double proc_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define HUGE		(2 * MIB)
#define FAULT_LEN	(8 * MIB)	/* 2048 pages a cycle */
#define FAULT_CYCLES	16
#define PMD_LEN		(16 * MIB)	/* 8 PMDs a cycle */
#define PMD_CYCLES	64
#define RV_LEN		(64 * MIB)	/* 16384 PTEs */
#define REPS		7

/* A free address aligned to 2 MiB with @len bytes of room after it. */
static uint8_t *free_aligned(size_t len)
{
	void *p = mmap(NULL, len + HUGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *at;

	if (p == MAP_FAILED)
		return NULL;
	at = (uint8_t *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	munmap(p, len + HUGE);
	return at;
}

/* A shared mapping of @fd at exactly @at, or NULL (errno). */
static uint8_t *map_at(uint8_t *at, size_t len, int fd, off_t off)
{
	void *p = mmap(at, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED_NOREPLACE, fd, off);

	if (p == MAP_FAILED)
		return NULL;
	if (p != at) {
		munmap(p, len);
		errno = EEXIST;
		return NULL;
	}
	return p;
}

static void touch(volatile uint8_t *p, size_t len, size_t step, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i += step)
		p[i] = v;
}

enum { F_DEVMAP, F_SHMEM, F_REMAP, F_PMD, F_DMABUF, F_NVAR };

static const char *const fault_name[F_NVAR] = {
	"devmap", "shmem", "remap_pfn", "devmap_pmd", "dmabuf"
};

struct fault_ctx {
	int ivs;		/* ivshmem0 (soft0 without it) */
	int memfd;		/* FAULT_LEN of page cache, populated */
	int res;		/* ivshmem's BAR2 through PCI sysfs, or -1 */
	int dmabuf;		/* devmap's pages as a dma-buf of the region */
	bool huge;		/* ivshmem0 maps PMDs */
	uint8_t *at;		/* 2 MiB aligned, free between cycles */
};

/* A round of a fault variant: sums over its cycles. */
struct fault_sum {
	double map_ns, touch_ns, cpu_s, events;
};

/* The map offset of variant @v, what it maps, and its store stride. */
static int fault_target(struct fault_ctx *c, int v, off_t *off, size_t *len,
			size_t *step)
{
	*len = FAULT_LEN;
	*step = PG;
	switch (v) {
	case F_DEVMAP:		/* offset 4 KiB: no PMD is aligned */
		*off = MMB_MMAP_REGION(MMB_FAULT_SIGBUS) + PG;
		return c->ivs;
	case F_SHMEM:
		*off = 0;
		return c->memfd;
	case F_REMAP:		/* the same pages of BAR2 */
		*off = PG;
		return c->res;
	case F_DMABUF:		/* the same pages through a dma-buf */
		*off = 0;
		return c->dmabuf;
	default:
		*off = MMB_MMAP_REGION(MMB_FAULT_SIGBUS);
		*len = PMD_LEN;
		*step = HUGE;
		return c->ivs;
	}
}

/*
 * One cycle of variant @v: map, store into every page (every 2 MiB for
 * devmap_pmd), unmap; added to @s.  The CPU time is that of the timed
 * window: the stores, with the mmap() for remap_pfn.  ivshmem0's fault
 * counters must show that each fault mapped what it should: a page, or a
 * PMD.
 */
static int fault_cycle(struct fault_ctx *c, int v, struct fault_sum *s)
{
	struct mmb_region_info a, b;
	uint64_t t0, t1, t2;
	size_t len, step;
	double c0, c1, n;
	uint8_t *p;
	off_t off;
	int fd = fault_target(c, v, &off, &len, &step);

	if (mmb_region_info(c->ivs, &a))
		return -EIO;
	c0 = proc_cpu();
	t0 = mmb_now_ns();
	p = map_at(c->at, len, fd, off);
	t1 = mmb_now_ns();
	if (!p)
		return -errno;
	if (v != F_REMAP)
		c0 = proc_cpu();
	touch(p, len, step, 0x5a);
	t2 = mmb_now_ns();
	c1 = proc_cpu();
	munmap(p, len);
	s->map_ns += t1 - t0;
	s->touch_ns += t2 - t1;
	s->cpu_s += c1 - c0;
	s->events += n = len / step;
	if (mmb_region_info(c->ivs, &b))
		return -EIO;
	if (((v == F_DEVMAP || v == F_DMABUF) &&
	     (b.faults - a.faults != n || b.huge_faults != a.huge_faults)) ||
	    (v == F_PMD && b.huge_faults - a.huge_faults != n)) {
		fprintf(stderr, "bench region: %s: %llu faults, %llu PMD, expected %.0f %s\n",
			fault_name[v],
			(unsigned long long)(b.faults - a.faults),
			(unsigned long long)(b.huge_faults - a.huge_faults),
			n, v == F_PMD ? "PMD" : "4 KiB");
		return -EIO;
	}
	return 0;
}

/*
 * ivshmem's BAR2 through PCI sysfs (resource2_wc, write-combining like
 * ivshmem0's region; resource2 without it), as root.  The kernel refuses
 * it while a driver has claimed the BAR unless booted with iomem=relaxed.
 */
static int open_bar2(void)
{
	const char *dev = "/sys/class/mmbridge/ivshmem0/device";
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/resource2_wc", dev);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/resource2", dev);
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	}
	return fd;
}

/* Whether the sysfs mapping of BAR2 reaches the region's memory. */
static bool bar2_is_region(struct fault_ctx *c)
{
	volatile uint64_t *d, *s;
	uint64_t v = mmb_now_ns() | 1;
	bool same;

	d = (volatile uint64_t *)map_at(c->at, FAULT_LEN, c->ivs,
					MMB_MMAP_REGION(MMB_FAULT_SIGBUS) + PG);
	if (!d)
		return false;
	s = mmap(NULL, FAULT_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, c->res,
		 PG);
	if (s == MAP_FAILED) {
		fprintf(stderr, "bench region: mmap of ivshmem's BAR2 through sysfs: %s (iomem=relaxed?)\n",
			strerror(errno));
		munmap((void *)d, FAULT_LEN);
		return false;
	}
	d[700] = v;
	s[701] = ~v;
	same = s[700] == v && d[701] == ~v;
	munmap((void *)s, FAULT_LEN);
	munmap((void *)d, FAULT_LEN);
	return same;
}

static int fault_setup(struct fault_ctx *c)
{
	struct mmb_region_info ri;
	bool ivshmem = true;

	memset(c, 0, sizeof(*c));
	c->memfd = c->res = c->dmabuf = -1;
	c->ivs = mmb_open("ivshmem0", 0);
	if (c->ivs < 0) {
		ivshmem = false;
		/* soft0's region then: RAM, never mapped with PMDs. */
		fprintf(stderr, "bench region: no ivshmem0, device faults on soft0\n");
		c->ivs = mmb_open("soft0", 0);
		if (c->ivs < 0)
			return c->ivs;
	}
	if (mmb_region_info(c->ivs, &ri) || ri.size < PMD_LEN) {
		fprintf(stderr, "bench region: the device region is under 16 MiB\n");
		return -ENOSPC;
	}
	c->huge = ri.features & MMB_REGION_HUGE;
	c->dmabuf = mmb_region_export(c->ivs, PG, FAULT_LEN, MMB_FAULT_SIGBUS,
				      MMB_EXPORT_WRITE | MMB_EXPORT_CLOEXEC);
	if (c->dmabuf < 0)
		return c->dmabuf;
	c->at = free_aligned(PMD_LEN);
	c->memfd = memfd_create("mmb-bench-shmem", MFD_CLOEXEC);
	if (!c->at || c->memfd < 0 ||
	    fallocate(c->memfd, 0, 0, FAULT_LEN))	/* in the page cache */
		return -ENOMEM;
	c->res = ivshmem ? open_bar2() : -1;
	if (c->res >= 0 && !bar2_is_region(c)) {
		close(c->res);
		c->res = -1;
	}
	if (c->res < 0)
		fprintf(stderr, "bench region: no remap_pfn_range() mapping of ivshmem's BAR2: skipped\n");
	if (!c->huge)
		fprintf(stderr, "bench region: no PMD mappings on this kernel: skipped\n");
	return 0;
}

static void fault_teardown(struct fault_ctx *c)
{
	if (c->res >= 0)
		close(c->res);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->dmabuf >= 0)
		close(c->dmabuf);
	if (c->ivs >= 0)
		close(c->ivs);
}

/* The median of the @n ratios @num[i] / @den[i]. */
static double median_ratio(const double *num, const double *den, int n)
{
	double q[64];
	int i;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		q[i] = den[i] > 0 ? num[i] / den[i] : 0;
	return bench_median(q, n);
}

/*
 * Each repeat's figure is the median of its rounds (a round: the mean of
 * 2048 faults for the 4 KiB variants, of 32 PMD faults for devmap_pmd), a
 * ratio the median of the rounds' ratios, so that a burst of load on the
 * host, which meets a few rounds only, does not move it; figures are the
 * medians, min and max of the repeats'.
 */
static int bench_faults(struct bench_out *out)
{
	double touch[F_NVAR][REPS] = { { 0 } }, maptouch[F_NVAR][REPS] = { { 0 } };
	double cpu[F_NVAR][REPS] = { { 0 } };
	double rdev[REPS], rpmd[REPS] = { 0 }, rmap[REPS] = { 0 };
	double rbuf[REPS];
	struct fault_ctx c;
	int r, i, j, k, ret;

	ret = fault_setup(&c);
	if (ret)
		goto out;
	for (r = 0; r < REPS; r++) {
		double t[F_NVAR][FAULT_CYCLES], mt[F_NVAR][FAULT_CYCLES];
		double cp[F_NVAR][FAULT_CYCLES];

		for (i = 0; i < FAULT_CYCLES; i++) {
			for (k = 0; k < F_NVAR; k++) {
				int v = (k + i + r) % F_NVAR;
				struct fault_sum s = { 0 };

				if ((v == F_REMAP && c.res < 0) ||
				    (v == F_PMD && !c.huge))
					continue;
				for (j = 0; j < (v == F_PMD ? PMD_CYCLES /
						 FAULT_CYCLES : 1); j++) {
					ret = fault_cycle(&c, v, &s);
					if (ret) {
						fprintf(stderr, "bench region: %s: %s\n",
							fault_name[v],
							strerror(-ret));
						goto out;
					}
				}
				t[v][i] = s.touch_ns / s.events;
				mt[v][i] = (s.map_ns + s.touch_ns) / s.events;
				cp[v][i] = s.cpu_s * 1e6 / s.events;
			}
		}
		for (k = 0; k < F_NVAR; k++) {
			if ((k == F_REMAP && c.res < 0) || (k == F_PMD && !c.huge))
				continue;
			touch[k][r] = bench_median_of(t[k], FAULT_CYCLES);
			maptouch[k][r] = bench_median_of(mt[k], FAULT_CYCLES);
			cpu[k][r] = bench_median_of(cp[k], FAULT_CYCLES);
		}
		rdev[r] = median_ratio(t[F_DEVMAP], t[F_SHMEM], FAULT_CYCLES);
		rbuf[r] = median_ratio(t[F_DMABUF], t[F_DEVMAP], FAULT_CYCLES);
		if (c.huge)
			rpmd[r] = median_ratio(t[F_PMD], t[F_SHMEM],
					       FAULT_CYCLES) / 512;
		if (c.res >= 0)
			rmap[r] = median_ratio(mt[F_DEVMAP], mt[F_REMAP],
					       FAULT_CYCLES);
		bench_progress(out, "region", (r + 1) * 30 / REPS);
	}
	bench_samples(out, "fault_devmap_ns", touch[F_DEVMAP], REPS);
	bench_samples(out, "fault_devmap_cpu_us_per_event", cpu[F_DEVMAP], REPS);
	bench_samples(out, "fault_shmem_ns", touch[F_SHMEM], REPS);
	bench_samples(out, "fault_shmem_cpu_us_per_event", cpu[F_SHMEM], REPS);
	bench_samples(out, "ratio_fault_devmap_vs_shmem", rdev, REPS);
	bench_samples(out, "fault_dmabuf_ns", touch[F_DMABUF], REPS);
	bench_samples(out, "fault_dmabuf_cpu_us_per_event", cpu[F_DMABUF],
		      REPS);
	bench_samples(out, "ratio_dmabuf_mmap_fault_vs_region_fault", rbuf,
		      REPS);
	if (c.huge) {
		bench_samples(out, "fault_devmap_pmd_ns", touch[F_PMD], REPS);
		bench_samples(out, "fault_devmap_pmd_cpu_us_per_event",
			      cpu[F_PMD], REPS);
		bench_samples(out, "ratio_fault_devmap_pmd_per_4k_vs_shmem", rpmd,
			      REPS);
	}
	if (c.res >= 0) {
		bench_samples(out, "map_touch_devmap_ns", maptouch[F_DEVMAP],
			      REPS);
		bench_samples(out, "map_touch_remap_pfn_ns", maptouch[F_REMAP],
			      REPS);
		bench_samples(out, "map_touch_remap_pfn_cpu_us_per_event",
			      cpu[F_REMAP], REPS);
		bench_samples(out, "touch_remap_pfn_ns", touch[F_REMAP], REPS);
		bench_samples(out, "ratio_map_touch_devmap_vs_remap_pfn", rmap,
			      REPS);
	}
out:
	fault_teardown(&c);
	return ret;
}

enum { R_REVOKE, R_MUNMAP, R_MPROTECT, R_REVOKE_TOUCH, R_MUNMAP_TOUCH,
       R_NVAR };

static const char *const rv_name[R_NVAR] = {
	"revoke", "munmap", "mprotect", "revoke_restore_touch",
	"munmap_mmap_touch"
};

#define RV_OFF	MMB_MMAP_REGION(MMB_FAULT_DISCARD)

/*
 * One event of a revocation variant on a populated RV_LEN mapping of
 * soft0's region at @at: its time and CPU time.  revoke also checks that
 * the mapping reads the scratch page while revoked and the device again
 * once restored.
 */
static int revoke_event(int fd, uint8_t *at, int v, double *us, double *cpu)
{
	volatile uint8_t *p = map_at(at, RV_LEN, fd, RV_OFF);
	uint64_t t0, t1;
	double c0, c1;
	int ret = 0;

	if (!p)
		return -errno;
	touch(p, RV_LEN, PG, 0x5a);
	c0 = proc_cpu();
	t0 = mmb_now_ns();
	switch (v) {
	case R_REVOKE:
		ret = mmb_region_revoke(fd, NULL);
		break;
	case R_MUNMAP:
		ret = munmap((void *)p, RV_LEN) ? -errno : 0;
		p = NULL;
		break;
	case R_MPROTECT:
		ret = mprotect((void *)p, RV_LEN, PROT_NONE) ? -errno : 0;
		break;
	case R_REVOKE_TOUCH:
		ret = mmb_region_revoke(fd, NULL);
		if (!ret)
			ret = mmb_region_restore(fd, NULL);
		if (!ret)
			touch(p, RV_LEN, PG, 0xa5);
		break;
	case R_MUNMAP_TOUCH:
		munmap((void *)p, RV_LEN);
		p = map_at(at, RV_LEN, fd, RV_OFF);
		if (p)
			touch(p, RV_LEN, PG, 0xa5);
		else
			ret = -errno;
		break;
	}
	t1 = mmb_now_ns();
	c1 = proc_cpu();
	*us = (t1 - t0) / 1000.0;
	*cpu = (c1 - c0) * 1e6;
	if (!ret && v == R_REVOKE) {
		/* DISCARD: a scratch page while revoked, the device after. */
		uint8_t during = p[5 * PG], after;

		ret = mmb_region_restore(fd, NULL);
		after = p[5 * PG];
		if (!ret && (during != 0 || after != 0x5a)) {
			fprintf(stderr, "bench region: revoked mapping read 0x%x, restored 0x%x\n",
				during, after);
			ret = -EIO;
		}
	}
	if (p)
		munmap((void *)p, RV_LEN);
	return ret;
}

struct rv_msg {
	int idx;
	int val;
};

/*
 * Child @idx of @n: maps its 1/@n of soft0's region (DISCARD), stores
 * into every page, reports, then reads its first byte on each command:
 * the parent revokes before the first and restores before the second.
 */
static void __attribute__((noreturn)) rv_child(int fd, int idx, int n,
					       int cmd, int res)
{
	size_t len = RV_LEN / n;
	volatile uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, RV_OFF + idx * len);
	struct rv_msg m = { .idx = idx, .val = -1 };
	char c;
	int i;

	if (p == MAP_FAILED)
		_exit(1);
	touch(p, len, PG, 0x40 + idx);
	if (write(res, &m, sizeof(m)) != sizeof(m))
		_exit(1);
	for (i = 0; i < 2; i++) {
		if (read(cmd, &c, 1) != 1)
			_exit(1);
		m.val = p[0];
		if (write(res, &m, sizeof(m)) != sizeof(m))
			_exit(1);
	}
	_exit(0);
}

/*
 * Collect one message from each of @n children, the values in @val; a
 * child that dies or hangs fails it within a minute.
 */
static int rv_collect(int res, int n, int *val)
{
	struct pollfd pfd = { .fd = res, .events = POLLIN };
	struct rv_msg m;
	int i;

	for (i = 0; i < n; i++) {
		if (poll(&pfd, 1, 60000) != 1 ||
		    read(res, &m, sizeof(m)) != sizeof(m) || m.idx < 0 ||
		    m.idx >= n)
			return -EIO;
		val[m.idx] = m.val;
	}
	return 0;
}

/*
 * Wake each of @n children (a byte on its command pipe) for one look at its
 * mapping, and check that child i read @base + i * @step.
 */
static int rv_poll_children(int cmd[][2], int res, int n, int base, int step)
{
	int val[16], i, ret;
	char c = 'r';

	for (i = 0; i < n; i++)
		if (write(cmd[i][1], &c, 1) != 1)
			return -EIO;
	ret = rv_collect(res, n, val);
	for (i = 0; !ret && i < n; i++)
		if (val[i] != base + i * step)
			ret = -EIO;
	return ret;
}

/*
 * Revoke soft0's region while @n processes each map and have populated
 * 1/@n of it (RV_LEN in all, the same 16384 PTEs whatever @n), asleep in
 * read().  The revoke's time and CPU time; the children's mappings are
 * checked to read scratch while revoked and their own stores once
 * restored.
 */
static int revoke_procs(int fd, int n, double *us, double *cpu)
{
	int res[2], cmd[16][2], val[16], pid[16], i, ret = 0, nc = 0;
	uint64_t t0, t1;
	double c0, c1;

	if (n > 16 || pipe(res))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (pipe(cmd[i])) {
			ret = -errno;
			break;
		}
		pid[i] = fork();
		if (pid[i] < 0) {
			ret = -errno;
			close(cmd[i][0]);
			close(cmd[i][1]);
			break;
		}
		if (!pid[i]) {
			int j;

			close(res[0]);
			for (j = 0; j <= i; j++)	/* EOF reaches every child */
				close(cmd[j][1]);
			rv_child(fd, i, n, cmd[i][0], res[1]);
		}
		close(cmd[i][0]);
		nc++;
	}
	close(res[1]);
	if (!ret)
		ret = rv_collect(res[0], n, val);
	if (!ret) {
		usleep(10000);	/* every child asleep in read() */
		c0 = proc_cpu();
		t0 = mmb_now_ns();
		ret = mmb_region_revoke(fd, NULL);
		t1 = mmb_now_ns();
		c1 = proc_cpu();
		*us = (t1 - t0) / 1000.0;
		*cpu = (c1 - c0) * 1e6;
	}
	/* Revoked, every mapping reads scratch (0); restored, its own store. */
	if (!ret)
		ret = rv_poll_children(cmd, res[0], n, 0, 0);
	mmb_region_restore(fd, NULL);
	if (!ret)
		ret = rv_poll_children(cmd, res[0], n, 0x40, 1);
	for (i = 0; i < nc; i++)
		close(cmd[i][1]);
	close(res[0]);
	for (i = 0; i < nc; i++) {
		int st;

		if (waitpid(pid[i], &st, 0) != pid[i] ||
		    (!ret && (!WIFEXITED(st) || WEXITSTATUS(st))))
			ret = ret ? ret : -EIO;
	}
	return ret;
}

static const int rv_procs[] = { 1, 2, 4, 8, 16 };
#define RV_NPROCS	(int)(sizeof(rv_procs) / sizeof(rv_procs[0]))

#define RV_ROUNDS	5	/* events of each variant a repeat */
#define SW_ROUNDS	3	/* sweeps a repeat */

/*
 * The variants of a round run back to back, the order rotating from round
 * to round; each repeat's figure is the median of its rounds' events, a
 * ratio the median of the rounds' ratios.
 */
static int bench_revoke(struct bench_out *out)
{
	double t[R_NVAR][REPS], cpu[R_NVAR][REPS];
	double pt[RV_NPROCS][REPS], pcpu[RV_NPROCS][REPS];
	double rmu[REPS], rmp[REPS], rrt[REPS], r81[REPS];
	struct mmb_region_info ri;
	int fd = mmb_open("soft0", 0), r, i, k, ret;
	uint8_t *at = free_aligned(RV_LEN);

	if (fd < 0)
		return fd;
	ret = mmb_region_info(fd, &ri);
	if (!ret && ri.size < RV_LEN) {
		fprintf(stderr, "bench region: soft0 has %llu MiB, needs 64 (soft_mem_mb=64)\n",
			(unsigned long long)ri.size >> 20);
		ret = -ENOSPC;
	}
	if (!ret && !at)
		ret = -ENOMEM;
	for (r = 0; !ret && r < REPS; r++) {
		double et[R_NVAR][RV_ROUNDS], ec[R_NVAR][RV_ROUNDS];
		double st[RV_NPROCS][SW_ROUNDS], sc[RV_NPROCS][SW_ROUNDS];

		for (i = 0; !ret && i < RV_ROUNDS; i++) {
			for (k = 0; !ret && k < R_NVAR; k++) {
				int v = (k + r * RV_ROUNDS + i) % R_NVAR;

				ret = revoke_event(fd, at, v, &et[v][i],
						   &ec[v][i]);
				if (ret)
					fprintf(stderr, "bench region: %s: %s\n",
						rv_name[v], strerror(-ret));
			}
		}
		for (i = 0; !ret && i < SW_ROUNDS; i++) {
			for (k = 0; !ret && k < RV_NPROCS; k++) {
				int v = (k + r * SW_ROUNDS + i) % RV_NPROCS;

				ret = revoke_procs(fd, rv_procs[v], &st[v][i],
						   &sc[v][i]);
				if (ret)
					fprintf(stderr, "bench region: revoke with %d processes: %s\n",
						rv_procs[v], strerror(-ret));
			}
		}
		if (ret)
			break;
		for (k = 0; k < R_NVAR; k++) {
			t[k][r] = bench_median_of(et[k], RV_ROUNDS);
			cpu[k][r] = bench_median_of(ec[k], RV_ROUNDS);
		}
		for (k = 0; k < RV_NPROCS; k++) {
			pt[k][r] = bench_median_of(st[k], SW_ROUNDS);
			pcpu[k][r] = bench_median_of(sc[k], SW_ROUNDS);
		}
		rmu[r] = median_ratio(et[R_REVOKE], et[R_MUNMAP], RV_ROUNDS);
		rmp[r] = median_ratio(et[R_REVOKE], et[R_MPROTECT], RV_ROUNDS);
		rrt[r] = median_ratio(et[R_REVOKE_TOUCH], et[R_MUNMAP_TOUCH],
				      RV_ROUNDS);
		r81[r] = median_ratio(st[3], st[0], SW_ROUNDS);
		bench_progress(out, "region", 30 + (r + 1) * 70 / REPS);
	}
	close(fd);
	if (ret)
		return ret;
	bench_samples(out, "revoke_64m_us", t[R_REVOKE], REPS);
	bench_samples(out, "revoke_cpu_us_per_event", cpu[R_REVOKE], REPS);
	bench_samples(out, "munmap_64m_us", t[R_MUNMAP], REPS);
	bench_samples(out, "munmap_cpu_us_per_event", cpu[R_MUNMAP], REPS);
	bench_samples(out, "mprotect_none_64m_us", t[R_MPROTECT], REPS);
	bench_samples(out, "mprotect_none_cpu_us_per_event", cpu[R_MPROTECT],
		      REPS);
	bench_samples(out, "ratio_revoke_vs_munmap", rmu, REPS);
	bench_samples(out, "ratio_revoke_vs_mprotect", rmp, REPS);
	bench_samples(out, "revoke_restore_touch_64m_us", t[R_REVOKE_TOUCH],
		      REPS);
	bench_samples(out, "revoke_restore_touch_cpu_us_per_event",
		      cpu[R_REVOKE_TOUCH], REPS);
	bench_samples(out, "munmap_mmap_touch_64m_us", t[R_MUNMAP_TOUCH], REPS);
	bench_samples(out, "munmap_mmap_touch_cpu_us_per_event",
		      cpu[R_MUNMAP_TOUCH], REPS);
	bench_samples(out, "ratio_revoke_restore_touch_vs_munmap_mmap_touch",
		      rrt, REPS);
	for (k = 0; k < RV_NPROCS; k++)
		bench_point(out, "revoke_processes", "processes", "us",
			    "revoke_64m_split", rv_procs[k], pt[k], REPS);
	bench_samples(out, "revoke_1proc_us", pt[0], REPS);
	bench_samples(out, "revoke_8proc_us", pt[3], REPS);
	bench_samples(out, "revoke_8proc_cpu_us_per_event", pcpu[3], REPS);
	bench_samples(out, "ratio_revoke_8proc_vs_1proc", r81, REPS);
	return 0;
}

int bench_region(struct bench_out *out)
{
	int ret = bench_faults(out);

	return ret ? ret : bench_revoke(out);
}
