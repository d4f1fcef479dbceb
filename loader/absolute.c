// SPDX-License-Identifier: GPL-2.0
/*
 * Absolute manifests (the specification's absolute-manifest-* variants)
 * mount under the --root the user names: every path loses that prefix,
 * and an absolute symlink target below it becomes relative to the link's
 * directory, so the tree keeps no trace of where it was collected.
 */
#include <stdlib.h>
#include <string.h>

#include "libbundlefs.h"

int bfs_strip_root(const char *root, char *path, size_t *len)
{
	size_t rlen = strlen(root);

	while (rlen && root[rlen - 1] == '/')
		rlen--;		/* "/a/b/" is "/a/b"; "/" strips only the '/' */
	if (*len <= rlen) {
		/* the root itself or one of its ancestors ("/a" of "/a/b") */
		if (*len && !memcmp(root, path, *len) &&
		    (*len == rlen || root[*len] == '/' || *len == 1))
			return 1;
		return -1;
	}
	if (memcmp(root, path, rlen) || path[rlen] != '/')
		return -1;
	memmove(path, path + rlen + 1, *len - rlen);	/* and the NUL */
	*len -= rlen + 1;
	return *len ? 0 : 1;
}

/* The length of the next component of @s at @i (up to '/' or @len). */
static size_t comp(const char *s, size_t len, size_t i)
{
	const char *slash = memchr(s + i, '/', len - i);

	return slash ? (size_t)(slash - (s + i)) : len - i;
}

char *bfs_relative_target(const char *link, size_t link_len,
			  const char *target, size_t target_len,
			  size_t *out_len)
{
	const char *slash = memrchr(link, '/', link_len);
	size_t dir_len = slash ? (size_t)(slash - link) : 0;
	size_t i = 0, j = 0, ups = 0, o = 0;
	char *out;

	/* skip the components the link's directory and the target share */
	while (i < dir_len && j < target_len) {
		size_t a = comp(link, dir_len, i), b = comp(target, target_len, j);

		if (a != b || memcmp(link + i, target + j, a))
			break;
		i += a + 1;
		j += b + 1;
	}
	if (j > target_len)
		j = target_len;
	for (; i < dir_len; i += comp(link, dir_len, i) + 1)
		ups++;
	out = malloc(3 * ups + (target_len - j) + 2);
	if (!out)
		return NULL;
	while (ups--) {
		memcpy(out + o, "../", 3);
		o += 3;
	}
	memcpy(out + o, target + j, target_len - j);
	o += target_len - j;
	if (o && out[o - 1] == '/')
		o--;		/* "../" alone is ".." */
	if (!o)
		out[o++] = '.';	/* the link's own directory */
	out[o] = '\0';
	*out_len = o;
	return out;
}
