/* Static checks of a definition (see validate.h): the entry points, the
 * diagnostics list, the JSON pointer being built and the walk over
 * (sub-)machines. What each state may hold is checked in validate_state.c and
 * validate_choice.c, Task resources in validate_resource.c, paths and
 * templates in validate_expr.c, transitions in validate_graph.c and the
 * text itself (syntax, duplicate keys) in validate_json.c.
 *
 * Messages and codes follow what AWS returns where it is known (recorded in
 * the conformance corpus, or quoted in public reports of AWS's answers);
 * elsewhere they are ours, in the same style. Not for: compiling (asl.c). */
#include "engine/validate.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/jsonw.h"
#include "engine/validate_impl.h"

/* A state name is at most 80 characters (AWS's quota; the ASL spec says 128,
 * AWS enforces the smaller). */
#define SD_VD_MAX_STATE_NAME 80

static json_t *json_text(const char *s) {
  json_t *v = json_string(s);
  /* Messages quote names and values from a parsed document, so they are
   * valid UTF-8; a hand-built json_t might not be, and a diagnostic must not
   * vanish because of it. */
  return v ? v : json_string("(message is not valid UTF-8)");
}

static void add_diag(struct sd_vd_ctx *c, enum sd_vd_severity sev, const char *code, const char *loc,
                     const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void add_diag(struct sd_vd_ctx *c, enum sd_vd_severity sev, const char *code, const char *loc,
                     const char *fmt, va_list ap) {
  if (sev == SD_VD_ERROR)
    c->nerrors++;
  if (json_array_size(c->diags) >= SD_VD_MAX_DIAGNOSTICS) {
    c->truncated = true;
    return;
  }
  char *msg = sd_vasprintf(fmt, ap);
  json_t *d = json_object();
  json_object_set_new(d, "severity", json_string(sev == SD_VD_ERROR ? "ERROR" : "WARNING"));
  json_object_set_new(d, "code", json_string(code));
  json_object_set_new(d, "message", json_text(msg));
  if (loc != NULL)
    json_object_set_new(d, "location", json_text(loc));
  json_array_append_new(c->diags, d);
  free(msg);
}

void sd_vd_diag(struct sd_vd_ctx *c, enum sd_vd_severity sev, const char *code, const char *loc,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, sev, code, loc, fmt, ap);
  va_end(ap);
}

void sd_vd_err(struct sd_vd_ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, SD_VD_ERROR, SD_VD_SCHEMA, sd_vd_loc(c), fmt, ap);
  va_end(ap);
}

void sd_vd_err_at(struct sd_vd_ctx *c, const char *field, const char *fmt, ...) {
  size_t mark = sd_vd_push(c, field);
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, SD_VD_ERROR, SD_VD_SCHEMA, sd_vd_loc(c), fmt, ap);
  va_end(ap);
  sd_vd_pop(c, mark);
}

void sd_vd_warn_at(struct sd_vd_ctx *c, const char *code, const char *field, const char *fmt, ...) {
  size_t mark = field ? sd_vd_push(c, field) : c->ptr.len;
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, SD_VD_WARNING, code, sd_vd_loc(c), fmt, ap);
  va_end(ap);
  sd_vd_pop(c, mark);
}

void sd_vd_ptr_append(struct sd_buf *b, const char *segment) {
  /* Most segments need no escape: one copy instead of a call per byte. */
  size_t plain = strcspn(segment, "~/");
  sd_buf_add(b, segment, plain);
  for (const char *p = segment + plain; *p; p++) {
    if (*p == '~')
      sd_buf_puts(b, "~0");
    else if (*p == '/')
      sd_buf_puts(b, "~1");
    else
      sd_buf_putc(b, *p);
  }
}

size_t sd_vd_push(struct sd_vd_ctx *c, const char *segment) {
  size_t mark = c->ptr.len;
  /* Validation pushes a segment for nearly every field it looks at (4,000
   * on a 1,000-state chain): a plain one that fits is copied in place. */
  size_t n = strcspn(segment, "~/");
  if (segment[n] == '\0' && c->ptr.data != NULL && mark + n + 2 <= c->ptr.cap) {
    char *at = c->ptr.data + mark;
    at[0] = '/';
    memcpy(at + 1, segment, n);
    at[n + 1] = '\0';
    c->ptr.len = mark + n + 1;
    return mark;
  }
  sd_buf_putc(&c->ptr, '/');
  sd_vd_ptr_append(&c->ptr, segment);
  return mark;
}

size_t sd_vd_push_index(struct sd_vd_ctx *c, size_t i) {
  /* Not snprintf: it cost 800 instructions an index, as much as checking
   * a whole Pass state (callgrind), and every branch, Catcher, Retrier
   * and Choice rule has one. */
  size_t mark = c->ptr.len;
  sd_buf_putc(&c->ptr, '/');
  sd_jsonw_int(&c->ptr, (json_int_t)i);
  return mark;
}

void sd_vd_pop(struct sd_vd_ctx *c, size_t mark) {
  c->ptr.len = mark;
  if (c->ptr.data != NULL)
    c->ptr.data[mark] = '\0';
}

const char *sd_vd_loc(struct sd_vd_ctx *c) {
  return c->ptr.len > 0 ? c->ptr.data : "/";
}

/* Fields each kind of machine may hold; AWS refuses QueryLanguage below the
 * top level ("Field 'QueryLanguage' is not supported" at the ItemProcessor). */
static bool machine_field(enum sd_vd_kind kind, const char *key) {
  if (strcmp(key, "StartAt") == 0 || strcmp(key, "States") == 0 || strcmp(key, "Comment") == 0)
    return true;
  if (kind == SD_VD_ROOT)
    return strcmp(key, "Version") == 0 || strcmp(key, "TimeoutSeconds") == 0 ||
           strcmp(key, "QueryLanguage") == 0;
  /* Iterator, ItemProcessor's older name, takes a ProcessorConfig as well. */
  return (kind == SD_VD_PROCESSOR || kind == SD_VD_ITERATOR) && strcmp(key, "ProcessorConfig") == 0;
}

/* Counts Unicode characters of a UTF-8 string. */
static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

/* State names are unique across the whole definition, nested machines
 * included (ASL: "unique within the scope of the whole state machine"). */
/* `len`: the name's length in bytes, which bounds its characters, so only
 * a long name is counted. */
static void check_name(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, const char *name,
                       size_t len) {
  if (!sd_vd_scope_add(c, scope, index, name))
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_DUP_NAME, sd_vd_loc(c), "Duplicate State name: %s", name);
  if (len > SD_VD_MAX_STATE_NAME && utf8_chars(name) > SD_VD_MAX_STATE_NAME)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_BAD_NAME, sd_vd_loc(c), "State name is longer than %d characters",
               SD_VD_MAX_STATE_NAME);
}

static void machine_top_fields(struct sd_vd_ctx *c, json_t *m) {
  static const char *const langs[] = { "JSONPath", "JSONata", NULL };
  json_t *v;
  if ((v = json_object_get(m, "Version")) != NULL)
    sd_vd_string(c, "Version", v);
  if ((v = json_object_get(m, "TimeoutSeconds")) != NULL)
    sd_vd_int(c, "TimeoutSeconds", v, 0, 99999999, false);
  if ((v = json_object_get(m, "QueryLanguage")) != NULL)
    sd_vd_enum(c, "QueryLanguage", v, langs);
}

static void machine_states(struct sd_vd_ctx *c, json_t *states, json_t *start) {
  struct sd_vd_scope *scope =
      sd_vd_scope_new(c, json_object_size(states), json_is_string(start) ? json_string_value(start) : NULL);
  size_t mark = sd_vd_push(c, "States");
  size_t outer = c->state_len; /* a Parallel's or Map's, while its machines are checked */
  size_t i = 0;
  const char *name;
  json_t *st;
  SD_VD_FOREACH(states, it, name, st) {
    size_t m2 = sd_vd_push(c, name);
    c->state_len = c->ptr.len;
    check_name(c, scope, i, name, json_object_iter_key_len(it));
    sd_vd_state(c, scope, i++, st);
    sd_vd_pop(c, m2);
  }
  c->state_len = outer;
  sd_vd_pop(c, mark);
}

void sd_vd_machine(struct sd_vd_ctx *c, json_t *m, enum sd_vd_kind kind) {
  if (!json_is_object(m)) {
    sd_vd_err(c, "Value must be an object.");
    return;
  }
  if (c->nest >= SD_VD_MAX_NESTING) {
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_TOO_DEEP, sd_vd_loc(c), "The states are nested more than %d levels deep",
               SD_VD_MAX_NESTING);
    return;
  }
  c->nest++;
  const char *key;
  json_t *v;
  SD_VD_FOREACH_KEY(m, it, key) {
    if (!machine_field(kind, key))
      sd_vd_err(c, "Field '%s' is not supported", key);
  }
  json_t *states = json_object_get(m, "States");
  json_t *start = json_object_get(m, "StartAt");
  /* AWS's wording and order, e.g. for {}: "These fields are required:
   * [States, StartAt]". */
  if (states == NULL || start == NULL)
    sd_vd_err(c, "These fields are required: [%s%s%s]", states ? "" : "States", !states && !start ? ", " : "",
              start ? "" : "StartAt");
  if (start != NULL)
    sd_vd_string(c, "StartAt", start);
  if ((v = json_object_get(m, "Comment")) != NULL)
    sd_vd_string(c, "Comment", v);
  if (kind == SD_VD_ROOT)
    machine_top_fields(c, m);
  if (states != NULL && sd_vd_object(c, "States", states))
    machine_states(c, states, start);
  c->nest--;
}

/* The one walk behind sd_validate and sd_validate_text. `text` (may be NULL)
 * is the definition's source, for the checks only text can answer. */
static json_t *validate(json_t *def, const char *text, size_t len, const struct sd_validate_opts *opts) {
  struct sd_vd_ctx c = { 0 };
  c.opts = opts;
  c.express = opts != NULL && opts->type != NULL && strcmp(opts->type, "EXPRESS") == 0;
  c.diags = json_array();
  c.labels = json_object();
  json_t *ql = json_object_get(def, "QueryLanguage");
  c.top_ql =
      json_is_string(ql) && strcmp(json_string_value(ql), "JSONata") == 0 ? SD_VD_JSONATA : SD_VD_JSONPATH;
  if (text != NULL)
    sd_vd_scan_duplicates(&c, text, len);
  sd_vd_machine(&c, def, SD_VD_ROOT);
  /* As AWS does: transitions are judged only in a definition that passed
   * the schema (a missing StartAt yields no "not reachable" noise). */
  if (c.nerrors == 0)
    sd_vd_graph_check(&c);
  sd_vd_scopes_free(&c);
  json_t *result = json_object();
  json_object_set_new(result, "result", json_string(c.nerrors ? "FAIL" : "OK"));
  json_object_set_new(result, "diagnostics", c.diags);
  json_object_set_new(result, "truncated", json_boolean(c.truncated));
  json_decref(c.labels);
  sd_buf_free(&c.ptr);
  return result;
}

json_t *sd_validate(json_t *def, const struct sd_validate_opts *opts) {
  if (!json_is_object(def))
    return sd_validate_text("", 0, opts);
  return validate(def, NULL, 0, opts);
}

static json_t *fail1(const char *code, const char *loc, const char *msg) {
  json_t *d = json_object();
  json_object_set_new(d, "severity", json_string("ERROR"));
  json_object_set_new(d, "code", json_string(code));
  json_object_set_new(d, "message", json_text(msg));
  if (loc != NULL)
    json_object_set_new(d, "location", json_text(loc));
  json_t *diags = json_array();
  json_array_append_new(diags, d);
  json_t *result = json_object();
  json_object_set_new(result, "result", json_string("FAIL"));
  json_object_set_new(result, "diagnostics", diags);
  json_object_set_new(result, "truncated", json_false());
  return result;
}

json_t *sd_validate_text(const char *text, size_t len, const struct sd_validate_opts *opts) {
  /* AWS's answer for blank text and for JSON that is not an object. */
  static const char not_object[] = "Definition must be a valid JSON object";
  size_t i = 0;
  while (i < len && strchr(" \t\r\n", text[i]) != NULL)
    i++;
  if (i == len)
    return fail1(SD_VD_SCHEMA, NULL, not_object);
  struct sd_err err = { 0 };
  bool dups;
  json_t *def = sd_vd_parse(text, len, &dups, &err);
  if (def == NULL) {
    json_t *r = fail1(SD_VD_BAD_JSON, err.where, err.cause);
    sd_err_clear(&err);
    return r;
  }
  json_t *result = json_is_object(def) ? validate(def, dups ? text : NULL, len, opts)
                                       : fail1(SD_VD_SCHEMA, NULL, not_object);
  json_decref(def);
  return result;
}

char *sd_validate_message(json_t *result) {
  json_t *diags = json_object_get(result, "diagnostics");
  struct sd_buf b = { 0 };
  size_t i;
  json_t *d;
  json_array_foreach(diags, i, d) {
    const char *sev = json_string_value(json_object_get(d, "severity"));
    if (sev == NULL || strcmp(sev, "ERROR") != 0)
      continue;
    const char *loc = json_string_value(json_object_get(d, "location"));
    sd_buf_puts(&b, b.len ? ", " : "Invalid State Machine Definition: '");
    const char *code = json_string_value(json_object_get(d, "code"));
    const char *msg = json_string_value(json_object_get(d, "message"));
    sd_buf_printf(&b, "%s: %s at %s", code ? code : "", msg ? msg : "", loc ? loc : "null");
  }
  if (b.len == 0)
    return NULL;
  sd_buf_putc(&b, '\'');
  return sd_buf_steal(&b);
}
