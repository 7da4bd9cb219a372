// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against an installed mmbridge (make install into a
 * DESTDIR, then pkg-config) by vm/package.sh, once linked with the shared
 * library and once statically; package/installed_program runs both in the
 * guest.  It names the library its code came from, lists the devices,
 * reads soft0's counter page and has a worker thread copy into it what it
 * wrote to the device, through the installed library and header only
 * (nothing of the test interface).
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
	char names[8][MMB_NAME_MAX], buf[4096], src[4096];
	const struct mmb_counters *page;
	struct mmb_counters snap;
	struct mmb_info info;
	Dl_info dl = { 0 };
	int n, fd, i;

	n = mmb_list(names, 8);
	fd = mmb_open("soft0", 0);
	if (n < 0 || fd < 0) {
		printf("pkgtest: no soft0: %s\n", strerror(-(n < 0 ? n : fd)));
		return 1;
	}
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (char)(i * 7 + i / 256);
	if (mmb_info(fd, &info) ||
	    mmb_copy_config(fd, MMB_COPY_WORKER, MMB_SRC_BUFFER, 0,
			    MMB_COPY_SET_OFFSET | MMB_COPY_CLEAR_BUFFER, 0) ||
	    write(fd, src, sizeof(src)) != (ssize_t)sizeof(src) ||
	    read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		printf("pkgtest: soft0: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)sizeof(buf); i++) {
		if (buf[i] != src[i]) {
			printf("pkgtest: byte %d wrong\n", i);
			return 1;
		}
	}
	page = mmb_counters_map(fd);
	if (page)
		mmb_counters_read(page, &snap);
	if (!page || snap.size < sizeof(snap) ||
	    snap.irq_count < info.event_count) {
		printf("pkgtest: counter page: %s\n", strerror(errno));
		return 1;
	}
	if (!dladdr((void *)mmb_open, &dl) || !dl.dli_fname ||
	    !strstr(dl.dli_fname, "libmmbridge"))
		dl.dli_fname = "static";
	printf("pkgtest: devices %d backend %s counters ok copy ok lib %s\n",
	       n, info.driver, dl.dli_fname);
	close(fd);
	return 0;
}
