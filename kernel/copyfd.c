// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge copy front: the per-file side of the remote copy engine.
 *
 * read() copies a data source into the caller's buffer, in the caller
 * (SYNC) or in a worker that adopts the caller's mm while the caller sleeps
 * (WORKER); ASYNC files submit copies and reap completions.  Every request
 * of a file is on its inflight list until its ->done() ran, so release can
 * cancel them all and wait: after close() no worker writes for this file.
 * The wait is bounded: cancellation interrupts a worker that sleeps in a
 * fault, and release waits only while the file's copies make progress.
 * A copy stuck where even SIGKILL does not reach (a FUSE request that its
 * daemon has read and never answers) is left to end by itself; it holds
 * a reference to the file's state (struct mmb_file) until it does.
 */
#include <linux/fs.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "priv.h"
#include "remote.h"
#include "trace.h"

/* Bytes written to a file with write(), shared by the copies that read them. */
struct mmb_kbuf {
	struct kref ref;
	size_t len;
	u8 data[];
};

static void mmb_kbuf_release(struct kref *ref)
{
	kvfree(container_of(ref, struct mmb_kbuf, ref));
}

static void mmb_kbuf_put(struct mmb_kbuf *kb)
{
	if (kb)
		kref_put(&kb->ref, mmb_kbuf_release);
}

/* One copy submitted by a file: read() in WORKER mode, or async. */
struct mmb_fd_copy {
	struct mmb_copy c;
	struct mmb_copy_fd *cfd;
	struct mmb_kbuf *kbuf; /* source reference, or NULL */
	u64 seed;
	u64 cookie;
	bool async;
	bool finished; /* ->done() ran (sync requests) */
	struct list_head link; /* cfd->alock: inflight or ready */
	wait_queue_head_t waiter; /* the sleeping submitter */
	refcount_t ref;
};

static void mmb_fd_copy_put(struct mmb_fd_copy *r)
{
	if (!refcount_dec_and_test(&r->ref))
		return;
	mmb_kbuf_put(r->kbuf);
	kfree(r);
}

/* MMB_SRC_GEN: byte o is byte o % 8 of mmb_gen_word(seed, o / 8). */
static void mmb_gen_fill(struct mmb_copy *c, u64 off, void *dst, size_t len)
{
	struct mmb_fd_copy *r = c->context;
	u8 *p = dst;

	while (len) {
		u64 w = mmb_gen_word(r->seed, off / 8);
		unsigned int b = off % 8;

		for (; b < 8 && len; b++, len--, off++)
			*p++ = w >> (8 * b);
	}
}

void mmb_copyfd_init(struct mmb_copy_fd *cfd)
{
	mutex_init(&cfd->lock);
	spin_lock_init(&cfd->alock);
	INIT_LIST_HEAD(&cfd->inflight);
	INIT_LIST_HEAD(&cfd->ready);
	init_waitqueue_head(&cfd->wq);
}

/*
 * Point @r's copy at the file's source from stream offset @off.  Returns
 * -ENODATA for an empty buffer source.  cfd->lock held.
 */
static int mmb_copy_set_source(struct mmb_copy_fd *cfd, struct mmb_fd_copy *r,
			       u64 off)
{
	lockdep_assert_held(&cfd->lock);
	r->c.context = r;
	r->c.src_off = off;
	if (cfd->source == MMB_SRC_GEN) {
		r->seed = cfd->seed;
		r->c.fill = mmb_gen_fill;
		return 0;
	}
	if (!cfd->kbuf)
		return -ENODATA;
	kref_get(&cfd->kbuf->ref);
	r->kbuf = cfd->kbuf;
	r->c.src = r->kbuf->data;
	r->c.src_size = r->kbuf->len;
	return 0;
}

/* Count a finished request in its device's statistics. */
static void mmb_stat_copy(struct mmb_device *mdev, const struct mmb_copy *c)
{
	mmb_stat_add(mdev, MMB_STAT_COPIES, 1);
	mmb_stat_add(mdev, MMB_STAT_COPY_BYTES, c->copied);
	if (c->status == -EFAULT)
		mmb_stat_add(mdev, MMB_STAT_COPY_FAULTS, 1);
}

static struct mmb_file *mmb_cfd_file(struct mmb_copy_fd *cfd)
{
	return container_of(cfd, struct mmb_file, copy);
}

static struct mmb_device *mmb_cfd_dev(struct mmb_copy_fd *cfd)
{
	return mmb_cfd_file(cfd)->mdev;
}

/*
 * How long release waits for its cancelled copies to make progress (bytes
 * or completions) before it leaves them to end by themselves.
 */
#define MMB_COPY_GIVE_UP (HZ / 4)

static void mmb_fd_copy_done(struct mmb_copy *c)
{
	struct mmb_fd_copy *r = container_of(c, struct mmb_fd_copy, c);
	struct mmb_copy_fd *cfd = r->cfd;
	struct mmb_file *mf = mmb_cfd_file(cfd);
	/*
	 * Once alock is dropped, an async @r belongs to the ready list, and
	 * a reap or release may free it at once: nothing of it is read after
	 * the unlock.  cfd stays until the reference @r holds is dropped.
	 */
	bool async = r->async, orphan;

	mmb_stat_copy(mmb_cfd_dev(cfd), c);
	mmdrop(c->mm);
	spin_lock(&cfd->alock);
	cfd->completed++;
	if (c->status == -ECANCELED)
		cfd->cancelled++;
	if (c->worker_pid)
		cfd->last_worker = c->worker_pid;
	/* A completion of a closed file has nobody to reap it. */
	orphan = async && cfd->released;
	if (orphan) {
		list_del_init(&r->link);
	} else if (async) {
		list_move_tail(&r->link, &cfd->ready);
		cfd->nr_ready++;
	} else {
		list_del_init(&r->link);
		WRITE_ONCE(r->finished, true);
		/*
		 * The worker sleeps next: a sync wake-up keeps the submitter on
		 * this CPU, where its memory is warm in the TLB.
		 */
		wake_up_sync(&r->waiter);
	}
	cfd->nr_inflight--;
	wake_up(&cfd->wq);
	spin_unlock(&cfd->alock);
	if (!async || orphan)
		mmb_fd_copy_put(r);
	mmb_file_put(mf);
}

static struct mmb_fd_copy *mmb_fd_copy_alloc(struct mmb_copy_fd *cfd,
					     unsigned long uaddr, size_t len)
{
	struct mmb_fd_copy *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->cfd = cfd;
	r->c.uaddr = uaddr;
	r->c.len = len;
	r->c.done = mmb_fd_copy_done;
	INIT_LIST_HEAD(&r->link);
	init_waitqueue_head(&r->waiter);
	refcount_set(&r->ref, 1);
	return r;
}

/*
 * Queue @r for a worker, on behalf of @mm (one mmgrab() taken here); @r
 * holds the file's state until its ->done().
 */
static void mmb_fd_copy_submit(struct mmb_copy_fd *cfd, struct mmb_fd_copy *r,
			       struct mm_struct *mm)
{
	refcount_inc(&mmb_cfd_file(cfd)->ref);
	mmgrab(mm);
	r->c.mm = mm;
	spin_lock(&cfd->alock);
	list_add_tail(&r->link, &cfd->inflight);
	cfd->nr_inflight++;
	spin_unlock(&cfd->alock);
	mmb_copy_submit(&r->c);
}

/*
 * Submit @r and sleep until a worker finished it.  A signal cancels the
 * copy and waits until the worker has let go of it, so when this returns
 * no worker writes for @r any more; only a fatal signal returns at once
 * (the process is dying; release waits for the rest).  Returns bytes
 * copied, or -errno when none were.
 */
static ssize_t mmb_fd_copy_wait(struct mmb_copy_fd *cfd, struct mmb_fd_copy *r,
				struct mm_struct *mm)
{
	ssize_t ret;

	refcount_inc(&r->ref); /* the engine's */
	r->c.flags |= MMB_COPY_F_LOCAL;
	mmb_fd_copy_submit(cfd, r, mm);
	if (wait_event_interruptible(r->waiter, READ_ONCE(r->finished))) {
		mmb_copy_cancel(&r->c);
		if (wait_event_killable(r->waiter, READ_ONCE(r->finished))) {
			mmb_fd_copy_put(r);
			return -EINTR;
		}
	}
	if (r->c.copied)
		ret = r->c.copied;
	else if (r->c.status == -ECANCELED)
		ret = -ERESTARTSYS;
	else
		ret = r->c.status;
	mmb_fd_copy_put(r);
	return ret;
}

/* The synchronous baseline: the same copy loop, run by the caller. */
static ssize_t mmb_copy_read_sync(struct mmb_copy_fd *cfd, char __user *buf,
				  size_t count)
{
	struct mmb_fd_copy r = {
		.c = {
			.mm = current->mm,
			.uaddr = (unsigned long)buf,
			.len = count,
		},
	};
	void *bounce = NULL;
	int ret;

	ret = mmb_copy_set_source(cfd, &r, cfd->pos);
	if (ret)
		return ret == -ENODATA ? 0 : ret;
	if (r.c.fill) {
		/* A failure is the caller's -ENOMEM, not a report in the log. */
		bounce = kvmalloc(MMB_COPY_CHUNK, GFP_KERNEL | __GFP_NOWARN);
		if (!bounce) {
			mmb_kbuf_put(r.kbuf);
			return -ENOMEM;
		}
	}
	mmb_copy_run(&r.c, bounce);
	trace_mmb_copy_done(&r.c);
	mmb_stat_copy(mmb_cfd_dev(cfd), &r.c);
	kvfree(bounce);
	mmb_kbuf_put(r.kbuf);
	return r.c.copied ? r.c.copied : r.c.status;
}

ssize_t mmb_copyfd_read(struct mmb_copy_fd *cfd, char __user *buf, size_t count)
{
	struct mmb_fd_copy *r;
	ssize_t ret;

	if (!count)
		return 0;
	count = min_t(size_t, count, MMB_XFER_MAX);
	if (mutex_lock_interruptible(&cfd->lock))
		return -ERESTARTSYS;
	switch (cfd->mode) {
	case MMB_COPY_SYNC:
		ret = mmb_copy_read_sync(cfd, buf, count);
		break;
	case MMB_COPY_WORKER:
		r = mmb_fd_copy_alloc(cfd, (unsigned long)buf, count);
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		ret = mmb_copy_set_source(cfd, r, cfd->pos);
		if (ret) {
			mmb_fd_copy_put(r);
			ret = ret == -ENODATA ? 0 : ret;
			break;
		}
		ret = mmb_fd_copy_wait(cfd, r, current->mm);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret > 0)
		cfd->pos += ret;
	mutex_unlock(&cfd->lock);
	return ret;
}

/* Append to the file's buffer source. */
ssize_t mmb_copyfd_write(struct mmb_copy_fd *cfd, const char __user *buf,
			 size_t count)
{
	struct mmb_kbuf *kb, *old;
	size_t have;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&cfd->lock))
		return -ERESTARTSYS;
	old = cfd->kbuf;
	have = old ? old->len : 0;
	if (count > MMB_XFER_MAX - have) {
		mutex_unlock(&cfd->lock);
		return -EFBIG;
	}
	/* Up to MMB_XFER_MAX of the caller's choosing: charged, and quiet. */
	kb = kvmalloc(struct_size(kb, data, have + count),
		      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!kb) {
		mutex_unlock(&cfd->lock);
		return -ENOMEM;
	}
	kref_init(&kb->ref);
	kb->len = have + count;
	if (have)
		memcpy(kb->data, old->data, have);
	if (copy_from_user(kb->data + have, buf, count)) {
		mutex_unlock(&cfd->lock);
		kvfree(kb);
		return -EFAULT;
	}
	cfd->kbuf = kb;
	mutex_unlock(&cfd->lock);
	mmb_kbuf_put(old);
	return count;
}

__poll_t mmb_copyfd_poll(struct mmb_copy_fd *cfd, struct file *file,
			 poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &cfd->wq, wait);
	spin_lock(&cfd->alock);
	if (cfd->nr_ready)
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&cfd->alock);
	return mask;
}

int mmb_copyfd_config(struct mmb_copy_fd *cfd, const struct mmb_copy_config *cc)
{
	struct mmb_kbuf *old = NULL;
	int ret = 0;

	if (cc->flags & ~(MMB_COPY_SET_OFFSET | MMB_COPY_CLEAR_BUFFER))
		return -EINVAL;
	if (cc->mode > MMB_COPY_ASYNC || cc->source > MMB_SRC_BUFFER)
		return -EINVAL;
	if (mutex_lock_interruptible(&cfd->lock))
		return -ERESTARTSYS;
	spin_lock(&cfd->alock);
	if (cc->mode != cfd->mode && cfd->nr_inflight)
		ret = -EBUSY;
	spin_unlock(&cfd->alock);
	if (!ret) {
		cfd->mode = cc->mode;
		cfd->source = cc->source;
		cfd->seed = cc->seed;
		if (cc->flags & MMB_COPY_SET_OFFSET)
			cfd->pos = cc->offset;
		if (cc->flags & MMB_COPY_CLEAR_BUFFER) {
			old = cfd->kbuf;
			cfd->kbuf = NULL;
		}
	}
	mutex_unlock(&cfd->lock);
	mmb_kbuf_put(old);
	return ret;
}

int mmb_copyfd_submit(struct mmb_copy_fd *cfd, const struct mmb_copy_submit *s)
{
	struct mmb_fd_copy *r;
	u64 end;
	int ret;

	if (s->flags)
		return -EINVAL;
	if (!s->length || s->length > MMB_XFER_MAX ||
	    check_add_overflow(s->user_addr, s->length, &end))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(s->user_addr), s->length))
		return -EFAULT;

	r = mmb_fd_copy_alloc(cfd, s->user_addr, s->length);
	if (!r)
		return -ENOMEM;
	r->async = true;
	r->cookie = s->cookie;

	if (mutex_lock_interruptible(&cfd->lock)) {
		mmb_fd_copy_put(r);
		return -ERESTARTSYS;
	}
	if (cfd->mode != MMB_COPY_ASYNC) {
		ret = -EINVAL;
		goto err_unlock;
	}
	spin_lock(&cfd->alock);
	ret = cfd->nr_inflight + cfd->nr_ready >= MMB_COPY_MAX_INFLIGHT ?
		      -EAGAIN :
		      0;
	spin_unlock(&cfd->alock);
	if (ret)
		goto err_unlock;
	ret = mmb_copy_set_source(cfd, r, s->offset);
	if (ret)
		goto err_unlock;
	mmb_fd_copy_submit(cfd, r, current->mm);
	mutex_unlock(&cfd->lock);
	return 0;

err_unlock:
	mutex_unlock(&cfd->lock);
	mmb_fd_copy_put(r);
	return ret;
}

static long mmb_fd_copy_result(struct mmb_fd_copy *r)
{
	return r->c.copied ? (long)r->c.copied : r->c.status;
}

/* Something to reap, or nothing in flight that could become so. */
static bool mmb_reap_ready(struct mmb_copy_fd *cfd)
{
	return READ_ONCE(cfd->nr_ready) || !READ_ONCE(cfd->nr_inflight);
}

/*
 * Hand out up to @rp->max completions.  They leave the ready list only once
 * they reached user space, so a fault loses none.
 */
int mmb_copyfd_reap(struct mmb_copy_fd *cfd, struct mmb_copy_reap *rp)
{
	struct mmb_copy_completion *out;
	struct mmb_fd_copy *r, *tmp;
	unsigned int n = 0;
	int ret = 0;

	if (rp->flags & ~MMB_REAP_WAIT)
		return -EINVAL;
	if (!rp->max || rp->max > MMB_COPY_MAX_INFLIGHT)
		return -EINVAL;
	if (rp->flags & MMB_REAP_WAIT) {
		ret = wait_event_interruptible(cfd->wq, mmb_reap_ready(cfd));
		if (ret)
			return ret;
	}
	out = kcalloc(rp->max, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	if (mutex_lock_interruptible(&cfd->lock)) {
		kfree(out);
		return -ERESTARTSYS;
	}
	spin_lock(&cfd->alock);
	list_for_each_entry(r, &cfd->ready, link) {
		if (n == rp->max)
			break;
		out[n].cookie = r->cookie;
		out[n].result = mmb_fd_copy_result(r);
		out[n].worker_pid = r->c.worker_pid;
		n++;
	}
	spin_unlock(&cfd->alock);

	if (n &&
	    copy_to_user(u64_to_user_ptr(rp->entries), out, n * sizeof(*out))) {
		ret = -EFAULT;
	} else {
		LIST_HEAD(gone);
		unsigned int i = 0;

		spin_lock(&cfd->alock);
		list_for_each_entry_safe(r, tmp, &cfd->ready, link) {
			if (i++ == n)
				break;
			list_move_tail(&r->link, &gone);
		}
		cfd->nr_ready -= n;
		spin_unlock(&cfd->alock);
		list_for_each_entry_safe(r, tmp, &gone, link)
			mmb_fd_copy_put(r);
		rp->count = n;
	}
	mutex_unlock(&cfd->lock);
	kfree(out);
	return ret;
}

void mmb_copyfd_status(struct mmb_copy_fd *cfd, struct mmb_copy_status *st)
{
	spin_lock(&cfd->alock);
	st->inflight = cfd->nr_inflight;
	st->ready = cfd->nr_ready;
	st->last_worker_pid = cfd->last_worker;
	st->completed = cfd->completed;
	st->cancelled = cfd->cancelled;
	spin_unlock(&cfd->alock);
}

/*
 * Interrupt delivery into user memory.  The interrupt handler stamps the
 * record and queues the registration's copy; a copy already queued or
 * running picks up the newest record (pending), so nothing is allocated or
 * waited for in the handler.
 */
struct mmb_irq_copy_reg {
	struct list_head node; /* mdev->irq_copies */
	struct mmb_device *mdev;
	struct mmb_file *mf;
	struct mmb_copy c;
	spinlock_t lock; /* rec, busy, pending, dying, orphan; IRQ-safe */
	struct mmb_irq_record rec;
	bool busy; /* c is queued or running */
	bool pending; /* an interrupt came while busy */
	bool dying;
	bool orphan; /* unregistered while stuck: ->done() frees it */
	wait_queue_head_t idle_wq;
};

static void mmb_irq_copy_free(struct mmb_irq_copy_reg *reg)
{
	mmdrop(reg->c.mm);
	kfree(reg);
}

static void mmb_irq_copy_fill(struct mmb_copy *c, u64 off, void *dst,
			      size_t len)
{
	struct mmb_irq_copy_reg *reg = c->context;
	struct mmb_irq_record rec;
	unsigned long flags;

	spin_lock_irqsave(&reg->lock, flags);
	rec = reg->rec;
	spin_unlock_irqrestore(&reg->lock, flags);
	rec.worker_pid = task_pid_nr(current);
	memcpy(dst, (u8 *)&rec + off, len);
}

static void mmb_irq_copy_done(struct mmb_copy *c)
{
	struct mmb_irq_copy_reg *reg = c->context;
	struct mmb_file *orphan_of = NULL;
	unsigned long flags;

	mmb_stat_copy(reg->mdev, c);
	spin_lock_irqsave(&reg->lock, flags);
	if (reg->pending && !reg->dying) {
		reg->pending = false;
		mmb_copy_submit(c);
	} else {
		reg->busy = false;
		if (reg->orphan)
			orphan_of = reg->mf;
		else
			wake_up(&reg->idle_wq);
	}
	spin_unlock_irqrestore(&reg->lock, flags);
	if (orphan_of) {
		mmb_irq_copy_free(reg);
		mmb_file_put(orphan_of);
	}
}

/* Called from the interrupt handler via mmb_irq_event(). */
void mmb_irq_copy_event(struct mmb_device *mdev, u64 irq_count, u64 now)
{
	struct mmb_irq_copy_reg *reg;
	unsigned long flags;

	spin_lock_irqsave(&mdev->irq_copy_lock, flags);
	list_for_each_entry(reg, &mdev->irq_copies, node) {
		spin_lock(&reg->lock);
		reg->rec.irq_count = irq_count;
		reg->rec.timestamp_ns = now;
		if (reg->busy) {
			reg->pending = true;
		} else if (!reg->dying) {
			reg->busy = true;
			mmb_copy_submit(&reg->c);
		}
		spin_unlock(&reg->lock);
	}
	spin_unlock_irqrestore(&mdev->irq_copy_lock, flags);
}

static bool mmb_irq_copy_idle(struct mmb_irq_copy_reg *reg)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&reg->lock, flags);
	idle = !reg->busy;
	spin_unlock_irqrestore(&reg->lock, flags);
	return idle;
}

static void mmb_irq_copy_unregister(struct mmb_irq_copy_reg *reg)
{
	struct mmb_device *mdev = reg->mdev;
	unsigned long flags;

	spin_lock_irqsave(&mdev->irq_copy_lock, flags);
	list_del(&reg->node);
	spin_unlock_irqrestore(&mdev->irq_copy_lock, flags);

	spin_lock_irqsave(&reg->lock, flags);
	reg->dying = true;
	spin_unlock_irqrestore(&reg->lock, flags);
	mmb_copy_cancel(&reg->c);
	/* A record is one small copy: it ends at once, or it is stuck. */
	if (!wait_event_timeout(reg->idle_wq, mmb_irq_copy_idle(reg),
				MMB_COPY_GIVE_UP)) {
		bool orphan;

		/* Stuck where SIGKILL does not reach: ->done() frees it. */
		spin_lock_irqsave(&reg->lock, flags);
		orphan = reg->busy;
		if (orphan) {
			reg->orphan = true;
			refcount_inc(&reg->mf->ref);
		}
		spin_unlock_irqrestore(&reg->lock, flags);
		if (orphan)
			return;
	}
	mmb_irq_copy_free(reg);
}

int mmb_copyfd_irq_copy(struct mmb_copy_fd *cfd, struct mmb_device *mdev,
			const struct mmb_irq_copy *ic)
{
	struct mmb_irq_copy_reg *reg = NULL, *old;
	unsigned long flags;

	if (ic->flags)
		return -EINVAL;
	if (ic->user_addr) {
		if (!IS_ALIGNED(ic->user_addr, 8))
			return -EINVAL;
		if (!access_ok(u64_to_user_ptr(ic->user_addr),
			       sizeof(struct mmb_irq_record)))
			return -EFAULT;
		if (!(mdev->caps & MMB_CAP_IRQ))
			return -EOPNOTSUPP;
		reg = kzalloc(sizeof(*reg), GFP_KERNEL);
		if (!reg)
			return -ENOMEM;
		reg->mdev = mdev;
		reg->mf = mmb_cfd_file(cfd);
		spin_lock_init(&reg->lock);
		init_waitqueue_head(&reg->idle_wq);
		mmgrab(current->mm);
		reg->c.mm = current->mm;
		reg->c.uaddr = ic->user_addr;
		reg->c.len = sizeof(struct mmb_irq_record);
		reg->c.fill = mmb_irq_copy_fill;
		reg->c.done = mmb_irq_copy_done;
		reg->c.context = reg;
	}

	mutex_lock(&cfd->lock);
	old = cfd->irq_reg;
	cfd->irq_reg = reg;
	if (reg) {
		spin_lock_irqsave(&mdev->irq_copy_lock, flags);
		list_add_tail(&reg->node, &mdev->irq_copies);
		spin_unlock_irqrestore(&mdev->irq_copy_lock, flags);
	}
	mutex_unlock(&cfd->lock);
	if (old)
		mmb_irq_copy_unregister(old);
	return 0;
}

static bool mmb_copyfd_drained(struct mmb_copy_fd *cfd)
{
	bool drained;

	spin_lock(&cfd->alock);
	drained = !cfd->nr_inflight;
	spin_unlock(&cfd->alock);
	return drained;
}

/* Bytes copied by the file's copies in flight, plus those finished. */
static u64 mmb_copyfd_progress(struct mmb_copy_fd *cfd)
{
	struct mmb_fd_copy *r;
	u64 p;

	spin_lock(&cfd->alock);
	p = cfd->completed;
	list_for_each_entry(r, &cfd->inflight, link)
		p += READ_ONCE(r->c.copied);
	spin_unlock(&cfd->alock);
	return p;
}

/*
 * Cancel everything the file started and wait until no worker holds it,
 * as long as its copies make progress.  Cancellation interrupts a worker
 * sleeping in a fault, so a copy either ends at once or sleeps where
 * SIGKILL does not reach; release never waits for that one.
 */
void mmb_copyfd_release(struct mmb_copy_fd *cfd)
{
	struct mmb_fd_copy *r, *tmp;
	LIST_HEAD(ready);
	u64 seen, now;

	if (cfd->irq_reg)
		mmb_irq_copy_unregister(cfd->irq_reg);
	spin_lock(&cfd->alock);
	list_for_each_entry(r, &cfd->inflight, link)
		mmb_copy_cancel(&r->c);
	spin_unlock(&cfd->alock);
	seen = mmb_copyfd_progress(cfd);
	while (!wait_event_timeout(cfd->wq, mmb_copyfd_drained(cfd),
				   MMB_COPY_GIVE_UP)) {
		now = mmb_copyfd_progress(cfd);
		if (now == seen)
			break;
		seen = now;
	}
	/* What still ends frees itself; each holds a reference to the file. */
	spin_lock(&cfd->alock);
	cfd->released = true;
	list_splice_init(&cfd->ready, &ready);
	cfd->nr_ready = 0;
	spin_unlock(&cfd->alock);
	list_for_each_entry_safe(r, tmp, &ready, link)
		mmb_fd_copy_put(r);
	mmb_kbuf_put(cfd->kbuf);
}
