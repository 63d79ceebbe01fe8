/* Glue: the optimized arn:aws:states:::glue:startJobRun (request-response
 * and .sync) and the AWS SDK integrations arn:aws:states:::aws-sdk:glue:<action>
 * (and .waitForTaskToken), over Glue's JSON 1.1 protocol
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html).
 *
 * - startJobRun answers {JobName, JobRunId, SdkHttpMetadata,
 *   SdkResponseMetadata}: Step Functions copies JobName from the request
 *   into StartJobRun's answer (connect-glue.html, "Key features").
 * - startJobRun.sync reports TaskSubmitted with that answer, then polls
 *   GetJobRun until the run is in a terminal state and answers its JobRun.
 *   FAILED, ERROR and TIMEOUT, the states Glue calls abnormal terminations
 *   (glue/latest/dg/job-run-statuses.html), fail the Task with
 *   States.TaskFailed and the JobRun as JSON text for cause; SUCCEEDED and
 *   STOPPED end it normally. Dates are epoch milliseconds, as the Java SDK
 *   v1 behind the optimized integrations writes them.
 * - aws-sdk:glue:<action> calls the action (camelCase in the resource,
 *   PascalCase on the wire) with the Parameters as they are and answers
 *   the response; dates become ISO 8601 text, as the Java SDK v2 behind the
 *   SDK integrations writes them. Errors follow that SDK: Glue.<Exception>
 *   for a code Glue's model has, Glue.GlueException otherwise, and the
 *   cause "<message> (Service: Glue, Status Code: N, Request ID: <id>)"
 *   (the form recorded for DynamoDb in the conformance corpus,
 *   TestAwsSdk.test_dynamodb_put_item_no_such_table).
 *
 * The optimized integration's errors are the connector's:
 * Glue.<Exception> with the Java SDK v1 cause (aws_call.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/timefmt.h"
#include "integrations/aws_task.h"
#include "integrations/http_client.h"

#define SDK_PREFIX "arn:aws:states:::aws-sdk:glue:"

/* From /work/shared/aws-models/glue.service-2.json (scripts/aws_errors.py). */
static const struct sd_aws_error glue_errors[] = {
  { "AccessDeniedException", "AccessDeniedException" },
  { "AlreadyExistsException", "AlreadyExistsException" },
  { "ColumnStatisticsTaskNotRunningException", "ColumnStatisticsTaskNotRunningException" },
  { "ColumnStatisticsTaskRunningException", "ColumnStatisticsTaskRunningException" },
  { "ColumnStatisticsTaskStoppingException", "ColumnStatisticsTaskStoppingException" },
  { "ConcurrentModificationException", "ConcurrentModificationException" },
  { "ConcurrentRunsExceededException", "ConcurrentRunsExceededException" },
  { "ConditionCheckFailureException", "ConditionCheckFailureException" },
  { "ConflictException", "ConflictException" },
  { "CrawlerNotRunningException", "CrawlerNotRunningException" },
  { "CrawlerRunningException", "CrawlerRunningException" },
  { "CrawlerStoppingException", "CrawlerStoppingException" },
  { "EntityNotFoundException", "EntityNotFoundException" },
  { "FederatedResourceAlreadyExistsException", "FederatedResourceAlreadyExistsException" },
  { "FederationSourceException", "FederationSourceException" },
  { "FederationSourceRetryableException", "FederationSourceRetryableException" },
  { "GlueEncryptionException", "GlueEncryptionException" },
  { "IdempotentParameterMismatchException", "IdempotentParameterMismatchException" },
  { "IllegalBlueprintStateException", "IllegalBlueprintStateException" },
  { "IllegalSessionStateException", "IllegalSessionStateException" },
  { "IllegalWorkflowStateException", "IllegalWorkflowStateException" },
  { "IntegrationConflictOperationFault", "IntegrationConflictOperationFault" },
  { "IntegrationNotFoundFault", "IntegrationNotFoundFault" },
  { "IntegrationQuotaExceededFault", "IntegrationQuotaExceededFault" },
  { "InternalServerException", "InternalServerException" },
  { "InternalServiceException", "InternalServiceException" },
  { "InvalidInputException", "InvalidInputException" },
  { "InvalidIntegrationStateFault", "InvalidIntegrationStateFault" },
  { "InvalidStateException", "InvalidStateException" },
  { "KMSKeyNotAccessibleFault", "KMSKeyNotAccessibleFault" },
  { "MLTransformNotReadyException", "MLTransformNotReadyException" },
  { "MaterializedViewRefreshTaskNotRunningException", "MaterializedViewRefreshTaskNotRunningException" },
  { "MaterializedViewRefreshTaskRunningException", "MaterializedViewRefreshTaskRunningException" },
  { "MaterializedViewRefreshTaskStoppingException", "MaterializedViewRefreshTaskStoppingException" },
  { "NoScheduleException", "NoScheduleException" },
  { "OperationNotSupportedException", "OperationNotSupportedException" },
  { "OperationTimeoutException", "OperationTimeoutException" },
  { "PermissionTypeMismatchException", "PermissionTypeMismatchException" },
  { "ResourceNotFoundException", "ResourceNotFoundException" },
  { "ResourceNotReadyException", "ResourceNotReadyException" },
  { "ResourceNumberLimitExceededException", "ResourceNumberLimitExceededException" },
  { "SchedulerNotRunningException", "SchedulerNotRunningException" },
  { "SchedulerRunningException", "SchedulerRunningException" },
  { "SchedulerTransitioningException", "SchedulerTransitioningException" },
  { "SessionBusyException", "SessionBusyException" },
  { "TargetResourceNotFound", "TargetResourceNotFound" },
  { "ThrottlingException", "ThrottlingException" },
  { "ValidationException", "ValidationException" },
  { "VersionMismatchException", "VersionMismatchException" },
  { NULL, NULL },
};

static const struct sd_aws_service glue_svc = {
  .id = "Glue",
  .prefix = "glue",
  .signing = "glue",
  .sfn_local_env = "GLUE_ENDPOINT",
  .error_prefix = "Glue",
  .sdk_name = "AWSGlue",
  .protocol = SD_AWS_JSON,
  .json_version = "1.1",
  .target_prefix = "AWSGlue",
  .errors = glue_errors,
  .generic_error = "AWSGlueException",
};

/* ---- dates ---- */

/* Members of timestamp type in Glue's model (all structures; MaximumValue
 * and MinimumValue left out, which are numbers elsewhere). JSON 1.1 sends
 * them as epoch seconds. */
static const char *const ts_members[] = { "AnalyzedTime",      "AuthTokenExpirationTime",
                                          "CompletedOn",       "CreateTime",
                                          "CreatedAfter",      "CreatedAt",
                                          "CreatedBefore",     "CreatedOn",
                                          "CreatedTimeStamp",  "CreatedTimestamp",
                                          "CreationTime",      "Date",
                                          "EndTime",           "ExecutionTimestamp",
                                          "ImportTime",        "LastAccessTime",
                                          "LastAnalyzedTime",  "LastConnectionValidationTime",
                                          "LastModifiedAfter", "LastModifiedBefore",
                                          "LastModifiedOn",    "LastModifiedTimestamp",
                                          "LastUpdated",       "LastUpdatedTime",
                                          "QueryAsOfTime",     "QueryStartTime",
                                          "RecordedAfter",     "RecordedBefore",
                                          "RecordedOn",        "RequestTime",
                                          "StartTime",         "StartedAfter",
                                          "StartedBefore",     "StartedOn",
                                          "StartingTimestamp", "StatisticRecordedOn",
                                          "UpdateTime",        "UpdatedAt",
                                          "endTimestamp",      "startTimestamp" };

static bool is_ts_member(const char *key) {
  for (size_t i = 0; i < sizeof ts_members / sizeof ts_members[0]; i++)
    if (strcmp(ts_members[i], key) == 0)
      return true;
  return false;
}

/* Rewrites the dates of `v` in place: epoch milliseconds (`iso` false) or
 * ISO 8601 as java.time.Instant prints them ("2024-01-02T03:04:05Z", with
 * .SSS only when there are milliseconds). Interactive-session statements
 * keep their StartedOn / CompletedOn, which are already milliseconds. */
static void convert_dates(json_t *v, bool iso) {
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) convert_dates(e, iso);
    return;
  }
  if (!json_is_object(v))
    return;
  const char *k;
  json_t *m;
  json_object_foreach(v, k, m) {
    if (strcmp(k, "Statement") == 0 || strcmp(k, "Statements") == 0)
      continue;
    if (!json_is_number(m) || !is_ts_member(k)) {
      convert_dates(m, iso);
      continue;
    }
    double secs = json_number_value(m);
    int64_t ms = (int64_t)(secs * 1000.0 + (secs >= 0 ? 0.5 : -0.5));
    if (!iso) {
      json_object_set_new(v, k, json_integer((json_int_t)ms));
      continue;
    }
    char buf[32];
    sd_time_format(ms, buf);
    size_t n = strlen(buf);
    if (ms % 1000 == 0 && n > 5 && strcmp(buf + n - 5, ".000Z") == 0)
      memcpy(buf + n - 5, "Z", 2);
    json_object_set_new(v, k, json_string(buf));
  }
}

/* ---- glue:startJobRun ---- */

static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct job_run {
  struct sd_aws *aws; /* borrowed from the connector */
  char *job_name;     /* owned */
  char *run_id;       /* owned */
  char *role_arn;     /* the Task's Credentials.RoleArn; owned or NULL */
  double wait;        /* seconds before the next GetJobRun */
  int polls;
  bool ended; /* the Task ended on its own: nothing to stop */
};

static void on_stopped(void *data, struct sd_aws_reply *reply) {
  char *label = data;
  if (reply->err->name != NULL)
    sd_log(SD_LOG_WARN, "glue: BatchStopJobRun for %s: %s", label, reply->err->name);
  free(label);
}

/* A .sync task let go of its run (TimeoutSeconds, StopExecution): stop
 * the run, as AWS does on a best-effort basis; the IAM policy Step
 * Functions generates for glue:startJobRun.sync grants glue:BatchStopJobRun
 * for this (connect-glue.html, "IAM policies"). Nobody waits for the
 * answer. */
static void stop_run(struct job_run *jr) {
  json_t *params = json_pack("{s:s, s:[s]}", "JobName", jr->job_name, "JobRunIds", jr->run_id); /* new */
  char *label = sd_asprintf("job run %s of %s", jr->run_id, jr->job_name);
  struct sd_aws_request req = {
    .svc = &glue_svc,
    .action = "BatchStopJobRun",
    .params = params,
    .role_arn = jr->role_arn,
    .label = label,
  };
  struct sd_err err = { 0 };
  sd_log(SD_LOG_INFO, "glue: stopping %s: its Task ended first", label);
  if (sd_aws_call_start(jr->aws, &req, on_stopped, label, &err) == NULL) {
    sd_log(SD_LOG_WARN, "glue: BatchStopJobRun for %s: %s", label, err.cause ? err.cause : err.name);
    free(label);
  }
  sd_err_clear(&err);
  json_decref(params);
}

static void job_run_free(void *p) {
  struct job_run *jr = p;
  if (!jr->ended)
    stop_run(jr);
  free(jr->job_name);
  free(jr->run_id);
  free(jr->role_arn);
  free(jr);
}

/* Seconds before the first GetJobRun and the most between two: Step
 * Functions does not document its cadence; this backs off from 1 s to 30 s
 * (STEPD_GLUE_POLL_SECONDS sets both, for tests and demos). */
static void poll_bounds(double *first, double *most) {
  *first = 1;
  *most = 30;
  const char *env = getenv("STEPD_GLUE_POLL_SECONDS");
  if (env != NULL && env[0] != '\0') {
    char *end;
    double d = strtod(env, &end);
    if (*end == '\0' && d >= 0)
      *first = *most = d;
  }
}

/* The JobRun with its members in alphabetical order, as the Java SDK v1
 * serialises its model objects (the order .sync results show on AWS). New
 * reference. */
static json_t *sorted_copy(json_t *run) {
  size_t n = json_object_size(run), i = 0;
  const char **keys = sd_xmalloc((n ? n : 1) * sizeof *keys);
  const char *k;
  json_t *v;
  json_object_foreach(run, k, v) keys[i++] = k;
  qsort(keys, n, sizeof *keys, cmp_keys);
  json_t *out = json_object();
  for (i = 0; i < n; i++)
    json_object_set_new(out, keys[i], json_deep_copy(json_object_get(run, keys[i])));
  free(keys);
  return out;
}

static bool abnormal(const char *state) {
  return strcmp(state, "FAILED") == 0 || strcmp(state, "ERROR") == 0 || strcmp(state, "TIMEOUT") == 0;
}

static bool terminal(const char *state) {
  return abnormal(state) || strcmp(state, "SUCCEEDED") == 0 || strcmp(state, "STOPPED") == 0;
}

static void poll(struct sd_aws_task *t);

static void on_polled(struct sd_aws_task *t, struct sd_aws_reply *reply) {
  struct job_run *jr = sd_aws_task_data(t);
  if (reply->err->name != NULL) {
    jr->ended = true; /* Glue refused the poll: the run is not ours to stop */
    sd_aws_task_done(t, NULL, reply->err);
    return;
  }
  json_t *run = json_object_get(reply->body, "JobRun"); /* borrowed */
  const char *state = json_string_value(json_object_get(run, "JobRunState"));
  if (state == NULL) {
    jr->ended = true;
    struct sd_err err = { 0 };
    sd_err_set(&err, "Glue.AWSGlueException", "GetJobRun answered no JobRunState for %s %s", jr->job_name,
               jr->run_id);
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  sd_log(SD_LOG_INFO, "glue: job run %s of %s is %s (poll %d)", jr->run_id, jr->job_name, state, jr->polls);
  if (!terminal(state)) {
    double first, most;
    poll_bounds(&first, &most);
    jr->wait = jr->wait * 2 > most ? most : jr->wait * 2;
    sd_aws_task_after(t, jr->wait, poll);
    return;
  }
  jr->ended = true;
  json_t *out = sorted_copy(run); /* new */
  if (json_object_get(out, "JobName") == NULL)
    json_object_set_new(out, "JobName", json_string(jr->job_name));
  convert_dates(out, false);
  if (!abnormal(state)) {
    sd_aws_task_done(t, out, NULL);
    return;
  }
  struct sd_err err = { 0 };
  char *cause = sd_jsonw_dumps(out, NULL);
  sd_err_set_raw(&err, SD_E_TASK_FAILED, cause);
  free(cause);
  json_decref(out);
  sd_aws_task_done(t, NULL, &err);
  sd_err_clear(&err);
}

static void poll(struct sd_aws_task *t) {
  struct job_run *jr = sd_aws_task_data(t);
  jr->polls++;
  json_t *params = json_pack("{s:s, s:s}", "JobName", jr->job_name, "RunId", jr->run_id); /* new */
  struct sd_aws_request req = { .svc = &glue_svc, .action = "GetJobRun", .params = params };
  struct sd_err err = { 0 };
  int rc = sd_aws_task_send(t, &req, on_polled, &err);
  json_decref(params);
  if (rc != 0) {
    jr->ended = true;
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
  }
}

static void on_started(struct sd_aws_task *t, struct sd_aws_reply *reply) {
  if (reply->err->name != NULL) {
    sd_aws_task_done(t, NULL, reply->err);
    return;
  }
  struct sd_task_call *call = sd_aws_task_call(t);
  const char *job = json_string_value(json_object_get(call->params, "JobName"));
  const char *id = json_string_value(json_object_get(reply->body, "JobRunId"));
  json_t *res = json_object(); /* new */
  json_object_set_new(res, "JobName", json_string(job ? job : ""));
  json_object_set_new(res, "JobRunId", json_string(id ? id : ""));
  json_object_set_new(res, "SdkHttpMetadata", sd_aws_http_metadata(reply->http));
  json_object_set_new(res, "SdkResponseMetadata", json_pack("{s:s}", "RequestId", reply->request_id));
  if (!call->sync) {
    sd_aws_task_done(t, res, NULL);
    return;
  }
  if (id == NULL || job == NULL) {
    json_decref(res);
    struct sd_err err = { 0 };
    sd_err_set(&err, "Glue.AWSGlueException", "StartJobRun answered no JobRunId");
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  struct job_run *jr = sd_xcalloc(1, sizeof *jr);
  jr->aws = sd_aws_task_aws(t);
  jr->job_name = sd_xstrdup(job);
  jr->run_id = sd_xstrdup(id);
  jr->role_arn = call->role_arn ? sd_xstrdup(call->role_arn) : NULL;
  double most;
  poll_bounds(&jr->wait, &most);
  sd_aws_task_set_data(t, jr, job_run_free);
  sd_log(SD_LOG_INFO, "glue: job run %s of %s started", id, job);
  sd_aws_task_submitted(t, res);
  sd_aws_task_after(t, jr->wait, poll);
}

static int start_job_run(struct sd_aws_task *t, struct sd_err *err) {
  struct sd_task_call *call = sd_aws_task_call(t);
  if (!json_is_object(call->params) || !json_is_string(json_object_get(call->params, "JobName")))
    return sd_err_set(err, SD_E_RUNTIME, "glue:startJobRun needs Parameters with a JobName string");
  if (call->wait_for_token)
    return sd_err_set(err, SD_E_RUNTIME, "glue:startJobRun does not support .waitForTaskToken");
  struct sd_aws_request req = { .svc = &glue_svc, .action = "StartJobRun", .params = call->params };
  return sd_aws_task_send(t, &req, on_started, err);
}

/* ---- aws-sdk:glue:<action> ---- */

/* The SDK v2 exception Step Functions names: Glue.<Shape> for a code the
 * model has, else Glue.GlueException; the cause as that SDK words it. */
static void sdk_error(struct sd_aws_reply *reply, struct sd_err *err) {
  const char *type = reply->http ? sd_http_response_header(reply->http, "X-Amzn-ErrorType") : NULL;
  if (type == NULL)
    type = json_string_value(json_object_get(reply->body, "__type"));
  if (reply->status == 0 || type == NULL) {
    sd_err_move(err, reply->err); /* transport failure or no AWS error body: the connector's words */
    return;
  }
  const char *hash = strrchr(type, '#');
  const char *code = hash ? hash + 1 : type;
  size_t n = strcspn(code, ":"); /* X-Amzn-ErrorType may end in ":<url>" */
  const char *shape = "GlueException";
  for (size_t i = 0; glue_errors[i].code != NULL; i++)
    if (strlen(glue_errors[i].code) == n && strncmp(glue_errors[i].code, code, n) == 0)
      shape = glue_errors[i].shape;
  const char *msg = json_string_value(json_object_get(reply->body, "message"));
  if (msg == NULL)
    msg = json_string_value(json_object_get(reply->body, "Message"));
  char *name = sd_asprintf("Glue.%s%s", shape, strstr(shape, "Exception") ? "" : "Exception");
  char *cause = sd_asprintf("%s (Service: Glue, Status Code: %ld, Request ID: %s)", msg ? msg : "",
                            reply->status, reply->request_id);
  sd_err_set_raw(err, name, cause);
  free(name);
  free(cause);
}

static void on_sdk_reply(struct sd_aws_task *t, struct sd_aws_reply *reply) {
  if (reply->err->name != NULL) {
    struct sd_err err = { 0 };
    sdk_error(reply, &err);
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  json_t *res = json_is_object(reply->body) ? json_deep_copy(reply->body) : json_object(); /* new */
  convert_dates(res, true);
  if (sd_aws_task_call(t)->wait_for_token)
    sd_aws_task_submitted(t, res);
  else
    sd_aws_task_done(t, res, NULL);
}

static int sdk_call(struct sd_aws_task *t, struct sd_err *err) {
  struct sd_task_call *call = sd_aws_task_call(t);
  const char *a = call->resource + strlen(SDK_PREFIX);
  size_t n = strcspn(a, ".");
  if (n == 0 || n > 100)
    return sd_err_set(err, SD_E_RUNTIME, "'%s' names no Glue action", call->resource);
  char action[128];
  memcpy(action, a, n);
  action[n] = '\0';
  action[0] = (char)(action[0] >= 'a' && action[0] <= 'z' ? action[0] - 'a' + 'A' : action[0]);
  if (call->params != NULL && !json_is_object(call->params) && !json_is_null(call->params))
    return sd_err_set(err, SD_E_RUNTIME, "The Parameters of %s must be an object", call->resource);
  json_t *params = json_is_object(call->params) ? json_incref(call->params) : json_object(); /* new */
  struct sd_aws_request req = { .svc = &glue_svc, .action = action, .params = params };
  int rc = sd_aws_task_send(t, &req, on_sdk_reply, err);
  json_decref(params);
  return rc;
}

static int glue_start(struct sd_aws_task *t, struct sd_err *err) {
  const char *res = sd_aws_task_call(t)->resource;
  if (strncmp(res, SDK_PREFIX, strlen(SDK_PREFIX)) == 0)
    return sdk_call(t, err);
  return start_job_run(t, err);
}

const struct sd_aws_integration sd_aws_glue = {
  .name = "glue",
  .resources = (const char *const[]){ "arn:aws:states:::glue:startJobRun", SDK_PREFIX "*", NULL },
  .start = glue_start,
};
