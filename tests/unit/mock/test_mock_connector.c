/* The connector face of the mock, against a fake engine: what it serves,
 * and that start only posts (submitted first for callback and .sync tasks),
 * never reporting from inside start.
 *
 * The fake defines the engine symbols mock.o uses, so this binary never
 * pulls engine/exec.o and links whatever state the scheduler is in. */
#include <stdlib.h>

#include "runner.h"

#include "engine/connector.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "integrations/mock.h"

struct sd_exec {
  const char *arn;
};

const char *sd_exec_arn(const struct sd_exec *ex) {
  return ex->arn;
}

enum { POST_SUBMITTED, POST_DONE };
static struct post {
  int kind;
  struct sd_task_call *call;
  json_t *result;    /* owned */
  struct sd_err err; /* moved in */
} posts[8];
static int nposts;

void sd_task_post_submitted(struct sd_task_call *call) {
  posts[nposts++] = (struct post){ .kind = POST_SUBMITTED, .call = call };
}

void sd_task_post_done(struct sd_task_call *call, json_t *result, struct sd_err *err) {
  struct post *p = &posts[nposts++];
  *p = (struct post){ .kind = POST_DONE, .call = call, .result = result };
  if (err != NULL)
    sd_err_move(&p->err, err);
}

static void posts_clear(void) {
  for (int i = 0; i < nposts; i++) {
    json_decref(posts[i].result);
    sd_err_clear(&posts[i].err);
  }
  nposts = 0;
}

static const char config[] =
    "{\"StateMachines\": {\"M\": {\"TestCases\": {\"T\": {\"Invoke\": \"Ok\", \"Fail\": \"Boom\","
    "  \"Wait\": \"Ok\", \"Sync\": \"Boom\", \"Act\": \"Ok\"}}}},"
    " \"MockedResponses\": {\"Ok\": {\"0-1\": {\"Return\": {\"Payload\": {\"ok\": true}, \"StatusCode\": "
    "200}}},"
    "  \"Boom\": {\"0\": {\"Throw\": {\"Error\": \"Custom.Error\", \"Cause\": \"it broke\"}}}}}";

static int load(struct sd_connector *c) {
  json_t *cfg = sd_test_json(config);
  struct sd_err err = { 0 };
  int rc = sd_mock_load(cfg, "M", "T", c, &err);
  json_decref(cfg);
  if (rc < 0)
    fprintf(stderr, "load: %s\n", err.cause);
  return rc;
}

static struct sd_task_call call_for(struct sd_exec *ex, const char *state, const char *resource) {
  return (struct sd_task_call){ .exec = ex, .exec_arn = ex->arn, .state_name = state, .resource = resource };
}

TEST(serves_mapped_states_whatever_the_resource) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "arn:aws:states:us-east-1:123456789012:execution:M:e" };
  ASSERT(c.ops->serves(c.self, &ex, "Invoke", "arn:aws:states:::lambda:invoke"));
  ASSERT(c.ops->serves(c.self, &ex, "Invoke", "arn:aws:lambda:us-east-1:123456789012:function:f"));
  ASSERT(c.ops->serves(c.self, &ex, "Invoke", "arn:aws:states:::aws-sdk:s3:getObject"));
  ASSERT(!c.ops->serves(c.self, &ex, "NotMocked", "arn:aws:states:::lambda:invoke"));
  /* serves() does not take an invocation. */
  ASSERT_INT_EQ(sd_mock_invocations(c.self, ex.arn, "Invoke"), 0);
  c.ops->free(c.self);
  return 0;
}

TEST(start_posts_return_once) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "e" };
  struct sd_task_call call = call_for(&ex, "Invoke", "arn:aws:states:::lambda:invoke");
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(c.ops->start(c.self, &call, &err), 0);
  ASSERT_INT_EQ(nposts, 1);
  ASSERT_INT_EQ(posts[0].kind, POST_DONE);
  ASSERT(posts[0].call == &call);
  ASSERT(posts[0].err.name == NULL);
  ASSERT_JSON_EQ(posts[0].result, "{\"Payload\": {\"ok\": true}, \"StatusCode\": 200}");
  posts_clear();
  c.ops->free(c.self);
  return 0;
}

TEST(start_posts_throw_as_error) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "e" };
  struct sd_task_call call = call_for(&ex, "Fail", "arn:aws:lambda:us-east-1:123456789012:function:f");
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(c.ops->start(c.self, &call, &err), 0);
  ASSERT_INT_EQ(nposts, 1);
  ASSERT(posts[0].result == NULL);
  ASSERT_STR_EQ(posts[0].err.name, "Custom.Error");
  ASSERT_STR_EQ(posts[0].err.cause, "it broke");
  posts_clear();
  /* The second invocation has no response: a runtime error, still posted. */
  ASSERT_INT_EQ(c.ops->start(c.self, &call, &err), 0);
  ASSERT_INT_EQ(nposts, 1);
  ASSERT_STR_EQ(posts[0].err.name, "States.Runtime");
  posts_clear();
  c.ops->free(c.self);
  return 0;
}

TEST(callback_and_sync_tasks_post_submitted_first) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "e" };
  struct sd_task_call wait = call_for(&ex, "Wait", "arn:aws:states:::sqs:sendMessage.waitForTaskToken");
  wait.wait_for_token = true;
  wait.token = "token-1";
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(c.ops->start(c.self, &wait, &err), 0);
  ASSERT_INT_EQ(nposts, 2);
  ASSERT_INT_EQ(posts[0].kind, POST_SUBMITTED);
  ASSERT_INT_EQ(posts[1].kind, POST_DONE);
  ASSERT_JSON_EQ(posts[1].result, "{\"Payload\": {\"ok\": true}, \"StatusCode\": 200}");
  posts_clear();
  struct sd_task_call sync = call_for(&ex, "Sync", "arn:aws:states:::states:startExecution.sync:2");
  sync.sync = true;
  ASSERT_INT_EQ(c.ops->start(c.self, &sync, &err), 0);
  ASSERT_INT_EQ(nposts, 2);
  ASSERT_INT_EQ(posts[0].kind, POST_SUBMITTED);
  ASSERT_STR_EQ(posts[1].err.name, "Custom.Error");
  posts_clear();
  c.ops->free(c.self);
  return 0;
}

/* Step Functions Local fails such an execution with this States.Runtime. */
TEST(activity_states_cannot_be_mocked) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "e" };
  struct sd_task_call call = call_for(&ex, "Act", "arn:aws:states:us-east-1:123456789012:activity:worker");
  struct sd_err err = { 0 };
  ASSERT(c.ops->serves(c.self, &ex, "Act", call.resource));
  ASSERT_INT_EQ(c.ops->start(c.self, &call, &err), 0);
  ASSERT_INT_EQ(nposts, 1);
  ASSERT_STR_EQ(posts[0].err.name, "States.Runtime");
  ASSERT_STR_EQ(posts[0].err.cause, "Activity state cannot be mocked. Please remove mocks mapped for all "
                                    "activity state in the mock config file.");
  posts_clear();
  /* A Lambda function named "activity" is not an activity. */
  struct sd_task_call fn = call_for(&ex, "Act", "arn:aws:lambda:us-east-1:123456789012:function:activity:1");
  ASSERT_INT_EQ(c.ops->start(c.self, &fn, &err), 0);
  ASSERT(posts[0].result != NULL);
  posts_clear();
  c.ops->free(c.self);
  return 0;
}

TEST(cancel_after_start_is_harmless) {
  struct sd_connector c;
  ASSERT(load(&c) == 0);
  struct sd_exec ex = { "e" };
  struct sd_task_call call = call_for(&ex, "Invoke", "arn:aws:states:::lambda:invoke");
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(c.ops->start(c.self, &call, &err), 0);
  c.ops->cancel(c.self, &call);
  ASSERT_INT_EQ(nposts, 1); /* dropping the posted result is the engine's part */
  posts_clear();
  c.ops->free(c.self);
  return 0;
}

TEST(failed_load_leaves_out_alone) {
  json_t *cfg = sd_test_json(config);
  struct sd_connector c = { .ops = NULL, .self = (void *)&c };
  struct sd_err err = { 0 };
  ASSERT_INT_EQ(sd_mock_load(cfg, "M", "Missing", &c, &err), -1);
  ASSERT(c.ops == NULL && c.self == (void *)&c);
  ASSERT_STR_EQ(err.name, SD_MOCK_E_CONFIG);
  sd_err_clear(&err);
  json_decref(cfg);
  return 0;
}
