/* The memo: a text written with one copies the containers an earlier text
 * holds (the bytes come from that text) and is byte for byte what the
 * plain writer gives. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"

/* v's in-string text through the memo writer. */
static char *memo_text(json_t *v, const struct sd_jsonw_memo *from, struct sd_jsonw_memo *into) {
  struct sd_buf b = { 0 };
  sd_buf_add(&b, "", 0);
  sd_jsonw_value_memo(&b, v, true, from, into);
  if (into != NULL)
    into->text = b.data;
  return b.data;
}

static char *plain_text(json_t *v) {
  struct sd_buf b = { 0 };
  sd_buf_add(&b, "", 0);
  sd_jsonw_value(&b, v, true);
  return b.data;
}

/* A state's output built from its input as ResultPath does: the same
 * subtrees, one member replaced, one value twice. */
TEST(memo_copies_shared_subtrees) {
  json_t *in =
      sd_test_json("{\"name\": \"n\", \"data\": {\"a\": 1, \"tags\": [\"x\", \"y\", \"z\"]}, \"acc\": 1}");
  struct sd_jsonw_memo m1 = { 0 }, m2 = { 0 };
  char *t1 = memo_text(in, NULL, &m1);
  char *want1 = plain_text(in);
  ASSERT_STR_EQ(t1, want1);
  json_t *out = json_copy(in);
  json_t *acc = json_pack("{s:i, s:O}", "i", 2, "tags", json_object_get(json_object_get(in, "data"), "tags"));
  json_object_set_new(out, "acc", acc);
  char *want2 = plain_text(out);
  /* Mark the copy in t1's bytes of "data": the memo must take them from
   * there (the plain writer never would). */
  char *data = strstr(t1, "{\\\"a\\\":1");
  ASSERT(data != NULL);
  data[5] = '7';
  char *t2 = memo_text(out, &m1, &m2);
  want2[strstr(want2, "{\\\"a\\\":1") - want2 + 5] = '7';
  ASSERT_STR_EQ(t2, want2);
  /* The third text still finds "data" and the tags, through what the
   * second recorded of its copy. */
  struct sd_jsonw_memo m3 = { 0 };
  char *t3 = memo_text(out, &m2, &m3);
  ASSERT_STR_EQ(t3, want2);
  sd_jsonw_memo_free(&m1);
  sd_jsonw_memo_free(&m2);
  sd_jsonw_memo_free(&m3);
  free(t1);
  free(t2);
  free(t3);
  free(want1);
  free(want2);
  json_decref(in);
  json_decref(out);
  return 0;
}

/* Many containers: past the scan the memo indexes them, cleared memos are
 * used again, and every text matches the plain writer. */
TEST(memo_indexes_many_values) {
  json_t *items = json_array();
  for (int i = 0; i < 300; i++)
    json_array_append_new(items, json_pack("{s:i, s:[s,s,s]}", "id", i, "tags", "alpha", "beta", "gamma"));
  json_t *in = json_pack("{s:o}", "items", items);
  struct sd_jsonw_memo m[2] = { { 0 } };
  char *prev = NULL;
  for (int round = 0; round < 4; round++) {
    json_t *out = json_array();
    for (int i = round; i < 300; i += 3)
      json_array_append(out, json_array_get(items, (size_t)i));
    json_t *v = round % 2 ? out : in;
    struct sd_jsonw_memo *into = &m[round % 2], *from = &m[(round + 1) % 2];
    char *t = memo_text(v, round ? from : NULL, into);
    char *want = plain_text(v);
    ASSERT_STR_EQ(t, want);
    ASSERT(into->n > 16);
    free(want);
    free(prev);
    from->text = NULL;
    sd_jsonw_memo_clear(from);
    prev = t;
    json_decref(out);
  }
  free(prev);
  sd_jsonw_memo_free(&m[0]);
  sd_jsonw_memo_free(&m[1]);
  json_decref(in);
  return 0;
}

/* v's text as a string literal through the memo writer, as exec.c writes
 * a state's input or output. */
static char *memo_literal(json_t *v, const struct sd_jsonw_memo *from, struct sd_jsonw_memo *into) {
  struct sd_buf b = { 0 };
  sd_buf_add(&b, "\"", 1);
  sd_jsonw_value_memo(&b, v, true, from, into);
  sd_buf_add(&b, "\"", 1);
  into->text = b.data;
  return b.data;
}

/* A root whose member is replaced in place: the splice copies the text
 * around the member and writes only its new value; the memo it records
 * (spans moved, places of members) serves the next splice and the next
 * plain write alike. */
TEST(splice_replaces_one_member) {
  json_t *root = sd_test_json(
      "{\"head\": {\"a\": [1, 2, 3], \"b\": \"xx\"}, \"acc\": {\"i\": -1, \"pad\": \"................\"},"
      " \"tail\": {\"c\": [\"tail-tail-tail\", 4]}, \"n\": 7}");
  json_t *tail = json_incref(json_object_get(root, "tail")); /* a second holder: looked up in memos */
  struct sd_jsonw_memo m[2] = { { 0 } };
  char *prev = memo_literal(root, NULL, &m[0]);
  ASSERT(m[0].top_of == root);
  ASSERT_INT_EQ(m[0].ntop, 4);
  for (int round = 0; round < 6; round++) {
    struct sd_jsonw_memo *from = &m[round % 2], *into = &m[(round + 1) % 2];
    /* Replace a member in place: "acc" grows, then "n" (the last) and
     * "head" (the first) change. */
    const char *key = round % 3 == 0 ? "acc" : round % 3 == 1 ? "n" : "head";
    size_t index = round % 3 == 0 ? 1 : round % 3 == 1 ? 3 : 0;
    json_t *v = round % 3 == 1 ? json_integer(round)
                               : json_pack("{s:i, s:O, s:s}", "i", round, "tail", tail, "s", "say \"hi\"");
    json_object_set_new(root, key, v);
    struct sd_buf b = { 0 };
    sd_buf_add(&b, "\"", 1);
    ASSERT(sd_jsonw_splice_memo(&b, root, index, v, from, strlen(prev), into));
    sd_buf_add(&b, "\"", 1);
    into->text = b.data;
    char *plain = plain_text(root);
    char *want = sd_xstrcat3("\"", plain, "\"");
    ASSERT_STR_EQ(b.data, want);
    /* What the splice recorded copies right into a plain memo write. */
    struct sd_jsonw_memo check = { 0 };
    char *again = memo_literal(root, into, &check);
    ASSERT_STR_EQ(again, want);
    free(again);
    sd_jsonw_memo_free(&check);
    free(plain);
    free(want);
    from->text = NULL;
    sd_jsonw_memo_clear(from);
    free(prev);
    prev = b.data;
  }
  /* A member added is not a splice. */
  json_object_set_new(root, "new", json_true());
  struct sd_buf b = { 0 };
  sd_buf_add(&b, "\"", 1);
  ASSERT(!sd_jsonw_splice_memo(&b, root, 0, json_true(), &m[0], strlen(prev), &m[1]));
  free(b.data);
  free(prev);
  sd_jsonw_memo_free(&m[0]);
  sd_jsonw_memo_free(&m[1]);
  json_decref(tail);
  json_decref(root);
  return 0;
}
