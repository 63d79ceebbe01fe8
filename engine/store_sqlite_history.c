/* An execution's history in SQLite: written in chunks, read in pages.
 *
 * A chunk is one row of the `history` table holding consecutive events of
 * one execution as JSON text, `[[id, prev_id, ts_ms, type, details_key,
 * details], ...]`, details being the event's details object (or null).
 * Its key is (execution id << 32 | first event id), so an execution's
 * history is one contiguous key range in id order, and `last_id` closes
 * the chunk. A batch's events of one execution go in one chunk, cut past
 * CHUNK_BYTES so that a page reads a bounded amount beyond itself.
 *
 * Why chunks: as one row per event, SQLite spent ~4,000 instructions an
 * event on seeking the key, building the record and cell and balancing
 * pages (callgrind, the writer thread of parallel-fanout), more than the
 * loop spends making the event, and a run's end waits for its last batch.
 * Temporal keeps its history the same way, as batches of events per
 * write. File databases also get the view `events` (one row per event, in
 * the columns of the old table) for people reading them with sqlite3.
 *
 * Not for: the batch's layout (store_sqlite.c) or what events mean. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "engine/store.h"
#include "engine/store_sqlite_int.h"

static const char E_STORE[] = "InternalFailure";
static const char E_NO_EXEC[] = "ExecutionDoesNotExist";

#define CHUNK_BYTES ((size_t)64 << 10)

/* ---- writing ---- */

static void put_text(struct sd_buf *o, const char *s, size_t len) {
  if (s != NULL)
    sd_jsonw_string(o, s, len);
  else
    sd_buf_add(o, "null", 4);
}

/* Appends one event to the chunk text in `o`. The details are the engine's
 * JSON text, copied as they are. */
static void put_event(struct sd_buf *o, const struct sd_sqlite_event *ev) {
  sd_buf_add(o, o->len == 0 ? "[[" : ",[", 2);
  sd_jsonw_int(o, ev->id);
  sd_buf_putc(o, ',');
  sd_jsonw_int(o, ev->prev_id);
  sd_buf_putc(o, ',');
  sd_jsonw_int(o, ev->ts_ms);
  sd_buf_putc(o, ',');
  put_text(o, ev->text[0], ev->len[0]);
  sd_buf_putc(o, ',');
  put_text(o, ev->text[1], ev->len[1]);
  sd_buf_putc(o, ',');
  if (ev->text[2] != NULL && ev->len[2] > 0)
    sd_buf_add(o, ev->text[2], ev->len[2]);
  else
    sd_buf_add(o, "null", 4);
  sd_buf_putc(o, ']');
}

static int write_failed(struct sd_store *s, struct sd_err *err, int64_t first, int64_t last, const char *arn,
                        const char *why) {
  if (first == last)
    return sd_err_set(err, E_STORE, "store '%s': writing event %" PRId64 " of '%s': %s", sd_sqlite_path(s),
                      first, arn, why);
  return sd_err_set(err, E_STORE, "store '%s': writing events %" PRId64 " to %" PRId64 " of '%s': %s",
                    sd_sqlite_path(s), first, last, arn, why);
}

/* An event id is written once: the chunk starting last at or before the
 * new one's end must end before its start. (Keys only tell chunks apart,
 * and one row per event had the key do this.) */
static int check_unwritten(struct sd_store *s, int64_t exec_id, int64_t first, int64_t last, const char *arn,
                           struct sd_err *err) {
  sqlite3_stmt *st = sd_sqlite_hist_stmt(s, SD_SQLITE_HIST_LAST, err);
  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, exec_id);
  sqlite3_bind_int64(st, 2, last);
  int rc = sqlite3_step(st);
  int64_t before = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return write_failed(s, err, first, last, arn, sqlite3_errmsg(sd_sqlite_db(s)));
  if (before >= first)
    return write_failed(s, err, first, last, arn, "UNIQUE constraint failed: an event id is already written");
  return 0;
}

/* Inserts the chunk in `o` (events first..last of the execution) and
 * empties `o`. */
static int put_chunk(struct sd_store *s, struct sd_buf *o, int64_t exec_id, int64_t first, int64_t last,
                     const char *arn, struct sd_err *err) {
  sd_buf_putc(o, ']');
  size_t len = o->len;
  o->len = 0; /* the text stays in place until the next chunk starts */
  if (check_unwritten(s, exec_id, first, last, arn, err) != 0)
    return -1;
  sqlite3_stmt *st = sd_sqlite_hist_stmt(s, SD_SQLITE_HIST_PUT, err);
  if (st == NULL)
    return -1;
  sqlite3_bind_int64(st, 1, (int64_t)((uint64_t)exec_id << 32 | (uint64_t)first));
  sqlite3_bind_int64(st, 2, last);
  /* 64-bit length: a chunk past SQLite's limit fails as SQLITE_TOOBIG, named. */
  sqlite3_bind_text64(st, 3, o->data, len, SQLITE_STATIC, SQLITE_UTF8);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st); /* the text is ours, and reused */
  if (rc == SQLITE_DONE)
    return 0;
  return write_failed(s, err, first, last, arn, sqlite3_errmsg(sd_sqlite_db(s)));
}

/* The batch's events in execution order: `order` lists them grouped by
 * execution (slot), each group in batch order, which is id order. A
 * counting sort, skipped when one execution wrote them all. */
static const uint32_t *group_events(struct sd_sqlite_hist_scratch *sc, const struct sd_store_batch *b,
                                    size_t n) {
  size_t nslots = sd_sqlite_batch_nslots(b);
  if (nslots <= 1)
    return NULL;
  if (sc->cap < n + nslots + 1) {
    free(sc->order);
    sc->cap = n + nslots + 1;
    sc->order = sd_xmalloc(sc->cap * sizeof *sc->order);
  }
  uint32_t *order = sc->order, *next = sc->order + n; /* next[slot]: where its next event goes */
  memset(next, 0, (nslots + 1) * sizeof *next);
  for (size_t i = 0; i < n; i++)
    next[sd_sqlite_batch_event_slot(b, i) + 1]++;
  for (size_t k = 1; k <= nslots; k++)
    next[k] += next[k - 1];
  for (size_t i = 0; i < n; i++)
    order[next[sd_sqlite_batch_event_slot(b, i)]++] = (uint32_t)i;
  return order;
}

int sd_sqlite_history_put(struct sd_store *s, const struct sd_store_batch *b, struct sd_err *err) {
  size_t n = sd_sqlite_batch_nevents(b);
  struct sd_sqlite_hist_scratch *sc = sd_sqlite_hist_scratch(s);
  const uint32_t *order = group_events(sc, b, n);
  struct sd_buf *o = &sc->text;
  struct sd_sqlite_event ev, prev = { 0 };
  int64_t first = 0;
  o->len = 0;
  for (size_t i = 0; i < n; i++) {
    sd_sqlite_batch_event(b, order ? order[i] : i, &ev);
    /* A new execution, a full chunk, or ids out of order (a chunk holds
     * ascending ids; a repeated id then fails its insert, as a duplicate
     * key, with a message naming it). */
    if (o->len > 0 && (ev.exec_id != prev.exec_id || o->len >= CHUNK_BYTES || ev.id <= prev.id) &&
        put_chunk(s, o, prev.exec_id, first, prev.id, prev.arn, err) != 0)
      return -1;
    if (o->len == 0)
      first = ev.id;
    put_event(o, &ev);
    prev = ev;
  }
  return o->len > 0 ? put_chunk(s, o, prev.exec_id, first, prev.id, prev.arn, err) : 0;
}

void sd_sqlite_hist_scratch_free(struct sd_sqlite_hist_scratch *sc) {
  sd_buf_free(&sc->text);
  free(sc->order);
  *sc = (struct sd_sqlite_hist_scratch){ 0 };
}

/* ---- reading ---- */

/* One chunk element as a GetExecutionHistory event (API model shape
 * HistoryEvent): timestamp in epoch seconds, previousEventId left out for
 * the first event, the details object under its `<type>EventDetails` key.
 * A new reference, or NULL when the element is not an event. Details that
 * are there must be an object or an array, as the one-row-per-event reader
 * took them: migration 8 keeps a row's details that are not JSON as a
 * string, which makes its event damaged as it was. */
static json_t *event_json(json_t *e) {
  json_t *id = json_array_get(e, 0), *prev = json_array_get(e, 1), *ts = json_array_get(e, 2);
  json_t *type = json_array_get(e, 3), *key = json_array_get(e, 4), *details = json_array_get(e, 5);
  if (json_array_size(e) != 6 || !json_is_integer(id) || !json_is_integer(prev) || !json_is_integer(ts) ||
      !json_is_string(type) || !(json_is_string(key) || json_is_null(key)))
    return NULL;
  if (json_is_string(key) && !json_is_null(details) && !json_is_object(details) && !json_is_array(details))
    return NULL;
  json_t *ev = json_object(); /* new */
  json_object_set_new(ev, "timestamp", json_real((double)json_integer_value(ts) / 1000.0));
  json_object_set(ev, "type", type);
  json_object_set(ev, "id", id);
  if (json_integer_value(prev) != 0)
    json_object_set(ev, "previousEventId", prev);
  if (json_is_string(key) && !json_is_null(details))
    json_object_set(ev, json_string_value(key), details);
  return ev;
}

static int64_t element_id(json_t *e) {
  return json_integer_value(json_array_get(e, 0));
}

static void damaged(struct sd_store *s, struct sd_err *err, int64_t first, int64_t last, const char *arn) {
  if (first == last)
    sd_err_set(err, E_STORE, "store '%s': history event %" PRId64 " of '%s' is damaged", sd_sqlite_path(s),
               first, arn);
  else
    sd_err_set(err, E_STORE, "store '%s': history events %" PRId64 " to %" PRId64 " of '%s' are damaged",
               sd_sqlite_path(s), first, last, arn);
}

/* Appends the chunk's events after `from_id` (before it, reversed) to
 * `events` until it holds `limit` (0: no limit); -1 with err when the
 * chunk is damaged. */
static int read_chunk(struct sd_store *s, sqlite3_stmt *st, const char *arn, int64_t from_id, bool reverse,
                      size_t limit, json_t *events, struct sd_err *err) {
  int64_t first = sqlite3_column_int64(st, 1), last = sqlite3_column_int64(st, 2);
  const char *text = (const char *)sqlite3_column_text(st, 0);
  json_error_t jerr;
  json_t *chunk = text ? sd_json_loadb(text, (size_t)sqlite3_column_bytes(st, 0), 0, &jerr) : NULL; /* new */
  if (!json_is_array(chunk)) {
    json_decref(chunk);
    damaged(s, err, first, last, arn);
    return -1;
  }
  size_t m = json_array_size(chunk);
  int rc = 0;
  for (size_t j = 0; j < m && (limit == 0 || json_array_size(events) < limit); j++) {
    json_t *e = json_array_get(chunk, reverse ? m - 1 - j : j);
    int64_t id = element_id(e);
    /* An element without an integer id is on no page, and damaged: were
     * it skipped as id 0, forward reads would drop it unnamed. */
    if (json_is_integer(json_array_get(e, 0)) && (reverse ? id >= from_id : id <= from_id))
      continue;
    json_t *ev = event_json(e); /* new */
    if (ev == NULL) {
      damaged(s, err, id > 0 ? id : first, id > 0 ? id : last, arn);
      rc = -1;
      break;
    }
    json_array_append_new(events, ev);
  }
  json_decref(chunk);
  return rc;
}

json_t *sd_store_history(struct sd_store *s, const char *exec_arn, int64_t from_id, size_t limit,
                         bool reverse, struct sd_err *err) {
  int64_t id = 0;
  if (sd_store_exec_find(s, exec_arn, &id, err) != 0)
    return NULL;
  if (id == 0) {
    sd_err_set(err, E_NO_EXEC, "Execution Does Not Exist: '%s'", exec_arn);
    return NULL;
  }
  /* Event ids live in the key's low 32 bits: "from the end" is 2^32. */
  if (reverse && (from_id <= 0 || from_id > UINT32_MAX))
    from_id = (int64_t)1 << 32;
  else if (!reverse && (from_id < 0 || from_id > UINT32_MAX))
    from_id = from_id < 0 ? 0 : UINT32_MAX;
  sqlite3_stmt *st = sd_sqlite_hist_stmt(s, reverse ? SD_SQLITE_HIST_REV : SD_SQLITE_HIST_FWD, err);
  if (st == NULL)
    return NULL;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, from_id);
  json_t *events = json_array(); /* new */
  int rc = SQLITE_DONE;
  bool failed = false;
  while (!failed && (limit == 0 || json_array_size(events) < limit) && (rc = sqlite3_step(st)) == SQLITE_ROW)
    failed = read_chunk(s, st, exec_arn, from_id, reverse, limit, events, err) != 0;
  if (!failed && rc != SQLITE_ROW && rc != SQLITE_DONE)
    failed = sd_sqlite_fail(s, err, "reading history") != 0;
  sqlite3_reset(st);
  if (failed) {
    json_decref(events);
    return NULL;
  }
  return events;
}
