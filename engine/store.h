/* The storage interface: what the engine needs from a database, and nothing
 * about SQL (which lives only in store_sqlite.c). Implemented for SQLite now;
 * a PostgreSQL backend can implement the same calls later.
 *
 * Threading: a store handle is used by one thread at a time. The engine's
 * writer (writer.h) calls sd_store_write from a libuv worker, with at most
 * one write in flight; readers on the loop thread use their own handle
 * (sd_store_open on the same file) or call in between writes. */
#ifndef SD_ENGINE_STORE_H
#define SD_ENGINE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sd_err;
struct sd_store;
struct sd_store_batch;

/* One execution row. Strings are borrowed by the setters, copied into the batch. */
struct sd_store_exec {
  const char *arn;
  const char *name;
  const char *machine_arn;
  const char *status; /* RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED */
  const char *input;  /* JSON text */
  const char *output; /* JSON text or NULL */
  const char *error;  /* NULL unless failed */
  const char *cause;
  int64_t start_ms;
  int64_t stop_ms; /* 0 while running */
};

/* One history event as GetExecutionHistory returns it. `details` is the JSON
 * text of the event's `<type>EventDetails` object (NULL for none); the store
 * keeps it verbatim so reading back needs no knowledge of event types. */
struct sd_store_event {
  const char *exec_arn;
  int64_t id;
  int64_t prev_id; /* 0 = none */
  int64_t ts_ms;
  const char *type;        /* "PassStateEntered" */
  const char *details_key; /* "stateEnteredEventDetails" or NULL */
  const char *details;     /* JSON text or NULL */
};

/* Opens (creating, migrating) the database at `path`; NULL or ":memory:"
 * gives a private in-memory database. WAL mode for files. */
struct sd_store *sd_store_open(const char *path, struct sd_err *err);
void sd_store_close(struct sd_store *s);

/* Batches are built on the loop thread and written by one call. */
struct sd_store_batch *sd_store_batch_new(void);
void sd_store_batch_free(struct sd_store_batch *b);
size_t sd_store_batch_len(const struct sd_store_batch *b);
void sd_store_batch_put_exec(struct sd_store_batch *b, const struct sd_store_exec *row);
void sd_store_batch_add_event(struct sd_store_batch *b, const struct sd_store_event *ev);

/* Writes the whole batch in one transaction. */
int sd_store_write(struct sd_store *s, struct sd_store_batch *b, struct sd_err *err);

/* Reads one page of an execution's history as GetExecutionHistory's
 * `events` array: events with id > after_id (or < before_id when reverse;
 * 0 = from the start/end), at most `limit` (0 = all). Returns a new array
 * or NULL with err. */
json_t *sd_store_history(struct sd_store *s, const char *exec_arn, int64_t from_id, size_t limit,
                         bool reverse, struct sd_err *err);

/* Reads an execution row as a new JSON object with the fields of
 * struct sd_store_exec (input/output as text); NULL with err
 * ("ExecutionDoesNotExist") when absent. */
json_t *sd_store_exec_get(struct sd_store *s, const char *arn, struct sd_err *err);

#endif
