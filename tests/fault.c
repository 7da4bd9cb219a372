// SPDX-License-Identifier: GPL-2.0
/*
 * fault/: a worker thread copying into memory in every state a page can be
 * in: never touched, swapped out, copy-on-write shared, read-only,
 * unmapped, file-backed, transparent huge page, unmapped mid-copy.
 */
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"


static int worker_fd(uint64_t seed)
{
	int fd = dev_open("soft0"), r;

	if (fd < 0)
		return fd;
	r = mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed,
			    MMB_COPY_SET_OFFSET, 0);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* /proc/self/pagemap entry of @addr. */
static uint64_t pagemap(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), ((uintptr_t)addr / PG) * 8) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)

static int test_unpopulated(void)
{
	const size_t len = 4 << 20;
	uint64_t seed = test_seed();
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	int fd = worker_fd(seed);

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	EXPECT(!(pagemap(buf) & PM_PRESENT), "fresh page already present");
	EXPECT_EQ(read(fd, buf, len), len);
	EXPECT(pattern_check(buf, len, seed, 0) < 0, "data wrong");
	close(fd);
	return T_PASS;
}

static int test_swapped_out(void)
{
	const size_t len = 1 << 20;
	uint64_t seed = test_seed();
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	size_t i, swapped = 0;
	char line[64];
	int fd = worker_fd(seed);

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	EXPECT_OK(read_line("/proc/swaps", line, sizeof(line)));
	memset(buf, 0x55, len);
	for (i = 0; i < 5 && !swapped; i++) {
		size_t p;

		EXPECT_OK(madvise(buf, len, MADV_PAGEOUT) ? -errno : 0);
		for (p = 0; p < len; p += PG)
			swapped += !!(pagemap(buf + p) & PM_SWAP);
	}
	EXPECT(swapped > 0, "no page went to swap (is swap on?)");
	EXPECT_EQ(read(fd, buf, len), len);
	EXPECT(pattern_check(buf, len, seed, 0) < 0, "data wrong");
	for (i = 0; i < len; i += PG)
		EXPECT(pagemap(buf + i) & PM_PRESENT, "page %zu not back", i / PG);
	close(fd);
	return T_PASS;
}

/*
 * Parent and child share copy-on-write pages.  A worker writing for the
 * parent changes only the parent's copy, and the reverse.
 */
static int test_cow_after_fork(void)
{
	const size_t len = 1 << 20;
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	int fd = worker_fd(1), go[2], status;
	size_t i;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	memset(buf, 0x11, len);
	EXPECT_EQ(pipe(go), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (pid == 0) {
		char c;

		/* Still the shared content after the parent's copy. */
		if (read(go[0], &c, 1) != 1)
			_exit(20);
		for (i = 0; i < len; i++)
			if (buf[i] != 0x11)
				_exit(21);
		/* Our own copy, seed 2, through the same fd. */
		if (mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 2,
				    MMB_COPY_SET_OFFSET, 0))
			_exit(22);
		if (read(fd, buf, len) != (ssize_t)len)
			_exit(23);
		if (pattern_check(buf, len, 2, 0) >= 0)
			_exit(24);
		_exit(0);
	}
	EXPECT_EQ(read(fd, buf, len), len);
	EXPECT(pattern_check(buf, len, 1, 0) < 0, "parent's data wrong");
	EXPECT_EQ(write(go[1], "g", 1), 1);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x", status);
	/* The child's copy did not reach the parent. */
	EXPECT(pattern_check(buf, len, 1, 0) < 0, "parent's data changed");
	close(fd);
	return T_PASS;
}

static int test_readonly_efault(void)
{
	const size_t len = 64 * 1024;
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	ssize_t n;
	size_t i;
	int fd = worker_fd(3);

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	memset(buf, 0x77, len);
	EXPECT_EQ(mprotect(buf, len, PROT_READ), 0);
	n = read(fd, buf, len);
	EXPECT(n < 0 && errno == EFAULT, "read into read-only memory: %zd %s",
	       n, strerror(errno));
	for (i = 0; i < len; i++)
		EXPECT(buf[i] == 0x77, "byte %zu changed", i);
	/* Read-only from the middle: exactly the writable part. */
	EXPECT_EQ(mprotect(buf, len / 2, PROT_READ | PROT_WRITE), 0);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 3,
				  MMB_COPY_SET_OFFSET, 0));
	EXPECT_EQ(read(fd, buf, len), len / 2);
	EXPECT(pattern_check(buf, len / 2, 3, 0) < 0, "writable half wrong");
	for (i = len / 2; i < len; i++)
		EXPECT(buf[i] == 0x77, "read-only byte %zu changed", i);
	close(fd);
	return T_PASS;
}

static int test_unmapped_partial(void)
{
	const size_t len = 2 << 20;
	uint64_t seed = test_seed();
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	struct mmb_copy_status st;
	int fd = worker_fd(seed);

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	EXPECT_EQ(munmap(buf + len / 2, len / 2), 0);
	EXPECT_EQ(read(fd, buf, len), len / 2);
	EXPECT(pattern_check(buf, len / 2, seed, 0) < 0, "first half wrong");
	/* The stream advanced by what was copied, no more. */
	EXPECT_EQ(read(fd, buf, 4096), 4096);
	EXPECT(pattern_check(buf, 4096, seed, len / 2) < 0, "stream offset wrong");
	/* Wholly unmapped: -EFAULT, nothing copied. */
	EXPECT(read(fd, buf + len / 2, 4096) < 0 && errno == EFAULT,
	       "read into unmapped memory: %s", strerror(errno));
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	close(fd);
	return T_PASS;
}

/*
 * A hole that starts in the middle of a chunk of the copy (128 KiB) and
 * not at a page of the destination's start: each mode reports exactly
 * the bytes before the hole, the last of them is right, nothing after it
 * was written, and the stream (read()) advanced by exactly that much.
 * HOLE_AIO: an aio read of a WORKER file, which reports the same count.
 */
#define HOLE_AIO 100

static int hole_mid_chunk(uint32_t mode)
{
	const size_t len = 2 << 20, skew = 100, hole = len / 2 + 4096;
	const size_t want = hole - skew;
	uint64_t seed = test_seed() ^ mode;
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE);
	struct mmb_copy_status st;
	uint8_t next[64], ref[64];
	int fd = dev_open("soft0");
	struct io_event ev;
	struct iocb cb;
	uint64_t ctx;
	long got;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	EXPECT_OK(mmb_copy_config(fd, mode == HOLE_AIO ? MMB_COPY_WORKER : mode,
				  MMB_SRC_GEN, seed, MMB_COPY_SET_OFFSET, 0));
	EXPECT_EQ(munmap(buf + hole, len - hole), 0);
	if (mode == HOLE_AIO) {
		EXPECT_OK(kaio_setup(1, &ctx));
		EXPECT_OK(kaio_read(ctx, &cb, fd, buf + skew, len - skew, 0, 0,
				    7));
		EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 20000), 1);
		EXPECT_EQ(ev.data, 7);
		got = ev.res;
		kaio_destroy(ctx);
	} else {
		got = read(fd, buf + skew, len - skew);
		if (got < 0)
			got = -errno;
	}
	EXPECT(got == (long)want, "mode %u copied %ld, expected %zu", mode,
	       got, want);
	EXPECT(pattern_check(buf + skew, want, seed, 0) < 0,
	       "mode %u: data before the hole wrong", mode);
	pattern_fill(ref, sizeof(ref), seed, want - 1);
	EXPECT(buf[hole - 1] == ref[0], "mode %u: last byte 0x%02x, not 0x%02x",
	       mode, buf[hole - 1], ref[0]);
	if (mode != HOLE_AIO) {
		/* The stream continues right after the last byte copied. */
		EXPECT_EQ(read(fd, next, sizeof(next)), (long)sizeof(next));
		EXPECT(pattern_check(next, sizeof(next), seed, want) < 0,
		       "mode %u: stream offset wrong after the short copy",
		       mode);
	}
	EXPECT_OK(mmb_copy_status(fd, &st));
	EXPECT_EQ(st.inflight, 0);
	close(fd);
	EXPECT_EQ(munmap(buf, hole), 0);
	return T_PASS;
}

static int test_hole_mid_chunk(void)
{
	static const uint32_t modes[] = { MMB_COPY_SYNC, MMB_COPY_WORKER,
					  HOLE_AIO };
	size_t i;
	int r;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		r = hole_mid_chunk(modes[i]);
		if (r)
			return r;
	}
	return T_PASS;
}

static int test_file_shared(void)
{
	const size_t len = 1 << 20;
	uint64_t seed = test_seed();
	uint8_t *map, *back = malloc(len);
	int mfd = memfd_create("mmb-fault", 0), fd = worker_fd(seed);

	EXPECT_OK(fd);
	EXPECT(mfd >= 0 && back, "memfd_create: %s", strerror(errno));
	EXPECT_EQ(ftruncate(mfd, len), 0);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	EXPECT(map != MAP_FAILED, "mmap");
	EXPECT_EQ(read(fd, map, len), len);
	EXPECT_EQ(munmap(map, len), 0);
	EXPECT_EQ(pread(mfd, back, len, 0), len);
	EXPECT(pattern_check(back, len, seed, 0) < 0, "file content wrong");
	close(mfd);
	close(fd);
	free(back);
	return T_PASS;
}

/* AnonHugePages of the mapping that contains @addr, in kB, or -1. */
static long anon_huge_kb(const void *addr)
{
	char line[256];
	unsigned long lo, hi;
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
		    strchr(line, ' ') > strchr(line, '-')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int test_thp(void)
{
	const size_t huge = 2 << 20, len = 2 * huge;
	uint64_t seed = test_seed();
	uint8_t *raw = map_anon(len + huge, PROT_READ | PROT_WRITE), *buf;
	char mode[128];
	long kb;
	int fd = worker_fd(seed), r;

	EXPECT_OK(fd);
	EXPECT(raw, "mmap");
	r = read_line("/sys/kernel/mm/transparent_hugepage/enabled", mode,
		      sizeof(mode));
	if (r == -ENOENT)
		SKIP("kernel built without transparent huge pages");
	EXPECT_OK(r);
	EXPECT(!strstr(mode, "[never]"), "THP disabled: %s", mode);
	buf = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	EXPECT_EQ(madvise(buf, len, MADV_HUGEPAGE), 0);
	buf[0] = 1;
	buf[huge] = 1;
	kb = anon_huge_kb(buf);
	EXPECT(kb >= 2048, "no huge page behind the buffer (%ld kB)", kb);
	EXPECT_EQ(read(fd, buf, len), len);
	EXPECT(pattern_check(buf, len, seed, 0) < 0, "data wrong");
	EXPECT(anon_huge_kb(buf) >= 2048, "huge page split by the copy");
	close(fd);
	return T_PASS;
}

struct unmapper {
	uint8_t *buf;
	size_t len;
	volatile bool done;
};

static void *unmapper_fn(void *arg)
{
	struct unmapper *u = arg;
	volatile uint64_t *first = (volatile uint64_t *)u->buf;

	while (*first == 0)
		;		/* the copy has begun */
	munmap(u->buf + u->len / 2, u->len / 2);
	u->done = true;
	return NULL;
}

/*
 * Another thread unmaps the second half while the worker copies the first:
 * the count stops at the hole, and memory mapped there after read() returns
 * never receives a byte.
 */
static int test_munmap_during_copy(void)
{
	const size_t len = 64 << 20;
	uint64_t seed = test_seed();
	struct unmapper u;
	uint8_t *fresh;
	pthread_t th;
	ssize_t n;
	size_t i;
	int fd = worker_fd(seed);

	EXPECT_OK(fd);
	u.buf = map_anon(len, PROT_READ | PROT_WRITE);
	u.len = len;
	u.done = false;
	EXPECT(u.buf, "mmap");
	EXPECT_EQ(pthread_create(&th, NULL, unmapper_fn, &u), 0);
	n = read(fd, u.buf, len);
	pthread_join(th, NULL);
	EXPECT(u.done, "unmapper did not run");
	EXPECT(n > 0 && (size_t)n <= len / 2, "read returned %zd (%s)", n,
	       n < 0 ? strerror(errno) : "past the hole");
	EXPECT(pattern_check(u.buf, n, seed, 0) < 0, "copied bytes wrong");

	fresh = mmap(u.buf + len / 2, len / 2, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT(fresh == u.buf + len / 2, "remap: %s", strerror(errno));
	usleep(200000);
	for (i = 0; i < len / 2; i += 512)
		EXPECT(fresh[i] == 0, "byte %zu of the new mapping written", i);
	close(fd);
	return T_PASS;
}

/*
 * Targets no copy may write: PROT_NONE, kernel and non-canonical addresses,
 * the read-only counter page.  Each is -EFAULT in every copy mode, with no
 * signal and nothing written.
 */
static int test_hostile_targets(void)
{
	static const uint64_t kaddrs[] = {
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0x8000000000000000ULL, 0,
	};
	uint8_t *none = map_anon(4 * PG, PROT_NONE);
	const struct mmb_counters *page;
	struct io_event ev;
	struct iocb cb;
	uint64_t ctx;
	int fd = dev_open("soft0"), mode;
	size_t i;

	EXPECT_OK(fd);
	EXPECT(none, "mmap");
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 1,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_ERR(read(fd, none, PG) < 0 ? -errno : 0, EFAULT);
		EXPECT_ERR(read(fd, (void *)page, 64) < 0 ? -errno : 0, EFAULT);
		for (i = 0; i < sizeof(kaddrs) / sizeof(kaddrs[0]); i++)
			EXPECT_ERR(read(fd, (void *)(uintptr_t)kaddrs[i], 64) < 0 ?
				   -errno : 0, EFAULT);
	}
	/* An aio read of a WORKER file: the completion carries -EFAULT. */
	EXPECT_OK(kaio_setup(1, &ctx));
	EXPECT_OK(kaio_read(ctx, &cb, fd, none, PG, 0, 0, 5));
	EXPECT_EQ(kaio_reap(ctx, 1, 1, &ev, 20000), 1);
	EXPECT_EQ(ev.data, 5);
	EXPECT_EQ(ev.res, -EFAULT);
	kaio_destroy(ctx);
	EXPECT_EQ(page->size, sizeof(*page));
	EXPECT_EQ(mprotect(none, 4 * PG, PROT_READ), 0);
	for (i = 0; i < 4 * PG; i++)
		EXPECT(!none[i], "PROT_NONE byte %zu written", i);
	close(fd);
	return T_PASS;
}

/*
 * read() into mmbridge's own mappings: a live region and an object take
 * the data (the copy faults them in), a revoked SIGBUS region is -EFAULT
 * with no SIGBUS to the reader.
 */
static int test_read_into_own_mapping(void)
{
	const size_t len = 16 * PG;
	volatile uint8_t *reg, *obj, *sig, *wait;
	uint64_t off;
	uint32_t h;
	int fd = dev_open("soft0"), mode;

	EXPECT_OK(fd);
	reg = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, len);
	sig = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, len);
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, &off));
	obj = mmb_obj_map(fd, off, len);
	EXPECT(reg && sig && obj, "mmap: %s", strerror(errno));
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 40 + mode,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_EQ(read(fd, (void *)reg, len), len);
		EXPECT(pattern_check((void *)reg, len, 40 + mode, 0) < 0,
		       "region data (mode %d)", mode);
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 50 + mode,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_EQ(read(fd, (void *)obj, len), len);
		EXPECT(pattern_check((void *)obj, len, 50 + mode, 0) < 0,
		       "object data (mode %d)", mode);
		EXPECT_OK(mmb_obj_migrate(fd, h, mode == MMB_COPY_SYNC ?
					  MMB_OBJ_RAM : MMB_OBJ_DEVICE));
		EXPECT(pattern_check((void *)obj, len, 50 + mode, 0) < 0,
		       "object data after a move (mode %d)", mode);
	}
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 1,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_ERR(read(fd, (void *)sig, len) < 0 ? -errno : 0, EFAULT);
	}
	/*
	 * A worker thread does not wait on a revoked WAIT mapping (nothing
	 * could interrupt it): -EFAULT at once.
	 */
	wait = mmb_region_map(fd, MMB_FAULT_WAIT, 0, len);
	EXPECT(wait, "mmap: %s", strerror(errno));
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 1,
				  MMB_COPY_SET_OFFSET, 0));
	EXPECT_ERR(read(fd, (void *)wait, len) < 0 ? -errno : 0, EFAULT);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	mmb_region_unmap((void *)wait, len);
	EXPECT(pattern_check((void *)sig, len, 41, 0) < 0,
	       "region data after the restore");
	munmap((void *)obj, len);
	mmb_region_unmap((void *)reg, len);
	mmb_region_unmap((void *)sig, len);
	close(fd);
	return T_PASS;
}

struct uffd_server {
	int uffd;
	atomic_int served;
	atomic_int stop;
};

/* Resolve missing-page faults with a page of 0xee bytes. */
static void *uffd_serve(void *arg)
{
	struct uffd_server *sv = arg;
	uint8_t *src = map_anon(PG, PROT_READ | PROT_WRITE);

	if (!src)
		return NULL;
	memset(src, 0xee, PG);
	while (!atomic_load(&sv->stop)) {
		struct pollfd pf = { sv->uffd, POLLIN, 0 };
		struct uffd_msg msg;
		struct uffdio_copy cp = { 0 };

		if (poll(&pf, 1, 20) <= 0)
			continue;
		if (read(sv->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		cp.dst = msg.arg.pagefault.address & ~(PG - 1);
		cp.src = (uintptr_t)src;
		cp.len = PG;
		if (!ioctl(sv->uffd, UFFDIO_COPY, &cp))
			atomic_fetch_add(&sv->served, 1);
	}
	munmap(src, PG);
	return NULL;
}

/*
 * A userfaultfd-registered target: the worker's faults wait for the
 * process's handler like its own would; the data lands exactly.  Without a
 * handler, killing the reader ends everything (no hang on exit).  With
 * UFFD_USER_MODE_ONLY, kernel-mode faults are refused: -EFAULT.
 */
static int test_userfaultfd_target(void)
{
	const size_t len = 8 * PG;
	struct uffd_server sv = { 0 };
	pthread_t th;
	uint8_t *buf;
	int fd, mode, st;
	pid_t pid;

	sv.uffd = uffd_open(O_NONBLOCK);
	if (sv.uffd == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(sv.uffd);
	fd = dev_open("soft0");
	EXPECT_OK(fd);
	EXPECT_OK(pthread_create(&th, NULL, uffd_serve, &sv));
	for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
		buf = map_anon(len, PROT_READ | PROT_WRITE);
		EXPECT(buf, "mmap");
		EXPECT_OK(uffd_register(sv.uffd, buf, len));
		EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 60 + mode,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_EQ(read(fd, buf, len), len);
		EXPECT(pattern_check(buf, len, 60 + mode, 0) < 0,
		       "data through userfaultfd (mode %d)", mode);
		munmap(buf, len);
	}
	atomic_store(&sv.stop, 1);
	pthread_join(th, NULL);
	EXPECT(atomic_load(&sv.served) >= 2 * 8,
	       "the handler resolved %d faults", atomic_load(&sv.served));
	close(sv.uffd);

	/* Nobody resolves the fault; the reader is killed. */
	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (!pid) {
		int u = uffd_open(0);

		buf = map_anon(len, PROT_READ | PROT_WRITE);
		if (u < 0 || !buf || uffd_register(u, buf, len))
			_exit(2);
		mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 1,
				MMB_COPY_SET_OFFSET, 0);
		(void)!read(fd, buf, len);
		_exit(3);
	}
	usleep(300000);
	kill(pid, SIGKILL);
	{
		uint64_t deadline = mmb_now_ns() + 20000000000ULL;
		pid_t w;

		while ((w = waitpid(pid, &st, WNOHANG)) == 0 && mmb_now_ns() < deadline)
			usleep(1000);
		EXPECT(w == pid, "reader stuck on its userfaultfd after SIGKILL");
	}
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	/* The worker lets go once the dead process's userfaultfd is gone. */
	{
		struct mmb_copy_status cs;
		int i;

		for (i = 0; i < 1000; i++) {
			EXPECT_OK(mmb_copy_status(fd, &cs));
			if (!cs.inflight)
				break;
			usleep(10000);
		}
		EXPECT_EQ(cs.inflight, 0);
	}

	/* User-mode-only: the copy's kernel-mode fault is refused. */
	sv.uffd = uffd_open(UFFD_USER_MODE_ONLY);
	if (sv.uffd >= 0) {
		buf = map_anon(len, PROT_READ | PROT_WRITE);
		EXPECT(buf, "mmap");
		EXPECT_OK(uffd_register(sv.uffd, buf, len));
		for (mode = MMB_COPY_SYNC; mode <= MMB_COPY_WORKER; mode++) {
			EXPECT_OK(mmb_copy_config(fd, mode, MMB_SRC_GEN, 1,
						  MMB_COPY_SET_OFFSET, 0));
			EXPECT_ERR(read(fd, buf, len) < 0 ? -errno : 0, EFAULT);
		}
		close(sv.uffd);
	}
	close(fd);
	return T_PASS;
}

/*
 * A copy that blocks for good in a fault its submitter controls: a
 * userfaultfd nobody answers (opened before the device file, so that at
 * exit the device file is released first, or after it), or a FUSE file
 * whose daemon, a thread of the same process, takes the read and never
 * replies (its /dev/fuse opened first).  mmbridge runs with one copy
 * worker, and everything on one CPU.
 */
enum stall_kind {
	STALL_UFFD_FIRST,
	STALL_DEV_FIRST,
	STALL_FUSE,
	STALL_URING, /* the read is an io_uring one, device first */
	STALL_AIO, /* a Linux aio one, device first */
};

#define STALL_LEN	(64 * 1024)
#define STALL_DIR	"/tmp/mmb-stall"
#define STALL_CPU	0

static const char *const stall_names[] = {
	"userfaultfd opened first", "device opened first", "FUSE daemon",
	"io_uring read", "aio read",
};

/*
 * The io_uring and aio victims hand their userfaultfd to the test over
 * this socket: it stays open after they die, so their copy ends only if
 * the process's death cancels it.
 */
static int stall_sock[2] = { -1, -1 };

/* The victim's read through io_uring or aio, waited for; returns on error. */
static void stall_async_read(enum stall_kind kind, int fd, uint8_t *buf)
{
	if (kind == STALL_URING) {
		struct io_uring_cqe *cqe;
		struct io_uring ring;

		if (io_uring_queue_init(4, &ring, 0))
			_exit(26);
		io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf, STALL_LEN, 0);
		if (io_uring_submit(&ring) != 1)
			_exit(27);
		io_uring_wait_cqe(&ring, &cqe);
	} else {
		struct io_event ev;
		struct iocb cb;
		uint64_t ctx;

		if (kaio_setup(4, &ctx) ||
		    kaio_read(ctx, &cb, fd, buf, STALL_LEN, 0, 0, 0))
			_exit(26);
		kaio_reap(ctx, 1, 1, &ev, 600000);
	}
}

/* The victim: its WORKER read() blocks in a fault nobody resolves. */
static void stall_victim(enum stall_kind kind, int note)
{
	int fd = -1, u = -1, f;
	uint8_t *buf;

	if (pin_cpu(STALL_CPU))
		_exit(20);
	if (kind == STALL_FUSE) {
		u = fuse_stall_mount(STALL_DIR, note);
		fd = worker_fd(1);
		if (u < 0 || fd < 0)
			_exit(21);
		f = open(STALL_DIR "/f", O_RDWR | O_CLOEXEC);
		if (f < 0)
			_exit(22);
		buf = mmap(NULL, STALL_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   f, 0);
		if (buf == MAP_FAILED)
			_exit(23);
		/*
		 * The mapping keeps the file.  Closed at exit instead, it
		 * would wait for a FLUSH answer from the dead daemon thread
		 * before any release ran: FUSE's own self-deadlock.
		 */
		close(f);
	} else {
		if (kind == STALL_UFFD_FIRST)
			u = uffd_open(O_NONBLOCK);
		fd = worker_fd(1);
		if (kind != STALL_UFFD_FIRST)
			u = uffd_open(O_NONBLOCK);
		buf = map_anon(STALL_LEN, PROT_READ | PROT_WRITE);
		if (u < 0 || fd < 0 || !buf || uffd_register(u, buf, STALL_LEN) ||
		    uffd_note_fault(u, note))
			_exit(21);
	}
	/* At exit the files are released in the reverse order of their fds. */
	if ((u < fd) != (kind == STALL_UFFD_FIRST || kind == STALL_FUSE))
		_exit(24);
	if (kind == STALL_URING || kind == STALL_AIO) {
		if (fd_send(stall_sock[1], u))
			_exit(28);
		stall_async_read(kind, fd, buf);
	}
	else
		(void)!read(fd, buf, STALL_LEN);
	_exit(25);
}

/*
 * Another process's copies of every kind, on the victim's CPU: a WORKER
 * read(), aio reads, a remote write, an interrupt copy.  0 when all of
 * them were exact.
 */
static int stall_bystander(void)
{
	const size_t len = 1 << 20, one = 64 * 1024, nr = len / one;
	static struct mmb_irq_record rec;
	volatile struct mmb_irq_record *vr = &rec;
	static struct iocb cbs[16];
	struct io_event ev[16];
	uint64_t seed = test_seed(), deadline, ctx;
	uint8_t *buf = map_anon(len, PROT_READ | PROT_WRITE), src[4096];
	size_t i, got = 0;
	int fd, n;

	if (pin_cpu(STALL_CPU) || !buf)
		return 30;
	fd = worker_fd(seed);
	if (fd < 0)
		return 31;
	if (read(fd, buf, len) != (ssize_t)len || pattern_check(buf, len, seed, 0) >= 0)
		return 32;
	if (mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, seed + 1, 0, 0) ||
	    kaio_setup(nr, &ctx))
		return 33;
	for (i = 0; i < nr; i++)
		if (kaio_read(ctx, &cbs[i], fd, buf + i * one, one, 0, i * one,
			      i))
			return 34;
	while (got < nr) {
		n = kaio_reap(ctx, 1, 16, ev, 30000);
		if (n <= 0)
			return 35;
		for (i = 0; i < (size_t)n; i++)
			if (ev[i].res != (int64_t)one)
				return 36;
		got += n;
	}
	kaio_destroy(ctx);
	if (pattern_check(buf, len, seed + 1, 0) >= 0)
		return 37;
	pattern_fill(src, sizeof(src), seed + 2, 0);
	if (mmb_remote_write(fd, getpid(), (uintptr_t)buf, src, sizeof(src)) !=
	    sizeof(src) || memcmp(buf, src, sizeof(src)))
		return 38;
	if (mmb_irq_copy(fd, &rec) || mmb_irq_trigger(fd, 1, NULL))
		return 39;
	deadline = mmb_now_ns() + 30000000000ULL;
	while (!vr->irq_count && mmb_now_ns() < deadline)
		usleep(1000);
	if (!vr->irq_count)
		return 40;
	if (mmb_irq_copy(fd, NULL))
		return 41;
	close(fd);
	return 0;
}

/* The kernel stack of each thread of @pid as comment lines. */
static void show_stack(pid_t pid, const char *who)
{
	char path[320], stack[2048], *line, *save;
	struct dirent *e;
	DIR *d;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, stack, sizeof(stack) - 1);
		close(fd);
		stack[n > 0 ? n : 0] = 0;
		printf("# %s, pid %d thread %s:\n", who, pid, e->d_name);
		for (line = strtok_r(stack, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("#   %s\n", line);
	}
	if (d)
		closedir(d);
}

/* The same for every mmb-copy thread that sleeps in a fault. */
static void show_copy_threads(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (d && (e = readdir(d))) {
		char path[64], comm[32], wchan[64];
		pid_t pid = atoi(e->d_name);

		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (pid <= 0 || read_line(path, comm, sizeof(comm)) ||
		    strncmp(comm, "mmb-copy/", 9))
			continue;
		/* Not the idle sleep of the worker loop. */
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		if (!read_line(path, wchan, sizeof(wchan)) &&
		    strcmp(wchan, "0") && strcmp(wchan, "mmb_copy_worker"))
			show_stack(pid, comm);
	}
	if (d)
		closedir(d);
}

/*
 * The mmb-copy threads, or (@busy_only) those that sleep somewhere else
 * than in their idle loop.
 */
static int copy_threads(bool busy_only)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[64], comm[32], wchan[64];
		pid_t pid = atoi(e->d_name);

		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (pid <= 0 || read_line(path, comm, sizeof(comm)) ||
		    strncmp(comm, "mmb-copy/", 9))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		if (!busy_only ||
		    (!read_line(path, wchan, sizeof(wchan)) &&
		     strcmp(wchan, "0") && strcmp(wchan, "mmb_copy_worker")))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int copy_threads_busy(void)
{
	return copy_threads(true);
}

/* Wait up to @ns for @pid; true if it was reaped, its status in *@st. */
static bool reap_within(pid_t pid, uint64_t ns, int *st, uint64_t *took)
{
	uint64_t t0 = mmb_now_ns();
	pid_t w;

	while (!(w = waitpid(pid, st, WNOHANG)) && mmb_now_ns() - t0 < ns)
		usleep(1000);
	*took = mmb_now_ns() - t0;
	return w == pid;
}

static int stall_run(enum stall_kind kind)
{
	int note[2], st = 0, by_st = 0, r, uffd = -1, busy = 0;
	uint64_t by_ns, death_ns;
	bool by_done, dead, held;
	pid_t victim, by;
	char c;

	if (kind == STALL_FUSE) {
		r = fuse_available();
		if (r == -ENOSYS)
			SKIP("kernel without FUSE");
		EXPECT_OK(r);
		EXPECT_OK(mkdir(STALL_DIR, 0700) && errno != EEXIST ? -errno : 0);
	} else {
		r = uffd_open(O_NONBLOCK);
		if (r == -ENOSYS)
			SKIP("kernel without userfaultfd");
		EXPECT_OK(r);
		close(r);
	}
	EXPECT_EQ(pipe(note), 0);
	held = kind == STALL_URING || kind == STALL_AIO;
	if (held)
		EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, stall_sock) ? -errno : 0);
	victim = fork();
	EXPECT(victim >= 0, "fork");
	if (!victim) {
		close(note[0]);
		stall_victim(kind, note[1]);
	}
	close(note[1]);
	if (held) {
		close(stall_sock[1]);
		uffd = fd_recv(stall_sock[0], 0);
		EXPECT_OK(uffd);
	}
	{
		struct pollfd pf = { .fd = note[0], .events = POLLIN };

		if (poll(&pf, 1, 30000) != 1 || read(note[0], &c, 1) != 1) {
			kill(victim, SIGKILL);
			waitpid(victim, &st, 0);
			FAIL("the victim's copy never reached its fault (victim status %#x)",
			     st);
		}
	}
	/* Meanwhile another process copies on the same CPU. */
	by = fork();
	EXPECT(by >= 0, "fork");
	if (!by)
		_exit(stall_bystander());
	by_done = reap_within(by, 20000000000ULL, &by_st, &by_ns);
	if (!by_done)
		kill(by, SIGKILL);
	/* The victim dies at once. */
	kill(victim, SIGKILL);
	dead = reap_within(victim, 10000000000ULL, &st, &death_ns);
	printf("# %s: the other process's copies %s after %.3f s; the victim %s %.3f s after SIGKILL\n",
	       stall_names[kind], by_done ? "done" : "not done", by_ns / 1e9,
	       dead ? "died" : "still there", death_ns / 1e9);
	if (!dead) {
		show_stack(victim, "the victim");
		show_copy_threads();
	}
	/* Its userfaultfd is still open here: the death ended the copy. */
	if (held && dead) {
		uint64_t t0 = mmb_now_ns();

		while ((busy = copy_threads_busy()) && mmb_now_ns() - t0 < 1000000000ULL)
			usleep(1000);
		if (busy)
			show_copy_threads();
		close(uffd);
		close(stall_sock[0]);
	}
	if (kind == STALL_FUSE)
		umount2(STALL_DIR, MNT_DETACH);
	EXPECT(by_done, "another process's copies on the same CPU were not done %.1f s after they started",
	       by_ns / 1e9);
	EXPECT(WIFEXITED(by_st) && !WEXITSTATUS(by_st),
	       "the other process's copies failed: status %#x", by_st);
	EXPECT(dead, "the victim was still there %.1f s after SIGKILL",
	       death_ns / 1e9);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "the victim ended with status %#x", st);
	EXPECT(death_ns < 1000000000ULL, "the victim died %.3f s after SIGKILL",
	       death_ns / 1e9);
	EXPECT(!busy, "%d copy thread(s) still in the dead victim's fault 1 s after its death",
	       busy);
	return T_PASS;
}

static int stall_uffd_first(void)
{
	return stall_run(STALL_UFFD_FIRST);
}

static int stall_dev_first(void)
{
	return stall_run(STALL_DEV_FIRST);
}

static int stall_fuse(void)
{
	return stall_run(STALL_FUSE);
}

static int stall_uring(void)
{
	struct io_uring ring;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is not available: %s", strerror(-r));
	EXPECT_OK(r);
	io_uring_queue_exit(&ring);
	return stall_run(STALL_URING);
}

static int stall_aio(void)
{
	return stall_run(STALL_AIO);
}

/*
 * The io_uring or aio victim leaves with exit() from its only thread, not
 * exit_group(): its process is gone all the same, and its read stuck in a
 * fault of the userfaultfd the test holds must end with it.
 */
static int exit_run(enum stall_kind kind)
{
	int sock[2], st = 0, u, fd, r;
	struct mmb_copy_status cs;
	uint64_t took, t0;
	bool dead;
	pid_t victim;

	r = uffd_open(O_NONBLOCK);
	if (r == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(r);
	close(r);
	EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sock) ? -errno : 0);
	victim = fork();
	EXPECT(victim >= 0, "fork");
	if (!victim) {
		uint8_t *buf = map_anon(STALL_LEN, PROT_READ | PROT_WRITE);
		int vfd = worker_fd(1), vu = uffd_open(O_NONBLOCK);

		close(sock[0]);
		if (vfd < 0 || vu < 0 || !buf || uffd_register(vu, buf, STALL_LEN) ||
		    fd_send(sock[1], vu) || fd_send(sock[1], vfd))
			_exit(21);
		if (kind == STALL_URING) {
			struct io_uring ring;

			if (io_uring_queue_init(4, &ring, 0))
				_exit(26);
			io_uring_prep_read(io_uring_get_sqe(&ring), vfd, buf,
					   STALL_LEN, 0);
			if (io_uring_submit(&ring) != 1)
				_exit(27);
		} else {
			struct iocb cb;
			uint64_t ctx;

			if (kaio_setup(4, &ctx) ||
			    kaio_read(ctx, &cb, vfd, buf, STALL_LEN, 0, 0, 0))
				_exit(26);
		}
		/* Once the copy is in the fault, the only thread leaves. */
		if (uffd_wait_fault(vu, 30000))
			_exit(28);
		syscall(SYS_exit, 0);
	}
	close(sock[1]);
	u = fd_recv(sock[0], 0);
	EXPECT_OK(u);
	fd = fd_recv(sock[0], 0);
	EXPECT_OK(fd);
	dead = reap_within(victim, 40000000000ULL, &st, &took);
	EXPECT(dead, "the victim was still there after 40 s");
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "victim status %#x", st);
	t0 = mmb_now_ns();
	do {
		EXPECT_OK(mmb_copy_status(fd, &cs));
		if (!cs.inflight)
			break;
		usleep(1000);
	} while (mmb_now_ns() - t0 < 2000000000ULL);
	printf("# %s: the victim exited; %u read(s) of it still in flight %.3f s later, %d copy thread(s) in its fault\n",
	       stall_names[kind], cs.inflight, (mmb_now_ns() - t0) / 1e9,
	       copy_threads_busy());
	if (cs.inflight)
		show_copy_threads();
	/* Whatever happened, closing the userfaultfd lets the copy end. */
	close(u);
	r = cs.inflight;
	t0 = mmb_now_ns();
	while (cs.inflight && mmb_now_ns() - t0 < 10000000000ULL) {
		usleep(1000);
		EXPECT_OK(mmb_copy_status(fd, &cs));
	}
	close(fd);
	close(sock[0]);
	EXPECT(!r, "the dead process's read was not cancelled: %d in flight 2 s after its exit()",
	       r);
	EXPECT_EQ(cs.inflight, 0);
	EXPECT_EQ(cs.cancelled, 1);
	return T_PASS;
}

static int exit_uring(void)
{
	return exit_run(STALL_URING);
}

static int exit_aio(void)
{
	return exit_run(STALL_AIO);
}

static int test_uffd_exit_uring(void)
{
	return with_module_params("copy_workers=1", exit_uring);
}

static int test_uffd_exit_aio(void)
{
	return with_module_params("copy_workers=1", exit_aio);
}

/*
 * Each with one copy worker (copy_workers=1); the module is unloaded and
 * loaded again afterwards, which fails if anything of the case still holds
 * it.
 */
static int test_uffd_unanswered_dev_first(void)
{
	return with_module_params("copy_workers=1", stall_dev_first);
}

static int test_uffd_unanswered_uffd_first(void)
{
	return with_module_params("copy_workers=1", stall_uffd_first);
}

static int test_fuse_unanswered(void)
{
	return with_module_params("copy_workers=1", stall_fuse);
}

/*
 * The same with the read submitted through io_uring and through Linux aio,
 * whose requests hold the device file: the victims hand their userfaultfd
 * to the test, so only their death's cancelling the copy ends it.
 */
static int test_uffd_unanswered_uring(void)
{
	return with_module_params("copy_workers=1", stall_uring);
}

static int test_uffd_unanswered_aio(void)
{
	return with_module_params("copy_workers=1", stall_aio);
}

#define PARK_NR 6

/*
 * Copies stuck in one process's userfaultfd take at most four threads:
 * with one copy worker, six aio reads into six unanswered pages get the
 * worker and three fresh threads detached for them, then a fourth serving
 * the queue stuck too, and the last two copies parked; another process's
 * read() goes on meanwhile.  io_cancel() of all six ends them within a
 * second, parked ones included, each with -ECANCELED, and the threads go.
 */
static int stall_parked(void)
{
	const size_t pg = sysconf(_SC_PAGESIZE);
	struct io_event ev[PARK_NR];
	static struct iocb cbs[PARK_NR];
	struct mmb_copy_status cs;
	uint64_t ctx, t0;
	int fd, u, i, n, got, threads = 0;
	uint8_t *buf, *ok;
	pid_t by;

	u = uffd_open(O_NONBLOCK);
	if (u == -ENOSYS)
		SKIP("kernel without userfaultfd");
	EXPECT_OK(u);
	fd = worker_fd(7);
	EXPECT_OK(fd);
	buf = map_anon(PARK_NR * pg, PROT_READ | PROT_WRITE);
	EXPECT(buf, "mmap");
	EXPECT_OK(uffd_register(u, buf, PARK_NR * pg));
	EXPECT_OK(kaio_setup(16, &ctx));
	for (i = 0; i < PARK_NR; i++)
		EXPECT_OK(kaio_read(ctx, &cbs[i], fd, buf + i * pg, pg, 0, 0, i));
	/* The worker's and four detached threads: five in all. */
	t0 = mmb_now_ns();
	while ((threads = copy_threads(false)) < 5 && mmb_now_ns() - t0 < 10000000000ULL)
		usleep(10000);
	usleep(300000);
	threads = copy_threads(false);
	EXPECT_EQ(threads, 5);
	EXPECT_OK(mmb_copy_status(fd, &cs));
	EXPECT_EQ(cs.inflight, PARK_NR);
	EXPECT_EQ(cs.completed, 0);

	/* Another process's copy is not held up. */
	by = fork();
	EXPECT(by >= 0, "fork");
	if (!by) {
		int f = worker_fd(8);

		ok = malloc(1 << 20);
		if (f < 0 || !ok || read(f, ok, 1 << 20) != 1 << 20 ||
		    pattern_check(ok, 1 << 20, 8, 0) >= 0)
			_exit(1);
		_exit(0);
	}
	{
		int st = 0;

		t0 = mmb_now_ns();
		while (!waitpid(by, &st, WNOHANG) && mmb_now_ns() - t0 < 10000000000ULL)
			usleep(1000);
		t0 = mmb_now_ns() - t0;
		if (t0 >= 10000000000ULL)
			kill(by, SIGKILL);
		EXPECT(t0 < 2000000000ULL, "another process's read() took %.3f s",
		       t0 / 1e9);
		EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "its read(): status %#x",
		       st);
	}

	/* Cancel them all: every one ends, parked ones included. */
	t0 = mmb_now_ns();
	for (i = 0; i < PARK_NR; i++)
		EXPECT_OK(kaio_cancel(ctx, &cbs[i]));
	for (got = 0; got < PARK_NR; got += n) {
		n = kaio_reap(ctx, 1, PARK_NR - got, ev + got, 5000);
		EXPECT(n > 0, "%d of %d cancelled reads ended", got, PARK_NR);
	}
	t0 = mmb_now_ns() - t0;
	EXPECT(t0 < 1000000000ULL, "the cancelled reads ended %.3f s later",
	       t0 / 1e9);
	for (i = 0; i < PARK_NR; i++)
		EXPECT_EQ(ev[i].res, -ECANCELED);
	EXPECT_OK(mmb_copy_status(fd, &cs));
	EXPECT_EQ(cs.inflight, 0);
	EXPECT_EQ(cs.cancelled, PARK_NR);
	t0 = mmb_now_ns();
	while ((threads = copy_threads(false)) > 1 && mmb_now_ns() - t0 < 2000000000ULL)
		usleep(10000);
	EXPECT_EQ(threads, 1);
	kaio_destroy(ctx);
	close(u);
	close(fd);
	return T_PASS;
}

static int test_stuck_copies_parked(void)
{
	return with_module_params("copy_workers=1", stall_parked);
}

const struct mmb_test fault_tests[] = {
	{ "fault/unpopulated", test_unpopulated },
	{ "fault/swapped_out", test_swapped_out },
	{ "fault/cow_after_fork", test_cow_after_fork },
	{ "fault/readonly_efault", test_readonly_efault },
	{ "fault/unmapped_partial", test_unmapped_partial },
	{ "fault/hole_mid_chunk", test_hole_mid_chunk },
	{ "fault/file_shared", test_file_shared },
	{ "fault/thp", test_thp },
	{ "fault/munmap_during_copy", test_munmap_during_copy },
	{ "fault/hostile_targets", test_hostile_targets },
	{ "fault/read_into_own_mapping", test_read_into_own_mapping },
	{ "fault/userfaultfd_target", test_userfaultfd_target },
	{ "fault/uffd_unanswered_dev_first", test_uffd_unanswered_dev_first, 90 },
	{ "fault/uffd_unanswered_uffd_first", test_uffd_unanswered_uffd_first, 90 },
	{ "fault/uffd_unanswered_uring", test_uffd_unanswered_uring, 90 },
	{ "fault/uffd_unanswered_aio", test_uffd_unanswered_aio, 90 },
	{ "fault/stuck_copies_parked", test_stuck_copies_parked, 90 },
	{ "fault/fuse_unanswered", test_fuse_unanswered, 90 },
	{ "fault/uffd_exit_uring", test_uffd_exit_uring, 90 },
	{ "fault/uffd_exit_aio", test_uffd_exit_aio, 90 },
	{ NULL }
};
