// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench irq: how soon a process runs after a device interrupt,
 * against the kernel's UIO (uio_pci_generic) and vfio-pci in the same run.
 *
 * Five QEMU edu devices: edu0 driven by mmbridge (MSI), a second bound to
 * uio_pci_generic (legacy INTx, the only kind that driver handles), a
 * third bound to vfio-pci in no-IOMMU mode (MSI, signalled to an eventfd
 * set with VFIO_DEVICE_SET_IRQS), and two bound to mmb_pci, the generic
 * PCI backend, one with INTx and one with MSI (vm/init binds them with
 * pci_irq_mode=intx and msi).  For every sample a waiter thread pinned
 * to CPU 1 waits; once it has been asleep (or spinning) for 50 us, the
 * main thread on CPU 0 takes t0 and makes the device raise an interrupt
 * with one store to its raise register; the waiter takes t1 as soon as it
 * runs again.  The latency is t1 - t0.  Every device is triggered the same way,
 * by a store through a user mapping of its registers: the sysfs resource0
 * mapping of edu0 (root; the bench guest runs with iomem=relaxed, without
 * which CONFIG_IO_STRICT_DEVMEM makes a region a driver claimed exclusive)
 * and of the UIO edu, the vfio region mmap of BAR0 of the vfio edu,
 * mmbridge's own mapping of region 0 (BAR0; CAP_SYS_RAWIO) of the mmb_pci
 * edus.
 * Variants (what the waiter does):
 *   irq_wake          read() on an mmbridge event fd
 *   eventfd_wake      read() on an eventfd that mmbridge signals
 *   spin_wake         spins on the counter page's irq_count (never sleeps)
 *   uio_wake          read() on /dev/uioN; after t1 it acknowledges the
 *                     device and unmasks INTx through the config space, as
 *                     Documentation/driver-api/uio-howto.rst does
 *   vfio_wake         read() on vfio-pci's MSI eventfd; after t1 it
 *                     acknowledges the device through the region mapping
 *                     (a status read and an ack write: edu_status_ack_us)
 *   irq_wake_syscall  irq_wake, raised with MMB_IOC_IRQ_TRIGGER and
 *                     MMB_IRQ_TRIGGER_NOWAIT instead of a store (the call's
 *                     duration: irq_trigger_syscall_us)
 *   pci_wake          read() on an mmbridge event fd of the mmb_pci edu
 *                     with INTx; after t1 it acknowledges the device and
 *                     writes 1 to the event fd, which unmasks INTx (mmb_pci
 *                     masked it in its handler): uio_wake's work
 *   pci_wake_msi      the same with the MSI edu, which needs no unmask
 * mmbridge's handler reads and acknowledges edu0's status itself, before it
 * signals; vfio-pci's and mmb_pci's MSI handler signal without touching the
 * device; uio_pci_generic's and mmb_pci's INTx handler check the status
 * bit in the config space and mask the line.  Each wake-up is
 * checked to report exactly one new interrupt (event count, eventfd value,
 * UIO count, counter page), and every chunk's interrupt count in
 * /proc/interrupts to equal its samples.  The waiter hands t1 back through
 * shared memory and wakes the main thread with a futex.
 *
 * Placement: all the devices' interrupts go to one CPU
 * (/proc/irq/N/smp_affinity_list).  The main figures have them on the
 * waiter's CPU; *_xcpu on the trigger's CPU, whose handler then wakes the
 * waiter across CPUs.  irq_misplaced_interrupts counts interrupts that
 * /proc/interrupts shows on the other CPU (0 expected).
 *
 * Loads (bench_load_start(), each hog pinned to its CPU): *_hog with a
 * spinning process on every CPU, at the waiter's priority (SCHED_OTHER);
 * irq_wake_hog_fifo with the waiter SCHED_FIFO; *_memory under memory
 * pressure.  irq_wake, uio_wake and vfio_wake form the sweep irq_load
 * (x: 1 idle, 2 cpu_hog, 3 memory).  The main thread runs SCHED_FIFO (only
 * the harness: it takes t0 just before its store) so that a hog does not
 * stretch the run.
 *
 * Statistics: 5 repeats; in each, the loads in rotated order and, per load,
 * chunks of 200 samples (after 2 unrecorded ones that also move an
 * interrupt whose affinity changed), the variants rotated from chunk to
 * chunk and the placements alternating.  10 000 samples in all for every
 * same-CPU idle variant and irq_wake_hog; 2 000 for the *_xcpu ones,
 * irq_wake_syscall, pci_wake_msi, uio_wake_hog, vfio_wake_hog and
 * irq_wake_hog_fifo; 1 000 for each memory variant.
 * Percentiles (p50, p99, p99.9) are per repeat; a figure is their median,
 * min and max over the repeats, a ratio the median of per-repeat ratios.
 * <variant>_cpu_us_per_event: busy time of all CPUs (elapsed time less
 * their tick-less idle time) during the variant's chunks, per interrupt;
 * the main thread's spinning until it sees the waiter asleep is left out;
 * the rest of the harness, the same for every variant, is in (the store,
 * the futex wake-up of the main thread); a spinning waiter's cost is its
 * whole wait.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mmbridge.h"
#include "../lib/mmb_test.h"

#define REPEATS		5
#define CHUNK		200		/* samples of a variant in a row */
#define WARMUP		2		/* unrecorded samples before a chunk */
#define PER_REPEAT	2000		/* samples per repeat, at most */
#define SETTLE_NS	50000		/* the waiter sleeps at least this long */
#define WAKE_TIMEOUT_MS	5000

#define TRIGGER_CPU	0
#define WAITER_CPU	1

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_IRQ_STATUS	(0x24 / 4)
#define EDU_IRQ_RAISE	(0x60 / 4)
#define EDU_IRQ_ACK	(0x64 / 4)
#define EDU_REGS_LEN	4096

enum mech {
	M_IRQ, M_EVENTFD, M_SPIN, M_UIO, M_VFIO, M_IRQ_SYSCALL, M_PCI,
	M_PCI_MSI, NMECH
};

struct variant {
	const char *name;
	enum mech m;
	bool remote;			/* interrupt on the trigger's CPU */
	bool fifo;			/* waiter SCHED_FIFO (else SCHED_OTHER) */
	enum bench_load load;
	int per_repeat;			/* samples per repeat */
};

/* 10 000 samples in all for figures with goals and the idle ones. */
static const struct variant variants[] = {
	{ "irq_wake", M_IRQ, false, false, BENCH_IDLE, 2000 },
	{ "eventfd_wake", M_EVENTFD, false, false, BENCH_IDLE, 2000 },
	{ "spin_wake", M_SPIN, false, false, BENCH_IDLE, 2000 },
	{ "uio_wake", M_UIO, false, false, BENCH_IDLE, 2000 },
	{ "vfio_wake", M_VFIO, false, false, BENCH_IDLE, 2000 },
	{ "irq_wake_syscall", M_IRQ_SYSCALL, false, false, BENCH_IDLE, 400 },
	{ "pci_wake", M_PCI, false, false, BENCH_IDLE, 2000 },
	{ "pci_wake_msi", M_PCI_MSI, false, false, BENCH_IDLE, 400 },
	{ "irq_wake_xcpu", M_IRQ, true, false, BENCH_IDLE, 400 },
	{ "spin_wake_xcpu", M_SPIN, true, false, BENCH_IDLE, 400 },
	{ "uio_wake_xcpu", M_UIO, true, false, BENCH_IDLE, 400 },
	{ "vfio_wake_xcpu", M_VFIO, true, false, BENCH_IDLE, 400 },
	{ "irq_wake_hog", M_IRQ, false, false, BENCH_HOG, 2000 },
	{ "uio_wake_hog", M_UIO, false, false, BENCH_HOG, 400 },
	{ "vfio_wake_hog", M_VFIO, false, false, BENCH_HOG, 400 },
	{ "irq_wake_hog_fifo", M_IRQ, false, true, BENCH_HOG, 400 },
	{ "irq_wake_memory", M_IRQ, false, false, BENCH_MEMORY, 200 },
	{ "uio_wake_memory", M_UIO, false, false, BENCH_MEMORY, 200 },
	{ "vfio_wake_memory", M_VFIO, false, false, BENCH_MEMORY, 200 },
};

#define NV	(sizeof(variants) / sizeof(variants[0]))

struct cmd {
	enum mech m;
	int n;
};

/* An edu bound to mmb_pci: pciN, its BAR0 mapped through mmbridge. */
struct pci_edu {
	int dev;			/* -1: none */
	int efd;			/* event fd */
	volatile uint32_t *regs;	/* region 0 */
	bool intx;			/* else MSI */
	int irq;
	uint64_t last_event;		/* the event fd's last count */
};

struct irq_ctx {
	/* mmbridge: edu0 */
	int dev;
	int efd;			/* event fd */
	int evfd;			/* eventfd signalled by mmbridge */
	const struct mmb_counters *page;
	volatile uint32_t *edu_regs;	/* sysfs resource0 mapping */
	int edu_irq;
	uint64_t last_event;		/* the event fd's last count */

	/* uio_pci_generic */
	int uio;			/* /dev/uioN, or -1 */
	int uio_config;			/* its PCI config space */
	uint8_t uio_cmd_high;		/* command register, INTx enabled */
	volatile uint32_t *uio_regs;	/* sysfs resource0 mapping */
	int uio_irq;
	int64_t last_uio;		/* UIO's last count, -1: none yet */

	/* vfio-pci */
	int vfio_container, vfio_group, vfio_dev;	/* -1: none */
	bool vfio_iommu;		/* type 1, behind an IOMMU */
	int vfio_efd;			/* its MSI eventfd */
	volatile uint32_t *vfio_regs;	/* region mmap of BAR0 */
	int vfio_irq;

	/* mmb_pci: [0] with INTx (M_PCI), [1] with MSI (M_PCI_MSI) */
	struct pci_edu pci[2];

	int stat_fd;			/* the waiter's /proc stat */
	volatile int stop;		/* the waiter gives up spinning */
	volatile int armed;		/* the waiter is about to wait */
	volatile pid_t tid;		/* the waiter's thread id */
	volatile uint64_t t1;		/* when it ran after the last sample */
	volatile uint64_t ack_ns;	/* vfio: its status read and ack */
	volatile unsigned int seq;	/* samples it completed */
	int to_waiter[2];		/* main -> waiter: struct cmd */
	int cur_cpu;			/* where the interrupts go now */
	const char *error;
	long misplaced;
};

/* Per variant and repeat: samples (us), busy CPU (s), events. */
static double lat[NV][REPEATS][PER_REPEAT];
static int nlat[NV][REPEATS];
static double busy[NV][REPEATS];
static int nevents[NV][REPEATS];
static double sys_us[REPEATS][PER_REPEAT];
static int nsys[REPEATS];
static double ack_us[REPEATS][PER_REPEAT];
static int nack[REPEATS];

static uint64_t ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin_cpu(pid_t pid, int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		for (i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * SCHED_FIFO at priority 1 or SCHED_OTHER for thread @tid (0: the caller);
 * children forked under SCHED_FIFO start as SCHED_OTHER.
 */
static int set_fifo(pid_t tid, bool fifo)
{
	struct sched_param sp = { .sched_priority = fifo };

	if (sched_setscheduler(tid, fifo ? SCHED_FIFO | SCHED_RESET_ON_FORK :
				   SCHED_OTHER, &sp))
		return -errno;
	return 0;
}

static struct pci_edu *mech_pci(struct irq_ctx *c, enum mech m)
{
	return m == M_PCI ? &c->pci[0] : m == M_PCI_MSI ? &c->pci[1] : NULL;
}

static bool has_mech(const struct irq_ctx *c, enum mech m)
{
	return (m != M_UIO || c->uio >= 0) &&
	       (m != M_VFIO || c->vfio_dev >= 0) &&
	       (m != M_PCI || c->pci[0].dev >= 0) &&
	       (m != M_PCI_MSI || c->pci[1].dev >= 0);
}

static int read_u64(int fd, uint64_t *v)
{
	return read(fd, v, 8) == 8 ? 0 : -errno;
}

/* Wait (or spin) until the interrupt; *@t1 is when the waiter ran again. */
static int wait_one(struct irq_ctx *c, enum mech m, uint64_t *t1)
{
	struct pci_edu *p = mech_pci(c, m);
	const uint32_t one = 1;
	uint64_t v, base;
	int32_t count;
	int ret;

	switch (m) {
	case M_IRQ:
	case M_IRQ_SYSCALL:
		c->armed = 1;
		ret = mmb_event_wait(c->efd, &v);
		*t1 = ns();
		if (!ret && v != c->last_event + 1)
			ret = -EPROTO;
		c->last_event = v;
		return ret;
	case M_EVENTFD:
		c->armed = 1;
		ret = read_u64(c->evfd, &v);
		*t1 = ns();
		return ret ? ret : v == 1 ? 0 : -EPROTO;
	case M_SPIN:
		base = __atomic_load_n(&c->page->irq_count, __ATOMIC_ACQUIRE);
		c->armed = 1;
		do
			v = __atomic_load_n(&c->page->irq_count, __ATOMIC_ACQUIRE);
		while (v == base && !c->stop);
		*t1 = ns();
		return v == base + 1 ? 0 : -EPROTO;
	case M_UIO:
		c->armed = 1;
		ret = read(c->uio, &count, 4) == 4 ? 0 : -errno;
		*t1 = ns();
		if (ret)
			return ret;
		if (c->last_uio >= 0 && count != c->last_uio + 1)
			ret = -EPROTO;
		c->last_uio = count;
		/*
		 * Acknowledge the device, then unmask INTx again, which
		 * uio_pci_generic masked in its handler.
		 */
		c->uio_regs[EDU_IRQ_ACK] = c->uio_regs[EDU_IRQ_STATUS];
		if (pwrite(c->uio_config, &c->uio_cmd_high, 1, 5) != 1)
			ret = -errno;
		return ret;
	case M_VFIO:
		c->armed = 1;
		ret = read_u64(c->vfio_efd, &v);
		*t1 = ns();
		if (ret)
			return ret;
		c->vfio_regs[EDU_IRQ_ACK] = c->vfio_regs[EDU_IRQ_STATUS];
		c->ack_ns = ns() - *t1;
		return v == 1 ? 0 : -EPROTO;
	case M_PCI:
	case M_PCI_MSI:
		c->armed = 1;
		ret = mmb_event_wait(p->efd, &v);
		*t1 = ns();
		if (ret)
			return ret;
		if (v != p->last_event + 1)
			ret = -EPROTO;
		p->last_event = v;
		/*
		 * Acknowledge the device, then (INTx) enable delivery, which
		 * unmasks the line mmb_pci masked in its handler: uio_wake's
		 * work, with a write of 1 to the event fd for its config
		 * space write.
		 */
		p->regs[EDU_IRQ_ACK] = p->regs[EDU_IRQ_STATUS];
		if (p->intx && write(p->efd, &one, 4) != 4)
			ret = -errno;
		return ret;
	default:
		return -EINVAL;
	}
}

static void *waiter(void *arg)
{
	struct irq_ctx *c = arg;
	struct cmd cmd;
	uint64_t t1;
	int i, ret;

	pin_cpu(0, WAITER_CPU);
	__atomic_store_n(&c->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	while (read(c->to_waiter[0], &cmd, sizeof(cmd)) == sizeof(cmd)) {
		for (i = 0; i < cmd.n; i++) {
			t1 = 0;
			ret = wait_one(c, cmd.m, &t1);
			if (ret) {
				c->error = ret == -EPROTO ?
					"a wake-up that was not exactly one new interrupt" :
					strerror(-ret);
				t1 = 0;
			}
			c->t1 = t1;
			__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
			syscall(SYS_futex, &c->seq, FUTEX_WAKE_PRIVATE, 1, NULL,
				NULL, 0);
		}
	}
	return NULL;
}

/* The waiter's scheduler state: 'S' while it sleeps in a read(). */
static char waiter_state(struct irq_ctx *c)
{
	char buf[512], *p;
	ssize_t n = pread(c->stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Sleep until the waiter completed sample @seq (it wakes this futex). */
static int wait_done(struct irq_ctx *c, unsigned int seq)
{
	const struct timespec to = { 0, 100000000 };
	uint64_t start = ns();
	unsigned int now;

	while ((now = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE)) != seq) {
		if (ns() - start > WAKE_TIMEOUT_MS * 1000000ULL) {
			c->error = "no wake-up within 5 s";
			return -ETIMEDOUT;
		}
		syscall(SYS_futex, &c->seq, FUTEX_WAIT_PRIVATE, now, &to, NULL,
			0);
	}
	return c->error ? -EIO : 0;
}

/*
 * Return once the waiter waits for the next interrupt, asleep in its read()
 * (or spinning, for M_SPIN) for SETTLE_NS already.  The main thread spins
 * until it sees it asleep, which is harness work left out of the CPU cost
 * (*@spent), then sleeps SETTLE_NS itself, as an idle trigger would.
 */
static int wait_asleep(struct irq_ctx *c, enum mech m, uint64_t *spent)
{
	const struct timespec settle = { 0, SETTLE_NS };
	uint64_t start = ns(), now, looked = 0;
	int ret = 0;

	for (;;) {
		if (c->error) {
			ret = -EIO;
			break;
		}
		now = ns();
		if (now - start > WAKE_TIMEOUT_MS * 1000000ULL) {
			c->error = "the waiter never went to sleep";
			ret = -ETIMEDOUT;
			break;
		}
		if (!__atomic_load_n(&c->armed, __ATOMIC_ACQUIRE))
			continue;
		if (m == M_SPIN)
			break;
		/* A look at /proc every 10 us. */
		if (now - looked < 10000)
			continue;
		looked = now;
		if (waiter_state(c) == 'S')
			break;
	}
	*spent += ns() - start;
	if (!ret)
		nanosleep(&settle, NULL);
	return ret;
}

/*
 * Busy time of all CPUs so far, in seconds: their time since boot less
 * their idle time, which the tick-less idle code measures exactly (/proc/stat
 * shows it in 10 ms units).  Busy columns that the tick samples would miss
 * most of the short bursts of a wake-up on an otherwise idle CPU.
 */
static double busy_now(void)
{
	unsigned long long idle = 0, iowait = 0;
	long hz = sysconf(_SC_CLK_TCK), cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct timespec ts;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %*u %*u %*u %llu %llu", &idle, &iowait) != 2)
		idle = iowait = 0;
	fclose(f);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return cpus * (ts.tv_sec + ts.tv_nsec / 1e9) -
	       (double)(idle + iowait) / (hz > 0 ? hz : 100);
}

/* Per-CPU counts of interrupt @irq from /proc/interrupts. */
static int irq_counts(int irq, long counts[2])
{
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strtol(line, &p, 10) != irq || *p != ':')
			continue;
		counts[0] = strtol(p + 1, &p, 10);
		counts[1] = strtol(p, &p, 10);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int mech_irq(struct irq_ctx *c, enum mech m)
{
	const struct pci_edu *p = mech_pci(c, m);

	if (p)
		return p->irq;
	return m == M_UIO ? c->uio_irq : m == M_VFIO ? c->vfio_irq : c->edu_irq;
}

static int set_affinity(int irq, int cpu)
{
	char path[64];
	int fd, ret = 0;

	if (irq < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dprintf(fd, "%d\n", cpu) < 0)
		ret = -errno;
	if (fd >= 0 && close(fd))
		ret = -errno;
	if (ret)
		fprintf(stderr, "bench irq: %s: %s\n", path, strerror(-ret));
	return ret;
}

/* Every device's interrupt on @cpu. */
static int place_irqs(struct irq_ctx *c, int cpu)
{
	if (c->cur_cpu == cpu)
		return 0;
	if (set_affinity(c->edu_irq, cpu) || set_affinity(c->uio_irq, cpu) ||
	    set_affinity(c->vfio_irq, cpu) ||
	    (c->pci[0].dev >= 0 && set_affinity(c->pci[0].irq, cpu)) ||
	    (c->pci[1].dev >= 0 && set_affinity(c->pci[1].irq, cpu)))
		return -EIO;
	c->cur_cpu = cpu;
	return 0;
}

/* Forget events that earlier chunks of other variants left behind. */
static void drain(struct irq_ctx *c, enum mech m)
{
	struct pci_edu *p = mech_pci(c, m);
	int fd = p ? p->efd : m == M_EVENTFD ? c->evfd :
		 m == M_IRQ || m == M_IRQ_SYSCALL ? c->efd : -1;
	int fl;
	uint64_t v;

	if (fd < 0)
		return;
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (read(fd, &v, 8) == 8)
		if (fd == c->efd)
			c->last_event = v;
		else if (p)
			p->last_event = v;
	fcntl(fd, F_SETFL, fl);
}

static void trigger(struct irq_ctx *c, enum mech m)
{
	switch (m) {
	case M_IRQ:
	case M_EVENTFD:
	case M_SPIN:
		c->edu_regs[EDU_IRQ_RAISE] = 1;
		break;
	case M_UIO:
		c->uio_regs[EDU_IRQ_RAISE] = 1;
		break;
	case M_VFIO:
		c->vfio_regs[EDU_IRQ_RAISE] = 1;
		break;
	case M_PCI:
	case M_PCI_MSI:
		mech_pci(c, m)->regs[EDU_IRQ_RAISE] = 1;
		break;
	case M_IRQ_SYSCALL:
		if (mmb_irq_raise_nowait(c->dev))
			c->error = "MMB_IOC_IRQ_TRIGGER";
		break;
	default:
		break;
	}
}

static int find_variant(const char *name);

/* WARMUP + CHUNK samples of variant @v in repeat @r. */
static int run_chunk(struct irq_ctx *c, int v, int r)
{
	const struct variant *var = &variants[v];
	int cpu = var->remote ? TRIGGER_CPU : WAITER_CPU;
	struct cmd cmd = { var->m, WARMUP + CHUNK };
	double busy0 = 0;
	uint64_t spent = 0;
	long before[2] = { 0 }, after[2] = { 0 };
	int irq = mech_irq(c, var->m), i, ret;
	unsigned int seq = c->seq;
	uint64_t t0, t1, t2;

	ret = place_irqs(c, cpu);
	if (!ret && var->fifo)
		ret = set_fifo(c->tid, true);
	if (ret)
		return ret;
	drain(c, var->m);
	if (write(c->to_waiter[1], &cmd, sizeof(cmd)) != sizeof(cmd))
		return -EIO;
	for (i = 0; i < cmd.n; i++) {
		if (i == WARMUP) {
			if (irq_counts(irq, before)) {
				c->error = "an interrupt missing in /proc/interrupts";
				return -EIO;
			}
			busy0 = busy_now();
			spent = 0;
		}
		ret = wait_asleep(c, var->m, &spent);
		if (ret)
			return ret;
		c->armed = 0;
		t0 = ns();
		trigger(c, var->m);
		t2 = ns();
		ret = wait_done(c, ++seq);
		if (ret)
			return ret;
		t1 = c->t1;
		if (c->error || t1 < t0)
			return -EIO;
		if (i < WARMUP)
			continue;
		lat[v][r][nlat[v][r]++] = (t1 - t0) / 1000.0;
		if (var->m == M_IRQ_SYSCALL)
			sys_us[r][nsys[r]++] = (t2 - t0) / 1000.0;
		if (v == find_variant("vfio_wake"))
			ack_us[r][nack[r]++] = c->ack_ns / 1000.0;
	}
	/* The main thread's spinning until the waiter slept is no part. */
	busy0 = busy_now() - busy0 - spent / 1e9;

	if (var->fifo && set_fifo(c->tid, false))
		return -EIO;
	busy[v][r] += busy0;
	nevents[v][r] += CHUNK;
	if (irq_counts(irq, after)) {
		c->error = "an interrupt missing in /proc/interrupts";
		return -EIO;
	}
	/* Every interrupt of the chunk, each on @cpu. */
	c->misplaced += after[!cpu] - before[!cpu];
	if (after[0] + after[1] - before[0] - before[1] != CHUNK) {
		fprintf(stderr, "bench irq: %s: %ld interrupts for %d samples\n",
			var->name, after[0] + after[1] - before[0] - before[1],
			CHUNK);
		c->error = "an interrupt count that does not match";
		return -EIO;
	}
	return 0;
}

/*
 * One load's chunks in repeat @r: the variants of that load, in groups by
 * placement; the groups alternate, the variants rotate from chunk to chunk,
 * and a variant with fewer samples drops out once it has them.
 */
static int run_load(struct irq_ctx *c, enum bench_load load, int r,
		    struct bench_out *out, int *done, int total)
{
	int group[2][NV], ngroup[2] = { 0 }, gl[2], ng = 0, chunks = 0;
	int s, j, g, ret;
	size_t v;

	for (v = 0; v < NV; v++) {
		if (variants[v].load != load || !has_mech(c, variants[v].m))
			continue;
		g = variants[v].remote;
		group[g][ngroup[g]++] = v;
		if (variants[v].per_repeat / CHUNK > chunks)
			chunks = variants[v].per_repeat / CHUNK;
	}
	for (g = 0; g < 2; g++)
		if (ngroup[g])
			gl[ng++] = g;
	for (s = 0; s < chunks * ng; s++) {
		int gi = gl[(s + r) % ng], n = ngroup[gi];
		int k0 = (r + s / ng) % n;

		for (j = 0; j < n; j++) {
			int w = group[gi][(k0 + j) % n];

			if (s / ng >= variants[w].per_repeat / CHUNK)
				continue;
			ret = run_chunk(c, w, r);
			if (ret)
				return ret;
			*done += CHUNK;
			bench_progress(out, "irq", *done * 100LL / total);
		}
	}
	return 0;
}

static int start_load(struct bench_loadgen *g, enum bench_load load)
{
	int i, ret;

	ret = bench_load_start(g, load);
	if (ret)
		return ret;
	/* The load inherited the main thread's CPU: one hog per CPU. */
	for (i = 0; i < g->n; i++)
		pin_cpu(g->pid[i], load == BENCH_HOG ? i : -1);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; sorts @v. */
static double percentile(double *v, int n, double p)
{
	int i;

	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (int)(p * n + 0.999999) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static int find_variant(const char *name)
{
	size_t v;

	for (v = 0; v < NV; v++)
		if (!strcmp(variants[v].name, name))
			return v;
	return -1;
}

/* Per-repeat percentile @p of variant @name into @out[REPEATS]. */
static bool pct(const char *name, double p, double *out)
{
	int v = find_variant(name), r;

	if (v < 0 || !nlat[v][0])
		return false;
	for (r = 0; r < REPEATS; r++)
		out[r] = percentile(lat[v][r], nlat[v][r], p);
	return true;
}

static void report(struct irq_ctx *c, struct bench_out *out)
{
	static const struct {
		const char *suffix;
		double p;
	} pcts[] = { { "p50", 0.50 }, { "p99", 0.99 }, { "p999", 0.999 } };
	double a[REPEATS], b[REPEATS], med[REPEATS];
	char name[64];
	size_t v, k;
	int r;

	for (v = 0; v < NV; v++) {
		if (!nlat[v][0])
			continue;
		for (k = 0; k < 3; k++) {
			if (variants[v].load != BENCH_IDLE && k == 2)
				continue;
			pct(variants[v].name, pcts[k].p, a);
			snprintf(name, sizeof(name), "%s_%s_us", variants[v].name,
				 pcts[k].suffix);
			bench_samples(out, name, a, REPEATS);
		}
		if (variants[v].load != BENCH_IDLE)
			continue;
		for (r = 0; r < REPEATS; r++)
			a[r] = busy[v][r] * 1e6 / nevents[v][r];
		snprintf(name, sizeof(name), "%s_cpu_us_per_event",
			 variants[v].name);
		bench_samples(out, name, a, REPEATS);
	}
	for (r = 0; r < REPEATS; r++)
		med[r] = bench_median(sys_us[r], nsys[r]);
	bench_samples(out, "irq_trigger_syscall_us", med, REPEATS);
	if (nack[0]) {
		for (r = 0; r < REPEATS; r++)
			med[r] = bench_median(ack_us[r], nack[r]);
		bench_samples(out, "edu_status_ack_us", med, REPEATS);
	}
	bench_figure(out, "irq_misplaced_interrupts", c->misplaced);
	/* 1: vfio-pci's figures are with a real IOMMU group (type 1). */
	if (c->vfio_dev >= 0)
		bench_figure(out, "irq_vfio_type1_iommu", c->vfio_iommu);

	if (pct("irq_wake", 0.5, a) && pct("vfio_wake", 0.5, b))
		bench_ratio(out, "ratio_irq_wake_vs_vfio_p50", a, b, REPEATS);
	if (pct("irq_wake", 0.999, a) && pct("vfio_wake", 0.999, b))
		bench_ratio(out, "ratio_irq_wake_vs_vfio_p999", a, b, REPEATS);
	if (pct("spin_wake", 0.5, a) && pct("uio_wake", 0.5, b))
		bench_ratio(out, "ratio_spin_wake_vs_uio_p50", a, b, REPEATS);
	if (pct("irq_wake_hog", 0.99, a) && pct("irq_wake", 0.99, b))
		bench_ratio(out, "ratio_irq_wake_hog_vs_idle_p99", a, b,
			    REPEATS);
	if (pct("irq_wake", 0.5, a) && pct("uio_wake", 0.5, b))
		bench_ratio(out, "ratio_irq_wake_vs_uio_p50", a, b, REPEATS);
	if (pct("irq_wake", 0.99, a) && pct("uio_wake", 0.99, b))
		bench_ratio(out, "ratio_irq_wake_vs_uio_p99", a, b, REPEATS);
	/* mmb_pci against the kernel's drivers, same interrupt kind. */
	if (pct("pci_wake", 0.5, a) && pct("uio_wake", 0.5, b))
		bench_ratio(out, "ratio_pci_wake_vs_uio_p50", a, b, REPEATS);
	if (pct("pci_wake_msi", 0.5, a) && pct("vfio_wake", 0.5, b))
		bench_ratio(out, "ratio_pci_wake_msi_vs_vfio_p50", a, b,
			    REPEATS);

	/* The load sweep: x 1 idle, 2 cpu_hog, 3 memory. */
	for (k = 0; k < 3; k++) {
		static const char *const series[] = { "irq_wake", "vfio_wake",
						      "uio_wake" };
		static const char *const sfx[] = { "", "_hog", "_memory" };
		int l, q;

		for (q = 0; q < 2; q++) {
			char s[32];

			snprintf(s, sizeof(s), "%s_%s", series[k],
				 q ? "p99" : "p50");
			for (l = 0; l < 3; l++) {
				snprintf(name, sizeof(name), "%s%s", series[k],
					 sfx[l]);
				if (pct(name, q ? 0.99 : 0.5, a))
					bench_point(out, "irq_load",
						    "load: 1 idle, 2 hog, 3 mem",
						    "us", s, l + 1, a, REPEATS);
			}
		}
	}
}

/* The PCI device directory of a /sys path (its "device" link). */
static int first_msi_irq(const char *pcidir)
{
	char path[320];
	struct dirent *e;
	DIR *d;
	int irq = -1;

	snprintf(path, sizeof(path), "%s/msi_irqs", pcidir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
			irq = atoi(e->d_name);
			break;
		}
	closedir(d);
	return irq;
}

static int read_int_file(const char *path, int base)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, base);
}

static bool is_edu(const char *pcidir)
{
	char p[320];

	snprintf(p, sizeof(p), "%s/vendor", pcidir);
	if (read_int_file(p, 16) != EDU_VENDOR)
		return false;
	snprintf(p, sizeof(p), "%s/device", pcidir);
	return read_int_file(p, 16) == EDU_DEVICE;
}

/* The registers of a PCI device through its sysfs resource0, or NULL. */
static volatile uint32_t *map_resource0(const char *pcidir)
{
	char path[320];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource0", pcidir);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench irq: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, EDU_REGS_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "bench irq: mmap %s: %s%s\n", path,
			strerror(errno),
			errno == EINVAL ?
			" (a region a driver claimed is exclusive with CONFIG_IO_STRICT_DEVMEM unless the kernel runs with iomem=relaxed)" :
			"");
		return NULL;
	}
	return p;
}

/*
 * The first UIO device that is an edu; fills @path (/dev/uioN) and @dir
 * (its PCI device in sysfs).
 */
static int find_uio_edu(char *path, size_t psize, char *dir, size_t dsize)
{
	DIR *d = opendir("/sys/class/uio");
	struct dirent *e;
	int found = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "uio", 3))
			continue;
		snprintf(dir, dsize, "/sys/class/uio/%.32s/device", e->d_name);
		if (!is_edu(dir))
			continue;
		snprintf(path, psize, "/dev/%.32s", e->d_name);
		found = 0;
		break;
	}
	closedir(d);
	return found;
}

static int open_uio(struct irq_ctx *c)
{
	char path[300], dir[300], config[320], irqf[320];

	if (find_uio_edu(path, sizeof(path), dir, sizeof(dir))) {
		fprintf(stderr,
			"bench irq: no edu device bound to uio_pci_generic; UIO figures left out\n");
		return 0;
	}
	snprintf(config, sizeof(config), "%s/config", dir);
	snprintf(irqf, sizeof(irqf), "%s/irq", dir);
	c->uio = open(path, O_RDWR | O_CLOEXEC);
	c->uio_config = open(config, O_RDWR | O_CLOEXEC);
	if (c->uio < 0 || c->uio_config < 0) {
		fprintf(stderr, "bench irq: %s: %s\n",
			c->uio < 0 ? path : config, strerror(errno));
		return -errno;
	}
	c->uio_irq = read_int_file(irqf, 10);
	if (pread(c->uio_config, &c->uio_cmd_high, 1, 5) != 1) {
		fprintf(stderr, "bench irq: %s: %s\n", config, strerror(errno));
		return -errno;
	}
	c->uio_cmd_high &= ~0x4;	/* PCI_COMMAND_INTX_DISABLE >> 8 */
	c->uio_regs = map_resource0(dir);
	if (!c->uio_regs || c->uio_irq <= 0)
		return -EIO;
	/* Start clean: nothing pending, INTx unmasked. */
	c->uio_regs[EDU_IRQ_ACK] = c->uio_regs[EDU_IRQ_STATUS];
	if (pwrite(c->uio_config, &c->uio_cmd_high, 1, 5) != 1) {
		fprintf(stderr, "bench irq: enabling %s's interrupt: %s\n",
			path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The first edu bound to vfio-pci: its address into @bdf. */
static int find_vfio_edu(char *bdf, size_t size)
{
	const char *drv = "/sys/bus/pci/drivers/vfio-pci";
	DIR *d = opendir(drv);
	struct dirent *e;
	int found = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		char dir[320];

		if (!strchr(e->d_name, ':'))
			continue;
		snprintf(dir, sizeof(dir), "%s/%.32s", drv, e->d_name);
		if (!is_edu(dir))
			continue;
		snprintf(bdf, size, "%.32s", e->d_name);
		found = 0;
		break;
	}
	closedir(d);
	return found;
}

static int vfio_fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "bench irq: vfio: %s: %s\n", what, strerror(err));
	return err ? -err : -EIO;
}

/*
 * vfio-pci: container, group, device, BAR0 mapped, bus mastering on (MSI
 * is a memory write of the device), one MSI vector signalled to an
 * eventfd.  Behind an IOMMU (the IOMMU lane: MMB_IOMMU=1 make bench) the
 * group is a real one with type 1 translation; without one, vfio's
 * no-IOMMU mode.  No DMA is mapped: the device only raises interrupts.
 */
static int open_vfio(struct irq_ctx *c)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info bar = { .argsz = sizeof(bar) };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	char bdf[64], link[352], target[320], group[64], dir[320], *name;
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	unsigned long type = VFIO_TYPE1v2_IOMMU;
	uint16_t cmd;
	ssize_t n;
	void *p;

	if (find_vfio_edu(bdf, sizeof(bdf))) {
		fprintf(stderr,
			"bench irq: no edu device bound to vfio-pci; vfio figures left out\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", bdf);
	snprintf(link, sizeof(link), "%s/iommu_group", dir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return vfio_fail(link);
	target[n] = 0;
	name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	snprintf(group, sizeof(group), "/dev/vfio/%.16s", name);
	if (access(group, F_OK)) {
		snprintf(group, sizeof(group), "/dev/vfio/noiommu-%.16s", name);
		type = VFIO_NOIOMMU_IOMMU;
	}

	c->vfio_container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->vfio_container < 0)
		return vfio_fail("/dev/vfio/vfio");
	if (ioctl(c->vfio_container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(c->vfio_container, VFIO_CHECK_EXTENSION, type) != 1)
		return vfio_fail(type == VFIO_NOIOMMU_IOMMU ?
				 "no no-IOMMU extension" : "no type 1 IOMMU");
	c->vfio_iommu = type == VFIO_TYPE1v2_IOMMU;
	c->vfio_group = open(group, O_RDWR | O_CLOEXEC);
	if (c->vfio_group < 0)
		return vfio_fail(group);
	if (ioctl(c->vfio_group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return vfio_fail("group not viable");
	if (ioctl(c->vfio_group, VFIO_GROUP_SET_CONTAINER, &c->vfio_container))
		return vfio_fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(c->vfio_container, VFIO_SET_IOMMU, type))
		return vfio_fail("VFIO_SET_IOMMU");
	c->vfio_dev = ioctl(c->vfio_group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (c->vfio_dev < 0)
		return vfio_fail("VFIO_GROUP_GET_DEVICE_FD");

	bar.index = VFIO_PCI_BAR0_REGION_INDEX;
	cfg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(c->vfio_dev, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    ioctl(c->vfio_dev, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return vfio_fail("VFIO_DEVICE_GET_REGION_INFO");
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    bar.size < EDU_REGS_LEN) {
		errno = ENOTSUP;
		return vfio_fail("BAR0 cannot be mapped");
	}
	p = mmap(NULL, EDU_REGS_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c->vfio_dev, bar.offset);
	if (p == MAP_FAILED)
		return vfio_fail("mmap BAR0");
	c->vfio_regs = p;
	if (pread(c->vfio_dev, &cmd, 2, cfg.offset + 4) != 2)
		return vfio_fail("reading the command register");
	cmd |= 0x6;			/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	if (pwrite(c->vfio_dev, &cmd, 2, cfg.offset + 4) != 2)
		return vfio_fail("enabling bus mastering");

	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	if (ioctl(c->vfio_dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count < 1 ||
	    !(ii.flags & VFIO_IRQ_INFO_EVENTFD))
		return vfio_fail("no MSI");
	c->vfio_efd = eventfd(0, EFD_CLOEXEC);
	if (c->vfio_efd < 0)
		return vfio_fail("eventfd");
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &c->vfio_efd, sizeof(int32_t));
	if (ioctl(c->vfio_dev, VFIO_DEVICE_SET_IRQS, set))
		return vfio_fail("VFIO_DEVICE_SET_IRQS");
	c->vfio_irq = first_msi_irq(dir);
	if (c->vfio_irq < 0) {
		errno = ENOENT;
		return vfio_fail("its MSI's irq number");
	}
	c->vfio_regs[EDU_IRQ_ACK] = c->vfio_regs[EDU_IRQ_STATUS];
	return 0;
}

static void close_vfio(struct irq_ctx *c)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};

	if (c->vfio_dev >= 0)
		ioctl(c->vfio_dev, VFIO_DEVICE_SET_IRQS, &set);
	if (c->vfio_regs)
		munmap((void *)c->vfio_regs, EDU_REGS_LEN);
	if (c->vfio_efd >= 0)
		close(c->vfio_efd);
	if (c->vfio_dev >= 0)
		close(c->vfio_dev);
	if (c->vfio_group >= 0)
		close(c->vfio_group);
	if (c->vfio_container >= 0)
		close(c->vfio_container);
	c->vfio_dev = -1;
}

static void close_pci(struct irq_ctx *c)
{
	struct pci_edu *p;

	for (p = c->pci; p < c->pci + 2; p++) {
		if (p->regs)
			mmb_region_unmap((void *)p->regs, EDU_REGS_LEN);
		if (p->efd >= 0)
			close(p->efd);
		if (p->dev >= 0)
			close(p->dev);
		*p = (struct pci_edu){ .dev = -1, .efd = -1 };
	}
}

/*
 * An edu that mmb_pci drives as pciN: its event fd, BAR0 (region 0,
 * CAP_SYS_RAWIO) mapped, nothing pending and (INTx) the line unmasked.
 */
static int open_pci_edu(struct pci_edu *p, const char *name,
			const char *pcidir, bool intx)
{
	const uint32_t one = 1;
	char irqf[340];

	p->intx = intx;
	if (intx) {
		snprintf(irqf, sizeof(irqf), "%s/irq", pcidir);
		p->irq = read_int_file(irqf, 10);
	} else {
		p->irq = first_msi_irq(pcidir);
	}
	p->dev = mmb_open(name, 0);
	if (p->dev < 0) {
		fprintf(stderr, "bench irq: %s: %s\n", name, strerror(-p->dev));
		return p->dev;
	}
	p->efd = mmb_event_open(p->dev, MMB_EVENT_CLOEXEC);
	p->regs = mmb_region_map_at(p->dev, 0, MMB_FAULT_SIGBUS, 0,
				    EDU_REGS_LEN);
	if (p->efd < 0 || !p->regs || p->irq <= 0) {
		fprintf(stderr, "bench irq: %s: %s\n", name,
			p->efd < 0 ? "no event fd" :
			!p->regs ? "BAR0 cannot be mapped" : "no interrupt");
		return -EIO;
	}
	p->regs[EDU_IRQ_ACK] = p->regs[EDU_IRQ_STATUS];
	if (intx && write(p->efd, &one, 4) != 4)
		return -errno;
	return 0;
}

/*
 * The edus bound to mmb_pci: the first with INTx into c->pci[0], the first
 * with MSI into c->pci[1] (vm/init binds one of each).
 */
static int open_pci(struct irq_ctx *c)
{
	DIR *d = opendir("/sys/class/mmbridge");
	char dir[320];
	struct dirent *e;
	struct pci_edu *p;
	int ret = 0;
	bool intx;

	if (!d)
		return 0;
	while (!ret && (e = readdir(d))) {
		if (strncmp(e->d_name, "pci", 3))
			continue;
		snprintf(dir, sizeof(dir), "/sys/class/mmbridge/%.32s/device",
			 e->d_name);
		if (!is_edu(dir))
			continue;
		intx = first_msi_irq(dir) < 0;
		p = &c->pci[!intx];
		if (p->dev < 0)
			ret = open_pci_edu(p, e->d_name, dir, intx);
	}
	closedir(d);
	if (!ret && c->pci[0].dev < 0)
		fprintf(stderr,
			"bench irq: no edu bound to mmb_pci with INTx; pci_wake left out\n");
	if (!ret && c->pci[1].dev < 0)
		fprintf(stderr,
			"bench irq: no edu bound to mmb_pci with MSI; pci_wake_msi left out\n");
	return ret;
}

static int open_edu0(struct irq_ctx *c)
{
	const char *dir = "/sys/class/mmbridge/edu0/device";

	c->efd = mmb_event_open(c->dev, MMB_EVENT_CLOEXEC);
	c->evfd = eventfd(0, EFD_CLOEXEC);
	c->page = mmb_counters_map(c->dev);
	if (c->efd < 0 || c->evfd < 0 || !c->page ||
	    mmb_eventfd(c->dev, c->evfd)) {
		fprintf(stderr, "bench irq: edu0 setup failed\n");
		return -EIO;
	}
	c->edu_irq = first_msi_irq(dir);
	if (c->edu_irq < 0) {
		fprintf(stderr, "bench irq: no MSI under %s\n", dir);
		return -EIO;
	}
	c->edu_regs = map_resource0(dir);
	if (!c->edu_regs)
		return -EIO;
	return 0;
}

static void close_all(struct irq_ctx *c)
{
	close_pci(c);
	close_vfio(c);
	if (c->uio_regs)
		munmap((void *)c->uio_regs, EDU_REGS_LEN);
	if (c->uio_config >= 0)
		close(c->uio_config);
	if (c->uio >= 0)
		close(c->uio);
	if (c->edu_regs)
		munmap((void *)c->edu_regs, EDU_REGS_LEN);
	mmb_eventfd(c->dev, -1);
	if (c->page)
		mmb_counters_unmap(c->page);
	if (c->evfd >= 0)
		close(c->evfd);
	if (c->efd >= 0)
		close(c->efd);
	if (c->stat_fd >= 0)
		close(c->stat_fd);
	close(c->dev);
}

static int run_all(struct irq_ctx *c, struct bench_out *out)
{
	int done = 0, total = 0, r, l, ret;
	double start = bench_now(), took[BENCH_NLOADS] = { 0 };
	size_t v;

	for (v = 0; v < NV; v++)
		if (has_mech(c, variants[v].m))
			total += REPEATS * variants[v].per_repeat;
	for (r = 0; r < REPEATS; r++) {
		for (l = 0; l < BENCH_NLOADS; l++) {
			enum bench_load load = (l + r) % BENCH_NLOADS;
			struct bench_loadgen g;
			double t = bench_now();

			ret = start_load(&g, load);
			if (ret) {
				fprintf(stderr, "bench irq: load %s: %s\n",
					bench_load_name[load], strerror(-ret));
				return ret;
			}
			ret = run_load(c, load, r, out, &done, total);
			bench_load_stop(&g);
			if (ret)
				return ret;
			took[load] += bench_now() - t;
		}
	}
	fprintf(stderr,
		"bench irq: %d samples in %.0f s (idle %.0f s, cpu_hog %.0f s, memory %.0f s)\n",
		done, bench_now() - start, took[BENCH_IDLE], took[BENCH_HOG],
		took[BENCH_MEMORY]);
	return 0;
}

int bench_irq(struct bench_out *out)
{
	struct irq_ctx c = {
		.efd = -1, .evfd = -1, .uio = -1, .uio_config = -1,
		.uio_irq = -1, .last_uio = -1, .vfio_container = -1,
		.vfio_group = -1, .vfio_dev = -1, .vfio_efd = -1,
		.vfio_irq = -1, .stat_fd = -1, .cur_cpu = -1,
		.pci = { { .dev = -1, .efd = -1 }, { .dev = -1, .efd = -1 } },
	};
	char path[64];
	pthread_t th;
	int slack, i, ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "bench irq: needs 2 CPUs; section skipped\n");
		return 0;
	}
	c.dev = mmb_open("edu0", 0);
	if (c.dev < 0) {
		fprintf(stderr, "bench irq: no edu0 (%s); section skipped\n",
			strerror(-c.dev));
		return 0;
	}
	ret = open_edu0(&c);
	if (ret) {
		fprintf(stderr,
			"bench irq: edu0's interrupt cannot be raised with a store; section skipped\n");
		close_all(&c);
		return 0;
	}
	ret = open_uio(&c);
	if (!ret && open_vfio(&c)) {
		fprintf(stderr, "bench irq: vfio figures left out\n");
		close_vfio(&c);
	}
	if (!ret && open_pci(&c)) {
		fprintf(stderr, "bench irq: mmb_pci figures left out\n");
		close_pci(&c);
	}
	if (ret || pipe2(c.to_waiter, O_CLOEXEC)) {
		close_all(&c);
		return ret ? ret : -errno;
	}

	/* The settle sleeps as short as asked (the default slack is 50 us). */
	slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
	pin_cpu(0, TRIGGER_CPU);
	if (pthread_create(&th, NULL, waiter, &c)) {
		fprintf(stderr, "bench irq: no thread\n");
		close_all(&c);
		return -EIO;
	}
	/*
	 * The main thread only triggers and takes t0 just before: SCHED_FIFO
	 * keeps a CPU hog from stretching the run, not the figures.
	 */
	if (set_fifo(0, true))
		fprintf(stderr, "bench irq: no SCHED_FIFO for the trigger: %s\n",
			strerror(errno));
	for (i = 0; i < 5000 && !__atomic_load_n(&c.tid, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ret = c.tid ? 0 : -ETIMEDOUT;
	if (!ret) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
			 (int)c.tid);
		c.stat_fd = open(path, O_RDONLY | O_CLOEXEC);
		ret = c.stat_fd < 0 ? -errno : run_all(&c, out);
	}
	if (ret) {
		fprintf(stderr, "bench irq: %s\n",
			c.error ? c.error : strerror(-ret));
		c.stop = 1;
		pthread_cancel(th);
	}
	close(c.to_waiter[1]);
	pthread_join(th, NULL);
	pin_cpu(0, -1);
	set_fifo(0, false);
	if (slack > 0)
		prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0);
	if (!ret)
		report(&c, out);
	close_all(&c);
	close(c.to_waiter[0]);
	return ret;
}
