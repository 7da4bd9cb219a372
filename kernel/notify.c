// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge notify: how device interrupts reach user space.
 *
 * A backend's interrupt handler calls mmb_irq_event().  Under the device's
 * raw event lock it updates the counter page (a kernel page that files map
 * read-only) inside a sequence count and appends a record to every
 * registered pinned ring; then, outside that lock, it signals registered
 * eventfds and wakes the wait queue that event files, poll() and triggers
 * sleep on.
 *
 * Everything under the raw lock is safe in hard-IRQ context on every
 * kernel, PREEMPT_RT included: plain stores into pages that stay pinned and
 * mapped while they are on the lists.  Wake-ups and eventfds take
 * spinlock_t locks, which PREEMPT_RT turns into sleeping locks; there the
 * handlers that call mmb_irq_event() run in threads (forced-threaded PCI
 * interrupts, softirq-expiry hrtimers), where that is allowed.
 *
 * A ring leaves the list under the same raw lock the handler holds while
 * writing, so once unlinked no handler can be inside it and its pages may
 * be unmapped and unpinned: the per-ring equivalent of masking the
 * interrupt and calling synchronize_irq(), without stopping the device for
 * its other users.
 */
#include <linux/anon_inodes.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "compat.h"
#include "priv.h"

/*
 * Rings and eventfds on one device, over all files: they bound the
 * handler's work, which runs with interrupts off.
 */
#define MMB_RINGS_PER_DEVICE 256
#define MMB_EVENTFDS_PER_DEVICE 256

/**
 * struct mmb_ring_reg - a registered pinned ring.
 * @node:	on mmb_notify.rings; mmb_notify.lock
 * @pin:	the pinned, vmapped range
 * @ring:	the ring header in the kernel mapping
 * @head:	records written; mmb_notify.lock
 * @slot:	@head % @nr_slots; mmb_notify.lock
 * @nr_slots:	records the ring holds
 * @id:		handle given to user space
 */
struct mmb_ring_reg {
	struct list_head node;
	struct mmb_pin pin;
	struct mmb_ring *ring;
	u64 head;
	u32 slot;
	u32 nr_slots;
	u32 id;
};

/**
 * struct mmb_efd_reg - an eventfd signalled on every event, or on every
 *	event of one vector.
 * @node:	on mmb_notify.eventfds; mmb_notify.efd_lock
 * @ctx:	the eventfd
 * @vector:	the vector, or -1 for every event
 */
struct mmb_efd_reg {
	struct list_head node;
	struct eventfd_ctx *ctx;
	int vector;
};

/**
 * struct mmb_event_file - an fd from MMB_IOC_EVENT_OPEN.
 * @mdev:	the device; referenced
 * @vector:	the vector whose events it counts, or -1 for every event
 * @lock:	@seen
 * @seen:	event count this fd last returned
 */
struct mmb_event_file {
	struct mmb_device *mdev;
	int vector;
	spinlock_t lock; /* @seen */
	u64 seen;
};

static int mmb_notify_init(struct mmb_notify *n)
{
	int i;

	n->page = (struct mmb_counters *)get_zeroed_page(GFP_KERNEL);
	if (!n->page)
		return -ENOMEM;
	n->page->size = sizeof(*n->page);
	n->page->enabled = 1;
	raw_spin_lock_init(&n->lock);
	atomic64_set(&n->delivered, 0);
	for (i = 0; i < MMB_VECTORS_MAX; i++)
		atomic64_set(&n->vec_delivered[i], 0);
	atomic64_set(&n->triggers_seen, 0);
	atomic64_set(&n->handled, 0);
	INIT_LIST_HEAD(&n->rings);
	spin_lock_init(&n->efd_lock);
	INIT_LIST_HEAD(&n->eventfds);
	init_waitqueue_head(&n->wq);
	return 0;
}

/* Called when the device struct is freed: nothing maps the page any more. */
static void mmb_notify_destroy(struct mmb_notify *n)
{
	free_page((unsigned long)n->page);
}

/*
 * Counter page updates: a sequence count in the page itself, so that user
 * space can read it.  Writers are serialized by mmb_notify.lock.
 */
static void mmb_page_begin(struct mmb_counters *pg)
{
	WRITE_ONCE(pg->seq, pg->seq + 1);
	smp_wmb(); /* seq odd before the fields change */
}

static void mmb_page_end(struct mmb_counters *pg)
{
	smp_wmb(); /* fields final before seq is even again */
	WRITE_ONCE(pg->seq, pg->seq + 1);
}

static void mmb_page_inc(u64 *counter)
{
	WRITE_ONCE(*counter, *counter + 1);
}

static void mmb_ring_write(struct mmb_ring_reg *r, u64 count, u64 now,
			   u32 cause)
{
	struct mmb_ring_record *rec = &r->ring->records[r->slot];

	/*
	 * The reader protocol of the uapi header: @seq changes before the
	 * payload does, so a reader that sees any of the new payload sees
	 * the new @seq when it reads @seq again, and knows the slot was
	 * overrun under it.
	 */
	WRITE_ONCE(rec->seq, r->head + 1);
	smp_wmb(); /* seq before the payload */
	WRITE_ONCE(rec->irq_count, count);
	WRITE_ONCE(rec->timestamp_ns, now);
	WRITE_ONCE(rec->cause, cause);
	WRITE_ONCE(rec->cpu, raw_smp_processor_id());
	smp_wmb(); /* the record is complete before head covers it */
	r->head++;
	WRITE_ONCE(r->ring->head, r->head);
	if (++r->slot == r->nr_slots)
		r->slot = 0;
}

/*
 * Count one event and write it into every ring.  Returns the new count.
 * With @state (not U32_MAX) the region state changes in the same update
 * of the counter page: one event, one update, @seq up by exactly 2.
 */
static u64 mmb_deliver_state_locked(struct mmb_notify *n, u32 cause, u64 now,
				    u32 state)
{
	struct mmb_counters *pg = n->page;
	u32 vector = MMB_EVENT_VECTOR_OF(cause);
	struct mmb_ring_reg *r;
	u64 count;

	lockdep_assert_held(&n->lock);
	count = atomic64_read(&n->delivered) + 1;
	mmb_page_begin(pg);
	if (state != U32_MAX)
		WRITE_ONCE(pg->region_state, state);
	WRITE_ONCE(pg->regions_down, n->down);
	WRITE_ONCE(pg->irq_count, count);
	WRITE_ONCE(pg->last_ns, now);
	switch (MMB_EVENT_CAUSE(cause)) {
	case MMB_EVENT_TRIGGER:
		mmb_page_inc(&pg->trigger_count);
		break;
	case MMB_EVENT_TIMER:
		mmb_page_inc(&pg->timer_count);
		break;
	case MMB_EVENT_DMA:
		mmb_page_inc(&pg->dma_count);
		break;
	case MMB_EVENT_DMA_ERROR:
		mmb_page_inc(&pg->dma_errors);
		break;
	case MMB_EVENT_REVOKE:
		mmb_page_inc(&pg->revoke_count);
		break;
	case MMB_EVENT_RESTORE:
		mmb_page_inc(&pg->restore_count);
		break;
	case MMB_EVENT_VECTOR:
		mmb_page_inc(&pg->vector_count);
		mmb_page_inc(&pg->vector_counts[vector]);
		atomic64_set(&n->vec_delivered[vector],
			     pg->vector_counts[vector]);
		break;
	}
	mmb_page_end(pg);
	atomic64_set(&n->delivered, count);

	list_for_each_entry(r, &n->rings, node)
		mmb_ring_write(r, count, now, cause);
	return count;
}

static u64 mmb_deliver_locked(struct mmb_notify *n, u32 cause, u64 now)
{
	return mmb_deliver_state_locked(n, cause, now, U32_MAX);
}

/* The vector of an event of cause @cause as a bit, or 0 for another cause. */
static u32 mmb_vector_bit(u32 cause)
{
	return MMB_EVENT_CAUSE(cause) == MMB_EVENT_VECTOR ?
		       BIT(MMB_EVENT_VECTOR_OF(cause)) :
		       0;
}

/*
 * The part of a delivery that may take spinlock_t locks: @events events,
 * the last one @count, among them one of each vector in @vectors.
 */
static void mmb_fanout(struct mmb_device *mdev, u64 count, u64 now, u32 vectors,
		       unsigned int events)
{
	struct mmb_notify *n = &mdev->core->notify;
	struct mmb_efd_reg *e;
	unsigned long flags;
	unsigned int i;

	if (!list_empty(&mdev->core->irq_copies))
		mmb_irq_copy_event(mdev, count, now);
	if (!list_empty(&n->eventfds)) {
		spin_lock_irqsave(&n->efd_lock, flags);
		list_for_each_entry(e, &n->eventfds, node) {
			if (e->vector >= 0) {
				if (vectors & BIT(e->vector))
					mmb_eventfd_signal(e->ctx);
				continue;
			}
			for (i = 0; i < events; i++)
				mmb_eventfd_signal(e->ctx);
		}
		spin_unlock_irqrestore(&n->efd_lock, flags);
	}
	wake_up_all(&n->wq);
}

/**
 * mmb_irq_event() - report one device interrupt.
 * @mdev:	the device that interrupted
 * @cause:	enum mmb_event_cause
 *
 * Called by drivers from their interrupt handler, for each cause the
 * interrupt reports (MMB_EVENT_TRIGGER, _TIMER, _DMA, _DMA_ERROR; a driver
 * that does not know what its device's interrupts mean reports vectors
 * with mmb_irq_vector()): hard-IRQ context (on PREEMPT_RT the handler's
 * thread, or a softirq hrtimer), or process context.  Does not sleep.
 * Between mmb_device_register() and the driver's mmb_device_put(): after
 * mmb_device_unregister() the driver may still report the requests its
 * teardown fails (MMB_EVENT_DMA_ERROR); they are counted, and reach the
 * files still open.  While delivery is disabled the interrupt is only
 * counted as masked and remembered for mmb_notify_control().
 */
void mmb_irq_event(struct mmb_device *mdev, u32 cause)
{
	struct mmb_notify *n = &mdev->core->notify;
	u32 vector = mmb_vector_bit(cause);
	u64 now = ktime_get_ns();
	unsigned long flags;
	u64 count = 0;

	if (MMB_EVENT_CAUSE(cause) == MMB_EVENT_VECTOR &&
	    WARN_ON_ONCE(MMB_EVENT_VECTOR_OF(cause) >= MMB_VECTORS_MAX))
		return;
	atomic64_inc(&n->handled);
	raw_spin_lock_irqsave(&n->lock, flags);
	if (n->masked) {
		mmb_page_begin(n->page);
		mmb_page_inc(&n->page->masked_count);
		mmb_page_end(n->page);
		if (vector) {
			n->pending_vectors |= vector;
		} else {
			n->pending = true;
			n->pending_cause = cause;
		}
		n->pending_ns = now;
	} else {
		count = mmb_deliver_locked(n, cause, now);
	}
	raw_spin_unlock_irqrestore(&n->lock, flags);

	if (count)
		mmb_fanout(mdev, count, now, vector, 1);
	/*
	 * A trigger counts as seen once it is fully delivered: when
	 * MMB_IOC_IRQ_TRIGGER returns, its events are on the counter page,
	 * in the rings and signalled to eventfds.
	 */
	if (cause == MMB_EVENT_TRIGGER) {
		atomic64_inc(&n->triggers_seen);
		wake_up_all(&n->wq);
	}
}
EXPORT_SYMBOL_GPL(mmb_irq_event);

/**
 * mmb_irq_vector() - report an interrupt of one of the device's vectors.
 * @mdev:	the device that interrupted
 * @vector:	the vector, below &mmb_device.nr_vectors
 *
 * For a driver that does not know what its device's interrupts mean (a
 * generic one): each vector is an event source of its own, cause
 * MMB_EVENT_VECTOR_N(@vector), counted on the counter page's
 * vector_counts[@vector], and user space may wait for one vector's events
 * alone (MMB_EVENT_ONE_VECTOR, MMB_EVENTFD_ONE_VECTOR).  Otherwise as
 * mmb_irq_event(): any context, does not sleep.
 */
void mmb_irq_vector(struct mmb_device *mdev, unsigned int vector)
{
	if (WARN_ON_ONCE(vector >= mdev->nr_vectors))
		return;
	mmb_irq_event(mdev, MMB_EVENT_VECTOR_N(vector));
}
EXPORT_SYMBOL_GPL(mmb_irq_vector);

/**
 * mmb_notify_region() - report a change of the device region's state.
 * @mdev:	the device
 * @cause:	MMB_EVENT_REVOKE, MMB_EVENT_RESTORE, or 0 for a change that
 *		is not an event of its own (removal of a revoked region)
 * @index:	the region whose state changed
 * @state:	region 0's MMB_REGION_* bits now (the counter page's), or
 *		U32_MAX when another region's state changed
 * @live:	whether region @index is live now
 *
 * Not an interrupt: delivered while delivery is disabled too.  Process
 * context.
 */
void mmb_notify_region(struct mmb_device *mdev, u32 cause, u32 index, u32 state,
		       bool live)
{
	struct mmb_notify *n = &mdev->core->notify;
	u64 now = ktime_get_ns();
	unsigned long flags;
	u64 count = 0;

	raw_spin_lock_irqsave(&n->lock, flags);
	n->down = live ? n->down & ~BIT(index) : n->down | BIT(index);
	if (cause) {
		count = mmb_deliver_state_locked(n, cause, now, state);
	} else {
		mmb_page_begin(n->page);
		if (state != U32_MAX)
			WRITE_ONCE(n->page->region_state, state);
		WRITE_ONCE(n->page->regions_down, n->down);
		mmb_page_end(n->page);
	}
	raw_spin_unlock_irqrestore(&n->lock, flags);

	if (count)
		mmb_fanout(mdev, count, now, 0, 1);
}

/**
 * struct mmb_held - what enabling delivery delivered, to fan out once
 *	the locks are dropped.
 * @count:	the count of the last event delivered; 0 for none
 * @now:	the time of the last interrupt that was held back
 * @vectors:	the vectors among the events
 * @events:	events delivered
 */
struct mmb_held {
	u64 count;
	u64 now;
	u32 vectors;
	unsigned int events;
};

/*
 * Set the masking state, ctl_lock held.  Enabling delivers the interrupts
 * held back: one event for the causes other than vectors (the last one's)
 * and one for each vector that interrupted, as masked lines with a pending
 * bit each; what to fan out goes to *@held.
 */
static void mmb_notify_control_locked(struct mmb_device *mdev,
				      struct file *file, bool enable,
				      struct mmb_held *held)
{
	struct mmb_notify *n = &mdev->core->notify;
	unsigned long flags;
	u32 v, cause;

	lockdep_assert_held(&mdev->core->ctl_lock);
	memset(held, 0, sizeof(*held));
	n->mask_owner = enable ? NULL : file;
	raw_spin_lock_irqsave(&n->lock, flags);
	n->masked = !enable;
	mmb_page_begin(n->page);
	WRITE_ONCE(n->page->enabled, enable);
	mmb_page_end(n->page);
	if (enable) {
		held->now = n->pending_ns;
		if (n->pending) {
			n->pending = false;
			held->count = mmb_deliver_locked(n, n->pending_cause,
							 held->now);
			held->events++;
		}
		held->vectors = n->pending_vectors;
		n->pending_vectors = 0;
		for (v = 0; v < MMB_VECTORS_MAX; v++) {
			if (!(held->vectors & BIT(v)))
				continue;
			cause = MMB_EVENT_VECTOR_N(v);
			held->count = mmb_deliver_locked(n, cause, held->now);
			held->events++;
		}
	}
	raw_spin_unlock_irqrestore(&n->lock, flags);
}

static void mmb_held_fanout(struct mmb_device *mdev, struct mmb_held *held)
{
	if (held->count)
		mmb_fanout(mdev, held->count, held->now, held->vectors,
			   held->events);
}

/**
 * mmb_notify_control() - enable or disable event delivery.
 * @mdev:	the device
 * @file:	the file asking; it owns a disabled state until it enables
 *		again or is closed
 * @enable:	true to enable
 *
 * Enabling delivers the interrupts that arrived while disabled (one event
 * for the causes, one per vector), and has a driver whose interrupt masks
 * itself (INTx) unmask it:
 * every enable, whether or not delivery was disabled, as a write of 1 to a
 * UIO node does.  Process context.
 */
static void mmb_notify_control(struct mmb_device *mdev, struct file *file,
			       bool enable)
{
	struct mmb_held held;
	/*
	 * The driver's op only while it is registered: its ops (and its
	 * module's text) may be gone the moment it is not.
	 */
	bool entered = enable && !mmb_device_enter(mdev);

	mutex_lock(&mdev->core->ctl_lock);
	mmb_notify_control_locked(mdev, file, enable, &held);
	if (entered && mdev->ops->irq_unmask)
		mdev->ops->irq_unmask(mdev);
	mutex_unlock(&mdev->core->ctl_lock);
	if (entered)
		mmb_device_leave(mdev);
	mmb_held_fanout(mdev, &held);
}

/*
 * A closing file that disabled delivery enables it again; ownership is
 * checked and acted on under one hold of ctl_lock, so a disable by another
 * file in between stays.
 */
static void mmb_notify_drop_owner(struct mmb_device *mdev, struct file *file)
{
	struct mmb_held held = {};

	mutex_lock(&mdev->core->ctl_lock);
	if (mdev->core->notify.mask_owner == file)
		mmb_notify_control_locked(mdev, file, true, &held);
	mutex_unlock(&mdev->core->ctl_lock);
	mmb_held_fanout(mdev, &held);
}

/* Wake every sleeper so that it notices the device is gone. */
static void mmb_notify_unplug(struct mmb_device *mdev)
{
	WRITE_ONCE(mdev->core->notify.dead, true);
	wake_up_all(&mdev->core->notify.wq);
}

/* Triggers: the handler has seen a raised interrupt since @before. */
u64 mmb_notify_triggers(struct mmb_device *mdev)
{
	return atomic64_read(&mdev->core->notify.triggers_seen);
}

/* Delivered events. */
u64 mmb_notify_count(struct mmb_device *mdev)
{
	return atomic64_read(&mdev->core->notify.delivered);
}

/* Interrupts reported by the backend, delivered or held back. */
u64 mmb_notify_handled(struct mmb_device *mdev)
{
	return atomic64_read(&mdev->core->notify.handled);
}

/**
 * mmb_notify_mmap() - map the counter page read-only.
 * @mdev:	the device
 * @vma:	exactly one page at offset MMB_MMAP_COUNTERS
 *
 * The page is ordinary RAM: vm_insert_page() maps it with a reference of
 * its own and no PAT memtype tracking (remap_pfn_range() of RAM tracks
 * one, and its error path, a failed page-table allocation, warns in
 * 6.12's PAT code).  The mapping's file keeps the device, and so the
 * page, alive.
 *
 * Return: 0; -EINVAL for another size; -EPERM for a writable mapping;
 * -ENOMEM.
 */
static int mmb_notify_mmap(struct mmb_device *mdev, struct vm_area_struct *vma)
{
	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	mmb_vm_flags_clear(vma, VM_MAYWRITE);
	mmb_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_page(vma, vma->vm_start,
			      virt_to_page(mdev->core->notify.page));
}

static void mmb_notify_fd_init(struct mmb_notify_fd *nfd)
{
	mutex_init(&nfd->lock);
	/* Handles from 1, cycling through 32 bits before one is reused. */
	xa_init_flags(&nfd->rings, XA_FLAGS_ALLOC1);
}

/* Take a ring off the device; after this no handler writes into it. */
static void mmb_ring_unregister(struct mmb_device *mdev, struct mmb_ring_reg *r)
{
	struct mmb_notify *n = &mdev->core->notify;
	unsigned long flags;

	raw_spin_lock_irqsave(&n->lock, flags);
	list_del(&r->node);
	n->nr_rings--;
	raw_spin_unlock_irqrestore(&n->lock, flags);
	mmb_stat_add(mdev, MMB_STAT_UNPINS, 1);
	mmb_pin_release(&r->pin);
	kfree(r);
}

/**
 * mmb_notify_pin_ring() - MMB_IOC_PIN_REGION, validated except the range.
 * @mdev:	the device
 * @nfd:	the file's side
 * @pr:	the request; @pr->id and @pr->nr_slots are filled in
 *
 * Return: 0 or -errno as documented for MMB_IOC_PIN_REGION.
 */
static int mmb_notify_pin_ring(struct mmb_device *mdev,
			       struct mmb_notify_fd *nfd,
			       struct mmb_pin_region *pr)
{
	struct mmb_notify *n = &mdev->core->notify;
	struct mmb_ring_reg *r;
	unsigned long flags;
	int ret;

	if (pr->flags)
		return -EINVAL;
	if (!IS_ALIGNED(pr->user_addr, 8))
		return -EINVAL;
	if (pr->length <
		    sizeof(struct mmb_ring) + sizeof(struct mmb_ring_record) ||
	    pr->length > MMB_PIN_MAX)
		return -EINVAL;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	mutex_lock(&nfd->lock);
	ret = -ENOSPC;
	if (nfd->nr_rings >= MMB_PIN_MAX_REGIONS)
		goto err_unlock;
	ret = mmb_pin_user(&r->pin, pr->user_addr, pr->length, MMB_PIN_WRITE);
	if (ret)
		goto err_unlock;
	mmb_stat_pinned(mdev, r->pin.nr_pages);
	ret = mmb_pin_vmap(&r->pin);
	if (ret)
		goto err_unpin;

	r->ring = r->pin.vaddr + r->pin.offset;
	r->nr_slots = (pr->length - sizeof(struct mmb_ring)) /
		      sizeof(struct mmb_ring_record);
	memset(r->ring, 0, sizeof(*r->ring));
	r->ring->nr_slots = r->nr_slots;
	r->ring->record_size = sizeof(struct mmb_ring_record);
	ret = xa_alloc_cyclic(&nfd->rings, &r->id, r, XA_LIMIT(1, U32_MAX),
			      &nfd->next_id, GFP_KERNEL);
	if (ret < 0)
		goto err_unpin;

	raw_spin_lock_irqsave(&n->lock, flags);
	if (n->nr_rings >= MMB_RINGS_PER_DEVICE) {
		raw_spin_unlock_irqrestore(&n->lock, flags);
		xa_erase(&nfd->rings, r->id);
		ret = -ENOSPC;
		goto err_unpin;
	}
	n->nr_rings++;
	list_add_tail(&r->node, &n->rings);
	raw_spin_unlock_irqrestore(&n->lock, flags);

	nfd->nr_rings++;
	mutex_unlock(&nfd->lock);
	pr->id = r->id;
	pr->nr_slots = r->nr_slots;
	return 0;

err_unpin:
	mmb_stat_add(mdev, MMB_STAT_UNPINS, 1);
	mmb_pin_release(&r->pin);
err_unlock:
	mutex_unlock(&nfd->lock);
	kfree(r);
	return ret;
}

/**
 * mmb_notify_unpin_ring() - MMB_IOC_UNPIN_REGION.
 * @mdev:	the device
 * @nfd:	the file's side
 * @id:		the ring's handle
 *
 * Return: 0, or -ENOENT for an unknown @id.
 */
static int mmb_notify_unpin_ring(struct mmb_device *mdev,
				 struct mmb_notify_fd *nfd, u32 id)
{
	struct mmb_ring_reg *r;

	mutex_lock(&nfd->lock);
	r = id ? xa_erase(&nfd->rings, id) : NULL;
	if (r)
		nfd->nr_rings--;
	mutex_unlock(&nfd->lock);
	if (!r)
		return -ENOENT;
	mmb_ring_unregister(mdev, r);
	return 0;
}

/**
 * mmb_notify_set_eventfd() - MMB_IOC_EVENTFD.
 * @mdev:	the device
 * @nfd:	the file's side
 * @fd:		an eventfd, or -1 to unregister
 * @vector:	the vector whose events signal it, or -1 for every event
 *
 * Return: 0; -EBADF for a bad @fd; -EINVAL when it is not an eventfd;
 * -ENOSPC when the device has MMB_EVENTFDS_PER_DEVICE already.
 */
static int mmb_notify_set_eventfd(struct mmb_device *mdev,
				  struct mmb_notify_fd *nfd, int fd, int vector)
{
	struct mmb_notify *n = &mdev->core->notify;
	struct mmb_efd_reg *e = NULL, *old;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	int ret = 0;

	if (fd < -1)
		return -EBADF;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e) {
			eventfd_ctx_put(ctx);
			return -ENOMEM;
		}
		e->ctx = ctx;
		e->vector = vector;
	}

	mutex_lock(&nfd->lock);
	spin_lock_irqsave(&n->efd_lock, flags);
	old = nfd->efd[vector + 1];
	if (e && !old && n->nr_eventfds >= MMB_EVENTFDS_PER_DEVICE) {
		/* A replacement always fits; a new registration may not. */
		old = e;
		ret = -ENOSPC;
	} else {
		if (old) {
			list_del(&old->node);
			n->nr_eventfds--;
		}
		if (e) {
			list_add_tail(&e->node, &n->eventfds);
			n->nr_eventfds++;
		}
		nfd->efd[vector + 1] = e;
	}
	spin_unlock_irqrestore(&n->efd_lock, flags);
	mutex_unlock(&nfd->lock);

	if (old) {
		eventfd_ctx_put(old->ctx);
		kfree(old);
	}
	return ret;
}

/**
 * mmb_notify_fd_release() - a device file closes.
 * @mdev:	the device
 * @nfd:	the file's side
 * @file:	the file
 *
 * Unregisters its eventfds and rings (unpinning them) and enables delivery
 * if this file had disabled it.
 */
static void mmb_notify_fd_release(struct mmb_device *mdev,
				  struct mmb_notify_fd *nfd, struct file *file)
{
	struct mmb_ring_reg *r;
	unsigned long id;
	int v;

	for (v = -1; v < MMB_VECTORS_MAX; v++)
		mmb_notify_set_eventfd(mdev, nfd, -1, v);
	xa_for_each(&nfd->rings, id, r) {
		xa_erase(&nfd->rings, id);
		mmb_ring_unregister(mdev, r);
	}
	xa_destroy(&nfd->rings);
	nfd->nr_rings = 0;
	mmb_notify_drop_owner(mdev, file);
}

/* Event files: a UIO-like view of the event count, or of one vector's. */

static u64 mmb_event_count(struct mmb_event_file *ef)
{
	struct mmb_notify *n = &ef->mdev->core->notify;

	return ef->vector < 0 ? mmb_notify_count(ef->mdev) :
				atomic64_read(&n->vec_delivered[ef->vector]);
}

static bool mmb_event_ready(struct mmb_event_file *ef)
{
	return READ_ONCE(ef->mdev->core->notify.dead) ||
	       mmb_event_count(ef) != READ_ONCE(ef->seen);
}

/* Take the count if it moved since this fd last returned it. */
static bool mmb_event_take(struct mmb_event_file *ef, u64 *count)
{
	bool moved;

	spin_lock(&ef->lock);
	*count = mmb_event_count(ef);
	moved = *count != ef->seen;
	if (moved)
		WRITE_ONCE(ef->seen, *count);
	spin_unlock(&ef->lock);
	return moved;
}

static ssize_t mmb_event_read(struct file *file, char __user *buf, size_t len,
			      loff_t *ppos)
{
	struct mmb_event_file *ef = file->private_data;
	struct mmb_notify *n = &ef->mdev->core->notify;
	u64 count;
	int ret;

	if (len < sizeof(count))
		return -EINVAL;
	for (;;) {
		if (READ_ONCE(n->dead))
			return -ENODEV;
		if (mmb_event_take(ef, &count))
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(n->wq, mmb_event_ready(ef));
		if (ret)
			return ret;
	}
	if (put_user(count, (u64 __user *)buf))
		return -EFAULT;
	return sizeof(count);
}

static ssize_t mmb_event_write(struct file *file, const char __user *buf,
			       size_t len, loff_t *ppos)
{
	struct mmb_event_file *ef = file->private_data;
	u32 on;

	if (len != sizeof(on))
		return -EINVAL;
	if (get_user(on, (u32 __user *)buf))
		return -EFAULT;
	if (on > 1)
		return -EINVAL;
	if (READ_ONCE(ef->mdev->core->notify.dead))
		return -ENODEV;
	mmb_notify_control(ef->mdev, file, on);
	return sizeof(on);
}

static __poll_t mmb_event_poll(struct file *file, poll_table *wait)
{
	struct mmb_event_file *ef = file->private_data;
	struct mmb_notify *n = &ef->mdev->core->notify;

	poll_wait(file, &n->wq, wait);
	if (READ_ONCE(n->dead))
		return EPOLLERR | EPOLLHUP;
	if (mmb_event_count(ef) != READ_ONCE(ef->seen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static int mmb_event_release(struct inode *inode, struct file *file)
{
	struct mmb_event_file *ef = file->private_data;

	mmb_notify_drop_owner(ef->mdev, file);
	put_device(&ef->mdev->dev);
	kfree(ef);
	return 0;
}

static const struct file_operations mmb_event_fops = {
	.owner = THIS_MODULE,
	.read = mmb_event_read,
	.write = mmb_event_write,
	.poll = mmb_event_poll,
	.release = mmb_event_release,
	.llseek = noop_llseek,
};

/**
 * mmb_notify_event_open() - MMB_IOC_EVENT_OPEN.
 * @mdev:	the device
 * @flags:	MMB_EVENT_* (validated by the caller)
 * @vector:	the vector whose events it counts, or -1 for every event
 *		(validated by the caller)
 *
 * Return: the new file descriptor or -errno.
 */
static int mmb_notify_event_open(struct mmb_device *mdev, u32 flags, int vector)
{
	struct mmb_event_file *ef;
	int oflags = O_RDWR;
	int fd;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	spin_lock_init(&ef->lock);
	ef->mdev = mdev;
	ef->vector = vector;
	ef->seen = mmb_event_count(ef);
	if (flags & MMB_EVENT_NONBLOCK)
		oflags |= O_NONBLOCK;
	if (flags & MMB_EVENT_CLOEXEC)
		oflags |= O_CLOEXEC;
	get_device(&mdev->dev);
	fd = anon_inode_getfd("[mmbridge-event]", &mmb_event_fops, ef, oflags);
	if (fd < 0) {
		put_device(&mdev->dev);
		kfree(ef);
	}
	return fd;
}

static int mmb_notify_dev_init(struct mmb_device *mdev)
{
	return mmb_notify_init(&mdev->core->notify);
}

static void mmb_notify_dev_destroy(struct mmb_device *mdev)
{
	mmb_notify_destroy(&mdev->core->notify);
}

static void mmb_notify_file_open(struct mmb_file *mf)
{
	mmb_notify_fd_init(&mf->notify);
}

static void mmb_notify_file_release(struct mmb_file *mf, struct file *file)
{
	mmb_notify_fd_release(mf->mdev, &mf->notify, file);
}

static int mmb_notify_file_mmap(struct mmb_file *mf, struct vm_area_struct *vma)
{
	return mmb_notify_mmap(mf->mdev, vma);
}

/*
 * Event delivery's ioctls.  Registrations are refused on a removed device;
 * unregistering always works.
 */
/*
 * The vector an fd or eventfd is about: -1 for every event; -EINVAL for
 * one the device does not have.
 */
static int mmb_vector_arg(struct mmb_device *mdev, bool one, u32 vector,
			  int *out)
{
	if (!one) {
		*out = -1;
		return vector ? -EINVAL : 0;
	}
	if (vector >= mdev->nr_vectors)
		return -EINVAL;
	*out = vector;
	return 0;
}

static int mmb_event_open_check(const void *arg)
{
	const struct mmb_event_open *eo = arg;
	const u32 known = MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC |
			  MMB_EVENT_ONE_VECTOR;

	if (eo->flags & ~known)
		return -EINVAL;
	return eo->reserved ? -EINVAL : 0;
}

static long mmb_ioctl_event_open(void *ctx, struct file *file, void *arg)
{
	const struct mmb_event_open *eo = arg;
	struct mmb_device *mdev = ((struct mmb_file *)ctx)->mdev;
	int ret, vector;

	ret = mmb_vector_arg(mdev, eo->flags & MMB_EVENT_ONE_VECTOR, eo->vector,
			     &vector);
	return ret ? ret : mmb_notify_event_open(mdev, eo->flags, vector);
}

static int mmb_eventfd_check(const void *arg)
{
	const struct mmb_eventfd *ev = arg;

	return ev->flags & ~MMB_EVENTFD_ONE_VECTOR ? -EINVAL : 0;
}

static long mmb_ioctl_eventfd(void *ctx, struct file *file, void *arg)
{
	const struct mmb_eventfd *ev = arg;
	struct mmb_file *mf = ctx;
	int ret, vector;

	ret = mmb_vector_arg(mf->mdev, ev->flags & MMB_EVENTFD_ONE_VECTOR,
			     ev->vector, &vector);
	if (ret)
		return ret;
	if (ev->fd != -1) {
		ret = mmb_device_alive(mf->mdev);
		if (ret)
			return ret;
	}
	return mmb_notify_set_eventfd(mf->mdev, &mf->notify, ev->fd, vector);
}

static int mmb_irq_control_check(const void *arg)
{
	const struct mmb_irq_control *ctl = arg;

	return ctl->flags != MMB_IRQ_ENABLE && ctl->flags != MMB_IRQ_DISABLE ?
		       -EINVAL :
		       0;
}

static long mmb_ioctl_irq_control(void *ctx, struct file *file, void *arg)
{
	const struct mmb_irq_control *ctl = arg;

	mmb_notify_control(((struct mmb_file *)ctx)->mdev, file,
			   ctl->flags == MMB_IRQ_ENABLE);
	return 0;
}

static long mmb_ioctl_pin_region(void *ctx, struct file *file, void *arg)
{
	struct mmb_file *mf = ctx;

	return mmb_notify_pin_ring(mf->mdev, &mf->notify, arg);
}

/* The ring's handle could not be written back: nobody could unpin it. */
static void mmb_ioctl_pin_region_undo(void *ctx, struct file *file, void *arg)
{
	const struct mmb_pin_region *pr = arg;
	struct mmb_file *mf = ctx;

	mmb_notify_unpin_ring(mf->mdev, &mf->notify, pr->id);
}

static int mmb_unpin_region_check(const void *arg)
{
	const struct mmb_unpin_region *ur = arg;

	return ur->flags || ur->reserved ? -EINVAL : 0;
}

static long mmb_ioctl_unpin_region(void *ctx, struct file *file, void *arg)
{
	const struct mmb_unpin_region *ur = arg;
	struct mmb_file *mf = ctx;

	return mmb_notify_unpin_ring(mf->mdev, &mf->notify, ur->id);
}

static const struct mmb_ioctl_desc mmb_notify_ioctls[] = {
	MMB_IOCTL(MMB_IOC_EVENT_OPEN, struct mmb_event_open, flags,
		  MMB_IOCTL_ALIVE, mmb_event_open_check, mmb_ioctl_event_open),
	MMB_IOCTL(MMB_IOC_EVENTFD, struct mmb_eventfd, vector, 0,
		  mmb_eventfd_check, mmb_ioctl_eventfd),
	MMB_IOCTL(MMB_IOC_IRQ_CONTROL, struct mmb_irq_control, flags,
		  MMB_IOCTL_ALIVE, mmb_irq_control_check,
		  mmb_ioctl_irq_control),
	{
		.cmd = MMB_IOC_PIN_REGION,
		.size = sizeof(struct mmb_pin_region),
		.minsz = offsetofend(struct mmb_pin_region, nr_slots),
		.flags = MMB_IOCTL_OUT | MMB_IOCTL_ALIVE,
		.fn = mmb_ioctl_pin_region,
		.undo = mmb_ioctl_pin_region_undo,
	},
	MMB_IOCTL(MMB_IOC_UNPIN_REGION, struct mmb_unpin_region, reserved, 0,
		  mmb_unpin_region_check, mmb_ioctl_unpin_region),
};

const struct mmb_mechanism mmb_notify_mech = {
	.name = "notify",
	.ioctls = mmb_notify_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_notify_ioctls),
	.mmap_first = MMB_MMAP_COUNTERS >> PAGE_SHIFT,
	.mmap_last = MMB_MMAP_COUNTERS >> PAGE_SHIFT,
	.mmap = mmb_notify_file_mmap,
	.dev_init = mmb_notify_dev_init,
	.dev_unplug = mmb_notify_unplug,
	.dev_destroy = mmb_notify_dev_destroy,
	.file_open = mmb_notify_file_open,
	.file_release = mmb_notify_file_release,
};
