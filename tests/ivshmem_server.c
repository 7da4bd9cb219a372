// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-ivshmem-server SOCKET VECTORS BYTES: the server end of QEMU's
 * ivshmem-doorbell device, for one guest that talks to itself.
 *
 * The test guest's ivshmem-doorbell is a PCI device with several MSI-X
 * vectors that user space raises one by one (a store of
 * "peer << 16 | vector" to its doorbell register): what pci/ needs to show
 * mmb_pci's vectors as event sources of their own.  QEMU gets the shared
 * memory and one eventfd per vector from a server over a UNIX socket
 * (docs/specs/ivshmem-spec.txt in QEMU's sources: 8-byte little-endian
 * numbers, each with at most one file descriptor).  This server has one
 * client, ID 0, and no peers, so the doorbell rings the guest itself.
 *
 * It listens on SOCKET, prints "ready" once QEMU may connect, serves one
 * connection and exits when QEMU closes it (or on SIGTERM).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* One message: @val, with @fd attached unless it is -1. */
static int send_msg(int sock, int64_t val, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	uint64_t le = htole64((uint64_t)val);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == sizeof(le) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	unsigned long vectors, bytes, i;
	int lsock, sock, shm, efd;
	char buf[64];

	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET VECTORS BYTES\n", argv[0]);
		return 2;
	}
	vectors = strtoul(argv[2], NULL, 0);
	bytes = strtoul(argv[3], NULL, 0);
	if (!vectors || vectors > 64 || !bytes || (bytes & (bytes - 1)) ||
	    strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	shm = memfd_create("mmb-ivshmem-doorbell", MFD_CLOEXEC);
	if (shm < 0 || ftruncate(shm, bytes)) {
		perror("shared memory");
		return 1;
	}
	unlink(argv[1]);
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lsock, 1)) {
		perror(argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	close(lsock);
	unlink(argv[1]);
	if (sock < 0) {
		perror("accept");
		return 1;
	}
	/* Version 0, the client's ID, the memory, the client's own vectors. */
	if (send_msg(sock, 0, -1) || send_msg(sock, 0, -1) ||
	    send_msg(sock, -1, shm)) {
		perror("send");
		return 1;
	}
	for (i = 0; i < vectors; i++) {
		efd = eventfd(0, EFD_CLOEXEC);
		if (efd < 0 || send_msg(sock, 0, efd)) {
			perror("vector");
			return 1;
		}
		close(efd);
	}
	/* QEMU sends nothing: wait for it to close the connection. */
	for (;;) {
		ssize_t n = read(sock, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno != EINTR))
			return 0;
	}
}
