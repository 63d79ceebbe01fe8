/* Compiles a definition once into struct sd_machine (see asl.h): the state
 * table with names resolved to indices, the common data-flow fields, Retry
 * and Catch. Type-specific fields are compiled by each state type's ops.
 * Compile trusts nothing: a definition that skipped validation still gets
 * an error, never a crash. */
#include "engine/asl.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/intern.h"
#include "engine/json_arena.h"
#include "engine/path.h"
#include "engine/str.h"
#include "engine/tmpl.h"

__attribute__((format(printf, 3, 4))) static int fail_at(struct sd_err *err, const char *ptr, const char *fmt,
                                                         ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_err_setv(err, SD_E_INVALID_DEFINITION, fmt, ap);
  va_end(ap);
  sd_err_set_where(err, "%s", ptr);
  return -1;
}

static const struct sd_state_ops *find_ops(const struct sd_state_ops *const *ops, const char *type) {
  for (size_t i = 0; ops[i] != NULL; i++)
    if (strcmp(ops[i]->type, type) == 0)
      return ops[i];
  return NULL;
}

/* Compiles an optional path field: absent leaves *out NULL, JSON null sets
 * *is_null. */
static int compile_path_field(json_t *v, const char *field, unsigned flags, const char *ptr,
                              struct sd_path **out, bool *is_null, struct sd_err *err) {
  *out = NULL;
  if (is_null)
    *is_null = false;
  if (v == NULL)
    return 0;
  if (json_is_null(v)) {
    if (is_null == NULL)
      return fail_at(err, ptr, "%s must not be null", field);
    *is_null = true;
    return 0;
  }
  if (!json_is_string(v))
    return fail_at(err, ptr, "%s must be a string", field);
  *out = sd_path_compile(json_string_value(v), flags, err);
  if (*out == NULL) {
    sd_err_set_where(err, "%s/%s", ptr, field);
    return -1;
  }
  return 0;
}

static int compile_errors(json_t *list, const char *ptr, char ***out, size_t *n, struct sd_err *err) {
  if (!json_is_array(list) || json_array_size(list) == 0)
    return fail_at(err, ptr, "%s", "ErrorEquals must be a non-empty array of strings");
  *n = json_array_size(list);
  *out = sd_xcalloc(*n, sizeof(char *));
  for (size_t i = 0; i < *n; i++) {
    json_t *e = json_array_get(list, i);
    if (!json_is_string(e))
      return fail_at(err, ptr, "%s", "ErrorEquals must be a non-empty array of strings");
    (*out)[i] = sd_xstrdup(json_string_value(e));
  }
  return 0;
}

static double num_or(json_t *obj, const char *key, double dflt) {
  json_t *v = json_object_get(obj, key);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

static int compile_retry(struct sd_state *st, json_t *retry, struct sd_err *err) {
  if (retry == NULL)
    return 0;
  if (!json_is_array(retry))
    return fail_at(err, st->ptr, "%s", "Retry must be an array");
  st->nretriers = json_array_size(retry);
  st->retriers = sd_xcalloc(st->nretriers ? st->nretriers : 1, sizeof *st->retriers);
  for (size_t i = 0; i < st->nretriers; i++) {
    json_t *r = json_array_get(retry, i);
    struct sd_retrier *rt = &st->retriers[i];
    char *ptr = sd_asprintf("%s/Retry/%zu", st->ptr, i);
    int rc = json_is_object(r)
                 ? compile_errors(json_object_get(r, "ErrorEquals"), ptr, &rt->errors, &rt->nerrors, err)
                 : fail_at(err, ptr, "%s", "a retrier must be an object");
    free(ptr);
    if (rc != 0)
      return -1;
    rt->interval = num_or(r, "IntervalSeconds", 1);
    rt->max_attempts = (int)num_or(r, "MaxAttempts", 3);
    rt->backoff = num_or(r, "BackoffRate", 2.0);
    rt->max_delay = num_or(r, "MaxDelaySeconds", 0);
    json_t *j = json_object_get(r, "JitterStrategy");
    rt->jitter_full = json_is_string(j) && strcmp(json_string_value(j), "FULL") == 0;
  }
  return 0;
}

static int compile_catch(struct sd_state *st, json_t *catch, struct sd_err *err) {
  if (catch == NULL)
    return 0;
  if (!json_is_array(catch))
    return fail_at(err, st->ptr, "%s", "Catch must be an array");
  st->ncatchers = json_array_size(catch);
  st->catchers = sd_xcalloc(st->ncatchers ? st->ncatchers : 1, sizeof *st->catchers);
  for (size_t i = 0; i < st->ncatchers; i++) {
    json_t *c = json_array_get(catch, i);
    struct sd_catcher *ct = &st->catchers[i];
    ct->next = -1;
    char *ptr = sd_asprintf("%s/Catch/%zu", st->ptr, i);
    int rc = -1;
    if (!json_is_object(c))
      fail_at(err, ptr, "%s", "a catcher must be an object");
    else if (compile_errors(json_object_get(c, "ErrorEquals"), ptr, &ct->errors, &ct->nerrors, err) == 0 &&
             compile_path_field(json_object_get(c, "ResultPath"), "ResultPath", SD_PATH_REF, ptr,
                                &ct->result_path, &ct->result_path_null, err) == 0) {
      json_t *next = json_object_get(c, "Next");
      ct->next = json_is_string(next) ? sd_asl_find(st->machine, json_string_value(next)) : -1;
      rc = ct->next < 0 ? fail_at(err, ptr, "%s", "Catch Next must name a state of the same scope") : 0;
    }
    free(ptr);
    if (rc != 0)
      return -1;
  }
  return 0;
}

/* The shared fields of a state, found in one walk over its keys rather
 * than a hash lookup each (borrowed; NULL when absent). */
struct common {
  json_t *type, *next, *end, *ql, *input_path, *output_path, *result_path, *params, *rs, *retry, *catch;
};

static void common_fields(json_t *d, struct common *f) {
  static const struct {
    const char *key;
    size_t off;
  } known[] = {
    { "Type", offsetof(struct common, type) },
    { "Next", offsetof(struct common, next) },
    { "End", offsetof(struct common, end) },
    { "QueryLanguage", offsetof(struct common, ql) },
    { "InputPath", offsetof(struct common, input_path) },
    { "OutputPath", offsetof(struct common, output_path) },
    { "ResultPath", offsetof(struct common, result_path) },
    { "Parameters", offsetof(struct common, params) },
    { "ResultSelector", offsetof(struct common, rs) },
    { "Retry", offsetof(struct common, retry) },
    { "Catch", offsetof(struct common, catch) },
  };
  memset(f, 0, sizeof *f);
  const char *key;
  json_t *v;
  json_object_foreach(d, key, v) {
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
      if (known[i].key[0] == key[0] && strcmp(known[i].key, key) == 0) {
        *(json_t **)(void *)((char *)f + known[i].off) = v;
        break;
      }
  }
}

/* Compiles a template found at st->ptr + suffix; the pointer is built on
 * the stack when it fits, as it is only read on error. */
static struct sd_tmpl *compile_tmpl(struct sd_state *st, json_t *def, const char *suffix,
                                    struct sd_err *err) {
  char buf[256];
  size_t a = strlen(st->ptr), b = strlen(suffix);
  char *ptr = a + b < sizeof buf ? buf : sd_xmalloc(a + b + 1);
  memcpy(ptr, st->ptr, a);
  memcpy(ptr + a, suffix, b + 1);
  struct sd_tmpl *t = sd_tmpl_compile(def, ptr, err);
  if (ptr != buf)
    free(ptr);
  return t;
}

/* Fields every state type shares. Map reads its own (legacy) Parameters as
 * ItemSelector, so it is skipped here. */
static int compile_common(struct sd_state *st, const struct common *fp, struct sd_err *err) {
  const struct common f = *fp;
  json_t *next = f.next;
  st->next = -1;
  st->end = json_is_true(f.end);
  if (next != NULL) {
    if (!json_is_string(next) || (st->next = sd_asl_find(st->machine, json_string_value(next))) < 0)
      return fail_at(err, st->ptr, "%s", "Next must name a state of the same scope");
  }
  json_t *ql = f.ql;
  st->qlang = st->machine->qlang;
  if (json_is_string(ql))
    st->qlang = strcmp(json_string_value(ql), "JSONata") == 0 ? SD_QL_JSONATA : SD_QL_JSONPATH;
  if (st->qlang == SD_QL_JSONATA)
    return fail_at(err, st->ptr, "%s", "JSONata is not supported yet (QueryLanguage)");
  if (compile_path_field(f.input_path, "InputPath", 0, st->ptr, &st->input_path, &st->input_path_null, err) !=
          0 ||
      compile_path_field(f.output_path, "OutputPath", 0, st->ptr, &st->output_path, &st->output_path_null,
                         err) != 0 ||
      compile_path_field(f.result_path, "ResultPath", SD_PATH_REF, st->ptr, &st->result_path,
                         &st->result_path_null, err) != 0)
    return -1;
  if (f.params != NULL && strcmp(st->ops->type, "Map") != 0) {
    st->parameters = compile_tmpl(st, f.params, "/Parameters", err);
    if (st->parameters == NULL)
      return -1;
  }
  if (f.rs != NULL) {
    st->result_selector = compile_tmpl(st, f.rs, "/ResultSelector", err);
    if (st->result_selector == NULL)
      return -1;
  }
  if (compile_retry(st, f.retry, err) != 0 || compile_catch(st, f.catch, err) != 0)
    return -1;
  return 0;
}

/* The event types of one state type ("PassStateEntered", ...), built once
 * per type in use and kept by the root machine: a 1,000-state chain made a
 * block per state (0.2M instructions of malloc alone). */
struct sd_asl_events {
  const struct sd_state_ops *ops;
  char *block; /* entered, exited and (states that wait) aborted, NUL-separated; owned */
};

static void free_errors(char **errors, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(errors[i]);
  free(errors);
}

static void free_state(struct sd_state *st) {
  if (st->ops && st->ops->free && st->priv)
    st->ops->free(st);
  sd_path_free(st->input_path);
  sd_path_free(st->output_path);
  sd_path_free(st->result_path);
  sd_tmpl_free(st->parameters);
  sd_tmpl_free(st->result_selector);
  for (size_t i = 0; i < st->nretriers; i++)
    free_errors(st->retriers[i].errors, st->retriers[i].nerrors);
  free(st->retriers);
  for (size_t i = 0; i < st->ncatchers; i++) {
    free_errors(st->catchers[i].errors, st->catchers[i].nerrors);
    sd_path_free(st->catchers[i].result_path);
  }
  free(st->catchers);
}

static void free_machine(struct sd_machine *m) {
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->nstates; i++)
    free_state(&m->states[i]);
  sd_json_arena_free(m->states);
  free(m->ptr);
  sd_json_arena_free(m->ptrs);
  sd_names_free(&m->names);
  for (size_t i = 0; i < m->nevents; i++)
    free(m->events[i].block);
  free(m->events);
  if (m->root == m)
    json_decref(m->def);
  free(m);
}

static void set_event_names(struct sd_machine *root, struct sd_state *st) {
  static const char *const sfx[] = { "StateEntered", "StateExited", "StateAborted" };
  size_t n = st->ops->resume != NULL ? 3 : 2;
  size_t k = 0;
  while (k < root->nevents && root->events[k].ops != st->ops)
    k++;
  if (k == root->nevents) {
    size_t plen = strlen(st->ops->events), total = 0;
    for (size_t i = 0; i < n; i++)
      total += plen + strlen(sfx[i]) + 1;
    char *blk = sd_xmalloc(total), *at = blk;
    for (size_t i = 0; i < n; i++) {
      size_t slen = strlen(sfx[i]);
      memcpy(at, st->ops->events, plen);
      memcpy(at + plen, sfx[i], slen + 1);
      at += plen + slen + 1;
    }
    root->events = sd_xrealloc(root->events, (root->nevents + 1) * sizeof *root->events);
    root->events[root->nevents++] = (struct sd_asl_events){ st->ops, blk };
  }
  const char *at = root->events[k].block;
  const char **out[] = { &st->ev_entered, &st->ev_exited, &st->ev_aborted };
  for (size_t i = 0; i < n; i++) {
    *out[i] = at;
    at += strlen(at) + 1;
  }
}

static void index_names(struct sd_machine *m) {
  sd_names_build(&m->names, &m->states[0].name, sizeof m->states[0], m->nstates);
}

/* Fills the machine from def: first every state's name (so that Next can be
 * resolved in any order), then each state. */
static int compile_machine(struct sd_machine *m, struct sd_compile *cc, struct sd_err *err) {
  json_t *states = json_object_get(m->def, "States");
  json_t *start = json_object_get(m->def, "StartAt");
  if (!json_is_object(states) || json_object_size(states) == 0)
    return fail_at(err, m->ptr[0] ? m->ptr : "/", "%s", "States must be a non-empty object");
  if (!json_is_string(start))
    return fail_at(err, m->ptr[0] ? m->ptr : "/", "%s", "StartAt must be a string");
  m->nstates = json_object_size(states);
  /* In a run's definition arena when it has one: they live as long. */
  m->states = sd_json_arena_calloc(m->nstates, sizeof *m->states);
  /* Each pointer is ptr + "/States/" + name, unescaped: name is its tail.
   * All of them in one block, sized by a first walk over the keys. */
  static const char mid[] = "/States/";
  size_t plen = strlen(m->ptr), mlen = sizeof mid - 1, total = 0;
  const char *name;
  size_t nlen;
  json_t *sdef;
  json_object_keylen_foreach(states, name, nlen, sdef) total += plen + mlen + nlen + 1;
  char *at = m->ptrs = sd_json_arena_malloc(total);
  size_t i = 0;
  json_object_keylen_foreach(states, name, nlen, sdef) {
    struct sd_state *st = &m->states[i];
    st->index = (int)i++;
    st->machine = m;
    st->ptr = at;
    memcpy(at, m->ptr, plen);
    memcpy(at + plen, mid, mlen);
    memcpy(at + plen + mlen, name, nlen + 1);
    st->name = at + plen + mlen; /* borrowed from ptr */
    at += plen + mlen + nlen + 1;
    st->def = sdef;
    st->next = -1;
  }
  index_names(m);
  m->start = sd_asl_find(m, json_string_value(start));
  if (m->start < 0)
    return fail_at(err, m->ptr[0] ? m->ptr : "/", "StartAt '%s' names no state", json_string_value(start));
  for (i = 0; i < m->nstates; i++) {
    struct sd_state *st = &m->states[i];
    struct common f;
    common_fields(st->def, &f); /* no keys when def is not an object */
    json_t *type = f.type;
    if (!json_is_object(st->def) || !json_is_string(type))
      return fail_at(err, st->ptr, "%s", "a state must be an object with a string Type");
    st->ops = find_ops(cc->ops, json_string_value(type));
    if (st->ops == NULL)
      return fail_at(err, st->ptr, "unknown state Type '%s'", json_string_value(type));
    set_event_names(m->root, st);
    if (compile_common(st, &f, err) != 0)
      return -1;
    if (st->ops->compile && st->ops->compile(st, cc, err) != 0) {
      if (err && err->where == NULL)
        sd_err_set_where(err, "%s", st->ptr);
      return -1;
    }
  }
  return 0;
}

struct sd_machine *sd_asl_compile(const struct sd_state_ops *const *ops, json_t *def, struct sd_err *err) {
  if (!json_is_object(def)) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "a definition must be a JSON object");
    return NULL;
  }
  struct sd_machine *m = sd_xcalloc(1, sizeof *m);
  m->def = json_incref(def);
  m->ptr = sd_xstrdup("");
  m->root = m;
  m->refs = 1;
  json_t *ql = json_object_get(def, "QueryLanguage");
  m->qlang =
      json_is_string(ql) && strcmp(json_string_value(ql), "JSONata") == 0 ? SD_QL_JSONATA : SD_QL_JSONPATH;
  json_t *to = json_object_get(def, "TimeoutSeconds");
  if (to != NULL) {
    if (!json_is_integer(to) || json_integer_value(to) <= 0) {
      fail_at(err, "/TimeoutSeconds", "%s", "TimeoutSeconds must be a positive integer");
      free_machine(m);
      return NULL;
    }
    m->timeout_seconds = (double)json_integer_value(to);
  }
  struct sd_compile cc = { .ops = ops, .root = m };
  sd_intern_begin();
  int rc = compile_machine(m, &cc, err);
  sd_intern_end();
  if (rc != 0) {
    free_machine(m);
    return NULL;
  }
  return m;
}

struct sd_machine *sd_asl_compile_sub(struct sd_compile *cc, json_t *def, const char *ptr,
                                      enum sd_qlang qlang, struct sd_err *err) {
  if (!json_is_object(def)) {
    fail_at(err, ptr, "%s", "a branch or item processor must be an object");
    return NULL;
  }
  struct sd_machine *m = sd_xcalloc(1, sizeof *m);
  m->def = def;
  m->ptr = sd_xstrdup(ptr);
  m->root = cc->root;
  json_t *ql = json_object_get(def, "QueryLanguage");
  m->qlang = json_is_string(ql)
                 ? (strcmp(json_string_value(ql), "JSONata") == 0 ? SD_QL_JSONATA : SD_QL_JSONPATH)
                 : qlang;
  if (compile_machine(m, cc, err) != 0) {
    free_machine(m);
    return NULL;
  }
  return m;
}

struct sd_machine *sd_asl_ref(struct sd_machine *m) {
  m->refs++;
  return m;
}

void sd_asl_unref(struct sd_machine *m) {
  if (m != NULL && --m->refs == 0)
    free_machine(m);
}

void sd_asl_free_sub(struct sd_machine *m) {
  free_machine(m);
}

int sd_asl_find(const struct sd_machine *m, const char *name) {
  return m->states == NULL ? -1
                           : (int)sd_names_find(&m->names, &m->states[0].name, sizeof m->states[0], name);
}

bool sd_asl_errors_match(char *const *errors, size_t n, const char *name) {
  /* States.Runtime is terminal: neither Retry nor Catch sees it, not even
   * when named ("A States.Runtime error isn't retriable, and will always
   * cause the execution to fail", AWS "Error handling"; the recorded
   * test_catch_states_runtime case agrees). */
  if (strcmp(name, SD_E_RUNTIME) == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(errors[i], name) == 0 || strcmp(errors[i], SD_E_ALL) == 0)
      return true;
    /* States.TaskFailed is a wildcard for every error but States.Timeout
     * (AWS "Error handling"; recorded by test_raise_exception_catch). */
    if (strcmp(errors[i], SD_E_TASK_FAILED) == 0 && strcmp(name, SD_E_TIMEOUT) != 0)
      return true;
  }
  return false;
}
