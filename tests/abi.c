// SPDX-License-Identifier: GPL-2.0
/*
 * abi/: MMB_IOC_INFO and the validation every ioctl performs.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

/* Expected soft0 memory, from the module parameter. */
static long long soft_mem_bytes(void)
{
	return module_param("soft_mem_mb") << 20;
}

static int check_info(const char *name, uint32_t backend, uint64_t caps,
		      long long mem_size, uint32_t dma_window)
{
	char path[128], buf[64];
	struct mmb_info info;
	int fd = dev_open(name);

	if (fd == -ENOENT)
		SKIP("no %s device", name);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.argsz, sizeof(info));
	EXPECT_EQ(info.flags, 0);
	EXPECT_EQ(info.abi_version, MMB_ABI_VERSION);
	EXPECT_EQ(info.backend, backend);
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
	EXPECT(!strcmp(buf, mmb_backend_str(backend)), "sysfs backend %s", buf);
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

	/* ivshmem's BAR: the first half is device memory, the rest the pool. */
	if (cmdline_get("mmb.ivshmem_mb", buf, sizeof(buf)))
		ivs = atoll(buf) << 19;
	r = check_info("soft0", MMB_BACKEND_SOFT,
		       MMB_CAP_IRQ | MMB_CAP_IRQ_TIMER | MMB_CAP_DMA |
		       MMB_CAP_DEVMEM | MMB_CAP_MAP |
		       (module_param("soft_pool_mb") > 0 ? MMB_CAP_OBJECT : 0),
		       soft_mem_bytes(),
		       soft_mem_bytes());
	if (r != T_PASS)
		return r;
	r = check_info("edu0", MMB_BACKEND_EDU,
		       MMB_CAP_IRQ | MMB_CAP_DMA, 0,
		       module_param("edu_dma_window"));
	if (r == T_FAIL)
		return r;
	r = check_info("ivshmem0", MMB_BACKEND_IVSHMEM,
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
	int fd = dev_open("soft0");

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
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (xioctl(fd, cmds[i], &info) != -ENOTTY)
			FAIL("cmd 0x%lx: %s, expected ENOTTY", cmds[i],
			     strerror(errno));
	close(fd);
	return T_PASS;
}

static const struct {
	unsigned long cmd;
	const char *name;
	size_t size;
} ioctls[] = {
	{ MMB_IOC_INFO, "INFO", sizeof(struct mmb_info) },
	{ MMB_IOC_IRQ_TRIGGER, "IRQ_TRIGGER", sizeof(struct mmb_irq_trigger) },
	{ MMB_IOC_IRQ_TIMER, "IRQ_TIMER", sizeof(struct mmb_irq_timer) },
	{ MMB_IOC_DMA, "DMA", sizeof(struct mmb_xfer) },
	{ MMB_IOC_MEM_RW, "MEM_RW", sizeof(struct mmb_xfer) },
	{ MMB_IOC_EVENT_OPEN, "EVENT_OPEN", sizeof(struct mmb_event_open) },
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
	int fd = dev_open("soft0"), r;

	EXPECT_OK(fd);
	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		uint32_t sizes[] = { 0, 4, ioctls[i].size - 1 };
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
	int fd = dev_open("soft0");

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
	int fd = dev_open("soft0");

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
	int fd = dev_open("soft0"), r;

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

/* The device is a stream: no seeking, no read/write of its own yet. */
static int test_no_seek(void)
{
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT(lseek(fd, 0, SEEK_SET) < 0 && errno == ESPIPE,
	       "lseek: %s, expected ESPIPE", strerror(errno));
	close(fd);
	return T_PASS;
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
	{ "abi/no_seek", test_no_seek },
	{ NULL }
};
