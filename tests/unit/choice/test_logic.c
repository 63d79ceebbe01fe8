/* And / Or / Not, IsPresent on what is not there, the errors a rule raises
 * at run time and Variables reading the context object. */
#include "runner.h"

#include "helpers.h"

#define EQ(path, lit) "{\"Variable\": \"" path "\", \"NumericEquals\": " lit "}"

TEST(and_or_not) {
  const char *in = "{\"type\": \"Private\", \"value\": 22}";
  ASSERT_INT_EQ(rule_eval("{\"And\": [" EQ("$.value", "22") ", {\"Variable\": \"$.type\", \"StringEquals\": "
                                                            "\"Private\"}], \"Next\": \"N\"}",
                          in),
                MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"And\": [" EQ("$.value", "22") ", " EQ("$.value", "23") "], \"Next\": \"N\"}", in),
      NO_MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Or\": [" EQ("$.value", "21") ", " EQ("$.value", "22") "], \"Next\": \"N\"}", in), MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Or\": [" EQ("$.value", "21") ", " EQ("$.value", "23") "], \"Next\": \"N\"}", in),
      NO_MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Not\": {\"Variable\": \"$.type\", \"StringEquals\": \"Private\"}, \"Next\": \"N\"}", in),
      NO_MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Not\": " EQ("$.value", "0") ", \"Next\": \"N\"}", in), MATCH);
  /* A single-element And, as in AWS's singleton composite scenario. */
  ASSERT_INT_EQ(
      rule_eval("{\"And\": [{\"Variable\": \"$.type\", \"StringEquals\": \"Private\"}], \"Next\": \"N\"}",
                in),
      MATCH);
  return 0;
}

TEST(nesting) {
  /* 20 <= value < 30 and not (type == "Public" or value == 25) */
  const char *rule = "{\"And\": ["
                     "{\"Variable\": \"$.value\", \"NumericGreaterThanEquals\": 20},"
                     "{\"Variable\": \"$.value\", \"NumericLessThan\": 30},"
                     "{\"Not\": {\"Or\": [{\"Variable\": \"$.type\", \"StringEquals\": \"Public\"}," EQ(
                         "$.value", "25") "]}}"
                                          "], \"Next\": \"N\"}";
  ASSERT_INT_EQ(rule_eval(rule, "{\"type\": \"Private\", \"value\": 22}"), MATCH);
  ASSERT_INT_EQ(rule_eval(rule, "{\"type\": \"Public\", \"value\": 22}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(rule, "{\"type\": \"Private\", \"value\": 25}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(rule, "{\"type\": \"Private\", \"value\": 30}"), NO_MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Not\": {\"Not\": {\"Not\": " EQ("$.v", "1") "}}, \"Next\": \"N\"}", "{\"v\": 1}"),
      NO_MATCH);
  return 0;
}

TEST(is_present_on_missing_is_no_error) {
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$.x\", \"IsPresent\": true, \"Next\": \"N\"}", "{}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$.x\", \"IsPresent\": false, \"Next\": \"N\"}", "{}"), MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$.a.b.c\", \"IsPresent\": true, \"Next\": \"N\"}", "{\"a\": 1}"),
                NO_MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Variable\": \"$.a[3]\", \"IsPresent\": false, \"Next\": \"N\"}", "{\"a\": [1]}"), MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$.x\", \"IsPresent\": true, \"Next\": \"N\"}", "{\"x\": false}"),
                MATCH);
  /* Guarding a comparison, the usual idiom. */
  ASSERT_INT_EQ(
      rule_eval("{\"And\": [{\"Variable\": \"$.x\", \"IsPresent\": true}," EQ("$.x", "1") "], "
                                                                                          "\"Next\": \"N\"}",
                "{}"),
      NO_MATCH);
  return 0;
}

/* A missing Variable fails every operator but IsPresent, with the cause of
 * the path module (States.Runtime); the Choice state adds its prefix. */
TEST(missing_variable_is_runtime_error) {
  static const char *const rules[] = {
    "{\"Variable\": \"$.x\", \"IsNull\": true, \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"IsString\": false, \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"StringEquals\": \"a\", \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"NumericEquals\": 1, \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"BooleanEquals\": true, \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"TimestampEquals\": \"2012-10-09T19:00:55Z\", \"Next\": \"N\"}",
    "{\"Variable\": \"$.x\", \"StringMatches\": \"*\", \"Next\": \"N\"}",
    "{\"Not\": {\"Variable\": \"$.x\", \"IsNull\": true}, \"Next\": \"N\"}",
  };
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    struct sd_err err = { 0 };
    ASSERT_INT_EQ(rule_run(rules[i], "{\"y\": 1}", NULL, &err), RUNTIME_ERROR);
    ASSERT_STR_EQ(err.name, "States.Runtime");
    ASSERT_STR_EQ(err.cause, "Invalid path '$.x' : No results for path: $['x']");
    sd_err_clear(&err);
  }
  return 0;
}

TEST(missing_operand_path_is_runtime_error) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(rule_run("{\"Variable\": \"$.v\", \"StringEqualsPath\": \"$.w\", \"Next\": \"N\"}",
                         "{\"v\": \"a\"}", NULL, &err),
                RUNTIME_ERROR);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  ASSERT_STR_EQ(err.cause, "Invalid path '$.w' : No results for path: $['w']");
  sd_err_clear(&err);
  return 0;
}

/* Or stops at the first true operand and And at the first false one, so a
 * later operand's missing path raises nothing. */
TEST(short_circuit) {
  ASSERT_INT_EQ(
      rule_eval("{\"Or\": [" EQ("$.v", "1") ", " EQ("$.missing", "1") "], \"Next\": \"N\"}", "{\"v\": 1}"),
      MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"And\": [" EQ("$.v", "2") ", " EQ("$.missing", "1") "], \"Next\": \"N\"}", "{\"v\": 1}"),
      NO_MATCH);
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(rule_run("{\"And\": [" EQ("$.v", "1") ", " EQ("$.missing", "1") "], \"Next\": \"N\"}",
                         "{\"v\": 1}", NULL, &err),
                RUNTIME_ERROR);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  sd_err_clear(&err);
  return 0;
}

TEST(context_object_variable) {
  const char *ctx = "{\"Execution\": {\"Input\": {\"input-value\": 0}}}";
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(rule_run("{\"Variable\": \"$$.Execution.Input.input-value\", \"NumericLessThanEquals\": 0, "
                         "\"Next\": \"N\"}",
                         "{}", ctx, &err),
                MATCH);
  ASSERT_INT_EQ(rule_run("{\"Variable\": \"$.v\", \"NumericEqualsPath\": \"$$.Execution.Input.input-value\", "
                         "\"Next\": \"N\"}",
                         "{\"v\": 0}", ctx, &err),
                MATCH);
  ASSERT_INT_EQ(rule_run("{\"Variable\": \"$$.Execution.Nope\", \"IsPresent\": true, \"Next\": \"N\"}", "{}",
                         ctx, &err),
                NO_MATCH);
  ASSERT(err.name == NULL);
  return 0;
}

/* A Variable may select a whole object or array; the type tests see it. */
TEST(variable_selects_containers_and_root) {
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$\", \"IsString\": true, \"Next\": \"N\"}", "\"top\""), MATCH);
  ASSERT_INT_EQ(
      rule_eval("{\"Variable\": \"$.a\", \"IsNull\": false, \"Next\": \"N\"}", "{\"a\": {\"b\": [1]}}"),
      MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$.a.b[0]\", \"NumericEquals\": 1, \"Next\": \"N\"}",
                          "{\"a\": {\"b\": [1]}}"),
                MATCH);
  ASSERT_INT_EQ(rule_eval("{\"Variable\": \"$['a']['b'][0]\", \"NumericEquals\": 1, \"Next\": \"N\"}",
                          "{\"a\": {\"b\": [1]}}"),
                MATCH);
  return 0;
}
