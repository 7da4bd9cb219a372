/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmb_dynimp: a dma-buf importer for tests (tests/kmod/mmb_dynimp.c).
 * Each open file of /dev/mmb_dynimp is one importing device's view of one
 * dma-buf.
 */
#ifndef _MMB_DYNIMP_H
#define _MMB_DYNIMP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* DYNIMP_IOC_ATTACH: attach to the dma-buf @fd. */
struct dynimp_attach {
	__s32 fd;
	__u32 flags;
};

/* A dynamic importer: maps without pinning, told of moves (move_notify). */
#define DYNIMP_DYNAMIC	(1u << 0)
/*
 * A broken one: move_notify is counted, and the mapping kept and used
 * after the move.
 */
#define DYNIMP_IGNORE	(1u << 1)

/* DYNIMP_IOC_RW: @size bytes at @offset of the mapped pages, to or from @buf. */
struct dynimp_rw {
	__u64 offset;
	__u64 size;
	__u64 buf;
	__u32 write;
	__u32 pad;
};

/* DYNIMP_IOC_INFO */
struct dynimp_info {
	__u32 notified;		/* move_notify calls so far */
	__u32 mapped;		/* a mapping is held */
	__u32 move_notify;	/* CONFIG_DMABUF_MOVE_NOTIFY: dynamic maps do not pin */
	__u32 pad;
};

#define DYNIMP_IOC_ATTACH	_IOW('d', 1, struct dynimp_attach)
#define DYNIMP_IOC_MAP		_IO('d', 2)	/* map for DMA, both directions */
#define DYNIMP_IOC_UNMAP	_IO('d', 3)
#define DYNIMP_IOC_RW		_IOW('d', 4, struct dynimp_rw)
#define DYNIMP_IOC_INFO		_IOR('d', 5, struct dynimp_info)

#endif
