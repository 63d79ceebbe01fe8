/* Runs the data-driven cases in tests/cases/paths (files ending in .test, format in
 * aws.test), so that a new case needs no C. */
#include "path_test.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"

static const char *const ctx_text =
    "{\"Execution\": {\"Id\": \"arn:exec\", \"Input\": {\"k\": [1, 2]}}, \"Map\": "
    "{\"Item\": {\"Index\": 0, \"Value\": \"A\"}}}";

/* Reads the next non-comment line into *line (getline's buffer); strips the
 * newline. Returns false at end of file. A blank line ends a case. */
static bool next_line(FILE *f, char **line, size_t *cap, int *lineno) {
  for (;;) {
    ssize_t n = getline(line, cap, f);
    if (n < 0)
      return false;
    (*lineno)++;
    if (n > 0 && (*line)[n - 1] == '\n')
      (*line)[--n] = '\0';
    if ((*line)[0] != '#')
      return true;
  }
}

/* Returns the number of failed cases in one file, or -1 if unreadable;
 * adds the cases run to *ran. */
static int run_file(const char *file, int *ran) {
  FILE *f = fopen(file, "r");
  if (f == NULL)
    return -1;
  char *line = NULL, *path = NULL, *input = NULL;
  size_t cap = 0;
  int lineno = 0, failed = 0;
  while (next_line(f, &line, &cap, &lineno)) {
    if (line[0] == '\0')
      continue;
    int at = lineno;
    free(path);
    path = sd_xstrdup(line);
    if (!next_line(f, &line, &cap, &lineno))
      break;
    free(input);
    input = sd_xstrdup(line);
    if (!next_line(f, &line, &cap, &lineno))
      break;
    struct sd_err err = { 0 };
    json_t *got = eval_path(path, input, ctx_text, &err);
    bool ok;
    (*ran)++;
    if (strcmp(line, "%%FAIL") == 0) {
      char *name = next_line(f, &line, &cap, &lineno) ? sd_xstrdup(line) : NULL;
      char *cause = next_line(f, &line, &cap, &lineno) ? sd_xstrdup(line) : NULL;
      ok = got == NULL && name && cause && err.name && err.cause && strcmp(name, err.name) == 0 &&
           strcmp(cause, err.cause) == 0;
      if (!ok)
        fprintf(stderr, "%s:%d: %s: expected %s: %s\n  got %s: %s\n", file, at, path, name ? name : "?",
                cause ? cause : "?", err.name ? err.name : "(success)", err.cause ? err.cause : "");
      free(name);
      free(cause);
    } else {
      ok = got != NULL && sd_test_json_eq(got, line, file, at) == 0;
      if (got == NULL)
        fprintf(stderr, "%s:%d: %s failed: %s\n", file, at, path, err.cause ? err.cause : "?");
    }
    failed += !ok;
    json_decref(got);
    sd_err_clear(&err);
  }
  free(line);
  free(path);
  free(input);
  fclose(f);
  return failed;
}

TEST(path_case_files) {
  /* The cases live next to this file's directory: tests/unit/path -> tests/cases/paths. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *cut = strstr(dir, "/unit/path/");
  ASSERT(cut != NULL);
  snprintf(cut, sizeof dir - (size_t)(cut - dir), "/cases/paths");
  DIR *d = opendir(dir);
  ASSERT(d != NULL);
  int files = 0, ran = 0, failed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".test") != 0)
      continue;
    char file[8192];
    snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
    int rc = run_file(file, &ran);
    ASSERT(rc >= 0);
    failed += rc;
    files++;
  }
  closedir(d);
  ASSERT(files >= 2 && ran >= 30);
  ASSERT_INT_EQ(failed, 0);
  ASSERT_NO_LEAKS();
  return 0;
}
