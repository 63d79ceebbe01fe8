/* SigV4 verification of API requests (`stepd serve --auth sigv4
 * --credentials FILE`): the keys a server accepts, and the check of one
 * request's Authorization header against them, as AWS answers it
 * (MissingAuthenticationTokenException, IncompleteSignatureException,
 * UnrecognizedClientException, InvalidSignatureException). Not for: HTTP
 * (http.c) or answering (api.c). */
#ifndef SD_SERVER_AUTH_H
#define SD_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct sd_auth;
struct sd_err;

/* Reads an AWS shared credentials file (INI: [profile] sections with
 * aws_access_key_id, aws_secret_access_key and optionally
 * aws_session_token); every profile's key is accepted. NULL with err
 * (naming the file and line) when it cannot be read or holds no key. */
struct sd_auth *sd_auth_load(const char *path, struct sd_err *err);
void sd_auth_free(struct sd_auth *a);
size_t sd_auth_count(const struct sd_auth *a);

/* One query-string argument, decoded; both borrowed; value NULL for
 * "?flag". */
struct sd_auth_arg {
  const char *key;
  const char *value;
};

/* A request as the verifier sees it. */
struct sd_auth_req {
  const char *method;             /* "POST" */
  const char *path;               /* "/", decoded */
  const struct sd_auth_arg *args; /* the query string, in any order; borrowed */
  size_t nargs;
  /* A header's value by case-insensitive name, or NULL. */
  const char *(*header)(void *ctx, const char *name);
  void *ctx;
  const char *body;
  size_t len;
};

/* Verifies the request's SigV4 signature for `service` (the signing
 * name of the API the request is for: "states", "scheduler") in `region`
 * at `now_ms` (epoch; AWS allows 15 minutes of clock skew). 0, or -1 with
 * err naming AWS's exception and message. */
int sd_auth_verify(const struct sd_auth *a, const struct sd_auth_req *req, const char *service,
                   const char *region, int64_t now_ms, struct sd_err *err);

#endif
