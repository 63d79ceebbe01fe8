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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/validate_impl.h"

/* A state name is at most 80 characters (AWS's quota; the ASL spec says 128,
 * AWS enforces the smaller). */
#define VD_MAX_STATE_NAME 80

static json_t *json_text(const char *s) {
  json_t *v = json_string(s);
  /* Messages quote names and values from a parsed document, so they are
   * valid UTF-8; a hand-built json_t might not be, and a diagnostic must not
   * vanish because of it. */
  return v ? v : json_string("(message is not valid UTF-8)");
}

static void add_diag(struct vd_ctx *c, enum vd_severity sev, const char *code, const char *loc, const char *fmt,
                     va_list ap) {
  if (sev == VD_ERROR)
    c->nerrors++;
  if (json_array_size(c->diags) >= VD_MAX_DIAGNOSTICS) {
    c->truncated = true;
    return;
  }
  char *msg = sd_vasprintf(fmt, ap);
  json_t *d = json_object();
  json_object_set_new(d, "severity", json_string(sev == VD_ERROR ? "ERROR" : "WARNING"));
  json_object_set_new(d, "code", json_string(code));
  json_object_set_new(d, "message", json_text(msg));
  if (loc != NULL)
    json_object_set_new(d, "location", json_text(loc));
  json_array_append_new(c->diags, d);
  free(msg);
}

void vd_diag(struct vd_ctx *c, enum vd_severity sev, const char *code, const char *loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, sev, code, loc, fmt, ap);
  va_end(ap);
}

void vd_err(struct vd_ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, VD_ERROR, VD_SCHEMA, vd_loc(c), fmt, ap);
  va_end(ap);
}

void vd_err_at(struct vd_ctx *c, const char *field, const char *fmt, ...) {
  size_t mark = vd_push(c, field);
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, VD_ERROR, VD_SCHEMA, vd_loc(c), fmt, ap);
  va_end(ap);
  vd_pop(c, mark);
}

void vd_warn_at(struct vd_ctx *c, const char *code, const char *field, const char *fmt, ...) {
  size_t mark = field ? vd_push(c, field) : c->ptr.len;
  va_list ap;
  va_start(ap, fmt);
  add_diag(c, VD_WARNING, code, vd_loc(c), fmt, ap);
  va_end(ap);
  vd_pop(c, mark);
}

void vd_ptr_append(struct sd_buf *b, const char *segment) {
  for (const char *p = segment; *p; p++) {
    if (*p == '~')
      sd_buf_puts(b, "~0");
    else if (*p == '/')
      sd_buf_puts(b, "~1");
    else
      sd_buf_putc(b, *p);
  }
}

size_t vd_push(struct vd_ctx *c, const char *segment) {
  size_t mark = c->ptr.len;
  sd_buf_putc(&c->ptr, '/');
  vd_ptr_append(&c->ptr, segment);
  return mark;
}

size_t vd_push_index(struct vd_ctx *c, size_t i) {
  size_t mark = c->ptr.len;
  sd_buf_printf(&c->ptr, "/%zu", i);
  return mark;
}

void vd_pop(struct vd_ctx *c, size_t mark) {
  c->ptr.len = mark;
  if (c->ptr.data != NULL)
    c->ptr.data[mark] = '\0';
}

const char *vd_loc(struct vd_ctx *c) {
  return c->ptr.len > 0 ? c->ptr.data : "/";
}

/* Fields each kind of machine may hold; AWS refuses QueryLanguage below the
 * top level ("Field 'QueryLanguage' is not supported" at the ItemProcessor). */
static bool machine_field(enum vd_kind kind, const char *key) {
  if (strcmp(key, "StartAt") == 0 || strcmp(key, "States") == 0 || strcmp(key, "Comment") == 0)
    return true;
  if (kind == VD_ROOT)
    return strcmp(key, "Version") == 0 || strcmp(key, "TimeoutSeconds") == 0 ||
           strcmp(key, "QueryLanguage") == 0;
  /* Iterator, ItemProcessor's older name, takes a ProcessorConfig as well. */
  return (kind == VD_PROCESSOR || kind == VD_ITERATOR) && strcmp(key, "ProcessorConfig") == 0;
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
static void check_name(struct vd_ctx *c, const char *name) {
  json_t *first = json_object_get(c->names, name);
  if (first != NULL)
    vd_diag(c, VD_ERROR, VD_DUP_NAME, vd_loc(c), "Duplicate State name: %s", name);
  else
    json_object_set_new(c->names, name, json_text(vd_loc(c)));
  if (utf8_chars(name) > VD_MAX_STATE_NAME)
    vd_diag(c, VD_ERROR, VD_BAD_NAME, vd_loc(c), "State name is longer than %d characters", VD_MAX_STATE_NAME);
}

static void machine_top_fields(struct vd_ctx *c, json_t *m) {
  static const char *const langs[] = { "JSONPath", "JSONata", NULL };
  json_t *v;
  if ((v = json_object_get(m, "Version")) != NULL)
    vd_string(c, "Version", v);
  if ((v = json_object_get(m, "TimeoutSeconds")) != NULL)
    vd_int(c, "TimeoutSeconds", v, 0, 99999999, false);
  if ((v = json_object_get(m, "QueryLanguage")) != NULL)
    vd_enum(c, "QueryLanguage", v, langs);
}

static void machine_states(struct vd_ctx *c, json_t *states, json_t *start) {
  struct vd_scope *scope = vd_scope_new(c, states, json_is_string(start) ? json_string_value(start) : NULL);
  size_t mark = vd_push(c, "States");
  size_t i = 0;
  const char *name;
  json_t *st;
  json_object_foreach(states, name, st) {
    size_t m2 = vd_push(c, name);
    check_name(c, name);
    vd_state(c, scope, i++, name, st);
    vd_pop(c, m2);
  }
  vd_pop(c, mark);
}

void vd_machine(struct vd_ctx *c, json_t *m, enum vd_kind kind) {
  if (!json_is_object(m)) {
    vd_err(c, "Value must be an object.");
    return;
  }
  if (c->nest >= VD_MAX_NESTING) {
    vd_diag(c, VD_ERROR, VD_TOO_DEEP, vd_loc(c), "The states are nested more than %d levels deep", VD_MAX_NESTING);
    return;
  }
  c->nest++;
  const char *key;
  json_t *v;
  json_object_foreach(m, key, v) {
    if (!machine_field(kind, key))
      vd_err(c, "Field '%s' is not supported", key);
  }
  json_t *states = json_object_get(m, "States");
  json_t *start = json_object_get(m, "StartAt");
  /* AWS's wording and order, e.g. for {}: "These fields are required:
   * [States, StartAt]". */
  if (states == NULL || start == NULL)
    vd_err(c, "These fields are required: [%s%s%s]", states ? "" : "States", !states && !start ? ", " : "",
           start ? "" : "StartAt");
  if (start != NULL)
    vd_string(c, "StartAt", start);
  if ((v = json_object_get(m, "Comment")) != NULL)
    vd_string(c, "Comment", v);
  if (kind == VD_ROOT)
    machine_top_fields(c, m);
  if (states != NULL && vd_object(c, "States", states))
    machine_states(c, states, start);
  c->nest--;
}

/* The one walk behind sd_validate and sd_validate_text. `text` (may be NULL)
 * is the definition's source, for the checks only text can answer. */
static json_t *validate(json_t *def, const char *text, size_t len, const struct sd_validate_opts *opts) {
  struct vd_ctx c = { 0 };
  c.opts = opts;
  c.express = opts != NULL && opts->type != NULL && strcmp(opts->type, "EXPRESS") == 0;
  c.diags = json_array();
  c.names = json_object();
  c.labels = json_object();
  json_t *ql = json_object_get(def, "QueryLanguage");
  c.top_ql = json_is_string(ql) && strcmp(json_string_value(ql), "JSONata") == 0 ? VD_JSONATA : VD_JSONPATH;
  if (text != NULL)
    vd_scan_duplicates(&c, text, len);
  vd_machine(&c, def, VD_ROOT);
  /* As AWS does: transitions are judged only in a definition that passed
   * the schema (a missing StartAt yields no "not reachable" noise). */
  if (c.nerrors == 0)
    vd_graph_check(&c);
  vd_scopes_free(&c);
  json_t *result = json_object();
  json_object_set_new(result, "result", json_string(c.nerrors ? "FAIL" : "OK"));
  json_object_set_new(result, "diagnostics", c.diags);
  json_object_set_new(result, "truncated", json_boolean(c.truncated));
  json_decref(c.names);
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
    return fail1(VD_SCHEMA, NULL, not_object);
  struct sd_err err = { 0 };
  json_t *def = vd_parse(text, len, &err);
  if (def == NULL) {
    json_t *r = fail1(VD_BAD_JSON, err.where, err.cause);
    sd_err_clear(&err);
    return r;
  }
  json_t *result = json_is_object(def) ? validate(def, text, len, opts) : fail1(VD_SCHEMA, NULL, not_object);
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
