/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmmbridge: C API over the mmbridge ioctls.
 *
 * Every function returns 0 (or a non-negative count) on success and a
 * negative errno on failure; errno itself is left as the system call set it.
 * The argsz/flags headers of the ABI are filled in for the caller.
 */
#ifndef MMBRIDGE_H
#define MMBRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/mmbridge.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open a device by name ("edu0"), or by path ("/dev/mmbridge/edu0").
 * @oflags are open(2) flags; O_RDWR and O_CLOEXEC are always added.
 * Returns the file descriptor or -errno.
 */
int mmb_open(const char *name, int oflags);

/* Fill @info (MMB_IOC_INFO). */
int mmb_info(int fd, struct mmb_info *info);

/*
 * Move @len bytes between @buf and the device's DMA window at @dev_off with
 * the device's DMA engine.  @dir is MMB_XFER_TO_DEVICE or MMB_XFER_FROM_DEVICE.
 */
int mmb_dma(int fd, uint32_t dir, uint64_t dev_off, void *buf, size_t len);

/* Read or write device memory with the CPU. */
int mmb_mem_read(int fd, uint64_t off, void *buf, size_t len);
int mmb_mem_write(int fd, uint64_t off, const void *buf, size_t len);

/*
 * Foreign-context copy (see include/uapi/linux/mmbridge.h).  read() on the
 * fd copies the configured source, and so do Linux aio and io_uring reads
 * (asynchronous in MMB_COPY_WORKER); write() appends to the buffer source.
 * @flags of mmb_copy_config: MMB_COPY_SET_OFFSET, MMB_COPY_CLEAR_BUFFER.
 */
int mmb_copy_config(int fd, uint32_t mode, uint32_t source, uint64_t seed,
		    uint32_t flags, uint64_t offset);
int mmb_copy_status(int fd, struct mmb_copy_status *st);
/*
 * Returns bytes written into process @pid, or -errno: process_vm_writev()
 * (@fd is not used; the kernel no longer has MMB_IOC_REMOTE_WRITE).
 */
long mmb_remote_write(int fd, int pid, uint64_t remote_addr,
		      const void *local, size_t len);
/* Interrupt records into *@rec on every interrupt; NULL unregisters. */
int mmb_irq_copy(int fd, struct mmb_irq_record *rec);

/*
 * Interrupt events (see include/uapi/linux/mmbridge.h).
 *
 * mmb_counters_map() maps the device's counter page read-only (NULL with
 * errno set on failure); mmb_counters_read() copies a consistent snapshot
 * of it, retrying while the kernel is in the middle of an update.
 * mmb_counters_read_tries() gives up after @tries attempts (0: never) with
 * -EAGAIN, for readers that must not spin forever on a broken page.
 */
const struct mmb_counters *mmb_counters_map(int fd);
void mmb_counters_unmap(const struct mmb_counters *page);
void mmb_counters_read(const struct mmb_counters *page,
		       struct mmb_counters *snap);
int mmb_counters_read_tries(const struct mmb_counters *page,
			    struct mmb_counters *snap, unsigned long tries);

/*
 * An event fd (MMB_IOC_EVENT_OPEN, @flags MMB_EVENT_*): returns the new fd.
 * mmb_event_wait() blocks until the event count moved since this event fd
 * last returned it, and stores it in *@count.
 */
int mmb_event_open(int fd, uint32_t flags);
int mmb_event_wait(int efd, uint64_t *count);
/*
 * The same for interrupt vector @vector alone (MMB_EVENT_ONE_VECTOR): the
 * count is the counter page's vector_counts[@vector].
 */
int mmb_event_open_vector(int fd, uint32_t flags, uint32_t vector);

/* Signal eventfd @efd on every event; -1 unregisters. */
int mmb_eventfd(int fd, int efd);
/*
 * Signal eventfd @efd on every event of interrupt vector @vector; -1
 * unregisters.  Independent of mmb_eventfd() and of the other vectors'.
 */
int mmb_eventfd_vector(int fd, int efd, uint32_t vector);

/* Enable (1) or disable (0) event delivery of the device. */
int mmb_irq_control(int fd, int enable);

/*
 * Pin @len bytes at @addr as an event ring that the interrupt handler
 * writes (MMB_IOC_PIN_REGION).  *@id gets the handle, *@nr_slots (may be
 * NULL) the capacity.  mmb_ring_head() reads the ring's head with acquire
 * ordering: records below it are complete.
 */
int mmb_pin_region(int fd, void *addr, size_t len, uint32_t *id,
		   uint32_t *nr_slots);
int mmb_unpin_region(int fd, uint32_t id);
uint64_t mmb_ring_head(const struct mmb_ring *ring);

/*
 * Frame streams (see include/uapi/linux/mmbridge.h).  mmb_stream_setup()
 * returns the stream fd; @frames (zero copy only, else NULL) lists the
 * @nr frame buffers.  mmb_stream_next() waits for a frame (zero copy),
 * mmb_stream_release() hands it back.
 */
int mmb_stream_setup(int fd, uint32_t mode, uint32_t nr, uint64_t size,
		     void *const *frames, uint64_t seed, uint64_t period_ns,
		     uint32_t signal, uint32_t flags);
/*
 * mmb_stream_import() sets up an MMB_STREAM_DMABUF stream of @nr frames
 * in dma-bufs (@frames: fd and offset of each) and returns its fd.
 */
int mmb_stream_import(int fd, uint32_t nr, uint64_t size,
		      const struct mmb_stream_dmabuf *frames, uint64_t seed,
		      uint64_t period_ns, uint32_t flags);
int mmb_stream_start(int sfd);
int mmb_stream_stop(int sfd);
int mmb_stream_status(int sfd, struct mmb_stream_status *st);
int mmb_stream_next(int sfd, struct mmb_frame *frame);
int mmb_stream_release(int sfd, uint32_t index);

/*
 * List the device names in /dev/mmbridge, sorted, into @names (each
 * MMB_NAME_MAX bytes).  Returns how many there are (possibly more than
 * @max, of which @max were stored) or -errno.
 */
#define MMB_NAME_MAX	16
int mmb_list(char (*names)[MMB_NAME_MAX], int max);

/*
 * Statistics (debugfs, root only): the totals since device @name appeared,
 * from <debugfs>/mmbridge/@name/stats.  mmb_stats() stores up to @max
 * entries and returns how many there are, or -errno (-ENOENT when debugfs
 * is not mounted at MMB_DEBUGFS_DIR's parent or the device does not
 * exist).  mmb_stat_get() looks one up by name.
 */
#define MMB_DEBUGFS_DIR	"/sys/kernel/debug/mmbridge"
#define MMB_STAT_NAME_MAX 32
struct mmb_stat {
	char name[MMB_STAT_NAME_MAX];
	uint64_t value;
};
int mmb_stats(const char *name, struct mmb_stat *out, int max);
int mmb_stat_get(const char *name, const char *stat, uint64_t *value);

#ifdef __cplusplus
}
#endif

/*
 * Revocable device mappings (see include/uapi/linux/mmbridge.h).
 *
 * mmb_region_map() maps @len bytes of the device region from @offset with
 * fault policy @policy (enum mmb_fault_policy), read-write and shared;
 * mappings of 2 MiB or more are placed 2 MiB-aligned so that the kernel
 * can map them with PMDs.  Returns the address, or NULL with errno set.
 * mmb_region_revoke() and mmb_region_restore() store the result in *@out
 * when it is not NULL.  These work on region 0; the _at() forms on the
 * region @index of a device with several (struct
 * mmb_region_info.nr_regions).
 */
void *mmb_region_map(int fd, uint32_t policy, uint64_t offset, size_t len);
int mmb_region_unmap(void *addr, size_t len);
int mmb_region_revoke(int fd, struct mmb_region_ctl *out);
int mmb_region_restore(int fd, struct mmb_region_ctl *out);
int mmb_region_info(int fd, struct mmb_region_info *info);
void *mmb_region_map_at(int fd, uint32_t index, uint32_t policy,
			uint64_t offset, size_t len);
int mmb_region_revoke_at(int fd, uint32_t index, struct mmb_region_ctl *out);
int mmb_region_restore_at(int fd, uint32_t index, struct mmb_region_ctl *out);
int mmb_region_info_at(int fd, uint32_t index, struct mmb_region_info *info);

/*
 * Migratable objects (see include/uapi/linux/mmbridge.h).
 *
 * mmb_obj_create() makes a zeroed object of @size bytes in @placement
 * (enum mmb_obj_placement) and returns its handle and mmap offset;
 * mmb_obj_map() maps @len bytes of it, shared and read-write, and returns
 * the address or NULL with errno set.  The others return 0 or -errno.
 * mmb_obj_info() with handle 0 reports the device's pool alone.
 */
int mmb_obj_create(int fd, uint64_t size, uint32_t placement,
		   uint32_t *handle, uint64_t *mmap_offset);
void *mmb_obj_map(int fd, uint64_t mmap_offset, size_t len);
int mmb_obj_migrate(int fd, uint32_t handle, uint32_t placement);
int mmb_obj_destroy(int fd, uint32_t handle);
int mmb_obj_info(int fd, uint32_t handle, struct mmb_obj_info *info);
/* "ram", "device" or "unknown". */
const char *mmb_placement_str(uint32_t placement);

/*
 * dma-bufs (see include/uapi/linux/mmbridge.h).  mmb_obj_export() makes
 * the object @handle, mmb_region_export() @size bytes of the region from
 * @offset under fault policy @policy, a dma-buf; @flags are MMB_EXPORT_*.
 * Both return the dma-buf's fd or -errno.
 */
int mmb_obj_export(int fd, uint32_t handle, uint32_t flags);
int mmb_region_export(int fd, uint64_t offset, uint64_t size, uint32_t policy,
		      uint32_t flags);
int mmb_region_export_at(int fd, uint32_t index, uint64_t offset,
			 uint64_t size, uint32_t policy, uint32_t flags);

#endif /* MMBRIDGE_H */
