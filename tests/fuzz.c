// SPDX-License-Identifier: GPL-2.0
/*
 * abi/fuzz: random and mutated operations on every device node from several
 * processes at once, with random SIGKILLs.
 *
 * Each worker process draws its operations from a seeded generator: every
 * ioctl with valid, boundary and random arguments (NULL, kernel addresses,
 * unmapped and read-only memory, misaligned and overflowing ranges, struct
 * sizes that are too small, too large or run into a guard page), read,
 * write and poll on device, event and stream fds, mmap/munmap/mremap/
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
 * Afterwards: no worker died of anything but our SIGKILL, pins are
 * balanced, every device passes a smoke test, and the module unloads and
 * loads again.  The kernel log is checked by the harness.
 *
 * Reproducing: the seed is printed ("# abi/fuzz seed 0x..."); booting with
 * MMB_CMDLINE="mmb.fuzz_seed=0x..." replays every worker's operations (the
 * kill times depend on scheduling).  mmb.fuzz_ops=N sets the budget.
 */
#include <fcntl.h>
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
#define FZ_MAX_FDS	10
#define FZ_MAX_MAPS	16
#define FZ_MAX_IDS	16
#define FZ_STUCK_S	60	/* a worker without progress this long is hung */
#define PG		4096UL

#define ARENA_LEN	(4UL << 20)
#define HOLE_LEN	(4UL << 20)
#define RO_LEN		(64UL << 10)
#define MEMFD_LEN	(1UL << 20)

/* Laid out by the parent before the workers fork: same addresses in all. */
static struct {
	uint8_t *arena;		/* RW anonymous, followed by a PROT_NONE page */
	uint8_t *guard;		/* PROT_NONE page after the arena */
	uint8_t *hole;		/* PROT_NONE reservation for MAP_FIXED */
	uint8_t *unmapped;	/* a gap inside the hole */
	uint8_t *ro;		/* read-only */
	uint8_t *memfd;		/* shared file mapping */
	uint8_t *argpage;	/* ioctl argument structs, guard after it */
} L;

#define FZ_NR_CMDS	28	/* entries of cmds[] */

struct fz_shared {
	atomic_ullong ops;
	atomic_ullong ok[FZ_NR_CMDS];	/* ioctls that succeeded, per cmds[] */
	atomic_ullong maps_ok, touches, forks;
	atomic_int stop;
	atomic_int inst[3];	/* current instance of each of kinds[] */
	struct {
		atomic_int pid;
		atomic_ullong done;	/* this worker's operations */
		char last[24];		/* name of the operation under way */
	} w[FZ_WORKERS];
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
	if (in_touch && now_ns() > touch_deadline)
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
	touch_deadline = now_ns() + 200000000ULL;
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
	struct mmb_copy_submit cs;
	struct mmb_copy_reap cr;
	struct mmb_copy_status cst;
	struct mmb_remote_write rw;
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
	C(MMB_IOC_COPY_SUBMIT, mmb_copy_submit),
	C(MMB_IOC_COPY_REAP, mmb_copy_reap),
	C(MMB_IOC_COPY_STATUS, mmb_copy_status),
	C(MMB_IOC_REMOTE_WRITE, mmb_remote_write),
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
		A.cc.mode = fz_u32(below(3));
		A.cc.source = fz_u32(below(2));
		A.cc.seed = rnd();
		A.cc.offset = fz_u64(below(1 << 20));
		break;
	case MMB_IOC_COPY_SUBMIT:
		A.cs.flags = fz_u32(0);
		A.cs.length = fz_len(1 + below(4 * PG));
		A.cs.user_addr = fz_ptr(A.cs.length);
		A.cs.offset = fz_u64(below(1 << 20));
		A.cs.cookie = rnd();
		break;
	case MMB_IOC_COPY_REAP:
		A.cr.flags = fz_u32(one_in(4) ? MMB_REAP_WAIT : 0);
		A.cr.max = fz_u32(1 + below(8));
		A.cr.entries = fz_ptr(A.cr.max * sizeof(struct mmb_copy_completion));
		break;
	case MMB_IOC_REMOTE_WRITE: {
		int w = below(FZ_WORKERS);

		A.rw.flags = fz_u32(0);
		switch (below(5)) {
		case 0:
			A.rw.pid = getpid();
			break;
		case 1:
			A.rw.pid = fz_u32(0);
			break;
		default:	/* a sibling: same layout, so its arena */
			A.rw.pid = atomic_load(&S->w[w].pid);
		}
		A.rw.length = fz_len(1 + below(2 * PG));
		A.rw.remote_addr = fz_ptr(A.rw.length);
		A.rw.local_addr = fz_ptr(A.rw.length);
		A.rw.reserved = one_in(16) ? rnd() : 0;
		break;
	}
	case MMB_IOC_IRQ_COPY:
		A.ic.flags = fz_u32(0);
		A.ic.user_addr = one_in(4) ? 0 : fz_ptr(sizeof(struct mmb_irq_record));
		break;
	case MMB_IOC_EVENT_OPEN:
		A.eo.flags = fz_u32(MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC);
		break;
	case MMB_IOC_EVENTFD: {
		struct fz_fd *f = some_fd_of(FF_EVENTFD);

		A.ef.flags = fz_u32(0);
		A.ef.fd = f && !one_in(4) ? f->fd : (int)fz_u32(some_fd());
		A.ef.reserved = one_in(16) ? rnd() : 0;
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
		A.rc.reserved = one_in(16) ? rnd() : 0;
		break;
	case MMB_IOC_OBJ_CREATE: {
		static const uint64_t sizes[] = {
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
	/* Submissions need an fd in async mode. */
	if (cmd == MMB_IOC_COPY_SUBMIT && one_in(2))
		mmb_copy_config(fd, MMB_COPY_ASYNC, below(2), rnd(), 0, 0);
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
	r = syscall(SYS_ioctl, fd, cmd, arg);
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
	int dev = below(NR_NODES);
	char path[64];

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s%d", kinds[dev],
		 atomic_load(&S->inst[dev]));
	add_fd(open(path, flags[below(5)]), FF_DEV, dev);
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
		(void)!write(f->fd, p, len);
	} else {
		(void)!read(f->fd, p, len);
	}
}

static void op_poll(void)
{
	struct pollfd pf[FZ_MAX_FDS];
	int i;

	for (i = 0; i < nr_fds; i++)
		pf[i] = (struct pollfd){ .fd = fds[i].fd,
					 .events = (short)(one_in(4) ? rnd() : POLLIN) };
	poll(pf, nr_fds, one_in(2) ? 0 : 5);
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
	int fd, prot = prots[below(5)], flags = MAP_SHARED;
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
	p = mmap(want, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return;
	atomic_fetch_add(&S->maps_ok, 1);
	if (flags & MAP_FIXED) {	/* keep the hole a reservation */
		munmap(p, len);
		mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
		return;
	}
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

		touch_deadline = now_ns() + 200000000ULL;
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
			else if (pick < 99)
				op_touch();
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
	L.hole = mmap(NULL, HOLE_LEN + 32 * PG, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (L.hole == MAP_FAILED)
		return -errno;
	L.unmapped = L.hole + HOLE_LEN;
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

static pid_t spawn(int w, uint64_t seed, uint64_t quota)
{
	pid_t pid = fork();

	if (pid == 0) {
		me = w;
		worker(seed, quota);
	}
	if (pid > 0) {
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
	uint64_t deadline = now_ns() + 60000000000ULL;
	int w, st;
	pid_t pid;

	atomic_store(&S->stop, 1);
	/* Each worker leads a process group with its forked children. */
	for (w = 0; w < FZ_WORKERS; w++) {
		kill(-atomic_load(&S->w[w].pid), SIGKILL);
		kill(atomic_load(&S->w[w].pid), SIGKILL);
	}
	/* As subreaper, this also reaps the children of killed workers. */
	while ((pid = waitpid(-1, &st, WNOHANG)) >= 0) {
		if (pid == 0) {
			if (now_ns() > deadline)
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

int module_load(const char *ko)
{
	const char *params = getenv("MMB_PARAMS");
	int kofd, i, r = -1;

	for (i = 0; i < 50; i++) {	/* the last fputs may still run */
		r = syscall(SYS_delete_module, "mmbridge", O_NONBLOCK);
		if (!r || errno != EWOULDBLOCK)
			break;
		usleep(100000);
	}
	if (r)
		return -errno;
	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	if (kofd < 0)
		return -errno;
	r = syscall(SYS_finit_module, kofd, params ? params : "", 0);
	r = r ? -errno : 0;
	close(kofd);
	for (i = 0; !r && i < 50 && access(MMB_DEV_DIR "/soft0", F_OK); i++)
		usleep(100000);
	return r;
}

int module_reload(void)
{
	const char *ko = getenv("MMB_KO");

	return ko ? module_load(ko) : 1;
}

static int test_fuzz(void)
{
	uint64_t seed, target = FZ_OPS_DEFAULT, quota, last_done[FZ_WORKERS];
	uint64_t last_prog[FZ_WORKERS], t0 = now_ns(), kills = 0, deaths = 0;
	unsigned int gen[FZ_WORKERS] = { 0 };
	pid_t stopped = 0;
	struct pins p0, p1;
	char buf[64];
	int w, st, r, i;
	pid_t pid;

	if (cmdline_get("mmb.fuzz_seed", buf, sizeof(buf)))
		seed = strtoull(buf, NULL, 0);
	else
		seed = test_seed();
	if (cmdline_get("mmb.fuzz_ops", buf, sizeof(buf)))
		target = strtoull(buf, NULL, 0);
	printf("# abi/fuzz seed %#llx ops %llu workers %d\n",
	       (unsigned long long)seed, (unsigned long long)target, FZ_WORKERS);
	fflush(stdout);

	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT(S != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(layout());
	signal(SIGPIPE, SIG_IGN);
	/* Orphaned children of killed workers come back here to be reaped. */
	EXPECT_OK(prctl(PR_SET_CHILD_SUBREAPER, 1) ? -errno : 0);
	rnd_seed(seed ^ 0x6b696c6cULL);		/* the parent's own stream */
	p0 = pins_now();

	fz_find_devices();
	quota = target / FZ_WORKERS / 8 + 1;	/* ops per worker life */
	for (w = 0; w < FZ_WORKERS; w++) {
		EXPECT(spawn(w, worker_seed(seed, w, 0), quota) > 0,
		       "fork: %s", strerror(errno));
		last_done[w] = 0;
		last_prog[w] = now_ns();
	}

	while (atomic_load(&S->ops) < target) {
		usleep(1000 + below(30000));
		if (stopped > 0) {	/* off-CPU for one round at most */
			kill(stopped, SIGCONT);
			stopped = 0;
		}
		if (one_in(6)) {	/* a random SIGKILL */
			w = below(FZ_WORKERS);
			pid = atomic_load(&S->w[w].pid);
			if (pid > 0 && !kill(pid, SIGKILL))
				kills++;
		}
		if (one_in(5)) {	/* a worker kept off its CPU */
			pid = atomic_load(&S->w[below(FZ_WORKERS)].pid);
			if (pid > 0 && !kill(pid, SIGSTOP))
				stopped = pid;
		}
		if (one_in(25)) {	/* a device removed under everyone */
			i = below(NR_NODES);
			if (bound_as[i][0] && (r = fz_replug(i))) {
				kill_workers();
				FAIL("seed %#llx: replugging %s: %s",
				     (unsigned long long)seed, nodes[i],
				     strerror(-r));
			}
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (w = 0; w < FZ_WORKERS; w++)
				if (atomic_load(&S->w[w].pid) == pid)
					break;
			if (w == FZ_WORKERS)
				continue;
			if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
			    !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				kill_workers();
				FAIL("seed %#llx: worker %d generation %u died "
				     "(status %#x) during '%s'",
				     (unsigned long long)seed, w, gen[w], st,
				     S->w[w].last);
			}
			deaths++;
			gen[w]++;
			EXPECT(spawn(w, worker_seed(seed, w, gen[w]), quota) > 0,
			       "fork: %s", strerror(errno));
			last_prog[w] = now_ns();
		}
		for (w = 0; w < FZ_WORKERS; w++) {
			uint64_t d = atomic_load(&S->w[w].done);

			if (d != last_done[w]) {
				last_done[w] = d;
				last_prog[w] = now_ns();
			} else if (now_ns() - last_prog[w] > FZ_STUCK_S * 1000000000ULL) {
				char path[64], stack[512] = "";

				snprintf(path, sizeof(path), "/proc/%d/stack",
					 atomic_load(&S->w[w].pid));
				read_line(path, stack, sizeof(stack));
				kill_workers();
				FAIL("seed %#llx: worker %d stuck %d s in '%s' (%s)",
				     (unsigned long long)seed, w, FZ_STUCK_S,
				     S->w[w].last, stack);
			}
		}
	}
	EXPECT(kill_workers(), "seed %#llx: a killed worker did not exit in 60 s",
	       (unsigned long long)seed);
	printf("# abi/fuzz: %llu operations in %.1f s, %llu kills, %llu worker lives, %u device removals\n",
	       (unsigned long long)atomic_load(&S->ops),
	       (now_ns() - t0) / 1e9, (unsigned long long)kills,
	       (unsigned long long)deaths + FZ_WORKERS, replugs);
	EXPECT(atomic_load(&S->ops) >= target, "only %llu operations",
	       (unsigned long long)atomic_load(&S->ops));
	printf("# abi/fuzz: %llu mmaps, %llu loads/stores, %llu forks; ioctls that succeeded:\n#  ",
	       (unsigned long long)atomic_load(&S->maps_ok),
	       (unsigned long long)atomic_load(&S->touches),
	       (unsigned long long)atomic_load(&S->forks));
	for (i = 0; i < NR_CMDS; i++)
		printf(" %s %llu%s", cmds[i].name + 8,
		       (unsigned long long)atomic_load(&S->ok[i]),
		       i % 7 == 6 && i + 1 < NR_CMDS ? "\n#  " : "");
	printf("\n");
	/*
	 * The generator must reach past validation: every call succeeded
	 * some time (a frame to fetch needs a started naive stream with a
	 * finished frame, which random calls rarely line up).
	 */
	for (i = 0; i < NR_CMDS; i++)
		EXPECT(atomic_load(&S->ok[i]) || cmds[i].cmd == MMB_IOC_STREAM_FETCH,
		       "seed %#llx: %s never succeeded", (unsigned long long)seed,
		       cmds[i].name);

	/* Every pin the workers took is released (deferred fputs first). */
	EXPECT(pins_settle(p0, &p1),
	       "seed %#llx: %lld pins acquired, %lld released",
	       (unsigned long long)seed, p1.acquired - p0.acquired,
	       p1.released - p0.released);

	r = fz_renumber();
	EXPECT(!r, "seed %#llx: devices not back as instance 0: %s",
	       (unsigned long long)seed, strerror(-r));
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

const struct mmb_test fuzz_tests[] = {
	{ "abi/fuzz", test_fuzz, 600 },
	{ NULL }
};
