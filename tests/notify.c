// SPDX-License-Identifier: GPL-2.0
/*
 * notify/: interrupt events reaching user space: event fds (blocking read,
 * poll, O_NONBLOCK), eventfds, the counter page and delivery control.
 * Every case runs on each device with interrupts (soft0, edu0).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* 1 if @fd is readable within @ms, 0 if not, -errno on error. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, ms);

	if (r < 0)
		return -errno;
	return r && (p.revents & POLLIN);
}

/* Read one u64 from a pipe within @ms; 0 or -ETIMEDOUT/-EIO. */
static int pipe_get(int fd, uint64_t *v, int ms)
{
	int r = readable(fd, ms);

	if (r <= 0)
		return r ? r : -ETIMEDOUT;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -EIO;
}

/*
 * A fast interrupt source until stop_storm(): the soft device's timer at
 * its shortest period, or for edu a child that raises interrupts back to
 * back.  Returns the child's pid, 0 for the timer, or -errno.
 */
static int start_storm(int fd, const char *name)
{
	pid_t pid;

	if (!strcmp(name, mmb_dut))
		return mmb_irq_timer(fd, MMB_IRQ_PERIOD_MIN_NS);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		for (;;)
			if (mmb_irq_trigger(fd, 100, NULL))
				_exit(1);
	}
	return pid;
}

static void stop_storm(int fd, int pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		mmb_irq_timer(fd, 0);
	}
}

/*
 * A read() sleeps while nothing happens and returns the new count as soon
 * as one interrupt arrives; the next read() sleeps again.
 */
static int read_blocks(const char *name)
{
	struct mmb_irq_trigger trig = { .argsz = sizeof(trig),
					.flags = MMB_IRQ_TRIGGER_NOWAIT };
	int fd = dev_open(name), efd, p[2];
	uint64_t c0, v;
	pid_t pid;

	EXPECT_OK(fd);
	efd = mmb_event_open(fd, 0);
	EXPECT_OK(efd);
	c0 = dev_count(fd);
	EXPECT_OK(pipe(p) ? -errno : 0);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		for (;;) {
			int r = mmb_event_wait(efd, &v);

			if (r)
				_exit(1);
			if (write(p[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
	}
	EXPECT_ERR(pipe_get(p[0], &v, 300), ETIMEDOUT);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_OK(pipe_get(p[0], &v, 5000));
	EXPECT_EQ(v, c0 + 1);
	EXPECT_ERR(pipe_get(p[0], &v, 300), ETIMEDOUT);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_OK(pipe_get(p[0], &v, 5000));
	EXPECT_EQ(v, c0 + 2);
	/* A trigger that does not wait for the handler wakes it the same. */
	EXPECT_OK(mmb_irq_raise_nowait(fd));
	EXPECT_OK(pipe_get(p[0], &v, 5000));
	EXPECT_EQ(v, c0 + 3);
	trig.count = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TRIGGER, &trig), EINVAL);
	trig.count = 1;
	trig.flags = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TRIGGER, &trig), EINVAL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* Fewer than 8 bytes is refused. */
	EXPECT_ERR(read(efd, &v, 4) < 0 ? -errno : 0, EINVAL);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_read_blocks_until_irq(void)
{
	return for_each_irq_dev(read_blocks);
}

/* poll() and epoll report an event fd readable exactly when it is. */
static int poll_case(const char *name)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int fd = dev_open(name), efd, ep;
	uint64_t c0, v;

	EXPECT_OK(fd);
	efd = mmb_event_open(fd, 0);
	EXPECT_OK(efd);
	c0 = dev_count(fd);
	EXPECT_EQ(readable(efd, 0), 0);
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_EQ(readable(efd, 0), 1);
	EXPECT_OK(mmb_event_wait(efd, &v));
	EXPECT_EQ(v, c0 + 3);
	EXPECT_EQ(readable(efd, 0), 0);

	ep = epoll_create1(EPOLL_CLOEXEC);
	EXPECT(ep >= 0, "epoll_create1: %s", strerror(errno));
	ev.data.u64 = 42;
	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) ? -errno : 0);
	EXPECT_EQ(epoll_wait(ep, &out, 1, 100), 0);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_EQ(epoll_wait(ep, &out, 1, 5000), 1);
	EXPECT_EQ(out.data.u64, 42);
	EXPECT(out.events & EPOLLIN, "events 0x%x", out.events);
	EXPECT_OK(mmb_event_wait(efd, &v));
	EXPECT_EQ(v, c0 + 4);
	EXPECT_EQ(epoll_wait(ep, &out, 1, 100), 0);
	close(ep);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_poll(void)
{
	return for_each_irq_dev(poll_case);
}

/*
 * An eventfd counts every event; unregistering stops it; a replacement
 * takes over; bad descriptors get their exact errors.
 */
static int eventfd_case(const char *name)
{
	struct mmb_eventfd bad = { .argsz = sizeof(bad), .fd = 0,
				   .vector = 1 };
	struct mmb_event_open eo = { .argsz = sizeof(eo) };
	int fd = dev_open(name), e1, e2, devnull;
	uint64_t v;

	EXPECT_OK(fd);
	e1 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	EXPECT(e1 >= 0 && e2 >= 0, "eventfd: %s", strerror(errno));

	EXPECT_OK(mmb_eventfd(fd, e1));
	EXPECT_OK(mmb_irq_trigger(fd, 7, NULL));
	EXPECT_EQ(read(e1, &v, 8), 8);
	EXPECT_EQ(v, 7);

	/* Replaced: only the new one counts. */
	EXPECT_OK(mmb_eventfd(fd, e2));
	EXPECT_OK(mmb_irq_trigger(fd, 2, NULL));
	EXPECT_EQ(read(e2, &v, 8), 8);
	EXPECT_EQ(v, 2);
	EXPECT_ERR(read(e1, &v, 8) < 0 ? -errno : 0, EAGAIN);

	/* Unregistered: nothing counts. */
	EXPECT_OK(mmb_eventfd(fd, -1));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_ERR(read(e2, &v, 8) < 0 ? -errno : 0, EAGAIN);

	/* The registration keeps the eventfd alive after user space closes it. */
	EXPECT_OK(mmb_eventfd(fd, e1));
	close(e1);
	EXPECT_OK(mmb_irq_trigger(fd, 2, NULL));

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	EXPECT_ERR(mmb_eventfd(fd, devnull), EINVAL);
	EXPECT_ERR(mmb_eventfd(fd, 999), EBADF);
	EXPECT_ERR(mmb_eventfd(fd, -2), EBADF);
	/* A vector without MMB_EVENTFD_ONE_VECTOR; unknown flags. */
	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENTFD, &bad), EINVAL);
	bad.vector = 0;
	bad.flags = 2;
	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENTFD, &bad), EINVAL);
	/* This device has no vectors (mmb_info.nr_vectors 0). */
	EXPECT_ERR(mmb_eventfd_vector(fd, e2, 0), EINVAL);
	EXPECT_ERR(mmb_eventfd_vector(fd, -1, 0), EINVAL);
	EXPECT_ERR(mmb_event_open_vector(fd, 0, 0), EINVAL);
	eo.vector = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENT_OPEN, &eo), EINVAL);
	eo.vector = 0;
	eo.reserved = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENT_OPEN, &eo), EINVAL);
	eo.reserved = 0;
	eo.flags = 1U << 3;
	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENT_OPEN, &eo), EINVAL);
	close(devnull);
	close(e2);
	close(fd);
	return T_PASS;
}

static int test_eventfd(void)
{
	return for_each_irq_dev(eventfd_case);
}

/*
 * A device takes 256 eventfd registrations over all its files, which bounds
 * what its interrupt handler does with interrupts off: the 257th is
 * -ENOSPC, a replacement in a place taken still works, and a place given
 * up (by -1 or by closing the file) takes a new one.  Every registration
 * is signalled.
 */
static int test_eventfd_limit(void)
{
	enum { LIMIT = 256 };
	int fds[LIMIT + 1], efd, efd2, i;
	uint64_t v;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	efd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	EXPECT(efd >= 0 && efd2 >= 0, "eventfd: %s", strerror(errno));
	for (i = 0; i <= LIMIT; i++) {
		fds[i] = dev_open("soft0");
		EXPECT_OK(fds[i]);
	}
	for (i = 0; i < LIMIT; i++)
		EXPECT_OK(mmb_eventfd(fds[i], efd));
	EXPECT_ERR(mmb_eventfd(fds[LIMIT], efd), ENOSPC);
	EXPECT_OK(mmb_eventfd(fds[0], efd2));	/* a replacement */
	EXPECT_OK(mmb_irq_trigger(fds[0], 1, NULL));
	EXPECT_EQ(read(efd, &v, 8), 8);
	EXPECT_EQ(v, LIMIT - 1);
	EXPECT_EQ(read(efd2, &v, 8), 8);
	EXPECT_EQ(v, 1);
	EXPECT_OK(mmb_eventfd(fds[1], -1));
	EXPECT_OK(mmb_eventfd(fds[LIMIT], efd));
	EXPECT_ERR(mmb_eventfd(fds[1], efd), ENOSPC);
	close(fds[2]);
	EXPECT_OK(mmb_eventfd(fds[1], efd));
	EXPECT_OK(mmb_irq_trigger(fds[0], 1, NULL));
	EXPECT_EQ(read(efd, &v, 8), 8);
	EXPECT_EQ(v, LIMIT - 1);
	for (i = 0; i <= LIMIT; i++)
		if (i != 2)
			close(fds[i]);
	close(efd);
	close(efd2);
	return T_PASS;
}

/* O_NONBLOCK (at open or set later) makes a read with nothing new -EAGAIN. */
static int nonblock_case(const char *name)
{
	struct mmb_event_open eo = { .argsz = sizeof(eo), .flags = 1U << 3 };
	int fd = dev_open(name), efd, efd2;
	uint64_t c0, v;

	EXPECT_OK(fd);
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC);
	EXPECT_OK(efd);
	EXPECT(fcntl(efd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK not set");
	EXPECT(fcntl(efd, F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC not set");
	c0 = dev_count(fd);
	EXPECT_ERR(mmb_event_wait(efd, &v), EAGAIN);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_OK(mmb_event_wait(efd, &v));
	EXPECT_EQ(v, c0 + 1);
	EXPECT_ERR(mmb_event_wait(efd, &v), EAGAIN);

	efd2 = mmb_event_open(fd, 0);
	EXPECT_OK(efd2);
	EXPECT(!(fcntl(efd2, F_GETFD) & FD_CLOEXEC), "FD_CLOEXEC set");
	EXPECT_OK(fcntl(efd2, F_SETFL, O_NONBLOCK) ? -errno : 0);
	EXPECT_ERR(mmb_event_wait(efd2, &v), EAGAIN);

	EXPECT_ERR(xioctl(fd, MMB_IOC_EVENT_OPEN, &eo), EINVAL);
	close(efd2);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_nonblock_eagain(void)
{
	return for_each_irq_dev(nonblock_case);
}

/* One interrupt wakes every waiter, each on its own event fd. */
static int many_waiters_case(const char *name)
{
	enum { N = 6 };
	int fd = dev_open(name), p[2], ready[2], i;
	pid_t pids[N];
	uint64_t c0, v;

	EXPECT_OK(fd);
	c0 = dev_count(fd);
	EXPECT_OK(pipe(p) || pipe(ready) ? -errno : 0);
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		EXPECT(pids[i] >= 0, "fork: %s", strerror(errno));
		if (!pids[i]) {
			int efd = mmb_event_open(fd, 0);

			v = 0;
			if (efd < 0 || write(ready[1], &v, 8) != 8)
				_exit(1);
			if (mmb_event_wait(efd, &v))
				_exit(2);
			_exit(write(p[1], &v, 8) == 8 ? 0 : 3);
		}
	}
	for (i = 0; i < N; i++)
		EXPECT_OK(pipe_get(ready[0], &v, 5000));
	EXPECT_ERR(pipe_get(p[0], &v, 200), ETIMEDOUT);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	for (i = 0; i < N; i++) {
		EXPECT_OK(pipe_get(p[0], &v, 5000));
		EXPECT_EQ(v, c0 + 1);
	}
	for (i = 0; i < N; i++) {
		int st;

		EXPECT_EQ(waitpid(pids[i], &st, 0), pids[i]);
		EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "waiter %d: 0x%x",
		       i, st);
	}
	close(fd);
	return T_PASS;
}

static int test_many_waiters(void)
{
	return for_each_irq_dev(many_waiters_case);
}

/*
 * The counter page: read-only, one page, and under a high interrupt rate
 * every snapshot is whole: the cause counters (revocation events included)
 * add up to the total, and nothing goes backwards.
 */
static int counter_page_case(const char *name)
{
	const long pg = sysconf(_SC_PAGESIZE);
	struct mmb_counters s, prev;
	const struct mmb_counters *page;
	uint64_t t_min, t_end, snaps = 0, moved = 0;
	int fd = dev_open(name), storm;
	void *p;

	EXPECT_OK(fd);
	page = mmb_counters_map(fd);
	EXPECT(page, "mmap: %s", strerror(errno));

	/* Writable, larger or elsewhere: refused. */
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EPERM, "writable map: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EPERM, "private writable map: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EINVAL, "two pages: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 16 * pg);
	EXPECT(p == MAP_FAILED && errno == EINVAL, "offset: %s",
	       p == MAP_FAILED ? strerror(errno) : "mapped");
	EXPECT_ERR(mprotect((void *)page, pg, PROT_READ | PROT_WRITE) ?
		   -errno : 0, EACCES);

	COUNTERS_READ(page, &prev);
	EXPECT_EQ(prev.size, sizeof(struct mmb_counters));
	EXPECT_EQ(prev.enabled, 1);
	EXPECT_EQ(prev.irq_count, dev_count(fd));

	storm = start_storm(fd, name);
	EXPECT_OK(storm);
	/*
	 * At least 1.5 s and 100 changes; a loaded guest may need longer for
	 * the changes (progress decides, within 60 s).
	 */
	t_min = mmb_now_ns() + 1500000000ULL;
	t_end = t_min + 58500000000ULL;
	for (;;) {
		uint64_t t = mmb_now_ns();

		if (t >= t_end || (t >= t_min && moved > 100))
			break;
		COUNTERS_READ(page, &s);
		snaps++;
		if ((s.seq & 1) ||
		    s.irq_count != s.trigger_count + s.timer_count +
				   s.dma_count + s.dma_errors +
				   s.revoke_count + s.restore_count +
				   s.vector_count ||
		    s.irq_count < prev.irq_count || s.last_ns < prev.last_ns) {
			stop_storm(fd, storm);
			FAIL("torn snapshot %llu: seq %u count %llu = %llu+%llu+%llu+%llu+%llu+%llu, before %llu at %llu ns, now at %llu ns",
			     (unsigned long long)snaps, s.seq,
			     (unsigned long long)s.irq_count,
			     (unsigned long long)s.trigger_count,
			     (unsigned long long)s.timer_count,
			     (unsigned long long)s.dma_count,
			     (unsigned long long)s.dma_errors,
			     (unsigned long long)s.revoke_count,
			     (unsigned long long)s.restore_count,
			     (unsigned long long)prev.irq_count,
			     (unsigned long long)prev.last_ns,
			     (unsigned long long)s.last_ns);
		}
		moved += s.irq_count != prev.irq_count;
		prev = s;
	}
	stop_storm(fd, storm);
	EXPECT(moved > 100, "only %llu changes seen in %llu snapshots",
	       (unsigned long long)moved, (unsigned long long)snaps);
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.irq_count, dev_count(fd));
	printf("# %s: %llu snapshots, %llu changes, %llu events\n", name,
	       (unsigned long long)snaps, (unsigned long long)moved,
	       (unsigned long long)s.irq_count);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

static int test_counter_page_consistent(void)
{
	return for_each_irq_dev(counter_page_case);
}

/*
 * Interrupts far faster than a slow reader: every read returns a larger
 * count; stopped (SIGSTOP) and continued, the reader catches up to the
 * final count without another interrupt, and the next one wakes it.
 */
static int irq_storm_case(const char *name)
{
	int fd = dev_open(name), p[2], storm;
	uint64_t v = 0, final, reads = 0;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_OK(pipe(p) ? -errno : 0);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int efd = mmb_event_open(fd, 0);
		uint64_t last = 0, c;

		if (efd < 0)
			_exit(1);
		for (;;) {
			if (mmb_event_wait(efd, &c))
				_exit(2);
			if (c <= last)
				_exit(3);	/* went backwards */
			last = c;
			if (write(p[1], &c, 8) != 8)
				_exit(4);
			usleep(2000);
		}
	}
	storm = start_storm(fd, name);
	EXPECT_OK(storm);
	usleep(300000);
	kill(pid, SIGSTOP);
	usleep(200000);
	stop_storm(fd, storm);
	final = dev_count(fd);
	/* Drain what the reader sent before it stopped. */
	while (pipe_get(p[0], &v, 100) == 0)
		reads++;
	EXPECT(v < final, "reader saw %llu of %llu while stopped",
	       (unsigned long long)v, (unsigned long long)final);
	kill(pid, SIGCONT);
	do {
		EXPECT_OK(pipe_get(p[0], &v, 5000));
		reads++;
	} while (v < final);
	EXPECT_EQ(v, final);
	EXPECT_ERR(pipe_get(p[0], &v, 200), ETIMEDOUT);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_OK(pipe_get(p[0], &v, 5000));
	EXPECT_EQ(v, final + 1);
	EXPECT(waitpid(pid, NULL, WNOHANG) == 0, "reader died");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("# %s: %llu events, %llu reads\n", name,
	       (unsigned long long)final, (unsigned long long)reads);
	close(fd);
	return T_PASS;
}

static int test_irq_storm(void)
{
	return for_each_irq_dev(irq_storm_case);
}

/*
 * Delivery disabled: interrupts are only counted as masked; enabling
 * delivers them as one event; closing the disabling fd enables again.
 */
static int control_case(const char *name)
{
	struct mmb_irq_control bad = { .argsz = sizeof(bad) };
	static const uint32_t bad_flags[] = {
		0, MMB_IRQ_ENABLE | MMB_IRQ_DISABLE, 4, MMB_IRQ_ENABLE | 8,
	};
	const struct mmb_counters *page;
	struct mmb_counters s0, s;
	int fd = dev_open(name), fd2, efd, e, i;
	uint32_t on;
	uint64_t v;

	EXPECT_OK(fd);
	page = mmb_counters_map(fd);
	EXPECT(page, "mmap: %s", strerror(errno));
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK);
	EXPECT_OK(efd);
	e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	EXPECT_OK(mmb_eventfd(fd, e));
	for (i = 0; i < 4; i++) {
		bad.flags = bad_flags[i];
		EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_CONTROL, &bad), EINVAL);
	}

	COUNTERS_READ(page, &s0);
	EXPECT_OK(mmb_irq_control(fd, 0));
	EXPECT_OK(mmb_irq_trigger(fd, 5, NULL));	/* the handler runs */
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 0);
	EXPECT_EQ(s.irq_count, s0.irq_count);
	EXPECT_EQ(s.masked_count, s0.masked_count + 5);
	EXPECT_ERR(mmb_event_wait(efd, &v), EAGAIN);
	EXPECT_ERR(read(e, &v, 8) < 0 ? -errno : 0, EAGAIN);

	EXPECT_OK(mmb_irq_control(fd, 1));
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 1);
	EXPECT_EQ(s.irq_count, s0.irq_count + 1);
	EXPECT_EQ(s.trigger_count, s0.trigger_count + 1);
	EXPECT_OK(mmb_event_wait(efd, &v));
	EXPECT_EQ(v, s0.irq_count + 1);
	EXPECT_EQ(read(e, &v, 8), 8);
	EXPECT_EQ(v, 1);
	/* Enabling with nothing pending delivers nothing. */
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_ERR(mmb_event_wait(efd, &v), EAGAIN);

	/* UIO's way: write a __u32 to the event fd. */
	on = 0;
	EXPECT_EQ(write(efd, &on, 4), 4);
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 0);
	on = 1;
	EXPECT_EQ(write(efd, &on, 4), 4);
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 1);
	on = 2;
	EXPECT_ERR(write(efd, &on, 4) < 0 ? -errno : 0, EINVAL);
	EXPECT_ERR(write(efd, &v, 8) < 0 ? -errno : 0, EINVAL);

	/* A disabling fd that closes enables delivery again. */
	fd2 = dev_open(name);
	EXPECT_OK(fd2);
	EXPECT_OK(mmb_irq_control(fd2, 0));
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 0);
	close(fd2);
	COUNTERS_READ(page, &s);
	EXPECT_EQ(s.enabled, 1);

	mmb_counters_unmap(page);
	close(e);
	close(efd);
	close(fd);
	return T_PASS;
}

static int test_irq_control(void)
{
	return for_each_irq_dev(control_case);
}

/* A numeric sysfs attribute of soft0, or -1. */
static long long soft_attr(const char *attr)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "%s", dut_sysfs(attr));
	return read_line(path, buf, sizeof(buf)) ? -1 : atoll(buf);
}

/*
 * MMB_IOC_INFO's two counts, each one thing: event_count (irq_count, its
 * first name) counts delivered events, revocations and restorations
 * included, and interrupts held back while delivery is disabled count once
 * together on enabling; irq_handled counts interrupts when the handler
 * takes them, delivered or not, and nothing else.  sysfs says the same.
 */
static int test_irq_count_meaning(void)
{
	struct mmb_counters c0, c1;
	const struct mmb_counters *pg;
	struct mmb_info i0, i1;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	pg = mmb_counters_map(fd);
	EXPECT(pg, "counter page: %s", strerror(errno));
	EXPECT_OK(mmb_info(fd, &i0));
	EXPECT_EQ(i0.irq_count, i0.event_count);
	COUNTERS_READ(pg, &c0);
	EXPECT_EQ(c0.irq_count, i0.event_count);

	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_OK(mmb_info(fd, &i1));
	EXPECT_EQ(i1.event_count - i0.event_count, 2);
	EXPECT_EQ(i1.irq_handled - i0.irq_handled, 0);

	EXPECT_OK(mmb_irq_trigger(fd, 4, NULL));
	EXPECT_OK(mmb_info(fd, &i1));
	EXPECT_EQ(i1.event_count - i0.event_count, 6);
	EXPECT_EQ(i1.irq_handled - i0.irq_handled, 4);

	EXPECT_OK(mmb_irq_control(fd, 0));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_OK(mmb_info(fd, &i1));
	EXPECT_EQ(i1.event_count - i0.event_count, 6);
	EXPECT_EQ(i1.irq_handled - i0.irq_handled, 7);
	EXPECT_EQ(soft_attr("event_count"), i1.event_count);
	EXPECT_EQ(soft_attr("irq_count"), i1.event_count);
	EXPECT_EQ(soft_attr("irq_handled"), i1.irq_handled);
	EXPECT_OK(mmb_irq_control(fd, 1));
	EXPECT_OK(mmb_info(fd, &i1));
	EXPECT_EQ(i1.event_count - i0.event_count, 7);
	EXPECT_EQ(i1.irq_handled - i0.irq_handled, 7);
	COUNTERS_READ(pg, &c1);
	EXPECT_EQ(c1.irq_count, i1.event_count);
	EXPECT_EQ(c1.masked_count - c0.masked_count, 3);
	EXPECT_EQ(soft_attr("event_count"), i1.event_count);
	EXPECT_EQ(soft_attr("irq_handled"), i1.irq_handled);
	/* A caller of the first version (argsz 64) gets nothing past it. */
	memset(&i1, 0xee, sizeof(i1));
	i1.argsz = offsetof(struct mmb_info, irq_handled);
	i1.flags = 0;
	EXPECT_EQ(i1.argsz, 64);
	EXPECT_OK(xioctl(fd, MMB_IOC_INFO, &i1));
	EXPECT_EQ(i1.irq_count, c1.irq_count);
	EXPECT_EQ(i1.irq_handled, 0xeeeeeeeeeeeeeeeeULL);
	mmb_counters_unmap(pg);
	close(fd);
	return T_PASS;
}

/* The raw sequence count of counter page @pg. */
static uint32_t page_seq(const struct mmb_counters *pg)
{
	return __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
}

/*
 * The counter page's sequence count is even between events and rises by
 * exactly 2 per delivered event: triggers and a revoke/restore pair.
 */
static int test_counter_seq_exact(void)
{
	const struct mmb_counters *pg;
	uint32_t s0, s1;
	int fd = dev_open(mmb_dut), i;

	EXPECT_OK(fd);
	pg = mmb_counters_map(fd);
	EXPECT(pg, "counter page: %s", strerror(errno));
	s0 = page_seq(pg);
	EXPECT(!(s0 & 1), "seq %u is odd with no event in progress", s0);
	for (i = 0; i < 5; i++) {
		EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
		s1 = page_seq(pg);
		if (s1 != s0 + 2)
			FAIL("trigger %d: seq %u -> %u, expected +2", i, s0, s1);
		s0 = s1;
	}
	EXPECT_OK(mmb_irq_trigger(fd, 10, NULL));
	s1 = page_seq(pg);
	EXPECT_EQ(s1 - s0, 20);
	s0 = s1;
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	s1 = page_seq(pg);
	EXPECT_EQ(s1 - s0, 2);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(page_seq(pg) - s1, 2);
	mmb_counters_unmap(pg);
	close(fd);
	return T_PASS;
}

struct disabler {
	pthread_barrier_t *go;
	int fd;
};

static void *disable_fn(void *arg)
{
	struct disabler *d = arg;

	pthread_barrier_wait(d->go);
	return (void *)(intptr_t)mmb_irq_control(d->fd, 0);
}

/*
 * Closing the file that disabled delivery enables it again, but never
 * undoes a disable by another file: A disables, then A closes while B
 * disables.  Whichever comes first, B's disable holds at the end.
 */
static int test_close_keeps_other_disable(void)
{
	struct mmb_counters s;
	const struct mmb_counters *pg;
	pthread_barrier_t go;
	int round;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	pg = mmb_counters_map(fd);
	EXPECT(pg, "counter page: %s", strerror(errno));
	/* Not the owner: B's close leaves A's disable alone. */
	{
		int a = dev_open(mmb_dut), b = dev_open(mmb_dut);

		EXPECT_OK(a);
		EXPECT_OK(b);
		EXPECT_OK(mmb_irq_control(a, 0));
		close(b);
		COUNTERS_READ(pg, &s);
		EXPECT_EQ(s.enabled, 0);
		close(a);
		COUNTERS_READ(pg, &s);
		EXPECT_EQ(s.enabled, 1);
	}
	pthread_barrier_init(&go, NULL, 2);
	for (round = 0; round < 2000; round++) {
		struct disabler d = { .go = &go };
		int a = dev_open(mmb_dut);
		pthread_t th;
		void *r;

		d.fd = dev_open(mmb_dut);
		EXPECT_OK(a);
		EXPECT_OK(d.fd);
		EXPECT_OK(mmb_irq_control(a, 0));
		EXPECT_EQ(pthread_create(&th, NULL, disable_fn, &d), 0);
		pthread_barrier_wait(&go);
		close(a);
		pthread_join(th, &r);
		EXPECT_EQ((intptr_t)r, 0);
		COUNTERS_READ(pg, &s);
		if (s.enabled)
			FAIL("round %d: delivery enabled after B disabled it and A closed",
			     round);
		close(d.fd);
		COUNTERS_READ(pg, &s);
		EXPECT_EQ(s.enabled, 1);
	}
	pthread_barrier_destroy(&go);
	mmb_counters_unmap(pg);
	close(fd);
	return T_PASS;
}

const struct mmb_test notify_tests[] = {
	{ "notify/read_blocks_until_irq", test_read_blocks_until_irq },
	{ "notify/poll", test_poll },
	{ "notify/eventfd", test_eventfd },
	{ "notify/eventfd_limit", test_eventfd_limit },
	{ "notify/nonblock_eagain", test_nonblock_eagain },
	{ "notify/many_waiters", test_many_waiters },
	{ "notify/counter_page_consistent", test_counter_page_consistent, 300 },
	{ "notify/irq_storm", test_irq_storm },
	{ "notify/irq_control", test_irq_control },
	{ "notify/irq_count_meaning", test_irq_count_meaning },
	{ "notify/counter_seq_exact", test_counter_seq_exact },
	{ "notify/close_keeps_other_disable", test_close_keeps_other_disable },
	{ NULL }
};
