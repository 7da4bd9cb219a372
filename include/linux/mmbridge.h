/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge: the in-kernel API for device drivers.
 *
 * A driver embeds a struct mmb_device in its own device struct, describes
 * what its device has (memory, an interrupt source, a DMA engine, an
 * object pool) and registers it.  Every mechanism of mmbridge then works
 * on that device: /dev/mmbridge/<name><N> with revocable mappings of its
 * memory, migratable objects in its pool, interrupt events, DMA streams
 * into user buffers, copies into user memory from any context, and
 * debugger access to all of it.  Documentation/writing-a-driver.rst walks
 * through a complete driver (samples/mmb_sample).
 *
 * The symbols are in the MMBRIDGE namespace: a driver says
 * MODULE_IMPORT_NS_MMBRIDGE() once.
 *
 * Contexts, in brief (each function's comment has the details):
 *  - mmb_device_alloc(), _register(), _unregister(), _put(),
 *    mmb_region_revoke() and _restore() sleep: process context only.
 *  - mmb_irq_event() and mmb_irq_vector() are called where the device's
 *    interrupt handler runs
 *    (hard-IRQ context; on PREEMPT_RT, the handler's thread), and so is
 *    a DMA request's completion.
 *  - mmb_copy_submit() works in any context, hard-IRQ included, also on
 *    PREEMPT_RT from an IRQF_NO_THREAD handler or an HRTIMER_MODE_HARD
 *    timer.
 *  - The driver's struct mmb_device_ops are called in process or softirq
 *    context as each says, never with a driver lock held by mmbridge.
 */
#ifndef _LINUX_MMBRIDGE_H
#define _LINUX_MMBRIDGE_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include <uapi/linux/mmbridge.h>

/*
 * mmbridge's exports are in the symbol namespace MMBRIDGE; a driver
 * imports it with MODULE_IMPORT_NS_MMBRIDGE().  The modinfo string is
 * written out: MODULE_IMPORT_NS() took a token before 6.13 and a string
 * after, and stable kernels may take either.
 */
#define MODULE_IMPORT_NS_MMBRIDGE() MODULE_INFO(import_ns, "MMBRIDGE")

struct dentry;
struct iov_iter;
struct mmb_core;
struct mmb_device;
struct task_struct;

/**
 * struct mmb_mem - a piece of memory a device offers, described once.
 * @virt:	the memory in RAM (vmalloc'd or in the linear map), or NULL
 *		for memory behind a BAR
 * @io:		memory behind a BAR: the kernel's mapping of it
 *		(pci_iomap(), pci_ioremap_wc_bar())
 * @phys:	memory behind a BAR: its physical address (required), which
 *		user mappings map
 * @size:	bytes; 0: the device has no such memory.  Memory that user
 *		space may map is a whole number of pages, and RAM of it starts
 *		on a page.
 * @cache:	enum mmb_region_cache of user mappings (and of ->access());
 *		RAM is always MMB_CACHE_WB, memory behind a BAR MMB_CACHE_WC
 *		or MMB_CACHE_UC
 * @user_safe:	the driver declares this memory safe to map into the
 *		address space of anyone who may open the device node: plain
 *		memory, no register that controls DMA, interrupts or any other
 *		device state.
 * @raw:	a region only: memory that is not safe for every opener (a
 *		BAR with registers, through which its holder may program the
 *		device, its DMA included); only a process with CAP_SYS_RAWIO
 *		maps it (-EPERM for others), and debuggers reach it only in
 *		such a process.  A driver whose device an IOMMU confines may
 *		judge the memory safe instead and set @user_safe.
 *
 * Registration refuses mappable memory (a region, the pool) with neither
 * @user_safe nor @raw, and a pool or device memory with @raw.
 * Exactly one of @virt and @io is set when @size is not 0.  The memory
 * stays valid until mmb_device_unregister() has returned; mmbridge no
 * longer touches it after that.
 */
struct mmb_mem {
	void *virt;
	void __iomem *io;
	phys_addr_t phys;
	u64 size;
	u32 cache;
	bool user_safe;
	bool raw;
};

/**
 * mmb_mem_is_io() - whether the memory is behind a BAR.
 * @m:	the memory
 *
 * Return: true for iomem, false for RAM.
 */
static inline bool mmb_mem_is_io(const struct mmb_mem *m)
{
	return !m->virt;
}

void mmb_mem_read(const struct mmb_mem *m, u64 off, void *buf, size_t len);
void mmb_mem_write(const struct mmb_mem *m, u64 off, const void *buf,
		   size_t len);
void mmb_mem_clear(const struct mmb_mem *m, u64 off, size_t len);
unsigned long mmb_mem_pfn(const struct mmb_mem *m, u64 off);

/**
 * struct mmb_dma_req - one transfer for a device's DMA engine.
 * @node:	free for the engine's queue between submission and @done
 * @dma_addr:	host RAM as the device addresses it (DMA-API mapped by
 *		mmbridge), for an engine without &mmb_device.dma_cpu
 * @cpu_addr:	the same host RAM for the CPU, for an engine with
 *		&mmb_device.dma_cpu (kernel-virtually contiguous)
 * @dev_offset:	offset in the device's DMA window
 * @len:	bytes
 * @to_device:	true: host RAM -> device; false: device -> host RAM
 * @status:	0 or -errno, set by the engine before @done
 * @done:	mmbridge's; the engine calls it exactly once per accepted
 *		request, from its completion interrupt handler (hard-IRQ
 *		context; on PREEMPT_RT the handler's thread) or from process
 *		context, without holding a lock that its own submit path takes
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
 * struct mmb_device_ops - what the driver's device does on request.
 * @dma_submit:	queue @req on the DMA engine and return 0, or refuse it
 *		with -errno (then @req->done is not called).  Called in any
 *		context, hard-IRQ and softirq included (the stream engine
 *		submits the next frame from the previous one's completion),
 *		so it must not sleep.  Requests complete in the order
 *		submitted.  Every accepted request completes before the
 *		driver's remove returns: at removal the driver calls
 *		mmb_device_unregister() first (which stops new submissions),
 *		then finishes or fails (status -EIO or -ENODEV) what its
 *		engine still holds.  An engine that is working completes a
 *		request on its own, without waiting for that teardown:
 *		mmb_device_unregister() waits up to 5 s for the one transfer
 *		in flight of a stream whose frames are dma-bufs (they are
 *		unmapped in process context only); when the engine is stuck
 *		past that, they are unmapped once the teardown has failed
 *		the transfer, by the driver's mmb_device_put(), the last
 *		call of its remove.
 *		Optional: without it the device has no MMB_CAP_DMA.
 * @irq_raise:	make the device raise one interrupt, which its handler
 *		reports with mmb_irq_event(..., MMB_EVENT_TRIGGER).  Process
 *		context; calls are serialized.  Optional (MMB_CAP_IRQ).
 * @irq_timer:	make the device interrupt every @period_ns (reported as
 *		MMB_EVENT_TIMER), or stop (0).  Process context; calls are
 *		serialized; mmbridge stops the timer at unregistration.
 *		Optional (MMB_CAP_IRQ_TIMER).
 * @irq_unmask:	unmask an interrupt that masked itself when it fired (a
 *		PCI INTx line the handler masked with
 *		pci_check_and_mask_intx()), as user space asks once it has
 *		quieted the device: at every enable of delivery
 *		(MMB_IOC_IRQ_CONTROL, or a write of 1 to an event fd, as to a
 *		UIO node).  Process context; serialized with the others.
 *		Optional.
 *
 * mmbridge calls these only between mmb_device_register() and the return
 * of mmb_device_unregister(), never after.
 */
struct mmb_device_ops {
	int (*dma_submit)(struct mmb_device *mdev, struct mmb_dma_req *req);
	int (*irq_raise)(struct mmb_device *mdev);
	int (*irq_timer)(struct mmb_device *mdev, u64 period_ns);
	void (*irq_unmask)(struct mmb_device *mdev);
};

/**
 * struct mmb_device - a device registered with mmbridge.
 * @dev:	the class device behind /dev/mmbridge/<name><N>; its
 *		reference count is the struct's (and the driver's struct's
 *		it is embedded in): mmb_device_put() drops the driver's, and
 *		open files keep the struct after the driver's remove.  The
 *		driver uses it for dev_name(), logging and its own sysfs
 *		attributes (mmb_device_from_dev() in their callbacks).
 * @ops:	the driver's operations; set by mmb_device_alloc()
 * @mem:	device memory that MMB_IOC_MEM_RW reads and writes
 *		(MMB_CAP_DEVMEM), or none
 * @regions:	memory that processes map, revocably (MMB_CAP_MAP): region
 *		N at mmap offset MMB_MMAP_REGION_AT(N, policy); a region of
 *		size 0 is none (a PCI driver numbers its regions as its BARs,
 *		and a BAR that is not memory is no region).  Region 0 is also
 *		at MMB_MMAP_REGION(policy).
 * @pool:	memory that holds migratable objects (MMB_CAP_OBJECT), or
 *		none; disjoint from @mem and every region
 * @dma_window:	bytes of device-side memory the DMA engine reaches
 *		(offsets 0 to @dma_window - 1 of struct mmb_dma_req)
 * @dma_cpu:	the engine reaches host RAM through the CPU
 *		(&mmb_dma_req.cpu_addr: a software engine); otherwise by bus
 *		address (&mmb_dma_req.dma_addr, mapped with the DMA API for
 *		the device's parent)
 * @nr_vectors:	interrupt vectors that are event sources of their own
 *		(mmb_irq_vector()), at most MMB_VECTORS_MAX: for a driver
 *		that does not know what its device's interrupts mean.  0 for
 *		a driver that reports causes with mmb_irq_event().
 *
 * The driver sets @mem, @regions, @pool, the DMA fields and @nr_vectors
 * between
 * mmb_device_alloc() and mmb_device_register(); they are constant
 * afterwards.  The capability bits user space sees follow from them and
 * from @ops.
 */
struct mmb_device {
	struct device dev;
	const struct mmb_device_ops *ops;
	struct mmb_mem mem;
	struct mmb_mem regions[MMB_REGIONS_MAX];
	struct mmb_mem pool;
	u32 dma_window;
	bool dma_cpu;
	unsigned int nr_vectors;
	/* private: */
	struct mmb_core *core;
};

struct mmb_device *_mmb_device_alloc(size_t size, struct device *parent,
				     const struct mmb_device_ops *ops,
				     const char *name);

/**
 * mmb_device_alloc() - allocate a driver's device struct with its
 *	struct mmb_device.
 * @type:	the driver's struct type
 * @member:	its struct mmb_device member, which must come first
 * @parent:	the driver's device (a PCI or platform device); the DMA API
 *		maps for it
 * @ops:	the driver's operations (may be empty)
 * @name:	the node name's stem, e.g. "edu": the device becomes "edu0",
 *		"edu1", ... (1 to 13 characters of [a-z0-9_], not ending in a
 *		digit, so that every node name fits &mmb_info.name)
 *
 * The struct is zeroed.  The caller fills in its memory and DMA fields,
 * then calls mmb_device_register().  Process context.
 *
 * Return: the driver's struct, or an ERR_PTR; free with mmb_device_put().
 */
#define mmb_device_alloc(type, member, parent, ops, name)                      \
	container_of(_mmb_device_alloc(_mmb_device_size(type, member), parent, \
				       ops, name),                             \
		     type, member)

/* The struct mmb_device must come first: the core frees the struct. */
#define _mmb_device_size(type, member) \
	(sizeof(type) + BUILD_BUG_ON_ZERO(offsetof(type, member)))

int mmb_device_register(struct mmb_device *mdev,
			const struct attribute_group **groups);
void mmb_device_unregister(struct mmb_device *mdev);
void mmb_device_put(struct mmb_device *mdev);
struct dentry *mmb_device_debugfs(struct mmb_device *mdev);

/**
 * mmb_device_from_dev() - the mmbridge device of a class device.
 * @dev:	&mmb_device.dev, as a sysfs attribute callback receives it
 *
 * Return: the struct mmb_device.
 */
static inline struct mmb_device *mmb_device_from_dev(struct device *dev)
{
	return container_of(dev, struct mmb_device, dev);
}

void mmb_irq_event(struct mmb_device *mdev, u32 cause);
void mmb_irq_vector(struct mmb_device *mdev, unsigned int vector);
int mmb_region_revoke(struct mmb_device *mdev);
int mmb_region_restore(struct mmb_device *mdev);

/*
 * Pinning user memory.
 *
 * A driver that lets a device or an interrupt handler write into a
 * process's memory pins the range long-term with mmb_pin_user(), from the
 * process's own context.  The pages cannot move or be reclaimed until
 * mmb_pin_release(), and they are charged to the user's RLIMIT_MEMLOCK,
 * since the pin may outlive the process (see struct mmb_memlock).
 * mmb_pin_vmap() gives the kernel a linear address for the whole range that
 * is valid in any context, hard-IRQ included, whether or not the process
 * still maps the range.
 */

/* mmb_pin_user() flags */
#define MMB_PIN_WRITE BIT(0) /* the kernel or a device writes */

/**
 * struct mmb_memlock - locked memory charged to a user.
 * @user:	the user charged, with a reference; NULL when nothing is
 *		charged (nothing asked for, or CAP_IPC_LOCK)
 * @nr_pages:	pages charged to @user->locked_vm
 *
 * Memory that lives as long as a file, which may outlive the process that
 * made it (exit, exec, SCM_RIGHTS), is charged to the user, as io_uring
 * charges registered buffers: to the user_struct's locked_vm, against the
 * RLIMIT_MEMLOCK of the task that asks.  That budget is the user's, shared
 * by all their processes and by io_uring's registered buffers; mlock() has
 * a budget of its own (the process's).
 */
struct mmb_memlock {
	struct user_struct *user;
	unsigned long nr_pages;
};

int mmb_memlock_charge(struct mmb_memlock *c, unsigned long nr_pages);
void mmb_memlock_uncharge(struct mmb_memlock *c);

/**
 * struct mmb_pin - a range of user memory pinned long-term.
 * @mm:		the address space the pages were pinned in, shown in its
 *		pinned_vm (VmPin); mmgrab()ed
 * @charge:	the user's RLIMIT_MEMLOCK charge for the pages
 * @uaddr:	the user address the caller passed
 * @offset:	@uaddr's offset in its first page
 * @len:	bytes the caller asked for
 * @nr_pages:	pages pinned
 * @pages:	the pages
 * @vaddr:	vmap() of @pages, or NULL before mmb_pin_vmap()
 * @flags:	MMB_PIN_* given to mmb_pin_user()
 * @sgt:	scatter-gather table of the range, after mmb_pin_sgtable()
 * @dma_dev:	device @sgt is DMA-mapped for, or NULL
 * @dir:	direction of that mapping
 *
 * Owned by one user at a time; the functions below do no locking.
 */
struct mmb_pin {
	struct mm_struct *mm;
	struct mmb_memlock charge;
	u64 uaddr;
	unsigned int offset;
	size_t len;
	unsigned long nr_pages;
	struct page **pages;
	void *vaddr;
	unsigned int flags;
	struct sg_table sgt;
	struct device *dma_dev;
	enum dma_data_direction dir;
};

int mmb_pin_user(struct mmb_pin *pin, u64 uaddr, u64 len, unsigned int flags);
int mmb_pin_vmap(struct mmb_pin *pin);
int mmb_pin_sgtable(struct mmb_pin *pin, struct device *dma_dev,
		    enum dma_data_direction dir);
void mmb_pin_release(struct mmb_pin *pin);

/*
 * Copying into a process's memory from anywhere.
 *
 * A driver copies bytes into a process's memory from any context, hard-IRQ
 * included: it fills a struct mmb_copy naming the process's mm (held with
 * mmgrab() for the life of the request), the user address and the source,
 * and calls mmb_copy_submit().  A worker kernel thread adopts the mm with
 * kthread_use_mm() and copies with copy_to_user(), so faults are handled as
 * in a system call: unpopulated, swapped-out and copy-on-write pages work,
 * an unwritable destination ends the copy with -EFAULT and the exact count.
 * ->done() is called once per submission, in the worker.
 */
struct mmb_copy;
struct mmb_thread;

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
	/* private: the engine's */
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

#endif /* _LINUX_MMBRIDGE_H */
