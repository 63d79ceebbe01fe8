/* Timestamps as AWS reads and writes them (see timefmt.h): the RFC 3339
 * profile of ISO 8601 that the Wait state and Choice's Timestamp operators
 * accept, and the millisecond UTC form of history events and the context
 * object. Calendar arithmetic is done here rather than with timegm(), which
 * is not in POSIX and depends on the TZ database; the proleptic Gregorian
 * calendar needs only integer arithmetic. Not for: durations or clocks. */
#include "engine/timefmt.h"

#include <stdio.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, for any
 * year. Counting from 1 March puts the leap day at the end of a year, so a
 * 400-year era has a fixed length (146097 days) and the day of the year
 * follows from the month by one linear formula (Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms"). */
int64_t sd_time_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                   /* [0, 399] */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
void sd_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sd_time_month_days(int64_t y, int m) {
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n ASCII digits at *p, advancing it. */
static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

static bool expect(const char **p, char c) {
  if (**p != c)
    return false;
  (*p)++;
  return true;
}

/* Offsets as java.time reads them in ISO_OFFSET_DATE_TIME: "Z" or +hh:mm,
 * at most 18 hours either way. The letters must be upper case (AWS's Choice
 * documentation: "An uppercase Z must denote that a numeric time zone
 * offset isn't present"). */
static bool parse_offset(const char **p, int *offset_s) {
  if (expect(p, 'Z')) {
    *offset_s = 0;
    return true;
  }
  char sign = **p;
  if (sign != '+' && sign != '-')
    return false;
  (*p)++;
  int hh, mm;
  if (!digits(p, 2, &hh) || !expect(p, ':') || !digits(p, 2, &mm) || mm > 59 || hh * 60 + mm > 18 * 60)
    return false;
  *offset_s = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
  return true;
}

bool sd_time_parse_ns(const char *s, int64_t *sec, int32_t *nsec) {
  const char *p = s;
  int y, mo, d, h, mi, se;
  if (s == NULL)
    return false;
  /* Date and time: every field has a fixed width, and an upper-case T
   * separates them (no space, no lower case, no date-only form). */
  if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
      !digits(&p, 2, &d) || !expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') ||
      !digits(&p, 2, &mi) || !expect(&p, ':') || !digits(&p, 2, &se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > sd_time_month_days(y, mo) || h > 23 || mi > 59 || se > 59)
    return false;
  /* Any number of fraction digits (at least one after the dot); only the
   * first nine are significant at nanosecond precision. */
  int32_t ns = 0;
  if (*p == '.') {
    p++;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
      if (n < 9)
        ns = ns * 10 + (*p - '0');
      n++;
      p++;
    }
    if (n == 0)
      return false;
    for (; n < 9; n++)
      ns *= 10;
  }
  int offset_s;
  if (!parse_offset(&p, &offset_s) || *p != '\0')
    return false;
  *sec = sd_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
  *nsec = ns;
  return true;
}

bool sd_time_parse(const char *s, int64_t *ms) {
  int64_t sec;
  int32_t ns;
  if (!sd_time_parse_ns(s, &sec, &ns))
    return false;
  *ms = sec * 1000 + ns / 1000000;
  return true;
}

void sd_time_format(int64_t ms, char *buf) {
  /* Floor division, so that instants before 1970 still get a millisecond
   * field in [0, 999] and the right day. */
  int64_t secs = ms / 1000, msec = ms % 1000;
  if (msec < 0) {
    msec += 1000;
    secs--;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t y;
  int m, d;
  sd_time_civil_from_days(days, &y, &m, &d);
  snprintf(buf, 32, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d, (int)(rem / 3600),
           (int)(rem / 60 % 60), (int)(rem % 60), (int)msec);
}
