/* Evaluation of whole calls: nesting, the context object, errors from
 * paths and from nested calls. */
#include "runner.h"

#include <string.h>

#include "engine/err.h"
#include "engine/eval.h"
#include "engine/intrinsic.h"
#include "helpers.h"

static const char *ctx =
    "{\"StateMachine\": {\"Id\": \"arn:aws:states:us-east-1:111111111111:stateMachine:sm-name-x\","
    " \"Name\": \"sm-name-x\"}, \"Execution\": {\"Id\": \"e1\", \"Input\": {}}}";

TEST(nested_calls_aws_cases) {
  struct sd_err err = { 0 };
  json_t *out = intr_run_env("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", "{}",
                             ctx, true, NULL, &err);
  ASSERT_JSON_EQ(out, "\"sm\"");
  json_decref(out);
  out = intr_run_env("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
                     "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
                     "{}", ctx, true, NULL, &err);
  ASSERT_JSON_EQ(out, "\"x\"");
  json_decref(out);
  return 0;
}

/* The documentation's nine-call example. */
TEST(deep_nesting_example) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(
      "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
      "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
      "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'),"
      " 1), 'z')",
      "{\"ImageRecipe\": {\"Arn\": \"arn:aws:imagebuilder:us-east-1:123:image-recipe/r/1.2.3\"}}", &err);
  ASSERT_JSON_EQ(out, "\"1.2.z\"");
  json_decref(out);
  return 0;
}

TEST(context_path_without_context_fails) {
  struct sd_err err = { 0 };
  json_t *out = intr_run_env("States.Array($$.Execution.Id)", "{}", NULL, true, NULL, &err);
  ASSERT(out == NULL);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  sd_err_clear(&err);
  return 0;
}

/* A missing path is the path evaluator's States.Runtime error, unchanged. */
TEST(missing_path_passes_path_error) {
  struct sd_err err = { 0 };
  json_t *out = intr_run("States.Format('{}', $.missing)", "{\"a\": 1}", &err);
  ASSERT(out == NULL);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  ASSERT(err.cause != NULL && strstr(err.cause, "$.missing") != NULL);
  sd_err_clear(&err);
  return 0;
}

TEST(nested_errors_stop_evaluation) {
  ASSERT_STR_EQ(intr_fail("States.Array(1, States.ArrayLength('x'), States.UUID())", "{}"),
                "Invalid arguments in States.ArrayLength: the argument must be an array, not a string");
  return 0;
}

/* Compiled once, evaluated many times on different inputs; the input is
 * not modified and the result does not alias compiled literals in a way
 * that a later evaluation could observe. */
TEST(compile_once_evaluate_many) {
  struct sd_err err = { 0 };
  struct sd_intrinsic *f =
      sd_intrinsic_compile("States.Array('lit', $.v, States.ArrayPartition($.l, 1))", &err);
  ASSERT(f != NULL);
  struct sd_eval_env env = { .limits = true };
  for (int i = 0; i < 3; i++) {
    json_t *in = json_pack("{s:i, s:[i,i]}", "v", i, "l", i, i + 1);
    json_t *out = sd_intrinsic_eval(f, in, &env, &err);
    json_t *want = json_pack("[s, i, [[i],[i]]]", "lit", i, i, i + 1);
    ASSERT(json_equal(out, want));
    ASSERT_JSON_EQ(json_object_get(in, "l"), i == 0 ? "[0,1]" : i == 1 ? "[1,2]" : "[2,3]");
    json_decref(in);
    json_decref(out);
    json_decref(want);
  }
  sd_intrinsic_free(f);
  return 0;
}

TEST(null_env_reads_as_defaults) {
  struct sd_err err = { 0 };
  struct sd_intrinsic *f = sd_intrinsic_compile("States.ArrayLength($.a)", &err);
  json_t *in = json_pack("{s:[i]}", "a", 1);
  json_t *out = sd_intrinsic_eval(f, in, NULL, &err);
  ASSERT_JSON_EQ(out, "1");
  json_decref(out);
  json_decref(in);
  sd_intrinsic_free(f);
  return 0;
}

TEST(null_env_uses_process_rng) {
  struct sd_err err = { 0 };
  struct sd_intrinsic *f = sd_intrinsic_compile("States.UUID()", &err);
  json_t *in = json_object();
  json_t *a = sd_intrinsic_eval(f, in, NULL, &err), *b = sd_intrinsic_eval(f, in, NULL, &err);
  ASSERT(a != NULL && b != NULL && strcmp(json_string_value(a), json_string_value(b)) != 0);
  json_decref(a);
  json_decref(b);
  json_decref(in);
  sd_intrinsic_free(f);
  return 0;
}
