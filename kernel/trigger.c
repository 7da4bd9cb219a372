// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge interrupt triggers: MMB_IOC_IRQ_TRIGGER makes the device raise
 * interrupts (struct mmb_device_ops.irq_raise) and waits until its handler
 * has reported them; MMB_IOC_IRQ_TIMER starts and stops the device's
 * periodic interrupt (.irq_timer), which stops when the file that started
 * it is closed.  Both are the test interface's (mmb_test_uapi.h).
 */
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "mmb_test_uapi.h"
#include "priv.h"

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
	left = wait_event_interruptible_timeout(mdev->core->notify.wq,
						mmb_trigger_seen(mdev, before),
						HZ);
	if (left < 0)
		left = wait_event_timeout(mdev->core->notify.wq,
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
	if (mutex_lock_interruptible(&mdev->core->ctl_lock)) {
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
	mutex_unlock(&mdev->core->ctl_lock);
	mmb_device_leave(mdev);
	return ret;
}

static int mmb_irq_trigger_check(const void *arg)
{
	const struct mmb_irq_trigger *trig = arg;

	if ((trig->flags & ~MMB_IRQ_TRIGGER_NOWAIT) || trig->reserved)
		return -EINVAL;
	if (!trig->count || trig->count > MMB_IRQ_TRIGGER_MAX)
		return -EINVAL;
	if ((trig->flags & MMB_IRQ_TRIGGER_NOWAIT) && trig->count != 1)
		return -EINVAL;
	return 0;
}

/* The count raised is written back whatever happened. */
static long mmb_ioctl_irq_trigger(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	struct mmb_irq_trigger *t = arg;
	int ret = 0;

	t->raised = 0;
	if (!(mdev->core->caps & MMB_CAP_IRQ))
		return -EOPNOTSUPP;

	/*
	 * The handler may finish before the wait starts, so the wait would
	 * never notice a signal: look for one before every interrupt.
	 */
	while (t->raised < t->count) {
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = mmb_trigger_one(mdev,
				      !(t->flags & MMB_IRQ_TRIGGER_NOWAIT));
		if (ret)
			break;
		t->raised++;
		cond_resched();
	}
	/* Nothing happened yet: the call may be restarted. */
	if (ret == -EINTR && !t->raised)
		return -ERESTARTSYS;
	return ret;
}

static int mmb_irq_timer_check(const void *arg)
{
	const struct mmb_irq_timer *tm = arg;

	if (tm->flags)
		return -EINVAL;
	if (tm->period_ns && (tm->period_ns < MMB_IRQ_PERIOD_MIN_NS ||
			      tm->period_ns > MMB_IRQ_PERIOD_MAX_NS))
		return -EINVAL;
	return 0;
}

static long mmb_ioctl_irq_timer(void *ctx, struct file *file, void *arg)
{
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	const struct mmb_irq_timer *tm = arg;
	int ret;

	if (!(mdev->core->caps & MMB_CAP_IRQ_TIMER))
		return -EOPNOTSUPP;

	ret = mmb_device_enter(mdev);
	if (ret)
		return ret;
	mutex_lock(&mdev->core->ctl_lock);
	ret = mdev->ops->irq_timer(mdev, tm->period_ns);
	if (!ret)
		mdev->core->timer_owner = tm->period_ns ? file : NULL;
	mutex_unlock(&mdev->core->ctl_lock);
	mmb_device_leave(mdev);
	return ret;
}

/* Closing the file that started the periodic timer stops it. */
static void mmb_stop_owned_timer(struct mmb_file *mf, struct file *file)
{
	struct mmb_device *mdev = mf->mdev;

	if (mmb_device_enter(mdev))
		return;
	mutex_lock(&mdev->core->ctl_lock);
	if (mdev->core->timer_owner == file) {
		mdev->ops->irq_timer(mdev, 0);
		mdev->core->timer_owner = NULL;
	}
	mutex_unlock(&mdev->core->ctl_lock);
	mmb_device_leave(mdev);
}

/* A timer started by a still-open file must not outlive the driver. */
static void mmb_trigger_unplug(struct mmb_device *mdev)
{
	mutex_lock(&mdev->core->ctl_lock);
	if (mdev->core->timer_owner)
		mdev->ops->irq_timer(mdev, 0);
	mdev->core->timer_owner = NULL;
	mutex_unlock(&mdev->core->ctl_lock);
}

static const struct mmb_ioctl_desc mmb_trigger_ioctls[] = {
	MMB_IOCTL(MMB_IOC_IRQ_TRIGGER, struct mmb_irq_trigger, reserved,
		  MMB_IOCTL_OUT_ERR | MMB_IOCTL_TEST, mmb_irq_trigger_check,
		  mmb_ioctl_irq_trigger),
	MMB_IOCTL(MMB_IOC_IRQ_TIMER, struct mmb_irq_timer, period_ns,
		  MMB_IOCTL_TEST, mmb_irq_timer_check, mmb_ioctl_irq_timer),
};

const struct mmb_mechanism mmb_trigger_mech = {
	.name = "trigger",
	.ioctls = mmb_trigger_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_trigger_ioctls),
	.dev_unplug = mmb_trigger_unplug,
	.file_release = mmb_stop_owned_timer,
};
