/* `stepd eval`: what a reference path, JSONPath or intrinsic function gives
 * on an input, or the error AWS would raise: jq for ASL expressions. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/intrinsic.h"
#include "engine/path.h"

static const char eval_usage[] =
    "usage: stepd eval (--jsonpath PATH | --intrinsic CALL) [--input JSON | --input-file FILE] [--context "
    "JSON]\n"
    "\n"
    "Prints the value the expression gives on the input (default {}), or the error\n"
    "AWS would raise as {\"error\": ..., \"cause\": ...} on stderr (exit 1).\n"
    "Exit status: 0 a value, 1 an evaluation error, 2 usage or a syntax error.\n";

static json_t *parse_arg(const char *what, const char *text, size_t len) {
  json_error_t e;
  json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &e);
  if (v == NULL)
    sd_cli_errorf("eval: %s is not valid JSON at %d:%d: %s", what, e.line, e.column, e.text);
  return v;
}

static void print_err(const struct sd_err *err) {
  json_t *o = json_pack("{s:s, s:s?}", "error", err->name ? err->name : "", "cause", err->cause);
  char *s = json_dumps(o, JSON_COMPACT);
  fprintf(stderr, "%s\n", s);
  free(s);
  json_decref(o);
}

int sd_cli_eval(int argc, char **argv) {
  const char *path = NULL, *call = NULL, *input = NULL, *input_file = NULL, *context = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(eval_usage, stdout);
      return SD_EXIT_OK;
    }
    if (i + 1 >= argc) {
      sd_cli_errorf("eval: %s needs a value", a);
      fputs(eval_usage, stderr);
      return SD_EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--jsonpath") == 0)
      path = v;
    else if (strcmp(a, "--intrinsic") == 0)
      call = v;
    else if (strcmp(a, "--input") == 0)
      input = v;
    else if (strcmp(a, "--input-file") == 0)
      input_file = v;
    else if (strcmp(a, "--context") == 0)
      context = v;
    else {
      sd_cli_errorf("eval: unknown option '%s'", a);
      fputs(eval_usage, stderr);
      return SD_EXIT_USAGE;
    }
  }
  if ((path == NULL) == (call == NULL)) {
    sd_cli_errorf("eval: give exactly one of --jsonpath and --intrinsic");
    fputs(eval_usage, stderr);
    return SD_EXIT_USAGE;
  }
  json_t *in = NULL, *ctx = NULL;
  if (input_file != NULL) {
    size_t len;
    char *text = sd_cli_read_file(input_file, &len);
    if (text == NULL)
      return SD_EXIT_USAGE;
    in = parse_arg("the input file", text, len);
    free(text);
  } else {
    in = input ? parse_arg("--input", input, strlen(input)) : json_object();
  }
  if (in == NULL)
    return SD_EXIT_USAGE;
  if (context != NULL && (ctx = parse_arg("--context", context, strlen(context))) == NULL) {
    json_decref(in);
    return SD_EXIT_USAGE;
  }
  struct sd_err err = { 0 };
  struct sd_eval_env env = { .ctx = ctx ? ctx : json_object(), .limits = true };
  if (ctx == NULL)
    ctx = env.ctx;
  json_t *out = NULL;
  int status = SD_EXIT_OK;
  if (path != NULL) {
    struct sd_path *p = sd_path_compile(path, 0, &err);
    if (p == NULL)
      status = SD_EXIT_USAGE;
    else
      out = sd_path_get(p, in, &env, &err);
    sd_path_free(p);
  } else {
    struct sd_intrinsic *f = sd_intrinsic_compile(call, &err);
    if (f == NULL)
      status = SD_EXIT_USAGE;
    else
      out = sd_intrinsic_eval(f, in, &env, &err);
    sd_intrinsic_free(f);
  }
  if (out != NULL) {
    char *s = json_dumps(out, JSON_INDENT(2) | JSON_ENCODE_ANY);
    printf("%s\n", s);
    free(s);
    json_decref(out);
  } else {
    if (status == SD_EXIT_OK)
      status = SD_EXIT_FAILED;
    print_err(&err);
  }
  sd_err_clear(&err);
  json_decref(in);
  json_decref(ctx);
  return status;
}
