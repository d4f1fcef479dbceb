// SPDX-License-Identifier: GPL-2.0
/*
 * json-floor FILE: libjansson's own parse of a manifest and nothing else,
 * the floor under `bundlefs encode` in workload 6 (same library, same
 * flags as loader/manifest.c).
 */
#include <jansson.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	json_error_t err;
	json_t *doc;

	if (argc != 2) {
		fprintf(stderr, "usage: json-floor FILE\n");
		return 2;
	}
	doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			     &err);
	if (!doc) {
		fprintf(stderr, "json-floor: %s:%d: %s\n", argv[1], err.line,
			err.text);
		return 1;
	}
	json_decref(doc);
	return 0;
}
