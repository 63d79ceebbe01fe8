/* States.StringSplit, with the results AWS recorded (test_string_split*,
 * test_escape_sequence): every delimiter character splits, empty tokens go. */
#include "runner.h"

#include "engine/err.h"
#include "helpers.h"

static int eq(const char *expr, const char *input, const char *expected) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  if (out == NULL)
    fprintf(stderr, "%s on %s: %s: %s\n", expr, input, err.name, err.cause);
  int rc = sd_test_json_eq(out, expected, __FILE__, __LINE__);
  json_decref(out);
  sd_err_clear(&err);
  return rc;
}

TEST(split_aws_cases) {
  const char *e = "States.StringSplit($.fst, $.snd)";
  ASSERT(eq(e, "{\"fst\": \", , ,\", \"snd\": \",\"}", "[\" \", \" \"]") == 0);
  ASSERT(eq(e, "{\"fst\": \",,,,\", \"snd\": \",\"}", "[]") == 0);
  ASSERT(eq(e, "{\"fst\": \"1,2,3,4,5\", \"snd\": \",\"}", "[\"1\", \"2\", \"3\", \"4\", \"5\"]") == 0);
  ASSERT(eq(e, "{\"fst\": \"This.is+a,test=string\", \"snd\": \".+,=\"}",
            "[\"This\", \"is\", \"a\", \"test\", \"string\"]") == 0);
  ASSERT(eq(e, "{\"fst\": \"split on T and \\nnew line\", \"snd\": \"T\\n\"}",
            "[\"split on \", \" and \", \"new line\"]") == 0);
  ASSERT(eq("States.StringSplit('Hello\nWorld', '\n')", "{}", "[\"Hello\", \"World\"]") == 0);
  ASSERT(eq("States.StringSplit($.csv, ',')", "{\"csv\": \"a,b,c,d,e\"}",
            "[\"a\", \"b\", \"c\", \"d\", \"e\"]") == 0);
  return 0;
}

TEST(split_context_input) {
  struct sd_err err = { 0 };
  json_t *out =
      intr_run_env("States.StringSplit($$.Execution.Input.FunctionInput, ',')", "{}",
                   "{\"Execution\": {\"Input\": {\"FunctionInput\": \"Value1,Value2,Value3\\nValue4,Value5,"
                   "Value6\\n,,,\\ntrue,1,'HelloWorld'\\nNull,None,\\n   \\n\"}}}",
                   true, NULL, &err);
  ASSERT_JSON_EQ(
      out, "[\"Value1\", \"Value2\", \"Value3\\nValue4\", \"Value5\", \"Value6\\n\", \"\\ntrue\", \"1\", "
           "\"'HelloWorld'\\nNull\", \"None\", \"\\n   \\n\"]");
  json_decref(out);
  return 0;
}

TEST(split_edges) {
  ASSERT(eq("States.StringSplit('', ',')", "{}", "[]") == 0);
  ASSERT(eq("States.StringSplit('abc', '')", "{}", "[\"abc\"]") == 0);
  ASSERT(eq("States.StringSplit('abc', 'x')", "{}", "[\"abc\"]") == 0);
  /* Multi-byte characters are single delimiters and are never cut. */
  ASSERT(eq("States.StringSplit('a\xc3\xa9"
            "b\xc3\xa8"
            "c', '\xc3\xa9')",
            "{}", "[\"a\", \"b\\u00e8c\"]") == 0);
  ASSERT(eq("States.StringSplit('x\xf0\x9f\x98\x80y', '\xf0\x9f\x98\x80')", "{}", "[\"x\", \"y\"]") == 0);
  return 0;
}

TEST(split_checks) {
  ASSERT_STR_EQ(intr_fail("States.StringSplit($.a, ',')", "{\"a\": [1]}"),
                "Invalid arguments in States.StringSplit: the first argument must be a string, not an array");
  ASSERT_STR_EQ(intr_fail("States.StringSplit('a', 1)", "{}"),
                "Invalid arguments in States.StringSplit: the delimiter must be a string, not a number");
  return 0;
}
