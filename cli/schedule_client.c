/* `stepd schedule create|update|describe|list|pause|resume|delete`: a
 * client of the EventBridge Scheduler API `stepd serve` answers under
 * /schedules (client.c's REST call). Update, pause and resume read the
 * schedule and send it back changed, since UpdateSchedule replaces the
 * whole schedule. An expression is checked here first, so a mistake is
 * shown with its column before anything is sent. */
#include "cli/cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/timefmt.h"
#include "server/sched_expr.h"

static const char client_usage[] =
    "usage: stepd schedule create NAME --expression EXPR --state-machine NAME|ARN [options]\n"
    "       stepd schedule update NAME [options]     (what is not given is kept)\n"
    "       stepd schedule describe|pause|resume|delete NAME\n"
    "       stepd schedule list [--prefix P] [--state ENABLED|DISABLED]\n"
    "\n"
    "  --expression EXPR       cron(...), rate(...) or at(...), as EventBridge Scheduler\n"
    "  --timezone TZ           IANA time zone of the expression (default UTC)\n"
    "  --state-machine NAME|ARN  the state machine each fire starts\n"
    "  --input JSON | --input-file FILE   the executions' input (default {}); may hold\n"
    "                          <aws.scheduler.scheduled-time> and Scheduler's other attributes\n"
    "  --role-arn ARN          Target.RoleArn (default arn:aws:iam::ACCOUNT:role/stepd-scheduler)\n"
    "  --start-date ISO8601 | --end-date ISO8601\n"
    "  --flexible-window MIN   fire within MIN minutes of the time (default: exactly)\n"
    "  --missed none|latest|all   fires missed while the server was down (default latest)\n"
    "  --description TEXT      --state ENABLED|DISABLED    --delete-after-completion\n"
    "  --endpoint URL          the server (default $STEPD_ENDPOINT or http://127.0.0.1:8083);\n"
    "                          also --region and --no-sign-request\n"
    "\n"
    "Prints the API's answer as JSON. Exit status: 0 done, 2 usage or an invalid\n"
    "expression, 5 the API refused the call, 6 no server answered.\n";

struct sopts {
  struct sd_client_opts client;
  const char *name, *expression, *timezone, *machine, *input, *input_file, *role_arn;
  const char *start_date, *end_date, *flex, *missed, *description, *state, *prefix;
  bool delete_after;
};

static int parse(const char *sub, int argc, char **argv, struct sopts *o) {
  static const struct {
    const char *opt;
    size_t off;
  } opts[] = {
    { "--expression", offsetof(struct sopts, expression) },
    { "--timezone", offsetof(struct sopts, timezone) },
    { "--state-machine", offsetof(struct sopts, machine) },
    { "--input", offsetof(struct sopts, input) },
    { "--input-file", offsetof(struct sopts, input_file) },
    { "--role-arn", offsetof(struct sopts, role_arn) },
    { "--start-date", offsetof(struct sopts, start_date) },
    { "--end-date", offsetof(struct sopts, end_date) },
    { "--flexible-window", offsetof(struct sopts, flex) },
    { "--missed", offsetof(struct sopts, missed) },
    { "--description", offsetof(struct sopts, description) },
    { "--state", offsetof(struct sopts, state) },
    { "--prefix", offsetof(struct sopts, prefix) },
  };
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(client_usage, stdout);
      exit(SD_EXIT_OK);
    }
    int took = sd_client_opt_parse(argc, argv, &i, &o->client);
    if (took < 0)
      return -1;
    if (took > 0)
      continue;
    if (strcmp(a, "--delete-after-completion") == 0) {
      o->delete_after = true;
      continue;
    }
    size_t k = 0;
    while (k < sizeof opts / sizeof opts[0] && strcmp(a, opts[k].opt) != 0)
      k++;
    if (k < sizeof opts / sizeof opts[0]) {
      if (i + 1 >= argc) {
        sd_cli_errorf("schedule %s: %s needs a value", sub, a);
        return -1;
      }
      *(const char **)((char *)o + opts[k].off) = argv[++i];
    } else if (a[0] == '-' || o->name != NULL) {
      sd_cli_errorf("schedule %s: unexpected argument '%s'", sub, a);
      return -1;
    } else {
      o->name = a;
    }
  }
  return 0;
}

/* Checks an expression here, with a caret under the place it is wrong. */
static int check_expression(const char *expr) {
  struct sd_err err = { 0 };
  struct sd_sched_pos pos = { 0 };
  struct sd_sched *s = sd_sched_parse(expr, &pos, &err);
  if (s != NULL) {
    sd_sched_free(s);
    return 0;
  }
  sd_cli_errorf("%s", err.cause);
  fprintf(stderr, "  %s\n  %*s^ %s\n", expr, pos.column > 0 ? pos.column - 1 : 0, "", err.where);
  sd_err_clear(&err);
  return -1;
}

static int set_date(json_t *doc, const char *key, const char *iso) {
  int64_t ms;
  if (!sd_time_parse(iso, &ms)) {
    sd_cli_errorf("%s must be an ISO 8601 date-time with an offset, not '%s'", key, iso);
    return -1;
  }
  json_object_set_new(doc, key, json_real((double)ms / 1000.0));
  return 0;
}

/* Applies the options to a schedule's request body (`doc`, borrowed),
 * resolving --state-machine through `c`. 0, SD_EXIT_USAGE, or an exit
 * status after a failed call. */
static int apply(const struct sopts *o, struct sd_client *c, json_t *doc) {
  if (o->expression != NULL) {
    if (check_expression(o->expression) != 0)
      return SD_EXIT_USAGE;
    json_object_set_new(doc, "ScheduleExpression", json_string(o->expression));
  }
  if (o->timezone != NULL)
    json_object_set_new(doc, "ScheduleExpressionTimezone", json_string(o->timezone));
  if (o->description != NULL)
    json_object_set_new(doc, "Description", json_string(o->description));
  if (o->state != NULL)
    json_object_set_new(doc, "State", json_string(o->state));
  if (o->delete_after)
    json_object_set_new(doc, "ActionAfterCompletion", json_string("DELETE"));
  if ((o->start_date && set_date(doc, "StartDate", o->start_date) != 0) ||
      (o->end_date && set_date(doc, "EndDate", o->end_date) != 0))
    return SD_EXIT_USAGE;
  if (o->missed != NULL) {
    static const char *const names[][2] = { { "none", "NONE" }, { "latest", "LATEST" }, { "all", "ALL" } };
    size_t k = 0;
    while (k < 3 && strcmp(o->missed, names[k][0]) != 0)
      k++;
    if (k == 3) {
      sd_cli_errorf("--missed must be none, latest or all, not '%s'", o->missed);
      return SD_EXIT_USAGE;
    }
    json_object_set_new(doc, "MissedFirePolicy", json_string(names[k][1]));
  }
  if (o->flex != NULL) {
    char *end = NULL;
    errno = 0;
    long m = strtol(o->flex, &end, 10);
    if (errno != 0 || *end != '\0' || m < 0 || m > 1440) {
      sd_cli_errorf("--flexible-window must be 0 to 1440 minutes, not '%s'", o->flex);
      return SD_EXIT_USAGE;
    }
    json_object_set_new(
        doc, "FlexibleTimeWindow",
        m == 0 ? json_pack("{s:s}", "Mode", "OFF")
               : json_pack("{s:s, s:I}", "Mode", "FLEXIBLE", "MaximumWindowInMinutes", (json_int_t)m));
  }
  json_t *target = json_object_get(doc, "Target"); /* borrowed */
  if (target == NULL) {
    target = json_object();
    json_object_set_new(doc, "Target", target);
  }
  if (o->machine != NULL) {
    struct sd_err err = { 0 };
    char *arn = NULL;
    enum sd_client_rc rc = sd_client_machine_arn(c, o->machine, &arn, &err);
    if (rc != SD_CLIENT_OK) {
      int code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
      sd_err_clear(&err);
      return code;
    }
    json_object_set_new(target, "Arn", json_string(arn));
    free(arn);
  }
  if (o->input != NULL || o->input_file != NULL) {
    char *text = sd_cli_json_text(o->input, o->input_file, "the input");
    if (text == NULL)
      return SD_EXIT_USAGE;
    json_object_set_new(target, "Input", json_string(text));
    free(text);
  }
  if (o->role_arn != NULL) {
    json_object_set_new(target, "RoleArn", json_string(o->role_arn));
  } else if (json_object_get(target, "RoleArn") == NULL) {
    /* The account is the state machine's: arn:aws:states:REGION:ACCOUNT:... */
    const char *arn = json_string_value(json_object_get(target, "Arn"));
    const char *p = arn;
    for (int i = 0; p != NULL && i < 4; i++)
      p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
    size_t n = p ? strcspn(p, ":") : 0;
    char *role = sd_asprintf("arn:aws:iam::%.*s:role/stepd-scheduler", (int)n, p ? p : "");
    json_object_set_new(target, "RoleArn", json_string(role));
    free(role);
  }
  if (json_object_get(doc, "FlexibleTimeWindow") == NULL)
    json_object_set_new(doc, "FlexibleTimeWindow", json_pack("{s:s}", "Mode", "OFF"));
  return 0;
}

/* Runs one REST call and prints its answer; returns the exit status. */
static int call(struct sd_client *c, const char *method, const char *path, json_t *req, json_t **keep) {
  struct sd_err err = { 0 };
  json_t *out = NULL; /* new */
  enum sd_client_rc rc = sd_client_rest(c, method, path, req, &out, &err);
  int code = SD_EXIT_OK;
  if (rc != SD_CLIENT_OK)
    code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
  else if (keep != NULL)
    *keep = json_incref(out);
  else
    sd_cli_print_json(out);
  json_decref(out);
  sd_err_clear(&err);
  return code;
}

/* The members of GetSchedule's answer that UpdateSchedule takes back. */
static json_t *updatable(json_t *got) {
  static const char *const keys[] = { "ScheduleExpression",
                                      "ScheduleExpressionTimezone",
                                      "StartDate",
                                      "EndDate",
                                      "State",
                                      "FlexibleTimeWindow",
                                      "Target",
                                      "Description",
                                      "ActionAfterCompletion",
                                      "KmsKeyArn",
                                      "MissedFirePolicy" };
  json_t *doc = json_object(); /* new */
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    json_t *v = json_object_get(got, keys[i]);
    if (v != NULL)
      json_object_set(doc, keys[i], v);
  }
  return doc;
}

static int run(const char *sub, int argc, char **argv) {
  struct sopts o = { 0 };
  if (parse(sub, argc, argv, &o) != 0)
    return SD_EXIT_USAGE;
  bool list = strcmp(sub, "list") == 0;
  if (!list && o.name == NULL) {
    sd_cli_errorf("schedule %s: NAME is required\n\n%s", sub, client_usage);
    return SD_EXIT_USAGE;
  }
  if (strcmp(sub, "create") == 0 && (o.expression == NULL || o.machine == NULL)) {
    sd_cli_errorf("schedule create: --expression and --state-machine are required");
    return SD_EXIT_USAGE;
  }
  struct sd_client *c = sd_cli_client_new(&o.client);
  if (c == NULL)
    return SD_EXIT_USAGE;
  char *path = list ? NULL : sd_asprintf("/schedules/%s", o.name);
  int code;
  if (list) {
    /* Every page, printed as one answer (as `stepd state-machines list`). */
    json_t *all = json_array(); /* new */
    char *token = NULL;         /* owned */
    do {
      struct sd_buf q = { 0 };
      sd_buf_puts(&q, "/schedules?MaxResults=100");
      if (o.prefix != NULL)
        sd_buf_printf(&q, "&NamePrefix=%s", o.prefix);
      if (o.state != NULL)
        sd_buf_printf(&q, "&State=%s", o.state);
      if (token != NULL)
        sd_buf_printf(&q, "&NextToken=%s", token);
      json_t *page = NULL; /* new */
      code = call(c, "GET", q.data, NULL, &page);
      sd_buf_free(&q);
      free(token);
      token = NULL;
      if (page != NULL) {
        json_array_extend(all, json_object_get(page, "Schedules"));
        const char *next = json_string_value(json_object_get(page, "NextToken"));
        token = next ? sd_xstrdup(next) : NULL;
      }
      json_decref(page);
    } while (code == SD_EXIT_OK && token != NULL);
    if (code == SD_EXIT_OK) {
      json_t *out = json_pack("{s:O}", "Schedules", all); /* new */
      sd_cli_print_json(out);
      json_decref(out);
    }
    json_decref(all);
  } else if (strcmp(sub, "describe") == 0) {
    code = call(c, "GET", path, NULL, NULL);
  } else if (strcmp(sub, "delete") == 0) {
    code = call(c, "DELETE", path, NULL, NULL);
  } else if (strcmp(sub, "create") == 0) {
    json_t *doc = json_object(); /* new */
    code = apply(&o, c, doc);
    if (code == SD_EXIT_OK)
      code = call(c, "POST", path, doc, NULL);
    json_decref(doc);
  } else {
    json_t *got = NULL; /* new */
    code = call(c, "GET", path, NULL, &got);
    json_t *doc = got ? updatable(got) : NULL; /* new */
    if (code == SD_EXIT_OK && strcmp(sub, "update") != 0)
      json_object_set_new(doc, "State", json_string(strcmp(sub, "pause") == 0 ? "DISABLED" : "ENABLED"));
    if (code == SD_EXIT_OK)
      code = apply(&o, c, doc);
    if (code == SD_EXIT_OK)
      code = call(c, "PUT", path, doc, NULL);
    json_decref(doc);
    json_decref(got);
  }
  free(path);
  sd_client_free(c);
  return code;
}

int sd_cli_schedule_remote(int argc, char **argv) {
  return run(argv[0], argc, argv);
}
