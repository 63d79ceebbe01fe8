/* The public entry points of engine/validate.h beyond what the case files
 * cover: CreateStateMachine's message, sd_validate_parse, sd_validate on a
 * json_t, the `served` callback and the diagnostic cap. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/validate.h"
#include "vtest.h"

static char *message_of(const char *text, const char *type) {
  json_t *r = vt_validate(text, type);
  char *m = sd_validate_message(r);
  json_decref(r);
  return m;
}

TEST(message_single_error_as_aws_words_it) {
  /* Recorded against AWS (conformance: TestTaskServiceDynamoDB). */
  char *m = message_of("{'StartAt': 'Query', 'States': {'Query': {'Type': 'Task', "
                       "'Resource': 'arn:aws:states:::dynamodb:query', 'End': true}}}",
                       NULL);
  ASSERT_STR_EQ(m,
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided "
                "arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, "
                "or the resource is not available in this region. at /States/Query/Resource'");
  free(m);
  return 0;
}

TEST(message_joins_errors_and_skips_warnings) {
  /* AWS's answer quoted in localstack#11978. */
  char *m = message_of("{'StartAt': 'pass1', 'States': {'pass1': {'Type': 'Pass', 'Next': 'pass3'}, "
                       "'pass2': {'Type': 'Pass', 'End': true}}}",
                       NULL);
  ASSERT_STR_EQ(m,
                "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 "
                "at /States/pass1/Next, MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at "
                "/States/pass2'");
  free(m);
  return 0;
}

TEST(message_without_location_says_null) {
  char *m = message_of("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'A'}}}", NULL);
  ASSERT_STR_EQ(
      m, "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'");
  free(m);
  return 0;
}

TEST(message_express_wait_for_task_token) {
  /* Recorded against AWS: note the two spaces before "at". */
  char *m = message_of("{'StartAt': 'Publish', 'States': {'Publish': {'Type': 'Task', "
                       "'Resource': 'arn:aws:states:::sns:publish.waitForTaskToken', 'End': true}}}",
                       "EXPRESS");
  ASSERT_STR_EQ(m,
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not "
                "support '.waitForTaskToken' service integration  at /States/Publish/Resource'");
  free(m);
  return 0;
}

TEST(message_is_null_when_only_warnings) {
  json_t *r = vt_validate("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Parameters': {'x': '$.a'}, "
                          "'End': true}}}",
                          NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "result")), "OK");
  ASSERT_INT_EQ(json_array_size(json_object_get(r, "diagnostics")), 1);
  ASSERT(sd_validate_message(r) == NULL);
  json_decref(r);
  return 0;
}

TEST(parse_gives_line_and_column) {
  struct sd_err err = { 0 };
  const char *text = "{\n  \"StartAt\": \"A\",\n  \"States\": {]\n}";
  ASSERT(sd_validate_parse(text, strlen(text), &err) == NULL);
  ASSERT_STR_EQ(err.name, "InvalidDefinition");
  ASSERT_STR_EQ(err.where, "3:14");
  ASSERT_STR_EQ(err.cause, "string or '}' expected near ']' at line 3, column 14");
  sd_err_clear(&err);
  return 0;
}

TEST(parse_refuses_duplicate_state_names_only) {
  struct sd_err err = { 0 };
  char *dup = vt_quote("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': true}, "
                       "'A': {'Type': 'Succeed'}}}");
  ASSERT(sd_validate_parse(dup, strlen(dup), &err) == NULL);
  ASSERT_STR_EQ(err.cause, "DUPLICATE_STATE_NAME: Duplicate State name: A");
  ASSERT_STR_EQ(err.where, "/States/A");
  sd_err_clear(&err);
  free(dup);
  /* Any other repeated key keeps its last value, as AWS's parser does. */
  char *twice = vt_quote("{'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Type': 'Succeed'}}}");
  json_t *def = sd_validate_parse(twice, strlen(twice), &err);
  ASSERT(def != NULL && err.name == NULL);
  ASSERT_JSON_EQ(def, "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Succeed\"}}}");
  json_decref(def);
  free(twice);
  ASSERT(sd_validate_parse("[]", 2, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Definition must be a valid JSON object");
  sd_err_clear(&err);
  return 0;
}

TEST(validate_takes_a_parsed_definition) {
  json_t *def =
      sd_test_json("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"Next\": \"B\"}}}");
  json_t *r = sd_validate(def, NULL);
  ASSERT_JSON_EQ(
      r, "{\"result\": \"FAIL\", \"truncated\": false, \"diagnostics\": [{\"severity\": \"ERROR\", "
         "\"code\": \"MISSING_TRANSITION_TARGET\", \"message\": \"Missing 'Next' target: B\", "
         "\"location\": \"/States/A/Next\"}, {\"severity\": \"ERROR\", \"code\": \"MISSING_END_STATE\", "
         "\"message\": \"Workflow has no terminal state\"}]}");
  json_decref(r);
  json_decref(def);
  json_t *arr = json_array();
  r = sd_validate(arr, NULL);
  ASSERT_JSON_EQ(r,
                 "{\"result\": \"FAIL\", \"truncated\": false, \"diagnostics\": [{\"severity\": \"ERROR\", "
                 "\"code\": \"SCHEMA_VALIDATION_FAILED\", \"message\": \"Definition must be a valid JSON "
                 "object\"}]}");
  json_decref(r);
  json_decref(arr);
  r = sd_validate(NULL, NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "result")), "FAIL");
  json_decref(r);
  return 0;
}

struct served_log {
  int calls;
  char last[128];
};

static bool serve_lambda_only(const char *resource, void *data) {
  struct served_log *log = data;
  log->calls++;
  snprintf(log->last, sizeof log->last, "%s", resource);
  return strstr(resource, ":lambda:") != NULL;
}

TEST(unserved_resource_is_a_warning) {
  struct served_log log = { 0 };
  struct sd_validate_opts opts = { .served = serve_lambda_only, .served_data = &log };
  char *text =
      vt_quote("{'StartAt': 'A', 'States': {"
               "'A': {'Type': 'Task', 'Resource': 'arn:aws:states:::lambda:invoke', 'Next': 'B'},"
               "'B': {'Type': 'Task', 'Resource': 'arn:aws:states:::glue:startJobRun.sync', 'Next': 'C'},"
               "'C': {'Type': 'Task', 'Resource': 'arn:aws:states:::nope:nope', 'End': true}}}");
  json_t *r = sd_validate_text(text, strlen(text), &opts);
  char *lines = vt_lines(r);
  ASSERT_STR_EQ(
      lines, "FAIL\n"
             "WARNING RESOURCE_NOT_SERVED /States/B/Resource: No connector of this stepd build serves "
             "'arn:aws:states:::glue:startJobRun.sync': the Task fails at run time unless a mock serves it\n"
             "ERROR SCHEMA_VALIDATION_FAILED /States/C/Resource: The resource provided "
             "arn:aws:states:::nope:nope is not recognized. The value is not a valid resource ARN, or the "
             "resource is not available in this region.");
  /* Asked only about the resources AWS knows. */
  ASSERT_INT_EQ(log.calls, 2);
  ASSERT_STR_EQ(log.last, "arn:aws:states:::glue:startJobRun.sync");
  free(lines);
  json_decref(r);
  free(text);
  return 0;
}

TEST(diagnostics_stop_at_one_hundred) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, "{\"StartAt\": \"S0\", \"States\": {");
  for (int i = 0; i < 150; i++)
    sd_buf_printf(&b, "%s\"S%d\": {\"Type\": \"Pass\", \"Bad\": 1, \"End\": true}", i ? ", " : "", i);
  sd_buf_puts(&b, "}}");
  json_t *r = sd_validate_text(b.data, b.len, NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "result")), "FAIL");
  ASSERT_INT_EQ(json_array_size(json_object_get(r, "diagnostics")), 100);
  ASSERT(json_is_true(json_object_get(r, "truncated")));
  json_decref(r);
  sd_buf_free(&b);
  return 0;
}
