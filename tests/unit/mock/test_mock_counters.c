/* Invocation counting: one counter per state per execution, each call takes
 * the next response; ranges, exhaustion and isolation. */
#include <stdlib.h>

#include "runner.h"

#include "engine/err.h"
#include "integrations/mock.h"

static const char config[] =
    "{\"StateMachines\": {\"M\": {\"TestCases\": {"
    "   \"T\": {\"Call\": \"Retry\", \"Other\": \"Values\", \"Empty\": \"None\"},"
    "   \"U\": {\"Call\": \"Values\"}}}},"
    " \"MockedResponses\": {"
    "   \"Retry\": {"
    "     \"0\": {\"Throw\": {\"Error\": \"Lambda.ResourceNotReadyException\", \"Cause\": \"not ready\"}},"
    "     \"1-2\": {\"Throw\": {\"Error\": \"Lambda.TimeoutException\"}},"
    "     \"3\": {\"Return\": {\"StatusCode\": 200, \"Payload\": {\"n\": 3}}}},"
    "   \"Values\": {\"0\": {\"Return\": \"a string\"}, \"1\": {\"Return\": 42}, \"2\": {\"Return\": null},"
    "                \"3\": {\"Return\": [1, {\"x\": true}]}},"
    "   \"None\": {}}}";

static struct sd_mock *mock_new(const char *test_case) {
  json_t *cfg = sd_test_json(config);
  struct sd_err err = { 0 };
  struct sd_mock *m = sd_mock_new(cfg, &err);
  json_decref(cfg); /* the mock keeps its own reference */
  if (m == NULL || (test_case && sd_mock_select_default(m, "M", test_case, &err) < 0)) {
    fprintf(stderr, "mock_new: %s\n", err.cause);
    exit(1);
  }
  return m;
}

/* Takes the next response and checks it is the Throw error/cause. */
static int expect_throw(struct sd_mock *m, const char *arn, const char *state, const char *error,
                        const char *cause) {
  struct sd_err err = { 0 };
  json_t *r = sd_mock_next(m, arn, state, &err);
  if (r != NULL || err.name == NULL || strcmp(err.name, error) != 0 ||
      (cause == NULL ? err.cause != NULL : (err.cause == NULL || strcmp(err.cause, cause) != 0))) {
    fprintf(stderr, "expected %s/%s, got %s/%s\n", error, cause ? cause : "(null)",
            err.name ? err.name : "(ok)", err.cause ? err.cause : "(null)");
    json_decref(r);
    sd_err_clear(&err);
    return 1;
  }
  sd_err_clear(&err);
  return 0;
}

static int expect_return(struct sd_mock *m, const char *arn, const char *state, const char *json) {
  struct sd_err err = { 0 };
  json_t *r = sd_mock_next(m, arn, state, &err);
  if (r == NULL)
    fprintf(stderr, "expected %s, got %s: %s\n", json, err.name, err.cause);
  ASSERT(r != NULL);
  ASSERT_JSON_EQ(r, json);
  json_decref(r);
  return 0;
}

TEST(ranges_give_responses_in_invocation_order) {
  struct sd_mock *m = mock_new("T");
  const char *arn = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
  ASSERT_INT_EQ(sd_mock_invocations(m, arn, "Call"), 0);
  ASSERT(expect_throw(m, arn, "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  ASSERT(expect_throw(m, arn, "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT(expect_throw(m, arn, "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT(expect_return(m, arn, "Call", "{\"StatusCode\": 200, \"Payload\": {\"n\": 3}}") == 0);
  ASSERT_INT_EQ(sd_mock_invocations(m, arn, "Call"), 4);
  sd_mock_free(m);
  return 0;
}

/* "When you mock a Task, you must specify a mocked response for every
 * invocation ... If you do not specify a mocked response, the state machine
 * execution will fail." */
TEST(running_out_of_responses_is_a_runtime_error) {
  struct sd_mock *m = mock_new("T");
  for (int i = 0; i < 4; i++) {
    struct sd_err err = { 0 };
    json_decref(sd_mock_next(m, "e", "Call", &err));
    sd_err_clear(&err);
  }
  const char *cause =
      "No mocked response is defined for invocation 4 of state 'Call': mocked response 'Retry' "
      "defines invocations 0 to 3";
  ASSERT(expect_throw(m, "e", "Call", "States.Runtime", cause) == 0);
  /* It keeps failing; it never wraps around to "0". */
  ASSERT(
      expect_throw(m, "e", "Call", "States.Runtime",
                   "No mocked response is defined for invocation 5 of state 'Call': mocked response 'Retry' "
                   "defines invocations 0 to 3") == 0);
  sd_mock_free(m);
  return 0;
}

TEST(empty_response_fails_every_invocation) {
  struct sd_mock *m = mock_new("T");
  ASSERT(
      expect_throw(m, "e", "Empty", "States.Runtime",
                   "No mocked response is defined for invocation 0 of state 'Empty': mocked response 'None' "
                   "defines none") == 0);
  sd_mock_free(m);
  return 0;
}

TEST(return_may_be_any_json_and_is_a_copy) {
  struct sd_mock *m = mock_new("T");
  ASSERT(expect_return(m, "e", "Other", "\"a string\"") == 0);
  ASSERT(expect_return(m, "e", "Other", "42") == 0);
  ASSERT(expect_return(m, "e", "Other", "null") == 0);
  struct sd_err err = { 0 };
  json_t *r = sd_mock_next(m, "e", "Other", &err);
  ASSERT_JSON_EQ(r, "[1, {\"x\": true}]");
  json_array_clear(r); /* the caller owns it: changing it must not change the mock */
  json_decref(r);
  sd_mock_release(m, "e");
  for (int i = 0; i < 3; i++)
    json_decref(sd_mock_next(m, "e", "Other", &err));
  ASSERT(expect_return(m, "e", "Other", "[1, {\"x\": true}]") == 0);
  sd_mock_free(m);
  return 0;
}

TEST(each_state_counts_alone) {
  struct sd_mock *m = mock_new("T");
  ASSERT(expect_throw(m, "e", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  ASSERT(expect_return(m, "e", "Other", "\"a string\"") == 0);
  ASSERT(expect_throw(m, "e", "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT(expect_return(m, "e", "Other", "42") == 0);
  ASSERT_INT_EQ(sd_mock_invocations(m, "e", "Call"), 2);
  ASSERT_INT_EQ(sd_mock_invocations(m, "e", "Other"), 2);
  sd_mock_free(m);
  return 0;
}

TEST(each_execution_counts_alone) {
  struct sd_mock *m = mock_new("T");
  ASSERT(expect_throw(m, "e1", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  ASSERT(expect_throw(m, "e1", "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT(expect_throw(m, "e2", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  ASSERT(expect_throw(m, "e1", "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT(expect_return(m, "e1", "Call", "{\"StatusCode\": 200, \"Payload\": {\"n\": 3}}") == 0);
  ASSERT(expect_throw(m, "e2", "Call", "Lambda.TimeoutException", NULL) == 0);
  ASSERT_INT_EQ(sd_mock_invocations(m, "e1", "Call"), 4);
  ASSERT_INT_EQ(sd_mock_invocations(m, "e2", "Call"), 2);
  sd_mock_free(m);
  return 0;
}

TEST(release_forgets_the_counters) {
  struct sd_mock *m = mock_new("T");
  ASSERT(expect_throw(m, "e", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  sd_mock_release(m, "e");
  ASSERT_INT_EQ(sd_mock_invocations(m, "e", "Call"), 0);
  ASSERT(expect_throw(m, "e", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  sd_mock_release(m, "never-seen"); /* harmless */
  sd_mock_free(m);
  return 0;
}

TEST(per_execution_selection_beats_the_default) {
  struct sd_mock *m = mock_new(NULL);
  struct sd_err err = { 0 };
  ASSERT(!sd_mock_covers(m, "e1", "Call")); /* nothing selected yet */
  ASSERT(expect_throw(m, "e1", "Call", "States.Runtime",
                      "State 'Call' is not mocked by the selected test case") == 0);
  ASSERT_INT_EQ(sd_mock_select(m, "e1", "M", "U", &err), 0);
  ASSERT_INT_EQ(sd_mock_select_default(m, "M", "T", &err), 0);
  ASSERT(sd_mock_covers(m, "e1", "Call"));
  ASSERT(!sd_mock_covers(m, "e1", "Other")); /* U maps Call only */
  ASSERT(sd_mock_covers(m, "e2", "Other"));  /* e2 gets the default, T */
  ASSERT(expect_return(m, "e1", "Call", "\"a string\"") == 0);
  ASSERT(expect_throw(m, "e2", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  /* Selecting again starts the execution's counters afresh. */
  ASSERT_INT_EQ(sd_mock_select(m, "e1", "M", "U", &err), 0);
  ASSERT(expect_return(m, "e1", "Call", "\"a string\"") == 0);
  /* After release e1 falls back to the default test case. */
  sd_mock_release(m, "e1");
  ASSERT(expect_throw(m, "e1", "Call", "Lambda.ResourceNotReadyException", "not ready") == 0);
  ASSERT_INT_EQ(sd_mock_select(m, "e3", "M", "Nope", &err), -1);
  ASSERT_STR_EQ(err.name, SD_MOCK_E_CONFIG);
  sd_err_clear(&err);
  sd_mock_free(m);
  return 0;
}

TEST(wide_ranges_are_looked_up_by_invocation) {
  json_t *cfg = sd_test_json("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"S\": \"R\"}}}},"
                             " \"MockedResponses\": {\"R\": {\"3-999\": {\"Return\": \"mid\"},"
                             " \"0-2\": {\"Return\": \"low\"}, \"1000\": {\"Return\": \"last\"}}}}");
  struct sd_err err = { 0 };
  struct sd_mock *m = sd_mock_new(cfg, &err);
  json_decref(cfg);
  ASSERT(m != NULL);
  ASSERT_INT_EQ(sd_mock_select_default(m, "M", "T", &err), 0);
  for (int i = 0; i <= 1000; i++) {
    json_t *r = sd_mock_next(m, "e", "S", &err);
    const char *want = i < 3 ? "low" : i < 1000 ? "mid" : "last";
    ASSERT(r != NULL);
    ASSERT_STR_EQ(json_string_value(r), want);
    json_decref(r);
  }
  ASSERT(expect_throw(m, "e", "S", "States.Runtime",
                      "No mocked response is defined for invocation 1001 of state 'S': mocked response 'R' "
                      "defines invocations 0 to 1000") == 0);
  sd_mock_free(m);
  return 0;
}

/* Two test cases naming one response share its compiled form, not counters. */
TEST(shared_response_counts_per_state) {
  json_t *cfg =
      sd_test_json("{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"A\": \"R\", \"B\": \"R\"}}}},"
                   " \"MockedResponses\": {\"R\": {\"0\": {\"Return\": 0}, \"1\": {\"Return\": 1}}}}");
  struct sd_err err = { 0 };
  struct sd_mock *m = sd_mock_new(cfg, &err);
  json_decref(cfg);
  ASSERT_INT_EQ(sd_mock_select_default(m, "M", "T", &err), 0);
  ASSERT(expect_return(m, "e", "A", "0") == 0);
  ASSERT(expect_return(m, "e", "B", "0") == 0);
  ASSERT(expect_return(m, "e", "A", "1") == 0);
  sd_mock_free(m);
  return 0;
}
