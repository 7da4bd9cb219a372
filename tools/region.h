/* SPDX-License-Identifier: GPL-2.0 */
/* mmbridge CLI: revocable mappings (tools/region.c). */
#ifndef MMB_TOOLS_REGION_H
#define MMB_TOOLS_REGION_H

#include <stdbool.h>
#include <stdint.h>

void region_print(int fd);
int cmd_region_ctl(int fd, const char *name, uint32_t index, bool revoke);
int demo_region(int fd, const char *name, uint64_t size);

#endif /* MMB_TOOLS_REGION_H */
