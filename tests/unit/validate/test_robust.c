/* Bad input never crashes the validator: wrong types at every node of a
 * rich definition, random damage to its text, deep nesting and big machines.
 * Run under ASan/UBSan, these are the tests that would catch a NULL
 * dereference or an unbounded recursion. */
#include "runner.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/validate.h"
#include "vtest.h"

/* Uses every state type and most fields. */
static const char rich[] =
    "{'Comment': 'c', 'StartAt': 'P', 'TimeoutSeconds': 100, 'States': {"
    "'P': {'Type': 'Pass', 'InputPath': '$.a', 'Parameters': {'x.$': '$.a', 'l': [1, {'y.$': "
    "'$$.Execution.Id'}]},"
    " 'ResultPath': '$.r', 'Next': 'T'},"
    "'T': {'Type': 'Task', 'Resource': 'arn:aws:states:::lambda:invoke', 'TimeoutSeconds': 10,"
    " 'HeartbeatSeconds': 5, 'Credentials': {'RoleArn': 'arn:aws:iam::123456789012:role/r'},"
    " 'Retry': [{'ErrorEquals': ['States.Timeout'], 'MaxAttempts': 2, 'BackoffRate': 2.0, 'JitterStrategy': "
    "'FULL'}],"
    " 'Catch': [{'ErrorEquals': ['States.ALL'], 'ResultPath': '$.e', 'Next': 'F'}], 'Next': 'C'},"
    "'C': {'Type': 'Choice', 'Choices': [{'And': [{'Variable': '$.n', 'NumericGreaterThan': 1},"
    " {'Not': {'Variable': '$.s', 'StringEquals': 'x'}}], 'Next': 'W'}], 'Default': 'M'},"
    "'W': {'Type': 'Wait', 'Timestamp': '2016-03-14T01:59:00Z', 'Next': 'M'},"
    "'M': {'Type': 'Map', 'ItemsPath': '$.items', 'MaxConcurrency': 1, 'Label': 'lbl',"
    " 'ItemReader': {'Resource': 'arn:aws:states:::s3:getObject', 'Parameters': {'Bucket': 'b', 'Key': 'k'}},"
    " 'ItemProcessor': {'ProcessorConfig': {'Mode': 'DISTRIBUTED', 'ExecutionType': 'EXPRESS'}, 'StartAt': "
    "'I',"
    " 'States': {'I': {'Type': 'Pass', 'End': true}}}, 'Next': 'L'},"
    "'L': {'Type': 'Parallel', 'Branches': [{'StartAt': 'B', 'States': {'B': {'Type': 'Succeed'}}}], 'Next': "
    "'S'},"
    "'S': {'Type': 'Succeed'},"
    "'F': {'Type': 'Fail', 'ErrorPath': '$.e.Error', 'Cause': 'x'}}}";

/* Checks the shape every result must have, whatever the input. */
static int well_formed(json_t *r) {
  if (!json_is_object(r))
    return 0;
  const char *res = json_string_value(json_object_get(r, "result"));
  if (res == NULL || (strcmp(res, "OK") != 0 && strcmp(res, "FAIL") != 0))
    return 0;
  json_t *diags = json_object_get(r, "diagnostics");
  if (!json_is_array(diags) || json_array_size(diags) > 100)
    return 0;
  size_t i;
  json_t *d;
  json_array_foreach(diags, i, d) {
    if (!json_is_string(json_object_get(d, "severity")) || !json_is_string(json_object_get(d, "code")) ||
        !json_is_string(json_object_get(d, "message")))
      return 0;
  }
  char *m = sd_validate_message(r);
  int ok = (m != NULL) == (strcmp(res, "FAIL") == 0);
  free(m);
  return ok;
}

/* Replaces the n-th node (pre-order, root excluded) of v by `with`
 * (borrowed); *n counts down. Returns true once replaced. */
static bool replace_nth(json_t *v, long *n, json_t *with, bool remove) {
  if (json_is_object(v)) {
    const char *key;
    json_t *e;
    void *tmp;
    json_object_foreach_safe(v, tmp, key, e) {
      if ((*n)-- == 0) {
        if (remove)
          json_object_del(v, key);
        else
          json_object_set(v, key, with);
        return true;
      }
      if (replace_nth(e, n, with, remove))
        return true;
    }
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      if ((*n)-- == 0) {
        if (remove)
          json_array_remove(v, i);
        else
          json_array_set(v, i, with);
        return true;
      }
      if (replace_nth(json_array_get(v, i), n, with, remove))
        return true;
    }
  }
  return false;
}

TEST(every_node_of_every_wrong_type) {
  char *text = vt_quote(rich);
  json_t *def = sd_test_json(text);
  json_t *base = sd_validate(def, NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(base, "result")), "OK");
  json_decref(base);
  static const char *const values[] = { "null",
                                        "true",
                                        "0",
                                        "-1",
                                        "1.5",
                                        "\"\"",
                                        "\"$.x\"",
                                        "\"States.ALL\"",
                                        "[]",
                                        "{}",
                                        "[1, null]",
                                        "{\"Type\": 7}",
                                        "{\"a\": {\"b.$\": 1}}" };
  int variants = 0;
  for (size_t k = 0; k <= sizeof values / sizeof values[0]; k++) {
    bool remove = k == sizeof values / sizeof values[0];
    json_t *with = remove ? NULL : sd_test_json(values[k]);
    for (long n = 0;; n++) {
      json_t *copy = json_deep_copy(def);
      long left = n;
      if (!replace_nth(copy, &left, with, remove)) {
        json_decref(copy);
        break;
      }
      json_t *r = sd_validate(copy, NULL);
      ASSERT(well_formed(r));
      json_decref(r);
      char *dumped = json_dumps(copy, 0);
      struct sd_validate_opts express = { .type = "EXPRESS" };
      r = sd_validate_text(dumped, strlen(dumped), &express);
      ASSERT(well_formed(r));
      json_decref(r);
      free(dumped);
      json_decref(copy);
      variants++;
    }
    json_decref(with);
  }
  ASSERT(variants > 1000);
  json_decref(def);
  free(text);
  return 0;
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

TEST(damaged_text) {
  char *text = vt_quote(rich);
  size_t len = strlen(text);
  static const char pieces[] = "{}[]\",:\\ 0aE$.";
  uint64_t seed = 0x9E3779B97F4A7C15u;
  for (int iter = 0; iter < 3000; iter++) {
    char *t = sd_xstrdup(text);
    size_t n = len;
    int edits = 1 + (int)(next_rand(&seed) % 4);
    for (int e = 0; e < edits; e++) {
      size_t at = (size_t)(next_rand(&seed) % n);
      switch (next_rand(&seed) % 3) {
        case 0:
          t[at] = pieces[next_rand(&seed) % (sizeof pieces - 1)];
          break;
        case 1:
          t[at] = (char)(next_rand(&seed) & 0xFF);
          break;
        default:
          n = at + 1; /* truncate */
          break;
      }
    }
    json_t *r = sd_validate_text(t, n, NULL);
    ASSERT(well_formed(r));
    json_decref(r);
    free(t);
  }
  free(text);
  return 0;
}

static int has_code(json_t *r, const char *code) {
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(r, "diagnostics"), i, d) {
    if (strcmp(json_string_value(json_object_get(d, "code")), code) == 0)
      return 1;
  }
  return 0;
}

TEST(deeply_nested_machines) {
  struct sd_buf b = { 0 };
  int depth = 300;
  for (int i = 0; i < depth; i++)
    sd_buf_printf(&b,
                  "{\"StartAt\": \"P%d\", \"States\": {\"P%d\": {\"Type\": \"Parallel\", \"End\": true, "
                  "\"Branches\": [",
                  i, i);
  sd_buf_puts(&b, "{\"StartAt\": \"X\", \"States\": {\"X\": {\"Type\": \"Succeed\"}}}");
  for (int i = 0; i < depth; i++)
    sd_buf_puts(&b, "]}}}");
  json_t *r = sd_validate_text(b.data, b.len, NULL);
  ASSERT(well_formed(r));
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "result")), "FAIL");
  ASSERT(has_code(r, "TOO_DEEPLY_NESTED"));
  json_decref(r);
  sd_buf_free(&b);
  return 0;
}

TEST(deeply_nested_text_and_templates) {
  struct sd_buf b = { 0 };
  for (int i = 0; i < 100000; i++)
    sd_buf_putc(&b, '[');
  json_t *r = sd_validate_text(b.data, b.len, NULL);
  ASSERT(well_formed(r));
  ASSERT(has_code(r, "INVALID_JSON_DESCRIPTION"));
  json_decref(r);
  sd_buf_free(&b);
  /* A payload template deeper than the walk's budget, built as a json_t
   * (Jansson's parser would stop at 2048 levels first). */
  json_t *t = json_string("$.x");
  for (int i = 0; i < 5000; i++) {
    json_t *o = json_object();
    json_object_set_new(o, i == 0 ? "v.$" : "k", t);
    t = o;
  }
  json_t *def =
      sd_test_json("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}}}");
  json_object_set_new(json_object_get(json_object_get(def, "States"), "A"), "Parameters", t);
  json_object_set(json_object_get(json_object_get(def, "States"), "A"), "Result", t);
  r = sd_validate(def, NULL);
  ASSERT(well_formed(r));
  ASSERT(has_code(r, "TOO_DEEPLY_NESTED"));
  json_decref(r);
  json_decref(def);
  return 0;
}

TEST(big_machine) {
  /* 20000 states in a chain and a Choice fanning out to every tenth: the
   * graph walks must stay linear. */
  struct sd_buf b = { 0 };
  int n = 20000;
  sd_buf_puts(
      &b,
      "{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Default\": \"S0\", \"Choices\": [");
  for (int i = 0; i < n; i += 10)
    sd_buf_printf(&b, "%s{\"Variable\": \"$.v\", \"NumericEquals\": %d, \"Next\": \"S%d\"}", i ? ", " : "", i,
                  i);
  sd_buf_puts(&b, "]}");
  for (int i = 0; i + 1 < n; i++)
    sd_buf_printf(&b, ", \"S%d\": {\"Type\": \"Pass\", \"Next\": \"S%d\"}", i, i + 1);
  sd_buf_printf(&b, ", \"S%d\": {\"Type\": \"Succeed\"}}}", n - 1);
  json_t *r = sd_validate_text(b.data, b.len, NULL);
  ASSERT(well_formed(r));
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "result")), "OK");
  ASSERT_INT_EQ(json_array_size(json_object_get(r, "diagnostics")), 0);
  json_decref(r);
  sd_buf_free(&b);
  return 0;
}
