/* The credential, region and endpoint chain read as the AWS SDKs read it:
 * each test sets the environment and writes the shared files it needs into
 * its own directory (sd_test_dir: the runner forks, so nothing leaks
 * between tests, and removes the directory after each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#include "engine/err.h"
#include "integrations/aws_call.h"
#include "integrations/aws_config.h"

static const struct sd_aws_service lambda = { .id = "Lambda",
                                              .prefix = "lambda",
                                              .sfn_local_env = "LAMBDA_ENDPOINT" };
static const struct sd_aws_service sfn = { .id = "SFN", .prefix = "states" };
static const struct sd_aws_service two_words = { .id = "Elastic Beanstalk", .prefix = "elasticbeanstalk" };

static const char *dir; /* the test's directory: HOME */

/* A clean environment with HOME in a fresh directory. */
static void fresh(void) {
  static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY",
                                      "AWS_SESSION_TOKEN",
                                      "AWS_PROFILE",
                                      "AWS_REGION",
                                      "AWS_DEFAULT_REGION",
                                      "AWS_ENDPOINT_URL",
                                      "AWS_ENDPOINT_URL_LAMBDA",
                                      "LAMBDA_ENDPOINT",
                                      "AWS_CONFIG_FILE",
                                      "AWS_SHARED_CREDENTIALS_FILE",
                                      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                      NULL };
  for (size_t i = 0; vars[i]; i++)
    unsetenv(vars[i]);
  dir = sd_test_dir();
  setenv("HOME", dir, 1);
  char p[1100];
  snprintf(p, sizeof p, "%s/.aws", dir);
  mkdir(p, 0700);
}

static void write_file(const char *name, const char *text) {
  char p[1100];
  snprintf(p, sizeof p, "%s/.aws/%s", dir, name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static struct sd_aws_config *load(const char *json) {
  struct sd_err err = { 0 };
  json_t *file = json ? sd_test_json(json) : NULL;
  struct sd_aws_config *c = sd_aws_config_new(file, NULL, &err);
  json_decref(file);
  if (c == NULL)
    fprintf(stderr, "config: %s\n", err.cause);
  sd_err_clear(&err);
  return c;
}

TEST(env_credentials_and_region) {
  fresh();
  setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
  setenv("AWS_SESSION_TOKEN", "TOKEN", 1);
  setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
  struct sd_aws_config *c = load(NULL);
  ASSERT(c != NULL);
  ASSERT_STR_EQ(sd_aws_config_creds(c)->key_id, "AKID");
  ASSERT_STR_EQ(sd_aws_config_creds(c)->token, "TOKEN");
  ASSERT_STR_EQ(sd_aws_config_region(c), "eu-west-1");
  setenv("AWS_REGION", "eu-north-1", 1); /* AWS_REGION wins */
  sd_aws_config_free(c);
  c = load(NULL);
  ASSERT_STR_EQ(sd_aws_config_region(c), "eu-north-1");
  char *url = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(url, "https://lambda.eu-north-1.amazonaws.com");
  free(url);
  sd_aws_config_free(c);
  return 0;
}

TEST(profile_from_shared_files) {
  fresh();
  write_file("credentials", "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n"
                            "# a comment\n[dev]\naws_access_key_id=DEV\naws_secret_access_key=DEVS\n");
  write_file("config",
             "[default]\nregion = us-west-2\n[profile dev]\nregion = ap-south-1\n"
             "services = local\n[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:9/\n");
  struct sd_aws_config *c = load(NULL);
  ASSERT_STR_EQ(sd_aws_config_creds(c)->key_id, "D");
  ASSERT_STR_EQ(sd_aws_config_region(c), "us-west-2");
  sd_aws_config_free(c);
  setenv("AWS_PROFILE", "dev", 1);
  c = load(NULL);
  ASSERT_STR_EQ(sd_aws_config_creds(c)->key_id, "DEV");
  ASSERT(sd_aws_config_creds(c)->token == NULL);
  ASSERT_STR_EQ(sd_aws_config_region(c), "ap-south-1");
  char *url = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(url, "http://127.0.0.1:9"); /* the services section, slash dropped */
  free(url);
  url = sd_aws_config_endpoint(c, &sfn, NULL);
  ASSERT_STR_EQ(url, "https://states.ap-south-1.amazonaws.com");
  free(url);
  sd_aws_config_free(c);
  return 0;
}

TEST(files_named_by_variables) {
  fresh();
  char p[1100];
  snprintf(p, sizeof p, "%s/creds", dir);
  FILE *f = fopen(p, "w");
  fputs("[default]\naws_access_key_id = ELSEWHERE\naws_secret_access_key = S\n", f);
  fclose(f);
  setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
  struct sd_aws_config *c = load(NULL);
  ASSERT_STR_EQ(sd_aws_config_creds(c)->key_id, "ELSEWHERE");
  sd_aws_config_free(c);
  return 0;
}

TEST(no_credentials_means_unsigned) {
  fresh();
  struct sd_aws_config *c = load(NULL);
  ASSERT(sd_aws_config_creds(c) == NULL);
  ASSERT_STR_EQ(sd_aws_config_region(c), "us-east-1");
  sd_aws_config_free(c);
  return 0;
}

TEST(endpoint_precedence) {
  fresh();
  write_file("config", "[default]\nendpoint_url = http://profile\n");
  struct sd_aws_config *c = load(NULL);
  char *u = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(u, "http://profile");
  free(u);
  sd_aws_config_free(c);
  setenv("AWS_ENDPOINT_URL", "http://global", 1);
  c = load(NULL);
  u = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(u, "http://global");
  free(u);
  sd_aws_config_free(c);
  setenv("LAMBDA_ENDPOINT", "http://sfn-local", 1);
  c = load(NULL);
  u = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(u, "http://sfn-local");
  free(u);
  u = sd_aws_config_endpoint(c, &sfn, NULL); /* no SFN Local variable for it */
  ASSERT_STR_EQ(u, "http://global");
  free(u);
  sd_aws_config_free(c);
  setenv("AWS_ENDPOINT_URL_LAMBDA", "http://service", 1);
  c = load(NULL);
  u = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(u, "http://service");
  free(u);
  sd_aws_config_free(c);
  c = load("{\"endpoints\": {\"lambda\": \"http://file/\"}}");
  u = sd_aws_config_endpoint(c, &lambda, NULL);
  ASSERT_STR_EQ(u, "http://file");
  free(u);
  sd_aws_config_free(c);
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
  unsetenv("LAMBDA_ENDPOINT");
  c = load(NULL);
  u = sd_aws_config_endpoint(c, &lambda, "eu-west-3");
  ASSERT_STR_EQ(u, "https://lambda.eu-west-3.amazonaws.com");
  free(u);
  sd_aws_config_free(c);
  return 0;
}

TEST(service_id_with_spaces) {
  fresh();
  setenv("AWS_ENDPOINT_URL_ELASTIC_BEANSTALK", "http://eb", 1);
  struct sd_aws_config *c = load("{\"region\": \"sa-east-1\"}");
  char *u = sd_aws_config_endpoint(c, &two_words, NULL);
  ASSERT_STR_EQ(u, "http://eb");
  free(u);
  ASSERT_STR_EQ(sd_aws_config_region(c), "sa-east-1");
  sd_aws_config_free(c);
  return 0;
}

TEST(config_file_credentials_and_connections) {
  fresh();
  setenv("AWS_ACCESS_KEY_ID", "ENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVS", 1);
  struct sd_aws_config *c = load("{\"credentials\": {\"accessKeyId\": \"F\", \"secretAccessKey\": \"FS\"},"
                                 " \"connections\": {\"api\": {\"authorization\": {\"type\": \"BASIC\"}}}}");
  ASSERT_STR_EQ(sd_aws_config_creds(c)->key_id, "F");
  ASSERT(sd_aws_config_connection(c, "api") != NULL);
  ASSERT(sd_aws_config_connection(c, "arn:aws:events:us-east-1:123456789012:connection/api/0f1e") != NULL);
  ASSERT(sd_aws_config_connection(c, "other") == NULL);
  sd_aws_config_free(c);
  return 0;
}

TEST(bad_config_names_where) {
  fresh();
  struct sd_err err = { 0 };
  json_t *f = sd_test_json("{\"endpoints\": {\"lambda\": \"ftp://x\"}}");
  ASSERT(sd_aws_config_new(f, NULL, &err) == NULL);
  ASSERT_STR_EQ(err.name, "InvalidConfig");
  ASSERT_STR_EQ(err.where, "/endpoints/lambda");
  json_decref(f);
  sd_err_clear(&err);
  f = sd_test_json("{\"regoin\": \"x\"}");
  ASSERT(sd_aws_config_new(f, NULL, &err) == NULL);
  ASSERT_STR_EQ(err.where, "/regoin");
  json_decref(f);
  sd_err_clear(&err);
  write_file("config", "[default\nregion = x\n");
  ASSERT(sd_aws_config_new(NULL, NULL, &err) == NULL);
  ASSERT(strstr(err.cause, "config:1:") != NULL);
  sd_err_clear(&err);
  return 0;
}
