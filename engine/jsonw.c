/* See jsonw.h. Output is byte-identical to Jansson's compact dump (a unit
 * test compares both on varied documents), so histories and outputs do not
 * depend on which writer produced them. */
#include "engine/jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

/* Appends one byte; the common case is one compare and a store, which is
 * what matters at ~20 bytes per key in an event. */
static inline void put_byte(struct sd_buf *b, char c) {
  if (b->len + 2 > b->cap)
    sd_buf_add(b, &c, 1);
  else {
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
  }
}

static void reserve(struct sd_buf *b, size_t extra);

/* Integers without snprintf's format parsing, two digits a step (event
 * timestamps have 13), written in place. */
static void put_int(struct sd_buf *b, json_int_t v) {
  static const char pairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char tmp[24];
  char *p = tmp + sizeof tmp;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  while (u >= 100) {
    unsigned r = (unsigned)(u % 100);
    u /= 100;
    p -= 2;
    memcpy(p, pairs + 2 * r, 2);
  }
  if (u >= 10) {
    p -= 2;
    memcpy(p, pairs + 2 * u, 2);
  } else {
    *--p = (char)('0' + u);
  }
  if (v < 0)
    *--p = '-';
  size_t n = (size_t)(tmp + sizeof tmp - p);
  reserve(b, sizeof tmp);
  char *o = b->data + b->len;
  for (size_t k = 0; k < n; k++)
    o[k] = p[k];
  o[n] = '\0';
  b->len += n;
}

void sd_jsonw_int(struct sd_buf *b, json_int_t v) {
  put_int(b, v);
}

/* Escapes one string's content. `level` 1 writes it as JSON text; level 2
 * writes that text again escaped, for JSON-in-a-string. */
/* Bytes that need an escape in a JSON string. */
static const unsigned char needs_escape[256] = {
  [0 ... 0x1f] = 1,
  ['"'] = 1,
  ['\\'] = 1,
};

/* Whether none of eight bytes needs an escape: none below 0x20 and none
 * a quote or a backslash (the classic has-less and has-zero word tests,
 * exact as to whether any byte matches). Text goes eight bytes a step
 * until a word has one. */
static inline bool plain8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
  uint64_t hit = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash);
  return (hit & highs) == 0;
}

/* Grows b so that `extra` more bytes (and the NUL) fit. */
static void reserve(struct sd_buf *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap *= 2;
  b->data = sd_xrealloc(b->data, cap);
  b->cap = cap;
}

static void put_escaped(struct sd_buf *b, const char *s, size_t n, int level) {
  /* Room for the plain bytes up front; an escape (rare) makes room for its
   * own worst case, 8 bytes, so the loop stays call-free. */
  reserve(b, n + 8);
  size_t room = b->cap - 1;
  static const char hex[] = "0123456789ABCDEF";
  char *o = b->data + b->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!needs_escape[c]) {
      *o++ = (char)c;
      continue;
    }
    size_t used = (size_t)(o - b->data);
    if (used + 8 + (n - i) > room) {
      b->len = used;
      reserve(b, 8 + (n - i) + 8);
      room = b->cap - 1;
      o = b->data + used;
    }
    /* The level-1 escape, then (level 2) that escape escaped again:
     * each '\\' and '"' of it gets a '\\' in front. */
    char e[6];
    size_t en = 2;
    e[0] = '\\';
    switch (c) {
      case '"':
        e[1] = '"';
        break;
      case '\\':
        e[1] = '\\';
        break;
      case '\n':
        e[1] = 'n';
        break;
      case '\r':
        e[1] = 'r';
        break;
      case '\t':
        e[1] = 't';
        break;
      case '\b':
        e[1] = 'b';
        break;
      case '\f':
        e[1] = 'f';
        break;
      default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        en = 6;
        break;
    }
    for (size_t k = 0; k < en; k++) {
      if (level == 2 && (e[k] == '\\' || e[k] == '"'))
        *o++ = '\\';
      *o++ = e[k];
    }
  }
  b->len = (size_t)(o - b->data);
  b->data[b->len] = '\0';
}

/* A quote: `"`, or `\"` inside a string. `room` must be reserved. */
static inline char *put_quote(char *o, int level) {
  if (level == 2)
    *o++ = '\\';
  *o++ = '"';
  return o;
}

/* Most strings (keys, names, values) need no escape: they are copied
 * between their quotes in the same loop that checks them, with one
 * reserve for the lot (a scan then a memcpy call cost twice as much on
 * the short keys of state data, callgrind). */
static void put_string(struct sd_buf *b, const char *s, size_t n, int level) {
  reserve(b, n + 4);
  char *o = put_quote(b->data + b->len, level);
  size_t i = 0;
  while (i + 8 <= n) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (!plain8(w))
      break;
    memcpy(o + i, &w, 8);
    i += 8;
  }
  while (i < n && !needs_escape[(unsigned char)s[i]]) {
    o[i] = s[i];
    i++;
  }
  if (i == n) {
    o = put_quote(o + n, level);
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return;
  }
  b->len = (size_t)(o - b->data);
  put_escaped(b, s, n, level);
  reserve(b, 2);
  b->len = (size_t)(put_quote(b->data + b->len, level) - b->data);
  b->data[b->len] = '\0';
}

/* Reals with few decimals (prices, percentages: most reals in workflow
 * data) print as their shortest exact decimal, without snprintf: the
 * smallest k <= 6 for which d * 10^k is an integer m that divides back to d
 * exactly. strtod of that text is the correctly rounded value of m / 10^k,
 * and so is the division, so the text reads back as d. It is also what AWS
 * prints (Java's shortest representation: 0.1, not 0.10000000000000001). */
static bool put_short_real(struct sd_buf *b, double d) {
  static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
  if (!(d > -1e15 && d < 1e15) || (d == 0 && signbit(d)))
    return false;
  for (int k = 0; k <= 6; k++) {
    double scaled = d * p10[k];
    if (scaled != (double)(long long)scaled || scaled / p10[k] != d)
      continue;
    long long m = (long long)scaled;
    static const unsigned long long u10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
    unsigned long long u = m < 0 ? 0ull - (unsigned long long)m : (unsigned long long)m;
    if (m < 0)
      put_byte(b, '-');
    put_int(b, (json_int_t)(u / u10[k]));
    put_byte(b, '.');
    if (k == 0) {
      put_byte(b, '0');
      return true;
    }
    char frac[8];
    unsigned long long f = u % u10[k];
    for (int x = k - 1; x >= 0; x--) {
      frac[x] = (char)('0' + f % 10);
      f /= 10;
    }
    sd_buf_add(b, frac, (size_t)k);
    return true;
  }
  return false;
}

/* `prec` 0: the shortest exact text, else %.17g; otherwise that many
 * significant digits (json_dumps' JSON_REAL_PRECISION). */
static void put_real(struct sd_buf *b, double d, int prec) {
  if (prec == 0 && put_short_real(b, d))
    return;
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, "%.*g", prec ? prec : 17, d);
  if (n < 0 || n >= (int)sizeof tmp)
    n = 0;
  /* As Jansson: a real always shows it is one ("1.0"), and exponents lose
   * their '+' and leading zeros ("1e20", "1e-05" -> "1e-5"). */
  if (strspn(tmp, "0123456789-") == (size_t)n && n + 2 < (int)sizeof tmp) {
    tmp[n++] = '.';
    tmp[n++] = '0';
    tmp[n] = '\0';
  }
  char *e = strchr(tmp, 'e');
  if (e != NULL) {
    char *p = e + 1, *q = e + 1;
    if (*p == '+')
      p++;
    else if (*p == '-')
      *q++ = *p++;
    while (*p == '0' && p[1] != '\0')
      p++;
    memmove(q, p, strlen(p) + 1);
    n = (int)strlen(tmp);
  }
  sd_buf_add(b, tmp, (size_t)n);
}

/* How one text is written: its escape level, its reals' precision, and
 * the memos it copies from and records into (see jsonw.h). */
struct wctx {
  int level;
  int prec;
  const struct sd_jsonw_memo *from; /* may be NULL */
  struct sd_jsonw_memo *into;       /* may be NULL */
};

/* Fibonacci hashing of a pointer: the low bits of a heap address are
 * alignment, the multiply spreads the rest over the top bits. */
static inline size_t memo_slot(const struct sd_jsonw_memo *m, const json_t *v) {
  return (size_t)((((uintptr_t)v >> 4) * 0x9E3779B97F4A7C15ull) >> 32) & (m->index_cap - 1);
}

/* Spans a memo scans in a row before it builds its index: a state's data
 * holds a handful of containers, and scanning them costs less than
 * hashing. */
#define MEMO_SCAN 16

/* The span of `v` in m's text, or NULL. */
static const struct sd_jsonw_span *memo_find(const struct sd_jsonw_memo *m, const json_t *v) {
  if (m->n <= MEMO_SCAN) {
    for (size_t k = m->n; k-- > 0;)
      if (m->spans[k].v == v)
        return &m->spans[k];
    return NULL;
  }
  for (size_t j = memo_slot(m, v);; j = (j + 1) & (m->index_cap - 1)) {
    uint32_t k = m->index[j];
    if (k == 0)
      return NULL;
    /* Slots of spans dropped since (sd_jsonw_memo_pop) are skipped. */
    if (k <= m->n && m->spans[k - 1].v == v)
      return &m->spans[k - 1];
  }
}

static void memo_index(struct sd_jsonw_memo *m, size_t k) {
  size_t j = memo_slot(m, m->spans[k].v);
  while (m->index[j] != 0)
    j = (j + 1) & (m->index_cap - 1);
  m->index[j] = (uint32_t)k + 1;
}

/* Records that `v` was written at [off, off + len) of the text. Small
 * containers are cheaper to write again than to record, and past
 * SD_JSONW_MEMO_MAX spans a huge document is left to be written again. */
static void memo_add(struct sd_jsonw_memo *m, json_t *v, size_t off, size_t len) {
  if (len < 16 || m->n >= SD_JSONW_MEMO_MAX || off > UINT32_MAX || len > UINT32_MAX)
    return;
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 8;
    m->spans = sd_xrealloc(m->spans, m->cap * sizeof *m->spans);
  }
  m->spans[m->n++] =
      (struct sd_jsonw_span){ .v = json_incref(v), .off = (uint32_t)off, .len = (uint32_t)len };
  if (m->n <= MEMO_SCAN)
    return;
  if (m->n * 2 > m->index_cap || m->n == MEMO_SCAN + 1) {
    /* (Re)built whole when it grows, and when a cleared memo passes
     * MEMO_SCAN again: clearing leaves a table that is not emptied. */
    if (m->n * 2 > m->index_cap) {
      free(m->index);
      while (m->n * 2 > m->index_cap)
        m->index_cap = m->index_cap ? m->index_cap * 2 : 64;
      m->index = sd_xmalloc(m->index_cap * sizeof *m->index);
    }
    memset(m->index, 0, m->index_cap * sizeof *m->index);
    for (size_t k = 0; k < m->n; k++)
      memo_index(m, k);
    return;
  }
  memo_index(m, m->n - 1);
}

static void top_add(struct sd_jsonw_memo *m, size_t off, size_t len) {
  m->top[m->ntop].off = (uint32_t)off;
  m->top[m->ntop++].len = (uint32_t)len;
}

/* Copies v's text from a memo when one holds it: from the previous text,
 * or from earlier in this one (the same value twice in a document). */
static bool put_memo(struct sd_buf *b, json_t *v, const struct wctx *w) {
  const struct sd_jsonw_span *s = NULL;
  const char *src = NULL;
  if (w->from != NULL && w->from->level == w->level && (s = memo_find(w->from, v)) != NULL)
    src = w->from->text + s->off;
  else if (w->into != NULL && (s = memo_find(w->into, v)) != NULL)
    src = NULL; /* in b itself: its address is known only after reserve */
  else
    return false;
  reserve(b, s->len);
  size_t at = b->len;
  if (src == NULL)
    src = b->data + s->off;
  memcpy(b->data + at, src, s->len);
  b->len += s->len;
  b->data[b->len] = '\0';
  if (w->into != NULL && src != b->data + s->off) {
    /* The new text records the copy and what it holds, so the next text
     * finds them too: spans are in post-order, so a value's descendants
     * are the spans just before its own that lie inside it. */
    const struct sd_jsonw_span *first = s;
    while (first > w->from->spans && first[-1].off >= s->off)
      first--;
    for (const struct sd_jsonw_span *d = first; d <= s; d++)
      memo_add(w->into, d->v, at + (d->off - s->off), d->len);
  }
  return true;
}

static void put_value(struct sd_buf *b, json_t *v, const struct wctx *w);

/* Writes object v; with `top`, records where each member's value goes
 * (sd_jsonw_splice_memo). Always inlined, so that put_value's copy, with
 * top NULL, keeps none of the recording. */
static inline __attribute__((always_inline)) void
put_object(struct sd_buf *b, json_t *v, const struct wctx *w, struct sd_jsonw_memo *top) {
  put_byte(b, '{');
  /* The iterator by hand: json_object_keylen_foreach converts each
   * key back to its iterator three times a member. */
  bool first = true;
  for (void *it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
    if (!first)
      put_byte(b, ',');
    first = false;
    put_string(b, json_object_iter_key(it), json_object_iter_key_len(it), w->level);
    put_byte(b, ':');
    size_t at = b->len;
    put_value(b, json_object_iter_value(it), w);
    if (top != NULL)
      top_add(top, at, b->len - at);
  }
  put_byte(b, '}');
}

static void put_value(struct sd_buf *b, json_t *v, const struct wctx *w) {
  int level = w->level;
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      /* A value only its container holds was never written before. */
      if (v->refcount > 1 && (w->from != NULL || w->into != NULL) && put_memo(b, v, w))
        return;
      size_t start = b->len;
      put_object(b, v, w, NULL);
      if (w->into != NULL)
        memo_add(w->into, v, start, b->len - start);
      return;
    }
    case JSON_ARRAY: {
      /* A value only its container holds was never written before. */
      if (v->refcount > 1 && (w->from != NULL || w->into != NULL) && put_memo(b, v, w))
        return;
      size_t start = b->len;
      put_byte(b, '[');
      size_t n = json_array_size(v);
      for (size_t i = 0; i < n; i++) {
        if (i)
          put_byte(b, ',');
        put_value(b, json_array_get(v, i), w);
      }
      put_byte(b, ']');
      if (w->into != NULL)
        memo_add(w->into, v, start, b->len - start);
      return;
    }
    case JSON_STRING:
      put_string(b, json_string_value(v), json_string_length(v), level);
      return;
    case JSON_INTEGER:
      put_int(b, json_integer_value(v));
      return;
    case JSON_REAL:
      put_real(b, json_real_value(v), w->prec);
      return;
    case JSON_TRUE:
      sd_buf_add(b, "true", 4);
      return;
    case JSON_FALSE:
      sd_buf_add(b, "false", 5);
      return;
    case JSON_NULL:
      sd_buf_add(b, "null", 4);
      return;
  }
}

void sd_jsonw_value(struct sd_buf *b, json_t *v, bool in_string) {
  struct wctx w = { .level = in_string ? 2 : 1 };
  put_value(b, v, &w);
}

void sd_jsonw_value_memo(struct sd_buf *b, json_t *v, bool in_string, const struct sd_jsonw_memo *from,
                         struct sd_jsonw_memo *into) {
  struct wctx w = { .level = in_string ? 2 : 1, .from = from, .into = into };
  if (into != NULL) {
    sd_jsonw_memo_clear(into);
    into->level = w.level;
  }
  if (into == NULL || !json_is_object(v) || v->refcount > 1 || json_object_size(v) > SD_JSONW_TOP_MAX) {
    put_value(b, v, &w);
    return;
  }
  /* A root object only it holds (a new state output) is written here,
   * recording where each member's value goes (sd_jsonw_splice_memo). */
  size_t start = b->len;
  put_object(b, v, &w, into);
  into->top_of = v;
  memo_add(into, v, start, b->len - start);
}

bool sd_jsonw_splice_memo(struct sd_buf *b, json_t *root, size_t index, json_t *v,
                          const struct sd_jsonw_memo *from, size_t from_len, struct sd_jsonw_memo *into) {
  if (from->top_of != root || from->level != 2 || index >= from->ntop || from->ntop > SD_JSONW_TOP_MAX ||
      from->ntop != json_object_size(root) || from->text == NULL || from_len < 2 ||
      (uint64_t)from_len > UINT32_MAX / 2)
    return false;
  struct wctx w = { .level = 2, .from = from, .into = into };
  sd_jsonw_memo_clear(into);
  into->level = 2;
  const struct sd_jsonw_place *old = &from->top[index];
  size_t cut = old->off, end = old->off + old->len;
  /* The text before the member's value and what it recorded; the spans
   * are in post-order, so those before it come first, and the ones inside
   * the old value (or the root, around it) are left out. */
  reserve(b, from_len);
  memcpy(b->data + b->len, from->text + b->len, cut - b->len);
  b->len = cut;
  size_t k = 0;
  for (; k < from->n && from->spans[k].off + from->spans[k].len <= cut; k++)
    memo_add(into, from->spans[k].v, from->spans[k].off, from->spans[k].len);
  put_value(b, v, &w);
  size_t delta_len = b->len, tail = from_len - 1 - end; /* up to the closing quote */
  reserve(b, tail);
  memcpy(b->data + b->len, from->text + end, tail);
  b->len += tail;
  b->data[b->len] = '\0';
  /* Spans after the value move with it. */
  for (; k < from->n; k++)
    if (from->spans[k].off >= end)
      memo_add(into, from->spans[k].v, from->spans[k].off - end + delta_len, from->spans[k].len);
  for (size_t i = 0; i < from->ntop; i++) {
    size_t off = from->top[i].off, len = from->top[i].len;
    if (i == index)
      len = delta_len - cut;
    else if (i > index)
      off = off - end + delta_len;
    top_add(into, off, len);
  }
  into->top_of = root;
  memo_add(into, root, 1, b->len - 1);
  return true;
}

void sd_jsonw_memo_clear(struct sd_jsonw_memo *m) {
  /* The index is left as it is: memo_add empties it before it serves
   * again. */
  for (size_t k = 0; k < m->n; k++)
    json_decref(m->spans[k].v);
  m->n = 0;
  m->ntop = 0;
  m->top_of = NULL;
  m->text = NULL;
}

void sd_jsonw_memo_pop(struct sd_jsonw_memo *m, const json_t *v) {
  if (m->n > 0 && m->spans[m->n - 1].v == v)
    json_decref(m->spans[--m->n].v);
}

void sd_jsonw_memo_free(struct sd_jsonw_memo *m) {
  sd_jsonw_memo_clear(m);
  free(m->spans);
  free(m->index);
  *m = (struct sd_jsonw_memo){ 0 };
}

void sd_jsonw_string(struct sd_buf *b, const char *s, size_t n) {
  put_string(b, s, n, 1);
}

char *sd_jsonw_dumps_prec(json_t *v, int precision, size_t *len) {
  /* Most state data is a few hundred bytes: one allocation, no regrowth. */
  struct sd_buf b = { .cap = 512 };
  b.data = sd_xmalloc(b.cap);
  b.data[0] = '\0';
  struct wctx w = { .level = 1, .prec = precision };
  put_value(&b, v, &w);
  if (len)
    *len = b.len;
  return sd_buf_steal(&b);
}

char *sd_jsonw_dumps(json_t *v, size_t *len) {
  return sd_jsonw_dumps_prec(v, 0, len);
}
