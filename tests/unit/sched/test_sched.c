/* Schedule expressions (server/sched_expr.c) against known sequences of fire
 * times: daylight-saving changes in three zones, leap years, month ends,
 * L, W, # and names; and the places validation errors point at. The
 * expected instants were worked out by hand from the calendar (2026-01-01
 * is a Thursday) and the zones' published rules. */
#include "runner.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/timefmt.h"
#include "server/sched_expr.h"
#include "server/sched_tz.h"

static int64_t secs(const char *iso) {
  int64_t ms = 0;
  if (!sd_time_parse(iso, &ms))
    abort();
  return ms / 1000;
}

/* The next `n` fire times after `from` as "...Z ...Z" (seconds). */
static char *fires(const char *expr, const char *zone, const char *from, int n) {
  struct sd_err err = { 0 };
  struct sd_sched *s = sd_sched_parse(expr, NULL, &err);
  struct sd_tz *tz = sd_tz_load(zone, &err);
  if (s == NULL || tz == NULL) {
    char *msg = sd_asprintf("error: %s %s", err.cause ? err.cause : "", err.where ? err.where : "");
    sd_err_clear(&err);
    sd_sched_free(s);
    sd_tz_free(tz);
    return msg;
  }
  struct sd_buf b = { 0 };
  int64_t t = secs(from) - 1; /* at or after `from`, as `stepd schedule preview` lists them */
  for (int i = 0; i < n; i++) {
    t = sd_sched_next(s, tz, secs(from), t);
    if (t < 0) {
      sd_buf_puts(&b, i ? " end" : "end");
      break;
    }
    char iso[32];
    sd_time_format(t * 1000, iso);
    iso[19] = 'Z'; /* drop the milliseconds: fire times are whole seconds */
    iso[20] = '\0';
    sd_buf_printf(&b, "%s%s", i ? " " : "", iso);
  }
  sd_sched_free(s);
  sd_tz_free(tz);
  return sd_buf_steal(&b);
}

#define ASSERT_FIRES(expr, zone, from, n, expected)                                                          \
  do {                                                                                                       \
    char *got_ = fires(expr, zone, from, n);                                                                 \
    int bad_ = strcmp(got_, expected) != 0;                                                                  \
    if (bad_)                                                                                                \
      fprintf(stderr, "%s:%d: %s in %s from %s:\n  got      %s\n  expected %s\n", __FILE__, __LINE__, expr,  \
              zone, from, got_, expected);                                                                   \
    free(got_);                                                                                              \
    if (bad_)                                                                                                \
      return 1;                                                                                              \
  } while (0)

TEST(cron_daily_utc) {
  ASSERT_FIRES("cron(0 2 * * ? *)", "UTC", "2026-11-25T16:00:00Z", 3,
               "2026-11-26T02:00:00Z 2026-11-27T02:00:00Z 2026-11-28T02:00:00Z");
  ASSERT_FIRES("cron(0 2 * * ? *)", "UTC", "2026-11-26T02:00:00Z", 1, "2026-11-26T02:00:00Z");
  ASSERT_FIRES("cron(0 2 * * ? *)", "UTC", "2026-11-26T02:00:01Z", 1, "2026-11-27T02:00:00Z");
  return 0;
}

TEST(cron_steps_ranges_lists) {
  ASSERT_FIRES("cron(0/20 9-10 * * ? *)", "UTC", "2026-01-01T00:00:00Z", 7,
               "2026-01-01T09:00:00Z 2026-01-01T09:20:00Z 2026-01-01T09:40:00Z 2026-01-01T10:00:00Z "
               "2026-01-01T10:20:00Z 2026-01-01T10:40:00Z 2026-01-02T09:00:00Z");
  ASSERT_FIRES("cron(5,35 */12 * * ? *)", "UTC", "2026-01-01T00:00:00Z", 4,
               "2026-01-01T00:05:00Z 2026-01-01T00:35:00Z 2026-01-01T12:05:00Z 2026-01-01T12:35:00Z");
  ASSERT_FIRES("cron(0-15/5 8 1 * ? *)", "UTC", "2026-01-01T00:00:00Z", 5,
               "2026-01-01T08:00:00Z 2026-01-01T08:05:00Z 2026-01-01T08:10:00Z 2026-01-01T08:15:00Z "
               "2026-02-01T08:00:00Z");
  return 0;
}

TEST(cron_day_of_week_is_sun_1_to_sat_7_and_names) {
  /* 2026-01-04 is a Sunday. */
  ASSERT_FIRES("cron(0 0 ? * 1 *)", "UTC", "2026-01-01T00:00:00Z", 2,
               "2026-01-04T00:00:00Z 2026-01-11T00:00:00Z");
  ASSERT_FIRES("cron(0 0 ? * SUN *)", "UTC", "2026-01-01T00:00:00Z", 1, "2026-01-04T00:00:00Z");
  ASSERT_FIRES("cron(0 18 ? * MON-FRI *)", "UTC", "2026-01-02T19:00:00Z", 3,
               "2026-01-05T18:00:00Z 2026-01-06T18:00:00Z 2026-01-07T18:00:00Z");
  ASSERT_FIRES("cron(0 0 1 jan,Jul ? *)", "UTC", "2026-01-01T00:00:00Z", 3,
               "2026-01-01T00:00:00Z 2026-07-01T00:00:00Z 2027-01-01T00:00:00Z");
  return 0;
}

TEST(cron_years_and_leap_days) {
  ASSERT_FIRES("cron(0 12 29 2 ? *)", "UTC", "2026-01-01T00:00:00Z", 3,
               "2028-02-29T12:00:00Z 2032-02-29T12:00:00Z 2036-02-29T12:00:00Z");
  /* 2100 is not a leap year. */
  ASSERT_FIRES("cron(0 0 29 FEB ? 2096-2104)", "UTC", "2090-01-01T00:00:00Z", 3,
               "2096-02-29T00:00:00Z 2104-02-29T00:00:00Z end");
  ASSERT_FIRES("cron(0 0 1 1 ? 2199)", "UTC", "2199-01-01T00:00:01Z", 1, "end");
  return 0;
}

TEST(cron_month_ends) {
  ASSERT_FIRES("cron(0 0 L * ? *)", "UTC", "2027-12-15T00:00:00Z", 5,
               "2027-12-31T00:00:00Z 2028-01-31T00:00:00Z 2028-02-29T00:00:00Z 2028-03-31T00:00:00Z "
               "2028-04-30T00:00:00Z");
  /* The 31st fires only in months that have one. */
  ASSERT_FIRES("cron(0 0 31 * ? *)", "UTC", "2026-01-01T00:00:00Z", 5,
               "2026-01-31T00:00:00Z 2026-03-31T00:00:00Z 2026-05-31T00:00:00Z 2026-07-31T00:00:00Z "
               "2026-08-31T00:00:00Z");
  return 0;
}

TEST(cron_nearest_weekday_w) {
  /* Jan 15 2026 is a Thursday; Feb 15 and Mar 15 are Sundays; Apr 15 a Wednesday. */
  ASSERT_FIRES("cron(0 9 15W * ? 2026)", "UTC", "2026-01-01T00:00:00Z", 4,
               "2026-01-15T09:00:00Z 2026-02-16T09:00:00Z 2026-03-16T09:00:00Z 2026-04-15T09:00:00Z");
  /* Aug 1 2026 is a Saturday: 1W is Monday the 3rd, not Friday July 31. */
  ASSERT_FIRES("cron(0 9 1W 8 ? 2026)", "UTC", "2026-07-01T00:00:00Z", 1, "2026-08-03T09:00:00Z");
  /* May 31 2026 is a Sunday: 31W is Friday the 29th, not Monday June 1. */
  ASSERT_FIRES("cron(0 9 31W 5 ? 2026)", "UTC", "2026-05-01T00:00:00Z", 1, "2026-05-29T09:00:00Z");
  /* LW: the last weekday (Feb 28 2026 is a Saturday). */
  ASSERT_FIRES("cron(0 9 LW * ? 2026)", "UTC", "2026-02-01T00:00:00Z", 2,
               "2026-02-27T09:00:00Z 2026-03-31T09:00:00Z");
  return 0;
}

TEST(cron_nth_and_last_weekday) {
  /* First Monday. */
  ASSERT_FIRES("cron(0 10 ? * 2#1 *)", "UTC", "2026-01-01T00:00:00Z", 4,
               "2026-01-05T10:00:00Z 2026-02-02T10:00:00Z 2026-03-02T10:00:00Z 2026-04-06T10:00:00Z");
  /* Fifth Thursday: only months that have one. */
  ASSERT_FIRES("cron(0 10 ? * THU#5 *)", "UTC", "2026-01-01T00:00:00Z", 2,
               "2026-01-29T10:00:00Z 2026-04-30T10:00:00Z");
  /* Last Friday. */
  ASSERT_FIRES("cron(0 10 ? * 6L *)", "UTC", "2026-01-01T00:00:00Z", 2,
               "2026-01-30T10:00:00Z 2026-02-27T10:00:00Z");
  return 0;
}

TEST(dst_new_york) {
  /* 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist that day. */
  ASSERT_FIRES("cron(30 2 * * ? *)", "America/New_York", "2026-03-06T00:00:00Z", 3,
               "2026-03-06T07:30:00Z 2026-03-07T07:30:00Z 2026-03-09T06:30:00Z");
  /* 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice, fires once (EDT). */
  ASSERT_FIRES("cron(30 1 * * ? *)", "America/New_York", "2026-10-31T00:00:00Z", 3,
               "2026-10-31T05:30:00Z 2026-11-01T05:30:00Z 2026-11-02T06:30:00Z");
  /* Every 30 minutes through the repeated hour: its second pass is skipped. */
  ASSERT_FIRES("cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T04:45:00Z", 4,
               "2026-11-01T05:00:00Z 2026-11-01T05:30:00Z 2026-11-01T07:00:00Z 2026-11-01T07:30:00Z");
  /* A rate in days is 24 hours, whatever the wall clock says. */
  ASSERT_FIRES("rate(1 day)", "America/New_York", "2026-03-07T07:00:00Z", 3,
               "2026-03-07T07:00:00Z 2026-03-08T07:00:00Z 2026-03-09T07:00:00Z");
  return 0;
}

TEST(dst_london) {
  /* 2026-03-29 01:00 GMT -> 02:00 BST. */
  ASSERT_FIRES("cron(30 1 * * ? *)", "Europe/London", "2026-03-28T00:00:00Z", 3,
               "2026-03-28T01:30:00Z 2026-03-30T00:30:00Z 2026-03-31T00:30:00Z");
  /* 2026-10-25 02:00 BST -> 01:00 GMT. */
  ASSERT_FIRES("cron(30 1 * * ? *)", "Europe/London", "2026-10-24T12:00:00Z", 2,
               "2026-10-25T00:30:00Z 2026-10-26T01:30:00Z");
  return 0;
}

TEST(dst_sydney_southern_hemisphere) {
  /* 2026-10-04 02:00 AEST -> 03:00 AEDT. */
  ASSERT_FIRES("cron(30 2 * * ? *)", "Australia/Sydney", "2026-10-02T00:00:00Z", 3,
               "2026-10-02T16:30:00Z 2026-10-04T15:30:00Z 2026-10-05T15:30:00Z");
  /* 2026-04-05 03:00 AEDT -> 02:00 AEST: 02:30 fires once, at AEDT. */
  ASSERT_FIRES("cron(30 2 * * ? *)", "Australia/Sydney", "2026-04-03T00:00:00Z", 3,
               "2026-04-03T15:30:00Z 2026-04-04T15:30:00Z 2026-04-05T16:30:00Z");
  /* Far past the zone file's table: the footer rule decides. */
  ASSERT_FIRES("cron(0 12 1 1,7 ? 2150)", "Australia/Sydney", "2150-01-01T00:00:00Z", 3,
               "2150-01-01T01:00:00Z 2150-07-01T02:00:00Z end");
  return 0;
}

TEST(at_and_rate) {
  ASSERT_FIRES("at(2026-12-01T02:00:00)", "UTC", "2026-11-25T00:00:00Z", 2, "2026-12-01T02:00:00Z end");
  ASSERT_FIRES("at(2026-12-01T02:00:00)", "Europe/London", "2026-12-01T02:00:01Z", 1, "end");
  ASSERT_FIRES("at(2026-07-01T02:00:00)", "Europe/London", "2026-01-01T00:00:00Z", 1, "2026-07-01T01:00:00Z");
  /* In the spring-forward gap: skipped, as a cron time would be. */
  ASSERT_FIRES("at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00Z", 1, "end");
  ASSERT_FIRES("rate(1 minute)", "UTC", "2026-01-01T00:00:30Z", 2,
               "2026-01-01T00:00:30Z 2026-01-01T00:01:30Z");
  ASSERT_FIRES("rate(5 hours)", "UTC", "2026-01-01T00:00:00Z", 2,
               "2026-01-01T00:00:00Z 2026-01-01T05:00:00Z");
  return 0;
}

/* The error's where ("<field> at column N: ...") for an invalid expression. */
static char *where_of(const char *expr, int *column) {
  struct sd_err err = { 0 };
  struct sd_sched_pos pos = { 0 };
  struct sd_sched *s = sd_sched_parse(expr, &pos, &err);
  sd_sched_free(s);
  *column = pos.column;
  char *w = s ? sd_xstrdup("valid") : sd_asprintf("%s | %s", err.cause, err.where);
  sd_err_clear(&err);
  return w;
}

#define ASSERT_INVALID(expr, col, expected)                                                                  \
  do {                                                                                                       \
    int c_;                                                                                                  \
    char *w_ = where_of(expr, &c_);                                                                          \
    int bad_ = strcmp(w_, expected) != 0 || c_ != (col);                                                     \
    if (bad_)                                                                                                \
      fprintf(stderr, "%s:%d: %s:\n  got      %s (column %d)\n  expected %s (column %d)\n", __FILE__,        \
              __LINE__, expr, w_, c_, expected, col);                                                        \
    free(w_);                                                                                                \
    if (bad_)                                                                                                \
      return 1;                                                                                              \
  } while (0)

TEST(validation_points_at_the_place) {
  ASSERT_INVALID("cron(0 2 * * * *)", 14,
                 "Invalid Schedule Expression cron(0 2 * * * *). | day-of-week at column 14: use '?' in "
                 "day-of-month or in day-of-week: one of them must be '?'");
  ASSERT_INVALID(
      "cron(0 2 ? * ? *)", 14,
      "Invalid Schedule Expression cron(0 2 ? * ? *). | day-of-week at column 14: '?' cannot be in "
      "both day-of-month and day-of-week");
  ASSERT_INVALID(
      "cron(0 2 * * ?)", 15,
      "Invalid Schedule Expression cron(0 2 * * ?). | cron at column 15: expected 6 fields (minutes "
      "hours day-of-month month day-of-week year), found 5");
  ASSERT_INVALID("cron(60 2 * * ? *)", 6,
                 "Invalid Schedule Expression cron(60 2 * * ? *). | minutes at column 6: 60 is outside 0-59");
  ASSERT_INVALID(
      "cron(0 2 ? * 0 *)", 14,
      "Invalid Schedule Expression cron(0 2 ? * 0 *). | day-of-week at column 14: 0 is outside 1-7");
  ASSERT_INVALID(
      "cron(*/60 * * * ? *)", 8,
      "Invalid Schedule Expression cron(*/60 * * * ? *). | minutes at column 8: the step must be a "
      "number from 1 to 59");
  ASSERT_INVALID(
      "cron(0 2 ? * MON#6 *)", 18,
      "Invalid Schedule Expression cron(0 2 ? * MON#6 *). | day-of-week at column 18: the week after "
      "'#' must be 1-5");
  ASSERT_INVALID("cron(0 2 ? FOO * *)", 12,
                 "Invalid Schedule Expression cron(0 2 ? FOO * *). | month at column 12: expected a value of "
                 "1-12 or JAN-DEC");
  ASSERT_INVALID(
      "cron(0 20-10 * * ? *)", 8,
      "Invalid Schedule Expression cron(0 20-10 * * ? *). | hours at column 8: the range 20-10 goes "
      "backwards");
  ASSERT_INVALID("cron(0 2 * * ? 1969)", 16,
                 "Invalid Schedule Expression cron(0 2 * * ? 1969). | year at column 16: 1969 is outside "
                 "1970-2199");
  ASSERT_INVALID("rate(1 hours)", 8,
                 "Invalid Schedule Expression rate(1 hours). | rate unit at column 8: use 'hour' for a value "
                 "of 1");
  ASSERT_INVALID("rate(5 hour)", 8,
                 "Invalid Schedule Expression rate(5 hour). | rate unit at column 8: use 'hours' for values "
                 "above 1");
  ASSERT_INVALID("rate(0 minutes)", 6,
                 "Invalid Schedule Expression rate(0 minutes). | rate value at column 6: expected a positive "
                 "whole number");
  ASSERT_INVALID("rate(99999999999 minutes)", 6,
                 "Invalid Schedule Expression rate(99999999999 minutes). | rate value at column 6: at most "
                 "1000000");
  ASSERT_INVALID("rate(2 weeks)", 8,
                 "Invalid Schedule Expression rate(2 weeks). | rate unit at column 8: expected minute(s), "
                 "hour(s) or day(s)");
  ASSERT_INVALID("at(2026-02-30T02:00:00)", 12,
                 "Invalid Schedule Expression at(2026-02-30T02:00:00). | at at column 12: 2026-02 has no day "
                 "30");
  ASSERT_INVALID("at(2026-02-10 02:00:00)", 14,
                 "Invalid Schedule Expression at(2026-02-10 02:00:00). | at at column 14: expected "
                 "yyyy-mm-ddThh:mm:ss");
  ASSERT_INVALID("every day", 1,
                 "Invalid Schedule Expression every day. | expression at column 1: expected cron(...), "
                 "rate(...) or at(...)");
  ASSERT_INVALID("cron(0 2 * JUL ? *)", 0, "valid");
  return 0;
}

TEST(unknown_zones_are_refused) {
  struct sd_err err = { 0 };
  ASSERT(sd_tz_load("Mars/Olympus_Mons", &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Invalid time zone: Mars/Olympus_Mons");
  sd_err_clear(&err);
  ASSERT(sd_tz_load("../../etc/passwd", &err) == NULL);
  sd_err_clear(&err);
  ASSERT(sd_tz_load("/etc/localtime", &err) == NULL);
  sd_err_clear(&err);
  return 0;
}
