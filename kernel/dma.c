// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge DMA and device memory: MMB_IOC_DMA moves bytes between a
 * process's buffer and the device through the device's DMA engine (and a
 * kernel bounce buffer), MMB_IOC_MEM_RW through the CPU (struct mmb_mem).
 * mmb_dma_kernel() is the same engine for the kernel's own buffers (the
 * stream's pattern load).
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "priv.h"

/*
 * Validate a transfer against a window of @window bytes.  Exactly one
 * direction flag, no reserved bits, a non-empty range inside the window.
 */
static int mmb_check_xfer(const struct mmb_xfer *x, u64 window)
{
	u32 dir = x->flags & (MMB_XFER_TO_DEVICE | MMB_XFER_FROM_DEVICE);
	u64 end;

	if (x->flags & ~(MMB_XFER_TO_DEVICE | MMB_XFER_FROM_DEVICE))
		return -EINVAL;
	if (dir != MMB_XFER_TO_DEVICE && dir != MMB_XFER_FROM_DEVICE)
		return -EINVAL;
	if (x->reserved)
		return -EINVAL;
	if (!x->length || x->length > MMB_XFER_MAX)
		return -EINVAL;
	if (check_add_overflow(x->dev_offset, x->length, &end) || end > window)
		return -EINVAL;
	return 0;
}

/* A transfer the device can do: @cap, and the range inside @window. */
static int mmb_xfer_ok(struct mmb_device *mdev, const struct mmb_xfer *x,
		       u64 cap, u64 window)
{
	if (!(mdev->core->caps & cap))
		return -EOPNOTSUPP;
	return mmb_check_xfer(x, window);
}

/**
 * mmb_dma_gfp() - zone flags for kernel memory a device's engine reaches.
 * @dev:	the device for the DMA API
 *
 * Without an IOMMU or bounce buffers a streaming mapping only works for
 * memory below the device's DMA mask; when the mask does not cover all of
 * memory, allocate in a zone below it, as dma-direct does for coherent
 * buffers.
 *
 * Return: GFP_DMA, GFP_DMA32 or 0.
 */
gfp_t mmb_dma_gfp(struct device *dev)
{
	u64 mask = dma_get_mask(dev);

	if (dma_get_required_mask(dev) <= mask)
		return 0;
	if (mask < DMA_BIT_MASK(32))
		return GFP_DMA;
	if (mask < DMA_BIT_MASK(64))
		return GFP_DMA32;
	return 0;
}

/*
 * One DMA transfer through a kernel bounce buffer.  The buffer belongs to
 * both the submitter and the engine: a submitter killed while the device
 * still works on it leaves the last put, and the free, to the completion.
 * The buffer is DMA-mapped only from submission to completion, and every
 * submitted request completes before the backend's remove returns, so no
 * mapping outlives the device; the buffer itself is plain memory.
 */
struct mmb_dma_xfer {
	struct mmb_dma_req req;
	struct completion done;
	refcount_t ref;
	struct work_struct free_work;
	struct device *dma_dev;
	void *buf;
	size_t len;
	bool pages;
	bool mapped;
};

static void mmb_dma_xfer_free(struct mmb_dma_xfer *x)
{
	if (x->pages)
		free_pages_exact(x->buf, x->len);
	else
		kvfree(x->buf);
	kfree(x);
}

static void mmb_dma_xfer_free_work(struct work_struct *work)
{
	mmb_dma_xfer_free(container_of(work, struct mmb_dma_xfer, free_work));
}

static enum dma_data_direction mmb_dma_xfer_dir(struct mmb_dma_xfer *x)
{
	return x->req.to_device ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
}

/* Any context: the engine is done with the buffer, or never had it. */
static void mmb_dma_xfer_unmap(struct mmb_dma_xfer *x)
{
	if (!x->mapped)
		return;
	dma_unmap_single(x->dma_dev, x->req.dma_addr, x->len,
			 mmb_dma_xfer_dir(x));
	x->mapped = false;
	mmb_dma_mapped(-1);
}

static void mmb_dma_xfer_done(struct mmb_dma_req *req)
{
	struct mmb_dma_xfer *x = container_of(req, struct mmb_dma_xfer, req);

	mmb_dma_xfer_unmap(x);
	complete(&x->done);
	/* Possibly hard-IRQ context: the buffer is freed elsewhere. */
	if (refcount_dec_and_test(&x->ref))
		queue_work(mmb_wq, &x->free_work);
}

/* A transfer of @len bytes with a kernel buffer, not yet submitted. */
static struct mmb_dma_xfer *mmb_dma_xfer_alloc(struct mmb_device *mdev,
					       u64 dev_offset, size_t len,
					       bool to_device)
{
	struct mmb_dma_xfer *x;
	int ret;

	ret = mmb_device_alive(mdev);
	if (ret)
		return ERR_PTR(ret);
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return ERR_PTR(-ENOMEM);
	x->len = len;
	if (mdev->dma_cpu) {
		/* A failure is the caller's -ENOMEM, not a report in the log. */
		x->buf = kvmalloc(len, GFP_KERNEL | __GFP_NOWARN);
	} else {
		/* One mapping: physically contiguous, below the DMA mask. */
		gfp_t gfp = GFP_KERNEL | __GFP_NOWARN |
			    mmb_dma_gfp(mdev->core->dma_dev);

		x->pages = true;
		x->buf = alloc_pages_exact(len, gfp);
	}
	if (!x->buf) {
		kfree(x);
		return ERR_PTR(-ENOMEM);
	}
	init_completion(&x->done);
	refcount_set(&x->ref, 1);
	INIT_WORK(&x->free_work, mmb_dma_xfer_free_work);
	x->req.cpu_addr = x->buf;
	x->req.dev_offset = dev_offset;
	x->req.len = len;
	x->req.to_device = to_device;
	x->req.done = mmb_dma_xfer_done;
	return x;
}

static void mmb_dma_xfer_put(struct mmb_dma_xfer *x)
{
	if (refcount_dec_and_test(&x->ref))
		mmb_dma_xfer_free(x);
}

/*
 * Submit @x and wait for it (killable); 0 or -errno.  The buffer is mapped
 * inside mmb_device_enter(), so a removal either finds the request queued
 * (and the backend completes it, which unmaps it) or it is never mapped.
 */
static int mmb_dma_xfer_run(struct mmb_device *mdev, struct mmb_dma_xfer *x)
{
	dma_addr_t dma;
	int ret;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	if (!mdev->dma_cpu) {
		dma = dma_map_single(mdev->core->dma_dev, x->buf, x->len,
				     mmb_dma_xfer_dir(x));
		if (dma_mapping_error(mdev->core->dma_dev, dma)) {
			mmb_device_leave(mdev);
			return -ENOMEM;
		}
		x->dma_dev = mdev->core->dma_dev;
		x->req.dma_addr = dma;
		x->mapped = true;
		mmb_dma_mapped(1);
	}
	refcount_inc(&x->ref);
	ret = mdev->ops->dma_submit(mdev, &x->req);
	if (ret) {
		refcount_dec(&x->ref);
		mmb_dma_xfer_unmap(x);
	}
	mmb_device_leave(mdev);
	if (ret)
		return ret;
	if (wait_for_completion_killable(&x->done))
		return -EINTR;
	return x->req.status;
}

/**
 * mmb_dma_kernel() - move bytes between a kernel buffer and the device.
 * @mdev:	a device with MMB_CAP_DMA
 * @dev_offset:	offset in its DMA window (the caller checked the range)
 * @buf:	kernel buffer
 * @len:	bytes
 * @to_device:	direction
 *
 * Sleeps until the engine is done (killable).
 *
 * Return: 0 or -errno.
 */
int mmb_dma_kernel(struct mmb_device *mdev, u64 dev_offset, void *buf,
		   size_t len, bool to_device)
{
	struct mmb_dma_xfer *x;
	int ret;

	x = mmb_dma_xfer_alloc(mdev, dev_offset, len, to_device);
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (to_device)
		memcpy(x->buf, buf, len);
	ret = mmb_dma_xfer_run(mdev, x);
	if (!ret && !to_device)
		memcpy(buf, x->buf, len);
	mmb_dma_xfer_put(x);
	return ret;
}

static long mmb_ioctl_dma(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	struct mmb_xfer *args = arg;
	struct mmb_dma_xfer *x;
	void __user *ubuf;
	int ret;

	ret = mmb_xfer_ok(mdev, args, MMB_CAP_DMA, mdev->dma_window);
	if (ret)
		return ret;
	ubuf = u64_to_user_ptr(args->user_addr);

	x = mmb_dma_xfer_alloc(mdev, args->dev_offset, args->length,
			       args->flags & MMB_XFER_TO_DEVICE);
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (x->req.to_device && copy_from_user(x->buf, ubuf, x->len)) {
		ret = -EFAULT;
		goto out_put;
	}
	ret = mmb_dma_xfer_run(mdev, x);
	if (!ret && !x->req.to_device && copy_to_user(ubuf, x->buf, x->len))
		ret = -EFAULT;
out_put:
	mmb_dma_xfer_put(x);
	return ret;
}

#define MMB_MEM_CHUNK (64 * 1024)

static long mmb_ioctl_mem_rw(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	struct mmb_xfer *args = arg;
	void __user *ubuf;
	u64 done = 0;
	bool to_device;
	void *bounce;
	int ret;

	ret = mmb_xfer_ok(mdev, args, MMB_CAP_DEVMEM, mdev->mem.size);
	if (ret)
		return ret;
	ubuf = u64_to_user_ptr(args->user_addr);
	to_device = args->flags & MMB_XFER_TO_DEVICE;

	bounce = kmalloc(min_t(u64, args->length, MMB_MEM_CHUNK), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < args->length) {
		size_t n = min_t(u64, args->length - done, MMB_MEM_CHUNK);

		if (to_device && copy_from_user(bounce, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = mmb_device_enter(mdev);
		if (ret)
			break;
		if (to_device)
			mmb_mem_write(&mdev->mem, args->dev_offset + done,
				      bounce, n);
		else
			mmb_mem_read(&mdev->mem, args->dev_offset + done,
				     bounce, n);
		mmb_device_leave(mdev);
		if (!to_device && copy_to_user(ubuf + done, bounce, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(bounce);
	return ret;
}

static const struct mmb_ioctl_desc mmb_dma_ioctls[] = {
	MMB_IOCTL(MMB_IOC_DMA, struct mmb_xfer, reserved, 0, NULL,
		  mmb_ioctl_dma),
	MMB_IOCTL(MMB_IOC_MEM_RW, struct mmb_xfer, reserved, 0, NULL,
		  mmb_ioctl_mem_rw),
};

const struct mmb_mechanism mmb_dma_mech = {
	.name = "dma",
	.ioctls = mmb_dma_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_dma_ioctls),
};
