/* Execution actions that start and record: StartExecution and
 * GetExecutionHistory, and the done callback that frees an execution once
 * recorded. Executions run on the server's sd_engine; their rows and
 * history go to the store through the engine's writer. The reads of
 * DescribeExecution, ListExecutions, StopExecution and
 * DescribeStateMachineForExecution are in api_exec_read.c.
 *
 * Write ahead, then answer: StartExecution answers once ExecutionStarted is
 * committed, and GetExecutionHistory reads after a writer barrier
 * (sd_engine_flush), so it sees every event appended before the request: on
 * a worker through a second handle when the store is a file, else inside
 * the barrier through the engine's handle, which no write holds then
 * (docs/server.md). */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/store.h"
#include "server/registry.h"

/* StartExecution's answer, written straight as text: the reply of every
 * request of the hot path (json_pack and a dump of it were 6% of the loop
 * thread's samples under bench/serve.py start). */
static void start_reply(struct sd_api_call *c, const char *arn, int64_t start_ms) {
  struct sd_buf b = { 0 };
  sd_buf_add(&b, "{\"executionArn\":", 16);
  sd_jsonw_string(&b, arn, strlen(arn));
  sd_buf_add(&b, ",\"startDate\":", 13);
  sd_api_put_time(&b, start_ms);
  sd_buf_putc(&b, '}');
  size_t len = b.len;
  sd_api_reply_text(c, sd_buf_steal(&b), len);
}

/* The engine's row hook (sd_engine_set_row_fn): every row of an execution
 * with a record carries the input as the client sent it (the engine stores
 * it re-serialised, and DescribeExecution returns it as given), the
 * machine revision it runs and the version and alias it was started
 * through. The start row has no record yet (it is made once the engine has
 * the execution): it keeps the engine's input, which the close row of the
 * same batch replaces anyway (sd_store_batch_put_exec). So the close row is
 * complete, and the execution's row is written once when it is short,
 * never completed by a second transaction on another handle (one that
 * also made the writer's handle drop its page cache on every commit). */
void sd_api_exec_row(struct sd_exec *ex, struct sd_store_exec *row, void *data) {
  struct sd_api *api = data;
  struct sd_reg_exec *x = sd_registry_exec(api->reg, sd_exec_arn(ex));
  if (x == NULL || x->ex != ex)
    return;
  row->input = x->input;
  row->machine_rev_ms = x->machine ? x->machine->updated_ms : 0;
  row->version_arn = x->version_arn;
  row->alias_arn = x->alias_arn;
}

/* The engine calls this once an execution's last event and its complete
 * row are committed (inside a writer barrier). */
static void on_exec_done(struct sd_exec *ex, void *data) {
  struct sd_api *api = data;
  struct sd_reg_exec *x = sd_registry_exec(api->reg, sd_exec_arn(ex));
  sd_api_mock_release(api, sd_exec_arn(ex));
  if (x == NULL)
    return;
  x->redrive_count = sd_exec_redrive_count(ex);
  x->redrive_ms = sd_exec_redrive_ms(ex);
  /* The engine knows the stop time written to the row (the clock has moved
   * on since). */
  int64_t stop_ms = sd_exec_stop_ms(ex);
  sd_registry_exec_closed(api->reg, x, stop_ms > 0 ? stop_ms : sd_engine_now(api->eng));
  if (x->status == SD_EXEC_SUCCEEDED)
    sd_log(SD_LOG_INFO, "execution %s SUCCEEDED", x->arn);
  else
    sd_log(SD_LOG_INFO, "execution %s %s%s%s", x->arn, sd_exec_status_name(x->status), x->error ? ": " : "",
           x->error ? x->error : "");
  /* The committed row is complete (sd_api_exec_row): the store answers
   * for the execution from now on, and memory stays bounded by the
   * executions running. */
  sd_registry_exec_remove(api->reg, x);
}

void sd_api_exec_done(struct sd_exec *ex, void *data) {
  on_exec_done(ex, data);
}

struct start {
  struct sd_api_call *c;
  char *machine_arn; /* owned */
  char *name;        /* owned or NULL */
  char *test_case;   /* "<machine ARN>#<TestCase>" under --mock-config; owned or NULL */
  char *input;       /* the input text as given; owned */
  json_t *value;     /* the parsed input; owned */
  char *arn;         /* the started execution's, once started; owned */
  char *version_arn; /* started on a version (directly or through an alias); owned or NULL */
  char *alias_arn;   /* started through an alias; owned or NULL */
  int64_t start_ms;
  bool taken; /* the name check found the name in the store */
};

static void start_free(struct start *s) {
  free(s->machine_arn);
  free(s->name);
  free(s->test_case);
  free(s->input);
  json_decref(s->value);
  free(s->arn);
  free(s->version_arn);
  free(s->alias_arn);
  free(s);
}

static void start_qualified(void *data, int status) {
  struct start *s = data;
  if (status != 0)
    sd_api_error(s->c, "InternalFailure", "the execution could not be recorded");
  else
    start_reply(s->c, s->arn, s->start_ms);
  start_free(s);
}

struct sd_reg_exec *sd_api_exec_begin(struct sd_api *api, struct sd_reg_machine *m, const char *name,
                                      const char *input, json_t *value, const char *test_case, bool taken,
                                      bool *existed, struct sd_err *err) {
  bool standard = strcmp(m->type, "STANDARD") == 0;
  *existed = false;
  if (name != NULL && standard) {
    char *arn = sd_asprintf("arn:aws:states:%s:%s:execution:%s:%s", api->region, api->account, m->name, name);
    struct sd_reg_exec *old = sd_registry_exec(api->reg, arn);
    /* AWS (StartExecution): the same name and input as a RUNNING execution
     * is idempotent; a closed one or another input is a conflict. */
    if (old != NULL && old->status == SD_EXEC_RUNNING && strcmp(old->input, input) == 0) {
      *existed = true;
      free(arn);
      return old;
    }
    if (old != NULL || taken) {
      sd_err_set(err, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn);
      free(arn);
      return NULL;
    }
    free(arn);
  }
  struct sd_exec_opts xo = {
    .machine = m->m,
    .machine_name = m->name,
    .name = name,
    .type = m->type,
    .role_arn = m->role_arn,
    .input = value,
    .done = on_exec_done,
    .data = api,
    .no_history = !standard, /* AWS keeps no history for EXPRESS executions */
    .tag = test_case,        /* bound again if the execution resumes after a restart */
  };
  struct sd_exec *ex = sd_exec_start(api->eng, &xo, err);
  if (ex == NULL) {
    sd_err_set_raw(err, "InvalidExecutionInput", err->cause ? err->cause : "invalid input");
    return NULL;
  }
  /* The registry borrows the sd_exec's strings (NULL) where they are the
   * same: a parked execution holds them once. */
  const char *mq = m->version > 0 ? strrchr(m->arn, ':') : NULL; /* a version runs under its machine's ARN */
  size_t mlen = mq != NULL ? (size_t)(mq - m->arn) : strlen(m->arn);
  const char *own = sd_exec_machine_arn(ex);
  struct sd_reg_exec rec = {
    .machine_arn = strlen(own) == mlen && memcmp(own, m->arn, mlen) == 0 ? NULL : sd_xstrndup(m->arn, mlen),
    .input = strcmp(input, sd_exec_input_text(ex)) == 0 ? NULL : sd_xstrdup(input),
    .status = SD_EXEC_RUNNING,
    .start_ms = sd_exec_start_ms(ex),
    .ex = ex,
    .machine = m,
  };
  sd_api_mock_bind(api, sd_exec_arn(ex), m->name, test_case);
  struct sd_reg_exec *x = sd_registry_exec_add(api->reg, &rec);
  sd_log(SD_LOG_INFO, "execution %s started", x->arn);
  return x;
}

struct qualify {
  struct sd_api *api;
  char *arn;         /* owned */
  char *version_arn; /* owned or NULL */
  char *alias_arn;   /* owned or NULL */
  sd_registry_cb cb; /* may be NULL */
  void *data;
};

/* The row is committed (a barrier: the engine's handle is free). An
 * execution started on a version or alias has them written to its row
 * before the answer, so ListExecutions on them lists it at once. */
static void qualify_committed(void *data, int status) {
  struct qualify *q = data;
  struct sd_api *api = q->api;
  if (status == 0 && q->version_arn != NULL && api->reader == NULL) {
    /* :memory: one handle, free inside this barrier */
    struct sd_err err = { 0 };
    status = sd_store_exec_qualify(api->store, q->arn, q->version_arn, q->alias_arn, &err);
    sd_err_clear(&err);
  } else if (status == 0 && q->version_arn != NULL) {
    sd_registry_exec_qualify_save(api->reg, q->arn, q->version_arn, q->alias_arn, q->cb, q->data);
    q->cb = NULL;
  }
  if (q->cb != NULL)
    q->cb(q->data, status);
  free(q->arn);
  free(q->version_arn);
  free(q->alias_arn);
  free(q);
}

void sd_api_exec_qualify(struct sd_api *api, const struct sd_reg_exec *x, sd_registry_cb cb, void *data) {
  if (x->version_arn == NULL) { /* nothing to write: the plain start costs no allocation */
    if (cb != NULL)
      sd_engine_flush(api->eng, cb, data);
    return;
  }
  struct qualify *q = sd_xcalloc(1, sizeof *q);
  q->api = api;
  q->arn = sd_xstrdup(x->arn);
  q->version_arn = x->version_arn ? sd_xstrdup(x->version_arn) : NULL;
  q->alias_arn = x->alias_arn ? sd_xstrdup(x->alias_arn) : NULL;
  q->cb = cb;
  q->data = data;
  sd_engine_flush(api->eng, qualify_committed, q);
}

struct sd_reg_exec *sd_api_exec_begin_arn(struct sd_api *api, const char *arn, const char *name,
                                          const char *input, json_t *value, bool taken, bool *existed,
                                          struct sd_err *err) {
  const char *alias_arn = NULL;
  struct sd_reg_machine *m;
  *existed = false;
  if (sd_api_arn_parts(arn) == 8) {
    m = sd_api_qualified_pick(api, arn, &alias_arn, err);
    if (m == NULL)
      return NULL;
  } else {
    m = sd_registry_machine(api->reg, arn);
    if (m == NULL || m->deleted) {
      sd_err_set(err, m ? "StateMachineDeleting" : "StateMachineDoesNotExist",
                 m ? "State machine is being deleted: '%s'" : "State Machine Does Not Exist: '%s'", arn);
      return NULL;
    }
  }
  struct sd_reg_exec *x = sd_api_exec_begin(api, m, name, input, value, NULL, taken, existed, err);
  if (x == NULL || *existed || m->version == 0)
    return x;
  x->version_arn = sd_xstrdup(m->arn);
  x->alias_arn = alias_arn ? sd_xstrdup(alias_arn) : NULL;
  sd_api_exec_qualify(api, x, NULL, NULL);
  return x;
}

/* Starts, once a given name is checked (status -1: the store could not be
 * read). */
static void start_checked(void *data, int status) {
  struct start *s = data;
  struct sd_api_call *c = s->c;
  struct sd_api *api = c->api;
  struct sd_reg_machine *m = sd_registry_machine(api->reg, s->machine_arn);
  /* The version to run, looked up again: it may have been deleted while
   * we waited. */
  struct sd_reg_machine *v = s->version_arn ? sd_registry_version(api->reg, s->version_arn, NULL) : NULL;
  if (status == 0 && s->version_arn != NULL && v == NULL) {
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", s->version_arn);
    start_free(s);
    return;
  }
  if (status != 0) {
    sd_api_error(c, "InternalFailure", "the store cannot be read");
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
  struct sd_err err = { 0 };
  bool existed;
  struct sd_reg_exec *x =
      sd_api_exec_begin(api, v ? v : m, s->name, s->input, s->value, s->test_case, s->taken, &existed, &err);
  if (x == NULL || existed) {
    if (x != NULL)
      start_reply(c, x->arn, x->start_ms);
    else
      sd_api_error(c, err.name, "%s", err.cause ? err.cause : "");
    sd_err_clear(&err);
    start_free(s);
    return;
  }
  x->version_arn = s->version_arn ? sd_xstrdup(s->version_arn) : NULL;
  x->alias_arn = s->alias_arn ? sd_xstrdup(s->alias_arn) : NULL;
  /* The record may be freed before the commit is (a quick execution). */
  s->arn = sd_xstrdup(x->arn);
  s->start_ms = x->start_ms;
  sd_api_exec_qualify(api, x, start_qualified, s);
}

static void start_named(void *data, bool taken, int status) {
  struct start *s = data;
  s->taken = taken;
  start_checked(s, status);
}

void sd_api_start_execution(struct sd_api_call *c) {
  const char *given, *name, *input;
  if (sd_api_get_str(c, "stateMachineArn", true, &given) != 0 ||
      sd_api_get_str(c, "name", false, &name) != 0 || sd_api_get_str(c, "input", false, &input) != 0)
    return;
  if (sd_api_check_arn(c, given, "stateMachine") != 0)
    return;
  char *machine_arn, *test_case; /* owned */
  sd_api_mock_split(c->api, given, &machine_arn, &test_case);
  json_t *value = NULL; /* new */
  /* "<machine>:<N>" runs version N, "<machine>:<alias>" one of the
   * alias's versions (picked now, by weight). */
  struct sd_reg_machine *v = NULL;
  const char *alias_arn = NULL;
  if (sd_api_arn_parts(machine_arn) == 8) {
    v = sd_api_resolve_qualified(c, machine_arn, &alias_arn);
    if (v == NULL)
      goto fail;
    *strrchr(machine_arn, ':') = '\0'; /* the machine's own ARN */
  }
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, machine_arn);
  if (m == NULL) {
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", machine_arn);
    goto fail;
  }
  if (m->deleted) {
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", machine_arn);
    goto fail;
  }
  if (name != NULL && sd_api_check_name(c, name) != 0)
    goto fail;
  if (test_case != NULL && sd_api_mock_check(c, m->name, test_case) != 0)
    goto fail;
  if (input == NULL)
    input = "{}"; /* later kept as the client sent it */
  value = sd_api_parse_input(c, input);
  if (value == NULL)
    goto fail;
  struct start *s = sd_xcalloc(1, sizeof *s);
  s->c = c;
  s->machine_arn = machine_arn;
  s->test_case = test_case;
  s->name = name ? sd_xstrdup(name) : NULL;
  s->input = sd_xstrdup(input);
  s->value = value;
  s->version_arn = v ? sd_xstrdup(v->arn) : NULL;
  s->alias_arn = alias_arn ? sd_xstrdup(alias_arn) : NULL;
  /* Only a given name of a STANDARD execution is checked against the
   * store, unless the registry holds its execution (and answers);
   * a generated one is a fresh UUID, and AWS checks no EXPRESS names. */
  char *arn = name != NULL && strcmp(m->type, "STANDARD") == 0
                  ? sd_asprintf("arn:aws:states:%s:%s:execution:%s:%s", c->api->region, c->api->account,
                                m->name, name)
                  : NULL;
  if (arn == NULL || sd_registry_exec(c->api->reg, arn) != NULL)
    start_checked(s, 0);
  else
    sd_api_exec_name_check(c->api, arn, start_named, s);
  free(arn);
  return;
fail:
  free(machine_arn);
  free(test_case);
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

/* ---- restarts: executions left RUNNING by a killed server ---- */

/* Closes a row the engine cannot resume: ExecutionFailed (States.Runtime)
 * after its last committed event, written at once (the writer holds
 * nothing yet at start). EXPRESS executions have no history to extend. */
static int recover_fail(struct sd_api *api, json_t *row, const struct sd_err *why, struct sd_err *err) {
  const char *arn = json_string_value(json_object_get(row, "arn"));
  int64_t last_id = json_integer_value(json_object_get(row, "last_id"));
  int64_t now = sd_engine_now(api->eng);
  struct sd_store_batch *b = sd_store_batch_new();
  json_t *d = json_pack("{s:s, s:s}", "error", why->name, "cause", why->cause ? why->cause : ""); /* new */
  char *details = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  if (strstr(arn, ":express:") == NULL) {
    struct sd_store_event ev = { .exec_arn = arn,
                                 .id = last_id + 1,
                                 .prev_id = last_id,
                                 .ts_ms = now,
                                 .type = "ExecutionFailed",
                                 .details_key = "executionFailedEventDetails",
                                 .details = details };
    sd_store_batch_add_event(b, &ev);
  }
  struct sd_store_exec x = {
    .arn = arn,
    .name = json_string_value(json_object_get(row, "name")),
    .machine_arn = json_string_value(json_object_get(row, "machine_arn")),
    .status = "FAILED",
    .input = json_string_value(json_object_get(row, "input")),
    .error = why->name,
    .cause = why->cause,
    .start_ms = json_integer_value(json_object_get(row, "start_ms")),
    .stop_ms = now,
  };
  sd_store_batch_put_exec(b, &x);
  int rc = sd_store_write(api->store, b, err);
  sd_store_batch_free(b);
  free(details);
  sd_log(SD_LOG_WARN, "execution %s FAILED on restart: %s", arn, why->cause ? why->cause : why->name);
  return rc;
}

static char *dup_or_null(const char *s) {
  return s ? sd_xstrdup(s) : NULL;
}

void sd_api_exec_adopt(struct sd_api *api, struct sd_exec *ex, struct sd_reg_machine *m, json_t *row) {
  const char *input = json_string_value(json_object_get(row, "input"));
  struct sd_reg_exec rec = {
    .arn = sd_xstrdup(sd_exec_arn(ex)),
    .name = sd_xstrdup(sd_exec_name(ex)),
    .machine_arn = sd_xstrdup(sd_store_row_str(row, "machine_arn", "")),
    .input = sd_xstrdup(input ? input : "{}"),
    .status = SD_EXEC_RUNNING,
    .start_ms = sd_exec_start_ms(ex),
    .ex = ex,
    .machine = m,
    .version_arn = dup_or_null(sd_store_row_str(row, "version_arn", NULL)),
    .alias_arn = dup_or_null(sd_store_row_str(row, "alias_arn", NULL)),
  };
  if (sd_exec_tag(ex) != NULL)
    sd_api_mock_bind(api, rec.arn, m->name, sd_exec_tag(ex));
  sd_registry_exec_add(api->reg, &rec);
}

/* Resumes one RUNNING row; NULL with `why` set when it cannot be. */
static struct sd_exec *recover_one(struct sd_api *api, json_t *row, struct sd_reg_machine **mp,
                                   struct sd_err *why) {
  const char *arn = json_string_value(json_object_get(row, "arn"));
  struct sd_reg_machine *m =
      sd_registry_machine(api->reg, json_string_value(json_object_get(row, "machine_arn")));
  const char *input = json_string_value(json_object_get(row, "input"));
  /* An execution started on a version resumes on that version. */
  const char *version_arn = json_string_value(json_object_get(row, "version_arn"));
  struct sd_reg_machine *v = version_arn ? sd_registry_version(api->reg, version_arn, NULL) : NULL;
  *mp = v ? v : m;
  if (m == NULL || m->deleted || (version_arn != NULL && v == NULL)) {
    sd_err_set(why, SD_E_RUNTIME,
               "The execution could not be resumed after a restart: its state machine "
               "no longer exists.");
    return NULL;
  }
  if (strstr(arn, ":express:") != NULL || strcmp(m->type, "STANDARD") != 0) {
    sd_err_set(why, SD_E_RUNTIME,
               "The execution could not be resumed after a restart: EXPRESS executions "
               "are not recorded.");
    return NULL;
  }
  json_t *value = json_loads(input ? input : "{}", JSON_DECODE_ANY, NULL); /* new */
  struct sd_exec_opts xo = {
    .machine = (*mp)->m,
    .machine_name = m->name,
    .name = json_string_value(json_object_get(row, "name")),
    .type = m->type,
    .role_arn = (*mp)->role_arn,
    .input = value,
    .done = on_exec_done,
    .data = api,
  };
  struct sd_exec *ex = sd_exec_resume(api->eng, &xo, json_integer_value(json_object_get(row, "start_ms")),
                                      json_integer_value(json_object_get(row, "last_id")),
                                      json_object_get(row, "frames"), why);
  json_decref(value);
  if (ex != NULL && strcmp(sd_exec_arn(ex), arn) != 0) { /* renamed machine: should not happen */
    sd_exec_free(ex);
    sd_err_set(why, SD_E_RUNTIME, "The execution could not be resumed after a restart: its ARN changed.");
    return NULL;
  }
  return ex;
}

int sd_api_recover(struct sd_api *api, struct sd_err *err) {
  json_t *rows = sd_store_exec_running(api->store, err); /* new */
  if (rows == NULL)
    return -1;
  size_t i, resumed = 0, failed = 0;
  json_t *row;
  int rc = 0;
  json_array_foreach(rows, i, row) {
    struct sd_err why = { 0 };
    struct sd_reg_machine *m;
    struct sd_exec *ex = recover_one(api, row, &m, &why);
    if (ex == NULL) {
      rc = recover_fail(api, row, &why, err);
      sd_err_clear(&why);
      failed++;
      if (rc != 0)
        break;
      continue;
    }
    sd_api_exec_adopt(api, ex, m, row);
    resumed++;
  }
  json_decref(rows);
  if (resumed + failed > 0)
    sd_log(SD_LOG_INFO, "restart: %zu execution(s) resumed, %zu failed", resumed, failed);
  return rc;
}
