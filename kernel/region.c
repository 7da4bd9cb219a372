// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge revocable mappings: a backend's device memory (a BAR, or RAM
 * standing in for it) mapped into processes, revocable at any moment.
 *
 * Mappings are VM_IO | VM_PFNMAP and filled by the fault handler, one page
 * or, where the kernel supports huge PFN mappings and the memory is
 * physically contiguous and aligned, one PMD at a time.  Every open file
 * of a device uses the address_space of one private inode (f_mapping), so
 * all mappings of a region, in every process and at every address, are
 * found by one unmap_mapping_range().
 *
 * The region's state is a set of revocation reasons (the user's ioctl, the
 * device, removal) changed under region.sem held for writing; the fault
 * handler decides under the same semaphore held for reading.  Revocation
 * zaps the page tables before it drops the semaphore, so when it returns
 * no page table maps the device and no fault can map it again until the
 * state is live.  While revoked, a fault follows its mapping's policy:
 * DISCARD maps the mapping's scratch page for that page, SIGBUS refuses,
 * WAIT drops the fault's lock, sleeps until restore and has the fault
 * retried.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/nospec.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "priv.h"
#include "trace.h"

#define MMB_FS_MAGIC 0x6d6d6272 /* "mmbr" */

/*
 * Page offsets: the region's index and the policy above, the offset in the
 * region below.  One region's policy spaces are contiguous.
 */
#define MMB_REGION_PGSHIFT (MMB_MMAP_REGION_SHIFT - PAGE_SHIFT)
#define MMB_REGION_PGMASK ((1UL << MMB_REGION_PGSHIFT) - 1)
#define MMB_REGION_SPAN                              \
	(MMB_MMAP_REGION_AT(0, MMB_FAULT_WAIT + 1) - \
	 MMB_MMAP_REGION_AT(0, MMB_FAULT_DISCARD))

static struct vfsmount *mmb_mnt;

/*
 * No owner: the mount lives from module init to module exit and must not
 * pin the module it belongs to.
 */
static int mmb_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MMB_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mmb_fs_type = {
	.name = "mmbridge",
	.init_fs_context = mmb_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * struct mmb_map - one mmap() of a region; shared by the VMAs split or
 * forked from it.
 * @ref:	one per VMA
 * @mdev:	the device; referenced
 * @rg:		the region mapped (the device's)
 * @policy:	enum mmb_fault_policy
 * @lock:	@scratch, @scratch_gen and the scratch pages' contents
 * @scratch:	region page offset -> the scratch page DISCARD maps there
 *		while the region is revoked; allocated on first use, kept
 *		until the mapping goes
 * @scratch_gen: the revocation the scratch pages were zeroed for
 *
 * Scratch pages belong to the mmap() call, like the mapping's pages do:
 * every VMA split or forked from it sees the same ones.
 */
struct mmb_map {
	struct kref ref;
	struct mmb_device *mdev;
	struct mmb_region *rg;
	u32 policy;
	struct mutex lock; /* scratch pages */
	struct xarray scratch;
	u64 scratch_gen;
};

static void mmb_map_free(struct kref *ref)
{
	struct mmb_map *map = container_of(ref, struct mmb_map, ref);
	struct page *page;
	unsigned long idx;

	xa_for_each(&map->scratch, idx, page)
		__free_page(page);
	xa_destroy(&map->scratch);
	put_device(&map->mdev->dev);
	kfree(map);
}

static void mmb_region_vm_open(struct vm_area_struct *vma)
{
	struct mmb_map *map = vma->vm_private_data;

	kref_get(&map->ref);
	atomic64_inc(&map->rg->mappings);
}

static void mmb_region_vm_close(struct vm_area_struct *vma)
{
	struct mmb_map *map = vma->vm_private_data;

	atomic64_dec(&map->rg->mappings);
	kref_put(&map->ref, mmb_map_free);
}

/* Byte offset in the region of @addr in @vma. */
static u64 mmb_region_offset(struct vm_area_struct *vma, unsigned long addr)
{
	return ((u64)(vma->vm_pgoff & MMB_REGION_PGMASK) << PAGE_SHIFT) +
	       (addr - vma->vm_start);
}

/* The device page (order 0) or PMD (PMD_ORDER) at the fault; region live. */
static vm_fault_t mmb_region_insert(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmb_map *map = vma->vm_private_data;
	struct mmb_region *rg = map->rg;
	unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);
	u64 off = mmb_region_offset(vma, addr);
	vm_fault_t ret;

	lockdep_assert_held(&rg->sem);
	if (off >= rg->mem->size)
		return VM_FAULT_SIGBUS;
	if (!order) {
		ret = vmf_insert_pfn(vma, addr, mmb_mem_pfn(rg->mem, off));
	} else {
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
		pfn_t pfn = __pfn_to_pfn_t(mmb_mem_pfn(rg->mem, off), PFN_DEV);

		ret = vmf_insert_pfn_pmd(vmf, pfn,
					 vmf->flags & FAULT_FLAG_WRITE);
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&rg->huge_faults);
#else
		ret = VM_FAULT_FALLBACK;
#endif
	}
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(&rg->faults);
	return ret;
}

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
/* Whether a PMD at the fault would be device memory, contiguous, aligned. */
static bool mmb_region_huge_ok(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmb_map *map = vma->vm_private_data;
	const struct mmb_mem *mem = map->rg->mem;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, size);

	if (order != PMD_ORDER || !mmb_mem_is_io(mem) || addr < vma->vm_start ||
	    addr + size > vma->vm_end)
		return false;
	return mmb_region_offset(vma, addr) + size <= mem->size &&
	       IS_ALIGNED(mem->phys + mmb_region_offset(vma, addr), size);
}
#else
static bool mmb_region_huge_ok(struct vm_fault *vmf, unsigned int order)
{
	return false;
}
#endif

/*
 * The scratch page for the region page at byte offset @off, zeroed since
 * the current revocation began: every scratch page of the mapping is
 * zeroed at the first use after a revocation.  No page table maps an old
 * one then: the restore and the revocation in between zapped them.  NULL
 * without memory.
 */
static struct page *mmb_scratch_page(struct mmb_map *map, u64 off)
{
	struct mmb_region *rg = map->rg;
	unsigned long idx = off >> PAGE_SHIFT;
	struct page *page;

	lockdep_assert_held(&rg->sem);
	lockdep_assert_held(&map->lock);
	if (map->scratch_gen != rg->gen) {
		xa_for_each(&map->scratch, idx, page)
			clear_highpage(page);
		map->scratch_gen = rg->gen;
		idx = off >> PAGE_SHIFT;
	}
	page = xa_load(&map->scratch, idx);
	if (page)
		return page;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return NULL;
	if (xa_err(xa_store(&map->scratch, idx, page, GFP_KERNEL_ACCOUNT))) {
		__free_page(page);
		return NULL;
	}
	return page;
}

/* DISCARD: the scratch page of this page of the mapping. */
static vm_fault_t mmb_region_discard(struct vm_fault *vmf)
{
	struct mmb_map *map = vmf->vma->vm_private_data;
	struct mmb_region *rg = map->rg;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct page *page;

	lockdep_assert_held(&rg->sem);
	mutex_lock(&map->lock);
	page = mmb_scratch_page(map, mmb_region_offset(vmf->vma, addr));
	mutex_unlock(&map->lock);
	if (!page)
		return VM_FAULT_OOM;
	atomic64_inc(&rg->discard_faults);
	return vmf_insert_pfn(vmf->vma, addr, page_to_pfn(page));
}

static bool mmb_region_wait_over(struct mmb_region *rg)
{
	u32 state = READ_ONCE(rg->state);

	return !state || (state & MMB_REGION_GONE);
}

/*
 * Count and trace a fault's answer.  Only while the fault's lock is held:
 * afterwards the VMA, its mapping and the device may all be gone.
 */
static void mmb_region_account(struct vm_fault *vmf, vm_fault_t ret)
{
	struct mmb_map *map = vmf->vma->vm_private_data;
	struct mmb_device *mdev = map->mdev;

	mmb_stat_add(mdev, MMB_STAT_REGION_FAULTS, 1);
	trace_mmb_fault(mdev, 0, vmf->address,
			mmb_region_offset(vmf->vma, vmf->address),
			READ_ONCE(map->rg->state), (__force unsigned int)ret);
}

/*
 * WAIT: sleep until the region is live again without holding the fault's
 * lock, then have the fault retried.  Called with rg->sem read-held;
 * returns with it released, counted and traced.
 *
 * Only a fault from user mode waits.  A fault the kernel takes on the
 * user's behalf (copy_to_user() in a system call, a copy worker that
 * adopted the mm) may hold locks of its own that others need, and nothing
 * bounds a revocation: it is refused, and the access fails with -EFAULT
 * (a short copy) as at any page that cannot be written.
 */
static vm_fault_t mmb_region_wait(struct vm_fault *vmf)
{
	struct mmb_map *map = vmf->vma->vm_private_data;
	struct mmb_region *rg = map->rg;
	unsigned int flags = vmf->flags;
	struct file *file;

	/* Removal revokes for good: waiting would never end. */
	if (rg->state & MMB_REGION_GONE)
		goto sigbus;
	if (!(flags & FAULT_FLAG_USER) || (current->flags & PF_KTHREAD))
		goto sigbus;
	/* A fault that may not drop its lock cannot wait either. */
	if (!(flags & FAULT_FLAG_ALLOW_RETRY))
		goto sigbus;
	mmb_region_account(vmf, VM_FAULT_RETRY);
	if (flags & FAULT_FLAG_RETRY_NOWAIT) {
		up_read(&rg->sem);
		return VM_FAULT_RETRY;
	}

	/*
	 * Once the fault's lock is dropped, the VMA may be unmapped and the
	 * file behind it closed; the device may be removed and the module
	 * unloaded.  A reference to the file, as filemap's faults take one,
	 * keeps the file, the device (@rg) and the module until the wait
	 * is over; nothing else of the fault is touched after the drop.
	 */
	file = get_file(vmf->vma->vm_file);
	atomic64_inc(&rg->wait_faults);
	up_read(&rg->sem);
	mmb_release_fault_lock(vmf);
	if (flags & FAULT_FLAG_INTERRUPTIBLE)
		wait_event_interruptible(rg->wq, mmb_region_wait_over(rg));
	else
		wait_event_killable(rg->wq, mmb_region_wait_over(rg));
	fput(file);
	return VM_FAULT_RETRY;

sigbus:
	atomic64_inc(&rg->sigbus_faults);
	mmb_region_account(vmf, VM_FAULT_SIGBUS);
	up_read(&rg->sem);
	return VM_FAULT_SIGBUS;
}

static vm_fault_t mmb_region_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct mmb_map *map = vmf->vma->vm_private_data;
	struct mmb_region *rg = map->rg;
	vm_fault_t ret = VM_FAULT_FALLBACK;

	if (order && !mmb_region_huge_ok(vmf, order))
		return VM_FAULT_FALLBACK;

	down_read(&rg->sem);
	if (!rg->state) {
		ret = mmb_region_insert(vmf, order);
	} else if (!order) {
		switch (map->policy) {
		case MMB_FAULT_DISCARD:
			ret = mmb_region_discard(vmf);
			break;
		case MMB_FAULT_WAIT:
			/* Counted, traced, the semaphore released. */
			return mmb_region_wait(vmf);
		default:
			atomic64_inc(&rg->sigbus_faults);
			ret = VM_FAULT_SIGBUS;
			break;
		}
	}
	/* Revoked and huge: fall back to the page fault, which decides. */
	if (ret != VM_FAULT_FALLBACK)
		mmb_region_account(vmf, ret);
	up_read(&rg->sem);
	return ret;
}

static vm_fault_t mmb_region_fault(struct vm_fault *vmf)
{
	return mmb_region_huge_fault(vmf, 0);
}

/*
 * Debugger access (ptrace, /proc/<pid>/mem): get_user_pages() refuses
 * VM_PFNMAP, so the kernel asks ->access().  The same decision as a fault,
 * under the same semaphore: live, the device memory itself (registers 32
 * bits at a time); revoked, a DISCARD mapping's scratch page and nothing
 * (-EIO) for the others, since a debugger must not sleep in WAIT while it
 * holds the process's mmap_lock.  At most to the end of the page.  A
 * mapping without PROT_WRITE is not written (-EACCES), as get_user_pages()
 * refuses a forced write into a shared mapping.
 */
static int mmb_region_access(struct vm_area_struct *vma, unsigned long addr,
			     void *buf, int len, int write)
{
	struct mmb_map *map = vma->vm_private_data;
	struct mmb_region *rg = map->rg;
	const struct mmb_mem *mem = rg->mem;
	u64 off = mmb_region_offset(vma, addr);
	int ret;

	/* As for any shared mapping: no write where the mapping has none. */
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	len = min_t(unsigned long, len, PAGE_SIZE - offset_in_page(addr));
	ret = len;
	down_read(&rg->sem);
	if (rg->state) {
		if (map->policy != MMB_FAULT_DISCARD) {
			ret = -EIO;
		} else {
			struct page *page;
			void *p;

			mutex_lock(&map->lock);
			page = mmb_scratch_page(map, off);
			if (page) {
				p = kmap_local_page(page) +
				    offset_in_page(addr);
				if (write)
					memcpy(p, buf, len);
				else
					memcpy(buf, p, len);
				kunmap_local(p);
			} else {
				ret = -ENOMEM;
			}
			mutex_unlock(&map->lock);
		}
	} else if (off + len > mem->size) {
		ret = -EIO;
	} else if (mmb_mem_is_io(mem) && mem->cache == MMB_CACHE_UC &&
		   !IS_ALIGNED(off | len, 4)) {
		ret = -EIO; /* registers: whole 32-bit words only */
	} else if (write) {
		mmb_mem_write(mem, off, buf, len);
	} else {
		mmb_mem_read(mem, off, buf, len);
	}
	up_read(&rg->sem);
	return ret;
}

static const struct vm_operations_struct mmb_region_vm_ops = {
	.access = mmb_region_access,
	.open = mmb_region_vm_open,
	.close = mmb_region_vm_close,
	.fault = mmb_region_fault,
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP /* 6.12 on */
	.huge_fault = mmb_region_huge_fault,
#endif
};

/* A region of the device by the number user space gave; NULL, -ENXIO. */
static struct mmb_region *mmb_region_at(struct mmb_device *mdev, u64 index)
{
	struct mmb_regions *rgs = &mdev->core->regions;
	struct mmb_region *rg;

	if (index >= rgs->nr)
		return NULL;
	rg = &rgs->r[array_index_nospec(index, rgs->nr)];
	return rg->mem->size ? rg : NULL;
}

/**
 * mmb_region_mmap() - map a device's region (mmap offset MMB_MMAP_REGION()).
 * @mdev:	the device
 * @vma:	the new mapping; vm_pgoff names the policy and the offset
 *
 * Only a region its backend declared safe for user space is mapped
 * (mmb_device_register() refuses others); a BAR is mapped decrypted, as
 * vfio-pci maps BARs, since device memory is never encrypted on SME/SEV
 * hosts.
 *
 * Return: 0, -ENODEV without a region, -EINVAL for MAP_PRIVATE or an
 * unknown policy, -ENXIO for a region the device does not have or a range
 * outside the region, -EPERM for a raw region without CAP_SYS_RAWIO,
 * -ENOMEM.
 */
static int mmb_region_mmap(struct mmb_device *mdev, struct vm_area_struct *vma)
{
	u64 space = (vma->vm_pgoff >> MMB_REGION_PGSHIFT) - 1;
	u64 pgoff = vma->vm_pgoff & MMB_REGION_PGMASK;
	u32 policy = space & 0xff;
	struct mmb_region *rg;
	u64 npages;
	int ret;

	if (!(mdev->core->caps & MMB_CAP_MAP))
		return -ENODEV;
	if (policy > MMB_FAULT_WAIT)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	rg = mmb_region_get(mdev, space >> 8, &ret);
	if (!rg)
		return ret;
	npages = rg->mem->size >> PAGE_SHIFT;
	if (pgoff >= npages || vma_pages(vma) > npages - pgoff)
		return -ENXIO;

	return mmb_region_vma(mdev, vma, rg->index, policy);
}

/**
 * mmb_region_get() - a region of a device, if the caller may use it.
 * @mdev:	the device, with regions (MMB_CAP_MAP)
 * @index:	the region's number, as user space gave it
 * @err:	-ENXIO for a region the device does not have, -EPERM for a
 *		raw region without CAP_SYS_RAWIO
 *
 * Return: the region, or NULL and *@err.
 */
struct mmb_region *mmb_region_get(struct mmb_device *mdev, u64 index, int *err)
{
	struct mmb_region *rg = mmb_region_at(mdev, index);

	if (!rg) {
		*err = -ENXIO;
		return NULL;
	}
	if (rg->mem->raw && !capable(CAP_SYS_RAWIO)) {
		*err = -EPERM;
		return NULL;
	}
	return rg;
}

/**
 * mmb_region_vma() - set up a region mapping whose checks are done.
 * @mdev:	the device
 * @vma:	MAP_SHARED; vm_pgoff is MMB_MMAP_REGION_AT(@index, @policy)
 *		plus the page offset in the region, and the range is inside
 *		the region
 * @index:	the region, one the device has
 * @policy:	enum mmb_fault_policy
 *
 * For mmap() of the device fd and of a region's dma-buf (dmabuf.c).
 *
 * Return: 0 or -ENOMEM.
 */
int mmb_region_vma(struct mmb_device *mdev, struct vm_area_struct *vma,
		   unsigned int index, u32 policy)
{
	struct mmb_region *rg = &mdev->core->regions.r[index];
	struct mmb_map *map;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	xa_init(&map->scratch);
	kref_init(&map->ref);
	mutex_init(&map->lock);
	map->policy = policy;
	get_device(&mdev->dev);
	map->mdev = mdev;
	map->rg = rg;

	vma->vm_page_prot = mmb_mem_pgprot(rg->mem, vma->vm_page_prot);
	mmb_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mmb_region_vm_ops;
	vma->vm_private_data = map;
	atomic64_inc(&rg->mappings);
	return 0;
}

/*
 * Set or clear one revocation reason of one region.  The region is live
 * while no reason is set; going from live to revoked or back zaps every
 * mapping of it, so that the next access faults and sees the new state.
 * Process context.
 */
static int mmb_region_set(struct mmb_device *mdev, struct mmb_region *rg,
			  u32 reason, bool set, struct mmb_region_ctl *out)
{
	u32 old, state, cause = 0;

	down_write(&rg->sem);
	old = rg->state;
	if (old & MMB_REGION_GONE && reason != MMB_REGION_GONE) {
		up_write(&rg->sem);
		return -ENODEV;
	}
	state = set ? old | reason : old & ~reason;
	if (!old && state) {
		rg->gen++;
		rg->revokes++;
		mmb_stat_add(mdev, MMB_STAT_REVOKES, 1);
		cause = MMB_EVENT_REVOKE;
	} else if (old && !state) {
		rg->restores++;
		mmb_stat_add(mdev, MMB_STAT_RESTORES, 1);
		cause = MMB_EVENT_RESTORE;
	}
	trace_mmb_region_state(mdev, rg->index, reason, set, old, state);
	WRITE_ONCE(rg->state, state);
	if (cause)
		unmap_mapping_range(mmb_region_mapping(mdev),
				    MMB_MMAP_REGION_AT(rg->index,
						       MMB_FAULT_DISCARD),
				    MMB_REGION_SPAN, 1);
	if (out) {
		out->state = state;
		out->revokes = rg->revokes;
		out->restores = rg->restores;
	}
	/*
	 * Every region's events; region 0's state; which regions are down.
	 * Under the semaphore, so that two changes of one region reach the
	 * counter page in the order they were made.
	 */
	if (cause || state != old)
		mmb_notify_region(mdev, cause, rg->index,
				  rg->index ? U32_MAX : state, !state);
	up_write(&rg->sem);

	if (mmb_region_wait_over(rg))
		wake_up_all(&rg->wq);
	return 0;
}

/* Set or clear @reason on every region of the device. */
static int mmb_region_set_all(struct mmb_device *mdev, u32 reason, bool set)
{
	struct mmb_regions *rgs = &mdev->core->regions;
	unsigned int i;
	int ret = 0;

	if (!(mdev->core->caps & MMB_CAP_MAP))
		return -EOPNOTSUPP;
	for (i = 0; i < rgs->nr; i++) {
		int r;

		if (!rgs->r[i].mem->size)
			continue; /* no region i */
		r = mmb_region_set(mdev, &rgs->r[i], reason, set, NULL);
		if (!ret)
			ret = r;
	}
	return ret;
}

/**
 * mmb_region_revoke() - revoke the device's regions on its behalf.
 * @mdev:	the device
 *
 * When this returns no user mapping reaches the device memory; accesses
 * follow each mapping's policy until mmb_region_restore().  Independent of
 * revocation by the user: a region is live again once both are undone.
 * Each region that goes from live to revoked is one MMB_EVENT_REVOKE.
 * Process context (sleeps); idempotent.
 *
 * Return: 0, -EOPNOTSUPP without regions, -ENODEV after removal.
 */
int mmb_region_revoke(struct mmb_device *mdev)
{
	return mmb_region_set_all(mdev, MMB_REGION_REVOKED_DEVICE, true);
}
EXPORT_SYMBOL_GPL(mmb_region_revoke);

/**
 * mmb_region_restore() - undo mmb_region_revoke().
 * @mdev:	the device
 *
 * Mappings map the device again on their next access, unless the user
 * has revoked their region too.  Each region that goes from revoked to
 * live is one MMB_EVENT_RESTORE.  Process context (sleeps); idempotent.
 *
 * Return: 0, -EOPNOTSUPP without regions, -ENODEV after removal.
 */
int mmb_region_restore(struct mmb_device *mdev)
{
	return mmb_region_set_all(mdev, MMB_REGION_REVOKED_DEVICE, false);
}
EXPORT_SYMBOL_GPL(mmb_region_restore);

/* MMB_IOC_REGION_REVOKE / RESTORE: the user's revocation reason. */

/* MMB_IOC_REGION_INFO */
static int mmb_region_info(struct mmb_device *mdev, struct mmb_region_info *ri)
{
	struct mmb_region *rg;

	if (!(mdev->core->caps & MMB_CAP_MAP))
		return -EOPNOTSUPP;
	rg = mmb_region_at(mdev, ri->index);
	if (!rg)
		return -ENXIO;
	ri->nr_regions = mdev->core->regions.nr;
	down_read(&rg->sem);
	ri->size = rg->mem->size;
	ri->state = rg->state;
	ri->cache = rg->mem->cache;
	ri->features = rg->mem->raw ? MMB_REGION_RAW : 0;
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (mmb_mem_is_io(rg->mem) && rg->mem->size >= PMD_SIZE &&
	    IS_ALIGNED(rg->mem->phys, PMD_SIZE))
		ri->features |= MMB_REGION_HUGE;
#endif
	ri->revokes = rg->revokes;
	ri->restores = rg->restores;
	up_read(&rg->sem);
	ri->mappings = atomic64_read(&rg->mappings);
	ri->faults = atomic64_read(&rg->faults);
	ri->huge_faults = atomic64_read(&rg->huge_faults);
	ri->discard_faults = atomic64_read(&rg->discard_faults);
	ri->sigbus_faults = atomic64_read(&rg->sigbus_faults);
	ri->wait_faults = atomic64_read(&rg->wait_faults);
	ri->dmabufs = atomic64_read(&rg->dmabufs);
	return 0;
}

/*
 * Removal: revoke for good before the backend frees the memory.  Waiters
 * wake and get SIGBUS; DISCARD mappings keep their scratch pages.
 */
static void mmb_region_unplug(struct mmb_device *mdev)
{
	mmb_region_set_all(mdev, MMB_REGION_GONE, true);
}

/* The address_space every open file of @mdev maps through. */
struct address_space *mmb_region_mapping(struct mmb_device *mdev)
{
	return mdev->core->regions.inode->i_mapping;
}

/*
 * At allocation: the inode every open file maps through (objects too);
 * the regions are counted at registration (mmb_region_count()).
 */
static int mmb_region_dev_init(struct mmb_device *mdev)
{
	struct mmb_regions *rgs = &mdev->core->regions;
	unsigned int i;

	rgs->inode = alloc_anon_inode(mmb_mnt->mnt_sb);
	if (IS_ERR(rgs->inode))
		return PTR_ERR(rgs->inode);
	for (i = 0; i < MMB_REGIONS_MAX; i++) {
		struct mmb_region *rg = &rgs->r[i];

		rg->mem = &mdev->regions[i];
		rg->index = i;
		init_rwsem(&rg->sem);
		init_waitqueue_head(&rg->wq);
	}
	return 0;
}

static void mmb_region_dev_destroy(struct mmb_device *mdev)
{
	iput(mdev->core->regions.inode);
}

/**
 * mmb_region_count() - the regions the driver registered.
 * @mdev:	the device, its regions set
 *
 * Return: one more than the highest numbered region (of a size other than
 * 0), or 0 without regions.
 */
unsigned int mmb_region_count(struct mmb_device *mdev)
{
	unsigned int n = MMB_REGIONS_MAX;

	while (n && !mdev->regions[n - 1].size)
		n--;
	mdev->core->regions.nr = n;
	return n;
}

static int mmb_region_file_mmap(struct mmb_file *mf, struct vm_area_struct *vma)
{
	return mmb_region_mmap(mf->mdev, vma);
}

/*
 * Revocation by the user cuts every process's mappings of the device,
 * whoever made them, so it is an administrator's operation: opening the
 * node is not enough.
 */
static int mmb_region_ctl_check(const void *arg)
{
	const struct mmb_region_ctl *ctl = arg;

	return ctl->flags ? -EINVAL : 0;
}

static long mmb_region_ctl(void *ctx, struct mmb_region_ctl *ctl, bool set)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	struct mmb_region *rg;

	if (!(mdev->core->caps & MMB_CAP_MAP))
		return -EOPNOTSUPP;
	rg = mmb_region_at(mdev, ctl->index);
	if (!rg)
		return -ENXIO;
	return mmb_region_set(mdev, rg, MMB_REGION_REVOKED_USER, set, ctl);
}

static long mmb_ioctl_region_revoke(void *ctx, struct file *file, void *arg)
{
	return mmb_region_ctl(ctx, arg, true);
}

static long mmb_ioctl_region_restore(void *ctx, struct file *file, void *arg)
{
	return mmb_region_ctl(ctx, arg, false);
}

static int mmb_region_info_check(const void *arg)
{
	const struct mmb_region_info *ri = arg;

	return ri->flags ? -EINVAL : 0;
}

static long mmb_ioctl_region_info(void *ctx, struct file *file, void *arg)
{
	return mmb_region_info(((struct mmb_file *)ctx)->mdev, arg);
}

#define MMB_REGION_CTL_FLAGS (MMB_IOCTL_ADMIN | MMB_IOCTL_OUT | MMB_IOCTL_ALIVE)

static const struct mmb_ioctl_desc mmb_region_ioctls[] = {
	MMB_IOCTL(MMB_IOC_REGION_REVOKE, struct mmb_region_ctl, restores,
		  MMB_REGION_CTL_FLAGS, mmb_region_ctl_check,
		  mmb_ioctl_region_revoke),
	MMB_IOCTL(MMB_IOC_REGION_RESTORE, struct mmb_region_ctl, restores,
		  MMB_REGION_CTL_FLAGS, mmb_region_ctl_check,
		  mmb_ioctl_region_restore),
	MMB_IOCTL(MMB_IOC_REGION_INFO, struct mmb_region_info, wait_faults,
		  MMB_IOCTL_OUT, mmb_region_info_check, mmb_ioctl_region_info),
};

const struct mmb_mechanism mmb_region_mech = {
	.name = "region",
	.ioctls = mmb_region_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_region_ioctls),
	.mmap_first = MMB_MMAP_REGION(MMB_FAULT_DISCARD) >> PAGE_SHIFT,
	.mmap_last = (MMB_MMAP_OBJECT(0) >> PAGE_SHIFT) - 1,
	.mmap = mmb_region_file_mmap,
	.dev_init = mmb_region_dev_init,
	.dev_unplug = mmb_region_unplug,
	.dev_destroy = mmb_region_dev_destroy,
};

int mmb_region_fs_init(void)
{
	mmb_mnt = kern_mount(&mmb_fs_type);
	return PTR_ERR_OR_ZERO(mmb_mnt);
}

void mmb_region_fs_exit(void)
{
	kern_unmount(mmb_mnt);
}
