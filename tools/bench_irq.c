// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench irq: how soon a process runs after a device interrupt,
 * against the kernel's own UIO (uio_pci_generic) in the same run.
 *
 * Both sides are QEMU edu devices: edu0 driven by mmbridge (MSI), and a
 * second edu bound to uio_pci_generic (legacy INTx, the only kind that
 * driver handles).  For every sample a waiter thread on one CPU sleeps;
 * the main thread on the other CPU takes t0 and makes the device raise an
 * interrupt; the waiter takes t1 as soon as it runs again.  The latency is
 * t1 - t0:
 *   irq_wake      read() on an mmbridge event fd
 *   eventfd_wake  read() on an eventfd that mmbridge signals
 *   spin_wake     the waiter spins on the counter page (no sleep at all)
 *   uio_wake      read() on /dev/uioN
 * UIO's interrupt is raised by a store to the raise register through the
 * device's sysfs BAR mapping.  mmbridge owns edu0's BAR (the kernel does not
 * let user space map a BAR a driver has claimed), so its interrupt is raised
 * with MMB_IOC_IRQ_TRIGGER and MMB_IRQ_TRIGGER_NOWAIT: mmbridge's figures
 * include a system call that UIO's do not (irq_trigger_syscall_us).
 * Variants alternate in rounds; percentiles are over all samples.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mmbridge.h"

#define ROUNDS		8
#define PER_ROUND	100
#define SAMPLES		(ROUNDS * PER_ROUND)

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_IRQ_STATUS	(0x24 / 4)
#define EDU_IRQ_RAISE	(0x60 / 4)
#define EDU_IRQ_ACK	(0x64 / 4)

enum variant { V_IRQ, V_EVENTFD, V_SPIN, V_UIO, NVAR };

static const char *const var_name[NVAR] = {
	"irq_wake", "eventfd_wake", "spin_wake", "uio_wake",
};

struct irq_ctx {
	int dev;			/* edu0 */
	int efd;			/* mmbridge event fd */
	int evfd;			/* eventfd signalled by mmbridge */
	const struct mmb_counters *page;
	int uio;			/* /dev/uioN, or -1 */
	int uio_config;			/* its PCI config space */
	uint8_t uio_cmd_high;		/* command register, INTx enabled */
	volatile uint32_t *uio_regs;	/* its BAR0 */
	size_t uio_len;

	enum variant v;			/* what the waiter does */
	volatile int armed;		/* the waiter is about to sleep */
	int to_main[2];			/* waiter -> main: t1 */
	int to_waiter[2];		/* main -> waiter: next variant */
	const char *error;
};

static uint64_t ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Sleep (or spin) until the interrupt; *@t1 is when it ran again. */
static int wait_one(struct irq_ctx *c, uint64_t *t1)
{
	uint64_t v, base;
	int32_t uio_count;
	int ret = 0;

	switch (c->v) {
	case V_IRQ:
		ret = mmb_event_wait(c->efd, &v);
		break;
	case V_EVENTFD:
		ret = read(c->evfd, &v, 8) == 8 ? 0 : -errno;
		break;
	case V_SPIN:
		base = __atomic_load_n(&c->page->irq_count, __ATOMIC_RELAXED);
		c->armed = 1;
		while (__atomic_load_n(&c->page->irq_count, __ATOMIC_ACQUIRE) ==
		       base)
			;
		break;
	case V_UIO:
		ret = read(c->uio, &uio_count, 4) == 4 ? 0 : -errno;
		*t1 = ns();
		if (ret)
			return ret;
		/*
		 * Acknowledge the device, then unmask INTx again, which
		 * uio_pci_generic masked in its handler (the way of
		 * Documentation/driver-api/uio-howto.rst).
		 */
		c->uio_regs[EDU_IRQ_ACK] = c->uio_regs[EDU_IRQ_STATUS];
		return pwrite(c->uio_config, &c->uio_cmd_high, 1, 5) == 1 ?
			0 : -errno;
	default:
		return -EINVAL;
	}
	*t1 = ns();
	return ret;
}

static void *waiter(void *arg)
{
	struct irq_ctx *c = arg;
	int v, i;

	pin_cpu(1);
	while (read(c->to_waiter[0], &v, sizeof(v)) == sizeof(v)) {
		c->v = v;
		for (i = 0; i < PER_ROUND; i++) {
			uint64_t t1;

			if (c->v != V_SPIN)
				c->armed = 1;
			if (wait_one(c, &t1)) {
				c->error = var_name[c->v];
				t1 = 0;
			}
			/* UIO was acknowledged inside wait_one(), after t1. */
			if (write(c->to_main[1], &t1, sizeof(t1)) != sizeof(t1))
				return NULL;
		}
	}
	return NULL;
}

/* Make the device interrupt; returns t0. */
static uint64_t fire(struct irq_ctx *c, uint64_t *syscall_ns)
{
	uint64_t t0 = ns();

	if (c->v == V_UIO) {
		c->uio_regs[EDU_IRQ_RAISE] = 1;
	} else {
		if (mmb_irq_raise_nowait(c->dev))
			c->error = "trigger";
		*syscall_ns = ns() - t0;
	}
	return t0;
}

static int run_round(struct irq_ctx *c, int v, double *lat, int *n,
		     double *sys, int *nsys)
{
	const struct timespec settle = { 0, 1000000 };	/* 1 ms */
	uint64_t t0, t1, sc = 0;
	int i;

	c->v = v;
	if (write(c->to_waiter[1], &v, sizeof(v)) != sizeof(v))
		return -EIO;
	for (i = 0; i < PER_ROUND; i++) {
		while (!c->armed)
			sched_yield();
		/* Let the waiter get to sleep (or into its spin). */
		nanosleep(&settle, NULL);
		c->armed = 0;
		t0 = fire(c, &sc);
		if (read(c->to_main[0], &t1, sizeof(t1)) != sizeof(t1) || !t1)
			return -EIO;
		lat[(*n)++] = (t1 - t0) / 1000.0;
		if (v != V_UIO)
			sys[(*nsys)++] = sc / 1000.0;
	}
	return c->error ? -EIO : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(double *v, int n, double p)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_double);
	i = (int)(p * n + 0.999999) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
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
		char p[300], buf[32];
		unsigned int ven = 0, dev = 0;
		FILE *f;

		if (strncmp(e->d_name, "uio", 3))
			continue;
		snprintf(p, sizeof(p), "/sys/class/uio/%s/device/vendor",
			 e->d_name);
		f = fopen(p, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				ven = strtoul(buf, NULL, 0);
			fclose(f);
		}
		snprintf(p, sizeof(p), "/sys/class/uio/%s/device/device",
			 e->d_name);
		f = fopen(p, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				dev = strtoul(buf, NULL, 0);
			fclose(f);
		}
		if (ven != EDU_VENDOR || dev != EDU_DEVICE)
			continue;
		snprintf(path, psize, "/dev/%s", e->d_name);
		snprintf(dir, dsize, "/sys/class/uio/%s/device", e->d_name);
		found = 0;
		break;
	}
	closedir(d);
	return found;
}

static int open_uio(struct irq_ctx *c)
{
	char path[300], dir[300], bar[320], config[320];
	int bfd;

	c->uio = -1;
	if (find_uio_edu(path, sizeof(path), dir, sizeof(dir))) {
		fprintf(stderr,
			"bench irq: no edu device bound to uio_pci_generic; UIO figures left out\n");
		return 0;
	}
	snprintf(bar, sizeof(bar), "%s/resource0", dir);
	snprintf(config, sizeof(config), "%s/config", dir);
	c->uio = open(path, O_RDWR | O_CLOEXEC);
	c->uio_config = open(config, O_RDWR | O_CLOEXEC);
	bfd = open(bar, O_RDWR | O_SYNC | O_CLOEXEC);
	if (c->uio < 0 || c->uio_config < 0 || bfd < 0) {
		fprintf(stderr, "bench irq: %s: %s\n",
			c->uio < 0 ? path : c->uio_config < 0 ? config : bar,
			strerror(errno));
		return -errno;
	}
	if (pread(c->uio_config, &c->uio_cmd_high, 1, 5) != 1) {
		fprintf(stderr, "bench irq: %s: %s\n", config, strerror(errno));
		return -errno;
	}
	c->uio_cmd_high &= ~0x4;	/* PCI_COMMAND_INTX_DISABLE >> 8 */
	c->uio_len = 4096;
	c->uio_regs = mmap(NULL, c->uio_len, PROT_READ | PROT_WRITE,
			   MAP_SHARED, bfd, 0);
	close(bfd);
	if (c->uio_regs == MAP_FAILED) {
		fprintf(stderr, "bench irq: mmap %s: %s\n", bar,
			strerror(errno));
		return -errno;
	}
	/* Start clean: nothing pending, INTx unmasked. */
	c->uio_regs[EDU_IRQ_ACK] = c->uio_regs[EDU_IRQ_STATUS];
	if (pwrite(c->uio_config, &c->uio_cmd_high, 1, 5) != 1) {
		fprintf(stderr, "bench irq: enabling %s's interrupt: %s\n",
			path, strerror(errno));
		return -errno;
	}
	return 0;
}

int bench_irq(struct bench_out *out)
{
	static double lat[NVAR][SAMPLES], sys[SAMPLES * NVAR];
	int n[NVAR] = { 0 }, nsys = 0, r, k, ret;
	struct irq_ctx c = { .uio = -1 };
	double p50[NVAR], p99[NVAR];
	pthread_t th;
	int nvar;

	c.dev = mmb_open("edu0", 0);
	if (c.dev < 0) {
		fprintf(stderr, "bench irq: no edu0 (%s); section skipped\n",
			strerror(-c.dev));
		return 0;
	}
	c.efd = mmb_event_open(c.dev, MMB_EVENT_CLOEXEC);
	c.evfd = eventfd(0, EFD_CLOEXEC);
	c.page = mmb_counters_map(c.dev);
	if (c.efd < 0 || c.evfd < 0 || !c.page ||
	    mmb_eventfd(c.dev, c.evfd) || pipe(c.to_main) ||
	    pipe(c.to_waiter)) {
		fprintf(stderr, "bench irq: setup failed\n");
		return -EIO;
	}
	ret = open_uio(&c);
	if (ret)
		return ret;
	nvar = c.uio >= 0 ? NVAR : V_UIO;

	pin_cpu(0);
	if (pthread_create(&th, NULL, waiter, &c)) {
		fprintf(stderr, "bench irq: no thread\n");
		return -EIO;
	}
	/*
	 * The eventfd is signalled on every event, so it is drained before
	 * its own round; the event fd only returns counts it has not seen.
	 */
	for (r = 0; r < ROUNDS && !ret; r++) {
		for (k = 0; k < nvar && !ret; k++) {
			int v = (k + r) % nvar;
			uint64_t drain;

			if (v == V_EVENTFD) {
				int fl = fcntl(c.evfd, F_GETFL);

				fcntl(c.evfd, F_SETFL, fl | O_NONBLOCK);
				while (read(c.evfd, &drain, 8) == 8)
					;
				fcntl(c.evfd, F_SETFL, fl);
			}
			if (v == V_IRQ) {
				int fl = fcntl(c.efd, F_GETFL);

				fcntl(c.efd, F_SETFL, fl | O_NONBLOCK);
				while (mmb_event_wait(c.efd, &drain) == 0)
					;
				fcntl(c.efd, F_SETFL, fl);
			}
			ret = run_round(&c, v, lat[v], &n[v], sys, &nsys);
			bench_progress(out, "irq", (r * nvar + k + 1) * 100 /
				       (ROUNDS * nvar));
		}
	}
	close(c.to_waiter[1]);
	pthread_join(th, NULL);
	if (ret) {
		fprintf(stderr, "bench irq: %s failed\n",
			c.error ? c.error : "a round");
		return ret;
	}

	for (k = 0; k < nvar; k++) {
		char name[64];

		p50[k] = percentile(lat[k], n[k], 0.50);
		p99[k] = percentile(lat[k], n[k], 0.99);
		snprintf(name, sizeof(name), "%s_p50_us", var_name[k]);
		bench_figure(out, name, p50[k]);
		snprintf(name, sizeof(name), "%s_p99_us", var_name[k]);
		bench_figure(out, name, p99[k]);
	}
	bench_figure(out, "irq_trigger_syscall_us", percentile(sys, nsys, 0.5));
	if (nvar == NVAR) {
		bench_figure(out, "ratio_irq_wake_vs_uio_p50",
			     p50[V_IRQ] / p50[V_UIO]);
		bench_figure(out, "ratio_irq_wake_vs_uio_p99",
			     p99[V_IRQ] / p99[V_UIO]);
	}

	mmb_eventfd(c.dev, -1);
	if (c.uio >= 0) {
		munmap((void *)c.uio_regs, c.uio_len);
		close(c.uio_config);
		close(c.uio);
	}
	mmb_counters_unmap(c.page);
	close(c.evfd);
	close(c.efd);
	close(c.dev);
	return 0;
}
