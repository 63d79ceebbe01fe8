/* SNS: arn:aws:states:::sns:publish (and .waitForTaskToken) over the Query
 * protocol. Parameters are Publish's (TopicArn, TargetArn, PhoneNumber,
 * Message, Subject, MessageStructure, MessageAttributes,
 * MessageDeduplicationId, MessageGroupId); a Message that is not a string
 * is sent as its JSON text, as Step Functions does. The result is
 * {MessageId, SequenceNumber, SdkHttpMetadata, SdkResponseMetadata}
 * (conformance: TestTaskServiceSns.test_publish_base) and errors are
 * SNS.<Exception> (TestTaskServiceSns.test_publish_base_error_topic_arn:
 * SNS.NotFoundException). */
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/jsonw.h"
#include "integrations/aws_task.h"

/* From /work/shared/aws-models/sns.service-2.json (scripts/aws_errors.py). */
static const struct sd_aws_error sns_errors[] = {
  { "AuthorizationError", "AuthorizationErrorException" },
  { "BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinctException" },
  { "BatchRequestTooLong", "BatchRequestTooLongException" },
  { "ConcurrentAccess", "ConcurrentAccessException" },
  { "EmptyBatchRequest", "EmptyBatchRequestException" },
  { "EndpointDisabled", "EndpointDisabledException" },
  { "FilterPolicyLimitExceeded", "FilterPolicyLimitExceededException" },
  { "InternalError", "InternalErrorException" },
  { "InvalidBatchEntryId", "InvalidBatchEntryIdException" },
  { "InvalidParameter", "InvalidParameterException" },
  { "ParameterValueInvalid", "InvalidParameterValueException" },
  { "InvalidSecurity", "InvalidSecurityException" },
  { "InvalidState", "InvalidStateException" },
  { "KMSAccessDenied", "KMSAccessDeniedException" },
  { "KMSDisabled", "KMSDisabledException" },
  { "KMSInvalidState", "KMSInvalidStateException" },
  { "KMSNotFound", "KMSNotFoundException" },
  { "KMSOptInRequired", "KMSOptInRequired" },
  { "KMSThrottling", "KMSThrottlingException" },
  { "NotFound", "NotFoundException" },
  { "OptedOut", "OptedOutException" },
  { "PlatformApplicationDisabled", "PlatformApplicationDisabledException" },
  { "ReplayLimitExceeded", "ReplayLimitExceededException" },
  { "ResourceNotFound", "ResourceNotFoundException" },
  { "StaleTag", "StaleTagException" },
  { "SubscriptionLimitExceeded", "SubscriptionLimitExceededException" },
  { "TagLimitExceeded", "TagLimitExceededException" },
  { "TagPolicy", "TagPolicyException" },
  { "Throttled", "ThrottledException" },
  { "TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequestException" },
  { "TopicLimitExceeded", "TopicLimitExceededException" },
  { "UserError", "UserErrorException" },
  { "ValidationException", "ValidationException" },
  { "VerificationException", "VerificationException" },
  { NULL, NULL },
};

static const struct sd_aws_service sns_svc = {
  .id = "SNS",
  .prefix = "sns",
  .signing = "sns",
  .sfn_local_env = "SNS_ENDPOINT",
  .error_prefix = "SNS",
  .sdk_name = "AmazonSNS",
  .protocol = SD_AWS_QUERY,
  .api_version = "2010-03-31",
  .errors = sns_errors,
  .generic_error = "AmazonSNSException",
};

static void on_published(struct sd_aws_task *t, struct sd_aws_reply *reply) {
  if (reply->err->name != NULL) {
    sd_aws_task_done(t, NULL, reply->err);
    return;
  }
  json_t *res = json_object();
  json_t *id = json_object_get(reply->body, "MessageId");
  json_t *seq = json_object_get(reply->body, "SequenceNumber");
  if (json_is_string(id))
    json_object_set(res, "MessageId", id);
  if (json_is_string(seq))
    json_object_set(res, "SequenceNumber", seq);
  json_object_set_new(res, "SdkHttpMetadata", sd_aws_http_metadata(reply->http));
  json_object_set_new(res, "SdkResponseMetadata", json_pack("{s:s}", "RequestId", reply->request_id));
  if (sd_aws_task_call(t)->wait_for_token) {
    sd_aws_task_submitted(t, res);
    return;
  }
  sd_aws_task_done(t, res, NULL);
}

/* MessageAttributes {"name": {"DataType": ..., "StringValue": ...}} as
 * Query entries MessageAttributes.entry.N.Name / .Value.<Field>. */
static int flatten_attributes(json_t *attrs, json_t *form, struct sd_err *err) {
  if (!json_is_object(attrs))
    return sd_err_set(err, SD_E_RUNTIME, "MessageAttributes must be an object");
  const char *name;
  json_t *v;
  int n = 0;
  json_object_foreach(attrs, name, v) {
    n++;
    if (!json_is_object(v))
      return sd_err_set(err, SD_E_RUNTIME, "The message attribute '%s' must be an object", name);
    char *k = sd_asprintf("MessageAttributes.entry.%d.Name", n);
    json_object_set_new(form, k, json_string(name));
    free(k);
    const char *field;
    json_t *fv;
    json_object_foreach(v, field, fv) {
      k = sd_asprintf("MessageAttributes.entry.%d.Value.%s", n, field);
      json_object_set(form, k, fv);
      free(k);
    }
  }
  return 0;
}

static int sns_start(struct sd_aws_task *t, struct sd_err *err) {
  json_t *params = sd_aws_task_call(t)->params;
  if (!json_is_object(params))
    return sd_err_set(err, SD_E_RUNTIME, "sns:publish needs Parameters");
  json_t *form = json_object();
  const char *k;
  json_t *v;
  int rc = 0;
  json_object_foreach(params, k, v) {
    if (strcmp(k, "MessageAttributes") == 0) {
      rc = flatten_attributes(v, form, err);
    } else if (strcmp(k, "Message") == 0 && !json_is_string(v)) {
      char *text = sd_jsonw_dumps(v, NULL);
      json_object_set_new(form, k, json_string(text));
      free(text);
    } else if (json_is_object(v) || json_is_array(v)) {
      rc = sd_err_set(err, SD_E_RUNTIME, "The field '%s' of sns:publish must be a string", k);
    } else {
      json_object_set(form, k, v);
    }
    if (rc != 0)
      break;
  }
  if (rc == 0) {
    struct sd_aws_request req = { .svc = &sns_svc, .action = "Publish", .params = form };
    rc = sd_aws_task_send(t, &req, on_published, err);
  }
  json_decref(form);
  return rc;
}

const struct sd_aws_integration sd_aws_sns = {
  .name = "sns",
  .resources = (const char *const[]){ "arn:aws:states:::sns:publish", NULL },
  .start = sns_start,
};
