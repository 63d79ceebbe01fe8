/* Interning spans (see intern.h): a small open-addressing table from
 * (kind, text, flags) to the object compiled from them, alive for one span
 * on one thread. Compiling each text once saves the parse and, more than
 * that, the memory (about 300 bytes a path, more for an intrinsic call,
 * i.e. page faults, which cost a fresh process more than the parse): a
 * 200-state definition whose states each hold seven intrinsic calls spent
 * 4.7M instructions compiling the same seven texts. */
#include "engine/intern.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/str.h"

struct slot {
  void *obj; /* one reference, owned by the span; NULL when free */
  void (*release)(void *obj);
  const char *text; /* borrowed from obj */
  uint64_t hash;
  size_t len;
  unsigned flags;
  enum sd_intern_kind kind;
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

/* Eight bytes a step, multiplied and folded (murmur3's finaliser
 * constants): a definition's compile looks up thousands of texts, and
 * FNV-1a's multiply a byte was most of each lookup. */
static uint64_t hash_text(enum sd_intern_kind kind, const char *s, size_t len, unsigned flags) {
  uint64_t h = (0x9E3779B97F4A7C15ull * (len + 1)) ^ flags ^ ((uint64_t)kind << 32);
  size_t i = 0;
  for (; len - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, sizeof w);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  /* The tail: the last eight bytes (overlapping the words above) when
   * there are that many, else sd_str_word. Template paths ("$.seed") are
   * mostly shorter than eight bytes, where a byte loop was a third of a
   * lookup. */
  uint64_t w;
  if (len >= 8)
    memcpy(&w, s + len - 8, sizeof w);
  else
    w = sd_str_word(s, len);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

void sd_intern_begin(void) {
  span.depth++;
}

void sd_intern_end(void) {
  if (span.depth == 0 || --span.depth > 0)
    return;
  for (size_t i = 0; i < span.cap; i++)
    if (span.v[i].obj != NULL)
      span.v[i].release(span.v[i].obj);
  free(span.v);
  span = (struct span){ 0 };
}

/* memcmp(a, b, len) == 0 without its call, which was a fifth of a
 * lookup: texts are short, and a matching hash nearly always means equal
 * texts, so the words are compared whole, the last ones overlapping. */
static bool same_text(const char *a, const char *b, size_t len) {
  if (len < 8)
    return sd_str_word(a, len) == sd_str_word(b, len);
  for (size_t i = 0; len - i > 8; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y)
      return false;
  }
  uint64_t x, y;
  memcpy(&x, a + len - 8, 8);
  memcpy(&y, b + len - 8, 8);
  return x == y;
}

void *sd_intern_find(enum sd_intern_kind kind, const char *text, size_t len, unsigned flags) {
  if (span.depth == 0 || span.n == 0)
    return NULL;
  uint64_t h = hash_text(kind, text, len, flags);
  for (size_t i = h & (span.cap - 1);; i = (i + 1) & (span.cap - 1)) {
    const struct slot *s = &span.v[i];
    if (s->obj == NULL)
      return NULL;
    if (s->hash == h && s->len == len && s->flags == flags && s->kind == kind &&
        same_text(s->text, text, len))
      return s->obj;
  }
}

static void put(struct slot *v, size_t cap, struct slot s) {
  size_t i = s.hash & (cap - 1);
  while (v[i].obj != NULL)
    i = (i + 1) & (cap - 1);
  v[i] = s;
}

void sd_intern_add(enum sd_intern_kind kind, void *obj, const char *text, size_t len, unsigned flags,
                   void (*release)(void *obj)) {
  if (span.depth == 0) {
    release(obj);
    return;
  }
  /* At most half full, so that probes stay short and always end. */
  if (2 * (span.n + 1) > span.cap) {
    size_t cap = span.cap ? 2 * span.cap : 64;
    struct slot *v = sd_xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < span.cap; i++)
      if (span.v[i].obj != NULL)
        put(v, cap, span.v[i]);
    free(span.v);
    span.v = v;
    span.cap = cap;
  }
  put(span.v, span.cap,
      (struct slot){ obj, release, text, hash_text(kind, text, len, flags), len, flags, kind });
  span.n++;
}
