// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench copy: the foreign-context copy engine against the copies
 * it replaces, each variant moving the same bytes from the same kind of
 * source into the same kind of destination, measured in the same run.
 *
 * The source is a ring of R bytes, R = max(copy size, 1 MiB).  On soft0's
 * copy fds it is the fd's buffer source (write() of R bytes; read() then
 * walks it from offset 0, one copy size a step, wrapping); user-space
 * copies read the same R bytes of this process's memory at the same
 * offsets.  Destinations are this process's anonymous memory, zeroed (so
 * populated) before each run: one buffer of the copy size per thread, or
 * one per copy in flight.  Where buffers start is chosen so that no
 * variant meets an emulator artifact (see struct buf).  Variants:
 *
 *   memcpy          a thread memcpy()s from the user ring into its buffer:
 *                   the same bytes without a system call or the kernel.
 *   copy_sync       a thread read()s an fd in MMB_COPY_SYNC: the caller
 *                   copies (copy_to_user(), 128 KiB chunks).
 *   copy_worker     the same read() on an fd in MMB_COPY_WORKER: the caller
 *                   sleeps while the mmb-copy worker of its CPU adopts its
 *                   mm and runs the same copy loop.
 *   copy_async      a submitter thread on an fd in MMB_COPY_WORKER keeps Q
 *                   Linux aio reads in flight (IOCB_CMD_PREAD, each into
 *                   its own buffer, the free ones submitted together with
 *                   one io_submit()), reaping with io_getevents()
 *                   (waiting); the engine spreads them over its N workers.
 *   copy_sync_threads  N threads, each doing copy_sync on an fd of its own:
 *                   N copies in flight, each in its caller's system call.
 * N is the number of mmb-copy/N kernel threads (one per guest CPU unless
 * the module parameter copy_workers says otherwise); Q is 32.
 *
 * A run lasts a fixed time and counts the bytes moved; told to stop, it
 * finishes (async: reaps) what it started, so every byte counted arrived.
 * Then the data is checked: each destination buffer holds the source bytes
 * of the last copy into it.  Every figure is measured in
 * REPEATS repeats (sweep points SWEEP_REPEATS); a repeat gives each variant
 * RUN_S (sweeps SWEEP_S) in slices of SLICE_S, the variants taking turns
 * slice by slice in an order rotated from one slice and one repeat to the
 * next, so that a slow spell of the machine falls on all variants of the
 * repeat.  Ratios are the median of the per-repeat ratios.
 *
 * Figures (<sz> is 64b, 4k, 64k, 1m; MB/s are 10^6 bytes per second):
 *   <variant>_mbps_<sz>, <variant>_cpu_s_per_gb_<sz>: throughput, and
 *     machine-wide busy CPU seconds (all CPUs: this process, the mmb-copy
 *     workers, interrupts, anything else) per 10^9 bytes moved; and for
 *     async and the sync threads _task_cpu_s_per_gb_64k, the CPU time of
 *     this process's threads and of the mmb-* kernel threads by their own
 *     clocks.  Under emulation on a busy host the two differ: /proc/stat
 *     counts busy time in ticks, and a vCPU the host has descheduled loses
 *     its ticks (undercounting), while the tasks' clocks run on (over-
 *     counting); the truth lies between;
 *   <variant>_us_per_copy_<sz>: wall time per copy (per call);
 *   <variant>_caller_run_us_<sz>, _caller_wait_us_<sz>: per copy, the
 *     calling threads' time on a CPU and waiting on a run queue, and
 *     _kthread_run_us_<sz>, _kthread_wait_us_<sz>: the same of the mmb-copy
 *     workers (their wait: from being woken to running), from
 *     /proc/<tid>/schedstat;
 *   ratio_copy_worker_vs_sync_<sz>, ratio_copy_sync_vs_memcpy_<sz>,
 *   ratio_copy_async_vs_sync_threads[_cpu|_task_cpu]_64k (async with Q in
 *     flight against N sync threads; _cpu: machine-wide CPU seconds per
 *     byte, async / threads; _task_cpu: the same by the tasks' clocks),
 *   ratio_copy_worker_vs_sync_{cpu_hog,memory}_64k: under background load;
 *   handoff_futex_roundtrip_us: two threads pinned to one CPU handing a
 *     futex back and forth: what two context switches cost on this machine;
 *   copy_workers, copy_cpus: N and the online CPUs.
 * Sweeps: copy_size[_cpu] (64 B to 16 MiB by 4; async with
 * Q = min(32, 32 MiB / size)), copy_async_qd[_cpu] (1 to 256 in flight,
 * 64 KiB), copy_submitters[_cpu] (1 to 4 sync threads, async submitters
 * with 32 and with 1 in flight each, 64 KiB), copy_load (sync and worker
 * at 64 KiB, idle, a CPU hog on every CPU, memory pressure; REPEATS
 * repeats of SWEEP_S).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mmbridge.h"

#define KiB		1024UL
#define MiB		(1024UL * 1024)
#define RING_MIN	MiB		/* smallest source ring */
#define MAX_SIZE	(16 * MiB)	/* largest copy */
#define MAX_DST		(32 * MiB)	/* destination buffers of one thread */
#define MAX_THREADS	16		/* N synchronous threads at most */
#define SWEEP_THREADS	4
#define MAX_QD		MMB_COPY_MAX_INFLIGHT
#define QD		32		/* async copies in flight */
#define REPEATS		5
#define SWEEP_REPEATS	3
#define RUN_S		0.5		/* one run of a figure */
#define SWEEP_S		0.2		/* one run of a sweep point */
#define SLICE_S		0.1		/* jobs take turns this long */
#define WARM_S		0.05

enum kind {
	K_MEMCPY, K_SYNC, K_WORKER, K_ASYNC
};

/*
 * Placement of the buffers.  Under TCG the guest's TLB is emulated by a
 * direct-mapped table indexed by page number: a copy whose source and
 * destination sit at the same distance from 2 MiB boundaries has them
 * evict each other on every access, and runs about ten times slower.
 * In-syscall and worker copies of 2, 4 and 16 MiB fell to 60-200 MB/s
 * that way (a 2 MiB-aligned vmalloc()ed ring, a 2 MiB-aligned
 * destination) while copies of 1.5, 2.5 and 3 MiB ran at 1 GB/s.
 * Hardware TLBs
 * are set-associative and do not do that.  So every buffer starts a
 * chosen number of pages past a 2 MiB boundary, different for any two
 * that a copy pairs: the kernel's large buffers at 0 (kmalloc() pages of
 * 1 MiB and more are aligned to their size, vmalloc() areas from 2 MiB up
 * to 2 MiB), the user ring at AT_RING (it pairs only with destinations)
 * and destinations at AT_DST.
 */
#define AT_RING		0	/* pages past a 2 MiB boundary */
#define AT_DST		1

struct buf {
	uint8_t *p;
	void *map;
	size_t map_len;
};

static uint8_t *buf_alloc(struct buf *b, size_t len, int page)
{
	size_t two_mib = 2 * 1024 * 1024;
	uintptr_t p;

	b->map_len = len + 2 * two_mib;
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		b->p = NULL;
		return NULL;
	}
	p = ((uintptr_t)b->map + two_mib - 1) & ~(uintptr_t)(two_mib - 1);
	b->p = (uint8_t *)p + page * 4096;
	memset(b->p, 0, len);	/* populated */
	return b->p;
}

static void buf_free(struct buf *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	b->map = NULL;
	b->p = NULL;
}

/* fds of the variants: sync, worker, async (the last two in WORKER mode) */
#define NMODES		3

struct job {
	enum kind kind;
	size_t size;
	int threads;		/* threads, or async submitters */
	int qd;			/* async: copies in flight per submitter */
};

/* Scheduler statistics of a task, /proc/.../schedstat: seconds, count. */
struct sched {
	double run, wait, slices;
};

struct result {
	double bytes, copies;
	struct bench_cpu cpu;
	struct sched caller;	/* the calling threads, summed */
	struct sched workers;	/* the mmb-copy threads, summed */
};

struct copy_ctx {
	uint8_t *src;		/* MAX_SIZE bytes: the rings' contents */
	struct buf mem_src;
	int fd[NMODES][MAX_THREADS];
	size_t fd_ring[NMODES][MAX_THREADS];
	int nworkers;
	int worker_pid[64];
	int stop;
	const char *error;
};

/* Threads of a run wait here until all are ready. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
};

struct thread {
	struct copy_ctx *c;
	const struct job *j;
	struct gate *go;
	int fd;
	uint8_t *dst;
	struct buf dst_buf;
	size_t ring;
	aio_context_t ctx;		/* async: its aio context, or 0 */
	struct iocb cbs[MAX_QD];	/* async: per buffer, its read */
	uint64_t last_off[MAX_QD];	/* per buffer: offset last copied in */
	bool used[MAX_QD];
	double bytes, copies;
	struct sched s0, s1;
	const char *error;
};

static size_t ring_for(size_t size)
{
	return size > RING_MIN ? size : RING_MIN;
}

static void sched_read(const char *path, struct sched *s)
{
	unsigned long long run = 0, wait = 0, slices = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%llu %llu %llu", &run, &wait, &slices) != 3)
			run = wait = slices = 0;
		fclose(f);
	}
	s->run = run / 1e9;
	s->wait = wait / 1e9;
	s->slices = slices;
}

static void sched_sub(struct sched *d, const struct sched *a,
		      const struct sched *b)
{
	d->run += b->run - a->run;
	d->wait += b->wait - a->wait;
	d->slices += b->slices - a->slices;
}

static void workers_sched(const struct copy_ctx *c, struct sched *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < c->nworkers; i++) {
		char path[64];
		struct sched s;

		snprintf(path, sizeof(path), "/proc/%d/schedstat",
			 c->worker_pid[i]);
		sched_read(path, &s);
		sum->run += s.run;
		sum->wait += s.wait;
		sum->slices += s.slices;
	}
}

/* The engine's workers: the kernel threads named mmb-copy/N. */
static void find_workers(struct copy_ctx *c)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	c->nworkers = 0;
	while (d && (e = readdir(d))) {
		char path[64], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "mmb-copy/", 9) && c->nworkers < 64)
			c->worker_pid[c->nworkers++] = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
}

static int stopped(struct copy_ctx *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_RELAXED);
}

static void loop_memcpy(struct thread *t)
{
	size_t size = t->j->size, off = 0;

	do {
		memcpy(t->dst, t->c->src + off, size);
		__asm__ volatile("" : : "r"(t->dst) : "memory");
		t->last_off[0] = off;
		t->used[0] = true;
		off = (off + size) % t->ring;
		t->copies++;
	} while (!stopped(t->c));
}

static void loop_read(struct thread *t)
{
	size_t size = t->j->size, off = 0;

	do {
		if (read(t->fd, t->dst, size) != (ssize_t)size) {
			t->error = "read";
			return;
		}
		t->last_off[0] = off;
		t->used[0] = true;
		off = (off + size) % t->ring;
		t->copies++;
	} while (!stopped(t->c));
}

static void loop_async(struct thread *t)
{
	struct iocb *list[MAX_QD];
	struct io_event ev[MAX_QD];
	int free_slot[MAX_QD], nfree = t->j->qd, inflight = 0, i, n;
	size_t size = t->j->size, off = 0;
	bool started = false;
	long k;

	for (i = 0; i < nfree; i++)
		free_slot[i] = i;
	for (;;) {
		for (n = 0; nfree && (!stopped(t->c) || !started); n++) {
			int slot = free_slot[--nfree];
			struct iocb *cb = &t->cbs[slot];

			memset(cb, 0, sizeof(*cb));
			cb->aio_fildes = t->fd;
			cb->aio_lio_opcode = IOCB_CMD_PREAD;
			cb->aio_buf = (uintptr_t)(t->dst + slot * size);
			cb->aio_nbytes = size;
			cb->aio_offset = off;
			cb->aio_data = slot;
			list[n] = cb;
			t->last_off[slot] = off;
			off = (off + size) % t->ring;
			started = true;
		}
		if (n && syscall(SYS_io_submit, t->ctx, (long)n, list) != n) {
			t->error = "io_submit";
			return;
		}
		inflight += n;
		if (!inflight)
			break;
		k = syscall(SYS_io_getevents, t->ctx, 1L, (long)t->j->qd, ev,
			    NULL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			t->error = "io_getevents";
			return;
		}
		for (i = 0; i < k; i++) {
			if (ev[i].res != (int64_t)size) {
				t->error = "async copy short";
				return;
			}
			t->used[ev[i].data] = true;
			free_slot[nfree++] = ev[i].data;
		}
		inflight -= k;
		t->copies += k;
	}
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	sched_read("/proc/thread-self/schedstat", &t->s0);
	pthread_mutex_lock(&t->go->lock);
	while (!t->go->open)
		pthread_cond_wait(&t->go->cond, &t->go->lock);
	pthread_mutex_unlock(&t->go->lock);
	switch (t->j->kind) {
	case K_MEMCPY:
		loop_memcpy(t);
		break;
	case K_SYNC:
	case K_WORKER:
		loop_read(t);
		break;
	case K_ASYNC:
		loop_async(t);
		break;
	}
	sched_read("/proc/thread-self/schedstat", &t->s1);
	t->bytes = t->copies * t->j->size;
	if (t->error)	/* let the others stop too */
		__atomic_store_n(&t->c->stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * The fd of copy mode @mode for thread @i, its buffer source a ring of
 * @ring bytes of c->src, read from offset 0 on.
 */
static int mode_fd(struct copy_ctx *c, enum kind kind, int i, size_t ring)
{
	int mode = kind == K_SYNC ? MMB_COPY_SYNC : MMB_COPY_WORKER;
	int *fd = &c->fd[kind - K_SYNC][i];

	if (*fd < 0) {
		*fd = mmb_open("soft0", 0);
		if (*fd < 0)
			return *fd;
		c->fd_ring[kind - K_SYNC][i] = 0;
	}
	if (c->fd_ring[kind - K_SYNC][i] != ring) {
		if (mmb_copy_config(*fd, mode, MMB_SRC_BUFFER, 0,
				    MMB_COPY_CLEAR_BUFFER, 0) ||
		    write(*fd, c->src, ring) != (ssize_t)ring)
			return -EIO;
		c->fd_ring[kind - K_SYNC][i] = ring;
	}
	if (mmb_copy_config(*fd, mode, MMB_SRC_BUFFER, 0, MMB_COPY_SET_OFFSET,
			    0))
		return -EIO;
	return *fd;
}

/* Bytes @t's destination buffers must hold after the run. */
static bool thread_data_ok(const struct thread *t)
{
	size_t size = t->j->size;
	int n = t->j->kind == K_ASYNC ? t->j->qd : 1, i;

	for (i = 0; i < n; i++)
		if (t->used[i] && memcmp(t->dst + i * size,
					 t->c->src + t->last_off[i], size))
			return false;
	return true;
}

/*
 * Run @j for @secs seconds: threads started, released together, stopped,
 * joined; CPU and scheduler statistics around it; the data checked.
 * 0, or -errno with c->error set.
 */
static int run_job(struct copy_ctx *c, const struct job *j, double secs,
		   struct result *res)
{
	static struct thread th[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	struct gate go = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   false };
	struct sched w0, w1;
	size_t ring = ring_for(j->size);
	size_t dst_len = j->size * (j->kind == K_ASYNC ? j->qd : 1);
	struct timespec ts = { (time_t)secs,
			       (long)((secs - (time_t)secs) * 1e9) };
	int i, started = 0, ret = 0;

	memset(res, 0, sizeof(*res));
	if (j->threads < 1 || j->threads > MAX_THREADS || dst_len > MAX_DST ||
	    (j->kind == K_ASYNC && (j->qd < 1 || j->qd > MAX_QD))) {
		c->error = "bad job";
		return -EINVAL;
	}
	__atomic_store_n(&c->stop, 0, __ATOMIC_RELAXED);
	memset(th, 0, sizeof(th));
	for (i = 0; i < j->threads; i++) {
		struct thread *t = &th[i];

		t->c = c;
		t->j = j;
		t->go = &go;
		t->ring = ring;
		t->fd = -1;
		if (j->kind != K_MEMCPY) {
			t->fd = mode_fd(c, j->kind, i, ring);
			if (t->fd < 0) {
				c->error = "soft0 copy fd";
				ret = t->fd;
				break;
			}
		}
		if (j->kind == K_ASYNC &&
		    syscall(SYS_io_setup, (long)j->qd, &t->ctx)) {
			t->ctx = 0;
			c->error = "io_setup";
			ret = -errno;
			break;
		}
		t->dst = buf_alloc(&t->dst_buf, dst_len, AT_DST);
		if (!t->dst) {
			c->error = "mmap";
			ret = -ENOMEM;
			break;
		}
	}
	for (i = 0; !ret && i < j->threads; i++) {
		if (pthread_create(&tid[i], NULL, thread_main, &th[i])) {
			c->error = "pthread_create";
			ret = -EAGAIN;
			break;
		}
		started++;
	}
	if (ret)	/* the threads started stop at once */
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	workers_sched(c, &w0);
	bench_cpu_start(&res->cpu);
	pthread_mutex_lock(&go.lock);
	go.open = true;
	pthread_cond_broadcast(&go.cond);
	pthread_mutex_unlock(&go.lock);
	if (!ret) {
		nanosleep(&ts, NULL);
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	bench_cpu_stop(&res->cpu);
	workers_sched(c, &w1);
	sched_sub(&res->workers, &w0, &w1);

	for (i = 0; i < j->threads; i++) {
		struct thread *t = &th[i];

		if (i < started) {
			res->bytes += t->bytes;
			res->copies += t->copies;
			sched_sub(&res->caller, &t->s0, &t->s1);
			if (t->error && !ret) {
				c->error = t->error;
				ret = -EIO;
			}
			if (!ret && t->dst && !thread_data_ok(t)) {
				c->error = "data check: a destination does not hold its source bytes";
				ret = -EIO;
			}
		}
		if (t->ctx)
			syscall(SYS_io_destroy, t->ctx);
		buf_free(&t->dst_buf);
	}
	if (!ret && !res->copies) {
		c->error = "no copy in a run";
		ret = -EIO;
	}
	return ret;
}

static double mbps(const struct result *r)
{
	return r->cpu.wall > 0 ? r->bytes / r->cpu.wall / 1e6 : 0;
}

static double cpu_s_per_gb(const struct result *r)
{
	return r->bytes > 0 ? r->cpu.machine / (r->bytes / 1e9) : 0;
}

static double per_copy_us(double s, const struct result *r)
{
	return r->copies > 0 ? s / r->copies * 1e6 : 0;
}

static const char *size_name(size_t size, char *buf, size_t len)
{
	if (size >= MiB)
		snprintf(buf, len, "%zum", size / MiB);
	else if (size >= KiB)
		snprintf(buf, len, "%zuk", size / KiB);
	else
		snprintf(buf, len, "%zub", size);
	return buf;
}

static void figure(struct bench_out *out, const char *variant,
		   const char *what, size_t size, const double *v, int n)
{
	char name[128], sz[16];

	snprintf(name, sizeof(name), "%s_%s_%s", variant, what,
		 size_name(size, sz, sizeof(sz)));
	bench_samples(out, name, v, n);
}

static void ratio(struct bench_out *out, const char *name, size_t size,
		  const double *num, const double *den, int n)
{
	char full[128], sz[16];

	snprintf(full, sizeof(full), "ratio_%s_%s", name,
		 size_name(size, sz, sizeof(sz)));
	bench_ratio(out, full, num, den, n);
}

static void result_add(struct result *sum, const struct result *r)
{
	sum->bytes += r->bytes;
	sum->copies += r->copies;
	sum->cpu.wall += r->cpu.wall;
	sum->cpu.machine += r->cpu.machine;
	sum->cpu.process += r->cpu.process;
	sum->cpu.kthreads += r->cpu.kthreads;
	sched_sub(&sum->caller, &(struct sched){ 0 }, &r->caller);
	sched_sub(&sum->workers, &(struct sched){ 0 }, &r->workers);
}

/*
 * Measure the jobs @j[0..nj) @reps times each, after a short warm-up of
 * each; results in r[job][repeat].  A repeat of @secs per job is cut in
 * slices of SLICE_S, the jobs taking turns slice by slice, in an order
 * rotated from one slice and one repeat to the next: a slow spell of the
 * machine (under emulation, the host running something else) falls on
 * every job of the repeat alike, so the ratios of a repeat hold.
 */
static int measure(struct copy_ctx *c, const struct job *j, int nj, int reps,
		   double secs, struct result r[][REPEATS])
{
	int slices = secs > SLICE_S ? (int)(secs / SLICE_S + 0.5) : 1;
	struct result one;
	int k, rep, sl, ret;

	for (k = 0; k < nj; k++) {
		ret = run_job(c, &j[k], WARM_S, &one);
		if (ret)
			return ret;
	}
	for (rep = 0; rep < reps; rep++) {
		for (k = 0; k < nj; k++)
			memset(&r[k][rep], 0, sizeof(r[k][rep]));
		for (sl = 0; sl < slices; sl++)
			for (k = 0; k < nj; k++) {
				int i = (k + rep + sl) % nj;

				ret = run_job(c, &j[i], secs / slices, &one);
				if (ret)
					return ret;
				result_add(&r[i][rep], &one);
			}
	}
	return 0;
}

/* Per-repeat values of one field of r[0..n). */
static void values(const struct result *r, int n,
		   double (*f)(const struct result *), double *v)
{
	int i;

	for (i = 0; i < n; i++)
		v[i] = f(&r[i]);
}

static double f_mbps(const struct result *r) { return mbps(r); }
static double f_cpu(const struct result *r) { return cpu_s_per_gb(r); }
/* This process's threads and the mmb-* kernel threads, per GB. */
static double f_task_cpu(const struct result *r)
{
	return r->bytes > 0 ?
		       (r->cpu.process + r->cpu.kthreads) / (r->bytes / 1e9) :
		       0;
}

static double f_us(const struct result *r)
{
	return per_copy_us(r->cpu.wall, r);
}
static double f_caller_run(const struct result *r)
{
	return per_copy_us(r->caller.run, r);
}
static double f_caller_wait(const struct result *r)
{
	return per_copy_us(r->caller.wait, r);
}
static double f_worker_run(const struct result *r)
{
	return per_copy_us(r->workers.run, r);
}
static double f_worker_wait(const struct result *r)
{
	return per_copy_us(r->workers.wait, r);
}
static double f_cpu_us(const struct result *r)
{
	return per_copy_us(r->cpu.machine, r);
}

static void samples(struct bench_out *out, const char *variant,
		    const char *what, size_t size, const struct result *r,
		    int n, double (*f)(const struct result *))
{
	double v[REPEATS];

	values(r, n, f, v);
	figure(out, variant, what, size, v, n);
}

static void ratio_of(struct bench_out *out, const char *name, size_t size,
		     const struct result *a, const struct result *b, int n,
		     double (*f)(const struct result *))
{
	double va[REPEATS], vb[REPEATS];

	values(a, n, f, va);
	values(b, n, f, vb);
	ratio(out, name, size, va, vb, n);
}

static void point(struct bench_out *out, const char *sweep, const char *x_label,
		  const char *y_label, const char *series, double x,
		  const struct result *r, int n,
		  double (*f)(const struct result *))
{
	double v[REPEATS];

	values(r, n, f, v);
	bench_point(out, sweep, x_label, y_label, series, x, v, n);
}

/* 1. Worker copy against the in-syscall copy and memcpy(), same sizes. */
static int part_sizes(struct copy_ctx *c, struct bench_out *out)
{
	static const size_t sizes[] = { 4 * KiB, 64 * KiB, MiB };
	static struct result r[3][REPEATS];
	size_t s;
	int ret;

	for (s = 0; s < 3; s++) {
		size_t size = sizes[s];
		const struct job j[3] = {
			{ K_MEMCPY, size, 1, 1 },
			{ K_SYNC, size, 1, 1 },
			{ K_WORKER, size, 1, 1 },
		};
		static const char *const name[3] = { "memcpy", "copy_sync",
						      "copy_worker" };
		int k;

		ret = measure(c, j, 3, REPEATS, RUN_S, r);
		if (ret)
			return ret;
		for (k = 0; k < 3; k++) {
			samples(out, name[k], "mbps", size, r[k], REPEATS,
				f_mbps);
			samples(out, name[k], "cpu_s_per_gb", size, r[k],
				REPEATS, f_cpu);
			samples(out, name[k], "us_per_copy", size, r[k],
				REPEATS, f_us);
		}
		ratio_of(out, "copy_worker_vs_sync", size, r[2], r[1], REPEATS,
			 f_mbps);
		ratio_of(out, "copy_sync_vs_memcpy", size, r[1], r[0], REPEATS,
			 f_mbps);
		/* Where a worker copy's time goes, per copy. */
		samples(out, "copy_worker", "caller_run_us", size, r[2],
			REPEATS, f_caller_run);
		samples(out, "copy_worker", "caller_wait_us", size, r[2],
			REPEATS, f_caller_wait);
		samples(out, "copy_worker", "kthread_run_us", size, r[2],
			REPEATS, f_worker_run);
		samples(out, "copy_worker", "kthread_wait_us", size, r[2],
			REPEATS, f_worker_wait);
		samples(out, "copy_sync", "caller_run_us", size, r[1], REPEATS,
			f_caller_run);
		bench_progress(out, "copy", (int)(s + 1) * 10);
	}
	return 0;
}

/* 2. N async workers, 32 in flight, against N synchronous threads. */
static int part_async(struct copy_ctx *c, struct bench_out *out, int n)
{
	static struct result r[2][REPEATS];
	const size_t size = 64 * KiB;
	const struct job j[2] = {
		{ K_ASYNC, size, 1, QD },
		{ K_SYNC, size, n, 1 },
	};
	int ret;

	ret = measure(c, j, 2, REPEATS, RUN_S, r);
	if (ret)
		return ret;
	samples(out, "copy_async", "mbps", size, r[0], REPEATS, f_mbps);
	samples(out, "copy_async", "cpu_s_per_gb", size, r[0], REPEATS, f_cpu);
	samples(out, "copy_sync_threads", "mbps", size, r[1], REPEATS, f_mbps);
	samples(out, "copy_sync_threads", "cpu_s_per_gb", size, r[1], REPEATS,
		f_cpu);
	ratio_of(out, "copy_async_vs_sync_threads", size, r[0], r[1], REPEATS,
		 f_mbps);
	ratio_of(out, "copy_async_vs_sync_threads_cpu", size, r[0], r[1],
		 REPEATS, f_cpu);
	/* The same from the tasks' own clocks (see the top of the file). */
	samples(out, "copy_async", "task_cpu_s_per_gb", size, r[0], REPEATS,
		f_task_cpu);
	samples(out, "copy_sync_threads", "task_cpu_s_per_gb", size, r[1],
		REPEATS, f_task_cpu);
	ratio_of(out, "copy_async_vs_sync_threads_task_cpu", size, r[0], r[1],
		 REPEATS, f_task_cpu);
	/* CPU per copy: the submitter's, the workers', all of the machine. */
	samples(out, "copy_async", "caller_run_us", size, r[0], REPEATS,
		f_caller_run);
	samples(out, "copy_async", "kthread_run_us", size, r[0], REPEATS,
		f_worker_run);
	samples(out, "copy_async", "cpu_us_per_copy", size, r[0], REPEATS,
		f_cpu_us);
	samples(out, "copy_sync_threads", "caller_run_us", size, r[1], REPEATS,
		f_caller_run);
	samples(out, "copy_sync_threads", "cpu_us_per_copy", size, r[1],
		REPEATS, f_cpu_us);
	bench_progress(out, "copy", 40);
	return 0;
}

static long futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

struct pingpong {
	int word;		/* 1: B's turn, 0: A's turn */
	int stop;
};

static void *pong_main(void *arg)
{
	struct pingpong *p = arg;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (;;) {
		while (!__atomic_load_n(&p->word, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			futex(&p->word, FUTEX_WAIT_PRIVATE, 0);
		if (__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			break;
		__atomic_store_n(&p->word, 0, __ATOMIC_RELEASE);
		futex(&p->word, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

/*
 * A thread handing work to another thread of the same CPU and sleeping
 * until it is handed back: two futex waits, two wakes, two context
 * switches per round trip.  What a handoff costs in this machine,
 * whatever does it.  Microseconds per round trip.
 */
static int handoff_roundtrip(struct copy_ctx *c, double secs, double *us)
{
	struct pingpong p = { 0, 0 };
	cpu_set_t one, old;
	pthread_t tid;
	double t0, t;
	long n = 0;

	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -errno;
	if (pthread_create(&tid, NULL, pong_main, &p)) {
		sched_setaffinity(0, sizeof(old), &old);
		c->error = "pthread_create";
		return -EAGAIN;
	}
	t0 = bench_now();
	do {
		__atomic_store_n(&p.word, 1, __ATOMIC_RELEASE);
		futex(&p.word, FUTEX_WAKE_PRIVATE, 1);
		while (__atomic_load_n(&p.word, __ATOMIC_ACQUIRE))
			futex(&p.word, FUTEX_WAIT_PRIVATE, 1);
		n++;
		t = bench_now() - t0;
	} while (t < secs);
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p.word, 1, __ATOMIC_RELEASE);
	futex(&p.word, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(tid, NULL);
	sched_setaffinity(0, sizeof(old), &old);
	*us = t / n * 1e6;
	return 0;
}

/*
 * 3. The fixed cost of a call: 64-byte copies in the caller and by a
 * worker, and a futex handoff between two threads of one CPU.
 */
static int part_calls(struct copy_ctx *c, struct bench_out *out)
{
	static struct result r[2][REPEATS];
	const struct job j[2] = {
		{ K_SYNC, 64, 1, 1 },
		{ K_WORKER, 64, 1, 1 },
	};
	double us[REPEATS];
	int ret, i;

	ret = measure(c, j, 2, SWEEP_REPEATS, SWEEP_S, r);
	if (ret)
		return ret;
	samples(out, "copy_sync", "us_per_copy", 64, r[0], SWEEP_REPEATS, f_us);
	samples(out, "copy_worker", "us_per_copy", 64, r[1], SWEEP_REPEATS,
		f_us);
	samples(out, "copy_worker", "caller_run_us", 64, r[1], SWEEP_REPEATS,
		f_caller_run);
	samples(out, "copy_worker", "kthread_run_us", 64, r[1], SWEEP_REPEATS,
		f_worker_run);
	samples(out, "copy_worker", "kthread_wait_us", 64, r[1], SWEEP_REPEATS,
		f_worker_wait);
	for (i = 0; i < SWEEP_REPEATS; i++) {
		ret = handoff_roundtrip(c, 0.1, &us[i]);
		if (ret)
			return ret;
	}
	bench_samples(out, "handoff_futex_roundtrip_us", us, SWEEP_REPEATS);
	return 0;
}

/* 4a. Copy size, 64 B to 16 MiB. */
static int sweep_size(struct copy_ctx *c, struct bench_out *out)
{
	static struct result r[4][REPEATS];
	static const char *const series[4] = { "memcpy", "copy_sync",
					       "copy_worker", "copy_async" };
	size_t size;
	int ret, k, step = 0;

	for (size = 64; size <= MAX_SIZE; size *= 4, step++) {
		int qd = MAX_DST / size < QD ? (int)(MAX_DST / size) : QD;
		const struct job j[4] = {
			{ K_MEMCPY, size, 1, 1 },
			{ K_SYNC, size, 1, 1 },
			{ K_WORKER, size, 1, 1 },
			{ K_ASYNC, size, 1, qd },
		};

		ret = measure(c, j, 4, SWEEP_REPEATS, SWEEP_S, r);
		if (ret)
			return ret;
		for (k = 0; k < 4; k++) {
			point(out, "copy_size", "KiB", "MB/s", series[k],
			      (double)size / KiB, r[k], SWEEP_REPEATS, f_mbps);
			point(out, "copy_size_cpu", "KiB", "busy CPU s per GB",
			      series[k], (double)size / KiB, r[k],
			      SWEEP_REPEATS, f_cpu);
		}
		bench_progress(out, "copy", 50 + step * 3);
	}
	return 0;
}

/* 4b. Async queue depth, 1 to 256 copies of 64 KiB in flight. */
static int sweep_qd(struct copy_ctx *c, struct bench_out *out)
{
	static struct result r[1][REPEATS];
	int qd, ret;

	for (qd = 1; qd <= MAX_QD; qd *= 2) {
		const struct job j = { K_ASYNC, 64 * KiB, 1, qd };

		ret = measure(c, &j, 1, SWEEP_REPEATS, SWEEP_S, r);
		if (ret)
			return ret;
		point(out, "copy_async_qd", "copies in flight", "MB/s",
		      "copy_async_64k", qd, r[0], SWEEP_REPEATS, f_mbps);
		point(out, "copy_async_qd_cpu", "copies in flight",
		      "busy CPU s per GB", "copy_async_64k", qd, r[0],
		      SWEEP_REPEATS, f_cpu);
	}
	bench_progress(out, "copy", 85);
	return 0;
}

/*
 * 4c. Submitters: 1 to 4 synchronous threads against as many async
 * submitters with 32 copies in flight each, and with one each (as many in
 * flight as the threads).
 */
static int sweep_threads(struct copy_ctx *c, struct bench_out *out)
{
	static struct result r[3][REPEATS];
	static const char *const series[3] = { "copy_sync_threads",
					       "copy_async_qd32",
					       "copy_async_qd1" };
	int n, k, ret;

	for (n = 1; n <= SWEEP_THREADS; n++) {
		const struct job j[3] = {
			{ K_SYNC, 64 * KiB, n, 1 },
			{ K_ASYNC, 64 * KiB, n, QD },
			{ K_ASYNC, 64 * KiB, n, 1 },
		};

		ret = measure(c, j, 3, SWEEP_REPEATS, SWEEP_S, r);
		if (ret)
			return ret;
		for (k = 0; k < 3; k++) {
			point(out, "copy_submitters", "threads", "MB/s",
			      series[k], n, r[k], SWEEP_REPEATS, f_mbps);
			point(out, "copy_submitters_cpu", "threads",
			      "busy CPU s per GB", series[k], n, r[k],
			      SWEEP_REPEATS, f_cpu);
		}
	}
	bench_progress(out, "copy", 92);
	return 0;
}

/* 4d. Load: sync against worker at 64 KiB, idle, CPU hog, memory. */
static int sweep_load(struct copy_ctx *c, struct bench_out *out)
{
	static struct result r[2][REPEATS];
	const struct job j[2] = {
		{ K_SYNC, 64 * KiB, 1, 1 },
		{ K_WORKER, 64 * KiB, 1, 1 },
	};
	int load, ret;

	for (load = 0; load < BENCH_NLOADS; load++) {
		struct bench_loadgen g;
		char name[48];

		ret = bench_load_start(&g, load);
		if (ret) {
			c->error = "background load";
			return ret;
		}
		ret = measure(c, j, 2, REPEATS, SWEEP_S, r);
		bench_load_stop(&g);
		if (ret)
			return ret;
		/* x from 1: the sweeps are drawn on a log scale */
		point(out, "copy_load", "load (1 idle, 2 cpu_hog, 3 memory)",
		      "MB/s", "copy_sync_64k", load + 1, r[0], REPEATS,
		      f_mbps);
		point(out, "copy_load", "load (1 idle, 2 cpu_hog, 3 memory)",
		      "MB/s", "copy_worker_64k", load + 1, r[1], REPEATS,
		      f_mbps);
		if (load == BENCH_IDLE)
			continue;
		snprintf(name, sizeof(name), "copy_worker_vs_sync_%s",
			 bench_load_name[load]);
		ratio_of(out, name, 64 * KiB, r[1], r[0], REPEATS, f_mbps);
	}
	bench_progress(out, "copy", 99);
	return 0;
}

static int setup(struct copy_ctx *c)
{
	int i, m;

	memset(c, 0, sizeof(*c));
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < MAX_THREADS; i++)
			c->fd[m][i] = -1;
	c->src = buf_alloc(&c->mem_src, MAX_SIZE, AT_RING);
	if (!c->src) {
		c->error = "memory";
		return -ENOMEM;
	}
	for (i = 0; i < (int)MAX_SIZE; i++)
		c->src[i] = i * 131 + 7 + (i >> 12);
	find_workers(c);
	if (!c->nworkers) {
		c->error = "no mmb-copy worker threads";
		return -ENODEV;
	}
	return 0;
}

static void teardown(struct copy_ctx *c)
{
	int i, m;

	for (m = 0; m < NMODES; m++)
		for (i = 0; i < MAX_THREADS; i++)
			if (c->fd[m][i] >= 0)
				close(c->fd[m][i]);
	buf_free(&c->mem_src);
}

int bench_copy(struct bench_out *out)
{
	static struct copy_ctx c;
	int ret;

	ret = setup(&c);
	if (!ret) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		bench_figure(out, "copy_workers", c.nworkers);
		bench_figure(out, "copy_cpus", cpus);
		ret = part_sizes(&c, out);
	}
	if (!ret)
		ret = part_async(&c, out, c.nworkers);
	if (!ret)
		ret = part_calls(&c, out);
	if (!ret)
		ret = sweep_size(&c, out);
	if (!ret)
		ret = sweep_qd(&c, out);
	if (!ret)
		ret = sweep_threads(&c, out);
	if (!ret)
		ret = sweep_load(&c, out);
	bench_progress(out, "copy", 100);
	teardown(&c);
	if (ret)
		fprintf(stderr, "bench copy: %s: %s\n",
			c.error ? c.error : "failed", strerror(-ret));
	return ret;
}
