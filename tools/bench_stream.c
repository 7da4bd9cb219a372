// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench stream: frames from the soft device's DMA engine (the
 * kernel thread mmb-soft-dma copying from device memory), a ring of 16
 * frames, delivered four ways by the same engine.  In every mode the
 * consumer checksums every frame it receives and compares the checksum
 * with the one the stream's pattern gives for the frame's sequence number
 * (a wrong frame, a torn one or a missing one stops the section); so
 * every mode touches every byte once more after the device wrote it:
 *   zero_copy  the engine writes into the process's pinned frames; one
 *              read() returns the records of every frame ready, the
 *              consumer checksums them in place, one write() hands them
 *              all back
 *   ring       the engine writes a kernel ring the process has mapped
 *              read-only (the design most drivers use); read(), checksums
 *              in place, write(), as zero copy
 *   bounce     the engine writes kernel buffers; read() copies a frame
 *              out (one per call) and hands its buffer back, the consumer
 *              checksums the copy
 *   dmabuf     zero copy into dma-bufs (MMB_STREAM_DMABUF): one buffer of
 *              the system dma-heap per frame (udmabuf's, or a mmbridge
 *              object's export, where the kernel has no heap), each mapped
 *              by the consumer, which checksums a frame in place between
 *              DMA_BUF_IOCTL_SYNC start and end, as a dma-buf's CPU user
 *              must; read() and write() as zero copy
 *   naive      the design zero copy replaces: a kernel thread of the
 *              stream polls the engine and feeds it 256 KiB transfers; a
 *              signal per frame, whose handler calls the fetch ioctl
 *              (which copies the frame out) and checksums the copy, while
 *              the main thread waits in sigsuspend()
 * and three references:
 *   memcpy     memcpy() of the zero-copy frames (the stream's own frames,
 *              as the device left them) into one buffer, frame after
 *              frame: the bandwidth the acquisition rate is scaled to
 *   checksum   the consumer's checksum alone, over the same frames: the
 *              ceiling of any mode here
 *   engine     a zero-copy stream whose consumer hands every frame back
 *              unread: what the engine delivers, the ceiling of any mode
 *              on this device
 * MB/s of frames reaching the process (10^6 bytes per second), and the CPU
 * each costs per GB (machine-wide busy CPU, and the consumer process's
 * own).  Samples of about 0.4 s (at least 64 frames at 1 MiB and 64 KiB,
 * at least 16 at the sweep's other sizes, which naive moves at a few tens
 * of MB/s); 9 repeats at 1 MiB and 64 KiB frames, 3 at the other sizes of
 * the frame-size sweep (16 KiB to 4 MiB), the order of the seven variants
 * rotated in every repeat; a warm-up run of each variant sizes its
 * samples.
 *
 * The acquisition scenario: a zero-copy stream whose frame clock delivers
 * 15% of this run's memcpy bandwidth (at 1 MiB frames), for 10 000 frame
 * periods; the frames the clock had to drop (the engine busy, no free
 * frame, or the clock itself late: a timer in an emulated guest), and the
 * CPUs the consumer used.  Its frame size is chosen for a run of at most
 * about 30 s: a power of two from 64 KiB to 1 MiB (1 MiB when the rate is
 * 350 MB/s or more).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "bench.h"
#include "mmbridge.h"
#include "../lib/mmb_test.h"

#define NFRAMES		16
#define WARM		4
#define SAMPLE_S	0.4	/* a sample's length, about */
#define MIN_FRAMES	64	/* at least, at 1 MiB and 64 KiB */
#define MIN_SWEEP	16	/* at least, at the sweep's other sizes */
#define PROBE_FRAMES	8	/* the warm-up, which sizes the samples */
#define REPEATS		9
#define SWEEP_REPEATS	3
#define SEED		0x5eedULL
#define ACQ_TICKS	10000
#define ACQ_SECONDS	30.0

enum { V_ZERO, V_RING, V_BOUNCE, V_NAIVE, V_MEMCPY, V_CSUM, V_ENGINE,
       V_DMABUF, NVAR };

static const char *const var_name[NVAR] = {
	"zero_copy", "ring", "bounce", "naive", "memcpy", "checksum", "engine",
	"dmabuf",
};

/* Frame sizes: the two of the headline figures first, then the sweep. */
static const struct {
	size_t size;
	const char *tag;
	int repeats;
} sizes[] = {
	{ 1UL << 20, "1m", REPEATS },	  { 64UL << 10, "64k", REPEATS },
	{ 16UL << 10, "16k", SWEEP_REPEATS }, { 256UL << 10, "256k", SWEEP_REPEATS },
	{ 4UL << 20, "4m", SWEEP_REPEATS },
};

#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

/*
 * The checksum, Fletcher's over the frame's n 64-bit words: s1 = the sum
 * of the words, s2 = the sum of the running s1, so word j weighs n - j
 * and the right bytes in the wrong order are caught too.  Plain 64-bit
 * adds: under QEMU's emulation the fastest way found to read every byte
 * (SSE2 lanes ran at a third of its speed).
 */
struct csum {
	uint64_t s1, s2;
};

static struct csum checksum(const void *frame, size_t bytes)
{
	const uint64_t *w = frame;
	uint64_t a = 0, b = 0;
	size_t i, n = bytes / sizeof(*w);

#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		a += w[i];
		b += a;
	}
	return (struct csum){ a, b };
}

/*
 * Expected checksums from the pattern (see MMB_IOC_STREAM_SETUP): byte o
 * of frame q is P[(q * (size + 64) + o) % W], P the generator's bytes,
 * so frame q's words are generator words from word (q * (size + 64) % W)
 * / 8 on, wrapping at W / 8.  Frames start and wrap at multiples of 64
 * bytes: prefix sums per 8 words give any frame's checksum at once.
 * With g the pattern word index, p1[k] = sum of w(g) and p2[k] = sum of
 * g * w(g) over g < 8 k.
 */
struct expect {
	uint64_t pattern;	/* W */
	uint64_t *p1, *p2;	/* W / 64 + 1 each */
};

static int expect_init(struct expect *e, uint64_t pattern)
{
	uint64_t blocks = pattern / 64, k, g, s1 = 0, s2 = 0;

	e->pattern = pattern;
	e->p1 = malloc((blocks + 1) * sizeof(uint64_t));
	e->p2 = malloc((blocks + 1) * sizeof(uint64_t));
	if (!e->p1 || !e->p2 || pattern % 64)
		return -ENOMEM;
	for (k = 0; k < blocks; k++) {
		e->p1[k] = s1;
		e->p2[k] = s2;
		for (g = 8 * k; g < 8 * k + 8; g++) {
			uint64_t w = mmb_gen_word(SEED, g);

			s1 += w;
			s2 += g * w;
		}
	}
	e->p1[blocks] = s1;
	e->p2[blocks] = s2;
	return 0;
}

static struct csum expect_frame(const struct expect *e, size_t size,
				uint64_t seq)
{
	uint64_t words = e->pattern / 8, n = size / 8;
	uint64_t g = (seq * (size + 64)) % e->pattern / 8, j = 0;
	struct csum c = { 0, 0 };

	while (j < n) {
		uint64_t len = n - j < words - g ? n - j : words - g;
		uint64_t d1 = e->p1[(g + len) / 8] - e->p1[g / 8];
		uint64_t d2 = e->p2[(g + len) / 8] - e->p2[g / 8];

		/* Word g' of this piece is word j + g' - g: weight n - that. */
		c.s1 += d1;
		c.s2 += (n - j + g) * d1 - d2;
		j += len;
		g = (g + len) % words;
	}
	return c;
}

struct stream_ctx {
	int dev;
	struct expect exp;
	uint8_t *frames;	/* zero copy: NFRAMES of the largest size */
	uint8_t *buf;		/* bounce, naive, memcpy: destination */
	size_t size;		/* this run's frame size */
	uint64_t next_seq;	/* the sequence number the consumer expects */
	uint64_t bad;		/* frames with a wrong checksum or number */
	uint64_t first_bad;	/* the first one's sequence number */
	const char *error;
	int dmabuf[NFRAMES];	/* dmabuf: a buffer per frame */
	uint8_t *dmamap[NFRAMES]; /* its mapping */
};

/* Frame @seq, delivered at @p: the one expected, with the right bytes. */
static void verify(struct stream_ctx *c, const void *p, uint64_t seq)
{
	struct csum got = checksum(p, c->size);
	struct csum want = expect_frame(&c->exp, c->size, seq);

	if (seq != c->next_seq || got.s1 != want.s1 || got.s2 != want.s2) {
		if (!c->bad++)
			c->first_bad = seq;
	}
	c->next_seq = seq + 1;
}

/* Naive: the signal handler is the consumer's callback. */
static struct {
	struct stream_ctx *c;
	int sfd;
	volatile sig_atomic_t taken;
	volatile sig_atomic_t err;
} naive;

static void naive_frame(int sig)
{
	struct stream_ctx *c = naive.c;
	struct mmb_frame fr;
	int saved = errno, r;

	r = mmb_stream_fetch(naive.sfd, c->buf, c->size, &fr);
	if (r)
		naive.err = r;
	else
		verify(c, c->buf, fr.seq);
	naive.taken++;
	errno = saved;
}

/*
 * Zero copy and ring: every frame ready, with one read() (the records of
 * up to NFRAMES frames), each checked in place, all handed back with one
 * write().  @base is where frame 0 is.  The number of frames, or -errno.
 */
static int take_in_place(struct stream_ctx *c, int sfd, const uint8_t *base,
			 bool check)
{
	struct mmb_frame fr[NFRAMES];
	uint32_t idx[NFRAMES];
	ssize_t got = read(sfd, fr, sizeof(fr));
	int n = got / (ssize_t)sizeof(fr[0]), i;

	if (got < (ssize_t)sizeof(fr[0]))
		return got < 0 ? -errno : -EIO;
	for (i = 0; i < n; i++) {
		if (check)
			verify(c, base + (size_t)fr[i].index * c->size,
			       fr[i].seq);
		idx[i] = fr[i].index;
	}
	if (write(sfd, idx, n * sizeof(idx[0])) != (ssize_t)(n * sizeof(idx[0])))
		return -errno;
	return n;
}

/* The dma-buf frames as take_in_place() takes the others. */
static int take_dmabuf(struct stream_ctx *c, int sfd)
{
	struct mmb_frame fr[NFRAMES];
	uint32_t idx[NFRAMES];
	ssize_t got = read(sfd, fr, sizeof(fr));
	int n = got / (ssize_t)sizeof(fr[0]), i;
	struct dma_buf_sync sy;

	if (got < (ssize_t)sizeof(fr[0]))
		return got < 0 ? -errno : -EIO;
	for (i = 0; i < n; i++) {
		int b = c->dmabuf[fr[i].index];

		sy.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
		if (ioctl(b, DMA_BUF_IOCTL_SYNC, &sy))
			return -errno;
		verify(c, c->dmamap[fr[i].index], fr[i].seq);
		sy.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
		if (ioctl(b, DMA_BUF_IOCTL_SYNC, &sy))
			return -errno;
		idx[i] = fr[i].index;
	}
	if (write(sfd, idx, n * sizeof(idx[0])) != (ssize_t)(n * sizeof(idx[0])))
		return -errno;
	return n;
}

/* A dma-buf of @len: the system heap's, else udmabuf's, else an object's. */
static int dmabuf_alloc(int dev, size_t len)
{
	struct dma_heap_allocation_data d = { .len = len,
					      .fd_flags = O_RDWR | O_CLOEXEC };
	struct udmabuf_create uc = { .flags = UDMABUF_FLAGS_CLOEXEC,
				     .size = len };
	int h = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC), fd = -1;
	uint64_t off;
	uint32_t oh;

	if (h >= 0) {
		fd = ioctl(h, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
		close(h);
		return fd;
	}
	h = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (h >= 0) {
		int mfd = memfd_create("mmb-bench", MFD_ALLOW_SEALING |
						    MFD_CLOEXEC);

		if (mfd >= 0 && !ftruncate(mfd, len) &&
		    !fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			uc.memfd = mfd;
			fd = ioctl(h, UDMABUF_CREATE, &uc);
		}
		fd = fd < 0 ? -errno : fd;
		if (mfd >= 0)
			close(mfd);
		close(h);
		return fd;
	}
	fd = mmb_obj_create(dev, len, MMB_OBJ_RAM, &oh, &off);
	if (fd)
		return fd;
	fd = mmb_obj_export(dev, oh, MMB_EXPORT_WRITE | MMB_EXPORT_CLOEXEC);
	mmb_obj_destroy(dev, oh);
	return fd;
}

static void dmabufs_free(struct stream_ctx *c)
{
	int i;

	for (i = 0; i < NFRAMES; i++) {
		if (c->dmamap[i])
			munmap(c->dmamap[i], c->size);
		if (c->dmabuf[i] >= 0)
			close(c->dmabuf[i]);
		c->dmamap[i] = NULL;
		c->dmabuf[i] = -1;
	}
}

/* NFRAMES dma-bufs of this run's frame size, mapped; a stream of them. */
static int dmabuf_stream(struct stream_ctx *c)
{
	struct mmb_stream_dmabuf fr[NFRAMES] = { { 0 } };
	void *p;
	int i;

	for (i = 0; i < NFRAMES; i++)
		c->dmabuf[i] = -1;
	for (i = 0; i < NFRAMES; i++) {
		c->dmabuf[i] = dmabuf_alloc(c->dev, c->size);
		if (c->dmabuf[i] < 0)
			return c->dmabuf[i];
		p = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->dmabuf[i], 0);
		if (p == MAP_FAILED)
			return -errno;
		c->dmamap[i] = p;
		fr[i].fd = c->dmabuf[i];
	}
	return mmb_stream_import(c->dev, NFRAMES, c->size, fr, SEED, 0,
				 MMB_EVENT_CLOEXEC);
}

/*
 * Frames to the process, checked, and back to the engine: each mode as
 * its interface allows.  The number of frames, or -errno.
 */
static int take(struct stream_ctx *c, int v, int sfd, const uint8_t *ring)
{
	struct mmb_frame fr;
	sigset_t wait_set;
	ssize_t want;
	int ret;

	switch (v) {
	case V_ZERO:
	case V_ENGINE:
		return take_in_place(c, sfd, c->frames, v == V_ZERO);
	case V_RING:
		return take_in_place(c, sfd, ring, true);
	case V_DMABUF:
		return take_dmabuf(c, sfd);
	case V_BOUNCE:
		/* One frame per read(), which hands its buffer back. */
		want = sizeof(fr) + c->size;
		if (read(sfd, c->buf, want) != want)
			return -EIO;
		memcpy(&fr, c->buf, sizeof(fr));
		verify(c, c->buf + sizeof(fr), fr.seq);
		return 1;
	default:
		/* The handler runs in sigsuspend(); one frame per signal. */
		sigprocmask(SIG_SETMASK, NULL, &wait_set);
		sigdelset(&wait_set, SIGRTMIN);
		ret = naive.taken + 1;
		while (naive.taken < ret && !naive.err)
			sigsuspend(&wait_set);
		return naive.err ? naive.err : 1;
	}
}

struct sample {
	double mbps;
	double cpu_per_gb;		/* machine-wide busy CPU s per GB */
	double consumer_per_gb;		/* this process's CPU s per GB */
};

static void sample_of(struct sample *s, const struct bench_cpu *cpu,
		      double bytes)
{
	s->mbps = bytes / cpu->wall / 1e6;
	s->cpu_per_gb = cpu->machine / (bytes / 1e9);
	s->consumer_per_gb = cpu->process / (bytes / 1e9);
}

/* The references: nothing delivered, the same frames touched. */
static void run_reference(struct stream_ctx *c, int v, int n,
			  struct sample *s)
{
	int i;
	struct bench_cpu cpu;
	uint64_t sink = 0;

	bench_cpu_start(&cpu);
	for (i = 0; i < n; i++) {
		const uint8_t *f = c->frames + (size_t)(i % NFRAMES) * c->size;

		if (v == V_MEMCPY) {
			memcpy(c->buf, f, c->size);
			__asm__ volatile("" : : "r"(c->buf) : "memory");
		} else {
			sink += checksum(f, c->size).s2;
		}
	}
	bench_cpu_stop(&cpu);
	__asm__ volatile("" : : "r"(sink));
	sample_of(s, &cpu, (double)n * c->size);
}

/*
 * A stream of mode @v: set up, started, WARM frames, then the timed ones.
 * 0, -ENOMEM when the kernel buffers cannot be had (large frames), or
 * another -errno (c->error says where).
 */
static int run_stream(struct stream_ctx *c, int v, int n, struct sample *s)
{
	static const uint32_t mode[] = {
		[V_ZERO] = MMB_STREAM_ZERO_COPY, [V_RING] = MMB_STREAM_RING,
		[V_BOUNCE] = MMB_STREAM_BOUNCE, [V_NAIVE] = MMB_STREAM_NAIVE,
		[V_ENGINE] = MMB_STREAM_ZERO_COPY,
	};
	int sfd, i, ret;
	size_t ring_len = NFRAMES * c->size;
	void *frames[NFRAMES];
	uint8_t *ring = NULL;
	struct bench_cpu cpu;
	sigset_t sigs;

	for (i = 0; i < NFRAMES; i++)
		frames[i] = c->frames + (size_t)i * c->size;
	if (v == V_DMABUF)
		sfd = dmabuf_stream(c);
	else
		sfd = mmb_stream_setup(c->dev, mode[v], NFRAMES, c->size,
				       mode[v] == MMB_STREAM_ZERO_COPY ? frames :
									 NULL,
				       SEED, 0, v == V_NAIVE ? SIGRTMIN : 0,
				       MMB_EVENT_CLOEXEC);
	if (sfd < 0) {
		if (v == V_DMABUF)
			dmabufs_free(c);
		c->error = "setup";
		return sfd;
	}
	if (v == V_RING) {
		ring = mmap(NULL, ring_len, PROT_READ, MAP_SHARED, sfd, 0);
		if (ring == MAP_FAILED) {
			close(sfd);
			c->error = "mmap of the ring";
			return -errno;
		}
	}
	naive.c = c;
	naive.sfd = sfd;
	naive.taken = 0;
	naive.err = 0;
	c->next_seq = 0;
	ret = mmb_stream_start(sfd);
	for (i = 0; i < WARM && ret >= 0; i += ret)
		ret = take(c, v, sfd, ring);
	bench_cpu_start(&cpu);
	for (i = 0; i < n && ret >= 0; i += ret)
		ret = take(c, v, sfd, ring);
	bench_cpu_stop(&cpu);
	ret = ret < 0 ? ret : 0;
	mmb_stream_stop(sfd);
	if (ring)
		munmap(ring, ring_len);
	close(sfd);
	if (v == V_DMABUF)
		dmabufs_free(c);
	/* Signals of frames nobody fetched. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGRTMIN);
	while (v == V_NAIVE &&
	       sigtimedwait(&sigs, NULL, &(struct timespec){ 0, 0 }) > 0)
		;
	if (ret) {
		c->error = var_name[v];
		return ret;
	}
	sample_of(s, &cpu, (double)i * c->size);
	return 0;
}

static int run(struct stream_ctx *c, int v, int n, struct sample *s)
{
	if (v == V_MEMCPY || v == V_CSUM) {
		run_reference(c, v, n, s);
		return 0;
	}
	return run_stream(c, v, n, s);
}

static void record_size(struct bench_out *out, int k, struct sample *s[NVAR],
			const bool ok[NVAR], int reps)
{
	double mbps[NVAR][REPEATS], cpu[NVAR][REPEATS], cons[NVAR][REPEATS];
	const char *tag = sizes[k].tag;
	char name[64];
	int v, r;

	for (v = 0; v < NVAR; v++) {
		for (r = 0; r < reps; r++) {
			mbps[v][r] = s[v][r].mbps;
			cpu[v][r] = s[v][r].cpu_per_gb;
			cons[v][r] = s[v][r].consumer_per_gb;
		}
		if (!ok[v])
			continue;
		bench_point(out, "stream_frame_size", "bytes", "MB/s",
			    var_name[v], sizes[k].size, mbps[v], reps);
		bench_point(out, "stream_frame_size_cpu", "bytes",
			    "consumer CPU s per GB", var_name[v],
			    sizes[k].size, cons[v], reps);
		if (sizes[k].repeats != REPEATS)
			continue;
		snprintf(name, sizeof(name), "stream_%s_mbps_%s", var_name[v],
			 tag);
		bench_samples(out, name, mbps[v], reps);
		snprintf(name, sizeof(name), "stream_%s_cpu_s_per_gb_%s",
			 var_name[v], tag);
		bench_samples(out, name, cpu[v], reps);
		snprintf(name, sizeof(name), "stream_%s_consumer_cpu_s_per_gb_%s",
			 var_name[v], tag);
		bench_samples(out, name, cons[v], reps);
	}
	if (sizes[k].repeats != REPEATS)
		return;
	snprintf(name, sizeof(name), "ratio_stream_zero_copy_vs_bounce_%s", tag);
	bench_ratio(out, name, mbps[V_ZERO], mbps[V_BOUNCE], reps);
	snprintf(name, sizeof(name), "ratio_stream_zero_copy_vs_ring_%s", tag);
	bench_ratio(out, name, mbps[V_ZERO], mbps[V_RING], reps);
	snprintf(name, sizeof(name), "ratio_stream_zero_copy_vs_naive_%s", tag);
	bench_ratio(out, name, mbps[V_ZERO], mbps[V_NAIVE], reps);
	snprintf(name, sizeof(name), "ratio_stream_zero_copy_vs_memcpy_%s", tag);
	bench_ratio(out, name, mbps[V_ZERO], mbps[V_MEMCPY], reps);
	snprintf(name, sizeof(name), "ratio_stream_zero_copy_vs_engine_%s", tag);
	bench_ratio(out, name, mbps[V_ZERO], mbps[V_ENGINE], reps);
	snprintf(name, sizeof(name), "ratio_stream_bounce_vs_engine_%s", tag);
	bench_ratio(out, name, mbps[V_BOUNCE], mbps[V_ENGINE], reps);
	/* Frames in imported heap buffers against the process's own. */
	snprintf(name, sizeof(name), "ratio_stream_into_dmabuf_vs_zero_copy%s%s",
		 k ? "_" : "", k ? tag : "");
	bench_ratio(out, name, mbps[V_DMABUF], mbps[V_ZERO], reps);
	if (k == 0)
		bench_ratio(out, "ratio_stream_into_dmabuf_vs_zero_copy_cpu_per_gb",
			    cons[V_DMABUF], cons[V_ZERO], reps);
	if (k == 0) {
		double dz[REPEATS], db[REPEATS];

		bench_ratio(out, "ratio_stream_zero_copy_vs_bounce_cpu_per_gb",
			    cons[V_ZERO], cons[V_BOUNCE], reps);
		/* What the delivery costs the consumer, its checksums apart. */
		for (r = 0; r < reps; r++) {
			dz[r] = cons[V_ZERO][r] - cons[V_CSUM][r];
			db[r] = cons[V_BOUNCE][r] - cons[V_CSUM][r];
		}
		bench_ratio(out,
			    "ratio_stream_zero_copy_vs_bounce_cpu_per_gb_beyond_checksum",
			    dz, db, reps);
		bench_ratio(out, "ratio_stream_zero_copy_vs_bounce_machine_cpu_per_gb",
			    cpu[V_ZERO], cpu[V_BOUNCE], reps);
	}
}

/*
 * Every variant at frame size sizes[@k], repeats rotating the order.  A
 * variant's samples are about SAMPLE_S long, as its warm-up says: at
 * least MIN_FRAMES frames at the sizes of the headline figures, and at
 * least MIN_SWEEP at the sweep's others (the naive design moves 4 MiB
 * frames at a few tens of MB/s).
 */
static int measure_size(struct bench_out *out, struct stream_ctx *c, int k,
			int *done, int total)
{
	struct sample samples[NVAR][REPEATS], *s[NVAR];
	int reps = sizes[k].repeats, n[NVAR], least, v, r, ret;
	bool ok[NVAR];

	c->size = sizes[k].size;
	least = reps == REPEATS ? MIN_FRAMES : MIN_SWEEP;
	for (v = 0; v < NVAR; v++) {
		s[v] = samples[v];
		ok[v] = true;
		/* Warm-up; zero copy first fills the frames memcpy reads. */
		ret = run(c, v, PROBE_FRAMES, &samples[v][0]);
		n[v] = ret ? 0 : samples[v][0].mbps * 1e6 * SAMPLE_S / c->size;
		if (n[v] < least)
			n[v] = least;
		if (ret == -ENOMEM && c->size > (1UL << 20)) {
			/* Contiguous kernel buffers of 4 MiB: maybe not. */
			fprintf(stderr, "  bench stream: %s at %zu KiB: no memory, point left out\n",
				var_name[v], c->size >> 10);
			ok[v] = false;
			c->error = NULL;
		} else if (ret) {
			return ret;
		}
	}
	for (r = 0; r < reps; r++) {
		for (v = 0; v < NVAR; v++) {
			int i = (v + r) % NVAR;

			if (!ok[i])
				continue;
			ret = run(c, i, n[i], &samples[i][r]);
			if (ret)
				return ret;
		}
		bench_progress(out, "stream", ++*done * 100 / total);
	}
	record_size(out, k, s, ok, reps);
	return 0;
}

/*
 * The soft device's engine is a kernel thread, mmb-soft-dma, that the
 * scheduler would otherwise place on the consumer's CPU about half the
 * time (the consumer is woken from the engine's completion): the engine
 * on CPU 1 and the consumer on CPU 0 stand for a device with its own DMA
 * engine, in every mode alike.  @pin false undoes it.  Whether it was done.
 */
static bool pin_engine(bool pin)
{
	static cpu_set_t all;	/* ours before, and the engine's */
	cpu_set_t engine, consumer;
	struct dirent *e;
	bool done = false;
	DIR *d;

	if (pin && (sched_getaffinity(0, sizeof(all), &all) ||
		    CPU_COUNT(&all) < 2 || !CPU_ISSET(0, &all) ||
		    !CPU_ISSET(1, &all)))
		return false;
	CPU_ZERO(&engine);
	CPU_ZERO(&consumer);
	CPU_SET(1, &engine);
	CPU_SET(0, &consumer);
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		char path[64], comm[32] = "";
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strcmp(comm, "mmb-soft-dma\n"))
			done = !sched_setaffinity(atoi(e->d_name),
						  sizeof(engine),
						  pin ? &engine : &all);
		fclose(f);
	}
	if (d)
		closedir(d);
	if (done)
		sched_setaffinity(0, sizeof(consumer), pin ? &consumer : &all);
	return done;
}

/*
 * The acquisition scenario, zero copy: the frame clock at @rate MB/s for
 * ACQ_TICKS periods.  The consumer reads, checks and hands back each
 * frame; the stream's status is read every 256 frames, and every frame
 * near the end, to stop at ACQ_TICKS ticks.  The most frames one read()
 * returned tells whether the ring ever ran full.  The consumer's CPU is
 * measured from the first period to the stop (the start loads the
 * device's pattern in the caller), and the part of it its checksums take.
 */
static int acquisition(struct bench_out *out, struct stream_ctx *c,
		       double rate)
{
	struct mmb_stream_status st;
	double want = rate * 1e6 * ACQ_SECONDS / ACQ_TICKS;
	void *frames[NFRAMES];
	struct bench_cpu cpu;
	uint64_t period, n = 0, check = 256, missed = 0;
	uint32_t idx[NFRAMES];
	struct mmb_frame fr[NFRAMES];
	double sum_s = 0, t;
	int sfd, i, k, backlog = 0, ret;

	for (c->size = 1UL << 20; c->size > (64UL << 10) && c->size > want;)
		c->size /= 2;
	period = (uint64_t)(c->size * 1e3 / rate);
	if (period < MMB_STREAM_PERIOD_MIN_NS)
		period = MMB_STREAM_PERIOD_MIN_NS;
	for (i = 0; i < NFRAMES; i++)
		frames[i] = c->frames + (size_t)i * c->size;
	sfd = mmb_stream_setup(c->dev, MMB_STREAM_ZERO_COPY, NFRAMES, c->size,
			       frames, SEED, period, 0, MMB_EVENT_CLOEXEC);
	if (sfd < 0) {
		c->error = "acquisition setup";
		return sfd;
	}
	c->next_seq = 0;
	ret = mmb_stream_start(sfd);
	bench_cpu_start(&cpu);
	while (!ret) {
		/* As take_in_place(), with the checksums timed. */
		ssize_t got = read(sfd, fr, sizeof(fr));

		if (got < (ssize_t)sizeof(fr[0])) {
			ret = got < 0 ? -errno : -EIO;
			break;
		}
		k = got / sizeof(fr[0]);
		backlog = k > backlog ? k : backlog;
		for (i = 0; i < k; i++) {
			/* The clock's drops are not delivered: no gap check. */
			c->next_seq = fr[i].seq;
			t = bench_now();
			verify(c, c->frames + (size_t)fr[i].index * c->size,
			       fr[i].seq);
			sum_s += bench_now() - t;
			idx[i] = fr[i].index;
		}
		if (write(sfd, idx, k * sizeof(idx[0])) !=
		    (ssize_t)(k * sizeof(idx[0]))) {
			ret = -errno;
			break;
		}
		/* Ticks so far: at least seq + 1 + what was missed before. */
		n += k;
		if (n < check && fr[k - 1].seq + missed + 300 < ACQ_TICKS)
			continue;
		check = n + 256;
		ret = mmb_stream_status(sfd, &st);
		if (!ret && st.ticks >= ACQ_TICKS)
			break;
		missed = st.ticks - st.produced;
	}
	bench_cpu_stop(&cpu);
	if (!ret)
		ret = mmb_stream_stop(sfd);
	if (!ret)
		ret = mmb_stream_status(sfd, &st);
	close(sfd);
	if (ret) {
		c->error = "acquisition";
		return ret;
	}
	bench_figure(out, "acquisition_rate_mbps", rate);
	bench_figure(out, "acquisition_frame_kib", c->size >> 10);
	bench_figure(out, "acquisition_period_us", period / 1e3);
	bench_figure(out, "acquisition_ticks", st.ticks);
	bench_figure(out, "acquisition_frames", st.produced);
	bench_figure(out, "acquisition_drops", st.dropped);
	bench_figure(out, "acquisition_drops_late_clock", st.late);
	bench_figure(out, "acquisition_max_backlog", backlog);
	bench_figure(out, "acquisition_consumer_cpu", cpu.process / cpu.wall);
	bench_figure(out, "acquisition_consumer_checksum_cpu", sum_s / cpu.wall);
	bench_figure(out, "acquisition_machine_cpu", cpu.machine / cpu.wall);
	bench_figure(out, "acquisition_kthreads_cpu", cpu.kthreads / cpu.wall);
	return 0;
}

int bench_stream(struct bench_out *out)
{
	struct stream_ctx c = { 0 };
	struct mmb_stream_status st;
	size_t max = 0, k;
	int total = 0, done = 0, sfd, ret;
	const struct bench_fig *mc;

	c.dev = mmb_open("soft0", 0);
	if (c.dev < 0) {
		fprintf(stderr, "bench stream: no soft0 (%s)\n",
			strerror(-c.dev));
		return c.dev;
	}
	for (k = 0; k < NSIZES; k++) {
		if (sizes[k].size > max)
			max = sizes[k].size;
		total += sizes[k].repeats;
	}
	c.frames = mmap(NULL, NFRAMES * max, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	c.buf = malloc(sizeof(struct mmb_frame) + max);
	if (c.frames == MAP_FAILED || !c.buf)
		return -ENOMEM;
	memset(c.buf, 0, sizeof(struct mmb_frame) + max);

	/* The pattern's size W is the device's: any stream tells. */
	sfd = mmb_stream_setup(c.dev, MMB_STREAM_BOUNCE, 1, 4096, NULL, SEED, 0,
			       0, MMB_EVENT_CLOEXEC);
	ret = sfd < 0 ? sfd : mmb_stream_status(sfd, &st);
	if (sfd >= 0)
		close(sfd);
	if (!ret)
		ret = expect_init(&c.exp, st.pattern_size);
	if (ret) {
		fprintf(stderr, "bench stream: pattern: %s\n", strerror(-ret));
		return ret;
	}

	/* The naive consumer's callback; blocked outside sigsuspend(). */
	{
		struct sigaction sa = { .sa_handler = naive_frame };
		sigset_t sigs;

		sigemptyset(&sigs);
		sigaddset(&sigs, SIGRTMIN);
		sigprocmask(SIG_BLOCK, &sigs, NULL);
		sigaction(SIGRTMIN, &sa, NULL);
	}
	bench_figure(out, "stream_engine_pinned", pin_engine(true));
	for (k = 0; k < NSIZES && !ret && !c.bad; k++)
		ret = measure_size(out, &c, k, &done, total);
	mc = bench_find(out, "stream_memcpy_mbps_1m");
	if (!ret && !c.bad && mc)
		ret = acquisition(out, &c, mc->value * 0.15);
	signal(SIGRTMIN, SIG_DFL);
	pin_engine(false);
	if (c.bad) {
		fprintf(stderr, "bench stream: %llu frames of %zu bytes wrong (the first: sequence number %llu)\n",
			(unsigned long long)c.bad, c.size,
			(unsigned long long)c.first_bad);
		ret = -EIO;
	} else if (ret) {
		fprintf(stderr, "bench stream: %s at %zu bytes failed: %s\n",
			c.error ? c.error : "?", c.size, strerror(-ret));
	}
	munmap(c.frames, NFRAMES * max);
	free(c.buf);
	free(c.exp.p1);
	free(c.exp.p2);
	close(c.dev);
	return ret;
}
