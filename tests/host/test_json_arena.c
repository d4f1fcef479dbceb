// SPDX-License-Identifier: GPL-2.0
/*
 * loader/json_arena.c: jansson's values made inside an arena are intact
 * until its end, aligned, and never overlap (the bump allocator of the
 * plain build); other threads keep malloc() and free() meanwhile (under
 * ASan/LSan a free lost there is reported as a leak at exit).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../loader/parser.h"
#include "tests.h"

#define NVALUES	20000
#define BIG	(3u << 20)	/* more than a quarter of a block */

/* @o's string member @key, "" if there is none */
static const char *member(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* values made and freed, and one kept past the other thread's arena */
static void *other_thread(void *arg)
{
	int *ok = arg;

	*ok = 1;
	for (int i = 0; i < 2000; i++) {
		json_t *o = json_pack("{s:i, s:s}", "n", i, "s", "outside");

		if (!o || json_integer_value(json_object_get(o, "n")) != i)
			*ok = 0;
		json_decref(o);
	}
	return json_pack("{s:s}", "k", "kept");
}

static void test_values_intact(void)
{
	const char *name = "json arena: 20 000 values and a 3 MiB string intact, aligned, apart until its end";
	struct bfs_json_arena *a = bfs_json_arena_begin();
	json_t **v = calloc(NVALUES, sizeof(*v));
	char *big = malloc(BIG + 1), buf[32];
	json_t *bigv = NULL;
	int bad = 0;

	if (!a || !v || !big) {
		failf(name, "out of memory");
		goto out;
	}
	memset(big, 'b', BIG);
	big[BIG] = '\0';
	for (int i = 0; i < NVALUES; i++) {
		snprintf(buf, sizeof(buf), "value %d", i);
		v[i] = json_string(buf);
		if (i == NVALUES / 2)
			bigv = json_string(big);
		if (!v[i] || (uintptr_t)v[i] % 16)
			bad++;
	}
	for (int i = 0; i < NVALUES && !bad; i++) {
		snprintf(buf, sizeof(buf), "value %d", i);
		if (strcmp(json_string_value(v[i]), buf))
			bad++;
	}
	if (bad)
		failf(name, "%d values missing, misaligned or overwritten", bad);
	else if (!bigv || json_string_length(bigv) != BIG ||
		 strspn(json_string_value(bigv), "b") != BIG)
		failf(name, "the 3 MiB string is not intact");
	else
		pass(name);
out:
	bfs_json_arena_end(a);	/* frees them all: no json_decref */
	free(v);
	free(big);
}

static void test_other_thread(void)
{
	const char *name = "json arena: another thread allocates and frees as usual meanwhile";
	struct bfs_json_arena *a = bfs_json_arena_begin();
	json_t *mine = json_pack("{s:s}", "k", "inside");
	json_t *kept = NULL;
	pthread_t t;
	int ok = 0;

	if (!a || !mine || pthread_create(&t, NULL, other_thread, &ok)) {
		failf(name, "setting up failed");
		bfs_json_arena_end(a);
		return;
	}
	pthread_join(t, (void **)&kept);
	if (!ok)
		failf(name, "the other thread's values were wrong");
	else if (strcmp(member(mine, "k"), "inside"))
		failf(name, "this thread's value changed");
	else
		pass(name);
	bfs_json_arena_end(a);
	/* the other thread's value was malloc'ed: alive, and freed with free() */
	if (!strcmp(member(kept, "k"), "kept"))
		pass("json arena: another thread's value outlives the arena");
	else
		failf("json arena: another thread's value outlives the arena",
		      "it is gone or changed");
	json_decref(kept);
	/* and this thread, after the end, gets malloc() and free() again */
	mine = json_pack("{s:s}", "k", "after");
	if (!strcmp(member(mine, "k"), "after"))
		pass("json arena: values made after its end are malloc'ed and freed");
	else
		failf("json arena: values made after its end are malloc'ed and freed",
		      "json_pack failed");
	json_decref(mine);
}

void test_json_arena(void)
{
	test_values_intact();
	test_other_thread();
}
