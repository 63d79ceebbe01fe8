/* Schedules at run time (schedules.h): compiling a stored description,
 * writing changes on a worker, and firing. A fire goes claim (written) ->
 * barrier -> start the execution named for the fire -> barrier (its
 * ExecutionStarted is committed) -> done (written), so after a crash the
 * store says which fire may not have started, and restarting it under the
 * same name starts nothing when it had. The loop never waits: every write
 * and every barrier ends in a callback. */
#include "server/schedules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"
#include "engine/timefmt.h"
#include "server/sched_expr.h"
#include "server/sched_tz.h"
#include "server/api.h"
#include "server/registry.h"

/* A restart fires at most this many missed times per schedule under ALL:
 * a minutely schedule down for a month would otherwise start 43,200. */
#define MISSED_MAX 1000
/* The timer wakes at least this often, so a wall clock that jumps (NTP,
 * suspend) is noticed within a minute. */
#define WAKE_MAX_MS 60000

struct job {
  struct job *next;
  enum { JOB_PUT, JOB_FIRED, JOB_DELETE } kind;
  char *group, *name, *doc; /* owned */
  int64_t claimed_ms, done_ms;
  sd_schedules_cb cb;
  void *data;
  struct sd_err err;
};

struct sd_schedules {
  struct sd_api *api; /* borrowed */
  uv_loop_t *loop;    /* borrowed */
  struct sd_store *store;
  int64_t offset_ms;
  uv_timer_t timer;
  bool stopped;
  struct sd_schedule **list; /* sorted by (group, name); owned */
  size_t n, cap;
  struct sd_tz **zones; /* the zone cache; owned */
  size_t nzones;
  struct job *head, **tail, *batch; /* queued writes, and the batch in flight */
  uv_work_t work;
};

static void rearm(struct sd_schedules *ss);
static void fire_begin(struct sd_schedules *ss, struct sd_schedule *s, int64_t t);

int64_t sd_schedules_now(const struct sd_schedules *ss) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 + ss->offset_ms;
}

/* ---- writes, one batch in flight ---- */

static void job_free(struct job *j) {
  free(j->group);
  free(j->name);
  free(j->doc);
  sd_err_clear(&j->err);
  free(j);
}

static void jobs_work(uv_work_t *req) {
  struct sd_schedules *ss = req->data;
  for (struct job *j = ss->batch; j != NULL; j = j->next) {
    if (j->kind == JOB_PUT) {
      struct sd_store_schedule row = { .group = j->group, .name = j->name, .doc = j->doc };
      sd_store_schedule_put(ss->store, &row, &j->err);
    } else if (j->kind == JOB_FIRED) {
      sd_store_schedule_fired(ss->store, j->group, j->name, j->claimed_ms, j->done_ms, &j->err);
    } else {
      sd_store_schedule_delete(ss->store, j->group, j->name, &j->err);
    }
  }
}

static void jobs_kick(struct sd_schedules *ss);

static void jobs_done(uv_work_t *req, int status) {
  struct sd_schedules *ss = req->data;
  struct job *batch = ss->batch;
  ss->batch = NULL;
  for (struct job *j = batch, *next; j != NULL; j = next) {
    next = j->next;
    int rc = status == 0 && j->err.name == NULL ? 0 : -1;
    if (rc != 0)
      sd_log(SD_LOG_ERROR, "schedule %s/%s not recorded: %s", j->group, j->name,
             j->err.cause ? j->err.cause : "the write was cancelled");
    if (j->cb != NULL)
      j->cb(j->data, rc);
    job_free(j);
  }
  jobs_kick(ss);
}

static void jobs_kick(struct sd_schedules *ss) {
  if (ss->batch != NULL || ss->head == NULL)
    return;
  ss->batch = ss->head;
  ss->head = NULL;
  ss->tail = &ss->head;
  ss->work.data = ss;
  uv_queue_work(ss->loop, &ss->work, jobs_work, jobs_done);
}

/* Without a store the callback still comes later, never from inside the
 * caller (libuv's rule): a barrier on the engine gives that turn. */
struct later {
  sd_schedules_cb cb;
  void *data;
};

static void later_run(void *data, int status) {
  struct later *l = data;
  l->cb(l->data, 0);
  free(l);
}

static void job_queue(struct sd_schedules *ss, struct job *j) {
  if (ss->store == NULL) {
    if (j->cb != NULL) {
      struct later *l = sd_xmalloc(sizeof *l);
      l->cb = j->cb;
      l->data = j->data;
      sd_engine_flush(ss->api->eng, later_run, l);
    }
    job_free(j);
    return;
  }
  *ss->tail = j;
  ss->tail = &j->next;
  jobs_kick(ss);
}

static struct job *job_new(int kind, const struct sd_schedule *s, sd_schedules_cb cb, void *data) {
  struct job *j = sd_xcalloc(1, sizeof *j);
  j->kind = kind;
  j->group = sd_xstrdup(s->group);
  j->name = sd_xstrdup(s->name);
  j->cb = cb;
  j->data = data;
  return j;
}

static void write_marks(struct sd_schedules *ss, struct sd_schedule *s, sd_schedules_cb cb, void *data) {
  struct job *j = job_new(JOB_FIRED, s, cb, data);
  j->claimed_ms = s->claimed * 1000;
  j->done_ms = s->done * 1000;
  job_queue(ss, j);
}

/* ---- the schedule list and the zone cache ---- */

struct sd_tz *sd_schedules_zone(struct sd_schedules *ss, const char *name, struct sd_err *err) {
  for (size_t i = 0; i < ss->nzones; i++)
    if (strcmp(sd_tz_name(ss->zones[i]), name) == 0)
      return ss->zones[i];
  struct sd_tz *tz = sd_tz_load(name, err);
  if (tz == NULL)
    return NULL;
  ss->zones = sd_xrealloc(ss->zones, (ss->nzones + 1) * sizeof *ss->zones);
  ss->zones[ss->nzones++] = tz;
  return tz;
}

static int cmp_key(const struct sd_schedule *s, const char *group, const char *name) {
  int c = strcmp(s->group, group);
  return c != 0 ? c : strcmp(s->name, name);
}

/* The index of (group, name), or where it would go. */
static size_t find(struct sd_schedules *ss, const char *group, const char *name, bool *found) {
  size_t lo = 0, hi = ss->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_key(ss->list[mid], group, name);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = false;
  return lo;
}

struct sd_schedule *sd_schedules_get(struct sd_schedules *ss, const char *group, const char *name) {
  bool found;
  size_t i = find(ss, group, name, &found);
  return found ? ss->list[i] : NULL;
}

struct sd_schedule *sd_schedules_at(struct sd_schedules *ss, size_t i) {
  return i < ss->n ? ss->list[i] : NULL;
}

static void schedule_free(struct sd_schedule *s) {
  free(s->group);
  free(s->name);
  json_decref(s->doc);
  sd_sched_free(s->expr);
  free(s);
}

static int64_t doc_secs(json_t *doc, const char *key) {
  json_t *v = json_object_get(doc, key); /* borrowed */
  return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

static const char *doc_str(json_t *doc, const char *key, const char *dflt) {
  const char *v = json_string_value(json_object_get(doc, key));
  return v ? v : dflt;
}

/* The next fire after s->after within StartDate and EndDate (a one-time
 * schedule ignores EndDate, as Scheduler does). */
static void plan(struct sd_schedule *s) {
  int64_t after = s->after;
  if (s->start > 0 && after < s->start - 1)
    after = s->start - 1;
  int64_t t = sd_sched_next(s->expr, s->tz, s->anchor, after);
  if (t >= 0 && s->end > 0 && t > s->end && sd_sched_kind(s->expr) != SD_SCHED_AT)
    t = -1;
  s->next = t;
}

/* Fills a schedule from its description (borrowed); -1 with err. */
static int compile(struct sd_schedules *ss, struct sd_schedule *s, json_t *doc, struct sd_err *err) {
  struct sd_sched *expr = sd_sched_parse(doc_str(doc, "ScheduleExpression", ""), NULL, err);
  struct sd_tz *tz =
      expr ? sd_schedules_zone(ss, doc_str(doc, "ScheduleExpressionTimezone", "UTC"), err) : NULL;
  if (tz == NULL) {
    sd_sched_free(expr);
    return -1;
  }
  sd_sched_free(s->expr);
  s->expr = expr;
  s->tz = tz;
  s->start = doc_secs(doc, "StartDate");
  s->end = doc_secs(doc, "EndDate");
  s->modified = doc_secs(doc, "LastModificationDate");
  s->anchor = s->start > 0 ? s->start : doc_secs(doc, "CreationDate");
  s->enabled = strcmp(doc_str(doc, "State", "ENABLED"), "ENABLED") == 0;
  s->delete_after = strcmp(doc_str(doc, "ActionAfterCompletion", "NONE"), "DELETE") == 0;
  const char *m = doc_str(doc, "MissedFirePolicy", "LATEST");
  s->missed = strcmp(m, "NONE") == 0  ? SD_MISSED_NONE
              : strcmp(m, "ALL") == 0 ? SD_MISSED_ALL
                                      : SD_MISSED_LATEST;
  json_t *ftw = json_object_get(doc, "FlexibleTimeWindow"); /* borrowed */
  s->flex_minutes = strcmp(doc_str(ftw, "Mode", "OFF"), "FLEXIBLE") == 0
                        ? (int)json_integer_value(json_object_get(ftw, "MaximumWindowInMinutes"))
                        : 0;
  return 0;
}

static struct sd_schedule *insert(struct sd_schedules *ss, const char *group, const char *name) {
  bool found;
  size_t i = find(ss, group, name, &found);
  if (ss->n == ss->cap) {
    ss->cap = ss->cap ? ss->cap * 2 : 16;
    ss->list = sd_xrealloc(ss->list, ss->cap * sizeof *ss->list);
  }
  memmove(ss->list + i + 1, ss->list + i, (ss->n - i) * sizeof *ss->list);
  struct sd_schedule *s = sd_xcalloc(1, sizeof *s);
  s->group = sd_xstrdup(group);
  s->name = sd_xstrdup(name);
  s->next = -1;
  ss->list[i] = s;
  ss->n++;
  return s;
}

static void unlink_schedule(struct sd_schedules *ss, struct sd_schedule *s) {
  bool found;
  size_t i = find(ss, s->group, s->name, &found);
  if (!found || ss->list[i] != s)
    return;
  memmove(ss->list + i, ss->list + i + 1, (ss->n - i - 1) * sizeof *ss->list);
  ss->n--;
}

int sd_schedules_put(struct sd_schedules *ss, json_t *doc, sd_schedules_cb cb, void *data,
                     struct sd_err *err) {
  const char *group = doc_str(doc, "GroupName", "default"), *name = doc_str(doc, "Name", "");
  struct sd_schedule *s = sd_schedules_get(ss, group, name);
  struct sd_schedule probe = { 0 };
  if (compile(ss, &probe, doc, err) != 0) {
    json_decref(doc);
    return -1;
  }
  if (s == NULL)
    s = insert(ss, group, name);
  sd_sched_free(s->expr);
  probe.group = s->group;
  probe.name = s->name;
  probe.doc = doc;
  probe.claimed = s->claimed;
  probe.done = s->done;
  probe.firing = s->firing;
  json_decref(s->doc);
  *s = probe;
  /* A change starts from now: fires before it are not missed ones. */
  int64_t now = sd_schedules_now(ss) / 1000;
  s->after = s->claimed > now - 1 ? s->claimed : now - 1;
  if (s->modified - 1 > s->after)
    s->after = s->modified - 1;
  plan(s);
  struct job *j = job_new(JOB_PUT, s, cb, data);
  j->doc = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
  job_queue(ss, j);
  rearm(ss);
  return 0;
}

void sd_schedules_delete(struct sd_schedules *ss, struct sd_schedule *s, sd_schedules_cb cb, void *data) {
  job_queue(ss, job_new(JOB_DELETE, s, cb, data));
  unlink_schedule(ss, s);
  if (s->firing)
    s->deleted = true; /* the fire frees it */
  else
    schedule_free(s);
  rearm(ss);
}

/* ---- firing ---- */

char *sd_schedules_exec_name(const char *group, const char *name, int64_t fire) {
  char iso[32];
  sd_time_format(fire * 1000, iso);
  char stamp[17]; /* 2026-11-26T02:00:00.000Z -> 20261126T020000Z */
  snprintf(stamp, sizeof stamp, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
           iso + 17);
  if (strlen(name) + 1 + strlen(stamp) <= 80)
    return sd_asprintf("%s-%s", name, stamp);
  /* Names up to 64 characters with the stamp can pass AWS's 80: keep 54,
   * and a hash of the whole so two long names stay apart. */
  uint32_t h = 2166136261u;
  for (const char *p = group; *p != '\0'; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  for (const char *p = name; *p != '\0'; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  return sd_asprintf("%.54s-%08x-%s", name, (unsigned)h, stamp);
}

/* A flexible window delays each fire by a fixed share of the window,
 * derived from the schedule and the fire time, so a restart computes the
 * same moment again. */
static int64_t due_ms(const struct sd_schedule *s) {
  int64_t delay = 0;
  if (s->flex_minutes > 0) {
    uint64_t h = (uint64_t)s->next * 0x9E3779B97F4A7C15ull;
    for (const char *p = s->name; *p != '\0'; p++)
      h = (h ^ (unsigned char)*p) * 1099511628211ull;
    delay = (int64_t)(h % ((uint64_t)s->flex_minutes * 60));
  }
  return (s->next + delay) * 1000;
}

struct fire {
  struct sd_schedules *ss;
  struct sd_schedule *s;
  int64_t t;
};

/* Scheduler's context attributes in a target's Input
 * (<aws.scheduler.scheduled-time> and friends) become their values. */
static char *input_for(const struct sd_schedule *s, const char *exec_name, int64_t t) {
  const char *in = json_string_value(json_object_get(json_object_get(s->doc, "Target"), "Input"));
  char iso[32];
  sd_time_format(t * 1000, iso);
  memcpy(iso + 19, "Z", 2);
  const char *vals[][2] = {
    { "<aws.scheduler.schedule-arn>", doc_str(s->doc, "Arn", "") },
    { "<aws.scheduler.scheduled-time>", iso },
    { "<aws.scheduler.execution-id>", exec_name },
    { "<aws.scheduler.attempt-number>", "1" },
  };
  struct sd_buf b = { 0 };
  const char *p = in ? in : "{}";
  while (*p != '\0') {
    size_t k = 0;
    while (k < 4 && strncmp(p, vals[k][0], strlen(vals[k][0])) != 0)
      k++;
    if (k < 4) {
      sd_buf_puts(&b, vals[k][1]);
      p += strlen(vals[k][0]);
    } else {
      sd_buf_putc(&b, *p++);
    }
  }
  return sd_buf_steal(&b);
}

static void fire_recorded(void *data, int status) {
  struct fire *f = data;
  struct sd_schedules *ss = f->ss;
  struct sd_schedule *s = f->s;
  s->firing = false;
  if (s->deleted) {
    schedule_free(s);
  } else {
    if (f->t > s->after)
      s->after = f->t;
    plan(s);
    /* A one-time schedule, or a recurring one past its EndDate, is done. */
    if (s->next < 0 && s->delete_after && !ss->stopped) {
      sd_log(SD_LOG_INFO, "schedule %s/%s completed: deleted (ActionAfterCompletion DELETE)", s->group,
             s->name);
      sd_schedules_delete(ss, s, NULL, NULL);
    }
  }
  free(f);
  rearm(ss);
}

static void fire_started(void *data, int status) {
  struct fire *f = data;
  /* Shutting down: the engine may be going; a restart finds the fire
   * claimed and not done, and its name check sees the execution. */
  if (status != 0 || f->ss->stopped) {
    /* Not committed: done stays behind claimed, so the next start tries
     * this fire again. */
    fire_recorded(f, -1);
    return;
  }
  f->s->done = f->t;
  write_marks(f->ss, f->s, fire_recorded, f);
}

/* Once the fire's execution name is checked against the store (which
 * sees an execution a crashed run started for this fire). */
static void fire_start(void *data, bool taken, int status) {
  struct fire *f = data;
  struct sd_schedule *s = f->s;
  struct sd_api *api = f->ss->api;
  if (s->deleted || status != 0 || f->ss->stopped) {
    fire_recorded(f, -1);
    return;
  }
  const char *arn = json_string_value(json_object_get(json_object_get(s->doc, "Target"), "Arn"));
  char *name = sd_schedules_exec_name(s->group, s->name, f->t);
  char *input = input_for(s, name, f->t);
  json_t *value = json_loads(input, JSON_DECODE_ANY, NULL); /* new */
  struct sd_err err = { 0 };
  bool existed = false;
  struct sd_reg_exec *x = NULL;
  /* A version or alias target runs as StartExecution on it would. */
  if (arn == NULL)
    sd_err_set(&err, "StateMachineDoesNotExist", "State Machine Does Not Exist: ''");
  else if (value == NULL)
    sd_err_set(&err, "InvalidExecutionInput", "the target's Input is not JSON once its attributes are set");
  else
    x = sd_api_exec_begin_arn(api, arn, name, input, value, taken, &existed, &err);
  if (x != NULL && !existed)
    sd_log(SD_LOG_INFO, "schedule %s/%s fired for %s: %s", s->group, s->name, name + strlen(name) - 16,
           x->arn);
  else if (err.name != NULL && strcmp(err.name, "ExecutionAlreadyExists") == 0)
    sd_log(SD_LOG_INFO, "schedule %s/%s: the fire %s had started already (%s)", s->group, s->name, name,
           err.cause);
  else if (x == NULL)
    sd_log(SD_LOG_ERROR, "schedule %s/%s: the fire %s started nothing: %s: %s", s->group, s->name, name,
           err.name, err.cause ? err.cause : "");
  sd_err_clear(&err);
  json_decref(value);
  free(input);
  free(name);
  /* Record the fire once the start is committed. */
  sd_engine_flush(api->eng, fire_started, f);
}

static void fire_claimed(void *data, int status) {
  struct fire *f = data;
  if (status != 0 || f->ss->stopped) {
    /* Without the claim on disk, a crash could not tell this fire was due:
     * do not start it (the store is failing anyway; it is logged). When
     * the server stops, the claim alone makes the next start fire it. */
    fire_recorded(f, -1);
    return;
  }
  struct sd_schedule *s = f->s;
  const char *target = json_string_value(json_object_get(json_object_get(s->doc, "Target"), "Arn"));
  char *name = sd_schedules_exec_name(s->group, s->name, f->t);
  char *arn = target ? sd_api_exec_arn_for(f->ss->api, target, name) : NULL;
  if (arn != NULL)
    sd_api_exec_name_check(f->ss->api, arn, fire_start, f);
  else
    fire_start(f, false, 0); /* no target: fire_start says so */
  free(arn);
  free(name);
}

static void fire_begin(struct sd_schedules *ss, struct sd_schedule *s, int64_t t) {
  struct fire *f = sd_xcalloc(1, sizeof *f);
  f->ss = ss;
  f->s = s;
  f->t = t;
  s->firing = true;
  if (t > s->claimed)
    s->claimed = t;
  write_marks(ss, s, fire_claimed, f);
}

static void on_timer(uv_timer_t *h) {
  struct sd_schedules *ss = h->data;
  int64_t now = sd_schedules_now(ss);
  /* Fires may delete schedules: walk a snapshot of the due ones. */
  size_t n = 0;
  struct sd_schedule **due = sd_xcalloc(ss->n ? ss->n : 1, sizeof *due);
  for (size_t i = 0; i < ss->n; i++) {
    struct sd_schedule *s = ss->list[i];
    if (s->enabled && !s->firing && s->next >= 0 && due_ms(s) <= now)
      due[n++] = s;
  }
  for (size_t i = 0; i < n; i++)
    fire_begin(ss, due[i], due[i]->next);
  free(due);
  rearm(ss);
}

static void rearm(struct sd_schedules *ss) {
  if (ss->stopped)
    return;
  int64_t first = INT64_MAX;
  for (size_t i = 0; i < ss->n; i++) {
    struct sd_schedule *s = ss->list[i];
    if (s->enabled && !s->firing && s->next >= 0 && due_ms(s) < first)
      first = due_ms(s);
  }
  if (first == INT64_MAX) {
    uv_timer_stop(&ss->timer);
    return;
  }
  int64_t wait = first - sd_schedules_now(ss);
  uv_timer_start(&ss->timer, on_timer, (uint64_t)(wait < 0 ? 0 : wait > WAKE_MAX_MS ? WAKE_MAX_MS : wait), 0);
}

/* ---- start-up ---- */

struct sd_schedules *sd_schedules_new(struct sd_api *api, uv_loop_t *loop, struct sd_store *store,
                                      int64_t clock_offset_ms) {
  struct sd_schedules *ss = sd_xcalloc(1, sizeof *ss);
  ss->api = api;
  ss->loop = loop;
  ss->store = store;
  ss->offset_ms = clock_offset_ms;
  ss->tail = &ss->head;
  uv_timer_init(loop, &ss->timer);
  ss->timer.data = ss;
  return ss;
}

int sd_schedules_load(struct sd_schedules *ss, struct sd_store *store, struct sd_err *err) {
  json_t *rows = sd_store_schedule_list(store, err); /* new */
  if (rows == NULL)
    return -1;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *text = doc_str(row, "doc", "");
    json_t *doc = json_loads(text, 0, NULL); /* new */
    struct sd_err why = { 0 };
    struct sd_schedule probe = { 0 };
    if (!json_is_object(doc) || compile(ss, &probe, doc, &why) != 0) {
      sd_log(SD_LOG_ERROR, "schedule %s/%s in the store cannot be read, skipped: %s",
             doc_str(row, "group", ""), doc_str(row, "name", ""),
             why.where   ? why.where
             : why.cause ? why.cause
                         : "not a JSON object");
      sd_err_clear(&why);
      sd_sched_free(probe.expr);
      json_decref(doc);
      continue;
    }
    struct sd_schedule *s = insert(ss, doc_str(row, "group", ""), doc_str(row, "name", ""));
    probe.group = s->group;
    probe.name = s->name;
    probe.doc = doc;
    probe.claimed = json_integer_value(json_object_get(row, "claimed_ms")) / 1000;
    probe.done = json_integer_value(json_object_get(row, "done_ms")) / 1000;
    *s = probe;
  }
  json_decref(rows);
  return 0;
}

/* The last fire time in (after, now], or -1; *count says how many there
 * are (up to MISSED_MAX + 1). */
static int64_t last_missed(struct sd_schedule *s, int64_t now, int64_t *first_kept, size_t *count) {
  int64_t last = -1;
  int64_t ring[MISSED_MAX];
  size_t n = 0;
  for (plan(s); s->next >= 0 && s->next <= now; plan(s)) {
    ring[n % MISSED_MAX] = s->next;
    n++;
    last = s->next;
    s->after = s->next;
  }
  *count = n;
  /* The oldest of the newest MISSED_MAX, for ALL. */
  *first_kept = n == 0 ? -1 : n <= MISSED_MAX ? ring[0] : ring[n % MISSED_MAX];
  return last;
}

void sd_schedules_start(struct sd_schedules *ss) {
  int64_t now = sd_schedules_now(ss) / 1000;
  for (size_t i = 0; i < ss->n; i++) {
    struct sd_schedule *s = ss->list[i];
    int64_t from = s->claimed;
    if (s->modified - 1 > from)
      from = s->modified - 1;
    s->after = from;
    size_t missed = 0;
    int64_t first_kept = -1, last = s->enabled ? last_missed(s, now, &first_kept, &missed) : -1;
    if (missed > 0)
      sd_log(SD_LOG_INFO, "schedule %s/%s missed %zu fire(s) while down; policy %s", s->group, s->name,
             missed,
             s->missed == SD_MISSED_NONE  ? "NONE"
             : s->missed == SD_MISSED_ALL ? "ALL"
                                          : "LATEST");
    if (missed > MISSED_MAX && s->missed == SD_MISSED_ALL)
      sd_log(SD_LOG_WARN, "schedule %s/%s: only the last %d missed fires run", s->group, s->name, MISSED_MAX);
    /* NONE skips them; LATEST keeps the last; ALL replays them in order. */
    if (missed == 0 || s->missed == SD_MISSED_NONE)
      s->after = now > from ? now : from;
    else if (s->missed == SD_MISSED_LATEST)
      s->after = last - 1;
    else
      s->after = first_kept - 1;
    plan(s);
    /* A fire the crash caught between its claim and its record. */
    if (s->claimed > s->done)
      fire_begin(ss, s, s->claimed);
  }
  rearm(ss);
}

static void timer_closed(uv_handle_t *h) {
  (void)h;
}

void sd_schedules_stop(struct sd_schedules *ss) {
  ss->stopped = true;
  uv_close((uv_handle_t *)&ss->timer, timer_closed);
}

void sd_schedules_free(struct sd_schedules *ss) {
  if (ss == NULL)
    return;
  for (size_t i = 0; i < ss->n; i++)
    schedule_free(ss->list[i]);
  free(ss->list);
  for (size_t i = 0; i < ss->nzones; i++)
    sd_tz_free(ss->zones[i]);
  free(ss->zones);
  free(ss);
}
