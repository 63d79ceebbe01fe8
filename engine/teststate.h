/* TestState: runs one state of a definition on an input, as AWS's TestState
 * action does, without an execution, history or connectors. A Task,
 * Parallel or Map takes its result from the request's mock; Retry and Catch
 * are reported (RETRIABLE, CAUGHT_ERROR), never run. Not for: the HTTP
 * request shape (server/api_test_state.c). */
#ifndef SD_ENGINE_TESTSTATE_H
#define SD_ENGINE_TESTSTATE_H

#include <jansson.h>

struct sd_engine;
struct sd_err;

enum sd_ts_level { SD_TS_INFO, SD_TS_DEBUG, SD_TS_TRACE };

struct sd_ts_req {
  json_t *definition;     /* a state, or a machine when state_name is set; borrowed */
  const char *state_name; /* NULL: `definition` is one state */
  json_t *input;          /* borrowed */
  json_t *context;        /* the context object ($$); borrowed; NULL = built here */
  json_t *mock_result;    /* the parsed mock.result; borrowed; NULL = none */
  json_t *mock_error;     /* mock.errorOutput {error, cause}; borrowed; NULL = none */
  enum sd_ts_level level;
  /* Where botocore models are for mock.fieldValidationMode STRICT/PRESENT;
   * NULL = mocks are not checked (as fieldValidationMode NONE). */
  const char *models_dir;
};

/* Returns TestState's answer object (new): status, output, error, cause,
 * nextState, inspectionData (JSON values; the caller serialises them). On a
 * request AWS refuses, returns NULL with err: name is the API error type
 * (InvalidDefinition, ValidationException), cause its message. */
json_t *sd_teststate_run(struct sd_engine *eng, const struct sd_ts_req *rq, struct sd_err *err);

/* Checks a mocked result (borrowed) against the output shape of the Task
 * `resource`'s API operation, in the botocore model found in `models_dir`
 * (<service>.service-2.json). 0 when it conforms or there is no model to
 * check against; -1 with err (ValidationException, AWS's message). */
int sd_teststate_mock_check(const char *models_dir, const char *resource, json_t *result, struct sd_err *err);

#endif
