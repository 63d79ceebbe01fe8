/* Task tokens on the real scheduler: a fake callback connector accepts
 * .waitForTaskToken calls, and the test answers them from outside through
 * sd_engine_task_success / _failure / _heartbeat, as the server's
 * SendTask* actions do. */
#include "runner.h"

#include <stdlib.h>
#include <uv.h>

#include "engine/asl.h"
#include "engine/connector.h"
#include "engine/exec.h"
#include "states/states.h"

static const struct sd_state_ops *const ops[] = { &sd_state_task, &sd_state_pass, &sd_state_succeed,
                                                  &sd_state_fail, NULL };

/* The fake connector: serves fake callbacks, remembers the last call. */
static struct {
  struct sd_task_call *call; /* borrowed while in flight */
  char token[65];
  int starts, cancels;
} fake;

static bool fake_serves(void *self, struct sd_exec *exec, const char *state, const char *resource) {
  (void)self, (void)exec, (void)state;
  return strstr(resource, ":fake:") != NULL;
}

static int fake_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  (void)self, (void)err;
  fake.call = call;
  fake.starts++;
  snprintf(fake.token, sizeof fake.token, "%s", call->token ? call->token : "");
  sd_task_submitted(call, NULL);
  return 0;
}

static void fake_cancel(void *self, struct sd_task_call *call) {
  (void)self, (void)call;
  fake.call = NULL;
  fake.cancels++;
}

static const struct sd_connector_ops fake_ops = {
  .name = "fake", .serves = fake_serves, .start = fake_start, .cancel = fake_cancel
};

struct run {
  uv_loop_t loop;
  struct sd_engine *eng;
  struct sd_exec *ex;
  struct sd_connector conn;
  bool done;
};

static void on_done(struct sd_exec *ex, void *data) {
  (void)ex;
  ((struct run *)data)->done = true;
}

static int run_start(struct run *r, const char *def) {
  memset(r, 0, sizeof *r);
  memset(&fake, 0, sizeof fake);
  uv_loop_init(&r->loop);
  r->conn = (struct sd_connector){ .ops = &fake_ops };
  struct sd_engine_opts eo = {
    .loop = &r->loop, .ops = ops, .connectors = &r->conn, .nconnectors = 1, .wait_scale = 1
  };
  r->eng = sd_engine_new(&eo);
  json_t *d = sd_test_json(def);
  struct sd_err err = { 0 };
  struct sd_machine *m = sd_asl_compile(ops, d, &err);
  json_decref(d);
  if (m == NULL)
    return -1;
  struct sd_exec_opts xo = { .machine = m, .machine_name = "M", .name = "x", .done = on_done, .data = r };
  r->ex = sd_exec_start(r->eng, &xo, &err);
  sd_asl_unref(m);
  if (r->ex == NULL)
    return -1;
  while (fake.starts == 0 && !r->done)
    uv_run(&r->loop, UV_RUN_ONCE);
  return fake.starts == 1 ? 0 : -1;
}

static void run_finish(struct run *r) {
  while (!r->done)
    uv_run(&r->loop, UV_RUN_ONCE);
}

static int run_close(struct run *r) {
  sd_exec_free(r->ex);
  sd_engine_free(r->eng);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&r->loop);
}

static const char callback_machine[] =
    "{\"StartAt\": \"T\", \"States\": {\"T\": {\"Type\": \"Task\", "
    "\"Resource\": \"arn:aws:states:::fake:cb.waitForTaskToken\", %s \"End\": true}}}";

static char *machine(const char *extra) {
  size_t n = sizeof callback_machine + strlen(extra);
  char *s = malloc(n);
  snprintf(s, n, callback_machine, extra);
  return s;
}

TEST(success_completes_and_spends_the_token) {
  struct run r;
  char *def = machine("");
  ASSERT(run_start(&r, def) == 0);
  free(def);
  ASSERT(strlen(fake.token) == 64);
  struct sd_err err = { 0 };
  ASSERT(sd_engine_task_success(r.eng, fake.token, "{\"x\": 1}", &err) == 0);
  ASSERT(fake.cancels == 1); /* the connector let go first */
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(sd_exec_output(r.ex), "{\"x\": 1}");
  ASSERT(sd_engine_task_success(r.eng, fake.token, "{}", &err) == -1);
  ASSERT_STR_EQ(err.name, "TaskDoesNotExist");
  sd_err_clear(&err);
  ASSERT(run_close(&r) == 0);
  return 0;
}

TEST(failure_carries_error_and_cause) {
  struct run r;
  char *def = machine("");
  ASSERT(run_start(&r, def) == 0);
  free(def);
  struct sd_err err = { 0 };
  ASSERT(sd_engine_task_failure(r.eng, fake.token, "Custom.Bad", "it broke", &err) == 0);
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_FAILED);
  ASSERT_STR_EQ(sd_exec_error(r.ex)->name, "Custom.Bad");
  ASSERT_STR_EQ(sd_exec_error(r.ex)->cause, "it broke");
  ASSERT(run_close(&r) == 0);
  return 0;
}

TEST(bad_output_and_bad_tokens) {
  struct run r;
  char *def = machine("");
  ASSERT(run_start(&r, def) == 0);
  free(def);
  struct sd_err err = { 0 };
  ASSERT(sd_engine_task_success(r.eng, fake.token, "{nope", &err) == -1);
  ASSERT_STR_EQ(err.name, "InvalidOutput");
  sd_err_clear(&err);
  ASSERT(sd_engine_task_heartbeat(r.eng, "short", &err) == -1);
  ASSERT_STR_EQ(err.name, "InvalidToken");
  sd_err_clear(&err);
  char other[65];
  memset(other, 'a', 64);
  other[64] = '\0';
  ASSERT(sd_engine_task_failure(r.eng, other, NULL, NULL, &err) == -1);
  ASSERT_STR_EQ(err.name, "TaskDoesNotExist");
  sd_err_clear(&err);
  /* Still waiting: the bad answers changed nothing. */
  ASSERT(sd_engine_task_success(r.eng, fake.token, "[1]", &err) == 0);
  run_finish(&r);
  ASSERT_JSON_EQ(sd_exec_output(r.ex), "[1]");
  ASSERT(run_close(&r) == 0);
  return 0;
}

struct beats {
  struct run *r;
  uv_timer_t t;
  int left;
};

static void beat(uv_timer_t *h) {
  struct beats *b = h->data;
  struct sd_err err = { 0 };
  if (--b->left > 0) {
    sd_engine_task_heartbeat(b->r->eng, fake.token, &err);
  } else {
    sd_engine_task_success(b->r->eng, fake.token, "\"alive\"", &err);
    uv_timer_stop(h);
  }
  sd_err_clear(&err);
}

TEST(heartbeats_keep_the_task_alive) {
  struct run r;
  char *def = machine("\"HeartbeatSeconds\": 1,");
  ASSERT(run_start(&r, def) == 0);
  free(def);
  /* 1.6 s of work against a 1 s heartbeat, beating every 0.4 s. */
  struct beats b = { .r = &r, .left = 4 };
  uv_timer_init(&r.loop, &b.t);
  b.t.data = &b;
  uv_timer_start(&b.t, beat, 400, 400);
  run_finish(&r);
  uv_close((uv_handle_t *)&b.t, NULL);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_SUCCEEDED);
  ASSERT_JSON_EQ(sd_exec_output(r.ex), "\"alive\"");
  ASSERT(run_close(&r) == 0);
  return 0;
}

TEST(no_heartbeat_times_out_and_the_token_says_so) {
  struct run r;
  char *def = machine("\"HeartbeatSeconds\": 1,");
  ASSERT(run_start(&r, def) == 0);
  free(def);
  run_finish(&r);
  ASSERT(sd_exec_status(r.ex) == SD_EXEC_FAILED);
  ASSERT_STR_EQ(sd_exec_error(r.ex)->name, "States.HeartbeatTimeout");
  ASSERT(fake.cancels == 1);
  struct sd_err err = { 0 };
  ASSERT(sd_engine_task_heartbeat(r.eng, fake.token, &err) == -1);
  ASSERT_STR_EQ(err.name, "TaskTimedOut");
  sd_err_clear(&err);
  ASSERT(run_close(&r) == 0);
  return 0;
}
