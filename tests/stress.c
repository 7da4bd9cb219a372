// SPDX-License-Identifier: GPL-2.0
/*
 * stress/: every mechanism at once, and processes killed in the middle.
 *
 * stress/all_mechanisms runs one process per mechanism for a bounded time
 * (mmb.stress_s, default 20 s) next to a memory hog that pushes the guest
 * into zram swap.  Every iteration checks its data exactly; afterwards
 * every role made progress, pages really went to swap, pins are balanced
 * and every device passes dev_smoke().
 *
 * stress/kill_storm starts each mechanism in a child and SIGKILLs it a few
 * milliseconds later, four children at a time: exit must tear everything
 * down (no hang, no leak, no splat) whatever the mechanism was doing.
 */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"


static atomic_int *stop;

/* ---- the roles of all_mechanisms; each returns T_PASS or T_FAIL ---- */

static long iters;	/* this role's completed, checked iterations */

/* Worker-thread copies into memory that is being paged out. */
static int role_copy_worker(void)
{
	const size_t len = 1 << 20;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	int fd = dev_open("soft0");
	size_t i;

	EXPECT(buf, "mmap");
	EXPECT_OK(fd);
	while (!atomic_load(stop)) {
		memset(buf, 0, len);
		madvise(buf, len / 2, MADV_PAGEOUT);
		EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, iters,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_EQ(read(fd, buf, len), len);
		for (i = 0; i < len / 8; i++)
			EXPECT(buf[i] == mmb_gen_word(iters, i),
			       "worker copy %ld: word %zu", iters, i);
		iters++;
	}
	return T_PASS;
}

/* Batches of aio reads of a WORKER file, reaped and checked. */
static int role_copy_async(void)
{
	const size_t one = 64 << 10;
	uint8_t *buf = map_anon(8 * one, PROT_READ | PROT_WRITE);
	int fd = dev_open("soft0"), k, got;
	struct io_event ev[8];
	struct iocb cbs[8];
	uint64_t ctx;
	size_t i;

	EXPECT(buf, "mmap");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 7, 0, 0));
	EXPECT_OK(kaio_setup(8, &ctx));
	while (!atomic_load(stop)) {
		memset(buf, 0, 8 * one);
		for (k = 0; k < 8; k++)
			EXPECT_OK(kaio_read(ctx, &cbs[k], fd, buf + k * one, one,
					    0, k * one, k));
		for (got = 0; got < 8;) {
			int n = kaio_reap(ctx, 1, 8, ev, 60000);

			EXPECT(n > 0, "io_getevents: %d", n);
			for (k = 0; k < n; k++)
				EXPECT_EQ(ev[k].res, one);
			got += n;
		}
		for (i = 0; i < 8 * one / 8; i++)
			EXPECT(((uint64_t *)buf)[i] == mmb_gen_word(7, i),
			       "aio read: word %zu", i);
		iters++;
	}
	kaio_destroy(ctx);
	return T_PASS;
}

/* Interrupts: triggers, an event fd, the counter page and a pinned ring. */
static int role_irq(void)
{
	const char *name = access(MMB_DEV_DIR "/edu0", F_OK) ? "soft0" : "edu0";
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_ring *ring = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	uint64_t head0, ev;
	uint32_t raised, id;
	int fd = dev_open(name), efd;

	EXPECT(ring, "mmap");
	EXPECT_OK(fd);
	efd = mmb_event_open(fd, 0);
	EXPECT_OK(efd);
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	EXPECT_OK(mmb_pin_region(fd, ring, 4 * PG, &id, NULL));
	while (!atomic_load(stop)) {
		COUNTERS_READ(page, &c0);
		head0 = mmb_ring_head(ring);
		EXPECT_OK(mmb_irq_trigger(fd, 3, &raised));
		EXPECT_EQ(raised, 3);
		COUNTERS_READ(page, &c1);
		EXPECT(c1.irq_count >= c0.irq_count + 3, "%s: counter page %llu -> %llu",
		       name, (unsigned long long)c0.irq_count,
		       (unsigned long long)c1.irq_count);
		EXPECT(mmb_ring_head(ring) >= head0 + 3, "%s: ring head %llu -> %llu",
		       name, (unsigned long long)head0,
		       (unsigned long long)mmb_ring_head(ring));
		EXPECT_OK(mmb_event_wait(efd, &ev));
		EXPECT(ev >= 1, "event count %llu", (unsigned long long)ev);
		iters++;
	}
	EXPECT_OK(mmb_unpin_region(fd, id));
	return T_PASS;
}

/* What a bad frame held, and the stream's counts, for the log. */
static void stream_report(int sfd, const uint8_t *p, uint64_t size,
			  const struct mmb_frame *f, long bad)
{
	struct mmb_stream_status st;
	uint64_t zeros = 0, i;

	for (i = 0; i < size; i++)
		zeros += !p[i];
	printf("# frame %llu (index %u): bytes %ld..%ld:",
	       (unsigned long long)f->seq, f->index, bad, bad + 15);
	for (i = bad; i < size && i < (uint64_t)bad + 16; i++)
		printf(" %02x", p[i]);
	printf("; %llu of %llu bytes zero\n", (unsigned long long)zeros,
	       (unsigned long long)size);
	if (!mmb_stream_status(sfd, &st))
		printf("# stream: produced %llu delivered %llu aborted %llu errors %llu pattern %llu\n",
		       (unsigned long long)st.produced,
		       (unsigned long long)st.delivered,
		       (unsigned long long)st.aborted,
		       (unsigned long long)st.errors,
		       (unsigned long long)st.pattern_size);
}

/* Zero-copy DMA frames into the process's pinned memory, checked. */
static int role_stream(void)
{
	const uint64_t size = 4 * PG;
	struct mmb_stream_status st;
	struct mmb_frame f;
	uint8_t *mem = map_anon(4 * size, PROT_READ | PROT_WRITE);
	void *frames[4];
	int fd = dev_open("edu0"), sfd, k;
	long bad;

	if (fd == -ENOENT)
		fd = dev_open("soft0");
	EXPECT(mem, "mmap");
	EXPECT_OK(fd);
	for (k = 0; k < 4; k++)
		frames[k] = mem + k * size;
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 4, size, frames, 11,
			       0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	while (!atomic_load(stop)) {
		EXPECT_OK(mmb_stream_next(sfd, &f));
		bad = mmb_stream_check(frames[f.index], size, 11, st.pattern_size,
				       f.seq);
		if (bad >= 0)
			stream_report(sfd, frames[f.index], size, &f, bad);
		EXPECT(bad < 0, "frame %llu: byte %ld", (unsigned long long)f.seq,
		       bad);
		EXPECT_OK(mmb_stream_release(sfd, f.index));
		iters++;
	}
	close(sfd);
	return T_PASS;
}

/* Revocation: one process revokes and restores ... */
static int role_revoker(void)
{
	int fd = dev_open("ivshmem0");

	if (fd == -ENOENT)
		fd = dev_open("soft0");
	EXPECT_OK(fd);
	while (!atomic_load(stop)) {
		EXPECT_OK(mmb_region_revoke(fd, NULL));
		usleep(2000);
		EXPECT_OK(mmb_region_restore(fd, NULL));
		usleep(3000);
		iters++;
	}
	return T_PASS;
}

/* ... while another loads, stores and reads through /proc/self/mem. */
static int role_region_user(void)
{
	const size_t len = 64 << 10;
	volatile uint64_t *map;
	uint64_t v;
	int fd = dev_open("ivshmem0"), mem;
	size_t i;

	if (fd == -ENOENT)
		fd = dev_open("soft0");
	EXPECT_OK(fd);
	/* At 12 MiB: clear of the ranges that the host checks afterwards. */
	map = mmb_region_map(fd, MMB_FAULT_DISCARD, 12 << 20, len);
	EXPECT(map, "region: %s", strerror(errno));
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	EXPECT_OK(mem);
	while (!atomic_load(stop)) {
		for (i = 0; i < len / 8; i += 61)
			map[i] = iters + i;
		for (i = 0; i < len / 8; i += 67)
			v = map[i];
		EXPECT_EQ(pread(mem, &v, 8, (uintptr_t)map + 8 * (iters % (len / 8))),
			  8);
		iters++;
	}
	/* Once live again, stores stick. */
	usleep(20000);
	{
		struct mmb_region_ctl rc;

		EXPECT_OK(mmb_region_restore(fd, &rc));
	}
	for (i = 0; i < len / 8; i++)
		map[i] = ~i;
	for (i = 0; i < len / 8; i++)
		EXPECT_EQ(map[i], ~i);
	EXPECT_OK(mmb_region_unmap((void *)map, len));
	return T_PASS;
}

/* Objects moved back and forth, every word checked after each move. */
static int role_objects(void)
{
	const size_t len = 256 << 10;
	volatile uint64_t *p;
	uint64_t off;
	uint32_t h;
	int fd = dev_open("soft0"), mem;
	size_t i;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_RAM, &h, &off));
	p = mmb_obj_map(fd, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	EXPECT_OK(mem);
	while (!atomic_load(stop)) {
		uint64_t v;

		for (i = 0; i < len / 8; i++)
			p[i] = iters * 1000003 + i;
		EXPECT_OK(mmb_obj_migrate(fd, h, iters & 1 ? MMB_OBJ_RAM :
							 MMB_OBJ_DEVICE));
		for (i = 0; i < len / 8; i++)
			EXPECT(p[i] == iters * 1000003 + i, "object word %zu after "
			       "move %ld", i, iters);
		EXPECT_EQ(pread(mem, &v, 8, (uintptr_t)p + 8 * (iters % 512)), 8);
		EXPECT_EQ(v, iters * 1000003 + iters % 512);
		iters++;
	}
	return T_PASS;
}

/*
 * Interrupt-queued copies: the handler queues a write of its record into
 * this process's memory, which a child keeps paging out (a shared
 * anonymous page: the child's MADV_PAGEOUT reaches it).
 */
static int role_irq_copy(void)
{
	struct mmb_irq_record *rec = mmap(NULL, PG, PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile struct mmb_irq_record *vr = rec;
	struct mmb_info info;
	int fd = dev_open("soft0");
	uint64_t deadline;
	pid_t child;

	EXPECT(rec != MAP_FAILED, "mmap");
	EXPECT_OK(fd);
	child = fork();
	EXPECT(child >= 0, "fork");
	if (!child) {
		for (;;) {	/* until the parent is done with it */
			madvise(rec, PG, MADV_PAGEOUT);
			usleep(2000);
		}
	}
	EXPECT_OK(mmb_irq_copy(fd, rec));
	while (!atomic_load(stop)) {
		EXPECT_OK(mmb_irq_trigger(fd, 2, NULL));
		EXPECT_OK(mmb_info(fd, &info));
		deadline = mmb_now_ns() + 5000000000ULL;
		while (vr->irq_count < info.irq_count && mmb_now_ns() < deadline)
			usleep(500);
		EXPECT(vr->irq_count >= info.irq_count,
		       "record at %llu after interrupt %llu",
		       (unsigned long long)vr->irq_count,
		       (unsigned long long)info.irq_count);
		iters++;
	}
	EXPECT_OK(mmb_irq_copy(fd, NULL));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return T_PASS;
}

/* SwapTotal - SwapFree (kernels without VM event counters have no
 * pswpout). */
static long long swap_used_kb(void)
{
	long long total = -1, free_kb = -1, v;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SwapTotal: %lld kB", &v) == 1)
			total = v;
		else if (sscanf(line, "SwapFree: %lld kB", &v) == 1)
			free_kb = v;
	}
	fclose(f);
	return total < 0 || free_kb < 0 ? -1 : total - free_kb;
}

/*
 * Memory pressure: allocate and touch 16 MiB chunks until the guest has
 * put at least 8 MiB more into swap (or MemTotal is reached), then keep
 * touching all of it.
 */
static int role_hog(void)
{
	const size_t chunk = 16 << 20;
	long long base = swap_used_kb(), total_kb = -1;
	uint8_t *chunks[256];
	char line[128];
	size_t i, n = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	EXPECT(f, "meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &total_kb) == 1)
			break;
	fclose(f);
	EXPECT(base >= 0 && total_kb > 0, "no swap or MemTotal in /proc/meminfo");
	while (!atomic_load(stop) && n < 256 &&
	       (long long)(n * (chunk >> 10)) < total_kb &&
	       swap_used_kb() - base < 8192) {
		chunks[n] = map_anon(chunk, PROT_READ | PROT_WRITE);
		EXPECT(chunks[n], "mmap: %s", strerror(errno));
		for (i = 0; i < chunk; i += PG)
			chunks[n][i] = (uint8_t)(i >> 12) | 1;
		n++;
	}
	while (!atomic_load(stop)) {
		for (i = 0; i < n * chunk && !atomic_load(stop); i += PG)
			chunks[i / chunk][i % chunk] += 1;
		iters++;
	}
	if (!iters)
		iters = n;
	return T_PASS;
}

static const struct {
	const char *name;
	int (*fn)(void);
} roles[] = {
	{ "copy_worker", role_copy_worker },
	{ "copy_async", role_copy_async },
	{ "irq", role_irq },
	{ "stream", role_stream },
	{ "revoker", role_revoker },
	{ "region_user", role_region_user },
	{ "objects", role_objects },
	{ "irq_copy", role_irq_copy },
	{ "hog", role_hog },
};
#define NR_ROLES (int)(sizeof(roles) / sizeof(roles[0]))

struct role_result {
	long iters;
	int verdict;
	char msg[200];
};

static int test_all_mechanisms(void)
{
	struct role_result *res;
	long long swapped0, swapped;
	unsigned int secs = 20;
	struct pins p0, p1;
	pid_t pids[NR_ROLES];
	char buf[32];
	int k, st, r;

	if (cmdline_get("mmb.stress_s", buf, sizeof(buf)))
		secs = strtoul(buf, NULL, 0);
	stop = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	res = mmap(NULL, NR_ROLES * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(stop != MAP_FAILED && res != MAP_FAILED, "mmap");
	p0 = pins_now();
	swapped0 = swap_used_kb();

	for (k = 0; k < NR_ROLES; k++) {
		pids[k] = fork();
		EXPECT(pids[k] >= 0, "fork: %s", strerror(errno));
		if (!pids[k]) {
			res[k].verdict = roles[k].fn();
			res[k].iters = iters;
			snprintf(res[k].msg, sizeof(res[k].msg), "%s", t_last_msg());
			_exit(0);
		}
		res[k].verdict = -1;
	}
	/* The most swap in use while everything runs. */
	swapped = swap_used_kb();
	for (k = 0; k < (int)secs * 10; k++) {
		long long now_kb;

		usleep(100000);
		now_kb = swap_used_kb();
		if (now_kb > swapped)
			swapped = now_kb;
	}
	atomic_store(stop, 1);
	for (k = 0; k < NR_ROLES; k++) {
		EXPECT_EQ(waitpid(pids[k], &st, 0), pids[k]);
		/* The hog may be the OOM killer's choice; the others not. */
		if (k == NR_ROLES - 1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			continue;
		EXPECT(WIFEXITED(st) && !WEXITSTATUS(st),
		       "role %s: status %#x", roles[k].name, st);
		EXPECT(res[k].verdict == T_PASS, "role %s: %s", roles[k].name,
		       res[k].msg);
		EXPECT(res[k].iters > 0, "role %s made no progress", roles[k].name);
	}
	printf("# %u s:", secs);
	for (k = 0; k < NR_ROLES; k++)
		printf(" %s %ld", roles[k].name, res[k].iters);
	printf("; up to %lld KiB in swap (%lld before)\n", swapped, swapped0);
	EXPECT(swapped > swapped0, "nothing went to swap: no memory pressure");

	EXPECT(pins_settle(p0, &p1),
	       "%lld pins acquired, %lld released", p1.acquired - p0.acquired,
	       p1.released - p0.released);
	EXPECT(p1.acquired > p0.acquired, "no pins taken");
	for (k = 0; k < 3; k++) {
		r = dev_smoke((const char *[]){ "soft0", "edu0", "ivshmem0" }[k]);
		if (r != T_PASS)
			return r;
	}
	return T_PASS;
}

/* ---- kill_storm ---- */

/* Start mechanism @k in this (child) process; return once it runs. */
static int start_mechanism(int k, uint64_t seed)
{
	static uint8_t *mem;
	int fd = dev_open(k == 2 || k == 7 ? "edu0" : k == 6 ? "ivshmem0" : "soft0");
	volatile uint64_t *p;
	uint64_t off;
	uint32_t h, id;
	int i, sfd;

	if (fd < 0)
		fd = dev_open("soft0");
	if (fd < 0)
		return fd;
	mem = map_anon(4 << 20, PROT_READ | PROT_WRITE);
	if (!mem)
		return -ENOMEM;
	switch (k) {
	case 0:	/* a worker copy of 4 MiB */
		mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed, 0, 0);
		return read(fd, mem, 4 << 20) < 0 ? -errno : 0;
	case 1: {	/* 64 aio reads in flight, never reaped */
		static struct iocb cbs[64];
		uint64_t ctx;

		mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed, 0, 0);
		if (kaio_setup(64, &ctx))
			return -EIO;
		for (i = 0; i < 64; i++)
			kaio_read(ctx, &cbs[i], fd, mem + i * 65536, 65536, 0, 0,
				  i);
		return 0;
	}
	case 2: {	/* a zero-copy stream running flat out */
		void *frames[8];

		for (i = 0; i < 8; i++)
			frames[i] = mem + i * 16384;
		sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 8, 16384, frames,
				       seed, 0, 0, 0);
		return sfd < 0 ? sfd : mmb_stream_start(sfd);
	}
	case 3:	/* a pinned ring, the timer at 50 us, an IRQ_COPY target */
		mmb_pin_region(fd, mem, 1 << 20, &id, NULL);
		mmb_irq_copy(fd, (void *)(mem + (2 << 20)));
		return mmb_irq_timer(fd, 50000);
	case 4:	/* objects moving */
		if (mmb_obj_create(fd, 1 << 20, MMB_OBJ_RAM, &h, &off))
			return -EIO;
		p = mmb_obj_map(fd, off, 1 << 20);
		for (i = 0; p && i < 1000; i++) {
			p[i] = i;
			mmb_obj_migrate(fd, h, i & 1 ? MMB_OBJ_RAM : MMB_OBJ_DEVICE);
		}
		return 0;
	case 5:	/* worker copies out of a written buffer source */
		memset(mem, 0x77, 1 << 20);
		if (write(fd, mem, 1 << 20) != 1 << 20)
			return -errno;
		mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_BUFFER, 0, 0, 0);
		for (i = 0; i < 50; i++)
			if (read(fd, mem + (2 << 20), 1 << 20) < 0)
				return -errno;
		return 0;
	case 6:	/* a fault waiting on the revoked region */
		p = mmb_region_map(fd, MMB_FAULT_WAIT, 0, 4 * PG);
		return p ? (int)p[0] : -errno;
	default:	/* many triggers, waited for */
		return mmb_irq_trigger(fd, 100000, NULL);
	}
}

static int test_kill_storm(void)
{
	const int rounds = 64, par = 4;
	struct mmb_region_ctl rc;
	struct pins p0, p1;
	uint64_t t0 = mmb_now_ns();
	int ivs, r, k, st, n = 0;
	pid_t pids[4];
	int ready[4][2];

	p0 = pins_now();
	ivs = dev_open("ivshmem0");
	if (ivs < 0)
		ivs = dev_open("soft0");
	EXPECT_OK(ivs);
	EXPECT_OK(mmb_region_revoke(ivs, &rc));	/* for mechanism 6 */
	srandom(test_seed());

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < par; k++) {
			int mech = (r * par + k) % 8;

			EXPECT_OK(pipe(ready[k]) ? -errno : 0);
			pids[k] = fork();
			EXPECT(pids[k] >= 0, "fork: %s", strerror(errno));
			if (!pids[k]) {
				close(ready[k][0]);
				/* Say "running" just before the mechanism starts;
				 * blocking ones never return from it. */
				if (write(ready[k][1], "r", 1) != 1)
					_exit(1);
				start_mechanism(mech, r);
				pause();
				_exit(0);
			}
			close(ready[k][1]);
		}
		for (k = 0; k < par; k++) {
			char c;

			EXPECT_EQ(read(ready[k][0], &c, 1), 1);
			close(ready[k][0]);
		}
		usleep(random() % 20000);
		for (k = 0; k < par; k++)
			kill(pids[k], SIGKILL);
		for (k = 0; k < par; k++) {
			uint64_t deadline = mmb_now_ns() + 20000000000ULL;
			pid_t w;

			while ((w = waitpid(pids[k], &st, WNOHANG)) == 0 &&
			       mmb_now_ns() < deadline)
				usleep(1000);
			EXPECT(w == pids[k], "child with mechanism %d did not die "
			       "within 20 s of SIGKILL", (r * par + k) % 8);
			n++;
		}
	}
	EXPECT_OK(mmb_region_restore(ivs, &rc));
	close(ivs);
	printf("# %d children killed in %.1f s\n", n, (mmb_now_ns() - t0) / 1e9);

	EXPECT(pins_settle(p0, &p1),
	       "%lld pins acquired, %lld released", p1.acquired - p0.acquired,
	       p1.released - p0.released);
	for (k = 0; k < 3; k++) {
		r = dev_smoke((const char *[]){ "soft0", "edu0", "ivshmem0" }[k]);
		if (r != T_PASS)
			return r;
	}
	r = module_reload();
	EXPECT(r >= 0, "module reload: %s", strerror(-r));
	return T_PASS;
}

const struct mmb_test stress_tests[] = {
	{ "stress/all_mechanisms", test_all_mechanisms, 300 },
	{ "stress/kill_storm", test_kill_storm, 300 },
	{ NULL }
};
