// SPDX-License-Identifier: GPL-2.0
/*
 * pin/: pinned event rings: the interrupt handler writes one record per
 * event straight into pinned user pages.  Pin accounting is checked in
 * /proc/vmstat (nr_foll_pin_acquired/released) and in VmLck.
 */
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define PG	4096UL

/* VmLck of this process in KiB, or -1. */
static long vm_locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
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
	t0 = now_ns();
	EXPECT_OK(mmb_irq_trigger(fd, n, NULL));
	t1 = now_ns();
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
 * locked-memory charge comes and goes with it.
 */
static int test_unpin_balanced(void)
{
	static const struct {
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
	long lck0;
	size_t i, total = 0;
	int fd = dev_open("soft0");

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	lck0 = vm_locked_kb();
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
	EXPECT_EQ(vm_locked_kb() - lck0, total * PG / 1024);

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
	EXPECT_EQ(vm_locked_kb(), lck0);
	munmap(mem, 300 * PG);
	close(fd);
	return T_PASS;
}

/* Two rings, 48 pages, interrupts written into them; then exit. */
static int exit_setup(void)
{
	uint8_t *mem = map_anon(64 * PG, PROT_READ | PROT_WRITE);
	int fd = dev_open("soft0");
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
	int fd = dev_open("soft0");

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

/* Drop CAP_IPC_LOCK from the effective set, keeping the rest. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int rlimit_child(void)
{
	struct rlimit rl = { 16 * PG, 16 * PG };
	uint8_t *mem = map_anon(64 * PG, PROT_READ | PROT_WRITE);
	int fd = dev_open("soft0");
	uint32_t a, b;

	EXPECT_OK(fd);
	EXPECT(mem, "mmap");
	EXPECT_OK(setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0);
	EXPECT_OK(drop_ipc_lock());
	EXPECT_OK(mmb_pin_region(fd, mem, 10 * PG, &a, NULL));
	EXPECT_OK(mmb_pin_region(fd, mem + 16 * PG, 6 * PG, &b, NULL));
	EXPECT_ERR(mmb_pin_region(fd, mem + 32 * PG, PG, &b, NULL), ENOMEM);
	EXPECT_OK(mmb_unpin_region(fd, a));
	EXPECT_ERR(mmb_pin_region(fd, mem + 32 * PG, 11 * PG, &a, NULL),
		   ENOMEM);
	EXPECT_OK(mmb_pin_region(fd, mem + 32 * PG, 10 * PG, &a, NULL));
	/* mlock() shares the same limit. */
	EXPECT_ERR(mlock(mem + 48 * PG, PG) ? -errno : 0, ENOMEM);
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
		int fd = dev_open("soft0");
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
	int fd = dev_open("soft0"), i;

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
	pr.id = 7;
	EXPECT_ERR(xioctl(fd, MMB_IOC_PIN_REGION, &pr), EINVAL);
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
	int fd = dev_open("soft0"), sfd, i;
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

const struct mmb_test pin_tests[] = {
	{ "pin/irq_writes_region", test_irq_writes_region },
	{ "pin/unpin_balanced", test_unpin_balanced },
	{ "pin/exit_releases", test_exit_releases },
	{ "pin/munmap_while_pinned", test_munmap_while_pinned },
	{ "pin/fork_keeps_parent", test_fork_keeps_parent },
	{ "pin/rlimit", test_rlimit },
	{ "pin/bad_ranges", test_bad_ranges },
	{ "pin/no_writes_after_unpin", test_no_writes_after_unpin },
	{ NULL }
};
