// SPDX-License-Identifier: GPL-2.0
/*
 * The threat model (Documentation/mmbridge.rst, "Threat model"):
 *  - security/nodes_0600: device nodes are 0600 root:root (the module's
 *    mode; the udev rule is not installed in the guest); others cannot
 *    open them.
 *  - security/cross_user_isolation: when an administrator opens a node to
 *    several users, what one user's open file owns (objects, pinned rings)
 *    is invisible to another's, the kernel refuses it the other's memory,
 *    revocation needs CAP_SYS_ADMIN, and the device's own mechanisms
 *    (interrupts, the region, the read-only counter page) need none.
 *  - security/edu_no_register_mapping: a register window is never mapped.
 *  - security/counter_page_read_only: the counter page is never writable.
 *  - security/shared_device_state: what one opener changes for the others
 *    (device memory and region, masking, the one stream).
 *  - abi/no_stale_kernel_data: every page and record the kernel hands to
 *    user space starts zeroed, even where freed memory held a pattern.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define UID_A	1001
#define UID_B	1002
#define UID_C	1003

static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/* mmap() and munmap(): 0 or -errno. */
static int map_try(int fd, size_t len, int prot, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

static int test_nodes_0600(void)
{
	char path[300];
	struct dirent *de;
	struct stat st;
	int n = 0, st_child;
	DIR *d = opendir(MMB_DEV_DIR);
	pid_t pid;

	EXPECT(d, "%s: %s", MMB_DEV_DIR, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", de->d_name);
		EXPECT_OK(stat(path, &st) ? -errno : 0);
		EXPECT(S_ISCHR(st.st_mode), "%s is not a character device", path);
		EXPECT(st.st_uid == 0 && st.st_gid == 0, "%s owned by %u:%u",
		       path, st.st_uid, st.st_gid);
		EXPECT((st.st_mode & 07777) == 0600, "%s has mode %04o", path,
		       st.st_mode & 07777);
		n++;

		/* Another user cannot open it, whatever the flags. */
		pid = fork();
		EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			if (become(UID_C))
				_exit(10);
			if (open(path, O_RDWR) >= 0 || errno != EACCES)
				_exit(11);
			if (open(path, O_RDONLY) >= 0 || errno != EACCES)
				_exit(12);
			_exit(0);
		}
		EXPECT_EQ(waitpid(pid, &st_child, 0), pid);
		EXPECT(WIFEXITED(st_child) && WEXITSTATUS(st_child) == 0,
		       "uid %d and %s: child status %#x (10: setuid, 11: "
		       "O_RDWR opened, 12: O_RDONLY opened)", UID_C, path,
		       st_child);
	}
	closedir(d);
	EXPECT(n >= 1, "no device nodes");
	return T_PASS;
}

/* What user A tells user B (and the parent) about its resources. */
struct owner_msg {
	pid_t pid;
	uint32_t handle_ram, handle_dev, pin_id;
	uint64_t off_ram, off_dev;
	uint64_t secret_addr;
};

#define SECRET	0x5ec7e75ec7e75ec7ULL

/* User A: owns objects and a pinned ring, then checks they survived B. */
static int owner(int tell, int go)
{
	struct owner_msg m = { .pid = getpid() };
	volatile uint64_t *ram, *dev;
	uint64_t *ring, *secret;
	struct mmb_obj_info oi;
	char c;
	int fd;

	EXPECT_OK(become(UID_A));
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_RAM, &m.handle_ram, &m.off_ram));
	EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &m.handle_dev,
				 &m.off_dev));
	ram = mmb_obj_map(fd, m.off_ram, PG);
	dev = mmb_obj_map(fd, m.off_dev, PG);
	EXPECT(ram && dev, "map: %s", strerror(errno));
	ram[0] = SECRET;
	dev[0] = SECRET;
	ring = map_anon(PG, PROT_READ | PROT_WRITE);
	secret = map_anon(PG, PROT_READ | PROT_WRITE);
	EXPECT(ring && secret, "mmap: %s", strerror(errno));
	secret[0] = SECRET;
	m.secret_addr = (uintptr_t)secret;
	EXPECT_OK(mmb_pin_region(fd, ring, PG, &m.pin_id, NULL));
	EXPECT_EQ(write(tell, &m, sizeof(m)), sizeof(m));
	EXPECT_EQ(read(go, &c, 1), 1);

	/* Everything is as A left it. */
	EXPECT_EQ(ram[0], SECRET);
	EXPECT_EQ(dev[0], SECRET);
	EXPECT_EQ(secret[0], SECRET);
	EXPECT_OK(mmb_obj_info(fd, m.handle_ram, &oi));
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_OK(mmb_obj_info(fd, m.handle_dev, &oi));
	EXPECT_EQ(oi.placement, MMB_OBJ_DEVICE);
	EXPECT_OK(mmb_unpin_region(fd, m.pin_id));
	close(fd);
	return T_PASS;
}

/* User B: has its own fd on the same device, and reaches none of A's. */
static int intruder(const struct owner_msg *m)
{
	struct mmb_region_ctl rc = { .argsz = sizeof(rc) };
	struct mmb_obj_info oi;
	uint64_t v = 1, off;
	volatile uint64_t *mine;
	struct iovec l = { &v, sizeof(v) };
	struct iovec r = { (void *)(uintptr_t)m->secret_addr, sizeof(v) };
	char path[64];
	uint32_t h;
	int fd;

	EXPECT_OK(become(UID_B));
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);

	/* A's objects: no such handle, no mapping, no move, no destroy. */
	EXPECT_ERR(mmb_obj_info(fd, m->handle_ram, &oi), ENOENT);
	EXPECT_ERR(mmb_obj_info(fd, m->handle_dev, &oi), ENOENT);
	EXPECT_ERR(mmb_obj_migrate(fd, m->handle_dev, MMB_OBJ_RAM), ENOENT);
	EXPECT_ERR(mmb_obj_destroy(fd, m->handle_ram), ENOENT);
	EXPECT(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, m->off_ram) == MAP_FAILED &&
	       errno == ENXIO, "mapping A's RAM object: %s", strerror(errno));
	EXPECT(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, m->off_dev) == MAP_FAILED &&
	       errno == ENXIO, "mapping A's pool object: %s", strerror(errno));

	/* A's pinned ring: B cannot end it. */
	EXPECT_ERR(mmb_unpin_region(fd, m->pin_id), ENOENT);

	/* Revocation cuts everyone's mappings: administrators only. */
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_REVOKE, &rc), EPERM);
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_RESTORE, &rc), EPERM);

	/*
	 * The kernel's own interfaces refuse B A's memory: mmbridge offers
	 * no way around them (it writes into a process only from that
	 * process's own calls or for the driver that holds its mm).
	 */
	EXPECT(process_vm_readv(m->pid, &l, 1, &r, 1, 0) < 0 && errno == EPERM,
	       "process_vm_readv of A: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/mem", m->pid);
	EXPECT(open(path, O_RDONLY) < 0 && errno == EACCES,
	       "%s opened: %s", path, strerror(errno));

	/* An opener needs no capability for the device's own mechanisms. */
	EXPECT_OK(mmb_irq_trigger(fd, 1, NULL));
	mine = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, PG);
	EXPECT(mine, "region map as uid %d: %s", UID_B, strerror(errno));
	(void)mine[0];
	EXPECT_OK(mmb_region_unmap((void *)mine, PG));
	/* The counter page is read-only for it too. */
	EXPECT_ERR(map_try(fd, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			   MMB_MMAP_COUNTERS), EPERM);

	/* B's own object works and holds none of A's data. */
	EXPECT_OK(mmb_obj_create(fd, PG, MMB_OBJ_DEVICE, &h, &off));
	mine = mmb_obj_map(fd, off, PG);
	EXPECT(mine, "map: %s", strerror(errno));
	EXPECT_EQ(mine[0], 0);
	mine[0] = 2;
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_EQ(mine[0], 2);
	close(fd);
	return T_PASS;
}

/* Run @fn in a child; its verdict and message come back. */
static int child_verdict(pid_t pid, int msg_fd, const char *who)
{
	char buf[400];
	ssize_t n;
	int st;

	/* Other children hold the pipe too: no EOF, so wait, then peek. */
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	fcntl(msg_fd, F_SETFL, O_NONBLOCK);
	n = read(msg_fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == T_PASS, "%s: %s (status %#x)",
	       who, buf[0] ? buf : "no message", st);
	return T_PASS;
}

static int test_cross_user_isolation(void)
{
	const char *node = dut_path();
	int tell[2], go[2], amsg[2], bmsg[2], r, ra;
	struct owner_msg m;
	pid_t a, b;

	if (access(node, F_OK))
		SKIP("no soft0");
	/* An administrator opens the node to everyone, for this test only. */
	EXPECT_OK(chmod(node, 0666) ? -errno : 0);
	EXPECT_OK(pipe(tell) || pipe(go) || pipe(amsg) || pipe(bmsg) ? -errno : 0);

	a = fork();
	EXPECT(a >= 0, "fork: %s", strerror(errno));
	if (!a) {
		r = owner(tell[1], go[0]);
		if (write(amsg[1], t_last_msg(), strlen(t_last_msg())) < 0)
			r = T_FAIL;
		_exit(r);
	}
	close(amsg[1]);
	if (read(tell[0], &m, sizeof(m)) != sizeof(m)) {
		chmod(node, 0600);
		return child_verdict(a, amsg[0], "user A");
	}

	b = fork();
	EXPECT(b >= 0, "fork: %s", strerror(errno));
	if (!b) {
		r = intruder(&m);
		if (write(bmsg[1], t_last_msg(), strlen(t_last_msg())) < 0)
			r = T_FAIL;
		_exit(r);
	}
	close(bmsg[1]);
	r = child_verdict(b, bmsg[0], "user B");
	EXPECT_EQ(write(go[1], "g", 1), 1);
	ra = child_verdict(a, amsg[0], "user A");
	EXPECT_OK(chmod(node, 0600) ? -errno : 0);
	return r != T_PASS ? r : ra;
}

/*
 * security/edu_no_register_mapping: the only page edu could offer is BAR0's
 * register page, whose DMA_SRC/DST/COUNT/CMD and IRQ raise/ack registers
 * let whoever maps it program the DMA engine against any physical address.
 * edu declares no user-mappable memory: no MMB_CAP_MAP (INFO and sysfs),
 * mmap() of any region offset is -ENODEV, the region ioctls -EOPNOTSUPP.
 */
#define EDU_IDENT	0x00
#define EDU_IRQ_RAISE	0x60


static int test_edu_no_register_mapping(void)
{
	struct mmb_region_info ri = { .argsz = sizeof(ri) };
	struct mmb_region_ctl rc = { .argsz = sizeof(rc) };
	struct mmb_info info;
	volatile uint32_t *regs;
	char buf[64];
	uint64_t before;
	uint32_t policy, ident;
	int fd = dev_open("edu0"), i;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	regs = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    MMB_MMAP_REGION(MMB_FAULT_SIGBUS));
	if (regs != MAP_FAILED) {
		/* What the mapping gives: the device's own registers. */
		ident = regs[EDU_IDENT / 4];
		before = dev_count(fd);
		regs[EDU_IRQ_RAISE / 4] = 1;
		for (i = 0; i < 2000 && dev_count(fd) == before; i++)
			usleep(1000);
		FAIL("edu0 register page mapped (caps %#llx): ident %#x read "
		     "through it; a store to IRQ raise took irq_count from "
		     "%llu to %llu", (unsigned long long)info.caps, ident,
		     (unsigned long long)before,
		     (unsigned long long)dev_count(fd));
	}
	EXPECT(errno == ENODEV, "mmap of edu0's region: %s, expected ENODEV",
	       strerror(errno));
	for (policy = MMB_FAULT_DISCARD; policy <= MMB_FAULT_WAIT; policy++) {
		EXPECT_ERR(map_try(fd, PG, PROT_READ, MAP_SHARED,
				   MMB_MMAP_REGION(policy)), ENODEV);
		EXPECT_ERR(map_try(fd, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
				   MMB_MMAP_REGION(policy) + PG), ENODEV);
	}
	EXPECT_EQ(info.caps & MMB_CAP_MAP, 0);
	EXPECT_OK(read_line("/sys/class/mmbridge/edu0/caps", buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 16), info.caps);
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_INFO, &ri), EOPNOTSUPP);
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_REVOKE, &rc), EOPNOTSUPP);
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_RESTORE, &rc), EOPNOTSUPP);
	/* The counter page is still there, read-only. */
	EXPECT_OK(map_try(fd, PG, PROT_READ, MAP_SHARED, MMB_MMAP_COUNTERS));
	close(fd);
	return T_PASS;
}

/*
 * security/counter_page_read_only: every opener maps the counter page, and
 * only for reading: no PROT_WRITE, shared or private, and no mprotect()
 * to writable later.
 */
static int test_counter_page_read_only(void)
{
	volatile uint32_t *p;
	int fd = dev_open(mmb_dut);

	EXPECT_OK(fd);
	EXPECT_ERR(map_try(fd, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			   MMB_MMAP_COUNTERS), EPERM);
	EXPECT_ERR(map_try(fd, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			   MMB_MMAP_COUNTERS), EPERM);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, MMB_MMAP_COUNTERS);
	EXPECT(p != MAP_FAILED, "counter page: %s", strerror(errno));
	EXPECT_EQ(p[1], sizeof(struct mmb_counters));
	EXPECT(mprotect((void *)p, PG, PROT_READ | PROT_WRITE) < 0 &&
	       errno == EACCES, "mprotect to writable: %s",
	       strerror(errno));
	munmap((void *)p, PG);
	close(fd);
	return T_PASS;
}

/*
 * security/shared_device_state: what the threat model says one opener
 * changes for every other opener of the device: its memory and region,
 * masking, and the one stream.  Two files of the device, as two openers.
 */
static int test_shared_device_state(void)
{
	const struct mmb_counters *cb;
	uint64_t v = 0x5ca1ab1e0ddc0ffeULL, got = 0;
	volatile uint64_t *ra;
	uint8_t *buf = map_anon(2 * PG, PROT_READ | PROT_WRITE);
	void *frames[2];
	int a = dev_open(mmb_dut), b = dev_open(mmb_dut), sa, sb;

	EXPECT_OK(a);
	EXPECT_OK(b);
	EXPECT(buf, "mmap");

	/* Device memory and region: B sees A's store, A sees B's. */
	ra = mmb_region_map(a, MMB_FAULT_SIGBUS, 5 * PG, PG);
	EXPECT(ra, "region: %s", strerror(errno));
	ra[3] = v;
	EXPECT_OK(mmb_mem_read(b, 5 * PG + 24, &got, 8));
	EXPECT_EQ(got, v);
	got = 0;
	EXPECT_OK(mmb_mem_write(b, 5 * PG + 24, &got, 8));
	EXPECT_EQ(ra[3], 0);
	EXPECT_OK(mmb_region_unmap((void *)ra, PG));

	/* Masking by A is the device's: B sees delivery off until A closes. */
	cb = mmb_counters_map(b);
	EXPECT(cb, "counter page: %s", strerror(errno));
	EXPECT_EQ(cb->enabled, 1);
	EXPECT_OK(mmb_irq_control(a, 0));
	EXPECT_EQ(cb->enabled, 0);
	close(a);
	EXPECT_EQ(cb->enabled, 1);
	mmb_counters_unmap(cb);

	/* One stream per device: B's is -EBUSY while A's fd is open. */
	a = dev_open(mmb_dut);
	EXPECT_OK(a);
	frames[0] = buf;
	frames[1] = buf + PG;
	sa = mmb_stream_setup(a, MMB_STREAM_ZERO_COPY, 2, PG, frames, 1, 0, 0,
			      MMB_EVENT_CLOEXEC);
	EXPECT_OK(sa);
	EXPECT_ERR(mmb_stream_setup(b, MMB_STREAM_ZERO_COPY, 2, PG, frames, 1,
				    0, 0, MMB_EVENT_CLOEXEC), EBUSY);
	close(sa);
	sb = mmb_stream_setup(b, MMB_STREAM_ZERO_COPY, 2, PG, frames, 1, 0, 0,
			      MMB_EVENT_CLOEXEC);
	EXPECT_OK(sb);
	close(sb);
	munmap(buf, 2 * PG);
	close(a);
	close(b);
	return T_PASS;
}

/* ---- abi/no_stale_kernel_data ---- */

/* Leave freed memory full of a pattern for the next allocations to find. */
static void dirty_free_memory(size_t len)
{
	uint8_t *p = map_anon(len, PROT_READ | PROT_WRITE);

	if (p) {
		memset(p, 0xa5, len);
		munmap(p, len);
	}
}

static long first_nonzero(const volatile uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return -1;
}

/* A new object, in each placement, reads all zeros, also where freed
 * pool space and cached RAM pages held data. */
static int fresh_objects_zero(const char *name)
{
	const size_t len = 256 * 1024;
	struct mmb_obj_info pool;
	int fd = dev_open(name), pl, round;
	volatile uint8_t *p;
	uint64_t off;
	uint32_t h;
	long at;

	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_info(fd, 0, &pool));
	for (round = 0; round < 2; round++) {
		for (pl = MMB_OBJ_RAM; pl <= MMB_OBJ_DEVICE; pl++) {
			dirty_free_memory(32 << 20);
			EXPECT_OK(mmb_obj_create(fd, len, pl, &h, &off));
			p = mmb_obj_map(fd, off, len);
			EXPECT(p, "map: %s", strerror(errno));
			at = first_nonzero(p, len);
			EXPECT(at < 0, "%s: new %s object (round %d): byte %ld is %#x",
			       name, mmb_placement_str(pl), round, at, p[at]);
			/* Leave data behind: in the pool, and (moved back
			 * to RAM) in the RAM page cache. */
			memset((void *)p, 0xc3, len);
			if (pl == MMB_OBJ_RAM) {
				EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
				EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_RAM));
			}
			munmap((void *)p, len);
			EXPECT_OK(mmb_obj_destroy(fd, h));
		}
	}
	close(fd);
	return T_PASS;
}

static int test_no_stale_kernel_data(void)
{
	struct mmb_irq_record *rec;
	const struct mmb_counters *cnt;
	struct mmb_copy_status cst;
	volatile uint8_t *disc;
	struct mmb_ring *ring;
	uint32_t id, raised;
	long at;
	int fd, r;

	r = fresh_objects_zero(mmb_dut);
	if (r != T_PASS)
		return r;
	r = fresh_objects_zero("ivshmem0");
	if (r != T_PASS)
		return r;

	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	/* The counter page: the struct, then zeros to the page's end. */
	dirty_free_memory(32 << 20);
	cnt = mmb_counters_map(fd);
	EXPECT(cnt, "counter page: %s", strerror(errno));
	EXPECT_EQ(cnt->size, sizeof(*cnt));
	at = first_nonzero((const uint8_t *)cnt + sizeof(*cnt),
			   PG - sizeof(*cnt));
	EXPECT(at < 0, "counter page byte %ld after the struct is set",
	       (long)sizeof(*cnt) + at);
	mmb_counters_unmap(cnt);

	/* The discard page a revoked DISCARD mapping reads. */
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	dirty_free_memory(32 << 20);
	disc = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, 4 * PG);
	EXPECT(disc, "region: %s", strerror(errno));
	at = first_nonzero(disc, 4 * PG);
	EXPECT(at < 0, "revoked DISCARD mapping: byte %ld is %#x", at, disc[at]);
	EXPECT_OK(mmb_region_unmap((void *)disc, 4 * PG));
	EXPECT_OK(mmb_region_restore(fd, NULL));

	/* A ring's header: what the kernel does not set is zero. */
	ring = map_anon(PG, PROT_READ | PROT_WRITE);
	EXPECT(ring, "mmap: %s", strerror(errno));
	memset(ring, 0xa5, PG);
	EXPECT_OK(mmb_pin_region(fd, ring, PG, &id, NULL));
	EXPECT_EQ(ring->head, 0);
	for (r = 0; r < 6; r++)
		EXPECT_EQ(ring->reserved[r], 0);
	EXPECT_OK(mmb_irq_trigger(fd, 1, &raised));
	EXPECT_EQ(mmb_ring_head(ring), 1);
	EXPECT(ring->records[0].seq == 0 || ring->records[0].seq == 1,
	       "record seq %llu", (unsigned long long)ring->records[0].seq);
	EXPECT_OK(mmb_unpin_region(fd, id));

	/* An IRQ_COPY record: reserved is zero. */
	rec = (void *)ring;
	memset(rec, 0xa5, sizeof(*rec));
	EXPECT_OK(mmb_irq_copy(fd, rec));
	EXPECT_OK(mmb_irq_trigger(fd, 1, &raised));
	for (r = 0; r < 2000 && *(volatile uint32_t *)&rec->reserved ==
			      0xa5a5a5a5; r++)
		usleep(1000);
	EXPECT_EQ(*(volatile uint32_t *)&rec->reserved, 0);
	EXPECT_OK(mmb_irq_copy(fd, NULL));

	/* The copy counters: reserved and ready are zero. */
	memset(&cst, 0xa5, sizeof(cst));
	cst.argsz = sizeof(cst);
	cst.flags = 0;
	EXPECT_OK(xioctl(fd, MMB_IOC_COPY_STATUS, &cst));
	EXPECT_EQ(cst.reserved, 0);
	EXPECT_EQ(cst.ready, 0);
	EXPECT_EQ(cst.inflight, 0);
	munmap(ring, PG);
	close(fd);
	return T_PASS;
}

const struct mmb_test security_tests[] = {
	{ "abi/no_stale_kernel_data", test_no_stale_kernel_data },
	{ "security/nodes_0600", test_nodes_0600 },
	{ "security/cross_user_isolation", test_cross_user_isolation },
	{ "security/edu_no_register_mapping", test_edu_no_register_mapping },
	{ "security/counter_page_read_only", test_counter_page_read_only },
	{ "security/shared_device_state", test_shared_device_state },
	{ NULL }
};
