/* The activity connector and the registry of activities (activity.h). Each
 * activity has a FIFO of tasks no worker took yet and a FIFO of polls
 * waiting for one; at most one of the two is non-empty, since a task meets
 * a parked poll as soon as it is queued and a poll takes a queued task as
 * soon as it comes. A task a worker took stays known to this module only so
 * that cancel (timeout, stop, or the worker's answer) can find nothing left
 * to undo. */
#include "integrations/activity.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/jsonw.h"

struct item; /* a task of an activity */

struct activity {
  struct sd_activity_info info;
  struct item *q_head, *q_tail;             /* queued tasks */
  struct sd_activity_poll *p_head, *p_tail; /* parked polls */
};

struct item {
  struct item *next;
  struct activity *act;      /* while queued; NULL once taken */
  struct sd_task_call *call; /* borrowed from the engine until done or cancel */
};

struct sd_activity_poll {
  struct sd_activity_poll *next;
  struct activity *act;
  char *worker; /* owned or NULL */
  sd_activity_poll_fn fn;
  void *data;
};

struct sd_activities {
  struct activity **acts; /* creation order; owned */
  size_t n, cap;
  char *prefix; /* "arn:aws:states:REGION:ACCOUNT:activity:"; owned */
  size_t queued;
};

struct sd_activities *sd_activities_new(const char *region, const char *account) {
  struct sd_activities *a = sd_xcalloc(1, sizeof *a);
  a->prefix = sd_asprintf("arn:aws:states:%s:%s:activity:", region, account);
  return a;
}

static void activity_free(struct activity *act) {
  while (act->q_head != NULL) {
    struct item *it = act->q_head;
    act->q_head = it->next;
    it->call->conn = NULL;
    free(it);
  }
  while (act->p_head != NULL) {
    struct sd_activity_poll *p = act->p_head;
    act->p_head = p->next;
    free(p->worker);
    free(p);
  }
  free(act->info.arn);
  free(act->info.name);
  free(act);
}

void sd_activities_free(struct sd_activities *a) {
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n; i++)
    activity_free(a->acts[i]);
  free(a->acts);
  free(a->prefix);
  free(a);
}

static struct activity *find(const struct sd_activities *a, const char *arn, size_t *index) {
  for (size_t i = 0; i < a->n; i++) {
    if (strcmp(a->acts[i]->info.arn, arn) == 0) {
      if (index != NULL)
        *index = i;
      return a->acts[i];
    }
  }
  return NULL;
}

const struct sd_activity_info *sd_activities_create(struct sd_activities *a, const char *name, int64_t now_ms,
                                                    bool *existed) {
  char *arn = sd_xstrcat3(a->prefix, name, NULL);
  struct activity *act = find(a, arn, NULL);
  *existed = act != NULL;
  if (act != NULL) {
    free(arn);
    return &act->info;
  }
  act = sd_xcalloc(1, sizeof *act);
  act->info.arn = arn;
  act->info.name = sd_xstrdup(name);
  act->info.created_ms = now_ms;
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 16;
    a->acts = sd_xrealloc(a->acts, a->cap * sizeof *a->acts);
  }
  a->acts[a->n++] = act;
  return &act->info;
}

const struct sd_activity_info *sd_activities_get(struct sd_activities *a, const char *arn) {
  struct activity *act = find(a, arn, NULL);
  return act ? &act->info : NULL;
}

size_t sd_activities_count(const struct sd_activities *a) {
  return a->n;
}

const struct sd_activity_info *sd_activities_at(const struct sd_activities *a, size_t i) {
  return i < a->n ? &a->acts[i]->info : NULL;
}

size_t sd_activities_queued(const struct sd_activities *a) {
  return a->queued;
}

/* Gives a task to a worker: ActivityStarted (with the worker's name) goes
 * to the engine as the call's "submitted" report, then the worker gets the
 * token and the input. */
static void hand_out(struct item *it, struct sd_activity_poll *p) {
  struct sd_task_call *call = it->call;
  json_t *started = json_object(); /* stolen below */
  if (p->worker != NULL)
    json_object_set_new(started, "workerName", json_string(p->worker));
  sd_task_submitted(call, started);
  char *input = sd_jsonw_dumps(call->params, NULL);
  p->fn(p->data, call->token, input);
  free(input);
  free(p->worker);
  free(p);
}

static struct item *queue_pop(struct sd_activities *a, struct activity *act) {
  struct item *it = act->q_head;
  act->q_head = it->next;
  if (act->q_head == NULL)
    act->q_tail = NULL;
  it->next = NULL;
  it->act = NULL;
  a->queued--;
  return it;
}

void sd_activities_delete(struct sd_activities *a, const char *arn) {
  size_t i;
  struct activity *act = find(a, arn, &i);
  if (act == NULL)
    return;
  memmove(&a->acts[i], &a->acts[i + 1], (a->n - i - 1) * sizeof *a->acts);
  a->n--;
  while (act->p_head != NULL) {
    struct sd_activity_poll *p = act->p_head;
    act->p_head = p->next;
    p->fn(p->data, NULL, NULL);
    free(p->worker);
    free(p);
  }
  while (act->q_head != NULL) {
    struct item *it = queue_pop(a, act);
    struct sd_task_call *call = it->call;
    call->conn = NULL;
    free(it);
    struct sd_err err = { 0 };
    sd_err_set(&err, SD_E_RUNTIME, "The activity %s does not exist.", arn);
    sd_task_done(call, NULL, &err);
    sd_err_clear(&err);
  }
  act->q_tail = NULL;
  activity_free(act);
}

struct sd_activity_poll *sd_activities_poll(struct sd_activities *a, const char *arn, const char *worker,
                                            sd_activity_poll_fn fn, void *data) {
  struct activity *act = find(a, arn, NULL);
  struct sd_activity_poll *p = sd_xcalloc(1, sizeof *p);
  p->worker = worker ? sd_xstrdup(worker) : NULL;
  p->fn = fn;
  p->data = data;
  if (act == NULL) { /* the caller checked; answer "no task" rather than crash */
    fn(data, NULL, NULL);
    free(p->worker);
    free(p);
    return NULL;
  }
  if (act->q_head != NULL) {
    hand_out(queue_pop(a, act), p);
    return NULL;
  }
  p->act = act;
  if (act->p_tail != NULL)
    act->p_tail->next = p;
  else
    act->p_head = p;
  act->p_tail = p;
  return p;
}

void sd_activities_poll_cancel(struct sd_activity_poll *p) {
  struct activity *act = p->act;
  struct sd_activity_poll *prev = NULL;
  for (struct sd_activity_poll *q = act->p_head; q != NULL; prev = q, q = q->next) {
    if (q != p)
      continue;
    if (prev != NULL)
      prev->next = p->next;
    else
      act->p_head = p->next;
    if (act->p_tail == p)
      act->p_tail = prev;
    break;
  }
  free(p->worker);
  free(p);
}

void sd_activities_close_polls(struct sd_activities *a) {
  for (size_t i = 0; i < a->n; i++) {
    struct activity *act = a->acts[i];
    while (act->p_head != NULL) {
      struct sd_activity_poll *p = act->p_head;
      act->p_head = p->next;
      if (act->p_head == NULL)
        act->p_tail = NULL;
      p->fn(p->data, NULL, NULL);
      free(p->worker);
      free(p);
    }
  }
}

/* ---- the connector ---- */

static bool act_serves(void *self, struct sd_exec *exec, const char *state_name, const char *resource) {
  (void)exec;
  (void)state_name;
  return find(self, resource, NULL) != NULL;
}

static int act_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  struct sd_activities *a = self;
  struct activity *act = find(a, call->resource, NULL);
  if (act == NULL) /* deleted between the check and the commit */
    return sd_err_set(err, SD_E_RUNTIME, "The activity %s does not exist.", call->resource);
  if (call->token == NULL)
    return sd_err_set(err, SD_E_RUNTIME, "the activity task has no task token");
  struct item *it = sd_xcalloc(1, sizeof *it);
  it->call = call;
  call->conn = it;
  if (act->p_head != NULL) {
    struct sd_activity_poll *p = act->p_head;
    act->p_head = p->next;
    if (act->p_head == NULL)
      act->p_tail = NULL;
    hand_out(it, p);
    return 0;
  }
  it->act = act;
  if (act->q_tail != NULL)
    act->q_tail->next = it;
  else
    act->q_head = it;
  act->q_tail = it;
  a->queued++;
  return 0;
}

/* The task ended elsewhere (timeout, stop, the worker's answer): a queued
 * one leaves its queue. */
static void act_cancel(void *self, struct sd_task_call *call) {
  struct sd_activities *a = self;
  struct item *it = call->conn;
  if (it == NULL)
    return;
  struct activity *act = it->act;
  if (act != NULL) {
    struct item *prev = NULL;
    for (struct item *q = act->q_head; q != NULL; prev = q, q = q->next) {
      if (q != it)
        continue;
      if (prev != NULL)
        prev->next = it->next;
      else
        act->q_head = it->next;
      if (act->q_tail == it)
        act->q_tail = prev;
      a->queued--;
      break;
    }
  }
  call->conn = NULL;
  free(it);
}

static void act_free(void *self) {
  (void)self; /* the registry is freed by its owner (sd_activities_free) */
}

static const struct sd_connector_ops activity_ops = {
  .name = "activity",
  .serves = act_serves,
  .start = act_start,
  .cancel = act_cancel,
  .free = act_free,
};

void sd_activities_connector(struct sd_activities *a, struct sd_connector *out) {
  out->ops = &activity_ops;
  out->self = a;
}
