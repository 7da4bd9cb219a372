// SPDX-License-Identifier: GPL-2.0
/*
 * region/: revocable mappings of device memory.  soft0's region is RAM,
 * ivshmem0's is BAR2 (what lands there is checked again on the host, in the
 * file behind the BAR); edu0 has none (security/edu_no_register_mapping).
 *
 * ivshmem0's BAR is shared with ivshmem/bar_rw (its first 1.1 MiB); the
 * cases here use 4 MiB and up: map_rw 4-6 MiB, revoke_discard_live 8-10,
 * huge_mapping 10-14, access/proc_pid_mem 14, access/ptrace_peek_poke 15.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MIB		(1024UL * 1024)
#define MARKER		0x5245564f4b45444dULL	/* "MDEKOVER" */

static int region_info(int fd, struct mmb_region_info *ri)
{
	return mmb_region_info(fd, ri);
}

static uint64_t region_mappings(int fd)
{
	struct mmb_region_info ri;

	return region_info(fd, &ri) ? UINT64_MAX : ri.mappings;
}

/* Open @name; -ENOENT when absent. */
static int open_region(const char *name, struct mmb_region_info *ri)
{
	int fd = dev_open(name), r;

	if (fd < 0)
		return fd;
	r = region_info(fd, ri);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* SIGBUS / SIGSEGV catching for the calling thread. */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig, fault_code;
static void *volatile fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

static void catch_faults(void)
{
	struct sigaction sa = { .sa_sigaction = fault_handler,
				.sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Read (write: store @val) the word at @p; the signal it raised, or 0. */
static int touch(volatile uint64_t *p, bool write, uint64_t val,
		 uint64_t *out)
{
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return fault_sig;
	if (write)
		*p = val;
	else if (out)
		*out = *p;
	else
		(void)*p;
	return 0;
}

static uint64_t dev_word(int fd, uint64_t off)
{
	uint64_t v = ~0ULL;

	if (mmb_mem_read(fd, off, &v, sizeof(v)))
		return 0xdeadULL;
	return v;
}

/* soft0 checked here; ivshmem0 also on the host. */
static int map_rw_soft(void)
{
	struct mmb_region_info ri;
	uint64_t seed = test_seed(), faults;
	size_t len;
	uint8_t *p, *buf;
	long bad;
	int fd = open_region(mmb_dut, &ri);

	EXPECT_OK(fd);
	EXPECT_EQ(ri.cache, MMB_CACHE_WB);
	EXPECT_EQ(ri.state, 0);
	len = ri.size;
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, len);
	EXPECT(p, "map %s: %s", mmb_dut, strerror(errno));
	pattern_fill(p, len, seed, 0);
	buf = malloc(len);
	EXPECT(buf, "malloc");
	EXPECT_OK(mmb_mem_read(fd, 0, buf, len));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "%s device byte %ld differs from what was stored",
	       mmb_dut, bad);
	/* And the other way: the device's writes are seen in the mapping. */
	pattern_fill(buf, len, seed + 1, 0);
	EXPECT_OK(mmb_mem_write(fd, 0, buf, len));
	bad = pattern_check(p, len, seed + 1, 0);
	EXPECT(bad < 0, "%s mapping byte %ld differs from the device", mmb_dut,
	       bad);
	faults = ri.faults;
	EXPECT_OK(region_info(fd, &ri));
	EXPECT_EQ(ri.faults, faults + len / PG);
	memset(buf, 0, len);
	EXPECT_OK(mmb_mem_write(fd, 0, buf, len));
	free(buf);
	EXPECT_OK(mmb_region_unmap(p, len));
	close(fd);
	return T_PASS;
}

static int test_map_rw(void)
{
	const uint64_t off = 4 * MIB, len = 2 * MIB;
	struct mmb_region_info ri;
	uint64_t seed = test_seed();
	uint8_t *p, *buf;
	long bad;
	int fd, r;

	r = map_rw_soft();
	if (r)
		return r;
	fd = open_region("ivshmem0", &ri);
	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	EXPECT_EQ(ri.cache, MMB_CACHE_WC);
	EXPECT(ri.size >= off + len + PG, "ivshmem region %llu bytes",
	       (unsigned long long)ri.size);
	p = mmb_region_map(fd, MMB_FAULT_WAIT, off, len);
	EXPECT(p, "map ivshmem0: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	buf = malloc(len);
	EXPECT(buf, "malloc");
	EXPECT_OK(mmb_mem_read(fd, off, buf, len));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "ivshmem0 device byte %ld differs", bad);
	free(buf);
	EXPECT_OK(mmb_region_unmap(p, len));
	close(fd);
	printf("# HOSTCHECK region/map_rw %llu %llu %llu\n",
	       (unsigned long long)off, (unsigned long long)len,
	       (unsigned long long)seed);
	fflush(stdout);
	return T_HOST;
}

/* Writers of revoke_discard_live. */
struct hammer {
	volatile uint64_t *words;	/* this writer's slice */
	size_t nr;
	uint64_t pre;			/* stored before the revoke returned */
	atomic_int *phase;		/* 0: pre, 1: marker, 2: stop */
	atomic_ulong rounds[2];		/* rounds done in phase 0, 1 */
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	int phase;
	size_t i;

	while ((phase = atomic_load(h->phase)) < 2) {
		uint64_t v = phase ? MARKER : h->pre;

		for (i = 0; i < h->nr; i += 61)
			h->words[i] = v;
		atomic_fetch_add(&h->rounds[phase], 1);
	}
	return NULL;
}

/*
 * Until every writer has done @n rounds in @phase: true, or false after
 * 60 s (progress, not time, decides; a loaded debug guest is slow).
 */
static bool hammers_did(struct hammer *h, int nr, int phase, unsigned long n)
{
	int t, waited;

	for (waited = 0; waited < 60000; waited++) {
		for (t = 0; t < nr; t++)
			if (atomic_load(&h[t].rounds[phase]) < n)
				break;
		if (t == nr)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Writers keep storing while the region is revoked under them.  Nothing
 * they store after the revoke returned may reach the device; the process
 * never notices anything but zeros, and after restore sees the device's
 * data again.
 */
static int test_revoke_discard_live(void)
{
	enum { NR = 3 };
	struct hammer h[NR];
	pthread_t th[NR];
	atomic_int phase = 0;
	struct mmb_region_info ri;
	struct mmb_region_ctl ctl;
	const char *name = "ivshmem0";
	uint64_t off = 8 * MIB, len = 2 * MIB, pre = 0x5052450000000000ULL;
	uint64_t *dev, i, npre = 0, revokes;
	volatile uint64_t *p;
	bool ok;
	int fd, t;

	fd = open_region(name, &ri);
	if (fd == -ENOENT) {
		name = mmb_dut;
		off = 2 * MIB;
		fd = open_region(name, &ri);
	}
	EXPECT_OK(fd);
	revokes = ri.revokes;
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	for (t = 0; t < NR; t++) {
		h[t] = (struct hammer){ .words = p + t * (len / 8 / NR),
					.nr = len / 8 / NR, .pre = pre + t,
					.phase = &phase };
		EXPECT_EQ(pthread_create(&th[t], NULL, hammer_fn, &h[t]), 0);
	}
	ok = hammers_did(h, NR, 0, 2);
	EXPECT_OK(mmb_region_revoke(fd, &ctl));
	atomic_store(&phase, 1);
	/* Writers busy in both phases, so that the revoke hit stores. */
	ok = ok && hammers_did(h, NR, 1, 3);
	atomic_store(&phase, 2);
	for (t = 0; t < NR; t++)
		pthread_join(th[t], NULL);
	if (!ok) {
		mmb_region_restore(fd, &ctl);
		FAIL("writers made no progress in 60 s");
	}
	EXPECT_EQ(ctl.state, MMB_REGION_REVOKED_USER);
	EXPECT_EQ(ctl.revokes, revokes + 1);

	/* The device: writes from before, no marker. */
	dev = malloc(len);
	EXPECT(dev, "malloc");
	EXPECT_OK(mmb_mem_read(fd, off, dev, len));
	for (i = 0; i < len / 8; i++) {
		EXPECT(dev[i] != MARKER, "marker reached the device at +%llu",
		       (unsigned long long)i * 8);
		npre += (dev[i] & ~0xffULL) == pre;
	}
	EXPECT(npre > 0, "no write from before the revoke reached the device");
	/* The mapping: the scratch page, zeros or the writers' own stores. */
	for (i = 0; i < len / 8; i++)
		EXPECT(p[i] == 0 || p[i] == MARKER || (p[i] & ~0xffULL) == pre,
		       "word %llu of the revoked mapping is 0x%llx",
		       (unsigned long long)i, (unsigned long long)p[i]);
	EXPECT_OK(region_info(fd, &ri));
	EXPECT(ri.discard_faults > 0, "no discard fault");

	EXPECT_OK(mmb_region_restore(fd, &ctl));
	EXPECT_EQ(ctl.state, 0);
	for (i = 0; i < len / 8; i++)
		EXPECT(p[i] == dev[i], "word %llu after restore: 0x%llx, device 0x%llx",
		       (unsigned long long)i, (unsigned long long)p[i],
		       (unsigned long long)dev[i]);
	free(dev);
	EXPECT_OK(mmb_region_unmap((void *)p, len));
	close(fd);
	if (strcmp(name, "ivshmem0"))
		return T_PASS;
	printf("# HOSTCHECK region/revoke_discard_live --absent %llu %llu %llu\n",
	       (unsigned long long)off, (unsigned long long)len, MARKER);
	fflush(stdout);
	return T_HOST;
}

/* SIGBUS with the exact address, for reads and writes; restore heals. */
static int test_revoke_sigbus(void)
{
	struct mmb_region_info ri, after;
	volatile uint64_t *p;
	uint64_t v = 0;
	int fd = open_region(mmb_dut, &ri), sig;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, 8 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	p[PG / 8 * 3 + 1] = 0x1122334455667788ULL;
	catch_faults();
	EXPECT_OK(mmb_region_revoke(fd, NULL));

	sig = touch(&p[PG / 8 * 3 + 1], false, 0, &v);
	EXPECT_EQ(sig, SIGBUS);
	EXPECT_EQ(fault_code, BUS_ADRERR);
	EXPECT(fault_addr == (void *)&p[PG / 8 * 3 + 1], "si_addr %p, expected %p",
	       fault_addr, (void *)&p[PG / 8 * 3 + 1]);
	sig = touch(&p[PG / 8 * 5 + 7], true, 1, NULL);
	EXPECT_EQ(sig, SIGBUS);
	EXPECT_EQ(fault_code, BUS_ADRERR);
	EXPECT(fault_addr == (void *)&p[PG / 8 * 5 + 7], "si_addr %p, expected %p",
	       fault_addr, (void *)&p[PG / 8 * 5 + 7]);
	EXPECT_OK(region_info(fd, &after));
	EXPECT_EQ(after.sigbus_faults, ri.sigbus_faults + 2);
	EXPECT_EQ(dev_word(fd, 5 * PG + 56), 0);

	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(touch(&p[PG / 8 * 3 + 1], false, 0, &v), 0);
	EXPECT_EQ(v, 0x1122334455667788ULL);
	p[PG / 8 * 3 + 1] = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, 8 * PG));
	close(fd);
	return T_PASS;
}

struct waiter {
	volatile uint64_t *addr;
	uint64_t val;
	atomic_int done;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	*w->addr = w->val;
	atomic_store(&w->done, 1);
	return NULL;
}

/* Wait until the region has counted @n more WAIT faults than @base. */
static int wait_for_waiters(int fd, uint64_t base, uint64_t n)
{
	struct mmb_region_info ri;
	int i;

	for (i = 0; i < 1000; i++) {
		if (region_info(fd, &ri))
			return -EIO;
		if (ri.wait_faults >= base + n)
			return 0;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

/* A write that faults while revoked sleeps until restore, then lands. */
static int test_revoke_wait_restore(void)
{
	struct mmb_region_info ri;
	struct waiter w = { .val = 0x57414954ULL };
	pthread_t th;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri);

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_WAIT, 0, 4 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	w.addr = &p[PG / 8 * 2 + 3];
	EXPECT_EQ(pthread_create(&th, NULL, waiter_fn, &w), 0);
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 1));
	usleep(200000);
	EXPECT_EQ(atomic_load(&w.done), 0);
	EXPECT_EQ(dev_word(fd, 2 * PG + 24), 0);

	EXPECT_OK(mmb_region_restore(fd, NULL));
	pthread_join(th, NULL);
	EXPECT_EQ(atomic_load(&w.done), 1);
	EXPECT_EQ(dev_word(fd, 2 * PG + 24), w.val);
	p[PG / 8 * 2 + 3] = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, 4 * PG));
	close(fd);
	return T_PASS;
}

static volatile sig_atomic_t usr1_seen;
static int usr1_pipe = -1;

static void usr1_handler(int sig)
{
	char c = 'u';

	(void)sig;
	usr1_seen++;
	if (write(usr1_pipe, &c, 1) != 1)
		usr1_seen = -1;
}

/*
 * A process asleep in a WAIT fault runs its signal handlers (and goes back
 * to sleep) and dies at once of SIGKILL; its mapping goes with it.
 */
static int test_wait_is_killable(void)
{
	struct mmb_region_info ri;
	int fd = open_region(mmb_dut, &ri), pfd[2], status;
	uint64_t maps;
	struct pollfd pf;
	pid_t pid;
	char c;

	EXPECT_OK(fd);
	maps = ri.mappings;
	EXPECT_EQ(pipe(pfd), 0);
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		volatile uint64_t *p = mmb_region_map(fd, MMB_FAULT_WAIT, 0, PG);

		usr1_pipe = pfd[1];
		signal(SIGUSR1, usr1_handler);
		if (!p)
			_exit(3);
		*p = 1;		/* sleeps until restore */
		_exit(4);
	}
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 1));
	EXPECT_EQ(region_mappings(fd), maps + 1);
	EXPECT_EQ(kill(pid, SIGUSR1), 0);
	pf = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	EXPECT_EQ(poll(&pf, 1, 10000), 1);
	EXPECT_EQ(read(pfd[0], &c, 1), 1);
	EXPECT_EQ(c, 'u');
	/* The handler ran; the access sleeps again. */
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 2));
	EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);

	EXPECT_EQ(kill(pid, SIGKILL), 0);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "child status 0x%x", status);
	EXPECT_EQ(region_mappings(fd), maps);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(dev_word(fd, 0), 0);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	return T_PASS;
}

/*
 * While one thread sleeps in a WAIT fault, the process's address space is
 * not locked: another thread maps, unmaps and reads /proc/self/maps.
 */
static int test_wait_does_not_block_mm(void)
{
	struct mmb_region_info ri;
	struct waiter w = { .val = 77 };
	char buf[4096];
	pthread_t th;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), i, mfd;
	ssize_t n, total = 0;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_WAIT, PG, PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	w.addr = p;
	EXPECT_EQ(pthread_create(&th, NULL, waiter_fn, &w), 0);
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 1));

	alarm(20);	/* a blocked mmap_lock would hang here */
	for (i = 0; i < 100; i++) {
		void *q = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		EXPECT(q != MAP_FAILED, "mmap: %s", strerror(errno));
		((volatile char *)q)[5 * PG] = 1;
		EXPECT_EQ(munmap(q, 16 * PG), 0);
	}
	mfd = open("/proc/self/maps", O_RDONLY);
	EXPECT(mfd >= 0, "/proc/self/maps: %s", strerror(errno));
	while ((n = read(mfd, buf, sizeof(buf))) > 0)
		total += n;
	close(mfd);
	alarm(0);
	EXPECT(total > 0, "empty /proc/self/maps");
	EXPECT_EQ(atomic_load(&w.done), 0);

	EXPECT_OK(mmb_region_restore(fd, NULL));
	pthread_join(th, NULL);
	EXPECT_EQ(dev_word(fd, PG), 77);
	*p = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, PG));
	close(fd);
	return T_PASS;
}

struct cycler {
	volatile uint64_t *words;
	size_t nr;
	uint64_t tag;
	atomic_int *stop;
	unsigned long rounds;
};

static void *cycler_fn(void *arg)
{
	struct cycler *c = arg;
	size_t i;

	while (!atomic_load(c->stop)) {
		for (i = 0; i < c->nr; i += 509)
			c->words[i] = c->tag | c->rounds;
		c->rounds++;
	}
	/* Live again: the last round lands. */
	for (i = 0; i < c->nr; i += 509)
		c->words[i] = c->tag | 0xffffff;
	return NULL;
}

/* Many revocations under concurrent access of all three policies' kinds. */
static int test_revoke_restore_cycles(void)
{
	enum { CYCLES = 10000 };
	struct mmb_region_info ri, after;
	struct cycler c[2];
	pthread_t th[2];
	atomic_int stop = 0;
	volatile uint64_t *d, *w;
	const size_t len = 64 * PG;
	int fd = open_region(mmb_dut, &ri), i, t;
	size_t k;

	EXPECT_OK(fd);
	d = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, len);
	w = mmb_region_map(fd, MMB_FAULT_WAIT, len, len);
	EXPECT(d && w, "map: %s", strerror(errno));
	c[0] = (struct cycler){ .words = d, .nr = len / 8,
				.tag = 0xd1ULL << 56, .stop = &stop };
	c[1] = (struct cycler){ .words = w, .nr = len / 8,
				.tag = 0xa1ULL << 56, .stop = &stop };
	for (t = 0; t < 2; t++)
		EXPECT_EQ(pthread_create(&th[t], NULL, cycler_fn, &c[t]), 0);
	for (i = 0; i < CYCLES; i++) {
		EXPECT_OK(mmb_region_revoke(fd, NULL));
		EXPECT_OK(mmb_region_restore(fd, NULL));
	}
	atomic_store(&stop, 1);
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);

	EXPECT_OK(region_info(fd, &after));
	EXPECT_EQ(after.revokes, ri.revokes + CYCLES);
	EXPECT_EQ(after.restores, ri.restores + CYCLES);
	EXPECT_EQ(after.state, 0);
	EXPECT(c[0].rounds > 0 && c[1].rounds > 0, "writers made no progress");
	for (t = 0; t < 2; t++)
		for (k = 0; k < len / 8; k += 509)
			EXPECT_EQ(dev_word(fd, t * len + k * 8),
				  c[t].tag | 0xffffff);
	EXPECT_OK(mmb_region_unmap((void *)d, len));
	EXPECT_OK(mmb_region_unmap((void *)w, len));
	{
		uint8_t *zero = calloc(1, 2 * len);

		EXPECT(zero, "calloc");
		EXPECT_OK(mmb_mem_write(fd, 0, zero, 2 * len));
		free(zero);
	}
	close(fd);
	return T_PASS;
}

/* Read one event count from an event fd, waiting up to 5 s. */
static int event_next(int efd, uint64_t *count)
{
	struct pollfd pf = { .fd = efd, .events = POLLIN };

	if (poll(&pf, 1, 5000) != 1)
		return -ETIMEDOUT;
	return read(efd, count, 8) == 8 ? 0 : -errno;
}

/*
 * Revoke and restore reach the process as events: event fd, eventfd and
 * the counter page, also while interrupt delivery is disabled; a second
 * revoke changes nothing; a device-initiated outage (soft0's outage_ms)
 * revokes and restores by itself, and a user's restore does not end it.
 */
static int test_revoke_events(void)
{
	const char *outage = dut_sysfs("outage_ms");
	const struct mmb_counters *page;
	struct mmb_counters s0, s1;
	struct mmb_region_ctl ctl;
	struct mmb_region_info ri;
	uint64_t count, base, evc;
	int fd = open_region(mmb_dut, &ri), efd, evfd;

	EXPECT_OK(fd);
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK);
	EXPECT_OK(efd);
	evfd = eventfd(0, EFD_NONBLOCK);
	EXPECT(evfd >= 0, "eventfd");
	EXPECT_OK(mmb_eventfd(fd, evfd));
	EXPECT_OK(mmb_irq_control(fd, 0));
	COUNTERS_READ(page, &s0);
	base = s0.irq_count;

	EXPECT_OK(mmb_region_revoke(fd, &ctl));
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 1);
	COUNTERS_READ(page, &s1);
	EXPECT_EQ(s1.revoke_count, s0.revoke_count + 1);
	EXPECT_EQ(s1.region_state, MMB_REGION_REVOKED_USER);
	EXPECT_EQ(read(evfd, &evc, 8), 8);
	EXPECT_EQ(evc, 1);

	/* Idempotent: no state change, no event. */
	EXPECT_OK(mmb_region_revoke(fd, &ctl));
	EXPECT_EQ(ctl.revokes, ri.revokes + 1);
	EXPECT_ERR(read(efd, &count, 8) < 0 ? -errno : 0, EAGAIN);

	EXPECT_OK(mmb_region_restore(fd, &ctl));
	EXPECT_EQ(ctl.state, 0);
	EXPECT_EQ(ctl.restores, ri.restores + 1);
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 2);
	COUNTERS_READ(page, &s1);
	EXPECT_EQ(s1.restore_count, s0.restore_count + 1);
	EXPECT_EQ(s1.region_state, 0);
	EXPECT_EQ(s1.irq_count, base + 2);
	EXPECT_EQ(s1.masked_count, s0.masked_count);

	/*
	 * The device revokes on its own and restores a second later (soft0's
	 * outage_ms; another device has no such attribute).
	 */
	if (strcmp(mmb_dut, "soft0"))
		goto out;
	EXPECT_OK(write_str(outage, "1000"));
	COUNTERS_READ(page, &s1);
	EXPECT_EQ(s1.region_state, MMB_REGION_REVOKED_DEVICE);
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 3);
	/* The user's revoke and restore do not end the device's outage. */
	EXPECT_OK(mmb_region_revoke(fd, &ctl));
	EXPECT_EQ(ctl.state, MMB_REGION_REVOKED_USER | MMB_REGION_REVOKED_DEVICE);
	EXPECT_OK(mmb_region_restore(fd, &ctl));
	EXPECT_EQ(ctl.state, MMB_REGION_REVOKED_DEVICE);
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 4);
	COUNTERS_READ(page, &s1);
	EXPECT_EQ(s1.region_state, 0);
	EXPECT_EQ(s1.revoke_count, s0.revoke_count + 2);
	EXPECT_EQ(s1.restore_count, s0.restore_count + 2);
	/* Writing 0 ends an outage at once. */
	EXPECT_OK(write_str(outage, "60000"));
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 5);
	EXPECT_OK(write_str(outage, "0"));
	EXPECT_OK(event_next(efd, &count));
	EXPECT_EQ(count, base + 6);
	COUNTERS_READ(page, &s1);
	EXPECT_EQ(s1.region_state, 0);
	EXPECT_EQ(s1.restore_count, s0.restore_count + 3);
	EXPECT_ERR(write_str(outage, "60001"), ERANGE);
	EXPECT_ERR(write_str(outage, "x"), EINVAL);
out:
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_OK(mmb_eventfd(fd, -1));
	close(evfd);
	close(efd);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

/*
 * A forked child shares the parent's mapping of the device; a revocation
 * reaches the child's page tables too.
 */
static int test_fork_child(void)
{
	struct mmb_region_info ri;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), go[2], ready[2], status;
	uint64_t maps = ri.mappings;
	pid_t pid;
	char c;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, 4 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	p[0] = 11;	/* mapped in the parent before the fork */
	EXPECT_EQ(pipe(go), 0);
	EXPECT_EQ(pipe(ready), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		uint64_t v = 0;

		catch_faults();
		if (p[0] != 11)
			_exit(10);
		p[PG / 8] = 22;		/* lands in the device */
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(11);
		/* Revoked now: the inherited page is gone too. */
		if (touch(&p[0], false, 0, &v) != SIGBUS)
			_exit(12);
		if (fault_addr != (void *)p)
			_exit(13);
		_exit(0);
	}
	EXPECT_EQ(read(ready[0], &c, 1), 1);
	EXPECT_EQ(region_mappings(fd), maps + 2);
	EXPECT_EQ(dev_word(fd, PG), 22);
	EXPECT_EQ(p[PG / 8], 22);
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(write(go[1], "g", 1), 1);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x", status);
	EXPECT_EQ(region_mappings(fd), maps + 1);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(p[0], 11);
	p[0] = 0;
	p[PG / 8] = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, 4 * PG));
	EXPECT_EQ(region_mappings(fd), maps);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	close(fd);
	return T_PASS;
}

/*
 * Closing the fd leaves the mapping working; a revocation through another
 * file of the device still reaches it, and unmapping releases it.
 */
static int test_close_while_mapped(void)
{
	struct mmb_region_info ri;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), fd2;
	uint64_t v = 0;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_SIGBUS, 6 * PG, 2 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_EQ(close(fd), 0);
	p[1] = 0xc105ed;
	fd2 = dev_open(mmb_dut);
	EXPECT_OK(fd2);
	EXPECT_EQ(dev_word(fd2, 6 * PG + 8), 0xc105ed);
	EXPECT_EQ(region_mappings(fd2), ri.mappings + 1);
	catch_faults();
	EXPECT_OK(mmb_region_revoke(fd2, NULL));
	EXPECT_EQ(touch(&p[PG / 8], false, 0, &v), SIGBUS);
	EXPECT_OK(mmb_region_restore(fd2, NULL));
	EXPECT_EQ(touch(&p[1], false, 0, &v), 0);
	EXPECT_EQ(v, 0xc105ed);
	p[1] = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, 2 * PG));
	EXPECT_EQ(region_mappings(fd2), ri.mappings);
	close(fd2);
	return T_PASS;
}

/* Unmapping the middle leaves two mappings, both still revocable. */
static int test_partial_munmap(void)
{
	struct mmb_region_info ri;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), i;
	uint64_t maps = ri.mappings, v;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, 8 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	for (i = 0; i < 8; i++)
		p[i * PG / 8] = 100 + i;
	EXPECT_EQ(munmap((void *)(p + 2 * PG / 8), 3 * PG), 0);
	EXPECT_EQ(region_mappings(fd), maps + 2);
	catch_faults();
	EXPECT_EQ(touch(&p[3 * PG / 8], false, 0, &v), SIGSEGV);
	EXPECT_EQ(p[1 * PG / 8], 101);
	EXPECT_EQ(p[6 * PG / 8], 106);

	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(p[0], 0);
	EXPECT_EQ(p[7 * PG / 8], 0);
	p[7 * PG / 8] = 999;	/* discarded */
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(p[0], 100);
	EXPECT_EQ(p[7 * PG / 8], 107);
	EXPECT_EQ(dev_word(fd, 3 * PG), 103);	/* the hole's device page */

	EXPECT_EQ(munmap((void *)p, 2 * PG), 0);
	EXPECT_EQ(region_mappings(fd), maps + 1);
	EXPECT_EQ(munmap((void *)(p + 5 * PG / 8), 3 * PG), 0);
	EXPECT_EQ(region_mappings(fd), maps);
	for (i = 0; i < 8; i++) {
		uint64_t z = 0;

		EXPECT_OK(mmb_mem_write(fd, i * PG, &z, 8));
	}
	close(fd);
	return T_PASS;
}

/* mremap may move or shrink a mapping, never grow it. */
static int test_mremap(void)
{
	struct mmb_region_info ri;
	volatile uint64_t *p, *q;
	void *spot, *r;
	int fd = open_region(mmb_dut, &ri);
	uint64_t maps = ri.mappings;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, 4 * PG, 4 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	p[0] = 41;
	p[3 * PG / 8] = 44;

	r = mremap((void *)p, 4 * PG, 8 * PG, 0);
	EXPECT(r == MAP_FAILED && errno == EFAULT, "grow in place: %p (%s)",
	       r, strerror(errno));
	r = mremap((void *)p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	EXPECT(r == MAP_FAILED && errno == EFAULT, "grow by moving: %p (%s)",
	       r, strerror(errno));

	spot = map_anon(4 * PG, PROT_NONE);
	EXPECT(spot, "anon");
	q = mremap((void *)p, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		   spot);
	EXPECT(q == spot, "move: %s", strerror(errno));
	EXPECT_EQ(region_mappings(fd), maps + 1);
	EXPECT_EQ(q[0], 41);
	EXPECT_EQ(q[3 * PG / 8], 44);
	q[PG / 8] = 42;
	EXPECT_EQ(dev_word(fd, 5 * PG), 42);
	/* Revocation finds the mapping at its new address. */
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(q[0], 0);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(q[0], 41);

	r = mremap((void *)q, 4 * PG, 2 * PG, 0);
	EXPECT(r == (void *)q, "shrink: %s", strerror(errno));
	EXPECT_EQ(region_mappings(fd), maps + 1);
	EXPECT_EQ(q[PG / 8], 42);
	EXPECT_EQ(munmap((void *)q, 2 * PG), 0);
	EXPECT_EQ(region_mappings(fd), maps);
	{
		uint8_t *zero = calloc(4, PG);

		EXPECT(zero, "calloc");
		EXPECT_OK(mmb_mem_write(fd, 4 * PG, zero, 4 * PG));
		free(zero);
	}
	close(fd);
	return T_PASS;
}

static int try_mmap(int fd, size_t len, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* Every malformed mmap() of the region, with its errno. */
static int test_bad_mmap(void)
{
	static const uint64_t bad_policy[] = {
		3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 255, 270, 271,
		1000, 0xffff, 0x3ffffe,
	};
	struct mmb_region_info ri;
	int fd = open_region(mmb_dut, &ri);
	uint64_t base = MMB_MMAP_REGION(MMB_FAULT_DISCARD);
	size_t i;

	EXPECT_OK(fd);
	EXPECT_OK(try_mmap(fd, ri.size, MAP_SHARED, base));
	EXPECT_OK(try_mmap(fd, PG, MAP_SHARED, MMB_MMAP_REGION(MMB_FAULT_WAIT) +
			   ri.size - PG));
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED, base + ri.size), ENXIO);
	EXPECT_ERR(try_mmap(fd, 2 * PG, MAP_SHARED, base + ri.size - PG), ENXIO);
	EXPECT_ERR(try_mmap(fd, ri.size + PG, MAP_SHARED, base), ENXIO);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED, base + (1ULL << 39)), ENXIO);
	EXPECT_ERR(try_mmap(fd, PG, MAP_PRIVATE, base), EINVAL);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION(MMB_FAULT_WAIT + 1)), EINVAL);
	/* What the offset cannot carry, the library refuses. */
	EXPECT(!mmb_region_map_at(fd, 0x10000, MMB_FAULT_SIGBUS, 0, PG) &&
	       errno == ENXIO, "index 0x10000: %s", strerror(errno));
	EXPECT(!mmb_region_map_at(fd, 0, 0x101, 0, PG) && errno == EINVAL,
	       "policy 0x101: %s", strerror(errno));
	EXPECT(!mmb_region_map(fd, MMB_FAULT_DISCARD, 1ULL << 40, PG) &&
	       errno == ENXIO, "offset 2^40: %s", strerror(errno));
	/* A region the device does not have. */
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(ri.nr_regions, MMB_FAULT_SIGBUS)),
		   ENXIO);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(0x3fff, MMB_FAULT_DISCARD)),
		   ENXIO);
	/* Every unknown policy whose offset fits below the objects' space. */
	for (i = 0; i < sizeof(bad_policy) / sizeof(bad_policy[0]); i++) {
		int r = try_mmap(fd, PG, MAP_SHARED,
				 MMB_MMAP_REGION(bad_policy[i]));

		EXPECT(r == -EINVAL, "policy %llu: %s, expected EINVAL",
		       (unsigned long long)bad_policy[i],
		       r ? strerror(-r) : "mapped");
		EXPECT(MMB_MMAP_REGION(bad_policy[i]) < MMB_MMAP_OBJECT(0),
		       "policy %llu reaches the object offsets",
		       (unsigned long long)bad_policy[i]);
	}
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED, 16 * PG), EINVAL);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED, base + 12), EINVAL);
	EXPECT_ERR(try_mmap(fd, 0, MAP_SHARED, base), EINVAL);
	/* pgoff + pages wraps around: the kernel's own check. */
	EXPECT_ERR(try_mmap(fd, 2 * PG, MAP_SHARED, ~0ULL & ~(PG - 1)),
		   EOVERFLOW);
	EXPECT_EQ(region_mappings(fd), ri.mappings);
	close(fd);
	return T_PASS;
}

/* Malformed revoke, restore and info requests. */
static int test_bad_ctl(void)
{
	struct mmb_region_ctl ctl = { .argsz = sizeof(ctl) };
	struct mmb_region_info ri = { .argsz = sizeof(ri) };
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	ctl.flags = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_REVOKE, &ctl), EINVAL);
	ctl.flags = 0;
	ctl.index = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_RESTORE, &ctl), ENXIO);
	ctl.index = UINT32_MAX;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_REVOKE, &ctl), ENXIO);
	ctl.index = 0;
	ctl.argsz = 8;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_REVOKE, &ctl), EINVAL);
	ri.flags = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_INFO, &ri), EINVAL);
	ri.flags = 0;
	ri.index = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_INFO, &ri), ENXIO);
	ri.index = 0;
	ri.argsz = 4;
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_INFO, &ri), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_INFO, NULL), EFAULT);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.state, 0);
	EXPECT_EQ(ri.revokes, ri.restores);
	EXPECT_EQ(ri.nr_regions, 1);
	/* An argsz that ends before the index asks for region 0. */
	ri = (struct mmb_region_info){
		.argsz = offsetof(struct mmb_region_info, index), .index = 5 };
	EXPECT_OK(xioctl(fd, MMB_IOC_REGION_INFO, &ri));
	EXPECT_EQ(ri.index, 5);
	EXPECT(ri.size > 0, "region 0 has no size");
	close(fd);
	return T_PASS;
}

/*
 * PMD-sized mappings where the kernel and the memory allow them: one
 * fault per 2 MiB, and revocation zaps them like pages.
 */
static int test_huge_mapping(void)
{
	const uint64_t off = 10 * MIB, len = 4 * MIB;
	struct mmb_region_info ri, after;
	volatile uint64_t *p;
	uint64_t i;
	int fd = open_region("ivshmem0", &ri);

	if (fd == -ENOENT)
		SKIP("no ivshmem device");
	EXPECT_OK(fd);
	if (!(ri.features & MMB_REGION_HUGE)) {
		close(fd);
		SKIP("this kernel maps device memory with pages only");
	}
	p = mmb_region_map(fd, MMB_FAULT_SIGBUS, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_EQ((uintptr_t)p % (2 * MIB), 0);
	for (i = 0; i < len / 8; i += PG / 8)
		p[i] = i;
	EXPECT_OK(region_info(fd, &after));
	EXPECT_EQ(after.huge_faults, ri.huge_faults + len / (2 * MIB));
	EXPECT_EQ(after.faults, ri.faults + len / (2 * MIB));
	EXPECT_EQ(dev_word(fd, off + len - PG), (len - PG) / 8);

	catch_faults();
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(touch(&p[len / 16], false, 0, NULL), SIGBUS);
	EXPECT(fault_addr == (void *)&p[len / 16], "si_addr %p", fault_addr);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(p[len / 16], len / 16);
	for (i = 0; i < len / 8; i += PG / 8)
		p[i] = 0;
	EXPECT_OK(mmb_region_unmap((void *)p, len));
	close(fd);
	return T_PASS;
}

/* A child process with every kind of mapping when soft0 goes away. */
static int remove_child(int fd, int ready, int go)
{
	char c;
	volatile uint64_t *d, *s, *w;
	uint64_t v = 1;

	d = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, PG);
	s = mmb_region_map(fd, MMB_FAULT_SIGBUS, PG, PG);
	w = mmb_region_map(fd, MMB_FAULT_WAIT, 2 * PG, PG);
	if (!d || !s || !w)
		return 20;
	*d = 5;
	*s = 6;
	catch_faults();
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		return 21;
	/* Revoked by the parent: sleeps until the device is removed. */
	if (touch(w, true, 7, NULL) != SIGBUS)
		return 22;
	if (fault_addr != (void *)w)
		return 23;
	if (touch(s, false, 0, &v) != SIGBUS)
		return 24;
	if (touch(d, false, 0, &v) || v != 0)
		return 25;
	*d = 9;		/* discarded, no signal */
	return 0;
}

/*
 * Removal with live mappings revokes for good: a sleeping WAIT access
 * wakes with SIGBUS, SIGBUS mappings signal, DISCARD ones keep running;
 * the memory is never reached again, and the device comes back on rebind.
 */
static int remove_with_mappings_on(const char *name)
{
	struct mmb_region_info ri;
	int fd = open_region(name, &ri), ready[2], go[2], status;
	struct mmb_info info;
	char c;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_EQ(pipe(ready), 0);
	EXPECT_EQ(pipe(go), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0)
		_exit(remove_child(fd, ready[1], go[0]));
	EXPECT_EQ(read(ready[0], &c, 1), 1);
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(write(go[1], "g", 1), 1);
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 1));

	EXPECT_OK(bind_dev(name, false));
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x", status);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.state, MMB_REGION_REVOKED_USER | MMB_REGION_GONE);
	EXPECT_EQ(ri.mappings, 0);
	EXPECT_ERR(mmb_region_restore(fd, NULL), ENODEV);
	EXPECT(!mmb_region_map(fd, MMB_FAULT_DISCARD, 0, PG) && errno == ENODEV,
	       "mmap after removal: %s", strerror(errno));
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);

	EXPECT_OK(bind_dev(name, true));
	fd = dev_open(name);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.instance, 0);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.state, 0);
	EXPECT_EQ(ri.revokes, 0);
	close(fd);
	return T_PASS;
}

static int test_remove_with_mappings(void)
{
	NEED_SOFT();
	return remove_with_mappings_on("soft0");
}

/*
 * framework/unload_backend_with_users: the same on soft0 and on ivshmem0
 * (device memory behind a BAR), by removal_by_rmmod when it is set.
 */
int region_remove_with_mappings(void)
{
	return on_soft0_and_ivshmem0(remove_with_mappings_on);
}

/* Pin the calling thread to @cpu. */
static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

struct cpu1_waiter {
	volatile uint64_t *addr;
	uint64_t val;
	int err;
	atomic_int done;
};

/* Stores through @addr from CPU 1. */
static void *cpu1_waiter_fn(void *arg)
{
	struct cpu1_waiter *w = arg;

	w->err = pin_to_cpu(1);
	if (w->err) {
		atomic_store(&w->done, -1);
		return NULL;
	}
	*w->addr = w->val;
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * Keeps CPU 1 from everything but interrupts, at SCHED_FIFO, until @stop
 * or for at most 3 s, so that nothing else on it is starved for long.
 */
static void *hog_fn(void *arg)
{
	struct sched_param sp = { .sched_priority = 50 };
	atomic_int *stop = arg;
	uint64_t end = mmb_now_ns() + 3000000000ULL;

	if (pin_to_cpu(1) || sched_setscheduler(0, SCHED_FIFO, &sp))
		return (void *)1;
	while (!atomic_load(stop) && mmb_now_ns() < end)
		;
	return NULL;
}

/*
 * A WAIT fault sleeps without the fault's lock; meanwhile everything the
 * fault came from goes: the mapping is replaced, the file closed, the
 * device removed.  The sleeper, kept off its CPU until all that is done,
 * wakes with nothing of its own left but what it holds itself; it must
 * touch nothing that is gone (the device, the VMA, the module), and its
 * retried store lands in what is mapped now.  Run with slub_debug=FZP (or
 * KASAN), which report a write to the freed device.
 */
static int test_wait_fault_outlives_file(void)
{
	NEED_SOFT();
	const char *drv = "/sys/bus/platform/drivers/mmbridge-soft";
	const char *rt = "/proc/sys/kernel/sched_rt_runtime_us";
	struct cpu1_waiter w = { .val = 0x4f55544c49564553ULL };
	struct mmb_region_info ri;
	pthread_t th, hog;
	atomic_int stop = 0;
	char path[128], splat[256], rt_old[32];
	volatile uint64_t *p;
	void *q, *hog_ret;
	int fd, kfd, i, ret = T_FAIL, done;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	fd = open_region(mmb_dut, &ri);
	EXPECT_OK(fd);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	EXPECT_OK(read_line(rt, rt_old, sizeof(rt_old)));
	EXPECT_OK(pin_to_cpu(0));
	p = mmb_region_map(fd, MMB_FAULT_WAIT, 0, PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	w.addr = p;
	EXPECT_EQ(pthread_create(&th, NULL, cpu1_waiter_fn, &w), 0);
	EXPECT_OK(wait_for_waiters(fd, ri.wait_faults, 1));
	EXPECT_EQ(atomic_load(&w.done), 0);

	/* From here until the hog stops, the sleeper cannot run. */
	EXPECT_OK(write_str(rt, "-1"));
	EXPECT_EQ(pthread_create(&hog, NULL, hog_fn, &stop), 0);
	usleep(50000);
	q = mmap((void *)p, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/unbind", drv);
	if (write_str(path, "mmbridge-soft"))
		t_fail(__LINE__, "unbind: %s", strerror(errno));
	else if (q != (void *)p)
		t_fail(__LINE__, "replace the mapping: %s", strerror(errno));
	else
		ret = T_PASS;
	done = atomic_load(&w.done);
	/* The sleeper's last reference, if it has one, goes now. */
	atomic_store(&stop, 1);
	pthread_join(hog, &hog_ret);
	write_str(rt, rt_old);
	pthread_join(th, NULL);
	snprintf(path, sizeof(path), "%s/bind", drv);
	write_str(path, "mmbridge-soft");
	if (ret != T_PASS)
		return ret;
	EXPECT(!hog_ret, "the hog could not take CPU 1");
	EXPECT(!done, "the sleeper ran before the device was gone");
	EXPECT_OK(w.err);
	EXPECT_EQ(atomic_load(&w.done), 1);
	EXPECT_EQ(*p, w.val);	/* the retried store hit the new mapping */
	EXPECT_EQ(munmap((void *)p, PG), 0);

	/* SLUB checks the freed device's memory (slub_debug=FZP). */
	EXPECT(slab_validate() > 0, "no kmalloc cache to validate");
	for (i = 0; i < 200 && (fd = dev_open(mmb_dut)) < 0; i++)
		usleep(10000);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.state, 0);
	close(fd);
	EXPECT(!kmsg_splat(kfd, splat, sizeof(splat)), "kernel: %s", splat);
	close(kfd);
	return T_PASS;
}

struct pipe_reader {
	int fd;
	void *buf;
	size_t len;
	ssize_t ret;
	int err;
	atomic_int done;
};

static void *pipe_reader_fn(void *arg)
{
	struct pipe_reader *r = arg;

	r->ret = read(r->fd, r->buf, r->len);
	r->err = r->ret < 0 ? errno : 0;
	atomic_store(&r->done, 1);
	return NULL;
}

/*
 * WAIT is for user-mode accesses only: a system call that writes into a
 * revoked WAIT mapping (here read() from a pipe) gets -EFAULT at once
 * instead of sleeping, possibly holding locks, until someone restores.
 */
static int test_wait_kernel_access_efault(void)
{
	struct mmb_region_info ri, ri2;
	struct pipe_reader r = { 0 };
	char data[PG];
	pthread_t th;
	int fd = open_region(mmb_dut, &ri), pfd[2], i;
	void *p;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_WAIT, PG, 2 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_EQ(pipe(pfd), 0);
	memset(data, 0x6b, sizeof(data));
	EXPECT_EQ(write(pfd[1], data, sizeof(data)), (ssize_t)sizeof(data));
	EXPECT_OK(mmb_region_revoke(fd, NULL));

	r.fd = pfd[0];
	r.buf = (char *)p + PG;
	r.len = PG;
	EXPECT_EQ(pthread_create(&th, NULL, pipe_reader_fn, &r), 0);
	/* A reader that slept would wait until the restore below. */
	for (i = 0; i < 500 && !atomic_load(&r.done); i++)
		usleep(10000);
	if (!atomic_load(&r.done)) {
		mmb_region_restore(fd, NULL);
		pthread_join(th, NULL);
		FAIL("read() into a revoked WAIT mapping slept until restore "
		     "(returned %zd)", r.ret);
	}
	EXPECT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(r.ret, -1);
	EXPECT_EQ(r.err, EFAULT);
	EXPECT_OK(region_info(fd, &ri2));
	EXPECT_EQ(ri2.wait_faults, ri.wait_faults);
	/* Refused once, or twice where copy_to_user() retries the bytes at
	 * the fault one at a time (6.1). */
	EXPECT(ri2.sigbus_faults - ri.sigbus_faults >= 1 &&
	       ri2.sigbus_faults - ri.sigbus_faults <= 2,
	       "%llu refused faults, expected 1 or 2",
	       (unsigned long long)(ri2.sigbus_faults - ri.sigbus_faults));

	/* The pipe kept its data; restored, the same read() lands. */
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(read(pfd[0], (char *)p + PG, PG), (ssize_t)PG);
	EXPECT_EQ(memcmp((char *)p + PG, data, PG), 0);
	EXPECT_EQ(dev_word(fd, 2 * PG + 8), 0x6b6b6b6b6b6b6b6bULL);
	memset(p, 0, 2 * PG);
	EXPECT_OK(mmb_region_unmap(p, 2 * PG));
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	return T_PASS;
}

/* Every word of page @pg of @p is @first at word 0, @last at word 511, else 0. */
static int check_scratch(volatile uint64_t *p, int pg, uint64_t first,
			 uint64_t last)
{
	volatile uint64_t *w = p + pg * (PG / 8);
	size_t i;

	for (i = 0; i < PG / 8; i++) {
		uint64_t want = i == 0 ? first : i == PG / 8 - 1 ? last : 0;

		if (w[i] != want)
			FAIL("revoked page %d word %zu is 0x%llx, expected 0x%llx",
			     pg, i, (unsigned long long)w[i],
			     (unsigned long long)want);
	}
	return T_PASS;
}

/*
 * A revoked DISCARD mapping has a zeroed scratch page per page: a store
 * lands in its own page only (also through /proc/self/mem), the device
 * keeps its data, and every revocation starts from zeros again.
 */
static int test_discard_per_page(void)
{
	enum { N = 4 };
	const uint64_t v = 0xd15ca4d000000000ULL;
	struct mmb_region_info ri;
	uint64_t dev[N * PG / 8], back[PG / 8], w;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), mem, i, r;
	size_t k;

	EXPECT_OK(fd);
	for (k = 0; k < N * PG / 8; k++)
		dev[k] = 0xde0000000000ULL + k;
	EXPECT_OK(mmb_mem_write(fd, 0, dev, sizeof(dev)));
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, N * PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_EQ(p[1], dev[1]);
	mem = open("/proc/self/mem", O_RDWR);
	EXPECT(mem >= 0, "/proc/self/mem: %s", strerror(errno));

	EXPECT_OK(mmb_region_revoke(fd, NULL));
	for (i = 0; i < N; i++) {
		r = check_scratch(p, i, 0, 0);
		if (r)
			return r;
	}
	/* Pages 0 and 2 stored to, page 3 written by a debugger. */
	p[0] = v;
	p[PG / 8 - 1] = v + 1;
	p[2 * PG / 8] = v + 2;
	p[3 * PG / 8 - 1] = v + 3;
	w = v + 4;
	EXPECT_EQ(pwrite(mem, &w, 8, (uintptr_t)(p + 3 * PG / 8)), 8);
	r = check_scratch(p, 0, v, v + 1);
	if (!r)
		r = check_scratch(p, 1, 0, 0);
	if (!r)
		r = check_scratch(p, 2, v + 2, v + 3);
	if (!r)
		r = check_scratch(p, 3, v + 4, 0);
	if (r)
		return r;
	EXPECT_EQ(pread(mem, back, PG, (uintptr_t)(p + PG / 8)), PG);
	for (k = 0; k < PG / 8; k++)
		EXPECT(!back[k], "/proc/self/mem: page 1 word %zu is 0x%llx",
		       k, (unsigned long long)back[k]);
	EXPECT_EQ(pread(mem, back, PG, (uintptr_t)(p + 2 * PG / 8)), PG);
	EXPECT_EQ(back[0], v + 2);
	EXPECT_EQ(back[PG / 8 - 1], v + 3);
	EXPECT_EQ(back[1], 0);

	/* The device never saw any of it. */
	EXPECT_OK(mmb_region_restore(fd, NULL));
	for (k = 0; k < N * PG / 8; k++)
		EXPECT(p[k] == dev[k], "word %zu after restore: 0x%llx", k,
		       (unsigned long long)p[k]);
	/* The next revocation: zeros again. */
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	for (i = 0; i < N; i++) {
		r = check_scratch(p, i, 0, 0);
		if (r)
			return r;
	}
	EXPECT_OK(mmb_region_restore(fd, NULL));
	close(mem);
	memset(dev, 0, sizeof(dev));
	EXPECT_OK(mmb_mem_write(fd, 0, dev, sizeof(dev)));
	EXPECT_OK(mmb_region_unmap((void *)p, N * PG));
	close(fd);
	return T_PASS;
}

/*
 * Scratch pages belong to the mapping, so a child that inherited it by
 * fork() shares them as it shares the MAP_SHARED mapping itself: each
 * sees the other's stores, each page in its own place.
 */
static int test_discard_fork_shared(void)
{
	const uint64_t a = 0xaaaa5555aaaa0001ULL, b = 0xbbbb4444bbbb0002ULL;
	struct mmb_region_info ri;
	volatile uint64_t *p;
	int fd = open_region(mmb_dut, &ri), status, r;
	pid_t pid;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, 2 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	p[0] = a;
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (!pid) {
		if (p[0] != a)
			_exit(10);
		if (p[PG / 8])
			_exit(11);
		p[PG / 8] = b;
		_exit(p[0] == a ? 0 : 12);
	}
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x (10: parent's store unseen, 11: page 1 not zero, 12: its store landed on page 0)",
	       status);
	r = check_scratch(p, 0, a, 0);
	if (!r)
		r = check_scratch(p, 1, b, 0);
	if (r)
		return r;
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_OK(mmb_region_unmap((void *)p, 2 * PG));
	close(fd);
	return T_PASS;
}

#define SCRATCH_CG	"/sys/fs/cgroup/mmb-region-scratch"
#define SCRATCH_MAPS	2048

static long long cg_current(void)
{
	char buf[32] = "";
	int fd = open(SCRATCH_CG "/memory.current", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atoll(buf) : -1;
}

/*
 * In the cgroup: 2048 region mappings, each of which then faults in a
 * scratch page while the region is revoked.
 */
static void scratch_child(void)
{
	static volatile char *maps[SCRATCH_MAPS];
	long long before, after;
	int fd = dev_open(mmb_dut), i;

	if (fd < 0 || write_str(SCRATCH_CG "/cgroup.procs", "0"))
		_exit(3);
	before = cg_current();
	for (i = 0; i < SCRATCH_MAPS; i++) {
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, MMB_MMAP_REGION(MMB_FAULT_DISCARD));

		if (p == MAP_FAILED)
			_exit(4);
		maps[i] = p;
	}
	if (mmb_region_revoke(fd, NULL))
		_exit(5);
	for (i = 0; i < SCRATCH_MAPS; i++)
		(void)*maps[i];
	after = cg_current();
	if (mmb_region_restore(fd, NULL))
		_exit(6);
	printf("# memory.current %lld -> %lld for %d mappings\n", before,
	       after, SCRATCH_MAPS);
	fflush(stdout);
	_exit(before >= 0 && after - before >= (long long)(SCRATCH_MAPS * PG) ?
		      0 : 1);
}

/*
 * The kernel memory a mapping of the region costs (its scratch page, one
 * per mmap()) is charged to the mapper's memory cgroup: 2048 mappings
 * raise its memory.current by at least 8 MiB.
 */
static int test_scratch_pages_charged(void)
{
	int st;
	pid_t pid;

	st = memcg_prepare(SCRATCH_CG);
	if (st != T_PASS)
		return st;
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		scratch_child();
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	rmdir(SCRATCH_CG);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "%d region mappings (%d MiB of scratch pages) not charged to "
	       "the mapper's cgroup (0x%x)", SCRATCH_MAPS, SCRATCH_MAPS / 256,
	       st);
	return T_PASS;
}

/* A word of region @k at word @i: which region and where, recognizably. */
static uint64_t region_word(unsigned int k, size_t i)
{
	return 0x5245474e00000000ULL | (uint64_t)k << 24 | i;
}

/*
 * Without CAP_SYS_RAWIO: the raw region 2 is neither mapped nor exported,
 * nor is a dma-buf of it mapped (-EPERM); region 1 still maps, and the
 * info of region 2 says it is raw.  A child's exit status: 0 or the line.
 */
static int raw_child(int fd, int rawbuf)
{
	struct mmb_region_info ri;
	void *p;

	if (cap_drop(CAP_SYS_RAWIO))
		return 1;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 MMB_MMAP_REGION_AT(2, MMB_FAULT_SIGBUS));
	if (p != MAP_FAILED || errno != EPERM)
		return 2;
	if (mmb_region_export_at(fd, 2, 0, PG, MMB_FAULT_SIGBUS, 0) != -EPERM)
		return 3;
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, rawbuf, 0);
	if (p != MAP_FAILED || errno != EPERM)
		return 4;
	p = mmb_region_map_at(fd, 1, MMB_FAULT_SIGBUS, 0, PG);
	if (!p || *(volatile uint64_t *)p != region_word(1, 0))
		return 5;
	if (mmb_region_info_at(fd, 2, &ri) || ri.features != MMB_REGION_RAW)
		return 6;
	return 0;
}

/*
 * soft0 with soft_regions=3 soft_raw_region=2: region 0 is its device
 * memory, region 1 64 KiB of RAM, region 2 128 KiB that only CAP_SYS_RAWIO
 * maps.  Each region is its own memory, mapped at its own offsets, read by
 * debuggers and exported as its own; each is revoked and restored on its
 * own (one event each, the counter page's region_state being region 0's
 * and its regions_down saying which are down),
 * and a device revocation takes them all.  A region the device does not
 * have is -ENXIO everywhere.
 */
static int several_regions(void)
{
	struct mmb_region_info ri[3], rx;
	const struct mmb_counters *page;
	volatile uint64_t *r0, *r1, *r1d, *r2, *b1;
	struct mmb_counters c0, c1;
	struct mmb_region_ctl ctl;
	uint64_t w = 0, v;
	int fd = dev_open("soft0"), b, rawbuf, st, pmem;
	unsigned int k;
	char path[64];
	size_t i;
	pid_t pid;

	EXPECT_OK(fd);
	for (k = 0; k < 3; k++) {
		EXPECT_OK(mmb_region_info_at(fd, k, &ri[k]));
		EXPECT_EQ(ri[k].nr_regions, 3);
		EXPECT_EQ(ri[k].state, 0);
		EXPECT_EQ(ri[k].cache, MMB_CACHE_WB);
	}
	EXPECT_EQ(ri[1].size, 64 * 1024);
	EXPECT_EQ(ri[2].size, 128 * 1024);
	EXPECT_EQ(ri[0].features, 0);
	EXPECT_EQ(ri[1].features, 0);
	EXPECT_EQ(ri[2].features, MMB_REGION_RAW);

	/* No region 3, nor any further. */
	EXPECT_ERR(mmb_region_info_at(fd, 3, &rx), ENXIO);
	EXPECT_ERR(mmb_region_info_at(fd, UINT32_MAX, &rx), ENXIO);
	EXPECT_ERR(mmb_region_revoke_at(fd, 3, NULL), ENXIO);
	EXPECT_ERR(mmb_region_restore_at(fd, 7, NULL), ENXIO);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(3, MMB_FAULT_SIGBUS)), ENXIO);
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(0x3fff, MMB_FAULT_WAIT)), ENXIO);
	EXPECT_ERR(mmb_region_export_at(fd, 3, 0, PG, MMB_FAULT_SIGBUS, 0),
		   ENXIO);
	/* Region 1's end is its own. */
	EXPECT_ERR(try_mmap(fd, PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(1, MMB_FAULT_SIGBUS) + ri[1].size),
		   ENXIO);
	EXPECT_ERR(try_mmap(fd, ri[1].size + PG, MAP_SHARED,
			    MMB_MMAP_REGION_AT(1, MMB_FAULT_SIGBUS)), ENXIO);
	EXPECT_ERR(mmb_region_export_at(fd, 1, ri[1].size - PG, 2 * PG,
					MMB_FAULT_SIGBUS, 0), ENXIO);

	/* Each region its own memory. */
	r0 = mmb_region_map_at(fd, 0, MMB_FAULT_SIGBUS, 0, ri[1].size);
	r1 = mmb_region_map_at(fd, 1, MMB_FAULT_SIGBUS, 0, ri[1].size);
	r1d = mmb_region_map_at(fd, 1, MMB_FAULT_DISCARD, 0, ri[1].size);
	r2 = mmb_region_map_at(fd, 2, MMB_FAULT_SIGBUS, 0, ri[2].size);
	EXPECT(r0 && r1 && r1d && r2, "map: %s", strerror(errno));
	for (i = 0; i < ri[1].size / 8; i++) {
		r0[i] = region_word(0, i);
		r1[i] = region_word(1, i);
	}
	for (i = 0; i < ri[2].size / 8; i++)
		r2[i] = region_word(2, i);
	for (i = 0; i < ri[1].size / 8; i++) {
		EXPECT(r1d[i] == region_word(1, i), "region 1 word %zu: %#llx",
		       i, (unsigned long long)r1d[i]);
		EXPECT(r0[i] == region_word(0, i), "region 0 word %zu: %#llx",
		       i, (unsigned long long)r0[i]);
	}
	EXPECT_EQ(dev_word(fd, 8 * 100), region_word(0, 100));
	/* A debugger reads each through the process's own mapping. */
	snprintf(path, sizeof(path), "/proc/%d/mem", getpid());
	pmem = open(path, O_RDWR | O_CLOEXEC);
	EXPECT(pmem >= 0, "%s: %s", path, strerror(errno));
	EXPECT_EQ(pread(pmem, &v, 8, (uintptr_t)&r1[77]), 8);
	EXPECT_EQ(v, region_word(1, 77));
	EXPECT_EQ(pread(pmem, &v, 8, (uintptr_t)&r2[4000]), 8);
	EXPECT_EQ(v, region_word(2, 4000));
	close(pmem);

	/* A dma-buf of region 1 is region 1's memory. */
	b = mmb_region_export_at(fd, 1, PG, 2 * PG, MMB_FAULT_SIGBUS, 0);
	EXPECT_OK(b);
	b1 = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, b, 0);
	EXPECT(b1 != MAP_FAILED, "mmap of the dma-buf: %s", strerror(errno));
	EXPECT_EQ(b1[3], region_word(1, PG / 8 + 3));
	EXPECT_OK(mmb_region_info_at(fd, 1, &rx));
	EXPECT_EQ(rx.dmabufs, 1);
	EXPECT_OK(mmb_region_info_at(fd, 0, &rx));
	EXPECT_EQ(rx.dmabufs, 0);

	/* Without CAP_SYS_RAWIO, region 2 is out of reach. */
	rawbuf = mmb_region_export_at(fd, 2, 0, PG, MMB_FAULT_SIGBUS, 0);
	EXPECT_OK(rawbuf);
	fflush(stdout);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(raw_child(fd, rawbuf));
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st),
	       "without CAP_SYS_RAWIO: step %d failed", WEXITSTATUS(st));
	close(rawbuf);

	/* Region 1 revoked alone: one event; region 0 and 2 untouched. */
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	COUNTERS_READ(page, &c0);
	catch_faults();
	EXPECT_OK(mmb_region_revoke_at(fd, 1, &ctl));
	EXPECT_EQ(ctl.state, MMB_REGION_REVOKED_USER);
	EXPECT_EQ(ctl.revokes, 1);
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.revoke_count, c0.revoke_count + 1);
	EXPECT_EQ(c1.irq_count, c0.irq_count + 1);
	EXPECT_EQ(c1.region_state, 0);
	EXPECT_EQ(c1.regions_down, 1U << 1);
	EXPECT_EQ(touch(&r1[5], false, 0, &w), SIGBUS);
	EXPECT_EQ(touch(&b1[5], false, 0, &w), SIGBUS);
	EXPECT_EQ(touch(&r1d[5], false, 0, &w), 0);
	EXPECT_EQ(w, 0);
	EXPECT_EQ(touch(&r0[5], false, 0, &w), 0);
	EXPECT_EQ(w, region_word(0, 5));
	EXPECT_EQ(touch(&r2[5], false, 0, &w), 0);
	EXPECT_EQ(w, region_word(2, 5));
	EXPECT_OK(mmb_region_info_at(fd, 1, &rx));
	EXPECT_EQ(rx.state, MMB_REGION_REVOKED_USER);
	EXPECT_EQ(rx.sigbus_faults, 2);
	EXPECT_EQ(rx.discard_faults, 1);
	EXPECT_OK(mmb_region_info_at(fd, 0, &rx));
	EXPECT_EQ(rx.state, 0);
	EXPECT_EQ(rx.sigbus_faults, ri[0].sigbus_faults);
	EXPECT_OK(mmb_region_restore_at(fd, 1, &ctl));
	EXPECT_EQ(ctl.state, 0);
	EXPECT_EQ(ctl.restores, 1);
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.restore_count, c0.restore_count + 1);
	EXPECT_EQ(c1.regions_down, 0);
	EXPECT_EQ(touch(&r1[5], false, 0, &w), 0);
	EXPECT_EQ(w, region_word(1, 5));
	EXPECT_EQ(b1[5], region_word(1, PG / 8 + 5));

	/* The device's revocation is every region's: three events each way. */
	EXPECT_OK(write_str(dut_sysfs("outage_ms"), "60000"));
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.revoke_count, c0.revoke_count + 4);
	EXPECT_EQ(c1.region_state, MMB_REGION_REVOKED_DEVICE);
	EXPECT_EQ(c1.regions_down, 7);
	for (k = 0; k < 3; k++) {
		EXPECT_OK(mmb_region_info_at(fd, k, &rx));
		EXPECT_EQ(rx.state, MMB_REGION_REVOKED_DEVICE);
	}
	EXPECT_EQ(touch(&r0[5], false, 0, &w), SIGBUS);
	EXPECT_EQ(touch(&r2[5], false, 0, &w), SIGBUS);
	EXPECT_OK(write_str(dut_sysfs("outage_ms"), "0"));
	COUNTERS_READ(page, &c1);
	EXPECT_EQ(c1.restore_count, c0.restore_count + 4);
	EXPECT_EQ(c1.region_state, 0);
	EXPECT_EQ(c1.regions_down, 0);
	EXPECT_EQ(c1.irq_count, c0.irq_count + 8);
	EXPECT_EQ(touch(&r2[5], false, 0, &w), 0);
	EXPECT_EQ(w, region_word(2, 5));

	mmb_counters_unmap(page);
	munmap((void *)b1, 2 * PG);
	close(b);
	munmap((void *)r0, ri[1].size);
	munmap((void *)r1, ri[1].size);
	munmap((void *)r1d, ri[1].size);
	munmap((void *)r2, ri[2].size);
	close(fd);
	return T_PASS;
}

static int test_several_regions(void)
{
	return with_module_params("soft_regions=3 soft_raw_region=2",
				  several_regions);
}

const struct mmb_test region_tests[] = {
	{ "region/scratch_pages_charged", test_scratch_pages_charged },
	{ "region/map_rw", test_map_rw },
	{ "region/revoke_discard_live", test_revoke_discard_live },
	{ "region/revoke_sigbus", test_revoke_sigbus },
	{ "region/revoke_wait_restore", test_revoke_wait_restore },
	{ "region/wait_is_killable", test_wait_is_killable },
	{ "region/wait_does_not_block_mm", test_wait_does_not_block_mm },
	{ "region/revoke_restore_cycles", test_revoke_restore_cycles, 300 },
	{ "region/revoke_events", test_revoke_events },
	{ "region/fork_child", test_fork_child },
	{ "region/close_while_mapped", test_close_while_mapped },
	{ "region/partial_munmap", test_partial_munmap },
	{ "region/mremap", test_mremap },
	{ "region/bad_mmap", test_bad_mmap },
	{ "region/bad_ctl", test_bad_ctl },
	{ "region/huge_mapping", test_huge_mapping },
	{ "region/remove_with_mappings", test_remove_with_mappings },
	{ "region/wait_fault_outlives_file", test_wait_fault_outlives_file },
	{ "region/wait_kernel_access_efault", test_wait_kernel_access_efault },
	{ "region/discard_per_page", test_discard_per_page },
	{ "region/discard_fork_shared", test_discard_fork_shared },
	{ "region/several_regions", test_several_regions },
	{ NULL }
};
