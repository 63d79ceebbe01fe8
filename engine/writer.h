/* Group commit: history events and execution rows appended on the loop
 * thread are written to the store in one transaction per loop turn, on a
 * libuv worker, with at most one write in flight (so commit order is append
 * order without locks). The loop thread never waits on fsync. */
#ifndef SD_ENGINE_WRITER_H
#define SD_ENGINE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct sd_err;
struct sd_store;
struct sd_store_event;
struct sd_store_exec;
struct sd_store_frame;
struct sd_writer;

typedef void (*sd_writer_cb)(void *data, int status);

/* The writer borrows `store` (which must outlive it) and hands it to the
 * worker thread while a write runs. */
struct sd_writer *sd_writer_new(uv_loop_t *loop, struct sd_store *store);

void sd_writer_put_exec(struct sd_writer *w, const struct sd_store_exec *row);
void sd_writer_add_event(struct sd_writer *w, const struct sd_store_event *ev);
void sd_writer_put_frame(struct sd_writer *w, const struct sd_store_frame *fr);

/* The hand-off hook: `fn(data)` runs at the end of a loop turn right before
 * the batch goes to the worker, when sd_writer_want_flush asked for it
 * since the last call; what it appends travels in that batch. The engine
 * writes its frame snapshots there, once per batch rather than once per
 * change, in the same transaction as the history they match. */
typedef void (*sd_writer_flush_fn)(void *data);
void sd_writer_set_flush(struct sd_writer *w, sd_writer_flush_fn fn, void *data);
void sd_writer_want_flush(struct sd_writer *w);

/* Calls cb(data, 0) once everything appended before this call is committed,
 * or cb(data, -1) if that write failed. Never calls cb from inside. */
void sd_writer_barrier(struct sd_writer *w, sd_writer_cb cb, void *data);

/* True when no write is in flight and at least `rows` rows wait for the
 * next hand-off: a producer may end its loop turn early so that the worker
 * starts on them now rather than after the whole turn. */
bool sd_writer_idle_behind(const struct sd_writer *w, size_t rows);

/* Rows appended and not yet committed (for back-pressure decisions). */
size_t sd_writer_pending(const struct sd_writer *w);

/* Writes what is pending, then closes the writer's handles; cb runs after
 * the last commit (status as above). The writer is freed after cb. */
void sd_writer_close(struct sd_writer *w, sd_writer_cb cb, void *data);

#endif
