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

static void nested_start(struct sd_states_pending *n, bool taken, int status) {
  struct sd_api *api = n->host;
  struct sd_err err = { 0 };
  struct sd_reg_exec *x = NULL;
  bool existed = false;
  /* A version or alias ARN runs as StartExecution runs it. */
  if (status != 0)
    sd_err_set(&err, "InternalFailure", "the store cannot be read");
  else
    x = sd_api_exec_begin_arn(api, n->machine_arn, n->name, n->input_text, n->input, taken, &existed, &err);
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

/* A given name was checked against the store (api_names.c). */
static void nested_named(void *data, bool taken, int status) {
  nested_start(data, taken, status);
}

/* No name: a fresh UUID needs no check; the barrier only makes the start
 * come later, as the host's contract wants. */
static void nested_unnamed(void *data, int status) {
  nested_start(data, false, status);
}

static int host_start(void *self, const struct sd_states_start *req, sd_states_started_fn started,
                      struct sd_err *err) {
  (void)err;
  struct sd_api *api = self;
  struct sd_states_pending *n = sd_states_pending_new(api, req, started);
  char *arn = n->name ? sd_api_exec_arn_for(api, n->machine_arn, n->name) : NULL;
  if (arn != NULL)
    sd_api_exec_name_check(api, arn, nested_named, n);
  else
    sd_engine_flush(api->eng, nested_unnamed, n);
  free(arn);
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
