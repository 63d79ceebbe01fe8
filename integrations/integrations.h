/* What this build's connectors serve, for validation's warnings
 * (RESOURCE_NOT_SERVED) and for the CLI. The network connectors (Lambda,
 * Glue, SNS, HTTP, nested executions) come with their own issue; until
 * then no Task resource is served without a mock. */
#ifndef SD_INTEGRATIONS_INTEGRATIONS_H
#define SD_INTEGRATIONS_INTEGRATIONS_H

#include <stdbool.h>

/* An sd_validate_served_fn: whether a built-in connector serves `resource`
 * (mocks aside, which are per test case). */
bool sd_integrations_serves(const char *resource, void *data);
/* The same for `stepd serve`, which also serves activity ARNs
 * (arn:aws:states:REGION:ACCOUNT:activity:NAME) through the activity
 * connector: whether the activity exists is known only at run time.
 * `stepd validate` keeps warning about them, since only the server runs
 * activities (docs/activities.md). */
bool sd_integrations_serves_activities(const char *resource, void *data);

#endif
