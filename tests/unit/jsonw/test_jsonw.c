/* The fast writer must produce exactly Jansson's compact text, and its
 * in-string form must decode back to that text. */
#include "runner.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

/* Strings go eight bytes a step until a word holds a byte to escape: each
 * such byte (and bytes >= 0x80, which are not escaped) at every place of
 * strings long enough for several words, as Jansson writes them. */
TEST(string_escapes_at_every_place) {
  static const unsigned char special[] = { 0x00, 0x01, 0x1f, '"', '\\', 0x20, 0x7f, 0x80, 0xc3 };
  char s[40];
  for (size_t len = 1; len <= sizeof s; len++)
    for (size_t at = 0; at < len; at++)
      for (size_t k = 0; k < sizeof special; k++) {
        for (size_t i = 0; i < len; i++)
          s[i] = (char)('a' + i % 26);
        s[at] = (char)special[k];
        if (special[k] == 0xc3) { /* a whole UTF-8 sequence, as Jansson wants */
          if (at + 1 >= len)
            continue;
          s[at + 1] = (char)0xa9;
        }
        if (special[k] == 0x80)
          continue; /* not UTF-8 alone: covered by 0xc3 0xa9 */
        json_t *v = json_stringn(s, len);
        ASSERT(v != NULL);
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        struct sd_buf b = { 0 };
        sd_jsonw_string(&b, s, len);
        if (strcmp(b.data, want) != 0) {
          fprintf(stderr, "len %zu at %zu byte 0x%02x: %s != %s\n", len, at, special[k], b.data, want);
          return 1;
        }
        sd_buf_free(&b);
        free(want);
        json_decref(v);
      }
  return 0;
}

/* Integers of every length and sign, two digits a step. */
TEST(integers_of_every_length) {
  for (long long v = 1;; v *= 10) { /* 1 to 10^18: 1 to 19 digits */
    for (long long d = -1; d <= 1; d++)
      for (int sign = -1; sign <= 1; sign += 2) {
        long long x = sign * (v + d);
        struct sd_buf b = { 0 };
        sd_jsonw_int(&b, x);
        char want[32];
        snprintf(want, sizeof want, "%lld", x);
        ASSERT_STR_EQ(b.data, want);
        ASSERT_INT_EQ(b.len, strlen(want));
        sd_buf_free(&b);
      }
    if (v == 1000000000000000000ll)
      break;
  }
  struct sd_buf b = { 0 };
  sd_jsonw_int(&b, INT64_MIN);
  sd_buf_putc(&b, ' ');
  sd_jsonw_int(&b, INT64_MAX);
  ASSERT_STR_EQ(b.data, "-9223372036854775808 9223372036854775807");
  sd_buf_free(&b);
  return 0;
}
