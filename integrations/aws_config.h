/* Where AWS calls go and who signs them, read once at start-up as the AWS
 * SDKs read it (docs/connectors.md has the full story):
 *
 * - credentials: the --config file's "credentials", else AWS_ACCESS_KEY_ID /
 *   AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile (the
 *   --config file's "profile", else AWS_PROFILE, else "default") in the
 *   shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 *   ~/.aws/credentials), then in the config file (AWS_CONFIG_FILE, default
 *   ~/.aws/config). None found: requests go unsigned (local emulators).
 * - region: the --config file's "region", AWS_REGION, AWS_DEFAULT_REGION,
 *   the profile's `region`, else the caller's fallback.
 * - endpoint of a service: the --config file's "endpoints"."<key>", then
 *   AWS_ENDPOINT_URL_<ID>, then Step Functions Local's variable
 *   (LAMBDA_ENDPOINT, SNS_ENDPOINT, GLUE_ENDPOINT, ...), then
 *   AWS_ENDPOINT_URL, then the profile's `services` section, then its
 *   `endpoint_url`, else https://<prefix>.<region>.amazonaws.com. As in the
 *   SDKs, <ID> is the model's serviceId upper-cased with spaces turned into
 *   underscores ("Lambda" -> LAMBDA) and <key> the same lower-cased, and
 *   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
 *   ignore_configured_endpoint_urls) skips the SDK's env and profile
 *   settings.
 * - named HTTP connections (for arn:aws:states:::http:invoke): the --config
 *   file's "connections".
 *
 * Plain C over the environment and files: no loop, no network, so the CLI
 * (stepd start) can use it as well as the connectors. Not for: assuming
 * roles (aws_call.h does that on the loop). */
#ifndef SD_INTEGRATIONS_AWS_CONFIG_H
#define SD_INTEGRATIONS_AWS_CONFIG_H

#include <stdint.h>

#include <jansson.h>

struct sd_err;
struct sd_aws_config;

/* An error shape of a service's model: the wire code and the shape's name,
 * which is the Java SDK's exception class Step Functions reports
 * (SNS's code "NotFound" is SNS.NotFoundException). */
struct sd_aws_error {
  const char *code;
  const char *shape;
};

/* An AWS service as its API model names it (service-2.json "metadata"). */
struct sd_aws_service {
  const char *id;            /* serviceId: "Lambda", "SNS", "Glue", "STS", "SFN" */
  const char *prefix;        /* endpointPrefix: "lambda", "sns", "glue", "sts", "states" */
  const char *signing;       /* signingName, for SigV4's scope: usually the prefix */
  const char *sfn_local_env; /* Step Functions Local's endpoint variable ("LAMBDA_ENDPOINT"), or NULL */
  const char *error_prefix;  /* Step Functions' error prefix: "Lambda" for Lambda.ResourceNotFoundException */
  const char *sdk_name;      /* the Java SDK's name in causes: "AWSLambda", "AmazonSNS" */
  int protocol;              /* enum sd_aws_protocol (aws_call.h) */
  const char *json_version;  /* JSON protocols: "1.0" or "1.1" */
  const char *target_prefix; /* JSON protocols: X-Amz-Target's prefix ("AWSGlue") */
  const char *api_version;   /* Query protocol: Version= ("2010-03-31") */
  const struct sd_aws_error *errors; /* the model's error shapes, ending with {NULL}; NULL = trust any code */
  const char *generic_error; /* what the SDK throws for a code it does not model ("AWSLambdaException") */
};

struct sd_aws_creds {
  char *key_id;      /* owned */
  char *secret;      /* owned */
  char *token;       /* owned, NULL without a session token */
  int64_t expire_ms; /* 0 = never (long-term keys) */
};

void sd_aws_creds_clear(struct sd_aws_creds *c);

/* Reads the environment, the shared files and `file` (the parsed --config
 * JSON, borrowed; NULL = none). `fallback_region` is used when nothing
 * names a region. NULL with err (name "InvalidConfig", where = a JSON
 * pointer or file:line) when a file is malformed. */
struct sd_aws_config *sd_aws_config_new(json_t *file, const char *fallback_region, struct sd_err *err);
void sd_aws_config_free(struct sd_aws_config *c);

extern const char SD_AWS_E_CONFIG[]; /* "InvalidConfig" */

/* Borrowed; never NULL. */
const char *sd_aws_config_region(const struct sd_aws_config *c);
/* The default credentials, or NULL when none were found (unsigned). */
const struct sd_aws_creds *sd_aws_config_creds(const struct sd_aws_config *c);
/* Where the credentials, region came from, for a start-up log line. */
const char *sd_aws_config_source(const struct sd_aws_config *c);
/* The base URL for `svc` in `region` (NULL = the config's), without a
 * trailing slash; a new string. */
char *sd_aws_config_endpoint(const struct sd_aws_config *c, const struct sd_aws_service *svc,
                             const char *region);
/* The named HTTP connection for an EventBridge connection ARN or name (the
 * config's "connections" entry; borrowed), or NULL. */
json_t *sd_aws_config_connection(const struct sd_aws_config *c, const char *arn_or_name);

/* An INI file as the AWS tools write ~/.aws/credentials and config:
 * `[section]` headers and `key = value` lines, an indented line under a key
 * with an empty value becoming "parent.sub". One reader for the connectors'
 * credential chain and the server's --credentials (server/auth.c). */
struct sd_aws_ini_entry {
  char *section; /* owned */
  char *key;     /* owned; "parent.sub" for sub-keys */
  char *value;   /* owned */
};
struct sd_aws_ini {
  struct sd_aws_ini_entry *e; /* owned; in file order */
  size_t n, cap;
};
/* Reads `path` into `ini`; a missing file is no error (the SDKs treat it
 * as empty). */
int sd_aws_ini_load(struct sd_aws_ini *ini, const char *path, struct sd_err *err);
void sd_aws_ini_free(struct sd_aws_ini *ini);

#endif
