/* The registry's ARN -> position table for running executions: open
 * addressing over 32-bit positions into the registry's array, the ARN
 * itself read from the record. Not for: machines (a few, a Jansson object
 * serves them). */
#ifndef SD_SERVER_REGISTRY_INDEX_H
#define SD_SERVER_REGISTRY_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct sd_reg_exec;

struct sd_reg_index {
  uint32_t *slots; /* position + 1, 0 = empty; owned */
  size_t cap;      /* a power of two, or 0 */
  size_t n;
};

/* The position of the record with this ARN in `execs`, or SIZE_MAX. */
size_t sd_reg_index_find(const struct sd_reg_index *ix, struct sd_reg_exec *const *execs, const char *arn);
/* Indexes execs[pos] (its ARN not yet in the table). */
void sd_reg_index_put(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t pos);
/* Forgets execs[pos], which must be indexed. */
void sd_reg_index_del(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t pos);
/* The record indexed at `from` now sits at `to` (execs[to]). */
void sd_reg_index_move(struct sd_reg_index *ix, struct sd_reg_exec *const *execs, size_t from, size_t to);
void sd_reg_index_free(struct sd_reg_index *ix);

#endif
