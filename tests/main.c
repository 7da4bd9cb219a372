// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-tests: runs the in-guest test cases and prints TAP lines
 *   ok - <area>/<case>
 *   not ok - <area>/<case> # <reason>
 *   ok - <area>/<case> # SKIP <why>
 * The VM harness numbers them and adds the summary.
 *
 * Usage: mmb-tests [-l] [prefix...]   (-l lists the cases)
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/capability.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DEFAULT_TIMEOUT_S	120

static const struct mmb_test *const suites[] = {
	abi_tests, security_tests, fuzz_tests, edu_tests, ivshmem_tests,
	soft_tests, remote_tests, fault_tests, notify_tests, pin_tests,
	stream_tests, region_tests, object_tests, access_tests, observe_tests,
	dmabuf_tests, sample_tests, framework_tests, package_tests,
	pci_tests, stress_tests, life_tests,
};

static char t_msg[512];

int t_fail(int line, const char *fmt, ...)
{
	int n = snprintf(t_msg, sizeof(t_msg), "line %d: ", line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t_msg + n, sizeof(t_msg) - n, fmt, ap);
	va_end(ap);
	return T_FAIL;
}

const char *t_last_msg(void)
{
	return t_msg;
}

int t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t_msg, sizeof(t_msg), fmt, ap);
	va_end(ap);
	return T_SKIP;
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int pci_command(const char *bdf, uint16_t set, uint16_t clear)
{
	char path[128];
	uint16_t cmd;
	int fd, r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, ((set | clear) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, 4) != 2) {
		r = -EIO;
	} else {
		cmd = (cmd | set) & ~clear;
		r = cmd;
		if ((set | clear) && pwrite(fd, &cmd, 2, 4) != 2)
			r = -EIO;
	}
	close(fd);
	return r;
}

int pci_status(const char *bdf)
{
	char path[128];
	uint16_t st;
	int fd, r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = pread(fd, &st, 2, 6) == 2 ? st : -EIO;
	close(fd);
	return r;
}

/* PCI address of a device, from its sysfs link. */
int device_bdf(const char *name, char *bdf, size_t size)
{
	char path[128], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/device", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	snprintf(bdf, size, "%s", basename(target));
	return 0;
}

int wait_node(const char *name, bool present)
{
	char path[128];
	int i;

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
	for (i = 0; i < 200; i++) {
		if ((access(path, F_OK) == 0) == present)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/*
 * How the cases below take a device away and bring it back: by unbinding
 * it from its driver (life/unbind_* and the others), or by unloading the
 * driver's module and loading it again (framework/unload_backend_with_users
 * runs the same cases, with the same expectations, that way).
 */
bool removal_by_rmmod;

bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

const char *dev_module(const char *name)
{
	if (!strncmp(name, "edu", 3))
		return "mmb_edu";
	if (!strncmp(name, "ivshmem", 7))
		return "mmb_ivshmem";
	return "mmb_soft";
}

/* Unbind (@bind false) or bind the device behind node @name. */
int bind_dev(const char *name, bool bind)
{
	bool pci = strncmp(name, "soft", 4);
	char id[64], path[128];
	int r;

	if (removal_by_rmmod) {
		r = bind ? module_load_driver(getenv("MMB_KO"),
					      dev_module(name),
					      getenv("MMB_PARAMS")) :
			   module_unload(dev_module(name));
		return r ? r : wait_node(name, bind);
	}
	if (pci) {
		/* The node is gone once unbound: remember its address. */
		static char bdf[64];

		if (!bind) {
			r = device_bdf(name, bdf, sizeof(bdf));
			if (r)
				return r;
		}
		snprintf(id, sizeof(id), "%s", bdf);
	} else {
		snprintf(id, sizeof(id), "mmbridge-soft");
	}
	snprintf(path, sizeof(path), "/sys/bus/%s/drivers/mmbridge-%s/%s",
		 pci ? "pci" : "platform", dev_module(name) + 4,
		 bind ? "bind" : "unbind");
	r = write_str(path, id);
	return r ? r : wait_node(name, bind);
}

int on_soft0_and_ivshmem0(int (*fn)(const char *name))
{
	int r = fn("soft0"), fd;

	if (r != T_PASS)
		return r;
	fd = dev_open("ivshmem0");
	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	close(fd);
	printf("# and on ivshmem0\n");
	return fn("ivshmem0");
}

const char *mmb_dut = "soft0";
static pid_t case_pid;
static int case_msg_fd = -1;
static bool dut_opened;

static bool other_than_dut(const char *name)
{
	return strcmp(mmb_dut, "soft0") && strcmp(name, mmb_dut);
}

bool dev_present(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
	return !other_than_dut(name) && !access(path, F_OK);
}

/*
 * With another device under test than soft0, a case that begins with a
 * device of its own choosing (edu0, ivshmem0) is not a case of "the
 * device": it ends as skipped.  A case that went on to another device
 * after the one under test finds it absent (-ENOENT), as do the processes
 * it forks.
 */
int dev_open(const char *name)
{
	int fd;

	if (other_than_dut(name) && name[0] != '/') {
		if (dut_opened || getpid() != case_pid)
			return -ENOENT;
		snprintf(t_msg, sizeof(t_msg),
			 "opens %s, not the device under test %s", name,
			 mmb_dut);
		if (write(case_msg_fd, t_msg, strlen(t_msg)) < 0)
			_exit(T_FAIL);
		fflush(stdout);
		_exit(T_SKIP);
	}
	fd = mmb_open(name, 0);
	if (fd >= 0 && !strcmp(name, mmb_dut))
		dut_opened = true;
	return fd;
}

const char *dut_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", mmb_dut);
	return path;
}

const char *dut_sysfs(const char *attr)
{
	static char path[128];

	snprintf(path, sizeof(path), "/sys/class/mmbridge/%s/%s", mmb_dut,
		 attr);
	return path;
}

int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

int fd_send(int sock, int fd)
{
	char data = 'f';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

int fd_recv(int sock, int flags)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n != 1)
		return n < 0 ? -errno : -EIO;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

bool kernel_has_fs(const char *fs)
{
	char line[128], *name;
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		name = strrchr(line, '\t');
		found = !strcmp(name ? name + 1 : line, fs);
	}
	fclose(f);
	return found;
}

int memcg_prepare(const char *dir)
{
	if (!kernel_has_fs("cgroup2"))
		SKIP("no cgroup2 in this kernel");
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		EXPECT_OK(mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) ?
			  -errno : 0);
	EXPECT_OK(write_str("/sys/fs/cgroup/cgroup.subtree_control",
			    "+memory"));
	EXPECT_OK(mkdir(dir, 0755) && errno != EEXIST ? -errno : 0);
	return T_PASS;
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int slab_validate(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "kmalloc-", 8))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/validate",
			 e->d_name);
		if (!write_str(path, "1"))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * The kernel's words for memory corruption and misuse; the last three
 * begin the report of an IOMMU fault (a DMA or an interrupt outside what
 * was set up), as vm/lib.sh's SPLAT_RE.
 */
static const char *const kmsg_splats[] = {
	"BUG", "WARNING:", "Poison overwritten", "Object already free",
	"general protection fault", "Oops", "KASAN", "refcount_t:",
	"DMAR: [DMA Read", "DMAR: [DMA Write", "DMAR: [INTR-REMAP", NULL,
};

int kmsg_splat_except(int fd, const char *expected, int *seen, char *line,
		      size_t size)
{
	char rec[1024], *msg;
	ssize_t n;
	int i;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return 0;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		if (expected && !strncmp(msg, expected, strlen(expected))) {
			(*seen)++;
			continue;
		}
		for (i = 0; kmsg_splats[i]; i++) {
			if (strstr(msg, kmsg_splats[i])) {
				snprintf(line, size, "%s", msg);
				return 1;
			}
		}
	}
}

int kmsg_wait_expected(int fd, const char *expected, int *seen, char *line,
		       size_t size, int ms)
{
	uint64_t dl = mmb_now_ns() + ms * 1000000ULL;

	for (;;) {
		if (kmsg_splat_except(fd, expected, seen, line, size))
			return 1;
		if (*seen || mmb_now_ns() >= dl)
			return 0;
		usleep(10000);
	}
}

int dma_verdict(const uint8_t *page, size_t len, uint64_t seed, bool blocked,
		int kfd, const char *expected)
{
	char splat[256];
	int seen = 0;
	long bad;

	if (blocked) {
		bad = pattern_check(page, 4096, seed, 0);
		EXPECT(bad < 0, "the DMA landed behind the IOMMU: byte %ld "
		       "differs", bad);
		/* Logged from the IOMMU's fault interrupt, maybe later. */
		EXPECT(!kmsg_wait_expected(kfd, expected, &seen, splat,
					   sizeof(splat), 5000),
		       "kernel log: %s", splat);
		EXPECT(seen == 1, "%d reports of the fault \"%s...\" in the "
		       "kernel log, expected 1", seen, expected);
		return T_PASS;
	}
	bad = pattern_check(page, len, seed + 1, 0);
	EXPECT(bad < 0, "without an IOMMU the DMA did not land: byte %ld "
	       "differs", bad);
	bad = pattern_check(page + len, 4096 - len, seed, len);
	EXPECT(bad < 0, "beyond the transfer: byte %ld differs",
	       (long)len + bad);
	return T_PASS;
}

int kmsg_splat(int fd, char *line, size_t size)
{
	return kmsg_splat_except(fd, NULL, NULL, line, size);
}

long long vmstat_get(const char *key)
{
	char name[64];
	long long v, found = -1;
	FILE *f;

	/* Fold the per-CPU deltas first: /proc/vmstat lags without it. */
	write_str("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, key)) {
			found = v;
			break;
		}
	}
	fclose(f);
	return found;
}

struct pins pins_now(void)
{
	struct pins p = {
		.acquired = vmstat_get("nr_foll_pin_acquired"),
		.released = vmstat_get("nr_foll_pin_released"),
	};
	return p;
}

int exit_and_kill_release(int (*setup)(void), long long pages)
{
	struct pins p0, p1;
	int k, st;

	for (k = 0; k < 2; k++) {
		int p[2];
		pid_t pid;
		char c;

		EXPECT_OK(pipe(p) ? -errno : 0);
		p0 = pins_now();
		pid = fork();
		EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			if (setup())
				_exit(1);
			if (write(p[1], "x", 1) != 1)
				_exit(2);
			if (k == 0)
				_exit(0);	/* exit with the files open */
			pause();		/* killed */
		}
		close(p[1]);
		EXPECT(read(p[0], &c, 1) == 1, "%s child failed to set up",
		       k ? "killed" : "exiting");
		if (k == 1)
			kill(pid, SIGKILL);
		EXPECT_EQ(waitpid(pid, &st, 0), pid);
		EXPECT(k ? WIFSIGNALED(st) : WIFEXITED(st) && !WEXITSTATUS(st),
		       "child status 0x%x", st);
		close(p[0]);
		p1 = pins_now();
		EXPECT_EQ(p1.acquired - p0.acquired, pages);
		EXPECT_EQ(p1.released - p0.released, pages);
	}
	return T_PASS;
}

void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

uint64_t page_phys(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t e = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, &e, sizeof(e), (uintptr_t)p / 4096 * sizeof(e));
	close(fd);
	if (n != sizeof(e) || !(e >> 63))
		return 0;
	return (e & ((1ULL << 55) - 1)) * 4096;
}

uint64_t dev_count(int fd)
{
	struct mmb_info info;

	if (mmb_info(fd, &info))
		return UINT64_MAX;
	return info.irq_count;
}

int for_each_irq_dev(int (*fn)(const char *name))
{
	const char *const devs[] = { mmb_dut, "edu0" };
	int fd, r, ran = 0;
	size_t i;

	/* Another device under test than soft0: that one alone. */
	for (i = 0; i < (strcmp(mmb_dut, "soft0") ? 1 : 2); i++) {
		fd = dev_open(devs[i]);
		if (fd == -ENOENT) {
			printf("# %s absent\n", devs[i]);
			continue;
		}
		if (fd >= 0)
			close(fd);
		r = fn(devs[i]);
		if (r == T_FAIL) {
			char tmp[sizeof(t_msg)];
			size_t n = strlen(devs[i]);

			memcpy(tmp, t_msg, sizeof(tmp));
			memcpy(t_msg, devs[i], n);
			memcpy(t_msg + n, ": ", 2);
			memcpy(t_msg + n + 2, tmp, sizeof(t_msg) - n - 3);
			t_msg[sizeof(t_msg) - 1] = 0;
			return r;
		}
		if (r == T_PASS)
			ran++;
	}
	return ran ? T_PASS : t_skip("no device with interrupts");
}

long long proc_irq_count(const char *action)
{
	char line[4096];
	long long total = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		char *end;

		if (!p || !strstr(line, action))
			continue;
		total = 0;
		for (p++;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += v;
		}
		break;
	}
	fclose(f);
	return total;
}

const char *cmdline_get(const char *key, char *buf, size_t size)
{
	char line[4096], *tok, *save;
	size_t klen = strlen(key);

	if (read_line("/proc/cmdline", line, sizeof(line)))
		return NULL;
	for (tok = strtok_r(line, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, key, klen) && tok[klen] == '=') {
			snprintf(buf, size, "%s", tok + klen + 1);
			return buf;
		}
	}
	return NULL;
}

/*
 * The drivers on top of mmbridge, in load order, and the prefix of their
 * parameters in $MMB_PARAMS (anything else is mmbridge's).
 */
const char *const mmb_drivers[] = { "mmb_soft", "mmb_edu", "mmb_ivshmem",
				    NULL };
static const char *const mmb_driver_prefix[] = { "soft_", "edu_",
						 "ivshmem_" };

long long module_param(const char *name)
{
	const char *module = "mmbridge";
	char path[128], buf[32];
	int d;

	for (d = 0; mmb_drivers[d]; d++)
		if (!strncmp(name, mmb_driver_prefix[d],
			     strlen(mmb_driver_prefix[d])))
			module = mmb_drivers[d];
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module,
		 name);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

void *mover_fn(void *arg)
{
	struct mover *m = arg;

	while (!atomic_load(&m->stop)) {
		if (mmb_obj_migrate(m->fd, m->h, m->moves & 1 ? MMB_OBJ_RAM :
							       MMB_OBJ_DEVICE))
			break;
		m->moves++;
	}
	return NULL;
}

bool pins_settle(struct pins p0, struct pins *p1)
{
	int i;

	for (i = 0; i < 100; i++) {
		*p1 = pins_now();
		if (p1->acquired - p0.acquired == p1->released - p0.released)
			return true;
		usleep(50000);
	}
	return false;
}

uint64_t test_seed(void)
{
	uint64_t seed = mmb_now_ns();
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &seed, sizeof(seed)) != sizeof(seed))
			seed = mmb_now_ns();
		close(fd);
	}
	return seed;
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return true;
	for (i = 0; i < argc; i++)
		if (!strncmp(name, argv[i], strlen(argv[i])))
			return true;
	return false;
}

/* The first line of a file, without its newline; -errno. */
static int read_file_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * /proc/<pid>/stat into @buf; the ')' that ends the comm (which may hold
 * spaces and parentheses: "pid (comm) state ppid ..."), or NULL.
 */
static char *proc_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return strrchr(buf, ')');
}

int cap_drop(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* The parent pid of a process, from /proc/<pid>/stat; -1 if it is gone. */
static pid_t parent_of(pid_t pid, char *comm, size_t size, char *state)
{
	char buf[512], *p = proc_stat(pid, buf, sizeof(buf));
	int ppid = -1;

	if (!p || sscanf(p + 1, " %c %d", state, &ppid) != 2)
		return -1;
	if (comm) {
		char *c = strchr(buf, '(');
		size_t len = c ? (size_t)(p - c - 1) : 0;

		if (len >= size)
			len = size - 1;
		memcpy(comm, c ? c + 1 : "", len);
		comm[len] = 0;
	}
	return ppid;
}

static bool descends_from(pid_t pid, pid_t ancestor)
{
	char state;
	int depth;

	for (depth = 0; pid > 1 && depth < 64; depth++) {
		if (pid == ancestor)
			return true;
		pid = parent_of(pid, NULL, 0, &state);
	}
	return false;
}

/*
 * The user-space stack of @pid from the host's gdb (over 9p, run through
 * the host's dynamic loader), as comment lines; nothing without gdb, and
 * nothing more after a minute (gdb is slow under emulation).
 */
static void show_user_stack(pid_t pid)
{
	const char *ld = "/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
	char cmd[1024], line[512];
	FILE *f;

	if (access("/host/usr/bin/gdb", X_OK) || access(ld, X_OK))
		return;
	snprintf(cmd, sizeof(cmd),
		 "PYTHONHOME=/host/usr DEBUGINFOD_URLS= timeout -s KILL 60 %s "
		 "--library-path "
		 "/host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu "
		 "/host/usr/bin/gdb -nx -batch -data-directory /host/usr/share/gdb "
		 "-p %d -ex 'bt 12' 2>/dev/null", ld, pid);
	f = popen(cmd, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] == '#')
			printf("#   %s", line);
	pclose(f);
}

/* The user and system time @pid has run, in seconds; -1 if unknown. */
static double cpu_seconds(pid_t pid)
{
	char buf[512], *p = proc_stat(pid, buf, sizeof(buf));
	unsigned long long ut, st;

	/* After the comm: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime.
	 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/*
 * A case that ran out of time: what each of its processes was waiting
 * for, so that a hang says where it is.
 */
static void show_hung(pid_t root)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int shown = 0;

	while (d && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);
		char comm[32], path[64], wchan[64] = "", stack[1024];
		char state;
		ssize_t n;
		int fd;

		if (pid <= 0 || !descends_from(pid, root))
			continue;
		parent_of(pid, comm, sizeof(comm), &state);
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, wchan, sizeof(wchan) - 1);
			wchan[n > 0 ? n : 0] = 0;
			close(fd);
		}
		printf("# timed out: pid %d (%s) state %c wchan %s, %.1f s on a CPU\n",
		       pid, comm, state, wchan[0] ? wchan : "-",
		       cpu_seconds(pid));
		/* The system call it is in, or "running" and its user pc. */
		for (n = 0; n < 3; n++) {
			char sc[256];

			snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
			if (read_file_line(path, sc, sizeof(sc)))
				break;
			printf("#   syscall: %s\n", sc);
			usleep(200000);
		}
		snprintf(path, sizeof(path), "/proc/%d/stack", pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			char *line, *save;

			n = read(fd, stack, sizeof(stack) - 1);
			stack[n > 0 ? n : 0] = 0;
			close(fd);
			for (line = strtok_r(stack, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				printf("#   %s\n", line);
		}
		if (state != 'Z' && shown++ < 3)
			show_user_stack(pid);
	}
	if (d)
		closedir(d);
}

/*
 * The runner is the subreaper of every case: whatever a case forked, in
 * whatever process group, comes back to the runner when its parent dies.
 * Kill and reap all of it before the next case starts, so that nothing of
 * one case (a fuzz worker holding a stream, say) runs into the next.
 * Returns how many processes were left.
 */
static int reap_leftovers(void)
{
	uint64_t give_up = mmb_now_ns() + 30000000000ULL;
	int left = 0;

	for (;;) {
		struct dirent *e;
		int found = 0;
		DIR *d;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		d = opendir("/proc");
		while (d && (e = readdir(d))) {
			pid_t pid = atoi(e->d_name);
			char state;

			if (pid > 0 && pid != getpid() &&
			    parent_of(pid, NULL, 0, &state) == getpid()) {
				kill(pid, SIGKILL);
				found++;
			}
		}
		if (d)
			closedir(d);
		if (!found)
			return left;
		if (!left)
			left = found;
		if (mmb_now_ns() > give_up) {
			printf("# %d processes of the last case cannot be reaped\n",
			       found);
			return left;
		}
		usleep(10000);
	}
}

/* Run one case in a child; its verdict comes back as exit status + pipe. */
static int run_one(const struct mmb_test *t, char *msg, size_t size)
{
	unsigned int timeout = t->timeout_s ? t->timeout_s : DEFAULT_TIMEOUT_S;
	uint64_t last, ran = 0;
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	msg[0] = 0;
	if (pipe(pfd)) {
		snprintf(msg, size, "pipe: %s", strerror(errno));
		return T_FAIL;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, size, "fork: %s", strerror(errno));
		return T_FAIL;
	}
	if (pid == 0) {
		int r;

		close(pfd[0]);
		setpgid(0, 0);
		case_pid = getpid();
		case_msg_fd = pfd[1];
		dut_opened = false;
		r = t->fn();
		if (write(pfd[1], t_msg, strlen(t_msg)) < 0)
			r = T_FAIL;
		_exit(r);
	}
	close(pfd[1]);

	/*
	 * The time the case has had, counted in steps of at most a second:
	 * when the host does not run the guest for a while, its clock jumps
	 * on resuming, and that jump is no time the case had.
	 */
	last = mmb_now_ns();
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		uint64_t now = mmb_now_ns(), step = now - last;

		if (w == pid)
			break;
		last = now;
		if (step > 5000000000ULL)
			printf("# the guest's clock jumped %llu s\n",
			       (unsigned long long)(step / 1000000000ULL));
		ran += step < 1000000000ULL ? step : 1000000000ULL;
		if (ran > timeout * 1000000000ULL) {
			show_hung(pid);
			if (waitpid(pid, &status, WNOHANG) == pid)
				printf("# pid %d ended during this report\n",
				       pid);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			reap_leftovers();
			snprintf(msg, size, "timed out after %u s", timeout);
			close(pfd[0]);
			return T_FAIL;
		}
		usleep(10000);
	}
	/* Helpers the case forked must not outlive it. */
	kill(-pid, SIGKILL);
	reap_leftovers();

	n = read(pfd[0], msg, size - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	if (WIFSIGNALED(status)) {
		snprintf(msg, size, "killed by signal %d", WTERMSIG(status));
		return T_FAIL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) > T_HOST) {
		snprintf(msg, size, "exit status 0x%x", status);
		return T_FAIL;
	}
	return WEXITSTATUS(status);
}

/*
 * A case that failed with a region revoked would fail every later case
 * that maps it: restore every revoked region, naming them in @who.
 * Returns how many there were.
 */
static int restore_regions(char *who, size_t size)
{
	struct mmb_region_info ri;
	struct mmb_region_ctl ctl;
	uint32_t k, nr;
	struct dirent *e;
	int n = 0, fd;
	DIR *d;

	who[0] = 0;
	d = opendir("/dev/mmbridge");
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		fd = mmb_open(e->d_name, 0);	/* any device, not only the DUT */
		if (fd < 0)
			continue;
		nr = MMB_REGIONS_MAX;
		for (k = 0; k < nr; k++) {
			size_t len = strlen(who);

			if (mmb_region_info_at(fd, k, &ri))
				continue; /* none, or no region k */
			nr = ri.nr_regions;
			if (!ri.state || mmb_region_restore_at(fd, k, &ctl))
				continue;
			if (len + strlen(e->d_name) + 14 <= size)
				snprintf(who + len, size - len,
					 k ? " %s region %u" : " %s", e->d_name,
					 k);
			n++;
		}
		close(fd);
	}
	closedir(d);
	return n;
}

/* Wait up to 5 s for the node of every device in mmb.expect. */
static void wait_expected_nodes(void)
{
	char expect[256], path[128], *name, *save;
	int i;

	if (!cmdline_get("mmb.expect", expect, sizeof(expect)))
		return;
	for (name = strtok_r(expect, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
		for (i = 0; i < 50 && access(path, F_OK); i++)
			usleep(100000);
	}
}

/*
 * A case that failed with a device gone, or renumbered (a replug while
 * files of the old one were open), would turn every later case of that
 * device into a skip: bring each device of mmb.expect back, by reloading
 * the module if need be, naming the missing ones in @who.  Returns how
 * many there were.
 */
static int restore_devices(char *who, size_t size)
{
	char expect[256], path[128], *name, *save;
	int n = 0;

	who[0] = 0;
	if (!getenv("MMB_KO") ||
	    !cmdline_get("mmb.expect", expect, sizeof(expect)))
		return 0;
	wait_expected_nodes();
	for (name = strtok_r(expect, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(who);

		snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
		if (!access(path, F_OK))
			continue;
		if (len + strlen(name) + 2 <= size) {
			who[len] = ' ';
			strcpy(who + len + 1, name);
		}
		n++;
	}
	if (n) {
		module_reload();
		wait_expected_nodes();
	}
	return n;
}

/*
 * The words of @params that belong to @module, space-separated, in @out;
 * mmbridge's begin with test_interface=1.
 */
static void module_params_of(const char *module, const char *params,
			     char *out, size_t size)
{
	char copy[1024], *w, *save;
	size_t len = 0;
	int d, owner;

	out[0] = 0;
	/* The tests use the test interface; a later word may turn it off. */
	if (!strcmp(module, "mmbridge"))
		len = snprintf(out, size, "test_interface=1");
	snprintf(copy, sizeof(copy), "%s", params ? params : "");
	for (w = strtok_r(copy, " ,", &save); w;
	     w = strtok_r(NULL, " ,", &save)) {
		owner = -1;
		for (d = 0; mmb_drivers[d]; d++)
			if (!strncmp(w, mmb_driver_prefix[d],
				     strlen(mmb_driver_prefix[d])))
				owner = d;
		if (owner >= 0 ? strcmp(module, mmb_drivers[owner]) :
				 strcmp(module, "mmbridge"))
			continue;
		len += snprintf(out + len, len < size ? size - len : 0, "%s%s",
				len ? " " : "", w);
	}
}

int module_unload(const char *name)
{
	int i, r = -1;

	/* The last deferred fputs of a file may still hold the module. */
	for (i = 0; i < 50; i++) {
		r = syscall(SYS_delete_module, name, O_NONBLOCK);
		if (!r || errno != EWOULDBLOCK)
			break;
		usleep(100000);
	}
	if (r && errno == ENOENT)
		return 0;
	return r ? -errno : 0;
}

int module_unload_all(void)
{
	int d, r;

	/* The sample driver holds mmbridge, if an earlier case left it. */
	module_unload("mmb_sample");
	for (d = 0; mmb_drivers[d]; d++) {
		r = module_unload(mmb_drivers[d]);
		if (r)
			return r;
	}
	return module_unload("mmbridge");
}

long dma_mappings(void)
{
	char line[64];
	int r = read_line("/sys/kernel/debug/mmbridge/dma_mappings", line,
			  sizeof(line));

	return r ? r : atol(line);
}

/* Whether module @name is in the kernel (loaded or built in). */
bool kmod_present(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* Whether @name is a loadable module that is loaded (not built in). */
bool kmod_loadable(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	return !access(path, F_OK);
}

/*
 * Load module @name and what it depends on from the initramfs's
 * lib/modules/<name>/ (vm/lib.sh puts them there), unless it is there
 * already.  0, or -ENOENT when this kernel has no such
 * module, or -errno.
 */
int kmod_load(const char *name)
{
	char dir[128], path[256], line[128];
	FILE *f;
	int r = 0;

	if (kmod_present(name))
		return 0;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", name);
	snprintf(path, sizeof(path), "%s/order", dir);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	while (!r && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		r = module_insert(path, "");
		if (r == -EEXIST)
			r = 0;
	}
	fclose(f);
	if (!r && !kmod_present(name))
		r = -ENOENT;
	return r;
}

int module_insert(const char *ko, const char *params)
{
	int kofd = open(ko, O_RDONLY | O_CLOEXEC), r;

	if (kofd < 0)
		return -errno;
	r = syscall(SYS_finit_module, kofd, params ? params : "", 0);
	r = r ? -errno : 0;
	close(kofd);
	return r;
}

int module_load_driver(const char *ko, const char *name, const char *params)
{
	char path[PATH_MAX], own[512];
	const char *slash = strrchr(ko, '/');

	snprintf(path, sizeof(path), "%.*s/%s.ko",
		 slash ? (int)(slash - ko) : 1, slash ? ko : ".", name);
	module_params_of(name, params, own, sizeof(own));
	return module_insert(path, own);
}

int module_load(const char *ko)
{
	const char *params = getenv("MMB_PARAMS");
	char own[512];
	int d, r, i;

	r = module_unload_all();
	if (r)
		return r;
	module_params_of("mmbridge", params, own, sizeof(own));
	r = module_insert(ko, own);
	for (d = 0; !r && mmb_drivers[d]; d++)
		r = module_load_driver(ko, mmb_drivers[d], params);
	for (i = 0; !r && i < 50 && access(MMB_DEV_DIR "/soft0", F_OK); i++)
		usleep(100000);
	return r;
}

int module_reload(void)
{
	const char *ko = getenv("MMB_KO");

	return ko ? module_load(ko) : 1;
}

int edu_hooks_usable(void)
{
	if (!getenv("MMB_KO"))
		SKIP("MMB_KO not set");
	if (access(MMB_DEV_DIR "/edu0", F_OK))
		SKIP("no edu device");
	if (access("/sys/kernel/debug/mmbridge", F_OK))
		SKIP("no debugfs");
	return T_PASS;
}

int with_module_params(const char *extra, int (*fn)(void))
{
	const char *ko = getenv("MMB_KO"), *params = getenv("MMB_PARAMS");
	char more[512], msg[512], *saved;
	int r, r2, mp[2], st;
	ssize_t n;
	pid_t pid;

	if (!ko)
		SKIP("MMB_KO not set");
	NEED_SOFT();	/* a reload takes every other driver's device away */
	saved = strdup(params ? params : "");
	EXPECT(saved, "strdup");
	snprintf(more, sizeof(more), "%s %s", saved, extra);
	setenv("MMB_PARAMS", more, 1);
	r = module_load(ko);
	setenv("MMB_PARAMS", saved, 1);
	if (r) {
		module_load(ko);
		wait_expected_nodes();
		free(saved);
		FAIL("loading mmbridge and its drivers with %s: %s", more,
		     strerror(-r));
	}
	wait_expected_nodes();

	EXPECT_EQ(pipe(mp), 0);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(mp[0]);
		r = fn();
		fflush(stdout);
		if (r != T_PASS && write(mp[1], t_msg, strlen(t_msg)) < 0)
			r = T_FAIL;
		_exit(r);
	}
	close(mp[1]);
	n = pid > 0 ? read(mp[0], msg, sizeof(msg) - 1) : 0;
	msg[n > 0 ? n : 0] = 0;
	close(mp[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		st = -1;
	r2 = module_load(ko);
	wait_expected_nodes();
	free(saved);
	EXPECT(pid > 0, "fork: %s", strerror(errno));
	EXPECT(WIFEXITED(st), "the case's process ended with status %#x", st);
	r = WEXITSTATUS(st);
	if (r != T_PASS) {
		snprintf(t_msg, sizeof(t_msg), "%s", msg);
		return r;
	}
	EXPECT(!r2, "loading mmbridge again: %s", strerror(-r2));
	return T_PASS;
}

int main(int argc, char **argv)
{
	bool list = argc > 1 && !strcmp(argv[1], "-l");
	char msg[sizeof(t_msg)], who[256];
	size_t s;

	if (list) {
		argc--;
		argv++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("MMB_DUT"))
		mmb_dut = getenv("MMB_DUT");
	/* Every process a case leaves behind comes back here (reap_leftovers). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct mmb_test *t;

		for (t = suites[s]; t->name; t++) {
			uint64_t t0, secs;
			int r;

			if (!selected(t->name, argc - 1, argv + 1))
				continue;
			if (list) {
				printf("%s\n", t->name);
				continue;
			}
			t0 = mmb_now_ns();
			r = run_one(t, msg, sizeof(msg));
			/* Where a run's time goes: the cases of 10 s or more. */
			secs = (mmb_now_ns() - t0) / 1000000000ULL;
			if (secs >= 10)
				printf("# %s took %llu s\n", t->name,
				       (unsigned long long)secs);
			if (restore_regions(who, sizeof(who))) {
				printf("# %s left revoked:%s (restored)\n",
				       t->name, who);
				if (r == T_PASS || r == T_HOST) {
					r = T_FAIL;
					snprintf(msg, sizeof(msg),
						 "left a region revoked:%s", who);
				}
			}
			if (restore_devices(who, sizeof(who))) {
				printf("# %s left missing:%s (module reloaded)\n",
				       t->name, who);
				if (r == T_PASS || r == T_HOST) {
					r = T_FAIL;
					snprintf(msg, sizeof(msg),
						 "left a device missing:%s",
						 who);
				}
			}
			if (r == T_PASS)
				printf("ok - %s\n", t->name);
			else if (r == T_HOST)
				continue;	/* the host gives the verdict */
			else if (r == T_SKIP)
				printf("ok - %s # SKIP %s\n", t->name, msg);
			else
				printf("not ok - %s # %s\n", t->name, msg);
		}
	}
	return 0;
}
