// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_soft: a software device present on any machine, soft0.
 *
 *  - interrupts are hrtimer expiries (one-shot for MMB_IOC_IRQ_TRIGGER,
 *    periodic for MMB_IOC_IRQ_TIMER);
 *  - device memory is RAM (soft_mem_mb MiB), and so is the object pool
 *    (soft_pool_mb MiB);
 *  - the device memory is region 0; with soft_regions=N there are N
 *    regions, region K >= 1 being K * 64 KiB of RAM of its own, and
 *    soft_raw_region=K makes region K raw (only CAP_SYS_RAWIO maps it),
 *    as a BAR with registers would be;
 *  - a kernel thread is the DMA engine: it copies between host RAM and the
 *    device memory and signals completion with a timer "interrupt", so
 *    completions arrive in interrupt context as they do on real hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/mmbridge.h>

#define SOFT_DRV_NAME "mmbridge-soft"

static bool soft_enable = true;
module_param(soft_enable, bool, 0444);
MODULE_PARM_DESC(soft_enable, "Create the software device soft0 (default: on)");

static unsigned int soft_mem_mb = 8;
module_param(soft_mem_mb, uint, 0444);
MODULE_PARM_DESC(soft_mem_mb,
		 "Device memory of soft0 in MiB, 1 to 1024 (default: 8)");

static unsigned int soft_pool_mb = 8;
module_param(soft_pool_mb, uint, 0444);
MODULE_PARM_DESC(soft_pool_mb,
		 "Object pool of soft0 in MiB, 0 (none) to 1024 (default: 8)");

static unsigned int soft_regions = 1;
module_param(soft_regions, uint, 0444);
/* clang-format off */
MODULE_PARM_DESC(soft_regions,
		 "Regions of soft0, 1 to 8: region 0 is its device memory, region K >= 1 is K * 64 KiB of RAM (default: 1)");
/* clang-format on */

static unsigned int soft_raw_region;
module_param(soft_raw_region, uint, 0444);
/* clang-format off */
MODULE_PARM_DESC(soft_raw_region,
		 "A region K of 1 to soft_regions - 1 that only CAP_SYS_RAWIO maps, or 0 (none; default)");
/* clang-format on */

#define SOFT_REGION_UNIT (64 * 1024)

struct mmb_soft {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
	void *mem;
	void *pool;
	void *extra[MMB_REGIONS_MAX]; /* regions 1 and up */

	struct hrtimer raise_timer; /* one-shot interrupt */
	struct hrtimer period_timer; /* periodic interrupts */
	u64 period_ns; /* ctl_lock for writes */

	struct hrtimer dma_irq_timer; /* DMA completion interrupt */
	spinlock_t dma_lock; /* the engine's lists; IRQ-safe */
	struct list_head dma_queue; /* dma_lock: submitted */
	struct list_head dma_done; /* dma_lock: copied, not yet signalled */
	wait_queue_head_t dma_wq;
	struct task_struct *dma_thread;

	struct delayed_work outage_end; /* restores after an outage */
};

static struct platform_device *soft_pdev;

static enum hrtimer_restart soft_raise_fn(struct hrtimer *t)
{
	struct mmb_soft *soft = container_of(t, struct mmb_soft, raise_timer);

	mmb_irq_event(&soft->mdev, MMB_EVENT_TRIGGER);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart soft_period_fn(struct hrtimer *t)
{
	struct mmb_soft *soft = container_of(t, struct mmb_soft, period_timer);

	mmb_irq_event(&soft->mdev, MMB_EVENT_TIMER);
	hrtimer_forward_now(t, ns_to_ktime(READ_ONCE(soft->period_ns)));
	return HRTIMER_RESTART;
}

static void soft_complete_list(struct list_head *list, int status)
{
	struct mmb_dma_req *req, *tmp;

	list_for_each_entry_safe(req, tmp, list, node) {
		list_del(&req->node);
		if (status)
			req->status = status;
		req->done(req);
	}
}

static enum hrtimer_restart soft_dma_irq_fn(struct hrtimer *t)
{
	struct mmb_soft *soft = container_of(t, struct mmb_soft, dma_irq_timer);
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&soft->dma_lock, flags);
	list_splice_init(&soft->dma_done, &done);
	spin_unlock_irqrestore(&soft->dma_lock, flags);

	if (!list_empty(&done)) {
		mmb_irq_event(&soft->mdev, MMB_EVENT_DMA);
		soft_complete_list(&done, 0);
	}
	return HRTIMER_NORESTART;
}

static struct mmb_dma_req *soft_dma_next(struct mmb_soft *soft)
{
	struct mmb_dma_req *req;

	spin_lock_irq(&soft->dma_lock);
	req = list_first_entry_or_null(&soft->dma_queue, struct mmb_dma_req,
				       node);
	if (req)
		list_del(&req->node);
	spin_unlock_irq(&soft->dma_lock);
	return req;
}

static int soft_dma_thread(void *data)
{
	struct mmb_soft *soft = data;
	struct mmb_dma_req *req;

	while (!kthread_should_stop()) {
		wait_event_interruptible(soft->dma_wq,
					 !list_empty(&soft->dma_queue) ||
						 kthread_should_stop());
		while ((req = soft_dma_next(soft))) {
			void *dev = soft->mem + req->dev_offset;

			if (req->to_device)
				memcpy(dev, req->cpu_addr, req->len);
			else
				memcpy(req->cpu_addr, dev, req->len);
			req->status = 0;

			spin_lock_irq(&soft->dma_lock);
			list_add_tail(&req->node, &soft->dma_done);
			spin_unlock_irq(&soft->dma_lock);
			hrtimer_start(&soft->dma_irq_timer, 0,
				      HRTIMER_MODE_REL);
			cond_resched();
		}
	}
	return 0;
}

static struct mmb_soft *to_soft(struct mmb_device *mdev)
{
	return container_of(mdev, struct mmb_soft, mdev);
}

static int soft_irq_raise(struct mmb_device *mdev)
{
	struct mmb_soft *soft = to_soft(mdev);

	hrtimer_start(&soft->raise_timer, 0, HRTIMER_MODE_REL);
	return 0;
}

static int soft_irq_timer(struct mmb_device *mdev, u64 period_ns)
{
	struct mmb_soft *soft = to_soft(mdev);

	hrtimer_cancel(&soft->period_timer);
	WRITE_ONCE(soft->period_ns, period_ns);
	if (period_ns)
		hrtimer_start(&soft->period_timer, ns_to_ktime(period_ns),
			      HRTIMER_MODE_REL);
	return 0;
}

static int soft_dma_submit(struct mmb_device *mdev, struct mmb_dma_req *req)
{
	struct mmb_soft *soft = to_soft(mdev);
	unsigned long flags;

	if (req->dev_offset + req->len > mdev->dma_window)
		return -EINVAL;
	spin_lock_irqsave(&soft->dma_lock, flags);
	list_add_tail(&req->node, &soft->dma_queue);
	spin_unlock_irqrestore(&soft->dma_lock, flags);
	wake_up(&soft->dma_wq);
	return 0;
}

static const struct mmb_device_ops soft_ops = {
	.irq_raise = soft_irq_raise,
	.irq_timer = soft_irq_timer,
	.dma_submit = soft_dma_submit,
};

/* Stop the engine and complete what it still holds; no producer is left. */
static void soft_dma_stop(struct mmb_soft *soft)
{
	LIST_HEAD(left);

	kthread_stop(soft->dma_thread);
	hrtimer_cancel(&soft->dma_irq_timer);
	spin_lock_irq(&soft->dma_lock);
	list_splice_init(&soft->dma_done, &left);
	spin_unlock_irq(&soft->dma_lock);
	if (!list_empty(&left))
		mmb_irq_event(&soft->mdev, MMB_EVENT_DMA);
	soft_complete_list(&left, 0);
	spin_lock_irq(&soft->dma_lock);
	list_splice_init(&soft->dma_queue, &left);
	spin_unlock_irq(&soft->dma_lock);
	if (!list_empty(&left))
		mmb_irq_event(&soft->mdev, MMB_EVENT_DMA_ERROR);
	soft_complete_list(&left, -ENODEV);
}

/*
 * A device-initiated revocation: writing N to outage_ms makes the device
 * revoke its region now and restore it N ms later (0 restores at once).
 */
static void soft_outage_end(struct work_struct *work)
{
	struct mmb_soft *soft = container_of(to_delayed_work(work),
					     struct mmb_soft, outage_end);

	mmb_region_restore(&soft->mdev);
}

static ssize_t outage_ms_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct mmb_device *mdev = mmb_device_from_dev(dev);
	struct mmb_soft *soft = to_soft(mdev);
	unsigned int ms;
	int ret;

	ret = kstrtouint(buf, 0, &ms);
	if (ret)
		return ret;
	if (ms > 60000)
		return -ERANGE;
	if (!ms) {
		cancel_delayed_work_sync(&soft->outage_end);
		ret = mmb_region_restore(mdev);
	} else {
		ret = mmb_region_revoke(mdev);
		if (!ret)
			mod_delayed_work(system_wq, &soft->outage_end,
					 msecs_to_jiffies(ms));
	}
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(outage_ms);

static struct attribute *soft_attrs[] = { &dev_attr_outage_ms.attr, NULL };
ATTRIBUTE_GROUPS(soft);

/* Regions 1 to soft_regions - 1: RAM of their own. */
static int soft_extra_regions(struct mmb_soft *soft)
{
	unsigned int k;

	for (k = 1; k < soft_regions; k++) {
		size_t size = (size_t)k * SOFT_REGION_UNIT;

		soft->extra[k] = vzalloc(size);
		if (!soft->extra[k])
			return -ENOMEM;
		soft->mdev.regions[k] = (struct mmb_mem){
			.virt = soft->extra[k],
			.size = size,
			.cache = MMB_CACHE_WB,
			.user_safe = k != soft_raw_region,
			.raw = k == soft_raw_region,
		};
	}
	return 0;
}

/* The memory, after the device is unregistered (or never was). */
static void soft_free(struct mmb_soft *soft)
{
	unsigned int k;

	for (k = 1; k < MMB_REGIONS_MAX; k++)
		vfree(soft->extra[k]);
	vfree(soft->pool);
	vfree(soft->mem);
}

static int soft_probe(struct platform_device *pdev)
{
	struct mmb_soft *soft;
	int ret;

	soft = mmb_device_alloc(struct mmb_soft, mdev, &pdev->dev, &soft_ops,
				"soft");
	if (IS_ERR(soft))
		return PTR_ERR(soft);
	soft->mem = vzalloc((size_t)soft_mem_mb << 20);
	if (!soft->mem) {
		ret = -ENOMEM;
		goto err_put;
	}
	if (soft_pool_mb) {
		soft->pool = vzalloc((size_t)soft_pool_mb << 20);
		if (!soft->pool) {
			ret = -ENOMEM;
			goto err_put;
		}
	}
	spin_lock_init(&soft->dma_lock);
	INIT_LIST_HEAD(&soft->dma_queue);
	INIT_LIST_HEAD(&soft->dma_done);
	init_waitqueue_head(&soft->dma_wq);
	hrtimer_init(&soft->raise_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	soft->raise_timer.function = soft_raise_fn;
	hrtimer_init(&soft->period_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	soft->period_timer.function = soft_period_fn;
	hrtimer_init(&soft->dma_irq_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	soft->dma_irq_timer.function = soft_dma_irq_fn;
	INIT_DELAYED_WORK(&soft->outage_end, soft_outage_end);

	/* RAM standing in for device memory: safe to map for anyone. */
	soft->mdev.mem = (struct mmb_mem){
		.virt = soft->mem,
		.size = (u64)soft_mem_mb << 20,
		.cache = MMB_CACHE_WB,
		.user_safe = true,
	};
	soft->mdev.regions[0] = soft->mdev.mem;
	ret = soft_extra_regions(soft);
	if (ret)
		goto err_put;
	soft->mdev.pool = (struct mmb_mem){
		.virt = soft->pool,
		.size = (u64)soft_pool_mb << 20,
		.cache = MMB_CACHE_WB,
		.user_safe = true,
	};
	soft->mdev.dma_window = soft->mdev.mem.size;
	soft->mdev.dma_cpu = true;

	soft->dma_thread = kthread_run(soft_dma_thread, soft, "mmb-soft-dma");
	if (IS_ERR(soft->dma_thread)) {
		ret = PTR_ERR(soft->dma_thread);
		goto err_put;
	}

	ret = mmb_device_register(&soft->mdev, soft_groups);
	if (ret)
		goto err_stop_dma;

	platform_set_drvdata(pdev, soft);
	dev_info(&pdev->dev, "%s: %u MiB device memory\n",
		 dev_name(&soft->mdev.dev), soft_mem_mb);
	return 0;

err_stop_dma:
	soft_dma_stop(soft);
err_put:
	soft_free(soft);
	mmb_device_put(&soft->mdev);
	return ret;
}

static void soft_remove(struct platform_device *pdev)
{
	struct mmb_soft *soft = platform_get_drvdata(pdev);

	mmb_device_unregister(&soft->mdev);
	cancel_delayed_work_sync(&soft->outage_end);
	hrtimer_cancel(&soft->period_timer);
	hrtimer_cancel(&soft->raise_timer);
	soft_dma_stop(soft);
	soft_free(soft);
	/* Open files may keep @soft, not what it pointed to. */
	mmb_device_put(&soft->mdev);
}

static struct platform_driver soft_driver = {
	.driver = {
		.name = SOFT_DRV_NAME,
	},
	.probe = soft_probe,
#if KERNEL_VERSION(6, 11, 0) > LINUX_VERSION_CODE
	.remove_new = soft_remove, /* the void form before 6.11 */
#else
	.remove = soft_remove,
#endif
};

static int __init mmb_soft_init(void)
{
	struct platform_device_info info = {
		.name = SOFT_DRV_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	if (!soft_enable)
		return 0;
	if (soft_mem_mb < 1 || soft_mem_mb > 1024) {
		pr_err("soft_mem_mb=%u is outside 1..1024\n", soft_mem_mb);
		return -EINVAL;
	}
	if (soft_pool_mb > 1024) {
		pr_err("soft_pool_mb=%u is outside 0..1024\n", soft_pool_mb);
		return -EINVAL;
	}
	if (soft_regions < 1 || soft_regions > MMB_REGIONS_MAX ||
	    soft_raw_region >= soft_regions) {
		pr_err("soft_regions=%u, soft_raw_region=%u: 1 to %u regions, the raw one below soft_regions\n",
		       soft_regions, soft_raw_region, MMB_REGIONS_MAX);
		return -EINVAL;
	}
	ret = platform_driver_register(&soft_driver);
	if (ret)
		return ret;
	soft_pdev = platform_device_register_full(&info);
	if (IS_ERR(soft_pdev)) {
		ret = PTR_ERR(soft_pdev);
		soft_pdev = NULL;
		platform_driver_unregister(&soft_driver);
		return ret;
	}
	return 0;
}

static void __exit mmb_soft_exit(void)
{
	if (!soft_pdev)
		return;
	platform_device_unregister(soft_pdev);
	soft_pdev = NULL;
	platform_driver_unregister(&soft_driver);
}

module_init(mmb_soft_init);
module_exit(mmb_soft_exit);

MODULE_DESCRIPTION("mmbridge software device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS_MMBRIDGE();
