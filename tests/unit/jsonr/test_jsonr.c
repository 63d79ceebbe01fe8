/* The fast reader against Jansson's own: the same values, the same
 * rejections and error codes, on hand-picked and on mutated documents. */
#include "runner.h"

#include <stdbool.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/jsonr.h"

static const char *const good[] = {
  "{}",
  "[]",
  "0",
  "-0",
  "1.5",
  "-2.25e-7",
  "1E5",
  "1e+2",
  "true",
  "false",
  "null",
  "\"\"",
  "{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\\n\\t\\\"\\\\\\/\\b\\f\\r\"}",
  "\"\\u00e9\\u2603\\ud83d\\ude00\"",
  "\"h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80\"",
  "  [ 1 , 2 ]  ",
  "9223372036854775807",
  "-9223372036854775808",
  "[999999999999999999, -999999999999999999, 1000000000000000000, -1000000000000000000, 7, -7, 10]",
  "{\"a\": 1, \"b\":2, \"c\" : 3, \"d\":  4, \"e\": \n5, \"f\": \"x\", \"g\": {}, \"h\": []}",
  "{\"k\": {\"k\": {\"k\": []}}}",
  "[1e308, 2.5E-308, 0.1, 123456789.123456789]",
};

static const char *const bad[] = {
  "",
  "{",
  "[1,]",
  "{\"a\":}",
  "{\"a\" 1}",
  "{a: 1}",
  "01",
  "1.",
  ".5",
  "-",
  "1e",
  "tru",
  "nul",
  "\"abc",
  "\"\\x\"",
  "\"\\u12\"",
  "\"\\ud800\"",
  "\"\\udc00\"",
  "\"\\u0000\"",
  "\"a\x01\"",
  "\"\xff\"",
  "\"\xc3\"",
  "\"\xed\xa0\x80\"",
  "[1] 2",
  "9223372036854775808",
  "-9223372036854775809",
  "1e999",
  "{\"a\": 1, \"a\": 2}",
  "[\"\xe0\x80\x80\"]",
  "{\"a\": }",
  "{\"a\": ",
  "{\"a\": x}",
  "{\"a\" 1}",
};

/* strict: the same error code and line as well. */
static int same_as(const char *text, size_t flags, bool strict) {
  json_error_t e1, e2;
  size_t n = strlen(text);
  json_t *a = json_loadb(text, n, flags, &e1);
  json_t *b = sd_jsonr_fast(text, n, flags, &e2);
  int ok = (a == NULL) == (b == NULL) && (a == NULL || json_equal(a, b));
  if (ok && a == NULL && strict)
    ok = json_error_code(&e1) == json_error_code(&e2) && e1.line == e2.line;
  if (!ok)
    fprintf(stderr, "differs on <%s>: jansson %s (%s %d:%d), ours %s (%s %d:%d)\n", text, a ? "ok" : "error",
            a ? "" : e1.text, e1.line, e1.column, b ? "ok" : "error", b ? "" : e2.text, e2.line, e2.column);
  json_decref(a);
  json_decref(b);
  return ok;
}

static int same(const char *text, size_t flags) {
  return same_as(text, flags, true);
}

TEST(agrees_with_jansson_on_good_documents) {
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ASSERT(same(good[i], JSON_DECODE_ANY | JSON_REJECT_DUPLICATES));
  return 0;
}

TEST(agrees_with_jansson_on_bad_documents) {
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT(same(bad[i], JSON_DECODE_ANY | JSON_REJECT_DUPLICATES));
  return 0;
}

TEST(duplicates_only_rejected_on_request) {
  ASSERT(same("{\"a\": 1, \"a\": 2}", JSON_DECODE_ANY));
  return 0;
}

TEST(depth_limit) {
  size_t n = JSON_PARSER_MAX_DEPTH + 10;
  char *deep = malloc(2 * n + 1);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  deep[2 * n] = '\0';
  json_error_t e;
  ASSERT(sd_jsonr_fast(deep, 2 * n, 0, &e) == NULL);
  ASSERT_INT_EQ(json_error_code(&e), json_error_stack_overflow);
  free(deep);
  return 0;
}

TEST(error_line_and_column) {
  json_error_t e;
  ASSERT(sd_jsonr_fast("{\n  \"a\": 1,\n  ,}", 16, 0, &e) == NULL);
  ASSERT_INT_EQ(e.line, 3);
  ASSERT_INT_EQ(e.column, 3);
  return 0;
}

/* Mutations of a realistic document: both readers accept and reject the
 * same texts with the same values (with several faults in one text, which
 * one is reported first may differ). */
TEST(agrees_on_mutations) {
  const char *base = "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"Result\": "
                     "[1, -2.5e3, \"x\\u00e9\\n\", true, null], \"End\": true}}}";
  size_t n = strlen(base);
  char *buf = malloc(n + 1);
  static const char subst[] = "{}[]\",:\\0e.-tn \x01\xc3\xff";
  unsigned seed = 12345;
  for (int round = 0; round < 20000; round++) {
    memcpy(buf, base, n + 1);
    for (int k = 0; k < 1 + round % 3; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % n;
      seed = seed * 1103515245u + 12345u;
      buf[at] = subst[(seed >> 8) % (sizeof subst - 1)];
    }
    if (!same_as(buf, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, false))
      return 1;
  }
  free(buf);
  return 0;
}

/* Big documents share equal short strings (one json_t, more references);
 * the values read are the same as Jansson's. */
TEST(big_documents_share_short_strings) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, "[");
  for (int i = 0; i < 400; i++)
    sd_buf_printf(&b, "%s{\"Type\": \"Pass\", \"Next\": \"S%04d\", \"Long\": \"%s\"}", i ? "," : "", i,
                  "a string longer than thirty-two bytes, never shared");
  sd_buf_puts(&b, "]");
  ASSERT(b.len >= 4096);
  json_t *v = sd_jsonr_fast(b.data, b.len, 0, NULL);
  json_t *j = json_loadb(b.data, b.len, 0, NULL);
  ASSERT(v != NULL && j != NULL && json_equal(v, j));
  json_t *t0 = json_object_get(json_array_get(v, 0), "Type");
  json_t *t1 = json_object_get(json_array_get(v, 399), "Type");
  json_t *l0 = json_object_get(json_array_get(v, 0), "Long");
  json_t *l1 = json_object_get(json_array_get(v, 399), "Long");
  ASSERT(t0 == t1 && t0->refcount == 400);
  ASSERT(l0 != l1 && l0->refcount == 1);
  json_decref(v);
  json_decref(j);
  sd_buf_free(&b);
  /* Small documents allocate no cache and share nothing. */
  v = sd_jsonr_fast("[\"x\", \"x\"]", 10, 0, NULL);
  ASSERT(json_array_get(v, 0) != json_array_get(v, 1));
  json_decref(v);
  return 0;
}

/* Indentation is skipped a word at a time after a line break: runs of
 * every length from 0 to 20, runs that end the text, tabs and carriage
 * returns among the spaces, and a syntax error right after a run keep
 * Jansson's values, error codes and lines. Keys with escapes (read into
 * scratch, then copied) and without (handed over in place) as well. */
TEST(indentation_and_keys_agree_with_jansson) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, "{");
  for (int i = 0; i <= 20; i++) {
    sd_buf_printf(&b, "%s\n%*s\"k%d\":", i ? "," : "", i, "", i);
    sd_buf_printf(&b, "\n%*s%s", 20 - i, "", i % 3 == 0 ? "\t\r\n  [1,\n          2]" : "\"v\"");
  }
  sd_buf_puts(&b, ",\n  \"a\\u0041\": {\"\\\"q\\\"\": 1},\n  \"aA\": 2\n}");
  for (int tail = 0; tail <= 20; tail++) {
    struct sd_buf t = { 0 };
    sd_buf_printf(&t, "%s\n%*s", b.data, tail, "");
    ASSERT(same(t.data, JSON_REJECT_DUPLICATES));
    /* A bad byte after the run: the same error code and line. */
    sd_buf_putc(&t, 'x');
    ASSERT(same(t.data, JSON_REJECT_DUPLICATES));
    sd_buf_free(&t);
  }
  /* "aA" written with an escape and without: a duplicate either way. */
  ASSERT(same("{\n    \"a\\u0041\": 1,\n    \"aA\": 2\n}", JSON_REJECT_DUPLICATES));
  ASSERT(same("{\n    \"aA\": 1,\n    \"a\\u0041\": 2\n}", JSON_REJECT_DUPLICATES));
  sd_buf_free(&b);
  return 0;
}

/* The string cache compares a slot by length and first and last eight
 * bytes, and the middle only past sixteen: strings that differ in one
 * byte anywhere, at every length it caches, still read as themselves. */
TEST(shared_strings_differing_in_one_byte) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, "[");
  for (int rep = 0; rep < 4; rep++)
    for (int n = 1; n <= 34; n++)
      for (int at = 0; at < n; at++) {
        char s[40];
        memset(s, 'a', (size_t)n);
        s[at] = 'b';
        s[n] = '\0';
        sd_buf_printf(&b, "%s\"%s\"", b.len > 1 ? "," : "", s);
      }
  sd_buf_puts(&b, "]");
  ASSERT(b.len >= 4096);
  json_t *v = sd_jsonr_fast(b.data, b.len, 0, NULL);
  json_t *j = json_loadb(b.data, b.len, 0, NULL);
  ASSERT(v != NULL && j != NULL && json_equal(v, j));
  json_decref(v);
  json_decref(j);
  sd_buf_free(&b);
  return 0;
}
