/* Task calls: from a Task state to a connector and back as a wake. Write
 * ahead, then act: the connector is started only once the history events
 * recording the call (TaskScheduled, ...) are committed, so after a crash a
 * call may be repeated but never be missing from the history. */
#include "engine/exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/log.h"
#include "engine/tokens.h"
#include "engine/writer.h"

struct call {
  struct sd_task_call pub;
  struct sd_engine *eng;
  struct sd_frame *frame; /* holds a reference while the call lives */
  uint32_t epoch;
  struct sd_connector *conn;
  char *resource;   /* owned copy */
  char *state_name; /* owned copy */
  char *role_arn;   /* owned copy or NULL */
  char *token;      /* owned copy of the frame's token while registered in eng->tokens, else NULL */
  enum sd_task_kind kind;
  bool timed_out; /* ended by its TimeoutSeconds / HeartbeatSeconds */
  bool started;   /* the connector's start ran */
  bool detached;  /* the frame let go: cancelled before the barrier */
  bool adopted;   /* resumed after a restart: waits on its token, no connector holds it */
  uint64_t t0;
};

static void call_free(struct call *c) {
  json_decref(c->pub.params);
  free(c->resource);
  free(c->state_name);
  free(c->role_arn);
  free(c->token);
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

/* A callback task (.waitForTaskToken, or an activity, whose worker gets the
 * token) can be completed from outside from the moment it starts. */
static void token_register(struct call *c) {
  if (c->pub.token == NULL || (!c->pub.wait_for_token && c->kind != SD_TASK_ACTIVITY))
    return;
  if (c->eng->tokens == NULL)
    c->eng->tokens = sd_tokens_new();
  c->token = sd_xstrdup(c->pub.token);
  sd_tokens_add(c->eng->tokens, c->token, c);
}

static void call_start(struct call *c) {
  struct sd_err err = { 0 };
  c->started = true;
  token_register(c);
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
  return sd_frame_task_start_as(f, resource, params, timeout_s, heartbeat_s, kind, NULL, err);
}

int sd_frame_task_start_as(struct sd_frame *f, const char *resource, json_t *params, double timeout_s,
                           double heartbeat_s, enum sd_task_kind kind, const char *role_arn,
                           struct sd_err *err) {
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
  c->pub.retry_count = f->retry_count;
  c->role_arn = role_arn ? sd_xstrdup(role_arn) : NULL;
  c->pub.role_arn = c->role_arn;
  c->pub.engine_data = c;
  c->kind = kind;
  f->call = &c->pub;
  eng->inflight++;
  if (f->resuming && f->submitted && c->pub.token != NULL &&
      (c->pub.wait_for_token || kind == SD_TASK_ACTIVITY)) {
    /* The request went through before the restart (TaskSubmitted, or a
     * worker took the activity task): only the token's answer is awaited,
     * so the same token keeps working and nothing is sent twice. */
    c->started = true;
    c->adopted = true;
    token_register(c);
    return 0;
  }
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
  if (c->token != NULL) {
    sd_tokens_remove(c->eng->tokens, c->token, c->timed_out);
    free(c->token);
    c->token = NULL;
  }
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
  if (c->conn->ops->cancel && !c->adopted)
    c->conn->ops->cancel(c->conn->self, &c->pub);
  call_free(c);
}

void sd_frame_task_cancel(struct sd_frame *f) {
  sd_task_cancel_call(f);
}

void sd_frame_task_timeout(struct sd_frame *f) {
  if (f->call != NULL)
    ((struct call *)f->call->engine_data)->timed_out = true;
  sd_task_cancel_call(f);
}

int sd_frame_task_check(struct sd_frame *f, const char *resource, enum sd_task_kind kind,
                        struct sd_err *err) {
  struct sd_engine *eng = f->exec->eng;
  for (size_t i = 0; i < eng->nconns; i++)
    if (eng->conns[i].ops->serves(eng->conns[i].self, f->exec, f->st->name, resource))
      return 0;
  /* The activity connector serves the activities that exist; AWS's cause
   * for one that does not (test_activity_task_on_deleted). */
  if (kind == SD_TASK_ACTIVITY)
    return sd_err_set(err, SD_E_RUNTIME, "The activity %s does not exist.", resource);
  return sd_err_set(err, SD_E_RUNTIME,
                    "No connector serves the resource '%s' of state '%s'. Mock it with --mock-config, or "
                    "see the README for the services stepd calls.",
                    resource, f->st->name);
}

void sd_task_tokens_free(struct sd_engine *eng) {
  sd_tokens_free(eng->tokens);
  eng->tokens = NULL;
}

/* ---- completion from outside: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat ---- */

/* The call waiting on `token`, or NULL with AWS's error for the token. The
 * wording is AWS's (API reference, SendTaskSuccess errors). */
static struct call *token_call(struct sd_engine *eng, const char *token, struct sd_err *err) {
  if (token == NULL || !sd_tokens_well_formed(token)) {
    sd_err_set(err, "InvalidToken", "Invalid Token: 'Invalid token'");
    return NULL;
  }
  void *call = NULL;
  enum sd_token_state st = eng->tokens ? sd_tokens_get(eng->tokens, token, &call) : SD_TOKEN_UNKNOWN;
  if (st == SD_TOKEN_TIMED_OUT)
    sd_err_set(err, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
  else if (st != SD_TOKEN_WAITING)
    sd_err_set(err, "TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist anymore'");
  return call;
}

/* Ends the call with an outcome from outside: the connector lets go of it
 * first (its cancel), so it never reports on its own afterwards. */
static void token_finish(struct call *c, json_t *result, struct sd_err *failure) {
  if (c->conn->ops->cancel && !c->adopted)
    c->conn->ops->cancel(c->conn->self, &c->pub);
  sd_task_done(&c->pub, result, failure);
}

int sd_engine_task_success(struct sd_engine *eng, const char *token, const char *output, struct sd_err *err) {
  struct call *c = token_call(eng, token, err);
  if (c == NULL)
    return -1;
  json_error_t je;
  json_t *v = json_loads(output ? output : "", JSON_DECODE_ANY, &je); /* new */
  if (v == NULL)
    return sd_err_set(err, "InvalidOutput", "Invalid Output: '%s'", je.text);
  token_finish(c, v, NULL);
  return 0;
}

int sd_engine_task_failure(struct sd_engine *eng, const char *token, const char *error, const char *cause,
                           struct sd_err *err) {
  struct call *c = token_call(eng, token, err);
  if (c == NULL)
    return -1;
  /* An empty name still marks a failure; the Failed event then carries no
   * error, as AWS records a SendTaskFailure without one. */
  struct sd_err failure = { 0 };
  sd_err_set_raw(&failure, error ? error : "", cause);
  token_finish(c, NULL, &failure);
  sd_err_clear(&failure);
  return 0;
}

int sd_engine_task_heartbeat(struct sd_engine *eng, const char *token, struct sd_err *err) {
  struct call *c = token_call(eng, token, err);
  if (c == NULL)
    return -1;
  struct sd_frame *f = c->frame;
  if (c->pub.heartbeat_seconds <= 0 || f->epoch != c->epoch)
    return 0;
  /* Re-arm: drop the armed heartbeat timer, arm a fresh one a full period
   * from now (AWS: each heartbeat restarts HeartbeatSeconds). */
  for (struct sd_timer **pp = &f->timers; *pp != NULL; pp = &(*pp)->fnext) {
    if ((*pp)->tag == SD_TASK_TAG_HEARTBEAT) {
      struct sd_timer *t = *pp;
      *pp = t->fnext;
      sd_clock_remove(eng, t);
      sd_frame_timer(f, c->pub.heartbeat_seconds, SD_TASK_TAG_HEARTBEAT);
      break;
    }
  }
  return 0;
}
