/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkable data: the byte at stream offset @off under @seed is a pure
 * function of both, so any byte of a buffer can be verified on its own, in
 * the guest or on the host.
 */
#ifndef MMB_TEST_PATTERN_H
#define MMB_TEST_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pattern_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	return pattern_word(seed, off / 8) >> (8 * (off % 8));
}

/* Fill @buf with the bytes at stream offsets @base .. @base + @len - 1. */
static inline void pattern_fill(void *buf, size_t len, uint64_t seed,
				uint64_t base)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(seed, base + i);
}

/* Index of the first byte that differs from the pattern, or -1. */
static inline long pattern_check(const void *buf, size_t len, uint64_t seed,
				 uint64_t base)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(seed, base + i))
			return (long)i;
	return -1;
}

#endif /* MMB_TEST_PATTERN_H */
