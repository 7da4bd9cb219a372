// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against an installed mmbridge (make install into a
 * DESTDIR, then pkg-config) by vm/package.sh, once linked with the shared
 * library and once statically; package/installed_program runs both in the
 * guest.  It names the library its code came from, lists the devices,
 * raises interrupts on soft0 and has a worker thread copy into it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mmbridge.h>

int main(void)
{
	char names[8][MMB_NAME_MAX], buf[4096];
	struct mmb_info info;
	uint32_t raised = 0;
	Dl_info dl = { 0 };
	int n, fd, i;

	n = mmb_list(names, 8);
	fd = mmb_open("soft0", 0);
	if (n < 0 || fd < 0) {
		printf("pkgtest: no soft0: %s\n", strerror(-(n < 0 ? n : fd)));
		return 1;
	}
	if (mmb_info(fd, &info) || mmb_irq_trigger(fd, 3, &raised) ||
	    mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_GEN, 9, 0, 0) ||
	    read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		printf("pkgtest: soft0: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)sizeof(buf); i += 8) {
		uint64_t w = mmb_gen_word(9, i / 8), got;

		memcpy(&got, buf + i, 8);
		if (got != w) {
			printf("pkgtest: word %d wrong\n", i / 8);
			return 1;
		}
	}
	if (!dladdr((void *)mmb_open, &dl) || !dl.dli_fname ||
	    !strstr(dl.dli_fname, "libmmbridge"))
		dl.dli_fname = "static";
	printf("pkgtest: devices %d backend %s raised %u copy ok lib %s\n", n,
	       info.driver, raised, dl.dli_fname);
	close(fd);
	return 0;
}
