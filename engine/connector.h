/* Task connectors: how a Task state's Resource turns into work. A connector
 * is a table of operations over an instance; the engine resolves a Resource
 * through the registry handed to it (mock first when a test case is
 * selected, then the network connectors), never by naming a connector.
 *
 * Contract (libuv's): start either fails and never calls done, or returns 0
 * and calls sd_task_done exactly once, later, never from inside start, unless
 * cancel ran first. */
#ifndef SD_ENGINE_CONNECTOR_H
#define SD_ENGINE_CONNECTOR_H

#include <stdbool.h>

#include <jansson.h>

struct sd_err;
struct sd_exec;
struct sd_task_call;

/* How AWS names the history events of a task (TaskScheduled, or
 * LambdaFunctionScheduled for a Lambda function ARN, or ActivityScheduled). */
enum sd_task_kind { SD_TASK_SERVICE, SD_TASK_LAMBDA, SD_TASK_ACTIVITY };

struct sd_task_call {
  struct sd_exec *exec;      /* borrowed */
  const char *exec_arn;      /* borrowed */
  const char *state_name;    /* borrowed from the compiled state */
  const char *resource;      /* the Resource ARN, borrowed */
  const char *resource_type; /* "lambda", "states", ... as history's resourceType; borrowed */
  const char *resource_op;   /* "invoke", "startExecution.sync" ... as history's resource; borrowed */
  json_t *params;            /* the resolved Parameters; borrowed for the call's life */
  const char *token;         /* task token for .waitForTaskToken, else NULL */
  bool wait_for_token;       /* resource ends in .waitForTaskToken */
  bool sync;                 /* resource ends in .sync / .sync:2 */
  double timeout_seconds;    /* 0 = none */
  double heartbeat_seconds;  /* 0 = none */
  const char *role_arn;      /* the Task's Credentials.RoleArn, resolved; borrowed; NULL = none */
  int retry_count;           /* $$.State.RetryCount of this attempt (logs) */
  void *conn;                /* the connector's per-call data */
  void *engine_data;         /* the engine's; connectors leave it alone */
};

struct sd_connector_ops {
  const char *name;
  /* Whether this connector serves `resource` for this execution. */
  bool (*serves)(void *self, struct sd_exec *exec, const char *state_name, const char *resource);
  int (*start)(void *self, struct sd_task_call *call, struct sd_err *err);
  void (*cancel)(void *self, struct sd_task_call *call);
  void (*free)(void *self);
};

struct sd_connector {
  const struct sd_connector_ops *ops;
  void *self;
};

/* Reports the end of a call: `result` (stolen) on success, or err (its
 * contents moved out) on failure. `submitted` tells that the service
 * accepted the work and the state now waits (TaskSubmitted, for .sync and
 * .waitForTaskToken); such a call reports again later. */
void sd_task_done(struct sd_task_call *call, json_t *result, struct sd_err *err);
void sd_task_submitted(struct sd_task_call *call, json_t *output);
/* Like sd_task_done, but delivered from the engine's run queue on a later
 * turn; safe to call from inside start (in-process connectors such as the
 * mock use it). With a virtual clock, posted results arrive before any
 * timer that is due later. */
void sd_task_post_done(struct sd_task_call *call, json_t *result, struct sd_err *err);
void sd_task_post_submitted(struct sd_task_call *call);

#endif
