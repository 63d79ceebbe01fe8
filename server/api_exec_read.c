/* Execution actions answered from memory while an execution runs and from
 * the store once it is closed (freed after recording) or when it belongs to
 * an earlier run: DescribeExecution, DescribeStateMachineForExecution,
 * ListExecutions, StopExecution. Store reads wait on a writer barrier, then
 * run on a worker through the read handle (docs/server.md). */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/store.h"
#include "server/registry.h"

/* DescribeExecutionOutput from an execution's fields (strings borrowed;
 * output, error and cause may be NULL and are then left out, not null). */
static json_t *describe_json(const char *arn, const char *machine_arn, const char *name, const char *status,
                             int64_t start_ms, int64_t stop_ms, const char *input, const char *output,
                             const char *error, const char *cause, const char *version_arn,
                             const char *alias_arn) {
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
  /* AWS: both when started through an alias, the version alone when
   * started on a version, neither for the machine's own ARN. */
  if (version_arn != NULL)
    json_object_set_new(out, "stateMachineVersionArn", json_string(version_arn));
  if (alias_arn != NULL)
    json_object_set_new(out, "stateMachineAliasArn", json_string(alias_arn));
  return out;
}

/* ---- answers read from the store ----
 *
 * Closed executions are not in memory (on_exec_done frees them), and an
 * earlier run's never were: their answers come from the store, read after
 * a writer barrier so that every row written before the request is there.
 * With a read handle (a file) the read runs on a worker; with :memory:
 * there is only the writer's handle, free inside the barrier, and the read
 * runs there. */
struct sread {
  struct sd_api_call *c;
  json_t *(*read)(struct sread *r, struct sd_store *s); /* on the worker: the result, new, or NULL with err */
  void (*answer)(struct sread *r);                      /* on the loop: answers c */
  uv_work_t work;
  json_t *res; /* owned */
  struct sd_err err;
  char *arn;     /* owned */
  char *filter;  /* ListExecutions: statusFilter; owned or NULL */
  char *redrive; /* ListExecutions: redriveFilter; owned or NULL */
  int64_t before_ms, before_id;
  size_t limit;
  char qualified; /* ListExecutions: 'v' by version ARN, 'a' by alias ARN, 0 by machine */
};

static void sread_finish(struct sread *r) {
  r->answer(r);
  json_decref(r->res);
  sd_err_clear(&r->err);
  free(r->arn);
  free(r->filter);
  free(r->redrive);
  free(r);
}

/* Answers a failed read: ExecutionDoesNotExist as the store words it,
 * anything else as InternalFailure. */
static void sread_error(struct sread *r) {
  if (r->err.name != NULL && strcmp(r->err.name, "ExecutionDoesNotExist") == 0)
    sd_api_error(r->c, r->err.name, "%s", r->err.cause ? r->err.cause : "");
  else
    sd_api_error(r->c, "InternalFailure", "%s", r->err.cause ? r->err.cause : "the store cannot be read");
}

static void sread_work(uv_work_t *req) {
  struct sread *r = req->data;
  r->res = r->read(r, r->c->api->reader);
}

static void sread_work_done(uv_work_t *req, int status) {
  struct sread *r = req->data;
  if (status != 0 && r->res == NULL && r->err.name == NULL)
    sd_err_set(&r->err, "InternalFailure", "the read was cancelled");
  sread_finish(r);
}

static void sread_flushed(void *data, int status) {
  struct sread *r = data;
  struct sd_api *api = r->c->api;
  if (status != 0) {
    sd_err_set(&r->err, "InternalFailure", "the store cannot be read: a write failed");
  } else if (api->reader != NULL) {
    r->work.data = r;
    uv_queue_work(sd_engine_loop(api->eng), &r->work, sread_work, sread_work_done);
    return;
  } else {
    r->res = r->read(r, api->store);
  }
  sread_finish(r);
}

static struct sread *sread_new(struct sd_api_call *c, const char *arn,
                               json_t *(*read)(struct sread *, struct sd_store *),
                               void (*answer)(struct sread *)) {
  struct sread *r = sd_xcalloc(1, sizeof *r);
  r->c = c;
  r->arn = sd_xstrdup(arn);
  r->read = read;
  r->answer = answer;
  return r;
}

static void sread_start(struct sread *r) {
  sd_engine_flush(r->c->api->eng, sread_flushed, r);
}

static json_t *read_exec_row(struct sread *r, struct sd_store *s) {
  return sd_store_exec_get(s, r->arn, &r->err);
}

static void describe_answer(struct sread *r) {
  json_t *row = r->res; /* borrowed */
  if (row == NULL) {
    sread_error(r);
    return;
  }
  const char *name = sd_store_row_str(row, "name", NULL),
             *machine = sd_store_row_str(row, "machine_arn", NULL);
  const char *st = sd_store_row_str(row, "status", NULL), *input = sd_store_row_str(row, "input", NULL);
  json_t *out =
      describe_json(r->arn, machine ? machine : "", name ? name : "", st ? st : "RUNNING",
                    json_integer_value(json_object_get(row, "start_ms")),
                    json_integer_value(json_object_get(row, "stop_ms")), input ? input : "{}",
                    sd_store_row_str(row, "output", NULL), sd_store_row_str(row, "error", NULL),
                    sd_store_row_str(row, "cause", NULL), sd_store_row_str(row, "version_arn", NULL),
                    sd_store_row_str(row, "alias_arn", NULL)); /* new */
  sd_api_redrive_fields(out, row, sd_engine_now(r->c->api->eng));
  sd_api_reply(r->c, out);
}

void sd_api_describe_execution(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x == NULL) {
    sread_start(sread_new(c, arn, read_exec_row, describe_answer));
    return;
  }
  json_t *out =
      describe_json(x->arn, x->machine_arn, x->name, sd_exec_status_name(x->status), x->start_ms, x->stop_ms,
                    x->input, x->output, x->error, x->cause, x->version_arn, x->alias_arn); /* new */
  /* Redrive fields as a store row would give them; a closed record's row
   * has its redrive point (a moment later, the store answers exactly). */
  json_t *row = json_pack(
      "{s:s, s:I, s:i, s:I, s:s}", "status", sd_exec_status_name(x->status), "stop_ms",
      (json_int_t)x->stop_ms, "redrive_count", x->ex ? sd_exec_redrive_count(x->ex) : x->redrive_count,
      "redrive_ms", (json_int_t)(x->ex ? sd_exec_redrive_ms(x->ex) : x->redrive_ms), "frame", "{}"); /* new */
  sd_api_redrive_fields(out, row, sd_engine_now(c->api->eng));
  json_decref(row);
  sd_api_reply(c, out);
}

/* The revision `m` (a version's too) under the machine's own ARN, as AWS
 * answers for an execution started on a version. */
static json_t *machine_for_execution(const char *machine_arn, const struct sd_reg_machine *m) {
  json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:b}, s:{s:b}}", "stateMachineArn", machine_arn,
                          "name", m->name, "definition", m->definition, "roleArn", m->role_arn, "updateDate",
                          sd_api_time(m->updated_ms), "loggingConfiguration", "level", "OFF",
                          "includeExecutionData", 0, "tracingConfiguration", "enabled", 0); /* new */
  if (m->revision_id != NULL)
    json_object_set_new(out, "revisionId", json_string(m->revision_id));
  return out;
}

/* The execution's row and the machine revision it names. */
static json_t *read_exec_machine(struct sread *r, struct sd_store *s) {
  json_t *row = sd_store_exec_get(s, r->arn, &r->err);  /* new */
  json_t *rev = json_object_get(row, "machine_rev_ms"); /* borrowed */
  const char *machine_arn = sd_store_row_str(row, "machine_arn", NULL);
  if (rev != NULL && machine_arn != NULL) {
    struct sd_err err = { 0 };
    json_t *m = sd_store_machine_revision(s, machine_arn, json_integer_value(rev), &err); /* new */
    sd_err_clear(&err);
    if (m != NULL)
      json_object_set_new(row, "revision", m);
  }
  return row;
}

/* A closed execution: the revision it ran, from the store; an execution
 * recorded without one (:memory:) gets its machine's current revision. */
static void dsmfe_answer(struct sread *r) {
  if (r->res == NULL) {
    sread_error(r);
    return;
  }
  json_t *rev = json_object_get(r->res, "revision"); /* borrowed */
  if (rev != NULL) {
    json_t *out =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:b}, s:{s:b}}", "stateMachineArn",
                  sd_store_row_str(rev, "arn", NULL), "name", sd_store_row_str(rev, "name", NULL),
                  "definition", sd_store_row_str(rev, "definition", NULL), "roleArn",
                  sd_store_row_str(rev, "role_arn", NULL), "updateDate",
                  sd_api_time(json_integer_value(json_object_get(rev, "updated_ms"))), "loggingConfiguration",
                  "level", "OFF", "includeExecutionData", 0, "tracingConfiguration", "enabled", 0); /* new */
    if (sd_store_row_str(rev, "revision_id", NULL) != NULL)
      json_object_set_new(out, "revisionId", json_string(sd_store_row_str(rev, "revision_id", NULL)));
    sd_api_reply(r->c, out);
    return;
  }
  const char *machine_arn = sd_store_row_str(r->res, "machine_arn", NULL);
  struct sd_reg_machine *m = machine_arn ? sd_registry_machine(r->c->api->reg, machine_arn) : NULL;
  if (m == NULL)
    sd_api_error(r->c, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", r->arn);
  else
    sd_api_reply(r->c, machine_for_execution(m->arn, m));
}

/* DescribeStateMachineForExecution: the machine as a running execution
 * runs it (the registry keeps a replaced or deleted machine's record for
 * its executions). */
void sd_api_describe_state_machine_for_execution(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x == NULL || x->machine == NULL) {
    sread_start(sread_new(c, arn, read_exec_machine, dsmfe_answer));
    return;
  }
  sd_api_reply(c, machine_for_execution(x->machine_arn, x->machine));
}

static bool status_valid(const char *s) {
  static const char *const names[] = { "RUNNING",   "SUCCEEDED", "FAILED",
                                       "TIMED_OUT", "ABORTED",   "PENDING_REDRIVE" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i]) == 0)
      return true;
  return false;
}

static json_t *read_exec_page(struct sread *r, struct sd_store *s) {
  if (r->qualified != 0)
    return sd_store_exec_list_qualified(s, r->qualified == 'v' ? r->arn : NULL,
                                        r->qualified == 'a' ? r->arn : NULL, r->filter, r->before_ms,
                                        r->before_id, r->limit + 1, &r->err);
  return sd_store_exec_list(s, r->arn, r->filter, r->before_ms, r->before_id, r->limit + 1, &r->err);
}

static void list_answer(struct sread *r) {
  if (r->res == NULL) {
    sread_error(r);
    return;
  }
  json_t *list = json_array(); /* new */
  json_t *out = json_object(); /* new */
  size_t i;
  json_t *row;
  json_array_foreach(r->res, i, row) {
    if (i == r->limit) {
      /* One more than the page came: the next page starts below the
       * last row handed out. */
      json_t *last = json_array_get(r->res, i - 1); /* borrowed */
      char tok[64];
      snprintf(tok, sizeof tok, "ex.%lld.%lld",
               (long long)json_integer_value(json_object_get(last, "start_ms")),
               (long long)json_integer_value(json_object_get(last, "id")));
      json_object_set_new(out, "nextToken", json_string(tok));
      break;
    }
    const char *st = sd_store_row_str(row, "status", NULL), *name = sd_store_row_str(row, "name", NULL),
               *arn = sd_store_row_str(row, "arn", NULL);
    const char *machine = sd_store_row_str(row, "machine_arn", NULL);
    json_t *item =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "executionArn", arn ? arn : "", "stateMachineArn",
                  machine ? machine : r->arn, "name", name ? name : "", "status", st ? st : "RUNNING",
                  "startDate", sd_api_time(json_integer_value(json_object_get(row, "start_ms"))));
    if (sd_store_row_str(row, "version_arn", NULL) != NULL)
      json_object_set_new(item, "stateMachineVersionArn",
                          json_string(sd_store_row_str(row, "version_arn", NULL)));
    if (sd_store_row_str(row, "alias_arn", NULL) != NULL)
      json_object_set_new(item, "stateMachineAliasArn",
                          json_string(sd_store_row_str(row, "alias_arn", NULL)));
    if (st != NULL && strcmp(st, "RUNNING") != 0)
      json_object_set_new(item, "stopDate", sd_api_time(json_integer_value(json_object_get(row, "stop_ms"))));
    json_int_t redrives = json_integer_value(json_object_get(row, "redrive_count"));
    json_object_set_new(item, "redriveCount", json_integer(redrives));
    if (redrives > 0)
      json_object_set_new(item, "redriveDate",
                          sd_api_time(json_integer_value(json_object_get(row, "redrive_ms"))));
    /* redriveFilter: applied to the page read, so a page may come short
     * (AWS allows it); nextToken goes on from the last row read. */
    if (r->redrive != NULL && (strcmp(r->redrive, "REDRIVEN") == 0) != (redrives > 0)) {
      json_decref(item);
      continue;
    }
    json_array_append_new(list, item);
  }
  json_object_set_new(out, "executions", list);
  sd_api_reply(r->c, out);
}

/* nextToken of ListExecutions: "ex.<start_ms>.<id>", the key of the last
 * execution handed out. 0, or -1 after answering InvalidToken. */
static int get_list_token(struct sd_api_call *c, int64_t *before_ms, int64_t *before_id) {
  const char *tok;
  *before_ms = INT64_MAX;
  *before_id = INT64_MAX;
  if (sd_api_get_str(c, "nextToken", false, &tok) != 0)
    return -1;
  if (tok == NULL)
    return 0;
  long long ms = 0, id = 0;
  int end = 0;
  if (sscanf(tok, "ex.%lld.%lld%n", &ms, &id, &end) != 2 || tok[end] != '\0' || ms < 0 || id <= 0)
    return sd_api_error(c, "InvalidToken", "Invalid Token: '%s'", tok);
  *before_ms = ms;
  *before_id = id;
  return 0;
}

/* ListExecutions: from the store, so executions of earlier runs are
 * listed too; newest first, paged by key (start_ms, id). */
void sd_api_list_executions(struct sd_api_call *c) {
  const char *machine_arn, *filter, *redrive;
  int64_t max, before_ms, before_id;
  if (sd_api_get_str(c, "stateMachineArn", true, &machine_arn) != 0 ||
      sd_api_get_str(c, "statusFilter", false, &filter) != 0 ||
      sd_api_get_str(c, "redriveFilter", false, &redrive) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 ||
      get_list_token(c, &before_ms, &before_id) != 0 || sd_api_check_arn(c, machine_arn, "stateMachine") != 0)
    return;
  if (filter != NULL && !status_valid(filter)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member "
        "must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]",
        filter);
    return;
  }
  if (redrive != NULL && strcmp(redrive, "REDRIVEN") != 0 && strcmp(redrive, "NOT_REDRIVEN") != 0) {
    sd_api_error(c, "ValidationException",
                 "1 validation error detected: Value '%s' at 'redriveFilter' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]",
                 redrive);
    return;
  }
  /* A version or alias ARN lists the executions started through it. */
  char qualified = 0;
  struct sd_reg_machine *m;
  if (sd_api_arn_parts(machine_arn) == 8) {
    bool found = sd_registry_version(c->api->reg, machine_arn, &m) != NULL;
    qualified = found ? 'v' : 'a';
    if (!found && sd_registry_alias(c->api->reg, machine_arn, &m) == NULL)
      m = NULL;
  } else {
    m = sd_registry_machine(c->api->reg, machine_arn);
  }
  if (m == NULL) {
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", machine_arn);
    return;
  }
  /* AWS keeps no list of EXPRESS executions (CloudWatch Logs has them). */
  if (strcmp(m->type, "EXPRESS") == 0) {
    sd_api_error(c, "StateMachineTypeNotSupported",
                 "This operation is not supported by this type of state machine");
    return;
  }
  struct sread *r = sread_new(c, machine_arn, read_exec_page, list_answer);
  r->qualified = qualified;
  r->filter = filter ? sd_xstrdup(filter) : NULL;
  r->redrive = redrive ? sd_xstrdup(redrive) : NULL;
  r->before_ms = before_ms;
  r->before_id = before_id;
  r->limit = max == 0 ? 100 : (size_t)max; /* the API's default page size */
  sread_start(r);
}

/* After the stop is committed: the execution's done callback (an earlier
 * barrier) has recorded it and freed its record, so its stop time is the
 * row's. A closed execution is left as it is and its stop time returned. */
static void stop_answer(struct sread *r) {
  if (r->res == NULL)
    sread_error(r);
  else
    sd_api_reply(r->c, json_pack("{s:o}", "stopDate",
                                 sd_api_time(json_integer_value(json_object_get(r->res, "stop_ms")))));
}

void sd_api_stop_execution(struct sd_api_call *c) {
  const char *arn, *error, *cause;
  if (sd_api_get_str(c, "executionArn", true, &arn) != 0 || sd_api_get_str(c, "error", false, &error) != 0 ||
      sd_api_get_str(c, "cause", false, &cause) != 0 || sd_api_check_arn(c, arn, "execution") != 0)
    return;
  struct sd_reg_exec *x = sd_registry_exec(c->api->reg, arn);
  if (x != NULL && x->status == SD_EXEC_RUNNING)
    sd_exec_stop(x->ex, error, cause);
  sread_start(sread_new(c, arn, read_exec_row, stop_answer));
}
