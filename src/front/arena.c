/*
 * arena.c - chunked bump allocator, see arena.h.
 */
#include "front/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

enum { ARENA_CHUNK = 64 * 1024 };

_Noreturn void sonde_out_of_memory(const char *what)
{
	/* nothing is attached while the compiler runs, and the runtime has
	 * detached before it prints: exiting here leaves nothing behind (a -c
	 * command sees its pipe close and does not start) */
	fprintf(stderr, "sonde: out of memory (%s)\n", what);
	fflush(stdout);
	exit(5); /* EXIT_SYSTEM */
}

/* SONDE_FAULT=oom:N (tests): the N-th chunk any arena asks for is refused
 * as if malloc had failed. */
static bool fault_refuses_chunk(void)
{
	static long at = -1, seen;
	if (at < 0) {
		const char *f = getenv("SONDE_FAULT");
		at = f && !strncmp(f, "oom:", 4) ? strtol(f + 4, NULL, 10) : 0;
	}
	return at > 0 && ++seen == at;
}

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->total = 0;
}

void arena_fini(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		c = fault_refuses_chunk() ? NULL : malloc(sizeof(*c) + cap);
		if (!c)
			sonde_out_of_memory("the compiler's memory arena");
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
