/* State machine versions and aliases in the registry: finding them by ARN,
 * publishing and deleting versions, adding and removing aliases, and the
 * JSON text they are kept as in the machine's store row (docs/server.md,
 * "Versions and aliases"). A version is a struct sd_reg_machine of its own,
 * a frozen copy of one revision sharing its compiled machine, so that an
 * execution started on it points at what it runs, as for any revision.
 * Not for: the API's checks and answers (api_versions.c). */
#include "server/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/err.h"
#include "engine/log.h"
#include "engine/store.h"
#include "engine/validate.h"

/* Splits "<machine ARN>:<qualifier>" at its last colon: the live machine
 * and the qualifier, or NULL when the machine is unknown. */
static struct sd_reg_machine *split(struct sd_registry *r, const char *arn, const char **qualifier) {
  const char *colon = strrchr(arn, ':');
  if (colon == NULL || colon[1] == '\0')
    return NULL;
  char *base = sd_xstrndup(arn, (size_t)(colon - arn));
  struct sd_reg_machine *m = sd_registry_machine(r, base);
  free(base);
  *qualifier = colon + 1;
  return m;
}

/* A version number: digits only, > 0. */
static int64_t parse_version(const char *q) {
  if (*q < '1' || *q > '9')
    return 0;
  char *end;
  errno = 0;
  long long v = strtoll(q, &end, 10);
  return errno == 0 && *end == '\0' ? v : 0;
}

static struct sd_reg_machine *find_version(struct sd_reg_machine *m, int64_t n) {
  for (size_t i = 0; i < m->nversions; i++)
    if (m->versions[i]->version == n)
      return m->versions[i];
  return NULL;
}

struct sd_reg_machine *sd_registry_version(struct sd_registry *r, const char *arn,
                                           struct sd_reg_machine **machine) {
  const char *q;
  struct sd_reg_machine *m = split(r, arn, &q);
  int64_t n = m ? parse_version(q) : 0;
  struct sd_reg_machine *v = n > 0 ? find_version(m, n) : NULL;
  if (machine != NULL)
    *machine = m;
  return v;
}

struct sd_reg_alias *sd_registry_alias(struct sd_registry *r, const char *arn,
                                       struct sd_reg_machine **machine) {
  const char *q;
  struct sd_reg_machine *m = split(r, arn, &q);
  if (machine != NULL)
    *machine = m;
  for (size_t i = 0; m != NULL && i < m->naliases; i++)
    if (strcmp(m->aliases[i]->name, q) == 0)
      return m->aliases[i];
  return NULL;
}

struct sd_reg_machine *sd_registry_version_current(struct sd_reg_machine *m) {
  /* A revision is named by its update time, unique per ARN. */
  for (size_t i = m->nversions; i-- > 0;)
    if (m->versions[i]->updated_ms == m->updated_ms)
      return m->versions[i];
  return NULL;
}

static struct sd_reg_machine *version_new(const struct sd_reg_machine *m, int64_t n, const char *description,
                                          int64_t created_ms) {
  struct sd_reg_machine *v = sd_xcalloc(1, sizeof *v);
  v->arn = sd_asprintf("%s:%lld", m->arn, (long long)n);
  v->name = sd_xstrdup(m->name);
  v->definition = sd_xstrdup(m->definition);
  v->role_arn = sd_xstrdup(m->role_arn);
  v->type = sd_xstrdup(m->type);
  v->created_ms = created_ms;
  v->updated_ms = m->updated_ms; /* the revision it freezes */
  v->m = sd_asl_ref(m->m);
  v->revision_id = m->revision_id ? sd_xstrdup(m->revision_id) : NULL;
  v->version = n;
  v->description = description ? sd_xstrdup(description) : NULL;
  return v;
}

static void version_append(struct sd_reg_machine *m, struct sd_reg_machine *v) {
  m->versions = sd_xrealloc(m->versions, (m->nversions + 1) * sizeof *m->versions);
  m->versions[m->nversions++] = v;
}

struct sd_reg_machine *sd_registry_version_add(struct sd_registry *r, struct sd_reg_machine *m,
                                               const char *description, int64_t created_ms) {
  (void)r;
  if (m->next_version < 1)
    m->next_version = 1;
  struct sd_reg_machine *v = version_new(m, m->next_version++, description, created_ms);
  version_append(m, v);
  return v;
}

void sd_registry_version_delete(struct sd_registry *r, struct sd_reg_machine *m, struct sd_reg_machine *v) {
  size_t k = 0;
  for (size_t i = 0; i < m->nversions; i++)
    if (m->versions[i] != v)
      m->versions[k++] = m->versions[i];
  m->nversions = k;
  sd_registry_keep(r, v);
}

struct sd_reg_alias *sd_registry_alias_add(struct sd_reg_machine *m, const struct sd_reg_alias *a) {
  struct sd_reg_alias *rec = sd_xmalloc(sizeof *rec);
  *rec = *a;
  m->aliases = sd_xrealloc(m->aliases, (m->naliases + 1) * sizeof *m->aliases);
  m->aliases[m->naliases++] = rec;
  return rec;
}

void sd_registry_alias_free(struct sd_reg_alias *a) {
  if (a == NULL)
    return;
  free(a->arn);
  free(a->name);
  free(a->description);
  free(a);
}

void sd_registry_alias_delete(struct sd_reg_machine *m, struct sd_reg_alias *a) {
  size_t k = 0;
  for (size_t i = 0; i < m->naliases; i++)
    if (m->aliases[i] != a)
      m->aliases[k++] = m->aliases[i];
  m->naliases = k;
  sd_registry_alias_free(a);
}

/* ---- the store's JSON text ----
 *
 * versions: [{"version": N, "created_ms", "updated_ms" (the revision),
 *             "description"?}]; the definition comes from the revision row.
 * aliases:  [{"name", "created_ms", "updated_ms", "description"?,
 *             "routes": [[version, weight], ...]}] */

char *sd_registry_versions_dump(const struct sd_reg_machine *m) {
  if (m->nversions == 0)
    return NULL;
  json_t *list = json_array(); /* new */
  for (size_t i = 0; i < m->nversions; i++) {
    const struct sd_reg_machine *v = m->versions[i];
    json_t *o = json_pack("{s:I, s:I, s:I}", "version", (json_int_t)v->version, "created_ms",
                          (json_int_t)v->created_ms, "updated_ms", (json_int_t)v->updated_ms); /* new */
    if (v->description != NULL)
      json_object_set_new(o, "description", json_string(v->description));
    json_array_append_new(list, o);
  }
  char *text = json_dumps(list, JSON_COMPACT);
  json_decref(list);
  return text;
}

char *sd_registry_aliases_dump(const struct sd_reg_machine *m) {
  if (m->naliases == 0)
    return NULL;
  json_t *list = json_array(); /* new */
  for (size_t i = 0; i < m->naliases; i++) {
    const struct sd_reg_alias *a = m->aliases[i];
    json_t *routes = json_array(); /* new */
    for (size_t j = 0; j < a->nroutes; j++)
      json_array_append_new(routes,
                            json_pack("[I, i]", (json_int_t)a->routes[j].version, a->routes[j].weight));
    json_t *o = json_pack("{s:s, s:I, s:I, s:o}", "name", a->name, "created_ms", (json_int_t)a->created_ms,
                          "updated_ms", (json_int_t)a->updated_ms, "routes", routes); /* new */
    if (a->description != NULL)
      json_object_set_new(o, "description", json_string(a->description));
    json_array_append_new(list, o);
  }
  char *text = json_dumps(list, JSON_COMPACT);
  json_decref(list);
  return text;
}

static json_t *load_list(json_t *row, const char *key) {
  const char *text = json_string_value(json_object_get(row, key));
  json_t *list = text ? json_loads(text, 0, NULL) : NULL; /* new */
  if (text != NULL && !json_is_array(list))
    sd_log(SD_LOG_ERROR, "state machine %s: its stored %s are damaged, skipped",
           json_string_value(json_object_get(row, "arn")), key);
  if (!json_is_array(list)) {
    json_decref(list);
    return NULL;
  }
  return list;
}

/* One stored version: its revision's definition, compiled. */
static struct sd_reg_machine *load_version(struct sd_reg_machine *m, json_t *o, struct sd_store *store,
                                           const struct sd_state_ops *const *ops) {
  int64_t n = json_integer_value(json_object_get(o, "version"));
  int64_t rev_ms = json_integer_value(json_object_get(o, "updated_ms"));
  struct sd_err err = { 0 };
  json_t *rev = sd_store_machine_revision(store, m->arn, rev_ms, &err); /* new */
  const char *text = json_string_value(json_object_get(rev, "definition"));
  json_t *def = text ? sd_validate_parse(text, strlen(text), &err) : NULL; /* new */
  struct sd_machine *compiled = def ? sd_asl_compile(ops, def, &err) : NULL;
  json_decref(def);
  if (compiled == NULL || n < 1) {
    sd_log(SD_LOG_ERROR, "version %lld of %s in the store cannot be loaded, skipped: %s", (long long)n,
           m->arn, err.cause ? err.cause : "damaged");
    sd_err_clear(&err);
    json_decref(rev);
    return NULL;
  }
  struct sd_reg_machine *v = sd_xcalloc(1, sizeof *v);
  v->arn = sd_asprintf("%s:%lld", m->arn, (long long)n);
  v->name = sd_xstrdup(m->name);
  v->definition = sd_xstrdup(text);
  const char *role = json_string_value(json_object_get(rev, "role_arn"));
  v->role_arn = sd_xstrdup(role ? role : m->role_arn);
  v->type = sd_xstrdup(m->type);
  v->created_ms = json_integer_value(json_object_get(o, "created_ms"));
  v->updated_ms = rev_ms;
  v->m = compiled;
  const char *rid = json_string_value(json_object_get(rev, "revision_id"));
  v->revision_id = rid ? sd_xstrdup(rid) : NULL;
  v->version = n;
  const char *desc = json_string_value(json_object_get(o, "description"));
  v->description = desc ? sd_xstrdup(desc) : NULL;
  json_decref(rev);
  return v;
}

static void load_alias(struct sd_reg_machine *m, json_t *o) {
  const char *name = json_string_value(json_object_get(o, "name"));
  json_t *routes = json_object_get(o, "routes"); /* borrowed */
  size_t n = json_array_size(routes);
  if (name == NULL || n < 1 || n > 2)
    return;
  struct sd_reg_alias a = {
    .arn = sd_asprintf("%s:%s", m->arn, name),
    .name = sd_xstrdup(name),
    .created_ms = json_integer_value(json_object_get(o, "created_ms")),
    .updated_ms = json_integer_value(json_object_get(o, "updated_ms")),
    .nroutes = n,
  };
  const char *desc = json_string_value(json_object_get(o, "description"));
  a.description = desc ? sd_xstrdup(desc) : NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *pair = json_array_get(routes, i); /* borrowed */
    a.routes[i].version = json_integer_value(json_array_get(pair, 0));
    a.routes[i].weight = (int)json_integer_value(json_array_get(pair, 1));
  }
  sd_registry_alias_add(m, &a);
}

void sd_registry_versions_load(struct sd_registry *r, struct sd_reg_machine *m, json_t *row,
                               struct sd_store *store, const struct sd_state_ops *const *ops) {
  (void)r;
  json_t *versions = load_list(row, "versions"); /* new */
  json_t *aliases = load_list(row, "aliases");   /* new */
  size_t i;
  json_t *o;
  json_array_foreach(versions, i, o) {
    struct sd_reg_machine *v = load_version(m, o, store, ops);
    if (v != NULL) {
      version_append(m, v);
      if (m->next_version <= v->version)
        m->next_version = v->version + 1;
    }
  }
  json_array_foreach(aliases, i, o) load_alias(m, o);
  json_decref(versions);
  json_decref(aliases);
}
