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
 *       mmb_notify.lock (raw)		counter page, rings, masking; taken
 *					in hard-IRQ context, even on RT
 *
 *   mmb_device.stream_lock (mutex)	the device's stream pointer
 *     mmb_stream.lock			IRQ-safe (mmb_stream_unplug)
 *
 *   mmb_stream.ctl (mutex)		start, stop, release of a stream
 *     mmb_device.unplug_rwsem (read)	the pattern load (mmb_dma_kernel)
 *     mmb_stream.lock			IRQ-safe; frame states, the engine
 *       backend spinlocks		dma_submit() from completions/timers
 *
 *   mmb_notify_fd.lock (mutex)		per file: rings and eventfd
 *     mmap_lock			pinning the ring's pages
 *     mmb_notify.lock (raw)
 *     mmb_notify.efd_lock		IRQ-safe; eventfd list
 *       eventfd wait queue lock	eventfd_signal()
 *
 *   mmb_copy_fd.lock (mutex)		per file: copy configuration, buffer
 *					source, read() stream position
 *     mmb_copy_fd.alock		per file: request lists and counters
 *       remote engine lock		which thread runs which copy,
 *					detached threads, parked copies;
 *					never in hard-IRQ context
 *         remote queue lock (raw)	a worker's queue; hard-IRQ safe
 *         task sighand lock		send_sig() on cancel, flush_signals()
 *
 *   mmb_device.irq_copy_lock		IRQ-safe; registrations of IRQ copies
 *     mmb_irq_copy_reg.lock		IRQ-safe; one registration's record
 *       remote queue lock (raw)	a worker's queue; hard-IRQ safe
 *
 *   mmap_lock (read)			a fault on a region mapping
 *     mmb_region.sem (read)		the fault decides and inserts
 *       page table locks
 *   mmb_region.sem (write)		revoke, restore, removal
 *     i_mmap_rwsem, page table locks	unmap_mapping_range()
 *     mmb_notify.lock, efd_lock	the change's event (in this order)
 *   mmb_region.sem is never held while waiting for a restore, and a
 *   waiting fault has dropped mmap_lock (or its VMA lock) first.
 *
 *   mmb_objects.move_lock (mutex)	placing objects in the pool, eviction
 *     mmb_object.sem (write)		one move; never two objects at once
 *       i_mmap_rwsem, page table locks	unmap_mapping_range()
 *       mmb_objects.xa lock		the pool bitmap, the LRU
 *   mmap_lock (read)			a fault or ->access() on an object
 *     mmb_object.sem (read)
 *       mmb_objects.xa lock		LRU update
 *
 *   dma_resv lock of a dma-buf		the dma-buf core around pin, map,
 *					vmap; a move of the object to the
 *					device (move_notify)
 *     mmb_object.dmabuf_lock		move_notify; the dma-buf's release
 *     mmb_objects.move_lock		the move to the device
 *     mmb_object.sem (write)		mmb_obj_pin(): a move to RAM, a pin
 *       mmb_dmabuf.lock		an export's DMA mappings
 *   mmb_device.stream_lock (mutex)	a stream importing dma-bufs
 *     dma_resv lock of each		map or vmap for the stream
 *   The only dma_resv lock mmbridge takes itself is its own object's, in
 *   the move to the device, and never while holding a lock above it.
 *
 * Rule: user memory is never touched (copy_{to,from}_user, get/pin_user_pages)
 * while unplug_rwsem is held.  A page fault takes mmap_lock and then, in
 * mmbridge's own fault handlers, region.sem; keeping user memory out from
 * under unplug_rwsem keeps unplug_rwsem out of every such chain.
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
#include <linux/xarray.h>

#include <linux/mmbridge.h>

#define MMB_DRV_NAME "mmbridge"
#define MMB_MAX_DEVICES 64

struct mmb_device;
struct mmb_dma_req;

/*
 * Per-device event totals, shown in debugfs (mmbridge/<device>/stats) in
 * this order; the names are in main.c.
 */
enum mmb_stat {
	MMB_STAT_COPIES, /* copy requests finished */
	MMB_STAT_COPY_BYTES, /* bytes they copied */
	MMB_STAT_COPY_FAULTS, /* of those requests, ended by -EFAULT */
	MMB_STAT_PINS, /* user ranges pinned */
	MMB_STAT_PINNED_PAGES, /* pages in them */
	MMB_STAT_UNPINS, /* ranges released */
	MMB_STAT_REGION_FAULTS, /* faults on region mappings */
	MMB_STAT_OBJECT_FAULTS, /* faults on object mappings */
	MMB_STAT_REVOKES, /* region: live -> revoked */
	MMB_STAT_RESTORES, /* region: revoked -> live */
	MMB_STAT_MIGRATIONS, /* object moves, evictions included */
	MMB_STAT_MIGRATED_BYTES,
	MMB_STAT_NR
};

/**
 * struct mmb_notify - event delivery state of a device (notify.c).
 * @lock:	raw spinlock, taken in hard-IRQ context: serializes writers of
 *		@page, the ring list and the masking state
 * @page:	the counter page, mapped read-only by user space
 * @delivered:	== @page->irq_count, for lockless readers
 * @vec_delivered: == @page->vector_counts, for lockless readers
 * @triggers_seen: interrupts of cause MMB_EVENT_TRIGGER the handler has
 *		finished delivering (or counted as masked)
 * @handled:	interrupts reported with mmb_irq_event(), delivered or
 *		counted as masked
 * @masked:	delivery disabled; @lock
 * @pending:	an interrupt of a cause other than MMB_EVENT_VECTOR arrived
 *		while @masked; @lock
 * @pending_cause: its cause; @lock
 * @pending_vectors: bit N: vector N interrupted while @masked; @lock
 * @pending_ns:	the time of the last interrupt while @masked; @lock
 * @down:	bit N set while region N is not live (the counter page's
 *		regions_down); @lock
 * @mask_owner:	the file that disabled delivery; mmb_device.ctl_lock
 * @rings:	registered pinned rings; @lock
 * @nr_rings:	length of @rings; @lock
 * @efd_lock:	@eventfds; IRQ-safe
 * @eventfds:	registered eventfds
 * @nr_eventfds: length of @eventfds; @efd_lock
 * @dead:	the device was removed
 * @wq:		woken on every interrupt and on removal
 */
struct mmb_notify {
	raw_spinlock_t lock;
	struct mmb_counters *page;
	atomic64_t delivered;
	atomic64_t vec_delivered[MMB_VECTORS_MAX];
	atomic64_t triggers_seen;
	atomic64_t handled;
	bool masked;
	bool pending;
	u32 pending_cause;
	u32 pending_vectors;
	u64 pending_ns;
	u32 down;
	struct file *mask_owner;
	struct list_head rings;
	unsigned int nr_rings;
	spinlock_t efd_lock; /* @eventfds; IRQ-safe */
	struct list_head eventfds;
	unsigned int nr_eventfds;
	bool dead;
	wait_queue_head_t wq;
};

struct mmb_efd_reg;

/**
 * struct mmb_region - revocation state of one of a device's regions
 * (region.c).
 * @mem:	the memory (&mmb_device.regions[@index])
 * @index:	the region's number
 * @sem:	faults read-hold it; state changes write-hold it
 * @state:	MMB_REGION_* reasons; 0 is live; @sem
 * @gen:	revocations so far, to re-zero scratch pages; @sem
 * @revokes:	live-to-revoked transitions; @sem
 * @restores:	revoked-to-live transitions; @sem
 * @wq:		WAIT faults sleep here
 * @mappings:	VMAs mapping the region
 * @faults:	device pages (or PMDs) inserted
 * @huge_faults: PMDs inserted
 * @discard_faults: scratch pages inserted
 * @sigbus_faults: faults answered with SIGBUS
 * @wait_faults: faults that slept for a restore
 * @dmabufs:	dma-bufs of the region alive (dmabuf.c)
 */
struct mmb_region {
	const struct mmb_mem *mem;
	unsigned int index;
	struct rw_semaphore sem; /* @state against faults */
	u32 state;
	u64 gen;
	u64 revokes;
	u64 restores;
	wait_queue_head_t wq;
	atomic64_t mappings;
	atomic64_t faults;
	atomic64_t huge_faults;
	atomic64_t discard_faults;
	atomic64_t sigbus_faults;
	atomic64_t wait_faults;
	atomic64_t dmabufs;
};

/**
 * struct mmb_regions - a device's regions (region.c).
 * @inode:	private inode whose address_space every open file of the
 *		device maps through
 * @nr:		regions the device has
 * @r:		the first @nr are the device's
 */
struct mmb_regions {
	struct inode *inode;
	unsigned int nr;
	struct mmb_region r[MMB_REGIONS_MAX];
};

/**
 * struct mmb_objects - a device's migratable objects (object.c).
 * @xa:		id -> struct mmb_object, every object not yet freed; its lock
 *		(xa_lock) also protects @lru, @bitmap, @pool_free, @evictions
 *		and each object's owner and LRU link
 * @move_lock:	serializes placing objects in the pool (which may evict)
 *		and removal; the ioctls wait for it killably, removal not
 * @lru:	objects in the pool, least recently used first
 * @bitmap:	pool pages in use
 * @pool_pages:	pages in the pool
 * @pool_free:	pages not in use
 * @evictions:	objects moved to RAM to make room
 * @evict_gen:	placements that evicted or tried to, numbering them; @move_lock
 * @dead:	the device is gone; nothing enters the pool; @move_lock
 */
struct mmb_objects {
	struct xarray xa;
	struct mutex move_lock; /* pool placement and eviction */
	struct list_head lru;
	unsigned long *bitmap;
	unsigned long pool_pages;
	unsigned long pool_free;
	u64 evictions;
	u64 evict_gen;
	bool dead;
};

/**
 * struct mmb_notify_fd - a file's registrations with notify.c.
 * @lock:	@nr_rings, @next_id, @efd; changes of @rings
 * @rings:	handle -> this file's pinned ring (struct mmb_ring_reg)
 * @nr_rings:	entries in @rings
 * @next_id:	where the search for the next free handle starts
 * @efd:	this file's eventfd registrations: [0] for every event,
 *		[1 + N] for vector N's; NULL where there is none
 */
struct mmb_notify_fd {
	struct mutex lock; /* registrations of this file */
	struct xarray rings;
	unsigned int nr_rings;
	u32 next_id;
	struct mmb_efd_reg *efd[1 + MMB_VECTORS_MAX];
};

struct mmb_stem;

/**
 * struct mmb_core - mmbridge's state of a registered device.
 * @mdev:	the device (the driver's struct embeds it)
 * @cdev:	the character device; open files hold @mdev->dev through it
 * @stem:	the node name's stem and the instance numbers given out for it
 * @instance:	N in the node name <stem><N>
 * @caps:	MMB_CAP_* bits, derived at registration
 * @copy_mode:	enum mmb_copy_mode a newly opened file starts in (sysfs)
 * @dma_dev:	device for the DMA API (the driver's PCI or platform device);
 *		referenced for the life of the struct
 * @unplug_rwsem: read-held by file operations that reach the driver,
 *		write-held by mmb_device_unregister()
 * @alive:	true between registration and unregistration; written only by
 *		those (serialized) calls, under @unplug_rwsem once the node
 *		exists; file operations read it under @unplug_rwsem
 * @registered:	mmb_device_register() was called: a device is registered
 *		at most once, a failed attempt counts (the driver's calls are
 *		serialized)
 * @ctl_lock:	serializes interrupt trigger and timer control
 * @timer_owner: the file that started the periodic timer; @ctl_lock
 * @notify:	interrupt bookkeeping
 * @irq_copy_lock: protects @irq_copies; IRQ-safe
 * @irq_copies:	files that receive interrupt records (MMB_IOC_IRQ_COPY)
 * @stream_lock: protects @stream
 * @stream:	the device's frame stream, or NULL (one at a time)
 * @regions:	revocable mappings of the regions
 * @objects:	migratable objects
 * @stats:	event totals (enum mmb_stat); atomic
 * @debugfs:	the device's debugfs directory, or NULL
 *
 * Allocated with the device and freed with it, when the last reference to
 * @mdev->dev goes; the driver behind it is there only until
 * mmb_device_unregister() returns.
 */
struct mmb_core {
	struct mmb_device *mdev;
	struct cdev cdev;
	struct mmb_stem *stem;
	int instance;
	u64 caps;
	u32 copy_mode;
	struct device *dma_dev;

	struct rw_semaphore unplug_rwsem;
	bool alive;
	bool registered;

	struct mutex ctl_lock; /* interrupt trigger and timer control */
	struct file *timer_owner;

	struct mmb_notify notify;

	spinlock_t irq_copy_lock; /* @irq_copies; IRQ-safe */
	struct list_head irq_copies;

	struct mutex stream_lock; /* @stream */
	struct mmb_stream *stream;

	struct mmb_regions regions;
	struct mmb_objects objects;

	atomic64_t stats[MMB_STAT_NR];
	struct dentry *debugfs;
};

static inline void mmb_stat_add(struct mmb_device *mdev, enum mmb_stat s, u64 n)
{
	atomic64_add(n, &mdev->core->stats[s]);
}

extern atomic_long_t mmb_dma_mappings;
/*
 * DMA mappings (streaming mappings and coherent buffers) mmbridge holds
 * against a backend's device, all devices together: debugfs
 * mmbridge/dma_mappings.  None may be left once a backend's remove returns.
 */
static inline void mmb_dma_mapped(long n)
{
	atomic_long_add(n, &mmb_dma_mappings);
}

/* A range of @nr_pages pinned for @mdev's use. */
static inline void mmb_stat_pinned(struct mmb_device *mdev,
				   unsigned long nr_pages)
{
	mmb_stat_add(mdev, MMB_STAT_PINS, 1);
	mmb_stat_add(mdev, MMB_STAT_PINNED_PAGES, nr_pages);
}

/**
 * struct mmb_copy_fd - a file's side of the remote copy engine.
 * @lock:	configuration, @kbuf, @irq_reg; held while a read takes its
 *		source (the file position, f_pos, is the stream offset)
 * @mode:	enum mmb_copy_mode; @lock
 * @source:	enum mmb_copy_source; @lock
 * @seed:	generator seed; @lock
 * @kbuf:	bytes stored by write(), or NULL; @lock
 * @irq_reg:	this file's interrupt-copy registration, or NULL; @lock
 * @alock:	the lists and counters below
 * @inflight:	submitted requests whose ->done() has not run; @alock
 * @nr_inflight: length of @inflight; @alock
 * @completed:	requests finished; @alock
 * @cancelled:	requests cancelled before they finished; @alock
 * @last_worker: pid of the worker of the last finished request; @alock
 * @wq:		release waits here for @inflight to drain
 */
struct mmb_copy_fd {
	struct mutex lock; /* configuration and read() */
	u32 mode;
	u32 source;
	u64 seed;
	struct mmb_kbuf *kbuf;
	struct mmb_irq_copy_reg *irq_reg;

	spinlock_t alock; /* request lists and counters */
	struct list_head inflight;
	unsigned int nr_inflight;
	u64 completed;
	u64 cancelled;
	pid_t last_worker;
	wait_queue_head_t wq;
};

/**
 * struct mmb_file - per open file.
 * @ref:	the open file's reference and one per copy still in a worker
 *		(a copy stuck in a fault may end after release); the last
 *		reference frees the struct and drops the device and the module
 * @mdev:	the device; the file holds a reference
 * @copy:	remote copy state
 * @notify:	eventfd and pinned-ring registrations
 */
struct mmb_file {
	refcount_t ref;
	struct mmb_device *mdev;
	struct mmb_copy_fd copy;
	struct mmb_notify_fd notify;
};

/* main.c: device lifetime (the rest is in <linux/mmbridge.h>). */
int mmb_device_enter(struct mmb_device *mdev);
void mmb_device_leave(struct mmb_device *mdev);
int mmb_device_alive(struct mmb_device *mdev);
const char *mmb_device_stem(struct mmb_device *mdev);

extern struct workqueue_struct *mmb_wq;

/*
 * The module parameter test_interface: the ioctls, copy source and stream
 * modes of mmb_test_uapi.h are there (constant after load).
 */
extern bool mmb_test_interface;

/* chardev.c: dispatch to the mechanisms. */

/* Bytes of the largest ioctl argument struct. */
#define MMB_IOCTL_MAX 256

#define MMB_IOCTL_OUT BIT(0) /* the struct is written back on success */
#define MMB_IOCTL_OUT_ERR BIT(1) /* ... and on failure */
#define MMB_IOCTL_ALIVE BIT(2) /* -ENODEV on a removed device */
#define MMB_IOCTL_ADMIN BIT(3) /* CAP_SYS_ADMIN, before anything else */
#define MMB_IOCTL_TEST BIT(4) /* the test interface's: -ENOTTY without it */

/**
 * struct mmb_ioctl_desc - one ioctl of a mechanism.
 * @cmd:	the command
 * @size:	the kernel's size of its argument struct
 * @minsz:	the size of the struct's first version
 * @flags:	MMB_IOCTL_*
 * @check:	validates the copied-in struct before anything else happens
 *		(flags, reserved fields, ranges): 0 or -errno; may be NULL
 * @fn:		carries it out: 0 (or a new fd) or -errno
 * @undo:	takes back what @fn did when its result cannot be written
 *		back; may be NULL
 */
struct mmb_ioctl_desc {
	unsigned int cmd;
	u16 size;
	u16 minsz;
	u32 flags;
	int (*check)(const void *arg);
	long (*fn)(void *ctx, struct file *file, void *arg);
	void (*undo)(void *ctx, struct file *file, void *arg);
};

/* An entry for @cmd, whose struct @type had @last as its first last field. */
#define MMB_IOCTL(_cmd, _type, _last, _flags, _check, _fn)                \
	{                                                                 \
		.cmd = (_cmd),                                            \
		.size = sizeof(_type) +                                   \
			BUILD_BUG_ON_ZERO(sizeof(_type) > MMB_IOCTL_MAX), \
		.minsz = offsetofend(_type, _last), .flags = (_flags),    \
		.check = (_check), .fn = (_fn),                           \
	}

struct vm_area_struct;

/**
 * struct mmb_mechanism - what the core needs to know of a mechanism.
 * @name:	for messages
 * @ioctls:	its ioctls on the device file
 * @nr_ioctls:	entries in @ioctls
 * @mmap_first:	first page offset of the device file that @mmap maps
 * @mmap_last:	last such page offset
 * @mmap:	maps a range of the device file, or NULL
 * @dev_init:	sets up its state of a device being allocated
 * @dev_register: sees the device's registered description
 * @dev_unplug:	stops its use of a removed device (unregistration)
 * @dev_destroy: frees its state of a device at the last reference
 * @file_open:	sets up its state of a file being opened
 * @file_release: tears down its state of a file being closed
 *
 * Every hook is optional.  Devices and files go through the mechanisms'
 * init, register and open hooks in the order of the core's list, and
 * through unplug, destroy and release in the reverse order.
 */
struct mmb_mechanism {
	const char *name;
	const struct mmb_ioctl_desc *ioctls;
	unsigned int nr_ioctls;
	unsigned long mmap_first;
	unsigned long mmap_last;
	int (*mmap)(struct mmb_file *mf, struct vm_area_struct *vma);
	int (*dev_init)(struct mmb_device *mdev);
	int (*dev_register)(struct mmb_device *mdev);
	void (*dev_unplug)(struct mmb_device *mdev);
	void (*dev_destroy)(struct mmb_device *mdev);
	void (*file_open)(struct mmb_file *mf);
	void (*file_release)(struct mmb_file *mf, struct file *file);
};

extern const struct mmb_mechanism mmb_info_mech, mmb_notify_mech, mmb_copy_mech,
	mmb_object_mech, mmb_region_mech, mmb_dmabuf_mech, mmb_stream_mech,
	mmb_trigger_mech, mmb_dma_mech;

extern const struct file_operations mmb_fops;
int mmb_mechanisms_init(struct mmb_device *mdev);
int mmb_mechanisms_register(struct mmb_device *mdev);
void mmb_mechanisms_unplug(struct mmb_device *mdev);
void mmb_mechanisms_destroy(struct mmb_device *mdev);
void mmb_file_put(struct mmb_file *mf);
int mmb_get_args(void *karg, size_t ksize, size_t minsz, void __user *uarg);
int mmb_get_out_args(void *karg, size_t ksize, size_t minsz, void __user *uarg);
long mmb_ioctl_dispatch(const struct mmb_ioctl_desc *table, size_t n, void *ctx,
			struct mmb_device *mdev, struct file *file,
			unsigned int cmd, void __user *uarg);

/* dma.c */
int mmb_dma_kernel(struct mmb_device *mdev, u64 dev_offset, void *buf,
		   size_t len, bool to_device);
gfp_t mmb_dma_gfp(struct device *dev);

/* mem.c */
pgprot_t mmb_mem_pgprot(const struct mmb_mem *m, pgprot_t prot);

/* stream.c */
struct mmb_stream;
void mmb_stream_quiesce(struct mmb_device *mdev);

/* dmabuf.c */
struct dma_buf;
struct dma_resv;
bool mmb_dmabuf_is_region(struct dma_buf *dmabuf);
int mmb_dmabuf_pin(struct dma_buf *dmabuf);
void mmb_dmabuf_unpin(struct dma_buf *dmabuf);
void mmb_dmabuf_move_notify(struct dma_buf *dmabuf);

/* region.c */
int mmb_region_fs_init(void);
void mmb_region_fs_exit(void);
struct address_space *mmb_region_mapping(struct mmb_device *mdev);
int mmb_region_vma(struct mmb_device *mdev, struct vm_area_struct *vma,
		   unsigned int index, u32 policy);
struct mmb_region *mmb_region_get(struct mmb_device *mdev, u64 index, int *err);
unsigned int mmb_region_count(struct mmb_device *mdev);

/* object.c */
struct mmb_file;
int mmb_object_cache_init(void);
void mmb_object_fault_inject(struct dentry *root);
void mmb_object_cache_exit(void);
struct mmb_object;
struct mmb_object *mmb_obj_export_get(struct mmb_file *mf, u32 handle);
void mmb_obj_export_put(struct mmb_object *obj);
void mmb_obj_put(struct mmb_object *obj);
int mmb_obj_pin(struct mmb_object *obj, bool killable);
void mmb_obj_unpin(struct mmb_object *obj);
void mmb_obj_hold(struct mmb_object *obj);
void mmb_obj_unhold(struct mmb_object *obj);
struct dma_resv *mmb_obj_resv(struct mmb_object *obj);
void mmb_obj_set_dmabuf(struct mmb_object *obj, struct dma_buf *dmabuf);
struct page **mmb_obj_pages(struct mmb_object *obj, unsigned long *npages);
u32 mmb_obj_id(struct mmb_object *obj);
u64 mmb_obj_bytes(struct mmb_object *obj);
void mmb_obj_vma(struct mmb_object *obj, struct vm_area_struct *vma);

/* notify.c */
struct vm_area_struct;
void mmb_notify_region(struct mmb_device *mdev, u32 cause, u32 index, u32 state,
		       bool live);
u64 mmb_notify_triggers(struct mmb_device *mdev);
u64 mmb_notify_count(struct mmb_device *mdev);
u64 mmb_notify_handled(struct mmb_device *mdev);

/* remote.c */
int mmb_remote_init(void);
void mmb_remote_exit(void);
void mmb_copy_run(struct mmb_copy *c, void *bounce);

/* copyfd.c */
struct iov_iter;
struct kiocb;
struct poll_table_struct;
ssize_t mmb_copyfd_read_iter(struct mmb_copy_fd *cfd, struct kiocb *iocb,
			     struct iov_iter *to);
ssize_t mmb_copyfd_write_iter(struct mmb_copy_fd *cfd, struct kiocb *iocb,
			      struct iov_iter *from);
__poll_t mmb_copyfd_poll(struct mmb_copy_fd *cfd, struct file *file,
			 struct poll_table_struct *wait);
void mmb_irq_copy_event(struct mmb_device *mdev, u64 irq_count, u64 now);

#endif /* _MMB_PRIV_H */
