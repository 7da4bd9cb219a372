// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem/: BAR2 of ivshmem-plain as device memory.  What the guest writes
 * is checked again on the host, in the file behind the BAR, after the run.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#define BAR_RW_OFFSET	(64 * 1024 + 13)	/* deliberately unaligned */
#define BAR_RW_LEN	(1024 * 1024 + 7)

static int test_bar_rw(void)
{
	uint64_t seed = test_seed();
	struct mmb_info info;
	uint8_t *buf;
	long bad;
	int fd = dev_open("ivshmem0");

	if (fd == -ENOENT)
		SKIP("no ivshmem device");
	EXPECT_OK(fd);
	EXPECT_OK(mmb_info(fd, &info));
	EXPECT(info.mem_size >= BAR_RW_OFFSET + BAR_RW_LEN + 64,
	       "BAR2 too small: %llu", (unsigned long long)info.mem_size);
	buf = malloc(BAR_RW_LEN);
	EXPECT(buf, "malloc");

	pattern_fill(buf, BAR_RW_LEN, seed, 0);
	EXPECT_OK(mmb_mem_write(fd, BAR_RW_OFFSET, buf, BAR_RW_LEN));
	memset(buf, 0, BAR_RW_LEN);
	EXPECT_OK(mmb_mem_read(fd, BAR_RW_OFFSET, buf, BAR_RW_LEN));
	bad = pattern_check(buf, BAR_RW_LEN, seed, 0);
	EXPECT(bad < 0, "byte %ld read back wrong", bad);
	free(buf);
	close(fd);

	/*
	 * The host checks the backing file: the pattern at the offset, zeros
	 * around it.  It prints the verdict line for this case.
	 */
	printf("# HOSTCHECK ivshmem/bar_rw %d %d %llu\n", BAR_RW_OFFSET,
	       BAR_RW_LEN, (unsigned long long)seed);
	fflush(stdout);
	return T_HOST;
}

const struct mmb_test ivshmem_tests[] = {
	{ "ivshmem/bar_rw", test_bar_rw },
	{ NULL }
};
