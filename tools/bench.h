/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge bench: shared by the benchmark sections and the CLI.
 *
 * A section measures each variant in repeats, rotating the order of the
 * variants from one repeat to the next, and records every figure with its
 * spread: bench_samples() for a figure measured n times (median, min, max),
 * bench_ratio() for a ratio of two variants measured in the same repeats
 * (the median of the per-repeat ratios), bench_figure() for a figure
 * measured once.  Sweeps are lines: bench_point() adds one (x, y) point to
 * a series of a sweep.  CPU cost is measured around a variant with
 * bench_cpu_start() and bench_cpu_stop().
 */
#ifndef MMB_BENCH_H
#define MMB_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_FIGURES	512
#define BENCH_MAX_POINTS	2048

struct bench_fig {
	char name[64];
	double value;		/* the median */
	double min, max;
	int n;			/* repeats (1: measured once) */
};

struct bench_point {
	char sweep[32];		/* e.g. "copy_size" */
	char x_label[32];	/* e.g. "bytes" */
	char y_label[32];	/* e.g. "MB/s" */
	char series[32];	/* e.g. "copy_sync" */
	double x, y, y_min, y_max;
};

struct bench_out {
	bool progress;		/* show progress on stderr */
	int n, npoints;
	struct bench_fig fig[BENCH_MAX_FIGURES];
	struct bench_point point[BENCH_MAX_POINTS];
};

void bench_figure(struct bench_out *out, const char *name, double value);
void bench_samples(struct bench_out *out, const char *name, const double *v,
		   int n);
void bench_ratio(struct bench_out *out, const char *name, const double *num,
		 const double *den, int n);
void bench_point(struct bench_out *out, const char *sweep, const char *x_label,
		 const char *y_label, const char *series, double x,
		 const double *y, int n);
const struct bench_fig *bench_find(const struct bench_out *out,
				   const char *name);
void bench_progress(struct bench_out *out, const char *section, int percent);
double bench_median(double *v, int n);
double bench_median_of(const double *v, int n);
void bench_json(const struct bench_out *out, FILE *f);

/*
 * CPU cost: the busy time of every CPU of the machine (user, system,
 * interrupts, softirqs: kernel threads and workqueues included), of this
 * process (all its threads) and of mmbridge's kernel threads, between
 * bench_cpu_start() and bench_cpu_stop().  In seconds.
 */
struct bench_cpu {
	double wall;		/* elapsed */
	double machine;		/* all CPUs' busy time */
	double process;		/* this process's threads */
	double kthreads;	/* mmb-* kernel threads */
};

void bench_cpu_start(struct bench_cpu *c);
void bench_cpu_stop(struct bench_cpu *c);
double bench_now(void);

/*
 * Background load for the load sweeps: BENCH_IDLE (none), BENCH_HOG (a
 * spinning process on every CPU, at the benchmark's own priority), or
 * BENCH_MEMORY (a process that keeps rewriting anonymous memory worth 60%
 * of MemTotal, so reclaim and swap run under the benchmark).
 * bench_load_start() returns when the load runs; bench_load_stop() kills
 * and reaps it.  0 or -errno.
 */
enum bench_load { BENCH_IDLE, BENCH_HOG, BENCH_MEMORY, BENCH_NLOADS };

extern const char *const bench_load_name[BENCH_NLOADS];

struct bench_loadgen {
	int n;
	int pid[64];
};

int bench_load_start(struct bench_loadgen *g, enum bench_load load);
void bench_load_stop(struct bench_loadgen *g);

/* Sections: 0 or -errno. */
int bench_copy(struct bench_out *out);
int bench_irq(struct bench_out *out);
int bench_stream(struct bench_out *out);
int bench_region(struct bench_out *out);
int bench_object(struct bench_out *out);
int bench_fio(struct bench_out *out);

#endif /* MMB_BENCH_H */
