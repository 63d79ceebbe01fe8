/* The host of nested executions under `stepd serve`: a Task's
 * arn:aws:states:::states:startExecution starts an execution of a stored
 * state machine exactly as StartExecution does (same checks, same record,
 * visible in DescribeExecution, ListExecutions and GetExecutionHistory), and
 * a .sync task watches its record to learn of its end. Not for: the
 * result shapes (integrations/states_exec.c). */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "integrations/states_exec.h"
#include "server/registry.h"

/* Inside a writer barrier, as StartExecution's checks run. */
static void nested_checked(void *data, int status) {
  struct sd_states_pending *n = data;
  struct sd_api *api = n->host;
  struct sd_err err = { 0 };
  struct sd_reg_exec *x = NULL;
  bool existed = false;
  /* A version or alias ARN runs as StartExecution runs it. */
  if (status != 0)
    sd_err_set(&err, "InternalFailure", "the store cannot be written");
  else
    x = sd_api_exec_begin_arn(api, n->machine_arn, n->name, n->input_text, n->input, &existed, &err);
  if (x == NULL) {
    n->started(n->data, NULL, &err);
  } else {
    if (n->closed != NULL)
      sd_registry_exec_watch(x, n->closed, n->data);
    n->started(n->data, x->ex, NULL);
  }
  sd_err_clear(&err);
  sd_states_pending_free(n);
}

static int host_start(void *self, const struct sd_states_start *req, sd_states_started_fn started,
                      struct sd_err *err) {
  (void)err;
  struct sd_api *api = self;
  sd_engine_flush(api->eng, nested_checked, sd_states_pending_new(api, req, started));
  return 0;
}

static void host_stop(void *self, const char *exec_arn) {
  struct sd_api *api = self;
  struct sd_reg_exec *x = sd_registry_exec(api->reg, exec_arn);
  if (x != NULL && x->status == SD_EXEC_RUNNING && x->ex != NULL)
    sd_exec_stop(x->ex, NULL, NULL);
}

static void host_qualifiers(void *self, const char *exec_arn, const char **version_arn,
                            const char **alias_arn) {
  struct sd_api *api = self;
  struct sd_reg_exec *x = sd_registry_exec(api->reg, exec_arn);
  *version_arn = x ? x->version_arn : NULL;
  *alias_arn = x ? x->alias_arn : NULL;
}

void sd_api_states_host(struct sd_api *api, struct sd_states_host *out) {
  out->start = host_start;
  out->stop = host_stop;
  out->qualifiers = host_qualifiers;
  out->self = api;
}
