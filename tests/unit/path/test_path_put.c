/* sd_path_put (ResultPath): nested creation, "$" replacement, no mutation
 * of the input, sharing of everything off the written spine, failures. */
#include "path_test.h"

#include "engine/path.h"

/* Puts `value` (JSON text) into `input` (JSON text) at `path`; checks the
 * input is unchanged. New reference or NULL with err. */
static json_t *put(const char *path, const char *input, const char *value, struct sd_err *err, int *mutated) {
  struct sd_path *p = sd_path_compile(path, SD_PATH_REF, err);
  if (p == NULL)
    return NULL;
  json_t *in = sd_test_json(input), *before = json_deep_copy(in);
  json_t *out = sd_path_put(p, in, sd_test_json(value), err);
  *mutated = !json_equal(in, before);
  json_decref(in);
  json_decref(before);
  sd_path_free(p);
  return out;
}

#define ASSERT_PUT(path, input, value, expected)                                                             \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    int mutated_ = 0;                                                                                        \
    json_t *v_ = put((path), (input), (value), &e_, &mutated_);                                              \
    ASSERT(v_ != NULL);                                                                                      \
    ASSERT(!mutated_);                                                                                       \
    int rc_ = sd_test_json_eq(v_, (expected), __FILE__, __LINE__);                                           \
    json_decref(v_);                                                                                         \
    if (rc_ != 0)                                                                                            \
      return 1;                                                                                              \
  } while (0)

#define ASSERT_PUT_FAILS(path, input, value, want)                                                           \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    int mutated_ = 0;                                                                                        \
    json_t *v_ = put((path), (input), (value), &e_, &mutated_);                                              \
    ASSERT(v_ == NULL);                                                                                      \
    ASSERT(!mutated_);                                                                                       \
    ASSERT_STR_EQ(e_.name, "States.ResultPathMatchFailure");                                                 \
    ASSERT_STR_EQ(e_.cause, (want));                                                                         \
    sd_err_clear(&e_);                                                                                       \
  } while (0)

TEST(put_merges_and_creates) {
  ASSERT_PUT("$.r", "{\"a\": 1}", "2", "{\"a\": 1, \"r\": 2}");
  ASSERT_PUT("$.a", "{\"a\": 1, \"b\": 2}", "{\"x\": true}", "{\"a\": {\"x\": true}, \"b\": 2}");
  ASSERT_PUT("$.enigma.mystery", "{\"functionName\": \"f\"}", "{\"riddle\": \"?\"}",
             "{\"functionName\": \"f\", \"enigma\": {\"mystery\": {\"riddle\": \"?\"}}}"); /* corpus */
  ASSERT_PUT("$.detail.shipped_output", "{\"detail\": {\"shipped\": [1]}}", "[2]",
             "{\"detail\": {\"shipped\": [1], \"shipped_output\": [2]}}");
  ASSERT_PUT("$['a b']['c']", "{}", "null", "{\"a b\": {\"c\": null}}");
  ASSERT_PUT("$.a[1].b", "{\"a\": [{}, {\"c\": 1}]}", "2", "{\"a\": [{}, {\"c\": 1, \"b\": 2}]}");
  ASSERT_PUT("$.a[-1]", "{\"a\": [1, 2]}", "3", "{\"a\": [1, 3]}");
  ASSERT_PUT("$[0]", "[1]", "\"x\"", "[\"x\"]");
  return 0;
}

TEST(put_root_replaces) {
  struct sd_path *p = sd_path_compile("$", SD_PATH_REF, NULL);
  json_t *in = sd_test_json("{\"a\": 1}"), *v = sd_test_json("\"Hello\"");
  json_t *out = sd_path_put(p, in, v, NULL);
  ASSERT(out == v); /* the value itself, stolen */
  json_decref(out);
  json_decref(in);
  sd_path_free(p);
  ASSERT_NO_LEAKS();
  return 0;
}

/* Only the spine down the path is copied: siblings are the input's own
 * nodes, so a long chain of states pays for the path's depth, not for the
 * size of the document. */
TEST(put_shares_what_it_does_not_change) {
  struct sd_path *p = sd_path_compile("$.a.b", SD_PATH_REF, NULL);
  json_t *in = sd_test_json("{\"big\": {\"x\": [1, 2, 3]}, \"a\": {\"keep\": [4], \"b\": 0}}");
  json_t *out = sd_path_put(p, in, json_integer(5), NULL);
  ASSERT(out != in);
  ASSERT(json_object_get(out, "big") == json_object_get(in, "big"));
  ASSERT(json_object_get(out, "a") != json_object_get(in, "a"));
  ASSERT(json_object_get(json_object_get(out, "a"), "keep") ==
         json_object_get(json_object_get(in, "a"), "keep"));
  ASSERT_JSON_EQ(in, "{\"big\": {\"x\": [1, 2, 3]}, \"a\": {\"keep\": [4], \"b\": 0}}");
  ASSERT_JSON_EQ(out, "{\"big\": {\"x\": [1, 2, 3]}, \"a\": {\"keep\": [4], \"b\": 5}}");
  json_decref(out);
  json_decref(in);
  sd_path_free(p);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(put_chain_keeps_key_order) {
  struct sd_path *p = sd_path_compile("$.r", SD_PATH_REF, NULL);
  json_t *doc = sd_test_json("{\"z\": 1, \"r\": 0, \"a\": 2}");
  for (int i = 0; i < 1000; i++) {
    json_t *next = sd_path_put(p, doc, json_integer(i), NULL);
    json_decref(doc);
    doc = next;
  }
  char *text = json_dumps(doc, JSON_COMPACT);
  ASSERT_STR_EQ(text, "{\"z\":1,\"r\":999,\"a\":2}");
  free(text);
  json_decref(doc);
  sd_path_free(p);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(put_failures) {
  ASSERT_PUT_FAILS("$.x", "\"hello\"", "1", "Unable to apply step \"x\" to input \"hello\"");
  ASSERT_PUT_FAILS("$.a.b", "{\"a\": 5}", "1", "Unable to apply step \"b\" to input {\"a\":5}");
  ASSERT_PUT_FAILS("$.a.b.c", "{\"a\": {\"b\": [1]}}", "1",
                   "Unable to apply step \"c\" to input {\"a\":{\"b\":[1]}}");
  ASSERT_PUT_FAILS("$.a.b", "{\"a\": null}", "1", "Unable to apply step \"b\" to input {\"a\":null}");
  ASSERT_PUT_FAILS("$.a[2]", "{\"a\": [1]}", "1", "Unable to apply step \"2\" to input {\"a\":[1]}");
  ASSERT_PUT_FAILS("$.a[0]", "{}", "1", "Unable to apply step \"0\" to input {}");
  ASSERT_PUT_FAILS("$.a", "[1]", "{\"big\": [1, 2]}", "Unable to apply step \"a\" to input [1]");
  ASSERT_PUT_FAILS("$.a", "null", "1", "Unable to apply step \"a\" to input null");
  ASSERT_NO_LEAKS(); /* the value is stolen, also on failure */
  return 0;
}

TEST(put_rejects_context_and_non_reference_paths) {
  const char *bad[] = { "$$.Execution", "$.a[*]", "$..a" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sd_err err = { 0 };
    struct sd_path *p = sd_path_compile(bad[i], 0, &err);
    json_t *in = sd_test_json("{}");
    ASSERT(sd_path_put(p, in, json_integer(1), &err) == NULL);
    ASSERT_STR_EQ(err.name, "States.ResultPathMatchFailure");
    sd_err_clear(&err);
    json_decref(in);
    sd_path_free(p);
  }
  ASSERT_NO_LEAKS();
  return 0;
}
