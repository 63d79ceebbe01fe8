/* In-memory records of state machines and executions, indexed by ARN.
 * Arrays keep creation order (ListStateMachines, ListExecutions page over
 * them); a Jansson object maps each ARN to its index, since Jansson's
 * hashtable is the one we already link. Not for: JSON replies (api_*.c). */
#include "server/registry.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/jsonw.h"

struct sd_registry {
  struct sd_reg_machine **machines; /* owned, creation order; deleted ones stay until reaped */
  size_t nmachines, cmachines;
  json_t *machine_index;      /* arn -> index in machines; owned */
  struct sd_reg_exec **execs; /* owned, start order */
  size_t nexecs, cexecs;
  json_t *exec_index; /* arn -> index in execs; owned */
  /* Deleted machines, gone from the list and the index but kept while
   * executions point at them: an execution describes the definition it
   * ran (DescribeStateMachineForExecution). Owned. */
  struct sd_reg_machine **gone;
  size_t ngone;
};

struct sd_registry *sd_registry_new(void) {
  struct sd_registry *r = sd_xcalloc(1, sizeof *r);
  r->machine_index = json_object();
  r->exec_index = json_object();
  return r;
}

static void machine_free(struct sd_reg_machine *m) {
  free(m->arn);
  free(m->name);
  free(m->definition);
  free(m->role_arn);
  free(m->type);
  sd_asl_unref(m->m);
  json_decref(m->tags);
  free(m);
}

/* A running sd_exec cannot be freed without the engine's help (its frames
 * may sit in the run queue and the timer heap, which sd_engine_free
 * drops): it is left to the process, reachable from here so that leak
 * checkers stay quiet. Its row stays RUNNING in the store for recovery. */
static struct sd_exec **abandoned;
static size_t nabandoned;

void sd_registry_free(struct sd_registry *r) {
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->nexecs; i++) {
    struct sd_reg_exec *x = r->execs[i];
    if (x->ex != NULL && x->status == SD_EXEC_RUNNING) {
      abandoned = sd_xrealloc(abandoned, (nabandoned + 1) * sizeof *abandoned);
      abandoned[nabandoned++] = x->ex;
    } else {
      sd_exec_free(x->ex);
    }
    free(x->arn);
    free(x->name);
    free(x->machine_arn);
    free(x->input);
    free(x->output);
    free(x->error);
    free(x->cause);
    free(x);
  }
  for (size_t i = 0; i < r->nmachines; i++)
    machine_free(r->machines[i]);
  for (size_t i = 0; i < r->ngone; i++)
    machine_free(r->gone[i]);
  free(r->gone);
  free(r->execs);
  free(r->machines);
  json_decref(r->machine_index);
  json_decref(r->exec_index);
  free(r);
}

static size_t index_get(json_t *index, const char *arn, bool *found) {
  json_t *v = json_object_get(index, arn); /* borrowed */
  *found = v != NULL;
  return v ? (size_t)json_integer_value(v) : 0;
}

static void index_rebuild(struct sd_registry *r) {
  json_object_clear(r->machine_index);
  for (size_t i = 0; i < r->nmachines; i++)
    json_object_set_new(r->machine_index, r->machines[i]->arn, json_integer((json_int_t)i));
}

/* Drops deleted machines nothing runs on any more from the list and the
 * index; the records themselves move to `gone` (executions keep them). */
static void reap(struct sd_registry *r) {
  size_t k = 0;
  bool changed = false;
  for (size_t i = 0; i < r->nmachines; i++) {
    struct sd_reg_machine *m = r->machines[i];
    if (m->deleted && m->running == 0) {
      r->gone = sd_xrealloc(r->gone, (r->ngone + 1) * sizeof *r->gone);
      r->gone[r->ngone++] = m;
      changed = true;
    } else {
      r->machines[k++] = m;
    }
  }
  r->nmachines = k;
  if (changed)
    index_rebuild(r);
}

struct sd_reg_machine *sd_registry_machine(struct sd_registry *r, const char *arn) {
  bool found;
  size_t i = index_get(r->machine_index, arn, &found);
  return found ? r->machines[i] : NULL;
}

struct sd_reg_machine *sd_registry_machine_add(struct sd_registry *r, const struct sd_reg_machine *m) {
  if (r->nmachines == r->cmachines) {
    r->cmachines = r->cmachines ? 2 * r->cmachines : 16;
    r->machines = sd_xrealloc(r->machines, r->cmachines * sizeof *r->machines);
  }
  struct sd_reg_machine *rec = sd_xmalloc(sizeof *rec);
  *rec = *m;
  r->machines[r->nmachines] = rec;
  json_object_set_new(r->machine_index, rec->arn, json_integer((json_int_t)r->nmachines));
  r->nmachines++;
  return rec;
}

void sd_registry_machine_delete(struct sd_registry *r, struct sd_reg_machine *m) {
  m->deleted = true;
  reap(r);
}

struct sd_reg_machine *sd_registry_machine_replace(struct sd_registry *r, struct sd_reg_machine *old,
                                                   const struct sd_reg_machine *m) {
  bool found;
  size_t i = index_get(r->machine_index, old->arn, &found);
  struct sd_reg_machine *rec = sd_xmalloc(sizeof *rec);
  *rec = *m;
  rec->running = old->running;
  r->machines[i] = rec; /* same ARN, same index */
  r->gone = sd_xrealloc(r->gone, (r->ngone + 1) * sizeof *r->gone);
  r->gone[r->ngone++] = old;
  return rec;
}

size_t sd_registry_machine_count(const struct sd_registry *r) {
  return r->nmachines;
}

struct sd_reg_machine *sd_registry_machine_at(struct sd_registry *r, size_t i) {
  return i < r->nmachines ? r->machines[i] : NULL;
}

struct sd_reg_exec *sd_registry_exec(struct sd_registry *r, const char *arn) {
  bool found;
  size_t i = index_get(r->exec_index, arn, &found);
  return found ? r->execs[i] : NULL;
}

struct sd_reg_exec *sd_registry_exec_add(struct sd_registry *r, const struct sd_reg_exec *x) {
  if (r->nexecs == r->cexecs) {
    r->cexecs = r->cexecs ? 2 * r->cexecs : 64;
    r->execs = sd_xrealloc(r->execs, r->cexecs * sizeof *r->execs);
  }
  struct sd_reg_exec *rec = sd_xmalloc(sizeof *rec);
  *rec = *x;
  r->execs[r->nexecs] = rec;
  json_object_set_new(r->exec_index, rec->arn, json_integer((json_int_t)r->nexecs));
  r->nexecs++;
  /* Counted on the machine's current record, which UpdateStateMachine may
   * replace while the execution runs (the count moves with it). */
  struct sd_reg_machine *live = sd_registry_machine(r, rec->machine_arn);
  if (live != NULL && rec->status == SD_EXEC_RUNNING)
    live->running++;
  return rec;
}

size_t sd_registry_exec_count(const struct sd_registry *r) {
  return r->nexecs;
}

struct sd_reg_exec *sd_registry_exec_at(struct sd_registry *r, size_t i) {
  return i < r->nexecs ? r->execs[i] : NULL;
}

void sd_registry_exec_closed(struct sd_registry *r, struct sd_reg_exec *x, int64_t stop_ms) {
  if (x->status != SD_EXEC_RUNNING)
    return;
  struct sd_exec *ex = x->ex;
  x->status = sd_exec_status(ex);
  x->stop_ms = stop_ms;
  if (x->status == SD_EXEC_SUCCEEDED) {
    x->output = sd_jsonw_dumps(sd_exec_output(ex), NULL);
  } else {
    const struct sd_err *e = sd_exec_error(ex);
    if (e->name != NULL && e->name[0] != '\0')
      x->error = sd_xstrdup(e->name);
    if (e->cause != NULL)
      x->cause = sd_xstrdup(e->cause);
  }
  /* A machine with running executions is never reaped, so the ARN still
   * names the record that counted this execution. */
  struct sd_reg_machine *live = sd_registry_machine(r, x->machine_arn);
  if (live != NULL && --live->running == 0 && live->deleted)
    reap(r);
}
