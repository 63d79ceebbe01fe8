/* A tiny test runner in the spirit of libuv's: each TEST runs in a forked
 * child with a timeout, so a crash, a sanitizer abort or a hang fails that
 * test only. Tests register themselves (constructor attribute), so adding a
 * test file needs no list to edit. */
#ifndef SD_TESTS_RUNNER_H
#define SD_TESTS_RUNNER_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

typedef int (*sd_test_fn)(void);
void sd_test_register(const char *name, const char *file, sd_test_fn fn);
/* Compares a JSON value with JSON text; prints both on mismatch. */
int sd_test_json_eq(json_t *v, const char *expected, const char *file, int line);
json_t *sd_test_json(const char *text); /* parses or aborts the test; new ref */
/* A directory of the running test's own, created on first call, empty
 * then; the runner removes it with all it holds once the test ends, passed,
 * failed or crashed, so a test need not clean up (and cannot leak into
 * $TMPDIR or /tmp) on any path. */
const char *sd_test_dir(void);

#define TEST(name)                                                                                           \
  static int test_##name(void);                                                                              \
  __attribute__((constructor)) static void register_##name(void) {                                           \
    sd_test_register(#name, __FILE__, test_##name);                                                          \
  }                                                                                                          \
  static int test_##name(void)

#define ASSERT(expr)                                                                                         \
  do {                                                                                                       \
    if (!(expr)) {                                                                                           \
      fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr);                           \
      return 1;                                                                                              \
    }                                                                                                        \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                                                  \
  do {                                                                                                       \
    const char *a_ = (a), *b_ = (b);                                                                         \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                                   \
      fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)",                   \
              b_ ? b_ : "(null)");                                                                           \
      return 1;                                                                                              \
    }                                                                                                        \
  } while (0)

#define ASSERT_INT_EQ(a, b)                                                                                  \
  do {                                                                                                       \
    long long a_ = (long long)(a), b_ = (long long)(b);                                                      \
    if (a_ != b_) {                                                                                          \
      fprintf(stderr, "%s:%d: %lld != %lld (%s vs %s)\n", __FILE__, __LINE__, a_, b_, #a, #b);               \
      return 1;                                                                                              \
    }                                                                                                        \
  } while (0)

#define ASSERT_JSON_EQ(v, text)                                                                              \
  do {                                                                                                       \
    if (sd_test_json_eq((v), (text), __FILE__, __LINE__) != 0)                                               \
      return 1;                                                                                              \
  } while (0)

#endif
