/* See str.h. */
#include "engine/str.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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
