/* A fresh database gets the schema from one squashed script, an older one
 * from the migration steps (engine/store_sqlite.c): the two must never
 * drift. These tests build a database at every older version by hand from
 * the steps, let sd_store_open take it the rest of the way, and compare
 * its schema with a fresh one's. Appending a migration without updating
 * the squashed script fails them (and the build, by a static assertion on
 * the version the script is at).
 *
 * The comparison is of what SQLite makes of the schema, read through its
 * pragmas: each table's kind (rowid or not, strict), its columns in order
 * with type, NOT NULL, default and primary-key position, and each index's
 * uniqueness, origin, columns, order and collation, plus the text of
 * CREATE INDEX statements (their WHERE clauses) with whitespace collapsed.
 * Not the text of CREATE TABLE: ALTER TABLE ADD COLUMN edits that text in
 * place, so a table's text differs between the two paths even when its
 * columns are the same. Column order is compared too: the squashed script
 * puts the columns steps add last, in the order the steps add them, and
 * INSERT statements without a column list rely on it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/store.h"
#include "engine/store_sqlite_int.h"
#include "engine/store_sqlite_schema.h"
#include "runner.h"

static char sdir[256];

/* The test's own directory for its files: the runner removes it even
 * when an assertion returns before rm_dir(). */
static void mk_dir(void) {
  snprintf(sdir, sizeof sdir, "%s", sd_test_dir());
}

static void rm_file(const char *path) {
  char p[600];
  const char *sfx[] = { "", "-wal", "-shm" };
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s%s", path, sfx[i]);
    unlink(p);
  }
}

static void rm_dir(void) {
  rmdir(sdir);
}

/* Collapses runs of blanks within each line to one space, in place. */
static void squeeze(char *s) {
  char *w = s;
  for (const char *r = s; *r; r++) {
    bool sp = *r == ' ' || *r == '\t';
    if (sp && (w == s || w[-1] == ' '))
      continue;
    *w++ = sp ? ' ' : *r;
  }
  *w = '\0';
}

/* 0 when the dumps are equal; else prints the first line that differs. */
static int schema_diff(const char *what, const char *a, const char *b) {
  size_t line = 1;
  while (*a != '\0' || *b != '\0') {
    size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
    if (na != nb || strncmp(a, b, na) != 0) {
      fprintf(stderr, "%s: schema line %zu differs:\n  want: %.*s\n  got:  %.*s\n", what, line, (int)na, a,
              (int)nb, b);
      return 1;
    }
    a += na + (a[na] == '\n');
    b += nb + (b[nb] == '\n');
    line++;
  }
  return 0;
}

/* One line per schema fact, in a fixed order. */
static const char *const dump_sql[] = {
  "SELECT 'version ' || user_version FROM pragma_user_version",
  "SELECT 'table ' || name || ' ' || type || ' ncol=' || ncol || ' wr=' || wr || ' strict=' || strict"
  " FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  "SELECT 'column ' || m.name || '.' || c.cid || ' ' || c.name || ' ' || c.type || ' notnull=' || "
  "c.\"notnull\""
  " || ' default=' || ifnull(c.dflt_value, 'NULL') || ' pk=' || c.pk || ' hidden=' || c.hidden"
  " FROM sqlite_schema m, pragma_table_xinfo(m.name) c WHERE m.type = 'table' ORDER BY m.name, c.cid",
  "SELECT 'index ' || m.name || ' ' || i.name || ' unique=' || i.\"unique\" || ' origin=' || i.origin"
  " || ' partial=' || i.partial FROM sqlite_schema m, pragma_index_list(m.name) i"
  " WHERE m.type = 'table' ORDER BY m.name, i.name",
  "SELECT 'key ' || i.name || '.' || k.seqno || ' ' || k.cid || ' ' || ifnull(k.name, 'NULL') || ' desc='"
  " || k.desc || ' ' || k.coll || ' key=' || k.key FROM sqlite_schema m, pragma_index_list(m.name) i,"
  " pragma_index_xinfo(i.name) k WHERE m.type = 'table' ORDER BY i.name, k.seqno",
  "SELECT type || ' ' || name || ' sql=' || sql FROM sqlite_schema WHERE type NOT IN ('table') AND sql IS "
  "NOT "
  "NULL ORDER BY type, name",
};

/* The schema of the open database `db` as text (malloc'ed), or NULL;
 * `what` names it in messages. */
static char *dump_db(sqlite3 *db, const char *what) {
  struct sd_buf out = { 0 };
  bool ok = true;
  for (size_t q = 0; ok && q < sizeof dump_sql / sizeof dump_sql[0]; q++) {
    sqlite3_stmt *st = NULL;
    ok = sqlite3_prepare_v2(db, dump_sql[q], -1, &st, NULL) == SQLITE_OK;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *line = (const char *)sqlite3_column_text(st, 0);
      sd_buf_add(&out, line, strlen(line));
      sd_buf_add(&out, "\n", 1);
    }
    if (ok && rc != SQLITE_DONE)
      ok = false;
    if (!ok)
      fprintf(stderr, "dump of %s: %s\n", what, sqlite3_errmsg(db));
    sqlite3_finalize(st);
  }
  sd_buf_add(&out, "", 1);
  if (!ok) {
    sd_buf_free(&out);
    return NULL;
  }
  squeeze(out.data);
  return out.data;
}

/* The schema of the database at `path` as text (malloc'ed), or NULL. */
static char *dump(const char *path) {
  sqlite3 *db = NULL;
  char *out = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    out = dump_db(db, path);
  else
    fprintf(stderr, "dump of %s: %s\n", path, sqlite3_errmsg(db));
  sqlite3_close(db);
  return out;
}

/* A database at schema version `v`, built from steps 1..v by hand. */
static int make_at(const char *path, int v) {
  sqlite3 *db = NULL;
  int ok = sqlite3_open(path, &db) == SQLITE_OK;
  for (int i = 1; ok && i <= v; i++)
    ok = sqlite3_exec(db, sd_sqlite_migration(i), NULL, NULL, NULL) == SQLITE_OK;
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
  ok = ok && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    fprintf(stderr, "building version %d: %s\n", v, sqlite3_errmsg(db));
  sqlite3_close(db);
  return ok ? 0 : -1;
}

/* A version 7 file at `path` (in sdir, made here) holding execution 3,
 * `arn`, and the rows that `events` (INSERTs into the one-row-per-event
 * table) add: what an older stepd left for migration 8 to chunk. */
static int make_v7(char *path, size_t n, const char *arn, const char *events) {
  mk_dir();
  snprintf(path, n, "%s/v7.db", sdir);
  if (make_at(path, 7) != 0)
    return -1;
  sqlite3 *db = NULL;
  char *sql = sqlite3_mprintf(
      "INSERT INTO executions (id, arn, name, status) VALUES (3, %Q, 'e1', 'SUCCEEDED');%s", arn, events);
  int ok = sql != NULL && sqlite3_open(path, &db) == SQLITE_OK &&
           sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    fprintf(stderr, "filling version 7: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_free(sql);
  sqlite3_close(db);
  return ok ? 0 : -1;
}

static int open_close(const char *path) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(path, &err);
  if (s == NULL) {
    fprintf(stderr, "open %s: %s\n", path, err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return -1;
  }
  sd_store_close(s);
  return 0;
}

static int last_version(void) {
  int n = 0;
  while (sd_sqlite_migration(n + 1) != NULL)
    n++;
  return n;
}

/* Every step by hand, from an empty file to the last version, against the
 * squashed script of a fresh sd_store_open. */
TEST(store_schema_squashed_equals_every_step) {
  mk_dir();
  char fresh[512], steps[512];
  snprintf(fresh, sizeof fresh, "%s/fresh.db", sdir);
  snprintf(steps, sizeof steps, "%s/steps.db", sdir);
  ASSERT(open_close(fresh) == 0);
  ASSERT(make_at(steps, last_version()) == 0);
  char *a = dump(fresh), *b = dump(steps);
  ASSERT(a != NULL && b != NULL);
  ASSERT(strstr(a, "table events ") != NULL); /* the dump sees the tables at all */
  ASSERT(schema_diff("every step by hand", a, b) == 0);
  free(a);
  free(b);
  rm_file(fresh);
  rm_file(steps);
  rm_dir();
  return 0;
}

/* A database left at each older version by an older stepd: opening it runs
 * the store's own remaining steps and ends at the fresh schema. */
TEST(store_schema_each_older_version_migrates_to_fresh) {
  mk_dir();
  char fresh[512], old[512];
  snprintf(fresh, sizeof fresh, "%s/fresh.db", sdir);
  ASSERT(open_close(fresh) == 0);
  char *want = dump(fresh);
  ASSERT(want != NULL);
  int n = last_version();
  ASSERT(n >= 7);
  for (int v = 1; v <= n; v++) {
    snprintf(old, sizeof old, "%s/v%d.db", sdir, v);
    ASSERT(make_at(old, v) == 0);
    ASSERT(open_close(old) == 0);
    char *got = dump(old);
    ASSERT(got != NULL);
    char what[64];
    snprintf(what, sizeof what, "from version %d", v);
    ASSERT(schema_diff(what, want, got) == 0);
    free(got);
    rm_file(old);
  }
  free(want);
  rm_file(fresh);
  rm_dir();
  return 0;
}

/* Version 8 moved history into chunks: the rows of a version 7 file,
 * details or none, read back as they were, and the view `events` shows
 * them one per row again. */
TEST(store_schema_history_rows_become_chunks) {
  static const char arn[] = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
  char path[512];
  ASSERT(
      make_v7(path, sizeof path, arn,
              "INSERT INTO events VALUES ((3 << 32) + 1, 0, 1700000000123, 'ExecutionStarted',"
              "  'executionStartedEventDetails', '{\"input\": \"{}\", \"roleArn\": \"r\"}');"
              "INSERT INTO events VALUES ((3 << 32) + 2, 1, 1700000000500, 'PassStateEntered', NULL, NULL);"
              "INSERT INTO events VALUES ((3 << 32) + 3, 2, 1700000000600, 'ExecutionSucceeded',"
              "  'executionSucceededEventDetails', '{\"output\": \"[1.5]\"}');") == 0);

  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(path, &err);
  ASSERT(s != NULL);
  json_t *h = sd_store_history(s, arn, 0, 0, false, &err);
  ASSERT_JSON_EQ(h,
                 "[{\"timestamp\": 1700000000.123, \"type\": \"ExecutionStarted\", \"id\": 1,"
                 "  \"executionStartedEventDetails\": {\"input\": \"{}\", \"roleArn\": \"r\"}},"
                 " {\"timestamp\": 1700000000.5, \"type\": \"PassStateEntered\", \"id\": 2,"
                 "  \"previousEventId\": 1},"
                 " {\"timestamp\": 1700000000.6, \"type\": \"ExecutionSucceeded\", \"id\": 3,"
                 "  \"previousEventId\": 2, \"executionSucceededEventDetails\": {\"output\": \"[1.5]\"}}]");
  json_decref(h);
  h = sd_store_history(s, arn, 3, 2, true, &err);
  ASSERT_INT_EQ(json_array_size(h), 2);
  ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(h, 0), "id")), 2);
  json_decref(h);
  sqlite3_stmt *st = NULL;
  ASSERT(
      sqlite3_prepare_v2(sd_sqlite_db(s),
                         "SELECT group_concat(exec_id || '/' || id || '/' || prev_id || '/' || type || '/' ||"
                         " ifnull(details_key, '-') || '/' || ifnull(details, '-'), ' ') FROM events",
                         -1, &st, NULL) == SQLITE_OK);
  ASSERT(sqlite3_step(st) == SQLITE_ROW);
  ASSERT_STR_EQ((const char *)sqlite3_column_text(st, 0),
                "3/1/0/ExecutionStarted/executionStartedEventDetails/{\"input\":\"{}\",\"roleArn\":\"r\"}"
                " 3/2/1/PassStateEntered/-/-"
                " 3/3/2/ExecutionSucceeded/executionSucceededEventDetails/{\"output\":\"[1.5]\"}");
  sqlite3_finalize(st);
  sd_store_close(s);
  rm_file(path);
  rm_dir();
  return 0;
}

/* A version 7 row whose details are not JSON (or JSON but not an object
 * or array) failed only the page that read it: the migration keeps it,
 * and it still fails only that page, named, while the file opens. */
TEST(store_schema_damaged_details_survive_migration) {
  static const char arn[] = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
  char path[512];
  ASSERT(make_v7(path, sizeof path, arn,
                 "INSERT INTO events VALUES ((3 << 32) + 1, 0, 1000, 'T', 'tEventDetails', '{\"a\": 1}');"
                 "INSERT INTO events VALUES ((3 << 32) + 2, 1, 2000, 'T', 'tEventDetails', '{\"name\": ');"
                 "INSERT INTO events VALUES ((3 << 32) + 3, 2, 3000, 'T', 'tEventDetails', '5');"
                 "INSERT INTO events VALUES ((3 << 32) + 4, 3, 4000, 'T', 'tEventDetails', '[1]');") == 0);

  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(path, &err);
  if (s == NULL) {
    fprintf(stderr, "open: %s\n", err.cause);
    sd_err_clear(&err);
    return 1;
  }
  json_t *h = sd_store_history(s, arn, 0, 1, false, &err);
  ASSERT_JSON_EQ(h, "[{\"timestamp\": 1.0, \"type\": \"T\", \"id\": 1, \"tEventDetails\": {\"a\": 1}}]");
  json_decref(h);
  ASSERT(sd_store_history(s, arn, 0, 0, false, &err) == NULL);
  ASSERT(strstr(err.cause, "history event 2 of '") != NULL);
  sd_err_clear(&err);
  ASSERT(sd_store_history(s, arn, 2, 0, false, &err) == NULL);
  ASSERT(strstr(err.cause, "history event 3 of '") != NULL);
  sd_err_clear(&err);
  /* An array was details to the old reader too. */
  h = sd_store_history(s, arn, 3, 0, false, &err);
  ASSERT_JSON_EQ(h, "[{\"timestamp\": 4.0, \"type\": \"T\", \"id\": 4, \"previousEventId\": 3,"
                    "  \"tEventDetails\": [1]}]");
  json_decref(h);
  sd_store_close(s);
  rm_file(path);
  rm_dir();
  return 0;
}

/* The comparison is not blind: a schema one column short differs. */
TEST(store_schema_dump_sees_a_missing_column) {
  mk_dir();
  char a_path[512], b_path[512];
  snprintf(a_path, sizeof a_path, "%s/a.db", sdir);
  snprintf(b_path, sizeof b_path, "%s/b.db", sdir);
  ASSERT(make_at(a_path, last_version()) == 0);
  ASSERT(make_at(b_path, last_version()) == 0);
  sqlite3 *db = NULL;
  ASSERT(sqlite3_open(b_path, &db) == SQLITE_OK);
  ASSERT(sqlite3_exec(db, "ALTER TABLE executions DROP COLUMN redrive_ms", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  char *a = dump(a_path), *b = dump(b_path);
  ASSERT(a != NULL && b != NULL);
  ASSERT(strcmp(a, b) != 0);
  ASSERT(strstr(a, "redrive_ms") != NULL && strstr(b, "redrive_ms") == NULL);
  free(a);
  free(b);
  rm_file(a_path);
  rm_file(b_path);
  rm_dir();
  return 0;
}

/* `stepd run`'s private store has the tables of runs only: an execution,
 * its history and its frames round-trip; `stepd serve`'s tables are
 * absent, and a call on them is an error, not a crash. */
TEST(store_private_keeps_runs_only) {
  static const char arn[] = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open_private(&err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  struct sd_store_exec row = { .arn = arn,
                               .name = "e1",
                               .machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:M",
                               .status = "RUNNING",
                               .input = "{}",
                               .start_ms = 1700000000000,
                               .frame = "{\"s\":0}" };
  sd_store_batch_put_exec(b, &row);
  struct sd_store_event ev = { .exec_arn = arn,
                               .id = 1,
                               .ts_ms = 1700000000000,
                               .type = "ExecutionStarted",
                               .details_key = "executionStartedEventDetails",
                               .details = "{\"input\":\"{}\"}" };
  sd_store_batch_add_event(b, &ev);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, arn, 0, 0, false, &err);
  ASSERT(json_array_size(h) == 1);
  ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(h, 0), "type")), "ExecutionStarted");
  json_decref(h);
  json_t *got = sd_store_exec_get(s, arn, &err);
  ASSERT(got != NULL);
  ASSERT_STR_EQ(json_string_value(json_object_get(got, "status")), "RUNNING");
  json_decref(got);
  ASSERT(sd_store_activity_put(s, "arn:aws:states:us-east-1:123456789012:activity:A", "A", 1, &err) != 0);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  ASSERT(strstr(err.cause, "no such table") != NULL);
  sd_err_clear(&err);
  sd_store_close(s);
  return 0;
}

/* The private store has no rollback journal: a failed batch is reported
 * with SQLite's reason, keeps the rows it wrote before failing (nothing
 * undoes them), and the store goes on answering reads and writes. */
TEST(store_private_failed_write_is_reported) {
  static const char arn[] = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open_private(&err);
  ASSERT(s != NULL);
  struct sd_store_batch *b = sd_store_batch_new();
  struct sd_store_event e1 = { .exec_arn = arn, .id = 1, .ts_ms = 1, .type = "T" };
  struct sd_store_event e2 = e1, dup = e1;
  e2.id = 2;
  sd_store_batch_add_event(b, &e1);
  sd_store_batch_add_event(b, &e2);
  sd_store_batch_add_event(b, &dup);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), -1);
  ASSERT_STR_EQ(err.name, "InternalFailure");
  ASSERT(strstr(err.cause, "UNIQUE") != NULL);
  sd_err_clear(&err);
  sd_store_batch_free(b);
  json_t *h = sd_store_history(s, arn, 0, 0, false, &err);
  ASSERT_INT_EQ(json_array_size(h), 2);
  json_decref(h);
  b = sd_store_batch_new();
  struct sd_store_event e3 = e1;
  e3.id = 3;
  sd_store_batch_add_event(b, &e3);
  ASSERT_INT_EQ(sd_store_write(s, b, &err), 0);
  sd_store_batch_free(b);
  h = sd_store_history(s, arn, 0, 0, false, &err);
  ASSERT_INT_EQ(json_array_size(h), 3);
  json_decref(h);
  sd_store_close(s);
  return 0;
}

/* Reads a one-row, one-column query as text into buf; 0 or -1. */
static int query_text(sqlite3 *db, const char *sql, char *buf, size_t n) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK ? sqlite3_step(st) : SQLITE_ERROR;
  snprintf(buf, n, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "");
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : -1;
}

/* The private store starts from an image of SD_SQLITE_SCHEMA_RUNS made at
 * build time (engine/gen/store_image.c): it must have exactly the tables,
 * columns and indexes that running the SQL gives, and still the journal
 * and secure_delete settings it had when it ran the SQL itself. A stale or
 * wrong image (another table, a column missing) fails here. */
TEST(store_private_image_equals_schema_runs) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open_private(&err);
  ASSERT(s != NULL);
  sqlite3 *ref = NULL;
  ASSERT(sqlite3_open(":memory:", &ref) == SQLITE_OK);
  ASSERT(sqlite3_exec(ref, SD_SQLITE_SCHEMA_RUNS, NULL, NULL, NULL) == SQLITE_OK);
  char *got = dump_db(sd_sqlite_db(s), "the private store"), *want = dump_db(ref, "schema_runs");
  ASSERT(got != NULL && want != NULL);
  ASSERT(strstr(want, "column executions.15 redrive_ms ") != NULL); /* the dump sees the columns */
  ASSERT(strstr(want, "index executions sqlite_autoindex_executions_1 unique=1") != NULL);
  ASSERT(schema_diff("private store against schema_runs", want, got) == 0);
  char buf[32];
  ASSERT(query_text(sd_sqlite_db(s), "PRAGMA journal_mode", buf, sizeof buf) == 0);
  ASSERT_STR_EQ(buf, "off");
  ASSERT(query_text(sd_sqlite_db(s), "PRAGMA secure_delete", buf, sizeof buf) == 0);
  ASSERT_STR_EQ(buf, "0");
  /* A true in-memory database, not one in SQLite's memdb VFS (whose
   * commits copy pages): it has no file name. */
  const char *file = sqlite3_db_filename(sd_sqlite_db(s), "main");
  ASSERT(file == NULL || file[0] == '\0');
  free(got);
  free(want);
  sqlite3_close(ref);
  sd_store_close(s);
  return 0;
}
