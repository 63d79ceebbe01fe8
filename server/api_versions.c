/* State machine versions and aliases: PublishStateMachineVersion,
 * ListStateMachineVersions, DeleteStateMachineVersion, the four alias
 * actions and ListStateMachineAliases, and the resolution of a version or
 * alias ARN for StartExecution and DescribeStateMachine. Behaviour and
 * messages follow the API model (PublishStateMachineVersionInput,
 * RoutingConfigurationList, ...) and the Step Functions guide's "State
 * machine versions" and "aliases" pages; a change is answered once the
 * machine's row (which holds its versions and aliases) is committed.
 * Not for: keeping the records (registry_versions.c). */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "server/registry.h"

#define MAX_VERSIONS 1000 /* per machine (AWS quota) */
#define MAX_ALIASES  100  /* per machine (AWS quota) */

/* ---- versions ---- */

int sd_api_publish(struct sd_api_call *c, struct sd_reg_machine *m, const char *description,
                   const char *revision_id, struct sd_reg_machine **out) {
  *out = NULL;
  /* AWS: "INITIAL" names the revision of a machine never updated. */
  if (revision_id != NULL) {
    const char *cur = m->revision_id ? m->revision_id : "INITIAL";
    if (strcmp(revision_id, cur) != 0)
      return sd_api_error(c, "ConflictException",
                          "Failed to publish the State Machine version for revision %s. The current State "
                          "Machine revision is %s.",
                          revision_id, cur);
  }
  /* Idempotent: a version of the current revision is returned again. */
  struct sd_reg_machine *v = sd_registry_version_current(m);
  if (v == NULL) {
    if (m->nversions >= MAX_VERSIONS)
      return sd_api_error(c, "ServiceQuotaExceededException",
                          "The state machine '%s' already has %d versions: delete unused ones first", m->arn,
                          MAX_VERSIONS);
    v = sd_registry_version_add(c->api->reg, m, description, sd_engine_now(c->api->eng));
  }
  *out = v;
  return 0;
}

/* The live machine an unqualified ARN names; NULL after answering. */
static struct sd_reg_machine *live_machine(struct sd_api_call *c, const char *arn, bool deleting_ok) {
  if (sd_api_check_arn(c, arn, "stateMachine") != 0)
    return NULL;
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, arn);
  if (m == NULL)
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
  else if (m->deleted && !deleting_ok)
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", arn);
  else
    return m;
  return NULL;
}

void sd_api_publish_state_machine_version(struct sd_api_call *c) {
  const char *arn, *revision_id, *description;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0 ||
      sd_api_get_str(c, "revisionId", false, &revision_id) != 0 ||
      sd_api_get_str(c, "description", false, &description) != 0 ||
      sd_api_check_len(c, "description", description, 256) != 0)
    return;
  struct sd_reg_machine *m = live_machine(c, arn, false);
  struct sd_reg_machine *v;
  if (m == NULL || sd_api_publish(c, m, description, revision_id, &v) != 0)
    return;
  sd_api_save_then_reply(
      c, m->arn,
      json_pack("{s:o, s:s}", "creationDate", sd_api_time(v->created_ms), "stateMachineVersionArn", v->arn));
}

/* Newest first; the token is the last version number handed out. */
void sd_api_list_state_machine_versions(struct sd_api_call *c) {
  const char *arn;
  int64_t max, after;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 || sd_api_get_token(c, "v.", &after) != 0 ||
      sd_api_check_arn(c, arn, "stateMachine") != 0)
    return;
  if (max == 0)
    max = 100;
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, arn);
  json_t *list = json_array(); /* new */
  json_t *out = json_pack("{s:o}", "stateMachineVersions", list);
  for (size_t i = m ? m->nversions : 0; i-- > 0;) {
    struct sd_reg_machine *v = m->versions[i];
    if (after > 0 && v->version >= after)
      continue;
    if (json_array_size(list) == (size_t)max) {
      char tok[32];
      snprintf(tok, sizeof tok, "v.%lld", (long long)m->versions[i + 1]->version);
      json_object_set_new(out, "nextToken", json_string(tok));
      break;
    }
    json_array_append_new(list, json_pack("{s:s, s:o}", "stateMachineVersionArn", v->arn, "creationDate",
                                          sd_api_time(v->created_ms)));
  }
  sd_api_reply(c, out);
}

static bool is_version_arn(const char *arn) {
  const char *q = strrchr(arn, ':');
  if (q == NULL || q[1] < '1' || q[1] > '9')
    return false;
  return strspn(q + 1, "0123456789") == strlen(q + 1);
}

/* Checks a version ARN's shape: 0, or -1 after answering InvalidArn. */
static int check_version_arn(struct sd_api_call *c, const char *arn) {
  if (sd_api_check_arn(c, arn, "stateMachine") != 0)
    return -1;
  if (sd_api_arn_parts(arn) != 8 || !is_version_arn(arn))
    return sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid State Machine Version ARN: %s'", arn);
  return 0;
}

void sd_api_delete_state_machine_version(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "stateMachineVersionArn", true, &arn) != 0 || check_version_arn(c, arn) != 0)
    return;
  struct sd_reg_machine *m;
  struct sd_reg_machine *v = sd_registry_version(c->api->reg, arn, &m);
  if (v == NULL) { /* AWS: deleting what does not exist succeeds */
    sd_api_reply(c, json_object());
    return;
  }
  /* AWS refuses while aliases route to it, and names them. */
  char *names = NULL;
  for (size_t i = 0; i < m->naliases; i++) {
    struct sd_reg_alias *a = m->aliases[i];
    for (size_t j = 0; j < a->nroutes; j++)
      if (a->routes[j].version == v->version) {
        char *more = sd_asprintf("%s%s%s", names ? names : "", names ? ", " : "", a->name);
        free(names);
        names = more;
      }
  }
  if (names != NULL) {
    sd_api_error(c, "ConflictException",
                 "Version to be deleted must not be referenced by an alias. Current list of aliases "
                 "referencing this version: [%s]",
                 names);
    free(names);
    return;
  }
  sd_registry_version_delete(c->api->reg, m, v);
  sd_api_save_then_reply(c, m->arn, json_object());
}

/* ---- aliases ---- */

/* CharacterRestrictedName: [a-zA-Z0-9_.-]+ with at least one non-digit, so
 * that an alias never reads as a version number. */
static int check_alias_name(struct sd_api_call *c, const char *name) {
  size_t n = strlen(name);
  bool letter = strspn(name, "0123456789") != n;
  if (n > 80)
    return sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member "
        "must have length less than or equal to 80",
        name);
  if (n == 0 || !letter ||
      strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n)
    return sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$",
        name);
  return 0;
}

/* "[a, b]" of the routing's version ARNs, for messages; new string. */
static char *route_arns(json_t *list) {
  char *s = sd_xstrdup("[");
  size_t i;
  json_t *item;
  json_array_foreach(list, i, item) {
    const char *arn = json_string_value(json_object_get(item, "stateMachineVersionArn"));
    char *more = sd_asprintf("%s%s%s", s, i ? ", " : "", arn ? arn : "null");
    free(s);
    s = more;
  }
  char *done = sd_asprintf("%s]", s);
  free(s);
  return done;
}

/* Reads routingConfiguration into `a` (routes) for machine `m`, checking it
 * as AWS does: 1-2 items, version ARNs of m's existing versions, distinct,
 * weights 0-100 summing to 100. 0, or -1 after answering. */
static int read_routing(struct sd_api_call *c, json_t *list, struct sd_reg_machine *m,
                        struct sd_reg_alias *a) {
  if (!json_is_array(list))
    return sd_api_error(c, "SerializationException", "'routingConfiguration' must be a list");
  size_t n = json_array_size(list);
  if (n == 0 || n > 2)
    return sd_api_error(c, "ValidationException",
                        "1 validation error detected: Value at 'routingConfiguration' failed to satisfy "
                        "constraint: Member must have length %s",
                        n == 0 ? "greater than or equal to 1" : "less than or equal to 2");
  int sum = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *item = json_array_get(list, i); /* borrowed */
    json_t *arn = json_object_get(item, "stateMachineVersionArn"),
           *w = json_object_get(item, "weight"); /* borrowed */
    if (!json_is_object(item) || !json_is_string(arn) || !json_is_integer(w))
      return sd_api_error(
          c, "ValidationException",
          "1 validation error detected: Value null at 'routingConfiguration.%zu.member' failed "
          "to satisfy constraint: Member must have a stateMachineVersionArn and a weight",
          i + 1);
    json_int_t weight = json_integer_value(w);
    if (weight < 0 || weight > 100)
      return sd_api_error(
          c, "ValidationException",
          "1 validation error detected: Value '%lld' at 'routingConfiguration.%zu.member.weight' "
          "failed to satisfy constraint: Member must have value %s",
          (long long)weight, i + 1, weight < 0 ? "greater than or equal to 0" : "less than or equal to 100");
    sum += (int)weight;
  }
  char *arns = route_arns(list);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const char *arn = json_string_value(json_object_get(json_array_get(list, i), "stateMachineVersionArn"));
    size_t base = strlen(m->arn);
    if (!is_version_arn(arn) || strncmp(arn, m->arn, base) != 0 || arn[base] != ':')
      rc = sd_api_error(c, "ValidationException",
                        "Routing configuration must contain state machine version ARNs. Received: %s", arns);
  }
  if (rc == 0 && n == 2 &&
      strcmp(json_string_value(json_object_get(json_array_get(list, 0), "stateMachineVersionArn")),
             json_string_value(json_object_get(json_array_get(list, 1), "stateMachineVersionArn"))) == 0)
    rc = sd_api_error(c, "ValidationException",
                      "Routing configuration must contain distinct state machine version ARNs. Received: %s",
                      arns);
  if (rc == 0 && sum != 100) {
    json_int_t w0 = json_integer_value(json_object_get(json_array_get(list, 0), "weight"));
    if (n == 2)
      rc = sd_api_error(c, "ValidationException",
                        "Sum of routing configuration weights must equal 100. Received: [%lld, %lld]",
                        (long long)w0,
                        (long long)json_integer_value(json_object_get(json_array_get(list, 1), "weight")));
    else
      rc = sd_api_error(c, "ValidationException",
                        "Sum of routing configuration weights must equal 100. Received: [%lld]",
                        (long long)w0);
  }
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *item = json_array_get(list, i); /* borrowed */
    const char *arn = json_string_value(json_object_get(item, "stateMachineVersionArn"));
    struct sd_reg_machine *v = sd_registry_version(c->api->reg, arn, NULL);
    if (v == NULL)
      rc = sd_api_error(c, "ResourceNotFound", "Request references a resource that does not exist.");
    else {
      a->routes[i].version = v->version;
      a->routes[i].weight = (int)json_integer_value(json_object_get(item, "weight"));
    }
  }
  a->nroutes = n;
  free(arns);
  return rc;
}

static bool same_routes(const struct sd_reg_alias *a, const struct sd_reg_alias *b) {
  if (a->nroutes != b->nroutes)
    return false;
  for (size_t i = 0; i < a->nroutes; i++)
    if (a->routes[i].version != b->routes[i].version || a->routes[i].weight != b->routes[i].weight)
      return false;
  return true;
}

static bool same_str(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The machine of the routing's first version ARN (an alias names no
 * machine of its own in CreateStateMachineAlias). */
static struct sd_reg_machine *routing_machine(struct sd_api_call *c, json_t *list) {
  const char *arn = json_string_value(json_object_get(json_array_get(list, 0), "stateMachineVersionArn"));
  if (arn == NULL || !is_version_arn(arn)) {
    char *arns = json_is_array(list) ? route_arns(list) : sd_xstrdup("[]");
    sd_api_error(c, "ValidationException",
                 "Routing configuration must contain state machine version ARNs. Received: %s", arns);
    free(arns);
    return NULL;
  }
  if (sd_api_check_arn(c, arn, "stateMachine") != 0)
    return NULL;
  struct sd_reg_machine *m;
  sd_registry_version(c->api->reg, arn, &m);
  if (m == NULL)
    sd_api_error(c, "ResourceNotFound", "Request references a resource that does not exist.");
  else if (m->deleted)
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", m->arn);
  else
    return m;
  return NULL;
}

void sd_api_create_state_machine_alias(struct sd_api_call *c) {
  const char *name, *description;
  json_t *routing = json_object_get(c->in, "routingConfiguration"); /* borrowed */
  if (sd_api_get_str(c, "name", true, &name) != 0 ||
      sd_api_get_str(c, "description", false, &description) != 0 ||
      sd_api_check_len(c, "description", description, 256) != 0 || check_alias_name(c, name) != 0)
    return;
  if (routing == NULL || json_is_null(routing)) {
    sd_api_error(c, "ValidationException",
                 "1 validation error detected: Value null at 'routingConfiguration' failed to satisfy "
                 "constraint: Member must not be null");
    return;
  }
  struct sd_reg_alias a = { 0 };
  /* An empty or malformed list is answered by read_routing; otherwise the
   * first version names the machine (routing_machine answers, and frees
   * `c`, when it cannot). */
  if (!json_is_array(routing) || json_array_size(routing) == 0) {
    read_routing(c, routing, NULL, &a);
    return;
  }
  struct sd_reg_machine *m = routing_machine(c, routing);
  if (m == NULL)
    return;
  if (read_routing(c, routing, m, &a) != 0)
    return;
  char *arn = sd_asprintf("%s:%s", m->arn, name);
  struct sd_reg_alias *old = sd_registry_alias(c->api->reg, arn, NULL);
  if (old != NULL) {
    /* AWS: idempotent on name, description and routing; else a conflict. */
    if (same_routes(old, &a) && same_str(old->description, description))
      sd_api_reply(c, json_pack("{s:s, s:o}", "stateMachineAliasArn", old->arn, "creationDate",
                                sd_api_time(old->created_ms)));
    else
      sd_api_error(c, "ConflictException",
                   "Failed to create alias because an alias with the same name and a different routing "
                   "configuration already exists.");
    free(arn);
    return;
  }
  if (m->naliases >= MAX_ALIASES) {
    sd_api_error(c, "ServiceQuotaExceededException",
                 "The state machine '%s' already has %d aliases: delete unused ones first", m->arn,
                 MAX_ALIASES);
    free(arn);
    return;
  }
  a.arn = arn;
  a.name = sd_xstrdup(name);
  a.description = description ? sd_xstrdup(description) : NULL;
  a.created_ms = a.updated_ms = sd_engine_now(c->api->eng);
  struct sd_reg_alias *rec = sd_registry_alias_add(m, &a);
  sd_api_save_then_reply(c, m->arn,
                         json_pack("{s:s, s:o}", "stateMachineAliasArn", rec->arn, "creationDate",
                                   sd_api_time(rec->created_ms)));
}

/* The alias an ARN names; NULL after answering InvalidArn or ResourceNotFound. */
static struct sd_reg_alias *find_alias(struct sd_api_call *c, const char *arn, struct sd_reg_machine **m) {
  if (sd_api_check_arn(c, arn, "stateMachine") != 0)
    return NULL;
  if (sd_api_arn_parts(arn) != 8 || is_version_arn(arn)) {
    sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid State Machine Alias ARN: %s'", arn);
    return NULL;
  }
  struct sd_reg_alias *a = sd_registry_alias(c->api->reg, arn, m);
  if (a == NULL)
    sd_api_error(c, "ResourceNotFound", "Request references a resource that does not exist.");
  return a;
}

static json_t *routing_json(const struct sd_reg_machine *m, const struct sd_reg_alias *a) {
  json_t *list = json_array(); /* new */
  for (size_t i = 0; i < a->nroutes; i++) {
    char *arn = sd_asprintf("%s:%lld", m->arn, (long long)a->routes[i].version);
    json_array_append_new(
        list, json_pack("{s:s, s:i}", "stateMachineVersionArn", arn, "weight", a->routes[i].weight));
    free(arn);
  }
  return list;
}

void sd_api_describe_state_machine_alias(struct sd_api_call *c) {
  const char *arn;
  struct sd_reg_machine *m;
  if (sd_api_get_str(c, "stateMachineAliasArn", true, &arn) != 0)
    return;
  struct sd_reg_alias *a = find_alias(c, arn, &m);
  if (a == NULL)
    return;
  json_t *out = json_pack("{s:s, s:s, s:o, s:o, s:o}", "stateMachineAliasArn", a->arn, "name", a->name,
                          "routingConfiguration", routing_json(m, a), "creationDate",
                          sd_api_time(a->created_ms), "updateDate", sd_api_time(a->updated_ms));
  if (a->description != NULL)
    json_object_set_new(out, "description", json_string(a->description));
  sd_api_reply(c, out);
}

void sd_api_update_state_machine_alias(struct sd_api_call *c) {
  const char *arn, *description;
  json_t *routing = json_object_get(c->in, "routingConfiguration"); /* borrowed */
  if (routing != NULL && json_is_null(routing))
    routing = NULL;
  struct sd_reg_machine *m;
  if (sd_api_get_str(c, "stateMachineAliasArn", true, &arn) != 0 ||
      sd_api_get_str(c, "description", false, &description) != 0 ||
      sd_api_check_len(c, "description", description, 256) != 0)
    return;
  struct sd_reg_alias *a = find_alias(c, arn, &m);
  if (a == NULL)
    return;
  if (m->deleted) {
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", m->arn);
    return;
  }
  if (description == NULL && routing == NULL) {
    sd_api_error(c, "ValidationException",
                 "Either the description or the routingConfiguration must be specified");
    return;
  }
  struct sd_reg_alias next = *a;
  if (routing != NULL && read_routing(c, routing, m, &next) != 0)
    return;
  a->nroutes = next.nroutes;
  memcpy(a->routes, next.routes, sizeof a->routes);
  if (description != NULL) {
    free(a->description);
    a->description = sd_xstrdup(description);
  }
  a->updated_ms = sd_engine_now(c->api->eng);
  sd_api_save_then_reply(c, m->arn, json_pack("{s:o}", "updateDate", sd_api_time(a->updated_ms)));
}

void sd_api_delete_state_machine_alias(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "stateMachineAliasArn", true, &arn) != 0 ||
      sd_api_check_arn(c, arn, "stateMachine") != 0)
    return;
  struct sd_reg_machine *m;
  struct sd_reg_alias *a = sd_registry_alias(c->api->reg, arn, &m);
  if (a == NULL || is_version_arn(arn)) { /* AWS: deleting what does not exist succeeds */
    sd_api_reply(c, json_object());
    return;
  }
  sd_registry_alias_delete(m, a);
  sd_api_save_then_reply(c, m->arn, json_object());
}

/* Creation order (as AWS lists them); with a version ARN, the aliases that
 * route to that version. The token is a position (aliases are few). */
void sd_api_list_state_machine_aliases(struct sd_api_call *c) {
  const char *arn;
  int64_t max, pos;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 || sd_api_get_token(c, "al.", &pos) != 0 ||
      sd_api_check_arn(c, arn, "stateMachine") != 0)
    return;
  if (max == 0)
    max = 100;
  struct sd_reg_machine *m;
  struct sd_reg_machine *v = NULL;
  if (sd_api_arn_parts(arn) == 8) {
    v = sd_registry_version(c->api->reg, arn, &m);
    if (v == NULL) {
      sd_api_error(c, "ResourceNotFound", "Request references a resource that does not exist.");
      return;
    }
  } else if ((m = live_machine(c, arn, true)) == NULL) {
    return;
  }
  json_t *list = json_array(); /* new */
  json_t *out = json_pack("{s:o}", "stateMachineAliases", list);
  size_t i = (size_t)pos;
  for (; i < m->naliases; i++) {
    struct sd_reg_alias *a = m->aliases[i];
    bool routes = v == NULL;
    for (size_t j = 0; !routes && j < a->nroutes; j++)
      routes = a->routes[j].version == v->version;
    if (!routes)
      continue;
    if (json_array_size(list) == (size_t)max) {
      char tok[32];
      snprintf(tok, sizeof tok, "al.%zu", i);
      json_object_set_new(out, "nextToken", json_string(tok));
      break;
    }
    json_array_append_new(list, json_pack("{s:s, s:o}", "stateMachineAliasArn", a->arn, "creationDate",
                                          sd_api_time(a->created_ms)));
  }
  sd_api_reply(c, out);
}

/* ---- StartExecution through a version or an alias ---- */

static uint64_t route_rng;

/* A number in [0, 100): which route an execution takes. */
static int route_roll(void) {
  if (route_rng == 0)
    route_rng = uv_hrtime() ^ 0x9E3779B97F4A7C15ull;
  route_rng ^= route_rng << 13;
  route_rng ^= route_rng >> 7;
  route_rng ^= route_rng << 17;
  return (int)(route_rng % 100);
}

struct sd_reg_machine *sd_api_qualified_pick(struct sd_api *api, const char *arn, const char **alias_arn,
                                             struct sd_err *err) {
  struct sd_reg_machine *m = NULL;
  *alias_arn = NULL;
  if (is_version_arn(arn)) {
    struct sd_reg_machine *v = sd_registry_version(api->reg, arn, &m);
    if (v == NULL || m == NULL) {
      sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
      return NULL;
    }
    if (m->deleted) {
      sd_err_set(err, "StateMachineDeleting", "State machine is being deleted: '%s'", m->arn);
      return NULL;
    }
    return v;
  }
  struct sd_reg_alias *a = sd_registry_alias(api->reg, arn, &m);
  if (a == NULL) {
    sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
    return NULL;
  }
  if (m->deleted) {
    sd_err_set(err, "StateMachineDeleting", "State machine is being deleted: '%s'", m->arn);
    return NULL;
  }
  /* Weighted choice: route 0 takes rolls below its weight. */
  size_t pick = a->nroutes == 2 && route_roll() >= a->routes[0].weight ? 1 : 0;
  struct sd_reg_machine *v = NULL;
  for (size_t i = 0; i < m->nversions && v == NULL; i++)
    if (m->versions[i]->version == a->routes[pick].version)
      v = m->versions[i];
  if (v == NULL) { /* cannot happen: a routed version cannot be deleted */
    sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
    return NULL;
  }
  *alias_arn = a->arn;
  return v;
}

struct sd_reg_machine *sd_api_resolve_qualified(struct sd_api_call *c, const char *arn,
                                                const char **alias_arn) {
  struct sd_err err = { 0 };
  struct sd_reg_machine *v = sd_api_qualified_pick(c->api, arn, alias_arn, &err);
  if (v == NULL)
    sd_api_error(c, err.name, "%s", err.cause ? err.cause : "");
  sd_err_clear(&err);
  return v;
}
