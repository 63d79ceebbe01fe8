/* Mock configuration checks: every malformed shape gets a clear cause and a
 * JSON pointer to the offending value. */
#include <stdlib.h>

#include "runner.h"

#include "engine/connector.h"
#include "engine/err.h"
#include "integrations/mock.h"

/* The example of the AWS page "Configuration file for mocked service
 * integrations", trimmed. */
static const char aws_example[] =
    "{\"StateMachines\": {\"LambdaSQSIntegration\": {\"TestCases\": {"
    "  \"HappyPath\": {\"LambdaState\": \"MockedLambdaSuccess\", \"SQSState\": \"MockedSQSSuccess\"},"
    "  \"RetryPath\": {\"LambdaState\": \"MockedLambdaRetry\", \"SQSState\": \"MockedSQSSuccess\"},"
    "  \"HybridPath\": {\"LambdaState\": \"MockedLambdaSuccess\"}}}},"
    " \"MockedResponses\": {"
    "  \"MockedLambdaSuccess\": {\"0\": {\"Return\": {\"StatusCode\": 200, \"Payload\": {\"body\": "
    "\"hi\"}}}},"
    "  \"MockedSQSSuccess\": {\"0\": {\"Return\": {\"MessageId\": \"m-1\"}}},"
    "  \"MockedLambdaRetry\": {"
    "    \"0\": {\"Throw\": {\"Error\": \"Lambda.ResourceNotReadyException\", \"Cause\": \"not ready\"}},"
    "    \"1-2\": {\"Throw\": {\"Error\": \"Lambda.TimeoutException\", \"Cause\": \"timed out\"}},"
    "    \"3\": {\"Return\": {\"StatusCode\": 200}}}}}";

/* Loads `text` selecting machine M, test case T; returns the load status
 * and leaves the error in `err`. */
static int load_mt(const char *text, struct sd_err *err) {
  json_t *cfg = sd_test_json(text);
  struct sd_connector c = { 0 };
  int rc = sd_mock_load(cfg, "M", "T", &c, err);
  json_decref(cfg);
  if (rc == 0)
    c.ops->free(c.self);
  return rc;
}

/* A config whose test case T maps state S to response R = `resp`. */
static int load_resp(const char *resp, struct sd_err *err) {
  char text[2048];
  snprintf(text, sizeof text,
           "{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"S\": \"R\"}}}}, \"MockedResponses\": "
           "{\"R\": %s}}",
           resp);
  return load_mt(text, err);
}

#define ASSERT_CFG_ERR(err, ptr, needle)                                                                     \
  do {                                                                                                       \
    ASSERT_STR_EQ((err).name, SD_MOCK_E_CONFIG);                                                             \
    ASSERT_STR_EQ((err).where, ptr);                                                                         \
    if ((err).cause == NULL || strstr((err).cause, needle) == NULL) {                                        \
      fprintf(stderr, "%s:%d: cause \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,                              \
              (err).cause ? (err).cause : "(null)", needle);                                                 \
      return 1;                                                                                              \
    }                                                                                                        \
  } while (0)

TEST(aws_example_loads_and_validates) {
  json_t *cfg = sd_test_json(aws_example);
  struct sd_err err = { 0 };
  struct sd_connector c = { 0 };
  ASSERT_INT_EQ(sd_mock_load(cfg, "LambdaSQSIntegration", "RetryPath", &c, &err), 0);
  ASSERT(c.ops == &sd_conn_mock);
  ASSERT(sd_mock_covers(c.self, "arn:x", "LambdaState"));
  ASSERT(sd_mock_covers(c.self, "arn:x", "SQSState"));
  ASSERT(!sd_mock_covers(c.self, "arn:x", "Other"));
  c.ops->free(c.self);
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), 0);
  ASSERT(err.name == NULL);
  json_decref(cfg);
  return 0;
}

TEST(unknown_test_case_lists_the_existing_ones) {
  json_t *cfg = sd_test_json(aws_example);
  struct sd_err err = { 0 };
  struct sd_connector c = { 0 };
  ASSERT_INT_EQ(sd_mock_load(cfg, "LambdaSQSIntegration", "SadPath", &c, &err), -1);
  ASSERT(c.ops == NULL);
  ASSERT_CFG_ERR(
      err, "/StateMachines/LambdaSQSIntegration/TestCases",
      "Test case 'SadPath' is not defined for state machine 'LambdaSQSIntegration'; its test cases "
      "are: 'HappyPath', 'RetryPath', 'HybridPath'");
  sd_err_clear(&err);
  json_decref(cfg);
  return 0;
}

TEST(unknown_machine_lists_the_existing_ones) {
  json_t *cfg = sd_test_json(aws_example);
  struct sd_err err = { 0 };
  struct sd_connector c = { 0 };
  ASSERT_INT_EQ(sd_mock_load(cfg, "Other", "HappyPath", &c, &err), -1);
  ASSERT_CFG_ERR(
      err, "/StateMachines",
      "State machine 'Other' is not in the mock configuration; it defines: 'LambdaSQSIntegration'");
  sd_err_clear(&err);
  json_decref(cfg);
  return 0;
}

TEST(machine_without_test_cases_says_none) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {}}}, \"MockedResponses\": {}}", &err),
                -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M/TestCases", "its test cases are: none");
  sd_err_clear(&err);
  return 0;
}

TEST(top_level_shape) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt("[]", &err), -1);
  ASSERT_CFG_ERR(err, "", "must be a JSON object");
  ASSERT_INT_EQ(load_mt("{\"MockedResponses\": {}}", &err), -1);
  ASSERT_CFG_ERR(err, "", "has no 'StateMachines' field");
  /* The AWS page's bullet list says "MockedResponse": a likely typo. */
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {}, \"MockedResponse\": {}}", &err), -1);
  ASSERT_CFG_ERR(err, "", "has no 'MockedResponses' field");
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {}, \"MockedResponses\": []}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses", "'MockedResponses' must be an object");
  sd_err_clear(&err);
  return 0;
}

TEST(machine_shape) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {\"M\": {\"TestCase\": {}}}, \"MockedResponses\": {}}", &err),
                -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M", "must be an object with an object field 'TestCases'");
  ASSERT_INT_EQ(
      load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {}}, \"X\": 1}}, \"MockedResponses\": {}}",
              &err),
      -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M/X", "Unknown field 'X' in state machine 'M'");
  ASSERT_INT_EQ(
      load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": []}}}, \"MockedResponses\": {}}", &err),
      -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M/TestCases/T", "must be an object mapping state names");
  ASSERT_INT_EQ(
      load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"S\": 1}}}}, \"MockedResponses\": {}}",
              &err),
      -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M/TestCases/T/S", "must name a mocked response with a string");
  sd_err_clear(&err);
  return 0;
}

TEST(missing_mocked_response_points_at_the_state) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"Get a/b\": \"Nope\"}}}}, "
                        "\"MockedResponses\": "
                        "{\"Yes\": {}}}",
                        &err),
                -1);
  ASSERT_CFG_ERR(err, "/StateMachines/M/TestCases/T/Get a~1b",
                 "State 'Get a/b' in test case 'T' refers to mocked response 'Nope', which is not defined in "
                 "MockedResponses");
  sd_err_clear(&err);
  return 0;
}

TEST(malformed_invocation_keys) {
  static const char *const bad[] = {
    "1-", "a", "-1", "1-2-3", " 1", "+1", "", "1 - 2", "0x1", "99999999999"
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char resp[256], ptr[64], needle[128];
    snprintf(resp, sizeof resp, "{\"%s\": {\"Return\": 1}}", bad[i]);
    snprintf(ptr, sizeof ptr, "/MockedResponses/R/%s", bad[i]);
    snprintf(needle, sizeof needle, "Invalid invocation key '%s' in mocked response 'R'", bad[i]);
    struct sd_err err = { 0 };
    ASSERT_INT_EQ(load_resp(resp, &err), -1);
    ASSERT_CFG_ERR(err, ptr, needle);
    sd_err_clear(&err);
  }
  return 0;
}

TEST(reversed_range) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Return\": 1}, \"3-1\": {\"Return\": 2}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/3-1", "the start is greater than the end");
  sd_err_clear(&err);
  return 0;
}

TEST(overlapping_ranges) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_resp("{\"0-2\": {\"Return\": 1}, \"2\": {\"Return\": 2}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/2", "Invocation key '2' of mocked response 'R' overlaps key '0-2'");
  ASSERT_INT_EQ(
      load_resp("{\"0\": {\"Return\": 1}, \"1-5\": {\"Return\": 2}, \"3-4\": {\"Return\": 3}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/3-4", "overlaps key '1-5'");
  sd_err_clear(&err);
  return 0;
}

TEST(gaps_in_ranges) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Return\": 1}, \"2-3\": {\"Return\": 2}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/2-3",
                 "Mocked response 'R' defines no response for invocation 1: keys must number the invocations "
                 "consecutively from 0 (the next key is '2-3')");
  ASSERT_INT_EQ(load_resp("{\"1\": {\"Return\": 1}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/1", "defines no response for invocation 0");
  sd_err_clear(&err);
  /* Keys may come in any order. */
  ASSERT_INT_EQ(load_resp("{\"2\": {\"Return\": 3}, \"0\": {\"Return\": 1}, \"1\": {\"Return\": 2}}", &err),
                0);
  return 0;
}

TEST(return_and_throw_shapes) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Return\": 1, \"Throw\": {\"Error\": \"E\"}}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0", "has both 'Return' and 'Throw'; it must have exactly one");
  ASSERT_INT_EQ(load_resp("{\"0\": {}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0", "must have a 'Return' or a 'Throw' field");
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Retrun\": 1}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0", "must have a 'Return' or a 'Throw' field");
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Return\": 1, \"Comment\": \"x\"}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0/Comment", "Unknown field 'Comment'");
  ASSERT_INT_EQ(load_resp("{\"0\": 5}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0", "must be an object with a 'Return' or a 'Throw' field");
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Throw\": \"E\"}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0/Throw", "'Throw' in mocked response 'R' must be an object");
  /* A Throw without Error is a failure without an error name, as AWS
   * records some (TaskFailed with no error field). */
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Throw\": {\"Cause\": \"c\"}}}", &err), 0);
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Throw\": {\"Error\": 1}}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0/Throw", "'Error' in mocked response 'R' must be a string");
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Throw\": {\"Error\": \"E\", \"Cause\": {}}}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0/Throw", "'Cause' in mocked response 'R' must be a string");
  ASSERT_INT_EQ(load_resp("{\"0\": {\"Throw\": {\"Error\": \"E\", \"Cuase\": \"c\"}}}", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R/0/Throw", "Unknown field 'Cuase'");
  ASSERT_INT_EQ(load_resp("[]", &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/R", "must be an object whose keys are invocation numbers");
  sd_err_clear(&err);
  /* Any JSON may be returned; Cause is optional. */
  ASSERT_INT_EQ(
      load_resp("{\"0\": {\"Return\": null}, \"1\": {\"Return\": \"s\"}, \"2\": {\"Throw\": {\"Error\": "
                "\"E\"}}}",
                &err),
      0);
  return 0;
}

TEST(pointer_tokens_are_escaped) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"S\": \"a/b~c\"}}}}, "
                        "\"MockedResponses\": {\"a/b~c\": {\"x\": {\"Return\": 1}}}}",
                        &err),
                -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/a~1b~0c/x", "Invalid invocation key 'x'");
  sd_err_clear(&err);
  return 0;
}

/* Step Functions Local resolves responses only when used: an entry that the
 * selected test case does not name does not stop a run, but the full check
 * reports it. */
TEST(unused_entries_are_checked_only_by_validate_file) {
  const char *text =
      "{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"S\": \"Good\"}, \"U\": {\"S\": \"Bad\"}}}},"
      " \"MockedResponses\": {\"Good\": {\"0\": {\"Return\": 1}}, \"Bad\": {\"0-\": {\"Return\": 1}},"
      " \"Unused\": {\"0\": {\"Throw\": {\"Error\": 5}}}}}";
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_mt(text, &err), 0);
  json_t *cfg = sd_test_json(text);
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/Bad/0-", "Invalid invocation key '0-'");
  json_object_del(json_object_get(json_object_get(json_object_get(cfg, "StateMachines"), "M"), "TestCases"),
                  "U");
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/Bad/0-", "Invalid invocation key '0-'");
  json_object_del(json_object_get(cfg, "MockedResponses"), "Bad");
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), -1);
  ASSERT_CFG_ERR(err, "/MockedResponses/Unused/0/Throw",
                 "'Error' in mocked response 'Unused' must be a string");
  json_object_del(json_object_get(cfg, "MockedResponses"), "Unused");
  sd_err_clear(&err);
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), 0);
  json_decref(cfg);
  return 0;
}

TEST(validate_file_reports_bad_machines) {
  json_t *cfg =
      sd_test_json("{\"StateMachines\": {\"A\": {\"TestCases\": {}}, \"B\": []}, \"MockedResponses\": {}}");
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(sd_mock_validate_file(cfg, &err), -1);
  ASSERT_CFG_ERR(err, "/StateMachines/B", "State machine 'B' must be an object");
  sd_err_clear(&err);
  json_decref(cfg);
  return 0;
}

/* Step Functions Local accepts an empty entry and fails only the run that
 * reaches it. */
TEST(empty_response_loads) {
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(load_resp("{}", &err), 0);
  ASSERT(err.name == NULL);
  return 0;
}
