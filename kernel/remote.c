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
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "priv.h"
#include "trace.h"

static unsigned int copy_workers;
module_param(copy_workers, uint, 0444);
MODULE_PARM_DESC(copy_workers,
		 "Copy worker threads, 1 to 64 (default: one per online CPU)");

/*
 * A copy that makes no progress for this long while others wait behind it
 * is stuck (a fault that waits for its process); its thread gives up its
 * queue to a new one.
 */
#define MMB_COPY_STALL (HZ / 20)

/*
 * Detached threads one address space may hold before further copies into
 * it wait for one of them: more than one, so that a process can still be
 * copied into while it resolves a stuck fault (a userfaultfd handler that
 * reads through mmbridge).
 */
#define MMB_COPY_STUCK_MAX 4

/*
 * Each queue has a preferred CPU and one thread serving it.  A submitter
 * that sleeps until its copy is done (MMB_COPY_F_LOCAL) hands it to the
 * queue of its own CPU, whose thread is free while it sleeps: no cross-CPU
 * wake-up on either side.  Other copies go round-robin, so they run in
 * parallel.
 *
 * Submission must work in true hard-IRQ context on every kernel, PREEMPT_RT
 * included (an IRQF_NO_THREAD handler, a HRTIMER_MODE_HARD timer): the
 * queue lock is a raw spinlock and the threads are woken with
 * wake_up_process(), which takes only raw locks.  No wait queue, whose
 * lock sleeps on RT.
 *
 * A copy can block in a fault that its process controls and never
 * resolves: a userfaultfd nobody answers, a FUSE daemon that never replies.
 * Two things keep that to the process:
 *
 * - mmb_copy_cancel() sends SIGKILL to the thread running the copy.  The
 *   threads accept signals from the kernel only; the sleeps of the fault
 *   path that a process can prolong (userfaultfd, page locks, FUSE
 *   requests not yet read by the daemon, mmap_lock) end on a fatal
 *   signal, the fault fails and copy_to_user() comes back short.  The
 *   signal is flushed before the thread takes its next copy.
 * - The watchdog thread (mmb-copy-watch) looks at the queues while copies
 *   wait behind a running one.  A copy whose thread sleeps and that made
 *   no progress for MMB_COPY_STALL is stuck: its thread is detached (it
 *   finishes that copy and exits) and a new thread takes over the queue.
 *   While MMB_COPY_STUCK_MAX detached threads copy into one address space,
 *   further copies into it are parked instead of started, so a process
 *   holds a bounded number of threads.  A detached thread holds the
 *   module.
 */
struct mmb_worker;

struct mmb_thread {
	struct task_struct *task;
	void *bounce; /* MMB_COPY_CHUNK bytes for ->fill */
	struct mmb_worker *w; /* its queue; NULL once detached (eng.lock) */
	struct mmb_copy *running; /* eng.lock */
	unsigned long started; /* copies started (eng.lock) */
	struct mm_struct *stuck_mm; /* detached: compared, never used */
	struct mm_struct *mm; /* adopted (mmget) for back-to-back copies */
	struct list_head node; /* eng.detached */
};

struct mmb_worker {
	raw_spinlock_t lock; /* queue, th; taken in hard-IRQ context */
	struct list_head queue;
	struct mmb_thread *th; /* changed under eng.lock and lock */
	int cpu; /* preferred CPU */
	unsigned int id;
	/* The watchdog's last look (eng.lock). */
	struct mmb_thread *seen_th;
	unsigned long seen_started;
	size_t seen_copied;
	unsigned long seen_at;
};

static struct {
	unsigned int nr;
	atomic_t next; /* round-robin cursor */
	struct mmb_worker *workers;
	/*
	 * Which thread runs which copy, detached threads, parked copies.  A
	 * spinlock_t: never taken in hard-IRQ context.
	 */
	spinlock_t lock;
	struct list_head detached;
	struct list_head parked;
	struct task_struct *watch;
	bool watching; /* the watchdog looks periodically */
} mmb_engine;

/**
 * mmb_copy_run() - copy a request in the current context.
 * @c:		the request; @c->mm must be the current address space
 * @bounce:	MMB_COPY_CHUNK bytes of kernel memory when @c->fill is set
 *
 * Copies chunk by chunk, stopping early on cancellation, at the first
 * unwritable byte, or (in a kernel thread) once the process is gone;
 * @c->copied is exact either way.  The caller is either a
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
		/*
		 * A worker's reference is the only one left: the process
		 * exited or exec'd during the copy, and is not written to.
		 */
		if ((current->flags & PF_KTHREAD) &&
		    atomic_read(&c->mm->mm_users) == 1) {
			c->status = -ESRCH;
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
		if (c->iter)
			left = n - copy_to_iter(from, n, c->iter);
		else
			left = copy_to_user(to, from, n);
		/* Read by the watchdog as the copy's progress. */
		WRITE_ONCE(c->copied, c->copied + n - left);
		if (left) {
			/* A cancelled copy's fault fails on the signal. */
			c->status = READ_ONCE(c->cancel) ? -ECANCELED : -EFAULT;
			return;
		}
		cond_resched();
	}
}

/*
 * Give up the address space the thread adopted.  Ours may be the last
 * user of an exited process's mm, whose teardown (exit_aio()) waits for
 * the process's aio requests, one this thread is about to complete among
 * them: not in this thread.
 */
static void mmb_thread_unuse_mm(struct mmb_thread *th)
{
	if (!th->mm)
		return;
	kthread_unuse_mm(th->mm);
	mmput_async(th->mm);
	th->mm = NULL;
}

/*
 * Run one request in a worker: adopt the mm if it still has users.  The
 * thread keeps it adopted while the copies it takes one after the other go
 * into the same mm (the switch is paid once per batch) and gives it up
 * when its queue is empty.
 */
static void mmb_copy_exec(struct mmb_thread *th, struct mmb_copy *c)
{
	c->worker_pid = task_pid_nr(current);
	if (READ_ONCE(c->cancel)) {
		c->status = -ECANCELED;
		return;
	}
	if (th->mm != c->mm) {
		mmb_thread_unuse_mm(th);
		if (!mmget_not_zero(c->mm)) {
			c->status = -ESRCH;
			return;
		}
		kthread_use_mm(c->mm);
		th->mm = c->mm;
	} else if (atomic_read(&c->mm->mm_users) == 1) {
		/* Only this thread holds it: the process exited or exec'd. */
		mmb_thread_unuse_mm(th);
		c->status = -ESRCH;
		return;
	}
	mmb_copy_run(c, th->bounce);
}

/*
 * A copy waits behind a running one: the watchdog must be looking.  Any
 * context.  The caller saw the running copy under the queue's lock after
 * the waiting one was queued.
 */
static void mmb_watch_kick(void)
{
	/*
	 * Pairs with the barrier in mmb_copy_watch(): either the watchdog's
	 * second look sees the copy waiting, or this sees the flag clear and
	 * wakes it.
	 */
	smp_mb();
	if (!READ_ONCE(mmb_engine.watching)) {
		WRITE_ONCE(mmb_engine.watching, true);
		wake_up_process(mmb_engine.watch);
	}
}

/*
 * Queue @c on @w and wake its thread, or the watchdog if the thread is
 * busy with another copy.  Any context.
 */
static void mmb_copy_queue(struct mmb_worker *w, struct mmb_copy *c)
{
	unsigned long flags;
	bool busy;

	raw_spin_lock_irqsave(&w->lock, flags);
	list_add_tail(&c->node, &w->queue);
	/*
	 * A busy thread dequeues again after its copy (it clears running
	 * before it takes this lock), so it needs no wake-up, which would
	 * only cut short a sleep in a fault.  Under the lock: the watchdog
	 * changes w->th under it, and a thread it replaced exits only after
	 * the copy it is stuck in.
	 */
	busy = READ_ONCE(w->th->running);
	if (!busy)
		wake_up_process(w->th->task);
	raw_spin_unlock_irqrestore(&w->lock, flags);
	if (busy)
		mmb_watch_kick();
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

/*
 * Whether copies into @mm must wait: MMB_COPY_STUCK_MAX detached threads
 * still run copies into it.  eng.lock held.
 */
static bool mmb_mm_stuck(struct mm_struct *mm)
{
	struct mmb_thread *th;
	unsigned int n = 0;

	lockdep_assert_held(&mmb_engine.lock);
	list_for_each_entry(th, &mmb_engine.detached, node)
		if (th->stuck_mm == mm && ++n == MMB_COPY_STUCK_MAX)
			return true;
	return false;
}

/*
 * Make @c the copy @th runs, so that mmb_copy_cancel() can interrupt it;
 * or park it while too many copies into the same address space are stuck.
 * Returns false when parked.
 */
static bool mmb_copy_start(struct mmb_thread *th, struct mmb_worker *w,
			   struct mmb_copy *c)
{
	bool waiting;

	spin_lock(&mmb_engine.lock);
	if (!READ_ONCE(c->cancel) && mmb_mm_stuck(c->mm)) {
		list_add_tail(&c->node, &mmb_engine.parked);
		c->parked = true;
		spin_unlock(&mmb_engine.lock);
		return false;
	}
	th->running = c;
	th->started++;
	c->thread = th;
	/*
	 * A copy queued since the dequeue found the thread not yet busy and
	 * did not call the watchdog: do it here.  A copy with an owner is
	 * watched while it runs.
	 */
	raw_spin_lock_irq(&w->lock);
	waiting = !list_empty(&w->queue) || c->owner;
	raw_spin_unlock_irq(&w->lock);
	spin_unlock(&mmb_engine.lock);
	if (waiting)
		mmb_watch_kick();
	return true;
}

/*
 * @c is finished: no signal reaches @th for it any more, and none that
 * came stays pending for the next copy.  Returns true if @th was detached.
 */
static bool mmb_copy_finish(struct mmb_thread *th, struct mmb_copy *c)
{
	bool detached;

	spin_lock(&mmb_engine.lock);
	th->running = NULL;
	c->thread = NULL;
	flush_signals(current);
	detached = !th->w;
	spin_unlock(&mmb_engine.lock);
	return detached;
}

/*
 * A detached thread is done with its stuck copy: the copies parked for its
 * address space go back to the queues, and the thread ends.
 */
static void __noreturn mmb_thread_retire(struct mmb_thread *th)
{
	struct mmb_copy *c, *tmp;

	spin_lock(&mmb_engine.lock);
	list_del(&th->node);
	list_for_each_entry_safe(c, tmp, &mmb_engine.parked, node) {
		if (mmb_mm_stuck(c->mm))
			continue;
		list_del_init(&c->node);
		c->parked = false;
		mmb_copy_queue(mmb_pick_worker(false), c);
	}
	spin_unlock(&mmb_engine.lock);
	kvfree(th->bounce);
	kfree(th);
	module_put_and_kthread_exit(0);
}

static int mmb_copy_worker(void *data)
{
	struct mmb_thread *th = data;
	struct mmb_copy *c;

	/* SIGKILL from mmb_copy_cancel() (the kernel), none from users. */
	allow_kernel_signal(SIGKILL);
	for (;;) {
		/* Only a thread that serves a queue gets here. */
		struct mmb_worker *w = READ_ONCE(th->w);

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
			bool detached;

			if (!mmb_copy_start(th, w, c))
				continue;
			mmb_copy_exec(th, c);
			detached = mmb_copy_finish(th, c);
			trace_mmb_copy_done(c);
			c->done(c);
			if (detached) {
				mmb_thread_unuse_mm(th);
				mmb_thread_retire(th);
			}
		}
		mmb_thread_unuse_mm(th);
	}
	return 0;
}

static struct mmb_thread *mmb_thread_create(struct mmb_worker *w)
{
	struct mmb_thread *th = kzalloc(sizeof(*th), GFP_KERNEL);

	if (!th)
		return NULL;
	th->w = w;
	INIT_LIST_HEAD(&th->node);
	th->bounce = kvmalloc(MMB_COPY_CHUNK, GFP_KERNEL);
	if (!th->bounce)
		goto err;
	th->task = kthread_create(mmb_copy_worker, th, "mmb-copy/%u", w->id);
	if (IS_ERR(th->task)) {
		kvfree(th->bounce);
		goto err;
	}
	/* A preference, not a binding: the CPU may go offline. */
	set_cpus_allowed_ptr(th->task, cpumask_of(w->cpu));
	return th;
err:
	kfree(th);
	return NULL;
}

/* Stop a thread that serves a queue (or never ran) and free it. */
static void mmb_thread_destroy(struct mmb_thread *th)
{
	kthread_stop(th->task);
	kvfree(th->bounce);
	kfree(th);
}

/* Whether the process a copy is for was killed or exits as a group. */
static bool mmb_copy_owner_dying(const struct mmb_copy *c)
{
	struct task_struct *t = c->owner;

	return t && (fatal_signal_pending(t) ||
		     (READ_ONCE(t->signal->flags) & SIGNAL_GROUP_EXIT));
}

/*
 * A copy with an owner (an aio or io_uring read) that makes no progress for
 * copy_give_up_s seconds is cancelled: nothing else may cancel an io_uring
 * read, and a closed ring waits for it (and warns after five minutes).
 */
static unsigned int copy_give_up_s = 120;
module_param(copy_give_up_s, uint, 0644);
MODULE_PARM_DESC(copy_give_up_s,
		 "Cancel aio/io_uring reads stuck that long, 1-240 s");

/* Whether a copy with an owner has made no progress for too long. */
static bool mmb_copy_owner_gave_up(struct mmb_copy *c)
{
	size_t copied = READ_ONCE(c->copied);
	unsigned long give_up;

	lockdep_assert_held(&mmb_engine.lock);
	if (!c->owner)
		return false;
	if (copied != c->watch_copied) {
		c->watch_copied = copied;
		c->watch_at = jiffies;
		return false;
	}
	give_up = clamp(READ_ONCE(copy_give_up_s), 1U, 240U) * HZ;
	return time_after(jiffies, c->watch_at + give_up);
}

/*
 * The watchdog's part of cancellation, eng.lock held: a copy whose owner
 * is dying is cancelled, and the thread of a copy cancelled without the
 * lock (mmb_copy_cancel_async()) is interrupted.
 */
static void mmb_watch_cancel(struct mmb_thread *th)
{
	struct mmb_copy *c = th->running;

	lockdep_assert_held(&mmb_engine.lock);
	if (!c)
		return;
	if (!READ_ONCE(c->cancel) &&
	    (mmb_copy_owner_dying(c) || mmb_copy_owner_gave_up(c)))
		WRITE_ONCE(c->cancel, true);
	if (READ_ONCE(c->cancel) && !c->killed) {
		c->killed = true;
		send_sig(SIGKILL, th->task, 1);
	}
}

/*
 * Detached threads and parked copies: cancellations reach them too.
 * Returns whether there are any (the watchdog keeps looking while so).
 */
static bool mmb_watch_detached(void)
{
	struct mmb_copy *c, *tmp;
	struct mmb_thread *th;
	bool any;

	spin_lock(&mmb_engine.lock);
	list_for_each_entry(th, &mmb_engine.detached, node)
		mmb_watch_cancel(th);
	list_for_each_entry_safe(c, tmp, &mmb_engine.parked, node) {
		if (!READ_ONCE(c->cancel) && !mmb_copy_owner_dying(c) &&
		    !mmb_copy_owner_gave_up(c))
			continue;
		/* Cancelled, it runs at once and touches nothing. */
		WRITE_ONCE(c->cancel, true);
		list_del_init(&c->node);
		c->parked = false;
		mmb_copy_queue(mmb_pick_worker(false), c);
	}
	any = !list_empty(&mmb_engine.detached);
	spin_unlock(&mmb_engine.lock);
	return any;
}

/*
 * Look at @w: is a copy waiting behind a running one, and has the running
 * one been stuck for MMB_COPY_STALL?  If so, and @fresh is given, detach
 * the stuck thread and give the queue to @fresh.  Returns whether the
 * watchdog must keep looking at @w (copies wait, or the running copy has an
 * owner or a cancellation to deliver); *@stuck whether it needs a fresh
 * thread.
 */
static bool mmb_watch_one(struct mmb_worker *w, struct mmb_thread **fresh,
			  bool *stuck)
{
	struct mmb_thread *th, *old = NULL;
	bool waiting, watched;
	struct mmb_copy *c;
	size_t copied;

	*stuck = false;
	spin_lock(&mmb_engine.lock);
	/* w->th changes under both locks; the signal may not be sent under w's. */
	mmb_watch_cancel(w->th);
	raw_spin_lock_irq(&w->lock);
	th = w->th;
	c = th->running;
	watched = c && (c->owner || (READ_ONCE(c->cancel) && !c->killed));
	waiting = c && !list_empty(&w->queue);
	if (!waiting) {
		w->seen_th = NULL;
		goto out;
	}
	copied = READ_ONCE(c->copied);
	if (w->seen_th != th || w->seen_started != th->started ||
	    w->seen_copied != copied) {
		w->seen_th = th;
		w->seen_started = th->started;
		w->seen_copied = copied;
		w->seen_at = jiffies;
		goto out;
	}
	/* Preempted (runnable) is slow, not stuck; only a sleep counts. */
	if (time_before(jiffies, w->seen_at + MMB_COPY_STALL) ||
	    task_is_running(th->task))
		goto out;
	*stuck = true;
	/* The module is going away: nothing is queued then. */
	if (!*fresh || !try_module_get(THIS_MODULE))
		goto out;
	old = th;
	old->w = NULL;
	old->stuck_mm = c->mm;
	list_add_tail(&old->node, &mmb_engine.detached);
	w->th = *fresh;
	*fresh = NULL;
	w->seen_th = NULL;
	wake_up_process(w->th->task);
out:
	raw_spin_unlock_irq(&w->lock);
	spin_unlock(&mmb_engine.lock);
	if (old)
		pr_debug("mmb-copy/%u: pid %d stuck in a copy, replaced\n",
			 w->id, task_pid_nr(old->task));
	return waiting || watched;
}

/*
 * One look at every queue and every detached thread; true while copies
 * wait behind running ones, detached threads run, or running copies have
 * an owner to watch.
 */
static bool mmb_watch_scan(void)
{
	struct mmb_thread *fresh = NULL;
	bool waiting, stuck;
	unsigned int i;

	waiting = mmb_watch_detached();
	for (i = 0; i < mmb_engine.nr; i++) {
		struct mmb_worker *w = &mmb_engine.workers[i];

		waiting |= mmb_watch_one(w, &fresh, &stuck);
		if (!stuck)
			continue;
		/* Threads are created without the locks, then it looks again. */
		fresh = mmb_thread_create(w);
		if (fresh)
			waiting |= mmb_watch_one(w, &fresh, &stuck);
		if (fresh) {
			mmb_thread_destroy(fresh);
			fresh = NULL;
		}
	}
	return waiting;
}

static int mmb_copy_watch(void *unused)
{
	for (;;) {
		bool waiting = mmb_watch_scan();

		if (!waiting) {
			WRITE_ONCE(mmb_engine.watching, false);
			/*
			 * Orders the clear before the second look; pairs with
			 * the barrier in mmb_copy_queue(): either that look
			 * sees the copy queued, or its submitter sees the
			 * flag clear and wakes us.
			 */
			smp_mb();
			waiting = mmb_watch_scan();
			if (waiting)
				WRITE_ONCE(mmb_engine.watching, true);
		}
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (waiting)
			schedule_timeout(MMB_COPY_STALL / 2 ?: 1);
		else if (!READ_ONCE(mmb_engine.watching))
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/**
 * mmb_copy_submit() - queue a copy for a worker thread.
 * @c:	the request, with @mm, @uaddr or @iter, @len, the source and @done
 *	set
 *
 * Callable from any context, true hard IRQ included, on PREEMPT_RT too
 * (an IRQF_NO_THREAD handler, a HRTIMER_MODE_HARD timer): it takes only
 * raw spinlocks.  @c must stay valid until ->done() has run; ->done() runs
 * exactly once, in a worker thread.  With MMB_COPY_F_LOCAL in @c->flags the
 * worker of the current CPU takes it.  @c->cancel is left as it is: a
 * request starts with it clear, and a cancellation that came before the
 * submission (mmb_copy_cancel_async() from a cancel callback registered
 * first) is kept; the request then completes with -ECANCELED.
 */
void mmb_copy_submit(struct mmb_copy *c)
{
	trace_mmb_copy_submit(c);
	struct mmb_worker *w = mmb_pick_worker(c->flags & MMB_COPY_F_LOCAL);

	c->copied = 0;
	c->status = 0;
	c->worker_pid = 0;
	c->thread = NULL;
	c->parked = false;
	c->killed = false;
	c->watch_at = jiffies;
	c->watch_copied = 0;
	mmb_copy_queue(w, c);
}
EXPORT_SYMBOL_GPL(mmb_copy_submit);

/**
 * mmb_copy_cancel() - ask a submitted copy to stop.
 * @c:	a submitted request
 *
 * A request not yet started completes with -ECANCELED and touches nothing;
 * a running one stops at its next chunk boundary, and a worker sleeping in
 * a fault of it is interrupted (SIGKILL to the worker thread): the copy
 * ends short, with -ECANCELED and the exact count.  ->done() still runs,
 * and once it has, no worker touches the destination for @c any more.
 * Process context, or any context that may take a spinlock_t.
 */
void mmb_copy_cancel(struct mmb_copy *c)
{
	spin_lock(&mmb_engine.lock);
	WRITE_ONCE(c->cancel, true);
	if (c->parked) {
		/* Cancelled, it runs at once and touches nothing. */
		list_del_init(&c->node);
		c->parked = false;
		mmb_copy_queue(mmb_pick_worker(false), c);
	} else if (c->thread && !c->killed) {
		c->killed = true;
		send_sig(SIGKILL, c->thread->task, 1);
	}
	spin_unlock(&mmb_engine.lock);
}
EXPORT_SYMBOL_GPL(mmb_copy_cancel);

/**
 * mmb_copy_cancel_async() - ask a submitted copy to stop, from any context.
 * @c:	a submitted request whose ->done() has not run yet
 *
 * As mmb_copy_cancel(), but takes no lock, so that it may be called where
 * the engine's locks may not be taken (an aio cancel callback runs under
 * the aio context's IRQ-safe lock): the copy stops at its next chunk
 * boundary, and the watchdog thread interrupts a worker that sleeps in a
 * fault of it shortly after.  A copy cancelled before it starts touches
 * nothing.
 */
void mmb_copy_cancel_async(struct mmb_copy *c)
{
	WRITE_ONCE(c->cancel, true);
	mmb_watch_kick();
}
EXPORT_SYMBOL_GPL(mmb_copy_cancel_async);

int mmb_remote_init(void)
{
	unsigned int i;
	int ret;

	mmb_engine.nr = copy_workers ? copy_workers : num_online_cpus();
	atomic_set(&mmb_engine.next, 0);
	spin_lock_init(&mmb_engine.lock);
	INIT_LIST_HEAD(&mmb_engine.detached);
	INIT_LIST_HEAD(&mmb_engine.parked);
	mmb_engine.watching = false;
	if (mmb_engine.nr > 64) {
		pr_err("copy_workers=%u is outside 1..64\n", copy_workers);
		return -EINVAL;
	}
	mmb_engine.workers =
		kcalloc(mmb_engine.nr, sizeof(*mmb_engine.workers), GFP_KERNEL);
	if (!mmb_engine.workers)
		return -ENOMEM;
	mmb_engine.watch =
		kthread_create(mmb_copy_watch, NULL, "mmb-copy-watch");
	if (IS_ERR(mmb_engine.watch)) {
		ret = PTR_ERR(mmb_engine.watch);
		kfree(mmb_engine.workers);
		return ret;
	}

	for (i = 0; i < mmb_engine.nr; i++) {
		struct mmb_worker *w = &mmb_engine.workers[i];

		raw_spin_lock_init(&w->lock);
		INIT_LIST_HEAD(&w->queue);
		w->id = i;
		w->cpu = cpumask_nth(i % num_online_cpus(), cpu_online_mask);
		w->th = mmb_thread_create(w);
		if (!w->th) {
			ret = -ENOMEM;
			goto err_stop;
		}
		wake_up_process(w->th->task);
	}
	wake_up_process(mmb_engine.watch);
	return 0;

err_stop:
	kthread_stop(mmb_engine.watch);
	while (i--)
		mmb_thread_destroy(mmb_engine.workers[i].th);
	kfree(mmb_engine.workers);
	return ret;
}

/*
 * Every submitter has waited for its requests by now (files are closed),
 * and a detached thread holds the module until it ends.
 */
void mmb_remote_exit(void)
{
	unsigned int i;

	kthread_stop(mmb_engine.watch);
	for (i = 0; i < mmb_engine.nr; i++) {
		WARN_ON(!list_empty(&mmb_engine.workers[i].queue));
		mmb_thread_destroy(mmb_engine.workers[i].th);
	}
	WARN_ON(!list_empty(&mmb_engine.detached) ||
		!list_empty(&mmb_engine.parked));
	kfree(mmb_engine.workers);
}
