/* States.StringToJson, States.JsonToString and States.JsonMerge, with the
 * results AWS recorded (test_string_to_json, test_json_to_string,
 * test_json_merge*). */
#include "runner.h"

#include <string.h>

#include "engine/err.h"
#include "helpers.h"

static int eq(const char *expr, const char *input, const char *expected) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  if (out == NULL)
    fprintf(stderr, "%s: %s: %s\n", expr, err.name, err.cause);
  int rc = sd_test_json_eq(out, expected, __FILE__, __LINE__);
  json_decref(out);
  sd_err_clear(&err);
  return rc;
}

/* JSON-to-string output compared as text, not as parsed JSON. */
static int str(const char *expr, const char *input, const char *expected) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  int rc = out == NULL || !json_is_string(out) || strcmp(json_string_value(out), expected) != 0;
  if (rc)
    fprintf(stderr, "%s on %s: got %s, expected %s\n", expr, input,
            out && json_is_string(out) ? json_string_value(out) : err.cause, expected);
  json_decref(out);
  sd_err_clear(&err);
  return rc;
}

static const char *s2j = "States.StringToJson($.FunctionInput)";
static const char *j2s = "States.JsonToString($.FunctionInput)";

TEST(string_to_json_aws_cases) {
  ASSERT(eq(s2j, "{\"FunctionInput\": \"\"}", "null") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \" \"}", "null") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"null\"}", "null") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"-0\"}", "0") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"1.1\"}", "1.1") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"true\"}", "true") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"\\\"HelloWorld\\\"\"}", "\"HelloWorld\"") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"[1, 2, \\\"HelloWorld\\\"]\"}", "[1, 2, \"HelloWorld\"]") == 0);
  ASSERT(eq(s2j, "{\"FunctionInput\": \"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}",
            "{\"Arg1\": 1, \"Arg2\": []}") == 0);
  ASSERT(eq("States.StringToJson('{\"constant_in_literal\": \"false\"}')", "{}",
            "{\"constant_in_literal\": \"false\"}") == 0);
  return 0;
}

TEST(string_to_json_rejects_bad_input) {
  ASSERT_STR_EQ(
      intr_fail(s2j, "{\"FunctionInput\": \"{\\\"a\\\": \"}"),
      "Invalid arguments in States.StringToJson: the string is not valid JSON: unexpected token near end of "
      "file");
  ASSERT(strstr(intr_fail(s2j, "{\"FunctionInput\": \"1 2\"}"), "not valid JSON") != NULL);
  ASSERT_STR_EQ(intr_fail(s2j, "{\"FunctionInput\": 5}"),
                "Invalid arguments in States.StringToJson: the argument must be a string, not a number");
  return 0;
}

TEST(json_to_string_aws_cases) {
  ASSERT(str(j2s, "{\"FunctionInput\": null}", "null") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": 0}", "0") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": 1}", "1") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": 1.1}", "1.1") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": true}", "true") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": \"HelloWorld\"}", "\"HelloWorld\"") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": [1, 2, \"HelloWorld\"]}", "[1,2,\"HelloWorld\"]") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": {\"Arg1\": 1, \"Arg2\": []}}", "{\"Arg1\":1,\"Arg2\":[]}") == 0);
  return 0;
}

/* Jackson's escaping: short forms for \b \t \n \f \r, \u00XX (upper-case
 * hex) for other control characters, nothing else escaped. */
TEST(json_to_string_escapes_like_jackson) {
  ASSERT(str(j2s, "{\"FunctionInput\": \"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\\u00e9\"}",
             "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001F\x7f\xc3\xa9\"") == 0);
  ASSERT(str(j2s, "{\"FunctionInput\": {\"k\\\"\": [1.0, 1e20, -0.5, {}]}}",
             "{\"k\\\"\":[1.0,1.0E20,-0.5,{}]}") == 0);
  ASSERT(str("States.JsonToString($)", "{\"b\": 1, \"a\": 2}", "{\"b\":1,\"a\":2}") == 0);
  return 0;
}

TEST(round_trip) {
  ASSERT(eq("States.StringToJson(States.JsonToString($))",
            "{\"a\": [1, 2.5, \"x\\n\"], \"b\": {\"c\": null}}",
            "{\"a\": [1, 2.5, \"x\\n\"], \"b\": {\"c\": null}}") == 0);
  return 0;
}

TEST(json_merge_is_shallow) {
  const char *in = "{\"fst\": {\"a\": {\"a1\": 1, \"a2\": 2}, \"b\": 2, \"d\": 3}, "
                   "\"snd\": {\"a\": {\"a3\": 1, \"a4\": 2}, \"c\": 3, \"d\": 4}}";
  ASSERT(eq("States.JsonMerge($.fst, $.snd, false)", in,
            "{\"a\": {\"a3\": 1, \"a4\": 2}, \"b\": 2, \"c\": 3, \"d\": 4}") == 0);
  /* Keys of the first object keep their place; new ones are appended. */
  ASSERT(str("States.JsonToString(States.JsonMerge($.fst, $.snd, false))", in,
             "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"d\":4,\"c\":3}") == 0);
  /* The input is not modified. */
  ASSERT(eq("States.Array(States.JsonMerge($.fst, $.snd, false), $.fst)", in,
            "[{\"a\": {\"a3\": 1, \"a4\": 2}, \"b\": 2, \"c\": 3, \"d\": 4},"
            " {\"a\": {\"a1\": 1, \"a2\": 2}, \"b\": 2, \"d\": 3}]") == 0);
  return 0;
}

TEST(json_merge_with_context_input) {
  struct sd_err err = { 0 };
  json_t *out =
      intr_run_env("States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), "
                   "$$.Execution.Input.input_field, false)",
                   "{}", "{\"Execution\": {\"Input\": {\"input_field\": {\"constant_input_field\": \"v\"}}}}",
                   true, NULL, &err);
  ASSERT_JSON_EQ(out, "{\"constant_in_literal\": \"false\", \"constant_input_field\": \"v\"}");
  json_decref(out);
  return 0;
}

TEST(json_merge_argument_checks) {
  ASSERT_STR_EQ(intr_fail("States.JsonMerge($.a, $.b, true)", "{\"a\": {}, \"b\": {}}"),
                "Invalid arguments in States.JsonMerge: deep merging is not supported; set the third "
                "argument to false");
  ASSERT_STR_EQ(intr_fail("States.JsonMerge($.a, $.b, 'false')", "{\"a\": {}, \"b\": {}}"),
                "Invalid arguments in States.JsonMerge: the deep merge flag must be a boolean, not a string");
  ASSERT_STR_EQ(intr_fail("States.JsonMerge($.a, $.b, false)", "{\"a\": [], \"b\": {}}"),
                "Invalid arguments in States.JsonMerge: argument 1 must be an object, not an array");
  ASSERT_STR_EQ(intr_fail("States.JsonMerge($.a, $.b, false)", "{\"a\": {}, \"b\": null}"),
                "Invalid arguments in States.JsonMerge: argument 2 must be an object, not null");
  return 0;
}
