/* Activities: Task states whose Resource is an activity ARN
 * (arn:aws:states:REGION:ACCOUNT:activity:NAME) wait for a worker, which
 * takes the task with GetActivityTask and answers with SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-activities.html).
 *
 * This module holds the activities that exist, the tasks each one queues and
 * the workers' polls parked on each; it is one sd_connector over them. The
 * answers from workers go through the engine's token registry
 * (sd_engine_task_success & co.), not through here. Not for: the API's
 * shapes and errors (server/api_activities.c) or the long poll's timer and
 * HTTP connection (the server keeps those). Everything runs on the loop
 * thread. */
#ifndef SD_INTEGRATIONS_ACTIVITY_H
#define SD_INTEGRATIONS_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sd_activities;
struct sd_activity_poll;
struct sd_connector;

struct sd_activity_info {
  char *arn;  /* owned by the registry */
  char *name; /* owned by the registry */
  int64_t created_ms;
};

struct sd_activities *sd_activities_new(const char *region, const char *account);
/* Frees everything: queued tasks and parked polls are dropped without a
 * word (after the engine is gone, at shutdown). */
void sd_activities_free(struct sd_activities *a);
/* Fills `out` with the connector serving the activities of `a` (borrowed;
 * its free op does nothing: free `a` itself). */
void sd_activities_connector(struct sd_activities *a, struct sd_connector *out);

/* Creates the activity `name` (checked by the caller), or finds it: AWS's
 * CreateActivity is idempotent. *existed tells which. Borrowed result. */
const struct sd_activity_info *sd_activities_create(struct sd_activities *a, const char *name, int64_t now_ms,
                                                    bool *existed);
/* The activity with this ARN, or NULL; borrowed. */
const struct sd_activity_info *sd_activities_get(struct sd_activities *a, const char *arn);
/* In creation order: count, and the i-th (borrowed). */
size_t sd_activities_count(const struct sd_activities *a);
const struct sd_activity_info *sd_activities_at(const struct sd_activities *a, size_t i);
/* Deletes an activity (nothing for an unknown ARN). Its parked polls get
 * no task; its queued tasks fail with States.Runtime ("The activity ARN
 * does not exist.") since no worker can take them any more. */
void sd_activities_delete(struct sd_activities *a, const char *arn);

/* A poll's answer: `token` and `input` (borrowed, JSON text) for a task, or
 * both NULL for none. */
typedef void (*sd_activity_poll_fn)(void *data, const char *token, const char *input);

/* GetActivityTask for the activity `arn` (it must exist). A queued task is
 * handed out at once: fn runs before this returns and the result is NULL.
 * Otherwise the poll is parked and returned; fn runs exactly once later (a
 * task arrived, or the activity was deleted, or sd_activities_close_polls),
 * unless sd_activities_poll_cancel runs first. `worker` (may be NULL) is
 * copied into ActivityStarted's workerName. */
struct sd_activity_poll *sd_activities_poll(struct sd_activities *a, const char *arn, const char *worker,
                                            sd_activity_poll_fn fn, void *data);
/* Unparks a poll without calling its fn (the long poll timed out). */
void sd_activities_poll_cancel(struct sd_activity_poll *p);
/* Answers every parked poll with no task (shutdown). */
void sd_activities_close_polls(struct sd_activities *a);
/* Tasks queued for a worker, over all activities (tests, logs). */
size_t sd_activities_queued(const struct sd_activities *a);

#endif
