/* The SQLite backend of store.h: the schema and its migrations, the batch
 * format, one-transaction batch writes, history pages and execution rows.
 * The only file in stepd that speaks SQL. Not for: deciding when to write
 * (writer.c) or what an event means (the engine builds the details text).
 *
 * Layout (docs/storage.md has the measurements behind it): executions get a
 * small integer id besides their ARN, so history carries a few bytes of
 * execution key instead of a ~90-byte ARN. History is written in chunks of
 * consecutive events of one execution (store_sqlite_history.c), in a rowid
 * table keyed by (exec_id << 32 | first event id). */
#include "engine/store.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/alloc.h"
#include "engine/str.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/store_sqlite_int.h"
#include "engine/store_sqlite_schema.h"

/* Storage failures reach the API as AWS's generic 500 error name; the cause
 * says what SQLite said and about which file. */
static const char E_STORE[] = "InternalFailure";
static const char E_NO_EXEC[] = "ExecutionDoesNotExist";

/* ---- schema ---- */

/* History one row per event, for people reading a file with sqlite3
 * (json_extract rather than ->>, which SQLite before 3.38 cannot parse). */
#define EVENTS_VIEW                                                                                          \
  "CREATE VIEW events (exec_id, id, prev_id, ts_ms, type, details_key, details) AS"                          \
  "  SELECT h.k >> 32, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),"                        \
  "    json_extract(e.value, '$[2]'), json_extract(e.value, '$[3]'), json_extract(e.value, '$[4]'),"         \
  "    json_extract(e.value, '$[5]') FROM history h, json_each(h.events) e;"

/* Migration N (1-based) takes a database from user_version N-1 to N. Steps
 * are only ever appended: a released step never changes, since databases in
 * the field have already run it. */
static const char *const migrations[] = {
  /* 1: executions and their history events. */
  "CREATE TABLE executions ("
  "  id INTEGER PRIMARY KEY," /* compact key for events (and frames) */
  "  arn TEXT NOT NULL UNIQUE,"
  "  name TEXT, machine_arn TEXT, status TEXT,"
  "  input TEXT, output TEXT, error TEXT, cause TEXT,"
  "  start_ms INTEGER NOT NULL DEFAULT 0, stop_ms INTEGER NOT NULL DEFAULT 0);"
  /* ListExecutions pages a machine's executions newest first, optionally by
   * status; recovery loads every RUNNING execution. */
  "CREATE INDEX executions_by_machine ON executions(machine_arn, start_ms);"
  "CREATE INDEX executions_by_status ON executions(status, machine_arn, start_ms);"
  /* One B-tree, keyed by (execution id << 32 | event id) as the rowid: an
   * execution's history is one contiguous key range, appends go to the end
   * of the tree, and there is no second index to maintain (a composite
   * primary key cost a second B-tree insert per row: 30% of the writer's
   * instructions on map-10k, callgrind). */
  "CREATE TABLE events ("
  "  k INTEGER PRIMARY KEY, prev_id INTEGER NOT NULL, ts_ms INTEGER NOT NULL,"
  "  type TEXT NOT NULL, details_key TEXT, details TEXT);",
  /* 2: state machines, so that `stepd serve` keeps them across restarts.
   * Keyed by ARN; configurations and tags are JSON text, kept verbatim as
   * the API gave them. Every revision's definition is kept too (few, small)
   * and an execution names the one it ran by its update time, so that
   * DescribeStateMachineForExecution outlives updates and deletion. */
  "CREATE TABLE state_machines ("
  "  arn TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, definition TEXT NOT NULL,"
  "  role_arn TEXT NOT NULL, creation_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
  "  logging TEXT, tracing TEXT, tags TEXT NOT NULL DEFAULT '{}',"
  "  status TEXT NOT NULL DEFAULT 'ACTIVE') WITHOUT ROWID;"
  "CREATE TABLE machine_revisions ("
  "  arn TEXT NOT NULL, updated_ms INTEGER NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,"
  "  role_arn TEXT NOT NULL, PRIMARY KEY (arn, updated_ms)) WITHOUT ROWID;"
  "ALTER TABLE executions ADD COLUMN machine_rev_ms INTEGER;",
  /* 3: the recovery snapshot of a RUNNING execution's root frame, one row
   * per execution, replaced whenever the frame starts to wait and removed
   * when the execution closes (docs/storage.md). */
  "CREATE TABLE frames (exec_id INTEGER PRIMARY KEY, snapshot TEXT NOT NULL);",
  /* 4: state machine versions and aliases (kept as JSON text in the
   * machine's row: a few per machine, changed rarely, and written with the
   * machine in one statement), the revision id AWS reports, the version
   * and alias an execution was started through, and an index of closed
   * executions by stop time for the retention purge (running ones, stop_ms
   * 0, stay out of it). */
  "ALTER TABLE state_machines ADD COLUMN revision_id TEXT;"
  "ALTER TABLE state_machines ADD COLUMN versions TEXT;"
  "ALTER TABLE state_machines ADD COLUMN aliases TEXT;"
  "ALTER TABLE state_machines ADD COLUMN next_version INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE machine_revisions ADD COLUMN revision_id TEXT;"
  "ALTER TABLE executions ADD COLUMN version_arn TEXT;"
  "ALTER TABLE executions ADD COLUMN alias_arn TEXT;"
  "CREATE INDEX executions_by_version ON executions(version_arn, start_ms) WHERE version_arn IS NOT NULL;"
  "CREATE INDEX executions_by_alias ON executions(alias_arn, start_ms) WHERE alias_arn IS NOT NULL;"
  "CREATE INDEX executions_closed ON executions(stop_ms) WHERE stop_ms > 0;",
  /* 5: every frame of a RUNNING execution, not only its root: one row per
   * frame keyed by its place in the tree ("" the root, "/3" its child 3,
   * "/3/0" ...), plus the results of ended children ("/3#0", one row per
   * loop turn) while their Map or Parallel runs (docs/storage.md). A
   * prefix is a key range, so dropping a state's children is one range
   * delete. Version 3's root snapshots become the "" rows. */
  "CREATE TABLE exec_frames (exec_id INTEGER NOT NULL, key TEXT NOT NULL, snapshot TEXT NOT NULL,"
  "  PRIMARY KEY (exec_id, key)) WITHOUT ROWID;"
  "INSERT INTO exec_frames SELECT exec_id, '', snapshot FROM frames;"
  "DROP TABLE frames;"
  /* Activities, so that a task a worker holds across a restart still has
   * its activity. */
  "CREATE TABLE activities (arn TEXT PRIMARY KEY, name TEXT NOT NULL, creation_ms INTEGER NOT NULL)"
  "  WITHOUT ROWID;",
  /* 6: `stepd serve`'s schedules (EventBridge Scheduler's API). `doc` is
   * the schedule as GetSchedule answers it, JSON text kept whole (its
   * Target has many optional shapes); claimed_ms is the last fire time
   * whose execution is about to start (written before starting it),
   * done_ms the last one whose ExecutionStarted is committed: a restart
   * finds claimed_ms > done_ms for a fire the crash interrupted
   * (docs/schedules.md). */
  "CREATE TABLE schedules ("
  "  group_name TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,"
  "  claimed_ms INTEGER NOT NULL DEFAULT 0, done_ms INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (group_name, name)) WITHOUT ROWID;",
  /* 7: RedriveExecution: how often an execution was redriven and when
   * last (DescribeExecution, ListExecutions). */
  "ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE executions ADD COLUMN redrive_ms INTEGER NOT NULL DEFAULT 0;",
  /* 8: history in chunks of consecutive events (store_sqlite_history.c);
   * each old row becomes a chunk of one event. `events` becomes a view
   * with the old table's columns but for the key, split in two. Details
   * that are not JSON stay as a string, which the reader names damaged as
   * it did the row: json() would fail the step, and the file with it. */
  "CREATE TABLE history (k INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, events TEXT NOT NULL);"
  "INSERT INTO history SELECT k, k & 4294967295, json_array(json_array(k & 4294967295, prev_id, ts_ms,"
  "  type, details_key, CASE WHEN json_valid(details) THEN json(details) ELSE details END)) FROM events;"
  "DROP TABLE events;" EVENTS_VIEW,
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* The schema at SCHEMA_VERSION in one script, for a fresh database (no
 * tables, user_version 0): replaying the steps cost 8.4M instructions per
 * process, most of a one-state `stepd run` (each ALTER TABLE makes SQLite
 * re-parse the whole schema); this script costs a third of that.
 * Columns that steps add with ALTER TABLE come last, in the order the steps
 * add them, so that both paths give tables with the same column order.
 * test_store_schema.c checks that the two give the same schema; appending
 * a migration means updating this script and SCHEMA_SQUASHED.
 *
 * It comes in two parts: what one execution's run writes and reads
 * (executions, their history and frames), which is all that
 * sd_store_open_private has, and the rest (`stepd serve`'s machines,
 * activities and schedules, and the indexes that list executions). The
 * first part lives in store_sqlite_schema.h, shared with the build-time
 * program that makes the private store's empty image from it. */
#define SCHEMA_SQUASHED 8
_Static_assert(SCHEMA_SQUASHED == SCHEMA_VERSION, "append the new migration to schema_squashed too");
static const char schema_runs[] = SD_SQLITE_SCHEMA_RUNS;
static const char schema_serve[] =
    "CREATE INDEX executions_by_machine ON executions(machine_arn, start_ms);"
    "CREATE INDEX executions_by_status ON executions(status, machine_arn, start_ms);"
    "CREATE INDEX executions_by_version ON executions(version_arn, start_ms) WHERE version_arn IS NOT NULL;"
    "CREATE INDEX executions_by_alias ON executions(alias_arn, start_ms) WHERE alias_arn IS NOT NULL;"
    "CREATE INDEX executions_closed ON executions(stop_ms) WHERE stop_ms > 0;"
    "CREATE TABLE state_machines ("
    "  arn TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, definition TEXT NOT NULL,"
    "  role_arn TEXT NOT NULL, creation_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  logging TEXT, tracing TEXT, tags TEXT NOT NULL DEFAULT '{}',"
    "  status TEXT NOT NULL DEFAULT 'ACTIVE',"
    "  revision_id TEXT, versions TEXT, aliases TEXT, next_version INTEGER NOT NULL DEFAULT 1" /* 4 */
    ") WITHOUT ROWID;"
    "CREATE TABLE machine_revisions ("
    "  arn TEXT NOT NULL, updated_ms INTEGER NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,"
    "  role_arn TEXT NOT NULL, revision_id TEXT," /* 4 */
    "  PRIMARY KEY (arn, updated_ms)) WITHOUT ROWID;"
    "CREATE TABLE activities (arn TEXT PRIMARY KEY, name TEXT NOT NULL, creation_ms INTEGER NOT NULL)"
    "  WITHOUT ROWID;"
    "CREATE TABLE schedules ("
    "  group_name TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,"
    "  claimed_ms INTEGER NOT NULL DEFAULT 0, done_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (group_name, name)) WITHOUT ROWID;" EVENTS_VIEW;

/* Prepared once per handle, on first use (SQLite's own advice for statements
 * run many times: SQLITE_PREPARE_PERSISTENT). */
enum stmt_id {
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST_EXEC_INS,
  ST_EXEC_UPD,
  ST_EXEC_ID,
  ST_EXEC_STUB,
  ST_HIST_PUT,
  ST_HIST_LAST,
  ST_EXEC_GET,
  ST_HIST_FWD,
  ST_HIST_REV,
  ST_FRAME_PUT,
  ST_FRAME_DEL,
  ST_FRAME_DEL_ALL,
  ST_FRAME_DEL_PREFIX,
  ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
  /* IMMEDIATE takes the write lock up front, so another process's writer
   * makes us wait (busy_timeout) rather than fail mid-transaction. */
  [ST_BEGIN] = "BEGIN IMMEDIATE",
  [ST_COMMIT] = "COMMIT",
  [ST_ROLLBACK] = "ROLLBACK",
  /* A new row is inserted; an existing one (a conflict: nothing changes)
   * is updated by its id. No RETURNING: SQLite runs it through an
   * ephemeral table per statement, which cost a tenth of the writer's
   * time; sqlite3_last_insert_rowid gives the new id. Columns only the
   * server knows (the last three) are kept when a row leaves them out. */
  [ST_EXEC_INS] = "INSERT INTO executions(arn, name, machine_arn, status, input, output, error, cause,"
                  " start_ms, stop_ms, redrive_count, redrive_ms, machine_rev_ms, version_arn, alias_arn)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, nullif(?13, 0), ?14, ?15)"
                  " ON CONFLICT(arn) DO NOTHING",
  [ST_EXEC_UPD] = "UPDATE executions SET name = ?2, machine_arn = ?3, status = ?4, input = ?5, output = ?6,"
                  " error = ?7, cause = ?8, start_ms = ?9, stop_ms = ?10, redrive_count = ?11,"
                  " redrive_ms = ?12, machine_rev_ms = coalesce(nullif(?13, 0), machine_rev_ms),"
                  " version_arn = coalesce(?14, version_arn), alias_arn = coalesce(?15, alias_arn)"
                  " WHERE id = ?16",
  [ST_EXEC_ID] = "SELECT id FROM executions WHERE arn = ?1",
  [ST_EXEC_STUB] = "INSERT INTO executions(arn) VALUES (?1)",
  [ST_HIST_PUT] = "INSERT INTO history (k, last_id, events) VALUES (?1, ?2, ?3)",
  /* The last id of the chunk starting last at or before event ?2. */
  [ST_HIST_LAST] = "SELECT last_id FROM history WHERE k > (?1 << 32) AND k <= (?1 << 32) + ?2"
                   " ORDER BY k DESC LIMIT 1",
  [ST_EXEC_GET] = "SELECT arn, name, machine_arn, status, input, output, error, cause, start_ms, stop_ms,"
                  " machine_rev_ms, version_arn, alias_arn, redrive_count, redrive_ms,"
                  " (SELECT snapshot FROM exec_frames WHERE exec_id = executions.id AND key = '')"
                  " FROM executions WHERE arn = ?1",
  /* Events after ?2: from the chunk holding ?2 + 1 on. */
  [ST_HIST_FWD] =
      "SELECT events, k & 4294967295, last_id FROM history"
      " WHERE k >= coalesce((SELECT k FROM history WHERE k > (?1 << 32) AND k <= (?1 << 32) + ?2 + 1"
      " ORDER BY k DESC LIMIT 1), (?1 << 32)) AND k < ((?1 + 1) << 32) ORDER BY k",
  /* Events before ?2, newest first: the chunks starting before it. */
  [ST_HIST_REV] = "SELECT events, k & 4294967295, last_id FROM history"
                  " WHERE k < ((?1 << 32) + ?2) AND k > (?1 << 32) ORDER BY k DESC",
  [ST_FRAME_PUT] = "INSERT OR REPLACE INTO exec_frames(exec_id, key, snapshot) VALUES (?1, ?2, ?3)",
  [ST_FRAME_DEL] = "DELETE FROM exec_frames WHERE exec_id = ?1 AND key = ?2",
  [ST_FRAME_DEL_ALL] = "DELETE FROM exec_frames WHERE exec_id = ?1",
  /* Keys are made of "/", "#" and digits, all below "~". */
  [ST_FRAME_DEL_PREFIX] = "DELETE FROM exec_frames WHERE exec_id = ?1 AND key >= ?2 AND key < ?2 || '~'",
};

struct sd_store {
  sqlite3 *db;
  char *path;                    /* for messages; owned */
  sqlite3_stmt *stmt[ST__COUNT]; /* NULL until first used */
  /* store_sqlite_serve.c's statements run once per execution (the
   * server's row completion); cached too (sd_sqlite_cached). */
  sqlite3_stmt *serve_stmt[SD_SQLITE_SERVE_SLOTS];
  struct sd_sqlite_hist_scratch hist;
};

/* ---- the batch ---- */

/* A batch is one text arena plus two arrays of fixed-size records holding
 * offsets into it: appending a row copies its strings once and mallocs only
 * when an array doubles. A record's strings sit back to back in the arena,
 * NUL-terminated; `nulls` has bit i set when string i is NULL. Execution
 * ARNs are interned (each distinct ARN stored once) so that the write looks
 * each execution's id up once per batch, not once per event. */
struct ev_rec {
  int64_t id, prev_id, ts_ms;
  size_t off;    /* type, details_key, details */
  uint32_t slot; /* execution ARN */
  uint32_t nulls;
};

struct ex_rec {
  int64_t start_ms, stop_ms, redrive_ms, machine_rev_ms;
  int redrive_count;
  size_t off;    /* name, machine_arn, status, input, output, error, cause, frame, version_arn, alias_arn */
  uint32_t slot; /* execution ARN */
  uint32_t nulls;
};

struct fr_rec {
  size_t off;    /* key, snapshot */
  uint32_t slot; /* execution ARN */
  uint32_t nulls;
  bool prefix;
};

struct arn_slot {
  size_t off; /* the ARN in the arena */
  uint32_t hash;
  uint32_t start;  /* 1 + index of the execution's row in `ex` while a later row may replace it; 0 = none */
  int64_t exec_id; /* set by sd_store_write; 0 = not looked up yet */
};

struct sd_store_batch {
  struct sd_buf text; /* every string of the batch */
  struct ev_rec *ev;  /* owned */
  size_t nev, ev_cap;
  struct ex_rec *ex; /* owned */
  size_t nex, ex_cap;
  struct fr_rec *fr; /* owned; in append order, which matters (puts and deletes of one key) */
  size_t nfr, fr_cap;
  struct arn_slot *slots; /* owned */
  size_t nslots, slots_cap;
  uint32_t *index;  /* open addressing: slot + 1, 0 = empty; owned */
  size_t index_cap; /* a power of two, at least twice nslots */
  uint32_t last;    /* slot of the previous lookup: runs of one ARN are common */
};

/* Once past a small run's size, a batch's text and event records grow in
 * one step to blocks large enough that malloc maps each on its own: only
 * the pages written are backed, and growth past them is an mremap. Grown
 * by doubling through the heap, they were copied at each step and left the
 * smaller blocks behind as touched holes (a fresh page costs these VMs
 * ~2.3 us): the batches of parallel-fanout faulted 87 pages for 167 KB of
 * text, ~50 now. A small run (trivial-1state: 8 rows) stays in the heap:
 * two mapped blocks a batch would be four more faults. */
#define TEXT_SMALL ((size_t)4 << 10)
#define TEXT_BIG   ((size_t)512 << 10)
#define EV_SMALL   ((size_t)64)
#define EV_BIG     ((size_t)8192) /* event records: 320 KiB */

struct sd_store_batch *sd_store_batch_new(void) {
  return sd_xcalloc(1, sizeof(struct sd_store_batch));
}

/* Frees what the batch holds; its fields are left dangling. */
static void batch_release(struct sd_store_batch *b) {
  sd_buf_free(&b->text);
  free(b->ev);
  free(b->ex);
  free(b->fr);
  free(b->slots);
  free(b->index);
}

void sd_store_batch_free(struct sd_store_batch *b) {
  if (b == NULL)
    return;
  batch_release(b);
  free(b);
}

void sd_store_batch_reset(struct sd_store_batch *b) {
  /* What a burst grew (a Map's thousands of events, large payloads) is
   * given back rather than kept for good. */
  if (b->text.cap > (4u << 20) || b->ev_cap > 65536 || b->nslots > 65536) {
    struct sd_store_batch fresh = { 0 };
    batch_release(b);
    *b = fresh;
    return;
  }
  if (b->nslots > 0)
    memset(b->index, 0, b->index_cap * sizeof *b->index);
  b->text.len = 0;
  b->nev = b->nex = b->nfr = b->nslots = 0;
  b->last = 0;
}

size_t sd_store_batch_len(const struct sd_store_batch *b) {
  return b->nev + b->nex + b->nfr;
}

static uint32_t hash_str(const char *s) {
  uint64_t h = sd_str_hash(s);
  return (uint32_t)(h ^ (h >> 32));
}

static void index_grow(struct sd_store_batch *b) {
  size_t cap = b->index_cap ? b->index_cap * 2 : 16;
  uint32_t *index = sd_xcalloc(cap, sizeof *index);
  for (size_t i = 0; i < b->nslots; i++) {
    size_t j = b->slots[i].hash & (cap - 1);
    while (index[j] != 0)
      j = (j + 1) & (cap - 1);
    index[j] = (uint32_t)i + 1;
  }
  free(b->index);
  b->index = index;
  b->index_cap = cap;
}

static uint32_t intern_arn_slow(struct sd_store_batch *b, const char *arn);

/* Rows come in runs of one execution's: the last slot is checked inline,
 * sparing an event the table's call and register saves (20 instructions
 * of the 278 above). */
static inline uint32_t intern_arn(struct sd_store_batch *b, const char *arn) {
  if (arn == NULL)
    arn = ""; /* the write rejects it with a clear message */
  if (b->nslots > 0 && strcmp(b->text.data + b->slots[b->last].off, arn) == 0)
    return b->last;
  return intern_arn_slow(b, arn);
}

static uint32_t intern_arn_slow(struct sd_store_batch *b, const char *arn) {
  if ((b->nslots + 1) * 2 > b->index_cap)
    index_grow(b);
  uint32_t h = hash_str(arn);
  size_t j = h & (b->index_cap - 1);
  for (; b->index[j] != 0; j = (j + 1) & (b->index_cap - 1)) {
    struct arn_slot *sl = &b->slots[b->index[j] - 1];
    if (sl->hash == h && strcmp(b->text.data + sl->off, arn) == 0)
      return b->last = b->index[j] - 1;
  }
  assert(b->nslots < UINT32_MAX);
  if (b->nslots == b->slots_cap) {
    b->slots_cap = b->slots_cap ? b->slots_cap * 2 : 8;
    b->slots = sd_xrealloc(b->slots, b->slots_cap * sizeof *b->slots);
  }
  b->slots[b->nslots] = (struct arn_slot){ .off = b->text.len, .hash = h };
  sd_buf_add(&b->text, arn, strlen(arn) + 1);
  b->index[j] = (uint32_t)b->nslots + 1;
  return b->last = (uint32_t)b->nslots++;
}

#define STRS_MAX 10 /* an execution row's */

/* Appends `n` strings back to back, each with its NUL; returns their
 * offset and sets `nulls`. `lens` (may be NULL) gives the lengths callers
 * know, 0 meaning unknown. One size check for all the strings, and the
 * details' length the engine already had: an event's texts cost 116
 * instructions less than with a strlen and a sd_buf_add each (callgrind,
 * 394 -> 278 an event). */
static size_t put_strs(struct sd_store_batch *b, const char *const *strs, const size_t *lens, int n,
                       uint32_t *nulls) {
  assert(n <= STRS_MAX);
  if (b->text.len >= TEXT_SMALL && b->text.cap < TEXT_BIG) {
    b->text.data = sd_xrealloc(b->text.data, TEXT_BIG);
    b->text.cap = TEXT_BIG;
  }
  size_t off = b->text.len, len[STRS_MAX], total = 0;
  *nulls = 0;
  for (int i = 0; i < n; i++) {
    if (strs[i] == NULL)
      *nulls |= 1u << i;
    len[i] = strs[i] == NULL ? 0 : lens != NULL && lens[i] != 0 ? lens[i] : strlen(strs[i]);
    total += len[i] + 1;
  }
  char *o = sd_buf_extend(&b->text, total);
  for (int i = 0; i < n; i++) {
    if (len[i] != 0)
      memcpy(o, strs[i], len[i]);
    o[len[i]] = '\0';
    o += len[i] + 1;
  }
  return off;
}

/* Walks the strings written by put_strs: NULL for the NULL ones. */
static const char *next_str(const char **p, uint32_t nulls, int i) {
  const char *s = *p;
  *p += strlen(s) + 1;
  return (nulls & (1u << i)) ? NULL : s;
}

/* Replacing a start row rather than updating it after its insert spares
 * the row's second write and the index entries it moves (the status index
 * above all): half the writer's row work for a short execution. A RUNNING
 * row without a frame touches nothing but the row, and every row sets all
 * its columns (those "kept when NULL" are carried over), so the last row
 * alone leaves the file as the two did. */
void sd_store_batch_put_exec(struct sd_store_batch *b, const struct sd_store_exec *row) {
  uint32_t slot = intern_arn(b, row->arn);
  struct arn_slot *sl = &b->slots[slot];
  struct ex_rec *r, prev = { 0 };
  bool replace = sl->start != 0;
  if (replace) {
    r = &b->ex[sl->start - 1];
    prev = *r;
  } else {
    if (b->nex == b->ex_cap) {
      b->ex_cap = b->ex_cap ? b->ex_cap * 2 : 4;
      b->ex = sd_xrealloc(b->ex, b->ex_cap * sizeof *b->ex);
    }
    r = &b->ex[b->nex++];
  }
  bool start = row->frame == NULL && row->status != NULL && strcmp(row->status, "RUNNING") == 0;
  sl->start = start ? (uint32_t)(r - b->ex) + 1 : 0;
  r->slot = slot;
  r->start_ms = row->start_ms;
  r->stop_ms = row->stop_ms;
  r->redrive_count = row->redrive_count;
  r->redrive_ms = row->redrive_ms;
  r->machine_rev_ms = row->machine_rev_ms;
  /* What the replaced row would have kept, copied: the arena may move. */
  char *kept[2] = { NULL, NULL };
  if (replace) {
    const char *p = b->text.data + prev.off;
    for (int i = 0; i < 8; i++)
      next_str(&p, prev.nulls, i);
    for (int i = 0; i < 2; i++) {
      const char *v = next_str(&p, prev.nulls, 8 + i);
      kept[i] = v != NULL ? sd_xstrdup(v) : NULL;
    }
    if (r->machine_rev_ms == 0)
      r->machine_rev_ms = prev.machine_rev_ms;
  }
  const char *strs[] = { row->name,
                         row->machine_arn,
                         row->status,
                         row->input,
                         row->output,
                         row->error,
                         row->cause,
                         row->frame,
                         row->version_arn ? row->version_arn : kept[0],
                         row->alias_arn ? row->alias_arn : kept[1] };
  r->off = put_strs(b, strs, NULL, 10, &r->nulls);
  free(kept[0]);
  free(kept[1]);
}

void sd_store_batch_add_event(struct sd_store_batch *b, const struct sd_store_event *ev) {
  if (b->nev == b->ev_cap) {
    b->ev_cap = b->ev_cap == 0 ? EV_SMALL : b->ev_cap < EV_BIG ? EV_BIG : b->ev_cap * 2;
    b->ev = sd_xrealloc(b->ev, b->ev_cap * sizeof *b->ev);
  }
  struct ev_rec *r = &b->ev[b->nev++];
  r->slot = intern_arn(b, ev->exec_arn);
  r->id = ev->id;
  r->prev_id = ev->prev_id;
  r->ts_ms = ev->ts_ms;
  const char *strs[] = { ev->type, ev->details_key, ev->details };
  const size_t lens[] = { 0, 0, ev->details_len };
  r->off = put_strs(b, strs, lens, 3, &r->nulls);
}

void sd_store_batch_put_frame(struct sd_store_batch *b, const struct sd_store_frame *fr) {
  if (b->nfr == b->fr_cap) {
    b->fr_cap = b->fr_cap ? b->fr_cap * 2 : 16;
    b->fr = sd_xrealloc(b->fr, b->fr_cap * sizeof *b->fr);
  }
  struct fr_rec *r = &b->fr[b->nfr++];
  r->slot = intern_arn(b, fr->exec_arn);
  r->prefix = fr->prefix;
  const char *strs[] = { fr->key ? fr->key : "", fr->snapshot };
  r->off = put_strs(b, strs, NULL, 2, &r->nulls);
}

/* ---- handle ---- */

static int db_fail(struct sd_store *s, struct sd_err *err, const char *what) {
  return sd_err_set(err, E_STORE, "store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* Returns the cached statement, reset and ready to bind, or NULL with err. */
static sqlite3_stmt *stmt_get(struct sd_store *s, enum stmt_id id, struct sd_err *err) {
  if (s->stmt[id] == NULL && sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                                &s->stmt[id], NULL) != SQLITE_OK) {
    db_fail(s, err, "preparing a statement");
    return NULL;
  }
  return s->stmt[id];
}

/* Resets a statement after use and drops its bindings, which may point
 * into a batch about to be freed. */
static void stmt_done(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows (or whose rows we ignore). */
static int run(struct sd_store *s, enum stmt_id id, const char *what, struct sd_err *err) {
  sqlite3_stmt *st = stmt_get(s, id, err);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_fail(s, err, what);
}

static int exec_sql(struct sd_store *s, const char *sql, const char *what, struct sd_err *err) {
  return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(s, err, what);
}

/* Reads a one-row, one-column pragma as text into buf. */
static int pragma_text(struct sd_store *s, const char *sql, const char *what, char *buf, size_t n,
                       struct sd_err *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_fail(s, err, what);
  int rc = sqlite3_step(st);
  const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
  snprintf(buf, n, "%s", v ? (const char *)v : "");
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : db_fail(s, err, what);
}

static int user_version(struct sd_store *s, long *v, struct sd_err *err) {
  char buf[32], *end = NULL;
  if (pragma_text(s, "PRAGMA user_version", "reading the schema version", buf, sizeof buf, err) != 0)
    return -1;
  *v = strtol(buf, &end, 10);
  return end != buf && *end == '\0' ? 0 : sd_err_set(err, E_STORE, "store '%s': bad user_version", s->path);
}

/* A database with tables but user_version 0 is some other program's: the
 * steps run on it as before and name the one that breaks (a table of
 * ours' name). Only an empty one gets the squashed script. */
static int count_tables(struct sd_store *s, long *n, struct sd_err *err) {
  char buf[32], *end = NULL;
  if (pragma_text(s, "SELECT count(*) FROM sqlite_master", "reading the schema", buf, sizeof buf, err) != 0)
    return -1;
  *n = strtol(buf, &end, 10);
  return end != buf && *end == '\0' ? 0 : sd_err_set(err, E_STORE, "store '%s': bad schema count", s->path);
}

/* Brings the schema to SCHEMA_VERSION in one transaction, so a crash midway
 * leaves the old version intact. The version is read again inside the
 * transaction: another process may have migrated while we waited. */
static int migrate(struct sd_store *s, struct sd_err *err) {
  long v = 0;
  if (user_version(s, &v, err) != 0)
    return -1;
  if (v == SCHEMA_VERSION)
    return 0;
  if (exec_sql(s, "BEGIN IMMEDIATE", "starting the schema migration", err) != 0)
    return -1;
  if (user_version(s, &v, err) != 0)
    goto fail;
  if (v < 0 || v > SCHEMA_VERSION) {
    sd_err_set(err, E_STORE, "store '%s': schema version %ld is not one this stepd knows (%d or older)",
               s->path, v, SCHEMA_VERSION);
    goto fail;
  }
  long ntables = 0;
  if (v == 0 && count_tables(s, &ntables, err) != 0)
    goto fail;
  if (v == 0 && ntables == 0) {
    if (exec_sql(s, schema_runs, "creating the schema", err) != 0 ||
        exec_sql(s, schema_serve, "creating the schema", err) != 0)
      goto fail;
  } else {
    for (long i = v; i < SCHEMA_VERSION; i++) {
      char what[64];
      snprintf(what, sizeof what, "schema migration %ld", i + 1);
      if (exec_sql(s, migrations[i], what, err) != 0)
        goto fail;
    }
  }
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
  if (exec_sql(s, sql, "setting the schema version", err) != 0 ||
      exec_sql(s, "COMMIT", "committing the schema migration", err) != 0)
    goto fail;
  return 0;
fail:
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

static int configure(struct sd_store *s, bool file, struct sd_err *err) {
  sqlite3_busy_timeout(s->db, 5000);
  /* Reading the version first gives "file is not a database" its plainest
   * context. */
  long v = 0;
  if (user_version(s, &v, err) != 0)
    return -1;
  if (v > SCHEMA_VERSION)
    return sd_err_set(err, E_STORE, "store '%s': schema version %ld is newer than this stepd's (%d)", s->path,
                      v, SCHEMA_VERSION);
  if (file) {
    /* WAL lets readers run beside the writer; synchronous=NORMAL syncs at
     * checkpoints only, so a commit costs a write(), not an fsync (a power
     * cut may lose the last commits, never corrupt the file). */
    char mode[16];
    if (pragma_text(s, "PRAGMA journal_mode=WAL", "setting WAL mode", mode, sizeof mode, err) != 0)
      return -1;
    if (strcmp(mode, "wal") != 0)
      return sd_err_set(err, E_STORE, "store '%s': cannot use WAL mode (journal_mode is %s)", s->path, mode);
    if (exec_sql(s, "PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL", err) != 0)
      return -1;
  }
  return migrate(s, err);
}

/* SQLite's process-wide settings, made before its first use. Memory
 * statistics off: stepd never reads them (nor sets a heap limit, which
 * needs them), and keeping them took a global mutex around every malloc
 * and free SQLite made, 0.4M instructions of the writer's 11.2M on
 * pass-chain-1000 (callgrind). The threading mode stays the default
 * (serialized, opened NOMUTEX below): `stepd serve` uses its connections
 * on several worker threads at once, which the single-thread mode's
 * unlocked allocator and page caches would not survive. */
static void sqlite_setup(void) {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct sd_store *open_handle(const char *path, struct sd_err *err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, sqlite_setup);
  struct sd_store *s = sd_xcalloc(1, sizeof *s);
  s->path = sd_xstrdup(path);
  /* NOMUTEX: a handle is used by one thread at a time (store.h), and the
   * hand-off between loop and worker already goes through libuv's locks. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
  if (rc != SQLITE_OK) {
    sd_err_set(err, E_STORE, "store '%s': cannot open: %s", s->path,
               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    sd_store_close(s);
    return NULL;
  }
  sqlite3_extended_result_codes(s->db, 1);
  return s;
}

struct sd_store *sd_store_open(const char *path, struct sd_err *err) {
  bool file = path != NULL && path[0] != '\0' && strcmp(path, ":memory:") != 0;
  struct sd_store *s = open_handle(file ? path : ":memory:", err);
  if (s != NULL && configure(s, file, err) != 0) {
    sd_store_close(s);
    return NULL;
  }
  return s;
}

/* Fills the empty private database from the image of schema_runs made at
 * build time (engine/gen/store_image.c). Creating the tables by SQL cost
 * 0.66M of opening's 0.84M instructions (callgrind, the store thread of
 * trivial-1state): SQLite parses each CREATE TABLE, writes it into
 * sqlite_master with a nested parse, then parses it again from there.
 * From the image, what is left is one read of sqlite_master at the first
 * statement (0.17M), and opening went to 0.50M.
 *
 * The image is copied by the backup API from a second, read-only
 * connection, rather than deserialized into this one: a deserialized
 * database lives in SQLite's memdb VFS, whose pager copies every dirty
 * page into its buffer at each commit and grows that buffer by realloc,
 * +0.22M instructions of the writer's 4.04M on pass-chain-1000, and is
 * capped at 1 GiB. Backed up into, this stays a true ":memory:" database,
 * page for page what the SQL made; the second connection and the copy
 * cost 0.13M. */
static int load_image(struct sd_store *s, struct sd_err *err) {
  sqlite3 *src = NULL;
  int rc = sqlite3_open_v2(":memory:", &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  /* READONLY and not FREEONCLOSE: SQLite reads the constant image in
   * place, never writes into it (memdb refuses writes to a read-only
   * image) and never frees it, so the cast loses nothing. */
  sqlite3_int64 n = (sqlite3_int64)sd_sqlite_runs_image_size;
  if (rc == SQLITE_OK)
    rc = sqlite3_deserialize(src, "main", (unsigned char *)sd_sqlite_runs_image, n, n,
                             SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) {
    sd_err_set(err, E_STORE, "store '%s': reading the empty database's image: %s", s->path,
               src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
    sqlite3_close(src);
    return -1;
  }
  /* On failure the destination handle holds the error (the backup API's
   * rule). */
  sqlite3_backup *bk = sqlite3_backup_init(s->db, "main", src, "main");
  if (bk != NULL) {
    sqlite3_backup_step(bk, -1);
    rc = sqlite3_backup_finish(bk);
  }
  sqlite3_close(src);
  return bk != NULL && rc == SQLITE_OK ? 0 : db_fail(s, err, "copying the empty database's image");
}

struct sd_store *sd_store_open_private(struct sd_err *err) {
  struct sd_store *s = open_handle(":memory:", err);
  /* No rollback journal: an in-memory database's default one copies every
   * page a transaction first touches, 14% of the writer's instructions on
   * pass-chain-1000 (callgrind). What it buys, undoing a failed batch, this
   * store does not need: after a failed write the writer writes no more
   * (writer.h), and SQLite's ROLLBACK on an in-memory database without a
   * journal only ends the transaction, keeping the rows it wrote.
   * secure_delete off: Debian's SQLite zeroes every new and freed page
   * area by default (SQLITE_SECURE_DELETE), so that deleted rows leave no
   * trace in a file; this database lives and dies in our own memory, and
   * the zeroing was 5% of the writer's instructions (callgrind).
   * The order matters: journal_mode is one of the pragmas that read the
   * schema first, so it comes after the image, or SQLite would read the
   * empty one and then the image's (+0.07M). */
  if (s != NULL && (exec_sql(s, "PRAGMA secure_delete=OFF", "turning secure_delete off", err) != 0 ||
                    load_image(s, err) != 0 ||
                    exec_sql(s, "PRAGMA journal_mode=OFF", "turning the journal off", err) != 0)) {
    sd_store_close(s);
    return NULL;
  }
  /* The statements every run's writes use, prepared here, on the thread
   * that opens the store beside the definition's compile (cli/run.c),
   * rather than by the writer's first batch: the writer keeps pace with
   * the loop only just, and what it does late is what the run's end
   * waits for. */
  static const enum stmt_id eager[] = { ST_BEGIN, ST_COMMIT, ST_EXEC_INS, ST_HIST_PUT };
  for (size_t i = 0; s != NULL && i < sizeof eager / sizeof eager[0]; i++)
    if (stmt_get(s, eager[i], err) == NULL) {
      sd_store_close(s);
      return NULL;
    }
  return s;
}

void sd_store_close(struct sd_store *s) {
  if (s == NULL)
    return;
  for (int i = 0; i < ST__COUNT; i++)
    sqlite3_finalize(s->stmt[i]);
  for (int i = 0; i < SD_SQLITE_SERVE_SLOTS; i++)
    sqlite3_finalize(s->serve_stmt[i]);
  sqlite3_close_v2(s->db);
  sd_sqlite_hist_scratch_free(&s->hist);
  free(s->path);
  free(s);
}

/* ---- writing ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

/* Runs a statement that returns at most one row, whose first column is
 * an id (left as it was when none comes). */
static int step_id(struct sd_store *s, sqlite3_stmt *st, int64_t *id, const char *what, struct sd_err *err) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE)
    db_fail(s, err, what);
  stmt_done(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

int sd_store_exec_find(struct sd_store *s, const char *arn, int64_t *id, struct sd_err *err) {
  sqlite3_stmt *st = stmt_get(s, ST_EXEC_ID, err);
  if (st == NULL)
    return -1;
  *id = 0;
  sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
  return step_id(s, st, id, "looking up an execution", err);
}

/* Runs an INSERT; *id is the new row's id, 0 when a conflict left the
 * table as it was (ON CONFLICT DO NOTHING). */
static int step_insert(struct sd_store *s, sqlite3_stmt *st, int64_t *id, const char *what,
                       struct sd_err *err) {
  int rc = sqlite3_step(st);
  *id = rc == SQLITE_DONE && sqlite3_changes(s->db) > 0 ? sqlite3_last_insert_rowid(s->db) : 0;
  if (rc != SQLITE_DONE)
    db_fail(s, err, what);
  stmt_done(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Binds a row's columns (?1 .. ?15 of ST_EXEC_INS and ST_EXEC_UPD);
 * returns its status and sets *frame. */
static const char *bind_exec(struct sd_store_batch *b, const struct ex_rec *r, sqlite3_stmt *st,
                             const char **frame) {
  const char *p = b->text.data + r->off;
  bind_text(st, 1, b->text.data + b->slots[r->slot].off);
  const char *status = NULL;
  for (int i = 0; i < 7; i++) {
    const char *v = next_str(&p, r->nulls, i);
    if (i == 2)
      status = v;
    bind_text(st, i + 2, v);
  }
  *frame = next_str(&p, r->nulls, 7);
  sqlite3_bind_int64(st, 9, r->start_ms);
  sqlite3_bind_int64(st, 10, r->stop_ms);
  sqlite3_bind_int64(st, 11, r->redrive_count);
  sqlite3_bind_int64(st, 12, r->redrive_ms);
  sqlite3_bind_int64(st, 13, r->machine_rev_ms);
  bind_text(st, 14, next_str(&p, r->nulls, 8));
  bind_text(st, 15, next_str(&p, r->nulls, 9));
  return status;
}

static int put_exec(struct sd_store *s, struct sd_store_batch *b, const struct ex_rec *r,
                    struct sd_err *err) {
  struct arn_slot *sl = &b->slots[r->slot];
  const char *status, *frame;
  bool inserted = false;
  if (sl->exec_id == 0) { /* most often a new execution */
    sqlite3_stmt *st = stmt_get(s, ST_EXEC_INS, err);
    if (st == NULL)
      return -1;
    status = bind_exec(b, r, st, &frame);
    if (step_insert(s, st, &sl->exec_id, "writing an execution", err) != 0)
      return -1;
    inserted = sl->exec_id != 0;
    if (!inserted && sd_store_exec_find(s, b->text.data + sl->off, &sl->exec_id, err) != 0)
      return -1;
  }
  if (!inserted) {
    sqlite3_stmt *st = stmt_get(s, ST_EXEC_UPD, err);
    if (st == NULL)
      return -1;
    status = bind_exec(b, r, st, &frame);
    sqlite3_bind_int64(st, 16, sl->exec_id);
    int64_t none = 0;
    if (step_id(s, st, &none, "writing an execution", err) != 0)
      return -1;
  }
  /* Frames live as long as the execution runs (recovery). A closed row
   * with a frame keeps its rows: the frame is its redrive point. */
  bool running = status != NULL && strcmp(status, "RUNNING") == 0;
  if (running && frame == NULL)
    return 0;
  sqlite3_stmt *st = stmt_get(s, frame != NULL ? ST_FRAME_PUT : ST_FRAME_DEL_ALL, err);
  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, sl->exec_id);
  if (frame != NULL) {
    bind_text(st, 2, "");
    bind_text(st, 3, frame);
  }
  int64_t none = 0;
  return step_id(s, st, &none, "writing an execution's frame", err);
}

/* The id of an event's execution: from this batch's rows, else the table,
 * else a stub row that a later put_exec fills in (the engine may log an
 * event before it writes the execution row; the event must not be lost). */
static int exec_id(struct sd_store *s, struct sd_store_batch *b, uint32_t slot, struct sd_err *err) {
  struct arn_slot *sl = &b->slots[slot];
  const char *arn = b->text.data + sl->off;
  if (sl->exec_id != 0)
    return 0;
  if (arn[0] == '\0')
    return sd_err_set(err, E_STORE, "store '%s': history event without an execution ARN", s->path);
  sqlite3_stmt *st = stmt_get(s, ST_EXEC_ID, err);
  if (st == NULL)
    return -1;
  bind_text(st, 1, arn);
  if (step_id(s, st, &sl->exec_id, "looking up an execution", err) != 0)
    return -1;
  if (sl->exec_id != 0)
    return 0;
  st = stmt_get(s, ST_EXEC_STUB, err);
  if (st == NULL)
    return -1;
  bind_text(st, 1, arn);
  return step_insert(s, st, &sl->exec_id, "adding an execution", err);
}

/* One frame row: put, delete, or delete a key range. */
static int put_frame(struct sd_store *s, struct sd_store_batch *b, const struct fr_rec *r,
                     struct sd_err *err) {
  if (exec_id(s, b, r->slot, err) != 0)
    return -1;
  const char *p = b->text.data + r->off;
  const char *key = next_str(&p, r->nulls, 0);
  const char *snapshot = next_str(&p, r->nulls, 1);
  enum stmt_id id = r->prefix ? ST_FRAME_DEL_PREFIX : snapshot != NULL ? ST_FRAME_PUT : ST_FRAME_DEL;
  sqlite3_stmt *st = stmt_get(s, id, err);
  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, b->slots[r->slot].exec_id);
  bind_text(st, 2, key);
  if (id == ST_FRAME_PUT)
    bind_text(st, 3, snapshot);
  int64_t none = 0;
  return step_id(s, st, &none, "writing an execution's frame", err);
}

/* Resolves an event's execution id (for its key) and checks its id. */
static int check_event(struct sd_store *s, struct sd_store_batch *b, const struct ev_rec *r,
                       struct sd_err *err) {
  if (exec_id(s, b, r->slot, err) != 0)
    return -1;
  /* The key holds the event id in 32 bits (see the schema). */
  if (r->id <= 0 || r->id > (int64_t)UINT32_MAX)
    return sd_err_set(err, E_STORE, "store '%s': event id %" PRId64 " out of range", s->path, r->id);
  return 0;
}

size_t sd_sqlite_batch_nevents(const struct sd_store_batch *b) {
  return b->nev;
}

size_t sd_sqlite_batch_nslots(const struct sd_store_batch *b) {
  return b->nslots;
}

uint32_t sd_sqlite_batch_event_slot(const struct sd_store_batch *b, size_t i) {
  return b->ev[i].slot;
}

void sd_sqlite_batch_event(const struct sd_store_batch *b, size_t i, struct sd_sqlite_event *ev) {
  const struct ev_rec *r = &b->ev[i];
  ev->exec_id = b->slots[r->slot].exec_id;
  ev->arn = b->text.data + b->slots[r->slot].off;
  ev->id = r->id;
  ev->prev_id = r->prev_id;
  ev->ts_ms = r->ts_ms;
  const char *p = b->text.data + r->off;
  for (int k = 0; k < 3; k++) {
    size_t n = strlen(p);
    ev->text[k] = (r->nulls & (1u << k)) ? NULL : p;
    ev->len[k] = n;
    p += n + 1;
  }
}

struct sd_sqlite_hist_scratch *sd_sqlite_hist_scratch(struct sd_store *s) {
  return &s->hist;
}

sqlite3_stmt *sd_sqlite_hist_stmt(struct sd_store *s, enum sd_sqlite_hist_stmt which, struct sd_err *err) {
  static const enum stmt_id ids[] = {
    [SD_SQLITE_HIST_PUT] = ST_HIST_PUT,
    [SD_SQLITE_HIST_LAST] = ST_HIST_LAST,
    [SD_SQLITE_HIST_FWD] = ST_HIST_FWD,
    [SD_SQLITE_HIST_REV] = ST_HIST_REV,
  };
  return stmt_get(s, ids[which], err);
}

/* Frame rows go first, then execution rows: a batch may hold a frame
 * written on one loop turn and the execution's close on a later one, and
 * the close deletes every frame of the execution (the engine never writes
 * frames of a closed execution after its close). A frame of an execution
 * whose row is new gets a stub that put_exec fills in. Events come last and
 * find their execution's id without a stub. */
int sd_store_write(struct sd_store *s, struct sd_store_batch *b, struct sd_err *err) {
  if (sd_store_batch_len(b) == 0)
    return 0;
  for (size_t i = 0; i < b->nslots; i++)
    b->slots[i].exec_id = 0; /* ids from a failed (rolled back) attempt are void */
  if (run(s, ST_BEGIN, "starting a transaction", err) != 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < b->nfr; i++)
    rc = put_frame(s, b, &b->fr[i], err);
  for (size_t i = 0; rc == 0 && i < b->nex; i++)
    rc = put_exec(s, b, &b->ex[i], err);
  for (size_t i = 0; rc == 0 && i < b->nev; i++)
    rc = check_event(s, b, &b->ev[i], err);
  if (rc == 0 && b->nev > 0)
    rc = sd_sqlite_history_put(s, b, err);
  if (rc == 0 && run(s, ST_COMMIT, "committing", err) == 0)
    return 0;
  /* A failed COMMIT may leave the transaction open (SQLITE_BUSY); roll back
   * so the handle is usable again. */
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* ---- reading ---- */

/* Sets key to a column's text when not NULL; false when the text is not
 * valid UTF-8 (a damaged row). */
static bool set_col(json_t *obj, const char *key, sqlite3_stmt *st, int col) {
  const char *v = (const char *)sqlite3_column_text(st, col);
  if (v == NULL)
    return true;
  json_t *str = json_stringn(v, (size_t)sqlite3_column_bytes(st, col)); /* new */
  return str != NULL && json_object_set_new(obj, key, str) == 0;
}

json_t *sd_store_exec_get(struct sd_store *s, const char *arn, struct sd_err *err) {
  static const char *const cols[] = { "arn",   "name",   "machine_arn", "status",
                                      "input", "output", "error",       "cause" };
  sqlite3_stmt *st = stmt_get(s, ST_EXEC_GET, err);
  if (st == NULL)
    return NULL;
  sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  json_t *row = NULL;
  if (rc == SQLITE_ROW) {
    row = json_object(); /* new */
    bool ok = true;
    for (int i = 0; i < 8; i++)
      ok = ok && set_col(row, cols[i], st, i);
    json_object_set_new(row, "start_ms", json_integer(sqlite3_column_int64(st, 8)));
    json_object_set_new(row, "stop_ms", json_integer(sqlite3_column_int64(st, 9)));
    if (sqlite3_column_type(st, 10) == SQLITE_INTEGER)
      json_object_set_new(row, "machine_rev_ms", json_integer(sqlite3_column_int64(st, 10)));
    ok = ok && set_col(row, "version_arn", st, 11) && set_col(row, "alias_arn", st, 12);
    json_object_set_new(row, "redrive_count", json_integer(sqlite3_column_int64(st, 13)));
    json_object_set_new(row, "redrive_ms", json_integer(sqlite3_column_int64(st, 14)));
    ok = ok && set_col(row, "frame", st, 15);
    if (!ok) {
      json_decref(row);
      row = NULL;
      sd_err_set(err, E_STORE, "store '%s': execution row '%s' is damaged", s->path, arn);
    }
  } else if (rc == SQLITE_DONE) {
    sd_err_set(err, E_NO_EXEC, "Execution Does Not Exist: '%s'", arn);
  } else {
    db_fail(s, err, "reading an execution");
  }
  stmt_done(st);
  return row;
}

/* ---- for store_sqlite_serve.c (store_sqlite_int.h) ---- */

sqlite3_stmt *sd_sqlite_cached(struct sd_store *s, int slot, const char *sql, struct sd_err *err) {
  assert(slot >= 0 && slot < SD_SQLITE_SERVE_SLOTS);
  if (s->serve_stmt[slot] == NULL && sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                        &s->serve_stmt[slot], NULL) != SQLITE_OK) {
    db_fail(s, err, "preparing a statement");
    return NULL;
  }
  return s->serve_stmt[slot];
}

const char *sd_sqlite_migration(int version) {
  return version >= 1 && version <= SCHEMA_VERSION ? migrations[version - 1] : NULL;
}

sqlite3 *sd_sqlite_db(struct sd_store *s) {
  return s->db;
}

const char *sd_sqlite_path(const struct sd_store *s) {
  return s->path;
}

int sd_sqlite_fail(struct sd_store *s, struct sd_err *err, const char *what) {
  return db_fail(s, err, what);
}

int sd_sqlite_exec(struct sd_store *s, const char *sql, const char *what, struct sd_err *err) {
  return exec_sql(s, sql, what, err);
}

void sd_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v) {
  bind_text(st, i, v);
}

bool sd_sqlite_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int col) {
  return set_col(obj, key, st, col);
}

/* Prepares a statement run once (store_sqlite_serve.c and
 * store_sqlite_sched.c prepare per call: their calls are rare). */
sqlite3_stmt *sd_sqlite_prepare(struct sd_store *s, const char *sql, struct sd_err *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sd_sqlite_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    sd_sqlite_fail(s, err, "preparing a statement");
    sqlite3_finalize(st);
    return NULL;
  }
  return st;
}

/* Steps a statement that returns no rows, then finalizes it. */
int sd_sqlite_step_done(struct sd_store *s, sqlite3_stmt *st, const char *what, struct sd_err *err) {
  int rc = sqlite3_step(st);
  int ret = rc == SQLITE_DONE ? 0 : sd_sqlite_fail(s, err, what);
  sqlite3_finalize(st);
  return ret;
}

json_t *sd_sqlite_collect(struct sd_store *s, sqlite3_stmt *st,
                          json_t *(*fn)(struct sd_store *, sqlite3_stmt *, struct sd_err *), const char *what,
                          struct sd_err *err) {
  json_t *list = json_array(); /* new */
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *row = fn(s, st, err); /* new */
    if (row == NULL)
      break;
    json_array_append_new(list, row);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    sd_sqlite_fail(s, err, what);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    json_decref(list);
    return NULL;
  }
  return list;
}
