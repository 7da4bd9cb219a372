// SPDX-License-Identifier: GPL-2.0
/*
 * object/: migratable objects on soft0 (its pool is RAM) and ivshmem0 (its
 * pool is BAR2's second half; what lands there is checked again on the
 * host, in the file behind the BAR).
 *
 * Every case starts from an empty pool: objects die with the test process
 * that made them.  migrate_roundtrip_exact runs last and leaves its data
 * in the tail of ivshmem0's pool for the host; what runs after it
 * (access/) uses only the pool's first 40 pages.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MIB		(1024UL * 1024)

/* The devices with a pool: the device under test first, then ivshmem0. */
static const char *pool_dev(size_t i)
{
	return i ? "ivshmem0" : mmb_dut;
}

static struct mmb_obj_info oinfo(int fd, uint32_t h)
{
	struct mmb_obj_info oi;

	if (mmb_obj_info(fd, h, &oi))
		memset(&oi, 0xff, sizeof(oi));
	return oi;
}


/* Run @fn on every device with a pool; SKIP if there is none. */
static int for_each_pool_dev(int (*fn)(const char *name, int fd))
{
	int ran = 0, r;
	size_t i;

	/* Another device under test than soft0: that one alone. */
	for (i = 0; i < (strcmp(mmb_dut, "soft0") ? 1 : 2); i++) {
		int fd = dev_open(pool_dev(i));

		if (fd == -ENOENT)
			continue;
		EXPECT_OK(fd);
		r = fn(pool_dev(i), fd);
		close(fd);
		if (r != T_PASS) {
			if (r == T_FAIL)
				printf("# on %s\n", pool_dev(i));
			return r;
		}
		ran++;
	}
	if (!ran)
		SKIP("no device with an object pool");
	return T_PASS;
}

static bool all_zero(const volatile uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static int create_map_rw_on(const char *name, int fd)
{
	const size_t len = 16 * PG;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	uint64_t seed = test_seed();
	uint32_t pl;

	EXPECT(pool.pool_size > 0 && pool.pool_free == pool.pool_size &&
	       pool.objects == 0, "pool not empty at start: %llu of %llu free, %u objects",
	       (unsigned long long)pool.pool_free,
	       (unsigned long long)pool.pool_size, pool.objects);

	for (pl = MMB_OBJ_RAM; pl <= MMB_OBJ_DEVICE; pl++) {
		uint32_t h;
		uint64_t off;
		uint8_t *p, *q, *buf = malloc(len);
		long bad;

		EXPECT(buf, "malloc");
		EXPECT_OK(mmb_obj_create(fd, len, pl, &h, &off));
		EXPECT_EQ(off, MMB_MMAP_OBJECT(h));
		p = mmb_obj_map(fd, off, len);
		EXPECT(p, "map: %s", strerror(errno));
		EXPECT(all_zero(p, len), "%s object is not zeroed",
		       mmb_placement_str(pl));
		pattern_fill(buf, len, seed + pl, 0);
		memcpy(p, buf, len);
		bad = pattern_check(p, len, seed + pl, 0);
		EXPECT(bad < 0, "byte %ld differs", bad);

		/* A second mapping of pages 4..7 is the same memory. */
		q = mmb_obj_map(fd, off + 4 * PG, 4 * PG);
		EXPECT(q, "map part: %s", strerror(errno));
		bad = pattern_check(q, 4 * PG, seed + pl, 4 * PG);
		EXPECT(bad < 0, "second mapping: byte %ld differs", bad);
		q[5] = 0xa5;
		EXPECT_EQ(p[4 * PG + 5], 0xa5);

		oi = oinfo(fd, h);
		EXPECT_EQ(oi.placement, pl);
		EXPECT_EQ(oi.size, len);
		EXPECT_EQ(oi.mmap_offset, off);
		EXPECT_EQ(oi.mappings, 2);
		EXPECT_EQ(oi.faults, 16 + 4);
		EXPECT_EQ(oi.migrations, 0);
		EXPECT_EQ(oi.objects, 1);
		EXPECT_EQ(oi.pool_free, pool.pool_size -
			  (pl == MMB_OBJ_DEVICE ? len : 0));

		EXPECT_EQ(munmap(q, 4 * PG), 0);
		EXPECT_EQ(munmap(p, len), 0);
		EXPECT_OK(mmb_obj_destroy(fd, h));
		EXPECT_ERR(mmb_obj_info(fd, h, &oi), ENOENT);
		oi = oinfo(fd, 0);
		EXPECT_EQ(oi.objects, 0);
		EXPECT_EQ(oi.pool_free, pool.pool_size);
		free(buf);
	}
	return T_PASS;
}

/*
 * The RAM an object gives up on a move to the device is kept for moves
 * back (ram_cache), never for new objects, which are always zeroed; the
 * kernel takes the cache back under memory pressure (drop_caches runs
 * the shrinkers).
 */
static int test_ram_cache(void)
{
	const size_t len = 64 * PG;
	int fd = dev_open(mmb_dut);
	uint64_t seed = test_seed(), before;
	uint8_t *a, *b;
	uint32_t ha, hb;
	long bad;

	if (fd == -ENOENT)
		SKIP("no soft0");
	EXPECT_OK(fd);
	EXPECT_EQ(write_str("/proc/sys/vm/drop_caches", "2"), 0);
	EXPECT_EQ(oinfo(fd, 0).ram_cache, 0);
	a = mmb_obj_new(fd, len, MMB_OBJ_RAM, &ha);
	EXPECT(a, "object: %s", strerror(errno));
	memset(a, 0xff, len);
	before = oinfo(fd, 0).ram_cache;
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_DEVICE));
	EXPECT_EQ(oinfo(fd, 0).ram_cache, before + len);

	/* A new object gets fresh zeroed pages, not the cached ones. */
	b = mmb_obj_new(fd, len, MMB_OBJ_RAM, &hb);
	EXPECT(b, "object: %s", strerror(errno));
	EXPECT(all_zero(b, len), "a new object holds old data");
	EXPECT_EQ(oinfo(fd, 0).ram_cache, before + len);

	/* The move back takes the cached pages and overwrites them whole. */
	pattern_fill(a, len, seed, 0);
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_RAM));
	EXPECT_EQ(oinfo(fd, 0).ram_cache, before);
	bad = pattern_check(a, len, seed, 0);
	EXPECT(bad < 0, "byte %ld differs", bad);

	/* Memory pressure empties the cache; moves still work. */
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_DEVICE));
	EXPECT(oinfo(fd, 0).ram_cache >= len, "cache %llu",
	       (unsigned long long)oinfo(fd, 0).ram_cache);
	EXPECT_EQ(write_str("/proc/sys/vm/drop_caches", "2"), 0);
	EXPECT_EQ(oinfo(fd, 0).ram_cache, 0);
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_RAM));
	bad = pattern_check(a, len, seed, 0);
	EXPECT(bad < 0, "after the shrinker: byte %ld differs", bad);
	close(fd);
	return T_PASS;
}

/*
 * One of cache_vs_shrinker's movers: its own object, moved back and forth
 * for @secs, its data checked after every move to RAM.  0, or the exit
 * code that says what failed.
 */
static int cache_mover(int secs, uint64_t seed)
{
	const size_t len = 2 << 20;
	uint64_t end = mmb_now_ns() + secs * 1000000000ULL;
	int fd = dev_open("soft0");
	volatile uint64_t *p;
	long n = 0;
	uint32_t h;
	size_t i;

	if (fd < 0)
		return 10;
	p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!p)
		return 11;
	for (i = 0; i < len / 8; i += 509)
		p[i] = seed + i;
	while (mmb_now_ns() < end) {
		if (mmb_obj_migrate(fd, h, n & 1 ? MMB_OBJ_RAM : MMB_OBJ_DEVICE))
			return 12;
		for (i = 0; (n & 1) && i < len / 8; i += 509)
			if (p[i] != seed + i)
				return 13;
		n++;
	}
	printf("# mover %llx: %ld moves\n", (unsigned long long)seed, n);
	return n > 1 ? 0 : 14;
}

/* cache_vs_shrinker's dropper: the shrinkers, as often as it can. */
static int cache_dropper(int secs)
{
	uint64_t end = mmb_now_ns() + secs * 1000000000ULL;
	long n = 0;

	while (mmb_now_ns() < end) {
		if (write_str("/proc/sys/vm/drop_caches", "2"))
			return 20;
		n++;
	}
	printf("# dropper: %ld drops\n", n);
	return n ? 0 : 21;
}

/*
 * The RAM cache's count includes pages that a move to the device has
 * reserved room for and not yet put on the list: taking from it or
 * draining it goes by the list, or a move to RAM or the shrinker that
 * comes in between takes the list head for a page.  Two processes move
 * objects of their own while a third runs the shrinkers; afterwards the
 * shrinker empties the cache to exactly 0.
 */
static int test_cache_vs_shrinker(void)
{
	const int secs = 15;
	uint64_t off;
	pid_t pid[3];
	int fd, i, st;
	uint32_t h;

	NEED_SOFT();
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	/* The premise: a move to the device fills the cache. */
	EXPECT_EQ(write_str("/proc/sys/vm/drop_caches", "2"), 0);
	EXPECT_OK(mmb_obj_create(fd, 16 * PG, MMB_OBJ_RAM, &h, &off));
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	EXPECT_EQ(oinfo(fd, 0).ram_cache, 16 * PG);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		EXPECT(pid[i] >= 0, "fork: %s", strerror(errno));
		if (!pid[i])
			_exit(i < 2 ? cache_mover(secs, test_seed() + i) :
				      cache_dropper(secs));
	}
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(waitpid(pid[i], &st, 0), pid[i]);
		EXPECT(WIFEXITED(st) && !WEXITSTATUS(st),
		       "%s %d: status 0x%x (exit 12: a move failed, 13: data "
		       "differs)", i < 2 ? "mover" : "dropper", i, st);
	}
	EXPECT_EQ(write_str("/proc/sys/vm/drop_caches", "2"), 0);
	EXPECT_EQ(oinfo(fd, 0).ram_cache, 0);
	close(fd);
	return T_PASS;
}

/* Each placement: zeroed at creation, read-write, shared between mappings. */
static int test_create_map_rw(void)
{
	return for_each_pool_dev(create_map_rw_on);
}

/*
 * Round trips keep every byte, and each move zaps the old mapping: the
 * next touch of each page faults again (exact fault counts).
 */
static int roundtrip_on(const char *name, int fd)
{
	const size_t len = MIB + 3 * PG;
	const unsigned long npages = len / PG;
	uint64_t seed = test_seed() ^ 0x51, faults;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	uint32_t h, pad, i;
	uint8_t *p;
	long bad;

	p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &h);
	EXPECT(p, "object: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	faults = npages;
	for (i = 1; i <= 20; i++) {
		uint32_t to = i & 1 ? MMB_OBJ_DEVICE : MMB_OBJ_RAM;

		EXPECT_OK(mmb_obj_migrate(fd, h, to));
		oi = oinfo(fd, h);
		EXPECT_EQ(oi.placement, to);
		EXPECT_EQ(oi.migrations, i);
		EXPECT_EQ(oi.faults, faults);
		EXPECT_EQ(oi.pool_free, pool.pool_size -
			  (to == MMB_OBJ_DEVICE ? len : 0));
		bad = pattern_check(p, len, seed + i - 1, 0);
		EXPECT(bad < 0, "after move %u to %s: byte %ld differs", i,
		       mmb_placement_str(to), bad);
		faults += npages;
		EXPECT_EQ(oinfo(fd, h).faults, faults);
		/* New data for the next move to carry. */
		pattern_fill(p, len, seed + i, 0);
	}
	/* To where it is: nothing happens. */
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_RAM));
	EXPECT_EQ(oinfo(fd, h).migrations, 20);
	EXPECT_EQ(oinfo(fd, h).faults, faults);

	if (strcmp(name, "ivshmem0"))
		return T_PASS;
	/*
	 * For the host: zeroed pads fill the pool up to the object, which
	 * ends one page before the pool's end, and that last page.  The pool is BAR2's second
	 * half, which the host sees in the file from pool_size on.
	 */
	EXPECT_OK(mmb_obj_create(fd, pool.pool_size - len - PG, MMB_OBJ_DEVICE,
				 &pad, NULL));
	pattern_fill(p, len, seed ^ 0xb0b, 0);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	EXPECT_EQ(oinfo(fd, 0).pool_free, PG);
	/* And a zeroed page after it, whatever earlier cases left there. */
	EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &pad, NULL));
	EXPECT_EQ(oinfo(fd, 0).pool_free, 0);
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_DEVICE);
	bad = pattern_check(p, len, seed ^ 0xb0b, 0);
	EXPECT(bad < 0, "in the pool's tail: byte %ld differs", bad);
	printf("# HOSTCHECK object/migrate_roundtrip_exact %llu %llu %llu\n",
	       (unsigned long long)(pool.pool_size + pool.pool_size - len - PG),
	       (unsigned long long)len, (unsigned long long)(seed ^ 0xb0b));
	fflush(stdout);
	return T_HOST;
}

static int test_migrate_roundtrip_exact(void)
{
	int r = T_SKIP, fd;

	fd = dev_open(mmb_dut);
	if (fd >= 0) {
		r = roundtrip_on(mmb_dut, fd);
		close(fd);
		if (r != T_PASS)
			return r;
	}
	fd = dev_open("ivshmem0");
	if (fd == -ENOENT)
		return r == T_SKIP ? t_skip("no device with an object pool") : r;
	EXPECT_OK(fd);
	r = roundtrip_on("ivshmem0", fd);
	if (r == T_FAIL)
		printf("# on ivshmem0\n");
	close(fd);
	return r;
}

/*
 * Writers keep storing sequence numbers into their own words while the
 * object moves back and forth 1000 times; afterwards every word holds the
 * last value its writer stored.
 */
#define WRITERS		3
#define MIGRATIONS	1000

struct writer {
	pthread_t thread;
	volatile uint64_t *p;
	size_t words;
	unsigned int idx;
	atomic_bool *stop;
	uint64_t last_seq;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t seq = 0;
	size_t i;

	while (!atomic_load(w->stop)) {
		seq++;
		for (i = w->idx; i < w->words; i += WRITERS)
			w->p[i] = seq << 20 | i;
	}
	w->last_seq = seq;
	return NULL;
}

static int under_writers_on(const char *name, int fd)
{
	const size_t len = 16 * PG, words = len / 8;
	struct writer w[WRITERS];
	atomic_bool stop = false;
	struct mmb_obj_info oi;
	uint64_t t0 = mmb_now_ns();
	volatile uint64_t *p;
	uint32_t h, i;
	size_t k;

	p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &h);
	EXPECT(p, "object: %s", strerror(errno));
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .p = p, .words = words, .idx = i,
					.stop = &stop };
		EXPECT_EQ(pthread_create(&w[i].thread, NULL, writer_fn, &w[i]), 0);
	}
	for (i = 1; i <= MIGRATIONS; i++) {
		int r = mmb_obj_migrate(fd, h, i & 1 ? MMB_OBJ_DEVICE :
						       MMB_OBJ_RAM);

		if (r) {
			atomic_store(&stop, true);
			for (k = 0; k < WRITERS; k++)
				pthread_join(w[k].thread, NULL);
			FAIL("migration %u: %s", i, strerror(-r));
		}
	}
	atomic_store(&stop, true);
	for (i = 0; i < WRITERS; i++)
		EXPECT_EQ(pthread_join(w[i].thread, NULL), 0);

	oi = oinfo(fd, h);
	EXPECT_EQ(oi.migrations, MIGRATIONS);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	printf("# %s: %u migrations in %llu ms, %llu faults, writer sweeps %llu/%llu/%llu\n",
	       name, MIGRATIONS, (unsigned long long)(mmb_now_ns() - t0) / 1000000,
	       (unsigned long long)oi.faults,
	       (unsigned long long)w[0].last_seq,
	       (unsigned long long)w[1].last_seq,
	       (unsigned long long)w[2].last_seq);
	/* The writers raced the moves: pages faulted again after zaps. */
	EXPECT(oi.faults > 16 * 10, "only %llu faults: the writers never "
	       "met a moved object", (unsigned long long)oi.faults);
	for (k = 0; k < words; k++) {
		uint64_t want = w[k % WRITERS].last_seq << 20 | k;

		EXPECT(p[k] == want, "word %zu holds %#llx, its writer last "
		       "stored %#llx", k, (unsigned long long)p[k],
		       (unsigned long long)want);
	}
	/* And they survive one more move each way. */
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	for (k = 0; k < words; k++)
		EXPECT_EQ(p[k], w[k % WRITERS].last_seq << 20 | k);
	return T_PASS;
}

static int test_migrate_under_writers(void)
{
	return for_each_pool_dev(under_writers_on);
}

/* The placement of each of @n objects as a string of 'r'/'d'. */
static void placements(int fd, const uint32_t *h, int n, char *out)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = oinfo(fd, h[i]).placement == MMB_OBJ_DEVICE ? 'd' : 'r';
	out[n] = 0;
}

/*
 * A full pool makes room by moving its least recently used objects to
 * RAM, exactly as many as needed, and their mappings keep their data.
 * "Used" is a fault on the object or its arrival in the pool.
 */
static int evict_lru_on(const char *name, int fd)
{
	const size_t sz = MIB;
	struct mmb_obj_info pool = oinfo(fd, 0);
	int n = pool.pool_size / sz, i;
	uint64_t seed = test_seed() ^ 0xe1c7, base = pool.evictions, off;
	uint32_t h[34], big;
	uint8_t *p[34];
	char got[40], want[40];
	long bad;

	EXPECT(n >= 4 && n <= 32, "pool of %llu bytes", (unsigned long long)pool.pool_size);
	for (i = 0; i < n; i++) {
		p[i] = mmb_obj_new(fd, sz, MMB_OBJ_DEVICE, &h[i]);
		EXPECT(p[i], "object %d: %s", i, strerror(errno));
		pattern_fill(p[i], sz, seed + i, 0);
	}
	EXPECT_EQ(oinfo(fd, 0).pool_free, 0);
	EXPECT_EQ(oinfo(fd, 0).evictions, base);

	/* Use object 0 again: a fresh mapping faults. */
	EXPECT_EQ(munmap(p[0], sz), 0);
	off = oinfo(fd, h[0]).mmap_offset;
	p[0] = mmb_obj_map(fd, off, sz);
	EXPECT(p[0], "remap: %s", strerror(errno));
	EXPECT_EQ(p[0][0], pattern_byte(seed, 0));

	/* One more: object 1 is now the least recently used. */
	p[n] = mmb_obj_new(fd, sz, MMB_OBJ_DEVICE, &h[n]);
	EXPECT(p[n], "object %d: %s", n, strerror(errno));
	EXPECT_EQ(oinfo(fd, 0).evictions, base + 1);
	placements(fd, h, n + 1, got);
	memset(want, 'd', n + 1);
	want[n + 1] = 0;
	want[1] = 'r';
	EXPECT(!strcmp(got, want), "placements %s, expected %s", got, want);

	/* Two contiguous MiB: objects 2 and 3 go, in that order. */
	EXPECT_OK(mmb_obj_create(fd, 2 * sz, MMB_OBJ_DEVICE, &big, NULL));
	EXPECT_EQ(oinfo(fd, 0).evictions, base + 3);
	placements(fd, h, n + 1, got);
	want[2] = want[3] = 'r';
	EXPECT(!strcmp(got, want), "placements %s, expected %s", got, want);
	EXPECT_EQ(oinfo(fd, big).placement, MMB_OBJ_DEVICE);

	/* Evicted or not, every mapping still holds its data. */
	for (i = 0; i < n; i++) {
		bad = pattern_check(p[i], sz, seed + i, 0);
		EXPECT(bad < 0, "object %d (%c): byte %ld differs", i, got[i], bad);
	}
	EXPECT(all_zero(p[n], sz), "new object not zeroed");

	/* Bigger than the pool: never fits, nothing is evicted for it. */
	EXPECT_ERR(mmb_obj_create(fd, pool.pool_size + PG, MMB_OBJ_DEVICE,
				  &big, NULL), ENOSPC);
	EXPECT_EQ(oinfo(fd, 0).evictions, base + 3);
	return T_PASS;
}

static int test_evict_lru(void)
{
	return for_each_pool_dev(evict_lru_on);
}

/*
 * Destroying a mapped object, or closing its fd, ends the handle; the
 * object and its data live until the last mapping goes.
 */
static int destroy_while_mapped_on(const char *name, int fd)
{
	const size_t len = 8 * PG;
	uint64_t seed = test_seed() ^ 0xde5, off;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	uint8_t *p, *q;
	uint32_t h;
	int fd2, st, go[2];
	pid_t pid;
	long bad;
	char c = 0;

	EXPECT_EQ(pipe(go), 0);
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, &off));
	p = mmb_obj_map(fd, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	/* A child shares the mapping across fork. */
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(pattern_check(p, len, seed ^ 1, 0) < 0 ? 0 : 1);
	}
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_ERR(mmb_obj_info(fd, h, &oi), ENOENT);
	EXPECT_ERR(mmb_obj_migrate(fd, h, MMB_OBJ_RAM), ENOENT);
	EXPECT_ERR(mmb_obj_destroy(fd, h), ENOENT);
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	EXPECT(q == MAP_FAILED && errno == ENXIO, "mmap of a destroyed object: %s",
	       q == MAP_FAILED ? strerror(errno) : "mapped");
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.objects, 1);
	EXPECT_EQ(oi.pool_free, pool.pool_size - len);
	bad = pattern_check(p, len, seed, 0);
	EXPECT(bad < 0, "after destroy: byte %ld differs", bad);
	pattern_fill(p, len, seed ^ 1, 0);
	EXPECT_EQ(write(go[1], &c, 1), 1);
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	close(go[0]);
	close(go[1]);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the child did not see the parent's stores");
	EXPECT_EQ(munmap(p, len), 0);
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.objects, 0);
	EXPECT_EQ(oi.pool_free, pool.pool_size);

	/* Closing the fd instead. */
	fd2 = dev_open(name);
	EXPECT_OK(fd2);
	p = mmb_obj_new(fd2, len, MMB_OBJ_RAM, &h);
	EXPECT(p, "object: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	close(fd2);
	EXPECT_EQ(oinfo(fd, 0).objects, 1);
	bad = pattern_check(p, len, seed, 0);
	EXPECT(bad < 0, "after close: byte %ld differs", bad);
	EXPECT_EQ(munmap(p, len), 0);
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	return T_PASS;
}

static int test_destroy_while_mapped(void)
{
	return for_each_pool_dev(destroy_while_mapped_on);
}

static int test_bad_args(void)
{
	struct mmb_obj_create oc = { .argsz = sizeof(oc), .size = PG };
	struct mmb_obj_ctl ctl = { .argsz = sizeof(ctl) };
	struct mmb_obj_info oi = { .argsz = sizeof(oi) };
	struct { struct mmb_obj_create oc; uint64_t extra; } big;
	int fd = dev_open(mmb_dut), fd2, efd;
	uint64_t off;
	uint32_t h, h2;
	void *p;

	if (fd == -ENOENT)
		SKIP("no soft0");
	EXPECT_OK(fd);

	/* Create */
	oc.flags = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.flags = 0;
	oc.size = 0;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.size = PG + 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.size = MMB_OBJ_MAX_SIZE + PG;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.size = ~0ULL & ~(PG - 1);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.size = PG;
	oc.placement = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.placement = 0;
	/* Output fields are ignored on input, and overwritten. */
	oc.handle = 0xfffe;
	oc.mmap_offset = 1;
	EXPECT_OK(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc));
	EXPECT(oc.handle != 0xfffe, "handle %u kept", oc.handle);
	EXPECT_EQ(oc.mmap_offset, MMB_MMAP_OBJECT(oc.handle));
	EXPECT_OK(mmb_obj_destroy(fd, oc.handle));
	oc.handle = 0;
	oc.mmap_offset = 0;
	oc.argsz = 16;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), EINVAL);
	oc.argsz = 8192;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc), E2BIG);
	big = (typeof(big)){ .oc = { .argsz = sizeof(big), .size = PG },
			     .extra = 1 };
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, &big), E2BIG);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, NULL), EFAULT);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_CREATE, (void *)8), EFAULT);
	EXPECT_ERR(mmb_obj_create(fd, oinfo(fd, 0).pool_size + PG,
				  MMB_OBJ_DEVICE, &h, NULL), ENOSPC);
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	/* A longer struct with a zero tail is fine. */
	big.extra = 0;
	EXPECT_OK(xioctl(fd, MMB_IOC_OBJ_CREATE, &big));
	h = big.oc.handle;
	EXPECT(h != 0, "handle 0");

	/* Migrate, destroy, info */
	ctl.handle = h;
	ctl.flags = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl), EINVAL);
	ctl.flags = 0;
	ctl.placement = 9;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_DESTROY, &ctl), EINVAL);
	ctl.placement = 0;
	ctl.handle = 0;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_DESTROY, &ctl), EINVAL);
	ctl.handle = h + 1000;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl), ENOENT);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_DESTROY, &ctl), ENOENT);
	ctl.argsz = 8;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl), EINVAL);
	oi.flags = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_INFO, &oi), EINVAL);
	oi.flags = 0;
	oi.handle = h + 1000;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_INFO, &oi), ENOENT);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_INFO, NULL), EFAULT);

	/* Another fd of the same device does not see this fd's objects. */
	fd2 = dev_open(mmb_dut);
	EXPECT_OK(fd2);
	EXPECT_ERR(mmb_obj_migrate(fd2, h, MMB_OBJ_DEVICE), ENOENT);
	EXPECT_ERR(mmb_obj_destroy(fd2, h), ENOENT);
	EXPECT_ERR(mmb_obj_info(fd2, h, &oi), ENOENT);
	off = MMB_MMAP_OBJECT(h);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd2, off);
	EXPECT(p == MAP_FAILED && errno == ENXIO, "mmap through another fd: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	EXPECT_OK(mmb_obj_create(fd2, PG, MMB_OBJ_RAM, &h2, NULL));
	EXPECT(h2 != h, "two objects with handle %u", h);
	close(fd2);

	/* mmap */
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, off);
	EXPECT(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, off);
	EXPECT(p == MAP_FAILED && errno == ENXIO, "past the end: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, off + PG);
	EXPECT(p == MAP_FAILED && errno == ENXIO, "offset past the end: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, MMB_MMAP_OBJECT(65535));
	EXPECT(p == MAP_FAILED && errno == ENXIO, "no such object: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, MMB_MMAP_OBJECT(70000));
	EXPECT(p == MAP_FAILED && errno == ENXIO, "beyond the handles: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmb_obj_map(fd, off, PG);
	EXPECT(p, "map: %s", strerror(errno));
	EXPECT(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED &&
	       errno == EFAULT, "mremap grew an object mapping");
	EXPECT_EQ(munmap(p, PG), 0);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	close(fd);

	/* A device without a pool. */
	efd = dev_open("edu0");
	if (efd == -ENOENT)
		return T_PASS;
	EXPECT_OK(efd);
	EXPECT_ERR(mmb_obj_create(efd, PG, MMB_OBJ_RAM, &h, NULL), EOPNOTSUPP);
	EXPECT_ERR(mmb_obj_info(efd, 0, &oi), EOPNOTSUPP);
	ctl = (struct mmb_obj_ctl){ .argsz = sizeof(ctl), .handle = 1 };
	EXPECT_ERR(xioctl(efd, MMB_IOC_OBJ_MIGRATE, &ctl), EOPNOTSUPP);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, efd, MMB_MMAP_OBJECT(1));
	EXPECT(p == MAP_FAILED && errno == ENODEV, "edu0 object mmap: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	close(efd);
	return T_PASS;
}

/*
 * Removal moves every object in the pool to RAM before the backend frees
 * the pool: mappings, destroyed objects' included, keep their data and
 * keep working; nothing new enters the pool; rebind brings a fresh device.
 */
/* Bring @name back; *@fd is its new file, the device holds no object. */
static int bind_empty(const char *name, int *fd)
{
	struct mmb_obj_info oi;

	EXPECT_OK(bind_dev(name, true));
	*fd = dev_open(name);
	EXPECT_OK(*fd);
	oi = oinfo(*fd, 0);
	EXPECT_EQ(oi.objects, 0);
	EXPECT_EQ(oi.pool_free, oi.pool_size);
	return T_PASS;
}

static int remove_with_objects_on(const char *name)
{
	const size_t la = 16 * PG, lc = 4 * PG;
	uint64_t seed = test_seed() ^ 0x4e3;
	int fd = dev_open(name), r;
	uint8_t *a, *b, *c;
	uint32_t ha, hb, hc;
	struct mmb_obj_info oi;
	long bad;

	if (fd == -ENOENT)
		SKIP("no %s", name);
	EXPECT_OK(fd);
	a = mmb_obj_new(fd, la, MMB_OBJ_DEVICE, &ha);
	b = mmb_obj_new(fd, la, MMB_OBJ_RAM, &hb);
	c = mmb_obj_new(fd, lc, MMB_OBJ_DEVICE, &hc);
	EXPECT(a && b && c, "objects: %s", strerror(errno));
	pattern_fill(a, la, seed, 0);
	pattern_fill(b, la, seed + 1, 0);
	pattern_fill(c, lc, seed + 2, 0);
	EXPECT_OK(mmb_obj_destroy(fd, hc));

	EXPECT_OK(bind_dev(name, false));

	bad = pattern_check(a, la, seed, 0);
	EXPECT(bad < 0, "pool object after removal: byte %ld differs", bad);
	bad = pattern_check(b, la, seed + 1, 0);
	EXPECT(bad < 0, "RAM object after removal: byte %ld differs", bad);
	bad = pattern_check(c, lc, seed + 2, 0);
	EXPECT(bad < 0, "destroyed object after removal: byte %ld differs", bad);
	a[8] = 0x77;
	EXPECT_EQ(a[8], 0x77);
	oi = oinfo(fd, ha);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.migrations, 1);
	EXPECT_EQ(oi.objects, 3);
	EXPECT_EQ(oi.pool_free, oi.pool_size);
	EXPECT_EQ(oinfo(fd, hb).migrations, 0);
	EXPECT_ERR(mmb_obj_migrate(fd, ha, MMB_OBJ_DEVICE), ENODEV);
	EXPECT_ERR(mmb_obj_create(fd, PG, MMB_OBJ_RAM, &hc, NULL), ENODEV);
	EXPECT_EQ(munmap(a, la), 0);
	EXPECT_EQ(munmap(b, la), 0);
	EXPECT_EQ(munmap(c, lc), 0);
	EXPECT_EQ(oinfo(fd, 0).objects, 2);	/* a and b: handles of fd */
	close(fd);

	r = bind_empty(name, &fd);
	if (r)
		return r;
	a = mmb_obj_new(fd, la, MMB_OBJ_DEVICE, &ha);
	EXPECT(a, "object on the new device: %s", strerror(errno));
	EXPECT(all_zero(a, la), "new pool object not zeroed");
	close(fd);
	return T_PASS;
}

static int test_remove_with_objects(void)
{
	NEED_SOFT();
	return remove_with_objects_on("soft0");
}

/*
 * framework/unload_backend_with_users: the same on soft0 and on ivshmem0
 * (a pool behind a BAR), by removal_by_rmmod when it is set.
 */
int object_remove_with_objects(void)
{
	return on_soft0_and_ivshmem0(remove_with_objects_on);
}

#define FAIL_FN "/sys/kernel/debug/mmbridge/fail_object_ram"

/* Objects' RAM fails (every time) in the tasks that ask for it, or not. */
static int fail_object_ram(bool on)
{
	static const char *const knobs[][2] = {
		{ "interval", "1" }, { "times", "-1" },
		{ "task-filter", "Y" }, { "verbose", "0" },
		{ "probability", "100" },
	};
	char path[128];
	size_t i;
	int r = 0;

	for (i = 0; !r && i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), FAIL_FN "/%s", knobs[i][0]);
		r = write_str(path, on || i + 1 < sizeof(knobs) /
						      sizeof(knobs[0]) ?
					    knobs[i][1] : "0");
	}
	return r;
}

/* Whether touching @p kills a child with SIGBUS. */
static bool sigbus_on_touch(volatile uint8_t *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)*p;
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

/*
 * Removal that cannot save an object (its RAM allocation fails, injected
 * with mmbridge/fail_object_ram into the removing task only) loses it:
 * its mappings get SIGBUS, debuggers -EIO, its pool space is given back
 * exactly once.
 * Meanwhile another thread moves a second object to RAM and back, so that
 * removal and a move race for it: it ends up either saved, with its data,
 * or lost, never both, never freed twice.  Debug kernel only (the others
 * have no fault injection).
 */
static int lost_at_removal(void);

/* Whatever lost_at_removal() left, soft0 is bound again afterwards. */
static int test_lost_at_removal(void)
{
	NEED_SOFT();
	int r = lost_at_removal(), fd;

	write_str("/proc/thread-self/make-it-fail", "0");
	fail_object_ram(false);
	if (r != T_PASS && access(dut_path(), F_OK) &&
	    bind_empty("soft0", &fd) == T_PASS)
		close(fd);
	return r;
}

static int lost_at_removal(void)
{
	const char *drv = "/sys/bus/platform/drivers/mmbridge-soft";
	const size_t la = 16 * PG;
	uint64_t seed = test_seed() ^ 0x1057;
	struct mover mv = { 0 };
	struct mmb_obj_info oi;
	char path[128], splat[256];
	int fd, kfd, mem, round, r;
	uint32_t ha, hb;
	uint8_t *a, *b, buf[8];
	pthread_t th;
	long bad;

	if (access(FAIL_FN "/probability", W_OK))
		SKIP("no fault injection in this kernel");
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	for (round = 0; round < 8; round++) {
		fd = dev_open(mmb_dut);
		EXPECT_OK(fd);
		a = mmb_obj_new(fd, la, MMB_OBJ_DEVICE, &ha);
		b = mmb_obj_new(fd, la, MMB_OBJ_DEVICE, &hb);
		EXPECT(a && b, "objects: %s", strerror(errno));
		pattern_fill(a, la, seed, 0);
		pattern_fill(b, la, seed + 1, 0);

		EXPECT_OK(fail_object_ram(true));
		EXPECT_OK(write_str("/proc/thread-self/make-it-fail", "1"));
		/* The injection works: this thread cannot move a to RAM. */
		r = mmb_obj_migrate(fd, ha, MMB_OBJ_RAM);
		if (r != -ENOMEM) {
			write_str("/proc/thread-self/make-it-fail", "0");
			fail_object_ram(false);
			FAIL("injected allocation failure: migrate returned %d",
			     r);
		}
		mv = (struct mover){ .fd = fd, .h = hb };
		EXPECT_EQ(pthread_create(&th, NULL, mover_fn, &mv), 0);
		usleep(1000 * round);
		snprintf(path, sizeof(path), "%s/unbind", drv);
		r = write_str(path, "mmbridge-soft");
		write_str("/proc/thread-self/make-it-fail", "0");
		atomic_store(&mv.stop, true);
		pthread_join(th, NULL);
		fail_object_ram(false);
		EXPECT_OK(r);

		/* a could not be saved. */
		EXPECT(sigbus_on_touch(a), "round %d: lost object readable",
		       round);
		mem = open("/proc/self/mem", O_RDWR);
		EXPECT(mem >= 0, "/proc/self/mem: %s", strerror(errno));
		EXPECT(pread(mem, buf, sizeof(buf), (uintptr_t)a) < 0 &&
		       errno == EIO, "round %d: debugger read of a lost object",
		       round);
		close(mem);
		/* b: saved by the mover with its data, or lost. */
		oi = oinfo(fd, hb);
		if (oi.placement == MMB_OBJ_RAM && !sigbus_on_touch(b)) {
			bad = pattern_check(b, la, seed + 1, 0);
			EXPECT(bad < 0, "round %d: saved object byte %ld", round,
			       bad);
		}
		oi = oinfo(fd, 0);
		EXPECT_EQ(oi.pool_free, oi.pool_size);
		EXPECT_EQ(munmap(a, la), 0);
		EXPECT_EQ(munmap(b, la), 0);
		close(fd);

		r = bind_empty("soft0", &fd);
		if (r)
			return r;
		close(fd);
		EXPECT(!kmsg_splat(kfd, splat, sizeof(splat)), "round %d: %s",
		       round, splat);
	}
	close(kfd);
	return T_PASS;
}

/*
 * Moves racing fork() and pin attempts: children forked mid-move share the
 * object (not a copy), read its data exactly and store into it; pinning
 * the mapping (get_user_pages) is refused every time.
 */
static int test_migrate_racing_fork(void)
{
	const size_t len = 64 * PG;
	struct mover m = { 0 };
	volatile uint64_t *p;
	pthread_t th;
	uint32_t id;
	int k, st;
	size_t i;

	m.fd = dev_open(mmb_dut);
	if (m.fd == -ENOENT)
		SKIP("no soft0");
	EXPECT_OK(m.fd);
	p = mmb_obj_new(m.fd, len, MMB_OBJ_RAM, &m.h);
	EXPECT(p, "object: %s", strerror(errno));
	for (i = 0; i < len / 8; i++)
		p[i] = i * 3;
	EXPECT_OK(pthread_create(&th, NULL, mover_fn, &m));
	for (k = 0; k < 40; k++) {
		pid_t pid = fork();

		EXPECT(pid >= 0, "fork");
		if (!pid) {
			for (i = 0; i < len / 8; i++)
				if (i != (size_t)k && p[i] != i * 3)
					_exit(10);
			p[k] = 1000 + k;	/* into the shared object */
			_exit(0);
		}
		EXPECT_ERR(mmb_pin_region(m.fd, (void *)p, PG, &id, NULL), EFAULT);
		EXPECT_EQ(waitpid(pid, &st, 0), pid);
		EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "child %d: status %#x "
		       "(10: wrong data)", k, st);
		EXPECT_EQ(p[k], 1000 + k);
		p[k] = k * 3;
	}
	atomic_store(&m.stop, 1);
	pthread_join(th, NULL);
	printf("# 40 forks during %llu moves\n", (unsigned long long)m.moves);
	EXPECT(m.moves > 40, "only %llu moves", (unsigned long long)m.moves);
	for (i = 0; i < len / 8; i++)
		EXPECT_EQ(p[i], i * 3);
	close(m.fd);
	return T_PASS;
}

/*
 * Objects and memory cgroups: an object's RAM is charged to the memory
 * cgroup of the process that created it, whoever moves it there.
 */
#define CG_OWNER	"/sys/fs/cgroup/mmb-obj-owner"
#define CG_OTHER	"/sys/fs/cgroup/mmb-obj-other"
#define CG_OBJ_SIZE	(4 * MIB)

/* A cgroup's memory.current in bytes, or -1. */
static long long cg_current(const char *cg)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* The count @key of a cgroup's memory.events, or -1. */
static long long cg_event(const char *cg, const char *key)
{
	char path[128], line[128];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.events", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * How far memory.current may lie from the pages charged, either way: each
 * CPU keeps up to MEMCG_CHARGE_BATCH (64) pages precharged for one memory
 * cgroup, counted in memory.current, and up to a page of precharged bytes
 * for kernel objects (slab).  A charge from another cgroup on that CPU
 * gives them back.
 */
static long long cg_slack(void)
{
	return sysconf(_SC_NPROCESSORS_CONF) * (64 + 1) * (long long)PG;
}

/* The object's page array: a pointer per page, in whole pages. */
static long long cg_array(size_t len)
{
	return (len / PG * sizeof(void *) + PG - 1) / PG * PG;
}

/*
 * An object created by a child in cgroup @cg, its file passed to this
 * process: the object stays charged to @cg whoever moves it.  The child
 * idles in @cg until @hold is closed, so nothing else is charged there.
 */
struct cg_owner {
	pid_t pid;
	int fd, hold;
	uint32_t h;
	uint8_t *p;
};

static int cg_owner_start(const char *name, const char *cg, size_t len,
			  struct cg_owner *o)
{
	int sv[2], hold[2];
	ssize_t n;

	EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	EXPECT_EQ(pipe(hold), 0);
	o->pid = fork();
	EXPECT(o->pid >= 0, "fork: %s", strerror(errno));
	if (!o->pid) {
		char path[128], c;
		uint32_t h;
		int fd;

		close(sv[0]);
		close(hold[1]);
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (write_str(path, "0"))
			_exit(2);
		fd = dev_open(name);
		if (fd < 0 || mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, NULL))
			_exit(3);
		if (fd_send(sv[1], fd) || write(sv[1], &h, sizeof(h)) != sizeof(h))
			_exit(4);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(sv[1]);
	close(hold[0]);
	o->hold = hold[1];
	o->fd = fd_recv(sv[0], 0);
	n = o->fd < 0 ? -1 : read(sv[0], &o->h, sizeof(o->h));
	close(sv[0]);
	EXPECT(o->fd >= 0 && n == sizeof(o->h),
	       "the owner in %s sent no object (fd %d)", cg, o->fd);
	o->p = mmb_obj_map(o->fd, MMB_MMAP_OBJECT(o->h), len);
	EXPECT(o->p, "map: %s", strerror(errno));
	return T_PASS;
}

/* The owner exits; it must not have been killed. */
static int cg_owner_stop(struct cg_owner *o)
{
	int st;

	close(o->hold);
	EXPECT_EQ(waitpid(o->pid, &st, 0), o->pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "the owner ended with "
	       "status %#x", st);
	return T_PASS;
}

/*
 * A child in @cg fills the pool of @name with one object, which evicts
 * everything in it, and exits (its object goes with its file).  @out:
 * the create's result, the cgroup's memory.current before and after it.
 */
static int cg_fill_pool(const char *name, const char *cg, uint64_t size,
			long long out[3])
{
	int res[2], st;
	pid_t pid;

	EXPECT_EQ(pipe(res), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		char path[128];
		long long r[3];
		uint32_t h;
		int fd;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (write_str(path, "0"))
			_exit(2);
		fd = dev_open(name);
		if (fd < 0)
			_exit(3);
		cg_current(cg);		/* every page it uses is touched */
		r[1] = cg_current(cg);
		r[0] = mmb_obj_create(fd, size, MMB_OBJ_DEVICE, &h, NULL);
		r[2] = cg_current(cg);
		_exit(write(res[1], r, sizeof(r)) == sizeof(r) ? 0 : 4);
	}
	close(res[1]);
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "the filler ended with "
	       "status %#x", st);
	EXPECT_EQ(read(res[0], out, 3 * sizeof(*out)), 3 * sizeof(*out));
	close(res[0]);
	return T_PASS;
}

/*
 * A child in one cgroup creates an object in the pool; a process in
 * another fills the pool, which evicts the object to RAM.  The owner's
 * memory.current rises by the object and its page array (within the
 * per-CPU precharge, cg_slack()), the filler's does not; the RAM cache
 * neither gives pages to the object nor keeps its pages; destroying the
 * object gives the owner's cgroup all of it back.
 */
static int charged_to_owner_on(const char *name, int fd)
{
	const size_t len = CG_OBJ_SIZE;
	const long long slack = cg_slack(), arr = cg_array(len);
	uint64_t seed = test_seed() ^ 0xc6, ev0;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	long long c0, c1, c2, fill[3], cache0;
	struct cg_owner o;
	long bad;
	int r;

	EXPECT(pool.pool_size >= len && pool.objects == 0,
	       "pool of %llu bytes, %u objects",
	       (unsigned long long)pool.pool_size, pool.objects);
	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	r = cg_owner_start(name, CG_OWNER, len, &o);
	if (r != T_PASS)
		return r;
	pattern_fill(o.p, len, seed, 0);
	EXPECT_EQ(oinfo(o.fd, o.h).placement, MMB_OBJ_DEVICE);
	ev0 = oinfo(fd, 0).evictions;
	cache0 = oinfo(fd, 0).ram_cache;
	c0 = cg_current(CG_OWNER);

	r = cg_fill_pool(name, CG_OTHER, pool.pool_size, fill);
	if (r != T_PASS)
		return r;
	c1 = cg_current(CG_OWNER);
	printf("# %s: owner %lld -> %lld, filler %lld -> %lld (object %zu, "
	       "page array %lld, slack %lld)\n", name, c0, c1, fill[1],
	       fill[2], len, arr, slack);
	EXPECT_EQ(fill[0], 0);
	oi = oinfo(o.fd, o.h);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.migrations, 1);
	EXPECT_EQ(oi.evictions, ev0 + 1);
	EXPECT(c0 > 0 && c1 >= c0 + (long long)len - slack &&
	       c1 <= c0 + (long long)len + arr + slack,
	       "the owner's memory.current rose by %lld for a %zu-byte object "
	       "moved to RAM (expected %lld to %lld)", c1 - c0, len,
	       (long long)len - slack, (long long)len + arr + slack);
	EXPECT(fill[1] > 0 && fill[2] - fill[1] <= slack + 4 * (long long)PG,
	       "the filler's memory.current rose by %lld: the evicted object's "
	       "RAM was charged to it", fill[2] - fill[1]);
	EXPECT(oi.ram_cache == (uint64_t)cache0, "the RAM cache went from "
	       "%lld to %llu: it gave pages to a cgroup's object", cache0,
	       (unsigned long long)oi.ram_cache);
	bad = pattern_check(o.p, len, seed, 0);
	EXPECT(bad < 0, "evicted object: byte %ld differs", bad);

	EXPECT_EQ(munmap(o.p, len), 0);
	EXPECT_OK(mmb_obj_destroy(o.fd, o.h));
	c2 = cg_current(CG_OWNER);
	oi = oinfo(fd, 0);
	printf("# %s: owner %lld after destruction, RAM cache %lld -> %llu\n",
	       name, c2, cache0, (unsigned long long)oi.ram_cache);
	EXPECT_EQ(oi.objects, 0);
	EXPECT(oi.ram_cache == (uint64_t)cache0, "the RAM cache went from "
	       "%lld to %llu: it keeps pages charged to a cgroup", cache0,
	       (unsigned long long)oi.ram_cache);
	EXPECT(c2 <= c0 + slack, "the owner's memory.current is %lld after "
	       "the object went, %lld before it was evicted", c2, c0);
	close(o.fd);
	return cg_owner_stop(&o);
}

/*
 * @on for every pool device, with cgroup CG_OWNER (and CG_OTHER when
 * @other) made for it and removed afterwards, its memory.max lifted.
 */
static int with_cgroups(int (*on)(const char *name, int fd), bool other)
{
	int r = memcg_prepare(CG_OWNER);

	if (r == T_PASS && other)
		r = memcg_prepare(CG_OTHER);
	if (r != T_PASS)
		return r;
	r = for_each_pool_dev(on);
	write_str(CG_OWNER "/memory.max", "max");
	rmdir(CG_OWNER);
	if (other)
		rmdir(CG_OTHER);
	return r;
}

static int test_memcg_charged_to_owner(void)
{
	return with_cgroups(charged_to_owner_on, true);
}

/*
 * The owner's cgroup cannot take the object (memory.max half an object
 * above its use): filling the pool, which must evict it, is -ENOSPC, and
 * a move to RAM through the handle -ENOMEM, after the cgroup's own
 * reclaim and without its OOM killer; the object stays in the pool with
 * every byte, its cgroup within its limit.  With the limit lifted, the
 * same eviction goes through.
 */
static int limit_on(const char *name, int fd)
{
	const size_t len = CG_OBJ_SIZE;
	uint64_t seed = test_seed() ^ 0x11a, ev0;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	long long c0, c1, max0;
	struct cg_owner o;
	char max[32], splat[256];
	uint32_t big;
	int r, kfd;
	long bad;

	EXPECT(pool.pool_size >= len && pool.objects == 0,
	       "pool of %llu bytes, %u objects",
	       (unsigned long long)pool.pool_size, pool.objects);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	r = cg_owner_start(name, CG_OWNER, len, &o);
	if (r != T_PASS)
		return r;
	pattern_fill(o.p, len, seed, 0);
	ev0 = oinfo(fd, 0).evictions;
	max0 = cg_event(CG_OWNER, "max");
	c0 = cg_current(CG_OWNER);
	EXPECT(c0 > 0 && max0 >= 0, "memory.current %lld, max events %lld",
	       c0, max0);
	snprintf(max, sizeof(max), "%lld", (c0 + (long long)len / 2) / PG * PG);
	EXPECT_OK(write_str(CG_OWNER "/memory.max", max));

	/* Another process fills the pool: the object cannot leave it. */
	EXPECT_ERR(mmb_obj_create(fd, pool.pool_size, MMB_OBJ_DEVICE, &big,
				  NULL), ENOSPC);
	/* Its owner's handle, from this process: neither. */
	EXPECT_ERR(mmb_obj_migrate(o.fd, o.h, MMB_OBJ_RAM), ENOMEM);
	c1 = cg_current(CG_OWNER);
	oi = oinfo(o.fd, o.h);
	printf("# %s: owner %lld, limit %s, %lld max events\n", name, c1, max,
	       cg_event(CG_OWNER, "max") - max0);
	EXPECT_EQ(oi.placement, MMB_OBJ_DEVICE);
	EXPECT_EQ(oi.migrations, 0);
	EXPECT_EQ(oi.objects, 1);
	EXPECT_EQ(oi.evictions, ev0);
	EXPECT_EQ(oi.pool_free, pool.pool_size - len);
	EXPECT(c1 <= strtoll(max, NULL, 10), "memory.current %lld above "
	       "memory.max %s", c1, max);
	EXPECT(cg_event(CG_OWNER, "max") > max0, "the owner's cgroup never "
	       "reached its limit: the RAM was charged elsewhere");
	EXPECT_EQ(cg_event(CG_OWNER, "oom"), 0);
	EXPECT_EQ(cg_event(CG_OWNER, "oom_kill"), 0);
	bad = pattern_check(o.p, len, seed, 0);
	EXPECT(bad < 0, "object after the failed moves: byte %ld differs",
	       bad);

	/* Without the limit the same eviction goes through. */
	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	EXPECT_OK(mmb_obj_create(fd, pool.pool_size, MMB_OBJ_DEVICE, &big,
				 NULL));
	oi = oinfo(o.fd, o.h);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.evictions, ev0 + 1);
	EXPECT(cg_current(CG_OWNER) >= c0 + (long long)len - cg_slack(),
	       "owner's memory.current %lld after the eviction, %lld before",
	       cg_current(CG_OWNER), c0);
	bad = pattern_check(o.p, len, seed, 0);
	EXPECT(bad < 0, "evicted object: byte %ld differs", bad);
	EXPECT_OK(mmb_obj_destroy(fd, big));
	EXPECT_EQ(munmap(o.p, len), 0);
	EXPECT_OK(mmb_obj_destroy(o.fd, o.h));
	close(o.fd);
	r = cg_owner_stop(&o);
	if (r != T_PASS)
		return r;
	EXPECT_EQ(cg_event(CG_OWNER, "oom_kill"), 0);
	EXPECT(!kmsg_splat(kfd, splat, sizeof(splat)), "%s", splat);
	close(kfd);
	return T_PASS;
}

static int test_memcg_limit(void)
{
	return with_cgroups(limit_on, false);
}

/*
 * The object at the head of the pool's LRU belongs to a cgroup that
 * cannot take its RAM (memory.max half an object above its use); a root
 * object behind it can be evicted, and evicting it alone makes room.  A
 * placement that fits once that object leaves succeeds, and the blocked
 * object stays in the pool whole: one cgroup at its limit does not close
 * the pool to everybody else.
 */
static int blocked_head_on(const char *name, int fd)
{
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	const uint64_t a = pool.pool_size / 4, x = pool.pool_size / 2;
	const uint64_t y = pool.pool_size / 2;
	uint64_t seed = test_seed() ^ 0xb10c, ev0;
	uint32_t hx = 0, hy = 0;
	struct cg_owner o;
	long long c0;
	char max[32];
	int r, ry;
	long bad;

	EXPECT(pool.pool_size >= 16 * PG && pool.objects == 0,
	       "pool of %llu bytes, %u objects",
	       (unsigned long long)pool.pool_size, pool.objects);
	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	r = cg_owner_start(name, CG_OWNER, a, &o);
	if (r != T_PASS)
		return r;
	pattern_fill(o.p, a, seed, 0);
	c0 = cg_current(CG_OWNER);
	snprintf(max, sizeof(max), "%lld", (c0 + (long long)a / 2) / PG * PG);
	EXPECT_OK(write_str(CG_OWNER "/memory.max", max));
	/* Behind it in the LRU, a root object: the pool has a/4 free. */
	EXPECT_OK(mmb_obj_create(fd, x, MMB_OBJ_DEVICE, &hx, NULL));
	ev0 = oinfo(fd, 0).evictions;

	ry = mmb_obj_create(fd, y, MMB_OBJ_DEVICE, &hy, NULL);
	oi = oinfo(o.fd, o.h);
	printf("# %s: pool %llu, blocked head %llu, evictable %llu, new %llu:"
	       " create %d, head %s, evictable %s, evictions +%llu\n", name,
	       (unsigned long long)pool.pool_size, (unsigned long long)a,
	       (unsigned long long)x, (unsigned long long)y, ry,
	       oi.placement == MMB_OBJ_DEVICE ? "in the pool" : "in RAM",
	       oinfo(fd, hx).placement == MMB_OBJ_DEVICE ? "in the pool" :
							  "in RAM",
	       (unsigned long long)(oinfo(fd, 0).evictions - ev0));
	bad = pattern_check(o.p, a, seed, 0);
	/* Clean up first, so that a failure leaves the pool empty. */
	if (!ry)
		mmb_obj_destroy(fd, hy);
	mmb_obj_destroy(fd, hx);
	write_str(CG_OWNER "/memory.max", "max");
	munmap(o.p, a);
	mmb_obj_destroy(o.fd, o.h);
	close(o.fd);
	r = cg_owner_stop(&o);
	EXPECT_EQ(ry, 0);
	EXPECT_EQ(oi.placement, MMB_OBJ_DEVICE);
	EXPECT(bad < 0, "blocked object: byte %ld differs", bad);
	return r;
}

static int test_memcg_blocked_head(void)
{
	return with_cgroups(blocked_head_on, false);
}

/* nr_dying_descendants of the root cgroup's cgroup.stat, or -1. */
static long long cg_dying(void)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/sys/fs/cgroup/cgroup.stat", "r");

	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, "nr_dying_descendants ", 21))
			v = strtoll(line + 21, NULL, 10);
	fclose(f);
	return v;
}

/*
 * An object holds its cgroup only while it lives: once the object, its
 * owner and the cgroup are gone, no cgroup is left dying (within 20 s:
 * the last put frees it through RCU and a work item).
 */
static int released_on(const char *name, int fd)
{
	const size_t len = CG_OBJ_SIZE;
	long long d0, d = -1;
	struct cg_owner o;
	int r, i;

	(void)fd;
	r = memcg_prepare(CG_OWNER);
	if (r != T_PASS)
		return r;
	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	r = cg_owner_start(name, CG_OWNER, len, &o);
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_obj_migrate(o.fd, o.h, MMB_OBJ_RAM));
	EXPECT_OK(mmb_obj_migrate(o.fd, o.h, MMB_OBJ_DEVICE));
	EXPECT_OK(mmb_obj_migrate(o.fd, o.h, MMB_OBJ_RAM));
	EXPECT_EQ(munmap(o.p, len), 0);
	EXPECT_OK(mmb_obj_destroy(o.fd, o.h));
	close(o.fd);
	r = cg_owner_stop(&o);
	if (r != T_PASS)
		return r;
	d0 = cg_dying();
	EXPECT(d0 >= 0, "no cgroup.stat");
	EXPECT_OK(rmdir(CG_OWNER) ? -errno : 0);
	for (i = 0; i < 200; i++) {
		d = cg_dying();
		if (d <= d0)
			break;
		usleep(100000);
	}
	printf("# %s: dying cgroups %lld before the rmdir, %lld after\n",
	       name, d0, d);
	EXPECT(d <= d0, "%lld cgroups still dying 20 s after the object and "
	       "its cgroup went (%lld before)", d, d0);
	return T_PASS;
}

static int test_memcg_released(void)
{
	return for_each_pool_dev(released_on);
}

/*
 * The RAM cache holds pages charged to nobody, for the root cgroup's
 * objects: with 4 MiB in it, a cgroup's object evicted to RAM takes none
 * of them (its RAM is charged to its cgroup) and, destroyed, gives none.
 */
static int cache_untouched_on(const char *name, int fd)
{
	const size_t len = CG_OBJ_SIZE;
	struct mmb_obj_info pool = oinfo(fd, 0), oi;
	long long fill[3], cache0;
	struct cg_owner o;
	uint32_t h;
	int r;

	if (module_param("object_cache_mb") < 8)
		SKIP("object_cache_mb below 8");
	EXPECT(pool.pool_size >= 2 * len && pool.objects == 0,
	       "pool of %llu bytes, %u objects",
	       (unsigned long long)pool.pool_size, pool.objects);
	/* A root object's 4 MiB go to the cache as it enters the pool. */
	cache0 = oinfo(fd, 0).ram_cache;
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_RAM, &h, NULL));
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	EXPECT_OK(mmb_obj_destroy(fd, h));
	oi = oinfo(fd, 0);
	EXPECT(oi.ram_cache >= (uint64_t)cache0 + len, "RAM cache %lld -> "
	       "%llu after a root object entered the pool", cache0,
	       (unsigned long long)oi.ram_cache);
	cache0 = oi.ram_cache;

	EXPECT_OK(write_str(CG_OWNER "/memory.max", "max"));
	r = cg_owner_start(name, CG_OWNER, len, &o);
	if (r != T_PASS)
		return r;
	r = cg_fill_pool(name, CG_OTHER, pool.pool_size, fill);
	if (r != T_PASS)
		return r;
	EXPECT_EQ(fill[0], 0);
	oi = oinfo(o.fd, o.h);
	printf("# %s: RAM cache %lld before the eviction, %llu after\n", name,
	       cache0, (unsigned long long)oi.ram_cache);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.ram_cache, (uint64_t)cache0);
	EXPECT_EQ(munmap(o.p, len), 0);
	EXPECT_OK(mmb_obj_destroy(o.fd, o.h));
	EXPECT_EQ(oinfo(fd, 0).ram_cache, (uint64_t)cache0);
	close(o.fd);
	return cg_owner_stop(&o);
}

static int test_memcg_cache_untouched(void)
{
	return with_cgroups(cache_untouched_on, true);
}

/*
 * move_lock is held for a whole eviction.  A task waiting for it, and the
 * task holding it, must both die at once when killed, and the pool must be
 * left exact: every object whole, in RAM or in the pool, never both.
 *
 * The eviction is made long on purpose: soft0 is reloaded with a 128 MiB
 * pool filled with 32768 one-page objects, used (faulted) even ones first,
 * so the LRU list is all even objects, then all odd ones.  Placing a
 * two-page object then evicts every even object (16384 moves, each after
 * a search of the pool bitmap for two free pages, which finds none until
 * an odd one goes too): several seconds under TCG for 64 MiB of RAM,
 * where evicting all 32768 objects of an unfragmented pool takes one.
 *
 * A killed task must be reaped within MLK_BOUND_MS: the killed waiter
 * only leaves the mutex and exits (a small process, forked before the
 * objects were mapped), the killed holder finishes at most one one-page
 * move and one bitmap search (a few ms) first; 2 s leaves the rest for a
 * loaded host, and is a fraction of the eviction, so a kill that is not
 * noticed until the eviction ends cannot pass.
 */
#define MLK_POOL_MB	128
#define MLK_BOUND_MS	2000

static char mlk_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Reap @pid; how many ms after @t0 it was gone; *@st its status. */
static uint64_t mlk_reap(pid_t pid, uint64_t t0, int *st)
{
	while (waitpid(pid, st, WNOHANG) == 0)
		usleep(1000);
	return (mmb_now_ns() - t0) / 1000000;
}

/* A child that waits for a byte on @go, then runs @fn(@fd, @arg). */
static pid_t mlk_child(int go[2], int (*fn)(int, uint32_t), int fd,
		       uint32_t arg)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	close(go[1]);
	if (read(go[0], &c, 1) != 1)
		_exit(100);
	_exit(fn(fd, arg));
}

static int mlk_holder(int fd, uint32_t hx)
{
	return -mmb_obj_migrate(fd, hx, MMB_OBJ_DEVICE);
}

static int mlk_waiter(int unused, uint32_t unused2)
{
	int fd = dev_open(mmb_dut);
	uint32_t h;

	return fd < 0 ? 101 : -mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &h, NULL);
}

static uint64_t mlk_evictions(int fd)
{
	return oinfo(fd, 0).evictions;
}

static int move_lock_killable(void)
{
	const uint64_t seed = test_seed() ^ 0x3071;
	int fd, n, i, j, gh[2], gw[2], st;
	uint64_t base, total, ev, ev_w, ev_k, t, t_kw, t_w, t_h, dl;
	pid_t holder, waiter;
	struct mmb_obj_info oi;
	uint32_t *h, hx;
	char wpath[64], wchan[64];
	bool w_late, h_done;
	uint8_t *p;
	long bad;

	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.pool_size, (uint64_t)MLK_POOL_MB * MIB);
	EXPECT_EQ(oi.objects, 0);
	n = oi.pool_size / PG;
	h = calloc(n, sizeof(*h));
	EXPECT(h, "calloc");

	/* X: two pages in RAM; the holder moves it to the pool. */
	p = mmb_obj_new(fd, 2 * PG, MMB_OBJ_RAM, &hx);
	EXPECT(p, "object: %s", strerror(errno));
	pattern_fill(p, 2 * PG, seed ^ 0xffff, 0);
	EXPECT_EQ(munmap(p, 2 * PG), 0);
	/* Both children before any object is mapped: their exit is quick. */
	EXPECT_EQ(pipe(gh), 0);
	EXPECT_EQ(pipe(gw), 0);
	holder = mlk_child(gh, mlk_holder, fd, hx);
	EXPECT(holder > 0, "fork");
	waiter = mlk_child(gw, mlk_waiter, -1, 0);
	EXPECT(waiter > 0, "fork");

	for (i = 0; i < n; i++)
		EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &h[i], NULL));
	for (j = 0; j < 2; j++) {
		for (i = j; i < n; i += 2) {
			p = mmb_obj_map(fd, MMB_MMAP_OBJECT(h[i]), PG);
			EXPECT(p, "map %d: %s", i, strerror(errno));
			pattern_fill(p, PG, seed + i, 0);
			EXPECT_EQ(munmap(p, PG), 0);
		}
	}
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.pool_free, 0);
	EXPECT_EQ(oi.objects, n + 1);
	base = oi.evictions;
	total = n / 2 + 1;

	/* The holder starts evicting: it holds move_lock from now on. */
	EXPECT_EQ(write(gh[1], "g", 1), 1);
	for (dl = mmb_now_ns() + 10000000000ULL; mlk_evictions(fd) == base;)
		EXPECT(mmb_now_ns() < dl, "no eviction within 10 s");
	/* The waiter asks for move_lock and sleeps in the kernel. */
	EXPECT_EQ(write(gw[1], "g", 1), 1);
	for (dl = mmb_now_ns() + 5000000000ULL; mlk_state(waiter) != 'D';)
		EXPECT(mmb_now_ns() < dl, "the waiter is not asleep (state %c)",
		       mlk_state(waiter));
	snprintf(wpath, sizeof(wpath), "/proc/%d/wchan", waiter);
	if (read_line(wpath, wchan, sizeof(wchan)))
		strcpy(wchan, "?");
	ev = mlk_evictions(fd) - base;
	EXPECT(ev < total && !waitpid(holder, &st, WNOHANG),
	       "the eviction ended (%llu of %llu) before the waiter slept: "
	       "too short to test", (unsigned long long)ev,
	       (unsigned long long)total);

	/* Kill the waiter; then, before it is reaped or after, the holder. */
	t_kw = mmb_now_ns();
	EXPECT_EQ(kill(waiter, SIGKILL), 0);
	for (w_late = true; mmb_now_ns() - t_kw < MLK_BOUND_MS * 1000000ULL;) {
		if (waitpid(waiter, &st, WNOHANG) == waiter) {
			w_late = false;
			break;
		}
		usleep(1000);
	}
	t_w = (mmb_now_ns() - t_kw) / 1000000;
	ev_w = mlk_evictions(fd) - base;
	h_done = waitpid(holder, &j, WNOHANG) == holder;
	if (!w_late) {
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		       "waiter status %#x", st);
		printf("# waiter (asleep in %s) reaped %llu ms after SIGKILL, "
		       "eviction at %llu of %llu\n", wchan,
		       (unsigned long long)t_w, (unsigned long long)ev_w,
		       (unsigned long long)total);
		EXPECT(!h_done && ev_w < total, "the eviction ended (%llu of "
		       "%llu) before the waiter was reaped: too short to test",
		       (unsigned long long)ev_w, (unsigned long long)total);
		/* It goes on without the waiter. */
		for (dl = mmb_now_ns() + 5000000000ULL;
		     mlk_evictions(fd) - base < ev_w + 16;)
			EXPECT(mmb_now_ns() < dl, "the eviction stopped at %llu",
			       (unsigned long long)(mlk_evictions(fd) - base));
	}
	ev_k = mlk_evictions(fd) - base;
	t = mmb_now_ns();
	if (!h_done)
		EXPECT_EQ(kill(holder, SIGKILL), 0);
	t_h = mlk_reap(holder, t, &j);
	ev = mlk_evictions(fd) - base;
	printf("# holder killed at eviction %llu of %llu, reaped %llu ms "
	       "later (status %#x) at eviction %llu\n",
	       (unsigned long long)ev_k, (unsigned long long)total,
	       (unsigned long long)t_h, j, (unsigned long long)ev);
	if (w_late) {
		t_w = mlk_reap(waiter, t_kw, &st);
		printf("# waiter (asleep in %s) still there %d ms after "
		       "SIGKILL; reaped %llu ms after it\n", wchan,
		       MLK_BOUND_MS, (unsigned long long)t_w);
		FAIL("a task killed while waiting for move_lock was not reaped "
		     "within %d ms", MLK_BOUND_MS);
	}
	EXPECT(!h_done && WIFSIGNALED(j) && WTERMSIG(j) == SIGKILL,
	       "holder status %#x", j);
	EXPECT(t_h <= MLK_BOUND_MS, "the holder was reaped %llu ms after "
	       "SIGKILL (bound %d ms)", (unsigned long long)t_h, MLK_BOUND_MS);
	EXPECT(ev < total, "the killed holder finished the eviction (%llu)",
	       (unsigned long long)ev);

	/*
	 * Exact: X never reached the pool; the first ev even objects are in
	 * RAM, moved once; the pool holds the rest and exactly their pages.
	 */
	oi = oinfo(fd, hx);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.migrations, 0);
	EXPECT_EQ(oi.objects, n + 1);
	EXPECT_EQ(oi.pool_free, ev * PG);
	for (i = 0; i < n; i++) {
		uint64_t k = i / 2;
		bool in_ram = !(i & 1) && k < ev;

		/* Every 256th object, and the ends of the evicted ones. */
		if (i % 256 && (k + 1 < ev || k > ev))
			continue;
		oi = oinfo(fd, h[i]);
		EXPECT(oi.placement == (in_ram ? MMB_OBJ_RAM : MMB_OBJ_DEVICE) &&
		       oi.migrations == in_ram, "object %d: placement %u, "
		       "%llu migrations (%llu evicted)", i, oi.placement,
		       (unsigned long long)oi.migrations,
		       (unsigned long long)ev);
	}
	for (i = 0; i < n; i++) {
		p = mmb_obj_map(fd, MMB_MMAP_OBJECT(h[i]), PG);
		EXPECT(p, "map %d: %s", i, strerror(errno));
		bad = pattern_check(p, PG, seed + i, 0);
		EXPECT(bad < 0, "object %d: byte %ld differs", i, bad);
		EXPECT_EQ(munmap(p, PG), 0);
	}
	p = mmb_obj_map(fd, MMB_MMAP_OBJECT(hx), 2 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	bad = pattern_check(p, 2 * PG, seed ^ 0xffff, 0);
	EXPECT(bad < 0, "the object being placed: byte %ld differs", bad);

	/*
	 * The pool goes on working.  The faults above made the LRU order
	 * the objects' order: object 1 is the first in the pool, and with
	 * it pages 0 to 2 are free.
	 */
	EXPECT_OK(mmb_obj_migrate(fd, hx, MMB_OBJ_DEVICE));
	oi = oinfo(fd, hx);
	EXPECT_EQ(oi.placement, MMB_OBJ_DEVICE);
	EXPECT_EQ(oi.migrations, 1);
	EXPECT_EQ(oi.evictions - base, ev + 1);
	EXPECT_EQ(oi.pool_free, (ev + 1 - 2) * PG);
	EXPECT_EQ(oinfo(fd, h[1]).placement, MMB_OBJ_RAM);
	bad = pattern_check(p, 2 * PG, seed ^ 0xffff, 0);
	EXPECT(bad < 0, "placed: byte %ld differs", bad);
	EXPECT_EQ(munmap(p, 2 * PG), 0);
	for (i = 0; i < n; i++) {
		p = mmb_obj_map(fd, MMB_MMAP_OBJECT(h[i]), PG);
		EXPECT(p, "map %d: %s", i, strerror(errno));
		bad = pattern_check(p, PG, seed + i, 0);
		EXPECT(bad < 0, "finished: object %d: byte %ld differs", i,
		       bad);
		EXPECT_EQ(munmap(p, PG), 0);
	}
	free(h);
	close(fd);
	return T_PASS;
}

static int mlk_creator(int unused, uint32_t pages)
{
	int fd = dev_open(mmb_dut);
	uint32_t h;

	return fd < 0 ? 101 :
			-mmb_obj_create(fd, pages * PG, MMB_OBJ_DEVICE, &h, NULL);
}

/* Wait until the pool has less than @bytes free; 0, or -ETIMEDOUT. */
static int mlk_pool_taken(int fd, uint64_t bytes)
{
	uint64_t dl = mmb_now_ns() + 10000000000ULL;

	while (oinfo(fd, 0).pool_free >= bytes)
		if (mmb_now_ns() > dl)
			return -ETIMEDOUT;
	return 0;
}

/*
 * A task killed in the middle of one large copy stops within a chunk: a
 * child moves a 120 MiB object into the empty pool and is killed as soon
 * as the pool space is taken for it, that is while it copies (~150 ms
 * under TCG).  The object stays in RAM, unmoved and exact, and the space
 * is free again.  The same for a child creating a 120 MiB object in the
 * pool, killed while the space is zeroed: no object, nothing taken.
 */
static int move_killed_mid_copy(void)
{
	const uint64_t len = 120 * MIB, seed = test_seed() ^ 0xc09;
	int fd, go[2], st, round;
	struct mmb_obj_info oi;
	uint64_t t, ms;
	pid_t pid;
	uint32_t hb;
	uint8_t *p;
	long bad;

	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.pool_size, (uint64_t)MLK_POOL_MB * MIB);
	p = mmb_obj_new(fd, len, MMB_OBJ_RAM, &hb);
	EXPECT(p, "object: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	EXPECT_EQ(munmap(p, len), 0);

	for (round = 0; round < 3; round++) {
		bool create = round == 2;

		EXPECT_EQ(pipe(go), 0);
		pid = create ? mlk_child(go, mlk_creator, -1, len / PG) :
			       mlk_child(go, mlk_holder, fd, hb);
		EXPECT(pid > 0, "fork");
		close(go[0]);
		EXPECT_EQ(write(go[1], "g", 1), 1);
		close(go[1]);
		EXPECT_OK(mlk_pool_taken(fd, oi.pool_size));
		t = mmb_now_ns();
		EXPECT_EQ(kill(pid, SIGKILL), 0);
		ms = mlk_reap(pid, t, &st);
		printf("# %s: killed once the pool space was taken, reaped "
		       "%llu ms later (status %#x)\n",
		       create ? "create" : "move", (unsigned long long)ms, st);
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		       "status %#x", st);
		EXPECT(ms <= MLK_BOUND_MS, "reaped %llu ms after SIGKILL",
		       (unsigned long long)ms);
		oi = oinfo(fd, hb);
		EXPECT(oi.placement == MMB_OBJ_RAM && oi.migrations == 0,
		       "round %d: the killed %s left the object in %s after %llu "
		       "moves", round, create ? "creator" : "mover",
		       mmb_placement_str(oi.placement),
		       (unsigned long long)oi.migrations);
		EXPECT_EQ(oi.pool_free, oi.pool_size);
		EXPECT_EQ(oi.objects, 1);
		p = mmb_obj_map(fd, MMB_MMAP_OBJECT(hb), len);
		EXPECT(p, "map: %s", strerror(errno));
		bad = pattern_check(p, len, seed, 0);
		EXPECT(bad < 0, "round %d: byte %ld differs", round, bad);
		EXPECT_EQ(munmap(p, len), 0);
	}
	/* Unkilled, the same move is whole. */
	EXPECT_OK(mmb_obj_migrate(fd, hb, MMB_OBJ_DEVICE));
	oi = oinfo(fd, hb);
	EXPECT_EQ(oi.placement, MMB_OBJ_DEVICE);
	EXPECT_EQ(oi.migrations, 1);
	EXPECT_EQ(oi.pool_free, oi.pool_size - len);
	p = mmb_obj_map(fd, MMB_MMAP_OBJECT(hb), len);
	EXPECT(p, "map: %s", strerror(errno));
	bad = pattern_check(p, len, seed, 0);
	EXPECT(bad < 0, "moved: byte %ld differs", bad);
	EXPECT_EQ(munmap(p, len), 0);
	close(fd);
	return T_PASS;
}

/* Lines saying "lost at removal" in the kernel log from @kfd on. */
static int mlk_lost_lines(int kfd)
{
	char rec[1024];
	int lost = 0;
	ssize_t n;

	for (;;) {
		n = read(kfd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return lost;
		rec[n] = 0;
		lost += !!strstr(rec, "lost at removal");
	}
}

static int mlk_unbinder(int unused, uint32_t unused2)
{
	return -write_str("/sys/bus/platform/drivers/mmbridge-soft/unbind",
			  "mmbridge-soft");
}

/*
 * Removal moves every object in the pool to RAM, uninterruptibly: the task
 * that removes the device (here writing to the driver's unbind file), killed
 * in the middle, still saves every object.  16384 two-page objects fill the
 * pool; the task is killed as soon as the first of them has moved.
 */
static int removal_killed_saves_all(void)
{
	NEED_SOFT();
	const uint64_t seed = test_seed() ^ 0x5a7e;
	int fd, kfd, go[2], n, i, st, lost, r;
	struct mmb_obj_info oi;
	uint8_t **p;
	uint32_t *h;
	uint64_t t;
	pid_t pid;
	long bad;

	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	oi = oinfo(fd, 0);
	EXPECT_EQ(oi.pool_size, (uint64_t)MLK_POOL_MB * MIB);
	n = oi.pool_size / (2 * PG);
	h = calloc(n, sizeof(*h));
	p = calloc(n, sizeof(*p));
	EXPECT(h && p, "calloc");
	EXPECT_EQ(pipe(go), 0);
	pid = mlk_child(go, mlk_unbinder, -1, 0);
	EXPECT(pid > 0, "fork");
	close(go[0]);
	for (i = 0; i < n; i++) {
		p[i] = mmb_obj_new(fd, 2 * PG, MMB_OBJ_DEVICE, &h[i]);
		EXPECT(p[i], "object %d: %s", i, strerror(errno));
		pattern_fill(p[i], 2 * PG, seed + i, 0);
	}
	EXPECT_EQ(oinfo(fd, 0).pool_free, 0);
	kfd = kmsg_open();
	EXPECT_OK(kfd);

	EXPECT_EQ(write(go[1], "g", 1), 1);
	for (t = mmb_now_ns() + 10000000000ULL; !oinfo(fd, 0).pool_free;)
		EXPECT(mmb_now_ns() < t, "removal moved nothing in 10 s");
	EXPECT_EQ(kill(pid, SIGKILL), 0);
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	EXPECT(access(dut_path(), F_OK), "soft0 is still there");

	lost = mlk_lost_lines(kfd);
	close(kfd);
	oi = oinfo(fd, 0);
	printf("# removal killed after its first move: %d of %d objects lost\n",
	       lost, n);
	EXPECT(!lost, "%d of %d objects lost by a removal whose task was "
	       "killed", lost, n);
	EXPECT_EQ(oi.pool_free, oi.pool_size);
	EXPECT_EQ(oi.objects, n);
	for (i = 0; i < n; i++) {
		if (!(i % 512) || i == n - 1) {
			oi = oinfo(fd, h[i]);
			EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
			EXPECT_EQ(oi.migrations, 1);
		}
		bad = pattern_check(p[i], 2 * PG, seed + i, 0);
		EXPECT(bad < 0, "object %d: byte %ld differs", i, bad);
		EXPECT_EQ(munmap(p[i], 2 * PG), 0);
	}
	close(fd);
	r = bind_empty("soft0", &fd);
	if (r)
		return r;
	close(fd);
	return T_PASS;
}

/* soft0 with a large pool for @fn, then as the harness loaded it. */
static int with_big_pool(int (*fn)(void))
{
	NEED_SOFT();
	char param[32];

	if (access(dut_path(), F_OK))
		SKIP("no soft0");
	snprintf(param, sizeof(param), "soft_pool_mb=%d", MLK_POOL_MB);
	return with_module_params(param, fn);
}

static int test_move_lock_killable(void)
{
	return with_big_pool(move_lock_killable);
}

static int test_move_killed_mid_copy(void)
{
	return with_big_pool(move_killed_mid_copy);
}

static int test_removal_killed_saves_all(void)
{
	return with_big_pool(removal_killed_saves_all);
}

const struct mmb_test object_tests[] = {
	{ "object/create_map_rw", test_create_map_rw },
	{ "object/migrate_under_writers", test_migrate_under_writers, 300 },
	{ "object/evict_lru", test_evict_lru },
	{ "object/destroy_while_mapped", test_destroy_while_mapped },
	{ "object/bad_args", test_bad_args },
	{ "object/ram_cache", test_ram_cache },
	{ "object/remove_with_objects", test_remove_with_objects },
	{ "object/migrate_racing_fork", test_migrate_racing_fork },
	{ "object/lost_at_removal", test_lost_at_removal },
	{ "object/memcg_charged_to_owner", test_memcg_charged_to_owner },
	{ "object/memcg_limit", test_memcg_limit },
	{ "object/memcg_blocked_head", test_memcg_blocked_head },
	{ "object/memcg_released", test_memcg_released },
	{ "object/memcg_cache_untouched", test_memcg_cache_untouched },
	{ "object/move_lock_killable", test_move_lock_killable, 900 },
	{ "object/move_killed_mid_copy", test_move_killed_mid_copy, 300 },
	{ "object/removal_killed_saves_all", test_removal_killed_saves_all,
	  300 },
	/* Last: it leaves data in ivshmem0's pool tail for the host. */
	{ "object/migrate_roundtrip_exact", test_migrate_roundtrip_exact },
	{ "object/cache_vs_shrinker", test_cache_vs_shrinker },
	{ NULL }
};
