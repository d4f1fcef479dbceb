// SPDX-License-Identifier: GPL-2.0
/*
 * bfs-tree [-x] DIR: one line per entry below DIR (not DIR itself), in
 * the format tests/fixtures/gen-bundle writes as the expected listing:
 *
 *   PATH <TAB> TYPE <TAB> MODE <TAB> SIZE <TAB> MTIME <TAB> TARGET
 *
 * PATH is relative to DIR with bytes below 0x20, 0x7f and '\' written as
 * \xNN; TYPE is d, f, l or ?; MODE the permission bits in octal (%04o);
 * SIZE and MTIME (seconds) are `-` for directories; TARGET is the escaped
 * symlink target or `-`.  With -x the line is `PATH <TAB> XXH128` for each
 * regular file instead (the hash computed here with libxxhash, inlined).
 * Lines are not sorted: pipe through `LC_ALL=C sort`.  Exit 1 on any
 * error (printed to stderr), after listing what could be listed.
 */
#define _GNU_SOURCE
#define XXH_INLINE_ALL
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static int hash_mode, status;

static void put_escaped(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void err(const char *path, const char *what)
{
	fprintf(stderr, "bfs-tree: %s: %s: %s\n", path, what, strerror(errno));
	status = 1;
}

static void hash_file(int dirfd, const char *name, const char *path)
{
	static char buf[1 << 20];
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;
	ssize_t r;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW);
	int i;

	if (fd < 0) {
		err(path, "open");
		return;
	}
	XXH3_128bits_reset(st);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		XXH3_128bits_update(st, buf, r);
	if (r < 0) {
		err(path, "read");
	} else {
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
		put_escaped(path, strlen(path));
		putchar('\t');
		for (i = 0; i < 16; i++)
			printf("%02x", c.digest[i]);
		putchar('\n');
	}
	XXH3_freeState(st);
	close(fd);
}

static void walk(int dirfd, const char *prefix)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		err(prefix, "opendir");
		close(dirfd);
		return;
	}
	errno = 0;
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "",
			     de->d_name) < 0)
			exit(3);
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			err(path, "stat");
			free(path);
			continue;
		}
		if (hash_mode) {
			if (S_ISREG(st.st_mode))
				hash_file(dirfd, de->d_name, path);
		} else {
			char type = S_ISDIR(st.st_mode) ? 'd' :
				    S_ISREG(st.st_mode) ? 'f' :
				    S_ISLNK(st.st_mode) ? 'l' : '?';

			put_escaped(path, strlen(path));
			printf("\t%c\t%04o", type, st.st_mode & 07777);
			if (type == 'd')
				printf("\t-\t-");
			else if (type == 'l')
				printf("\t%lld\t-", (long long)st.st_size);
			else
				printf("\t%lld\t%lld", (long long)st.st_size,
				       (long long)st.st_mtim.tv_sec);
			putchar('\t');
			if (type == 'l') {
				char t[4097];
				ssize_t n = readlinkat(dirfd, de->d_name, t, sizeof(t));

				if (n < 0)
					err(path, "readlink");
				else
					put_escaped(t, n);
			} else {
				putchar('-');
			}
			putchar('\n');
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			if (fd < 0)
				err(path, "open dir");
			else
				walk(fd, path);
		}
		free(path);
		errno = 0;
	}
	if (errno)
		err(prefix, "readdir");
	closedir(d);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc == 3 && !strcmp(argv[1], "-x")) {
		hash_mode = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: bfs-tree [-x] DIR\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		err(argv[1], "open");
		return 1;
	}
	walk(fd, "");
	fflush(stdout);
	return status;
}
