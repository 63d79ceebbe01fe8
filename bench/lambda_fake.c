/* The benchmark's Lambda endpoint: answers every Invoke (any POST) with its
 * own payload after a fixed delay, on one libuv loop, so that the time
 * measured is stepd's and not the fake's (the Python fake of the tests
 * spends ~0.5 s of CPU accepting a thousand connections on this machine).
 * Speaks just enough HTTP/1.1: keep-alive, Content-Length bodies.
 *
 * Usage: lambda_fake [DELAY_MS]; prints "listening PORT" and serves until
 * killed. Not a test fake: tests/fakes/lambda_fake.py is that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

struct conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  char *buf; /* request bytes received */
  size_t len, cap;
  size_t body_at, body_len; /* set once the headers are in */
  int closing;
};

static uint64_t delay_ms = 200;
static uv_loop_t *loop;

static void on_closed(uv_handle_t *h) {
  struct conn *c = h->data;
  if (--c->closing == 0) {
    free(c->buf);
    free(c);
  }
}

static void conn_close(struct conn *c) {
  if (c->closing)
    return;
  c->closing = 2;
  uv_close((uv_handle_t *)&c->timer, on_closed);
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  struct conn *c = h->data;
  if (c->cap - c->len < 65536) {
    c->cap = c->cap * 2 + 65536;
    c->buf = realloc(c->buf, c->cap);
  }
  *b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_written(uv_write_t *w, int status) {
  free(w->data);
  free(w);
}

static void try_request(struct conn *c);

/* The delay is over: echo the body, keep the rest of the buffer. */
static void on_timer(uv_timer_t *t) {
  struct conn *c = t->data;
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                   "X-Amz-Executed-Version: $LATEST\r\nx-amzn-RequestId: bench\r\n\r\n",
                   c->body_len);
  char *out = malloc((size_t)n + c->body_len);
  memcpy(out, head, (size_t)n);
  memcpy(out + n, c->buf + c->body_at, c->body_len);
  uv_write_t *w = malloc(sizeof *w);
  w->data = out;
  uv_buf_t b = uv_buf_init(out, (unsigned)(n + c->body_len));
  uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_written);
  size_t used = c->body_at + c->body_len;
  memmove(c->buf, c->buf + used, c->len - used);
  c->len -= used;
  c->body_at = 0;
  try_request(c);
}

/* Starts the delay once a whole request is buffered. */
static void try_request(struct conn *c) {
  if (c->body_at != 0 || c->len == 0)
    return;
  char *end = NULL;
  for (size_t i = 3; i < c->len && end == NULL; i++)
    if (memcmp(c->buf + i - 3, "\r\n\r\n", 4) == 0)
      end = c->buf + i + 1;
  if (end == NULL)
    return;
  size_t body_len = 0;
  for (char *p = c->buf; p < end; p++) {
    if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
      body_len = strtoul(p + 15, NULL, 10);
  }
  size_t at = (size_t)(end - c->buf);
  if (c->len < at + body_len)
    return;
  c->body_at = at;
  c->body_len = body_len;
  uv_timer_start(&c->timer, on_timer, delay_ms, 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  struct conn *c = s->data;
  if (n < 0) {
    conn_close(c);
    return;
  }
  c->len += (size_t)n;
  try_request(c);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status != 0)
    return;
  struct conn *c = calloc(1, sizeof *c);
  uv_tcp_init(loop, &c->tcp);
  uv_timer_init(loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv) {
  if (argc > 1)
    delay_ms = strtoull(argv[1], NULL, 10);
  loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) != 0 ||
      uv_listen((uv_stream_t *)&server, 4096, on_connection) != 0) {
    fprintf(stderr, "lambda_fake: cannot listen\n");
    return 1;
  }
  struct sockaddr_storage name;
  int len = sizeof name;
  uv_tcp_getsockname(&server, (struct sockaddr *)&name, &len);
  printf("listening %d\n", ntohs(((struct sockaddr_in *)&name)->sin_port));
  fflush(stdout);
  return uv_run(loop, UV_RUN_DEFAULT);
}
