// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge: module init/exit and device registration.
 *
 * A driver allocates an mmb_device for each device instance it drives,
 * registers it (which creates /dev/mmbridge/<stem><N> and its sysfs
 * attributes) and unregisters it on remove.  Open files keep the struct
 * alive after unregistration; they see -ENODEV from then on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "priv.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static dev_t mmb_devt;
static DEFINE_IDA(mmb_minor_ida);
struct workqueue_struct *mmb_wq;
atomic_long_t mmb_dma_mappings = ATOMIC_LONG_INIT(0);

bool mmb_test_interface;
module_param_named(test_interface, mmb_test_interface, bool, 0444);
MODULE_PARM_DESC(test_interface, "the test interface (kernel/mmb_test_uapi.h)");

/*
 * The longest stem: <stem><N> and its NUL fit MMB_IOC_INFO's name for
 * every instance number N, which is below MMB_MAX_DEVICES (two digits).
 */
#define MMB_STEM_MAX (sizeof_field(struct mmb_info, name) - 3)
static_assert(MMB_MAX_DEVICES <= 100);

/*
 * A node name's stem ("edu") and the instance numbers given out for it:
 * edu0, edu1, ...  Stems are kept until the module goes, so a driver that
 * is unloaded and loaded again numbers its devices from 0 again.
 */
struct mmb_stem {
	struct list_head node;
	struct ida ida;
	char name[MMB_STEM_MAX + 1];
};

static LIST_HEAD(mmb_stems);
static DEFINE_MUTEX(mmb_stems_lock); /* @mmb_stems */

/*
 * 1 to MMB_STEM_MAX characters of [a-z0-9_], not ending in a digit (so
 * that <stem><N> names one device of one stem).  ASCII only: the kernel's
 * islower() also takes Latin-1 letters.
 */
static bool mmb_stem_valid(const char *name)
{
	size_t len = strnlen(name, MMB_STEM_MAX + 1);
	size_t i;
	char c;

	if (!len || len > MMB_STEM_MAX || isdigit(name[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		c = name[i];
		if ((c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_')
			return false;
	}
	return true;
}

static struct mmb_stem *mmb_stem_get(const char *name)
{
	struct mmb_stem *stem;

	mutex_lock(&mmb_stems_lock);
	list_for_each_entry(stem, &mmb_stems, node)
		if (!strcmp(stem->name, name))
			goto out;
	stem = kzalloc(sizeof(*stem), GFP_KERNEL);
	if (stem) {
		ida_init(&stem->ida);
		strscpy(stem->name, name, sizeof(stem->name));
		list_add(&stem->node, &mmb_stems);
	}
out:
	mutex_unlock(&mmb_stems_lock);
	return stem;
}

static void mmb_stems_free(void)
{
	struct mmb_stem *stem, *tmp;

	list_for_each_entry_safe(stem, tmp, &mmb_stems, node) {
		ida_destroy(&stem->ida);
		kfree(stem);
	}
}

/**
 * mmb_device_stem() - the stem of a device's node name.
 * @mdev:	the device
 *
 * Return: "edu" for edu0; what sysfs shows as the device's backend.
 */
const char *mmb_device_stem(struct mmb_device *mdev)
{
	return mdev->core->stem->name;
}

static inline struct mmb_device *to_mmb(struct device *dev)
{
	return container_of(dev, struct mmb_device, dev);
}

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", mmb_device_stem(to_mmb(dev)));
}
static DEVICE_ATTR_RO(backend);

static ssize_t caps_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", to_mmb(dev)->core->caps);
}
static DEVICE_ATTR_RO(caps);

static ssize_t mem_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_mmb(dev)->mem.size);
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
	u32 mode = READ_ONCE(to_mmb(dev)->core->copy_mode);

	return sysfs_emit(buf, "%s\n", mmb_copy_mode_names[mode]);
}

static ssize_t copy_mode_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	int mode = sysfs_match_string(mmb_copy_mode_names, buf);

	if (mode < 0)
		return mode;
	WRITE_ONCE(to_mmb(dev)->core->copy_mode, mode);
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
	struct mmb_core *core = mdev->core;

	ida_free(&core->stem->ida, core->instance);
	ida_free(&mmb_minor_ida, MINOR(dev->devt));
	put_device(core->dma_dev);
	mmb_mechanisms_destroy(mdev);
	kfree(core);
	/* The driver's struct, which embeds @mdev at its start. */
	kfree(mdev);
}

/**
 * _mmb_device_alloc() - allocate a device; drivers use mmb_device_alloc().
 * @size:	bytes of the driver's struct, which starts with the
 *		struct mmb_device
 * @parent:	the driver's device (PCI or platform device)
 * @ops:	the driver's operations
 * @name:	the node name's stem
 *
 * Return: the device, or an ERR_PTR: -EINVAL for a bad @name or @size,
 * -ENOSPC when all device numbers are in use, -ENOMEM.
 */
struct mmb_device *_mmb_device_alloc(size_t size, struct device *parent,
				     const struct mmb_device_ops *ops,
				     const char *name)
{
	struct mmb_device *mdev;
	struct mmb_core *core;
	struct mmb_stem *stem;
	int minor, instance, ret;

	if (size < sizeof(*mdev) || !parent || !ops || !name ||
	    !mmb_stem_valid(name))
		return ERR_PTR(-EINVAL);
	stem = mmb_stem_get(name);
	if (!stem)
		return ERR_PTR(-ENOMEM);
	mdev = kzalloc(size, GFP_KERNEL);
	core = kzalloc(sizeof(*core), GFP_KERNEL);
	if (!mdev || !core) {
		ret = -ENOMEM;
		goto err_free;
	}
	mdev->core = core;
	core->mdev = mdev;
	ret = mmb_mechanisms_init(mdev);
	if (ret)
		goto err_free;

	minor = ida_alloc_max(&mmb_minor_ida, MMB_MAX_DEVICES - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_mechanisms;
	}
	instance = ida_alloc(&stem->ida, GFP_KERNEL);
	if (instance < 0) {
		ret = instance;
		goto err_minor;
	}

	core->stem = stem;
	core->instance = instance;
	mdev->ops = ops;
	core->dma_dev = get_device(parent);
	init_rwsem(&core->unplug_rwsem);
	mutex_init(&core->ctl_lock);
	mutex_init(&core->stream_lock);
	spin_lock_init(&core->irq_copy_lock);
	INIT_LIST_HEAD(&core->irq_copies);

	device_initialize(&mdev->dev);
	mdev->dev.class = &mmb_class;
	mdev->dev.parent = parent;
	mdev->dev.devt = MKDEV(MAJOR(mmb_devt), minor);
	mdev->dev.release = mmb_device_release;
	dev_set_drvdata(&mdev->dev, mdev);
	cdev_init(&core->cdev, &mmb_fops);
	core->cdev.owner = THIS_MODULE;
	/* From here on, mmb_device_release() frees the ids and the structs. */
	if (dev_set_name(&mdev->dev, "%s%d", stem->name, instance)) {
		put_device(&mdev->dev);
		return ERR_PTR(-ENOMEM);
	}
	return mdev;

err_minor:
	ida_free(&mmb_minor_ida, minor);
err_mechanisms:
	mmb_mechanisms_destroy(mdev);
err_free:
	kfree(core);
	kfree(mdev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(_mmb_device_alloc);

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
			   atomic64_read(&mdev->core->stats[i]));
	/* Region 0 as "region_state" (0 without one), the others by number. */
	seq_printf(m, "region_state 0x%x\n",
		   READ_ONCE(mdev->core->regions.r[0].state));
	for (i = 1; i < mdev->core->regions.nr; i++)
		seq_printf(m, "region%d_state 0x%x\n", i,
			   READ_ONCE(mdev->core->regions.r[i].state));
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

/* mmb_mem_pfn() knows the pages of vmalloc'd and linear-map RAM only. */
static bool mmb_mem_ram_ok(const struct mmb_mem *m)
{
	const void *last = m->virt + m->size - 1;

	if (is_vmalloc_addr(m->virt))
		return is_vmalloc_addr(last);
	return virt_addr_valid(m->virt) && virt_addr_valid(last);
}

/* A memory descriptor is well-formed; mappable memory also page-sized. */
static int mmb_mem_check(struct mmb_device *mdev, const struct mmb_mem *m,
			 const char *what, bool mappable, bool region)
{
	if (!m->size)
		return 0;
	if (m->raw && !region) {
		dev_err(&mdev->dev, "%s: raw memory is for regions only\n",
			what);
		return -EINVAL;
	}
	if (!m->virt == !m->io) {
		dev_err(&mdev->dev, "%s: exactly one of virt and io\n", what);
		return -EINVAL;
	}
	/* A BAR's physical address is what its overlaps are found by. */
	if (m->io && !m->phys) {
		dev_err(&mdev->dev, "%s: iomem without its physical address\n",
			what);
		return -EINVAL;
	}
	/* RAM is cached; a BAR is write-combined or uncached, never cached. */
	if (m->virt ? m->cache != MMB_CACHE_WB :
		      m->cache != MMB_CACHE_WC && m->cache != MMB_CACHE_UC) {
		dev_err(&mdev->dev, "%s: caching %u\n", what, m->cache);
		return -EINVAL;
	}
	if (!mappable)
		return 0;
	if (!PAGE_ALIGNED(m->size) || (m->io && !PAGE_ALIGNED(m->phys)) ||
	    (m->virt && !PAGE_ALIGNED(m->virt))) {
		dev_err(&mdev->dev, "%s: not whole pages\n", what);
		return -EINVAL;
	}
	if (m->virt && !mmb_mem_ram_ok(m)) {
		dev_err(&mdev->dev, "%s: not vmalloc'd or linear-map RAM\n",
			what);
		return -EINVAL;
	}
	/*
	 * User space maps only memory its driver declares safe for any
	 * opener, never a register window that controls DMA or interrupts;
	 * or, a region only, raw memory that CAP_SYS_RAWIO alone maps.
	 */
	if (!m->user_safe && !(m->raw && region)) {
		dev_err(&mdev->dev, "%s: not declared safe to map\n", what);
		return -EINVAL;
	}
	return 0;
}

static int mmb_pfn_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The page frames of @pool (mappable: whole pages whose frames
 * mmb_mem_pfn() knows), sorted, in a kvmalloc'd array; NULL when they are
 * one range (a BAR, linear-map RAM) or on -ENOMEM (*@err).
 */
static unsigned long *mmb_pool_pfns(const struct mmb_mem *pool, int *err)
{
	unsigned long n = pool->size >> PAGE_SHIFT, i, *pfns;

	*err = 0;
	if (!pool->size || mmb_mem_is_io(pool) || !is_vmalloc_addr(pool->virt))
		return NULL;
	pfns = kvmalloc_array(n, sizeof(*pfns), GFP_KERNEL);
	if (!pfns) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		pfns[i] = mmb_mem_pfn(pool, (u64)i << PAGE_SHIFT);
		cond_resched();
	}
	sort(pfns, n, sizeof(*pfns), mmb_pfn_cmp, NULL);
	return pfns;
}

/*
 * Whether @b shares memory with @pool, whose frames @pfns lists (or NULL:
 * one range of frames): 1 or 0.  Two addresses of one page (a vmap() of
 * linear-map pages) are one page.  RAM of @b whose frames are not known
 * (neither vmalloc'd nor in the linear map) is compared by address.
 */
static int mmb_mem_overlap(const struct mmb_mem *pool,
			   const unsigned long *pfns, const struct mmb_mem *b)
{
	unsigned long vb = (unsigned long)b->virt,
		      va = (unsigned long)pool->virt;
	unsigned long n = pool->size >> PAGE_SHIFT, first, p, pfn;

	if (!pool->size || !b->size || mmb_mem_is_io(pool) != mmb_mem_is_io(b))
		return 0;
	if (mmb_mem_is_io(pool))
		return pool->phys < b->phys + b->size &&
		       b->phys < pool->phys + pool->size;
	if (!mmb_mem_ram_ok(b))
		return va < vb + b->size && vb < va + pool->size;
	first = mmb_mem_pfn(pool, 0);
	for (p = ALIGN_DOWN(vb, PAGE_SIZE); p < vb + b->size; p += PAGE_SIZE) {
		pfn = is_vmalloc_addr((void *)p) ? vmalloc_to_pfn((void *)p) :
						   PHYS_PFN(__pa(p));
		if (pfns ? !!bsearch(&pfn, pfns, n, sizeof(*pfns),
				     mmb_pfn_cmp) :
			   pfn - first < n)
			return 1;
		cond_resched();
	}
	return 0;
}

/* Whether @a and @b share memory: 1, 0, or -ENOMEM. */
static int mmb_mem_share(const struct mmb_mem *a, const struct mmb_mem *b)
{
	unsigned long *pfns;
	int ret;

	pfns = mmb_pool_pfns(a, &ret);
	if (ret)
		return ret;
	ret = mmb_mem_overlap(a, pfns, b);
	kvfree(pfns);
	return ret;
}

/*
 * Each region is its own memory, so that revoking one revokes its bytes;
 * and raw bytes are raw everywhere: no other region, nor the memory that
 * MMB_IOC_MEM_RW gives every opener, reaches them.  Each fits its mmap
 * offsets.
 */
static int mmb_regions_check(struct mmb_device *mdev, unsigned int nr)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < nr; i++) {
		const struct mmb_mem *a = &mdev->regions[i];

		if (a->size >= BIT_ULL(MMB_MMAP_REGION_SHIFT)) {
			dev_err(&mdev->dev,
				"regions[%u]: too large for its mmap offsets\n",
				i);
			return -EINVAL;
		}
		for (j = i + 1; j < nr; j++) {
			ret = mmb_mem_share(a, &mdev->regions[j]);
			if (ret > 0)
				dev_err(&mdev->dev,
					"regions[%u] and [%u] share memory\n",
					i, j);
			if (ret)
				return ret < 0 ? ret : -EINVAL;
		}
		if (!a->raw)
			continue;
		ret = mmb_mem_share(a, &mdev->mem);
		if (ret > 0)
			dev_err(&mdev->dev,
				"regions[%u]: raw, and mem reaches it\n", i);
		if (ret)
			return ret < 0 ? ret : -EINVAL;
	}
	return 0;
}

/* What user space sees the device do follows from what was registered. */
static int mmb_device_caps(struct mmb_device *mdev)
{
	const struct mmb_device_ops *ops = mdev->ops;
	unsigned int i, nr = mmb_region_count(mdev);
	unsigned long *pfns;
	u64 caps = 0;
	int ret;

	ret = mmb_mem_check(mdev, &mdev->mem, "mem", false, false);
	for (i = 0; i < nr && !ret; i++) {
		/* "regions[" + a u32 + "]" */
		char what[24];

		snprintf(what, sizeof(what), "regions[%u]", i);
		ret = mmb_mem_check(mdev, &mdev->regions[i], what, true, true);
	}
	if (!ret)
		ret = mmb_mem_check(mdev, &mdev->pool, "pool", true, false);
	if (!ret)
		ret = mmb_regions_check(mdev, nr);
	if (ret)
		return ret;
	/* An object's bytes are nobody else's. */
	pfns = mmb_pool_pfns(&mdev->pool, &ret);
	if (ret)
		return ret;
	ret = mmb_mem_overlap(&mdev->pool, pfns, &mdev->mem);
	for (i = 0; i < nr && !ret; i++)
		ret = mmb_mem_overlap(&mdev->pool, pfns, &mdev->regions[i]);
	kvfree(pfns);
	if (ret) {
		dev_err(&mdev->dev,
			"pool: shares memory with mem or a region\n");
		return -EINVAL;
	}
	if (mdev->nr_vectors > MMB_VECTORS_MAX) {
		dev_err(&mdev->dev, "nr_vectors: %u, at most %u\n",
			mdev->nr_vectors, MMB_VECTORS_MAX);
		return -EINVAL;
	}
	if (!ops->dma_submit != !mdev->dma_window) {
		dev_err(&mdev->dev,
			"a DMA engine needs dma_submit and a window\n");
		return -EINVAL;
	}
	if (ops->irq_raise)
		caps |= MMB_CAP_IRQ;
	if (ops->irq_timer)
		caps |= MMB_CAP_IRQ_TIMER;
	if (ops->dma_submit)
		caps |= MMB_CAP_DMA;
	if (mdev->mem.size)
		caps |= MMB_CAP_DEVMEM;
	if (nr)
		caps |= MMB_CAP_MAP;
	mdev->core->caps = caps;
	return 0;
}

/**
 * mmb_device_register() - make the device visible to user space.
 * @mdev:	from mmb_device_alloc(), its memory and DMA fields set
 * @groups:	the driver's sysfs attribute groups for the device node, or
 *		NULL
 *
 * Checks the description: every memory has exactly one of a kernel
 * virtual address (RAM) and an iomem mapping, RAM is cached, memory that
 * user space maps is whole pages (RAM starting on a page, vmalloc'd or in
 * the linear map) and declared safe to map, the pool shares no byte with
 * the other two; a DMA window comes with a dma_submit operation; there are
 * at most MMB_VECTORS_MAX vectors.  Then creates /dev/mmbridge/<name>, its
 * sysfs attributes and its debugfs directory.  Process context.
 *
 * A device is registered once: after mmb_device_unregister(), or after a
 * failed mmb_device_register(), the driver allocates a new one.
 *
 * Return: 0; -EINVAL for a bad description or a device registered before,
 * -ENOMEM, or another error from creating the node.  On error the caller
 * still owns its reference.
 */
int mmb_device_register(struct mmb_device *mdev,
			const struct attribute_group **groups)
{
	struct mmb_core *core = mdev->core;
	int ret;

	if (core->registered) {
		dev_err(&mdev->dev,
			"registered before: allocate a new device\n");
		return -EINVAL;
	}
	/* Every attempt uses the device up, a failed one too. */
	core->registered = true;
	ret = mmb_device_caps(mdev);
	if (ret)
		return ret;
	ret = mmb_mechanisms_register(mdev);
	if (ret)
		return ret;
	mdev->dev.groups = groups;
	core->alive = true;
	ret = cdev_device_add(&core->cdev, &mdev->dev);
	if (ret) {
		core->alive = false;
		return ret;
	}
	/* debugfs is optional: its functions take and ignore error values. */
	core->debugfs =
		debugfs_create_dir(dev_name(&mdev->dev), mmb_debugfs_root);
	debugfs_create_file("stats", 0400, core->debugfs, mdev,
			    &mmb_stats_fops);
	dev_dbg(&mdev->dev, "registered, caps 0x%llx\n", core->caps);
	return 0;
}
EXPORT_SYMBOL_GPL(mmb_device_register);

/**
 * mmb_device_unregister() - detach the device from its driver.
 * @mdev:	a registered device
 *
 * Removes the device node, waits until no file operation is inside the
 * driver and marks the device dead, so that open files get -ENODEV from
 * then on.  Before it returns: the periodic interrupt timer a file started
 * is stopped, the stream is stopped and its frames are failed, the
 * mappable memory is revoked for good (no page table maps it and no fault
 * can map it again), objects in the pool are moved to RAM (or, failing
 * that, lost: their mappings get SIGBUS), event waiters are woken, and no
 * operation of @mdev->ops is called any more.  The driver then finishes or
 * fails what its DMA engine still holds and may free its memory; it drops
 * its reference with mmb_device_put().  Process context; sleeps.
 */
void mmb_device_unregister(struct mmb_device *mdev)
{
	struct mmb_core *core = mdev->core;

	/*
	 * Only a device that registered, once (@alive: the driver's calls are
	 * serialized, and only they write it).
	 */
	if (WARN_ON(!core->alive))
		return;
	/* Waits for readers of the stats file and the driver's files. */
	debugfs_remove_recursive(core->debugfs);
	core->debugfs = NULL;
	cdev_device_del(&core->cdev, &mdev->dev);

	down_write(&core->unplug_rwsem);
	core->alive = false;
	up_write(&core->unplug_rwsem);

	mmb_mechanisms_unplug(mdev);
}
EXPORT_SYMBOL_GPL(mmb_device_unregister);

/**
 * mmb_device_put() - drop a reference taken by mmb_device_alloc().
 * @mdev:	the device
 *
 * The last reference (the driver's, or an open file's after the driver's
 * remove) frees the driver's struct with the device.  In the driver's
 * remove this is the last call, after its DMA engine has completed or
 * failed every request: the dma-buf frames of a stream whose transfer was
 * stuck at mmb_device_unregister() are unmapped here at the latest, while
 * the device is still the driver's.  Any context that may sleep.
 */
void mmb_device_put(struct mmb_device *mdev)
{
	mmb_stream_quiesce(mdev);
	put_device(&mdev->dev);
}
EXPORT_SYMBOL_GPL(mmb_device_put);

/**
 * mmb_device_debugfs() - the device's debugfs directory.
 * @mdev:	a registered device
 *
 * mmbridge/<name>/ in debugfs, for the driver's own files; removed, and
 * its files' operations waited for, by mmb_device_unregister().
 *
 * Return: the directory, or an error pointer when debugfs is unavailable
 * (debugfs functions accept and ignore it).
 */
struct dentry *mmb_device_debugfs(struct mmb_device *mdev)
{
	return mdev->core->debugfs;
}
EXPORT_SYMBOL_GPL(mmb_device_debugfs);

/**
 * mmb_device_enter() - start an operation that reaches the backend.
 * @mdev:	the device
 *
 * Return: 0 with unplug_rwsem read-held, or -ENODEV once the device is gone.
 */
int mmb_device_enter(struct mmb_device *mdev)
{
	down_read(&mdev->core->unplug_rwsem);
	if (!mdev->core->alive) {
		up_read(&mdev->core->unplug_rwsem);
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
	up_read(&mdev->core->unplug_rwsem);
}

static int __init mmb_init(void)
{
	int ret;

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

	pr_info("ABI %d loaded\n", MMB_ABI_VERSION);
	return 0;

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

/*
 * No driver is left (each holds the module through the symbols it uses)
 * and no file is open (each holds it through the character device).
 */
static void __exit mmb_exit(void)
{
	/* Deferred frees of abandoned transfers run before the code goes. */
	destroy_workqueue(mmb_wq);
	class_unregister(&mmb_class);
	unregister_chrdev_region(mmb_devt, MMB_MAX_DEVICES);
	debugfs_remove_recursive(mmb_debugfs_root);
	mmb_object_cache_exit();
	mmb_remote_exit();
	mmb_region_fs_exit();
	mmb_stems_free();
	ida_destroy(&mmb_minor_ida);
}

module_init(mmb_init);
module_exit(mmb_exit);

/* clang-format off */
MODULE_DESCRIPTION("mmbridge: reach user memory from kernel threads and IRQs; revocable device mappings");
/* clang-format on */
MODULE_LICENSE("GPL");
MODULE_VERSION(MMB_VERSION);
