/* The SQLite backend's calls for `stepd serve`'s schedules (store.h): one
 * row per schedule holding its description as JSON text and its two fire
 * marks. Rare next to history writes, so statements are prepared per
 * call. Not for: when schedules fire (server/schedules.c). */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/err.h"
#include "engine/store.h"
#include "engine/store_sqlite_int.h"

int sd_store_schedule_put(struct sd_store *s, const struct sd_store_schedule *row, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s,
                                       "INSERT INTO schedules(group_name, name, doc) VALUES (?1, ?2, ?3)"
                                       " ON CONFLICT(group_name, name) DO UPDATE SET doc = excluded.doc",
                                       err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, row->group);
  sd_sqlite_bind_text(st, 2, row->name);
  sd_sqlite_bind_text(st, 3, row->doc);
  return sd_sqlite_step_done(s, st, "writing a schedule", err);
}

int sd_store_schedule_fired(struct sd_store *s, const char *group, const char *name, int64_t claimed_ms,
                            int64_t done_ms, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(
      s, "UPDATE schedules SET claimed_ms = ?3, done_ms = ?4 WHERE group_name = ?1 AND name = ?2", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, group);
  sd_sqlite_bind_text(st, 2, name);
  sqlite3_bind_int64(st, 3, claimed_ms);
  sqlite3_bind_int64(st, 4, done_ms);
  return sd_sqlite_step_done(s, st, "recording a schedule's fire", err);
}

int sd_store_schedule_delete(struct sd_store *s, const char *group, const char *name, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s, "DELETE FROM schedules WHERE group_name = ?1 AND name = ?2", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, group);
  sd_sqlite_bind_text(st, 2, name);
  return sd_sqlite_step_done(s, st, "deleting a schedule", err);
}

static json_t *schedule_json(struct sd_store *s, sqlite3_stmt *st, struct sd_err *err) {
  json_t *row = json_object(); /* new */
  bool ok = sd_sqlite_set_col(row, "group", st, 0) && sd_sqlite_set_col(row, "name", st, 1) &&
            sd_sqlite_set_col(row, "doc", st, 2);
  json_object_set_new(row, "claimed_ms", json_integer(sqlite3_column_int64(st, 3)));
  json_object_set_new(row, "done_ms", json_integer(sqlite3_column_int64(st, 4)));
  if (!ok) {
    sd_err_set(err, "InternalFailure", "store '%s': a schedule row is damaged", sd_sqlite_path(s));
    json_decref(row);
    return NULL;
  }
  return row;
}

json_t *sd_store_schedule_list(struct sd_store *s, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(
      s, "SELECT group_name, name, doc, claimed_ms, done_ms FROM schedules ORDER BY group_name, name", err);
  if (st == NULL)
    return NULL;
  return sd_sqlite_collect(s, st, schedule_json, "listing schedules", err);
}
