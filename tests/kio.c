// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own asynchronous I/O as test clients use it: Linux aio
 * through its system calls (no libaio needed).
 */
#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

int kaio_setup(unsigned int nr, uint64_t *ctx)
{
	aio_context_t c = 0;

	if (syscall(SYS_io_setup, nr, &c))
		return -errno;
	*ctx = c;
	return 0;
}

void kaio_destroy(uint64_t ctx)
{
	syscall(SYS_io_destroy, (aio_context_t)ctx);
}

/* Submit one IOCB_CMD_PREAD (@nr_vec 0) or IOCB_CMD_PREADV. */
int kaio_read(uint64_t ctx, struct iocb *cb, int fd, const void *buf,
	      size_t len, int nr_vec, uint64_t off, uint64_t data)
{
	struct iocb *cbs[1] = { cb };

	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = nr_vec ? IOCB_CMD_PREADV : IOCB_CMD_PREAD;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = nr_vec ? (uint64_t)nr_vec : len;
	cb->aio_offset = off;
	cb->aio_data = data;
	if (syscall(SYS_io_submit, (aio_context_t)ctx, 1L, cbs) != 1)
		return -errno;
	return 0;
}

/* Between @min and @max completions within @timeout_ms: a count or -errno. */
int kaio_reap(uint64_t ctx, int min, int max, struct io_event *ev,
	      int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	long n = syscall(SYS_io_getevents, (aio_context_t)ctx, (long)min,
			 (long)max, ev, &ts);

	return n < 0 ? -errno : (int)n;
}

/* io_cancel(): 0 if the request's cancellation is under way, or -errno. */
int kaio_cancel(uint64_t ctx, struct iocb *cb)
{
	struct io_event ev;

	if (!syscall(SYS_io_cancel, (aio_context_t)ctx, cb, &ev))
		return 0;
	return errno == EINPROGRESS ? 0 : -errno;
}
