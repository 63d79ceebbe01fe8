/* sd_tmpl_compile / sd_tmpl_eval with paths only (intrinsic calls are in
 * test_tmpl_intrinsic.c): nesting, arrays, constants, AWS's causes. */
#include "path_test.h"

#include "engine/tmpl.h"

/* Compiles `def` and evaluates it on `input` with `ctx` (JSON texts). */
static json_t *run(const char *def, const char *input, const char *ctx, struct sd_err *err) {
  json_t *d = sd_test_json(def);
  struct sd_tmpl *t = sd_tmpl_compile(d, "/States/S/Parameters", err);
  json_decref(d); /* the template keeps nothing of the definition */
  if (t == NULL)
    return NULL;
  json_t *in = sd_test_json(input), *c = ctx ? sd_test_json(ctx) : NULL;
  struct sd_eval_env env = { .ctx = c };
  json_t *out = sd_tmpl_eval(t, in, &env, err);
  json_decref(in);
  json_decref(c);
  sd_tmpl_free(t);
  return out;
}

#define ASSERT_TMPL(def, input, expected)                                                                    \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    json_t *v_ = run((def), (input), ctx, &e_);                                                              \
    if (v_ == NULL)                                                                                          \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, e_.cause ? e_.cause : "?");                 \
    ASSERT(v_ != NULL);                                                                                      \
    int rc_ = sd_test_json_eq(v_, (expected), __FILE__, __LINE__);                                           \
    json_decref(v_);                                                                                         \
    sd_err_clear(&e_);                                                                                       \
    if (rc_ != 0)                                                                                            \
      return 1;                                                                                              \
  } while (0)

static const char *const ctx = "{\"Map\": {\"Item\": {\"Index\": 1, \"Value\": \"B\"}}, \"Execution\": "
                               "{\"Input\": {\"input-value\": 7}}}";

TEST(tmpl_paths_and_constants) {
  ASSERT_TMPL("{\"value.$\": \"$.a\", \"constant\": \"$.a\"}", "{\"a\": [1]}",
              "{\"value\": [1], \"constant\": \"$.a\"}");
  ASSERT_TMPL("{\"all.$\": \"$\"}", "{\"a\": 1}", "{\"all\": {\"a\": 1}}");
  ASSERT_TMPL("{\"idx.$\": \"$$.Map.Item.Index\", \"val.$\": \"$$.Map.Item.Value\", \"in.$\": "
              "\"$$.Execution.Input.input-value\"}",
              "{}", "{\"idx\": 1, \"val\": \"B\", \"in\": 7}");
  ASSERT_TMPL("{\"FromInput.$\": \"$.users[?(@.status == 0)]\"}",
              "{\"users\": [{\"year\": 1997, \"status\": 0}, {\"year\": 1998, \"status\": 1}]}",
              "{\"FromInput\": [{\"year\": 1997, \"status\": 0}]}");
  ASSERT_TMPL("{\"item.$\": \"$.items[*].itemValue\"}", "{}", "{\"item\": []}");
  ASSERT_TMPL("{\"value.$\": \"$['Test\\\\\\\"\\\"Name\\\"']\"}", "{\"Test\\\\\\\"\\\"Name\\\"\": \"V\"}",
              "{\"value\": \"V\"}");
  ASSERT_TMPL("{\".$\": \"$.a\"}", "{\"a\": 1}", "{\"\": 1}");
  ASSERT_TMPL("{\"a.$.b\": \"$.a\", \"x$\": \"$.a\"}", "{\"a\": 1}", "{\"a.$.b\": \"$.a\", \"x$\": \"$.a\"}");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_nested_objects_and_arrays) {
  ASSERT_TMPL("{\"flagged\": true, \"parts\": {\"first.$\": \"$.vals[0]\", \"last3.$\": \"$.vals[3:]\"}}",
              "{\"flagged\": 7, \"vals\": [0, 10, 20, 30, 40, 50]}",
              "{\"flagged\": true, \"parts\": {\"first\": 0, \"last3\": [30, 40, 50]}}");
  ASSERT_TMPL("{\"list\": [1, {\"x.$\": \"$.a\"}, [{\"y.$\": \"$.b\"}], \"$.a\"]}",
              "{\"a\": \"A\", \"b\": \"B\"}", "{\"list\": [1, {\"x\": \"A\"}, [{\"y\": \"B\"}], \"$.a\"]}");
  ASSERT_TMPL("[{\"x.$\": \"$.a\"}, 2]", "{\"a\": 1}", "[{\"x\": 1}, 2]");
  ASSERT_TMPL("{\"deep\": {\"er\": {\"est.$\": \"$..v\"}}, \"k\": {\"const\": [1, 2]}}",
              "{\"v\": 1, \"w\": {\"v\": 2}}",
              "{\"deep\": {\"er\": {\"est\": [1, 2]}}, \"k\": {\"const\": [1, 2]}}");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_keeps_key_order) {
  json_t *def = sd_test_json("{\"z\": 1, \"b.$\": \"$.b\", \"a\": {\"y\": 2, \"x.$\": \"$.b\"}}");
  struct sd_tmpl *t = sd_tmpl_compile(def, "/P", NULL);
  json_t *in = sd_test_json("{\"b\": 0}");
  json_t *out = sd_tmpl_eval(t, in, NULL, NULL);
  char *text = json_dumps(out, JSON_COMPACT);
  ASSERT_STR_EQ(text, "{\"z\":1,\"b\":0,\"a\":{\"y\":2,\"x\":0}}");
  free(text);
  json_decref(out);
  json_decref(in);
  json_decref(def);
  sd_tmpl_free(t);
  ASSERT_NO_LEAKS();
  return 0;
}

/* A template without ".$" keys evaluates to one shared constant; in a
 * mixed one, constant subtrees are shared too. */
TEST(tmpl_constants_are_shared) {
  json_t *def = sd_test_json("{\"a\": {\"b\": [1, 2]}, \"c\": \"$.x\"}");
  struct sd_tmpl *t = sd_tmpl_compile(def, "/P", NULL);
  json_t *in = sd_test_json("{}");
  json_t *o1 = sd_tmpl_eval(t, in, NULL, NULL), *o2 = sd_tmpl_eval(t, in, NULL, NULL);
  ASSERT(o1 != NULL && o1 == o2);
  ASSERT(o1 != def); /* a copy: the definition may go away */
  ASSERT_JSON_EQ(o1, "{\"a\": {\"b\": [1, 2]}, \"c\": \"$.x\"}");
  json_decref(o1);
  json_decref(o2);
  sd_tmpl_free(t);
  json_decref(def);

  def = sd_test_json("{\"a\": {\"b\": [1, 2]}, \"c.$\": \"$.x\"}");
  t = sd_tmpl_compile(def, "/P", NULL);
  json_object_set_new(in, "x", json_integer(3));
  o1 = sd_tmpl_eval(t, in, NULL, NULL);
  o2 = sd_tmpl_eval(t, in, NULL, NULL);
  ASSERT(o1 != o2);
  ASSERT(json_object_get(o1, "a") == json_object_get(o2, "a"));
  ASSERT_JSON_EQ(o1, "{\"a\": {\"b\": [1, 2]}, \"c\": 3}");
  json_decref(o1);
  json_decref(o2);
  sd_tmpl_free(t);
  json_decref(def);
  json_decref(in);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_path_not_found_causes) {
  struct sd_err err = { 0 };
  ASSERT(run("{\"value.$\": \"$.no_such_jsonpath\"}", "{\"int-literal\": 0}", ctx, &err) == NULL);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  ASSERT_STR_EQ(err.cause, "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be "
                           "found in the input '{\"int-literal\":0}'");
  /* "$$" paths still quote the state input. */
  ASSERT(run("{\"value.$\": \"$$.Execution.Input.no_such_jsonpath\"}", "{\"int-literal\": 0}", ctx, &err) ==
         NULL);
  ASSERT_STR_EQ(err.cause,
                "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' "
                "could not be found in the input '{\"int-literal\":0}'");
  ASSERT(run("{\"a\": [{\"address.$\": \"$.application.address\"}]}", "{\"flagged\": false}", ctx, &err) ==
         NULL);
  ASSERT_STR_EQ(err.cause,
                "The JSONPath '$.application.address' specified for the field 'address.$' could not "
                "be found in the input '{\"flagged\":false}'");
  ASSERT(run("{\"v.$\": \"$.a.b\"}", "{\"a\": \"s\", \"u\": \"\\u00e9/\\\"\"}", ctx, &err) == NULL);
  ASSERT_STR_EQ(err.cause,
                "The JSONPath '$.a.b' specified for the field 'v.$' could not be found in the input "
                "'{\"a\":\"s\",\"u\":\"\xc3\xa9/\\\"\"}'");
  ASSERT(run("{\"v.$\": \"$.a\"}", "[1, 2.5, true, null]", ctx, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "The JSONPath '$.a' specified for the field 'v.$' could not be found in the input "
                           "'[1,2.5,true,null]'");
  ASSERT(run("{\"v.$\": \"$.a\"}", "\"text\"", ctx, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "The JSONPath '$.a' specified for the field 'v.$' could not be found in the input "
                           "'\"text\"'");
  /* A null input keeps the path's own cause. */
  ASSERT(run("{\"Input.$\": \"$\"}", "null", ctx, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Unable to apply Path transformation to null or empty input.");
  sd_err_clear(&err);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_compile_errors) {
  const char *bad[][2] = {
    { "{\"parsed.$\": 1}", "/States/S/Parameters" },
    { "{\"parsed.$\": null}", "/States/S/Parameters" },
    { "{\"parsed.$\": {\"a\": 1}}", "/States/S/Parameters" },
    { "{\"parsed.$\": \"literal\"}", "/States/S/Parameters" },
    { "{\"parsed.$\": \"$.a b\"}", "/States/S/Parameters" },
    { "{\"parsed.$\": \"\"}", "/States/S/Parameters" },
    { "{\"x\": {\"parsed.$\": \"$.\"}}", "/States/S/Parameters/x" },
    { "{\"x/~y\": [0, {\"parsed.$\": true}]}", "/States/S/Parameters/x~1~0y/1" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sd_err err = { 0 };
    ASSERT(run(bad[i][0], "{}", ctx, &err) == NULL);
    ASSERT_STR_EQ(err.name, "InvalidDefinition");
    ASSERT_STR_EQ(err.cause,
                  "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic "
                  "function call");
    ASSERT_STR_EQ(err.where, bad[i][1]);
    sd_err_clear(&err);
  }
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_scalar_templates) {
  ASSERT_TMPL("\"$.a\"", "{\"a\": 1}", "\"$.a\"");
  ASSERT_TMPL("42", "{}", "42");
  ASSERT_TMPL("null", "{}", "null");
  ASSERT_TMPL("{}", "{\"a\": 1}", "{}");
  ASSERT_TMPL("[]", "{\"a\": 1}", "[]");
  ASSERT_NO_LEAKS();
  return 0;
}
