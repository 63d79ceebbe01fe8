/* The SQLite store: round trips, history pages, migrations, and damaged
 * files and rows reported as errors, not crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "engine/store.h"
#include "engine/store_sqlite_int.h"
#include "runner.h"

#define ARN  "arn:aws:states:us-east-1:123456789012:execution:M:e1"
#define ARN2 "arn:aws:states:us-east-1:123456789012:execution:M:e2"
#define MARN "arn:aws:states:us-east-1:123456789012:stateMachine:M"

/* A database path in the test's own directory, which the runner removes
 * with the file, its -wal and -shm whatever the test's outcome. */
static char dbpath[1100];

static const char *tmp_db(void) {
  snprintf(dbpath, sizeof dbpath, "%s/stepd.db", sd_test_dir());
  return dbpath;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, n, f) != n)
    abort();
  fclose(f);
}

static struct sd_store_event event(const char *arn, int64_t id, const char *type, const char *key,
                                   const char *details) {
  return (struct sd_store_event){ .exec_arn = arn,
                                  .id = id,
                                  .prev_id = id - 1,
                                  .ts_ms = 1700000000000 + id * 1001,
                                  .type = type,
                                  .details_key = key,
                                  .details = details };
}

/* Writes events 1..n of `arn`, one batch. */
static int write_events(struct sd_store *s, const char *arn, int n) {
  struct sd_err err = { 0 };
  struct sd_store_batch *b = sd_store_batch_new();
  for (int i = 1; i <= n; i++) {
    char details[64];
    snprintf(details, sizeof details, "{\"name\": \"S%d\"}", i);
    struct sd_store_event ev = event(arn, i, "PassStateEntered", "stateEnteredEventDetails", details);
    sd_store_batch_add_event(b, &ev);
  }
  int rc = sd_store_write(s, b, &err);
  sd_store_batch_free(b);
  sd_err_clear(&err);
  return rc;
}

static const struct sd_store_exec running = { .arn = ARN,
                                              .name = "e1",
                                              .machine_arn = MARN,
                                              .status = "RUNNING",
                                              .input = "{\"a\": 1}",
                                              .start_ms = 1700000000000 };

TEST(store_exec_round_trip) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running);
  ASSERT_INT_EQ(sd_store_batch_len(b), 1);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *row = sd_store_exec_get(s, ARN, &err);
  ASSERT_JSON_EQ(row, "{\"arn\": \"" ARN "\", \"name\": \"e1\", \"machine_arn\": \"" MARN "\","
                      " \"status\": \"RUNNING\", \"input\": \"{\\\"a\\\": 1}\", \"start_ms\": 1700000000000,"
                      " \"stop_ms\": 0, \"redrive_count\": 0, \"redrive_ms\": 0}");
  json_decref(row);

  /* A later put replaces the whole row. */
  struct sd_store_exec done = running;
  done.status = "FAILED";
  done.error = "States.TaskFailed";
  done.cause = "boom \xc3\xa9";
  done.stop_ms = 1700000005000;
  b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &done);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  row = sd_store_exec_get(s, ARN, &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "FAILED");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "error")), "States.TaskFailed");
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "cause")), "boom \xc3\xa9");
  ASSERT(json_object_get(row, "output") == NULL);
  ASSERT_INT_EQ(json_integer_value(json_object_get(row, "stop_ms")), 1700000005000);
  json_decref(row);

  ASSERT(sd_store_exec_get(s, ARN2, &err) == NULL);
  ASSERT_STR_EQ(err.name, "ExecutionDoesNotExist");
  ASSERT_STR_EQ(err.cause, "Execution Does Not Exist: '" ARN2 "'");
  sd_err_clear(&err);
  sd_store_close(s);
  return 0;
}

/* The recovery snapshot rides with a RUNNING row, is kept by a put
 * without one, and goes with the close; sd_store_exec_running lists the
 * RUNNING rows with it and their last event id. */
TEST(store_frame_snapshot_running) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(s != NULL);
  struct sd_store_exec with = running;
  with.frame = "{\"state\": \"W\"}";
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &with);
  sd_store_batch_put_exec(b, &running); /* NULL keeps the snapshot */
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  ASSERT(write_events(s, ARN, 4) == 0);
  json_t *rows = sd_store_exec_running(s, &err); /* new */
  ASSERT_JSON_EQ(rows, "[{\"arn\": \"" ARN "\", \"name\": \"e1\", \"machine_arn\": \"" MARN "\","
                       " \"input\": \"{\\\"a\\\": 1}\", \"start_ms\": 1700000000000, \"last_id\": 4,"
                       " \"frames\": {\"\": \"{\\\"state\\\": \\\"W\\\"}\"}}]");
  json_decref(rows);
  struct sd_store_exec done = running;
  done.status = "SUCCEEDED";
  done.stop_ms = 1700000005000;
  b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &done);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  rows = sd_store_exec_running(s, &err);
  ASSERT_JSON_EQ(rows, "[]");
  json_decref(rows);
  b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running); /* RUNNING again, no snapshot: none comes back */
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  rows = sd_store_exec_running(s, &err);
  ASSERT_INT_EQ(json_array_size(rows), 1);
  ASSERT_JSON_EQ(json_object_get(json_array_get(rows, 0), "frames"), "{}");
  json_decref(rows);
  sd_store_close(s);
  return 0;
}

/* Frame rows of a running execution: put and replaced by key, deleted one
 * by one or by key prefix (a state's children and their outputs), written
 * before the batch's execution rows (a frame of a new execution gets its
 * row all the same), and all gone with the close, even when the batch
 * holds frames put before the close. */
TEST(store_frame_rows) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  const char *keys[] = { "", "/0", "/1", "/1/0", "/1#0", "#0", "/10" };
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    struct sd_store_frame fr = { ARN, keys[i], "{}", false };
    sd_store_batch_put_frame(b, &fr);
  }
  struct sd_store_frame again = { ARN, "/0", "{\"x\": 1}", false };
  sd_store_batch_put_frame(b, &again);
  sd_store_batch_put_exec(b, &running);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *rows = sd_store_exec_running(s, &err); /* new */
  ASSERT_JSON_EQ(json_object_get(json_array_get(rows, 0), "frames"),
                 "{\"\": \"{}\", \"/0\": \"{\\\"x\\\": 1}\", \"/1\": \"{}\", \"/1/0\": \"{}\","
                 " \"/1#0\": \"{}\", \"#0\": \"{}\", \"/10\": \"{}\"}");
  json_decref(rows);
  b = sd_store_batch_new();
  struct sd_store_frame del1 = { ARN, "/1/", NULL, true }, del2 = { ARN, "/1#", NULL, true };
  struct sd_store_frame del3 = { ARN, "/10", NULL, false };
  sd_store_batch_put_frame(b, &del1);
  sd_store_batch_put_frame(b, &del2);
  sd_store_batch_put_frame(b, &del3);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  rows = sd_store_exec_running(s, &err);
  ASSERT_JSON_EQ(json_object_get(json_array_get(rows, 0), "frames"),
                 "{\"\": \"{}\", \"/0\": \"{\\\"x\\\": 1}\", \"/1\": \"{}\", \"#0\": \"{}\"}");
  json_decref(rows);
  b = sd_store_batch_new();
  struct sd_store_frame late = { ARN, "/2", "{}", false };
  sd_store_batch_put_frame(b, &late);
  struct sd_store_exec done = running;
  done.status = "SUCCEEDED";
  done.stop_ms = 1700000005000;
  sd_store_batch_put_exec(b, &done);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  rows = sd_store_exec_running(s, &err);
  ASSERT_JSON_EQ(json_object_get(json_array_get(rows, 0), "frames"), "{}");
  json_decref(rows);
  sd_store_close(s);
  return 0;
}

TEST(store_history_event_shape) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running);
  /* A length given by the caller is honoured: what follows is not stored. */
  static const char d1[] = "{\"input\": \"{}\", \"inputDetails\": {\"truncated\": false}}TRAILING";
  struct sd_store_event e1 = { ARN,
                               1,
                               0,
                               1700000000123,
                               "ExecutionStarted",
                               "executionStartedEventDetails",
                               d1,
                               sizeof d1 - 1 - strlen("TRAILING") };
  struct sd_store_event e2 = { ARN, 2, 1, 1700000000500, "PassStateEntered", NULL, NULL, 0 };
  sd_store_batch_add_event(b, &e1);
  sd_store_batch_add_event(b, &e2);
  ASSERT_INT_EQ(sd_store_batch_len(b), 3);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT_JSON_EQ(
      h, "[{\"timestamp\": 1700000000.123, \"type\": \"ExecutionStarted\", \"id\": 1,"
         "  \"executionStartedEventDetails\": {\"input\": \"{}\", \"inputDetails\": {\"truncated\": false}}},"
         " {\"timestamp\": 1700000000.5, \"type\": \"PassStateEntered\", \"id\": 2,"
         "  \"previousEventId\": 1}]");
  /* Key order as AWS sends it (Jansson keeps insertion order). */
  const char *key = NULL;
  const char *keys[4];
  int n = 0;
  json_t *v;
  json_object_foreach(json_array_get(h, 1), key, v) {
    keys[n++] = key;
  }
  ASSERT_INT_EQ(n, 4);
  ASSERT_STR_EQ(keys[0], "timestamp");
  ASSERT_STR_EQ(keys[3], "previousEventId");
  ASSERT(json_is_real(json_object_get(json_array_get(h, 0), "timestamp")));
  json_decref(h);
  sd_store_close(s);
  return 0;
}

static int ids_eq(json_t *events, const char *expected) {
  char got[256] = "";
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) {
    size_t len = strlen(got);
    snprintf(got + len, sizeof got - len, "%s%lld", i ? "," : "",
             (long long)json_integer_value(json_object_get(ev, "id")));
  }
  if (strcmp(got, expected) != 0) {
    fprintf(stderr, "ids %s, expected %s\n", got, expected);
    return 1;
  }
  return 0;
}

TEST(store_history_pages) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(write_events(s, ARN, 10) == 0);
  ASSERT(write_events(s, ARN2, 3) == 0);
  struct {
    int64_t from;
    size_t limit;
    bool reverse;
    const char *ids;
  } cases[] = {
    { 0, 0, false, "1,2,3,4,5,6,7,8,9,10" },
    { 0, 3, false, "1,2,3" },
    { 3, 3, false, "4,5,6" },
    { 9, 3, false, "10" },
    { 10, 3, false, "" },
    { 0, 0, true, "10,9,8,7,6,5,4,3,2,1" },
    { 0, 4, true, "10,9,8,7" },
    { 7, 4, true, "6,5,4,3" },
    { 2, 4, true, "1" },
    { 1, 4, true, "" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *h = sd_store_history(s, ARN, cases[i].from, cases[i].limit, cases[i].reverse, &err);
    ASSERT(h != NULL);
    if (ids_eq(h, cases[i].ids) != 0) {
      fprintf(stderr, "case %zu\n", i);
      return 1;
    }
    json_decref(h);
  }
  json_t *h = sd_store_history(s, ARN2, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1,2,3") == 0);
  ASSERT_STR_EQ(json_string_value(json_object_get(
                    json_object_get(json_array_get(h, 2), "stateEnteredEventDetails"), "name")),
                "S3");
  json_decref(h);
  ASSERT(sd_store_history(s, "arn:nope", 0, 0, false, &err) == NULL);
  ASSERT_STR_EQ(err.name, "ExecutionDoesNotExist");
  sd_err_clear(&err);
  sd_store_close(s);
  return 0;
}

/* History in several chunks (one write each, and chunks cut at their size
 * limit within one write) reads the same as in one: pages start and end
 * inside chunks and across them, both ways. */
TEST(store_history_pages_across_chunks) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  /* 1..3, then 4..300 in one write of ~340 KB: cut into several chunks. */
  char *big = malloc(1200);
  memset(big, 'x', 1100);
  big[1100] = '\0';
  char details[1200];
  for (int lo = 1, hi = 3; lo <= 300; lo = hi + 1, hi = 300) {
    struct sd_store_batch *b = sd_store_batch_new();
    for (int i = lo; i <= hi; i++) {
      snprintf(details, sizeof details, "{\"name\": \"S%d\", \"pad\": \"%s\"}", i, big);
      struct sd_store_event ev = event(ARN, i, "PassStateEntered", "stateEnteredEventDetails", details);
      sd_store_batch_add_event(b, &ev);
    }
    ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
    sd_store_batch_free(b);
  }
  free(big);
  long long chunks = 0;
  sqlite3_stmt *st = NULL;
  ASSERT(sqlite3_prepare_v2(sd_sqlite_db(s), "SELECT count(*) FROM history", -1, &st, NULL) == SQLITE_OK);
  ASSERT(sqlite3_step(st) == SQLITE_ROW);
  chunks = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  ASSERT(chunks >= 5); /* [1..3] and 4..300 cut at 64 KiB */
  json_t *all = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT_INT_EQ(json_array_size(all), 300);
  for (size_t i = 0; i < 300; i++) {
    json_t *ev = json_array_get(all, i);
    ASSERT_INT_EQ(json_integer_value(json_object_get(ev, "id")), (long long)i + 1);
    snprintf(details, sizeof details, "S%zu", i + 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(ev, "stateEnteredEventDetails"), "name")),
                  details);
  }
  /* Every page of 7, forward and back, against the whole. */
  for (int reverse = 0; reverse <= 1; reverse++) {
    int64_t from = 0;
    size_t got = 0;
    for (;;) {
      json_t *page = sd_store_history(s, ARN, from, 7, reverse, &err);
      ASSERT(page != NULL);
      size_t n = json_array_size(page);
      for (size_t i = 0; i < n; i++) {
        int64_t id = json_integer_value(json_object_get(json_array_get(page, i), "id"));
        ASSERT_INT_EQ(id, reverse ? 300 - (int64_t)(got + i) : (int64_t)(got + i) + 1);
      }
      got += n;
      if (n == 0) {
        json_decref(page);
        break;
      }
      ASSERT(n == 7 || got == 300);
      from = json_integer_value(json_object_get(json_array_get(page, n - 1), "id"));
      json_decref(page);
    }
    ASSERT_INT_EQ(got, 300);
  }
  json_decref(all);
  sd_store_close(s);
  return 0;
}

/* One write of interleaved executions puts each one's events in its own
 * chunk, in order; an id written before is refused, even inside a chunk
 * written earlier, and nothing of that write is kept. */
TEST(store_history_chunks_per_execution) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  struct sd_store_batch *b = sd_store_batch_new();
  for (int i = 1; i <= 4; i++) {
    struct sd_store_event e1 = event(ARN, i, "T", NULL, NULL), e2 = event(ARN2, i, "U", NULL, NULL);
    sd_store_batch_add_event(b, &e1);
    sd_store_batch_add_event(b, &e2);
  }
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1,2,3,4") == 0);
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(h, 3), "type")), "T");
  json_decref(h);
  h = sd_store_history(s, ARN2, 2, 0, true, &err);
  ASSERT(ids_eq(h, "1") == 0);
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(h, 0), "type")), "U");
  json_decref(h);
  sqlite3_stmt *st = NULL;
  ASSERT(sqlite3_prepare_v2(sd_sqlite_db(s),
                            "SELECT group_concat((k >> 32) || ':' || (k & 4294967295) || '-' ||"
                            " last_id) FROM history",
                            -1, &st, NULL) == SQLITE_OK);
  ASSERT(sqlite3_step(st) == SQLITE_ROW);
  ASSERT_STR_EQ((const char *)sqlite3_column_text(st, 0), "1:1-4,2:1-4");
  sqlite3_finalize(st);

  /* ARN2's 3..5 overlaps its [1..4]; ARN's 5 alone would be fine, but
   * goes with it. */
  b = sd_store_batch_new();
  struct sd_store_event e6 = event(ARN, 5, "T", NULL, NULL), e3 = event(ARN2, 3, "U", NULL, NULL);
  struct sd_store_event e4 = event(ARN2, 4, "U", NULL, NULL), e5 = event(ARN2, 5, "U", NULL, NULL);
  sd_store_batch_add_event(b, &e6);
  sd_store_batch_add_event(b, &e3);
  sd_store_batch_add_event(b, &e4);
  sd_store_batch_add_event(b, &e5);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), -1);
  ASSERT(strstr(err.cause, "writing events 3 to 5 of '" ARN2 "'") != NULL);
  ASSERT(strstr(err.cause, "UNIQUE") != NULL);
  sd_err_clear(&err);
  sd_store_batch_free(b);
  h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1,2,3,4") == 0);
  json_decref(h);
  sd_store_close(s);
  return 0;
}

/* Events logged before their execution row get a stub row, which the
 * execution row fills in later. */
TEST(store_events_before_exec_row) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(write_events(s, ARN, 2) == 0);
  json_t *row = sd_store_exec_get(s, ARN, &err);
  ASSERT_JSON_EQ(row, "{\"arn\": \"" ARN "\", \"start_ms\": 0, \"stop_ms\": 0, \"redrive_count\": 0,"
                      " \"redrive_ms\": 0}");
  json_decref(row);
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  row = sd_store_exec_get(s, ARN, &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "status")), "RUNNING");
  json_decref(row);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1,2") == 0);
  json_decref(h);
  sd_store_close(s);
  return 0;
}

/* Many executions interleaved in one batch (past the ARN index's growth
 * points), each event landing with its own execution. */
TEST(store_batch_many_executions) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  struct sd_store_batch *b = sd_store_batch_new();
  char arns[100][64];
  for (int i = 0; i < 100; i++)
    snprintf(arns[i], sizeof arns[i], "arn:x:%d", i);
  for (int id = 1; id <= 5; id++)
    for (int i = 0; i < 100; i++) {
      char details[32];
      snprintf(details, sizeof details, "{\"e\": %d}", i);
      struct sd_store_event ev = event(arns[i], id, "T", "k", details);
      sd_store_batch_add_event(b, &ev);
    }
  ASSERT_INT_EQ(sd_store_batch_len(b), 500);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  for (int i = 0; i < 100; i += 33) {
    json_t *h = sd_store_history(s, arns[i], 0, 0, false, &err);
    ASSERT(ids_eq(h, "1,2,3,4,5") == 0);
    ASSERT_INT_EQ(json_integer_value(json_object_get(json_object_get(json_array_get(h, 4), "k"), "e")), i);
    json_decref(h);
  }
  sd_store_close(s);
  return 0;
}

/* A failing row fails the whole batch, and the batch's other rows are not
 * written (one transaction); the handle stays usable. */
TEST(store_write_failure_rolls_back) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  ASSERT(write_events(s, ARN, 1) == 0);
  struct sd_store_batch *b = sd_store_batch_new();
  struct sd_store_event e2 = event(ARN, 2, "T", NULL, NULL), dup = event(ARN, 1, "T", NULL, NULL);
  struct sd_store_event other = event(ARN2, 1, "T", NULL, NULL);
  sd_store_batch_add_event(b, &other);
  sd_store_batch_add_event(b, &e2);
  sd_store_batch_add_event(b, &dup);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), -1);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  ASSERT(strstr(err.cause, "writing event 1 of '" ARN "'") != NULL);
  ASSERT(strstr(err.cause, "UNIQUE") != NULL);
  sd_err_clear(&err);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1") == 0);
  json_decref(h);
  ASSERT(sd_store_history(s, ARN2, 0, 0, false, &err) == NULL); /* its stub row was rolled back too */
  sd_err_clear(&err);
  ASSERT(write_events(s, ARN2, 2) == 0);
  sd_store_close(s);
  return 0;
}

TEST(store_large_details) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(NULL, &err);
  size_t n = 300 * 1024;
  char *details = malloc(n + 32);
  strcpy(details, "{\"output\": \"");
  memset(details + 12, 'x', n);
  strcpy(details + 12 + n, "\"}");
  struct sd_store_batch *b = sd_store_batch_new();
  struct sd_store_event ev = event(ARN, 1, "ExecutionSucceeded", "executionSucceededEventDetails", details);
  sd_store_batch_add_event(b, &ev);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  json_t *out =
      json_object_get(json_object_get(json_array_get(h, 0), "executionSucceededEventDetails"), "output");
  ASSERT_INT_EQ(json_string_length(out), n);
  json_decref(h);
  free(details);
  sd_store_close(s);
  return 0;
}

static int query_int(const char *path, const char *sql, long long *v) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
           sqlite3_step(st) == SQLITE_ROW;
  if (rc)
    *v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc ? 0 : -1;
}

static int run_sql(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
  sqlite3_close(db);
  return rc ? 0 : -1;
}

TEST(store_file_migrates_and_reopens) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  struct sd_store *s = sd_store_open(path, &err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  sd_store_batch_put_exec(b, &running);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  ASSERT(write_events(s, ARN, 3) == 0);
  long long v = 0;
  ASSERT(query_int(path, "PRAGMA user_version", &v) == 0);
  ASSERT_INT_EQ(v, 8);
  /* The view shows history one row per event. */
  ASSERT(query_int(path, "SELECT sum(id) FROM events WHERE type = 'PassStateEntered'", &v) == 0);
  ASSERT_INT_EQ(v, 6);
  sd_store_close(s);

  /* WAL is a property of the file: a plain connection sees it. */
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
  ASSERT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK);
  ASSERT(sqlite3_step(st) == SQLITE_ROW);
  ASSERT_STR_EQ((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);

  /* Re-opening keeps the data and does not migrate again. */
  s = sd_store_open(path, &err);
  ASSERT(s != NULL);
  json_t *h = sd_store_history(s, ARN, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1,2,3") == 0);
  json_decref(h);
  json_t *row = sd_store_exec_get(s, ARN, &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(row, "name")), "e1");
  json_decref(row);
  ASSERT(write_events(s, ARN2, 1) == 0);
  /* Two handles on one file: a second one reads what the first wrote. */
  struct sd_store *r = sd_store_open(path, &err);
  ASSERT(r != NULL);
  h = sd_store_history(r, ARN2, 0, 0, false, &err);
  ASSERT(ids_eq(h, "1") == 0);
  json_decref(h);
  sd_store_close(r);
  sd_store_close(s);
  return 0;
}

TEST(store_rejects_newer_schema) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  ASSERT(run_sql(path, "PRAGMA user_version = 99") == 0);
  ASSERT(sd_store_open(path, &err) == NULL);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  ASSERT(strstr(err.cause, "schema version 99 is newer") != NULL);
  sd_err_clear(&err);
  return 0;
}

/* A SQLite file of some other program, with a table of ours' name: the
 * migration fails as a whole and says which one. */
TEST(store_foreign_database) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  ASSERT(run_sql(path, "CREATE TABLE events(x)") == 0);
  ASSERT(sd_store_open(path, &err) == NULL);
  ASSERT(strstr(err.cause, "schema migration 1") != NULL);
  ASSERT(strstr(err.cause, "already exists") != NULL);
  sd_err_clear(&err);
  long long v = -1;
  ASSERT(query_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'executions'", &v) == 0);
  ASSERT_INT_EQ(v, 0);
  return 0;
}

TEST(store_not_a_database) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  char junk[8192];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (char)(i * 7 + 3);
  write_file(path, junk, sizeof junk);
  ASSERT(sd_store_open(path, &err) == NULL);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  ASSERT(strstr(err.cause, path) != NULL);
  ASSERT(strstr(err.cause, "file is not a database") != NULL);
  sd_err_clear(&err);

  ASSERT(sd_store_open("/nonexistent-dir/x/y.db", &err) == NULL);
  ASSERT(strstr(err.cause, "unable to open") != NULL);
  sd_err_clear(&err);
  return 0;
}

/* A database cut short, and one whose pages were overwritten: whatever
 * fails, it fails as an error. */
TEST(store_damaged_file) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  struct sd_store *s = sd_store_open(path, &err);
  for (int i = 0; i < 20; i++) {
    char arn[32];
    snprintf(arn, sizeof arn, "arn:x:%d", i);
    ASSERT(write_events(s, arn, 50) == 0);
  }
  sd_store_close(s); /* checkpoints the WAL into the file */
  FILE *f = fopen(path, "r+b");
  ASSERT(f != NULL);
  ASSERT(fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  ASSERT(size > 8 * 4096);
  char junk[4096];
  memset(junk, 0xA5, sizeof junk);
  for (long off = 2 * 4096; off < size; off += 3 * 4096) {
    fseek(f, off, SEEK_SET);
    fwrite(junk, 1, sizeof junk, f);
  }
  fclose(f);
  int failures = 0;
  s = sd_store_open(path, &err);
  if (s == NULL) {
    failures++;
  } else {
    for (int i = 0; i < 20; i++) {
      char arn[32];
      snprintf(arn, sizeof arn, "arn:x:%d", i);
      json_t *h = sd_store_history(s, arn, 0, 0, false, &err);
      failures += h == NULL;
      json_decref(h);
    }
    sd_store_close(s);
  }
  ASSERT(failures > 0);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  if (getenv("SD_TEST_VERBOSE"))
    fprintf(stderr, "damaged: %s\n", err.cause);
  sd_err_clear(&err);

  ASSERT(truncate(path, 4096 + 100) == 0);
  s = sd_store_open(path, &err);
  if (s != NULL) {
    json_t *h = sd_store_history(s, "arn:x:3", 0, 0, false, &err);
    ASSERT(h == NULL);
    sd_store_close(s);
  }
  ASSERT(err.name != NULL);
  if (getenv("SD_TEST_VERBOSE"))
    fprintf(stderr, "truncated: %s\n", err.cause);
  sd_err_clear(&err);
  return 0;
}

/* A chunk that is not JSON (edited by hand, or damaged) makes the page
 * that reaches it fail with its events named; an element that is not an
 * event, with its id. */
TEST(store_damaged_row) {
  struct sd_err err = { 0 };
  const char *path = tmp_db();
  struct sd_store *s = sd_store_open(path, &err);
  for (int i = 1; i <= 4; i++) { /* chunks [1], [2], [3], [4] */
    struct sd_store_batch *b = sd_store_batch_new();
    struct sd_store_event ev = event(ARN, i, "PassStateEntered", "stateEnteredEventDetails", "{}");
    sd_store_batch_add_event(b, &ev);
    ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
    sd_store_batch_free(b);
  }
  struct sd_store_batch *b = sd_store_batch_new();
  for (int i = 5; i <= 7; i++) { /* chunk [5..7] */
    struct sd_store_event ev = event(ARN, i, "PassStateEntered", "stateEnteredEventDetails", "{}");
    sd_store_batch_add_event(b, &ev);
  }
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  sd_store_close(s);
  ASSERT(run_sql(path, "UPDATE history SET events = '[[2, 1, 0, \"T\", null, {\"name\": ]]'"
                       " WHERE k % 4294967296 = 2") == 0);
  ASSERT(run_sql(path, "UPDATE history SET events = '[[3, 2, 0]]' WHERE k % 4294967296 = 3") == 0);
  ASSERT(run_sql(path, "UPDATE history SET events = 'x' WHERE k % 4294967296 = 5") == 0);
  s = sd_store_open(path, &err);
  json_t *h = sd_store_history(s, ARN, 0, 1, false, &err);
  ASSERT(ids_eq(h, "1") == 0);
  json_decref(h);
  h = sd_store_history(s, ARN, 3, 1, false, &err);
  ASSERT(ids_eq(h, "4") == 0);
  json_decref(h);
  static const struct {
    int64_t from;
    bool reverse;
    const char *cause;
  } cases[] = {
    { 0, false, "history event 2 of '" ARN "' is damaged" },
    { 2, false, "history event 3 of '" ARN "' is damaged" },
    { 4, false, "history events 5 to 7 of '" ARN "' are damaged" },
    { 0, true, "history events 5 to 7 of '" ARN "' are damaged" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ASSERT(sd_store_history(s, ARN, cases[i].from, 0, cases[i].reverse, &err) == NULL);
    ASSERT_STR_EQ(err.name, "InternalFailure");
    if (strstr(err.cause, cases[i].cause) == NULL) {
      fprintf(stderr, "case %zu: %s\n", i, err.cause);
      return 1;
    }
    sd_err_clear(&err);
  }
  sd_store_close(s);

  /* An element without an integer id cannot be placed on any page: it
   * fails reads both ways, not only the reverse ones. */
  ASSERT(run_sql(path, "UPDATE history SET events = '[[5, 4, 0, \"T\", null, null], \"x\","
                       " [7, 6, 0, \"T\", null, null]]' WHERE k % 4294967296 = 5") == 0);
  s = sd_store_open(path, &err);
  for (int reverse = 0; reverse <= 1; reverse++) {
    ASSERT(sd_store_history(s, ARN, reverse ? 0 : 4, 0, reverse, &err) == NULL);
    ASSERT(strstr(err.cause, "history events 5 to 7 of '" ARN "' are damaged") != NULL);
    sd_err_clear(&err);
  }
  sd_store_close(s);

  /* Text that is not UTF-8 cannot become a JSON string. */
  ASSERT(run_sql(path, "UPDATE executions SET cause = CAST(x'c328' AS TEXT)") == 0);
  s = sd_store_open(path, &err);
  ASSERT(sd_store_exec_get(s, ARN, &err) == NULL);
  ASSERT(strstr(err.cause, "execution row '" ARN "' is damaged") != NULL);
  sd_err_clear(&err);
  sd_store_close(s);
  return 0;
}
