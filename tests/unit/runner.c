/* See runner.h. Usage: test_<module> [name-substring]. */
#include "runner.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 2048
#define TIMEOUT_S 30

struct test {
  const char *name;
  const char *file;
  sd_test_fn fn;
};
static struct test tests[MAX_TESTS];
static int ntests;

void sd_test_register(const char *name, const char *file, sd_test_fn fn) {
  if (ntests < MAX_TESTS)
    tests[ntests++] = (struct test){ name, file, fn };
}

json_t *sd_test_json(const char *text) {
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
  if (v == NULL) {
    fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
    exit(1);
  }
  return v;
}

int sd_test_json_eq(json_t *v, const char *expected, const char *file, int line) {
  json_t *e = sd_test_json(expected);
  int ok = v != NULL && json_equal(v, e);
  if (!ok) {
    char *got = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    fprintf(stderr, "%s:%d: JSON mismatch\n  got:      %s\n  expected: %s\n", file, line,
            got ? got : "(null)", expected);
    free(got);
  }
  json_decref(e);
  return ok ? 0 : 1;
}

static int run_one(const struct test *t) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return 1;
  if (pid == 0) {
    alarm(TIMEOUT_S);
    exit(t->fn() == 0 ? 0 : 1); /* exit, not _exit: LeakSanitizer runs at exit */
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return 1;
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "  %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
            WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 1;
  }
  return WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  int failed = 0, ran = 0;
  for (int i = 0; i < ntests; i++) {
    if (filter && strstr(tests[i].name, filter) == NULL)
      continue;
    ran++;
    int rc = run_one(&tests[i]);
    printf("%s %s\n", rc ? "FAIL" : "ok  ", tests[i].name);
    failed += rc;
  }
  printf("%d/%d passed\n", ran - failed, ran);
  return failed ? 1 : 0;
}
