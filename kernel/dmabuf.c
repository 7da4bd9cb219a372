// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge dma-bufs: an object, or a range of the device region, shared
 * with other processes and other drivers.
 *
 * A dma-buf's file maps through the device's address_space, as every
 * device fd does (its f_mapping, as DRM's PRIME exports do), and its
 * mappings are object or region mappings at the object's or the region's
 * own page offsets: the unmap_mapping_range() of a move, a revocation or
 * removal finds them with the others, and their faults decide as the
 * others' do.
 *
 * Importing devices reach objects only in RAM, and an object's exporter is
 * a dynamic one in dma-buf's terms (pin and unpin ops; the object's own
 * reservation object):
 *
 *  - An importer that pins (every static importer, at attach; a dynamic
 *    one at each mapping on a kernel without CONFIG_DMABUF_MOVE_NOTIFY),
 *    and the kernel mapping (vmap), hold the object in RAM (moving it
 *    there first) until they let go: a move to the device returns -EBUSY
 *    meanwhile.  Evictions and removal only ever move objects to RAM.
 *  - A dynamic importer's mapping does not pin.  A move to the device
 *    takes the reservation lock, tells the importers (move_notify), waits
 *    for the reservation's fences, and only then moves.  An importer that
 *    keeps mapping the old pages anyway reaches pages of its own: each
 *    DMA mapping holds a reference to the pages it maps, and pages given
 *    up by an object that importers still map are freed when the last
 *    mapping is undone, never handed to another object.
 *
 * So no importer's DMA reaches memory that was freed or handed to someone
 * else, and a pinning importer's pages are the object's for as long as it
 * holds them.
 *
 * The region is device memory that can be revoked at any moment: pinning
 * it for another device would end revocation, and reaching it peer to peer
 * needs CONFIG_PCI_P2PDMA, which the supported kernels lack.  Attachments
 * to a region's dma-buf are refused (-EOPNOTSUPP), as VFIO's BAR dma-bufs
 * refuse pinning; its mappings are user mappings only, revocable.
 *
 * Lock order: the dma-buf's reservation lock (held by the core around
 * pin, map and vmap; by a move of the object to the device) ->
 * mmb_object.sem (mmb_obj_pin()) -> mmb_dmabuf.lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "priv.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct mmb_dmabuf - one dma-buf of mmbridge (dma_buf.priv).
 * @mdev:	the device; referenced
 * @obj:	the object, referenced; NULL for a region range
 * @rg:		the region of a region range; NULL for an object
 * @offset:	region: byte offset of the range
 * @policy:	region: enum mmb_fault_policy of the mappings
 * @lock:	@maps, @vaddr
 * @maps:	DMA mappings of attachments (struct mmb_dmabuf_map)
 * @vaddr:	the kernel mapping, or NULL
 */
struct mmb_dmabuf {
	struct mmb_device *mdev;
	struct mmb_object *obj;
	struct mmb_region *rg;
	u64 offset;
	u32 policy;
	struct mutex lock; /* @maps, @vaddr */
	struct list_head maps;
	void *vaddr;
};

/**
 * struct mmb_dmabuf_map - an attachment's DMA mapping of an object.
 * @node:	in mmb_dmabuf.maps
 * @attach:	the attachment
 * @dir:	the direction it was mapped with
 * @sgt:	the object's pages, mapped for @attach->dev: what the CPU
 *		access brackets sync and unmapping unmaps
 * @out:	a copy of @sgt for the importer, which the dma-buf core may
 *		scramble while the importer holds it (CONFIG_DMABUF_DEBUG
 *		hides the pages from importers that way)
 */
struct mmb_dmabuf_map {
	struct list_head node;
	struct dma_buf_attachment *attach;
	enum dma_data_direction dir;
	struct sg_table sgt;
	struct sg_table out;
};

/* @to: a copy of the DMA-mapped @from, pages and bus addresses alike. */
static int mmb_sgt_copy(struct sg_table *to, const struct sg_table *from)
{
	struct scatterlist *s, *d;
	unsigned int i;
	int ret;

	ret = sg_alloc_table(to, from->orig_nents, GFP_KERNEL);
	if (ret)
		return ret;
	d = to->sgl;
	for_each_sg(from->sgl, s, from->orig_nents, i) {
		sg_set_page(d, sg_page(s), s->length, s->offset);
		sg_dma_address(d) = sg_dma_address(s);
		sg_dma_len(d) = sg_dma_len(s);
		d = sg_next(d);
	}
	to->nents = from->nents;
	return 0;
}

/* A reference to every page of @sgt, for as long as it maps them. */
static void mmb_sgt_get_pages(struct sg_table *sgt)
{
	struct sg_page_iter it;

	for_each_sgtable_page(sgt, &it, 0)
		get_page(sg_page_iter_page(&it));
}

static void mmb_sgt_put_pages(struct sg_table *sgt)
{
	struct sg_page_iter it;

	for_each_sgtable_page(sgt, &it, 0)
		put_page(sg_page_iter_page(&it));
}

/*
 * The largest DMA segment of @dev, in whole pages: what it takes, and what
 * one mapping may be (swiotlb's bounce slots, for a device that needs
 * them).
 */
static unsigned int mmb_max_seg(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	return max_t(size_t, min_t(size_t, max, UINT_MAX) & PAGE_MASK,
		     PAGE_SIZE);
}

static struct sg_table *mmb_obj_map_dma_buf(struct dma_buf_attachment *attach,
					    enum dma_data_direction dir)
{
	struct mmb_dmabuf *ex = attach->dmabuf->priv;
	struct mmb_dmabuf_map *m;
	unsigned long npages;
	struct page **pages;
	int ret;

	/*
	 * A read-only dma-buf is read by devices only, whatever direction
	 * the importer asks for (the core asks for both when it maps for a
	 * static importer at attach): behind an IOMMU, its device cannot
	 * write the object.
	 */
	if (!(attach->dmabuf->file->f_mode & FMODE_WRITE))
		dir = DMA_TO_DEVICE;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	/* In RAM, and held there while the mapping is made. */
	ret = mmb_obj_pin(ex->obj, true);
	if (ret)
		goto err_free;
	pages = mmb_obj_pages(ex->obj, &npages);
	/* Segments no longer than the importing device takes. */
	ret = sg_alloc_table_from_pages_segment(&m->sgt, pages, npages, 0,
						npages << PAGE_SHIFT,
						mmb_max_seg(attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err_unpin;
	/*
	 * As DRM's PRIME helpers map: several importers may map the object
	 * at once, which the DMA API supports only without syncs of its
	 * own; CPU access is bracketed by begin/end_cpu_access.
	 */
	ret = dma_map_sgtable(attach->dev, &m->sgt, dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_sgt;
	ret = mmb_sgt_copy(&m->out, &m->sgt);
	if (ret)
		goto err_unmap;
	m->attach = attach;
	m->dir = dir;
	mutex_lock(&ex->lock);
	list_add(&m->node, &ex->maps);
	mutex_unlock(&ex->lock);
	/*
	 * The pages are the mapping's until it is undone, wherever the
	 * object goes: a pin of the importer's own (the pin op) is what
	 * keeps it here.
	 */
	mmb_sgt_get_pages(&m->sgt);
	mmb_obj_hold(ex->obj);
	return &m->out;

err_unmap:
	dma_unmap_sgtable(attach->dev, &m->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
err_sgt:
	sg_free_table(&m->sgt);
err_unpin:
	mmb_obj_unpin(ex->obj);
err_free:
	kfree(m);
	return ERR_PTR(ret);
}

static void mmb_obj_unmap_dma_buf(struct dma_buf_attachment *attach,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	struct mmb_dmabuf_map *m =
		container_of(sgt, struct mmb_dmabuf_map, out);
	struct mmb_dmabuf *ex = attach->dmabuf->priv;

	mutex_lock(&ex->lock);
	list_del(&m->node);
	mutex_unlock(&ex->lock);
	dma_unmap_sgtable(attach->dev, &m->sgt, m->dir, DMA_ATTR_SKIP_CPU_SYNC);
	mmb_sgt_put_pages(&m->sgt);
	sg_free_table(&m->sgt);
	sg_free_table(&m->out);
	kfree(m);
	mmb_obj_unhold(ex->obj);
}

/*
 * The pin op: the core's pin of a static importer's attachment, and of a
 * dynamic importer's mapping on a kernel without CONFIG_DMABUF_MOVE_NOTIFY.
 * Under the reservation lock, so no move to the device comes in between.
 */
static int mmb_obj_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct mmb_dmabuf *ex = attach->dmabuf->priv;

	return mmb_obj_pin(ex->obj, true);
}

static void mmb_obj_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct mmb_dmabuf *ex = attach->dmabuf->priv;

	mmb_obj_unpin(ex->obj);
}

/*
 * Before a move of an object to the device, its reservation lock held:
 * the importers that map without pinning are told to let go of their
 * mappings (the caller then waits for the reservation's fences).
 */
void mmb_dmabuf_move_notify(struct dma_buf *dmabuf)
{
	dma_buf_move_notify(dmabuf);
}

/*
 * CPU access brackets (DMA_BUF_IOCTL_SYNC, dma_buf_begin_cpu_access()):
 * every importer's mapping is synced, as udmabuf syncs its own.
 */
static int mmb_obj_begin_cpu_access(struct dma_buf *dmabuf,
				    enum dma_data_direction dir)
{
	struct mmb_dmabuf *ex = dmabuf->priv;
	struct mmb_dmabuf_map *m;

	mutex_lock(&ex->lock);
	list_for_each_entry(m, &ex->maps, node)
		dma_sync_sgtable_for_cpu(m->attach->dev, &m->sgt, m->dir);
	mutex_unlock(&ex->lock);
	return 0;
}

static int mmb_obj_end_cpu_access(struct dma_buf *dmabuf,
				  enum dma_data_direction dir)
{
	struct mmb_dmabuf *ex = dmabuf->priv;
	struct mmb_dmabuf_map *m;

	mutex_lock(&ex->lock);
	list_for_each_entry(m, &ex->maps, node)
		dma_sync_sgtable_for_device(m->attach->dev, &m->sgt, m->dir);
	mutex_unlock(&ex->lock);
	return 0;
}

/*
 * The kernel mapping: the object pinned in RAM, mapped contiguously, for
 * as long as the importers keep it (vmap(), not the short-lived
 * vm_map_ram()).  The core calls this once for all its users and WARNs on
 * failure, so it waits without regard to signals (for one move of the
 * object at most); mmbridge's own importer pins first, killably
 * (mmb_dmabuf_pin()).
 */
static int mmb_obj_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mmb_dmabuf *ex = dmabuf->priv;
	unsigned long npages;
	struct page **pages;
	void *vaddr;
	int ret;

	ret = mmb_obj_pin(ex->obj, false);
	if (ret)
		return ret;
	pages = mmb_obj_pages(ex->obj, &npages);
	vaddr = vmap(pages, npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		mmb_obj_unpin(ex->obj);
		return -ENOMEM;
	}
	mutex_lock(&ex->lock);
	ex->vaddr = vaddr;
	mutex_unlock(&ex->lock);
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void mmb_obj_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mmb_dmabuf *ex = dmabuf->priv;

	mutex_lock(&ex->lock);
	ex->vaddr = NULL;
	mutex_unlock(&ex->lock);
	vunmap(map->vaddr);
	mmb_obj_unpin(ex->obj);
}

/*
 * What every mapping of a dma-buf of mmbridge must be: shared (a
 * read-only dma-buf's shared mappings lack VM_SHARED, not VM_MAYSHARE),
 * and never writable when the dma-buf is not: an importer that passes
 * mmap() on with dma_buf_mmap() brings its own file's flags.
 */
static int mmb_dmabuf_mmap_check(struct dma_buf *dmabuf,
				 struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!(dmabuf->file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		mmb_vm_flags_clear(vma, VM_MAYWRITE);
	}
	return 0;
}

static int mmb_obj_dmabuf_mmap(struct dma_buf *dmabuf,
			       struct vm_area_struct *vma)
{
	struct mmb_dmabuf *ex = dmabuf->priv;
	int ret = mmb_dmabuf_mmap_check(dmabuf, vma);

	if (!ret)
		mmb_obj_vma(ex->obj, vma);
	return ret;
}

/* Drop what @ex holds, and @ex. */
static void mmb_dmabuf_free(struct mmb_dmabuf *ex)
{
	WARN_ON(!list_empty(&ex->maps) || ex->vaddr);
	if (ex->obj)
		mmb_obj_export_put(ex->obj);
	else if (ex->rg)
		atomic64_dec(&ex->rg->dmabufs);
	put_device(&ex->mdev->dev);
	kfree(ex);
}

static void mmb_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mmb_dmabuf *ex = dmabuf->priv;

	if (ex->obj)
		mmb_obj_set_dmabuf(ex->obj, NULL);
	mmb_dmabuf_free(ex);
}

static const struct dma_buf_ops mmb_obj_dmabuf_ops = {
	.pin = mmb_obj_dmabuf_pin,
	.unpin = mmb_obj_dmabuf_unpin,
	.map_dma_buf = mmb_obj_map_dma_buf,
	.unmap_dma_buf = mmb_obj_unmap_dma_buf,
	.begin_cpu_access = mmb_obj_begin_cpu_access,
	.end_cpu_access = mmb_obj_end_cpu_access,
	.vmap = mmb_obj_vmap,
	.vunmap = mmb_obj_vunmap,
	.mmap = mmb_obj_dmabuf_mmap,
	.release = mmb_dmabuf_release,
};

/* Region: no importing device (see the top of the file). */
static int mmb_region_dmabuf_attach(struct dma_buf *dmabuf,
				    struct dma_buf_attachment *attach)
{
	return -EOPNOTSUPP;
}

static struct sg_table *
mmb_region_map_dma_buf(struct dma_buf_attachment *attach,
		       enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP); /* never attached */
}

static void mmb_region_unmap_dma_buf(struct dma_buf_attachment *attach,
				     struct sg_table *sgt,
				     enum dma_data_direction dir)
{
}

/* A region mapping of the range; refused once the device is gone. */
static int mmb_region_dmabuf_mmap(struct dma_buf *dmabuf,
				  struct vm_area_struct *vma)
{
	struct mmb_dmabuf *ex = dmabuf->priv;
	int ret = mmb_dmabuf_mmap_check(dmabuf, vma);

	if (!ret)
		ret = mmb_device_alive(ex->mdev);
	/* A raw region: whoever maps it needs CAP_SYS_RAWIO, here too. */
	if (!ret && !mmb_region_get(ex->mdev, ex->rg->index, &ret))
		return ret;
	if (ret)
		return ret;
	vma->vm_pgoff +=
		(MMB_MMAP_REGION_AT(ex->rg->index, ex->policy) + ex->offset) >>
		PAGE_SHIFT;
	return mmb_region_vma(ex->mdev, vma, ex->rg->index, ex->policy);
}

static const struct dma_buf_ops mmb_region_dmabuf_ops = {
	.attach = mmb_region_dmabuf_attach,
	.map_dma_buf = mmb_region_map_dma_buf,
	.unmap_dma_buf = mmb_region_unmap_dma_buf,
	.mmap = mmb_region_dmabuf_mmap,
	.release = mmb_dmabuf_release,
};

/*
 * mmbridge as an importer (a stream's frames): an object of its own is
 * pinned in RAM here first, killably and without the core's WARN on a
 * failed vmap; the vmap then finds it in RAM and holds a pin of its own.
 * 0 for another exporter's dma-buf.
 */
int mmb_dmabuf_pin(struct dma_buf *dmabuf)
{
	struct mmb_dmabuf *ex = dmabuf->priv;

	if (dmabuf->ops != &mmb_obj_dmabuf_ops)
		return 0;
	return mmb_obj_pin(ex->obj, true);
}

void mmb_dmabuf_unpin(struct dma_buf *dmabuf)
{
	struct mmb_dmabuf *ex = dmabuf->priv;

	if (dmabuf->ops == &mmb_obj_dmabuf_ops)
		mmb_obj_unpin(ex->obj);
}

/* Whether @dmabuf is a region's export (which no device may import). */
bool mmb_dmabuf_is_region(struct dma_buf *dmabuf)
{
	return dmabuf->ops == &mmb_region_dmabuf_ops;
}

/*
 * Make the dma-buf of @ex (its fields set, the references taken; a
 * region's counted) and its fd, named @name.  On failure everything of @ex
 * is dropped, and @name freed.
 */
static long mmb_dmabuf_fd(struct mmb_dmabuf *ex, const struct mmb_export *arg,
			  const struct dma_buf_ops *ops, u64 size, char *name)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	int fd;

	info.exp_name = KBUILD_MODNAME;
	info.owner = THIS_MODULE;
	info.ops = ops;
	info.size = size;
	info.flags = arg->flags & MMB_EXPORT_WRITE ? O_RDWR : O_RDONLY;
	info.priv = ex;
	if (ex->obj)
		info.resv = mmb_obj_resv(ex->obj);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		kfree(name);
		mmb_dmabuf_free(ex);
		return PTR_ERR(dmabuf);
	}
	if (ex->obj)
		mmb_obj_set_dmabuf(ex->obj, dmabuf);
	/* From here on, release drops what @ex holds. */
	dmabuf->file->f_mapping = mmb_region_mapping(ex->mdev);
	spin_lock(&dmabuf->name_lock);
	dmabuf->name = name;
	spin_unlock(&dmabuf->name_lock);
	fd = dma_buf_fd(dmabuf,
			arg->flags & MMB_EXPORT_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		dma_buf_put(dmabuf);
	return fd;
}

static struct mmb_dmabuf *mmb_dmabuf_alloc(struct mmb_device *mdev)
{
	struct mmb_dmabuf *ex = kzalloc(sizeof(*ex), GFP_KERNEL);

	if (!ex)
		return NULL;
	mutex_init(&ex->lock);
	INIT_LIST_HEAD(&ex->maps);
	get_device(&mdev->dev);
	ex->mdev = mdev;
	return ex;
}

/* MMB_IOC_OBJ_EXPORT */
static int mmb_obj_export_check(const void *arg)
{
	const struct mmb_export *e = arg;

	if (e->flags & ~(MMB_EXPORT_CLOEXEC | MMB_EXPORT_WRITE) || !e->handle ||
	    e->policy || e->offset || e->size)
		return -EINVAL;
	return 0;
}

static long mmb_ioctl_obj_export(void *ctx, struct file *file, void *arg)
{
	struct mmb_file *mf = ctx;
	struct mmb_device *mdev = mf->mdev;
	const struct mmb_export *e = arg;
	struct mmb_object *obj;
	struct mmb_dmabuf *ex;
	char *name;

	if (!(mdev->core->caps & MMB_CAP_OBJECT))
		return -EOPNOTSUPP;
	obj = mmb_obj_export_get(mf, e->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	name = kasprintf(GFP_KERNEL, "%s object %u", dev_name(&mdev->dev),
			 mmb_obj_id(obj));
	ex = mmb_dmabuf_alloc(mdev);
	if (ex)
		ex->obj = obj;
	else
		mmb_obj_export_put(obj);
	if (!ex || !name) {
		kfree(name);
		if (ex)
			mmb_dmabuf_free(ex);
		return -ENOMEM;
	}
	return mmb_dmabuf_fd(ex, e, &mmb_obj_dmabuf_ops, mmb_obj_bytes(obj),
			     name);
}

/* MMB_IOC_REGION_EXPORT */
static int mmb_region_export_check(const void *arg)
{
	const struct mmb_export *e = arg;

	if (e->flags & ~(MMB_EXPORT_CLOEXEC | MMB_EXPORT_WRITE) ||
	    e->policy > MMB_FAULT_WAIT || !e->size ||
	    !PAGE_ALIGNED(e->offset) || !PAGE_ALIGNED(e->size))
		return -EINVAL;
	return 0;
}

static long mmb_ioctl_region_export(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	const struct mmb_export *e = arg;
	struct mmb_dmabuf *ex;
	struct mmb_region *rg;
	char *name;
	int ret;

	if (!(mdev->core->caps & MMB_CAP_MAP))
		return -EOPNOTSUPP;
	rg = mmb_region_get(mdev, e->handle, &ret);
	if (!rg)
		return ret;
	if (e->offset >= rg->mem->size || e->size > rg->mem->size - e->offset)
		return -ENXIO;
	/* Region 0 keeps the name it had before there were others. */
	name = rg->index ? kasprintf(GFP_KERNEL, "%s region%u %#llx+%#llx",
				     dev_name(&mdev->dev), rg->index, e->offset,
				     e->size) :
			   kasprintf(GFP_KERNEL, "%s region %#llx+%#llx",
				     dev_name(&mdev->dev), e->offset, e->size);
	ex = mmb_dmabuf_alloc(mdev);
	if (ex) {
		ex->rg = rg;
		atomic64_inc(&rg->dmabufs);
	}
	if (!ex || !name) {
		kfree(name);
		if (ex)
			mmb_dmabuf_free(ex);
		return -ENOMEM;
	}
	ex->offset = e->offset;
	ex->policy = e->policy;
	return mmb_dmabuf_fd(ex, e, &mmb_region_dmabuf_ops, e->size, name);
}

static const struct mmb_ioctl_desc mmb_dmabuf_ioctls[] = {
	MMB_IOCTL(MMB_IOC_OBJ_EXPORT, struct mmb_export, size, MMB_IOCTL_ALIVE,
		  mmb_obj_export_check, mmb_ioctl_obj_export),
	MMB_IOCTL(MMB_IOC_REGION_EXPORT, struct mmb_export, size,
		  MMB_IOCTL_ALIVE, mmb_region_export_check,
		  mmb_ioctl_region_export),
};

const struct mmb_mechanism mmb_dmabuf_mech = {
	.name = "dmabuf",
	.ioctls = mmb_dmabuf_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_dmabuf_ioctls),
};
