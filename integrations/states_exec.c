/* The nested-execution connector (states_exec.h): one record per Task call,
 * alive from the call's start until the result is handed over and, for
 * .sync / .sync:2, until the child closes, since a parent that lets go
 * (stopped, timed out) stops its child, as AWS stops the job of an aborted
 * .sync task (connect-to-resource.html, "Run a Job").
 *
 * Result shapes follow AWS's recordings (conformance corpus,
 * TestTaskServiceSfn and TestCallback): request-response answers
 * StartExecution's response with the SDK's HTTP metadata; .sync answers
 * DescribeExecution's fields, PascalCase, with Input and Output as JSON
 * text, .sync:2 with them as JSON; a child that does not succeed fails the
 * Task with States.TaskFailed and that same object, as JSON text, for
 * cause. Dates are epoch milliseconds, as the Java SDK v1 that AWS's
 * optimized integrations use writes them. */
#include "integrations/states_exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/str.h"

#define RESOURCE "arn:aws:states:::states:startExecution"

enum pattern { P_RR, P_SYNC, P_SYNC2, P_WAIT };

struct child {
  struct child *next, *prev; /* the connector's list of live records */
  struct sd_states_conn *sc;
  struct sd_task_call *call; /* borrowed from the engine; NULL once the task let go */
  enum pattern pattern;
  char *machine_arn; /* owned */
  char *input_text;  /* owned */
  char *exec_arn;    /* owned, once started */
  bool starting;     /* the host has not answered start yet */
};

struct sd_states_conn {
  struct sd_states_host host;
  struct child *live; /* records the host may still call back; owned */
};

/* ---- AWS's shapes ---- */

bool sd_states_name_ok(const char *name) {
  static const char bad[] = "<>{}[]?*\"#%\\^|~`$&,;:/";
  size_t chars = 0;
  const unsigned char *s = (const unsigned char *)name;
  for (size_t i = 0; s[i] != '\0'; i++) {
    if ((s[i] & 0xc0) != 0x80)
      chars++;
    if (s[i] <= 0x20 || s[i] == 0x7f || strchr(bad, s[i]) != NULL)
      return false;
    /* U+0080..U+009F (C1 controls) are 0xC2 0x80..0x9F in UTF-8. */
    if (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
      return false;
  }
  return chars > 0 && chars <= 80;
}

/* A version 4 UUID, as AWS's request ids are. */
static void request_id(char out[37]) {
  uint64_t r[2];
  if (uv_random(NULL, NULL, r, sizeof r, 0, NULL) != 0) {
    r[0] = uv_hrtime();
    r[1] = r[0] * 0x9e3779b97f4a7c15ull;
  }
  sd_str_uuid4(r[0], r[1], out);
}

void sd_states_api_error(struct sd_err *err) {
  char rid[37];
  request_id(rid);
  const char *code = err->name ? err->name : "InternalFailure";
  /* The SDK's exception class: the model's shape name, which gets an
   * "Exception" suffix unless it has one (ValidationException). */
  size_t n = strlen(code);
  bool suffixed = n >= 9 && strcmp(code + n - 9, "Exception") == 0;
  char *name = sd_asprintf("StepFunctions.%s%s", code, suffixed ? "" : "Exception");
  char *cause = sd_asprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s; Request ID: "
                            "%s; Proxy: null)",
                            err->cause ? err->cause : "", code, rid);
  sd_err_set_raw(err, name, cause);
  free(name);
  free(cause);
}

/* StartExecution's answer as the optimized integration returns it: the
 * API's fields plus the SDK's HTTP metadata (test_start_execution_input_json
 * records the key order). New reference. */
static json_t *start_result(const char *arn, int64_t start_ms) {
  char rid[37], date[64], len[24];
  request_id(rid);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  /* The API's body: {"executionArn":"...","startDate":1.7E9}. */
  snprintf(len, sizeof len, "%zu", strlen(arn) + 52);
  json_t *all =
      json_pack("{s:[s], s:[s], s:[s], s:[s], s:[s]}", "x-amzn-RequestId", rid, "connection", "keep-alive",
                "Content-Length", len, "Date", date, "Content-Type", "application/x-amz-json-1.0");
  json_t *hdrs =
      json_pack("{s:s, s:s, s:s, s:s, s:s}", "connection", "keep-alive", "Content-Length", len,
                "Content-Type", "application/x-amz-json-1.0", "Date", date, "x-amzn-RequestId", rid);
  return json_pack("{s:s, s:{s:o, s:o, s:i}, s:{s:s}, s:I}", "ExecutionArn", arn, "SdkHttpMetadata",
                   "AllHttpHeaders", all, "HttpHeaders", hdrs, "HttpStatusCode", 200, "SdkResponseMetadata",
                   "RequestId", rid, "StartDate", (json_int_t)start_ms);
}

/* A JSON text as .sync:2 returns it: parsed (new), or the text itself. */
static json_t *sync2_value(const char *text) {
  json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
  return v ? v : json_string(text);
}

/* DescribeExecution's fields for a closed child, PascalCase, keys in the
 * order AWS serialises them (alphabetical). New reference. */
static json_t *describe_result(const struct child *ch, struct sd_exec *ex, int64_t stop_ms) {
  enum sd_exec_status st = sd_exec_status(ex);
  bool v2 = ch->pattern == P_SYNC2;
  json_t *out = json_object();
  const struct sd_err *e = st == SD_EXEC_SUCCEEDED ? NULL : sd_exec_error(ex);
  if (e != NULL && e->cause != NULL)
    json_object_set_new(out, "Cause", json_string(e->cause));
  if (e != NULL && e->name != NULL && e->name[0] != '\0')
    json_object_set_new(out, "Error", json_string(e->name));
  json_object_set_new(out, "ExecutionArn", json_string(sd_exec_arn(ex)));
  json_object_set_new(out, "Input", v2 ? sync2_value(ch->input_text) : json_string(ch->input_text));
  json_object_set_new(out, "InputDetails", json_pack("{s:b}", "Included", 1));
  json_object_set_new(out, "Name", json_string(sd_exec_name(ex)));
  if (st == SD_EXEC_SUCCEEDED) {
    json_t *o = sd_exec_output(ex); /* borrowed */
    char *text = sd_jsonw_dumps(o, NULL);
    json_object_set_new(out, "Output", v2 ? json_incref(o) : json_string(text ? text : "null"));
    free(text);
    json_object_set_new(out, "OutputDetails", json_pack("{s:b}", "Included", 1));
    /* Recorded since AWS added redrives (test_sfn_start_execution_sync);
     * the recordings of failed children predate them and have none. */
    json_object_set_new(out, "RedriveCount", json_integer(0));
    json_object_set_new(out, "RedriveStatus", json_string("NOT_REDRIVABLE"));
    json_object_set_new(out, "RedriveStatusReason",
                        json_string("Execution is SUCCEEDED and cannot be redriven"));
  }
  json_object_set_new(out, "StartDate", json_integer((json_int_t)sd_exec_start_ms(ex)));
  /* As DescribeExecution: the machine's own ARN, the version and alias
   * apart (api.DescribeExecutionOutput). */
  const char *version = NULL, *alias = NULL;
  if (ch->sc->host.qualifiers != NULL)
    ch->sc->host.qualifiers(ch->sc->host.self, sd_exec_arn(ex), &version, &alias);
  const char *q = version != NULL ? strrchr(ch->machine_arn, ':') : NULL;
  size_t n = q != NULL ? (size_t)(q - ch->machine_arn) : strlen(ch->machine_arn);
  if (alias != NULL)
    json_object_set_new(out, "StateMachineAliasArn", json_string(alias));
  json_object_set_new(out, "StateMachineArn", json_stringn(ch->machine_arn, n));
  if (version != NULL)
    json_object_set_new(out, "StateMachineVersionArn", json_string(version));
  json_object_set_new(out, "Status", json_string(sd_exec_status_name(st)));
  json_object_set_new(out, "StopDate", json_integer((json_int_t)stop_ms));
  return out;
}

/* ---- records ---- */

static void child_free(struct child *ch) {
  if (ch->prev != NULL)
    ch->prev->next = ch->next;
  else
    ch->sc->live = ch->next;
  if (ch->next != NULL)
    ch->next->prev = ch->prev;
  if (ch->call != NULL)
    ch->call->conn = NULL;
  free(ch->machine_arn);
  free(ch->input_text);
  free(ch->exec_arn);
  free(ch);
}

/* A watched child closed: the .sync task ends with it. */
static void on_closed(void *data, struct sd_exec *ex, int64_t stop_ms) {
  struct child *ch = data;
  struct sd_task_call *call = ch->call;
  if (call != NULL) {
    json_t *res = describe_result(ch, ex, stop_ms); /* new */
    call->conn = NULL;
    ch->call = NULL;
    if (sd_exec_status(ex) == SD_EXEC_SUCCEEDED) {
      sd_task_done(call, res, NULL);
    } else {
      struct sd_err err = { 0 };
      char *cause = sd_jsonw_dumps(res, NULL);
      sd_err_set_raw(&err, SD_E_TASK_FAILED, cause);
      free(cause);
      json_decref(res);
      sd_task_done(call, NULL, &err);
      sd_err_clear(&err);
    }
  }
  child_free(ch);
}

static void on_started(void *data, struct sd_exec *ex, const struct sd_err *err) {
  struct child *ch = data;
  struct sd_task_call *call = ch->call;
  ch->starting = false;
  if (ex != NULL)
    ch->exec_arn = sd_xstrdup(sd_exec_arn(ex));
  bool watched = ex != NULL && (ch->pattern == P_SYNC || ch->pattern == P_SYNC2);
  /* The same line the AWS calls log (aws_call.c): service, action, state. */
  if (call != NULL)
    sd_log(SD_LOG_INFO, "states StartExecution (state '%s'): %s%s%s", call->state_name,
           ex ? "ok: " : (err && err->name ? err->name : "failed"), ex ? ch->exec_arn : "",
           ex && watched ? ", waiting for it to end" : "");
  if (call == NULL) {
    /* The task let go while the host was starting: a .sync child goes too
     * (its close frees the record). */
    if (watched)
      ch->sc->host.stop(ch->sc->host.self, ch->exec_arn);
    else
      child_free(ch);
    return;
  }
  if (ex == NULL) {
    struct sd_err e = { 0 };
    sd_err_set_raw(&e, err && err->name ? err->name : "InternalFailure", err ? err->cause : NULL);
    sd_states_api_error(&e);
    child_free(ch);
    sd_task_done(call, NULL, &e);
    sd_err_clear(&e);
    return;
  }
  json_t *res = start_result(ch->exec_arn, sd_exec_start_ms(ex)); /* new */
  if (ch->pattern == P_RR) {
    child_free(ch);
    sd_task_done(call, res, NULL);
  } else if (ch->pattern == P_WAIT) {
    /* The child (or anyone) answers with the task token from now on. */
    child_free(ch);
    sd_task_submitted(call, res);
  } else {
    sd_task_submitted(call, res);
  }
}

struct sd_states_pending *sd_states_pending_new(void *host, const struct sd_states_start *req,
                                                sd_states_started_fn started) {
  struct sd_states_pending *p = sd_xcalloc(1, sizeof *p);
  p->host = host;
  p->machine_arn = sd_xstrdup(req->machine_arn);
  p->name = req->name ? sd_xstrdup(req->name) : NULL;
  p->input_text = sd_xstrdup(req->input_text);
  p->input = json_incref(req->input);
  p->started = started;
  p->closed = req->closed;
  p->data = req->data;
  return p;
}

void sd_states_pending_free(struct sd_states_pending *p) {
  free(p->machine_arn);
  free(p->name);
  free(p->input_text);
  json_decref(p->input);
  free(p);
}

/* ---- the connector ---- */

static bool pattern_of(const char *resource, enum pattern *p) {
  static const struct {
    const char *suffix;
    enum pattern p;
  } forms[] = { { "", P_RR }, { ".sync", P_SYNC }, { ".sync:2", P_SYNC2 }, { ".waitForTaskToken", P_WAIT } };
  size_t n = strlen(RESOURCE);
  if (strncmp(resource, RESOURCE, n) != 0)
    return false;
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
    if (strcmp(resource + n, forms[i].suffix) == 0) {
      *p = forms[i].p;
      return true;
    }
  return false;
}

static bool sx_serves(void *self, struct sd_exec *exec, const char *state_name, const char *resource) {
  (void)self;
  (void)exec;
  (void)state_name;
  enum pattern p;
  return pattern_of(resource, &p);
}

/* Input as StartExecution takes it: a string is the JSON text itself, any
 * other value is serialised, none is "{}" (connect-stepfunctions.html). */
static int read_input(json_t *in, json_t **value, char **text, struct sd_err *err) {
  if (in == NULL || json_is_null(in)) {
    *value = json_object();
    *text = sd_xstrdup("{}");
    return 0;
  }
  if (json_is_string(in)) {
    json_error_t je;
    *value = json_loads(json_string_value(in), JSON_DECODE_ANY, &je);
    if (*value == NULL)
      return sd_err_set(err, "InvalidExecutionInput",
                        "Invalid State Machine Execution Input: '%s at line %d, column %d'", je.text, je.line,
                        je.column);
    *text = sd_xstrdup(json_string_value(in));
    return 0;
  }
  *value = json_incref(in);
  *text = sd_jsonw_dumps(in, NULL);
  return 0;
}

/* Checks the Task's parameters as the API checks StartExecution's. */
static int read_params(json_t *params, const char **arn, const char **name, struct sd_err *err) {
  json_t *a = json_object_get(params, "StateMachineArn"), *n = json_object_get(params, "Name");
  if (!json_is_string(a))
    return sd_err_set(err, "ValidationException",
                      "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy "
                      "constraint: Member must not be null");
  *arn = json_string_value(a);
  *name = json_is_string(n) ? json_string_value(n) : NULL;
  if (n != NULL && !json_is_null(n) && (*name == NULL || !sd_states_name_ok(*name)))
    return sd_err_set(err, "InvalidName", "Invalid Name: '%s'", *name ? *name : "");
  return 0;
}

static int sx_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  struct sd_states_conn *sc = self;
  enum pattern pat = P_RR;
  pattern_of(call->resource, &pat);
  const char *arn = NULL, *name = NULL;
  json_t *value = NULL;
  char *text = NULL;
  if (!json_is_object(call->params)) {
    sd_err_set(err, "ValidationException", "The Parameters of a startExecution task must be an object");
    goto fail;
  }
  if (read_params(call->params, &arn, &name, err) != 0 ||
      read_input(json_object_get(call->params, "Input"), &value, &text, err) != 0)
    goto fail;
  struct child *ch = sd_xcalloc(1, sizeof *ch);
  ch->sc = sc;
  ch->call = call;
  ch->pattern = pat;
  ch->machine_arn = sd_xstrdup(arn);
  ch->input_text = text;
  ch->starting = true;
  ch->next = sc->live;
  if (sc->live != NULL)
    sc->live->prev = ch;
  sc->live = ch;
  call->conn = ch;
  struct sd_states_start req = {
    .machine_arn = arn,
    .name = name,
    .input = value,
    .input_text = text,
    .closed = pat == P_SYNC || pat == P_SYNC2 ? on_closed : NULL,
    .data = ch,
  };
  int rc = sc->host.start(sc->host.self, &req, on_started, err);
  json_decref(value);
  if (rc != 0) {
    child_free(ch);
    sd_states_api_error(err);
  }
  return rc;
fail:
  sd_states_api_error(err);
  return -1;
}

/* The task let go (parent stopped, Task timeout, a token answer). */
static void sx_cancel(void *self, struct sd_task_call *call) {
  struct sd_states_conn *sc = self;
  struct child *ch = call->conn;
  if (ch == NULL)
    return;
  call->conn = NULL;
  ch->call = NULL;
  if (ch->starting)
    return; /* on_started finishes it */
  if (ch->exec_arn != NULL && (ch->pattern == P_SYNC || ch->pattern == P_SYNC2))
    sc->host.stop(sc->host.self, ch->exec_arn); /* its close frees the record */
  else
    child_free(ch);
}

static void sx_free(void *self) {
  struct sd_states_conn *sc = self;
  while (sc->live != NULL)
    child_free(sc->live);
  free(sc);
}

static const struct sd_connector_ops states_exec_ops = {
  .name = "states",
  .serves = sx_serves,
  .start = sx_start,
  .cancel = sx_cancel,
  .free = sx_free,
};

struct sd_states_conn *sd_states_conn_new(const struct sd_states_host *host) {
  struct sd_states_conn *sc = sd_xcalloc(1, sizeof *sc);
  sc->host = *host;
  return sc;
}

void sd_states_conn_connector(struct sd_states_conn *sc, struct sd_connector *out) {
  out->ops = &states_exec_ops;
  out->self = sc;
}
