/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge pinning: the in-kernel API for other drivers.
 *
 * A driver that lets a device or an interrupt handler write into a process's
 * memory pins the range long-term with mmb_pin_user(), from the process's
 * own context.  The pages cannot move or be reclaimed until
 * mmb_pin_release(), and they are charged to the process's RLIMIT_MEMLOCK
 * as mlock() would charge them.  mmb_pin_vmap() gives the kernel a
 * linear address for the whole range that is valid in any context,
 * hard-IRQ included, whether or not the process still maps the range.
 */
#ifndef _MMB_PIN_H
#define _MMB_PIN_H

#include <linux/bits.h>
#include <linux/dma-direction.h>
#include <linux/scatterlist.h>
#include <linux/mm_types.h>
#include <linux/types.h>

/* mmb_pin_user() flags */
#define MMB_PIN_WRITE BIT(0) /* the kernel or a device writes */

/**
 * struct mmb_pin - a range of user memory pinned long-term.
 * @mm:		the address space charged for the pages; mmgrab()ed
 * @uaddr:	the user address the caller passed
 * @offset:	@uaddr's offset in its first page
 * @len:	bytes the caller asked for
 * @nr_pages:	pages pinned
 * @pages:	the pages
 * @vaddr:	vmap() of @pages, or NULL before mmb_pin_vmap()
 * @flags:	MMB_PIN_* given to mmb_pin_user()
 * @sgt:	scatter-gather table of the range, after mmb_pin_sgtable()
 * @dma_dev:	device @sgt is DMA-mapped for, or NULL
 * @dir:	direction of that mapping
 *
 * Owned by one user at a time; the functions below do no locking.
 */
struct mmb_pin {
	struct mm_struct *mm;
	u64 uaddr;
	unsigned int offset;
	size_t len;
	unsigned long nr_pages;
	struct page **pages;
	void *vaddr;
	unsigned int flags;
	struct sg_table sgt;
	struct device *dma_dev;
	enum dma_data_direction dir;
};

int mmb_pin_user(struct mmb_pin *pin, u64 uaddr, u64 len, unsigned int flags);
int mmb_pin_vmap(struct mmb_pin *pin);
int mmb_pin_sgtable(struct mmb_pin *pin, struct device *dma_dev,
		    enum dma_data_direction dir);
void mmb_pin_release(struct mmb_pin *pin);

#endif /* _MMB_PIN_H */
