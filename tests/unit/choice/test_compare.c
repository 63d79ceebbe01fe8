/* Choice comparison operators: each family, its Path variant and what a
 * value of another type gives (false, as AWS's operator x type matrix
 * shows: "Step Functions doesn't attempt to match a numeric field to a
 * string value"). */
#include "runner.h"

#include "helpers.h"

#define R(op, lit) "{\"Variable\": \"$.v\", \"" op "\": " lit ", \"Next\": \"N\"}"
#define RP(op)     "{\"Variable\": \"$.v\", \"" op "Path\": \"$.w\", \"Next\": \"N\"}"

TEST(string_relations) {
  ASSERT_INT_EQ(rule_eval(R("StringEquals", "\"Hello\""), "{\"v\": \"Hello\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringEquals", "\"\\t\\r\\n\""), "{\"v\": \"\\t\\n\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringEquals", "\"     \""), "{\"v\": \" \"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"AB\""), "{\"v\": \"A\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"\""), "{\"v\": \"\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThanEquals", "\"\""), "{\"v\": \"\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringGreaterThan", "\"A\\t\\n\\r\""), "{\"v\": \"A\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringGreaterThan", "\"ABC\""), "{\"v\": \"AB\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringGreaterThanEquals", "\"A\""), "{\"v\": \"AB\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringGreaterThanEquals", "\"AB\""), "{\"v\": \"A\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"b\""), "{\"v\": \"B\"}"), MATCH); /* case-sensitive */
  return 0;
}

/* Java's compareTo orders by UTF-16 code units: U+1F600 is the surrogate
 * pair D83D DE00, so it sorts before U+FFFF although its code point (and
 * UTF-8 bytes) sort after. */
TEST(string_order_is_utf16) {
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"\\uffff\""), "{\"v\": \"\\ud83d\\ude00\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringGreaterThan", "\"\\ud83d\\ude00\""), "{\"v\": \"\\uffff\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"\\ud83d\\ude01\""), "{\"v\": \"\\ud83d\\ude00\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"\\u00e9\""), "{\"v\": \"z\"}"), MATCH);
  return 0;
}

TEST(string_type_mismatch_is_false) {
  static const char *const inputs[] = { "{\"v\": null}",   "{\"v\": 0}",  "{\"v\": 1.1}", "{\"v\": true}",
                                        "{\"v\": [\"\"]}", "{\"v\": {}}", "{\"v\": []}" };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    ASSERT_INT_EQ(rule_eval(R("StringEquals", "\"HelloWorld\""), inputs[i]), NO_MATCH);
    ASSERT_INT_EQ(rule_eval(R("StringLessThan", "\"zzz\""), inputs[i]), NO_MATCH);
    ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*\""), inputs[i]), NO_MATCH);
  }
  ASSERT_INT_EQ(rule_eval(R("StringEquals", "\"1\""), "{\"v\": 1}"), NO_MATCH);
  return 0;
}

TEST(string_path_variants) {
  ASSERT_INT_EQ(rule_eval(RP("StringEquals"), "{\"v\": \"Hello\", \"w\": \"Hello\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("StringEquals"), "{\"v\": \" \", \"w\": \"     \"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("StringLessThan"), "{\"v\": \"A\", \"w\": \"AB\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("StringLessThanEquals"), "{\"v\": \"AB\", \"w\": \"A\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("StringGreaterThan"), "{\"v\": \"AB\", \"w\": \"ABC\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("StringGreaterThanEquals"), "{\"v\": \"\", \"w\": \"\"}"), MATCH);
  /* The operand found by the path has the wrong type: false too. */
  ASSERT_INT_EQ(rule_eval(RP("StringEquals"), "{\"v\": \"1\", \"w\": 1}"), NO_MATCH);
  return 0;
}

TEST(string_matches_wildcards) {
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"log-*.txt\""), "{\"v\": \"log-2024-01.txt\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"log-*.txt\""), "{\"v\": \"log-.txt\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"log-*.txt\""), "{\"v\": \"log-1.txt.gz\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*\""), "{\"v\": \"\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"**\""), "{\"v\": \"anything\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"exact\""), "{\"v\": \"exact\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"exact\""), "{\"v\": \"exactly\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*a*b*c*\""), "{\"v\": \"xxaxxbxxcxx\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*a*b*c*\""), "{\"v\": \"xxcxxbxxaxx\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a*a\""), "{\"v\": \"a\"}"), NO_MATCH); /* segments overlap */
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a*a\""), "{\"v\": \"aa\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"?\""), "{\"v\": \"x\"}"), NO_MATCH); /* only * is special */
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"\\u00e9*\""), "{\"v\": \"\\u00e9t\\u00e9\"}"), MATCH);
  return 0;
}

/* "\\*" in the JSON text is the two characters \* : a literal star. */
TEST(string_matches_escapes) {
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a\\\\*b\""), "{\"v\": \"a*b\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a\\\\*b\""), "{\"v\": \"axb\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*\\\\**\""), "{\"v\": \"x*y\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"*\\\\**\""), "{\"v\": \"xy\"}"), NO_MATCH);
  /* "\\\\" (the text \\) is one literal backslash, then * is a wildcard. */
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a\\\\\\\\*\""), "{\"v\": \"a\\\\bc\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a\\\\\\\\*\""), "{\"v\": \"abc\"}"), NO_MATCH);
  /* A backslash before any other character stands for itself. */
  ASSERT_INT_EQ(rule_eval(R("StringMatches", "\"a\\\\b\""), "{\"v\": \"a\\\\b\"}"), MATCH);
  return 0;
}

TEST(numeric_compares_by_value) {
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "1.0"), "{\"v\": 1}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "0"), "{\"v\": 0.0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "1"), "{\"v\": 1.1}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "2.22"), "{\"v\": 2.22}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "100"), "{\"v\": 1e2}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericLessThan", "1"), "{\"v\": 0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericLessThan", "0"), "{\"v\": 0.0}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericLessThanEquals", "0"), "{\"v\": 0.0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericGreaterThan", "0"), "{\"v\": 1}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericGreaterThan", "1"), "{\"v\": 1}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericGreaterThanEquals", "1"), "{\"v\": 1}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericGreaterThanEquals", "-1.5"), "{\"v\": -2}"), NO_MATCH);
  /* Integers beyond 2^53 still compare exactly against each other. */
  ASSERT_INT_EQ(rule_eval(R("NumericEquals", "9007199254740993"), "{\"v\": 9007199254740992}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("NumericLessThan", "9007199254740993"), "{\"v\": 9007199254740992}"), MATCH);
  return 0;
}

TEST(numeric_type_mismatch_is_false) {
  static const char *const inputs[] = { "{\"v\": null}",  "{\"v\": \"\"}",      "{\"v\": \"1\"}",
                                        "{\"v\": \" \"}", "{\"v\": true}",      "{\"v\": false}",
                                        "{\"v\": [1]}",   "{\"v\": {\"A\": 0}}" };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    ASSERT_INT_EQ(rule_eval(R("NumericEquals", "1"), inputs[i]), NO_MATCH);
    ASSERT_INT_EQ(rule_eval(R("NumericEquals", "0"), inputs[i]), NO_MATCH);
    ASSERT_INT_EQ(rule_eval(R("NumericGreaterThanEquals", "-100"), inputs[i]), NO_MATCH);
  }
  ASSERT_INT_EQ(rule_eval(RP("NumericEquals"), "{\"w\": 1, \"v\": null}"), NO_MATCH);
  return 0;
}

TEST(numeric_path_variants) {
  ASSERT_INT_EQ(rule_eval(RP("NumericEquals"), "{\"v\": 1, \"w\": 1.0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericEquals"), "{\"v\": 0, \"w\": 1.0}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericLessThan"), "{\"v\": 0, \"w\": 1}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericLessThanEquals"), "{\"v\": 1, \"w\": 0}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericGreaterThan"), "{\"v\": 1, \"w\": 1}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericGreaterThanEquals"), "{\"v\": 0.0, \"w\": 0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("NumericEquals"), "{\"v\": 1, \"w\": \"1\"}"), NO_MATCH);
  return 0;
}

TEST(boolean_equals) {
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "true"), "{\"v\": true}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "true"), "{\"v\": false}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "false"), "{\"v\": false}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "false"), "{\"v\": 0}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "false"), "{\"v\": null}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "true"), "{\"v\": \"true\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("BooleanEquals", "false"), "{\"v\": []}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("BooleanEquals"), "{\"v\": false, \"w\": false}"), MATCH);
  ASSERT_INT_EQ(rule_eval(RP("BooleanEquals"), "{\"v\": false, \"w\": true}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("BooleanEquals"), "{\"v\": 1, \"w\": true}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("BooleanEquals"), "{\"v\": true, \"w\": 1}"), NO_MATCH);
  return 0;
}

TEST(timestamp_relations) {
  ASSERT_INT_EQ(
      rule_eval(R("TimestampEquals", "\"2012-10-09T19:00:55Z\""), "{\"v\": \"2012-10-09T19:00:55Z\"}"),
      MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampEquals", "\"2012-10-09T19:00:56Z\""), "{\"v\": \"2012-10-09T19:00:55Z\"}"),
      NO_MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampGreaterThan", "\"2012-10-09T19:00:55Z\""), "{\"v\": \"2012-10-09T19:00:56Z\"}"),
      MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampGreaterThan", "\"2012-10-09T19:00:55Z\""), "{\"v\": \"2012-10-09T19:00:55Z\"}"),
      NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("TimestampGreaterThanEquals", "\"2012-10-09T19:00:55Z\""),
                          "{\"v\": \"2012-10-09T19:00:55Z\"}"),
                MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampLessThan", "\"2012-10-09T19:00:56Z\""), "{\"v\": \"2012-10-09T19:00:55Z\"}"),
      MATCH);
  ASSERT_INT_EQ(rule_eval(R("TimestampLessThanEquals", "\"2012-10-09T19:00:55Z\""),
                          "{\"v\": \"2012-10-09T19:00:56Z\"}"),
                NO_MATCH);
  return 0;
}

/* The same instant written in two offsets is equal; sub-millisecond
 * fractions still order. */
TEST(timestamp_across_offsets_and_fractions) {
  ASSERT_INT_EQ(
      rule_eval(R("TimestampEquals", "\"2012-10-09T18:00:55Z\""), "{\"v\": \"2012-10-09T19:00:55+01:00\"}"),
      MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampLessThan", "\"2012-10-09T19:00:55Z\""), "{\"v\": \"2012-10-09T21:00:55+03:00\"}"),
      MATCH);
  ASSERT_INT_EQ(
      rule_eval(R("TimestampEquals", "\"2012-10-09T19:00:55Z\""), "{\"v\": \"2012-10-09T19:00:55.000Z\"}"),
      MATCH);
  ASSERT_INT_EQ(rule_eval(R("TimestampLessThan", "\"2012-10-09T19:00:55.0002Z\""),
                          "{\"v\": \"2012-10-09T19:00:55.0001Z\"}"),
                MATCH);
  ASSERT_INT_EQ(rule_eval(RP("TimestampEquals"), "{\"v\": \"2012-10-10T00:30:55+05:30\", \"w\": "
                                                 "\"2012-10-09T19:00:55Z\"}"),
                MATCH);
  return 0;
}

TEST(timestamp_mismatch_is_false) {
  static const char *const inputs[] = { "{\"v\": null}",
                                        "{\"v\": 0}",
                                        "{\"v\": \"\"}",
                                        "{\"v\": \"2023-02-24 12:15:56.832957\"}",
                                        "{\"v\": \"2012-10-09T19:00:55\"}",
                                        "{\"v\": \"2023-02-24\"}",
                                        "{\"v\": [\"\"]}",
                                        "{\"v\": true}" };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    ASSERT_INT_EQ(rule_eval(R("TimestampEquals", "\"2012-10-09T19:00:55Z\""), inputs[i]), NO_MATCH);
    ASSERT_INT_EQ(rule_eval(R("TimestampLessThan", "\"2999-10-09T19:00:55Z\""), inputs[i]), NO_MATCH);
  }
  ASSERT_INT_EQ(rule_eval(RP("TimestampEquals"), "{\"v\": \"2012-10-09T19:00:55Z\", \"w\": \"yesterday\"}"),
                NO_MATCH);
  ASSERT_INT_EQ(rule_eval(RP("TimestampGreaterThan"), "{\"v\": \"2012-10-09T19:00:55Z\", \"w\": 5}"),
                NO_MATCH);
  return 0;
}

TEST(type_tests) {
  ASSERT_INT_EQ(rule_eval(R("IsNull", "true"), "{\"v\": null}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNull", "false"), "{\"v\": null}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNull", "true"), "{\"v\": \"\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNull", "false"), "{\"v\": {}}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNumeric", "true"), "{\"v\": 0}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNumeric", "true"), "{\"v\": 1.1}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNumeric", "true"), "{\"v\": \"1\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsNumeric", "false"), "{\"v\": false}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsString", "true"), "{\"v\": \"\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsString", "false"), "{\"v\": \"\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsString", "true"), "{\"v\": [\"\"]}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsString", "false"), "{\"v\": null}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsBoolean", "true"), "{\"v\": false}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsBoolean", "false"), "{\"v\": true}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsBoolean", "true"), "{\"v\": 0}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsTimestamp", "true"), "{\"v\": \"2012-10-09T19:00:55+01:00\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsTimestamp", "true"), "{\"v\": \"2012-10-09T19:00:55\"}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsTimestamp", "false"), "{\"v\": \"2023-02-24\"}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsTimestamp", "true"), "{\"v\": 1349809255}"), NO_MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsPresent", "true"), "{\"v\": null}"), MATCH);
  ASSERT_INT_EQ(rule_eval(R("IsPresent", "false"), "{\"v\": null}"), NO_MATCH);
  return 0;
}
