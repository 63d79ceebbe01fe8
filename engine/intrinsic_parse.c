/* Parses an intrinsic call ("States.Format('{} {}', $.a, States.UUID())")
 * once, at compile time, into a tree of literals, compiled paths and nested
 * calls (engine/intrinsic_priv.h). Evaluation never looks at the text again.
 * Not for: evaluation or the functions themselves (intrinsic_fns.c).
 *
 * Grammar, after the ASL specification ("Intrinsic functions") and AWS:
 *   call    = name ws "(" ws [ arg *( ws "," ws arg ) ] ws ")"
 *   name    = "States." 1*( ALPHA / DIGIT )
 *   arg     = string / number / "true" / "false" / "null" / path / call
 *   string  = "'" *( char / "\'" / "\{" / "\}" / "\\" ) "'"
 *   path    = "$" ... up to the first "," or ")" outside brackets
 * A backslash before anything but ' { } \ is an error: AWS rejects such a
 * definition (SCHEMA_VALIDATION_FAILED), e.g. for \" inside a literal. */
#include "engine/intrinsic.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/intern.h"
#include "engine/intrinsic_priv.h"
#include "engine/path.h"

/* Deeper nesting is surely a mistake, and the parser recurses once per
 * level: the cap keeps a hostile definition from exhausting the stack. */
#define MAX_DEPTH 64

struct parser {
  const char *s; /* the whole text */
  size_t len;
  size_t pos;
  int depth;
  struct sd_err *err;
};

static struct sd_intrinsic_node *parse_call(struct parser *p);

static void fail(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports a syntax error as InvalidDefinition, naming the text and the
 * offending position (0-based), like the path compiler does. */
static void fail(struct parser *p, size_t at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_err_set(p->err, SD_E_INVALID_DEFINITION, "Invalid intrinsic function call '%s': %s at position %zu",
             p->s, msg, at);
  free(msg);
}

static void node_free(struct sd_intrinsic_node *n) {
  if (n == NULL)
    return;
  json_decref(n->lit);
  free(n->holes);
  sd_path_free(n->path);
  for (size_t i = 0; i < n->nargs; i++)
    node_free(n->args[i]);
  free(n->args);
  free(n);
}

static struct sd_intrinsic_node *node_new(enum sd_intrinsic_kind kind, size_t pos) {
  struct sd_intrinsic_node *n = sd_xcalloc(1, sizeof *n);
  n->kind = kind;
  n->pos = pos;
  return n;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct parser *p) {
  while (p->pos < p->len && is_space(p->s[p->pos]))
    p->pos++;
}

/* True when the token that just ended is properly delimited. */
static bool at_delimiter(const struct parser *p) {
  return p->pos >= p->len || is_space(p->s[p->pos]) || p->s[p->pos] == ',' || p->s[p->pos] == ')';
}

/* A single-quoted literal. Records where each unescaped "{}" lands in the
 * decoded string, since only those are States.Format placeholders: "\{}"
 * and "{\}" print braces. */
static struct sd_intrinsic_node *parse_string(struct parser *p) {
  size_t start = p->pos++;
  struct sd_buf buf = { 0 };
  size_t *holes = NULL, nholes = 0, cap = 0;
  sd_buf_add(&buf, "", 0); /* an empty literal still needs a buffer */
  for (;;) {
    if (p->pos >= p->len) {
      fail(p, start, "unterminated string literal");
      goto bad;
    }
    char c = p->s[p->pos];
    if (c == '\'') {
      p->pos++;
      break;
    }
    if (c == '\\') {
      char e = p->pos + 1 < p->len ? p->s[p->pos + 1] : '\0';
      if (e != '\'' && e != '{' && e != '}' && e != '\\') {
        fail(p, p->pos, "invalid escape sequence in string literal");
        goto bad;
      }
      sd_buf_putc(&buf, e);
      p->pos += 2;
      continue;
    }
    if (c == '{' && p->pos + 1 < p->len && p->s[p->pos + 1] == '}') {
      if (nholes == cap) {
        cap = cap ? 2 * cap : 4;
        holes = sd_xrealloc(holes, cap * sizeof *holes);
      }
      holes[nholes++] = buf.len;
      sd_buf_add(&buf, "{}", 2);
      p->pos += 2;
      continue;
    }
    sd_buf_putc(&buf, c);
    p->pos++;
  }
  json_t *v = json_stringn(buf.data, buf.len); /* new */
  sd_buf_free(&buf);
  if (v == NULL) {
    free(holes);
    fail(p, start, "string literal is not valid UTF-8");
    return NULL;
  }
  struct sd_intrinsic_node *n = node_new(SD_INTRINSIC_LIT, start);
  n->lit = v;
  n->holes = holes;
  n->nholes = nholes;
  return n;
bad:
  sd_buf_free(&buf);
  free(holes);
  return NULL;
}

static size_t skip_digits(const struct parser *p, size_t i) {
  while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
    i++;
  return i;
}

/* A JSON-style number: integers become JSON integers (when they fit in 64
 * bits), anything with a fraction or exponent a real. */
static struct sd_intrinsic_node *parse_number(struct parser *p) {
  size_t start = p->pos, i = p->pos;
  bool real = false;
  if (p->s[i] == '-')
    i++;
  size_t d = skip_digits(p, i);
  if (d == i) {
    fail(p, start, "invalid number");
    return NULL;
  }
  i = d;
  if (i < p->len && p->s[i] == '.') {
    d = skip_digits(p, i + 1);
    if (d == i + 1) {
      fail(p, start, "invalid number");
      return NULL;
    }
    i = d;
    real = true;
  }
  if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
    size_t j = i + 1;
    if (j < p->len && (p->s[j] == '+' || p->s[j] == '-'))
      j++;
    d = skip_digits(p, j);
    if (d == j) {
      fail(p, start, "invalid number");
      return NULL;
    }
    i = d;
    real = true;
  }
  p->pos = i;
  if (!at_delimiter(p)) {
    fail(p, p->pos, "unexpected character after number");
    return NULL;
  }
  char *text = sd_xstrndup(p->s + start, i - start);
  json_t *v = NULL;
  if (!real) {
    errno = 0;
    char *end;
    long long ll = strtoll(text, &end, 10);
    if (errno == 0 && *end == '\0')
      v = json_integer(ll);
  }
  if (v == NULL) {
    char *end;
    double dv = strtod(text, &end);
    if (*end == '\0' && isfinite(dv))
      v = json_real(dv);
  }
  free(text);
  if (v == NULL) {
    fail(p, start, "number out of range");
    return NULL;
  }
  struct sd_intrinsic_node *n = node_new(SD_INTRINSIC_LIT, start);
  n->lit = v;
  return n;
}

static struct sd_intrinsic_node *parse_keyword(struct parser *p) {
  static const char *const words[] = { "true", "false", "null" };
  size_t start = p->pos;
  for (size_t k = 0; k < 3; k++) {
    size_t n = strlen(words[k]);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, words[k], n) == 0) {
      p->pos += n;
      if (!at_delimiter(p))
        break;
      struct sd_intrinsic_node *node = node_new(SD_INTRINSIC_LIT, start);
      node->lit = k == 0 ? json_true() : k == 1 ? json_false() : json_null();
      return node;
    }
  }
  fail(p, start, "unexpected character");
  return NULL;
}

/* A path runs to the first "," or ")" (or blank) outside brackets and
 * parentheses, so "$.a['x,y']" and "$.a[?(@.b > 1)]" stay whole. */
static struct sd_intrinsic_node *parse_path(struct parser *p) {
  size_t start = p->pos;
  int depth = 0;
  char quote = 0;
  for (; p->pos < p->len; p->pos++) {
    char c = p->s[p->pos];
    if (quote) {
      if (c == '\\' && p->pos + 1 < p->len)
        p->pos++;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (depth > 0 && (c == '\'' || c == '"'))
      quote = c;
    else if (c == '[' || c == '(')
      depth++;
    else if ((c == ']' || c == ')') && depth > 0)
      depth--;
    else if (depth == 0 && (c == ',' || c == ')' || is_space(c)))
      break;
  }
  char *text = sd_xstrndup(p->s + start, p->pos - start);
  struct sd_err perr = { 0 };
  struct sd_path *path = sd_path_compile(text, 0, &perr);
  if (path == NULL) {
    fail(p, start, "invalid path '%s' (%s)", text, perr.cause ? perr.cause : "syntax error");
    sd_err_clear(&perr);
    free(text);
    return NULL;
  }
  free(text);
  struct sd_intrinsic_node *n = node_new(SD_INTRINSIC_PATH, start);
  n->path = path;
  return n;
}

static struct sd_intrinsic_node *parse_arg(struct parser *p) {
  char c = p->pos < p->len ? p->s[p->pos] : '\0';
  if (c == '\'')
    return parse_string(p);
  if (c == '$')
    return parse_path(p);
  if (c == '-' || (c >= '0' && c <= '9'))
    return parse_number(p);
  if (p->len - p->pos >= 7 && memcmp(p->s + p->pos, "States.", 7) == 0)
    return parse_call(p);
  if (c == 't' || c == 'f' || c == 'n')
    return parse_keyword(p);
  if (c == '\0')
    fail(p, p->pos, "unexpected end of text");
  else
    fail(p, p->pos, "unexpected character '%c'", c);
  return NULL;
}

static bool check_arity(struct parser *p, const struct sd_intrinsic_node *n) {
  const struct sd_intrinsic_fn *fn = n->fn;
  int got = (int)n->nargs;
  if (got >= fn->min_args && (fn->max_args < 0 || got <= fn->max_args))
    return true;
  if (fn->max_args < 0)
    fail(p, n->pos, "%s takes at least %d argument%s but got %d", fn->name, fn->min_args,
         fn->min_args == 1 ? "" : "s", got);
  else if (fn->min_args == fn->max_args)
    fail(p, n->pos, "%s takes %d argument%s but got %d", fn->name, fn->min_args, fn->min_args == 1 ? "" : "s",
         got);
  else
    fail(p, n->pos, "%s takes %d to %d arguments but got %d", fn->name, fn->min_args, fn->max_args, got);
  return false;
}

static bool add_arg(struct sd_intrinsic_node *call, struct sd_intrinsic_node *arg, size_t *cap) {
  if (arg == NULL)
    return false;
  if (call->nargs == *cap) {
    *cap = *cap ? 2 * *cap : 4;
    call->args = sd_xrealloc(call->args, *cap * sizeof *call->args);
  }
  call->args[call->nargs++] = arg;
  return true;
}

static struct sd_intrinsic_node *parse_call(struct parser *p) {
  size_t start = p->pos, i = p->pos + 7; /* past "States." */
  while (i < p->len && ((p->s[i] >= 'A' && p->s[i] <= 'Z') || (p->s[i] >= 'a' && p->s[i] <= 'z') ||
                        (p->s[i] >= '0' && p->s[i] <= '9')))
    i++;
  const struct sd_intrinsic_fn *fn = sd_intrinsic_fn_find(p->s + start, i - start);
  if (fn == NULL) {
    fail(p, start, "unknown function '%.*s'", (int)(i - start), p->s + start);
    return NULL;
  }
  if (++p->depth > MAX_DEPTH) {
    fail(p, start, "calls nested deeper than %d", MAX_DEPTH);
    return NULL;
  }
  p->pos = i;
  skip_space(p);
  if (p->pos >= p->len || p->s[p->pos] != '(') {
    fail(p, p->pos, "expected '(' after %s", fn->name);
    return NULL;
  }
  p->pos++;
  struct sd_intrinsic_node *n = node_new(SD_INTRINSIC_CALL, start);
  n->fn = fn;
  size_t cap = 0;
  skip_space(p);
  if (p->pos < p->len && p->s[p->pos] == ')') {
    p->pos++;
  } else {
    for (;;) {
      skip_space(p);
      if (!add_arg(n, parse_arg(p), &cap))
        goto bad;
      skip_space(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == ')') {
        p->pos++;
        break;
      }
      fail(p, p->pos, "expected ',' or ')'");
      goto bad;
    }
  }
  if (!check_arity(p, n))
    goto bad;
  p->depth--;
  return n;
bad:
  node_free(n);
  return NULL;
}

bool sd_intrinsic_is_call(const char *text) {
  return text != NULL && strncmp(text, "States.", 7) == 0;
}

static void release_intrinsic(void *f) {
  sd_intrinsic_free(f);
}

struct sd_intrinsic *sd_intrinsic_compile(const char *text, struct sd_err *err) {
  struct parser p = { .s = text, .len = strlen(text), .err = err };
  struct sd_intrinsic *shared = sd_intern_find(SD_INTERN_INTRINSIC, text, p.len, 0);
  if (shared != NULL) {
    shared->refs++;
    return shared;
  }
  if (!sd_intrinsic_is_call(text)) {
    fail(&p, 0, "expected a call of a States. function");
    return NULL;
  }
  struct sd_intrinsic_node *root = parse_call(&p);
  if (root == NULL)
    return NULL;
  skip_space(&p);
  if (p.pos != p.len) {
    fail(&p, p.pos, "unexpected text after the call");
    node_free(root);
    return NULL;
  }
  struct sd_intrinsic *f = sd_xmalloc(sizeof *f);
  f->refs = 2; /* the caller's and the span's */
  f->text = sd_xstrdup(text);
  f->root = root;
  sd_intern_add(SD_INTERN_INTRINSIC, f, f->text, p.len, 0, release_intrinsic);
  return f;
}

void sd_intrinsic_free(struct sd_intrinsic *f) {
  if (f == NULL || --f->refs > 0)
    return;
  node_free(f->root);
  free(f->text);
  free(f);
}

const char *sd_intrinsic_text(const struct sd_intrinsic *f) {
  return f->text;
}

json_t *sd_intrinsic_eval(const struct sd_intrinsic *f, json_t *input, const struct sd_eval_env *env,
                          struct sd_err *err) {
  static const struct sd_eval_env defaults = { 0 }; /* no context, no limits, process-wide rng */
  return sd_intrinsic_node_eval(f->root, input, env ? env : &defaults, err);
}
