/* The fast writer must produce exactly Jansson's compact text, and its
 * in-string form must decode back to that text. */
#include "runner.h"

#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"

static const char *const docs[] = {
  "{}",
  "[]",
  "{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"e\"}}",
  "[1.5, 0.1, -2.25e-7, 1e20, 3.0, -0.0, 123456789012345678]",
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
