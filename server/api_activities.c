/* Activity actions: CreateActivity, DescribeActivity, DeleteActivity,
 * ListActivities and GetActivityTask, over the activities of
 * integrations/activity.c (the same registry the activity connector
 * serves Task states from).
 *
 * GetActivityTask is a long poll, as on AWS: with no task queued, the
 * request is parked (its HTTP connection suspended by http.c, the loop free
 * for everything else) until a task arrives or 60 seconds pass, when it
 * answers {} without a taskToken (API reference, GetActivityTask: "the
 * maximum time the service holds on to the request before responding is 60
 * seconds"). STEPD_ACTIVITY_POLL_SECONDS shortens that wait: a hook for
 * tests, documented in docs/activities.md. Not for: answers from workers
 * (api_tasks.c). */
#include "server/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/exec.h"
#include "integrations/activity.h"
#include "server/registry.h"

#define POLL_SECONDS 60 /* AWS's hold time for GetActivityTask */

/* The activity an activityArn member names: NULL after answering. */
static const struct sd_activity_info *find_activity(struct sd_api_call *c, const char **arn) {
  if (sd_api_get_str(c, "activityArn", true, arn) != 0 || sd_api_check_arn(c, *arn, "activity") != 0)
    return NULL;
  const struct sd_activity_info *info = sd_activities_get(c->api->activities, *arn);
  if (info == NULL)
    sd_api_error(c, "ActivityDoesNotExist", "Activity Does Not Exist: '%s'", *arn);
  return info;
}

/* An answer waiting for its activity's write. */
struct saved {
  struct sd_api_call *c;
  json_t *out; /* owned */
};

static void on_saved(void *data, int status) {
  struct saved *sv = data;
  if (status != 0) {
    json_decref(sv->out);
    sd_api_error(sv->c, "InternalFailure", "the activity could not be written to the database");
  } else {
    sd_api_reply(sv->c, sv->out);
  }
  free(sv);
}

void sd_api_create_activity(struct sd_api_call *c) {
  const char *name;
  if (sd_api_get_str(c, "name", true, &name) != 0 || sd_api_check_name(c, name) != 0)
    return;
  json_t *list = json_object_get(c->in, "tags"); /* borrowed */
  if (list != NULL) {
    /* Checked as for state machines; activities keep no tags yet
     * (docs/activities.md). */
    json_t *tags = json_object(); /* new */
    int rc = sd_api_tags_add(c, tags, list, name);
    json_decref(tags);
    if (rc != 0)
      return;
  }
  bool existed;
  const struct sd_activity_info *info =
      sd_activities_create(c->api->activities, name, sd_engine_now(c->api->eng), &existed);
  /* AWS: CreateActivity is idempotent; the same name returns the same ARN
   * and creation date. */
  json_t *out =
      json_pack("{s:s, s:o}", "activityArn", info->arn, "creationDate", sd_api_time(info->created_ms));
  if (existed) {
    sd_api_reply(c, out);
    return;
  }
  /* Write ahead, then answer: a task of it must outlive a restart. */
  struct saved *sv = sd_xcalloc(1, sizeof *sv);
  sv->c = c;
  sv->out = out;
  sd_registry_activity_save(c->api->reg, info->arn, info->name, info->created_ms, on_saved, sv);
}

void sd_api_describe_activity(struct sd_api_call *c) {
  const char *arn;
  const struct sd_activity_info *info = find_activity(c, &arn);
  if (info == NULL)
    return;
  sd_api_reply(c, json_pack("{s:s, s:s, s:o}", "activityArn", info->arn, "name", info->name, "creationDate",
                            sd_api_time(info->created_ms)));
}

void sd_api_delete_activity(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "activityArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "activity") != 0)
    return;
  /* An unknown ARN succeeds, as DeleteStateMachine does on AWS. */
  bool known = sd_activities_get(c->api->activities, arn) != NULL;
  sd_activities_delete(c->api->activities, arn);
  if (!known) {
    sd_api_reply(c, json_object());
    return;
  }
  struct saved *sv = sd_xcalloc(1, sizeof *sv);
  sv->c = c;
  sv->out = json_object();
  sd_registry_activity_save(c->api->reg, arn, NULL, 0, on_saved, sv);
}

void sd_api_list_activities(struct sd_api_call *c) {
  int64_t max, pos;
  if (sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 || sd_api_get_token(c, "a", &pos) != 0)
    return;
  if (max == 0)
    max = 100;
  struct sd_activities *acts = c->api->activities;
  size_t n = sd_activities_count(acts);
  json_t *list = json_array(); /* new; stolen by the reply */
  size_t i = (size_t)pos;
  for (; i < n && json_array_size(list) < (size_t)max; i++) {
    const struct sd_activity_info *info = sd_activities_at(acts, i);
    json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "activityArn", info->arn, "name", info->name,
                                          "creationDate", sd_api_time(info->created_ms)));
  }
  json_t *out = json_pack("{s:o}", "activities", list);
  if (i < n) {
    char *tok = sd_asprintf("a%zu", i);
    json_object_set_new(out, "nextToken", json_string(tok));
    free(tok);
  }
  sd_api_reply(c, out);
}

/* ---- GetActivityTask: the long poll ---- */

struct poll {
  struct sd_api_call *c;
  struct sd_activity_poll *parked; /* while parked */
  bool timer_on;                   /* parked: the timer is initialised and must be closed */
  uv_timer_t timer;
};

static void poll_closed(uv_handle_t *h) {
  free(h->data);
}

/* A task (token and input) or none: answer, then let go of the poll. */
static void poll_answer(void *data, const char *token, const char *input) {
  struct poll *pl = data;
  json_t *out = json_object(); /* stolen by the reply */
  if (token != NULL) {
    json_object_set_new(out, "taskToken", json_string(token));
    json_object_set_new(out, "input", json_string(input ? input : "{}"));
  }
  sd_api_reply(pl->c, out);
  if (!pl->timer_on) { /* answered before it was parked */
    free(pl);
    return;
  }
  pl->parked = NULL;
  uv_timer_stop(&pl->timer);
  uv_close((uv_handle_t *)&pl->timer, poll_closed);
}

static void poll_expired(uv_timer_t *h) {
  struct poll *pl = h->data;
  sd_activities_poll_cancel(pl->parked);
  poll_answer(pl, NULL, NULL);
}

/* The long poll's hold time: AWS's 60 s, or STEPD_ACTIVITY_POLL_SECONDS
 * (0.05 to 60, fractions allowed) for tests. */
static uint64_t poll_ms(void) {
  const char *s = getenv("STEPD_ACTIVITY_POLL_SECONDS");
  if (s != NULL && *s != '\0') {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == 0 && end != NULL && *end == '\0' && v >= 0.05 && v <= POLL_SECONDS)
      return (uint64_t)(v * 1000.0);
  }
  return POLL_SECONDS * 1000;
}

void sd_api_get_activity_task(struct sd_api_call *c) {
  const char *arn, *worker;
  if (sd_api_get_str(c, "workerName", false, &worker) != 0)
    return;
  if (worker != NULL && strlen(worker) > 80)
    return (void)sd_api_error(c, "ValidationException",
                              "1 validation error detected: Value at 'workerName' failed to satisfy "
                              "constraint: Member must have length less than or equal to 80");
  if (find_activity(c, &arn) == NULL)
    return;
  struct poll *pl = sd_xcalloc(1, sizeof *pl);
  pl->c = c;
  struct sd_activity_poll *p = sd_activities_poll(c->api->activities, arn, worker, poll_answer, pl);
  if (p == NULL)
    return; /* answered (and freed) inside */
  pl->parked = p;
  pl->timer_on = true;
  uv_timer_init(sd_engine_loop(c->api->eng), &pl->timer);
  pl->timer.data = pl;
  uv_timer_start(&pl->timer, poll_expired, poll_ms(), 0);
}
