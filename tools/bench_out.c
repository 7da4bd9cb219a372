// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench: figures with their spread, sweep points, CPU cost and the
 * JSON the host turns into build/bench.json:
 *   { "figures": { name: median },
 *     "spread": { name: { "min", "max", "n" } },
 *     "sweeps": { sweep: { "x", "y", "series": { series: [[x, y, min, max]] } } } }
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of n values, v left as it was. */
double bench_median_of(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * (n > 0 ? n : 1));
	double m;

	if (!s || n <= 0) {
		free(s);
		return 0;
	}
	memcpy(s, v, sizeof(*s) * n);
	m = bench_median(s, n);
	free(s);
	return m;
}

static struct bench_fig *new_fig(struct bench_out *out, const char *name)
{
	struct bench_fig *f;

	if (out->n == BENCH_MAX_FIGURES) {
		fprintf(stderr, "mmbridge bench: too many figures, %s dropped\n",
			name);
		return NULL;
	}
	f = &out->fig[out->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

void bench_figure(struct bench_out *out, const char *name, double value)
{
	struct bench_fig *f = new_fig(out, name);

	if (f) {
		f->value = f->min = f->max = value;
		f->n = 1;
	}
}

/* Median, min and max of n samples; v is left as it was. */
static void stats(const double *v, int n, double *med, double *min,
		  double *max)
{
	double *s = malloc(sizeof(*s) * (n > 0 ? n : 1));

	*med = *min = *max = 0;
	if (!s || n <= 0) {
		free(s);
		return;
	}
	memcpy(s, v, sizeof(*s) * n);
	*med = bench_median(s, n);
	*min = s[0];
	*max = s[n - 1];
	free(s);
}

void bench_samples(struct bench_out *out, const char *name, const double *v,
		   int n)
{
	struct bench_fig *f = new_fig(out, name);

	if (f) {
		stats(v, n, &f->value, &f->min, &f->max);
		f->n = n;
	}
}

void bench_ratio(struct bench_out *out, const char *name, const double *num,
		 const double *den, int n)
{
	double *r = malloc(sizeof(*r) * (n > 0 ? n : 1));
	int i;

	if (!r)
		return;
	for (i = 0; i < n; i++)
		r[i] = den[i] ? num[i] / den[i] : 0;
	bench_samples(out, name, r, n);
	free(r);
}

void bench_point(struct bench_out *out, const char *sweep, const char *x_label,
		 const char *y_label, const char *series, double x,
		 const double *y, int n)
{
	struct bench_point *p;

	if (out->npoints == BENCH_MAX_POINTS) {
		fprintf(stderr, "mmbridge bench: too many sweep points\n");
		return;
	}
	p = &out->point[out->npoints++];
	snprintf(p->sweep, sizeof(p->sweep), "%s", sweep);
	snprintf(p->x_label, sizeof(p->x_label), "%s", x_label);
	snprintf(p->y_label, sizeof(p->y_label), "%s", y_label);
	snprintf(p->series, sizeof(p->series), "%s", series);
	p->x = x;
	stats(y, n, &p->y, &p->y_min, &p->y_max);
}

const struct bench_fig *bench_find(const struct bench_out *out,
				   const char *name)
{
	int i;

	for (i = 0; i < out->n; i++)
		if (!strcmp(out->fig[i].name, name))
			return &out->fig[i];
	return NULL;
}

static void json_sweeps(const struct bench_out *out, FILE *f)
{
	bool sweep_done[BENCH_MAX_POINTS] = { false };
	int i, j, k, nsweeps = 0;

	fprintf(f, ",\n \"sweeps\": {");
	for (i = 0; i < out->npoints; i++) {
		const struct bench_point *p = &out->point[i];
		int nseries = 0;

		if (sweep_done[i])
			continue;
		fprintf(f, "%s\n  \"%s\": { \"x\": \"%s\", \"y\": \"%s\", \"series\": {",
			nsweeps++ ? "," : "", p->sweep, p->x_label, p->y_label);
		/* Each series of this sweep, points in the order measured. */
		for (j = i; j < out->npoints; j++) {
			const struct bench_point *q = &out->point[j];
			int npts = 0;

			if (sweep_done[j] || strcmp(q->sweep, p->sweep))
				continue;
			fprintf(f, "%s\n   \"%s\": [", nseries++ ? "," : "",
				q->series);
			for (k = j; k < out->npoints; k++) {
				const struct bench_point *s = &out->point[k];

				if (sweep_done[k] || strcmp(s->sweep, p->sweep) ||
				    strcmp(s->series, q->series))
					continue;
				sweep_done[k] = true;
				fprintf(f, "%s[%.6g, %.4g, %.4g, %.4g]",
					npts++ ? ", " : "", s->x, s->y,
					s->y_min, s->y_max);
			}
			fprintf(f, "]");
		}
		fprintf(f, " } }");
	}
	fprintf(f, "\n }");
}

void bench_json(const struct bench_out *out, FILE *f)
{
	int i;

	fprintf(f, "{\n \"figures\": {");
	for (i = 0; i < out->n; i++)
		fprintf(f, "%s\n  \"%s\": %.4g", i ? "," : "", out->fig[i].name,
			out->fig[i].value);
	fprintf(f, "\n },\n \"spread\": {");
	for (i = 0; i < out->n; i++)
		fprintf(f, "%s\n  \"%s\": { \"min\": %.4g, \"max\": %.4g, \"n\": %d }",
			i ? "," : "", out->fig[i].name, out->fig[i].min,
			out->fig[i].max, out->fig[i].n);
	fprintf(f, "\n }");
	json_sweeps(out, f);
	fprintf(f, "\n}\n");
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* All CPUs' busy time from /proc/stat's "cpu" line, in seconds. */
static double machine_busy(void)
{
	unsigned long long v[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	double busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i;

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) >= 7) {
		for (i = 0; i < 8; i++)
			if (i != 3 && i != 4)	/* idle, iowait */
				busy += v[i];
	}
	fclose(f);
	return hz > 0 ? busy / hz : 0;
}

/* A task's time on a CPU, from /proc/<pid>/schedstat (nanoseconds). */
static double task_runtime(const char *pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.16s/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns / 1e9;
}

/* mmbridge's kernel threads: mmb-copy/N, mmb-soft-dma. */
static double kthreads_runtime(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	double sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], comm[32] = "";
		int fd;
		ssize_t n;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n > 4 && !strncmp(comm, "mmb-", 4))
			sum += task_runtime(e->d_name);
	}
	closedir(d);
	return sum;
}

static double process_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void bench_cpu_start(struct bench_cpu *c)
{
	c->kthreads = kthreads_runtime();
	c->process = process_cpu();
	c->machine = machine_busy();
	c->wall = bench_now();
}

void bench_cpu_stop(struct bench_cpu *c)
{
	c->wall = bench_now() - c->wall;
	c->machine = machine_busy() - c->machine;
	c->process = process_cpu() - c->process;
	c->kthreads = kthreads_runtime() - c->kthreads;
}

const char *const bench_load_name[BENCH_NLOADS] = { "idle", "cpu_hog", "memory" };

static void __attribute__((noreturn)) hog_main(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
}

/* Rewrite bytes pages, a byte a page, for ever. */
static void __attribute__((noreturn)) memory_main(size_t bytes)
{
	uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;
	uint8_t v = 0;

	if (p == MAP_FAILED)
		_exit(1);
	for (;; v++)
		for (i = 0; i < bytes; i += 4096)
			p[i] = v;
}

static size_t mem_total(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

int bench_load_start(struct bench_loadgen *g, enum bench_load load)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int i, want;

	g->n = 0;
	if (load == BENCH_IDLE)
		return 0;
	want = load == BENCH_HOG ? (int)(cpus > 0 ? cpus : 1) : 1;
	if (want > (int)(sizeof(g->pid) / sizeof(g->pid[0])))
		want = sizeof(g->pid) / sizeof(g->pid[0]);
	for (i = 0; i < want; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			int err = -errno;

			bench_load_stop(g);
			return err;
		}
		if (pid == 0) {
			if (load == BENCH_HOG)
				hog_main();
			memory_main(mem_total() / 10 * 6);
		}
		g->pid[g->n++] = pid;
	}
	/* Let the load get going: the hogs onto their CPUs, the memory in. */
	usleep(load == BENCH_MEMORY ? 2000000 : 100000);
	return 0;
}

void bench_load_stop(struct bench_loadgen *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		kill(g->pid[i], SIGKILL);
	for (i = 0; i < g->n; i++)
		waitpid(g->pid[i], NULL, 0);
	g->n = 0;
}
