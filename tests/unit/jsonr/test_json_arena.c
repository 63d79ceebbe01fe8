/* The JSON arena: bump allocation while on, malloc otherwise, and a free
 * that tells the two apart. */
#include "runner.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json_arena.h"

TEST(arena_bumps_while_on_and_ignores_its_frees) {
  sd_json_arena_use(true);
  char *a = sd_json_arena_malloc(10);
  char *b = sd_json_arena_malloc(40);
  sd_json_arena_use(false);
  char *c = sd_json_arena_malloc(10);
#ifdef SD_FREE_AT_EXIT
  /* Sanitized builds keep the arena off: plain malloc throughout. */
  ASSERT(b != a + 16);
#else
  ASSERT(b == a + 16 && ((uintptr_t)a & 15) == 0); /* 16-byte aligned, packed */
  ASSERT(c != b + 48);                             /* off: from malloc */
#endif
  memset(a, 1, 10);
  memset(b, 2, 40);
  memset(c, 3, 10);
  sd_json_arena_free(a); /* arena: nothing to do */
  sd_json_arena_free(b);
  sd_json_arena_free(c); /* malloc'ed: freed (ASan would see a leak or a double free) */
#ifndef SD_FREE_AT_EXIT
  ASSERT(b[39] == 2); /* arena memory stays as it was */
#endif
  return 0;
}
