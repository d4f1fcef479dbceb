// SPDX-License-Identifier: GPL-2.0
/*
 * Which dialect a manifest is written in.  Detection is strict: a document
 * names its dialect with exactly one of manifestVersion and
 * specificationVersion, with a value from the tables below, or it is
 * refused with one line naming the field and the values accepted (a guess
 * could mount a tree other than the one the writer meant).
 */
#include <stdio.h>
#include <string.h>

#include "libbundlefs.h"

#define SPEC(v, abs, dif) { BFS_D_SPEC, v, "specificationVersion", abs, dif, \
			    "path", "deleted", "target" }

static const struct bfs_dialect by_manifest_version[] = {
	{ BFS_D_V1, BFS_V1_VERSION, "manifestVersion", false, false,
	  "path", NULL, NULL },
	{ BFS_D_V2BETA, BFS_V2_VERSION, "manifestVersion", false, false,
	  "name", "delete", "name" },
	/* the older 2025-12 writer: a relative snapshot, no specification */
	{ BFS_D_SPEC, BFS_SPEC_OLD_VERSION, "manifestVersion", false, false,
	  "path", "deleted", "target" },
};

static const struct bfs_dialect by_specification[] = {
	SPEC("relative-manifest-snapshot-beta-2025-12", false, false),
	SPEC("relative-manifest-diff-beta-2025-12", false, true),
	SPEC("absolute-manifest-snapshot-beta-2025-12", true, false),
	SPEC("absolute-manifest-diff-beta-2025-12", true, true),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MVERSIONS "\"2023-03-03\", \"2025-12-04-beta\" or \"2025-12\""
#define SVERSIONS "\"relative-manifest-snapshot-beta-2025-12\", " \
	"\"relative-manifest-diff-beta-2025-12\", " \
	"\"absolute-manifest-snapshot-beta-2025-12\" or " \
	"\"absolute-manifest-diff-beta-2025-12\""

/* The dialect whose @field is @v, or NULL and "unknown FIELD V" in @why. */
static const struct bfs_dialect *find(const struct bfs_dialect *t, size_t n,
				      const char *v, size_t len,
				      const char *field, const char *accepted,
				      char *why, size_t whysz)
{
	char q[512];
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(t[i].version) == len && !memcmp(t[i].version, v, len))
			return &t[i];
	bfs_quote(q, sizeof(q), v, len);
	snprintf(why, whysz, "unknown %s %s: expected %s", field, q, accepted);
	return NULL;
}

const struct bfs_dialect *bfs_dialect_detect(const char *mver, size_t mlen,
					     const char *sver, size_t slen,
					     char *why, size_t whysz)
{
	if (mver && sver) {
		snprintf(why, whysz,
			 "both \"manifestVersion\" and \"specificationVersion\": expected one, manifestVersion " MVERSIONS " or specificationVersion " SVERSIONS);
		return NULL;
	}
	if (!mver && !sver) {
		snprintf(why, whysz,
			 "missing \"manifestVersion\" or \"specificationVersion\": expected manifestVersion " MVERSIONS " or specificationVersion " SVERSIONS);
		return NULL;
	}
	if (mver)
		return find(by_manifest_version, N(by_manifest_version), mver,
			    mlen, "manifestVersion", MVERSIONS, why, whysz);
	return find(by_specification, N(by_specification), sver, slen,
		    "specificationVersion", SVERSIONS, why, whysz);
}

const struct bfs_dialect *bfs_dialect_by_format(const char *name)
{
	if (!strcmp(name, "v1"))
		return &by_manifest_version[0];
	if (!strcmp(name, "v2-beta"))
		return &by_manifest_version[1];
	if (!strcmp(name, "v2-2025-12"))
		return &by_specification[0];
	return NULL;
}

const char *bfs_dialect_format(const struct bfs_dialect *d)
{
	switch (d->id) {
	case BFS_D_V1: return "v1";
	case BFS_D_V2BETA: return "v2-beta";
	case BFS_D_SPEC: break;
	}
	return "v2-2025-12";
}
