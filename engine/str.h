/* Small text helpers shared by the engine, the connectors and the server:
 * trimming a line read from a file or a header, and the shape of AWS's
 * request ids. Not for: memory (alloc.h) or JSON (jsonw.h, jsonr.h). */
#ifndef SD_ENGINE_STR_H
#define SD_ENGINE_STR_H

#include <stddef.h>
#include <stdint.h>

/* Cuts leading and trailing white space (isspace) off `s` in place:
 * returns a pointer into `s`, whose end is moved. */
char *sd_str_trim(char *s);

/* Writes the 128 bits hi:lo as a UUID's text into `out` (8-4-4-4-12 hex
 * digits and a NUL), as they are: the caller has set the version and
 * variant bits (RFC 9562). */
void sd_str_uuid(uint64_t hi, uint64_t lo, char out[37]);

/* The same for random bits made a version-4 UUID (variant 10): AWS's
 * request ids and generated execution names. The caller picks the
 * randomness: these ids need no cryptographic quality. */
void sd_str_uuid4(uint64_t hi, uint64_t lo, char out[37]);

/* FNV-1a, 64 bits, over `n` bytes / a NUL-terminated string: the hash of
 * every table of names and ARNs in the project. Inline, since the JSON
 * reader hashes each short string it reads. Callers that keep fewer bits
 * fold the high ones in first (ARNs share long prefixes). */
static inline uint64_t sd_str_hashn(const char *s, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static inline uint64_t sd_str_hash(const char *s) {
  uint64_t h = 14695981039346656037ull;
  for (; *s != '\0'; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

#endif
