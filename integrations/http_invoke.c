/* HTTP Task: arn:aws:states:::http:invoke
 * (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html).
 * Parameters: ApiEndpoint, Method, Authentication.ConnectionArn, Headers,
 * QueryParameters, RequestBody, Transform {RequestBodyEncoding: NONE |
 * URL_ENCODED, RequestEncodingOptions.ArrayFormat: INDICES (default) |
 * REPEAT | COMMAS | BRACKETS}. The connection's credentials come from the
 * --config file's "connections" (aws_config.h) in place of EventBridge:
 * API_KEY (a header) or BASIC; its headers, queryParameters and
 * bodyParameters are added to every request.
 *
 * The result is {Headers, ResponseBody, StatusCode, StatusText}, the body
 * parsed when the answer says it is JSON. A status outside 2xx fails with
 * States.Http.StatusCode.<code>, the cause being that object as JSON text;
 * a request that gets no answer (refused, reset, the 60 s AWS allows) fails
 * with States.Http.Socket. As AWS does, requests carry a Range of the first
 * 256 KiB and a User-Agent naming Step Functions, and headers AWS reserves
 * (Authorization, Host, x-amz-*, ...) are refused. Not for: OAuth client
 * credentials connections, which are refused with a clear error for now. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "integrations/aws_task.h"
#include "integrations/http_client.h"

/* AWS's limit on an HTTP Task's request, and the slice of the answer kept. */
#define HTTP_TIMEOUT_S 60
#define HTTP_RANGE     "Range: bytes=0-262144"

static bool reserved_header(const char *name) {
  static const char *const names[] = {
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
    NULL,
  };
  if (strncasecmp(name, "x-amz", 5) == 0 || strncasecmp(name, "x-forwarded-", 12) == 0)
    return true;
  for (size_t i = 0; names[i] != NULL; i++)
    if (strcasecmp(name, names[i]) == 0)
      return true;
  return false;
}

/* A scalar as text (new string); NULL for objects and arrays. */
static char *scalar_text(json_t *v) {
  if (json_is_string(v))
    return sd_xstrdup(json_string_value(v));
  if (json_is_object(v) || json_is_array(v))
    return NULL;
  return sd_jsonw_dumps(v, NULL);
}

/* Appends key=value, percent-encoded, to a query string or form body. */
static void add_pair(struct sd_buf *b, const char *key, json_t *v) {
  char *text = scalar_text(v);
  sd_aws_form_add(b, key, text ? text : "");
  free(text);
}

/* A URL_ENCODED body: nested objects as a[b]=v, arrays by `format`. */
static void form_value(struct sd_buf *b, const char *key, json_t *v, const char *format) {
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      char *sub = sd_asprintf("%s[%s]", key, k);
      form_value(b, sub, x, format);
      free(sub);
    }
    return;
  }
  if (!json_is_array(v)) {
    add_pair(b, key, v);
    return;
  }
  size_t i;
  json_t *x;
  if (strcmp(format, "COMMAS") == 0) {
    struct sd_buf joined = { 0 };
    json_array_foreach(v, i, x) {
      char *text = scalar_text(x);
      if (i > 0)
        sd_buf_putc(&joined, ',');
      sd_buf_puts(&joined, text ? text : "");
      free(text);
    }
    json_t *s = json_string(joined.data ? joined.data : "");
    add_pair(b, key, s);
    json_decref(s);
    sd_buf_free(&joined);
    return;
  }
  json_array_foreach(v, i, x) {
    char *sub = strcmp(format, "REPEAT") == 0     ? sd_xstrdup(key)
                : strcmp(format, "BRACKETS") == 0 ? sd_asprintf("%s[]", key)
                                                  : sd_asprintf("%s[%zu]", key, i);
    form_value(b, sub, x, format);
    free(sub);
  }
}

static const char *str_field(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* Everything the request needs, owned until it is sent. */
struct build {
  char **headers; /* "Name: value", NULL-terminated */
  size_t nheaders;
  struct sd_buf url, body;
  bool has_body, has_type;
  const char *user, *secret; /* BASIC; borrowed from the config */
};

static void build_free(struct build *b) {
  for (size_t i = 0; i < b->nheaders; i++)
    free(b->headers[i]);
  free(b->headers);
  sd_buf_free(&b->url);
  sd_buf_free(&b->body);
}

static void header_add(struct build *b, char *line /* stolen */) {
  b->headers = sd_xrealloc(b->headers, (b->nheaders + 2) * sizeof *b->headers);
  b->headers[b->nheaders++] = line;
  b->headers[b->nheaders] = NULL;
  if (strncasecmp(line, "Content-Type:", 13) == 0)
    b->has_type = true;
}

static int add_headers(struct build *b, json_t *hs, bool check, struct sd_err *err) {
  if (hs != NULL && !json_is_object(hs))
    return sd_err_set(err, SD_E_RUNTIME, "The field 'Headers' of http:invoke must be an object");
  const char *k;
  json_t *v;
  json_object_foreach(hs, k, v) {
    if (check && reserved_header(k))
      return sd_err_set(err, SD_E_RUNTIME, "The header '%s' cannot be set in an HTTP Task", k);
    char *text = scalar_text(v);
    if (text == NULL)
      return sd_err_set(err, SD_E_RUNTIME, "The header '%s' must be a string, number or boolean", k);
    header_add(b, sd_asprintf("%s: %s", k, text));
    free(text);
  }
  return 0;
}

static int add_query(struct build *b, json_t *q, struct sd_err *err) {
  if (q != NULL && !json_is_object(q))
    return sd_err_set(err, SD_E_RUNTIME, "The field 'QueryParameters' of http:invoke must be an object");
  const char *k;
  json_t *v;
  struct sd_buf qs = { 0 };
  json_object_foreach(q, k, v) {
    size_t i;
    json_t *x;
    if (json_is_array(v)) {
      json_array_foreach(v, i, x) add_pair(&qs, k, x);
    } else {
      add_pair(&qs, k, v);
    }
  }
  if (qs.len > 0) {
    sd_buf_putc(&b->url, strchr(b->url.data, '?') ? '&' : '?');
    sd_buf_add(&b->url, qs.data, qs.len);
  }
  sd_buf_free(&qs);
  return 0;
}

/* The body: the connection's bodyParameters merged into an object body,
 * then JSON, a raw string, or a form. */
static int add_body(struct build *b, json_t *params, json_t *conn, struct sd_err *err) {
  json_t *body = json_object_get(params, "RequestBody");
  json_t *extra = json_object_get(conn, "bodyParameters");
  json_t *merged = NULL; /* new, when merging */
  if (json_is_object(extra) && json_object_size(extra) > 0) {
    if (body != NULL && !json_is_object(body))
      return sd_err_set(err, SD_E_RUNTIME, "The connection's bodyParameters need an object RequestBody");
    merged = body ? json_deep_copy(body) : json_object();
    json_object_update(merged, extra);
    body = merged;
  }
  if (body == NULL)
    return 0;
  json_t *tr = json_object_get(params, "Transform");
  const char *enc = str_field(tr, "RequestBodyEncoding");
  const char *fmt = str_field(json_object_get(tr, "RequestEncodingOptions"), "ArrayFormat");
  b->has_body = true;
  int rc = 0;
  if (enc != NULL && strcmp(enc, "URL_ENCODED") == 0) {
    if (!json_is_object(body)) {
      rc = sd_err_set(err, SD_E_RUNTIME, "A URL_ENCODED RequestBody must be an object");
    } else {
      const char *k;
      json_t *v;
      json_object_foreach(body, k, v) form_value(&b->body, k, v, fmt ? fmt : "INDICES");
      if (!b->has_type)
        header_add(b, sd_xstrdup("Content-Type: application/x-www-form-urlencoded"));
    }
  } else if (enc != NULL && strcmp(enc, "NONE") != 0) {
    rc = sd_err_set(err, SD_E_RUNTIME, "RequestBodyEncoding must be NONE or URL_ENCODED, not '%s'", enc);
  } else if (json_is_string(body)) {
    sd_buf_add(&b->body, json_string_value(body), json_string_length(body));
  } else {
    sd_jsonw_value(&b->body, body, false);
    if (!b->has_type)
      header_add(b, sd_xstrdup("Content-Type: application/json; charset=UTF-8"));
  }
  json_decref(merged);
  return rc;
}

static int add_auth(struct build *b, json_t *conn, struct sd_err *err) {
  json_t *auth = json_object_get(conn, "authorization");
  const char *type = str_field(auth, "type");
  if (auth == NULL)
    return 0;
  if (type != NULL && strcmp(type, "API_KEY") == 0 && str_field(auth, "name") && str_field(auth, "value")) {
    header_add(b, sd_asprintf("%s: %s", str_field(auth, "name"), str_field(auth, "value")));
    return 0;
  }
  if (type != NULL && strcmp(type, "BASIC") == 0 && str_field(auth, "username") &&
      str_field(auth, "password")) {
    b->user = str_field(auth, "username");
    b->secret = str_field(auth, "password");
    return 0;
  }
  return sd_err_set(err, SD_E_RUNTIME,
                    "The connection's authorization must be {\"type\": \"API_KEY\", \"name\", \"value\"} or "
                    "{\"type\": \"BASIC\", \"username\", \"password\"}%s",
                    type && strcmp(type, "OAUTH_CLIENT_CREDENTIALS") == 0 ? " (OAuth is not supported yet)"
                                                                          : "");
}

static json_t *response_value(const struct sd_http_response *r) {
  json_t *hs = json_object();
  for (size_t i = 0; i < r->nheaders; i++) {
    json_t *list = json_object_get(hs, r->headers[i].name);
    if (list == NULL) {
      list = json_array();
      json_object_set_new(hs, r->headers[i].name, list);
    }
    json_array_append_new(list, json_string(r->headers[i].value));
  }
  const char *type = sd_http_response_header(r, "Content-Type");
  json_t *body = NULL;
  if (type != NULL && strstr(type, "json") != NULL)
    body = sd_json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
  if (body == NULL)
    body = json_stringn(r->body, r->body_len);
  if (body == NULL) /* not UTF-8 */
    body = json_string("");
  return json_pack("{s:o, s:o, s:i, s:s}", "Headers", hs, "ResponseBody", body, "StatusCode",
                   (json_int_t)r->status, "StatusText", r->status_text ? r->status_text : "");
}

static void on_answer(struct sd_aws_task *t, const struct sd_http_response *r) {
  struct sd_err err = { 0 };
  if (r->status == 0) {
    sd_err_set(&err, "States.Http.Socket", "%s", r->error ? r->error : "no answer");
    sd_aws_task_done(t, NULL, &err);
    sd_err_clear(&err);
    return;
  }
  json_t *res = response_value(r);
  if (r->status >= 200 && r->status < 300) {
    sd_aws_task_done(t, res, NULL);
    return;
  }
  char *cause = sd_jsonw_dumps(res, NULL);
  json_decref(res);
  err.name = sd_asprintf("States.Http.StatusCode.%ld", r->status);
  err.cause = cause;
  sd_aws_task_done(t, NULL, &err);
  sd_err_clear(&err);
}

static int http_start(struct sd_aws_task *t, struct sd_err *err) {
  json_t *params = sd_aws_task_call(t)->params;
  const char *url = str_field(params, "ApiEndpoint");
  const char *method = str_field(params, "Method");
  const char *arn = str_field(json_object_get(params, "Authentication"), "ConnectionArn");
  static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", NULL };
  if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
    return sd_err_set(err, SD_E_RUNTIME, "http:invoke needs ApiEndpoint, an http:// or https:// URL");
  size_t m = 0;
  while (method != NULL && methods[m] != NULL && strcmp(methods[m], method) != 0)
    m++;
  if (method == NULL || methods[m] == NULL)
    return sd_err_set(err, SD_E_RUNTIME,
                      "http:invoke needs Method: GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD");
  if (arn == NULL)
    return sd_err_set(err, SD_E_RUNTIME, "http:invoke needs Authentication.ConnectionArn");
  const struct sd_aws_config *cfg = sd_aws_config(sd_aws_task_aws(t));
  json_t *conn = sd_aws_config_connection(cfg, arn);
  if (conn == NULL)
    return sd_err_set(
        err, SD_E_RUNTIME,
        "The connection '%s' is not in the --config file's \"connections\" (docs/connectors.md)", arn);
  struct build b = { 0 };
  sd_buf_puts(&b.url, url);
  int rc = add_headers(&b, json_object_get(params, "Headers"), true, err);
  if (rc == 0)
    rc = add_headers(&b, json_object_get(conn, "headers"), false, err);
  if (rc == 0)
    rc = add_query(&b, json_object_get(params, "QueryParameters"), err);
  if (rc == 0)
    rc = add_query(&b, json_object_get(conn, "queryParameters"), err);
  if (rc == 0)
    rc = add_body(&b, params, conn, err);
  if (rc == 0)
    rc = add_auth(&b, conn, err);
  if (rc == 0) {
    header_add(&b, sd_asprintf("User-Agent: Amazon|StepFunctions|HttpInvoke|%s", sd_aws_config_region(cfg)));
    header_add(&b, sd_xstrdup(HTTP_RANGE));
    struct sd_http_request req = {
      .method = method,
      .url = b.url.data,
      .headers = (const char *const *)b.headers,
      .body = b.has_body ? (b.body.data ? b.body.data : "") : NULL,
      .body_len = b.body.len,
      .timeout_s = HTTP_TIMEOUT_S,
      .user = b.user,
      .secret = b.secret,
    };
    rc = sd_aws_task_http(t, &req, on_answer, err);
  }
  build_free(&b);
  return rc;
}

const struct sd_aws_integration sd_aws_http_invoke = {
  .name = "http",
  .resources = (const char *const[]){ "arn:aws:states:::http:invoke", NULL },
  .start = http_start,
};
