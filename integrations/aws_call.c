/* AWS calls of aws_call.h. A call is built whole at start (URL, headers,
 * body), then signed and sent once its credentials are known: at once with
 * the default ones, or after the role's AssumeRole. The reply is parsed per
 * protocol and errors are named here, so connectors see results or
 * Step Functions errors, never HTTP. */
#include "integrations/aws_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/timefmt.h"
#include "integrations/http_client.h"

static const struct sd_aws_error sts_errors[] = {
  { "ExpiredTokenException", "ExpiredTokenException" },
  { "IDPCommunicationError", "IDPCommunicationErrorException" },
  { "IDPRejectedClaim", "IDPRejectedClaimException" },
  { "InvalidAuthorizationMessageException", "InvalidAuthorizationMessageException" },
  { "InvalidIdentityToken", "InvalidIdentityTokenException" },
  { "MalformedPolicyDocument", "MalformedPolicyDocumentException" },
  { "PackedPolicyTooLarge", "PackedPolicyTooLargeException" },
  { "RegionDisabledException", "RegionDisabledException" },
  { NULL, NULL },
};

const struct sd_aws_service sd_aws_sts = {
  .id = "STS",
  .prefix = "sts",
  .signing = "sts",
  .error_prefix = "STS",
  .sdk_name = "AWSSecurityTokenService",
  .protocol = SD_AWS_QUERY,
  .api_version = "2011-06-15",
  .errors = sts_errors,
  .generic_error = "AWSSecurityTokenServiceException",
};

/* Temporary credentials of one role, and the calls waiting for them. */
struct role {
  char *arn; /* owned */
  struct sd_aws_creds creds;
  struct sd_aws_call *sts;     /* AssumeRole in flight, or NULL */
  struct sd_aws_call *waiters; /* linked through wnext */
  struct role *next;
};

struct sd_aws {
  uv_loop_t *loop;
  struct sd_http_client *http;
  struct sd_aws_config *cfg; /* owned */
  struct role *roles;
  struct sd_aws_call *calls; /* every call not yet called back */
};

struct late;

struct sd_aws_call {
  struct sd_aws *aws;
  const struct sd_aws_service *svc;
  char *action, *label, *method, *url, *region; /* owned */
  char **headers;                               /* owned, NULL-terminated */
  size_t nheaders;
  struct sd_buf body;
  double timeout_s;
  int retry;
  struct role *role;               /* NULL = default credentials */
  struct sd_http_call *http;       /* in flight, or NULL */
  struct late *late;               /* a failure waiting for its loop turn, or NULL */
  struct sd_aws_call *wnext;       /* in role->waiters */
  struct sd_aws_call *prev, *next; /* aws->calls */
  sd_aws_done_fn done;
  void *data;
};

struct sd_aws *sd_aws_new(uv_loop_t *loop, struct sd_aws_config *cfg) {
  struct sd_aws *aws = sd_xcalloc(1, sizeof *aws);
  aws->loop = loop;
  aws->http = sd_http_client_new(loop);
  aws->cfg = cfg;
  return aws;
}

const struct sd_aws_config *sd_aws_config(const struct sd_aws *aws) {
  return aws->cfg;
}

uv_loop_t *sd_aws_loop(const struct sd_aws *aws) {
  return aws->loop;
}

struct sd_http_client *sd_aws_http(const struct sd_aws *aws) {
  return aws->http;
}

static void call_free(struct sd_aws_call *c) {
  struct sd_aws *aws = c->aws;
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    aws->calls = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  free(c->action);
  free(c->label);
  free(c->method);
  free(c->url);
  free(c->region);
  for (size_t i = 0; i < c->nheaders; i++)
    free(c->headers[i]);
  free(c->headers);
  sd_buf_free(&c->body);
  free(c);
}

void sd_aws_free(struct sd_aws *aws) {
  if (aws == NULL)
    return;
  sd_http_client_free(aws->http); /* drops the HTTP calls without callbacks */
  while (aws->calls != NULL) {
    struct sd_aws_call *c = aws->calls;
    c->http = NULL;
    c->role = NULL; /* the roles go below */
    sd_aws_call_cancel(c);
  }
  while (aws->roles != NULL) {
    struct role *r = aws->roles;
    aws->roles = r->next;
    free(r->arn);
    sd_aws_creds_clear(&r->creds);
    free(r);
  }
  sd_aws_config_free(aws->cfg);
  free(aws);
}

/* ---- encoding ---- */

char *sd_aws_uri_encode(const char *s) {
  struct sd_buf b = { 0 };
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
        *p == '_' || *p == '.' || *p == '~')
      sd_buf_putc(&b, (char)*p);
    else
      sd_buf_printf(&b, "%%%02X", *p);
  }
  if (b.data == NULL)
    sd_buf_add(&b, "", 0);
  return sd_buf_steal(&b);
}

void sd_aws_form_add(struct sd_buf *b, const char *key, const char *value) {
  char *k = sd_aws_uri_encode(key), *v = sd_aws_uri_encode(value);
  if (b->len > 0)
    sd_buf_putc(b, '&');
  sd_buf_printf(b, "%s=%s", k, v);
  free(k);
  free(v);
}

static void add_header(struct sd_aws_call *c, char *line /* stolen */) {
  c->headers = sd_xrealloc(c->headers, (c->nheaders + 2) * sizeof *c->headers);
  c->headers[c->nheaders++] = line;
  c->headers[c->nheaders] = NULL;
}

static bool has_header(const struct sd_aws_request *req, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
    if (strncasecmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':')
      return true;
  return false;
}

static int build_body(struct sd_aws_call *c, const struct sd_aws_request *req, struct sd_err *err) {
  const struct sd_aws_service *svc = req->svc;
  switch ((enum sd_aws_protocol)svc->protocol) {
    case SD_AWS_JSON:
      add_header(c, sd_asprintf("Content-Type: application/x-amz-json-%s", svc->json_version));
      add_header(c, sd_asprintf("X-Amz-Target: %s.%s", svc->target_prefix, req->action));
      if (req->params != NULL)
        sd_jsonw_value(&c->body, req->params, false);
      else
        sd_buf_puts(&c->body, "{}");
      return 0;
    case SD_AWS_REST_JSON:
      if (!has_header(req, "Content-Type"))
        add_header(c, sd_xstrdup("Content-Type: application/json"));
      if (req->raw != NULL)
        sd_buf_add(&c->body, req->raw, req->raw_len);
      else if (req->params != NULL)
        sd_jsonw_value(&c->body, req->params, false);
      return 0;
    case SD_AWS_QUERY: {
      add_header(c, sd_xstrdup("Content-Type: application/x-www-form-urlencoded; charset=utf-8"));
      sd_aws_form_add(&c->body, "Action", req->action);
      sd_aws_form_add(&c->body, "Version", svc->api_version);
      const char *k;
      json_t *v;
      json_object_foreach(req->params, k, v) {
        if (json_is_string(v)) {
          sd_aws_form_add(&c->body, k, json_string_value(v));
        } else if (json_is_number(v) || json_is_boolean(v)) {
          char *s = sd_jsonw_dumps(v, NULL);
          sd_aws_form_add(&c->body, k, s);
          free(s);
        } else if (!json_is_null(v)) {
          return sd_err_set(err, SD_E_RUNTIME, "the %s parameter %s must be a string, number or boolean",
                            req->action, k);
        }
      }
      return 0;
    }
  }
  return sd_err_set(err, SD_E_RUNTIME, "unknown protocol for %s", svc->id);
}

/* ---- replies ---- */

int sd_aws_service_error(const struct sd_aws_service *svc, const char *code, const char *message, long status,
                         const char *request_id, struct sd_err *err) {
  const char *shape = NULL;
  if (svc->errors == NULL) {
    shape = code;
  } else {
    for (const struct sd_aws_error *e = svc->errors; e->code != NULL && shape == NULL; e++)
      if (strcmp(e->code, code) == 0 || strcmp(e->shape, code) == 0)
        shape = e->shape;
    if (shape == NULL)
      shape = svc->generic_error;
  }
  sd_err_set(err, "", "%s (Service: %s; Status Code: %ld; Error Code: %s; Request ID: %s; Proxy: null)",
             message ? message : "null", svc->sdk_name, status, code, request_id ? request_id : "null");
  free(err->name);
  err->name = sd_asprintf("%s.%s", svc->error_prefix, shape);
  return -1;
}

json_t *sd_aws_http_metadata(const struct sd_http_response *r) {
  json_t *all = json_object(), *hs = json_object();
  for (size_t i = 0; i < r->nheaders; i++) {
    json_t *list = json_object_get(all, r->headers[i].name);
    if (list == NULL) {
      list = json_array();
      json_object_set_new(all, r->headers[i].name, list);
      json_object_set_new(hs, r->headers[i].name, json_string(r->headers[i].value));
    }
    json_array_append_new(list, json_string(r->headers[i].value));
  }
  return json_pack("{s:o, s:o, s:i}", "AllHttpHeaders", all, "HttpHeaders", hs, "HttpStatusCode",
                   (json_int_t)r->status);
}

static const char *json_str(json_t *o, const char *a, const char *b) {
  const char *s = json_string_value(json_object_get(o, a));
  return s ? s : json_string_value(json_object_get(o, b));
}

/* JSON protocols: the code from X-Amzn-ErrorType or __type (both may carry
 * a namespace or a URL to strip), the message from message/Message. */
static void json_error(struct sd_aws_call *c, const struct sd_http_response *r, json_t *body, const char *rid,
                       struct sd_err *err) {
  char *code = NULL;
  const char *h = sd_http_response_header(r, "X-Amzn-ErrorType");
  const char *t = h ? h : json_str(body, "__type", "code");
  if (t == NULL)
    t = json_string_value(json_object_get(body, "Code"));
  if (t != NULL) {
    const char *hash = strchr(t, '#');
    if (hash != NULL)
      t = hash + 1;
    code = sd_xstrndup(t, strcspn(t, ":"));
  } else {
    code = sd_asprintf("%ld", r->status);
  }
  sd_aws_service_error(c->svc, code, json_str(body, "message", "Message"), r->status, rid, err);
  free(code);
}

static json_t *query_unwrap(json_t *doc, const char *action, const char **rid) {
  /* <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>... */
  json_t *resp = NULL;
  const char *k;
  json_t *v;
  json_object_foreach(doc, k, v) {
    resp = v;
    break;
  }
  json_t *meta = json_object_get(resp, "ResponseMetadata");
  *rid = json_string_value(json_object_get(meta ? meta : resp, "RequestId"));
  char *rk = sd_xstrcat3(action, "Result", NULL);
  json_t *res = json_object_get(resp, rk);
  free(rk);
  return res ? res : resp;
}

static void on_http_done(void *data, const struct sd_http_response *r) {
  struct sd_aws_call *c = data;
  c->http = NULL;
  struct sd_err err = { 0 };
  struct sd_aws_reply reply = { .http = r, .status = r->status, .err = &err };
  json_t *doc = NULL;
  const char *rid = sd_http_response_header(r, "x-amzn-RequestId");
  if (rid == NULL)
    rid = sd_http_response_header(r, "x-amz-request-id");
  if (r->status == 0) {
    sd_err_set(&err, "", "Unable to execute HTTP request: %s", r->error ? r->error : "no response");
    free(err.name);
    err.name = sd_asprintf("%s.SdkClientException", c->svc->error_prefix);
  } else if (c->svc->protocol == SD_AWS_QUERY) {
    doc = sd_aws_xml_parse(r->body, r->body_len);
    if (r->status >= 300) {
      /* AWS nests <Error> in <ErrorResponse>; moto in <Errors> too. */
      json_t *er = json_object_get(doc, "ErrorResponse");
      json_t *e = json_object_get(er, "Error");
      if (e == NULL)
        e = json_object_get(json_object_get(er, "Errors"), "Error");
      const char *id = json_string_value(json_object_get(json_object_get(doc, "ErrorResponse"), "RequestId"));
      char *status = sd_asprintf("%ld", r->status);
      const char *code = json_string_value(json_object_get(e, "Code"));
      sd_aws_service_error(c->svc, code ? code : status, json_string_value(json_object_get(e, "Message")),
                           r->status, id ? id : rid, &err);
      free(status);
    } else {
      const char *id = NULL;
      reply.body = query_unwrap(doc, c->action, &id);
      if (id != NULL)
        rid = id;
    }
  } else {
    doc = r->body_len > 0 ? sd_json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL) : json_object();
    if (r->status >= 300)
      json_error(c, r, doc, rid, &err);
    reply.body = doc; /* the error document too: SDK integrations name errors from it */
  }
  reply.request_id = rid ? rid : "";
  if (sd_log_enabled(SD_LOG_INFO)) {
    char retry[32] = "";
    if (c->retry > 0)
      snprintf(retry, sizeof retry, ", retry %d", c->retry);
    char status[32];
    snprintf(status, sizeof status, "HTTP %ld", r->status);
    sd_log(SD_LOG_INFO, "%s %s (%s%s): %s in %.1f ms", c->svc->prefix, c->action,
           c->label ? c->label : "call", retry, err.name ? err.name : status, r->seconds * 1000);
  }
  c->done(c->data, &reply);
  sd_err_clear(&err);
  json_decref(doc);
  call_free(c);
}

/* ---- sending ---- */

static void fail_later(struct sd_aws_call *c, struct sd_err *err);
static void late_closed(uv_handle_t *h);

static void send_now(struct sd_aws_call *c, const struct sd_aws_creds *cr) {
  char *sigv4 = NULL;
  if (cr != NULL) {
    sigv4 = sd_asprintf("aws:amz:%s:%s", c->region, c->svc->signing);
    if (cr->token != NULL)
      add_header(c, sd_asprintf("X-Amz-Security-Token: %s", cr->token));
  }
  struct sd_http_request hr = {
    .method = c->method,
    .url = c->url,
    .headers = (const char *const *)c->headers,
    .body = c->body.data,
    .body_len = c->body.len,
    .timeout_s = c->timeout_s,
    .sigv4 = sigv4,
    .user = cr ? cr->key_id : NULL,
    .secret = cr ? cr->secret : NULL,
  };
  struct sd_err err = { 0 };
  /* One line when a call leaves and one when it ends: a call in progress
   * is one whose end is not logged yet. */
  if (sd_log_enabled(SD_LOG_INFO)) {
    char retry[32] = "";
    if (c->retry > 0)
      snprintf(retry, sizeof retry, ", retry %d", c->retry);
    if (sd_log_enabled(SD_LOG_DEBUG))
      sd_log(SD_LOG_DEBUG, "%s %s (%s%s): calling %s", c->svc->prefix, c->action,
             c->label ? c->label : "call", retry, c->url);
    else
      sd_log(SD_LOG_INFO, "%s %s (%s%s): started", c->svc->prefix, c->action, c->label ? c->label : "call",
             retry);
  }
  c->http = sd_http_client_send(c->aws->http, &hr, on_http_done, c, &err);
  free(sigv4);
  if (c->http == NULL)
    fail_later(c, &err);
  sd_err_clear(&err);
}

/* A failure found before any exchange still reaches the caller through
 * the loop, never from inside start: a zero-delay timer delivers it. */
struct late {
  uv_timer_t t;
  struct sd_aws_call *c;
  struct sd_err err;
};

static void late_closed(uv_handle_t *h) {
  free(h);
}

static void late_fire(uv_timer_t *t) {
  struct late *l = t->data;
  struct sd_aws_call *c = l->c;
  struct sd_aws_reply reply = { .request_id = "", .err = &l->err };
  c->late = NULL;
  c->done(c->data, &reply);
  sd_err_clear(&l->err);
  call_free(c);
  uv_close((uv_handle_t *)t, late_closed);
}

static void fail_later(struct sd_aws_call *c, struct sd_err *err) {
  struct late *l = sd_xcalloc(1, sizeof *l);
  l->c = c;
  sd_err_move(&l->err, err);
  uv_timer_init(c->aws->loop, &l->t);
  l->t.data = l;
  uv_timer_start(&l->t, late_fire, 0, 0);
  c->late = l;
}

/* ---- roles ---- */

static void role_reply(void *data, struct sd_aws_reply *reply);

static int role_assume(struct sd_aws *aws, struct role *r, struct sd_err *err) {
  json_t *params = json_pack("{s:s, s:s}", "RoleArn", r->arn, "RoleSessionName", "stepd");
  struct sd_aws_request req = {
    .svc = &sd_aws_sts,
    .action = "AssumeRole",
    .params = params,
    .label = r->arn,
  };
  r->sts = sd_aws_call_start(aws, &req, role_reply, r, err);
  json_decref(params);
  return r->sts ? 0 : -1;
}

static void role_reply(void *data, struct sd_aws_reply *reply) {
  struct role *r = data;
  r->sts = NULL;
  json_t *cr = json_object_get(reply->body, "Credentials");
  const char *id = json_string_value(json_object_get(cr, "AccessKeyId"));
  const char *secret = json_string_value(json_object_get(cr, "SecretAccessKey"));
  const char *exp = json_string_value(json_object_get(cr, "Expiration"));
  struct sd_err err = { 0 };
  if (reply->err->name != NULL) {
    sd_err_move(&err, reply->err);
  } else if (id == NULL || secret == NULL) {
    sd_err_set(&err, "STS.SdkClientException", "AssumeRole of %s answered without credentials", r->arn);
  } else {
    sd_aws_creds_clear(&r->creds);
    r->creds.key_id = sd_xstrdup(id);
    r->creds.secret = sd_xstrdup(secret);
    const char *tok = json_string_value(json_object_get(cr, "SessionToken"));
    r->creds.token = tok ? sd_xstrdup(tok) : NULL;
    int64_t ms = 0;
    /* No readable Expiration: keep them for this process's life. */
    r->creds.expire_ms = exp != NULL && sd_time_parse(exp, &ms) ? ms : INT64_MAX;
  }
  struct sd_aws_call *w = r->waiters;
  r->waiters = NULL;
  while (w != NULL) {
    struct sd_aws_call *next = w->wnext;
    w->wnext = NULL;
    if (err.name != NULL) {
      struct sd_err copy = { 0 };
      sd_err_set_raw(&copy, err.name, err.cause);
      fail_later(w, &copy);
    } else {
      send_now(w, &r->creds);
    }
    w = next;
  }
  sd_err_clear(&err);
}

static int64_t wall_ms(void) {
  uv_timeval64_t tv;
  uv_gettimeofday(&tv);
  return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Sends with the role's credentials, assuming it first when they are
 * missing or expire within five minutes (the SDKs' refresh margin). */
static int send_as_role(struct sd_aws_call *c, const char *arn, struct sd_err *err) {
  struct sd_aws *aws = c->aws;
  struct role *r = aws->roles;
  while (r != NULL && strcmp(r->arn, arn) != 0)
    r = r->next;
  if (r == NULL) {
    r = sd_xcalloc(1, sizeof *r);
    r->arn = sd_xstrdup(arn);
    r->next = aws->roles;
    aws->roles = r;
  }
  c->role = r;
  if (r->creds.key_id != NULL && r->creds.expire_ms - 300000 > wall_ms()) {
    send_now(c, &r->creds);
    return 0;
  }
  if (r->sts == NULL && role_assume(aws, r, err) != 0)
    return -1;
  c->wnext = r->waiters;
  r->waiters = c;
  return 0;
}

struct sd_aws_call *sd_aws_call_start(struct sd_aws *aws, const struct sd_aws_request *req,
                                      sd_aws_done_fn done, void *data, struct sd_err *err) {
  struct sd_aws_call *c = sd_xcalloc(1, sizeof *c);
  c->aws = aws;
  c->svc = req->svc;
  c->action = sd_xstrdup(req->action);
  c->label = req->label ? sd_xstrdup(req->label) : NULL;
  c->method = sd_xstrdup(req->svc->protocol == SD_AWS_REST_JSON && req->method ? req->method : "POST");
  c->region = sd_xstrdup(req->region ? req->region : sd_aws_config_region(aws->cfg));
  c->timeout_s = req->timeout_s;
  c->retry = req->retry;
  c->done = done;
  c->data = data;
  c->next = aws->calls;
  if (aws->calls != NULL)
    aws->calls->prev = c;
  aws->calls = c;
  char *base = sd_aws_config_endpoint(aws->cfg, req->svc, c->region);
  c->url = sd_xstrcat3(base, req->svc->protocol == SD_AWS_REST_JSON && req->path ? req->path : "/", NULL);
  free(base);
  for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
    add_header(c, sd_xstrdup(req->headers[i]));
  if (build_body(c, req, err) != 0) {
    call_free(c);
    return NULL;
  }
  if (req->role_arn != NULL) {
    if (send_as_role(c, req->role_arn, err) != 0) {
      call_free(c);
      return NULL;
    }
    return c;
  }
  send_now(c, sd_aws_config_creds(aws->cfg));
  return c;
}

void sd_aws_call_cancel(struct sd_aws_call *c) {
  if (c == NULL)
    return;
  if (c->http != NULL)
    sd_http_call_cancel(c->http);
  if (c->late != NULL) {
    sd_err_clear(&c->late->err);
    uv_timer_stop(&c->late->t);
    uv_close((uv_handle_t *)&c->late->t, late_closed);
  }
  if (c->role != NULL) {
    for (struct sd_aws_call **pp = &c->role->waiters; *pp != NULL; pp = &(*pp)->wnext) {
      if (*pp == c) {
        *pp = c->wnext;
        break;
      }
    }
  }
  call_free(c);
}
