/* The engine's clock and timers. Engine time is wall-clock time plus an
 * offset that only grows: with --wait-scale below 1 a timer fires early (or,
 * at 0, as soon as nothing else can happen) and the clock jumps to its due
 * time, so every timer still fires in the order of its due time and the
 * history shows the time the definition asked for. One uv_timer_t serves a
 * binary heap of timers, so 100,000 parked Wait states cost one libuv
 * handle. */
#include "engine/exec_int.h"

#include <stdlib.h>
#include <sys/time.h>

#include "engine/alloc.h"

static int64_t wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t sd_engine_now(struct sd_engine *eng) {
  return eng->epoch_base + (int64_t)(uv_now(eng->loop) - eng->uv_base) + eng->offset;
}

static bool before(const struct sd_timer *a, const struct sd_timer *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_swap(struct sd_engine *eng, size_t i, size_t j) {
  struct sd_timer *t = eng->heap[i];
  eng->heap[i] = eng->heap[j];
  eng->heap[j] = t;
  eng->heap[i]->hidx = i;
  eng->heap[j]->hidx = j;
}

static void sift_up(struct sd_engine *eng, size_t i) {
  while (i > 0 && before(eng->heap[i], eng->heap[(i - 1) / 2])) {
    heap_swap(eng, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void sift_down(struct sd_engine *eng, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < eng->nheap && before(eng->heap[l], eng->heap[m]))
      m = l;
    if (r < eng->nheap && before(eng->heap[r], eng->heap[m]))
      m = r;
    if (m == i)
      return;
    heap_swap(eng, i, m);
    i = m;
  }
}

struct sd_timer *sd_clock_add(struct sd_engine *eng, int64_t due, struct sd_frame *f, int tag) {
  struct sd_timer *t = sd_xcalloc(1, sizeof *t);
  t->due = due;
  t->seq = eng->timer_seq++;
  t->frame = f;
  t->tag = tag;
  if (eng->nheap == eng->capheap) {
    eng->capheap = eng->capheap ? eng->capheap * 2 : 64;
    eng->heap = sd_xrealloc(eng->heap, eng->capheap * sizeof *eng->heap);
  }
  t->hidx = eng->nheap;
  eng->heap[eng->nheap++] = t;
  sift_up(eng, t->hidx);
  sd_clock_rearm(eng);
  return t;
}

void sd_clock_remove(struct sd_engine *eng, struct sd_timer *t) {
  size_t i = t->hidx;
  eng->nheap--;
  if (i != eng->nheap) {
    eng->heap[i] = eng->heap[eng->nheap];
    eng->heap[i]->hidx = i;
    sift_down(eng, i);
    sift_up(eng, i);
  }
  free(t);
  sd_clock_rearm(eng);
}

/* Fires the earliest timer: the clock jumps to its due time if it came
 * early. The timer's frame gets a wake in the run queue. */
static void fire_one(struct sd_engine *eng) {
  struct sd_timer *t = eng->heap[0];
  int64_t now = sd_engine_now(eng);
  if (t->due > now)
    eng->offset += t->due - now;
  eng->nheap--;
  if (eng->nheap > 0) {
    eng->heap[0] = eng->heap[eng->nheap];
    eng->heap[0]->hidx = 0;
    sift_down(eng, 0);
  }
  struct sd_frame *f = t->frame;
  if (t->tag == SD_TAG_EXEC_TIMEOUT)
    f->exec->timeout = NULL;
  /* Unlink from the frame's list before delivering. */
  for (struct sd_timer **pp = &f->timers; *pp != NULL; pp = &(*pp)->fnext) {
    if (*pp == t) {
      *pp = t->fnext;
      break;
    }
  }
  struct sd_rec *r = sd_rec_new(f, REC_WAKE);
  r->epoch = t->epoch;
  r->wake.kind = SD_WAKE_TIMER;
  r->wake.timer_tag = t->tag;
  free(t);
  sd_rq_push(eng, r, false);
}

static void on_timer(uv_timer_t *h) {
  struct sd_engine *eng = h->data;
  if (eng->nheap == 0)
    return;
  /* In instant mode time moves only when nothing else can happen; the run
   * queue re-arms the timer when it drains. */
  if (eng->wait_scale <= 0 && eng->rq_head != NULL)
    return;
  int64_t due = eng->heap[0]->due;
  fire_one(eng);
  /* Timers due at the same instant fire together, in order. */
  while (eng->nheap > 0 && eng->heap[0]->due <= due)
    fire_one(eng);
  sd_clock_rearm(eng);
}

void sd_clock_rearm(struct sd_engine *eng) {
  if (eng->closing)
    return;
  if (eng->nheap == 0) {
    uv_timer_stop(&eng->timer);
    return;
  }
  int64_t wait = eng->heap[0]->due - sd_engine_now(eng);
  if (wait < 0)
    wait = 0;
  if (eng->wait_scale <= 0) {
    /* Instant mode: time moves only when nothing else can happen. While a
     * real call is in flight the clock runs at normal speed, so a hung call
     * still times out. */
    if (eng->rq_head != NULL) {
      uv_timer_stop(&eng->timer); /* re-armed when the run queue drains */
      return;
    }
    if (eng->inflight == 0)
      wait = 0;
  } else if (eng->wait_scale != 1) {
    wait = (int64_t)((double)wait * eng->wait_scale);
  }
  uv_timer_start(&eng->timer, on_timer, (uint64_t)wait, 0);
}

void sd_clock_init(struct sd_engine *eng) {
  uv_timer_init(eng->loop, &eng->timer);
  eng->timer.data = eng;
  uv_update_time(eng->loop);
  eng->epoch_base = wall_ms();
  eng->uv_base = uv_now(eng->loop);
}

void sd_frame_timer_at(struct sd_frame *f, int64_t due_ms, int tag) {
  struct sd_engine *eng = f->exec->eng;
  struct sd_timer *t = sd_clock_add(eng, due_ms, f, tag);
  t->epoch = f->epoch;
  t->fnext = f->timers;
  f->timers = t;
}

void sd_frame_timer(struct sd_frame *f, double seconds, int tag) {
  if (seconds < 0)
    seconds = 0;
  sd_frame_timer_at(f, sd_engine_now(f->exec->eng) + (int64_t)(seconds * 1000.0 + 0.5), tag);
}

void sd_frame_timers_clear(struct sd_frame *f) {
  struct sd_timer *t = f->timers;
  f->timers = NULL;
  while (t != NULL) {
    struct sd_timer *n = t->fnext;
    sd_clock_remove(f->exec->eng, t);
    t = n;
  }
}
