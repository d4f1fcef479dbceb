// SPDX-License-Identifier: GPL-2.0
/*
 * The three dialects: strict detection, the 2025-12 specification's
 * variants (relative/absolute, snapshot/diff, unhashed files) and the rules
 * every dialect shares, each with its exact message.
 */
#include <stdlib.h>
#include <string.h>

#include "tests.h"

#define H "\"0123456789abcdef0123456789abcdef\""
#define SPEC_(ver, extra, dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	extra "\"specificationVersion\":\"" ver "\",\"totalSize\":" total "}"
#define REL "relative-manifest-snapshot-beta-2025-12"
#define RELD "relative-manifest-diff-beta-2025-12"
#define ABS "absolute-manifest-snapshot-beta-2025-12"
#define ABSD "absolute-manifest-diff-beta-2025-12"
#define PARENT "\"parentManifestHash\":" H ","
#define SPEC(dirs, files, total) SPEC_(REL, "", dirs, files, total)
#define SPECD(dirs, files, total) SPEC_(RELD, PARENT, dirs, files, total)
#define SABS(dirs, files, total) SPEC_(ABS, "", dirs, files, total)
#define SF(path, size) \
	"{\"path\":\"" path "\",\"hash\":" H ",\"size\":" size ",\"mtime\":1}"
#define SU(path, size) "{\"path\":\"" path "\",\"size\":" size ",\"mtime\":1}"
#define SL(path, target) \
	"{\"path\":\"" path "\",\"symlink\":{\"target\":\"" target "\"}}"
#define SD(path) "{\"path\":\"" path "\"}"
#define V2(dirs, files, total) \
	"{\"dirs\":[" dirs "],\"files\":[" files "],\"hashAlg\":\"xxh128\"," \
	"\"manifestVersion\":\"2025-12-04-beta\",\"totalSize\":" total "}"
#define F2(name, size) \
	"{\"name\":\"" name "\",\"hash\":" H ",\"size\":" size ",\"mtime\":1}"
#define V1(paths, total) \
	"{\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2023-03-03\"," \
	"\"paths\":[" paths "],\"totalSize\":" total "}"
#define P1(path, size) \
	"{\"hash\":" H ",\"mtime\":1,\"path\":\"" path "\",\"size\":" size "}"
#define CH1 "268435457"
#define MVERS "manifestVersion \"2023-03-03\", \"2025-12-04-beta\" or \"2025-12\""
#define SVERS "specificationVersion \"relative-manifest-snapshot-beta-2025-12\", " \
	"\"relative-manifest-diff-beta-2025-12\", " \
	"\"absolute-manifest-snapshot-beta-2025-12\" or " \
	"\"absolute-manifest-diff-beta-2025-12\""

enum { SNAP = 0, DIFF = 1, UNH = 2 };	/* flags */

struct dcase {
	const char *name, *json;
	int flags;
	const char *root, *msg;
};

/* Parse (a diff with DIFF), build the tree and encode. */
static int run(const char *json, int flags, const char *root,
	       struct bfs_manifest *m, struct bfs_tree *t,
	       struct bfs_error *err)
{
	struct bfs_parse_opts o = { .root = root,
				    .allow_unhashed = flags & UNH };
	void *image;
	size_t size;
	int r;

	memset(t, 0, sizeof(*t));
	r = bfs_manifest_parse_opts(json, strlen(json), flags & DIFF, &o, m,
				    err);
	if (r || (flags & DIFF))
		return r;
	r = bfs_manifest_encode(m, t, &image, &size, err);
	if (!r)
		free(image);
	return r;
}

static const struct dcase rejects[] = {
	/* detection */
	{ "both version fields",
	  "{\"manifestVersion\":\"2025-12\",\"specificationVersion\":\"" REL "\"}",
	  SNAP, NULL,
	  "both \"manifestVersion\" and \"specificationVersion\": expected one, " MVERS " or " SVERS },
	{ "unknown specificationVersion",
	  SPEC_("relative-manifest-snapshot-beta-2026-01", "", "", "", "0"),
	  SNAP, NULL,
	  "unknown specificationVersion \"relative-manifest-snapshot-beta-2026-01\": expected \"relative-manifest-snapshot-beta-2025-12\", \"relative-manifest-diff-beta-2025-12\", \"absolute-manifest-snapshot-beta-2025-12\" or \"absolute-manifest-diff-beta-2025-12\"" },
	{ "specificationVersion not a string",
	  "{\"specificationVersion\":3}", SNAP, NULL,
	  "\"specificationVersion\" must be a string, got an integer" },
	{ "manifestVersion 2025-12 with a specification key",
	  "{\"dirs\":[],\"files\":[],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12\",\"specificationVersion\":\"" REL "\",\"totalSize\":0}",
	  SNAP, NULL,
	  "both \"manifestVersion\" and \"specificationVersion\": expected one, " MVERS " or " SVERS },
	/* snapshots and diffs */
	{ "a 2025-12 diff as the base", SPECD("", "", "0"), SNAP, NULL,
	  "diff manifest (specificationVersion \"relative-manifest-diff-beta-2025-12\"): not mountable on its own; give it with --diff after the manifest it applies to" },
	{ "a 2025-12 diff without parentManifestHash",
	  SPEC_(RELD, "", "", "", "0"), DIFF, NULL,
	  "missing \"parentManifestHash\": specificationVersion \"relative-manifest-diff-beta-2025-12\" is a diff" },
	{ "a 2025-12 snapshot with parentManifestHash",
	  SPEC_(REL, PARENT, "", "", "0"), SNAP, NULL,
	  "parentManifestHash in a snapshot (specificationVersion \"relative-manifest-snapshot-beta-2025-12\")" },
	{ "a 2025-12 snapshot given as a diff", SPEC("", "", "0"), DIFF, NULL,
	  "specificationVersion \"relative-manifest-snapshot-beta-2025-12\" is a snapshot: not a diff manifest" },
	{ "deleted in a 2025-12 snapshot",
	  SPEC("", "{\"path\":\"a\",\"deleted\":true}", "0"), SNAP, NULL,
	  "files[0] \"a\": \"deleted\" entry in a snapshot manifest (no parentManifestHash): invalid" },
	{ "a deleted 2025-12 entry with content",
	  SPECD("", "{\"path\":\"a\",\"deleted\":true,\"size\":1}", "0"), DIFF,
	  NULL, "files[0] \"a\": unknown key \"size\"" },
	/* member names belong to their dialect */
	{ "name in a 2025-12 manifest", SPEC("", F2("a", "1"), "1"), SNAP,
	  NULL, "files[0]: missing \"path\"" },
	{ "delete in a 2025-12 diff",
	  SPECD("", "{\"path\":\"a\",\"delete\":true}", "0"), DIFF, NULL,
	  "files[0] \"a\": unknown key \"delete\"" },
	{ "symlink name in a 2025-12 manifest",
	  SPEC("", "{\"path\":\"l\",\"symlink\":{\"name\":\"x\"}}", "0"),
	  SNAP, NULL, "files[0] \"l\": unknown key \"name\"" },
	{ "symlink target in a beta manifest",
	  V2("", "{\"name\":\"l\",\"symlink\":{\"target\":\"x\"}}", "0"),
	  SNAP, NULL, "files[0] \"l\": unknown key \"target\"" },
	{ "deleted in a beta diff",
	  "{\"dirs\":[],\"files\":[{\"name\":\"a\",\"deleted\":true}],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12-04-beta\"," PARENT "\"totalSize\":0}",
	  DIFF, NULL, "files[0] \"a\": unknown key \"deleted\"" },
	/* unhashed files */
	{ "an unhashed file", SPEC(SD("d"), SF("$0/a", "1") "," SU("$0/b", "7"), "8"),
	  SNAP, NULL,
	  "files[1] \"$0/b\": unhashed file (no \"hash\", \"chunkhashes\" or \"symlink\"): no content to serve (--allow-unhashed mounts it, its reads failing with EIO)" },
	{ "an unhashed file without mtime",
	  SPEC("", "{\"path\":\"a\",\"size\":1}", "1"), UNH, NULL,
	  "files[0] \"a\": missing \"mtime\"" },
	{ "an unhashed file above 2^40 bytes",
	  SPEC("", SU("u", "1099511627777"), "1099511627777"), UNH, NULL,
	  "files[0] \"u\": unhashed file of 1099511627777 bytes is larger than 1099511627776" },
	{ "no content in a beta manifest", V2("", "{\"name\":\"a\",\"size\":1,\"mtime\":1}", "1"),
	  UNH, NULL,
	  "files[0] \"a\": expected one of \"hash\", \"chunkhashes\" or \"symlink\"" },
	/* absolute manifests */
	{ "absolute without --root", SABS("", SF("/j/a", "1"), "1"), SNAP,
	  NULL,
	  "absolute manifest (specificationVersion \"absolute-manifest-snapshot-beta-2025-12\"): its paths mount under the directory given with --root PREFIX" },
	{ "absolute outside --root", SABS("", SF("/j/a", "1") "," SF("/jj/b", "1"), "2"),
	  SNAP, "/j", "files[1] \"/jj/b\": path is not below --root \"/j\"" },
	{ "absolute file at --root", SABS("", SF("/j", "1"), "1"), SNAP, "/j",
	  "files[0] \"/j\": path is not below --root \"/j\"" },
	{ "absolute dotdot below --root", SABS("", SF("/j/../etc/x", "1"), "1"),
	  SNAP, "/j", "files[0] \"/j/../etc/x\": path has a \"..\" component" },
	{ "absolute symlink target outside --root",
	  SABS(SD("/j"), SL("$0/l", "/etc/passwd"), "0"), SNAP, "/j",
	  "files[0] \"$0/l\": symlink target \"/etc/passwd\" is not below --root" },
	{ "relative path in an absolute manifest", SABS("", SF("a", "1"), "1"),
	  SNAP, "/j", "files[0] \"a\": path is not below --root \"/j\"" },
	/* the same rules in every dialect */
	{ "2025-12: hash not 32 hex digits",
	  SPEC("", "{\"path\":\"a\",\"hash\":\"abc\",\"size\":1,\"mtime\":1}", "1"),
	  SNAP, NULL, "files[0] \"a\": hash \"abc\" is not 32 hex digits" },
	{ "2025-12: chunk rule",
	  SPEC("", "{\"path\":\"a\",\"hash\":" H ",\"size\":" CH1 ",\"mtime\":1}", CH1),
	  SNAP, NULL,
	  "files[0] \"a\": size 268435457 is larger than the chunk size 268435456: expected \"chunkhashes\", not \"hash\"" },
	{ "2025-12: chunk count",
	  SPEC("", "{\"path\":\"a\",\"chunkhashes\":[" H "],\"size\":" CH1 ",\"mtime\":1}", CH1),
	  SNAP, NULL,
	  "files[0] \"a\": size 268435457 does not match 1 chunks (expected 2)" },
	{ "2025-12: dotdot", SPEC("", SF("a/../b", "1"), "1"), SNAP, NULL,
	  "files[0] \"a/../b\": path has a \"..\" component" },
	{ "2025-12: absolute path", SPEC("", SF("/a", "1"), "1"), SNAP, NULL,
	  "files[0] \"/a\": path is absolute: expected a relative path" },
	{ "2025-12: absolute symlink target", SPEC("", SL("l", "/etc"), "0"),
	  SNAP, NULL,
	  "files[0] \"l\": symlink target \"/etc\" is absolute: expected a relative path" },
	{ "2025-12: drive-letter symlink target",
	  SPEC("", SL("l", "C:\\\\x"), "0"), SNAP, NULL,
	  "files[0] \"l\": symlink target \"C:\\\\x\" is absolute: expected a relative path" },
	{ "2025-12: UNC symlink target",
	  SPEC("", SL("l", "\\\\\\\\server\\\\s"), "0"), SNAP, NULL,
	  "files[0] \"l\": symlink target \"\\\\\\\\server\\\\s\" is absolute: expected a relative path" },
	{ "2025-12: escaping symlink", SPEC(SD("d"), SL("$0/l", "../../x"), "0"),
	  SNAP, NULL,
	  "files[0] \"$0/l\": symlink target \"../../x\" escapes the bundle root" },
	{ "2025-12: $N/ target expands to an escape",
	  SPEC(SD("d"), SL("l", "$0/../../x"), "0"), SNAP, NULL,
	  "files[0] \"l\": symlink target \"d/../../x\" escapes the bundle root" },
	{ "2025-12: $N/ dir refers to a later dir",
	  SPEC(SD("$1/a") "," SD("b"), "", "0"), SNAP, NULL,
	  "dirs[0] \"$1/a\": $1/ must refer to an earlier entry of dirs (there are 0 before it)" },
	{ "2025-12: $N/ target out of range", SPEC(SD("d"), SL("l", "$1/x"), "0"),
	  SNAP, NULL, "files[0] \"l\": $1/ refers to dirs[1], but there are 1 dirs" },
	{ "2025-12: two entries for one path", SPEC("", SF("a", "1") "," SF("a", "1"), "2"),
	  SNAP, NULL,
	  "files[1] \"a\": path \"a\" is already files[0] \"a\": two entries for one path" },
	{ "2025-12: a file used as a directory",
	  SPEC("", SF("a", "1") "," SF("a/b", "1"), "2"), SNAP, NULL,
	  "files[1] \"a/b\": \"a\" is a file (files[0] \"a\"), not a directory" },
	{ "2025-12: totalSize counts unhashed files",
	  SPEC("", SU("a", "5"), "0"), UNH, NULL,
	  "totalSize 0 does not match the sum of the file sizes, 5" },
	{ "v1: dotdot",
	  V1(P1("x/../y", "1"), "1"), SNAP, NULL,
	  "paths[0] \"x/../y\": path has a \"..\" component" },
};

static void run_rejects(void)
{
	size_t i;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct dcase *c = &rejects[i];
		struct bfs_manifest m;
		struct bfs_tree t;
		struct bfs_error err = { "" };
		char name[256];
		int r = run(c->json, c->flags, c->root, &m, &t, &err);

		snprintf(name, sizeof(name), "dialects: rejects %s: exit code 1",
			 c->name);
		if (!check_u64(name, BFS_EINVAL, (uint64_t)r) && !r) {
			bfs_tree_free(&t);
			bfs_manifest_free(&m);
		}
		snprintf(name, sizeof(name), "dialects: rejects %s: message",
			 c->name);
		check_str(name, c->msg, err.msg);
	}
}

static bool accept(const char *name, const char *json, int flags,
		   const char *root, struct bfs_manifest *m, struct bfs_tree *t)
{
	struct bfs_error err = { "" };
	int r = run(json, flags, root, m, t, &err);

	if (r) {
		failf(name, "expected success got %d \"%s\"", r, err.msg);
		return false;
	}
	pass(name);
	return true;
}

static void done(struct bfs_manifest *m, struct bfs_tree *t)
{
	bfs_tree_free(t);
	bfs_manifest_free(m);
}

/* The entry at @path, or NULL. */
static const struct bfs_entry *at(const struct bfs_manifest *m,
				  const char *path)
{
	size_t i;

	for (i = 0; i < m->nentries; i++)
		if (!strcmp(m->entries[i].path, path))
			return &m->entries[i];
	return NULL;
}

static void check_target(const char *name, const struct bfs_manifest *m,
			 const char *path, const char *want)
{
	const struct bfs_entry *e = at(m, path);

	check_str(name, want, e && e->target ? e->target : "(no symlink)");
}

static void run_accepts(void)
{
	static const struct bundlefs_digest zero;
	const struct bfs_entry *e;
	struct bfs_manifest m;
	struct bfs_tree t;

	/* the example of shared/manifests/FORMATS.md */
	if (accept("dialects: accepts a 2025-12 relative snapshot",
		   SPEC(SD("scenes") "," SD("$0/shot010"),
			SF("$1/main.blend", "5") "," SL("latest", "$1/main.blend") ","
			SU("$1/pending.exr", "1024"), "1029"),
		   UNH, NULL, &m, &t)) {
		check_str("2025-12: version", REL, m.version_str);
		check_u64("2025-12: dialect", BFS_D_SPEC, m.dialect->id);
		check_str("2025-12: $N/ dir of a dir", "scenes/shot010",
			  m.entries[1].path);
		check_target("2025-12: $N/ in a symlink target expands",
			     &m, "latest", "scenes/shot010/main.blend");
		e = at(&m, "scenes/shot010/pending.exr");
		check_u64("2025-12: unhashed flag", 1, e && e->unhashed);
		check_u64("2025-12: one unhashed file", 1, m.nunhashed);
		check_u64("2025-12: unhashed file has one chunk", 1,
			  e ? e->nchunks : 0);
		check_u64("2025-12: its digest is the reserved zero", 0,
			  e ? (uint64_t)memcmp(e->digests, &zero, sizeof(zero)) : 1);
		check_u64("2025-12: totalSize counts it", 1029, m.total_size);
		done(&m, &t);
	}
	if (accept("dialects: accepts manifestVersion 2025-12 (a relative snapshot)",
		   "{\"dirs\":[{\"path\":\"d\"}],\"files\":[" SF("$0/a", "1") "],\"hashAlg\":\"xxh128\",\"manifestVersion\":\"2025-12\",\"totalSize\":1}",
		   SNAP, NULL, &m, &t)) {
		check_str("manifestVersion 2025-12: version", "2025-12",
			  m.version_str);
		check_str("manifestVersion 2025-12: path key", "d/a",
			  m.entries[1].path);
		done(&m, &t);
	}
	if (accept("dialects: accepts unhashed files of 0 and 2 chunks",
		   SPEC("", SU("e", "0") "," SU("big", CH1), CH1), UNH, NULL,
		   &m, &t)) {
		check_u64("unhashed empty file: no chunk", 0,
			  m.entries[0].nchunks);
		check_u64("unhashed big file: two chunks", 2,
			  m.entries[1].nchunks);
		done(&m, &t);
	}
	if (accept("dialects: accepts a 2025-12 file with chunks and runnable",
		   SPEC("", "{\"path\":\"a\",\"chunkhashes\":[" H "," H "],\"size\":" CH1 ",\"mtime\":1,\"runnable\":true}", CH1),
		   SNAP, NULL, &m, &t)) {
		check_u64("2025-12: runnable", 1, m.entries[0].exec);
		done(&m, &t);
	}
	if (accept("dialects: accepts an absolute snapshot under --root",
		   SABS(SD("/home/u/job") "," SD("$0/scenes") "," SD("/home"),
			SF("$1/main.blend", "5") "," SL("$0/latest", "$1/main.blend") ","
			SL("$1/top", "/home/u/job") "," SL("$1/self", "/home/u/job/scenes") ","
			SL("$0/rel", "scenes/main.blend"), "5"),
		   SNAP, "/home/u/job/", &m, &t)) {
		check_u64("absolute: --root and its ancestors are no entries", 6,
			  m.nentries);
		check_str("absolute: a dir below --root", "scenes",
			  m.entries[0].path);
		check_str("absolute: a file below --root", "scenes/main.blend",
			  m.entries[1].path);
		check_target("absolute: an absolute target becomes relative",
			     &m, "latest", "scenes/main.blend");
		check_target("absolute: a target at --root", &m,
			     "scenes/top", "..");
		check_target("absolute: a target at the link's own directory",
			     &m, "scenes/self", ".");
		check_target("absolute: a relative target stays", &m, "rel",
			     "scenes/main.blend");
		done(&m, &t);
	}
	if (accept("dialects: accepts an absolute snapshot under --root /",
		   SABS("", SF("/a/b", "1"), "1"), SNAP, "/", &m, &t)) {
		check_str("absolute under /: the path", "a/b",
			  m.entries[0].path);
		done(&m, &t);
	}
	if (accept("dialects: accepts a 2025-12 diff",
		   SPEC_(ABSD, PARENT, SD("/j/d"),
			 "{\"path\":\"$0/x\",\"deleted\":true}," SF("/j/y", "2"), "2"),
		   DIFF, "/j", &m, &t)) {
		check_u64("2025-12 diff: a deleted entry", 1,
			  m.entries[1].deleted);
		check_str("2025-12 diff: its path", "d/x", m.entries[1].path);
		check_str("2025-12 diff: parent hash",
			  "0123456789abcdef0123456789abcdef", m.parent_hash);
		bfs_manifest_free(&m);
	}
}

void test_dialects(void)
{
	run_rejects();
	run_accepts();
}
