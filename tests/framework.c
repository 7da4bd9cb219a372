// SPDX-License-Identifier: GPL-2.0
/*
 * The framework: mmbridge.ko is the core, each driver a module of its own
 * on its public API.  Drivers load and unload alone in any order; the core
 * cannot go while one is loaded; each depends on mmbridge and on nothing
 * else, and imports the MMBRIDGE namespace.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

/* The node each driver brings, as mmb.expect names the present ones. */
static const char *const fw_nodes[] = { "soft0", "edu0", "ivshmem0" };

static bool fw_expected(int d)
{
	char expect[256];

	return cmdline_get("mmb.expect", expect, sizeof(expect)) &&
	       strstr(expect, fw_nodes[d]);
}

static int fw_wait_node(const char *name, bool present)
{
	char path[128];
	int i;

	snprintf(path, sizeof(path), MMB_DEV_DIR "/%s", name);
	for (i = 0; i < 100; i++) {
		if (!access(path, F_OK) == present)
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

static bool fw_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* Value of @key in the .modinfo strings of module file @ko, in @out. */
static int fw_modinfo(const char *ko, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n, i;
	static char buf[16 << 20];
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -EIO;
	n = r;
	buf[n] = 0;
	/* .modinfo holds NUL-separated "key=value" strings. */
	for (i = 0; i + klen + 1 < n; i++) {
		if ((i == 0 || !buf[i - 1]) && !memcmp(buf + i, key, klen) &&
		    buf[i + klen] == '=') {
			snprintf(out, size, "%s", buf + i + klen + 1);
			return 0;
		}
	}
	return -ENOENT;
}

static int fw_load(const char *ko, int d)
{
	return module_load_driver(ko, mmb_drivers[d], getenv("MMB_PARAMS"));
}

/*
 * Every order of loading the three drivers, and of unloading them: each
 * brings its device and takes it away alone; mmbridge is refused
 * (EWOULDBLOCK) while any is loaded and unloads once none is.
 */
static int test_backend_modules(void)
{
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 },
					  { 1, 0, 2 }, { 1, 2, 0 },
					  { 2, 0, 1 }, { 2, 1, 0 } };
	const char *ko = getenv("MMB_KO");
	int o, i, d, r;

	if (!ko)
		SKIP("MMB_KO not set");
	for (d = 0; mmb_drivers[d]; d++)
		EXPECT_OK(module_unload(mmb_drivers[d]));
	for (o = 0; o < 6; o++) {
		for (i = 0; i < 3; i++) {
			d = orders[o][i];
			EXPECT_OK(fw_load(ko, d));
			if (fw_expected(d))
				EXPECT_OK(fw_wait_node(fw_nodes[d], true));
			r = syscall(SYS_delete_module, "mmbridge", O_NONBLOCK);
			EXPECT(r == -1 && errno == EWOULDBLOCK,
			       "rmmod mmbridge with %s loaded: %d (%s)",
			       mmb_drivers[d], r, strerror(errno));
		}
		/* Unloaded in the order of the next permutation. */
		for (i = 0; i < 3; i++) {
			d = orders[(o + 1) % 6][i];
			EXPECT_OK(module_unload(mmb_drivers[d]));
			EXPECT(!fw_loaded(mmb_drivers[d]), "%s still loaded",
			       mmb_drivers[d]);
			EXPECT_OK(fw_wait_node(fw_nodes[d], false));
		}
	}
	EXPECT_OK(module_unload("mmbridge"));
	EXPECT(!fw_loaded("mmbridge"), "mmbridge still loaded");
	EXPECT_OK(module_reload());
	for (d = 0; d < 3; d++)
		if (fw_expected(d))
			EXPECT_OK(fw_wait_node(fw_nodes[d], true));
	return T_PASS;
}

/* Each driver depends on mmbridge alone and imports its namespace. */
static int test_driver_modinfo(void)
{
	const char *ko = getenv("MMB_KO"), *slash;
	char path[PATH_MAX], val[256];
	int d;

	if (!ko)
		SKIP("MMB_KO not set");
	slash = strrchr(ko, '/');
	for (d = 0; mmb_drivers[d]; d++) {
		snprintf(path, sizeof(path), "%.*s/%s.ko",
			 slash ? (int)(slash - ko) : 1, slash ? ko : ".",
			 mmb_drivers[d]);
		EXPECT_OK(fw_modinfo(path, "depends", val, sizeof(val)));
		EXPECT(!strcmp(val, "mmbridge"), "%s depends on \"%s\"",
		       mmb_drivers[d], val);
		EXPECT_OK(fw_modinfo(path, "import_ns", val, sizeof(val)));
		EXPECT(!strcmp(val, "MMBRIDGE"), "%s imports \"%s\"",
		       mmb_drivers[d], val);
	}
	EXPECT_OK(fw_modinfo(ko, "depends", val, sizeof(val)));
	EXPECT(!val[0], "mmbridge depends on \"%s\"", val);
	return T_PASS;
}

#define REGTEST_KO "/lib/mmb_regtest.ko"

/* Load the test driver with regtest_case=@c: -errno of its init. */
static int regtest_load(const char *c)
{
	char params[64];
	int fd = open(REGTEST_KO, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	snprintf(params, sizeof(params), "regtest_case=%s", c);
	r = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return r;
}

/*
 * Regions 0 and 2 and none 1, as a PCI device's BARs may be: region 1 is
 * -ENXIO wherever a region is named, and the others work.
 */
static int regions_with_a_gap(void)
{
	struct mmb_region_info ri;
	volatile uint64_t *p;
	int fd;

	EXPECT_OK(regtest_load("region_gap"));
	EXPECT_OK(fw_wait_node("regtest0", true));
	fd = dev_open("regtest0");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.nr_regions, 3);
	EXPECT_ERR(mmb_region_info_at(fd, 1, &ri), ENXIO);
	EXPECT_ERR(mmb_region_revoke_at(fd, 1, NULL), ENXIO);
	EXPECT_ERR(mmb_region_export_at(fd, 1, 0, 4096, MMB_FAULT_SIGBUS, 0),
		   ENXIO);
	EXPECT(!mmb_region_map_at(fd, 1, MMB_FAULT_SIGBUS, 0, 4096) &&
	       errno == ENXIO, "region 1 mapped, or %s", strerror(errno));
	EXPECT_OK(mmb_region_info_at(fd, 2, &ri));
	EXPECT_EQ(ri.size, 8192);
	p = mmb_region_map_at(fd, 2, MMB_FAULT_SIGBUS, 0, 8192);
	EXPECT(p, "region 2: %s", strerror(errno));
	p[1023] = 0x1234;
	EXPECT_EQ(p[1023], 0x1234);
	/* A revocation of the device's regions is one event each. */
	EXPECT_OK(mmb_region_revoke_at(fd, 2, NULL));
	EXPECT_OK(mmb_region_info_at(fd, 2, &ri));
	EXPECT_EQ(ri.state, MMB_REGION_REVOKED_USER);
	EXPECT_OK(mmb_region_info_at(fd, 0, &ri));
	EXPECT_EQ(ri.state, 0);
	EXPECT_OK(mmb_region_restore_at(fd, 2, NULL));
	EXPECT_EQ(p[1023], 0x1234);
	munmap((void *)p, 8192);
	close(fd);
	EXPECT_OK(module_unload("mmb_regtest"));
	EXPECT_OK(fw_wait_node("regtest0", false));
	return T_PASS;
}

/*
 * mmb_device_register() refuses memory that user space must not map as
 * described (tests/kmod/mmb_regtest.c): RAM that does not start on a page
 * (its first page would show what is before it), RAM that is neither in
 * the linear map nor vmalloc'd (no PFN of it is known), and a pool that
 * is the mappable memory too (by address, or through a second kernel
 * mapping of its pages), or memory behind a BAR to be mapped
 * write-back, or behind a BAR without its physical address; a region
 * neither safe for any opener nor raw, raw memory as the pool or as the
 * device memory, a pool that is region 1, a raw region that the device
 * memory or a safe region also reaches, two regions of the same memory;
 * a device registered a second time, after its unregistration; and more
 * interrupt vectors than MMB_VECTORS_MAX.  Each is -EINVAL and the driver
 * does not load; a good description (with MMB_VECTORS_MAX vectors)
 * registers regtest0.
 */
static int test_register_checks(void)
{
	static const char *const bad[] = {
		"virt_unaligned",	 "virt_not_linear",
		"pool_overlaps_map",	 "pool_aliases_map",
		"iomem_cached",		 "iomem_no_phys",
		"region_not_safe",	 "raw_pool",
		"raw_mem",		 "pool_overlaps_region1",
		"raw_region_is_mem",	 "raw_aliases_region0",
		"regions_overlap",	 "register_twice",
		"too_many_vectors"
	};
	struct mmb_info info;
	int r, fd, wrong = 0;
	size_t i;

	if (access(REGTEST_KO, F_OK))
		FAIL("%s is not in the guest", REGTEST_KO);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = regtest_load(bad[i]);
		if (!r) {
			memset(&info, 0, sizeof(info));
			fw_wait_node("regtest0", true);
			fd = dev_open("regtest0");
			if (fd >= 0) {
				mmb_info(fd, &info);
				close(fd);
			}
			module_unload("mmb_regtest");
			fw_wait_node("regtest0", false);
			printf("# %s: registered as regtest0, caps 0x%llx\n",
			       bad[i], (unsigned long long)info.caps);
			wrong++;
		} else if (r != -EINVAL) {
			printf("# %s: %s\n", bad[i], strerror(-r));
			wrong++;
		}
		EXPECT(!fw_loaded("mmb_regtest"), "mmb_regtest loaded");
	}
	EXPECT(!wrong, "%d of %zu bad descriptions not refused with EINVAL",
	       wrong, sizeof(bad) / sizeof(bad[0]));
	EXPECT_OK(regtest_load("ok"));
	memset(&info, 0, sizeof(info));
	r = fw_wait_node("regtest0", true);
	fd = dev_open("regtest0");
	if (fd >= 0) {
		r = mmb_info(fd, &info);
		close(fd);
	}
	EXPECT_OK(module_unload("mmb_regtest"));
	EXPECT_OK(fd < 0 ? fd : r);
	EXPECT_EQ(info.caps, MMB_CAP_DEVMEM | MMB_CAP_MAP | MMB_CAP_OBJECT);
	EXPECT_EQ(info.mem_size, 8192);
	EXPECT_EQ(info.nr_vectors, MMB_VECTORS_MAX);
	EXPECT_OK(fw_wait_node("regtest0", false));
	return regions_with_a_gap();
}

const struct mmb_test framework_tests[] = {
	{ "framework/driver_modinfo", test_driver_modinfo },
	{ "framework/backend_modules", test_backend_modules },
	{ "framework/register_checks", test_register_checks },
	{},
};
