// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge stream: frames streamed by a backend's DMA engine, straight
 * into pinned user pages (zero copy), into a ring of kernel buffers that
 * the process maps read-only (ring: the design most drivers use), or
 * through kernel buffers copied out, the two designs zero copy replaces
 * (bounce: read() copies; naive: a kernel thread polls the engine and
 * feeds it 256 KiB transfers, a signal per frame, an ioctl that copies).
 *
 * One transfer is in flight per stream: the completion of a chunk submits
 * the next one, and the completion of a frame starts the next frame (free
 * running) or waits for the frame clock.  In naive mode a completion only
 * records the chunk; the stream's polling thread sees the engine idle and
 * submits the next one.  Frames move between four states under the
 * stream's IRQ-safe lock:
 *
 *   FREE --engine--> FILLING --last chunk--> READY --read--> OWNED
 *    ^                  | stop                                 |
 *    +------------------+------------ hand back ---------------+
 *
 * The engine only ever writes a FILLING frame, so a frame the process owns
 * or has not read yet is never written, and a frame is delivered only when
 * its last byte has arrived: overruns drop whole frames.
 *
 * Submissions happen in completion and timer context, without the device's
 * unplug_rwsem.  mmb_stream_unplug(), called by mmb_device_unregister()
 * before the backend is torn down, marks the stream dead under its lock,
 * after which nothing is submitted; the backend completes what it holds.
 *
 * DMA mappings live with the device, not with the fd: the frames are
 * mapped for the device when the stream is attached to it, and unmapped
 * when the fd is closed or, if the device goes first, as soon as it is
 * dead and its engine holds no transfer of the stream (by
 * mmb_stream_unplug(), or by the completion of that transfer, which the
 * backend delivers before its remove returns).  What is not the device's
 * stays until close: the pinned user pages (still charged to their mm)
 * and the kernel buffers, which are ordinary pages, so a reader copying
 * one out when the device goes finishes its copy.  On a dead stream every
 * call but close() fails with -ENODEV.
 *
 * A ring's kernel buffers are mapped into the process with
 * vm_insert_pages(): each mapping holds a reference to the pages and to
 * the stream file, so the stream (and its buffers) lives until the fd is
 * closed and the last mapping is gone.
 *
 * Imported frames (MMB_STREAM_DMABUF) are dma-bufs the stream holds.  For
 * a bus-address engine the stream attaches to each and maps it for the
 * device while the device lives; for a software engine it maps each into
 * the kernel (vmap).  A dma-buf is mapped and unmapped only in process
 * context (the exporter takes its reservation lock), so their mappings do
 * not go in completion context as the others do: removal waits for the
 * transfer in flight, as close() does, and unmaps them then.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "mmb_test_uapi.h"
#include "priv.h"

/* Largest single request for engines that use CPU addresses. */
#define MMB_STREAM_CHUNK SZ_1M
/* Naive mode's transfers: the DMA transaction of the design it stands for. */
#define MMB_STREAM_NAIVE_CHUNK SZ_256K
/* Frame q starts at pattern offset q * (frame_size + MMB_STREAM_SKEW). */
#define MMB_STREAM_SKEW 64
/*
 * The pattern is loaded at every start: at most 4 MiB of the window, so
 * that a start costs the same on a device of 8 MiB and of 1 GiB.
 */
#define MMB_STREAM_PATTERN_MAX SZ_4M

enum mmb_frame_state {
	MMB_FRAME_FREE,
	MMB_FRAME_FILLING,
	MMB_FRAME_READY,
	MMB_FRAME_OWNED,
};

/**
 * struct mmb_sframe - one frame of the ring.
 * @pin:	the user pages (zero copy)
 * @sgt:	zero copy for a bus-address engine: the pages, in segments
 *		the device takes, mapped for it while @mapped
 * @kbuf:	kernel buffer (ring, bounce, naive): physically contiguous
 *		pages
 * @kdma:	its bus address while @mapped
 * @mapped:	@sgt or @kbuf is DMA-mapped for mmb_stream.dma_dev;
 *		mmb_stream.lock once the stream is attached
 * @dmabuf:	imported: the frame's dma-buf, referenced
 * @doff:	imported: the frame's offset in it
 * @attach:	imported, bus-address engine: the attachment for the device,
 *		one per dma-buf: the first frame in a dma-buf owns it
 *		(@attach_owner), later frames in it share it
 * @dsgt:	imported, bus-address engine: the exporter's table mapped for
 *		the device, or NULL; unmapped in process context only
 * @attach_owner: this frame attached, mapped, and undoes both
 * @dmap:	imported, software engine: the dma-buf's kernel mapping
 * @state:	enum mmb_frame_state; mmb_stream.lock
 * @seq:	sequence number of the data in it; mmb_stream.lock
 * @ts:		completion time; mmb_stream.lock
 */
struct mmb_sframe {
	struct mmb_pin pin;
	struct sg_table sgt;
	void *kbuf;
	dma_addr_t kdma;
	bool mapped;
	struct dma_buf *dmabuf;
	u64 doff;
	struct dma_buf_attachment *attach;
	struct sg_table *dsgt;
	bool attach_owner;
	struct iosys_map dmap;
	u8 state;
	u64 seq;
	u64 ts;
};

/**
 * struct mmb_stream - a stream fd's state.
 * @mdev:	the device; referenced
 * @dma_dev:	the device for the DMA API; referenced
 * @mode:	enum mmb_stream_mode
 * @nr:		frames
 * @size:	bytes per frame
 * @seed:	pattern seed
 * @period:	frame clock period, 0 for free running
 * @pattern:	W, bytes of pattern in the device
 * @sig:	naive: signal per frame
 * @sig_pid:	naive: who gets it
 * @sig_cred:	naive: its credentials at setup
 * @poller:	naive: the thread that polls the engine and submits
 * @frames:	the ring
 * @sg_entries:	scatter-gather entries over all frames
 * @max_seg:	imported, bus-address engine: the device's largest segment
 * @kmem:	ring, bounce and naive: the frames' RLIMIT_MEMLOCK charge
 * @ctl:	serializes start, stop and release
 * @lock:	everything below; IRQ-safe
 * @running:	between start and stop
 * @dead:	the device is gone: submit nothing
 * @cur:	frame being filled, or -1
 * @cur_off:	bytes of it requested so far
 * @inflight:	@req is at the backend
 * @req:	the one transfer
 * @fifo:	ready frames, oldest first (ring of @nr)
 * @fifo_head:	index of the oldest
 * @fifo_count:	how many
 * @next_free:	where the search for a free frame starts
 * @next_seq:	sequence number of the next frame
 * @st:		counters reported by MMB_IOC_STREAM_STATUS
 * @tick:	the frame clock
 * @wq:		readers, poll, stop
 * @detach_late: imported frames: removal found the engine stuck on a
 *		transfer, and the completion the driver's teardown gives it
 *		queues @detach_work; mmb_stream.lock
 * @detach_work: unmaps imported frames in process context then
 */
struct mmb_stream {
	struct mmb_device *mdev;
	struct device *dma_dev;
	u32 mode;
	u32 nr;
	u64 size;
	u64 seed;
	u64 period;
	u64 pattern;
	int sig;
	struct pid *sig_pid;
	const struct cred *sig_cred;
	struct task_struct *poller;
	struct mmb_sframe *frames;
	u64 sg_entries;
	unsigned int max_seg;
	struct mmb_memlock kmem;

	struct mutex ctl; /* start, stop, release */

	spinlock_t lock; /* engine and frame states; IRQ-safe */
	bool running;
	bool dead;
	int cur;
	u64 cur_off;
	bool inflight;
	struct mmb_dma_req req;
	u32 *fifo;
	u32 fifo_head;
	u32 fifo_count;
	u32 next_free;
	u64 next_seq;
	struct mmb_stream_status st;

	struct hrtimer tick;
	wait_queue_head_t wq;
	bool detach_late;
	struct work_struct detach_work;
};

static bool mmb_stream_cpu(struct mmb_stream *s)
{
	return s->mdev->dma_cpu;
}

/* Frames the process owns in place (read() an index, write() it back). */
static bool mmb_stream_in_place(struct mmb_stream *s)
{
	return s->mode == MMB_STREAM_ZERO_COPY || s->mode == MMB_STREAM_RING ||
	       s->mode == MMB_STREAM_DMABUF;
}

/* Frames in dma-bufs. */
static bool mmb_stream_imported(struct mmb_stream *s)
{
	return s->mode == MMB_STREAM_DMABUF;
}

/* Pattern offset of byte @off of the frame with sequence number @seq. */
static u64 mmb_stream_src(struct mmb_stream *s, u64 seq, u64 off)
{
	u64 rem;

	div64_u64_rem(seq * (s->size + MMB_STREAM_SKEW) + off, s->pattern,
		      &rem);
	return rem;
}

/* Fill in s->req for the next chunk of the current frame. */
static void mmb_stream_chunk(struct mmb_stream *s)
{
	struct mmb_sframe *f = &s->frames[s->cur];
	u64 off = s->cur_off, dev = mmb_stream_src(s, f->seq, off);
	u64 len = min(s->size - off, s->pattern - dev);
	struct sg_table *sgt = &f->sgt;
	struct scatterlist *sg;
	u64 pos = 0;
	int i;

	s->req.dev_offset = dev;
	s->req.to_device = false;
	s->req.status = 0;
	if (s->mode == MMB_STREAM_NAIVE) {
		len = min_t(u64, len, MMB_STREAM_NAIVE_CHUNK);
		s->req.cpu_addr = f->kbuf + off;
		s->req.dma_addr = f->kdma + off;
	} else if (!mmb_stream_in_place(s) || s->mode == MMB_STREAM_RING) {
		len = min_t(u64, len, MMB_STREAM_CHUNK);
		s->req.cpu_addr = f->kbuf + off;
		s->req.dma_addr = f->kdma + off;
	} else if (mmb_stream_cpu(s)) {
		len = min_t(u64, len, MMB_STREAM_CHUNK);
		s->req.cpu_addr = f->dmabuf ? f->dmap.vaddr + f->doff + off :
					      f->pin.vaddr + off;
	} else {
		/* An imported table: the exporter's segments, capped. */
		if (f->dmabuf) {
			sgt = f->dsgt;
			off += f->doff;
			len = min_t(u64, len, s->max_seg);
		}
		/* Within one DMA segment. */
		for_each_sgtable_dma_sg(sgt, sg, i) {
			u64 seg = sg_dma_len(sg);

			if (off < pos + seg) {
				s->req.dma_addr =
					sg_dma_address(sg) + off - pos;
				len = min(len, pos + seg - off);
				break;
			}
			pos += seg;
		}
	}
	s->req.len = len;
}

/*
 * Undo the frames' DMA mappings; any context, mmb_stream.lock held.  Not
 * imported frames': mmb_stream_detach() does theirs.
 */
static void mmb_stream_unmap(struct mmb_stream *s)
{
	u32 i;

	for (i = 0; s->frames && i < s->nr; i++) {
		struct mmb_sframe *f = &s->frames[i];

		if (!f->mapped || f->dmabuf)
			continue;
		/*
		 * No sync for the CPU: a finished frame was synced when it
		 * was done, and may be the process's by now (a bounce buffer
		 * copied back would overwrite its stores); an unfinished one
		 * holds nothing anybody reads.
		 */
		if (s->mode == MMB_STREAM_ZERO_COPY)
			dma_unmap_sgtable(s->dma_dev, &f->sgt, DMA_FROM_DEVICE,
					  DMA_ATTR_SKIP_CPU_SYNC);
		else
			dma_unmap_single_attrs(s->dma_dev, f->kdma, s->size,
					       DMA_FROM_DEVICE,
					       DMA_ATTR_SKIP_CPU_SYNC);
		f->mapped = false;
		mmb_dma_mapped(-1);
	}
}

/*
 * The engine is done with frame @f: its bytes are the CPU's.  An imported
 * frame's table is the exporter's, synced by its begin_cpu_access (the
 * reader's DMA_BUF_IOCTL_SYNC).
 */
static void mmb_stream_sync_cpu(struct mmb_stream *s, struct mmb_sframe *f)
{
	if (!f->mapped || f->dmabuf)
		return;
	if (s->mode == MMB_STREAM_ZERO_COPY)
		dma_sync_sgtable_for_cpu(s->dma_dev, &f->sgt, DMA_FROM_DEVICE);
	else
		dma_sync_single_for_cpu(s->dma_dev, f->kdma, s->size,
					DMA_FROM_DEVICE);
}

/* Frame @f goes back to the engine. */
static void mmb_stream_sync_dev(struct mmb_stream *s, struct mmb_sframe *f)
{
	if (!f->mapped || f->dmabuf)
		return;
	if (s->mode == MMB_STREAM_ZERO_COPY)
		dma_sync_sgtable_for_device(s->dma_dev, &f->sgt,
					    DMA_FROM_DEVICE);
	else
		dma_sync_single_for_device(s->dma_dev, f->kdma, s->size,
					   DMA_FROM_DEVICE);
}

/*
 * Unmap imported frames from the device and detach from their dma-bufs;
 * process context, the engine holding no transfer of the stream.
 */
static void mmb_stream_detach(struct mmb_stream *s)
{
	u32 i;

	for (i = 0; s->frames && i < s->nr; i++) {
		struct mmb_sframe *f = &s->frames[i];

		if (f->dsgt && f->attach_owner) {
			mmb_dma_buf_unmap(f->attach, f->dsgt, DMA_FROM_DEVICE);
			if (f->mapped) /* counted once mmb_stream_map() took it */
				mmb_dma_mapped(-1);
		}
		if (f->attach && f->attach_owner)
			dma_buf_detach(f->dmabuf, f->attach);
		f->dsgt = NULL;
		f->attach = NULL;
		f->attach_owner = false;
		f->mapped = false;
	}
}

/* The same user and group IDs, and no capability beyond @old's. */
static bool mmb_stream_same_creds(const struct cred *c, const struct cred *old)
{
	return c == old ||
	       (uid_eq(c->uid, old->uid) && uid_eq(c->euid, old->euid) &&
		uid_eq(c->suid, old->suid) && uid_eq(c->fsuid, old->fsuid) &&
		gid_eq(c->gid, old->gid) && gid_eq(c->egid, old->egid) &&
		gid_eq(c->sgid, old->sgid) && gid_eq(c->fsgid, old->fsgid) &&
		cap_issubset(c->cap_permitted, old->cap_permitted));
}

/*
 * Naive: the frame's signal, to the process that set the stream up, as
 * long as it has the credentials it had then.  After a change (setuid(),
 * an exec of a set-user-ID or file-capability program) whoever holds the
 * fd must not be able to signal it: the signal is not sent, as the kernel
 * drops a parent-death signal then.
 *
 * It is sent under the stream's lock, in the same section that counts the
 * frame as produced: a stop, which takes the lock after the transfer in
 * flight is done, returns only once every produced frame's signal is
 * queued, and a closer woken by the completion cannot free the stream
 * before the signal is out.
 */
static void mmb_stream_signal(struct mmb_stream *s)
{
	struct task_struct *t;
	bool ok;

	lockdep_assert_held(&s->lock);
	rcu_read_lock();
	t = pid_task(s->sig_pid, PIDTYPE_TGID);
	ok = t && mmb_stream_same_creds(__task_cred(t), s->sig_cred);
	rcu_read_unlock();
	if (ok)
		kill_pid(s->sig_pid, s->sig, 1);
}

/* Submit the next chunk; on failure the frame goes back. */
static void mmb_stream_submit(struct mmb_stream *s)
{
	int ret;

	lockdep_assert_held(&s->lock);
	mmb_stream_chunk(s);
	s->inflight = true;
	ret = s->mdev->ops->dma_submit(s->mdev, &s->req);
	if (ret) {
		s->inflight = false;
		s->frames[s->cur].state = MMB_FRAME_FREE;
		s->cur = -1;
		s->st.errors++;
		s->running = false;
		wake_up_all(&s->wq);
	}
}

/*
 * Start a frame if the engine is idle and a frame is free; in naive mode
 * only take the frame, and leave the submission to the polling thread.
 */
static bool mmb_stream_kick(struct mmb_stream *s)
{
	u32 i, idx;

	lockdep_assert_held(&s->lock);
	if (!s->running || s->dead || s->cur >= 0)
		return false;
	for (i = 0; i < s->nr; i++) {
		idx = (s->next_free + i) % s->nr;
		if (s->frames[idx].state == MMB_FRAME_FREE)
			break;
	}
	if (i == s->nr)
		return false;
	s->next_free = (idx + 1) % s->nr;
	s->frames[idx].state = MMB_FRAME_FILLING;
	s->frames[idx].seq = s->next_seq++;
	s->cur = idx;
	s->cur_off = 0;
	/* Naive: the polling thread finds the frame and submits. */
	if (s->mode != MMB_STREAM_NAIVE)
		mmb_stream_submit(s);
	else
		wake_up_process(s->poller);
	return true;
}

/* Completion of s->req: the backend's interrupt or engine context. */
static void mmb_stream_done(struct mmb_dma_req *req)
{
	struct mmb_stream *s = container_of(req, struct mmb_stream, req);
	struct mmb_sframe *f;
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	f = &s->frames[s->cur];
	s->inflight = false;
	if (req->status) {
		s->st.errors++;
		s->running = false;
	}
	s->cur_off += req->len;
	if (!s->running || s->dead) {
		/* Stopped or failed: a partial frame goes back. */
		f->state = MMB_FRAME_FREE;
		s->cur = -1;
		s->st.aborted++;
		/* The device is going: its engine has nothing of ours left. */
		if (s->dead)
			mmb_stream_unmap(s);
		if (s->dead && s->detach_late)
			queue_work(mmb_wq, &s->detach_work);
		wake_up_all(&s->wq);
		spin_unlock_irqrestore(&s->lock, flags);
		return;
	}
	if (s->cur_off < s->size) {
		if (s->mode != MMB_STREAM_NAIVE)
			mmb_stream_submit(s);
		spin_unlock_irqrestore(&s->lock, flags);
		return;
	}

	mmb_stream_sync_cpu(s, f);
	f->state = MMB_FRAME_READY;
	f->ts = ktime_get_ns();
	s->fifo[(s->fifo_head + s->fifo_count) % s->nr] = s->cur;
	s->fifo_count++;
	s->st.produced++;
	s->cur = -1;
	if (s->mode == MMB_STREAM_NAIVE)
		mmb_stream_signal(s);
	if (!s->period)
		mmb_stream_kick(s);
	wake_up_all(&s->wq);
	spin_unlock_irqrestore(&s->lock, flags);
}

/*
 * A tick of the frame clock.  Every period is a tick: when the timer runs
 * late, the periods that began since its expiry had no tick in time, and
 * their frames are dropped (and counted as late); the latest one starts a
 * frame if it can.
 */
static enum hrtimer_restart mmb_stream_tick(struct hrtimer *t)
{
	struct mmb_stream *s = container_of(t, struct mmb_stream, tick);
	unsigned long flags;
	u64 n = 0;

	spin_lock_irqsave(&s->lock, flags);
	if (s->running && !s->dead) {
		n = hrtimer_forward_now(t, ns_to_ktime(s->period));
		s->st.ticks += n;
		s->st.dropped += n - 1;
		s->st.late += n - 1;
		if (!mmb_stream_kick(s))
			s->st.dropped++;
	}
	spin_unlock_irqrestore(&s->lock, flags);
	return n ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/* Put the device's pattern in place: W bytes of the generator. */
static int mmb_stream_load(struct mmb_stream *s)
{
	const size_t chunk = 64 * 1024;
	u64 off;
	u8 *buf;
	int ret = 0;

	/* A failure is the caller's -ENOMEM, not a report in the log. */
	buf = kvmalloc(min_t(u64, s->pattern, chunk) + 8,
		       GFP_KERNEL | __GFP_NOWARN);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < s->pattern && !ret; off += chunk) {
		size_t n = min_t(u64, s->pattern - off, chunk), i;

		/* off is a multiple of 8: whole words. */
		for (i = 0; i < n; i += 8) {
			u64 v = mmb_gen_word(s->seed, (off + i) / 8);
			__le64 w = cpu_to_le64(v);

			memcpy(buf + i, &w, 8);
		}
		ret = mmb_dma_kernel(s->mdev, off, buf, n, true);
	}
	kvfree(buf);
	return ret;
}

/*
 * Naive: whether the polling thread has an engine to poll: the stream
 * runs and a frame is being filled.  Without a frame (every frame ready
 * or the process's, or the frame clock's next tick not there yet) there
 * is nothing to submit, possibly for as long as the process likes, and
 * the thread sleeps until mmb_stream_kick() takes a frame.
 */
static bool mmb_stream_active(struct mmb_stream *s)
{
	return READ_ONCE(s->running) && !READ_ONCE(s->dead) &&
	       READ_ONCE(s->cur) >= 0;
}

/*
 * Naive: the stream's kernel thread, the design of a driver whose device
 * cannot interrupt when it has data: it keeps polling, and whenever the
 * engine is idle with a frame being filled it submits the next 256 KiB.
 * It polls while a frame is being filled and sleeps otherwise.
 */
static int mmb_stream_poller(void *data)
{
	struct mmb_stream *s = data;
	unsigned long flags;

	while (!kthread_should_stop()) {
		if (!mmb_stream_active(s)) {
			set_current_state(TASK_INTERRUPTIBLE);
			if (!mmb_stream_active(s) && !kthread_should_stop())
				schedule();
			__set_current_state(TASK_RUNNING);
			continue;
		}
		if (!READ_ONCE(s->inflight) && READ_ONCE(s->cur) >= 0) {
			spin_lock_irqsave(&s->lock, flags);
			if (s->running && !s->dead && !s->inflight &&
			    s->cur >= 0)
				mmb_stream_submit(s);
			spin_unlock_irqrestore(&s->lock, flags);
		}
		cond_resched();
		cpu_relax();
	}
	return 0;
}

static int mmb_stream_start(struct mmb_stream *s)
{
	unsigned long flags;
	int ret;

	mutex_lock(&s->ctl);
	ret = s->running ? -EBUSY : mmb_device_alive(s->mdev);
	if (!ret)
		ret = mmb_stream_load(s);
	if (ret)
		goto out;
	spin_lock_irqsave(&s->lock, flags);
	if (s->dead) {
		ret = -ENODEV;
	} else {
		s->running = true;
		s->st.running = 1;
		if (s->period)
			hrtimer_start(&s->tick, ns_to_ktime(s->period),
				      HRTIMER_MODE_REL);
		else
			mmb_stream_kick(s);
	}
	spin_unlock_irqrestore(&s->lock, flags);
	if (!ret && s->poller)
		wake_up_process(s->poller);
out:
	mutex_unlock(&s->ctl);
	return ret;
}

static bool mmb_stream_idle(struct mmb_stream *s)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&s->lock, flags);
	idle = !s->inflight;
	spin_unlock_irqrestore(&s->lock, flags);
	return idle;
}

/*
 * Stop the clock and the engine; wait for the transfer in flight.  The
 * periods that began before the stop and had no tick yet (the timer
 * late) are ticks, dropped, as in mmb_stream_tick().
 */
static void mmb_stream_halt(struct mmb_stream *s)
{
	unsigned long flags;
	bool clocked;
	ktime_t now;
	s64 late;

	spin_lock_irqsave(&s->lock, flags);
	clocked = s->running && !s->dead && s->period;
	now = ktime_get();
	s->running = false;
	s->st.running = 0;
	spin_unlock_irqrestore(&s->lock, flags);
	hrtimer_cancel(&s->tick);
	/* Its expiry is the first period without a tick. */
	late = ktime_to_ns(ktime_sub(now, hrtimer_get_expires(&s->tick)));
	if (clocked && late >= 0) {
		spin_lock_irqsave(&s->lock, flags);
		s->st.ticks += div64_u64(late, s->period) + 1;
		s->st.dropped += div64_u64(late, s->period) + 1;
		s->st.late += div64_u64(late, s->period) + 1;
		spin_unlock_irqrestore(&s->lock, flags);
	}
	wait_event(s->wq, mmb_stream_idle(s));
	/* Naive: a frame taken and not submitted yet goes back. */
	spin_lock_irqsave(&s->lock, flags);
	if (s->cur >= 0 && !s->inflight) {
		s->frames[s->cur].state = MMB_FRAME_FREE;
		s->cur = -1;
		s->st.aborted++;
	}
	spin_unlock_irqrestore(&s->lock, flags);
}

/* How long removal waits for an imported stream's transfer in flight. */
#define MMB_STREAM_UNPLUG_WAIT (5 * HZ)

/*
 * Removal of a stream with imported frames: unmap them once the transfer
 * in flight is done.  A working engine completes it in microseconds; one
 * that is stuck (bus mastering off, the device gone) only completes it
 * when the driver's teardown fails it, after mmb_device_unregister()
 * returns, so the wait is bounded and the unmap is then left to that
 * completion (detach_work).  stream_lock held.
 */
static void mmb_stream_unplug_imported(struct mmb_stream *s)
{
	unsigned long flags;
	bool late = false;

	if (!wait_event_timeout(s->wq, mmb_stream_idle(s),
				MMB_STREAM_UNPLUG_WAIT)) {
		spin_lock_irqsave(&s->lock, flags);
		late = s->inflight;
		s->detach_late = late;
		spin_unlock_irqrestore(&s->lock, flags);
	}
	if (!late) {
		mmb_stream_detach(s);
		return;
	}
	/* clang-format off */
	dev_warn(&s->mdev->dev,
		 "removal: DMA engine stuck on a stream transfer; its dma-bufs are unmapped when the driver fails it\n");
	/* clang-format on */
}

/**
 * mmb_stream_quiesce() - unmap what a stuck engine's stream left mapped.
 * @mdev:	the device, its driver done with its engine (or not
 *		registered)
 *
 * Called from the driver's mmb_device_put(): by then its teardown has
 * failed the transfer that mmb_stream_unplug_imported() gave up waiting
 * for, so the imported frames are unmapped before the driver's remove
 * returns; detach_work, which that completion queued, finds nothing left.
 */
void mmb_stream_quiesce(struct mmb_device *mdev)
{
	struct mmb_core *core = mdev->core;
	struct mmb_stream *s;
	unsigned long flags;
	bool late;

	if (!core)
		return;
	mutex_lock(&core->stream_lock);
	s = core->stream;
	if (s) {
		spin_lock_irqsave(&s->lock, flags);
		late = s->detach_late && !s->inflight;
		spin_unlock_irqrestore(&s->lock, flags);
		if (late)
			mmb_stream_detach(s);
	}
	mutex_unlock(&core->stream_lock);
}

/* The late unmap of imported frames, after a stuck engine's completion. */
static void mmb_stream_detach_work(struct work_struct *work)
{
	struct mmb_stream *s =
		container_of(work, struct mmb_stream, detach_work);

	mutex_lock(&s->mdev->core->stream_lock);
	mmb_stream_detach(s);
	mutex_unlock(&s->mdev->core->stream_lock);
}

/**
 * mmb_stream_unplug() - the device is going away: submit nothing more.
 * @mdev:	the device
 *
 * Called by mmb_device_unregister().  The stream's DMA mappings go now if
 * its engine holds no transfer of it, otherwise when that transfer
 * completes, which the backend's teardown makes happen before its remove
 * returns.  A stream of imported frames waits a little for that transfer
 * here and unmaps them (a dma-buf is unmapped in process context only).
 */
static void mmb_stream_unplug(struct mmb_device *mdev)
{
	struct mmb_stream *s;
	unsigned long flags;

	mutex_lock(&mdev->core->stream_lock);
	s = mdev->core->stream;
	if (s) {
		spin_lock_irqsave(&s->lock, flags);
		s->dead = true;
		s->running = false;
		s->st.running = 0;
		if (!s->inflight)
			mmb_stream_unmap(s);
		spin_unlock_irqrestore(&s->lock, flags);
		hrtimer_cancel(&s->tick);
		wake_up_all(&s->wq);
		/* A software engine maps nothing for the device. */
		if (mmb_stream_imported(s) && !mmb_stream_cpu(s))
			mmb_stream_unplug_imported(s);
	}
	mutex_unlock(&mdev->core->stream_lock);
}

/* Take the oldest ready frame for the process; -1 if none. */
static int mmb_stream_pop(struct mmb_stream *s)
{
	int idx;

	lockdep_assert_held(&s->lock);
	if (!s->fifo_count)
		return -1;
	idx = s->fifo[s->fifo_head];
	s->fifo_head = (s->fifo_head + 1) % s->nr;
	s->fifo_count--;
	s->frames[idx].state = MMB_FRAME_OWNED;
	s->st.delivered++;
	return idx;
}

/*
 * A frame comes back from the process; free running, the engine may start
 * it at once, with a frame clock it waits for a tick.
 */
static void mmb_stream_free_frame(struct mmb_stream *s, u32 idx)
{
	struct mmb_sframe *f = &s->frames[idx];

	lockdep_assert_held(&s->lock);
	mmb_stream_sync_dev(s, f);
	f->state = MMB_FRAME_FREE;
	if (!s->period)
		mmb_stream_kick(s);
}

static bool mmb_stream_readable(struct mmb_stream *s)
{
	return READ_ONCE(s->fifo_count) || READ_ONCE(s->dead);
}

/* Wait for a ready frame and take it; the frame index or -errno. */
static int mmb_stream_take(struct mmb_stream *s, bool nonblock)
{
	unsigned long flags;
	int idx, ret;

	for (;;) {
		spin_lock_irqsave(&s->lock, flags);
		idx = s->dead ? -1 : mmb_stream_pop(s);
		ret = s->dead ? -ENODEV : -EAGAIN;
		spin_unlock_irqrestore(&s->lock, flags);
		if (idx >= 0)
			return idx;
		if (ret == -ENODEV || nonblock)
			return ret;
		ret = wait_event_interruptible(s->wq, mmb_stream_readable(s));
		if (ret)
			return ret;
	}
}

static void mmb_stream_frame_info(struct mmb_stream *s, int idx,
				  struct mmb_frame *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->index = idx;
	fr->seq = s->frames[idx].seq;
	fr->length = s->size;
	fr->timestamp_ns = s->frames[idx].ts;
}

/* Copy a kernel-buffer frame out and hand the buffer back. */
static int mmb_stream_copy_out(struct mmb_stream *s, int idx, void __user *hdr,
			       void __user *data)
{
	struct mmb_frame fr;
	unsigned long flags;
	int ret = 0;

	mmb_stream_frame_info(s, idx, &fr);
	if ((hdr && copy_to_user(hdr, &fr, sizeof(fr))) ||
	    copy_to_user(data, s->frames[idx].kbuf, s->size))
		ret = -EFAULT;
	spin_lock_irqsave(&s->lock, flags);
	mmb_stream_free_frame(s, idx);
	spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

static ssize_t mmb_stream_read(struct file *file, char __user *buf, size_t len,
			       loff_t *ppos)
{
	struct mmb_stream *s = file->private_data;
	bool nonblock = file->f_flags & O_NONBLOCK;
	struct mmb_frame fr[16];
	unsigned long flags;
	size_t n = 0, i;
	int idx, ret;

	if (READ_ONCE(s->dead))
		return -ENODEV;
	if (s->mode == MMB_STREAM_NAIVE)
		return -EINVAL;
	if (s->mode == MMB_STREAM_BOUNCE) {
		if (len < sizeof(struct mmb_frame) + s->size)
			return -EINVAL;
		idx = mmb_stream_take(s, nonblock);
		if (idx < 0)
			return idx;
		ret = mmb_stream_copy_out(s, idx, buf, buf + sizeof(fr[0]));
		return ret ? ret : sizeof(fr[0]) + s->size;
	}

	if (len < sizeof(fr[0]))
		return -EINVAL;
	idx = mmb_stream_take(s, nonblock);
	if (idx < 0)
		return idx;
	mmb_stream_frame_info(s, idx, &fr[n++]);
	/* Whatever else is ready and fits. */
	spin_lock_irqsave(&s->lock, flags);
	while (n < len / sizeof(fr[0]) && n < ARRAY_SIZE(fr)) {
		idx = mmb_stream_pop(s);
		if (idx < 0)
			break;
		mmb_stream_frame_info(s, idx, &fr[n++]);
	}
	spin_unlock_irqrestore(&s->lock, flags);
	if (copy_to_user(buf, fr, n * sizeof(fr[0]))) {
		/* The process cannot know these frames: give them back. */
		spin_lock_irqsave(&s->lock, flags);
		for (i = 0; i < n; i++)
			mmb_stream_free_frame(s, fr[i].index);
		spin_unlock_irqrestore(&s->lock, flags);
		return -EFAULT;
	}
	return n * sizeof(fr[0]);
}

/* Zero copy, ring: frames handed back by index.  All valid, or none taken. */
static ssize_t mmb_stream_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	struct mmb_stream *s = file->private_data;
	u32 idx[MMB_STREAM_MAX_FRAMES];
	unsigned long flags;
	size_t n = len / sizeof(u32), i;
	ssize_t ret = len;

	if (READ_ONCE(s->dead))
		return -ENODEV;
	if (!mmb_stream_in_place(s))
		return -EINVAL;
	if (!n || len % sizeof(u32) || n > s->nr)
		return -EINVAL;
	if (copy_from_user(idx, buf, len))
		return -EFAULT;
	spin_lock_irqsave(&s->lock, flags);
	if (s->dead) {
		spin_unlock_irqrestore(&s->lock, flags);
		return -ENODEV;
	}
	for (i = 0; i < n; i++) {
		if (idx[i] >= s->nr ||
		    s->frames[idx[i]].state != MMB_FRAME_OWNED) {
			ret = -EINVAL;
			break;
		}
		/* Mark it, so a duplicate in the same write is refused. */
		s->frames[idx[i]].state = MMB_FRAME_FREE;
	}
	if (ret < 0) {
		while (i--)
			s->frames[idx[i]].state = MMB_FRAME_OWNED;
	} else {
		for (i = 0; i < n; i++) {
			s->frames[idx[i]].state = MMB_FRAME_OWNED;
			mmb_stream_free_frame(s, idx[i]);
		}
	}
	spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

static __poll_t mmb_stream_poll(struct file *file, poll_table *wait)
{
	struct mmb_stream *s = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &s->wq, wait);
	if (READ_ONCE(s->fifo_count))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(s->dead))
		mask |= EPOLLERR | EPOLLHUP;
	return mask;
}

/*
 * Ring: the whole ring, frame i at offset i * frame_size, read-only.  The
 * pages are ordinary kernel pages: each mapping holds a reference to them
 * and to the file, so they outlive neither.
 */
static int mmb_stream_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmb_stream *s = file->private_data;
	unsigned long per = s->size >> PAGE_SHIFT, n = 0, i, j;
	struct page **pages;
	int ret;

	if (READ_ONCE(s->dead))
		return -ENODEV;
	if (s->mode != MMB_STREAM_RING)
		return -EINVAL;
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != s->nr * s->size)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	mmb_vm_flags_clear(vma, VM_MAYWRITE);
	mmb_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	pages = kvmalloc_array(s->nr * per, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		for (j = 0; j < per; j++)
			pages[n++] = virt_to_page(s->frames[i].kbuf +
						  (j << PAGE_SHIFT));
	ret = vm_insert_pages(vma, vma->vm_start, pages, &n);
	kvfree(pages);
	return ret;
}

/* Stream fd ioctls: on the stream's own file, @ctx is the stream. */
static int mmb_stream_ctl_check(const void *arg)
{
	const struct mmb_stream_ctl *ctl = arg;

	return ctl->flags ? -EINVAL : 0;
}

static long mmb_stream_ioctl_start(void *ctx, struct file *file, void *arg)
{
	return mmb_stream_start(ctx);
}

static long mmb_stream_ioctl_stop(void *ctx, struct file *file, void *arg)
{
	struct mmb_stream *s = ctx;

	mutex_lock(&s->ctl);
	mmb_stream_halt(s);
	mutex_unlock(&s->ctl);
	return READ_ONCE(s->dead) ? -ENODEV : 0;
}

static int mmb_stream_status_check(const void *arg)
{
	const struct mmb_stream_status *st = arg;

	return st->flags ? -EINVAL : 0;
}

static long mmb_stream_ioctl_status(void *ctx, struct file *file, void *arg)
{
	struct mmb_stream_status *st = arg;
	struct mmb_stream *s = ctx;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&s->lock, flags);
	if (s->dead) {
		spin_unlock_irqrestore(&s->lock, flags);
		return -ENODEV;
	}
	*st = s->st;
	st->ready = s->fifo_count;
	for (i = 0, st->owned = 0; i < s->nr; i++)
		st->owned += s->frames[i].state == MMB_FRAME_OWNED;
	spin_unlock_irqrestore(&s->lock, flags);
	st->flags = 0;
	st->nr_frames = s->nr;
	st->frame_size = s->size;
	st->pattern_size = s->pattern;
	st->sg_entries = s->sg_entries;
	return 0;
}

static int mmb_stream_fetch_check(const void *arg)
{
	const struct mmb_stream_fetch *fe = arg;

	return fe->flags ? -EINVAL : 0;
}

/* The struct is written once before: a frame is taken only when it can be reported. */
static long mmb_stream_ioctl_fetch(void *ctx, struct file *file, void *arg)
{
	struct mmb_stream_fetch *fe = arg;
	struct mmb_stream *s = ctx;
	int idx;

	if (READ_ONCE(s->dead))
		return -ENODEV;
	if (s->mode != MMB_STREAM_NAIVE || fe->length < s->size)
		return -EINVAL;
	idx = mmb_stream_take(s, true);
	if (idx < 0)
		return idx;
	mmb_stream_frame_info(s, idx, &fe->frame);
	return mmb_stream_copy_out(s, idx, NULL,
				   u64_to_user_ptr(fe->user_addr));
}

static const struct mmb_ioctl_desc mmb_stream_fd_ioctls[] = {
	MMB_IOCTL(MMB_IOC_STREAM_START, struct mmb_stream_ctl, flags, 0,
		  mmb_stream_ctl_check, mmb_stream_ioctl_start),
	MMB_IOCTL(MMB_IOC_STREAM_STOP, struct mmb_stream_ctl, flags, 0,
		  mmb_stream_ctl_check, mmb_stream_ioctl_stop),
	MMB_IOCTL(MMB_IOC_STREAM_STATUS, struct mmb_stream_status, errors,
		  MMB_IOCTL_OUT, mmb_stream_status_check,
		  mmb_stream_ioctl_status),
	MMB_IOCTL(MMB_IOC_STREAM_FETCH, struct mmb_stream_fetch, frame,
		  MMB_IOCTL_OUT | MMB_IOCTL_TEST, mmb_stream_fetch_check,
		  mmb_stream_ioctl_fetch),
};

static long mmb_stream_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct mmb_stream *s = file->private_data;
	long ret;

	ret = mmb_ioctl_dispatch(mmb_stream_fd_ioctls,
				 ARRAY_SIZE(mmb_stream_fd_ioctls), s, s->mdev,
				 file, cmd, (void __user *)arg);
	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

static void mmb_stream_free(struct mmb_stream *s)
{
	u32 i;

	if (s->poller)
		kthread_stop(s->poller);
	for (i = 0; s->frames && i < s->nr; i++) {
		struct mmb_sframe *f = &s->frames[i];

		if (f->pin.pages)
			mmb_stat_add(s->mdev, MMB_STAT_UNPINS, 1);
		/* Unmapped before: the device may be long gone. */
		WARN_ON_ONCE(f->mapped);
		mmb_pin_release(&f->pin);
		sg_free_table(&f->sgt);
		if (f->kbuf)
			free_pages_exact(f->kbuf, s->size);
		WARN_ON_ONCE(f->attach);
		if (f->dmap.vaddr)
			mmb_dma_buf_vunmap(f->dmabuf, &f->dmap);
		if (f->dmabuf)
			dma_buf_put(f->dmabuf);
	}
	mmb_memlock_uncharge(&s->kmem);
	kvfree(s->frames);
	kfree(s->fifo);
	put_pid(s->sig_pid);
	if (s->sig_cred)
		put_cred(s->sig_cred);
	put_device(s->dma_dev);
	put_device(&s->mdev->dev);
	kfree(s);
}

static int mmb_stream_release(struct inode *inode, struct file *file)
{
	struct mmb_stream *s = file->private_data;
	struct mmb_device *mdev = s->mdev;
	unsigned long flags;

	mutex_lock(&s->ctl);
	mmb_stream_halt(s);
	mutex_unlock(&s->ctl);
	/* A late unmap queued by the last completion (it takes stream_lock). */
	flush_work(&s->detach_work);
	/* Unmapped while the device cannot be removed under us. */
	mutex_lock(&mdev->core->stream_lock);
	spin_lock_irqsave(&s->lock, flags);
	mmb_stream_unmap(s);
	spin_unlock_irqrestore(&s->lock, flags);
	mmb_stream_detach(s);
	if (mdev->core->stream == s)
		mdev->core->stream = NULL;
	mutex_unlock(&mdev->core->stream_lock);
	mmb_stream_free(s);
	return 0;
}

static const struct file_operations mmb_stream_fops = {
	.owner = THIS_MODULE,
	.read = mmb_stream_read,
	.write = mmb_stream_write,
	.poll = mmb_stream_poll,
	.mmap = mmb_stream_mmap,
	.unlocked_ioctl = mmb_stream_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mmb_stream_release,
	.llseek = noop_llseek,
};

/* Zero copy, bus-address engine: the frame's pages in segments of @max. */
static int mmb_stream_sgtable(struct mmb_sframe *f, unsigned int max)
{
	struct mmb_pin *p = &f->pin;

	return sg_alloc_table_from_pages_segment(&f->sgt, p->pages, p->nr_pages,
						 p->offset, p->len, max,
						 GFP_KERNEL);
}

/*
 * The process's frame addresses, read once: page-aligned, not wrapping,
 * and not overlapping one another (two frames on the same bytes would
 * have the engine write one while the process reads the other).  Frames
 * that share pages through two mappings of one file cannot be seen here:
 * mmb_stream_frames_alias() finds those.
 */
static u64 *mmb_stream_frame_addrs(struct mmb_stream *s, u64 __user *uframes)
{
	u64 *addr, end;
	u32 i, j;

	addr = kmalloc_array(s->nr, sizeof(*addr), GFP_KERNEL);
	if (!addr)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(addr, uframes, s->nr * sizeof(*addr))) {
		kfree(addr);
		return ERR_PTR(-EFAULT);
	}
	for (i = 0; i < s->nr; i++) {
		if (!PAGE_ALIGNED(addr[i]))
			goto inval;
		if (check_add_overflow(addr[i], s->size, &end)) {
			kfree(addr);
			return ERR_PTR(-EOVERFLOW);
		}
		for (j = 0; j < i; j++)
			if (addr[i] < addr[j] + s->size && addr[j] < end)
				goto inval;
	}
	return addr;
inval:
	kfree(addr);
	return ERR_PTR(-EINVAL);
}

static int mmb_page_cmp(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a;
	const struct page *y = *(struct page *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether two pinned frames share a page: one file mapped at two
 * addresses (a mirrored ring, say) gives frames that do not overlap in the
 * address space and still overlap in memory.
 */
static int mmb_stream_frames_alias(struct mmb_stream *s)
{
	unsigned long n = 0, i;
	struct page **all;
	int ret = 0;
	u32 f;

	for (f = 0; f < s->nr; f++)
		n += s->frames[f].pin.nr_pages;
	if (n < 2)
		return 0;
	all = kvmalloc_array(n, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	for (f = 0, n = 0; f < s->nr; f++) {
		memcpy(all + n, s->frames[f].pin.pages,
		       s->frames[f].pin.nr_pages * sizeof(*all));
		n += s->frames[f].pin.nr_pages;
	}
	sort(all, n, sizeof(*all), mmb_page_cmp, NULL);
	for (i = 1; i < n && !ret; i++)
		if (all[i] == all[i - 1])
			ret = -EINVAL;
	kvfree(all);
	return ret;
}

/*
 * Pin the process's frames and describe them: for a CPU-addressed engine
 * a kernel mapping, for a bus-address engine a table in segments the
 * device takes (mapped later, by mmb_stream_map()).  Nothing is pinned
 * before every address has been checked; frames that turn out to share a
 * page are refused once pinned.
 */
static int mmb_stream_pin_frames(struct mmb_stream *s, u64 __user *uframes)
{
	unsigned int max_seg = UINT_MAX & PAGE_MASK;
	bool cpu = mmb_stream_cpu(s);
	u64 *addr;
	u32 i;
	int ret = 0;

	if (!cpu)
		max_seg = min_t(unsigned int, max_seg,
				dma_get_max_seg_size(s->dma_dev) & PAGE_MASK);
	addr = mmb_stream_frame_addrs(s, uframes);
	if (IS_ERR(addr))
		return PTR_ERR(addr);

	for (i = 0; i < s->nr && !ret; i++) {
		struct mmb_sframe *f = &s->frames[i];

		ret = mmb_pin_user(&f->pin, addr[i], s->size, MMB_PIN_WRITE);
		if (!ret)
			mmb_stat_pinned(s->mdev, f->pin.nr_pages);
		if (!ret && cpu)
			ret = mmb_pin_vmap(&f->pin);
		if (!ret && cpu)
			ret = mmb_pin_sgtable(&f->pin, NULL, DMA_FROM_DEVICE);
		if (!ret && !cpu)
			ret = mmb_stream_sgtable(f, max_seg);
		if (!ret)
			s->sg_entries += cpu ? f->pin.sgt.orig_nents :
					       f->sgt.orig_nents;
	}
	kfree(addr);
	return ret ?: mmb_stream_frames_alias(s);
}

/*
 * Take the process's dma-bufs (struct mmb_stream_dmabuf), each frame
 * inside its own and no two frames on the same bytes; for a software
 * engine, map each into the kernel.  Mapping for a bus-address engine
 * comes later, with the device held (mmb_stream_map()).
 */
static int mmb_stream_import_frames(struct mmb_stream *s, void __user *uframes)
{
	struct mmb_stream_dmabuf *d;
	u32 i, j;
	int ret = 0;

	d = kmalloc_array(s->nr, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (copy_from_user(d, uframes, s->nr * sizeof(*d))) {
		kfree(d);
		return -EFAULT;
	}
	for (i = 0; i < s->nr && !ret; i++) {
		struct mmb_sframe *f = &s->frames[i];

		if (d[i].reserved || !PAGE_ALIGNED(d[i].offset)) {
			ret = -EINVAL;
			break;
		}
		f->dmabuf = dma_buf_get(d[i].fd);
		if (IS_ERR(f->dmabuf)) {
			ret = PTR_ERR(f->dmabuf);
			f->dmabuf = NULL;
			break;
		}
		f->doff = d[i].offset;
		if (f->doff >= f->dmabuf->size ||
		    s->size > f->dmabuf->size - f->doff) {
			ret = -ENXIO;
			break;
		}
		/* Device memory, never under another device's DMA. */
		if (mmb_dmabuf_is_region(f->dmabuf)) {
			ret = -EOPNOTSUPP;
			break;
		}
		/* The engine writes it: a read-only dma-buf is not a frame. */
		if (!(f->dmabuf->file->f_mode & FMODE_WRITE)) {
			ret = -EACCES;
			break;
		}
		for (j = 0; j < i; j++)
			if (s->frames[j].dmabuf == f->dmabuf &&
			    f->doff < s->frames[j].doff + s->size &&
			    s->frames[j].doff < f->doff + s->size)
				ret = -EINVAL;
		if (ret || !mmb_stream_cpu(s))
			continue;
		ret = mmb_dmabuf_pin(f->dmabuf);
		if (ret)
			break;
		ret = mmb_dma_buf_vmap(f->dmabuf, &f->dmap);
		mmb_dmabuf_unpin(f->dmabuf);
		if (ret) {
			iosys_map_clear(&f->dmap);
		} else if (f->dmap.is_iomem) {
			mmb_dma_buf_vunmap(f->dmabuf, &f->dmap);
			iosys_map_clear(&f->dmap);
			ret = -EOPNOTSUPP;
		} else {
			s->sg_entries++;
		}
	}
	kfree(d);
	return ret;
}

/*
 * Kernel buffers the user asked for, as long-lived as the stream file: they
 * are charged like pinned frames, to the user's RLIMIT_MEMLOCK.
 */
static int mmb_stream_alloc_kbufs(struct mmb_stream *s)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;
	u32 i;
	int ret;

	ret = mmb_memlock_charge(&s->kmem,
				 s->nr * (PAGE_ALIGN(s->size) >> PAGE_SHIFT));
	if (ret)
		return ret;
	if (!mmb_stream_cpu(s))
		gfp |= mmb_dma_gfp(s->dma_dev);
	for (i = 0; i < s->nr; i++) {
		/*
		 * Contiguous: a frame beyond the page allocator's largest
		 * block is -ENOMEM, without a warning.
		 */
		s->frames[i].kbuf = alloc_pages_exact(s->size, gfp);
		if (!s->frames[i].kbuf)
			return -ENOMEM;
	}
	return 0;
}

/*
 * An imported frame for a bus-address engine: attached to its dma-buf as
 * the device, the exporter's table mapped for it; a frame in a dma-buf an
 * earlier frame attached to shares that attachment (two mappings of the
 * same pages for one device would overlap, which the DMA API does not
 * support).
 */
static int mmb_stream_attach(struct mmb_stream *s, struct mmb_sframe *f)
{
	struct sg_table *sgt;
	struct scatterlist *sg;
	struct mmb_sframe *g;
	u64 len = 0;
	int i;

	for (g = s->frames; g < f; g++) {
		if (g->dmabuf == f->dmabuf && g->attach_owner) {
			f->attach = g->attach;
			f->dsgt = g->dsgt;
			return 0;
		}
	}
	f->attach_owner = true;
	f->attach = dma_buf_attach(f->dmabuf, s->dma_dev);
	if (IS_ERR(f->attach)) {
		int ret = PTR_ERR(f->attach);

		f->attach = NULL;
		return ret;
	}
	sgt = mmb_dma_buf_map(f->attach, DMA_FROM_DEVICE);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	f->dsgt = sgt;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		s->sg_entries++;
		len += sg_dma_len(sg);
	}
	/* The frames in it must be inside what the exporter mapped. */
	for (g = f; g < s->frames + s->nr; g++)
		if (g->dmabuf == f->dmabuf && g->doff + s->size > len)
			return -ENXIO;
	return 0;
}

/*
 * Map every frame for a bus-address engine.  Called with
 * mdev->core->stream_lock held and the device alive, so that a removal unmaps
 * what this maps.
 */
static int mmb_stream_map(struct mmb_stream *s)
{
	u32 i;
	int ret;

	for (i = 0; i < s->nr; i++) {
		struct mmb_sframe *f = &s->frames[i];

		if (mmb_stream_imported(s)) {
			ret = mmb_stream_attach(s, f);
			if (!ret && !f->attach_owner) {
				f->mapped = true; /* counted by its owner */
				continue;
			}
		} else if (s->mode == MMB_STREAM_ZERO_COPY) {
			/*
			 * Another stream (another device's) may have the
			 * same pages: the DMA API does not support
			 * overlapping mappings that it syncs itself, so
			 * this one is synced by hand.
			 */
			ret = dma_map_sgtable(s->dma_dev, &f->sgt,
					      DMA_FROM_DEVICE,
					      DMA_ATTR_SKIP_CPU_SYNC);
			if (!ret)
				dma_sync_sgtable_for_device(s->dma_dev, &f->sgt,
							    DMA_FROM_DEVICE);
		} else {
			f->kdma = dma_map_single(s->dma_dev, f->kbuf, s->size,
						 DMA_FROM_DEVICE);
			ret = dma_mapping_error(s->dma_dev, f->kdma) ? -ENOMEM :
								       0;
		}
		if (ret) {
			mmb_stream_unmap(s);
			mmb_stream_detach(s);
			return ret;
		}
		f->mapped = true;
		mmb_dma_mapped(1);
	}
	return 0;
}

static int mmb_stream_check(struct mmb_device *mdev,
			    const struct mmb_stream_setup *ss)
{
	bool zero_copy = ss->mode == MMB_STREAM_ZERO_COPY ||
			 ss->mode == MMB_STREAM_DMABUF;
	bool naive = ss->mode == MMB_STREAM_NAIVE;

	if (ss->flags & ~(MMB_EVENT_NONBLOCK | MMB_EVENT_CLOEXEC) ||
	    ss->reserved)
		return -EINVAL;
	if (ss->mode > MMB_STREAM_DMABUF)
		return -EINVAL;
	/* Bounce and naive are the test interface's. */
	if ((ss->mode == MMB_STREAM_BOUNCE || naive) && !mmb_test_interface)
		return -EINVAL;
	if (!ss->nr_frames || ss->nr_frames > MMB_STREAM_MAX_FRAMES)
		return -EINVAL;
	if (!ss->frame_size || ss->frame_size > MMB_STREAM_MAX_FRAME ||
	    !PAGE_ALIGNED(ss->frame_size))
		return -EINVAL;
	if (ss->period_ns && (ss->period_ns < MMB_STREAM_PERIOD_MIN_NS ||
			      ss->period_ns > MMB_STREAM_PERIOD_MAX_NS))
		return -EINVAL;
	if (zero_copy != !!ss->frames)
		return -EINVAL;
	if (naive != !!ss->signal || ss->signal > _NSIG)
		return -EINVAL;
	if (!(mdev->core->caps & MMB_CAP_DMA))
		return -EOPNOTSUPP;
	/* The pattern is whole words of the window (edu refuses less). */
	if (mdev->dma_window < 8)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * mmb_stream_setup() - MMB_IOC_STREAM_SETUP.
 * @mdev:	the device
 * @ss:		the request (not yet validated)
 *
 * Return: the stream fd or -errno.
 */
static int mmb_stream_setup(struct mmb_device *mdev,
			    const struct mmb_stream_setup *ss)
{
	struct mmb_stream *s;
	int ret, fd, oflags = O_RDWR;

	ret = mmb_stream_check(mdev, ss);
	if (ret)
		return ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	get_device(&mdev->dev);
	s->mdev = mdev;
	s->dma_dev = get_device(mdev->core->dma_dev);
	s->mode = ss->mode;
	s->nr = ss->nr_frames;
	s->size = ss->frame_size;
	s->seed = ss->seed;
	s->period = ss->period_ns;
	s->pattern = min_t(u64, mdev->dma_window, MMB_STREAM_PATTERN_MAX) &
		     ~7ULL;
	s->sig = ss->signal;
	if (s->sig) {
		s->sig_pid = get_task_pid(current, PIDTYPE_TGID);
		s->sig_cred = get_current_cred();
	}
	s->cur = -1;
	mutex_init(&s->ctl);
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	hrtimer_init(&s->tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s->tick.function = mmb_stream_tick;
	s->req.done = mmb_stream_done;
	INIT_WORK(&s->detach_work, mmb_stream_detach_work);
	s->max_seg = max_t(unsigned int,
			   dma_get_max_seg_size(s->dma_dev) & PAGE_MASK,
			   PAGE_SIZE);

	/* A failure is the caller's -ENOMEM, not a report in the log. */
	s->frames =
		kvcalloc(s->nr, sizeof(*s->frames), GFP_KERNEL | __GFP_NOWARN);
	s->fifo = kcalloc(s->nr, sizeof(*s->fifo), GFP_KERNEL);
	if (!s->frames || !s->fifo) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (s->mode == MMB_STREAM_ZERO_COPY)
		ret = mmb_stream_pin_frames(s, u64_to_user_ptr(ss->frames));
	else if (mmb_stream_imported(s))
		ret = mmb_stream_import_frames(s, u64_to_user_ptr(ss->frames));
	else
		ret = mmb_stream_alloc_kbufs(s);
	if (ret)
		goto err_free;
	if (s->mode == MMB_STREAM_NAIVE) {
		s->poller = kthread_run(mmb_stream_poller, s, "mmb-naive/%s",
					dev_name(&mdev->dev));
		if (IS_ERR(s->poller)) {
			ret = PTR_ERR(s->poller);
			s->poller = NULL;
			goto err_free;
		}
	}

	mutex_lock(&mdev->core->stream_lock);
	ret = mmb_device_alive(mdev);
	if (!ret && mdev->core->stream)
		ret = -EBUSY;
	if (!ret && !mmb_stream_cpu(s))
		ret = mmb_stream_map(s);
	if (ret) {
		mutex_unlock(&mdev->core->stream_lock);
		goto err_free;
	}
	if (ss->flags & MMB_EVENT_NONBLOCK)
		oflags |= O_NONBLOCK;
	if (ss->flags & MMB_EVENT_CLOEXEC)
		oflags |= O_CLOEXEC;
	fd = anon_inode_getfd("[mmbridge-stream]", &mmb_stream_fops, s, oflags);
	if (fd >= 0) {
		mdev->core->stream = s;
	} else {
		mmb_stream_unmap(s);
		mmb_stream_detach(s);
	}
	mutex_unlock(&mdev->core->stream_lock);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	return fd;

err_free:
	mmb_stream_free(s);
	return ret;
}

/* MMB_IOC_STREAM_SETUP, on the device file: a new stream's fd. */
static long mmb_ioctl_stream_setup(void *ctx, struct file *file, void *arg)
{
	return mmb_stream_setup(((struct mmb_file *)ctx)->mdev, arg);
}

static const struct mmb_ioctl_desc mmb_stream_ioctls[] = {
	MMB_IOCTL(MMB_IOC_STREAM_SETUP, struct mmb_stream_setup, reserved,
		  MMB_IOCTL_ALIVE, NULL, mmb_ioctl_stream_setup),
};

const struct mmb_mechanism mmb_stream_mech = {
	.name = "stream",
	.ioctls = mmb_stream_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_stream_ioctls),
	.dev_unplug = mmb_stream_unplug,
};
