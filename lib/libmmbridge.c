// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmmbridge: C API over the mmbridge ioctls.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mmbridge.h"

static inline void mmb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int mmb_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int mmb_open(const char *name, int oflags)
{
	char path[64];
	int fd;

	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/')) {
		fd = open(name, oflags | O_RDWR | O_CLOEXEC);
	} else {
		if (snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		fd = open(path, oflags | O_RDWR | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int mmb_info(int fd, struct mmb_info *info)
{
	size_t n;
	int ret;

	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	ret = mmb_ioctl(fd, MMB_IOC_INFO, info);
	if (ret || info->driver[0])
		return ret;
	/* A kernel that does not fill in @driver: the stem of the name. */
	n = strnlen(info->name, sizeof(info->name));
	while (n && isdigit((unsigned char)info->name[n - 1]))
		n--;
	memcpy(info->driver, info->name, n);
	return 0;
}

static int mmb_xfer(int fd, unsigned long cmd, uint32_t dir, uint64_t off,
		    const void *buf, size_t len)
{
	struct mmb_xfer x = {
		.argsz = sizeof(x),
		.flags = dir,
		.dev_offset = off,
		.length = len,
		.user_addr = (uintptr_t)buf,
	};

	return mmb_ioctl(fd, cmd, &x);
}

int mmb_dma(int fd, uint32_t dir, uint64_t dev_off, void *buf, size_t len)
{
	return mmb_xfer(fd, MMB_IOC_DMA, dir, dev_off, buf, len);
}

int mmb_mem_read(int fd, uint64_t off, void *buf, size_t len)
{
	return mmb_xfer(fd, MMB_IOC_MEM_RW, MMB_XFER_FROM_DEVICE, off, buf, len);
}

int mmb_mem_write(int fd, uint64_t off, const void *buf, size_t len)
{
	return mmb_xfer(fd, MMB_IOC_MEM_RW, MMB_XFER_TO_DEVICE, off, buf, len);
}

int mmb_copy_config(int fd, uint32_t mode, uint32_t source, uint64_t seed,
		    uint32_t flags, uint64_t offset)
{
	struct mmb_copy_config cc = {
		.argsz = sizeof(cc),
		.flags = flags,
		.mode = mode,
		.source = source,
		.seed = seed,
		.offset = offset,
	};

	return mmb_ioctl(fd, MMB_IOC_COPY_CONFIG, &cc);
}

int mmb_copy_status(int fd, struct mmb_copy_status *st)
{
	memset(st, 0, sizeof(*st));
	st->argsz = sizeof(*st);
	return mmb_ioctl(fd, MMB_IOC_COPY_STATUS, st);
}

/*
 * The kernel's MMB_IOC_REMOTE_WRITE is gone; existing programs keep the
 * call, which is process_vm_writev() (@fd is not used).
 */
long mmb_remote_write(int fd, int pid, uint64_t remote_addr,
		      const void *local, size_t len)
{
	struct iovec l = { .iov_base = (void *)local, .iov_len = len };
	struct iovec r = {
		.iov_base = (void *)(uintptr_t)remote_addr,
		.iov_len = len,
	};
	ssize_t ret;

	(void)fd;
	ret = process_vm_writev(pid, &l, 1, &r, 1, 0);
	return ret < 0 ? -errno : ret;
}

int mmb_irq_copy(int fd, struct mmb_irq_record *rec)
{
	struct mmb_irq_copy ic = {
		.argsz = sizeof(ic),
		.user_addr = (uintptr_t)rec,
	};

	return mmb_ioctl(fd, MMB_IOC_IRQ_COPY, &ic);
}

const struct mmb_counters *mmb_counters_map(int fd)
{
	void *p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd,
		       MMB_MMAP_COUNTERS);

	return p == MAP_FAILED ? NULL : p;
}

void mmb_counters_unmap(const struct mmb_counters *page)
{
	if (page)
		munmap((void *)page, sysconf(_SC_PAGESIZE));
}

/* struct mmb_counters as ABI 6 made it: up to its vector_counts. */
#define MMB_COUNTERS_SIZE_6                           \
	(offsetof(struct mmb_counters, vector_counts) + \
	 sizeof(((struct mmb_counters *)0)->vector_counts))

/*
 * The reader side of the kernel's sequence count: an even sequence number
 * that is the same before and after reading the fields proves that no
 * update overlapped the read.  At most @tries attempts (0: no limit).
 */
int mmb_counters_read_tries(const struct mmb_counters *page,
			    struct mmb_counters *snap, unsigned long tries)
{
	const volatile struct mmb_counters *pg = page;
	unsigned long n = 0;
	uint32_t seq;
	int i;

	for (;; n++) {
		if (tries && n == tries)
			return -EAGAIN;
		seq = __atomic_load_n(&page->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			mmb_cpu_relax();
			continue;
		}
		snap->size = pg->size;
		snap->irq_count = pg->irq_count;
		snap->last_ns = pg->last_ns;
		snap->trigger_count = pg->trigger_count;
		snap->timer_count = pg->timer_count;
		snap->dma_count = pg->dma_count;
		snap->dma_errors = pg->dma_errors;
		snap->masked_count = pg->masked_count;
		snap->enabled = pg->enabled;
		snap->region_state = pg->region_state;
		snap->revoke_count = pg->revoke_count;
		snap->restore_count = pg->restore_count;
		/* Fields a kernel of ABI 4 does not write are 0 on its page. */
		snap->vector_count = pg->vector_count;
		snap->regions_down = pg->regions_down;
		snap->reserved = 0;
		/* A page of a kernel before ABI 6 ends before these. */
		for (i = 0; i < MMB_VECTORS_MAX; i++)
			snap->vector_counts[i] =
				snap->size >= MMB_COUNTERS_SIZE_6 ?
					pg->vector_counts[i] : 0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&page->seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	snap->seq = seq;
	return 0;
}

void mmb_counters_read(const struct mmb_counters *page,
		       struct mmb_counters *snap)
{
	mmb_counters_read_tries(page, snap, 0);
}

int mmb_event_open(int fd, uint32_t flags)
{
	struct mmb_event_open eo = {
		.argsz = sizeof(eo),
		.flags = flags,
	};
	int ret = ioctl(fd, MMB_IOC_EVENT_OPEN, &eo);

	return ret < 0 ? -errno : ret;
}

int mmb_event_open_vector(int fd, uint32_t flags, uint32_t vector)
{
	struct mmb_event_open eo = {
		.argsz = sizeof(eo),
		.flags = flags | MMB_EVENT_ONE_VECTOR,
		.vector = vector,
	};
	int ret = ioctl(fd, MMB_IOC_EVENT_OPEN, &eo);

	return ret < 0 ? -errno : ret;
}

int mmb_event_wait(int efd, uint64_t *count)
{
	ssize_t n = read(efd, count, sizeof(*count));

	if (n < 0)
		return -errno;
	return n == sizeof(*count) ? 0 : -EIO;
}

int mmb_eventfd(int fd, int efd)
{
	struct mmb_eventfd ev = {
		.argsz = sizeof(ev),
		.fd = efd,
	};

	return mmb_ioctl(fd, MMB_IOC_EVENTFD, &ev);
}

int mmb_eventfd_vector(int fd, int efd, uint32_t vector)
{
	struct mmb_eventfd ev = {
		.argsz = sizeof(ev),
		.flags = MMB_EVENTFD_ONE_VECTOR,
		.fd = efd,
		.vector = vector,
	};

	return mmb_ioctl(fd, MMB_IOC_EVENTFD, &ev);
}

int mmb_irq_control(int fd, int enable)
{
	struct mmb_irq_control ctl = {
		.argsz = sizeof(ctl),
		.flags = enable ? MMB_IRQ_ENABLE : MMB_IRQ_DISABLE,
	};

	return mmb_ioctl(fd, MMB_IOC_IRQ_CONTROL, &ctl);
}

int mmb_pin_region(int fd, void *addr, size_t len, uint32_t *id,
		   uint32_t *nr_slots)
{
	struct mmb_pin_region pr = {
		.argsz = sizeof(pr),
		.user_addr = (uintptr_t)addr,
		.length = len,
	};
	int ret = mmb_ioctl(fd, MMB_IOC_PIN_REGION, &pr);

	if (!ret) {
		*id = pr.id;
		if (nr_slots)
			*nr_slots = pr.nr_slots;
	}
	return ret;
}

int mmb_unpin_region(int fd, uint32_t id)
{
	struct mmb_unpin_region ur = {
		.argsz = sizeof(ur),
		.id = id,
	};

	return mmb_ioctl(fd, MMB_IOC_UNPIN_REGION, &ur);
}

uint64_t mmb_ring_head(const struct mmb_ring *ring)
{
	return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
}

int mmb_stream_import(int fd, uint32_t nr, uint64_t size,
		      const struct mmb_stream_dmabuf *frames, uint64_t seed,
		      uint64_t period_ns, uint32_t flags)
{
	struct mmb_stream_setup ss = {
		.argsz = sizeof(ss),
		.flags = flags,
		.mode = MMB_STREAM_DMABUF,
		.nr_frames = nr,
		.frame_size = size,
		.frames = (uintptr_t)frames,
		.seed = seed,
		.period_ns = period_ns,
	};
	int ret = ioctl(fd, MMB_IOC_STREAM_SETUP, &ss);

	return ret < 0 ? -errno : ret;
}

int mmb_stream_setup(int fd, uint32_t mode, uint32_t nr, uint64_t size,
		     void *const *frames, uint64_t seed, uint64_t period_ns,
		     uint32_t signal, uint32_t flags)
{
	uint64_t addrs[MMB_STREAM_MAX_FRAMES];
	struct mmb_stream_setup ss = {
		.argsz = sizeof(ss),
		.flags = flags,
		.mode = mode,
		.nr_frames = nr,
		.frame_size = size,
		.seed = seed,
		.period_ns = period_ns,
		.signal = signal,
	};
	uint32_t i;
	int ret;

	if (frames) {
		if (nr > MMB_STREAM_MAX_FRAMES)
			return -EINVAL;
		for (i = 0; i < nr; i++)
			addrs[i] = (uintptr_t)frames[i];
		ss.frames = (uintptr_t)addrs;
	}
	ret = ioctl(fd, MMB_IOC_STREAM_SETUP, &ss);
	return ret < 0 ? -errno : ret;
}

static int mmb_stream_ctl(int sfd, unsigned long cmd)
{
	struct mmb_stream_ctl ctl = { .argsz = sizeof(ctl) };

	return mmb_ioctl(sfd, cmd, &ctl);
}

int mmb_stream_start(int sfd)
{
	return mmb_stream_ctl(sfd, MMB_IOC_STREAM_START);
}

int mmb_stream_stop(int sfd)
{
	return mmb_stream_ctl(sfd, MMB_IOC_STREAM_STOP);
}

int mmb_stream_status(int sfd, struct mmb_stream_status *st)
{
	memset(st, 0, sizeof(*st));
	st->argsz = sizeof(*st);
	return mmb_ioctl(sfd, MMB_IOC_STREAM_STATUS, st);
}

int mmb_stream_next(int sfd, struct mmb_frame *frame)
{
	ssize_t n = read(sfd, frame, sizeof(*frame));

	if (n < 0)
		return -errno;
	return n == sizeof(*frame) ? 0 : -EIO;
}

int mmb_stream_release(int sfd, uint32_t index)
{
	return write(sfd, &index, sizeof(index)) == sizeof(index) ? 0 : -errno;
}

static int mmb_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mmb_list(char (*names)[MMB_NAME_MAX], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir(MMB_DEV_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= MMB_NAME_MAX)
			continue;
		if (n < max)
			strcpy(names[n], de->d_name);
		n++;
	}
	closedir(dir);
	qsort(names, n < max ? n : max, MMB_NAME_MAX, mmb_name_cmp);
	return n;
}

int mmb_stats(const char *name, struct mmb_stat *out, int max)
{
	char path[128], key[MMB_STAT_NAME_MAX], line[128];
	unsigned long long v;
	int n = 0;
	FILE *f;

	if (strchr(name, '/') || strlen(name) >= MMB_NAME_MAX)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/stats", MMB_DEBUGFS_DIR, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lli", key, (long long *)&v) != 2)
			continue;
		if (n < max) {
			strcpy(out[n].name, key);
			out[n].value = v;
		}
		n++;
	}
	fclose(f);
	return n;
}

int mmb_stat_get(const char *name, const char *stat, uint64_t *value)
{
	struct mmb_stat st[64];
	int i, n = mmb_stats(name, st, 64);

	if (n < 0)
		return n;
	for (i = 0; i < n && i < 64; i++) {
		if (!strcmp(st[i].name, stat)) {
			*value = st[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

void *mmb_region_map(int fd, uint32_t policy, uint64_t offset, size_t len)
{
	return mmb_region_map_at(fd, 0, policy, offset, len);
}

void *mmb_region_map_at(int fd, uint32_t index, uint32_t policy,
			uint64_t offset, size_t len)
{
	const size_t huge = 2UL << 20;
	uint8_t *want = NULL, *p;
	void *res;

	/* Values the mmap offset cannot carry would name another one. */
	if (index >= MMB_REGIONS_MAX || policy > 0xff ||
	    offset >= 1ULL << MMB_MMAP_REGION_SHIFT) {
		errno = policy > 0xff ? EINVAL : ENXIO;
		return NULL;
	}
	/* Reserve room for an aligned placement, then map over it. */
	if (len >= huge) {
		res = mmap(NULL, len + huge, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (res != MAP_FAILED) {
			want = (uint8_t *)(((uintptr_t)res + huge - 1) &
					   ~(uintptr_t)(huge - 1));
			munmap(res, want - (uint8_t *)res);
			munmap(want + len, (uint8_t *)res + huge - want);
		}
	}
	p = mmap(want, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (want ? MAP_FIXED : 0), fd,
		 MMB_MMAP_REGION_AT(index, policy) + offset);
	if (p == MAP_FAILED) {
		int err = errno;

		if (want)
			munmap(want, len);
		errno = err;
		return NULL;
	}
	return p;
}

int mmb_region_unmap(void *addr, size_t len)
{
	return munmap(addr, len) ? -errno : 0;
}

static int mmb_region_ctl(int fd, unsigned long cmd, uint32_t index,
			  struct mmb_region_ctl *out)
{
	struct mmb_region_ctl ctl = { .argsz = sizeof(ctl), .index = index };
	int ret = mmb_ioctl(fd, cmd, &ctl);

	if (!ret && out)
		*out = ctl;
	return ret;
}

int mmb_region_revoke(int fd, struct mmb_region_ctl *out)
{
	return mmb_region_ctl(fd, MMB_IOC_REGION_REVOKE, 0, out);
}

int mmb_region_restore(int fd, struct mmb_region_ctl *out)
{
	return mmb_region_ctl(fd, MMB_IOC_REGION_RESTORE, 0, out);
}

int mmb_region_revoke_at(int fd, uint32_t index, struct mmb_region_ctl *out)
{
	return mmb_region_ctl(fd, MMB_IOC_REGION_REVOKE, index, out);
}

int mmb_region_restore_at(int fd, uint32_t index, struct mmb_region_ctl *out)
{
	return mmb_region_ctl(fd, MMB_IOC_REGION_RESTORE, index, out);
}

int mmb_region_info(int fd, struct mmb_region_info *info)
{
	return mmb_region_info_at(fd, 0, info);
}

int mmb_region_info_at(int fd, uint32_t index, struct mmb_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return mmb_ioctl(fd, MMB_IOC_REGION_INFO, info);
}

int mmb_obj_create(int fd, uint64_t size, uint32_t placement,
		   uint32_t *handle, uint64_t *mmap_offset)
{
	struct mmb_obj_create oc = {
		.argsz = sizeof(oc),
		.size = size,
		.placement = placement,
	};
	int ret = mmb_ioctl(fd, MMB_IOC_OBJ_CREATE, &oc);

	if (ret)
		return ret;
	if (handle)
		*handle = oc.handle;
	if (mmap_offset)
		*mmap_offset = oc.mmap_offset;
	return 0;
}

void *mmb_obj_map(int fd, uint64_t mmap_offset, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)mmap_offset);

	return p == MAP_FAILED ? NULL : p;
}

static int mmb_obj_ctl(int fd, unsigned long cmd, uint32_t handle,
		       uint32_t placement)
{
	struct mmb_obj_ctl ctl = {
		.argsz = sizeof(ctl),
		.handle = handle,
		.placement = placement,
	};

	return mmb_ioctl(fd, cmd, &ctl);
}

int mmb_obj_migrate(int fd, uint32_t handle, uint32_t placement)
{
	int ret;

	/* A signal ends the wait for importers' fences: start again. */
	do {
		ret = mmb_obj_ctl(fd, MMB_IOC_OBJ_MIGRATE, handle, placement);
	} while (ret == -EINTR);
	return ret;
}

int mmb_obj_destroy(int fd, uint32_t handle)
{
	return mmb_obj_ctl(fd, MMB_IOC_OBJ_DESTROY, handle, 0);
}

int mmb_obj_export(int fd, uint32_t handle, uint32_t flags)
{
	struct mmb_export e = {
		.argsz = sizeof(e),
		.flags = flags,
		.handle = handle,
	};
	int ret = ioctl(fd, MMB_IOC_OBJ_EXPORT, &e);

	return ret < 0 ? -errno : ret;
}

int mmb_region_export(int fd, uint64_t offset, uint64_t size, uint32_t policy,
		      uint32_t flags)
{
	return mmb_region_export_at(fd, 0, offset, size, policy, flags);
}

int mmb_region_export_at(int fd, uint32_t index, uint64_t offset,
			 uint64_t size, uint32_t policy, uint32_t flags)
{
	struct mmb_export e = {
		.argsz = sizeof(e),
		.flags = flags,
		.handle = index,
		.policy = policy,
		.offset = offset,
		.size = size,
	};
	int ret = ioctl(fd, MMB_IOC_REGION_EXPORT, &e);

	return ret < 0 ? -errno : ret;
}

int mmb_obj_info(int fd, uint32_t handle, struct mmb_obj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->handle = handle;
	return mmb_ioctl(fd, MMB_IOC_OBJ_INFO, info);
}

const char *mmb_placement_str(uint32_t placement)
{
	switch (placement) {
	case MMB_OBJ_RAM:
		return "ram";
	case MMB_OBJ_DEVICE:
		return "device";
	}
	return "unknown";
}
