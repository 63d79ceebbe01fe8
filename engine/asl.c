/* Compiles a definition once into struct sd_machine (see asl.h): the state
 * table with names resolved to indices, the common data-flow fields, Retry
 * and Catch. Type-specific fields are compiled by each state type's ops.
 * Compile trusts nothing: a definition that skipped validation still gets
 * an error, never a crash. */
#include "engine/asl.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/path.h"
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
static int compile_path_field(json_t *def, const char *field, unsigned flags, const char *ptr,
                              struct sd_path **out, bool *is_null, struct sd_err *err) {
  json_t *v = json_object_get(def, field);
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
             compile_path_field(c, "ResultPath", SD_PATH_REF, ptr, &ct->result_path, &ct->result_path_null,
                                err) == 0) {
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

/* Fields every state type shares. Map reads its own (legacy) Parameters as
 * ItemSelector, so it is skipped here. */
static int compile_common(struct sd_state *st, struct sd_err *err) {
  json_t *d = st->def;
  json_t *next = json_object_get(d, "Next");
  st->next = -1;
  st->end = json_is_true(json_object_get(d, "End"));
  if (next != NULL) {
    if (!json_is_string(next) || (st->next = sd_asl_find(st->machine, json_string_value(next))) < 0)
      return fail_at(err, st->ptr, "%s", "Next must name a state of the same scope");
  }
  json_t *ql = json_object_get(d, "QueryLanguage");
  st->qlang = st->machine->qlang;
  if (json_is_string(ql))
    st->qlang = strcmp(json_string_value(ql), "JSONata") == 0 ? SD_QL_JSONATA : SD_QL_JSONPATH;
  if (st->qlang == SD_QL_JSONATA)
    return fail_at(err, st->ptr, "%s", "JSONata is not supported yet (QueryLanguage)");
  if (compile_path_field(d, "InputPath", 0, st->ptr, &st->input_path, &st->input_path_null, err) != 0 ||
      compile_path_field(d, "OutputPath", 0, st->ptr, &st->output_path, &st->output_path_null, err) != 0 ||
      compile_path_field(d, "ResultPath", SD_PATH_REF, st->ptr, &st->result_path, &st->result_path_null,
                         err) != 0)
    return -1;
  json_t *params = json_object_get(d, "Parameters");
  if (params != NULL && strcmp(st->ops->type, "Map") != 0) {
    char *ptr = sd_xstrcat3(st->ptr, "/Parameters", NULL);
    st->parameters = sd_tmpl_compile(params, ptr, err);
    free(ptr);
    if (st->parameters == NULL)
      return -1;
  }
  json_t *rs = json_object_get(d, "ResultSelector");
  if (rs != NULL) {
    char *ptr = sd_xstrcat3(st->ptr, "/ResultSelector", NULL);
    st->result_selector = sd_tmpl_compile(rs, ptr, err);
    free(ptr);
    if (st->result_selector == NULL)
      return -1;
  }
  if (compile_retry(st, json_object_get(d, "Retry"), err) != 0 ||
      compile_catch(st, json_object_get(d, "Catch"), err) != 0)
    return -1;
  return 0;
}

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
  free(st->name);
  free(st->ptr);
  free(st->ev_entered);
  free(st->ev_exited);
  free(st->ev_aborted);
}

static void free_machine(struct sd_machine *m) {
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->nstates; i++)
    free_state(&m->states[i]);
  free(m->states);
  free(m->ptr);
  json_decref(m->names);
  if (m->root == m)
    json_decref(m->def);
  free(m);
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
  m->states = sd_xcalloc(m->nstates, sizeof *m->states);
  m->names = json_object();
  size_t i = 0;
  const char *name;
  json_t *sdef;
  json_object_foreach(states, name, sdef) {
    struct sd_state *st = &m->states[i];
    st->index = (int)i++;
    st->machine = m;
    st->name = sd_xstrdup(name);
    st->ptr = sd_xstrcat3(m->ptr, "/States/", name);
    st->def = sdef;
    st->next = -1;
    json_object_set_new(m->names, name, json_integer(st->index));
  }
  m->start = sd_asl_find(m, json_string_value(start));
  if (m->start < 0)
    return fail_at(err, m->ptr[0] ? m->ptr : "/", "StartAt '%s' names no state", json_string_value(start));
  for (i = 0; i < m->nstates; i++) {
    struct sd_state *st = &m->states[i];
    json_t *type = json_object_get(st->def, "Type");
    if (!json_is_object(st->def) || !json_is_string(type))
      return fail_at(err, st->ptr, "%s", "a state must be an object with a string Type");
    st->ops = find_ops(cc->ops, json_string_value(type));
    if (st->ops == NULL)
      return fail_at(err, st->ptr, "unknown state Type '%s'", json_string_value(type));
    st->ev_entered = sd_xstrcat3(st->ops->events, "StateEntered", NULL);
    st->ev_exited = sd_xstrcat3(st->ops->events, "StateExited", NULL);
    if (st->ops->resume != NULL)
      st->ev_aborted = sd_xstrcat3(st->ops->events, "StateAborted", NULL);
    if (compile_common(st, err) != 0)
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
  if (compile_machine(m, &cc, err) != 0) {
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
  json_t *v = m->names ? json_object_get(m->names, name) : NULL;
  return v ? (int)json_integer_value(v) : -1;
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
