// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge: module init/exit and device registration.
 *
 * A backend allocates an mmb_device for each device instance it drives,
 * registers it (which creates /dev/mmbridge/<backend><N> and its sysfs
 * attributes) and unregisters it on remove.  Open files keep the struct
 * alive after unregistration; they see -ENODEV from then on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "priv.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static dev_t mmb_devt;
static DEFINE_IDA(mmb_minor_ida);
/* Instance numbers per backend kind: edu0, edu1, ... */
static struct ida mmb_instance_ida[MMB_BACKEND_IVSHMEM + 1];
struct workqueue_struct *mmb_wq;
atomic_long_t mmb_dma_mappings = ATOMIC_LONG_INIT(0);

bool mmb_test_hooks;
module_param_named(test_hooks, mmb_test_hooks, bool, 0444);
/* clang-format off */
MODULE_PARM_DESC(test_hooks,
		 "Test facilities in debugfs, root only: edu's stray_dma aims the DMA engine at any bus address; never set outside tests (default: off)");
/* clang-format on */

static const char *const mmb_backend_names[] = {
	[MMB_BACKEND_SOFT] = "soft",
	[MMB_BACKEND_EDU] = "edu",
	[MMB_BACKEND_IVSHMEM] = "ivshmem",
};

const char *mmb_backend_name(enum mmb_backend_kind kind)
{
	if (kind < ARRAY_SIZE(mmb_backend_names) && mmb_backend_names[kind])
		return mmb_backend_names[kind];
	return "unknown";
}

static inline struct mmb_device *to_mmb(struct device *dev)
{
	return container_of(dev, struct mmb_device, dev);
}

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", mmb_backend_name(to_mmb(dev)->kind));
}
static DEVICE_ATTR_RO(backend);

static ssize_t caps_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", to_mmb(dev)->caps);
}
static DEVICE_ATTR_RO(caps);

static ssize_t mem_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_mmb(dev)->mem_size);
}
static DEVICE_ATTR_RO(mem_size);

/* MMB_IOC_INFO's event_count; irq_count is its first name. */
static ssize_t event_count_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mmb_notify_count(to_mmb(dev)));
}
static DEVICE_ATTR_RO(event_count);
static struct device_attribute dev_attr_irq_count =
	__ATTR(irq_count, 0444, event_count_show, NULL);

static ssize_t irq_handled_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mmb_notify_handled(to_mmb(dev)));
}
static DEVICE_ATTR_RO(irq_handled);

/*
 * The copy mode a file opened from now on starts in: "sync" or "worker",
 * for programs that read the device without MMB_IOC_COPY_CONFIG (fio).
 */
static const char *const mmb_copy_mode_names[] = {
	[MMB_COPY_SYNC] = "sync",
	[MMB_COPY_WORKER] = "worker",
};

static ssize_t copy_mode_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	u32 mode = READ_ONCE(to_mmb(dev)->copy_mode);

	return sysfs_emit(buf, "%s\n", mmb_copy_mode_names[mode]);
}

static ssize_t copy_mode_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	int mode = sysfs_match_string(mmb_copy_mode_names, buf);

	if (mode < 0)
		return mode;
	WRITE_ONCE(to_mmb(dev)->copy_mode, mode);
	return count;
}
static DEVICE_ATTR_RW(copy_mode);

static struct attribute *mmb_dev_attrs[] = {
	&dev_attr_backend.attr,
	&dev_attr_caps.attr,
	&dev_attr_mem_size.attr,
	&dev_attr_event_count.attr,
	&dev_attr_irq_count.attr,
	&dev_attr_irq_handled.attr,
	&dev_attr_copy_mode.attr, /* the only writable one */
	NULL,
};
ATTRIBUTE_GROUPS(mmb_dev);

static char *mmb_devnode(mmb_devnode_device *dev, umode_t *mode)
{
	/*
	 * root's only; the installed udev/60-mmbridge.rules makes the nodes
	 * 0660 group mmbridge (the threat model in Documentation/mmbridge.rst
	 * says what that grants).
	 */
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "mmbridge/%s", dev_name(dev));
}

static struct class mmb_class = {
	.name = MMB_DRV_NAME,
	.dev_groups = mmb_dev_groups,
	.devnode = mmb_devnode,
};

static void mmb_device_release(struct device *dev)
{
	struct mmb_device *mdev = to_mmb(dev);

	ida_free(&mmb_instance_ida[mdev->kind], mdev->instance);
	ida_free(&mmb_minor_ida, MINOR(dev->devt));
	put_device(mdev->dma_dev);
	mmb_objects_destroy(&mdev->objects);
	mmb_region_destroy(&mdev->region);
	mmb_notify_destroy(&mdev->notify);
	kfree(mdev);
}

/**
 * mmb_device_alloc() - allocate a device for a backend instance.
 * @parent:	the backend's device (PCI or platform device)
 * @kind:	which backend
 * @ops:	the backend's operations
 * @priv:	backend state, reachable as mdev->priv while registered
 *
 * The caller fills in caps, memory and DMA fields, then calls
 * mmb_device_register().  Release with mmb_device_put().
 *
 * Return: the device, or an ERR_PTR.
 */
struct mmb_device *mmb_device_alloc(struct device *parent,
				    enum mmb_backend_kind kind,
				    const struct mmb_backend_ops *ops,
				    void *priv)
{
	struct mmb_device *mdev;
	int minor, instance, ret;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	ret = mmb_notify_init(&mdev->notify);
	if (ret)
		goto err_free;
	ret = mmb_region_init(&mdev->region);
	if (ret)
		goto err_notify;
	mmb_objects_init(&mdev->objects);

	minor = ida_alloc_max(&mmb_minor_ida, MMB_MAX_DEVICES - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_region;
	}
	instance = ida_alloc(&mmb_instance_ida[kind], GFP_KERNEL);
	if (instance < 0) {
		ret = instance;
		goto err_minor;
	}

	mdev->kind = kind;
	mdev->instance = instance;
	mdev->ops = ops;
	mdev->priv = priv;
	mdev->dma_dev = get_device(parent);
	init_rwsem(&mdev->unplug_rwsem);
	mutex_init(&mdev->ctl_lock);
	mutex_init(&mdev->stream_lock);
	spin_lock_init(&mdev->irq_copy_lock);
	INIT_LIST_HEAD(&mdev->irq_copies);

	device_initialize(&mdev->dev);
	mdev->dev.class = &mmb_class;
	mdev->dev.parent = parent;
	mdev->dev.devt = MKDEV(MAJOR(mmb_devt), minor);
	mdev->dev.release = mmb_device_release;
	dev_set_drvdata(&mdev->dev, mdev);
	cdev_init(&mdev->cdev, &mmb_fops);
	mdev->cdev.owner = THIS_MODULE;
	/* From here on, mmb_device_release() frees the ids and the struct. */
	if (dev_set_name(&mdev->dev, "%s%d", mmb_backend_name(kind),
			 instance)) {
		put_device(&mdev->dev);
		return ERR_PTR(-ENOMEM);
	}
	return mdev;

err_minor:
	ida_free(&mmb_minor_ida, minor);
err_region:
	mmb_region_destroy(&mdev->region);
err_notify:
	mmb_notify_destroy(&mdev->notify);
err_free:
	kfree(mdev);
	return ERR_PTR(ret);
}

static struct dentry *mmb_debugfs_root;

static const char *const mmb_stat_names[MMB_STAT_NR] = {
	[MMB_STAT_COPIES] = "copies",
	[MMB_STAT_COPY_BYTES] = "copy_bytes",
	[MMB_STAT_COPY_FAULTS] = "copy_faults",
	[MMB_STAT_PINS] = "pins",
	[MMB_STAT_PINNED_PAGES] = "pinned_pages",
	[MMB_STAT_UNPINS] = "unpins",
	[MMB_STAT_REGION_FAULTS] = "region_faults",
	[MMB_STAT_OBJECT_FAULTS] = "object_faults",
	[MMB_STAT_REVOKES] = "revokes",
	[MMB_STAT_RESTORES] = "restores",
	[MMB_STAT_MIGRATIONS] = "migrations",
	[MMB_STAT_MIGRATED_BYTES] = "migrated_bytes",
};

/* debugfs mmbridge/<device>/stats: "name value" lines, totals since probe. */
static int mmb_stats_show(struct seq_file *m, void *v)
{
	struct mmb_device *mdev = m->private;
	int i;

	/* Interrupts and revocation changes, as on the counter page. */
	seq_printf(m, "events %llu\n", mmb_notify_count(mdev));
	for (i = 0; i < MMB_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", mmb_stat_names[i],
			   atomic64_read(&mdev->stats[i]));
	seq_printf(m, "region_state 0x%x\n", READ_ONCE(mdev->region.state));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mmb_stats);

/* debugfs mmbridge/dma_mappings: DMA mappings held now, all devices. */
static int mmb_dma_mappings_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%ld\n", atomic_long_read(&mmb_dma_mappings));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mmb_dma_mappings);

/**
 * mmb_device_register() - make the device visible to user space.
 * @mdev:	from mmb_device_alloc()
 * @groups:	backend-specific sysfs attribute groups, or NULL
 *
 * Return: 0 or -errno; on error the caller still owns its reference.
 */
int mmb_device_register(struct mmb_device *mdev,
			const struct attribute_group **groups)
{
	int ret;

	/*
	 * User space maps only memory its backend declares safe for any
	 * opener: never a register window that controls DMA or interrupts.
	 */
	if ((mdev->map_size && !mdev->map_user_safe) ||
	    (mdev->pool_size && !mdev->pool_user_safe)) {
		dev_err(&mdev->dev, "memory not declared safe to map\n");
		return -EINVAL;
	}
	mdev->caps &= ~MMB_CAP_MAP;
	if (mdev->map_size)
		mdev->caps |= MMB_CAP_MAP;
	ret = mmb_objects_register(mdev);
	if (ret)
		return ret;
	mdev->dev.groups = groups;
	mdev->alive = true;
	ret = cdev_device_add(&mdev->cdev, &mdev->dev);
	if (ret) {
		mdev->alive = false;
		return ret;
	}
	/* debugfs is optional: its functions take and ignore error values. */
	mdev->debugfs =
		debugfs_create_dir(dev_name(&mdev->dev), mmb_debugfs_root);
	debugfs_create_file("stats", 0400, mdev->debugfs, mdev,
			    &mmb_stats_fops);
	dev_dbg(&mdev->dev, "registered, caps 0x%llx\n", mdev->caps);
	return 0;
}

/**
 * mmb_device_unregister() - detach the device from its backend.
 * @mdev:	a registered device
 *
 * Removes the device node, waits until no file operation is inside the
 * backend and marks the device dead, so that open files get -ENODEV; its
 * region is revoked for good, so no mapping reaches the memory.  The
 * backend may free its resources when this returns; the caller still holds
 * its reference and drops it with mmb_device_put().
 */
void mmb_device_unregister(struct mmb_device *mdev)
{
	/* Waits for readers of the stats file. */
	debugfs_remove_recursive(mdev->debugfs);
	mdev->debugfs = NULL;
	cdev_device_del(&mdev->cdev, &mdev->dev);

	down_write(&mdev->unplug_rwsem);
	mdev->alive = false;
	up_write(&mdev->unplug_rwsem);

	/* A timer started by a still-open file must not outlive the backend. */
	mutex_lock(&mdev->ctl_lock);
	mdev->timer_owner = NULL;
	mutex_unlock(&mdev->ctl_lock);

	mmb_stream_unplug(mdev);
	mmb_region_unplug(mdev);
	mmb_objects_unplug(mdev);
	mmb_notify_unplug(mdev);
}

/**
 * mmb_device_put() - drop a reference taken by mmb_device_alloc().
 * @mdev:	the device
 */
void mmb_device_put(struct mmb_device *mdev)
{
	put_device(&mdev->dev);
}

/**
 * mmb_device_enter() - start an operation that reaches the backend.
 * @mdev:	the device
 *
 * Return: 0 with unplug_rwsem read-held, or -ENODEV once the device is gone.
 */
int mmb_device_enter(struct mmb_device *mdev)
{
	down_read(&mdev->unplug_rwsem);
	if (!mdev->alive) {
		up_read(&mdev->unplug_rwsem);
		return -ENODEV;
	}
	return 0;
}

/**
 * mmb_device_alive() - check that the device has not been removed.
 * @mdev:	the device
 *
 * For operations that do not reach the backend but must not start new work
 * on a removed device.  The answer may be stale at once; operations that
 * reach the backend use mmb_device_enter().
 *
 * Return: 0, or -ENODEV once the device is gone.
 */
int mmb_device_alive(struct mmb_device *mdev)
{
	int ret = mmb_device_enter(mdev);

	if (!ret)
		mmb_device_leave(mdev);
	return ret;
}

/**
 * mmb_device_leave() - end an operation started by mmb_device_enter().
 * @mdev:	the device
 */
void mmb_device_leave(struct mmb_device *mdev)
{
	up_read(&mdev->unplug_rwsem);
}

static int __init mmb_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(mmb_instance_ida); i++)
		ida_init(&mmb_instance_ida[i]);

	mmb_wq = alloc_workqueue(MMB_DRV_NAME, WQ_UNBOUND, 0);
	if (!mmb_wq)
		return -ENOMEM;

	ret = mmb_region_fs_init();
	if (ret)
		goto err_wq;
	ret = mmb_remote_init();
	if (ret)
		goto err_fs;
	ret = mmb_object_cache_init();
	if (ret)
		goto err_remote;

	mmb_debugfs_root = debugfs_create_dir(MMB_DRV_NAME, NULL);
	debugfs_create_file("dma_mappings", 0400, mmb_debugfs_root, NULL,
			    &mmb_dma_mappings_fops);
	mmb_object_fault_inject(mmb_debugfs_root);
	ret = alloc_chrdev_region(&mmb_devt, 0, MMB_MAX_DEVICES, MMB_DRV_NAME);
	if (ret)
		goto err_debugfs;

	ret = class_register(&mmb_class);
	if (ret)
		goto err_chrdev;

	ret = mmb_soft_init();
	if (ret)
		goto err_class;
	ret = mmb_edu_init();
	if (ret)
		goto err_soft;
	ret = mmb_ivshmem_init();
	if (ret)
		goto err_edu;

	pr_info("ABI %d loaded\n", MMB_ABI_VERSION);
	return 0;

err_edu:
	mmb_edu_exit();
err_soft:
	mmb_soft_exit();
err_class:
	class_unregister(&mmb_class);
err_chrdev:
	unregister_chrdev_region(mmb_devt, MMB_MAX_DEVICES);
err_debugfs:
	debugfs_remove_recursive(mmb_debugfs_root);
	mmb_object_cache_exit();
err_remote:
	mmb_remote_exit();
err_fs:
	mmb_region_fs_exit();
err_wq:
	destroy_workqueue(mmb_wq);
	return ret;
}

static void __exit mmb_exit(void)
{
	int i;

	mmb_ivshmem_exit();
	mmb_edu_exit();
	mmb_soft_exit();
	/* Deferred frees of abandoned transfers run before the code goes. */
	destroy_workqueue(mmb_wq);
	class_unregister(&mmb_class);
	unregister_chrdev_region(mmb_devt, MMB_MAX_DEVICES);
	debugfs_remove_recursive(mmb_debugfs_root);
	mmb_object_cache_exit();
	mmb_remote_exit();
	mmb_region_fs_exit();
	for (i = 0; i < ARRAY_SIZE(mmb_instance_ida); i++)
		ida_destroy(&mmb_instance_ida[i]);
	ida_destroy(&mmb_minor_ida);
}

module_init(mmb_init);
module_exit(mmb_exit);

/* clang-format off */
MODULE_DESCRIPTION("mmbridge: reach user memory from kernel threads and IRQs; revocable device mappings");
/* clang-format on */
MODULE_LICENSE("GPL");
MODULE_VERSION(MMB_VERSION);
