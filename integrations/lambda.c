/* Lambda: the Invoke API (REST-JSON, POST
 * /2015-03-31/functions/NAME/invocations) behind two kinds of Task:
 *
 * - a function ARN, arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]:
 *   the state's input is the payload and the function's payload is the
 *   result (history: LambdaFunction* events, chosen by states/task.c);
 * - arn:aws:states:::lambda:invoke (and .waitForTaskToken): Parameters
 *   FunctionName, Payload, Qualifier, InvocationType, ClientContext,
 *   LogType; the result is {ExecutedVersion, LogResult, Payload,
 *   SdkHttpMetadata, SdkResponseMetadata, StatusCode}, keys in AWS's order
 *   (conformance: TestTaskServiceLambda.test_invoke).
 *
 * A function error (X-Amz-Function-Error) fails the Task with the
 * payload's errorType (Lambda.Unknown when it has none, as for a timed-out
 * function) and the payload, byte for byte, as the cause
 * (TestTaskLambda.test_raise_exception). Service errors are
 * Lambda.<Exception> (aws_call.h).
 *
 * A full function ARN in FunctionName is sent as NAME plus Qualifier, and
 * its region picks the endpoint's: libcurl 7.88's SigV4 signs the path as
 * sent, while AWS signs ':' encoded twice, so a colon in the path would
 * never verify. Not for: the Payload's 256 KiB limit (the engine's). */
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "integrations/aws_task.h"
#include "integrations/http_client.h"

/* From /work/shared/aws-models/lambda.service-2.json (scripts/aws_errors.py). */
static const struct sd_aws_error lambda_errors[] = {
  { "CodeSigningConfigNotFoundException", "CodeSigningConfigNotFoundException" },
  { "CodeStorageExceededException", "CodeStorageExceededException" },
  { "CodeVerificationFailedException", "CodeVerificationFailedException" },
  { "EC2AccessDeniedException", "EC2AccessDeniedException" },
  { "EC2ThrottledException", "EC2ThrottledException" },
  { "EC2UnexpectedException", "EC2UnexpectedException" },
  { "EFSIOException", "EFSIOException" },
  { "EFSMountConnectivityException", "EFSMountConnectivityException" },
  { "EFSMountFailureException", "EFSMountFailureException" },
  { "EFSMountTimeoutException", "EFSMountTimeoutException" },
  { "ENILimitReachedException", "ENILimitReachedException" },
  { "InvalidCodeSignatureException", "InvalidCodeSignatureException" },
  { "InvalidParameterValueException", "InvalidParameterValueException" },
  { "InvalidRequestContentException", "InvalidRequestContentException" },
  { "InvalidRuntimeException", "InvalidRuntimeException" },
  { "InvalidSecurityGroupIDException", "InvalidSecurityGroupIDException" },
  { "InvalidSubnetIDException", "InvalidSubnetIDException" },
  { "InvalidZipFileException", "InvalidZipFileException" },
  { "KMSAccessDeniedException", "KMSAccessDeniedException" },
  { "KMSDisabledException", "KMSDisabledException" },
  { "KMSInvalidStateException", "KMSInvalidStateException" },
  { "KMSNotFoundException", "KMSNotFoundException" },
  { "PolicyLengthExceededException", "PolicyLengthExceededException" },
  { "PreconditionFailedException", "PreconditionFailedException" },
  { "RecursiveInvocationException", "RecursiveInvocationException" },
  { "RequestTooLargeException", "RequestTooLargeException" },
  { "ResourceConflictException", "ResourceConflictException" },
  { "ResourceInUseException", "ResourceInUseException" },
  { "ResourceNotFoundException", "ResourceNotFoundException" },
  { "ResourceNotReadyException", "ResourceNotReadyException" },
  { "ServiceException", "ServiceException" },
  { "SnapStartException", "SnapStartException" },
  { "SnapStartNotReadyException", "SnapStartNotReadyException" },
  { "SnapStartTimeoutException", "SnapStartTimeoutException" },
  { "SubnetIPAddressLimitReachedException", "SubnetIPAddressLimitReachedException" },
  { "TooManyRequestsException", "TooManyRequestsException" },
  { "UnsupportedMediaTypeException", "UnsupportedMediaTypeException" },
  { NULL, NULL },
};

static const struct sd_aws_service lambda_svc = {
  .id = "Lambda",
  .prefix = "lambda",
  .signing = "lambda",
  .sfn_local_env = "LAMBDA_ENDPOINT",
  .error_prefix = "Lambda",
  .sdk_name = "AWSLambda",
  .protocol = SD_AWS_REST_JSON,
  .errors = lambda_errors,
  .generic_error = "AWSLambdaException",
};

/* What an invocation needs, parsed from the resource or Parameters. */
struct invoke {
  char *name;      /* owned */
  char *qualifier; /* owned or NULL */
  char *region;    /* owned or NULL (the config's) */
  bool optimised;  /* lambda:invoke: the full result shape */
};

static void invoke_free(void *p) {
  struct invoke *iv = p;
  free(iv->name);
  free(iv->qualifier);
  free(iv->region);
  free(iv);
}

/* Splits "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUAL]",
 * "ACCOUNT:function:NAME[:QUAL]", "NAME:QUAL" or "NAME". */
static void split_function(const char *fn, struct invoke *iv) {
  const char *p = strstr(fn, ":function:");
  const char *name = fn;
  if (p != NULL) {
    if (strncmp(fn, "arn:", 4) == 0) {
      const char *r = fn; /* arn:PART:lambda:REGION: */
      for (int i = 0; i < 3 && r != NULL; i++)
        r = strchr(r, ':') ? strchr(r, ':') + 1 : NULL;
      const char *rend = r ? strchr(r, ':') : NULL;
      if (rend != NULL && rend > r)
        iv->region = sd_xstrndup(r, (size_t)(rend - r));
    }
    name = p + strlen(":function:");
  }
  const char *colon = strchr(name, ':');
  iv->name = colon ? sd_xstrndup(name, (size_t)(colon - name)) : sd_xstrdup(name);
  if (colon != NULL && colon[1] != '\0')
    iv->qualifier = sd_xstrdup(colon + 1);
}

/* Lambda's payload as a JSON value: JSON when it parses, else its text. */
static json_t *payload_value(const struct sd_http_response *r) {
  json_t *v = r->body_len ? sd_json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL) : NULL;
  return v ? v : json_stringn(r->body, r->body_len);
}

static void function_error(const struct sd_http_response *r, struct sd_err *err) {
  json_t *p = sd_json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
  const char *type = json_string_value(json_object_get(p, "errorType"));
  sd_err_set_raw(err, type ? type : "Lambda.Unknown", NULL);
  err->cause = sd_xstrndup(r->body, r->body_len);
  json_decref(p);
}

static void on_invoked(struct sd_aws_task *t, struct sd_aws_reply *reply) {
  struct invoke *iv = sd_aws_task_data(t);
  struct sd_task_call *call = sd_aws_task_call(t);
  if (reply->err->name != NULL) {
    sd_aws_task_done(t, NULL, reply->err);
    return;
  }
  const struct sd_http_response *r = reply->http;
  if (sd_http_response_header(r, "X-Amz-Function-Error") != NULL) {
    struct sd_err err = { 0 };
    function_error(r, &err);
    sd_log(SD_LOG_INFO, "lambda (state '%s'): function error %s", call->state_name, err.name);
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  if (!iv->optimised) {
    sd_aws_task_done(t, payload_value(r), NULL);
    return;
  }
  json_t *res = json_object();
  const char *v = sd_http_response_header(r, "X-Amz-Executed-Version");
  if (v != NULL)
    json_object_set_new(res, "ExecutedVersion", json_string(v));
  const char *log = sd_http_response_header(r, "X-Amz-Log-Result");
  if (log != NULL)
    json_object_set_new(res, "LogResult", json_string(log));
  /* An Event or DryRun invocation answers with no payload: AWS shows "". */
  json_object_set_new(res, "Payload", r->body_len ? payload_value(r) : json_string(""));
  json_object_set_new(res, "SdkHttpMetadata", sd_aws_http_metadata(r));
  json_object_set_new(res, "SdkResponseMetadata", json_pack("{s:s}", "RequestId", reply->request_id));
  json_object_set_new(res, "StatusCode", json_integer((json_int_t)r->status));
  if (call->wait_for_token) {
    /* The function got the token; the Task waits for SendTask*. */
    sd_aws_task_submitted(t, res);
    return;
  }
  sd_aws_task_done(t, res, NULL);
}

static int param_string(json_t *params, const char *key, const char **out, struct sd_err *err) {
  json_t *v = json_object_get(params, key);
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_string(v))
    return sd_err_set(err, SD_E_RUNTIME, "The field '%s' of lambda:invoke must be a string", key);
  *out = json_string_value(v);
  return 0;
}

static int lambda_start(struct sd_aws_task *t, struct sd_err *err) {
  struct sd_task_call *call = sd_aws_task_call(t);
  json_t *params = call->params;
  struct invoke *iv = sd_xcalloc(1, sizeof *iv);
  sd_aws_task_set_data(t, iv, invoke_free);
  iv->optimised = strncmp(call->resource, "arn:aws:states:::", 17) == 0;
  const char *fn = NULL, *qual = NULL, *itype = NULL, *ctx = NULL, *logtype = NULL;
  json_t *payload = params;
  if (iv->optimised) {
    if (param_string(params, "FunctionName", &fn, err) != 0 ||
        param_string(params, "Qualifier", &qual, err) != 0 ||
        param_string(params, "InvocationType", &itype, err) != 0 ||
        param_string(params, "ClientContext", &ctx, err) != 0 ||
        param_string(params, "LogType", &logtype, err) != 0)
      return -1;
    if (fn == NULL)
      return sd_err_set(err, SD_E_RUNTIME, "lambda:invoke needs the parameter FunctionName");
    payload = json_object_get(params, "Payload");
  } else {
    fn = call->resource;
  }
  split_function(fn, iv);
  if (qual != NULL) {
    free(iv->qualifier);
    iv->qualifier = sd_xstrdup(qual);
  }
  char *name = sd_aws_uri_encode(iv->name);
  char *path;
  if (iv->qualifier != NULL) {
    char *q = sd_aws_uri_encode(iv->qualifier);
    path = sd_asprintf("/2015-03-31/functions/%s/invocations?Qualifier=%s", name, q);
    free(q);
  } else {
    path = sd_asprintf("/2015-03-31/functions/%s/invocations", name);
  }
  free(name);
  char *h[4] = { NULL };
  size_t nh = 0;
  if (itype != NULL)
    h[nh++] = sd_asprintf("X-Amz-Invocation-Type: %s", itype);
  if (ctx != NULL)
    h[nh++] = sd_asprintf("X-Amz-Client-Context: %s", ctx);
  if (logtype != NULL)
    h[nh++] = sd_asprintf("X-Amz-Log-Type: %s", logtype);
  /* A string Payload is sent as is (it holds JSON text already, as the
   * corpus' test_invoke_json_values shows); anything else as JSON. */
  char *body = NULL;
  size_t blen = 0;
  if (json_is_string(payload)) {
    body = sd_xstrndup(json_string_value(payload), json_string_length(payload));
    blen = json_string_length(payload);
  } else if (payload != NULL) {
    body = sd_jsonw_dumps(payload, &blen);
  }
  struct sd_aws_request req = {
    .svc = &lambda_svc,
    .action = "Invoke",
    .method = "POST",
    .path = path,
    .headers = (const char *const *)h,
    .raw = body ? body : "",
    .raw_len = blen,
    .region = iv->region,
  };
  int rc = sd_aws_task_send(t, &req, on_invoked, err);
  for (size_t i = 0; i < nh; i++)
    free(h[i]);
  free(body);
  free(path);
  return rc;
}

const struct sd_aws_integration sd_aws_lambda = {
  .name = "lambda",
  .resources = (const char *const[]){ "arn:aws:states:::lambda:invoke", "arn:aws:lambda:*", NULL },
  .start = lambda_start,
};
