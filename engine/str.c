/* See str.h. */
#include "engine/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

char *sd_str_trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

void sd_str_uuid(uint64_t hi, uint64_t lo, char out[37]) {
  snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32), (unsigned)((hi >> 16) & 0xffff),
           (unsigned)(hi & 0xffff), (unsigned)(lo >> 48), (unsigned long long)(lo & 0xffffffffffffull));
}

void sd_str_uuid4(uint64_t hi, uint64_t lo, char out[37]) {
  hi = (hi & 0xffffffffffff0fffull) | 0x4000ull;             /* version 4 */
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
  sd_str_uuid(hi, lo, out);
}

/* Read as bytes: the caller's member may be a `char *`. */
static const char *name_at(const void *base, size_t stride, size_t i) {
  const char *s;
  memcpy(&s, (const char *)base + i * stride, sizeof s);
  return s;
}

void sd_names_build(struct sd_names *ix, const void *base, size_t stride, size_t n) {
  size_t nslots = 8;
  while (nslots < 2 * n)
    nslots *= 2;
  ix->mask = nslots - 1;
  ix->slots = sd_xcalloc(nslots, sizeof *ix->slots);
  for (size_t i = 0; i < n; i++) {
    size_t h = (size_t)sd_str_hash(name_at(base, stride, i)) & ix->mask;
    while (ix->slots[h] != 0)
      h = (h + 1) & ix->mask;
    ix->slots[h] = (uint32_t)i + 1;
  }
}

long sd_names_find(const struct sd_names *ix, const void *base, size_t stride, const char *name) {
  if (ix->slots == NULL || name == NULL)
    return -1;
  for (size_t h = (size_t)sd_str_hash(name) & ix->mask; ix->slots[h] != 0; h = (h + 1) & ix->mask)
    if (strcmp(name_at(base, stride, ix->slots[h] - 1), name) == 0)
      return (long)ix->slots[h] - 1;
  return -1;
}

void sd_names_free(struct sd_names *ix) {
  free(ix->slots);
  ix->slots = NULL;
}
