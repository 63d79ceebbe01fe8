/* Task: hands its resolved Parameters to a connector through the engine and
 * turns the answer into the state's result, recording the events AWS
 * records: Task* for service integrations, LambdaFunction* for a Lambda
 * function ARN, Activity* for an activity. */
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/jsonw.h"
#include "engine/path.h"
#include "engine/tmpl.h"

/* The heartbeat tag is the engine's, which re-arms it on SendTaskHeartbeat. */
enum { TAG_TIMEOUT = 1, TAG_HEARTBEAT = SD_TASK_TAG_HEARTBEAT };

struct task {
  char *resource; /* owned */
  char *res_type; /* history's resourceType ("lambda", "aws-sdk:s3"); owned */
  char *res_op;   /* history's resource ("invoke.waitForTaskToken"); owned */
  enum sd_task_kind kind;
  double timeout; /* 0 = none */
  struct sd_path *timeout_path;
  double heartbeat;
  struct sd_path *heartbeat_path;
  bool wait_for_token;
  struct sd_tmpl *credentials; /* Credentials, as a payload template; NULL = none */
};

/* Splits arn:aws:states:::SERVICE:ACTION into history's resourceType and
 * resource, as AWS records them. */
static void split_resource(struct task *t) {
  const char *r = t->resource;
  const char *pfx = "arn:aws:states:::";
  if (strncmp(r, "arn:aws:lambda:", 15) == 0 && strstr(r, ":function:") != NULL) {
    t->kind = SD_TASK_LAMBDA;
  } else if (strncmp(r, "arn:aws:states:", 15) == 0 && strstr(r, ":activity:") != NULL) {
    t->kind = SD_TASK_ACTIVITY;
  }
  if (strncmp(r, pfx, strlen(pfx)) == 0) {
    const char *rest = r + strlen(pfx);
    const char *colon = strrchr(rest, ':');
    /* "aws-sdk:s3:getObject": the type keeps both service parts. The
     * ".sync:2" suffix holds a colon too. */
    const char *sync2 = strstr(rest, ".sync:");
    if (sync2 != NULL) {
      const char *c = rest + (sync2 - rest);
      while (c > rest && *c != ':')
        c--;
      colon = c;
    }
    if (colon != NULL && colon > rest) {
      t->res_type = sd_xstrndup(rest, (size_t)(colon - rest));
      t->res_op = sd_xstrdup(colon + 1);
      return;
    }
  }
  t->res_type = sd_xstrdup(t->kind == SD_TASK_ACTIVITY ? "activity" : "lambda");
  t->res_op = sd_xstrdup(r);
}

static int number_field(json_t *def, const char *name, const char *pname, double *num, struct sd_path **path,
                        struct sd_err *err) {
  json_t *v = json_object_get(def, name);
  if (v != NULL) {
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
      return sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be a positive integer", name);
    *num = (double)json_integer_value(v);
  }
  v = json_object_get(def, pname);
  if (v != NULL) {
    if (!json_is_string(v))
      return sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be a string", pname);
    *path = sd_path_compile(json_string_value(v), SD_PATH_REF, err);
    if (*path == NULL)
      return -1;
  }
  return 0;
}

static int task_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  struct task *t = sd_xcalloc(1, sizeof *t);
  st->priv = t;
  json_t *res = json_object_get(st->def, "Resource");
  if (!json_is_string(res))
    return sd_err_set(err, SD_E_INVALID_DEFINITION, "Resource must be a string");
  t->resource = sd_xstrdup(json_string_value(res));
  t->kind = SD_TASK_SERVICE;
  split_resource(t);
  t->wait_for_token = strstr(t->resource, ".waitForTaskToken") != NULL;
  if (number_field(st->def, "TimeoutSeconds", "TimeoutSecondsPath", &t->timeout, &t->timeout_path, err) !=
          0 ||
      number_field(st->def, "HeartbeatSeconds", "HeartbeatSecondsPath", &t->heartbeat, &t->heartbeat_path,
                   err) != 0)
    return -1;
  /* Credentials {"RoleArn": ...} or {"RoleArn.$": path}: the role the call
   * is signed as (connectors assume it through STS). */
  json_t *cr = json_object_get(st->def, "Credentials");
  if (json_is_object(cr) && (t->credentials = sd_tmpl_compile(cr, "Credentials", err)) == NULL)
    return -1;
  return 0;
}

static void task_free(struct sd_state *st) {
  struct task *t = st->priv;
  free(t->resource);
  free(t->res_type);
  free(t->res_op);
  sd_path_free(t->timeout_path);
  sd_path_free(t->heartbeat_path);
  sd_tmpl_free(t->credentials);
  free(t);
}

static int resolve_seconds(struct sd_frame *f, struct sd_path *p, json_t *in, double *out,
                           struct sd_err *err) {
  if (p == NULL)
    return 0;
  json_t *v = sd_path_get(p, in, sd_frame_env(f), err);
  if (v == NULL)
    return -1;
  int rc = 0;
  if (!json_is_integer(v) || json_integer_value(v) <= 0)
    rc = sd_err_set(err, SD_E_RUNTIME, "The value of %s must be a positive integer: %s", sd_path_text(p),
                    json_is_string(v) ? json_string_value(v) : "not an integer");
  else
    *out = (double)json_integer_value(v);
  json_decref(v);
  return rc;
}

static json_t *res_details(const struct task *t) {
  return json_pack("{s:s, s:s}", "resourceType", t->res_type, "resource", t->res_op);
}

static void event_scheduled(struct sd_frame *f, const struct task *t, json_t *params, double timeout,
                            double heartbeat) {
  char *text = sd_jsonw_dumps(params, NULL);
  json_t *d;
  if (t->kind == SD_TASK_LAMBDA) {
    d = json_pack("{s:s, s:s, s:{s:b}}", "resource", t->resource, "input", text, "inputDetails", "truncated",
                  0);
    if (timeout > 0)
      json_object_set_new(d, "timeoutInSeconds", json_integer((json_int_t)timeout));
    sd_frame_event(f, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", d);
    sd_frame_event(f, "LambdaFunctionStarted", NULL, NULL);
  } else if (t->kind == SD_TASK_ACTIVITY) {
    d = json_pack("{s:s, s:s, s:{s:b}}", "resource", t->resource, "input", text, "inputDetails", "truncated",
                  0);
    if (timeout > 0)
      json_object_set_new(d, "timeoutInSeconds", json_integer((json_int_t)timeout));
    if (heartbeat > 0)
      json_object_set_new(d, "heartbeatInSeconds", json_integer((json_int_t)heartbeat));
    /* ActivityStarted waits for a worker to take the task (task_resume). */
    sd_frame_event(f, "ActivityScheduled", "activityScheduledEventDetails", d);
  } else {
    d = res_details(t);
    /* AWS records the region the integration is called in: the state
     * machine's own. */
    json_object_set_new(d, "region", json_string(sd_engine_region(sd_exec_engine(f->exec))));
    json_object_set_new(d, "parameters", json_string(text));
    if (timeout > 0)
      json_object_set_new(d, "timeoutInSeconds", json_integer((json_int_t)timeout));
    if (heartbeat > 0)
      json_object_set_new(d, "heartbeatInSeconds", json_integer((json_int_t)heartbeat));
    sd_frame_event(f, "TaskScheduled", "taskScheduledEventDetails", d);
    sd_frame_event(f, "TaskStarted", "taskStartedEventDetails", res_details(t));
  }
  free(text);
}

static enum sd_step task_enter(struct sd_frame *f, struct sd_err *err) {
  const struct task *t = f->st->priv;
  /* Callback and .sync tasks get a token before Parameters, which may read
   * $$.Task.Token (test_sync_with_task_token passes it to the child). */
  if (t->wait_for_token || t->kind == SD_TASK_ACTIVITY || strstr(t->resource, ".sync") != NULL)
    sd_frame_task_token(f);
  /* An activity that does not exist fails the state before any Activity
   * event (test_activity_task_on_deleted). */
  if (t->kind == SD_TASK_ACTIVITY && sd_frame_task_check(f, t->resource, t->kind, err) != 0) {
    sd_frame_err_in_state(f, err);
    return SD_STEP_FAIL;
  }
  json_t *params = sd_flow_input(f, err);
  if (params == NULL)
    return SD_STEP_FAIL;
  double timeout = t->timeout, heartbeat = t->heartbeat;
  if (resolve_seconds(f, t->timeout_path, f->input, &timeout, err) != 0 ||
      resolve_seconds(f, t->heartbeat_path, f->input, &heartbeat, err) != 0) {
    json_decref(params);
    sd_frame_err_in_state(f, err);
    return SD_STEP_FAIL;
  }
  json_t *cred = NULL; /* new */
  if (t->credentials != NULL &&
      (cred = sd_tmpl_eval(t->credentials, f->input, sd_frame_env(f), err)) == NULL) {
    json_decref(params);
    sd_frame_err_in_state(f, err);
    return SD_STEP_FAIL;
  }
  /* Resumed after a restart: the call is recorded already (and made again,
   * unless a callback task's request went through). */
  if (!sd_frame_resuming(f))
    event_scheduled(f, t, params, timeout, heartbeat);
  int rc = sd_frame_task_start_as(f, t->resource, params, timeout, heartbeat, t->kind,
                                  json_string_value(json_object_get(cred, "RoleArn")), err);
  json_decref(cred);
  if (rc != 0)
    return SD_STEP_FAIL;
  if (timeout > 0)
    sd_frame_timer(f, timeout, TAG_TIMEOUT);
  if (heartbeat > 0 && (t->wait_for_token || t->kind == SD_TASK_ACTIVITY))
    sd_frame_timer(f, heartbeat, TAG_HEARTBEAT);
  return SD_STEP_WAIT;
}

static const char *kind_prefix(const struct task *t) {
  return t->kind == SD_TASK_LAMBDA ? "LambdaFunction" : t->kind == SD_TASK_ACTIVITY ? "Activity" : "Task";
}

static const char *kind_key(const struct task *t) {
  return t->kind == SD_TASK_LAMBDA ? "lambdaFunction" : t->kind == SD_TASK_ACTIVITY ? "activity" : "task";
}

/* Records TaskFailed / TaskTimedOut (or the Lambda / activity forms). */
static void event_failed(struct sd_frame *f, const struct task *t, const struct sd_err *e) {
  bool timed_out = strcmp(e->name, SD_E_TIMEOUT) == 0 || strcmp(e->name, SD_E_HEARTBEAT_TIMEOUT) == 0;
  const char *what = timed_out ? "TimedOut" : "Failed";
  char *type = sd_asprintf("%s%s", kind_prefix(t), what);
  char *key = sd_asprintf("%s%sEventDetails", kind_key(t), what);
  json_t *d = t->kind == SD_TASK_SERVICE ? res_details(t) : json_object();
  if (e->name[0])
    json_object_set_new(d, "error", json_string(e->name));
  if (e->cause)
    json_object_set_new(d, "cause", json_string(e->cause));
  sd_frame_event(f, type, key, d);
  free(type);
  free(key);
}

static void event_output(struct sd_frame *f, const struct task *t, const char *what, json_t *out) {
  char *text = sd_jsonw_dumps(out, NULL);
  char *type = sd_asprintf("%s%s", kind_prefix(t), what);
  char *key = sd_asprintf("%s%sEventDetails", kind_key(t), what);
  json_t *d = t->kind == SD_TASK_SERVICE ? res_details(t) : json_object();
  json_object_set_new(d, "output", json_string(text ? text : "null"));
  json_object_set_new(d, "outputDetails", json_pack("{s:b}", "truncated", 0));
  sd_frame_event(f, type, key, d);
  free(type);
  free(key);
  free(text);
}

static enum sd_step task_resume(struct sd_frame *f, struct sd_wake *w, struct sd_err *err) {
  const struct task *t = f->st->priv;
  switch (w->kind) {
    case SD_WAKE_TASK_SUBMITTED:
      /* An activity's worker took the task: {"workerName": ...} or {}. */
      if (t->kind == SD_TASK_ACTIVITY)
        sd_frame_event(f, "ActivityStarted", "activityStartedEventDetails",
                       json_is_object(w->result) ? json_deep_copy(w->result) : json_object());
      if (t->kind == SD_TASK_SERVICE)
        event_output(f, t, "Submitted", w->result ? w->result : json_null());
      return SD_STEP_WAIT;
    case SD_WAKE_TIMER:
      sd_frame_task_timeout(f);
      sd_err_set_raw(err, w->timer_tag == TAG_HEARTBEAT ? SD_E_HEARTBEAT_TIMEOUT : SD_E_TIMEOUT, NULL);
      event_failed(f, t, err);
      return SD_STEP_FAIL;
    case SD_WAKE_TASK_DONE:
      if (w->err.name != NULL) {
        sd_err_move(err, &w->err);
        event_failed(f, t, err);
        return SD_STEP_FAIL;
      }
      if (sd_flow_check_size(f, w->result, err) != 0) {
        event_failed(f, t, err);
        return SD_STEP_FAIL;
      }
      event_output(f, t, "Succeeded", w->result);
      f->output = sd_flow_output(f, json_incref(w->result), err);
      return f->output ? SD_STEP_NEXT : SD_STEP_FAIL;
    case SD_WAKE_CHILD_DONE:
      break;
  }
  return SD_STEP_WAIT;
}

static void task_cancel(struct sd_frame *f) {
  sd_frame_task_cancel(f);
}

const struct sd_state_ops sd_state_task = {
  .type = "Task",
  .events = "Task",
  .has_exited = true,
  .has_io = true,
  .compile = task_compile,
  .enter = task_enter,
  .resume = task_resume,
  .cancel = task_cancel,
  .free = task_free,
};
