/* The wire pieces of aws_call.h: Query XML to JSON, error naming, form and
 * URI encoding. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#include "engine/alloc.h"
#include "engine/err.h"
#include "integrations/aws_call.h"
#include "integrations/http_client.h"

TEST(xml_query_answer) {
  const char *x =
      "<?xml version=\"1.0\"?>\n<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
      "  <PublishResult>\n    <MessageId>a&amp;b &#233;</MessageId>\n  </PublishResult>\n"
      "  <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>\n</PublishResponse>\n";
  json_t *v = sd_aws_xml_parse(x, strlen(x));
  ASSERT_JSON_EQ(v, "{\"PublishResponse\": {\"PublishResult\": {\"MessageId\": \"a&b \\u00e9\"},"
                    " \"ResponseMetadata\": {\"RequestId\": \"rid-1\"}}}");
  json_decref(v);
  return 0;
}

TEST(xml_lists_and_empty) {
  const char *x = "<R><Topics><member><Arn>a</Arn></member><member><Arn>b</Arn></member></Topics>"
                  "<One><member>x</member></One><E/><Twice>1</Twice><Twice>2</Twice><!-- c --></R>";
  json_t *v = sd_aws_xml_parse(x, strlen(x));
  ASSERT_JSON_EQ(v, "{\"R\": {\"Topics\": {\"member\": [{\"Arn\": \"a\"}, {\"Arn\": \"b\"}]},"
                    " \"One\": {\"member\": [\"x\"]}, \"E\": \"\", \"Twice\": [\"1\", \"2\"]}}");
  json_decref(v);
  return 0;
}

TEST(xml_malformed) {
  const char *bad[] = { "", "<a>", "<a><b></a>", "<a>&bogus;</a>", "not xml" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT(sd_aws_xml_parse(bad[i], strlen(bad[i])) == NULL);
  return 0;
}

static const struct sd_aws_error errs[] = { { "NotFound", "NotFoundException" }, { NULL, NULL } };
static const struct sd_aws_service svc = { .id = "SNS",
                                           .error_prefix = "SNS",
                                           .sdk_name = "AmazonSNS",
                                           .errors = errs,
                                           .generic_error = "AmazonSNSException" };

TEST(error_names_as_the_java_sdk) {
  struct sd_err err = { 0 };
  sd_aws_service_error(&svc, "NotFound", "Topic does not exist", 404, "r-1", &err);
  ASSERT_STR_EQ(err.name, "SNS.NotFoundException");
  ASSERT_STR_EQ(err.cause,
                "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; "
                "Request ID: r-1; Proxy: null)");
  sd_aws_service_error(&svc, "SignatureDoesNotMatch", NULL, 403, NULL, &err);
  ASSERT_STR_EQ(err.name, "SNS.AmazonSNSException");
  ASSERT(strncmp(err.cause, "null (Service: AmazonSNS; Status Code: 403; Error Code: SignatureDoesNotMatch;",
                 78) == 0);
  sd_err_clear(&err);
  return 0;
}

TEST(form_and_uri_encoding) {
  struct sd_buf b = { 0 };
  sd_aws_form_add(&b, "Action", "Publish");
  sd_aws_form_add(&b, "Message", "a b&c=d/é~");
  ASSERT_STR_EQ(b.data, "Action=Publish&Message=a%20b%26c%3Dd%2F%C3%A9~");
  sd_buf_free(&b);
  char *s = sd_aws_uri_encode("$LATEST:1");
  ASSERT_STR_EQ(s, "%24LATEST%3A1");
  free(s);
  return 0;
}

TEST(http_metadata_shape) {
  struct sd_http_header hs[] = { { "Content-Type", "application/json" },
                                 { "X-Multi", "1" },
                                 { "X-Multi", "2" } };
  struct sd_http_response r = { .status = 200, .headers = hs, .nheaders = 3, .body = "" };
  json_t *m = sd_aws_http_metadata(&r);
  ASSERT_JSON_EQ(
      m, "{\"AllHttpHeaders\": {\"Content-Type\": [\"application/json\"], \"X-Multi\": [\"1\", \"2\"]},"
         " \"HttpHeaders\": {\"Content-Type\": \"application/json\", \"X-Multi\": \"1\"},"
         " \"HttpStatusCode\": 200}");
  json_decref(m);
  ASSERT_STR_EQ(sd_http_response_header(&r, "content-type"), "application/json");
  return 0;
}
