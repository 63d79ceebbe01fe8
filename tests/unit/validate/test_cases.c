/* Runs the data-driven cases in tests/cases/validate (*.test; the format is
 * described at the top of basic.test), so that a new case needs no C. */
#include "runner.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "engine/alloc.h"
#include "engine/validate.h"
#include "vtest.h"

/* Reads the next non-comment line into *line; strips the newline. Returns
 * false at end of file. */
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

/* Returns the number of failed cases in `file`, or -1 when unreadable. */
static int run_file(const char *file, int *ran) {
  FILE *f = fopen(file, "r");
  if (f == NULL)
    return -1;
  char *line = NULL;
  size_t cap = 0;
  int lineno = 0, failed = 0;
  while (next_line(f, &line, &cap, &lineno)) {
    if (line[0] == '\0')
      continue;
    int at = lineno;
    char *def = sd_xstrdup(line);
    const char *type = "STANDARD";
    struct sd_buf want = { 0 };
    while (next_line(f, &line, &cap, &lineno) && line[0] != '\0') {
      if (strcmp(line, "%%EXPRESS") == 0) {
        type = "EXPRESS";
        continue;
      }
      sd_buf_printf(&want, "%s%s", want.len ? "\n" : "", line);
    }
    struct sd_validate_opts opts = { .type = type };
    json_t *r = sd_validate_text(def, strlen(def), &opts);
    char *got = vt_lines(r);
    (*ran)++;
    if (want.data == NULL || strcmp(got, want.data) != 0) {
      fprintf(stderr, "%s:%d: %s\n--- expected\n%s\n--- got\n%s\n", file, at, def, want.data ? want.data : "",
              got);
      failed++;
    }
    free(got);
    json_decref(r);
    sd_buf_free(&want);
    free(def);
  }
  free(line);
  fclose(f);
  return failed;
}

TEST(validate_case_files) {
  /* tests/unit/validate -> tests/cases/validate */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *cut = strstr(dir, "/unit/validate/");
  ASSERT(cut != NULL);
  snprintf(cut, sizeof dir - (size_t)(cut - dir), "/cases/validate");
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
  printf("  %d validate cases in %d files\n", ran, files);
  ASSERT(files >= 1 && ran >= 50);
  ASSERT_INT_EQ(failed, 0);
  return 0;
}
