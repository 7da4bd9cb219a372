/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmbridge user-space ABI.
 *
 * Every ioctl takes a pointer to a struct that starts with @argsz and @flags:
 *
 *  - @argsz is the size of the struct as the caller knows it.  A value below
 *    the size of the first version of the struct is rejected with -EINVAL.
 *    A larger value is accepted when every byte the kernel does not know is
 *    zero (otherwise -E2BIG), so old kernels run new binaries that do not use
 *    new fields.  An @argsz above 4096 is -E2BIG.  Output structs are
 *    written back up to min(@argsz, size the kernel knows).
 *  - @flags holds only the flags documented for that ioctl; any other bit is
 *    rejected with -EINVAL.
 *  - Every field named reserved* must be zero (-EINVAL otherwise).
 *  - Fields marked (out) are ignored on input.
 *  - An ioctl with output first writes the bytes it will write back with
 *    what it read, before it acts: a struct the caller cannot write is
 *    -EFAULT with nothing done.
 *  - Unknown commands fail with -ENOTTY.
 *  - A request a backend cannot perform fails with -EOPNOTSUPP; a request on
 *    a device that has been removed fails with -ENODEV.
 *
 * Pointers are passed as __u64 so that 32-bit and 64-bit processes share one
 * layout.
 */
#ifndef _UAPI_LINUX_MMBRIDGE_H
#define _UAPI_LINUX_MMBRIDGE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * 2: MMB_IOC_COPY_SUBMIT, MMB_IOC_COPY_REAP, MMB_COPY_ASYNC and
 * MMB_IOC_REMOTE_WRITE are gone (-ENOTTY, -EINVAL); mmb_info.backend is
 * reserved0 and mmb_info.driver names the driver.
 * 3: MMB_IOC_IRQ_TRIGGER, MMB_IOC_IRQ_TIMER, MMB_IOC_STREAM_FETCH, the
 * copy source MMB_SRC_GEN and the stream modes MMB_STREAM_BOUNCE and
 * MMB_STREAM_NAIVE are the test interface's, there only with the module
 * parameter test_interface (-ENOTTY, -EINVAL without it).
 * 4: MMB_IOC_OBJ_EXPORT and MMB_IOC_REGION_EXPORT (dma-bufs); the
 * dma-buf fields of struct mmb_obj_info and struct mmb_region_info.
 * 5: several regions per device (MMB_MMAP_REGION_AT(), the region index of
 * struct mmb_region_ctl, struct mmb_region_info and struct mmb_export);
 * regions that only CAP_SYS_RAWIO maps; MMB_EVENT_VECTOR and
 * struct mmb_counters.vector_count.
 * 6: one event source per interrupt vector: MMB_EVENT_VECTOR_N(), struct
 * mmb_counters.vector_counts, MMB_EVENT_ONE_VECTOR and
 * MMB_EVENTFD_ONE_VECTOR, struct mmb_info.nr_vectors.
 */
#define MMB_ABI_VERSION 6

/*
 * Device nodes are /dev/mmbridge/<driver><instance>, e.g. /dev/mmbridge/edu0:
 * the driver that registered the device names it (mmb_info.driver).
 */
#define MMB_DEV_DIR "/dev/mmbridge"

/* Capability bits reported by MMB_IOC_INFO. */
/*
 * MMB_CAP_IRQ: the driver raises an interrupt on request, and with
 * MMB_CAP_IRQ_TIMER periodically (events of cause MMB_EVENT_TRIGGER and
 * MMB_EVENT_TIMER); the test interface's MMB_IOC_IRQ_TRIGGER and
 * MMB_IOC_IRQ_TIMER use them.
 */
#define MMB_CAP_IRQ (1ULL << 0)
#define MMB_CAP_IRQ_TIMER (1ULL << 1)
#define MMB_CAP_DMA (1ULL << 2) /* MMB_IOC_DMA works */
#define MMB_CAP_DEVMEM (1ULL << 3) /* device memory, MMB_IOC_MEM_RW */
#define MMB_CAP_MAP (1ULL << 4) /* a mappable region (revocable) */
#define MMB_CAP_OBJECT (1ULL << 5) /* migratable objects, MMB_IOC_OBJ_* */

#define MMB_IOC_MAGIC 0xB7

/**
 * struct mmb_info - MMB_IOC_INFO: describe the device (output).
 * @argsz:	size of this struct as the caller knows it (in)
 * @flags:	must be 0 (in)
 * @abi_version: MMB_ABI_VERSION of the kernel module
 * @reserved0:	0 (this field numbered the drivers known to the module
 *		before drivers became modules of their own: see @driver)
 * @caps:	MMB_CAP_* bits
 * @mem_size:	bytes of device memory (0 when the backend has none)
 * @event_count: events delivered since the device was probed: the counter
 *		page's irq_count (every delivered interrupt, revocation and
 *		restoration counts one; interrupts that arrive while delivery
 *		is disabled count one together, when it is enabled again)
 * @irq_count:	the same field under its first name (same offset, same
 *		value); new code uses @event_count
 * @dma_window:	bytes of device-side buffer the DMA engine can reach
 * @instance:	the N in the device name
 * @name:	device name, NUL-terminated, e.g. "edu0"
 * @irq_handled: interrupts the device's handler took since the device was
 *		probed, one per interrupt cause it reported (TRIGGER, TIMER,
 *		DMA, DMA_ERROR), counted when handled whether delivery is
 *		enabled or not; revocations and restorations are no
 *		interrupts.  Kernels before this field was added write back
 *		only up to @name (an @argsz of 64).
 * @driver:	the driver that registered the device, NUL-terminated: the
 *		stem of @name ("edu" for "edu0"), as sysfs "backend" shows
 *		it.  Kernels before this field was added write back only up
 *		to @irq_handled (an @argsz of 72).
 * @nr_vectors:	the device's interrupt vectors that are event sources of
 *		their own (MMB_EVENT_VECTOR_N(0) to (@nr_vectors - 1)); 0 for
 *		a device whose driver reports what its interrupts mean.
 *		Kernels before this field was added write back only up to
 *		@driver (an @argsz of 88).
 * @reserved1:	0
 */
struct mmb_info {
	__u32 argsz;
	__u32 flags;
	__u32 abi_version;
	__u32 reserved0;
	__u64 caps;
	__u64 mem_size;
	union {
		__u64 event_count;
		__u64 irq_count;
	};
	__u32 dma_window;
	__u32 instance;
	char name[16];
	__u64 irq_handled;
	char driver[16];
	__u32 nr_vectors;
	__u32 reserved1;
};

#define MMB_IOC_INFO _IO(MMB_IOC_MAGIC, 0x00)

/*
 * Numbers 0x01 and 0x02 (MMB_IOC_IRQ_TRIGGER, MMB_IOC_IRQ_TIMER: make the
 * device interrupt on request) and 0x34 (MMB_IOC_STREAM_FETCH) belong to
 * the test interface, which the module parameter test_interface enables;
 * without it they fail with -ENOTTY like any unknown command.
 */

/* Direction flags shared by MMB_IOC_DMA and MMB_IOC_MEM_RW; exactly one is set. */
#define MMB_XFER_TO_DEVICE (1U << 0) /* user memory -> device */
#define MMB_XFER_FROM_DEVICE (1U << 1) /* device -> user memory */

/**
 * struct mmb_xfer - MMB_IOC_DMA and MMB_IOC_MEM_RW: move bytes.
 * @argsz:	size of this struct (in)
 * @flags:	exactly one of MMB_XFER_TO_DEVICE, MMB_XFER_FROM_DEVICE (in)
 * @dev_offset:	offset in the device's DMA window or device memory (in)
 * @length:	bytes to move, at least 1 (in)
 * @user_addr:	user buffer (in)
 * @reserved:	must be 0 (in)
 *
 * MMB_IOC_DMA moves the bytes with the device's DMA engine (the device
 * reads or writes host RAM); the range must lie within the DMA window of
 * MMB_IOC_INFO.  MMB_IOC_MEM_RW moves them with the CPU through the device
 * memory mapping; the range must lie within the device memory.  A range
 * outside, or one whose end overflows, fails with -EINVAL; an unreadable or
 * unwritable user buffer fails with -EFAULT.
 */
struct mmb_xfer {
	__u32 argsz;
	__u32 flags;
	__u64 dev_offset;
	__u64 length;
	__u64 user_addr;
	__u64 reserved;
};

#define MMB_XFER_MAX (64ULL << 20)
#define MMB_IOC_DMA _IO(MMB_IOC_MAGIC, 0x03)
#define MMB_IOC_MEM_RW _IO(MMB_IOC_MAGIC, 0x04)

/*
 * Foreign-context copy.
 *
 * Reads of a device fd (read, readv, pread, preadv2, Linux aio, io_uring)
 * copy bytes of a data source into the caller's buffers, from the stream
 * offset that is the file position (lseek() SEEK_SET/SEEK_CUR, or the
 * read's own offset).  The source byte at stream offset o is:
 *  - MMB_SRC_BUFFER: byte (o % n) of the n bytes written to the fd with
 *                    write() (read() returns 0 while nothing was written).
 *                    The buffer holds at most MMB_XFER_MAX bytes: a
 *                    write() that would pass that fails with -EFBIG and
 *                    stores nothing (-ENOMEM without the memory).
 * The copy runs in the caller (MMB_COPY_SYNC) or in a worker kernel thread
 * that adopts the caller's address space while the caller sleeps
 * (MMB_COPY_WORKER).  An aio or io_uring read in WORKER mode returns at
 * once and completes when the worker is done: at most
 * MMB_COPY_MAX_INFLIGHT of them per fd are in flight, one more completes
 * with -EAGAIN; io_cancel() or the death of the submitting process cancels
 * one (-ECANCELED if nothing was copied yet).  RWF_NOWAIT never sleeps:
 * SYNC copies what is resident (-EAGAIN if nothing is), a synchronous
 * WORKER read is -EAGAIN.  A file starts in the mode named by the device's
 * sysfs attribute copy_mode.  poll() reports the device fd readable and
 * writable at all times: a read never waits for data (it may sleep for
 * the copy itself).
 *
 * Source 0 is the test interface's generator (MMB_SRC_GEN, a pattern every
 * byte of which can be checked on its own); a file starts with it when the
 * module parameter test_interface is set, and with MMB_SRC_BUFFER
 * otherwise.  Without the test interface, source 0 fails with -EINVAL.
 *
 * Mode 2 was MMB_COPY_ASYNC, in which copies were submitted and reaped by
 * ioctl; aio and io_uring reads do that job.  MMB_IOC_COPY_CONFIG with
 * mode 2 fails with -EINVAL.
 */
enum mmb_copy_mode {
	MMB_COPY_SYNC = 0,
	MMB_COPY_WORKER = 1,
};

#define MMB_COPY_MAX_INFLIGHT 256

enum mmb_copy_source {
	MMB_SRC_BUFFER = 1,
};

/* MMB_IOC_COPY_CONFIG flags */
#define MMB_COPY_SET_OFFSET (1U << 0) /* set the stream offset */
#define MMB_COPY_CLEAR_BUFFER (1U << 1) /* forget what write() stored */

/**
 * struct mmb_copy_config - MMB_IOC_COPY_CONFIG: how read() copies.
 * @argsz:	size of this struct (in)
 * @flags:	MMB_COPY_SET_OFFSET, MMB_COPY_CLEAR_BUFFER (in)
 * @mode:	enum mmb_copy_mode (in)
 * @source:	enum mmb_copy_source (in)
 * @seed:	generator seed for the test interface's MMB_SRC_GEN (in)
 * @offset:	stream offset of the next read(), the file position, with
 *		MMB_COPY_SET_OFFSET (in; at most 2^63 - 1, else -EINVAL)
 *
 * Changing the mode while copies are in flight fails with -EBUSY.
 */
struct mmb_copy_config {
	__u32 argsz;
	__u32 flags;
	__u32 mode;
	__u32 source;
	__u64 seed;
	__u64 offset;
};

#define MMB_IOC_COPY_CONFIG _IO(MMB_IOC_MAGIC, 0x10)

/*
 * Numbers 0x11 and 0x12 were MMB_IOC_COPY_SUBMIT and MMB_IOC_COPY_REAP,
 * copies submitted and their completions collected by ioctl (with struct
 * mmb_copy_submit, struct mmb_copy_reap and struct mmb_copy_completion).
 * They are gone: aio and io_uring reads of a WORKER file are the
 * asynchronous copy.  The numbers are not reused: they fail with -ENOTTY.
 */

/**
 * struct mmb_copy_status - MMB_IOC_COPY_STATUS: the fd's copy counters (out).
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @inflight:	copies in a worker's hands, not yet finished
 * @ready:	always 0 (once the completions waiting for MMB_IOC_COPY_REAP)
 * @last_worker_pid: pid of the kernel thread of the last worker copy
 * @reserved:	0
 * @completed:	copies finished since open
 * @cancelled:	copies cut short by cancellation since open
 */
struct mmb_copy_status {
	__u32 argsz;
	__u32 flags;
	__u32 inflight;
	__u32 ready;
	__u32 last_worker_pid;
	__u32 reserved;
	__u64 completed;
	__u64 cancelled;
};

#define MMB_IOC_COPY_STATUS _IO(MMB_IOC_MAGIC, 0x13)

/*
 * Number 0x14 was MMB_IOC_REMOTE_WRITE, a write into another process by a
 * worker thread.  It is gone: process_vm_writev() does that from user
 * space with the kernel's own permission check, which a module cannot
 * call; a driver that holds a process's mm writes into it with
 * mmb_copy_submit().  The number is not reused: it fails with -ENOTTY.
 */

/**
 * struct mmb_irq_record - what MMB_IOC_IRQ_COPY delivers on each interrupt.
 * @irq_count:	the device's interrupt count after this interrupt
 * @timestamp_ns: CLOCK_MONOTONIC time of the interrupt
 * @worker_pid:	pid of the kernel thread that wrote the record
 * @reserved:	0
 */
struct mmb_irq_record {
	__u64 irq_count;
	__u64 timestamp_ns;
	__u32 worker_pid;
	__u32 reserved;
};

/**
 * struct mmb_irq_copy - MMB_IOC_IRQ_COPY: deliver interrupts into memory.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @user_addr:	where a struct mmb_irq_record is written, 8-byte aligned;
 *		0 unregisters (in)
 *
 * Each device interrupt queues, from the interrupt handler, a copy of the
 * newest record into the caller's memory; a worker thread writes it.
 * Copies coalesce: a slow worker writes the newest record once.  One
 * registration per fd; it ends on close or exit.
 */
struct mmb_irq_copy {
	__u32 argsz;
	__u32 flags;
	__u64 user_addr;
};

#define MMB_IOC_IRQ_COPY _IO(MMB_IOC_MAGIC, 0x15)

/*
 * Interrupt events.
 *
 * Every device interrupt is one event with a cause.  Events are counted on
 * the device's counter page, which any device fd maps read-only at offset
 * MMB_MMAP_COUNTERS (one page, MAP_SHARED or MAP_PRIVATE, no PROT_WRITE).
 * The interrupt handler updates the page under a sequence count: @seq is
 * odd while an update is in progress, and a snapshot is consistent when
 * @seq was even and unchanged around reading the fields (libmmbridge's
 * mmb_counters_read() does exactly this).  In full, on any CPU:
 *
 *	do {
 *		s = load_acquire(&pg->seq);	(retry while s is odd)
 *		... read the fields ...
 *		fence(acquire);			(smp_rmb())
 *	} while (READ_ONCE(pg->seq) != s);
 *
 * The kernel orders its stores to match (smp_wmb() after making @seq odd
 * and before making it even).  Every delivered event adds one to
 * @irq_count and one to exactly one of the cause counters, in one update
 * that raises @seq by exactly 2; between updates @seq is even.  Other
 * updates (a masked interrupt, enabling or disabling delivery, a region
 * state change that is no event) raise it by 2 as well.
 */
enum mmb_event_cause {
	MMB_EVENT_TRIGGER = 1, /* raised on request (MMB_CAP_IRQ) */
	MMB_EVENT_TIMER = 2, /* the periodic timer */
	MMB_EVENT_DMA = 3, /* a DMA transfer finished */
	MMB_EVENT_DMA_ERROR = 4, /* a DMA transfer failed */
	MMB_EVENT_REVOKE = 5, /* the device region was revoked */
	MMB_EVENT_RESTORE = 6, /* the device region was restored */
	MMB_EVENT_VECTOR = 7, /* the device interrupted (a generic driver) */
};

/*
 * A generic driver (mmb_pci) reports each of a device's interrupt vectors
 * as an event source of its own: cause MMB_EVENT_VECTOR with the vector's
 * number, 0 to MMB_VECTORS_MAX - 1, in bits 8 and up.  Vector 0's cause is
 * MMB_EVENT_VECTOR itself.  A ring record's @cause carries the number;
 * MMB_EVENT_CAUSE() and MMB_EVENT_VECTOR_OF() take it apart.
 */
#define MMB_VECTORS_MAX 32
#define MMB_EVENT_VECTOR_N(n) (MMB_EVENT_VECTOR | ((__u32)(n) << 8))
#define MMB_EVENT_CAUSE(cause) (0xff & (cause))
#define MMB_EVENT_VECTOR_OF(cause) ((cause) >> 8)

#define MMB_MMAP_COUNTERS 0ULL /* mmap offset of the counter page */

/**
 * struct mmb_counters - the counter page (read-only mapping).
 * @seq:	sequence count, odd while the kernel writes
 * @size:	sizeof(struct mmb_counters) of the kernel
 * @irq_count:	events delivered
 * @last_ns:	CLOCK_MONOTONIC time of the last delivered event
 * @trigger_count: delivered events of cause MMB_EVENT_TRIGGER
 * @timer_count: delivered events of cause MMB_EVENT_TIMER
 * @dma_count:	delivered events of cause MMB_EVENT_DMA
 * @dma_errors:	delivered events of cause MMB_EVENT_DMA_ERROR
 * @masked_count: interrupts that arrived while delivery was disabled
 *		(MMB_IOC_IRQ_CONTROL); not part of @irq_count
 * @enabled:	1 while delivery is enabled, 0 while disabled
 * @region_state: MMB_REGION_* bits of the device's region 0 (0: live)
 * @revoke_count: delivered events of cause MMB_EVENT_REVOKE
 * @restore_count: delivered events of cause MMB_EVENT_RESTORE
 * @vector_count: delivered events of cause MMB_EVENT_VECTOR, every vector
 * @regions_down: bit N set while region N is not live (revoked or gone):
 *		which region a MMB_EVENT_REVOKE or _RESTORE was about
 * @reserved:	0
 * @vector_counts: delivered events of each vector: entry N counts
 *		MMB_EVENT_VECTOR_N(N); together they are @vector_count.
 *		Pages of kernels before ABI 6 (a @size of 112) end before.
 *
 * Revoke and restore events are not interrupts: MMB_IOC_IRQ_CONTROL does
 * not hold them back.
 */
struct mmb_counters {
	__u32 seq;
	__u32 size;
	__u64 irq_count;
	__u64 last_ns;
	__u64 trigger_count;
	__u64 timer_count;
	__u64 dma_count;
	__u64 dma_errors;
	__u64 masked_count;
	__u32 enabled;
	__u32 region_state;
	__u64 revoke_count;
	__u64 restore_count;
	__u64 vector_count;
	__u32 regions_down;
	__u32 reserved;
	__u64 vector_counts[MMB_VECTORS_MAX];
};

/* MMB_IOC_EVENT_OPEN flags */
#define MMB_EVENT_NONBLOCK (1U << 0) /* the new fd is O_NONBLOCK */
#define MMB_EVENT_CLOEXEC (1U << 1) /* the new fd is O_CLOEXEC */
#define MMB_EVENT_ONE_VECTOR (1U << 2) /* count @vector's events only */

/**
 * struct mmb_event_open - MMB_IOC_EVENT_OPEN: a file to wait for events on.
 * @argsz:	size of this struct (in)
 * @flags:	MMB_EVENT_NONBLOCK, MMB_EVENT_CLOEXEC (in)
 *
 * Returns a new file descriptor that behaves like a UIO device node: read()
 * of 8 bytes or more sleeps until the device's event count differs from the
 * count this fd last returned (or had when it was opened), then returns the
 * count as a __u64 (fewer than 8 bytes: -EINVAL; with O_NONBLOCK and
 * nothing new: -EAGAIN; after removal of the device: -ENODEV).  poll()
 * reports EPOLLIN when a read() would not sleep, and EPOLLERR | EPOLLHUP
 * after removal.  write() of a __u32 1 or 0 enables or disables event
 * delivery as MMB_IOC_IRQ_CONTROL does.  Threads that share one such fd
 * share its count; independent waiters open one each.
 *
 * With MMB_EVENT_ONE_VECTOR the fd is about one interrupt vector of the
 * device: its count is the counter page's vector_counts[@vector], and
 * read() and poll() wait for that vector's events alone.  A write() to it
 * still enables or disables delivery for the whole device, every vector
 * (delivery is not held back per vector).  A @vector the device does not
 * have (mmb_info.nr_vectors or more) is -EINVAL.
 *
 * @vector:	the vector, with MMB_EVENT_ONE_VECTOR; 0 otherwise (in)
 * @reserved:	must be 0 (in)
 */
struct mmb_event_open {
	__u32 argsz;
	__u32 flags;
	__u32 vector;
	__u32 reserved;
};

#define MMB_IOC_EVENT_OPEN _IO(MMB_IOC_MAGIC, 0x20)

/* MMB_IOC_EVENTFD flags */
#define MMB_EVENTFD_ONE_VECTOR (1U << 0) /* signal @vector's events only */

/**
 * struct mmb_eventfd - MMB_IOC_EVENTFD: signal an eventfd on every event.
 * @argsz:	size of this struct (in)
 * @flags:	0 or MMB_EVENTFD_ONE_VECTOR (in)
 * @fd:		an eventfd(2) file descriptor, or -1 to unregister (in)
 * @vector:	with MMB_EVENTFD_ONE_VECTOR, the interrupt vector whose
 *		events signal @fd; 0 otherwise (in)
 *
 * The interrupt handler adds 1 to the eventfd's counter per delivered
 * event.  A device fd has one eventfd for all events and one per vector
 * (MMB_EVENTFD_ONE_VECTOR), as vfio-pci has one per vector; a new one
 * replaces the old in its place, and -1 empties it.  Not an eventfd:
 * -EINVAL; not a file descriptor: -EBADF; a @vector the device does not
 * have (mmb_info.nr_vectors or more): -EINVAL; a new registration when
 * the device has 256 (over all its files; they bound the interrupt
 * handler's work): -ENOSPC.
 */
struct mmb_eventfd {
	__u32 argsz;
	__u32 flags;
	__s32 fd;
	__u32 vector;
};

#define MMB_IOC_EVENTFD _IO(MMB_IOC_MAGIC, 0x21)

/* MMB_IOC_IRQ_CONTROL flags: exactly one */
#define MMB_IRQ_ENABLE (1U << 0)
#define MMB_IRQ_DISABLE (1U << 1)

/**
 * struct mmb_irq_control - MMB_IOC_IRQ_CONTROL: enable or disable delivery.
 * @argsz:	size of this struct (in)
 * @flags:	MMB_IRQ_ENABLE or MMB_IRQ_DISABLE (in)
 *
 * While delivery is disabled the handler still acknowledges the device,
 * but the interrupt is only counted in masked_count: no event, no wake-up,
 * no record.  Enabling delivers the interrupts that arrived meanwhile as
 * one event, as a masked interrupt line with a pending bit does.  The
 * setting is per device; closing the fd that disabled delivery enables it
 * again.  On a device whose interrupt masks itself when it fires (a PCI
 * INTx line under mmb_pci), every enable also unmasks it, once user space
 * has quieted the device, as a write of 1 to a UIO node does; a line still
 * asserted stays masked and is reported again as one event.
 */
struct mmb_irq_control {
	__u32 argsz;
	__u32 flags;
};

#define MMB_IOC_IRQ_CONTROL _IO(MMB_IOC_MAGIC, 0x22)

/*
 * Pinned event rings.
 *
 * MMB_IOC_PIN_REGION pins a range of the caller's memory for as long as it
 * is registered, and the interrupt handler writes one struct
 * mmb_ring_record per delivered event straight into it, from hard-IRQ
 * context.  The range starts with a struct mmb_ring header followed by
 * @nr_slots records: record n (counting from 0) is in slot n % nr_slots and
 * is complete once @head exceeds n (read @head with acquire semantics).
 * The kernel initialises the header at registration and owns the whole
 * range while it is registered; user space only reads it.
 *
 * A slot is reused by record n + nr_slots, so a slow reader can be
 * overrun.  The kernel writes a record as @seq = n + 1, smp_wmb(), the
 * other fields, smp_wmb(), then @head = n + 1.  A reader of record n
 * therefore reads it as
 *
 *	h = load_acquire(&ring->head);		(n < h: complete)
 *	s1 = READ_ONCE(rec->seq);
 *	fence(acquire);				(smp_rmb())
 *	... copy the other fields ...
 *	fence(acquire);
 *	s2 = READ_ONCE(rec->seq);
 *
 * and the copy is record n exactly when s1 == s2 == n + 1; otherwise the
 * record was overwritten (lost to an overrun) and the reader resumes at
 * record h - nr_slots or later.
 */

/**
 * struct mmb_ring_record - one event, as written into a pinned ring.
 * @seq:	1 + the record's number in this ring
 * @irq_count:	the device's event count after this event
 * @timestamp_ns: CLOCK_MONOTONIC time of the event
 * @cause:	enum mmb_event_cause; for MMB_EVENT_VECTOR, with the vector's
 *		number in bits 8 and up (MMB_EVENT_VECTOR_N())
 * @cpu:	CPU whose handler wrote the record
 */
struct mmb_ring_record {
	__u64 seq;
	__u64 irq_count;
	__u64 timestamp_ns;
	__u32 cause;
	__u32 cpu;
};

/**
 * struct mmb_ring - header of a pinned event ring.
 * @head:	records written since registration
 * @nr_slots:	records the ring holds
 * @record_size: sizeof(struct mmb_ring_record)
 * @reserved:	0
 * @records:	the slots
 */
struct mmb_ring {
	__u64 head;
	__u32 nr_slots;
	__u32 record_size;
	__u64 reserved[6];
	struct mmb_ring_record records[];
};

/**
 * struct mmb_pin_region - MMB_IOC_PIN_REGION: register a pinned event ring.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @user_addr:	start of the ring, 8-byte aligned (in)
 * @length:	bytes, room for the header and at least one record, at most
 *		MMB_PIN_MAX (in)
 * @id:		handle for MMB_IOC_UNPIN_REGION (out)
 * @nr_slots:	records the ring holds (out)
 *
 * The pages are pinned long-term (FOLL_LONGTERM) and charged to the
 * caller's user (not process) against the caller's RLIMIT_MEMLOCK, for as
 * long as the registration lives, whichever process then holds the fd:
 * -ENOMEM when the user's locked memory would exceed it, unless the caller
 * has CAP_IPC_LOCK.  The budget is the one io_uring's registered buffers
 * use; mlock() has its own.  Errors: a misaligned start, a length too
 * small or above MMB_PIN_MAX, -EINVAL; a range whose end overflows,
 * -EOVERFLOW; a range that is not writable anonymous memory, shmem or
 * hugetlbfs memory of the caller (unmapped, read-only, PROT_NONE, kernel
 * addresses, device mappings such as mmbridge's own, shared mappings of
 * files other than tmpfs/memfd/hugetlbfs; a private mapping of a file is
 * allowed: its pinned pages
 * are private copies), -EFAULT; more than MMB_PIN_MAX_REGIONS per fd,
 * -ENOSPC.  The registration ends with MMB_IOC_UNPIN_REGION, or on close
 * or exit; unmapping the range does not end it (the pages stay pinned and
 * keep receiving records that nobody sees).  Across fork() the pinned pages
 * stay with the process that registered them; the child gets copies.
 */
struct mmb_pin_region {
	__u32 argsz;
	__u32 flags;
	__u64 user_addr;
	__u64 length;
	__u32 id;
	__u32 nr_slots;
};

#define MMB_PIN_MAX (64ULL << 20)
#define MMB_PIN_MAX_REGIONS 16
#define MMB_IOC_PIN_REGION _IO(MMB_IOC_MAGIC, 0x23)

/**
 * struct mmb_unpin_region - MMB_IOC_UNPIN_REGION: end a registration.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @id:		from MMB_IOC_PIN_REGION (in); unknown: -ENOENT
 * @reserved:	must be 0 (in)
 *
 * When the call returns, no interrupt handler writes into the range any
 * more and its pages are unpinned and uncharged.
 */
struct mmb_unpin_region {
	__u32 argsz;
	__u32 flags;
	__u32 id;
	__u32 reserved;
};

#define MMB_IOC_UNPIN_REGION _IO(MMB_IOC_MAGIC, 0x24)

/*
 * Frame streaming.
 *
 * MMB_IOC_STREAM_SETUP returns a stream fd: a ring of @nr_frames frames of
 * @frame_size bytes that the device's DMA engine fills one after another.
 * The data stand for what a capture device would deliver: with P the byte
 * stream of the generator for @seed (byte i is byte i % 8 of
 * mmb_gen_word(seed, i / 8), the splitmix64 finalizer of
 * seed + (i / 8 + 1) * 0x9e3779b97f4a7c15, as the test interface's header
 * writes it out) and W the pattern_size of
 * MMB_IOC_STREAM_STATUS (the device's DMA window in whole 8-byte words,
 * at most 4 MiB), byte o of the frame with sequence number q is
 * P[(q * (frame_size + 64) + o) % W].  The device holds the W bytes,
 * loaded at every start; the engine moves them into the frames.
 *
 * How frames reach the process depends on the mode:
 *  - MMB_STREAM_ZERO_COPY: the frames are the process's own memory (@frames
 *    lists their addresses), pinned and mapped for the device, which writes
 *    into them directly.  read() on the stream fd returns one struct
 *    mmb_frame per completed frame; the frame then belongs to the process,
 *    and the device never writes it until the process hands it back by
 *    write()ing its __u32 index to the stream fd.
 *  - MMB_STREAM_RING: the device fills @nr_frames kernel buffers, which
 *    the process maps read-only with mmap() of the stream fd: offset 0,
 *    length nr_frames * frame_size, frame i at i * frame_size (another
 *    offset or length, or a mode other than ring, -EINVAL; PROT_WRITE,
 *    -EPERM, and mprotect() cannot make it writable).  read() and write()
 *    work as in zero copy: the process reads a frame in place between the
 *    two.  A mapping keeps the ring (and the stream) alive after close()
 *    of the fd, until it is unmapped.
 *  - MMB_STREAM_DMABUF: zero copy into dma-bufs (@frames lists struct
 *    mmb_stream_dmabuf): frame i is @frame_size bytes of a dma-buf from
 *    its page-aligned offset, a buffer of the system dma-heap, of
 *    udmabuf, another driver's export (a DRM dumb buffer through PRIME)
 *    or mmbridge's own.  The stream holds each dma-buf and, for a device
 *    whose engine uses bus addresses, attaches to it and maps it for the
 *    device; a software engine writes through the dma-buf's kernel
 *    mapping.  read() and write() work as in zero copy; the process, or
 *    the driver it passes the dma-buf to, sees the data through its own
 *    mapping or import of the dma-buf, with DMA_BUF_IOCTL_SYNC around CPU
 *    access as for any dma-buf.  Two frames may share a dma-buf, not
 *    bytes of it.
 *  - Modes 1 and 2 (MMB_STREAM_BOUNCE, MMB_STREAM_NAIVE) are designs
 *    kept for comparison in benchmarks, in the test interface; without
 *    it they fail with -EINVAL.
 * poll() reports EPOLLIN while a frame is ready.  With @period_ns 0 the
 * engine starts a frame as soon as one is free; otherwise a frame clock
 * ticks every @period_ns, frames start at ticks only, and a tick that
 * finds no free frame, or the engine still busy, drops that frame
 * (counted, never torn); so do the periods a late clock missed (@late in
 * MMB_IOC_STREAM_STATUS).  Closing the stream fd stops the engine, waits
 * for the transfer in flight and releases everything; so does process
 * exit.  A ring's mappings hold the stream file: a ring closed while
 * mapped and running keeps running (its frame clock ticking) until its
 * last mapping is gone.  When the device is removed, the stream's DMA
 * mappings go with it; from then on every call on the stream fd (read(),
 * write(), mmap(), the ioctls below) fails with -ENODEV, poll() reports
 * EPOLLERR | EPOLLHUP, and close() releases the rest (a ring's existing
 * mappings stay readable until unmapped).
 */
enum mmb_stream_mode {
	MMB_STREAM_ZERO_COPY = 0,
	MMB_STREAM_RING = 3,
	MMB_STREAM_DMABUF = 4,
};

/**
 * struct mmb_stream_dmabuf - one frame of an MMB_STREAM_DMABUF stream.
 * @fd:		a dma-buf fd (a bad fd: -EBADF; another file: -EINVAL), writable
 *		(a read-only dma-buf: -EACCES)
 * @reserved:	must be 0
 * @offset:	where the frame starts in it, a multiple of 4096 (-EINVAL);
 *		the frame must end inside the dma-buf (-ENXIO)
 */
struct mmb_stream_dmabuf {
	__s32 fd;
	__u32 reserved;
	__u64 offset;
};

/**
 * struct mmb_stream_setup - MMB_IOC_STREAM_SETUP: create a stream (fd).
 * @argsz:	size of this struct (in)
 * @flags:	MMB_EVENT_NONBLOCK, MMB_EVENT_CLOEXEC for the new fd (in)
 * @mode:	enum mmb_stream_mode (in)
 * @nr_frames:	1 to MMB_STREAM_MAX_FRAMES (in)
 * @frame_size:	bytes per frame, a multiple of 4096, up to
 *		MMB_STREAM_MAX_FRAME (in)
 * @frames:	MMB_STREAM_ZERO_COPY: address of an array of @nr_frames __u64
 *		frame addresses, each 4096-aligned, writable memory of the
 *		caller, no two sharing memory; MMB_STREAM_DMABUF: address of
 *		an array of @nr_frames struct mmb_stream_dmabuf; otherwise 0
 *		(in)
 * @seed:	pattern seed (in)
 * @period_ns:	0, or the frame clock's period, 100 us to 10 s (in)
 * @signal:	MMB_STREAM_NAIVE of the test interface: signal per frame,
 *		1 to 64; otherwise 0 (in)
 * @reserved:	must be 0 (in)
 *
 * Errors: bad @mode, @nr_frames, @frame_size, @period_ns, @signal, a
 * misaligned frame or two frames that share memory (overlapping
 * addresses, or the same pages through two mappings of a file), -EINVAL;
 * a frame whose end overflows, -EOVERFLOW; a
 * frame that is not writable memory of the caller that MMB_IOC_PIN_REGION
 * would pin, -EFAULT; frames beyond RLIMIT_MEMLOCK, -ENOMEM; a backend
 * without DMA, -EOPNOTSUPP.  MMB_STREAM_DMABUF: see struct
 * mmb_stream_dmabuf; a dma-buf of a region of mmbridge's (device memory)
 * or whose kernel mapping is I/O memory (which a software engine cannot
 * write), -EOPNOTSUPP; one that cannot be mapped for the device or into
 * the kernel, its exporter's error.
 * Ring frames (and those of the test interface's modes) are physically
 * contiguous kernel buffers: one larger than the page allocator can give
 * (4 MiB on x86-64 without CMA) is -ENOMEM.  A device whose DMA window is
 * under 8 bytes cannot stream: -EOPNOTSUPP.
 * Zero-copy frames are pinned long-term, ring frames are kernel buffers;
 * both are charged like MMB_IOC_PIN_REGION's pages, until the stream fd
 * is closed (and, for a ring, its last mapping gone).
 * Returns the stream fd.
 */
struct mmb_stream_setup {
	__u32 argsz;
	__u32 flags;
	__u32 mode;
	__u32 nr_frames;
	__u64 frame_size;
	__u64 frames;
	__u64 seed;
	__u64 period_ns;
	__u32 signal;
	__u32 reserved;
};

#define MMB_STREAM_MAX_FRAMES 64
#define MMB_STREAM_MAX_FRAME (16ULL << 20)
#define MMB_STREAM_PERIOD_MIN_NS 100000ULL
#define MMB_STREAM_PERIOD_MAX_NS 10000000000ULL
#define MMB_IOC_STREAM_SETUP _IO(MMB_IOC_MAGIC, 0x30)

/**
 * struct mmb_frame - a completed frame.
 * @index:	which frame of the ring (0 to nr_frames - 1)
 * @reserved:	0
 * @seq:	sequence number, 0 for the first frame the stream produced
 * @length:	bytes, always frame_size
 * @timestamp_ns: CLOCK_MONOTONIC time the last byte arrived
 */
struct mmb_frame {
	__u32 index;
	__u32 reserved;
	__u64 seq;
	__u64 length;
	__u64 timestamp_ns;
};

/*
 * Stream fd ioctls: start and stop take a struct mmb_stream_ctl (flags 0).
 * Stopping waits for the transfer in flight; a frame cut short goes back
 * to the free frames.  Starting again continues the sequence numbers.
 */
struct mmb_stream_ctl {
	__u32 argsz;
	__u32 flags;
};

#define MMB_IOC_STREAM_START _IO(MMB_IOC_MAGIC, 0x31)
#define MMB_IOC_STREAM_STOP _IO(MMB_IOC_MAGIC, 0x32)

/**
 * struct mmb_stream_status - MMB_IOC_STREAM_STATUS (out).
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @running:	1 between start and stop
 * @nr_frames:	frames in the ring
 * @frame_size:	bytes per frame
 * @pattern_size: W of the data definition above
 * @sg_entries:	scatter-gather entries of all frames together, after
 *		merging physically contiguous pages (MMB_STREAM_ZERO_COPY)
 * @ticks:	frame-clock ticks (period_ns > 0)
 * @produced:	frames completed
 * @dropped:	frames the clock could not start (no free frame, engine busy,
 *		or the clock itself late)
 * @aborted:	frames cut short by stop
 * @delivered:	frames handed to the process (read, fetch)
 * @ready:	completed frames waiting for the process
 * @owned:	frames the process holds (MMB_STREAM_ZERO_COPY, MMB_STREAM_RING)
 * @errors:	transfers the device failed
 * @late:	of @dropped, periods the clock itself missed: its timer ran
 *		late, after the next period had begun, so nothing started
 *		the frames of the periods in between
 */
struct mmb_stream_status {
	__u32 argsz;
	__u32 flags;
	__u32 running;
	__u32 nr_frames;
	__u64 frame_size;
	__u64 pattern_size;
	__u64 sg_entries;
	__u64 ticks;
	__u64 produced;
	__u64 dropped;
	__u64 aborted;
	__u64 delivered;
	__u32 ready;
	__u32 owned;
	__u64 errors;
	__u64 late;
};

#define MMB_IOC_STREAM_STATUS _IO(MMB_IOC_MAGIC, 0x33)

/*
 * Revocable device mappings.
 *
 * A backend with MMB_CAP_MAP has regions of device memory that any device
 * fd maps with MAP_SHARED at MMB_MMAP_REGION_AT(index, policy) + offset
 * (region 0 also at MMB_MMAP_REGION(policy) + offset), where the offset
 * and the length are page multiples inside the region (otherwise -ENXIO,
 * also for an index the device does not have; MAP_PRIVATE: -EINVAL; a
 * policy not listed below: -EINVAL).  A region is memory that the backend
 * declares safe for anyone who may open the node (plain memory, never
 * registers that control DMA or interrupts), or raw memory, registers
 * included, that only a process with CAP_SYS_RAWIO maps (-EPERM for
 * others; struct mmb_region_info.features has MMB_REGION_RAW).  Without
 * MMB_CAP_MAP (edu has no region) mmap() of a
 * region offset is -ENODEV and the region ioctls are -EOPNOTSUPP.  Pages
 * are mapped on first touch.  The region can be revoked at any moment, by
 * MMB_IOC_REGION_REVOKE or by the device itself: when revocation returns,
 * no mapping reaches the device any more, and each mapping's next access
 * follows the policy it was mapped with:
 *
 *  MMB_FAULT_DISCARD	each page of the mapping gets a scratch page of
 *			its own, zeroed at each revocation: writes land
 *			there and never reach the device; a read sees
 *			zeros or what was written to that same page since
 *			the revocation, never device data.  Scratch pages
 *			belong to the mmap() call: a child that inherited
 *			the mapping by fork() shares them, as it shares
 *			the MAP_SHARED mapping itself.
 *  MMB_FAULT_SIGBUS	SIGBUS, si_code BUS_ADRERR, si_addr the address.
 *  MMB_FAULT_WAIT	a load or store of the process itself sleeps until
 *			the region is restored, without holding the
 *			process's mmap_lock; signal handlers run meanwhile
 *			and the access is retried.  The kernel's accesses
 *			on the process's behalf never wait (system calls
 *			such as read() into the mapping, mmbridge's copy
 *			and IRQ_COPY workers): they stop there, short or
 *			-EFAULT, as at an unwritable page.
 *
 * Restoring maps the device again on the next access.  Removal of the
 * device revokes for good: DISCARD mappings go on discarding, SIGBUS and
 * WAIT mappings get SIGBUS.  Revocation and restoration are events
 * (MMB_EVENT_REVOKE, MMB_EVENT_RESTORE) on the counter page, event fds and
 * eventfds.  mremap() may move or shrink a mapping, not grow it.
 * get_user_pages() refuses the mappings (O_DIRECT, vmsplice(),
 * process_vm_readv(): -EFAULT); debuggers reach them through
 * /proc/<pid>/mem and ptrace, which see what an access would: the device
 * while live, the scratch page of a revoked DISCARD mapping, -EIO for
 * revoked SIGBUS and WAIT mappings.
 */
enum mmb_fault_policy {
	MMB_FAULT_DISCARD = 0,
	MMB_FAULT_SIGBUS = 1,
	MMB_FAULT_WAIT = 2,
};

/*
 * A device has up to MMB_REGIONS_MAX regions, numbered from 0 (a PCI
 * device's memory BARs, say, numbered as its BARs);
 * struct mmb_region_info.nr_regions is one more than the highest number,
 * and a number below it may still be no region (a BAR that is not memory).
 * Each is revoked and restored on its own, and has its own policy spaces:
 * region @index under @policy at MMB_MMAP_REGION_AT(index, policy), for
 * an index below MMB_REGIONS_MAX and a policy below 256 (other values name
 * other offsets: the macro cannot refuse them; mmb_region_map_at() does).
 * MMB_MMAP_REGION(policy) is region 0.
 * A region the device does not have: -ENXIO, as for an offset past a
 * region's end.
 */
#define MMB_REGIONS_MAX 8
#define MMB_MMAP_REGION_SHIFT 40
#define MMB_MMAP_REGION_AT(index, policy)                \
	((__u64)((((__u64)(index) << 8) | (policy)) + 1) \
	 << MMB_MMAP_REGION_SHIFT)
/* mmap offset of region 0's first byte under @policy */
#define MMB_MMAP_REGION(policy) MMB_MMAP_REGION_AT(0, policy)

/* Device region state bits; 0 means live. */
#define MMB_REGION_REVOKED_USER (1U << 0) /* MMB_IOC_REGION_REVOKE */
#define MMB_REGION_REVOKED_DEVICE (1U << 1) /* the device revoked */
#define MMB_REGION_GONE (1U << 2) /* the device was removed */

/* Caching of the region's mappings. */
enum mmb_region_cache {
	MMB_CACHE_WB = 0, /* RAM: write-back */
	MMB_CACHE_WC = 1, /* device memory: write-combining */
	MMB_CACHE_UC = 2, /* device memory that must not be cached */
};

/**
 * struct mmb_region_ctl - MMB_IOC_REGION_REVOKE, MMB_IOC_REGION_RESTORE.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @state:	MMB_REGION_* bits after the call (out)
 * @index:	the region (in); one the device does not have: -ENXIO
 * @revokes:	times the region went from live to revoked (out)
 * @restores:	times it went from revoked to live (out)
 *
 * REVOKE sets MMB_REGION_REVOKED_USER, RESTORE clears it; either is a no-op
 * when the bit already has that value.  The region is live while no bit is
 * set, so a restore does not end a revocation by the device.  Neither undoes
 * MMB_REGION_GONE (-ENODEV once the device is removed).  Both cut or
 * restore every process's mappings, so they need CAP_SYS_ADMIN (-EPERM).
 */
struct mmb_region_ctl {
	__u32 argsz;
	__u32 flags;
	__u32 state;
	__u32 index;
	__u64 revokes;
	__u64 restores;
};

#define MMB_IOC_REGION_REVOKE _IO(MMB_IOC_MAGIC, 0x40)
#define MMB_IOC_REGION_RESTORE _IO(MMB_IOC_MAGIC, 0x41)

/* struct mmb_region_info.features */
#define MMB_REGION_HUGE (1U << 0) /* PMD-sized mappings possible */
#define MMB_REGION_RAW (1U << 1) /* only CAP_SYS_RAWIO maps it */

/**
 * struct mmb_region_info - MMB_IOC_REGION_INFO: the device region.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @size:	bytes (out)
 * @state:	MMB_REGION_* bits (out)
 * @cache:	enum mmb_region_cache (out)
 * @features:	MMB_REGION_HUGE, MMB_REGION_RAW (out)
 * @reserved:	0 (out)
 * @revokes:	times the region went from live to revoked (out)
 * @restores:	times it went from revoked to live (out)
 * @mappings:	VMAs that map the region now, of every process (out)
 * @faults:	device pages mapped by faults, a PMD counting once (out)
 * @huge_faults: of @faults, PMD-sized ones (out)
 * @discard_faults: scratch pages mapped (out)
 * @sigbus_faults: accesses answered with SIGBUS (out)
 * @wait_faults: accesses that waited for a restore (out)
 * @dmabufs:	dma-bufs of the region (MMB_IOC_REGION_EXPORT) alive now (out)
 * @index:	the region (in); one the device does not have: -ENXIO.  A
 *		caller whose @argsz ends before it asks for region 0.
 * @nr_regions:	one more than the device's highest numbered region (out)
 */
struct mmb_region_info {
	__u32 argsz;
	__u32 flags;
	__u64 size;
	__u32 state;
	__u32 cache;
	__u32 features;
	__u32 reserved;
	__u64 revokes;
	__u64 restores;
	__u64 mappings;
	__u64 faults;
	__u64 huge_faults;
	__u64 discard_faults;
	__u64 sigbus_faults;
	__u64 wait_faults;
	__u64 dmabufs;
	__u32 index;
	__u32 nr_regions;
};

#define MMB_IOC_REGION_INFO _IO(MMB_IOC_MAGIC, 0x42)

/*
 * Migratable objects.
 *
 * A backend with MMB_CAP_OBJECT has a pool of device memory, apart from its
 * region, from which objects are carved.  An object is a zeroed buffer of
 * any page-multiple size up to MMB_OBJ_MAX_SIZE whose backing is either
 * system RAM or device memory, and moves between the two while it is
 * mapped: MMB_IOC_OBJ_MIGRATE takes the object's lock, unmaps it from every
 * process, copies it and switches the backing; an access that races the
 * move waits for it and then maps the new backing, so no store is lost or
 * lands in the old place.  When the pool is full, moving or creating an
 * object in device memory first evicts the least recently used objects
 * there to RAM.
 *
 * An object belongs to the fd that created it (and so to every process
 * sharing that fd); it is mapped with MAP_SHARED through that fd at its
 * @mmap_offset (plus a page-multiple offset inside it; otherwise -ENXIO,
 * MAP_PRIVATE -EINVAL).  Destroying it, or closing the fd, ends the handle;
 * the object lives on until its last mapping goes.  Removal of the device
 * moves every object to RAM, so mappings keep their data.  Like region
 * mappings, object mappings refuse get_user_pages() and let debuggers
 * read and write the current backing through /proc/<pid>/mem and ptrace.
 */
enum mmb_obj_placement {
	MMB_OBJ_RAM = 0, /* system RAM pages */
	MMB_OBJ_DEVICE = 1, /* the device's object pool */
};

#define MMB_OBJ_MAX_SIZE (1ULL << 30)
#define MMB_MMAP_OBJECT_SHIFT 32
/*
 * mmap offset of the object with handle @h (as MMB_IOC_OBJ_CREATE reports):
 * a 4 GiB slot per handle from 2^62 up, above every region offset, so that
 * no MMB_MMAP_REGION() of a policy up to 0x3ffffe names an object.
 */
#define MMB_MMAP_OBJECT(h) \
	((1ULL << 62) + ((__u64)(h) << MMB_MMAP_OBJECT_SHIFT))

/**
 * struct mmb_obj_create - MMB_IOC_OBJ_CREATE: a new object.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @size:	bytes, a non-zero page multiple up to MMB_OBJ_MAX_SIZE (in)
 * @placement:	enum mmb_obj_placement (in)
 * @handle:	names the object in the other MMB_IOC_OBJ_* calls (out)
 * @mmap_offset: where to mmap() it on this fd (out)
 *
 * Errors: -EINVAL for bad flags, size or placement; -EOPNOTSUPP without
 * MMB_CAP_OBJECT; -ENOSPC when the object is larger than the whole pool
 * (device placement), when the objects that can be moved to RAM do not
 * make room (an object whose memory cgroup is at its limit is passed
 * over), or when 65535 objects of the device exist; -ENOMEM; -EINTR when
 * a fatal signal ended the call (no object is made).  An object's RAM is
 * charged to the memory cgroup of the process that created it, whoever
 * moves it there.
 */
struct mmb_obj_create {
	__u32 argsz;
	__u32 flags;
	__u64 size;
	__u32 placement;
	__u32 handle;
	__u64 mmap_offset;
};

#define MMB_IOC_OBJ_CREATE _IO(MMB_IOC_MAGIC, 0x50)

/**
 * struct mmb_obj_ctl - MMB_IOC_OBJ_MIGRATE, MMB_IOC_OBJ_DESTROY.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @handle:	the object (in); not one of this fd's: -ENOENT
 * @placement:	MIGRATE: where to (in); DESTROY: must be 0
 *
 * MIGRATE to the current placement does nothing; to the device it may
 * evict other objects (-ENOSPC if the object is larger than the pool, or
 * if the objects that can be moved to RAM do not make room); to RAM,
 * -ENOMEM when the RAM cannot be had or the object's memory cgroup is at
 * its limit.  A fatal signal ends it early (-EINTR): the object stays
 * whole where it was, and the objects evicted for it so far stay in RAM.
 * An object that an importer of its dma-buf holds in RAM (struct
 * mmb_obj_info.dmabuf_pins) does not move to the device: -EBUSY.  Before
 * an exported object moves to the device, the importers that map it
 * without pinning are told, and the fences of its dma-buf waited for:
 * any signal ends that wait (-EINTR, or the call restarts where the
 * handler was installed with SA_RESTART; mmb_obj_migrate() retries).
 */
struct mmb_obj_ctl {
	__u32 argsz;
	__u32 flags;
	__u32 handle;
	__u32 placement;
};

#define MMB_IOC_OBJ_MIGRATE _IO(MMB_IOC_MAGIC, 0x51)
#define MMB_IOC_OBJ_DESTROY _IO(MMB_IOC_MAGIC, 0x52)

/**
 * struct mmb_obj_info - MMB_IOC_OBJ_INFO: an object and the device's pool.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @handle:	the object (in), or 0 for the pool figures alone
 * @placement:	enum mmb_obj_placement (out)
 * @size:	bytes (out)
 * @mmap_offset: where it is mapped (out)
 * @mappings:	VMAs mapping it now, of every process (out)
 * @faults:	pages mapped by faults (out)
 * @migrations: moves in either direction, evictions included (out)
 * @pool_size:	bytes of the device's object pool (out)
 * @pool_free:	of those, bytes not holding an object (out)
 * @evictions:	objects the device moved to RAM to make room (out)
 * @objects:	objects of the device, destroyed but mapped ones included (out)
 * @reserved:	0 (out)
 * @ram_cache:	bytes of RAM pages objects gave up, kept (module-wide, up to
 *		the module parameter object_cache_mb) for moves back to RAM;
 *		the kernel takes them back under memory pressure; only objects
 *		of the root memory cgroup give and take them (out)
 * @dmabuf:	1 while the object is exported (MMB_IOC_OBJ_EXPORT), else 0
 *		(out)
 * @dmabuf_pins: importers' DMA and kernel mappings that hold the object
 *		in RAM now (out)
 */
struct mmb_obj_info {
	__u32 argsz;
	__u32 flags;
	__u32 handle;
	__u32 placement;
	__u64 size;
	__u64 mmap_offset;
	__u64 mappings;
	__u64 faults;
	__u64 migrations;
	__u64 pool_size;
	__u64 pool_free;
	__u64 evictions;
	__u32 objects;
	__u32 reserved;
	__u64 ram_cache;
	__u32 dmabuf;
	__u32 dmabuf_pins;
};

#define MMB_IOC_OBJ_INFO _IO(MMB_IOC_MAGIC, 0x53)

/*
 * Sharing with other drivers: dma-bufs.
 *
 * MMB_IOC_OBJ_EXPORT turns an object of the fd, and MMB_IOC_REGION_EXPORT
 * a range of the device region, into a dma-buf: a file that other
 * processes map (mmap() at offset 0 up to its size, MAP_SHARED) and that
 * other drivers import (V4L2's V4L2_MEMORY_DMABUF, DRM's PRIME, ...).  The
 * ioctl returns the new fd.  A dma-buf keeps what it exports, and the
 * device struct, alive; closing the device fd or destroying the handle
 * does not end it.
 *
 * Objects.  A mapping of the dma-buf is an object mapping: it follows the
 * object's migrations as every mapping does.  An importing device reaches
 * the object only in RAM: mapping it for the importer's DMA, or into the
 * kernel (vmap), moves it to RAM first.  An importer that pins (every
 * static importer; every dynamic one on a kernel without
 * CONFIG_DMABUF_MOVE_NOTIFY) and the kernel mapping hold it there until
 * they let go (@dmabuf_pins of struct mmb_obj_info): meanwhile
 * MMB_IOC_OBJ_MIGRATE to the device is -EBUSY.  A dynamic importer that
 * maps without pinning is told before the object moves (move_notify), and
 * the pages it still maps stay its own until it unmaps them.  Evictions
 * and removal only move objects to RAM.  So no importer's DMA reaches
 * memory that was freed or given to another object.  Devices map a
 * read-only dma-buf for reading only (DMA_TO_DEVICE).
 * An object is exported once at a time: a second MMB_IOC_OBJ_EXPORT while
 * its dma-buf lives is -EBUSY (share that fd).  Removal of the device
 * moves the object to RAM as it does for every object; the dma-buf and
 * its importers keep working on it.
 *
 * Regions.  A mapping of the dma-buf is a region mapping of the range
 * under the policy given at export: revocation and removal reach it as
 * they reach every mapping of the region.  Device memory cannot be pinned
 * for another device's DMA without giving up revocation, and reaching it
 * peer to peer needs a dynamic importer and CONFIG_PCI_P2PDMA: an
 * importing device's attachment is refused with -EOPNOTSUPP, as is a
 * kernel mapping (vmap).  After removal mmap() of the dma-buf is -ENODEV.
 * Any number of dma-bufs of any ranges may exist.
 *
 * DMA_BUF_IOCTL_SYNC brackets CPU access as for any dma-buf.  Exports are
 * listed by the kernel's debugfs dma_buf/bufinfo with exp_name "mmbridge"
 * and the name "<device> object <handle>", "<device> region
 * <offset>+<size>" (region 0) or "<device> region<index> <offset>+<size>",
 * with the devices attached to each.
 */

/* struct mmb_export.flags */
#define MMB_EXPORT_CLOEXEC (1U << 0) /* the new fd is close-on-exec */
#define MMB_EXPORT_WRITE (1U << 1) /* writable: PROT_WRITE mappings */

/**
 * struct mmb_export - MMB_IOC_OBJ_EXPORT, MMB_IOC_REGION_EXPORT: a dma-buf.
 * @argsz:	size of this struct (in)
 * @flags:	MMB_EXPORT_* (in)
 * @handle:	OBJ_EXPORT: the object, one of the fd's; REGION_EXPORT: the
 *		region's index (in)
 * @policy:	REGION_EXPORT: enum mmb_fault_policy of the dma-buf's
 *		mappings; OBJ_EXPORT: 0 (in)
 * @offset:	REGION_EXPORT: byte offset in the region, page aligned;
 *		OBJ_EXPORT: 0 (in)
 * @size:	REGION_EXPORT: bytes, a non-zero page multiple; OBJ_EXPORT: 0
 *		(the dma-buf is the whole object) (in)
 *
 * Returns the dma-buf's fd.  Errors: -EINVAL for unknown flags, a field
 * that must be 0 and is not, an unknown policy, an unaligned or empty
 * range; -ENOENT for a handle that is not one of the fd's objects; -EBUSY
 * for an object exported already; -ENXIO for a range outside the region;
 * -ENXIO for a region the device does not have; -EPERM for a region that
 * only CAP_SYS_RAWIO maps, without it;
 * -EOPNOTSUPP without objects (MMB_CAP_OBJECT) or a region (MMB_CAP_MAP);
 * -ENODEV after removal; -EMFILE, -ENOMEM.  Exporting a revoked region is
 * allowed: its mappings follow their policy until it is restored, as
 * mmap() of the device fd does.
 */
struct mmb_export {
	__u32 argsz;
	__u32 flags;
	__u32 handle;
	__u32 policy;
	__u64 offset;
	__u64 size;
};

#define MMB_IOC_OBJ_EXPORT _IO(MMB_IOC_MAGIC, 0x54)
#define MMB_IOC_REGION_EXPORT _IO(MMB_IOC_MAGIC, 0x43)

#endif /* _UAPI_LINUX_MMBRIDGE_H */
