/* The mock connector (see mock.h): compiles the test cases of a Step
 * Functions Local mock configuration into sorted invocation ranges, counts
 * invocations per execution and state, and answers Task calls from them.
 * Not for: parsing the file from disk, or turning a result into history. */
#include "integrations/mock.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/exec.h"

const char SD_MOCK_E_CONFIG[] = "InvalidMockConfig";

/* Step Functions Local's answer when a mock names an Activity state (as
 * reported from its ExecutionFailed events). */
static const char activity_cause[] = "Activity state cannot be mocked. Please remove mocks mapped for all "
                                     "activity state in the mock config file.";

struct entry {
  long first, last;  /* the inclusive invocation range of the key */
  const char *key;   /* "0", "1-2"; borrowed from the config */
  json_t *ret;       /* the Return value; borrowed from the config; NULL for a Throw */
  const char *error; /* Throw.Error; borrowed */
  const char *cause; /* Throw.Cause; borrowed; NULL when absent */
};

struct response {
  const char *name; /* the MockedResponses key; borrowed */
  struct entry *v;  /* owned; sorted by first, consecutive from 0 */
  size_t n;
};

struct tcase {
  char *machine; /* owned */
  char *name;    /* owned */
  json_t *map;   /* state name -> index into sd_mock.resps; owned */
};

struct sd_mock {
  json_t *config;         /* owned reference; everything borrowed above points into it */
  struct response *resps; /* owned; compiled on first use */
  size_t nresps;
  struct tcase *cases; /* owned; compiled on first selection */
  size_t ncases;
  int default_case; /* index into cases, -1 = none */
  /* exec ARN -> {"case": n (absent = the default), "n": {state: invocations}}:
   * Jansson's hash table, so a lookup per call stays O(1) with many
   * executions. Owned. */
  json_t *execs;
};

/* ---- errors with JSON pointers ---- */

/* Appends one reference token to a JSON pointer, escaped per RFC 6901. */
static void ptr_add(struct sd_buf *b, const char *token) {
  sd_buf_putc(b, '/');
  for (const char *p = token; *p; p++) {
    if (*p == '~')
      sd_buf_puts(b, "~0");
    else if (*p == '/')
      sd_buf_puts(b, "~1");
    else
      sd_buf_putc(b, *p);
  }
}

/* The reference tokens of a JSON pointer, as a NULL-terminated array. */
#define PTR(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Sets a configuration error located at the pointer made of `tokens`. */
static int cfg_err(struct sd_err *err, const char *const *tokens, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cfg_err(struct sd_err *err, const char *const *tokens, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_err_setv(err, SD_MOCK_E_CONFIG, fmt, ap);
  va_end(ap);
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, ""); /* the whole document is "", not NULL */
  for (size_t i = 0; tokens[i]; i++)
    ptr_add(&b, tokens[i]);
  sd_err_set_where(err, "%s", b.data);
  sd_buf_free(&b);
  return -1;
}

/* "'A', 'B'" from an object's keys, in file order (Jansson keeps insertion
 * order), or "none". Caller frees. */
static char *key_list(json_t *obj) {
  struct sd_buf b = { 0 };
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    sd_buf_printf(&b, "%s'%s'", b.len ? ", " : "", k);
  }
  if (b.len == 0)
    sd_buf_puts(&b, "none");
  return sd_buf_steal(&b);
}

/* ---- compiling mocked responses ---- */

/* A non-negative decimal integer up to INT_MAX; no sign, no spaces. */
static bool parse_num(const char **p, long *out) {
  const char *s = *p;
  if (!isdigit((unsigned char)*s))
    return false;
  long v = 0;
  while (isdigit((unsigned char)*s)) {
    v = v * 10 + (*s - '0');
    if (v > INT_MAX)
      return false;
    s++;
  }
  *p = s;
  *out = v;
  return true;
}

static bool parse_key(const char *key, long *first, long *last) {
  const char *p = key;
  if (!parse_num(&p, first))
    return false;
  if (*p == '\0') {
    *last = *first;
    return true;
  }
  if (*p++ != '-' || !parse_num(&p, last))
    return false;
  return *p == '\0';
}

static int entry_cmp(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  return (x->first > y->first) - (x->first < y->first);
}

/* Fills `e` from one "<key>": {"Return"|"Throw": ...} pair. */
static int compile_entry(const char *rname, const char *key, json_t *val, struct entry *e,
                         struct sd_err *err) {
  const char *R = "MockedResponses";
  if (!parse_key(key, &e->first, &e->last))
    return cfg_err(err, PTR(R, rname, key),
                   "Invalid invocation key '%s' in mocked response '%s': expected an invocation number such "
                   "as \"0\" or an inclusive range such as \"1-2\"",
                   key, rname);
  if (e->first > e->last)
    return cfg_err(err, PTR(R, rname, key),
                   "Invalid invocation range '%s' in mocked response '%s': the start is greater than the end",
                   key, rname);
  e->key = key;
  if (!json_is_object(val))
    return cfg_err(err, PTR(R, rname, key),
                   "Invocation '%s' of mocked response '%s' must be an object with a 'Return' or a 'Throw' "
                   "field",
                   key, rname);
  json_t *ret = json_object_get(val, "Return"), *thr = json_object_get(val, "Throw");
  if (ret && thr)
    return cfg_err(err, PTR(R, rname, key),
                   "Invocation '%s' of mocked response '%s' has both 'Return' and 'Throw'; it must have "
                   "exactly one",
                   key, rname);
  if (!ret && !thr)
    return cfg_err(err, PTR(R, rname, key),
                   "Invocation '%s' of mocked response '%s' must have a 'Return' or a 'Throw' field", key,
                   rname);
  if (json_object_size(val) != 1) {
    const char *k;
    json_t *v;
    json_object_foreach(val, k, v) {
      if (strcmp(k, "Return") != 0 && strcmp(k, "Throw") != 0)
        return cfg_err(err, PTR(R, rname, key, k),
                       "Unknown field '%s' in invocation '%s' of mocked response '%s': only 'Return' or "
                       "'Throw' is allowed",
                       k, key, rname);
    }
  }
  if (ret) {
    e->ret = ret; /* any JSON value, as Step Functions Local allows */
    return 0;
  }
  if (!json_is_object(thr))
    return cfg_err(err, PTR(R, rname, key, "Throw"), "'Throw' in mocked response '%s' must be an object",
                   rname);
  json_t *error = json_object_get(thr, "Error"), *cause = json_object_get(thr, "Cause");
  /* Error may be absent: a service failure without an error name (AWS
   * records such TaskFailed events; the execution then fails without one). */
  if (error && !json_is_string(error))
    return cfg_err(err, PTR(R, rname, key, "Throw"), "'Error' in mocked response '%s' must be a string",
                   rname);
  if (cause && !json_is_string(cause))
    return cfg_err(err, PTR(R, rname, key, "Throw"), "'Cause' in mocked response '%s' must be a string",
                   rname);
  const char *k;
  json_t *v;
  json_object_foreach(thr, k, v) {
    if (strcmp(k, "Error") != 0 && strcmp(k, "Cause") != 0)
      return cfg_err(err, PTR(R, rname, key, "Throw"),
                     "Unknown field '%s' in 'Throw' of mocked response '%s': only 'Error' and 'Cause' are "
                     "allowed",
                     k, rname);
  }
  e->error = error ? json_string_value(error) : "";
  e->cause = cause ? json_string_value(cause) : NULL;
  return 0;
}

/* Sorts the entries and checks that they number the invocations 0, 1, 2 ...
 * without overlap or gap, so that every invocation up to the last has
 * exactly one response. */
static int check_ranges(const char *rname, struct entry *v, size_t n, struct sd_err *err) {
  qsort(v, n, sizeof *v, entry_cmp);
  long next = 0; /* the first invocation not yet covered */
  for (size_t i = 0; i < n; i++) {
    if (v[i].first < next)
      return cfg_err(err, PTR("MockedResponses", rname, v[i].key),
                     "Invocation key '%s' of mocked response '%s' overlaps key '%s'", v[i].key, rname,
                     v[i - 1].key);
    if (v[i].first > next)
      return cfg_err(err, PTR("MockedResponses", rname, v[i].key),
                     "Mocked response '%s' defines no response for invocation %ld: keys must number the "
                     "invocations consecutively from 0 (the next key is '%s')",
                     rname, next, v[i].key);
    next = v[i].last + 1;
  }
  return 0;
}

static void response_free(struct response *r) {
  free(r->v);
}

/* Compiles MockedResponses[name] (once); returns its index or -1. */
static long response_get(struct sd_mock *m, const char *name, struct sd_err *err) {
  for (size_t i = 0; i < m->nresps; i++)
    if (strcmp(m->resps[i].name, name) == 0)
      return (long)i;
  json_t *all = json_object_get(m->config, "MockedResponses");
  json_t *obj = json_object_get(all, name);
  if (!json_is_object(obj))
    return cfg_err(err, PTR("MockedResponses", name),
                   "Mocked response '%s' must be an object whose keys are invocation numbers", name);
  struct response r = { .name = json_object_iter_key(json_object_iter_at(all, name)) };
  r.n = json_object_size(obj);
  r.v = sd_xcalloc(r.n ? r.n : 1, sizeof *r.v);
  size_t i = 0;
  const char *key;
  json_t *val;
  json_object_foreach(obj, key, val) {
    if (compile_entry(r.name, key, val, &r.v[i++], err) < 0) {
      response_free(&r);
      return -1;
    }
  }
  if (check_ranges(r.name, r.v, r.n, err) < 0) {
    response_free(&r);
    return -1;
  }
  m->resps = sd_xrealloc(m->resps, (m->nresps + 1) * sizeof *m->resps);
  m->resps[m->nresps] = r;
  return (long)m->nresps++;
}

/* ---- compiling test cases ---- */

static json_t *machine_get(struct sd_mock *m, const char *machine, struct sd_err *err) {
  json_t *machines = json_object_get(m->config, "StateMachines");
  json_t *sm = json_object_get(machines, machine);
  if (sm == NULL) {
    char *names = key_list(machines);
    cfg_err(err, PTR("StateMachines"), "State machine '%s' is not in the mock configuration; it defines: %s",
            machine, names);
    free(names);
    return NULL;
  }
  if (!json_is_object(sm) || !json_is_object(json_object_get(sm, "TestCases"))) {
    cfg_err(err, PTR("StateMachines", machine),
            "State machine '%s' must be an object with an object field 'TestCases'", machine);
    return NULL;
  }
  const char *k;
  json_t *v;
  json_object_foreach(sm, k, v) {
    if (strcmp(k, "TestCases") != 0) {
      cfg_err(err, PTR("StateMachines", machine, k),
              "Unknown field '%s' in state machine '%s': only 'TestCases' is allowed", k, machine);
      return NULL;
    }
  }
  return json_object_get(sm, "TestCases");
}

/* Compiles a test case and every response it names (once); returns its
 * index or -1. */
static int case_get(struct sd_mock *m, const char *machine, const char *name, struct sd_err *err) {
  for (size_t i = 0; i < m->ncases; i++)
    if (strcmp(m->cases[i].machine, machine) == 0 && strcmp(m->cases[i].name, name) == 0)
      return (int)i;
  json_t *cases = machine_get(m, machine, err);
  if (cases == NULL)
    return -1;
  json_t *tc = json_object_get(cases, name);
  if (tc == NULL) {
    char *names = key_list(cases);
    cfg_err(err, PTR("StateMachines", machine, "TestCases"),
            "Test case '%s' is not defined for state machine '%s'; its test cases are: %s", name, machine,
            names);
    free(names);
    return -1;
  }
  if (!json_is_object(tc))
    return cfg_err(err, PTR("StateMachines", machine, "TestCases", name),
                   "Test case '%s' must be an object mapping state names to mocked response names", name);
  json_t *map = json_object();
  const char *state;
  json_t *rname;
  json_object_foreach(tc, state, rname) {
    if (!json_is_string(rname)) {
      json_decref(map);
      return cfg_err(err, PTR("StateMachines", machine, "TestCases", name, state),
                     "State '%s' in test case '%s' must name a mocked response with a string", state, name);
    }
    const char *rn = json_string_value(rname);
    if (json_object_get(json_object_get(m->config, "MockedResponses"), rn) == NULL) {
      json_decref(map);
      cfg_err(err, PTR("StateMachines", machine, "TestCases", name, state),
              "State '%s' in test case '%s' refers to mocked response '%s', which is not defined in "
              "MockedResponses",
              state, name, rn);
      return -1;
    }
    long ri = response_get(m, rn, err);
    if (ri < 0) {
      json_decref(map);
      return -1;
    }
    json_object_set_new(map, state, json_integer(ri));
  }
  m->cases = sd_xrealloc(m->cases, (m->ncases + 1) * sizeof *m->cases);
  m->cases[m->ncases] = (struct tcase){ sd_xstrdup(machine), sd_xstrdup(name), map };
  return (int)m->ncases++;
}

/* ---- the mock ---- */

struct sd_mock *sd_mock_new(json_t *config, struct sd_err *err) {
  if (!json_is_object(config)) {
    cfg_err(err, PTR(NULL), "The mock configuration must be a JSON object");
    return NULL;
  }
  static const char *const fields[] = { "StateMachines", "MockedResponses" };
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(config, fields[i]);
    if (v == NULL) {
      cfg_err(err, PTR(NULL), "The mock configuration has no '%s' field", fields[i]);
      return NULL;
    }
    if (!json_is_object(v)) {
      cfg_err(err, PTR(fields[i]), "'%s' must be an object", fields[i]);
      return NULL;
    }
  }
  struct sd_mock *m = sd_xcalloc(1, sizeof *m);
  m->config = json_incref(config);
  m->default_case = -1;
  m->execs = json_object();
  return m;
}

void sd_mock_free(struct sd_mock *m) {
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->nresps; i++)
    response_free(&m->resps[i]);
  free(m->resps);
  for (size_t i = 0; i < m->ncases; i++) {
    free(m->cases[i].machine);
    free(m->cases[i].name);
    json_decref(m->cases[i].map);
  }
  free(m->cases);
  json_decref(m->execs);
  json_decref(m->config);
  free(m);
}

int sd_mock_select_default(struct sd_mock *m, const char *machine, const char *test_case,
                           struct sd_err *err) {
  int c = case_get(m, machine, test_case, err);
  if (c < 0)
    return -1;
  m->default_case = c;
  return 0;
}

int sd_mock_select(struct sd_mock *m, const char *exec_arn, const char *machine, const char *test_case,
                   struct sd_err *err) {
  int c = case_get(m, machine, test_case, err);
  if (c < 0)
    return -1;
  json_t *ex = json_pack("{s:i, s:{}}", "case", c, "n");
  json_object_set_new(m->execs, exec_arn, ex);
  return 0;
}

void sd_mock_release(struct sd_mock *m, const char *exec_arn) {
  json_object_del(m->execs, exec_arn);
}

/* The test case that applies to an execution, or NULL. */
static const struct tcase *case_of(const struct sd_mock *m, const char *exec_arn) {
  json_t *ex = exec_arn ? json_object_get(m->execs, exec_arn) : NULL;
  json_t *c = json_object_get(ex, "case");
  if (c != NULL)
    return &m->cases[json_integer_value(c)];
  return m->default_case >= 0 ? &m->cases[m->default_case] : NULL;
}

bool sd_mock_covers(const struct sd_mock *m, const char *exec_arn, const char *state_name) {
  const struct tcase *tc = case_of(m, exec_arn);
  return tc != NULL && json_object_get(tc->map, state_name) != NULL;
}

long sd_mock_invocations(const struct sd_mock *m, const char *exec_arn, const char *state_name) {
  json_t *ex = json_object_get(m->execs, exec_arn);
  return (long)json_integer_value(json_object_get(json_object_get(ex, "n"), state_name));
}

/* The entry whose range holds invocation `n`, or NULL (bsearch over the
 * sorted, non-overlapping ranges). */
static const struct entry *entry_at(const struct response *r, long n) {
  size_t lo = 0, hi = r->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (n < r->v[mid].first)
      hi = mid;
    else if (n > r->v[mid].last)
      lo = mid + 1;
    else
      return &r->v[mid];
  }
  return NULL;
}

json_t *sd_mock_next(struct sd_mock *m, const char *exec_arn, const char *state_name, struct sd_err *err) {
  if (exec_arn == NULL)
    exec_arn = "";
  const struct tcase *tc = case_of(m, exec_arn);
  json_t *ri = tc ? json_object_get(tc->map, state_name) : NULL;
  if (ri == NULL) {
    sd_err_set(err, SD_E_RUNTIME, "State '%s' is not mocked by the selected test case", state_name);
    return NULL;
  }
  const struct response *r = &m->resps[json_integer_value(ri)];
  /* Counters live per execution even under the default test case, so two
   * executions of one run never share them. */
  json_t *ex = json_object_get(m->execs, exec_arn);
  if (ex == NULL) {
    ex = json_pack("{s:{}}", "n");
    json_object_set_new(m->execs, exec_arn, ex);
  }
  json_t *counts = json_object_get(ex, "n");
  long n = (long)json_integer_value(json_object_get(counts, state_name));
  json_object_set_new(counts, state_name, json_integer(n + 1));

  const struct entry *e = entry_at(r, n);
  if (e == NULL) {
    if (r->n == 0)
      sd_err_set(err, SD_E_RUNTIME,
                 "No mocked response is defined for invocation %ld of state '%s': mocked response '%s' "
                 "defines none",
                 n, state_name, r->name);
    else
      sd_err_set(err, SD_E_RUNTIME,
                 "No mocked response is defined for invocation %ld of state '%s': mocked response '%s' "
                 "defines invocations 0 to %ld",
                 n, state_name, r->name, r->v[r->n - 1].last);
    return NULL;
  }
  if (e->ret != NULL)
    return json_deep_copy(e->ret);
  sd_err_set_raw(err, e->error, e->cause);
  return NULL;
}

/* ---- the connector ---- */

/* arn:<partition>:states:<region>:<account>:activity:<name> */
static bool is_activity(const char *resource) {
  if (resource == NULL || strncmp(resource, "arn:", 4) != 0)
    return false;
  const char *p = strchr(resource + 4, ':'); /* after the partition */
  if (p == NULL || strncmp(p + 1, "states:", 7) != 0)
    return false;
  p = strchr(p + 8, ':'); /* after the region */
  if (p != NULL)
    p = strchr(p + 1, ':'); /* after the account */
  return p != NULL && strncmp(p + 1, "activity:", 9) == 0;
}

static bool mock_serves(void *self, struct sd_exec *exec, const char *state_name, const char *resource) {
  return sd_mock_covers(self, exec ? sd_exec_arn(exec) : NULL, state_name);
}

static int mock_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  struct sd_err thrown = { 0 };
  json_t *result = NULL; /* new reference, stolen by sd_task_post_done */
  if (is_activity(call->resource))
    sd_err_set_raw(&thrown, SD_E_RUNTIME, activity_cause);
  else
    result = sd_mock_next(self, call->exec_arn, call->state_name, &thrown);
  /* Callback and .sync tasks show TaskSubmitted before their outcome on
   * AWS, failures included; the engine generates the task token. */
  if (call->wait_for_token || call->sync)
    sd_task_post_submitted(call);
  sd_task_post_done(call, result, result ? NULL : &thrown);
  sd_err_clear(&thrown);
  return 0;
}

/* Nothing to undo: start handed everything to the engine's run queue, and
 * the engine drops what was posted for a cancelled call. */
static void mock_cancel(void *self, struct sd_task_call *call) {
}

static void mock_free(void *self) {
  sd_mock_free(self);
}

const struct sd_connector_ops sd_conn_mock = {
  .name = "mock",
  .serves = mock_serves,
  .start = mock_start,
  .cancel = mock_cancel,
  .free = mock_free,
};

void sd_mock_connector(struct sd_mock *m, struct sd_connector *out) {
  out->ops = &sd_conn_mock;
  out->self = m;
}

int sd_mock_load(json_t *config, const char *machine, const char *test_case, struct sd_connector *out,
                 struct sd_err *err) {
  struct sd_mock *m = sd_mock_new(config, err);
  if (m == NULL)
    return -1;
  if (sd_mock_select_default(m, machine, test_case, err) < 0) {
    sd_mock_free(m);
    return -1;
  }
  sd_mock_connector(m, out);
  return 0;
}

int sd_mock_validate_file(json_t *config, struct sd_err *err) {
  struct sd_mock *m = sd_mock_new(config, err);
  if (m == NULL)
    return -1;
  int rc = 0;
  const char *machine, *name;
  json_t *sm, *tc;
  json_object_foreach(json_object_get(config, "StateMachines"), machine, sm) {
    json_t *cases = machine_get(m, machine, err);
    if (cases == NULL) {
      rc = -1;
      goto out;
    }
    json_object_foreach(cases, name, tc) {
      if (case_get(m, machine, name, err) < 0) {
        rc = -1;
        goto out;
      }
    }
  }
  /* Responses no test case names are checked too: they are typos waiting
   * for the day a test case names them. */
  json_object_foreach(json_object_get(config, "MockedResponses"), name, tc) {
    if (response_get(m, name, err) < 0) {
      rc = -1;
      goto out;
    }
  }
out:
  sd_mock_free(m);
  return rc;
}
