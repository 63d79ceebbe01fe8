/* Retention: closed executions are kept `--retention` days (90 by default,
 * as AWS keeps them) and then purged with their history, in batches of
 * BATCH rows, one transaction each, off the loop thread. A timer on the
 * loop starts each batch; a full batch starts the next one at once, an
 * incomplete one waits for the next sweep, so a backlog drains in bounded
 * steps (redis' incremental rehash) and never holds the writer's lock for
 * long. Not for: what "closed" means (store.h, sd_store_purge). */
#include "server/retention.h"

#include <stdbool.h>
#include <stdlib.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"

/* Rows per transaction: deleting an execution's history of ~10 events costs
 * a few B-tree seeks, so a batch commits in milliseconds. */
#define BATCH 500

struct sd_retention {
  struct sd_engine *eng;  /* borrowed: its clock, and its barrier for :memory: */
  struct sd_store *store; /* borrowed; a handle of our own, or the engine's for :memory: */
  bool worker;            /* purge on a libuv worker (a handle of our own) */
  int64_t keep_ms;
  uint64_t every_ms; /* between sweeps that found nothing more to do */
  uv_timer_t timer;
  uv_work_t work;
  bool busy;    /* a batch is in flight */
  bool closing; /* sd_retention_close called; freed once idle and closed */
  bool timer_closed;
  int64_t before_ms; /* this batch's cut-off */
  size_t purged;
  struct sd_err err;
  uint64_t total; /* purged since start, for the log */
};

static void maybe_free(struct sd_retention *r) {
  if (r->closing && !r->busy && r->timer_closed) {
    sd_err_clear(&r->err);
    free(r);
  }
}

static void on_timer(uv_timer_t *t);

/* A full batch: more may be due, go on at the next loop turn; else wait
 * for the next sweep. */
static void rearm(struct sd_retention *r) {
  uv_timer_start(&r->timer, on_timer, r->purged == BATCH ? 0 : r->every_ms, r->every_ms);
}

static void batch_done(struct sd_retention *r) {
  r->busy = false;
  if (r->err.name != NULL) {
    sd_log(SD_LOG_ERROR, "retention: %s", r->err.cause ? r->err.cause : r->err.name);
    sd_err_clear(&r->err);
  } else if (r->purged > 0) {
    r->total += r->purged;
    sd_log(SD_LOG_INFO, "retention: purged %zu closed execution(s) (%llu since start)", r->purged,
           (unsigned long long)r->total);
  }
  if (r->closing) {
    maybe_free(r);
    return;
  }
  rearm(r);
}

static void on_work(uv_work_t *req) {
  struct sd_retention *r = req->data;
  sd_store_purge(r->store, r->before_ms, BATCH, &r->purged, &r->err);
}

static void on_work_done(uv_work_t *req, int status) {
  struct sd_retention *r = req->data;
  if (status != 0 && r->err.name == NULL)
    r->purged = 0;
  batch_done(r);
}

/* :memory: has one handle: purge inside a writer barrier, where it is free. */
static void on_flushed(void *data, int status) {
  struct sd_retention *r = data;
  if (status == 0)
    sd_store_purge(r->store, r->before_ms, BATCH, &r->purged, &r->err);
  batch_done(r);
}

static void start_batch(struct sd_retention *r) {
  r->busy = true;
  r->purged = 0;
  r->before_ms = sd_engine_now(r->eng) - r->keep_ms;
  if (r->worker) {
    r->work.data = r;
    uv_queue_work(sd_engine_loop(r->eng), &r->work, on_work, on_work_done);
  } else {
    sd_engine_flush(r->eng, on_flushed, r);
  }
}

static void on_timer(uv_timer_t *t) {
  struct sd_retention *r = t->data;
  if (!r->busy && !r->closing)
    start_batch(r);
}

struct sd_retention *sd_retention_start(struct sd_engine *eng, struct sd_store *store, bool worker,
                                        double days) {
  struct sd_retention *r = sd_xcalloc(1, sizeof *r);
  r->eng = eng;
  r->store = store;
  r->worker = worker;
  r->keep_ms = (int64_t)(days * 86400000.0);
  /* Sweep a few times per retention period, at most once a minute and at
   * least once a second. */
  r->every_ms = (uint64_t)(r->keep_ms / 4);
  if (r->every_ms > 60000)
    r->every_ms = 60000;
  if (r->every_ms < 1000)
    r->every_ms = 1000;
  uv_timer_init(sd_engine_loop(eng), &r->timer);
  r->timer.data = r;
  /* Unreferenced: a pending sweep never keeps the loop alive. */
  uv_unref((uv_handle_t *)&r->timer);
  uv_timer_start(&r->timer, on_timer, r->every_ms, r->every_ms);
  return r;
}

static void on_timer_closed(uv_handle_t *h) {
  struct sd_retention *r = h->data;
  r->timer_closed = true;
  maybe_free(r);
}

void sd_retention_close(struct sd_retention *r) {
  if (r == NULL || r->closing)
    return;
  r->closing = true;
  uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}
