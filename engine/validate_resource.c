/* Task resources: which ARNs AWS recognises, what EXPRESS machines may call,
 * and, for an ARN AWS refuses, the form it would accept. Recognised:
 *   arn:P:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]   (Lambda function)
 *   arn:P:states:REGION:ACCOUNT:activity:NAME               (activity)
 *   arn:P:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]
 *       for the optimized integrations and the patterns each supports
 *       (AWS Developer Guide, "Integrating optimized services with Step
 *       Functions" and each service's page)
 *   arn:P:states:::aws-sdk:SERVICE:action[.waitForTaskToken]
 *       (AWS SDK integrations: any service and camelCase action; no .sync)
 * An unrecognised resource is AWS's SCHEMA_VALIDATION_FAILED "The resource
 * provided ... is not recognized"; the hint is a separate WARNING so that
 * the ERROR keeps AWS's exact words. Not for: calling anything
 * (integrations/). */
#include "engine/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "engine/validate_impl.h"

enum { P_RR = 1, P_SYNC = 2, P_SYNC2 = 4, P_WAIT = 8 };

struct integration {
  const char *service;
  const char *action;
  unsigned patterns;
};

static const struct integration optimized[] = {
  { "apigateway", "invoke", P_RR | P_WAIT },
  { "athena", "startQueryExecution", P_RR | P_SYNC },
  { "athena", "stopQueryExecution", P_RR },
  { "athena", "getQueryExecution", P_RR },
  { "athena", "getQueryResults", P_RR },
  { "batch", "submitJob", P_RR | P_SYNC },
  { "bedrock", "invokeModel", P_RR },
  { "bedrock", "createModelCustomizationJob", P_RR | P_SYNC },
  { "bedrock", "createModelInvocationJob", P_RR | P_WAIT },
  { "codebuild", "startBuild", P_RR | P_SYNC },
  { "codebuild", "stopBuild", P_RR },
  { "codebuild", "batchDeleteBuilds", P_RR },
  { "codebuild", "batchGetReports", P_RR },
  { "codebuild", "startBuildBatch", P_RR | P_SYNC },
  { "codebuild", "stopBuildBatch", P_RR },
  { "codebuild", "retryBuildBatch", P_RR | P_SYNC },
  { "codebuild", "deleteBuildBatch", P_RR },
  { "databrew", "startJobRun", P_RR | P_SYNC },
  { "dynamodb", "getItem", P_RR },
  { "dynamodb", "putItem", P_RR },
  { "dynamodb", "updateItem", P_RR },
  { "dynamodb", "deleteItem", P_RR },
  { "ecs", "runTask", P_RR | P_SYNC | P_WAIT },
  { "eks", "createCluster", P_RR | P_SYNC },
  { "eks", "deleteCluster", P_RR | P_SYNC },
  { "eks", "createFargateProfile", P_RR | P_SYNC },
  { "eks", "deleteFargateProfile", P_RR | P_SYNC },
  { "eks", "createNodegroup", P_RR | P_SYNC },
  { "eks", "deleteNodegroup", P_RR | P_SYNC },
  { "eks", "runJob", P_RR | P_SYNC | P_WAIT },
  { "eks", "call", P_RR },
  { "elasticmapreduce", "createCluster", P_RR | P_SYNC },
  { "elasticmapreduce", "terminateCluster", P_RR | P_SYNC },
  { "elasticmapreduce", "addStep", P_RR | P_SYNC },
  { "elasticmapreduce", "cancelStep", P_RR },
  { "elasticmapreduce", "setClusterTerminationProtection", P_RR },
  { "elasticmapreduce", "modifyInstanceFleetByName", P_RR },
  { "elasticmapreduce", "modifyInstanceGroupByName", P_RR },
  { "emr-containers", "createVirtualCluster", P_RR },
  { "emr-containers", "deleteVirtualCluster", P_RR | P_SYNC },
  { "emr-containers", "startJobRun", P_RR | P_SYNC },
  { "emr-serverless", "createApplication", P_RR | P_SYNC },
  { "emr-serverless", "startApplication", P_RR | P_SYNC },
  { "emr-serverless", "stopApplication", P_RR | P_SYNC },
  { "emr-serverless", "deleteApplication", P_RR | P_SYNC },
  { "emr-serverless", "startJobRun", P_RR | P_SYNC },
  { "emr-serverless", "cancelJobRun", P_RR | P_SYNC },
  { "events", "putEvents", P_RR | P_WAIT },
  { "glue", "startJobRun", P_RR | P_SYNC },
  { "http", "invoke", P_RR | P_WAIT },
  { "lambda", "invoke", P_RR | P_WAIT },
  { "mediaconvert", "createJob", P_RR | P_SYNC },
  { "sagemaker", "createEndpoint", P_RR },
  { "sagemaker", "createEndpointConfig", P_RR },
  { "sagemaker", "createHyperParameterTuningJob", P_RR | P_SYNC },
  { "sagemaker", "createLabelingJob", P_RR | P_SYNC },
  { "sagemaker", "createModel", P_RR },
  { "sagemaker", "createProcessingJob", P_RR | P_SYNC },
  { "sagemaker", "createTrainingJob", P_RR | P_SYNC },
  { "sagemaker", "createTransformJob", P_RR | P_SYNC },
  { "sagemaker", "updateEndpoint", P_RR },
  { "sns", "publish", P_RR | P_WAIT },
  { "sqs", "sendMessage", P_RR | P_WAIT },
  { "states", "startExecution", P_RR | P_SYNC | P_SYNC2 | P_WAIT },
};

/* Optimized service name -> its AWS SDK integration name, where they differ. */
static const char *const sdk_renames[][2] = {
  { "states", "sfn" },
  { "events", "eventbridge" },
  { "elasticmapreduce", "emr" },
  { "emr-containers", "emrcontainers" },
  { "emr-serverless", "emrserverless" },
};

/* Services a hint may name as "aws-sdk:SERVICE" with confidence. */
static const char *const sdk_services[] = {
  "acm",
  "apigateway",
  "athena",
  "batch",
  "bedrock",
  "bedrockruntime",
  "cloudformation",
  "cloudwatch",
  "cloudwatchlogs",
  "codebuild",
  "codepipeline",
  "comprehend",
  "databrew",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "eks",
  "elasticache",
  "emr",
  "emrcontainers",
  "emrserverless",
  "eventbridge",
  "firehose",
  "glue",
  "iam",
  "kinesis",
  "kms",
  "lambda",
  "mediaconvert",
  "opensearch",
  "rds",
  "redshift",
  "redshiftdata",
  "rekognition",
  "s3",
  "sagemaker",
  "scheduler",
  "secretsmanager",
  "ses",
  "sesv2",
  "sfn",
  "sns",
  "sqs",
  "ssm",
  "sts",
  "textract",
  "translate",
  NULL,
};

/* Required request members of actions people often write as optimized
 * integrations (from the services' API models; PascalCase as Step Functions
 * takes them). */
static const char *const sdk_params[][2] = {
  { "dynamodb:batchGetItem", "RequestItems" },
  { "dynamodb:batchWriteItem", "RequestItems" },
  { "dynamodb:describeTable", "TableName" },
  { "dynamodb:query", "TableName" },
  { "dynamodb:scan", "TableName" },
  { "dynamodb:transactGetItems", "TransactItems" },
  { "dynamodb:transactWriteItems", "TransactItems" },
  { "eventbridge:putRule", "Name" },
  { "eventbridge:putTargets", "Rule, Targets" },
  { "glue:getCrawler", "Name" },
  { "glue:getJobRun", "JobName, RunId" },
  { "glue:startCrawler", "Name" },
  { "glue:startTrigger", "Name" },
  { "glue:startWorkflowRun", "Name" },
  { "glue:stopCrawler", "Name" },
  { "lambda:getFunction", "FunctionName" },
  { "s3:copyObject", "Bucket, CopySource, Key" },
  { "s3:deleteObject", "Bucket, Key" },
  { "s3:getObject", "Bucket, Key" },
  { "s3:headObject", "Bucket, Key" },
  { "s3:listObjects", "Bucket" },
  { "s3:listObjectsV2", "Bucket" },
  { "s3:putObject", "Bucket, Key" },
  { "sfn:describeExecution", "ExecutionArn" },
  { "sfn:sendTaskFailure", "TaskToken" },
  { "sfn:sendTaskHeartbeat", "TaskToken" },
  { "sfn:sendTaskSuccess", "TaskToken, Output" },
  { "sfn:startSyncExecution", "StateMachineArn" },
  { "sfn:stopExecution", "ExecutionArn" },
  { "sns:createTopic", "Name" },
  { "sns:publishBatch", "TopicArn, PublishBatchRequestEntries" },
  { "sns:subscribe", "TopicArn, Protocol" },
  { "sqs:deleteMessage", "QueueUrl, ReceiptHandle" },
  { "sqs:getQueueAttributes", "QueueUrl" },
  { "sqs:getQueueUrl", "QueueName" },
  { "sqs:purgeQueue", "QueueUrl" },
  { "sqs:receiveMessage", "QueueUrl" },
  { "sqs:sendMessageBatch", "QueueUrl, Entries" },
};

enum kind { K_UNKNOWN, K_FUNCTION, K_ACTIVITY, K_OPTIMIZED, K_SDK };

/* An ARN cut at its first five colons; `rest` is everything after. */
struct arn {
  char part[5][64];
  const char *rest;
};

static bool split_arn(const char *s, struct arn *a) {
  for (int i = 0; i < 5; i++) {
    const char *colon = strchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= sizeof a->part[i])
      return false;
    memcpy(a->part[i], s, (size_t)(colon - s));
    a->part[i][colon - s] = '\0';
    s = colon + 1;
  }
  a->rest = s;
  return strcmp(a->part[0], "arn") == 0;
}

/* Whether s[0..n) is non-empty and only alphanumerics or `extra`. */
static bool all_of(const char *s, size_t n, const char *extra) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && (s[i] == '\0' || strchr(extra, s[i]) == NULL))
      return false;
  return true;
}

static bool partition_ok(const char *p) {
  return strcmp(p, "aws") == 0 || (strncmp(p, "aws-", 4) == 0 && all_of(p + 4, strlen(p + 4), "-"));
}

static bool account_ok(const char *a) {
  size_t n = strlen(a);
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)a[i]))
      return false;
  return n == 12;
}

/* "function:NAME[:QUALIFIER]" */
static bool function_ok(const char *rest) {
  if (strncmp(rest, "function:", 9) != 0)
    return false;
  const char *name = rest + 9, *colon = strchr(name, ':');
  size_t n = colon ? (size_t)(colon - name) : strlen(name);
  if (n > 64 || !all_of(name, n, "-_"))
    return false;
  return colon == NULL || (strlen(colon + 1) <= 128 && all_of(colon + 1, strlen(colon + 1), "-_$"));
}

/* Cuts "SERVICE:rest" at its first colon. */
static bool cut_service(const char *s, char *service, size_t size, const char **rest) {
  const char *colon = strchr(s, ':');
  if (colon == NULL || colon == s || (size_t)(colon - s) >= size)
    return false;
  memcpy(service, s, (size_t)(colon - s));
  service[colon - s] = '\0';
  *rest = colon + 1;
  return true;
}

/* Cuts "ACTION.suffix" into action (copied) and suffix (pointing into s). */
static bool cut_action(const char *s, char *action, size_t size, const char **suffix) {
  const char *dot = strchr(s, '.');
  size_t n = dot ? (size_t)(dot - s) : strlen(s);
  if (n == 0 || n >= size)
    return false;
  memcpy(action, s, n);
  action[n] = '\0';
  *suffix = dot ? dot : "";
  return true;
}

/* The integration pattern a suffix asks for, or 0 for none AWS knows. */
static unsigned suffix_pattern(const char *suffix) {
  if (suffix[0] == '\0')
    return P_RR;
  if (strcmp(suffix, ".sync") == 0)
    return P_SYNC;
  if (strcmp(suffix, ".sync:2") == 0)
    return P_SYNC2;
  if (strcmp(suffix, ".waitForTaskToken") == 0)
    return P_WAIT;
  return 0;
}

static const struct integration *find_optimized(const char *service, const char *action) {
  for (size_t i = 0; i < sizeof optimized / sizeof optimized[0]; i++)
    if (strcmp(optimized[i].service, service) == 0 && strcmp(optimized[i].action, action) == 0)
      return &optimized[i];
  return NULL;
}

static const char *sdk_name(const char *service) {
  for (size_t i = 0; i < sizeof sdk_renames / sizeof sdk_renames[0]; i++)
    if (strcmp(sdk_renames[i][0], service) == 0)
      return sdk_renames[i][1];
  for (size_t i = 0; sdk_services[i] != NULL; i++)
    if (strcmp(sdk_services[i], service) == 0)
      return service;
  return NULL;
}

/* Classifies `res`; *pat is the pattern its suffix asks for. */
static enum kind classify(const char *res, struct arn *a, unsigned *pat) {
  *pat = P_RR;
  if (!split_arn(res, a) || !partition_ok(a->part[1]))
    return K_UNKNOWN;
  const char *service = a->part[2], *region = a->part[3], *account = a->part[4];
  bool located = all_of(region, strlen(region), "-_") && account_ok(account);
  if (strcmp(service, "lambda") == 0)
    return located && function_ok(a->rest) ? K_FUNCTION : K_UNKNOWN;
  if (strcmp(service, "states") != 0)
    return K_UNKNOWN;
  if (located && strncmp(a->rest, "activity:", 9) == 0 && a->rest[9] != '\0' &&
      strchr(a->rest + 9, ':') == NULL)
    return K_ACTIVITY;
  if (region[0] != '\0' || account[0] != '\0')
    return K_UNKNOWN;
  char svc[64], action[128];
  const char *after, *suffix;
  if (!cut_service(a->rest, svc, sizeof svc, &after))
    return K_UNKNOWN;
  if (strcmp(svc, "aws-sdk") == 0) {
    char sdk[64];
    const char *rest2;
    if (!cut_service(after, sdk, sizeof sdk, &rest2) || !all_of(sdk, strlen(sdk), "-.") ||
        !cut_action(rest2, action, sizeof action, &suffix))
      return K_UNKNOWN;
    *pat = suffix_pattern(suffix);
    /* SDK actions are camelCase; .sync is not offered for them. */
    bool ok =
        islower((unsigned char)action[0]) && all_of(action, strlen(action), "") && (*pat & (P_RR | P_WAIT));
    return ok ? K_SDK : K_UNKNOWN;
  }
  if (!cut_action(after, action, sizeof action, &suffix))
    return K_UNKNOWN;
  *pat = suffix_pattern(suffix);
  const struct integration *opt = find_optimized(svc, action);
  return opt != NULL && (opt->patterns & *pat) ? K_OPTIMIZED : K_UNKNOWN;
}

static void describe_patterns(struct sd_buf *b, unsigned p) {
  static const char *const names[] = { "request-response (no suffix)", "'.sync'", "'.sync:2'",
                                       "'.waitForTaskToken'" };
  bool first = true;
  for (int i = 0; i < 4; i++)
    if (p & (1u << i)) {
      sd_buf_printf(b, "%s%s", first ? "" : ", ", names[i]);
      first = false;
    }
}

static void hint_sdk(struct sd_vd_ctx *c, const char *partition, const char *rest) {
  char service[64], action[128];
  const char *after, *suffix;
  if (!cut_service(rest, service, sizeof service, &after) ||
      !cut_action(after, action, sizeof action, &suffix))
    return;
  if (suffix_pattern(suffix) & (P_SYNC | P_SYNC2)) {
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource", "AWS SDK integrations do not support '%s'", suffix);
  } else if (isupper((unsigned char)action[0])) {
    action[0] = (char)tolower((unsigned char)action[0]);
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource",
                  "AWS SDK actions are camelCase: 'arn:%s:states:::aws-sdk:%s:%s%s'", partition, service,
                  action, suffix);
  }
}

/* The hint for an unrecognised arn:P:states:::SERVICE:ACTION[.suffix]. */
static void hint_states(struct sd_vd_ctx *c, const char *partition, const char *rest) {
  char service[64], action[128];
  const char *after, *suffix;
  if (strncmp(rest, "aws-sdk:", 8) == 0) {
    hint_sdk(c, partition, rest + 8);
    return;
  }
  if (!cut_service(rest, service, sizeof service, &after) ||
      !cut_action(after, action, sizeof action, &suffix))
    return;
  const struct integration *opt = find_optimized(service, action);
  const char *sdk = sdk_name(service);
  struct sd_buf b = { 0 };
  if (opt != NULL) {
    describe_patterns(&b, opt->patterns);
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource", "'%s:%s' supports %s", service, action, b.data);
  } else if (sdk != NULL) {
    action[0] = (char)tolower((unsigned char)action[0]);
    sd_buf_printf(&b, "%s:%s", sdk, action);
    const char *params = NULL;
    for (size_t i = 0; i < sizeof sdk_params / sizeof sdk_params[0]; i++)
      if (strcmp(sdk_params[i][0], b.data) == 0)
        params = sdk_params[i][1];
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource",
                  "'%s:%s' is not an optimized integration; AWS accepts the AWS SDK integration "
                  "'arn:%s:states:::aws-sdk:%s%s'%s%s%s",
                  service, action, partition, b.data,
                  suffix_pattern(suffix) == P_WAIT ? ".waitForTaskToken" : "",
                  params ? " (its parameters: " : "", params ? params : "", params ? ")" : "");
  }
  sd_buf_free(&b);
}

static void unknown_hint(struct sd_vd_ctx *c, const char *res, const struct arn *a) {
  bool arn = strncmp(res, "arn:", 4) == 0;
  if (arn && a->part[1][0] != '\0' && !partition_ok(a->part[1])) {
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource",
                  "'%s' is not an AWS partition (aws, aws-cn, aws-us-gov, ...)", a->part[1]);
  } else if (arn && strcmp(a->part[2], "lambda") == 0) {
    sd_vd_warn_at(
        c, SD_VD_RESOURCE_HINT, "Resource",
        "A Lambda function ARN has the form arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]");
  } else if (!arn || a->rest == NULL) {
    sd_vd_warn_at(
        c, SD_VD_RESOURCE_HINT, "Resource",
        "A Resource is an ARN: 'arn:aws:states:::lambda:invoke' (with Parameters.FunctionName), a Lambda "
        "function ARN, an activity ARN or 'arn:aws:states:::SERVICE:ACTION'");
  } else if (strcmp(a->part[2], "states") == 0 && strncmp(a->rest, "activity", 8) == 0) {
    sd_vd_warn_at(c, SD_VD_RESOURCE_HINT, "Resource",
                  "An activity ARN has the form arn:aws:states:REGION:ACCOUNT:activity:NAME");
  } else if (strcmp(a->part[2], "states") == 0 && a->part[3][0] == '\0' && a->part[4][0] == '\0') {
    hint_states(c, a->part[1], a->rest);
  }
}

static void not_recognized(struct sd_vd_ctx *c, const char *field, const char *res) {
  /* AWS's words, recorded in the conformance corpus (dynamodb:query). */
  sd_vd_err_at(
      c, field,
      "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource "
      "is not available in this region.",
      res);
}

void sd_vd_resource(struct sd_vd_ctx *c, const char *res) {
  struct arn a = { 0 };
  unsigned pat;
  enum kind k = classify(res, &a, &pat);
  if (k == K_UNKNOWN) {
    not_recognized(c, "Resource", res);
    unknown_hint(c, res, &a);
    return;
  }
  /* EXPRESS machines: request-response only, no activities (AWS's words,
   * trailing space included). */
  if (c->express && k == K_ACTIVITY) {
    sd_vd_err_at(c, "Resource", "Express state machine does not support Activity ARN");
    return;
  }
  if (c->express && (pat & (P_SYNC | P_SYNC2 | P_WAIT))) {
    sd_vd_err_at(c, "Resource", "Express state machine does not support '%s' service integration ",
                 pat == P_WAIT    ? ".waitForTaskToken"
                 : pat == P_SYNC2 ? ".sync:2"
                                  : ".sync");
    return;
  }
  const struct sd_validate_opts *o = c->opts;
  if (o != NULL && o->served != NULL && !o->served(res, o->served_data))
    sd_vd_warn_at(
        c, SD_VD_NOT_SERVED, "Resource",
        "No connector of this stepd build serves '%s': the Task fails at run time unless a mock serves it",
        res);
}

void sd_vd_io_resource(struct sd_vd_ctx *c, const char *field, const char *res, bool writer) {
  struct arn a = { 0 };
  bool ok = split_arn(res, &a) && partition_ok(a.part[1]) && strcmp(a.part[2], "states") == 0 &&
            a.part[3][0] == '\0' && a.part[4][0] == '\0' &&
            (writer ? strcmp(a.rest, "s3:putObject") == 0
                    : strcmp(a.rest, "s3:getObject") == 0 || strcmp(a.rest, "s3:listObjectsV2") == 0);
  if (!ok)
    not_recognized(c, field, res);
}
