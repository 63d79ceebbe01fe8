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

void sd_str_uuid4(const unsigned char r[16], char out[37]) {
  unsigned char v = (unsigned char)((r[6] & 0x0f) | 0x40), w = (unsigned char)((r[8] & 0x3f) | 0x80);
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
           r[3], r[4], r[5], v, r[7], w, r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}
