// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID[:GID] COMMAND [ARGS...]: run COMMAND with the given real,
 * effective and saved user and group ids and no supplementary groups.
 * Busybox's setpriv cannot change ids, so the VM initramfs carries this.
 * GID defaults to UID.  Exit 126 when the ids cannot be set, 127 when
 * COMMAND cannot be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long uid, gid;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID[:GID] COMMAND [ARGS...]\n");
		return 2;
	}
	uid = strtoul(argv[1], &end, 10);
	gid = uid;
	if (*end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (*end) {
		fprintf(stderr, "runas: bad id '%s'\n", argv[1]);
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("runas");
		return 126;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "runas: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
