/* Helpers shared by the path and template tests: one-call evaluation from
 * JSON text, and an explicit leak check (the runner ends each test with
 * _exit, which skips LeakSanitizer's own check at exit). */
#ifndef SD_TESTS_PATH_TEST_H
#define SD_TESTS_PATH_TEST_H

#include <stdlib.h>

#include <jansson.h>

#include "engine/err.h"
#include "engine/path.h"
#include "runner.h"

int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* Fails the test when LeakSanitizer (if linked) finds leaked blocks. */
#define ASSERT_NO_LEAKS()                                                                                    \
  ASSERT(__lsan_do_recoverable_leak_check == NULL || __lsan_do_recoverable_leak_check() == 0)

/* Evaluates `path` on the JSON `input` with `ctx` (JSON text or NULL) as
 * the context object. New reference, or NULL with err set. */
static inline json_t *eval_path(const char *path, const char *input, const char *ctx, struct sd_err *err) {
  struct sd_path *p = sd_path_compile(path, 0, err);
  if (p == NULL)
    return NULL;
  json_t *in = input ? sd_test_json(input) : NULL;
  json_t *c = ctx ? sd_test_json(ctx) : NULL;
  struct sd_eval_env env = { .ctx = c };
  json_t *out = sd_path_get(p, in, &env, err);
  json_decref(in);
  json_decref(c);
  sd_path_free(p);
  return out;
}

/* Asserts that `path` on `input` gives the JSON `expected`. */
#define ASSERT_PATH(path, input, expected)                                                                   \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    json_t *v_ = eval_path((path), (input), NULL, &e_);                                                      \
    if (v_ == NULL)                                                                                          \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, (path), e_.cause ? e_.cause : "?");      \
    ASSERT(v_ != NULL);                                                                                      \
    int rc_ = sd_test_json_eq(v_, (expected), __FILE__, __LINE__);                                           \
    json_decref(v_);                                                                                         \
    sd_err_clear(&e_);                                                                                       \
    if (rc_ != 0)                                                                                            \
      return 1;                                                                                              \
  } while (0)

/* Asserts that `path` on `input` fails with States.Runtime and `cause`. */
#define ASSERT_PATH_FAILS(path, input, want)                                                                 \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    json_t *v_ = eval_path((path), (input), NULL, &e_);                                                      \
    ASSERT(v_ == NULL);                                                                                      \
    ASSERT_STR_EQ(e_.name, "States.Runtime");                                                                \
    ASSERT_STR_EQ(e_.cause, (want));                                                                         \
    sd_err_clear(&e_);                                                                                       \
  } while (0)

/* Asserts that compiling `path` with `flags` fails (InvalidDefinition). */
#define ASSERT_COMPILE_FAILS(path, flags)                                                                    \
  do {                                                                                                       \
    struct sd_err e_ = { 0 };                                                                                \
    struct sd_path *p_ = sd_path_compile((path), (flags), &e_);                                              \
    if (p_ != NULL)                                                                                          \
      fprintf(stderr, "%s:%d: %s compiled\n", __FILE__, __LINE__, (path));                                   \
    ASSERT(p_ == NULL);                                                                                      \
    ASSERT_STR_EQ(e_.name, "InvalidDefinition");                                                             \
    ASSERT(e_.cause != NULL && strstr(e_.cause, "at position ") != NULL);                                    \
    sd_err_clear(&e_);                                                                                       \
  } while (0)

#endif
