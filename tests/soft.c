// SPDX-License-Identifier: GPL-2.0
/*
 * soft/: the software device: timer interrupts, RAM device memory and the
 * kernel-thread DMA engine.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

/* Periodic interrupts advance the count while on, and not after stop. */
static int test_irq_progress(void)
{
	const uint64_t period = 1000000;	/* 1 ms */
	uint64_t c0, c1, c2, t0, t1;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	c0 = dev_count(fd);
	t0 = mmb_now_ns();
	EXPECT_OK(mmb_irq_timer(fd, period));
	usleep(300000);
	EXPECT_OK(mmb_irq_timer(fd, 0));
	t1 = mmb_now_ns();
	c1 = dev_count(fd);
	EXPECT(c1 > c0 + 10, "only %llu interrupts in %llu ms",
	       (unsigned long long)(c1 - c0),
	       (unsigned long long)((t1 - t0) / 1000000));
	/* Never more than the period allows (plus the first expiry). */
	EXPECT(c1 - c0 <= (t1 - t0) / period + 1,
	       "%llu interrupts in %llu ns at a %llu ns period",
	       (unsigned long long)(c1 - c0), (unsigned long long)(t1 - t0),
	       (unsigned long long)period);
	usleep(100000);
	c2 = dev_count(fd);
	EXPECT_EQ(c2, c1);
	close(fd);
	return T_PASS;
}

/* A timer left running stops when the file that started it is closed. */
static int test_irq_timer_stops_on_close(void)
{
	uint64_t c1, c2;
	int fd = dev_open("soft0"), fd2 = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT_OK(fd2);
	EXPECT_OK(mmb_irq_timer(fd, 500000));
	usleep(50000);
	close(fd);
	c1 = dev_count(fd2);
	usleep(100000);
	c2 = dev_count(fd2);
	EXPECT_EQ(c2, c1);
	close(fd2);
	return T_PASS;
}

static int test_irq_count(void)
{
	const uint32_t n = 1000;
	uint32_t raised = 0;
	uint64_t c0;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	c0 = dev_count(fd);
	EXPECT_OK(mmb_irq_trigger(fd, n, &raised));
	EXPECT_EQ(raised, n);
	EXPECT_EQ(dev_count(fd) - c0, n);
	close(fd);
	return T_PASS;
}

/*
 * DMA and CPU access agree: what the engine writes the CPU reads back, and
 * the reverse, at unaligned offsets.
 */
static int test_dma_roundtrip(void)
{
	const size_t len = 1024 * 1024 + 5;
	const uint64_t off_a = 4097, off_b = 3 * 1024 * 1024 + 1;
	uint64_t seed = test_seed(), c0;
	uint8_t *buf;
	long bad;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	buf = malloc(len);
	EXPECT(buf, "malloc");
	c0 = dev_count(fd);

	pattern_fill(buf, len, seed, 0);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, off_a, buf, len));
	memset(buf, 0, len);
	EXPECT_OK(mmb_mem_read(fd, off_a, buf, len));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "DMA-written byte %ld read back wrong", bad);

	pattern_fill(buf, len, seed + 1, 0);
	EXPECT_OK(mmb_mem_write(fd, off_b, buf, len));
	memset(buf, 0, len);
	EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, off_b, buf, len));
	bad = pattern_check(buf, len, seed + 1, 0);
	EXPECT(bad < 0, "CPU-written byte %ld DMA'd back wrong", bad);

	/* Two transfers, two completion interrupts. */
	EXPECT_EQ(dev_count(fd) - c0, 2);
	free(buf);
	close(fd);
	return T_PASS;
}

const struct mmb_test soft_tests[] = {
	{ "soft/irq_progress", test_irq_progress },
	{ "soft/irq_timer_stops_on_close", test_irq_timer_stops_on_close },
	{ "soft/irq_count", test_irq_count },
	{ "soft/dma_roundtrip", test_dma_roundtrip },
	{ NULL }
};
