/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-guest test harness: each case runs in its own child process with a
 * time limit and prints one TAP line named <area>/<case>.
 */
#ifndef MMB_TEST_HARNESS_H
#define MMB_TEST_HARNESS_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mmbridge.h"
#include "../lib/mmb_test.h"
#include "pattern.h"

/* The page size (sysconf), in the sizes and offsets of every area. */
#define PG mmb_page_size()

/*
 * T_HOST: the case printed "# HOSTCHECK <name> <args>" and its verdict is
 * given by the host after the guest has stopped.
 */
enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 2, T_HOST = 3 };

struct mmb_test {
	const char *name;	/* <area>/<case> */
	int (*fn)(void);
	unsigned int timeout_s;	/* 0: the default (120 s) */
};

int t_fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The message of the last t_fail() or t_skip(). */
const char *t_last_msg(void);

#define FAIL(...)	return t_fail(__LINE__, __VA_ARGS__)
#define SKIP(...)	return t_skip(__VA_ARGS__)

#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			FAIL(__VA_ARGS__);				\
	} while (0)

#define EXPECT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b)						\
			FAIL("%s is %lld, expected %lld (%s)", #a, _a, _b, #b); \
	} while (0)

/* @expr returns 0 / a count on success or -errno. */
#define EXPECT_OK(expr)							\
	do {								\
		long _r = (long)(expr);					\
		if (_r < 0)						\
			FAIL("%s failed: %s", #expr, strerror((int)-_r)); \
	} while (0)

#define EXPECT_ERR(expr, err)						\
	do {								\
		long _r = (long)(expr);					\
		if (_r != -(err))					\
			FAIL("%s returned %ld (%s), expected -%s", #expr, _r, \
			     _r < 0 ? strerror((int)-_r) : "success", #err); \
	} while (0)

/* ioctl(2) returning 0 or -errno. */
int xioctl(int fd, unsigned long cmd, void *arg);

/* Open /dev/mmbridge/<name>, or return -ENOENT if the device is absent. */
int dev_open(const char *name);

/*
 * The device the per-device cases run on: "soft0", or the device that
 * $MMB_DUT names (framework/foreign_device_suite runs them on the sample
 * driver's device).  dut_path() is its node, dut_sysfs() the path of its
 * sysfs attribute @attr (a static buffer each).  With another device
 * under test, dev_open() of any other device is -ENOENT once the case has
 * opened that one (its other devices are then absent), and before that
 * ends the case as skipped; dev_present() is false for them.  NEED_SOFT()
 * skips a case
 * that needs soft0 itself: its module parameters, its removal by
 * unbind, its own attributes.
 */
extern const char *mmb_dut;

/*
 * Removal: bind_dev(@name, false) takes the device away, by unbinding it
 * from its driver or, with removal_by_rmmod, by unloading the driver's
 * module (dev_module()); bind_dev(@name, true) brings it back.  Both wait
 * for the node.  device_bdf() is a PCI device's address.
 */
extern bool removal_by_rmmod;
int bind_dev(const char *name, bool bind);
const char *dev_module(const char *name);
bool module_loaded(const char *name);
int wait_node(const char *name, bool present);
int device_bdf(const char *name, char *bdf, size_t size);

/*
 * T_PASS when mmbridge can be reloaded with edu's test hooks (MMB_KO set,
 * edu0 and debugfs there), else the reason to skip.
 */
int edu_hooks_usable(void);

/* @fn(name) on soft0, then on ivshmem0 when it is there. */
int on_soft0_and_ivshmem0(int (*fn)(const char *name));

/* Removal cases that framework/unload_backend_with_users runs by rmmod. */
int region_remove_with_mappings(void);
int object_remove_with_objects(void);
bool dev_present(const char *name);
const char *dut_path(void);
const char *dut_sysfs(const char *attr);
#define NEED_SOFT()                                                      \
	do {                                                             \
		if (strcmp(mmb_dut, "soft0"))                            \
			SKIP("needs soft0 itself, not %s", mmb_dut);      \
	} while (0)

/* First line of a file into @buf without the newline; -errno on failure. */
int read_line(const char *path, char *buf, size_t size);
int write_str(const char *path, const char *s);

/* Whether the running kernel knows file system @fs (/proc/filesystems). */
bool kernel_has_fs(const char *fs);

/*
 * A cgroup @dir (under /sys/fs/cgroup) with the memory controller, cgroup2
 * mounted first if need be: T_PASS, T_FAIL, or T_SKIP without cgroup2.
 */
int memcg_prepare(const char *dir);

/*
 * Pass the fd @fd over the unix socket @sock (SCM_RIGHTS): 0 or -errno.
 * fd_recv() returns the received fd (close-on-exec) or -errno; @flags
 * for recvmsg(), such as MSG_DONTWAIT.
 */
int fd_send(int sock, int fd);
int fd_recv(int sock, int flags);

/*
 * The kernel log from now on: kmsg_open() gives a /dev/kmsg reader at its
 * end (-errno on failure); kmsg_splat() reads what was logged since and
 * returns 1 with the first line that reports a kernel bug (a SLUB poison
 * check, a BUG or WARNING, KASAN, an IOMMU fault) in @line, 0 when there
 * is none.
 */
/*
 * Have SLUB check every kmalloc cache now, free objects' poison included
 * (a write after kfree() shows as "Poison overwritten" in the kernel log).
 * Needs slub_debug; returns the number of caches checked or -errno.
 */
int slab_validate(void);
int kmsg_open(void);
int kmsg_splat(int fd, char *line, size_t size);
/*
 * The same, except that a message starting with @expected (the report of
 * the one IOMMU fault a case provokes on purpose) is not a bug: it is
 * counted in *@seen.
 */
int kmsg_splat_except(int fd, const char *expected, int *seen, char *line,
		      size_t size);
/* The same, reading for up to @ms until @expected has been seen once. */
int kmsg_wait_expected(int fd, const char *expected, int *seen, char *line,
		       size_t size, int ms);
/*
 * The verdict on one DMA of @len bytes into the page @page, which held
 * pattern @seed, from a source that held @seed + 1: @blocked (an IOMMU
 * stopped it), the page is unchanged and the kernel log (@kfd) reports the
 * fault (the line starting with @expected) exactly once within 5 s;
 * otherwise the first @len bytes are the source's and the rest unchanged.
 * T_PASS, or T_FAIL having said why.
 */
int dma_verdict(const uint8_t *page, size_t len, uint64_t seed, bool blocked,
		int kfd, const char *expected);

/*
 * tests/kio.c: Linux aio by its system calls.  kaio_read() submits one
 * read (IOCB_CMD_PREADV of @nr_vec iovecs at @buf when @nr_vec > 0) with
 * @data as its aio_data; kaio_reap() waits up to @timeout_ms for @min to
 * @max completions; kaio_cancel() is io_cancel(), 0 when the cancellation
 * is under way (EINPROGRESS).  Each returns -errno on failure.
 */
struct iocb;
struct io_event;
int kaio_setup(unsigned int nr, uint64_t *ctx);
void kaio_destroy(uint64_t ctx);
int kaio_read(uint64_t ctx, struct iocb *cb, int fd, const void *buf,
	      size_t len, int nr_vec, uint64_t off, uint64_t data);
int kaio_reap(uint64_t ctx, int min, int max, struct io_event *ev,
	      int timeout_ms);
int kaio_cancel(uint64_t ctx, struct iocb *cb);

/* Sum over CPUs of the /proc/interrupts line naming @action, or -1. */
long long proc_irq_count(const char *action);

/* Value of key=value in /proc/cmdline, or NULL. */
const char *cmdline_get(const char *key, char *buf, size_t size);

/* A numeric module parameter of mmbridge or of the driver whose prefix @name has, or -1. */
long long module_param(const char *name);

/* A counter of /proc/vmstat, exact (per-CPU deltas folded in), or -1. */
long long vmstat_get(const char *key);

/* The system's page-pin counters (nr_foll_pin_acquired/released). */
struct pins {
	long long acquired, released;
};
struct pins pins_now(void);

/*
 * Wait up to 5 s (deferred fputs, exiting processes) until every pin taken
 * since @p0 is released; *@p1 gets the last reading.  False on a leak.
 */
bool pins_settle(struct pins p0, struct pins *p1);

/*
 * Twice: a child runs @setup (0 when it holds its pins), then exits with
 * its files open, or is killed.  Afterwards exactly @pages pins were taken
 * and all of them released.  T_PASS or T_FAIL.
 */
int exit_and_kill_release(int (*setup)(void), long long pages);

/*
 * tests/stall.c: faults nobody resolves.  uffd_open() gives a userfaultfd
 * (-errno on failure), uffd_register() registers missing-page faults of a
 * range, uffd_wait_fault() waits until a fault waits on it (the fd must be
 * O_NONBLOCK), uffd_note_fault() starts a thread that writes one byte to
 * @note when that happens.  pin_cpu() binds the calling thread to @cpu.
 */
int uffd_open(int flags);
int uffd_register(int u, void *addr, size_t len);
int uffd_wait_fault(int u, int timeout_ms);
int uffd_note_fault(int uffd, int note);
int pin_cpu(int cpu);

/*
 * A FUSE file system at @dir served by a thread of the calling process
 * through a raw /dev/fuse: one regular file "f" of STALL_FUSE_SIZE bytes,
 * whose reads the server takes and never answers (it writes one byte to
 * @note at the first).  Returns the /dev/fuse fd or -errno.
 * fuse_available(): 0, or -ENOSYS on a kernel without FUSE.
 */
#define STALL_FUSE_SIZE	(1 << 20)
int fuse_stall_mount(const char *dir, int note);
int fuse_available(void);

/* DMA mappings mmbridge holds now, all devices (debugfs); -errno. */
long dma_mappings(void);

/* A private anonymous mapping, or NULL. */
void *map_anon(size_t len, int prot);

/*
 * Physical address of the page at @p (/proc/self/pagemap, which shows it
 * to CAP_SYS_ADMIN only), or 0 when it has none.
 */
uint64_t page_phys(const void *p);

/* The device's event count (MMB_IOC_INFO), UINT64_MAX on error. */
uint64_t dev_count(int fd);

/*
 * Run @fn for every present device with interrupts (soft0, edu0); the
 * first failure is the result, prefixed with the device's name.  SKIP when
 * none is present.
 */
int for_each_irq_dev(int (*fn)(const char *name));

/*
 * After a storm (fuzz, stress): the device named @name, if present, does
 * its basic jobs exactly, holds no objects or mappings, and its region is
 * live (restored).  T_PASS or T_FAIL.
 */
int dev_smoke(const char *name);

/*
 * mmbridge.ko is $MMB_KO; its drivers (mmb_drivers[]: mmb_soft.ko,
 * mmb_edu.ko, mmb_ivshmem.ko) are in the same directory.  $MMB_PARAMS
 * holds the parameters of all of them: soft_* are mmb_soft's, edu_*
 * mmb_edu's, ivshmem_* mmb_ivshmem's, the others mmbridge's.
 */
extern const char *const mmb_drivers[];

/*
 * rmmod the drivers and mmbridge (waiting a little for the last deferred
 * fputs), then load mmbridge and its drivers again with $MMB_PARAMS.  0, 1
 * when $MMB_KO is not set, or -errno.
 */
int module_reload(void);
/* The same with the module file @ko (another build of mmbridge). */
int module_load(const char *ko);
/* rmmod @name, waiting up to 5 s while it is in use; 0 if not loaded. */
int module_unload(const char *name);
/* rmmod the sample, the drivers and mmbridge; 0 or the first -errno. */
int module_unload_all(void);
/* finit_module() of the file @ko with @params; 0 or -errno. */
int module_insert(const char *ko, const char *params);
bool kmod_present(const char *name);
bool kmod_loadable(const char *name);
int kmod_load(const char *name);
/* Load driver @name from @ko's directory with its words of @params. */
int module_load_driver(const char *ko, const char *name, const char *params);

/*
 * Reload mmbridge with $MMB_PARAMS and @extra (more parameters), run @fn
 * in a child process, so that whatever it leaves open or mapped is gone
 * with it, then reload mmbridge with $MMB_PARAMS alone and wait for the
 * nodes of mmb.expect.  @fn's verdict and message; SKIP without $MMB_KO.
 */
int with_module_params(const char *extra, int (*fn)(void));

/* A thread that moves object @h of @fd between RAM and the pool until
 * @stop; @moves counts the moves done. */
struct mover {
	int fd;
	uint32_t h;
	atomic_bool stop;
	uint64_t moves;
};
void *mover_fn(void *arg);

/*
 * A consistent snapshot of counter page @pg into @snap, or the case fails:
 * a reader gives up after a bounded number of attempts instead of spinning
 * on a sequence count the kernel never completes.
 */
#define COUNTER_READ_TRIES (1UL << 22)
#define COUNTERS_READ(pg, snap)						\
	EXPECT(!mmb_counters_read_tries(pg, snap, COUNTER_READ_TRIES),	\
	       "counter page: no consistent snapshot in %lu reads (seq %u):" \
	       " an update never completed", COUNTER_READ_TRIES,	\
	       (pg)->seq)

uint64_t test_seed(void);

/*
 * The PCI command register of @bdf with the bits @set set and @clear
 * cleared (written back unless both are 0): its new value, or -errno.
 */
int pci_command(const char *bdf, uint16_t set, uint16_t clear);
/* The status register of PCI device @bdf: its value, or -errno. */
int pci_status(const char *bdf);

/* Drop capability @cap from the calling thread's effective set: 0, -errno. */
int cap_drop(int cap);

extern const struct mmb_test abi_tests[], edu_tests[], ivshmem_tests[],
	soft_tests[], remote_tests[], fault_tests[], notify_tests[],
	pin_tests[], stream_tests[], region_tests[], object_tests[],
	access_tests[], fuzz_tests[], security_tests[], stress_tests[],
	observe_tests[], sample_tests[], framework_tests[], package_tests[],
	life_tests[], dmabuf_tests[], pci_tests[];

#endif /* MMB_TEST_HARNESS_H */
