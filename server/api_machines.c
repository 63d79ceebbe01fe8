/* State machine actions: CreateStateMachine, DescribeStateMachine,
 * ListStateMachines, DeleteStateMachine, UpdateStateMachine,
 * ValidateStateMachineDefinition. Machines live in the registry, which
 * writes them through to the store; a change is answered once it is
 * committed (write ahead, then answer). Shapes follow the API model's
 * CreateStateMachineInput/Output, DescribeStateMachineOutput,
 * ListStateMachinesOutput. Not for: executions (api_executions.c). */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/validate.h"
#include "server/registry.h"

struct saved {
  struct sd_api_call *c;
  json_t *out; /* the answer once committed; owned */
};

static void saved_cb(void *data, int status) {
  struct saved *sv = data;
  if (status == 0)
    sd_api_reply(sv->c, sv->out);
  else {
    json_decref(sv->out);
    sd_api_error(sv->c, "InternalFailure", "the state machine could not be recorded");
  }
  free(sv);
}

void sd_api_save_then_reply(struct sd_api_call *c, const char *arn, json_t *out) {
  struct saved *sv = sd_xmalloc(sizeof *sv);
  sv->c = c;
  sv->out = out;
  sd_registry_machine_save(c->api->reg, arn, saved_cb, sv);
}

/* Validates and compiles a definition as CreateStateMachine does. Returns
 * the compiled machine (a reference), or NULL after answering
 * InvalidDefinition with AWS's message. */
static struct sd_machine *compile_definition(struct sd_api_call *c, const char *text, const char *type) {
  size_t len = strlen(text);
  struct sd_validate_opts vo = { .type = type };
  json_t *res = sd_validate_text(text, len, &vo); /* new */
  char *msg = sd_validate_message(res);
  json_decref(res);
  if (msg != NULL) {
    sd_api_error(c, "InvalidDefinition", "%s", msg);
    free(msg);
    return NULL;
  }
  struct sd_err err = { 0 };
  json_t *def = sd_validate_parse(text, len, &err); /* new */
  struct sd_machine *m = def ? sd_asl_compile(sd_engine_ops(c->api->eng), def, &err) : NULL;
  json_decref(def);
  if (m == NULL)
    sd_api_error(c, "InvalidDefinition", "Invalid State Machine Definition: '%s'",
                 err.cause ? err.cause : "cannot compile");
  sd_err_clear(&err);
  return m;
}

/* publish and versionDescription (Create/UpdateStateMachine): AWS takes a
 * description only with publish. 0, or -1 after answering. */
static int get_publish(struct sd_api_call *c, bool *publish, const char **description) {
  if (sd_api_get_bool(c, "publish", false, publish) != 0 ||
      sd_api_get_str(c, "versionDescription", false, description) != 0 ||
      sd_api_check_len(c, "versionDescription", *description, 256) != 0)
    return -1;
  if (*description != NULL && !*publish)
    return sd_api_error(c, "ValidationException", "Version description can only be set when publish is true");
  return 0;
}

/* AWS's revisionId: a UUID per revision. */
static char *new_revision_id(void) {
  static uint64_t rng;
  if (rng == 0)
    rng = uv_hrtime() ^ 0xD1B54A32D192ED03ull;
  uint64_t v[2];
  for (int i = 0; i < 2; i++) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    v[i] = rng;
  }
  return sd_asprintf("%08x-%04x-4%03x-%04x-%012llx", (unsigned)(v[0] >> 32), (unsigned)(v[0] >> 16) & 0xffff,
                     (unsigned)v[0] & 0xfff, (unsigned)(0x8000 | ((v[1] >> 48) & 0x3fff)),
                     (unsigned long long)(v[1] & 0xffffffffffffull));
}

/* Publishes when asked and adds stateMachineVersionArn to `out`; then
 * writes the machine and answers. */
static void finish_write(struct sd_api_call *c, struct sd_reg_machine *m, bool publish,
                         const char *description, json_t *out) {
  struct sd_reg_machine *v = NULL;
  if (publish && sd_api_publish(c, m, description, NULL, &v) != 0) {
    json_decref(out);
    return;
  }
  if (v != NULL)
    json_object_set_new(out, "stateMachineVersionArn", json_string(v->arn));
  sd_api_save_then_reply(c, m->arn, out);
}

void sd_api_create_state_machine(struct sd_api_call *c) {
  const char *name, *definition, *role, *type, *description;
  bool publish;
  if (sd_api_get_str(c, "name", true, &name) != 0 ||
      sd_api_get_str(c, "definition", true, &definition) != 0 ||
      sd_api_check_len(c, "definition", definition, 1048576) != 0 ||
      sd_api_get_str(c, "roleArn", true, &role) != 0 || sd_api_get_str(c, "type", false, &type) != 0 ||
      get_publish(c, &publish, &description) != 0)
    return;
  if (type == NULL)
    type = "STANDARD";
  if (strcmp(type, "STANDARD") != 0 && strcmp(type, "EXPRESS") != 0) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must "
        "satisfy enum value set: [STANDARD, EXPRESS]",
        type);
    return;
  }
  if (sd_api_check_name(c, name) != 0)
    return;
  if (strncmp(role, "arn:", 4) != 0) {
    sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", role);
    return;
  }
  struct sd_api *api = c->api;
  char *arn = sd_asprintf("arn:aws:states:%s:%s:stateMachine:%s", api->region, api->account, name);
  struct sd_reg_machine *old = sd_registry_machine(api->reg, arn);
  if (old != NULL) {
    /* AWS: the same name with the same definition and role is idempotent
     * and returns the existing machine; anything else is a conflict. */
    if (old->deleted)
      sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", arn);
    else if (strcmp(old->definition, definition) != 0 || strcmp(old->role_arn, role) != 0 ||
             strcmp(old->type, type) != 0)
      sd_api_error(c, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn);
    else
      finish_write(
          c, old, publish, description,
          json_pack("{s:s, s:o}", "stateMachineArn", old->arn, "creationDate", sd_api_time(old->created_ms)));
    free(arn);
    return;
  }
  json_t *tags = json_object();                  /* new */
  json_t *list = json_object_get(c->in, "tags"); /* borrowed */
  if (list != NULL && !json_is_null(list) && sd_api_tags_add(c, tags, list, arn) != 0) {
    json_decref(tags);
    free(arn);
    return;
  }
  struct sd_machine *m = compile_definition(c, definition, type);
  if (m == NULL) {
    json_decref(tags);
    free(arn);
    return;
  }
  struct sd_reg_machine rec = {
    .arn = arn,
    .name = sd_xstrdup(name),
    .definition = sd_xstrdup(definition),
    .role_arn = sd_xstrdup(role),
    .type = sd_xstrdup(type),
    .created_ms = sd_engine_now(api->eng),
    .m = m,
    .tags = tags,
  };
  rec.updated_ms = rec.created_ms;
  struct sd_reg_machine *r = sd_registry_machine_add(api->reg, &rec);
  finish_write(
      c, r, publish, description,
      json_pack("{s:s, s:o}", "stateMachineArn", r->arn, "creationDate", sd_api_time(r->created_ms)));
}

/* Looks the machine up for an action taking stateMachineArn; NULL after
 * answering InvalidArn or StateMachineDoesNotExist. */
static struct sd_reg_machine *find_machine(struct sd_api_call *c, const char *arn) {
  if (sd_api_check_arn(c, arn, "stateMachine") != 0)
    return NULL;
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, arn);
  if (m == NULL)
    sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
  return m;
}

/* DescribeStateMachine also answers for a version ARN ("<machine>:<N>"):
 * the version's ARN, definition and creation date, its description and
 * revision id (AWS's DescribeStateMachineOutput). */
void sd_api_describe_state_machine(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0)
    return;
  struct sd_reg_machine *m, *live = NULL;
  if (sd_api_arn_parts(arn) == 8) {
    if (sd_api_check_arn(c, arn, "stateMachine") != 0)
      return;
    m = sd_registry_version(c->api->reg, arn, &live);
    if (m == NULL) {
      sd_api_error(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
      return;
    }
  } else if ((live = m = find_machine(c, arn)) == NULL) {
    return;
  }
  json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:b}, s:{s:b}}", "stateMachineArn",
                          m->arn, "name", m->name, "status", live->deleted ? "DELETING" : "ACTIVE",
                          "definition", m->definition, "roleArn", m->role_arn, "type", m->type,
                          "creationDate", sd_api_time(m->created_ms), "loggingConfiguration", "level", "OFF",
                          "includeExecutionData", 0, "tracingConfiguration", "enabled", 0);
  if (m->revision_id != NULL)
    json_object_set_new(out, "revisionId", json_string(m->revision_id));
  if (m->description != NULL)
    json_object_set_new(out, "description", json_string(m->description));
  sd_api_reply(c, out);
}

/* UpdateStateMachine: a new revision under the same ARN. Executions
 * already running keep the compiled machine and the record they started
 * with; new ones run the update. */
void sd_api_update_state_machine(struct sd_api_call *c) {
  const char *arn, *definition, *role, *description;
  bool publish;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0 ||
      sd_api_get_str(c, "definition", false, &definition) != 0 ||
      sd_api_check_len(c, "definition", definition, 1048576) != 0 ||
      sd_api_get_str(c, "roleArn", false, &role) != 0 || get_publish(c, &publish, &description) != 0)
    return;
  struct sd_reg_machine *old = find_machine(c, arn);
  if (old == NULL)
    return;
  if (old->deleted) {
    sd_api_error(c, "StateMachineDeleting", "State machine is being deleted: '%s'", arn);
    return;
  }
  if (definition == NULL && role == NULL && json_object_get(c->in, "loggingConfiguration") == NULL &&
      json_object_get(c->in, "tracingConfiguration") == NULL) {
    sd_api_error(
        c, "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must "
        "be specified");
    return;
  }
  if (role != NULL && strncmp(role, "arn:", 4) != 0) {
    sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", role);
    return;
  }
  const char *text = definition ? definition : old->definition;
  struct sd_machine *m = compile_definition(c, text, old->type);
  if (m == NULL)
    return;
  struct sd_api *api = c->api;
  /* AWS: an update that changes nothing makes no revision (its answer has
   * the current revision id, if any), so publishing it again finds the
   * same version. */
  if (strcmp(text, old->definition) == 0 && (role == NULL || strcmp(role, old->role_arn) == 0)) {
    sd_asl_unref(m);
    json_t *out = json_pack("{s:o}", "updateDate", sd_api_time(old->updated_ms)); /* new */
    if (old->revision_id != NULL)
      json_object_set_new(out, "revisionId", json_string(old->revision_id));
    finish_write(c, old, publish, description, out);
    return;
  }
  /* Revisions are keyed by their update time: keep it unique per ARN. */
  int64_t now = sd_engine_now(api->eng);
  if (now <= old->updated_ms)
    now = old->updated_ms + 1;
  struct sd_reg_machine rec = {
    .arn = sd_xstrdup(old->arn),
    .name = sd_xstrdup(old->name),
    .definition = sd_xstrdup(text),
    .role_arn = sd_xstrdup(role ? role : old->role_arn),
    .type = sd_xstrdup(old->type),
    .created_ms = old->created_ms,
    .updated_ms = now,
    .m = m,
    .tags = json_incref(old->tags), /* tags belong to the ARN */
    .revision_id = new_revision_id(),
  };
  struct sd_reg_machine *r = sd_registry_machine_replace(api->reg, old, &rec);
  finish_write(
      c, r, publish, description,
      json_pack("{s:o, s:s}", "updateDate", sd_api_time(r->updated_ms), "revisionId", r->revision_id));
}

void sd_api_list_state_machines(struct sd_api_call *c) {
  int64_t max, pos;
  if (sd_api_get_int(c, "maxResults", 0, 1000, 0, &max) != 0 || sd_api_get_token(c, "sm.", &pos) != 0)
    return;
  if (max == 0)
    max = 100;                 /* the API's default page size */
  json_t *list = json_array(); /* new */
  struct sd_registry *reg = c->api->reg;
  size_t i = (size_t)pos;
  for (; i < sd_registry_machine_count(reg) && json_array_size(list) < (size_t)max; i++) {
    struct sd_reg_machine *m = sd_registry_machine_at(reg, i);
    if (m->deleted)
      continue;
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "stateMachineArn", m->arn, "name", m->name,
                                          "type", m->type, "creationDate", sd_api_time(m->created_ms)));
  }
  json_t *out = json_pack("{s:o}", "stateMachines", list);
  while (i < sd_registry_machine_count(reg) && sd_registry_machine_at(reg, i)->deleted)
    i++;
  if (i < sd_registry_machine_count(reg)) {
    char tok[32];
    snprintf(tok, sizeof tok, "sm.%zu", i);
    json_object_set_new(out, "nextToken", json_string(tok));
  }
  sd_api_reply(c, out);
}

void sd_api_delete_state_machine(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "stateMachineArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "stateMachine") != 0)
    return;
  /* AWS: deleting a machine that does not exist succeeds; one with running
   * executions is DELETING until they end. */
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, arn);
  if (m == NULL || m->deleted) {
    sd_api_reply(c, json_object());
    return;
  }
  sd_registry_machine_delete(c->api->reg, m);
  sd_api_save_then_reply(c, arn, json_object());
}

/* ValidateStateMachineDefinition: the checks CreateStateMachine makes,
 * answered as diagnostics. `severity` is the lowest one returned (ERROR by
 * default, which hides warnings); `maxResults` cuts the list (default 100)
 * and sets `truncated`. The result is FAIL when any ERROR exists, whatever
 * the filter. */
void sd_api_validate_state_machine_definition(struct sd_api_call *c) {
  const char *definition, *type, *severity;
  int64_t max;
  if (sd_api_get_str(c, "definition", true, &definition) != 0 ||
      sd_api_get_str(c, "type", false, &type) != 0 || sd_api_get_str(c, "severity", false, &severity) != 0 ||
      sd_api_get_int(c, "maxResults", 0, 100, 0, &max) != 0)
    return;
  if (type != NULL && strcmp(type, "STANDARD") != 0 && strcmp(type, "EXPRESS") != 0) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must "
        "satisfy enum value set: [STANDARD, EXPRESS]",
        type);
    return;
  }
  bool warnings = severity != NULL && strcmp(severity, "WARNING") == 0;
  if (severity != NULL && !warnings && strcmp(severity, "ERROR") != 0) {
    sd_api_error(c, "ValidationException",
                 "1 validation error detected: Value '%s' at 'severity' failed to satisfy constraint: Member "
                 "must satisfy enum value set: [ERROR, WARNING]",
                 severity);
    return;
  }
  if (max == 0)
    max = 100;
  struct sd_validate_opts vo = { .type = type, .served = c->api->served };
  json_t *res = sd_validate_text(definition, strlen(definition), &vo); /* new */
  json_t *all = json_object_get(res, "diagnostics");                   /* borrowed */
  json_t *kept = json_array();                                         /* new */
  bool truncated = json_is_true(json_object_get(res, "truncated"));
  size_t i;
  json_t *d;
  json_array_foreach(all, i, d) {
    const char *sev = json_string_value(json_object_get(d, "severity"));
    if (!warnings && (sev == NULL || strcmp(sev, "ERROR") != 0))
      continue;
    if (json_array_size(kept) == (size_t)max) {
      truncated = true;
      break;
    }
    json_array_append(kept, d);
  }
  json_t *out = json_pack("{s:O, s:o, s:b}", "result", json_object_get(res, "result"), "diagnostics", kept,
                          "truncated", truncated);
  json_decref(res);
  sd_api_reply(c, out);
}
