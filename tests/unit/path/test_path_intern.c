/* Interning spans (sd_intern_begin / _end): one compiled path per text
 * and flags inside a span, shared by reference; nothing shared outside. */
#include "path_test.h"

#include <string.h>

#include "engine/intern.h"
#include "engine/intrinsic.h"
#include "engine/path.h"

TEST(path_intern_shares_within_a_span) {
  struct sd_err err = { 0 };
  sd_intern_begin();
  struct sd_path *a = sd_path_compile("$.acc.i", 0, &err);
  struct sd_path *b = sd_path_compile("$.acc.i", 0, &err);
  struct sd_path *ref = sd_path_compile("$.acc.i", SD_PATH_REF, &err);
  struct sd_path *other = sd_path_compile("$.acc.j", 0, &err);
  /* A failed compile is not remembered: the second one fails the same way. */
  ASSERT(sd_path_compile("$.a[", SD_PATH_REF, &err) == NULL);
  sd_err_clear(&err);
  ASSERT(sd_path_compile("$.a[", SD_PATH_REF, &err) == NULL);
  sd_err_clear(&err);
  sd_intern_begin(); /* nested: same span */
  struct sd_path *c = sd_path_compile("$.acc.i", 0, &err);
  sd_intern_end();
  ASSERT(a != NULL && a == b && a == c);
  ASSERT(ref != NULL && ref != a); /* flags are part of the key */
  ASSERT(other != NULL && other != a);
  sd_path_free(b);
  sd_path_free(c);
  sd_intern_end();
  /* The span is closed; the holders keep what they hold. */
  ASSERT_STR_EQ(sd_path_text(a), "$.acc.i");
  json_t *in = sd_test_json("{\"acc\": {\"i\": 7}}");
  struct sd_eval_env env = { 0 };
  json_t *v = sd_path_get(a, in, &env, &err);
  ASSERT_JSON_EQ(v, "7");
  json_decref(v);
  json_decref(in);
  struct sd_path *d = sd_path_compile("$.acc.i", 0, &err);
  ASSERT(d != NULL && d != a);
  sd_path_free(d);
  sd_path_free(a);
  sd_path_free(ref);
  sd_path_free(other);
  ASSERT(err.name == NULL);
  ASSERT_NO_LEAKS();
  return 0;
}

/* Texts of every length around the lookup's word sizes (4 and 8 bytes,
 * compared and hashed in overlapping words): one path per text, however
 * near the byte that tells two texts apart is to either end. */
TEST(path_intern_tells_texts_apart_at_every_length) {
  struct sd_err err = { 0 };
  sd_intern_begin();
  for (size_t n = 3; n <= 20; n++) {
    char text[4][24];
    struct sd_path *p[4];
    for (int k = 0; k < 4; k++) {
      memset(text[k], 'a', n);
      text[k][0] = '$';
      text[k][1] = '.';
      text[k][n] = '\0';
    }
    text[1][2] = 'b';         /* the first byte after "$." */
    text[2][n / 2 + 1] = 'c'; /* the middle */
    text[3][n - 1] = 'd';     /* the last */
    for (int k = 0; k < 4; k++) {
      p[k] = sd_path_compile(text[k], 0, &err);
      ASSERT(p[k] != NULL);
      ASSERT_STR_EQ(sd_path_text(p[k]), text[k]);
    }
    for (int k = 0; k < 4; k++)
      for (int j = k + 1; j < 4; j++)
        ASSERT(strcmp(text[k], text[j]) == 0 ? p[k] == p[j] : p[k] != p[j]);
    struct sd_path *again = sd_path_compile(text[3], 0, &err);
    ASSERT(again == p[3]);
    sd_path_free(again);
    for (int k = 0; k < 4; k++)
      sd_path_free(p[k]);
  }
  sd_intern_end();
  ASSERT(err.name == NULL);
  ASSERT_NO_LEAKS();
  return 0;
}

/* Intrinsic calls are interned too, apart from paths of the same text;
 * each holder frees its own, and the last free releases the call. */
TEST(intrinsic_intern_shares_within_a_span) {
  struct sd_err err = { 0 };
  sd_intern_begin();
  struct sd_intrinsic *a = sd_intrinsic_compile("States.Format('{}', $.x)", &err);
  struct sd_intrinsic *b = sd_intrinsic_compile("States.Format('{}', $.x)", &err);
  struct sd_intrinsic *other = sd_intrinsic_compile("States.Format('{}', $.y)", &err);
  /* A failed compile is not remembered: the second one fails the same way. */
  ASSERT(sd_intrinsic_compile("States.Nope($.x)", &err) == NULL);
  sd_err_clear(&err);
  ASSERT(sd_intrinsic_compile("States.Nope($.x)", &err) == NULL);
  sd_err_clear(&err);
  ASSERT(a != NULL && a == b && other != NULL && other != a);
  sd_intrinsic_free(b);
  sd_intern_end();
  json_t *in = sd_test_json("{\"x\": 7}");
  json_t *v = sd_intrinsic_eval(a, in, NULL, &err);
  ASSERT_JSON_EQ(v, "\"7\"");
  json_decref(v);
  json_decref(in);
  struct sd_intrinsic *c = sd_intrinsic_compile("States.Format('{}', $.x)", &err);
  ASSERT(c != NULL && c != a);
  sd_intrinsic_free(c);
  sd_intrinsic_free(a);
  sd_intrinsic_free(other);
  ASSERT(err.name == NULL);
  ASSERT_NO_LEAKS();
  return 0;
}
