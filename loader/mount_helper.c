// SPDX-License-Identifier: GPL-2.0
/*
 * mount.bundlefs: what mount(8) runs for `mount -t bundlefs` (and for an
 * fstab line of that type), installed as a link to the bundlefs command.
 *
 *   mount.bundlefs SPEC DIR [-sfnv] [-o OPTIONS]
 *
 * OPTIONS mixes the kernel's own (cache=, upper=, uid=, ...), generic
 * mount flags (ro, nosuid, noexec, ...), fstab-only words (defaults,
 * noauto, _netdev, x-...) and the helper's: manifest=FILE (or SPEC),
 * diff=FILE (repeatable), root=PREFIX, allow_unhashed, no_parent_check,
 * source=SOURCE and jobs=N.  It then does what `bundlefs mount` does.
 * Exit codes are mount(8)'s: 0, 1 (usage), 32 (mount failure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cli.h"

#define HELPER "mount.bundlefs"
#define EX_USAGE_MOUNT	1
#define EX_FAIL_MOUNT	32

static const struct {
	const char *name;
	unsigned long set, clear;
} vfs_flags[] = {
	{ "ro", MS_RDONLY, 0 },		{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },	{ "silent", MS_SILENT, 0 },
	{ "loud", 0, MS_SILENT },	{ "lazytime", MS_LAZYTIME, 0 },
	{ "nolazytime", 0, MS_LAZYTIME },
	/* bundlefs never updates access times: accepted, nothing to do */
	{ "noatime", 0, 0 },		{ "atime", 0, 0 },
	{ "nodiratime", 0, 0 },		{ "diratime", 0, 0 },
	{ "relatime", 0, 0 },		{ "norelatime", 0, 0 },
	{ "strictatime", 0, 0 },
};

/* Words only fstab and mount(8) care about. */
static bool fstab_only(const char *o)
{
	static const char *const words[] = {
		"defaults", "auto", "noauto", "nofail", "user", "nouser",
		"users", "owner", "group", "_netdev", "bind", "loop",
	};
	size_t i;

	if (!strncmp(o, "x-", 2) || !strncmp(o, "X-", 2) ||
	    !strncmp(o, "comment=", 8))
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(o, words[i]))
			return true;
	return false;
}

/* The kernel's options other than cache= (kmod/super.c). */
static bool kernel_option(const char *o)
{
	static const char *const names[] = {
		"upper", "uid", "gid", "max_image", "verify", "fetch_timeout",
	};
	size_t i, n = strcspn(o, "=");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(o, names[i], n))
			return true;
	return false;
}

struct helper {
	struct mount_job job;
	struct layer_args layers;
	char kopts[4096];
	size_t klen;
	bool sloppy, verbose, fake;
};

static int helper_error(const char *fmt, const char *arg)
{
	fprintf(stderr, HELPER ": ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return EX_USAGE_MOUNT;
}

static int kopt_add(struct helper *h, const char *o)
{
	int n = snprintf(h->kopts + h->klen, sizeof(h->kopts) - h->klen, "%s%s",
			 h->klen ? "," : "", o);

	if (n < 0 || (size_t)n >= sizeof(h->kopts) - h->klen)
		return helper_error("options too long%s", "");
	h->klen += (size_t)n;
	return 0;
}

/* One option of -o; 0 or an exit code. */
static int helper_option(struct helper *h, char *o)
{
	char *v = strchr(o, '=');
	size_t i;

	for (i = 0; i < sizeof(vfs_flags) / sizeof(vfs_flags[0]); i++)
		if (!strcmp(o, vfs_flags[i].name)) {
			h->job.flags |= vfs_flags[i].set;
			h->job.flags &= ~vfs_flags[i].clear;
			return 0;
		}
	if (fstab_only(o) || !*o)
		return 0;
	if (v)
		v++;
	if (v && !strncmp(o, "manifest=", 9)) {
		h->job.manifest = v;
	} else if (v && !strncmp(o, "cache=", 6)) {
		h->job.cache = v;
	} else if (v && !strncmp(o, "source=", 7)) {
		h->job.source = v;
	} else if (v && !strncmp(o, "jobs=", 5)) {
		char *end;
		long n = strtol(v, &end, 10);

		if (!*v || *end || n < 1 || n > BFS_MAX_JOBS)
			return helper_error("jobs=%s: expected 1..256", v);
		h->job.jobs = (int)n;
	} else if (v && !strncmp(o, "diff=", 5)) {
		layer_opt(&h->layers, 'D', v);
	} else if (v && !strncmp(o, "root=", 5)) {
		if (layer_opt(&h->layers, 'R', v) >= 0)
			return EX_USAGE_MOUNT;
	} else if (!strcmp(o, "allow_unhashed")) {
		layer_opt(&h->layers, 'A', NULL);
	} else if (!strcmp(o, "no_parent_check")) {
		layer_opt(&h->layers, 'N', NULL);
	} else if (kernel_option(o) || !h->sloppy) {
		/* an unknown one: the kernel refuses it, and says which */
		if (v && !strncmp(o, "upper=", 6))
			h->job.upper = v;
		return kopt_add(h, o);
	}
	return 0;
}

static int helper_options(struct helper *h, char *opts)
{
	char *o, *save = NULL;
	int r;

	for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		r = helper_option(h, o);
		if (r)
			return r;
	}
	return 0;
}

int mount_helper_main(int argc, char **argv)
{
	struct helper h = { .job.jobs = BFS_DEFAULT_JOBS };
	const char *spec;
	int c, r;

	r = layer_init(&h.layers, HELPER, argc);
	if (r >= 0)
		return EX_FAIL_MOUNT;
	h.job.layers = &h.layers;
	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "sfnvo:t:N:h")) != -1) {
		switch (c) {
		case 's':
			h.sloppy = true;
			break;
		case 'f':
			h.fake = true;
			break;
		case 'n':		/* no mtab to write: /proc/self/mounts */
			break;
		case 'v':
			h.verbose = true;
			break;
		case 't':		/* bundlefs, whatever the subtype */
			break;
		case 'o':
			r = helper_options(&h, optarg);
			if (r)
				goto out;
			break;
		case 'N':
			r = helper_error("-N (another mount namespace) is not supported%s", "");
			goto out;
		case 'h':
			printf("usage: " HELPER " SPEC DIR [-sfnv] -o manifest=FILE,cache=DIR[,upper=DIR][,source=SOURCE][,...]\n"
			       "(run by mount(8) for `mount -t bundlefs`; see mount.bundlefs(8))\n");
			r = 0;
			goto out;
		default:
			r = helper_error("unknown option -%c", (char[]){ (char)optopt, 0 });
			goto out;
		}
	}
	r = EX_USAGE_MOUNT;
	if (argc - optind != 2) {
		helper_error("expected SPEC and DIR%s", "");
		goto out;
	}
	spec = argv[optind];
	h.job.mnt = argv[optind + 1];
	/* SPEC is the manifest, unless manifest= says otherwise */
	if (!h.job.manifest && strcmp(spec, "none") && strcmp(spec, "bundlefs"))
		h.job.manifest = spec;
	if (!h.job.manifest) {
		helper_error("no manifest: give manifest=FILE, or the manifest as the device%s", "");
		goto out;
	}
	if (!h.job.cache) {
		helper_error("cache=DIR is required%s", "");
		goto out;
	}
	h.job.opts = h.kopts;
	if (h.verbose)
		fprintf(stderr, HELPER ": mounting %s on %s with cache=%s%s%s%s%s\n",
			h.job.manifest, h.job.mnt, h.job.cache, h.klen ? "," : "",
			h.kopts, h.job.source ? ", fetching from " : "",
			h.job.source ? h.job.source : "");
	if (h.fake) {
		r = 0;
		goto out;
	}
	r = mount_job_run(&h.job) ? EX_FAIL_MOUNT : 0;
out:
	free(h.layers.diffs);
	return r;
}
