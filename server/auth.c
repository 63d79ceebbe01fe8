/* SigV4 verification (AWS General Reference, "Signature Version 4 signing
 * process"): rebuild the canonical request from what arrived, derive the
 * signing key of the access key the client names, and compare signatures
 * in constant time. HMAC-SHA256 and SHA-256 come from OpenSSL's libcrypto:
 * a check that guards access wants a reviewed, constant-time primitive
 * rather than our own (engine/hash.c serves States.Hash only).
 *
 * What is checked, as AWS does: an Authorization header (else
 * MissingAuthenticationTokenException), its Credential, SignedHeaders and
 * Signature parts (IncompleteSignatureException), the key
 * (UnrecognizedClientException), the scope's date, region and service, the
 * request time within 15 minutes, and the signature over the method,
 * path, query string, signed headers and the SHA-256 of the body actually
 * received (InvalidSignatureException). The Step Functions API (JSON 1.0)
 * sends no query string, EventBridge Scheduler's REST API does
 * (ListSchedules), so both are canonicalised as SigV4 says. Not for:
 * answering (api.c). */
#include "server/auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/str.h"
#include "integrations/aws_config.h"

#define SKEW_MS  (15 * 60 * 1000) /* AWS's allowed clock skew */
#define MAX_KEYS 256

struct key {
  char *id;     /* owned */
  char *secret; /* owned */
  char *token;  /* owned or NULL: a session token the request must carry */
};

struct sd_auth {
  struct key *keys; /* owned */
  size_t n;
};

/* ---- the credentials file ---- */

/* The key of `section`: the last one when the section is the one seen
 * last, else a fresh one (sections hold one key each). */
static struct key *key_of(struct sd_auth *a, const char *section, const char **last) {
  if (a->n == 0 || *last == NULL || strcmp(*last, section) != 0) {
    a->keys = sd_xrealloc(a->keys, (a->n + 1) * sizeof *a->keys);
    memset(&a->keys[a->n], 0, sizeof a->keys[a->n]);
    a->n++;
  }
  *last = section;
  return &a->keys[a->n - 1];
}

static void set(char **field, const char *v) {
  free(*field);
  *field = sd_xstrdup(v);
}

/* Drops sections that name no complete key. */
static void compact(struct sd_auth *a) {
  size_t k = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (a->keys[i].id != NULL && a->keys[i].secret != NULL) {
      a->keys[k++] = a->keys[i];
    } else {
      free(a->keys[i].id);
      free(a->keys[i].secret);
      free(a->keys[i].token);
    }
  }
  a->n = k;
}

struct sd_auth *sd_auth_load(const char *path, struct sd_err *err) {
  /* The connectors' reader treats a missing file as empty; here it is a
   * mistake in the command line. */
  if (access(path, R_OK) != 0) {
    sd_err_set(err, SD_E_USAGE, "cannot read the credentials file '%s': %s", path, strerror(errno));
    return NULL;
  }
  struct sd_aws_ini ini = { 0 };
  if (sd_aws_ini_load(&ini, path, err) != 0) {
    sd_aws_ini_free(&ini);
    return NULL;
  }
  struct sd_auth *a = sd_xcalloc(1, sizeof *a);
  const char *last = NULL; /* borrowed from ini */
  for (size_t i = 0; i < ini.n; i++) {
    const struct sd_aws_ini_entry *e = &ini.e[i];
    char **field = strcmp(e->key, "aws_access_key_id") == 0       ? &key_of(a, e->section, &last)->id
                   : strcmp(e->key, "aws_secret_access_key") == 0 ? &key_of(a, e->section, &last)->secret
                   : strcmp(e->key, "aws_session_token") == 0     ? &key_of(a, e->section, &last)->token
                                                                  : NULL;
    if (field != NULL)
      set(field, e->value);
    if (a->n > MAX_KEYS) {
      sd_err_set(err, SD_E_USAGE, "%s: more than %d keys", path, MAX_KEYS);
      sd_aws_ini_free(&ini);
      sd_auth_free(a);
      return NULL;
    }
  }
  sd_aws_ini_free(&ini);
  compact(a);
  if (a->n == 0) {
    sd_err_set(err, SD_E_USAGE,
               "the credentials file '%s' names no key (aws_access_key_id and aws_secret_access_key)", path);
    sd_auth_free(a);
    return NULL;
  }
  return a;
}

void sd_auth_free(struct sd_auth *a) {
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->keys[i].id);
    if (a->keys[i].secret != NULL)
      OPENSSL_cleanse(a->keys[i].secret, strlen(a->keys[i].secret));
    free(a->keys[i].secret);
    free(a->keys[i].token);
  }
  free(a->keys);
  free(a);
}

size_t sd_auth_count(const struct sd_auth *a) {
  return a ? a->n : 0;
}

/* ---- the Authorization header ---- */

struct authz {
  char *key_id, *date, *region, *service; /* from Credential=ID/DATE/REGION/SERVICE/aws4_request; owned */
  char *signed_headers;                   /* owned */
  char *signature;                        /* owned */
};

static void authz_free(struct authz *z) {
  free(z->key_id);
  free(z->date);
  free(z->region);
  free(z->service);
  free(z->signed_headers);
  free(z->signature);
}

/* The value of "NAME=value" among the comma-separated parts; new or NULL. */
static char *part(const char *params, const char *name) {
  size_t n = strlen(name);
  for (const char *p = params; p != NULL && *p != '\0';) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
      char *raw = sd_xstrndup(p + n + 1, len - n - 1);
      char *v = sd_xstrdup(sd_str_trim(raw));
      free(raw);
      return v;
    }
    p = end;
  }
  return NULL;
}

static int parse_authz(const char *h, struct authz *z, struct sd_err *err) {
  const char *alg = "AWS4-HMAC-SHA256";
  if (strncmp(h, alg, strlen(alg)) != 0 || h[strlen(alg)] != ' ')
    return sd_err_set(err, "IncompleteSignatureException",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                      "Authorization=%s",
                      h);
  const char *params = h + strlen(alg) + 1;
  char *cred = part(params, "Credential");
  z->signed_headers = part(params, "SignedHeaders");
  z->signature = part(params, "Signature");
  if (cred == NULL || z->signed_headers == NULL || z->signature == NULL) {
    sd_err_set(err, "IncompleteSignatureException", "Authorization header requires %s%s%s. Authorization=%s",
               cred ? "" : "'Credential' parameter. ", z->signed_headers ? "" : "'SignedHeaders' parameter. ",
               z->signature ? "" : "'Signature' parameter.", h);
    free(cred);
    return -1;
  }
  /* ID/DATE/REGION/SERVICE/aws4_request; the key id itself has no '/'. */
  char *fields[5] = { 0 };
  char *rest = cred;
  int nf = 0;
  while (nf < 5 && rest != NULL) {
    char *slash = strchr(rest, '/');
    if (slash != NULL)
      *slash = '\0';
    fields[nf++] = rest;
    rest = slash ? slash + 1 : NULL;
  }
  if (nf != 5 || rest != NULL || strcmp(fields[4], "aws4_request") != 0) {
    sd_err_set(err, "IncompleteSignatureException",
               "Credential should be scoped to a valid region, not a malformed scope. Authorization=%s", h);
    free(cred);
    return -1;
  }
  z->key_id = sd_xstrdup(fields[0]);
  z->date = sd_xstrdup(fields[1]);
  z->region = sd_xstrdup(fields[2]);
  z->service = sd_xstrdup(fields[3]);
  free(cred);
  return 0;
}

/* ---- the signature ---- */

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data, len, md);
  hex(md, sizeof md, out);
}

static void hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32]) {
  unsigned int n = 32;
  HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* A header value as SigV4 canonicalises it: trimmed, inner runs of spaces
 * made one. */
static void add_canonical_value(struct sd_buf *b, const char *v) {
  const char *p = v ? v : "";
  while (*p == ' ' || *p == '\t')
    p++;
  bool space = false;
  for (; *p != '\0'; p++) {
    if (*p == ' ' || *p == '\t') {
      space = true;
      continue;
    }
    if (space)
      sd_buf_add(b, " ", 1);
    space = false;
    sd_buf_add(b, p, 1);
  }
}

/* SigV4's UriEncode: each byte but the unreserved A-Z a-z 0-9 - _ . ~
 * as %XX in upper-case hex; '/' is kept when `slash`. */
static void uri_encode(struct sd_buf *b, const char *s, bool slash) {
  static const char digits[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' || (slash && *p == '/')) {
      sd_buf_add(b, (const char *)p, 1);
    } else {
      char esc[3] = { '%', digits[*p >> 4], digits[*p & 15] };
      sd_buf_add(b, esc, 3);
    }
  }
}

static char *uri_encoded(const char *s, bool slash) {
  struct sd_buf b = { 0 };
  uri_encode(&b, s, slash);
  return sd_buf_steal(&b);
}

/* The canonical URI. The server sees the path decoded; clients sign the
 * path they sent (percent-encoded) encoded once more, as SigV4 asks of
 * every service but S3. */
static void add_canonical_uri(struct sd_buf *b, const char *path) {
  char *sent = uri_encoded(path && path[0] ? path : "/", true);
  uri_encode(b, sent, true);
  free(sent);
}

struct qarg {
  char *key, *value; /* UriEncoded; owned */
};

static int qarg_cmp(const void *a, const void *b) {
  const struct qarg *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c != 0 ? c : strcmp(x->value, y->value);
}

/* The canonical query string: each name and value UriEncoded, sorted by
 * name then value, "name=value" joined by '&' ("name=" for "?name"). */
static void add_canonical_query(struct sd_buf *b, const struct sd_auth_req *req) {
  struct qarg *q = sd_xcalloc(req->nargs ? req->nargs : 1, sizeof *q);
  for (size_t i = 0; i < req->nargs; i++) {
    q[i].key = uri_encoded(req->args[i].key ? req->args[i].key : "", false);
    q[i].value = uri_encoded(req->args[i].value ? req->args[i].value : "", false);
  }
  qsort(q, req->nargs, sizeof *q, qarg_cmp);
  for (size_t i = 0; i < req->nargs; i++) {
    sd_buf_printf(b, "%s%s=%s", i ? "&" : "", q[i].key, q[i].value);
    free(q[i].key);
    free(q[i].value);
  }
  free(q);
}

/* The canonical request's hash, from the request and the signed headers. */
static void canonical_hash(const struct sd_auth_req *req, const char *signed_headers, char out[65]) {
  struct sd_buf b = { 0 };
  sd_buf_printf(&b, "%s\n", req->method);
  add_canonical_uri(&b, req->path);
  sd_buf_add(&b, "\n", 1);
  add_canonical_query(&b, req);
  sd_buf_add(&b, "\n", 1);
  char *names = sd_xstrdup(signed_headers);
  for (char *name = names; name != NULL;) {
    char *semi = strchr(name, ';');
    if (semi != NULL)
      *semi = '\0';
    sd_buf_printf(&b, "%s:", name);
    add_canonical_value(&b, req->header(req->ctx, name));
    sd_buf_add(&b, "\n", 1);
    name = semi ? semi + 1 : NULL;
  }
  free(names);
  char body[65];
  sha256_hex(req->body ? req->body : "", req->body ? req->len : 0, body);
  sd_buf_printf(&b, "\n%s\n%s", signed_headers, body);
  sha256_hex(b.data, b.len, out);
  sd_buf_free(&b);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "YYYYMMDDTHHMMSSZ" as epoch ms; -1 when malformed. */
static int64_t parse_amz_date(const char *s) {
  int y, mo, d, h, mi, se;
  int end = 0;
  if (s == NULL || sscanf(s, "%4d%2d%2dT%2d%2d%2dZ%n", &y, &mo, &d, &h, &mi, &se, &end) != 6 ||
      s[end] != '\0' || end != 16 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return -1;
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000;
}

static void fmt_amz_date(int64_t ms, char out[32]) {
  int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
  /* civil_from_days */
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
  int64_t y = yoe + era * 400 + (m <= 2);
  snprintf(out, 32, "%04d%02d%02dT%02d%02d%02dZ", (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
           (int)(rem % 60));
}

/* Equality of two secrets in time independent of where they differ. */
static bool same_secret(const char *a, const char *b) {
  size_t n = strlen(a);
  return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

static const struct key *find_key(const struct sd_auth *a, const char *id) {
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->keys[i].id, id) == 0)
      return &a->keys[i];
  return NULL;
}

static int check_signature(const struct key *k, const struct sd_auth_req *req, const struct authz *z,
                           const char *amz_date, struct sd_err *err) {
  char creq[65];
  canonical_hash(req, z->signed_headers, creq);
  char *sts = sd_asprintf("AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, z->date, z->region,
                          z->service, creq);
  char *secret = sd_asprintf("AWS4%s", k->secret);
  unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
  hmac((const unsigned char *)secret, strlen(secret), z->date, k1);
  hmac(k1, 32, z->region, k2);
  hmac(k2, 32, z->service, k3);
  hmac(k3, 32, "aws4_request", k4);
  hmac(k4, 32, sts, sig);
  OPENSSL_cleanse(secret, strlen(secret));
  free(secret);
  free(sts);
  char want[65];
  hex(sig, sizeof sig, want);
  bool ok = strlen(z->signature) == 64 && CRYPTO_memcmp(want, z->signature, 64) == 0;
  OPENSSL_cleanse(k4, sizeof k4);
  if (!ok)
    return sd_err_set(err, "InvalidSignatureException",
                      "The request signature we calculated does not match the signature you provided. Check "
                      "your AWS Secret Access Key and signing method. Consult the service documentation for "
                      "details.");
  return 0;
}

int sd_auth_verify(const struct sd_auth *a, const struct sd_auth_req *req, const char *service,
                   const char *region, int64_t now_ms, struct sd_err *err) {
  const char *h = req->header(req->ctx, "Authorization");
  if (h == NULL || *h == '\0')
    return sd_err_set(err, "MissingAuthenticationTokenException", "Missing Authentication Token");
  struct authz z = { 0 };
  if (parse_authz(h, &z, err) != 0) {
    authz_free(&z);
    return -1;
  }
  int rc = 0;
  const struct key *k = find_key(a, z.key_id);
  const char *token = req->header(req->ctx, "X-Amz-Security-Token");
  const char *amz_date = req->header(req->ctx, "X-Amz-Date");
  int64_t t = parse_amz_date(amz_date);
  char now[32];
  fmt_amz_date(now_ms, now);
  if (k == NULL || (k->token != NULL && (token == NULL || !same_secret(token, k->token))) ||
      (k->token == NULL && token != NULL)) {
    rc = sd_err_set(err, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
  } else if (t < 0) {
    rc = sd_err_set(err, "IncompleteSignatureException",
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                    "Authorization=%s",
                    h);
  } else if (strcmp(z.service, service) != 0) {
    rc = sd_err_set(err, "InvalidSignatureException",
                    "Credential should be scoped to correct service: '%s'. ", service);
  } else if (strcmp(z.region, region) != 0) {
    rc = sd_err_set(err, "InvalidSignatureException",
                    "Credential should be scoped to a valid region, not '%s'. ", z.region);
  } else if (strncmp(amz_date, z.date, 8) != 0 || strlen(z.date) != 8) {
    rc = sd_err_set(
        err, "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        "'%s' != '%.8s', from '%s'.",
        z.date, amz_date, amz_date);
  } else if (t < now_ms - SKEW_MS || t > now_ms + SKEW_MS) {
    char edge[32];
    fmt_amz_date(t < now_ms ? now_ms - SKEW_MS : now_ms + SKEW_MS, edge);
    rc = sd_err_set(err, "InvalidSignatureException", "Signature %s: %s is now %s than %s (%s %c 15 min.)",
                    t < now_ms ? "expired" : "not yet current", amz_date, t < now_ms ? "earlier" : "later",
                    edge, now, t < now_ms ? '-' : '+');
  } else {
    rc = check_signature(k, req, &z, amz_date, err);
  }
  authz_free(&z);
  return rc;
}
