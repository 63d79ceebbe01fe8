/* Choice states: Choices (a non-empty array of rules), Default, and the rules
 * themselves. A JSONPath rule is either a comparison (Variable plus exactly
 * one operator) or a combination (And / Or: non-empty arrays of rules; Not:
 * one rule); only the top-level rules carry Next (and Assign). A JSONata
 * rule is a Condition with its Next. Operators and their value types follow
 * the AWS Developer Guide page "Choice workflow state". Not for: other state
 * types (validate_state.c). */
#include "engine/validate.h"

#include <string.h>

#include "engine/validate_impl.h"

enum operand { O_STRING, O_NUMBER, O_BOOL, O_TIMESTAMP, O_PATH, O_TEST };

static const struct {
  const char *name;
  enum operand type;
} operators[] = {
  { "StringEquals", O_STRING },
  { "StringEqualsPath", O_PATH },
  { "StringLessThan", O_STRING },
  { "StringLessThanPath", O_PATH },
  { "StringGreaterThan", O_STRING },
  { "StringGreaterThanPath", O_PATH },
  { "StringLessThanEquals", O_STRING },
  { "StringLessThanEqualsPath", O_PATH },
  { "StringGreaterThanEquals", O_STRING },
  { "StringGreaterThanEqualsPath", O_PATH },
  { "StringMatches", O_STRING },
  { "NumericEquals", O_NUMBER },
  { "NumericEqualsPath", O_PATH },
  { "NumericLessThan", O_NUMBER },
  { "NumericLessThanPath", O_PATH },
  { "NumericGreaterThan", O_NUMBER },
  { "NumericGreaterThanPath", O_PATH },
  { "NumericLessThanEquals", O_NUMBER },
  { "NumericLessThanEqualsPath", O_PATH },
  { "NumericGreaterThanEquals", O_NUMBER },
  { "NumericGreaterThanEqualsPath", O_PATH },
  { "BooleanEquals", O_BOOL },
  { "BooleanEqualsPath", O_PATH },
  { "TimestampEquals", O_TIMESTAMP },
  { "TimestampEqualsPath", O_PATH },
  { "TimestampLessThan", O_TIMESTAMP },
  { "TimestampLessThanPath", O_PATH },
  { "TimestampGreaterThan", O_TIMESTAMP },
  { "TimestampGreaterThanPath", O_PATH },
  { "TimestampLessThanEquals", O_TIMESTAMP },
  { "TimestampLessThanEqualsPath", O_PATH },
  { "TimestampGreaterThanEquals", O_TIMESTAMP },
  { "TimestampGreaterThanEqualsPath", O_PATH },
  { "IsNull", O_TEST },
  { "IsPresent", O_TEST },
  { "IsNumeric", O_TEST },
  { "IsString", O_TEST },
  { "IsBoolean", O_TEST },
  { "IsTimestamp", O_TEST },
};

#define NOPS (sizeof operators / sizeof operators[0])

static int find_operator(const char *key) {
  for (size_t i = 0; i < NOPS; i++)
    if (strcmp(operators[i].name, key) == 0)
      return (int)i;
  return -1;
}

static void operand(struct sd_vd_ctx *c, const char *key, json_t *v, enum operand type) {
  switch (type) {
    case O_STRING:
      sd_vd_string(c, key, v);
      break;
    case O_NUMBER:
      if (!json_is_number(v))
        sd_vd_err_at(c, key, "Value must be a number.");
      break;
    case O_BOOL:
    case O_TEST:
      sd_vd_bool(c, key, v);
      break;
    case O_TIMESTAMP:
      sd_vd_timestamp(c, key, v);
      break;
    case O_PATH:
      sd_vd_path(c, key, v, SD_VD_PATH_VARS);
      break;
  }
}

static void rule(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *r, bool top);

static void sub_rules(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, const char *key,
                      json_t *v) {
  size_t mark = sd_vd_push(c, key);
  if (strcmp(key, "Not") == 0) {
    rule(c, scope, index, v, false);
  } else if (!json_is_array(v) || json_array_size(v) == 0) {
    sd_vd_err(c, "Value must be a non-empty array.");
  } else {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      size_t m2 = sd_vd_push_index(c, i);
      rule(c, scope, index, e, false);
      sd_vd_pop(c, m2);
    }
  }
  sd_vd_pop(c, mark);
}

/* Next (and Assign) belong to top-level rules only. */
static void rule_next(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *r, bool top) {
  json_t *next = json_object_get(r, "Next");
  if (!top) {
    if (next != NULL)
      sd_vd_err(c, "Field 'Next' is not supported");
    if (json_object_get(r, "Assign") != NULL)
      sd_vd_err(c, "Field 'Assign' is not supported");
    return;
  }
  if (next == NULL)
    sd_vd_err(c, "The field 'Next' is required but was missing");
  else if (sd_vd_string(c, "Next", next))
    sd_vd_scope_edge(c, scope, index, json_string_value(next), "Next");
  json_t *assign = json_object_get(r, "Assign");
  if (assign != NULL && sd_vd_object(c, "Assign", assign))
    sd_vd_template(c, "Assign", assign);
}

static void rule(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *r, bool top) {
  if (!json_is_object(r)) {
    sd_vd_err(c, "Value must be an object.");
    return;
  }
  if (c->nest >= SD_VD_MAX_NESTING) {
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_TOO_DEEP, sd_vd_loc(c),
               "Choice rules are nested more than %d levels deep", SD_VD_MAX_NESTING);
    return;
  }
  c->nest++;
  rule_next(c, scope, index, r, top);
  int nops = 0, op = -1;
  const char *combinator = NULL;
  const char *key;
  SD_VD_FOREACH_KEY(r, it, key) {
    int k = find_operator(key);
    if (k >= 0) {
      nops++;
      op = k;
    } else if (strcmp(key, "And") == 0 || strcmp(key, "Or") == 0 || strcmp(key, "Not") == 0) {
      nops++;
      combinator = key;
    } else if (strcmp(key, "Condition") == 0 || strcmp(key, "Output") == 0) {
      sd_vd_wrong_lang(c, key, SD_VD_JSONPATH);
    } else if (strcmp(key, "Variable") != 0 && strcmp(key, "Comment") != 0 && strcmp(key, "Next") != 0 &&
               strcmp(key, "Assign") != 0) {
      sd_vd_err(c, "Field '%s' is not supported", key);
    }
  }
  json_t *var = json_object_get(r, "Variable");
  if (nops != 1) {
    sd_vd_err(c, "A Choice rule must hold exactly one comparison operator or one of And, Or, Not");
  } else if (combinator != NULL) {
    if (var != NULL)
      sd_vd_err(c, "Field 'Variable' is not supported");
    sub_rules(c, scope, index, combinator, json_object_get(r, combinator));
  } else {
    if (var == NULL)
      sd_vd_err(c, "The field 'Variable' is required but was missing");
    operand(c, operators[op].name, json_object_get(r, operators[op].name), operators[op].type);
  }
  if (var != NULL)
    sd_vd_path(c, "Variable", var, SD_VD_PATH_VARS);
  c->nest--;
}

static void jsonata_rule(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *r) {
  static const char *const known[] = { "Condition", "Next", "Assign", "Output", "Comment", NULL };
  static const char *const path_only[] = { "Variable", "And", "Or", "Not", NULL };
  if (!json_is_object(r)) {
    sd_vd_err(c, "Value must be an object.");
    return;
  }
  const char *key;
  SD_VD_FOREACH_KEY(r, it, key) {
    bool jsonpath = find_operator(key) >= 0;
    for (size_t i = 0; !jsonpath && path_only[i] != NULL; i++)
      jsonpath = strcmp(path_only[i], key) == 0;
    bool ok = false;
    for (size_t i = 0; !ok && known[i] != NULL; i++)
      ok = strcmp(known[i], key) == 0;
    if (jsonpath)
      sd_vd_wrong_lang(c, key, SD_VD_JSONATA);
    else if (!ok)
      sd_vd_err(c, "Field '%s' is not supported", key);
  }
  json_t *cond = json_object_get(r, "Condition");
  if (cond == NULL)
    sd_vd_err(c, "The field 'Condition' is required but was missing");
  else if (!json_is_string(cond) && !json_is_boolean(cond))
    sd_vd_err_at(c, "Condition", "Value must be a JSONata expression.");
  json_t *next = json_object_get(r, "Next");
  if (next == NULL)
    sd_vd_err(c, "The field 'Next' is required but was missing");
  else if (sd_vd_string(c, "Next", next))
    sd_vd_scope_edge(c, scope, index, json_string_value(next), "Next");
  json_t *assign = json_object_get(r, "Assign");
  if (assign != NULL)
    sd_vd_object(c, "Assign", assign);
}

void sd_vd_choice(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *st,
                  enum sd_vd_ql ql) {
  json_t *choices = json_object_get(st, "Choices");
  if (choices == NULL) {
    sd_vd_err(c, "The field 'Choices' is required but was missing");
  } else if (!json_is_array(choices) || json_array_size(choices) == 0) {
    sd_vd_err_at(c, "Choices", "Value must be a non-empty array.");
  } else {
    size_t mark = sd_vd_push(c, "Choices"), i;
    json_t *r;
    json_array_foreach(choices, i, r) {
      size_t m2 = sd_vd_push_index(c, i);
      if (ql == SD_VD_JSONATA)
        jsonata_rule(c, scope, index, r);
      else
        rule(c, scope, index, r, true);
      sd_vd_pop(c, m2);
    }
    sd_vd_pop(c, mark);
  }
  json_t *def = json_object_get(st, "Default");
  if (def != NULL && sd_vd_string(c, "Default", def))
    sd_vd_scope_edge(c, scope, index, json_string_value(def), "Default");
}
