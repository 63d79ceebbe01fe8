/* See helpers.h. */
#include "helpers.h"

#include "runner.h"
#include "states/choice_rules.h"

enum outcome rule_run(const char *rule, const char *input, const char *ctx, struct sd_err *err) {
  json_t *def = sd_test_json(rule);                   /* new */
  json_t *in = sd_test_json(input);                   /* new */
  json_t *cx = ctx ? sd_test_json(ctx) : json_null(); /* new */
  struct sd_eval_env env = { .ctx = ctx ? cx : NULL };
  enum outcome o = COMPILE_ERROR;
  struct sd_choice_rule *r = sd_choice_rule_compile(def, "/States/C/Choices/0", true, err);
  if (r != NULL) {
    bool match = false;
    o = sd_choice_rule_eval(r, in, &env, &match, err) != 0 ? RUNTIME_ERROR : match ? MATCH : NO_MATCH;
    sd_choice_rule_free(r);
  }
  json_decref(def);
  json_decref(in);
  json_decref(cx);
  return o;
}

enum outcome rule_eval(const char *rule, const char *input) {
  struct sd_err err = { 0 };
  enum outcome o = rule_run(rule, input, NULL, &err);
  if (o < 0)
    fprintf(stderr, "  (%s: %s)\n", err.name ? err.name : "?", err.cause ? err.cause : "");
  sd_err_clear(&err);
  return o;
}
