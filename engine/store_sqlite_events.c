/* The events of the batch being written, as a table SQLite reads: the
 * eponymous virtual table `sd_batch_events` (k, prev_id, ts_ms, type,
 * details_key, details), so that sd_store_write inserts a whole batch's
 * history with one statement, INSERT INTO events SELECT * FROM
 * sd_batch_events, its columns read straight from the batch. Bound as
 * parameters of eight-row INSERTs, each row cost six binds (each unbinding
 * the last value) and every eight rows a statement's start and halt.
 * Not for: which rows a batch holds or what they mean (store_sqlite.c). */
#include <stddef.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/store_sqlite_int.h"

struct ev_table {
  sqlite3_vtab base;
  struct sd_store *store; /* borrowed: the handle whose connection has the table */
};

struct ev_cursor {
  sqlite3_vtab_cursor base;
  struct sd_store *store;             /* borrowed */
  const struct sd_store_batch *batch; /* borrowed from the write in progress */
  size_t i, n;
  struct sd_sqlite_event ev; /* row i */
};

static int ev_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **vt,
                      char **errmsg) {
  (void)argc, (void)argv, (void)errmsg;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(k INTEGER, prev_id INTEGER, ts_ms INTEGER, type TEXT,"
                                    " details_key TEXT, details TEXT)");
  if (rc != SQLITE_OK)
    return rc;
  struct ev_table *t = sqlite3_malloc(sizeof *t);
  if (t == NULL)
    return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  t->store = aux;
  *vt = &t->base;
  return SQLITE_OK;
}

static int ev_disconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt);
  return SQLITE_OK;
}

/* One way to read it: in order, whole. */
static int ev_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  info->estimatedCost = 1000;
  info->orderByConsumed = 0;
  return SQLITE_OK;
}

static int ev_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur) {
  struct ev_cursor *c = sqlite3_malloc(sizeof *c);
  if (c == NULL)
    return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->store = ((struct ev_table *)vt)->store;
  c->batch = sd_sqlite_writing(c->store);
  c->n = c->batch != NULL ? sd_sqlite_batch_nevents(c->batch) : 0;
  *cur = &c->base;
  return SQLITE_OK;
}

static int ev_close(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

static void ev_load(struct ev_cursor *c) {
  if (c->i < c->n) {
    sd_sqlite_batch_event(c->batch, c->i, &c->ev);
    sd_sqlite_writing_at(c->store, c->i);
  }
}

static int ev_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc, sqlite3_value **argv) {
  (void)idx, (void)idx_str, (void)argc, (void)argv;
  struct ev_cursor *c = (struct ev_cursor *)cur;
  c->i = 0;
  ev_load(c);
  return SQLITE_OK;
}

static int ev_next(sqlite3_vtab_cursor *cur) {
  struct ev_cursor *c = (struct ev_cursor *)cur;
  c->i++;
  ev_load(c);
  return SQLITE_OK;
}

static int ev_eof(sqlite3_vtab_cursor *cur) {
  struct ev_cursor *c = (struct ev_cursor *)cur;
  return c->i >= c->n;
}

/* Texts stay in the batch until the statement is done: SQLITE_STATIC. */
static int ev_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  const struct sd_sqlite_event *ev = &((struct ev_cursor *)cur)->ev;
  switch (col) {
    case 0:
      sqlite3_result_int64(ctx, ev->key);
      break;
    case 1:
      sqlite3_result_int64(ctx, ev->prev_id);
      break;
    case 2:
      sqlite3_result_int64(ctx, ev->ts_ms);
      break;
    default:
      if (ev->text[col - 3] != NULL)
        sqlite3_result_text(ctx, ev->text[col - 3], ev->len[col - 3], SQLITE_STATIC);
      else
        sqlite3_result_null(ctx);
      break;
  }
  return SQLITE_OK;
}

static int ev_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((struct ev_cursor *)cur)->i;
  return SQLITE_OK;
}

/* No xCreate: eponymous only, nothing to create in the schema. */
static const sqlite3_module ev_module = {
  .iVersion = 0,
  .xConnect = ev_connect,
  .xBestIndex = ev_best_index,
  .xDisconnect = ev_disconnect,
  .xOpen = ev_open,
  .xClose = ev_close,
  .xFilter = ev_filter,
  .xNext = ev_next,
  .xEof = ev_eof,
  .xColumn = ev_column,
  .xRowid = ev_rowid,
};

int sd_sqlite_events_register(sqlite3 *db, struct sd_store *s) {
  return sqlite3_create_module(db, "sd_batch_events", &ev_module, s);
}
