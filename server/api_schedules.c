/* EventBridge Scheduler's API for stepd's schedules: REST-JSON under
 * /schedules (scheduler service-2.json: POST, GET, PUT and DELETE on
 * /schedules/{Name}, GET /schedules), on the same listener as the Step
 * Functions API, so boto3's `scheduler` client works with --endpoint-url.
 * Targets are this server's state machines. Only the `default` schedule
 * group exists. Besides Scheduler's members, a schedule has stepd's
 * MissedFirePolicy (NONE, LATEST, ALL; docs/schedules.md). Not for: firing
 * (schedules.c). */
#include "server/api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/log.h"
#include "server/sched_expr.h"
#include "server/http.h"
#include "server/schedules.h"

#define GROUP "default"

static bool name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64)
    return false;
  for (; *s != '\0'; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '-' ||
          *s == '_' || *s == '.'))
      return false;
  return true;
}

static int bad_pattern(struct sd_api_call *c, const char *member, const char *value) {
  return sd_api_error(
      c, "ValidationException",
      "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$",
      value, member);
}

/* The group of a request: only `default` exists. */
static int check_group(struct sd_api_call *c, const char *group) {
  if (group == NULL || strcmp(group, GROUP) == 0)
    return 0;
  if (!name_ok(group))
    return bad_pattern(c, "groupName", group);
  return sd_api_error(c, "ResourceNotFoundException", "Schedule group %s does not exist.", group);
}

static int enum_member(struct sd_api_call *c, json_t *obj, const char *key, const char *const *allowed,
                       const char *dflt, const char **out) {
  json_t *v = json_object_get(obj, key); /* borrowed */
  *out = dflt;
  if (v == NULL || json_is_null(v))
    return 0;
  for (size_t i = 0; allowed[i] != NULL && json_is_string(v); i++)
    if (strcmp(json_string_value(v), allowed[i]) == 0) {
      *out = allowed[i];
      return 0;
    }
  return sd_api_error(
      c, "ValidationException",
      "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must "
      "satisfy enum value set: [%s%s%s%s%s]",
      json_is_string(v) ? json_string_value(v) : "?", key, allowed[0], allowed[1] ? ", " : "",
      allowed[1] ? allowed[1] : "", allowed[1] && allowed[2] ? ", " : "",
      allowed[1] && allowed[2] ? allowed[2] : "");
}

/* A timestamp member: epoch seconds, as REST-JSON sends them. */
static int date_member(struct sd_api_call *c, const char *key, double *out) {
  json_t *v = json_object_get(c->in, key); /* borrowed */
  *out = 0;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) <= 0)
    return sd_api_error(c, "SerializationException", "'%s' must be a timestamp in epoch seconds", key);
  *out = json_number_value(v);
  return 0;
}

/* Checks the target: one of this server's state machine ARNs, a role, and
 * JSON input (Scheduler requires JSON for Step Functions targets). Returns
 * a new copy with Scheduler's default RetryPolicy, or NULL after an error. */
static json_t *target_of(struct sd_api_call *c) {
  json_t *t = json_object_get(c->in, "Target"); /* borrowed */
  if (!json_is_object(t)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must "
        "not be null");
    return NULL;
  }
  const char *arn = json_string_value(json_object_get(t, "Arn"));
  const char *role = json_string_value(json_object_get(t, "RoleArn"));
  const char *input = json_string_value(json_object_get(t, "Input"));
  char *prefix = sd_asprintf("arn:aws:states:%s:%s:stateMachine:", c->api->region, c->api->account);
  bool arn_ok = arn != NULL && strncmp(arn, prefix, strlen(prefix)) == 0 && arn[strlen(prefix)] != '\0';
  free(prefix);
  if (arn == NULL || role == NULL) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value null at 'target.%s' failed to satisfy constraint: Member "
        "must not be null",
        arn == NULL ? "arn" : "roleArn");
    return NULL;
  }
  if (!arn_ok) {
    sd_api_error(c, "ValidationException",
                 "Invalid target ARN %s: stepd's schedules start executions of this server's state machines "
                 "(arn:aws:states:%s:%s:stateMachine:NAME)",
                 arn, c->api->region, c->api->account);
    return NULL;
  }
  if (strncmp(role, "arn:aws", 7) != 0 || strstr(role, ":role/") == NULL) {
    sd_api_error(c, "ValidationException",
                 "1 validation error detected: Value '%s' at 'target.roleArn' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/"
                 "[\\w+=,.@\\/-]+$",
                 role);
    return NULL;
  }
  json_t *parsed = input ? json_loads(input, JSON_DECODE_ANY, NULL) : NULL; /* new */
  if (input != NULL && parsed == NULL) {
    sd_api_error(c, "ValidationException", "Target Input must be a valid JSON for Step Functions targets.");
    return NULL;
  }
  json_decref(parsed);
  json_t *out = json_deep_copy(t); /* new */
  if (json_object_get(out, "RetryPolicy") == NULL)
    json_object_set_new(
        out, "RetryPolicy",
        json_pack("{s:i, s:i}", "MaximumEventAgeInSeconds", 86400, "MaximumRetryAttempts", 185));
  return out;
}

/* CreateSchedule and UpdateSchedule's body as the schedule's description
 * (new), checked as Scheduler checks it; NULL after an error. */
static json_t *doc_of(struct sd_api_call *c, const char *name, double created) {
  const char *expr, *zone, *group, *desc, *kms;
  static const char *const states[] = { "ENABLED", "DISABLED", NULL };
  static const char *const actions[] = { "NONE", "DELETE", NULL };
  static const char *const policies[] = { "NONE", "LATEST", "ALL", NULL };
  static const char *const modes[] = { "OFF", "FLEXIBLE", NULL };
  const char *state, *action, *policy, *mode;
  double start, end;
  if (sd_api_get_str(c, "ScheduleExpression", true, &expr) != 0 ||
      sd_api_get_str(c, "ScheduleExpressionTimezone", false, &zone) != 0 ||
      sd_api_get_str(c, "GroupName", false, &group) != 0 ||
      sd_api_get_str(c, "Description", false, &desc) != 0 ||
      sd_api_get_str(c, "KmsKeyArn", false, &kms) != 0 || check_group(c, group) != 0 ||
      /* The model's lengths (scheduler.service-2.json: ScheduleExpression,
       * Description, KmsKeyArn): a schedule is stored and listed, so an
       * unbounded member would be too. */
      sd_api_check_len(c, "scheduleExpression", expr, 256) != 0 ||
      sd_api_check_len(c, "description", desc, 512) != 0 ||
      sd_api_check_len(c, "kmsKeyArn", kms, 2048) != 0 ||
      enum_member(c, c->in, "State", states, "ENABLED", &state) != 0 ||
      enum_member(c, c->in, "ActionAfterCompletion", actions, "NONE", &action) != 0 ||
      enum_member(c, c->in, "MissedFirePolicy", policies, "LATEST", &policy) != 0 ||
      date_member(c, "StartDate", &start) != 0 || date_member(c, "EndDate", &end) != 0)
    return NULL;
  struct sd_err err = { 0 };
  struct sd_sched *s = sd_sched_parse(expr, NULL, &err);
  if (s == NULL) {
    sd_api_error(c, "ValidationException", "%s %s", err.cause, err.where ? err.where : "");
    sd_err_clear(&err);
    return NULL;
  }
  bool recurring = sd_sched_kind(s) != SD_SCHED_AT;
  sd_sched_free(s);
  if (sd_schedules_zone(c->api->schedules, zone ? zone : "UTC", &err) == NULL) {
    sd_api_error(c, "ValidationException", "%s", err.cause);
    sd_err_clear(&err);
    return NULL;
  }
  json_t *ftw = json_object_get(c->in, "FlexibleTimeWindow"); /* borrowed */
  if (!json_is_object(ftw)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: "
        "Member must not be null");
    return NULL;
  }
  if (enum_member(c, ftw, "Mode", modes, NULL, &mode) != 0)
    return NULL;
  json_t *max = json_object_get(ftw, "MaximumWindowInMinutes"); /* borrowed */
  if (mode == NULL ||
      (strcmp(mode, "FLEXIBLE") == 0 &&
       (!json_is_integer(max) || json_integer_value(max) < 1 || json_integer_value(max) > 1440))) {
    sd_api_error(c, "ValidationException",
                 mode == NULL ? "FlexibleTimeWindow Mode must be OFF or FLEXIBLE."
                              : "MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.");
    return NULL;
  }
  double now = (double)sd_schedules_now(c->api->schedules) / 1000.0;
  if (recurring && start > 0 && start < now - 300) {
    sd_api_error(c, "ValidationException", "The StartDate you specify cannot be earlier than 5 minutes ago.");
    return NULL;
  }
  if (start > 0 && end > 0 && end <= start) {
    sd_api_error(c, "ValidationException", "The EndDate you specify must be later than the StartDate.");
    return NULL;
  }
  json_t *target = target_of(c); /* new */
  if (target == NULL)
    return NULL;
  json_t *doc = json_object(); /* new */
  char *arn =
      sd_asprintf("arn:aws:scheduler:%s:%s:schedule/%s/%s", c->api->region, c->api->account, GROUP, name);
  json_object_set_new(doc, "Arn", json_string(arn));
  free(arn);
  json_object_set_new(doc, "Name", json_string(name));
  json_object_set_new(doc, "GroupName", json_string(GROUP));
  json_object_set_new(doc, "ScheduleExpression", json_string(expr));
  json_object_set_new(doc, "ScheduleExpressionTimezone", json_string(zone ? zone : "UTC"));
  if (start > 0)
    json_object_set_new(doc, "StartDate", json_real(start));
  if (end > 0)
    json_object_set_new(doc, "EndDate", json_real(end));
  json_object_set_new(doc, "State", json_string(state));
  json_object_set_new(doc, "FlexibleTimeWindow", json_deep_copy(ftw));
  json_object_set_new(doc, "Target", target);
  if (desc != NULL)
    json_object_set_new(doc, "Description", json_string(desc));
  if (kms != NULL)
    json_object_set_new(doc, "KmsKeyArn", json_string(kms));
  json_object_set_new(doc, "ActionAfterCompletion", json_string(action));
  json_object_set_new(doc, "MissedFirePolicy", json_string(policy));
  json_object_set_new(doc, "CreationDate", json_real(created > 0 ? created : now));
  json_object_set_new(doc, "LastModificationDate", json_real(now));
  return doc;
}

struct pending {
  struct sd_api_call *c;
  json_t *reply; /* owned */
};

static void committed(void *data, int status) {
  struct pending *p = data;
  if (status != 0) {
    json_decref(p->reply);
    sd_api_error(p->c, "InternalServerException", "the schedule could not be recorded");
  } else {
    sd_api_reply(p->c, p->reply);
  }
  free(p);
}

/* Writes `doc` (stolen) and answers once committed. */
static void put_and_reply(struct sd_api_call *c, json_t *doc, json_t *reply) {
  struct pending *p = sd_xcalloc(1, sizeof *p);
  p->c = c;
  p->reply = reply;
  struct sd_err err = { 0 };
  if (sd_schedules_put(c->api->schedules, doc, committed, p, &err) != 0) {
    sd_api_error(c, "ValidationException", "%s", err.cause ? err.cause : "invalid schedule");
    sd_err_clear(&err);
    json_decref(reply);
    free(p);
  }
}

static void create_schedule(struct sd_api_call *c, const char *name) {
  if (sd_schedules_get(c->api->schedules, GROUP, name) != NULL) {
    const char *group;
    if (sd_api_get_str(c, "GroupName", false, &group) == 0 && check_group(c, group) == 0)
      sd_api_error(c, "ConflictException", "Schedule %s already exists.", name);
    return;
  }
  json_t *doc = doc_of(c, name, 0); /* new */
  if (doc == NULL)
    return;
  put_and_reply(c, doc, json_pack("{s:O}", "ScheduleArn", json_object_get(doc, "Arn")));
}

static struct sd_schedule *existing(struct sd_api_call *c, const char *name, const char *group) {
  if (check_group(c, group) != 0)
    return NULL;
  struct sd_schedule *s = sd_schedules_get(c->api->schedules, GROUP, name);
  if (s == NULL)
    sd_api_error(c, "ResourceNotFoundException", "Schedule %s does not exist.", name);
  return s;
}

/* UpdateSchedule replaces the whole schedule, as Scheduler does: members
 * left out take their defaults. Creation date and fire marks stay. */
static void update_schedule(struct sd_api_call *c, const char *name) {
  const char *group;
  if (sd_api_get_str(c, "GroupName", false, &group) != 0)
    return;
  struct sd_schedule *s = existing(c, name, group);
  if (s == NULL)
    return;
  json_t *doc = doc_of(c, name, json_number_value(json_object_get(s->doc, "CreationDate"))); /* new */
  if (doc == NULL)
    return;
  put_and_reply(c, doc, json_pack("{s:O}", "ScheduleArn", json_object_get(doc, "Arn")));
}

static void deleted(void *data, int status) {
  struct sd_api_call *c = data;
  if (status != 0)
    sd_api_error(c, "InternalServerException", "the schedule's removal could not be recorded");
  else
    sd_api_reply(c, json_object());
}

static void list_schedules(struct sd_api_call *c) {
  const char *prefix = sd_http_req_arg(c->req, "NamePrefix");
  const char *state = sd_http_req_arg(c->req, "State");
  const char *group = sd_http_req_arg(c->req, "ScheduleGroup");
  const char *max_s = sd_http_req_arg(c->req, "MaxResults");
  const char *tok = sd_http_req_arg(c->req, "NextToken");
  char *end = NULL;
  long max = max_s ? strtol(max_s, &end, 10) : 100;
  if (max_s != NULL && (*end != '\0' || max < 1 || max > 100)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member "
        "must have value between 1 and 100",
        max_s);
    return;
  }
  if (prefix != NULL && !name_ok(prefix)) {
    bad_pattern(c, "namePrefix", prefix);
    return;
  }
  if (state != NULL && strcmp(state, "ENABLED") != 0 && strcmp(state, "DISABLED") != 0) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must "
        "satisfy enum value set: [ENABLED, DISABLED]",
        state);
    return;
  }
  if (group != NULL && check_group(c, group) != 0)
    return;
  /* The token is the last name of the previous page: names are keys. */
  json_t *items = json_array(); /* new */
  const char *last = NULL;
  bool more = false;
  struct sd_schedule *s;
  for (size_t i = 0; (s = sd_schedules_at(c->api->schedules, i)) != NULL; i++) {
    if ((tok != NULL && strcmp(s->name, tok) <= 0) ||
        (prefix != NULL && strncmp(s->name, prefix, strlen(prefix)) != 0) ||
        (state != NULL && strcmp(state, s->enabled ? "ENABLED" : "DISABLED") != 0))
      continue;
    if ((long)json_array_size(items) == max) {
      more = true;
      break;
    }
    json_t *d = s->doc; /* borrowed */
    json_array_append_new(
        items, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:{s:O}}", "Arn", json_object_get(d, "Arn"), "Name",
                         json_object_get(d, "Name"), "GroupName", json_object_get(d, "GroupName"), "State",
                         json_object_get(d, "State"), "CreationDate", json_object_get(d, "CreationDate"),
                         "LastModificationDate", json_object_get(d, "LastModificationDate"), "Target", "Arn",
                         json_object_get(json_object_get(d, "Target"), "Arn")));
    last = s->name;
  }
  json_t *out = json_pack("{s:o}", "Schedules", items); /* new */
  if (more && last != NULL)
    json_object_set_new(out, "NextToken", json_string(last));
  sd_api_reply(c, out);
}

void sd_api_schedules_handle(struct sd_api_call *c) {
  const char *method = sd_http_req_method(c->req), *path = sd_http_req_path(c->req);
  const char *name = path[10] == '/' ? path + 11 : NULL;
  static const struct {
    const char *method;
    bool named;
    const char *label;
  } routes[] = {
    { "POST", true, "CreateSchedule" }, { "GET", true, "GetSchedule" },
    { "PUT", true, "UpdateSchedule" },  { "DELETE", true, "DeleteSchedule" },
    { "GET", false, "ListSchedules" },
  };
  size_t r = 0;
  while (r < 5 && (strcmp(routes[r].method, method) != 0 || routes[r].named != (name != NULL)))
    r++;
  if (r == 5 || c->api->schedules == NULL) {
    sd_api_error(c, "UnknownOperationException", "no operation %s %s", method, path);
    return;
  }
  sd_http_req_set_label(c->req, routes[r].label);
  c->action = routes[r].label;
  size_t len;
  const char *body = sd_http_req_body(c->req, &len);
  json_error_t e;
  c->in = len == 0 ? json_object() : json_loadb(body, len, 0, &e);
  if (c->in == NULL || !json_is_object(c->in)) {
    sd_api_error(c, "SerializationException", "the request body is not a JSON object");
    return;
  }
  if (name != NULL && !name_ok(name)) {
    bad_pattern(c, "name", name);
    return;
  }
  if (r == 0) {
    create_schedule(c, name);
  } else if (r == 2) {
    update_schedule(c, name);
  } else if (r == 4) {
    list_schedules(c);
  } else {
    struct sd_schedule *s = existing(c, name, sd_http_req_arg(c->req, "groupName"));
    if (s != NULL && r == 1)
      sd_api_reply(c, json_deep_copy(s->doc));
    else if (s != NULL)
      sd_schedules_delete(c->api->schedules, s, deleted, c);
  }
}
