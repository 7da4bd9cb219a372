// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge pinning: long-term pins of user memory, charged to the user's
 * RLIMIT_MEMLOCK, with a kernel mapping usable from any context.
 */
#include <linux/dma-mapping.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "priv.h"
#include "trace.h"

/**
 * mmb_memlock_charge() - charge locked memory to the current user.
 * @c:		filled in on success; zeroed on failure
 * @nr_pages:	pages to charge
 *
 * Charges @nr_pages to the current user's locked_vm, atomically, against
 * the current task's RLIMIT_MEMLOCK; a caller with CAP_IPC_LOCK is not
 * charged (as with io_uring).  The charge stays with @c, whichever process
 * ends up holding what it pays for, until mmb_memlock_uncharge().
 *
 * Return: 0, or -ENOMEM when the user's locked memory would exceed the
 * limit.
 */
int mmb_memlock_charge(struct mmb_memlock *c, unsigned long nr_pages)
{
	struct user_struct *user = current_user();
	unsigned long limit, cur, new;

	memset(c, 0, sizeof(*c));
	if (!nr_pages || capable(CAP_IPC_LOCK))
		return 0;
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (check_add_overflow(cur, nr_pages, &new) || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	c->user = get_uid(user);
	c->nr_pages = nr_pages;
	return 0;
}
EXPORT_SYMBOL_GPL(mmb_memlock_charge);

/**
 * mmb_memlock_uncharge() - return a charge of mmb_memlock_charge().
 * @c:		the charge, or a zeroed struct
 *
 * Any context that may sleep; the user charged need not be current.
 */
void mmb_memlock_uncharge(struct mmb_memlock *c)
{
	if (!c->user)
		return;
	atomic_long_sub(c->nr_pages, &c->user->locked_vm);
	free_uid(c->user);
	memset(c, 0, sizeof(*c));
}
EXPORT_SYMBOL_GPL(mmb_memlock_uncharge);

/*
 * Which pages may stay pinned long-term: anonymous ones (private copies
 * included: a write pin of a private mapping of anything gets them) and
 * shmem's (tmpfs, memfd, SysV shm, shared anonymous mappings) and
 * hugetlbfs's (MAP_HUGETLB, MFD_HUGETLB), which no file system writes back
 * behind a pin, and the zero page of a read-only pin.  Page-cache pages of
 * other files are refused, as GUP itself refuses writable shared ones
 * since 6.5: the file system would not see the writes, could write the
 * pages back while the device writes them, and would warn.  Decided on
 * the pinned pages themselves, so it cannot go stale: a pinned anonymous
 * page stays anonymous, a page-cache page never becomes one, and a shmem
 * page leaves its file only by truncation.
 */
static bool mmb_pin_page_ok(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping;

	/* hugetlbfs (MAP_HUGETLB, MFD_HUGETLB) has no writeback either. */
	if (folio_test_anon(folio) || folio_test_hugetlb(folio) ||
	    is_zero_page(page))
		return true;
	mapping = READ_ONCE(folio->mapping);
	return mapping && shmem_mapping(mapping);
}

/**
 * mmb_pin_user() - pin a range of the current process's memory.
 * @pin:	filled in on success; zeroed on failure
 * @uaddr:	start of the range (any alignment)
 * @len:	bytes, at least 1
 * @flags:	MMB_PIN_WRITE if the pages will be written
 *
 * Pins every page of the range with FOLL_LONGTERM, which moves pages out of
 * movable zones first and refuses memory that cannot be pinned long-term
 * (device mappings, VM_IO/VM_PFNMAP).  Only anonymous memory, shmem and
 * hugetlbfs are pinned (and, with MMB_PIN_WRITE, private copies of
 * anything else); the pinned pages are checked.
 * The pages are charged to the current user's locked memory (see struct
 * mmb_memlock): above RLIMIT_MEMLOCK the call fails unless the caller has
 * CAP_IPC_LOCK.  Must be called in the context of the process that owns
 * the range.
 *
 * Return: 0; -EINVAL for @len 0 or unknown @flags; -EOVERFLOW when the
 * range wraps; -EFAULT when any page is not mapped with the needed access
 * (unmapped, read-only with MMB_PIN_WRITE, PROT_NONE, a kernel address, a
 * device mapping) or is a file's page-cache page other than shmem's or
 * hugetlbfs's;
 * -ENOMEM above RLIMIT_MEMLOCK or without memory.
 */
int mmb_pin_user(struct mmb_pin *pin, u64 uaddr, u64 len, unsigned int flags)
{
	unsigned int gup = FOLL_LONGTERM;
	unsigned long start, nr, i, done = 0;
	struct mm_struct *mm = current->mm;
	u64 end;
	int ret;

	memset(pin, 0, sizeof(*pin));
	if (!len || (flags & ~MMB_PIN_WRITE))
		return -EINVAL;
	if (check_add_overflow(uaddr, len, &end))
		return -EOVERFLOW;
	if (!mm || !access_ok(u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	if (flags & MMB_PIN_WRITE)
		gup |= FOLL_WRITE;

	start = uaddr & PAGE_MASK;
	nr = (PAGE_ALIGN(end) - start) >> PAGE_SHIFT;
	/* A failure is the caller's -ENOMEM, not a report in the log. */
	pin->pages = kvmalloc_array(nr, sizeof(*pin->pages),
				    GFP_KERNEL | __GFP_NOWARN);
	if (!pin->pages)
		return -ENOMEM;
	ret = mmb_memlock_charge(&pin->charge, nr);
	if (ret)
		goto err_free;

	while (done < nr) {
		int n = min_t(unsigned long, nr - done, INT_MAX >> PAGE_SHIFT);

		ret = pin_user_pages_fast(start + (done << PAGE_SHIFT), n, gup,
					  pin->pages + done);
		if (ret <= 0) {
			ret = ret ? ret : -EFAULT;
			goto err_unpin;
		}
		done += ret;
	}
	for (i = 0; i < nr; i++) {
		if (!mmb_pin_page_ok(pin->pages[i])) {
			ret = -EFAULT;
			goto err_unpin;
		}
	}

	mmgrab(mm);
	atomic64_add(nr, &mm->pinned_vm);
	pin->mm = mm;
	pin->uaddr = uaddr;
	pin->offset = offset_in_page(uaddr);
	pin->len = len;
	pin->nr_pages = nr;
	pin->flags = flags;
	trace_mmb_pin(uaddr, len, nr, flags, 0);
	return 0;

err_unpin:
	unpin_user_pages(pin->pages, done);
	mmb_memlock_uncharge(&pin->charge);
err_free:
	kvfree(pin->pages);
	pin->pages = NULL;
	trace_mmb_pin(uaddr, len, nr, flags, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(mmb_pin_user);

/**
 * mmb_pin_vmap() - map the pinned pages into the kernel.
 * @pin:	a pinned range without a mapping yet
 *
 * Afterwards the range is at @pin->vaddr + @pin->offset, and stays there
 * until mmb_pin_release(), usable in any context.
 *
 * Return: 0 or -ENOMEM.
 */
int mmb_pin_vmap(struct mmb_pin *pin)
{
	if (WARN_ON_ONCE(pin->vaddr || !pin->pages))
		return -EINVAL;
	pin->vaddr = vmap(pin->pages, pin->nr_pages, VM_MAP, PAGE_KERNEL);
	return pin->vaddr ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(mmb_pin_vmap);

/**
 * mmb_pin_sgtable() - describe the range as a scatter-gather table.
 * @pin:	a pinned range without a table yet
 * @dma_dev:	device to DMA-map the table for, or NULL for none
 * @dir:	DMA direction of the mapping
 *
 * Physically contiguous pages merge into one entry, up to the device's
 * maximum segment size.  With @dma_dev the table is mapped with
 * dma_map_sgtable(); the caller syncs it (dma_sync_sgtable_for_cpu/_device)
 * around every transfer, as the DMA API requires.  Undone by
 * mmb_pin_release().
 *
 * Return: 0, -ENOMEM, or the mapping's error.
 */
int mmb_pin_sgtable(struct mmb_pin *pin, struct device *dma_dev,
		    enum dma_data_direction dir)
{
	unsigned int max_seg = UINT_MAX & PAGE_MASK;
	int ret;

	if (WARN_ON_ONCE(pin->sgt.sgl || !pin->pages))
		return -EINVAL;
	if (dma_dev)
		max_seg = min_t(unsigned int, max_seg,
				dma_get_max_seg_size(dma_dev) & PAGE_MASK);
	ret = sg_alloc_table_from_pages_segment(&pin->sgt, pin->pages,
						pin->nr_pages, pin->offset,
						pin->len, max_seg, GFP_KERNEL);
	if (ret)
		return ret;
	if (!dma_dev)
		return 0;
	ret = dma_map_sgtable(dma_dev, &pin->sgt, dir, 0);
	if (ret) {
		sg_free_table(&pin->sgt);
		memset(&pin->sgt, 0, sizeof(pin->sgt));
		return ret;
	}
	pin->dma_dev = dma_dev;
	pin->dir = dir;
	return 0;
}
EXPORT_SYMBOL_GPL(mmb_pin_sgtable);

/**
 * mmb_pin_release() - unmap, unpin and uncharge.
 * @pin:	a range pinned by mmb_pin_user(), or a zeroed struct
 *
 * The caller guarantees that nothing (interrupt handler, device) uses the
 * pages any more.  Written pages are marked dirty.  May sleep; safe to call
 * after the process has exited.
 */
void mmb_pin_release(struct mmb_pin *pin)
{
	if (!pin->pages)
		return;
	trace_mmb_unpin(pin);
	if (pin->dma_dev)
		dma_unmap_sgtable(pin->dma_dev, &pin->sgt, pin->dir, 0);
	if (pin->sgt.sgl)
		sg_free_table(&pin->sgt);
	if (pin->vaddr)
		vunmap(pin->vaddr);
	unpin_user_pages_dirty_lock(pin->pages, pin->nr_pages,
				    pin->flags & MMB_PIN_WRITE);
	mmb_memlock_uncharge(&pin->charge);
	atomic64_sub(pin->nr_pages, &pin->mm->pinned_vm);
	mmdrop(pin->mm);
	kvfree(pin->pages);
	memset(pin, 0, sizeof(*pin));
}
EXPORT_SYMBOL_GPL(mmb_pin_release);
