/*
 * arena.h - bump allocator owned by one compilation.
 *
 * Everything the front end and sema allocate (AST nodes, strings, types,
 * diagnostics' notes) lives in one arena and is freed at once when the
 * compilation ends, so no pass has to track ownership of individual nodes.
 * Allocation failure aborts: a compiler that ran out of memory cannot
 * report anything useful and must not continue with NULL nodes.
 */
#ifndef SONDE_ARENA_H
#define SONDE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t total;
};

/* Says so on stderr and exits with status 5 (EXIT_SYSTEM): what runs out
 * of memory never continues half-done. */
_Noreturn void sonde_out_of_memory(const char *what);

void arena_init(struct arena *a);
void arena_fini(struct arena *a);
/* Zero-filled, 16-byte aligned. Never returns NULL. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
