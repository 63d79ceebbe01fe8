/* The AWS connector of aws_task.h: routes a Task to the integration whose
 * pattern matches its resource and keeps the task's state (the AWS call
 * in flight, a poll timer, the integration's data) so that one cancel
 * undoes whatever is pending. */
#include "integrations/aws_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/log.h"
#include "integrations/http_client.h"

struct conn {
  struct sd_aws *aws;                            /* borrowed */
  const struct sd_aws_integration *const *table; /* borrowed */
};

struct sd_aws_task {
  struct conn *conn;
  const struct sd_aws_integration *in;
  struct sd_task_call *call;      /* borrowed from the engine until done or cancel */
  struct sd_aws_call *aws_call;   /* in flight, or NULL */
  struct sd_http_call *http_call; /* a plain HTTP request in flight, or NULL */
  sd_aws_task_http_fn on_http;
  sd_aws_task_reply_fn on_reply;
  uv_timer_t *timer; /* armed by sd_aws_task_after, or NULL; freed in its close callback */
  void (*timer_fn)(struct sd_aws_task *t);
  void *data;
  void (*data_free)(void *);
  char *label; /* "state 'X'"; owned */
};

/* `pattern` matches `resource` exactly, up to a final '*', or followed by
 * one of the suffixes AWS adds to a service integration. */
static bool pattern_matches(const char *pattern, const char *resource) {
  size_t n = strlen(pattern);
  if (n > 0 && pattern[n - 1] == '*')
    return strncmp(pattern, resource, n - 1) == 0 && resource[n - 1] != '\0';
  if (strncmp(pattern, resource, n) != 0)
    return false;
  const char *rest = resource + n;
  return *rest == '\0' || strcmp(rest, ".sync") == 0 || strcmp(rest, ".sync:2") == 0 ||
         strcmp(rest, ".waitForTaskToken") == 0;
}

bool sd_aws_integration_matches(const struct sd_aws_integration *in, const char *resource) {
  for (size_t i = 0; in->resources[i] != NULL; i++)
    if (pattern_matches(in->resources[i], resource))
      return true;
  return false;
}

static const struct sd_aws_integration *find(struct conn *c, const char *resource) {
  for (size_t i = 0; c->table[i] != NULL; i++)
    if (sd_aws_integration_matches(c->table[i], resource))
      return c->table[i];
  return NULL;
}

static bool conn_serves(void *self, struct sd_exec *exec, const char *state_name, const char *resource) {
  return find(self, resource) != NULL;
}

static void timer_closed(uv_handle_t *h) {
  free(h);
}

static void task_free(struct sd_aws_task *t) {
  if (t->aws_call != NULL)
    sd_aws_call_cancel(t->aws_call);
  if (t->http_call != NULL)
    sd_http_call_cancel(t->http_call);
  if (t->timer != NULL) {
    uv_timer_stop(t->timer);
    uv_close((uv_handle_t *)t->timer, timer_closed);
  }
  if (t->data_free != NULL)
    t->data_free(t->data);
  if (t->call != NULL)
    t->call->conn = NULL;
  free(t->label);
  free(t);
}

static int conn_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  struct conn *c = self;
  struct sd_aws_task *t = sd_xcalloc(1, sizeof *t);
  t->conn = c;
  t->in = find(c, call->resource);
  t->call = call;
  t->label = sd_asprintf("state '%s'", call->state_name);
  call->conn = t;
  if (t->in == NULL) {
    task_free(t);
    return sd_err_set(err, SD_E_RUNTIME, "no AWS integration serves %s", call->resource);
  }
  if (t->in->start(t, err) == 0)
    return 0;
  if (call->conn != t) { /* it ended the task before failing: reported already */
    sd_err_clear(err);
    return 0;
  }
  task_free(t);
  return -1;
}

static void conn_cancel(void *self, struct sd_task_call *call) {
  struct sd_aws_task *t = call->conn;
  if (t == NULL)
    return;
  /* A callback task whose token came back is let go, not cancelled. */
  if (t->aws_call != NULL || t->http_call != NULL || t->timer != NULL)
    sd_log(SD_LOG_INFO, "%s (%s): cancelled", t->in->name, t->label);
  t->call = NULL;
  task_free(t);
  call->conn = NULL;
}

static void conn_free(void *self) {
  free(self);
}

static const struct sd_connector_ops aws_ops = {
  .name = "aws",
  .serves = conn_serves,
  .start = conn_start,
  .cancel = conn_cancel,
  .free = conn_free,
};

void sd_aws_connector(struct sd_aws *aws, const struct sd_aws_integration *const *table,
                      struct sd_connector *out) {
  struct conn *c = sd_xcalloc(1, sizeof *c);
  c->aws = aws;
  c->table = table;
  out->ops = &aws_ops;
  out->self = c;
}

struct sd_task_call *sd_aws_task_call(struct sd_aws_task *t) {
  return t->call;
}

struct sd_aws *sd_aws_task_aws(struct sd_aws_task *t) {
  return t->conn->aws;
}

void sd_aws_task_set_data(struct sd_aws_task *t, void *data, void (*free_fn)(void *)) {
  t->data = data;
  t->data_free = free_fn;
}

void *sd_aws_task_data(struct sd_aws_task *t) {
  return t->data;
}

static void on_aws_reply(void *data, struct sd_aws_reply *reply) {
  struct sd_aws_task *t = data;
  t->aws_call = NULL;
  t->on_reply(t, reply);
}

int sd_aws_task_send(struct sd_aws_task *t, const struct sd_aws_request *req, sd_aws_task_reply_fn on_reply,
                     struct sd_err *err) {
  if (t->aws_call != NULL)
    return sd_err_set(err, SD_E_RUNTIME, "%s: a request is already in flight", t->in->name);
  struct sd_aws_request r = *req;
  if (r.label == NULL)
    r.label = t->label;
  if (r.role_arn == NULL)
    r.role_arn = t->call->role_arn;
  if (r.retry == 0)
    r.retry = t->call->retry_count;
  t->on_reply = on_reply;
  t->aws_call = sd_aws_call_start(t->conn->aws, &r, on_aws_reply, t, err);
  return t->aws_call ? 0 : -1;
}

static void on_http_reply(void *data, const struct sd_http_response *r) {
  struct sd_aws_task *t = data;
  t->http_call = NULL;
  if (sd_log_enabled(SD_LOG_INFO)) {
    char what[48];
    snprintf(what, sizeof what, "HTTP %ld", r->status);
    sd_log(SD_LOG_INFO, "%s (%s, retry %d): %s in %.1f ms", t->in->name, t->label, t->call->retry_count,
           r->status ? what : r->error, r->seconds * 1000);
  }
  t->on_http(t, r);
}

int sd_aws_task_http(struct sd_aws_task *t, const struct sd_http_request *req, sd_aws_task_http_fn on_done,
                     struct sd_err *err) {
  if (t->aws_call != NULL || t->http_call != NULL)
    return sd_err_set(err, SD_E_RUNTIME, "%s: a request is already in flight", t->in->name);
  t->on_http = on_done;
  t->http_call = sd_http_client_send(sd_aws_http(t->conn->aws), req, on_http_reply, t, err);
  return t->http_call ? 0 : -1;
}

static void on_timer(uv_timer_t *h) {
  struct sd_aws_task *t = h->data;
  uv_close((uv_handle_t *)h, timer_closed);
  t->timer = NULL;
  t->timer_fn(t);
}

void sd_aws_task_after(struct sd_aws_task *t, double seconds, void (*fn)(struct sd_aws_task *t)) {
  if (t->timer == NULL) {
    t->timer = sd_xmalloc(sizeof *t->timer);
    uv_timer_init(sd_aws_loop(t->conn->aws), t->timer);
    t->timer->data = t;
  }
  t->timer_fn = fn;
  uv_timer_start(t->timer, on_timer, (uint64_t)(seconds * 1000), 0);
}

void sd_aws_task_done(struct sd_aws_task *t, json_t *result, struct sd_err *err) {
  struct sd_task_call *call = t->call;
  t->call = NULL;
  call->conn = NULL;
  task_free(t);
  sd_task_done(call, result, err);
}

void sd_aws_task_submitted(struct sd_aws_task *t, json_t *output) {
  sd_task_submitted(t->call, output);
}
