// SPDX-License-Identifier: GPL-2.0
/*
 * samples/mmb_sample: another driver built on mmbridge's exported API,
 * against an installed SDK.  The tests load it, use its own device
 * (sample0) through every mechanism and both of its ioctls, and check that
 * it holds mmbridge while loaded, that its unload with users present is a
 * removal, and that it leaves no pin behind.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The sample's ABI (samples/mmb_sample/mmb_sample_main.c). */
struct mmb_sample_watch {
	uint64_t addr;
	uint64_t len;
	uint32_t ticks;
	uint32_t period_us;
};

struct mmb_sample_copy {
	uint64_t addr;
	uint64_t len;
	uint64_t seed;
	uint64_t copied;
	int32_t status;
	uint32_t pad;
};

#define MMB_SAMPLE_WATCH _IOW('M', 0xe0, struct mmb_sample_watch)
#define MMB_SAMPLE_COPY _IOWR('M', 0xe1, struct mmb_sample_copy)

#define SAMPLE_KO "/lib/mmb_sample.ko"
#define SAMPLE_DEV "/dev/mmb_sample"

static int sample_load(void)
{
	int fd = open(SAMPLE_KO, O_RDONLY | O_CLOEXEC), r, i;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0);
	r = r && errno != EEXIST ? -errno : 0;
	close(fd);
	for (i = 0; !r && i < 50 && access(SAMPLE_DEV, F_OK); i++)
		usleep(100000);
	return r;
}

static int sample_unload(void)
{
	return syscall(SYS_delete_module, "mmb_sample", O_NONBLOCK) ? -errno : 0;
}

/* Loaded, it holds mmbridge: mmbridge cannot go before it. */
static int test_load(void)
{
	char holder[64];

	if (access(SAMPLE_KO, F_OK))
		FAIL("%s is not in the guest", SAMPLE_KO);
	EXPECT_OK(sample_load());
	EXPECT_EQ(access("/sys/module/mmbridge/holders/mmb_sample", F_OK), 0);
	EXPECT_OK(read_line("/sys/module/mmbridge/refcnt", holder,
			    sizeof(holder)));
	EXPECT(atoi(holder) >= 1, "mmbridge refcnt %s", holder);
	EXPECT_EQ(syscall(SYS_delete_module, "mmbridge", O_NONBLOCK), -1);
	EXPECT(errno == EWOULDBLOCK || errno == EBUSY,
	       "rmmod mmbridge under the sample: %s", strerror(errno));
	EXPECT_OK(access("/dev/mmbridge/soft0", F_OK));
	return T_PASS;
}

/*
 * WATCH: the timer handler writes tick t into word t % words of the pinned
 * buffer, from hard-IRQ context (softirq on PREEMPT_RT); after 3 * words
 * ticks every word holds the last tick that landed on it.
 */
static int test_watch_ticks(void)
{
	const uint32_t words = 512, ticks = 3 * 512 + 7;
	uint64_t *buf = map_anon(words * 8, PROT_READ | PROT_WRITE);
	struct mmb_sample_watch w = {
		.addr = (uintptr_t)buf, .len = words * 8,
		.ticks = ticks, .period_us = 20,
	};
	struct pins p0 = pins_now(), p1;
	uint32_t i;
	int fd = sample_load() ?: open(SAMPLE_DEV, O_RDWR | O_CLOEXEC);

	EXPECT(fd >= 0, "%s: %s", SAMPLE_DEV, strerror(errno));
	EXPECT(buf, "mmap");
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_WATCH, &w), 0);
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, 1);	/* one 4 KiB page */
	EXPECT_EQ(p1.released - p0.released, 0);
	for (i = 0; i < words; i++) {
		/* the last t <= ticks with t % words == i */
		uint64_t want = ticks - ((ticks - i) % words);

		EXPECT(buf[i] == want, "word %u: %llu, expected %llu", i,
		       (unsigned long long)buf[i], (unsigned long long)want);
	}
	/* Bad requests change nothing. */
	w.len = 12;
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_WATCH, &w), -1);
	EXPECT_EQ(errno, EINVAL);
	w.len = words * 8;
	w.ticks = 0;
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_WATCH, &w), -1);
	EXPECT_EQ(errno, EINVAL);
	w.ticks = 1;
	w.addr = 0;
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_WATCH, &w), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(ioctl(fd, _IO('M', 0xef)), -1);
	EXPECT_EQ(errno, ENOTTY);
	close(fd);
	EXPECT(pins_settle(p0, &p1), "pins: %lld acquired, %lld released",
	       p1.acquired - p0.acquired, p1.released - p0.released);
	munmap(buf, words * 8);
	return T_PASS;
}

/*
 * COPY: the timer handler queues an mmbridge copy into this process; the
 * worker faults the untouched destination in.  A read-only tail stops it
 * with -EFAULT and the exact count.
 */
static int test_irq_queued_copy(void)
{
	const size_t len = 1 << 20;
	uint8_t *buf = map_anon(len + PG, PROT_READ | PROT_WRITE);
	struct mmb_sample_copy c = { .addr = (uintptr_t)buf, .len = len,
				     .seed = 0x35 };
	int fd = sample_load() ?: open(SAMPLE_DEV, O_RDWR | O_CLOEXEC);
	size_t i;

	EXPECT(fd >= 0, "%s: %s", SAMPLE_DEV, strerror(errno));
	EXPECT(buf, "mmap");
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_COPY, &c), 0);
	EXPECT_EQ(c.copied, len);
	EXPECT_EQ(c.status, 0);
	for (i = 0; i < len; i++)
		EXPECT(buf[i] == ((0x35 + i) & 0xff), "byte %zu: %#x", i, buf[i]);
	EXPECT_EQ(buf[len], 0);

	memset(buf, 0, len);
	EXPECT_EQ(mprotect(buf + 3 * PG, PG, PROT_READ), 0);
	c = (struct mmb_sample_copy){ .addr = (uintptr_t)buf + 100,
				      .len = 5 * PG, .seed = 1 };
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_COPY, &c), 0);
	EXPECT_EQ(c.copied, 3 * PG - 100);
	EXPECT_EQ(c.status, -EFAULT);
	for (i = 0; i < c.copied; i++)
		EXPECT(buf[100 + i] == ((1 + i) & 0xff), "byte %zu", i);
	EXPECT_EQ(buf[99], 0);

	c = (struct mmb_sample_copy){ .addr = (uintptr_t)buf, .len = PG,
				      .pad = 1 };
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_COPY, &c), -1);
	EXPECT_EQ(errno, EINVAL);
	c.pad = 0;
	c.len = 0;
	EXPECT_EQ(ioctl(fd, MMB_SAMPLE_COPY, &c), -1);
	EXPECT_EQ(errno, EINVAL);
	close(fd);
	munmap(buf, len + PG);
	return T_PASS;
}

/* A process killed while the timer writes into its pinned buffer. */
static int test_killed_while_watching(void)
{
	struct pins p0 = pins_now(), p1;
	int st, i;

	EXPECT_OK(sample_load());
	for (i = 0; i < 4; i++) {
		pid_t pid = fork();

		EXPECT(pid >= 0, "fork");
		if (!pid) {
			uint64_t *buf = map_anon(64 * PG, PROT_READ | PROT_WRITE);
			struct mmb_sample_watch w = {
				.addr = (uintptr_t)buf, .len = 64 * PG,
				.ticks = 100000, .period_us = 10,
			};
			int fd = open(SAMPLE_DEV, O_RDWR);

			_exit(ioctl(fd, MMB_SAMPLE_WATCH, &w) ? 1 : 0);
		}
		usleep(20000 + i * 20000);
		kill(pid, SIGKILL);
		EXPECT_EQ(waitpid(pid, &st, 0), pid);
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		       "child status %#x", st);
	}
	EXPECT(pins_settle(p0, &p1), "pins: %lld acquired, %lld released",
	       p1.acquired - p0.acquired, p1.released - p0.released);
	return T_PASS;
}

/* Unloaded, it lets mmbridge go again; mmbridge is untouched. */
#define SAMPLE_NODE MMB_DEV_DIR "/sample0"
#define SAMPLE_MEM (1024 * 1024)	/* sample_mem_kb's default */

static int wait_sample_node(void)
{
	int i;

	for (i = 0; i < 50 && access(SAMPLE_NODE, F_OK); i++)
		usleep(100000);
	return access(SAMPLE_NODE, F_OK) ? -errno : 0;
}

/* Byte @i of pattern @seed. */
static uint8_t pat(uint32_t seed, size_t i)
{
	return (uint8_t)(seed + i * 7 + (i >> 8));
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(seed, i);
}

/* The first byte of @p that is not pattern @seed, or -1. */
static long mismatch(const volatile uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(seed, i))
			return i;
	return -1;
}

/*
 * sample0, the sample driver's own device, registered through the public
 * header: the capabilities follow from what it registered, and each
 * mechanism works on it with exact data and exact event counts.
 */
static int test_device_mechanisms(void)
{
	static uint8_t buf[3][16384];
	const struct mmb_counters *page;
	struct mmb_counters c0, c1;
	struct mmb_region_ctl rc;
	struct mmb_info info;
	volatile uint8_t *map, *obj;
	uint32_t raised, h;
	uint64_t off;
	int fd;

	EXPECT_OK(sample_load());
	EXPECT_OK(wait_sample_node());
	fd = dev_open("sample0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT(!strcmp(info.name, "sample0"), "name %.16s", info.name);
	EXPECT(!strcmp(info.driver, "sample"), "driver %.16s", info.driver);
	EXPECT_EQ(info.caps, MMB_CAP_IRQ | MMB_CAP_IRQ_TIMER | MMB_CAP_DMA |
				     MMB_CAP_DEVMEM | MMB_CAP_MAP |
				     MMB_CAP_OBJECT);
	EXPECT_EQ(info.mem_size, SAMPLE_MEM);
	EXPECT_EQ(info.dma_window, SAMPLE_MEM);
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	mmb_counters_read(page, &c0);

	/* Interrupts: five raised, five delivered as triggers. */
	EXPECT_OK(mmb_irq_trigger(fd, 5, &raised));
	EXPECT_EQ(raised, 5);

	/* Device memory through the CPU, then through the DMA engine. */
	fill(buf[0], sizeof(buf[0]), 1);
	EXPECT_OK(mmb_mem_write(fd, 4096, buf[0], sizeof(buf[0])));
	EXPECT_OK(mmb_mem_read(fd, 4096, buf[1], sizeof(buf[1])));
	EXPECT_EQ(mismatch(buf[1], sizeof(buf[1]), 1), -1);
	fill(buf[0], sizeof(buf[0]), 2);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 65536, buf[0],
			  sizeof(buf[0])));
	EXPECT_OK(mmb_mem_read(fd, 65536, buf[1], sizeof(buf[1])));
	EXPECT_EQ(mismatch(buf[1], sizeof(buf[1]), 2), -1);
	memset(buf[2], 0, sizeof(buf[2]));
	EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 4096, buf[2],
			  sizeof(buf[2])));
	EXPECT_EQ(mismatch(buf[2], sizeof(buf[2]), 1), -1);
	mmb_counters_read(page, &c1);
	EXPECT_EQ(c1.trigger_count - c0.trigger_count, 5);
	EXPECT_EQ(c1.dma_count - c0.dma_count, 2);

	/* The region: the same memory, revoked and restored. */
	map = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, 8192);
	EXPECT(map, "region: %s", strerror(errno));
	EXPECT_EQ(mismatch(map + 4096, 4096, 1), -1);
	EXPECT_OK(mmb_region_revoke(fd, &rc));
	EXPECT_EQ(map[4096], 0);	/* DISCARD: a zeroed scratch page */
	EXPECT_OK(mmb_region_restore(fd, &rc));
	EXPECT_EQ(mismatch(map + 4096, 4096, 1), -1);
	EXPECT_OK(mmb_region_unmap((void *)map, 8192));

	/* An object in the pool, moved to RAM under its mapping. */
	EXPECT_OK(mmb_obj_create(fd, 8192, MMB_OBJ_DEVICE, &h, &off));
	obj = mmb_obj_map(fd, off, 8192);
	EXPECT(obj, "object: %s", strerror(errno));
	fill((uint8_t *)obj, 8192, 3);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_RAM));
	EXPECT_EQ(mismatch(obj, 8192, 3), -1);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	EXPECT_EQ(mismatch(obj, 8192, 3), -1);
	EXPECT_EQ(munmap((void *)obj, 8192), 0);
	EXPECT_OK(mmb_obj_destroy(fd, h));

	/* The periodic timer ticks, and stops when told. */
	mmb_counters_read(page, &c0);
	EXPECT_OK(mmb_irq_timer(fd, 1000000));
	usleep(100000);
	EXPECT_OK(mmb_irq_timer(fd, 0));
	mmb_counters_read(page, &c1);
	EXPECT(c1.timer_count > c0.timer_count, "no tick in 100 ms");
	usleep(20000);
	mmb_counters_read(page, &c0);
	EXPECT_EQ(c0.timer_count, c1.timer_count);
	mmb_counters_unmap(page);
	close(fd);
	return dev_smoke("sample0");
}

/* Load the sample with @params; -errno of finit_module(). */
static int sample_load_params(const char *params)
{
	int fd = open(SAMPLE_KO, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The sample loaded with sample_name=@stem: MMB_IOC_INFO of node
 * <stem>0 into @info (the node is waited for).  The sample is unloaded
 * again before this returns.
 */
static int sample_named_info(const char *stem, struct mmb_info *info)
{
	char params[64], node[64], path[128];
	int fd = -ENOENT, r, i;

	snprintf(params, sizeof(params), "sample_name=%s", stem);
	r = sample_load_params(params);
	if (r)
		return r;
	snprintf(node, sizeof(node), "%s0", stem);
	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", node);
	for (i = 0; i < 50 && access(path, F_OK); i++)
		usleep(100000);
	fd = dev_open(node);
	r = fd < 0 ? fd : mmb_info(fd, info);
	if (fd >= 0)
		close(fd);
	sample_unload();
	return r;
}

/*
 * A driver's node name: a stem of [a-z0-9_] not ending in a digit, short
 * enough that <stem><N> fits MMB_IOC_INFO's name (15 characters and a NUL
 * for every instance number up to 63): 13 characters at most.  Every other
 * stem is refused with -EINVAL at mmb_device_alloc(), and the module does
 * not load; an accepted one names the node exactly as MMB_IOC_INFO does.
 */
static int test_device_names(void)
{
	static const char *const bad[] = {
		"",			/* empty */
		"Sample",		/* upper case */
		"sample7",		/* ends in a digit */
		"sa-mple",		/* not [a-z0-9_] */
		"s\xe9x",		/* Latin-1 lower case: not [a-z] */
		"\xdf",		/* the same, alone */
		"abcdefghijklmn",	/* 14: edu10 would not fit */
		"abcdefghijklmno",	/* 15: not even <stem>0 fits */
		"abcdefghijklmnop",	/* 16 */
	};
	struct mmb_info info;
	int r, wrong = 0;
	size_t i;

	sample_unload();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&info, 0, sizeof(info));
		r = sample_named_info(bad[i], &info);
		if (r != -EINVAL) {
			printf("# stem \"%s\" (%zu bytes): %s; MMB_IOC_INFO name \"%.16s\", driver \"%.16s\"\n",
			       bad[i], strlen(bad[i]),
			       r ? strerror(-r) : "loaded", info.name,
			       info.driver);
			wrong++;
		}
		EXPECT(access("/sys/module/mmb_sample", F_OK) && errno == ENOENT,
		       "mmb_sample loaded after stem \"%s\"", bad[i]);
	}
	EXPECT(!wrong, "%d of %zu bad stems not refused with EINVAL", wrong,
	       sizeof(bad) / sizeof(bad[0]));
	memset(&info, 0, sizeof(info));
	EXPECT_OK(sample_named_info("abcdefghijk_m", &info));
	EXPECT(!strcmp(info.name, "abcdefghijk_m0"), "name \"%.16s\"",
	       info.name);
	EXPECT(!strcmp(info.driver, "abcdefghijk_m"), "driver \"%.16s\"",
	       info.driver);
	EXPECT_OK(dev_smoke("soft0"));
	return T_PASS;
}

/*
 * rmmod of the sample with users of sample0 present is a removal: the
 * file says -ENODEV, the region mapping reads zeros (DISCARD, revoked for
 * good), an object keeps its bytes in RAM; mmbridge stays usable.
 */
static int test_unload_with_users(void)
{
	volatile uint8_t *map, *obj;
	struct mmb_info info;
	uint64_t off;
	uint32_t h;
	int fd;

	EXPECT_OK(sample_load());
	EXPECT_OK(wait_sample_node());
	fd = dev_open("sample0");
	EXPECT_OK(fd);
	map = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, 4096);
	EXPECT(map, "region: %s", strerror(errno));
	EXPECT_OK(mmb_obj_create(fd, 4096, MMB_OBJ_DEVICE, &h, &off));
	obj = mmb_obj_map(fd, off, 4096);
	EXPECT(obj, "object: %s", strerror(errno));
	fill((uint8_t *)obj, 4096, 4);
	EXPECT_OK(sample_unload());
	EXPECT(access(SAMPLE_NODE, F_OK) && errno == ENOENT,
	       "sample0 still present");
	EXPECT_ERR(mmb_info(fd, &info), ENODEV);
	EXPECT_EQ(map[0], 0);
	EXPECT_EQ(mismatch(obj, 4096, 4), -1);
	EXPECT_EQ(munmap((void *)obj, 4096), 0);
	EXPECT_OK(mmb_region_unmap((void *)map, 4096));
	close(fd);
	EXPECT_OK(dev_smoke("soft0"));
	return T_PASS;
}

static int test_unload(void)
{
	EXPECT_OK(sample_load());
	EXPECT_OK(sample_unload());
	EXPECT(access("/sys/module/mmb_sample", F_OK) && errno == ENOENT,
	       "mmb_sample still loaded");
	EXPECT_EQ(access("/sys/module/mmbridge/holders/mmb_sample", F_OK), -1);
	EXPECT_OK(dev_smoke("soft0"));
	return T_PASS;
}

/*
 * The per-device cases, run again on the sample's device: it is built
 * against the installed SDK alone and registers its memory, pool,
 * interrupts and DMA engine through <linux/mmbridge.h>.  A second run of
 * this program (MMB_DUT=sample0) takes the areas whose cases use "the
 * device" (soft0 otherwise) and prints its lines here as comments; a case
 * that needs soft0 itself (its parameters, its removal by unbind) skips,
 * as does one about edu0 or ivshmem0 alone (or fault injection on a kernel
 * without it); any other skip, a failure or
 * a case that reported nothing fails this one.  The sample gets soft0's
 * default sizes, 8 MiB of memory and of pool.
 */
#define FOREIGN_AREAS \
	"abi/ security/ region/ object/ notify/ stream/ access/ pin/"

/* The reasons a case may skip on the sample's device. */
static bool foreign_skip_ok(const char *line)
{
	static const char *const why[] = { "needs soft0 itself", "no edu device",
					   "no ivshmem device", "opens ",
					   "no fault injection in this kernel" };
	const char *r = strstr(line, "# SKIP ");
	size_t i;

	for (i = 0; r && i < sizeof(why) / sizeof(why[0]); i++)
		if (!strncmp(r + 7, why[i], strlen(why[i])))
			return true;
	return false;
}

/* How many cases this program has in FOREIGN_AREAS. */
static int foreign_cases(const char *self)
{
	char cmd[PATH_MAX + 128], line[256];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s -l " FOREIGN_AREAS, self);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	return pclose(f) ? -EIO : n;
}

static int test_foreign_device_suite(void)
{
	int ok = 0, skipped = 0, bad = 0, total, i, st;
	bool was_loaded = !access(SAMPLE_DEV, F_OK);
	char self[PATH_MAX], cmd[PATH_MAX + 128], line[1024], first[512];
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	EXPECT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	total = foreign_cases(self);
	EXPECT(total > 0, "listing the cases: %s", strerror(-total));
	sample_unload();
	EXPECT_OK(sample_load_params("sample_mem_kb=8192 sample_pool_kb=8192"));
	for (i = 0; i < 50 && access(MMB_DEV_DIR "/sample0", F_OK); i++)
		usleep(100000);
	snprintf(cmd, sizeof(cmd), "MMB_DUT=sample0 %s " FOREIGN_AREAS " 2>&1",
		 self);
	f = popen(cmd, "r");
	EXPECT(f, "popen: %s", strerror(errno));
	first[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "ok - ", 5) && foreign_skip_ok(line))
			skipped++;
		else if (!strncmp(line, "ok - ", 5) && !strstr(line, "# SKIP"))
			ok++;
		else if (!strncmp(line, "ok - ", 5) ||
			 !strncmp(line, "not ok - ", 9))
			if (!bad++)
				snprintf(first, sizeof(first), "%.*s",
					 (int)strcspn(line, "\n"), line);
		printf("# sample0: %s", line);
	}
	st = pclose(f);
	sample_unload();
	if (was_loaded)
		sample_load();
	printf("# framework/foreign_device_suite: %d cases, on sample0 %d passed, %d failed, %d skipped\n",
	       total, ok, bad, skipped);
	EXPECT(st == 0, "the run on sample0 ended with status %#x", st);
	EXPECT(!bad, "%d case(s) failed or skipped for a reason of their own on sample0, the first: %s",
	       bad, first);
	EXPECT(ok + skipped == total,
	       "%d of %d cases passed or skipped on sample0: the others reported nothing",
	       ok + skipped, total);
	return T_PASS;
}

const struct mmb_test sample_tests[] = {
	{ "sample/load", test_load },
	{ "sample/watch_ticks", test_watch_ticks },
	{ "sample/irq_queued_copy", test_irq_queued_copy },
	{ "sample/killed_while_watching", test_killed_while_watching },
	{ "sample/device_mechanisms", test_device_mechanisms },
	{ "sample/device_names", test_device_names },
	{ "framework/foreign_device_suite", test_foreign_device_suite, 900 },
	{ "sample/unload_with_users", test_unload_with_users },
	{ "sample/unload", test_unload },
	{ NULL, NULL },
};
