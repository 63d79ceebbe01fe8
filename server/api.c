/* The dispatcher of the AWS JSON 1.0 protocol and the helpers every action
 * shares: reading members, checking ARNs and names, shaping errors. The
 * actions themselves live in api_machines.c and api_executions.c. */
#include "server/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "integrations/states_exec.h"
#include "server/auth.h"
#include "server/http.h"

#define TARGET_PREFIX "AWSStepFunctions."
#define CONTENT_TYPE  "application/x-amz-json-1.0"

struct action {
  const char *name;
  void (*fn)(struct sd_api_call *c);
};

/* Sorted by name: bsearch finds the X-Amz-Target's action. */
static const struct action actions[] = {
  { "CreateActivity", sd_api_create_activity },
  { "CreateStateMachine", sd_api_create_state_machine },
  { "CreateStateMachineAlias", sd_api_create_state_machine_alias },
  { "DeleteActivity", sd_api_delete_activity },
  { "DeleteStateMachine", sd_api_delete_state_machine },
  { "DeleteStateMachineAlias", sd_api_delete_state_machine_alias },
  { "DeleteStateMachineVersion", sd_api_delete_state_machine_version },
  { "DescribeActivity", sd_api_describe_activity },
  { "DescribeExecution", sd_api_describe_execution },
  { "DescribeStateMachine", sd_api_describe_state_machine },
  { "DescribeStateMachineAlias", sd_api_describe_state_machine_alias },
  { "DescribeStateMachineForExecution", sd_api_describe_state_machine_for_execution },
  { "GetActivityTask", sd_api_get_activity_task },
  { "GetExecutionHistory", sd_api_get_execution_history },
  { "ListActivities", sd_api_list_activities },
  { "ListExecutions", sd_api_list_executions },
  { "ListStateMachineAliases", sd_api_list_state_machine_aliases },
  { "ListStateMachineVersions", sd_api_list_state_machine_versions },
  { "ListStateMachines", sd_api_list_state_machines },
  { "ListTagsForResource", sd_api_list_tags_for_resource },
  { "PublishStateMachineVersion", sd_api_publish_state_machine_version },
  { "RedriveExecution", sd_api_redrive_execution },
  { "SendTaskFailure", sd_api_send_task_failure },
  { "SendTaskHeartbeat", sd_api_send_task_heartbeat },
  { "SendTaskSuccess", sd_api_send_task_success },
  { "StartExecution", sd_api_start_execution },
  { "StartSyncExecution", sd_api_start_sync_execution },
  { "StopExecution", sd_api_stop_execution },
  { "TagResource", sd_api_tag_resource },
  { "TestState", sd_api_test_state },
  { "UntagResource", sd_api_untag_resource },
  { "UpdateStateMachine", sd_api_update_state_machine },
  { "UpdateStateMachineAlias", sd_api_update_state_machine_alias },
  { "ValidateStateMachineDefinition", sd_api_validate_state_machine_definition },
};

static int action_cmp(const void *key, const void *elem) {
  return strcmp(key, ((const struct action *)elem)->name);
}

static void call_free(struct sd_api_call *c) {
  json_decref(c->in);
  free(c);
}

static void reply_json(struct sd_api_call *c, int status, json_t *out) {
  /* 15 digits print epoch seconds as 1700000000.123, not 1700000000.1229999.
   * The engine's writer writes Jansson's text at a fraction of its cost. */
  size_t len;
  char *text = sd_jsonw_dumps_prec(out, 15, &len);
  json_decref(out);
  sd_http_reply(c->req, status, CONTENT_TYPE, text, len);
  call_free(c);
}

void sd_api_reply(struct sd_api_call *c, json_t *out) {
  reply_json(c, 200, out);
}

void sd_api_reply_text(struct sd_api_call *c, char *text, size_t len) {
  sd_http_reply(c->req, 200, CONTENT_TYPE, text, len);
  call_free(c);
}

void sd_api_put_time(struct sd_buf *b, int64_t ms) {
  /* What sd_api_time prints at 15 digits: whole seconds, then the
   * milliseconds without trailing zeros, or ".0" (Jansson's mark of a
   * real). Exact while the seconds have at most 12 digits. */
  if (ms < 0 || ms >= 1000000000000000) {
    json_t *t = sd_api_time(ms); /* new */
    size_t n;
    char *text = sd_jsonw_dumps_prec(t, 15, &n);
    sd_buf_add(b, text, n);
    free(text);
    json_decref(t);
    return;
  }
  char tmp[32];
  int frac = (int)(ms % 1000), n;
  if (frac == 0)
    n = snprintf(tmp, sizeof tmp, "%lld.0", (long long)(ms / 1000));
  else if (frac % 100 == 0)
    n = snprintf(tmp, sizeof tmp, "%lld.%d", (long long)(ms / 1000), frac / 100);
  else if (frac % 10 == 0)
    n = snprintf(tmp, sizeof tmp, "%lld.%02d", (long long)(ms / 1000), frac / 10);
  else
    n = snprintf(tmp, sizeof tmp, "%lld.%03d", (long long)(ms / 1000), frac);
  sd_buf_add(b, tmp, (size_t)n);
}

int sd_api_error(struct sd_api_call *c, const char *type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_log(SD_LOG_DEBUG, "%s: %s: %s", c->action ? c->action : "-", type, msg);
  json_t *out = json_pack("{s:s, s:s}", "__type", type, "message", msg);
  if (c->rest) /* Scheduler's error shapes name the member Message */
    json_object_set_new(out, "Message", json_string(msg));
  free(msg);
  /* AWS answers the modelled Step Functions errors with 400, save the two
   * whose model documents another code; only its own failures are 500. */
  int status = 400;
  if (strcmp(type, "InternalFailure") == 0)
    status = 500;
  else if (strcmp(type, "ConflictException") == 0)
    status = 409;
  else if (strcmp(type, "ServiceQuotaExceededException") == 0)
    status = 402;
  /* Scheduler's REST-JSON errors carry their own status too (scheduler
   * service-2.json). */
  if (c->rest && strcmp(type, "ResourceNotFoundException") == 0)
    status = 404;
  else if (c->rest && strstr(type, "Signature") != NULL)
    status = 403; /* REST APIs refuse signatures with 403, JSON 1.0 ones with 400 */
  else if (c->rest && (strcmp(type, "UnrecognizedClientException") == 0 ||
                       strcmp(type, "MissingAuthenticationTokenException") == 0))
    status = 403;
  else if (c->rest && strcmp(type, "InternalServerException") == 0)
    status = 500;
  reply_json(c, status, out);
  return -1;
}

static const char *req_header(void *ctx, const char *name) {
  return sd_http_req_header(ctx, name);
}

struct auth_args {
  struct sd_auth_arg *v; /* owned; the strings are MHD's, borrowed */
  size_t n;
};

static void add_auth_arg(void *data, const char *key, const char *value) {
  struct auth_args *a = data;
  a->v = sd_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
  a->v[a->n++] = (struct sd_auth_arg){ key, value };
}

/* Whether `path` is EventBridge Scheduler's REST API (api_schedules.c). */
static bool scheduler_path(const char *path) {
  return strncmp(path, "/schedules", 10) == 0 && (path[10] == '\0' || path[10] == '/');
}

/* --auth sigv4: 0 when the request is signed with a known key, else -1
 * after answering AWS's error. */
static int authenticate(struct sd_api_call *c) {
  size_t len;
  const char *body = sd_http_req_body(c->req, &len);
  struct auth_args args = { 0 };
  sd_http_req_args(c->req, add_auth_arg, &args);
  const char *path = sd_http_req_path(c->req);
  struct sd_auth_req ar = { .method = sd_http_req_method(c->req),
                            .path = path,
                            .args = args.v,
                            .nargs = args.n,
                            .header = req_header,
                            .ctx = c->req,
                            .body = body,
                            .len = len };
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct sd_err err = { 0 };
  /* Each API is signed for its own service: boto3's `scheduler` client
   * signs for "scheduler", its `stepfunctions` client for "states". */
  int rc = sd_auth_verify(c->api->auth, &ar, scheduler_path(path) ? "scheduler" : "states", c->api->region,
                          (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &err);
  free(args.v);
  if (rc != 0) {
    sd_log(SD_LOG_WARN, "request refused: %s: %s", err.name, err.cause ? err.cause : "");
    sd_api_error(c, err.name, "%s", err.cause ? err.cause : "");
  }
  sd_err_clear(&err);
  return rc;
}

void sd_api_handle(struct sd_http_req *req, void *data) {
  struct sd_api_call *c = sd_xcalloc(1, sizeof *c);
  c->api = data;
  c->req = req;
  if (sd_http_req_too_big(req)) {
    /* Step Functions quotas: "Maximum request size: 1 MB". */
    json_t *out = json_pack("{s:s, s:s}", "__type", "RequestEntityTooLargeException", "message",
                            "Request must be smaller than 1048576 bytes"); /* new */
    reply_json(c, 413, out);
    return;
  }
  /* Before authenticating: a refusal has the shape of its API's errors. */
  c->rest = scheduler_path(sd_http_req_path(req));
  if (c->api->auth != NULL && authenticate(c) != 0)
    return;
  if (c->rest) {
    sd_api_schedules_handle(c);
    return;
  }
  if (strcmp(sd_http_req_method(req), "POST") != 0) {
    sd_api_error(c, "UnknownOperationException", "only POST is supported");
    return;
  }
  const char *target = sd_http_req_header(req, "X-Amz-Target");
  if (target == NULL || strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) != 0) {
    sd_api_error(c, "UnknownOperationException", "missing or unknown X-Amz-Target '%s'",
                 target ? target : "");
    return;
  }
  const char *name = target + strlen(TARGET_PREFIX);
  sd_http_req_set_label(req, name);
  const struct action *a =
      bsearch(name, actions, sizeof actions / sizeof actions[0], sizeof actions[0], action_cmp);
  if (a == NULL) {
    sd_api_error(c, "UnknownOperationException", "the operation '%s' is not supported", name);
    return;
  }
  c->action = a->name;
  size_t len;
  const char *body = sd_http_req_body(req, &len);
  if (len == 0) {
    c->in = json_object();
  } else {
    json_error_t e;
    c->in = sd_json_loadb(body, len, 0, &e); /* Jansson's results and messages, faster */
    if (c->in == NULL || !json_is_object(c->in)) {
      sd_api_error(c, "SerializationException", "the request body is not a JSON object");
      return;
    }
  }
  a->fn(c);
}

int sd_api_get_str(struct sd_api_call *c, const char *key, bool required, const char **out) {
  json_t *v = json_object_get(c->in, key); /* borrowed */
  *out = NULL;
  if (v == NULL || json_is_null(v)) {
    if (required)
      return sd_api_error(c, "ValidationException",
                          "1 validation error detected: Value null at '%s' failed to satisfy constraint: "
                          "Member must not be null",
                          key);
    return 0;
  }
  if (!json_is_string(v))
    return sd_api_error(c, "SerializationException", "'%s' must be a string", key);
  *out = json_string_value(v);
  return 0;
}

int sd_api_get_int(struct sd_api_call *c, const char *key, int64_t lo, int64_t hi, int64_t dflt,
                   int64_t *out) {
  json_t *v = json_object_get(c->in, key); /* borrowed */
  *out = dflt;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v))
    return sd_api_error(c, "SerializationException", "'%s' must be an integer", key);
  int64_t n = json_integer_value(v);
  if (n < lo || n > hi)
    return sd_api_error(c, "ValidationException",
                        "1 validation error detected: Value '%lld' at '%s' failed to satisfy constraint: "
                        "Member must have value between %lld and %lld",
                        (long long)n, key, (long long)lo, (long long)hi);
  *out = n;
  return 0;
}

int sd_api_get_bool(struct sd_api_call *c, const char *key, bool dflt, bool *out) {
  json_t *v = json_object_get(c->in, key); /* borrowed */
  *out = dflt;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_boolean(v))
    return sd_api_error(c, "SerializationException", "'%s' must be a boolean", key);
  *out = json_is_true(v);
  return 0;
}

int sd_api_get_token(struct sd_api_call *c, const char *prefix, int64_t *pos) {
  const char *tok;
  *pos = 0;
  if (sd_api_get_str(c, "nextToken", false, &tok) != 0)
    return -1;
  if (tok == NULL)
    return 0;
  size_t n = strlen(prefix);
  char *end = NULL;
  errno = 0;
  long long v = strncmp(tok, prefix, n) == 0 ? strtoll(tok + n, &end, 10) : -1;
  if (v <= 0 || errno != 0 || end == NULL || *end != '\0')
    return sd_api_error(c, "InvalidToken", "Invalid Token: '%s'", tok);
  *pos = v;
  return 0;
}

/* arn:aws:states:REGION:ACCOUNT:TYPE:...: AWS checks the prefix, then the
 * resource type, then that the rest has the type's number of parts. */
int sd_api_check_arn(struct sd_api_call *c, const char *arn, const char *type) {
  const char *parts[8];
  size_t lens[8];
  size_t n = 0;
  const char *p = arn;
  while (n < 8) {
    const char *colon = strchr(p, ':');
    parts[n] = p;
    lens[n] = colon ? (size_t)(colon - p) : strlen(p);
    n++;
    if (colon == NULL)
      break;
    p = colon + 1;
  }
  if (n < 6 || lens[0] != 3 || strncmp(parts[0], "arn", 3) != 0 || lens[2] != 6 ||
      strncmp(parts[2], "states", 6) != 0)
    return sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", arn);
  if (lens[5] != strlen(type) || strncmp(parts[5], type, lens[5]) != 0)
    return sd_api_error(c, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %.*s'",
                        (int)lens[5], parts[5]);
  /* stateMachine:NAME (a version or alias may follow), execution:MACHINE:NAME */
  size_t want = strcmp(type, "execution") == 0 ? 8 : 7;
  bool ok = n == want || (want == 7 && n == 8);
  for (size_t i = 6; ok && i < n; i++)
    ok = lens[i] > 0;
  if (!ok)
    return sd_api_error(c, "InvalidArn", "Invalid Arn: 'Invalid %s ARN'",
                        want == 8 ? "Execution" : "State Machine");
  return 0;
}

json_t *sd_api_parse_input(struct sd_api_call *c, const char *input) {
  if (sd_api_check_len(c, "input", input, SD_API_MAX_PAYLOAD) != 0)
    return NULL;
  json_error_t e;
  if (input == NULL)
    input = "{}";
  json_t *value = sd_json_loadb(input, strlen(input), JSON_DECODE_ANY, &e);
  if (value == NULL)
    sd_api_error(c, "InvalidExecutionInput",
                 "Invalid State Machine Execution Input: '%s at line %d, column %d'", e.text, e.line,
                 e.column);
  return value;
}

int sd_api_check_name(struct sd_api_call *c, const char *name) {
  if (!sd_states_name_ok(name))
    return sd_api_error(c, "InvalidName", "Invalid Name: '%s'", name);
  return 0;
}

json_t *sd_api_time(int64_t ms) {
  return json_real((double)ms / 1000.0);
}

int sd_api_check_len(struct sd_api_call *c, const char *key, const char *value, size_t max) {
  if (value == NULL || strlen(value) <= max)
    return 0;
  /* Sensitive members (inputs, outputs, descriptions) are not echoed. */
  return sd_api_error(
      c, "ValidationException",
      "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have "
      "length less than or equal to %zu",
      key, max);
}

size_t sd_api_arn_parts(const char *arn) {
  size_t n = 1;
  for (const char *p = arn; *p != '\0'; p++)
    n += *p == ':';
  return n;
}
