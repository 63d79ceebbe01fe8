/* TestState: reads and checks the request (JSON texts in strings, as AWS's
 * model has them), hands it to the engine's one-state runner and serialises
 * the answer: output and every inspectionData member are JSON texts. */
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/jsonw.h"
#include "engine/teststate.h"
#include "server/api.h"

/* Parses the JSON text in member `key` (new), `dflt` when absent. Answers
 * ValidationException with `what` and returns -1 when it is not JSON. */
static int get_json(struct sd_api_call *c, const char *key, const char *what, json_t **out) {
  const char *text;
  *out = NULL;
  if (sd_api_get_str(c, key, false, &text) != 0)
    return -1;
  if (text == NULL)
    return 0;
  json_error_t je;
  *out = json_loads(text, JSON_DECODE_ANY, &je);
  if (*out == NULL)
    return sd_api_error(c, "ValidationException", "%s", what);
  return 0;
}

/* Replaces each value of `o` (borrowed) by its JSON text, as AWS sends them. */
static void stringify_members(json_t *o) {
  const char *k;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(o, tmp, k, v) {
    size_t n;
    char *text = sd_jsonw_dumps(v, &n);
    json_object_set_new(o, k, json_stringn(text, n));
    free(text);
  }
}

static int read_level(struct sd_api_call *c, enum sd_ts_level *level) {
  const char *s;
  *level = SD_TS_INFO;
  if (sd_api_get_str(c, "inspectionLevel", false, &s) != 0)
    return -1;
  if (s == NULL || strcmp(s, "INFO") == 0)
    return 0;
  if (strcmp(s, "DEBUG") == 0)
    *level = SD_TS_DEBUG;
  else if (strcmp(s, "TRACE") == 0)
    *level = SD_TS_TRACE;
  else
    return sd_api_error(c, "ValidationException",
                        "1 validation error detected: Value '%s' at 'inspectionLevel' failed to satisfy "
                        "constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
                        s);
  return 0;
}

/* mock.result (parsed) and mock.errorOutput; both borrowed from the request
 * or, for the result, new in *result. */
static int read_mock(struct sd_api_call *c, json_t **result, json_t **error) {
  *result = *error = NULL;
  json_t *mock = json_object_get(c->in, "mock"); /* borrowed */
  if (mock == NULL || json_is_null(mock))
    return 0;
  if (!json_is_object(mock))
    return sd_api_error(c, "SerializationException", "'mock' must be an object");
  json_t *r = json_object_get(mock, "result"); /* borrowed */
  json_t *e = json_object_get(mock, "errorOutput");
  if (r != NULL && e != NULL)
    return sd_api_error(c, "ValidationException", "%s",
                        "A mock can have a result or an errorOutput, not both");
  if (e != NULL) {
    if (!json_is_object(e) || !json_is_string(json_object_get(e, "error")))
      return sd_api_error(c, "ValidationException", "%s", "mock.errorOutput.error is required");
    *error = e;
  }
  if (r != NULL) {
    json_error_t je;
    *result = json_is_string(r) ? json_loads(json_string_value(r), JSON_DECODE_ANY, &je) : NULL;
    if (*result == NULL)
      return sd_api_error(c, "ValidationException", "%s", "Mocked result must be valid JSON");
  }
  bool reveal = false;
  if (sd_api_get_bool(c, "revealSecrets", false, &reveal) != 0) {
    json_decref(*result);
    *result = NULL;
    return -1;
  }
  if (reveal) {
    json_decref(*result);
    *result = NULL;
    return sd_api_error(c, "ValidationException", "%s",
                        "TestState does not support RevealSecrets when a mock is specified.");
  }
  return 0;
}

void sd_api_test_state(struct sd_api_call *c) {
  const char *text, *state_name;
  struct sd_ts_req rq = { 0 };
  if (sd_api_get_str(c, "definition", true, &text) != 0 ||
      sd_api_get_str(c, "stateName", false, &state_name) != 0 || read_level(c, &rq.level) != 0)
    return;
  if (state_name != NULL && state_name[0] == '\0') {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value '' at 'stateName' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1");
    return;
  }
  rq.state_name = state_name;
  json_t *def = NULL, *input = NULL, *ctx = NULL, *mock = NULL; /* new, each */
  json_error_t je;
  def = json_loads(text, 0, &je);
  if (def == NULL) {
    sd_api_error(c, "InvalidDefinition",
                 "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: %s at %d:%d'", je.text,
                 je.line, je.column);
    return;
  }
  if (get_json(c, "input", "Invalid input: the input must be a JSON text", &input) != 0 ||
      get_json(c, "context", "Invalid Context object provided: not a JSON object", &ctx) != 0 ||
      read_mock(c, &mock, &rq.mock_error) != 0)
    goto out;
  if (ctx != NULL && !json_is_object(ctx)) {
    sd_api_error(c, "ValidationException", "%s", "Invalid Context object provided: not a JSON object");
    goto out;
  }
  rq.definition = def;
  rq.input = input ? input : json_object();
  if (input == NULL)
    input = rq.input;
  rq.context = ctx;
  rq.mock_result = mock;
  /* Mocks are checked against botocore's models when the server is told
   * where they are; fieldValidationMode NONE turns the check off. */
  const char *mode =
      json_string_value(json_object_get(json_object_get(c->in, "mock"), "fieldValidationMode"));
  if (mode == NULL || strcmp(mode, "NONE") != 0)
    rq.models_dir = getenv("STEPD_AWS_MODELS");
  struct sd_err err = { 0 };
  json_t *ans = sd_teststate_run(c->api->eng, &rq, &err); /* new */
  if (ans == NULL) {
    sd_api_error(c, err.name, "%s", err.cause ? err.cause : "");
    sd_err_clear(&err);
    goto out;
  }
  json_t *o = json_object_get(ans, "output"); /* borrowed */
  if (o != NULL) {
    size_t n;
    char *s = sd_jsonw_dumps(o, &n);
    json_object_set_new(ans, "output", json_stringn(s, n));
    free(s);
  }
  json_t *insp = json_object_get(ans, "inspectionData"); /* borrowed */
  if (insp != NULL)
    stringify_members(insp);
  sd_api_reply(c, ans);
out:
  json_decref(def);
  json_decref(input);
  json_decref(ctx);
  json_decref(mock);
}
