/* An asynchronous HTTP client on the engine's libuv loop: libcurl's multi
 * interface driven by the loop (curl's socket callback puts a uv_poll_t on
 * each socket, its timer callback arms one uv_timer_t), as in curl's
 * docs/examples/multi-uv.c. One client per process; every connector shares
 * it, so connections (and TLS sessions) are reused across Task calls.
 *
 * No thread per request and no connection cap: curl's defaults (no limit
 * per host, no total limit) are kept, so a Map of 1,000 Task calls has
 * 1,000 requests on the wire at once (bench/README.md).
 *
 * Contract (libuv's): sd_http_client_send either fails and never calls
 * `done`, or returns a call and calls `done` exactly once, later, never from
 * inside send, unless sd_http_call_cancel ran first. Everything runs on the
 * loop thread. Not for: AWS signing names, protocols or errors (aws_call.h),
 * which build on this. */
#ifndef SD_INTEGRATIONS_HTTP_CLIENT_H
#define SD_INTEGRATIONS_HTTP_CLIENT_H

#include <stddef.h>

#include <uv.h>

struct sd_err;
struct sd_http_client;
struct sd_http_call;

/* What a response may hold before the transfer is stopped as failed
 * (status 0, `error` saying which): far above anything a state can use
 * (256 KiB), below what would hurt the process. */
#define SD_HTTP_BODY_MAX    (16 << 20)
#define SD_HTTP_HEADERS_MAX (256 << 10)

struct sd_http_request {
  const char *method;         /* "GET", "POST", ...; NULL = POST with a body, GET without */
  const char *url;            /* absolute http:// or https:// URL */
  const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
  const char *body;           /* copied by send; may be NULL */
  size_t body_len;
  double timeout_s;   /* the whole exchange, connection included; 0 = none */
  const char *sigv4;  /* CURLOPT_AWS_SIGV4 ("aws:amz:REGION:SERVICE") or NULL for no signing */
  const char *user;   /* SigV4 access key id, or basic auth user; NULL = none */
  const char *secret; /* SigV4 secret key, or basic auth password */
};

struct sd_http_header {
  const char *name; /* as the server spelt it */
  const char *value;
};

/* What `done` gets; valid for the callback's duration only. */
struct sd_http_response {
  long status;             /* HTTP status; 0 when the exchange failed */
  const char *status_text; /* the status line's reason phrase ("OK"); "" if none */
  const char *body;        /* NUL-terminated, never NULL */
  size_t body_len;
  const struct sd_http_header *headers; /* in the order received (last response only) */
  size_t nheaders;
  int curl_code;     /* CURLcode; 0 = a response arrived */
  const char *error; /* curl's text for the failure, or NULL */
  int timed_out;     /* the request's timeout_s elapsed */
  double seconds;    /* from send to the end */
};

typedef void (*sd_http_done_fn)(void *data, const struct sd_http_response *resp);

/* A client on `loop` (borrowed; must outlive the client's close). */
struct sd_http_client *sd_http_client_new(uv_loop_t *loop);
/* Drops the calls in flight without calling them back and closes the
 * handles; the memory goes in their close callbacks, so the caller runs the
 * loop once more (as `stepd run` does after sd_engine_free). NULL is fine. */
void sd_http_client_free(struct sd_http_client *c);

/* Starts a request; NULL with err set (States.Runtime) when curl refuses it
 * (a malformed URL, say). */
struct sd_http_call *sd_http_client_send(struct sd_http_client *c, const struct sd_http_request *req,
                                         sd_http_done_fn done, void *data, struct sd_err *err);
/* Stops a call in flight; `done` is never called for it. */
void sd_http_call_cancel(struct sd_http_call *call);
/* Calls in flight (tests, logs). */
size_t sd_http_client_inflight(const struct sd_http_client *c);

/* The first header named `name` (ASCII case-insensitive), or NULL. */
const char *sd_http_response_header(const struct sd_http_response *r, const char *name);

#endif
