/* In-memory records of state machines and running executions, indexed by
 * ARN, and the write-through of machines to the store. The machine array
 * keeps creation order (ListStateMachines pages over it); a Jansson object
 * maps each machine ARN to its index, since Jansson's hashtable is the one
 * we already link, and registry_index.c maps execution ARNs, which are
 * many (a Jansson pair each cost a parked execution ~180 bytes). Not for:
 * JSON replies (api_*.c). */
#include "server/registry.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/err.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/store.h"
#include "engine/validate.h"
#include "server/registry_index.h"

/* One queued machine write: a snapshot of the record (or a removal), taken
 * when the change was made, so later changes cannot leak into it. */
struct save {
  struct save *next;
  enum { SAVE_PUT, SAVE_DEL, SAVE_QUAL, SAVE_ACT_PUT, SAVE_ACT_DEL } kind;
  /* arn, name, type, definition, role_arn, tags, status, revision_id,
   * versions, aliases (SAVE_QUAL: arn, version, alias; SAVE_ACT_*: arn,
   * name); owned */
  char *s[10];
  int64_t creation_ms, updated_ms, next_version;
  sd_registry_cb cb;
  void *data;
  struct sd_err err;
};

/* Machine writes run on a worker through a handle of their own, one batch
 * in flight at a time, so they commit in the order they were made. */
struct persist {
  uv_loop_t *loop;        /* NULL = nothing is written */
  struct sd_store *store; /* borrowed */
  struct save *head;      /* queued; owned */
  struct save **tail;
  struct save *batch; /* in flight; owned */
  uv_work_t work;
  size_t pending;
};

struct sd_registry {
  struct sd_reg_machine **machines; /* owned, creation order; deleted ones stay until reaped */
  size_t nmachines, cmachines;
  json_t *machine_index;      /* arn -> index in machines; owned */
  struct sd_reg_exec **execs; /* owned, running (and closing) executions in no order */
  size_t nexecs, cexecs;
  struct sd_reg_index exec_index; /* arn -> index in execs */
  /* Deleted machines, gone from the list and the index but kept while
   * executions point at them: an execution describes the definition it
   * ran (DescribeStateMachineForExecution). Owned. */
  struct sd_reg_machine **gone;
  size_t ngone;
  struct persist p;
};

struct sd_registry *sd_registry_new(void) {
  struct sd_registry *r = sd_xcalloc(1, sizeof *r);
  r->machine_index = json_object();
  r->p.tail = &r->p.head;
  return r;
}

static void save_free(struct save *sv) {
  for (int i = 0; i < 10; i++)
    free(sv->s[i]);
  sd_err_clear(&sv->err);
  free(sv);
}

static void machine_free(struct sd_reg_machine *m) {
  for (size_t i = 0; i < m->nversions; i++)
    machine_free(m->versions[i]);
  free(m->versions);
  for (size_t i = 0; i < m->naliases; i++)
    sd_registry_alias_free(m->aliases[i]);
  free(m->aliases);
  free(m->revision_id);
  free(m->description);
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

/* Frees the record's strings it owns (the lent ones are ex's). */
static void exec_strings_free(struct sd_reg_exec *x) {
  if (!(x->lent & SD_REG_LENT_ARN))
    free(x->arn);
  if (!(x->lent & SD_REG_LENT_NAME))
    free(x->name);
  if (!(x->lent & SD_REG_LENT_MACHINE))
    free(x->machine_arn);
  if (!(x->lent & SD_REG_LENT_INPUT))
    free(x->input);
  free(x->version_arn);
  free(x->alias_arn);
  free(x->output);
  free(x->error);
  free(x->cause);
}

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
    exec_strings_free(x);
    free(x);
  }
  for (size_t i = 0; i < r->nmachines; i++)
    machine_free(r->machines[i]);
  for (size_t i = 0; i < r->ngone; i++)
    machine_free(r->gone[i]);
  free(r->gone);
  free(r->execs);
  /* The loop has run dry before this, so nothing is in flight. */
  for (struct save *sv = r->p.head, *next; sv != NULL; sv = next) {
    next = sv->next;
    save_free(sv);
  }
  free(r->machines);
  json_decref(r->machine_index);
  sd_reg_index_free(&r->exec_index);
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

static void save_queue(struct sd_registry *r, struct save *sv);
static struct save *save_removal(const char *arn);

/* Drops deleted machines nothing runs on any more from the list and the
 * index, and their rows from the store; the records themselves move to
 * `gone` (executions keep them). */
static void reap(struct sd_registry *r) {
  size_t k = 0;
  bool changed = false;
  for (size_t i = 0; i < r->nmachines; i++) {
    struct sd_reg_machine *m = r->machines[i];
    if (m->deleted && m->running == 0) {
      sd_registry_keep(r, m);
      changed = true;
      save_queue(r, save_removal(m->arn));
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
  /* Versions and aliases belong to the ARN, not to one revision. */
  rec->versions = old->versions;
  rec->nversions = old->nversions;
  rec->aliases = old->aliases;
  rec->naliases = old->naliases;
  rec->next_version = old->next_version;
  old->versions = NULL;
  old->nversions = 0;
  old->aliases = NULL;
  old->naliases = 0;
  r->machines[i] = rec; /* same ARN, same index */
  sd_registry_keep(r, old);
  return rec;
}

void sd_registry_keep(struct sd_registry *r, struct sd_reg_machine *m) {
  r->gone = sd_xrealloc(r->gone, (r->ngone + 1) * sizeof *r->gone);
  r->gone[r->ngone++] = m;
}

size_t sd_registry_machine_count(const struct sd_registry *r) {
  return r->nmachines;
}

struct sd_reg_machine *sd_registry_machine_at(struct sd_registry *r, size_t i) {
  return i < r->nmachines ? r->machines[i] : NULL;
}

struct sd_reg_exec *sd_registry_exec(struct sd_registry *r, const char *arn) {
  size_t i = sd_reg_index_find(&r->exec_index, r->execs, arn);
  return i != SIZE_MAX ? r->execs[i] : NULL;
}

/* Points *field at `own` (ex's string) when the record's copy is NULL or
 * the same text, freeing the copy. */
static void lend(struct sd_reg_exec *rec, char **field, const char *own, unsigned bit) {
  if (own == NULL || (*field != NULL && strcmp(*field, own) != 0))
    return;
  free(*field);
  *field = (char *)own; /* never written through: the record frees it only when not lent */
  rec->lent |= bit;
}

struct sd_reg_exec *sd_registry_exec_add(struct sd_registry *r, const struct sd_reg_exec *x) {
  if (r->nexecs == r->cexecs) {
    r->cexecs = r->cexecs ? 2 * r->cexecs : 64;
    r->execs = sd_xrealloc(r->execs, r->cexecs * sizeof *r->execs);
  }
  struct sd_reg_exec *rec = sd_xmalloc(sizeof *rec);
  *rec = *x;
  rec->lent = 0;
  if (rec->ex != NULL) {
    lend(rec, &rec->arn, sd_exec_arn(rec->ex), SD_REG_LENT_ARN);
    lend(rec, &rec->name, sd_exec_name(rec->ex), SD_REG_LENT_NAME);
    lend(rec, &rec->machine_arn, sd_exec_machine_arn(rec->ex), SD_REG_LENT_MACHINE);
    lend(rec, &rec->input, sd_exec_input_text(rec->ex), SD_REG_LENT_INPUT);
  }
  r->execs[r->nexecs] = rec;
  sd_reg_index_put(&r->exec_index, r->execs, r->nexecs);
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
  while (x->watchers != NULL) {
    struct sd_reg_watch *w = x->watchers;
    x->watchers = w->next;
    w->fn(w->data, ex, stop_ms);
    free(w);
  }
}

void sd_registry_exec_watch(struct sd_reg_exec *x, sd_reg_watch_fn fn, void *data) {
  struct sd_reg_watch *w = sd_xmalloc(sizeof *w);
  w->next = x->watchers;
  w->fn = fn;
  w->data = data;
  x->watchers = w;
}

void sd_registry_exec_remove(struct sd_registry *r, struct sd_reg_exec *x) {
  size_t i = sd_reg_index_find(&r->exec_index, r->execs, x->arn);
  if (i == SIZE_MAX || r->execs[i] != x)
    return;
  /* The last record takes the freed slot: the array has no order to keep. */
  sd_reg_index_del(&r->exec_index, r->execs, i);
  r->nexecs--;
  if (i != r->nexecs) {
    r->execs[i] = r->execs[r->nexecs];
    sd_reg_index_move(&r->exec_index, r->execs, r->nexecs, i);
  }
  while (x->watchers != NULL) {
    struct sd_reg_watch *w = x->watchers;
    x->watchers = w->next;
    free(w);
  }
  /* Its strings first: the lent ones are ex's. */
  exec_strings_free(x);
  sd_exec_free(x->ex);
  free(x);
}

/* ---- persistence ---- */

static struct save *save_removal(const char *arn) {
  struct save *sv = sd_xcalloc(1, sizeof *sv);
  sv->kind = SAVE_DEL;
  sv->s[0] = sd_xstrdup(arn);
  return sv;
}

/* A run of execution-row updates (every execution started on a version
 * makes one) commits once: a transaction per row costs a WAL lock and a
 * commit each. */
static bool is_exec_save(const struct save *sv) {
  return sv != NULL && sv->kind == SAVE_QUAL;
}

static struct save *save_exec_run(struct persist *p, struct save *first) {
  struct sd_err txerr = { 0 };
  bool tx = is_exec_save(first->next) && sd_store_tx(p->store, SD_STORE_TX_BEGIN, &txerr) == 0;
  struct save *last = first;
  for (struct save *sv = first; is_exec_save(sv); sv = sv->next) {
    sd_store_exec_qualify(p->store, sv->s[0], sv->s[1], sv->s[2], &sv->err);
    last = sv;
  }
  if (tx && sd_store_tx(p->store, SD_STORE_TX_COMMIT, &txerr) != 0) {
    /* Nothing of the run is written when its commit fails. */
    sd_store_tx(p->store, SD_STORE_TX_ROLLBACK, NULL);
    for (struct save *sv = first; sv != last->next; sv = sv->next)
      if (sv->err.name == NULL)
        sd_err_set(&sv->err, txerr.name, "%s", txerr.cause ? txerr.cause : "the commit failed");
  }
  sd_err_clear(&txerr);
  return last;
}

static void save_work(uv_work_t *req) {
  struct persist *p = req->data;
  for (struct save *sv = p->batch; sv != NULL; sv = sv->next) {
    if (sv->kind == SAVE_DEL) {
      sd_store_machine_delete(p->store, sv->s[0], &sv->err);
      continue;
    }
    if (sv->kind == SAVE_QUAL) {
      sv = save_exec_run(p, sv);
      continue;
    }
    if (sv->kind == SAVE_ACT_PUT) {
      sd_store_activity_put(p->store, sv->s[0], sv->s[1], sv->creation_ms, &sv->err);
      continue;
    }
    if (sv->kind == SAVE_ACT_DEL) {
      sd_store_activity_delete(p->store, sv->s[0], &sv->err);
      continue;
    }
    struct sd_store_machine row = {
      .arn = sv->s[0],
      .name = sv->s[1],
      .type = sv->s[2],
      .definition = sv->s[3],
      .role_arn = sv->s[4],
      .tags = sv->s[5],
      .status = sv->s[6],
      .creation_ms = sv->creation_ms,
      .updated_ms = sv->updated_ms,
      .revision_id = sv->s[7],
      .versions = sv->s[8],
      .aliases = sv->s[9],
      .next_version = sv->next_version,
    };
    sd_store_machine_put(p->store, &row, &sv->err);
  }
}

static void save_kick(struct persist *p);

static void save_work_done(uv_work_t *req, int status) {
  struct persist *p = req->data;
  struct save *batch = p->batch;
  p->batch = NULL;
  for (struct save *sv = batch, *next; sv != NULL; sv = next) {
    next = sv->next;
    int rc = status == 0 && sv->err.name == NULL ? 0 : -1;
    if (rc != 0)
      sd_log(SD_LOG_ERROR, "%s not recorded: %s", sv->s[0],
             sv->err.cause ? sv->err.cause : "the write was cancelled");
    p->pending--;
    if (sv->cb != NULL)
      sv->cb(sv->data, rc);
    save_free(sv);
  }
  save_kick(p);
}

/* Hands everything queued to the worker unless a write is in flight. */
static void save_kick(struct persist *p) {
  if (p->batch != NULL || p->head == NULL)
    return;
  p->batch = p->head;
  p->head = NULL;
  p->tail = &p->head;
  p->work.data = p;
  uv_queue_work(p->loop, &p->work, save_work, save_work_done);
}

static void save_queue(struct sd_registry *r, struct save *sv) {
  if (r->p.loop == NULL) {
    if (sv->cb != NULL)
      sv->cb(sv->data, 0);
    save_free(sv);
    return;
  }
  *r->p.tail = sv;
  r->p.tail = &sv->next;
  r->p.pending++;
  save_kick(&r->p);
}

void sd_registry_persist(struct sd_registry *r, uv_loop_t *loop, struct sd_store *store) {
  r->p.loop = loop;
  r->p.store = store;
}

size_t sd_registry_saves_pending(const struct sd_registry *r) {
  return r->p.pending;
}

void sd_registry_machine_save(struct sd_registry *r, const char *arn, sd_registry_cb cb, void *data) {
  struct sd_reg_machine *m = sd_registry_machine(r, arn);
  struct save *sv;
  if (m == NULL) {
    sv = save_removal(arn);
  } else {
    sv = sd_xcalloc(1, sizeof *sv);
    const char *strs[] = { m->arn, m->name, m->type, m->definition, m->role_arn };
    for (int i = 0; i < 5; i++)
      sv->s[i] = sd_xstrdup(strs[i]);
    sv->s[5] = json_dumps(m->tags, JSON_COMPACT);
    sv->s[6] = sd_xstrdup(m->deleted ? "DELETING" : "ACTIVE");
    sv->s[7] = m->revision_id ? sd_xstrdup(m->revision_id) : NULL;
    sv->s[8] = sd_registry_versions_dump(m);
    sv->s[9] = sd_registry_aliases_dump(m);
    sv->creation_ms = m->created_ms;
    sv->updated_ms = m->updated_ms;
    sv->next_version = m->next_version;
  }
  sv->cb = cb;
  sv->data = data;
  save_queue(r, sv);
}

void sd_registry_exec_qualify_save(struct sd_registry *r, const char *arn, const char *version_arn,
                                   const char *alias_arn, sd_registry_cb cb, void *data) {
  struct save *sv = sd_xcalloc(1, sizeof *sv);
  sv->kind = SAVE_QUAL;
  sv->s[0] = sd_xstrdup(arn);
  sv->s[1] = version_arn ? sd_xstrdup(version_arn) : NULL;
  sv->s[2] = alias_arn ? sd_xstrdup(alias_arn) : NULL;
  sv->cb = cb;
  sv->data = data;
  save_queue(r, sv);
}

static int by_creation(const void *a, const void *b) {
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b; /* borrowed */
  json_int_t cx = json_integer_value(json_object_get(x, "creation_ms"));
  json_int_t cy = json_integer_value(json_object_get(y, "creation_ms"));
  if (cx != cy)
    return cx < cy ? -1 : 1;
  return strcmp(json_string_value(json_object_get(x, "arn")), json_string_value(json_object_get(y, "arn")));
}

/* Compiles one stored machine and adds it with its versions and aliases;
 * false when it does not compile. */
static bool load_one(struct sd_registry *r, json_t *row, struct sd_store *store,
                     const struct sd_state_ops *const *ops) {
  const char *text = sd_store_row_str(row, "definition", "");
  struct sd_err err = { 0 };
  json_t *def = sd_validate_parse(text, strlen(text), &err); /* new */
  struct sd_machine *m = def ? sd_asl_compile(ops, def, &err) : NULL;
  json_decref(def);
  if (m == NULL) {
    sd_log(SD_LOG_ERROR, "state machine %s in the store does not compile, skipped: %s",
           sd_store_row_str(row, "arn", ""), err.cause ? err.cause : "invalid definition");
    sd_err_clear(&err);
    return false;
  }
  json_error_t jerr;
  json_t *tags = json_loads(sd_store_row_str(row, "tags", ""), 0, &jerr); /* new */
  if (!json_is_object(tags)) {
    json_decref(tags);
    tags = json_object();
  }
  struct sd_reg_machine rec = {
    .arn = sd_xstrdup(sd_store_row_str(row, "arn", "")),
    .name = sd_xstrdup(sd_store_row_str(row, "name", "")),
    .definition = sd_xstrdup(text),
    .role_arn = sd_xstrdup(sd_store_row_str(row, "role_arn", "")),
    .type = sd_xstrdup(sd_store_row_str(row, "type", "")),
    .created_ms = json_integer_value(json_object_get(row, "creation_ms")),
    .updated_ms = json_integer_value(json_object_get(row, "updated_ms")),
    .m = m,
    .tags = tags,
    .next_version = json_integer_value(json_object_get(row, "next_version")),
  };
  const char *rev = json_string_value(json_object_get(row, "revision_id"));
  rec.revision_id = rev ? sd_xstrdup(rev) : NULL;
  struct sd_reg_machine *added = sd_registry_machine_add(r, &rec);
  sd_registry_versions_load(r, added, row, store, ops);
  return true;
}

int sd_registry_load(struct sd_registry *r, struct sd_store *store, const struct sd_state_ops *const *ops,
                     struct sd_err *err) {
  json_t *rows = sd_store_machine_list(store, NULL, 0, err); /* new */
  if (rows == NULL)
    return -1;
  size_t n = json_array_size(rows);
  json_t **sorted = sd_xcalloc(n ? n : 1, sizeof *sorted);
  for (size_t i = 0; i < n; i++)
    sorted[i] = json_array_get(rows, i); /* borrowed */
  qsort(sorted, n, sizeof *sorted, by_creation);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *row = sorted[i];
    /* DELETING waited for executions of the earlier run; none runs now. */
    if (strcmp(sd_store_row_str(row, "status", ""), "DELETING") == 0)
      rc = sd_store_machine_delete(store, sd_store_row_str(row, "arn", ""), err);
    else
      load_one(r, row, store, ops);
  }
  free(sorted);
  json_decref(rows);
  return rc;
}

void sd_registry_activity_save(struct sd_registry *r, const char *arn, const char *name, int64_t creation_ms,
                               sd_registry_cb cb, void *data) {
  struct save *sv = sd_xcalloc(1, sizeof *sv);
  sv->kind = name != NULL ? SAVE_ACT_PUT : SAVE_ACT_DEL;
  sv->s[0] = sd_xstrdup(arn);
  sv->s[1] = name != NULL ? sd_xstrdup(name) : NULL;
  sv->creation_ms = creation_ms;
  sv->cb = cb;
  sv->data = data;
  save_queue(r, sv);
}
