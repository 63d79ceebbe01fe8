/* Nested executions: the Task resources arn:aws:states:::states:startExecution
 * (request-response), .sync, .sync:2 and .waitForTaskToken start an
 * execution of another state machine on the same engine
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html).
 *
 * The connector shapes results and errors as AWS does; where state machines
 * live is the embedder's business, given as a host: `stepd serve` starts
 * executions of the machines CreateStateMachine stored (they show in the
 * API like any other), `stepd run` those its --state-machine options name.
 * Not for: the API's StartExecution (server/) or compiling definitions. */
#ifndef SD_INTEGRATIONS_STATES_EXEC_H
#define SD_INTEGRATIONS_STATES_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct sd_connector;
struct sd_err;
struct sd_exec;

/* The host reports a started execution: `ex` (borrowed) or NULL with `err`
 * (name: the StartExecution API's error code, "StateMachineDoesNotExist";
 * cause: its message). */
typedef void (*sd_states_started_fn)(void *data, struct sd_exec *ex, const struct sd_err *err);
/* The host reports that a watched execution closed; `ex` is borrowed and
 * still alive, `stop_ms` its stop date. */
typedef void (*sd_states_closed_fn)(void *data, struct sd_exec *ex, int64_t stop_ms);

struct sd_states_start {
  const char *machine_arn;    /* as the Task gave it */
  const char *name;           /* NULL = a UUID */
  json_t *input;              /* borrowed */
  const char *input_text;     /* the input as DescribeExecution returns it; borrowed */
  sd_states_closed_fn closed; /* NULL: not watched (request-response, callback) */
  void *data;                 /* for started and closed */
};

struct sd_states_host {
  /* Starts an execution. As libuv: either returns -1 with err and never
   * calls `started`, or returns 0 and calls it exactly once, later. A
   * watched execution then gets `closed` exactly once when it closes,
   * unless the engine is freed first. */
  int (*start)(void *self, const struct sd_states_start *req, sd_states_started_fn started,
               struct sd_err *err);
  /* Stops a running execution (ABORTED; nothing for a closed one). */
  void (*stop)(void *self, const char *exec_arn);
  /* The version and alias ARNs a live execution was started through
   * (borrowed, NULL when none), as DescribeExecution names them. May be
   * NULL: a host without versions. */
  void (*qualifiers)(void *self, const char *exec_arn, const char **version_arn, const char **alias_arn);
  void *self;
};

/* A start request copied for a host that answers later (both hosts start
 * inside a writer barrier, after what came before is committed). */
struct sd_states_pending {
  void *host;        /* the host's self; borrowed */
  char *machine_arn; /* owned */
  char *name;        /* owned or NULL */
  char *input_text;  /* owned */
  json_t *input;     /* owned */
  sd_states_started_fn started;
  sd_states_closed_fn closed;
  void *data;
};
struct sd_states_pending *sd_states_pending_new(void *host, const struct sd_states_start *req,
                                                sd_states_started_fn started);
void sd_states_pending_free(struct sd_states_pending *p);

struct sd_states_conn;

/* A connector over `host` (copied; its self is borrowed). */
struct sd_states_conn *sd_states_conn_new(const struct sd_states_host *host);
/* Fills `out` with the connector (its free op frees `sc`). */
void sd_states_conn_connector(struct sd_states_conn *sc, struct sd_connector *out);

/* The history-facing error of a failed StartExecution call, as AWS's
 * optimized integration names it: "StepFunctions.<Code>Exception" with
 * "<message> (Service: AWSStepFunctions; Status Code: 400; Error Code:
 * <Code>; Request ID: <uuid>; Proxy: null)" (recorded in the conformance
 * corpus, test_start_execution_no_such_arn). Replaces err's contents. */
void sd_states_api_error(struct sd_err *err);

/* Whether `name` is an execution or state machine name AWS accepts (1-80
 * characters; no whitespace, brackets, wildcards, special or control
 * characters: StartExecution's "name"). Shared with the API server. */
bool sd_states_name_ok(const char *name);

#endif
