/* Interning of compiled paths (see sd_path_intern_begin in path.h): a small
 * open-addressing table from (text, flags) to the path compiled from them,
 * alive for one span on one thread. A definition repeats the same few paths
 * ("$.Payload", "$.acc", "$") in hundreds of states; compiling each text
 * once saves the parse and, more than that, the memory (about 300 bytes a
 * path, i.e. page faults, which cost a fresh process more than the parse).
 * Not for: evaluating paths (path.c). */
#include "engine/path.h"
#include "engine/path_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

struct slot {
  struct sd_path *p; /* one reference, owned by the span; NULL when free */
  uint64_t hash;
  size_t len;
  unsigned flags;
};

struct span {
  struct slot *v; /* owned */
  size_t cap;     /* a power of two, or 0 */
  size_t n;
  int depth; /* nested begin calls: only the outermost end empties the table */
};

/* Thread-local because compiles may run on more than one thread (the
 * server's loop, a test's own); a span never crosses threads. */
static _Thread_local struct span span;

static uint64_t hash_text(const char *s, size_t len, unsigned flags) {
  uint64_t h = 14695981039346656037ull ^ flags; /* FNV-1a */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

void sd_path_intern_begin(void) {
  span.depth++;
}

void sd_path_intern_end(void) {
  if (span.depth == 0 || --span.depth > 0)
    return;
  for (size_t i = 0; i < span.cap; i++)
    sd_path_free(span.v[i].p);
  free(span.v);
  span = (struct span){ 0 };
}

struct sd_path *sd_path_intern_find(const char *text, size_t len, unsigned flags) {
  if (span.depth == 0 || span.n == 0)
    return NULL;
  uint64_t h = hash_text(text, len, flags);
  for (size_t i = h & (span.cap - 1);; i = (i + 1) & (span.cap - 1)) {
    const struct slot *s = &span.v[i];
    if (s->p == NULL)
      return NULL;
    if (s->hash == h && s->len == len && s->flags == flags && memcmp(sd_path_text(s->p), text, len) == 0)
      return s->p;
  }
}

static void put(struct slot *v, size_t cap, struct slot s) {
  size_t i = s.hash & (cap - 1);
  while (v[i].p != NULL)
    i = (i + 1) & (cap - 1);
  v[i] = s;
}

void sd_path_intern_add(struct sd_path *p, size_t len, unsigned flags) {
  if (span.depth == 0)
    return;
  /* At most half full, so that probes stay short and always end. */
  if (2 * (span.n + 1) > span.cap) {
    size_t cap = span.cap ? 2 * span.cap : 64;
    struct slot *v = sd_xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < span.cap; i++)
      if (span.v[i].p != NULL)
        put(v, cap, span.v[i]);
    free(span.v);
    span.v = v;
    span.cap = cap;
  }
  const char *text = sd_path_text(p);
  put(span.v, span.cap, (struct slot){ sd_path_ref(p), hash_text(text, len, flags), len, flags });
  span.n++;
}
