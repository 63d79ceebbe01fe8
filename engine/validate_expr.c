/* Checks of single values: JSONPath and Reference Paths, intrinsic calls,
 * payload templates, timestamps, numbers and the plain JSON types. Paths,
 * intrinsics and templates are compiled with the very functions the compiler
 * uses (path.h, intrinsic.h, tmpl.h), so a definition that validates also
 * compiles. Each check reports at the current pointer + "/field". Not for:
 * JSONata expressions, which are accepted unchecked for now. */
#include "engine/validate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/intrinsic.h"
#include "engine/path.h"
#include "engine/timefmt.h"
#include "engine/tmpl.h"
#include "engine/validate_impl.h"

/* A JSONata expression is a whole string "{% ... %}" (AWS: "JSONata
 * expressions are written as strings enclosed in {% %}"). */
bool sd_vd_is_jsonata(const char *s) {
  size_t n = s ? strlen(s) : 0;
  return n >= 4 && strncmp(s, "{%", 2) == 0 && strcmp(s + n - 2, "%}") == 0;
}

/* "$name" / "$name.x" reads a workflow variable (the Variables feature);
 * "$" followed by ".", "[" or "$" is a path. */
static bool is_variable(const char *s) {
  return s[0] == '$' && (s[1] == '_' || (s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z'));
}

static const char *type_name(json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT:
      return "an OBJECT";
    case JSON_ARRAY:
      return "an ARRAY";
    case JSON_STRING:
      return "a STRING";
    case JSON_INTEGER:
      return "an INTEGER";
    case JSON_REAL:
      return "a NUMBER";
    case JSON_TRUE:
    case JSON_FALSE:
      return "a BOOLEAN";
    default:
      return "NULL";
  }
}

/* Compiles `s` as the flags allow; true when it is acceptable. */
static bool path_ok(const char *s, unsigned flags) {
  struct sd_err err = { 0 };
  bool ok = false;
  if ((flags & SD_VD_PATH_VARS) && is_variable(s)) {
    ok = true;
  } else if ((flags & SD_VD_PATH_INTRINSIC) && sd_intrinsic_is_call(s)) {
    struct sd_intrinsic *f = sd_intrinsic_compile(s, &err);
    ok = f != NULL;
    sd_intrinsic_free(f);
  } else if (s[0] == '$') {
    struct sd_path *p = sd_path_compile(s, (flags & SD_VD_PATH_REF) ? SD_PATH_REF : 0, &err);
    ok = p != NULL;
    sd_path_free(p);
  }
  sd_err_clear(&err);
  return ok;
}

void sd_vd_path(struct sd_vd_ctx *c, const char *field, json_t *v, unsigned flags) {
  if (json_is_null(v) && (flags & SD_VD_PATH_NULL))
    return;
  if (!json_is_string(v)) {
    sd_vd_err_at(c, field, "Value must be a string.");
    return;
  }
  if ((c->opts != NULL && c->opts->compiled) || path_ok(json_string_value(v), flags))
    return;
  /* AWS: "SCHEMA_VALIDATION_FAILED: Value must be a valid JSONPath. at
   * /States/Pass/OutputPath". */
  if (flags & SD_VD_PATH_INTRINSIC)
    sd_vd_err_at(c, field, "Value must be a valid JSONPath or a valid intrinsic function call.");
  else if (flags & SD_VD_PATH_REF)
    sd_vd_err_at(c, field, "Value must be a valid ReferencePath.");
  else
    sd_vd_err_at(c, field, "Value must be a valid JSONPath.");
}

/* Whether a plain (non-".$") string looks like it was meant to be evaluated. */
static bool looks_dynamic(const char *s) {
  return strncmp(s, "$.", 2) == 0 || strncmp(s, "$[", 2) == 0 || strncmp(s, "$$.", 3) == 0 ||
         (sd_intrinsic_is_call(s) && strchr(s, '(') != NULL && s[strlen(s) - 1] == ')');
}

/* Walks a payload template; AWS reports its errors at the template field
 * itself (current pointer + "/field", e.g. /States/X/Parameters), a
 * pointer built only for a diagnostic: most templates get none. Returns
 * false when it reported an error. */
static bool template_walk(struct sd_vd_ctx *c, json_t *v, const char *field, int depth) {
  if (depth > SD_VD_MAX_TEMPLATE_DEPTH) {
    size_t mark = sd_vd_push(c, field);
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_TOO_DEEP, sd_vd_loc(c),
               "The payload template is nested more than %d levels deep", SD_VD_MAX_TEMPLATE_DEPTH);
    sd_vd_pop(c, mark);
    return false;
  }
  bool ok = true;
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      ok = template_walk(c, e, field, depth + 1) && ok;
    }
    return ok;
  }
  if (!json_is_object(v))
    return true;
  const char *key;
  json_t *e;
  SD_VD_FOREACH(v, it, key, e) {
    if (!sd_vd_key_is_dynamic(key, json_object_iter_key_len(it))) {
      if (json_is_string(e) && looks_dynamic(json_string_value(e)))
        sd_vd_warn_at(
            c, SD_VD_NO_DOLLAR, field,
            "The value of field '%s' looks like a JSONPath or an intrinsic function call, but the field name "
            "does not end with '.$'",
            key);
      ok = template_walk(c, e, field, depth + 1) && ok;
      continue;
    }
    if (!json_is_string(e)) {
      sd_vd_err_at(c, field,
                   "The value for the field '%s' must be a STRING that contains a JSONPath but was %s", key,
                   type_name(e));
      ok = false;
    } else if (!(c->opts != NULL && c->opts->compiled) &&
               !path_ok(json_string_value(e), SD_VD_PATH_VARS | SD_VD_PATH_INTRINSIC)) {
      /* AWS's exact words (conformance: illegal escapes in intrinsics). */
      sd_vd_err_at(c, field,
                   "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call",
                   key);
      ok = false;
    }
  }
  return ok;
}

void sd_vd_template(struct sd_vd_ctx *c, const char *field, json_t *v) {
  if (!template_walk(c, v, field, 0) || (c->opts != NULL && c->opts->compiled))
    return;
  /* The compiler's own verdict, so that validate and compile never
   * disagree (a template the walk accepts but tmpl.c cannot build). */
  size_t mark = sd_vd_push(c, field);
  const char *loc = sd_vd_loc(c); /* nothing below moves the pointer */
  struct sd_err err = { 0 };
  struct sd_tmpl *t = sd_tmpl_compile(v, loc, &err);
  if (t == NULL)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_SCHEMA, loc, "%s", err.cause ? err.cause : "Invalid payload template");
  sd_tmpl_free(t);
  sd_err_clear(&err);
  sd_vd_pop(c, mark);
}

bool sd_vd_int(struct sd_vd_ctx *c, const char *field, json_t *v, long long min, long long max,
               bool jsonata) {
  if (jsonata && json_is_string(v) && sd_vd_is_jsonata(json_string_value(v)))
    return true;
  if (!json_is_integer(v)) {
    sd_vd_err_at(c, field,
                 jsonata ? "Value must be an integer or a JSONata expression." : "Value must be an integer.");
    return false;
  }
  json_int_t n = json_integer_value(v);
  if (n < min) {
    sd_vd_err_at(c, field, "Value must be greater than or equal to %lld.", min);
    return false;
  }
  if (n > max) {
    sd_vd_err_at(c, field, "Value must be less than or equal to %lld.", max);
    return false;
  }
  return true;
}

bool sd_vd_number(struct sd_vd_ctx *c, const char *field, json_t *v, double min, double max, bool jsonata) {
  if (jsonata && json_is_string(v) && sd_vd_is_jsonata(json_string_value(v)))
    return true;
  if (!json_is_number(v)) {
    sd_vd_err_at(c, field,
                 jsonata ? "Value must be a number or a JSONata expression." : "Value must be a number.");
    return false;
  }
  double d = json_number_value(v);
  if (!(d >= min)) {
    sd_vd_err_at(c, field, "Value must be greater than or equal to %g.", min);
    return false;
  }
  if (!(d <= max)) {
    sd_vd_err_at(c, field, "Value must be less than or equal to %g.", max);
    return false;
  }
  return true;
}

bool sd_vd_string(struct sd_vd_ctx *c, const char *field, json_t *v) {
  if (json_is_string(v))
    return true;
  sd_vd_err_at(c, field, "Value must be a string.");
  return false;
}

bool sd_vd_bool(struct sd_vd_ctx *c, const char *field, json_t *v) {
  if (json_is_boolean(v))
    return true;
  sd_vd_err_at(c, field, "Value must be a boolean.");
  return false;
}

bool sd_vd_object(struct sd_vd_ctx *c, const char *field, json_t *v) {
  if (json_is_object(v))
    return true;
  sd_vd_err_at(c, field, "Value must be an object.");
  return false;
}

void sd_vd_enum(struct sd_vd_ctx *c, const char *field, json_t *v, const char *const *values) {
  const char *s = json_string_value(v);
  for (size_t i = 0; s != NULL && values[i] != NULL; i++)
    if (strcmp(s, values[i]) == 0)
      return;
  struct sd_buf b = { 0 };
  for (size_t i = 0; values[i] != NULL; i++)
    sd_buf_printf(&b, "%s%s", i ? ", " : "", values[i]);
  sd_vd_err_at(c, field, "Value must be one of [%s].", b.data);
  sd_buf_free(&b);
}

/* A literal timestamp (Wait's Timestamp, Choice's Timestamp* operators):
 * RFC 3339 with "T" and an offset or "Z", as sd_time_parse reads it. */
void sd_vd_timestamp(struct sd_vd_ctx *c, const char *field, json_t *v) {
  int64_t ms;
  if (!sd_vd_string(c, field, v))
    return;
  if (!sd_time_parse(json_string_value(v), &ms))
    sd_vd_err_at(c, field, "String does not match RFC3339 timestamp");
}
