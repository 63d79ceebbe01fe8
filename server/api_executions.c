/* Execution actions: StartExecution, DescribeExecution, GetExecutionHistory,
 * ListExecutions, StopExecution, DescribeStateMachineForExecution.
 * Executions run on the server's sd_engine; their rows and history go to
 * the store through the engine's writer.
 *
 * Write ahead, then answer: StartExecution and StopExecution answer once
 * what they changed is committed, and GetExecutionHistory reads after a
 * writer barrier (sd_engine_flush), so it sees every event appended before
 * the request: on a worker through a second handle when the store is a
 * file, else inside the barrier through the engine's handle, which no write
 * holds then (docs/server.md). */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"
#include "server/registry.h"

static json_t *start_reply(const struct sd_reg_exec *x) {
  return json_pack("{s:s, s:o}", "executionArn", x->arn, "startDate", sd_api_time(x->start_ms));
}

/* The engine calls this once an execution's last event is committed
 * (inside a writer barrier, so the store handle is ours to read). */
static void on_exec_done(struct sd_exec *ex, void *data) {
  struct sd_api *api = data;
  struct sd_reg_exec *x = sd_registry_exec(api->reg, sd_exec_arn(ex));
  if (x == NULL)
    return;
  /* The row holds the engine's stop time; the clock has moved on since. */
  struct sd_err err = { 0 };
  json_t *row = sd_store_exec_get(api->store, x->arn, &err); /* new */
  int64_t stop_ms = row ? json_integer_value(json_object_get(row, "stop_ms")) : 0;
  json_decref(row);
  sd_err_clear(&err);
  sd_registry_exec_closed(api->reg, x, stop_ms > 0 ? stop_ms : sd_engine_now(api->eng));
  if (x->status == SD_EXEC_SUCCEEDED)
    sd_log(SD_LOG_INFO, "execution %s SUCCEEDED", x->arn);
  else
    sd_log(SD_LOG_INFO, "execution %s %s%s%s", x->arn, sd_exec_status_name(x->status), x->error ? ": " : "",
           x->error ? x->error : "");
}

struct start {
  struct sd_api_call *c;
  char *machine_arn;     /* owned */
  char *name;            /* owned or NULL */
  char *input;           /* the input text as given; owned */
  json_t *value;         /* the parsed input; owned */
  struct sd_reg_exec *x; /* the started execution, once started */
};

static void start_free(struct start *s) {
  free(s->machine_arn);
  free(s->name);
  free(s->input);
  json_decref(s->value);
  free(s);
}

static void start_committed(void *data, int status) {
  struct start *s = data;
  if (status != 0)
    sd_api_error(s->c, "InternalFailure", "the execution could not be recorded");
  else
    sd_api_reply(s->c, start_reply(s->x));
  start_free(s);
}

/* Checks names against the registry and the store, then starts. Runs in a
 * barrier: the store's rows are then complete and its handle is free. */
static void start_checked(void *data, int status) {
  struct start *s = data;
  struct sd_api_call *c = s->c;
  struct sd_api *api = c->api;
  struct sd_reg_machine *m = sd_registry_machine(api->reg, s->machine_arn);
  if (status != 0) {
    sd_api_error(c, "InternalFailure", "the store cannot be written");
    start_free(s);
    return;
  }
  if (m == NULL || m->deleted) { /* deleted while we waited */
    sd_api_error(c, m ? "StateMachineDeleting" : "StateMachineDoesNotExist",
                 m ? "State machine is being deleted: '%s'" : "State Machine Does Not Exist: '%s'",
                 s->machine_arn);
    start_free(s);
    return;
  }
  bool standard = strcmp(m->type, "STANDARD") == 0;
  if (s->name != NULL && standard) {
    char *arn =
        sd_asprintf("arn:aws:states:%s:%s:execution:%s:%s", api->region, api->account, m->name, s->name);
    struct sd_reg_exec *old = sd_registry_exec(api->reg, arn);
    struct sd_err err = { 0 };
    json_t *row = old ? NULL : sd_store_exec_get(api->store, arn, &err); /* new */
    sd_err_clear(&err);
    /* AWS (StartExecution): the same name and input as a RUNNING execution
     * is idempotent; a closed one or another input is a conflict. */
    if (old != NULL && old->status == SD_EXEC_RUNNING && strcmp(old->input, s->input) == 0)
      sd_api_reply(c, start_reply(old));
    else if (old != NULL || row != NULL)
      sd_api_error(c, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn);
    json_decref(row);
    free(arn);
    if (old != NULL || row != NULL) {
      start_free(s);
      return;
    }
  }
  struct sd_err err = { 0 };
  struct sd_exec_opts xo = {
    .machine = m->m,
    .machine_name = m->name,
    .name = s->name,
    .type = m->type,
    .role_arn = m->role_arn,
    .input = s->value,
    .done = on_exec_done,
    .data = api,
  };
  struct sd_exec *ex = sd_exec_start(api->eng, &xo, &err);
  if (ex == NULL) {
    sd_api_error(c, "InvalidExecutionInput", "%s", err.cause ? err.cause : "invalid input");
    sd_err_clear(&err);
    start_free(s);
    return;
  }
  struct sd_reg_exec rec = {
    .arn = sd_xstrdup(sd_exec_arn(ex)),
    .name = sd_xstrdup(sd_exec_name(ex)),
    .machine_arn = sd_xstrdup(m->arn),
    .input = s->input,
    .status = SD_EXEC_RUNNING,
    .start_ms = sd_exec_start_ms(ex),
    .ex = ex,
    .machine = m,
  };
  s->input = NULL; /* stolen by the record */
  s->x = sd_registry_exec_add(api->reg, &rec);
  sd_log(SD_LOG_INFO, "execution %s started", s->x->arn);
  sd_engine_flush(api->eng, start_committed, s);
}

void sd_api_start_execution(struct sd_api_call *c) {
  const char *machine_arn, *name, *input;
  if (sd_api_get_str(c, "stateMachineArn", true, &machine_arn) != 0 ||
      sd_api_get_str(c, "name", false, &name) != 0 || sd_api_get_str(c, "input", false, &input) != 0)
    return;
  if (sd_api_check_arn(c, machine_arn, "stateMachine") != 0)
    return;
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, machine_arn);
  if (m == NULL) {
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", machine_arn);
    return;
  }
  if (m->deleted) {
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", machine_arn);
    return;
  }
  if (name != NULL && sd_api_check_name(c, name) != 0)
    return;
  if (input == NULL)
    input = "{}";
  json_error_t e;
  json_t *value = json_loads(input, JSON_DECODE_ANY, &e); /* new */
  if (value == NULL) {
    sd_api_error(c, "InvalidExecutionInput",
                 "Invalid State Machine Execution Input: '%s at line %d, column %d'", e.text, e.line,
                 e.column);
    return;
  }
  struct start *s = sd_xcalloc(1, sizeof *s);
  s->c = c;
  s->machine_arn = sd_xstrdup(machine_arn);
  s->name = name ? sd_xstrdup(name) : NULL;
  s->input = sd_xstrdup(input);
  s->value = value;
  sd_engine_flush(c->api->eng, start_checked, s);
}

/* The record of an execution ARN; NULL after answering InvalidArn or
 * ExecutionDoesNotExist. */
static struct sd_reg_exec *find_exec(struct sd_api_call *c, const char *arn) {
  if (sd_api_check_arn(c, arn, "execution") != 0)
    return NULL;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x == NULL)
    sd_api_error(c, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn);
  return x;
}

/* DescribeExecutionOutput from an execution's fields (strings borrowed;
 * output, error and cause may be NULL and are then left out, not null). */
static json_t *describe_json(const char *arn, const char *machine_arn, const char *name, const char *status,
                             int64_t start_ms, int64_t stop_ms, const char *input, const char *output,
                             const char *error, const char *cause) {
  json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{s:b}}", "executionArn", arn, "stateMachineArn",
                          machine_arn, "name", name, "status", status, "startDate", sd_api_time(start_ms),
                          "input", input, "inputDetails", "included", 1); /* new */
  if (strcmp(status, "RUNNING") != 0)
    json_object_set_new(out, "stopDate", sd_api_time(stop_ms));
  if (output != NULL) {
    json_object_set_new(out, "output", json_string(output));
    json_object_set_new(out, "outputDetails", json_pack("{s:b}", "included", 1));
  }
  if (error != NULL && error[0] != '\0')
    json_object_set_new(out, "error", json_string(error));
  if (cause != NULL)
    json_object_set_new(out, "cause", json_string(cause));
  return out;
}

struct describe {
  struct sd_api_call *c;
  char *arn; /* owned */
};

static const char *row_str(json_t *row, const char *key) {
  return json_string_value(json_object_get(row, key));
}

/* An execution this process did not start (an earlier run's): its row, read
 * inside a barrier. */
static void describe_from_store(void *data, int status) {
  struct describe *d = data;
  struct sd_err err = { 0 };
  json_t *row = status == 0 ? sd_store_exec_get(d->c->api->store, d->arn, &err) : NULL; /* new */
  if (row == NULL) {
    if (err.name != NULL && strcmp(err.name, "ExecutionDoesNotExist") == 0)
      sd_api_error(d->c, err.name, "%s", err.cause ? err.cause : "");
    else
      sd_api_error(d->c, "InternalFailure", "%s", err.cause ? err.cause : "the execution cannot be read");
  } else {
    const char *name = row_str(row, "name"), *machine = row_str(row, "machine_arn");
    const char *st = row_str(row, "status"), *input = row_str(row, "input");
    sd_api_reply(d->c,
                 describe_json(d->arn, machine ? machine : "", name ? name : "", st ? st : "RUNNING",
                               json_integer_value(json_object_get(row, "start_ms")),
                               json_integer_value(json_object_get(row, "stop_ms")), input ? input : "{}",
                               row_str(row, "output"), row_str(row, "error"), row_str(row, "cause")));
  }
  json_decref(row);
  sd_err_clear(&err);
  free(d->arn);
  free(d);
}

void sd_api_describe_execution(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x == NULL) {
    struct describe *d = sd_xcalloc(1, sizeof *d);
    d->c = c;
    d->arn = sd_xstrdup(arn);
    sd_engine_flush(c->api->eng, describe_from_store, d);
    return;
  }
  sd_api_reply(c, describe_json(x->arn, x->machine_arn, x->name, sd_exec_status_name(x->status), x->start_ms,
                                x->stop_ms, x->input, x->output, x->error, x->cause));
}

/* DescribeStateMachineForExecution: the machine as the execution ran it
 * (the registry keeps a deleted machine's record for its executions). An
 * execution of an earlier run has no machine here: state machines are not
 * in the store yet, so it answers ExecutionDoesNotExist. */
void sd_api_describe_state_machine_for_execution(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x == NULL || x->machine == NULL) {
    sd_api_error(c, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn);
    return;
  }
  const struct sd_reg_machine *m = x->machine;
  sd_api_reply(c, json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:b}, s:{s:b}}", "stateMachineArn", m->arn,
                            "name", m->name, "definition", m->definition, "roleArn", m->role_arn,
                            "updateDate", sd_api_time(m->updated_ms), "loggingConfiguration", "level", "OFF",
                            "includeExecutionData", 0, "tracingConfiguration", "enabled", 0));
}

struct history {
  struct sd_api_call *c;
  char *arn; /* owned */
  int64_t from_id;
  size_t limit;
  bool reverse;
  bool with_data; /* includeExecutionData */
  uv_work_t work; /* the read, on a worker, through the read handle */
  json_t *events; /* the page read (one extra event); owned, NULL with err */
  struct sd_err err;
};

/* includeExecutionData false: AWS leaves the payloads out of the events. */
static void strip_data(json_t *events) {
  static const char *const keys[] = { "input", "inputDetails", "output", "outputDetails" };
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) {
    const char *k;
    json_t *v;
    json_object_foreach(ev, k, v) {
      if (json_is_object(v))
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
          json_object_del(v, keys[j]);
    }
  }
}

static void history_answer(struct history *h) {
  json_t *events = h->events; /* stolen below */
  h->events = NULL;
  if (events == NULL) {
    if (h->err.name != NULL && strcmp(h->err.name, "ExecutionDoesNotExist") == 0)
      sd_api_error(h->c, h->err.name, "%s", h->err.cause ? h->err.cause : "");
    else
      sd_api_error(h->c, "InternalFailure", "%s", h->err.cause ? h->err.cause : "the history cannot be read");
  } else {
    json_t *out = json_object(); /* new */
    if (json_array_size(events) > h->limit) {
      json_array_remove(events, h->limit);
      json_t *last = json_array_get(events, h->limit - 1); /* borrowed */
      char tok[40];
      snprintf(tok, sizeof tok, "h.%lld", (long long)json_integer_value(json_object_get(last, "id")));
      json_object_set_new(out, "nextToken", json_string(tok));
    }
    if (!h->with_data)
      strip_data(events);
    json_object_set_new(out, "events", events);
    sd_api_reply(h->c, out);
  }
  sd_err_clear(&h->err);
  free(h->arn);
  free(h);
}

/* One more than the page: whether it came says if a next page exists. */
static void history_work(uv_work_t *req) {
  struct history *h = req->data;
  h->events = sd_store_history(h->c->api->reader, h->arn, h->from_id, h->limit + 1, h->reverse, &h->err);
}

static void history_work_done(uv_work_t *req, int status) {
  struct history *h = req->data;
  if (status != 0 && h->events == NULL && h->err.name == NULL)
    sd_err_set(&h->err, "InternalFailure", "the history read was cancelled");
  history_answer(h);
}

/* Runs once everything appended before the request is committed, so the
 * page holds every event up to now. With a read handle (a file) the read
 * goes to a worker; with :memory: there is only the writer's handle, which
 * is free inside a barrier, and the read runs here. */
static void history_read(void *data, int status) {
  struct history *h = data;
  struct sd_api *api = h->c->api;
  if (status != 0) {
    sd_err_set(&h->err, "InternalFailure", "the history cannot be read: a write failed");
  } else if (api->reader != NULL) {
    h->work.data = h;
    uv_queue_work(sd_engine_loop(api->eng), &h->work, history_work, history_work_done);
    return;
  } else {
    h->events = sd_store_history(api->store, h->arn, h->from_id, h->limit + 1, h->reverse, &h->err);
  }
  history_answer(h);
}

void sd_api_get_execution_history(struct sd_api_call *c) {
  const char *arn;
  int64_t max, from;
  bool reverse, with_data;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 ||
      sd_api_get_bool(c, "reverseOrder", false, &reverse) != 0 ||
      sd_api_get_bool(c, "includeExecutionData", true, &with_data) != 0 ||
      sd_api_get_token(c, "h.", &from) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct history *h = sd_xcalloc(1, sizeof *h);
  h->c = c;
  h->arn = sd_xstrdup(arn);
  h->from_id = from;
  h->limit = max == 0 ? 100 : (size_t)max; /* the API's default page size */
  h->reverse = reverse;
  h->with_data = with_data;
  sd_engine_flush(c->api->eng, history_read, h);
}

static bool status_valid(const char *s) {
  static const char *const names[] = { "RUNNING",   "SUCCEEDED", "FAILED",
                                       "TIMED_OUT", "ABORTED",   "PENDING_REDRIVE" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i]) == 0)
      return true;
  return false;
}

void sd_api_list_executions(struct sd_api_call *c) {
  const char *machine_arn, *filter;
  int64_t max, pos;
  if (sd_api_get_str(c, "stateMachineArn", true, &machine_arn) != 0 ||
      sd_api_get_str(c, "statusFilter", false, &filter) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 || sd_api_get_token(c, "ex.", &pos) != 0 ||
      sd_api_check_arn(c, machine_arn, "stateMachine") != 0)
    return;
  if (filter != NULL && !status_valid(filter)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member "
        "must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]",
        filter);
    return;
  }
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, machine_arn);
  if (m == NULL) {
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", machine_arn);
    return;
  }
  if (max == 0)
    max = 100;
  /* Newest first, as AWS lists them. The token is one past the index of
   * the next record to look at, so executions started meanwhile do not
   * shift pages already handed out. */
  struct sd_registry *reg = c->api->reg;
  size_t i = pos > 0 ? (size_t)pos : sd_registry_exec_count(reg);
  if (i > sd_registry_exec_count(reg))
    i = sd_registry_exec_count(reg);
  json_t *list = json_array(); /* new */
  for (; i > 0 && json_array_size(list) < (size_t)max; i--) {
    struct sd_reg_exec *x = sd_registry_exec_at(reg, i - 1);
    if (strcmp(x->machine_arn, machine_arn) != 0 ||
        (filter != NULL && strcmp(filter, sd_exec_status_name(x->status)) != 0))
      continue;
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:o}", "executionArn", x->arn, "stateMachineArn",
                             x->machine_arn, "name", x->name, "status", sd_exec_status_name(x->status),
                             "startDate", sd_api_time(x->start_ms));
    if (x->status != SD_EXEC_RUNNING)
      json_object_set_new(item, "stopDate", sd_api_time(x->stop_ms));
    json_array_append_new(list, item);
  }
  json_t *out = json_pack("{s:o}", "executions", list);
  /* Only offer a next page if one more matching record exists. */
  for (size_t j = i; j > 0; j--) {
    struct sd_reg_exec *x = sd_registry_exec_at(reg, j - 1);
    if (strcmp(x->machine_arn, machine_arn) == 0 &&
        (filter == NULL || strcmp(filter, sd_exec_status_name(x->status)) == 0)) {
      char tok[40];
      snprintf(tok, sizeof tok, "ex.%zu", i);
      json_object_set_new(out, "nextToken", json_string(tok));
      break;
    }
  }
  sd_api_reply(c, out);
}

struct stop {
  struct sd_api_call *c;
  struct sd_reg_exec *x; /* borrowed from the registry, which never drops records */
};

static void stop_committed(void *data, int status) {
  struct stop *s = data;
  if (status != 0)
    sd_api_error(s->c, "InternalFailure", "the stop could not be recorded");
  else
    sd_api_reply(s->c, json_pack("{s:o}", "stopDate", sd_api_time(s->x->stop_ms)));
  free(s);
}

void sd_api_stop_execution(struct sd_api_call *c) {
  const char *arn, *error, *cause;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_get_str(c, "error", false, &error) != 0 ||
      sd_api_get_str(c, "cause", false, &cause) != 0)
    return;
  struct sd_reg_exec *x = find_exec(c, arn);
  if (x == NULL)
    return;
  if (x->status == SD_EXEC_RUNNING)
    sd_exec_stop(x->ex, error, cause);
  /* The execution's own done callback (an earlier barrier) has recorded
   * its stop time by the time this one runs. A closed execution is left
   * as it is and its stop time returned. */
  struct stop *s = sd_xcalloc(1, sizeof *s);
  s->c = c;
  s->x = x;
  sd_engine_flush(c->api->eng, stop_committed, s);
}
