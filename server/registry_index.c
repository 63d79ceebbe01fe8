/* The registry's index of running executions by ARN. A Jansson object did
 * this before at ~180 bytes and three allocations per execution (its pair,
 * its integer, the bucket array's share); 100,000 executions parked in a
 * Wait made that a tenth of their memory. Here an execution costs 4 to 11
 * bytes: linear probing over positions, no tombstones (deletion shifts the
 * probe chain back, as in Knuth's Algorithm R). Not for: anything but
 * struct sd_reg_exec records. */
#include "server/registry_index.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/str.h"
#include "server/registry.h"

static uint64_t hash_str(const char *s) {
  uint64_t h = sd_str_hash(s);
  return h ^ (h >> 29);
}

static size_t home(const struct sd_reg_index *ix, const char *arn) {
  return (size_t)hash_str(arn) & (ix->cap - 1);
}

size_t sd_reg_index_find(const struct sd_reg_index *ix, struct sd_reg_exec *const *execs, const char *arn) {
  if (ix->cap == 0)
    return SIZE_MAX;
  for (size_t i = home(ix, arn);; i = (i + 1) & (ix->cap - 1)) {
    uint32_t v = ix->slots[i];
    if (v == 0)
      return SIZE_MAX;
    if (strcmp(execs[v - 1]->arn, arn) == 0)
      return v - 1;
  }
}

static void place(struct sd_reg_index *ix, const char *arn, uint32_t v) {
  size_t i = home(ix, arn);
  while (ix->slots[i] != 0)
    i = (i + 1) & (ix->cap - 1);
  ix->slots[i] = v;
}

static void grow(struct sd_reg_index *ix, struct sd_reg_exec *const *execs) {
  uint32_t *old = ix->slots;
  size_t ocap = ix->cap;
  ix->cap = ocap ? 2 * ocap : 64;
  ix->slots = sd_xcalloc(ix->cap, sizeof *ix->slots);
  for (size_t i = 0; i < ocap; i++)
    if (old[i] != 0)
      place(ix, execs[old[i] - 1]->arn, old[i]);
  free(old);
}

void sd_reg_index_put(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t pos) {
  /* At most 3/4 full: probe chains stay short. */
  if (4 * (ix->n + 1) > 3 * ix->cap)
    grow(ix, execs);
  place(ix, execs[pos]->arn, (uint32_t)(pos + 1));
  ix->n++;
}

/* The slot holding position `pos` (the record's ARN leads to it). */
static size_t slot_of(const struct sd_reg_index *ix, const char *arn, size_t pos) {
  size_t i = home(ix, arn);
  while (ix->slots[i] != pos + 1)
    i = (i + 1) & (ix->cap - 1);
  return i;
}

void sd_reg_index_del(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t pos) {
  size_t mask = ix->cap - 1;
  size_t hole = slot_of(ix, execs[pos]->arn, pos);
  ix->slots[hole] = 0;
  ix->n--;
  /* Entries after the hole whose home is at or before it move into it, so
   * a lookup never stops early at an empty slot. */
  for (size_t i = (hole + 1) & mask; ix->slots[i] != 0; i = (i + 1) & mask) {
    size_t h = home(ix, execs[ix->slots[i] - 1]->arn);
    if (((i - h) & mask) >= ((i - hole) & mask)) {
      ix->slots[hole] = ix->slots[i];
      ix->slots[i] = 0;
      hole = i;
    }
  }
}

void sd_reg_index_move(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t from, size_t to) {
  ix->slots[slot_of(ix, execs[to]->arn, from)] = (uint32_t)(to + 1);
}

void sd_reg_index_free(struct sd_reg_index *ix) {
  free(ix->slots);
  ix->slots = NULL;
  ix->cap = ix->n = 0;
}
