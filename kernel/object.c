// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge migratable objects: one user mapping whose backing moves
 * between system RAM and a device's memory (its object pool).
 *
 * Object mappings are VM_IO | VM_PFNMAP like region mappings and live in
 * the same address_space (region.c), each object at its own mmap offset,
 * so unmap_mapping_range() over that offset finds every mapping of one
 * object in every process.  An object's backing changes only under its
 * semaphore held for writing, and only after every PTE mapping it has been
 * zapped; faults and debugger accesses map or touch the backing under the
 * same semaphore held for reading.  A fault racing a move therefore waits
 * for it and maps the new backing: no store is lost or lands in the old
 * place, and no page table keeps the old place once the move returns.
 *
 * The pool is a bitmap of pages; an object in it is contiguous.  Placing
 * an object in a full pool moves the least recently used objects there to
 * RAM first.  Placement and eviction are serialized by move_lock, and a
 * move holds one object's semaphore at a time.
 *
 * An object's RAM is charged to the memory cgroup of the process that
 * created it, whoever moves the object to RAM: the owner's process, the
 * process whose placement in a full pool evicts it, or removal.  So a
 * cgroup's objects count against its memory.max wherever they are moved
 * from, and never against another's.
 *
 * An eviction may move a whole pool (up to 1 GiB) while it holds
 * move_lock.  So the ioctls wait for move_lock, and a move for an
 * object's semaphore, killably, and a killed task stops between objects
 * and between 1 MiB chunks of a copy or of zeroing: a copy goes to new
 * memory and only a finished one switches the object, so a stopped move
 * leaves the object whole where it was, and the memory taken for it goes
 * back.  Removal alone waits and moves uninterruptibly
 * (mmb_objects_unplug()).  Faults and debugger accesses wait for a move
 * uninterruptibly too: for one copy of one object at most.
 *
 * RAM pages that objects of the root cgroup give up are kept in a cache
 * (object_cache_mb, given back to the kernel by a shrinker under memory
 * pressure) for the next move to RAM of such an object, which overwrites
 * them whole: the page allocator zeroes every page it hands out
 * (init_on_alloc, on in Debian's kernels), which costs as much as the
 * copy itself.  Those pages are charged to no cgroup.  Objects of other
 * cgroups neither take nor give cached pages: theirs are charged to their
 * cgroup, which a module has no way to reclaim from a cache (a shrinker
 * sees a cgroup's objects only through list_lru of slab memory) and which
 * must not pass to another cgroup's object.  Creation never takes cached
 * pages; it gets fresh zeroed ones.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/dma-resv.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "priv.h"
#include "trace.h"

#define MMB_OBJ_MAX_ID 65535
#define MMB_OBJ_BASE_PGOFF (MMB_MMAP_OBJECT(0) >> PAGE_SHIFT)
#define MMB_OBJ_SLOT_PGSHIFT (MMB_MMAP_OBJECT_SHIFT - PAGE_SHIFT)

/**
 * struct mmb_object - one migratable object.
 * @ref:	the handle, each VMA, and movers in progress
 * @mdev:	the device; referenced
 * @memcg:	the creator's memory cgroup, charged for the RAM backing;
 *		referenced; NULL for the root cgroup or without memory cgroups
 * @id:		handle; also names the mmap offset
 * @npages:	size in pages
 * @pgoff:	vm_pgoff of the object's first page
 * @sem:	faults and accesses read-hold it, moves write-hold it
 * @placement:	enum mmb_obj_placement; @sem
 * @lost:	removal could not save the device copy; @sem
 * @pins:	importers' pins of its dma-buf that hold it in RAM; @sem
 * @held:	importers' DMA mappings of its dma-buf, each holding a
 *		reference to the pages it maps; @sem
 * @pages:	RAM backing, or NULL; @sem
 * @first:	first pool page while in the pool; @sem
 * @owner:	the file whose handle it is, NULL once destroyed; xa_lock
 * @exported:	its dma-buf exists (dmabuf.c); xa_lock
 * @resv:	its dma-buf's reservation object: a move away from RAM holds
 *		it, so no importer maps meanwhile
 * @dmabuf_lock: @dmabuf against the dma-buf's release
 * @dmabuf:	its dma-buf, NULL before export and after release
 * @lru:	link in mmb_objects.lru while in the pool; xa_lock
 * @evict_gen:	the last placement that failed to evict it; xa_lock
 * @migrations:	moves so far; @sem
 * @mappings:	VMAs mapping it
 * @faults:	pages mapped by faults
 */
struct mmb_object {
	struct kref ref;
	struct mmb_device *mdev;
	struct mem_cgroup *memcg;
	u32 id;
	unsigned long npages;
	unsigned long pgoff;
	struct rw_semaphore sem; /* the backing against faults */
	u32 placement;
	bool lost;
	unsigned int pins;
	unsigned int held;
	struct page **pages;
	unsigned long first;
	struct mmb_file *owner;
	bool exported;
	struct dma_resv resv;
	struct mutex dmabuf_lock; /* @dmabuf */
	struct dma_buf *dmabuf;
	struct list_head lru;
	u64 evict_gen;
	u64 migrations;
	atomic64_t mappings;
	atomic64_t faults;
};

static u64 mmb_obj_size(struct mmb_object *obj)
{
	return (u64)obj->npages << PAGE_SHIFT;
}

static unsigned int object_cache_mb = 64;
module_param(object_cache_mb, uint, 0444);
/* clang-format off */
MODULE_PARM_DESC(object_cache_mb,
		 "RAM kept for moves back to RAM of the root memory cgroup's objects, in MiB (default: 64; 0: none)");
/* clang-format on */

static struct {
	spinlock_t lock; /* @pages, @count */
	struct list_head pages; /* linked through page->lru */
	unsigned long count; /* listed, and reserved by a move not listed yet */
	struct shrinker *shrinker;
} mmb_cache;

/* Up to @npages cached pages into @pages; how many. */
static unsigned long mmb_cache_get(struct page **pages, unsigned long npages)
{
	unsigned long n = 0;
	struct page *page;

	spin_lock(&mmb_cache.lock);
	/* By the list: @count includes pages reserved and not listed yet. */
	while (n < npages && !list_empty(&mmb_cache.pages)) {
		page = list_first_entry(&mmb_cache.pages, struct page, lru);
		list_del_init(&page->lru);
		mmb_cache.count--;
		pages[n++] = page;
	}
	spin_unlock(&mmb_cache.lock);
	return n;
}

static unsigned long mmb_cache_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long n = READ_ONCE(mmb_cache.count);

	return n ? n : SHRINK_EMPTY;
}

/* Free up to @nr cached pages; how many. */
static unsigned long mmb_cache_drain(unsigned long nr)
{
	unsigned long n = 0;
	struct page *page;
	LIST_HEAD(list);

	spin_lock(&mmb_cache.lock);
	while (n < nr && !list_empty(&mmb_cache.pages)) {
		page = list_first_entry(&mmb_cache.pages, struct page, lru);
		list_move(&page->lru, &list);
		mmb_cache.count--;
		n++;
	}
	spin_unlock(&mmb_cache.lock);
	while (!list_empty(&list)) {
		page = list_first_entry(&list, struct page, lru);
		list_del_init(&page->lru);
		__free_page(page);
	}
	return n;
}

static unsigned long mmb_cache_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	unsigned long n = mmb_cache_drain(sc->nr_to_scan);

	return n ? n : SHRINK_STOP;
}

/* Largest chunk the RAM backing is allocated in (then split into pages). */
#define MMB_OBJ_CHUNK_ORDER 9

/*
 * RAM backing: an array of zeroed (@zero) or uninitialized pages.  They
 * are taken in chunks of up to 2 MiB where free memory allows, without
 * reclaim or compaction for them, and split: one allocator call per chunk
 * instead of per page is most of the cost of a move to RAM.
 */
/*
 * Where the kernel has fault injection, debugfs mmbridge/fail_object_ram
 * (the knobs of Documentation/fault-injection, task-filter included) makes
 * the RAM of objects' moves and creations fail: tests reach removal's
 * lost-object path with it.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(mmb_fail_object_ram);

void mmb_object_fault_inject(struct dentry *root)
{
	fault_create_debugfs_attr("fail_object_ram", root,
				  &mmb_fail_object_ram);
}

static bool mmb_obj_ram_fails(void)
{
	return should_fail(&mmb_fail_object_ram, 1);
}
#else
void mmb_object_fault_inject(struct dentry *root)
{
}

static bool mmb_obj_ram_fails(void)
{
	return false;
}
#endif

/*
 * The memory cgroup of the calling process, referenced, to be charged for
 * an object's RAM; NULL for the root cgroup, which is charged nothing, and
 * without memory cgroups.  root_mem_cgroup is not exported: the root is
 * the cgroup without a parent.
 */
static struct mem_cgroup *mmb_obj_memcg_get(void)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(current->mm);

	if (memcg && !parent_mem_cgroup(memcg)) {
		mem_cgroup_put(memcg);
		memcg = NULL;
	}
	return memcg;
}

/*
 * RAM backing for @obj, charged to its memory cgroup whoever calls
 * (set_active_memcg(), as the kernel charges a page read back from swap
 * to the cgroup it was swapped out of rather than to the task that faults).
 * __GFP_RETRY_MAYFAIL: a cgroup at its memory.max is reclaimed, and then
 * the allocation fails; its OOM killer is never invoked from this call,
 * which may be another process's (nor is the system's).
 *
 * Return: the page array, ERR_PTR(-ENOMEM), or ERR_PTR(-EINTR) when
 * @killable and the task was killed meanwhile.
 */
static struct page **mmb_obj_pages_alloc(struct mmb_object *obj, bool zero,
					 bool killable)
{
	gfp_t account = obj->memcg ? __GFP_ACCOUNT : 0;
	gfp_t gfp = GFP_HIGHUSER | account | __GFP_NOWARN |
		    __GFP_RETRY_MAYFAIL | (zero ? __GFP_ZERO : 0);
	gfp_t chunk_gfp = (gfp | __GFP_NORETRY) &
			  ~(__GFP_DIRECT_RECLAIM | __GFP_RETRY_MAYFAIL);
	unsigned long npages = obj->npages, i = 0, j;
	struct page **pages, *page;
	struct mem_cgroup *old;
	unsigned int order;
	int err;

	if (mmb_obj_ram_fails())
		return ERR_PTR(-ENOMEM);
	old = set_active_memcg(obj->memcg);
	pages = kvcalloc(npages, sizeof(*pages),
			 GFP_KERNEL | account | __GFP_NOWARN |
				 __GFP_RETRY_MAYFAIL);
	if (!pages) {
		pages = ERR_PTR(-ENOMEM);
		goto out;
	}
	/* Cached pages are charged to nobody: for the root cgroup's objects. */
	if (!zero && !obj->memcg)
		i = mmb_cache_get(pages, npages);
	while (i < npages) {
		order = min_t(unsigned int, MMB_OBJ_CHUNK_ORDER,
			      ilog2(npages - i));
		for (page = NULL; order && !page; order--) {
			page = alloc_pages(chunk_gfp, order);
			if (page)
				break;
		}
		if (!page)
			page = alloc_page(gfp);
		if (!page) {
			err = -ENOMEM;
			goto err_free;
		}
		if (killable && fatal_signal_pending(current)) {
			__free_pages(page, order);
			err = -EINTR;
			goto err_free;
		}
		if (order)
			split_page(page, order);
		for (j = 0; j < 1UL << order; j++)
			pages[i++] = page + j;
		cond_resched();
	}
out:
	set_active_memcg(old);
	return pages;

err_free:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	pages = ERR_PTR(err);
	goto out;
}

/*
 * Give @obj's RAM backing @pages up: into the cache while it has room, if
 * they are charged to nobody (the root cgroup's object); else freed, which
 * returns the charge.
 */
static void mmb_obj_pages_free(struct mmb_object *obj, struct page **pages)
{
	unsigned long cap = (unsigned long)object_cache_mb << (20 - PAGE_SHIFT);
	unsigned long i, room, npages = obj->npages;
	LIST_HEAD(list);

	if (obj->memcg)
		cap = 0; /* charged: freed */
	spin_lock(&mmb_cache.lock);
	room = cap > mmb_cache.count ? cap - mmb_cache.count : 0;
	room = min(room, npages);
	mmb_cache.count += room; /* reserved; spliced in below */
	spin_unlock(&mmb_cache.lock);
	for (i = 0; i < room; i++)
		list_add(&pages[i]->lru, &list);
	for (; i < npages; i++)
		__free_page(pages[i]);
	kvfree(pages);
	if (!room)
		return;
	spin_lock(&mmb_cache.lock);
	list_splice(&list, &mmb_cache.pages);
	spin_unlock(&mmb_cache.lock);
}

/*
 * Give up RAM backing that importers' DMA mappings still reference
 * (mmb_obj_hold()): each page is freed when its last mapping is undone,
 * never cached for another object.
 */
static void mmb_pages_put(struct page **pages, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		put_page(pages[i]);
	kvfree(pages);
}

static unsigned long mmb_pool_pfn(struct mmb_device *mdev, unsigned long pg)
{
	return mmb_mem_pfn(&mdev->pool, (u64)pg << PAGE_SHIFT);
}

/* Pages per chunk of a copy or clear: 1 MiB. */
#define MMB_OBJ_STEP 256

/*
 * Copy pool pages into RAM pages (@to_pool false) or back.  -EINTR when
 * @killable and the task is killed: between chunks, so the copy is
 * partial and the source untouched.
 */
static int mmb_obj_copy(struct mmb_device *mdev, struct page **pages,
			unsigned long first, unsigned long npages, bool to_pool,
			bool killable)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *p;

		if (i && !(i % MMB_OBJ_STEP)) {
			if (killable && fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		p = kmap_local_page(pages[i]);
		if (to_pool)
			mmb_mem_write(&mdev->pool,
				      (u64)(first + i) << PAGE_SHIFT, p,
				      PAGE_SIZE);
		else
			mmb_mem_read(&mdev->pool,
				     (u64)(first + i) << PAGE_SHIFT, p,
				     PAGE_SIZE);
		kunmap_local(p);
	}
	return 0;
}

/* Zero pool pages, in chunks; -EINTR if the task is killed meanwhile. */
static int mmb_pool_clear(struct mmb_device *mdev, unsigned long first,
			  unsigned long npages)
{
	unsigned long n;

	for (;;) {
		n = min_t(unsigned long, npages, MMB_OBJ_STEP);
		mmb_mem_clear(&mdev->pool, (u64)first << PAGE_SHIFT,
			      n << PAGE_SHIFT);
		first += n;
		npages -= n;
		if (!npages)
			return 0;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/* Give pool pages back; xa_lock held. */
static void mmb_pool_put(struct mmb_objects *objs, unsigned long first,
			 unsigned long npages)
{
	lockdep_assert_held(&objs->xa.xa_lock);
	bitmap_clear(objs->bitmap, first, npages);
	objs->pool_free += npages;
}

/* Freed with xa_lock held (kref_put_lock); drops it. */
static void mmb_obj_release(struct kref *ref)
	__releases(&obj->mdev->core->objects.xa.xa_lock)
{
	struct mmb_object *obj = container_of(ref, struct mmb_object, ref);
	struct mmb_device *mdev = obj->mdev;
	struct mmb_objects *objs = &mdev->core->objects;

	__xa_erase(&objs->xa, obj->id);
	if (obj->placement == MMB_OBJ_DEVICE && !obj->lost) {
		list_del(&obj->lru);
		mmb_pool_put(objs, obj->first, obj->npages);
	}
	xa_unlock(&objs->xa);

	/* Importers' pins and mappings hold the dma-buf, which holds @obj. */
	WARN_ON(obj->pins || obj->held);
	if (obj->pages)
		mmb_obj_pages_free(obj, obj->pages);
	dma_resv_fini(&obj->resv);
	mem_cgroup_put(obj->memcg);
	put_device(&mdev->dev);
	kfree(obj);
}

void mmb_obj_put(struct mmb_object *obj)
{
	kref_put_lock(&obj->ref, mmb_obj_release,
		      &obj->mdev->core->objects.xa.xa_lock);
}

/* The object @id if @mf owns it, referenced; or NULL. */
static struct mmb_object *mmb_obj_get(struct mmb_file *mf, u32 id)
{
	struct mmb_objects *objs = &mf->mdev->core->objects;
	struct mmb_object *obj;

	xa_lock(&objs->xa);
	obj = xa_load(&objs->xa, id);
	if (obj && obj->owner == mf)
		kref_get(&obj->ref);
	else
		obj = NULL;
	xa_unlock(&objs->xa);
	return obj;
}

/*
 * Switch @obj to RAM @pages, or to pool pages from @first; @sem
 * write-held.  Zaps every PTE first, so the next access faults on the new
 * backing; frees the old one.  -EINTR when @killable and the task is
 * killed during the copy: the object stays where it was, unchanged (its
 * PTEs are refilled by the next faults); @pages or @first remain the
 * caller's.
 */
static int mmb_obj_switch(struct mmb_object *obj, struct page **pages,
			  unsigned long first, bool killable)
{
	struct mmb_device *mdev = obj->mdev;
	struct mmb_objects *objs = &mdev->core->objects;
	int ret;

	lockdep_assert_held_write(&obj->sem);
	unmap_mapping_range(mmb_region_mapping(mdev),
			    (loff_t)obj->pgoff << PAGE_SHIFT, mmb_obj_size(obj),
			    1);
	if (pages) {
		ret = mmb_obj_copy(mdev, pages, obj->first, obj->npages, false,
				   killable);
		if (ret)
			return ret;
		xa_lock(&objs->xa);
		list_del(&obj->lru);
		mmb_pool_put(objs, obj->first, obj->npages);
		xa_unlock(&objs->xa);
		obj->pages = pages;
		obj->placement = MMB_OBJ_RAM;
	} else {
		ret = mmb_obj_copy(mdev, obj->pages, first, obj->npages, true,
				   killable);
		if (ret)
			return ret;
		if (obj->held)
			mmb_pages_put(obj->pages, obj->npages);
		else
			mmb_obj_pages_free(obj, obj->pages);
		obj->pages = NULL;
		obj->first = first;
		obj->placement = MMB_OBJ_DEVICE;
		xa_lock(&objs->xa);
		list_add_tail(&obj->lru, &objs->lru);
		xa_unlock(&objs->xa);
	}
	obj->migrations++;
	mmb_stat_add(mdev, MMB_STAT_MIGRATIONS, 1);
	mmb_stat_add(mdev, MMB_STAT_MIGRATED_BYTES, mmb_obj_size(obj));
	trace_mmb_migrate(mdev, obj->id, obj->placement, mmb_obj_size(obj));
	return 0;
}

/*
 * Move @obj to RAM.  1 when this call moved it, 0 when it was in RAM (or
 * lost) already, -ENOMEM, or -EINTR when @killable and the task was
 * killed: then it stays in the pool, whole.
 */
static int mmb_obj_to_ram(struct mmb_object *obj, bool killable)
{
	struct page **pages;
	int ret = 0;

	if (READ_ONCE(obj->placement) == MMB_OBJ_RAM)
		return 0;
	pages = mmb_obj_pages_alloc(obj, false, killable);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	if (!killable) {
		down_write(&obj->sem);
	} else if (down_write_killable(&obj->sem)) {
		mmb_obj_pages_free(obj, pages);
		return -EINTR;
	}
	if (obj->placement == MMB_OBJ_DEVICE && !obj->lost) {
		ret = mmb_obj_switch(obj, pages, 0, killable);
		if (!ret) {
			pages = NULL;
			ret = 1;
		}
	}
	up_write(&obj->sem);
	if (pages)
		mmb_obj_pages_free(obj, pages);
	return ret;
}

/*
 * Take @npages contiguous pool pages, evicting the least recently used
 * objects to RAM until they fit.  move_lock held, so nothing else takes
 * pool pages meanwhile and the loop ends: at worst the pool is empty.
 *
 * A victim whose RAM cannot be had (-ENOMEM: its memory cgroup at its
 * limit, or the system short of memory) stays where it was, whole, and is
 * passed over for the next one: a cgroup at its limit keeps its own
 * objects in the pool but does not close the pool to others.  When no
 * object that could leave makes room, the placement is -ENOSPC: the pool
 * has no room the caller can get, and -ENOMEM would speak of memory that
 * is not the caller's.  A killed task stops at once, between objects or
 * within a copy (-EINTR), without passing over anything.  Either way the
 * objects evicted so far stay in RAM, each whole, and are counted.
 */
static long mmb_pool_get(struct mmb_device *mdev, unsigned long npages)
{
	struct mmb_objects *objs = &mdev->core->objects;
	unsigned long *map = objs->bitmap, size = objs->pool_pages;
	struct mmb_object *victim, *o;
	unsigned long first;
	u64 gen;
	int ret;

	lockdep_assert_held(&objs->move_lock);
	if (objs->dead)
		return -ENODEV;
	if (npages > objs->pool_pages)
		return -ENOSPC;
	gen = ++objs->evict_gen;
	for (;;) {
		xa_lock(&objs->xa);
		first = bitmap_find_next_zero_area(map, size, 0, npages, 0);
		if (first < objs->pool_pages) {
			bitmap_set(objs->bitmap, first, npages);
			objs->pool_free -= npages;
			xa_unlock(&objs->xa);
			return first;
		}
		/*
		 * The least recently used object this call has not failed
		 * to move.  Every object in the pool is referenced: see
		 * release.
		 */
		victim = NULL;
		list_for_each_entry(o, &objs->lru, lru) {
			if (o->evict_gen != gen) {
				victim = o;
				break;
			}
		}
		if (fatal_signal_pending(current)) {
			xa_unlock(&objs->xa);
			return -EINTR;
		}
		if (!victim) {
			xa_unlock(&objs->xa);
			return -ENOSPC;
		}
		kref_get(&victim->ref);
		xa_unlock(&objs->xa);

		ret = mmb_obj_to_ram(victim, true);
		if (ret == -ENOMEM) {
			/* Its cgroup is at its limit: try the next one. */
			xa_lock(&objs->xa);
			victim->evict_gen = gen;
			xa_unlock(&objs->xa);
		}
		mmb_obj_put(victim);
		if (ret == -ENOMEM)
			continue;
		if (ret < 0)
			return ret;
		/* Not when a move to RAM (MMB_IOC_OBJ_MIGRATE) was first. */
		if (ret) {
			xa_lock(&objs->xa);
			objs->evictions++;
			xa_unlock(&objs->xa);
		}
	}
}

/* How long others may wait behind a move for the importers' fences. */
#define MMB_OBJ_FENCE_LOCKED_WAIT (HZ / 10)

/*
 * Before a move of @obj to the device, its reservation held: tell the
 * importers that map without pinning (move_notify), and wait for the
 * fences of the reservation (their invalidations), for a short while
 * only: everyone who maps or polls the dma-buf waits behind the lock,
 * uninterruptibly, and fences are user space's to add
 * (DMA_BUF_IOCTL_IMPORT_SYNC_FILE).  0 when they have signalled; -ETIME
 * when the caller should wait without the lock and come back.
 */
static int mmb_obj_notify_importers(struct mmb_object *obj)
{
	long ret;

	dma_resv_assert_held(&obj->resv);
	mutex_lock(&obj->dmabuf_lock);
	if (obj->dmabuf)
		mmb_dmabuf_move_notify(obj->dmabuf);
	mutex_unlock(&obj->dmabuf_lock);
	ret = dma_resv_wait_timeout(&obj->resv, DMA_RESV_USAGE_BOOKKEEP, true,
				    MMB_OBJ_FENCE_LOCKED_WAIT);
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIME;
}

/*
 * Move @obj into the pool (a no-op if it is there).  Killed on the way
 * (-EINTR), the task leaves @obj in RAM, whole, and gives back the pool
 * pages it took for it; what it evicted stays evicted.  -EBUSY while an
 * importer of its dma-buf holds it in RAM (a pin).  Importers that map it
 * without pinning are told first (move_notify), and their fences waited
 * for; pages they have not unmapped yet stay theirs (mmb_obj_hold()).
 * Any signal ends those waits (-ERESTARTSYS).
 */
static int mmb_obj_to_device(struct mmb_object *obj)
{
	struct mmb_device *mdev = obj->mdev;
	struct mmb_objects *objs = &mdev->core->objects;
	bool placed = false;
	long first, wait;
	int ret = 0;

	/*
	 * The reservation comes first, as dma-buf orders it: no importer
	 * maps while the object moves.  Importers that map without pinning
	 * let go of the pages, and the reservation's fences are waited for,
	 * before move_lock, which removal waits for; fences already there
	 * are waited for without the lock.  A signal ends the waits
	 * (restarted where the handler asks for it).
	 */
	for (;;) {
		wait = dma_resv_wait_timeout(&obj->resv,
					     DMA_RESV_USAGE_BOOKKEEP, true,
					     MAX_SCHEDULE_TIMEOUT);
		if (wait < 0)
			return wait;
		if (dma_resv_lock_interruptible(&obj->resv, NULL))
			return -ERESTARTSYS;
		ret = 0;
		if (READ_ONCE(obj->placement) == MMB_OBJ_DEVICE)
			goto out_resv;
		/* Held in RAM by an importer: not worth evicting for. */
		if (READ_ONCE(obj->pins)) {
			ret = -EBUSY;
			goto out_resv;
		}
		ret = mmb_obj_notify_importers(obj);
		if (ret != -ETIME)
			break;
		dma_resv_unlock(&obj->resv);
	}
	if (ret)
		goto out_resv;
	if (mutex_lock_killable(&objs->move_lock)) {
		ret = -EINTR;
		goto out_resv;
	}
	if (READ_ONCE(obj->placement) == MMB_OBJ_DEVICE)
		goto out;
	first = mmb_pool_get(mdev, obj->npages);
	if (first < 0) {
		ret = first;
		goto out;
	}
	if (down_write_killable(&obj->sem)) {
		ret = -EINTR;
	} else {
		if (obj->pins) {
			ret = -EBUSY;
		} else if (obj->placement == MMB_OBJ_RAM) {
			ret = mmb_obj_switch(obj, NULL, first, true);
			placed = !ret;
		}
		up_write(&obj->sem);
	}
	if (!placed) {
		xa_lock(&objs->xa);
		mmb_pool_put(objs, first, obj->npages);
		xa_unlock(&objs->xa);
	}
out:
	mutex_unlock(&objs->move_lock);
out_resv:
	dma_resv_unlock(&obj->resv);
	return ret;
}

/**
 * mmb_obj_create() - MMB_IOC_OBJ_CREATE.
 * @mf:		the creating file; it owns the handle
 * @oc:		validated request; handle and mmap_offset are filled in
 *
 * Return: 0 or -errno (see struct mmb_obj_create); -EINTR when the task is
 * killed while it waits for move_lock, evicts or zeroes.
 */
static int mmb_obj_create(struct mmb_file *mf, struct mmb_obj_create *oc)
{
	struct mmb_device *mdev = mf->mdev;
	struct mmb_objects *objs = &mdev->core->objects;
	struct mmb_object *obj;
	long first;
	u32 id;
	int ret;

	if (!(mdev->core->caps & MMB_CAP_OBJECT))
		return -EOPNOTSUPP;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return -ENOMEM;
	kref_init(&obj->ref);
	init_rwsem(&obj->sem);
	dma_resv_init(&obj->resv);
	mutex_init(&obj->dmabuf_lock);
	INIT_LIST_HEAD(&obj->lru);
	obj->npages = oc->size >> PAGE_SHIFT;
	obj->placement = oc->placement;
	obj->owner = mf;
	obj->memcg = mmb_obj_memcg_get();
	get_device(&mdev->dev);
	obj->mdev = mdev;

	/* Reserve the id: the object is published only once complete. */
	ret = xa_alloc(&objs->xa, &id, NULL, XA_LIMIT(1, MMB_OBJ_MAX_ID),
		       GFP_KERNEL);
	if (ret)
		goto err_put_mdev;
	obj->id = id;
	obj->pgoff = MMB_OBJ_BASE_PGOFF +
		     ((unsigned long)id << MMB_OBJ_SLOT_PGSHIFT);

	if (oc->placement == MMB_OBJ_RAM) {
		obj->pages = mmb_obj_pages_alloc(obj, true, true);
		if (IS_ERR(obj->pages)) {
			ret = PTR_ERR(obj->pages);
			goto err_erase;
		}
		xa_lock(&objs->xa);
		__xa_store(&objs->xa, id, obj, GFP_NOWAIT);
		xa_unlock(&objs->xa);
	} else {
		if (mutex_lock_killable(&objs->move_lock)) {
			ret = -EINTR;
			goto err_erase;
		}
		first = mmb_pool_get(mdev, obj->npages);
		if (first < 0) {
			mutex_unlock(&objs->move_lock);
			ret = first;
			goto err_erase;
		}
		ret = mmb_pool_clear(mdev, first, obj->npages);
		if (ret) {
			xa_lock(&objs->xa);
			mmb_pool_put(objs, first, obj->npages);
			xa_unlock(&objs->xa);
			mutex_unlock(&objs->move_lock);
			goto err_erase;
		}
		obj->first = first;
		xa_lock(&objs->xa);
		list_add_tail(&obj->lru, &objs->lru);
		__xa_store(&objs->xa, id, obj, GFP_NOWAIT);
		xa_unlock(&objs->xa);
		mutex_unlock(&objs->move_lock);
	}
	oc->handle = id;
	oc->mmap_offset = MMB_MMAP_OBJECT(id);
	return 0;

err_erase:
	xa_erase(&objs->xa, id);
err_put_mdev:
	dma_resv_fini(&obj->resv);
	mem_cgroup_put(obj->memcg);
	put_device(&mdev->dev);
	kfree(obj);
	return ret == -EBUSY ? -ENOSPC : ret;
}

/**
 * mmb_obj_migrate() - MMB_IOC_OBJ_MIGRATE.
 * @mf:		the owning file
 * @handle:	the object
 * @placement:	where to; validated
 *
 * Return: 0, -ENOENT, -ENOSPC, -ENOMEM, -ENODEV after removal, -EBUSY
 * while an importer holds it in RAM, -EINTR when the task is killed while
 * it waits for move_lock or the object, or moves; the object is then
 * whole where it was.
 */
static int mmb_obj_migrate(struct mmb_file *mf, u32 handle, u32 placement)
{
	struct mmb_object *obj;
	int ret;

	if (!(mf->mdev->core->caps & MMB_CAP_OBJECT))
		return -EOPNOTSUPP;
	obj = mmb_obj_get(mf, handle);
	if (!obj)
		return -ENOENT;
	if (placement == MMB_OBJ_DEVICE)
		ret = mmb_obj_to_device(obj);
	else
		ret = min(mmb_obj_to_ram(obj, true), 0);
	mmb_obj_put(obj);
	return ret;
}

/**
 * mmb_obj_destroy() - MMB_IOC_OBJ_DESTROY: end the handle.
 * @mf:		the owning file
 * @handle:	the object
 *
 * The object lives on while mapped.
 *
 * Return: 0 or -ENOENT.
 */
static int mmb_obj_destroy(struct mmb_file *mf, u32 handle)
{
	struct mmb_objects *objs = &mf->mdev->core->objects;
	struct mmb_object *obj;

	if (!(mf->mdev->core->caps & MMB_CAP_OBJECT))
		return -EOPNOTSUPP;
	xa_lock(&objs->xa);
	obj = xa_load(&objs->xa, handle);
	if (!obj || obj->owner != mf) {
		xa_unlock(&objs->xa);
		return -ENOENT;
	}
	obj->owner = NULL;
	xa_unlock(&objs->xa);
	mmb_obj_put(obj);
	return 0;
}

/**
 * mmb_obj_info() - MMB_IOC_OBJ_INFO.
 * @mf:		the owning file
 * @oi:		validated request; filled in
 *
 * Return: 0, -EOPNOTSUPP, -ENOENT.
 */
static int mmb_obj_info(struct mmb_file *mf, struct mmb_obj_info *oi)
{
	struct mmb_objects *objs = &mf->mdev->core->objects;
	struct mmb_object *obj;
	unsigned long id;

	if (!(mf->mdev->core->caps & MMB_CAP_OBJECT))
		return -EOPNOTSUPP;
	if (oi->handle) {
		obj = mmb_obj_get(mf, oi->handle);
		if (!obj)
			return -ENOENT;
		down_read(&obj->sem);
		oi->placement = obj->placement;
		oi->migrations = obj->migrations;
		oi->dmabuf_pins = obj->pins;
		up_read(&obj->sem);
		oi->dmabuf = READ_ONCE(obj->exported);
		oi->size = mmb_obj_size(obj);
		oi->mmap_offset = MMB_MMAP_OBJECT(obj->id);
		oi->mappings = atomic64_read(&obj->mappings);
		oi->faults = atomic64_read(&obj->faults);
		mmb_obj_put(obj);
	}
	oi->objects = 0;
	xa_lock(&objs->xa);
	oi->pool_size = (u64)objs->pool_pages << PAGE_SHIFT;
	oi->pool_free = (u64)objs->pool_free << PAGE_SHIFT;
	oi->evictions = objs->evictions;
	xa_for_each(&objs->xa, id, obj)
		oi->objects++;
	xa_unlock(&objs->xa);
	oi->reserved = 0;
	oi->ram_cache = (u64)READ_ONCE(mmb_cache.count) << PAGE_SHIFT;
	return 0;
}

/*
 * dma-buf export (dmabuf.c): the object behind a handle, referenced and
 * marked exported, or ERR_PTR(-ENOENT), ERR_PTR(-EBUSY) if it is already.
 */
struct mmb_object *mmb_obj_export_get(struct mmb_file *mf, u32 handle)
{
	struct mmb_objects *objs = &mf->mdev->core->objects;
	struct mmb_object *obj;

	xa_lock(&objs->xa);
	obj = xa_load(&objs->xa, handle);
	if (!obj || obj->owner != mf) {
		obj = ERR_PTR(-ENOENT);
	} else if (obj->exported) {
		obj = ERR_PTR(-EBUSY);
	} else {
		obj->exported = true;
		kref_get(&obj->ref);
	}
	xa_unlock(&objs->xa);
	return obj;
}

/* The dma-buf of @obj is released: it may be exported again. */
void mmb_obj_export_put(struct mmb_object *obj)
{
	struct mmb_objects *objs = &obj->mdev->core->objects;

	xa_lock(&objs->xa);
	obj->exported = false;
	xa_unlock(&objs->xa);
	mmb_obj_put(obj);
}

/**
 * mmb_obj_pin() - hold an object in RAM for an importer.
 * @obj:	the object, referenced by the caller
 * @killable:	a fatal signal may end the wait and the move (-EINTR)
 *
 * Moves @obj to RAM if it is in the pool and counts a pin, under its
 * semaphore, so that no move to the device comes in between: until
 * mmb_obj_unpin(), mmb_obj_pages() are its backing and stay.
 *
 * Return: 0, -ENOMEM, -ENODEV for an object lost at removal, -EINTR.
 */
int mmb_obj_pin(struct mmb_object *obj, bool killable)
{
	struct page **pages = NULL;
	int ret;

	for (;;) {
		if (!killable)
			down_write(&obj->sem);
		else if (down_write_killable(&obj->sem))
			break;
		if (obj->lost) {
			ret = -ENODEV;
		} else if (obj->placement == MMB_OBJ_RAM) {
			obj->pins++;
			ret = 0;
		} else if (pages) {
			ret = mmb_obj_switch(obj, pages, 0, killable);
			if (!ret) {
				pages = NULL;
				obj->pins++;
			}
		} else {
			ret = -EAGAIN; /* RAM first, without the semaphore */
		}
		up_write(&obj->sem);
		if (ret != -EAGAIN)
			goto out;
		pages = mmb_obj_pages_alloc(obj, false, killable);
		if (IS_ERR(pages)) {
			ret = PTR_ERR(pages);
			pages = NULL;
			goto out;
		}
	}
	ret = -EINTR;
out:
	if (pages)
		mmb_obj_pages_free(obj, pages);
	return ret;
}

/* Undo mmb_obj_pin(). */
void mmb_obj_unpin(struct mmb_object *obj)
{
	down_write(&obj->sem);
	WARN_ON(!obj->pins);
	obj->pins--;
	up_write(&obj->sem);
}

/**
 * mmb_obj_hold() - turn a pin into an importer's DMA mapping.
 * @obj:	the object, pinned by the caller (mmb_obj_pin())
 *
 * The caller has taken a reference to every page of mmb_obj_pages() for
 * the mapping.  The pin ends: the object may move away from RAM once the
 * importer was told (a dynamic importer's mapping), and then the pages it
 * left behind are freed only when the mapping puts them, never handed to
 * another object.  Undone by mmb_obj_unhold() after the pages are put.
 */
void mmb_obj_hold(struct mmb_object *obj)
{
	down_write(&obj->sem);
	WARN_ON(!obj->pins);
	obj->pins--;
	obj->held++;
	up_write(&obj->sem);
}

void mmb_obj_unhold(struct mmb_object *obj)
{
	down_write(&obj->sem);
	WARN_ON(!obj->held);
	obj->held--;
	up_write(&obj->sem);
}

/* The reservation object of @obj's dma-buf (dma_buf_export_info.resv). */
struct dma_resv *mmb_obj_resv(struct mmb_object *obj)
{
	return &obj->resv;
}

/*
 * @obj's dma-buf is @dmabuf, or none (NULL, from its release): what a
 * move tells.  Not under the reservation lock, which a move holds while it
 * waits for fences.
 */
void mmb_obj_set_dmabuf(struct mmb_object *obj, struct dma_buf *dmabuf)
{
	mutex_lock(&obj->dmabuf_lock);
	obj->dmabuf = dmabuf;
	mutex_unlock(&obj->dmabuf_lock);
}

/* The RAM backing of a pinned object, and its size in pages. */
struct page **mmb_obj_pages(struct mmb_object *obj, unsigned long *npages)
{
	*npages = obj->npages;
	return obj->pages;
}

/* For the dma-buf's name: the object's handle. */
u32 mmb_obj_id(struct mmb_object *obj)
{
	return obj->id;
}

u64 mmb_obj_bytes(struct mmb_object *obj)
{
	return mmb_obj_size(obj);
}

static void mmb_obj_vm_open(struct vm_area_struct *vma)
{
	struct mmb_object *obj = vma->vm_private_data;

	kref_get(&obj->ref);
	atomic64_inc(&obj->mappings);
}

static void mmb_obj_vm_close(struct vm_area_struct *vma)
{
	struct mmb_object *obj = vma->vm_private_data;

	atomic64_dec(&obj->mappings);
	mmb_obj_put(obj);
}

/* The object page of @addr in @vma. */
static unsigned long mmb_obj_page(struct vm_area_struct *vma,
				  unsigned long addr)
{
	struct mmb_object *obj = vma->vm_private_data;

	return vma->vm_pgoff - obj->pgoff +
	       ((addr - vma->vm_start) >> PAGE_SHIFT);
}

static vm_fault_t mmb_obj_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmb_object *obj = vma->vm_private_data;
	struct mmb_device *mdev = obj->mdev;
	struct mmb_objects *objs = &mdev->core->objects;
	unsigned long pg = mmb_obj_page(vma, vmf->address);
	pgprot_t prot = vma->vm_page_prot;
	unsigned long pfn;
	vm_fault_t ret;

	/* A move in progress holds the semaphore: wait, then map its result. */
	down_read(&obj->sem);
	if (obj->lost || pg >= obj->npages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	if (obj->placement == MMB_OBJ_RAM) {
		pfn = page_to_pfn(obj->pages[pg]);
	} else {
		pfn = mmb_pool_pfn(mdev, obj->first + pg);
		prot = mmb_mem_pgprot(&mdev->pool, prot);
		xa_lock(&objs->xa);
		list_move_tail(&obj->lru, &objs->lru);
		xa_unlock(&objs->xa);
	}
	ret = vmf_insert_pfn_prot(vma, vmf->address & PAGE_MASK, pfn, prot);
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(&obj->faults);
out:
	mmb_stat_add(mdev, MMB_STAT_OBJECT_FAULTS, 1);
	trace_mmb_fault(mdev, 1, vmf->address, (u64)pg << PAGE_SHIFT,
			obj->placement, (__force unsigned int)ret);
	up_read(&obj->sem);
	return ret;
}

/*
 * Debugger access (ptrace, /proc/<pid>/mem): the current backing, under
 * the semaphore a move holds, so an access during a move waits for it and
 * then reaches the new place.  At most to the end of the page.  A mapping
 * without PROT_WRITE is not written (-EACCES), as get_user_pages() refuses
 * a forced write into a shared mapping: a read-only dma-buf stays so.
 */
static int mmb_obj_access(struct vm_area_struct *vma, unsigned long addr,
			  void *buf, int len, int write)
{
	struct mmb_object *obj = vma->vm_private_data;
	struct mmb_device *mdev = obj->mdev;
	unsigned long pg = mmb_obj_page(vma, addr);
	unsigned int off = offset_in_page(addr);
	void *p;

	/* As for any shared mapping: no write where the mapping has none. */
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	len = min_t(unsigned long, len, PAGE_SIZE - off);
	down_read(&obj->sem);
	if (obj->lost || pg >= obj->npages) {
		up_read(&obj->sem);
		return -EIO;
	}
	if (obj->placement == MMB_OBJ_RAM) {
		p = kmap_local_page(obj->pages[pg]) + off;
		if (write)
			memcpy(p, buf, len);
		else
			memcpy(buf, p, len);
		kunmap_local(p);
	} else if (write) {
		mmb_mem_write(&mdev->pool,
			      ((u64)(obj->first + pg) << PAGE_SHIFT) + off, buf,
			      len);
	} else {
		mmb_mem_read(&mdev->pool,
			     ((u64)(obj->first + pg) << PAGE_SHIFT) + off, buf,
			     len);
	}
	up_read(&obj->sem);
	return len;
}

static const struct vm_operations_struct mmb_obj_vm_ops = {
	.access = mmb_obj_access,
	.open = mmb_obj_vm_open,
	.close = mmb_obj_vm_close,
	.fault = mmb_obj_fault,
};

/**
 * mmb_obj_vma() - map an object through its dma-buf.
 * @obj:	the object; the mapping takes a reference
 * @vma:	the new mapping, shared; vm_pgoff is the page offset in the
 *		object, checked by the dma-buf core
 *
 * The dma-buf's file maps through the device's address_space (see
 * dmabuf.c), and vm_pgoff becomes the object's own, so every move of the
 * object zaps this mapping as it zaps the device fd's.
 */
void mmb_obj_vma(struct mmb_object *obj, struct vm_area_struct *vma)
{
	kref_get(&obj->ref);
	vma->vm_pgoff += obj->pgoff;
	mmb_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mmb_obj_vm_ops;
	vma->vm_private_data = obj;
	atomic64_inc(&obj->mappings);
}

/**
 * mmb_obj_mmap() - map an object (mmap offset MMB_MMAP_OBJECT()).
 * @mf:		the file; only its own objects are mapped
 * @vma:	the new mapping
 *
 * Return: 0, -ENODEV without objects, -EINVAL for MAP_PRIVATE, -ENXIO for
 * an offset that names none of the file's objects or a range outside it.
 */
static int mmb_obj_mmap(struct mmb_file *mf, struct vm_area_struct *vma)
{
	unsigned long slot = vma->vm_pgoff - MMB_OBJ_BASE_PGOFF;
	unsigned long pgoff = slot & ((1UL << MMB_OBJ_SLOT_PGSHIFT) - 1);
	struct mmb_object *obj;

	if (!(mf->mdev->core->caps & MMB_CAP_OBJECT))
		return -ENODEV;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	slot >>= MMB_OBJ_SLOT_PGSHIFT;
	if (slot > MMB_OBJ_MAX_ID)
		return -ENXIO;
	obj = mmb_obj_get(mf, slot);
	if (!obj)
		return -ENXIO;
	if (pgoff >= obj->npages || vma_pages(vma) > obj->npages - pgoff) {
		mmb_obj_put(obj);
		return -ENXIO;
	}
	mmb_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mmb_obj_vm_ops;
	vma->vm_private_data = obj; /* the reference */
	atomic64_inc(&obj->mappings);
	return 0;
}

/* Close of @mf: its handles end; mapped objects live on. */
static void mmb_obj_release_file(struct mmb_file *mf)
{
	struct mmb_objects *objs = &mf->mdev->core->objects;
	struct mmb_object *obj;
	unsigned long id;

	if (!(mf->mdev->core->caps & MMB_CAP_OBJECT))
		return;
	xa_lock(&objs->xa);
	xa_for_each(&objs->xa, id, obj) {
		if (obj->owner != mf)
			continue;
		obj->owner = NULL;
		xa_unlock(&objs->xa);
		mmb_obj_put(obj);
		xa_lock(&objs->xa);
	}
	xa_unlock(&objs->xa);
}

/*
 * Removal could not move @obj to RAM: its device copy goes with the device.
 * A move to RAM that does not take move_lock (MMB_IOC_OBJ_MIGRATE) may have
 * saved it meanwhile: decided again under the object's semaphore.
 */
static void mmb_obj_lose(struct mmb_object *obj)
{
	struct mmb_device *mdev = obj->mdev;
	struct mmb_objects *objs = &mdev->core->objects;
	bool lost = false;

	down_write(&obj->sem);
	if (obj->placement == MMB_OBJ_DEVICE && !obj->lost) {
		unmap_mapping_range(mmb_region_mapping(mdev),
				    (loff_t)obj->pgoff << PAGE_SHIFT,
				    mmb_obj_size(obj), 1);
		obj->lost = true;
		xa_lock(&objs->xa);
		list_del(&obj->lru);
		mmb_pool_put(objs, obj->first, obj->npages);
		xa_unlock(&objs->xa);
		lost = true;
	}
	up_write(&obj->sem);
	if (lost)
		dev_warn(&mdev->dev, "object %u lost at removal\n", obj->id);
}

/*
 * Removal: nothing enters the pool any more, and every object in it moves
 * to RAM before the backend lets the memory go, so mappings keep their
 * data.  An object whose RAM cannot be allocated is lost: its mappings
 * get SIGBUS, debuggers -EIO.
 *
 * Removal must not give up, so it waits for move_lock and moves without
 * regard to signals: a removal by a task that is killed meanwhile still
 * saves every object.  That wait cannot be stuck behind user space: a
 * holder of move_lock is a placement or eviction, which waits only for
 * RAM and for objects' semaphores (held by a fault, a debugger access or
 * a move, each for one copy of one object at most), never for anything
 * user space controls; and the device is dead for the ioctls by now
 * (mmb_device_unregister()), so only calls that were already past that
 * check can take move_lock first (a mutex hands itself to a waiter that
 * keeps losing it).
 */
static void mmb_objects_unplug(struct mmb_device *mdev)
{
	struct mmb_objects *objs = &mdev->core->objects;
	struct mmb_object *obj;

	if (!(mdev->core->caps & MMB_CAP_OBJECT))
		return;
	mutex_lock(&objs->move_lock);
	objs->dead = true;
	for (;;) {
		xa_lock(&objs->xa);
		obj = list_first_entry_or_null(&objs->lru, struct mmb_object,
					       lru);
		if (obj)
			kref_get(&obj->ref);
		xa_unlock(&objs->xa);
		if (!obj)
			break;
		if (mmb_obj_to_ram(obj, false) < 0)
			mmb_obj_lose(obj);
		mmb_obj_put(obj);
	}
	mutex_unlock(&objs->move_lock);
}

int mmb_object_cache_init(void)
{
	struct shrinker *s;

	spin_lock_init(&mmb_cache.lock);
	INIT_LIST_HEAD(&mmb_cache.pages);
	if (object_cache_mb > 4096) {
		pr_err("object_cache_mb=%u is above 4096\n", object_cache_mb);
		return -EINVAL;
	}
	s = mmb_shrinker_register(mmb_cache_count, mmb_cache_scan,
				  "mmbridge-objects");
	mmb_cache.shrinker = s;
	return s ? 0 : -ENOMEM;
}

/* Module exit: every device, and so every object, is gone. */
void mmb_object_cache_exit(void)
{
	mmb_shrinker_unregister(mmb_cache.shrinker);
	mmb_cache_drain(ULONG_MAX);
}

/* At allocation of the device. */
static int mmb_objects_init(struct mmb_device *mdev)
{
	struct mmb_objects *objs = &mdev->core->objects;

	xa_init_flags(&objs->xa, XA_FLAGS_ALLOC1);
	mutex_init(&objs->move_lock);
	INIT_LIST_HEAD(&objs->lru);
	return 0;
}

/* At registration: the pool's bookkeeping, if the driver has a pool. */
static int mmb_objects_register(struct mmb_device *mdev)
{
	struct mmb_objects *objs = &mdev->core->objects;

	if (!mdev->pool.size || objs->bitmap)
		return 0;
	objs->pool_pages = mdev->pool.size >> PAGE_SHIFT;
	objs->pool_free = objs->pool_pages;
	objs->bitmap = bitmap_zalloc(objs->pool_pages, GFP_KERNEL);
	if (!objs->bitmap)
		return -ENOMEM;
	mdev->core->caps |= MMB_CAP_OBJECT;
	return 0;
}

/* At release of the device: every object is gone (each held the device). */
static void mmb_objects_destroy(struct mmb_device *mdev)
{
	struct mmb_objects *objs = &mdev->core->objects;

	WARN_ON(!xa_empty(&objs->xa));
	xa_destroy(&objs->xa);
	bitmap_free(objs->bitmap);
}

static void mmb_objects_file_release(struct mmb_file *mf, struct file *file)
{
	mmb_obj_release_file(mf);
}

/* Objects' ioctls.  New objects and moves are refused on a removed device. */
static int mmb_obj_create_check(const void *arg)
{
	const struct mmb_obj_create *oc = arg;

	if (oc->flags || !oc->size || !PAGE_ALIGNED(oc->size) ||
	    oc->size > MMB_OBJ_MAX_SIZE || oc->placement > MMB_OBJ_DEVICE)
		return -EINVAL;
	return 0;
}

static long mmb_ioctl_obj_create(void *ctx, struct file *file, void *arg)
{
	return mmb_obj_create(ctx, arg);
}

/* Unwritable after all (unmapped meanwhile): no object either. */
static void mmb_ioctl_obj_create_undo(void *ctx, struct file *file, void *arg)
{
	const struct mmb_obj_create *oc = arg;

	mmb_obj_destroy(ctx, oc->handle);
}

static int mmb_obj_migrate_check(const void *arg)
{
	const struct mmb_obj_ctl *ctl = arg;

	if (ctl->flags || !ctl->handle || ctl->placement > MMB_OBJ_DEVICE)
		return -EINVAL;
	return 0;
}

static long mmb_ioctl_obj_migrate(void *ctx, struct file *file, void *arg)
{
	const struct mmb_obj_ctl *ctl = arg;

	return mmb_obj_migrate(ctx, ctl->handle, ctl->placement);
}

static int mmb_obj_destroy_check(const void *arg)
{
	const struct mmb_obj_ctl *ctl = arg;

	return ctl->flags || !ctl->handle || ctl->placement ? -EINVAL : 0;
}

static long mmb_ioctl_obj_destroy(void *ctx, struct file *file, void *arg)
{
	const struct mmb_obj_ctl *ctl = arg;

	return mmb_obj_destroy(ctx, ctl->handle);
}

static int mmb_obj_info_check(const void *arg)
{
	const struct mmb_obj_info *oi = arg;

	return oi->flags ? -EINVAL : 0;
}

static long mmb_ioctl_obj_info(void *ctx, struct file *file, void *arg)
{
	return mmb_obj_info(ctx, arg);
}

static const struct mmb_ioctl_desc mmb_object_ioctls[] = {
	{
		.cmd = MMB_IOC_OBJ_CREATE,
		.size = sizeof(struct mmb_obj_create),
		.minsz = offsetofend(struct mmb_obj_create, mmap_offset),
		.flags = MMB_IOCTL_OUT | MMB_IOCTL_ALIVE,
		.check = mmb_obj_create_check,
		.fn = mmb_ioctl_obj_create,
		.undo = mmb_ioctl_obj_create_undo,
	},
	MMB_IOCTL(MMB_IOC_OBJ_MIGRATE, struct mmb_obj_ctl, placement,
		  MMB_IOCTL_ALIVE, mmb_obj_migrate_check,
		  mmb_ioctl_obj_migrate),
	MMB_IOCTL(MMB_IOC_OBJ_DESTROY, struct mmb_obj_ctl, placement, 0,
		  mmb_obj_destroy_check, mmb_ioctl_obj_destroy),
	MMB_IOCTL(MMB_IOC_OBJ_INFO, struct mmb_obj_info, ram_cache,
		  MMB_IOCTL_OUT, mmb_obj_info_check, mmb_ioctl_obj_info),
};

const struct mmb_mechanism mmb_object_mech = {
	.name = "object",
	.ioctls = mmb_object_ioctls,
	.nr_ioctls = ARRAY_SIZE(mmb_object_ioctls),
	.mmap_first = MMB_MMAP_OBJECT(0) >> PAGE_SHIFT,
	.mmap_last = ULONG_MAX,
	.mmap = mmb_obj_mmap,
	.dev_init = mmb_objects_init,
	.dev_register = mmb_objects_register,
	.dev_unplug = mmb_objects_unplug,
	.dev_destroy = mmb_objects_destroy,
	.file_release = mmb_objects_file_release,
};
