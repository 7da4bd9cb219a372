/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge pinning: the in-kernel API for other drivers.
 *
 * A driver that lets a device or an interrupt handler write into a process's
 * memory pins the range long-term with mmb_pin_user(), from the process's
 * own context.  The pages cannot move or be reclaimed until
 * mmb_pin_release(), and they are charged to the user's RLIMIT_MEMLOCK,
 * since the pin may outlive the process (see struct mmb_memlock).
 * mmb_pin_vmap() gives the kernel a
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
 * struct mmb_memlock - locked memory charged to a user.
 * @user:	the user charged, with a reference; NULL when nothing is
 *		charged (nothing asked for, or CAP_IPC_LOCK)
 * @nr_pages:	pages charged to @user->locked_vm
 *
 * Memory that lives as long as a file, which may outlive the process that
 * made it (exit, exec, SCM_RIGHTS), is charged to the user, as io_uring
 * charges registered buffers: to the user_struct's locked_vm, against the
 * RLIMIT_MEMLOCK of the task that asks.  That budget is the user's, shared
 * by all their processes and by io_uring's registered buffers; mlock() has
 * a budget of its own (the process's).
 */
struct mmb_memlock {
	struct user_struct *user;
	unsigned long nr_pages;
};

int mmb_memlock_charge(struct mmb_memlock *c, unsigned long nr_pages);
void mmb_memlock_uncharge(struct mmb_memlock *c);

/**
 * struct mmb_pin - a range of user memory pinned long-term.
 * @mm:		the address space the pages were pinned in, shown in its
 *		pinned_vm (VmPin); mmgrab()ed
 * @charge:	the user's RLIMIT_MEMLOCK charge for the pages
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
	struct mmb_memlock charge;
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
