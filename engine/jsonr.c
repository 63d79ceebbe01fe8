/* See jsonr.h. A recursive-descent reader over a byte buffer. Recursion is
 * bounded by JSON_PARSER_MAX_DEPTH, as in Jansson. Strings without escapes
 * (nearly all of them) are validated as UTF-8 and copied once. */
#include "engine/jsonr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/str.h"

/* Short string values repeat (a definition's "Pass", "$.Payload" and
 * "$.acc" in every state; an input's enum-like fields): equal ones within
 * one document share one json_t, as values are never mutated once read.
 * A direct-mapped cache: a miss only costs a new string. Small documents
 * (most inputs, history details read back) skip it. */
#define SHARED_SLOTS   256
#define SHARED_MAX     32 /* longer strings are seldom repeated */
#define SHARED_MIN_DOC 4096

struct shared {
  json_t *v;        /* one reference; NULL: empty */
  const char *text; /* v's bytes, read once rather than through two calls a lookup */
  size_t len;
  uint64_t head, tail; /* the first and last eight bytes (see words): all of a string up to 16 */
};

struct reader {
  const char *s;
  size_t n;
  size_t pos;
  size_t flags;
  int depth;
  json_error_t *error;
  bool failed;
  char *scratch; /* for strings with escapes; owned */
  size_t scap;
  struct shared *shared; /* SHARED_SLOTS recent short strings; owned; NULL: no sharing */
};

__attribute__((format(printf, 4, 5))) static void fail(struct reader *r, size_t at, enum json_error_code code,
                                                       const char *fmt, ...) {
  if (r->failed)
    return;
  r->failed = true;
  if (r->error == NULL)
    return;
  int line = 1, col = 0;
  /* Jansson counts columns in characters (UTF-8 sequences), from 1. */
  for (size_t i = 0; i < at && i < r->n; i++) {
    unsigned char c = (unsigned char)r->s[i];
    if (c == '\n') {
      line++;
      col = 0;
    } else if ((c & 0xC0) != 0x80) {
      col++;
    }
  }
  if (at < r->n)
    col++;
  memset(r->error, 0, sizeof *r->error);
  r->error->line = line;
  r->error->column = col;
  r->error->position = (int)(at < r->n ? at + 1 : r->n);
  snprintf(r->error->source, sizeof r->error->source, "<buffer>");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error->text, JSON_ERROR_TEXT_LENGTH - 1, fmt, ap);
  va_end(ap);
  r->error->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)code;
}

/* JSON's four whitespace bytes. A pretty-printed definition is mostly
 * indentation: one table load a byte instead of four compares. */
static const bool is_ws[256] = { [' '] = true, ['\n'] = true, ['\t'] = true, ['\r'] = true };

static void skip_ws(struct reader *r) {
  const unsigned char *s = (const unsigned char *)r->s;
  size_t i = r->pos, n = r->n;
  while (i < n && is_ws[s[i]]) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* A line's indentation (a pretty-printed definition is a third of it),
     * eight spaces a step: the first byte that is not a space is the
     * lowest nonzero byte of the word xor eight spaces. */
    if (s[i] == '\n') {
      for (i++; n - i >= 8; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, sizeof x); /* an unaligned load */
        x ^= 0x2020202020202020ull;
        if (x != 0) {
          i += (size_t)__builtin_ctzll(x) / 8;
          break;
        }
      }
      continue;
    }
#endif
    i++;
  }
  r->pos = i;
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

static void scratch_put(struct reader *r, size_t *len, const char *p, size_t n) {
  if (*len + n + 1 > r->scap) {
    size_t cap = r->scap ? r->scap : 256;
    while (cap < *len + n + 1)
      cap *= 2;
    r->scratch = sd_xrealloc(r->scratch, cap);
    r->scap = cap;
  }
  memcpy(r->scratch + *len, p, n);
  *len += n;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Bytes a string's fast path copies as they are: ASCII but for controls,
 * '"' and '\\'. */
static const bool plain_ascii[256] = {
  [0x20 ... 0x21] = true, /* '"' is 0x22 */
  [0x23 ... 0x5b] = true, /* '\\' is 0x5c */
  [0x5d ... 0x7f] = true,
};

static bool read_string_rest(struct reader *r, size_t start, size_t i, const char **out, size_t *outlen);

/* Reads a string at r->pos (on the opening quote). On success *out points
 * at the bytes (into the buffer, or into scratch) and *outlen is set.
 * The common case inline: a string of plain ASCII up to its closing quote
 * (nearly every key and value of a definition), skipped with one table
 * load a byte; anything else goes on in read_string_rest. A call per
 * string cost more than the loop of most. */
static inline bool read_string(struct reader *r, const char **out, size_t *outlen) {
  size_t start = ++r->pos;
  const unsigned char *s = (const unsigned char *)r->s;
  size_t i = start, n = r->n;
  while (i < n && plain_ascii[s[i]])
    i++;
  if (i < n && s[i] == '"') {
    *out = r->s + start;
    *outlen = i - start;
    r->pos = i + 1;
    return true;
  }
  return read_string_rest(r, start, i, out, outlen);
}

/* read_string past its plain prefix: s[start..i) is plain ASCII. */
static __attribute__((noinline)) bool read_string_rest(struct reader *r, size_t start, size_t i,
                                                       const char **out, size_t *outlen) {
  const unsigned char *s = (const unsigned char *)r->s;
  /* Still no escapes: other plain runs, UTF-8 sequences. */
  while (i < r->n) {
    while (i < r->n && plain_ascii[s[i]])
      i++;
    if (i >= r->n)
      break;
    unsigned char c = s[i];
    if (c == '"') {
      *out = r->s + start;
      *outlen = i - start;
      r->pos = i + 1;
      return true;
    }
    if (c == '\\')
      break;
    if (c < 0x20) {
      fail(r, i, json_error_invalid_syntax, "control character 0x%x", c);
      return false;
    }
    if (c >= 0x80) {
      size_t l = utf8_len(s + i, r->n - i);
      if (l == 0) {
        fail(r, i, json_error_invalid_utf8, "unable to decode byte 0x%x", c);
        return false;
      }
      i += l;
    } else {
      i++;
    }
  }
  size_t len = 0;
  scratch_put(r, &len, r->s + start, i - start);
  while (i < r->n) {
    unsigned char c = s[i];
    if (c == '"') {
      *out = r->scratch;
      *outlen = len;
      r->pos = i + 1;
      return true;
    }
    if (c < 0x20) {
      fail(r, i, json_error_invalid_syntax, "control character 0x%x", c);
      return false;
    }
    if (c != '\\') {
      size_t l = c < 0x80 ? 1 : utf8_len(s + i, r->n - i);
      if (l == 0) {
        fail(r, i, json_error_invalid_utf8, "unable to decode byte 0x%x", c);
        return false;
      }
      scratch_put(r, &len, r->s + i, l);
      i += l;
      continue;
    }
    if (i + 1 >= r->n)
      break;
    char e = r->s[i + 1];
    char one;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        one = e;
        break;
      case 'b':
        one = '\b';
        break;
      case 'f':
        one = '\f';
        break;
      case 'n':
        one = '\n';
        break;
      case 'r':
        one = '\r';
        break;
      case 't':
        one = '\t';
        break;
      case 'u': {
        if (i + 6 > r->n || hex4(r->s + i + 2) < 0) {
          fail(r, i, json_error_invalid_syntax, "invalid escape");
          return false;
        }
        uint32_t cp = (uint32_t)hex4(r->s + i + 2);
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          int lo = (i + 6 <= r->n && r->s[i] == '\\' && r->s[i + 1] == 'u') ? hex4(r->s + i + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            fail(r, i, json_error_invalid_syntax, "invalid Unicode '\\u%04X'", cp);
            return false;
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
          i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          fail(r, i, json_error_invalid_syntax, "invalid Unicode '\\u%04X'", cp);
          return false;
        } else if (cp == 0) {
          fail(r, i, json_error_null_character, "\\u0000 is not allowed without JSON_ALLOW_NUL");
          return false;
        }
        char tmp[4];
        scratch_put(r, &len, tmp, put_utf8(tmp, cp));
        continue;
      }
      default:
        fail(r, i, json_error_invalid_syntax, "invalid escape");
        return false;
    }
    scratch_put(r, &len, &one, 1);
    i += 2;
  }
  fail(r, r->n, json_error_premature_end_of_input, "premature end of input");
  return false;
}

static json_t *read_number(struct reader *r) {
  size_t start = r->pos, i = r->pos;
  const char *s = r->s;
  bool real = false;
  if (i < r->n && s[i] == '-')
    i++;
  if (i >= r->n || s[i] < '0' || s[i] > '9') {
    fail(r, start, json_error_invalid_syntax, "invalid token");
    return NULL;
  }
  if (s[i] == '0') {
    i++;
    if (i < r->n && s[i] >= '0' && s[i] <= '9') {
      fail(r, start, json_error_invalid_syntax, "invalid token");
      return NULL;
    }
  } else {
    while (i < r->n && s[i] >= '0' && s[i] <= '9')
      i++;
  }
  if (i < r->n && s[i] == '.') {
    real = true;
    i++;
    if (i >= r->n || s[i] < '0' || s[i] > '9') {
      fail(r, start, json_error_invalid_syntax, "invalid token");
      return NULL;
    }
    while (i < r->n && s[i] >= '0' && s[i] <= '9')
      i++;
  }
  if (i < r->n && (s[i] == 'e' || s[i] == 'E')) {
    real = true;
    i++;
    if (i < r->n && (s[i] == '+' || s[i] == '-'))
      i++;
    if (i >= r->n || s[i] < '0' || s[i] > '9') {
      fail(r, start, json_error_invalid_syntax, "invalid token");
      return NULL;
    }
    while (i < r->n && s[i] >= '0' && s[i] <= '9')
      i++;
  }
  size_t len = i - start;
  /* An integer of up to 18 digits cannot overflow: no copy, no strtoll
   * (a definition's numbers are nearly all small integers). */
  size_t digits = len - (s[start] == '-');
  if (!real && digits <= 18) {
    json_int_t x = 0;
    for (size_t k = i - digits; k < i; k++)
      x = x * 10 + (s[k] - '0');
    r->pos = i;
    return json_integer(s[start] == '-' ? -x : x);
  }
  char tmp[64];
  char *buf = tmp;
  if (len >= sizeof tmp)
    buf = sd_xmalloc(len + 1);
  memcpy(buf, s + start, len);
  buf[len] = '\0';
  json_t *v = NULL;
  char *end;
  errno = 0;
  if (!real) {
    long long x = strtoll(buf, &end, 10);
    if (errno == ERANGE)
      fail(r, start, json_error_numeric_overflow, x < 0 ? "too big negative integer" : "too big integer");
    else
      v = json_integer((json_int_t)x);
  } else {
    double d = strtod(buf, &end);
    if (errno == ERANGE && (d > 1.0 || d < -1.0))
      fail(r, start, json_error_numeric_overflow, "real number overflow");
    else
      v = json_real(d);
  }
  if (buf != tmp)
    free(buf);
  r->pos = i;
  return v;
}

/* A short string's first and last eight bytes (below eight bytes, the whole
 * string in the first word and the last zero; the words overlap below
 * sixteen): together, all its bytes up to sixteen. */
static void words(const char *s, size_t n, uint64_t *head, uint64_t *tail) {
  uint64_t a, b = 0;
  if (n >= 8) {
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
  } else {
    a = sd_str_word(s, n);
  }
  *head = a;
  *tail = b;
}

/* The slot of a short string: its words and length mixed by multiplication
 * (a few instructions, where FNV-1a took eight a byte). Strings that
 * differ only in the middle share a slot, which costs a miss, never a
 * wrong value. */
static size_t shared_slot(uint64_t a, uint64_t b, size_t n) {
  uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ n;
  return (size_t)(h >> 56) & (SHARED_SLOTS - 1);
}

/* A new reference to a string value holding s (n bytes, valid UTF-8). */
static json_t *string_value(struct reader *r, const char *s, size_t n) {
  if (n > SHARED_MAX || r->shared == NULL)
    return json_stringn_nocheck(s, n);
  uint64_t head, tail;
  words(s, n, &head, &tail);
  struct shared *slot = &r->shared[shared_slot(head, tail, n)];
  /* Equal words and length are equal strings up to sixteen bytes. */
  if (slot->v != NULL && slot->len == n && slot->head == head && slot->tail == tail &&
      (n <= 16 || memcmp(slot->text + 8, s + 8, n - 16) == 0))
    return json_incref(slot->v);
  json_t *v = json_stringn_nocheck(s, n);
  /* A string already shared (the slot's reference and two or more in the
   * document) keeps its slot: the unique strings of a definition (each
   * state's Next) would otherwise push out the ones that repeat. */
  if (slot->v != NULL && slot->v->refcount > 2)
    return v;
  json_decref(slot->v);
  *slot = (struct shared){ json_incref(v), json_string_value(v), n, head, tail };
  return v;
}

static json_t *read_value(struct reader *r);

/* A member's or element's value: a string (most of them) is read here,
 * without the call into read_value. */
static inline json_t *read_member(struct reader *r) {
  const char *s;
  size_t n;
  if (r->pos < r->n && r->s[r->pos] == '"')
    return read_string(r, &s, &n) ? string_value(r, s, n) : NULL;
  return read_value(r);
}

static json_t *read_object(struct reader *r) {
  json_t *obj = json_object();
  size_t nkeys = 0; /* keys set so far */
  r->pos++;
  skip_ws(r);
  if (r->pos < r->n && r->s[r->pos] == '}') {
    r->pos++;
    return obj;
  }
  for (;;) {
    skip_ws(r);
    if (r->pos >= r->n || r->s[r->pos] != '"') {
      fail(r, r->pos, r->pos >= r->n ? json_error_premature_end_of_input : json_error_invalid_syntax,
           "string or '}' expected");
      break;
    }
    size_t key_at = r->pos;
    const char *k;
    size_t klen;
    /* No string read holds a NUL: read_string refuses "\u0000". */
    if (!read_string(r, &k, &klen))
      break;
    /* A key with escapes lives in scratch, which the value may overwrite:
     * copy it. Any other points into the text, which outlives the read. */
    char kbuf[128];
    const char *key = k;
    if (k == r->scratch) {
      char *copy = klen < sizeof kbuf ? kbuf : sd_xmalloc(klen + 1);
      memcpy(copy, k, klen);
      key = copy;
    }
    /* `": "`, as most writers put it, without the two calls to skip_ws. */
    if (r->n - r->pos >= 3 && r->s[r->pos] == ':' && r->s[r->pos + 1] == ' ' &&
        !is_ws[(unsigned char)r->s[r->pos + 2]]) {
      r->pos += 2;
    } else {
      skip_ws(r);
      if (r->pos >= r->n || r->s[r->pos] != ':') {
        fail(r, r->pos, json_error_invalid_syntax, "':' expected");
        if (key != k && key != kbuf)
          free((char *)key);
        break;
      }
      r->pos++;
      skip_ws(r);
    }
    json_t *v = read_member(r);
    if (v == NULL) {
      if (key != k && key != kbuf)
        free((char *)key);
      break;
    }
    json_object_setn_new_nocheck(obj, key, klen, v);
    if (key != k && key != kbuf)
      free((char *)key);
    /* A repeated key replaces its value: the size did not grow. Without the
     * flag nkeys is not needed, and may fall behind. */
    if ((r->flags & JSON_REJECT_DUPLICATES) && json_object_size(obj) == nkeys++) {
      fail(r, key_at, json_error_duplicate_key, "duplicate object key");
      break;
    }
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->n && r->s[r->pos] == '}') {
      r->pos++;
      return obj;
    }
    fail(r, r->pos, r->pos >= r->n ? json_error_premature_end_of_input : json_error_invalid_syntax,
         "'}' expected");
    break;
  }
  json_decref(obj);
  return NULL;
}

static json_t *read_array(struct reader *r) {
  json_t *arr = json_array();
  r->pos++;
  skip_ws(r);
  if (r->pos < r->n && r->s[r->pos] == ']') {
    r->pos++;
    return arr;
  }
  for (;;) {
    skip_ws(r);
    json_t *v = read_member(r);
    if (v == NULL)
      break;
    json_array_append_new(arr, v);
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->n && r->s[r->pos] == ']') {
      r->pos++;
      return arr;
    }
    fail(r, r->pos, r->pos >= r->n ? json_error_premature_end_of_input : json_error_invalid_syntax,
         "']' expected");
    break;
  }
  json_decref(arr);
  return NULL;
}

static bool literal(struct reader *r, const char *word) {
  size_t n = strlen(word);
  if (r->n - r->pos >= n && memcmp(r->s + r->pos, word, n) == 0) {
    r->pos += n;
    return true;
  }
  return false;
}

static json_t *read_value(struct reader *r) {
  if (r->pos >= r->n) {
    fail(r, r->pos, json_error_premature_end_of_input, "unexpected end of input");
    return NULL;
  }
  char c = r->s[r->pos];
  switch (c) {
    case '{':
    case '[': {
      if (++r->depth > JSON_PARSER_MAX_DEPTH) {
        fail(r, r->pos, json_error_stack_overflow, "maximum parsing depth reached");
        return NULL;
      }
      json_t *v = c == '{' ? read_object(r) : read_array(r);
      r->depth--;
      return v;
    }
    case '"': {
      const char *s;
      size_t n;
      if (!read_string(r, &s, &n))
        return NULL;
      return string_value(r, s, n);
    }
    case 't':
      if (literal(r, "true"))
        return json_true();
      break;
    case 'f':
      if (literal(r, "false"))
        return json_false();
      break;
    case 'n':
      if (literal(r, "null"))
        return json_null();
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return read_number(r);
      break;
  }
  fail(r, r->pos, json_error_invalid_syntax, "invalid token");
  return NULL;
}

json_t *sd_jsonr_fast(const char *buf, size_t len, size_t flags, json_error_t *error) {
  struct reader r = { .s = buf, .n = len, .flags = flags, .error = error };
  if (len >= SHARED_MIN_DOC)
    r.shared = sd_xcalloc(SHARED_SLOTS, sizeof *r.shared);
  if (error != NULL)
    error->text[0] = '\0';
  skip_ws(&r);
  if (r.pos < r.n && !(flags & JSON_DECODE_ANY) && r.s[r.pos] != '{' && r.s[r.pos] != '[') {
    fail(&r, r.pos, json_error_invalid_syntax, "'[' or '{' expected");
    return NULL;
  }
  json_t *v = read_value(&r);
  if (v != NULL) {
    skip_ws(&r);
    if (r.pos < r.n) {
      fail(&r, r.pos, json_error_end_of_input_expected, "end of file expected");
      json_decref(v);
      v = NULL;
    }
  }
  free(r.scratch);
  for (size_t i = 0; r.shared != NULL && i < SHARED_SLOTS; i++)
    json_decref(r.shared[i].v);
  free(r.shared);
  return v;
}

json_t *sd_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error) {
  json_t *v = sd_jsonr_fast(buf, len, flags, error);
  if (v == NULL) {
    /* Errors are rare and their wording is what users see: let Jansson
     * read the text again and report it in its own words ("... near
     * 'token'"), so messages never depend on which reader ran. */
    return json_loadb(buf, len, flags, error);
  }
  return v;
}
