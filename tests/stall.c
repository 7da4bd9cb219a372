// SPDX-License-Identifier: GPL-2.0
/*
 * Faults that nobody resolves, for fault/ and remote/: a userfaultfd that
 * is never answered and a FUSE file system (a raw /dev/fuse server, no
 * libfuse) whose daemon never replies to a read.  A copy worker that
 * writes into such memory blocks in the fault; these helpers set that up
 * and tell when it happened.
 */
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"

int uffd_open(int flags)
{
	struct uffdio_api api = { .api = UFFD_API };
	int u = syscall(SYS_userfaultfd, O_CLOEXEC | flags);

	if (u < 0)
		return -errno;
	if (ioctl(u, UFFDIO_API, &api)) {
		close(u);
		return -errno;
	}
	return u;
}

int uffd_register(int u, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)addr, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(u, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int uffd_wait_fault(int u, int timeout_ms)
{
	struct pollfd pf = { .fd = u, .events = POLLIN };
	int r = poll(&pf, 1, timeout_ms);

	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	return pf.revents & POLLIN ? 0 : -EIO;
}

struct uffd_note {
	int uffd, note;
};

static void *uffd_note_fn(void *arg)
{
	struct uffd_note *n = arg;

	if (!uffd_wait_fault(n->uffd, 60000))
		(void)!write(n->note, "s", 1);
	return NULL;
}

int uffd_note_fault(int uffd, int note)
{
	struct uffd_note *n = malloc(sizeof(*n));
	pthread_t th;

	if (!n)
		return -ENOMEM;
	n->uffd = uffd;
	n->note = note;
	return -pthread_create(&th, NULL, uffd_note_fn, n);
}

/* The FUSE server: one file "f" of STALL_FUSE_SIZE bytes; reads are never answered. */
struct fuse_srv {
	int fd, note;
	bool noted;
};

static void fuse_attr_of(uint64_t nodeid, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = nodeid;
	a->nlink = 1;
	a->blksize = 4096;
	if (nodeid == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0600;
		a->size = STALL_FUSE_SIZE;
		a->blocks = STALL_FUSE_SIZE / 512;
	}
}

static void fuse_reply(int fd, uint64_t unique, int error, const void *arg,
		       size_t size)
{
	uint8_t out[sizeof(struct fuse_out_header) + 256];
	struct fuse_out_header *h = (void *)out;

	if (size > 256)
		size = 256;
	h->len = sizeof(*h) + (error ? 0 : size);
	h->error = error;
	h->unique = unique;
	if (!error && size)
		memcpy(out + sizeof(*h), arg, size);
	(void)!write(fd, out, h->len);
}

static void *fuse_srv_fn(void *arg)
{
	struct fuse_srv *s = arg;
	static uint8_t in[256 * 1024];

	for (;;) {
		struct fuse_in_header *h = (void *)in;
		void *body = in + sizeof(*h);
		ssize_t n = read(s->fd, in, sizeof(in));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(*h))
			break;	/* ENODEV: the connection is gone */
		switch (h->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = body;
			struct fuse_init_out io = {
				.major = FUSE_KERNEL_VERSION,
				.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
					 ii->minor : FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = ii->max_readahead,
				/*
				 * No FUSE_ASYNC_READ: reads are synchronous
				 * requests, so the faulting thread itself
				 * waits for the answer.
				 */
				.flags = 0,
				.max_background = 16,
				.congestion_threshold = 12,
				.max_write = 4096,
				.time_gran = 1,
			};

			fuse_reply(s->fd, h->unique, 0, &io, sizeof(io));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out eo = {
				.nodeid = 2,
				.generation = 1,
				.entry_valid = 3600,
				.attr_valid = 3600,
			};

			if (h->nodeid != FUSE_ROOT_ID || strcmp(body, "f")) {
				fuse_reply(s->fd, h->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_attr_of(2, &eo.attr);
			fuse_reply(s->fd, h->unique, 0, &eo, sizeof(eo));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out ao = { .attr_valid = 3600 };

			fuse_attr_of(h->nodeid, &ao.attr);
			fuse_reply(s->fd, h->unique, 0, &ao, sizeof(ao));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out oo = { .fh = 1 };

			fuse_reply(s->fd, h->unique, 0, &oo, sizeof(oo));
			break;
		}
		case FUSE_READ:
			/* Read, and never answered. */
			if (!s->noted)
				(void)!write(s->note, "s", 1);
			s->noted = true;
			break;
		case FUSE_INTERRUPT:
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;	/* no reply expected (or given) */
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			fuse_reply(s->fd, h->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(s->fd, h->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
	return NULL;
}

int fuse_stall_mount(const char *dir, int note)
{
	struct fuse_srv *s = calloc(1, sizeof(*s));
	char opts[128];
	pthread_t th;
	int r;

	if (!s)
		return -ENOMEM;
	s->note = note;
	s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", s->fd);
	if (mount("mmb-stall", dir, "fuse", MS_NOSUID | MS_NODEV, opts))
		return -errno;
	r = pthread_create(&th, NULL, fuse_srv_fn, s);
	if (r)
		return -r;
	return s->fd;
}

int fuse_available(void)
{
	if (!kernel_has_fs("fuse"))
		return -ENOSYS;
	if (access("/dev/fuse", F_OK) &&
	    mknod("/dev/fuse", S_IFCHR | 0666, makedev(10, 229)))
		return -errno;
	return 0;
}
