/* SPDX-License-Identifier: GPL-2.0 */
/* mmbridge CLI: migratable objects (tools/object.c). */
#ifndef MMB_TOOLS_OBJECT_H
#define MMB_TOOLS_OBJECT_H

#include <stddef.h>

void object_print(int fd);
int cmd_migrate(const char *name, size_t size_mib, unsigned int rounds);
int demo_object(int fd, const char *name);

#endif /* MMB_TOOLS_OBJECT_H */
