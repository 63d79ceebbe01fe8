/* The HTTP client of http_client.h: one curl multi handle on the loop. Each
 * socket curl watches gets a uv_poll_t (struct sock), curl's single timeout
 * is one uv_timer_t, and finished transfers are collected after every
 * socket_action. The client's memory goes when its last handle has closed
 * (`handles` counts them), since libuv frees nothing before close
 * callbacks. */
#include "integrations/http_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/log.h"

struct sock {
  uv_poll_t poll; /* data = the client */
  curl_socket_t fd;
  struct sock *prev, *next; /* the client's list, for shutdown */
};

struct sd_http_call {
  CURL *easy;
  struct sd_http_client *c;
  sd_http_done_fn done;
  void *data;
  struct curl_slist *hdrs; /* request headers; owned */
  struct sd_buf body;      /* response body */
  struct sd_buf hraw;      /* response header lines, NUL-separated */
  size_t nheaders;
  uint64_t t0;
  char errbuf[CURL_ERROR_SIZE];
  char reason[64];                  /* the last status line's reason phrase */
  char limit[64];                   /* which cap stopped the transfer; "" if none (curl's own
                                       text for a write error would not say) */
  struct sd_http_call *prev, *next; /* the client's list of calls in flight */
};

struct sd_http_client {
  uv_loop_t *loop;
  CURLM *multi; /* made by the first request (multi_start); NULL until then */
  uv_timer_t timer;
  struct sock *socks;
  struct sd_http_call *calls;
  size_t inflight;
  int handles; /* open uv handles: the timer and every sock */
  bool closing;
  bool used_curl; /* counted in curl_users */
};

static int curl_users; /* clients alive: curl_global_* pair up around them */

static void client_unref(struct sd_http_client *c) {
  if (--c->handles > 0)
    return;
  bool used_curl = c->used_curl;
  free(c);
  if (used_curl && --curl_users == 0)
    curl_global_cleanup();
}

static void on_handle_closed(uv_handle_t *h) {
  struct sd_http_client *c = h->data;
  if (h->type == UV_POLL)
    free(h); /* the poll is the first member of struct sock */
  client_unref(c);
}

static void sock_close(struct sd_http_client *c, struct sock *sk) {
  if (sk->prev != NULL)
    sk->prev->next = sk->next;
  else
    c->socks = sk->next;
  if (sk->next != NULL)
    sk->next->prev = sk->prev;
  uv_poll_stop(&sk->poll);
  uv_close((uv_handle_t *)&sk->poll, on_handle_closed);
}

static void call_unlink(struct sd_http_call *call) {
  struct sd_http_client *c = call->c;
  if (call->prev != NULL)
    call->prev->next = call->next;
  else
    c->calls = call->next;
  if (call->next != NULL)
    call->next->prev = call->prev;
  c->inflight--;
}

static void call_free(struct sd_http_call *call) {
  curl_easy_cleanup(call->easy);
  curl_slist_free_all(call->hdrs);
  sd_buf_free(&call->body);
  sd_buf_free(&call->hraw);
  free(call);
}

/* Splits the stored "Name: value" lines into an array for the response. */
static struct sd_http_header *split_headers(struct sd_http_call *call) {
  struct sd_http_header *hs = sd_xcalloc(call->nheaders + 1, sizeof *hs);
  char *p = call->hraw.data;
  for (size_t i = 0; i < call->nheaders; i++) {
    char *colon = strchr(p, ':');
    size_t len = strlen(p);
    hs[i].name = p;
    hs[i].value = "";
    if (colon != NULL) {
      *colon = '\0';
      char *v = colon + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      hs[i].value = v;
    }
    p += len + 1;
  }
  return hs;
}

static void call_finish(struct sd_http_call *call, CURLcode code) {
  struct sd_http_response r = { 0 };
  curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &r.status);
  if (code != CURLE_OK) {
    r.status = 0;
    r.curl_code = (int)code;
    r.error = call->limit[0] ? call->limit : call->errbuf[0] ? call->errbuf : curl_easy_strerror(code);
    r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
  }
  if (call->body.data == NULL)
    sd_buf_add(&call->body, "", 0);
  r.body = call->body.data;
  r.body_len = call->body.len;
  r.status_text = call->reason;
  struct sd_http_header *hs = split_headers(call);
  r.headers = hs;
  r.nheaders = call->nheaders;
  r.seconds = (double)(uv_hrtime() - call->t0) / 1e9;
  call->done(call->data, &r);
  free(hs);
}

/* Hands every finished transfer to its caller. A callback may start or
 * cancel other calls: curl drops the messages of a removed handle. */
static void collect(struct sd_http_client *c) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    struct sd_http_call *call = NULL;
    CURLcode code = msg->data.result;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
    curl_multi_remove_handle(c->multi, call->easy);
    call_unlink(call);
    call_finish(call, code);
    call_free(call);
  }
}

static void on_poll(uv_poll_t *h, int status, int events) {
  struct sd_http_client *c = h->data;
  struct sock *sk = (struct sock *)h;
  int flags = 0;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  int running;
  curl_multi_socket_action(c->multi, sk->fd, flags, &running);
  collect(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  struct sd_http_client *c = userp;
  struct sock *sk = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (sk != NULL) {
      curl_multi_assign(c->multi, fd, NULL);
      sock_close(c, sk);
    }
    return 0;
  }
  if (sk == NULL) {
    sk = sd_xcalloc(1, sizeof *sk);
    if (uv_poll_init_socket(c->loop, &sk->poll, fd) != 0) {
      free(sk);
      return -1; /* curl fails the transfer */
    }
    sk->fd = fd;
    sk->poll.data = c;
    sk->next = c->socks;
    if (c->socks != NULL)
      c->socks->prev = sk;
    c->socks = sk;
    c->handles++;
    curl_multi_assign(c->multi, fd, sk);
  }
  int events = 0;
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  uv_poll_start(&sk->poll, events, on_poll);
  return 0;
}

static void on_timeout(uv_timer_t *t) {
  struct sd_http_client *c = t->data;
  int running;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  collect(c);
}

/* curl may not call socket_action from here: a timeout of 0 fires on the
 * loop's next turn instead. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp) {
  struct sd_http_client *c = userp;
  if (timeout_ms < 0)
    uv_timer_stop(&c->timer);
  else
    uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

/* libcurl (loaded and initialised on first use, see curl_load.c) waits
 * for the first request: most `stepd run` processes make none, and
 * curl_global_init alone costs 2M instructions (OpenSSL's set-up). */
static void multi_start(struct sd_http_client *c) {
  if (c->multi != NULL)
    return;
  if (curl_users++ == 0)
    curl_global_init(CURL_GLOBAL_DEFAULT);
  c->used_curl = true;
  c->multi = curl_multi_init();
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
}

struct sd_http_client *sd_http_client_new(uv_loop_t *loop) {
  struct sd_http_client *c = sd_xcalloc(1, sizeof *c);
  c->loop = loop;
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  c->handles = 1;
  return c;
}

void sd_http_client_free(struct sd_http_client *c) {
  if (c == NULL || c->closing)
    return;
  c->closing = true;
  while (c->calls != NULL) {
    struct sd_http_call *call = c->calls;
    curl_multi_remove_handle(c->multi, call->easy);
    call_unlink(call);
    call_free(call);
  }
  /* Our polls go before curl closes the cached connections' sockets, and
   * curl must not call back into a client being torn down. */
  if (c->multi != NULL) {
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, NULL);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, NULL);
  }
  while (c->socks != NULL)
    sock_close(c, c->socks);
  if (c->multi != NULL)
    curl_multi_cleanup(c->multi);
  c->multi = NULL;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static size_t on_body(char *ptr, size_t size, size_t n, void *userdata) {
  struct sd_http_call *call = userdata;
  /* Whoever answers decides how much we buffer, and a result past 256 KiB
   * fails the state anyway (States.DataLimitExceeded): past the cap the
   * transfer stops rather than the process growing without bound. */
  if (call->body.len + size * n > SD_HTTP_BODY_MAX) {
    snprintf(call->limit, sizeof call->limit, "the response body exceeds %d MiB", SD_HTTP_BODY_MAX >> 20);
    return 0; /* CURLE_WRITE_ERROR */
  }
  sd_buf_add(&call->body, ptr, size * n);
  return size * n;
}

/* Keeps the header lines of the last response only: a "100 Continue" or a
 * redirect's status line starts over. */
static size_t on_header(char *ptr, size_t size, size_t n, void *userdata) {
  struct sd_http_call *call = userdata;
  size_t len = size * n;
  if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
    call->hraw.len = 0;
    call->nheaders = 0;
    /* "HTTP/1.1 200 OK\r\n": the phrase after the code. */
    const char *sp = memchr(ptr, ' ', len);
    const char *sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - ptr)) : NULL;
    size_t rn = 0;
    if (sp2 != NULL) {
      sp2++;
      while (sp2 + rn < ptr + len && sp2[rn] != '\r' && sp2[rn] != '\n' && rn + 1 < sizeof call->reason)
        rn++;
      memcpy(call->reason, sp2, rn);
    }
    call->reason[rn] = '\0';
    return len;
  }
  if (call->hraw.len + len > SD_HTTP_HEADERS_MAX) {
    snprintf(call->limit, sizeof call->limit, "the response headers exceed %d KiB",
             SD_HTTP_HEADERS_MAX >> 10);
    return 0; /* CURLE_WRITE_ERROR */
  }
  size_t k = len;
  while (k > 0 && (ptr[k - 1] == '\r' || ptr[k - 1] == '\n'))
    k--;
  if (k == 0 || memchr(ptr, ':', k) == NULL)
    return len;
  sd_buf_add(&call->hraw, ptr, k);
  sd_buf_add(&call->hraw, "", 1); /* keeps the separator */
  call->nheaders++;
  return len;
}

struct sd_http_call *sd_http_client_send(struct sd_http_client *c, const struct sd_http_request *req,
                                         sd_http_done_fn done, void *data, struct sd_err *err) {
  if (c->closing) {
    sd_err_set(err, SD_E_RUNTIME, "the HTTP client is shutting down");
    return NULL;
  }
  /* Header values come from state data (an HTTP Task's Headers, Lambda's
   * ClientContext); libcurl sends them as given, so a line break would
   * smuggle in headers of the data's choosing, or a second request. */
  for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
    const char *h = req->headers[i];
    size_t nl = strcspn(h, "\r\n");
    if (h[nl] != '\0') {
      sd_err_set(err, SD_E_RUNTIME, "the header '%.*s' holds a line break, which HTTP does not allow",
                 (int)strcspn(h, ":\r\n"), h);
      return NULL;
    }
  }
  multi_start(c);
  struct sd_http_call *call = sd_xcalloc(1, sizeof *call);
  call->c = c;
  call->done = done;
  call->data = data;
  CURL *e = call->easy = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, call);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  if (req->timeout_s > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout_s * 1000 + 0.5));
  const char *method = req->method ? req->method : req->body ? "POST" : "GET";
  if (req->body != NULL || strcmp(method, "POST") == 0) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
    call->hdrs = curl_slist_append(call->hdrs, req->headers[i]);
  /* A body over 1 KiB would otherwise wait for "100 Continue", which
   * AWS's endpoints and emulators do not all send: a lost round trip. */
  call->hdrs = curl_slist_append(call->hdrs, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->hdrs);
  if (req->user != NULL) {
    curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
    curl_easy_setopt(e, CURLOPT_PASSWORD, req->secret ? req->secret : "");
    if (req->sigv4 != NULL)
      curl_easy_setopt(e, CURLOPT_AWS_SIGV4, req->sigv4);
    else
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  }
  call->t0 = uv_hrtime();
  CURLMcode mc = curl_multi_add_handle(c->multi, e);
  if (mc != CURLM_OK) {
    sd_err_set(err, SD_E_RUNTIME, "cannot start the HTTP request to %s: %s", req->url,
               curl_multi_strerror(mc));
    call_free(call);
    return NULL;
  }
  call->next = c->calls;
  if (c->calls != NULL)
    c->calls->prev = call;
  c->calls = call;
  c->inflight++;
  return call;
}

void sd_http_call_cancel(struct sd_http_call *call) {
  if (call == NULL)
    return;
  curl_multi_remove_handle(call->c->multi, call->easy);
  call_unlink(call);
  call_free(call);
}

size_t sd_http_client_inflight(const struct sd_http_client *c) {
  return c->inflight;
}

const char *sd_http_response_header(const struct sd_http_response *r, const char *name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return r->headers[i].value;
  return NULL;
}
