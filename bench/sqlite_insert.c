/* Micro-benchmark: how fast this machine inserts history-like rows into
 * SQLite, the yardstick for the engine's group commit (STYLE.md §6).
 *
 * Part 1 ("raw") uses plain SQL on a WAL file with synchronous=NORMAL, at 1
 * and at 100 rows per transaction, and in memory, and compares three event
 * table layouts. Part 2 ("store") goes through sd_store_write and Part 3
 * ("writer") through sd_writer on a libuv loop, appending two rows per
 * simulated state transition: those are the figures to hold against part 1.
 *
 * Not a test: it asserts nothing and is run by hand.
 *   bench/sqlite_insert [rows [dir [raw|layouts|store|writer]]]
 * (default: 500000 rows, in $TMPDIR or /tmp, every section) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "engine/err.h"
#include "engine/store.h"
#include "engine/writer.h"

#define NEXEC 16 /* executions the rows are spread over, round robin */

static char path[4096];

static void remove_db(void) {
  char p[4200];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

static void make_arn(char *buf, size_t n, int e) {
  snprintf(buf, n,
           "arn:aws:states:us-east-1:123456789012:execution:BenchMachine:%08x-0000-4000-8000-0000000000%02d",
           (unsigned)e * 2654435761u, e);
}

static void make_details(char *buf, size_t n, long i) {
  snprintf(
      buf, n,
      "{\"name\":\"State%ld\",\"input\":\"{\\\"Payload\\\":{\\\"n\\\":%ld,\\\"s\\\":\\\"hello world\\\"}}\","
      "\"inputDetails\":{\"truncated\":false}}",
      i % 10, i);
}

static double secs(uint64_t t0) {
  return (double)(uv_hrtime() - t0) / 1e9;
}

static int check(sqlite3 *db, int rc, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "sqlite_insert: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
  return rc;
}

static void exec_sql(sqlite3 *db, const char *sql) {
  check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

/* Event table layouts: the text ARN in every row, or an integer execution id
 * (in a WITHOUT ROWID table, or a rowid table with its primary key index). */
enum layout { LAYOUT_ARN, LAYOUT_INT, LAYOUT_INT_ROWID };
static const char *const layout_name[] = { "arn text key, WITHOUT ROWID", "int exec id, WITHOUT ROWID",
                                           "int exec id, rowid table" };
static const char *const layout_ddl[] = {
  "CREATE TABLE ev(exec TEXT NOT NULL, id INTEGER NOT NULL, prev_id INTEGER, ts_ms INTEGER, type TEXT,"
  " details_key TEXT, details TEXT, PRIMARY KEY(exec, id)) WITHOUT ROWID",
  "CREATE TABLE ev(exec INTEGER NOT NULL, id INTEGER NOT NULL, prev_id INTEGER, ts_ms INTEGER, type TEXT,"
  " details_key TEXT, details TEXT, PRIMARY KEY(exec, id)) WITHOUT ROWID",
  "CREATE TABLE ev(exec INTEGER NOT NULL, id INTEGER NOT NULL, prev_id INTEGER, ts_ms INTEGER, type TEXT,"
  " details_key TEXT, details TEXT, PRIMARY KEY(exec, id))",
};

static sqlite3 *raw_open(bool file, enum layout layout) {
  sqlite3 *db = NULL;
  if (file)
    remove_db();
  if (sqlite3_open(file ? path : ":memory:", &db) != SQLITE_OK) {
    fprintf(stderr, "sqlite_insert: cannot open %s\n", path);
    exit(1);
  }
  if (file)
    exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
  exec_sql(db, layout_ddl[layout]);
  return db;
}

/* Inserts `rows` rows, `per_txn` per transaction; returns rows/s. */
static double raw_run(bool file, enum layout layout, long rows, long per_txn, double *bytes_per_row) {
  sqlite3 *db = raw_open(file, layout);
  sqlite3_stmt *st = NULL;
  check(db, sqlite3_prepare_v2(db, "INSERT INTO ev VALUES(?,?,?,?,?,?,?)", -1, &st, NULL), "prepare");
  char arns[NEXEC][128], details[256];
  for (int e = 0; e < NEXEC; e++)
    make_arn(arns[e], sizeof arns[e], e);
  uint64_t t0 = uv_hrtime();
  for (long i = 0; i < rows; i++) {
    if (i % per_txn == 0)
      exec_sql(db, "BEGIN");
    int e = (int)(i % NEXEC);
    long id = i / NEXEC + 1;
    make_details(details, sizeof details, i);
    if (layout == LAYOUT_ARN)
      sqlite3_bind_text(st, 1, arns[e], -1, SQLITE_STATIC);
    else
      sqlite3_bind_int64(st, 1, e + 1);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, id - 1);
    sqlite3_bind_int64(st, 4, 1700000000000 + i);
    sqlite3_bind_text(st, 5, "TaskStateEntered", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, "stateEnteredEventDetails", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, details, -1, SQLITE_STATIC);
    check(db, sqlite3_step(st), "insert");
    sqlite3_reset(st);
    if ((i + 1) % per_txn == 0 || i + 1 == rows)
      exec_sql(db, "COMMIT");
  }
  double rate = (double)rows / secs(t0);
  sqlite3_finalize(st);
  if (bytes_per_row) {
    sqlite3_stmt *q = NULL;
    exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    check(db, sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL), "page_count");
    sqlite3_step(q);
    *bytes_per_row = (double)sqlite3_column_int64(q, 0) * 4096.0 / (double)rows;
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  if (file)
    remove_db();
  return rate;
}

/* ---- through the store and the writer ---- */

struct gen {
  char arns[NEXEC][128];
  char details[256];
  int64_t next_id[NEXEC];
  long n;
};

static void gen_event(struct gen *g, struct sd_store_event *ev) {
  int e = (int)(g->n % NEXEC);
  make_details(g->details, sizeof g->details, g->n);
  g->next_id[e]++;
  *ev = (struct sd_store_event){ .exec_arn = g->arns[e],
                                 .id = g->next_id[e],
                                 .prev_id = g->next_id[e] - 1,
                                 .ts_ms = 1700000000000 + g->n,
                                 .type = "TaskStateEntered",
                                 .details_key = "stateEnteredEventDetails",
                                 .details = g->details };
  g->n++;
}

static void gen_init(struct gen *g) {
  memset(g, 0, sizeof *g);
  for (int e = 0; e < NEXEC; e++)
    make_arn(g->arns[e], sizeof g->arns[e], e);
}

static struct sd_store *store_open(bool file) {
  struct sd_err err = { 0 };
  if (file)
    remove_db();
  struct sd_store *s = sd_store_open(file ? path : NULL, &err);
  if (s == NULL) {
    fprintf(stderr, "sqlite_insert: %s: %s\n", err.name, err.cause ? err.cause : "");
    exit(1);
  }
  return s;
}

static double store_run(bool file, long rows, long per_txn) {
  struct sd_store *s = store_open(file);
  struct sd_err err = { 0 };
  struct gen g;
  gen_init(&g);
  uint64_t t0 = uv_hrtime();
  for (long done = 0; done < rows; done += per_txn) {
    struct sd_store_batch *b = sd_store_batch_new();
    for (long i = 0; i < per_txn && done + i < rows; i++) {
      struct sd_store_event ev;
      gen_event(&g, &ev);
      sd_store_batch_add_event(b, &ev);
    }
    if (sd_store_write(s, b, &err) != 0) {
      fprintf(stderr, "sqlite_insert: %s\n", err.cause);
      exit(1);
    }
    sd_store_batch_free(b);
  }
  double rate = (double)rows / secs(t0);
  sd_store_close(s);
  if (file)
    remove_db();
  return rate;
}

/* The writer run: an idle handle plays the engine, making `per_turn` state
 * transitions (two rows each) per loop turn until `rows` rows are appended,
 * then closes the writer; the loop ends when the last commit is done. */
struct wrun {
  struct sd_writer *w;
  uv_idle_t idle;
  struct gen g;
  long rows, per_turn;
  int status;
};

static void wrun_closed(void *data, int status) {
  ((struct wrun *)data)->status = status;
}

static void wrun_turn(uv_idle_t *h);

static void wrun_resume(void *data, int status) {
  struct wrun *r = data;
  uv_idle_start(&r->idle, wrun_turn);
}

static void wrun_turn(uv_idle_t *h) {
  struct wrun *r = h->data;
  for (long i = 0; i < r->per_turn * 2 && r->g.n < r->rows; i++) {
    struct sd_store_event ev;
    gen_event(&r->g, &ev);
    sd_writer_add_event(r->w, &ev);
  }
  if (r->g.n >= r->rows) {
    uv_idle_stop(h);
    uv_close((uv_handle_t *)h, NULL);
    sd_writer_close(r->w, wrun_closed, r);
  } else if (sd_writer_pending(r->w) > (size_t)r->per_turn * 20) {
    /* Back-pressure, as the engine would: do not run ahead of the disk by
     * more than a few turns' worth of rows, and sleep rather than spin
     * until they are written. */
    uv_idle_stop(h);
    sd_writer_barrier(r->w, wrun_resume, r);
  }
}

static double writer_run(bool file, long rows, long per_turn) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct sd_store *s = store_open(file);
  struct wrun r = { .rows = rows, .per_turn = per_turn, .status = 1 };
  gen_init(&r.g);
  r.w = sd_writer_new(&loop, s);
  uv_idle_init(&loop, &r.idle);
  r.idle.data = &r;
  uv_idle_start(&r.idle, wrun_turn);
  uint64_t t0 = uv_hrtime();
  uv_run(&loop, UV_RUN_DEFAULT);
  double rate = (double)rows / secs(t0);
  if (r.status != 0 || uv_loop_close(&loop) != 0) {
    fprintf(stderr, "sqlite_insert: writer run failed\n");
    exit(1);
  }
  sd_store_close(s);
  if (file)
    remove_db();
  return rate;
}

static bool want(const char *only, const char *section) {
  return only == NULL || strcmp(only, section) == 0;
}

int main(int argc, char **argv) {
  long rows = 500000;
  if (argc > 1) {
    char *end = NULL;
    rows = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || rows < 1000) {
      fprintf(stderr, "usage: sqlite_insert [rows >= 1000 [dir [raw|layouts|store|writer]]]\n");
      return 2;
    }
  }
  const char *dir = argc > 2 && argv[2][0] ? argv[2] : getenv("TMPDIR");
  const char *only = argc > 3 ? argv[3] : NULL;
  snprintf(path, sizeof path, "%s/sqlite_insert.%ld.db", dir ? dir : "/tmp", (long)getpid());
  long rows1 = rows / 20; /* 1 row per commit is slow: fewer rows, same precision */
  double bpr = 0;

  printf("SQLite %s, %d executions round robin, file %s\n", sqlite3_libversion(), NEXEC, path);
  if (want(only, "raw")) {
    printf("raw SQL, WAL file, synchronous=NORMAL (layout: %s)\n", layout_name[LAYOUT_INT_ROWID]);
    printf("  %-34s %10.0f rows/s\n", "1 row per transaction",
           raw_run(true, LAYOUT_INT_ROWID, rows1, 1, NULL));
    printf("  %-34s %10.0f rows/s\n", "100 rows per transaction",
           raw_run(true, LAYOUT_INT_ROWID, rows, 100, NULL));
    printf("raw SQL, in memory\n");
    printf("  %-34s %10.0f rows/s\n", "100 rows per transaction",
           raw_run(false, LAYOUT_INT_ROWID, rows, 100, NULL));
  }
  if (want(only, "layouts")) {
    printf("event table layouts, WAL file, 100 rows per transaction\n");
    for (int l = 0; l <= LAYOUT_INT_ROWID; l++) {
      double rate = raw_run(true, (enum layout)l, rows, 100, &bpr);
      printf("  %-34s %10.0f rows/s %6.0f bytes/row\n", layout_name[l], rate, bpr);
    }
  }
  if (want(only, "store")) {
    printf("sd_store_write (engine/store_sqlite.c)\n");
    printf("  %-34s %10.0f rows/s\n", "file, 100 rows per batch", store_run(true, rows, 100));
    printf("  %-34s %10.0f rows/s\n", "memory, 100 rows per batch", store_run(false, rows, 100));
  }
  if (want(only, "writer")) {
    printf("sd_writer on a uv loop, 2 rows per transition\n");
    double wf = writer_run(true, rows, 50), wm = writer_run(false, rows, 50);
    printf("  %-34s %10.0f rows/s %10.0f transitions/s\n", "file, 50 transitions per turn", wf, wf / 2);
    printf("  %-34s %10.0f rows/s %10.0f transitions/s\n", "memory, 50 transitions per turn", wm, wm / 2);
  }
  return 0;
}
