/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version shims.  Every difference between the supported kernels
 * (6.1 to 6.12) is handled here and nowhere else.
 */
#ifndef _MMB_COMPAT_H
#define _MMB_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>

/* 6.2 made the device argument of class->devnode() const. */
#if KERNEL_VERSION(6, 2, 0) > LINUX_VERSION_CODE
#define mmb_devnode_device struct device
#else
#define mmb_devnode_device const struct device
#endif

/* 6.3 made vma->vm_flags read-only outside the vm_flags_*() helpers. */
static inline void mmb_vm_flags_clear(struct vm_area_struct *vma,
				      unsigned long flags)
{
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
	vma->vm_flags &= ~flags;
#else
	vm_flags_clear(vma, flags);
#endif
}

static inline void mmb_vm_flags_set(struct vm_area_struct *vma,
				    unsigned long flags)
{
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
	vma->vm_flags |= flags;
#else
	vm_flags_set(vma, flags);
#endif
}

/*
 * 6.5 added per-VMA locks to the fault path: a fault handler that sleeps
 * drops whichever lock the fault holds.
 */
static inline void mmb_release_fault_lock(struct vm_fault *vmf)
{
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
	mmap_read_unlock(vmf->vma->vm_mm);
#else
	release_fault_lock(vmf);
#endif
}

/* 6.8 dropped the count argument of eventfd_signal() (always 1 since). */
static inline void mmb_eventfd_signal(struct eventfd_ctx *ctx)
{
#if KERNEL_VERSION(6, 8, 0) > LINUX_VERSION_CODE
	eventfd_signal(ctx, 1);
#else
	eventfd_signal(ctx);
#endif
}

/* A shrinker: shrinker_alloc() from 6.7, a caller-owned struct before. */
typedef unsigned long (*mmb_shrink_fn)(struct shrinker *s,
				       struct shrink_control *sc);

static inline struct shrinker *
mmb_shrinker_register(mmb_shrink_fn count, mmb_shrink_fn scan, const char *name)
{
	struct shrinker *s;

#if KERNEL_VERSION(6, 7, 0) > LINUX_VERSION_CODE
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#else
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#endif
	return s;
}

static inline void mmb_shrinker_unregister(struct shrinker *s)
{
#if KERNEL_VERSION(6, 7, 0) > LINUX_VERSION_CODE
	unregister_shrinker(s);
	kfree(s);
#else
	shrinker_free(s);
#endif
}

/*
 * 6.2 made importers take a dma-buf's reservation lock around map and
 * vmap, with _unlocked variants that take it; before, static importers
 * called them bare.
 */
#if KERNEL_VERSION(6, 2, 0) > LINUX_VERSION_CODE
#define mmb_dma_buf_map(a, dir) dma_buf_map_attachment(a, dir)
#define mmb_dma_buf_unmap(a, sgt, dir) dma_buf_unmap_attachment(a, sgt, dir)
#define mmb_dma_buf_vmap(b, map) dma_buf_vmap(b, map)
#define mmb_dma_buf_vunmap(b, map) dma_buf_vunmap(b, map)
#else
#define mmb_dma_buf_map(a, dir) dma_buf_map_attachment_unlocked(a, dir)
#define mmb_dma_buf_unmap(a, sgt, dir) \
	dma_buf_unmap_attachment_unlocked(a, sgt, dir)
#define mmb_dma_buf_vmap(b, map) dma_buf_vmap_unlocked(b, map)
#define mmb_dma_buf_vunmap(b, map) dma_buf_vunmap_unlocked(b, map)
#endif

#endif /* _MMB_COMPAT_H */
