// SPDX-License-Identifier: GPL-2.0
/*
 * abi/: MMB_IOC_INFO and the validation every ioctl performs.
 */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

/* Expected soft0 memory, from the module parameter. */
static long long soft_mem_bytes(void)
{
	return module_param("soft_mem_mb") << 20;
}

static int check_info(const char *name, const char *driver, uint64_t caps,
		      long long mem_size, uint32_t dma_window)
{
	char path[128], buf[64];
	struct mmb_info info, raw;
	int fd = dev_open(name);

	if (fd == -ENOENT)
		SKIP("no %s device", name);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.argsz, sizeof(info));
	EXPECT_EQ(info.flags, 0);
	EXPECT_EQ(info.abi_version, MMB_ABI_VERSION);
	EXPECT_EQ(info.reserved0, 0);
	/* The kernel's answer, not the library's stand-in for old kernels. */
	memset(&raw, 0xff, sizeof(raw));
	raw.argsz = sizeof(raw);
	raw.flags = 0;
	EXPECT_OK(xioctl(fd, MMB_IOC_INFO, &raw));
	EXPECT(!strcmp(raw.driver, driver), "driver \"%.16s\", expected \"%s\"",
	       raw.driver, driver);
	EXPECT_EQ(raw.reserved0, 0);
	/* Drivers that report what their interrupts mean have no vectors. */
	EXPECT_EQ(raw.nr_vectors, 0);
	EXPECT_EQ(raw.reserved1, 0);
	EXPECT_EQ(info.caps, caps);
	if (mem_size >= 0)
		EXPECT_EQ(info.mem_size, mem_size);
	EXPECT_EQ(info.dma_window, dma_window);
	EXPECT(!strcmp(info.name, name), "name \"%.16s\", expected \"%s\"",
	       info.name, name);
	EXPECT_EQ(info.instance, atoi(name + strcspn(name, "0123456789")));

	/* sysfs says the same. */
	snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/backend", name);
	EXPECT_OK(read_line(path, buf, sizeof(buf)));
	EXPECT(!strcmp(buf, driver), "sysfs backend %s", buf);
	snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/mem_size", name);
	EXPECT_OK(read_line(path, buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 0), info.mem_size);
	snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/caps", name);
	EXPECT_OK(read_line(path, buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 0), info.caps);
	close(fd);
	return T_PASS;
}

static int test_info(void)
{
	char buf[32];
	long long ivs = -1;
	int r;

	NEED_SOFT();	/* sample/device_mechanisms checks the sample's */
	/* ivshmem's BAR: the first half is device memory, the rest the pool. */
	if (cmdline_get("mmb.ivshmem_mb", buf, sizeof(buf)))
		ivs = atoll(buf) << 19;
	r = check_info("soft0", "soft",
		       MMB_CAP_IRQ | MMB_CAP_IRQ_TIMER | MMB_CAP_DMA |
		       MMB_CAP_DEVMEM | MMB_CAP_MAP |
		       (module_param("soft_pool_mb") > 0 ? MMB_CAP_OBJECT : 0),
		       soft_mem_bytes(),
		       soft_mem_bytes());
	if (r != T_PASS)
		return r;
	r = check_info("edu0", "edu",
		       MMB_CAP_IRQ | MMB_CAP_DMA, 0,
		       module_param("edu_dma_window"));
	if (r == T_FAIL)
		return r;
	r = check_info("ivshmem0", "ivshmem",
		       MMB_CAP_DEVMEM | MMB_CAP_MAP | MMB_CAP_OBJECT, ivs, 0);
	return r == T_SKIP ? T_PASS : r;
}

/* A longer struct with a zero tail works and only the known part is written. */
static int test_info_argsz_larger(void)
{
	struct {
		struct mmb_info info;
		uint8_t tail[24];
	} big;
	size_t i;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	memset(&big, 0, sizeof(big));
	big.info.argsz = sizeof(big);
	EXPECT_OK(xioctl(fd, MMB_IOC_INFO, &big));
	EXPECT_EQ(big.info.abi_version, MMB_ABI_VERSION);
	EXPECT_EQ(big.info.argsz, sizeof(big));
	for (i = 0; i < sizeof(big.tail); i++)
		EXPECT_EQ(big.tail[i], 0);
	close(fd);
	return T_PASS;
}

static int test_unknown_ioctl(void)
{
	static const unsigned long cmds[] = {
		_IO(MMB_IOC_MAGIC, 0x05),
		_IO(MMB_IOC_MAGIC, 0x7f),
		_IO(MMB_IOC_MAGIC, 0xff),
		_IOWR(MMB_IOC_MAGIC, 0x00, struct mmb_info),
		_IO('T', 0x00),
		0,
	};
	struct mmb_info info = { .argsz = sizeof(info) };
	size_t i;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (xioctl(fd, cmds[i], &info) != -ENOTTY)
			FAIL("cmd 0x%lx: %s, expected ENOTTY", cmds[i],
			     strerror(errno));
	close(fd);
	return T_PASS;
}

/* @minsz: size of the struct's first version, when it has grown since */
static const struct {
	unsigned long cmd;
	const char *name;
	size_t size;
	size_t minsz;
} ioctls[] = {
	{ MMB_IOC_INFO, "INFO", sizeof(struct mmb_info),
	  offsetof(struct mmb_info, irq_handled) },
	{ MMB_IOC_IRQ_TRIGGER, "IRQ_TRIGGER", sizeof(struct mmb_irq_trigger) },
	{ MMB_IOC_IRQ_TIMER, "IRQ_TIMER", sizeof(struct mmb_irq_timer) },
	{ MMB_IOC_DMA, "DMA", sizeof(struct mmb_xfer) },
	{ MMB_IOC_MEM_RW, "MEM_RW", sizeof(struct mmb_xfer) },
	{ MMB_IOC_EVENT_OPEN, "EVENT_OPEN", sizeof(struct mmb_event_open),
	  offsetof(struct mmb_event_open, vector) },
	{ MMB_IOC_EVENTFD, "EVENTFD", sizeof(struct mmb_eventfd) },
	{ MMB_IOC_IRQ_CONTROL, "IRQ_CONTROL", sizeof(struct mmb_irq_control) },
	{ MMB_IOC_PIN_REGION, "PIN_REGION", sizeof(struct mmb_pin_region) },
	{ MMB_IOC_UNPIN_REGION, "UNPIN_REGION",
	  sizeof(struct mmb_unpin_region) },
};

static int test_bad_argsz(void)
{
	uint8_t buf[256];
	size_t i;
	int fd = dev_open(mmb_dut), r;

	EXPECT_OK(fd);
	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		uint32_t sizes[] = { 0, 4,
				     (ioctls[i].minsz ?: ioctls[i].size) - 1 };
		size_t k;

		for (k = 0; k < 3; k++) {
			memset(buf, 0, sizeof(buf));
			*(uint32_t *)buf = sizes[k];
			r = xioctl(fd, ioctls[i].cmd, buf);
			if (r != -EINVAL)
				FAIL("%s argsz %u: %d, expected -EINVAL",
				     ioctls[i].name, sizes[k], r);
		}
		/* Longer than the kernel knows, with a non-zero tail. */
		memset(buf, 0, sizeof(buf));
		*(uint32_t *)buf = ioctls[i].size + 8;
		buf[ioctls[i].size + 3] = 1;
		r = xioctl(fd, ioctls[i].cmd, buf);
		if (r != -E2BIG)
			FAIL("%s non-zero tail: %d, expected -E2BIG",
			     ioctls[i].name, r);
		/* Absurdly long: refused without scanning user memory. */
		memset(buf, 0, sizeof(buf));
		*(uint32_t *)buf = 0xffffffff;
		r = xioctl(fd, ioctls[i].cmd, buf);
		if (r != -E2BIG)
			FAIL("%s argsz 0xffffffff: %d, expected -E2BIG",
			     ioctls[i].name, r);
		/* No struct at all. */
		r = xioctl(fd, ioctls[i].cmd, NULL);
		if (r != -EFAULT)
			FAIL("%s NULL: %d, expected -EFAULT", ioctls[i].name, r);
		r = xioctl(fd, ioctls[i].cmd, (void *)0xffff888000000000ULL);
		if (r != -EFAULT)
			FAIL("%s kernel pointer: %d, expected -EFAULT",
			     ioctls[i].name, r);
	}
	close(fd);
	return T_PASS;
}

static int test_bad_flags(void)
{
	struct mmb_info info = { .argsz = sizeof(info), .flags = 1 };
	struct mmb_irq_trigger trig = { .argsz = sizeof(trig), .count = 1,
					.flags = 1U << 31 };
	struct mmb_irq_timer tm = { .argsz = sizeof(tm), .flags = 2 };
	static const uint32_t xflags[] = {
		0, MMB_XFER_TO_DEVICE | MMB_XFER_FROM_DEVICE,
		MMB_XFER_TO_DEVICE | 4, MMB_XFER_FROM_DEVICE | (1U << 31),
	};
	uint8_t data[64] = { 0 };
	struct mmb_info before, after;
	size_t i;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &before));
	EXPECT_ERR(xioctl(fd, MMB_IOC_INFO, &info), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TRIGGER, &trig), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TIMER, &tm), EINVAL);
	for (i = 0; i < sizeof(xflags) / sizeof(xflags[0]); i++) {
		struct mmb_xfer x = {
			.argsz = sizeof(x), .flags = xflags[i], .length = 64,
			.user_addr = (uintptr_t)data,
		};

		EXPECT_ERR(xioctl(fd, MMB_IOC_DMA, &x), EINVAL);
		EXPECT_ERR(xioctl(fd, MMB_IOC_MEM_RW, &x), EINVAL);
	}
	/* Nothing happened: no interrupt was raised. */
	EXPECT_OK(mmb_info(fd, &after));
	EXPECT_EQ(after.irq_count, before.irq_count);
	close(fd);
	return T_PASS;
}

static int test_reserved_nonzero(void)
{
	struct mmb_irq_trigger trig = { .argsz = sizeof(trig), .count = 1,
					.reserved = 1 };
	uint8_t data[64];
	struct mmb_xfer x = {
		.argsz = sizeof(x), .flags = MMB_XFER_FROM_DEVICE,
		.length = sizeof(data), .user_addr = (uintptr_t)data,
		.reserved = 1ULL << 63,
	};
	struct mmb_info before, after;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &before));
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TRIGGER, &trig), EINVAL);
	memset(data, 0x5a, sizeof(data));
	EXPECT_ERR(xioctl(fd, MMB_IOC_DMA, &x), EINVAL);
	EXPECT_ERR(xioctl(fd, MMB_IOC_MEM_RW, &x), EINVAL);
	EXPECT_EQ(data[0], 0x5a);
	EXPECT_EQ(data[63], 0x5a);
	EXPECT_OK(mmb_info(fd, &after));
	EXPECT_EQ(after.irq_count, before.irq_count);
	close(fd);
	return T_PASS;
}

static int check_ranges(int fd, unsigned long cmd, uint64_t window)
{
	static uint8_t buf[8192];
	struct {
		uint64_t off, len;
		uintptr_t addr;
		int err;
	} cases[] = {
		{ 0, 0, (uintptr_t)buf, EINVAL },			/* empty */
		{ window, 1, (uintptr_t)buf, EINVAL },			/* past the end */
		{ window - 8, 16, (uintptr_t)buf, EINVAL },		/* straddles the end */
		{ UINT64_MAX - 7, 16, (uintptr_t)buf, EINVAL },		/* overflows */
		{ 0, MMB_XFER_MAX + 1, (uintptr_t)buf, EINVAL },	/* too long */
		{ 0, 64, 0, EFAULT },					/* NULL */
		{ 0, 64, (uintptr_t)0xffff888000000000ULL, EFAULT },	/* kernel */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t dirs[] = { MMB_XFER_TO_DEVICE, MMB_XFER_FROM_DEVICE };
		int d;

		for (d = 0; d < 2; d++) {
			struct mmb_xfer x = {
				.argsz = sizeof(x), .flags = dirs[d],
				.dev_offset = cases[i].off,
				.length = cases[i].len,
				.user_addr = cases[i].addr,
			};
			int r = xioctl(fd, cmd, &x);

			if (r != -cases[i].err)
				FAIL("case %zu dir %d: %d (%s), expected -%d", i,
				     d, r, strerror(-r), cases[i].err);
		}
	}
	return T_PASS;
}

static int test_bad_ranges(void)
{
	struct mmb_irq_timer tm = { .argsz = sizeof(tm) };
	struct mmb_info info;
	int fd = dev_open(mmb_dut), r;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	r = check_ranges(fd, MMB_IOC_DMA, info.dma_window);
	if (r)
		return r;
	r = check_ranges(fd, MMB_IOC_MEM_RW, info.mem_size);
	if (r)
		return r;
	EXPECT_ERR(mmb_irq_trigger(fd, 0, NULL), EINVAL);
	EXPECT_ERR(mmb_irq_trigger(fd, MMB_IRQ_TRIGGER_MAX + 1, NULL), EINVAL);
	tm.period_ns = MMB_IRQ_PERIOD_MIN_NS - 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TIMER, &tm), EINVAL);
	tm.period_ns = MMB_IRQ_PERIOD_MAX_NS + 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TIMER, &tm), EINVAL);
	close(fd);
	return T_PASS;
}

/* A request the backend cannot serve: -EOPNOTSUPP, on each backend. */
static int test_unsupported(void)
{
	uint8_t buf[16];
	int fd, tested = 0;

	fd = dev_open("edu0");
	if (fd >= 0) {
		EXPECT_ERR(mmb_irq_timer(fd, 1000000), EOPNOTSUPP);
		EXPECT_ERR(mmb_mem_read(fd, 0, buf, sizeof(buf)), EOPNOTSUPP);
		EXPECT_ERR(mmb_mem_write(fd, 0, buf, sizeof(buf)), EOPNOTSUPP);
		close(fd);
		tested++;
	}
	fd = dev_open("ivshmem0");
	if (fd >= 0) {
		EXPECT_ERR(mmb_irq_trigger(fd, 1, NULL), EOPNOTSUPP);
		EXPECT_ERR(mmb_irq_timer(fd, 1000000), EOPNOTSUPP);
		EXPECT_ERR(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, buf, sizeof(buf)),
			   EOPNOTSUPP);
		close(fd);
		tested++;
	}
	if (!tested)
		SKIP("no edu or ivshmem device");
	return T_PASS;
}

/*
 * The file position is the copy source's stream offset: SEEK_SET and
 * SEEK_CUR move it, a negative one is refused, the source has no end.
 */
static int test_seek(void)
{
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_EQ(lseek(fd, 4096, SEEK_SET), 4096);
	EXPECT_EQ(lseek(fd, 10, SEEK_CUR), 4106);
	EXPECT(lseek(fd, -1, SEEK_SET) < 0 && errno == EINVAL,
	       "lseek(-1): %s, expected EINVAL", strerror(errno));
	EXPECT(lseek(fd, 0, SEEK_END) < 0 && errno == EINVAL,
	       "lseek(SEEK_END): %s, expected EINVAL", strerror(errno));
	EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 4106);
	close(fd);
	return T_PASS;
}

/*
 * A copy of the @size bytes at @src at the end of a read-only page (so that
 * nothing after it is writable either), or NULL.
 */
static void *ro_struct(const void *src, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p + pg - size, src, size);
	if (mprotect(p, pg, PROT_READ)) {
		munmap(p, pg);
		return NULL;
	}
	return p + pg - size;
}

static void ro_free(void *p)
{
	long pg = sysconf(_SC_PAGESIZE);

	munmap((void *)((uintptr_t)p & ~(uintptr_t)(pg - 1)), pg);
}

/* ioctl @cmd with a read-only copy of @arg: -EFAULT, and nothing else. */
#define EXPECT_RO_EFAULT(fd, cmd, arg)					\
	do {								\
		void *_ro = ro_struct(&(arg), sizeof(arg));		\
		int _r;							\
									\
		EXPECT(_ro, "read-only page: %s", strerror(errno));	\
		_r = xioctl(fd, cmd, _ro);				\
		ro_free(_ro);						\
		if (_r != -EFAULT)					\
			FAIL("%s with a read-only struct: %d (%s), expected -EFAULT", \
			     #cmd, _r, _r ? strerror(-_r) : "success");	\
	} while (0)

static volatile sig_atomic_t frame_signals;

static void on_frame(int sig)
{
	(void)sig;
	frame_signals++;
}

/* A started naive stream of one frame of @size with that frame ready. */
static int naive_frame_ready(int fd, size_t size, int *sfd)
{
	struct sigaction sa = { .sa_handler = on_frame };
	struct mmb_stream_status st = { 0 };
	int i;

	EXPECT_OK(sigaction(SIGRTMIN, &sa, NULL));
	*sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 1, size, NULL, 3, 0,
				SIGRTMIN, 0);
	EXPECT_OK(*sfd);
	EXPECT_OK(mmb_stream_start(*sfd));
	for (i = 0; i < 10000; i++) {
		EXPECT_OK(mmb_stream_status(*sfd, &st));
		if (st.ready)
			break;
		usleep(1000);
	}
	EXPECT(st.ready == 1, "no frame in 10 s");
	return T_PASS;
}

/*
 * Every ioctl that writes a result back refuses a struct it cannot write
 * with -EFAULT before it does anything: no interrupt raised, no revocation,
 * no object, no pin, no completion or frame consumed.
 */
static int test_readonly_struct(void)
{
	struct mmb_info info = { .argsz = sizeof(info) };
	struct mmb_irq_trigger trig = { .argsz = sizeof(trig), .count = 5 };
	struct mmb_copy_status cst = { .argsz = sizeof(cst) };
	struct mmb_region_ctl rc = { .argsz = sizeof(rc) };
	struct mmb_region_info ri = { .argsz = sizeof(ri) }, ri0, ri1;
	struct mmb_obj_create oc = { .argsz = sizeof(oc), .size = 4096 };
	struct mmb_obj_info oi = { .argsz = sizeof(oi) }, oi0, oi1;
	struct mmb_stream_status sst = { .argsz = sizeof(sst) };
	struct mmb_stream_fetch fe = { .argsz = sizeof(fe) };
	static uint64_t ring[512] __attribute__((aligned(4096)));
	struct mmb_pin_region pr = { .argsz = sizeof(pr),
				     .user_addr = (uintptr_t)ring,
				     .length = sizeof(ring) };
	static uint8_t frame[4096];
	struct mmb_stream_status st;
	struct mmb_frame fr;
	struct pins p0, p1;
	uint64_t c0;
	int fd = dev_open(mmb_dut), edu, sfd, r;

	EXPECT_OK(fd);
	EXPECT_RO_EFAULT(fd, MMB_IOC_INFO, info);

	/* IRQ_TRIGGER raises nothing, on soft0 and edu0. */
	c0 = dev_count(fd);
	EXPECT_RO_EFAULT(fd, MMB_IOC_IRQ_TRIGGER, trig);
	EXPECT_EQ(dev_count(fd), c0);
	edu = dev_open("edu0");
	if (edu >= 0) {
		c0 = dev_count(edu);
		EXPECT_RO_EFAULT(edu, MMB_IOC_IRQ_TRIGGER, trig);
		EXPECT_EQ(dev_count(edu), c0);
		close(edu);
	}

	/* REGION_REVOKE revokes nothing, REGION_RESTORE restores nothing. */
	EXPECT_OK(mmb_region_info(fd, &ri0));
	EXPECT_EQ(ri0.state, 0);
	EXPECT_RO_EFAULT(fd, MMB_IOC_REGION_REVOKE, rc);
	EXPECT_OK(mmb_region_info(fd, &ri1));
	EXPECT_EQ(ri1.state, 0);
	EXPECT_EQ(ri1.revokes, ri0.revokes);
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_RO_EFAULT(fd, MMB_IOC_REGION_RESTORE, rc);
	EXPECT_OK(mmb_region_info(fd, &ri1));
	EXPECT_EQ(ri1.state, MMB_REGION_REVOKED_USER);
	EXPECT_EQ(ri1.restores, ri0.restores);
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_RO_EFAULT(fd, MMB_IOC_REGION_INFO, ri);

	/* OBJ_CREATE creates no object. */
	EXPECT_OK(mmb_obj_info(fd, 0, &oi0));
	EXPECT_RO_EFAULT(fd, MMB_IOC_OBJ_CREATE, oc);
	EXPECT_OK(mmb_obj_info(fd, 0, &oi1));
	EXPECT_EQ(oi1.objects, oi0.objects);
	EXPECT_ERR(mmb_obj_destroy(fd, 1), ENOENT);
	EXPECT_RO_EFAULT(fd, MMB_IOC_OBJ_INFO, oi);

	/* PIN_REGION pins nothing (not even for a moment). */
	p0 = pins_now();
	EXPECT_RO_EFAULT(fd, MMB_IOC_PIN_REGION, pr);
	p1 = pins_now();
	EXPECT_EQ(p1.acquired, p0.acquired);
	EXPECT_EQ(p1.released, p0.released);

	EXPECT_RO_EFAULT(fd, MMB_IOC_COPY_STATUS, cst);

	/* STREAM_FETCH consumes no frame. */
	r = naive_frame_ready(fd, sizeof(frame), &sfd);
	if (r)
		return r;
	fe.user_addr = (uintptr_t)frame;
	fe.length = sizeof(frame);
	EXPECT_RO_EFAULT(sfd, MMB_IOC_STREAM_FETCH, fe);
	EXPECT_RO_EFAULT(sfd, MMB_IOC_STREAM_STATUS, sst);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.delivered, 0);
	EXPECT_EQ(st.ready, 1);
	EXPECT_OK(mmb_stream_fetch(sfd, frame, sizeof(frame), &fr));
	EXPECT_EQ(fr.seq, 0);
	EXPECT_OK(mmb_stream_stop(sfd));
	close(sfd);
	close(fd);
	return T_PASS;
}

/*
 * Output fields are ignored on input: whatever the caller left in them,
 * the call works and overwrites them.
 */
static int test_output_fields_ignored(void)
{
	static uint64_t ring[512] __attribute__((aligned(4096)));
	struct mmb_pin_region pr = { .argsz = sizeof(pr),
				     .user_addr = (uintptr_t)ring,
				     .length = sizeof(ring),
				     .id = 0xdead, .nr_slots = 0xbeef };
	struct mmb_obj_create oc = { .argsz = sizeof(oc), .size = 4096,
				     .handle = 77, .mmap_offset = 1 };
	struct mmb_stream_fetch fe = { .argsz = sizeof(fe) };
	static uint8_t frame[4096];
	int fd = dev_open(mmb_dut), sfd, r;

	EXPECT_OK(fd);
	EXPECT_OK(xioctl(fd, MMB_IOC_PIN_REGION, &pr));
	EXPECT(pr.id != 0xdead && pr.id, "ring id %u", pr.id);
	EXPECT_EQ(pr.nr_slots, (sizeof(ring) - sizeof(struct mmb_ring)) /
				       sizeof(struct mmb_ring_record));
	EXPECT_OK(mmb_unpin_region(fd, pr.id));
	EXPECT_OK(xioctl(fd, MMB_IOC_OBJ_CREATE, &oc));
	EXPECT_EQ(oc.mmap_offset, MMB_MMAP_OBJECT(oc.handle));
	EXPECT_OK(mmb_obj_destroy(fd, oc.handle));

	r = naive_frame_ready(fd, sizeof(frame), &sfd);
	if (r)
		return r;
	fe.user_addr = (uintptr_t)frame;
	fe.length = sizeof(frame);
	fe.frame.index = 9;
	fe.frame.reserved = 9;
	fe.frame.seq = 9;
	fe.frame.length = 9;
	fe.frame.timestamp_ns = 9;
	EXPECT_OK(xioctl(sfd, MMB_IOC_STREAM_FETCH, &fe));
	EXPECT_EQ(fe.frame.index, 0);
	EXPECT_EQ(fe.frame.reserved, 0);
	EXPECT_EQ(fe.frame.seq, 0);
	EXPECT_EQ(fe.frame.length, sizeof(frame));
	EXPECT_OK(mmb_stream_stop(sfd));
	close(sfd);
	close(fd);
	return T_PASS;
}

/*
 * The buffer source of read() holds at most MMB_XFER_MAX bytes: a write()
 * beyond is -EFBIG and stores nothing.
 */
static int test_write_efbig(void)
{
	const size_t max = MMB_XFER_MAX;
	struct mmb_copy_status st;
	uint8_t b[8] = { 0 };
	char *buf;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	buf = map_anon(max, PROT_READ);
	EXPECT(buf, "64 MiB: %s", strerror(errno));
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_BUFFER, 0,
				  MMB_COPY_SET_OFFSET, 0));
	EXPECT(write(fd, buf, max + 1) < 0 && errno == EFBIG,
	       "write of 64 MiB + 1: %s, expected EFBIG", strerror(errno));
	EXPECT_EQ(read(fd, b, sizeof(b)), 0);
	EXPECT_EQ(write(fd, buf, max - 1), (ssize_t)(max - 1));
	EXPECT(write(fd, buf, 2) < 0 && errno == EFBIG,
	       "write past 64 MiB: %s, expected EFBIG", strerror(errno));
	EXPECT_EQ(write(fd, "x", 1), 1);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_BUFFER, 0,
				  MMB_COPY_SET_OFFSET, max - 1));
	EXPECT_EQ(read(fd, b, 1), 1);
	EXPECT_EQ(b[0], 'x');
	EXPECT_OK(mmb_copy_status(fd, &st));
	munmap(buf, max);
	close(fd);
	return T_PASS;
}

/* Read /sys/module/mmbridge/parameters/test_interface: 'Y' or 'N'. */
static char test_interface_param(void)
{
	char c = 0;
	int fd = open("/sys/module/mmbridge/parameters/test_interface",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

/*
 * Without the module parameter test_interface, nothing of
 * kernel/mmb_test_uapi.h is there: its ioctls are unknown commands
 * (-ENOTTY), its copy source and stream modes bad values (-EINVAL), and a
 * new file reads what write() stored (nothing: 0 bytes).  The product's
 * own calls, the zero-copy and ring streams among them, still work.
 */
static int interface_off(void)
{
	struct mmb_irq_trigger trig = { .argsz = sizeof(trig), .count = 1 };
	struct mmb_irq_timer tm = { .argsz = sizeof(tm), .period_ns = 1000000 };
	struct mmb_stream_fetch fe = { .argsz = sizeof(fe) };
	struct mmb_info info;
	uint8_t b[16];
	void *frame;
	int fd, sfd;

	EXPECT_EQ(test_interface_param(), 'N');
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT(info.caps & MMB_CAP_IRQ, "%s lost MMB_CAP_IRQ: caps %#llx", mmb_dut,
	       (unsigned long long)info.caps);
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TRIGGER, &trig), ENOTTY);
	EXPECT_ERR(xioctl(fd, MMB_IOC_IRQ_TIMER, &tm), ENOTTY);
	EXPECT_ERR(mmb_irq_raise_nowait(fd), ENOTTY);

	/* Source 0 is the generator's; a new file starts with the buffer. */
	EXPECT_EQ(read(fd, b, sizeof(b)), 0);
	EXPECT_ERR(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_GEN, 1, 0, 0),
		   EINVAL);
	EXPECT_ERR(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 1, 0, 0),
		   EINVAL);
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_SYNC, MMB_SRC_BUFFER, 0, 0, 0));
	EXPECT_EQ(write(fd, "0123456789abcdef", 16), 16);
	EXPECT_EQ(pread(fd, b, sizeof(b), 0), 16);
	EXPECT(!memcmp(b, "0123456789abcdef", 16), "the buffer read back wrong");

	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, 4096, NULL, 1, 0,
				    0, 0),
		   EINVAL);
	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_NAIVE, 1, 4096, NULL, 1, 0,
				    SIGUSR1, 0),
		   EINVAL);
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, 1, 4096, NULL, 1, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_ERR(xioctl(sfd, MMB_IOC_STREAM_FETCH, &fe), ENOTTY);
	close(sfd);
	frame = map_anon(4096, PROT_READ | PROT_WRITE);
	EXPECT(frame, "mmap: %s", strerror(errno));
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 1, 4096, &frame, 1, 0,
			       0, 0);
	EXPECT_OK(sfd);
	close(sfd);
	munmap(frame, 4096);
	close(fd);
	return T_PASS;
}

/*
 * The test interface is a module parameter, off by default: the cases run
 * with it on (checked here, with a new file reading the generator), and
 * interface_off() runs with mmbridge loaded without it.
 */
static int test_interface_gated(void)
{
	uint64_t w[2];
	int fd;

	EXPECT_EQ(test_interface_param(), 'Y');
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	EXPECT_EQ(pread(fd, w, sizeof(w), 0), (ssize_t)sizeof(w));
	EXPECT_EQ(w[0], mmb_gen_word(0, 0));
	EXPECT_EQ(w[1], mmb_gen_word(0, 1));
	close(fd);
	return with_module_params("test_interface=0", interface_off);
}

const struct mmb_test abi_tests[] = {
	{ "abi/info", test_info },
	{ "abi/info_argsz_larger", test_info_argsz_larger },
	{ "abi/unknown_ioctl", test_unknown_ioctl },
	{ "abi/bad_argsz", test_bad_argsz },
	{ "abi/bad_flags", test_bad_flags },
	{ "abi/reserved_nonzero", test_reserved_nonzero },
	{ "abi/bad_ranges", test_bad_ranges },
	{ "abi/unsupported", test_unsupported },
	{ "abi/seek", test_seek },
	{ "abi/readonly_struct", test_readonly_struct },
	{ "abi/output_fields_ignored", test_output_fields_ignored },
	{ "abi/write_efbig", test_write_efbig },
	{ "abi/test_interface_gated", test_interface_gated },
	{ NULL }
};
