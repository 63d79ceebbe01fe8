/* See json_arena.h. Why: reading a 1,000-state definition makes ~20,000
 * Jansson allocations (objects, hash buckets, key pairs, strings), each a
 * malloc of 16-100 bytes with its 16-byte header; the tree lives as long
 * as the compiled machine, which in `stepd run` is the whole process. A
 * bump pointer costs a few instructions and packs the tree densely, so
 * fewer pages are touched (a page fault costs these VMs ~2.5 us). */
#include "engine/json_arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/alloc.h"

/* Address space only (malloc maps a block this big on its own, and the
 * kernel backs its pages as they are touched): AWS caps a definition at
 * 1 MB, whose tree takes a few MB. Past it, the arena falls back to malloc. */
#define ARENA_SPACE ((size_t)64 << 20)

static char *lo, *hi; /* the reserved range; set once, before any other thread handles JSON values */
static char *cur;     /* next free byte; only the thread with the arena on moves it */
static _Thread_local bool on;

void sd_json_arena_use(bool use) {
#ifdef SD_FREE_AT_EXIT
  /* Sanitized builds free everything and let the leak checker see it. */
  use = false;
#endif
  if (use && lo == NULL) {
    void *p = malloc(ARENA_SPACE);
    if (p == NULL)
      return; /* no arena: plain malloc */
    lo = cur = p;
    hi = lo + ARENA_SPACE;
  }
  on = use && lo != NULL;
}

void *sd_json_arena_malloc(size_t n) {
  size_t need = (n + 15) & ~(size_t)15; /* malloc's alignment */
  if (on && need <= (size_t)(hi - cur)) {
    void *p = cur;
    cur += need;
    return p;
  }
  return sd_xmalloc(n);
}

void sd_json_arena_free(void *p) {
  if ((char *)p >= lo && (char *)p < hi)
    return;
  free(p);
}
