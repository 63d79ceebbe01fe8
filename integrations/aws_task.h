/* The AWS connector: one struct sd_connector over a table of service
 * integrations (struct sd_aws_integration), each serving some Task
 * resources by making AWS calls (aws_call.h). The connector owns what
 * every integration would otherwise repeat: matching resources, the call's
 * life (start, cancel on TimeoutSeconds / StopExecution / SendTask*,
 * freeing), one AWS call in flight at a time, timers for `.sync` polling,
 * the Task's Credentials.RoleArn and the logs.
 *
 * Adding a service is adding a table:
 *
 *   static int glue_start(struct sd_aws_task *t, struct sd_err *err) {
 *     json_t *params = sd_aws_task_call(t)->params;          // borrowed
 *     struct sd_aws_request req = { .svc = &glue_svc, .action = "StartJobRun", .params = params };
 *     return sd_aws_task_send(t, &req, on_started, err);
 *   }
 *   const struct sd_aws_integration sd_aws_glue = {
 *     .name = "glue",
 *     .resources = (const char *const[]){ "arn:aws:states:::glue:startJobRun",
 *                                         "arn:aws:states:::aws-sdk:glue:*", NULL },
 *     .start = glue_start,
 *   };
 *
 * then listing &sd_aws_glue in sd_aws_integrations (integrations/registry.c),
 * which also makes `stepd validate` stop warning about those resources.
 * A resource pattern matches exactly, or up to a final '*'; a pattern
 * matches its `.sync`, `.sync:2` and `.waitForTaskToken` forms too (the
 * integration reads call->sync / call->wait_for_token).
 *
 * Everything runs on the loop thread. */
#ifndef SD_INTEGRATIONS_AWS_TASK_H
#define SD_INTEGRATIONS_AWS_TASK_H

#include <stdbool.h>

#include <jansson.h>

#include "integrations/aws_call.h"

struct sd_connector;
struct sd_err;
struct sd_task_call;
struct sd_aws_task;

struct sd_aws_integration {
  const char *name;             /* "lambda": logs */
  const char *const *resources; /* patterns, NULL-terminated */
  /* Builds and sends the first request (sd_aws_task_send) or ends the task
   * (sd_aws_task_done / _fail, which may run from inside start). Returns -1
   * with err to fail the Task at once. */
  int (*start)(struct sd_aws_task *t, struct sd_err *err);
};

/* The integrations this build has, NULL-terminated (registry.c). */
extern const struct sd_aws_integration *const sd_aws_integrations[];

/* Whether a pattern of `in` matches `resource` (with its suffixes). */
bool sd_aws_integration_matches(const struct sd_aws_integration *in, const char *resource);

/* Fills `out` with the connector over `aws` (borrowed; free it after the
 * engine) and the NULL-terminated `table` (borrowed). out->ops->free
 * frees the connector's own memory only. */
void sd_aws_connector(struct sd_aws *aws, const struct sd_aws_integration *const *table,
                      struct sd_connector *out);

/* ---- for integrations ---- */

struct sd_task_call *sd_aws_task_call(struct sd_aws_task *t);
struct sd_aws *sd_aws_task_aws(struct sd_aws_task *t);
/* Per-task data of the integration, freed with `free_fn` (may be NULL)
 * when the task ends or is cancelled. */
void sd_aws_task_set_data(struct sd_aws_task *t, void *data, void (*free_fn)(void *));
void *sd_aws_task_data(struct sd_aws_task *t);

typedef void (*sd_aws_task_reply_fn)(struct sd_aws_task *t, struct sd_aws_reply *reply);

/* Sends `req` for the task; `on_reply` runs once with the reply (results
 * and errors alike; reply->err set on failure). The connector fills
 * timeout, role (the Task's Credentials.RoleArn), label and retry when the
 * request leaves them empty. One request in flight per task. */
int sd_aws_task_send(struct sd_aws_task *t, const struct sd_aws_request *req, sd_aws_task_reply_fn on_reply,
                     struct sd_err *err);
/* Sends a plain HTTP request for the task (no signing, no AWS errors);
 * `on_done` gets the raw response. One request in flight per task. */
struct sd_http_request;
struct sd_http_response;
typedef void (*sd_aws_task_http_fn)(struct sd_aws_task *t, const struct sd_http_response *r);
int sd_aws_task_http(struct sd_aws_task *t, const struct sd_http_request *req, sd_aws_task_http_fn on_done,
                     struct sd_err *err);
/* Runs `fn` after `seconds` on the loop (`.sync` polling); cancelled with
 * the task. */
void sd_aws_task_after(struct sd_aws_task *t, double seconds, void (*fn)(struct sd_aws_task *t));

/* Ends the task with `result` (stolen) or `err` (moved out); the task is
 * freed: do not touch it afterwards. */
void sd_aws_task_done(struct sd_aws_task *t, json_t *result, struct sd_err *err);
/* Reports that the service accepted the work (TaskSubmitted, for .sync and
 * .waitForTaskToken); `output` is stolen. The task lives on. */
void sd_aws_task_submitted(struct sd_aws_task *t, json_t *output);

#endif
