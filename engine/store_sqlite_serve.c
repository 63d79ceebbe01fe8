/* The SQLite backend's calls for `stepd serve`: state machine rows and
 * their revisions, ListExecutions pages, and the owner's lock of a database
 * file (store.h). Split from store_sqlite.c, whose handle and helpers it
 * reaches through store_sqlite_int.h. Rare next to history writes, so
 * statements are prepared per call rather than cached. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/store.h"
#include "engine/store_sqlite_int.h"

/* As in store_sqlite.c: AWS's generic 500 error name. */
static const char E_STORE[] = "InternalFailure";

/* ---- state machines and execution lists ---- */

static int machine_row_put(struct sd_store *s, const struct sd_store_machine *m, struct sd_err *err) {
  sqlite3_stmt *st =
      sd_sqlite_prepare(s,
                        "INSERT OR REPLACE INTO state_machines(arn, name, type, definition, role_arn,"
                        " creation_ms, updated_ms, logging, tracing, tags, status, revision_id, versions,"
                        " aliases, next_version)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                        err);
  if (st == NULL)
    return -1;
  const char *strs[] = { m->arn, m->name, m->type, m->definition, m->role_arn };
  for (int i = 0; i < 5; i++)
    sd_sqlite_bind_text(st, i + 1, strs[i] ? strs[i] : "");
  sqlite3_bind_int64(st, 6, m->creation_ms);
  sqlite3_bind_int64(st, 7, m->updated_ms);
  sd_sqlite_bind_text(st, 8, m->logging);
  sd_sqlite_bind_text(st, 9, m->tracing);
  sd_sqlite_bind_text(st, 10, m->tags ? m->tags : "{}");
  sd_sqlite_bind_text(st, 11, m->status ? m->status : "ACTIVE");
  sd_sqlite_bind_text(st, 12, m->revision_id);
  sd_sqlite_bind_text(st, 13, m->versions);
  sd_sqlite_bind_text(st, 14, m->aliases);
  sqlite3_bind_int64(st, 15, m->next_version > 0 ? m->next_version : 1);
  return sd_sqlite_step_done(s, st, "writing a state machine", err);
}

static int revision_put(struct sd_store *s, const struct sd_store_machine *m, struct sd_err *err) {
  sqlite3_stmt *st =
      sd_sqlite_prepare(s,
                        "INSERT OR IGNORE INTO machine_revisions(arn, updated_ms, name, definition, role_arn,"
                        " revision_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, m->arn ? m->arn : "");
  sqlite3_bind_int64(st, 2, m->updated_ms);
  sd_sqlite_bind_text(st, 3, m->name ? m->name : "");
  sd_sqlite_bind_text(st, 4, m->definition ? m->definition : "");
  sd_sqlite_bind_text(st, 5, m->role_arn ? m->role_arn : "");
  sd_sqlite_bind_text(st, 6, m->revision_id);
  return sd_sqlite_step_done(s, st, "writing a state machine revision", err);
}

int sd_store_machine_put(struct sd_store *s, const struct sd_store_machine *m, struct sd_err *err) {
  if (sd_sqlite_exec(s, "BEGIN IMMEDIATE", "starting a transaction", err) != 0)
    return -1;
  if (machine_row_put(s, m, err) == 0 && revision_put(s, m, err) == 0 &&
      sd_sqlite_exec(s, "COMMIT", "committing", err) == 0)
    return 0;
  if (!sqlite3_get_autocommit(sd_sqlite_db(s)))
    sqlite3_exec(sd_sqlite_db(s), "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

json_t *sd_store_machine_revision(struct sd_store *s, const char *arn, int64_t updated_ms,
                                  struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s,
                                       "SELECT name, definition, role_arn, revision_id FROM machine_revisions"
                                       " WHERE arn = ?1 AND updated_ms = ?2",
                                       err);
  if (st == NULL)
    return NULL;
  sd_sqlite_bind_text(st, 1, arn);
  sqlite3_bind_int64(st, 2, updated_ms);
  int rc = sqlite3_step(st);
  json_t *row = NULL;
  if (rc == SQLITE_ROW) {
    row = json_pack("{s:s, s:I}", "arn", arn, "updated_ms", (json_int_t)updated_ms); /* new */
    if (!sd_sqlite_set_col(row, "name", st, 0) || !sd_sqlite_set_col(row, "definition", st, 1) ||
        !sd_sqlite_set_col(row, "role_arn", st, 2) || !sd_sqlite_set_col(row, "revision_id", st, 3)) {
      json_decref(row);
      row = NULL;
      sd_err_set(err, E_STORE, "store '%s': a revision of '%s' is damaged", sd_sqlite_path(s), arn);
    }
  } else if (rc == SQLITE_DONE) {
    sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
  } else {
    sd_sqlite_fail(s, err, "reading a state machine revision");
  }
  sqlite3_finalize(st);
  return row;
}

/* Steps a cached statement that returns no rows, then resets it. */
static int step_reset(struct sd_store *s, sqlite3_stmt *st, const char *what, struct sd_err *err) {
  int rc = sqlite3_step(st);
  int ret = rc == SQLITE_DONE ? 0 : sd_sqlite_fail(s, err, what);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return ret;
}

/* Slots of sd_sqlite_cached: these run once per execution started on a
 * version or alias. */
enum { SLOT_EXEC_QUALIFY };

int sd_store_machine_delete(struct sd_store *s, const char *arn, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s, "DELETE FROM state_machines WHERE arn = ?1", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, arn);
  return sd_sqlite_step_done(s, st, "deleting a state machine", err);
}

#define MACHINE_COLS                                                                                         \
  "SELECT arn, name, type, definition, role_arn, logging, tracing, tags, status, creation_ms, updated_ms,"   \
  " revision_id, versions, aliases, next_version FROM state_machines"

/* The current row of a machine query as a new object; NULL with err when a
 * text column is not UTF-8. */
static json_t *machine_json(struct sd_store *s, sqlite3_stmt *st, struct sd_err *err) {
  static const char *const cols[] = { "arn",     "name",    "type", "definition", "role_arn",
                                      "logging", "tracing", "tags", "status" };
  json_t *row = json_object(); /* new */
  bool ok = true;
  for (int i = 0; i < 9; i++)
    ok = ok && sd_sqlite_set_col(row, cols[i], st, i);
  json_object_set_new(row, "creation_ms", json_integer(sqlite3_column_int64(st, 9)));
  json_object_set_new(row, "updated_ms", json_integer(sqlite3_column_int64(st, 10)));
  ok = ok && sd_sqlite_set_col(row, "revision_id", st, 11) && sd_sqlite_set_col(row, "versions", st, 12) &&
       sd_sqlite_set_col(row, "aliases", st, 13);
  json_object_set_new(row, "next_version", json_integer(sqlite3_column_int64(st, 14)));
  if (!ok) {
    sd_err_set(err, E_STORE, "store '%s': a state machine row is damaged", sd_sqlite_path(s));
    json_decref(row);
    return NULL;
  }
  return row;
}

/* Steps `st` to the end, collecting rows made by `fn` into a new array;
 * finalizes it. NULL with err. */
json_t *sd_store_machine_get(struct sd_store *s, const char *arn, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s, MACHINE_COLS " WHERE arn = ?1", err);
  if (st == NULL)
    return NULL;
  sd_sqlite_bind_text(st, 1, arn);
  json_t *rows = sd_sqlite_collect(s, st, machine_json, "reading a state machine", err); /* new */
  if (rows == NULL)
    return NULL;
  json_t *row = json_incref(json_array_get(rows, 0)); /* new or NULL */
  json_decref(rows);
  if (row == NULL)
    sd_err_set(err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
  return row;
}

json_t *sd_store_machine_list(struct sd_store *s, const char *after_arn, size_t limit, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s, MACHINE_COLS " WHERE arn > ?1 ORDER BY arn LIMIT ?2", err);
  if (st == NULL)
    return NULL;
  sd_sqlite_bind_text(st, 1, after_arn ? after_arn : "");
  sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
  return sd_sqlite_collect(s, st, machine_json, "listing state machines", err);
}

static json_t *exec_item_json(struct sd_store *s, sqlite3_stmt *st, struct sd_err *err) {
  static const char *const cols[] = { "arn", "name", "machine_arn", "status" };
  json_t *row = json_object(); /* new */
  bool ok = true;
  for (int i = 0; i < 4; i++)
    ok = ok && sd_sqlite_set_col(row, cols[i], st, i);
  ok = ok && sd_sqlite_set_col(row, "version_arn", st, 7) && sd_sqlite_set_col(row, "alias_arn", st, 8);
  json_object_set_new(row, "start_ms", json_integer(sqlite3_column_int64(st, 4)));
  json_object_set_new(row, "stop_ms", json_integer(sqlite3_column_int64(st, 5)));
  json_object_set_new(row, "id", json_integer(sqlite3_column_int64(st, 6)));
  json_object_set_new(row, "redrive_count", json_integer(sqlite3_column_int64(st, 9)));
  json_object_set_new(row, "redrive_ms", json_integer(sqlite3_column_int64(st, 10)));
  if (!ok) {
    sd_err_set(err, E_STORE, "store '%s': execution row %lld is damaged", sd_sqlite_path(s),
               (long long)sqlite3_column_int64(st, 6));
    json_decref(row);
    return NULL;
  }
  return row;
}

/* Newest first by (start_ms, id): the key of the last row seen is where the
 * next page starts, so rows added meanwhile never shift a page. The row
 * value comparison walks executions_by_machine / executions_by_status /
 * executions_by_version / executions_by_alias (whose entries end with the
 * rowid) backwards. `col` is the column ?1 selects on (a constant of ours). */
static json_t *exec_list(struct sd_store *s, const char *col, const char *key, const char *status,
                         int64_t before_start_ms, int64_t before_id, size_t limit, struct sd_err *err) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT arn, name, machine_arn, status, start_ms, stop_ms, id, version_arn, alias_arn,"
           " redrive_count, redrive_ms FROM executions WHERE %s%s = ?1 AND (start_ms, id) < (?2, ?3)"
           " ORDER BY start_ms DESC, id DESC LIMIT ?5",
           status ? "status = ?4 AND " : "", col);
  sqlite3_stmt *st = sd_sqlite_prepare(s, sql, err);
  if (st == NULL)
    return NULL;
  sd_sqlite_bind_text(st, 1, key);
  sqlite3_bind_int64(st, 2, before_start_ms);
  sqlite3_bind_int64(st, 3, before_id);
  if (status)
    sd_sqlite_bind_text(st, 4, status);
  sqlite3_bind_int64(st, 5, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
  return sd_sqlite_collect(s, st, exec_item_json, "listing executions", err);
}

json_t *sd_store_exec_list(struct sd_store *s, const char *machine_arn, const char *status,
                           int64_t before_start_ms, int64_t before_id, size_t limit, struct sd_err *err) {
  return exec_list(s, "machine_arn", machine_arn, status, before_start_ms, before_id, limit, err);
}

json_t *sd_store_exec_list_qualified(struct sd_store *s, const char *version_arn, const char *alias_arn,
                                     const char *status, int64_t before_start_ms, int64_t before_id,
                                     size_t limit, struct sd_err *err) {
  return exec_list(s, alias_arn ? "alias_arn" : "version_arn", alias_arn ? alias_arn : version_arn, status,
                   before_start_ms, before_id, limit, err);
}

int sd_store_exec_qualify(struct sd_store *s, const char *arn, const char *version_arn, const char *alias_arn,
                          struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_cached(
      s, SLOT_EXEC_QUALIFY, "UPDATE executions SET version_arn = ?2, alias_arn = ?3 WHERE arn = ?1", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, arn);
  sd_sqlite_bind_text(st, 2, version_arn);
  sd_sqlite_bind_text(st, 3, alias_arn);
  return step_reset(s, st, "recording an execution's version", err);
}

int sd_store_tx(struct sd_store *s, enum sd_store_tx_op op, struct sd_err *err) {
  if (op == SD_STORE_TX_ROLLBACK) {
    if (!sqlite3_get_autocommit(sd_sqlite_db(s)))
      sqlite3_exec(sd_sqlite_db(s), "ROLLBACK", NULL, NULL, NULL);
    return 0;
  }
  return sd_sqlite_exec(s, op == SD_STORE_TX_BEGIN ? "BEGIN IMMEDIATE" : "COMMIT",
                        op == SD_STORE_TX_BEGIN ? "starting a transaction" : "committing", err);
}

/* ---- retention ---- */

/* One transaction: the `limit` oldest closed executions stopped before
 * `before_ms`, their history (one key range each, store_sqlite_history.c)
 * and their snapshots. Bounded so that the writer, which shares the file,
 * never waits long for the lock. */
int sd_store_purge(struct sd_store *s, int64_t before_ms, size_t limit, size_t *purged, struct sd_err *err) {
  *purged = 0;
  if (sd_sqlite_exec(s, "BEGIN IMMEDIATE", "starting a transaction", err) != 0)
    return -1;
  sqlite3_stmt *sel = sd_sqlite_prepare(s,
                                        "SELECT id FROM executions WHERE stop_ms > 0 AND stop_ms < ?1"
                                        " ORDER BY stop_ms LIMIT ?2",
                                        err);
  sqlite3_stmt *evs =
      sel ? sd_sqlite_prepare(s, "DELETE FROM history WHERE k > (?1 << 32) AND k < ((?1 + 1) << 32)", err)
          : NULL;
  sqlite3_stmt *fr = evs ? sd_sqlite_prepare(s, "DELETE FROM exec_frames WHERE exec_id = ?1", err) : NULL;
  sqlite3_stmt *ex = fr ? sd_sqlite_prepare(s, "DELETE FROM executions WHERE id = ?1", err) : NULL;
  int rc = ex ? 0 : -1;
  if (rc == 0) {
    sqlite3_bind_int64(sel, 1, before_ms);
    sqlite3_bind_int64(sel, 2, (int64_t)limit);
  }
  int step;
  while (rc == 0 && (step = sqlite3_step(sel)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(sel, 0);
    sqlite3_stmt *dels[] = { evs, fr, ex };
    for (int i = 0; rc == 0 && i < 3; i++) {
      sqlite3_bind_int64(dels[i], 1, id);
      if (sqlite3_step(dels[i]) != SQLITE_DONE)
        rc = sd_sqlite_fail(s, err, "purging an execution");
      sqlite3_reset(dels[i]);
    }
    (*purged)++;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = sd_sqlite_fail(s, err, "finding executions to purge");
  sqlite3_finalize(sel);
  sqlite3_finalize(evs);
  sqlite3_finalize(fr);
  sqlite3_finalize(ex);
  if (rc == 0 && sd_sqlite_exec(s, "COMMIT", "committing", err) == 0)
    return 0;
  if (!sqlite3_get_autocommit(sd_sqlite_db(s)))
    sqlite3_exec(sd_sqlite_db(s), "ROLLBACK", NULL, NULL, NULL);
  *purged = 0;
  return -1;
}

/* ---- recovery ---- */

static json_t *running_json(struct sd_store *s, sqlite3_stmt *st, struct sd_err *err) {
  static const char *const cols[] = { "arn", "name", "machine_arn", "input" };
  json_t *row = json_object(); /* new */
  bool ok = true;
  for (int i = 0; i < 4; i++)
    ok = ok && sd_sqlite_set_col(row, cols[i], st, i);
  json_object_set_new(row, "start_ms", json_integer(sqlite3_column_int64(st, 4)));
  json_object_set_new(row, "last_id", json_integer(sqlite3_column_int64(st, 5)));
  json_object_set_new(row, "frames", json_object());
  ok = ok && sd_sqlite_set_col(row, "version_arn", st, 7) && sd_sqlite_set_col(row, "alias_arn", st, 8);
  if (!ok) {
    sd_err_set(err, E_STORE, "store '%s': a running execution's row is damaged", sd_sqlite_path(s));
    json_decref(row);
    return NULL;
  }
  return row;
}

/* Adds every frame row of the RUNNING executions to their entries of
 * `rows` (by row id, which `ids` maps to the entry). */
static int running_frames(struct sd_store *s, json_t *rows, json_t *ids, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s,
                                       "SELECT e.id, f.key, f.snapshot FROM executions e JOIN exec_frames f"
                                       " ON f.exec_id = e.id WHERE e.status = 'RUNNING'",
                                       err);
  if (st == NULL)
    return -1;
  int rc;
  char idbuf[32];
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)sqlite3_column_int64(st, 0));
    json_t *at = json_object_get(ids, idbuf);
    const char *key = (const char *)sqlite3_column_text(st, 1);
    json_t *row = at ? json_array_get(rows, (size_t)json_integer_value(at)) : NULL;
    if (row == NULL || key == NULL)
      continue; /* became RUNNING between the two reads: not ours */
    if (!sd_sqlite_set_col(json_object_get(row, "frames"), key, st, 2)) {
      sqlite3_finalize(st);
      return sd_err_set(err, E_STORE, "store '%s': a frame row of '%s' is damaged", sd_sqlite_path(s),
                        json_string_value(json_object_get(row, "arn")));
    }
  }
  int ret = rc == SQLITE_DONE ? 0 : sd_sqlite_fail(s, err, "reading the running executions' frames");
  sqlite3_finalize(st);
  return ret;
}

json_t *sd_store_exec_running(struct sd_store *s, struct sd_err *err) {
  /* The last id closes the last chunk of the execution's key range (see
   * store_sqlite_history.c): one B-tree seek each. */
  sqlite3_stmt *st =
      sd_sqlite_prepare(s,
                        "SELECT e.arn, e.name, e.machine_arn, e.input, e.start_ms,"
                        " (SELECT last_id FROM history WHERE k > (e.id << 32) AND k < ((e.id + 1) << 32)"
                        "   ORDER BY k DESC LIMIT 1), e.id,"
                        " e.version_arn, e.alias_arn"
                        " FROM executions e WHERE e.status = 'RUNNING' ORDER BY e.start_ms, e.id",
                        err);
  if (st == NULL)
    return NULL;
  json_t *ids = json_object(); /* new: row id -> index in rows */
  json_t *rows = json_array(); /* new */
  int rc;
  char idbuf[32];
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *row = running_json(s, st, err); /* new */
    if (row == NULL)
      break;
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)sqlite3_column_int64(st, 6));
    json_object_set_new(ids, idbuf, json_integer((json_int_t)json_array_size(rows)));
    json_array_append_new(rows, row);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    sd_sqlite_fail(s, err, "reading the running executions");
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE || running_frames(s, rows, ids, err) != 0) {
    json_decref(ids);
    json_decref(rows);
    return NULL;
  }
  json_decref(ids);
  return rows;
}

/* ---- redrive ---- */

json_t *sd_store_exec_frames(struct sd_store *s, const char *arn, struct sd_err *err) {
  sqlite3_stmt *st =
      sd_sqlite_prepare(s,
                        "SELECT f.key, f.snapshot FROM executions e JOIN exec_frames f ON f.exec_id = e.id"
                        " WHERE e.arn = ?1",
                        err);
  if (st == NULL)
    return NULL;
  sd_sqlite_bind_text(st, 1, arn);
  json_t *frames = json_object(); /* new */
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(st, 0);
    if (key == NULL || !sd_sqlite_set_col(frames, key, st, 1)) {
      sd_err_set(err, E_STORE, "store '%s': a frame row of '%s' is damaged", sd_sqlite_path(s), arn);
      rc = SQLITE_ERROR;
      break;
    }
  }
  if (rc != SQLITE_DONE && err->name == NULL)
    sd_sqlite_fail(s, err, "reading an execution's frames");
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    json_decref(frames);
    return NULL;
  }
  return frames;
}

/* ---- activities ---- */

int sd_store_activity_put(struct sd_store *s, const char *arn, const char *name, int64_t creation_ms,
                          struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(
      s, "INSERT OR REPLACE INTO activities(arn, name, creation_ms) VALUES (?1, ?2, ?3)", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, arn);
  sd_sqlite_bind_text(st, 2, name);
  sqlite3_bind_int64(st, 3, creation_ms);
  return sd_sqlite_step_done(s, st, "writing an activity", err);
}

int sd_store_activity_delete(struct sd_store *s, const char *arn, struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_prepare(s, "DELETE FROM activities WHERE arn = ?1", err);
  if (st == NULL)
    return -1;
  sd_sqlite_bind_text(st, 1, arn);
  return sd_sqlite_step_done(s, st, "deleting an activity", err);
}

static json_t *activity_json(struct sd_store *s, sqlite3_stmt *st, struct sd_err *err) {
  json_t *row = json_object(); /* new */
  bool ok = sd_sqlite_set_col(row, "arn", st, 0) && sd_sqlite_set_col(row, "name", st, 1);
  json_object_set_new(row, "creation_ms", json_integer(sqlite3_column_int64(st, 2)));
  if (!ok || !json_is_string(json_object_get(row, "arn")) || !json_is_string(json_object_get(row, "name"))) {
    sd_err_set(err, E_STORE, "store '%s': an activity row is damaged", sd_sqlite_path(s));
    json_decref(row);
    return NULL;
  }
  return row;
}

json_t *sd_store_activity_list(struct sd_store *s, struct sd_err *err) {
  sqlite3_stmt *st =
      sd_sqlite_prepare(s, "SELECT arn, name, creation_ms FROM activities ORDER BY creation_ms, arn", err);
  if (st == NULL)
    return NULL;
  return sd_sqlite_collect(s, st, activity_json, "reading the activities", err);
}

/* ---- the owner's lock ---- */

int sd_store_lock(const char *path, struct sd_err *err) {
  char *lock = sd_asprintf("%s-lock", path);
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    sd_err_set(err, E_STORE, "cannot open the lock file '%s': %s", lock, strerror(errno));
  } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      sd_err_set(err, "DatabaseInUse",
                 "the database '%s' is in use by another stepd process (it holds the lock on '%s')", path,
                 lock);
    else
      sd_err_set(err, E_STORE, "cannot lock '%s': %s", lock, strerror(errno));
    close(fd);
    fd = -1;
  }
  free(lock);
  return fd;
}

void sd_store_unlock(int fd) {
  if (fd >= 0)
    close(fd); /* closing the only descriptor releases the flock */
}
