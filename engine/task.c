/* Task calls: from a Task state to a connector and back as a wake. Write
 * ahead, then act: the connector is started only once the history events
 * recording the call (TaskScheduled, ...) are committed, so after a crash a
 * call may be repeated but never be missing from the history. */
#include "engine/exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/log.h"
#include "engine/writer.h"

struct call {
  struct sd_task_call pub;
  struct sd_engine *eng;
  struct sd_frame *frame; /* holds a reference while the call lives */
  uint32_t epoch;
  struct sd_connector *conn;
  char *resource;   /* owned copy */
  char *state_name; /* owned copy */
  bool started;     /* the connector's start ran */
  bool detached;    /* the frame let go: cancelled before the barrier */
  uint64_t t0;
};

static void call_free(struct call *c) {
  json_decref(c->pub.params);
  free(c->resource);
  free(c->state_name);
  sd_frame_unref(c->frame);
  free(c);
}

static void push_wake(struct call *c, enum sd_wake_kind kind, json_t *result, struct sd_err *err) {
  struct sd_rec *r = sd_rec_new(c->frame, REC_WAKE);
  r->epoch = c->epoch;
  r->wake.kind = kind;
  r->wake.result = result;
  if (err != NULL && err->name != NULL)
    sd_err_move(&r->wake.err, err);
  sd_rq_push(c->eng, r, false);
}

static void call_start(struct call *c) {
  struct sd_err err = { 0 };
  c->started = true;
  c->t0 = uv_hrtime();
  if (c->conn->ops->start(c->conn->self, &c->pub, &err) != 0) {
    if (err.name == NULL)
      sd_err_set(&err, SD_E_TASK_FAILED, "the task could not be started");
    sd_task_done(&c->pub, NULL, &err);
    sd_err_clear(&err);
  }
}

static void on_committed(void *data, int status) {
  struct call *c = data;
  if (c->detached) {
    call_free(c);
    return;
  }
  if (status != 0) {
    struct sd_err err = { 0 };
    sd_err_set(&err, SD_E_RUNTIME, "the history could not be written before starting the task");
    sd_task_done(&c->pub, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  call_start(c);
}

int sd_frame_task_start(struct sd_frame *f, const char *resource, json_t *params, double timeout_s,
                        double heartbeat_s, enum sd_task_kind kind, struct sd_err *err) {
  struct sd_engine *eng = f->exec->eng;
  struct sd_connector *conn = NULL;
  for (size_t i = 0; i < eng->nconns && conn == NULL; i++)
    if (eng->conns[i].ops->serves(eng->conns[i].self, f->exec, f->st->name, resource))
      conn = &eng->conns[i];
  if (conn == NULL) {
    json_decref(params);
    return sd_err_set(err, SD_E_RUNTIME,
                      "No connector serves the resource '%s' of state '%s'. Mock it with --mock-config, or "
                      "see the README for the services stepd calls.",
                      resource, f->st->name);
  }
  struct call *c = sd_xcalloc(1, sizeof *c);
  c->eng = eng;
  c->frame = f;
  sd_frame_ref(f);
  c->epoch = f->epoch;
  c->conn = conn;
  c->resource = sd_xstrdup(resource);
  c->state_name = sd_xstrdup(f->st->name);
  c->pub.exec = f->exec;
  c->pub.exec_arn = f->exec->arn;
  c->pub.state_name = c->state_name;
  c->pub.resource = c->resource;
  c->pub.params = params;
  c->pub.token = f->task_token;
  c->pub.wait_for_token = strstr(resource, ".waitForTaskToken") != NULL;
  c->pub.sync = strstr(resource, ".sync") != NULL;
  c->pub.timeout_seconds = timeout_s;
  c->pub.heartbeat_seconds = heartbeat_s;
  c->pub.engine_data = c;
  (void)kind;
  f->call = &c->pub;
  eng->inflight++;
  if (eng->writer != NULL)
    sd_writer_barrier(eng->writer, on_committed, c);
  else
    call_start(c);
  return 0;
}

/* Ends the call's tie to its frame. */
static void call_end(struct call *c) {
  if (c->frame->call == &c->pub)
    c->frame->call = NULL;
  c->eng->inflight--;
}

void sd_task_done(struct sd_task_call *call, json_t *result, struct sd_err *err) {
  struct call *c = call->engine_data;
  if (sd_log_enabled(SD_LOG_DEBUG))
    sd_log(SD_LOG_DEBUG, "task %s (%s) done in %.1f ms: %s", c->state_name, c->resource,
           (double)(uv_hrtime() - c->t0) / 1e6, err && err->name ? err->name : "ok");
  call_end(c);
  push_wake(c, SD_WAKE_TASK_DONE, err && err->name ? NULL : (result ? result : json_null()), err);
  if (err && err->name)
    json_decref(result);
  call_free(c);
}

void sd_task_post_done(struct sd_task_call *call, json_t *result, struct sd_err *err) {
  /* Every result already travels through the run queue, so posting is
   * reporting. */
  sd_task_done(call, result, err);
}

void sd_task_submitted(struct sd_task_call *call, json_t *output) {
  struct call *c = call->engine_data;
  push_wake(c, SD_WAKE_TASK_SUBMITTED, output ? output : json_object(), NULL);
}

void sd_task_post_submitted(struct sd_task_call *call) {
  sd_task_submitted(call, NULL);
}

void sd_task_cancel_call(struct sd_frame *f) {
  if (f->call == NULL)
    return;
  struct call *c = f->call->engine_data;
  call_end(c);
  if (!c->started) {
    c->detached = true; /* freed when the barrier calls back */
    return;
  }
  if (c->conn->ops->cancel)
    c->conn->ops->cancel(c->conn->self, &c->pub);
  call_free(c);
}

void sd_frame_task_cancel(struct sd_frame *f) {
  sd_task_cancel_call(f);
}
