/* The nested-execution host of `stepd run` (states_local.h). Names follow
 * StartExecution's rules within one run: a name in use by a RUNNING
 * execution with the same input answers that execution (idempotent), any
 * other earlier use is ExecutionAlreadyExists. */
#include "integrations/states_local.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "integrations/states_exec.h"

struct local_machine {
  char *name;           /* owned */
  struct sd_machine *m; /* holds a reference */
};

struct local_run {
  struct local_run *next;
  struct sd_states_local *l;
  struct sd_exec *ex; /* owned; freed once closed */
  char *input;        /* owned; for the idempotence check */
  char *key;          /* "MACHINE:NAME"; owned */
  sd_states_closed_fn closed;
  void *data;
};

struct sd_states_local {
  struct sd_engine *eng; /* borrowed */
  struct local_machine *machines;
  size_t n;
  struct local_run *runs; /* RUNNING executions started here */
  json_t *used;           /* {"MACHINE:NAME": ARN} of every execution started here; owned */
};

struct sd_states_local *sd_states_local_new(void) {
  struct sd_states_local *l = sd_xcalloc(1, sizeof *l);
  l->used = json_object();
  return l;
}

void sd_states_local_free(struct sd_states_local *l) {
  if (l == NULL)
    return;
  while (l->runs != NULL) {
    struct local_run *r = l->runs;
    l->runs = r->next;
    sd_exec_free(r->ex);
    free(r->input);
    free(r->key);
    free(r);
  }
  for (size_t i = 0; i < l->n; i++) {
    free(l->machines[i].name);
    sd_asl_unref(l->machines[i].m);
  }
  free(l->machines);
  json_decref(l->used);
  free(l);
}

void sd_states_local_add(struct sd_states_local *l, const char *name, struct sd_machine *m) {
  l->machines = sd_xrealloc(l->machines, (l->n + 1) * sizeof *l->machines);
  l->machines[l->n].name = sd_xstrdup(name);
  l->machines[l->n].m = sd_asl_ref(m);
  l->n++;
}

void sd_states_local_set_engine(struct sd_states_local *l, struct sd_engine *eng) {
  l->eng = eng;
}

/* The machine a state machine ARN names: its part after ":stateMachine:",
 * which must be the last. */
static const struct local_machine *find_machine(const struct sd_states_local *l, const char *arn) {
  const char *p = strstr(arn, ":stateMachine:");
  if (strncmp(arn, "arn:", 4) != 0 || p == NULL)
    return NULL;
  p += strlen(":stateMachine:");
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->machines[i].name, p) == 0)
      return &l->machines[i];
  return NULL;
}

static void on_run_done(struct sd_exec *ex, void *data) {
  struct local_run *r = data;
  struct sd_states_local *l = r->l;
  const struct sd_err *e = sd_exec_error(ex);
  sd_log(SD_LOG_INFO, "execution %s %s%s%s", sd_exec_arn(ex), sd_exec_status_name(sd_exec_status(ex)),
         e && e->name && e->name[0] ? ": " : "", e && e->name ? e->name : "");
  if (r->closed != NULL)
    r->closed(r->data, ex, sd_engine_now(l->eng));
  for (struct local_run **pp = &l->runs; *pp != NULL; pp = &(*pp)->next)
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  sd_exec_free(ex);
  free(r->input);
  free(r->key);
  free(r);
}

static struct local_run *find_run(struct sd_states_local *l, const char *arn) {
  for (struct local_run *r = l->runs; r != NULL; r = r->next)
    if (strcmp(sd_exec_arn(r->ex), arn) == 0)
      return r;
  return NULL;
}

/* Runs in a writer barrier, so that a start follows what came before it. */
static struct sd_exec *start_checked(struct sd_states_pending *s, struct local_run **watch,
                                     struct sd_err *err) {
  struct sd_states_local *l = s->host;
  const struct local_machine *lm = find_machine(l, s->machine_arn);
  if (lm == NULL) {
    sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", s->machine_arn);
    return NULL;
  }
  char *key = sd_asprintf("%s:%s", lm->name, s->name ? s->name : "");
  if (s->name != NULL) {
    json_t *used = json_object_get(l->used, key); /* borrowed */
    struct local_run *r = NULL;
    for (r = l->runs; used != NULL && r != NULL; r = r->next)
      if (strcmp(r->key, key) == 0)
        break;
    if (r != NULL && strcmp(r->input, s->input_text) == 0) {
      free(key);
      *watch = r;
      return r->ex;
    }
    if (used != NULL) {
      sd_err_set(err, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", json_string_value(used));
      free(key);
      return NULL;
    }
  }
  struct local_run *r = sd_xcalloc(1, sizeof *r);
  r->l = l;
  struct sd_exec_opts xo = {
    .machine = lm->m,
    .machine_name = lm->name,
    .name = s->name,
    .input = s->input,
    .done = on_run_done,
    .data = r,
  };
  r->ex = sd_exec_start(l->eng, &xo, err);
  if (r->ex == NULL) {
    free(key);
    free(r);
    sd_err_set_raw(err, "InvalidExecutionInput", err->cause);
    return NULL;
  }
  r->input = sd_xstrdup(s->input_text);
  r->next = l->runs;
  l->runs = r;
  r->key = key;
  json_object_set_new(l->used, key, json_string(sd_exec_arn(r->ex)));
  sd_log(SD_LOG_INFO, "execution %s started", sd_exec_arn(r->ex));
  *watch = r;
  return r->ex;
}

static void on_barrier(void *data, int status) {
  struct sd_states_pending *s = data;
  struct sd_err err = { 0 };
  struct local_run *r = NULL;
  struct sd_exec *ex = NULL;
  if (status != 0)
    sd_err_set(&err, "InternalFailure", "the history could not be written");
  else
    ex = start_checked(s, &r, &err);
  if (ex != NULL && s->closed != NULL) {
    r->closed = s->closed;
    r->data = s->data;
  }
  s->started(s->data, ex, ex ? NULL : &err);
  sd_err_clear(&err);
  sd_states_pending_free(s);
}

static int host_start(void *self, const struct sd_states_start *req, sd_states_started_fn started,
                      struct sd_err *err) {
  struct sd_states_local *l = self;
  if (l->eng == NULL)
    return sd_err_set(err, "InternalFailure", "no engine to start executions on");
  sd_engine_flush(l->eng, on_barrier, sd_states_pending_new(l, req, started));
  return 0;
}

static void host_stop(void *self, const char *exec_arn) {
  struct local_run *r = find_run(self, exec_arn);
  if (r != NULL)
    sd_exec_stop(r->ex, NULL, NULL);
}

void sd_states_local_host(struct sd_states_local *l, struct sd_states_host *out) {
  out->start = host_start;
  out->stop = host_stop;
  out->qualifiers = NULL; /* `stepd run` has no versions */
  out->self = l;
}
