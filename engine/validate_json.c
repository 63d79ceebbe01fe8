/* The definition as text: parsing with line:column errors, and the one check
 * a parsed json_t can no longer answer, duplicate keys (Jansson, like AWS's
 * parser, keeps the last of them). Not for: anything about the meaning of
 * fields (validate_state.c and friends).
 *
 * The duplicate scan walks text Jansson has already accepted, so it needs no
 * error reporting of its own; it still stops, rather than reads out of
 * bounds, on anything unexpected. It keeps an explicit stack, so nesting
 * depth costs heap, not C stack. */
#include "engine/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/validate_impl.h"

json_t *sd_vd_parse(const char *text, size_t len, bool *dups, struct sd_err *err) {
  json_error_t e;
  /* Most definitions have no duplicate key: Jansson tells us so while it
   * parses, and the text scan (a third of the parse's cost on a 1,000-state
   * definition) runs only when it found one. */
  json_t *v = sd_json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
  *dups = false;
  if (v == NULL && json_error_code(&e) == json_error_duplicate_key) {
    *dups = true;
    v = sd_json_loadb(text, len, JSON_DECODE_ANY, &e);
  }
  if (v == NULL) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "%s at line %d, column %d", e.text, e.line, e.column);
    sd_err_set_where(err, "%d:%d", e.line, e.column);
  }
  return v;
}

json_t *sd_validate_parse(const char *text, size_t len, struct sd_err *err) {
  bool dups;
  json_t *v = sd_vd_parse(text, len, &dups, err);
  if (v == NULL)
    return NULL;
  if (!json_is_object(v)) {
    json_decref(v);
    sd_err_set(err, SD_E_INVALID_DEFINITION, "Definition must be a valid JSON object");
    return NULL;
  }
  if (!dups)
    return v;
  struct sd_vd_ctx c = { 0 };
  c.diags = json_array();
  sd_vd_scan_duplicates(&c, text, len);
  size_t i;
  json_t *d;
  json_array_foreach(c.diags, i, d) {
    if (strcmp(json_string_value(json_object_get(d, "severity")), "ERROR") != 0)
      continue;
    sd_err_set(err, SD_E_INVALID_DEFINITION, "%s: %s", json_string_value(json_object_get(d, "code")),
               json_string_value(json_object_get(d, "message")));
    sd_err_set_where(err, "%s", json_string_value(json_object_get(d, "location")));
    json_decref(v);
    v = NULL;
    break;
  }
  json_decref(c.diags);
  sd_buf_free(&c.ptr);
  return v;
}

/* What an object or array is in ASL terms: only duplicates among state names
 * are errors (DUPLICATE_STATE_NAME); elsewhere they are warnings. */
enum role { R_OTHER, R_MACHINE, R_STATES, R_STATE, R_BRANCHES };

struct frame {
  bool obj;
  enum role role;
  size_t ptr_len; /* length of the pointer to this container */
  size_t index;   /* arrays: index of the current element */
  json_t *keys;   /* objects: keys seen so far; owned */
};

struct scan {
  const char *s;
  size_t n, i;
  struct frame *fr; /* owned */
  size_t nfr, capfr;
  struct sd_buf ptr; /* pointer of the value being read */
  struct sd_buf key; /* the last key read, decoded */
};

static void skip_ws(struct scan *sc) {
  while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) != NULL && sc->s[sc->i] != '\0')
    sc->i++;
}

static int hex4(const char *p) {
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char ch = p[k];
    v <<= 4;
    if (ch >= '0' && ch <= '9')
      v |= ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      v |= ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      v |= ch - 'A' + 10;
    else
      return -1;
  }
  return v;
}

static void put_utf8(struct sd_buf *b, uint32_t cp) {
  char u[4];
  size_t k;
  if (cp < 0x80) {
    u[0] = (char)cp;
    k = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    k = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    k = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    k = 4;
  }
  sd_buf_add(b, u, k);
}

/* Reads a string at sc->i (on its opening quote); decodes it into `out` when
 * out is not NULL. Returns false on malformed text. */
static bool read_string(struct scan *sc, struct sd_buf *out) {
  if (out != NULL) {
    out->len = 0;
    sd_buf_add(out, "", 0);
  }
  sc->i++;
  while (sc->i < sc->n) {
    char ch = sc->s[sc->i++];
    if (ch == '"')
      return true;
    if (ch != '\\') {
      if (out != NULL)
        sd_buf_putc(out, ch);
      continue;
    }
    if (sc->i >= sc->n)
      return false;
    char esc = sc->s[sc->i++];
    if (esc != 'u') {
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *p = strchr(from, esc);
      if (p == NULL || esc == '\0')
        return false;
      if (out != NULL)
        sd_buf_putc(out, to[p - from]);
      continue;
    }
    if (sc->n - sc->i < 4)
      return false;
    int cp = hex4(sc->s + sc->i);
    sc->i += 4;
    if (cp < 0)
      return false;
    uint32_t u = (uint32_t)cp;
    if (cp >= 0xD800 && cp <= 0xDBFF && sc->n - sc->i >= 6 && sc->s[sc->i] == '\\' &&
        sc->s[sc->i + 1] == 'u') {
      int lo = hex4(sc->s + sc->i + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + (((uint32_t)cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        sc->i += 6;
      }
    }
    if (out != NULL)
      put_utf8(out, u);
  }
  return false;
}

/* Skips a number or literal. */
static void skip_scalar(struct scan *sc) {
  while (sc->i < sc->n && strchr(",]} \t\r\n", sc->s[sc->i]) == NULL && sc->s[sc->i] != '\0')
    sc->i++;
}

static enum role child_role(const struct frame *parent, const char *key, bool obj) {
  if (parent == NULL)
    return obj ? R_MACHINE : R_OTHER;
  switch (parent->role) {
    case R_MACHINE:
      return obj && key && strcmp(key, "States") == 0 ? R_STATES : R_OTHER;
    case R_STATES:
      return obj ? R_STATE : R_OTHER;
    case R_STATE:
      if (key && strcmp(key, "Branches") == 0 && !obj)
        return R_BRANCHES;
      if (key && obj && (strcmp(key, "ItemProcessor") == 0 || strcmp(key, "Iterator") == 0))
        return R_MACHINE;
      return R_OTHER;
    case R_BRANCHES:
      return obj ? R_MACHINE : R_OTHER;
    default:
      return R_OTHER;
  }
}

static void push_frame(struct scan *sc, bool obj, enum role role) {
  if (sc->nfr == sc->capfr) {
    sc->capfr = sc->capfr ? sc->capfr * 2 : 16;
    sc->fr = sd_xrealloc(sc->fr, sc->capfr * sizeof *sc->fr);
  }
  sc->fr[sc->nfr++] = (struct frame){ obj, role, sc->ptr.len, 0, obj ? json_object() : NULL };
}

static void pop_frame(struct scan *sc) {
  struct frame *f = &sc->fr[--sc->nfr];
  json_decref(f->keys);
  sc->ptr.len = f->ptr_len;
  if (sc->ptr.data)
    sc->ptr.data[f->ptr_len] = '\0';
}

static void set_ptr(struct scan *sc, size_t len) {
  sc->ptr.len = len;
  sd_buf_add(&sc->ptr, "", 0);
  if (sc->ptr.data)
    sc->ptr.data[len] = '\0';
}

/* Reads `"key":` in the top object frame; records the key and reports a
 * duplicate. Returns false on malformed text. */
static bool read_key(struct sd_vd_ctx *c, struct scan *sc) {
  struct frame *f = &sc->fr[sc->nfr - 1];
  skip_ws(sc);
  if (sc->i >= sc->n || sc->s[sc->i] != '"' || !read_string(sc, &sc->key))
    return false;
  set_ptr(sc, f->ptr_len);
  sd_buf_putc(&sc->ptr, '/');
  sd_vd_ptr_append(&sc->ptr, sc->key.data);
  if (json_object_get(f->keys, sc->key.data) != NULL) {
    if (f->role == R_STATES)
      sd_vd_diag(c, SD_VD_ERROR, SD_VD_DUP_NAME, sc->ptr.data, "Duplicate State name: %s", sc->key.data);
    else
      sd_vd_diag(c, SD_VD_WARNING, SD_VD_DUP_FIELD, sc->ptr.data,
                 "Field '%s' appears more than once; the last one is used", sc->key.data);
  } else {
    json_object_set_new(f->keys, sc->key.data, json_true());
  }
  skip_ws(sc);
  if (sc->i >= sc->n || sc->s[sc->i] != ':')
    return false;
  sc->i++;
  return true;
}

/* Starts the next element of the top array frame. */
static void next_element(struct scan *sc) {
  struct frame *f = &sc->fr[sc->nfr - 1];
  set_ptr(sc, f->ptr_len);
  sd_buf_printf(&sc->ptr, "/%zu", f->index);
}

/* After a value: a ',' or a closing bracket. Returns false when the scan
 * is over (end of text, or malformed). */
static bool after_value(struct sd_vd_ctx *c, struct scan *sc) {
  for (;;) {
    if (sc->nfr == 0)
      return false;
    struct frame *f = &sc->fr[sc->nfr - 1];
    skip_ws(sc);
    if (sc->i >= sc->n)
      return false;
    char ch = sc->s[sc->i++];
    if (ch == ',') {
      if (f->obj)
        return read_key(c, sc);
      f->index++;
      next_element(sc);
      return true;
    }
    if (ch != (f->obj ? '}' : ']'))
      return false;
    pop_frame(sc);
  }
}

void sd_vd_scan_duplicates(struct sd_vd_ctx *c, const char *text, size_t len) {
  struct scan sc = { .s = text, .n = len };
  bool more = true;
  while (more) {
    skip_ws(&sc);
    if (sc.i >= sc.n)
      break;
    char ch = sc.s[sc.i];
    if (ch == '{' || ch == '[') {
      struct frame *parent = sc.nfr ? &sc.fr[sc.nfr - 1] : NULL;
      const char *key = parent && parent->obj ? sc.key.data : NULL;
      push_frame(&sc, ch == '{', child_role(parent, key, ch == '{'));
      sc.i++;
      skip_ws(&sc);
      if (sc.i < sc.n && sc.s[sc.i] == (ch == '{' ? '}' : ']')) {
        sc.i++;
        pop_frame(&sc);
        more = after_value(c, &sc);
      } else if (ch == '{') {
        more = read_key(c, &sc);
      } else {
        next_element(&sc);
      }
      continue;
    }
    if (ch == '"') {
      if (!read_string(&sc, NULL))
        break;
    } else {
      skip_scalar(&sc);
    }
    more = after_value(c, &sc);
  }
  while (sc.nfr > 0)
    pop_frame(&sc);
  free(sc.fr);
  sd_buf_free(&sc.ptr);
  sd_buf_free(&sc.key);
}
