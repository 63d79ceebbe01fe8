/* One AWS API call over the loop's HTTP client: the request is built for
 * the service's protocol, signed with SigV4 (libcurl's CURLOPT_AWS_SIGV4)
 * with the default credentials or a role's, and the response is parsed
 * and, on failure, named as Step Functions names it:
 *
 * - a service error becomes "<error_prefix>.<Shape>" where Shape is the
 *   model's error shape for the wire code (SNS's "NotFound" ->
 *   SNS.NotFoundException), or the SDK's generic exception for a code the
 *   model lacks (Lambda.AWSLambdaException); the cause is the Java SDK's
 *   message, "<message> (Service: AWSLambda; Status Code: 404; Error Code:
 *   ResourceNotFoundException; Request ID: <id>; Proxy: null)", as in the
 *   conformance corpus (TestTaskServiceLambda.test_no_such_function).
 * - a transport failure (refused, reset, DNS, TLS) becomes
 *   "<error_prefix>.SdkClientException", cause "Unable to execute HTTP
 *   request: <curl's reason>", as the Java SDK Step Functions uses does.
 *
 * Protocols: JSON 1.0/1.1 (POST /, X-Amz-Target: <target_prefix>.<Action>),
 * REST-JSON (the caller gives method, path and body; Lambda), and Query
 * (form-encoded Action=...&Version=..., XML answers; SNS, STS).
 *
 * Roles: a request naming `role_arn` is signed with that role's temporary
 * credentials, got through STS AssumeRole (signed with the default
 * credentials) and cached until five minutes before they expire; calls
 * that need the same role meanwhile wait for the one AssumeRole in flight.
 * A failed AssumeRole fails the call with STS's error name and cause.
 *
 * Contract as http_client.h's: start fails without calling back, or calls
 * back exactly once later, unless cancelled. Not for: Task semantics
 * (aws_task.h) or any service's shapes (lambda.c, sns.c, ...). */
#ifndef SD_INTEGRATIONS_AWS_CALL_H
#define SD_INTEGRATIONS_AWS_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "integrations/aws_config.h"

struct sd_err;
struct sd_aws;
struct sd_aws_call;
struct sd_http_response;

enum sd_aws_protocol { SD_AWS_JSON, SD_AWS_REST_JSON, SD_AWS_QUERY };

/* The services this build calls; the STS one signs AssumeRole. */
extern const struct sd_aws_service sd_aws_sts;

/* A context on `loop` over `cfg` (stolen: freed with the context). */
struct sd_aws *sd_aws_new(uv_loop_t *loop, struct sd_aws_config *cfg);
/* Drops calls in flight without callbacks; run the loop afterwards so the
 * HTTP client's handles close. NULL is fine. */
void sd_aws_free(struct sd_aws *aws);
const struct sd_aws_config *sd_aws_config(const struct sd_aws *aws);
uv_loop_t *sd_aws_loop(const struct sd_aws *aws);
/* The HTTP client the calls share (for integrations that speak plain HTTP). */
struct sd_http_client *sd_aws_http(const struct sd_aws *aws);

struct sd_aws_request {
  const struct sd_aws_service *svc;
  const char *action;         /* the API action: "Invoke", "Publish"; logs, X-Amz-Target, Query's Action */
  const char *method;         /* REST-JSON: "POST", "GET", ...; others POST */
  const char *path;           /* REST-JSON: URL-encoded path and query ("/2015-03-31/..."); others "/" */
  const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
  json_t *params;             /* JSON: the body object; Query: flat {"Key.member.1": "v"} of strings
                                 (numbers and booleans are written as JSON writes them); borrowed */
  const char *raw;            /* REST-JSON: the body bytes (params ignored); may be NULL */
  size_t raw_len;
  double timeout_s;     /* 0 = none */
  const char *region;   /* NULL = the config's */
  const char *role_arn; /* NULL = the default credentials */
  const char *label;    /* what the logs name the call after ("state 'Fetch'"); may be NULL */
  int retry;            /* the state's retry count, for the logs */
};

struct sd_aws_reply {
  const struct sd_http_response *http; /* NULL when no exchange happened (AssumeRole failed) */
  long status;                         /* HTTP status, 0 on transport failure */
  /* JSON protocols: `body` holds the error document on a service error too
   * (SDK integrations name errors from it, glue.c). */
  json_t *body;           /* JSON protocols: the parsed body; Query: the XML as JSON (see sd_aws_xml_parse),
                             rooted at the <ActionResult> element when there is one; NULL if unparseable.
                             Borrowed for the callback; take a reference to keep it */
  const char *request_id; /* x-amzn-RequestId or the Query's RequestId; "" if none */
  struct sd_err *err;     /* set (err->name != NULL) on failure; the callback may move it out */
};

typedef void (*sd_aws_done_fn)(void *data, struct sd_aws_reply *reply);

struct sd_aws_call *sd_aws_call_start(struct sd_aws *aws, const struct sd_aws_request *req,
                                      sd_aws_done_fn done, void *data, struct sd_err *err);
void sd_aws_call_cancel(struct sd_aws_call *call);

/* ---- pieces exposed for connectors and tests ---- */

/* The Step Functions error for a service error: `code` as on the wire,
 * `message` may be NULL. Sets err; returns -1. */
int sd_aws_service_error(const struct sd_aws_service *svc, const char *code, const char *message, long status,
                         const char *request_id, struct sd_err *err);

/* SdkHttpMetadata as the optimised integrations return it: AllHttpHeaders
 * (each header as a one-element list), HttpHeaders and HttpStatusCode. New
 * reference. */
json_t *sd_aws_http_metadata(const struct sd_http_response *r);

/* Parses XML into JSON: an element with children becomes an object of its
 * children (repeated names, and the Query protocol's <member> lists, become
 * arrays), a leaf becomes its text. Attributes are dropped. New reference,
 * or NULL for malformed XML. */
json_t *sd_aws_xml_parse(const char *text, size_t len);

/* Appends `key=value` to a form body, percent-encoded as SigV4 wants
 * (RFC 3986 unreserved characters kept). */
struct sd_buf;
void sd_aws_form_add(struct sd_buf *b, const char *key, const char *value);
/* Percent-encodes one URL path segment or query value (new string). */
char *sd_aws_uri_encode(const char *s);

#endif
