// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge copy front: the per-file side of the remote copy engine.
 *
 * read() copies a data source into the caller's buffer, in the caller
 * (SYNC) or in a worker that adopts the caller's mm while the caller sleeps
 * (WORKER), waited for or, for an aio or io_uring read, completed through
 * its kiocb.  Every request of a file is on its inflight list until its
 * ->done() ran, so release can cancel them all and wait: after close() no
 * worker writes for this file.
 * The wait is bounded: cancellation interrupts a worker that sleeps in a
 * fault, and release waits only while the file's copies make progress.
 * A copy stuck where even SIGKILL does not reach (a FUSE request that its
 * daemon has read and never answers) is left to end by itself; it holds
 * a reference to the file's state (struct mmb_file) until it does.
 */
#include <linux/aio.h>
#include <linux/fs.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "mmb_test_uapi.h"
#include "priv.h"
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

/*
 * One copy submitted by a file: a read in WORKER mode, waited for, or
 * completed through its kiocb.
 */
struct mmb_fd_copy {
	struct mmb_copy c;
	struct mmb_copy_fd *cfd;
	struct mmb_kbuf *kbuf; /* source reference, or NULL */
	u64 seed;
	struct iov_iter iter; /* the reader's destination, owned */
	const void *iter_mem; /* its segment array, or NULL */
	struct kiocb *iocb; /* completed with ki_complete(), or NULL */
	bool finished; /* ->done() ran (waited-for requests) */
	struct list_head link; /* cfd->inflight, under cfd->alock */
	wait_queue_head_t waiter; /* the sleeping submitter */
	refcount_t ref;
};

static void mmb_fd_copy_put(struct mmb_fd_copy *r)
{
	if (!refcount_dec_and_test(&r->ref))
		return;
	mmb_kbuf_put(r->kbuf);
	kfree(r->iter_mem);
	kfree(r);
}

/*
 * MMB_SRC_GEN: byte o is byte o % 8 of mmb_gen_word(seed, o / 8), that is
 * word o / 8 stored little-endian: whole words are stored as such.
 */
static void mmb_gen_fill(struct mmb_copy *c, u64 off, void *dst, size_t len)
{
	struct mmb_fd_copy *r = c->context;
	u8 *p = dst;

	while (len && off % 8) {
		*p++ = mmb_gen_word(r->seed, off / 8) >> (8 * (off % 8));
		off++;
		len--;
	}
	for (; len >= 8; p += 8, off += 8, len -= 8) {
		__le64 w = cpu_to_le64(mmb_gen_word(r->seed, off / 8));

		memcpy(p, &w, 8);
	}
	if (len) {
		u64 w = mmb_gen_word(r->seed, off / 8);

		for (; len; len--, w >>= 8)
			*p++ = w;
	}
}

/*
 * A new file copies in the mode its device's sysfs copy_mode names, from
 * the test interface's generator when it is there and from what write()
 * stored otherwise.
 */
static void mmb_copyfd_open(struct mmb_file *mf)
{
	struct mmb_copy_fd *cfd = &mf->copy;

	mutex_init(&cfd->lock);
	spin_lock_init(&cfd->alock);
	INIT_LIST_HEAD(&cfd->inflight);
	init_waitqueue_head(&cfd->wq);
	cfd->mode = READ_ONCE(mf->mdev->core->copy_mode);
	cfd->source = mmb_test_interface ? MMB_SRC_GEN : MMB_SRC_BUFFER;
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

/* @r is done: count it and take it off the inflight list.  cfd->alock held. */
static void mmb_fd_copy_finish(struct mmb_copy_fd *cfd, struct mmb_fd_copy *r)
{
	lockdep_assert_held(&cfd->alock);
	cfd->completed++;
	if (r->c.status == -ECANCELED)
		cfd->cancelled++;
	if (r->c.worker_pid)
		cfd->last_worker = r->c.worker_pid;
	list_del_init(&r->link);
	cfd->nr_inflight--;
	wake_up(&cfd->wq);
}

static long mmb_fd_copy_result(struct mmb_fd_copy *r)
{
	return r->c.copied ? (long)r->c.copied : r->c.status;
}

/*
 * A read whose kiocb is asynchronous (aio, io_uring) is done: account for
 * it, then hand the result to the kiocb's owner, which may free the kiocb,
 * drop the file and with it the last reference to its state at once.
 */
static void mmb_fd_copy_complete(struct mmb_fd_copy *r)
{
	struct mmb_copy_fd *cfd = r->cfd;
	struct mmb_file *mf = mmb_cfd_file(cfd);
	struct kiocb *iocb = r->iocb;
	struct mmb_copy *c = &r->c;

	spin_lock(&cfd->alock);
	mmb_fd_copy_finish(cfd, r);
	spin_unlock(&cfd->alock);
	put_task_struct(c->owner);
	iocb->ki_pos += c->copied;
	iocb->ki_complete(iocb, mmb_fd_copy_result(r));
	mmb_fd_copy_put(r);
	mmb_file_put(mf);
}

static void mmb_fd_copy_done(struct mmb_copy *c)
{
	struct mmb_fd_copy *r = container_of(c, struct mmb_fd_copy, c);
	struct mmb_copy_fd *cfd = r->cfd;
	struct mmb_file *mf = mmb_cfd_file(cfd);

	mmb_stat_copy(mmb_cfd_dev(cfd), c);
	mmdrop(c->mm);
	if (r->iocb) {
		mmb_fd_copy_complete(r);
		return;
	}
	spin_lock(&cfd->alock);
	mmb_fd_copy_finish(cfd, r);
	WRITE_ONCE(r->finished, true);
	/*
	 * The worker sleeps next: a sync wake-up keeps the submitter on this
	 * CPU, where its memory is warm in the TLB.
	 */
	wake_up_sync(&r->waiter);
	spin_unlock(&cfd->alock);
	mmb_fd_copy_put(r);
	mmb_file_put(mf);
}

static struct mmb_fd_copy *mmb_fd_copy_alloc(struct mmb_copy_fd *cfd, gfp_t gfp)
{
	struct mmb_fd_copy *r = kzalloc(sizeof(*r), gfp);

	if (!r)
		return NULL;
	r->cfd = cfd;
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

/*
 * The synchronous baseline: the same copy loop, run by the caller.  With
 * @nowait (RWF_NOWAIT, IOCB_NOWAIT) it neither sleeps nor faults pages in:
 * it copies what is resident and returns -EAGAIN if that is nothing.
 */
static ssize_t mmb_copy_read_sync(struct mmb_copy_fd *cfd, u64 pos,
				  struct iov_iter *to, size_t count,
				  bool nowait)
{
	struct mmb_fd_copy r = {
		.c = {
			.mm = current->mm,
			.iter = to,
			.len = count,
		},
	};
	void *bounce = NULL;
	int ret;

	ret = mmb_copy_set_source(cfd, &r, pos);
	mutex_unlock(&cfd->lock);
	if (ret)
		return ret == -ENODATA ? 0 : ret;
	if (r.c.fill) {
		/* A failure is the caller's -ENOMEM, not a report in the log. */
		bounce = kvmalloc(MMB_COPY_CHUNK,
				  (nowait ? GFP_NOWAIT : GFP_KERNEL) |
					  __GFP_NOWARN);
		if (!bounce) {
			mmb_kbuf_put(r.kbuf);
			return nowait ? -EAGAIN : -ENOMEM;
		}
	}
	if (nowait)
		pagefault_disable();
	mmb_copy_run(&r.c, bounce);
	if (nowait)
		pagefault_enable();
	trace_mmb_copy_done(&r.c);
	mmb_stat_copy(mmb_cfd_dev(cfd), &r.c);
	kvfree(bounce);
	mmb_kbuf_put(r.kbuf);
	if (r.c.copied)
		return r.c.copied;
	return nowait && r.c.status == -EFAULT ? -EAGAIN : r.c.status;
}

/*
 * Give @r its own copy of the destination @to (at most @count bytes): the
 * worker may use it after the reader's iterator and segment array are gone
 * (an aio or io_uring read returns at once; a killed reader does not wait).
 */
static int mmb_fd_copy_iter(struct mmb_fd_copy *r, struct iov_iter *to,
			    size_t count, gfp_t gfp)
{
	if (iter_is_ubuf(to)) {
		r->iter = *to;
	} else if (iter_is_iovec(to) || iov_iter_is_bvec(to) ||
		   iov_iter_is_kvec(to)) {
		r->iter_mem = dup_iter(&r->iter, to, gfp);
		if (!r->iter_mem)
			return -ENOMEM;
	} else {
		return -EINVAL;
	}
	iov_iter_truncate(&r->iter, count);
	r->c.iter = &r->iter;
	r->c.len = count;
	return 0;
}

/* aio's io_cancel(): under the aio context's IRQ-safe lock. */
static int mmb_fd_copy_aio_cancel(struct kiocb *iocb)
{
	struct mmb_fd_copy *r = iocb->private;

	mmb_copy_cancel_async(&r->c);
	return 0;
}

/*
 * Hand @r, the read of an asynchronous kiocb, to a worker: the kiocb
 * completes through ki_complete().  The submitter is the copy's owner, so
 * that a process killed with the copy stuck in a fault (an io_uring waits
 * for its reads at exit) has it cancelled; aio's io_cancel() cancels it too.
 */
static ssize_t mmb_fd_copy_queue_iocb(struct mmb_copy_fd *cfd,
				      struct mmb_fd_copy *r, struct kiocb *iocb)
{
	r->iocb = iocb;
	r->c.owner = get_task_struct(current);
	iocb->private = r;
	/* Before the worker may complete it: aio keeps it on a list then. */
	kiocb_set_cancel_fn(iocb, mmb_fd_copy_aio_cancel);
	mmb_fd_copy_submit(cfd, r, current->mm);
	return -EIOCBQUEUED;
}

/*
 * read(), readv(), pread(), preadv2(), aio and io_uring reads: the source
 * from stream offset iocb->ki_pos (the file position for read()) into the
 * destination iterator, at most MMB_XFER_MAX bytes.  SYNC copies in the
 * caller; WORKER in a worker that adopts the caller's mm, waited for, or
 * completed later through the kiocb when that is asynchronous.
 */
ssize_t mmb_copyfd_read_iter(struct mmb_copy_fd *cfd, struct kiocb *iocb,
			     struct iov_iter *to)
{
	size_t count = min_t(size_t, iov_iter_count(to), MMB_XFER_MAX);
	bool nowait = iocb->ki_flags & IOCB_NOWAIT;
	gfp_t gfp = nowait ? GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL;
	bool async = !is_sync_kiocb(iocb);
	struct mmb_fd_copy *r;
	ssize_t ret;

	if (!count)
		return 0;
	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (nowait) {
		if (!mutex_trylock(&cfd->lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&cfd->lock)) {
		return -ERESTARTSYS;
	}
	if (cfd->mode == MMB_COPY_SYNC) {
		/* Unlocks once it holds its source. */
		ret = mmb_copy_read_sync(cfd, iocb->ki_pos, to, count, nowait);
		goto out;
	}
	ret = -EINVAL;
	if (cfd->mode != MMB_COPY_WORKER)
		goto err_unlock;
	/* A synchronous reader would sleep until the worker is done. */
	ret = -EAGAIN;
	if (nowait && !async)
		goto err_unlock;
	if (async) {
		spin_lock(&cfd->alock);
		if (cfd->nr_inflight >= MMB_COPY_MAX_INFLIGHT)
			ret = -EAGAIN;
		else
			ret = 0;
		spin_unlock(&cfd->alock);
		if (ret)
			goto err_unlock;
	}
	ret = -ENOMEM;
	r = mmb_fd_copy_alloc(cfd, gfp);
	if (!r)
		goto err_unlock;
	ret = mmb_fd_copy_iter(r, to, count, gfp);
	if (!ret)
		ret = mmb_copy_set_source(cfd, r, iocb->ki_pos);
	mutex_unlock(&cfd->lock);
	if (ret) {
		mmb_fd_copy_put(r);
		if (ret == -ENOMEM && nowait)
			return -EAGAIN;
		return ret == -ENODATA ? 0 : ret;
	}
	if (async)
		return mmb_fd_copy_queue_iocb(cfd, r, iocb);
	ret = mmb_fd_copy_wait(cfd, r, current->mm);
	if (ret > 0)
		iov_iter_advance(to, ret);
out:
	if (ret > 0)
		iocb->ki_pos += ret;
	return ret;

err_unlock:
	mutex_unlock(&cfd->lock);
	return ret;
}

/* write(), writev(), aio and io_uring writes: append to the buffer source. */
ssize_t mmb_copyfd_write_iter(struct mmb_copy_fd *cfd, struct kiocb *iocb,
			      struct iov_iter *from)
{
	size_t count = iov_iter_count(from);
	bool nowait = iocb->ki_flags & IOCB_NOWAIT;
	struct mmb_kbuf *kb, *old;
	size_t have;

	if (!count)
		return 0;
	if (nowait) {
		if (!mutex_trylock(&cfd->lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&cfd->lock)) {
		return -ERESTARTSYS;
	}
	old = cfd->kbuf;
	have = old ? old->len : 0;
	if (count > MMB_XFER_MAX - have) {
		mutex_unlock(&cfd->lock);
		return -EFBIG;
	}
	/* Up to MMB_XFER_MAX of the caller's choosing: charged, and quiet. */
	kb = kvmalloc(struct_size(kb, data, have + count),
		      (nowait ? GFP_NOWAIT : GFP_KERNEL) | __GFP_ACCOUNT |
			      __GFP_NOWARN);
	if (!kb) {
		mutex_unlock(&cfd->lock);
		return nowait ? -EAGAIN : -ENOMEM;
	}
	kref_init(&kb->ref);
	kb->len = have + count;
	if (have)
		memcpy(kb->data, old->data, have);
	if (nowait)
		pagefault_disable();
	if (copy_from_iter(kb->data + have, count, from) != count) {
		if (nowait)
			pagefault_enable();
		mutex_unlock(&cfd->lock);
		kvfree(kb);
		return nowait ? -EAGAIN : -EFAULT;
	}
	if (nowait)
		pagefault_enable();
	cfd->kbuf = kb;
	mutex_unlock(&cfd->lock);
	mmb_kbuf_put(old);
	return count;
}

/*
 * A read never waits for data, nor a write for room: the file is readable
 * and writable.  io_uring waits by poll() for a read whose nonblocking
 * attempt was -EAGAIN (the file busy, the destination not resident); it
 * retries at once, then from a thread that may block.
 */
__poll_t mmb_copyfd_poll(struct mmb_copy_fd *cfd, struct file *file,
			 poll_table *wait)
{
	return EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;
}

static int mmb_copyfd_config(struct mmb_copy_fd *cfd, struct file *file,
			     const struct mmb_copy_config *cc)
{
	struct mmb_kbuf *old = NULL;
	int ret = 0;

	if (cc->flags & ~(MMB_COPY_SET_OFFSET | MMB_COPY_CLEAR_BUFFER))
		return -EINVAL;
	if (cc->mode > MMB_COPY_WORKER || cc->source > MMB_SRC_BUFFER ||
	    (cc->source == MMB_SRC_GEN && !mmb_test_interface))
		return -EINVAL;
	/* The offset is the file position, a loff_t. */
	if ((cc->flags & MMB_COPY_SET_OFFSET) && cc->offset > LLONG_MAX)
		return -EINVAL;
	if (mutex_lock_interruptible(&cfd->lock))
		return -ERESTARTSYS;
	spin_lock(&cfd->alock);
	if (cc->mode != cfd->mode && cfd->nr_inflight)
		ret = -EBUSY;
	spin_unlock(&cfd->alock);
	if (!ret) {
		WRITE_ONCE(cfd->mode, cc->mode);
		cfd->source = cc->source;
		cfd->seed = cc->seed;
		if (cc->flags & MMB_COPY_SET_OFFSET)
			file->f_pos = cc->offset;
		if (cc->flags & MMB_COPY_CLEAR_BUFFER) {
			old = cfd->kbuf;
			cfd->kbuf = NULL;
		}
	}
	mutex_unlock(&cfd->lock);
	mmb_kbuf_put(old);
	return ret;
}

static void mmb_copyfd_status(struct mmb_copy_fd *cfd,
			      struct mmb_copy_status *st)
{
	spin_lock(&cfd->alock);
	st->inflight = cfd->nr_inflight;
	st->ready = 0; /* nothing waits to be reaped */
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
	struct list_head node; /* mdev->core->irq_copies */
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

	spin_lock_irqsave(&mdev->core->irq_copy_lock, flags);
	list_for_each_entry(reg, &mdev->core->irq_copies, node) {
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
	spin_unlock_irqrestore(&mdev->core->irq_copy_lock, flags);
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

	spin_lock_irqsave(&mdev->core->irq_copy_lock, flags);
	list_del(&reg->node);
	spin_unlock_irqrestore(&mdev->core->irq_copy_lock, flags);

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

static int mmb_copyfd_irq_copy(struct mmb_copy_fd *cfd, struct mmb_device *mdev,
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
		if (!(mdev->core->caps & MMB_CAP_IRQ))
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
		spin_lock_irqsave(&mdev->core->irq_copy_lock, flags);
		list_add_tail(&reg->node, &mdev->core->irq_copies);
		spin_unlock_irqrestore(&mdev->core->irq_copy_lock, flags);
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
static void mmb_copyfd_release(struct mmb_file *mf, struct file *file)
{
	struct mmb_copy_fd *cfd = &mf->copy;
	struct mmb_fd_copy *r;
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
	/*
	 * What still runs ends by itself and frees itself: each copy holds a
	 * reference to the file's state.
	 */
	mmb_kbuf_put(cfd->kbuf);
}

/*
 * The copy engine's ioctls.  New work is refused on a removed device; the
 * status can still be read.
 */
static long mmb_ioctl_copy_config(void *ctx, struct file *file, void *arg)
{
	return mmb_copyfd_config(&((struct mmb_file *)ctx)->copy, file, arg);
}

static int mmb_copy_status_check(const void *arg)
{
	const struct mmb_copy_status *st = arg;

	return st->flags ? -EINVAL : 0;
}

static long mmb_ioctl_copy_status(void *ctx, struct file *file, void *arg)
{
	struct mmb_copy_status *st = arg;

	mmb_copyfd_status(&((struct mmb_file *)ctx)->copy, st);
	st->reserved = 0;
	return 0;
}

static long mmb_ioctl_irq_copy(void *ctx, struct file *file, void *arg)
{
	struct mmb_file *mf = ctx;

	return mmb_copyfd_irq_copy(&mf->copy, mf->mdev, arg);
}

static const struct mmb_ioctl_desc mmb_copy_ioctls[] = {
	MMB_IOCTL(MMB_IOC_COPY_CONFIG, struct mmb_copy_config, offset,
		  MMB_IOCTL_ALIVE, NULL, mmb_ioctl_copy_config),
	MMB_IOCTL(MMB_IOC_COPY_STATUS, struct mmb_copy_status, cancelled,
		  MMB_IOCTL_OUT, mmb_copy_status_check, mmb_ioctl_copy_status),
	MMB_IOCTL(MMB_IOC_IRQ_COPY, struct mmb_irq_copy, user_addr,
		  MMB_IOCTL_ALIVE, NULL, mmb_ioctl_irq_copy),
};

const struct mmb_mechanism mmb_copy_mech = {
	.name = "copy",
	.ioctls = mmb_copy_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_copy_ioctls),
	.file_open = mmb_copyfd_open,
	.file_release = mmb_copyfd_release,
};
