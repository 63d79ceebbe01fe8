/* `stepd start`: starts an execution through the API (for cron jobs and
 * systemd timers) and prints its ARN; with --wait, follows it to its end
 * and exits with its status. With --name a night runs once: an execution
 * of that name that already exists is followed, never started again. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/client.h"
#include "engine/alloc.h"
#include "engine/err.h"

static const char start_usage[] =
    "usage: stepd start --state-machine NAME|ARN [options]\n"
    "\n"
    "Starts an execution through the Step Functions API and prints its ARN.\n"
    "\n"
    "  --state-machine NAME|ARN  the state machine (a name is looked up with ListStateMachines)\n"
    "  --input JSON              execution input (default {}; file://PATH reads a file)\n"
    "  --input-file FILE         read the input from FILE (- for stdin)\n"
    "  --name NAME               execution name: if it exists already, nothing is started and\n"
    "                            that execution's ARN is printed (exit 0; followed with --wait)\n"
    "  --wait                    follow the execution; print its output (stdout) or its error\n"
    "                            and cause (stderr) and exit with its status\n"
    "  --timeout SECONDS         with --wait: give up waiting after SECONDS (exit 7)\n"
    "  --endpoint URL            the API (default: $STEPD_ENDPOINT, $AWS_ENDPOINT_URL_SFN,\n"
    "                            $AWS_ENDPOINT_URL, then " SD_CLIENT_DEFAULT_ENDPOINT ")\n"
    "  --region REGION           region for SigV4 (default: $AWS_REGION, $AWS_DEFAULT_REGION,\n"
    "                            the profile's, the endpoint's host, us-east-1)\n"
    "  --no-sign-request         do not sign, even with credentials in the environment\n"
    "\n"
    "Exit status: 0 started (or SUCCEEDED with --wait), 1 FAILED, 3 TIMED_OUT, 4 ABORTED,\n"
    "2 usage or invalid input, 5 the API refused the call, 6 no server answered,\n"
    "7 --timeout ran out while the execution was still running.\n";

struct start_opts {
  struct sd_client_opts client;
  const char *machine;
  const char *input;
  const char *input_file;
  const char *name;
  bool wait;
  double timeout; /* seconds; < 0: wait for the end */
};

static int parse_args(int argc, char **argv, struct start_opts *o) {
  o->timeout = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(start_usage, stdout);
      exit(SD_EXIT_OK);
    }
    int took = sd_client_opt_parse(argc, argv, &i, &o->client);
    if (took != 0) {
      if (took < 0)
        return -1;
      continue;
    }
    if (strcmp(a, "--wait") == 0) {
      o->wait = true;
      continue;
    }
    if (strncmp(a, "--", 2) != 0) {
      sd_cli_errorf("start: unexpected argument '%s'", a);
      return -1;
    }
    if (i + 1 >= argc) {
      sd_cli_errorf("start: option %s needs a value", a);
      return -1;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--state-machine") == 0 || strcmp(a, "--state-machine-arn") == 0) {
      o->machine = v;
    } else if (strcmp(a, "--input") == 0) {
      o->input = v;
    } else if (strcmp(a, "--input-file") == 0) {
      o->input_file = v;
    } else if (strcmp(a, "--name") == 0) {
      o->name = v;
    } else if (strcmp(a, "--timeout") == 0) {
      char *end;
      errno = 0;
      o->timeout = strtod(v, &end);
      if (errno != 0 || end == v || *end != '\0' || !(o->timeout >= 0) || isinf(o->timeout)) {
        sd_cli_errorf("start: --timeout takes a number of seconds >= 0, not '%s'", v);
        return -1;
      }
    } else {
      sd_cli_errorf("start: unknown option %s", a);
      return -1;
    }
  }
  if (o->machine == NULL) {
    sd_cli_errorf("start: --state-machine is required");
    return -1;
  }
  if (o->input != NULL && o->input_file != NULL) {
    sd_cli_errorf("start: give --input or --input-file, not both");
    return -1;
  }
  if (o->timeout >= 0 && !o->wait) {
    sd_cli_errorf("start: --timeout bounds --wait; give --wait too");
    return -1;
  }
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
  struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    continue;
}

/* The ARN an execution named `name` of `machine_arn` has:
 * arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME (the API
 * model's Arn; a version or alias qualifier, or Step Functions Local's
 * #TestCase, is not part of it). NULL when machine_arn is not one. */
static char *execution_arn(const char *machine_arn, const char *name) {
  const char *p = machine_arn;
  for (int field = 0; field < 5; field++) {
    p = strchr(p, ':');
    if (p == NULL)
      return NULL;
    p++;
  }
  if (strncmp(p, "stateMachine:", 13) != 0)
    return NULL;
  const char *mname = p + 13;
  size_t mlen = strcspn(mname, ":#");
  if (mlen == 0)
    return NULL;
  return sd_asprintf("%.*sexecution:%.*s:%s", (int)(p - machine_arn), machine_arn, (int)mlen, mname, name);
}

/* Prints an ended execution's outcome as `stepd run` does and returns its
 * exit status; -1 for a status that has not ended. */
static int report_end(json_t *desc) {
  const char *status = json_string_value(json_object_get(desc, "status"));
  if (status == NULL)
    status = "";
  if (strcmp(status, "SUCCEEDED") == 0) {
    const char *out = json_string_value(json_object_get(desc, "output"));
    printf("%s\n", out ? out : "null");
    return SD_EXIT_OK;
  }
  static const struct {
    const char *status;
    int code;
  } ended[] = { { "FAILED", SD_EXIT_FAILED },
                { "TIMED_OUT", SD_EXIT_TIMED_OUT },
                { "ABORTED", SD_EXIT_ABORTED } };
  for (size_t i = 0; i < sizeof ended / sizeof ended[0]; i++) {
    if (strcmp(status, ended[i].status) != 0)
      continue;
    /* Borrowed from desc, only read: an execution stopped without an
     * error or a cause has neither (null on the line, as for stepd run). */
    const struct sd_err e = {
      .name = (char *)json_string_value(json_object_get(desc, "error")),
      .cause = (char *)json_string_value(json_object_get(desc, "cause")),
    };
    sd_cli_errorf("execution %s", status);
    sd_cli_print_error_line(&e);
    return ended[i].code;
  }
  return -1;
}

/* How long a server may stay unreachable (or keep answering 5xx) while we
 * follow an execution: long enough for `stepd serve` to be restarted, which
 * resumes running executions. */
#define OUTAGE_S     60.0
#define POLL_FIRST_S 0.1
#define POLL_MAX_S   5.0

/* Polls DescribeExecution with a growing interval (0.1 s, x1.5, at most
 * 5 s) until the execution ends or `timeout` (< 0: none) runs out. */
static int follow(struct sd_client *c, const char *arn, double timeout) {
  double t0 = now_s(), delay = POLL_FIRST_S, failing_since = -1;
  json_t *req = json_pack("{s:s}", "executionArn", arn); /* new */
  int code;
  for (;;) {
    json_t *desc; /* new */
    struct sd_err err = { 0 };
    /* A server that hangs must not hold us past --timeout. */
    if (timeout >= 0)
      sd_client_set_timeout(c, t0 + timeout - now_s() < 70 ? t0 + timeout - now_s() : 70);
    enum sd_client_rc rc = sd_client_call(c, "DescribeExecution", req, &desc, &err);
    if (rc != SD_CLIENT_OK) {
      bool retry = sd_client_retryable(rc, &err) && (failing_since < 0 || now_s() - failing_since < OUTAGE_S);
      if (!retry) {
        code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
        sd_err_clear(&err);
        break;
      }
      if (failing_since < 0) {
        failing_since = now_s();
        sd_cli_errorf("%s: %s; retrying for up to %.0f s", err.name, err.cause ? err.cause : "", OUTAGE_S);
      }
      sd_err_clear(&err);
    } else {
      failing_since = -1;
      code = report_end(desc);
      json_decref(desc);
      if (code >= 0)
        break;
    }
    double left = timeout < 0 ? delay : t0 + timeout - now_s();
    if (left <= 0) {
      sd_cli_errorf("execution still running after %g s (--timeout): %s", timeout, arn);
      code = SD_EXIT_WAITED;
      break;
    }
    sleep_s(left < delay ? left : delay);
    delay = delay * 1.5 > POLL_MAX_S ? POLL_MAX_S : delay * 1.5;
  }
  json_decref(req);
  return code;
}

/* Whether an execution with this ARN exists already. Asked before
 * StartExecution because AWS answers a second StartExecution with the same
 * name and input as a RUNNING execution with success, not with
 * ExecutionAlreadyExists, and a cron job must still learn that it started
 * nothing. Any failure here just leaves the decision to StartExecution. */
static bool exists(struct sd_client *c, const char *arn) {
  json_t *req = json_pack("{s:s}", "executionArn", arn); /* new */
  json_t *desc = NULL;                                   /* new */
  struct sd_err err = { 0 };
  enum sd_client_rc rc = sd_client_call(c, "DescribeExecution", req, &desc, &err);
  json_decref(req);
  json_decref(desc);
  sd_err_clear(&err);
  return rc == SD_CLIENT_OK;
}

/* Starts (or finds) the execution: *arn is new. Returns an exit status. */
static int start(struct sd_client *c, const struct start_opts *o, const char *machine_arn, const char *input,
                 char **arn) {
  char *named = o->name ? execution_arn(machine_arn, o->name) : NULL; /* owned */
  bool existed = named != NULL && exists(c, named);
  int code = SD_EXIT_OK;
  if (!existed) {
    json_t *req = json_pack("{s:s, s:s}", "stateMachineArn", machine_arn, "input", input); /* new */
    if (o->name != NULL)
      json_object_set_new(req, "name", json_string(o->name));
    json_t *resp = NULL; /* new */
    struct sd_err err = { 0 };
    enum sd_client_rc rc = sd_client_call(c, "StartExecution", req, &resp, &err);
    json_decref(req);
    const char *got = json_string_value(json_object_get(resp, "executionArn"));
    if (rc == SD_CLIENT_OK && got != NULL) {
      *arn = sd_xstrdup(got);
    } else if (rc == SD_CLIENT_API && strcmp(err.name, "ExecutionAlreadyExists") == 0 && named != NULL) {
      existed = true; /* started between our two calls, or closed and found only now */
    } else if (rc == SD_CLIENT_OK) {
      sd_cli_errorf("StartExecution answered without an executionArn");
      code = SD_EXIT_API;
    } else {
      code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
    }
    sd_err_clear(&err);
    json_decref(resp);
  }
  if (existed) {
    sd_cli_errorf("an execution named '%s' exists already; nothing started: %s", o->name, named);
    *arn = named;
    named = NULL;
  }
  free(named);
  return code;
}

/* Whether the machine is EXPRESS, asked only for --wait: an EXPRESS
 * execution cannot be followed (DescribeExecution refuses its ARN), but
 * StartSyncExecution runs it to its end. When DescribeStateMachine cannot
 * say (a Step Functions Local "#TestCase" ARN, a denied permission), the
 * machine is taken as STANDARD and StartExecution will tell. */
static bool is_express(struct sd_client *c, const char *machine_arn) {
  json_t *req = json_pack("{s:s}", "stateMachineArn", machine_arn); /* new */
  json_t *desc = NULL;                                              /* new */
  struct sd_err err = { 0 };
  enum sd_client_rc rc = sd_client_call(c, "DescribeStateMachine", req, &desc, &err);
  const char *type = json_string_value(json_object_get(desc, "type"));
  bool express = rc == SD_CLIENT_OK && type != NULL && strcmp(type, "EXPRESS") == 0;
  json_decref(req);
  json_decref(desc);
  sd_err_clear(&err);
  return express;
}

/* AWS ends a synchronous Express execution after five minutes: wait for
 * its answer a little longer than that, unless --timeout says less. */
#define SYNC_WAIT_S 330.0

/* --wait on an EXPRESS machine: one StartSyncExecution, whose answer has
 * DescribeExecution's fields. Returns the exit status. */
static int run_sync(struct sd_client *c, const struct start_opts *o, const char *machine_arn,
                    const char *input) {
  json_t *req = json_pack("{s:s, s:s}", "stateMachineArn", machine_arn, "input", input); /* new */
  if (o->name != NULL)
    json_object_set_new(req, "name", json_string(o->name));
  sd_client_set_timeout(c, o->timeout >= 0 && o->timeout < SYNC_WAIT_S ? o->timeout : SYNC_WAIT_S);
  sd_client_set_host_prefix(c, "sync-");
  json_t *resp = NULL; /* new */
  struct sd_err err = { 0 };
  enum sd_client_rc rc = sd_client_call(c, "StartSyncExecution", req, &resp, &err);
  int code;
  if (rc == SD_CLIENT_OK) {
    const char *arn = json_string_value(json_object_get(resp, "executionArn"));
    sd_cli_errorf("ran %s (EXPRESS: StartSyncExecution)", arn ? arn : "an execution");
    code = report_end(resp);
    if (code < 0) {
      const char *status = json_string_value(json_object_get(resp, "status"));
      sd_cli_errorf("StartSyncExecution answered the status '%s'", status ? status : "");
      code = SD_EXIT_API;
    }
  } else if (rc == SD_CLIENT_UNREACHABLE && strcmp(err.name, "Timeout") == 0 && o->timeout >= 0) {
    sd_cli_errorf("EXPRESS execution still running after %g s (--timeout)", o->timeout);
    code = SD_EXIT_WAITED;
  } else {
    code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
  }
  sd_err_clear(&err);
  json_decref(resp);
  json_decref(req);
  return code;
}

int sd_cli_start(int argc, char **argv) {
  struct start_opts o = { 0 };
  if (parse_args(argc, argv, &o) != 0) {
    fputs(start_usage, stderr);
    return SD_EXIT_USAGE;
  }
  char *input =
      o.input || o.input_file ? sd_cli_json_text(o.input, o.input_file, "the input") : sd_xstrdup("{}");
  if (input == NULL)
    return SD_EXIT_USAGE;
  struct sd_client *c = sd_cli_client_new(&o.client);
  if (c == NULL) {
    free(input);
    return SD_EXIT_USAGE;
  }
  struct sd_err err = { 0 };
  char *machine_arn = NULL, *arn = NULL; /* owned */
  int code;
  enum sd_client_rc rc = sd_client_machine_arn(c, o.machine, &machine_arn, &err);
  if (rc != SD_CLIENT_OK) {
    code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
    goto out;
  }
  if (o.wait && is_express(c, machine_arn)) {
    code = run_sync(c, &o, machine_arn, input);
    goto out;
  }
  code = start(c, &o, machine_arn, input, &arn);
  if (code != SD_EXIT_OK)
    goto out;
  if (!o.wait) {
    printf("%s\n", arn);
    goto out;
  }
  /* With --wait, stdout carries the output alone, as for `stepd run`. */
  sd_cli_errorf("following %s", arn);
  fflush(stderr);
  code = follow(c, arn, o.timeout);
out:
  sd_err_clear(&err);
  free(machine_arn);
  free(arn);
  free(input);
  sd_client_free(c);
  return code;
}
