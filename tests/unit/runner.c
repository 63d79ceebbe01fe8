/* See runner.h. Usage: test_<module> [name-substring]. */
#include "runner.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
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
/* This run's scratch root ($TMPDIR/sd_test_XXXXXX) and the running
 * test's directory in it. */
static char root[512], test_dir[1024];

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

const char *sd_test_dir(void) {
  struct stat st;
  if (stat(test_dir, &st) != 0 && mkdir(test_dir, 0700) != 0) {
    perror(test_dir);
    exit(1);
  }
  return test_dir;
}

/* Removes `path` and, for a directory, everything below it. */
static void rm_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char sub[2048];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      rm_tree(sub);
    }
    if (d != NULL)
      closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

static int run_one(const struct test *t) {
  /* The parent removes it, whatever the child did. */
  snprintf(test_dir, sizeof test_dir, "%s/%s", root, t->name);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return 1;
  if (pid == 0) {
    alarm(TIMEOUT_S);
    exit(t->fn() == 0 ? 0 : 1); /* exit, not _exit: LeakSanitizer runs at exit */
  }
  int status = 0;
  int w = waitpid(pid, &status, 0);
  rm_tree(test_dir);
  if (w < 0)
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
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/sd_test_XXXXXX", t && t[0] ? t : "/tmp");
  if (mkdtemp(root) == NULL) {
    perror(root);
    return 1;
  }
  for (int i = 0; i < ntests; i++) {
    if (filter && strstr(tests[i].name, filter) == NULL)
      continue;
    ran++;
    int rc = run_one(&tests[i]);
    printf("%s %s\n", rc ? "FAIL" : "ok  ", tests[i].name);
    failed += rc;
  }
  rm_tree(root);
  printf("%d/%d passed\n", ran - failed, ran);
  return failed ? 1 : 0;
}
