/* `stepd schedule`: the sub-command table, and `preview`, which lists an
 * expression's next fire times without a server (the same code as the
 * server's schedules, server/sched_expr.h). The sub-commands that talk to a
 * server are in schedule_client.c. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/err.h"
#include "engine/timefmt.h"
#include "server/sched_expr.h"
#include "server/sched_tz.h"

static const char schedule_usage[] =
    "usage: stepd schedule COMMAND [options]\n"
    "\n"
    "  preview EXPRESSION [--timezone TZ] [--from ISO8601] [--count N]\n"
    "      the next N (default 10) fire times at or after --from (default now),\n"
    "      one ISO 8601 UTC time a line; exit 2 for an invalid expression\n"
    "  create NAME --expression EXPR --state-machine NAME|ARN [options]\n"
    "  update NAME [options]   (what is not given is kept)\n"
    "  describe NAME | pause NAME | resume NAME | delete NAME\n"
    "  list [--prefix P] [--state ENABLED|DISABLED]\n"
    "      manage the schedules of a `stepd serve` (--endpoint URL) through its\n"
    "      EventBridge Scheduler API; `stepd schedule create --help` for the options\n"
    "\n"
    "docs/schedules.md for expressions, time zones, daylight saving and missed fires.\n";

/* "2026-11-26T02:00:00Z": fire times are whole seconds. */
static void print_utc(int64_t secs) {
  char iso[32];
  sd_time_format(secs * 1000, iso);
  iso[19] = 'Z';
  iso[20] = '\0';
  puts(iso);
}

/* Prints the expression with a caret under the column it is wrong at. */
static void report(const char *expr, const struct sd_sched_pos *pos, const struct sd_err *err) {
  sd_cli_errorf("%s", err->cause ? err->cause : "Invalid Schedule Expression");
  fprintf(stderr, "  %s\n  %*s^ %s\n", expr, pos->column > 0 ? pos->column - 1 : 0, "",
          err->where ? err->where : "");
}

static int preview(int argc, char **argv) {
  const char *expr = NULL, *zone = "UTC", *from = NULL;
  long count = 10;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(schedule_usage, stdout);
      return SD_EXIT_OK;
    }
    if (strcmp(a, "--timezone") == 0 || strcmp(a, "--from") == 0 || strcmp(a, "--count") == 0) {
      if (i + 1 >= argc) {
        sd_cli_errorf("schedule preview: %s needs a value", a);
        return SD_EXIT_USAGE;
      }
      const char *v = argv[++i];
      if (strcmp(a, "--timezone") == 0) {
        zone = v;
      } else if (strcmp(a, "--from") == 0) {
        from = v;
      } else {
        char *end = NULL;
        errno = 0;
        count = strtol(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || count < 1 || count > 100000) {
          sd_cli_errorf("schedule preview: --count must be a whole number from 1 to 100000, not '%s'", v);
          return SD_EXIT_USAGE;
        }
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      sd_cli_errorf("schedule preview: unknown option '%s'", a);
      return SD_EXIT_USAGE;
    } else if (expr != NULL) {
      sd_cli_errorf("schedule preview: one EXPRESSION only (quote it: 'cron(0 2 * * ? *)')");
      return SD_EXIT_USAGE;
    } else {
      expr = a;
    }
  }
  if (expr == NULL) {
    fputs(schedule_usage, stderr);
    return SD_EXIT_USAGE;
  }
  int64_t start;
  if (from == NULL) {
    start = (int64_t)time(NULL);
  } else if (sd_time_parse(from, &start)) {
    start = start / 1000 + (start % 1000 > 0); /* a fire time is a whole second */
  } else {
    sd_cli_errorf("schedule preview: --from must be an ISO 8601 date-time with an offset "
                  "(2026-11-25T02:00:00Z), not '%s'",
                  from);
    return SD_EXIT_USAGE;
  }
  struct sd_err err = { 0 };
  struct sd_sched_pos pos = { 0 };
  struct sd_sched *s = sd_sched_parse(expr, &pos, &err);
  if (s == NULL) {
    report(expr, &pos, &err);
    sd_err_clear(&err);
    return SD_EXIT_USAGE;
  }
  struct sd_tz *tz = sd_tz_load(zone, &err);
  if (tz == NULL) {
    sd_cli_errorf("%s", err.cause);
    sd_err_clear(&err);
    sd_sched_free(s);
    return SD_EXIT_USAGE;
  }
  /* A rate is anchored at --from, as a schedule is at its start date. */
  int64_t t = start - 1;
  for (long i = 0; i < count; i++) {
    t = sd_sched_next(s, tz, start, t);
    if (t < 0)
      break;
    print_utc(t);
  }
  sd_tz_free(tz);
  sd_sched_free(s);
  return SD_EXIT_OK;
}

struct sub {
  const char *name;
  int (*fn)(int argc, char **argv);
};

static const struct sub subs[] = {
  { "create", sd_cli_schedule_remote },   { "delete", sd_cli_schedule_remote },
  { "describe", sd_cli_schedule_remote }, { "list", sd_cli_schedule_remote },
  { "pause", sd_cli_schedule_remote },    { "preview", preview },
  { "resume", sd_cli_schedule_remote },   { "update", sd_cli_schedule_remote },
};

int sd_cli_schedule(int argc, char **argv) {
  if (argc < 2) {
    fputs(schedule_usage, stderr);
    return SD_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(schedule_usage, stdout);
    return SD_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp(argv[1], subs[i].name) == 0)
      return subs[i].fn(argc - 1, argv + 1);
  sd_cli_errorf("schedule: unknown command '%s'\n\n%s", argv[1], schedule_usage);
  return SD_EXIT_USAGE;
}
