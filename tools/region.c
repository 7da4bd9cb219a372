// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge revoke / restore / region, the demo's revocable-mapping section
 * and `mmbridge bench region`.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmbridge.h"
#include "bench.h"
#include "region.h"

#define PG	4096UL
#define MIB	(1024UL * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

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

void region_print(int fd)
{
	struct mmb_region_info ri;
	char st[64];

	if (mmb_region_info(fd, &ri))
		return;
	printf("region:      %llu bytes, %s, %s%s\n",
	       (unsigned long long)ri.size, state_str(ri.state, st, sizeof(st)),
	       cache_str(ri.cache),
	       ri.features & MMB_REGION_HUGE ? ", PMD mappings" : "");
	printf("             %llu revokes, %llu restores, %llu mappings; faults: "
	       "%llu device (%llu PMD), %llu discard, %llu SIGBUS, %llu waited\n",
	       (unsigned long long)ri.revokes, (unsigned long long)ri.restores,
	       (unsigned long long)ri.mappings, (unsigned long long)ri.faults,
	       (unsigned long long)ri.huge_faults,
	       (unsigned long long)ri.discard_faults,
	       (unsigned long long)ri.sigbus_faults,
	       (unsigned long long)ri.wait_faults);
}

/* mmbridge revoke DEV / mmbridge restore DEV */
int cmd_region_ctl(int fd, const char *name, bool revoke)
{
	struct mmb_region_ctl ctl;
	char st[64];
	int ret = revoke ? mmb_region_revoke(fd, &ctl) :
			   mmb_region_restore(fd, &ctl);

	if (ret) {
		fprintf(stderr, "mmbridge: %s %s: %s\n",
			revoke ? "revoke" : "restore", name, strerror(-ret));
		return 1;
	}
	printf("%s: region %s (%llu revokes, %llu restores)\n", name,
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
	w->done_ns = now_ns();
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

	t0 = now_ns();
	if (mmb_region_revoke(fd, NULL))
		goto out;
	t1 = now_ns();
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
	t0 = now_ns();
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

/* Anonymous memory, with 4 KiB pages unless @thp. */
static void *anon(size_t len, bool thp)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (!thp)
		madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/*
 * Per-page first-touch time of @len bytes of a fresh mapping: the region
 * of @fd, or (fd < 0) anonymous memory, with THP when fd is -2.
 */
static double touch_ns(int fd, size_t len)
{
	volatile uint8_t *p;
	uint64_t t0, t1;
	size_t i;

	p = fd >= 0 ? mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, len) :
		      anon(len, fd == -2);
	if (!p)
		return -1;
	t0 = now_ns();
	for (i = 0; i < len; i += PG)
		p[i] = 1;
	t1 = now_ns();
	if (fd >= 0)
		memset((void *)p, 0, len);
	munmap((void *)p, len);
	return (double)(t1 - t0) / (len / PG);
}

/* Time to munmap() @len bytes of populated anonymous memory. */
static double munmap_us(size_t len, bool thp)
{
	volatile uint8_t *p = anon(len, thp);
	uint64_t t0, t1;
	size_t i;

	if (!p)
		return -1;
	for (i = 0; i < len; i += PG)
		p[i] = 1;
	t0 = now_ns();
	munmap((void *)p, len);
	t1 = now_ns();
	return (t1 - t0) / 1000.0;
}

/* ivshmem0 when this kernel maps it with PMDs, else -1. */
static int open_huge(void)
{
	struct mmb_region_info ri;
	int fd = mmb_open("ivshmem0", 0);

	if (fd < 0)
		return -1;
	if (mmb_region_info(fd, &ri) || !(ri.features & MMB_REGION_HUGE) ||
	    ri.size < 8 * MIB) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Like for like, 4 KiB pages on both sides: fault_devmap_ns against
 * fault_anon_ns is the first touch of a page of soft0's region (a PFN that
 * mmbridge's fault handler inserts) against one of anonymous memory without
 * THP; revoke_64m_us against munmap_64m_us zaps a fully populated 64 MiB
 * mapping of soft0 by revocation against unmapping 64 MiB of populated
 * anonymous memory.  For context: the same anonymous cases with THP
 * (Debian's default), and fault_devmap_pmd_ns, the first touch per 4 KiB
 * of ivshmem0's region where the kernel maps it with PMDs.
 */
int bench_region(struct bench_out *out)
{
	enum { REPS = 7 };
	const size_t big = 64 * MIB;
	struct mmb_region_info ri;
	double dev[REPS], an[REPS], thp[REPS], pmd[REPS], rv[REPS], mu[REPS];
	double mut[REPS];
	int fd = mmb_open("soft0", 0), hfd = open_huge(), r, ret = 0;

	if (fd < 0)
		return fd;
	ret = mmb_region_info(fd, &ri);
	if (ret)
		goto out;
	if (ri.size < big) {
		fprintf(stderr, "bench region: soft0 has %llu MiB, needs 64 (soft_mem_mb=64)\n",
			(unsigned long long)ri.size >> 20);
		ret = -ENOSPC;
		goto out;
	}
	for (r = 0; r < REPS; r++) {
		volatile uint8_t *p;
		uint64_t t0, t1;
		size_t i;

		/* Alternate the variants; 8 MiB per sample. */
		dev[r] = touch_ns(fd, 8 * MIB);
		an[r] = touch_ns(-1, 8 * MIB);
		thp[r] = touch_ns(-2, 8 * MIB);
		pmd[r] = hfd >= 0 ? touch_ns(hfd, 8 * MIB) : 0;
		if (dev[r] < 0 || an[r] < 0 || thp[r] < 0 || pmd[r] < 0) {
			ret = -ENOMEM;
			goto out;
		}

		p = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, big);
		if (!p) {
			ret = -errno;
			goto out;
		}
		for (i = 0; i < big; i += PG)
			(void)p[i];
		t0 = now_ns();
		ret = mmb_region_revoke(fd, NULL);
		t1 = now_ns();
		mmb_region_restore(fd, NULL);
		munmap((void *)p, big);
		if (ret)
			goto out;
		rv[r] = (t1 - t0) / 1000.0;

		mu[r] = munmap_us(big, false);
		mut[r] = munmap_us(big, true);
		if (mu[r] < 0 || mut[r] < 0) {
			ret = -ENOMEM;
			goto out;
		}
		bench_progress(out, "region", (r + 1) * 100 / REPS);
	}
	{
		double fd_ns = bench_median(dev, REPS);
		double fa_ns = bench_median(an, REPS);
		double rv_us = bench_median(rv, REPS);
		double mu_us = bench_median(mu, REPS);

		bench_figure(out, "fault_devmap_ns", fd_ns);
		bench_figure(out, "fault_anon_ns", fa_ns);
		bench_figure(out, "fault_anon_thp_ns", bench_median(thp, REPS));
		bench_figure(out, "ratio_fault_devmap_vs_anon", fd_ns / fa_ns);
		if (hfd >= 0) {
			double fp_ns = bench_median(pmd, REPS);

			bench_figure(out, "fault_devmap_pmd_ns", fp_ns);
			bench_figure(out, "ratio_fault_devmap_pmd_vs_anon",
				     fp_ns / fa_ns);
		}
		bench_figure(out, "revoke_64m_us", rv_us);
		bench_figure(out, "munmap_64m_us", mu_us);
		bench_figure(out, "ratio_revoke_vs_munmap_64m", rv_us / mu_us);
		bench_figure(out, "munmap_64m_thp_us", bench_median(mut, REPS));
	}
out:
	if (hfd >= 0)
		close(hfd);
	close(fd);
	return ret;
}
