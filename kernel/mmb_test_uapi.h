/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmbridge's test interface: what the tests and `mmbridge bench` need from
 * the module and no driver's user does.  It is not part of the ABI that
 * <linux/mmbridge.h> defines and may change with any version; it is not
 * installed.
 *
 * The module parameter test_interface (mmbridge.test_interface=1, read at
 * load) enables it.  Without it the ioctls below fail with -ENOTTY, the
 * source MMB_SRC_GEN and the stream modes MMB_STREAM_BOUNCE and
 * MMB_STREAM_NAIVE with -EINVAL, and a file's copy source starts as
 * MMB_SRC_BUFFER.
 *
 * What it holds:
 *  - interrupts on request: MMB_IOC_IRQ_TRIGGER and MMB_IOC_IRQ_TIMER on
 *    devices with MMB_CAP_IRQ, MMB_CAP_IRQ_TIMER (the driver's irq_raise
 *    and irq_timer operations);
 *  - a data source every byte of which can be checked on its own:
 *    MMB_SRC_GEN for reads of a device fd, and the pattern of streams;
 *  - two stream designs kept to be measured against zero copy and the
 *    ring: bounce buffers copied out by read(), and a kernel thread that
 *    polls the engine, signals per frame and is fetched by ioctl.
 */
#ifndef _MMB_TEST_UAPI_H
#define _MMB_TEST_UAPI_H

#include <linux/mmbridge.h>

/**
 * struct mmb_irq_trigger - MMB_IOC_IRQ_TRIGGER: make the device interrupt.
 * @argsz:	size of this struct (in)
 * @flags:	MMB_IRQ_TRIGGER_NOWAIT (in)
 * @count:	interrupts to raise, 1 to MMB_IRQ_TRIGGER_MAX (in)
 * @raised:	interrupts raised and seen by the handler (out)
 * @reserved:	must be 0 (in)
 *
 * The device raises one interrupt at a time and the call waits until the
 * interrupt handler has delivered it (counter page, rings, eventfds) before
 * raising the next, so exactly @count interrupts reach the handler and all
 * of them are visible when the call returns.  The call looks for a signal
 * (SIGKILL included) before each interrupt and waits for the one in
 * flight: interrupted, it returns -EINTR after writing back how many were
 * @raised, exactly the number that reached the handler, none after (with
 * none raised yet the call is restarted under SA_RESTART).  @raised is
 * also written back with -ETIMEDOUT, when the handler did not run within a
 * second, and -ENODEV, when the device went away.  Interrupts of concurrent triggers on one
 * device do not overlap.
 *
 * With MMB_IRQ_TRIGGER_NOWAIT, @count must be 1: the call raises the
 * interrupt and returns at once, before the handler runs (for measuring
 * interrupt-to-wake-up latency).  A waiting trigger running at the same
 * time may then take that interrupt for its own.
 */
struct mmb_irq_trigger {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__u32 raised;
	__u64 reserved;
};

#define MMB_IRQ_TRIGGER_MAX 100000
#define MMB_IRQ_TRIGGER_NOWAIT (1U << 0)
#define MMB_IOC_IRQ_TRIGGER _IO(MMB_IOC_MAGIC, 0x01)

/**
 * struct mmb_irq_timer - MMB_IOC_IRQ_TIMER: periodic device interrupts.
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @period_ns:	interrupt period, MMB_IRQ_PERIOD_MIN_NS to MMB_IRQ_PERIOD_MAX_NS;
 *		0 stops the timer (in)
 *
 * Only devices with MMB_CAP_IRQ_TIMER (-EOPNOTSUPP otherwise).  The timer runs until stopped, until
 * the file that started it is closed, or until the device goes away.
 */
struct mmb_irq_timer {
	__u32 argsz;
	__u32 flags;
	__u64 period_ns;
};

#define MMB_IRQ_PERIOD_MIN_NS 20000ULL /* 20 us */
#define MMB_IRQ_PERIOD_MAX_NS 10000000000ULL /* 10 s */
#define MMB_IOC_IRQ_TIMER _IO(MMB_IOC_MAGIC, 0x02)

/*
 * Source 0 of MMB_IOC_COPY_CONFIG: byte o of the stream is byte (o % 8) of
 * mmb_gen_word(seed, o / 8).  Streams use the same generator for their
 * pattern.
 */
#define MMB_SRC_GEN 0

/* Generator of MMB_SRC_GEN (splitmix64 of seed and word index). */
static __inline__ __u64 mmb_gen_word(__u64 seed, __u64 index)
{
	__u64 z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Stream modes 1 and 2 of MMB_IOC_STREAM_SETUP:
 *  - MMB_STREAM_BOUNCE: the device fills kernel buffers; read() with room
 *    for a struct mmb_frame followed by frame_size bytes copies the oldest
 *    frame out and hands its buffer back.
 *  - MMB_STREAM_NAIVE: the device fills kernel buffers in transfers of at
 *    most 256 KiB, each submitted by a kernel thread of the stream that
 *    polls the engine while a frame is being filled (and sleeps while
 *    none is: no frame free, or the next tick of the frame clock still
 *    to come); each frame sends @signal to the process that set the
 *    stream up, and MMB_IOC_STREAM_FETCH copies the oldest frame out and
 *    hands its buffer back.  The signal is sent
 *    only while that process has the credentials it had at setup (user
 *    and group IDs, no new permitted capability); once it changes them
 *    (setuid(), an exec of a set-user-ID program) no signal is sent, so
 *    whoever holds the stream fd cannot signal it.
 */
#define MMB_STREAM_BOUNCE 1
#define MMB_STREAM_NAIVE 2

/**
 * struct mmb_stream_fetch - MMB_IOC_STREAM_FETCH: copy a frame out (naive).
 * @argsz:	size of this struct (in)
 * @flags:	must be 0 (in)
 * @user_addr:	destination, frame_size bytes (in)
 * @length:	bytes of room at @user_addr, at least frame_size (in)
 * @frame:	the frame copied (out)
 *
 * MMB_STREAM_NAIVE only (-EINVAL otherwise); -EAGAIN when no frame is
 * ready.
 */
struct mmb_stream_fetch {
	__u32 argsz;
	__u32 flags;
	__u64 user_addr;
	__u64 length;
	struct mmb_frame frame;
};

#define MMB_IOC_STREAM_FETCH _IO(MMB_IOC_MAGIC, 0x34)

#endif /* _MMB_TEST_UAPI_H */
