/* A bump arena for the Jansson values of a definition read by a one-shot
 * process (`stepd run`). Not for: anything freed before the process ends,
 * or a long-running server, whose definitions come and go. */
#ifndef SD_ENGINE_JSON_ARENA_H
#define SD_ENGINE_JSON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* Jansson's allocation functions (json_set_alloc_funcs): while the calling
 * thread has the arena on, allocations come from it; every other one from
 * sd_xmalloc. Freeing arena memory does nothing; freeing the rest is free. */
void *sd_json_arena_malloc(size_t n);
void sd_json_arena_free(void *p);

/* Turns the arena on or off for the calling thread; the first call
 * reserves its address space. */
void sd_json_arena_use(bool on);

#endif
