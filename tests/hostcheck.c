// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-hostcheck FILE OFFSET LENGTH SEED
 *
 * Runs on the host after the guest stopped: FILE (the memory behind a
 * device BAR) must hold the test pattern of SEED at OFFSET..OFFSET+LENGTH-1
 * and zeros in the 4 KiB on either side.  Prints the reason and exits 1 if
 * not.
 *
 * mmb-hostcheck --write FILE OFFSET LENGTH SEED writes that pattern instead
 * (the harness's self-test uses it to forge what a guest would leave).
 *
 * mmb-hostcheck --absent FILE OFFSET LENGTH WORD: no aligned 8-byte word of
 * OFFSET..OFFSET+LENGTH-1 equals WORD, and at least one is not zero (so the
 * range is the one the guest wrote to).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define GUARD	4096

static int write_pattern(const char *path, unsigned long long off,
			 unsigned long long len, unsigned long long seed)
{
	unsigned long long i;
	FILE *f = fopen(path, "r+b");

	if (!f || fseek(f, off, SEEK_SET)) {
		printf("%s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < len; i++)
		fputc(pattern_byte(seed, i), f);
	return fclose(f) ? 1 : 0;
}

static int check_absent(const char *path, unsigned long long off,
			unsigned long long len, unsigned long long word)
{
	unsigned long long i, v, nonzero = 0;
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, off, SEEK_SET)) {
		printf("%s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i + 8 <= len; i += 8) {
		if (fread(&v, 8, 1, f) != 1) {
			printf("file ends at %llu\n", off + i);
			return 1;
		}
		if (v == word) {
			printf("word 0x%llx found at %llu\n", word, off + i);
			return 1;
		}
		nonzero += v != 0;
	}
	fclose(f);
	if (!nonzero) {
		printf("%llu..%llu is all zeros\n", off, off + len - 1);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long off, len, seed, start, i;
	bool write = false;
	FILE *f;
	int c;

	if (argc == 6 && !strcmp(argv[1], "--absent"))
		return check_absent(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0),
				    strtoull(argv[5], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "--write")) {
		write = true;
		argv++;
		argc--;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: %s [--write|--absent] FILE OFFSET LENGTH SEED|WORD\n",
			argv[0]);
		return 2;
	}
	off = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	if (write)
		return write_pattern(argv[1], off, len, seed);
	f = fopen(argv[1], "rb");
	if (!f) {
		printf("%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	start = off > GUARD ? off - GUARD : 0;
	if (fseek(f, start, SEEK_SET)) {
		printf("seek: %s\n", strerror(errno));
		return 1;
	}
	for (i = start; i < off + len + GUARD; i++) {
		c = fgetc(f);
		if (c == EOF) {
			printf("file ends at %llu\n", i);
			return 1;
		}
		if (i < off || i >= off + len) {
			if (c) {
				printf("byte %llu outside the range is 0x%02x\n", i, c);
				return 1;
			}
		} else if (c != pattern_byte(seed, i - off)) {
			printf("byte %llu is 0x%02x, expected 0x%02x\n", i, c,
			       pattern_byte(seed, i - off));
			return 1;
		}
	}
	fclose(f);
	return 0;
}
