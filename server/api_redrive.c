/* RedriveExecution: a FAILED, TIMED_OUT or ABORTED STANDARD execution
 * starts again where it stopped (engine/resume.c, sd_exec_redrive), with
 * the same ARN, input and history, as AWS does
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html),
 * and the redrive fields DescribeExecution and ListExecutions report. Not
 * for: what runs again (the engine decides from the execution's rows). */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"
#include "server/registry.h"

/* AWS: executions can be redriven within 14 days of their stop, at most
 * 1,000 times. */
#define REDRIVE_WINDOW_MS (14LL * 24 * 3600 * 1000)
#define REDRIVE_MAX       1000
/* RedriveExecutionInput.clientToken (the API model): "The API will return
 * idempotent responses for the last 10 client tokens used to successfully
 * redrive the execution. These client tokens are valid for up to 15
 * minutes after they are first used." */
#define TOKEN_KEEP      10
#define TOKEN_WINDOW_MS (15LL * 60 * 1000)

const char *sd_api_redrive_reason(json_t *row, int64_t now_ms) {
  const char *status = json_string_value(json_object_get(row, "status"));
  if (status == NULL || strcmp(status, "RUNNING") == 0)
    return "Execution is RUNNING and cannot be redriven";
  if (strcmp(status, "SUCCEEDED") == 0)
    return "Execution is SUCCEEDED and cannot be redriven";
  if (now_ms - json_integer_value(json_object_get(row, "stop_ms")) > REDRIVE_WINDOW_MS)
    return "Execution redrivable period exceeded";
  const char *frame = json_string_value(json_object_get(row, "frame"));
  if (frame == NULL)
    return "Execution was started before the launch of RedriveExecution";
  if (strstr(frame, "\"mode\":\"none\"") != NULL)
    return "Execution history event limit exceeded";
  if (json_integer_value(json_object_get(row, "redrive_count")) >= REDRIVE_MAX)
    return "Execution redrive count limit exceeded";
  return NULL;
}

void sd_api_redrive_fields(json_t *out, json_t *row, int64_t now_ms) {
  json_object_set_new(out, "redriveCount",
                      json_integer(json_integer_value(json_object_get(row, "redrive_count"))));
  int64_t redrive_ms = json_integer_value(json_object_get(row, "redrive_ms"));
  if (redrive_ms > 0)
    json_object_set_new(out, "redriveDate", sd_api_time(redrive_ms));
  const char *why = sd_api_redrive_reason(row, now_ms);
  json_object_set_new(out, "redriveStatus", json_string(why ? "NOT_REDRIVABLE" : "REDRIVABLE"));
  if (why != NULL)
    json_object_set_new(out, "redriveStatusReason", json_string(why));
}

struct redrive {
  struct sd_api_call *c;
  char *arn;   /* owned */
  char *token; /* clientToken; owned; NULL when none was given */
  int64_t ms;  /* the redrive date */
  int waits;   /* barriers waited for a closing record to go */
};

static void redrive_free(struct redrive *r) {
  free(r->arn);
  free(r->token);
  free(r);
}

/* ---- clientToken ----
 * api->redrive_tokens maps an execution ARN to an array of its last
 * successful tokens, oldest first: [token, first used (ms), redriveDate
 * (ms)]. Kept in memory: a restart forgets them, which at worst lets a
 * retry that crosses the restart redrive an execution that failed again
 * (one still running refuses it as RUNNING). */

/* The entries of `arn` less their expired ones; borrowed, NULL for none. */
static json_t *tokens_of(struct sd_api *api, const char *arn, int64_t now_ms) {
  json_t *list = json_object_get(api->redrive_tokens, arn); /* borrowed */
  size_t i = 0;
  while (i < json_array_size(list)) {
    json_t *e = json_array_get(list, i);
    if (now_ms - json_integer_value(json_array_get(e, 1)) > TOKEN_WINDOW_MS)
      json_array_remove(list, i);
    else
      i++;
  }
  if (list != NULL && json_array_size(list) == 0) {
    json_object_del(api->redrive_tokens, arn);
    return NULL;
  }
  return list;
}

/* The redrive date a live `token` of `arn` answered with, or -1. */
static int64_t token_date(struct sd_api *api, const char *arn, const char *token, int64_t now_ms) {
  json_t *list = tokens_of(api, arn, now_ms);
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    if (strcmp(json_string_value(json_array_get(e, 0)), token) == 0)
      return json_integer_value(json_array_get(e, 2));
  }
  return -1;
}

/* Drops the tables of executions whose tokens all expired, so that the
 * map does not grow with every execution ever redriven. */
static void tokens_sweep(struct sd_api *api, int64_t now_ms) {
  json_t *keys = json_array(); /* new */
  const char *arn;
  json_t *list;
  json_object_foreach(api->redrive_tokens, arn, list) {
    json_t *newest = json_array_get(list, json_array_size(list) - 1);
    if (now_ms - json_integer_value(json_array_get(newest, 1)) > TOKEN_WINDOW_MS)
      json_array_append_new(keys, json_string(arn));
  }
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) {
    json_object_del(api->redrive_tokens, json_string_value(k));
  }
  json_decref(keys);
}

static void token_remember(struct sd_api *api, const char *arn, const char *token, int64_t now_ms,
                           int64_t date_ms) {
  if (api->redrive_tokens == NULL)
    api->redrive_tokens = json_object();
  else if (json_object_size(api->redrive_tokens) >= 1024)
    tokens_sweep(api, now_ms);
  json_t *list = tokens_of(api, arn, now_ms); /* borrowed */
  if (list == NULL) {
    list = json_array();
    json_object_set_new(api->redrive_tokens, arn, list);
  }
  json_array_append_new(list, json_pack("[s, I, I]", token, (json_int_t)now_ms, (json_int_t)date_ms));
  while (json_array_size(list) > TOKEN_KEEP)
    json_array_remove(list, 0);
}

static void token_forget(struct sd_api *api, const char *arn, const char *token) {
  json_t *list = json_object_get(api->redrive_tokens, arn); /* borrowed */
  for (size_t i = 0; i < json_array_size(list); i++) {
    if (strcmp(json_string_value(json_array_get(json_array_get(list, i), 0)), token) == 0) {
      json_array_remove(list, i);
      return;
    }
  }
}

static void answered(void *data, int status) {
  struct redrive *r = data;
  if (status != 0) {
    if (r->token != NULL) /* nothing was redriven: a retry may try again */
      token_forget(r->c->api, r->arn, r->token);
    sd_api_error(r->c, "InternalFailure", "the redrive could not be written to the database");
  } else {
    sd_api_reply(r->c, json_pack("{s:o}", "redriveDate", sd_api_time(r->ms)));
  }
  redrive_free(r);
}

/* The last committed event id of the execution (history is flushed). */
static int64_t last_event_id(struct sd_store *s, const char *arn, struct sd_err *err) {
  json_t *last = sd_store_history(s, arn, 0, 1, true, err); /* new */
  int64_t id = json_integer_value(json_object_get(json_array_get(last, 0), "id"));
  json_decref(last);
  return id;
}

/* Starts the execution again and registers it as running; answers an
 * error and returns -1 when it cannot. */
static int redrive_start(struct redrive *r, json_t *row) {
  struct sd_api *api = r->c->api;
  const char *machine_arn = json_string_value(json_object_get(row, "machine_arn"));
  struct sd_reg_machine *m = machine_arn ? sd_registry_machine(api->reg, machine_arn) : NULL;
  if (m == NULL || m->deleted)
    return sd_api_error(r->c, "ExecutionNotRedrivable", "State machine is in DELETING status");
  struct sd_err err = { 0 };
  json_t *frames = sd_store_exec_frames(api->store, r->arn, &err); /* new */
  int64_t last_id = frames ? last_event_id(api->store, r->arn, &err) : 0;
  if (frames == NULL || err.name != NULL) {
    json_decref(frames);
    sd_api_error(r->c, "InternalFailure", "%s", err.cause ? err.cause : "the store cannot be read");
    sd_err_clear(&err);
    return -1;
  }
  const char *input = json_string_value(json_object_get(row, "input"));
  json_t *value = json_loads(input ? input : "{}", JSON_DECODE_ANY, NULL); /* new */
  int count = (int)json_integer_value(json_object_get(row, "redrive_count")) + 1;
  struct sd_exec_opts xo = {
    .machine = m->m,
    .machine_name = m->name,
    .name = json_string_value(json_object_get(row, "name")),
    .type = "STANDARD",
    .role_arn = m->role_arn,
    .input = value,
    .done = sd_api_exec_done,
    .data = api,
  };
  struct sd_exec *ex = sd_exec_redrive(api->eng, &xo, json_integer_value(json_object_get(row, "start_ms")),
                                       last_id, frames, count, &err);
  json_decref(value);
  json_decref(frames);
  if (ex == NULL) {
    sd_api_error(r->c, "ExecutionNotRedrivable", "%s",
                 err.cause ? err.cause : "Execution cannot be redriven");
    sd_err_clear(&err);
    return -1;
  }
  sd_api_exec_adopt(api, ex, m, row);
  r->ms = sd_exec_redrive_ms(ex);
  sd_log(SD_LOG_INFO, "execution %s redriven (%d)", r->arn, count);
  return 0;
}

static void redrive_flushed(void *data, int status) {
  struct redrive *r = data;
  struct sd_api *api = r->c->api;
  if (status != 0) {
    sd_api_error(r->c, "InternalFailure", "the store cannot be read: a write failed");
    redrive_free(r);
    return;
  }
  int64_t now_ms = sd_engine_now(api->eng);
  int64_t date_ms = r->token ? token_date(api, r->arn, r->token, now_ms) : -1;
  if (date_ms >= 0) {
    /* A retry of a redrive that worked: the same answer, once it is
     * committed (the first may still be on its way to the disk). */
    r->ms = date_ms;
    sd_engine_flush(api->eng, answered, r);
    return;
  }
  struct sd_reg_exec *x = sd_registry_exec(api->reg, r->arn);
  if (x != NULL && x->ex != NULL && sd_exec_status(x->ex) == SD_EXEC_RUNNING) {
    sd_api_error(r->c, "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven");
    redrive_free(r);
    return;
  }
  if (x != NULL && r->waits++ < 1000) {
    /* Closed a moment ago: its record goes once its row is complete. */
    sd_engine_flush(api->eng, redrive_flushed, r);
    return;
  }
  struct sd_err err = { 0 };
  json_t *row = sd_store_exec_get(api->store, r->arn, &err); /* new */
  const char *why = row ? sd_api_redrive_reason(row, now_ms) : NULL;
  if (row == NULL) {
    sd_api_error(r->c,
                 err.name && strcmp(err.name, "ExecutionDoesNotExist") == 0 ? err.name : "InternalFailure",
                 "%s", err.cause ? err.cause : "");
  } else if (why != NULL) {
    sd_api_error(r->c, "ExecutionNotRedrivable", "%s", why);
  } else if (redrive_start(r, row) == 0) {
    if (r->token != NULL)
      token_remember(api, r->arn, r->token, now_ms, r->ms);
    json_decref(row);
    sd_engine_flush(api->eng, answered, r); /* write ahead, then answer */
    return;
  }
  json_decref(row);
  sd_err_clear(&err);
  redrive_free(r);
}

/* The ClientToken shape: length 1 to 64, pattern [!-~]+. */
static int check_token(struct sd_api_call *c, const char *token) {
  size_t len = strlen(token);
  if (len < 1 || len > 64)
    return sd_api_error(c, "ValidationException",
                        "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: "
                        "Member must have length %s",
                        len < 1 ? "greater than or equal to 1" : "less than or equal to 64");
  for (size_t i = 0; i < len; i++) {
    if (token[i] < '!' || token[i] > '~')
      return sd_api_error(c, "ValidationException",
                          "1 validation error detected: Value '%s' at 'clientToken' failed to satisfy "
                          "constraint: Member must satisfy regular expression pattern: [!-~]+",
                          token);
  }
  return 0;
}

void sd_api_redrive_execution(struct sd_api_call *c) {
  const char *arn, *token;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 ||
      sd_api_get_str(c, "clientToken", false, &token) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  if (token != NULL && check_token(c, token) != 0)
    return;
  struct redrive *r = sd_xcalloc(1, sizeof *r);
  r->c = c;
  r->arn = sd_xstrdup(arn);
  r->token = token ? sd_xstrdup(token) : NULL;
  sd_engine_flush(c->api->eng, redrive_flushed, r);
}
