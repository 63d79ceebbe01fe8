/* `stepd validate` itself: exit status, stdout, usage. The command's source
 * is compiled into this test (cli/ builds only the binary), and each test
 * runs in its own forked child, so redirecting stdout is harmless. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../cli/common.c"
#include "../../../cli/validate.c"

/* Runs the command with stdout sent to a file; returns its exit status and
 * the output in *out (caller frees). */
static int run(int argc, char **argv, char **out) {
  char path[1100]; /* the runner removes the test's directory */
  snprintf(path, sizeof path, "%s/out_XXXXXX", sd_test_dir());
  int fd = mkstemp(path);
  if (fd < 0)
    return -1;
  fflush(stdout);
  int saved = dup(1);
  dup2(fd, 1);
  int rc = sd_cli_validate(argc, argv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  size_t len = 0;
  *out = sd_cli_read_file(path, &len);
  close(fd);
  unlink(path);
  return rc;
}

static char *write_temp(const char *text) {
  char *path = sd_asprintf("%s/def_XXXXXX", sd_test_dir());
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    abort();
  close(fd);
  return path;
}

TEST(cli_valid_definition_exits_0) {
  char *def = write_temp("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}}}");
  char *argv[] = { "validate", def, NULL };
  char *out = NULL;
  ASSERT_INT_EQ(run(2, argv, &out), 0);
  json_t *r = sd_test_json(out);
  ASSERT_JSON_EQ(r, "{\"result\": \"OK\", \"diagnostics\": [], \"truncated\": false}");
  /* Pretty-printed for people. */
  ASSERT(strstr(out, "\n  \"result\": \"OK\"") != NULL);
  json_decref(r);
  free(out);
  unlink(def);
  free(def);
  return 0;
}

TEST(cli_invalid_and_bad_json_exit_2) {
  char *def = write_temp("{\"StartAt\": \"A\",\n \"States\": {\"A\": {\"Type\": \"Pass\",}}}");
  char *argv[] = { "validate", def, NULL };
  char *out = NULL;
  ASSERT_INT_EQ(run(2, argv, &out), 2);
  json_t *r = sd_test_json(out);
  json_t *d = json_array_get(json_object_get(r, "diagnostics"), 0);
  ASSERT_STR_EQ(json_string_value(json_object_get(d, "code")), "INVALID_JSON_DESCRIPTION");
  ASSERT_STR_EQ(json_string_value(json_object_get(d, "location")), "2:34");
  json_decref(r);
  free(out);
  unlink(def);
  free(def);
  return 0;
}

TEST(cli_express_type) {
  char *def =
      write_temp("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Task\", "
                 "\"Resource\": \"arn:aws:states:::sqs:sendMessage.waitForTaskToken\", \"End\": true}}}");
  char *standard[] = { "validate", def, NULL };
  char *express[] = { "validate", "--type", "EXPRESS", def, NULL };
  char *express_eq[] = { "validate", def, "--type=EXPRESS", NULL };
  char *out = NULL;
  ASSERT_INT_EQ(run(2, standard, &out), 0);
  free(out);
  ASSERT_INT_EQ(run(4, express, &out), 2);
  ASSERT(strstr(out, "Express state machine does not support '.waitForTaskToken' service integration ") !=
         NULL);
  free(out);
  ASSERT_INT_EQ(run(3, express_eq, &out), 2);
  free(out);
  unlink(def);
  free(def);
  return 0;
}

TEST(cli_usage) {
  char *help[] = { "validate", "--help", NULL };
  char *none[] = { "validate", NULL };
  char *badtype[] = { "validate", "--type", "FAST", "x.json", NULL };
  char *missing[] = { "validate", "/nonexistent/definition.json", NULL };
  char *out = NULL;
  ASSERT_INT_EQ(run(2, help, &out), 0);
  ASSERT(strncmp(out, "usage: stepd validate DEFINITION", 32) == 0);
  free(out);
  ASSERT_INT_EQ(run(1, none, &out), 2);
  free(out);
  ASSERT_INT_EQ(run(4, badtype, &out), 2);
  free(out);
  ASSERT_INT_EQ(run(2, missing, &out), 2);
  ASSERT_STR_EQ(out, "");
  free(out);
  return 0;
}
