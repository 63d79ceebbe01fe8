/* `stepd state-machines list|describe|create|update|delete`: the state
 * machine actions of the API for scripts, one subcommand per action. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int need(const char *value, const char *sub, const char *opt) {
  if (value != NULL)
    return 0;
  sd_cli_errorf("state-machines %s: %s is required", sub, opt);
  return -1;
}

/* The definition text from --definition (inline or file://) or
 * --definition-file, checked to be JSON; NULL when neither is given. */
static int definition(const struct sd_cli_remote_opts *o, char **text) {
  *text = NULL;
  if (o->definition != NULL && o->definition_file != NULL) {
    sd_cli_errorf("give --definition or --definition-file, not both");
    return -1;
  }
  if (o->definition == NULL && o->definition_file == NULL)
    return 0;
  *text = sd_cli_json_text(o->definition, o->definition_file, "the definition");
  return *text ? 0 : -1;
}

static int sm_list(const struct sd_cli_remote_opts *o) {
  return sd_cli_remote_do(o, "ListStateMachines", json_object(), NULL, "stateMachines");
}

static int sm_describe(const struct sd_cli_remote_opts *o) {
  if (need(o->machine, "describe", "--state-machine") != 0)
    return SD_EXIT_USAGE;
  return sd_cli_remote_do(o, "DescribeStateMachine", json_object(), "stateMachineArn", NULL);
}

static int sm_create(const struct sd_cli_remote_opts *o) {
  char *def;
  if (need(o->name, "create", "--name") != 0 || need(o->role_arn, "create", "--role-arn") != 0 ||
      definition(o, &def) != 0)
    return SD_EXIT_USAGE;
  if (def == NULL) {
    sd_cli_errorf("state-machines create: --definition or --definition-file is required");
    return SD_EXIT_USAGE;
  }
  json_t *req = json_pack("{s:s, s:s, s:s}", "name", o->name, "definition", def, "roleArn", o->role_arn);
  free(def);
  if (o->type != NULL)
    json_object_set_new(req, "type", json_string(o->type));
  return sd_cli_remote_do(o, "CreateStateMachine", req, NULL, NULL);
}

static int sm_update(const struct sd_cli_remote_opts *o) {
  char *def;
  if (need(o->machine, "update", "--state-machine") != 0 || definition(o, &def) != 0)
    return SD_EXIT_USAGE;
  json_t *req = json_object(); /* new */
  if (def != NULL)
    json_object_set_new(req, "definition", json_string(def));
  free(def);
  if (o->role_arn != NULL)
    json_object_set_new(req, "roleArn", json_string(o->role_arn));
  return sd_cli_remote_do(o, "UpdateStateMachine", req, "stateMachineArn", NULL);
}

static int sm_delete(const struct sd_cli_remote_opts *o) {
  if (need(o->machine, "delete", "--state-machine") != 0)
    return SD_EXIT_USAGE;
  return sd_cli_remote_do(o, "DeleteStateMachine", json_object(), "stateMachineArn", NULL);
}

static const struct sd_cli_sub subs[] = {
  { "list", "max-items", "ListStateMachines", sm_list },
  { "describe", "state-machine state-machine-arn", "DescribeStateMachine", sm_describe },
  { "create", "name definition definition-file role-arn type",
    "CreateStateMachine (--definition JSON or file://PATH, or --definition-file PATH)", sm_create },
  { "update", "state-machine state-machine-arn definition definition-file role-arn", "UpdateStateMachine",
    sm_update },
  { "delete", "state-machine state-machine-arn", "DeleteStateMachine", sm_delete },
};

int sd_cli_machines(int argc, char **argv) {
  return sd_cli_sub_run("state-machines", subs, sizeof subs / sizeof subs[0], argc, argv);
}
