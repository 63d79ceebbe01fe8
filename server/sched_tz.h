/* IANA time zones read from the system's tz database (TZif files under
 * $TZDIR, default /usr/share/zoneinfo), without TZ/localtime_r: setenv("TZ")
 * is process-wide and races with every other thread that asks for local
 * time, and one server evaluates schedules in many zones at once. A zone is
 * immutable once loaded, so any thread may use it. Not for: calendars or
 * schedule expressions (sched.h). */
#ifndef SD_SERVER_SCHED_TZ_H
#define SD_SERVER_SCHED_TZ_H

#include <stdbool.h>
#include <stdint.h>

struct sd_err;
struct sd_tz;

/* Loads the zone `name` ("America/New_York", "UTC"). "UTC" needs no file.
 * NULL with err (ValidationException naming the zone) for a name that is
 * not a zone of the database. Reads one small file: callers on the loop
 * keep the zones they load (server/schedules.c caches them). */
struct sd_tz *sd_tz_load(const char *name, struct sd_err *err);
void sd_tz_free(struct sd_tz *tz);
const char *sd_tz_name(const struct sd_tz *tz);

/* Seconds east of UTC in force at the instant `utc` (seconds since the
 * epoch). */
int32_t sd_tz_offset(const struct sd_tz *tz, int64_t utc);

/* The instants (UTC seconds) at which the wall clock of the zone reads
 * `local` (a civil time counted as seconds since 1970-01-01T00:00:00 of
 * that wall clock). Returns how many there are: 0 in a spring-forward gap,
 * 2 in an autumn overlap (out[0] < out[1]), else 1. */
int sd_tz_resolve(const struct sd_tz *tz, int64_t local, int64_t out[2]);

#endif
