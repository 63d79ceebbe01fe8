/* Small text helpers shared by the engine, the connectors and the server:
 * trimming a line read from a file or a header, and the shape of AWS's
 * request ids. Not for: memory (alloc.h) or JSON (jsonw.h, jsonr.h). */
#ifndef SD_ENGINE_STR_H
#define SD_ENGINE_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* FNV-1a, 64 bits, over a NUL-terminated string: the hash of the tables of
 * names and ARNs in the project. Inline: compile and validation hash every
 * state name. */
static inline uint64_t sd_str_hash(const char *s) {
  uint64_t h = 14695981039346656037ull;
  for (; *s != '\0'; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* A short text (n < 8 bytes) as one word, for hashing and comparing
 * texts a word at a time: from four bytes the first and last four
 * (overlapping), below that byte by byte, where memcpy(n) would be a
 * call. Two texts of the same length give equal words exactly when they
 * are equal. */
static inline uint64_t sd_str_word(const char *s, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    memcpy(&lo, s, sizeof lo);
    memcpy(&hi, s + n - 4, sizeof hi);
    return lo | (uint64_t)hi << 32;
  }
  uint64_t w = 0;
  for (size_t k = 0; k < n; k++)
    w |= (uint64_t)(unsigned char)s[k] << (8 * k);
  return w;
}

/* An index of n unique names, for finding a name's position: open
 * addressing over positions, the names left where the caller keeps them.
 * Name i is the `const char *` at (const char *)base + i * stride, so an
 * array of strings (stride sizeof(char *)) and a member of an array of
 * structs (base &a[0].name, stride sizeof a[0]) both serve. */
struct sd_names {
  uint32_t *slots; /* position + 1, 0 = empty; owned */
  size_t mask;     /* slots has mask + 1 entries, a power of two, at least 2n */
};

void sd_names_build(struct sd_names *ix, const void *base, size_t stride, size_t n);
/* The position of `name` (may be NULL: not found), or -1. */
long sd_names_find(const struct sd_names *ix, const void *base, size_t stride, const char *name);
void sd_names_free(struct sd_names *ix);

#endif
