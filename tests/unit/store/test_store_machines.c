/* State machine rows, machine revisions, ListExecutions pages and the
 * owner's lock (store.h, migration 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/err.h"
#include "engine/store.h"
#include "runner.h"

/* A database path in the test's own directory (the runner removes it). */
static char mpath[1100];

static const char *mtmp_db(void) {
  snprintf(mpath, sizeof mpath, "%s/stepd.db", sd_test_dir());
  return mpath;
}

#define MARN "arn:aws:states:us-east-1:123456789012:stateMachine:"

static struct sd_store_machine machine(const char *arn, const char *def, int64_t created, int64_t updated) {
  return (struct sd_store_machine){ .arn = arn,
                                    .name = strrchr(arn, ':') + 1,
                                    .type = "STANDARD",
                                    .definition = def,
                                    .role_arn = "arn:aws:iam::123456789012:role/r",
                                    .tags = "{\"k\":\"v\"}",
                                    .creation_ms = created,
                                    .updated_ms = updated };
}

TEST(store_machine_put_get_list_delete) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  ASSERT(s != NULL);
  struct sd_store_machine b = machine(MARN "b", "{\"v\":1}", 10, 10);
  struct sd_store_machine a = machine(MARN "a", "{\"v\":2}", 20, 20);
  ASSERT_INT_EQ(sd_store_machine_put(s, &b, &err), 0);
  ASSERT_INT_EQ(sd_store_machine_put(s, &a, &err), 0);
  json_t *row = sd_store_machine_get(s, MARN "b", &err);
  ASSERT(row != NULL);
  ASSERT_JSON_EQ(row, "{\"arn\":\"" MARN
                      "b\",\"name\":\"b\",\"type\":\"STANDARD\",\"definition\":\"{\\\"v\\\":1}\","
                      "\"role_arn\":\"arn:aws:iam::123456789012:role/r\",\"tags\":\"{\\\"k\\\":\\\"v\\\"}\","
                      "\"status\":\"ACTIVE\",\"creation_ms\":10,\"updated_ms\":10,\"next_version\":1}");
  json_decref(row);
  /* An update replaces the row and keeps the earlier revision. */
  struct sd_store_machine b2 = machine(MARN "b", "{\"v\":3}", 10, 30);
  b2.status = "DELETING";
  ASSERT_INT_EQ(sd_store_machine_put(s, &b2, &err), 0);
  row = sd_store_machine_get(s, MARN "b", &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "definition")), "{\"v\":3}");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "DELETING");
  json_decref(row);
  json_t *rev = sd_store_machine_revision(s, MARN "b", 10, &err);
  ASSERT(rev != NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(rev, "definition")), "{\"v\":1}");
  json_decref(rev);
  /* Pages in ARN order. */
  json_t *list = sd_store_machine_list(s, NULL, 1, &err);
  ASSERT_INT_EQ(json_array_size(list), 1);
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "arn")), MARN "a");
  json_decref(list);
  list = sd_store_machine_list(s, MARN "a", 0, &err);
  ASSERT_INT_EQ(json_array_size(list), 1);
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "arn")), MARN "b");
  json_decref(list);
  ASSERT_INT_EQ(sd_store_machine_delete(s, MARN "b", &err), 0);
  ASSERT_INT_EQ(sd_store_machine_delete(s, MARN "b", &err), 0); /* absent: no error */
  ASSERT(sd_store_machine_get(s, MARN "b", &err) == NULL);
  ASSERT_STR_EQ(err.name, "StateMachineDoesNotExist");
  sd_err_clear(&err);
  /* Revisions outlive the machine: executions still name them. */
  rev = sd_store_machine_revision(s, MARN "b", 30, &err);
  ASSERT(rev != NULL);
  json_decref(rev);
  ASSERT(sd_store_machine_revision(s, MARN "b", 99, &err) == NULL);
  sd_err_clear(&err);
  sd_store_close(s);
  return 0;
}

#define EARN "arn:aws:states:us-east-1:123456789012:execution:m:"

static int put_exec(struct sd_store *s, const char *name, const char *status, int64_t start) {
  char arn[200];
  snprintf(arn, sizeof arn, EARN "%s", name);
  struct sd_store_exec row = { .arn = arn,
                               .name = name,
                               .machine_arn = MARN "m",
                               .status = status,
                               .input = "{}",
                               .start_ms = start,
                               .stop_ms = strcmp(status, "RUNNING") == 0 ? 0 : start + 1 };
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &row);
  struct sd_err err = { 0 };
  int rc = sd_store_write(s, b, &err);
  sd_store_batch_free(b);
  sd_err_clear(&err);
  return rc;
}

static const char *item_name(json_t *list, size_t i) {
  return json_string_value(json_object_get(json_array_get(list, i), "name"));
}

TEST(store_exec_list_pages_by_key) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  ASSERT(s != NULL);
  /* Two share a start time: the id breaks the tie. */
  ASSERT(put_exec(s, "e1", "SUCCEEDED", 100) == 0);
  ASSERT(put_exec(s, "e2", "FAILED", 200) == 0);
  ASSERT(put_exec(s, "e3", "SUCCEEDED", 200) == 0);
  ASSERT(put_exec(s, "e4", "RUNNING", 300) == 0);
  json_t *page = sd_store_exec_list(s, MARN "m", NULL, INT64_MAX, INT64_MAX, 2, &err);
  ASSERT_INT_EQ(json_array_size(page), 2);
  ASSERT_STR_EQ(item_name(page, 0), "e4");
  ASSERT_STR_EQ(item_name(page, 1), "e3");
  json_t *last = json_array_get(page, 1);
  int64_t ms = json_integer_value(json_object_get(last, "start_ms"));
  int64_t id = json_integer_value(json_object_get(last, "id"));
  json_decref(page);
  /* A new execution does not shift the next page. */
  ASSERT(put_exec(s, "e5", "RUNNING", 400) == 0);
  page = sd_store_exec_list(s, MARN "m", NULL, ms, id, 0, &err);
  ASSERT_INT_EQ(json_array_size(page), 2);
  ASSERT_STR_EQ(item_name(page, 0), "e2");
  ASSERT_STR_EQ(item_name(page, 1), "e1");
  json_decref(page);
  page = sd_store_exec_list(s, MARN "m", "SUCCEEDED", INT64_MAX, INT64_MAX, 0, &err);
  ASSERT_INT_EQ(json_array_size(page), 2);
  ASSERT_STR_EQ(item_name(page, 0), "e3");
  ASSERT_STR_EQ(item_name(page, 1), "e1");
  json_decref(page);
  page = sd_store_exec_list(s, MARN "other", NULL, INT64_MAX, INT64_MAX, 0, &err);
  ASSERT_INT_EQ(json_array_size(page), 0);
  json_decref(page);
  sd_store_close(s);
  return 0;
}

/* Writes one batch holding `rows` (n of them). */
static int write_rows(struct sd_store *s, const struct sd_store_exec *rows, size_t n, size_t *batch_len) {
  struct sd_store_batch *b = sd_store_batch_new();
  for (size_t i = 0; i < n; i++)
    sd_store_batch_put_exec(b, &rows[i]);
  *batch_len = sd_store_batch_len(b);
  struct sd_err err = { 0 };
  int rc = sd_store_write(s, b, &err);
  sd_store_batch_free(b);
  sd_err_clear(&err);
  return rc;
}

TEST(store_exec_row_keeps_what_a_later_row_leaves_out) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  struct sd_store_exec run = { .arn = EARN "c1",
                               .name = "c1",
                               .machine_arn = MARN "m",
                               .status = "RUNNING",
                               .input = "{\"a\":1}",
                               .start_ms = 100,
                               .machine_rev_ms = 42,
                               .version_arn = MARN "m:1",
                               .alias_arn = MARN "m:live" };
  size_t n;
  ASSERT_INT_EQ(write_rows(s, &run, 1, &n), 0);
  /* A later batch's row without them (a resumed execution's) keeps them. */
  struct sd_store_exec done = run;
  done.status = "SUCCEEDED";
  done.input = "{ \"a\": 1 }";
  done.stop_ms = 200;
  done.machine_rev_ms = 0;
  done.version_arn = done.alias_arn = NULL;
  ASSERT_INT_EQ(write_rows(s, &done, 1, &n), 0);
  json_t *row = sd_store_exec_get(s, EARN "c1", &err); /* new */
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "SUCCEEDED");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "input")), "{ \"a\": 1 }");
  ASSERT_INT_EQ(json_integer_value(json_object_get(row, "machine_rev_ms")), 42);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "version_arn")), MARN "m:1");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "alias_arn")), MARN "m:live");
  json_decref(row);
  sd_store_close(s);
  return 0;
}

TEST(store_batch_writes_a_start_and_close_of_one_batch_once) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  struct sd_store_exec rows[3] = {
    { .arn = EARN "q",
      .name = "q",
      .machine_arn = MARN "m",
      .status = "RUNNING",
      .input = "{}",
      .start_ms = 100,
      .version_arn = MARN "m:1" },
    { .arn = EARN "q",
      .name = "q",
      .machine_arn = MARN "m",
      .status = "SUCCEEDED",
      .input = "{ }",
      .output = "1",
      .start_ms = 100,
      .stop_ms = 150,
      .machine_rev_ms = 7 },
    /* Another execution's start between them stays its own row. */
    { .arn = EARN "r",
      .name = "r",
      .machine_arn = MARN "m",
      .status = "RUNNING",
      .input = "{}",
      .start_ms = 120 },
  };
  struct sd_store_exec order[3] = { rows[0], rows[2], rows[1] };
  size_t n;
  ASSERT_INT_EQ(write_rows(s, order, 3, &n), 0);
  ASSERT_INT_EQ(n, 2);                                /* the start row of q was replaced by its close */
  json_t *row = sd_store_exec_get(s, EARN "q", &err); /* new */
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "SUCCEEDED");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "input")), "{ }");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "output")), "1");
  ASSERT_INT_EQ(json_integer_value(json_object_get(row, "stop_ms")), 150);
  ASSERT_INT_EQ(json_integer_value(json_object_get(row, "machine_rev_ms")), 7);
  /* What the start row said and the close row left out is kept. */
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "version_arn")), MARN "m:1");
  json_decref(row);
  json_t *list = sd_store_exec_list(s, MARN "m", "RUNNING", INT64_MAX, INT64_MAX, 0, &err); /* new */
  ASSERT_INT_EQ(json_array_size(list), 1);
  ASSERT_STR_EQ(item_name(list, 0), "r");
  json_decref(list);
  sd_store_close(s);
  return 0;
}

TEST(store_batch_reset_is_reused_clean) {
  /* The writer reuses its batches: a reset one writes only what comes
   * after, and ARNs interned before do not leak their ids into it. */
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  struct sd_store_batch *b = sd_store_batch_new();
  for (int round = 0; round < 3; round++) {
    char arn[200], name[16];
    snprintf(name, sizeof name, "b%d", round);
    snprintf(arn, sizeof arn, EARN "%s", name);
    struct sd_store_exec row = {
      .arn = arn, .name = name, .machine_arn = MARN "m", .status = "RUNNING", .input = "{}", .start_ms = round
    };
    sd_store_batch_put_exec(b, &row);
    struct sd_store_event ev = { .exec_arn = arn, .id = 1, .ts_ms = round, .type = "ExecutionStarted" };
    sd_store_batch_add_event(b, &ev);
    ASSERT_INT_EQ(sd_store_batch_len(b), 2);
    ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
    sd_store_batch_reset(b);
    ASSERT_INT_EQ(sd_store_batch_len(b), 0);
    json_t *h = sd_store_history(s, arn, 0, 0, false, &err); /* new */
    ASSERT_INT_EQ(json_array_size(h), 1);
    json_decref(h);
  }
  json_t *list = sd_store_exec_list(s, MARN "m", NULL, INT64_MAX, INT64_MAX, 0, &err); /* new */
  ASSERT_INT_EQ(json_array_size(list), 3);
  json_decref(list);
  sd_store_batch_free(b);
  sd_store_close(s);
  return 0;
}

TEST(store_batch_keeps_a_closed_row_with_a_frame_before_a_restart) {
  /* A close that keeps a redrive point, then RedriveExecution's RUNNING
   * row in the same batch: both are written (the close put the frame). */
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  struct sd_store_exec rows[2] = {
    { .arn = EARN "d",
      .name = "d",
      .machine_arn = MARN "m",
      .status = "FAILED",
      .input = "{}",
      .error = "E",
      .start_ms = 100,
      .stop_ms = 150,
      .frame = "{\"s\":1}" },
    { .arn = EARN "d",
      .name = "d",
      .machine_arn = MARN "m",
      .status = "RUNNING",
      .input = "{}",
      .start_ms = 100,
      .redrive_count = 1,
      .redrive_ms = 160 },
  };
  size_t n;
  ASSERT_INT_EQ(write_rows(s, rows, 2, &n), 0);
  ASSERT_INT_EQ(n, 2);
  json_t *frames = sd_store_exec_frames(s, EARN "d", &err); /* new */
  ASSERT_STR_EQ(json_string_value(json_object_get(frames, "")), "{\"s\":1}");
  json_decref(frames);
  json_t *row = sd_store_exec_get(s, EARN "d", &err); /* new */
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "RUNNING");
  json_decref(row);
  sd_store_close(s);
  return 0;
}

TEST(store_machine_keeps_versions_aliases_and_revision_ids) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  struct sd_store_machine m = machine(MARN "v", "{\"r\":2}", 10, 20);
  m.revision_id = "rev-2";
  m.versions = "[{\"version\":3}]";
  m.aliases = "[{\"name\":\"PROD\"}]";
  m.next_version = 4;
  ASSERT_INT_EQ(sd_store_machine_put(s, &m, &err), 0);
  json_t *row = sd_store_machine_get(s, MARN "v", &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "revision_id")), "rev-2");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "versions")), "[{\"version\":3}]");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "aliases")), "[{\"name\":\"PROD\"}]");
  ASSERT_INT_EQ(json_integer_value(json_object_get(row, "next_version")), 4);
  json_decref(row);
  json_t *rev = sd_store_machine_revision(s, MARN "v", 20, &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(rev, "revision_id")), "rev-2");
  json_decref(rev);
  sd_store_close(s);
  return 0;
}

TEST(store_exec_qualified_rows_list_by_version_and_alias) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  ASSERT(put_exec(s, "plain", "SUCCEEDED", 100) == 0);
  ASSERT(put_exec(s, "v1", "SUCCEEDED", 200) == 0);
  ASSERT(put_exec(s, "a1", "RUNNING", 300) == 0);
  ASSERT(put_exec(s, "a2", "SUCCEEDED", 400) == 0);
  ASSERT_INT_EQ(sd_store_exec_qualify(s, EARN "v1", MARN "m:1", NULL, &err), 0);
  ASSERT_INT_EQ(sd_store_exec_qualify(s, EARN "a1", MARN "m:1", MARN "m:PROD", &err), 0);
  ASSERT_INT_EQ(sd_store_exec_qualify(s, EARN "a2", MARN "m:2", MARN "m:PROD", &err), 0);
  /* A later write of the row (the engine's upsert) keeps them. */
  ASSERT(put_exec(s, "a1", "SUCCEEDED", 300) == 0);
  json_t *page = sd_store_exec_list_qualified(s, MARN "m:1", NULL, NULL, INT64_MAX, INT64_MAX, 0, &err);
  ASSERT_INT_EQ(json_array_size(page), 2);
  ASSERT_STR_EQ(item_name(page, 0), "a1");
  ASSERT_STR_EQ(item_name(page, 1), "v1");
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(page, 0), "alias_arn")), MARN "m:PROD");
  json_decref(page);
  page = sd_store_exec_list_qualified(s, NULL, MARN "m:PROD", NULL, INT64_MAX, INT64_MAX, 1, &err);
  ASSERT_INT_EQ(json_array_size(page), 1);
  ASSERT_STR_EQ(item_name(page, 0), "a2");
  json_decref(page);
  page = sd_store_exec_list(s, MARN "m", NULL, INT64_MAX, INT64_MAX, 0, &err);
  ASSERT_INT_EQ(json_array_size(page), 4);
  ASSERT(json_object_get(json_array_get(page, 3), "version_arn") == NULL);
  json_decref(page);
  json_t *row = sd_store_exec_get(s, EARN "a2", &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "version_arn")), MARN "m:2");
  json_decref(row);
  sd_store_close(s);
  return 0;
}

TEST(store_purge_removes_old_closed_executions_in_batches) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  /* put_exec stops a closed execution 1 ms after its start. */
  ASSERT(put_exec(s, "old1", "SUCCEEDED", 100) == 0);
  ASSERT(put_exec(s, "old2", "FAILED", 200) == 0);
  ASSERT(put_exec(s, "old3", "ABORTED", 300) == 0);
  ASSERT(put_exec(s, "running", "RUNNING", 50) == 0);
  ASSERT(put_exec(s, "recent", "SUCCEEDED", 5000) == 0);
  struct sd_store_batch *b = sd_store_batch_new();
  struct sd_store_event ev = { .exec_arn = EARN "old1", .id = 1, .ts_ms = 100, .type = "ExecutionStarted" };
  sd_store_batch_add_event(b, &ev);
  ev.exec_arn = EARN "recent";
  sd_store_batch_add_event(b, &ev);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  size_t n = 0;
  ASSERT_INT_EQ(sd_store_purge(s, 1000, 2, &n, &err), 0);
  ASSERT_INT_EQ(n, 2); /* a full batch: more may be left */
  ASSERT(sd_store_exec_get(s, EARN "old1", &err) == NULL);
  sd_err_clear(&err);
  json_t *h = sd_store_history(s, EARN "old1", 0, 0, false, &err);
  ASSERT(h == NULL); /* the row and its history are gone */
  sd_err_clear(&err);
  ASSERT_INT_EQ(sd_store_purge(s, 1000, 2, &n, &err), 0);
  ASSERT_INT_EQ(n, 1);
  ASSERT_INT_EQ(sd_store_purge(s, 1000, 2, &n, &err), 0);
  ASSERT_INT_EQ(n, 0);
  json_t *row = sd_store_exec_get(s, EARN "running", &err);
  ASSERT(row != NULL);
  json_decref(row);
  h = sd_store_history(s, EARN "recent", 0, 0, false, &err);
  ASSERT_INT_EQ(json_array_size(h), 1);
  json_decref(h);
  sd_store_close(s);
  return 0;
}

TEST(store_version_1_file_migrates_to_2) {
  const char *path = mtmp_db();
  sqlite3 *db = NULL;
  ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
  ASSERT(sqlite3_exec(db,
                      "CREATE TABLE executions (id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE,"
                      " name TEXT, machine_arn TEXT, status TEXT, input TEXT, output TEXT, error TEXT,"
                      " cause TEXT, start_ms INTEGER NOT NULL DEFAULT 0, stop_ms INTEGER NOT NULL DEFAULT 0);"
                      "CREATE INDEX executions_by_machine ON executions(machine_arn, start_ms);"
                      "CREATE INDEX executions_by_status ON executions(status, machine_arn, start_ms);"
                      "CREATE TABLE events (k INTEGER PRIMARY KEY, prev_id INTEGER NOT NULL,"
                      " ts_ms INTEGER NOT NULL, type TEXT NOT NULL, details_key TEXT, details TEXT);"
                      "INSERT INTO executions(arn, name, machine_arn, status, input, start_ms)"
                      " VALUES ('" EARN "old', 'old', '" MARN "m', 'SUCCEEDED', '{}', 5);"
                      "PRAGMA user_version = 1;",
                      NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(path, &err);
  ASSERT(s != NULL);
  json_t *row = sd_store_exec_get(s, EARN "old", &err);
  ASSERT(row != NULL);
  ASSERT(json_object_get(row, "machine_rev_ms") == NULL);
  json_decref(row);
  struct sd_store_machine m = machine(MARN "m", "{}", 1, 1);
  ASSERT_INT_EQ(sd_store_machine_put(s, &m, &err), 0);
  sd_store_close(s);
  return 0;
}

TEST(store_lock_is_exclusive) {
  const char *path = mtmp_db();
  struct sd_err err = { 0 };
  int fd = sd_store_lock(path, &err);
  ASSERT(fd >= 0);
  /* flock locks belong to the open file description: a second open in
   * the same process conflicts as another process would. */
  ASSERT_INT_EQ(sd_store_lock(path, &err), -1);
  ASSERT_STR_EQ(err.name, "DatabaseInUse");
  ASSERT(strstr(err.cause, "in use by another stepd") != NULL);
  sd_err_clear(&err);
  sd_store_unlock(fd);
  fd = sd_store_lock(path, &err);
  ASSERT(fd >= 0);
  sd_store_unlock(fd);
  return 0;
}
