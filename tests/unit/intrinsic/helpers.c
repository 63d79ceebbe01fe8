/* See helpers.h. */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

#include "engine/err.h"
#include "engine/eval.h"
#include "engine/intrinsic.h"
#include "runner.h"

json_t *intr_run_env(const char *expr, const char *input, const char *ctx, bool limits, uint64_t *rng,
                     struct sd_err *err) {
  struct sd_intrinsic *f = sd_intrinsic_compile(expr, err);
  if (f == NULL)
    return NULL;
  json_t *in = sd_test_json(input);           /* new */
  json_t *c = ctx ? sd_test_json(ctx) : NULL; /* new */
  struct sd_eval_env env = { .ctx = c, .limits = limits, .rng = rng };
  json_t *out = sd_intrinsic_eval(f, in, &env, err); /* new */
  json_decref(in);
  json_decref(c);
  sd_intrinsic_free(f);
  return out;
}

json_t *intr_run(const char *expr, const char *input, struct sd_err *err) {
  return intr_run_env(expr, input, NULL, true, NULL, err);
}

static char cause_buf[4096];

const char *intr_fail(const char *expr, const char *input) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  cause_buf[0] = '\0';
  if (out == NULL) {
    if (err.name == NULL || strcmp(err.name, SD_E_RUNTIME) != 0)
      snprintf(cause_buf, sizeof cause_buf, "wrong error name %s: %s", err.name ? err.name : "(none)",
               err.cause ? err.cause : "");
    else
      snprintf(cause_buf, sizeof cause_buf, "%s", err.cause ? err.cause : "");
  }
  json_decref(out);
  sd_err_clear(&err);
  return cause_buf;
}

const char *intr_reject(const char *expr) {
  struct sd_err err = { 0 };
  struct sd_intrinsic *f = sd_intrinsic_compile(expr, &err);
  cause_buf[0] = '\0';
  if (f == NULL) {
    if (err.name == NULL || strcmp(err.name, SD_E_INVALID_DEFINITION) != 0)
      snprintf(cause_buf, sizeof cause_buf, "wrong error name %s", err.name ? err.name : "(none)");
    else
      snprintf(cause_buf, sizeof cause_buf, "%s", err.cause ? err.cause : "");
  }
  sd_intrinsic_free(f);
  sd_err_clear(&err);
  return cause_buf;
}
