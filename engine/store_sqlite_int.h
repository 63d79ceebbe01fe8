/* Between the SQLite backend's files (store_sqlite.c, store_sqlite_serve.c,
 * store_sqlite_sched.c): the handle's connection and the helpers they use.
 * Not for anything outside them but the store's unit tests: the rest of
 * stepd sees store.h only. */
#ifndef SD_ENGINE_STORE_SQLITE_INT_H
#define SD_ENGINE_STORE_SQLITE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct sd_err;
struct sd_store;
struct sd_store_batch;

sqlite3 *sd_sqlite_db(struct sd_store *s);
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

/* One history event of a batch as store_sqlite_events.c hands it to
 * SQLite: its key (execution id << 32 | event id, the id as sd_store_write
 * found it), texts borrowed from the batch (NULL for SQL NULL). */
struct sd_sqlite_event {
  int64_t key, prev_id, ts_ms;
  const char *text[3]; /* type, details_key, details */
  int len[3];
};
size_t sd_sqlite_batch_nevents(const struct sd_store_batch *b);
void sd_sqlite_batch_event(const struct sd_store_batch *b, size_t i, struct sd_sqlite_event *ev);
/* The batch sd_store_write is writing, NULL between writes. */
const struct sd_store_batch *sd_sqlite_writing(struct sd_store *s);
/* Notes the event SQLite reads now, which an error names. */
void sd_sqlite_writing_at(struct sd_store *s, size_t i);
/* Adds the sd_batch_events table to a connection (store_sqlite_events.c). */
int sd_sqlite_events_register(sqlite3 *db, struct sd_store *s);

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
