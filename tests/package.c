// SPDX-License-Identifier: GPL-2.0
/*
 * Packaging, guest side (the host side is vm/package.sh): the module as
 * DKMS built and installed it loads and works; programs built with
 * pkg-config against a `make install` DESTDIR run, shared and static.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

#define DKMS_KO "/lib/dkms/mmbridge.ko"
#define HOST_LD "/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"

static int load_ko(const char *path)
{
	/* The sample driver holds mmbridge, if an earlier case left it. */
	syscall(SYS_delete_module, "mmb_sample", O_NONBLOCK);
	return module_load(path);
}

/* The DKMS-installed module in place of the harness's own build. */
static int test_dkms_module(void)
{
	char ours[64], theirs[64];
	int r;

	if (access(DKMS_KO, F_OK))
		SKIP("no DKMS build for this kernel (the debug kernel is not packaged; elsewhere package/dkms_build says why)");
	EXPECT_OK(read_line("/sys/module/mmbridge/srcversion", ours,
			    sizeof(ours)));
	EXPECT_OK(load_ko(DKMS_KO));
	EXPECT_OK(read_line("/sys/module/mmbridge/version", theirs,
			    sizeof(theirs)));
	EXPECT(!strncmp(theirs, "3.", 2), "version %s", theirs);
	EXPECT_OK(read_line("/sys/module/mmbridge/srcversion", theirs,
			    sizeof(theirs)));
	/* The same sources: DKMS built this tree, not something else. */
	EXPECT(!strcmp(ours, theirs), "srcversion %s, the harness's %s",
	       theirs, ours);
	r = dev_smoke("soft0");
	if (r == T_PASS)
		r = dev_smoke("edu0");
	EXPECT_OK(module_reload());	/* back to the harness's module */
	EXPECT_OK(dev_smoke("soft0"));
	return r;
}

static int run_line(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	int st;

	if (!f)
		return -errno;
	out[0] = 0;
	if (!fgets(out, size, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int test_installed_program(void)
{
	char names[16][MMB_NAME_MAX], out[256], want[256];
	int n = mmb_list(names, 16);

	if (access("/opt/bin/pkgtest-static", X_OK))
		FAIL("no installed program in the guest (package/pkgconfig_build failed?)");
	EXPECT(n > 0, "mmb_list: %d", n);
	snprintf(want, sizeof(want),
		 "pkgtest: devices %d backend soft counters ok copy ok lib static", n);
	EXPECT_EQ(run_line("/opt/bin/pkgtest-static 2>&1", out, sizeof(out)), 0);
	EXPECT(!strcmp(out, want), "static: \"%s\", expected \"%s\"", out, want);

	if (access(HOST_LD, X_OK))
		FAIL("no host loader at %s", HOST_LD);
	snprintf(want, sizeof(want),
		 "pkgtest: devices %d backend soft counters ok copy ok lib /opt/lib/libmmbridge.so.3",
		 n);
	EXPECT_EQ(run_line(HOST_LD " --library-path /opt/lib:/host/lib/x86_64-linux-gnu "
			   "/opt/bin/pkgtest-shared 2>&1", out, sizeof(out)), 0);
	EXPECT(!strcmp(out, want), "shared: \"%s\", expected \"%s\"", out, want);
	return T_PASS;
}

const struct mmb_test package_tests[] = {
	{ "package/dkms_module", test_dkms_module },
	{ "package/installed_program", test_installed_program },
	{ NULL, NULL },
};
