/* The Step Functions API client of the CLI: one blocking libcurl easy
 * request per call, AWS JSON 1.0 (POST /, X-Amz-Target, a JSON body), signed
 * with libcurl's SigV4 when credentials are configured (the connectors'
 * chain, integrations/aws_config.h: environment, AWS_PROFILE, ~/.aws).
 * Not for the server: its connectors go through curl multi on the loop. */
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/jsonw.h"
#include "integrations/aws_config.h"

struct sd_client {
  CURL *h;
  char *endpoint;            /* owned */
  char *region;              /* owned */
  struct sd_aws_config *cfg; /* credentials; owned */
  bool no_sign;
  long timeout_ms;         /* for an answer, once connected */
  const char *host_prefix; /* "sync-" for StartSyncExecution on AWS; static or NULL */
};

int sd_client_opt_parse(int argc, char **argv, int *i, struct sd_client_opts *o) {
  const char *a = argv[*i];
  if (strcmp(a, "--no-sign-request") == 0) {
    o->no_sign = true;
    return 1;
  }
  if (strcmp(a, "--endpoint") != 0 && strcmp(a, "--endpoint-url") != 0 && strcmp(a, "--region") != 0)
    return 0;
  if (*i + 1 >= argc) {
    sd_cli_errorf("option %s needs a value", a);
    return -1;
  }
  const char *v = argv[++*i];
  if (strcmp(a, "--region") == 0)
    o->region = v;
  else
    o->endpoint = v;
  return 1;
}

static const char *env_nonempty(const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The region named in an AWS endpoint's host ("states.eu-west-1.amazonaws.com",
 * "states-fips.us-east-1.amazonaws.com"), or NULL. */
static char *region_from_host(const char *endpoint) {
  const char *host = strstr(endpoint, "://");
  host = host ? host + 3 : endpoint;
  if (strncmp(host, "states.", 7) != 0 && strncmp(host, "states-fips.", 12) != 0)
    return NULL;
  const char *r = strchr(host, '.') + 1;
  const char *end = strchr(r, '.');
  if (end == NULL || end == r || strstr(end, ".amazonaws.") != end)
    return NULL;
  return sd_xstrndup(r, (size_t)(end - r));
}

struct sd_client *sd_client_new(const struct sd_client_opts *o, struct sd_err *err) {
  const char *ep = o->endpoint;
  if (ep == NULL)
    ep = env_nonempty("STEPD_ENDPOINT");
  if (ep == NULL)
    ep = env_nonempty("AWS_ENDPOINT_URL_SFN");
  if (ep == NULL)
    ep = env_nonempty("AWS_ENDPOINT_URL");
  if (ep == NULL)
    ep = SD_CLIENT_DEFAULT_ENDPOINT;
  /* The SDKs' region order (AWS_REGION, AWS_DEFAULT_REGION, the profile),
   * then the endpoint's host name, then us-east-1. */
  char *host_region = region_from_host(ep); /* owned */
  struct sd_aws_config *cfg = sd_aws_config_new(NULL, host_region, err);
  free(host_region);
  if (cfg == NULL)
    return NULL;
  struct sd_client *c = sd_xcalloc(1, sizeof *c);
  c->endpoint = sd_xstrdup(ep);
  c->region = sd_xstrdup(o->region ? o->region : sd_aws_config_region(cfg));
  c->cfg = cfg;
  c->no_sign = o->no_sign;
  /* AWS's SDKs wait about a minute for an answer; so do we. */
  c->timeout_ms = 70000;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  c->h = curl_easy_init();
  return c;
}

void sd_client_free(struct sd_client *c) {
  if (c == NULL)
    return;
  if (c->h != NULL)
    curl_easy_cleanup(c->h);
  curl_global_cleanup();
  sd_aws_config_free(c->cfg);
  free(c->endpoint);
  free(c->region);
  free(c);
}

const char *sd_client_endpoint(const struct sd_client *c) {
  return c->endpoint;
}

void sd_client_set_timeout(struct sd_client *c, double seconds) {
  c->timeout_ms = seconds < 0.001 ? 1 : (long)(seconds * 1000);
}

void sd_client_set_host_prefix(struct sd_client *c, const char *prefix) {
  c->host_prefix = prefix;
}

/* Whether the host of `url` ends with `suffix`. */
static bool host_ends_with(const char *url, const char *suffix) {
  const char *host = strstr(url, "://");
  host = host ? host + 3 : url;
  size_t hlen = strcspn(host, ":/"), slen = strlen(suffix);
  return hlen > slen && strncmp(host + hlen - slen, suffix, slen) == 0;
}

/* The URL a call goes to: the endpoint, with the action's host prefix on
 * an AWS host name (the model's "endpoint": {"hostPrefix": "sync-"}).
 * Other hosts (127.0.0.1, a proxy) get none: "sync-127.0.0.1" resolves to
 * nothing, which is why AWS's SDKs let users turn the prefix off. */
static char *call_url(const struct sd_client *c) {
  if (c->host_prefix == NULL ||
      !(host_ends_with(c->endpoint, ".amazonaws.com") || host_ends_with(c->endpoint, ".amazonaws.com.cn")))
    return sd_xstrdup(c->endpoint);
  const char *host = strstr(c->endpoint, "://");
  host = host ? host + 3 : c->endpoint;
  return sd_asprintf("%.*s%s%s", (int)(host - c->endpoint), c->endpoint, c->host_prefix, host);
}

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
  sd_buf_add(userp, data, size * n);
  return size * n;
}

/* SigV4 by libcurl (CURLOPT_AWS_SIGV4, libcurl >= 7.75) with the
 * credentials the chain found. Without any the request goes unsigned,
 * which `stepd serve` accepts. */
static void sign(struct sd_client *c, const char *service, struct curl_slist **headers) {
  const struct sd_aws_creds *cr = sd_aws_config_creds(c->cfg);
  if (c->no_sign || cr == NULL)
    return;
  char *sigv4 = sd_asprintf("aws:amz:%s:%s", c->region, service);
  curl_easy_setopt(c->h, CURLOPT_AWS_SIGV4, sigv4);
  free(sigv4);
  curl_easy_setopt(c->h, CURLOPT_USERNAME, cr->key_id);
  curl_easy_setopt(c->h, CURLOPT_PASSWORD, cr->secret);
  if (cr->token != NULL) {
    char *h = sd_asprintf("X-Amz-Security-Token: %s", cr->token);
    *headers = curl_slist_append(*headers, h);
    free(h);
  }
}

/* An error answer's name: `__type` (AWS JSON 1.0 may prefix it with the
 * shape's namespace, "com.amazonaws.sfn#StateMachineDoesNotExist"), else
 * the x-amzn-ErrorType header's first field, else the HTTP status. */
static void api_error(long http, json_t *body, const char *text, const char *hdr_type, struct sd_err *err) {
  const char *type = json_string_value(json_object_get(body, "__type"));
  const char *msg = json_string_value(json_object_get(body, "message"));
  if (msg == NULL)
    msg = json_string_value(json_object_get(body, "Message"));
  char *name = NULL; /* owned */
  if (type != NULL) {
    const char *hash = strrchr(type, '#');
    name = sd_xstrdup(hash ? hash + 1 : type);
  } else if (hdr_type != NULL && hdr_type[0] != '\0') {
    name = sd_xstrndup(hdr_type, strcspn(hdr_type, ":"));
  } else {
    name = sd_asprintf(http >= 500 ? "InternalFailure" : "HTTP%ld", http);
  }
  if (msg != NULL)
    sd_err_set(err, name, "%s", msg);
  else
    sd_err_set(err, name, "HTTP %ld: %.200s", http, text[0] ? text : "(no body)");
  free(name);
}

struct hdrs {
  char error_type[128]; /* x-amzn-ErrorType, when the server sent it */
};

static size_t on_header(char *data, size_t size, size_t n, void *userp) {
  struct hdrs *h = userp;
  size_t len = size * n;
  static const char name[] = "x-amzn-errortype:";
  if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
    const char *v = data + sizeof name - 1;
    size_t vlen = len - (sizeof name - 1);
    while (vlen > 0 && (*v == ' ' || *v == '\t'))
      v++, vlen--;
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
      vlen--;
    if (vlen >= sizeof h->error_type)
      vlen = sizeof h->error_type - 1;
    memcpy(h->error_type, v, vlen);
    h->error_type[vlen] = '\0';
  }
  return len;
}

/* A REST-JSON call (EventBridge Scheduler's API): method and path
 * ("/schedules/NAME?groupName=default"); NULL for an AWS JSON 1.0 call. */
struct rest {
  const char *method;
  const char *path;
};

static enum sd_client_rc call_once(struct sd_client *c, const char *action, json_t *req, json_t **resp,
                                   const struct rest *rest, struct sd_err *err) {
  *resp = NULL;
  char *body = req ? sd_jsonw_dumps(req, NULL) : sd_xstrdup("");
  struct curl_slist *headers = NULL;
  if (rest == NULL) {
    char *target = sd_asprintf("X-Amz-Target: AWSStepFunctions.%s", action);
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
    headers = curl_slist_append(headers, target);
    free(target);
  } else {
    headers = curl_slist_append(headers, "Content-Type: application/json");
  }
  struct sd_buf got = { 0 };
  struct hdrs hd = { { 0 } };
  char curl_msg[CURL_ERROR_SIZE] = { 0 };
  CURL *h = c->h;
  curl_easy_reset(h);
  char *url = call_url(c);
  if (rest != NULL) {
    size_t n = strlen(url);
    char *full = sd_asprintf("%.*s%s", (int)(n > 0 && url[n - 1] == '/' ? n - 1 : n), url, rest->path);
    free(url);
    url = full;
  }
  curl_easy_setopt(h, CURLOPT_URL, url);
  if (rest != NULL && strcmp(rest->method, "GET") == 0) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    if (rest != NULL && strcmp(rest->method, "POST") != 0)
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rest->method);
  }
  curl_easy_setopt(h, CURLOPT_USERAGENT, "stepd/" SD_VERSION);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &hd);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_msg);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  /* Much less for a connection than for an answer, so that a server that
   * is down is reported at once. */
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  sign(c, rest ? "scheduler" : "states", &headers);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode cc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  free(body);
  free(url);
  enum sd_client_rc rc = SD_CLIENT_OK;
  if (cc != CURLE_OK) {
    sd_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ? "Timeout" : "Unreachable", "%s",
               curl_msg[0] ? curl_msg : curl_easy_strerror(cc));
    rc = SD_CLIENT_UNREACHABLE;
    goto out;
  }
  long http = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
  json_error_t jerr;
  json_t *v = got.len ? json_loadb(got.data, got.len, 0, &jerr) : json_object(); /* new */
  const char *text = got.data ? got.data : "";
  if (http == 200 && json_is_object(v)) {
    *resp = v;
  } else {
    if (http == 200)
      sd_err_set(err, "InvalidResponse", "the answer to %s is not a JSON object: %.200s", action, text);
    else
      api_error(http, v, text, hd.error_type, err);
    json_decref(v);
    rc = SD_CLIENT_API;
  }
out:
  sd_buf_free(&got);
  return rc;
}

/* Whether a call that failed with a 5xx, which the server may have acted
 * on, can be sent again: reads, and StartExecution with a name (AWS keeps
 * one execution per name). A throttled call was not acted on: always. */
static bool safe_again(const char *action, json_t *req, const struct sd_err *err) {
  if (strcmp(err->name, "ThrottlingException") == 0)
    return true;
  if (strncmp(action, "Describe", 8) == 0 || strncmp(action, "List", 4) == 0 ||
      strncmp(action, "Get", 3) == 0)
    return true;
  return strcmp(action, "StartExecution") == 0 && json_object_get(req, "name") != NULL;
}

/* As the AWS SDKs' standard retry mode: three attempts, backing off
 * 0.2 s then 0.4 s. A server that does not answer is not asked again
 * here: the caller decides (stepd start --wait rides out an outage). */
#define ATTEMPTS 3

enum sd_client_rc sd_client_call(struct sd_client *c, const char *action, json_t *req, json_t **resp,
                                 struct sd_err *err) {
  enum sd_client_rc rc = SD_CLIENT_OK;
  for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
    rc = call_once(c, action, req, resp, NULL, err);
    if (rc != SD_CLIENT_API || attempt == ATTEMPTS || !sd_client_retryable(rc, err) ||
        !safe_again(action, req, err))
      break;
    struct timespec ts = { .tv_sec = 0, .tv_nsec = 200000000L << (attempt - 1) };
    nanosleep(&ts, NULL);
  }
  return rc;
}

enum sd_client_rc sd_client_pages(struct sd_client *c, const char *action, json_t *req, const char *key,
                                  size_t max_items, json_t **items, struct sd_err *err) {
  json_t *all = json_array();        /* new */
  json_t *page_req = json_copy(req); /* new */
  enum sd_client_rc rc = SD_CLIENT_OK;
  for (;;) {
    json_t *resp; /* new */
    rc = sd_client_call(c, action, page_req, &resp, err);
    if (rc != SD_CLIENT_OK)
      break;
    json_t *page = json_object_get(resp, key); /* borrowed from resp */
    size_t i;
    json_t *item;
    json_array_foreach(page, i, item) {
      if (max_items != 0 && json_array_size(all) >= max_items)
        break;
      json_array_append(all, item);
    }
    json_t *next = json_object_get(resp, "nextToken"); /* borrowed from resp */
    bool more = json_is_string(next) && (max_items == 0 || json_array_size(all) < max_items);
    /* A server handing out the token it was given would keep us here. */
    if (more && json_equal(next, json_object_get(page_req, "nextToken"))) {
      sd_err_set(err, "InvalidResponse", "%s returned the nextToken it was given", action);
      rc = SD_CLIENT_API;
      more = false;
    }
    if (more)
      json_object_set(page_req, "nextToken", next);
    json_decref(resp);
    if (!more)
      break;
  }
  json_decref(page_req);
  if (rc != SD_CLIENT_OK) {
    json_decref(all);
    all = NULL;
  }
  *items = all;
  return rc;
}

enum sd_client_rc sd_client_machine_arn(struct sd_client *c, const char *name_or_arn, char **arn,
                                        struct sd_err *err) {
  *arn = NULL;
  if (strncmp(name_or_arn, "arn:", 4) == 0) {
    *arn = sd_xstrdup(name_or_arn);
    return SD_CLIENT_OK;
  }
  json_t *req = json_object(); /* new */
  json_t *machines;            /* new */
  enum sd_client_rc rc = sd_client_pages(c, "ListStateMachines", req, "stateMachines", 0, &machines, err);
  json_decref(req);
  if (rc != SD_CLIENT_OK)
    return rc;
  size_t i;
  json_t *m;
  json_array_foreach(machines, i, m) {
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *a = json_string_value(json_object_get(m, "stateMachineArn"));
    if (name != NULL && a != NULL && strcmp(name, name_or_arn) == 0) {
      *arn = sd_xstrdup(a);
      break;
    }
  }
  json_decref(machines);
  if (*arn != NULL)
    return SD_CLIENT_OK;
  sd_err_set(err, "StateMachineDoesNotExist", "no state machine named '%s' at %s", name_or_arn, c->endpoint);
  return SD_CLIENT_API;
}

bool sd_client_retryable(enum sd_client_rc rc, const struct sd_err *err) {
  static const char *const names[] = { "ThrottlingException", "InternalFailure", "ServiceUnavailable",
                                       "InternalServerError", "RequestTimeout" };
  if (rc == SD_CLIENT_UNREACHABLE)
    return true;
  if (rc != SD_CLIENT_API || err->name == NULL)
    return false;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(err->name, names[i]) == 0)
      return true;
  return false;
}

enum sd_client_rc sd_client_rest(struct sd_client *c, const char *method, const char *path, json_t *req,
                                 json_t **resp, struct sd_err *err) {
  struct rest r = { .method = method, .path = path };
  return call_once(c, path, req, resp, &r, err);
}
