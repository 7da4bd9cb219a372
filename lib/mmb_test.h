/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The test interface (kernel/mmb_test_uapi.h) for the tests and the CLI's
 * demo and benchmarks; not part of libmmbridge.  The module must be
 * loaded with test_interface=1: without it these calls fail with -ENOTTY
 * or -EINVAL.  Errors as in libmmbridge: 0 or -errno.
 */
#ifndef MMB_TEST_H
#define MMB_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel/mmb_test_uapi.h"

/*
 * Make the device raise @count interrupts, one at a time, each seen by the
 * handler before the next.  *@raised (may be NULL) gets how many were
 * raised, also on error.
 */
int mmb_irq_trigger(int fd, uint32_t count, uint32_t *raised);

/*
 * Raise one interrupt and return without waiting for the handler
 * (MMB_IRQ_TRIGGER_NOWAIT).
 */
int mmb_irq_raise_nowait(int fd);

/* Periodic interrupts every @period_ns; 0 stops them. */
int mmb_irq_timer(int fd, uint64_t period_ns);

int mmb_stream_fetch(int sfd, void *buf, size_t len, struct mmb_frame *frame);

/*
 * Compare a frame with what the device sent for sequence number @seq
 * (the pattern of MMB_IOC_STREAM_SETUP): -1 when exact, else the first
 * wrong offset.
 */
long mmb_stream_check(const void *frame, uint64_t size, uint64_t seed,
		      uint64_t pattern_size, uint64_t seq);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mmb_now_ns(void);

/* The page size, from sysconf(_SC_PAGESIZE). */
size_t mmb_page_size(void);

/*
 * Create an object of @size bytes with @placement (MMB_IOC_OBJ_CREATE),
 * its handle in *@h, and map all of it shared, read and write; NULL on
 * failure, errno set.
 */
void *mmb_obj_new(int fd, uint64_t size, uint32_t placement, uint32_t *h);

#endif /* MMB_TEST_H */
