/* Payload templates with intrinsic calls: they compile through
 * engine/intrinsic.h, their results land under the key without ".$", and
 * their errors reach the caller unchanged. */
#include "path_test.h"

#include "engine/intrinsic.h"
#include "engine/tmpl.h"

static json_t *run(const char *def, const char *where, const char *input, struct sd_err *err) {
  json_t *d = sd_test_json(def);
  struct sd_tmpl *t = sd_tmpl_compile(d, where, err);
  json_decref(d);
  if (t == NULL)
    return NULL;
  json_t *in = sd_test_json(input);
  json_t *out = sd_tmpl_eval(t, in, NULL, err);
  json_decref(in);
  sd_tmpl_free(t);
  return out;
}

TEST(tmpl_intrinsic_calls) {
  struct sd_err err = { 0 };
  json_t *v =
      run("{\"greeting.$\": \"States.Format('{} is {}', $.a, $.b)\", \"arr.$\": \"States.Array($.a, 2)\", "
          "\"list\": [{\"n.$\": \"States.ArrayLength($.l)\"}], \"plain\": \"States.Array(1)\"}",
          "/P", "{\"a\": \"x\", \"b\": 1, \"l\": [1, 2, 3]}", &err);
  ASSERT_JSON_EQ(v, "{\"greeting\": \"x is 1\", \"arr\": [\"x\", 2], \"list\": [{\"n\": 3}], \"plain\": "
                    "\"States.Array(1)\"}");
  json_decref(v);
  ASSERT_NO_LEAKS();
  return 0;
}

/* From the conformance corpus (test_illegal_escapes): a call that does not
 * parse is reported like a bad path, at the template. */
TEST(tmpl_intrinsic_compile_errors) {
  const char *bad[] = {
    "{\"parsed.$\": \"States.StringToJson('{\\\"text\\\":\\\"An \\\\\\\"escaped double quote\\\\\\\" "
    "here\\\"}')\"}",
    "{\"parsed.$\": \"States.Format('He said, \\\\\\\"Hello, {}!\\\\\\\"', 'Test \\\\\\\"Name\\\\\\\" "
    "Here')\"}",
    "{\"parsed.$\": \"States.NoSuchFunction(1)\"}",
    "{\"parsed.$\": \"States.Array(\"}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sd_err err = { 0 };
    ASSERT(run(bad[i], "/States/IntrinsicEscape/Parameters", "{}", &err) == NULL);
    ASSERT_STR_EQ(err.name, "InvalidDefinition");
    ASSERT_STR_EQ(err.cause,
                  "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic "
                  "function call");
    ASSERT_STR_EQ(err.where, "/States/IntrinsicEscape/Parameters");
    sd_err_clear(&err);
  }
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(tmpl_intrinsic_errors_pass_through) {
  const char *call = "States.MathAdd($.a, 1)";
  struct sd_err direct = { 0 }, err = { 0 };
  struct sd_intrinsic *f = sd_intrinsic_compile(call, &direct);
  ASSERT(f != NULL);
  json_t *in = sd_test_json("{\"a\": \"s\"}");
  ASSERT(sd_intrinsic_eval(f, in, NULL, &direct) == NULL);
  ASSERT(direct.name != NULL && direct.cause != NULL);
  ASSERT(run("{\"sum.$\": \"States.MathAdd($.a, 1)\"}", "/P", "{\"a\": \"s\"}", &err) == NULL);
  ASSERT_STR_EQ(err.name, direct.name);
  ASSERT_STR_EQ(err.cause, direct.cause);
  sd_err_clear(&err);
  sd_err_clear(&direct);
  json_decref(in);
  sd_intrinsic_free(f);
  ASSERT_NO_LEAKS();
  return 0;
}
