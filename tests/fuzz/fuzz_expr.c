/* libFuzzer target for the expression languages a definition embeds:
 * JSONPath and Reference Paths (engine/path.h), intrinsic functions
 * (engine/intrinsic.h) and payload templates (engine/tmpl.h). The bytes are
 * an expression, optionally followed by a NUL byte and a JSON document to
 * evaluate it on (a fixed document otherwise). Not for: whole definitions
 * (fuzz_definition.c).
 *
 * Each input is compiled as a path (with and without SD_PATH_REF), as an
 * intrinsic call and as the template {"k.$": expr}; the document itself is
 * compiled as a template too. What compiles is evaluated on the document
 * with a fixed context object and AWS's limits on. Besides the sanitizers,
 * the harness aborts on a broken header contract:
 *   - a compile or evaluation returning NULL sets err->name;
 *   - a Reference Path also compiles as a JSONPath and is definite;
 *   - evaluation never modifies its (borrowed) input document.
 * SD_FUZZ_VERBOSE=1 prints what each compile and evaluation gave, to check
 * what a corpus reaches. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/eval.h"
#include "engine/intrinsic.h"
#include "engine/path.h"
#include "engine/tmpl.h"

/* What `$$` paths read: the fields AWS's context object has for a Map
 * iteration inside a Task state. */
static const char ctx_text[] =
    "{\"Execution\": {\"Id\": \"arn:aws:states:us-east-1:123456789012:execution:sm:e\", "
    "\"Input\": {\"k\": [1, 2]}, \"Name\": \"e\", "
    "\"RoleArn\": \"arn:aws:iam::123456789012:role/r\", "
    "\"StartTime\": \"2024-01-02T03:04:05.678Z\", \"RedriveCount\": 0}, "
    "\"State\": {\"EnteredTime\": \"2024-01-02T03:04:05.678Z\", \"Name\": \"S\", "
    "\"RetryCount\": 0}, "
    "\"StateMachine\": {\"Id\": \"arn:aws:states:us-east-1:123456789012:stateMachine:sm\", "
    "\"Name\": \"sm\"}, "
    "\"Task\": {\"Token\": \"tok\"}, "
    "\"Map\": {\"Item\": {\"Index\": 0, \"Value\": \"A\"}}}";

/* The document when the input carries none (or one that does not parse). */
static const char doc_text[] = "{\"a\": 1, \"b\": [1, 2.5, {\"c\": \"x\"}], \"s\": \"str\", \"n\": null, "
                               "\"t\": true, \"o\": {\"p\": {\"q\": [\"u\", \"v\"]}}, \"e\": {}, \"z\": []}";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *ctx; /* owned for the process' life */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  ctx = json_loads(ctx_text, 0, NULL);
  if (ctx == NULL)
    abort();
  const char *v = getenv("SD_FUZZ_VERBOSE");
  verbose = v != NULL && strcmp(v, "1") == 0;
  return 0;
}

static void contract_fail(const char *what, const char *expr, const struct sd_err *err) {
  fprintf(stderr, "fuzz_expr: contract broken: %s for '%s' (err %s: %s)\n", what, expr,
          err && err->name ? err->name : "-", err && err->cause ? err->cause : "-");
  abort();
}

static void say(const char *step, const char *expr, json_t *v, const struct sd_err *err) {
  if (v == NULL) {
    fprintf(stderr, "fuzz_expr: %s '%s': %s: %s\n", step, expr, err->name ? err->name : "?",
            err->cause ? err->cause : "");
    return;
  }
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  fprintf(stderr, "fuzz_expr: %s '%s': %s\n", step, expr, s);
  free(s);
}

/* A result (stolen) must be non-NULL or come with an error name. */
static void check_result(json_t *v, struct sd_err *err, const char *step, const char *expr) {
  if (v == NULL && err->name == NULL) {
    char what[96];
    snprintf(what, sizeof what, "%s returned NULL without an error", step);
    contract_fail(what, expr, err);
  }
  if (verbose)
    say(step, expr, v, err);
  json_decref(v);
  sd_err_clear(err);
}

static void try_path(const char *expr, json_t *doc, const struct sd_eval_env *env) {
  struct sd_err err = { 0 };
  struct sd_path *p = sd_path_compile(expr, 0, &err);
  if (p == NULL && err.name == NULL)
    contract_fail("sd_path_compile returned NULL without an error", expr, &err);
  if (p == NULL && verbose)
    say("sd_path_compile", expr, NULL, &err);
  sd_err_clear(&err);

  struct sd_path *ref = sd_path_compile(expr, SD_PATH_REF, &err);
  if (ref == NULL && err.name == NULL)
    contract_fail("sd_path_compile(SD_PATH_REF) returned NULL without an error", expr, &err);
  sd_err_clear(&err);
  if (ref != NULL && (p == NULL || !sd_path_is_definite(ref)))
    contract_fail("a Reference Path is not a definite JSONPath", expr, NULL);

  if (p != NULL) {
    (void)sd_path_text(p);
    (void)sd_path_is_root(p);
    (void)sd_path_is_context(p);
    check_result(sd_path_get(p, doc, env, &err), &err, "sd_path_get", expr);
    check_result(sd_path_put(p, doc, json_integer(7), &err), &err, "sd_path_put", expr);
  }
  if (ref != NULL) {
    check_result(sd_path_get(ref, doc, env, &err), &err, "sd_path_get (ref)", expr);
    check_result(sd_path_put(ref, doc, json_pack("{s:[i]}", "r", 1), &err), &err, "sd_path_put (ref)", expr);
  }
  sd_path_free(p);
  sd_path_free(ref);
}

static void try_intrinsic(const char *expr, json_t *doc, const struct sd_eval_env *env) {
  struct sd_err err = { 0 };
  (void)sd_intrinsic_is_call(expr);
  struct sd_intrinsic *f = sd_intrinsic_compile(expr, &err);
  if (f == NULL) {
    if (err.name == NULL)
      contract_fail("sd_intrinsic_compile returned NULL without an error", expr, &err);
    if (verbose)
      say("sd_intrinsic_compile", expr, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  (void)sd_intrinsic_text(f);
  check_result(sd_intrinsic_eval(f, doc, env, &err), &err, "sd_intrinsic_eval", expr);
  sd_intrinsic_free(f);
}

/* Compiles `t` (borrowed) as a template and evaluates it on `doc`. */
static void try_tmpl(json_t *t, const char *expr, json_t *doc, const struct sd_eval_env *env) {
  struct sd_err err = { 0 };
  struct sd_tmpl *tp = sd_tmpl_compile(t, "/States/S/Parameters", &err);
  if (tp == NULL) {
    if (err.name == NULL)
      contract_fail("sd_tmpl_compile returned NULL without an error", expr, &err);
    if (verbose)
      say("sd_tmpl_compile", expr, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  check_result(sd_tmpl_eval(tp, doc, env, &err), &err, "sd_tmpl_eval", expr);
  sd_tmpl_free(tp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t elen = nul ? (size_t)(nul - data) : size;
  char *expr = sd_xstrndup((const char *)data, elen); /* no NUL inside: split on the first */

  json_t *doc = NULL; /* new */
  if (nul != NULL)
    doc = json_loadb((const char *)nul + 1, size - elen - 1, JSON_DECODE_ANY, NULL);
  if (doc == NULL)
    doc = json_loads(doc_text, 0, NULL);
  json_t *before = json_deep_copy(doc); /* new; the oracle for "borrowed" */
  uint64_t rng = 0x9E3779B97F4A7C15ull; /* fixed: a crash must reproduce */
  struct sd_eval_env env = { .ctx = ctx, .limits = true, .rng = &rng };

  try_path(expr, doc, &env);
  try_intrinsic(expr, doc, &env);
  /* json_stringn rejects invalid UTF-8, which no parsed definition holds. */
  json_t *s = json_stringn(expr, elen);
  if (s != NULL) {
    json_t *t = json_object(); /* new */
    json_object_set_new(t, "k.$", s);
    try_tmpl(t, expr, doc, &env);
    json_decref(t);
  }
  if (nul != NULL)
    try_tmpl(doc, "(the document as a template)", doc, &env);

  if (!json_equal(doc, before))
    contract_fail("an evaluation modified its borrowed input", expr, NULL);
  json_decref(before);
  json_decref(doc);
  free(expr);
  return 0;
}
