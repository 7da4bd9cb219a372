// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge char-device front: open and release, and the dispatch of
 * ioctls and mmap() to the mechanisms.
 *
 * Each mechanism (struct mmb_mechanism) names its ioctls in a table with
 * their argument struct and what they need (a live device, CAP_SYS_ADMIN,
 * a result written back); mmb_ioctl_dispatch() copies the argument in
 * once, by the rules of the uapi, checks it with the mechanism's check
 * function, calls the handler and writes the result back.  Open, release
 * and the device's lifetime reach every mechanism through its hooks.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "priv.h"

/*
 * A device's and a file's mechanisms start in this order and stop in the
 * reverse one: the periodic timer first, then the stream, the region, the
 * objects, and event delivery last.
 */
static const struct mmb_mechanism *const mmb_mechanisms[] = {
	&mmb_info_mech, /* MMB_IOC_INFO */
	&mmb_notify_mech, /* events: counter page, rings, eventfds */
	&mmb_copy_mech, /* read(), IRQ copies */
	&mmb_object_mech, /* migratable objects */
	&mmb_region_mech, /* revocable mappings */
	&mmb_dmabuf_mech, /* objects and the region as dma-bufs */
	&mmb_stream_mech, /* DMA streams */
	&mmb_trigger_mech, /* interrupt triggers, the periodic timer */
	&mmb_dma_mech, /* MMB_IOC_DMA, MMB_IOC_MEM_RW */
};

#define MMB_NR_MECHS ARRAY_SIZE(mmb_mechanisms)

/**
 * mmb_mechanisms_init() - set up every mechanism's state of a new device.
 * @mdev:	the device, being allocated
 *
 * Return: 0, or the first error (what was set up is torn down).
 */
int mmb_mechanisms_init(struct mmb_device *mdev)
{
	const struct mmb_mechanism *m;
	int i, ret;

	for (i = 0; i < MMB_NR_MECHS; i++) {
		m = mmb_mechanisms[i];
		ret = m->dev_init ? m->dev_init(mdev) : 0;
		if (ret)
			goto err;
	}
	return 0;
err:
	while (--i >= 0) {
		m = mmb_mechanisms[i];
		if (m->dev_destroy)
			m->dev_destroy(mdev);
	}
	return ret;
}

/**
 * mmb_mechanisms_register() - let every mechanism see the registered
 *	description of a device.
 * @mdev:	the device, being registered
 *
 * Return: 0 or the first error.
 */
int mmb_mechanisms_register(struct mmb_device *mdev)
{
	const struct mmb_mechanism *m;
	int i, ret;

	for (i = 0; i < MMB_NR_MECHS; i++) {
		m = mmb_mechanisms[i];
		ret = m->dev_register ? m->dev_register(mdev) : 0;
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mmb_mechanisms_unplug() - stop every mechanism's use of a removed device.
 * @mdev:	the device, dead (no file operation reaches the driver)
 */
void mmb_mechanisms_unplug(struct mmb_device *mdev)
{
	const struct mmb_mechanism *m;
	int i;

	for (i = MMB_NR_MECHS - 1; i >= 0; i--) {
		m = mmb_mechanisms[i];
		if (m->dev_unplug)
			m->dev_unplug(mdev);
	}
}

/**
 * mmb_mechanisms_destroy() - free every mechanism's state of a device.
 * @mdev:	the device, at its last reference
 */
void mmb_mechanisms_destroy(struct mmb_device *mdev)
{
	const struct mmb_mechanism *m;
	int i;

	for (i = MMB_NR_MECHS - 1; i >= 0; i--) {
		m = mmb_mechanisms[i];
		if (m->dev_destroy)
			m->dev_destroy(mdev);
	}
}

static int mmb_open(struct inode *inode, struct file *file)
{
	struct mmb_device *mdev =
		container_of(inode->i_cdev, struct mmb_core, cdev)->mdev;
	const struct mmb_mechanism *m;
	struct mmb_file *mf;
	int i, ret;

	ret = mmb_device_alive(mdev);
	if (ret)
		return ret;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	get_device(&mdev->dev);
	refcount_set(&mf->ref, 1);
	mf->mdev = mdev;
	for (i = 0; i < MMB_NR_MECHS; i++) {
		m = mmb_mechanisms[i];
		if (m->file_open)
			m->file_open(mf);
	}
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
	const struct mmb_mechanism *m;
	int i;

	for (i = MMB_NR_MECHS - 1; i >= 0; i--) {
		m = mmb_mechanisms[i];
		if (m->file_release)
			m->file_release(mf, file);
	}
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

/**
 * mmb_ioctl_dispatch() - carry out an ioctl from a mechanism's table.
 * @table:	the ioctls
 * @n:		entries in @table
 * @ctx:	the handlers' first argument (the file's state)
 * @mdev:	the device, for MMB_IOCTL_ALIVE
 * @file:	the file the ioctl came on
 * @cmd:	the command
 * @uarg:	the user's argument struct
 *
 * An entry with MMB_IOCTL_TEST is there only with the test interface.
 * In order: CAP_SYS_ADMIN for MMB_IOCTL_ADMIN (-EPERM), the argument
 * struct copied in by the uapi's rules (mmb_get_args(), or
 * mmb_get_out_args() when it is written back), the entry's check (its
 * -errno), a live device for MMB_IOCTL_ALIVE (-ENODEV), the handler, and
 * the struct written back as far as the caller knows it, on success
 * (MMB_IOCTL_OUT) or whatever happened (MMB_IOCTL_OUT_ERR).  When writing
 * back fails after the handler acted, the entry's undo takes the action
 * back and the call is -EFAULT.
 *
 * Return: the handler's result, -errno, or -ENOIOCTLCMD when @cmd is not
 * in @table.
 */
long mmb_ioctl_dispatch(const struct mmb_ioctl_desc *table, size_t n, void *ctx,
			struct mmb_device *mdev, struct file *file,
			unsigned int cmd, void __user *uarg)
{
	const struct mmb_ioctl_desc *d;
	u64 buf[MMB_IOCTL_MAX / sizeof(u64)];
	bool out;
	long ret;
	u32 argsz;

	for (d = table; d < table + n; d++)
		if (d->cmd == cmd)
			break;
	if (d == table + n ||
	    ((d->flags & MMB_IOCTL_TEST) && !mmb_test_interface))
		return -ENOIOCTLCMD;
	if ((d->flags & MMB_IOCTL_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	out = d->flags & (MMB_IOCTL_OUT | MMB_IOCTL_OUT_ERR);
	if (out)
		ret = mmb_get_out_args(buf, d->size, d->minsz, uarg);
	else
		ret = mmb_get_args(buf, d->size, d->minsz, uarg);
	if (ret)
		return ret;
	argsz = *(u32 *)buf;
	if (d->check) {
		ret = d->check(buf);
		if (ret)
			return ret;
	}
	if (d->flags & MMB_IOCTL_ALIVE) {
		ret = mmb_device_alive(mdev);
		if (ret)
			return ret;
	}
	ret = d->fn(ctx, file, buf);
	if (!(d->flags & MMB_IOCTL_OUT_ERR) && (ret < 0 || !out))
		return ret;
	/* The caller's argsz, as it came in. */
	*(u32 *)buf = argsz;
	if (copy_to_user(uarg, buf, min_t(size_t, argsz, d->size))) {
		if (ret >= 0 && d->undo)
			d->undo(ctx, file, buf);
		return -EFAULT;
	}
	return ret;
}

static long mmb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmb_file *mf = file->private_data;
	const struct mmb_mechanism *m;
	long ret;
	int i;

	for (i = 0; i < MMB_NR_MECHS; i++) {
		m = mmb_mechanisms[i];
		ret = mmb_ioctl_dispatch(m->ioctls, m->nr_ioctls, mf, mf->mdev,
					 file, cmd, (void __user *)arg);
		if (ret != -ENOIOCTLCMD)
			return ret;
	}
	return -ENOTTY;
}

/*
 * mmap offsets belong to the mechanisms: MMB_MMAP_COUNTERS is the counter
 * page, MMB_MMAP_REGION() the device region under a fault policy,
 * MMB_MMAP_OBJECT() the file's objects; anything else is -EINVAL.
 */
static int mmb_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmb_file *mf = file->private_data;
	const struct mmb_mechanism *m;
	int i, ret;

	ret = mmb_device_alive(mf->mdev);
	if (ret)
		return ret;
	for (i = 0; i < MMB_NR_MECHS; i++) {
		m = mmb_mechanisms[i];
		if (m->mmap && vma->vm_pgoff >= m->mmap_first &&
		    vma->vm_pgoff <= m->mmap_last)
			return m->mmap(mf, vma);
	}
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

/* MMB_IOC_INFO: the device itself. */
static int mmb_info_check(const void *arg)
{
	const struct mmb_info *info = arg;

	return info->flags ? -EINVAL : 0;
}

static long mmb_ioctl_info(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	struct mmb_info *info = arg;
	int ret;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	info->abi_version = MMB_ABI_VERSION;
	info->reserved0 = 0;
	info->caps = mdev->core->caps;
	info->mem_size = mdev->mem.size;
	info->event_count = mmb_notify_count(mdev);
	info->irq_handled = mmb_notify_handled(mdev);
	info->dma_window = mdev->dma_window;
	info->instance = mdev->core->instance;
	strscpy_pad(info->name, dev_name(&mdev->dev), sizeof(info->name));
	strscpy_pad(info->driver, mmb_device_stem(mdev), sizeof(info->driver));
	info->nr_vectors = mdev->nr_vectors;
	info->reserved1 = 0;
	mmb_device_leave(mdev);
	return 0;
}

static const struct mmb_ioctl_desc mmb_info_ioctls[] = {
	MMB_IOCTL(MMB_IOC_INFO, struct mmb_info, name, MMB_IOCTL_OUT,
		  mmb_info_check, mmb_ioctl_info),
};

const struct mmb_mechanism mmb_info_mech = {
	.name = "info",
	.ioctls = mmb_info_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_info_ioctls),
};
