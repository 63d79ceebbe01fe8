/* A client of the Step Functions API (AWS JSON 1.0 over HTTP, libcurl's easy
 * interface) for the commands that talk to a server: `stepd start`,
 * `stepd executions`, `stepd state-machines`. They are API clients like any
 * other, so they work against `stepd serve` and against AWS alike. A CLI
 * process waits for its answer, so blocking calls are fine here; nothing
 * under engine/ or server/ uses this. */
#ifndef SD_CLI_CLIENT_H
#define SD_CLI_CLIENT_H

#include <stdbool.h>

#include <jansson.h>

struct sd_err;
struct sd_client;

/* What a call ended with; the CLI maps each onto its own exit status. */
enum sd_client_rc {
  SD_CLIENT_OK = 0,
  SD_CLIENT_API = 1,         /* the server answered an error: err names it as AWS does */
  SD_CLIENT_UNREACHABLE = 2, /* no answer: refused, DNS, not HTTP; err name "Unreachable" or "Timeout" */
};

struct sd_client_opts {
  const char *endpoint; /* NULL: STEPD_ENDPOINT, AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL, then the default */
  const char
      *region;  /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's, the endpoint's host, us-east-1 */
  bool no_sign; /* --no-sign-request: send no Authorization header */
};

/* The endpoint stepd serve listens on by default. */
#define SD_CLIENT_DEFAULT_ENDPOINT "http://127.0.0.1:8083"

/* Takes "--endpoint", "--region" and "--no-sign-request" from argv at *i
 * (advancing *i past a value). Returns 1 when it took the option, 0 when the
 * option is not one of these, -1 with a message when its value is missing. */
int sd_client_opt_parse(int argc, char **argv, int *i, struct sd_client_opts *o);

/* NULL with `err` set (InvalidConfig, naming the file and line) when a
 * shared AWS file (~/.aws/credentials, ~/.aws/config) is malformed. */
struct sd_client *sd_client_new(const struct sd_client_opts *o, struct sd_err *err);
void sd_client_free(struct sd_client *c);
const char *sd_client_endpoint(const struct sd_client *c);
/* How long the next calls wait for an answer (default 70 s). */
void sd_client_set_timeout(struct sd_client *c, double seconds);
/* A host prefix for the next calls (`prefix` static, or NULL), put in front
 * of AWS host names only. */
void sd_client_set_host_prefix(struct sd_client *c, const char *prefix);

/* Calls `action` ("StartExecution") with `req` (borrowed). On SD_CLIENT_OK,
 * *resp is a new reference to the answer; otherwise `err` holds the error's
 * name (the API's, or "Unreachable") and message. A throttled call, and a
 * 5xx on a call that is safe to repeat, is tried up to three times. */
enum sd_client_rc sd_client_call(struct sd_client *c, const char *action, json_t *req, json_t **resp,
                                 struct sd_err *err);

/* A REST-JSON call (EventBridge Scheduler's API, signed for the service
 * "scheduler"): `method` on `path` ("/schedules/NAME"), with `req`
 * (borrowed; NULL sends no body) as the JSON body. As sd_client_call
 * otherwise. */
enum sd_client_rc sd_client_rest(struct sd_client *c, const char *method, const char *path, json_t *req,
                                 json_t **resp, struct sd_err *err);

/* Calls a List/Get action page after page (`nextToken`), appending the
 * items under `key` to one array until `max_items` (0: all) are there.
 * `req` is borrowed; *items is a new array. */
enum sd_client_rc sd_client_pages(struct sd_client *c, const char *action, json_t *req, const char *key,
                                  size_t max_items, json_t **items, struct sd_err *err);

/* A state machine ARN from a NAME or an ARN: a value starting with "arn:"
 * is used as it is; a name is looked up with ListStateMachines (the only
 * way a client knows the account: AWS gives no "describe by name").
 * *arn is new; an unknown name is StateMachineDoesNotExist. */
enum sd_client_rc sd_client_machine_arn(struct sd_client *c, const char *name_or_arn, char **arn,
                                        struct sd_err *err);

/* True for errors worth asking again (throttling, a 5xx, no answer). */
bool sd_client_retryable(enum sd_client_rc rc, const struct sd_err *err);

#endif
