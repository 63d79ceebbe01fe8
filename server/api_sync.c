/* StartSyncExecution (EXPRESS machines run to completion while the request
 * waits) and the Step Functions Local mock test cases that StartExecution
 * and StartSyncExecution select with "<machine ARN>#<TestCase>".
 *
 * A synchronous execution is not put in the registry: its ARN is an
 * "express" one, which DescribeExecution, StopExecution and
 * GetExecutionHistory refuse as AWS does (InvalidArn), so nothing but this
 * file ever looks it up. It records no history (AWS keeps none for
 * EXPRESS); its row is still written, as for every execution. The request
 * stays parked (http.c suspends the connection) until the engine's done
 * callback, which comes once the last write is committed. */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "integrations/mock.h"
#include "server/registry.h"

/* ---- mock test cases ---- */

void sd_api_mock_split(struct sd_api *api, const char *arn, char **machine_arn, char **test_case) {
  const char *hash = api->mock != NULL ? strchr(arn, '#') : NULL;
  /* A bare trailing '#' names no test case: the ARN stays whole and names
   * no machine. */
  if (hash == NULL || hash[1] == '\0') {
    *machine_arn = sd_xstrdup(arn);
    *test_case = NULL;
    return;
  }
  *machine_arn = sd_xstrndup(arn, (size_t)(hash - arn));
  *test_case = sd_xstrdup(hash + 1);
}

/* The key a test case is checked under before the execution exists: no
 * execution ARN contains a space. */
#define PROBE_ARN "mock check"

int sd_api_mock_check(struct sd_api_call *c, const char *machine, const char *test_case) {
  struct sd_err err = { 0 };
  /* Selecting checks the test case and every response it names; the
   * selection itself is dropped at once. */
  int rc = sd_mock_select(c->api->mock, PROBE_ARN, machine, test_case, &err);
  sd_mock_release(c->api->mock, PROBE_ARN);
  if (rc != 0) {
    sd_api_error(c, "ValidationException", "Invalid mock test case '%s': %s", test_case,
                 err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return -1;
  }
  return 0;
}

void sd_api_mock_bind(struct sd_api *api, const char *exec_arn, const char *machine, const char *test_case) {
  if (api->mock == NULL || test_case == NULL)
    return;
  struct sd_err err = { 0 };
  /* Checked before the start (sd_api_mock_check): cannot fail now. */
  if (sd_mock_select(api->mock, exec_arn, machine, test_case, &err) != 0) {
    sd_log(SD_LOG_ERROR, "execution %s: test case '%s': %s", exec_arn, test_case,
           err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
}

void sd_api_mock_release(struct sd_api *api, const char *exec_arn) {
  if (api->mock != NULL)
    sd_mock_release(api->mock, exec_arn);
}

/* ---- StartSyncExecution ---- */

struct sync {
  struct sync *prev, *next; /* the waiting list, for shutdown */
  struct sd_api_call *c;
  char *machine_arn; /* owned */
  char *input;       /* the input text as given; owned */
  bool with_data;    /* includedData ALL_DATA (the default) */
  struct sd_exec *ex;
};

/* The requests still waiting. One server runs per process, and the list
 * only serves shutdown (sd_api_sync_close). */
static struct sync *waiting;

static void sync_unlink(struct sync *s) {
  if (s->prev)
    s->prev->next = s->next;
  else
    waiting = s->next;
  if (s->next)
    s->next->prev = s->prev;
}

/* AWS bills Express executions by 100 ms of duration and 64 MB of memory. */
static json_t *billing(int64_t ms) {
  int64_t billed = ms <= 0 ? 100 : (ms + 99) / 100 * 100;
  return json_pack("{s:I, s:I}", "billedMemoryUsedInMB", (json_int_t)64, "billedDurationInMilliseconds",
                   (json_int_t)billed);
}

static void sync_done(struct sd_exec *ex, void *data) {
  struct sync *s = data;
  struct sd_api *api = s->c->api;
  int64_t start_ms = sd_exec_start_ms(ex);
  int64_t stop_ms = sd_engine_now(api->eng);
  enum sd_exec_status status = sd_exec_status(ex);
  json_t *out =
      json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "executionArn", sd_exec_arn(ex), "stateMachineArn",
                s->machine_arn, "name", sd_exec_name(ex), "startDate", sd_api_time(start_ms), "stopDate",
                sd_api_time(stop_ms), "status", sd_exec_status_name(status)); /* new */
  if (s->with_data) {
    json_object_set_new(out, "input", json_string(s->input));
    json_object_set_new(out, "inputDetails", json_pack("{s:b}", "included", 1));
  }
  if (status == SD_EXEC_SUCCEEDED) {
    if (s->with_data) {
      char *text = sd_jsonw_dumps(sd_exec_output(ex), NULL);
      json_object_set_new(out, "output", json_string(text));
      json_object_set_new(out, "outputDetails", json_pack("{s:b}", "included", 1));
      free(text);
    }
  } else {
    const struct sd_err *err = sd_exec_error(ex); /* borrowed */
    if (err->name != NULL && err->name[0] != '\0')
      json_object_set_new(out, "error", json_string(err->name));
    if (err->cause != NULL)
      json_object_set_new(out, "cause", json_string(err->cause));
  }
  json_object_set_new(out, "billingDetails", billing(stop_ms - start_ms));
  sd_log(SD_LOG_INFO, "execution %s %s", sd_exec_arn(ex), sd_exec_status_name(status));
  sd_api_mock_release(api, sd_exec_arn(ex));
  sd_api_reply(s->c, out);
  sync_unlink(s);
  sd_exec_free(ex);
  free(s->machine_arn);
  free(s->input);
  free(s);
}

void sd_api_sync_close(struct sd_api *api) {
  (void)api;
  /* Stopping closes each execution; its done callback answers and unlinks
   * it once the close is committed, later on the loop. */
  struct sync *next;
  for (struct sync *s = waiting; s != NULL; s = next) {
    next = s->next; /* without a store the answer comes at once */
    sd_exec_stop(s->ex, "States.Aborted", "The server is shutting down.");
  }
}

/* Reads includedData: ALL_DATA (default) or METADATA_ONLY. */
static int get_included(struct sd_api_call *c, bool *with_data) {
  const char *v;
  *with_data = true;
  if (sd_api_get_str(c, "includedData", false, &v) != 0)
    return -1;
  if (v == NULL || strcmp(v, "ALL_DATA") == 0)
    return 0;
  if (strcmp(v, "METADATA_ONLY") == 0) {
    *with_data = false;
    return 0;
  }
  return sd_api_error(c, "ValidationException",
                      "1 validation error detected: Value '%s' at 'includedData' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [METADATA_ONLY, ALL_DATA]",
                      v);
}

/* The checks StartExecution makes, then the one of this action: the
 * machine must be EXPRESS. 0 with *m, or -1 after answering. */
static int sync_machine(struct sd_api_call *c, const char *machine_arn, struct sd_reg_machine **m) {
  *m = sd_registry_machine(c->api->reg, machine_arn);
  if (*m == NULL)
    return sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", machine_arn);
  if ((*m)->deleted)
    return sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", machine_arn);
  if (strcmp((*m)->type, "EXPRESS") != 0)
    return sd_api_error(c, "StateMachineTypeNotSupported",
                        "This operation is not supported by this type of state machine");
  return 0;
}

void sd_api_start_sync_execution(struct sd_api_call *c) {
  const char *given, *name, *input;
  bool with_data;
  if (sd_api_get_str(c, "stateMachineArn", true, &given) != 0 ||
      sd_api_get_str(c, "name", false, &name) != 0 || sd_api_get_str(c, "input", false, &input) != 0 ||
      get_included(c, &with_data) != 0 || sd_api_check_arn(c, given, "stateMachine") != 0)
    return;
  struct sd_api *api = c->api;
  char *machine_arn, *test_case; /* owned */
  sd_api_mock_split(api, given, &machine_arn, &test_case);
  struct sd_reg_machine *m;
  json_t *value = NULL; /* new */
  if (sync_machine(c, machine_arn, &m) != 0 || (name != NULL && sd_api_check_name(c, name) != 0) ||
      (test_case != NULL && sd_api_mock_check(c, m->name, test_case) != 0))
    goto out;
  if (input == NULL)
    input = "{}"; /* later kept as the client sent it */
  value = sd_api_parse_input(c, input);
  if (value == NULL)
    goto out;
  struct sync *s = sd_xcalloc(1, sizeof *s);
  struct sd_exec_opts xo = {
    .machine = m->m,
    .machine_name = m->name,
    .name = name,
    .type = "EXPRESS",
    .role_arn = m->role_arn,
    .input = value,
    .done = sync_done,
    .data = s,
    .no_history = true,
  };
  struct sd_err err = { 0 };
  s->ex = sd_exec_start(api->eng, &xo, &err);
  if (s->ex == NULL) {
    sd_api_error(c, "InvalidExecutionInput", "%s", err.cause ? err.cause : "invalid input");
    sd_err_clear(&err);
    free(s);
    goto out;
  }
  s->c = c;
  s->machine_arn = sd_xstrdup(m->arn);
  s->input = sd_xstrdup(input);
  s->with_data = with_data;
  s->next = waiting;
  if (waiting)
    waiting->prev = s;
  waiting = s;
  sd_api_mock_bind(api, sd_exec_arn(s->ex), m->name, test_case);
  sd_log(SD_LOG_INFO, "execution %s started (synchronous)", sd_exec_arn(s->ex));
out:
  json_decref(value);
  free(machine_arn);
  free(test_case);
}
