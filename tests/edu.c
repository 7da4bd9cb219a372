// SPDX-License-Identifier: GPL-2.0
/*
 * edu/: the QEMU edu PCI device: identification, MSI interrupts, DMA.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#define EDU_IRQ_NAME	"mmbridge-edu"

static int edu_open(void)
{
	return dev_open("edu0");
}

static int test_ident(void)
{
	struct mmb_info info;
	char buf[64];
	int fd = edu_open();

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(read_line("/sys/class/mmbridge/edu0/ident", buf, sizeof(buf)));
	/* QEMU's edu: version 1.0, magic 0xed. */
	EXPECT(!strcmp(buf, "0x010000ed"), "ident %s, expected 0x010000ed", buf);
	EXPECT_OK(read_line("/sys/class/mmbridge/edu0/device/vendor", buf,
			    sizeof(buf)));
	EXPECT(!strcmp(buf, "0x1234"), "vendor %s", buf);
	EXPECT_OK(read_line("/sys/class/mmbridge/edu0/device/device", buf,
			    sizeof(buf)));
	EXPECT(!strcmp(buf, "0x11e8"), "device %s", buf);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT_EQ(info.backend, MMB_BACKEND_EDU);
	close(fd);
	return T_PASS;
}

/* N raised interrupts: N counted by mmbridge and N by the kernel's IRQ core. */
static int test_irq_count(void)
{
	const uint32_t n = 200;
	struct mmb_info before, after;
	long long proc_before, proc_after;
	uint32_t raised = 0;
	char buf[32];
	int fd = edu_open();

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &before));
	proc_before = proc_irq_count(EDU_IRQ_NAME);
	EXPECT(proc_before >= 0, "no %s line in /proc/interrupts", EDU_IRQ_NAME);

	EXPECT_OK(mmb_irq_trigger(fd, n, &raised));
	EXPECT_EQ(raised, n);

	EXPECT_OK(mmb_info(fd, &after));
	proc_after = proc_irq_count(EDU_IRQ_NAME);
	EXPECT_EQ(after.irq_count - before.irq_count, n);
	EXPECT_EQ(proc_after - proc_before, n);
	EXPECT_OK(read_line("/sys/class/mmbridge/edu0/irq_count", buf,
			    sizeof(buf)));
	EXPECT_EQ(atoll(buf), after.irq_count);
	close(fd);
	return T_PASS;
}

/*
 * The whole DMA window RAM -> device -> RAM, then a sub-range overwritten at
 * an offset.  The window is the 4 KiB buffer, less its last byte on QEMU
 * before 8.0 (see edu_dma_window in kernel/edu.c).
 */
static int test_dma_roundtrip(void)
{
	static uint8_t out[4096], in[4096];
	uint64_t seed_a = test_seed(), seed_b = seed_a ^ 0xabcdef;
	struct mmb_info before, after;
	long long proc_before;
	size_t win;
	long bad;
	int fd = edu_open();

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &before));
	win = before.dma_window;
	EXPECT(win >= 4095 && win <= 4096, "DMA window %zu", win);
	proc_before = proc_irq_count(EDU_IRQ_NAME);

	pattern_fill(out, win, seed_a, 0);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, out, win));
	memset(in, 0, sizeof(in));
	EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, in, win));
	bad = pattern_check(in, win, seed_a, 0);
	EXPECT(bad < 0, "byte %ld is 0x%02x, expected 0x%02x", bad, in[bad],
	       pattern_byte(seed_a, bad));

	/* Bytes 1000..3047 replaced: the device keeps both writes in place. */
	pattern_fill(out, 2048, seed_b, 1000);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 1000, out, 2048));
	memset(in, 0, sizeof(in));
	EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, in, win));
	bad = pattern_check(in, 1000, seed_a, 0);
	EXPECT(bad < 0, "head byte %ld differs", bad);
	bad = pattern_check(in + 1000, 2048, seed_b, 1000);
	EXPECT(bad < 0, "middle byte %ld differs", 1000 + bad);
	bad = pattern_check(in + 3048, win - 3048, seed_a, 3048);
	EXPECT(bad < 0, "tail byte %ld differs", 3048 + bad);

	/* Each transfer completed by exactly one interrupt. */
	EXPECT_OK(mmb_info(fd, &after));
	EXPECT_EQ(after.irq_count - before.irq_count, 4);
	EXPECT_EQ(proc_irq_count(EDU_IRQ_NAME) - proc_before, 4);
	close(fd);
	return T_PASS;
}

/*
 * Ranges past the window never reach the device (on QEMU before 8.0 a
 * transfer that ends at byte 4096 would abort the VM).
 */
static int test_dma_bad_range(void)
{
	static uint8_t buf[8192];
	struct mmb_info before, after;
	int fd = edu_open();

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &before));
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_TO_DEVICE, before.dma_window - 100, buf,
			   256), EINVAL);
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_FROM_DEVICE, before.dma_window, buf, 1),
		   EINVAL);
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, buf, before.dma_window + 1),
		   EINVAL);
	EXPECT_ERR(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 1, buf, before.dma_window),
		   EINVAL);
	EXPECT_OK(mmb_info(fd, &after));
	EXPECT_EQ(after.irq_count, before.irq_count);
	close(fd);
	return T_PASS;
}

const struct mmb_test edu_tests[] = {
	{ "edu/ident", test_ident },
	{ "edu/irq_count", test_irq_count },
	{ "edu/dma_roundtrip", test_dma_roundtrip },
	{ "edu/dma_bad_range", test_dma_bad_range },
	{ NULL }
};
