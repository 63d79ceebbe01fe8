/* Group commit (STYLE.md §6): rows appended on the loop thread collect in
 * one batch; at the end of the loop turn a uv_check_t hands the batch to
 * uv_queue_work, which writes it in one transaction. While that write runs,
 * the next turns' rows collect in a new batch, so the batch size follows
 * the disk's speed by itself. Not for: SQL (store_sqlite.c) or deciding
 * what to write (the engine).
 *
 * Loop liveness: the check handle is unreferenced, so an idle writer never
 * keeps the loop alive. Rows waiting for the check are kept alive by an
 * idle handle, started only while there is something to hand off (an active
 * idle handle also makes the loop poll without blocking, so the check runs
 * this turn, as node's setImmediate does); a write in flight is kept alive
 * by its work request.
 *
 * Failure is sticky: once a write fails, nothing later is written and every
 * later barrier reports -1, since a history with a hole in it must not be
 * acted upon. Re-opening the store is the way back. */
#include "engine/writer.h"

#include <assert.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/log.h"
#include "engine/store.h"

struct barrier {
  sd_writer_cb cb;
  void *data;
  bool empty; /* made when nothing was pending: waits for no write */
};

/* A FIFO of barriers, in the order they were made. */
struct barrier_q {
  struct barrier *v; /* owned */
  size_t n, cap;
};

struct sd_writer {
  uv_loop_t *loop;        /* borrowed */
  struct sd_store *store; /* borrowed; used by the worker during a write */
  uv_check_t check;       /* end of turn: hand the batch off; unreferenced */
  uv_idle_t idle;         /* active while the check has work: keeps the loop turning */
  uv_work_t work;
  struct sd_store_batch *batch;    /* appended since the last hand-off; owned */
  struct sd_store_batch *inflight; /* being written by the worker; owned; NULL when none */
  struct sd_store_batch *spare;    /* the last one written, emptied, for the next hand-off; owned or NULL */
  size_t inflight_rows;
  atomic_bool written;      /* set by the worker as its write returns; read by sd_writer_idle_behind */
  struct barrier_q queued;  /* barriers on `batch` (or on nothing) */
  struct barrier_q waiting; /* barriers on `inflight` */
  struct barrier_q spare_q; /* an empty queue's array, for the next queue; owned */
  int write_rc;             /* the worker's result */
  struct sd_err write_err;  /* the worker's error */
  bool failed;              /* a write failed: see the top of the file */
  sd_writer_flush_fn flush; /* the hand-off hook, or NULL */
  void *flush_data;
  bool flush_due; /* sd_writer_want_flush since the hook last ran */
  bool closing;
  int open_handles; /* closing: handles whose close callback is due */
  sd_writer_cb close_cb;
  void *close_data;
};

/* A fired queue's array is kept for the next queue: every batch has its
 * queue (a StartExecution waits on one barrier each), and growing a new
 * one by doubling from 8 per batch was 2% of the loop thread's time. */
static void barrier_push(struct sd_writer *w, struct barrier_q *q, struct barrier b) {
  if (q->v == NULL && w->spare_q.v != NULL) {
    *q = w->spare_q;
    w->spare_q = (struct barrier_q){ 0 };
  }
  if (q->n == q->cap) {
    q->cap = q->cap ? q->cap * 2 : 8;
    q->v = sd_xrealloc(q->v, q->cap * sizeof *q->v);
  }
  q->v[q->n++] = b;
}

/* Calls every barrier of `q` (which the caller has detached from the
 * writer: callbacks may add barriers of their own), then keeps or frees
 * its array. */
static void barrier_fire(struct sd_writer *w, struct barrier_q *q, int status) {
  for (size_t i = 0; i < q->n; i++)
    q->v[i].cb(q->v[i].data, status);
  if (w->spare_q.v == NULL && q->cap <= 65536) {
    w->spare_q = *q;
    w->spare_q.n = 0;
  } else {
    free(q->v);
  }
  *q = (struct barrier_q){ 0 };
}

static void on_idle(uv_idle_t *h) {
  (void)h; /* only here to keep the loop from blocking before the check */
}

static bool has_work(const struct sd_writer *w) {
  return w->inflight == NULL &&
         (sd_store_batch_len(w->batch) > 0 || w->queued.n > 0 || w->closing || w->flush_due);
}

/* Starts the idle handle when the next check has work, stops it otherwise. */
static void kick(struct sd_writer *w) {
  if (has_work(w))
    uv_idle_start(&w->idle, on_idle);
  else
    uv_idle_stop(&w->idle);
}

static void check_cb(uv_check_t *h);

struct sd_writer *sd_writer_new(uv_loop_t *loop, struct sd_store *store) {
  struct sd_writer *w = sd_xcalloc(1, sizeof *w);
  w->loop = loop;
  w->store = store;
  w->batch = sd_store_batch_new();
  uv_check_init(loop, &w->check);
  uv_idle_init(loop, &w->idle);
  w->check.data = w->idle.data = w->work.data = w;
  uv_check_start(&w->check, check_cb);
  uv_unref((uv_handle_t *)&w->check);
  return w;
}

/* Rows that arrive once closing began (a request the server accepted
 * while it stopped) are dropped: the last write may already be in flight,
 * and a crash at this point would lose them all the same. */
static bool drop_when_closing(struct sd_writer *w) {
  if (!w->closing)
    return false;
  sd_log(SD_LOG_WARN, "history appended during shutdown was not written");
  return true;
}

void sd_writer_put_exec(struct sd_writer *w, const struct sd_store_exec *row) {
  if (drop_when_closing(w))
    return;
  sd_store_batch_put_exec(w->batch, row);
  if (w->inflight == NULL && sd_store_batch_len(w->batch) == 1)
    kick(w);
}

void sd_writer_add_event(struct sd_writer *w, const struct sd_store_event *ev) {
  if (drop_when_closing(w))
    return;
  sd_store_batch_add_event(w->batch, ev);
  if (w->inflight == NULL && sd_store_batch_len(w->batch) == 1)
    kick(w);
}

void sd_writer_put_frame(struct sd_writer *w, const struct sd_store_frame *fr) {
  if (drop_when_closing(w))
    return;
  sd_store_batch_put_frame(w->batch, fr);
  if (w->inflight == NULL && sd_store_batch_len(w->batch) == 1)
    kick(w);
}

void sd_writer_set_flush(struct sd_writer *w, sd_writer_flush_fn fn, void *data) {
  w->flush = fn;
  w->flush_data = data;
}

void sd_writer_want_flush(struct sd_writer *w) {
  if (w->flush_due || w->flush == NULL)
    return;
  w->flush_due = true;
  if (w->inflight == NULL)
    kick(w);
}

void sd_writer_barrier(struct sd_writer *w, sd_writer_cb cb, void *data) {
  assert(w->open_handles == 0);
  struct barrier b = { cb, data, sd_store_batch_len(w->batch) == 0 };
  /* With nothing pending, everything before this call is in the write in
   * flight (if any): wait for that one. */
  if (b.empty && w->inflight != NULL)
    barrier_push(w, &w->waiting, b);
  else
    barrier_push(w, &w->queued, b);
  kick(w);
}

bool sd_writer_idle_behind(const struct sd_writer *w, size_t rows) {
  /* A write that has returned counts as none: its completion reaches the
   * loop only once the producer's turn ends, which is what the producer
   * asks this for. */
  return (w->inflight == NULL || atomic_load_explicit(&w->written, memory_order_acquire)) &&
         sd_store_batch_len(w->batch) >= rows;
}

size_t sd_writer_pending(const struct sd_writer *w) {
  return sd_store_batch_len(w->batch) + w->inflight_rows;
}

/* Worker thread: the only place the writer touches the store. */
static void write_work(uv_work_t *req) {
  struct sd_writer *w = req->data;
  w->write_rc = sd_store_write(w->store, w->inflight, &w->write_err);
  atomic_store_explicit(&w->written, true, memory_order_release);
}

static void write_done(uv_work_t *req, int status) {
  struct sd_writer *w = req->data;
  if ((status != 0 || w->write_rc != 0) && !w->failed) {
    w->failed = true;
    sd_log(SD_LOG_ERROR, "history write failed, no more history will be written: %s",
           w->write_err.cause ? w->write_err.cause : "work request cancelled");
  }
  sd_err_clear(&w->write_err);
  /* Kept for the next hand-off: its arrays are already grown to the
   * batches of this load (a new batch per turn reallocated them, and
   * freeing them cost malloc_consolidate). */
  sd_store_batch_reset(w->inflight);
  sd_store_batch_free(w->spare);
  w->spare = w->inflight;
  w->inflight = NULL;
  w->inflight_rows = 0;
  struct barrier_q done = w->waiting;
  w->waiting = (struct barrier_q){ 0 };
  kick(w); /* before the callbacks, which may close the writer */
  barrier_fire(w, &done, w->failed ? -1 : 0);
}

static void handle_closed(uv_handle_t *h) {
  struct sd_writer *w = h->data;
  if (--w->open_handles > 0)
    return;
  w->close_cb(w->close_data, w->failed ? -1 : 0);
  sd_store_batch_free(w->batch);
  sd_store_batch_free(w->spare);
  free(w->spare_q.v);
  free(w->queued.v);
  free(w->waiting.v);
  free(w);
}

/* Barriers made while nothing was pending come first in the queue (once
 * a row is appended the batch stays non-empty until the hand-off); they
 * are due now. */
static void fire_empty_barriers(struct sd_writer *w) {
  size_t k = 0;
  while (k < w->queued.n && w->queued.v[k].empty)
    k++;
  if (k == 0)
    return;
  struct barrier_q due = { sd_xmalloc(k * sizeof(struct barrier)), k, k };
  memcpy(due.v, w->queued.v, k * sizeof(struct barrier));
  memmove(w->queued.v, w->queued.v + k, (w->queued.n - k) * sizeof(struct barrier));
  w->queued.n -= k;
  barrier_fire(w, &due, w->failed ? -1 : 0);
}

static void hand_off(struct sd_writer *w) {
  struct sd_store_batch *b = w->batch;
  struct barrier_q q = w->queued;
  w->batch = w->spare != NULL ? w->spare : sd_store_batch_new();
  w->spare = NULL;
  w->queued = (struct barrier_q){ 0 };
  if (w->failed) {
    sd_store_batch_free(b);
    barrier_fire(w, &q, -1);
    return;
  }
  atomic_store_explicit(&w->written, false, memory_order_relaxed);
  w->inflight = b;
  w->inflight_rows = sd_store_batch_len(b);
  w->waiting = q;
  int rc = uv_queue_work(w->loop, &w->work, write_work, write_done);
  assert(rc == 0); /* fails only for a NULL work callback */
  (void)rc;
}

static void check_cb(uv_check_t *h) {
  struct sd_writer *w = h->data;
  if (w->inflight != NULL)
    return; /* write_done kicks the next turn */
  if (w->flush_due && w->flush != NULL && !w->closing) {
    w->flush_due = false;
    w->flush(w->flush_data);
  }
  fire_empty_barriers(w);
  if (w->inflight == NULL && sd_store_batch_len(w->batch) > 0)
    hand_off(w);
  kick(w);
  if (w->closing && w->inflight == NULL && sd_store_batch_len(w->batch) == 0 && w->queued.n == 0 &&
      w->open_handles == 0) {
    w->open_handles = 2;
    uv_close((uv_handle_t *)&w->check, handle_closed);
    uv_close((uv_handle_t *)&w->idle, handle_closed);
  }
}

void sd_writer_close(struct sd_writer *w, sd_writer_cb cb, void *data) {
  assert(!w->closing);
  w->closing = true;
  w->close_cb = cb;
  w->close_data = data;
  kick(w);
}
