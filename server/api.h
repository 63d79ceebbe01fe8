/* The AWS Step Functions API over AWS JSON 1.0: POST /, the action named by
 * X-Amz-Target "AWSStepFunctions.<Action>", JSON in and out, errors as
 * {"__type": "<Name>", "message": "..."} with HTTP 400 (API model
 * stepfunctions service-2.json). One sorted table of actions, searched with
 * bsearch; generic checks (method, target, JSON body) happen once in the
 * dispatcher. Not for: HTTP plumbing (http.c). */
#ifndef SD_SERVER_API_H
#define SD_SERVER_API_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/validate.h"

struct sd_activities;
struct sd_auth;
struct sd_engine;
struct sd_exec;
struct sd_mock;
struct sd_http_req;
struct sd_reg_exec;
struct sd_reg_machine;
struct sd_registry;
struct sd_schedules;
struct sd_states_host;
struct sd_store;
struct sd_err;

struct sd_api {
  struct sd_engine *eng;  /* borrowed */
  struct sd_store *store; /* the engine's store; borrowed; read only inside writer barriers */
  struct sd_store
      *reader; /* a second handle on the same file for reads on a worker; borrowed; NULL for :memory: */
  struct sd_registry *reg; /* borrowed */
  const char *region;      /* borrowed */
  const char *account;     /* borrowed */
  /* Whether a connector of this build serves a Task resource, for
   * ValidateStateMachineDefinition's warnings; NULL = all are. */
  sd_validate_served_fn served;
  struct sd_activities *activities; /* activities and their queues (integrations/activity.h); borrowed */
  /* --mock-config: StartExecution on "<machine ARN>#<TestCase>" runs that
   * test case (Step Functions Local); borrowed; NULL without the option. */
  struct sd_mock *mock;
  /* --auth sigv4: the keys requests must be signed with; borrowed; NULL
   * accepts any request (server/auth.h). */
  const struct sd_auth *auth;
  /* EventBridge Scheduler's schedules (schedules.h), served under
   * /schedules on the same listener; borrowed; NULL serves none. */
  struct sd_schedules *schedules;
  /* RedriveExecution's recent clientTokens (api_redrive.c); owned; NULL
   * until the first; the server frees it with json_decref. */
  json_t *redrive_tokens;
  struct sd_api_claim *claims; /* name checks in flight (api_names.c); owned by them */
};

/* One request being answered. An action finishes it exactly once with
 * sd_api_reply or sd_api_error (now or from a callback), which frees it. */
struct sd_api_call {
  struct sd_api *api;
  struct sd_http_req *req; /* borrowed until the answer */
  const char *action;      /* static, from the table */
  json_t *in;              /* the request object; owned */
  bool rest;               /* a REST-JSON call (/schedules): errors get their own HTTP status */
};

/* The sd_http handler: `data` is the struct sd_api. */
void sd_api_handle(struct sd_http_req *req, void *data);
/* EventBridge Scheduler's REST-JSON API under /schedules
 * (api_schedules.c): `c` has no body parsed yet. */
void sd_api_schedules_handle(struct sd_api_call *c);

/* Answers 200 with `out` (stolen). */
void sd_api_reply(struct sd_api_call *c, json_t *out);
/* Answers 200 with `text` (stolen; len bytes of JSON), for a reply built
 * without a json_t (StartExecution's, once per request). */
void sd_api_reply_text(struct sd_api_call *c, char *text, size_t len);
/* Appends the epoch-seconds text sd_api_time's value gets in a reply
 * (1700000000.123, 1700000000.0), without making the value. */
struct sd_buf;
void sd_api_put_time(struct sd_buf *b, int64_t ms);
/* Answers 400 {"__type": type, "message": ...}. Returns -1. */
int sd_api_error(struct sd_api_call *c, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads a string member: 0 with *out (borrowed, NULL when absent and not
 * required), or -1 after answering ValidationException / SerializationException. */
int sd_api_get_str(struct sd_api_call *c, const char *key, bool required, const char **out);
/* Reads an integer member in [lo, hi]; *out = dflt when absent. */
int sd_api_get_int(struct sd_api_call *c, const char *key, int64_t lo, int64_t hi, int64_t dflt,
                   int64_t *out);
int sd_api_get_bool(struct sd_api_call *c, const char *key, bool dflt, bool *out);

/* Reads nextToken: our tokens are "<prefix><n>" with n > 0 (an index or an
 * event id, opaque to clients). *pos = 0 when absent; -1 after answering
 * InvalidToken. */
int sd_api_get_token(struct sd_api_call *c, const char *prefix, int64_t *pos);

/* Checks an ARN of `type` ("stateMachine", "execution") in this region and
 * account. 0, or -1 after answering InvalidArn as AWS words it. */
int sd_api_check_arn(struct sd_api_call *c, const char *arn, const char *type);
/* Checks a resource name as AWS does (1-80 characters, no whitespace,
 * brackets, wildcards, special or control characters). 0, or -1 after
 * answering InvalidName. */
int sd_api_check_name(struct sd_api_call *c, const char *name);
/* Parses an execution input (NULL reads as {}): a new reference, or NULL
 * after answering InvalidExecutionInput as AWS words it. Shared by
 * StartExecution and StartSyncExecution. */
json_t *sd_api_parse_input(struct sd_api_call *c, const char *input);

/* Epoch seconds as AWS JSON 1.0 sends timestamps; new reference. */
json_t *sd_api_time(int64_t ms);

/* Checks a string member's length (NULL passes) against the API model's
 * max: 0, or -1 after answering ValidationException as AWS words it. */
int sd_api_check_len(struct sd_api_call *c, const char *key, const char *value, size_t max);
/* The API model's SensitiveData max: execution inputs, task outputs (bytes). */
#define SD_API_MAX_PAYLOAD 262144
/* How many ':'-separated parts an ARN has (7 for a machine, 8 for a
 * version or alias). */
size_t sd_api_arn_parts(const char *arn);

/* ---- versions and aliases (api_versions.c) ---- */

struct sd_reg_machine;
/* Writes machine `arn`'s row (with its versions and aliases), then answers
 * `out` (stolen); InternalFailure when the write fails (api_machines.c). */
void sd_api_save_then_reply(struct sd_api_call *c, const char *arn, json_t *out);
/* Publishes m's current revision (or finds the version that already
 * froze it): 0 with *out, or -1 after answering ConflictException (a
 * `revision_id` that is not m's current one; "INITIAL" names a machine
 * never updated) or ServiceQuotaExceededException. Not yet saved. */
int sd_api_publish(struct sd_api_call *c, struct sd_reg_machine *m, const char *description,
                   const char *revision_id, struct sd_reg_machine **out);
/* StartExecution on "<machine ARN>:<N>" or "<machine ARN>:<alias>": the
 * version record to run (an alias picks one of its routes by weight, and
 * sets *alias_arn, borrowed), or NULL after answering. */
struct sd_reg_machine *sd_api_resolve_qualified(struct sd_api_call *c, const char *arn,
                                                const char **alias_arn);
/* The same choice without a call to answer (nested executions): NULL with
 * err set to StartExecution's error. */
struct sd_reg_machine *sd_api_qualified_pick(struct sd_api *api, const char *arn, const char **alias_arn,
                                             struct sd_err *err);
void sd_api_publish_state_machine_version(struct sd_api_call *c);
void sd_api_list_state_machine_versions(struct sd_api_call *c);
void sd_api_delete_state_machine_version(struct sd_api_call *c);
void sd_api_create_state_machine_alias(struct sd_api_call *c);
void sd_api_describe_state_machine_alias(struct sd_api_call *c);
void sd_api_update_state_machine_alias(struct sd_api_call *c);
void sd_api_delete_state_machine_alias(struct sd_api_call *c);
void sd_api_list_state_machine_aliases(struct sd_api_call *c);

/* The actions (api_machines.c, api_executions.c). */
void sd_api_create_state_machine(struct sd_api_call *c);
void sd_api_describe_state_machine(struct sd_api_call *c);
void sd_api_list_state_machines(struct sd_api_call *c);
void sd_api_delete_state_machine(struct sd_api_call *c);
void sd_api_update_state_machine(struct sd_api_call *c);
void sd_api_start_execution(struct sd_api_call *c);
/* Starts an execution of `m` (live, not deleting, or one of its versions) named `name` (NULL = a
 * UUID) on `value` (borrowed), given by the client as the text `input`
 * (copied), for `test_case` (may be NULL). `taken`: the name check
 * (sd_api_exec_name_check) found the name's execution in the store; the
 * registry, looked at first, answers for those it holds. Returns the
 * record of a new execution, or of the RUNNING one with this name and
 * input (*existed: StartExecution is idempotent then), or NULL with err
 * (ExecutionAlreadyExists, InvalidExecutionInput). Shared by
 * StartExecution, nested executions and schedules. */
struct sd_reg_exec *sd_api_exec_begin(struct sd_api *api, struct sd_reg_machine *m, const char *name,
                                      const char *input, json_t *value, const char *test_case, bool taken,
                                      bool *existed, struct sd_err *err);
/* sd_api_exec_begin on a machine, version ("<machine>:<N>") or alias
 * ("<machine>:<alias>", routed by weight) ARN, with StartExecution's errors
 * for a missing or deleting one; a version's or alias's ARN goes to the
 * execution's row once it is committed. For starts that answer no call
 * (nested executions, schedules). */
struct sd_reg_exec *sd_api_exec_begin_arn(struct sd_api *api, const char *arn, const char *name,
                                          const char *input, json_t *value, bool taken, bool *existed,
                                          struct sd_err *err);
/* The name check of a start named `name` (api_names.c): `arn` is the
 * execution's ARN (sd_api_exec_arn_for). Calls cb(data, taken, status)
 * later, never from inside: taken when the store holds that execution;
 * status -1 when the store cannot be read. Runs on a worker, never on the
 * loop thread; checks of one ARN share a read and answer in order. */
typedef void (*sd_api_name_fn)(void *data, bool taken, int status);
void sd_api_exec_name_check(struct sd_api *api, const char *arn, sd_api_name_fn cb, void *data);
/* The ARN of execution `name` of the machine, version or alias
 * `machine_arn` (new string), or NULL when that is no state machine ARN. */
char *sd_api_exec_arn_for(const struct sd_api *api, const char *machine_arn, const char *name);
/* After a writer barrier (the execution's row committed), writes the
 * version and alias `x` ran through, if any, to its row; then cb(data,
 * status) (cb may be NULL). */
void sd_api_exec_qualify(struct sd_api *api, const struct sd_reg_exec *x, void (*cb)(void *data, int status),
                         void *data);
/* The host the nested-execution connector starts executions through: the
 * stored state machines, executions visible in the API (api_nested.c). */
void sd_api_states_host(struct sd_api *api, struct sd_states_host *out);
/* Server start: resumes the executions a killed server left RUNNING, and
 * marks FAILED (States.Runtime) those it cannot (sd_exec_resume). Runs
 * before the loop, with the engine's writer idle. 0 or -1 with err. */
int sd_api_recover(struct sd_api *api, struct sd_err *err);
/* Registers `ex`, resumed or redriven from its execution row `row`
 * (borrowed; sd_store_exec_running's or sd_store_exec_get's) on machine
 * `m`, as RUNNING: the registry's record and its mock test case, if any. */
void sd_api_exec_adopt(struct sd_api *api, struct sd_exec *ex, struct sd_reg_machine *m, json_t *row);
void sd_api_describe_execution(struct sd_api_call *c);
void sd_api_describe_state_machine_for_execution(struct sd_api_call *c);
void sd_api_get_execution_history(struct sd_api_call *c);
void sd_api_list_executions(struct sd_api_call *c);
void sd_api_stop_execution(struct sd_api_call *c);
/* RedriveExecution (api_redrive.c). */
void sd_api_redrive_execution(struct sd_api_call *c);
/* Why an execution row (sd_store_exec_get's) cannot be redriven, in AWS's
 * words (redriveStatusReason), or NULL when it can. */
const char *sd_api_redrive_reason(json_t *row, int64_t now_ms);
/* Adds redriveCount, redriveDate, redriveStatus and redriveStatusReason
 * from such a row to `out`. */
void sd_api_redrive_fields(json_t *out, json_t *row, int64_t now_ms);
/* The done callback of executions the server runs (api_executions.c). */
struct sd_exec;
void sd_api_exec_done(struct sd_exec *ex, void *data);
/* The engine's row hook for them (sd_engine_set_row_fn; `data` is the
 * sd_api): completes each row with what only the server knows. */
struct sd_store_exec;
void sd_api_exec_row(struct sd_exec *ex, struct sd_store_exec *row, void *data);
void sd_api_validate_state_machine_definition(struct sd_api_call *c);
void sd_api_tag_resource(struct sd_api_call *c);
void sd_api_untag_resource(struct sd_api_call *c);
void sd_api_list_tags_for_resource(struct sd_api_call *c);
/* Activities and task tokens (api_activities.c, api_tasks.c). */
void sd_api_create_activity(struct sd_api_call *c);
void sd_api_describe_activity(struct sd_api_call *c);
void sd_api_delete_activity(struct sd_api_call *c);
void sd_api_list_activities(struct sd_api_call *c);
void sd_api_get_activity_task(struct sd_api_call *c);
void sd_api_send_task_success(struct sd_api_call *c);
void sd_api_send_task_failure(struct sd_api_call *c);
void sd_api_send_task_heartbeat(struct sd_api_call *c);
/* One state run on an input, AWS's TestState (api_test_state.c). */
void sd_api_test_state(struct sd_api_call *c);
/* Express executions and Step Functions Local's mock test cases (api_sync.c). */
void sd_api_start_sync_execution(struct sd_api_call *c);
/* Answers every StartSyncExecution still waiting by stopping its execution
 * (shutdown: the HTTP side waits for parked requests). */
void sd_api_sync_close(struct sd_api *api);
/* Splits "<machine ARN>#<TestCase>" when a mock config is loaded:
 * *machine_arn (owned) and *test_case (owned, NULL without '#'). Without a
 * mock config the ARN is kept whole, so it names no machine, as on AWS. */
void sd_api_mock_split(struct sd_api *api, const char *arn, char **machine_arn, char **test_case);
/* Checks that the mock config has `test_case` for `machine`. 0, or -1 after
 * answering ValidationException with the mock's cause. */
int sd_api_mock_check(struct sd_api_call *c, const char *machine, const char *test_case);
/* Selects the (checked) test case for a started execution; NULL test_case
 * does nothing. sd_api_mock_release forgets it when the execution closes. */
void sd_api_mock_bind(struct sd_api *api, const char *exec_arn, const char *machine, const char *test_case);
void sd_api_mock_release(struct sd_api *api, const char *exec_arn);
/* Adds a TagList (borrowed; {"key", "value"} objects) to `tags`. 0, or -1
 * after answering ValidationException or TooManyTags. */
int sd_api_tags_add(struct sd_api_call *c, json_t *tags, json_t *list, const char *arn);

#endif
