/* `stepd executions list|describe|history|stop`: the execution actions of
 * the API for scripts, one subcommand per action, JSON out. */
#include "cli/cli.h"

#include <stdio.h>

static int need(const char *value, const char *sub, const char *opt) {
  if (value != NULL)
    return 0;
  sd_cli_errorf("executions %s: %s is required", sub, opt);
  return -1;
}

static int ex_list(const struct sd_cli_remote_opts *o) {
  if (need(o->machine, "list", "--state-machine") != 0)
    return SD_EXIT_USAGE;
  json_t *req = json_object(); /* new */
  if (o->status != NULL)
    json_object_set_new(req, "statusFilter", json_string(o->status));
  return sd_cli_remote_do(o, "ListExecutions", req, "stateMachineArn", "executions");
}

static int ex_describe(const struct sd_cli_remote_opts *o) {
  if (need(o->execution, "describe", "--execution-arn") != 0)
    return SD_EXIT_USAGE;
  return sd_cli_remote_do(o, "DescribeExecution", json_pack("{s:s}", "executionArn", o->execution), NULL,
                          NULL);
}

static int ex_history(const struct sd_cli_remote_opts *o) {
  if (need(o->execution, "history", "--execution-arn") != 0)
    return SD_EXIT_USAGE;
  json_t *req = json_pack("{s:s, s:b, s:b}", "executionArn", o->execution, "reverseOrder", o->reverse,
                          "includeExecutionData", !o->no_data); /* new */
  return sd_cli_remote_do(o, "GetExecutionHistory", req, NULL, "events");
}

static int ex_stop(const struct sd_cli_remote_opts *o) {
  if (need(o->execution, "stop", "--execution-arn") != 0)
    return SD_EXIT_USAGE;
  json_t *req = json_pack("{s:s}", "executionArn", o->execution); /* new */
  if (o->error != NULL)
    json_object_set_new(req, "error", json_string(o->error));
  if (o->cause != NULL)
    json_object_set_new(req, "cause", json_string(o->cause));
  return sd_cli_remote_do(o, "StopExecution", req, NULL, NULL);
}

static const struct sd_cli_sub subs[] = {
  { "list", "state-machine state-machine-arn status-filter max-items",
    "ListExecutions, newest first (--status-filter RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED)", ex_list },
  { "describe", "execution-arn", "DescribeExecution (the ARN may also come as an argument)", ex_describe },
  { "history", "execution-arn reverse-order no-include-execution-data max-items", "GetExecutionHistory",
    ex_history },
  { "stop", "execution-arn error cause", "StopExecution: the execution ends ABORTED", ex_stop },
};

int sd_cli_executions(int argc, char **argv) {
  return sd_cli_sub_run("executions", subs, sizeof subs / sizeof subs[0], argc, argv);
}
