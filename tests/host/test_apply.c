// SPDX-License-Identifier: GPL-2.0
/*
 * `bundlefs apply BASE DIFF`: each case is a base manifest, a diff whose
 * "@P@" becomes the base's xxh128 (its parentManifestHash), and the exact
 * manifest or error line the command must print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../kmod/xxh3.h"

#define H1 "11111111111111111111111111111111"
#define H2 "22222222222222222222222222222222"
#define H3 "33333333333333333333333333333333"
#define EMPTY "99aa06d3014798d86001c324468d497f"
#define V1(paths, total) \
	"{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\",\"paths\":[" \
	paths "],\"totalSize\":" #total "}"
#define V2(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":" #total "}"
#define DIFF(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"parentManifestHash\":\"@P@\"," \
	"\"totalSize\":" #total "}"
#define F(name, hash, size, mtime) \
	"{\"hash\":\"" hash "\",\"mtime\":" #mtime ",\"name\":\"" name "\",\"size\":" #size "}"
#define P1(path, hash, size) \
	"{\"hash\":\"" hash "\",\"mtime\":5,\"path\":\"" path "\",\"size\":" #size "}"
#define DEL(name) "{\"delete\":true,\"name\":\"" name "\"}"
#define D(name) "{\"name\":\"" name "\"}"
#define L(name, target) "{\"name\":\"" name "\",\"symlink\":{\"name\":\"" target "\"}}"

static const char *dir;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		failf(path, "expected to write it");
}

/* @diff with "@P@" replaced by the xxh128 of @base. */
static char *with_parent(const char *base, const char *diff)
{
	const char *at = strstr(diff, "@P@");
	uint8_t d[16];
	char *s;
	int i;

	s = malloc(strlen(diff) + 64);
	if (!at) {
		strcpy(s, diff);
		return s;
	}
	bundlefs_xxh3_128(base, strlen(base), d);
	memcpy(s, diff, (size_t)(at - diff));
	for (i = 0; i < 16; i++)
		sprintf(s + (at - diff) + 2 * i, "%02x", d[i]);
	strcpy(s + (at - diff) + 32, at + 3);
	return s;
}

/* apply @diff to @base: exit @code, stdout @out (a manifest) or @err. */
static void apply_case(const char *name, const char *base, const char *diff,
		       int code, const char *out, const char *err)
{
	char bpath[256], dpath[256], want[4096];
	char *d = with_parent(base, diff);

	snprintf(bpath, sizeof(bpath), "%s/base.json", dir);
	snprintf(dpath, sizeof(dpath), "%s/diff.json", dir);
	write_file(bpath, base);
	write_file(dpath, d);
	free(d);
	if (out)
		snprintf(want, sizeof(want), "%s\n", out);
	else if (err[0] == '~')		/* a part of the line */
		snprintf(want, sizeof(want), "%s", err);
	else
		snprintf(want, sizeof(want), "bundlefs: %s\n", err);
	expect_run(name, code, out ? want : "", out ? "" : want,
		   (const char *const[]){ "apply", bpath, dpath, NULL });
	remove(bpath);
	remove(dpath);
}

/* The same through -o: the file holds the manifest, stdout is empty. */
static void apply_to_file(void)
{
	const char *base = V2(D("e"), F("a", H1, 3, 5), 3);
	char bpath[256], dpath[256], opath[256], *d = with_parent(base, DIFF("", DEL("a"), 0));
	char *got;

	snprintf(bpath, sizeof(bpath), "%s/base.json", dir);
	snprintf(dpath, sizeof(dpath), "%s/diff.json", dir);
	snprintf(opath, sizeof(opath), "%s/out.json", dir);
	write_file(bpath, base);
	write_file(dpath, d);
	free(d);
	expect_run("apply -o: exit and output", 0, "", "",
		   (const char *const[]){ "apply", bpath, dpath, "-o", opath, NULL });
	got = slurp(opath);
	check_str("apply -o: the file", V2(D("e"), "", 0), got ? got : "(none)");
	free(got);
	remove(bpath);
	remove(dpath);
	remove(opath);
}

void test_apply(const char *tmpdir)
{
	dir = tmpdir;

	/* the shape bundlefs diff writes for a renamed and an emptied dir */
	apply_case("apply: v1 base, rename, delete, symlink, emptied dir",
		   V1(P1("d/c.txt", H1, 7) "," P1("a.txt", H2, 5) "," P1("x/y/z.txt", H3, 5), 17),
		   DIFF(DEL("d") "," D("dd") "," D("new"),
			DEL("x/y/z.txt") "," F("dd/c.txt", H1, 7, 1) "," L("l", "a.txt"), 7),
		   0, V2(D("dd") "," D("new") "," D("x") "," D("x/y"),
			 F("a.txt", H2, 5, 5) "," F("dd/c.txt", H1, 7, 1) "," L("l", "a.txt"), 12),
		   NULL);
	apply_case("apply: an empty diff keeps the tree",
		   V2(D("a") "," D("a/b"), F("a/f", H1, 3, 7) "," L("s", "a/f"), 3),
		   DIFF("", "", 0),
		   0, V2(D("a") "," D("a/b"), F("a/f", H1, 3, 7) "," L("s", "a/f"), 3), NULL);
	apply_case("apply: a modified file and an executable",
		   V2("", F("f", H1, 3, 7), 3),
		   DIFF("", "{\"hash\":\"" H2 "\",\"mtime\":9,\"name\":\"f\",\"runnable\":true,\"size\":4}", 4),
		   0, V2("", "{\"hash\":\"" H2 "\",\"mtime\":9,\"name\":\"f\",\"runnable\":true,\"size\":4}", 4),
		   NULL);
	apply_case("apply: a file replaces a directory and its subtree",
		   V2(D("d") "," D("d/e"), F("d/e/f", H1, 3, 7) "," F("g", H2, 1, 7), 4),
		   DIFF("", F("d", H3, 2, 8), 2),
		   0, V2("", F("d", H3, 2, 8) "," F("g", H2, 1, 7), 3), NULL);
	apply_case("apply: a directory replaces a file",
		   V2("", F("a", H1, 3, 7), 3),
		   DIFF(D("a"), F("a/b", H2, 1, 8), 1),
		   0, V2(D("a"), F("a/b", H2, 1, 8), 1), NULL);
	apply_case("apply: a deleted directory and a path below it",
		   V2(D("d"), F("d/f", H1, 3, 7) "," F("e", H2, 1, 7), 4),
		   DIFF(DEL("d"), DEL("d/f"), 0),
		   0, V2("", F("e", H2, 1, 7), 1), NULL);
	apply_case("apply: an empty file",
		   V2("", F("a", H1, 3, 7), 3),
		   DIFF("", F("a", EMPTY, 0, 9), 0),
		   0, V2("", F("a", EMPTY, 0, 9), 0), NULL);
	apply_case("apply: delete and re-create a directory",
		   V2(D("d"), F("d/old", H1, 3, 7), 3),
		   DIFF(DEL("d") "," D("d"), F("d/new", H2, 1, 8), 1),
		   0, V2(D("d"), F("d/new", H2, 1, 8), 1), NULL);

	/* refusals: one line, exit 1 */
	apply_case("apply: the diff of another manifest",
		   V2("", F("a", H1, 3, 7), 3),
		   "{\"dirs\":[],\"files\":[],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\",\"parentManifestHash\":\"" H3 "\",\"totalSize\":0}",
		   1, NULL, "~the diff was made against another manifest");
	apply_case("apply: a snapshot given as the diff",
		   V2("", F("a", H1, 3, 7), 3), V2("", "", 0),
		   1, NULL, "~missing \"parentManifestHash\": not a diff manifest");
	apply_case("apply: a diff given as the base",
		   DIFF("", "", 0), DIFF("", "", 0),
		   1, NULL, "~diff manifest (parentManifestHash): not mountable on its own");
	apply_case("apply: a deleted path the base lacks",
		   V2("", F("a", H1, 3, 7), 3), DIFF("", DEL("zz"), 0),
		   1, NULL, "~files[0] \"zz\": deletes a path the base does not have");
	apply_case("apply: a delete entry with content",
		   V2("", F("a", H1, 3, 7), 3),
		   DIFF("", "{\"delete\":true,\"hash\":\"" H1 "\",\"name\":\"a\"}", 0),
		   1, NULL, "~files[0] \"a\": unknown key \"hash\"");
	apply_case("apply: a file below a file the diff keeps",
		   V2("", F("a", H1, 3, 7), 3),
		   DIFF("", F("a/b", H2, 1, 8), 1),
		   1, NULL, "~\"a\"");
	apply_case("apply: a v1 object above 256 MiB stays v1",
		   V1(P1("big", H1, 268435457), 268435457), DIFF("", "", 0),
		   0, V1(P1("big", H1, 268435457), 268435457), NULL);
	apply_to_file();
}
