// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge: command-line tool.
 *
 *   mmbridge list                 devices and their capabilities
 *   mmbridge info DEV             everything MMB_IOC_INFO reports
 *   mmbridge irq DEV [N]          raise N interrupts (default 1000), time them
 *   mmbridge timer DEV US MS      periodic interrupts every US for MS
 *   mmbridge bench SECTIONS [--json] benchmarks (all, or copy,irq,stream,region,object,fio)
 *   mmbridge stat [DEV...]        per-device event totals (debugfs)
 *   mmbridge demo                 walk through every mechanism
 */
#include <errno.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "object.h"
#include "region.h"
#include "mmbridge.h"
#include "../lib/mmb_test.h"

#define MAX_DEVS	64

static void caps_str(uint64_t caps, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ MMB_CAP_IRQ, "irq" },
		{ MMB_CAP_IRQ_TIMER, "irq-timer" },
		{ MMB_CAP_DMA, "dma" },
		{ MMB_CAP_DEVMEM, "devmem" },
		{ MMB_CAP_MAP, "map" },
		{ MMB_CAP_OBJECT, "object" },
	};
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].bit)
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      names[i].name);
	if (!n)
		snprintf(buf, size, "-");
}

static int open_or_die(const char *name)
{
	int fd = mmb_open(name, 0);

	if (fd < 0) {
		fprintf(stderr, "mmbridge: %s: %s\n", name, strerror(-fd));
		exit(1);
	}
	return fd;
}

static int cmd_list(void)
{
	char names[MAX_DEVS][MMB_NAME_MAX], caps[64];
	int i, n = mmb_list(names, MAX_DEVS);

	if (n < 0) {
		fprintf(stderr, "mmbridge: %s: %s\n", MMB_DEV_DIR, strerror(-n));
		return 1;
	}
	if (n == 0) {
		printf("no mmbridge devices (is the module loaded?)\n");
		return 1;
	}
	printf("  %-10s %-8s %-26s %s\n", "device", "backend", "capabilities",
	       "memory / DMA window");
	for (i = 0; i < n && i < MAX_DEVS; i++) {
		struct mmb_info info;
		int fd = mmb_open(names[i], 0), ret;

		if (fd < 0) {
			printf("  %-10s (%s)\n", names[i], strerror(-fd));
			continue;
		}
		ret = mmb_info(fd, &info);
		close(fd);
		if (ret) {
			printf("  %-10s (%s)\n", names[i], strerror(-ret));
			continue;
		}
		caps_str(info.caps, caps, sizeof(caps));
		printf("  %-10s %-8s %-26s %llu KiB / %u B\n", info.name,
		       info.driver, caps,
		       (unsigned long long)info.mem_size >> 10, info.dma_window);
	}
	return 0;
}

/*
 * The device's dma-bufs as the kernel lists them (debugfs
 * dma_buf/bufinfo, root only): each export of mmbridge whose name starts
 * with the device's, its size and inode, and the devices attached.
 */
static void dmabuf_print(const char *dev)
{
	const char *path = "/sys/kernel/debug/dma_buf/bufinfo";
	char line[512], prefix[48], attached[256] = "";
	FILE *f = fopen(path, "r");
	bool in = false, devs = false;
	int n = 0;

	if (!f) {
		printf("dma-bufs:    (%s: %s)\n", path, strerror(errno));
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s ", dev);
	while (fgets(line, sizeof(line), f)) {
		unsigned long size, ino;
		char exp[32], bname[128];

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lu %*x %*x %*d %31s %lu %127[^\n]", &size,
			   exp, &ino, bname) == 4) {
			in = !strcmp(exp, "mmbridge") &&
			     !strncmp(bname, prefix, strlen(prefix));
			if (in)
				printf("dma-buf:     %s, %lu bytes, inode %lu",
				       bname + strlen(prefix), size, ino);
			attached[0] = 0;
			devs = false;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "Total ", 6)) {
			printf("; attached: %s\n", attached[0] ? attached : "none");
			in = false;
			n++;
		} else if (!strcmp(line, "\tAttached Devices:")) {
			devs = true; /* the lines before are its fences */
		} else if (devs && line[0] == '\t') {
			size_t k = strlen(attached);

			snprintf(attached + k, sizeof(attached) - k, "%s%.64s",
				 k ? ", " : "", line + 1);
		}
	}
	fclose(f);
	if (!n)
		printf("dma-bufs:    none\n");
}

/* A generic driver's vectors: each one's events, from the counter page. */
static void vectors_print(int fd, uint32_t n)
{
	const struct mmb_counters *page = mmb_counters_map(fd);
	struct mmb_counters c;
	uint32_t v;

	printf("vectors:     %u\n", n);
	if (!page)
		return;
	mmb_counters_read(page, &c);
	for (v = 0; v < n && v < MMB_VECTORS_MAX; v++)
		printf("  vector %-2u  %llu events\n", v,
		       (unsigned long long)c.vector_counts[v]);
	mmb_counters_unmap(page);
}

static int cmd_info(const char *name)
{
	struct mmb_info info;
	char caps[64];
	int fd = open_or_die(name), ret;

	ret = mmb_info(fd, &info);
	close(fd);
	if (ret) {
		fprintf(stderr, "mmbridge: info: %s\n", strerror(-ret));
		return 1;
	}
	caps_str(info.caps, caps, sizeof(caps));
	printf("name:        %s\n", info.name);
	printf("driver:      %s\n", info.driver);
	printf("abi:         %u\n", info.abi_version);
	printf("caps:        %s (0x%llx)\n", caps, (unsigned long long)info.caps);
	printf("mem_size:    %llu\n", (unsigned long long)info.mem_size);
	printf("dma_window:  %u\n", info.dma_window);
	printf("irq_count:   %llu\n", (unsigned long long)info.irq_count);
	if (info.nr_vectors) {
		fd = open_or_die(name);
		vectors_print(fd, info.nr_vectors);
		close(fd);
	}
	if (info.caps & MMB_CAP_MAP) {
		fd = open_or_die(name);
		region_print(fd);
		close(fd);
	}
	if (info.caps & MMB_CAP_OBJECT) {
		fd = open_or_die(name);
		object_print(fd);
		close(fd);
	}
	dmabuf_print(info.name);
	return 0;
}

/* mmbridge region DEV, mmbridge revoke|restore DEV [N] */
static int cmd_region(const char *what, const char *name, const char *index)
{
	unsigned long n = 0;
	int fd, ret = 0;
	char *end;

	if (index) {
		errno = 0;
		n = strtoul(index, &end, 0);
		if (errno || end == index || *end || n >= MMB_REGIONS_MAX) {
			fprintf(stderr, "mmbridge: %s: not a region number\n",
				index);
			return 2;
		}
	}
	fd = open_or_die(name);
	if (!strcmp(what, "region"))
		region_print(fd);
	else
		ret = cmd_region_ctl(fd, name, n, !strcmp(what, "revoke"));
	close(fd);
	return ret;
}

/*
 * The reason for @err, and when the call is the test interface's and it
 * is off (-ENOTTY, -EINVAL), how to turn it on.
 */
static const char *test_if_error(int err)
{
	static char msg[160];

	snprintf(msg, sizeof(msg), "%s%s", strerror(-err),
		 err == -ENOTTY || err == -EINVAL ?
			 " (needs mmbridge loaded with test_interface=1)" : "");
	return msg;
}

/* Raise @n interrupts; print the mean round trip.  0 or -errno. */
static int irq_roundtrip(int fd, uint32_t n, bool quiet)
{
	struct mmb_info before, after;
	uint32_t raised = 0;
	uint64_t t0, t1;
	int ret;

	ret = mmb_info(fd, &before);
	if (ret)
		return ret;
	t0 = mmb_now_ns();
	ret = mmb_irq_trigger(fd, n, &raised);
	t1 = mmb_now_ns();
	if (ret)
		return ret;
	ret = mmb_info(fd, &after);
	if (ret)
		return ret;
	if (!quiet || after.irq_count - before.irq_count != n)
		printf("  %u interrupts raised, %llu counted by the handler, "
		       "mean round trip %.1f us\n", raised,
		       (unsigned long long)(after.irq_count - before.irq_count),
		       (t1 - t0) / 1000.0 / n);
	return after.irq_count - before.irq_count == n ? 0 : -EIO;
}

static int cmd_irq(const char *name, uint32_t n)
{
	int fd = open_or_die(name), ret;

	ret = irq_roundtrip(fd, n, false);
	close(fd);
	if (ret)
		fprintf(stderr, "mmbridge: irq: %s\n", test_if_error(ret));
	return ret ? 1 : 0;
}

static int cmd_timer(const char *name, uint64_t period_us, uint64_t ms)
{
	struct mmb_info before, after;
	int fd = open_or_die(name), ret;

	ret = mmb_info(fd, &before);
	if (!ret)
		ret = mmb_irq_timer(fd, period_us * 1000);
	if (!ret) {
		usleep(ms * 1000);
		ret = mmb_irq_timer(fd, 0);
	}
	if (!ret)
		ret = mmb_info(fd, &after);
	close(fd);
	if (ret) {
		fprintf(stderr, "mmbridge: timer: %s\n", test_if_error(ret));
		return 1;
	}
	printf("  %llu timer interrupts in %llu ms at a %llu us period\n",
	       (unsigned long long)(after.irq_count - before.irq_count),
	       (unsigned long long)ms, (unsigned long long)period_us);
	return 0;
}

static uint8_t demo_byte(uint64_t seed, size_t i)
{
	uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 29;
	return (uint8_t)(x * 0xbf58476d1ce4e5b9ULL >> 56);
}

static void demo_fill(uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = demo_byte(seed, i);
}

static long demo_check(const uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != demo_byte(seed, i))
			return i;
	return -1;
}

/* DMA @len bytes to the device and back; report whether they match. */
static int demo_dma(const char *name, size_t len)
{
	uint8_t *out = malloc(len), *in = calloc(1, len);
	uint64_t seed = mmb_now_ns(), t0, t1, t2;
	int fd = mmb_open(name, 0), ret = -ENOMEM;
	long bad;

	if (fd < 0 || !out || !in)
		goto out;
	demo_fill(out, len, seed);
	t0 = mmb_now_ns();
	ret = mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, out, len);
	t1 = mmb_now_ns();
	if (!ret)
		ret = mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, in, len);
	t2 = mmb_now_ns();
	if (ret)
		goto out;
	bad = demo_check(in, len, seed);
	printf("  %zu bytes RAM -> %s -> RAM: %s (to device %.2f ms, back %.2f ms)\n",
	       len, name, bad < 0 ? "byte-exact" : "MISMATCH",
	       (t1 - t0) / 1e6, (t2 - t1) / 1e6);
	ret = bad < 0 ? 0 : -EIO;
out:
	if (fd >= 0)
		close(fd);
	free(out);
	free(in);
	return ret;
}

static int demo_devmem(const char *name, size_t len)
{
	uint8_t *buf = malloc(len);
	uint64_t seed = mmb_now_ns();
	int fd = mmb_open(name, 0), ret = -ENOMEM;
	long bad;

	if (fd < 0 || !buf)
		goto out;
	demo_fill(buf, len, seed);
	ret = mmb_mem_write(fd, 0, buf, len);
	memset(buf, 0, len);
	if (!ret)
		ret = mmb_mem_read(fd, 0, buf, len);
	if (ret)
		goto out;
	bad = demo_check(buf, len, seed);
	printf("  wrote %zu bytes into %s device memory with the CPU, read back: %s\n",
	       len, name, bad < 0 ? "exact" : "MISMATCH");
	ret = bad < 0 ? 0 : -EIO;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Check @len bytes of the MMB_SRC_GEN stream of @seed from offset 0. */
static long gen_check(const uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(mmb_gen_word(seed, i / 8) >> (8 * (i % 8))))
			return i;
	return -1;
}

static void comm_of(uint32_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, size, f))
		snprintf(buf, size, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/*
 * 16 Linux aio reads of @part bytes each into @buf, submitted at once on a
 * WORKER file, all reaped: 0 or -errno.
 */
static int demo_aio(int fd, uint8_t *buf, size_t part)
{
	struct iocb cbs[16], *list[16];
	struct io_event ev[16];
	aio_context_t ctx = 0;
	int i, got = 0, ret = 0;
	long n;

	if (syscall(SYS_io_setup, 16, &ctx))
		return -errno;
	for (i = 0; i < 16; i++) {
		cbs[i] = (struct iocb){
			.aio_fildes = fd,
			.aio_lio_opcode = IOCB_CMD_PREAD,
			.aio_buf = (uintptr_t)(buf + i * part),
			.aio_nbytes = part,
			.aio_offset = i * part,
			.aio_data = i,
		};
		list[i] = &cbs[i];
	}
	n = syscall(SYS_io_submit, ctx, 16L, list);
	if (n != 16)
		ret = n < 0 ? -errno : -EIO;
	while (n > 0 && got < n) {
		long k = syscall(SYS_io_getevents, ctx, 1L, 16L - got, ev, NULL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		for (i = 0; i < k; i++)
			if (ev[i].res != (__s64)part && !ret)
				ret = ev[i].res < 0 ? (int)ev[i].res : -EIO;
		got += k;
	}
	syscall(SYS_io_destroy, ctx);
	return ret;
}

/* read() in each mode, then aio reads and an interrupt-driven copy. */
static int demo_copy(const char *name)
{
	static const char *const modes[] = { "SYNC", "WORKER" };
	const size_t len = 4 << 20, part = 256 << 10;
	uint8_t *buf = malloc(len);
	struct mmb_copy_status st;
	struct mmb_irq_record rec = { 0 };
	volatile struct mmb_irq_record *vr = &rec;
	uint64_t seed = mmb_now_ns(), t0, t1;
	int fd = mmb_open(name, 0), ret = -ENOMEM, m, i;
	char comm[32];
	ssize_t n;

	if (fd < 0 || !buf)
		goto out;
	for (m = 0; m < 2; m++) {
		ret = mmb_copy_config(fd, m, MMB_SRC_GEN, seed,
				      MMB_COPY_SET_OFFSET, 0);
		if (ret)
			goto out;
		memset(buf, 0, len);
		t0 = mmb_now_ns();
		n = read(fd, buf, len);
		t1 = mmb_now_ns();
		if (n != (ssize_t)len || gen_check(buf, len, seed) >= 0) {
			ret = -EIO;
			goto out;
		}
		mmb_copy_status(fd, &st);
		comm_of(st.last_worker_pid, comm, sizeof(comm));
		printf("  %-6s read() of 4 MiB: exact, %.0f MB/s, copied by %s\n",
		       modes[m], len / ((t1 - t0) / 1e3),
		       m ? comm : "the reading process itself");
	}
	memset(buf, 0, len);
	ret = mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed, 0, 0);
	if (!ret)
		ret = demo_aio(fd, buf, part);
	if (!ret)
		ret = mmb_copy_status(fd, &st);
	if (ret)
		goto out;
	if (gen_check(buf, len, seed) >= 0) {
		ret = -EIO;
		goto out;
	}
	comm_of(st.last_worker_pid, comm, sizeof(comm));
	printf("  AIO    16 reads of 256 KiB submitted at once with io_submit(), "
	       "reaped: exact (last done by %s)\n", comm);

	ret = mmb_irq_copy(fd, &rec);
	for (i = 0; !ret && i < 5; i++) {
		struct mmb_info info;
		uint64_t deadline = mmb_now_ns() + 2000000000ULL;

		ret = mmb_irq_trigger(fd, 1, NULL);
		if (!ret)
			ret = mmb_info(fd, &info);
		while (!ret && vr->irq_count != info.irq_count &&
		       mmb_now_ns() < deadline)
			usleep(100);
		if (!ret && vr->irq_count != info.irq_count)
			ret = -ETIMEDOUT;
	}
	if (ret)
		goto out;
	comm_of(vr->worker_pid, comm, sizeof(comm));
	printf("  IRQ    5 interrupts each queued a copy from the handler: record "
	       "shows irq %llu, written by %s\n",
	       (unsigned long long)vr->irq_count, comm);
	mmb_irq_copy(fd, NULL);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Wake-up latency: a thread sleeps in read() on an event fd. */
struct wake_ctx {
	int efd;
	int pipe[2];	/* waiter -> main: the time it woke */
};

static void *wake_waiter(void *arg)
{
	struct wake_ctx *w = arg;
	uint64_t count, t1;

	while (mmb_event_wait(w->efd, &count) == 0) {
		t1 = mmb_now_ns();
		if (write(w->pipe[1], &t1, sizeof(t1)) != sizeof(t1))
			break;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int demo_wake(int fd)
{
	enum { N = 200 };
	const struct timespec settle = { 0, 500000 };
	struct wake_ctx w;
	uint64_t lat[N], t0, t1 = 0;
	pthread_t th;
	int i, ret = 0;

	w.efd = mmb_event_open(fd, MMB_EVENT_CLOEXEC);
	if (w.efd < 0)
		return w.efd;
	if (pipe(w.pipe) || pthread_create(&th, NULL, wake_waiter, &w)) {
		close(w.efd);
		return -EIO;
	}
	for (i = 0; i < N && !ret; i++) {
		nanosleep(&settle, NULL);	/* the waiter is asleep */
		t0 = mmb_now_ns();
		ret = mmb_irq_raise_nowait(fd);
		if (!ret && read(w.pipe[0], &t1, sizeof(t1)) != sizeof(t1))
			ret = -EIO;
		lat[i] = t1 - t0;
	}
	pthread_cancel(th);	/* it sleeps in read(), a cancellation point */
	pthread_join(th, NULL);
	close(w.efd);
	close(w.pipe[0]);
	close(w.pipe[1]);
	if (ret)
		return ret;
	qsort(lat, N, sizeof(lat[0]), cmp_u64);
	printf("  wake-up after an interrupt, blocking read() on an event fd: "
	       "median %.0f us, 99th percentile %.0f us (%d samples)\n",
	       lat[N / 2] / 1000.0, lat[N * 99 / 100] / 1000.0, N);
	return 0;
}

/*
 * Everything an interrupt updates in this process: the counter page, a
 * pinned ring written by the handler, an eventfd, an event fd.
 */
static int demo_events(const char *name)
{
	const size_t ring_len = 64 * 1024;
	const uint32_t n = 1000;
	const struct mmb_counters *page;
	struct mmb_counters s0, s1;
	struct mmb_ring *ring;
	uint64_t count, evcount, i, last = 0;
	uint32_t id, slots;
	int fd = mmb_open(name, 0), efd, evfd, ret;
	bool ordered = true;

	if (fd < 0)
		return fd;
	page = mmb_counters_map(fd);
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC);
	evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!page || ring == MAP_FAILED || efd < 0 || evfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = mmb_pin_region(fd, ring, ring_len, &id, &slots);
	if (!ret)
		ret = mmb_eventfd(fd, evfd);
	if (ret)
		goto out;
	printf("  counter page mapped read-only; %zu KiB ring pinned (%u records); eventfd and event fd registered\n",
	       ring_len / 1024, slots);

	mmb_counters_read(page, &s0);
	ret = mmb_irq_trigger(fd, n, NULL);
	if (ret)
		goto out_unpin;
	mmb_counters_read(page, &s1);
	for (i = 0; i < mmb_ring_head(ring) && i < slots; i++) {
		const struct mmb_ring_record *r = &ring->records[i];

		if (r->seq != i + 1 || r->irq_count != s0.irq_count + i + 1 ||
		    r->timestamp_ns < last)
			ordered = false;
		last = r->timestamp_ns;
	}
	if (read(evfd, &evcount, 8) != 8)
		evcount = 0;
	if (mmb_event_wait(efd, &count))
		count = 0;
	printf("  %u interrupts raised:\n", n);
	printf("    counter page     events %llu -> %llu (trigger %llu, timer %llu, DMA %llu), snapshot seq %u\n",
	       (unsigned long long)s0.irq_count,
	       (unsigned long long)s1.irq_count,
	       (unsigned long long)s1.trigger_count,
	       (unsigned long long)s1.timer_count,
	       (unsigned long long)s1.dma_count, s1.seq);
	printf("    pinned ring      %llu records written by the handler, numbered and timestamped in order: %s\n",
	       (unsigned long long)mmb_ring_head(ring), ordered ? "yes" : "NO");
	printf("    eventfd          counted %llu\n",
	       (unsigned long long)evcount);
	printf("    event fd read()  returned %llu\n", (unsigned long long)count);
	if (!ordered || mmb_ring_head(ring) != n || evcount != n ||
	    s1.irq_count - s0.irq_count != n || count != s1.irq_count)
		ret = -EIO;
	if (!ret)
		ret = demo_wake(fd);
out_unpin:
	mmb_eventfd(fd, -1);
	mmb_unpin_region(fd, id);
out:
	if (evfd >= 0)
		close(evfd);
	if (efd >= 0)
		close(efd);
	if (ring != MAP_FAILED)
		munmap(ring, ring_len);
	mmb_counters_unmap(page);
	close(fd);
	return ret;
}

/*
 * Frames written by the device straight into this process's memory: every
 * frame checked byte for byte, the rate, and what the sg table looks like.
 */
static int demo_stream(const char *name, uint32_t nr, size_t size,
		       uint32_t count)
{
	const uint64_t seed = 0x5eed;
	struct mmb_stream_status st;
	struct mmb_frame fr;
	void *frames[16];
	uint8_t *buf;
	uint64_t t0 = 0, t1;
	uint32_t i, bad = 0;
	int fd = mmb_open(name, 0), sfd, ret;

	if (fd < 0)
		return fd;
	buf = mmap(NULL, nr * size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		frames[i] = buf + i * size;
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames, seed,
			       0, 0, MMB_EVENT_CLOEXEC);
	ret = sfd < 0 ? sfd : mmb_stream_status(sfd, &st);
	if (!ret)
		ret = mmb_stream_start(sfd);
	for (i = 0; i < count && !ret; i++) {
		ret = mmb_stream_next(sfd, &fr);
		if (ret)
			break;
		if (!i)
			t0 = mmb_now_ns();
		bad += mmb_stream_check(frames[fr.index], size, seed,
					st.pattern_size, fr.seq) >= 0;
		ret = mmb_stream_release(sfd, fr.index);
	}
	t1 = mmb_now_ns();
	if (!ret)
		ret = mmb_stream_stop(sfd);
	if (!ret)
		ret = mmb_stream_status(sfd, &st);
	if (!ret) {
		printf("  %u frames of %zu KiB pinned in this process: %llu scatter-gather entries\n",
		       nr, size / 1024, (unsigned long long)st.sg_entries);
		printf("  %u frames DMA'd straight into them, each checked byte for byte: %s",
		       count, bad ? "WRONG" : "exact");
		if (count > 1 && t1 > t0 &&
		    (count - 1) * (double)size / ((t1 - t0) / 1e3) >= 1)
			printf(", %.0f MB/s (checking included)",
			       (count - 1) * (double)size / ((t1 - t0) / 1e3));
		else if (count > 1 && t1 > t0)
			printf(", %.0f ms per frame (emulated DMA)",
			       (t1 - t0) / 1e6 / (count - 1));
		printf("\n  no copy, no signal: read() says which frame is ready, write() hands it back; %llu dropped\n",
		       (unsigned long long)st.dropped);
		if (bad)
			ret = -EIO;
	}
	if (sfd >= 0)
		close(sfd);
	munmap(buf, nr * size);
	close(fd);
	return ret;
}

static int demo_step(const char *what, int ret)
{
	if (ret)
		printf("  FAILED: %s: %s\n", what, test_if_error(ret));
	return ret ? 1 : 0;
}

static int cmd_demo(void)
{
	char names[MAX_DEVS][MMB_NAME_MAX];
	int i, n, failed = 0;

	printf("== mmbridge demo\n\n== Devices found\n");
	if (cmd_list())
		return 1;
	n = mmb_list(names, MAX_DEVS);

	for (i = 0; i < n && i < MAX_DEVS; i++) {
		struct mmb_info info;
		int fd = mmb_open(names[i], 0);

		if (fd < 0 || mmb_info(fd, &info)) {
			failed++;
			continue;
		}
		if (info.caps & MMB_CAP_IRQ) {
			printf("\n== Interrupt round trip on %s (%s)\n", info.name,
			       !strcmp(info.driver, "edu") ?
			       "register write -> MSI -> handler -> waiter woken" :
			       "hrtimer interrupt -> handler -> waiter woken");
			failed += demo_step("irq", irq_roundtrip(fd, 1000, false));
		}
		close(fd);
		if (info.caps & MMB_CAP_IRQ) {
			printf("\n== Interrupt events reaching this process on %s\n",
			       info.name);
			failed += demo_step("events", demo_events(info.name));
		}
		if (info.caps & MMB_CAP_IRQ_TIMER) {
			printf("\n== Periodic interrupts on %s\n", info.name);
			failed += cmd_timer(info.name, 1000, 200);
		}
		if (info.caps & MMB_CAP_DMA) {
			bool soft = !strcmp(info.driver, "soft");

			printf("\n== Zero-copy frame streaming from %s\n",
			       info.name);
			failed += demo_step("stream", soft ?
				demo_stream(info.name, 16, 1 << 20, 200) :
				demo_stream(info.name, 2, 8192, 3));
		}
		if (info.caps & MMB_CAP_DMA) {
			printf("\n== DMA engine of %s\n", info.name);
			failed += demo_step("dma", demo_dma(info.name,
				info.dma_window < (1u << 20) ? info.dma_window :
							       1u << 20));
		}
		if (!strcmp(info.driver, "soft")) {
			printf("\n== Foreign-context copy through %s: a kernel thread "
			       "writes into this process\n", info.name);
			failed += demo_step("copy", demo_copy(info.name));
		}
		if ((info.caps & MMB_CAP_MAP) &&
		    strcmp(info.driver, "edu")) {
			fd = mmb_open(info.name, 0);
			printf("\n== Revocable mapping of %s's memory\n", info.name);
			failed += demo_step("region", fd < 0 ? fd :
				demo_region(fd, info.name, info.mem_size));
			if (fd >= 0)
				close(fd);
		}
		if (info.caps & MMB_CAP_OBJECT) {
			fd = mmb_open(info.name, 0);
			printf("\n== Migratable objects on %s: one mapping, backing moving between RAM and device memory\n",
			       info.name);
			failed += demo_step("object", fd < 0 ? fd :
				demo_object(fd, info.name));
			if (fd >= 0)
				close(fd);
		}
		if (info.caps & MMB_CAP_DEVMEM) {
			printf("\n== Device memory of %s (%llu MiB)\n", info.name,
			       (unsigned long long)info.mem_size >> 20);
			failed += demo_step("devmem", demo_devmem(info.name,
				info.mem_size < (1u << 20) ? info.mem_size :
							     1u << 20));
		}
	}
	printf("\nTimes are guest clock under emulation: compare them with each other, not with hardware.\n");
	printf("== demo %s\n", failed ? "FAILED" : "done");
	return failed ? 1 : 0;
}

/*
 * Progress on standard error: redrawn in place on a terminal, otherwise a
 * line per quarter (the guest's output goes through a serial port to a
 * log), with the seconds since the section started.
 */
void bench_progress(struct bench_out *out, const char *section, int percent)
{
	static const char *last_section;
	static uint64_t t0;
	static int last_quarter;

	if (!out->progress)
		return;
	if (section != last_section) {
		last_section = section;
		t0 = mmb_now_ns();
		last_quarter = 0;
	}
	if (isatty(2)) {
		fprintf(stderr, "\r  bench %s: %3d%%%s", section, percent,
			percent >= 100 ? "\n" : "");
	} else if (percent / 25 > last_quarter) {
		last_quarter = percent / 25;
		fprintf(stderr, "  bench %s: %3d%% after %.1f s\n", section,
			percent, (mmb_now_ns() - t0) / 1e9);
	}
}

static const struct {
	const char *name;
	int (*run)(struct bench_out *out);
} bench_sections[] = {
	{ "copy", bench_copy },	    { "irq", bench_irq },
	{ "stream", bench_stream }, { "region", bench_region },
	{ "object", bench_object }, { "fio", bench_fio },
};

/* SECTIONS: "all" or a comma-separated list of section names. */
static int cmd_bench(const char *sections, bool json)
{
	/* Progress goes to stderr, so JSON on stdout stays clean. */
	static struct bench_out out = { .progress = true };
	size_t k, nsec = sizeof(bench_sections) / sizeof(bench_sections[0]);
	bool all = !strcmp(sections, "all");
	const char *p;
	int i, ret = 0;

	/* Every name must be known before anything runs. */
	for (p = sections; !all && *p; p += strcspn(p, ","), p += !!*p) {
		size_t len = strcspn(p, ",");

		for (k = 0; k < nsec; k++)
			if (strlen(bench_sections[k].name) == len &&
			    !strncmp(p, bench_sections[k].name, len))
				break;
		if (k == nsec) {
			fprintf(stderr, "mmbridge: unknown bench section '%.*s'\n",
				(int)len, p);
			return 1;
		}
	}
	for (k = 0; k < nsec && !ret; k++) {
		const char *name = bench_sections[k].name;
		size_t len = strlen(name);
		bool chosen = all;

		for (p = sections; !all && *p && !chosen;
		     p += strcspn(p, ","), p += !!*p)
			chosen = strcspn(p, ",") == len && !strncmp(p, name, len);
		if (chosen)
			ret = bench_sections[k].run(&out);
	}
	if (ret)
		return 1;
	if (json) {
		bench_json(&out, stdout);
	} else {
		for (i = 0; i < out.n; i++)
			printf("  %-34s %10.4g  [%.4g, %.4g] n=%d\n",
			       out.fig[i].name, out.fig[i].value,
			       out.fig[i].min, out.fig[i].max, out.fig[i].n);
	}
	return 0;
}

/* A column per device, a row per statistic, from debugfs. */
static int cmd_stat(int argc, char **argv)
{
	static char names[MAX_DEVS][MMB_NAME_MAX];
	static struct mmb_stat st[MAX_DEVS][64];
	int nst[MAX_DEVS], ndev, d, i;

	if (argc) {
		ndev = argc > MAX_DEVS ? MAX_DEVS : argc;
		for (d = 0; d < ndev; d++)
			snprintf(names[d], MMB_NAME_MAX, "%s", argv[d]);
	} else {
		ndev = mmb_list(names, MAX_DEVS);
		if (ndev < 0) {
			fprintf(stderr, "mmbridge: %s: %s\n", MMB_DEV_DIR,
				strerror(-ndev));
			return 1;
		}
		if (ndev > MAX_DEVS)
			ndev = MAX_DEVS;
		if (!ndev) {
			fprintf(stderr, "mmbridge: no devices (is the module loaded?)\n");
			return 1;
		}
	}
	for (d = 0; d < ndev; d++) {
		nst[d] = mmb_stats(names[d], st[d], 64);
		if (nst[d] == -ENOENT && access(MMB_DEBUGFS_DIR, F_OK)) {
			fprintf(stderr,
				"mmbridge: no %s: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug) or not readable\n",
				MMB_DEBUGFS_DIR);
			return 1;
		}
		if (nst[d] < 0) {
			fprintf(stderr, "mmbridge: %s: %s\n", names[d],
				strerror(-nst[d]));
			return 1;
		}
		if (nst[d] > 64)
			nst[d] = 64;
	}
	printf("%-16s", "");
	for (d = 0; d < ndev; d++)
		printf(" %16s", names[d]);
	printf("\n");
	for (i = 0; i < nst[0]; i++) {
		printf("%-16s", st[0][i].name);
		for (d = 0; d < ndev; d++) {
			if (i < nst[d] && !strcmp(st[d][i].name, st[0][i].name))
				printf(strstr(st[d][i].name, "state") ?
					       " %#16llx" : " %16llu",
				       (unsigned long long)st[d][i].value);
			else
				printf(" %16s", "-");
		}
		printf("\n");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mmbridge list\n"
		"       mmbridge info DEV\n"
		"       mmbridge irq DEV [N]\n"
		"       mmbridge timer DEV PERIOD_US DURATION_MS\n"
		"       mmbridge region DEV\n"
		"       mmbridge revoke|restore DEV [REGION]\n"
		"       mmbridge migrate DEV [SIZE_MIB [ROUNDS]]\n"
		"       mmbridge bench all|SECTION[,SECTION...] [--json]  (copy irq stream region object fio)\n"
		"       mmbridge stat [DEV...]\n"
		"       mmbridge demo\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "list") && argc == 2)
		return cmd_list();
	if (!strcmp(argv[1], "info") && argc == 3)
		return cmd_info(argv[2]);
	if (!strcmp(argv[1], "irq") && (argc == 3 || argc == 4))
		return cmd_irq(argv[2], argc == 4 ? strtoul(argv[3], NULL, 0) : 1000);
	if (!strcmp(argv[1], "timer") && argc == 5)
		return cmd_timer(argv[2], strtoull(argv[3], NULL, 0),
				 strtoull(argv[4], NULL, 0));
	if (!strcmp(argv[1], "bench") && (argc == 3 ||
	    (argc == 4 && !strcmp(argv[3], "--json"))))
		return cmd_bench(argv[2], argc == 4);
	if (!strcmp(argv[1], "region") && argc == 3)
		return cmd_region(argv[1], argv[2], NULL);
	if ((!strcmp(argv[1], "revoke") || !strcmp(argv[1], "restore")) &&
	    (argc == 3 || argc == 4))
		return cmd_region(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "migrate") && argc >= 3 && argc <= 5) {
		unsigned long mib = argc > 3 ? strtoul(argv[3], NULL, 0) : 4;
		unsigned long rounds = argc > 4 ? strtoul(argv[4], NULL, 0) : 10;

		if (mib < 1 || mib > 1024 || rounds < 1 || rounds > 100000) {
			fprintf(stderr, "mmbridge: migrate: SIZE_MIB is 1..1024, ROUNDS 1..100000\n");
			return 2;
		}
		return cmd_migrate(argv[2], mib, rounds);
	}
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 2, argv + 2);
	if (!strcmp(argv[1], "demo") && argc == 2)
		return cmd_demo();
	usage();
	return 2;
}
