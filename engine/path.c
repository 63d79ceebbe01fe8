/* JSONPath and Reference Paths (see path.h), compiled once into an array of
 * steps. Two evaluators: a loop for definite paths, which allocates nothing
 * but the reference it returns (the hot path: InputPath, OutputPath, most
 * template fields), and a recursive walk for indefinite ones, which collects
 * the matches into a new array. Semantics are those of Jayway JsonPath as AWS
 * configures it, quirks included; docs/paths.md lists them. Not for: payload
 * templates (tmpl.c) or intrinsic functions (intrinsic_*.c). */
#include "engine/path.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/intern.h"

enum step_kind {
  ST_NAME,    /* .name or ['name'] */
  ST_NAMES,   /* ['a','b']: merged into one object when last, else iterated */
  ST_INDEX,   /* [n] */
  ST_INDEXES, /* [n,m] */
  ST_SLICE,   /* [a:b], [a:], [:b] */
  ST_WILD,    /* .* or [*] */
  ST_SCAN,    /* .. */
  ST_FILTER,  /* [?(...)] */
  ST_LENGTH,  /* .length(), always last */
};

struct filter;

struct step {
  enum step_kind kind;
  bool packed;  /* one name: names and lens point at name1 and len1 */
  char **names; /* ST_NAME (one), ST_NAMES; owned unless packed */
  size_t *lens; /* byte lengths of names (not NUL-terminated); owned unless packed */
  char *name1;  /* packed: the name, borrowed from the path's own text */
  size_t len1;
  size_t nnames;
  long *idx; /* ST_INDEX (one), ST_INDEXES; owned */
  size_t nidx;
  long from, to; /* ST_SLICE */
  bool has_from, has_to;
  struct filter *filter; /* ST_FILTER; owned */
};

struct sd_path {
  char *text;         /* as written; in the same allocation as the path */
  struct step *steps; /* in the same allocation, unless steps_heap */
  bool steps_heap;
  size_t nsteps;
  bool context;  /* "$$": evaluated on the context object */
  bool relative; /* "@" inside a filter: evaluated on the current item */
  bool definite; /* every step yields at most one node */
  bool ref;      /* only ST_NAME and ST_INDEX steps */
  unsigned refs; /* holders: more than one once interned (intern.c) */
};

/* Filters: a small expression tree over operands that are literals or
 * paths. Jayway's operators beyond the six comparisons (=~, in, nin,
 * subsetof, ...) are rejected at compile time rather than half-supported. */
enum fop { F_OR, F_AND, F_NOT, F_EXISTS, F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE };

struct operand {
  struct sd_path *path; /* owned; NULL for a literal */
  json_t *lit;          /* owned; the literal when path is NULL */
};

struct filter {
  enum fop op;
  struct filter *a, *b; /* F_OR, F_AND: both; F_NOT: a; owned */
  struct operand l, r;  /* F_EXISTS: l; comparisons: l and r */
};

/* ---- freeing ---------------------------------------------------------- */

static void filter_free(struct filter *f);

static void operand_free(struct operand *o) {
  sd_path_free(o->path);
  json_decref(o->lit);
}

static void filter_free(struct filter *f) {
  if (f == NULL)
    return;
  filter_free(f->a);
  filter_free(f->b);
  operand_free(&f->l);
  operand_free(&f->r);
  free(f);
}

static void step_clear(struct step *st) {
  if (!st->packed) {
    for (size_t i = 0; i < st->nnames; i++)
      free(st->names[i]);
    free(st->names);
    free(st->lens);
  }
  free(st->idx);
  filter_free(st->filter);
}

/* One more reference to p; returns p. */
static struct sd_path *path_ref(struct sd_path *p) {
  p->refs++;
  return p;
}

void sd_path_free(struct sd_path *p) {
  if (p == NULL || --p->refs > 0)
    return;
  for (size_t i = 0; i < p->nsteps; i++)
    step_clear(&p->steps[i]);
  if (p->steps_heap)
    free(p->steps);
  free(p);
}

/* ---- the compiler ------------------------------------------------------ */

struct parser {
  const char *s; /* the text being parsed (a filter's sub-path points into its parent) */
  size_t end;    /* parse limit, trailing blanks trimmed as Jayway does */
  size_t pos;
  size_t base; /* offset of s[0] in the text error positions refer to */
  struct sd_path *p;
  size_t cap;
  unsigned flags;
  struct sd_err *err;
  bool failed;
};

static struct sd_path *compile_text(const char *s, size_t len, size_t base, bool allow_at, unsigned flags,
                                    struct sd_err *err);

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* Records the first syntax error; the cause names the position in the
 * whole path, which is what a user can find in their definition. */
__attribute__((format(printf, 3, 4))) static void perr(struct parser *ps, size_t pos, const char *fmt, ...) {
  if (ps->failed)
    return;
  ps->failed = true;
  va_list ap;
  va_start(ap, fmt);
  char *msg = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_err_set(ps->err, SD_E_INVALID_DEFINITION, "%s at position %zu", msg, ps->base + pos);
  free(msg);
}

static size_t skip_blanks(const struct parser *ps, size_t i) {
  while (i < ps->end && is_blank(ps->s[i]))
    i++;
  return i;
}

static struct step *add_step(struct parser *ps, enum step_kind kind, size_t at) {
  static const char *const names[] = {
    [ST_NAMES] = "a property union", [ST_INDEXES] = "an index union", [ST_SLICE] = "a slice",
    [ST_WILD] = "a wildcard",        [ST_SCAN] = "a deep scan",       [ST_FILTER] = "a filter",
    [ST_LENGTH] = "a function"
  };
  if ((ps->flags & SD_PATH_REF) && kind != ST_NAME && kind != ST_INDEX)
    perr(ps, at, "A Reference Path can not contain %s", names[kind]);
  struct sd_path *p = ps->p;
  if (p->nsteps == ps->cap) {
    /* compile_text sized the inline array for every step a text can have;
     * kept for safety: move to the heap, re-pointing packed names. */
    ps->cap = ps->cap ? ps->cap * 2 : 4;
    struct step *steps = sd_xmalloc(ps->cap * sizeof *steps);
    if (p->nsteps)
      memcpy(steps, p->steps, p->nsteps * sizeof *steps);
    if (p->steps_heap)
      free(p->steps);
    p->steps = steps;
    p->steps_heap = true;
    for (size_t i = 0; i < p->nsteps; i++)
      if (steps[i].packed) {
        steps[i].names = &steps[i].name1;
        steps[i].lens = &steps[i].len1;
      }
  }
  struct step *st = &p->steps[p->nsteps++];
  memset(st, 0, sizeof *st);
  st->kind = kind;
  return st;
}

static void step_add_name(struct step *st, const char *s, size_t n) {
  if (st->nnames == 0) {
    /* The common case, one name ("$.a.b" has two steps of one name each):
     * no allocation, the name stays in the path's text (s points into it). */
    st->name1 = (char *)s;
    st->len1 = n;
    st->names = &st->name1;
    st->lens = &st->len1;
    st->nnames = 1;
    st->packed = true;
    return;
  }
  if (st->packed) {
    /* A second name (a union): move to separate arrays. */
    char **names = sd_xmalloc(sizeof *names);
    size_t *lens = sd_xmalloc(sizeof *lens);
    names[0] = sd_xstrndup(st->names[0], st->lens[0]);
    lens[0] = st->lens[0];
    st->names = names;
    st->lens = lens;
    st->packed = false;
  }
  st->names = sd_xrealloc(st->names, (st->nnames + 1) * sizeof *st->names);
  st->lens = sd_xrealloc(st->lens, (st->nnames + 1) * sizeof *st->lens);
  st->names[st->nnames] = sd_xstrndup(s, n);
  st->lens[st->nnames] = n;
  st->nnames++;
}

/* Parses a Java int (Jayway's indexes are ints) from s[a, b), blanks
 * around it allowed. */
static bool parse_int(const char *s, size_t a, size_t b, long *out) {
  while (a < b && is_blank(s[a]))
    a++;
  while (b > a && is_blank(s[b - 1]))
    b--;
  if (a == b || b - a > 20)
    return false;
  char tmp[24];
  memcpy(tmp, s + a, b - a);
  tmp[b - a] = '\0';
  char *endp;
  errno = 0;
  long v = strtol(tmp, &endp, 10);
  if (errno != 0 || *endp != '\0' || v < INT_MIN || v > INT_MAX || tmp[0] == '+' || is_blank(tmp[0]))
    return false;
  *out = v;
  return true;
}

/* [1], [1,2], [1:], [:2], [1:2]. Returns false when the brackets do not
 * hold an array expression, so that the caller tries other forms. */
static bool read_array(struct parser *ps) {
  size_t i = skip_blanks(ps, ps->pos + 1);
  if (i >= ps->end || !(is_digit(ps->s[i]) || ps->s[i] == '-' || ps->s[i] == ':'))
    return false;
  const char *close = memchr(ps->s + ps->pos + 1, ']', ps->end - ps->pos - 1);
  if (close == NULL)
    return false;
  size_t a = ps->pos + 1, b = (size_t)(close - ps->s);
  bool slice = false;
  for (size_t k = a; k < b; k++) {
    char c = ps->s[k];
    if (!is_digit(c) && c != ',' && c != '-' && c != ':' && c != ' ')
      return false;
    slice |= c == ':';
  }
  if (slice) {
    /* Java's split(":") drops trailing empty parts and we ignore a third. */
    while (a < b && ps->s[a] == ' ')
      a++;
    while (b > a && ps->s[b - 1] == ' ')
      b--;
    const char *colon = memchr(ps->s + a, ':', b - a);
    size_t c1 = (size_t)(colon - ps->s);
    const char *colon2 = memchr(ps->s + c1 + 1, ':', b - c1 - 1);
    size_t e2 = colon2 ? (size_t)(colon2 - ps->s) : b;
    struct step *st = add_step(ps, ST_SLICE, ps->pos);
    st->has_from = c1 > a;
    st->has_to = e2 > c1 + 1;
    bool ok = (!st->has_from || parse_int(ps->s, a, c1, &st->from)) &&
              (!st->has_to || parse_int(ps->s, c1 + 1, e2, &st->to)) && (st->has_from || st->has_to);
    for (size_t k = a; k < b; k++)
      ok &= ps->s[k] != ' ';
    if (!ok)
      perr(ps, ps->pos, "Failed to parse SliceOperation: %.*s", (int)(b - a), ps->s + a);
  } else {
    size_t n = 1;
    for (size_t k = a; k < b; k++)
      n += ps->s[k] == ',';
    struct step *st = add_step(ps, n == 1 ? ST_INDEX : ST_INDEXES, ps->pos);
    st->idx = sd_xcalloc(n, sizeof *st->idx);
    size_t start = a;
    for (size_t k = a; k <= b; k++) {
      if (k < b && ps->s[k] != ',')
        continue;
      if (!parse_int(ps->s, start, k, &st->idx[st->nidx++]))
        perr(ps, start, "Failed to parse token in ArrayIndexOperation: %.*s", (int)(k - start),
             ps->s + start);
      start = k + 1;
    }
  }
  ps->pos = b + 1;
  return true;
}

/* ['a'] or ["a"] or ['a','b']. Names are kept as written between the
 * quotes: a backslash only keeps the next character from closing the name,
 * as in the Jayway build AWS runs (the conformance corpus finds the key
 * `Test\""Name"` with the path $['Test\""Name"']). */
static bool read_bracket_names(struct parser *ps) {
  size_t i = skip_blanks(ps, ps->pos + 1);
  if (i >= ps->end || (ps->s[i] != '\'' && ps->s[i] != '"'))
    return false;
  char q = ps->s[i];
  struct step *st = add_step(ps, ST_NAME, ps->pos);
  bool in_name = false, escaped = false, last_comma = false;
  size_t start = 0, k;
  for (k = ps->pos + 1; k < ps->end; k++) {
    char c = ps->s[k];
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ']' && !in_name) {
      if (last_comma)
        perr(ps, k, "Found empty property");
      break;
    } else if (c == q) {
      if (in_name) {
        size_t nx = skip_blanks(ps, k + 1);
        if (nx >= ps->end || (ps->s[nx] != ']' && ps->s[nx] != ','))
          perr(ps, k, "Property must be separated by comma or terminated by a close square bracket");
        step_add_name(st, ps->s + start, k - start);
        in_name = false;
      } else {
        start = k + 1;
        in_name = true;
        last_comma = false;
      }
    } else if (c == ',' && !in_name) {
      if (last_comma)
        perr(ps, k, "Found empty property");
      last_comma = true;
    }
  }
  if (in_name)
    perr(ps, start - 1, "Property has not been closed - missing closing %c", q);
  if (!ps->failed && (k >= ps->end || st->nnames == 0))
    perr(ps, ps->pos, "Property has not been closed - missing closing ]");
  if (st->nnames > 1) {
    st->kind = ST_NAMES;
    if (ps->flags & SD_PATH_REF)
      perr(ps, ps->pos, "A Reference Path can not contain a property union");
  }
  ps->pos = k + 1;
  return true;
}

/* Finds the parenthesis closing the one at `open`, skipping quoted
 * strings; returns end when there is none. */
static size_t closing_paren(const struct parser *ps, size_t open) {
  int depth = 0;
  for (size_t i = open; i < ps->end; i++) {
    char c = ps->s[i];
    if (c == '\'' || c == '"') {
      for (i++; i < ps->end && ps->s[i] != c; i++)
        if (ps->s[i] == '\\')
          i++;
      if (i >= ps->end)
        return ps->end;
    } else if (c == '(') {
      depth++;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return ps->end;
}

static struct filter *filter_compile(struct parser *ps, size_t a, size_t b);

/* [?(expression)] */
static bool read_filter(struct parser *ps) {
  size_t q = skip_blanks(ps, ps->pos + 1);
  if (q >= ps->end || ps->s[q] != '?')
    return false;
  size_t open = skip_blanks(ps, q + 1);
  if (open >= ps->end || ps->s[open] != '(')
    return false;
  size_t close = closing_paren(ps, open);
  if (close >= ps->end)
    return false;
  size_t rb = skip_blanks(ps, close + 1);
  if (rb >= ps->end || ps->s[rb] != ']')
    return false;
  struct step *st = add_step(ps, ST_FILTER, ps->pos);
  st->filter = filter_compile(ps, open + 1, close); /* sub-paths compile into their own sd_path */
  ps->pos = rb + 1;
  return true;
}

static bool read_wildcard_bracket(struct parser *ps) {
  size_t w = skip_blanks(ps, ps->pos + 1);
  if (w >= ps->end || ps->s[w] != '*')
    return false;
  size_t rb = skip_blanks(ps, w + 1);
  if (rb >= ps->end || ps->s[rb] != ']') {
    perr(ps, w + 1, "Expected wildcard token to end with ']'");
    return true;
  }
  add_step(ps, ST_WILD, ps->pos);
  ps->pos = rb + 1;
  return true;
}

/* A name after '.' (or directly after ']' as Jayway allows), or the
 * length() function. Everything up to '.', '[' or '(' is the name, so
 * `$.delivery-partner` works as it does on AWS; a blank is an error. */
static void read_name(struct parser *ps) {
  size_t start = ps->pos, k;
  if (ps->s[start] == ' ') {
    perr(ps, start, "Could not parse token");
    return;
  }
  for (k = start; k < ps->end; k++) {
    char c = ps->s[k];
    if (c == ' ') {
      perr(ps, k, "Use bracket notation ['my prop'] if your property contains blank characters");
      return;
    }
    if (c == '.' || c == '[' || c == '(')
      break;
  }
  if (k < ps->end && ps->s[k] == '(') {
    if (k - start != 6 || memcmp(ps->s + start, "length", 6) != 0) {
      perr(ps, start, "Function '%.*s' is not supported", (int)(k - start), ps->s + start);
      return;
    }
    size_t c = skip_blanks(ps, k + 1);
    if (c >= ps->end || ps->s[c] != ')') {
      perr(ps, k, "Function 'length' takes no arguments");
      return;
    }
    add_step(ps, ST_LENGTH, start);
    if (c + 1 != ps->end)
      perr(ps, c + 1, "A function must end the path");
    ps->pos = c + 1;
    return;
  }
  struct step *st = add_step(ps, ST_NAME, start);
  step_add_name(st, ps->s + start, k - start);
  ps->pos = k;
}

static void read_tokens(struct parser *ps) {
  while (!ps->failed && ps->pos < ps->end) {
    char c = ps->s[ps->pos];
    if (c == '[') {
      if (!read_bracket_names(ps) && !read_array(ps) && !read_wildcard_bracket(ps) && !read_filter(ps))
        perr(ps, ps->pos, "Could not parse token, expected ?, ', 0-9 or *");
    } else if (c == '.') {
      if (ps->pos + 1 < ps->end && ps->s[ps->pos + 1] == '.') {
        add_step(ps, ST_SCAN, ps->pos);
        ps->pos += 2;
      } else {
        ps->pos++;
      }
      if (ps->pos >= ps->end) {
        perr(ps, ps->pos, "Path must not end with a '.' or '..'");
      } else if (ps->s[ps->pos] == '.') {
        perr(ps, ps->pos, "Character '.' is not valid");
      } else if (ps->s[ps->pos] == '*') {
        add_step(ps, ST_WILD, ps->pos);
        ps->pos++;
      } else if (ps->s[ps->pos] != '[') {
        read_name(ps);
      }
    } else if (c == '*') {
      add_step(ps, ST_WILD, ps->pos);
      ps->pos++;
    } else {
      read_name(ps);
    }
  }
}

static void finish(struct sd_path *p) {
  p->definite = true;
  p->ref = true;
  for (size_t i = 0; i < p->nsteps; i++) {
    enum step_kind k = p->steps[i].kind;
    bool last = i + 1 == p->nsteps;
    if (!(k == ST_NAME || k == ST_INDEX || k == ST_LENGTH || (k == ST_NAMES && last)))
      p->definite = false;
    if (k != ST_NAME && k != ST_INDEX)
      p->ref = false;
  }
}

static struct sd_path *compile_text(const char *s, size_t len, size_t base, bool allow_at, unsigned flags,
                                    struct sd_err *err) {
  /* One allocation: the path, its steps and its text. Every step but the
   * first follows a '.', '[', ']' or '*' of the text, which bounds them. */
  size_t cap = 1;
  for (size_t i = 0; i < len; i++)
    cap += s[i] == '.' || s[i] == '[' || s[i] == ']' || s[i] == '*';
  size_t head = sizeof(struct sd_path) + cap * sizeof(struct step);
  char *blk = sd_xmalloc(head + len + 1);
  struct sd_path *p = (struct sd_path *)(void *)blk;
  memset(p, 0, sizeof *p);
  p->refs = 1;
  p->steps = (struct step *)(void *)(blk + sizeof(struct sd_path));
  p->text = blk + head;
  memcpy(p->text, s, len);
  p->text[len] = '\0';
  struct parser ps = {
    .s = p->text, .end = len, .base = base, .p = p, .cap = cap, .flags = flags, .err = err
  };
  while (ps.end > 0 && is_blank(ps.s[ps.end - 1]))
    ps.end--;
  if (ps.end == 0 || !(ps.s[0] == '$' || (allow_at && ps.s[0] == '@'))) {
    perr(&ps, 0, "A path must start with '$'");
  } else {
    p->relative = ps.s[0] == '@';
    ps.pos = 1;
    if (!p->relative && ps.end > 1 && ps.s[1] == '$') {
      p->context = true;
      ps.pos = 2;
    }
    if (ps.s[ps.end - 1] == '.')
      perr(&ps, ps.end - 1, "Path must not end with a '.' or '..'");
    else if (ps.pos < ps.end && ps.s[ps.pos] != '.' && ps.s[ps.pos] != '[')
      perr(&ps, ps.pos, "Illegal character '%c', expected '.' or '['", ps.s[ps.pos]);
    read_tokens(&ps);
  }
  if (ps.failed) {
    sd_path_free(p);
    return NULL;
  }
  finish(p);
  return p;
}

static void release_path(void *p) {
  sd_path_free(p);
}

struct sd_path *sd_path_compile(const char *text, unsigned flags, struct sd_err *err) {
  if (text == NULL) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "A path must be a string");
    return NULL;
  }
  size_t len = strlen(text);
  struct sd_path *p = sd_intern_find(SD_INTERN_PATH, text, len, flags);
  if (p != NULL)
    return path_ref(p);
  p = compile_text(text, len, 0, false, flags, err);
  if (p != NULL)
    sd_intern_add(SD_INTERN_PATH, path_ref(p), sd_path_text(p), len, flags, release_path);
  return p;
}

/* ---- filter expressions ------------------------------------------------ */

struct fparser {
  struct parser *ps; /* for s, base and error reporting */
  size_t pos, end;
};

static void fskip(struct fparser *fp) {
  while (fp->pos < fp->end && is_blank(fp->ps->s[fp->pos]))
    fp->pos++;
}

static bool fpeek2(struct fparser *fp, const char *two) {
  return fp->pos + 1 < fp->end && fp->ps->s[fp->pos] == two[0] && fp->ps->s[fp->pos + 1] == two[1];
}

static struct filter *fnode(enum fop op) {
  struct filter *f = sd_xcalloc(1, sizeof *f);
  f->op = op;
  return f;
}

/* A path operand runs to the first blank, operator or unbalanced ')'
 * outside brackets; brackets may hold nested filters and quoted names. */
static bool read_path_operand(struct fparser *fp, struct operand *o) {
  const char *s = fp->ps->s;
  size_t start = fp->pos, i = fp->pos;
  int brackets = 0, parens = 0;
  for (; i < fp->end; i++) {
    char c = s[i];
    if (brackets > 0 && (c == '\'' || c == '"')) {
      for (i++; i < fp->end && s[i] != c; i++)
        if (s[i] == '\\')
          i++;
    } else if (c == '[') {
      brackets++;
    } else if (c == ']') {
      brackets--;
    } else if (c == '(') {
      parens++;
    } else if (c == ')') {
      if (parens == 0 && brackets == 0)
        break;
      parens--;
    } else if (brackets == 0 && parens == 0 && (is_blank(c) || strchr("=!<>&|", c) != NULL)) {
      break;
    }
  }
  fp->pos = i;
  o->path = compile_text(s + start, i - start, fp->ps->base + start, true, 0, fp->ps->err);
  if (o->path == NULL) {
    fp->ps->failed = true;
    return false;
  }
  return true;
}

/* Backslash escapes in filter string literals, as Jayway's unescape. */
static json_t *read_string_literal(struct fparser *fp) {
  const char *s = fp->ps->s;
  char q = s[fp->pos];
  struct sd_buf b = { 0 };
  size_t i;
  for (i = fp->pos + 1; i < fp->end && s[i] != q; i++) {
    char c = s[i];
    if (c == '\\' && i + 1 < fp->end) {
      c = s[++i];
      static const char from[] = "nrtbf", to[] = "\n\r\t\b\f";
      const char *m = strchr(from, c);
      if (m != NULL && c != '\0')
        c = to[m - from];
    }
    sd_buf_putc(&b, c);
  }
  if (i >= fp->end) {
    perr(fp->ps, fp->pos, "Unterminated string literal");
    sd_buf_free(&b);
    return NULL;
  }
  fp->pos = i + 1;
  json_t *v = json_stringn(b.data ? b.data : "", b.len);
  sd_buf_free(&b);
  if (v == NULL)
    perr(fp->ps, fp->pos, "Invalid UTF-8 in string literal");
  return v;
}

static json_t *read_other_literal(struct fparser *fp) {
  const char *s = fp->ps->s;
  size_t i = fp->pos;
  char c = s[i];
  if (c == '[' || c == '{') {
    /* A JSON literal: find its balanced end, then let Jansson parse it. */
    int depth = 0;
    for (; i < fp->end; i++) {
      if (s[i] == '"') {
        for (i++; i < fp->end && s[i] != '"'; i++)
          if (s[i] == '\\')
            i++;
      } else if (s[i] == '[' || s[i] == '{') {
        depth++;
      } else if ((s[i] == ']' || s[i] == '}') && --depth == 0) {
        break;
      }
    }
    json_t *v = i < fp->end ? json_loadb(s + fp->pos, i + 1 - fp->pos, JSON_DECODE_ANY, NULL) : NULL;
    if (v == NULL)
      perr(fp->ps, fp->pos, "Invalid JSON literal");
    fp->pos = i + 1;
    return v;
  }
  while (i < fp->end && (is_digit(s[i]) || strchr("-+.eEaeflnrstu", s[i]) != NULL))
    i++;
  size_t n = i - fp->pos;
  json_t *v = NULL;
  if (n == 4 && memcmp(s + fp->pos, "true", 4) == 0)
    v = json_true();
  else if (n == 5 && memcmp(s + fp->pos, "false", 5) == 0)
    v = json_false();
  else if (n == 4 && memcmp(s + fp->pos, "null", 4) == 0)
    v = json_null();
  else if (n > 0 && n < 64 && (is_digit(s[fp->pos]) || s[fp->pos] == '-'))
    v = json_loadb(s + fp->pos, n, JSON_DECODE_ANY, NULL);
  if (v == NULL || !(json_is_number(v) || json_is_boolean(v) || json_is_null(v))) {
    json_decref(v);
    perr(fp->ps, fp->pos, "Unexpected literal in filter");
    return NULL;
  }
  fp->pos = i;
  return v;
}

static bool read_operand(struct fparser *fp, struct operand *o) {
  fskip(fp);
  if (fp->pos >= fp->end) {
    perr(fp->ps, fp->pos, "Expected a value in filter");
    return false;
  }
  char c = fp->ps->s[fp->pos];
  if (c == '@' || c == '$')
    return read_path_operand(fp, o);
  if (c == '/') {
    perr(fp->ps, fp->pos, "Regular expressions are not supported in filters");
    return false;
  }
  o->lit = (c == '\'' || c == '"') ? read_string_literal(fp) : read_other_literal(fp);
  return o->lit != NULL;
}

static bool at_expr_end(struct fparser *fp) {
  fskip(fp);
  return fp->pos >= fp->end || fp->ps->s[fp->pos] == ')' || fpeek2(fp, "&&") || fpeek2(fp, "||");
}

static struct filter *f_or(struct fparser *fp);

static struct filter *f_relation(struct fparser *fp) {
  struct filter *f = fnode(F_EXISTS);
  if (!read_operand(fp, &f->l))
    goto fail;
  if (at_expr_end(fp)) {
    if (f->l.path == NULL) {
      perr(fp->ps, fp->pos, "Expected an operator after a literal");
      goto fail;
    }
    return f;
  }
  static const struct {
    const char *text;
    enum fop op;
  } ops[] = { { "==", F_EQ }, { "!=", F_NE }, { "<=", F_LE }, { ">=", F_GE }, { "<", F_LT }, { ">", F_GT } };
  const char *s = fp->ps->s + fp->pos;
  size_t left = fp->end - fp->pos;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = strlen(ops[i].text);
    if (left >= n && memcmp(s, ops[i].text, n) == 0 && !(left > n && s[n] == '=')) {
      f->op = ops[i].op;
      fp->pos += n;
      if (!read_operand(fp, &f->r))
        goto fail;
      return f;
    }
  }
  perr(fp->ps, fp->pos, "Unsupported filter operator");
fail:
  filter_free(f);
  return NULL;
}

static struct filter *f_unary(struct fparser *fp) {
  fskip(fp);
  const char *s = fp->ps->s;
  if (fp->pos < fp->end && s[fp->pos] == '!' && !fpeek2(fp, "!=")) {
    fp->pos++;
    struct filter *inner = f_unary(fp);
    if (inner == NULL)
      return NULL;
    struct filter *f = fnode(F_NOT);
    f->a = inner;
    return f;
  }
  if (fp->pos < fp->end && s[fp->pos] == '(') {
    fp->pos++;
    struct filter *f = f_or(fp);
    fskip(fp);
    if (f != NULL && (fp->pos >= fp->end || s[fp->pos] != ')')) {
      perr(fp->ps, fp->pos, "Expected ')' in filter");
      filter_free(f);
      return NULL;
    }
    fp->pos++;
    return f;
  }
  return f_relation(fp);
}

static struct filter *f_binary(struct fparser *fp, bool is_or) {
  struct filter *l = is_or ? f_binary(fp, false) : f_unary(fp);
  while (l != NULL) {
    fskip(fp);
    if (!fpeek2(fp, is_or ? "||" : "&&"))
      break;
    fp->pos += 2;
    struct filter *r = is_or ? f_binary(fp, false) : f_unary(fp);
    if (r == NULL) {
      filter_free(l);
      return NULL;
    }
    struct filter *f = fnode(is_or ? F_OR : F_AND);
    f->a = l;
    f->b = r;
    l = f;
  }
  return l;
}

static struct filter *f_or(struct fparser *fp) {
  return f_binary(fp, true);
}

static struct filter *filter_compile(struct parser *ps, size_t a, size_t b) {
  struct fparser fp = { .ps = ps, .pos = a, .end = b };
  struct filter *f = f_or(&fp);
  fskip(&fp);
  if (f != NULL && fp.pos < fp.end) {
    perr(ps, fp.pos, "Unexpected character '%c' in filter", ps->s[fp.pos]);
    filter_free(f);
    return NULL;
  }
  if (f == NULL && !ps->failed)
    perr(ps, a, "Invalid filter");
  return f;
}

/* ---- accessors --------------------------------------------------------- */

const char *sd_path_text(const struct sd_path *p) {
  return p->text;
}

bool sd_path_is_context(const struct sd_path *p) {
  return p->context;
}

bool sd_path_is_root(const struct sd_path *p) {
  return p->nsteps == 0;
}

bool sd_path_is_member(const struct sd_path *p, const char **name, size_t *len) {
  if (p->context || !p->ref || p->nsteps != 1 || p->steps[0].kind != ST_NAME)
    return false;
  *name = p->steps[0].names[0];
  *len = p->steps[0].lens[0];
  return true;
}

bool sd_path_is_definite(const struct sd_path *p) {
  return p->definite;
}

/* ---- messages ---------------------------------------------------------- */

/* Jayway's path fragments, which AWS quotes in its causes: $['a'][0]. */
static void frag(struct sd_buf *b, const struct step *st) {
  switch (st->kind) {
    case ST_NAME:
    case ST_NAMES:
      sd_buf_putc(b, '[');
      for (size_t i = 0; i < st->nnames; i++) {
        sd_buf_puts(b, i ? ",'" : "'");
        sd_buf_add(b, st->names[i], st->lens[i]);
        sd_buf_putc(b, '\'');
      }
      sd_buf_putc(b, ']');
      break;
    case ST_INDEX:
    case ST_INDEXES:
      sd_buf_putc(b, '[');
      for (size_t i = 0; i < st->nidx; i++)
        sd_buf_printf(b, i ? ",%ld" : "%ld", st->idx[i]);
      sd_buf_putc(b, ']');
      break;
    case ST_SLICE:
      sd_buf_putc(b, '[');
      if (st->has_from)
        sd_buf_printf(b, "%ld", st->from);
      sd_buf_putc(b, ':');
      if (st->has_to)
        sd_buf_printf(b, "%ld", st->to);
      sd_buf_putc(b, ']');
      break;
    case ST_WILD:
      sd_buf_puts(b, "[*]");
      break;
    case ST_SCAN:
      sd_buf_puts(b, "..");
      break;
    case ST_FILTER:
      sd_buf_puts(b, "[?]");
      break;
    case ST_LENGTH:
      sd_buf_puts(b, ".length()");
      break;
  }
}

/* Fragments of steps [from, to), after "$" when from is 0. */
static char *fragments(const struct sd_path *p, size_t from, size_t to) {
  struct sd_buf b = { 0 };
  if (from == 0)
    sd_buf_putc(&b, '$');
  for (size_t i = from; i < to; i++)
    frag(&b, &p->steps[i]);
  if (b.data == NULL)
    sd_buf_puts(&b, "");
  return sd_buf_steal(&b);
}

/* The Java class Jayway's default provider (json-smart) would name. */
static const char *java_class(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_STRING:
      return "java.lang.String";
    case JSON_INTEGER: {
      json_int_t i = json_integer_value(v);
      return i >= INT_MIN && i <= INT_MAX ? "java.lang.Integer" : "java.lang.Long";
    }
    case JSON_REAL:
      return "java.lang.Double";
    case JSON_TRUE:
    case JSON_FALSE:
      return "java.lang.Boolean";
    case JSON_ARRAY:
      return "net.minidev.json.JSONArray";
    case JSON_OBJECT:
      return "net.minidev.json.JSONObject";
    case JSON_NULL:
      break;
  }
  return "null";
}

/* Java's toString of a model: JSON for containers, the bare text for a
 * string. New string. */
static char *java_text(const json_t *v) {
  if (json_is_string(v))
    return sd_xstrndup(json_string_value(v), json_string_length(v));
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  return s ? s : sd_xstrdup("null");
}

/* All of a path's runtime errors are States.Runtime with Jayway's message
 * behind AWS's "Invalid path" prefix. */
__attribute__((format(printf, 3, 4))) static json_t *fail(const struct sd_path *p, struct sd_err *err,
                                                          const char *fmt, ...) {
  if (err == NULL)
    return NULL;
  va_list ap;
  va_start(ap, fmt);
  char *msg = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_err_set(err, SD_E_RUNTIME, "Invalid path '%s' : %s", p->text, msg);
  free(msg);
  return NULL;
}

static json_t *fail_no_results(const struct sd_path *p, struct sd_err *err) {
  if (err == NULL)
    return NULL;
  char *all = fragments(p, 0, p->nsteps);
  fail(p, err, "No results for path: %s", all);
  free(all);
  return NULL;
}

/* ---- definite paths ---------------------------------------------------- */

/* Jayway's length() of `v` (borrowed); new reference. */
static json_t *length_of(json_t *v) {
  if (json_is_array(v))
    return json_integer((json_int_t)json_array_size(v));
  if (json_is_object(v))
    return json_integer((json_int_t)json_object_size(v));
  return json_null(); /* Jayway's length() answers null for anything else */
}

/* A leaf ['a','b']: the named members that exist, merged into a new
 * object (Jayway's "multi property merge"). */
static json_t *merge_names(const struct step *st, json_t *obj) {
  json_t *m = json_object();
  for (size_t i = 0; i < st->nnames; i++) {
    json_t *v = json_object_getn(obj, st->names[i], st->lens[i]);
    if (v != NULL)
      json_object_setn(m, st->names[i], st->lens[i], v);
  }
  return m;
}

/* Walks a definite path without allocating. `doc` is borrowed. Returns a
 * new reference, or NULL with err set (when err is not NULL) to the cause
 * Jayway gives at the step that failed. */
static json_t *get_definite(const struct sd_path *p, json_t *doc, struct sd_err *err) {
  json_t *node = doc;
  for (size_t i = 0; i < p->nsteps; i++) {
    const struct step *st = &p->steps[i];
    bool leaf = i + 1 == p->nsteps;
    if (st->kind == ST_NAME || st->kind == ST_NAMES) {
      if (!json_is_object(node)) {
        if (err == NULL)
          return NULL;
        char *at = fragments(p, 0, i), *want = fragments(p, i, i + 1);
        fail(p, err,
             "Expected to find an object with property %s in path %s but found '%s'. This is not a json "
             "object "
             "according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
             want, at, java_class(node));
        free(at);
        free(want);
        return NULL;
      }
      if (st->kind == ST_NAMES)
        return merge_names(st, node); /* only ever the last step of a definite path */
      json_t *v = json_object_getn(node, st->names[0], st->lens[0]);
      if (v == NULL) {
        if (leaf || err == NULL)
          return fail_no_results(p, err);
        char *at = fragments(p, 0, i + 1);
        fail(p, err, "Missing property in path %s", at);
        free(at);
        return NULL;
      }
      node = v;
    } else if (st->kind == ST_INDEX) {
      if (!json_is_array(node)) {
        if (err == NULL)
          return NULL;
        char *at = fragments(p, 0, i);
        if (json_is_null(node)) {
          fail(p, err, "The path %s is null", at);
        } else {
          char *rest = fragments(p, i, p->nsteps), *model = java_text(node);
          fail(p, err, "Filter: %s can only be applied to arrays. Current context is: %s", rest, model);
          free(rest);
          free(model);
        }
        free(at);
        return NULL;
      }
      long n = (long)json_array_size(node), k = st->idx[0] < 0 ? n + st->idx[0] : st->idx[0];
      if (k < 0 || k >= n)
        return fail_no_results(p, err); /* Jayway skips a missing index, then finds nothing */
      node = json_array_get(node, (size_t)k);
    } else { /* ST_LENGTH, the only other kind in a definite path */
      return length_of(node);
    }
  }
  return json_incref(node);
}

/* ---- indefinite paths -------------------------------------------------- */

struct walk {
  json_t *root; /* what '$' means inside filters; borrowed */
  json_t *out;  /* the matches; owned */
};

static bool filter_test(const struct filter *f, json_t *item, json_t *root);
static void walk(const struct sd_path *p, size_t i, json_t *node, struct walk *w);

static void walk_index(const struct sd_path *p, size_t i, json_t *arr, long k, struct walk *w) {
  long n = (long)json_array_size(arr);
  if (k < 0)
    k += n;
  if (k >= 0 && k < n)
    walk(p, i + 1, json_array_get(arr, (size_t)k), w);
}

/* Jayway's slice arithmetic, odd corners included: [a:b] does not wrap a
 * negative `a` itself but visits the negative indexes, which wrap one by
 * one ([-5:2] on three items visits 0, 1, 2, 0, 1). */
static void walk_slice(const struct sd_path *p, size_t i, const struct step *st, json_t *arr,
                       struct walk *w) {
  long n = (long)json_array_size(arr), from, to;
  if (n == 0)
    return;
  if (st->has_from && !st->has_to) {
    from = st->from < 0 ? n + st->from : st->from;
    for (long k = from < 0 ? 0 : from; k < n; k++)
      walk_index(p, i, arr, k, w);
  } else if (st->has_from) {
    to = st->to < n ? st->to : n;
    for (long k = st->from; k < to; k++)
      walk_index(p, i, arr, k, w);
  } else {
    to = st->to < 0 ? n + st->to : st->to;
    for (long k = 0; k < (to < n ? to : n); k++)
      walk_index(p, i, arr, k, w);
  }
}

/* Whether the scan hands `node` to the step after "..": Jayway's scan
 * predicates. */
static bool scan_match(const struct sd_path *p, size_t j, json_t *node, json_t *root) {
  const struct step *st = &p->steps[j];
  switch (st->kind) {
    case ST_NAME:
    case ST_NAMES:
      if (!json_is_object(node))
        return false;
      if (st->kind == ST_NAMES && j + 1 < p->nsteps)
        return true;
      for (size_t k = 0; k < st->nnames; k++)
        if (json_object_getn(node, st->names[k], st->lens[k]) == NULL)
          return false;
      return true;
    case ST_INDEX:
    case ST_INDEXES:
    case ST_SLICE:
      return json_is_array(node);
    case ST_WILD:
      return true;
    case ST_FILTER:
      return filter_test(st->filter, node, root);
    default:
      return false;
  }
}

/* Pre-order over every object and array below (and including) `node`.
 * On an array that matches, a non-final step is skipped and the one after
 * it applied to each element: Jayway's walkArray does exactly that. */
static void scan(const struct sd_path *p, size_t j, json_t *node, struct walk *w) {
  if (json_is_object(node)) {
    if (scan_match(p, j, node, w->root))
      walk(p, j, node, w);
    const char *key;
    json_t *v;
    json_object_foreach(node, key, v) {
      scan(p, j, v, w);
    }
  } else if (json_is_array(node)) {
    size_t k;
    json_t *v;
    if (scan_match(p, j, node, w->root)) {
      if (j + 1 == p->nsteps) {
        walk(p, j, node, w);
      } else {
        json_array_foreach(node, k, v) {
          walk(p, j + 1, v, w);
        }
      }
    }
    json_array_foreach(node, k, v) {
      scan(p, j, v, w);
    }
  }
}

/* Applies steps[i..] to `node` (borrowed), appending matches to w->out.
 * Nothing here fails: an indefinite path that meets a missing member or a
 * value of the wrong type just yields fewer matches, which is what AWS
 * does (the corpus: "$.items[*]" on {} gives []). */
static void walk(const struct sd_path *p, size_t i, json_t *node, struct walk *w) {
  if (i == p->nsteps) {
    json_array_append(w->out, node);
    return;
  }
  const struct step *st = &p->steps[i];
  const char *key;
  json_t *v;
  size_t k;
  switch (st->kind) {
    case ST_NAME:
    case ST_NAMES:
      if (!json_is_object(node))
        return;
      if (st->kind == ST_NAMES && i + 1 == p->nsteps) {
        json_array_append_new(w->out, merge_names(st, node));
        return;
      }
      for (k = 0; k < st->nnames; k++) {
        v = json_object_getn(node, st->names[k], st->lens[k]);
        if (v != NULL)
          walk(p, i + 1, v, w);
      }
      return;
    case ST_INDEX:
    case ST_INDEXES:
      if (json_is_array(node))
        for (k = 0; k < st->nidx; k++)
          walk_index(p, i, node, st->idx[k], w);
      return;
    case ST_SLICE:
      if (json_is_array(node))
        walk_slice(p, i, st, node, w);
      return;
    case ST_WILD:
      if (json_is_object(node)) {
        json_object_foreach(node, key, v) {
          walk(p, i + 1, v, w);
        }
      } else if (json_is_array(node)) {
        json_array_foreach(node, k, v) {
          walk(p, i + 1, v, w);
        }
      }
      return;
    case ST_SCAN:
      scan(p, i + 1, node, w);
      return;
    case ST_FILTER:
      /* On an object the filter tests the object itself, on an array each
       * element; primitives are skipped. */
      if (json_is_object(node)) {
        if (filter_test(st->filter, node, w->root))
          walk(p, i + 1, node, w);
      } else if (json_is_array(node)) {
        json_array_foreach(node, k, v) {
          if (filter_test(st->filter, v, w->root))
            walk(p, i + 1, v, w);
        }
      }
      return;
    case ST_LENGTH:
      json_array_append_new(w->out, length_of(node));
      return;
  }
}

/* Evaluates without error messages: a definite path gives its node or
 * NULL, an indefinite one an array. New reference. */
static json_t *eval_quiet(const struct sd_path *p, json_t *doc, json_t *root) {
  if (p->definite)
    return get_definite(p, doc, NULL);
  struct walk w = { .root = root, .out = json_array() };
  walk(p, 0, doc, &w);
  return w.out;
}

/* ---- filter evaluation ------------------------------------------------- */

/* The value of a filter operand for `item` (borrowed): a new reference, or
 * NULL when a definite path finds nothing (Jayway's "undefined"). */
static json_t *operand_value(const struct operand *o, json_t *item, json_t *root) {
  if (o->path == NULL)
    return json_incref(o->lit);
  return eval_quiet(o->path, o->path->relative ? item : root, root);
}

/* Strictly parses a whole string as a JSON number. */
static bool string_number(const json_t *s, double *out) {
  const char *t = json_string_value(s);
  char *end;
  if (*t == '\0' || is_blank(*t))
    return false;
  errno = 0;
  *out = strtod(t, &end);
  return errno == 0 && *end == '\0' && (size_t)(end - t) == json_string_length(s);
}

static int num_cmp(const json_t *a, const json_t *b) {
  if (json_is_integer(a) && json_is_integer(b)) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    return (x > y) - (x < y);
  }
  double x = json_number_value(a), y = json_number_value(b);
  return (x > y) - (x < y);
}

/* Jayway's ValueNode equality: numbers by value, a number equals a string
 * holding the same number, containers structurally, nothing equals a
 * missing value. */
static bool values_equal(const json_t *l, const json_t *r) {
  if (l == NULL || r == NULL)
    return false;
  if (json_is_number(l) && json_is_number(r))
    return num_cmp(l, r) == 0;
  if (json_is_number(l) != json_is_number(r) && (json_is_string(l) || json_is_string(r))) {
    const json_t *s = json_is_string(l) ? l : r, *n = json_is_string(l) ? r : l;
    double d;
    return string_number(s, &d) && d == json_number_value(n);
  }
  if (json_typeof(l) != json_typeof(r))
    return false;
  return json_equal((json_t *)l, (json_t *)r);
}

/* <, <=, >, >= hold only between two numbers or two strings (compared by
 * code point, which UTF-8 byte order gives). */
static bool values_order(const json_t *l, const json_t *r, enum fop op) {
  int c;
  if (l != NULL && r != NULL && json_is_number(l) && json_is_number(r)) {
    c = num_cmp(l, r);
  } else if (l != NULL && r != NULL && json_is_string(l) && json_is_string(r)) {
    size_t a = json_string_length(l), b = json_string_length(r);
    c = memcmp(json_string_value(l), json_string_value(r), a < b ? a : b);
    if (c == 0)
      c = (a > b) - (a < b);
  } else {
    return false;
  }
  switch (op) {
    case F_LT:
      return c < 0;
    case F_LE:
      return c <= 0;
    case F_GT:
      return c > 0;
    default:
      return c >= 0;
  }
}

static bool filter_test(const struct filter *f, json_t *item, json_t *root) {
  switch (f->op) {
    case F_OR:
      return filter_test(f->a, item, root) || filter_test(f->b, item, root);
    case F_AND:
      return filter_test(f->a, item, root) && filter_test(f->b, item, root);
    case F_NOT:
      return !filter_test(f->a, item, root);
    case F_EXISTS: {
      json_t *v = operand_value(&f->l, item, root);
      bool found = v != NULL && (f->l.path->definite || json_array_size(v) > 0);
      json_decref(v);
      return found;
    }
    default: {
      json_t *l = operand_value(&f->l, item, root), *r = operand_value(&f->r, item, root);
      bool res;
      if (f->op == F_EQ)
        res = values_equal(l, r);
      else if (f->op == F_NE)
        res = !values_equal(l, r);
      else
        res = values_order(l, r, f->op);
      json_decref(l);
      json_decref(r);
      return res;
    }
  }
}

/* ---- the public evaluators -------------------------------------------- */

json_t *sd_path_get(const struct sd_path *p, json_t *doc, const struct sd_eval_env *env, struct sd_err *err) {
  json_t *empty = NULL;
  if (p->context) {
    doc = sd_eval_ctx(env);
    if (doc == NULL)
      doc = empty = json_object();
  } else if (doc == NULL || json_is_null(doc)) {
    /* AWS refuses to apply any path to a null state input. */
    sd_err_set(err, SD_E_RUNTIME, "Unable to apply Path transformation to null or empty input.");
    return NULL;
  }
  json_t *res;
  if (p->definite) {
    res = get_definite(p, doc, err);
  } else {
    struct walk w = { .root = doc, .out = json_array() };
    walk(p, 0, doc, &w);
    res = w.out;
  }
  json_decref(empty);
  return res;
}

/* Copies the spine of `node` (borrowed; NULL when missing) down steps[i..]
 * and puts `value` (borrowed) at the end. Everything off the spine is
 * shared, so the cost is the depth of the path times the width of the
 * objects on it. Returns a new reference, or NULL with *bad set to the
 * step that met a non-object (or a missing array element). */
static json_t *put_at(const struct sd_path *p, size_t i, json_t *node, json_t *value, size_t *bad) {
  if (i == p->nsteps)
    return json_incref(value);
  const struct step *st = &p->steps[i];
  if (st->kind == ST_NAME) {
    if (node != NULL && !json_is_object(node)) {
      *bad = i;
      return NULL;
    }
    json_t *old = node ? json_object_getn(node, st->names[0], st->lens[0]) : NULL;
    json_t *child = put_at(p, i + 1, old, value, bad);
    if (child == NULL)
      return NULL;
    json_t *copy = node ? json_copy(node) : json_object();
    json_object_setn_new(copy, st->names[0], st->lens[0], child);
    return copy;
  }
  long n = json_is_array(node) ? (long)json_array_size(node) : 0;
  long k = st->idx[0] < 0 ? n + st->idx[0] : st->idx[0];
  if (!json_is_array(node) || k < 0 || k >= n) {
    *bad = i;
    return NULL;
  }
  json_t *child = put_at(p, i + 1, json_array_get(node, (size_t)k), value, bad);
  if (child == NULL)
    return NULL;
  json_t *copy = json_copy(node);
  json_array_set_new(copy, (size_t)k, child);
  return copy;
}

json_t *sd_path_put(const struct sd_path *p, json_t *input, json_t *value, struct sd_err *err) {
  if (p->context || !p->ref) {
    json_decref(value);
    sd_err_set(err, SD_E_RESULT_PATH_MATCH_FAILURE, "ResultPath '%s' is not a Reference Path into the input",
               p->text);
    return NULL;
  }
  if (p->nsteps == 0)
    return value;
  size_t bad = 0;
  json_t *out = put_at(p, 0, input, value, &bad);
  json_decref(value);
  if (out == NULL && err != NULL) {
    /* AWS names the step it could not apply and the whole input, as in its
     * "Unable to apply step" causes for reference paths. */
    const struct step *st = &p->steps[bad];
    char *in = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    if (st->kind == ST_NAME)
      sd_err_set(err, SD_E_RESULT_PATH_MATCH_FAILURE, "Unable to apply step \"%.*s\" to input %s",
                 (int)st->lens[0], st->names[0], in ? in : "null");
    else
      sd_err_set(err, SD_E_RESULT_PATH_MATCH_FAILURE, "Unable to apply step \"%ld\" to input %s", st->idx[0],
                 in ? in : "null");
    free(in);
  }
  return out;
}
