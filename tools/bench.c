// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench: throughput of each mechanism against its baseline,
 * measured in one run, variants alternating, medians of repeats.
 *
 * copy: bytes from a kernel buffer into the caller's memory:
 *   memcpy_user          memcpy() between two user buffers (the ceiling)
 *   copy_sync            read() copying in the caller (copy_to_user)
 *   copy_worker          read() handing the copy to a worker thread
 *   copy_async           8 asynchronous copies kept in flight
 *   process_vm_writev    a helper process writing into the reader
 * MB/s are 10^6 bytes per second.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mmbridge.h"

#define BIG		(1 << 20)
#define SMALL		4096
#define QDEPTH		8
#define REPEATS		7

struct copy_ctx {
	int fd_sync, fd_worker, fd_async;
	uint8_t *src;			/* user copy of the kernel buffer */
	uint8_t *dst[QDEPTH];
	pid_t helper;
	int to_helper, from_helper;
	const char *error;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t total_for(size_t size)
{
	return size == BIG ? (size_t)48 << 20 : (size_t)6 << 20;
}

static double mbps(size_t bytes, double secs)
{
	return secs > 0 ? bytes / secs / 1e6 : 0;
}

static double run_memcpy(struct copy_ctx *c, size_t size)
{
	size_t total = total_for(size), done;
	double t0 = now_s();

	for (done = 0; done < total; done += size) {
		memcpy(c->dst[0], c->src, size);
		__asm__ volatile("" : : "r"(c->dst[0]) : "memory");
	}
	return mbps(total, now_s() - t0);
}

static double run_read(struct copy_ctx *c, int fd, size_t size)
{
	size_t total = total_for(size), done;
	double t0 = now_s();

	for (done = 0; done < total; done += size) {
		if (read(fd, c->dst[0], size) != (ssize_t)size) {
			c->error = "read";
			return 0;
		}
	}
	return mbps(total, now_s() - t0);
}

static double run_sync(struct copy_ctx *c, size_t size)
{
	return run_read(c, c->fd_sync, size);
}

static double run_worker(struct copy_ctx *c, size_t size)
{
	return run_read(c, c->fd_worker, size);
}

static double run_async(struct copy_ctx *c, size_t size)
{
	size_t n = total_for(size) / size, submitted = 0, completed = 0;
	struct mmb_copy_completion comp[QDEPTH];
	int free_slots[QDEPTH], nfree = QDEPTH, i;
	double t0 = now_s();

	for (i = 0; i < QDEPTH; i++)
		free_slots[i] = i;
	while (completed < n) {
		int k;

		while (nfree && submitted < n) {
			int slot = free_slots[--nfree];

			if (mmb_copy_submit(c->fd_async, c->dst[slot], size, 0,
					    slot)) {
				c->error = "submit";
				return 0;
			}
			submitted++;
		}
		k = mmb_copy_reap(c->fd_async, comp, QDEPTH, MMB_REAP_WAIT);
		if (k <= 0) {
			c->error = "reap";
			return 0;
		}
		for (i = 0; i < k; i++) {
			if (comp[i].result != (int64_t)size) {
				c->error = "async copy short";
				return 0;
			}
			free_slots[nfree++] = comp[i].cookie;
		}
		completed += k;
	}
	return mbps(total_for(size), now_s() - t0);
}

/* The helper writes into dst[0] of its parent; it times itself. */
static void helper_main(struct copy_ctx *c, pid_t parent, int in, int out)
{
	uint8_t *buf = malloc(BIG);
	size_t size;

	memcpy(buf, c->src, BIG);
	while (read(in, &size, sizeof(size)) == sizeof(size)) {
		size_t total = total_for(size), done;
		struct iovec l = { buf, size }, r = { c->dst[0], size };
		double t0 = now_s(), res;

		for (done = 0; done < total; done += size)
			if (process_vm_writev(parent, &l, 1, &r, 1, 0) !=
			    (ssize_t)size)
				break;
		res = done < total ? 0 : mbps(total, now_s() - t0);
		if (write(out, &res, sizeof(res)) != sizeof(res))
			break;
	}
	_exit(0);
}

static double run_pvw(struct copy_ctx *c, size_t size)
{
	double res = 0;

	if (write(c->to_helper, &size, sizeof(size)) != sizeof(size) ||
	    read(c->from_helper, &res, sizeof(res)) != sizeof(res) || !res)
		c->error = "process_vm_writev";
	return res;
}

static int open_mode(uint32_t mode, const uint8_t *src)
{
	int fd = mmb_open("soft0", 0);

	if (fd < 0)
		return fd;
	if (mmb_copy_config(fd, mode, MMB_SRC_BUFFER, 0, 0, 0) ||
	    write(fd, src, BIG) != BIG) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int setup(struct copy_ctx *c)
{
	int to[2], from[2], i;
	pid_t parent = getpid();

	memset(c, 0, sizeof(*c));
	c->src = malloc(BIG);
	if (!c->src)
		return -ENOMEM;
	for (i = 0; i < BIG; i++)
		c->src[i] = i * 131 + 7;
	for (i = 0; i < QDEPTH; i++) {
		c->dst[i] = malloc(BIG);
		if (!c->dst[i])
			return -ENOMEM;
		memset(c->dst[i], 0, BIG);	/* populated */
	}
	c->fd_sync = open_mode(MMB_COPY_SYNC, c->src);
	c->fd_worker = open_mode(MMB_COPY_WORKER, c->src);
	c->fd_async = open_mode(MMB_COPY_ASYNC, c->src);
	if (c->fd_sync < 0 || c->fd_worker < 0 || c->fd_async < 0)
		return -ENODEV;
	if (pipe(to) || pipe(from))
		return -errno;
	c->helper = fork();
	if (c->helper < 0)
		return -errno;
	if (c->helper == 0) {
		close(to[1]);
		close(from[0]);
		helper_main(c, parent, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	c->to_helper = to[1];
	c->from_helper = from[0];
	return 0;
}

static void teardown(struct copy_ctx *c)
{
	int i;

	close(c->to_helper);
	close(c->from_helper);
	if (c->helper > 0)
		waitpid(c->helper, NULL, 0);
	close(c->fd_sync);
	close(c->fd_worker);
	close(c->fd_async);
	for (i = 0; i < QDEPTH; i++)
		free(c->dst[i]);
	free(c->src);
}

static const struct {
	const char *name;
	double (*run)(struct copy_ctx *c, size_t size);
} variants[] = {
	{ "memcpy_user", run_memcpy },
	{ "copy_sync", run_sync },
	{ "copy_worker", run_worker },
	{ "copy_async", run_async },
	{ "process_vm_writev", run_pvw },
};

#define NVAR	(sizeof(variants) / sizeof(variants[0]))

int bench_copy(struct bench_out *out)
{
	static const size_t sizes[] = { BIG, SMALL };
	double v[NVAR][REPEATS], med[2][NVAR];
	struct copy_ctx c;
	size_t s, k;
	int r, ret;

	ret = setup(&c);
	if (ret) {
		fprintf(stderr, "bench copy: setup: %s\n", strerror(-ret));
		return ret;
	}
	for (s = 0; s < 2; s++) {
		for (k = 0; k < NVAR; k++)	/* warm-up */
			variants[k].run(&c, sizes[s]);
		for (r = 0; r < REPEATS; r++) {
			/* Rotate the order so no variant always goes first. */
			for (k = 0; k < NVAR; k++) {
				size_t i = (k + r) % NVAR;

				v[i][r] = variants[i].run(&c, sizes[s]);
			}
			bench_progress(out, "copy", (s * REPEATS + r + 1) * 100 /
				       (2 * REPEATS));
		}
		for (k = 0; k < NVAR; k++) {
			char name[64];

			med[s][k] = bench_median(v[k], REPEATS);
			snprintf(name, sizeof(name), "%s_mbps%s", variants[k].name,
				 sizes[s] == BIG ? "" : "_4k");
			bench_figure(out, name, med[s][k]);
		}
	}
	teardown(&c);
	if (c.error) {
		fprintf(stderr, "bench copy: %s failed\n", c.error);
		return -EIO;
	}
	/* memcpy 0, sync 1, worker 2, async 3, pvw 4 */
	bench_figure(out, "ratio_copy_worker_vs_sync_1m", med[0][2] / med[0][1]);
	bench_figure(out, "ratio_copy_async_vs_sync_1m", med[0][3] / med[0][1]);
	bench_figure(out, "ratio_copy_worker_vs_pvw_1m", med[0][2] / med[0][4]);
	bench_figure(out, "ratio_copy_worker_vs_sync_4k", med[1][2] / med[1][1]);
	return 0;
}
