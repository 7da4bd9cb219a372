// SPDX-License-Identifier: GPL-2.0
/*
 * stream/: frames streamed by the DMA engine into pinned user buffers
 * (zero copy), into a kernel ring the process maps (ring), and the bounce
 * and naive designs built on the same engine.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"


/* @nr frames of @size back to back in @buf. */
static void frames_of(uint8_t *buf, uint32_t nr, size_t size, void **frames)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		frames[i] = buf + i * size;
}

/*
 * Read @n frames: each is the next sequence number, byte-exact, and goes
 * back at once.  Returns T_PASS or fails.
 */
static int read_exact(int sfd, void **frames, uint64_t size, uint64_t seed,
		      uint64_t *seq, int n)
{
	struct mmb_stream_status st;
	struct mmb_frame fr;
	long bad;
	int i;

	EXPECT_OK(mmb_stream_status(sfd, &st));
	for (i = 0; i < n; i++) {
		EXPECT_OK(mmb_stream_next(sfd, &fr));
		EXPECT(fr.index < st.nr_frames, "index %u", fr.index);
		EXPECT_EQ(fr.seq, *seq);
		EXPECT_EQ(fr.length, size);
		bad = mmb_stream_check(frames[fr.index], size, seed,
				       st.pattern_size, fr.seq);
		EXPECT(bad < 0, "frame %llu (index %u): byte %ld wrong",
		       (unsigned long long)fr.seq, fr.index, bad);
		EXPECT_OK(mmb_stream_release(sfd, fr.index));
		(*seq)++;
	}
	return T_PASS;
}

/* The soft engine fills every frame exactly, in sequence, many times over. */
static int test_soft_frames_exact(void)
{
	const uint32_t nr = 8;
	const size_t size = 256 * 1024;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed(), seq = 0;
	struct mmb_stream_status st;
	struct mmb_info info;
	void *frames[8];
	int fd = dev_open(mmb_dut), sfd, r;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	EXPECT_OK(mmb_info(fd, &info));
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, 0, 0, MMB_EVENT_CLOEXEC);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.running, 0);
	EXPECT_EQ(st.nr_frames, nr);
	EXPECT_EQ(st.frame_size, size);
	/* The window in whole words, at most 4 MiB of it. */
	EXPECT_EQ(st.pattern_size, info.dma_window >= (4 << 20) ?
				   4 << 20 : info.dma_window & ~7U);
	EXPECT_OK(mmb_stream_start(sfd));
	r = read_exact(sfd, frames, size, seed, &seq, 40);
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.running, 0);
	EXPECT_EQ(st.delivered, 40);
	EXPECT_EQ(st.owned, 0);
	EXPECT_EQ(st.errors, 0);
	EXPECT_EQ(st.produced, st.delivered + st.ready);
	EXPECT_EQ(st.dropped, 0);
	close(sfd);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

/* edu's engine DMAs from its device buffer into the user's pages. */
static int test_edu_dma_into_user(void)
{
	const uint32_t nr = 2;
	const size_t size = 2 * PG;
	uint8_t *buf = map_anon(nr * size + PG, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed(), seq = 0;
	struct mmb_stream_status st;
	void *frames[2];
	int fd = dev_open("edu0"), sfd, r;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	/* Frames apart, and in reverse order. */
	frames[0] = buf + size + PG;
	frames[1] = buf;
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	r = read_exact(sfd, frames, size, seed, &seq, 3);
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.errors, 0);
	EXPECT(st.sg_entries >= 2 && st.sg_entries <= 4, "%llu sg entries",
	       (unsigned long long)st.sg_entries);
	close(sfd);
	close(fd);
	return T_PASS;
}

/*
 * A physically contiguous buffer (a 2 MiB huge page) becomes one
 * scatter-gather entry per frame.
 */
static int test_sg_merges_contiguous(void)
{
	const size_t huge = 2UL << 20, size = huge / 2;
	uint64_t seed = test_seed(), seq = 0;
	char old[32];
	struct mmb_stream_status st;
	void *frames[2], *p;
	int fd = dev_open(mmb_dut), sfd, r;

	EXPECT_OK(fd);
	EXPECT_OK(read_line("/proc/sys/vm/nr_hugepages", old, sizeof(old)));
	if (write_str("/proc/sys/vm/nr_hugepages", "1"))
		SKIP("no hugetlb pages");
	p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		write_str("/proc/sys/vm/nr_hugepages", old);
		SKIP("no 2 MiB huge page: %s", strerror(errno));
	}
	frames_of(p, 2, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 2, size, frames,
			       seed, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.sg_entries, 2);
	EXPECT_OK(mmb_stream_start(sfd));
	r = read_exact(sfd, frames, size, seed, &seq, 6);
	if (r != T_PASS)
		return r;
	close(sfd);
	munmap(p, huge);
	write_str("/proc/sys/vm/nr_hugepages", old);
	close(fd);
	return T_PASS;
}

/*
 * A process that reads nothing: the clock keeps ticking, each frame it
 * cannot start is dropped and counted, and the frames that were filled
 * are whole and in order.
 */
static int test_overrun_counted(void)
{
	const uint32_t nr = 4;
	const size_t size = 16 * PG;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed(), seq = 0;
	struct mmb_stream_status st;
	void *frames[4];
	int fd = dev_open(mmb_dut), sfd, r;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, 2000000, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	usleep(300000);
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.produced, nr);
	EXPECT_EQ(st.ready, nr);
	EXPECT_EQ(st.ticks, st.produced + st.dropped + st.aborted);
	EXPECT(st.dropped >= 10, "only %llu dropped of %llu ticks",
	       (unsigned long long)st.dropped, (unsigned long long)st.ticks);
	r = read_exact(sfd, frames, size, seed, &seq, nr);
	if (r != T_PASS)
		return r;
	close(sfd);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * A frame clock paces the engine: a frame starts at a tick and only then,
 * also when the consumer hands frames back at once; and every period
 * between start and stop is a tick, one the clock ran too late for
 * included (it is dropped, and counted as late).
 */
static int test_frame_clock_exact(void)
{
	const uint32_t nr = 4;
	const size_t size = 16 * PG;
	const uint64_t period = 2000000, fast = MMB_STREAM_PERIOD_MIN_NS;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed(), seq = 0, t0, t1, t2, t3, lo, hi;
	struct mmb_stream_status st;
	void *frames[4];
	int fd = dev_open(mmb_dut), sfd, r;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, period, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	/* Each frame back at once: the next one still waits for its tick. */
	r = read_exact(sfd, frames, size, seed, &seq, 50);
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT(st.produced <= st.ticks,
	       "%llu frames produced in %llu ticks of the clock",
	       (unsigned long long)st.produced, (unsigned long long)st.ticks);
	EXPECT_EQ(st.ticks, st.produced + st.dropped + st.aborted);
	EXPECT(st.late <= st.dropped, "%llu late of %llu dropped",
	       (unsigned long long)st.late, (unsigned long long)st.dropped);
	close(sfd);

	/* Nobody reads; a fast clock: every period of the run is a tick. */
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, fast, 0, 0);
	EXPECT_OK(sfd);
	t0 = mono_ns();
	EXPECT_OK(mmb_stream_start(sfd));
	t1 = mono_ns();
	usleep(1000000);
	t2 = mono_ns();
	EXPECT_OK(mmb_stream_stop(sfd));
	t3 = mono_ns();
	EXPECT_OK(mmb_stream_status(sfd, &st));
	lo = (t2 - t1) / fast;
	hi = (t3 - t0) / fast;
	EXPECT(st.ticks >= lo && st.ticks <= hi,
	       "%llu ticks (%llu late) in a run of %llu to %llu periods",
	       (unsigned long long)st.ticks, (unsigned long long)st.late,
	       (unsigned long long)lo, (unsigned long long)hi);
	EXPECT_EQ(st.produced, nr);
	EXPECT_EQ(st.ticks, st.produced + st.dropped + st.aborted);
	EXPECT(st.late <= st.dropped, "%llu late of %llu dropped",
	       (unsigned long long)st.late, (unsigned long long)st.dropped);
	printf("# %llu ticks, %llu late, in %llu to %llu periods\n",
	       (unsigned long long)st.ticks, (unsigned long long)st.late,
	       (unsigned long long)lo, (unsigned long long)hi);
	close(sfd);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

/*
 * A frame the process holds is never written while the engine cycles
 * through the others; it can be handed back once, and only by its owner.
 */
static int test_owned_frame_untouched(void)
{
	const uint32_t nr = 4;
	const size_t size = 16 * PG;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed(), seq;
	struct mmb_stream_status st;
	struct mmb_frame held, fr;
	uint32_t two[2];
	void *frames[4];
	long bad;
	int fd = dev_open(mmb_dut), sfd, i;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_next(sfd, &held));
	seq = held.seq + 1;
	for (i = 0; i < 60; i++) {
		EXPECT_OK(mmb_stream_next(sfd, &fr));
		EXPECT(fr.index != held.index, "held frame delivered again");
		EXPECT_EQ(fr.seq, seq);
		seq++;
		EXPECT_OK(mmb_stream_release(sfd, fr.index));
	}
	bad = mmb_stream_check(frames[held.index], size, seed, st.pattern_size,
			       held.seq);
	EXPECT(bad < 0, "held frame changed at byte %ld", bad);

	/* Not owned, out of range, twice in one write: refused, no effect. */
	EXPECT_ERR(mmb_stream_release(sfd, nr), EINVAL);
	two[0] = held.index;
	two[1] = held.index;
	EXPECT_ERR(write(sfd, two, 8) < 0 ? -errno : 0, EINVAL);
	EXPECT_ERR(write(sfd, two, 3) < 0 ? -errno : 0, EINVAL);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.owned, 1);
	EXPECT_OK(mmb_stream_release(sfd, held.index));
	EXPECT_ERR(mmb_stream_release(sfd, held.index), EINVAL);
	close(sfd);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

/* One frame: a later sequence number than @last, byte-exact, handed back. */
static int read_later(int sfd, void **frames, uint64_t size, uint64_t seed,
		      uint64_t pattern, int64_t *last)
{
	struct mmb_frame fr;
	long bad;

	EXPECT_OK(mmb_stream_next(sfd, &fr));
	EXPECT((int64_t)fr.seq > *last, "seq %llu after %lld",
	       (unsigned long long)fr.seq, (long long)*last);
	bad = mmb_stream_check(frames[fr.index], size, seed, pattern, fr.seq);
	EXPECT(bad < 0, "frame %llu byte %ld", (unsigned long long)fr.seq, bad);
	EXPECT_OK(mmb_stream_release(sfd, fr.index));
	*last = fr.seq;
	return T_PASS;
}

/*
 * Stop waits for the transfer in flight (a frame cut short goes back and
 * is counted), what was ready stays whole, nothing more comes; start
 * continues with later sequence numbers.
 */
static int test_stop_restart(void)
{
	const uint32_t nr = 4;
	const size_t size = 64 * PG;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint64_t seed = test_seed();
	struct mmb_stream_status st;
	struct mmb_frame fr;
	int64_t last = -1;
	void *frames[4];
	int fd = dev_open(mmb_dut), sfd, k, r;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       seed, 0, 0, MMB_EVENT_NONBLOCK);
	EXPECT_OK(sfd);
	EXPECT_ERR(mmb_stream_next(sfd, &fr), EAGAIN);
	for (k = 0; k < 3; k++) {
		EXPECT_OK(mmb_stream_start(sfd));
		EXPECT_ERR(mmb_stream_start(sfd), EBUSY);
		while (mmb_stream_status(sfd, &st) == 0 && st.ready < 2)
			usleep(1000);
		EXPECT_OK(mmb_stream_status(sfd, &st));
		r = read_later(sfd, frames, size, seed, st.pattern_size, &last);
		if (r != T_PASS)
			return r;
		EXPECT_OK(mmb_stream_stop(sfd));
		EXPECT_OK(mmb_stream_status(sfd, &st));
		EXPECT_EQ(st.running, 0);
		EXPECT_EQ(st.produced, st.delivered + st.ready);
		while (st.ready--) {
			r = read_later(sfd, frames, size, seed, st.pattern_size,
				       &last);
			if (r != T_PASS)
				return r;
		}
		EXPECT_ERR(mmb_stream_next(sfd, &fr), EAGAIN);
		usleep(20000);
		EXPECT_ERR(mmb_stream_next(sfd, &fr), EAGAIN);
	}
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.errors, 0);
	EXPECT_EQ(st.owned, 0);
	close(sfd);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

/* Streaming into 8 frames of 256 KiB, one frame held. */
static int midstream_setup(void)
{
	const size_t size = 256 * 1024;
	uint8_t *buf = map_anon(8 * size, PROT_READ | PROT_WRITE);
	int fd = dev_open(mmb_dut), sfd;
	struct mmb_frame fr;
	void *frames[8];

	if (!buf || fd < 0)
		return -1;
	frames_of(buf, 8, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, 8, size, frames, 1,
			       0, 0, 0);
	if (sfd < 0 || mmb_stream_start(sfd) || mmb_stream_next(sfd, &fr))
		return -1;
	return 0;
}

/*
 * A process that exits (or is killed) mid-stream leaves no pins behind,
 * and the device takes a new stream at once.
 */
static int test_exit_midstream(void)
{
	int fd, sfd, r;

	r = exit_and_kill_release(midstream_setup, 8 * 64);
	if (r != T_PASS)
		return r;
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	sfd = mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG, NULL, 1, 0, 0, 0);
	EXPECT_OK(sfd);
	close(sfd);
	close(fd);
	return T_PASS;
}

/* Every bad setup gets its exact error, and nothing stays pinned. */
static int test_bad_setup(void)
{
	uint8_t *rw = map_anon(8 * PG, PROT_READ | PROT_WRITE);
	uint8_t *ro = map_anon(2 * PG, PROT_READ);
	uint8_t *gone = map_anon(2 * PG, PROT_READ | PROT_WRITE);
	struct mmb_stream_setup ss = { .argsz = sizeof(ss) };
	void *f2[2] = { NULL, NULL }, *f1[1];
	struct pins p0, p1;
	int fd = dev_open(mmb_dut), sfd, ivs;

	EXPECT_OK(fd);
	EXPECT(rw && ro && gone, "mmap");
	EXPECT_OK(munmap(gone, 2 * PG) ? -errno : 0);
	p0 = pins_now();
	f2[0] = rw;
	f2[1] = rw + 2 * PG;
#define SETUP(mode, nr, size, frames, period, sig)			\
	mmb_stream_setup(fd, mode, nr, size, frames, 1, period, sig, 0)
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 0, PG, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 65, PG, NULL, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, 0, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, PG + 1, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, MMB_STREAM_MAX_FRAME + PG,
			 f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(4, 2, PG, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_RING, 2, PG, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_RING, 2, PG, NULL, 0, SIGUSR1), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_RING, 1, MMB_STREAM_MAX_FRAME, NULL, 0, 0),
		   ENOMEM);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, PG, NULL, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_BOUNCE, 2, PG, f2, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, PG, f2, 0, SIGUSR1), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_NAIVE, 2, PG, NULL, 0, 0), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_NAIVE, 2, PG, NULL, 0, 65), EINVAL);
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, PG, f2, 1000, 0), EINVAL);
	f1[0] = rw + 100;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, PG, f1, 0, 0), EINVAL);
	f1[0] = (void *)-PG;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, 2 * PG, f1, 0, 0),
		   EOVERFLOW);
	f1[0] = gone;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, PG, f1, 0, 0), EFAULT);
	f1[0] = ro;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, 2 * PG, f1, 0, 0), EFAULT);
	f1[0] = (void *)0xffff888000000000ULL;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 1, PG, f1, 0, 0), EFAULT);
	/* The second frame is bad: the first one's pin is undone. */
	f2[1] = ro;
	EXPECT_ERR(SETUP(MMB_STREAM_ZERO_COPY, 2, PG, f2, 0, 0), EFAULT);
	ss.mode = MMB_STREAM_BOUNCE;
	ss.nr_frames = 1;
	ss.frame_size = PG;
	ss.reserved = 1;
	EXPECT_ERR(xioctl(fd, MMB_IOC_STREAM_SETUP, &ss), EINVAL);
	ss.reserved = 0;
	ss.flags = 4;
	EXPECT_ERR(xioctl(fd, MMB_IOC_STREAM_SETUP, &ss), EINVAL);

	/* Contiguous bounce frames beyond the page allocator: -ENOMEM, quietly. */
	EXPECT_ERR(SETUP(MMB_STREAM_BOUNCE, 1, MMB_STREAM_MAX_FRAME, NULL, 0, 0),
		   ENOMEM);

	/* One stream per device. */
	sfd = SETUP(MMB_STREAM_BOUNCE, 1, PG, NULL, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_ERR(SETUP(MMB_STREAM_BOUNCE, 1, PG, NULL, 0, 0), EBUSY);
	close(sfd);
#undef SETUP
	p1 = pins_now();
	EXPECT_EQ(p1.acquired - p0.acquired, p1.released - p0.released);

	ivs = dev_open("ivshmem0");
	if (ivs >= 0) {
		EXPECT_ERR(mmb_stream_setup(ivs, MMB_STREAM_BOUNCE, 1, PG, NULL,
					    1, 0, 0, 0), EOPNOTSUPP);
		close(ivs);
	}
	close(fd);
	return T_PASS;
}

static volatile sig_atomic_t naive_signals;

static void on_frame(int sig)
{
	naive_signals++;
}

/*
 * The baselines: bounce (read() copies the frame out) and naive (a signal
 * per frame, an ioctl that copies) deliver the same exact frames.
 */
static int test_bounce_and_naive(void)
{
	const size_t size = 64 * PG;
	uint8_t *buf = malloc(sizeof(struct mmb_frame) + size);
	uint64_t seed = test_seed(), seq;
	struct mmb_stream_status st;
	struct mmb_frame fr;
	struct sigaction sa = { .sa_handler = on_frame };
	long bad;
	int fd = dev_open(mmb_dut), sfd, i;

	EXPECT_OK(fd);
	EXPECT(buf, "malloc");
	sfd = mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 4, size, NULL, seed, 0, 0,
			       0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_ERR(read(sfd, buf, size) < 0 ? -errno : 0, EINVAL);
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(read(sfd, buf, sizeof(fr) + size), sizeof(fr) + size);
		memcpy(&fr, buf, sizeof(fr));
		EXPECT_EQ(fr.seq, i);
		bad = mmb_stream_check(buf + sizeof(fr), size, seed,
				       st.pattern_size, fr.seq);
		EXPECT(bad < 0, "bounce frame %d byte %ld", i, bad);
	}
	EXPECT_ERR(mmb_stream_fetch(sfd, buf, size, &fr), EINVAL);
	close(sfd);

	/* A real-time signal: one per frame, none merged. */
	sigaction(SIGRTMIN, &sa, NULL);
	naive_signals = 0;
	sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 2, size, NULL, seed, 0,
			       SIGRTMIN, 0);
	EXPECT_OK(sfd);
	EXPECT_ERR(mmb_stream_fetch(sfd, buf, size, &fr), EAGAIN);
	EXPECT_ERR(mmb_stream_fetch(sfd, buf, size - 1, &fr), EINVAL);
	EXPECT_OK(mmb_stream_start(sfd));
	for (seq = 0; seq < 10; seq++) {
		while (mmb_stream_fetch(sfd, buf, size, &fr) == -EAGAIN)
			usleep(1000);
		EXPECT_EQ(fr.seq, seq);
		bad = mmb_stream_check(buf, size, seed, st.pattern_size, seq);
		EXPECT(bad < 0, "naive frame %llu byte %ld",
		       (unsigned long long)seq, bad);
	}
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(naive_signals, st.produced);
	EXPECT_ERR(read(sfd, buf, sizeof(fr) + size) < 0 ? -errno : 0, EINVAL);
	close(sfd);
	free(buf);
	close(fd);
	return T_PASS;
}

/* MMB_IOC_STREAM_FETCH of the next frame, retried for up to @ms ms. */
static int fetch_wait(int sfd, void *buf, size_t size, struct mmb_frame *fr,
		      int ms)
{
	int i, r = -EAGAIN;

	for (i = 0; i < ms && r == -EAGAIN; i++) {
		r = mmb_stream_fetch(sfd, buf, size, fr);
		if (r == -EAGAIN)
			usleep(1000);
	}
	return r;
}

/*
 * The naive stream's signal goes to the process that set it up only while
 * that process keeps the credentials it had then.  Here it sets the stream
 * up with SIGKILL, passes the fd away and changes its credentials (as an
 * exec of a set-user-ID program would): the holder's stream delivers every
 * frame, and the process is still alive, with no signal.
 */
static int test_naive_signal_after_setuid(void)
{
	const size_t size = 4 * PG;
	uint8_t *buf = malloc(size);
	struct mmb_stream_status st;
	struct mmb_frame fr;
	int sp[2], fd, sfd, status, r;
	uint64_t seq;
	char c;
	pid_t pid;

	EXPECT(buf, "malloc");
	if (geteuid())
		SKIP("needs root to change credentials");
	EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		close(sp[0]);
		fd = dev_open(mmb_dut);
		sfd = fd < 0 ? fd :
			       mmb_stream_setup(fd, MMB_STREAM_NAIVE, 2, size,
						NULL, 5, 0, SIGKILL, 0);
		if (sfd < 0 || fd_send(sp[1], sfd))
			_exit(2);
		close(sfd);
		close(fd);
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(3);
		/* Ready; wait for the holder to be done. */
		if (write(sp[1], "r", 1) != 1 || read(sp[1], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(sp[1]);
	sfd = fd_recv(sp[0], 0);
	EXPECT_OK(sfd);
	EXPECT_EQ(read(sp[0], &c, 1), 1);
	EXPECT_OK(mmb_stream_start(sfd));
	for (seq = 0; seq < 5; seq++) {
		r = fetch_wait(sfd, buf, size, &fr, 5000);
		EXPECT_OK(r);
		EXPECT_EQ(fr.seq, seq);
	}
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT(st.produced >= 5, "%llu produced",
	       (unsigned long long)st.produced);
	close(sfd);
	/* Still alive: it answers, then exits by itself. */
	r = send(sp[0], "d", 1, MSG_NOSIGNAL);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && !WEXITSTATUS(status),
	       "the process that set the stream up: %s %d after %llu frames",
	       WIFSIGNALED(status) ? "killed by signal" : "exit status",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	       (unsigned long long)st.produced);
	EXPECT_EQ(r, 1);
	close(sp[0]);
	free(buf);
	return T_PASS;
}

/* Pin every thread named @comm to @set; how many, or -errno. */
static int pin_comm(const char *comm, cpu_set_t *set)
{
	struct dirent *de;
	char path[64], name[32];
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		FILE *f;
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) &&
		    !strncmp(name, comm, strlen(comm)) &&
		    !sched_setaffinity(pid, sizeof(*set), set))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * A naive frame's completion signals the process after it drops the
 * stream's lock.  A closer woken by that completion (here at SCHED_FIFO on
 * the completing CPU, so it runs at the unlock, as any preemption there
 * would let it) frees the stream before the signal is sent; the signal
 * must not read the freed stream.  Run with slub_debug=FZP; on
 * PREEMPT_RT the completion (a soft hrtimer) is preemptible there.
 */
static int test_naive_signal_vs_close(void)
{
	struct sched_param fifo = { .sched_priority = 50 }, other = { 0 };
	struct sigaction sa = { .sa_handler = on_frame };
	cpu_set_t cpu0, all;
	char splat[256];
	int fd, sfd, kfd, round, ret, n;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	EXPECT_OK(sched_getaffinity(0, sizeof(all), &all) ? -errno : 0);
	fd = dev_open(mmb_dut);
	EXPECT_OK(fd);
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	n = pin_comm("mmb-soft-dma", &cpu0);
	if (n <= 0)
		SKIP("no mmb-soft-dma thread to pin (%d)", n);
	sigaction(SIGRTMIN, &sa, NULL);
	EXPECT_OK(sched_setaffinity(0, sizeof(cpu0), &cpu0) ? -errno : 0);
	for (round = 0; round < 20; round++) {
		struct pollfd p;

		sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 1, PG, NULL,
				       round, 0, SIGRTMIN, 0);
		EXPECT_OK(sfd);
		p.fd = sfd;
		p.events = POLLIN;
		ret = sched_setscheduler(0, SCHED_FIFO, &fifo) ? -errno : 0;
		if (!ret)
			ret = mmb_stream_start(sfd);
		while (!ret) {
			int r = poll(&p, 1, 5000);

			if (r == 1)
				break;
			if (r < 0 && errno == EINTR)
				continue;
			ret = r < 0 ? -errno : -ETIMEDOUT;
		}
		close(sfd);
		sched_setscheduler(0, SCHED_OTHER, &other);
		EXPECT(!ret, "round %d: %d", round, ret);
		usleep(20000);
		EXPECT(!kmsg_splat(kfd, splat, sizeof(splat)), "round %d: %s",
		       round, splat);
	}
	pin_comm("mmb-soft-dma", &all);
	sched_setaffinity(0, sizeof(all), &all);
	close(kfd);
	close(fd);
	return T_PASS;
}

/*
 * What the process writes into a frame it holds is its own: closing the
 * stream does not write the frame again.  Under a DMA layer that bounces
 * (swiotlb=force, an encrypted guest, a device that cannot reach the
 * frame), undoing the mapping must not copy the bounce buffer back over
 * a frame the CPU already owns.  Meaningful with swiotlb=force.
 */
static int test_owned_frame_kept_at_close(void)
{
	const uint32_t nr = 2;
	const size_t size = 4 * PG;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	struct mmb_frame held;
	void *frames[2];
	uint8_t *f;
	size_t i;
	int fd = dev_open("edu0"), sfd;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, frames,
			       test_seed(), 0, 0, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &held));
	EXPECT_OK(mmb_stream_stop(sfd));
	f = frames[held.index];
	memset(f, 0xa5, size);
	close(sfd);
	for (i = 0; i < size; i++)
		EXPECT(f[i] == 0xa5, "held frame byte %zu is %#x after close",
		       i, f[i]);
	close(fd);
	munmap(buf, nr * size);
	return T_PASS;
}

/* DMA-API debugging's error count, or -1 without it. */
static long long dma_api_errors(void)
{
	char buf[32];

	if (read_line("/sys/kernel/debug/dma-api/error_count", buf,
		      sizeof(buf)) < 0)
		return -1;
	return atoll(buf);
}

/*
 * No two frames of a stream may share memory, whether they overlap in the
 * process's address space or reach the same pages through two mappings of
 * one file: the engine would write one while the process reads the other,
 * and the DMA layer would see overlapping mappings it does not support
 * (DMA-API debugging reports those).  Refused with nothing left pinned.
 */
static int test_overlapping_frames(void)
{
	const size_t size = 2 * PG;
	uint8_t *buf = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	struct mmb_stream_status st;
	struct pins p0, p1;
	uint8_t *a1, *a2;
	uint64_t seq;
	long long errs0;
	void *frames[3];
	char line[256];
	int fd = dev_open("edu0"), sfd, mfd, kfd, r;

	if (fd == -ENOENT)
		SKIP("no edu device");
	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	kfd = kmsg_open();
	EXPECT_OK(kfd);
	errs0 = dma_api_errors();
	p0 = pins_now();
#define SETUP(nr, fr)							\
	mmb_stream_setup(fd, MMB_STREAM_ZERO_COPY, nr, size, fr, 1, 0, 0, 0)
	frames[0] = buf;
	frames[1] = buf;
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	frames[1] = buf + PG;
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	frames[0] = buf + PG;
	frames[1] = buf;
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	/* The last frame overlaps the first, the middle one neither. */
	frames[0] = buf;
	frames[1] = buf + 2 * PG;
	frames[2] = buf + PG;
	EXPECT_ERR(SETUP(3, frames), EINVAL);
	EXPECT(pins_settle(p0, &p1), "%lld pins held after refused setups",
	       (p1.acquired - p0.acquired) - (p1.released - p0.released));
	EXPECT_EQ(p1.acquired, p0.acquired);
	/* Adjacent is fine. */
	sfd = SETUP(2, frames);
	EXPECT_OK(sfd);
	close(sfd);

	/*
	 * One file mapped at two addresses: frames that do not overlap in
	 * the address space may still share pages.
	 */
	mfd = memfd_create("mmb-alias", MFD_CLOEXEC);
	EXPECT(mfd >= 0, "memfd_create: %s", strerror(errno));
	EXPECT_OK(ftruncate(mfd, 2 * size) ? -errno : 0);
	a1 = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	a2 = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	EXPECT(a1 != MAP_FAILED && a2 != MAP_FAILED, "mmap memfd");
	p0 = pins_now();
	frames[0] = a1;
	frames[1] = a2;		/* the same two pages */
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	frames[1] = a2 + PG;	/* one page shared */
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	frames[0] = a1 + size;
	frames[1] = a2 + PG;	/* the second frame's last page is frames[0]'s first */
	EXPECT_ERR(SETUP(2, frames), EINVAL);
	EXPECT(pins_settle(p0, &p1), "%lld pins held after refused setups",
	       (p1.acquired - p0.acquired) - (p1.released - p0.released));
	/* Different pages of the file through different mappings: fine. */
	frames[0] = a2 + size;
	frames[1] = a1;
	sfd = SETUP(2, frames);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_start(sfd));
	seq = 0;
	r = read_exact(sfd, frames, size, 1, &seq, 4);
	if (r != T_PASS)
		return r;
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.errors, 0);
	close(sfd);
#undef SETUP
	EXPECT_EQ(dma_api_errors(), errs0);
	EXPECT(!kmsg_splat(kfd, line, sizeof(line)), "kernel: %s", line);
	close(kfd);
	EXPECT(pins_settle(p0, &p1), "%lld pins held after close",
	       (p1.acquired - p0.acquired) - (p1.released - p0.released));
	munmap(a1, 2 * size);
	munmap(a2, 2 * size);
	close(mfd);
	close(fd);
	munmap(buf, 4 * PG);
	return T_PASS;
}

/* The device's naive polling thread: its PID, or 0 when there is none. */
static pid_t naive_thread(char *state)
{
	struct dirent *de;
	char path[64], line[256], comm[48];
	pid_t found = 0;
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	snprintf(comm, sizeof(comm), "(mmb-naive/%s)", mmb_dut);
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		char *p;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (read_line(path, line, sizeof(line)) < 0)
			continue;
		/* pid (comm) state ... */
		p = strrchr(line, ')');
		if (!strstr(line, comm) || !p || !p[1])
			continue;
		found = pid;
		if (state)
			*state = p[2];
		n++;
	}
	closedir(d);
	return n > 1 ? -EEXIST : found;
}

/* The device's delivered DMA completion events. */
static uint64_t dma_events(const struct mmb_counters *page)
{
	struct mmb_counters c;

	mmb_counters_read(page, &c);
	return c.dma_count;
}

/*
 * The transfers the engine needs for frames 0 to 3 of 1 MiB: a transfer
 * ends at @chunk bytes, at the frame's end and at the pattern's end.
 */
static long transfers_expected(uint64_t pattern, uint64_t chunk)
{
	const uint64_t size = 1ULL << 20;
	uint64_t q, off, dev, len;
	long n = 0;

	for (q = 0; q < 4; q++) {
		for (off = 0; off < size; off += len, n++) {
			dev = (q * (size + 64) + off) % pattern;
			len = size - off;
			if (len > pattern - dev)
				len = pattern - dev;
			if (len > chunk)
				len = chunk;
		}
	}
	return n;
}

/*
 * The DMA transfers of four 1 MiB frames of @mode: the stream's pattern is
 * loaded first (its transfers are counted by a start and a stop that
 * produce nothing), then a frame clock fills the four frames and finds no
 * free frame after; every transfer is one completion event.
 */
static long transfers_for_four(int fd, const struct mmb_counters *page,
			       uint32_t mode)
{
	const size_t size = 1UL << 20;
	int sig = mode == MMB_STREAM_NAIVE ? SIGURG : 0;
	struct mmb_stream_status st;
	uint64_t e0, load;
	int sfd, i;

	/* The pattern load alone: the clock's first tick is 10 s away. */
	sfd = mmb_stream_setup(fd, mode, 4, size, NULL, 1,
			       MMB_STREAM_PERIOD_MAX_NS, sig, 0);
	if (sfd < 0)
		return sfd;
	e0 = dma_events(page);
	if (mmb_stream_start(sfd) || mmb_stream_stop(sfd))
		return -EIO;
	load = dma_events(page) - e0;
	close(sfd);

	sfd = mmb_stream_setup(fd, mode, 4, size, NULL, 1, 1000000, sig, 0);
	if (sfd < 0)
		return sfd;
	e0 = dma_events(page);
	if (mmb_stream_start(sfd))
		return -EIO;
	for (i = 0; i < 10000; i++) {
		if (mmb_stream_status(sfd, &st))
			return -EIO;
		if (st.ready == 4)
			break;
		usleep(1000);
	}
	if (mmb_stream_stop(sfd) || mmb_stream_status(sfd, &st) ||
	    st.produced != 4 || st.aborted || st.errors)
		return -EIO;
	e0 = dma_events(page) - e0 - load;
	close(sfd);
	return e0;
}

/*
 * Naive mode is the design it stands for: a kernel thread of the stream
 * feeds the engine 256 KiB at a time (four transfers per MiB, where ring
 * and bounce move 1 MiB per transfer), polls while a frame is being
 * filled, sleeps while the stream is stopped, and goes with the stream.
 */
static int test_naive_polling_thread(void)
{
	const size_t size = 1UL << 20;
	uint8_t *buf = malloc(size);
	const struct mmb_counters *page;
	struct mmb_stream_status st;
	struct mmb_frame fr;
	struct sigaction sa = { .sa_handler = SIG_IGN };
	uint64_t seq;
	char state = 0;
	pid_t t;
	long bad;
	int fd = dev_open(mmb_dut), sfd, i, r;

	EXPECT_OK(fd);
	EXPECT(buf, "malloc");
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	EXPECT_OK(sigaction(SIGURG, &sa, NULL) ? -errno : 0);
	EXPECT_EQ(naive_thread(NULL), 0);

	sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 2, size, NULL, 7, 0,
			       SIGURG, 0);
	EXPECT_OK(sfd);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	close(sfd);
	EXPECT_EQ(transfers_for_four(fd, page, MMB_STREAM_NAIVE),
		  transfers_expected(st.pattern_size, 256 << 10));
	EXPECT_EQ(transfers_for_four(fd, page, MMB_STREAM_BOUNCE),
		  transfers_expected(st.pattern_size, 1 << 20));
	EXPECT_EQ(transfers_for_four(fd, page, MMB_STREAM_RING),
		  transfers_expected(st.pattern_size, 1 << 20));
	EXPECT_EQ(naive_thread(NULL), 0);

	sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 2, size, NULL, 7, 0,
			       SIGURG, 0);
	EXPECT_OK(sfd);
	t = naive_thread(&state);
	EXPECT(t > 0, "no mmb-naive/%s thread after setup (%d)", mmb_dut, t);
	/* Before start it sleeps (once it has run at all). */
	for (i = 0; i < 100 && state != 'S'; i++) {
		usleep(10000);
		EXPECT_EQ(naive_thread(&state), t);
	}
	EXPECT(state == 'S', "polling thread in state %c before start", state);
	EXPECT_OK(mmb_stream_start(sfd));
	for (seq = 0; seq < 6; seq++) {
		r = fetch_wait(sfd, buf, size, &fr, 10000);
		EXPECT_OK(r);
		EXPECT_EQ(fr.seq, seq);
		bad = mmb_stream_check(buf, size, 7, st.pattern_size, seq);
		EXPECT(bad < 0, "naive frame %llu byte %ld",
		       (unsigned long long)seq, bad);
	}
	EXPECT_OK(mmb_stream_stop(sfd));
	/* Stopped: it sleeps (within a second: it may be between polls). */
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(naive_thread(&state), t);
		if (state == 'S')
			break;
		usleep(10000);
	}
	EXPECT(state == 'S', "polling thread in state %c after stop", state);
	close(sfd);
	EXPECT_EQ(naive_thread(NULL), 0);
	mmb_counters_unmap(page);
	free(buf);
	close(fd);
	return T_PASS;
}

/* CPU time of thread @t so far (user and system), in clock ticks. */
static long thread_cpu_ticks(pid_t t)
{
	unsigned long ut, st;
	char path[64], line[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", t);
	if (read_line(path, line, sizeof(line)) < 0)
		return -1;
	/* ") state ppid pgrp session tty tpgid flags 4 faults utime stime" */
	p = strrchr(line, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return ut + st;
}

/*
 * The naive polling thread polls only while it has a frame to fill: with
 * every frame ready and nobody fetching, or between the ticks of a slow
 * frame clock, it sleeps and takes no CPU (the engine has nothing to do,
 * and the thread, which no cgroup of the process's accounts for, would
 * otherwise keep a CPU busy for as long as the process lets it); a frame
 * handed back, or the next tick, has it submit again.
 */
static int test_naive_poller_idles(void)
{
	const size_t size = 16 * PG;
	uint8_t *buf = malloc(size);
	struct sigaction sa = { .sa_handler = SIG_IGN };
	long hz = sysconf(_SC_CLK_TCK), c0, c1, bad;
	struct mmb_stream_status st;
	struct mmb_frame fr;
	uint64_t seq;
	char state = 0;
	pid_t t;
	int fd = dev_open(mmb_dut), sfd, i, k, r;

	EXPECT_OK(fd);
	EXPECT(buf, "malloc");
	EXPECT(hz > 0, "_SC_CLK_TCK %ld", hz);
	EXPECT_OK(sigaction(SIGURG, &sa, NULL) ? -errno : 0);
	/* Free running, every frame filled; then a clock of 400 ms. */
	for (k = 0; k < 2; k++) {
		sfd = mmb_stream_setup(fd, MMB_STREAM_NAIVE, 2, size, NULL, 5,
				       k ? 400000000 : 0, SIGURG, 0);
		EXPECT_OK(sfd);
		t = naive_thread(NULL);
		EXPECT(t > 0, "no mmb-naive/%s thread (%d)", mmb_dut, t);
		EXPECT_OK(mmb_stream_start(sfd));
		for (i = 0; i < 1000; i++) {
			EXPECT_OK(mmb_stream_status(sfd, &st));
			if (st.ready >= 1)
				break;
			usleep(10000);
		}
		/*
		 * Free running: both frames ready; clocked: the next tick
		 * is up to 400 ms away, and a frame takes a few ms of it.
		 */
		if (!k) {
			for (i = 0; i < 1000 && st.ready < 2; i++) {
				usleep(10000);
				EXPECT_OK(mmb_stream_status(sfd, &st));
			}
			EXPECT_EQ(st.ready, 2);
		}
		c0 = thread_cpu_ticks(t);
		usleep(1000000);
		c1 = thread_cpu_ticks(t);
		naive_thread(&state);
		EXPECT(c0 >= 0 && c1 >= 0, "/proc/%d/stat", t);
		EXPECT(c1 - c0 <= hz / 10,
		       "%s: the polling thread ran %ld of %ld clock ticks in 1 s with no frame to fill (state %c)",
		       k ? "400 ms clock" : "all frames ready", c1 - c0, hz,
		       state);
		/* Frames handed back: it submits again, exactly. */
		for (seq = 0; seq < 4; seq++) {
			for (i = 0; i < 3000; i++) {
				r = mmb_stream_fetch(sfd, buf, size, &fr);
				if (r != -EAGAIN)
					break;
				usleep(1000);
			}
			EXPECT_OK(r);
			EXPECT_EQ(fr.seq, seq);
			bad = mmb_stream_check(buf, size, 5, st.pattern_size,
					       seq);
			EXPECT(bad < 0, "naive frame %llu byte %ld",
			       (unsigned long long)seq, bad);
		}
		EXPECT_OK(mmb_stream_stop(sfd));
		EXPECT_OK(mmb_stream_status(sfd, &st));
		EXPECT_EQ(st.errors, 0);
		close(sfd);
	}
	EXPECT_EQ(naive_thread(NULL), 0);
	free(buf);
	close(fd);
	return T_PASS;
}

/* A ring of @nr frames of @size, mapped read-only; NULL on failure. */
static uint8_t *ring_map(int sfd, uint32_t nr, size_t size)
{
	void *p = mmap(NULL, nr * size, PROT_READ, MAP_SHARED, sfd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * The ring on @name: @n frames read in place, each the next sequence
 * number, byte-exact; a frame the process holds is never written while
 * the engine cycles through the others.
 */
static int ring_case(const char *name, uint32_t nr, size_t size, int n)
{
	uint64_t seed = test_seed(), seq = 0;
	struct mmb_stream_status st;
	struct mmb_frame held, fr;
	void *frames[8];
	uint8_t *ring;
	long bad;
	int fd = dev_open(name), sfd, r, i;

	if (fd == -ENOENT)
		SKIP("no %s", name);
	EXPECT_OK(fd);
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, nr, size, NULL, seed, 0, 0,
			       MMB_EVENT_CLOEXEC);
	EXPECT_OK(sfd);
	ring = ring_map(sfd, nr, size);
	EXPECT(ring, "mmap of the ring: %s", strerror(errno));
	frames_of(ring, nr, size, frames);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.nr_frames, nr);
	EXPECT_EQ(st.frame_size, size);
	EXPECT_EQ(st.sg_entries, 0);
	EXPECT_OK(mmb_stream_start(sfd));
	r = read_exact(sfd, frames, size, seed, &seq, n);
	if (r != T_PASS)
		return r;

	/* Hold one; the others keep coming, in order, and it stays. */
	EXPECT_OK(mmb_stream_next(sfd, &held));
	EXPECT_EQ(held.seq, seq);
	seq++;
	for (i = 0; i < n; i++) {
		EXPECT_OK(mmb_stream_next(sfd, &fr));
		EXPECT(fr.index != held.index, "held frame delivered again");
		EXPECT_EQ(fr.seq, seq);
		bad = mmb_stream_check(frames[fr.index], size, seed,
				       st.pattern_size, fr.seq);
		EXPECT(bad < 0, "frame %llu byte %ld",
		       (unsigned long long)fr.seq, bad);
		EXPECT_OK(mmb_stream_release(sfd, fr.index));
		seq++;
	}
	bad = mmb_stream_check(frames[held.index], size, seed, st.pattern_size,
			       held.seq);
	EXPECT(bad < 0, "held frame changed at byte %ld", bad);
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.owned, 1);
	EXPECT_OK(mmb_stream_release(sfd, held.index));
	EXPECT_ERR(mmb_stream_release(sfd, held.index), EINVAL);
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_EQ(st.delivered, 2 * n + 1);
	EXPECT_EQ(st.owned, 0);
	EXPECT_EQ(st.errors, 0);
	EXPECT_EQ(st.produced, st.delivered + st.ready);
	EXPECT_OK(munmap(ring, nr * size) ? -errno : 0);
	close(sfd);
	close(fd);
	return T_PASS;
}

/*
 * The ring: the device DMAs into kernel buffers the process maps
 * read-only and reads in place; soft's engine, and edu's through the DMA
 * API.
 */
static int test_ring_frames_exact(void)
{
	int r = ring_case(mmb_dut, 8, 64 * PG, 40);

	if (r != T_PASS)
		return r;
	r = ring_case("edu0", 2, 2 * PG, 3);
	return r == T_SKIP ? T_PASS : r;
}

/*
 * The ring's mapping: the whole ring at offset 0, read-only for good;
 * the other modes have none, and the ring has no fetch.
 */
static int test_ring_mmap_rules(void)
{
	const uint32_t nr = 4;
	const size_t size = 4 * PG;
	uint8_t *buf = map_anon(nr * size, PROT_READ | PROT_WRITE);
	uint8_t out[sizeof(struct mmb_frame) + 4 * PG];
	struct mmb_stream_status sst;
	struct mmb_frame fr;
	void *frames[4], *p;
	uint8_t *ring;
	uint32_t idx;
	int fd = dev_open(mmb_dut), sfd, st, mode;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT(buf, "mmap");
	frames_of(buf, nr, size, frames);
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, nr, size, NULL, 1, 0, 0, 0);
	EXPECT_OK(sfd);
#define MAP(len, prot, flags, off)					\
	(p = mmap(NULL, len, prot, flags, sfd, off),			\
	 p == MAP_FAILED ? -errno : (munmap(p, len), 0))
	EXPECT_ERR(MAP(nr * size - PG, PROT_READ, MAP_SHARED, 0), EINVAL);
	EXPECT_ERR(MAP(nr * size + PG, PROT_READ, MAP_SHARED, 0), EINVAL);
	EXPECT_ERR(MAP(size, PROT_READ, MAP_SHARED, 0), EINVAL);
	EXPECT_ERR(MAP((nr - 1) * size, PROT_READ, MAP_SHARED, size), EINVAL);
	EXPECT_ERR(MAP(nr * size, PROT_READ | PROT_WRITE, MAP_SHARED, 0),
		   EPERM);
	EXPECT_ERR(MAP(nr * size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0),
		   EPERM);
	EXPECT_OK(MAP(nr * size, PROT_READ, MAP_PRIVATE, 0));
	ring = ring_map(sfd, nr, size);
	EXPECT(ring, "mmap: %s", strerror(errno));
	EXPECT_ERR(mprotect(ring, nr * size, PROT_READ | PROT_WRITE) ? -errno :
		   0, EACCES);
	/* It cannot grow. */
	p = mremap(ring, nr * size, (nr + 1) * size, MREMAP_MAYMOVE);
	EXPECT(p == MAP_FAILED && errno == EFAULT, "mremap: %s",
	       p == MAP_FAILED ? strerror(errno) : "grown");
	/* A store into it kills the process that tries. */
	EXPECT_OK(mmb_stream_status(sfd, &sst));
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &fr));
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		*(volatile uint8_t *)(ring + fr.index * size) = 1;
		_exit(0);
	}
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "store into the ring: status 0x%x", st);
	EXPECT(mmb_stream_check(ring + fr.index * size, size, 1,
				sst.pattern_size, fr.seq) < 0, "frame changed");

	/* Not the ring's calls. */
	EXPECT_ERR(mmb_stream_fetch(sfd, out + sizeof(fr), size, &fr), EINVAL);
	EXPECT_ERR(read(sfd, out, sizeof(fr) - 1) < 0 ? -errno : 0, EINVAL);
	idx = nr;
	EXPECT_ERR(write(sfd, &idx, sizeof(idx)) < 0 ? -errno : 0, EINVAL);
	EXPECT_OK(mmb_stream_release(sfd, fr.index));
	EXPECT_OK(munmap(ring, nr * size) ? -errno : 0);
	close(sfd);

	/* No other mode has a mapping. */
	for (mode = MMB_STREAM_ZERO_COPY; mode <= MMB_STREAM_NAIVE; mode++) {
		sfd = mmb_stream_setup(fd, mode, nr, size,
				       mode == MMB_STREAM_ZERO_COPY ? frames :
								      NULL,
				       1, 0, mode == MMB_STREAM_NAIVE ? SIGURG :
								       0, 0);
		EXPECT_OK(sfd);
		EXPECT_ERR(MAP(nr * size, PROT_READ, MAP_SHARED, 0), EINVAL);
		close(sfd);
	}
#undef MAP
	munmap(buf, nr * size);
	close(fd);
	return T_PASS;
}

/* A new stream on soft0 within 5 s: 0, or the last error. */
static int stream_free_again(int fd)
{
	int sfd = -EBUSY, i;

	for (i = 0; i < 500 && sfd == -EBUSY; i++) {
		sfd = mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG, NULL, 1,
				       0, 0, 0);
		if (sfd == -EBUSY)
			usleep(10000);
	}
	if (sfd < 0)
		return sfd;
	close(sfd);
	return 0;
}

/*
 * A child's ring, started, mapped, a frame held; it says so on @ready and
 * then exits or waits to be killed.
 */
static int ring_child(int fd, int ready, bool killed)
{
	struct mmb_frame fr;
	int sfd = mmb_stream_setup(fd, MMB_STREAM_RING, 4, 16 * PG, NULL, 1,
				   0, 0, 0);
	uint8_t *ring = sfd < 0 ? NULL : ring_map(sfd, 4, 16 * PG);

	if (!ring || mmb_stream_start(sfd) || mmb_stream_next(sfd, &fr) ||
	    write(ready, "r", 1) != 1)
		return 1;
	if (killed)
		for (;;)
			pause();
	return 0;
}

/*
 * The ring lives as long as its fd or a mapping of it: closed but still
 * mapped, its frames stay readable and the device's one stream stays
 * taken; the last munmap() releases it; so does the exit or death of the
 * process that holds both.
 */
static int test_ring_teardown(void)
{
	const uint32_t nr = 2;
	const size_t size = 4 * PG;
	uint64_t seed = test_seed();
	struct mmb_stream_status st;
	struct mmb_frame fr;
	uint8_t *ring, *ring2;
	int fd = dev_open(mmb_dut), sfd, k, wst;
	pid_t pid;

	EXPECT_OK(fd);
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, nr, size, NULL, seed, 0, 0,
			       0);
	EXPECT_OK(sfd);
	ring = ring_map(sfd, nr, size);
	ring2 = ring_map(sfd, nr, size);
	EXPECT(ring && ring2, "mmap: %s", strerror(errno));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &fr));
	EXPECT_OK(mmb_stream_stop(sfd));
	EXPECT_EQ(close(sfd), 0);
	/* Still there, through both mappings. */
	EXPECT(mmb_stream_check(ring + fr.index * size, size, seed,
				st.pattern_size, fr.seq) < 0,
	       "frame changed after close");
	EXPECT(!memcmp(ring, ring2, nr * size), "two mappings differ");
	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG, NULL, 1, 0,
				    0, 0), EBUSY);
	EXPECT_OK(munmap(ring, nr * size) ? -errno : 0);
	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG, NULL, 1, 0,
				    0, 0), EBUSY);
	EXPECT_OK(munmap(ring2, nr * size) ? -errno : 0);
	EXPECT_OK(stream_free_again(fd));

	for (k = 0; k < 2; k++) {
		int pp[2];
		char c;

		EXPECT_OK(pipe(pp) ? -errno : 0);
		pid = fork();
		EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid)
			_exit(ring_child(fd, pp[1], k));
		close(pp[1]);
		EXPECT_EQ(read(pp[0], &c, 1), 1);
		close(pp[0]);
		/* Its stream runs; then it exits, or is killed. */
		if (k)
			kill(pid, SIGKILL);
		EXPECT_EQ(waitpid(pid, &wst, 0), pid);
		EXPECT(k ? WIFSIGNALED(wst) : WIFEXITED(wst) && !WEXITSTATUS(wst),
		       "child status 0x%x", wst);
		EXPECT_OK(stream_free_again(fd));
	}
	close(fd);
	return T_PASS;
}

/*
 * What the process can do to its ring's pages: no write reaches them,
 * through /proc/self/mem (FOLL_FORCE, which would break a private mapping
 * to a copy if it could be written at all) or a store after fork() into
 * a private mapping; and a page it hands to a pipe with vmsplice()
 * outlives the stream with the bytes it had, while the stream itself is
 * gone (its device slot free again).
 */
static int test_ring_no_write_pages_outlive(void)
{
	const uint32_t nr = 2;
	const size_t size = 4 * PG;
	uint64_t seed = test_seed();
	uint8_t *ring, *priv, *copy = malloc(size), *back = malloc(size);
	struct mmb_stream_status sst;
	struct mmb_frame fr;
	struct iovec iov;
	int fd = dev_open(mmb_dut), sfd, mem, pp[2], wst, k;
	pid_t pid;

	EXPECT_OK(fd);
	EXPECT(copy && back, "malloc");
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, nr, size, NULL, seed, 0, 0,
			       0);
	EXPECT_OK(sfd);
	ring = ring_map(sfd, nr, size);
	priv = mmap(NULL, nr * size, PROT_READ, MAP_PRIVATE, sfd, 0);
	EXPECT(ring && priv != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(mmb_stream_status(sfd, &sst));
	EXPECT_OK(mmb_stream_start(sfd));
	EXPECT_OK(mmb_stream_next(sfd, &fr));
	EXPECT_OK(mmb_stream_stop(sfd));
	memcpy(copy, ring + fr.index * size, size);
	EXPECT(mmb_stream_check(copy, size, seed, sst.pattern_size, fr.seq) < 0,
	       "frame %llu wrong", (unsigned long long)fr.seq);
	EXPECT(!memcmp(priv + fr.index * size, copy, size),
	       "private mapping differs");

	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	EXPECT(mem >= 0, "/proc/self/mem: %s", strerror(errno));
	for (k = 0; k < 2; k++) {
		uint8_t *at = (k ? priv : ring) + fr.index * size + 8;

		errno = 0;
		EXPECT(pwrite(mem, "x", 1, (off_t)(uintptr_t)at) < 0 &&
		       errno == EIO, "%s mapping: /proc/self/mem write: %s",
		       k ? "private" : "shared", strerror(errno));
	}
	close(mem);
	EXPECT_ERR(mprotect(priv, nr * size, PROT_READ | PROT_WRITE) ? -errno :
		   0, EACCES);
	pid = fork();
	EXPECT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		*(volatile uint8_t *)(priv + fr.index * size) = 1;
		_exit(0);
	}
	EXPECT_EQ(waitpid(pid, &wst, 0), pid);
	EXPECT(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGSEGV,
	       "store into the private mapping: status 0x%x", wst);
	EXPECT(!memcmp(ring + fr.index * size, copy, size) &&
	       !memcmp(priv + fr.index * size, copy, size),
	       "frame changed by a write attempt");

	/* The frame's pages into a pipe; then the stream goes. */
	EXPECT_OK(pipe(pp) ? -errno : 0);
	EXPECT_OK(fcntl(pp[1], F_SETPIPE_SZ, (int)(2 * size)) < 0 ? -errno : 0);
	iov.iov_base = ring + fr.index * size;
	iov.iov_len = size;
	EXPECT_EQ(vmsplice(pp[1], &iov, 1, 0), (ssize_t)size);
	EXPECT_OK(munmap(ring, nr * size) ? -errno : 0);
	EXPECT_OK(munmap(priv, nr * size) ? -errno : 0);
	close(sfd);
	EXPECT_OK(stream_free_again(fd));
	/* Other memory in use meanwhile: the pages must not be reused. */
	for (k = 0; k < 4; k++) {
		int s2 = mmb_stream_setup(fd, MMB_STREAM_RING, 8, 16 * PG,
					  NULL, k, 0, 0, 0);

		EXPECT_OK(s2);
		EXPECT_OK(mmb_stream_start(s2));
		EXPECT_OK(mmb_stream_next(s2, &fr));
		EXPECT_OK(mmb_stream_stop(s2));
		close(s2);
	}
	EXPECT_EQ(read(pp[0], back, size), (ssize_t)size);
	EXPECT(!memcmp(back, copy, size), "spliced ring page changed");
	close(pp[0]);
	close(pp[1]);
	free(copy);
	free(back);
	close(fd);
	return T_PASS;
}

/* References to the module (one per open file), or -1. */
static long module_refs(void)
{
	char line[32];

	if (read_line("/sys/module/mmbridge/refcnt", line, sizeof(line)))
		return -1;
	return strtol(line, NULL, 10);
}

/*
 * A ring closed while mapped and running keeps running: its mapping holds
 * the stream file, so the frame clock goes on starting frames (exactly
 * one transfer each here, until no frame is free), the frames appear in
 * the mapping, the file keeps the module, and the stream stops only when
 * the mapping goes.
 */
static int test_ring_runs_while_mapped(void)
{
	const uint32_t nr = 4;
	const size_t size = 16 * PG;
	uint64_t seed = test_seed(), e0, e1;
	const struct mmb_counters *page;
	struct mmb_stream_status st;
	uint8_t *ring;
	uint32_t i;
	long bad, refs;
	int fd = dev_open(mmb_dut), sfd;

	EXPECT_OK(fd);
	page = mmb_counters_map(fd);
	EXPECT(page, "counter page: %s", strerror(errno));
	/* A 200 ms clock: the first frame starts well after the close. */
	sfd = mmb_stream_setup(fd, MMB_STREAM_RING, nr, size, NULL, seed,
			       200000000, 0, 0);
	EXPECT_OK(sfd);
	ring = ring_map(sfd, nr, size);
	EXPECT(ring, "mmap: %s", strerror(errno));
	EXPECT_OK(mmb_stream_status(sfd, &st));
	EXPECT_OK(mmb_stream_start(sfd));
	e0 = dma_events(page);
	refs = module_refs();
	EXPECT_EQ(close(sfd), 0);
	usleep(2000000);
	e1 = dma_events(page);
	EXPECT_EQ(e1 - e0, nr);
	/* The mapping's file still holds the module. */
	EXPECT_EQ(module_refs(), refs);
	for (i = 0; i < nr; i++) {
		bad = mmb_stream_check(ring + i * size, size, seed,
				       st.pattern_size, i);
		EXPECT(bad < 0, "frame %u, filled after the close: byte %ld",
		       i, bad);
	}
	EXPECT_ERR(mmb_stream_setup(fd, MMB_STREAM_BOUNCE, 1, PG, NULL, 1, 0,
				    0, 0), EBUSY);
	EXPECT_OK(munmap(ring, nr * size) ? -errno : 0);
	EXPECT_OK(stream_free_again(fd));
	EXPECT_EQ(module_refs(), refs - 1);
	EXPECT_EQ(dma_events(page), e1);
	mmb_counters_unmap(page);
	close(fd);
	return T_PASS;
}

const struct mmb_test stream_tests[] = {
	{ "stream/soft_frames_exact", test_soft_frames_exact },
	{ "stream/edu_dma_into_user", test_edu_dma_into_user },
	{ "stream/sg_merges_contiguous", test_sg_merges_contiguous },
	{ "stream/overrun_counted", test_overrun_counted },
	{ "stream/frame_clock_exact", test_frame_clock_exact },
	{ "stream/owned_frame_untouched", test_owned_frame_untouched },
	{ "stream/stop_restart", test_stop_restart },
	{ "stream/exit_midstream", test_exit_midstream },
	{ "stream/bad_setup", test_bad_setup },
	{ "stream/bounce_and_naive", test_bounce_and_naive },
	{ "stream/naive_signal_after_setuid", test_naive_signal_after_setuid },
	{ "stream/naive_signal_vs_close", test_naive_signal_vs_close },
	{ "stream/owned_frame_kept_at_close", test_owned_frame_kept_at_close },
	{ "stream/overlapping_frames", test_overlapping_frames },
	{ "stream/naive_polling_thread", test_naive_polling_thread },
	{ "stream/naive_poller_idles", test_naive_poller_idles },
	{ "stream/ring_frames_exact", test_ring_frames_exact },
	{ "stream/ring_mmap_rules", test_ring_mmap_rules },
	{ "stream/ring_teardown", test_ring_teardown },
	{ "stream/ring_no_write_pages_outlive",
	  test_ring_no_write_pages_outlive },
	{ "stream/ring_runs_while_mapped", test_ring_runs_while_mapped },
	{ NULL }
};
