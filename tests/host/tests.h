/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host unit tests: each check prints `ok - name` or
 * `not ok - name: expected X got Y`; main() ends with `N passed, N failed`.
 */
#ifndef _BUNDLEFS_TESTS_H
#define _BUNDLEFS_TESTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libbundlefs.h"

extern int tests_passed, tests_failed;
extern const char *bundlefs_bin;	/* the command under test */

void pass(const char *name);
void failf(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool check_str(const char *name, const char *expected, const char *got);
bool check_u64(const char *name, uint64_t expected, uint64_t got);
bool check_contains(const char *name, const char *needle, const char *got);

/* Parse JSON text, build the tree and encode: the whole pipeline. */
int pipeline(const char *json, struct bfs_manifest *m, struct bfs_tree *t,
	     void **image, size_t *size, struct bfs_error *err);

void test_manifest(void);
void test_encode(void);
void test_image(void);
void test_cli(void);
void test_rangemap(void);
void test_journal(void);
void test_xxh3(void);

#endif
