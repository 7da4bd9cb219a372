// SPDX-License-Identifier: GPL-2.0
/*
 * abi/fuzz: random and mutated operations on every device node from several
 * processes at once, with random SIGKILLs.
 *
 * Each worker process draws its operations from a seeded generator: every
 * ioctl with valid, boundary and random arguments (NULL, kernel addresses,
 * unmapped and read-only memory, misaligned and overflowing ranges, struct
 * sizes that are too small, too large or run into a guard page), read,
 * write and poll on device, event and stream fds, Linux aio reads of
 * device fds (io_submit, io_getevents, io_cancel, io_destroy), the removed
 * ioctl numbers (which must fail with ENOTTY), mmap/munmap/mremap/
 * mprotect/madvise with odd offsets and lengths, loads and stores through
 * the mappings, /proc/self/mem and process_vm_readv on them, forks.  The
 * parent kills workers at random moments and starts new ones until the
 * operation budget is spent.  Meanwhile it removes and re-adds devices
 * (driver unbind and bind) under the workers' open files, mappings,
 * sleeping faults and live streams, and stops workers for a moment
 * (SIGSTOP) at random, so that removal also meets processes that are off
 * their CPU in the middle of a call; workers open whatever instance of a
 * device is current.
 *
 * It also tries to unload the module at random moments while it holds a
 * device file, an event fd or a mapping itself (refused with EWOULDBLOCK
 * at once, the module working on), and after the storm, with every worker
 * killed, unloads the module (once the last deferred releases ran) and
 * loads it again.
 *
 * Afterwards: no worker died of anything but our SIGKILL, no call returned
 * a kernel-internal errno, pins are balanced, mmbridge holds no DMA
 * mapping, every device passes a smoke test, and the module unloads and
 * loads again.  The kernel log is checked by the harness.
 *
 * abi/fuzz_fault_injection (kernels with fault injection) runs a shorter
 * fuzz in which half of the workers' calls on mmbridge (but on edu0, whose
 * DMA-API mappings DMA-API debugging tracks with allocations of its own:
 * it switches itself off when one fails) fail inside: either
 * exactly one chosen allocation or user copy (/proc/thread-self/fail-nth),
 * or each of them with some probability (/proc/thread-self/make-it-fail
 * with the task filters of failslab, fail_page_alloc, fail_usercopy and
 * mmbridge's fail_object_ram), so that only the workers' calls fail.
 * Besides the checks above, ENOMEM and EFAULT must both have come out of
 * mmbridge's ioctls with one injected failure; the errnos of the calls
 * with injected failures are printed.
 *
 * abi/injected_failure_each_call fails each allocation and user copy of
 * each of a list of valid calls in turn, alone and with every allocation
 * after it (fail-nth, with make-it-fail): each time the call must succeed
 * or fail with exactly ENOMEM or EFAULT, and the kernel must log no report
 * of the failure.
 *
 * Reproducing: the seed is printed ("# abi/fuzz seed 0x..."); booting with
 * MMB_CMDLINE="mmb.fuzz_seed=0x..." replays every worker's operations (the
 * kill times depend on scheduling).  mmb.fuzz_ops=N sets the budget of
 * abi/fuzz, mmb.fuzz_fi_ops=N that of abi/fuzz_fault_injection.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define FZ_WORKERS	4
#define FZ_OPS_DEFAULT	100000
#define FZ_FI_OPS_DEFAULT 20000	/* with fault injection */
#define FZ_MAX_FDS	10
#define FZ_MAX_MAPS	16
#define FZ_MAX_IDS	16
#define FZ_STUCK_S	60	/* a worker without progress this long is hung */

#define ARENA_LEN	(4UL << 20)
#define HOLE_LEN	(4UL << 20)
#define RO_LEN		(64UL << 10)
#define MEMFD_LEN	(1UL << 20)

/* Laid out by the parent before the workers fork: same addresses in all. */
static struct {
	uint8_t *arena;		/* RW anonymous, followed by a PROT_NONE page */
	uint8_t *guard;		/* PROT_NONE page after the arena */
	uint8_t *hole;		/* PROT_NONE reservation for MAP_FIXED */
	uint8_t *unmapped;	/* 16 pages that nothing maps */
	uint8_t *ro;		/* read-only */
	uint8_t *memfd;		/* shared file mapping */
	uint8_t *argpage;	/* ioctl argument structs, guard after it */
} L;

#define FZ_NR_CMDS	25	/* entries of cmds[] */

/* Calls whose errnos are told apart: the ioctls (cmds[]), then these. */
enum {
	FO_READ = FZ_NR_CMDS,		/* + FF_* of the fd */
	FO_WRITE = FO_READ + 4,		/* + FF_* of the fd */
	FO_POLL = FO_WRITE + 4,
	FO_MMAP,
	FO_OPEN,
	FO_AIO_SUBMIT,
	FO_AIO_GETEVENTS,
	FO_AIO_CANCEL,
	FO_AIO_DESTROY,
	FO_AIO_RESULT,		/* the res of a completion */
	FO_GONE,		/* a removed ioctl number */
	FZ_NR_OPS
};

/* How a call ran: without injection, one failure that hit, probability. */
enum { FI_PLAIN, FI_NTH, FI_WINDOW, FI_NR };
#define FZ_ERRNO_MAX	192	/* errnos 1..191 are told apart */

struct fz_shared {
	atomic_ullong ops;
	atomic_ullong ok[FZ_NR_CMDS];	/* ioctls that succeeded, per cmds[] */
	atomic_ullong maps_ok, touches, forks;
	atomic_ullong aio_reads, aio_events, gone;	/* submitted, reaped */
	atomic_int stop;
	atomic_int inject;	/* workers arm fault injection */
	atomic_int inst[3];	/* current instance of each of kinds[] */
	struct {
		atomic_int pid;
		atomic_ullong done;	/* this worker's operations */
		char last[24];		/* name of the operation under way */
	} w[FZ_WORKERS];
	/* Results per FI_* class. */
	struct {
		atomic_ullong calls, ok, enomem, efault;
		atomic_ullong ioctl_enomem, ioctl_efault;
		atomic_ullong errs[FZ_NR_OPS][FZ_ERRNO_MAX / 64];
		atomic_uint nr_errno[FZ_ERRNO_MAX];
	} fi[FI_NR];
	atomic_ullong nth_missed;	/* fail-nth armed, never reached */
	/* A call that returned what no system call may (first one). */
	atomic_int bad, bad_op, bad_errno;
};

static struct fz_shared *S;
static int me;			/* worker index */

/* -------- the generator (xoshiro256**) -------- */

static uint64_t rs[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

static void rnd_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rs[i] = mmb_gen_word(seed, i);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(unsigned int n)
{
	return below(n) == 0;
}

/* -------- argument menus -------- */

static const uint64_t bad_ptrs[] = {
	0, 1, 8, 4095,
	0xffff888000000000ULL,		/* direct map */
	0xffffffff81000000ULL,		/* kernel text */
	0xffffc90000000000ULL,		/* vmalloc */
	0x8000000000000000ULL,		/* non-canonical */
	0x00007ffffffff000ULL,		/* last user page */
	~0ULL, ~0ULL - 4095,
};

static const uint64_t lengths[] = {
	0, 1, 7, 8, 4095, 4096, 4097, 8192, 65536, 1 << 20, 4 << 20,
	MMB_XFER_MAX, MMB_XFER_MAX + 1, 1ULL << 32, 1ULL << 63, ~0ULL,
	~0ULL - 4095,
};

static struct fz_map {
	uint8_t *addr;
	size_t len;
	int kind;		/* FM_* */
	int policy;		/* region fault policy */
} maps[FZ_MAX_MAPS];
static int nr_maps;

enum { FM_COUNTERS, FM_REGION, FM_OBJECT, FM_OTHER };

/* A user pointer with room for about @want bytes, or a hostile one. */
static uint64_t fz_ptr(size_t want)
{
	size_t room = want < ARENA_LEN ? ARENA_LEN - want : 0;

	switch (below(16)) {
	case 0 ... 5:	/* aligned in the arena */
		return (uintptr_t)L.arena + (below(room + 1) & ~7UL);
	case 6:		/* misaligned */
		return (uintptr_t)L.arena + below(room + 1);
	case 7:		/* runs into the guard page */
		return (uintptr_t)L.guard - below(want + 1);
	case 8:
		return bad_ptrs[below(sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))];
	case 9:
		return (uintptr_t)L.unmapped + below(PG * 16);
	case 10:
		return (uintptr_t)L.ro + (below(RO_LEN) & ~7UL);
	case 11:
		return (uintptr_t)L.hole + below(HOLE_LEN);
	case 12:
		return (uintptr_t)L.memfd + (below(MEMFD_LEN) & ~7UL);
	case 13:	/* one of mmbridge's own mappings */
		if (nr_maps) {
			struct fz_map *m = &maps[below(nr_maps)];

			return (uintptr_t)m->addr + (below(m->len) & ~7UL);
		}
		return (uintptr_t)L.arena;
	case 14:	/* page-aligned arena */
		return (uintptr_t)L.arena + (below(room + 1) & ~(PG - 1));
	default:
		return rnd();
	}
}

static uint64_t fz_len(uint64_t usual)
{
	switch (below(4)) {
	case 0:
		return lengths[below(sizeof(lengths) / sizeof(lengths[0]))];
	case 1:
		return below(3 * PG) + 1;
	default:
		return usual;
	}
}

/* @valid most of the time, else a boundary or random value. */
static uint64_t fz_u64(uint64_t valid)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
	};

	switch (below(8)) {
	case 0:
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return valid ^ (1ULL << below(64));
	case 2:
		return rnd();
	default:
		return valid;
	}
}

static uint32_t fz_u32(uint32_t valid)
{
	return (uint32_t)fz_u64(valid);
}

/* -------- worker state -------- */

enum { FF_DEV, FF_EVENT, FF_STREAM, FF_EVENTFD };

static struct fz_fd {
	int fd;
	int kind;	/* FF_* */
	int dev;	/* index into nodes[] */
} fds[FZ_MAX_FDS];
static int nr_fds;

static const char *const nodes[] = { "soft0", "edu0", "ivshmem0" };
#define NR_NODES (int)(sizeof(nodes) / sizeof(nodes[0]))
static const char *const kinds[NR_NODES] = { "soft", "edu", "ivshmem" };
static const char *const drivers[NR_NODES] = {
	"/sys/bus/platform/drivers/mmbridge-soft",
	"/sys/bus/pci/drivers/mmbridge-edu",
	"/sys/bus/pci/drivers/mmbridge-ivshmem",
};

/* Object handles and pin ids, with the fd they belong to. */
struct fz_id {
	int fd;
	uint32_t id;
};
static struct fz_id handles[FZ_MAX_IDS], pins[FZ_MAX_IDS];
static int nr_handles, nr_pins;

static void remember(struct fz_id *ids, int *nr, int fd, uint32_t id)
{
	if (*nr < FZ_MAX_IDS)
		ids[(*nr)++] = (struct fz_id){ fd, id };
	else
		ids[below(FZ_MAX_IDS)] = (struct fz_id){ fd, id };
}

static void forget(struct fz_id *ids, int *nr, int fd, uint32_t id)
{
	int i;

	for (i = 0; i < *nr; i++)
		if (ids[i].fd == fd && (ids[i].id == id || id == ~0U))
			ids[i--] = ids[--(*nr)];
}

/* A remembered id most of the time (NULL: make one up). */
static struct fz_id *some_id(struct fz_id *ids, int nr)
{
	return nr && !one_in(5) ? &ids[below(nr)] : NULL;
}

static int some_fd(void)
{
	if (!nr_fds || one_in(40))
		return one_in(2) ? -1 : 1000;
	return fds[below(nr_fds)].fd;
}

static struct fz_fd *some_fd_of(int kind)
{
	int i, start = below(nr_fds ? nr_fds : 1);

	for (i = 0; i < nr_fds; i++) {
		struct fz_fd *f = &fds[(start + i) % nr_fds];

		if (f->kind == kind)
			return f;
	}
	return NULL;
}

static void add_fd(int fd, int kind, int dev)
{
	if (fd < 0)
		return;
	if (nr_fds == FZ_MAX_FDS) {
		int i = below(FZ_MAX_FDS);

		close(fds[i].fd);
		fds[i] = fds[--nr_fds];
	}
	fds[nr_fds++] = (struct fz_fd){ fd, kind, dev };
}

static void add_map(void *addr, size_t len, int kind, int policy)
{
	if (addr == MAP_FAILED)
		return;
	if (nr_maps == FZ_MAX_MAPS) {
		int i = below(FZ_MAX_MAPS);

		munmap(maps[i].addr, maps[i].len);
		maps[i] = maps[--nr_maps];
	}
	maps[nr_maps++] = (struct fz_map){ addr, len, kind, policy };
}

/* -------- fault injection into one call -------- */

#define FI_NTH_MAX	8	/* fail-nth: one of the first 8 checks */

/* This worker's /proc/thread-self/fail-nth and make-it-fail, or -1. */
static int fi_nth_fd = -1, fi_mif_fd = -1;
static sigset_t fi_saved;

/*
 * Whether @fd belongs to edu0, which maps memory for the DMA API:
 * DMA-API debugging allocates in the mapping task's context (cacheline
 * tracking) and switches itself off for good when that fails.
 */
static bool fi_dma_api(int fd)
{
	int i;

	for (i = 0; i < nr_fds; i++)
		if (fds[i].fd == fd)
			return fds[i].kind != FF_EVENTFD && fds[i].dev == 1;
	return false;
}

/*
 * Before a call on mmbridge (through @fd, or -1): half of the time,
 * nothing; else make exactly one of the call's first FI_NTH_MAX checks for
 * injected failures fail (fail-nth), or make every check fail with the
 * configured probabilities (make-it-fail with the task filters).  Not on
 * edu0 (fi_dma_api()).  Signals wait until fi_done(): a handler's return
 * (rt_sigreturn) copies from user memory, and a failure injected there
 * would kill the worker with SIGSEGV.  Returns the FI_* of the call.
 */
static int fi_arm(int fd)
{
	char buf[16];
	sigset_t all;
	int n;

	if (fi_nth_fd < 0 || one_in(2) || fi_dma_api(fd))
		return FI_PLAIN;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigprocmask(SIG_BLOCK, &all, &fi_saved);
	if (one_in(2)) {
		n = snprintf(buf, sizeof(buf), "%u",
			     1 + (unsigned int)below(FI_NTH_MAX));
		if (pwrite(fi_nth_fd, buf, n, 0) == n)
			return FI_NTH;
	} else if (pwrite(fi_mif_fd, "1", 1, 0) == 1) {
		return FI_WINDOW;
	}
	sigprocmask(SIG_SETMASK, &fi_saved, NULL);
	return FI_PLAIN;
}

static void fi_bad(int op, int err)
{
	int zero = 0;

	if (atomic_compare_exchange_strong(&S->bad, &zero, 1)) {
		atomic_store(&S->bad_op, op);
		atomic_store(&S->bad_errno, err);
	}
}

/* Count the result @r (errno @err) of call @op in class @cls. */
static void fi_count(int cls, int op, long r, int err)
{
	atomic_fetch_add(&S->fi[cls].calls, 1);
	if (r >= 0) {
		atomic_fetch_add(&S->fi[cls].ok, 1);
		return;
	}
	if (err <= 0 || err >= FZ_ERRNO_MAX) {
		fi_bad(op, err);	/* 512 and up: kernel-internal */
		return;
	}
	atomic_fetch_or(&S->fi[cls].errs[op][err / 64], 1ULL << (err % 64));
	atomic_fetch_add(&S->fi[cls].nr_errno[err], 1);
	if (err == ENOMEM) {
		atomic_fetch_add(&S->fi[cls].enomem, 1);
		if (op < FZ_NR_CMDS)
			atomic_fetch_add(&S->fi[cls].ioctl_enomem, 1);
	} else if (err == EFAULT) {
		atomic_fetch_add(&S->fi[cls].efault, 1);
		if (op < FZ_NR_CMDS)
			atomic_fetch_add(&S->fi[cls].ioctl_efault, 1);
	}
}

/*
 * After the call: disarm and count the result.  A fail-nth that is not 0
 * afterwards was not reached: the call ran without a failure.  Disarming
 * is itself a check (it copies from user memory) and may be the one that
 * fails, so it is repeated until it is through.
 */
static void fi_done(int mode, int op, long r, int err)
{
	char buf[16];
	ssize_t n = 0;
	int i;

	if (mode == FI_NTH) {
		n = pread(fi_nth_fd, buf, sizeof(buf), 0);
		for (i = 0; i < 16 && pwrite(fi_nth_fd, "0", 1, 0) != 1; i++)
			;
		if (n != 2 || buf[0] != '0') {
			atomic_fetch_add(&S->nth_missed, 1);
			mode = FI_PLAIN;
		}
	} else if (mode == FI_WINDOW) {
		for (i = 0; i < 10000 && pwrite(fi_mif_fd, "0", 1, 0) != 1; i++)
			;
		if (i == 10000) {
			fprintf(stderr, "make-it-fail: cannot write 0\n");
			_exit(4);
		}
	}
	if (mode != FI_PLAIN)
		sigprocmask(SIG_SETMASK, &fi_saved, NULL);
	fi_count(mode, op, r, err);
}

/* A worker's own injection files (debug kernels), opened by the worker. */
static void fi_open(void)
{
	if (!atomic_load(&S->inject))
		return;
	fi_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	fi_mif_fd = open("/proc/thread-self/make-it-fail",
			 O_WRONLY | O_CLOEXEC);
	if (fi_nth_fd < 0 || fi_mif_fd < 0) {
		fprintf(stderr, "fault injection files: %s\n", strerror(errno));
		_exit(4);
	}
}

/* -------- faults in our own loads and stores -------- */

static sigjmp_buf touch_env;
static volatile sig_atomic_t in_touch;
static volatile uint64_t touch_deadline;

static void on_fault(int sig)
{
	if (in_touch)
		siglongjmp(touch_env, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	/* A load waiting for a revoked WAIT region: give up after a while. */
	if (in_touch && mmb_now_ns() > touch_deadline)
		siglongjmp(touch_env, sig);
}

static void on_ignore(int sig)
{
}

static void worker_signals(void)
{
	struct sigaction sa = { 0 };
	struct itimerval it = {
		.it_interval = { 0, 20000 },
		.it_value = { 0, 20000 },
	};

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: EINTR */
	sa.sa_handler = on_ignore;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void touch(void)
{
	volatile uint64_t *p;
	struct fz_map *m;

	if (!nr_maps)
		return;
	m = &maps[below(nr_maps)];
	p = (volatile uint64_t *)(m->addr + (below(m->len) & ~7UL));
	touch_deadline = mmb_now_ns() + 200000000ULL;
	atomic_fetch_add(&S->touches, 1);
	if (sigsetjmp(touch_env, 1) == 0) {
		in_touch = 1;
		if (one_in(2))
			(void)*p;
		else
			*p = rnd();
	}
	in_touch = 0;
}

/* -------- ioctls -------- */

static union {
	struct mmb_info info;
	struct mmb_irq_trigger trig;
	struct mmb_irq_timer timer;
	struct mmb_xfer xfer;
	struct mmb_copy_config cc;
	struct mmb_copy_status cst;
	struct mmb_irq_copy ic;
	struct mmb_event_open eo;
	struct mmb_eventfd ef;
	struct mmb_irq_control ictl;
	struct mmb_pin_region pin;
	struct mmb_unpin_region unpin;
	struct mmb_stream_setup ss;
	struct mmb_stream_ctl sc;
	struct mmb_stream_status sst;
	struct mmb_stream_fetch sf;
	struct mmb_region_ctl rc;
	struct mmb_region_info ri;
	struct mmb_obj_create oc;
	struct mmb_obj_ctl octl;
	struct mmb_obj_info oi;
	uint8_t bytes[512];
} A;

static const struct {
	unsigned long cmd;
	uint32_t size;
	const char *name;
} cmds[] = {
#define C(c, s) { c, sizeof(struct s), #c }
	C(MMB_IOC_INFO, mmb_info),
	C(MMB_IOC_IRQ_TRIGGER, mmb_irq_trigger),
	C(MMB_IOC_IRQ_TIMER, mmb_irq_timer),
	C(MMB_IOC_DMA, mmb_xfer),
	C(MMB_IOC_MEM_RW, mmb_xfer),
	C(MMB_IOC_COPY_CONFIG, mmb_copy_config),
	C(MMB_IOC_COPY_STATUS, mmb_copy_status),
	C(MMB_IOC_IRQ_COPY, mmb_irq_copy),
	C(MMB_IOC_EVENT_OPEN, mmb_event_open),
	C(MMB_IOC_EVENTFD, mmb_eventfd),
	C(MMB_IOC_IRQ_CONTROL, mmb_irq_control),
	C(MMB_IOC_PIN_REGION, mmb_pin_region),
	C(MMB_IOC_UNPIN_REGION, mmb_unpin_region),
	C(MMB_IOC_STREAM_SETUP, mmb_stream_setup),
	C(MMB_IOC_STREAM_START, mmb_stream_ctl),
	C(MMB_IOC_STREAM_STOP, mmb_stream_ctl),
	C(MMB_IOC_STREAM_STATUS, mmb_stream_status),
	C(MMB_IOC_STREAM_FETCH, mmb_stream_fetch),
	C(MMB_IOC_REGION_REVOKE, mmb_region_ctl),
	C(MMB_IOC_REGION_RESTORE, mmb_region_ctl),
	C(MMB_IOC_REGION_INFO, mmb_region_info),
	C(MMB_IOC_OBJ_CREATE, mmb_obj_create),
	C(MMB_IOC_OBJ_MIGRATE, mmb_obj_ctl),
	C(MMB_IOC_OBJ_DESTROY, mmb_obj_ctl),
	C(MMB_IOC_OBJ_INFO, mmb_obj_info),
#undef C
};
#define NR_CMDS (int)(sizeof(cmds) / sizeof(cmds[0]))
_Static_assert(NR_CMDS == FZ_NR_CMDS, "FZ_NR_CMDS");

static uint64_t frame_list[4];

/* Fill A for cmds[@i] with mostly valid, sometimes hostile values. */
static void fill_args(int i, uint32_t id)
{
	unsigned long cmd = cmds[i].cmd;
	int k;

	memset(&A, 0, sizeof(A));
	switch (cmd) {
	case MMB_IOC_IRQ_TRIGGER:
		A.trig.flags = fz_u32(one_in(2) ? MMB_IRQ_TRIGGER_NOWAIT : 0);
		A.trig.count = one_in(64) ? fz_u32(MMB_IRQ_TRIGGER_MAX) :
			       1 + below(4);
		A.trig.reserved = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_IRQ_TIMER: {
		static const uint64_t periods[] = {
			0, MMB_IRQ_PERIOD_MIN_NS - 1, MMB_IRQ_PERIOD_MIN_NS,
			1000000, 50000000, MMB_IRQ_PERIOD_MAX_NS,
			MMB_IRQ_PERIOD_MAX_NS + 1, ~0ULL,
		};
		A.timer.flags = fz_u32(0);
		A.timer.period_ns = periods[below(8)];
		break;
	}
	case MMB_IOC_DMA:
	case MMB_IOC_MEM_RW:
		A.xfer.flags = fz_u32(one_in(2) ? MMB_XFER_TO_DEVICE :
						  MMB_XFER_FROM_DEVICE);
		A.xfer.length = fz_len(1 + below(2 * PG));
		A.xfer.dev_offset = fz_u64(below(64 * PG));
		A.xfer.user_addr = fz_ptr(A.xfer.length);
		A.xfer.reserved = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_COPY_CONFIG:
		A.cc.flags = fz_u32(below(4));
		A.cc.mode = fz_u32(below(3));	/* 2: once ASYNC, -EINVAL */
		A.cc.source = fz_u32(below(2));
		A.cc.seed = rnd();
		A.cc.offset = fz_u64(below(1 << 20));
		break;
	case MMB_IOC_IRQ_COPY:
		A.ic.flags = fz_u32(0);
		A.ic.user_addr = one_in(4) ? 0 : fz_ptr(sizeof(struct mmb_irq_record));
		break;
	case MMB_IOC_EVENT_OPEN:
		/* The devices here have no vectors: binding one is -EINVAL. */
		A.eo.flags = fz_u32(MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC);
		if (one_in(8))
			A.eo.flags |= MMB_EVENT_ONE_VECTOR;
		A.eo.vector = one_in(8) ? (uint32_t)rnd() : 0;
		A.eo.reserved = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_EVENTFD: {
		struct fz_fd *f = some_fd_of(FF_EVENTFD);

		A.ef.flags = one_in(8) ? fz_u32(MMB_EVENTFD_ONE_VECTOR) : 0;
		A.ef.fd = f && !one_in(4) ? f->fd : (int)fz_u32(some_fd());
		A.ef.vector = one_in(8) ? (uint32_t)rnd() : 0;
		break;
	}
	case MMB_IOC_IRQ_CONTROL:
		A.ictl.flags = fz_u32(one_in(3) ? MMB_IRQ_DISABLE : MMB_IRQ_ENABLE);
		break;
	case MMB_IOC_PIN_REGION:
		A.pin.flags = fz_u32(0);
		A.pin.length = fz_len(PG * (1 + below(16)));
		A.pin.user_addr = fz_ptr(A.pin.length);
		if (!one_in(4))
			A.pin.user_addr &= ~(PG - 1);
		A.pin.nr_slots = one_in(16) ? rnd() : 0;	/* out */
		A.pin.id = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_UNPIN_REGION:
		A.unpin.flags = fz_u32(0);
		A.unpin.id = id;
		A.unpin.reserved = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_STREAM_SETUP: {
		static const uint32_t sigs[] = {
			SIGUSR1, SIGUSR2, 34, 0, 65, ~0U,
		};
		A.ss.flags = fz_u32(MMB_EVENT_NONBLOCK);
		A.ss.mode = fz_u32(below(4));
		A.ss.nr_frames = one_in(8) ? fz_u32(MMB_STREAM_MAX_FRAMES) :
				 1 + below(4);
		A.ss.frame_size = one_in(8) ? fz_u64(MMB_STREAM_MAX_FRAME) :
				  PG * (1 + below(4));
		for (k = 0; k < 4; k++)
			frame_list[k] = one_in(16) ? fz_ptr(A.ss.frame_size) :
					(uintptr_t)L.arena + (below(ARENA_LEN / PG - 4) * PG);
		if (A.ss.mode == MMB_STREAM_ZERO_COPY || one_in(8))
			A.ss.frames = one_in(8) ? fz_ptr(32) : (uintptr_t)frame_list;
		A.ss.seed = rnd();
		A.ss.period_ns = one_in(2) ? 0 : fz_u64(MMB_STREAM_PERIOD_MIN_NS +
						    below(1000000));
		if (A.ss.mode == MMB_STREAM_NAIVE || one_in(8))
			A.ss.signal = sigs[below(sizeof(sigs) / sizeof(sigs[0]))];
		A.ss.reserved = one_in(16) ? rnd() : 0;
		break;
	}
	case MMB_IOC_STREAM_START:
	case MMB_IOC_STREAM_STOP:
		A.sc.flags = fz_u32(0);
		break;
	case MMB_IOC_STREAM_FETCH:
		A.sf.flags = fz_u32(0);
		A.sf.length = fz_len(PG * (1 + below(4)));
		A.sf.user_addr = fz_ptr(A.sf.length);
		break;
	case MMB_IOC_REGION_REVOKE:
	case MMB_IOC_REGION_RESTORE:
		A.rc.flags = fz_u32(0);
		A.rc.index = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_OBJ_CREATE: {
		const uint64_t sizes[] = {
			PG, 2 * PG, 16 * PG, 64 * PG, 256 * PG, 0, 1, PG - 1,
			PG + 1, MMB_OBJ_MAX_SIZE + PG, 1ULL << 63, ~0ULL,
			~0ULL - PG + 1,
		};
		A.oc.flags = fz_u32(0);
		A.oc.size = one_in(3) ? sizes[below(13)] : sizes[below(5)];
		A.oc.placement = fz_u32(below(2));
		A.oc.handle = one_in(16) ? rnd() : 0;
		A.oc.mmap_offset = one_in(16) ? rnd() : 0;
		break;
	}
	case MMB_IOC_OBJ_MIGRATE:
	case MMB_IOC_OBJ_DESTROY:
		A.octl.flags = fz_u32(0);
		A.octl.handle = id;
		A.octl.placement = fz_u32(below(2));
		break;
	case MMB_IOC_OBJ_INFO:
		A.oi.flags = fz_u32(0);
		A.oi.handle = one_in(4) ? 0 : id;
		break;
	default:	/* INFO and the status calls: all output */
		break;
	}
	A.info.argsz = cmds[i].size;
	if (one_in(10)) {
		static const uint32_t sz[] = { 0, 4, 7, 8, 12, 4096, 65536, ~0U };

		A.info.argsz = one_in(2) ? sz[below(8)] :
			       cmds[i].size + (below(9) - 4) * 4;
		/* Bytes past the struct: zero, or not. */
		if (A.info.argsz > cmds[i].size && A.info.argsz <= sizeof(A) &&
		    one_in(2))
			A.bytes[cmds[i].size + below(A.info.argsz - cmds[i].size)] = 1;
	}
}

/* Where the struct goes: the arg page, its end (guard next), or nowhere. */
static uint64_t place_args(uint32_t size)
{
	size_t n = size < sizeof(A) ? size : sizeof(A);

	switch (below(24)) {
	case 0:
		return bad_ptrs[below(sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))];
	case 1:		/* ends in the guard page */
		memcpy(L.argpage + PG - n / 2, &A, n / 2);
		return (uintptr_t)L.argpage + PG - n / 2;
	case 2:
		return (uintptr_t)L.ro;
	case 3:		/* misaligned */
		memcpy(L.argpage + 3, &A, n < PG - 3 ? n : PG - 3);
		return (uintptr_t)L.argpage + 3;
	default:
		memcpy(L.argpage, &A, n);
		return (uintptr_t)L.argpage;
	}
}

static void record_result(unsigned long cmd, long r, int fd, int dev)
{
	const void *out = L.argpage;

	if (r < 0)
		return;
	switch (cmd) {
	case MMB_IOC_EVENT_OPEN:
		add_fd(r, FF_EVENT, dev);
		break;
	case MMB_IOC_STREAM_SETUP:
		add_fd(r, FF_STREAM, dev);
		break;
	case MMB_IOC_PIN_REGION:
		remember(pins, &nr_pins, fd,
			 ((const struct mmb_pin_region *)out)->id);
		break;
	case MMB_IOC_UNPIN_REGION:
		forget(pins, &nr_pins, fd,
		       ((const struct mmb_unpin_region *)out)->id);
		break;
	case MMB_IOC_OBJ_CREATE:
		remember(handles, &nr_handles, fd,
			 ((const struct mmb_obj_create *)out)->handle);
		break;
	case MMB_IOC_OBJ_DESTROY:
		forget(handles, &nr_handles, fd,
		       ((const struct mmb_obj_ctl *)out)->handle);
		break;
	}
}

/* A device fd most of the time. */
static struct fz_fd *fd_of_kind(int kind)
{
	struct fz_fd *f = one_in(8) ? NULL : some_fd_of(kind);

	return f ? f : nr_fds ? &fds[below(nr_fds)] : NULL;
}

static void op_ioctl(void)
{
	int i = below(NR_CMDS), fd, dev;
	struct fz_id *rec = NULL;
	unsigned long cmd = cmds[i].cmd;
	struct fz_fd *f;
	uint64_t arg;
	int mode, err;
	long r;

	snprintf(S->w[me].last, sizeof(S->w[me].last), "ioctl %.14s",
		 cmds[i].name + 8);
	switch (cmd) {
	case MMB_IOC_UNPIN_REGION:
		rec = some_id(pins, nr_pins);
		break;
	case MMB_IOC_OBJ_MIGRATE:
	case MMB_IOC_OBJ_DESTROY:
	case MMB_IOC_OBJ_INFO:
		rec = some_id(handles, nr_handles);
		break;
	}
	f = fd_of_kind(cmd == MMB_IOC_STREAM_START || cmd == MMB_IOC_STREAM_STOP ||
		       cmd == MMB_IOC_STREAM_STATUS || cmd == MMB_IOC_STREAM_FETCH ?
		       FF_STREAM : FF_DEV);
	fd = rec ? rec->fd : f ? f->fd : -1;
	dev = f ? f->dev : 0;
	fill_args(i, rec ? rec->id : fz_u32(1 + below(4)));
	if (one_in(40)) {	/* unknown numbers, other encodings */
		switch (below(3)) {
		case 0:
			cmd = _IO(MMB_IOC_MAGIC, below(256));
			break;
		case 1:
			cmd = _IOWR(MMB_IOC_MAGIC, _IOC_NR(cmd), struct mmb_info);
			break;
		default:
			cmd = rnd() & 0xffffffff;
		}
	}
	if (one_in(50))
		fd = some_fd();
	arg = place_args(A.info.argsz);
	mode = fi_arm(fd);
	r = syscall(SYS_ioctl, fd, cmd, arg);
	err = errno;
	fi_done(mode, i, r, err);
	if (r >= 0 && cmd == cmds[i].cmd)
		atomic_fetch_add(&S->ok[i], 1);
	if (arg == (uintptr_t)L.argpage)
		record_result(cmd, r, fd, dev);
}

/* -------- the other operations -------- */

static void op_open(void)
{
	static const int flags[] = { O_RDWR, O_RDONLY, O_WRONLY,
				     O_RDWR | O_NONBLOCK, O_RDWR | O_CLOEXEC };
	int dev = below(NR_NODES), flag = flags[below(5)], mode, fd;
	char path[64];

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s%d", kinds[dev],
		 atomic_load(&S->inst[dev]));
	mode = fi_arm(-1);
	fd = open(path, flag);
	fi_done(mode, FO_OPEN, fd, errno);
	add_fd(fd, FF_DEV, dev);
	if (one_in(8))
		add_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), FF_EVENTFD, 0);
}

static void op_close(void)
{
	int i;

	if (!nr_fds)
		return;
	i = below(nr_fds);
	close(fds[i].fd);
	forget(handles, &nr_handles, fds[i].fd, ~0U);
	forget(pins, &nr_pins, fds[i].fd, ~0U);
	fds[i] = fds[--nr_fds];
}

static void op_rw(void)
{
	struct fz_fd *f;
	uint64_t len;
	int mode;
	long r;
	void *p;

	if (!nr_fds)
		return;
	f = &fds[below(nr_fds)];
	len = f->kind == FF_DEV ? fz_len(1 + below(2 * PG)) :
	      one_in(2) ? fz_len(8) : (one_in(2) ? 8 : sizeof(struct mmb_frame) + PG);
	p = (void *)(uintptr_t)fz_ptr(len);
	if (one_in(3)) {
		if (f->kind == FF_STREAM && one_in(2)) {	/* hand a frame back */
			*(uint32_t *)L.arena = fz_u32(below(4));
			p = L.arena;
			len = one_in(4) ? fz_len(4) : 4;
		}
		mode = fi_arm(f->fd);
		r = write(f->fd, p, len);
		fi_done(mode, FO_WRITE + f->kind, r, errno);
	} else {
		mode = fi_arm(f->fd);
		r = read(f->fd, p, len);
		fi_done(mode, FO_READ + f->kind, r, errno);
	}
}

static void op_poll(void)
{
	struct pollfd pf[FZ_MAX_FDS];
	int i, mode, r;

	for (i = 0; i < nr_fds; i++)
		pf[i] = (struct pollfd){ .fd = fds[i].fd,
					 .events = (short)(one_in(4) ? rnd() : POLLIN) };
	mode = fi_arm(-1);
	r = poll(pf, nr_fds, one_in(2) ? 0 : 5);
	fi_done(mode, FO_POLL, r, errno);
}

/*
 * Linux aio reads of device fds.  One context per worker, made when there
 * is none; the reads in flight are remembered by their iocbs.
 */
#define FZ_AIO_NR	16
static aio_context_t aio_ctx;
static struct iocb aio_cbs[FZ_AIO_NR];
static bool aio_busy[FZ_AIO_NR];
static struct iovec aio_iov[FZ_AIO_NR][2];

/* A completion's res is bytes or -errno, never a kernel-internal code. */
static void aio_events(const struct io_event *ev, long n)
{
	long i, res;
	int k;

	for (i = 0; i < n; i++) {
		res = ev[i].res;
		atomic_fetch_add(&S->aio_events, 1);
		fi_count(FI_PLAIN, FO_AIO_RESULT, res, res < 0 ? (int)-res : 0);
		k = (struct iocb *)(uintptr_t)ev[i].obj - aio_cbs;
		if (k >= 0 && k < FZ_AIO_NR)
			aio_busy[k] = false;
	}
}

static void op_aio_submit(void)
{
	struct iocb *cb, *list[1];
	struct fz_fd *f;
	int k, mode, nvec;
	long r;

	if (!aio_ctx && syscall(SYS_io_setup, FZ_AIO_NR, &aio_ctx))
		aio_ctx = 0;
	for (k = 0; k < FZ_AIO_NR && aio_busy[k]; k++)
		;
	if (k == FZ_AIO_NR)
		k = below(FZ_AIO_NR);	/* a second request on one iocb */
	cb = &aio_cbs[k];
	f = fd_of_kind(FF_DEV);
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = f ? f->fd : some_fd();
	if (f && f->kind == FF_DEV && one_in(2))
		mmb_copy_config(f->fd, MMB_COPY_WORKER, below(2), rnd(), 0, 0);
	if (one_in(3)) {
		nvec = 1 + below(2);
		aio_iov[k][0].iov_len = fz_len(1 + below(2 * PG));
		aio_iov[k][0].iov_base = (void *)(uintptr_t)fz_ptr(aio_iov[k][0].iov_len);
		aio_iov[k][1].iov_len = fz_len(1 + below(PG));
		aio_iov[k][1].iov_base = (void *)(uintptr_t)fz_ptr(aio_iov[k][1].iov_len);
		cb->aio_lio_opcode = IOCB_CMD_PREADV;
		cb->aio_buf = one_in(16) ? fz_ptr(16) : (uintptr_t)aio_iov[k];
		cb->aio_nbytes = one_in(16) ? fz_u64(nvec) : (uint64_t)nvec;
	} else {
		cb->aio_lio_opcode = one_in(16) ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		cb->aio_nbytes = fz_len(1 + below(4 * PG));
		cb->aio_buf = fz_ptr(cb->aio_nbytes);
	}
	cb->aio_offset = one_in(16) ? (int64_t)rnd() : (int64_t)below(1 << 20);
	if (one_in(16))
		cb->aio_rw_flags = RWF_NOWAIT;
	cb->aio_data = k;
	list[0] = cb;
	mode = fi_arm(cb->aio_fildes);
	r = syscall(SYS_io_submit, aio_ctx, 1L, list);
	fi_done(mode, FO_AIO_SUBMIT, r, errno);
	if (r == 1) {
		aio_busy[k] = true;
		atomic_fetch_add(&S->aio_reads, 1);
	}
}

static void op_aio_getevents(void)
{
	struct io_event ev[FZ_AIO_NR];
	struct timespec ts = { 0, (long)below(3) * 1000000 };
	long r;

	r = syscall(SYS_io_getevents, aio_ctx, (long)below(2),
		    (long)(1 + below(FZ_AIO_NR)), ev, one_in(8) ? NULL : &ts);
	fi_count(FI_PLAIN, FO_AIO_GETEVENTS, r, errno);
	if (r > 0)
		aio_events(ev, r);
}

static void op_aio_cancel(void)
{
	struct io_event ev;
	int k = below(FZ_AIO_NR);
	long r;

	r = syscall(SYS_io_cancel, aio_ctx, &aio_cbs[k], &ev);
	fi_count(FI_PLAIN, FO_AIO_CANCEL, r, errno);
}

/* Cancels what is in flight and waits for it. */
static void op_aio_destroy(void)
{
	long r = syscall(SYS_io_destroy, aio_ctx);

	fi_count(FI_PLAIN, FO_AIO_DESTROY, r, errno);
	aio_ctx = 0;
	memset(aio_busy, 0, sizeof(aio_busy));
}

/*
 * 0x11 and 0x12 (once COPY_SUBMIT and COPY_REAP) and 0x14 (once
 * REMOTE_WRITE) on any fd, with any argument: -ENOTTY, or -EBADF for an
 * fd that is not open; nothing else.
 */
static void op_gone(void)
{
	static const unsigned int nr[] = { 0x11, 0x12, 0x14 };
	struct fz_fd *f = fd_of_kind(below(4));
	int fd = f ? f->fd : some_fd(), err;
	uint64_t arg;
	long r;

	fill_args(below(NR_CMDS), fz_u32(1 + below(4)));
	A.info.argsz = fz_u32(one_in(2) ? 40 : below(64));
	arg = one_in(8) ? fz_u64(0) : place_args(A.info.argsz);
	r = syscall(SYS_ioctl, fd, _IO(MMB_IOC_MAGIC, nr[below(3)]), arg);
	err = errno;
	atomic_fetch_add(&S->gone, 1);
	fi_count(FI_PLAIN, FO_GONE, r, err);
	if (r >= 0 || (err != ENOTTY && err != EBADF))
		fi_bad(FO_GONE, r >= 0 ? 0 : err);
}

static uint64_t mmap_offset(int *fd)
{
	struct fz_fd *f = fd_of_kind(FF_DEV);

	*fd = one_in(40) ? some_fd() : f ? f->fd : -1;
	switch (below(10)) {
	case 0:
		return MMB_MMAP_COUNTERS;
	case 1 ... 4:
		return MMB_MMAP_REGION(below(3)) + (one_in(3) ? below(16) * PG : 0);
	case 5 ... 7:
		if (nr_handles) {
			struct fz_id *h = &handles[below(nr_handles)];

			if (!one_in(8))
				*fd = h->fd;
			return MMB_MMAP_OBJECT(h->id) +
			       (one_in(4) ? below(4) * PG : 0);
		}
		return MMB_MMAP_OBJECT(1);
	case 8:
		return MMB_MMAP_REGION(3 + below(8));
	default:
		return fz_u64(PG) & ~(one_in(4) ? 0 : PG - 1);
	}
}

static void op_touch(void);

static void op_mmap(void)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ,
				     PROT_WRITE, PROT_NONE,
				     PROT_READ | PROT_EXEC };
	int fd, prot = prots[below(5)], flags = MAP_SHARED, mode;
	uint64_t off = mmap_offset(&fd), len;
	void *want = NULL, *p;

	len = one_in(6) ? fz_len(PG) : PG * (1 + below(16));
	if (len > (64UL << 20))
		len = one_in(2) ? len : PG;
	if (one_in(6))
		flags = MAP_PRIVATE;
	if (one_in(6))
		flags |= MAP_POPULATE;
	if (one_in(5)) {	/* inside the hole, never over anything else */
		len = PG * (1 + below(16));
		want = L.hole + (below(HOLE_LEN / PG - 16) * PG);
		flags |= MAP_FIXED;
	}
	mode = fi_arm(fd);
	p = mmap(want, len, prot, flags, fd, off);
	fi_done(mode, FO_MMAP, p == MAP_FAILED ? -1 : 0, errno);
	/*
	 * Keep the hole a reservation, also after a failure: a MAP_FIXED
	 * that the driver refuses has already unmapped what it replaced,
	 * and the next mmap() (an aio ring) would go into the gap.
	 */
	if (flags & MAP_FIXED)
		mmap(want, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return;
	atomic_fetch_add(&S->maps_ok, 1);
	if (flags & MAP_FIXED)
		return;
	add_map(p, len, off == MMB_MMAP_COUNTERS ? FM_COUNTERS :
			off >= MMB_MMAP_OBJECT(0) ? FM_OBJECT : FM_REGION, 0);
	if (!(prot & PROT_WRITE) || (prot & PROT_EXEC))
		maps[nr_maps - 1].kind = FM_OTHER;	/* loads only */
	if (prot != PROT_NONE && one_in(2))
		op_touch();
}

static void op_unmap(void)
{
	struct fz_map *m;
	size_t cut;
	int i;

	if (!nr_maps)
		return;
	i = below(nr_maps);
	m = &maps[i];
	if (m->len > PG && one_in(3)) {		/* split: unmap the tail */
		cut = PG * (1 + below(m->len / PG - 1));
		munmap(m->addr + cut, m->len - cut);
		m->len = cut;
		return;
	}
	munmap(m->addr, m->len);
	*m = maps[--nr_maps];
}

static void op_remap(void)
{
	struct fz_map *m;
	size_t len;
	void *p;

	if (!nr_maps)
		return;
	m = &maps[below(nr_maps)];
	switch (below(4)) {
	case 0:	/* mremap: grow, shrink or move */
		len = one_in(2) ? m->len + PG * below(4) : PG * (1 + below(m->len / PG));
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
		if (p != MAP_FAILED) {
			m->addr = p;
			m->len = len;
		}
		break;
	case 1: {
		static const int prots[] = { PROT_READ, PROT_NONE,
					     PROT_READ | PROT_WRITE };
		int prot = prots[below(3)];

		if (!mprotect(m->addr, m->len, prot))
			m->kind = prot == (PROT_READ | PROT_WRITE) &&
				  m->kind != FM_OTHER ? m->kind : FM_OTHER;
		break;
	}
	case 2: {
		static const int advs[] = { MADV_DONTNEED, MADV_DONTFORK,
					    MADV_DOFORK, MADV_WIPEONFORK,
					    MADV_PAGEOUT, MADV_HUGEPAGE,
					    MADV_WILLNEED, MADV_COLD,
					    MADV_POPULATE_READ,
					    MADV_POPULATE_WRITE };

		madvise(m->addr, m->len, advs[below(10)]);
		break;
	}
	default:	/* ->access() and GUP on our own mapping */
		if (one_in(2)) {
			int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

			if (fd >= 0) {
				uint64_t v = rnd();

				if (one_in(2))
					(void)!pread(fd, L.arena, 1 + below(2 * PG),
						     (uintptr_t)m->addr + below(m->len));
				else if (m->kind != FM_OTHER && m->kind != FM_COUNTERS)
					(void)!pwrite(fd, &v, sizeof(v),
						      (uintptr_t)m->addr + (below(m->len) & ~7UL));
				close(fd);
			}
		} else {
			struct iovec l = { L.arena, 1 + below(PG) };
			struct iovec r = { m->addr + below(m->len), l.iov_len };

			process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		}
	}
}

static void op_touch(void)
{
	int i = below(nr_maps ? nr_maps : 1);

	if (!nr_maps)
		return;
	if (maps[i].kind == FM_OTHER || maps[i].kind == FM_COUNTERS) {
		volatile uint64_t *p = (volatile uint64_t *)
			(maps[i].addr + (below(maps[i].len) & ~7UL));

		touch_deadline = mmb_now_ns() + 200000000ULL;
		if (sigsetjmp(touch_env, 1) == 0) {
			in_touch = 1;
			(void)*p;
		}
		in_touch = 0;
		return;
	}
	touch();
}

/* A child that shares the mappings and fds for a moment. */
static void op_fork(void)
{
	pid_t pid;
	int st, k;

	pid = fork();
	if (pid < 0)
		return;
	atomic_fetch_add(&S->forks, 1);
	if (pid == 0) {
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		fi_nth_fd = fi_mif_fd = -1;	/* the worker's thread's */
		setitimer(ITIMER_REAL, &off, NULL);
		signal(SIGALRM, SIG_DFL);
		alarm(2);
		for (k = 0; k < 8; k++) {
			switch (below(3)) {
			case 0:
				op_touch();
				break;
			case 1:
				op_ioctl();
				break;
			default:
				op_close();
			}
		}
		_exit(0);
	}
	/* The child may be killed by its alarm; anything else is news. */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGALRM &&
	    WTERMSIG(st) != SIGKILL) {
		fprintf(stderr, "fork child died of signal %d\n", WTERMSIG(st));
		_exit(3);
	}
}

static void worker(uint64_t seed, uint64_t quota)
{
	uint64_t n;

	rnd_seed(seed);
	setpgid(0, 0);
	worker_signals();
	fi_open();
	for (n = 0; n < quota && !atomic_load(&S->stop); n++) {
		uint64_t pick = below(100);

		if (pick < 40) {
			op_ioctl();
		} else {
			snprintf(S->w[me].last, sizeof(S->w[me].last), "op %llu",
				 (unsigned long long)pick);
			if (pick < 47)
				op_open();
			else if (pick < 51)
				op_close();
			else if (pick < 61)
				op_rw();
			else if (pick < 64)
				op_poll();
			else if (pick < 74)
				op_mmap();
			else if (pick < 78)
				op_unmap();
			else if (pick < 85)
				op_remap();
			else if (pick < 93)
				op_touch();
			else if (pick < 95)
				op_aio_submit();
			else if (pick < 96)
				op_aio_getevents();
			else if (pick < 97)
				op_aio_cancel();
			else if (pick < 98)
				op_aio_destroy();
			else if (pick < 99)
				op_gone();
			else
				op_fork();
		}
		atomic_fetch_add(&S->ops, 1);
		atomic_fetch_add(&S->w[me].done, 1);
	}
	_exit(0);
}

/* -------- the parent -------- */

static int layout(void)
{
	int mfd;

	L.arena = mmap(NULL, ARENA_LEN + PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (L.arena == MAP_FAILED)
		return -errno;
	L.guard = L.arena + ARENA_LEN;
	mprotect(L.guard, PG, PROT_NONE);
	L.hole = mmap(NULL, HOLE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (L.hole == MAP_FAILED)
		return -errno;
	/*
	 * Unmapped memory must stay so: not a gap among the mappings, where
	 * mmap() puts the next ones (the read-only page, the argument page,
	 * an aio ring: an aio read "into unmapped memory" then wrote device
	 * data over the ring's events), but 16 pages at 2 MiB, below this
	 * static program (at 4 MiB) and its heap, which mmap() does not
	 * reach, taken and given back.
	 */
	L.unmapped = mmap((void *)(2UL << 20), 16 * PG, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	if (L.unmapped == MAP_FAILED)
		return -errno;
	munmap(L.unmapped, 16 * PG);
	L.ro = mmap(NULL, RO_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	L.argpage = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (L.ro == MAP_FAILED || L.argpage == MAP_FAILED)
		return -errno;
	mprotect(L.argpage + PG, PG, PROT_NONE);
	mfd = memfd_create("fuzz", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, MEMFD_LEN))
		return -errno;
	L.memfd = mmap(NULL, MEMFD_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       mfd, 0);
	close(mfd);
	if (L.memfd == MAP_FAILED)
		return -errno;
	memset(L.arena, 0x5a, ARENA_LEN);
	return 0;
}

/*
 * Each worker's count of operations when its current life began, and its
 * pid as the parent knows it (the parent reaps by these, not by the
 * shared copy the workers read).
 */
static uint64_t born_done[FZ_WORKERS];
static pid_t worker_pid[FZ_WORKERS];

static pid_t spawn(int w, uint64_t seed, uint64_t quota)
{
	pid_t pid;

	born_done[w] = atomic_load(&S->w[w].done);
	pid = fork();

	if (pid == 0) {
		me = w;
		worker(seed, quota);
	}
	if (pid > 0) {
		worker_pid[w] = pid;
		atomic_store(&S->w[w].pid, pid);
		S->w[w].last[0] = 0;
	}
	return pid;
}

/* The parent's devices: the name each was bound under (PCI address). */
static char bound_as[NR_NODES][64];
static uint32_t replugs;

/* The instance number of the device of kind @d now present, or -1. */
static int present_instance(int d)
{
	char path[64];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), MMB_DEV_DIR "/%s%d", kinds[d], i);
		if (!access(path, F_OK))
			return i;
	}
	return -1;
}

/*
 * Remove device @d and add it again.  While files of the old one are
 * open it keeps its instance number and the new one gets another; the
 * workers follow.  -errno on failure.
 */
static int fz_replug(int d)
{
	char path[128];
	int i, r, inst = -1;

	snprintf(path, sizeof(path), "%s/unbind", drivers[d]);
	r = write_str(path, bound_as[d]);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/bind", drivers[d]);
	r = write_str(path, bound_as[d]);
	if (r)
		return r;
	for (i = 0; i < 200 && (inst = present_instance(d)) < 0; i++)
		usleep(10000);
	if (inst < 0)
		return -ENODEV;
	atomic_store(&S->inst[d], inst);
	replugs++;
	return 0;
}

/*
 * After the storm, with every file closed: bring each device back as
 * instance 0 (a replug while the old one's last references were still
 * open gave it another number).  -errno if one does not come back.
 */
static int fz_renumber(void)
{
	int d, i, r;

	for (d = 0; d < NR_NODES; d++) {
		if (!bound_as[d][0])
			continue;
		for (i = 0; i < 50 && present_instance(d) != 0; i++) {
			usleep(100000);	/* deferred fputs of killed workers */
			r = fz_replug(d);
			if (r)
				return r;
		}
		if (present_instance(d) != 0)
			return -EBUSY;
		atomic_store(&S->inst[d], 0);
	}
	return 0;
}

/* The name under which each present device is bound to its driver. */
static void fz_find_devices(void)
{
	char path[128], target[256], *name;
	ssize_t n;
	int d;

	for (d = 0; d < NR_NODES; d++) {
		bound_as[d][0] = 0;
		snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/device",
			 nodes[d]);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		if (strlen(name) < sizeof(bound_as[d]))
			strcpy(bound_as[d], name);
	}
}

/* Kill and reap every worker; false if one does not die in 60 s. */
static bool kill_workers(void)
{
	uint64_t deadline = mmb_now_ns() + 60000000000ULL;
	int w, st;
	pid_t pid;

	atomic_store(&S->stop, 1);
	/* Each worker leads a process group with its forked children. */
	for (w = 0; w < FZ_WORKERS; w++) {
		if (worker_pid[w] <= 0)
			continue;
		kill(-worker_pid[w], SIGKILL);
		kill(worker_pid[w], SIGKILL);
	}
	/* As subreaper, this also reaps the children of killed workers. */
	while ((pid = waitpid(-1, &st, WNOHANG)) >= 0) {
		if (pid == 0) {
			if (mmb_now_ns() > deadline)
				return false;
			usleep(10000);
		}
	}
	return true;
}

static uint64_t worker_seed(uint64_t seed, int w, unsigned int gen)
{
	return mmb_gen_word(seed, ((uint64_t)gen << 8) | w);
}

/* After the storm: the device must still do its basic jobs exactly. */
int dev_smoke(const char *name)
{
	struct mmb_info info;
	uint8_t out[256], in[256];
	int fd = dev_open(name), i;

	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT(!strcmp(info.name, name), "%s: INFO name %.16s", name, info.name);
	if (info.caps & MMB_CAP_MAP) {
		struct mmb_region_ctl rc;
		struct mmb_region_info ri;

		/* A worker killed after a revoke leaves the region revoked. */
		EXPECT_OK(mmb_region_restore(fd, &rc));
		EXPECT_OK(mmb_region_info(fd, &ri));
		EXPECT(!(ri.state & MMB_REGION_REVOKED_USER),
		       "%s: region state %#x after restore", name, ri.state);
		EXPECT_EQ(ri.mappings, 0);
	}
	if (info.caps & MMB_CAP_DEVMEM) {
		for (i = 0; i < 256; i++)
			out[i] = i * 7 + 1;
		EXPECT_OK(mmb_mem_write(fd, 4096, out, sizeof(out)));
		EXPECT_OK(mmb_mem_read(fd, 4096, in, sizeof(in)));
		EXPECT(!memcmp(in, out, sizeof(in)), "%s: MEM_RW data", name);
	}
	if (info.caps & MMB_CAP_DMA) {
		memset(in, 0, sizeof(in));
		EXPECT_OK(mmb_dma(fd, MMB_XFER_TO_DEVICE, 0, out, sizeof(out)));
		EXPECT_OK(mmb_dma(fd, MMB_XFER_FROM_DEVICE, 0, in, sizeof(in)));
		EXPECT(!memcmp(in, out, sizeof(in)), "%s: DMA data", name);
	}
	if (info.caps & MMB_CAP_IRQ) {
		uint64_t before;
		uint32_t raised = 0;

		EXPECT_OK(mmb_irq_control(fd, 1));
		before = dev_count(fd);
		EXPECT_OK(mmb_irq_trigger(fd, 5, &raised));
		EXPECT_EQ(raised, 5);
		EXPECT_EQ(dev_count(fd) - before, 5);
	}
	if (info.caps & MMB_CAP_OBJECT) {
		struct mmb_obj_info oi;

		EXPECT_OK(mmb_obj_info(fd, 0, &oi));
		EXPECT_EQ(oi.objects, 0);
		EXPECT_EQ(oi.pool_free, oi.pool_size);
	}
	/* A worker-thread copy of the generator's bytes, exact. */
	{
		uint64_t buf[64];

		EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 99,
					  MMB_COPY_SET_OFFSET, 0));
		EXPECT_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
		for (i = 0; i < 64; i++)
			EXPECT(buf[i] == mmb_gen_word(99, i),
			       "%s: copied word %d", name, i);
	}
	close(fd);
	return T_PASS;
}

/*
 * Leave the device memory and the pool zeroed, as at boot: the host checks
 * of later cases read the ivshmem file.
 */
static int dev_wipe(const char *name)
{
	struct mmb_info info;
	int fd = dev_open(name);

	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	if (info.caps & MMB_CAP_DEVMEM) {
		void *zero = calloc(1, info.mem_size);

		EXPECT(zero, "calloc");
		EXPECT_OK(mmb_mem_write(fd, 0, zero, info.mem_size));
		free(zero);
	}
	if (info.caps & MMB_CAP_OBJECT) {
		struct mmb_obj_info oi;
		uint64_t off;
		uint32_t h;
		void *p;

		EXPECT_OK(mmb_obj_info(fd, 0, &oi));
		EXPECT_OK(mmb_obj_create(fd, oi.pool_size, MMB_OBJ_DEVICE, &h, &off));
		p = mmb_obj_map(fd, off, oi.pool_size);
		EXPECT(p, "map: %s", strerror(errno));
		memset(p, 0, oi.pool_size);
		munmap(p, oi.pool_size);
		EXPECT_OK(mmb_obj_destroy(fd, h));
	}
	close(fd);
	return T_PASS;
}

/* What a run does besides the workers' operations. */
struct fz_opts {
	const char *name;	/* the case, for messages */
	const char *ops_param;	/* kernel parameter for the budget */
	uint64_t ops;		/* default budget */
	bool unload;		/* rmmod attempts, a reload at the end */
	bool inject;		/* fault injection into the workers' calls */
};

/* The parent's state of a run. */
static struct {
	const struct fz_opts *o;
	uint64_t seed, quota, kills, deaths;
	uint64_t last_done[FZ_WORKERS], last_prog[FZ_WORKERS];
	unsigned int empty[FZ_WORKERS];	/* lives in a row without an op */
	unsigned int gen[FZ_WORKERS];
	unsigned int reloads, rmmods;
	uint64_t rmmod_ns;	/* time in driver rmmods */
} R;

static const char *op_name(int op)
{
	static const char *const others[] = {
		"read(device)", "read(event)", "read(stream)", "read(eventfd)",
		"write(device)", "write(event)", "write(stream)",
		"write(eventfd)", "poll", "mmap", "open", "io_submit",
		"io_getevents", "io_cancel", "io_destroy", "aio result",
		"removed ioctl",
	};

	if (op >= 0 && op < FZ_NR_CMDS)
		return cmds[op].name;
	if (op >= FZ_NR_CMDS && op < FZ_NR_OPS)
		return others[op - FZ_NR_CMDS];
	return "?";
}

/*
 * Reap dead workers and start the next generation; T_FAIL when one died
 * of anything but SIGKILL or a clean exit.
 */
static int fz_reap(void)
{
	pid_t pid;
	int w, st;

	int reaped = 0;

	/* Bounded, so that the caller's progress checks run in between. */
	while (reaped++ < 8 * FZ_WORKERS &&
	       (pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (w = 0; w < FZ_WORKERS; w++)
			if (worker_pid[w] == pid)
				break;
		if (w == FZ_WORKERS)
			continue;
		/* A worker that keeps ending at once is a hang in disguise. */
		if (atomic_load(&S->w[w].done) == born_done[w]) {
			if (++R.empty[w] >= 1000) {
				kill_workers();
				FAIL("seed %#llx: worker %d ended %u lives in a row without one operation (last status %#x, stop %d, last '%s')",
				     (unsigned long long)R.seed, w, R.empty[w],
				     st, atomic_load(&S->stop), S->w[w].last);
			}
		} else {
			R.empty[w] = 0;
		}
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
		    !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			kill_workers();
			FAIL("seed %#llx: worker %d generation %u died "
			     "(status %#x) during '%s'",
			     (unsigned long long)R.seed, w, R.gen[w], st,
			     S->w[w].last);
		}
		R.deaths++;
		R.gen[w]++;
		EXPECT(spawn(w, worker_seed(R.seed, w, R.gen[w]), R.quota) > 0,
		       "fork: %s", strerror(errno));
		R.last_prog[w] = mmb_now_ns();
	}
	return T_PASS;
}

/* T_FAIL when a worker made no progress for FZ_STUCK_S. */
static int fz_stuck(void)
{
	int w;

	for (w = 0; w < FZ_WORKERS; w++) {
		uint64_t d = atomic_load(&S->w[w].done);

		if (d != R.last_done[w]) {
			R.last_done[w] = d;
			R.last_prog[w] = mmb_now_ns();
		} else if (mmb_now_ns() - R.last_prog[w] > FZ_STUCK_S * 1000000000ULL) {
			char path[64], stack[512] = "";

			snprintf(path, sizeof(path), "/proc/%d/stack",
				 worker_pid[w]);
			read_line(path, stack, sizeof(stack));
			kill_workers();
			FAIL("seed %#llx: worker %d stuck %d s in '%s' (%s)",
			     (unsigned long long)R.seed, w, FZ_STUCK_S,
			     S->w[w].last, stack);
		}
	}
	return T_PASS;
}

/* DMA mappings mmbridge holds (debugfs), or -1 without the file. */
static long fz_dma_mappings_now(void)
{
	char line[32];

	if (read_line("/sys/kernel/debug/mmbridge/dma_mappings", line,
		      sizeof(line)))
		return -1;
	return strtol(line, NULL, 10);
}

/*
 * DMA mappings mmbridge still holds once the transfers in flight ended:
 * a killed worker leaves its edu transfer with the device, which unmaps
 * it when the transfer completes (100 ms of the device's clock each).
 * A mapping left after 10 s is a leak.
 */
static long fz_dma_mappings(void)
{
	long n = fz_dma_mappings_now();
	int i;

	for (i = 0; i < 200 && n > 0; i++) {
		usleep(50000);
		n = fz_dma_mappings_now();
	}
	return n;
}

static void fz_refcnt(char *buf, size_t size)
{
	if (read_line("/sys/module/mmbridge/refcnt", buf, size))
		snprintf(buf, size, "?");
}

/*
 * rmmod of a device's driver module while this process holds a device
 * file, an event fd or a mapping (their device file closed), and the
 * workers whatever they hold: a removal, done within 30 s, after which the
 * held file says -ENODEV and the mapping still reads (DISCARD); then the
 * driver is loaded again and the workers follow the new instance.
 * Nothing is tried when the device cannot be opened.
 */
static int fz_rmmod_driver(void)
{
	static const char *const what[] = {
		"a device file", "an event fd", "a counter-page mapping",
		"a region mapping",
	};
	const struct mmb_counters *page = NULL;
	int k = below(4), d = below(NR_NODES), fd, efd = -1, r, err, i;
	volatile uint64_t *region = NULL;
	int inst = -1;
	struct mmb_info info;
	char path[64], mod[32];
	uint64_t t0, v;

	if (k == 3)
		d = 0;	/* soft0 has a region */
	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s%d", kinds[d],
		 atomic_load(&S->inst[d]));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return T_PASS;
	if (k == 1)
		efd = mmb_event_open(fd, MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC);
	if (k == 2)
		page = mmb_counters_map(fd);
	if (k == 3)
		region = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, PG);
	if ((k == 1 && efd < 0) || (k == 2 && !page) || (k == 3 && !region))
		FAIL("%s on %s: %s", what[k], path, strerror(errno));
	if (k)
		close(fd);

	snprintf(mod, sizeof(mod), "mmb_%s", kinds[d]);
	t0 = mmb_now_ns();
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	err = errno;
	t0 = mmb_now_ns() - t0;
	R.rmmod_ns += t0;
	if (r) {
		kill_workers();
		FAIL("seed %#llx: rmmod %s while holding %s of %s: %s",
		     (unsigned long long)R.seed, mod, what[k], path,
		     strerror(err));
	}
	/*
	 * A removal waits for the DMA the workers queued (edu fails what
	 * its engine has not done in 10 s), as an unbind does: bounded, not
	 * instant.
	 */
	EXPECT(t0 < 30000000000ULL, "seed %#llx: rmmod %s took %.1f s",
	       (unsigned long long)R.seed, mod, t0 / 1e9);

	switch (k) {
	case 0:
		EXPECT_ERR(mmb_info(fd, &info), ENODEV);
		close(fd);
		break;
	case 1:
		r = read(efd, &v, sizeof(v));
		EXPECT(r == sizeof(v) || errno == EAGAIN || errno == ENODEV,
		       "event fd after rmmod %s: %d (%s)", mod, r,
		       strerror(errno));
		close(efd);
		break;
	case 2:
		v = page->irq_count;	/* still mapped: no SIGBUS */
		mmb_counters_unmap(page);
		break;
	default:
		v = region[0];		/* discarded: no SIGBUS */
		mmb_region_unmap((void *)region, PG);
	}
	r = module_load_driver(getenv("MMB_KO"), mod, getenv("MMB_PARAMS"));
	EXPECT(!r, "seed %#llx: loading %s again: %s",
	       (unsigned long long)R.seed, mod, strerror(-r));
	for (i = 0; i < 200 && (inst = present_instance(d)) < 0; i++)
		usleep(10000);
	EXPECT(inst >= 0, "seed %#llx: no %s device after loading %s again",
	       (unsigned long long)R.seed, kinds[d], mod);
	atomic_store(&S->inst[d], inst);
	R.rmmods++;
	return T_PASS;
}

/*
 * A real unload after the storm: every worker and every child of one is
 * gone (kill_workers()), so mmbridge must hold no DMA mapping, unload once
 * the last files' deferred releases ran, and load again, its devices back
 * as instance 0.
 */
static int fz_reload(void)
{
	const char *ko = getenv("MMB_KO");
	uint64_t t0 = mmb_now_ns();
	char refs[32];
	unsigned int i;
	int d, r;
	long n;

	n = fz_dma_mappings();
	EXPECT(n <= 0, "seed %#llx: %ld DMA mappings with every file closed",
	       (unsigned long long)R.seed, n);
	r = module_load(ko);
	fz_refcnt(refs, sizeof(refs));
	EXPECT(!r, "seed %#llx: reloading with every file closed: %s (refcnt %s)",
	       (unsigned long long)R.seed, strerror(-r), refs);
	for (d = 0; d < NR_NODES; d++) {
		if (!bound_as[d][0])
			continue;
		for (i = 0; i < 100 && present_instance(d) != 0; i++)
			usleep(50000);
		EXPECT(present_instance(d) == 0,
		       "seed %#llx: %s not back as instance 0 after the reload",
		       (unsigned long long)R.seed, kinds[d]);
		atomic_store(&S->inst[d], 0);
	}
	R.reloads++;
	printf("# %s: module reloaded after %llu operations in %.1f s\n",
	       R.o->name, (unsigned long long)atomic_load(&S->ops),
	       (mmb_now_ns() - t0) / 1e9);
	return T_PASS;
}

/* -------- fault injection: the kernel's knobs -------- */

#define DBG		"/sys/kernel/debug"
#define FI_TIMES	1000000000	/* "times": the failures left */

/*
 * The attributes of the workers' failures and their probability (%).
 * Not fail_function: without ftrace its probes are int3 kprobes, whose
 * handlers run as NMIs, where the task filter and fail-nth never match
 * and should_fail()'s get_random_u32_below() takes the crng lock, which
 * lockdep reports (an inconsistent lock state, {INITIAL USE} -> {IN-NMI}).
 */
static const struct {
	const char *dir;
	int probability;
} fi_attrs[] = {
	{ "failslab", 10 },
	{ "fail_page_alloc", 10 },
	{ "fail_usercopy", 10 },
	{ "mmbridge/fail_object_ram", 100 },
};
#define FI_NR_ATTRS (int)(sizeof(fi_attrs) / sizeof(fi_attrs[0]))

static int fi_set(const char *dir, const char *knob, const char *val)
{
	char path[384];

	snprintf(path, sizeof(path), DBG "/%s/%s", dir, knob);
	return write_str(path, val);
}

static long long fi_get(const char *dir, const char *knob)
{
	char path[384], line[32];

	snprintf(path, sizeof(path), DBG "/%s/%s", dir, knob);
	if (read_line(path, line, sizeof(line)))
		return -1;
	return strtoll(line, NULL, 0);
}

/* Probability @p for every attribute (-1: each attribute's own). */
static int fi_probability(int p)
{
	char val[16];
	int i, r = 0;

	for (i = 0; !r && i < FI_NR_ATTRS; i++) {
		snprintf(val, sizeof(val), "%d",
			 p < 0 ? fi_attrs[i].probability : p);
		r = fi_set(fi_attrs[i].dir, "probability", val);
	}
	return r;
}

/*
 * Reports of injected failures: 0 none, 1 a line, 2 with the stack; at
 * most @burst in @interval_ms (0: no limit).
 */
static int fi_verbose(int level, int interval_ms, int burst)
{
	char v[3][16];
	int i, r = 0;

	snprintf(v[0], sizeof(v[0]), "%d", level);
	snprintf(v[1], sizeof(v[1]), "%d", interval_ms);
	snprintf(v[2], sizeof(v[2]), "%d", burst);
	for (i = 0; !r && i < FI_NR_ATTRS; i++) {
		r = fi_set(fi_attrs[i].dir, "verbose", v[0]);
		if (!r)
			r = fi_set(fi_attrs[i].dir,
				   "verbose_ratelimit_interval_ms", v[1]);
		if (!r)
			r = fi_set(fi_attrs[i].dir, "verbose_ratelimit_burst",
				   v[2]);
	}
	return r;
}

/*
 * failslab fails the slab caches marked with @on (all but radix_tree_node,
 * from which DMA-API debugging takes its cacheline tracking nodes in the
 * mapping task's context, switching itself off when it cannot), or none.
 * Merged caches (none with slub_debug) cannot be told apart: left out.
 */
static int fi_caches(bool on)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];
	int r = 0;

	if (!d)
		return -errno;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/failslab",
			 e->d_name);
		r = write_str(path, on && strcmp(e->d_name, "radix_tree_node") ?
					    "1" : "0");
		if (r == -EINVAL)	/* merged: not to be told apart */
			r = 0;
	}
	closedir(d);
	return r ? r : fi_set("failslab", "cache-filter", on ? "Y" : "N");
}

/* Everything back as the kernel boots with it. */
static void fi_reset(void)
{
	int i;

	fi_caches(false);
	write_str("/proc/thread-self/make-it-fail", "0");
	for (i = 0; i < FI_NR_ATTRS; i++) {
		fi_set(fi_attrs[i].dir, "probability", "0");
		fi_set(fi_attrs[i].dir, "task-filter", "N");
		fi_set(fi_attrs[i].dir, "times", "-1");
	}
	fi_verbose(2, 0, 10);
	fi_set("failslab", "ignore-gfp-wait", "Y");
	fi_set("fail_page_alloc", "ignore-gfp-wait", "Y");
	fi_set("fail_page_alloc", "ignore-gfp-highmem", "Y");
	fi_set("fail_page_alloc", "min-order", "1");
}

/*
 * Failures for tasks with make-it-fail only, every time the probability
 * says so, any allocation (sleeping ones and order 0 too; not DMA-API
 * debugging's, see fi_caches()), a one-line report each (two a second at
 * most).  Every probability stays 0.  T_SKIP without the facilities.
 */
static int fi_setup(void)
{
	static const char *const need[] = {
		DBG "/failslab/probability", DBG "/fail_page_alloc/probability",
		DBG "/fail_usercopy/probability",
		DBG "/mmbridge/fail_object_ram/probability",
		"/proc/thread-self/make-it-fail", "/proc/thread-self/fail-nth",
	};
	char times[16];
	size_t i;
	int k;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (access(need[i], W_OK))
			SKIP("no fault injection in this kernel (%s: %s)",
			     need[i], strerror(errno));
	snprintf(times, sizeof(times), "%d", FI_TIMES);
	for (k = 0; k < FI_NR_ATTRS; k++) {
		EXPECT_OK(fi_set(fi_attrs[k].dir, "probability", "0"));
		EXPECT_OK(fi_set(fi_attrs[k].dir, "task-filter", "Y"));
		EXPECT_OK(fi_set(fi_attrs[k].dir, "interval", "1"));
		EXPECT_OK(fi_set(fi_attrs[k].dir, "times", times));
		EXPECT_OK(fi_set(fi_attrs[k].dir, "space", "0"));
	}
	EXPECT_OK(fi_verbose(1, 1000, 2));
	EXPECT_OK(fi_set("failslab", "ignore-gfp-wait", "N"));
	EXPECT_OK(fi_caches(true));
	EXPECT_OK(fi_set("fail_page_alloc", "ignore-gfp-wait", "N"));
	EXPECT_OK(fi_set("fail_page_alloc", "ignore-gfp-highmem", "N"));
	EXPECT_OK(fi_set("fail_page_alloc", "min-order", "0"));

	return T_PASS;
}

/* -------- each allocation and user copy of a call, failed in turn -------- */

/* What one call of the sweep works on. */
struct sw {
	int fd, efd, sfd;	/* soft0, an event fd or eventfd, a stream */
	uint64_t ctx;		/* an aio context, or 0 */
	uint8_t *buf;		/* SW_BUF bytes, touched */
	uint32_t id;
	void *map;
	void *at;		/* where a mapping goes, or NULL */
	struct mmb_irq_record rec;
};
/* Beyond 4 MiB: a page array beyond two pages (vmalloc'd). */
#define SW_BUF		((4 << 20) + 64 * 1024)
#define SW_LEN		(64 * 1024)	/* beyond a page: vmalloc'd */

struct sw_call {
	const char *name;
	const char *dev;
	unsigned int sites;		/* only the first (0: all) */
	int (*prep)(struct sw *s);	/* injection off; 0 or -errno */
	long (*call)(struct sw *s);	/* >= 0 or -errno */
	void (*clean)(struct sw *s, long r);	/* injection off */
};

static long sw_ret(long r)
{
	return r < 0 ? -errno : r;
}

static long sw_open(struct sw *s)
{
	return s->efd = sw_ret(open(MMB_DEV_DIR "/soft0", O_RDWR | O_CLOEXEC));
}

static void sw_close_efd(struct sw *s, long r)
{
	if (r >= 0)
		close(s->efd);
}

static int sw_sync(struct sw *s)
{
	return mmb_copy_config(s->fd, MMB_COPY_SYNC, MMB_SRC_GEN, 3,
			       MMB_COPY_SET_OFFSET, 0);
}

static int sw_worker(struct sw *s)
{
	return mmb_copy_config(s->fd, MMB_COPY_WORKER, MMB_SRC_GEN, 3,
			       MMB_COPY_SET_OFFSET, 0);
}

/* A WORKER file and an aio context. */
static int sw_aio_new(struct sw *s)
{
	int r = sw_worker(s);

	return r ? r : kaio_setup(1, &s->ctx);
}

static long sw_read(struct sw *s)
{
	return sw_ret(read(s->fd, s->buf, 4096));
}

static long sw_write(struct sw *s)
{
	return sw_ret(write(s->fd, s->buf, SW_LEN));
}

static void sw_clear(struct sw *s, long r)
{
	mmb_copy_config(s->fd, MMB_COPY_SYNC, MMB_SRC_GEN, 3,
			MMB_COPY_CLEAR_BUFFER, 0);
}

static long sw_dma_to(struct sw *s)
{
	return mmb_dma(s->fd, MMB_XFER_TO_DEVICE, 0, s->buf, SW_LEN);
}

static long sw_dma_from(struct sw *s)
{
	return mmb_dma(s->fd, MMB_XFER_FROM_DEVICE, 0, s->buf, SW_LEN);
}

static long sw_mem_read(struct sw *s)
{
	return mmb_mem_read(s->fd, 0, s->buf, SW_LEN);
}

/*
 * An aio read, submitted and waited for: its completion's result.  Its
 * allocations are in the submitter (the worker's are not injected);
 * io_submit() reports a failure of aio's own as EAGAIN, which is ENOMEM
 * here.
 */
static long sw_aio_read(struct sw *s)
{
	struct io_event ev;
	struct iocb cb;
	int r;

	r = kaio_read(s->ctx, &cb, s->fd, s->buf, SW_LEN, 0, 0, 7);
	if (r)
		return r == -EAGAIN ? -ENOMEM : r;
	r = kaio_reap(s->ctx, 1, 1, &ev, 20000);
	if (r != 1)
		return r < 0 ? r : -ETIMEDOUT;
	return ev.res;
}

/* What the call left unreaped (a lost copy-out of the event) ends. */
static void sw_aio_end(struct sw *s, long r)
{
	kaio_destroy(s->ctx);
	s->ctx = 0;
}

static long sw_irq_copy(struct sw *s)
{
	return mmb_irq_copy(s->fd, &s->rec);
}

static void sw_irq_copy_off(struct sw *s, long r)
{
	mmb_irq_copy(s->fd, NULL);
}

static long sw_event_open(struct sw *s)
{
	return s->efd = mmb_event_open(s->fd, MMB_EVENT_CLOEXEC);
}

static int sw_eventfd_new(struct sw *s)
{
	return s->efd = sw_ret(eventfd(0, EFD_CLOEXEC));
}

static long sw_eventfd(struct sw *s)
{
	return mmb_eventfd(s->fd, s->efd);
}

static void sw_eventfd_off(struct sw *s, long r)
{
	mmb_eventfd(s->fd, -1);
	close(s->efd);
}

static long sw_pin(struct sw *s)
{
	return mmb_pin_region(s->fd, s->buf, SW_BUF, &s->id, NULL);
}

static void sw_unpin(struct sw *s, long r)
{
	if (r >= 0)
		mmb_unpin_region(s->fd, s->id);
}

static long sw_stream_bounce(struct sw *s)
{
	return s->sfd = mmb_stream_setup(s->fd, MMB_STREAM_BOUNCE,
					 MMB_STREAM_MAX_FRAMES, PG, NULL, 1, 0,
					 0, 0);
}

static long sw_stream_zero_copy(struct sw *s)
{
	void *frames[2] = { s->buf, s->buf + 4096 };

	return s->sfd = mmb_stream_setup(s->fd, MMB_STREAM_ZERO_COPY, 2, 4096,
					 frames, 1, 0, 0, 0);
}

static void sw_stream_close(struct sw *s, long r)
{
	if (s->sfd >= 0)
		close(s->sfd);
	s->sfd = -1;
}

static int sw_stream_new(struct sw *s)
{
	return s->sfd = mmb_stream_setup(s->fd, MMB_STREAM_BOUNCE, 2, PG, NULL,
					 1, 0, 0, 0);
}

static long sw_stream_start(struct sw *s)
{
	return mmb_stream_start(s->sfd);
}

static long sw_obj_ram(struct sw *s)
{
	uint64_t off;

	return mmb_obj_create(s->fd, SW_BUF, MMB_OBJ_RAM, &s->id, &off);
}

static long sw_obj_device(struct sw *s)
{
	uint64_t off;

	return mmb_obj_create(s->fd, SW_LEN, MMB_OBJ_DEVICE, &s->id, &off);
}

static int sw_obj_new(struct sw *s)
{
	return sw_obj_ram(s);
}

static long sw_obj_migrate(struct sw *s)
{
	return mmb_obj_migrate(s->fd, s->id, MMB_OBJ_DEVICE);
}

static void sw_obj_destroy(struct sw *s, long r)
{
	if (r >= 0 || s->id)
		mmb_obj_destroy(s->fd, s->id);
	s->id = 0;
}

/*
 * A 1 GiB-aligned address with nothing mapped in its gigabyte, so that
 * mapping a page there allocates page tables (the PMD and PTE pages):
 * the failures this sweep injects reach those allocations too.  Found
 * with injection off.
 */
static int sw_fresh_address(struct sw *s)
{
	const size_t gib = 1UL << 30;
	char *r = mmap(NULL, 2 * gib, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (r == MAP_FAILED)
		return -errno;
	s->at = (void *)(((uintptr_t)r + gib - 1) & ~(gib - 1));
	return munmap(r, 2 * gib) ? -errno : 0;
}

static long sw_map_counters(struct sw *s)
{
	s->map = mmap(s->at, PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE,
		      s->fd, MMB_MMAP_COUNTERS);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return -errno;
	}
	return 0;
}

static long sw_map_region(struct sw *s)
{
	s->map = mmb_region_map(s->fd, MMB_FAULT_DISCARD, 0, SW_LEN);
	return s->map ? 0 : -errno;
}

static void sw_unmap(struct sw *s, long r)
{
	if (s->map)
		munmap(s->map, r == 1 ? PG : SW_LEN);
	s->map = NULL;
}

static void sw_unmap_page(struct sw *s, long r)
{
	sw_unmap(s, 1);
}

static long sw_trigger(struct sw *s)
{
	uint32_t raised;

	return mmb_irq_trigger(s->fd, 1, &raised);
}

static long sw_revoke(struct sw *s)
{
	struct mmb_region_ctl rc;

	return mmb_region_revoke(s->fd, &rc);
}

static void sw_restore(struct sw *s, long r)
{
	struct mmb_region_ctl rc;

	mmb_region_restore(s->fd, &rc);
}

static long sw_info(struct sw *s)
{
	struct mmb_info info;

	return mmb_info(s->fd, &info);
}

/*
 * Not edu0: DMA-API debugging allocates in the mapping task's context
 * (its cacheline tracking), and when that fails, it switches itself off
 * for good.  soft0 does the same without the DMA API; its stream loads
 * 8 MiB of pattern when it starts: the first checks only.
 */
static const struct sw_call sw_calls[] = {
	{ "open", "soft0", 0, NULL, sw_open, sw_close_efd },
	{ "INFO", "soft0", 0, NULL, sw_info, NULL },
	{ "read (sync)", "soft0", 0, sw_sync, sw_read, NULL },
	{ "read (worker)", "soft0", 0, sw_worker, sw_read, NULL },
	{ "write", "soft0", 0, NULL, sw_write, sw_clear },
	{ "DMA to the device", "soft0", 0, NULL, sw_dma_to, NULL },
	{ "DMA from the device", "soft0", 0, NULL, sw_dma_from, NULL },
	{ "MEM_RW", "soft0", 0, NULL, sw_mem_read, NULL },
	{ "MEM_RW", "ivshmem0", 0, NULL, sw_mem_read, NULL },
	{ "aio read (worker)", "soft0", 0, sw_aio_new, sw_aio_read,
	  sw_aio_end },
	{ "IRQ_COPY", "soft0", 0, NULL, sw_irq_copy, sw_irq_copy_off },
	{ "IRQ_TRIGGER", "soft0", 0, NULL, sw_trigger, NULL },
	{ "EVENT_OPEN", "soft0", 0, NULL, sw_event_open, sw_close_efd },
	{ "EVENTFD", "soft0", 0, sw_eventfd_new, sw_eventfd, sw_eventfd_off },
	{ "PIN_REGION", "soft0", 0, NULL, sw_pin, sw_unpin },
	{ "STREAM_SETUP (bounce)", "soft0", 0, NULL, sw_stream_bounce,
	  sw_stream_close },
	{ "STREAM_SETUP (zero copy)", "soft0", 0, NULL, sw_stream_zero_copy,
	  sw_stream_close },
	{ "STREAM_START", "soft0", 24, sw_stream_new, sw_stream_start,
	  sw_stream_close },
	{ "OBJ_CREATE (RAM)", "ivshmem0", 0, NULL, sw_obj_ram, sw_obj_destroy },
	{ "OBJ_CREATE (device)", "ivshmem0", 0, NULL, sw_obj_device,
	  sw_obj_destroy },
	{ "OBJ_MIGRATE", "ivshmem0", 0, sw_obj_new, sw_obj_migrate,
	  sw_obj_destroy },
	{ "mmap (counter page)", "soft0", 0, sw_fresh_address, sw_map_counters,
	  sw_unmap_page },
	{ "mmap (region)", "soft0", 0, NULL, sw_map_region, sw_unmap },
	{ "REGION_REVOKE", "soft0", 0, NULL, sw_revoke, sw_restore },
};

/*
 * The first report of an allocation failure or a splat in the log, or 0.
 * Allocation failure reports come one in ten seconds at most: those held
 * back are counted when the next one comes ("warn_alloc: N callbacks
 * suppressed").
 */
static int sw_log_report(int kfd, char *line, size_t size)
{
	static const char *const words[] = {
		"allocation failure", "vmalloc error", "warn_alloc:",
		"WARNING:", "BUG:", "KASAN:", "Oops", "general protection fault",
	};
	char rec[1024], *msg;
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(kfd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			return 0;
		rec[n] = 0;
		msg = strchr(rec, ';');
		for (i = 0; msg && i < sizeof(words) / sizeof(words[0]); i++) {
			if (strstr(msg, words[i])) {
				snprintf(line, size, "%s", msg + 1);
				line[strcspn(line, "\n")] = 0;
				return 1;
			}
		}
	}
}

/*
 * fail-nth @n for this thread (0: off); the disarming write may be the
 * check that fails, so it is repeated.
 */
static int sw_nth(int nfd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n), i;

	for (i = 0; i < 4; i++)
		if (pwrite(nfd, buf, len, 0) == len)
			return 0;
	return -EIO;
}

/* Whether the failure armed with sw_nth() was injected. */
static bool sw_fired(int nfd)
{
	char buf[16];

	return pread(nfd, buf, sizeof(buf), 0) == 2 && buf[0] == '0';
}

#define SW_MAX_SITES	400

/*
 * Each allocation and user copy of one call, failed in turn: for N = 1, 2,
 * ... until the call no longer reaches it, the N-th check fails (fail-nth),
 * and then the N-th and every allocation after it (fail-nth with this
 * thread's make-it-fail and failslab and fail_page_alloc at 100 %, @mfd
 * being its make-it-fail: opening it then would need memory), so that
 * fallbacks fail too.  The call returns ENOMEM or EFAULT, or works after
 * all (the failure was made good), and the kernel logs nothing about it
 * but fault injection's own report: an allocation whose failure becomes
 * the caller's ENOMEM does not report it.  The call works afterwards.
 */
static int sw_one(const struct sw_call *c, int nfd, int mfd, int kfd,
		  int *sites, int *reports)
{
	static const char *const how[] = { "failed", "and all later allocations failed" };
	struct sw s = { .efd = -1, .sfd = -1 };
	unsigned int n, logged = 0;
	char line[256];
	int after;
	long r;
	bool fired;

	s.fd = dev_open(c->dev);
	if (s.fd == -ENOENT)
		return T_SKIP;
	EXPECT_OK(s.fd);
	s.buf = map_anon(SW_BUF, PROT_READ | PROT_WRITE);
	EXPECT(s.buf, "mmap: %s", strerror(errno));
	memset(s.buf, 0x3c, SW_BUF);
	for (after = 0; after < 2; after++) {
		EXPECT_OK(fi_set("failslab", "probability", after ? "100" : "0"));
		EXPECT_OK(fi_set("fail_page_alloc", "probability",
				 after ? "100" : "0"));
		for (n = 1; n <= SW_MAX_SITES + 1; n++) {
			if (c->sites && n > c->sites)
				break;
			if (c->prep)
				EXPECT_OK(c->prep(&s));
			if (after && pwrite(mfd, "1", 1, 0) != 1)
				FAIL("make-it-fail: %s", strerror(errno));
			EXPECT_OK(sw_nth(nfd, n <= SW_MAX_SITES ? n : 0));
			r = c->call(&s);
			/* Neither needs memory; the copies can fail, once. */
			fired = n <= SW_MAX_SITES && sw_fired(nfd);
			EXPECT_OK(sw_nth(nfd, 0));
			if (after && pwrite(mfd, "0", 1, 0) != 1)
				FAIL("make-it-fail: %s", strerror(errno));
			if (c->clean)
				c->clean(&s, r);
			if (sw_log_report(kfd, line, sizeof(line)) && !logged++)
				printf("# %s on %s, check %u %s: the kernel logged \"%s\"\n",
				       c->name, c->dev, n, how[after], line);
			if (!fired) {
				EXPECT(r >= 0, "%s on %s: %s without an injected failure",
				       c->name, c->dev, strerror(-r));
				break;
			}
			EXPECT(r >= 0 || r == -ENOMEM || r == -EFAULT,
			       "%s on %s, check %u %s: %s", c->name, c->dev, n,
			       how[after], strerror(-r));
		}
		EXPECT(n <= SW_MAX_SITES, "%s on %s: more than %d checks",
		       c->name, c->dev, SW_MAX_SITES);
		*sites += after ? 0 : n - 1;
	}
	EXPECT_OK(fi_set("failslab", "probability", "0"));
	EXPECT_OK(fi_set("fail_page_alloc", "probability", "0"));
	*reports += !!logged;
	munmap(s.buf, SW_BUF);
	close(s.fd);
	return T_PASS;
}

static int sweep(void)
{
	int nfd, mfd, kfd, r, sites = 0, calls = 0, reports = 0;
	struct pins p0, p1;
	size_t i;

	r = fi_setup();
	if (r != T_PASS)
		return r;
	/* Full reports with the stack, a few of them: the log gate's rule. */
	EXPECT_OK(fi_verbose(2, 5000, 5));
	nfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	EXPECT(nfd >= 0, "fail-nth: %s", strerror(errno));
	mfd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	EXPECT(mfd >= 0, "make-it-fail: %s", strerror(errno));
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	p0 = pins_now();
	for (i = 0; i < sizeof(sw_calls) / sizeof(sw_calls[0]); i++) {
		r = sw_one(&sw_calls[i], nfd, mfd, kfd, &sites, &reports);
		if (r == T_FAIL)
			return r;
		calls += r == T_PASS;
	}
	EXPECT(pins_settle(p0, &p1), "%lld pins acquired, %lld released",
	       p1.acquired - p0.acquired, p1.released - p0.released);
	printf("# %d calls, %d allocations and user copies failed in turn\n",
	       calls, sites);
	EXPECT(!reports, "%d calls had an injected failure reported in the kernel log",
	       reports);
	close(kfd);
	close(mfd);
	close(nfd);
	return T_PASS;
}

static int test_injected_failure_each_call(void)
{
	int r = sweep();

	if (r != T_SKIP)
		fi_reset();
	return r;
}

static int fuzz_run(const struct fz_opts *o)
{
	uint64_t target = o->ops, t0 = mmb_now_ns(), rounds = 0;
	long long fired0[FI_NR_ATTRS], fired[FI_NR_ATTRS];
	pid_t stopped = 0;
	struct pins p0, p1;
	char buf[64];
	int w, r, i, k, c;
	pid_t pid;
	long n;

	memset(&R, 0, sizeof(R));
	R.o = o;
	if (cmdline_get("mmb.fuzz_seed", buf, sizeof(buf)))
		R.seed = strtoull(buf, NULL, 0);
	else
		R.seed = test_seed();
	if (cmdline_get(o->ops_param, buf, sizeof(buf)))
		target = strtoull(buf, NULL, 0);
	printf("# %s seed %#llx ops %llu workers %d\n", o->name,
	       (unsigned long long)R.seed, (unsigned long long)target,
	       FZ_WORKERS);
	fflush(stdout);

	/*
	 * The workers' shared state sits between two inaccessible pages: a
	 * fuzzed read() or output struct that runs past the end of a
	 * neighbouring mapping gets EFAULT there instead of rewriting the
	 * pids and counters the parent runs the workers by.
	 */
	{
		size_t len = (sizeof(*S) + PG - 1) & ~(PG - 1);
		char *g = mmap(NULL, len + 2 * PG, PROT_NONE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		EXPECT(g != MAP_FAILED, "mmap: %s", strerror(errno));
		EXPECT_OK(mprotect(g + PG, len, PROT_READ | PROT_WRITE) ?
			  -errno : 0);
		S = (void *)(g + PG);
	}
	EXPECT_OK(layout());
	signal(SIGPIPE, SIG_IGN);
	/* Orphaned children of killed workers come back here to be reaped. */
	EXPECT_OK(prctl(PR_SET_CHILD_SUBREAPER, 1) ? -errno : 0);
	rnd_seed(R.seed ^ 0x6b696c6cULL);	/* the parent's own stream */
	p0 = pins_now();
	if (o->unload && !getenv("MMB_KO"))
		SKIP("MMB_KO not set: no module to reload");
	if (o->unload && !access("/sys/module/mmb_sample", F_OK))
		SKIP("mmb_sample is loaded: mmbridge cannot be unloaded");
	if (o->inject) {
		for (k = 0; k < FI_NR_ATTRS; k++)
			fired0[k] = fi_get(fi_attrs[k].dir, "times");
		EXPECT_OK(fi_probability(-1));
		atomic_store(&S->inject, 1);
	}

	fz_find_devices();
	R.quota = target / FZ_WORKERS / 8 + 1;	/* ops per worker life */
	for (w = 0; w < FZ_WORKERS; w++) {
		EXPECT(spawn(w, worker_seed(R.seed, w, 0), R.quota) > 0,
		       "fork: %s", strerror(errno));
		R.last_done[w] = 0;
		R.last_prog[w] = mmb_now_ns();
	}

	while (atomic_load(&S->ops) < target) {
		usleep(1000 + below(30000));
		rounds++;
		if (stopped > 0) {	/* off-CPU for one round at most */
			kill(stopped, SIGCONT);
			stopped = 0;
		}
		if (one_in(6)) {	/* a random SIGKILL */
			w = below(FZ_WORKERS);
			pid = worker_pid[w];
			if (pid > 0 && !kill(pid, SIGKILL))
				R.kills++;
		}
		if (one_in(5)) {	/* a worker kept off its CPU */
			pid = worker_pid[below(FZ_WORKERS)];
			if (pid > 0 && !kill(pid, SIGSTOP))
				stopped = pid;
		}
		if (one_in(25)) {	/* a device removed under everyone */
			i = below(NR_NODES);
			if (bound_as[i][0] && (r = fz_replug(i))) {
				kill_workers();
				FAIL("seed %#llx: replugging %s: %s",
				     (unsigned long long)R.seed, nodes[i],
				     strerror(-r));
			}
		}
		if (o->unload && one_in(20)) {
			r = fz_rmmod_driver();
			if (r != T_PASS) {
				kill_workers();
				return r;
			}
		}
		r = fz_reap();
		if (r == T_PASS)
			r = fz_stuck();
		if (r != T_PASS)
			return r;
	}
	EXPECT(kill_workers(), "seed %#llx: a killed worker did not exit in 60 s",
	       (unsigned long long)R.seed);
	if (o->unload) {
		r = fz_reload();
		if (r != T_PASS)
			return r;
	}
	if (o->inject) {
		EXPECT_OK(fi_probability(0));
		for (k = 0; k < FI_NR_ATTRS; k++)
			fired[k] = fired0[k] - fi_get(fi_attrs[k].dir, "times");
	}
	printf("# %s: %llu operations in %.1f s, %llu kills, %llu worker lives, %u device removals\n",
	       o->name, (unsigned long long)atomic_load(&S->ops),
	       (mmb_now_ns() - t0) / 1e9, (unsigned long long)R.kills,
	       (unsigned long long)R.deaths + FZ_WORKERS, replugs);
	EXPECT(atomic_load(&S->ops) >= target, "only %llu operations",
	       (unsigned long long)atomic_load(&S->ops));
	printf("# %s: %llu mmaps, %llu loads/stores, %llu forks, %llu aio reads submitted, %llu reaped, %llu removed ioctls; ioctls that succeeded:\n#  ",
	       o->name, (unsigned long long)atomic_load(&S->maps_ok),
	       (unsigned long long)atomic_load(&S->touches),
	       (unsigned long long)atomic_load(&S->forks),
	       (unsigned long long)atomic_load(&S->aio_reads),
	       (unsigned long long)atomic_load(&S->aio_events),
	       (unsigned long long)atomic_load(&S->gone));
	for (i = 0; i < NR_CMDS; i++)
		printf(" %s %llu%s", cmds[i].name + 8,
		       (unsigned long long)atomic_load(&S->ok[i]),
		       i % 7 == 6 && i + 1 < NR_CMDS ? "\n#  " : "");
	printf("\n");
	if (o->unload)
		printf("# %s: %u driver rmmods (%.3f s in all), %u reloads\n",
		       o->name, R.rmmods, R.rmmod_ns / 1e9, R.reloads);
	EXPECT(!atomic_load(&S->bad),
	       "seed %#llx: %s failed with errno %d, which no system call returns",
	       (unsigned long long)R.seed, op_name(atomic_load(&S->bad_op)),
	       atomic_load(&S->bad_errno));
	/*
	 * The generator must reach past validation: every call succeeded
	 * some time (a frame to fetch needs a started naive stream with a
	 * finished frame, which random calls rarely line up).
	 */
	for (i = 0; i < NR_CMDS && !o->inject; i++)
		EXPECT(atomic_load(&S->ok[i]) || cmds[i].cmd == MMB_IOC_STREAM_FETCH,
		       "seed %#llx: %s never succeeded", (unsigned long long)R.seed,
		       cmds[i].name);
	EXPECT(atomic_load(&S->aio_reads) && atomic_load(&S->aio_events) &&
	       atomic_load(&S->gone),
	       "seed %#llx: no aio read submitted or reaped, or no removed ioctl",
	       (unsigned long long)R.seed);
	if (o->unload) {
		EXPECT_EQ(R.reloads, 1);
		EXPECT(R.rmmods, "seed %#llx: no rmmod tried in %llu rounds",
		       (unsigned long long)R.seed, (unsigned long long)rounds);
	}
	if (o->inject) {
		static const char *const cls[FI_NR] = {
			"without injection", "one failure (fail-nth)",
			"failures by probability",
		};

		for (c = 0; c < FI_NR; c++)
			printf("# %s: calls %s: %llu, %llu succeeded, %llu ENOMEM (%llu ioctls), %llu EFAULT (%llu ioctls)\n",
			       o->name, cls[c],
			       (unsigned long long)atomic_load(&S->fi[c].calls),
			       (unsigned long long)atomic_load(&S->fi[c].ok),
			       (unsigned long long)atomic_load(&S->fi[c].enomem),
			       (unsigned long long)atomic_load(&S->fi[c].ioctl_enomem),
			       (unsigned long long)atomic_load(&S->fi[c].efault),
			       (unsigned long long)atomic_load(&S->fi[c].ioctl_efault));
		printf("# %s: fail-nth beyond the call's checks: %llu; failures injected:",
		       o->name, (unsigned long long)atomic_load(&S->nth_missed));
		for (k = 0; k < FI_NR_ATTRS; k++)
			printf(" %s %lld", fi_attrs[k].dir, fired[k]);
		printf("\n");
		for (c = FI_NTH; c < FI_NR; c++) {
			printf("# %s: errnos with %s:", o->name, cls[c]);
			for (k = 1; k < FZ_ERRNO_MAX; k++)
				if (atomic_load(&S->fi[c].nr_errno[k]))
					printf(" %s %u", strerrorname_np(k) ?: "?",
					       atomic_load(&S->fi[c].nr_errno[k]));
			printf("\n");
		}
		/*
		 * What calls gave only with an injected failure: where one
		 * does not come out as ENOMEM or EFAULT, the call went on and
		 * failed for a reason of its own, rare enough not to have
		 * come up without (abi/injected_failure_each_call checks
		 * calls that cannot fail otherwise exactly).
		 */
		printf("# %s: errnos seen only with injected failures:", o->name);
		for (i = 0; i < FZ_NR_OPS; i++) {
			for (k = 1; k < FZ_ERRNO_MAX; k++) {
				uint64_t bit = 1ULL << (k % 64);

				if (k == ENOMEM || k == EFAULT ||
				    atomic_load(&S->fi[FI_PLAIN].errs[i][k / 64]) & bit)
					continue;
				for (c = FI_NTH; c < FI_NR; c++)
					if (atomic_load(&S->fi[c].errs[i][k / 64]) & bit)
						break;
				if (c < FI_NR)
					printf(" %s %s", op_name(i) + (i < FZ_NR_CMDS ? 8 : 0),
					       strerrorname_np(k) ?: "?");
			}
		}
		printf("\n");
		EXPECT(atomic_load(&S->fi[FI_NTH].ioctl_enomem) &&
		       atomic_load(&S->fi[FI_NTH].ioctl_efault),
		       "seed %#llx: injected failures in ioctls came out as ENOMEM %llu, EFAULT %llu times",
		       (unsigned long long)R.seed,
		       (unsigned long long)atomic_load(&S->fi[FI_NTH].ioctl_enomem),
		       (unsigned long long)atomic_load(&S->fi[FI_NTH].ioctl_efault));
		/* Objects' RAM is asked for too rarely to be sure of one. */
		for (k = 0; k < FI_NR_ATTRS; k++)
			EXPECT(fired[k] > 0 || strstr(fi_attrs[k].dir, "mmbridge"),
			       "seed %#llx: no failure from %s",
			       (unsigned long long)R.seed, fi_attrs[k].dir);
	}

	/* Every pin the workers took is released (deferred fputs first). */
	EXPECT(pins_settle(p0, &p1),
	       "seed %#llx: %lld pins acquired, %lld released",
	       (unsigned long long)R.seed, p1.acquired - p0.acquired,
	       p1.released - p0.released);

	r = fz_renumber();
	EXPECT(!r, "seed %#llx: devices not back as instance 0: %s",
	       (unsigned long long)R.seed, strerror(-r));
	/* Kernels with fault injection have debugfs: the count must be there. */
	n = fz_dma_mappings();
	EXPECT(o->inject ? n == 0 : n <= 0, "seed %#llx: %ld DMA mappings left",
	       (unsigned long long)R.seed, n);
	for (i = 0; i < NR_NODES; i++) {
		r = dev_smoke(nodes[i]);
		if (r == T_PASS)
			r = dev_wipe(nodes[i]);
		if (r != T_PASS)
			return r;
	}
	r = module_reload();
	EXPECT(r >= 0, "module reload: %s", strerror(-r));
	if (r == 0)
		for (i = 0; i < NR_NODES; i++) {
			r = dev_smoke(nodes[i]);
			if (r != T_PASS)
				return r;
		}
	return T_PASS;
}

static int test_fuzz(void)
{
	static const struct fz_opts o = {
		.name = "abi/fuzz",
		.ops_param = "mmb.fuzz_ops",
		.ops = FZ_OPS_DEFAULT,
		.unload = true,
	};

	NEED_SOFT();	/* every node, removals and a reload: the whole stack */
	return fuzz_run(&o);
}

/* Whatever the run left, injection is off afterwards. */
static int test_fuzz_fault_injection(void)
{
	static const struct fz_opts o = {
		.name = "abi/fuzz_fault_injection",
		.ops_param = "mmb.fuzz_fi_ops",
		.ops = FZ_FI_OPS_DEFAULT,
		.inject = true,
	};
	int r;

	NEED_SOFT();	/* every node and removals: the whole stack */
	r = fi_setup();

	if (r == T_PASS)
		r = fuzz_run(&o);
	if (r != T_SKIP)
		fi_reset();
	return r;
}

const struct mmb_test fuzz_tests[] = {
	{ "abi/fuzz", test_fuzz, 600 },
	{ "abi/injected_failure_each_call", test_injected_failure_each_call,
	  300 },
	{ "abi/fuzz_fault_injection", test_fuzz_fault_injection, 600 },
	{ NULL }
};
