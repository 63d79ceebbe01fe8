/* States.Format and the Java-style printing of its arguments, with the
 * outputs AWS recorded (conformance group intrinsic_functions, test_format_*
 * and test_context_json_path). */
#include "runner.h"

#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/intrinsic_priv.h"
#include "helpers.h"

static const char *fmt1 = "States.Format('Formatting argument {}.', $.FunctionInput)";
static const char *fmt2 = "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)";

static int check(const char *expr, const char *input, const char *expected) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  int rc = 0;
  if (out == NULL || !json_is_string(out) || strcmp(json_string_value(out), expected) != 0) {
    fprintf(stderr, "%s on %s:\n  got      %s\n  expected %s\n", expr, input,
            out && json_is_string(out) ? json_string_value(out) : err.cause, expected);
    rc = 1;
  }
  json_decref(out);
  sd_err_clear(&err);
  return rc;
}

TEST(aws_single_argument) {
  ASSERT(check(fmt1, "{\"FunctionInput\": \"\"}", "Formatting argument .") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": \" \"}", "Formatting argument  .") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": \"HelloWorld\"}", "Formatting argument HelloWorld.") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": null}", "Formatting argument null.") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": 1}", "Formatting argument 1.") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": 1.1}", "Formatting argument 1.1.") == 0);
  ASSERT(check(fmt1, "{\"FunctionInput\": \"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}",
               "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.") == 0);
  return 0;
}

TEST(aws_two_arguments) {
  ASSERT(check(fmt2, "{\"fst\": \"\", \"snd\": \"\"}", "Formatting arguments fst= and snd=.") == 0);
  ASSERT(check(fmt2, "{\"fst\": null, \"snd\": null}", "Formatting arguments fst=null and snd=null.") == 0);
  ASSERT(check(fmt2, "{\"fst\": 1, \"snd\": 1}", "Formatting arguments fst=1 and snd=1.") == 0);
  ASSERT(check(fmt2, "{\"fst\": {\"Arg1\": 1, \"Arg2\": []}, \"snd\": {\"Arg1\": 1, \"Arg2\": []}}",
               "Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.") == 0);
  return 0;
}

/* Objects and arrays print as Java's Map and List: no quotes on strings. */
TEST(nested_values_print_like_java_collections) {
  ASSERT(check("States.Format('{}', $.v)", "{\"v\": [1, \"a\", [true, null], {\"k\": \"x y\"}]}",
               "[1, a, [true, null], {k=x y}]") == 0);
  ASSERT(check("States.Format('{}', $.v)", "{\"v\": {}}", "{}") == 0);
  ASSERT(check("States.Format('{}|{}', $.v, false)", "{\"v\": []}", "[]|false") == 0);
  return 0;
}

TEST(context_object_arguments) {
  struct sd_err err = { 0 };
  json_t *out = intr_run_env("States.Format('fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)", "{}",
                             "{\"Execution\": {\"Name\": \"exec1\"}, \"StateMachine\": {\"Id\": "
                             "\"arn:aws:states:us-east-1:111111111111:stateMachine:sm\", \"Name\": \"sm\"}}",
                             true, NULL, &err);
  ASSERT(out != NULL);
  ASSERT_STR_EQ(json_string_value(out),
                "fst=exec1 and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}.");
  json_decref(out);
  return 0;
}

TEST(escaped_braces_are_not_placeholders) {
  ASSERT(check("States.Format('\\{\\} {} \\{} {\\}', 'x')", "{}", "{} x {} {}") == 0);
  ASSERT(check("States.Format('it\\'s {}\\\\', 'me')", "{}", "it's me\\") == 0);
  ASSERT(check("States.Format('no placeholders')", "{}", "no placeholders") == 0);
  ASSERT(check("States.Format('{{}}', 1)", "{}", "{1}") == 0);
  return 0;
}

/* A template read from a path has no escapes: every "{}" is a placeholder. */
TEST(template_from_path_or_call) {
  ASSERT(check("States.Format($.template, $.name)",
               "{\"name\": \"Arnav\", \"template\": \"Hello, my name is {}.\"}",
               "Hello, my name is Arnav.") == 0);
  ASSERT(check("States.Format($.t, $.a)", "{\"t\": \"It's {}!\", \"a\": \"Pikachu\"}", "It's Pikachu!") == 0);
  ASSERT(check("States.Format(States.Format('\\{\\}-{}', 'x'), 'y')", "{}", "y-x") == 0);
  return 0;
}

TEST(placeholder_count_must_match) {
  ASSERT_STR_EQ(
      intr_fail("States.Format('{} {}', 1)", "{}"),
      "Invalid arguments in States.Format: the format string has 2 placeholders but 1 value was given");
  ASSERT_STR_EQ(
      intr_fail("States.Format('{}', 1, 2)", "{}"),
      "Invalid arguments in States.Format: the format string has 1 placeholder but 2 values were given");
  ASSERT_STR_EQ(
      intr_fail("States.Format($.t)", "{\"t\": \"{}\"}"),
      "Invalid arguments in States.Format: the format string has 1 placeholder but 0 values were given");
  ASSERT_STR_EQ(intr_fail("States.Format($.t, 1)", "{\"t\": 5}"),
                "Invalid arguments in States.Format: the format string must be a string, not a number");
  return 0;
}

static int dbl(double d, const char *expected) {
  struct sd_buf b = { 0 };
  sd_intrinsic_put_double(&b, d);
  int rc = strcmp(b.data, expected) != 0;
  if (rc)
    fprintf(stderr, "%.17g: got %s, expected %s\n", d, b.data, expected);
  sd_buf_free(&b);
  return rc;
}

/* Java's Double.toString: plain from 10^-3 up to 10^7, with ".0" on whole
 * numbers, and "E" notation outside, with the shortest digits. */
TEST(doubles_print_like_java) {
  ASSERT(dbl(1.1, "1.1") == 0);
  ASSERT(dbl(1.0, "1.0") == 0);
  ASSERT(dbl(100.0, "100.0") == 0);
  ASSERT(dbl(0.0, "0.0") == 0);
  ASSERT(dbl(-0.0, "-0.0") == 0);
  ASSERT(dbl(-2.5, "-2.5") == 0);
  ASSERT(dbl(0.001, "0.001") == 0);
  ASSERT(dbl(0.0001, "1.0E-4") == 0);
  ASSERT(dbl(0.00123, "0.00123") == 0);
  ASSERT(dbl(9999999.0, "9999999.0") == 0);
  ASSERT(dbl(10000000.0, "1.0E7") == 0);
  ASSERT(dbl(12345678.9, "1.23456789E7") == 0);
  ASSERT(dbl(1e20, "1.0E20") == 0);
  ASSERT(dbl(1e300, "1.0E300") == 0);
  ASSERT(dbl(-1.5e-7, "-1.5E-7") == 0);
  ASSERT(dbl(0.1 + 0.2, "0.30000000000000004") == 0);
  ASSERT(dbl(5e-324, "4.9E-324") == 0);
  ASSERT(dbl(1.7976931348623157e308, "1.7976931348623157E308") == 0);
  ASSERT(dbl(123.456, "123.456") == 0);
  return 0;
}

TEST(numbers_in_format) {
  ASSERT(check("States.Format('{} {} {} {}', 1.0, 2.50, 1e21, -7)", "{}", "1.0 2.5 1.0E21 -7") == 0);
  return 0;
}
