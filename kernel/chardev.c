// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge char-device front: open/release and ioctl.  Every request is
 * validated here in full before a mechanism or backend sees it.
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "priv.h"

static int mmb_open(struct inode *inode, struct file *file)
{
	struct mmb_device *mdev =
		container_of(inode->i_cdev, struct mmb_device, cdev);
	struct mmb_file *mf;
	int ret;

	ret = mmb_device_alive(mdev);
	if (ret)
		return ret;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	get_device(&mdev->dev);
	refcount_set(&mf->ref, 1);
	mf->mdev = mdev;
	mmb_copyfd_init(&mf->copy);
	mf->copy.mode = READ_ONCE(mdev->copy_mode);
	mmb_notify_fd_init(&mf->notify);
	file->private_data = mf;
	/* One address_space for all files: revocation reaches every mapping. */
	file->f_mapping = mmb_region_mapping(mdev);
	/*
	 * The file position is the copy source's stream offset (pread() and
	 * async reads name theirs); reads and writes that must not block say
	 * so with -EAGAIN, so io_uring tries them inline first.  read() takes
	 * and advances the position atomically, as for a regular file: two
	 * threads sharing the file never read the same bytes of the stream.
	 */
	file->f_mode |= FMODE_NOWAIT | FMODE_ATOMIC_POS;
	return 0;
}

static void mmb_stop_owned_timer(struct mmb_device *mdev, struct file *file)
{
	if (mmb_device_enter(mdev))
		return;
	mutex_lock(&mdev->ctl_lock);
	if (mdev->timer_owner == file) {
		mdev->ops->irq_timer(mdev, 0);
		mdev->timer_owner = NULL;
	}
	mutex_unlock(&mdev->ctl_lock);
	mmb_device_leave(mdev);
}

/**
 * mmb_file_put() - drop a reference to an open file's state.
 * @mf:	the state
 *
 * The last reference frees it and drops the device and the module
 * reference that mmb_release() took for whoever comes last: a copy that
 * ends after release() runs this in a worker thread.
 */
void mmb_file_put(struct mmb_file *mf)
{
	struct mmb_device *mdev = mf->mdev;

	if (!refcount_dec_and_test(&mf->ref))
		return;
	kfree(mf);
	put_device(&mdev->dev);
	module_put(THIS_MODULE);
}

static int mmb_release(struct inode *inode, struct file *file)
{
	struct mmb_file *mf = file->private_data;
	struct mmb_device *mdev = mf->mdev;

	mmb_stop_owned_timer(mdev, file);
	mmb_notify_fd_release(mdev, &mf->notify, file);
	mmb_copyfd_release(&mf->copy);
	mmb_obj_release_file(mf);
	/* The file's own module reference ends with this call. */
	__module_get(THIS_MODULE);
	mmb_file_put(mf);
	return 0;
}

/**
 * mmb_get_args() - copy an ioctl argument struct in.
 * @karg:	kernel copy
 * @ksize:	its size
 * @minsz:	size of the struct's first version
 * @uarg:	user pointer
 *
 * A shorter argsz than @minsz is -EINVAL.  A longer one than @ksize is
 * accepted when the bytes the kernel does not know are zero (-E2BIG
 * otherwise); more than a page is -E2BIG without looking, so no call scans
 * much user memory.
 *
 * Return: 0 or -errno.
 */
int mmb_get_args(void *karg, size_t ksize, size_t minsz, void __user *uarg)
{
	u32 argsz;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < minsz)
		return -EINVAL;
	if (argsz > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, argsz);
}

/**
 * mmb_get_out_args() - copy in the argument struct of an ioctl with output.
 * @karg:	kernel copy
 * @ksize:	its size
 * @minsz:	size of the struct's first version
 * @uarg:	user pointer
 *
 * As mmb_get_args(), and then the bytes that the result will be written
 * back to are written once already, with what was read: a struct the
 * caller cannot write is -EFAULT before the ioctl has done anything, so no
 * call fails after a change the caller cannot learn about.
 *
 * Return: 0 or -errno.
 */
int mmb_get_out_args(void *karg, size_t ksize, size_t minsz, void __user *uarg)
{
	u32 argsz;
	int ret;

	ret = mmb_get_args(karg, ksize, minsz, uarg);
	if (ret)
		return ret;
	argsz = *(u32 *)karg;
	if (copy_to_user(uarg, karg, min_t(size_t, argsz, ksize)))
		return -EFAULT;
	return 0;
}

/* Copy an output struct back, as much of it as the caller knows. */
static int mmb_put_args(void __user *uarg, const void *karg, size_t ksize,
			u32 argsz)
{
	return copy_to_user(uarg, karg, min_t(size_t, argsz, ksize)) ? -EFAULT :
								       0;
}

static long mmb_ioctl_info(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_info info;
	int ret;

	ret = mmb_get_out_args(&info, sizeof(info),
			       offsetofend(struct mmb_info, name), uarg);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	info.abi_version = MMB_ABI_VERSION;
	info.backend = mdev->kind;
	info.caps = mdev->caps;
	info.mem_size = mdev->mem_size;
	info.event_count = mmb_notify_count(mdev);
	info.irq_handled = mmb_notify_handled(mdev);
	info.dma_window = mdev->dma_window;
	info.instance = mdev->instance;
	memset(info.name, 0, sizeof(info.name));
	strscpy(info.name, dev_name(&mdev->dev), sizeof(info.name));
	mmb_device_leave(mdev);

	return mmb_put_args(uarg, &info, sizeof(info), info.argsz);
}

static bool mmb_trigger_seen(struct mmb_device *mdev, u64 before)
{
	return mmb_notify_triggers(mdev) != before;
}

/*
 * Waits up to a second for a trigger after @before, and when a signal cuts
 * that short, up to a second more without signals; jiffies left or 0.
 */
static long mmb_trigger_wait(struct mmb_device *mdev, u64 before)
{
	long left;

	/* Aligned arguments, not a break after the parenthesis. */
	/* clang-format off */
	left = wait_event_interruptible_timeout(mdev->notify.wq,
						mmb_trigger_seen(mdev, before),
						HZ);
	if (left < 0)
		left = wait_event_timeout(mdev->notify.wq,
					  mmb_trigger_seen(mdev, before), HZ);
	/* clang-format on */
	return left;
}

/*
 * Raise one interrupt and, if @wait, wait until the handler has seen it.
 * The device is entered per interrupt, so a removal waits for one
 * interrupt at most.  A raised interrupt is waited for even when a signal
 * arrives meanwhile (at most a second more, uninterruptibly: the handler
 * runs within microseconds), so that a caller interrupted between two
 * interrupts knows exactly how many reached the handler.
 */
static int mmb_trigger_one(struct mmb_device *mdev, bool wait)
{
	u64 before;
	long left;
	int ret;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&mdev->ctl_lock)) {
		mmb_device_leave(mdev);
		return -EINTR;
	}
	before = mmb_notify_triggers(mdev);
	ret = mdev->ops->irq_raise(mdev);
	if (!ret && wait) {
		left = mmb_trigger_wait(mdev, before);
		if (!left)
			ret = -ETIMEDOUT;
	}
	mutex_unlock(&mdev->ctl_lock);
	mmb_device_leave(mdev);
	return ret;
}

static long mmb_ioctl_irq_trigger(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_irq_trigger trig;
	int ret;

	ret = mmb_get_out_args(&trig, sizeof(trig),
			       offsetofend(struct mmb_irq_trigger, reserved),
			       uarg);
	if (ret)
		return ret;
	if ((trig.flags & ~MMB_IRQ_TRIGGER_NOWAIT) || trig.reserved)
		return -EINVAL;
	if (!trig.count || trig.count > MMB_IRQ_TRIGGER_MAX)
		return -EINVAL;
	if ((trig.flags & MMB_IRQ_TRIGGER_NOWAIT) && trig.count != 1)
		return -EINVAL;
	if (!(mdev->caps & MMB_CAP_IRQ))
		return -EOPNOTSUPP;

	/*
	 * The handler may finish before the wait starts, so the wait would
	 * never notice a signal: look for one before every interrupt.
	 */
	trig.raised = 0;
	while (trig.raised < trig.count) {
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = mmb_trigger_one(mdev,
				      !(trig.flags & MMB_IRQ_TRIGGER_NOWAIT));
		if (ret)
			break;
		trig.raised++;
		cond_resched();
	}
	if (mmb_put_args(uarg, &trig, sizeof(trig), trig.argsz))
		return -EFAULT;
	/* Nothing happened yet: the call may be restarted. */
	if (ret == -EINTR && !trig.raised)
		return -ERESTARTSYS;
	return ret;
}

static long mmb_ioctl_irq_timer(struct mmb_device *mdev, struct file *file,
				void __user *uarg)
{
	struct mmb_irq_timer tm;
	int ret;

	ret = mmb_get_args(&tm, sizeof(tm),
			   offsetofend(struct mmb_irq_timer, period_ns), uarg);
	if (ret)
		return ret;
	if (tm.flags)
		return -EINVAL;
	if (tm.period_ns && (tm.period_ns < MMB_IRQ_PERIOD_MIN_NS ||
			     tm.period_ns > MMB_IRQ_PERIOD_MAX_NS))
		return -EINVAL;
	if (!(mdev->caps & MMB_CAP_IRQ_TIMER))
		return -EOPNOTSUPP;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	mutex_lock(&mdev->ctl_lock);
	ret = mdev->ops->irq_timer(mdev, tm.period_ns);
	if (!ret)
		mdev->timer_owner = tm.period_ns ? file : NULL;
	mutex_unlock(&mdev->ctl_lock);
	mmb_device_leave(mdev);
	return ret;
}

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

/* Copy in and validate a transfer for a backend that has @cap. */
static int mmb_get_xfer(struct mmb_device *mdev, struct mmb_xfer *x,
			void __user *uarg, u64 cap, u64 window)
{
	int ret;

	ret = mmb_get_args(x, sizeof(*x),
			   offsetofend(struct mmb_xfer, reserved), uarg);
	if (ret)
		return ret;
	if (!(mdev->caps & cap))
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
			    mmb_dma_gfp(mdev->dma_dev);

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
		dma = dma_map_single(mdev->dma_dev, x->buf, x->len,
				     mmb_dma_xfer_dir(x));
		if (dma_mapping_error(mdev->dma_dev, dma)) {
			mmb_device_leave(mdev);
			return -ENOMEM;
		}
		x->dma_dev = mdev->dma_dev;
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

static long mmb_ioctl_dma(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_dma_xfer *x;
	struct mmb_xfer args;
	void __user *ubuf;
	int ret;

	ret = mmb_get_xfer(mdev, &args, uarg, MMB_CAP_DMA, mdev->dma_window);
	if (ret)
		return ret;
	ubuf = u64_to_user_ptr(args.user_addr);

	x = mmb_dma_xfer_alloc(mdev, args.dev_offset, args.length,
			       args.flags & MMB_XFER_TO_DEVICE);
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

/* Copy between device memory and a kernel buffer, inside enter/leave. */
static void mmb_mem_copy(struct mmb_device *mdev, u64 off, void *buf,
			 size_t len, bool to_device)
{
	if (mdev->mem_io && to_device) {
		memcpy_toio(mdev->mem_io + off, buf, len);
		wmb(); /* drain write-combining buffers */
	} else if (mdev->mem_io) {
		memcpy_fromio(buf, mdev->mem_io + off, len);
	} else if (to_device) {
		memcpy(mdev->mem_virt + off, buf, len);
	} else {
		memcpy(buf, mdev->mem_virt + off, len);
	}
}

static long mmb_ioctl_mem_rw(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_xfer args;
	void __user *ubuf;
	u64 done = 0;
	bool to_device;
	void *bounce;
	int ret;

	ret = mmb_get_xfer(mdev, &args, uarg, MMB_CAP_DEVMEM, mdev->mem_size);
	if (ret)
		return ret;
	ubuf = u64_to_user_ptr(args.user_addr);
	to_device = args.flags & MMB_XFER_TO_DEVICE;

	bounce = kmalloc(min_t(u64, args.length, MMB_MEM_CHUNK), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < args.length) {
		size_t n = min_t(u64, args.length - done, MMB_MEM_CHUNK);

		if (to_device && copy_from_user(bounce, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = mmb_device_enter(mdev);
		if (ret)
			break;
		mmb_mem_copy(mdev, args.dev_offset + done, bounce, n,
			     to_device);
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

/*
 * Copy-engine ioctls: validated here, carried out in copyfd.c.  A new
 * configuration is refused on a removed device; the counters can still be
 * read.
 */
static long mmb_ioctl_copy_config(struct file *file, void __user *uarg)
{
	struct mmb_file *mf = file->private_data;
	struct mmb_copy_config cc;
	int ret;

	ret = mmb_get_args(&cc, sizeof(cc),
			   offsetofend(struct mmb_copy_config, offset), uarg);
	if (!ret)
		ret = mmb_device_alive(mf->mdev);
	return ret ? ret : mmb_copyfd_config(&mf->copy, file, &cc);
}

static long mmb_ioctl_copy_status(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_copy_status st;
	int ret;

	ret = mmb_get_out_args(&st, sizeof(st),
			       offsetofend(struct mmb_copy_status, cancelled),
			       uarg);
	if (ret)
		return ret;
	if (st.flags)
		return -EINVAL;
	mmb_copyfd_status(&mf->copy, &st);
	st.reserved = 0;
	return mmb_put_args(uarg, &st, sizeof(st), st.argsz);
}

static long mmb_ioctl_irq_copy(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_irq_copy ic;
	int ret;

	ret = mmb_get_args(&ic, sizeof(ic),
			   offsetofend(struct mmb_irq_copy, user_addr), uarg);
	if (!ret)
		ret = mmb_device_alive(mf->mdev);
	return ret ? ret : mmb_copyfd_irq_copy(&mf->copy, mf->mdev, &ic);
}

/*
 * Event delivery: validated here, carried out in notify.c.  Registrations
 * are refused on a removed device; unregistering always works.
 */
static long mmb_ioctl_event_open(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_event_open eo;
	int ret;

	ret = mmb_get_args(&eo, sizeof(eo),
			   offsetofend(struct mmb_event_open, flags), uarg);
	if (ret)
		return ret;
	if (eo.flags & ~(MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC))
		return -EINVAL;
	ret = mmb_device_alive(mdev);
	return ret ? ret : mmb_notify_event_open(mdev, eo.flags);
}

static long mmb_ioctl_eventfd(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_eventfd ev;
	int ret;

	ret = mmb_get_args(&ev, sizeof(ev),
			   offsetofend(struct mmb_eventfd, reserved), uarg);
	if (ret)
		return ret;
	if (ev.flags || ev.reserved)
		return -EINVAL;
	if (ev.fd != -1) {
		ret = mmb_device_alive(mf->mdev);
		if (ret)
			return ret;
	}
	return mmb_notify_set_eventfd(mf->mdev, &mf->notify, ev.fd);
}

static long mmb_ioctl_irq_control(struct mmb_device *mdev, struct file *file,
				  void __user *uarg)
{
	struct mmb_irq_control ctl;
	int ret;

	ret = mmb_get_args(&ctl, sizeof(ctl),
			   offsetofend(struct mmb_irq_control, flags), uarg);
	if (ret)
		return ret;
	if (ctl.flags != MMB_IRQ_ENABLE && ctl.flags != MMB_IRQ_DISABLE)
		return -EINVAL;
	ret = mmb_device_alive(mdev);
	if (ret)
		return ret;
	mmb_notify_control(mdev, file, ctl.flags == MMB_IRQ_ENABLE);
	return 0;
}

static long mmb_ioctl_pin_region(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_pin_region pr;
	int ret;

	ret = mmb_get_out_args(&pr, sizeof(pr),
			       offsetofend(struct mmb_pin_region, nr_slots),
			       uarg);
	if (ret)
		return ret;
	ret = mmb_device_alive(mf->mdev);
	if (ret)
		return ret;
	ret = mmb_notify_pin_ring(mf->mdev, &mf->notify, &pr);
	if (ret)
		return ret;
	if (mmb_put_args(uarg, &pr, sizeof(pr), pr.argsz)) {
		mmb_notify_unpin_ring(mf->mdev, &mf->notify, pr.id);
		return -EFAULT;
	}
	return 0;
}

static long mmb_ioctl_unpin_region(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_unpin_region ur;
	int ret;

	ret = mmb_get_args(&ur, sizeof(ur),
			   offsetofend(struct mmb_unpin_region, reserved),
			   uarg);
	if (ret)
		return ret;
	if (ur.flags || ur.reserved)
		return -EINVAL;
	return mmb_notify_unpin_ring(mf->mdev, &mf->notify, ur.id);
}

/*
 * Revocation: validated here, carried out in region.c.  It cuts every
 * process's mappings of the device, whoever made them, so it is an
 * administrator's operation: opening the node is not enough.
 */
static long mmb_ioctl_region_ctl(struct mmb_device *mdev, bool revoke,
				 void __user *uarg)
{
	struct mmb_region_ctl ctl;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = mmb_get_out_args(&ctl, sizeof(ctl),
			       offsetofend(struct mmb_region_ctl, restores),
			       uarg);
	if (ret)
		return ret;
	if (ctl.flags || ctl.reserved)
		return -EINVAL;
	ret = mmb_device_alive(mdev);
	if (!ret)
		ret = mmb_region_ctl(mdev, revoke, &ctl);
	return ret ? ret : mmb_put_args(uarg, &ctl, sizeof(ctl), ctl.argsz);
}

static long mmb_ioctl_region_info(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_region_info ri;
	int ret;

	ret = mmb_get_out_args(&ri, sizeof(ri),
			       offsetofend(struct mmb_region_info, wait_faults),
			       uarg);
	if (ret)
		return ret;
	if (ri.flags)
		return -EINVAL;
	ret = mmb_region_info(mdev, &ri);
	return ret ? ret : mmb_put_args(uarg, &ri, sizeof(ri), ri.argsz);
}

static long mmb_ioctl_obj_create(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_obj_create oc;
	int ret;

	ret = mmb_get_out_args(&oc, sizeof(oc),
			       offsetofend(struct mmb_obj_create, mmap_offset),
			       uarg);
	if (ret)
		return ret;
	if (oc.flags || !oc.size || !PAGE_ALIGNED(oc.size) ||
	    oc.size > MMB_OBJ_MAX_SIZE || oc.placement > MMB_OBJ_DEVICE)
		return -EINVAL;
	ret = mmb_device_alive(mf->mdev);
	if (!ret)
		ret = mmb_obj_create(mf, &oc);
	if (ret)
		return ret;
	/* Unwritable after all (unmapped meanwhile): no object either. */
	if (mmb_put_args(uarg, &oc, sizeof(oc), oc.argsz)) {
		mmb_obj_destroy(mf, oc.handle);
		return -EFAULT;
	}
	return 0;
}

/* MMB_IOC_OBJ_MIGRATE, MMB_IOC_OBJ_DESTROY */
static long mmb_ioctl_obj_ctl(struct mmb_file *mf, unsigned int cmd,
			      void __user *uarg)
{
	struct mmb_obj_ctl ctl;
	int ret;

	ret = mmb_get_args(&ctl, sizeof(ctl),
			   offsetofend(struct mmb_obj_ctl, placement), uarg);
	if (ret)
		return ret;
	if (ctl.flags || !ctl.handle)
		return -EINVAL;
	if (cmd == MMB_IOC_OBJ_DESTROY)
		return ctl.placement ? -EINVAL :
				       mmb_obj_destroy(mf, ctl.handle);
	if (ctl.placement > MMB_OBJ_DEVICE)
		return -EINVAL;
	ret = mmb_device_alive(mf->mdev);
	return ret ? ret : mmb_obj_migrate(mf, ctl.handle, ctl.placement);
}

static long mmb_ioctl_obj_info(struct mmb_file *mf, void __user *uarg)
{
	struct mmb_obj_info oi;
	int ret;

	ret = mmb_get_out_args(&oi, sizeof(oi),
			       offsetofend(struct mmb_obj_info, ram_cache),
			       uarg);
	if (ret)
		return ret;
	if (oi.flags)
		return -EINVAL;
	ret = mmb_obj_info(mf, &oi);
	return ret ? ret : mmb_put_args(uarg, &oi, sizeof(oi), oi.argsz);
}

static long mmb_ioctl_stream_setup(struct mmb_device *mdev, void __user *uarg)
{
	struct mmb_stream_setup ss;
	int ret;

	ret = mmb_get_args(&ss, sizeof(ss),
			   offsetofend(struct mmb_stream_setup, reserved),
			   uarg);
	if (!ret)
		ret = mmb_device_alive(mdev);
	return ret ? ret : mmb_stream_setup(mdev, &ss);
}

/*
 * mmap offsets: MMB_MMAP_COUNTERS is the counter page, MMB_MMAP_REGION()
 * the device region under a fault policy (from 2^40: an unknown policy is
 * -EINVAL there), MMB_MMAP_OBJECT() the file's objects (from 2^62, above
 * every policy's offset); anything else is -EINVAL.
 */
static int mmb_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmb_file *mf = file->private_data;
	int ret;

	ret = mmb_device_alive(mf->mdev);
	if (ret)
		return ret;
	if (vma->vm_pgoff == MMB_MMAP_COUNTERS >> PAGE_SHIFT)
		return mmb_notify_mmap(mf->mdev, vma);
	if (vma->vm_pgoff >= MMB_MMAP_OBJECT(0) >> PAGE_SHIFT)
		return mmb_obj_mmap(mf, vma);
	if (vma->vm_pgoff >= MMB_MMAP_REGION(MMB_FAULT_DISCARD) >> PAGE_SHIFT)
		return mmb_region_mmap(mf->mdev, vma);
	return -EINVAL;
}

static ssize_t mmb_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct mmb_file *mf = iocb->ki_filp->private_data;
	int ret = mmb_device_alive(mf->mdev);

	return ret ? ret : mmb_copyfd_read_iter(&mf->copy, iocb, to);
}

static ssize_t mmb_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct mmb_file *mf = iocb->ki_filp->private_data;
	int ret = mmb_device_alive(mf->mdev);

	return ret ? ret : mmb_copyfd_write_iter(&mf->copy, iocb, from);
}

static long mmb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmb_file *mf = file->private_data;
	struct mmb_device *mdev = mf->mdev;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MMB_IOC_INFO:
		return mmb_ioctl_info(mdev, uarg);
	case MMB_IOC_IRQ_TRIGGER:
		return mmb_ioctl_irq_trigger(mdev, uarg);
	case MMB_IOC_IRQ_TIMER:
		return mmb_ioctl_irq_timer(mdev, file, uarg);
	case MMB_IOC_DMA:
		return mmb_ioctl_dma(mdev, uarg);
	case MMB_IOC_MEM_RW:
		return mmb_ioctl_mem_rw(mdev, uarg);
	case MMB_IOC_COPY_CONFIG:
		return mmb_ioctl_copy_config(file, uarg);
	case MMB_IOC_COPY_STATUS:
		return mmb_ioctl_copy_status(mf, uarg);
	case MMB_IOC_IRQ_COPY:
		return mmb_ioctl_irq_copy(mf, uarg);
	case MMB_IOC_EVENT_OPEN:
		return mmb_ioctl_event_open(mdev, uarg);
	case MMB_IOC_EVENTFD:
		return mmb_ioctl_eventfd(mf, uarg);
	case MMB_IOC_IRQ_CONTROL:
		return mmb_ioctl_irq_control(mdev, file, uarg);
	case MMB_IOC_PIN_REGION:
		return mmb_ioctl_pin_region(mf, uarg);
	case MMB_IOC_UNPIN_REGION:
		return mmb_ioctl_unpin_region(mf, uarg);
	case MMB_IOC_STREAM_SETUP:
		return mmb_ioctl_stream_setup(mdev, uarg);
	case MMB_IOC_REGION_REVOKE:
	case MMB_IOC_REGION_RESTORE:
		return mmb_ioctl_region_ctl(mdev, cmd == MMB_IOC_REGION_REVOKE,
					    uarg);
	case MMB_IOC_REGION_INFO:
		return mmb_ioctl_region_info(mdev, uarg);
	case MMB_IOC_OBJ_CREATE:
		return mmb_ioctl_obj_create(mf, uarg);
	case MMB_IOC_OBJ_MIGRATE:
	case MMB_IOC_OBJ_DESTROY:
		return mmb_ioctl_obj_ctl(mf, cmd, uarg);
	case MMB_IOC_OBJ_INFO:
		return mmb_ioctl_obj_info(mf, uarg);
	default:
		return -ENOTTY;
	}
}

static __poll_t mmb_poll(struct file *file, poll_table *wait)
{
	struct mmb_file *mf = file->private_data;

	return mmb_copyfd_poll(&mf->copy, file, wait);
}

const struct file_operations mmb_fops = {
	.owner = THIS_MODULE,
	.open = mmb_open,
	.release = mmb_release,
	.llseek = no_seek_end_llseek,
	.read_iter = mmb_read_iter,
	.write_iter = mmb_write_iter,
	.poll = mmb_poll,
	.mmap = mmb_mmap,
	.unlocked_ioctl = mmb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
