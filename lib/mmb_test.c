// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The test interface's calls (lib/mmb_test.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "include/mmbridge.h"
#include "mmb_test.h"

static int mmb_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int mmb_irq_trigger(int fd, uint32_t count, uint32_t *raised)
{
	struct mmb_irq_trigger t = {
		.argsz = sizeof(t),
		.count = count,
	};
	int ret = mmb_ioctl(fd, MMB_IOC_IRQ_TRIGGER, &t);

	if (raised)
		*raised = t.raised;
	return ret;
}

int mmb_irq_raise_nowait(int fd)
{
	struct mmb_irq_trigger t = {
		.argsz = sizeof(t),
		.flags = MMB_IRQ_TRIGGER_NOWAIT,
		.count = 1,
	};

	return mmb_ioctl(fd, MMB_IOC_IRQ_TRIGGER, &t);
}

int mmb_irq_timer(int fd, uint64_t period_ns)
{
	struct mmb_irq_timer t = {
		.argsz = sizeof(t),
		.period_ns = period_ns,
	};

	return mmb_ioctl(fd, MMB_IOC_IRQ_TIMER, &t);
}

int mmb_stream_fetch(int sfd, void *buf, size_t len, struct mmb_frame *frame)
{
	struct mmb_stream_fetch fe = {
		.argsz = sizeof(fe),
		.user_addr = (uintptr_t)buf,
		.length = len,
	};
	int ret = mmb_ioctl(sfd, MMB_IOC_STREAM_FETCH, &fe);

	if (!ret && frame)
		*frame = fe.frame;
	return ret;
}

long mmb_stream_check(const void *frame, uint64_t size, uint64_t seed,
		      uint64_t pattern_size, uint64_t seq)
{
	const uint8_t *p = frame;
	uint64_t src = (seq * (size + 64)) % pattern_size, o = 0;

	while (o < size) {
		/* Whole words while aligned and not at the pattern's end. */
		if (!(src & 7) && src + 8 <= pattern_size && o + 8 <= size) {
			uint64_t w = mmb_gen_word(seed, src / 8), got;

			memcpy(&got, p + o, 8);
			if (got != w)
				break;
			o += 8;
			src += 8;
		} else {
			uint64_t w = mmb_gen_word(seed, src / 8);

			if (p[o] != (uint8_t)(w >> (8 * (src & 7))))
				return o;
			o++;
			src++;
		}
		if (src == pattern_size)
			src = 0;
	}
	if (o >= size)
		return -1;
	/* Find the byte inside the bad word. */
	for (;; o++, src++) {
		uint64_t w = mmb_gen_word(seed, src / 8);

		if (p[o] != (uint8_t)(w >> (8 * (src & 7))))
			return o;
	}
}

uint64_t mmb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

size_t mmb_page_size(void)
{
	static size_t pg;

	if (!pg)
		pg = sysconf(_SC_PAGESIZE);
	return pg;
}

void *mmb_obj_new(int fd, uint64_t size, uint32_t placement, uint32_t *h)
{
	uint64_t off;
	int r = mmb_obj_create(fd, size, placement, h, &off);

	if (r) {
		errno = -r;
		return NULL;
	}
	return mmb_obj_map(fd, off, size);
}
