/* A small HTTP/1.1 server on the libuv loop: libmicrohttpd in external
 * event-loop mode, its epoll fd watched by a uv_poll_t and its timeout by a
 * uv_timer_t. It knows nothing about AWS: it hands each complete request to
 * one handler, which answers at once or later (the connection is suspended
 * meanwhile, so the loop never waits). Not for: routing (api.c). */
#ifndef SD_SERVER_HTTP_H
#define SD_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

struct sd_err;
struct sd_http;
struct sd_http_req;

/* Called once per complete request, on the loop thread. The handler must
 * call sd_http_reply exactly once, now or later. */
typedef void (*sd_http_handler_fn)(struct sd_http_req *req, void *data);

/* Listens on `addr` ("127.0.0.1:8083", "[::1]:8083"; port 0 picks a free
 * one). NULL with err ("Usage" for a malformed address). */
struct sd_http *sd_http_new(uv_loop_t *loop, const char *addr, sd_http_handler_fn fn, void *data,
                            struct sd_err *err);
/* Requests handed to the handler and not answered yet. */
size_t sd_http_pending(const struct sd_http *h);
/* The port actually bound (useful with port 0). */
int sd_http_port(const struct sd_http *h);
/* Stops listening, drops open connections, closes the libuv handles and
 * frees `h` from their close callbacks; `cb` (may be NULL) runs then. */
void sd_http_close(struct sd_http *h, void (*cb)(void *data), void *data);

const char *sd_http_req_method(const struct sd_http_req *req);
const char *sd_http_req_path(const struct sd_http_req *req);
/* A request header (case-insensitive name); borrowed, NULL when absent. */
const char *sd_http_req_header(const struct sd_http_req *req, const char *name);
/* Whether the body was over the limit (1 MiB) and dropped: the body is
 * then what arrived before the limit, and the handler should refuse. */
bool sd_http_req_too_big(const struct sd_http_req *req);
/* A query-string argument ("?groupName=x"), decoded; borrowed, NULL when
 * absent. */
const char *sd_http_req_arg(const struct sd_http_req *req, const char *name);
/* Calls `fn` on every query-string argument, decoded, in the order sent
 * (`value` is NULL for "?flag"); all are borrowed for the call. */
void sd_http_req_args(const struct sd_http_req *req,
                      void (*fn)(void *data, const char *key, const char *value), void *data);
/* The request body (NUL-terminated); borrowed. */
const char *sd_http_req_body(const struct sd_http_req *req, size_t *len);
/* A short label for the request log line ("StartExecution"); copied. */
void sd_http_req_set_label(struct sd_http_req *req, const char *label);

/* Answers the request: `body` (len bytes, malloc'd) is stolen. */
void sd_http_reply(struct sd_http_req *req, int status, const char *content_type, char *body, size_t len);

#endif
