/* Timestamps as AWS reads and writes them. Times are int64 milliseconds
 * since the Unix epoch, UTC. */
#ifndef SD_ENGINE_TIMEFMT_H
#define SD_ENGINE_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>

/* Parses an RFC 3339 / ISO-8601 extended offset date-time as the Wait state's
 * Timestamp and Choice's Timestamp comparisons accept it
 * ("2016-03-14T01:59:00Z", "...T01:59:00.123+02:00"). Returns false for
 * anything else (no date-only forms, no space separator, no missing offset). */
bool sd_time_parse(const char *s, int64_t *ms);

/* The same grammar at full precision: seconds since the epoch and the
 * nanoseconds within that second (fraction digits past the ninth are
 * dropped). For Choice's Timestamp comparisons: AWS runs on the JVM, whose
 * instants keep nanoseconds, so .0001Z and .0002Z are different times. */
bool sd_time_parse_ns(const char *s, int64_t *sec, int32_t *nsec);

/* Formats as the context object and history do: "2024-01-02T03:04:05.678Z".
 * buf must hold 32 bytes. */
void sd_time_format(int64_t ms, char *buf);

/* The proleptic Gregorian calendar: days from 1970-01-01 to y-m-d, its
 * inverse, and a month's length. Shared with schedules (server/sched_expr.c). */
int64_t sd_time_days_from_civil(int64_t y, int m, int d);
void sd_time_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int sd_time_month_days(int64_t y, int m);

#endif
