/* The JSON arena: bump allocation while on, malloc otherwise, and a free
 * that tells the two apart; a large text's arena starts on a huge page
 * advised as one. One arena a process: the first test reserves it. */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include "runner.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/json_arena.h"

#if !defined(SD_FREE_AT_EXIT) && defined(MADV_HUGEPAGE)
/* Whether /proc/self/smaps lists the huge-page advice ("hg") on the
 * mapping holding p. */
static int advised_huge(const void *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL)
    return -1;
  char line[512];
  int in = 0, found = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a mapping's first line */
      in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
    else if (in && strncmp(line, "VmFlags:", 8) == 0)
      found = strstr(line, " hg") != NULL;
  }
  fclose(f);
  return found;
}
#endif

TEST(arena_bumps_while_on_and_ignores_its_frees) {
  sd_json_arena_use(true, (size_t)1 << 20); /* a 1 MB definition: a tree of ~4 MB */
  char *a = sd_json_arena_malloc(10);
  char *b = sd_json_arena_malloc(40);
  sd_json_arena_use(false, 0);
  char *c = sd_json_arena_malloc(10);
#ifdef SD_FREE_AT_EXIT
  /* Sanitized builds keep the arena off: plain malloc throughout. */
  ASSERT(b != a + 16);
#else
  ASSERT(b == a + 16 && ((uintptr_t)a & 15) == 0); /* 16-byte aligned, packed */
  ASSERT(c != b + 48);                             /* off: from malloc */
  ASSERT(((uintptr_t)a & ((2u << 20) - 1)) == 0);  /* the range starts on a huge page */
#ifdef MADV_HUGEPAGE
  FILE *thp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (thp != NULL) { /* a kernel with THP takes the advice */
    fclose(thp);
    ASSERT(advised_huge(a) == 1);
  }
#endif
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

TEST(arena_calloc_is_zero_from_the_arena_or_malloc) {
  sd_json_arena_use(true, 0);
  unsigned char *a = sd_json_arena_calloc(100, 3);
  unsigned char *b = sd_json_arena_malloc(1);
  sd_json_arena_use(false, 0);
  unsigned char *c = sd_json_arena_calloc(7, 5);
  for (int i = 0; i < 300; i++)
    ASSERT(a[i] == 0);
  for (int i = 0; i < 35; i++)
    ASSERT(c[i] == 0);
#ifndef SD_FREE_AT_EXIT
  ASSERT(b == a + 304); /* on: bumped (300 rounded to 16) */
#endif
  sd_json_arena_free(a);
  sd_json_arena_free(b);
  sd_json_arena_free(c);
  return 0;
}
