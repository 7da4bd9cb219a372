// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge migrate, the demo's migratable-object section and
 * `mmbridge bench object`.
 *
 * bench object: soft0 (pool in RAM, soft_pool_mb=64), a mapped 16 MiB
 * object of the root memory cgroup; REPS repeats of ROUNDS rounds of the
 * variants below, the order rotating from round to round; a repeat's
 * figure is the median of its rounds'.  CPU is this process's CPU clock
 * over the timed calls (the moves are done by the calling thread, no
 * kernel thread helps).
 *   migrate_warm    the object moves RAM -> pool -> RAM (MMB_IOC_OBJ_MIGRATE,
 *                   each move timed); the RAM cache holds at least the
 *                   object's size before the move to RAM (the pages the move
 *                   to the pool gave up: checked).  After each move a load
 *                   from every page (timed apart: the faults that map the
 *                   new place, fault_object_ns and fault_object_ram_ns),
 *                   then every word checked and rewritten (untimed), so the
 *                   move back carries new data.
 *   migrate_cold    the same, the RAM cache emptied before each move to RAM:
 *                   drop_caches=2 runs every shrinker, the cache's among
 *                   them, and MMB_IOC_OBJ_INFO must report it empty.
 *   memcpy_ram_dev  the baseline, beside every move of both: memcpy() of the
 *                   same 16 MiB in the same direction, from a populated RAM
 *                   buffer into a populated mapping of soft0's region (its
 *                   device memory, RAM like the pool) or back, timed right
 *                   before or right after the move (alternately), every
 *                   word of the destination checked (untimed).  A ratio is
 *                   the median of the rounds' ratios of a round trip's
 *                   moves to its two memcpy() calls.
 *   move_writer     once a repeat: a thread stores into word 0 of every page
 *                   of the object, sweep after sweep, reading the clock after
 *                   each store, while the object moves to the pool and back;
 *                   for each move the writer's longest gap between two
 *                   stores that overlaps it, against the move's time (the
 *                   worse of the two moves is the repeat's).  Every page
 *                   must hold the writer's last store at the end.
 * Migration's figures count the moves; ratio_migrate_touch_* add the
 * faults that map the new place, which a memcpy() user does not pay.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmbridge.h"
#include "../lib/mmb_test.h"
#include "bench.h"
#include "object.h"

#define PG	mmb_page_size()
#define MIB	(1024UL * 1024)

void object_print(int fd)
{
	struct mmb_obj_info oi;

	if (mmb_obj_info(fd, 0, &oi))
		return;
	printf("object pool: %llu KiB, %llu KiB free, %u objects, %llu evictions; RAM cache %llu KiB\n",
	       (unsigned long long)oi.pool_size >> 10,
	       (unsigned long long)oi.pool_free >> 10, oi.objects,
	       (unsigned long long)oi.evictions,
	       (unsigned long long)oi.ram_cache >> 10);
}

static void fill(volatile uint64_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

/* Index of the first word that differs, or -1. */
static long check(volatile uint64_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (p[i] != (seed ^ (i * 0x9e3779b97f4a7c15ULL)))
			return i;
	return -1;
}


/*
 * mmbridge migrate DEV [SIZE_MIB [ROUNDS]]: an object moves between RAM
 * and DEV's pool ROUNDS times each way, mapped and checked all along.
 */
int cmd_migrate(const char *name, size_t size_mib, unsigned int rounds)
{
	size_t len = size_mib * MIB;
	uint64_t t_dev = 0, t_ram = 0, t0, seed = mmb_now_ns();
	volatile uint64_t *p;
	struct mmb_obj_info oi;
	unsigned int r;
	int fd, ret;
	uint32_t h;
	long bad;

	fd = mmb_open(name, 0);
	if (fd < 0) {
		fprintf(stderr, "mmbridge: %s: %s\n", name, strerror(-fd));
		return 1;
	}
	p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!p) {
		fprintf(stderr, "mmbridge: migrate: object of %zu MiB on %s: %s\n",
			size_mib, name, strerror(errno));
		close(fd);
		return 1;
	}
	fill(p, len, seed);
	for (r = 0; r < rounds; r++) {
		t0 = mmb_now_ns();
		ret = mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE);
		t_dev += mmb_now_ns() - t0;
		if (!ret && (bad = check(p, len, seed)) >= 0)
			ret = -EIO;
		if (!ret) {
			seed++;
			fill(p, len, seed);
			t0 = mmb_now_ns();
			ret = mmb_obj_migrate(fd, h, MMB_OBJ_RAM);
			t_ram += mmb_now_ns() - t0;
		}
		if (!ret && (bad = check(p, len, seed)) >= 0)
			ret = -EIO;
		if (ret) {
			fprintf(stderr, "mmbridge: migrate: round %u: %s\n", r,
				strerror(-ret));
			break;
		}
	}
	if (!ret && !mmb_obj_info(fd, h, &oi)) {
		printf("%s: %zu MiB object, %u round trips, every word checked after each move\n",
		       name, size_mib, rounds);
		printf("  RAM -> device: %8.1f MB/s\n",
		       rounds * (double)len * 1e3 / (t_dev ? t_dev : 1));
		printf("  device -> RAM: %8.1f MB/s\n",
		       rounds * (double)len * 1e3 / (t_ram ? t_ram : 1));
		printf("  migrations %llu, faults %llu\n",
		       (unsigned long long)oi.migrations,
		       (unsigned long long)oi.faults);
	}
	munmap((void *)p, len);
	close(fd);
	return ret ? 1 : 0;
}

struct demo_writer {
	volatile uint64_t *p;
	size_t words;
	atomic_bool stop;
	uint64_t seq;
};

static void *demo_writer_fn(void *arg)
{
	struct demo_writer *w = arg;
	size_t i;

	while (!atomic_load(&w->stop)) {
		w->seq++;
		for (i = 0; i < w->words; i++)
			w->p[i] = w->seq;
	}
	return NULL;
}

/*
 * One object moves back and forth under a writer's stores, is read the
 * debugger's way, and a full pool evicts its least recently used object.
 */
int demo_object(int fd, const char *name)
{
	const size_t len = 256 * 1024;
	struct demo_writer w = { .words = len / 8 };
	struct mmb_obj_info pool, oi;
	uint64_t t0, word = 0, base;
	uint32_t h, hs[40];
	void *ps[40];
	pthread_t th;
	int i, n, mfd, ret = -EIO;
	size_t k;

	if (mmb_obj_info(fd, 0, &pool))
		return -EOPNOTSUPP;
	w.p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!w.p)
		return -errno;
	printf("  a %zu KiB object in RAM, mapped at %p; a thread stores sequence numbers into every word\n",
	       len >> 10, (void *)w.p);
	pthread_create(&th, NULL, demo_writer_fn, &w);
	t0 = mmb_now_ns();
	for (i = 0; i < 200; i++)
		if (mmb_obj_migrate(fd, h, i & 1 ? MMB_OBJ_RAM : MMB_OBJ_DEVICE))
			break;
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	mmb_obj_info(fd, h, &oi);
	for (k = 0; k < w.words && w.p[k] == w.seq; k++)
		;
	printf("  %d moves RAM <-> device in %.1f ms under the writer (%llu sweeps, %llu faults): %s\n",
	       i, (mmb_now_ns() - t0) / 1e6, (unsigned long long)w.seq,
	       (unsigned long long)oi.faults,
	       k == w.words ? "every word holds its last store" : "A STORE WAS LOST");
	if (i != 200 || k != w.words)
		goto out;

	/* What a debugger does: /proc/<pid>/mem goes through ->access(). */
	mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE);
	mfd = open("/proc/self/mem", O_RDONLY);
	if (mfd < 0 || pread(mfd, &word, 8, (off_t)(uintptr_t)&w.p[5]) != 8) {
		printf("  /proc/self/mem: %s\n", strerror(errno));
		if (mfd >= 0)
			close(mfd);
		goto out;
	}
	close(mfd);
	printf("  in device memory now; /proc/self/mem reads word 5 as %llu (a debugger's view)\n",
	       (unsigned long long)word);

	/* Fill the pool with 1 MiB objects, then one more. */
	mmb_obj_migrate(fd, h, MMB_OBJ_RAM);
	mmb_obj_info(fd, 0, &pool);
	base = pool.evictions;
	n = pool.pool_free / MIB;
	if (n > 38)
		n = 38;
	for (i = 0; i <= n; i++) {
		ps[i] = mmb_obj_new(fd, MIB, MMB_OBJ_DEVICE, &hs[i]);
		if (!ps[i])
			break;
		fill(ps[i], MIB, i);
	}
	mmb_obj_info(fd, 0, &oi);
	mmb_obj_info(fd, hs[0], &pool);
	printf("  %d objects of 1 MiB in a %llu MiB pool: %llu evicted to RAM, the first one (least recently used) is in %s",
	       i, (unsigned long long)oi.pool_size / MIB,
	       (unsigned long long)(oi.evictions - base),
	       mmb_placement_str(pool.placement));
	ret = i == n + 1 && oi.evictions - base == 1 &&
	      pool.placement == MMB_OBJ_RAM && check(ps[0], MIB, 0) < 0 ? 0 : -EIO;
	printf(ret ? "\n" : " and its mapping still reads its data\n");
	while (i--) {
		munmap(ps[i], MIB);
		mmb_obj_destroy(fd, hs[i]);
	}
out:
	munmap((void *)w.p, len);
	mmb_obj_destroy(fd, h);
	return ret;
}

/* This process's CPU time (all its threads), in seconds. */
static double proc_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define OBJ_LEN		(16 * MIB)
#define OBJ_PAGES	(OBJ_LEN / PG)
#define ROUNDS		5	/* round trips of each variant a repeat */
#define REPS		7

struct obj_ctx {
	int fd;			/* soft0 */
	uint32_t h;
	volatile uint64_t *p;	/* the object's mapping */
	volatile uint64_t *ram;	/* a RAM buffer */
	volatile uint64_t *dev;	/* soft0's region: its device memory */
	uint64_t seed;		/* what every word of the object holds */
};

/*
 * One round trip of the object and of memcpy() beside it: times in
 * nanoseconds, CPU in seconds.
 */
struct trip {
	double to_dev_ns, to_ram_ns, touch_dev_ns, touch_ram_ns, cpu_s;
	double mc_to_dev_ns, mc_to_ram_ns, mc_cpu_s;
};

static int cache_bytes(int fd, uint64_t *bytes)
{
	struct mmb_obj_info oi;
	int ret = mmb_obj_info(fd, 0, &oi);

	*bytes = oi.ram_cache;
	return ret;
}

/*
 * Empty the object RAM cache: drop_caches=2 runs every shrinker, the
 * cache's among them; MMB_IOC_OBJ_INFO must then report it empty.
 */
static int cache_empty(int fd)
{
	uint64_t bytes = 0;
	int i, f;

	for (i = 0; i < 3; i++) {
		f = open("/proc/sys/vm/drop_caches", O_WRONLY);
		if (f < 0)
			return -errno;
		if (write(f, "2\n", 2) != 2) {
			close(f);
			return -EIO;
		}
		close(f);
		if (cache_bytes(fd, &bytes))
			return -EIO;
		if (!bytes)
			return 0;
	}
	fprintf(stderr, "bench object: the RAM cache keeps %llu KiB after drop_caches\n",
		(unsigned long long)bytes >> 10);
	return -EIO;
}

/* A load from every page, the faults that map the new place; its time. */
static double touch_pages(volatile uint64_t *p, size_t len)
{
	uint64_t t0 = mmb_now_ns(), sum = 0;
	size_t i;

	for (i = 0; i < len / 8; i += PG / 8)
		sum += p[i];
	__asm__ volatile("" : : "r"(sum));
	return mmb_now_ns() - t0;
}

static int check_all(volatile uint64_t *p, uint64_t seed, const char *what)
{
	long bad = check(p, OBJ_LEN, seed);

	if (bad < 0)
		return 0;
	fprintf(stderr, "bench object: %s: word %ld is 0x%llx, not 0x%llx\n",
		what, bad, (unsigned long long)p[bad],
		(unsigned long long)(seed ^ (bad * 0x9e3779b97f4a7c15ULL)));
	return -EIO;
}

/* A timed move of the object; its time and CPU time added to @ns, @cpu. */
static int timed_move(struct obj_ctx *c, uint32_t placement, double *ns,
		      double *cpu)
{
	double c0 = proc_cpu();
	uint64_t t0 = mmb_now_ns();
	int ret = mmb_obj_migrate(c->fd, c->h, placement);

	*ns += mmb_now_ns() - t0;
	*cpu += proc_cpu() - c0;
	return ret;
}

/* A timed memcpy(); its time and CPU time added to @ns, @cpu. */
static void timed_memcpy(volatile uint64_t *to, volatile uint64_t *from,
			 double *ns, double *cpu)
{
	double c0 = proc_cpu();
	uint64_t t0 = mmb_now_ns();

	memcpy((void *)to, (void *)from, OBJ_LEN);
	*ns += mmb_now_ns() - t0;
	*cpu += proc_cpu() - c0;
}

/*
 * A timed move of the object to @placement and, right before or after it
 * (@memcpy_first), memcpy() of the same bytes in the same direction: RAM
 * buffer -> device memory, or back.
 */
static int move_pair(struct obj_ctx *c, uint32_t placement, bool memcpy_first,
		     struct trip *t)
{
	bool to_dev = placement == MMB_OBJ_DEVICE;
	volatile uint64_t *to = to_dev ? c->dev : c->ram;
	volatile uint64_t *from = to_dev ? c->ram : c->dev;
	double *mc_ns = to_dev ? &t->mc_to_dev_ns : &t->mc_to_ram_ns;
	int ret;

	if (memcpy_first)
		timed_memcpy(to, from, mc_ns, &t->mc_cpu_s);
	ret = timed_move(c, placement, to_dev ? &t->to_dev_ns : &t->to_ram_ns,
			 &t->cpu_s);
	if (!memcpy_first)
		timed_memcpy(to, from, mc_ns, &t->mc_cpu_s);
	return ret;
}

/*
 * One round trip, RAM -> pool -> RAM, of the object, each move beside a
 * memcpy() of the same bytes in the same direction; @cold empties the RAM
 * cache before the move to RAM, else the cache must hold the object's size
 * (the pages the move to the pool gave up).  Every word of both checked.
 */
static int migrate_round(struct obj_ctx *c, bool cold, bool memcpy_first,
			 struct trip *t)
{
	uint64_t cache;
	int ret;

	memset(t, 0, sizeof(*t));
	fill(c->ram, OBJ_LEN, c->seed + 1000);
	ret = move_pair(c, MMB_OBJ_DEVICE, memcpy_first, t);
	if (ret)
		return ret;
	t->touch_dev_ns = touch_pages(c->p, OBJ_LEN);
	if (check_all(c->p, c->seed, "after the move to the pool") ||
	    check_all(c->dev, c->seed + 1000, "memcpy into device memory"))
		return -EIO;
	fill(c->p, OBJ_LEN, ++c->seed);
	fill(c->dev, OBJ_LEN, c->seed + 1000);
	if (cold) {
		ret = cache_empty(c->fd);
	} else {
		ret = cache_bytes(c->fd, &cache);
		if (!ret && cache < OBJ_LEN) {
			fprintf(stderr, "bench object: the RAM cache holds %llu KiB only\n",
				(unsigned long long)cache >> 10);
			ret = -EIO;
		}
	}
	if (ret)
		return ret;
	ret = move_pair(c, MMB_OBJ_RAM, !memcpy_first, t);
	if (ret)
		return ret;
	t->touch_ram_ns = touch_pages(c->p, OBJ_LEN);
	if (check_all(c->p, c->seed, "after the move to RAM") ||
	    check_all(c->ram, c->seed + 1000, "memcpy into RAM"))
		return -EIO;
	fill(c->p, OBJ_LEN, ++c->seed);
	return 0;
}

#define GAP_MIN_NS	20000
#define MAX_GAPS	65536

/* Stores into word 0 of every page, sweep after sweep; its gaps. */
struct writer {
	volatile uint64_t *p;
	atomic_bool stop;
	atomic_ulong sweeps;
	uint64_t seq;		/* the last sweep's value */
	size_t pos;		/* pages it stored @seq into */
	int ngaps;
	uint64_t (*gap)[2];	/* [from, to] between two stores */
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t prev = mmb_now_ns(), t;
	size_t i;

	for (w->seq = 1;; w->seq++) {
		for (i = 0; i < OBJ_PAGES; i++) {
			w->p[i * (PG / 8)] = w->seq;
			t = mmb_now_ns();
			if (t - prev > GAP_MIN_NS && w->ngaps < MAX_GAPS) {
				w->gap[w->ngaps][0] = prev;
				w->gap[w->ngaps++][1] = t;
			}
			prev = t;
			if (atomic_load_explicit(&w->stop,
						 memory_order_relaxed)) {
				w->pos = i + 1;
				return NULL;
			}
		}
		atomic_fetch_add(&w->sweeps, 1);
	}
}

static void wait_sweeps(struct writer *w, unsigned long n)
{
	unsigned long s = atomic_load(&w->sweeps) + n;

	while (atomic_load(&w->sweeps) < s)
		usleep(1000);
}

/*
 * The object moves to the pool and back under a writer; for each of the
 * two moves the writer's longest gap between two stores that overlaps it
 * (@stall_us[]), the move's time (@move_us[]) and their ratio (@ratio[]).
 */
static int writer_round(struct obj_ctx *c, double *ratio, double *stall_us,
			double *move_us)
{
	static const uint32_t to[2] = { MMB_OBJ_DEVICE, MMB_OBJ_RAM };
	struct writer w = { .p = c->p };
	uint64_t m[2][2];
	pthread_t th;
	int i, j, ret = 0;
	size_t k;

	w.gap = calloc(MAX_GAPS, sizeof(*w.gap));
	if (!w.gap || pthread_create(&th, NULL, writer_fn, &w)) {
		free(w.gap);
		return -ENOMEM;
	}
	wait_sweeps(&w, 2);	/* every page mapped and stored into */
	for (i = 0; i < 2 && !ret; i++) {
		m[i][0] = mmb_now_ns();
		ret = mmb_obj_migrate(c->fd, c->h, to[i]);
		m[i][1] = mmb_now_ns();
		wait_sweeps(&w, 2);
	}
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	if (!ret && w.ngaps == MAX_GAPS)
		ret = -EOVERFLOW;
	for (k = 0; !ret && k < OBJ_PAGES; k++) {
		uint64_t want = k < w.pos ? w.seq : w.seq - 1;

		if (c->p[k * (PG / 8)] != want) {
			fprintf(stderr, "bench object: the writer's store to page %zu was lost: 0x%llx, not 0x%llx\n",
				k, (unsigned long long)c->p[k * (PG / 8)],
				(unsigned long long)want);
			ret = -EIO;
		}
	}
	for (i = 0; !ret && i < 2; i++) {
		double mv = m[i][1] - m[i][0], stall = 0;

		for (j = 0; j < w.ngaps; j++)
			if (w.gap[j][0] < m[i][1] && w.gap[j][1] > m[i][0] &&
			    w.gap[j][1] - w.gap[j][0] > stall)
				stall = w.gap[j][1] - w.gap[j][0];
		ratio[i] = stall / mv;
		stall_us[i] = stall / 1000;
		move_us[i] = mv / 1000;
	}
	free(w.gap);
	if (!ret)
		fill(c->p, OBJ_LEN, c->seed);
	return ret;
}

enum { O_WARM, O_COLD, O_WRITER, O_NVAR };

static const char *const obj_name[O_NVAR] = { "migrate_warm", "migrate_cold",
					       "move_writer" };

static int obj_setup(struct obj_ctx *c)
{
	struct mmb_obj_info oi;
	uint64_t off;
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = mmb_open("soft0", 0);
	if (c->fd < 0)
		return c->fd;
	ret = mmb_obj_info(c->fd, 0, &oi);
	if (ret || oi.pool_size < 2 * OBJ_LEN) {
		fprintf(stderr, "bench object: soft0's pool has %llu MiB, needs 32 (soft_pool_mb=64)\n",
			(unsigned long long)oi.pool_size >> 20);
		return ret ? ret : -ENOSPC;
	}
	ret = mmb_obj_create(c->fd, OBJ_LEN, MMB_OBJ_RAM, &c->h, &off);
	if (ret)
		return ret;
	c->p = mmb_obj_map(c->fd, off, OBJ_LEN);
	c->dev = mmb_region_map(c->fd, MMB_FAULT_SIGBUS, 0, OBJ_LEN);
	c->ram = malloc(OBJ_LEN);
	if (!c->p || !c->dev || !c->ram)
		return -ENOMEM;
	c->seed = mmb_now_ns();
	fill(c->p, OBJ_LEN, c->seed);
	fill(c->dev, OBJ_LEN, 0);	/* populated, like the buffer */
	fill(c->ram, OBJ_LEN, 0);
	return 0;
}

static void obj_teardown(struct obj_ctx *c)
{
	if (c->p)
		munmap((void *)c->p, OBJ_LEN);
	if (c->dev)
		munmap((void *)c->dev, OBJ_LEN);
	free((void *)c->ram);
	if (c->fd >= 0)
		close(c->fd);
}

static double mbps(double bytes, double ns)
{
	return ns > 0 ? bytes * 1e3 / ns : 0;
}

static double max_of(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

enum { M_MB, M_DEV, M_RAM, M_CPU, M_MC_MB, M_MC_CPU, M_RATIO, M_TRATIO,
       M_FPOOL, M_FRAM, M_NFIG };

/* A round trip's figures: MB/s, CPU s/GB, ratios to its memcpy(), ns. */
static void trip_figures(const struct trip *t, double *x)
{
	double bytes = 2.0 * OBJ_LEN, move = t->to_dev_ns + t->to_ram_ns;
	double mc = t->mc_to_dev_ns + t->mc_to_ram_ns;

	x[M_MB] = mbps(bytes, move);
	x[M_DEV] = mbps(OBJ_LEN, t->to_dev_ns);
	x[M_RAM] = mbps(OBJ_LEN, t->to_ram_ns);
	x[M_CPU] = t->cpu_s * 1e9 / bytes;
	x[M_MC_MB] = mbps(bytes, mc);
	x[M_MC_CPU] = t->mc_cpu_s * 1e9 / bytes;
	x[M_RATIO] = mc / move;
	x[M_TRATIO] = mc / (move + t->touch_dev_ns + t->touch_ram_ns);
	x[M_FPOOL] = t->touch_dev_ns / OBJ_PAGES;
	x[M_FRAM] = t->touch_ram_ns / OBJ_PAGES;
}

/*
 * The variants of a round run back to back, the order rotating from round
 * to round, and so does whether memcpy() or the move goes first in each
 * pair.  Each repeat's figure is the median of its rounds' (a ratio: of
 * the rounds' ratios of the move to the memcpy() beside it), and the
 * writer's the worse of its two moves.
 */
int bench_object(struct bench_out *out)
{
	double f[2][M_NFIG][REPS], mc[M_NFIG][REPS];
	double ratio[REPS], stall[REPS], move[REPS];
	struct obj_ctx c;
	int r, k, i, n, ret;

	ret = obj_setup(&c);
	for (r = 0; !ret && r < REPS; r++) {
		double g[2][M_NFIG][ROUNDS], h[M_NFIG][2 * ROUNDS];
		double wr[2], ws[2], wm[2];

		for (i = 0; !ret && i < ROUNDS; i++) {
			for (k = 0; !ret && k < O_NVAR; k++) {
				int v = (k + r * ROUNDS + i) % O_NVAR;
				double x[M_NFIG];
				struct trip t;

				if (v == O_WRITER) {
					/* Once a repeat: two moves. */
					if (!i)
						ret = writer_round(&c, wr, ws,
								   wm);
				} else {
					ret = migrate_round(&c, v == O_COLD,
							    (r + i) & 1, &t);
				}
				if (ret) {
					fprintf(stderr, "bench object: %s: %s\n",
						obj_name[v], strerror(-ret));
					break;
				}
				if (v == O_WRITER)
					continue;
				trip_figures(&t, x);
				for (n = 0; n < M_NFIG; n++) {
					g[v][n][i] = x[n];
					h[n][2 * i + v] = x[n];
				}
			}
		}
		if (ret)
			break;
		for (n = 0; n < M_NFIG; n++) {
			f[O_WARM][n][r] = bench_median_of(g[O_WARM][n], ROUNDS);
			f[O_COLD][n][r] = bench_median_of(g[O_COLD][n], ROUNDS);
			mc[n][r] = bench_median_of(h[n], 2 * ROUNDS);
		}
		ratio[r] = max_of(wr, 2);
		stall[r] = max_of(ws, 2);
		move[r] = wr[0] >= wr[1] ? wm[0] : wm[1];
		bench_progress(out, "object", (r + 1) * 100 / REPS);
	}
	obj_teardown(&c);
	if (ret)
		return ret;
	bench_samples(out, "migrate_warm_mbps", f[O_WARM][M_MB], REPS);
	bench_samples(out, "migrate_warm_cpu_s_per_gb", f[O_WARM][M_CPU], REPS);
	bench_samples(out, "migrate_cold_mbps", f[O_COLD][M_MB], REPS);
	bench_samples(out, "migrate_cold_cpu_s_per_gb", f[O_COLD][M_CPU], REPS);
	bench_samples(out, "migrate_to_device_mbps", f[O_WARM][M_DEV], REPS);
	bench_samples(out, "migrate_to_ram_warm_mbps", f[O_WARM][M_RAM], REPS);
	bench_samples(out, "migrate_to_ram_cold_mbps", f[O_COLD][M_RAM], REPS);
	bench_samples(out, "memcpy_ram_dev_mbps", mc[M_MC_MB], REPS);
	bench_samples(out, "memcpy_ram_dev_cpu_s_per_gb", mc[M_MC_CPU], REPS);
	bench_samples(out, "ratio_migrate_vs_memcpy_cold", f[O_COLD][M_RATIO],
		      REPS);
	bench_samples(out, "ratio_migrate_vs_memcpy_warm", f[O_WARM][M_RATIO],
		      REPS);
	bench_samples(out, "ratio_migrate_touch_vs_memcpy_cold",
		      f[O_COLD][M_TRATIO], REPS);
	bench_samples(out, "ratio_migrate_touch_vs_memcpy_warm",
		      f[O_WARM][M_TRATIO], REPS);
	bench_samples(out, "fault_object_ns", f[O_WARM][M_FPOOL], REPS);
	bench_samples(out, "fault_object_ram_ns", f[O_WARM][M_FRAM], REPS);
	bench_samples(out, "move_writer_stall_us", stall, REPS);
	bench_samples(out, "move_writer_move_us", move, REPS);
	bench_samples(out, "ratio_move_writer_stall_vs_move", ratio, REPS);
	return 0;
}
