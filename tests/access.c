// SPDX-License-Identifier: GPL-2.0
/*
 * access/: debuggers reach mmbridge's mappings (regions and objects)
 * through vm_ops->access (/proc/<pid>/mem, ptrace, gdb), while
 * get_user_pages() stays refused.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"


/*
 * A child that maps @len bytes of @name's region at @off with @policy,
 * reports the address through @pfd, then sleeps until killed.
 */
static pid_t mapping_child(const char *name, uint32_t policy, uint64_t off,
			   size_t len, volatile uint64_t **addr)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = dev_open(name);
		void *p = fd < 0 ? NULL :
			  mmb_region_map(fd, policy, off, len);

		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], (void *)addr, sizeof(*addr)) != sizeof(*addr) ||
	    !*addr) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -EIO;
	}
	close(pfd[0]);
	return pid;
}

/*
 * A child that owns an object: it creates @len bytes on @name in
 * @placement, fills them with the pattern of @seed, maps the object afresh
 * (so nothing is faulted in) and reports the address.  With @migrate, a
 * thread then moves the object back and forth.  On a (word index, value)
 * pair from the parent it stops moving, reports its migrations and exits
 * 0 if its own mapping holds that value at that word.
 */
struct obj_child {
	pid_t pid;
	int go, rep;
	volatile uint64_t *addr;
};


static void obj_child_run(const char *name, uint32_t placement, size_t len,
			  uint64_t seed, bool migrate, int go, int rep)
{
	struct mover m = { .fd = dev_open(name) };
	pthread_t t;
	uint64_t off, cmd[2];
	uint8_t *p = NULL;

	if (m.fd >= 0 && !mmb_obj_create(m.fd, len, placement, &m.h, &off))
		p = mmb_obj_map(m.fd, off, len);
	if (p) {
		pattern_fill(p, len, seed, 0);
		munmap(p, len);
		p = mmb_obj_map(m.fd, off, len);
	}
	if (write(rep, &p, sizeof(p)) != sizeof(p) || !p)
		_exit(2);
	if (migrate && pthread_create(&t, NULL, mover_fn, &m))
		_exit(3);
	if (read(go, cmd, sizeof(cmd)) != sizeof(cmd))
		_exit(4);
	if (migrate) {
		atomic_store(&m.stop, true);
		pthread_join(t, NULL);
	}
	if (write(rep, &m.moves, sizeof(m.moves)) != sizeof(m.moves))
		_exit(5);
	_exit(((volatile uint64_t *)p)[cmd[0]] == cmd[1] ? 0 : 1);
}

static int obj_child_start(const char *name, uint32_t placement, size_t len,
			   uint64_t seed, bool migrate, struct obj_child *c)
{
	int go[2], rep[2];

	if (pipe(go) || pipe(rep))
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		close(go[1]);
		close(rep[0]);
		obj_child_run(name, placement, len, seed, migrate, go[0], rep[1]);
	}
	close(go[0]);
	close(rep[1]);
	c->go = go[1];
	c->rep = rep[0];
	if (read(c->rep, (void *)&c->addr, sizeof(c->addr)) != sizeof(c->addr) ||
	    !c->addr) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->go);
		close(c->rep);
		return -EIO;
	}
	return 0;
}

/*
 * Ask the child to check word @idx for @val; 0 if it did and exited 0.
 * *@moves gets its migration count.
 */
static int obj_child_finish(struct obj_child *c, uint64_t idx, uint64_t val,
			    uint64_t *moves)
{
	uint64_t cmd[2] = { idx, val };
	int st = -1;

	if (write(c->go, cmd, sizeof(cmd)) != sizeof(cmd) ||
	    read(c->rep, moves, sizeof(*moves)) != sizeof(*moves))
		st = -1;
	if (waitpid(c->pid, &st, 0) != c->pid)
		st = -1;
	close(c->go);
	close(c->rep);
	if (!WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st) ? -EIO : 0;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int open_mem(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR);
	return fd < 0 ? -errno : fd;
}

static long rw_mem(int mfd, bool write, void *buf, size_t len,
		   volatile void *addr)
{
	ssize_t n = write ? pwrite(mfd, buf, len, (off_t)(uintptr_t)addr) :
			    pread(mfd, buf, len, (off_t)(uintptr_t)addr);

	return n < 0 ? -errno : n;
}

/*
 * Another process reads and writes a mapping through /proc/<pid>/mem,
 * faulted-in or not, on RAM (soft0) and device memory (ivshmem0).
 */
static int proc_mem_on(const char *name, uint64_t off)
{
	const size_t len = 4 * PG;
	uint64_t seed = test_seed(), *buf, w = 0xfeedf00dULL, got = 0;
	volatile uint64_t *addr;
	int fd = dev_open(name), mfd;
	long bad;
	pid_t pid;

	if (fd == -ENOENT)
		return T_SKIP;
	EXPECT_OK(fd);
	buf = malloc(len);
	EXPECT(buf, "malloc");
	pattern_fill(buf, len, seed, 0);
	EXPECT_OK(mmb_mem_write(fd, off, buf, len));
	pid = mapping_child(name, MMB_FAULT_SIGBUS, off, len, &addr);
	EXPECT_OK(pid);
	mfd = open_mem(pid);
	EXPECT_OK(mfd);

	/* Nothing is faulted in: the debugger still sees the device. */
	memset(buf, 0, len);
	EXPECT_EQ(rw_mem(mfd, false, buf, len, addr), (long)len);
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "%s: byte %ld read through /proc/pid/mem differs",
	       name, bad);
	/* Unaligned, across a page boundary. */
	EXPECT_EQ(rw_mem(mfd, false, buf, 13, (volatile char *)addr + PG - 5),
		  13);
	bad = pattern_check(buf, 13, seed, PG - 5);
	EXPECT(bad < 0, "%s: unaligned byte %ld differs", name, bad);
	EXPECT_EQ(rw_mem(mfd, true, &w, 8, addr + PG / 8 + 1), 8);
	EXPECT_OK(mmb_mem_read(fd, off + PG + 8, &got, 8));
	EXPECT_EQ(got, w);

	close(mfd);
	end_child(pid);
	memset(buf, 0, len);
	EXPECT_OK(mmb_mem_write(fd, off, buf, len));
	free(buf);
	close(fd);
	return T_PASS;
}

/* The same on an object of each placement, its owner another process. */
static int proc_mem_object(const char *name, uint32_t placement)
{
	const size_t len = 8 * PG;
	uint64_t seed = test_seed() ^ placement, w = 0x0b1ec7, moves;
	struct obj_child c;
	uint8_t *buf = malloc(len);
	long bad;
	int mfd;

	EXPECT(buf, "malloc");
	EXPECT_OK(obj_child_start(name, placement, len, seed, false, &c));
	mfd = open_mem(c.pid);
	EXPECT_OK(mfd);
	EXPECT_EQ(rw_mem(mfd, false, buf, len, c.addr), (long)len);
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "%s %s object: byte %ld read through /proc/pid/mem "
	       "differs", name, mmb_placement_str(placement), bad);
	EXPECT_EQ(rw_mem(mfd, false, buf, 13, (volatile char *)c.addr + 3 * PG - 5),
		  13);
	bad = pattern_check(buf, 13, seed, 3 * PG - 5);
	EXPECT(bad < 0, "unaligned byte %ld differs", bad);
	EXPECT_EQ(rw_mem(mfd, true, &w, 8, c.addr + 700), 8);
	close(mfd);
	EXPECT_OK(obj_child_finish(&c, 700, w, &moves));
	free(buf);
	return T_PASS;
}

static int test_proc_pid_mem(void)
{
	int r = proc_mem_on(mmb_dut, 3 * PG);

	if (r == T_PASS || r == T_SKIP)
		r = proc_mem_on("ivshmem0", 14 * 1024 * 1024);
	if (r != T_PASS && r != T_SKIP)
		return r;
	for (uint32_t pl = MMB_OBJ_RAM; pl <= MMB_OBJ_DEVICE; pl++) {
		r = proc_mem_object(mmb_dut, pl);
		if (r == T_PASS && dev_present("ivshmem0"))
			r = proc_mem_object("ivshmem0", pl);
		if (r != T_PASS)
			return r;
	}
	return T_PASS;
}

static int trace_stop(pid_t pid)
{
	int st;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		return -errno;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -ECHILD;
	return 0;
}

/* PTRACE_PEEKDATA / POKEDATA on RAM-backed and BAR mappings. */
static int test_ptrace_peek_poke(void)
{
	volatile uint64_t *addr;
	uint64_t v = 0x1234abcd5678ef90ULL, got = 0;
	long word;
	int fd = dev_open(mmb_dut);
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_mem_write(fd, 9 * PG + 16, &v, 8));
	pid = mapping_child(mmb_dut, MMB_FAULT_WAIT, 8 * PG, 2 * PG, &addr);
	EXPECT_OK(pid);
	EXPECT_OK(trace_stop(pid));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + PG / 8 + 2), NULL);
	EXPECT(errno == 0, "PEEKDATA: %s", strerror(errno));
	EXPECT_EQ((uint64_t)word, v);
	EXPECT_EQ(ptrace(PTRACE_POKEDATA, pid, (void *)(addr + 3), 0x77), 0);
	EXPECT_OK(mmb_mem_read(fd, 8 * PG + 24, &got, 8));
	EXPECT_EQ(got, 0x77);
	end_child(pid);
	v = 0;
	EXPECT_OK(mmb_mem_write(fd, 9 * PG + 16, &v, 8));
	EXPECT_OK(mmb_mem_write(fd, 8 * PG + 24, &v, 8));
	close(fd);

	/* Objects in RAM and in the pool; the owner sees the poked word. */
	for (uint32_t pl = MMB_OBJ_RAM; pl <= MMB_OBJ_DEVICE; pl++) {
		uint64_t seed = test_seed() + pl, moves;
		struct obj_child c;

		EXPECT_OK(obj_child_start(mmb_dut, pl, 2 * PG, seed, false, &c));
		EXPECT_OK(trace_stop(c.pid));
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, c.pid, (void *)(c.addr + 600), NULL);
		EXPECT(errno == 0, "PEEKDATA object: %s", strerror(errno));
		EXPECT_EQ((uint64_t)word, pattern_word(seed, 600));
		EXPECT_EQ(ptrace(PTRACE_POKEDATA, c.pid, (void *)(c.addr + 3),
				 0x5eed0b1ULL), 0);
		EXPECT_EQ(ptrace(PTRACE_DETACH, c.pid, NULL, NULL), 0);
		EXPECT_OK(obj_child_finish(&c, 3, 0x5eed0b1ULL, &moves));
	}

	/* Device memory behind a BAR: ivshmem0's, write-combined. */
	fd = dev_open("ivshmem0");
	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	v = 0x0d15ea5e0ddba11ULL;
	EXPECT_OK(mmb_mem_write(fd, 15 * 1024 * 1024 + 8, &v, 8));
	pid = mapping_child("ivshmem0", MMB_FAULT_SIGBUS, 15 * 1024 * 1024, PG,
			    &addr);
	EXPECT_OK(pid);
	EXPECT_OK(trace_stop(pid));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + 1), NULL);
	EXPECT(errno == 0, "PEEKDATA ivshmem: %s", strerror(errno));
	EXPECT_EQ((uint64_t)word, v);
	EXPECT_EQ(ptrace(PTRACE_POKEDATA, pid, (void *)(addr + 2),
			 0x55aa55aa12345678UL), 0);
	EXPECT_OK(mmb_mem_read(fd, 15 * 1024 * 1024 + 16, &got, 8));
	EXPECT_EQ(got, 0x55aa55aa12345678ULL);
	end_child(pid);
	v = 0;
	EXPECT_OK(mmb_mem_write(fd, 15 * 1024 * 1024 + 8, &v, 8));
	EXPECT_OK(mmb_mem_write(fd, 15 * 1024 * 1024 + 16, &v, 8));
	close(fd);
	return T_PASS;
}

/*
 * On a revoked region a debugger gets what the mapping's policy gives:
 * the scratch page of a DISCARD mapping, -EIO for SIGBUS and WAIT.
 */
static int test_revoked_region(void)
{
	volatile uint64_t *d, *s, *w;
	uint64_t v = 0x0a0b0c0d, got = 1;
	pid_t pd, ps, pw;
	int fd = dev_open(mmb_dut), mfd;
	long word;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_mem_write(fd, 12 * PG, &v, 8));
	pd = mapping_child(mmb_dut, MMB_FAULT_DISCARD, 12 * PG, PG, &d);
	ps = mapping_child(mmb_dut, MMB_FAULT_SIGBUS, 12 * PG, PG, &s);
	pw = mapping_child(mmb_dut, MMB_FAULT_WAIT, 12 * PG, PG, &w);
	EXPECT(pd > 0 && ps > 0 && pw > 0, "children");
	EXPECT_OK(mmb_region_revoke(fd, NULL));

	mfd = open_mem(pd);
	EXPECT_OK(mfd);
	EXPECT_EQ(rw_mem(mfd, false, &got, 8, d), 8);
	EXPECT_EQ(got, 0);
	v = 0x5c5c;
	EXPECT_EQ(rw_mem(mfd, true, &v, 8, d), 8);
	EXPECT_EQ(rw_mem(mfd, false, &got, 8, d), 8);
	EXPECT_EQ(got, 0x5c5c);
	close(mfd);
	EXPECT_OK(mmb_mem_read(fd, 12 * PG, &got, 8));
	EXPECT_EQ(got, 0x0a0b0c0d);

	mfd = open_mem(ps);
	EXPECT_OK(mfd);
	EXPECT_ERR(rw_mem(mfd, false, &got, 8, s), EIO);
	EXPECT_ERR(rw_mem(mfd, true, &v, 8, s), EIO);
	close(mfd);
	EXPECT_OK(trace_stop(pw));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pw, (void *)w, NULL);
	EXPECT(word == -1 && errno == EIO, "PEEKDATA on revoked WAIT: %ld (%s)",
	       word, strerror(errno));

	EXPECT_OK(mmb_region_restore(fd, NULL));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pw, (void *)w, NULL);
	EXPECT(errno == 0, "PEEKDATA after restore: %s", strerror(errno));
	EXPECT_EQ(word, 0x0a0b0c0d);
	end_child(pd);
	end_child(ps);
	end_child(pw);
	v = 0;
	EXPECT_OK(mmb_mem_write(fd, 12 * PG, &v, 8));
	close(fd);
	return T_PASS;
}

/*
 * get_user_pages() refuses the mapping: O_DIRECT reads into it, vmsplice()
 * and process_vm_readv() from it fail with EFAULT (each works on ordinary
 * memory, so the failure is the mapping's), and so does pinning it.
 */
static int gup_refused_on(int fd, volatile uint64_t *p, const char *what)
{
	struct iovec local, remote;
	int dfd, pfd[2];
	uint8_t *anon;
	uint32_t id;

	p[0] = 1;
	anon = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	EXPECT(anon, "anon");

	dfd = open("/dev/zram0", O_RDONLY | O_DIRECT);
	EXPECT(dfd >= 0, "/dev/zram0 with O_DIRECT: %s", strerror(errno));
	EXPECT_EQ(pread(dfd, anon, PG, 0), (long)PG);
	EXPECT(pread(dfd, (void *)p, PG, 0) < 0 && errno == EFAULT,
	       "%s: O_DIRECT read into it: %s", what, strerror(errno));
	close(dfd);

	EXPECT_EQ(pipe(pfd), 0);
	local = (struct iovec){ .iov_base = anon, .iov_len = PG };
	EXPECT_EQ(vmsplice(pfd[1], &local, 1, 0), (long)PG);
	local.iov_base = (void *)p;
	EXPECT(vmsplice(pfd[1], &local, 1, 0) < 0 && errno == EFAULT,
	       "%s: vmsplice: %s", what, strerror(errno));
	close(pfd[0]);
	close(pfd[1]);

	remote = (struct iovec){ .iov_base = anon + PG, .iov_len = 64 };
	local = (struct iovec){ .iov_base = anon, .iov_len = 64 };
	EXPECT_EQ(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), 64);
	remote.iov_base = (void *)p;
	EXPECT(process_vm_readv(getpid(), &local, 1, &remote, 1, 0) < 0 &&
	       errno == EFAULT, "%s: process_vm_readv: %s", what,
	       strerror(errno));
	EXPECT_ERR(mmb_pin_region(fd, (void *)p, 4 * PG, &id, NULL), EFAULT);
	EXPECT_EQ(p[0], 1);
	p[0] = 0;
	munmap(anon, 4 * PG);
	return T_PASS;
}

/*
 * get_user_pages() refuses region and object mappings: O_DIRECT reads into
 * them, vmsplice() and process_vm_readv() from them fail with EFAULT (each
 * works on ordinary memory, so the failure is the mapping's), and so does
 * pinning them.
 */
static int test_gup_refused(void)
{
	volatile uint64_t *p;
	int fd = dev_open(mmb_dut), r;
	uint32_t h, pl;

	EXPECT_OK(fd);
	p = mmb_region_map(fd, MMB_FAULT_SIGBUS, 0, 4 * PG);
	EXPECT(p, "map: %s", strerror(errno));
	r = gup_refused_on(fd, p, "region");
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_region_unmap((void *)p, 4 * PG));

	for (pl = MMB_OBJ_RAM; pl <= MMB_OBJ_DEVICE; pl++) {
		uint64_t off;

		EXPECT_OK(mmb_obj_create(fd, 4 * PG, pl, &h, &off));
		p = mmb_obj_map(fd, off, 4 * PG);
		EXPECT(p, "map object: %s", strerror(errno));
		r = gup_refused_on(fd, p, pl ? "device object" : "RAM object");
		if (r != T_PASS)
			return r;
		/* Still refused after a move: no page was cached meanwhile. */
		EXPECT_OK(mmb_obj_migrate(fd, h, !pl));
		r = gup_refused_on(fd, p, "moved object");
		if (r != T_PASS)
			return r;
		munmap((void *)p, 4 * PG);
	}
	close(fd);
	return T_PASS;
}

/*
 * The host's gdb (over 9p, run through the host's dynamic loader) attaches
 * to a process and reads a word of its device mapping.
 */
static int test_gdb_reads_region(void)
{
	const char *ld = "/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
	const uint64_t v = 0x6764627265616473ULL;	/* "sdaerbdg" */
	volatile uint64_t *addr;
	char cmd[1024], line[512], want[32], out[2048];
	bool seen = false;
	int fd = dev_open(mmb_dut);
	FILE *f;
	pid_t pid;

	if (access("/host/usr/bin/gdb", X_OK) || access(ld, X_OK))
		SKIP("no gdb on the host");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_mem_write(fd, 16 * PG + 40, &v, 8));
	pid = mapping_child(mmb_dut, MMB_FAULT_SIGBUS, 16 * PG, PG, &addr);
	EXPECT_OK(pid);
	snprintf(cmd, sizeof(cmd),
		 "PYTHONHOME=/host/usr DEBUGINFOD_URLS= %s --library-path "
		 "/host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu "
		 "/host/usr/bin/gdb -nx -batch -data-directory /host/usr/share/gdb "
		 "-p %d -ex 'x/1gx %p' 2>&1", ld, pid, (void *)(addr + 5));
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)v);
	f = popen(cmd, "r");
	EXPECT(f, "popen: %s", strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		seen |= strstr(line, want) != NULL;
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	}
	EXPECT(pclose(f) != -1, "pclose");
	end_child(pid);
	if (!seen)
		printf("# gdb said:\n# %s\n", out);
	EXPECT(seen, "gdb did not print %s at %p", want, (void *)(addr + 5));
	EXPECT_OK(mmb_mem_write(fd, 16 * PG + 40, &(uint64_t){ 0 }, 8));
	close(fd);
	return T_PASS;
}

/*
 * /proc/<pid>/mem reads and writes an object while its owner moves it
 * back and forth: every read is exact, every write lands (the owner sees
 * the last one through its own mapping).
 */
static int during_migration_on(const char *name)
{
	const size_t len = 32 * PG, data = len - PG;
	const uint64_t last = (len - PG) / 8;
	uint64_t seed = test_seed() ^ 0xd11, moves, v = 0, got;
	uint8_t *buf = malloc(len);
	struct obj_child c;
	long bad;
	int mfd, i;

	EXPECT(buf, "malloc");
	EXPECT_OK(obj_child_start(name, MMB_OBJ_RAM, len, seed, true, &c));
	mfd = open_mem(c.pid);
	EXPECT_OK(mfd);
	for (i = 0; i < 40; i++) {
		EXPECT_EQ(rw_mem(mfd, false, buf, data, c.addr), (long)data);
		bad = pattern_check(buf, data, seed, 0);
		EXPECT(bad < 0, "read %d: byte %ld differs", i, bad);
		/* The last page takes writes, each read back at once. */
		v = 0x1000 + i;
		EXPECT_EQ(rw_mem(mfd, true, &v, 8, c.addr + last + i), 8);
		EXPECT_EQ(rw_mem(mfd, false, &got, 8, c.addr + last + i), 8);
		EXPECT_EQ(got, v);
	}
	EXPECT_EQ(rw_mem(mfd, false, buf, PG, c.addr + last), (long)PG);
	for (i = 0; i < 40; i++)
		EXPECT_EQ(((uint64_t *)buf)[i], 0x1000 + i);
	close(mfd);
	EXPECT_OK(obj_child_finish(&c, last + 39, v, &moves));
	printf("# %s: 40 reads of %zu KiB during %llu migrations\n", name,
	       data >> 10, (unsigned long long)moves);
	EXPECT(moves >= 10, "only %llu migrations ran meanwhile",
	       (unsigned long long)moves);
	free(buf);
	return T_PASS;
}

static int test_during_migration(void)
{
	int r = during_migration_on(mmb_dut);

	if (r == T_PASS && dev_present("ivshmem0"))
		r = during_migration_on("ivshmem0");
	return r;
}

/* gdb reads an object's words in the pool, at their address. */
static int test_gdb_reads_object(void)
{
	const char *ld = "/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
	uint64_t seed = test_seed() ^ 0x6db, moves;
	char cmd[1024], line[512], want[2][32], out[2048];
	bool seen[2] = { false, false };
	struct obj_child c;
	FILE *f;
	int i;

	if (access("/host/usr/bin/gdb", X_OK) || access(ld, X_OK))
		SKIP("no gdb on the host");
	EXPECT_OK(obj_child_start(mmb_dut, MMB_OBJ_DEVICE, 4 * PG, seed, false,
				  &c));
	snprintf(cmd, sizeof(cmd),
		 "PYTHONHOME=/host/usr DEBUGINFOD_URLS= %s --library-path "
		 "/host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu "
		 "/host/usr/bin/gdb -nx -batch -data-directory /host/usr/share/gdb "
		 "-p %d -ex 'x/1gx %p' -ex 'x/1gx %p' 2>&1", ld, c.pid,
		 (void *)(c.addr + 7), (void *)(c.addr + 3 * PG / 8 + 1));
	snprintf(want[0], sizeof(want[0]), "0x%016llx",
		 (unsigned long long)pattern_word(seed, 7));
	snprintf(want[1], sizeof(want[1]), "0x%016llx",
		 (unsigned long long)pattern_word(seed, 3 * PG / 8 + 1));
	f = popen(cmd, "r");
	EXPECT(f, "popen: %s", strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < 2; i++)
			seen[i] |= strstr(line, want[i]) != NULL;
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	}
	EXPECT(pclose(f) != -1, "pclose");
	EXPECT_OK(obj_child_finish(&c, 7, pattern_word(seed, 7), &moves));
	if (!seen[0] || !seen[1])
		printf("# gdb said:\n# %s\n", out);
	EXPECT(seen[0] && seen[1], "gdb did not print %s and %s", want[0],
	       want[1]);
	return T_PASS;
}

const struct mmb_test access_tests[] = {
	{ "access/proc_pid_mem", test_proc_pid_mem },
	{ "access/ptrace_peek_poke", test_ptrace_peek_poke },
	{ "access/revoked_region", test_revoked_region },
	{ "access/gup_refused", test_gup_refused },
	/* gdb is loaded over 9p: slow on the debug kernel under TCG. */
	{ "access/gdb_reads_region", test_gdb_reads_region, 400 },
	{ "access/during_migration", test_during_migration },
	{ "access/gdb_reads_object", test_gdb_reads_object, 400 },
	{ NULL }
};
