// SPDX-License-Identifier: GPL-2.0
/*
 * edu/: the QEMU edu PCI device: identification, MSI interrupts, DMA.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
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
	EXPECT(!strcmp(info.driver, "edu"), "driver %.16s", info.driver);
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
	EXPECT_EQ(after.irq_handled - before.irq_handled, n);
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
 * before 8.0 (see edu_dma_window in backends/mmb_edu.c).
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

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * Interrupts of cause MMB_EVENT_TRIGGER delivered so far; UINT64_MAX when
 * no consistent snapshot could be read.
 */
static uint64_t trigger_count(const struct mmb_counters *pg)
{
	struct mmb_counters s;

	if (mmb_counters_read_tries(pg, &s, COUNTER_READ_TRIES))
		return UINT64_MAX;
	return s.trigger_count;
}

/*
 * A long trigger interrupted by a signal without SA_RESTART stops at once
 * with -EINTR, and exactly the interrupts it reports as raised reached the
 * handler: not one more arrives afterwards (the next single trigger moves
 * the count by exactly one, and the IRQ core saw the same number).
 */
static int test_trigger_signal(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	const struct mmb_counters *pg;
	int fd = edu_open(), round;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	pg = mmb_counters_map(fd);
	EXPECT(pg, "counter page: %s", strerror(errno));
	EXPECT_OK(sigaction(SIGALRM, &sa, NULL));
	for (round = 0; round < 10; round++) {
		struct mmb_irq_trigger t = {
			.argsz = sizeof(t), .count = MMB_IRQ_TRIGGER_MAX,
			.raised = 12345,
		};
		long long p0 = proc_irq_count(EDU_IRQ_NAME), p1;
		uint64_t c0 = trigger_count(pg), c1;
		int r;

		alarms = 0;
		EXPECT_OK(setitimer(ITIMER_REAL, &it, NULL));
		r = xioctl(fd, MMB_IOC_IRQ_TRIGGER, &t);
		c1 = trigger_count(pg);
		if (r != -EINTR)
			FAIL("round %d: trigger returned %d (%s) with %u of %u raised, %d signal(s) caught: expected -EINTR",
			     round, r, r ? strerror(-r) : "success", t.raised,
			     t.count, (int)alarms);
		EXPECT_EQ(alarms, 1);
		EXPECT(t.raised < t.count, "round %d: raised %u", round,
		       t.raised);
		if (c1 - c0 != t.raised)
			FAIL("round %d: %llu trigger interrupts delivered, raised says %u",
			     round, (unsigned long long)(c1 - c0), t.raised);
		/* Nothing left in flight: one more trigger adds exactly one. */
		EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
		c1 = trigger_count(pg);
		p1 = proc_irq_count(EDU_IRQ_NAME);
		if (c1 - c0 != (uint64_t)t.raised + 1 ||
		    p1 - p0 != (long long)t.raised + 1)
			FAIL("round %d: raised %u then 1: %llu delivered, %lld in /proc/interrupts, expected %u",
			     round, t.raised, (unsigned long long)(c1 - c0),
			     p1 - p0, t.raised + 1);
	}
	mmb_counters_unmap(pg);
	close(fd);
	return T_PASS;
}

/*
 * SIGKILL ends a long trigger: the killed process stops raising interrupts
 * (fewer than the count it asked for reach the handler) and dies.
 */
static int test_trigger_sigkill(void)
{
	const struct mmb_counters *pg;
	uint64_t c0, c1, c2;
	int fd = edu_open(), status, i;
	pid_t pid, w = 0;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	pg = mmb_counters_map(fd);
	EXPECT(pg, "counter page: %s", strerror(errno));
	c0 = trigger_count(pg);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(mmb_irq_trigger(fd, MMB_IRQ_TRIGGER_MAX, NULL) ? 1 : 0);
	/* Kill it once it is raising: its first interrupts arrived. */
	for (i = 0; i < 100000 && trigger_count(pg) - c0 < 100; i++)
		usleep(100);
	c1 = trigger_count(pg);
	kill(pid, SIGKILL);
	/* Generous: a killed trigger dies within its current interrupt. */
	for (i = 0; i < 3000 && !w; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (!w)
			usleep(10000);
	}
	if (!w) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		FAIL("the SIGKILLed trigger was still alive after 30 s");
	}
	EXPECT(c1 - c0 >= 100, "the trigger raised only %llu in 10 s",
	       (unsigned long long)(c1 - c0));
	EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "child status 0x%x, expected killed by SIGKILL", status);
	c2 = trigger_count(pg);
	EXPECT(c2 - c0 < MMB_IRQ_TRIGGER_MAX,
	       "the SIGKILLed trigger raised all %llu interrupts",
	       (unsigned long long)(c2 - c0));
	mmb_counters_unmap(pg);
	close(fd);
	return T_PASS;
}

#define RAISE_HOOK "/sys/kernel/debug/mmbridge/edu0/raise_irq"

static int spurious_dma_irq(void)
{
	static uint8_t out[4096], in[4096];
	const int rounds = 12;
	uint64_t seed = test_seed();
	struct mmb_info before, after;
	long long proc_before, proc_after;
	int fd = edu_open(), hook, k, st;
	size_t win;
	pid_t pid;
	long bad;

	EXPECT_OK(fd);
	hook = open(RAISE_HOOK, O_WRONLY | O_CLOEXEC);
	EXPECT(hook >= 0, "%s: %s", RAISE_HOOK, strerror(errno));
	EXPECT_OK(mmb_info(fd, &before));
	win = before.dma_window;
	proc_before = proc_irq_count(EDU_IRQ_NAME);
	/* A DMA bit every 10 ms; each transfer takes 100 ms. */
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		for (;;) {
			if (write(hook, "0x100", 5) != 5)
				_exit(1);
			usleep(10000);
		}
	}
	for (k = 0; k < rounds; k++) {
		pattern_fill(out, win, seed + k, 0);
		EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, out, win));
		memset(in, 0, sizeof(in));
		EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, in, win));
		bad = pattern_check(in, win, seed + k, 0);
		EXPECT(bad < 0, "round %d: byte %ld is 0x%02x, expected 0x%02x",
		       k, bad, in[bad], pattern_byte(seed + k, bad));
	}
	kill(pid, SIGKILL);
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFSIGNALED(st), "the raiser failed: status 0x%x", st);
	EXPECT_OK(mmb_info(fd, &after));
	proc_after = proc_irq_count(EDU_IRQ_NAME);
	/* One event per transfer; the others were interrupts all the same. */
	EXPECT_EQ(after.irq_count - before.irq_count, 2 * rounds);
	EXPECT(proc_after - proc_before > 2 * rounds + 10,
	       "%lld interrupts for %d transfers: few stray DMA bits",
	       proc_after - proc_before, 2 * rounds);
	printf("# %lld interrupts for %d transfers\n", proc_after - proc_before,
	       2 * rounds);
	close(hook);
	close(fd);
	return T_PASS;
}

/*
 * The interrupt status's DMA bit says that a transfer ended, not which: a
 * bit set by anything else (here the raise register, through the test
 * hook raise_irq; in life a bit left from before the driver took the
 * device) must not complete the transfer that is running, or its waiter
 * returns before the data is there and the device then writes a buffer
 * that was freed.  Round trips with stray DMA bits raised throughout are
 * exact, and each transfer is one event.
 */
static int test_spurious_dma_irq(void)
{
	int r = edu_hooks_usable();

	return r ? r : with_module_params("edu_test_hooks=1", spurious_dma_irq);
}

const struct mmb_test edu_tests[] = {
	{ "edu/ident", test_ident },
	{ "edu/irq_count", test_irq_count },
	{ "edu/dma_roundtrip", test_dma_roundtrip },
	{ "edu/dma_bad_range", test_dma_bad_range },
	{ "edu/trigger_signal", test_trigger_signal },
	{ "edu/trigger_sigkill", test_trigger_sigkill },
	{ "edu/spurious_dma_irq", test_spurious_dma_irq },
	{ NULL }
};
