/* Between the SQLite backend's files (store_sqlite.c, store_sqlite_serve.c,
 * store_sqlite_sched.c, store_sqlite_history.c): the handle's connection and the helpers they use.
 * Not for anything outside them but the store's unit tests: the rest of
 * stepd sees store.h only. */
#ifndef SD_ENGINE_STORE_SQLITE_INT_H
#define SD_ENGINE_STORE_SQLITE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/alloc.h"

struct sd_err;
struct sd_store;
struct sd_store_batch;

sqlite3 *sd_sqlite_db(struct sd_store *s);
/* The private store's empty database (SD_SQLITE_SCHEMA_RUNS and nothing
 * else), as sqlite3_serialize gave it at build time: store_image.c in the
 * build folder, made by engine/gen/store_image.c. */
extern const unsigned char sd_sqlite_runs_image[];
extern const size_t sd_sqlite_runs_image_size;
/* Migration `version` (1-based: from version-1 to version) as SQL, NULL past
 * the last: lets test_store_schema.c build every older schema. */
const char *sd_sqlite_migration(int version);
/* A statement prepared once per handle in slot `slot` (< SD_SQLITE_SERVE_SLOTS;
 * each slot always gets the same SQL); reset it after use, never finalize.
 * NULL with err. */
#define SD_SQLITE_SERVE_SLOTS 4
sqlite3_stmt *sd_sqlite_cached(struct sd_store *s, int slot, const char *sql, struct sd_err *err);
const char *sd_sqlite_path(const struct sd_store *s);
/* Sets err (InternalFailure) from SQLite's last message; returns -1. */
int sd_sqlite_fail(struct sd_store *s, struct sd_err *err, const char *what);
/* Runs SQL without results (sqlite3_exec); 0 or -1 with err. */
int sd_sqlite_exec(struct sd_store *s, const char *sql, const char *what, struct sd_err *err);
/* Binds text (borrowed, SQLITE_STATIC) or NULL. */
void sd_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Sets obj[key] to a text column unless NULL; false when not UTF-8. */
bool sd_sqlite_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int col);

/* One history event of a batch as store_sqlite_history.c writes it: its
 * execution's id (as sd_store_write found it) and ARN, texts borrowed from
 * the batch (NULL for SQL NULL). */
struct sd_sqlite_event {
  int64_t exec_id, id, prev_id, ts_ms;
  const char *arn;
  const char *text[3]; /* type, details_key, details */
  size_t len[3];
};
size_t sd_sqlite_batch_nevents(const struct sd_store_batch *b);
void sd_sqlite_batch_event(const struct sd_store_batch *b, size_t i, struct sd_sqlite_event *ev);
/* Executions (ARNs) in the batch, and the one event i belongs to, < that. */
size_t sd_sqlite_batch_nslots(const struct sd_store_batch *b);
uint32_t sd_sqlite_batch_event_slot(const struct sd_store_batch *b, size_t i);

/* What a write of history reuses from one batch to the next; the handle's. */
struct sd_sqlite_hist_scratch {
  struct sd_buf text; /* the chunk being built */
  uint32_t *order;    /* events grouped by execution, then a count per execution */
  size_t cap;
};
struct sd_sqlite_hist_scratch *sd_sqlite_hist_scratch(struct sd_store *s);
void sd_sqlite_hist_scratch_free(struct sd_sqlite_hist_scratch *sc);
/* The history table's statements, prepared once per handle. */
enum sd_sqlite_hist_stmt { SD_SQLITE_HIST_PUT, SD_SQLITE_HIST_LAST, SD_SQLITE_HIST_FWD, SD_SQLITE_HIST_REV };
sqlite3_stmt *sd_sqlite_hist_stmt(struct sd_store *s, enum sd_sqlite_hist_stmt which, struct sd_err *err);
/* Writes the batch's events, whose execution ids are known, as chunks
 * (store_sqlite_history.c); 0, or -1 with err. */
int sd_sqlite_history_put(struct sd_store *s, const struct sd_store_batch *b, struct sd_err *err);

/* Prepares `sql`; NULL with err. */
sqlite3_stmt *sd_sqlite_prepare(struct sd_store *s, const char *sql, struct sd_err *err);
/* Steps a statement that returns no rows, then finalizes it. */
int sd_sqlite_step_done(struct sd_store *s, sqlite3_stmt *st, const char *what, struct sd_err *err);
/* Steps a query to its end, `fn` making each row's object (new, or NULL
 * with err); finalizes it. A new array, or NULL with err. */
json_t *sd_sqlite_collect(struct sd_store *s, sqlite3_stmt *st,
                          json_t *(*fn)(struct sd_store *, sqlite3_stmt *, struct sd_err *), const char *what,
                          struct sd_err *err);

#endif
