// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench stream: frames from the soft device's DMA engine, 16
 * frames of 1 MiB, delivered three ways by the same engine:
 *   zero_copy  the engine writes into the process's pinned frames; read()
 *              returns which frame is ready, write() hands it back
 *   bounce     the engine writes kernel buffers; read() copies a frame out
 *   naive      the seed's design: a signal per frame, then an ioctl that
 *              copies the frame out
 * MB/s of frames reaching the process, 10^6 bytes per second, medians of
 * repeats with the variants alternating.  memcpy_user_mbps comes from the
 * copy section when it ran in the same process, else it is measured here.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mmbridge.h"

#define NFRAMES		16
#define FRAME		(1UL << 20)
#define WARM		4
#define TIMED		48
#define REPEATS		5

enum { V_ZERO, V_BOUNCE, V_NAIVE, NVAR };

static const char *const var_name[NVAR] = { "zero_copy", "bounce", "naive" };

struct stream_ctx {
	int dev;
	uint8_t *frames;		/* zero copy: 16 MiB, populated */
	uint8_t *buf;			/* bounce, naive: destination */
	sigset_t sigs;
	const char *error;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One frame to the process and back to the engine; 0 or -errno. */
static int take(struct stream_ctx *c, int v, int sfd)
{
	struct mmb_frame fr;
	siginfo_t si;
	int ret;

	switch (v) {
	case V_ZERO:
		ret = mmb_stream_next(sfd, &fr);
		return ret ? ret : mmb_stream_release(sfd, fr.index);
	case V_BOUNCE:
		return read(sfd, c->buf, sizeof(fr) + FRAME) ==
		       (ssize_t)(sizeof(fr) + FRAME) ? 0 : -EIO;
	default:
		if (sigwaitinfo(&c->sigs, &si) < 0)
			return -errno;
		return mmb_stream_fetch(sfd, c->buf, FRAME, NULL);
	}
}

static double run(struct stream_ctx *c, int v)
{
	void *frames[NFRAMES];
	double t0, t1;
	int sfd, i, ret = 0;

	for (i = 0; i < NFRAMES; i++)
		frames[i] = c->frames + i * FRAME;
	sfd = mmb_stream_setup(c->dev, v == V_ZERO ? MMB_STREAM_ZERO_COPY :
			       v == V_BOUNCE ? MMB_STREAM_BOUNCE :
			       MMB_STREAM_NAIVE, NFRAMES, FRAME,
			       v == V_ZERO ? frames : NULL, 1, 0,
			       v == V_NAIVE ? SIGRTMIN : 0, MMB_EVENT_CLOEXEC);
	if (sfd < 0) {
		c->error = "setup";
		return 0;
	}
	ret = mmb_stream_start(sfd);
	for (i = 0; i < WARM && !ret; i++)
		ret = take(c, v, sfd);
	t0 = now_s();
	for (i = 0; i < TIMED && !ret; i++)
		ret = take(c, v, sfd);
	t1 = now_s();
	mmb_stream_stop(sfd);
	close(sfd);
	/* Signals of frames nobody fetched. */
	while (v == V_NAIVE && sigtimedwait(&c->sigs, NULL,
					    &(struct timespec){ 0, 0 }) > 0)
		;
	if (ret) {
		c->error = var_name[v];
		return 0;
	}
	return TIMED * (double)FRAME / (t1 - t0) / 1e6;
}

static double memcpy_mbps(struct stream_ctx *c)
{
	double v[REPEATS], t0;
	int r, i;

	for (r = 0; r < REPEATS; r++) {
		t0 = now_s();
		for (i = 0; i < TIMED; i++) {
			memcpy(c->buf, c->frames + (i % NFRAMES) * FRAME, FRAME);
			__asm__ volatile("" : : "r"(c->buf) : "memory");
		}
		v[r] = TIMED * (double)FRAME / (now_s() - t0) / 1e6;
	}
	return bench_median(v, REPEATS);
}

int bench_stream(struct bench_out *out)
{
	double v[NVAR][REPEATS], med[NVAR], mc = 0;
	struct stream_ctx c = { 0 };
	int r, k, i;

	c.dev = mmb_open("soft0", 0);
	if (c.dev < 0) {
		fprintf(stderr, "bench stream: no soft0 (%s)\n",
			strerror(-c.dev));
		return c.dev;
	}
	c.frames = mmap(NULL, NFRAMES * FRAME, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	c.buf = malloc(sizeof(struct mmb_frame) + FRAME);
	if (c.frames == MAP_FAILED || !c.buf)
		return -ENOMEM;
	memset(c.buf, 0, sizeof(struct mmb_frame) + FRAME);
	sigemptyset(&c.sigs);
	sigaddset(&c.sigs, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &c.sigs, NULL);

	for (k = 0; k < NVAR; k++)	/* warm-up */
		run(&c, k);
	for (r = 0; r < REPEATS && !c.error; r++) {
		for (k = 0; k < NVAR; k++) {
			int idx = (k + r) % NVAR;

			v[idx][r] = run(&c, idx);
		}
		bench_progress(out, "stream", (r + 1) * 100 / REPEATS);
	}
	sigprocmask(SIG_UNBLOCK, &c.sigs, NULL);
	if (c.error) {
		fprintf(stderr, "bench stream: %s failed\n", c.error);
		return -EIO;
	}
	for (i = 0; i < out->n; i++)
		if (!strcmp(out->fig[i].name, "memcpy_user_mbps"))
			mc = out->fig[i].value;
	if (!mc) {
		mc = memcpy_mbps(&c);
		bench_figure(out, "memcpy_user_mbps", mc);
	}
	for (k = 0; k < NVAR; k++) {
		char name[64];

		med[k] = bench_median(v[k], REPEATS);
		snprintf(name, sizeof(name), "stream_%s_mbps", var_name[k]);
		bench_figure(out, name, med[k]);
	}
	bench_figure(out, "ratio_stream_zero_copy_vs_bounce",
		     med[V_ZERO] / med[V_BOUNCE]);
	bench_figure(out, "ratio_stream_zero_copy_vs_naive",
		     med[V_ZERO] / med[V_NAIVE]);
	bench_figure(out, "ratio_stream_zero_copy_vs_memcpy", med[V_ZERO] / mc);
	munmap(c.frames, NFRAMES * FRAME);
	free(c.buf);
	close(c.dev);
	return 0;
}
