/* The resources the built-in (non-mock) connectors serve: nested
 * executions (states_exec.c) and the AWS service integrations listed below
 * (aws_task.h says how to add one); activities are served by `stepd serve`
 * alone. */
#include "integrations/integrations.h"

#include <stddef.h>
#include <string.h>

#include "integrations/aws_task.h"

/* Resource prefixes served (each connector checks its exact forms). */
static const char *const served_prefixes[] = {
  "arn:aws:states:::states:startExecution", /* states_exec.c */
  NULL,
};

extern const struct sd_aws_integration sd_aws_glue;
extern const struct sd_aws_integration sd_aws_lambda;
extern const struct sd_aws_integration sd_aws_sns;
extern const struct sd_aws_integration sd_aws_http_invoke;

/* Tried in order: the first whose pattern matches serves the Task. */
const struct sd_aws_integration *const sd_aws_integrations[] = {
  &sd_aws_lambda, &sd_aws_sns, &sd_aws_http_invoke, &sd_aws_glue, NULL,
};

bool sd_integrations_serves(const char *resource, void *data) {
  (void)data;
  for (size_t i = 0; served_prefixes[i] != NULL; i++)
    if (strncmp(resource, served_prefixes[i], strlen(served_prefixes[i])) == 0)
      return true;
  for (size_t i = 0; sd_aws_integrations[i] != NULL; i++)
    if (sd_aws_integration_matches(sd_aws_integrations[i], resource))
      return true;
  return false;
}

/* arn:<partition>:states:<region>:<account>:activity:<name>, any partition,
 * region and account, as validation does not know the server's. */
static bool is_activity_arn(const char *resource) {
  if (strncmp(resource, "arn:", 4) != 0)
    return false;
  const char *p = resource + 4;
  for (int field = 0; field < 4; field++) { /* partition, service, region, account */
    const char *colon = strchr(p, ':');
    if (colon == NULL || (field == 1 && (colon - p != 6 || strncmp(p, "states", 6) != 0)))
      return false;
    p = colon + 1;
  }
  return strncmp(p, "activity:", 9) == 0 && p[9] != '\0' && strchr(p + 9, ':') == NULL;
}

bool sd_integrations_serves_activities(const char *resource, void *data) {
  return is_activity_arn(resource) || sd_integrations_serves(resource, data);
}
