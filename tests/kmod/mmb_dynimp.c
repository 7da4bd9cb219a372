// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_dynimp: a dma-buf importer for tests, as a device driver imports:
 * attach, map for DMA under the reservation lock, and for a dynamic
 * importer, a move_notify that unmaps (as RDMA's and amdgpu's do), or, for
 * a broken importer (DYNIMP_IGNORE), one that keeps using the old
 * mapping.  The "device" reads and writes, through the CPU, the memory
 * at the DMA addresses it was given: what its DMA would reach.
 *
 * It knows nothing of mmbridge: any exporter's dma-buf is imported alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmb_dynimp.h"

MODULE_IMPORT_NS(DMA_BUF);

static struct platform_device *dynimp_pdev;

/**
 * struct dynimp - one importer.
 * @lock:	@dmabuf and @attach against each other's ioctls
 * @dmabuf:	the imported dma-buf, referenced
 * @attach:	its attachment
 * @flags:	DYNIMP_*
 * @sgt:	the DMA mapping, or NULL; the reservation lock
 * @notified:	move_notify calls; the reservation lock
 */
struct dynimp {
	struct mutex lock; /* @dmabuf, @attach */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	u32 flags;
	struct sg_table *sgt;
	u32 notified;
};

static void dynimp_move_notify(struct dma_buf_attachment *attach)
{
	struct dynimp *di = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	di->notified++;
	if (di->sgt && !(di->flags & DYNIMP_IGNORE)) {
		dma_buf_unmap_attachment(attach, di->sgt, DMA_BIDIRECTIONAL);
		di->sgt = NULL;
	}
}

static const struct dma_buf_attach_ops dynimp_attach_ops = {
	.move_notify = dynimp_move_notify,
};

static int dynimp_open(struct inode *inode, struct file *file)
{
	struct dynimp *di = kzalloc(sizeof(*di), GFP_KERNEL);

	if (!di)
		return -ENOMEM;
	mutex_init(&di->lock);
	file->private_data = di;
	return 0;
}

static int dynimp_attach(struct dynimp *di, const struct dynimp_attach *a)
{
	const struct dma_buf_attach_ops *ops;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;

	if (a->flags & ~(DYNIMP_DYNAMIC | DYNIMP_IGNORE))
		return -EINVAL;
	if (di->dmabuf)
		return -EBUSY;
	dmabuf = dma_buf_get(a->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	di->flags = a->flags;
	ops = a->flags & DYNIMP_DYNAMIC ? &dynimp_attach_ops : NULL;
	attach = dma_buf_dynamic_attach(dmabuf, &dynimp_pdev->dev, ops, di);
	if (IS_ERR(attach)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}
	di->dmabuf = dmabuf;
	di->attach = attach;
	return 0;
}

static int dynimp_map(struct dynimp *di)
{
	struct sg_table *sgt;
	int ret = 0;

	if (!di->attach)
		return -ENXIO;
	dma_resv_lock(di->dmabuf->resv, NULL);
	if (di->sgt) {
		ret = -EBUSY;
	} else {
		sgt = dma_buf_map_attachment(di->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			ret = PTR_ERR(sgt);
		else
			di->sgt = sgt;
	}
	dma_resv_unlock(di->dmabuf->resv);
	return ret;
}

/* The reservation lock held. */
static void __dynimp_unmap(struct dynimp *di)
{
	dma_buf_unmap_attachment(di->attach, di->sgt, DMA_BIDIRECTIONAL);
	di->sgt = NULL;
}

static int dynimp_unmap(struct dynimp *di)
{
	int ret = 0;

	if (!di->attach)
		return -ENXIO;
	dma_resv_lock(di->dmabuf->resv, NULL);
	if (di->sgt)
		__dynimp_unmap(di);
	else
		ret = -ENOENT;
	dma_resv_unlock(di->dmabuf->resv);
	return ret;
}

/*
 * Copy between @bounce and the memory at the mapping's DMA addresses, as
 * the device would reach it: the platform device has no IOMMU, so a DMA
 * address is a physical one (dma_to_phys()).  The pages of the
 * scatterlist are not used: an importer must not (CONFIG_DMABUF_DEBUG
 * scrambles them).  The reservation lock held.
 */
static int dynimp_copy(struct dynimp *di, u64 off, void *bounce, size_t size,
		       bool write)
{
	struct device *dev = &dynimp_pdev->dev;
	struct scatterlist *sg;
	size_t done = 0, n;
	unsigned int i;
	phys_addr_t phys;
	u64 pos = 0, end;
	void *va;

	for_each_sgtable_dma_sg(di->sgt, sg, i) {
		end = pos + sg_dma_len(sg);
		while (done < size && off + done >= pos && off + done < end) {
			phys = dma_to_phys(dev, sg_dma_address(sg) + off +
							done - pos);
			n = min3(size - done, (size_t)(end - off - done),
				 (size_t)(PAGE_SIZE - offset_in_page(phys)));
			va = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
			if (write)
				memcpy(va + offset_in_page(phys), bounce + done,
				       n);
			else
				memcpy(bounce + done, va + offset_in_page(phys),
				       n);
			kunmap_local(va);
			done += n;
		}
		pos = end;
	}
	return done == size ? 0 : -EIO;
}

/*
 * Copy between @buf and what the mapping reaches, under the reservation
 * lock (no move comes in between), through a buffer of the module's own:
 * user memory is not touched under a reservation lock.
 */
static int dynimp_rw(struct dynimp *di, const struct dynimp_rw *rw)
{
	void __user *ubuf = u64_to_user_ptr(rw->buf);
	void *bounce;
	int ret = 0;

	if (!di->attach)
		return -ENXIO;
	if (rw->pad || rw->write > 1 || !rw->size || rw->size > SZ_16M ||
	    rw->offset > di->dmabuf->size ||
	    rw->size > di->dmabuf->size - rw->offset)
		return -EINVAL;
	bounce = kvmalloc(rw->size, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (rw->write && copy_from_user(bounce, ubuf, rw->size)) {
		ret = -EFAULT;
		goto out;
	}
	dma_resv_lock(di->dmabuf->resv, NULL);
	if (!di->sgt)
		ret = -ESTALE;
	else
		ret = dynimp_copy(di, rw->offset, bounce, rw->size, rw->write);
	dma_resv_unlock(di->dmabuf->resv);
	if (!ret && !rw->write && copy_to_user(ubuf, bounce, rw->size))
		ret = -EFAULT;
out:
	kvfree(bounce);
	return ret;
}

static int dynimp_info(struct dynimp *di, struct dynimp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->move_notify = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY);
	if (!di->attach)
		return 0;
	dma_resv_lock(di->dmabuf->resv, NULL);
	info->notified = di->notified;
	info->mapped = !!di->sgt;
	dma_resv_unlock(di->dmabuf->resv);
	return 0;
}

static long dynimp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct dynimp *di = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct dynimp_attach a;
	struct dynimp_info info;
	struct dynimp_rw rw;
	long ret;

	mutex_lock(&di->lock);
	switch (cmd) {
	case DYNIMP_IOC_ATTACH:
		ret = -EFAULT;
		if (!copy_from_user(&a, uarg, sizeof(a)))
			ret = dynimp_attach(di, &a);
		break;
	case DYNIMP_IOC_MAP:
		ret = dynimp_map(di);
		break;
	case DYNIMP_IOC_UNMAP:
		ret = dynimp_unmap(di);
		break;
	case DYNIMP_IOC_RW:
		ret = -EFAULT;
		if (!copy_from_user(&rw, uarg, sizeof(rw)))
			ret = dynimp_rw(di, &rw);
		break;
	case DYNIMP_IOC_INFO:
		ret = dynimp_info(di, &info);
		if (!ret && copy_to_user(uarg, &info, sizeof(info)))
			ret = -EFAULT;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&di->lock);
	return ret;
}

static int dynimp_release(struct inode *inode, struct file *file)
{
	struct dynimp *di = file->private_data;

	if (di->attach) {
		dma_resv_lock(di->dmabuf->resv, NULL);
		if (di->sgt)
			__dynimp_unmap(di);
		dma_resv_unlock(di->dmabuf->resv);
		dma_buf_detach(di->dmabuf, di->attach);
		dma_buf_put(di->dmabuf);
	}
	kfree(di);
	return 0;
}

static const struct file_operations dynimp_fops = {
	.owner = THIS_MODULE,
	.open = dynimp_open,
	.release = dynimp_release,
	.unlocked_ioctl = dynimp_ioctl,
};

static struct miscdevice dynimp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mmb_dynimp",
	.fops = &dynimp_fops,
	.mode = 0600,
};

static int __init dynimp_init(void)
{
	int ret;

	dynimp_pdev =
		platform_device_register_simple("mmb_dynimp", -1, NULL, 0);
	if (IS_ERR(dynimp_pdev))
		return PTR_ERR(dynimp_pdev);
	ret = dma_coerce_mask_and_coherent(&dynimp_pdev->dev, DMA_BIT_MASK(64));
	if (!ret)
		ret = misc_register(&dynimp_misc);
	if (ret)
		platform_device_unregister(dynimp_pdev);
	return ret;
}

static void __exit dynimp_exit(void)
{
	misc_deregister(&dynimp_misc);
	platform_device_unregister(dynimp_pdev);
}

module_init(dynimp_init);
module_exit(dynimp_exit);
MODULE_DESCRIPTION("A dma-buf importer for mmbridge's tests");
MODULE_LICENSE("GPL");
