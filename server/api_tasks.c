/* Answers from workers and callbacks: SendTaskSuccess, SendTaskFailure and
 * SendTaskHeartbeat, for activity tasks and .waitForTaskToken tasks alike.
 * The engine's token registry decides (sd_engine_task_*): its errors are
 * AWS's names (TaskDoesNotExist, InvalidToken, TaskTimedOut, InvalidOutput)
 * and go to the client as they are. Not for: GetActivityTask
 * (api_activities.c). */
#include "server/api.h"

#include <string.h>

#include "engine/err.h"
#include "engine/exec.h"

/* AWS's lengths (API model: TaskToken 1-2048, SensitiveError 0-256,
 * SensitiveCause 0-32768, SensitiveData up to 262144). */
static int check_len(struct sd_api_call *c, const char *key, const char *v, size_t max) {
  if (v == NULL || strlen(v) <= max)
    return 0;
  return sd_api_error(c, "ValidationException",
                      "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must "
                      "have length less than or equal to %zu",
                      key, max);
}

static int get_token(struct sd_api_call *c, const char **token) {
  if (sd_api_get_str(c, "taskToken", true, token) != 0 || check_len(c, "taskToken", *token, 2048) != 0)
    return -1;
  if (**token == '\0')
    return sd_api_error(c, "ValidationException",
                        "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: "
                        "Member must have length greater than or equal to 1");
  return 0;
}

/* Answers {} on success, else the engine's error as the API error. */
static void finish(struct sd_api_call *c, int rc, struct sd_err *err) {
  if (rc == 0)
    sd_api_reply(c, json_object());
  else
    sd_api_error(c, err->name, "%s", err->cause ? err->cause : err->name);
  sd_err_clear(err);
}

void sd_api_send_task_success(struct sd_api_call *c) {
  const char *token, *output;
  if (get_token(c, &token) != 0 || sd_api_get_str(c, "output", true, &output) != 0 ||
      check_len(c, "output", output, 262144) != 0)
    return;
  struct sd_err err = { 0 };
  finish(c, sd_engine_task_success(c->api->eng, token, output, &err), &err);
}

void sd_api_send_task_failure(struct sd_api_call *c) {
  const char *token, *error, *cause;
  if (get_token(c, &token) != 0 || sd_api_get_str(c, "error", false, &error) != 0 ||
      sd_api_get_str(c, "cause", false, &cause) != 0 || check_len(c, "error", error, 256) != 0 ||
      check_len(c, "cause", cause, 32768) != 0)
    return;
  struct sd_err err = { 0 };
  finish(c, sd_engine_task_failure(c->api->eng, token, error, cause, &err), &err);
}

void sd_api_send_task_heartbeat(struct sd_api_call *c) {
  const char *token;
  if (get_token(c, &token) != 0)
    return;
  struct sd_err err = { 0 };
  finish(c, sd_engine_task_heartbeat(c->api->eng, token, &err), &err);
}
