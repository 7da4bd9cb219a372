// SPDX-License-Identifier: GPL-2.0
/*
 * remote/: the foreign-context copy engine: read() in a worker thread,
 * aio and io_uring reads, cancellation, the removed ioctls, interrupt
 * copies.
 */
#include <fcntl.h>
#include <liburing.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static int open_copy(uint32_t mode, uint32_t source, uint64_t seed)
{
	int fd = dev_open("soft0"), r;

	if (fd < 0)
		return fd;
	r = mmb_copy_config(fd, mode, source, seed, 0, 0);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* read() of @len bytes at buffer offset @skew; every byte and the guards. */
static int check_read(int fd, uint64_t seed, uint64_t stream_off, size_t len,
		      size_t skew)
{
	const size_t guard = 64;
	uint8_t *buf = malloc(len + skew + 2 * guard);
	ssize_t n;
	size_t i;
	long bad;

	EXPECT(buf, "malloc %zu", len);
	memset(buf, 0xa5, len + skew + 2 * guard);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed,
				  MMB_COPY_SET_OFFSET, stream_off));
	n = read(fd, buf + guard + skew, len);
	EXPECT(n == (ssize_t)len, "read %zu at skew %zu: %zd (%s)", len, skew,
	       n, n < 0 ? strerror(errno) : "short");
	bad = pattern_check(buf + guard + skew, len, seed, stream_off);
	EXPECT(bad < 0, "len %zu skew %zu: byte %ld wrong", len, skew, bad);
	for (i = 0; i < guard + skew; i++)
		EXPECT(buf[i] == 0xa5, "byte before the buffer changed");
	for (i = 0; i < guard; i++)
		EXPECT(buf[guard + skew + len + i] == 0xa5,
		       "byte after the buffer changed");
	free(buf);
	return T_PASS;
}

static int test_worker_read_exact(void)
{
	static const size_t sizes[] = {
		1, 7, 4095, 4096, 4097, 65536 + 3, 128 * 1024 + 1,
		1024 * 1024, 8 * 1024 * 1024,
	};
	uint64_t seed = test_seed();
	struct mmb_copy_status st;
	size_t i;
	int fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed), r;

	EXPECT_OK(fd);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		r = check_read(fd, seed, 13 * i + (seed & 0xffff), sizes[i],
			       i % 8);
		if (r)
			return r;
	}
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.completed, sizeof(sizes) / sizeof(sizes[0]));
	EXPECT_EQ(st.inflight, 0);
	close(fd);
	return T_PASS;
}

/* The buffer source wraps: byte o is buf[o % n]; the stream advances. */
static int test_buffer_source(void)
{
	const size_t n = 100003, len = 250000;
	uint8_t *src = malloc(n), *dst = malloc(len);
	uint32_t modes[] = { MMB_COPY_SYNC, MMB_COPY_WORKER };
	size_t i, m;
	int fd = open_copy(MMB_COPY_SYNC, MMB_SRC_BUFFER, 0);

	EXPECT_OK(fd);
	EXPECT(src && dst, "malloc");
	/* Nothing written yet: end of file. */
	EXPECT_EQ(read(fd, dst, 10), 0);
	pattern_fill(src, n, 77, 0);
	EXPECT_EQ(write(fd, src, 60000), 60000);
	EXPECT_EQ(write(fd, src + 60000, n - 60000), n - 60000);
	for (m = 0; m < 2; m++) {
		EXPECT_OK(mmb_copy_config(fd, modes[m], MMB_SRC_BUFFER, 0,
					  MMB_COPY_SET_OFFSET, 5));
		memset(dst, 0, len);
		EXPECT_EQ(read(fd, dst, len / 2), len / 2);
		EXPECT_EQ(read(fd, dst + len / 2, len - len / 2), len - len / 2);
		for (i = 0; i < len; i++)
			EXPECT(dst[i] == src[(5 + i) % n],
			       "mode %u byte %zu wrong", modes[m], i);
	}
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_BUFFER, 0,
				  MMB_COPY_CLEAR_BUFFER, 0));
	EXPECT_EQ(read(fd, dst, 10), 0);
	free(src);
	free(dst);
	close(fd);
	return T_PASS;
}

static bool is_kthread(pid_t pid, char *comm, size_t size)
{
	char path[64], stat[1024], *p;
	unsigned long flags = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_line(path, comm, size))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_line(path, stat, sizeof(stat)))
		return false;
	p = strrchr(stat, ')');
	if (!p)
		return false;
	/* Field 9 (flags); p points at the end of field 2. */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return false;
	flags = strtoul(p + 1, NULL, 10);
	return flags & 0x00200000;	/* PF_KTHREAD */
}

static int test_worker_is_kthread(void)
{
	struct mmb_copy_status st;
	struct io_event ev;
	struct iocb cb;
	uint64_t ctx;
	char comm[64], buf[4096];
	int fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, 1);

	EXPECT_OK(fd);
	EXPECT_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT(st.last_worker_pid && st.last_worker_pid != (uint32_t)getpid(),
	       "worker pid %u", st.last_worker_pid);
	EXPECT(is_kthread(st.last_worker_pid, comm, sizeof(comm)),
	       "pid %u is not a kernel thread", st.last_worker_pid);
	EXPECT(!strncmp(comm, "mmb-copy/", 9), "worker is \"%s\"", comm);

	/* The synchronous mode copies in the caller: no worker involved. */
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_GEN, 1, 0, 0));
	EXPECT_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.completed, 1);

	/* An aio read of a WORKER file: a worker too. */
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 1, 0, 0));
	EXPECT_OK(kaio_setup(4, &ctx));
	EXPECT_OK(kaio_read(ctx, &cb, fd, buf, sizeof(buf), 0, 0, 42));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 20000), 1);
	EXPECT_EQ(ev.data, 42);
	EXPECT_EQ(ev.res, sizeof(buf));
	/* SYNC reads are not the engine's: two copies by workers. */
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.completed, 2);
	EXPECT(is_kthread(st.last_worker_pid, comm, sizeof(comm)),
	       "aio worker %u is not a kernel thread", st.last_worker_pid);
	EXPECT(!strncmp(comm, "mmb-copy/", 9), "aio worker is \"%s\"", comm);
	kaio_destroy(ctx);
	close(fd);
	return T_PASS;
}

/*
 * Many aio reads in flight at once on a WORKER file: one big read per
 * worker occupies the pool, the small ones queue behind them; all complete
 * exactly, each once.  Then the limit: 256 reads held in flight by faults
 * nobody answers (a userfaultfd), the 257th completes at once with -EAGAIN;
 * once the faults are let go all 256 complete exactly.
 */
static int test_async_many_inflight(void)
{
	const size_t big = 32 << 20, small = 256 << 10;
	const size_t pg = sysconf(_SC_PAGESIZE);
	const int nbig = sysconf(_SC_NPROCESSORS_ONLN), nsmall = 100;
	const int lim = MMB_COPY_MAX_INFLIGHT;
	static struct iocb cbs[MMB_COPY_MAX_INFLIGHT + 1];
	static struct io_event ev[MMB_COPY_MAX_INFLIGHT + 1];
	uint64_t seed = test_seed(), ctx;
	struct mmb_copy_status st;
	uint8_t *bigbuf, *smallbuf, *held;
	int i, n, got, fd, u;
	bool *seen;

	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	EXPECT_OK(kaio_setup(lim + 8, &ctx));
	bigbuf = malloc(big * nbig);
	smallbuf = malloc(small * nsmall);
	seen = calloc(lim + 1, sizeof(*seen));
	EXPECT(bigbuf && smallbuf && seen, "malloc");
	EXPECT(nbig + nsmall <= lim, "%d CPUs", nbig);

	for (i = 0; i < nbig; i++)
		EXPECT_OK(kaio_read(ctx, &cbs[i], fd, bigbuf + i * big, big, 0,
				    i * big, i));
	for (i = 0; i < nsmall; i++)
		EXPECT_OK(kaio_read(ctx, &cbs[nbig + i], fd,
				    smallbuf + i * small, small, 0,
				    (uint64_t)(nbig + i) << 32, nbig + i));
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.ready, 0);
	EXPECT(st.inflight + st.completed == (uint64_t)(nbig + nsmall),
	       "%u in flight + %llu completed", st.inflight,
	       (unsigned long long)st.completed);
	EXPECT(st.inflight >= 64, "only %u in flight", st.inflight);
	for (got = 0; got < nbig + nsmall; got += n) {
		n = kaio_reap(ctx, 1, lim, ev, 30000);
		EXPECT(n > 0, "io_getevents: %d", n);
		for (i = 0; i < n; i++) {
			uint64_t c = ev[i].data;

			EXPECT(c < (uint64_t)(nbig + nsmall) && !seen[c],
			       "aio_data %llu", (unsigned long long)c);
			seen[c] = true;
			EXPECT_EQ(ev[i].res, c < (uint64_t)nbig ? big : small);
		}
	}
	EXPECT_EQ(kaio_reap(ctx, 0, 1, ev, 0), 0);
	for (i = 0; i < nbig; i++)
		EXPECT(pattern_check(bigbuf + i * big, big, seed, i * big) < 0,
		       "big read %d wrong", i);
	for (i = 0; i < nsmall; i++)
		EXPECT(pattern_check(smallbuf + i * small, small, seed,
				     (uint64_t)(nbig + i) << 32) < 0,
		       "small read %d wrong", i);
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.completed, nbig + nsmall);
	EXPECT_EQ(st.inflight, 0);
	free(bigbuf);
	free(smallbuf);

	/* The limit, with reads that cannot finish until the faults go. */
	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS) {
		close(fd);
		kaio_destroy(ctx);
		SKIP("kernel without userfaultfd (the first part passed)");
	}
	EXPECT_OK(u);
	held = map_anon(lim * pg, PROT_READ | PROT_WRITE);
	EXPECT(held, "mmap");
	EXPECT_OK(uffd_register(u, held, lim * pg));
	memset(seen, 0, (lim + 1) * sizeof(*seen));
	for (i = 0; i < lim; i++)
		EXPECT_OK(kaio_read(ctx, &cbs[i], fd, held + i * pg, pg, 0,
				    (uint64_t)i * pg, i));
	EXPECT_OK(uffd_wait_fault(u, 20000));
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, lim);
	EXPECT_OK(kaio_read(ctx, &cbs[lim], fd, held, pg, 0, 0, lim));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, ev, 5000), 1);
	EXPECT_EQ(ev[0].data, lim);
	EXPECT_EQ(ev[0].res, -EAGAIN);
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, lim);
	EXPECT_EQ(st.completed, nbig + nsmall);
	/* Closing the userfaultfd lets its faults be served as usual. */
	close(u);
	for (got = 0; got < lim; got += n) {
		n = kaio_reap(ctx, 1, lim, ev, 30000);
		EXPECT(n > 0, "io_getevents after the faults went: %d", n);
		for (i = 0; i < n; i++) {
			uint64_t c = ev[i].data;

			EXPECT(c < (uint64_t)lim && !seen[c], "aio_data %llu",
			       (unsigned long long)c);
			seen[c] = true;
			EXPECT_EQ(ev[i].res, pg);
		}
	}
	EXPECT(pattern_check(held, lim * pg, seed, 0) < 0, "held reads' data");
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, nbig + nsmall + lim);
	EXPECT_EQ(st.cancelled, 0);
	munmap(held, lim * pg);
	free(seen);
	kaio_destroy(ctx);
	close(fd);
	return T_PASS;
}

static void on_signal(int sig)
{
}

struct killer {
	pthread_t target;
	volatile uint64_t *watch;
};

/* Signal the reader once its copy has visibly started. */
static void *killer_fn(void *arg)
{
	struct killer *k = arg;

	while (*k->watch == 0xeeeeeeeeeeeeeeeeULL)
		;
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 * A signal mid-copy cancels it: read() returns the bytes copied, they are
 * exact, nothing past them changed, and nothing changes after the return.
 */
static int test_signal_cancels(void)
{
	const size_t len = 64 << 20;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t seed = test_seed();
	struct mmb_copy_status st;
	struct killer k;
	pthread_t th;
	uint8_t *buf, *copy;
	ssize_t n;
	size_t i;
	int fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);

	EXPECT_OK(fd);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	buf = malloc(len);
	copy = malloc(len);
	EXPECT(buf && copy, "malloc");
	memset(buf, 0xee, len);
	k.target = pthread_self();
	k.watch = (volatile uint64_t *)buf;
	EXPECT_EQ(pthread_create(&th, NULL, killer_fn, &k), 0);
	n = read(fd, buf, len);
	pthread_join(th, NULL);

	EXPECT(n > 0 && (size_t)n < len, "read returned %zd (%s)", n,
	       n < 0 ? strerror(errno) : "full");
	EXPECT(pattern_check(buf, n, seed, 0) < 0, "copied bytes wrong");
	for (i = n; i < len; i++)
		EXPECT(buf[i] == 0xee, "byte %zu past the count %zd changed", i, n);
	memcpy(copy, buf, len);
	usleep(200000);
	EXPECT(!memcmp(copy, buf, len), "memory changed after read returned");
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, 1);
	free(buf);
	free(copy);
	close(fd);
	return T_PASS;
}

/* The module's reference count: it counts open files (0: none). */
static long mod_refs(void)
{
	char buf[32];

	if (read_line("/sys/module/mmbridge/refcnt", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* Until the module's reference count is @want again (10 s at most). */
static long mod_refs_back(long want)
{
	long r = mod_refs();
	int i;

	for (i = 0; i < 1000 && r != want; i++) {
		usleep(10000);
		r = mod_refs();
	}
	return r;
}

/*
 * A child with big aio reads in flight exits (or execs) at once, without
 * io_destroy().  Each read holds the child's file, so its release is the
 * end of the last read: the file is released (the module's reference
 * count is what it was), from then on nothing writes into the memory the
 * child shared with the parent, and not every read ran to its end.  How
 * long after the child was gone the memory still changed is printed: a
 * read under way goes on until the watchdog sees its process exit, or,
 * after exec(), until it ends (the worker holds the old address space).
 */
static int inflight_then_leave(bool exec_instead)
{
	const size_t len = 16 << 20, nr = 6;
	uint8_t *shared, *snap;
	long refs = mod_refs();
	uint64_t t;
	int status;
	pid_t pid;

	EXPECT(refs >= 0, "refcnt %ld", refs);
	shared = mmap(NULL, len * nr, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(shared != MAP_FAILED, "mmap");
	snap = malloc(len * nr);
	EXPECT(snap, "malloc");
	memset(shared, 0, len * nr);

	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		static struct iocb cbs[6];
		int fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, 5);
		uint64_t ctx;
		size_t i;

		if (fd < 0 || kaio_setup(nr, &ctx))
			_exit(10);
		for (i = 0; i < nr; i++)
			if (kaio_read(ctx, &cbs[i], fd, shared + i * len, len,
				      0, 0, i))
				_exit(11);
		close(fd);	/* each read holds the file */
		while (*(volatile uint64_t *)shared == 0)
			;		/* a worker is writing */
		if (exec_instead) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(12);
		}
		_exit(0);
	}
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	t = mmb_now_ns();
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x", status);
	memcpy(snap, shared, len * nr);
	EXPECT_EQ(mod_refs_back(refs), refs);
	t = mmb_now_ns() - t;
	printf("# %s: the file was released %.3f s after the child was gone; "
	       "the memory %s in between\n", exec_instead ? "exec" : "exit",
	       t / 1e9, memcmp(snap, shared, len * nr) ? "changed" : "did not change");
	memcpy(snap, shared, len * nr);
	usleep(300000);
	EXPECT(!memcmp(snap, shared, len * nr),
	       "memory changed after the child's file was released");
	/* Not everything was copied: the exit cut it short. */
	EXPECT(pattern_check(shared + (nr - 1) * len, len, 5, 0) >= 0,
	       "all reads finished before the child left; nothing was cancelled");
	munmap(shared, len * nr);
	free(snap);
	return T_PASS;
}

static int test_exit_with_inflight(void)
{
	return inflight_then_leave(false);
}

static int test_exec_with_inflight(void)
{
	return inflight_then_leave(true);
}

/*
 * Each aio read holds the file, so close() does not end them; io_destroy()
 * cancels what is in flight and returns once it has ended.  Afterwards
 * nothing changes, every read completed once, and the file goes with the
 * last of them.
 */
static int test_io_destroy_with_inflight(void)
{
	const size_t len = 16 << 20, nr = 6;
	uint8_t *buf = malloc(len * nr), *snap = malloc(len * nr);
	static struct iocb cbs[6];
	struct mmb_copy_status st;
	long refs = mod_refs();	/* before the file is opened */
	uint64_t ctx;
	size_t i;
	int fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, 9);

	EXPECT_OK(fd);
	EXPECT(refs >= 0, "refcnt %ld", refs);
	EXPECT(mod_refs() > refs, "refcnt %ld with the file open", mod_refs());
	EXPECT(buf && snap, "malloc");
	memset(buf, 0, len * nr);
	EXPECT_OK(kaio_setup(nr, &ctx));
	for (i = 0; i < nr; i++)
		EXPECT_OK(kaio_read(ctx, &cbs[i], fd, buf + i * len, len, 0,
				    0, i));
	while (*(volatile uint64_t *)buf == 0)
		;
	kaio_destroy(ctx);
	memcpy(snap, buf, len * nr);
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, nr);
	EXPECT(st.cancelled >= 1 && st.cancelled <= nr, "%llu cancelled",
	       (unsigned long long)st.cancelled);
	usleep(300000);
	EXPECT(!memcmp(snap, buf, len * nr), "memory changed after io_destroy()");
	/* Not everything was copied: io_destroy() cut it short. */
	EXPECT(pattern_check(buf + (nr - 1) * len, len, 9, 0) >= 0,
	       "all reads finished before io_destroy(); nothing was cancelled");
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(mod_refs_back(refs), refs);
	free(buf);
	free(snap);
	return T_PASS;
}

/*
 * MMB_IOC_REMOTE_WRITE (0x14) is gone: the number fails with -ENOTTY
 * whatever its argument, and the library's mmb_remote_write() is
 * process_vm_writev(): it writes into a child exactly, and reports what
 * process_vm_writev() reports for a process that does not exist.
 */
static int test_remote_write_gone(void)
{
	const size_t len = 3 * 4096;
	uint8_t *target, local[3 * 4096], arg[64] = { 0 };
	int go[2], status, fd = dev_open("soft0");
	pid_t pid;
	char c;

	EXPECT_OK(fd);
	*(uint32_t *)arg = sizeof(arg);
	EXPECT_ERR(xioctl(fd, _IO(MMB_IOC_MAGIC, 0x14), arg), ENOTTY);
	EXPECT_ERR(xioctl(fd, _IO(MMB_IOC_MAGIC, 0x14), NULL), ENOTTY);

	target = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(target != MAP_FAILED, "mmap");
	memset(target, 0, len);
	EXPECT_EQ(pipe(go), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		/* Child: wait, then check what the parent wrote into us. */
		if (read(go[0], &c, 1) != 1)
			_exit(20);
		_exit(pattern_check(target, len, 3, 0) >= 0 ? 21 : 0);
	}
	pattern_fill(local, len, 3, 0);
	EXPECT_EQ(mmb_remote_write(fd, pid, (uintptr_t)target, local, len), len);
	EXPECT_EQ(target[0], 0);	/* the parent's copy is another */
	EXPECT_EQ(write(go[1], "g", 1), 1);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child found wrong data (status 0x%x)", status);
	EXPECT_ERR(mmb_remote_write(fd, 0x3fffffff, (uintptr_t)target, local,
				    16), ESRCH);
	close(go[0]);
	close(go[1]);
	munmap(target, len);
	close(fd);
	return T_PASS;
}

/*
 * Every interrupt queues, from the handler, a copy of the newest record
 * into our memory; a worker thread writes it.
 */
static int test_irq_submit(void)
{
	static struct mmb_irq_record rec;
	volatile struct mmb_irq_record *vr = &rec;
	struct mmb_info info;
	uint64_t t_prev = 0;
	char comm[64];
	int i, fd = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT_ERR(mmb_irq_copy(fd, (void *)((uintptr_t)&rec + 4)), EINVAL);
	EXPECT_ERR(mmb_irq_copy(fd, (void *)0xffff888000000000ULL), EFAULT);
	{
		struct mmb_irq_copy ic = { .argsz = sizeof(ic), .flags = 1,
					   .user_addr = (uintptr_t)&rec };
		int ivs = dev_open("ivshmem0");

		EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_COPY, &ic), EINVAL);
		/* A device without interrupts has nothing to deliver. */
		if (ivs >= 0) {
			EXPECT_ERR(mmb_irq_copy(ivs, &rec), EOPNOTSUPP);
			close(ivs);
		}
	}
	EXPECT_OK(mmb_irq_copy(fd, &rec));
	for (i = 0; i < 20; i++) {
		uint64_t deadline = mmb_now_ns() + 5000000000ULL;

		EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
		EXPECT_OK(mmb_info(fd, &info));
		while (vr->irq_count != info.irq_count && mmb_now_ns() < deadline)
			usleep(1000);
		EXPECT_EQ(vr->irq_count, info.irq_count);
		EXPECT(vr->timestamp_ns > t_prev, "timestamps not increasing");
		t_prev = vr->timestamp_ns;
	}
	EXPECT(is_kthread(vr->worker_pid, comm, sizeof(comm)),
	       "record written by pid %u, not a kernel thread", vr->worker_pid);
	/* Unregistered: the record stays as it is. */
	EXPECT_OK(mmb_irq_copy(fd, NULL));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	usleep(100000);
	EXPECT_EQ(vr->irq_count, info.irq_count);
	close(fd);
	return T_PASS;
}

/*
 * Closing a file whose record receives copies while interrupts keep coming:
 * after close() the record never changes again.
 */
static int test_irq_copy_close_under_load(void)
{
	static struct mmb_irq_record rec;
	volatile struct mmb_irq_record *vr = &rec;
	struct mmb_irq_record snap;
	struct mmb_info a, b;
	uint64_t deadline;
	int timer_fd = dev_open("soft0"), fd = dev_open("soft0");

	EXPECT_OK(timer_fd);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_irq_copy(fd, &rec));
	EXPECT_OK(mmb_irq_timer(timer_fd, 50000));
	deadline = mmb_now_ns() + 5000000000ULL;
	while (vr->irq_count < 2 && mmb_now_ns() < deadline)
		usleep(1000);
	EXPECT(vr->irq_count >= 2, "no record delivered");
	EXPECT_EQ(close(fd), 0);
	snap = rec;
	EXPECT_OK(mmb_info(timer_fd, &a));
	usleep(100000);
	EXPECT_OK(mmb_info(timer_fd, &b));
	EXPECT(b.irq_count > a.irq_count, "interrupts stopped");
	EXPECT(!memcmp(&snap, &rec, sizeof(rec)), "record changed after close");
	EXPECT_OK(mmb_irq_timer(timer_fd, 0));
	close(timer_fd);
	return T_PASS;
}

struct stuck_kick {
	int uffd;
	pthread_t target;
	uint64_t t;
	int r;
};

/* Signal the target once a fault waits on the userfaultfd. */
static void *stuck_kick_fn(void *arg)
{
	struct stuck_kick *k = arg;

	k->r = uffd_wait_fault(k->uffd, 20000);
	k->t = mmb_now_ns();
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 * Copies that block in a userfaultfd nobody answers, in a process that
 * lives on: a signal ends a WORKER read() within a second, with
 * exactly the bytes before the fault; ending an interrupt copy
 * registration and io_destroy() of an aio context with a stuck read
 * return within a second too.
 */
static int test_stuck_copy_interrupted(void)
{
	const size_t half = 64 * 1024, len = 2 * half;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t seed = test_seed(), t;
	struct mmb_copy_status st;
	struct stuck_kick k;
	struct iocb cb;
	uint8_t *buf;
	pthread_t th;
	uint64_t ctx;
	int fd, u;
	long n;

	/* The device first: at exit the userfaultfd is released before it. */
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	buf = map_anon(len, PROT_READ | PROT_WRITE);
	EXPECT(buf, "memory");
	memset(buf, 0xee, half);
	EXPECT_OK(uffd_register(u, buf + half, half));

	/* read(): the bytes before the fault, then the signal ends it. */
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed,
				  MMB_COPY_SET_OFFSET, 0));
	k = (struct stuck_kick){ .uffd = u, .target = pthread_self() };
	EXPECT_EQ(pthread_create(&th, NULL, stuck_kick_fn, &k), 0);
	n = read(fd, buf, len);
	t = mmb_now_ns();
	pthread_join(th, NULL);
	EXPECT_OK(k.r);
	EXPECT(t - k.t < 1000000000ULL, "read() returned %.3f s after the signal",
	       (t - k.t) / 1e9);
	EXPECT(n == (long)half, "read() returned %ld (%s), expected %zu", n,
	       n < 0 ? strerror(errno) : "bytes", half);
	EXPECT(pattern_check(buf, half, seed, 0) < 0, "bytes before the fault");
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, 1);
	EXPECT_EQ(st.cancelled, 1);

	/* An interrupt copy whose record lies in the stuck memory. */
	EXPECT_OK(mmb_irq_copy(fd, (void *)(buf + half)));
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_OK(uffd_wait_fault(u, 20000));
	t = mmb_now_ns();
	EXPECT_OK(mmb_irq_copy(fd, NULL));
	t = mmb_now_ns() - t;
	EXPECT(t < 1000000000ULL, "ending the interrupt copy took %.3f s",
	       t / 1e9);

	/* io_destroy() of an aio context whose read is stuck. */
	EXPECT_OK(kaio_setup(1, &ctx));
	EXPECT_OK(kaio_read(ctx, &cb, fd, buf + half, half, 0, 0, 1));
	EXPECT_OK(uffd_wait_fault(u, 20000));
	t = mmb_now_ns();
	kaio_destroy(ctx);
	t = mmb_now_ns() - t;
	EXPECT(t < 1000000000ULL, "io_destroy() took %.3f s", t / 1e9);
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, 2);
	EXPECT_EQ(st.cancelled, 2);

	close(u);
	close(fd);
	return T_PASS;
}

/*
 * The file position is the stream offset: readv() fills every segment and
 * moves it, read() goes on from there, pread() leaves it, lseek() and
 * MMB_COPY_SET_OFFSET set it; in both copy modes.
 */
static int test_read_iter_paths(void)
{
	static const size_t seg[3] = { 4097, 65536 + 5, 200003 };
	const size_t total = seg[0] + seg[1] + seg[2];
	uint64_t seed = test_seed();
	struct iovec iov[3];
	uint32_t mode;
	uint8_t *buf;
	size_t i, at;
	int fd;

	buf = malloc(total + 8192);
	EXPECT(buf, "malloc");
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		fd = open_copy(mode, MMB_SRC_GEN, seed);
		EXPECT_OK(fd);
		memset(buf, 0, total);
		for (i = 0, at = 0; i < 3; at += seg[i], i++)
			iov[i] = (struct iovec){ buf + at, seg[i] };
		EXPECT_EQ(readv(fd, iov, 3), total);
		EXPECT(pattern_check(buf, total, seed, 0) < 0,
		       "mode %u: readv() data", mode);
		EXPECT_EQ(lseek(fd, 0, SEEK_CUR), total);
		EXPECT_EQ(read(fd, buf, 4096), 4096);
		EXPECT(pattern_check(buf, 4096, seed, total) < 0,
		       "mode %u: read() after readv()", mode);
		EXPECT_EQ(pread(fd, buf, 8192, 1234567), 8192);
		EXPECT(pattern_check(buf, 8192, seed, 1234567) < 0,
		       "mode %u: pread() data", mode);
		EXPECT_EQ(lseek(fd, 0, SEEK_CUR), total + 4096);
		EXPECT_EQ(lseek(fd, 777, SEEK_SET), 777);
		EXPECT_EQ(read(fd, buf, 100), 100);
		EXPECT(pattern_check(buf, 100, seed, 777) < 0,
		       "mode %u: read() after lseek()", mode);
		EXPECT(lseek(fd, 0, SEEK_END) < 0 && errno == EINVAL,
		       "lseek(SEEK_END): %s", strerror(errno));
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, seed,
					  MMB_COPY_SET_OFFSET, 99));
		EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 99);
		EXPECT_ERR(mmb_copy_config(fd, mode, MMB_SRC_GEN, seed,
					   MMB_COPY_SET_OFFSET, 1ULL << 63),
			   EINVAL);
		EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 99);
		close(fd);
	}
	free(buf);
	return T_PASS;
}

/*
 * preadv2(RWF_NOWAIT): SYNC copies what is resident without faulting
 * (EAGAIN when that is nothing); WORKER would sleep for the worker, so
 * EAGAIN.
 */
static int test_read_nowait(void)
{
	const size_t pg = sysconf(_SC_PAGESIZE), len = 4 * pg;
	uint64_t seed = test_seed();
	uint8_t *res, *fresh;
	struct iovec v;
	int fd;

	fd = open_copy(MMB_COPY_SYNC, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	res = map_anon(len, PROT_READ | PROT_WRITE);
	fresh = map_anon(len, PROT_READ | PROT_WRITE);
	EXPECT(res && fresh, "mmap");
	memset(res, 0, len);
	v = (struct iovec){ res, len };
	EXPECT_EQ(preadv2(fd, &v, 1, 5, RWF_NOWAIT), len);
	EXPECT(pattern_check(res, len, seed, 5) < 0, "resident buffer data");
	v = (struct iovec){ fresh, len };
	EXPECT(preadv2(fd, &v, 1, 0, RWF_NOWAIT) < 0 && errno == EAGAIN,
	       "nothing resident: %s, expected EAGAIN", strerror(errno));
	/* One resident page: exactly that much. */
	fresh[0] = 1;
	EXPECT_EQ(preadv2(fd, &v, 1, 0, RWF_NOWAIT), pg);
	EXPECT(pattern_check(fresh, pg, seed, 0) < 0, "first page data");
	EXPECT_EQ(fresh[pg], 0);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed, 0,
				  0));
	v = (struct iovec){ res, len };
	EXPECT(preadv2(fd, &v, 1, 0, RWF_NOWAIT) < 0 && errno == EAGAIN,
	       "WORKER: %s, expected EAGAIN", strerror(errno));
	/* Without the flag the same read works. */
	EXPECT_EQ(preadv2(fd, &v, 1, 0, 0), len);
	EXPECT(pattern_check(res, len, seed, 0) < 0, "WORKER data");
	close(fd);
	return T_PASS;
}

#define KIO_NR 48
#define KIO_DEPTH 16

static const size_t kio_sizes[] = { 4096, 65536 + 3, 1 << 20, 1, 300001 };

static size_t kio_len(int i)
{
	return kio_sizes[i % (sizeof(kio_sizes) / sizeof(kio_sizes[0]))];
}

static uint64_t kio_off(int i)
{
	return (uint64_t)i * (3 << 20) + i;
}

/* The copies of a WORKER file ran in a worker thread, and @n finished. */
static int kio_status(int fd, uint64_t n)
{
	struct mmb_copy_status st;

	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	EXPECT_EQ(st.completed, n);
	EXPECT(st.last_worker_pid > 0 && (pid_t)st.last_worker_pid != getpid(),
	       "last worker pid %d", st.last_worker_pid);
	return T_PASS;
}

/*
 * Linux aio (io_submit) on a WORKER file: 48 reads of 1 byte to 1 MiB,
 * 16 in flight, each completion with its aio_data, its exact count and
 * data; IOCB_CMD_PREADV; io_cancel() of a read stuck in a userfaultfd
 * ends it within a second with the bytes before the fault; a SYNC file
 * completes at once.
 */
static int test_aio_read(void)
{
	static const size_t seg[3] = { 100, 8192, 70001 };
	const size_t half = 64 * 1024;
	uint64_t seed = test_seed(), ctx, t;
	static struct iocb cbs[KIO_NR];
	uint8_t *bufs[KIO_NR], *b;
	struct io_event ev[KIO_DEPTH];
	struct mmb_copy_status st;
	int fd, i, n, next = 0, done = 0, inflight = 0, u;
	struct iovec iov[3];
	size_t at;

	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	EXPECT_OK(kaio_setup(64, &ctx));
	for (i = 0; i < KIO_NR; i++) {
		bufs[i] = malloc(kio_len(i));
		EXPECT(bufs[i], "malloc");
		memset(bufs[i], 0, kio_len(i));
	}
	while (done < KIO_NR) {
		while (next < KIO_NR && inflight < KIO_DEPTH) {
			EXPECT_OK(kaio_read(ctx, &cbs[next], fd, bufs[next],
					    kio_len(next), 0, kio_off(next),
					    next));
			next++;
			inflight++;
		}
		n = kaio_reap(ctx, 1, KIO_DEPTH, ev, 20000);
		EXPECT(n > 0, "io_getevents: %d", n);
		for (i = 0; i < n; i++) {
			int k = (int)ev[i].data;

			EXPECT(k >= 0 && k < KIO_NR, "aio_data %llu",
			       (unsigned long long)ev[i].data);
			EXPECT(ev[i].obj == (uintptr_t)&cbs[k], "iocb");
			EXPECT_EQ(ev[i].res, kio_len(k));
			EXPECT(pattern_check(bufs[k], kio_len(k), seed,
					     kio_off(k)) < 0,
			       "read %d: data", k);
		}
		done += n;
		inflight -= n;
	}
	for (i = 0; i < KIO_NR; i++)
		free(bufs[i]);
	if (kio_status(fd, KIO_NR))
		return T_FAIL;

	/* IOCB_CMD_PREADV. */
	b = calloc(1, seg[0] + seg[1] + seg[2]);
	EXPECT(b, "calloc");
	for (i = 0, at = 0; i < 3; at += seg[i], i++)
		iov[i] = (struct iovec){ b + at, seg[i] };
	EXPECT_OK(kaio_read(ctx, &cbs[0], fd, iov, 0, 3, 4242, 7));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, ev, 20000), 1);
	EXPECT_EQ(ev[0].data, 7);
	EXPECT_EQ(ev[0].res, at);
	EXPECT(pattern_check(b, at, seed, 4242) < 0, "readv data");
	free(b);

	/* io_cancel() of a read stuck in a fault nobody answers. */
	u = uffd_open(O_NONBLOCK);
	if (u >= 0) {
		b = map_anon(2 * half, PROT_READ | PROT_WRITE);
		EXPECT(b, "mmap");
		memset(b, 0, half);
		EXPECT_OK(uffd_register(u, b + half, half));
		EXPECT_OK(kaio_read(ctx, &cbs[1], fd, b, 2 * half, 0, 0, 9));
		EXPECT_OK(uffd_wait_fault(u, 20000));
		t = mmb_now_ns();
		EXPECT_OK(kaio_cancel(ctx, &cbs[1]));
		EXPECT_EQ(kaio_reap(ctx, 1, 1, ev, 10000), 1);
		t = mmb_now_ns() - t;
		EXPECT(t < 1000000000ULL, "the cancelled read ended %.3f s later",
		       t / 1e9);
		EXPECT_EQ(ev[0].data, 9);
		EXPECT_EQ(ev[0].res, half);
		EXPECT(pattern_check(b, half, seed, 0) < 0, "bytes before the fault");
		EXPECT_OK(mmb_copy_status(fd, &st));
		EXPECT_EQ(st.cancelled, 1);
		EXPECT_EQ(st.inflight, 0);
		close(u);
	} else if (u != -ENOSYS) {
		EXPECT_OK(u);
	}

	/* A SYNC file completes in the submitter. */
	b = calloc(1, 4096);
	EXPECT(b, "calloc");
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_GEN, seed, 0, 0));
	EXPECT_OK(kaio_read(ctx, &cbs[2], fd, b, 4096, 0, 11, 11));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, ev, 20000), 1);
	EXPECT_EQ(ev[0].res, 4096);
	EXPECT(pattern_check(b, 4096, seed, 11) < 0, "SYNC data");
	free(b);
	kaio_destroy(ctx);
	close(fd);
	return T_PASS;
}

/* One completion of @ring within 20 s; its result and user_data. */
static int uring_wait(struct io_uring *ring, int *res, uint64_t *data)
{
	struct __kernel_timespec ts = { .tv_sec = 20 };
	struct io_uring_cqe *cqe;
	int r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);

	if (r)
		return r;
	*res = cqe->res;
	*data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/*
 * io_uring on a WORKER file: 48 IORING_OP_READs of 1 byte to 1 MiB, 16 in
 * flight, then IORING_OP_READV and IORING_OP_READ_FIXED (a registered
 * buffer): every completion with its user_data, count and data.
 */
static int test_uring_read(void)
{
	static const size_t seg[3] = { 100, 8192, 70001 };
	const size_t flen = 1 << 20;
	uint64_t seed = test_seed(), data;
	int fd, i, r, res, next = 0, done = 0, inflight = 0;
	uint8_t *bufs[KIO_NR], *b;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct iovec iov[3];
	size_t at;

	r = io_uring_queue_init(KIO_DEPTH * 2, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	for (i = 0; i < KIO_NR; i++) {
		bufs[i] = malloc(kio_len(i));
		EXPECT(bufs[i], "malloc");
		memset(bufs[i], 0, kio_len(i));
	}
	while (done < KIO_NR) {
		while (next < KIO_NR && inflight < KIO_DEPTH) {
			sqe = io_uring_get_sqe(&ring);
			EXPECT(sqe, "no sqe");
			io_uring_prep_read(sqe, fd, bufs[next], kio_len(next),
					   kio_off(next));
			io_uring_sqe_set_data64(sqe, next);
			next++;
			inflight++;
		}
		EXPECT_OK(io_uring_submit(&ring));
		EXPECT_OK(uring_wait(&ring, &res, &data));
		EXPECT(data < KIO_NR, "user_data %llu", (unsigned long long)data);
		EXPECT_EQ(res, kio_len(data));
		EXPECT(pattern_check(bufs[data], kio_len(data), seed,
				     kio_off(data)) < 0,
		       "read %llu: data", (unsigned long long)data);
		done++;
		inflight--;
	}
	for (i = 0; i < KIO_NR; i++)
		free(bufs[i]);
	if (kio_status(fd, KIO_NR))
		return T_FAIL;

	b = calloc(1, flen);
	EXPECT(b, "calloc");
	for (i = 0, at = 0; i < 3; at += seg[i], i++)
		iov[i] = (struct iovec){ b + at, seg[i] };
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 3, 4242);
	io_uring_sqe_set_data64(sqe, 100);
	EXPECT_EQ(io_uring_submit(&ring), 1);
	EXPECT_OK(uring_wait(&ring, &res, &data));
	EXPECT_EQ(data, 100);
	EXPECT_EQ(res, at);
	EXPECT(pattern_check(b, at, seed, 4242) < 0, "READV data");

	memset(b, 0, flen);
	iov[0] = (struct iovec){ b, flen };
	EXPECT_OK(io_uring_register_buffers(&ring, iov, 1));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, b + 3, flen - 3, 31337, 0);
	io_uring_sqe_set_data64(sqe, 101);
	EXPECT_EQ(io_uring_submit(&ring), 1);
	EXPECT_OK(uring_wait(&ring, &res, &data));
	EXPECT_EQ(data, 101);
	EXPECT_EQ(res, flen - 3);
	EXPECT(pattern_check(b + 3, flen - 3, seed, 31337) < 0,
	       "READ_FIXED data");
	EXPECT_EQ(b[0], 0);
	if (kio_status(fd, KIO_NR + 2))
		return T_FAIL;
	io_uring_queue_exit(&ring);
	free(b);
	close(fd);
	return T_PASS;
}

/*
 * io_uring reads that the device refuses with -EAGAIN on their first,
 * nonblocking attempt: a SYNC file (the default mode) reading into memory
 * not faulted in yet, and a WORKER file with MMB_COPY_MAX_INFLIGHT reads in
 * flight.  io_uring waits for such a read to become ready by poll(): each
 * one completes all the same, with its count and data, or, beyond the
 * limit, -EAGAIN.
 */
static int test_uring_sync_unfaulted(void)
{
	const size_t len = 256 * 1024;
	uint64_t seed = test_seed(), data;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, r, res;
	uint8_t *b;

	r = io_uring_queue_init(4, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	fd = open_copy(MMB_COPY_SYNC, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	b = map_anon(len, PROT_READ | PROT_WRITE);
	EXPECT(b, "mmap");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, b, len, 777);
	io_uring_sqe_set_data64(sqe, 7);
	EXPECT_EQ(io_uring_submit(&ring), 1);
	r = uring_wait(&ring, &res, &data);
	EXPECT(!r, "SYNC read into untouched memory: no completion in 20 s (%s)",
	       strerror(-r));
	EXPECT_EQ(data, 7);
	EXPECT_EQ(res, len);
	EXPECT(pattern_check(b, len, seed, 777) < 0, "data");
	io_uring_queue_exit(&ring);
	munmap(b, len);
	close(fd);
	return T_PASS;
}

struct lock_writer {
	int fd;
	void *buf;
	ssize_t ret;
};

static void *lock_writer_fn(void *arg)
{
	struct lock_writer *w = arg;

	w->ret = write(w->fd, w->buf, 4096);
	return NULL;
}

/*
 * The same while a write() to the file sleeps in a fault of its source
 * buffer (a userfaultfd, answered after the read was submitted): the read
 * of the WORKER file cannot take the file's lock without waiting.
 */
static int test_uring_read_lock_held(void)
{
	const size_t len = 64 * 1024;
	uint64_t seed = test_seed(), data;
	struct lock_writer w = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, u, r, res;
	pthread_t th;
	uint8_t *b;

	r = io_uring_queue_init(4, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	w.fd = fd;
	w.buf = map_anon(4096, PROT_READ | PROT_WRITE);
	EXPECT(w.buf, "mmap");
	EXPECT_OK(uffd_register(u, w.buf, 4096));
	EXPECT_EQ(pthread_create(&th, NULL, lock_writer_fn, &w), 0);
	EXPECT_OK(uffd_wait_fault(u, 30000));
	b = calloc(1, len);
	EXPECT(b, "calloc");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, b, len, 4096);
	io_uring_sqe_set_data64(sqe, 9);
	EXPECT_EQ(io_uring_submit(&ring), 1);
	usleep(200000);
	/* The writer's fault is served as usual once u is closed. */
	close(u);
	EXPECT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(w.ret, 4096);
	r = uring_wait(&ring, &res, &data);
	EXPECT(!r, "read submitted while a write held the file: no completion in 20 s (%s)",
	       strerror(-r));
	EXPECT_EQ(data, 9);
	EXPECT_EQ(res, len);
	EXPECT(pattern_check(b, len, seed, 4096) < 0, "data");
	io_uring_queue_exit(&ring);
	free(b);
	close(fd);
	return T_PASS;
}

struct racing_cancel {
	uint64_t ctx;
	struct iocb *cb;
	atomic_int go, stop, done;
};

/* io_cancel() from the moment the read is submitted until it takes. */
static void *racing_cancel_fn(void *arg)
{
	struct racing_cancel *rc = arg;

	while (!atomic_load(&rc->stop)) {
		if (!atomic_load(&rc->go))
			continue;
		if (!kaio_cancel(rc->ctx, rc->cb)) {
			atomic_store(&rc->go, 0);
			atomic_fetch_add(&rc->done, 1);
		}
	}
	return NULL;
}

#define RACE_ROUNDS	300

/*
 * An aio read cancelled by another thread's io_cancel() the moment it is
 * submitted: io_cancel() reports the cancellation under way each time,
 * and each time the read, stuck in a fault nobody answers, completes
 * (-ECANCELED) within 5 s.
 */
static int test_aio_cancel_at_submit(void)
{
	struct racing_cancel rc = { 0 };
	int fd, u, r, i, lost = -1;
	struct io_event ev;
	struct iocb cb;
	pthread_t th;
	uint8_t *b;

	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, 1);
	EXPECT_OK(fd);
	b = map_anon(4096, PROT_READ | PROT_WRITE);
	EXPECT(b, "mmap");
	EXPECT_OK(uffd_register(u, b, 4096));
	EXPECT_OK(kaio_setup(4, &rc.ctx));
	rc.cb = &cb;
	EXPECT_EQ(pthread_create(&th, NULL, racing_cancel_fn, &rc), 0);
	for (i = 0; i < RACE_ROUNDS; i++) {
		memset(&cb, 0, sizeof(cb));
		atomic_store(&rc.go, 1);
		r = kaio_read(rc.ctx, &cb, fd, b, 4096, 0, 0, i);
		if (r) {
			atomic_store(&rc.go, 0);
			break;
		}
		r = kaio_reap(rc.ctx, 1, 1, &ev, 5000);
		if (r != 1) {
			lost = i;
			break;
		}
		if (ev.res != -ECANCELED) {
			r = -1000 - (int)ev.res;
			break;
		}
		r = 0;
		while (atomic_load(&rc.go))
			;
	}
	atomic_store(&rc.stop, 1);
	pthread_join(th, NULL);
	printf("# %d rounds, %d cancellations under way\n", i,
	       atomic_load(&rc.done));
	/* Closed, the userfaultfd lets a lost read end. */
	close(u);
	if (lost >= 0)
		kaio_reap(rc.ctx, 1, 1, &ev, 20000);
	kaio_destroy(rc.ctx);
	close(fd);
	EXPECT(lost < 0, "round %d: the read cancelled by io_cancel() did not complete in 5 s",
	       lost);
	EXPECT_OK(r);
	EXPECT_EQ(i, RACE_ROUNDS);
	return T_PASS;
}

struct pos_reader {
	int fd;
	size_t len;
	int rounds;
	ssize_t total;
};

static void *pos_reader_fn(void *arg)
{
	struct pos_reader *p = arg;
	uint8_t *b = malloc(p->len);
	int i;

	p->total = b ? 0 : -ENOMEM;
	for (i = 0; b && i < p->rounds; i++) {
		ssize_t n = read(p->fd, b, p->len);

		if (n < 0) {
			p->total = -errno;
			break;
		}
		p->total += n;
	}
	free(b);
	return NULL;
}

/*
 * Two threads read() one file description: the file position is the
 * stream offset, and each read takes the next bytes of the stream, so the
 * position ends at the sum of both counts (no two reads took the same).
 */
static int test_read_shared_pos(void)
{
	struct pos_reader p[2];
	pthread_t th[2];
	uint32_t mode;
	off_t end;
	int fd, i;

	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		fd = open_copy(mode, MMB_SRC_GEN, 1);
		EXPECT_OK(fd);
		for (i = 0; i < 2; i++) {
			p[i] = (struct pos_reader){ fd, 64 * 1024, 200, 0 };
			EXPECT_EQ(pthread_create(&th[i], NULL, pos_reader_fn,
						 &p[i]), 0);
		}
		for (i = 0; i < 2; i++)
			EXPECT_EQ(pthread_join(th[i], NULL), 0);
		end = lseek(fd, 0, SEEK_CUR);
		printf("# mode %u: read %zd + %zd bytes, file position %lld\n",
		       mode, p[0].total, p[1].total, (long long)end);
		EXPECT_EQ(p[0].total, 200 * 64 * 1024);
		EXPECT_EQ(p[1].total, 200 * 64 * 1024);
		EXPECT_EQ(end, p[0].total + p[1].total);
		close(fd);
	}
	return T_PASS;
}

/*
 * An io_uring read stuck in a fault nobody answers, its ring closed while
 * the process lives on: io_uring waits for it in its exit work, and says
 * so in the kernel log after 5 minutes if it never ends.  The read is
 * cancelled once it made no progress for copy_give_up_s seconds (loaded
 * with 2 here; 120 by default): not before, and within a second after.
 */
static int uring_closed_ring_stuck(void)
{
	const size_t len = 64 * 1024;
	struct mmb_copy_status cs;
	struct io_uring ring;
	int fd, u, r, k, splat;
	uint64_t t0, t;
	char line[512];
	uint8_t *b;

	r = io_uring_queue_init(4, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	k = kmsg_open();
	EXPECT_OK(k);
	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, 1);
	EXPECT_OK(fd);
	b = map_anon(len, PROT_READ | PROT_WRITE);
	EXPECT(b, "mmap");
	EXPECT_OK(uffd_register(u, b, len));
	io_uring_prep_read(io_uring_get_sqe(&ring), fd, b, len, 0);
	t0 = mmb_now_ns();
	EXPECT_EQ(io_uring_submit(&ring), 1);
	EXPECT_OK(uffd_wait_fault(u, 30000));
	io_uring_queue_exit(&ring);
	usleep(1500000);
	EXPECT_OK(mmb_copy_status(fd, &cs));
	EXPECT(cs.inflight == 1, "%u read(s) in flight 1.5 s after the submission, expected 1",
	       cs.inflight);
	do {
		usleep(10000);
		EXPECT_OK(mmb_copy_status(fd, &cs));
		t = mmb_now_ns() - t0;
	} while (cs.inflight && t < 10000000000ULL);
	splat = kmsg_splat(k, line, sizeof(line));
	printf("# %.3f s after the submission: %u read(s) in flight\n", t / 1e9,
	       cs.inflight);
	close(u);
	close(fd);
	EXPECT(!splat, "kernel log: %s", line);
	EXPECT_EQ(cs.inflight, 0);
	EXPECT_EQ(cs.completed, 1);
	EXPECT_EQ(cs.cancelled, 1);
	EXPECT(t >= 2000000000ULL && t < 3500000000ULL,
	       "cancelled %.3f s after the submission, expected 2 to 3.5", t / 1e9);
	return T_PASS;
}

static int test_uring_closed_ring_stuck(void)
{
	return with_module_params("copy_give_up_s=2", uring_closed_ring_stuck);
}

#define LIMIT_NR	(MMB_COPY_MAX_INFLIGHT + 44)
#define LIMIT_LEN	(64 * 1024)

static int test_uring_inflight_limit(void)
{
	uint64_t seed = test_seed(), deadline;
	struct mmb_copy_status cs;
	struct io_uring ring;
	int fd, u, r, i, got = 0, bad = 0, again = 0;
	uint8_t *b;

	r = io_uring_queue_init(512, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	fd = open_copy(MMB_COPY_WORKER, MMB_SRC_GEN, seed);
	EXPECT_OK(fd);
	b = map_anon(LIMIT_LEN, PROT_READ | PROT_WRITE);
	EXPECT(b, "mmap");
	EXPECT_OK(uffd_register(u, b, LIMIT_LEN));
	/* Every read blocks in the unanswered fault until u is closed. */
	for (i = 0; i < LIMIT_NR; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		EXPECT(sqe, "no sqe %d", i);
		io_uring_prep_read(sqe, fd, b, LIMIT_LEN, 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	EXPECT_EQ(io_uring_submit(&ring), LIMIT_NR);
	EXPECT_OK(uffd_wait_fault(u, 30000));
	EXPECT_OK(mmb_copy_status(fd, &cs));
	printf("# %d reads submitted, %u in flight\n", LIMIT_NR, cs.inflight);
	EXPECT_EQ(cs.inflight, MMB_COPY_MAX_INFLIGHT);
	/* Closed, the userfaultfd lets every fault be served as usual. */
	close(u);
	deadline = mmb_now_ns() + 30000000000ULL;
	while (got < LIMIT_NR && mmb_now_ns() < deadline) {
		struct __kernel_timespec ts = { .tv_sec = 1 };
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts))
			continue;
		if (cqe->res == -EAGAIN)
			again++;
		else if (cqe->res != LIMIT_LEN && !bad++)
			printf("# read %llu: %d\n",
			       (unsigned long long)cqe->user_data, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
		got++;
	}
	EXPECT_OK(mmb_copy_status(fd, &cs));
	EXPECT(got == LIMIT_NR,
	       "%d of %d reads completed in 30 s (%u in flight, %llu completed)",
	       got, LIMIT_NR, cs.inflight, (unsigned long long)cs.completed);
	printf("# %d reads done, %d refused (-EAGAIN)\n", got - again, again);
	EXPECT_EQ(bad, 0);
	EXPECT(again <= LIMIT_NR - MMB_COPY_MAX_INFLIGHT, "%d refused", again);
	EXPECT(pattern_check(b, LIMIT_LEN, seed, 0) < 0, "data");
	io_uring_queue_exit(&ring);
	munmap(b, LIMIT_LEN);
	close(fd);
	return T_PASS;
}

#define FIO_LD "/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
#define FIO_JOBS "/tmp/mmb-fio.job"

/*
 * Write a job file for fio: every engine, block sizes 4 KiB to 1 MiB, the
 * asynchronous engines at iodepth 1 and 32, one after the other; the
 * number of jobs.  Job names are <engine>-<bs>-<depth>.
 */
static int fio_job_file(void)
{
	static const char *const engines[] = { "psync", "pvsync2", "libaio",
					       "io_uring" };
	static const unsigned int bs_kib[] = { 4, 64, 1024 };
	static const unsigned int depths[] = { 1, 32 };
	FILE *f = fopen(FIO_JOBS, "w");
	unsigned int e, b, d, n = 0;

	if (!f)
		return -errno;
	fprintf(f, "[global]\nfilename=/dev/mmbridge/soft0\nrw=read\nthread\n"
		   "stonewall\n");
	for (e = 0; e < 4; e++)
		for (b = 0; b < 3; b++)
			for (d = 0; d < (e < 2 ? 1U : 2U); d++) {
				fprintf(f,
					"[%s-%u-%u]\nioengine=%s\nbs=%uk\n"
					"iodepth=%u\nsize=%um\n",
					engines[e], bs_kib[b], depths[d],
					engines[e], bs_kib[b], depths[d],
					bs_kib[b] == 4 ? 8 : 32);
				n++;
			}
	fclose(f);
	return n;
}

static int fio_run(void)
{
	char cmd[512], line[1024], out[4096];
	unsigned int jobs = 0;
	int n = fio_job_file();
	FILE *f;

	EXPECT_OK(n);
	snprintf(cmd, sizeof(cmd),
		 "%s --library-path /host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu/ceph "
		 "/host/usr/bin/fio --minimal " FIO_JOBS " 2>&1",
		 FIO_LD);
	f = popen(cmd, "r");
	EXPECT(f, "popen: %s", strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[64] = "", *fld[7], *save = NULL, *p = line;
		unsigned int bs, depth, i;
		unsigned long long kib;

		strncat(out, line, sizeof(out) - strlen(out) - 1);
		for (i = 0; i < 7 && (fld[i] = strtok_r(p, ";", &save)); i++)
			p = NULL;
		if (i < 7 || strcmp(fld[0], "3"))
			continue;
		snprintf(name, sizeof(name), "%s", fld[2]);
		if (sscanf(strchr(name, '-') ? strchr(name, '-') + 1 : "",
			   "%u-%u", &bs, &depth) != 2)
			continue;
		kib = strtoull(fld[5], NULL, 10);
		printf("# fio %s: error %s, %llu KiB read\n", name, fld[4], kib);
		if (strcmp(fld[4], "0") || kib != (bs == 4 ? 8 : 32) * 1024ULL) {
			pclose(f);
			FAIL("fio job %s: error %s, %llu KiB read, expected 0 and %u KiB",
			     name, fld[4], kib, (bs == 4 ? 8 : 32) * 1024);
		}
		jobs++;
	}
	EXPECT(pclose(f) != -1, "pclose");
	if (jobs != (unsigned int)n)
		printf("# fio said:\n# %s\n", out);
	EXPECT_EQ(jobs, n);
	return T_PASS;
}

/*
 * fio, as a client nobody here wrote, reads the device with psync,
 * pvsync2, libaio and io_uring, 4 KiB to 1 MiB, iodepth 1 and 32, in
 * WORKER mode (the sysfs default for new files, as fio cannot configure
 * them): every job ends without an error and with its byte count.
 */
static int test_fio_engines(void)
{
	const char *mode = "/sys/class/mmbridge/soft0/copy_mode";
	char was[16];
	int r;

	if (access("/host/usr/bin/fio", X_OK) || access(FIO_LD, X_OK))
		SKIP("no fio on the host");
	/* fio keeps its jobs' state in System V shared memory. */
	if (access("/proc/sysvipc/shm", R_OK))
		SKIP("kernel without System V IPC, which fio needs");
	EXPECT_OK(read_line(mode, was, sizeof(was)));
	EXPECT(!strcmp(was, "sync"), "copy_mode is %s, expected sync", was);
	EXPECT_OK(write_str(mode, "worker"));
	EXPECT_OK(read_line(mode, was, sizeof(was)));
	EXPECT(!strcmp(was, "worker"), "copy_mode is %s after writing worker",
	       was);
	EXPECT_ERR(write_str(mode, "async"), EINVAL);
	r = fio_run();
	EXPECT_OK(write_str(mode, "sync"));
	unlink(FIO_JOBS);
	return r;
}

static int test_bad_args(void)
{
	struct mmb_copy_config cc = { .argsz = sizeof(cc) };
	struct io_event ev;
	struct iocb cb;
	uint64_t ctx;
	int fd = open_copy(MMB_COPY_SYNC, MMB_SRC_GEN, 0);

	EXPECT_OK(fd);
	cc.mode = 3;
	EXPECT_ERR(xioctl(fd, MMB_IOC_COPY_CONFIG, &cc), EINVAL);
	cc.mode = 0;
	cc.source = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_COPY_CONFIG, &cc), EINVAL);
	cc.source = 0;
	cc.flags = 4;
	EXPECT_ERR(xioctl(fd, MMB_IOC_COPY_CONFIG, &cc), EINVAL);

	/* Mode change refused while a read is in flight. */
	{
		size_t big = 64 << 20;
		uint8_t *dst = malloc(big);

		EXPECT(dst, "malloc");
		EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 0,
					  0, 0));
		EXPECT_OK(kaio_setup(1, &ctx));
		EXPECT_OK(kaio_read(ctx, &cb, fd, dst, big, 0, 0, 1));
		EXPECT_ERR(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_GEN, 0, 0,
					   0), EBUSY);
		EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 30000), 1);
		EXPECT_EQ(ev.res, big);
		EXPECT(pattern_check(dst, big, 0, 0) < 0, "data");
		kaio_destroy(ctx);
		free(dst);
	}

	/* Reads into a kernel address fault. */
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 0, 0, 0));
	EXPECT(read(fd, (void *)0xffff888000000000ULL, 16) < 0 && errno == EFAULT,
	       "read into a kernel address: %s", strerror(errno));
	{
		void *volatile null = NULL;	/* hidden from the compiler */

		EXPECT(read(fd, null, 16) < 0 && errno == EFAULT,
		       "read into NULL: %s", strerror(errno));
	}
	close(fd);
	return T_PASS;
}

/*
 * MMB_IOC_COPY_SUBMIT (0x11) and MMB_IOC_COPY_REAP (0x12) are gone: the
 * numbers fail with -ENOTTY whatever their argument (their old valid
 * structs, garbage, NULL), in any mode, and do nothing; mode 2 (once
 * MMB_COPY_ASYNC) is -EINVAL and leaves the mode as it was.  poll() and
 * epoll report the fd readable and writable at once, as nothing waits to
 * be reaped and a read never waits for data.
 */
static int test_async_ioctls_gone(void)
{
	const unsigned int submit = _IO(MMB_IOC_MAGIC, 0x11);
	const unsigned int reap = _IO(MMB_IOC_MAGIC, 0x12);
	uint8_t dst[4096], entries[4 * 24], garbage[64];
	struct mmb_copy_status st;
	struct pollfd pfd;
	uint64_t seed = test_seed();
	uint32_t mode;
	int fd, ep, i;
	struct {	/* the old struct mmb_copy_submit */
		uint32_t argsz, flags;
		uint64_t user_addr, length, offset, cookie;
	} cs = { sizeof(cs), 0, (uintptr_t)dst, sizeof(dst), 0, 1 };
	struct {	/* the old struct mmb_copy_reap */
		uint32_t argsz, flags, max, count;
		uint64_t entries;
	} rp = { sizeof(rp), 1, 4, 0, (uintptr_t)entries };

	for (i = 0; i < (int)sizeof(garbage); i++)
		garbage[i] = (uint8_t)(seed >> (i % 8 * 8)) ^ i;
	memset(dst, 0, sizeof(dst));
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		fd = open_copy(mode, MMB_SRC_GEN, seed);
		EXPECT_OK(fd);
		EXPECT_ERR(xioctl(fd, submit, &cs), ENOTTY);
		EXPECT_ERR(xioctl(fd, reap, &rp), ENOTTY);
		EXPECT_ERR(xioctl(fd, submit, garbage), ENOTTY);
		EXPECT_ERR(xioctl(fd, reap, garbage), ENOTTY);
		EXPECT_ERR(xioctl(fd, submit, NULL), ENOTTY);
		EXPECT_ERR(xioctl(fd, reap, NULL), ENOTTY);
		EXPECT_ERR(xioctl(fd, submit, (void *)8), ENOTTY);
		EXPECT_ERR(xioctl(fd, reap, (void *)8), ENOTTY);
		EXPECT_EQ(rp.count, 0);
		EXPECT_ERR(mmb_copy_config(fd, 2, MMB_SRC_GEN, seed, 0, 0),
			   EINVAL);
		/* Still in @mode: a read works and counts as it does there. */
		EXPECT_EQ(read(fd, dst, sizeof(dst)), sizeof(dst));
		EXPECT(pattern_check(dst, sizeof(dst), seed, 0) < 0,
		       "mode %u: data", mode);
		EXPECT_OK(mmb_copy_status(fd, &st));
		EXPECT_EQ(st.completed, mode == MMB_COPY_WORKER ? 1 : 0);
		EXPECT_EQ(st.inflight, 0);
		EXPECT_EQ(st.ready, 0);

		pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
		EXPECT_EQ(poll(&pfd, 1, 0), 1);
		EXPECT_EQ(pfd.revents, POLLIN | POLLOUT);
		ep = epoll_create1(0);
		EXPECT_OK(ep);
		{
			struct epoll_event e = { .events = EPOLLIN | EPOLLOUT,
						 .data.u64 = 7 };

			EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) ? -errno : 0);
			memset(&e, 0, sizeof(e));
			EXPECT_EQ(epoll_wait(ep, &e, 1, 0), 1);
			EXPECT_EQ(e.events, EPOLLIN | EPOLLOUT);
			EXPECT_EQ(e.data.u64, 7);
		}
		close(ep);
		close(fd);
		memset(dst, 0, sizeof(dst));
	}
	return T_PASS;
}

const struct mmb_test remote_tests[] = {
	{ "remote/worker_read_exact", test_worker_read_exact },
	{ "remote/buffer_source", test_buffer_source },
	{ "remote/worker_is_kthread", test_worker_is_kthread },
	{ "remote/async_many_inflight", test_async_many_inflight },
	{ "remote/signal_cancels", test_signal_cancels },
	{ "remote/exit_with_inflight", test_exit_with_inflight },
	{ "remote/exec_with_inflight", test_exec_with_inflight },
	{ "remote/io_destroy_with_inflight", test_io_destroy_with_inflight },
	{ "remote/async_ioctls_gone", test_async_ioctls_gone },
	{ "remote/remote_write_gone", test_remote_write_gone },
	{ "remote/irq_submit", test_irq_submit },
	{ "remote/irq_copy_close_under_load", test_irq_copy_close_under_load },
	{ "remote/bad_args", test_bad_args },
	{ "remote/read_iter_paths", test_read_iter_paths },
	{ "remote/read_nowait", test_read_nowait },
	{ "remote/aio_read", test_aio_read },
	{ "remote/uring_read", test_uring_read },
	{ "remote/uring_sync_unfaulted", test_uring_sync_unfaulted, 60 },
	{ "remote/uring_inflight_limit", test_uring_inflight_limit, 90 },
	{ "remote/uring_read_lock_held", test_uring_read_lock_held, 60 },
	{ "remote/aio_cancel_at_submit", test_aio_cancel_at_submit, 120 },
	{ "remote/read_shared_pos", test_read_shared_pos, 60 },
	{ "remote/uring_closed_ring_stuck", test_uring_closed_ring_stuck, 60 },
	{ "remote/fio_engines", test_fio_engines, 300 },
	{ "remote/stuck_copy_interrupted", test_stuck_copy_interrupted, 60 },
	{ NULL }
};
