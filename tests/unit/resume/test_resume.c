/* Recovery on the real scheduler (engine/resume.c): frames rebuilt from
 * their rows -- recorded outputs of Map iterations and Parallel branches
 * kept, children in flight taken back, those not started started, a
 * recorded failure acted on -- and a .waitForTaskToken task whose request
 * went through before the "crash" waiting on the same token afterwards,
 * without calling its connector again. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "engine/asl.h"
#include "engine/connector.h"
#include "engine/exec.h"
#include "engine/store.h"
#include "states/states.h"

/* A callback connector: accepts .waitForTaskToken calls and keeps them. */
static struct {
  char token[65];
  int starts;
} fake;

static bool fake_serves(void *self, struct sd_exec *exec, const char *state, const char *resource) {
  (void)self, (void)exec, (void)state;
  return strstr(resource, ":fake:") != NULL;
}

static int fake_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  (void)self, (void)err;
  fake.starts++;
  snprintf(fake.token, sizeof fake.token, "%s", call->token ? call->token : "");
  sd_task_post_submitted(call);
  return 0;
}

static void fake_cancel(void *self, struct sd_task_call *call) {
  (void)self, (void)call;
}

static const struct sd_connector_ops fake_ops = {
  .name = "fake", .serves = fake_serves, .start = fake_start, .cancel = fake_cancel
};

struct run {
  uv_loop_t loop;
  struct sd_engine *eng;
  struct sd_machine *m;
  struct sd_exec *ex;
  struct sd_connector conn;
  bool done;
};

static void on_done(struct sd_exec *ex, void *data) {
  (void)ex;
  ((struct run *)data)->done = true;
}

static int run_init(struct run *r, const char *def, struct sd_store *store) {
  memset(r, 0, sizeof *r);
  uv_loop_init(&r->loop);
  r->conn = (struct sd_connector){ .ops = &fake_ops };
  struct sd_engine_opts eo = { .loop = &r->loop,
                               .ops = sd_states_all,
                               .connectors = &r->conn,
                               .nconnectors = 1,
                               .store = store,
                               .wait_scale = 0 };
  r->eng = sd_engine_new(&eo);
  json_t *d = sd_test_json(def);
  struct sd_err err = { 0 };
  r->m = sd_asl_compile(sd_states_all, d, &err);
  json_decref(d);
  sd_err_clear(&err);
  return r->m ? 0 : -1;
}

static struct sd_exec_opts exec_opts(struct run *r, json_t *input) {
  return (struct sd_exec_opts){
    .machine = r->m, .machine_name = "M", .name = "x", .input = input, .done = on_done, .data = r
  };
}

/* Frame rows as the store returns them, from key/text pairs (NULL-ended). */
static json_t *rows(const char *const *kv) {
  json_t *o = json_object(); /* new */
  for (; kv[0] != NULL; kv += 2)
    json_object_set_new(o, kv[0], json_string(kv[1]));
  return o;
}

/* Resumes an execution on `input` (JSON text) from its frame rows. */
static struct sd_exec *run_resume(struct run *r, const char *const *kv, const char *input,
                                  struct sd_err *err) {
  json_t *f = rows(kv);
  json_t *in = sd_test_json(input);
  struct sd_exec_opts xo = exec_opts(r, in);
  r->ex = sd_exec_resume(r->eng, &xo, 1700000000000, 9, f, err);
  json_decref(in);
  json_decref(f);
  return r->ex;
}

static void run_finish(struct run *r) {
  while (!r->done)
    uv_run(&r->loop, UV_RUN_ONCE);
}

static int run_close(struct run *r) {
  sd_exec_free(r->ex);
  sd_asl_unref(r->m);
  sd_engine_free(r->eng);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&r->loop);
}

/* A frame row: "K" -> {"mode", "state", "input", ...} as resume.c writes it. */
#define ROW(mode, state, input)                                                                              \
  "{\"v\": 2, \"mode\": \"" mode "\", \"state\": \"" state "\", \"input\": " input ", \"entered_id\": 2,"    \
  " \"entered_ms\": 1700000000000, \"prev_id\": 3, \"retry_count\": 0, \"attempts\": [], \"timers\": [],"    \
  " \"started\": true}"

static const char par_def[] =
    "{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Parallel\", \"End\": true, \"Branches\": ["
    "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"Result\": \"a\", \"End\": true}}},"
    "{\"StartAt\": \"B\", \"States\": {\"B\": {\"Type\": \"Pass\", \"Result\": \"b\", \"End\": true}}},"
    "{\"StartAt\": \"C\", \"States\": {\"C\": {\"Type\": \"Pass\", \"Parameters\": {\"c.$\": \"$.x\"},"
    " \"End\": true}}}]}}}";

/* Branch 0 ended (its recorded output is kept, not recomputed), branch 1
 * was in flight, branch 2 had not started (no row): it starts now. */
TEST(parallel_keeps_ended_takes_back_live_starts_the_rest) {
  struct run r;
  ASSERT(run_init(&r, par_def, NULL) == 0);
  struct sd_err err = { 0 };
  const char *const kv[] = { "",   ROW("children", "P", "{\"x\": 1}"), "#0", "[0,\"\\\"recorded\\\"\"]",
                             "/1", ROW("enter", "B", "{\"x\": 1}"),    NULL };
  ASSERT(run_resume(&r, kv, "{\"x\": 1}", &err) != NULL);
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(sd_exec_output(r.ex), "[\"recorded\", \"b\", {\"c\": 1}]");
  ASSERT(run_close(&r) == 0);
  return 0;
}

static const char map_def[] =
    "{\"StartAt\": \"M\", \"States\": {\"M\": {\"Type\": \"Map\", \"MaxConcurrency\": 2, \"End\": true,"
    " \"ItemSelector\": {\"v.$\": \"$$.Map.Item.Value\", \"i.$\": \"$$.Map.Item.Index\"},"
    " \"ItemProcessor\": {\"StartAt\": \"Q\", \"States\": {\"Q\": {\"Type\": \"Pass\", \"End\": true}}}}}}";

/* Iterations 0 and 1 ended (recorded outputs kept), 2 was in flight, 3
 * and 4 had not started: with MaxConcurrency 2 they start as the cap
 * allows, with their $$.Map.Item. */
TEST(map_keeps_ended_takes_back_live_launches_the_rest) {
  struct run r;
  ASSERT(run_init(&r, map_def, NULL) == 0);
  struct sd_err err = { 0 };
  const char *const kv[] = { "",   ROW("children", "M", "[10, 20, 30, 40, 50]"),
                             "#0", "[1,\"\\\"one\\\"\"]",
                             "#1", "[0,\"\\\"zero\\\"\"]",
                             "/2", ROW("enter", "Q", "{\"v\": 30, \"i\": 2}"),
                             NULL };
  ASSERT(run_resume(&r, kv, "[10, 20, 30, 40, 50]", &err) != NULL);
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(sd_exec_output(r.ex), "[\"zero\", \"one\", {\"v\": 30, \"i\": 2}, {\"v\": 40, \"i\": 3},"
                                       " {\"v\": 50, \"i\": 4}]");
  ASSERT(run_close(&r) == 0);
  return 0;
}

/* An iteration's failure recorded but not yet delivered to the Map when
 * the process died fails the Map, as its delivery would have. */
TEST(map_recorded_failure_fails_the_state) {
  struct run r;
  ASSERT(run_init(&r, map_def, NULL) == 0);
  struct sd_err err = { 0 };
  const char *const kv[] = { "",   ROW("children", "M", "[10, 20, 30]"),
                             "#0", "[0,null,\"Boom\",\"bad\"]",
                             "/1", ROW("enter", "Q", "{\"v\": 20, \"i\": 1}"),
                             NULL };
  ASSERT(run_resume(&r, kv, "[10, 20, 30]", &err) != NULL);
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_FAILED);
  ASSERT_STR_EQ(sd_exec_error(r.ex)->name, "Boom");
  ASSERT_STR_EQ(sd_exec_error(r.ex)->cause, "bad");
  ASSERT(run_close(&r) == 0);
  return 0;
}

/* A row that names a state the machine lacks, or is not JSON, cannot be
 * resumed: States.Runtime with the reason. */
TEST(resume_refuses_what_it_cannot_rebuild) {
  struct run r;
  ASSERT(run_init(&r, map_def, NULL) == 0);
  struct sd_err err = { 0 };
  const char *const gone[] = { "", ROW("resume", "Nope", "1"), NULL };
  ASSERT(run_resume(&r, gone, "1", &err) == NULL);
  ASSERT_STR_EQ(err.name, "States.Runtime");
  ASSERT_STR_EQ(err.cause, "The execution could not be resumed after a restart: its state machine no longer "
                           "has the state it was in.");
  sd_err_clear(&err);
  const char *const junk[] = { "", "{not json", NULL };
  ASSERT(run_resume(&r, junk, "1", &err) == NULL);
  ASSERT_STR_EQ(err.cause, "The execution could not be resumed after a restart: its recovery snapshot is "
                           "damaged.");
  sd_err_clear(&err);
  r.ex = NULL;
  ASSERT(run_close(&r) == 0);
  return 0;
}

static const char cb_def[] = "{\"StartAt\": \"T\", \"States\": {\"T\": {\"Type\": \"Task\","
                             " \"Resource\": \"arn:aws:states:::fake:cb.waitForTaskToken\","
                             " \"Parameters\": {\"token.$\": \"$$.Task.Token\"}, \"End\": true}}}";

/* The first engine runs until the callback task's request went through and
 * its rows are committed; a second engine resumes from those rows: the
 * connector is not called again and the token handed out before completes
 * the task. */
TEST(callback_token_survives_a_restart) {
  char path[1100]; /* in the test's directory, which the runner removes */
  snprintf(path, sizeof path, "%s/resume.db", sd_test_dir());
  struct sd_err err = { 0 };
  struct sd_store *store = sd_store_open(path, &err);
  ASSERT(store != NULL);
  memset(&fake, 0, sizeof fake);
  struct run a;
  ASSERT(run_init(&a, cb_def, store) == 0);
  struct sd_exec_opts xo = exec_opts(&a, NULL);
  a.ex = sd_exec_start(a.eng, &xo, &err);
  ASSERT(a.ex != NULL);
  json_t *running = NULL;
  while (running == NULL) {
    uv_run(&a.loop, UV_RUN_ONCE);
    struct sd_store *reader = sd_store_open(path, &err);
    json_t *got = reader ? sd_store_exec_running(reader, &err) : NULL; /* new */
    sd_store_close(reader);
    const char *root =
        json_string_value(json_object_get(json_object_get(json_array_get(got, 0), "frames"), ""));
    if (root != NULL && strstr(root, "\"submitted\":true") != NULL)
      running = got;
    else
      json_decref(got);
  }
  ASSERT_INT_EQ(fake.starts, 1);
  char token[65];
  snprintf(token, sizeof token, "%s", fake.token);
  sd_exec_stop(a.ex, "Crash", NULL); /* the first engine is done with it */
  run_finish(&a);
  ASSERT(run_close(&a) == 0);
  sd_store_close(store);

  struct run b;
  ASSERT(run_init(&b, cb_def, NULL) == 0);
  json_t *row = json_array_get(running, 0);
  struct sd_exec_opts yo = exec_opts(&b, NULL);
  b.ex = sd_exec_resume(b.eng, &yo, json_integer_value(json_object_get(row, "start_ms")),
                        json_integer_value(json_object_get(row, "last_id")), json_object_get(row, "frames"),
                        &err);
  json_decref(running);
  ASSERT(b.ex != NULL);
  for (int i = 0; i < 5; i++)
    uv_run(&b.loop, UV_RUN_NOWAIT);
  ASSERT_INT_EQ(fake.starts, 1); /* not called again */
  ASSERT(sd_engine_task_success(b.eng, token, "{\"ok\": true}", &err) == 0);
  run_finish(&b);
  ASSERT(sd_exec_status(b.ex) == SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(sd_exec_output(b.ex), "{\"ok\": true}");
  ASSERT(run_close(&b) == 0);
  return 0;
}
