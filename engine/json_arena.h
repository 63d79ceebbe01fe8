/* A bump arena for the Jansson values of a definition read by a one-shot
 * process (`stepd run`), and for the largest blocks of the machine compiled
 * from it. Not for: anything freed before the process ends, or a
 * long-running server, whose definitions come and go. */
#ifndef SD_ENGINE_JSON_ARENA_H
#define SD_ENGINE_JSON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* Jansson's allocation functions (json_set_alloc_funcs): while the calling
 * thread has the arena on, allocations come from it; every other one from
 * sd_xmalloc. Freeing arena memory does nothing; freeing the rest is free. */
void *sd_json_arena_malloc(size_t n);
void sd_json_arena_free(void *p);

/* sd_xcalloc from the arena while the calling thread has it on (the
 * compile of a run's machine, whose blocks live as long as the definition);
 * free with sd_json_arena_free. */
void *sd_json_arena_calloc(size_t n, size_t size);

/* Turns the arena on or off for the calling thread. The first call that
 * turns it on reserves its address space; `text_len`, the length of the
 * JSON text about to be read, lets it back a large tree with huge pages. */
void sd_json_arena_use(bool on, size_t text_len);

#endif
