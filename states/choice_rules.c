/* Choice Rules: compiled once into a tree (see choice_rules.h), evaluated
 * per entry of the Choice state without re-parsing any string. Semantics
 * follow AWS's "Choice Rules" page and what the operator x type matrix
 * recorded against AWS shows: an operand of the wrong type makes a
 * comparison false, never an error; a Variable that selects nothing is a
 * States.Runtime error unless the operator is IsPresent. Not for: Next,
 * Default and the state's data flow (choice.c). */
#include "states/choice_rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/path.h"
#include "engine/timefmt.h"

/* What a comparison compares. */
enum family {
  F_STRING,
  F_MATCHES,
  F_NUMERIC,
  F_BOOLEAN,
  F_TIMESTAMP,
  F_IS_NULL,
  F_IS_PRESENT,
  F_IS_NUMERIC,
  F_IS_STRING,
  F_IS_BOOLEAN,
  F_IS_TIMESTAMP,
};

enum rel { R_EQ, R_LT, R_GT, R_LE, R_GE };

struct op_def {
  const char *name;
  enum family fam;
  enum rel rel;
  bool has_path; /* a "<name>Path" variant exists */
};

/* The comparison operators of the ASL specification. */
static const struct op_def op_table[] = {
  { "StringEquals", F_STRING, R_EQ, true },
  { "StringLessThan", F_STRING, R_LT, true },
  { "StringGreaterThan", F_STRING, R_GT, true },
  { "StringLessThanEquals", F_STRING, R_LE, true },
  { "StringGreaterThanEquals", F_STRING, R_GE, true },
  { "StringMatches", F_MATCHES, R_EQ, false },
  { "NumericEquals", F_NUMERIC, R_EQ, true },
  { "NumericLessThan", F_NUMERIC, R_LT, true },
  { "NumericGreaterThan", F_NUMERIC, R_GT, true },
  { "NumericLessThanEquals", F_NUMERIC, R_LE, true },
  { "NumericGreaterThanEquals", F_NUMERIC, R_GE, true },
  { "BooleanEquals", F_BOOLEAN, R_EQ, true },
  { "TimestampEquals", F_TIMESTAMP, R_EQ, true },
  { "TimestampLessThan", F_TIMESTAMP, R_LT, true },
  { "TimestampGreaterThan", F_TIMESTAMP, R_GT, true },
  { "TimestampLessThanEquals", F_TIMESTAMP, R_LE, true },
  { "TimestampGreaterThanEquals", F_TIMESTAMP, R_GE, true },
  { "IsNull", F_IS_NULL, R_EQ, false },
  { "IsPresent", F_IS_PRESENT, R_EQ, false },
  { "IsNumeric", F_IS_NUMERIC, R_EQ, false },
  { "IsString", F_IS_STRING, R_EQ, false },
  { "IsBoolean", F_IS_BOOLEAN, R_EQ, false },
  { "IsTimestamp", F_IS_TIMESTAMP, R_EQ, false },
};

enum kind { K_AND, K_OR, K_NOT, K_CMP };

/* A StringMatches pattern split at its unescaped '*': segs[0] must start
 * the string, segs[nsegs-1] end it, the others appear in order between. */
struct pattern {
  char **segs; /* owned; escapes resolved */
  size_t *lens;
  size_t nsegs; /* >= 1; one segment means no wildcard */
};

struct sd_choice_rule {
  enum kind kind;
  struct sd_choice_rule **subs; /* And / Or / Not operands; owned */
  size_t nsubs;
  const struct op_def *op;  /* K_CMP */
  struct sd_path *variable; /* owned */
  struct sd_path *operand;  /* the `...Path` operand; owned, NULL for a literal */
  json_t *literal;          /* owned; the literal operand (Is*: the boolean) */
  int64_t ts_sec;           /* literal timestamp, parsed */
  int32_t ts_nsec;
  struct pattern pat; /* StringMatches */
};

/* Sets an InvalidDefinition error located at `where`; returns -1. */
__attribute__((format(printf, 3, 4))) static int fail_at(struct sd_err *err, const char *where,
                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_err_setv(err, SD_E_INVALID_DEFINITION, fmt, ap);
  va_end(ap);
  sd_err_set_where(err, "%s", where);
  return -1;
}

/* ---- string order and wildcard matching ---- */

/* Decodes one UTF-8 sequence at *p (< end). Jansson only holds valid UTF-8,
 * but a malformed byte still advances by one and reads as itself. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end) {
  const unsigned char *s = *p;
  uint32_t c = s[0];
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (n == 0 || end - s <= n) {
    *p = s + 1;
    return c;
  }
  c &= 0x3Fu >> n;
  for (int i = 1; i <= n; i++)
    c = (c << 6) | (s[i] & 0x3Fu);
  *p = s + n + 1;
  return c;
}

/* The UTF-16 code unit a code point starts with (a high surrogate above
 * U+FFFF), and the one it ends with. */
static uint32_t utf16_first(uint32_t c) {
  return c < 0x10000 ? c : 0xD800 + ((c - 0x10000) >> 10);
}
static uint32_t utf16_last(uint32_t c) {
  return c < 0x10000 ? c : 0xDC00 + ((c - 0x10000) & 0x3FF);
}

/* Orders two strings as Java's String.compareTo does, which AWS's page on
 * Choice Rules names: by UTF-16 code units. That differs from code point
 * (and UTF-8 byte) order for characters above U+FFFF against U+E000-U+FFFF. */
static int string_cmp(json_t *a, json_t *b) {
  const unsigned char *p = (const unsigned char *)json_string_value(a), *pe = p + json_string_length(a);
  const unsigned char *q = (const unsigned char *)json_string_value(b), *qe = q + json_string_length(b);
  while (p < pe && q < qe) {
    uint32_t ca = utf8_next(&p, pe), cb = utf8_next(&q, qe);
    if (ca == cb)
      continue;
    uint32_t ua = utf16_first(ca), ub = utf16_first(cb);
    if (ua == ub) {
      ua = utf16_last(ca);
      ub = utf16_last(cb);
    }
    return ua < ub ? -1 : 1;
  }
  return p < pe ? 1 : q < qe ? -1 : 0;
}

/* Splits a StringMatches pattern at '*'. "\*" is a literal star and "\\" a
 * literal backslash (the ASL specification: "The wildcard character is
 * escaped by using the standard \\"); any other backslash stands for itself. */
static void pattern_compile(const char *s, size_t n, struct pattern *pat) {
  struct sd_buf seg = { 0 };
  size_t cap = 4;
  pat->segs = sd_xcalloc(cap, sizeof *pat->segs);
  pat->lens = sd_xcalloc(cap, sizeof *pat->lens);
  pat->nsegs = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '\\')) {
      sd_buf_putc(&seg, s[++i]);
      continue;
    }
    if (i < n && s[i] != '*') {
      sd_buf_putc(&seg, s[i]);
      continue;
    }
    if (pat->nsegs == cap) {
      cap *= 2;
      pat->segs = sd_xrealloc(pat->segs, cap * sizeof *pat->segs);
      pat->lens = sd_xrealloc(pat->lens, cap * sizeof *pat->lens);
    }
    pat->lens[pat->nsegs] = seg.len;
    pat->segs[pat->nsegs++] = sd_buf_steal(&seg);
  }
  sd_buf_free(&seg);
}

static void pattern_free(struct pattern *pat) {
  for (size_t i = 0; i < pat->nsegs; i++)
    free(pat->segs[i]);
  free(pat->segs);
  free(pat->lens);
}

static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen) {
  if (nlen == 0)
    return hay;
  for (size_t i = 0; i + nlen <= hlen; i++)
    if (memcmp(hay + i, needle, nlen) == 0)
      return hay + i;
  return NULL;
}

/* With '*' the only wildcard, taking each middle segment at its leftmost
 * place is enough: it leaves the most room for the segments after it. */
static bool pattern_match(const struct pattern *pat, const char *s, size_t n) {
  size_t first = pat->lens[0], last = pat->lens[pat->nsegs - 1];
  if (pat->nsegs == 1)
    return n == first && memcmp(s, pat->segs[0], n) == 0;
  if (n < first + last || memcmp(s, pat->segs[0], first) != 0 ||
      memcmp(s + n - last, pat->segs[pat->nsegs - 1], last) != 0)
    return false;
  const char *p = s + first, *end = s + n - last;
  for (size_t i = 1; i + 1 < pat->nsegs; i++) {
    const char *at = find_bytes(p, (size_t)(end - p), pat->segs[i], pat->lens[i]);
    if (at == NULL)
      return false;
    p = at + pat->lens[i];
  }
  return true;
}

/* ---- compile ---- */

static const struct op_def *op_find(const char *key, bool *is_path) {
  size_t klen = strlen(key);
  for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
    const struct op_def *op = &op_table[i];
    size_t n = strlen(op->name);
    if (strcmp(key, op->name) == 0) {
      *is_path = false;
      return op;
    }
    if (op->has_path && klen == n + 4 && strncmp(key, op->name, n) == 0 && strcmp(key + n, "Path") == 0) {
      *is_path = true;
      return op;
    }
  }
  return NULL;
}

/* Fields a rule may carry besides its operator. Assign (JSONPath
 * variables) is accepted and left to the state; Comment is documentation. */
static bool is_plain_field(const char *key) {
  return strcmp(key, "Variable") == 0 || strcmp(key, "Next") == 0 || strcmp(key, "Comment") == 0 ||
         strcmp(key, "Assign") == 0;
}

static int compile_literal(struct sd_choice_rule *r, const char *key, json_t *v, const char *where,
                           struct sd_err *err) {
  const char *want = NULL; /* what the operator takes, when v is not that */
  switch (r->op->fam) {
    case F_STRING:
    case F_MATCHES:
      want = json_is_string(v) ? NULL : "a string";
      break;
    case F_NUMERIC:
      want = json_is_number(v) ? NULL : "a number";
      break;
    case F_TIMESTAMP:
      if (!json_is_string(v) || !sd_time_parse_ns(json_string_value(v), &r->ts_sec, &r->ts_nsec))
        want = "a timestamp as RFC 3339 defines it, e.g. 2016-03-14T01:59:00Z";
      break;
    default: /* BooleanEquals and the Is* tests */
      want = json_is_boolean(v) ? NULL : "a boolean";
      break;
  }
  if (want != NULL) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be %s", key, want);
    sd_err_set_where(err, "%s", where);
    return -1;
  }
  r->literal = json_incref(v);
  if (r->op->fam == F_MATCHES)
    pattern_compile(json_string_value(v), json_string_length(v), &r->pat);
  return 0;
}

static int compile_path(json_t *v, const char *key, const char *ptr, struct sd_path **out,
                        struct sd_err *err) {
  char *where = sd_asprintf("%s/%s", ptr, key);
  int rc = 0;
  if (!json_is_string(v)) {
    rc = fail_at(err, where, "%s must be a reference path string", key);
  } else {
    *out = sd_path_compile(json_string_value(v), SD_PATH_REF, err);
    if (*out == NULL) {
      sd_err_set_where(err, "%s", where);
      rc = -1;
    }
  }
  free(where);
  return rc;
}

/* And / Or hold a non-empty array of rules, Not a single rule. */
static int compile_subs(struct sd_choice_rule *r, const char *key, json_t *v, const char *ptr,
                        struct sd_err *err) {
  char *where = sd_asprintf("%s/%s", ptr, key);
  int rc = 0;
  if (r->kind == K_NOT) {
    r->subs = sd_xcalloc(1, sizeof *r->subs);
    r->nsubs = 1;
    if (!json_is_object(v))
      rc = fail_at(err, where, "%s must be a Choice Rule object", key);
    else if ((r->subs[0] = sd_choice_rule_compile(v, where, false, err)) == NULL)
      rc = -1;
  } else if (!json_is_array(v) || json_array_size(v) == 0) {
    rc = fail_at(err, where, "%s must be a non-empty array of Choice Rules", key);
  } else {
    r->nsubs = json_array_size(v);
    r->subs = sd_xcalloc(r->nsubs, sizeof *r->subs);
    for (size_t i = 0; i < r->nsubs && rc == 0; i++) {
      char *sub = sd_asprintf("%s/%zu", where, i);
      r->subs[i] = sd_choice_rule_compile(json_array_get(v, i), sub, false, err);
      rc = r->subs[i] ? 0 : -1;
      free(sub);
    }
  }
  free(where);
  return rc;
}

/* Picks the rule's one operator (comparison or And / Or / Not). */
static int find_operator(json_t *def, const char *ptr, bool top, const char **op_key, struct sd_err *err) {
  const char *key;
  json_t *v;
  *op_key = NULL;
  json_object_foreach(def, key, v) {
    bool is_path;
    if (is_plain_field(key)) {
      if (!top && strcmp(key, "Next") == 0)
        return fail_at(err, ptr, "%s", "a Choice Rule nested in And, Or or Not must not have a Next field");
      continue;
    }
    if (strcmp(key, "And") != 0 && strcmp(key, "Or") != 0 && strcmp(key, "Not") != 0 &&
        op_find(key, &is_path) == NULL)
      return fail_at(err, ptr, "Field '%s' is not supported in a Choice Rule", key);
    if (*op_key != NULL)
      return fail_at(err, ptr, "a Choice Rule must have exactly one operator, found also '%s'", key);
    *op_key = key;
  }
  if (*op_key == NULL)
    return fail_at(err, ptr, "%s", "a Choice Rule needs a comparison operator, or And, Or or Not");
  return 0;
}

struct sd_choice_rule *sd_choice_rule_compile(json_t *def, const char *ptr, bool top, struct sd_err *err) {
  const char *key;
  if (!json_is_object(def)) {
    fail_at(err, ptr, "%s", "a Choice Rule must be an object");
    return NULL;
  }
  if (find_operator(def, ptr, top, &key, err) != 0)
    return NULL;
  struct sd_choice_rule *r = sd_xcalloc(1, sizeof *r);
  json_t *v = json_object_get(def, key);
  json_t *var = json_object_get(def, "Variable");
  int rc;
  r->kind = strcmp(key, "And") == 0   ? K_AND
            : strcmp(key, "Or") == 0  ? K_OR
            : strcmp(key, "Not") == 0 ? K_NOT
                                      : K_CMP;
  if (r->kind != K_CMP) {
    rc = var != NULL ? fail_at(err, ptr, "Field 'Variable' is not supported with '%s'", key)
                     : compile_subs(r, key, v, ptr, err);
  } else {
    bool is_path;
    char *where = sd_asprintf("%s/%s", ptr, key);
    r->op = op_find(key, &is_path);
    if (var == NULL)
      rc = fail_at(err, ptr, "the comparison '%s' needs a Variable", key);
    else if ((rc = compile_path(var, "Variable", ptr, &r->variable, err)) == 0)
      rc = is_path ? compile_path(v, key, ptr, &r->operand, err) : compile_literal(r, key, v, where, err);
    free(where);
  }
  if (rc != 0) {
    sd_choice_rule_free(r);
    return NULL;
  }
  return r;
}

void sd_choice_rule_free(struct sd_choice_rule *r) {
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->nsubs; i++)
    sd_choice_rule_free(r->subs[i]);
  free(r->subs);
  sd_path_free(r->variable);
  sd_path_free(r->operand);
  json_decref(r->literal);
  if (r->pat.segs)
    pattern_free(&r->pat);
  free(r);
}

/* ---- evaluate ---- */

static bool rel_holds(enum rel rel, int c) {
  switch (rel) {
    case R_EQ:
      return c == 0;
    case R_LT:
      return c < 0;
    case R_GT:
      return c > 0;
    case R_LE:
      return c <= 0;
    case R_GE:
      return c >= 0;
  }
  return false;
}

/* Numbers compare by value, so 1 equals 1.0; two integers compare exactly
 * even beyond 2^53. */
static int number_cmp(json_t *a, json_t *b) {
  if (json_is_integer(a) && json_is_integer(b)) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    return x < y ? -1 : x > y;
  }
  double x = json_number_value(a), y = json_number_value(b);
  return x < y ? -1 : x > y;
}

static bool is_timestamp(json_t *v, int64_t *sec, int32_t *nsec) {
  return json_is_string(v) && sd_time_parse_ns(json_string_value(v), sec, nsec);
}

/* Compares the Variable's value `v` with the operand `o` (both borrowed). */
static bool compare(const struct sd_choice_rule *r, json_t *v, json_t *o) {
  int64_t vs, os;
  int32_t vn, on;
  switch (r->op->fam) {
    case F_STRING:
      return json_is_string(v) && json_is_string(o) && rel_holds(r->op->rel, string_cmp(v, o));
    case F_MATCHES:
      return json_is_string(v) && pattern_match(&r->pat, json_string_value(v), json_string_length(v));
    case F_NUMERIC:
      return json_is_number(v) && json_is_number(o) && rel_holds(r->op->rel, number_cmp(v, o));
    case F_BOOLEAN:
      return json_is_boolean(v) && json_is_boolean(o) && json_is_true(v) == json_is_true(o);
    case F_TIMESTAMP:
      if (!is_timestamp(v, &vs, &vn))
        return false;
      if (r->operand == NULL) {
        os = r->ts_sec;
        on = r->ts_nsec;
      } else if (!is_timestamp(o, &os, &on)) {
        return false;
      }
      return rel_holds(r->op->rel, vs != os ? (vs < os ? -1 : 1) : vn != on ? (vn < on ? -1 : 1) : 0);
    case F_IS_NULL:
      return json_is_null(v) == json_is_true(o);
    case F_IS_NUMERIC:
      return json_is_number(v) == json_is_true(o);
    case F_IS_STRING:
      return json_is_string(v) == json_is_true(o);
    case F_IS_BOOLEAN:
      return json_is_boolean(v) == json_is_true(o);
    case F_IS_TIMESTAMP:
      return is_timestamp(v, &vs, &vn) == json_is_true(o);
    case F_IS_PRESENT:
      return json_is_true(o); /* the Variable selected something */
  }
  return false;
}

static int eval_cmp(const struct sd_choice_rule *r, json_t *input, const struct sd_eval_env *env, bool *match,
                    struct sd_err *err) {
  struct sd_err perr = { 0 };
  json_t *v = sd_path_get(r->variable, input, env, &perr); /* new */
  if (v == NULL) {
    /* Only IsPresent may look at what is not there. */
    if (r->op->fam == F_IS_PRESENT) {
      sd_err_clear(&perr);
      *match = !json_is_true(r->literal);
      return 0;
    }
    sd_err_move(err, &perr);
    return -1;
  }
  json_t *o = r->literal; /* borrowed */
  json_t *owned = NULL;
  if (r->operand != NULL) {
    owned = o = sd_path_get(r->operand, input, env, err);
    if (o == NULL) {
      json_decref(v);
      return -1;
    }
  }
  *match = compare(r, v, o);
  json_decref(owned);
  json_decref(v);
  return 0;
}

int sd_choice_rule_eval(const struct sd_choice_rule *r, json_t *input, const struct sd_eval_env *env,
                        bool *match, struct sd_err *err) {
  *match = false;
  switch (r->kind) {
    case K_CMP:
      return eval_cmp(r, input, env, match, err);
    case K_NOT:
      if (sd_choice_rule_eval(r->subs[0], input, env, match, err) != 0)
        return -1;
      *match = !*match;
      return 0;
    case K_AND:
    case K_OR:
      /* Stops at the first operand that decides, so a later operand's
       * missing path is no error once the answer is known. */
      for (size_t i = 0; i < r->nsubs; i++) {
        if (sd_choice_rule_eval(r->subs[i], input, env, match, err) != 0)
          return -1;
        if (*match == (r->kind == K_OR))
          return 0;
      }
      *match = r->kind == K_AND;
      return 0;
  }
  return -1;
}
