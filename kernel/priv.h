/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge internal definitions shared by the char-device front, the
 * mechanisms and the backends.
 *
 * Lock order (outermost first):
 *
 *   mmb_device.unplug_rwsem (read)	held by every file operation that
 *					reaches the backend; write-held once,
 *					by mmb_device_unregister()
 *     mmb_device.ctl_lock		serializes interrupt control
 *       backend spinlocks		edu.dma_lock, soft.dma_lock: taken
 *					with IRQs disabled, never sleep
 *
 *   mmb_copy_fd.lock (mutex)		per file: copy configuration, buffer
 *					source, read() stream position
 *     mmb_copy_fd.alock		per file: request lists and counters
 *
 *   mmb_device.irq_copy_lock		IRQ-safe; registrations of IRQ copies
 *     mmb_irq_copy_reg.lock		IRQ-safe; one registration's record
 *       remote engine lock		IRQ-safe; the worker queue
 *
 * Rule: user memory is never touched (copy_{to,from}_user, get/pin_user_pages)
 * while unplug_rwsem is held.  A page fault takes mmap_lock, and a fault
 * handler of a later mapping takes unplug_rwsem: touching user memory under
 * it could close a cycle through waiting writers of both locks.
 */
#ifndef _MMB_PRIV_H
#define _MMB_PRIV_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../include/uapi/linux/mmbridge.h"

#define MMB_DRV_NAME		"mmbridge"
#define MMB_MAX_DEVICES		64

struct mmb_device;
struct mmb_dma_req;

/**
 * struct mmb_dma_req - one transfer for a backend's DMA engine.
 * @node:	engine queue link; owned by the engine between submit and done
 * @dma_addr:	host RAM as the device addresses it (real devices)
 * @cpu_addr:	the same host RAM for the CPU (software engine)
 * @dev_offset:	offset in the device's DMA window
 * @len:	bytes
 * @to_device:	true: host RAM -> device; false: device -> host RAM
 * @status:	0 or -errno, valid when @done runs
 * @done:	called once per submitted request, possibly in hard-IRQ context
 */
struct mmb_dma_req {
	struct list_head node;
	dma_addr_t dma_addr;
	void *cpu_addr;
	u64 dev_offset;
	u32 len;
	bool to_device;
	int status;
	void (*done)(struct mmb_dma_req *req);
};

/**
 * struct mmb_backend_ops - what a backend offers to the mechanisms.
 * @irq_raise:	make the device raise one interrupt; the handler reports it
 *		with mmb_irq_event(..., MMB_IRQ_TRIGGER)
 * @irq_timer:	start periodic interrupts every @period_ns, or stop them (0)
 * @dma_submit:	queue @req; the engine calls @req->done exactly once.  Every
 *		queued request completes before the backend's remove returns.
 *
 * An absent operation means the backend lacks the capability.  Operations
 * are called with unplug_rwsem read-held, so the backend is alive.
 */
struct mmb_backend_ops {
	int (*irq_raise)(struct mmb_device *mdev);
	int (*irq_timer)(struct mmb_device *mdev, u64 period_ns);
	int (*dma_submit)(struct mmb_device *mdev, struct mmb_dma_req *req);
};

/* Why an interrupt happened, as reported by a backend's handler. */
enum mmb_irq_cause {
	MMB_IRQ_TRIGGER,	/* raised on request (MMB_IOC_IRQ_TRIGGER) */
	MMB_IRQ_TIMER,		/* periodic timer */
	MMB_IRQ_DMA,		/* DMA completion */
};

/**
 * struct mmb_notify - interrupt bookkeeping, written from hard-IRQ context.
 * @irq_count:	every interrupt handled
 * @trigger_count: interrupts caused by irq_raise
 * @wq:		woken on every interrupt
 */
struct mmb_notify {
	atomic64_t irq_count;
	atomic64_t trigger_count;
	wait_queue_head_t wq;
};

/**
 * struct mmb_device - one mmbridge device node.
 * @dev:	sysfs device; its release frees the struct
 * @cdev:	the character device; open files hold @dev through it
 * @kind:	which backend
 * @instance:	N in the node name <backend><N>
 * @caps:	MMB_CAP_* bits
 * @ops:	the backend's operations
 * @priv:	the backend's state
 * @dma_dev:	device for the DMA API (the backend's PCI or platform device);
 *		referenced for the life of the struct
 * @dma_window:	bytes of device-side buffer the DMA engine reaches
 * @mem_io:	device memory behind a BAR, or NULL
 * @mem_virt:	device memory in RAM, or NULL
 * @mem_size:	bytes of device memory
 * @unplug_rwsem: read-held by file operations inside the backend,
 *		write-held by mmb_device_unregister()
 * @alive:	false once unregistered; protected by @unplug_rwsem
 * @ctl_lock:	serializes interrupt trigger and timer control
 * @timer_owner: the file that started the periodic timer; @ctl_lock
 * @notify:	interrupt bookkeeping
 * @irq_copy_lock: protects @irq_copies; IRQ-safe
 * @irq_copies:	files that receive interrupt records (MMB_IOC_IRQ_COPY)
 *
 * Fields from @kind to @mem_size are set before registration and constant
 * afterwards.  The struct lives until the last reference to @dev goes; the
 * backend behind it only until mmb_device_unregister() returns.
 */
struct mmb_device {
	struct device dev;
	struct cdev cdev;

	enum mmb_backend_kind kind;
	int instance;
	u64 caps;
	const struct mmb_backend_ops *ops;
	void *priv;
	struct device *dma_dev;
	u32 dma_window;
	void __iomem *mem_io;
	void *mem_virt;
	u64 mem_size;

	struct rw_semaphore unplug_rwsem;
	bool alive;

	struct mutex ctl_lock;		/* interrupt trigger and timer control */
	struct file *timer_owner;

	struct mmb_notify notify;

	spinlock_t irq_copy_lock;	/* @irq_copies; IRQ-safe */
	struct list_head irq_copies;
};

/**
 * struct mmb_copy_fd - a file's side of the remote copy engine.
 * @lock:	configuration, @kbuf, @pos, @irq_reg; serializes read()
 * @mode:	enum mmb_copy_mode; @lock
 * @source:	enum mmb_copy_source; @lock
 * @seed:	generator seed; @lock
 * @pos:	stream offset of the next read(); @lock
 * @kbuf:	bytes stored by write(), or NULL; @lock
 * @irq_reg:	this file's interrupt-copy registration, or NULL; @lock
 * @alock:	the lists and counters below
 * @inflight:	submitted requests whose ->done() has not run; @alock
 * @ready:	finished async requests not yet reaped; @alock
 * @nr_inflight: length of @inflight; @alock
 * @nr_ready:	length of @ready; @alock
 * @completed:	requests finished; @alock
 * @cancelled:	requests cancelled before they finished; @alock
 * @last_worker: pid of the worker of the last finished request; @alock
 * @wq:		poll, reap and release wait here
 */
struct mmb_copy_fd {
	struct mutex lock;		/* configuration and read() */
	u32 mode;
	u32 source;
	u64 seed;
	u64 pos;
	struct mmb_kbuf *kbuf;
	struct mmb_irq_copy_reg *irq_reg;

	spinlock_t alock;		/* request lists and counters */
	struct list_head inflight;
	struct list_head ready;
	unsigned int nr_inflight;
	unsigned int nr_ready;
	u64 completed;
	u64 cancelled;
	pid_t last_worker;
	wait_queue_head_t wq;
};

/**
 * struct mmb_file - per open file.
 * @mdev:	the device; the file holds a reference
 * @copy:	remote copy state
 */
struct mmb_file {
	struct mmb_device *mdev;
	struct mmb_copy_fd copy;
};

/* main.c: device registration for backends. */
struct mmb_device *mmb_device_alloc(struct device *parent,
				    enum mmb_backend_kind kind,
				    const struct mmb_backend_ops *ops,
				    void *priv);
int mmb_device_register(struct mmb_device *mdev,
			const struct attribute_group **groups);
void mmb_device_unregister(struct mmb_device *mdev);
void mmb_device_put(struct mmb_device *mdev);
int mmb_device_enter(struct mmb_device *mdev);
void mmb_device_leave(struct mmb_device *mdev);
int mmb_device_alive(struct mmb_device *mdev);
const char *mmb_backend_name(enum mmb_backend_kind kind);

extern struct workqueue_struct *mmb_wq;

/* chardev.c */
extern const struct file_operations mmb_fops;

/* notify.c */
void mmb_notify_init(struct mmb_notify *n);
void mmb_irq_event(struct mmb_device *mdev, enum mmb_irq_cause cause);
void mmb_notify_unplug(struct mmb_device *mdev);

/* remote.c */
int mmb_remote_init(void);
void mmb_remote_exit(void);

/* copyfd.c */
struct poll_table_struct;
void mmb_copyfd_init(struct mmb_copy_fd *cfd);
void mmb_copyfd_release(struct mmb_copy_fd *cfd);
ssize_t mmb_copyfd_read(struct mmb_copy_fd *cfd, char __user *buf,
			size_t count);
ssize_t mmb_copyfd_write(struct mmb_copy_fd *cfd, const char __user *buf,
			 size_t count);
__poll_t mmb_copyfd_poll(struct mmb_copy_fd *cfd, struct file *file,
			 struct poll_table_struct *wait);
int mmb_copyfd_config(struct mmb_copy_fd *cfd, const struct mmb_copy_config *cc);
int mmb_copyfd_submit(struct mmb_copy_fd *cfd, const struct mmb_copy_submit *s);
int mmb_copyfd_reap(struct mmb_copy_fd *cfd, struct mmb_copy_reap *rp);
void mmb_copyfd_status(struct mmb_copy_fd *cfd, struct mmb_copy_status *st);
ssize_t mmb_copyfd_remote_write(struct mmb_copy_fd *cfd,
				const struct mmb_remote_write *rw);
int mmb_copyfd_irq_copy(struct mmb_copy_fd *cfd, struct mmb_device *mdev,
			const struct mmb_irq_copy *ic);
void mmb_irq_copy_event(struct mmb_device *mdev, u64 irq_count);

/* Backends. */
int mmb_edu_init(void);
void mmb_edu_exit(void);
int mmb_ivshmem_init(void);
void mmb_ivshmem_exit(void);
int mmb_soft_init(void);
void mmb_soft_exit(void);

#endif /* _MMB_PRIV_H */
