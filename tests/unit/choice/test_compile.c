/* What the rule compiler refuses, and where it says the problem is. */
#include "runner.h"

#include "helpers.h"

/* Expects `rule` not to compile; checks the error's location. */
static int refuse(const char *rule, const char *where) {
  struct sd_err err = { 0 };
  enum outcome o = rule_run(rule, "{\"v\": 1}", NULL, &err);
  int bad = o != COMPILE_ERROR || err.name == NULL || strcmp(err.name, "InvalidDefinition") != 0 ||
            err.where == NULL || strcmp(err.where, where) != 0 || err.cause == NULL;
  if (bad)
    fprintf(stderr, "  %s: outcome %d, %s at %s: %s\n", rule, (int)o, err.name ? err.name : "-",
            err.where ? err.where : "-", err.cause ? err.cause : "-");
  sd_err_clear(&err);
  return bad;
}

#define C0 "/States/C/Choices/0"

TEST(refuses_unknown_operators) {
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"StringEqualz\": \"a\", \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"StringMatchesPath\": \"$.w\", \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"IsNullPath\": \"$.w\", \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"stringequals\": \"a\", \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Next\": \"N\"}", C0));
  ASSERT(
      !refuse("{\"Variable\": \"$.v\", \"NumericEquals\": 1, \"NumericLessThan\": 2, \"Next\": \"N\"}", C0));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"And\": [], \"Next\": \"N\"}", C0));
  ASSERT(!refuse("[]", C0));
  return 0;
}

TEST(refuses_literals_of_the_wrong_type) {
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"NumericEquals\": \"1\", \"Next\": \"N\"}", C0 "/NumericEquals"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"StringEquals\": 1, \"Next\": \"N\"}", C0 "/StringEquals"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"StringMatches\": null, \"Next\": \"N\"}", C0 "/StringMatches"));
  ASSERT(
      !refuse("{\"Variable\": \"$.v\", \"BooleanEquals\": \"true\", \"Next\": \"N\"}", C0 "/BooleanEquals"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"IsPresent\": 1, \"Next\": \"N\"}", C0 "/IsPresent"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"TimestampEquals\": 5, \"Next\": \"N\"}", C0 "/TimestampEquals"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"TimestampLessThan\": \"2016-12-05T21:29:29\", \"Next\": \"N\"}",
                 C0 "/TimestampLessThan"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"TimestampLessThan\": \"2016-02-30T21:29:29Z\", \"Next\": \"N\"}",
                 C0 "/TimestampLessThan"));
  return 0;
}

TEST(refuses_bad_paths) {
  ASSERT(!refuse("{\"Variable\": \"v\", \"NumericEquals\": 1, \"Next\": \"N\"}", C0 "/Variable"));
  ASSERT(!refuse("{\"Variable\": 5, \"NumericEquals\": 1, \"Next\": \"N\"}", C0 "/Variable"));
  ASSERT(!refuse("{\"Variable\": \"$.a[*]\", \"NumericEquals\": 1, \"Next\": \"N\"}", C0 "/Variable"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"NumericEqualsPath\": \"w\", \"Next\": \"N\"}",
                 C0 "/NumericEqualsPath"));
  ASSERT(
      !refuse("{\"Variable\": \"$.v\", \"NumericEqualsPath\": 1, \"Next\": \"N\"}", C0 "/NumericEqualsPath"));
  ASSERT(!refuse("{\"Variable\": \"$.v\", \"StringEqualsPath\": \"$..w\", \"Next\": \"N\"}",
                 C0 "/StringEqualsPath"));
  return 0;
}

TEST(refuses_bad_combinators) {
  ASSERT(!refuse("{\"And\": [], \"Next\": \"N\"}", C0 "/And"));
  ASSERT(!refuse("{\"Or\": {}, \"Next\": \"N\"}", C0 "/Or"));
  ASSERT(!refuse("{\"Not\": [], \"Next\": \"N\"}", C0 "/Not"));
  ASSERT(!refuse("{\"And\": [{\"Variable\": \"$.v\", \"IsNull\": true}, 3], \"Next\": \"N\"}", C0 "/And/1"));
  ASSERT(!refuse("{\"Or\": [{\"Variable\": \"$.v\", \"IsNull\": true, \"Next\": \"N\"}], \"Next\": \"N\"}",
                 C0 "/Or/0"));
  ASSERT(!refuse("{\"Not\": {\"Not\": {\"Variable\": \"$.v\", \"Bogus\": true}}, \"Next\": \"N\"}",
                 C0 "/Not/Not"));
  ASSERT(!refuse(
      "{\"Or\": [{\"Variable\": \"$.v\", \"IsNull\": true}, {\"Variable\": \"$.v\", \"NumericEquals\": "
      "true}], \"Next\": \"N\"}",
      C0 "/Or/1/NumericEquals"));
  return 0;
}

/* Comment (and Assign, left to the state) are no operators. */
TEST(accepts_comment_fields) {
  ASSERT_INT_EQ(
      rule_eval("{\"Comment\": \"c\", \"Variable\": \"$.v\", \"NumericEquals\": 1, \"Next\": \"N\"}",
                "{\"v\": 1}"),
      MATCH);
  ASSERT_INT_EQ(rule_eval("{\"And\": [{\"Comment\": \"inner\", \"Variable\": \"$.v\", \"IsNumeric\": true}], "
                          "\"Next\": \"N\", \"Assign\": {\"x\": 1}}",
                          "{\"v\": 1}"),
                MATCH);
  return 0;
}
