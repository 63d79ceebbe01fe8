/* Timestamp parsing and formatting (engine/timefmt.c): the forms AWS accepts
 * and rejects for Wait's Timestamp and Choice's Timestamp operators. */
#include "runner.h"

#include <stdint.h>

#include "engine/timefmt.h"

static int64_t ms_of(const char *s) {
  int64_t ms = INT64_MIN;
  if (!sd_time_parse(s, &ms))
    return INT64_MIN;
  return ms;
}

TEST(parses_utc_seconds) {
  ASSERT_INT_EQ(ms_of("1970-01-01T00:00:00Z"), 0);
  ASSERT_INT_EQ(ms_of("2016-03-14T01:59:00Z"), 1457920740000LL);
  ASSERT_INT_EQ(ms_of("2012-10-09T19:00:55Z"), 1349809255000LL);
  return 0;
}

TEST(parses_fractions_of_any_length) {
  ASSERT_INT_EQ(ms_of("2016-03-14T01:59:00.1Z"), 1457920740100LL);
  ASSERT_INT_EQ(ms_of("2026-11-25T12:59:15.00Z"), ms_of("2026-11-25T12:59:15Z"));
  ASSERT_INT_EQ(ms_of("2016-03-05T21:29:29.243167252Z"), ms_of("2016-03-05T21:29:29Z") + 243);
  ASSERT_INT_EQ(ms_of("2016-03-05T21:29:29.999999999999Z"), ms_of("2016-03-05T21:29:29Z") + 999);
  return 0;
}

TEST(parse_ns_keeps_nine_digits) {
  int64_t sec = 0;
  int32_t ns = 0;
  ASSERT(sd_time_parse_ns("2016-03-05T21:29:29.243167252Z", &sec, &ns));
  ASSERT_INT_EQ(ns, 243167252);
  ASSERT(sd_time_parse_ns("2016-03-05T21:29:29.5Z", &sec, &ns));
  ASSERT_INT_EQ(ns, 500000000);
  ASSERT(sd_time_parse_ns("2016-03-05T21:29:29.0000000019Z", &sec, &ns));
  ASSERT_INT_EQ(ns, 1);
  ASSERT_INT_EQ(sec, 1457213369);
  return 0;
}

TEST(applies_offsets) {
  ASSERT_INT_EQ(ms_of("2012-10-09T19:00:55+01:00"), ms_of("2012-10-09T18:00:55Z"));
  ASSERT_INT_EQ(ms_of("2012-10-09T19:00:55-05:30"), ms_of("2012-10-10T00:30:55Z"));
  ASSERT_INT_EQ(ms_of("2012-10-09T19:00:55-00:00"), ms_of("2012-10-09T19:00:55Z"));
  ASSERT_INT_EQ(ms_of("2000-01-01T00:00:00+18:00"), ms_of("1999-12-31T06:00:00Z"));
  return 0;
}

TEST(validates_leap_years) {
  ASSERT(ms_of("2016-02-29T00:00:00Z") != INT64_MIN);
  ASSERT(ms_of("2000-02-29T00:00:00Z") != INT64_MIN);
  ASSERT_INT_EQ(ms_of("2017-02-29T00:00:00Z"), INT64_MIN);
  ASSERT_INT_EQ(ms_of("1900-02-29T00:00:00Z"), INT64_MIN);
  ASSERT_INT_EQ(ms_of("2016-04-31T00:00:00Z"), INT64_MIN);
  ASSERT_INT_EQ(ms_of("2016-12-32T00:00:00Z"), INT64_MIN);
  ASSERT_INT_EQ(ms_of("2016-12-00T00:00:00Z"), INT64_MIN);
  return 0;
}

/* The rejected forms recorded against AWS (Wait Timestamp / TimestampPath
 * and the Choice operator matrix), plus the field ranges. */
TEST(rejects_what_aws_rejects) {
  static const char *const bad[] = {
    "2016-12-05T25:29:29Z",       /* hour */
    "2016-13-05T21:29:29Z",       /* month */
    "05-12-2016T21:29:29Z",       /* day first */
    "2016-12-05 21:29:29Z",       /* space separator */
    "2016-12-05T21:29:29",        /* no offset */
    "2026-11-25T12:59:15.000000", /* fraction, no offset */
    "2023-02-24 12:15:56.832957", "2023-02-24",
    "2016-12-05t21:29:29Z",  /* lower-case t */
    "2016-12-05T21:29:29z",  /* lower-case z */
    "2016-12-05T21:60:29Z",  /* minute */
    "2016-12-05T21:29:60Z",  /* leap second */
    "2016-12-05T21:29Z",     /* no seconds */
    "2016-12-05T21:29:29.Z", /* dot without digits */
    "2016-12-05T21:29:29+0100",   "2016-12-05T21:29:29+01",
    "2016-12-05T21:29:29+19:00",  "2016-12-05T21:29:29+01:60",
    "2016-12-05T21:29:29Z ",      " 2016-12-05T21:29:29Z",
    "16-12-05T21:29:29Z",         "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t ms;
    if (sd_time_parse(bad[i], &ms)) {
      fprintf(stderr, "accepted %s\n", bad[i]);
      return 1;
    }
  }
  ASSERT(!sd_time_parse(NULL, &(int64_t){ 0 }));
  return 0;
}

TEST(formats_with_milliseconds) {
  char buf[32];
  sd_time_format(0, buf);
  ASSERT_STR_EQ(buf, "1970-01-01T00:00:00.000Z");
  sd_time_format(1457920740123LL, buf);
  ASSERT_STR_EQ(buf, "2016-03-14T01:59:00.123Z");
  sd_time_format(-1, buf);
  ASSERT_STR_EQ(buf, "1969-12-31T23:59:59.999Z");
  sd_time_format(951782400000LL, buf); /* leap day */
  ASSERT_STR_EQ(buf, "2000-02-29T00:00:00.000Z");
  return 0;
}

/* Every day over several centuries (both directions of the epoch, leap
 * centuries and not) survives format then parse. */
TEST(round_trips_every_day) {
  char buf[32];
  for (int64_t day = -200000; day <= 200000; day += 1) {
    int64_t ms = day * 86400000LL + 45296789; /* 12:34:56.789 */
    sd_time_format(ms, buf);
    int64_t back;
    if (!sd_time_parse(buf, &back) || back != ms) {
      fprintf(stderr, "day %lld: %s\n", (long long)day, buf);
      return 1;
    }
  }
  return 0;
}
