/* The Choice state end to end on the real scheduler: compile (Next and
 * Default resolved, errors located), transitions, data flow and the
 * failures AWS reports. */
#include "runner.h"

#include <stdlib.h>
#include <uv.h>

#include "engine/asl.h"
#include "engine/exec.h"
#include "states/states.h"

static const struct sd_state_ops *const ops[] = { &sd_state_choice, &sd_state_pass, &sd_state_fail,
                                                  &sd_state_succeed, NULL };

struct result {
  enum sd_exec_status status;
  json_t *output; /* owned */
  struct sd_err err;
};

static void on_done(struct sd_exec *ex, void *data) {
  struct result *r = data;
  r->status = sd_exec_status(ex);
  if (r->status == SD_EXEC_SUCCEEDED)
    r->output = json_incref(sd_exec_output(ex));
  else if (sd_exec_error(ex) != NULL)
    sd_err_set_raw(&r->err, sd_exec_error(ex)->name ? sd_exec_error(ex)->name : "?",
                   sd_exec_error(ex)->cause);
}

/* Runs `def` on `input` to its end. Returns -1 if it did not compile
 * (r->err holds why). */
static int run(const char *def, const char *input, struct result *r) {
  memset(r, 0, sizeof *r);
  json_t *d = sd_test_json(def);
  json_t *in = sd_test_json(input);
  struct sd_machine *m = sd_asl_compile(ops, d, &r->err);
  json_decref(d);
  if (m == NULL) {
    json_decref(in);
    return -1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct sd_engine_opts eo = { .loop = &loop, .ops = ops, .wait_scale = 0 };
  struct sd_engine *eng = sd_engine_new(&eo);
  struct sd_exec_opts xo = {
    .machine = m, .machine_name = "M", .name = "x", .input = in, .done = on_done, .data = r
  };
  struct sd_err err = { 0 };
  struct sd_exec *ex = sd_exec_start(eng, &xo, &err);
  json_decref(in);
  sd_asl_unref(m);
  if (ex == NULL) {
    sd_err_move(&r->err, &err);
    r->status = SD_EXEC_ABORTED;
  } else {
    while (r->status == SD_EXEC_RUNNING && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
    sd_exec_free(ex);
  }
  sd_engine_free(eng);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    fprintf(stderr, "loop not closed clean\n");
    return -2;
  }
  return 0;
}

static void result_clear(struct result *r) {
  json_decref(r->output);
  sd_err_clear(&r->err);
}

/* The machine of AWS's Choice page example, with Pass states marking
 * where it went. */
static const char *const docs_machine =
    "{\"StartAt\": \"C\", \"States\": {"
    "\"C\": {\"Type\": \"Choice\", \"Choices\": ["
    "  {\"Not\": {\"Variable\": \"$.type\", \"StringEquals\": \"Private\"}, \"Next\": \"Public\"},"
    "  {\"Variable\": \"$.value\", \"NumericEquals\": 0, \"Next\": \"Zero\"},"
    "  {\"And\": [{\"Variable\": \"$.value\", \"NumericGreaterThanEquals\": 20},"
    "            {\"Variable\": \"$.value\", \"NumericLessThan\": 30}], \"Next\": \"Twenties\"}"
    "], \"Default\": \"Other\"},"
    "\"Public\": {\"Type\": \"Pass\", \"Result\": \"public\", \"End\": true},"
    "\"Zero\": {\"Type\": \"Pass\", \"Result\": \"zero\", \"End\": true},"
    "\"Twenties\": {\"Type\": \"Pass\", \"Result\": \"twenties\", \"End\": true},"
    "\"Other\": {\"Type\": \"Pass\", \"Result\": \"other\", \"End\": true}}}";

TEST(takes_first_matching_rule_else_default) {
  struct result r;
  ASSERT_INT_EQ(run(docs_machine, "{\"type\": \"Private\", \"value\": 22}", &r), 0);
  ASSERT_INT_EQ(r.status, SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(r.output, "\"twenties\"");
  result_clear(&r);
  ASSERT_INT_EQ(run(docs_machine, "{\"type\": \"Public\", \"value\": 0}", &r), 0);
  ASSERT_JSON_EQ(r.output, "\"public\"");
  result_clear(&r);
  ASSERT_INT_EQ(run(docs_machine, "{\"type\": \"Private\", \"value\": 0}", &r), 0);
  ASSERT_JSON_EQ(r.output, "\"zero\"");
  result_clear(&r);
  ASSERT_INT_EQ(run(docs_machine, "{\"type\": \"Private\", \"value\": 3}", &r), 0);
  ASSERT_JSON_EQ(r.output, "\"other\"");
  result_clear(&r);
  return 0;
}

/* The Choice passes its effective input on: InputPath, then OutputPath. */
TEST(applies_input_and_output_path) {
  const char *def = "{\"StartAt\": \"C\", \"States\": {"
                    "\"C\": {\"Type\": \"Choice\", \"InputPath\": \"$.in\", \"OutputPath\": \"$.keep\","
                    "  \"Choices\": [{\"Variable\": \"$.n\", \"NumericEquals\": 1, \"Next\": \"D\"}]},"
                    "\"D\": {\"Type\": \"Succeed\"}}}";
  struct result r;
  ASSERT_INT_EQ(run(def, "{\"in\": {\"n\": 1, \"keep\": {\"k\": true}}, \"out\": 2}", &r), 0);
  ASSERT_INT_EQ(r.status, SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(r.output, "{\"k\": true}");
  result_clear(&r);
  return 0;
}

TEST(no_match_without_default_fails) {
  const char *def = "{\"StartAt\": \"C\", \"States\": {"
                    "\"C\": {\"Type\": \"Choice\", \"Choices\": ["
                    "  {\"Variable\": \"$.x\", \"StringEquals\": \"never\", \"Next\": \"D\"}]},"
                    "\"D\": {\"Type\": \"Pass\", \"End\": true}}}";
  struct result r;
  ASSERT_INT_EQ(run(def, "{\"x\": \"a\"}", &r), 0);
  ASSERT_INT_EQ(r.status, SD_EXEC_FAILED);
  ASSERT_STR_EQ(r.err.name, "States.NoChoiceMatched");
  ASSERT_STR_EQ(r.err.cause, "No Matches!");
  result_clear(&r);
  return 0;
}

TEST(missing_variable_fails_with_state_context) {
  const char *def =
      "{\"StartAt\": \"C\", \"States\": {"
      "\"C\": {\"Type\": \"Choice\", \"Choices\": ["
      "  {\"Variable\": \"$.x\", \"StringEquals\": \"a\", \"Next\": \"D\"}], \"Default\": \"D\"},"
      "\"D\": {\"Type\": \"Pass\", \"End\": true}}}";
  struct result r;
  ASSERT_INT_EQ(run(def, "{\"y\": 1}", &r), 0);
  ASSERT_INT_EQ(r.status, SD_EXEC_FAILED);
  ASSERT_STR_EQ(r.err.name, "States.Runtime");
  ASSERT_STR_EQ(r.err.cause, "An error occurred while executing the state 'C' (entered at the event id #2). "
                             "Invalid path '$.x' : No results for path: $['x']");
  result_clear(&r);
  return 0;
}

/* $$ paths read the context object the scheduler builds. */
TEST(variable_reads_context_object) {
  const char *def =
      "{\"StartAt\": \"C\", \"States\": {"
      "\"C\": {\"Type\": \"Choice\", \"Choices\": [{\"Variable\": \"$$.Execution.Input.input-value\","
      "  \"NumericLessThanEquals\": 0, \"Next\": \"Yes\"}], \"Default\": \"No\"},"
      "\"Yes\": {\"Type\": \"Pass\", \"Result\": \"yes\", \"End\": true},"
      "\"No\": {\"Type\": \"Pass\", \"Result\": \"no\", \"End\": true}}}";
  struct result r;
  ASSERT_INT_EQ(run(def, "{\"input-value\": 0}", &r), 0);
  ASSERT_JSON_EQ(r.output, "\"yes\"");
  result_clear(&r);
  ASSERT_INT_EQ(run(def, "{\"input-value\": 1}", &r), 0);
  ASSERT_JSON_EQ(r.output, "\"no\"");
  result_clear(&r);
  return 0;
}

/* Expects `def` not to compile, with the error located at `where`. */
static int refuse(const char *def, const char *where) {
  struct result r;
  int rc = run(def, "{}", &r);
  int bad = rc != -1 || r.err.name == NULL || strcmp(r.err.name, "InvalidDefinition") != 0 ||
            r.err.where == NULL || strcmp(r.err.where, where) != 0;
  if (bad)
    fprintf(stderr, "  rc %d, %s at %s: %s\n", rc, r.err.name ? r.err.name : "-",
            r.err.where ? r.err.where : "-", r.err.cause ? r.err.cause : "-");
  result_clear(&r);
  return bad;
}

TEST(compile_errors_are_located) {
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Choices\": []}}}",
                 "/States/C"));
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\"}}}", "/States/C"));
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Choices\": ["
                 "{\"Variable\": \"$.x\", \"IsNull\": true, \"Next\": \"Nowhere\"}]}}}",
                 "/States/C/Choices/0/Next"));
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Choices\": ["
                 "{\"Variable\": \"$.x\", \"IsNull\": true}]}}}",
                 "/States/C/Choices/0"));
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Choices\": ["
                 "{\"Variable\": \"$.x\", \"IsNull\": true, \"Next\": \"C\"}], \"Default\": \"Gone\"}}}",
                 "/States/C/Default"));
  ASSERT(!refuse("{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Choice\", \"Choices\": ["
                 "{\"Variable\": \"$.x\", \"IsNull\": true, \"Next\": \"C\"},"
                 "{\"Variable\": \"$.x\", \"NumberEquals\": 1, \"Next\": \"C\"}]}}}",
                 "/States/C/Choices/1"));
  return 0;
}
