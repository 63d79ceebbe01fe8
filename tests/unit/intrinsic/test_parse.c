/* Parsing intrinsic calls (engine/intrinsic_parse.c): literals and their
 * escapes, paths, nesting, and the definitions AWS rejects. */
#include "runner.h"

#include <string.h>

#include "engine/err.h"
#include "engine/intrinsic.h"
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

TEST(is_call_needs_states_prefix) {
  ASSERT(sd_intrinsic_is_call("States.UUID()"));
  ASSERT(sd_intrinsic_is_call("States.Whatever"));
  ASSERT(!sd_intrinsic_is_call("$.States"));
  ASSERT(!sd_intrinsic_is_call(" States.UUID()"));
  ASSERT(!sd_intrinsic_is_call("states.UUID()"));
  return 0;
}

TEST(keeps_text) {
  struct sd_err err = { 0 };
  struct sd_intrinsic *f = sd_intrinsic_compile("States.Array(1, 'a')", &err);
  ASSERT(f != NULL);
  ASSERT_STR_EQ(sd_intrinsic_text(f), "States.Array(1, 'a')");
  sd_intrinsic_free(f);
  sd_intrinsic_free(NULL);
  return 0;
}

TEST(literal_kinds) {
  ASSERT(eq("States.Array('a', 1, -1, 1.5, -2.25, 1e3, 2E-2, true, false, null)", "{}",
            "[\"a\", 1, -1, 1.5, -2.25, 1000.0, 0.02, true, false, null]") == 0);
  ASSERT(eq("States.Array()", "{}", "[]") == 0);
  ASSERT(eq("States.Array('')", "{}", "[\"\"]") == 0);
  return 0;
}

TEST(integers_stay_integers) {
  struct sd_err err = { 0 };
  json_t *out = intr_run("States.Array(7, 7.0, 9223372036854775807, 9223372036854775808)", "{}", &err);
  ASSERT(out != NULL);
  ASSERT(json_is_integer(json_array_get(out, 0)));
  ASSERT(json_is_real(json_array_get(out, 1)));
  ASSERT_INT_EQ(json_integer_value(json_array_get(out, 2)), 9223372036854775807LL);
  ASSERT(json_is_real(json_array_get(out, 3))); /* too big for 64 bits: a double, as Jackson would not */
  json_decref(out);
  return 0;
}

TEST(blanks_between_tokens) {
  ASSERT(eq("States.Array(  1 ,\t'b'  ,States.Array( ) )", "{}", "[1, \"b\", []]") == 0);
  ASSERT(eq("States.Array (1)", "{}", "[1]") == 0);
  ASSERT(eq("States.Array(1)  ", "{}", "[1]") == 0);
  return 0;
}

TEST(string_escapes) {
  ASSERT(eq("States.Array('it\\'s', 'a\\\\b', '\\{\\}', 'x{y}z')", "{}",
            "[\"it's\", \"a\\\\b\", \"{}\", \"x{y}z\"]") == 0);
  /* Raw control characters and double quotes need no escape. */
  ASSERT(eq("States.Array('Hello\nWorld', '{\"k\": \"v\"}', 'a,b)c')", "{}",
            "[\"Hello\\nWorld\", \"{\\\"k\\\": \\\"v\\\"}\", \"a,b)c\"]") == 0);
  ASSERT(eq("States.Array('caf\xc3\xa9 \xf0\x9f\x86\x97')", "{}", "[\"caf\\u00e9 \\ud83c\\udd97\"]") == 0);
  return 0;
}

/* AWS rejects both of these definitions with SCHEMA_VALIDATION_FAILED
 * (conformance: test_illegal_escapes): \" is not an intrinsic escape. */
TEST(rejects_backslash_double_quote) {
  ASSERT(strstr(intr_reject("States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')"),
                "invalid escape sequence") != NULL);
  ASSERT(strstr(intr_reject("States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')"),
                "invalid escape sequence") != NULL);
  ASSERT(strstr(intr_reject("States.Array('\\n')"), "invalid escape sequence") != NULL);
  ASSERT(strstr(intr_reject("States.Array('abc\\')"), "unterminated") != NULL);
  return 0;
}

TEST(reject_messages_name_text_and_position) {
  ASSERT_STR_EQ(
      intr_reject("States.Foo(1)"),
      "Invalid intrinsic function call 'States.Foo(1)': unknown function 'States.Foo' at position 0");
  ASSERT_STR_EQ(
      intr_reject("States.Array(1,)"),
      "Invalid intrinsic function call 'States.Array(1,)': unexpected character ')' at position 15");
  ASSERT_STR_EQ(intr_reject("States.UUID(1)"), "Invalid intrinsic function call 'States.UUID(1)': "
                                               "States.UUID takes 0 arguments but got 1 at position 0");
  return 0;
}

TEST(rejects_syntax_errors) {
  ASSERT(strstr(intr_reject("States.Array(1"), "expected ',' or ')'") != NULL);
  ASSERT(strstr(intr_reject("States.Array"), "expected '('") != NULL);
  ASSERT(strstr(intr_reject("States.Array(1) x"), "unexpected text after the call") != NULL);
  ASSERT(strstr(intr_reject("States.Array(1 2)"), "expected ',' or ')'") != NULL);
  ASSERT(strstr(intr_reject("States.Array(1x)"), "unexpected character after number") != NULL);
  ASSERT(strstr(intr_reject("States.Array(1.)"), "invalid number") != NULL);
  ASSERT(strstr(intr_reject("States.Array(-)"), "invalid number") != NULL);
  ASSERT(strstr(intr_reject("States.Array(truth)"), "unexpected character") != NULL);
  ASSERT(strstr(intr_reject("States.Array(\"a\")"), "unexpected character '\"'") != NULL);
  ASSERT(strstr(intr_reject("States.Array(1e999)"), "number out of range") != NULL);
  ASSERT(strstr(intr_reject("$.a"), "expected a call") != NULL);
  ASSERT(strstr(intr_reject("States.array()"), "unknown function 'States.array'") != NULL);
  return 0;
}

TEST(rejects_wrong_argument_counts) {
  ASSERT(strstr(intr_reject("States.Format()"), "States.Format takes at least 1 argument but got 0") != NULL);
  ASSERT(
      strstr(intr_reject("States.ArrayPartition($.a)"), "States.ArrayPartition takes 2 arguments but got 1"));
  ASSERT(strstr(intr_reject("States.MathRandom(1)"), "States.MathRandom takes 2 to 3 arguments but got 1"));
  ASSERT(strstr(intr_reject("States.MathRandom(1, 2, 3, 4)"), "takes 2 to 3 arguments but got 4"));
  ASSERT(strstr(intr_reject("States.JsonMerge($.a, $.b)"), "takes 3 arguments but got 2"));
  ASSERT(strstr(intr_reject("States.Hash('a')"), "takes 2 arguments but got 1"));
  ASSERT(strstr(intr_reject("States.ArrayRange(1, 2)"), "takes 3 arguments"));
  ASSERT(strstr(intr_reject("States.StringToJson()"), "takes 1 argument but got 0"));
  /* Counts are checked in nested calls too. */
  ASSERT(strstr(intr_reject("States.Array(States.ArrayLength())"), "States.ArrayLength takes 1 argument"));
  /* Every one of the 18 functions exists. */
  const char *ok[] = { "States.Format('x')",           "States.StringToJson('1')",
                       "States.JsonToString($)",       "States.Array()",
                       "States.ArrayPartition($, 1)",  "States.ArrayContains($, 1)",
                       "States.ArrayRange(1, 2, 1)",   "States.ArrayGetItem($, 0)",
                       "States.ArrayLength($)",        "States.ArrayUnique($)",
                       "States.Base64Encode('a')",     "States.Base64Decode('YQ==')",
                       "States.Hash('a', 'MD5')",      "States.JsonMerge($, $, false)",
                       "States.MathRandom(1, 2)",      "States.MathAdd(1, 2)",
                       "States.StringSplit('a', ',')", "States.UUID()" };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    ASSERT_STR_EQ(intr_reject(ok[i]), "");
  return 0;
}

TEST(paths_as_arguments) {
  const char *in = "{\"a\": {\"x,y\": 1, \"l\": [{\"b\": 1}, {\"b\": 5}]}, \"s\": \"v\"}";
  ASSERT(eq("States.Array($.s, $.a['x,y'], $.a.l[1].b)", in, "[\"v\", 1, 5]") == 0);
  ASSERT(eq("States.Array($)", "{\"s\": 1}", "[{\"s\": 1}]") == 0);
  ASSERT(eq("States.Array($.a.l[?(@.b > 1)].b)", in, "[[5]]") == 0);
  ASSERT(eq("States.Array( $.s )", in, "[\"v\"]") == 0);
  return 0;
}

TEST(rejects_bad_paths) {
  ASSERT(strstr(intr_reject("States.Array($.a[)"), "invalid path '$.a[)'") != NULL);
  return 0;
}

TEST(nesting_depth_is_bounded) {
  char text[2048] = "";
  for (int i = 0; i < 70; i++)
    strcat(text, "States.Array(");
  for (int i = 0; i < 70; i++)
    strcat(text, ")");
  ASSERT(strstr(intr_reject(text), "nested deeper than 64") != NULL);
  return 0;
}
