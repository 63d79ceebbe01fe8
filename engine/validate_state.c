/* The fields each state type may hold (for each query language), the fields
 * every state shares (transitions, input/output, Retry, Catch), and the
 * simple types: Pass, Task, Wait, Succeed, Fail. Choice is in
 * validate_choice.c; Parallel and Map, which hold machines, in
 * validate_map.c.
 *
 * Field sets follow the AWS Developer Guide pages of each state type and its
 * JSONata variant ("Transforming data with JSONata"): JSONPath-only fields
 * (InputPath, Parameters, ResultSelector, ...) are refused in a JSONata
 * state and the reverse, with AWS's wording. */
#include "engine/validate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/validate_impl.h"

enum {
  T_PASS = 1,
  T_TASK = 2,
  T_CHOICE = 4,
  T_WAIT = 8,
  T_SUCCEED = 16,
  T_FAIL = 32,
  T_PARALLEL = 64,
  T_MAP = 128
};
#define T_ALL    0xFFu
#define T_FLOW   (T_PASS | T_TASK | T_WAIT | T_PARALLEL | T_MAP) /* Next / End */
#define T_IO     (T_ALL & ~(unsigned)T_FAIL)
#define T_RESULT (T_PASS | T_TASK | T_PARALLEL | T_MAP)
#define T_RETRY  (T_TASK | T_PARALLEL | T_MAP)

enum lang { L_BOTH, L_PATH, L_ATA };

struct field {
  const char *name;
  unsigned types;
  enum lang lang;
};

/* The fields read through a state's value table (see state_fields). */
enum fid {
  F_TYPE,
  F_COMMENT,
  F_QL,
  F_NEXT,
  F_END,
  F_INPUT_PATH,
  F_OUTPUT_PATH,
  F_PARAMETERS,
  F_RESULT_PATH,
  F_RESULT_SELECTOR,
  F_RESULT,
  F_RETRY,
  F_CATCH,
  F_ARGUMENTS,
  F_OUTPUT,
  F_ASSIGN,
  F_NVALS /* the fields above are read through the value table */
};

static const struct field fields[] = {
  [F_TYPE] = { "Type", T_ALL, L_BOTH },
  [F_COMMENT] = { "Comment", T_ALL, L_BOTH },
  [F_QL] = { "QueryLanguage", T_ALL, L_BOTH },
  [F_NEXT] = { "Next", T_FLOW, L_BOTH },
  [F_END] = { "End", T_FLOW, L_BOTH },
  [F_INPUT_PATH] = { "InputPath", T_IO, L_PATH },
  [F_OUTPUT_PATH] = { "OutputPath", T_IO, L_PATH },
  [F_PARAMETERS] = { "Parameters", T_RESULT, L_PATH },
  [F_RESULT_PATH] = { "ResultPath", T_RESULT, L_PATH },
  [F_RESULT_SELECTOR] = { "ResultSelector", T_RETRY, L_PATH },
  [F_RESULT] = { "Result", T_PASS, L_PATH },
  [F_RETRY] = { "Retry", T_RETRY, L_BOTH },
  [F_CATCH] = { "Catch", T_RETRY, L_BOTH },
  [F_ARGUMENTS] = { "Arguments", T_TASK | T_PARALLEL, L_ATA },
  [F_OUTPUT] = { "Output", T_IO, L_ATA },
  [F_ASSIGN] = { "Assign", T_ALL & ~(unsigned)(T_SUCCEED | T_FAIL), L_BOTH },
  { "Resource", T_TASK, L_BOTH },
  { "TimeoutSeconds", T_TASK, L_BOTH },
  { "TimeoutSecondsPath", T_TASK, L_PATH },
  { "HeartbeatSeconds", T_TASK, L_BOTH },
  { "HeartbeatSecondsPath", T_TASK, L_PATH },
  { "Credentials", T_TASK, L_BOTH },
  { "Choices", T_CHOICE, L_BOTH },
  { "Default", T_CHOICE, L_BOTH },
  { "Seconds", T_WAIT, L_BOTH },
  { "SecondsPath", T_WAIT, L_PATH },
  { "Timestamp", T_WAIT, L_BOTH },
  { "TimestampPath", T_WAIT, L_PATH },
  { "Error", T_FAIL, L_BOTH },
  { "ErrorPath", T_FAIL, L_PATH },
  { "Cause", T_FAIL, L_BOTH },
  { "CausePath", T_FAIL, L_PATH },
  { "Branches", T_PARALLEL, L_BOTH },
  { "ItemProcessor", T_MAP, L_BOTH },
  { "Iterator", T_MAP, L_BOTH },
  { "ItemsPath", T_MAP, L_PATH },
  { "Items", T_MAP, L_ATA },
  { "ItemSelector", T_MAP, L_BOTH },
  { "ItemReader", T_MAP, L_BOTH },
  { "ItemBatcher", T_MAP, L_BOTH },
  { "ResultWriter", T_MAP, L_BOTH },
  { "MaxConcurrency", T_MAP, L_BOTH },
  { "MaxConcurrencyPath", T_MAP, L_PATH },
  { "ToleratedFailurePercentage", T_MAP, L_BOTH },
  { "ToleratedFailurePercentagePath", T_MAP, L_PATH },
  { "ToleratedFailureCount", T_MAP, L_BOTH },
  { "ToleratedFailureCountPath", T_MAP, L_PATH },
  { "Label", T_MAP, L_BOTH },
};

static const struct {
  const char *name;
  unsigned bit;
} types[] = {
  { "Pass", T_PASS },       { "Task", T_TASK }, { "Choice", T_CHOICE },     { "Wait", T_WAIT },
  { "Succeed", T_SUCCEED }, { "Fail", T_FAIL }, { "Parallel", T_PARALLEL }, { "Map", T_MAP },
};

void sd_vd_wrong_lang(struct sd_vd_ctx *c, const char *key, enum sd_vd_ql ql) {
  /* AWS: "The QueryLanguage is set to 'JSONPath', but field 'Output' is only
   * supported for the 'JSONata' QueryLanguage", at the state. */
  sd_vd_err(c,
            "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage",
            ql == SD_VD_JSONATA ? "JSONata" : "JSONPath", key, ql == SD_VD_JSONATA ? "JSONPath" : "JSONata");
}

static bool listed(const char *const *list, const char *key) {
  for (size_t i = 0; list != NULL && list[i] != NULL; i++)
    if (strcmp(list[i], key) == 0)
      return true;
  return false;
}

void sd_vd_fields(struct sd_vd_ctx *c, json_t *obj, const char *const *both, const char *const *path_only,
                  const char *const *ata_only, enum sd_vd_ql ql) {
  const char *key;
  SD_VD_FOREACH_KEY(obj, it, key) {
    if (listed(both, key))
      continue;
    if (listed(path_only, key) || listed(ata_only, key)) {
      if (listed(ql == SD_VD_JSONATA ? path_only : ata_only, key))
        sd_vd_wrong_lang(c, key, ql);
      continue;
    }
    sd_vd_err(c, "Field '%s' is not supported", key);
  }
}

#define NFIELDS (sizeof fields / sizeof fields[0])

/* A state's keys, each with the field it names (NFIELDS: none). */
struct keyed {
  const char *key; /* borrowed from the state */
  size_t field;
};

/* Finding the field a key names is the innermost loop of validation
 * (every key of every state): the fields are chained by their first byte,
 * once, so that a key is compared with the one or few fields that start
 * like it rather than with every field before its own. */
#define NO_FIELD UINT8_MAX
static uint8_t field_head[256];     /* first field starting with this byte */
static uint8_t field_next[NFIELDS]; /* next field with the same first byte */
static pthread_once_t field_once = PTHREAD_ONCE_INIT;
_Static_assert(NFIELDS < NO_FIELD, "field indices fit a byte");

static void field_chains_build(void) {
  memset(field_head, NO_FIELD, sizeof field_head);
  for (size_t i = NFIELDS; i-- > 0;) { /* backwards: chains keep the table's order */
    unsigned char b = (unsigned char)fields[i].name[0];
    field_next[i] = field_head[b];
    field_head[b] = (uint8_t)i;
  }
}

/* The field named by `key`, or NFIELDS. */
static size_t field_find(const char *key) {
  for (size_t i = field_head[(unsigned char)key[0]]; i != NO_FIELD; i = field_next[i])
    if (strcmp(fields[i].name + 1, key + 1) == 0)
      return i;
  return NFIELDS;
}

/* Fills vals (F_NVALS entries, borrowed) with the value of each field
 * read through it, NULL when absent (a slot for every field cost zeroing
 * 48 pointers a state), and keys (json_object_size(st) entries) with each
 * key and its field: the one walk over the keys answers what would
 * otherwise be a hash lookup per field (Type and QueryLanguage included,
 * read before the keys are judged). Reports nothing. */
static void state_fields(json_t *st, json_t **vals, struct keyed *keys) {
  const char *key;
  json_t *v;
  size_t k = 0;
  pthread_once(&field_once, field_chains_build);
  memset(vals, 0, F_NVALS * sizeof *vals);
  SD_VD_FOREACH(st, it, key, v) {
    size_t i = field_find(key);
    if (i < F_NVALS)
      vals[i] = v;
    keys[k++] = (struct keyed){ key, i };
  }
}

/* Reports the keys that this type or language does not take, in key order. */
static void judge_fields(struct sd_vd_ctx *c, const struct keyed *keys, size_t n, unsigned bit,
                         enum sd_vd_ql ql) {
  for (size_t k = 0; k < n; k++) {
    const struct field *f = keys[k].field < NFIELDS ? &fields[keys[k].field] : NULL;
    if (f == NULL || !(f->types & bit))
      sd_vd_err(c, "Field '%s' is not supported", keys[k].key);
    else if ((f->lang == L_PATH && ql == SD_VD_JSONATA) || (f->lang == L_ATA && ql == SD_VD_JSONPATH))
      sd_vd_wrong_lang(c, keys[k].key, ql);
  }
}

/* A state's language: its own QueryLanguage, else the machine's. States in
 * nested machines inherit the top level's, not the enclosing Map's (as AWS
 * judges them). */
static enum sd_vd_ql state_ql(struct sd_vd_ctx *c, json_t *q) {
  static const char *const langs[] = { "JSONPath", "JSONata", NULL };
  if (q == NULL)
    return c->top_ql;
  sd_vd_enum(c, "QueryLanguage", q, langs);
  const char *s = json_string_value(q);
  if (s != NULL && strcmp(s, "JSONata") == 0)
    return SD_VD_JSONATA;
  if (s != NULL && strcmp(s, "JSONPath") == 0) {
    if (c->top_ql == SD_VD_JSONATA)
      sd_vd_err(c, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
    return SD_VD_JSONPATH;
  }
  return c->top_ql;
}

static void transitions(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *const *vals,
                        unsigned bit) {
  if (bit & (T_SUCCEED | T_FAIL)) {
    sd_vd_scope_terminal(scope, index);
    return;
  }
  if (!(bit & T_FLOW))
    return;
  json_t *next = vals[F_NEXT];
  json_t *end = vals[F_END];
  bool is_end = end != NULL && sd_vd_bool(c, "End", end) && json_is_true(end);
  if (next != NULL && is_end)
    sd_vd_err(c, "Fields 'Next' and 'End' are mutually exclusive");
  else if (next == NULL && !is_end && (end == NULL || json_is_false(end)))
    sd_vd_err(c, "One of the fields 'Next' or 'End' is required");
  if (next != NULL && sd_vd_string(c, "Next", next))
    sd_vd_scope_edge(c, scope, index, json_string_value(next), "Next");
  if (is_end)
    sd_vd_scope_terminal(scope, index);
}

/* InputPath, OutputPath, ResultPath, Parameters, ResultSelector, Assign. */
/* ResultPath writes into the state's input: a Reference Path on it, never
 * on the read-only context object ("$$..."), which would only fail at run
 * time (found by fuzzing). */
static void result_path(struct sd_vd_ctx *c, json_t *v) {
  if (json_is_string(v) && strncmp(json_string_value(v), "$$", 2) == 0) {
    sd_vd_err_at(c, "ResultPath", "Value must be a valid ReferencePath.");
    return;
  }
  sd_vd_path(c, "ResultPath", v, SD_VD_PATH_NULL | SD_VD_PATH_REF);
}

static void io_fields(struct sd_vd_ctx *c, json_t *const *vals, enum sd_vd_ql ql) {
  json_t *v;
  if ((v = vals[F_ASSIGN]) != NULL && sd_vd_object(c, "Assign", v) && ql == SD_VD_JSONPATH)
    sd_vd_template(c, "Assign", v);
  if (ql != SD_VD_JSONPATH)
    return;
  if ((v = vals[F_INPUT_PATH]) != NULL)
    sd_vd_path(c, "InputPath", v, SD_VD_PATH_NULL | SD_VD_PATH_VARS);
  if ((v = vals[F_OUTPUT_PATH]) != NULL)
    sd_vd_path(c, "OutputPath", v, SD_VD_PATH_NULL | SD_VD_PATH_VARS);
  if ((v = vals[F_RESULT_PATH]) != NULL)
    result_path(c, v);
  if ((v = vals[F_PARAMETERS]) != NULL)
    sd_vd_template(c, "Parameters", v);
  if ((v = vals[F_RESULT_SELECTOR]) != NULL)
    sd_vd_template(c, "ResultSelector", v);
}

/* Error names Step Functions raises beyond the ASL list in err.h. */
static bool known_error(const char *name) {
  return sd_err_is_predefined(name) || strcmp(name, "States.Http.Socket") == 0;
}

/* ErrorEquals of a retrier or catcher (at the current pointer). Returns
 * whether it names States.ALL. */
static bool error_equals(struct sd_vd_ctx *c, json_t *obj) {
  json_t *ee = json_object_get(obj, "ErrorEquals");
  if (ee == NULL) {
    sd_vd_err(c, "The field 'ErrorEquals' is required but was missing");
    return false;
  }
  if (!json_is_array(ee) || json_array_size(ee) == 0) {
    sd_vd_err_at(c, "ErrorEquals", "Value must be a non-empty array of strings.");
    return false;
  }
  bool all = false;
  size_t mark = sd_vd_push(c, "ErrorEquals"), i;
  json_t *e;
  json_array_foreach(ee, i, e) {
    size_t m2 = sd_vd_push_index(c, i);
    const char *name = json_string_value(e);
    if (name == NULL)
      sd_vd_err(c, "Value must be a string.");
    else if (strcmp(name, "States.ALL") == 0)
      all = true;
    else if (strncmp(name, "States.", 7) == 0 && !known_error(name))
      sd_vd_warn_at(c, SD_VD_ERROR_NAME, NULL,
                    "'%s' is not an error name Step Functions raises; nothing will match it", name);
    sd_vd_pop(c, m2);
  }
  if (all && json_array_size(ee) > 1)
    sd_vd_err(c, "'States.ALL' must appear alone in ErrorEquals");
  sd_vd_pop(c, mark);
  return all;
}

static void retrier(struct sd_vd_ctx *c, json_t *r, bool last) {
  static const char *const both[] = { "ErrorEquals",     "IntervalSeconds", "MaxAttempts", "BackoffRate",
                                      "MaxDelaySeconds", "JitterStrategy",  "Comment",     NULL };
  static const char *const jitter[] = { "FULL", "NONE", NULL };
  sd_vd_fields(c, r, both, NULL, NULL, SD_VD_JSONPATH);
  bool all = error_equals(c, r);
  json_t *v;
  if ((v = json_object_get(r, "IntervalSeconds")) != NULL)
    sd_vd_int(c, "IntervalSeconds", v, 1, 99999999, false);
  if ((v = json_object_get(r, "MaxAttempts")) != NULL)
    sd_vd_int(c, "MaxAttempts", v, 0, 99999999, false);
  if ((v = json_object_get(r, "BackoffRate")) != NULL)
    sd_vd_number(c, "BackoffRate", v, 1.0, 1e9, false);
  if ((v = json_object_get(r, "MaxDelaySeconds")) != NULL)
    sd_vd_int(c, "MaxDelaySeconds", v, 1, 31622400, false);
  if ((v = json_object_get(r, "JitterStrategy")) != NULL)
    sd_vd_enum(c, "JitterStrategy", v, jitter);
  if (all && !last)
    sd_vd_err(c, "A Retrier with 'States.ALL' in ErrorEquals must be the last one in Retry");
}

static void catcher(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *k, enum sd_vd_ql ql,
                    bool last) {
  static const char *const both[] = { "ErrorEquals", "Next", "Assign", "Comment", NULL };
  static const char *const path_only[] = { "ResultPath", NULL };
  static const char *const ata_only[] = { "Output", NULL };
  sd_vd_fields(c, k, both, path_only, ata_only, ql);
  bool all = error_equals(c, k);
  json_t *v;
  if ((v = json_object_get(k, "Next")) == NULL)
    sd_vd_err(c, "The field 'Next' is required but was missing");
  else if (sd_vd_string(c, "Next", v))
    sd_vd_scope_edge(c, scope, index, json_string_value(v), "Next");
  if ((v = json_object_get(k, "ResultPath")) != NULL && ql == SD_VD_JSONPATH)
    result_path(c, v);
  if ((v = json_object_get(k, "Assign")) != NULL && sd_vd_object(c, "Assign", v) && ql == SD_VD_JSONPATH)
    sd_vd_template(c, "Assign", v);
  if (all && !last)
    sd_vd_err(c, "A Catcher with 'States.ALL' in ErrorEquals must be the last one in Catch");
}

static void retry_catch(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *const *vals,
                        enum sd_vd_ql ql) {
  static const char *const names[] = { "Retry", "Catch" };
  for (int which = 0; which < 2; which++) {
    json_t *arr = vals[which == 0 ? F_RETRY : F_CATCH];
    if (arr == NULL)
      continue;
    size_t mark = sd_vd_push(c, names[which]);
    if (!json_is_array(arr))
      sd_vd_err(c, "Value must be an array.");
    size_t n = json_array_size(arr), i;
    json_t *e;
    json_array_foreach(arr, i, e) {
      size_t m2 = sd_vd_push_index(c, i);
      if (!json_is_object(e))
        sd_vd_err(c, "Value must be an object.");
      else if (which == 0)
        retrier(c, e, i + 1 == n);
      else
        catcher(c, scope, index, e, ql, i + 1 == n);
      sd_vd_pop(c, m2);
    }
    sd_vd_pop(c, mark);
  }
}

/* A value that was meant to be read from the input ("Error": "$.error"). */
static void no_path(struct sd_vd_ctx *c, const char *field, json_t *v) {
  const char *s = json_string_value(v);
  if (s != NULL && (strncmp(s, "$.", 2) == 0 || strncmp(s, "$$.", 3) == 0 || strcmp(s, "$") == 0))
    sd_vd_warn_at(c, SD_VD_NO_PATH, field,
                  "Field value looks like a path, but field name does not end with 'Path'");
}

static bool has_dynamic_key(json_t *v, int depth) {
  if (depth > SD_VD_MAX_TEMPLATE_DEPTH)
    return false;
  const char *key;
  json_t *e;
  size_t i;
  if (json_is_array(v))
    json_array_foreach(v, i, e) {
      if (has_dynamic_key(e, depth + 1))
        return true;
    }
  SD_VD_FOREACH(v, it, key, e) {
    if (sd_vd_key_is_dynamic(key, json_object_iter_key_len(it)) || has_dynamic_key(e, depth + 1))
      return true;
  }
  return false;
}

static void pass_state(struct sd_vd_ctx *c, json_t *const *vals) {
  json_t *r = vals[F_RESULT];
  if (r != NULL && has_dynamic_key(r, 0))
    sd_vd_warn_at(c, SD_VD_PASS_STATIC, "Result", "Attempt to use a path in the result of a pass state.");
}

void sd_vd_exclusive(struct sd_vd_ctx *c, json_t *st, const char *a, const char *b) {
  if (json_object_get(st, a) != NULL && json_object_get(st, b) != NULL)
    sd_vd_err(c, "Fields '%s' and '%s' are mutually exclusive", a, b);
}

static void credentials(struct sd_vd_ctx *c, json_t *cr, enum sd_vd_ql ql) {
  size_t mark = sd_vd_push(c, "Credentials");
  json_t *arn = json_object_get(cr, "RoleArn");
  json_t *arn_path = ql == SD_VD_JSONPATH ? json_object_get(cr, "RoleArn.$") : NULL;
  if (!json_is_object(cr))
    sd_vd_err(c, "Value must be an object.");
  else if (arn == NULL && arn_path == NULL)
    sd_vd_err(c, "The field 'RoleArn' is required but was missing"); /* AWS's words */
  if (arn != NULL)
    sd_vd_string(c, "RoleArn", arn);
  if (arn_path != NULL)
    sd_vd_path(c, "RoleArn.$", arn_path, SD_VD_PATH_REF | SD_VD_PATH_VARS | SD_VD_PATH_INTRINSIC);
  sd_vd_pop(c, mark);
}

static void task_state(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql) {
  bool ata = ql == SD_VD_JSONATA;
  json_t *v = json_object_get(st, "Resource");
  if (v == NULL)
    sd_vd_err(c, "The field 'Resource' is required but was missing");
  else if (sd_vd_string(c, "Resource", v))
    sd_vd_resource(c, json_string_value(v));
  sd_vd_exclusive(c, st, "TimeoutSeconds", "TimeoutSecondsPath");
  sd_vd_exclusive(c, st, "HeartbeatSeconds", "HeartbeatSecondsPath");
  json_t *to = json_object_get(st, "TimeoutSeconds");
  json_t *hb = json_object_get(st, "HeartbeatSeconds");
  bool to_ok = to != NULL && sd_vd_int(c, "TimeoutSeconds", to, 1, 99999999, ata);
  bool hb_ok = hb != NULL && sd_vd_int(c, "HeartbeatSeconds", hb, 1, 99999999, ata);
  /* ASL: "HeartbeatSeconds ... MUST be smaller than TimeoutSeconds". */
  if (to_ok && hb_ok && json_is_integer(to) && json_is_integer(hb) &&
      json_integer_value(hb) >= json_integer_value(to))
    sd_vd_err_at(c, "HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds");
  if (!ata && (v = json_object_get(st, "TimeoutSecondsPath")) != NULL)
    sd_vd_path(c, "TimeoutSecondsPath", v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
  if (!ata && (v = json_object_get(st, "HeartbeatSecondsPath")) != NULL)
    sd_vd_path(c, "HeartbeatSecondsPath", v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
  if ((v = json_object_get(st, "Credentials")) != NULL)
    credentials(c, v, ql);
  if (ata && (v = json_object_get(st, "Arguments")) != NULL && !json_is_object(v) &&
      !(json_is_string(v) && sd_vd_is_jsonata(json_string_value(v))))
    sd_vd_err_at(c, "Arguments", "Value must be an object or a JSONata expression.");
}

static void wait_state(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql) {
  static const char *const how[] = { "Seconds", "SecondsPath", "Timestamp", "TimestampPath" };
  int n = 0;
  for (int i = 0; i < 4; i++)
    n += json_object_get(st, how[i]) != NULL;
  if (n != 1)
    sd_vd_err(c, "Exactly one of the fields [Seconds, SecondsPath, Timestamp, TimestampPath] is required");
  bool ata = ql == SD_VD_JSONATA;
  json_t *v;
  if ((v = json_object_get(st, "Seconds")) != NULL)
    sd_vd_int(c, "Seconds", v, 0, 99999999, ata);
  if ((v = json_object_get(st, "Timestamp")) != NULL && !(ata && sd_vd_is_jsonata(json_string_value(v))))
    sd_vd_timestamp(c, "Timestamp", v);
  if (!ata && (v = json_object_get(st, "SecondsPath")) != NULL)
    sd_vd_path(c, "SecondsPath", v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
  if (!ata && (v = json_object_get(st, "TimestampPath")) != NULL)
    sd_vd_path(c, "TimestampPath", v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
}

static void fail_state(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql) {
  static const char *const names[] = { "Error", "Cause" };
  for (int i = 0; i < 2; i++) {
    char path_name[16];
    snprintf(path_name, sizeof path_name, "%sPath", names[i]);
    sd_vd_exclusive(c, st, names[i], path_name);
    json_t *v = json_object_get(st, names[i]);
    if (v != NULL && sd_vd_string(c, names[i], v) && ql == SD_VD_JSONPATH)
      no_path(c, names[i], v);
    if (ql == SD_VD_JSONPATH && (v = json_object_get(st, path_name)) != NULL)
      sd_vd_path(c, path_name, v, SD_VD_PATH_REF | SD_VD_PATH_VARS | SD_VD_PATH_INTRINSIC);
  }
}

void sd_vd_state(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *st) {
  if (!json_is_object(st)) {
    sd_vd_err(c, "Value must be an object.");
    return;
  }
  json_t *vals[F_NVALS];
  struct keyed few[16];
  size_t nkeys = json_object_size(st);
  struct keyed *keys = nkeys <= sizeof few / sizeof few[0] ? few : sd_xcalloc(nkeys, sizeof *keys);
  state_fields(st, vals, keys);
  json_t *type = vals[F_TYPE];
  unsigned bit = 0;
  const char *tname = json_string_value(type);
  for (size_t i = 0; i < sizeof types / sizeof types[0] && tname != NULL && bit == 0; i++)
    if (types[i].name[0] == tname[0] && strcmp(types[i].name, tname) == 0)
      bit = types[i].bit;
  if (type == NULL)
    sd_vd_err(c, "The field 'Type' is required but was missing");
  else if (bit == 0)
    sd_vd_err_at(c, "Type",
                 "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, "
                 "Choice, Parallel, Map]");
  if (bit == 0) {
    if (keys != few)
      free(keys);
    return;
  }
  enum sd_vd_ql ql = state_ql(c, vals[F_QL]);
  judge_fields(c, keys, nkeys, bit, ql);
  if (keys != few)
    free(keys);
  json_t *v;
  if ((v = vals[F_COMMENT]) != NULL)
    sd_vd_string(c, "Comment", v);
  transitions(c, scope, index, vals, bit);
  io_fields(c, vals, ql);
  if (bit & T_RETRY)
    retry_catch(c, scope, index, vals, ql);
  switch (bit) {
    case T_PASS:
      pass_state(c, vals);
      break;
    case T_TASK:
      task_state(c, st, ql);
      break;
    case T_CHOICE:
      sd_vd_choice(c, scope, index, st, ql);
      break;
    case T_WAIT:
      wait_state(c, st, ql);
      break;
    case T_FAIL:
      fail_state(c, st, ql);
      break;
    case T_PARALLEL:
      sd_vd_parallel(c, st, ql);
      break;
    case T_MAP:
      sd_vd_map(c, st, ql);
      break;
    default:
      break;
  }
}
