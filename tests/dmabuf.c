// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf/: objects and region ranges as dma-bufs, mapped by other
 * processes and imported by a driver no one here wrote: vgem (DRM PRIME),
 * loaded by the cases from the guest kernel's own modules
 * (lib/modules/vgem/order in the initramfs) or built in (debug kernel).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>

#include "harness.h"
#include "kmod/mmb_dynimp.h"


/* DRM's uapi (include/uapi/drm/drm.h), which the build host lacks. */
struct drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct drm_gem_close {
	uint32_t handle;
	uint32_t pad;
};

struct drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

struct drm_mode_create_dumb {
	uint32_t height;
	uint32_t width;
	uint32_t bpp;
	uint32_t flags;
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
};

#define DRM_IOCTL_VERSION _IOWR('d', 0x00, struct drm_version)
#define DRM_IOCTL_MODE_CREATE_DUMB _IOWR('d', 0xB2, struct drm_mode_create_dumb)
#define DRM_IOCTL_GEM_CLOSE _IOW('d', 0x09, struct drm_gem_close)
#define DRM_IOCTL_PRIME_HANDLE_TO_FD _IOWR('d', 0x2d, struct drm_prime_handle)
#define DRM_IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct drm_prime_handle)

/*
 * The node @kind ("renderD", or "card": the primary node, whose first
 * opener is its master and may make dumb buffers) of the DRM driver @drv
 * (e.g. "vgem"), looked for @tries times 100 ms apart (devtmpfs makes the
 * node a little after the driver registers), or -ENOENT.
 */
static int drm_node(const char *drv, const char *kind, int tries)
{
	char path[300], name[32];
	struct dirent *de;
	DIR *d;
	int i, fd;

	for (i = 0; i < tries; i++) {
		if (i)
			usleep(100000);
		d = opendir("/dev/dri");
		while (d && (de = readdir(d))) {
			struct drm_version v = { .name = name,
						 .name_len = sizeof(name) - 1 };

			if (strncmp(de->d_name, kind, strlen(kind)))
				continue;
			snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				continue;
			memset(name, 0, sizeof(name));
			if (!ioctl(fd, DRM_IOCTL_VERSION, &v) &&
			    !strcmp(name, drv)) {
				closedir(d);
				return fd;
			}
			close(fd);
		}
		if (d)
			closedir(d);
	}
	return -ENOENT;
}

/* vgem's render node, vgem loaded first if need be; or -errno. */
static int vgem_open(void)
{
	int fd = drm_node("vgem", "renderD", 1), r;

	if (fd >= 0)
		return fd; /* loaded, or built in */
	r = kmod_load("vgem");
	return r ? r : drm_node("vgem", "renderD", 50);
}

/* vgem's render node into @fdvar; SKIP where the kernel has no vgem. */
#define VGEM_OPEN(fdvar)                                          \
	do {                                                      \
		(fdvar) = vgem_open();                            \
		if ((fdvar) == -ENOENT)                           \
			SKIP("this kernel has no vgem");          \
		EXPECT_OK(fdvar);                                 \
	} while (0)

static int prime_import(int drm, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int r = xioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	*handle = p.handle;
	return r;
}

static int prime_export(int drm, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle,
				      .flags = O_CLOEXEC | O_RDWR };
	int r = xioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	return r ? r : p.fd;
}

static int gem_close(int drm, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return xioctl(drm, DRM_IOCTL_GEM_CLOSE, &c);
}

static struct mmb_obj_info oinfo(int fd, uint32_t h)
{
	struct mmb_obj_info oi;

	if (mmb_obj_info(fd, h, &oi))
		memset(&oi, 0xff, sizeof(oi));
	return oi;
}

/*
 * Object @h is in RAM and pinned once, by its importer, so it cannot move
 * to the device: T_PASS, or the failure.
 */
static int pinned_in_ram(int fd, uint32_t h)
{
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 1);
	EXPECT_ERR(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE), EBUSY);
	return T_PASS;
}

#define EXPECT_PINNED_IN_RAM(fd, h)				\
	do {							\
		int _p = pinned_in_ram(fd, h);			\
		if (_p != T_PASS)				\
			return _p;				\
	} while (0)

static ino_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* A dma-buf mapping, or NULL with errno set. */
static void *dmabuf_map(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static int mmap_err(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return -errno;
}

/*
 * A new object of @len bytes at @placement on @fd, its handle in *@h,
 * mapped at *@p and filled with the pattern of @seed; its dma-buf,
 * exported writable and close-on-exec, is returned, or -errno.
 */
static int object_exported(int fd, size_t len, uint32_t placement,
			   uint64_t seed, uint32_t *h, uint8_t **p)
{
	uint64_t off;
	int r = mmb_obj_create(fd, len, placement, h, &off);

	if (r)
		return r;
	*p = mmb_obj_map(fd, off, len);
	if (!*p)
		return -errno;
	pattern_fill(*p, len, seed, 0);
	return mmb_obj_export(fd, *h, MMB_EXPORT_WRITE | MMB_EXPORT_CLOEXEC);
}

/* The devices with a pool: the device under test, then ivshmem0. */
static int for_each_pool_dev(int (*fn)(const char *name, int fd))
{
	const char *devs[] = { mmb_dut, "ivshmem0" };
	int ran = 0, r;
	size_t i;

	for (i = 0; i < (strcmp(mmb_dut, "soft0") ? 1 : 2); i++) {
		int fd = dev_open(devs[i]);

		if (fd == -ENOENT)
			continue;
		EXPECT_OK(fd);
		r = fn(devs[i], fd);
		close(fd);
		if (r != T_PASS) {
			if (r == T_FAIL)
				printf("# on %s\n", devs[i]);
			return r;
		}
		ran++;
	}
	if (!ran)
		SKIP("no device with an object pool");
	return T_PASS;
}

/*
 * The dma-buf's mapping follows the object's moves both ways: a store
 * through it after a move lands in the new backing (seen through the
 * device fd's mapping), and a store through the device fd's mapping is
 * seen through it.  Mappings outlive the dma-buf fd, and the export ends
 * with the last of them.
 */
static int object_mmap_on(const char *name, int fd)
{
	const size_t len = 16 * PG;
	uint64_t seed = test_seed();
	struct mmb_obj_info oi;
	uint8_t *p, *q;
	uint32_t h;
	int b, step;
	long bad;

	b = object_exported(fd, len, MMB_OBJ_DEVICE, seed, &h, &p);
	EXPECT_OK(b);
	EXPECT_EQ(fcntl(b, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	EXPECT_EQ(lseek(b, 0, SEEK_END), (off_t)len);
	q = dmabuf_map(b, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT(q, "dma-buf map: %s", strerror(errno));
	bad = pattern_check(q, len, seed, 0);
	EXPECT(bad < 0, "in the pool: byte %ld differs", bad);
	oi = oinfo(fd, h);
	EXPECT_EQ(oi.dmabuf, 1);
	EXPECT_EQ(oi.dmabuf_pins, 0);
	EXPECT_EQ(oi.mappings, 2);

	for (step = 0; step < 4; step++) {
		uint32_t to = step % 2 ? MMB_OBJ_DEVICE : MMB_OBJ_RAM;
		uint8_t *w = step < 2 ? q : p, *r = step < 2 ? p : q;

		EXPECT_OK(mmb_obj_migrate(fd, h, to));
		EXPECT_EQ(oinfo(fd, h).placement, to);
		bad = pattern_check(q, len, seed + step, 0);
		EXPECT(bad < 0, "after move %d, dma-buf map: byte %ld differs",
		       step, bad);
		pattern_fill(w, len, seed + step + 1, 0);
		bad = pattern_check(r, len, seed + step + 1, 0);
		EXPECT(bad < 0, "move %d, store through the %s: byte %ld differs",
		       step, step < 2 ? "dma-buf" : "device fd", bad);
	}

	/* The mapping holds the dma-buf: its fd may go first. */
	close(b);
	EXPECT_EQ(oinfo(fd, h).dmabuf, 1);
	bad = pattern_check(q, len, seed + 4, 0);
	EXPECT(bad < 0, "after close: byte %ld differs", bad);
	munmap(q, len);
	EXPECT_EQ(oinfo(fd, h).dmabuf, 0);
	oi = oinfo(fd, h);
	EXPECT_EQ(oi.mappings, 1);
	munmap(p, len);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	(void)name;
	return T_PASS;
}

static int test_object_mmap(void)
{
	return for_each_pool_dev(object_mmap_on);
}

/*
 * The dma-buf keeps the object: its handle destroyed and the device fd
 * closed, the data is still there, and the object goes with the dma-buf.
 * Another process maps it (the fd passed by fork()).
 */
static int test_object_outlives_handle(void)
{
	const size_t len = 8 * PG;
	uint64_t seed = test_seed(), off;
	int fd = dev_open(mmb_dut), fd2, b, st;
	uint8_t *p;
	uint32_t h;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_RAM, &h, &off));
	p = mmb_obj_map(fd, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	munmap(p, len);
	b = mmb_obj_export(fd, h, 0);
	EXPECT_OK(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	close(fd);

	pid = fork();
	EXPECT(pid >= 0, "fork");
	if (!pid) {
		p = dmabuf_map(b, len, PROT_READ, MAP_SHARED, 0);
		_exit(!p ? 2 : pattern_check(p, len, seed, 0) < 0 ? 0 : 3);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st), "child: status %#x", st);

	/* Read-only export: no writable mapping. */
	EXPECT_ERR(mmap_err(b, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0),
		   EACCES);
	fd2 = dev_open(mmb_dut);
	EXPECT_OK(fd2);
	EXPECT_EQ(oinfo(fd2, 0).objects, 1);
	close(b);
	EXPECT_EQ(oinfo(fd2, 0).objects, 0);
	close(fd2);
	return T_PASS;
}

/*
 * A read-only dma-buf mapped read-only and written through /proc/self/mem
 * (as a debugger would): refused, and the byte at @off stays as it was.
 * 0, or a description of what went wrong as a negative number.
 */
static int ro_poke(int b, off_t off)
{
	volatile uint8_t *q = dmabuf_map(b, PG, PROT_READ, MAP_SHARED, off);
	uint8_t was, x;
	int mem, r = 0;

	if (!q)
		return -1;
	was = q[0];
	x = ~was;
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (mem < 0)
		r = -2;
	else if (pwrite(mem, &x, 1, (off_t)(uintptr_t)q) == 1)
		r = -3; /* written */
	else if (q[0] != was)
		r = -4;
	if (mem >= 0)
		close(mem);
	munmap((void *)q, PG);
	return r;
}

/* Every bad request, with its errno. */
static int test_export_errors(void)
{
	int fd = dev_open(mmb_dut), other, b, edu;
	struct mmb_export e = { .argsz = sizeof(e) };
	struct mmb_region_info ri;
	uint32_t h, h2;
	uint64_t off;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, 4 * PG, MMB_OBJ_RAM, &h, &off));

	/* Objects. */
	EXPECT_ERR(mmb_obj_export(fd, h, 1U << 2), EINVAL);
	EXPECT_ERR(mmb_obj_export(fd, 0, 0), EINVAL);
	e.handle = h;
	e.policy = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_EXPORT, &e), EINVAL);
	e.policy = 0;
	e.offset = PG;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_EXPORT, &e), EINVAL);
	e.offset = 0;
	e.size = PG;
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_EXPORT, &e), EINVAL);
	e.size = 0;
	e.argsz = offsetof(struct mmb_export, size);
	EXPECT_ERR(xioctl(fd, MMB_IOC_OBJ_EXPORT, &e), EINVAL);
	EXPECT_ERR(mmb_obj_export(fd, h + 1, 0), ENOENT);
	other = dev_open(mmb_dut);
	EXPECT_OK(other);
	EXPECT_OK(mmb_obj_create(other, PG, MMB_OBJ_RAM, &h2, &off));
	EXPECT_ERR(mmb_obj_export(fd, h2, 0), ENOENT);
	close(other);

	/* Once at a time; again once the dma-buf is gone. */
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	EXPECT_ERR(mmb_obj_export(fd, h, MMB_EXPORT_WRITE), EBUSY);
	/* A dma-buf is no device fd, and maps only as it should. */
	EXPECT_ERR(xioctl(b, MMB_IOC_OBJ_EXPORT, &e), ENOTTY);
	EXPECT_ERR(mmap_err(b, 4 * PG, PROT_READ, MAP_PRIVATE, 0), EINVAL);
	EXPECT_ERR(mmap_err(b, 5 * PG, PROT_READ, MAP_SHARED, 0), EINVAL);
	EXPECT_ERR(mmap_err(b, PG, PROT_READ, MAP_SHARED, 4 * PG), EINVAL);
	EXPECT_OK(mmap_err(b, PG, PROT_READ, MAP_SHARED, 3 * PG));
	close(b);
	b = mmb_obj_export(fd, h, 0);
	EXPECT_OK(b);
	EXPECT_EQ(ro_poke(b, 3 * PG), 0);
	close(b);

	/* Region ranges. */
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_ERR(mmb_region_export(fd, 0, 0, MMB_FAULT_SIGBUS, 0), EINVAL);
	EXPECT_ERR(mmb_region_export(fd, 1, PG, MMB_FAULT_SIGBUS, 0), EINVAL);
	EXPECT_ERR(mmb_region_export(fd, 0, PG + 1, MMB_FAULT_SIGBUS, 0),
		   EINVAL);
	EXPECT_ERR(mmb_region_export(fd, 0, PG, 3, 0), EINVAL);
	EXPECT_ERR(mmb_region_export(fd, 0, PG, MMB_FAULT_SIGBUS, 4), EINVAL);
	/* REGION_EXPORT's handle is a region: soft0 has region 0 alone. */
	e = (struct mmb_export){ .argsz = sizeof(e), .handle = 1, .size = PG };
	EXPECT_ERR(xioctl(fd, MMB_IOC_REGION_EXPORT, &e), ENXIO);
	EXPECT_ERR(mmb_region_export(fd, ri.size, PG, MMB_FAULT_SIGBUS, 0),
		   ENXIO);
	EXPECT_ERR(mmb_region_export(fd, ri.size - PG, 2 * PG,
				     MMB_FAULT_SIGBUS, 0),
		   ENXIO);
	EXPECT_ERR(mmb_region_export(fd, PG, UINT64_MAX & ~(PG - 1),
				     MMB_FAULT_SIGBUS, 0),
		   ENXIO);
	b = mmb_region_export(fd, ri.size - PG, PG, MMB_FAULT_WAIT, 0);
	EXPECT_OK(b);
	EXPECT_ERR(mmap_err(b, PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0),
		   EACCES);
	EXPECT_ERR(mmap_err(b, PG, PROT_READ, MAP_PRIVATE, 0), EINVAL);
	EXPECT_OK(mmap_err(b, PG, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(ro_poke(b, 0), 0);
	close(b);
	close(fd);

	/* edu has neither objects nor a region. */
	edu = dev_open("edu0");
	if (edu == -ENOENT)
		return T_PASS;
	EXPECT_OK(edu);
	EXPECT_ERR(mmb_obj_export(edu, 1, 0), EOPNOTSUPP);
	EXPECT_ERR(mmb_region_export(edu, 0, PG, MMB_FAULT_SIGBUS, 0),
		   EOPNOTSUPP);
	close(edu);
	return T_PASS;
}

/* SIGBUS / SIGSEGV of one access, caught. */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void fault_handler(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/* Read the word at @p into *@out; the signal the read raised, or 0. */
static int touch(volatile uint64_t *p, uint64_t *out)
{
	signal(SIGBUS, fault_handler);
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return fault_sig;
	*out = *p;
	return 0;
}

/*
 * A range of the region as dma-bufs under two policies: their mappings
 * are region mappings of that range, and revocation reaches them.
 */
static int test_region_mmap_revoke(void)
{
	const size_t len = 4 * PG;
	const uint64_t at = 8 * PG;
	uint64_t seed = test_seed(), v;
	int fd = dev_open(mmb_dut), bd, bs, drm;
	struct mmb_region_info ri;
	uint8_t *r, *d, *s;
	uint32_t gh;
	long bad;

	EXPECT_OK(fd);
	r = mmb_region_map(fd, MMB_FAULT_SIGBUS, at, len);
	EXPECT(r, "region map: %s", strerror(errno));
	pattern_fill(r, len, seed, 0);
	bd = mmb_region_export(fd, at, len, MMB_FAULT_DISCARD,
			       MMB_EXPORT_WRITE);
	EXPECT_OK(bd);
	bs = mmb_region_export(fd, at, len, MMB_FAULT_SIGBUS, 0);
	EXPECT_OK(bs);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.dmabufs, 2);
	d = dmabuf_map(bd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT(d, "dma-buf map: %s", strerror(errno));
	s = dmabuf_map(bs, len, PROT_READ, MAP_SHARED, 0);
	EXPECT(s, "dma-buf map: %s", strerror(errno));
	bad = pattern_check(d, len, seed, 0);
	EXPECT(bad < 0, "discard dma-buf: byte %ld differs", bad);
	bad = pattern_check(s, len, seed, 0);
	EXPECT(bad < 0, "sigbus dma-buf: byte %ld differs", bad);
	pattern_fill(d + PG, PG, seed + 1, PG);
	bad = pattern_check(r + PG, PG, seed + 1, PG);
	EXPECT(bad < 0, "store through the dma-buf: byte %ld differs", bad);

	EXPECT_OK(mmb_region_revoke(fd, NULL));
	EXPECT_EQ(touch((uint64_t *)(s + 2 * PG), &v), SIGBUS);
	EXPECT_EQ(touch((uint64_t *)(d + 2 * PG), &v), 0);
	EXPECT_EQ(v, 0);
	d[3 * PG] = 0x5a; /* a scratch page: never the device */
	EXPECT_OK(mmb_region_restore(fd, NULL));
	EXPECT_EQ(touch((uint64_t *)(s + 3 * PG), &v), 0);
	bad = pattern_check(s, PG, seed, 0);
	EXPECT(bad < 0, "after restore: byte %ld differs", bad);
	bad = pattern_check(d + 2 * PG, 2 * PG, seed, 2 * PG);
	EXPECT(bad < 0, "after restore: byte %ld differs", bad);

	/* No importing device reaches the region. */
	drm = vgem_open();
	if (drm != -ENOENT) {
		EXPECT_OK(drm);
		EXPECT_ERR(prime_import(drm, bs, &gh), EOPNOTSUPP);
		close(drm);
	}

	munmap(d, len);
	munmap(s, len);
	close(bd);
	close(bs);
	EXPECT_OK(mmb_region_info(fd, &ri));
	EXPECT_EQ(ri.dmabufs, 0);
	munmap(r, len);
	close(fd);
	return T_PASS;
}

/* Whether the kernel's bufinfo lists dma-buf @ino as mmbridge's @name,
 * with @importer attached (NULL: nothing attached). */
static bool bufinfo_has(ino_t ino, const char *name, const char *importer)
{
	char line[512], want[160];
	bool in = false, found = false;
	int attached = -1;
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "\tmmbridge\t%08lu\t%s\n",
		 (unsigned long)ino, name);
	while (fgets(line, sizeof(line), f)) {
		if (!in) {
			char *p = strstr(line, "\tmmbridge\t");

			in = p && !strcmp(p, want);
			attached = 0;
			continue;
		}
		if (!strncmp(line, "Total ", 6)) {
			found = importer ? attached == 1 : attached == 0;
			break;
		}
		if (line[0] == '\t' && importer &&
		    !strncmp(line + 1, importer, strlen(importer)))
			attached++;
		else if (line[0] == '\t' && strstr(line, "Attached"))
			continue;
		else if (line[0] == '\t')
			attached += 100; /* someone else */
	}
	fclose(f);
	return found;
}

/*
 * vgem imports an object: it is moved to RAM and pinned there while vgem
 * holds it (migration to the device -EBUSY), vgem's export of it is the
 * same dma-buf, bufinfo names both, and once vgem lets go the object
 * moves again.
 */
static int vgem_import_on(const char *name, int fd)
{
	const size_t len = 32 * PG;
	uint64_t seed = test_seed(), off;
	struct mmb_obj_info oi;
	int drm, b, b2;
	uint8_t *p, *q;
	char bname[64];
	uint32_t h, gh, gh2;
	long bad;

	VGEM_OPEN(drm);
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, &off));
	p = mmb_obj_map(fd, off, len);
	EXPECT(p, "map: %s", strerror(errno));
	pattern_fill(p, len, seed, 0);
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	EXPECT_OK(prime_import(drm, b, &gh));
	oi = oinfo(fd, h);
	EXPECT_EQ(oi.placement, MMB_OBJ_RAM);
	EXPECT_EQ(oi.dmabuf_pins, 1);
	EXPECT_EQ(oi.migrations, 1);
	EXPECT_ERR(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE), EBUSY);
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	bad = pattern_check(p, len, seed, 0);
	EXPECT(bad < 0, "moved for vgem: byte %ld differs", bad);
	snprintf(bname, sizeof(bname), "%s object %u", name, h);
	EXPECT(bufinfo_has(fd_ino(b), bname, "vgem"),
	       "bufinfo does not list %s with vgem attached", bname);

	/* vgem's export of what it imported is the same dma-buf. */
	b2 = prime_export(drm, gh);
	EXPECT_OK(b2);
	EXPECT_EQ(fd_ino(b2), fd_ino(b));
	q = dmabuf_map(b2, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT(q, "map of vgem's export: %s", strerror(errno));
	pattern_fill(q, len, seed + 1, 0);
	bad = pattern_check(p, len, seed + 1, 0);
	EXPECT(bad < 0, "store through vgem's export: byte %ld differs", bad);
	munmap(q, len);
	close(b2);

	/* Importing it again is the same import: still one pin. */
	EXPECT_OK(prime_import(drm, b, &gh2));
	EXPECT_EQ(gh2, gh);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 1);

	EXPECT_OK(gem_close(drm, gh));
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	EXPECT(bufinfo_has(fd_ino(b), bname, NULL),
	       "bufinfo still lists an importer of %s", bname);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	bad = pattern_check(p, len, seed + 1, 0);
	EXPECT(bad < 0, "back in the pool: byte %ld differs", bad);
	close(b);
	close(drm);
	munmap(p, len);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	return T_PASS;
}

static int test_vgem_import(void)
{
	return for_each_pool_dev(vgem_import_on);
}

/*
 * An object of @len bytes in @fd's pool, exported writable (*@b), mapped
 * (*@q) and filled with the pattern of @seed, then imported by vgem
 * (*@gh); its handle in *@h.  T_PASS or the failure.
 */
static int vgem_holds_object(int fd, int drm, size_t len, uint64_t seed,
			     uint32_t *h, int *b, uint8_t **q, uint32_t *gh)
{
	uint64_t off;

	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, h, &off));
	*b = mmb_obj_export(fd, *h, MMB_EXPORT_WRITE);
	EXPECT_OK(*b);
	*q = dmabuf_map(*b, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT(*q, "dma-buf map: %s", strerror(errno));
	pattern_fill(*q, len, seed, 0);
	EXPECT_OK(prime_import(drm, *b, gh));
	return T_PASS;
}

/*
 * The device goes while vgem holds its object: removal completes (the
 * object is in RAM already), the data stays reachable through the
 * dma-buf, and every file closes afterwards without a splat.
 */
static int removal_under_import(const char *name)
{
	const size_t len = 16 * PG;
	uint64_t seed = test_seed();
	int fd, drm, b, k, r;
	uint8_t *q;
	uint32_t h, gh;
	char line[512];
	long bad;

	VGEM_OPEN(drm);
	k = kmsg_open();
	EXPECT_OK(k);
	fd = dev_open(name);
	EXPECT_OK(fd);
	r = vgem_holds_object(fd, drm, len, seed, &h, &b, &q, &gh);
	if (r != T_PASS)
		return r;
	close(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));

	EXPECT_OK(bind_dev(name, false));
	EXPECT_ERR(mmb_obj_export(fd, h, 0), ENODEV);
	EXPECT_ERR(mmb_region_export(fd, 0, PG, MMB_FAULT_SIGBUS, 0), ENODEV);
	bad = pattern_check(q, len, seed, 0);
	EXPECT(bad < 0, "after removal: byte %ld differs", bad);
	pattern_fill(q, len, seed + 1, 0);
	close(fd);
	b = prime_export(drm, gh);
	EXPECT_OK(b);
	munmap(q, len);
	q = dmabuf_map(b, len, PROT_READ, MAP_SHARED, 0);
	EXPECT(q, "map after removal: %s", strerror(errno));
	bad = pattern_check(q, len, seed + 1, 0);
	EXPECT(bad < 0, "mapped after removal: byte %ld differs", bad);
	munmap(q, len);
	close(b);
	EXPECT_OK(gem_close(drm, gh));
	close(drm);
	EXPECT_OK(bind_dev(name, true));
	EXPECT(!kmsg_splat(k, line, sizeof(line)), "kernel: %s", line);
	close(k);
	return T_PASS;
}

static int test_removal_under_import(void)
{
	return on_soft0_and_ivshmem0(removal_under_import);
}

/* mmbridge's module reference count, or -1. */
static long long mmb_refcnt(void)
{
	char buf[32];

	if (read_line("/sys/module/mmbridge/refcnt", buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

/*
 * The count once it has stayed the same for 300 ms (the deferred fputs of
 * files closed just before), at most 5 s.
 */
static long long refcnt_settled(void)
{
	long long n = mmb_refcnt(), m;
	int i, same = 0;

	for (i = 0; i < 50 && same < 3; i++) {
		usleep(100000);
		m = mmb_refcnt();
		same = m == n ? same + 1 : 0;
		n = m;
	}
	return n;
}

/*
 * Every order of letting go of the four holders of an exported object
 * (the device fd with the handle, the dma-buf fd, its mapping, vgem's
 * import): nothing stays behind (no object, no module reference), and
 * the data is right to the last holder.
 */
static int test_close_orders(void)
{
	static const int perms[24][4] = {
		{ 0, 1, 2, 3 }, { 0, 1, 3, 2 }, { 0, 2, 1, 3 }, { 0, 2, 3, 1 },
		{ 0, 3, 1, 2 }, { 0, 3, 2, 1 }, { 1, 0, 2, 3 }, { 1, 0, 3, 2 },
		{ 1, 2, 0, 3 }, { 1, 2, 3, 0 }, { 1, 3, 0, 2 }, { 1, 3, 2, 0 },
		{ 2, 0, 1, 3 }, { 2, 0, 3, 1 }, { 2, 1, 0, 3 }, { 2, 1, 3, 0 },
		{ 2, 3, 0, 1 }, { 2, 3, 1, 0 }, { 3, 0, 1, 2 }, { 3, 0, 2, 1 },
		{ 3, 1, 0, 2 }, { 3, 1, 2, 0 }, { 3, 2, 0, 1 }, { 3, 2, 1, 0 },
	};
	const size_t len = 4 * PG;
	long long ref0;
	int drm, watch, i, j;

	VGEM_OPEN(drm);
	watch = dev_open(mmb_dut);
	EXPECT_OK(watch);
	ref0 = refcnt_settled();
	for (i = 0; i < 24; i++) {
		uint64_t seed = test_seed() + i;
		int fd = dev_open(mmb_dut), b, r;
		uint8_t *q;
		uint32_t h, gh;
		long bad;

		EXPECT_OK(fd);
		r = vgem_holds_object(fd, drm, len, seed, &h, &b, &q, &gh);
		if (r != T_PASS)
			return r;
		for (j = 0; j < 4; j++) {
			switch (perms[i][j]) {
			case 0:
				close(fd);
				break;
			case 1:
				close(b);
				break;
			case 2:
				bad = pattern_check(q, len, seed, 0);
				EXPECT(bad < 0, "order %d: byte %ld differs", i,
				       bad);
				munmap(q, len);
				break;
			case 3:
				EXPECT_OK(gem_close(drm, gh));
				break;
			}
		}
		EXPECT_EQ(oinfo(watch, 0).objects, 0);
	}
	close(drm);
	EXPECT_EQ(refcnt_settled(), ref0);
	close(watch);
	return T_PASS;
}

/*
 * The importer's module goes first (the dma-buf lives on, unpinned) or
 * last (vgem alone holds the dma-buf: mmbridge stays loaded, referenced,
 * until vgem lets go).  Where vgem is built in, that part is skipped.
 */
static int test_importer_module_first_last(void)
{
	const size_t len = 4 * PG;
	uint64_t seed = test_seed(), off;
	long long ref;
	int fd, drm, b, i;
	uint32_t h, gh;
	uint8_t *q;
	long bad;

	VGEM_OPEN(drm);
	if (!kmod_loadable("vgem")) {
		close(drm);
		SKIP("vgem is built in");
	}
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);

	/* First: vgem unloaded while the dma-buf lives. */
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, &off));
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	EXPECT_OK(prime_import(drm, b, &gh));
	EXPECT_ERR(module_unload("vgem"), EWOULDBLOCK);
	close(drm);
	EXPECT_OK(module_unload("vgem"));
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	q = dmabuf_map(b, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT(q, "dma-buf map: %s", strerror(errno));
	pattern_fill(q, len, seed, 0);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	bad = pattern_check(q, len, seed, 0);
	EXPECT(bad < 0, "byte %ld differs", bad);
	munmap(q, len);
	close(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));

	/* Last: vgem holds the only reference. */
	VGEM_OPEN(drm);
	ref = mmb_refcnt();
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &h, &off));
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	EXPECT_EQ(mmb_refcnt(), ref + 1);
	EXPECT_OK(prime_import(drm, b, &gh));
	close(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_EQ(oinfo(fd, 0).objects, 1);
	EXPECT_EQ(mmb_refcnt(), ref + 1);
	close(drm);
	for (i = 0; i < 50 && mmb_refcnt() != ref; i++)
		usleep(100000);
	EXPECT_EQ(mmb_refcnt(), ref);
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	EXPECT_OK(module_unload("vgem"));
	close(fd);
	return T_PASS;
}

/* DMA_BUF_IOCTL_SYNC brackets, and its own checks. */
static int test_sync(void)
{
	struct dma_buf_sync s;
	int fd = dev_open(mmb_dut), b, drm = -1;
	uint64_t off;
	uint32_t h, gh;

	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, 4 * PG, MMB_OBJ_RAM, &h, &off));
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	drm = vgem_open();
	if (drm != -ENOENT) {
		EXPECT_OK(drm);
		EXPECT_OK(prime_import(drm, b, &gh));
	}
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	EXPECT_OK(xioctl(b, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_OK(xioctl(b, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	EXPECT_OK(xioctl(b, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	EXPECT_OK(xioctl(b, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = 1ULL << 8;
	EXPECT_ERR(xioctl(b, DMA_BUF_IOCTL_SYNC, &s), EINVAL);
	if (drm >= 0)
		close(drm);
	close(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	close(fd);
	return T_PASS;
}

/*
 * Stream frames in dma-bufs of four exporters: the system dma-heap,
 * udmabuf, vgem (a dumb buffer through PRIME) and mmbridge itself (an
 * object).  The first two exist from 6.12 on, vgem where it is a module.
 */
enum { SRC_HEAP, SRC_UDMABUF, SRC_VGEM, SRC_OBJECT, NR_SRC };
static const char *const src_name[] = { "system heap", "udmabuf", "vgem",
					"mmbridge object" };

/*
 * A dma-buf of @len bytes from @src, or -ENOENT without that exporter;
 * @dev is an mmbridge device with objects, @drm vgem's primary node or -1.
 */
static int dmabuf_new(int src, size_t len, int dev, int drm)
{
	int fd = -ENOENT, h, r;

	switch (src) {
	case SRC_HEAP: {
		struct dma_heap_allocation_data d = {
			.len = len, .fd_flags = O_RDWR | O_CLOEXEC };

		h = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
		if (h < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		r = xioctl(h, DMA_HEAP_IOCTL_ALLOC, &d);
		close(h);
		return r ? r : (int)d.fd;
	}
	case SRC_UDMABUF: {
		struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC,
					    .size = len };
		int mfd = memfd_create("mmb-udmabuf",
				       MFD_ALLOW_SEALING | MFD_CLOEXEC);

		h = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		if (h < 0) {
			r = errno == ENOENT ? -ENOENT : -errno;
			close(mfd);
			return r;
		}
		if (mfd < 0 || ftruncate(mfd, len) ||
		    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			r = -errno;
		} else {
			c.memfd = mfd;
			fd = ioctl(h, UDMABUF_CREATE, &c);
			r = fd < 0 ? -errno : fd;
		}
		close(h);
		if (mfd >= 0)
			close(mfd);
		return r;
	}
	case SRC_VGEM: {
		struct drm_mode_create_dumb c = { .width = 1024, .bpp = 32,
						  .height = len / 4096 };

		if (drm < 0)
			return -ENOENT;
		r = xioctl(drm, DRM_IOCTL_MODE_CREATE_DUMB, &c);
		if (r)
			return r;
		fd = prime_export(drm, c.handle);
		gem_close(drm, c.handle); /* the dma-buf holds it */
		return fd;
	}
	default: {
		uint64_t off;
		uint32_t oh;

		r = mmb_obj_create(dev, len, MMB_OBJ_RAM, &oh, &off);
		if (r)
			return r;
		fd = mmb_obj_export(dev, oh, MMB_EXPORT_WRITE |
					     MMB_EXPORT_CLOEXEC);
		mmb_obj_destroy(dev, oh); /* the dma-buf holds it */
		return fd;
	}
	}
}


static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return xioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/*
 * Whether DMA_BUF_IOCTL_SYNC of a system-heap buffer with an importer
 * attached is safe here.  The 6.12 system heap syncs every attachment's
 * table in begin_cpu_access, and with CONFIG_DMABUF_DEBUG (on in the
 * debug kernel, "-mmb-debug") the dma-buf core has scrambled the page
 * links of those tables while the importers hold them: the sync oopses
 * in sg_phys() (mmbridge's own exporter keeps a table of its own).  The
 * reads are then done without the bracket, which x86 does not need.
 */
static bool heap_sync_ok(void)
{
	struct utsname u;

	return uname(&u) || !strstr(u.release, "-mmb-debug");
}

/*
 * Four frames in three dma-bufs of @src (frames 0 and 1 share one, at
 * offsets 0 and @size); each dma-buf poisoned first, and every frame read
 * through the dma-buf's own mapping, bracketed by DMA_BUF_IOCTL_SYNC, must
 * be exactly the device's.  On a bus-address engine (edu) every dma-buf is
 * mapped for the device once while the stream lives.  A consumer (vgem) holds
 * the first dma-buf imported meanwhile.
 */
static int stream_into(const char *name, int src, int drm, int card,
		       int *ran)
{
	const uint32_t nr = 4;
	const size_t size = strcmp(name, "edu0") ? 64 * 1024 : 4 * PG;
	uint64_t seed = test_seed() + src, seq = 0;
	struct mmb_stream_dmabuf fr[4];
	struct mmb_stream_status st;
	uint8_t *map[3], *frame[4];
	size_t blen[3] = { 2 * size, size, size };
	int fd = dev_open(name), ofd = dev_open(mmb_dut), buf[3], sfd, i;
	bool sync = src != SRC_HEAP || heap_sync_ok();
	long before = dma_mappings(), bad;
	uint32_t gh = 0;

	EXPECT_OK(fd);
	EXPECT_OK(ofd);
	for (i = 0; i < 3; i++) {
		buf[i] = dmabuf_new(src, blen[i], ofd, card);
		if (buf[i] == -ENOENT) {
			printf("# %s: no %s\n", name, src_name[src]);
			while (i--) {
				munmap(map[i], blen[i]);
				close(buf[i]);
			}
			close(ofd);
			close(fd);
			return T_PASS;
		}
		EXPECT_OK(buf[i]);
		map[i] = dmabuf_map(buf[i], blen[i], PROT_READ | PROT_WRITE,
				    MAP_SHARED, 0);
		EXPECT(map[i], "%s: map: %s", src_name[src], strerror(errno));
		/*
		 * Read and write: udmabuf maps its table for the CPU
		 * bracket with the first bracket's direction and syncs it
		 * with each later one's, which the DMA API checks refuse
		 * unless that first one was both.
		 */
		EXPECT_OK(sync_buf(buf[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		memset(map[i], 0xa5, blen[i]);
		EXPECT_OK(sync_buf(buf[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	}
	fr[0] = (struct mmb_stream_dmabuf){ .fd = buf[0], .offset = 0 };
	fr[1] = (struct mmb_stream_dmabuf){ .fd = buf[0], .offset = size };
	fr[2] = (struct mmb_stream_dmabuf){ .fd = buf[1] };
	fr[3] = (struct mmb_stream_dmabuf){ .fd = buf[2] };
	frame[0] = map[0];
	frame[1] = map[0] + size;
	frame[2] = map[1];
	frame[3] = map[2];
	/*
	 * Not beside edu: the heap and udmabuf map for each importer with
	 * CPU syncs, and DMA-API debugging tracks cache lines across all
	 * devices, so two devices' mappings of one buffer are reported as
	 * overlapping (vgem's and mmbridge's exports map without them).
	 */
	if (drm >= 0 && src != SRC_VGEM && strcmp(name, "edu0"))
		EXPECT_OK(prime_import(drm, buf[0], &gh));

	sfd = mmb_stream_import(fd, nr, size, fr, seed, 0, MMB_EVENT_CLOEXEC);
	EXPECT_OK(sfd);
	/* One mapping per dma-buf: frames 0 and 1 share theirs. */
	if (!strcmp(name, "edu0"))
		EXPECT_EQ(dma_mappings() - before, 3);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	for (i = 0; i < 12; i++, seq++) {
		struct mmb_frame f;
		int b;

		EXPECT_OK(mmb_stream_next(sfd, &f));
		EXPECT(f.index < nr, "index %u", f.index);
		EXPECT_EQ(f.seq, seq);
		b = f.index < 2 ? buf[0] : buf[f.index - 1];
		if (sync)
			EXPECT_OK(sync_buf(b, DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ));
		bad = mmb_stream_check(frame[f.index], size, seed,
				       st.pattern_size, f.seq);
		if (sync)
			EXPECT_OK(sync_buf(b, DMA_BUF_SYNC_END |
					      DMA_BUF_SYNC_READ));
		EXPECT(bad < 0, "%s: frame %u (index %u): byte %ld wrong",
		       src_name[src], i, f.index, bad);
		EXPECT_OK(mmb_stream_release(sfd, f.index));
	}
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.errors, 0);
	EXPECT_EQ(st.delivered, 12);
	close(sfd);
	EXPECT_EQ(dma_mappings(), before);
	if (gh)
		EXPECT_OK(gem_close(drm, gh));
	for (i = 0; i < 3; i++) {
		munmap(map[i], blen[i]);
		close(buf[i]);
	}
	close(ofd);
	close(fd);
	(*ran)++;
	return T_PASS;
}

static int test_stream_into_dmabufs(void)
{
	const char *devs[] = { mmb_dut, "edu0" };
	int drm = vgem_open(), card = -1, ran = 0, src, r;
	size_t d;

	if (drm == -ENOENT) {
		printf("# no vgem\n");
	} else {
		EXPECT_OK(drm);
		card = drm_node("vgem", "card", 1);
		EXPECT_OK(card);
	}
	for (d = 0; d < 2; d++) {
		if (!dev_present(devs[d]))
			continue;
		for (src = 0; src < NR_SRC; src++) {
			r = stream_into(devs[d], src, drm, card, &ran);
			if (r != T_PASS) {
				printf("# %s, %s\n", devs[d], src_name[src]);
				return r;
			}
		}
	}
	if (drm >= 0)
		close(drm);
	if (card >= 0)
		close(card);
	/* The object is there everywhere; the others where the kernel has them. */
	EXPECT(ran >= 1, "no stream ran");
	return T_PASS;
}

/* Bad frames, each with its errno; nothing of them stays behind. */
static int test_stream_import_errors(void)
{
	const size_t size = 2 * PG;
	struct mmb_stream_dmabuf fr[2];
	struct mmb_stream_setup ss = { .argsz = sizeof(ss),
				       .mode = MMB_STREAM_DMABUF,
				       .nr_frames = 1, .frame_size = size };
	int fd = dev_open(mmb_dut), a, small, rg, sfd, ro;
	uint64_t off;
	uint32_t oh;

	EXPECT_OK(fd);
	a = dmabuf_new(SRC_OBJECT, 2 * size, fd, -1);
	EXPECT_OK(a);
	small = dmabuf_new(SRC_OBJECT, size - PG, fd, -1);
	EXPECT_OK(small);
	rg = mmb_region_export(fd, 0, size, MMB_FAULT_SIGBUS,
			       MMB_EXPORT_WRITE);
	EXPECT_OK(rg);

	fr[0] = (struct mmb_stream_dmabuf){ .fd = -1 };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EBADF);
	fr[0].fd = fd;
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EINVAL);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .offset = 1 };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EINVAL);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .reserved = 1 };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EINVAL);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .offset = 2 * size };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), ENXIO);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .offset = size + PG };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), ENXIO);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = small };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), ENXIO);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .offset = 0 };
	fr[1] = (struct mmb_stream_dmabuf){ .fd = a, .offset = PG };
	EXPECT_ERR(mmb_stream_import(fd, 2, size, fr, 1, 0, 0), EINVAL);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = rg };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EOPNOTSUPP);
	/* A read-only dma-buf is no frame. */
	EXPECT_OK(mmb_obj_create(fd, size, MMB_OBJ_RAM, &oh, &off));
	ro = mmb_obj_export(fd, oh, 0);
	EXPECT_OK(ro);
	EXPECT_OK(mmb_obj_destroy(fd, oh));
	fr[0] = (struct mmb_stream_dmabuf){ .fd = ro };
	EXPECT_ERR(mmb_stream_import(fd, 1, size, fr, 1, 0, 0), EACCES);
	close(ro);
	EXPECT_ERR(xioctl(fd, MMB_IOC_STREAM_SETUP, &ss), EINVAL);
	ss.frames = 8;
	EXPECT_ERR(xioctl(fd, MMB_IOC_STREAM_SETUP, &ss), EFAULT);
	/* Two frames side by side in one dma-buf are fine. */
	fr[1].offset = size;
	fr[0] = (struct mmb_stream_dmabuf){ .fd = a, .offset = 0 };
	sfd = mmb_stream_import(fd, 2, size, fr, 1, 0, 0);
	EXPECT_OK(sfd);
	close(sfd);

	close(a);
	close(small);
	close(rg);
	/* What the refused setups took of the dma-bufs went back. */
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	close(fd);
	return T_PASS;
}

/*
 * The device goes while the stream writes into imported frames: when the
 * unbind returns no DMA mapping of the stream is left, the stream is dead
 * (-ENODEV), and the frames keep what was delivered.
 */
static int import_removal(const char *name)
{
	const size_t size = 4 * PG;
	uint64_t seed = test_seed();
	struct mmb_stream_dmabuf fr[2];
	struct mmb_stream_status st;
	struct mmb_frame f, f2;
	int fd = dev_open(name), ofd, buf, sfd;
	long before = dma_mappings(), bad;
	uint8_t *map;

	if (fd == -ENOENT)
		return T_PASS;
	EXPECT_OK(fd);
	ofd = dev_open("soft0");
	EXPECT_OK(ofd);
	buf = dmabuf_new(SRC_OBJECT, 2 * size, ofd, -1);
	close(ofd);
	EXPECT_OK(buf);
	map = dmabuf_map(buf, 2 * size, PROT_READ, MAP_SHARED, 0);
	EXPECT(map, "map: %s", strerror(errno));
	fr[0] = (struct mmb_stream_dmabuf){ .fd = buf };
	fr[1] = (struct mmb_stream_dmabuf){ .fd = buf, .offset = size };
	sfd = mmb_stream_import(fd, 2, size, fr, seed, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &f));
	if (!strcmp(name, "edu0"))
		EXPECT_EQ(dma_mappings() - before, 1);
	EXPECT_OK(bind_dev(name, false));
	EXPECT_EQ(dma_mappings(), before);
	EXPECT_ERR(mmb_stream_next(sfd, &f2), ENODEV);
	bad = mmb_stream_check(map + f.index * size, size, seed,
			       st.pattern_size, f.seq);
	EXPECT(bad < 0, "%s: held frame: byte %ld wrong", name, bad);
	close(sfd);
	munmap(map, 2 * size);
	close(buf);
	close(fd);
	EXPECT_OK(bind_dev(name, true));
	return T_PASS;
}

static int test_stream_import_removal(void)
{
	int r;

	NEED_SOFT();
	r = import_removal("soft0");
	return r == T_PASS ? import_removal("edu0") : r;
}

/*
 * vivid's single-planar video node with capability @caps (capture or
 * output), or -errno.
 */
static int vivid_node(uint32_t caps)
{
	char path[32];
	int i, j, fd, r;

	if (!kmod_present("vivid")) {
		r = kmod_load("vivid");
		if (r)
			return r;
	}
	for (j = 0; j < 50; j++) {
		for (i = 0; i < 64; i++) {
			struct v4l2_capability cap;

			snprintf(path, sizeof(path), "/dev/video%d", i);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				continue;
			memset(&cap, 0, sizeof(cap));
			if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
			    !strcmp((char *)cap.driver, "vivid") &&
			    (cap.device_caps & caps) &&
			    (cap.device_caps & V4L2_CAP_STREAMING))
				return fd;
			close(fd);
		}
		usleep(100000);
	}
	return -ENOENT;
}

/* vivid's single-planar video capture node, or -errno. */
static int vivid_open(void)
{
	return vivid_node(V4L2_CAP_VIDEO_CAPTURE);
}

/*
 * The control called @name, into @q: 0 (its id in q->id), or -ENOENT.
 */
static int v4l2_ctrl_find(int fd, const char *name, struct v4l2_queryctrl *q)
{
	memset(q, 0, sizeof(*q));
	q->id = V4L2_CTRL_FLAG_NEXT_CTRL;
	while (!ioctl(fd, VIDIOC_QUERYCTRL, q)) {
		if (!strcmp((char *)q->name, name))
			return 0;
		q->id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return -ENOENT;
}

/* Set the control called @name to @val. */
static int v4l2_ctrl_by_name(int fd, const char *name, int val)
{
	struct v4l2_queryctrl q;
	struct v4l2_control c;

	if (v4l2_ctrl_find(fd, name, &q))
		return -ENOENT;
	c.id = q.id;
	c.value = val;
	return xioctl(fd, VIDIOC_S_CTRL, &c);
}

/* The index of the item called @item of menu control @q, or -ENOENT. */
static int v4l2_menu_index(int fd, const struct v4l2_queryctrl *q,
			   const char *item)
{
	struct v4l2_querymenu m;
	int i;

	for (i = q->minimum; i <= q->maximum; i++) {
		memset(&m, 0, sizeof(m));
		m.id = q->id;
		m.index = i;
		if (!ioctl(fd, VIDIOC_QUERYMENU, &m) &&
		    !strcmp((char *)m.name, item))
			return i;
	}
	return -ENOENT;
}

/*
 * Queue buffer 0 of the @type queue set up with @memory (a dma-buf:
 * @dmabuf, of @len bytes), @used bytes of it filled for an output.
 */
static int v4l2_qbuf_type(int fd, uint32_t type, uint32_t memory, int dmabuf,
			  size_t len, size_t used)
{
	struct v4l2_buffer b = { .type = type, .memory = memory,
				 .bytesused = used };

	if (memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = dmabuf;
		b.length = len;
	}
	return xioctl(fd, VIDIOC_QBUF, &b);
}

/* Queue buffer 0 of the queue set up with @memory (a dma-buf: @dmabuf). */
static int v4l2_qbuf(int fd, uint32_t memory, int dmabuf, size_t len)
{
	return v4l2_qbuf_type(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, memory, dmabuf,
			      len, 0);
}

/* Capture into the buffer queued. */
static int v4l2_capture(int fd, uint32_t memory)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .memory = memory };
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, r;

	r = xioctl(fd, VIDIOC_STREAMON, &type);
	if (!r)
		r = xioctl(fd, VIDIOC_DQBUF, &b);
	if (!r)
		r = xioctl(fd, VIDIOC_STREAMOFF, &type);
	return r;
}

static int v4l2_reqbufs_type(int fd, uint32_t type, uint32_t memory,
			     uint32_t count)
{
	struct v4l2_requestbuffers rb = { .count = count, .memory = memory,
					  .type = type };
	int r = xioctl(fd, VIDIOC_REQBUFS, &rb);

	return r ? r : (int)rb.count;
}

static int v4l2_reqbufs(int fd, uint32_t memory, uint32_t count)
{
	return v4l2_reqbufs_type(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, memory,
				 count);
}

/*
 * vivid (V4L2, vb2-vmalloc) captures into an exported object: it maps the
 * dma-buf into the kernel (vmap), which moves the object to RAM and pins
 * it, and writes the frame there; the frame is byte for byte what vivid
 * writes into a buffer of its own, with its text overlay off so that
 * every frame of its colour bars is the same.  Once vivid lets go of the
 * buffer the object is unpinned and moves again.
 */
static int test_vivid_capture(void)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_buffer qb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				  .memory = V4L2_MEMORY_MMAP };
	int v = vivid_open(), fd, b, n;
	uint8_t *ref, *p, *mine;
	size_t len, olen;
	uint64_t off;
	uint32_t h;

	if (v == -ENOENT)
		SKIP("this kernel has no vivid");
	EXPECT_OK(v);
	EXPECT_OK(v4l2_ctrl_by_name(v, "OSD Text Mode", 2));
	EXPECT_OK(xioctl(v, VIDIOC_G_FMT, &fmt));
	len = fmt.fmt.pix.sizeimage;
	olen = (len + PG - 1) & ~(PG - 1);

	/* vivid's own buffer. */
	n = v4l2_reqbufs(v, V4L2_MEMORY_MMAP, 1);
	EXPECT(n >= 1, "REQBUFS MMAP: %s", strerror(-n));
	qb.index = 0;
	EXPECT_OK(xioctl(v, VIDIOC_QUERYBUF, &qb));
	mine = mmap(NULL, qb.length, PROT_READ, MAP_SHARED, v, qb.m.offset);
	EXPECT(mine != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(v4l2_qbuf(v, V4L2_MEMORY_MMAP, -1, 0));
	EXPECT_OK(v4l2_capture(v, V4L2_MEMORY_MMAP));
	ref = malloc(len);
	EXPECT(ref, "malloc");
	memcpy(ref, mine, len);
	munmap(mine, qb.length);
	EXPECT_EQ(v4l2_reqbufs(v, V4L2_MEMORY_MMAP, 0), 0);

	/* An object, in the pool, exported and queued. */
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, olen, MMB_OBJ_DEVICE, &h, &off));
	p = mmb_obj_map(fd, off, olen);
	EXPECT(p, "map: %s", strerror(errno));
	memset(p, 0x5a, olen);
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	n = v4l2_reqbufs(v, V4L2_MEMORY_DMABUF, 1);
	EXPECT(n >= 1, "REQBUFS DMABUF: %s", strerror(-n));
	/* Queued, it is in vivid's kernel mapping: in RAM, pinned. */
	EXPECT_OK(v4l2_qbuf(v, V4L2_MEMORY_DMABUF, b, olen));
	EXPECT_PINNED_IN_RAM(fd, h);
	EXPECT_OK(v4l2_capture(v, V4L2_MEMORY_DMABUF));
	EXPECT(!memcmp(p, ref, len), "vivid's frame in the object differs");
	EXPECT_EQ(v4l2_reqbufs(v, V4L2_MEMORY_DMABUF, 0), 0);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	EXPECT(!memcmp(p, ref, len), "the frame changed when the object moved");
	close(v);
	close(b);
	munmap(p, olen);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	close(fd);
	free(ref);
	return T_PASS;
}

/*
 * The first input (@out false) or output of vivid's node @fd whose name
 * starts with @prefix, its name into @name: its index, or -ENOENT.
 */
static int vivid_port(int fd, bool out, const char *prefix, char name[32])
{
	struct v4l2_output o;
	struct v4l2_input in;
	uint32_t i;
	int r;

	for (i = 0;; i++) {
		if (out) {
			memset(&o, 0, sizeof(o));
			o.index = i;
			r = xioctl(fd, VIDIOC_ENUMOUTPUT, &o);
			memcpy(name, o.name, 32);
		} else {
			memset(&in, 0, sizeof(in));
			in.index = i;
			r = xioctl(fd, VIDIOC_ENUMINPUT, &in);
			memcpy(name, in.name, 32);
		}
		if (r)
			return -ENOENT;
		name[31] = 0;
		if (!strncmp(name, prefix, strlen(prefix)))
			return i;
	}
}

/*
 * Connect the input called @in_name of vivid's capture node @v to the
 * output called @out_name: from 6.9 on through the input's "<input> Is
 * Connected To" control, whose item "Output <output>" is the cable to that
 * output; before, with the "Loop Video" control, which loops the
 * instance's own output.  With @on false, disconnect them again (the
 * input shows vivid's test pattern).  0 or -errno.
 */
static int vivid_connect(int v, const char *in_name, const char *out_name,
			 bool on)
{
	struct v4l2_queryctrl q;
	struct v4l2_control c;
	char ctrl[64], item[64];
	int i, tries, r;

	snprintf(ctrl, sizeof(ctrl), "%s Is Connected To", in_name);
	if (v4l2_ctrl_find(v, ctrl, &q))
		return v4l2_ctrl_by_name(v, "Loop Video", on);
	if (!on)
		return v4l2_ctrl_by_name(v, ctrl, 0);
	snprintf(item, sizeof(item), "Output %s", out_name);
	i = v4l2_menu_index(v, &q, item);
	if (i < 0)
		return i;
	/*
	 * vivid (6.9 on) races with itself here: the set queues a work item
	 * that narrows every connection menu, and when that work reads this
	 * control's value before the set has stored it, it takes the new
	 * value for a skipped item and puts the control back to its default
	 * (not connected).  Set, let the work run, check; again if undone.
	 */
	for (tries = 0; tries < 10; tries++) {
		r = v4l2_ctrl_by_name(v, ctrl, i);
		if (r)
			return r;
		usleep(100000);
		c.id = q.id;
		r = xioctl(v, VIDIOC_G_CTRL, &c);
		if (r)
			return r;
		if (c.value == i) {
			if (tries)
				printf("# vivid undid the connection %d times\n",
				       tries);
			return 0;
		}
	}
	return -EAGAIN;
}

/*
 * For the log of a failed loopback: what vivid_vid_can_loop() compares
 * (formats, standards, rectangles, the connection).
 */
static void vivid_state(int v, int vo, const char *in_name)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_format of = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
	struct v4l2_selection sel;
	struct v4l2_queryctrl q;
	struct v4l2_control c;
	v4l2_std_id s1 = 0, s2 = 0;
	int in = -1, out = -1, t, k;
	char ctrl[64];
	static const struct { int type, target; const char *name; } sels[] = {
		{ V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_SEL_TGT_CROP, "cap crop" },
		{ V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_SEL_TGT_COMPOSE, "cap compose" },
		{ V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_SEL_TGT_CROP, "out crop" },
		{ V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_SEL_TGT_COMPOSE, "out compose" },
	};

	ioctl(v, VIDIOC_G_FMT, &f);
	ioctl(vo, VIDIOC_G_FMT, &of);
	ioctl(v, VIDIOC_G_STD, &s1);
	ioctl(vo, VIDIOC_G_STD, &s2);
	ioctl(v, VIDIOC_G_INPUT, &in);
	ioctl(vo, VIDIOC_G_OUTPUT, &out);
	printf("# cap %ux%u %.4s field %u bpl %u std %llx input %d; out %ux%u %.4s field %u bpl %u std %llx output %d\n",
	       f.fmt.pix.width, f.fmt.pix.height,
	       (char *)&f.fmt.pix.pixelformat, f.fmt.pix.field,
	       f.fmt.pix.bytesperline, (unsigned long long)s1, in,
	       of.fmt.pix.width, of.fmt.pix.height,
	       (char *)&of.fmt.pix.pixelformat, of.fmt.pix.field,
	       of.fmt.pix.bytesperline, (unsigned long long)s2, out);
	for (k = 0; k < 4; k++) {
		memset(&sel, 0, sizeof(sel));
		sel.type = sels[k].type;
		sel.target = sels[k].target;
		t = ioctl(sels[k].type == V4L2_BUF_TYPE_VIDEO_CAPTURE ? v : vo,
			  VIDIOC_G_SELECTION, &sel);
		printf("# %s: %s %dx%d+%d+%d\n", sels[k].name,
		       t ? strerror(errno) : "", sel.r.width, sel.r.height,
		       sel.r.left, sel.r.top);
	}
	snprintf(ctrl, sizeof(ctrl), "%s Is Connected To", in_name);
	for (k = 0; k < 3; k++) {
		const char *n = (const char *[]){ ctrl, "Standard Signal Mode",
						  "Loop Video" }[k];

		if (v4l2_ctrl_find(v, n, &q)) {
			printf("# control %s: none\n", n);
			continue;
		}
		c.id = q.id;
		t = ioctl(v, VIDIOC_G_CTRL, &c);
		printf("# control %s: %d%s\n", n, t ? -1 : c.value,
		       t ? " (error)" : "");
	}
}

/*
 * For the log of a failed loopback: the frame @cb that B @pb holds (@len
 * bytes in lines of @stride) against A @pa, and how much of B's own
 * pattern (@bseed) is left.
 */
static void loopback_report(const uint8_t *pa, const uint8_t *pb, size_t len,
			    size_t stride, const struct v4l2_buffer *cb,
			    uint64_t bseed)
{
	long untouched = pattern_check(pb, len, bseed, 0);
	size_t k, l, same = 0;

	printf("# seq %u field %u flags 0x%x bytesused %u\n", cb->sequence,
	       cb->field, cb->flags, cb->bytesused);
	printf("# B untouched up to byte %ld; A[0..16):", untouched);
	for (k = 0; k < 16; k++)
		printf(" %02x", pa[k]);
	printf("\n# B[0..16):");
	for (k = 0; k < 16; k++)
		printf(" %02x", pb[k]);
	printf("\n");
	for (k = 0; k < len / stride; k++)
		for (l = 0; l < len / stride; l++)
			if (!memcmp(pb + k * stride, pa + l * stride, stride)) {
				if (same++ < 8)
					printf("# B line %zu = A line %zu\n", k,
					       l);
				break;
			}
	printf("# %zu of %zu lines of B are lines of A\n", same, len / stride);
	for (k = 0; k < len && pb[k] == pb[0]; k++)
		;
	printf("# B constant for %zu bytes\n", k);
}

/*
 * The loopback of test_vivid_loopback() on vivid's capture node @v and
 * output node @vo, set to S-Video input @in_name and output @out_name.
 */
static int vivid_loopback(int v, int vo, const char *in_name,
			  const char *out_name)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_format ofmt = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
	struct v4l2_buffer cb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				  .memory = V4L2_MEMORY_DMABUF };
	struct v4l2_buffer ob = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
				  .memory = V4L2_MEMORY_DMABUF };
	int cap = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int outq = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	const uint64_t seed = 0x1f00b5, bseed = 0xb0b;
	v4l2_std_id std = V4L2_STD_PAL;
	uint64_t aoff, boff;
	uint32_t ha, hb;
	size_t len, olen;
	uint8_t *pa, *pb;
	int fd, a, b, n;
	long bad;

	/* The same standard, so the same 720x576 frame, on both sides. */
	EXPECT_OK(xioctl(v, VIDIOC_S_STD, &std));
	EXPECT_OK(xioctl(vo, VIDIOC_S_STD, &std));
	EXPECT_OK(vivid_connect(v, in_name, out_name, true));
	EXPECT_OK(v4l2_ctrl_by_name(v, "Standard Signal Mode", 0));
	EXPECT_OK(v4l2_ctrl_by_name(v, "OSD Text Mode", 2));
	EXPECT_OK(v4l2_ctrl_by_name(v, "Fill Percentage of Frame", 100));

	/* The output's format is the capture's. */
	EXPECT_OK(xioctl(v, VIDIOC_G_FMT, &fmt));
	EXPECT_EQ(fmt.fmt.pix.pixelformat, V4L2_PIX_FMT_YUYV);
	ofmt.fmt.pix.width = fmt.fmt.pix.width;
	ofmt.fmt.pix.height = fmt.fmt.pix.height;
	ofmt.fmt.pix.pixelformat = fmt.fmt.pix.pixelformat;
	ofmt.fmt.pix.field = fmt.fmt.pix.field;
	ofmt.fmt.pix.bytesperline = fmt.fmt.pix.bytesperline;
	EXPECT_OK(xioctl(vo, VIDIOC_S_FMT, &ofmt));
	EXPECT_OK(xioctl(vo, VIDIOC_G_FMT, &ofmt));
	EXPECT_EQ(ofmt.fmt.pix.width, fmt.fmt.pix.width);
	EXPECT_EQ(ofmt.fmt.pix.height, fmt.fmt.pix.height);
	EXPECT_EQ(ofmt.fmt.pix.pixelformat, fmt.fmt.pix.pixelformat);
	EXPECT_EQ(ofmt.fmt.pix.field, fmt.fmt.pix.field);
	EXPECT_EQ(ofmt.fmt.pix.bytesperline, fmt.fmt.pix.bytesperline);
	EXPECT_EQ(ofmt.fmt.pix.sizeimage, fmt.fmt.pix.sizeimage);
	len = fmt.fmt.pix.sizeimage;
	EXPECT_EQ(len, (size_t)fmt.fmt.pix.bytesperline * fmt.fmt.pix.height);
	olen = (len + PG - 1) & ~(PG - 1);

	/* A holds the frame, B something else; both exported. */
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, olen, MMB_OBJ_DEVICE, &ha, &aoff));
	EXPECT_OK(mmb_obj_create(fd, olen, MMB_OBJ_DEVICE, &hb, &boff));
	pa = mmb_obj_map(fd, aoff, olen);
	EXPECT(pa, "map A: %s", strerror(errno));
	pb = mmb_obj_map(fd, boff, olen);
	EXPECT(pb, "map B: %s", strerror(errno));
	pattern_fill(pa, olen, seed, 0);
	pattern_fill(pb, olen, bseed, 0);
	a = mmb_obj_export(fd, ha, MMB_EXPORT_WRITE);
	EXPECT_OK(a);
	b = mmb_obj_export(fd, hb, MMB_EXPORT_WRITE);
	EXPECT_OK(b);

	/* A on the output, streaming; queued, it is in RAM and pinned. */
	n = v4l2_reqbufs_type(vo, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			      V4L2_MEMORY_DMABUF, 1);
	EXPECT(n >= 1, "REQBUFS DMABUF output: %s", strerror(-n));
	EXPECT_OK(v4l2_qbuf_type(vo, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				 V4L2_MEMORY_DMABUF, a, olen, len));
	EXPECT_PINNED_IN_RAM(fd, ha);
	EXPECT_OK(xioctl(vo, VIDIOC_STREAMON, &outq));

	/* B on the capture queue, likewise. */
	n = v4l2_reqbufs(v, V4L2_MEMORY_DMABUF, 1);
	EXPECT(n >= 1, "REQBUFS DMABUF capture: %s", strerror(-n));
	EXPECT_OK(v4l2_qbuf(v, V4L2_MEMORY_DMABUF, b, olen));
	EXPECT_PINNED_IN_RAM(fd, hb);

	/* A frame: A's, looped into B. */
	EXPECT_OK(xioctl(v, VIDIOC_STREAMON, &cap));
	EXPECT_OK(xioctl(v, VIDIOC_DQBUF, &cb));
	EXPECT_OK(xioctl(v, VIDIOC_STREAMOFF, &cap));
	EXPECT(!(cb.flags & V4L2_BUF_FLAG_ERROR), "the frame has an error");
	EXPECT_EQ(cb.bytesused, len);
	/* A, the only output buffer, was queued throughout: still is. */
	EXPECT_OK(xioctl(vo, VIDIOC_QUERYBUF, &ob));
	EXPECT(ob.flags & V4L2_BUF_FLAG_QUEUED, "A left the output queue");
	EXPECT_EQ(oinfo(fd, ha).dmabuf_pins, 1);
	bad = pattern_check(pb, len, seed, 0);
	if (bad >= 0) {
		loopback_report(pa, pb, len, fmt.fmt.pix.bytesperline, &cb,
				bseed);
		vivid_state(v, vo, in_name);
	}
	EXPECT(bad < 0, "B differs from A's frame at byte %ld of %zu", bad,
	       len);
	bad = pattern_check(pb + len, olen - len, bseed, len);
	EXPECT(bad < 0, "vivid wrote B beyond the frame, at byte %ld",
	       (long)len + bad);
	EXPECT(pattern_check(pa, olen, seed, 0) < 0, "A changed");
	EXPECT_OK(xioctl(vo, VIDIOC_STREAMOFF, &outq));

	/* Once both queues let go, both are unpinned and move intact. */
	EXPECT_EQ(v4l2_reqbufs(v, V4L2_MEMORY_DMABUF, 0), 0);
	n = v4l2_reqbufs_type(vo, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			      V4L2_MEMORY_DMABUF, 0);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(oinfo(fd, ha).dmabuf_pins, 0);
	EXPECT_EQ(oinfo(fd, hb).dmabuf_pins, 0);
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_DEVICE));
	EXPECT_OK(mmb_obj_migrate(fd, hb, MMB_OBJ_DEVICE));
	EXPECT_EQ(oinfo(fd, ha).placement, MMB_OBJ_DEVICE);
	EXPECT_EQ(oinfo(fd, hb).placement, MMB_OBJ_DEVICE);
	EXPECT(pattern_check(pa, olen, seed, 0) < 0, "A changed when it moved");
	EXPECT(pattern_check(pb, len, seed, 0) < 0,
	       "the frame in B changed when B moved");
	close(a);
	close(b);
	munmap(pa, olen);
	munmap(pb, olen);
	EXPECT_OK(mmb_obj_destroy(fd, ha));
	EXPECT_OK(mmb_obj_destroy(fd, hb));
	close(fd);
	return T_PASS;
}

/*
 * vivid's video loopback carries a frame from one exported object to
 * another.  Object A, filled with a pattern, is queued on vivid's S-Video
 * output, object B on its S-Video input, connected to that output; with
 * the same resolution, pixel format (YUYV) and field on both sides and a
 * valid signal, vivid copies the output buffer at the head of its queue
 * into the capture buffer line by line (vivid_copy_buffer(),
 * vivid-kthread-cap.c), through the kernel mappings (vmap) of both
 * objects.  With YUYV every byte of the frame is pixel data.  What vivid
 * writes into the capture buffer besides the copy: black where the
 * cropped and composed rectangles leave lines or borders without video
 * (none without cropping, composing or scaling, as here), the blanking of
 * the lines past "Fill Percentage of Frame" (set to 100: none), and its
 * text overlay, drawn over the copy in vivid_fillbuff() ("OSD Text Mode"
 * 2 turns it off).  So B holds A's frame byte for byte, and nothing past
 * it.  vivid's output thread dequeues an output buffer only while another
 * is queued behind it (vivid_thread_vid_out_tick(), vivid-kthread-out.c),
 * so A, the only one, is still queued when the frame is captured.  Queued,
 * both objects are in RAM and pinned; once the queues let go of them they
 * are unpinned and move with their data.  vivid is left on the input and
 * output it was on, disconnected.
 */
static int test_vivid_loopback(void)
{
	char in_name[32], out_name[32];
	int v = vivid_open(), vo, in, out, r;
	int in0, out0;
	int cap = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int outq = V4L2_BUF_TYPE_VIDEO_OUTPUT;

	if (v == -ENOENT)
		SKIP("this kernel has no vivid");
	EXPECT_OK(v);
	vo = vivid_node(V4L2_CAP_VIDEO_OUTPUT);
	EXPECT(vo >= 0, "vivid has no video output: %s", strerror(-vo));
	in = vivid_port(v, false, "S-Video ", in_name);
	EXPECT(in >= 0, "vivid has no S-Video input");
	out = vivid_port(vo, true, "S-Video ", out_name);
	EXPECT(out >= 0, "vivid has no S-Video output");
	EXPECT_OK(xioctl(v, VIDIOC_G_INPUT, &in0));
	EXPECT_OK(xioctl(vo, VIDIOC_G_OUTPUT, &out0));
	EXPECT_OK(xioctl(v, VIDIOC_S_INPUT, &in));
	EXPECT_OK(xioctl(vo, VIDIOC_S_OUTPUT, &out));

	r = vivid_loopback(v, vo, in_name, out_name);

	/* Whatever happened: streams off, buffers freed, cable out. */
	ioctl(v, VIDIOC_STREAMOFF, &cap);
	ioctl(vo, VIDIOC_STREAMOFF, &outq);
	v4l2_reqbufs(v, V4L2_MEMORY_DMABUF, 0);
	v4l2_reqbufs_type(vo, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_MEMORY_DMABUF,
			  0);
	EXPECT_OK(vivid_connect(v, in_name, out_name, false));
	EXPECT_OK(xioctl(v, VIDIOC_S_INPUT, &in0));
	EXPECT_OK(xioctl(vo, VIDIOC_S_OUTPUT, &out0));
	close(vo);
	close(v);
	return r;
}

/*
 * `mmbridge info` lists the device's exports as bufinfo does, with their
 * importers.
 */
static int test_cli_info(void)
{
	char cmd[96], want[2][192], line[512];
	int fd = dev_open(mmb_dut), drm = vgem_open(), b, rb, seen = 0;
	uint32_t h, gh;
	uint64_t off;
	FILE *f;

	if (access("/sys/kernel/debug/dma_buf/bufinfo", R_OK))
		SKIP("no debugfs dma_buf/bufinfo");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_obj_create(fd, 3 * PG, MMB_OBJ_RAM, &h, &off));
	b = mmb_obj_export(fd, h, MMB_EXPORT_WRITE);
	EXPECT_OK(b);
	rb = mmb_region_export(fd, PG, 2 * PG, MMB_FAULT_WAIT, 0);
	EXPECT_OK(rb);
	if (drm != -ENOENT) {
		EXPECT_OK(drm);
		EXPECT_OK(prime_import(drm, b, &gh));
	}
	snprintf(want[0], sizeof(want[0]),
		 "dma-buf:     object %u, %lu bytes, inode %lu; attached: %s",
		 h, 3 * PG, (unsigned long)fd_ino(b),
		 drm >= 0 ? "vgem" : "none");
	snprintf(want[1], sizeof(want[1]),
		 "dma-buf:     region 0x1000+0x2000, %lu bytes, inode %lu; attached: none",
		 2 * PG, (unsigned long)fd_ino(rb));
	snprintf(cmd, sizeof(cmd), "mmbridge info %s 2>&1", mmb_dut);
	f = popen(cmd, "r");
	EXPECT(f, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "dma-buf", 7)) {
			EXPECT(!strcmp(line, want[0]) || !strcmp(line, want[1]),
			       "unexpected line: %s", line);
			seen |= !strcmp(line, want[0]) ? 1 : 2;
		}
	}
	EXPECT_EQ(pclose(f), 0);
	EXPECT_EQ(seen, 3);
	if (drm >= 0)
		close(drm);
	close(rb);
	close(b);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	close(fd);
	return T_PASS;
}

/* Clear (or set) bus mastering in the PCI command register of @bdf. */
static int bus_master(const char *bdf, bool on)
{
	int r = pci_command(bdf, on ? 4 : 0, on ? 0 : 4);

	return r < 0 ? r : 0;
}

/*
 * edu's engine stuck on a transfer into an imported frame (bus mastering
 * turned off under it: the transfer never happens and its completion
 * interrupt is never sent) when the device goes: removal does not wait
 * for it forever.  It says so, the driver's teardown fails the transfer
 * (one MMB_EVENT_DMA_ERROR, counted after the unregistration), and the
 * driver's last put unmaps the dma-buf before the unbind returns;
 * the stream is dead, and everything closes and binds again.
 */
static int test_stream_import_stuck_engine(void)
{
	const size_t size = 4 * PG;
	struct mmb_stream_dmabuf fr[2];
	int fd = dev_open("edu0"), ofd, buf, sfd, k, seen = 0;
	long before = dma_mappings();
	char bdf[32], line[512];
	const struct mmb_counters *pg;
	struct mmb_counters c0, c1;
	struct mmb_frame f;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT_OK(device_bdf("edu0", bdf, sizeof(bdf)));
	pg = mmb_counters_map(fd);
	EXPECT(pg, "mmb_counters_map: %s", strerror(errno));
	ofd = dev_open("soft0");
	EXPECT_OK(ofd);
	buf = dmabuf_new(SRC_OBJECT, 2 * size, ofd, -1);
	EXPECT_OK(buf);
	close(ofd);
	fr[0] = (struct mmb_stream_dmabuf){ .fd = buf };
	fr[1] = (struct mmb_stream_dmabuf){ .fd = buf, .offset = size };
	sfd = mmb_stream_import(fd, 2, size, fr, 1, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_EQ(dma_mappings() - before, 1);
	k = kmsg_open();
	EXPECT_OK(k);
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(bus_master(bdf, false));
	mmb_counters_read(pg, &c0);
	EXPECT_OK(bind_dev("edu0", false));
	EXPECT(!kmsg_splat_except(k, "mmbridge edu0: removal: DMA engine stuck",
				  &seen, line, sizeof(line)),
	       "kernel: %s", line);
	EXPECT_EQ(seen, 1);
	/*
	 * The driver failed the transfer, reported it after its
	 * mmb_device_unregister() (the open file counted it), and its last
	 * put unmapped.
	 */
	mmb_counters_read(pg, &c1);
	EXPECT_EQ(c1.dma_errors - c0.dma_errors, 1);
	EXPECT_EQ(dma_mappings(), before);
	EXPECT_ERR(mmb_stream_next(sfd, &f), ENODEV);
	mmb_counters_unmap(pg);
	close(sfd);
	close(buf);
	close(fd);
	EXPECT_OK(bind_dev("edu0", true));
	EXPECT(!kmsg_splat(k, line, sizeof(line)), "kernel: %s", line);
	close(k);
	return T_PASS;
}

/*
 * The tests' own importer (tests/kmod/mmb_dynimp.c): one importing device
 * per open file, loaded first if need be; an fd or -errno.
 */
static int dynimp_open(void)
{
	int r, fd, i;

	if (!module_loaded("mmb_dynimp")) {
		r = module_insert("/lib/mmb_dynimp.ko", "");
		if (r && r != -EEXIST)
			return r;
	}
	/* devtmpfs makes the node a little after misc_register(). */
	for (i = 0; i < 50; i++) {
		fd = open("/dev/mmb_dynimp", O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : -errno;
		usleep(20000);
	}
	return -ENOENT;
}

static int di_attach(int di, int dmabuf, uint32_t flags)
{
	struct dynimp_attach a = { .fd = dmabuf, .flags = flags };

	return xioctl(di, DYNIMP_IOC_ATTACH, &a);
}

/* @len bytes at @off of what the importer's DMA reaches, to or from @buf. */
static int di_rw(int di, uint64_t off, void *buf, size_t len, bool write)
{
	struct dynimp_rw rw = { .offset = off, .size = len,
				.buf = (uintptr_t)buf, .write = write };

	return xioctl(di, DYNIMP_IOC_RW, &rw);
}

static struct dynimp_info di_info(int di)
{
	struct dynimp_info info;

	if (xioctl(di, DYNIMP_IOC_INFO, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/*
 * An importer that pins and one that does not.  A static attachment pins
 * the object in RAM at once, and a move to the device returns -EBUSY until
 * it is gone.  A dynamic importer's attachment leaves the object where it
 * is; its mapping moves it to RAM, and then, where the kernel lets a
 * dynamic importer map without pinning (CONFIG_DMABUF_MOVE_NOTIFY), a move
 * to the device tells it (move_notify: it unmaps) and goes ahead, the data
 * moving with the object; elsewhere the mapping pins, and the move waits
 * for the unmap.  Through each mapping the importer reads what the object
 * holds and writes what its CPU mapping then reads, byte-exact.
 */
static int dynamic_importer_on(const char *name, int fd)
{
	const size_t len = 8 * PG;
	uint64_t seed = test_seed();
	struct dynimp_info info;
	uint8_t *p, *buf;
	int b, di;
	uint32_t h;
	bool mn;
	long bad;

	buf = malloc(len);
	EXPECT(buf, "malloc");
	b = object_exported(fd, len, MMB_OBJ_DEVICE, seed, &h, &p);
	EXPECT_OK(b);

	/* A static importer: pinned from the attach on. */
	di = dynimp_open();
	EXPECT_OK(di);
	EXPECT_OK(di_attach(di, b, 0));
	EXPECT_PINNED_IN_RAM(fd, h);
	EXPECT_OK(xioctl(di, DYNIMP_IOC_MAP, NULL));
	EXPECT_OK(di_rw(di, 0, buf, len, false));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "static importer: byte %ld differs", bad);
	close(di);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));

	/* A dynamic one. */
	di = dynimp_open();
	EXPECT_OK(di);
	mn = di_info(di).move_notify;
	printf("# %s: CONFIG_DMABUF_MOVE_NOTIFY %s\n", name, mn ? "on" : "off");
	EXPECT_OK(di_attach(di, b, DYNIMP_DYNAMIC));
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_DEVICE);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	EXPECT_ERR(di_rw(di, 0, buf, len, false), ESTALE);
	EXPECT_OK(xioctl(di, DYNIMP_IOC_MAP, NULL));
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, mn ? 0 : 1);
	EXPECT_OK(di_rw(di, 0, buf, len, false));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "dynamic importer: byte %ld differs", bad);
	pattern_fill(buf, len, seed + 1, 0);
	EXPECT_OK(di_rw(di, 0, buf, len, true));
	bad = pattern_check(p, len, seed + 1, 0);
	EXPECT(bad < 0, "the importer's store, read by the CPU: byte %ld differs",
	       bad);

	if (mn) {
		EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
		info = di_info(di);
		EXPECT_EQ(info.notified, 1);
		EXPECT_EQ(info.mapped, 0);
	} else {
		EXPECT_ERR(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE), EBUSY);
		info = di_info(di);
		EXPECT_EQ(info.notified, 0);
		EXPECT_EQ(info.mapped, 1);
		EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
		EXPECT_OK(xioctl(di, DYNIMP_IOC_UNMAP, NULL));
		EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
		EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
		/* Told all the same, with nothing mapped. */
		EXPECT_EQ(di_info(di).notified, 1);
	}
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_DEVICE);
	bad = pattern_check(p, len, seed + 1, 0);
	EXPECT(bad < 0, "in the pool: byte %ld differs", bad);
	EXPECT_ERR(di_rw(di, 0, buf, len, false), ESTALE);

	/* Mapped again: RAM again, with what the pool held. */
	pattern_fill(p, len, seed + 2, 0);
	EXPECT_OK(xioctl(di, DYNIMP_IOC_MAP, NULL));
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	EXPECT_OK(di_rw(di, 0, buf, len, false));
	bad = pattern_check(buf, len, seed + 2, 0);
	EXPECT(bad < 0, "mapped again: byte %ld differs", bad);

	/* The importer goes with its mapping; the dma-buf stays. */
	close(di);
	EXPECT_EQ(oinfo(fd, h).dmabuf_pins, 0);
	EXPECT_EQ(oinfo(fd, h).dmabuf, 1);
	close(b);
	munmap(p, len);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	free(buf);
	return T_PASS;
}

static int test_dynamic_importer(void)
{
	return for_each_pool_dev(dynamic_importer_on);
}

/*
 * A broken dynamic importer keeps using its mapping after move_notify.
 * Its DMA must reach pages of its own, neither the object (which moved)
 * nor another object: here B, moved to RAM right after, which would get
 * the pages A gave up if they were cached for reuse (the cache does not
 * grow by them).  The pages are freed when the importer unmaps (KASAN and
 * the page allocator's checks see any use after that).
 */
static int ignored_notify_on(const char *name, int fd)
{
	const size_t len = 4 * PG;
	uint64_t seed = test_seed(), offb, offc, cache;
	uint8_t *pa, *pb, *buf;
	uint32_t ha, hb, hc;
	int b, di;
	long bad;

	buf = malloc(len);
	EXPECT(buf, "malloc");
	di = dynimp_open();
	EXPECT_OK(di);
	if (!di_info(di).move_notify) {
		close(di);
		free(buf);
		SKIP("CONFIG_DMABUF_MOVE_NOTIFY is off: dynamic importers pin");
	}
	b = object_exported(fd, len, MMB_OBJ_RAM, seed, &ha, &pa);
	EXPECT_OK(b);
	EXPECT_OK(di_attach(di, b, DYNIMP_DYNAMIC | DYNIMP_IGNORE));
	EXPECT_OK(xioctl(di, DYNIMP_IOC_MAP, NULL));

	/*
	 * The premise: an object that nobody imports leaves its pages to
	 * the cache (the module was loaded afresh for this case, so the
	 * cache has room).  A, whose pages the importer still maps, must not.
	 */
	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_RAM, &hc, &offc));
	cache = oinfo(fd, 0).ram_cache;
	EXPECT_OK(mmb_obj_migrate(fd, hc, MMB_OBJ_DEVICE));
	EXPECT_EQ(oinfo(fd, 0).ram_cache, cache + len);
	EXPECT_OK(mmb_obj_destroy(fd, hc));
	cache = oinfo(fd, 0).ram_cache;
	EXPECT_OK(mmb_obj_migrate(fd, ha, MMB_OBJ_DEVICE));
	EXPECT_EQ(di_info(di).notified, 1);
	EXPECT_EQ(di_info(di).mapped, 1);
	EXPECT_EQ(oinfo(fd, 0).ram_cache, cache);

	EXPECT_OK(mmb_obj_create(fd, len, MMB_OBJ_DEVICE, &hb, &offb));
	pb = mmb_obj_map(fd, offb, len);
	EXPECT(pb, "map: %s", strerror(errno));
	pattern_fill(pb, len, seed + 1, 0);
	EXPECT_OK(mmb_obj_migrate(fd, hb, MMB_OBJ_RAM));

	/* The stale mapping still reads what A held, and takes a store. */
	EXPECT_OK(di_rw(di, 0, buf, len, false));
	bad = pattern_check(buf, len, seed, 0);
	EXPECT(bad < 0, "the stale mapping: byte %ld differs", bad);
	pattern_fill(buf, len, seed + 2, 0);
	EXPECT_OK(di_rw(di, 0, buf, len, true));
	bad = pattern_check(pb, len, seed + 1, 0);
	EXPECT(bad < 0, "%s: object B changed by the store through A's old "
	       "pages: byte %ld differs", name, bad);
	bad = pattern_check(pa, len, seed, 0);
	EXPECT(bad < 0, "object A changed by the stale store: byte %ld differs",
	       bad);

	EXPECT_OK(xioctl(di, DYNIMP_IOC_UNMAP, NULL));
	close(di);
	close(b);
	munmap(pa, len);
	munmap(pb, len);
	EXPECT_OK(mmb_obj_destroy(fd, ha));
	EXPECT_OK(mmb_obj_destroy(fd, hb));
	EXPECT_EQ(oinfo(fd, 0).objects, 0);
	free(buf);
	return T_PASS;
}

static int ignored_notify(void)
{
	return for_each_pool_dev(ignored_notify_on);
}

static int test_dynamic_importer_ignores_notify(void)
{
	return with_module_params("", ignored_notify);
}

/* vgem's fences (include/uapi/drm/vgem_drm.h) */
struct drm_vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct drm_vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE 0x1
#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	_IOWR('d', 0x41, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	_IOW('d', 0x42, struct drm_vgem_fence_signal)

/*
 * A fence of vgem's, unsignalled until DRM_IOCTL_VGEM_FENCE_SIGNAL of
 * *@fence on @drm, vgem's primary node (or vgem's own 10 s timeout),
 * added to the dma-buf @b
 * with DMA_BUF_IOCTL_IMPORT_SYNC_FILE, as any holder of @b may.
 */
static int fence_on(int drm, int b, uint32_t *fence)
{
	struct drm_mode_create_dumb cd = { .width = 1024, .height = 1,
					   .bpp = 32 };
	struct drm_vgem_fence_attach fa = { .flags = VGEM_FENCE_WRITE };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_RW,
					       .fd = -1 };
	struct dma_buf_import_sync_file im = { .flags = DMA_BUF_SYNC_WRITE };
	int r, vb;

	r = xioctl(drm, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (r)
		return r;
	fa.handle = cd.handle;
	r = xioctl(drm, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa);
	vb = r ? r : prime_export(drm, cd.handle);
	gem_close(drm, cd.handle);
	if (vb < 0)
		return vb;
	r = xioctl(vb, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex);
	close(vb);
	if (r)
		return r;
	im.fd = ex.fd;
	r = xioctl(b, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im);
	close(ex.fd);
	*fence = fa.out_fence;
	return r;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A move to the device waits for the fences of the object's dma-buf (an
 * importer's DMA in flight), and waits without its reservation lock:
 * meanwhile poll() of the dma-buf, which takes that lock, returns at once,
 * and an importer maps.  A signal ends the wait (-EINTR, the object where
 * it was); the fence signalled, the move completes.
 */
static int test_migrate_waits_for_fences(void)
{
	const size_t len = 4 * PG;
	struct sigaction sa = { .sa_handler = on_alarm };
	uint64_t seed = test_seed();
	struct drm_vgem_fence_signal fs = { 0 };
	struct pollfd pfd;
	uint32_t h, fence = 0;
	int fd, drm, b, st, r;
	uint8_t *p;
	pid_t pid;
	long bad;

	/* The primary node: dumb buffers are not made on render nodes. */
	VGEM_OPEN(drm);
	close(drm);
	drm = drm_node("vgem", "card", 1);
	EXPECT_OK(drm);
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	b = object_exported(fd, len, MMB_OBJ_RAM, seed, &h, &p);
	EXPECT_OK(b);

	/* Interrupted: -EINTR, and the object still in RAM. */
	EXPECT_OK(fence_on(drm, b, &fence));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct mmb_obj_ctl ctl = { .argsz = sizeof(ctl), .handle = h,
					   .placement = MMB_OBJ_DEVICE };

		sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
		alarm(1);
		r = ioctl(fd, MMB_IOC_OBJ_MIGRATE, &ctl) ? errno : 0;
		_exit(r == EINTR ? 0 : 100 + r);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st),
	       "the interrupted move: status 0x%x (100 + errno)", st);
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	fs.fence = fence;
	EXPECT_OK(xioctl(drm, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs));

	/* Waiting, without the lock; then done once the fence signals. */
	EXPECT_OK(fence_on(drm, b, &fence));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(-mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	usleep(300000);
	pfd = (struct pollfd){ .fd = b, .events = POLLIN | POLLOUT };
	EXPECT_EQ(poll(&pfd, 1, 0), 0); /* the fence: neither ready */
	EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_RAM);
	fs.fence = fence;
	EXPECT_OK(xioctl(drm, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs));
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFEXITED(st) && !WEXITSTATUS(st),
	       "the move after the fence: status 0x%x (errno)", st);
	EXPECT_EQ(oinfo(fd, h).placement, MMB_OBJ_DEVICE);
	bad = pattern_check(p, len, seed, 0);
	EXPECT(bad < 0, "in the pool: byte %ld differs", bad);

	close(b);
	munmap(p, len);
	EXPECT_OK(mmb_obj_destroy(fd, h));
	close(fd);
	close(drm);
	return T_PASS;
}

const struct mmb_test dmabuf_tests[] = {
	{ "dmabuf/object_mmap", test_object_mmap },
	{ "dmabuf/object_outlives_handle", test_object_outlives_handle },
	{ "dmabuf/export_errors", test_export_errors },
	{ "dmabuf/region_mmap_revoke", test_region_mmap_revoke },
	{ "dmabuf/vgem_import", test_vgem_import },
	{ "dmabuf/dynamic_importer", test_dynamic_importer },
	{ "dmabuf/dynamic_importer_ignores_notify",
	  test_dynamic_importer_ignores_notify },
	{ "dmabuf/migrate_waits_for_fences", test_migrate_waits_for_fences },
	{ "dmabuf/removal_under_import", test_removal_under_import },
	{ "dmabuf/close_orders", test_close_orders },
	{ "dmabuf/importer_module_first_last",
	  test_importer_module_first_last },
	{ "dmabuf/sync", test_sync },
	{ "dmabuf/vivid_capture", test_vivid_capture },
	{ "dmabuf/vivid_loopback", test_vivid_loopback },
	{ "dmabuf/cli_info", test_cli_info },
	{ "dmabuf/stream_into_dmabufs", test_stream_into_dmabufs, 300 },
	{ "dmabuf/stream_import_errors", test_stream_import_errors },
	{ "dmabuf/stream_import_removal", test_stream_import_removal },
	{ "dmabuf/stream_import_stuck_engine", test_stream_import_stuck_engine,
	  300 },
	{ NULL }
};
