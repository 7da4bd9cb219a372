/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge remote copy: the in-kernel API for other drivers.
 *
 * A driver copies bytes into a process's memory from anywhere, hard-IRQ
 * context included: it fills a struct mmb_copy naming the process's mm (held
 * with mmgrab() for the life of the request), the user address and the
 * source, and calls mmb_copy_submit().  A worker kernel thread adopts the mm
 * with kthread_use_mm() and copies with copy_to_user(), so faults are
 * handled as in a system call: unpopulated, swapped-out and copy-on-write
 * pages work, an unwritable destination ends the copy with -EFAULT and the
 * exact count.  ->done() is called once per submission, in the worker.
 */
#ifndef _MMB_REMOTE_H
#define _MMB_REMOTE_H

#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/types.h>

struct iov_iter;
struct mmb_copy;
struct mmb_thread;
struct task_struct;

/**
 * typedef mmb_copy_fill_t - produce source bytes.
 * @c:		the request
 * @off:	stream offset of the first byte (c->src_off + bytes done)
 * @dst:	kernel buffer to fill
 * @len:	bytes to produce, at most MMB_COPY_CHUNK
 *
 * Called by the worker, in process context, before it copies them out.
 */
typedef void (*mmb_copy_fill_t)(struct mmb_copy *c, u64 off, void *dst,
				size_t len);

#define MMB_COPY_CHUNK (128 * 1024)

/*
 * mmb_copy.flags: the submitter sleeps until ->done(); run the copy on the
 * worker of the submitting CPU, which that sleep leaves free.
 */
#define MMB_COPY_F_LOCAL BIT(0)

/**
 * struct mmb_copy - one copy into a process's memory.
 * @mm:		destination address space; the submitter holds it with
 *		mmgrab() until ->done() has run
 * @uaddr:	destination address in @mm, when @iter is NULL
 * @iter:	destination instead of @uaddr, or NULL: an ITER_DEST iterator
 *		whose user addresses (ubuf, iovec) are in @mm, or kernel pages
 *		(bvec, kvec); the request owns it until ->done()
 * @len:	bytes to copy (at most what @iter holds)
 * @src:	source bytes, read as a ring of @src_size bytes starting at
 *		@src_off % @src_size; unused when @fill is set
 * @src_size:	ring size (@src bytes); for a plain buffer, its length
 * @src_off:	stream offset of the first byte
 * @fill:	produces the source instead of @src, or NULL
 * @done:	completion callback, called once in the worker thread
 * @context:	the submitter's
 * @flags:	MMB_COPY_F_LOCAL or 0
 * @owner:	a task of the process the copy is for, or NULL; when that
 *		process is killed or exits as a group, a copy stuck in a fault
 *		is cancelled (the submitter keeps the task valid until ->done()
 *		and has nothing else that cancels the copy, e.g. a kiocb)
 * @copied:	bytes copied (valid in ->done())
 * @status:	0, -EFAULT (destination unwritable at @uaddr + @copied),
 *		-ESRCH (the address space was gone) or -ECANCELED
 * @worker_pid:	pid of the worker thread that ran the copy, 0 if none did
 * @cancel:	set by mmb_copy_cancel(); clear in a new request (submission
 *		does not clear it)
 * @killed:	the engine's: the thread running the copy was signalled
 * @watch_at:	the engine's: when a copy with an @owner last made progress
 * @watch_copied: the engine's: @copied then
 * @node:	engine queue link
 * @thread:	the engine's: the worker running the copy
 * @parked:	the engine's: waiting for a stuck copy into the same @mm
 */
struct mmb_copy {
	struct mm_struct *mm;
	unsigned long uaddr;
	struct iov_iter *iter;
	size_t len;
	const void *src;
	size_t src_size;
	u64 src_off;
	mmb_copy_fill_t fill;
	void (*done)(struct mmb_copy *c);
	void *context;
	unsigned int flags;
	struct task_struct *owner;

	size_t copied;
	int status;
	pid_t worker_pid;

	bool cancel;
	bool killed;
	unsigned long watch_at;
	size_t watch_copied;
	struct list_head node;
	struct mmb_thread *thread;
	bool parked;
};

void mmb_copy_submit(struct mmb_copy *c);
void mmb_copy_cancel(struct mmb_copy *c);
void mmb_copy_cancel_async(struct mmb_copy *c);
void mmb_copy_run(struct mmb_copy *c, void *bounce);

#endif /* _MMB_REMOTE_H */
