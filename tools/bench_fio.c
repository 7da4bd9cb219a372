// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge bench fio: fio, a client nobody here wrote, reading soft0's copy
 * fd against the same job reading a file on tmpfs (the page cache's
 * copy_to_user() in the reader's own context) in the same guest run.
 *
 * Every job is fio's io_uring engine at iodepth 16 or its psync engine,
 * rw=read over a 64 MiB file for 1 s (time_based), with the host's fio run
 * through the host's dynamic loader over 9p.  The copy fd reads soft0's
 * MMB_SRC_GEN source (fio cannot configure a file: sysfs copy_mode sets the
 * mode a new file starts in); the tmpfs file holds what fio laid out.
 * Variants, taking turns in an order rotated from one repeat to the next:
 *
 *   uring_copyfd   io_uring, iodepth 16, copy fd in MMB_COPY_WORKER: each
 *                  read is queued to the engine and completed through its
 *                  kiocb by an mmb-copy worker;
 *   uring_tmpfs    the same job on the tmpfs file;
 *   psync_sync     psync (pread, one at a time) on a copy fd in
 *                  MMB_COPY_SYNC: the copy in the reader's system call;
 *   psync_worker   the same in MMB_COPY_WORKER: the reader sleeps while a
 *                  worker copies;
 *   psync_worker_2readers  psync_worker in two processes at once (fio
 *                  numjobs=2, each with its own fd), their bandwidths
 *                  added.
 *
 * Figures (<sz> is 4k and 1m; MB/s are 10^6 bytes per second):
 *   fio_<variant>_mbps_<sz>: fio's bandwidth;
 *   fio_<variant>_cpu_s_per_gb_<sz>: CPU seconds per 10^9 bytes: the user
 *     and system time of the job's process during the job as fio reports
 *     it (fio's own start, some seconds of loading over 9p, not), plus the
 *     mmb-* kernel threads' run time by their own clocks.  For uring_tmpfs
 *     it misses the copies (0.05 s per GB at 2 GB/s): io_uring does them
 *     where fio's accounting does not look, so no CPU ratio against tmpfs
 *     is given;
 *   ratio_fio_uring_vs_tmpfs_<sz>: uring_copyfd over uring_tmpfs;
 *   ratio_copy_async_vs_sync_<sz>: uring_copyfd over psync_sync (16 reads
 *     in flight through the engine's asynchronous path, one submitter,
 *     against the copy in the system call);
 *   ratio_fio_worker_vs_sync_<sz>: psync_worker over psync_sync;
 *   ratio_copy_cpu_vs_sync_<sz>: CPU per byte, psync_worker (reader and
 *     workers) over psync_sync;
 *   ratio_copy_2readers_vs_1_<sz>: psync_worker_2readers over psync_worker
 *     (the guest has 2 vCPUs); ratio_copy_2readers_vs_1 is the 1 MiB one.
 * Ratios are the median of the per-repeat ratios.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define FIO_LD		"/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
#define FIO_LIBS	"/host/lib/x86_64-linux-gnu:" \
			"/host/usr/lib/x86_64-linux-gnu:" \
			"/host/usr/lib/x86_64-linux-gnu/ceph"
#define FIO_BIN		"/host/usr/bin/fio"
#define FIO_DIR		"/tmp/mmb-bench-fio"
#define FIO_DEV		"/dev/mmbridge/soft0"
#define FIO_MODE	"/sys/class/mmbridge/soft0/copy_mode"
#define FIO_REPEATS	3

enum {
	V_URING_COPYFD,
	V_URING_TMPFS,
	V_PSYNC_SYNC,
	V_PSYNC_WORKER,
	V_PSYNC_WORKER2,
	NV
};

static const char *const v_name[NV] = {
	"uring_copyfd", "uring_tmpfs", "psync_sync", "psync_worker",
	"psync_worker_2readers",
};

struct fio_res {
	double mbps;
	double cpu_s_per_gb;
};

static int write_mode(const char *mode)
{
	FILE *f = fopen(FIO_MODE, "w");
	int r;

	if (!f)
		return -errno;
	r = fputs(mode, f) < 0 ? -EIO : 0;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/* One fio job of 1 s; 0, or -1 with what fio said on stderr. */
static int fio_job(int v, unsigned int bs_kib, struct fio_res *res)
{
	char cmd[1024], line[4096], said[2048] = "";
	double bw = 0, usr = 0, sys = 0, runtime_ms = 0;
	struct bench_cpu cpu;
	bool found = false;
	int err = -1;
	FILE *f;

	if (write_mode(v == V_URING_COPYFD || v >= V_PSYNC_WORKER ? "worker" :
								     "sync"))
		return -1;
	/*
	 * Jobs are processes (fio's CPU figures then count all their
	 * threads); two readers are two, their bandwidths summed by fio.
	 */
	snprintf(cmd, sizeof(cmd),
		 "%s --library-path " FIO_LIBS " " FIO_BIN
		 " --minimal %s --name=b --filename=%s --rw=read --bs=%uk"
		 " --size=64m --time_based --runtime=1 --ioengine=%s"
		 " --iodepth=%u 2>&1",
		 FIO_LD,
		 v == V_PSYNC_WORKER2 ? "--numjobs=2 --group_reporting" : "",
		 v == V_URING_TMPFS ? FIO_DIR "/f" : FIO_DEV, bs_kib,
		 v >= V_PSYNC_SYNC ? "psync" : "io_uring",
		 v >= V_PSYNC_SYNC ? 1 : 16);
	bench_cpu_start(&cpu);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *p = line, *tok;
		int i;

		if (strncmp(line, "3;", 2)) {
			strncat(said, line, sizeof(said) - strlen(said) - 1);
			continue;
		}
		/* Terse v3: 5 error, 7 read KiB/s, 9 runtime ms, 88/89 CPU %. */
		for (i = 1; (tok = strtok_r(p, ";", &save)); i++, p = NULL) {
			if (i == 5)
				err = atoi(tok);
			else if (i == 7)
				bw = atof(tok);
			else if (i == 9)
				runtime_ms = atof(tok);
			else if (i == 88)
				usr = atof(tok);
			else if (i == 89)
				sys = atof(tok);
		}
		found = i > 89;
	}
	pclose(f);
	bench_cpu_stop(&cpu);
	if (!found || err || bw <= 0 || runtime_ms <= 0) {
		fprintf(stderr, "mmbridge bench fio: %s %uk: no result (error %d)\n%s",
			v_name[v], bs_kib, err, said);
		return -1;
	}
	res->mbps = bw * 1024 / 1e6;
	res->cpu_s_per_gb = ((usr + sys) / 100 * runtime_ms / 1000 +
			     cpu.kthreads) /
			    (bw * 1024 * runtime_ms / 1000 / 1e9);
	return 0;
}

/* The ratios, each at every block size: <name>_<sz>. */
static const struct fio_ratio {
	const char *name;
	int num, den;
	bool cpu; /* of CPU per byte, else of bandwidth */
} fio_ratios[] = {
	{ "ratio_fio_uring_vs_tmpfs", V_URING_COPYFD, V_URING_TMPFS, false },
	{ "ratio_copy_async_vs_sync", V_URING_COPYFD, V_PSYNC_SYNC, false },
	{ "ratio_fio_worker_vs_sync", V_PSYNC_WORKER, V_PSYNC_SYNC, false },
	{ "ratio_copy_cpu_vs_sync", V_PSYNC_WORKER, V_PSYNC_SYNC, true },
	{ "ratio_copy_2readers_vs_1", V_PSYNC_WORKER2, V_PSYNC_WORKER, false },
};

#define NRATIOS ((int)(sizeof(fio_ratios) / sizeof(fio_ratios[0])))

int bench_fio(struct bench_out *out)
{
	static const unsigned int bs_kib[] = { 4, 1024 };
	static const char *const sz[] = { "4k", "1m" };
	double mbps[2][NV][FIO_REPEATS], cpu[2][NV][FIO_REPEATS];
	struct fio_res res;
	char name[64];
	int s, rep, k, v, done = 0, ret = 0;

	if (access(FIO_BIN, X_OK) || access(FIO_LD, X_OK)) {
		fprintf(stderr, "mmbridge bench fio: no fio on the host\n");
		return -ENOENT;
	}
	mkdir(FIO_DIR, 0700);
	if (mount("tmpfs", FIO_DIR, "tmpfs", 0, "size=96m") && errno != EBUSY) {
		fprintf(stderr, "mmbridge bench fio: mount tmpfs: %s\n",
			strerror(errno));
		return -errno;
	}
	/* fio lays the file out on its first job: not a measured one. */
	if (fio_job(V_URING_TMPFS, 1024, &res)) {
		ret = -EIO;
		goto out;
	}
	for (rep = 0; rep < FIO_REPEATS && !ret; rep++)
		for (s = 0; s < 2 && !ret; s++)
			for (k = 0; k < NV && !ret; k++) {
				v = (k + rep + s) % NV;
				if (fio_job(v, bs_kib[s], &res)) {
					ret = -EIO;
					break;
				}
				mbps[s][v][rep] = res.mbps;
				cpu[s][v][rep] = res.cpu_s_per_gb;
				bench_progress(out, "fio",
					       ++done * 100 / (FIO_REPEATS * 2 * NV));
			}
	if (ret)
		goto out;
	for (s = 0; s < 2; s++) {
		for (v = 0; v < NV; v++) {
			snprintf(name, sizeof(name), "fio_%s_mbps_%s", v_name[v],
				 sz[s]);
			bench_samples(out, name, mbps[s][v], FIO_REPEATS);
			snprintf(name, sizeof(name), "fio_%s_cpu_s_per_gb_%s",
				 v_name[v], sz[s]);
			bench_samples(out, name, cpu[s][v], FIO_REPEATS);
		}
		for (k = 0; k < NRATIOS; k++) {
			const struct fio_ratio *q = &fio_ratios[k];
			double(*of)[NV][FIO_REPEATS] = q->cpu ? cpu : mbps;

			snprintf(name, sizeof(name), "%s_%s", q->name, sz[s]);
			bench_ratio(out, name, of[s][q->num], of[s][q->den],
				    FIO_REPEATS);
		}
	}
	bench_ratio(out, "ratio_copy_2readers_vs_1", mbps[1][V_PSYNC_WORKER2],
		    mbps[1][V_PSYNC_WORKER], FIO_REPEATS);
out:
	write_mode("sync");
	umount2(FIO_DIR, MNT_DETACH);
	return ret;
}
