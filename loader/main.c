// SPDX-License-Identifier: GPL-2.0
/*
 * bundlefs: the command.  Argument parsing and calls into libbundlefs;
 * nothing here knows the manifest or image formats.
 *
 * Exit codes: 0 ok, 1 invalid manifest or image, 2 usage error,
 * 3 system error (I/O, mount, ioctl).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
/* room for "load FILE on MNT" */
#define PATH_MAX_BUF 8400

static const char usage_main[] =
"usage: bundlefs COMMAND [OPTIONS] ARGS...\n"
"\n"
"Mount job-bundle manifests (v1 2023-03-03, v2 2025-12-04-beta, v2 2025-12).\n"
"\n"
"commands:\n"
"  check MANIFEST [--diff D]...\n"
"                              validate a manifest and print its counts\n"
"  encode MANIFEST OUT [--diff D]...\n"
"                              write the binary image of a manifest\n"
"  load MANIFEST MNT [--diff D]...\n"
"                              load a manifest into an empty bundlefs mount\n"
"  load --image FILE MNT       push a raw image file, unchanged\n"
"  mount MANIFEST MNT --cache DIR [--diff D]... [--upper DIR] [-o OPTS]\n"
"        [--source SOURCE]\n"
"                              mount bundlefs on MNT and load MANIFEST\n"
"  diff MNT [-o FILE] [--objects DIR]\n"
"                              what a writable mount changed, as a diff manifest\n"
"  apply BASE [DIFF...] [-o OUT] [--format F]\n"
"                              a manifest plus diffs, as one manifest\n"
"  serve MNT... --source SOURCE [--jobs N] [-v]\n"
"                              fetch missing objects for mounts, on demand\n"
"  prefetch MNT PATH... [--jobs N]\n"
"                              fetch the objects of files or trees now\n"
"  stats MNT                   the mount's fetch counters\n"
"  fetch --source SOURCE NAME OUT\n"
"                              fetch one object from a source, checked\n"
"  push DIR s3://BUCKET/PREFIX [--manifest FILE]\n"
"                              upload a diff's objects the store lacks\n"
"\n"
"Each command takes --help.\n"
"exit status: 0 ok, 1 invalid manifest or image, 2 usage error,\n"
"3 system error (I/O, mount, ioctl).\n";

#define LAYER_HELP \
"\n" \
"  --diff D          apply the diff manifest D on top (repeatable: in order)\n" \
"  --root PREFIX     absolute manifests: the directory their paths are under\n" \
"  --allow-unhashed  accept unhashed files (2025-12); their reads fail (EIO)\n" \
"  --no-parent-check do not match each diff's parentManifestHash\n"

static const char usage_check[] =
"usage: bundlefs check MANIFEST [--diff D]... [--root PREFIX]\n"
"                      [--allow-unhashed] [--no-parent-check]\n"
"\n"
"Parse, validate and encode MANIFEST (with the diffs applied in order)\n"
"without touching the kernel, then print the number of files, directories\n"
"(not counting the root), symlinks, total bytes, chunks and distinct\n"
"objects, and the unhashed files if any.\n"
LAYER_HELP;

static const char usage_encode[] =
"usage: bundlefs encode MANIFEST OUT [--diff D]... [--root PREFIX]\n"
"                       [--allow-unhashed] [--no-parent-check]\n"
"\n"
"Validate MANIFEST (with the diffs applied) and write its binary image to\n"
"OUT (through a temporary file renamed into place).\n"
LAYER_HELP;

static const char usage_load[] =
"usage: bundlefs load MANIFEST MNT [--diff D]... [--root PREFIX]\n"
"                     [--allow-unhashed] [--no-parent-check]\n"
"       bundlefs load --image FILE MNT\n"
"\n"
"Issue BUNDLEFS_IOC_LOAD on MNT, the root of an empty bundlefs mount,\n"
"with the image of MANIFEST; with --image, with the bytes of FILE as\n"
"they are (no validation: for testing the kernel's checks).\n"
LAYER_HELP;

static const char usage_diff[] =
"usage: bundlefs diff MNT [-o FILE] [--objects DIR] [--parent-hash HASH]\n"
"\n"
"Write what the writable bundlefs mount MNT changed against its manifest as\n"
"a v2 diff manifest (\"2025-12-04-beta\", parentManifestHash, delete\n"
"entries) to FILE (atomically) or standard output.  The kernel finds and\n"
"hashes the changes; the cost grows with them, not with the manifest.\n"
"\n"
"  -o FILE            write the diff manifest to FILE\n"
"  --objects DIR      also copy each listed file's content (per 256 MiB\n"
"                     chunk) to DIR/Data/<hash>.xxh128, atomically, skipping\n"
"                     objects already there\n"
"  --parent-hash HASH the parent manifest's xxh128 (default: what\n"
"                     bundlefs mount or load recorded in the upper directory)\n";

static const char usage_apply[] =
"usage: bundlefs apply BASE [DIFF...] [-o OUT] [--format FORMAT] [--root PREFIX]\n"
"                      [--allow-unhashed] [--no-parent-check]\n"
"\n"
"Apply the diff manifests DIFF (what bundlefs diff wrote), in order, to the\n"
"manifest BASE (the first diff's parentManifestHash must be BASE's xxh128,\n"
"a later one's that of the text apply writes for the layers below it) and\n"
"write the resulting snapshot to OUT (atomically) or standard output, in\n"
"BASE's dialect or FORMAT.  Mounted over the cache plus the diffs'\n"
"--objects, it shows the tree the writable mount showed.  Without a DIFF,\n"
"BASE is written in FORMAT.  A v1 BASE whose tree needs more than v1 holds\n"
"is written in the last diff's dialect unless --format v1 is given.\n"
"\n"
"  -o FILE            write the manifest to FILE\n"
"  --format FORMAT    v1, v2-beta or v2-2025-12 (default: BASE's; v1 refuses\n"
"                     a tree with symlinks, empty directories, executables,\n"
"                     chunked or unhashed files)\n"
"  --root PREFIX      absolute manifests: the directory their paths are under\n"
"  --allow-unhashed   accept unhashed files (2025-12 output only)\n"
"  --no-parent-check  do not match each diff's parentManifestHash\n";

static const char usage_mount[] =
"usage: bundlefs mount MANIFEST MNT --cache DIR [--diff D]... [--upper DIR]\n"
"                      [--uid USER] [--gid GROUP] [-o OPTS] [--root PREFIX]\n"
"                      [--allow-unhashed] [--no-parent-check]\n"
"                      [--source SOURCE [--jobs N]]\n"
"\n"
"Validate and encode MANIFEST, mount bundlefs on MNT with\n"
"\"cache=DIR[,OPTS]\" (read-only unless OPTS has upper=) and load the\n"
"image.  If the load fails, MNT is unmounted again.\n"
"\n"
"  -c, --cache DIR   object cache directory (required; no ',' in its path)\n"
"  -u, --upper DIR   writable mount: changes are kept in DIR, bound to\n"
"                    MANIFEST (a DIR of another manifest is refused)\n"
"  --uid USER        owner of every manifest entry (name or number;\n"
"  --gid GROUP       default: the caller's ids)\n"
"  -o OPTS           more mount options, comma-separated\n"
"  --source SOURCE   start a fetch daemon for the mount (see bundlefs serve\n"
"                    --help); it stops when MNT is unmounted\n"
"  --jobs N          its parallel fetches (default 8)\n"
LAYER_HELP;

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": %s%s", cmd ? cmd : "", cmd ? ": " : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see bundlefs %s%s--help)\n", cmd ? cmd : "",
		cmd ? " " : "");
	return BFS_EUSAGE;
}

/* Options shared by every command; returns -1 to go on, else exit code. */
int parse_opts(int argc, char **argv, const char *cmd, const char *usage,
	       const char *shortopts, const struct option *longopts,
	       int (*opt)(int c, const char *arg, void *ctx), void *ctx)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == '?' || c == ':') {
			char o[64];

			if (optopt)
				snprintf(o, sizeof(o), "-%c", optopt);
			else
				snprintf(o, sizeof(o), "%s", argv[optind - 1]);
			return usage_error(cmd, c == ':' ?
					   "option %s needs an argument" :
					   "unknown option %s", o);
		}
		if (opt) {
			int r = opt(c, optarg, ctx);

			if (r >= 0)
				return r;
		}
	}
	return -1;
}

static int fail(const char *what, const struct bfs_error *err, int code)
{
	fprintf(stderr, PROG ": %s: %s\n", what, err->msg);
	return code;
}

/* --diff, --root, --allow-unhashed, --no-parent-check */
#define LAYER_LONGOPTS \
	{ "diff", required_argument, NULL, 'D' }, \
	{ "root", required_argument, NULL, 'R' }, \
	{ "allow-unhashed", no_argument, NULL, 'A' }, \
	{ "no-parent-check", no_argument, NULL, 'N' }

/* One of LAYER_LONGOPTS: -1 to go on (also for others), else exit code. */
int layer_opt(struct layer_args *a, int c, const char *arg)
{
	switch (c) {
	case 'D':
		a->diffs[a->ndiffs++] = arg;
		break;
	case 'R':
		if (arg[0] != '/')
			return usage_error(a->cmd,
					   "--root %s: expected an absolute path",
					   arg);
		a->o.parse.root = arg;
		break;
	case 'A':
		a->o.parse.allow_unhashed = true;
		break;
	case 'N':
		a->o.no_parent_check = true;
		break;
	}
	return -1;
}

int layer_init(struct layer_args *a, const char *cmd, int argc)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->diffs = calloc((size_t)argc + 1, sizeof(*a->diffs));
	if (!a->diffs) {
		fprintf(stderr, PROG ": %s: out of memory\n", cmd);
		return BFS_ESYS;
	}
	return -1;
}

static int layer_only(int c, const char *arg, void *ctx)
{
	return layer_opt(ctx, c, arg);
}

/* MANIFEST and its diffs to an image; the error line names the file. */
static int layers_image(const struct layer_args *a, const char *manifest,
			struct bfs_manifest *m, struct bfs_tree *t,
			void **image, size_t *size, char hash[33])
{
	struct bfs_error err;
	int r = bfs_layers_to_image(manifest, a->diffs, a->ndiffs, &a->o, m,
				    t, image, size, hash, &err);

	if (r)
		fprintf(stderr, PROG ": %s\n", err.msg);
	return r;
}

/* `bundlefs check` lists the files whose reads fail. */
static void print_unhashed(const struct bfs_manifest *m)
{
	char q[512];
	size_t i;

	if (!m->nunhashed)
		return;
	printf("unhashed files (reads fail with EIO): %zu\n", m->nunhashed);
	for (i = 0; i < m->nentries; i++)
		if (m->entries[i].kind == BFS_REG && m->entries[i].unhashed) {
			bfs_quote(q, sizeof(q), m->entries[i].path,
				  m->entries[i].path_len);
			printf("  %s\n", q);
		}
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		LAYER_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct layer_args a;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_stats st;
	char hash[33];
	size_t size;
	void *image;
	int r;

	r = layer_init(&a, "check", argc);
	if (r < 0)
		r = parse_opts(argc, argv, "check", usage_check, "h", longopts,
			       layer_only, &a);
	if (r < 0 && argc - optind != 1)
		r = usage_error("check", "expected one MANIFEST%s", "");
	if (r < 0) {
		r = layers_image(&a, argv[optind], &m, &t, &image, &size, hash);
		r = r ? r : -1;		/* -1: go on */
	}
	if (r >= 0) {
		free(a.diffs);
		return r;
	}
	bfs_stats(&m, &t, &st);
	printf("%s: ok, manifest version %s\n", argv[optind], m.version_str);
	if (a.ndiffs)
		printf("diffs applied: %zu\n", a.ndiffs);
	printf("files: %llu\n", (unsigned long long)st.files);
	printf("directories: %llu\n", (unsigned long long)st.dirs);
	printf("symlinks: %llu\n", (unsigned long long)st.links);
	printf("total bytes: %llu\n", (unsigned long long)st.total_bytes);
	printf("chunks: %llu\n", (unsigned long long)st.chunks);
	printf("distinct objects: %llu\n", (unsigned long long)st.objects);
	print_unhashed(&m);
	free(image);
	free(a.diffs);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": check: cannot write the output\n");
		return BFS_ESYS;
	}
	return 0;
}

static int cmd_encode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		LAYER_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct layer_args a;
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	char hash[33];
	size_t size;
	void *image;
	int r;

	r = layer_init(&a, "encode", argc);
	if (r < 0)
		r = parse_opts(argc, argv, "encode", usage_encode, "h",
			       longopts, layer_only, &a);
	if (r < 0 && argc - optind != 2)
		r = usage_error("encode", "expected MANIFEST and OUT%s", "");
	if (r < 0) {
		r = layers_image(&a, argv[optind], &m, &t, &image, &size, hash);
		r = r ? r : -1;		/* -1: go on */
	}
	free(a.diffs);
	if (r >= 0)
		return r;
	r = bfs_write_atomic(argv[optind + 1], image, size, &err);
	if (r)
		fail(argv[optind + 1], &err, r);
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

static int load_image(const char *what, const char *mnt, const void *image,
		      size_t size)
{
	struct bfs_error err;
	char buf[PATH_MAX_BUF];
	int r = bfs_ioctl_load(mnt, image, size, &err);

	if (r) {
		snprintf(buf, sizeof(buf), "load %s on %s", what, mnt);
		return fail(buf, &err, r);
	}
	return 0;
}

struct load_args {
	struct layer_args layers;
	const char *image_file;
};

static int load_opt(int c, const char *arg, void *ctx)
{
	struct load_args *a = ctx;

	if (c == 'i')
		a->image_file = arg;
	return layer_opt(&a->layers, c, arg);
}

/* A writable mount remembers the hash of its tree for its diffs. */
static int record_origin(const char *mnt, const char hash[33])
{
	struct bfs_error err;
	int r;

	if (!hash[0]) {
		fprintf(stderr, PROG ": %s: the merged tree has no v2 form (unhashed files, or a v1 object above 256 MiB): its diffs need --parent-hash\n",
			mnt);
		return 0;
	}
	r = bfs_write_origin_hash(mnt, hash, &err);
	if (r)
		fail(mnt, &err, r);
	return r;
}

static int cmd_load(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "image", required_argument, NULL, 'i' },
		LAYER_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct load_args a = { .image_file = NULL };
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err;
	char hash[33], upper[4096];
	size_t size;
	void *image;
	int r;

	r = layer_init(&a.layers, "load", argc);
	if (r < 0)
		r = parse_opts(argc, argv, "load", usage_load, "hi:", longopts,
			       load_opt, &a);
	if (r >= 0 || a.image_file) {
		char *buf;

		free(a.layers.diffs);
		if (r >= 0)
			return r;
		if (argc - optind != 1)
			return usage_error("load", "expected --image FILE MNT%s",
					   "");
		r = bfs_read_file(a.image_file, &buf, &size, &err);
		if (r)
			return fail(a.image_file, &err, r);
		r = load_image(a.image_file, argv[optind], buf, size);
		free(buf);
		return r;
	}
	if (argc - optind != 2) {
		free(a.layers.diffs);
		return usage_error("load", "expected MANIFEST and MNT%s", "");
	}
	r = layers_image(&a.layers, argv[optind], &m, &t, &image, &size, hash);
	free(a.layers.diffs);
	if (r)
		return r;
	r = load_image(argv[optind], argv[optind + 1], image, size);
	if (!r && !bfs_upper_of(argv[optind + 1], upper, sizeof(upper), &err))
		r = record_origin(argv[optind + 1], hash);
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

struct mount_args {
	const char *cache, *opts, *upper, *uid, *gid, *source;
	int jobs;
	struct layer_args layers;
};

static int mount_opt(int c, const char *arg, void *ctx)
{
	struct mount_args *a = ctx;

	if (c == 'R')		/* fails on a relative path */
		return layer_opt(&a->layers, c, arg);
	layer_opt(&a->layers, c, arg);
	if (c == 'c')
		a->cache = arg;
	else if (c == 'o')
		a->opts = arg;
	else if (c == 'u')
		a->upper = arg;
	else if (c == 'U')
		a->uid = arg;
	else if (c == 'G')
		a->gid = arg;
	else if (c == 'S')
		a->source = arg;
	else if (c == 'j')
		return jobs_arg("mount", arg, &a->jobs);
	return -1;
}

/* A user or group given by name or number: its id, or -1. */
static long owner_id(const char *s, bool group)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s && !*end && !errno && v >= 0 && v < 4294967295L)
		return v;
	if (group) {
		struct group *g = getgrnam(s);

		return g ? (long)g->gr_gid : -1;
	} else {
		struct passwd *p = getpwnam(s);

		return p ? (long)p->pw_uid : -1;
	}
}

/* -o OPTS plus what --upper, --uid and --gid add to it. */
static int mount_options(const struct mount_args *a, char *buf, size_t size)
{
	char real[PATH_MAX];
	size_t n = 0;
	long id;

	buf[0] = '\0';
	if (a->opts && *a->opts)
		n += snprintf(buf, size, "%s", a->opts);
	if (a->upper) {
		if (!realpath(a->upper, real)) {
			fprintf(stderr, "bundlefs: mount: upper directory %s: %s\n",
				a->upper, strerror(errno));
			return BFS_ESYS;
		}
		if (strchr(real, ',')) {
			fprintf(stderr, "bundlefs: mount: upper directory %s contains ',', which the mount options cannot carry\n",
				real);
			return BFS_EUSAGE;
		}
		n += snprintf(buf + n, n < size ? size - n : 0, "%supper=%s",
			      n ? "," : "", real);
	}
	if (a->uid) {
		id = owner_id(a->uid, false);
		if (id < 0)
			return usage_error("mount", "no such user %s", a->uid);
		n += snprintf(buf + n, n < size ? size - n : 0, "%suid=%ld",
			      n ? "," : "", id);
	}
	if (a->gid) {
		id = owner_id(a->gid, true);
		if (id < 0)
			return usage_error("mount", "no such group %s", a->gid);
		n += snprintf(buf + n, n < size ? size - n : 0, "%sgid=%ld",
			      n ? "," : "", id);
	}
	if (n >= size)
		return usage_error("mount", "mount options too long%s", "");
	return 0;
}

static int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "cache", required_argument, NULL, 'c' },
		{ "options", required_argument, NULL, 'o' },
		{ "upper", required_argument, NULL, 'u' },
		{ "uid", required_argument, NULL, 'U' },
		{ "gid", required_argument, NULL, 'G' },
		{ "source", required_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		LAYER_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct mount_args a = { .jobs = BFS_DEFAULT_JOBS };
	struct mount_job job = { 0 };
	char opts[4096];
	int r;

	/* GNU getopt permutes: options may follow the operands */
	r = layer_init(&a.layers, "mount", argc);
	if (r < 0)
		r = parse_opts(argc, argv, "mount", usage_mount, "hc:o:u:",
			       longopts, mount_opt, &a);
	if (r < 0 && argc - optind != 2)
		r = usage_error("mount", "expected MANIFEST and MNT%s", "");
	if (r < 0 && !a.cache)
		r = usage_error("mount", "--cache DIR is required%s", "");
	if (r < 0) {
		r = mount_options(&a, opts, sizeof(opts));
		r = r ? r : -1;		/* -1: go on */
	}
	if (r >= 0) {
		free(a.layers.diffs);
		return r;
	}
	job.layers = &a.layers;
	job.manifest = argv[optind];
	job.mnt = argv[optind + 1];
	job.cache = a.cache;
	job.opts = opts;
	job.upper = a.upper;
	job.source = a.source;
	job.jobs = a.jobs;
	r = mount_job_run(&job);
	free(a.layers.diffs);
	return r;
}

int mount_job_run(const struct mount_job *j)
{
	struct bfs_manifest m;
	struct bfs_tree t;
	struct bfs_error err, uerr;
	char what[PATH_MAX_BUF], hash[33];
	size_t size;
	void *image;
	int r;

	/* a bad manifest mounts nothing */
	r = layers_image(j->layers, j->manifest, &m, &t, &image, &size, hash);
	if (r)
		return r;
	snprintf(what, sizeof(what), "mount %s on %s", j->manifest, j->mnt);
	r = bfs_mount(j->mnt, j->cache, j->opts, j->flags, &err);
	if (r) {
		fail(what, &err, r);
		if (j->upper)
			fprintf(stderr, "bundlefs: %s: the kernel log says why the upper directory was refused\n",
				j->upper);
		goto out;
	}
	r = load_image(j->manifest, j->mnt, image, size);
	if (!r && j->upper)
		r = record_origin(j->mnt, hash);
	if (!r && j->source)
		r = bfs_serve_background(j->mnt, j->source, j->jobs);
	if (r == BFS_EINVAL && j->upper)
		fprintf(stderr, "bundlefs: %s: upper directory of another manifest, or damaged (see the kernel log)\n",
			j->upper);
	if (r && bfs_umount(j->mnt, &uerr)) {
		snprintf(what, sizeof(what), "unmount %s", j->mnt);
		fail(what, &uerr, r);
	}
out:
	free(image);
	bfs_tree_free(&t);
	bfs_manifest_free(&m);
	return r;
}

struct diff_args {
	const char *out, *objects, *parent;
};

static int diff_opt(int c, const char *arg, void *ctx)
{
	struct diff_args *a = ctx;

	if (c == 'o')
		a->out = arg;
	else if (c == 'O')
		a->objects = arg;
	else if (c == 'P')
		a->parent = arg;
	return -1;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "objects", required_argument, NULL, 'O' },
		{ "parent-hash", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_args a = { 0 };
	struct bfs_error err;
	char parent[33];
	int r;

	r = parse_opts(argc, argv, "diff", usage_diff, "ho:", longopts,
		       diff_opt, &a);
	if (r >= 0)
		return r;
	if (argc - optind != 1)
		return usage_error("diff", "expected MNT%s", "");
	if (a.parent) {
		if (strlen(a.parent) != 32 ||
		    strspn(a.parent, "0123456789abcdef") != 32)
			return usage_error("diff", "--parent-hash %s is not 32 hex digits",
					   a.parent);
		snprintf(parent, sizeof(parent), "%s", a.parent);
	} else {
		r = bfs_read_origin(argv[optind], parent, &err);
		if (r)
			return fail(argv[optind], &err, r);
	}
	r = bfs_diff(argv[optind], parent, a.out, a.objects, &err);
	if (r)
		return fail(argv[optind], &err, r);
	return 0;
}

struct apply_args {
	struct layer_args layers;
	const char *out;
	const struct bfs_dialect *format;
};

static int apply_opt(int c, const char *arg, void *ctx)
{
	struct apply_args *a = ctx;

	if (c == 'o')
		a->out = arg;
	if (c == 'F') {
		a->format = bfs_dialect_by_format(arg);
		if (!a->format)
			return usage_error("apply",
					   "unknown --format %s: expected " BFS_FORMATS,
					   arg);
	}
	return layer_opt(&a->layers, c, arg);
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "root", required_argument, NULL, 'R' },
		{ "allow-unhashed", no_argument, NULL, 'A' },
		{ "no-parent-check", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply_args a = { .out = NULL };
	struct bfs_error err;
	int r;

	r = layer_init(&a.layers, "apply", argc);
	if (r < 0)
		r = parse_opts(argc, argv, "apply", usage_apply, "ho:", longopts,
			       apply_opt, &a);
	if (r < 0 && argc - optind < 1)
		r = usage_error("apply", "expected BASE [DIFF...]%s", "");
	if (r < 0) {
		r = bfs_apply(argv[optind],
			      (const char *const *)argv + optind + 1,
			      (size_t)(argc - optind - 1), &a.layers.o,
			      a.format, a.out, &err);
		if (r)
			fprintf(stderr, PROG ": %s\n", err.msg);
	}
	free(a.layers.diffs);
	return r;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "check", cmd_check },
		{ "encode", cmd_encode },
		{ "load", cmd_load },
		{ "mount", cmd_mount },
		{ "diff", cmd_diff },
		{ "apply", cmd_apply },
		{ "serve", cmd_serve },
		{ "stats", cmd_stats },
		{ "prefetch", cmd_prefetch },
		{ "fetch", cmd_fetch },
		{ "push", cmd_push },
	};
	const char *base = strrchr(argv[0], '/');
	size_t i;

	/* installed as a link: mount(8) runs it for `mount -t bundlefs` */
	if (!strcmp(base ? base + 1 : argv[0], "mount.bundlefs"))
		return mount_helper_main(argc, argv);
	if (argc < 2)
		return usage_error(NULL, "expected a command%s", "");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command \"%s\"", argv[1]);
}
