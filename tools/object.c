// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge migrate, the demo's migratable-object section and
 * `mmbridge bench object`.
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
#include "bench.h"
#include "object.h"

#define PG	4096UL
#define MIB	(1024UL * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

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

static void *obj_new(int fd, size_t len, uint32_t placement, uint32_t *h)
{
	uint64_t off;
	int r = mmb_obj_create(fd, len, placement, h, &off);

	if (r) {
		errno = -r;
		return NULL;
	}
	return mmb_obj_map(fd, off, len);
}

/*
 * mmbridge migrate DEV [SIZE_MIB [ROUNDS]]: an object moves between RAM
 * and DEV's pool ROUNDS times each way, mapped and checked all along.
 */
int cmd_migrate(const char *name, size_t size_mib, unsigned int rounds)
{
	size_t len = size_mib * MIB;
	uint64_t t_dev = 0, t_ram = 0, t0, seed = now_ns();
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
	p = obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!p) {
		fprintf(stderr, "mmbridge: migrate: object of %zu MiB on %s: %s\n",
			size_mib, name, strerror(errno));
		close(fd);
		return 1;
	}
	fill(p, len, seed);
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		ret = mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE);
		t_dev += now_ns() - t0;
		if (!ret && (bad = check(p, len, seed)) >= 0)
			ret = -EIO;
		if (!ret) {
			seed++;
			fill(p, len, seed);
			t0 = now_ns();
			ret = mmb_obj_migrate(fd, h, MMB_OBJ_RAM);
			t_ram += now_ns() - t0;
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
	w.p = obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!w.p)
		return -errno;
	printf("  a %zu KiB object in RAM, mapped at %p; a thread stores sequence numbers into every word\n",
	       len >> 10, (void *)w.p);
	pthread_create(&th, NULL, demo_writer_fn, &w);
	t0 = now_ns();
	for (i = 0; i < 200; i++)
		if (mmb_obj_migrate(fd, h, i & 1 ? MMB_OBJ_RAM : MMB_OBJ_DEVICE))
			break;
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	mmb_obj_info(fd, h, &oi);
	for (k = 0; k < w.words && w.p[k] == w.seq; k++)
		;
	printf("  %d moves RAM <-> device in %.1f ms under the writer (%llu sweeps, %llu faults): %s\n",
	       i, (now_ns() - t0) / 1e6, (unsigned long long)w.seq,
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
		ps[i] = obj_new(fd, MIB, MMB_OBJ_DEVICE, &hs[i]);
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

/* Per-page first touch of a fresh mapping of an object in @placement. */
static double obj_touch_ns(int fd, size_t len, uint32_t placement)
{
	volatile uint8_t *p;
	uint64_t t0, t1;
	uint32_t h;
	size_t i;

	p = obj_new(fd, len, placement, &h);
	if (!p)
		return -1;
	t0 = now_ns();
	for (i = 0; i < len; i += PG)
		p[i] = 1;
	t1 = now_ns();
	munmap((void *)p, len);
	mmb_obj_destroy(fd, h);
	return (double)(t1 - t0) / (len / PG);
}

/*
 * migrate_mbps: a mapped, populated 16 MiB object of soft0 moves to the
 * pool and back; bytes moved per second over both moves.  Against
 * memcpy_mbps, memcpy() of 16 MiB between two populated buffers, measured
 * alternately in the same run.  fault_object_ns: the first touch of a page
 * of an object in the pool (fault_object_ram_ns: in RAM).
 */
int bench_object(struct bench_out *out)
{
	enum { REPS = 7 };
	const size_t len = 16 * MIB;
	double mig[REPS], to_dev[REPS], to_ram[REPS], mc[REPS], fo[REPS];
	double fr[REPS];
	volatile uint64_t *p;
	struct mmb_obj_info oi;
	uint8_t *a, *b;
	uint32_t h;
	int fd = mmb_open("soft0", 0), r, ret;

	if (fd < 0)
		return fd;
	ret = mmb_obj_info(fd, 0, &oi);
	if (ret || oi.pool_size < 2 * len) {
		fprintf(stderr, "bench object: soft0's pool has %llu MiB, needs 32 (soft_pool_mb=64)\n",
			(unsigned long long)oi.pool_size >> 20);
		close(fd);
		return ret ? ret : -ENOSPC;
	}
	a = malloc(len);
	b = malloc(len);
	p = obj_new(fd, len, MMB_OBJ_RAM, &h);
	if (!a || !b || !p) {
		ret = -ENOMEM;
		goto out;
	}
	memset(a, 1, len);
	memset(b, 2, len);
	fill(p, len, 7);
	for (r = 0; r < REPS; r++) {
		uint64_t t0, t1, t2;

		t0 = now_ns();
		ret = mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE);
		t1 = now_ns();
		if (!ret) {
			fill(p, len, r);	/* populate the new mapping */
			t2 = now_ns();
			ret = mmb_obj_migrate(fd, h, MMB_OBJ_RAM);
			to_ram[r] = now_ns() - t2;
		}
		if (ret || check(p, len, r) >= 0) {
			ret = ret ? ret : -EIO;
			goto out;
		}
		to_dev[r] = t1 - t0;
		mig[r] = 2.0 * len * 1e3 / (to_dev[r] + to_ram[r]);
		to_dev[r] = len * 1e3 / to_dev[r];
		to_ram[r] = len * 1e3 / to_ram[r];
		fill(p, len, r);

		t0 = now_ns();
		memcpy(r & 1 ? a : b, r & 1 ? b : a, len);
		mc[r] = len * 1e3 / (now_ns() - t0);

		fo[r] = obj_touch_ns(fd, 8 * MIB, MMB_OBJ_DEVICE);
		fr[r] = obj_touch_ns(fd, 8 * MIB, MMB_OBJ_RAM);
		if (fo[r] < 0 || fr[r] < 0) {
			ret = -ENOMEM;
			goto out;
		}
		bench_progress(out, "object", (r + 1) * 100 / REPS);
	}
	{
		double m = bench_median(mig, REPS), c = bench_median(mc, REPS);

		bench_figure(out, "migrate_mbps", m);
		bench_figure(out, "migrate_to_device_mbps",
			     bench_median(to_dev, REPS));
		bench_figure(out, "migrate_to_ram_mbps",
			     bench_median(to_ram, REPS));
		bench_figure(out, "memcpy_mbps", c);
		bench_figure(out, "ratio_migrate_vs_memcpy", m / c);
		bench_figure(out, "fault_object_ns", bench_median(fo, REPS));
		bench_figure(out, "fault_object_ram_ns", bench_median(fr, REPS));
	}
out:
	if (p)
		munmap((void *)p, len);
	free(a);
	free(b);
	close(fd);
	return ret;
}
