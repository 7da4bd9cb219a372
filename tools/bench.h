/* SPDX-License-Identifier: GPL-2.0 */
/* mmbridge bench: shared by the benchmark sections and the CLI. */
#ifndef MMB_BENCH_H
#define MMB_BENCH_H

#include <stdbool.h>

#define BENCH_MAX_FIGURES	96

struct bench_out {
	bool progress;		/* show progress on stderr */
	int n;
	struct {
		char name[64];
		double value;
	} fig[BENCH_MAX_FIGURES];
};

void bench_figure(struct bench_out *out, const char *name, double value);
void bench_progress(struct bench_out *out, const char *section, int percent);
double bench_median(double *v, int n);

/* Sections: 0 or -errno. */
int bench_copy(struct bench_out *out);
int bench_irq(struct bench_out *out);
int bench_stream(struct bench_out *out);
int bench_region(struct bench_out *out);
int bench_object(struct bench_out *out);

#endif /* MMB_BENCH_H */
