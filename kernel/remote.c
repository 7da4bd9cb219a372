// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge remote copy engine: a pool of worker kernel threads that copy
 * into a process's memory by adopting its address space.
 *
 * The mm of a request is held with mmgrab() by its submitter, so the
 * mm_struct stays; each use takes mmget_not_zero(), so a process that has
 * exited or exec'd (its old mm has no users any more) is never written to.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "priv.h"
#include "remote.h"
#include "trace.h"

static unsigned int copy_workers;
module_param(copy_workers, uint, 0444);
MODULE_PARM_DESC(copy_workers,
		 "Copy worker threads, 1 to 64 (default: one per online CPU)");

/*
 * Each worker has its own queue and prefers one CPU.  A submitter that
 * sleeps until its copy is done (MMB_COPY_F_LOCAL) hands it to the worker
 * of its own CPU, which is free while it sleeps: no cross-CPU wake-up on
 * either side.  Other copies go round-robin, so they run in parallel.
 */
/*
 * Submission must work in true hard-IRQ context on every kernel, PREEMPT_RT
 * included (an IRQF_NO_THREAD handler, a HRTIMER_MODE_HARD timer): the
 * queue lock is a raw spinlock and the worker is woken with
 * wake_up_process(), which takes only raw locks.  No wait queue, whose
 * lock sleeps on RT.
 */
struct mmb_worker {
	struct task_struct *task;
	void *bounce; /* MMB_COPY_CHUNK bytes for ->fill */
	int cpu; /* preferred CPU */
	raw_spinlock_t lock; /* queue; taken in hard-IRQ context */
	struct list_head queue; /* lock */
};

static struct {
	unsigned int nr;
	atomic_t next; /* round-robin cursor */
	struct mmb_worker *workers;
} mmb_engine;

/**
 * mmb_copy_run() - copy a request in the current context.
 * @c:		the request; @c->mm must be the current address space
 * @bounce:	MMB_COPY_CHUNK bytes of kernel memory when @c->fill is set
 *
 * Copies chunk by chunk, stopping early on cancellation or at the first
 * unwritable byte; @c->copied is exact either way.  The caller is either a
 * worker that adopted @c->mm or the process itself (the synchronous
 * baseline of the char device).
 */
void mmb_copy_run(struct mmb_copy *c, void *bounce)
{
	while (c->copied < c->len) {
		size_t n = min_t(size_t, c->len - c->copied, MMB_COPY_CHUNK);
		u64 off = c->src_off + c->copied;
		void __user *to = (void __user *)(c->uaddr + c->copied);
		const void *from;
		unsigned long left;

		if (READ_ONCE(c->cancel)) {
			c->status = -ECANCELED;
			return;
		}
		if (c->fill) {
			c->fill(c, off, bounce, n);
			from = bounce;
		} else {
			size_t pos = off % c->src_size;

			n = min(n, c->src_size - pos);
			from = c->src + pos;
		}
		left = copy_to_user(to, from, n);
		c->copied += n - left;
		if (left) {
			c->status = -EFAULT;
			return;
		}
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(mmb_copy_run);

/* Run one request in a worker: adopt the mm if it still has users. */
static void mmb_copy_exec(struct mmb_worker *w, struct mmb_copy *c)
{
	c->worker_pid = task_pid_nr(current);
	if (READ_ONCE(c->cancel)) {
		c->status = -ECANCELED;
		return;
	}
	if (!mmget_not_zero(c->mm)) {
		c->status = -ESRCH;
		return;
	}
	kthread_use_mm(c->mm);
	mmb_copy_run(c, w->bounce);
	kthread_unuse_mm(c->mm);
	mmput(c->mm);
}

static struct mmb_copy *mmb_copy_dequeue(struct mmb_worker *w)
{
	struct mmb_copy *c;

	raw_spin_lock_irq(&w->lock);
	c = list_first_entry_or_null(&w->queue, struct mmb_copy, node);
	if (c)
		list_del_init(&c->node);
	raw_spin_unlock_irq(&w->lock);
	return c;
}

static int mmb_copy_worker(void *data)
{
	struct mmb_worker *w = data;
	struct mmb_copy *c;

	for (;;) {
		/*
		 * The state is set before the queue is looked at: a request
		 * queued after the look finds the worker asleep or about to
		 * be, and its wake_up_process() makes it runnable either way.
		 */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (list_empty_careful(&w->queue))
			schedule();
		__set_current_state(TASK_RUNNING);
		while ((c = mmb_copy_dequeue(w))) {
			mmb_copy_exec(w, c);
			trace_mmb_copy_done(c);
			c->done(c);
		}
	}
	return 0;
}

static struct mmb_worker *mmb_pick_worker(bool local)
{
	unsigned int i;

	if (local) {
		int cpu = raw_smp_processor_id();

		for (i = 0; i < mmb_engine.nr; i++)
			if (mmb_engine.workers[i].cpu == cpu)
				return &mmb_engine.workers[i];
	}
	i = (unsigned int)atomic_inc_return(&mmb_engine.next) % mmb_engine.nr;
	return &mmb_engine.workers[i];
}

/**
 * mmb_copy_submit() - queue a copy for a worker thread.
 * @c:	the request, with @mm, @uaddr, @len, the source and @done set
 *
 * Callable from any context, true hard IRQ included, on PREEMPT_RT too
 * (an IRQF_NO_THREAD handler, a HRTIMER_MODE_HARD timer): it takes only
 * raw spinlocks.  @c must stay valid until ->done() has run; ->done() runs
 * exactly once, in a worker thread.  With MMB_COPY_F_LOCAL in @c->flags the
 * worker of the current CPU takes it.
 */
void mmb_copy_submit(struct mmb_copy *c)
{
	trace_mmb_copy_submit(c);
	struct mmb_worker *w = mmb_pick_worker(c->flags & MMB_COPY_F_LOCAL);
	unsigned long flags;

	c->copied = 0;
	c->status = 0;
	c->worker_pid = 0;
	WRITE_ONCE(c->cancel, false);
	raw_spin_lock_irqsave(&w->lock, flags);
	list_add_tail(&c->node, &w->queue);
	raw_spin_unlock_irqrestore(&w->lock, flags);
	wake_up_process(w->task);
}
EXPORT_SYMBOL_GPL(mmb_copy_submit);

/**
 * mmb_copy_cancel() - ask a submitted copy to stop.
 * @c:	a submitted request
 *
 * A request not yet started completes with -ECANCELED and touches nothing;
 * a running one stops at its next chunk boundary.  ->done() still runs, and
 * once it has, no worker touches the destination for @c any more.
 */
void mmb_copy_cancel(struct mmb_copy *c)
{
	WRITE_ONCE(c->cancel, true);
}
EXPORT_SYMBOL_GPL(mmb_copy_cancel);

int mmb_remote_init(void)
{
	unsigned int i;
	int ret;

	mmb_engine.nr = copy_workers ? copy_workers : num_online_cpus();
	atomic_set(&mmb_engine.next, 0);
	if (mmb_engine.nr > 64) {
		pr_err("copy_workers=%u is outside 1..64\n", copy_workers);
		return -EINVAL;
	}
	mmb_engine.workers =
		kcalloc(mmb_engine.nr, sizeof(*mmb_engine.workers), GFP_KERNEL);
	if (!mmb_engine.workers)
		return -ENOMEM;

	for (i = 0; i < mmb_engine.nr; i++) {
		struct mmb_worker *w = &mmb_engine.workers[i];

		raw_spin_lock_init(&w->lock);
		INIT_LIST_HEAD(&w->queue);
		w->cpu = cpumask_nth(i % num_online_cpus(), cpu_online_mask);
		w->bounce = kvmalloc(MMB_COPY_CHUNK, GFP_KERNEL);
		if (!w->bounce) {
			ret = -ENOMEM;
			goto err_stop;
		}
		w->task = kthread_create(mmb_copy_worker, w, "mmb-copy/%u", i);
		if (IS_ERR(w->task)) {
			ret = PTR_ERR(w->task);
			kvfree(w->bounce);
			goto err_stop;
		}
		/* A preference, not a binding: the CPU may go offline. */
		set_cpus_allowed_ptr(w->task, cpumask_of(w->cpu));
		wake_up_process(w->task);
	}
	return 0;

err_stop:
	while (i--) {
		kthread_stop(mmb_engine.workers[i].task);
		kvfree(mmb_engine.workers[i].bounce);
	}
	kfree(mmb_engine.workers);
	return ret;
}

/* Every submitter has waited for its requests by now (files are closed). */
void mmb_remote_exit(void)
{
	unsigned int i;

	for (i = 0; i < mmb_engine.nr; i++) {
		WARN_ON(!list_empty(&mmb_engine.workers[i].queue));
		kthread_stop(mmb_engine.workers[i].task);
		kvfree(mmb_engine.workers[i].bounce);
	}
	kfree(mmb_engine.workers);
}
