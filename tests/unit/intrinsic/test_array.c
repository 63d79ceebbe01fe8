/* The array intrinsics, with the results AWS recorded (test_array_*) and
 * their argument checks and limits. */
#include "runner.h"

#include <string.h>

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

TEST(array_collects_arguments) {
  const char *e = "States.Array($.fst, $.snd)";
  ASSERT(eq("States.Array()", "{\"FunctionInput\": \"HelloWorld\"}", "[]") == 0);
  ASSERT(eq(e, "{\"fst\": \"\", \"snd\": \"\"}", "[\"\", \"\"]") == 0);
  ASSERT(eq(e, "{\"fst\": null, \"snd\": null}", "[null, null]") == 0);
  ASSERT(eq(e, "{\"fst\": 1.1, \"snd\": 1}", "[1.1, 1]") == 0);
  ASSERT(eq(e, "{\"fst\": {\"Arg1\": 1, \"Arg2\": []}, \"snd\": [[]]}",
            "[{\"Arg1\": 1, \"Arg2\": []}, [[]]]") == 0);
  ASSERT(eq("States.Array('a', 'b', 'c')", "{}", "[\"a\", \"b\", \"c\"]") == 0);
  return 0;
}

/* Every combination AWS ran: arrays [], [0] ... [0,1,2,3] by chunk sizes 1-5. */
TEST(array_partition_aws_cases) {
  const char *expected[5][5] = {
    { "[]", "[]", "[]", "[]", "[]" },
    { "[[0]]", "[[0]]", "[[0]]", "[[0]]", "[[0]]" },
    { "[[0],[1]]", "[[0,1]]", "[[0,1]]", "[[0,1]]", "[[0,1]]" },
    { "[[0],[1],[2]]", "[[0,1],[2]]", "[[0,1,2]]", "[[0,1,2]]", "[[0,1,2]]" },
    { "[[0],[1],[2],[3]]", "[[0,1],[2,3]]", "[[0,1,2],[3]]", "[[0,1,2,3]]", "[[0,1,2,3]]" },
  };
  const char *arrays[5] = { "[]", "[0]", "[0,1]", "[0,1,2]", "[0,1,2,3]" };
  for (int a = 0; a < 5; a++) {
    for (int size = 1; size <= 5; size++) {
      char in[128];
      snprintf(in, sizeof in, "{\"fst\": %s, \"snd\": %d}", arrays[a], size);
      ASSERT(eq("States.ArrayPartition($.fst, $.snd)", in, expected[a][size - 1]) == 0);
    }
  }
  ASSERT(eq("States.ArrayPartition($.a, 4)", "{\"a\": [1,2,3,4,5,6,7,8,9]}", "[[1,2,3,4],[5,6,7,8],[9]]") ==
         0);
  return 0;
}

TEST(array_partition_checks) {
  ASSERT(eq("States.ArrayPartition($.a, 1.5)", "{\"a\": [1,2,3]}", "[[1,2],[3]]") == 0); /* rounds half up */
  ASSERT_STR_EQ(
      intr_fail("States.ArrayPartition($.a, 0)", "{\"a\": [1]}"),
      "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, not 0");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayPartition($.a, -2)", "{\"a\": [1]}"),
      "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, not -2");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayPartition($.a, 0.4)", "{\"a\": [1]}"),
      "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, not 0");
  ASSERT_STR_EQ(intr_fail("States.ArrayPartition($.a, '2')", "{\"a\": [1]}"),
                "Invalid arguments in States.ArrayPartition: the chunk size must be a number, not a string");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayPartition($.a, 2)", "{\"a\": {}}"),
      "Invalid arguments in States.ArrayPartition: the first argument must be an array, not an object");
  return 0;
}

TEST(array_contains_aws_cases) {
  const char *e = "States.ArrayContains($.fst, $.snd)";
  ASSERT(eq(e, "{\"fst\": [], \"snd\": null}", "false") == 0);
  ASSERT(eq(e, "{\"fst\": [], \"snd\": []}", "false") == 0);
  ASSERT(eq(e, "{\"fst\": [], \"snd\": 1}", "false") == 0);
  ASSERT(eq(e, "{\"fst\": [[1, 2, 3], 2], \"snd\": null}", "false") == 0);
  ASSERT(eq(e, "{\"fst\": [[1, 2, 3], 2], \"snd\": [1, 2, 3]}", "true") == 0);
  ASSERT(eq(e, "{\"fst\": [{\"1\": 2, \"2\": []}], \"snd\": []}", "false") == 0);
  ASSERT(eq(e, "{\"fst\": [{\"1\": 2, \"2\": []}], \"snd\": {\"1\": 2, \"2\": []}}", "true") == 0);
  ASSERT(eq(e, "{\"fst\": [true, false], \"snd\": true}", "true") == 0);
  ASSERT(eq(e, "{\"fst\": [true, false], \"snd\": false}", "true") == 0);
  ASSERT(eq("States.ArrayContains($.a, 5)", "{\"a\": [1, 2, 3, 4, 5, 6]}", "true") == 0);
  ASSERT(eq(e, "{\"fst\": [{\"a\": 1, \"b\": 2}], \"snd\": {\"b\": 2, \"a\": 1}}", "true") == 0);
  ASSERT(eq(e, "{\"fst\": [1.0], \"snd\": 1}", "false") == 0); /* Jackson: IntNode != DoubleNode */
  ASSERT_STR_EQ(
      intr_fail(e, "{\"fst\": \"abc\", \"snd\": \"a\"}"),
      "Invalid arguments in States.ArrayContains: the first argument must be an array, not a string");
  return 0;
}

TEST(array_range_is_inclusive) {
  const char *e = "States.ArrayRange($.fst, $.snd, $.trd)";
  ASSERT(eq(e, "{\"fst\": 0, \"snd\": 9, \"trd\": 3}", "[0, 3, 6, 9]") == 0);
  ASSERT(eq(e, "{\"fst\": 0, \"snd\": 10, \"trd\": 3}", "[0, 3, 6, 9]") == 0);
  ASSERT(eq(e, "{\"fst\": 1, \"snd\": 9, \"trd\": 9}", "[1]") == 0);
  ASSERT(eq(e, "{\"fst\": 1, \"snd\": 9, \"trd\": 2}", "[1, 3, 5, 7, 9]") == 0);
  ASSERT(eq("States.ArrayRange(0, 3, 1)", "{}", "[0, 1, 2, 3]") == 0);
  ASSERT(eq("States.ArrayRange(9, 0, -3)", "{}", "[9, 6, 3, 0]") == 0);
  ASSERT(eq("States.ArrayRange(5, 5, 7)", "{}", "[5]") == 0);
  ASSERT(eq("States.ArrayRange(0, 9, -1)", "{}", "[]") == 0);
  ASSERT(eq("States.ArrayRange(9, 0, 1)", "{}", "[]") == 0);
  ASSERT(eq("States.ArrayRange(0.5, 2.4, 1.0)", "{}", "[1, 2]") == 0);
  ASSERT(eq("States.ArrayRange(-2, 2, 2)", "{}", "[-2, 0, 2]") == 0);
  return 0;
}

TEST(array_range_checks_and_limit) {
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(1, 5, 0)", "{}"),
                "Invalid arguments in States.ArrayRange: the step must not be 0");
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(1, 5, 0.4)", "{}"),
                "Invalid arguments in States.ArrayRange: the step must not be 0");
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(1, '5', 1)", "{}"),
                "Invalid arguments in States.ArrayRange: the end must be a number, not a string");
  /* AWS: at most 1000 items. */
  struct sd_err err = { 0 };
  json_t *out = intr_run("States.ArrayRange(1, 1000, 1)", "{}", &err);
  ASSERT(out != NULL);
  ASSERT_INT_EQ(json_array_size(out), 1000);
  json_decref(out);
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(0, 1000, 1)", "{}"),
                "Invalid arguments in States.ArrayRange: the range would have more than 1000 items");
  /* Counted before anything is built, without overflow. */
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)", "{}"),
                "Invalid arguments in States.ArrayRange: the range would have more than 1000 items");
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(0, 1000000, 1)", "{}"),
                "Invalid arguments in States.ArrayRange: the range would have more than 1000 items");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayRange(9223372036854775807, -9223372036854775808, -9223372036854775808)", "{}"),
      "");
  /* Without limits, larger ranges are built. */
  out = intr_run_env("States.ArrayRange(0, 1000, 1)", "{}", NULL, false, NULL, &err);
  ASSERT(out != NULL);
  ASSERT_INT_EQ(json_array_size(out), 1001);
  json_decref(out);
  /* ... up to what memory can hold. */
  out = intr_run_env("States.ArrayRange(0, 9223372036854775807, 1)", "{}", NULL, false, NULL, &err);
  ASSERT(out == NULL);
  ASSERT_STR_EQ(err.cause,
                "Invalid arguments in States.ArrayRange: the range would have more than 100000000 items");
  sd_err_clear(&err);
  return 0;
}

TEST(array_get_item) {
  ASSERT(eq("States.ArrayGetItem($.a, $.i)", "{\"a\": [1,2,3,4,5,6,7,8,9], \"i\": 5}", "6") == 0);
  ASSERT(eq("States.ArrayGetItem($.a, 0)", "{\"a\": [{\"x\": [1]}]}", "{\"x\": [1]}") == 0);
  ASSERT(eq("States.ArrayGetItem($.a, 1.5)", "{\"a\": [0, 1, 2]}", "2") == 0);
  ASSERT_STR_EQ(
      intr_fail("States.ArrayGetItem($.a, 3)", "{\"a\": [0, 1, 2]}"),
      "Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array of 3 items");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayGetItem($.a, -1)", "{\"a\": [0]}"),
      "Invalid arguments in States.ArrayGetItem: the index -1 is out of bounds for an array of 1 item");
  ASSERT_STR_EQ(intr_fail("States.ArrayGetItem($.a, null)", "{\"a\": [0]}"),
                "Invalid arguments in States.ArrayGetItem: the index must be a number, not null");
  ASSERT_STR_EQ(
      intr_fail("States.ArrayGetItem($.a, 0)", "{\"a\": true}"),
      "Invalid arguments in States.ArrayGetItem: the first argument must be an array, not a boolean");
  return 0;
}

TEST(array_length) {
  ASSERT(eq("States.ArrayLength($.FunctionInput)", "{\"FunctionInput\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}", "9") ==
         0);
  ASSERT(eq("States.ArrayLength($.FunctionInput)",
            "{\"FunctionInput\": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, \"HelloWorld\", "
            "\"HelloWorld\", [], [], [null], [null], {\"a\": 1, \"b\": 2}, {\"a\": 1, \"b\": 2}, {\"a\": 1, "
            "\"b\": 1}]}",
            "20") == 0);
  ASSERT(eq("States.ArrayLength(States.Array())", "{}", "0") == 0);
  ASSERT_STR_EQ(intr_fail("States.ArrayLength($.a)", "{\"a\": \"abc\"}"),
                "Invalid arguments in States.ArrayLength: the argument must be an array, not a string");
  return 0;
}

TEST(array_unique_keeps_first_occurrences) {
  ASSERT(eq("States.ArrayUnique($.a)",
            "{\"a\": [null, null, true, true, false, false, 1, 1, 1.1, 0, 0, \"HelloWorld\", \"HelloWorld\", "
            "[], [], "
            "[null], [null], {\"a\": 1, \"b\": 2}, {\"a\": 1, \"b\": 2}, {\"a\": 1, \"b\": 1}]}",
            "[null, true, false, 1, 1.1, 0, \"HelloWorld\", [], [null], {\"a\": 1, \"b\": 2}, {\"a\": 1, "
            "\"b\": 1}]") == 0);
  ASSERT(eq("States.ArrayUnique($.a)", "{\"a\": [1, 2, 2, 3, 3, 4]}", "[1, 2, 3, 4]") == 0);
  ASSERT(eq("States.ArrayUnique($.a)", "{\"a\": [3, 1, 3, 2, 1]}", "[3, 1, 2]") == 0);
  /* Key order does not make objects different; 1 and 1.0 are different. */
  ASSERT(eq("States.ArrayUnique($.a)", "{\"a\": [{\"a\": 1, \"b\": 2}, {\"b\": 2, \"a\": 1}, 1, 1.0]}",
            "[{\"a\": 1, \"b\": 2}, 1, 1.0]") == 0);
  ASSERT(eq("States.ArrayUnique($.a)", "{\"a\": []}", "[]") == 0);
  ASSERT_STR_EQ(intr_fail("States.ArrayUnique($.a)", "{\"a\": {}}"),
                "Invalid arguments in States.ArrayUnique: the argument must be an array, not an object");
  return 0;
}

TEST(integer_arguments_out_of_range) {
  ASSERT_STR_EQ(intr_fail("States.ArrayGetItem($.a, 1e19)", "{\"a\": [0]}"),
                "Invalid arguments in States.ArrayGetItem: the index is out of range");
  ASSERT_STR_EQ(intr_fail("States.ArrayRange(0, 1e300, 1)", "{}"),
                "Invalid arguments in States.ArrayRange: the end is out of range");
  return 0;
}
