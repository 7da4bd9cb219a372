// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_sample's device: a driver's own device registered with mmbridge
 * through <linux/mmbridge.h> alone, and every mechanism works on it
 * (/dev/mmbridge/sample0).
 *
 * The "hardware" is software, so that the sample runs anywhere, but it is
 * shaped like a device with its own DMA engine and local memory:
 *
 *  - local memory: sample_mem_kb KiB of RAM, which user space reads and
 *    writes (MMB_IOC_MEM_RW) and maps revocably (the region);
 *  - an object pool: sample_pool_kb KiB of RAM besides it;
 *  - an interrupt source: an hrtimer, which runs where a device's
 *    interrupt handler runs (hard-IRQ context; on PREEMPT_RT a thread),
 *    raised on request (irq_raise) or periodically (irq_timer);
 *  - a DMA engine: submitted requests are copied by a work item, one at a
 *    time in submission order, and each completion is reported from the
 *    "interrupt" (the hrtimer), as hardware does.
 *
 * Removal (module unload) follows the unregister contract: unregister
 * first, then stop the engine and fail what it still holds, then free the
 * memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/mmbridge.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "mmb_sample.h"

static unsigned int sample_mem_kb = 1024;
module_param(sample_mem_kb, uint, 0444);
MODULE_PARM_DESC(sample_mem_kb,
		 "Local memory of sample0, KiB (pages, 4-65536; 1024)");

static unsigned int sample_pool_kb = 1024;
module_param(sample_pool_kb, uint, 0444);
MODULE_PARM_DESC(sample_pool_kb,
		 "Object pool of sample0, KiB (pages, 0-65536; 1024)");

/* The node name's stem: mmbridge checks it and numbers the device. */
static char *sample_name = "sample";
module_param(sample_name, charp, 0444);
MODULE_PARM_DESC(sample_name, "Stem of the node name (default: sample)");

struct sample_dev {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
	void *mem;
	void *pool;

	struct hrtimer irq; /* the interrupt line */
	spinlock_t lock; /* everything below; IRQ-safe */
	bool raise; /* a raised interrupt is pending */
	u64 period_ns; /* periodic interrupts, 0: none */
	ktime_t next_tick;
	struct list_head queue; /* submitted, not yet copied */
	struct list_head done; /* copied, completion not yet reported */
	bool stopped; /* the engine takes nothing more */
	struct work_struct engine;
};

static struct platform_device *sample_pdev;
static struct sample_dev *sample_dev;

static struct sample_dev *to_sample(struct mmb_device *mdev)
{
	return container_of(mdev, struct sample_dev, mdev);
}

/* The interrupt: whatever the device has to report. */
static enum hrtimer_restart sample_irq(struct hrtimer *t)
{
	struct sample_dev *sd = container_of(t, struct sample_dev, irq);
	struct mmb_dma_req *req, *tmp;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	bool raise, tick = false;
	ktime_t now = ktime_get();
	LIST_HEAD(done);
	u64 missed;

	spin_lock(&sd->lock);
	raise = sd->raise;
	sd->raise = false;
	list_splice_init(&sd->done, &done);
	if (sd->period_ns && ktime_compare(now, sd->next_tick) >= 0) {
		tick = true;
		/*
		 * The next tick is the first period after now, as
		 * hrtimer_forward_now() has it: a late interrupt drops the
		 * periods it missed instead of firing back to back until it
		 * has caught up, which a CPU slower than the period never
		 * does (an interrupt storm that stalls the CPU).
		 */
		missed = div64_u64(ktime_to_ns(ktime_sub(now, sd->next_tick)),
				   sd->period_ns);
		sd->next_tick = ktime_add_ns(sd->next_tick,
					     (missed + 1) * sd->period_ns);
	}
	/*
	 * A raise or a completion that started the timer (under @lock)
	 * after this expiry has queued it again: its expiry is not this
	 * callback's to change any more, and it runs again at once.
	 */
	if (sd->period_ns && !hrtimer_is_queued(t)) {
		hrtimer_set_expires(t, sd->next_tick);
		ret = HRTIMER_RESTART;
	}
	spin_unlock(&sd->lock);

	if (raise)
		mmb_irq_event(&sd->mdev, MMB_EVENT_TRIGGER);
	if (tick)
		mmb_irq_event(&sd->mdev, MMB_EVENT_TIMER);
	if (!list_empty(&done))
		mmb_irq_event(&sd->mdev, MMB_EVENT_DMA);
	list_for_each_entry_safe(req, tmp, &done, node) {
		list_del(&req->node);
		req->status = 0;
		req->done(req);
	}
	return ret;
}

/*
 * Fire the interrupt now.  With the periodic timer on, the handler reports
 * a tick only when one is due and rearms for the next.
 */
static void sample_irq_now(struct sample_dev *sd)
{
	lockdep_assert_held(&sd->lock);
	hrtimer_start(&sd->irq, 0, HRTIMER_MODE_REL);
}

static int sample_irq_raise(struct mmb_device *mdev)
{
	struct sample_dev *sd = to_sample(mdev);
	unsigned long flags;

	spin_lock_irqsave(&sd->lock, flags);
	sd->raise = true;
	sample_irq_now(sd);
	spin_unlock_irqrestore(&sd->lock, flags);
	return 0;
}

static int sample_irq_timer(struct mmb_device *mdev, u64 period_ns)
{
	struct sample_dev *sd = to_sample(mdev);
	unsigned long flags;

	/* Wait for a running handler: it rearms from the old period. */
	hrtimer_cancel(&sd->irq);
	spin_lock_irqsave(&sd->lock, flags);
	sd->period_ns = period_ns;
	sd->next_tick = ktime_add_ns(ktime_get(), period_ns);
	if (period_ns)
		hrtimer_start(&sd->irq, sd->next_tick, HRTIMER_MODE_ABS);
	else if (sd->raise || !list_empty(&sd->done))
		hrtimer_start(&sd->irq, 0, HRTIMER_MODE_REL);
	spin_unlock_irqrestore(&sd->lock, flags);
	return 0;
}

/* The engine: one request at a time, in submission order. */
static void sample_engine(struct work_struct *work)
{
	struct sample_dev *sd = container_of(work, struct sample_dev, engine);
	struct mmb_dma_req *req;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&sd->lock, flags);
		req = list_first_entry_or_null(&sd->queue, struct mmb_dma_req,
					       node);
		if (req)
			list_del(&req->node);
		spin_unlock_irqrestore(&sd->lock, flags);
		if (!req)
			return;
		if (req->to_device)
			memcpy(sd->mem + req->dev_offset, req->cpu_addr,
			       req->len);
		else
			memcpy(req->cpu_addr, sd->mem + req->dev_offset,
			       req->len);
		spin_lock_irqsave(&sd->lock, flags);
		list_add_tail(&req->node, &sd->done);
		sample_irq_now(sd);
		spin_unlock_irqrestore(&sd->lock, flags);
		cond_resched();
	}
}

/* Any context: the stream submits its next frame from a completion. */
static int sample_dma_submit(struct mmb_device *mdev, struct mmb_dma_req *req)
{
	struct sample_dev *sd = to_sample(mdev);
	unsigned long flags;
	int ret = 0;

	if (req->dev_offset + req->len > mdev->dma_window)
		return -EINVAL;
	spin_lock_irqsave(&sd->lock, flags);
	if (sd->stopped)
		ret = -ENODEV;
	else
		list_add_tail(&req->node, &sd->queue);
	spin_unlock_irqrestore(&sd->lock, flags);
	if (!ret)
		queue_work(system_unbound_wq, &sd->engine);
	return ret;
}

static const struct mmb_device_ops sample_ops = {
	.dma_submit = sample_dma_submit,
	.irq_raise = sample_irq_raise,
	.irq_timer = sample_irq_timer,
};

/*
 * After mmb_device_unregister(): nothing submits any more.  Let the
 * engine finish what it copies, report those, and fail what is left.
 */
static void sample_engine_stop(struct sample_dev *sd)
{
	struct mmb_dma_req *req, *tmp;
	LIST_HEAD(left);

	spin_lock_irq(&sd->lock);
	sd->stopped = true;
	spin_unlock_irq(&sd->lock);
	cancel_work_sync(&sd->engine);
	hrtimer_cancel(&sd->irq);
	spin_lock_irq(&sd->lock);
	list_splice_init(&sd->done, &left);
	list_for_each_entry(req, &left, node)
		req->status = 0;
	list_for_each_entry(req, &sd->queue, node)
		req->status = -ENODEV;
	list_splice_tail_init(&sd->queue, &left);
	spin_unlock_irq(&sd->lock);
	list_for_each_entry_safe(req, tmp, &left, node) {
		list_del(&req->node);
		req->done(req);
	}
}

static bool sample_size_ok(unsigned int kb, unsigned int min)
{
	return kb >= min && kb <= 65536 && !((kb << 10) & ~PAGE_MASK);
}

int mmb_sample_dev_init(void)
{
	struct sample_dev *sd;
	int ret;

	if (!sample_size_ok(sample_mem_kb, 4) ||
	    !sample_size_ok(sample_pool_kb, 0)) {
		pr_err("sample_mem_kb=%u, sample_pool_kb=%u: page multiples up to 65536 KiB, memory at least 4 KiB\n",
		       sample_mem_kb, sample_pool_kb);
		return -EINVAL;
	}
	sample_pdev =
		platform_device_register_simple("mmb_sample", -1, NULL, 0);
	if (IS_ERR(sample_pdev))
		return PTR_ERR(sample_pdev);

	sd = mmb_device_alloc(struct sample_dev, mdev, &sample_pdev->dev,
			      &sample_ops, sample_name);
	if (IS_ERR(sd)) {
		ret = PTR_ERR(sd);
		goto err_pdev;
	}
	spin_lock_init(&sd->lock);
	INIT_LIST_HEAD(&sd->queue);
	INIT_LIST_HEAD(&sd->done);
	INIT_WORK(&sd->engine, sample_engine);
	hrtimer_init(&sd->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	sd->irq.function = sample_irq;
	sd->mem = vzalloc((size_t)sample_mem_kb << 10);
	sd->pool = sample_pool_kb ? vzalloc((size_t)sample_pool_kb << 10) :
				    NULL;
	if (!sd->mem || (sample_pool_kb && !sd->pool)) {
		ret = -ENOMEM;
		goto err_free;
	}

	/* Describe the device once; the capabilities follow from it. */
	sd->mdev.mem = (struct mmb_mem){
		.virt = sd->mem,
		.size = (u64)sample_mem_kb << 10,
		.cache = MMB_CACHE_WB,
		.user_safe = true, /* plain memory, no registers */
	};
	sd->mdev.regions[0] = sd->mdev.mem;
	sd->mdev.pool = (struct mmb_mem){
		.virt = sd->pool,
		.size = (u64)sample_pool_kb << 10,
		.cache = MMB_CACHE_WB,
		.user_safe = true,
	};
	sd->mdev.dma_window = sd->mdev.mem.size;
	sd->mdev.dma_cpu = true; /* the engine copies with the CPU */

	ret = mmb_device_register(&sd->mdev, NULL);
	if (ret)
		goto err_free;
	sample_dev = sd;
	pr_info("%s: %u KiB local memory, %u KiB object pool\n",
		dev_name(&sd->mdev.dev), sample_mem_kb, sample_pool_kb);
	return 0;

err_free:
	vfree(sd->pool);
	vfree(sd->mem);
	mmb_device_put(&sd->mdev);
err_pdev:
	platform_device_unregister(sample_pdev);
	return ret;
}

void mmb_sample_dev_exit(void)
{
	struct sample_dev *sd = sample_dev;

	/* Files, mappings and objects of sample0 may outlive this. */
	mmb_device_unregister(&sd->mdev);
	sample_engine_stop(sd);
	vfree(sd->pool);
	vfree(sd->mem);
	mmb_device_put(&sd->mdev);
	platform_device_unregister(sample_pdev);
}
