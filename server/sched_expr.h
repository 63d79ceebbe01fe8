/* Schedule expressions as EventBridge Scheduler writes them, and their fire
 * times:
 *   cron(minutes hours day-of-month month day-of-week year)
 *   rate(N minute|minutes|hour|hours|day|days)
 *   at(yyyy-mm-ddThh:mm:ss)
 * evaluated in an IANA time zone with Scheduler's daylight-saving rules: a
 * cron or at time that does not exist on the spring-forward day is skipped,
 * one that occurs twice in the autumn fires once, at its first occurrence,
 * and a rate is a fixed duration (a day is 24 hours). Pure computation: no
 * clock, no loop, no store; `stepd schedule preview` and `stepd serve` use
 * the same code. See docs/schedules.md. */
#ifndef SD_SERVER_SCHED_EXPR_H
#define SD_SERVER_SCHED_EXPR_H

#include <stdint.h>

struct sd_err;
struct sd_sched;
struct sd_tz;

enum sd_sched_kind { SD_SCHED_CRON, SD_SCHED_RATE, SD_SCHED_AT };

/* Where an expression is wrong: the 1-based column of the offending
 * character in the expression, and the part ("day-of-week", "rate unit"). */
struct sd_sched_pos {
  int column;
  const char *field; /* static */
};

/* Parses `expr`. NULL with err: name "ValidationException", cause AWS's
 * message ("Invalid Schedule Expression cron(...)."), where "<field> at
 * column N: <what is wrong>"; *pos (may be NULL) gets the same place. */
struct sd_sched *sd_sched_parse(const char *expr, struct sd_sched_pos *pos, struct sd_err *err);
void sd_sched_free(struct sd_sched *s);
enum sd_sched_kind sd_sched_kind(const struct sd_sched *s);
/* The period of a rate expression in seconds; 0 for cron and at. */
int64_t sd_sched_period(const struct sd_sched *s);

/* The first fire time strictly after `after` (UTC seconds), or -1 when
 * there is none (an at() in the past, a cron whose years are over). A rate
 * fires at anchor, anchor + period, ... (anchor: the schedule's StartDate
 * or creation); cron and at ignore the anchor. `tz` is borrowed; cron and
 * at read their fields on its wall clock. */
int64_t sd_sched_next(const struct sd_sched *s, const struct sd_tz *tz, int64_t anchor, int64_t after);

#endif
