/* libmicrohttpd driven by the libuv loop. MHD runs with MHD_USE_EPOLL and
 * no thread of its own: its one epoll fd (which holds the listening socket,
 * every connection and the ITC pipe that MHD_resume_connection writes to)
 * is watched by a uv_poll_t, and MHD_get_timeout arms a uv_timer_t; both
 * call MHD_run. A request whose answer must wait (history reads wait for
 * the writer's commit) suspends its connection, so the loop keeps running
 * executions meanwhile. Not for: AWS semantics (api.c). */
#include "server/http.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <uv.h>

#include "engine/alloc.h"
#include "server/mhd.h"
#include "engine/err.h"
#include "engine/log.h"
#include "engine/str.h"

/* AWS caps a Step Functions request at 1 MB ("Maximum request size",
 * Step Functions quotas); a larger body is not buffered, and the handler
 * is told (sd_http_req_too_big) so that it answers as AWS does. */
#define BODY_LIMIT (1u << 20)

/* MHD's memory pool per connection (its default is 32 KiB), which holds
 * the request's headers and the IO buffers; bodies are copied out as they
 * come (on_request). MHD zeroes the pool after every request of a
 * keep-alive connection: at 32 KiB that memset was 5% of the server's CPU
 * under the StartExecution benchmark. 16 KiB still takes headers of
 * several KiB (a SigV4 request's are under 2). */
#define CONN_MEMORY (16u << 10)

struct sd_http {
  uv_loop_t *loop;        /* borrowed */
  struct MHD_Daemon *mhd; /* owned */
  uv_poll_t poll;         /* on MHD's epoll fd */
  uv_timer_t timer;       /* MHD's connection timeouts, and "run MHD again soon" */
  sd_http_handler_fn fn;
  void *data;
  struct sd_http_req *reqs; /* live requests, for suspended ones at close */
  uint64_t rng;             /* xorshift state for request ids */
  int port;
  int open_handles;
  void (*close_cb)(void *data);
  void *close_data;
};

struct sd_http_req {
  struct sd_http *http;        /* borrowed */
  struct MHD_Connection *conn; /* borrowed from MHD */
  struct sd_http_req *prev, *next;
  char *method; /* owned */
  char *path;   /* owned */
  char *label;  /* owned or NULL */
  struct sd_buf body;
  uint64_t t0; /* uv_hrtime at arrival */
  bool too_big;
  bool dispatched;
  bool suspended;
  bool replied;
  bool orphaned; /* MHD closed the connection while the handler still works on it */
  int status;
  char id[37]; /* x-amzn-RequestId, once answered */
  char *reply; /* owned until queued */
  size_t reply_len;
  char *content_type; /* owned */
};

static void http_run(struct sd_http *h);

static void on_timer(uv_timer_t *t) {
  http_run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  http_run(p->data);
}

/* Runs MHD once and re-arms the timer from its timeout (0 when it has
 * buffered work left, e.g. a resumed connection). */
static void http_run(struct sd_http *h) {
  if (h->mhd == NULL)
    return;
  sd_mhd.run(h->mhd);
  MHD_UNSIGNED_LONG_LONG ms;
  if (sd_mhd.get_timeout(h->mhd, &ms) == MHD_YES)
    uv_timer_start(&h->timer, on_timer, ms, 0);
  else
    uv_timer_stop(&h->timer);
}

static void req_unlink(struct sd_http_req *r) {
  struct sd_http *h = r->http;
  if (r->prev != NULL)
    r->prev->next = r->next;
  else
    h->reqs = r->next;
  if (r->next != NULL)
    r->next->prev = r->prev;
  r->prev = r->next = NULL;
}

static void req_free(struct sd_http_req *r) {
  free(r->method);
  free(r->path);
  free(r->label);
  sd_buf_free(&r->body);
  free(r->reply);
  free(r->content_type);
  free(r);
}

/* A request id shaped like AWS's (a version-4 UUID): the SDKs report it as
 * ResponseMetadata.RequestId, and it ties a client's error to a log line.
 * A xorshift generator rather than a system call per request: ids need
 * only be distinct. */
static void request_id(struct sd_http *h, char out[37]) {
  uint64_t v[2];
  for (int i = 0; i < 2; i++) {
    h->rng ^= h->rng << 13;
    h->rng ^= h->rng >> 7;
    h->rng ^= h->rng << 17;
    v[i] = h->rng;
  }
  sd_str_uuid4(v[0], v[1], out);
}

static enum MHD_Result queue_reply(struct sd_http_req *r) {
  struct MHD_Response *resp =
      sd_mhd.create_response_from_buffer(r->reply_len, r->reply, MHD_RESPMEM_MUST_FREE);
  r->reply = NULL; /* MHD frees it now */
  if (r->content_type != NULL)
    sd_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  request_id(r->http, r->id);
  sd_mhd.add_response_header(resp, "x-amzn-RequestId", r->id);
  enum MHD_Result rc = sd_mhd.queue_response(r->conn, (unsigned)r->status, resp);
  sd_mhd.destroy_response(resp);
  return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size,
                                  void **con_cls) {
  struct sd_http *h = cls;
  struct sd_http_req *r = *con_cls;
  if (r == NULL) {
    r = sd_xcalloc(1, sizeof *r);
    r->http = h;
    r->conn = conn;
    r->method = sd_xstrdup(method);
    r->path = sd_xstrdup(url);
    r->t0 = uv_hrtime();
    r->next = h->reqs;
    if (h->reqs != NULL)
      h->reqs->prev = r;
    h->reqs = r;
    sd_buf_add(&r->body, "", 0);
    *con_cls = r;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (r->body.len + *upload_size > BODY_LIMIT)
      r->too_big = true;
    else
      sd_buf_add(&r->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (!r->dispatched) {
    r->dispatched = true;
    h->fn(r, h->data);
  }
  if (r->replied)
    return queue_reply(r);
  /* The handler answers later: park the connection until sd_http_reply. */
  r->suspended = true;
  sd_mhd.suspend_connection(conn);
  return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  struct sd_http_req *r = *con_cls;
  if (r == NULL)
    return;
  *con_cls = NULL;
  double ms = (double)(uv_hrtime() - r->t0) / 1e6;
  sd_log(SD_LOG_INFO, "%s %s %s %d %.1fms %s%s", r->method, r->path, r->label ? r->label : "-",
         r->replied ? r->status : 0, ms, r->id[0] ? r->id : "-",
         toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
  req_unlink(r);
  /* The handler still holds the request (it waits for a commit, say, when
   * the server stops): its answer frees it later (SIGTERM under load read
   * freed memory before, ASan). */
  if (r->dispatched && !r->replied) {
    r->orphaned = true;
    r->conn = NULL;
    return;
  }
  req_free(r);
}

/* Splits "host:port" / "[v6]:port" into a socket address. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, struct sd_err *err) {
  const char *colon = strrchr(addr, ':');
  if (colon == NULL || colon[1] == '\0')
    return sd_err_set(err, SD_E_USAGE, "listen address '%s' is not ADDR:PORT", addr);
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535)
    return sd_err_set(err, SD_E_USAGE, "listen address '%s' has a bad port", addr);
  char *host;
  if (addr[0] == '[' && colon > addr && colon[-1] == ']')
    host = sd_xstrndup(addr + 1, (size_t)(colon - addr - 2));
  else
    host = sd_xstrndup(addr, (size_t)(colon - addr));
  int rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss);
  if (rc != 0)
    rc = uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss);
  free(host);
  if (rc != 0)
    return sd_err_set(err, SD_E_USAGE, "listen address '%s' is not a numeric IPv4 or IPv6 address", addr);
  return 0;
}

struct sd_http *sd_http_new(uv_loop_t *loop, const char *addr, sd_http_handler_fn fn, void *data,
                            struct sd_err *err) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (parse_addr(addr, &ss, err) != 0 || sd_mhd_load(err) != 0)
    return NULL;
  unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  struct sd_http *h = sd_xcalloc(1, sizeof *h);
  h->loop = loop;
  h->fn = fn;
  h->data = data;
  h->rng = uv_hrtime() ^ ((uint64_t)(uintptr_t)h << 20) ^ 0x9E3779B97F4A7C15ull;
  if (h->rng == 0)
    h->rng = 1;
  h->mhd = sd_mhd.start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                               (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_END);
  if (h->mhd == NULL) {
    free(h);
    sd_err_set(err, SD_E_USAGE, "cannot listen on %s (address in use or not local?)", addr);
    return NULL;
  }
  const union MHD_DaemonInfo *fd = sd_mhd.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
  const union MHD_DaemonInfo *port = sd_mhd.get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
  h->port = port ? port->port : 0;
  uv_timer_init(loop, &h->timer);
  h->timer.data = h;
  uv_poll_init(loop, &h->poll, fd->epoll_fd);
  h->poll.data = h;
  uv_poll_start(&h->poll, UV_READABLE, on_poll);
  return h;
}

size_t sd_http_pending(const struct sd_http *h) {
  size_t n = 0;
  for (const struct sd_http_req *r = h->reqs; r != NULL; r = r->next)
    n += r->dispatched && !r->replied;
  return n;
}

int sd_http_port(const struct sd_http *h) {
  return h->port;
}

static void handle_closed(uv_handle_t *hd) {
  struct sd_http *h = hd->data;
  if (--h->open_handles > 0)
    return;
  if (h->close_cb != NULL)
    h->close_cb(h->close_data);
  free(h);
}

void sd_http_close(struct sd_http *h, void (*cb)(void *data), void *data) {
  /* MHD refuses to stop with suspended connections: resume them first (their
   * requests are dropped unanswered; the client sees the connection close). */
  for (struct sd_http_req *r = h->reqs; r != NULL; r = r->next)
    if (r->suspended) {
      r->suspended = false;
      sd_mhd.resume_connection(r->conn);
    }
  uv_poll_stop(&h->poll);
  sd_mhd.stop_daemon(h->mhd);
  h->mhd = NULL;
  h->close_cb = cb;
  h->close_data = data;
  h->open_handles = 2;
  uv_close((uv_handle_t *)&h->poll, handle_closed);
  uv_close((uv_handle_t *)&h->timer, handle_closed);
}

const char *sd_http_req_method(const struct sd_http_req *req) {
  return req->method;
}

const char *sd_http_req_path(const struct sd_http_req *req) {
  return req->path;
}

const char *sd_http_req_header(const struct sd_http_req *req, const char *name) {
  if (req->conn == NULL)
    return NULL;
  return sd_mhd.lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

bool sd_http_req_too_big(const struct sd_http_req *req) {
  return req->too_big;
}

const char *sd_http_req_arg(const struct sd_http_req *req, const char *name) {
  if (req->conn == NULL)
    return NULL;
  return sd_mhd.lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct args_iter {
  void (*fn)(void *data, const char *key, const char *value);
  void *data;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  struct args_iter *it = cls;
  it->fn(it->data, key, value);
  return MHD_YES;
}

void sd_http_req_args(const struct sd_http_req *req,
                      void (*fn)(void *data, const char *key, const char *value), void *data) {
  if (req->conn == NULL)
    return;
  struct args_iter it = { fn, data };
  sd_mhd.get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_arg, &it);
}

const char *sd_http_req_body(const struct sd_http_req *req, size_t *len) {
  *len = req->body.len;
  return req->body.data;
}

void sd_http_req_set_label(struct sd_http_req *req, const char *label) {
  free(req->label);
  req->label = sd_xstrdup(label);
}

void sd_http_reply(struct sd_http_req *req, int status, const char *content_type, char *body, size_t len) {
  if (req->orphaned) { /* nobody left to answer */
    free(body);
    req_free(req);
    return;
  }
  if (req->replied) { /* a handler bug: keep the first answer */
    free(body);
    return;
  }
  req->replied = true;
  req->status = status;
  req->reply = body;
  req->reply_len = len;
  req->content_type = content_type ? sd_xstrdup(content_type) : NULL;
  if (req->suspended) {
    /* MHD calls on_request again for this connection, which queues the
     * reply; run it on the next turn rather than from inside our caller. */
    req->suspended = false;
    sd_mhd.resume_connection(req->conn);
    uv_timer_start(&req->http->timer, on_timer, 0, 0);
  }
}
