/* See jsonw.h. Output is byte-identical to Jansson's compact dump (a unit
 * test compares both on varied documents), so histories and outputs do not
 * depend on which writer produced them. */
#include "engine/jsonw.h"

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

/* Integers without snprintf's format parsing. */
static void put_int(struct sd_buf *b, json_int_t v) {
  char tmp[24];
  int i = sizeof tmp;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    tmp[--i] = '-';
  sd_buf_add(b, tmp + i, sizeof tmp - (size_t)i);
}

/* Escapes one string's content. `level` 1 writes it as JSON text; level 2
 * writes that text again escaped, for JSON-in-a-string. */
/* Bytes that need an escape in a JSON string. */
static const unsigned char needs_escape[256] = {
  [0 ... 0x1f] = 1,
  ['"'] = 1,
  ['\\'] = 1,
};

static void put_escaped(struct sd_buf *b, const char *s, size_t n, int level) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!needs_escape[c])
      continue;
    sd_buf_add(b, s + run, i - run);
    run = i + 1;
    char esc[16];
    const char *e;
    switch (c) {
      case '"':
        e = "\\\"";
        break;
      case '\\':
        e = "\\\\";
        break;
      case '\n':
        e = "\\n";
        break;
      case '\r':
        e = "\\r";
        break;
      case '\t':
        e = "\\t";
        break;
      case '\b':
        e = "\\b";
        break;
      case '\f':
        e = "\\f";
        break;
      default:
        snprintf(esc, sizeof esc, "\\u%04X", c);
        e = esc;
        break;
    }
    if (level == 1) {
      sd_buf_puts(b, e);
    } else {
      /* Each character of the escape is itself escaped: '\' -> "\\",
       * '"' -> "\"". */
      for (const char *p = e; *p; p++) {
        if (*p == '\\' || *p == '"')
          put_byte(b, '\\');
        put_byte(b, *p);
      }
    }
  }
  sd_buf_add(b, s + run, n - run);
}

static void put_quote(struct sd_buf *b, int level) {
  if (level == 2)
    sd_buf_add(b, "\\\"", 2);
  else
    put_byte(b, '"');
}

static void put_string(struct sd_buf *b, const char *s, size_t n, int level) {
  put_quote(b, level);
  put_escaped(b, s, n, level);
  put_quote(b, level);
}

static void put_real(struct sd_buf *b, double d) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, "%.17g", d);
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

static void put_value(struct sd_buf *b, json_t *v, int level) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      put_byte(b, '{');
      const char *k;
      json_t *x;
      bool first = true;
      json_object_foreach(v, k, x) {
        if (!first)
          put_byte(b, ',');
        first = false;
        put_string(b, k, strlen(k), level);
        put_byte(b, ':');
        put_value(b, x, level);
      }
      put_byte(b, '}');
      return;
    }
    case JSON_ARRAY: {
      put_byte(b, '[');
      size_t n = json_array_size(v);
      for (size_t i = 0; i < n; i++) {
        if (i)
          put_byte(b, ',');
        put_value(b, json_array_get(v, i), level);
      }
      put_byte(b, ']');
      return;
    }
    case JSON_STRING:
      put_string(b, json_string_value(v), json_string_length(v), level);
      return;
    case JSON_INTEGER:
      put_int(b, json_integer_value(v));
      return;
    case JSON_REAL:
      put_real(b, json_real_value(v));
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
  put_value(b, v, in_string ? 2 : 1);
}

void sd_jsonw_string(struct sd_buf *b, const char *s, size_t n) {
  put_string(b, s, n, 1);
}

char *sd_jsonw_dumps(json_t *v, size_t *len) {
  struct sd_buf b = { 0 };
  put_value(&b, v, 1);
  if (len)
    *len = b.len;
  return sd_buf_steal(&b);
}
