// SPDX-License-Identifier: GPL-2.0
/*
 * life/: device nodes, device removal with open files, module unload.
 * module_unload reloads the module; it runs last.
 */
#include <fcntl.h>
#include <libgen.h>
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Every device the VM was started with has its node, owner-only. */
static int test_devices_present(void)
{
	char expect[256], *name, *save;
	int n = 0;

	if (!cmdline_get("mmb.expect", expect, sizeof(expect)))
		SKIP("mmb.expect not on the kernel command line");
	for (name = strtok_r(expect, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		char path[128], devno[32];
		struct stat st;
		unsigned int maj, min;

		snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
		EXPECT(!stat(path, &st), "%s: %s", path, strerror(errno));
		EXPECT(S_ISCHR(st.st_mode), "%s is not a char device", path);
		EXPECT_EQ(st.st_mode & 07777, 0600);
		EXPECT_EQ(st.st_uid, 0);
		snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/dev", name);
		EXPECT_OK(read_line(path, devno, sizeof(devno)));
		EXPECT_EQ(sscanf(devno, "%u:%u", &maj, &min), 2);
		EXPECT_EQ(major(st.st_rdev), maj);
		EXPECT_EQ(minor(st.st_rdev), min);
		n++;
	}
	EXPECT(n > 0, "mmb.expect is empty");
	return T_PASS;
}

/*
 * The device goes away under an open file: the node disappears, the file
 * gets -ENODEV, closing it is fine, and a rebind brings the device back.
 */
static int test_unbind_with_open_fd(void)
{
	struct mmb_info info;
	uint8_t buf[64];
	uint32_t raised = 0;
	int fd = dev_open("edu0");

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(bind_dev("edu0", false));
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	EXPECT_ERR(mmb_irq_trigger(fd, 1, &raised), ENODEV);
	EXPECT_EQ(raised, 0);
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, buf, sizeof(buf)),
		   ENODEV);
	EXPECT_EQ(close(fd), 0);

	EXPECT_OK(bind_dev("edu0", true));
	fd = dev_open("edu0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_irq_trigger(fd, 5, &raised));
	EXPECT_EQ(raised, 5);
	close(fd);
	return T_PASS;
}

/*
 * Removal with every kind of event user present: a reader asleep on an
 * event fd wakes with -ENODEV, poll() reports EPOLLHUP, the counter page
 * stays readable, the pinned ring is still unpinned exactly, and nothing
 * new can be registered.
 */
static int test_unbind_with_event_users(void)
{
	struct mmb_ring *ring = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct mmb_counters *page;
	struct mmb_counters snap;
	struct pollfd pfd;
	long long acq, rel;
	int fd = dev_open("edu0"), efd, evfd, st;
	uint32_t id, on = 1;
	uint64_t v, base;
	pid_t pid;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT(ring != MAP_FAILED, "mmap");
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	efd = mmb_event_open(fd, 0);
	EXPECT_OK(efd);
	evfd = eventfd(0, EFD_CLOEXEC);
	EXPECT_OK(mmb_eventfd(fd, evfd));
	acq = vmstat_get("nr_foll_pin_acquired");
	rel = vmstat_get("nr_foll_pin_released");
	EXPECT_OK(mmb_pin_region(fd, ring, 4 * PG, &id, NULL));
	base = dev_count(fd);
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	/* The trigger returns once the handler saw them, maybe before all
	 * three are counted: the reader must start from base + 3. */
	for (int i = 0; i < 1000 && dev_count(fd) != base + 3; i++)
		usleep(1000);
	EXPECT_EQ(dev_count(fd), base + 3);

	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int r;

		mmb_event_wait(efd, &v);	/* the 3 interrupts */
		if (v != base + 3)
			_exit(2);
		/* Sleeps until removal: -ENODEV (edu has no region to
		 * revoke, so no event comes first). */
		r = mmb_event_wait(efd, &v);
		_exit(r == -ENODEV ? 0 : 1);
	}
	usleep(200000);
	EXPECT(waitpid(pid, &st, WNOHANG) == 0, "reader did not sleep");

	EXPECT_OK(bind_dev("edu0", false));

	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "reader 0x%x", st);
	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(poll(&pfd, 1, 1000), 1);
	EXPECT_EQ(pfd.revents, POLLERR | POLLHUP);
	EXPECT_ERR(mmb_event_wait(efd, &v), ENODEV);
	EXPECT_ERR(write(efd, &on, 4) < 0 ? -errno : 0, ENODEV);
	COUNTERS_READ(page, &snap);
	EXPECT(snap.trigger_count >= 3, "counter page: %llu triggers",
	       (unsigned long long)snap.trigger_count);
	/* edu has no region: removal revokes nothing, no event. */
	EXPECT_EQ(mmb_ring_head(ring), 3);
	EXPECT_EQ(snap.revoke_count, 0);
	EXPECT_EQ(snap.region_state, 0);
	EXPECT_ERR(mmb_event_open(fd, 0), ENODEV);
	EXPECT_ERR(mmb_eventfd(fd, evfd), ENODEV);
	EXPECT_ERR(mmb_pin_region(fd, ring, PG, &id, NULL), ENODEV);
	EXPECT_ERR(mmb_irq_control(fd, 0), ENODEV);
	EXPECT_OK(mmb_eventfd(fd, -1));
	EXPECT_OK(mmb_unpin_region(fd, id));
	EXPECT_EQ(vmstat_get("nr_foll_pin_acquired") - acq, 4);
	EXPECT_EQ(vmstat_get("nr_foll_pin_released") - rel, 4);
	EXPECT_EQ(close(efd), 0);
	mmb_counters_unmap(page);
	EXPECT_EQ(close(fd), 0);
	close(evfd);

	EXPECT_OK(bind_dev("edu0", true));
	return T_PASS;
}

/*
 * Removal mid-stream: the transfer in flight finishes or fails, a reader
 * wakes with -ENODEV, poll() reports EPOLLHUP, closing unpins everything.
 */
static int test_unbind_during_stream(void)
{
	uint8_t *buf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long long acq = vmstat_get("nr_foll_pin_acquired");
	long long rel = vmstat_get("nr_foll_pin_released");
	void *frames[2] = { buf, buf + 2 * PG };
	struct pollfd pfd;
	struct mmb_frame fr;
	int fd = dev_open("edu0"), sfd, st;
	pid_t pid;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 2, 2 * PG, frames,
			       1, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int r;

		/* Keep the engine busy, so a transfer is in flight. */
		while ((r = mmb_stream_next(sfd, &fr)) == 0 &&
		       (r = mmb_stream_release(sfd, fr.index)) == 0)
			;
		_exit(r == -ENODEV ? 0 : 1);
	}
	usleep(300000);
	EXPECT_OK(bind_dev("edu0", false));
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "reader 0x%x", st);
	pfd.fd = sfd;
	pfd.events = POLLIN;
	EXPECT_EQ(poll(&pfd, 1, 1000), 1);
	EXPECT(pfd.revents & POLLHUP, "revents 0x%x", pfd.revents);
	EXPECT_ERR(mmb_stream_start(sfd), ENODEV);
	EXPECT_EQ(close(sfd), 0);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(vmstat_get("nr_foll_pin_acquired") - acq, 4);
	EXPECT_EQ(vmstat_get("nr_foll_pin_released") - rel, 4);

	EXPECT_OK(bind_dev("edu0", true));
	munmap(buf, 4 * PG);
	return T_PASS;
}


static const char *const stream_mode_names[] = { "zero copy", "bounce",
						 "naive", "ring" };

/*
 * The checks of live_stream_unbind() while the device is unbound; the
 * caller closes the files and binds it again whatever they found.
 */
static int live_stream_gone(const char *name, uint32_t mode, int sfd,
			    void *out, size_t size)
{
	struct mmb_stream_status st;
	struct mmb_frame fr;
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	uint32_t idx = 0;
	long n;

	EXPECT_OK(bind_dev(name, false));
	/* Nothing of the device's DMA is left once remove has returned. */
	n = dma_mappings();
	EXPECT(n == 0, "%s, %s: %ld DMA mappings left after unbind", name,
	       stream_mode_names[mode], n);

	/* Every operation of the stream fd: -ENODEV; poll: hang-up. */
	EXPECT_ERR(mmb_stream_start(sfd), ENODEV);
	EXPECT_ERR(mmb_stream_stop(sfd), ENODEV);
	EXPECT_ERR(mmb_stream_status(sfd, &st), ENODEV);
	EXPECT_ERR(read(sfd, out, sizeof(fr) + size) < 0 ? -errno : 0, ENODEV);
	EXPECT_ERR(write(sfd, &idx, sizeof(idx)) < 0 ? -errno : 0, ENODEV);
	EXPECT_ERR(mmb_stream_fetch(sfd, out, size, &fr), ENODEV);
	EXPECT(mmap(NULL, 2 * size, PROT_READ, MAP_SHARED, sfd, 0) ==
	       MAP_FAILED && errno == ENODEV, "mmap of a dead stream: %s",
	       strerror(errno));
	EXPECT_EQ(poll(&pfd, 1, 1000), 1);
	EXPECT(pfd.revents & POLLHUP, "revents 0x%x", pfd.revents);
	return T_PASS;
}

/*
 * A stream of @mode runs on @name, its fd stays open, the device is
 * unbound: every DMA mapping of the stream is gone when unbind returns,
 * the fd's operations fail with -ENODEV, and closing it later releases
 * the pins.  A ring's mapping stays readable, the frame read before
 * unbind unchanged, until it is unmapped.
 */
static int live_stream_unbind(const char *name, uint32_t mode)
{
	const size_t size = 2 * PG;
	uint8_t *buf = map_anon(2 * size, PROT_READ | PROT_WRITE);
	uint8_t *out = malloc(sizeof(struct mmb_frame) + size);
	void *frames[2] = { buf, buf + size };
	long long acq = vmstat_get("nr_foll_pin_acquired");
	long long rel = vmstat_get("nr_foll_pin_released");
	struct mmb_stream_status st;
	struct mmb_frame fr;
	uint8_t *ring = NULL;
	int fd = dev_open(name), sfd, r, i;
	long before = dma_mappings(), n;

	EXPECT_OK(fd);
	EXPECT(buf && out, "memory");
	EXPECT(before >= 0, "debugfs mmbridge/dma_mappings: %s",
	       strerror((int)-before));
	sfd = mmb_stream_setup(fd, mode, 2, size,
			       mode == MMB_STREAM_ZERO_COPY ? frames : NULL, 1,
			       0, mode == MMB_STREAM_NAIVE ? SIGURG : 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	if (mode == MMB_STREAM_RING) {
		ring = mmap(NULL, 2 * size, PROT_READ, MAP_SHARED, sfd, 0);
		EXPECT(ring != MAP_FAILED, "mmap: %s", strerror(errno));
	}
	EXPECT_OK(mmb_stream_start(sfd));
	/* One frame through, so the engine is running when unbind comes. */
	if (mode == MMB_STREAM_ZERO_COPY) {
		EXPECT_OK(mmb_stream_next(sfd, &fr));
		EXPECT_OK(mmb_stream_release(sfd, fr.index));
	} else if (mode == MMB_STREAM_RING) {
		/* Held: the engine keeps filling the other frame. */
		EXPECT_OK(mmb_stream_next(sfd, &fr));
	} else if (mode == MMB_STREAM_BOUNCE) {
		EXPECT_EQ(read(sfd, out, sizeof(fr) + size), sizeof(fr) + size);
	} else {
		for (i = 0; i < 5000; i++) {
			r = mmb_stream_fetch(sfd, out, size, &fr);
			if (r != -EAGAIN)
				break;
			usleep(1000);
		}
		EXPECT_OK(r);
	}
	/* edu maps its two frames for its engine; soft's engine uses none. */
	if (!strcmp(name, "edu0"))
		EXPECT_EQ(dma_mappings() - before, 2);

	r = live_stream_gone(name, mode, sfd, out, size);
	/* Closing later touches no DMA mapping: still none, no splat. */
	EXPECT_EQ(close(sfd), 0);
	n = dma_mappings();
	EXPECT_EQ(close(fd), 0);
	if (ring) {
		long bad = mmb_stream_check(ring + fr.index * size, size, 1,
					    st.pattern_size, fr.seq);

		munmap(ring, 2 * size);
		if (r == T_PASS && bad >= 0)
			r = t_fail(__LINE__, "%s: held ring frame byte %ld changed",
				   name, bad);
	}
	/* (The old device's number is free once its files are closed.) */
	if (bind_dev(name, true) && r == T_PASS)
		FAIL("%s does not bind again", name);
	if (r != T_PASS)
		return r;
	EXPECT(n == 0, "%ld DMA mappings after close", n);
	if (mode == MMB_STREAM_ZERO_COPY) {
		EXPECT_EQ(vmstat_get("nr_foll_pin_acquired") - acq, 4);
		EXPECT_EQ(vmstat_get("nr_foll_pin_released") - rel, 4);
	}
	munmap(buf, 2 * size);
	free(out);
	return T_PASS;
}

static int test_unbind_with_live_stream(void)
{
	static const char *const names[] = { "edu0", "soft0" };
	uint32_t mode;
	size_t i;
	int r, fd;

	for (i = 0; i < 2; i++) {
		fd = dev_open(names[i]);
		if (fd == -ENOENT)
			continue;
		close(fd);
		for (mode = MMB_STREAM_ZERO_COPY; mode <= MMB_STREAM_RING;
		     mode++) {
			r = live_stream_unbind(names[i], mode);
			if (r != T_PASS)
				return r;
		}
	}
	return T_PASS;
}

/*
 * A DMA transfer whose submitter is killed while the engine works on it
 * leaves its buffer to the completion; an unbind right after must still
 * leave no DMA mapping behind.
 */
static int test_unbind_after_killed_dma(void)
{
	uint8_t buf[4000];
	int fd = dev_open("edu0"), st, k;
	pid_t pid;
	long n;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	for (k = 0; k < 3; k++) {
		pid = fork();
		EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			for (;;)
				mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, buf,
					sizeof(buf));
		}
		usleep(50000 + k * 20000);
		kill(pid, SIGKILL);
		EXPECT_EQ(waitpid(pid, &st, 0), pid);
		n = bind_dev("edu0", false);
		EXPECT_OK(n);
		n = dma_mappings();
		close(fd);
		if (bind_dev("edu0", true))
			FAIL("edu0 does not bind again");
		EXPECT(n == 0, "round %d: %ld DMA mappings left after unbind",
		       k, n);
		fd = dev_open("edu0");
		EXPECT_OK(fd);
	}
	close(fd);
	return T_PASS;
}

struct held_dma {
	int fd;
	void *buf;
	int ret;
};

static void *held_dma_worker(void *arg)
{
	struct held_dma *h = arg;

	h->ret = mmb_dma(h->fd, MMB_XFER_TO_DEVICE, 0, h->buf, 4000);
	return NULL;
}

/*
 * MMB_IOC_DMA holds its kernel buffer while it copies the caller's bytes
 * in; the copy is held up (userfaultfd) and the device unbound meanwhile:
 * no DMA mapping may be left when unbind returns, and the transfer then
 * fails with -ENODEV.
 */
static int test_unbind_with_dma_buffer_held(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zp = { 0 };
	struct held_dma h = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	struct uffd_msg msg;
	pthread_t th;
	long n;
	int u, r;

	h.fd = dev_open("edu0");
	if (h.fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(h.fd);
	h.buf = map_anon(PG, PROT_READ | PROT_WRITE);
	EXPECT(h.buf, "mmap");
	u = syscall(SYS_userfaultfd, O_CLOEXEC);
	EXPECT(u >= 0, "userfaultfd: %s", strerror(errno));
	EXPECT(!ioctl(u, UFFDIO_API, &api), "UFFDIO_API: %s", strerror(errno));
	reg.range.start = (uintptr_t)h.buf;
	reg.range.len = PG;
	EXPECT(!ioctl(u, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER: %s",
	       strerror(errno));
	EXPECT_EQ(pthread_create(&th, NULL, held_dma_worker, &h), 0);
	/* The ioctl is in its copy-in, its kernel buffer allocated. */
	pfd.fd = u;
	EXPECT_EQ(poll(&pfd, 1, 10000), 1);
	EXPECT_EQ(read(u, &msg, sizeof(msg)), sizeof(msg));
	EXPECT_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

	r = bind_dev("edu0", false);
	n = dma_mappings();
	zp.range.start = (uintptr_t)h.buf;
	zp.range.len = PG;
	EXPECT(!ioctl(u, UFFDIO_ZEROPAGE, &zp), "UFFDIO_ZEROPAGE: %s",
	       strerror(errno));
	pthread_join(th, NULL);
	close(u);
	close(h.fd);
	EXPECT_OK(r);
	EXPECT_OK(bind_dev("edu0", true));
	EXPECT(n == 0, "%ld DMA mappings left after unbind", n);
	EXPECT_EQ(h.ret, -ENODEV);
	munmap(h.buf, PG);
	return T_PASS;
}

struct dma_job {
	int fd;
	uint64_t seed;
	int ret;
	uint8_t buf[4096];	/* 4000 transferred, the rest must stay 0 */
};

static void *dma_worker(void *arg)
{
	struct dma_job *job = arg;

	job->ret = mmb_dma(job->fd, MMB_XFER_FROM_DEVICE, 0, job->buf, 4000);
	return NULL;
}

/*
 * Removal while a DMA transfer is on the device: remove waits for the
 * engine, the transfer either completes with the right data or is refused
 * with -ENODEV, and nothing is written after.
 */
static int test_unbind_during_dma(void)
{
	static struct dma_job job;
	pthread_t th;
	long bad;
	int fd = dev_open("edu0");

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	job.fd = fd;
	job.seed = test_seed();
	pattern_fill(job.buf, 4000, job.seed, 0);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, job.buf, 4000));
	memset(job.buf, 0, sizeof(job.buf));

	EXPECT_EQ(pthread_create(&th, NULL, dma_worker, &job), 0);
	usleep(20000);
	EXPECT_OK(bind_dev("edu0", false));
	pthread_join(th, NULL);

	if (job.ret == 0) {
		bad = pattern_check(job.buf, 4000, job.seed, 0);
		EXPECT(bad < 0, "completed transfer has byte %ld wrong", bad);
		/* Nothing past the transfer was written. */
		EXPECT_EQ(job.buf[4000] | job.buf[4095], 0);
	} else {
		EXPECT_EQ(job.ret, -ENODEV);
	}
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, job.buf, 16), ENODEV);
	close(fd);

	EXPECT_OK(bind_dev("edu0", true));
	return T_PASS;
}

struct trigger_job {
	int fd;
	int ret;
	uint32_t raised;
};

static void *trigger_worker(void *arg)
{
	struct trigger_job *job = arg;

	job->ret = mmb_irq_trigger(job->fd, MMB_IRQ_TRIGGER_MAX, &job->raised);
	return NULL;
}

/*
 * Removal during a long trigger: the trigger stops with -ENODEV and reports
 * exactly the interrupts that were raised before the device went away.
 */
static int test_unbind_during_trigger(void)
{
	struct trigger_job job = { 0 };
	struct mmb_info info;
	pthread_t th;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	job.fd = fd;
	EXPECT_EQ(pthread_create(&th, NULL, trigger_worker, &job), 0);
	usleep(50000);
	EXPECT_OK(bind_dev("soft0", false));
	pthread_join(th, NULL);

	EXPECT_EQ(job.ret, -ENODEV);
	EXPECT(job.raised > 0 && job.raised < MMB_IRQ_TRIGGER_MAX,
	       "raised %u", job.raised);
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	close(fd);

	EXPECT_OK(bind_dev("soft0", true));
	return T_PASS;
}

/*
 * After removal a file starts no new copy work (-ENODEV, an aio read's
 * completion too), but an aio read submitted before completes exactly.
 */
static int test_copy_after_unbind(void)
{
	static uint8_t buf[4096], buf2[16];
	struct mmb_irq_record rec;
	struct io_event ev;
	struct iocb cb[2];
	uint64_t ctx;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 8, 0, 0));
	EXPECT_OK(kaio_setup(2, &ctx));
	EXPECT_OK(kaio_read(ctx, &cb[0], fd, buf, sizeof(buf), 0, 0, 77));

	EXPECT_OK(bind_dev("soft0", false));

	EXPECT_ERR(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_GEN, 8, 0, 0),
		   ENODEV);
	EXPECT(read(fd, buf2, 16) < 0 && errno == ENODEV, "read: %s",
	       strerror(errno));
	EXPECT(write(fd, buf2, 16) < 0 && errno == ENODEV, "write: %s",
	       strerror(errno));
	EXPECT_ERR(mmb_irq_copy(fd, &rec), ENODEV);
	EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 20000), 1);
	EXPECT_EQ(ev.data, 77);
	EXPECT_EQ(ev.res, sizeof(buf));
	EXPECT(pattern_check(buf, sizeof(buf), 8, 0) < 0, "data wrong");
	EXPECT_OK(kaio_read(ctx, &cb[1], fd, buf2, sizeof(buf2), 0, 0, 78));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 20000), 1);
	EXPECT_EQ(ev.data, 78);
	EXPECT_EQ(ev.res, -ENODEV);
	kaio_destroy(ctx);
	EXPECT_EQ(close(fd), 0);

	EXPECT_OK(bind_dev("soft0", true));
	return T_PASS;
}

/* The soft device removed while its timer runs for an open file. */
static int test_soft_unbind_timer_running(void)
{
	struct mmb_info info;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT_OK(mmb_irq_timer(fd, 100000));
	usleep(20000);
	EXPECT_OK(bind_dev("soft0", false));
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	EXPECT_ERR(mmb_irq_timer(fd, 0), ENODEV);
	EXPECT_EQ(close(fd), 0);

	EXPECT_OK(bind_dev("soft0", true));
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.instance, 0);
	close(fd);
	return T_PASS;
}

/*
 * The removal cases above again, with rmmod of the device's driver module
 * in place of unbind and loading it again in place of bind: open files,
 * event waiters, pinned rings, streams in flight, DMA in flight, a running
 * timer, copies, mappings of every policy (RAM and a BAR) and objects in
 * the pool (RAM and a BAR) behave exactly as they do at unbind, and
 * mmbridge stays loaded throughout.
 */
static int test_unload_backend_with_users(void)
{
	static const struct mmb_test cases[] = {
		{ "unbind_with_open_fd", test_unbind_with_open_fd },
		{ "unbind_with_event_users", test_unbind_with_event_users },
		{ "unbind_during_stream", test_unbind_during_stream },
		{ "unbind_during_dma", test_unbind_during_dma },
		{ "unbind_with_live_stream", test_unbind_with_live_stream },
		{ "unbind_after_killed_dma", test_unbind_after_killed_dma },
		{ "unbind_with_dma_buffer_held",
		  test_unbind_with_dma_buffer_held },
		{ "unbind_during_trigger", test_unbind_during_trigger },
		{ "soft_unbind_timer_running", test_soft_unbind_timer_running },
		{ "copy_after_unbind", test_copy_after_unbind },
		{ "region/remove_with_mappings (soft0, ivshmem0)",
		  region_remove_with_mappings },
		{ "object/remove_with_objects (soft0, ivshmem0)",
		  object_remove_with_objects },
	};
	char msg[512];
	size_t i;
	int r;

	if (!getenv("MMB_KO"))
		SKIP("MMB_KO not set");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		removal_by_rmmod = true;
		r = cases[i].fn();
		removal_by_rmmod = false;
		printf("# %s, by rmmod: %s\n", cases[i].name,
		       r == T_PASS ? "ok" : r == T_SKIP ? "skipped" : "failed");
		if (r == T_FAIL) {
			snprintf(msg, sizeof(msg), "%s", t_last_msg());
			FAIL("%s, by rmmod: %s", cases[i].name, msg);
		}
		EXPECT(module_loaded("mmbridge"), "mmbridge unloaded by %s",
		       cases[i].name);
	}
	return T_PASS;
}

/* rmmod @name must be refused (-EWOULDBLOCK) while @what keeps it. */
static int unload_refused(const char *name, const char *what)
{
	int r = syscall(SYS_delete_module, name, O_NONBLOCK);

	if (r == -1 && errno == EWOULDBLOCK)
		return 0;
	printf("# delete_module(%s) with %s: %d (%s)\n", name, what, r,
	       strerror(errno));
	return -EBUSY;
}


/*
 * Bad parameters: a driver module whose init fails leaves nothing behind
 * (it loads again at once), a driver whose probe fails leaves the others
 * working, and mmbridge works without any of them.
 */
static int test_bad_module_params(void)
{
	const char *ko = getenv("MMB_KO");
	struct mmb_info info;
	int fd;

	if (!ko)
		SKIP("MMB_KO not set");
	EXPECT_OK(module_unload_all());
	EXPECT_OK(wait_node("soft0", false));
	EXPECT_OK(module_insert(ko, ""));

	EXPECT_ERR(module_load_driver(ko, "mmb_soft", "soft_mem_mb=0"), EINVAL);
	EXPECT_ERR(module_load_driver(ko, "mmb_soft", "soft_mem_mb=1025"),
		   EINVAL);
	EXPECT_ERR(module_load_driver(ko, "mmb_soft", "soft_pool_mb=1025"),
		   EINVAL);
	EXPECT(!module_loaded("mmb_soft"), "mmb_soft left behind by a failed init");
	EXPECT(!access("/sys/class/mmbridge", F_OK),
	       "no mmbridge class with mmbridge loaded alone");

	/* edu refuses to probe; the module loads, soft comes up beside it. */
	EXPECT_OK(module_load_driver(ko, "mmb_edu",
				     "edu_dma_window=4097 edu_dma_bits=64"));
	EXPECT_OK(module_load_driver(ko, "mmb_soft", ""));
	EXPECT_OK(wait_node("soft0", true));
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	close(fd);
	usleep(100000);
	EXPECT(access(MMB_DEV_DIR "/edu0", F_OK) && errno == ENOENT,
	       "edu0 exists with edu_dma_window=4097");
	EXPECT_OK(module_unload("mmb_soft"));
	EXPECT_OK(wait_node("soft0", false));

	/* soft_enable=0: no soft0. */
	EXPECT_OK(module_load_driver(ko, "mmb_soft", "soft_enable=0"));
	usleep(100000);
	EXPECT(access(MMB_DEV_DIR "/soft0", F_OK) && errno == ENOENT,
	       "soft0 exists with soft_enable=0");

	EXPECT_OK(module_reload());
	EXPECT_OK(wait_node("soft0", true));
	return T_PASS;
}

/*
 * edu_dma_window below 8 leaves the stream no whole word of pattern: edu
 * refuses to probe (as above 4096); the other drivers are not touched.
 */
static int test_edu_dma_window_small(void)
{
	const char *ko = getenv("MMB_KO");
	int fd, sfd, st = 0, i;
	pid_t pid;

	if (!ko)
		SKIP("MMB_KO not set");
	fd = dev_open("edu0");
	if (fd == -ENOENT)
		SKIP("no edu device");
	close(fd);
	EXPECT_OK(module_unload("mmb_edu"));
	EXPECT_OK(wait_node("edu0", false));
	EXPECT_OK(module_load_driver(ko, "mmb_edu",
				     "edu_dma_window=4 edu_dma_bits=64"));
	usleep(100000);
	fd = dev_open("edu0");
	if (fd >= 0) {
		/* What a stream then does, in a child: it may not come back. */
		pid = fork();
		EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			sfd = mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG,
					       NULL, 1, 0, 0, 0);
			_exit(sfd < 0 ? 2 : mmb_stream_start(sfd) ? 3 : 0);
		}
		for (i = 0; i < 100 && waitpid(pid, &st, WNOHANG) != pid; i++)
			usleep(100000);
		FAIL("edu0 exists with edu_dma_window=4; a stream start %s 0x%x",
		     i == 100 ? "hangs," : "ended with status", st);
	}
	EXPECT_OK(access(MMB_DEV_DIR "/soft0", F_OK));
	EXPECT_OK(module_unload("mmb_edu"));
	EXPECT_OK(module_load_driver(ko, "mmb_edu", getenv("MMB_PARAMS")));
	EXPECT_OK(wait_node("edu0", true));
	return T_PASS;
}

/*
 * mmbridge cannot go while a driver is loaded.  rmmod of a driver with
 * users present is a removal: its files get -ENODEV, its objects stay in
 * RAM under their mappings.  What is left (a file, an event fd, a mapping
 * of the counter page, of the region or of an object) keeps mmbridge
 * loaded until it goes; then mmbridge unloads and everything loads again.
 */
static int test_module_unload(void)
{
	const char *ko = getenv("MMB_KO");
	const struct mmb_counters *page;
	volatile uint64_t *region, *obj;
	struct mmb_info info;
	uint32_t raised = 0, h;
	uint64_t off;
	int fd, efd, d;

	if (!ko)
		SKIP("MMB_KO not set");
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_irq_trigger(fd, 3, &raised));
	EXPECT_EQ(raised, 3);
	efd = mmb_event_open(fd, 0);
	EXPECT_OK(efd);
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	region = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, PG);
	EXPECT(region, "region: %s", strerror(errno));
	EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &h, &off));
	obj = mmb_obj_map(fd, off, PG);
	EXPECT(obj, "object: %s", strerror(errno));
	obj[1] = 0x0b1;

	EXPECT_OK(unload_refused("mmbridge", "its drivers loaded"));
	for (d = 0; mmb_drivers[d]; d++)
		EXPECT_OK(module_unload(mmb_drivers[d]));
	EXPECT_OK(wait_node("soft0", false));
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	EXPECT_EQ(page->irq_count, 4);	/* 3 interrupts, 1 revocation */
	EXPECT_EQ(region[0], 0);	/* revoked for good: DISCARD's zeros */
	EXPECT_EQ(obj[1], 0x0b1);	/* moved to RAM, still mapped */

	EXPECT_EQ(close(fd), 0);
	EXPECT_OK(unload_refused("mmbridge", "an event fd and mappings"));
	EXPECT_EQ(close(efd), 0);
	EXPECT_OK(unload_refused("mmbridge", "three mappings"));
	mmb_counters_unmap(page);
	EXPECT_OK(unload_refused("mmbridge", "a region and an object mapping"));
	EXPECT_OK(mmb_region_unmap((void *)region, PG));
	EXPECT_OK(unload_refused("mmbridge", "an object mapping"));
	EXPECT_EQ(obj[1], 0x0b1);
	EXPECT_EQ(munmap((void *)obj, PG), 0);

	EXPECT_OK(module_unload("mmbridge"));
	EXPECT(!module_loaded("mmbridge"), "/sys/module/mmbridge still present");

	EXPECT_OK(module_reload());
	EXPECT_OK(wait_node("soft0", true));
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.irq_count, 0);
	EXPECT_OK(mmb_irq_trigger(fd, 3, &raised));
	EXPECT_EQ(raised, 3);
	close(fd);
	return T_PASS;
}

/*
 * The IOMMU guest (make test's <series>-iommu run): edu sits behind the
 * IOMMU in a translated, strict domain, so every DMA the cases make goes
 * through mappings the DMA API made, and unmapping takes effect at once.
 * Elsewhere there is nothing to check.
 */
static int test_iommu_translates(void)
{
	char cmd[16], bdf[64], path[256], target[256], type[32];
	ssize_t n;

	if (!cmdline_get("intel_iommu", cmd, sizeof(cmd)) || strcmp(cmd, "on"))
		SKIP("no IOMMU in this guest");
	EXPECT_OK(device_bdf("edu0", bdf, sizeof(bdf)));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, target, sizeof(target) - 1);
	EXPECT(n > 0, "%s: %s", path, strerror(errno));
	target[n] = 0;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type",
		 basename(target));
	EXPECT_OK(read_line(path, type, sizeof(type)));
	/* "DMA-FQ" would defer unmapping; "identity" would not translate. */
	EXPECT(!strcmp(type, "DMA"), "edu0's IOMMU domain is %s, not DMA",
	       type);
	return T_PASS;
}

#define STRAY_HOOK "/sys/kernel/debug/mmbridge/edu0/stray_dma"

/*
 * The edu engine aimed (test hook stray_dma) at a bus address nothing
 * mapped: the physical address of a locked page of this process, holding
 * one pattern, while the engine's buffer holds another.  Behind the IOMMU
 * the page keeps its pattern and the kernel logs the IOMMU's fault for
 * exactly that device and address; without one the engine's pattern lands
 * in the page, which shows that the case would see a landing.  Either way
 * edu works on afterwards.
 */
static int iommu_blocks_stray_dma(void)
{
	const uint64_t seed = test_seed() ^ 0x57a7;
	char cmd[16], bdf[64], addr[32], expected[160], splat[256];
	bool iommu = cmdline_get("intel_iommu", cmd, sizeof(cmd)) &&
		     !strcmp(cmd, "on");
	uint8_t *page, *buf, *back;
	struct mmb_info info;
	int fd, kfd, seen = 0;
	uint64_t phys;
	size_t win;
	int r;

	EXPECT(!access(STRAY_HOOK, F_OK), "no %s with edu_test_hooks=1",
	       STRAY_HOOK);
	fd = dev_open("edu0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	win = info.dma_window;
	EXPECT(win >= 8 && win <= 4096, "DMA window of %zu bytes", win);
	EXPECT_OK(device_bdf("edu0", bdf, sizeof(bdf)));
	EXPECT(strlen(bdf) == 12 && !strncmp(bdf, "0000:", 5),
	       "edu0 at %s", bdf);

	page = map_anon(PG, PROT_READ | PROT_WRITE);
	buf = malloc(win);
	back = malloc(win);
	EXPECT(page && buf && back, "memory");
	EXPECT_EQ(mlock(page, PG), 0);
	pattern_fill(page, PG, seed, 0);
	phys = page_phys(page);
	EXPECT(phys, "no physical address of the page in /proc/self/pagemap");

	/* What the engine will write: another pattern, in its buffer. */
	pattern_fill(buf, win, seed + 1, 0);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, buf, win));

	/* The one IOMMU fault the case provokes, as intel-iommu reports it. */
	snprintf(expected, sizeof(expected),
		 "DMAR: [DMA Write NO_PASID] Request device [%s] fault addr "
		 "0x%llx [", bdf + 5, (unsigned long long)phys);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	if (iommu)	/* for the run's splat gate (vm/evaluate.sh) */
		printf("# DMAR-EXPECTED %s 0x%llx\n", bdf + 5,
		       (unsigned long long)phys);
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)phys);
	EXPECT_OK(write_str(STRAY_HOOK, addr));
	EXPECT(page_phys(page) == phys, "the page moved during the case");

	r = dma_verdict(page, win, seed, iommu, kfd, expected);
	if (r != T_PASS)
		return r;
	seen = iommu;

	/* edu works on: a round trip through its buffer. */
	pattern_fill(buf, win, seed + 2, 0);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, buf, win));
	EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, back, win));
	EXPECT(!memcmp(buf, back, win), "round trip after the stray DMA");
	EXPECT(!kmsg_splat_except(kfd, expected, &seen, splat, sizeof(splat)),
	       "kernel log: %s", splat);
	EXPECT_EQ(seen, iommu ? 1 : 0);
	close(kfd);
	close(fd);
	return T_PASS;
}

/*
 * The hook exists only while the module parameter edu_test_hooks is set: the
 * case loads mmbridge with it and then again as the harness did.  Locked
 * pages may still be moved by compaction (compact_unevictable_allowed),
 * which is off during the case, so the page stays where the DMA goes.
 */
static int test_iommu_blocks_stray_dma(void)
{
	const char *cu = "/proc/sys/vm/compact_unevictable_allowed";
	char old[16] = "";
	int r = edu_hooks_usable();

	if (r)
		return r;
	EXPECT(access(STRAY_HOOK, F_OK) && errno == ENOENT,
	       "%s exists without edu_test_hooks", STRAY_HOOK);
	if (!read_line(cu, old, sizeof(old)))
		EXPECT_OK(write_str(cu, "0"));
	r = with_module_params("edu_test_hooks=1", iommu_blocks_stray_dma);
	if (old[0])
		write_str(cu, old);
	if (r != T_PASS)
		return r;
	EXPECT(access(STRAY_HOOK, F_OK) && errno == ENOENT,
	       "%s left after a reload without edu_test_hooks", STRAY_HOOK);
	return T_PASS;
}

const struct mmb_test life_tests[] = {
	{ "life/devices_present", test_devices_present },
	{ "life/unbind_with_open_fd", test_unbind_with_open_fd },
	{ "life/unbind_with_event_users", test_unbind_with_event_users },
	{ "life/unbind_during_stream", test_unbind_during_stream },
	{ "life/unbind_during_dma", test_unbind_during_dma },
	{ "life/unbind_with_live_stream", test_unbind_with_live_stream },
	{ "life/unbind_after_killed_dma", test_unbind_after_killed_dma },
	{ "life/unbind_with_dma_buffer_held", test_unbind_with_dma_buffer_held },
	{ "life/unbind_during_trigger", test_unbind_during_trigger },
	{ "life/soft_unbind_timer_running", test_soft_unbind_timer_running },
	{ "life/copy_after_unbind", test_copy_after_unbind },
	{ "life/iommu_translates", test_iommu_translates },
	{ "life/iommu_blocks_stray_dma", test_iommu_blocks_stray_dma },
	{ "life/bad_module_params", test_bad_module_params },
	{ "life/edu_dma_window_small", test_edu_dma_window_small },
	{ "life/module_unload", test_module_unload },
	{ "framework/unload_backend_with_users", test_unload_backend_with_users,
	  600 },
	{ NULL }
};
