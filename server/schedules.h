/* `stepd serve`'s schedules: kept in memory, written through to the store
 * on a worker (one write in flight, in order), and fired on the loop by one
 * uv_timer_t. A fire starts at most one execution, named from the schedule
 * and the fire time, so the name check of StartExecution makes a fire
 * happen once across crashes; the store records each fire before its
 * execution starts and again once the start is committed. Fires missed
 * while the server was down follow the schedule's MissedFirePolicy.
 * Not for: the HTTP shapes (api_schedules.c) or calendars (server/sched_expr.c).
 * See docs/schedules.md. */
#ifndef SD_SERVER_SCHEDULES_H
#define SD_SERVER_SCHEDULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

struct sd_api;
struct sd_err;
struct sd_sched;
struct sd_schedules;
struct sd_store;
struct sd_tz;

enum sd_missed { SD_MISSED_NONE, SD_MISSED_LATEST, SD_MISSED_ALL };

struct sd_schedule {
  char *group;           /* owned */
  char *name;            /* owned */
  json_t *doc;           /* GetSchedule's answer; owned */
  struct sd_sched *expr; /* owned */
  struct sd_tz *tz;      /* borrowed from the schedules' zone cache */
  int64_t anchor;        /* a rate's first fire: StartDate or CreationDate (s) */
  int64_t start, end;    /* StartDate, EndDate in s; 0 = none */
  int64_t modified;      /* LastModificationDate in s */
  int64_t claimed, done; /* fire marks in s (0 = none), as in the store */
  int64_t after;         /* fire times after this are due to fire */
  int64_t next;          /* the next fire time, -1 = none */
  enum sd_missed missed;
  int flex_minutes; /* FlexibleTimeWindow's maximum, 0 = OFF */
  bool enabled;
  bool delete_after; /* ActionAfterCompletion DELETE */
  bool firing;       /* a fire is between its claim and its record */
  bool deleted;      /* deleted while firing: freed when the fire ends */
};

typedef void (*sd_schedules_cb)(void *data, int status);

/* `store` (borrowed; a handle nothing else uses, NULL = keep nothing, as
 * for :memory:) receives the writes. `clock_offset_ms` shifts the
 * schedules' clock from the wall clock (`stepd serve --clock`). */
struct sd_schedules *sd_schedules_new(struct sd_api *api, uv_loop_t *loop, struct sd_store *store,
                                      int64_t clock_offset_ms);
/* Start-up, before the loop runs: reads every schedule of `store`
 * (synchronously). A row that no longer compiles is logged and skipped.
 * 0, or -1 with err. */
int sd_schedules_load(struct sd_schedules *ss, struct sd_store *store, struct sd_err *err);
/* Starts firing: re-attempts fires a crash interrupted, applies each
 * schedule's policy to the fires missed while down, arms the timer. */
void sd_schedules_start(struct sd_schedules *ss);
/* Shutdown: stops firing and closes the timer (fires in flight finish
 * with the loop). */
void sd_schedules_stop(struct sd_schedules *ss);
/* Frees everything, after the loop ended. NULL is fine. */
void sd_schedules_free(struct sd_schedules *ss);

/* The schedules' clock, ms since the epoch. */
int64_t sd_schedules_now(const struct sd_schedules *ss);
/* A zone from the cache (loaded on first use); NULL with err. */
struct sd_tz *sd_schedules_zone(struct sd_schedules *ss, const char *name, struct sd_err *err);

struct sd_schedule *sd_schedules_get(struct sd_schedules *ss, const char *group, const char *name);
/* In (group, name) order: the i-th, or NULL past the end. */
struct sd_schedule *sd_schedules_at(struct sd_schedules *ss, size_t i);
/* Creates or replaces the schedule `doc` (stolen) describes, and writes
 * it; cb(data, 0) once committed (-1: the write failed). -1 with err
 * (ValidationException) and no cb when the doc does not compile. */
int sd_schedules_put(struct sd_schedules *ss, json_t *doc, sd_schedules_cb cb, void *data,
                     struct sd_err *err);
/* Deletes a schedule and writes its removal; cb as above. */
void sd_schedules_delete(struct sd_schedules *ss, struct sd_schedule *s, sd_schedules_cb cb, void *data);

/* The execution name of a fire: "<name>-<yyyymmddThhmmssZ>" (a long name
 * is shortened and given a hash, to stay within 80 characters). */
char *sd_schedules_exec_name(const char *group, const char *name, int64_t fire);

#endif
