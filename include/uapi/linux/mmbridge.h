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
 *    new fields.  An @argsz above 4096 is -E2BIG.  Output structs are written back up to min(@argsz, size the
 *    kernel knows).
 *  - @flags holds only the flags documented for that ioctl; any other bit is
 *    rejected with -EINVAL.
 *  - Every field named reserved* must be zero (-EINVAL otherwise).
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

#define MMB_ABI_VERSION		1

/* Device nodes are /dev/mmbridge/<backend><instance>, e.g. /dev/mmbridge/edu0. */
#define MMB_DEV_DIR		"/dev/mmbridge"

enum mmb_backend_kind {
	MMB_BACKEND_SOFT	= 1,	/* software device, present on any machine */
	MMB_BACKEND_EDU		= 2,	/* QEMU edu PCI device (1234:11e8) */
	MMB_BACKEND_IVSHMEM	= 3,	/* QEMU ivshmem-plain PCI device (1af4:1110) */
};

/* Capability bits reported by MMB_IOC_INFO. */
#define MMB_CAP_IRQ		(1ULL << 0)	/* MMB_IOC_IRQ_TRIGGER works */
#define MMB_CAP_IRQ_TIMER	(1ULL << 1)	/* MMB_IOC_IRQ_TIMER works */
#define MMB_CAP_DMA		(1ULL << 2)	/* MMB_IOC_DMA works */
#define MMB_CAP_DEVMEM		(1ULL << 3)	/* device memory, MMB_IOC_MEM_RW */

#define MMB_IOC_MAGIC		0xB7

/**
 * struct mmb_info - MMB_IOC_INFO: describe the device (output).
 * @argsz:	size of this struct as the caller knows it (in)
 * @flags:	must be 0 (in)
 * @abi_version: MMB_ABI_VERSION of the kernel module
 * @backend:	enum mmb_backend_kind
 * @caps:	MMB_CAP_* bits
 * @mem_size:	bytes of device memory (0 when the backend has none)
 * @irq_count:	interrupts handled since the device was probed
 * @dma_window:	bytes of device-side buffer the DMA engine can reach
 * @instance:	the N in the device name
 * @name:	device name, NUL-terminated, e.g. "edu0"
 */
struct mmb_info {
	__u32 argsz;
	__u32 flags;
	__u32 abi_version;
	__u32 backend;
	__u64 caps;
	__u64 mem_size;
	__u64 irq_count;
	__u32 dma_window;
	__u32 instance;
	char name[16];
};

#define MMB_IOC_INFO		_IO(MMB_IOC_MAGIC, 0x00)

/**
 * struct mmb_irq_trigger - MMB_IOC_IRQ_TRIGGER: make the device interrupt.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @count:	interrupts to raise, 1 to MMB_IRQ_TRIGGER_MAX (in)
 * @raised:	interrupts raised and seen by the handler (out)
 * @reserved:	must be 0 (in)
 *
 * The device raises one interrupt at a time and the call waits until the
 * interrupt handler has run before raising the next, so exactly @count
 * interrupts reach the handler.  Interrupted by a signal, the call returns
 * -EINTR after writing back how many were @raised (also written back with
 * -ETIMEDOUT, when the handler did not run within a second, and -ENODEV,
 * when the device went away).  Interrupts of concurrent triggers on one
 * device do not overlap.
 */
struct mmb_irq_trigger {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__u32 raised;
	__u64 reserved;
};

#define MMB_IRQ_TRIGGER_MAX	100000
#define MMB_IOC_IRQ_TRIGGER	_IO(MMB_IOC_MAGIC, 0x01)

/**
 * struct mmb_irq_timer - MMB_IOC_IRQ_TIMER: periodic device interrupts.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @period_ns:	interrupt period, MMB_IRQ_PERIOD_MIN_NS to MMB_IRQ_PERIOD_MAX_NS;
 *		0 stops the timer (in)
 *
 * Only backends with MMB_CAP_IRQ_TIMER.  The timer runs until stopped, until
 * the file that started it is closed, or until the device goes away.
 */
struct mmb_irq_timer {
	__u32 argsz;
	__u32 flags;
	__u64 period_ns;
};

#define MMB_IRQ_PERIOD_MIN_NS	20000ULL		/* 20 us */
#define MMB_IRQ_PERIOD_MAX_NS	10000000000ULL		/* 10 s */
#define MMB_IOC_IRQ_TIMER	_IO(MMB_IOC_MAGIC, 0x02)

/* Direction flags shared by MMB_IOC_DMA and MMB_IOC_MEM_RW; exactly one is set. */
#define MMB_XFER_TO_DEVICE	(1U << 0)	/* user memory -> device */
#define MMB_XFER_FROM_DEVICE	(1U << 1)	/* device -> user memory */

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

#define MMB_XFER_MAX		(64ULL << 20)
#define MMB_IOC_DMA		_IO(MMB_IOC_MAGIC, 0x03)
#define MMB_IOC_MEM_RW		_IO(MMB_IOC_MAGIC, 0x04)

#endif /* _UAPI_LINUX_MMBRIDGE_H */
