// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge notify: interrupt bookkeeping written from hard-IRQ context and
 * the wait queue that sleepers on device events use.
 */
#include <linux/sched.h>
#include <linux/wait.h>

#include "priv.h"

void mmb_notify_init(struct mmb_notify *n)
{
	atomic64_set(&n->irq_count, 0);
	atomic64_set(&n->trigger_count, 0);
	init_waitqueue_head(&n->wq);
}

/**
 * mmb_irq_event() - record one device interrupt and wake its waiters.
 * @mdev:	the device that interrupted
 * @cause:	why it interrupted
 *
 * Called by backends from their interrupt handler: hard-IRQ context, or on
 * PREEMPT_RT the forced IRQ thread / softirq-expired hrtimer, because the
 * wake-up takes the wait queue's spinlock_t.  Does not sleep.
 */
void mmb_irq_event(struct mmb_device *mdev, enum mmb_irq_cause cause)
{
	struct mmb_notify *n = &mdev->notify;
	s64 count = atomic64_inc_return(&n->irq_count);

	if (cause == MMB_IRQ_TRIGGER)
		atomic64_inc(&n->trigger_count);
	if (!list_empty(&mdev->irq_copies))
		mmb_irq_copy_event(mdev, count);
	wake_up_all(&n->wq);
}

/* Wake every sleeper so that it notices the device is gone. */
void mmb_notify_unplug(struct mmb_device *mdev)
{
	wake_up_all(&mdev->notify.wq);
}
