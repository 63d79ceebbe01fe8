/* See json_arena.h. Why: reading a 1,000-state definition makes ~20,000
 * Jansson allocations (objects, hash buckets, key pairs, strings), each a
 * malloc of 16-100 bytes with its 16-byte header; the tree lives as long
 * as the compiled machine, which in `stepd run` is the whole process. A
 * bump pointer costs a few instructions and packs the tree densely, so
 * fewer pages are touched. */
/* MAP_ANONYMOUS, MAP_NORESERVE and MADV_HUGEPAGE are not POSIX. */
#define _DEFAULT_SOURCE
#include "engine/json_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "engine/alloc.h"

/* Address space only (the kernel backs its pages as they are touched): AWS
 * caps a definition at 1 MB, whose tree takes a few MB. Past it, the arena
 * falls back to malloc. */
#define ARENA_SPACE ((size_t)64 << 20)

/* A transparent huge page. Each fresh 4 KiB page costs these VMs ~2.3 us
 * to fault in and tear down; a huge page ~0.12-0.25 ms for its first touch
 * (zeroing 2 MiB), so it pays once ~100 of its small pages would be used.
 * The tree takes 4-5 bytes per byte of text (pass-chain-1000: 232 KB of
 * text, 1.1 MB of tree; parallel-fanout: 142 KB, 565 KB): a block is
 * advised when the tree is expected to reach 512 KiB into it, counting 4
 * bytes a byte. A small definition (most runs) stays on small pages, its
 * start-up unchanged. */
#define HUGE          ((size_t)2 << 20)
#define TREE_PER_TEXT 4
#define HUGE_MIN_USE  ((size_t)512 << 10)

static char *lo, *hi; /* the reserved range; set once, before any other thread handles JSON values */
static char *cur;     /* next free byte; only the thread with the arena on moves it */
static _Thread_local bool on;

/* Maps the range, aligned to a huge page so that its first blocks can be
 * huge ones; the unaligned head and tail stay mapped and untouched. */
static void reserve(size_t text_len) {
  void *p = mmap(NULL, ARENA_SPACE + HUGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return; /* no arena: plain malloc */
  lo = cur = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
  hi = lo + ARENA_SPACE;
  size_t expect = text_len < ARENA_SPACE / TREE_PER_TEXT ? text_len * TREE_PER_TEXT : ARENA_SPACE;
  size_t blocks = (expect + HUGE - HUGE_MIN_USE) / HUGE;
#ifdef MADV_HUGEPAGE
  if (blocks > 0)
    (void)madvise(lo, blocks * HUGE, MADV_HUGEPAGE); /* a hint: small pages if refused */
#endif
}

void sd_json_arena_use(bool use, size_t text_len) {
#ifdef SD_FREE_AT_EXIT
  /* Sanitized builds free everything and let the leak checker see it. */
  use = false;
#endif
  if (use && lo == NULL)
    reserve(text_len);
  on = use && lo != NULL;
}

/* n bytes from the arena, or NULL when it is off or full. */
static void *bump(size_t n) {
  size_t need = (n + 15) & ~(size_t)15; /* malloc's alignment */
  if (!on || need < n || need > (size_t)(hi - cur))
    return NULL;
  void *p = cur;
  cur += need;
  return p;
}

void *sd_json_arena_malloc(size_t n) {
  void *p = bump(n);
  return p != NULL ? p : sd_xmalloc(n);
}

void *sd_json_arena_calloc(size_t n, size_t size) {
  size_t total;
  void *p = __builtin_mul_overflow(n, size, &total) ? NULL : bump(total);
  return p != NULL ? p : sd_xcalloc(n, size); /* arena memory is never reused: still zero */
}

void sd_json_arena_free(void *p) {
  if ((char *)p >= lo && (char *)p < hi)
    return;
  free(p);
}
