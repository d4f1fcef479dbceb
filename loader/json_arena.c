// SPDX-License-Identifier: GPL-2.0
/*
 * An arena for libjansson's values while one manifest is parsed.  A large
 * manifest is tens of millions of small allocations that all die together
 * at the end of the parse: malloc's bookkeeping and json_decref()'s frees
 * were a tenth of `bundlefs encode`'s time, and malloc's headers a share
 * of its memory.  Between bfs_json_arena_begin() and _end() on a thread,
 * jansson allocates by bumping a pointer in large blocks and frees
 * nothing; _end() releases the blocks.  Every value made in between must
 * be dead at _end().  Other threads, and this one outside the arena, get
 * malloc() and free() as before.
 *
 * Under AddressSanitizer every allocation stays a malloc() of its own,
 * freed at _end(), so overflows and uses after _end() are still reported.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "parser.h"

#define BLOCK_SIZE	(4u << 20)
#define ALIGN		16u

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(ALIGN) unsigned char data[];
};

struct bfs_json_arena {
	struct block *head;
#ifdef __SANITIZE_ADDRESS__
	void **ptrs;
	size_t nptrs, cap;
#endif
};

static _Thread_local struct bfs_json_arena *current;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

#ifdef __SANITIZE_ADDRESS__
static void *arena_alloc(struct bfs_json_arena *a, size_t size)
{
	void *p;

	if (a->nptrs == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		void **n = realloc(a->ptrs, cap * sizeof(*n));

		if (!n)
			return NULL;
		a->ptrs = n;
		a->cap = cap;
	}
	p = malloc(size);
	if (p)
		a->ptrs[a->nptrs++] = p;
	return p;
}
#else
static void *arena_alloc(struct bfs_json_arena *a, size_t size)
{
	struct block *b = a->head;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (need < size)
		return NULL;
	if (!b || b->size - b->used < need) {
		/* a value larger than a block gets a block of its own */
		size_t bsize = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE;

		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = bsize;
		/* a big one goes second: the current block keeps its room */
		if (bsize != BLOCK_SIZE && a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	b->used += need;
	return b->data + b->used - need;
}
#endif

static void *json_alloc(size_t size)
{
	return current ? arena_alloc(current, size) : malloc(size);
}

static void json_release(void *p)
{
	if (!current)
		free(p);
}

static void install(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}

struct bfs_json_arena *bfs_json_arena_begin(void)
{
	struct bfs_json_arena *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	pthread_once(&installed, install);
	current = a;
	return a;
}

void bfs_json_arena_end(struct bfs_json_arena *a)
{
	struct block *b;

	if (!a)
		return;
	current = NULL;
	while ((b = a->head)) {
		a->head = b->next;
		free(b);
	}
#ifdef __SANITIZE_ADDRESS__
	for (size_t i = 0; i < a->nptrs; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
#endif
	free(a);
}
