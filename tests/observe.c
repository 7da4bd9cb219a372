// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: debugfs statistics, tracepoints and `mmbridge stat`.  One
 * fixed workload on soft0 whose every event is known in advance; the
 * statistics must move by exactly that much and the trace must hold
 * exactly those events.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness.h"

#define W_READS 3		/* worker reads of W_LEN bytes */
#define W_LEN (64 * 1024)
#define W_RING_PAGES 3		/* pinned ring */
#define W_REGION_PAGES 4	/* region pages read once, live */
#define W_OBJ_PAGES 2		/* object pages touched, moved there and back */
#define W_IRQS 5

static const char *const stat_names[] = {
	"events", "copies", "copy_bytes", "copy_faults", "pins", "pinned_pages",
	"unpins", "region_faults", "object_faults", "revokes", "restores",
	"migrations", "migrated_bytes",
};
#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))

static int stats_read(uint64_t *v)
{
	size_t i;
	int r;

	for (i = 0; i < NSTATS; i++) {
		r = mmb_stat_get("soft0", stat_names[i], &v[i]);
		if (r)
			return r;
	}
	return 0;
}

/* The workload: every event counted in stat_delta, nothing else. */
static int workload(void)
{
	int fd = dev_open("soft0");
	uint8_t *buf, *ro, *reg, *obj;
	volatile uint8_t sink = 0;
	uint32_t id, h, raised;
	uint64_t off;
	int i;

	EXPECT_OK(fd);
	buf = malloc(W_LEN);
	EXPECT(buf, "malloc");
	EXPECT_OK(mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 7, 0, 0));
	for (i = 0; i < W_READS; i++)
		EXPECT_EQ(read(fd, buf, W_LEN), W_LEN);
	ro = map_anon(PG, PROT_READ);
	EXPECT(ro, "mmap");
	EXPECT_EQ(read(fd, ro, PG), -1);
	EXPECT_EQ(errno, EFAULT);

	reg = map_anon(W_RING_PAGES * PG, PROT_READ | PROT_WRITE);
	EXPECT(reg, "mmap");
	EXPECT_OK(mmb_pin_region(fd, reg, W_RING_PAGES * PG, &id, NULL));
	EXPECT_OK(mmb_unpin_region(fd, id));
	munmap(reg, W_RING_PAGES * PG);

	reg = mmb_region_map(fd, MMB_FAULT_DISCARD, 0, W_REGION_PAGES * PG);
	EXPECT(reg, "region map: %s", strerror(errno));
	for (i = 0; i < W_REGION_PAGES; i++)
		sink += reg[i * PG];
	EXPECT_OK(mmb_region_revoke(fd, NULL));
	sink += reg[0];
	EXPECT_OK(mmb_region_restore(fd, NULL));
	mmb_region_unmap(reg, W_REGION_PAGES * PG);

	EXPECT_OK(mmb_obj_create(fd, W_OBJ_PAGES * PG, MMB_OBJ_RAM, &h, &off));
	obj = mmb_obj_map(fd, off, W_OBJ_PAGES * PG);
	EXPECT(obj, "object map: %s", strerror(errno));
	for (i = 0; i < W_OBJ_PAGES; i++)
		sink += obj[i * PG];
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_DEVICE));
	for (i = 0; i < W_OBJ_PAGES; i++)
		sink += obj[i * PG];
	EXPECT_OK(mmb_obj_migrate(fd, h, MMB_OBJ_RAM));
	munmap(obj, W_OBJ_PAGES * PG);
	EXPECT_OK(mmb_obj_destroy(fd, h));

	EXPECT_OK(mmb_irq_trigger(fd, W_IRQS, &raised));
	EXPECT_EQ(raised, W_IRQS);
	(void)sink;
	munmap(ro, PG);
	free(buf);
	close(fd);
	return T_PASS;
}

/* Every statistic moves by exactly what the workload did. */
static int test_debugfs_stats(void)
{
	/* What the workload adds to each statistic, in stat_names order. */
	const uint64_t stat_delta[NSTATS] = {
		W_IRQS + 2,			/* + revoke and restore events */
		W_READS + 1,			/* + the one into read-only memory */
		W_READS * W_LEN,
		1,
		1, W_RING_PAGES, 1,
		W_REGION_PAGES + 1,		/* + one DISCARD fault while revoked */
		W_OBJ_PAGES * 2,		/* touched in RAM, again in the pool */
		1, 1,
		2, 2 * W_OBJ_PAGES * PG,
	};
	uint64_t v0[NSTATS], v1[NSTATS];
	char mode[64];
	size_t i;
	int r;

	if (access("/sys/kernel/debug/mmbridge", F_OK))
		SKIP("no debugfs");
	EXPECT_OK(read_line("/sys/kernel/debug/mmbridge/soft0/stats", mode,
			    sizeof(mode)));
	EXPECT_OK(stats_read(v0));
	r = workload();
	if (r)
		return r;
	EXPECT_OK(stats_read(v1));
	for (i = 0; i < NSTATS; i++)
		EXPECT(v1[i] - v0[i] == stat_delta[i],
		       "%s moved by %llu, expected %llu", stat_names[i],
		       (unsigned long long)(v1[i] - v0[i]),
		       (unsigned long long)stat_delta[i]);
	EXPECT_EQ(mmb_stat_get("soft0", "region_state", &v1[0]), 0);
	EXPECT_EQ(v1[0], 0);
	EXPECT_EQ(mmb_stat_get("soft0", "nonsense", &v1[0]), -ENOENT);
	EXPECT_EQ(mmb_stat_get("nodev0", "copies", &v1[0]), -ENOENT);
	EXPECT_EQ(mmb_stat_get("../x", "copies", &v1[0]), -EINVAL);
	return T_PASS;
}

/* Count lines of the trace that contain every one of @needles. */
static int trace_count(const char *trace, const char *const *needles)
{
	const char *line = trace, *end;
	char buf[512];
	int n = 0, i;

	while (*line) {
		size_t len;

		end = strchr(line, '\n');
		len = end ? (size_t)(end - line) : strlen(line);
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = 0;
		for (i = 0; needles[i] && strstr(buf, needles[i]); i++)
			;
		if (line[0] != '#' && !needles[i])
			n++;
		if (!end)
			break;
		line = end + 1;
	}
	return n;
}

#define TRACEFS "/sys/kernel/tracing"

/* The workload's events, each exactly once (or as often as it happened). */
static int test_tracepoints(void)
{
	static char trace[1 << 20];
	char pages[32];
	const struct {
		int count;
		const char *needles[4];
	} want[] = {
		{ W_READS + 1, { "mmb_copy_submit:", NULL } },
		{ W_READS, { "mmb_copy_done:", "copied=65536 status=0", NULL } },
		{ 1, { "mmb_copy_done:", "copied=0 status=-14", NULL } },
		{ 1, { "mmb_pin:", pages, "ret=0", NULL } },
		{ 1, { "mmb_unpin:", pages, NULL } },
		{ W_REGION_PAGES, { "mmb_fault:", "dev=soft0 region", "state=0x0", NULL } },
		{ 1, { "mmb_fault:", "dev=soft0 region", "state=0x1", NULL } },
		{ 2 * W_OBJ_PAGES, { "mmb_fault:", "dev=soft0 object", NULL } },
		{ 1, { "mmb_region_state:", "dev=soft0 region=0 revoke", "state=0x0->0x1 zapped", NULL } },
		{ 1, { "mmb_region_state:", "dev=soft0 region=0 restore", "state=0x1->0x0 zapped", NULL } },
		{ 1, { "mmb_migrate:", "to=device size=8192", NULL } },
		{ 1, { "mmb_migrate:", "to=ram size=8192", NULL } },
	};
	size_t i, total = 0;
	ssize_t n;
	int fd, r;

	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events", F_OK))
		SKIP("no tracefs in this kernel");
	if (access(TRACEFS "/events/mmbridge", F_OK))
		SKIP("kernel built without tracepoints (no events/mmbridge)");
	snprintf(pages, sizeof(pages), "pages=%d", W_RING_PAGES);
	EXPECT_OK(write_str(TRACEFS "/tracing_on", "0"));
	EXPECT_OK(write_str(TRACEFS "/buffer_size_kb", "1024"));
	fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);
	EXPECT(fd >= 0, "clearing the trace: %s", strerror(errno));
	close(fd);
	EXPECT_OK(write_str(TRACEFS "/events/mmbridge/enable", "1"));
	EXPECT_OK(write_str(TRACEFS "/tracing_on", "1"));
	r = workload();
	write_str(TRACEFS "/tracing_on", "0");
	write_str(TRACEFS "/events/mmbridge/enable", "0");
	if (r)
		return r;

	fd = open(TRACEFS "/trace", O_RDONLY);
	EXPECT(fd >= 0, "trace: %s", strerror(errno));
	n = 0;
	for (;;) {
		ssize_t k = read(fd, trace + n, sizeof(trace) - 1 - n);

		if (k <= 0)
			break;
		n += k;
	}
	close(fd);
	trace[n] = 0;
	EXPECT(!strstr(trace, "LOST"), "the trace lost events");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int c = trace_count(trace, want[i].needles);

		if (c != want[i].count)
			printf("# trace:\n%s", trace);
		EXPECT(c == want[i].count, "%d trace lines with %s %s %s, expected %d",
		       c, want[i].needles[0], want[i].needles[1] ? want[i].needles[1] : "",
		       want[i].needles[1] && want[i].needles[2] ? want[i].needles[2] : "",
		       want[i].count);
	}
	/* And nothing else: the lines above are every mmbridge event. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		total += want[i].count;
	{
		const char *any[] = { ": mmb_", NULL };

		EXPECT_EQ(trace_count(trace, any), total);
	}
	return T_PASS;
}

/* `mmbridge stat` prints the same totals as debugfs. */
static int test_cli_stat(void)
{
	char line[256], name[64];
	unsigned long long v[3];
	uint64_t want;
	int rows = 0;
	FILE *f;

	if (access("/sys/kernel/debug/mmbridge", F_OK))
		SKIP("no debugfs");
	f = popen("mmbridge stat soft0 edu0 ivshmem0 2>&1", "r");
	EXPECT(f, "popen");
	EXPECT(fgets(line, sizeof(line), f), "no output");
	EXPECT(strstr(line, "soft0") && strstr(line, "edu0") &&
	       strstr(line, "ivshmem0"), "header: %s", line);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lli %lli %lli", name, (long long *)&v[0],
			   (long long *)&v[1], (long long *)&v[2]) != 4)
			FAIL("line: %s", line);
		EXPECT_OK(mmb_stat_get("soft0", name, &want));
		/* events could move under a running timer; nothing runs now. */
		EXPECT(v[0] == want, "%s: %llu printed, %llu in debugfs", name,
		       v[0], (unsigned long long)want);
		EXPECT_OK(mmb_stat_get("edu0", name, &want));
		EXPECT(v[1] == want, "edu0 %s: %llu, %llu", name, v[1],
		       (unsigned long long)want);
		rows++;
	}
	EXPECT_EQ(pclose(f), 0);
	EXPECT_EQ(rows, NSTATS + 1);	/* + region_state */
	f = popen("mmbridge stat nodev0 2>&1", "r");
	EXPECT(f, "popen");
	EXPECT(fgets(line, sizeof(line), f) && strstr(line, "nodev0"),
	       "no error for a missing device");
	EXPECT_EQ(WEXITSTATUS(pclose(f)), 1);
	return T_PASS;
}

const struct mmb_test observe_tests[] = {
	{ "observe/debugfs_stats", test_debugfs_stats },
	{ "observe/tracepoints", test_tracepoints },
	{ "observe/cli_stat", test_cli_stat },
	{ NULL, NULL },
};
