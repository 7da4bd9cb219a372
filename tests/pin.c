// SPDX-License-Identifier: GPL-2.0
/*
 * pin/: pinned event rings: the interrupt handler writes one record per
 * event straight into pinned user pages.  Pin accounting is checked in
 * /proc/vmstat (nr_foll_pin_acquired/released) and in VmLck.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"


/* VmPin of this process in KiB, or -1. */
static long vm_pinned_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Check records [from, to) of a ring: numbered, counting the device's
 * events from @c0, all of @cause, timestamps never going backwards and
 * within [@t0, @t1].  Returns 0 or -(index + 1) of the first bad one.
 */
static long check_records(const struct mmb_ring *r, uint64_t from, uint64_t to,
			  uint64_t c0, uint32_t cause, uint64_t t0, uint64_t t1)
{
	uint64_t i, last = t0;

	for (i = from; i < to; i++) {
		const struct mmb_ring_record *rec = &r->records[i % r->nr_slots];

		if (rec->seq != i + 1 || rec->irq_count != c0 + i + 1 ||
		    rec->cause != cause || rec->timestamp_ns < last ||
		    rec->timestamp_ns > t1 || rec->cpu >= 1024)
			return -(long)(i + 1);
		last = rec->timestamp_ns;
	}
	return 0;
}

/*
 * N interrupts give exactly N records with monotonic timestamps; a small
 * ring wraps and keeps the newest; a ring that starts mid-page and spans
 * pages works the same.
 */
static int irq_writes_case(const char *name)
{
	const uint32_t n = 1000;
	uint8_t *mem = map_anon(32 * PG, PROT_READ | PROT_WRITE);
	struct mmb_ring *big, *small, *odd;
	uint32_t id_big, id_small, id_odd, slots;
	uint64_t c0, t0, t1;
	int fd = dev_open(name);
	long bad;

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	big = (struct mmb_ring *)mem;
	small = (struct mmb_ring *)(mem + 16 * PG);
	odd = (struct mmb_ring *)(mem + 20 * PG - 200);	/* spans two pages */
	memset(mem, 0xa5, 32 * PG);

	EXPECT_OK(mmb_pin_region(fd, big, 16 * PG, &id_big, &slots));
	EXPECT_EQ(slots, (16 * PG - sizeof(struct mmb_ring)) /
			 sizeof(struct mmb_ring_record));
	EXPECT_EQ(big->nr_slots, slots);
	EXPECT_EQ(big->record_size, sizeof(struct mmb_ring_record));
	EXPECT_EQ(mmb_ring_head(big), 0);
	EXPECT_OK(mmb_pin_region(fd, small, sizeof(struct mmb_ring) +
				 8 * sizeof(struct mmb_ring_record) + 31,
				 &id_small, &slots));
	EXPECT_EQ(slots, 8);
	EXPECT_OK(mmb_pin_region(fd, odd, 400, &id_odd, &slots));
	EXPECT_EQ(slots, (400 - sizeof(struct mmb_ring)) /
			 sizeof(struct mmb_ring_record));
	EXPECT(id_big != id_small && id_small != id_odd && id_big != id_odd,
	       "ids %u %u %u", id_big, id_small, id_odd);

	c0 = dev_count(fd);
	t0 = mmb_now_ns();
	EXPECT_OK(mmb_irq_trigger(fd, n, NULL));
	t1 = mmb_now_ns();
	EXPECT_EQ(mmb_ring_head(big), n);
	bad = check_records(big, 0, n, c0, MMB_EVENT_TRIGGER, t0, t1);
	EXPECT(!bad, "record %ld of the big ring", -bad - 1);
	/* Untouched beyond the records written. */
	EXPECT_EQ(big->records[n].seq, 0xa5a5a5a5a5a5a5a5ULL);

	EXPECT_EQ(mmb_ring_head(small), n);
	bad = check_records(small, n - 8, n, c0, MMB_EVENT_TRIGGER, t0, t1);
	EXPECT(!bad, "record %ld of the small ring", -bad - 1);
	EXPECT_EQ(mmb_ring_head(odd), n);
	bad = check_records(odd, n - odd->nr_slots, n, c0, MMB_EVENT_TRIGGER,
			    t0, t1);
	EXPECT(!bad, "record %ld of the page-spanning ring", -bad - 1);

	EXPECT_OK(mmb_unpin_region(fd, id_big));
	EXPECT_OK(mmb_unpin_region(fd, id_small));
	EXPECT_OK(mmb_unpin_region(fd, id_odd));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_EQ(mmb_ring_head(big), n);
	munmap(mem, 32 * PG);
	close(fd);
	return T_PASS;
}

static int test_irq_writes_region(void)
{
	return for_each_irq_dev(irq_writes_case);
}

/*
 * Every page pinned is unpinned by MMB_IOC_UNPIN_REGION, exactly, and the
 * process's VmPin comes and goes with it.
 */
static int test_unpin_balanced(void)
{
	const struct {
		size_t off, len, pages;
	} r[] = {
		{ 0, PG, 1 },
		{ 104, 4 * PG, 5 },
		{ 0, 256 * PG, 256 },
	};
	uint8_t *mem = map_anon(300 * PG, PROT_READ | PROT_WRITE);
	struct mmb_unpin_region ur = { .argsz = sizeof(ur) };
	uint32_t ids[3];
	struct pins p0, p1;
	long pin0;
	size_t i, total = 0;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	pin0 = vm_pinned_kb();
	p0 = pins_now();
	EXPECT(p0.acquired >= 0, "no nr_foll_pin_acquired in /proc/vmstat");
	for (i = 0; i < 3; i++) {
		EXPECT_OK(mmb_pin_region(fd, mem + (i ? 8 * PG * i : 0) +
					 r[i].off, r[i].len, &ids[i], NULL));
		total += r[i].pages;
	}
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, total);
	EXPECT_EQ(p1.released - p0.released, 0);
	EXPECT_EQ(vm_pinned_kb() - pin0, total * PG / 1024);

	EXPECT_OK(mmb_unpin_region(fd, ids[1]));
	EXPECT_EQ(pins_now().released - p0.released, r[1].pages);
	EXPECT_ERR(mmb_unpin_region(fd, ids[1]), ENOENT);
	EXPECT_ERR(mmb_unpin_region(fd, 0), ENOENT);
	ur.id = ids[0];
	ur.flags = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_UNPIN_REGION, &ur), EINVAL);
	ur.flags = 0;
	ur.reserved = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_UNPIN_REGION, &ur), EINVAL);
	EXPECT_OK(mmb_unpin_region(fd, ids[0]));
	EXPECT_OK(mmb_unpin_region(fd, ids[2]));
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, total);
	EXPECT_EQ(p1.released - p0.released, total);
	EXPECT_EQ(vm_pinned_kb(), pin0);
	munmap(mem, 300 * PG);
	close(fd);
	return T_PASS;
}

/* Two rings, 48 pages, interrupts written into them; then exit. */
static int exit_setup(void)
{
	uint8_t *mem = map_anon(64 * PG, PROT_READ | PROT_WRITE);
	int fd = dev_open(mmb_dut);
	uint32_t id;

	if (!mem || fd < 0 ||
	    mmb_pin_region(fd, mem, 16 * PG, &id, NULL) ||
	    mmb_pin_region(fd, mem + 32 * PG, 32 * PG, &id, NULL) ||
	    mmb_irq_trigger(fd, 10, NULL))
		return -1;
	return 0;
}

/* Pins of a process that exits (or is killed) without unpinning go too. */
static int test_exit_releases(void)
{
	return exit_and_kill_release(exit_setup, 48);
}

/*
 * The process unmaps a registered ring: the pages stay pinned, interrupts
 * keep writing into them harmlessly (new memory at the same address sees
 * none of it), and the unpin later works and balances.
 */
static int test_munmap_while_pinned(void)
{
	uint8_t *mem = map_anon(8 * PG, PROT_READ | PROT_WRITE), *again;
	struct pins p0, p1;
	uint32_t id;
	size_t i;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	p0 = pins_now();
	EXPECT_OK(mmb_pin_region(fd, mem, 8 * PG, &id, NULL));
	EXPECT_OK(mmb_irq_trigger(fd, 5, NULL));
	EXPECT_EQ(mmb_ring_head((struct mmb_ring *)mem), 5);
	EXPECT_OK(munmap(mem, 8 * PG) ? -errno : 0);
	EXPECT_OK(mmb_irq_trigger(fd, 50, NULL));

	again = mmap(mem, 8 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT(again == mem, "remap at %p: %p", (void *)mem, (void *)again);
	EXPECT_OK(mmb_irq_trigger(fd, 50, NULL));
	for (i = 0; i < 8 * PG; i++)
		EXPECT(!again[i], "new memory byte %zu is 0x%02x", i, again[i]);
	EXPECT_OK(mmb_unpin_region(fd, id));
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, 8);
	EXPECT_EQ(p1.released - p0.released, 8);
	munmap(again, 8 * PG);
	close(fd);
	return T_PASS;
}

/*
 * After fork() the parent's pinned pages keep receiving the records; the
 * child has copies frozen at the fork.
 */
static int fork_case(const char *name)
{
	struct mmb_ring *ring = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	int fd = dev_open(name), go[2], res[2], st;
	uint64_t c0, child_head = 0;
	uint32_t id;
	pid_t pid;
	char c;

	EXPECT_OK(fd);
	EXPECT(ring, "mmap");
	EXPECT_OK(mmb_pin_region(fd, ring, 4 * PG, &id, NULL));
	c0 = dev_count(fd);
	EXPECT_OK(mmb_irq_trigger(fd, 5, NULL));
	EXPECT_OK(pipe(go) || pipe(res) ? -errno : 0);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		uint64_t h[2];

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		h[0] = mmb_ring_head(ring);
		h[1] = ring->records[h[0] ? h[0] - 1 : 0].irq_count;
		_exit(write(res[1], h, sizeof(h)) == sizeof(h) ? 0 : 2);
	}
	EXPECT_OK(mmb_irq_trigger(fd, 10, NULL));
	EXPECT_EQ(write(go[1], "x", 1), 1);
	{
		uint64_t h[2];

		EXPECT_EQ(read(res[0], h, sizeof(h)), sizeof(h));
		child_head = h[0];
		EXPECT_EQ(h[1], c0 + 5);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "child 0x%x", st);
	EXPECT_EQ(child_head, 5);
	EXPECT_EQ(mmb_ring_head(ring), 15);
	EXPECT_EQ(ring->records[14].irq_count, c0 + 15);
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	EXPECT_EQ(mmb_ring_head(ring), 16);
	EXPECT_OK(mmb_unpin_region(fd, id));
	munmap(ring, 4 * PG);
	close(fd);
	return T_PASS;
}

static int test_fork_keeps_parent(void)
{
	return for_each_irq_dev(fork_case);
}


static int rlimit_child(void)
{
	struct rlimit rl = { 16 * PG, 16 * PG };
	uint8_t *mem = map_anon(64 * PG, PROT_READ | PROT_WRITE);
	int fd = dev_open(mmb_dut);
	uint32_t a, b;

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	EXPECT_OK(setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0);
	EXPECT_OK(cap_drop(CAP_IPC_LOCK));
	EXPECT_OK(mmb_pin_region(fd, mem, 10 * PG, &a, NULL));
	EXPECT_OK(mmb_pin_region(fd, mem + 16 * PG, 6 * PG, &b, NULL));
	EXPECT_ERR(mmb_pin_region(fd, mem + 32 * PG, PG, &b, NULL), ENOMEM);
	EXPECT_OK(mmb_unpin_region(fd, a));
	EXPECT_ERR(mmb_pin_region(fd, mem + 32 * PG, 11 * PG, &a, NULL),
		   ENOMEM);
	EXPECT_OK(mmb_pin_region(fd, mem + 32 * PG, 10 * PG, &a, NULL));
	/* mlock() has a budget of its own: the process's, not the user's. */
	EXPECT_OK(mlock(mem + 48 * PG, 16 * PG) ? -errno : 0);
	EXPECT_ERR(mlock(mem + 32 * PG, 17 * PG) ? -errno : 0, ENOMEM);
	close(fd);
	return T_PASS;
}

/*
 * Pinned pages are charged to RLIMIT_MEMLOCK: exactly the limit works, one
 * page more is -ENOMEM, unless the caller has CAP_IPC_LOCK.
 */
static int test_rlimit(void)
{
	struct pins p0, p1;
	int st;
	pid_t pid;

	p0 = pins_now();
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int r = rlimit_child();

		if (r == T_FAIL)
			printf("# %s\n", t_last_msg());
		fflush(stdout);
		_exit(r);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == T_PASS,
	       "unprivileged child failed (0x%x)", st);
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);

	/* With CAP_IPC_LOCK the limit does not apply. */
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct rlimit rl = { PG, PG };
		uint8_t *mem = map_anon(32 * PG, PROT_READ | PROT_WRITE);
		int fd = dev_open(mmb_dut);
		uint32_t id;

		if (setrlimit(RLIMIT_MEMLOCK, &rl) || !mem || fd < 0)
			_exit(1);
		_exit(mmb_pin_region(fd, mem, 32 * PG, &id, NULL) ? 2 : 0);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "privileged child 0x%x", st);
	return T_PASS;
}

/* Each kind of bad range gets its exact error, and nothing stays pinned. */
static int test_bad_ranges(void)
{
	const size_t minlen = sizeof(struct mmb_ring) +
			      sizeof(struct mmb_ring_record);
	uint8_t *rw = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	uint8_t *ro = map_anon(PG, PROT_READ);
	uint8_t *none = map_anon(PG, PROT_NONE);
	uint8_t *gone = map_anon(2 * PG, PROT_READ | PROT_WRITE);
	struct mmb_pin_region pr = { .argsz = sizeof(pr) };
	const struct mmb_counters *page;
	uint32_t ids[MMB_PIN_MAX_REGIONS], id;
	struct pins p0, p1;
	int fd = dev_open(mmb_dut), i;

	EXPECT_OK(fd);
	EXPECT(rw && ro && none && gone, "mmap");
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	EXPECT_OK(munmap(gone + PG, PG) ? -errno : 0);	/* a hole after */
	p0 = pins_now();

	EXPECT_ERR(mmb_pin_region(fd, rw, 0, &id, NULL), EINVAL);
	EXPECT_ERR(mmb_pin_region(fd, rw, minlen - 1, &id, NULL), EINVAL);
	EXPECT_ERR(mmb_pin_region(fd, rw + 4, PG, &id, NULL), EINVAL);
	EXPECT_ERR(mmb_pin_region(fd, rw, MMB_PIN_MAX + 1, &id, NULL), EINVAL);
	EXPECT_ERR(mmb_pin_region(fd, (void *)-PG, 2 * PG, &id, NULL),
		   EOVERFLOW);
	EXPECT_ERR(mmb_pin_region(fd, (void *)0xffff888000000000ULL, PG, &id,
				  NULL), EFAULT);
	EXPECT_ERR(mmb_pin_region(fd, ro, PG, &id, NULL), EFAULT);
	EXPECT_ERR(mmb_pin_region(fd, none, PG, &id, NULL), EFAULT);
	EXPECT_ERR(mmb_pin_region(fd, gone + PG, PG, &id, NULL), EFAULT);
	/* The first page pins, the second does not: all or nothing. */
	EXPECT_ERR(mmb_pin_region(fd, gone, 2 * PG, &id, NULL), EFAULT);
	EXPECT_ERR(mmb_pin_region(fd, (void *)page, PG, &id, NULL), EFAULT);

	pr.user_addr = (uintptr_t)rw;
	pr.length = PG;
	pr.flags = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_PIN_REGION, &pr), EINVAL);
	pr.flags = 0;
	/* An output field is ignored on input. */
	pr.id = 0xdead;
	EXPECT_OK(xioctl(fd, MMB_IOC_PIN_REGION, &pr));
	EXPECT(pr.id != 0xdead, "PIN_REGION kept the caller's id");
	EXPECT_OK(mmb_unpin_region(fd, pr.id));
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);

	/* At most MMB_PIN_MAX_REGIONS per fd. */
	p0 = pins_now();
	for (i = 0; i < MMB_PIN_MAX_REGIONS; i++)
		EXPECT_OK(mmb_pin_region(fd, rw, minlen, &ids[i], NULL));
	EXPECT_ERR(mmb_pin_region(fd, rw, minlen, &id, NULL), ENOSPC);
	for (i = 0; i < MMB_PIN_MAX_REGIONS; i++)
		EXPECT_OK(mmb_unpin_region(fd, ids[i]));
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);
	EXPECT_EQ(p1.acquired - p0.acquired, MMB_PIN_MAX_REGIONS);

	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

/*
 * After MMB_IOC_UNPIN_REGION, interrupts no longer write the memory, and
 * after a stream is closed its DMA no longer writes the frames.
 */
static int test_no_writes_after_unpin(void)
{
	uint8_t *ring = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	uint8_t *frames = map_anon(4 * 4 * PG, PROT_READ | PROT_WRITE);
	void *fl[4];
	uint32_t id, raised;
	int fd = dev_open(mmb_dut), sfd, i;
	struct mmb_frame f;
	size_t k;

	EXPECT_OK(fd);
	EXPECT(ring && frames, "mmap");
	EXPECT_OK(mmb_pin_region(fd, ring, 4 * PG, &id, NULL));
	EXPECT_OK(mmb_irq_trigger(fd, 2, &raised));
	EXPECT_EQ(mmb_ring_head((struct mmb_ring *)ring), 2);
	EXPECT_OK(mmb_unpin_region(fd, id));
	memset(ring, 0xaa, 4 * PG);
	EXPECT_OK(mmb_irq_trigger(fd, 20, &raised));
	EXPECT_OK(mmb_irq_timer(fd, 100000));
	usleep(50000);
	EXPECT_OK(mmb_irq_timer(fd, 0));
	for (k = 0; k < 4 * PG; k++)
		EXPECT(ring[k] == 0xaa, "ring byte %zu written after the unpin", k);

	for (i = 0; i < 4; i++)
		fl[i] = frames + i * 4 * PG;
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 4, 4 * PG, fl, 3, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &f));
	EXPECT_EQ(close(sfd), 0);
	memset(frames, 0xaa, 16 * PG);
	usleep(50000);
	for (k = 0; k < 16 * PG; k++)
		EXPECT(frames[k] == 0xaa, "frame byte %zu written after close", k);
	close(fd);
	return T_PASS;
}

/*
 * Locked memory that lives with a file is charged to the user, not to the
 * process: the file outlives the process (exit, exec, SCM_RIGHTS).  The
 * children below run as MEMLOCK_UID, a user of their own, without
 * capabilities and with RLIMIT_MEMLOCK of MEMLOCK_PAGES.
 */
#define MEMLOCK_UID	1101
#define MEMLOCK_PAGES	16UL	/* 64 KiB */
#define CHILD_BROKEN	(-1000)

/*
 * Run @fn(dev, arg) in a child that opened soft0 and then became
 * MEMLOCK_UID (no capabilities) with RLIMIT_MEMLOCK of MEMLOCK_PAGES.  @fn
 * returns a file to hand over (>= 0) or -errno.  Returns that file, now
 * the caller's (the child has exited), or @fn's -errno, or CHILD_BROKEN.
 */
static int limited_child(int (*fn)(int dev, long arg), long arg)
{
	int sv[2], st, ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return CHILD_BROKEN;
	pid = fork();
	if (pid < 0)
		return CHILD_BROKEN;
	if (!pid) {
		struct rlimit rl = { MEMLOCK_PAGES * PG, MEMLOCK_PAGES * PG };
		int dev = dev_open(mmb_dut), r;

		if (dev < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    setgroups(0, NULL) ||
		    setresgid(MEMLOCK_UID, MEMLOCK_UID, MEMLOCK_UID) ||
		    setresuid(MEMLOCK_UID, MEMLOCK_UID, MEMLOCK_UID))
			_exit(254);
		r = fn(dev, arg);
		if (r < 0)
			_exit(-r < 200 ? -r : 253);
		_exit(fd_send(sv[1], r) ? 252 : 0);
	}
	close(sv[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		ret = CHILD_BROKEN;
	else if (WEXITSTATUS(st))
		ret = WEXITSTATUS(st) < 200 ? -WEXITSTATUS(st) : CHILD_BROKEN;
	else if ((ret = fd_recv(sv[0], MSG_DONTWAIT)) < 0)
		ret = CHILD_BROKEN;
	close(sv[0]);
	return ret;
}

/* Pin a ring of @pages pages; the device fd holds the pin. */
static int pin_ring_fn(int dev, long pages)
{
	uint8_t *mem = map_anon(pages * PG, PROT_READ | PROT_WRITE);
	uint32_t id;
	int r;

	if (!mem)
		return CHILD_BROKEN;
	r = mmb_pin_region(dev, mem, pages * PG, &id, NULL);
	return r ? r : dev;
}

/* A stream of (@arg & 0xff) frames of 4 pages, mode @arg >> 8. */
static int stream_fn(int dev, long arg)
{
	uint32_t mode = arg >> 8;

	return mmb_stream_setup(dev, mode, arg & 0xff, 4 * PG, NULL, 1, 0,
				mode == MMB_STREAM_NAIVE ? SIGUSR1 : 0, 0);
}

static const char *child_err(int r)
{
	if (r >= 0)
		return "taken";
	return r == CHILD_BROKEN ? "the child failed" : strerror(-r);
}

/*
 * Round after round, a child pins up to its limit, passes the fd to the
 * parent by SCM_RIGHTS and exits.  The pages stay pinned with the file, so
 * they stay charged: the second round is -ENOMEM, and no more than the
 * limit is ever pinned.  Closing the files returns the charge.
 */
static int test_memlock_escape_by_fd_passing(void)
{
	enum { ROUNDS = 8 };
	int fds[ROUNDS], errs[ROUNDS], n = 0, i, r;
	struct pins p0, p1;
	long long held;

	p0 = pins_now();
	for (i = 0; i < ROUNDS; i++) {
		r = limited_child(pin_ring_fn, MEMLOCK_PAGES);
		errs[i] = r;
		if (r >= 0)
			fds[n++] = r;
	}
	p1 = pins_now();
	held = (p1.acquired - p0.acquired) - (p1.released - p0.released);
	for (i = 0; i < n; i++)
		close(fds[i]);
	EXPECT(n == 1, "%d of %d rounds kept %lu pages each: %lld pages "
	       "pinned with RLIMIT_MEMLOCK at %lu pages (round 2: %s)", n,
	       ROUNDS, MEMLOCK_PAGES, held, MEMLOCK_PAGES, child_err(errs[1]));
	EXPECT(errs[0] >= 0, "round 1: %s", child_err(errs[0]));
	for (i = 1; i < ROUNDS; i++)
		EXPECT(errs[i] == -ENOMEM, "round %d: %s, not ENOMEM", i + 1,
		       child_err(errs[i]));
	EXPECT_EQ(held, MEMLOCK_PAGES);
	EXPECT(pins_settle(p0, &p1), "%lld pins not released",
	       (p1.acquired - p0.acquired) - (p1.released - p0.released));

	/* The charge went with the files. */
	r = limited_child(pin_ring_fn, MEMLOCK_PAGES);
	EXPECT(r >= 0, "after the close: %s", child_err(r));
	close(r);
	return T_PASS;
}

/*
 * Bounce and naive frames are kernel buffers made for the user: charged
 * like pins, for as long as the stream file lives, whoever holds it.
 */
static int test_memlock_stream_buffers(void)
{
	const long over = 2 * MEMLOCK_PAGES / 4, fit = MEMLOCK_PAGES / 4;
	int r, s;

	r = limited_child(stream_fn, MMB_STREAM_BOUNCE << 8 | over);
	if (r >= 0)
		close(r);
	EXPECT(r == -ENOMEM, "bounce stream of %ld KiB with RLIMIT_MEMLOCK "
	       "of %lu KiB: %s", over * 16, MEMLOCK_PAGES * 4, child_err(r));
	r = limited_child(stream_fn, MMB_STREAM_NAIVE << 8 | over);
	if (r >= 0)
		close(r);
	EXPECT(r == -ENOMEM, "naive stream of %ld KiB with RLIMIT_MEMLOCK "
	       "of %lu KiB: %s", over * 16, MEMLOCK_PAGES * 4, child_err(r));

	/* Exactly the limit, handed over: it stays charged. */
	s = limited_child(stream_fn, MMB_STREAM_BOUNCE << 8 | fit);
	EXPECT(s >= 0, "bounce stream of %lu KiB: %s", MEMLOCK_PAGES * 4,
	       child_err(s));
	r = limited_child(pin_ring_fn, 1);
	if (r >= 0)
		close(r);
	if (r != -ENOMEM)
		close(s);
	EXPECT(r == -ENOMEM, "a page pinned beside a passed %lu KiB stream: %s",
	       MEMLOCK_PAGES * 4, child_err(r));
	close(s);
	r = limited_child(pin_ring_fn, MEMLOCK_PAGES);
	EXPECT(r >= 0, "after the stream's close: %s", child_err(r));
	close(r);
	r = limited_child(stream_fn, MMB_STREAM_NAIVE << 8 | fit);
	EXPECT(r >= 0, "naive stream of %lu KiB: %s", MEMLOCK_PAGES * 4,
	       child_err(r));
	close(r);
	return T_PASS;
}

/*
 * A small ext4 file system (an image the harness puts in the initramfs) on
 * a loop device: page-cache pages that the file system writes back and
 * tracks dirtiness of.
 */
#define EXT4_IMG	"/lib/ext4.img"
#define EXT4_DIR	"/tmp/mmb-ext4"

static int ext4_mount(int *loop)
{
	int img, ctl, n;
	char dev[32];

	img = open(EXT4_IMG, O_RDWR | O_CLOEXEC);
	if (img < 0)
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	if (ctl >= 0)
		close(ctl);
	if (n < 0) {
		close(img);
		return -errno;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	for (int i = 0; i < 50 && access(dev, F_OK); i++)
		usleep(100000);
	*loop = open(dev, O_RDWR | O_CLOEXEC);
	if (*loop < 0 || ioctl(*loop, LOOP_SET_FD, img)) {
		n = -errno;
		close(img);
		return n;
	}
	close(img);
	mkdir(EXT4_DIR, 0700);
	if (mount(dev, EXT4_DIR, "ext4", 0, NULL)) {
		n = -errno;
		ioctl(*loop, LOOP_CLR_FD);
		close(*loop);
		return n;
	}
	return 0;
}

static void ext4_umount(int loop)
{
	umount(EXT4_DIR);
	ioctl(loop, LOOP_CLR_FD);
	close(loop);
}

static int file_backed_case(int fd)
{
	const size_t len = 8 * PG;
	uint8_t *shared, *priv, *shm, *copy = malloc(len);
	int f = open(EXT4_DIR "/ring", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		     0600), mfd = memfd_create("mmb-ring", MFD_CLOEXEC);
	void *frames[2];
	struct pins p0, p1;
	uint32_t id;
	size_t i;

	EXPECT(f >= 0 && mfd >= 0 && copy, "file: %s", strerror(errno));
	for (i = 0; i < len; i++)
		copy[i] = (uint8_t)(i * 7 + 3);
	EXPECT_EQ(pwrite(f, copy, len, 0), (ssize_t)len);
	EXPECT_OK(fsync(f) ? -errno : 0);
	EXPECT_OK(ftruncate(mfd, len) ? -errno : 0);
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
	shm = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	EXPECT(shared != MAP_FAILED && priv != MAP_FAILED && shm != MAP_FAILED,
	       "mmap: %s", strerror(errno));
	EXPECT_EQ(shared[len - 1], copy[len - 1]);	/* in the page cache */
	p0 = pins_now();

	/* Writable shared page-cache pages of ext4: refused, every kind. */
	EXPECT_ERR(mmb_pin_region(fd, shared, len, &id, NULL), EFAULT);
	EXPECT_ERR(mmb_pin_region(fd, shared + len - PG, PG, &id, NULL),
		   EFAULT);
	frames[0] = shared;
	frames[1] = shared + 4 * PG;
	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 2, 4 * PG,
				    frames, 1, 0, 0, 0), EFAULT);
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);

	/* A private mapping of the file: the pinned pages are anonymous. */
	EXPECT_OK(mmb_pin_region(fd, priv, len, &id, NULL));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_EQ(mmb_ring_head((struct mmb_ring *)priv), 3);
	EXPECT_OK(mmb_unpin_region(fd, id));
	/* shmem (memfd) stays allowed. */
	EXPECT_OK(mmb_pin_region(fd, shm, len, &id, NULL));
	EXPECT_OK(mmb_irq_trigger(fd, 3, NULL));
	EXPECT_EQ(mmb_ring_head((struct mmb_ring *)shm), 3);
	EXPECT_OK(mmb_unpin_region(fd, id));

	/* The file itself was never written. */
	EXPECT_OK(msync(shared, len, MS_SYNC) ? -errno : 0);
	for (i = 0; i < len; i++)
		EXPECT(shared[i] == copy[i], "file byte %zu is 0x%02x", i,
		       shared[i]);
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);
	munmap(shared, len);
	munmap(priv, len);
	munmap(shm, len);
	close(f);
	close(mfd);
	free(copy);
	return T_PASS;
}

/*
 * Long-term write pins of file-backed pages other than shmem are refused
 * with -EFAULT on every kernel (6.5 and later refuse them in GUP; earlier
 * ones would let the interrupt handler or the device write page-cache
 * pages behind the file system's back).
 */
static int test_file_backed_refused(void)
{
	int fd, loop = -1, r;

	if (!kernel_has_fs("ext4"))
		SKIP("no ext4 in this kernel");
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	r = ext4_mount(&loop);
	EXPECT(!r, "ext4 on a loop device (%s): %s", EXT4_IMG, strerror(-r));
	r = file_backed_case(fd);
	ext4_umount(loop);
	close(fd);
	return r;
}

#define CG_DIR	"/sys/fs/cgroup/mmb-pin-dirty"

/* The pages of [@p, @p + @len) still in memory (page or swap cache). */
static size_t resident_pages(void *p, size_t len)
{
	unsigned char vec[64];
	size_t i, n = 0;

	if (len / PG > sizeof(vec) || mincore(p, len, vec))
		return (size_t)-1;
	for (i = 0; i < len / PG; i++)
		n += vec[i] & 1;
	return n;
}

static int unpin_dirties_child(void)
{
	const size_t len = 16 * PG;
	const uint32_t n = 100;
	int mfd = memfd_create("mmb-ring", MFD_CLOEXEC), fd = dev_open(mmb_dut);
	struct mmb_ring *ring, *back = malloc(len);
	size_t left = 0;
	uint32_t id, i, sum = 0;
	uint64_t c0;

	EXPECT(mfd >= 0 && fd >= 0 && back, "setup: %s", strerror(errno));
	EXPECT_OK(write_str(CG_DIR "/cgroup.procs", "0"));
	EXPECT_OK(ftruncate(mfd, len) ? -errno : 0);
	ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	EXPECT(ring != MAP_FAILED, "mmap: %s", strerror(errno));
	/*
	 * Read faults: clean pages under clean writable PTEs, which the pin
	 * finds as they are; nothing but the unpin can tell the kernel that
	 * they were written.
	 */
	for (i = 0; i < len / PG; i++)
		sum += ((volatile uint8_t *)ring)[i * PG];
	EXPECT_EQ(sum, 0);
	EXPECT_OK(mmb_pin_region(fd, ring, len, &id, NULL));
	c0 = dev_count(fd);
	EXPECT_OK(mmb_irq_trigger(fd, n, NULL));
	EXPECT_OK(mmb_unpin_region(fd, id));
	EXPECT_OK(madvise(ring, len, MADV_PAGEOUT) ? -errno : 0);
	/*
	 * Out of memory for good: what is not dirty is dropped, not written.
	 * Writeback to swap under an emulated CPU shared with another guest
	 * can take seconds; the loop ends as soon as nothing is left.
	 */
	for (i = 0; i < 100; i++) {
		write_str(CG_DIR "/memory.reclaim", "64M");
		left = resident_pages(ring, len);
		if (!left)
			break;
		/* Pages still under writeback to swap are in the swap cache. */
		usleep(100000);
	}
	EXPECT(!left, "%zu of %zu pages stayed in memory", left, len / PG);
	/* A fresh path: read(), from swap. */
	EXPECT_EQ(pread(mfd, back, len, 0), (ssize_t)len);
	EXPECT(back->head == n, "head %llu read back from swap, not %u: the "
	       "records the handler wrote were lost",
	       (unsigned long long)back->head, n);
	for (i = 0; i < n; i++)
		EXPECT(back->records[i].seq == i + 1 &&
		       back->records[i].irq_count == c0 + i + 1,
		       "record %u read back: seq %llu irq_count %llu", i,
		       (unsigned long long)back->records[i].seq,
		       (unsigned long long)back->records[i].irq_count);
	return T_PASS;
}

/*
 * What the interrupt handler wrote into pinned shmem reaches swap: the
 * pages are dirtied when they are unpinned.  Clean shmem pages are holes
 * to reclaim, dropped without being written: without the dirtying, the
 * records read back as zeros.
 */
static int test_unpin_dirties_shmem(void)
{
	int st, r;
	pid_t pid;

	r = memcg_prepare(CG_DIR);
	if (r != T_PASS)
		return r;
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		r = unpin_dirties_child();
		if (r == T_FAIL)
			printf("# %s\n", t_last_msg());
		fflush(stdout);
		_exit(r);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	rmdir(CG_DIR);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == T_PASS,
	       "the child in the cgroup failed (0x%x)", st);
	return T_PASS;
}

/* Writes @val to a sysctl file; 0 or -errno. */
static int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Shared anonymous memory is pinned (the documented list), hugetlb-backed
 * included: MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB memory, like a
 * MFD_HUGETLB memfd, is hugetlbfs, which no file system writes back.
 */
static int test_shared_anon_hugetlb(void)
{
	const char *nr = "/proc/sys/vm/nr_hugepages";
	const size_t len = 2UL << 20;
	char old[32] = "0";
	uint8_t *priv, *shared;
	uint32_t id;
	int fd, rfd, ret;

	rfd = open(nr, O_RDONLY | O_CLOEXEC);
	EXPECT_OK(rfd < 0 ? -errno : 0);
	ret = read(rfd, old, sizeof(old) - 1);
	close(rfd);
	EXPECT(ret > 0, "read %s", nr);
	old[ret] = 0;
	EXPECT_OK(write_sysctl(nr, "4"));
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	priv = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED) {
		write_sysctl(nr, old);
		SKIP("no huge pages: %s", strerror(errno));
	}
	memset(priv, 1, len);
	memset(shared, 2, len);
	ret = mmb_pin_region(fd, priv, len, &id, NULL);
	if (!ret)
		ret = mmb_unpin_region(fd, id);
	EXPECT(!ret, "private hugetlb: %s", strerror(-ret));
	ret = mmb_pin_region(fd, shared, len, &id, NULL);
	if (!ret)
		ret = mmb_unpin_region(fd, id);
	munmap(priv, len);
	munmap(shared, len);
	close(fd);
	write_sysctl(nr, old);
	EXPECT(!ret, "shared anonymous hugetlb: %s", strerror(-ret));
	return T_PASS;
}

const struct mmb_test pin_tests[] = {
	{ "pin/irq_writes_region", test_irq_writes_region },
	{ "pin/unpin_balanced", test_unpin_balanced },
	{ "pin/exit_releases", test_exit_releases },
	{ "pin/munmap_while_pinned", test_munmap_while_pinned },
	{ "pin/fork_keeps_parent", test_fork_keeps_parent },
	{ "pin/rlimit", test_rlimit },
	{ "pin/bad_ranges", test_bad_ranges },
	{ "pin/no_writes_after_unpin", test_no_writes_after_unpin },
	{ "pin/memlock_escape_by_fd_passing", test_memlock_escape_by_fd_passing },
	{ "pin/memlock_stream_buffers", test_memlock_stream_buffers },
	{ "pin/file_backed_refused", test_file_backed_refused },
	{ "pin/unpin_dirties_shmem", test_unpin_dirties_shmem },
	{ "pin/shared_anon_hugetlb", test_shared_anon_hugetlb },
	{ NULL }
};
