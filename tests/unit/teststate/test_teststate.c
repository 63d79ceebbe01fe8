/* TestState's engine entry: one state on an input, Retry and Catch reported
 * rather than run, Wait answering at once, AWS's refusals. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "engine/err.h"
#include "engine/exec.h"
#include "engine/teststate.h"
#include "states/states.h"

struct ts {
  uv_loop_t loop;
  struct sd_engine *eng;
  struct sd_err err;
};

static void ts_open(struct ts *t) {
  memset(t, 0, sizeof *t);
  uv_loop_init(&t->loop);
  struct sd_engine_opts o = { .loop = &t->loop, .ops = sd_states_all, .wait_scale = 0, .limits = true };
  t->eng = sd_engine_new(&o);
}

static void ts_close(struct ts *t) {
  sd_engine_free(t->eng);
  uv_run(&t->loop, UV_RUN_NOWAIT);
  uv_loop_close(&t->loop);
  sd_err_clear(&t->err);
}

/* Runs `def` on `input` (JSON texts); `mock` is mock.result's text or NULL,
 * `error` a mock.errorOutput error name or NULL. New answer, or NULL. */
static json_t *ts_run(struct ts *t, const char *def, const char *state, const char *input, const char *mock,
                      const char *error, enum sd_ts_level level) {
  json_t *d = json_loads(def, 0, NULL), *in = json_loads(input, JSON_DECODE_ANY, NULL);
  json_t *m = mock ? json_loads(mock, JSON_DECODE_ANY, NULL) : NULL;
  json_t *e = error ? json_pack("{s:s, s:s}", "error", error, "cause", "it broke") : NULL;
  struct sd_ts_req rq = {
    .definition = d, .state_name = state, .input = in, .mock_result = m, .mock_error = e, .level = level
  };
  json_t *ans = sd_teststate_run(t->eng, &rq, &t->err);
  json_decref(d);
  json_decref(in);
  json_decref(m);
  json_decref(e);
  return ans;
}

TEST(pass_inspection_data) {
  struct ts t;
  ts_open(&t);
  json_t *a = ts_run(&t,
                     "{\"Type\":\"Pass\",\"InputPath\":\"$.a\",\"Parameters\":{\"x.$\":\"$.b\"},"
                     "\"ResultPath\":\"$.r\",\"Next\":\"After\"}",
                     NULL, "{\"a\":{\"b\":1}}", NULL, NULL, SD_TS_DEBUG);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(
      a, "{\"status\":\"SUCCEEDED\",\"nextState\":\"After\",\"output\":{\"a\":{\"b\":1},\"r\":{\"x\":1}},"
         "\"inspectionData\":{\"input\":{\"a\":{\"b\":1}},\"afterInputPath\":{\"b\":1},"
         "\"afterParameters\":{\"x\":1},\"afterResultSelector\":{\"x\":1},"
         "\"afterResultPath\":{\"a\":{\"b\":1},\"r\":{\"x\":1}}}}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

TEST(task_mock_result_and_info_level) {
  struct ts t;
  ts_open(&t);
  json_t *a = ts_run(&t,
                     "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
                     "\"ResultSelector\":{\"p.$\":\"$.Payload\"},\"End\":true}",
                     NULL, "{}", "{\"Payload\":7}", NULL, SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(a, "{\"status\":\"SUCCEEDED\",\"output\":{\"p\":7}}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

/* A mocked Map still selects its items: ItemsPath must give an array. */
TEST(mocked_map_checks_its_items) {
  struct ts t;
  ts_open(&t);
  const char *proc =
      "\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}},"
      "\"End\":true}";
  char def[512];
  snprintf(def, sizeof def, "{\"Type\":\"Map\",\"ItemsPath\":\"$.items\",%s", proc);
  json_t *a = ts_run(&t, def, NULL, "{\"items\":{\"not\":\"a list\"}}", "[1]", NULL, SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(a, "{\"status\":\"FAILED\",\"error\":\"States.Runtime\","
                    "\"cause\":\"Reference path \\\"$.items\\\" must point to array.\"}");
  json_decref(a);
  a = ts_run(&t, def, NULL, "{\"items\":[1,2]}", "[\"one\",\"two\"]", NULL, SD_TS_INFO);
  ASSERT_JSON_EQ(a, "{\"status\":\"SUCCEEDED\",\"output\":[\"one\",\"two\"]}");
  json_decref(a);
  snprintf(def, sizeof def, "{\"Type\":\"Map\",%s", proc);
  a = ts_run(&t, def, NULL, "{\"items\":[1]}", "[1]", NULL, SD_TS_INFO);
  ASSERT_JSON_EQ(a, "{\"status\":\"FAILED\",\"error\":\"States.Runtime\","
                    "\"cause\":\"Reference path \\\"$\\\" must point to array.\"}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

TEST(retrier_gives_retriable_without_retrying) {
  struct ts t;
  ts_open(&t);
  json_t *a = ts_run(&t,
                     "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\",\"End\":true,"
                     "\"Retry\":[{\"ErrorEquals\":[\"Boom\"]}],"
                     "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Handler\"}]}",
                     NULL, "{}", NULL, "Boom", SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(a, "{\"status\":\"RETRIABLE\",\"error\":\"Boom\",\"cause\":\"it broke\"}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

TEST(catcher_gives_caught_error_with_next_state) {
  struct ts t;
  ts_open(&t);
  json_t *a =
      ts_run(&t,
             "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\",\"End\":true,"
             "\"Retry\":[{\"ErrorEquals\":[\"Other\"]}],"
             "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"ResultPath\":\"$.e\",\"Next\":\"Handler\"}]}",
             NULL, "{\"k\":1}", NULL, "Boom", SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(
      a, "{\"status\":\"CAUGHT_ERROR\",\"error\":\"Boom\",\"cause\":\"it broke\",\"nextState\":\"Handler\","
         "\"output\":{\"k\":1,\"e\":{\"Error\":\"Boom\",\"Cause\":\"it broke\"}}}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

TEST(wait_answers_at_once) {
  struct ts t;
  ts_open(&t);
  json_t *a = ts_run(&t, "{\"Type\":\"Wait\",\"Seconds\":3600,\"Next\":\"Later\"}", NULL, "{\"v\":1}", NULL,
                     NULL, SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(a, "{\"status\":\"SUCCEEDED\",\"nextState\":\"Later\",\"output\":{\"v\":1}}");
  json_decref(a);
  ts_close(&t);
  return 0;
}

TEST(state_of_a_machine_and_choice) {
  struct ts t;
  ts_open(&t);
  json_t *a = ts_run(&t,
                     "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"C\"},"
                     "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.n\",\"NumericEquals\":2,"
                     "\"Next\":\"Two\"}],\"Default\":\"A\"},\"Two\":{\"Type\":\"Succeed\"}}}",
                     "C", "{\"n\":2}", NULL, NULL, SD_TS_INFO);
  ASSERT(a != NULL);
  ASSERT_JSON_EQ(a, "{\"status\":\"SUCCEEDED\",\"nextState\":\"Two\",\"output\":{\"n\":2}}");
  json_decref(a);
  a = ts_run(&t, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}", "Nope", "{}",
             NULL, NULL, SD_TS_INFO);
  ASSERT(a == NULL);
  ASSERT_STR_EQ(t.err.name, "ValidationException");
  ASSERT_STR_EQ(t.err.cause, "State not found in definition");
  ts_close(&t);
  return 0;
}

TEST(refusals) {
  struct ts t;
  ts_open(&t);
  ASSERT(ts_run(&t, "{\"Type\":\"Pass\",\"End\":true}", NULL, "{}", "{}", NULL, SD_TS_INFO) == NULL);
  ASSERT_STR_EQ(t.err.cause, "State type 'Pass' is not supported when a mock is specified");
  sd_err_clear(&t.err);
  const char *par = "{\"Type\":\"Parallel\",\"End\":true,\"Branches\":[{\"StartAt\":\"B\",\"States\":"
                    "{\"B\":{\"Type\":\"Pass\",\"End\":true}}}]}";
  ASSERT(ts_run(&t, par, NULL, "{}", NULL, NULL, SD_TS_INFO) == NULL);
  ASSERT_STR_EQ(t.err.name, "InvalidDefinition");
  sd_err_clear(&t.err);
  ASSERT(ts_run(&t, par, NULL, "{}", "{}", NULL, SD_TS_INFO) == NULL);
  ASSERT_STR_EQ(t.err.cause, "Mocked result must be an array.");
  sd_err_clear(&t.err);
  ASSERT(ts_run(&t, "{\"Type\":\"Nope\"}", NULL, "{}", NULL, NULL, SD_TS_INFO) == NULL);
  ASSERT_STR_EQ(t.err.name, "InvalidDefinition");
  ts_close(&t);
  return 0;
}

TEST(mock_checked_against_the_service_model) {
  const char *dir = sd_test_dir(); /* removed by the runner */
  char path[1100];
  snprintf(path, sizeof path, "%s/lambda.service-2.json", dir);
  json_t *model =
      json_pack("{s:{s:{s:{s:s}}}, s:{s:{s:s, s:{s:{s:s}, s:{s:s}}}, s:{s:s, s:i, s:i}, s:{s:s}}}",
                "operations", "GetFunction", "output", "shape", "Out", "shapes", "Out", "type", "structure",
                "members", "Size", "shape", "Mem", "Name", "shape", "Str", "Mem", "type", "integer", "min",
                128, "max", 10240, "Str", "type", "string");
  ASSERT(json_dump_file(model, path, 0) == 0);
  json_decref(model);
  struct sd_err err = { 0 };
  const char *res = "arn:aws:states:::aws-sdk:lambda:getFunction";
  json_t *ok = json_pack("{s:i, s:s, s:s}", "Size", 256, "Name", "f", "Unknown", "x");
  ASSERT_INT_EQ(sd_teststate_mock_check(dir, res, ok, &err), 0);
  json_t *big = json_pack("{s:i}", "Size", 10241), *str = json_pack("{s:s}", "Size", "256");
  ASSERT_INT_EQ(sd_teststate_mock_check(dir, res, big, &err), -1);
  ASSERT_STR_EQ(err.cause, "Mock result schema validation error: Field 'Size' exceeds the maximum value");
  sd_err_clear(&err);
  ASSERT_INT_EQ(sd_teststate_mock_check(dir, res, str, &err), -1);
  ASSERT_STR_EQ(err.cause, "Mock result schema validation error: Field 'Size' must be a number");
  sd_err_clear(&err);
  json_decref(ok);
  json_decref(big);
  json_decref(str);
  return 0;
}
