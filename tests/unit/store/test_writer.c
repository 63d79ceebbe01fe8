/* The group-commit writer on a real libuv loop: rows appended over several
 * loop turns, barriers called back in order once their rows are
 * committed, close flushing, sticky failure, and a loop that ends by itself
 * once nothing is pending. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "engine/err.h"
#include "engine/store.h"
#include "engine/writer.h"
#include "runner.h"

#define ARN "arn:aws:states:us-east-1:123456789012:execution:M:w1"

struct fixture {
  uv_loop_t loop;
  struct sd_store *store;
  struct sd_writer *w;
  int64_t next_id;
  char log[512];    /* what the callbacks saw, in order */
  int close_status; /* -2 until the close callback ran */
  int fail;         /* a check inside a callback failed */
};

/* A loop and a store (in memory for a NULL path), without the writer. */
static void fx_open(struct fixture *fx, const char *path) {
  struct sd_err err = { 0 };
  memset(fx, 0, sizeof *fx);
  uv_loop_init(&fx->loop);
  fx->store = sd_store_open(path, &err);
  if (fx->store == NULL)
    abort();
  fx->close_status = -2;
}

static void fx_init(struct fixture *fx) {
  fx_open(fx, NULL);
  fx->w = sd_writer_new(&fx->loop, fx->store);
}

__attribute__((format(printf, 2, 3))) static void logf_(struct fixture *fx, const char *fmt, ...) {
  size_t n = strlen(fx->log);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(fx->log + n, sizeof fx->log - n, fmt, ap);
  va_end(ap);
}

static void add(struct fixture *fx, int n) {
  for (int i = 0; i < n; i++) {
    fx->next_id++;
    struct sd_store_event ev = {
      ARN, fx->next_id, fx->next_id - 1, 1700000000000 + fx->next_id, "PassStateEntered", NULL, NULL, 0
    };
    sd_writer_add_event(fx->w, &ev);
  }
}

/* Events committed so far for ARN (only between writes: see writer.h). */
static long committed(struct fixture *fx) {
  struct sd_err err = { 0 };
  json_t *h = sd_store_history(fx->store, ARN, 0, 0, false, &err);
  long n = h ? (long)json_array_size(h) : 0;
  json_decref(h);
  sd_err_clear(&err);
  return n;
}

static void on_closed(void *data, int status) {
  struct fixture *fx = data;
  fx->close_status = status;
  logf_(fx, "close:%d:%ld;", status, committed(fx));
}

/* Closes what is left and checks the loop ends clean. */
static int fx_finish(struct fixture *fx) {
  if (fx->close_status == -2) {
    sd_writer_close(fx->w, on_closed, fx);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
  }
  sd_store_close(fx->store);
  return uv_loop_close(&fx->loop);
}

struct tag {
  struct fixture *fx;
  long n;        /* the barrier's number */
  long expected; /* events that must be committed when it fires */
};

static void on_barrier(void *data, int status) {
  struct tag *t = data;
  logf_(t->fx, "b%ld:%d;", t->n, status);
  if (status == 0 && committed(t->fx) < t->expected) {
    fprintf(stderr, "barrier %ld: %ld committed, expected %ld\n", t->n, committed(t->fx), t->expected);
    t->fx->fail = 1;
  }
}

/* A timer plays the engine: each tick (one loop turn) appends a few events
 * and a barrier, for five turns. */
struct driver {
  uv_timer_t timer;
  struct fixture *fx;
  struct tag tags[8];
  int turn;
};

static void drive(uv_timer_t *t) {
  struct driver *d = t->data;
  add(d->fx, 3 + d->turn);
  d->tags[d->turn] = (struct tag){ d->fx, d->turn, d->fx->next_id };
  sd_writer_barrier(d->fx->w, on_barrier, &d->tags[d->turn]);
  if (sd_writer_pending(d->fx->w) < (size_t)(3 + d->turn))
    d->fx->fail = 1;
  if (++d->turn == 5)
    uv_close((uv_handle_t *)t, NULL);
}

TEST(writer_barriers_in_order_across_turns) {
  struct fixture fx;
  fx_init(&fx);
  struct driver d = { .fx = &fx };
  uv_timer_init(&fx.loop, &d.timer);
  d.timer.data = &d;
  uv_timer_start(&d.timer, drive, 0, 1);
  uv_run(&fx.loop, UV_RUN_DEFAULT); /* returns: nothing pending keeps it alive */
  ASSERT_INT_EQ(fx.fail, 0);
  ASSERT_STR_EQ(fx.log, "b0:0;b1:0;b2:0;b3:0;b4:0;");
  ASSERT_INT_EQ(committed(&fx), 3 + 4 + 5 + 6 + 7);
  ASSERT_INT_EQ(sd_writer_pending(fx.w), 0);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  ASSERT_STR_EQ(fx.log, "b0:0;b1:0;b2:0;b3:0;b4:0;close:0:25;");
  return 0;
}

/* Rows appended before uv_run even starts, and close right away: the
 * close callback comes after they are committed. */
TEST(writer_close_flushes) {
  struct fixture fx;
  fx_init(&fx);
  struct sd_store_exec row = { .arn = ARN, .name = "w1", .status = "RUNNING", .input = "{}" };
  sd_writer_put_exec(fx.w, &row);
  add(&fx, 10);
  ASSERT_INT_EQ(sd_writer_pending(fx.w), 11);
  sd_writer_close(fx.w, on_closed, &fx);
  ASSERT_INT_EQ(fx.close_status, -2); /* never from inside */
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_STR_EQ(fx.log, "close:0:10;");
  struct sd_err err = { 0 };
  json_t *r = sd_store_exec_get(fx.store, ARN, &err);
  ASSERT_STR_EQ(json_string_value(json_object_get(r, "status")), "RUNNING");
  json_decref(r);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}

/* A barrier with nothing pending is still called later, not inside; a
 * writer nobody uses does not keep the loop alive. */
TEST(writer_barrier_on_nothing) {
  struct fixture fx;
  fx_init(&fx);
  uv_run(&fx.loop, UV_RUN_DEFAULT); /* returns at once */
  struct tag t = { &fx, 1, 0 };
  sd_writer_barrier(fx.w, on_barrier, &t);
  ASSERT_STR_EQ(fx.log, "");
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_STR_EQ(fx.log, "b1:0;");
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}

/* Barriers made from barrier callbacks, with and without new rows, and a
 * close from the last of them. */
struct chain {
  struct fixture *fx;
  int step;
};

static void chain_cb(void *data, int status) {
  struct chain *c = data;
  struct fixture *fx = c->fx;
  logf_(fx, "c%d:%ld;", c->step, committed(fx));
  c->step++;
  if (c->step == 1) {
    add(fx, 2); /* then a barrier on them */
    sd_writer_barrier(fx->w, chain_cb, c);
  } else if (c->step == 2) {
    sd_writer_barrier(fx->w, chain_cb, c); /* on nothing */
  } else if (c->step == 3) {
    add(fx, 1);
    sd_writer_close(fx->w, on_closed, fx);
  }
}

TEST(writer_barrier_from_callback) {
  struct fixture fx;
  fx_init(&fx);
  struct chain c = { &fx, 0 };
  add(&fx, 1);
  sd_writer_barrier(fx.w, chain_cb, &c);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_STR_EQ(fx.log, "c0:1;c1:3;c2:3;close:0:4;");
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}

/* Rows appended while a write is in flight: a barrier made with nothing
 * pending waits for the write in flight, and one made after new rows
 * waits for the next write; order is kept. */
struct inflight {
  struct fixture *fx;
  struct tag t1, t2, t3;
  uv_check_t probe; /* runs after the writer's check: a write is then in flight */
};

static void probe_cb(uv_check_t *h) {
  struct inflight *s = h->data;
  uv_close((uv_handle_t *)h, NULL);
  if (sd_writer_pending(s->fx->w) != 5)
    s->fx->fail = 1;
  s->t2 = (struct tag){ s->fx, 2, 5 };
  sd_writer_barrier(s->fx->w, on_barrier, &s->t2);
  add(s->fx, 4);
  s->t3 = (struct tag){ s->fx, 3, 9 };
  sd_writer_barrier(s->fx->w, on_barrier, &s->t3);
}

TEST(writer_barrier_during_write) {
  struct fixture fx;
  fx_open(&fx, NULL);
  struct inflight s = { .fx = &fx };
  /* libuv runs the check handle started last first: start the probe before
   * the writer exists so that it runs after the writer's hand-off. */
  uv_check_init(&fx.loop, &s.probe);
  s.probe.data = &s;
  uv_check_start(&s.probe, probe_cb);
  fx.w = sd_writer_new(&fx.loop, fx.store);
  add(&fx, 5);
  s.t1 = (struct tag){ &fx, 1, 5 };
  sd_writer_barrier(fx.w, on_barrier, &s.t1);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_INT_EQ(fx.fail, 0);
  ASSERT_STR_EQ(fx.log, "b1:0;b2:0;b3:0;");
  ASSERT_INT_EQ(committed(&fx), 9);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}

/* sd_writer_idle_behind: true with enough rows and no write, and true again
 * as soon as the worker's write returns, before the loop has seen it (the
 * engine asks from inside a loop turn, to end the turn early). */
TEST(writer_idle_behind) {
  struct fixture fx;
  fx_init(&fx);
  add(&fx, 3);
  ASSERT(sd_writer_idle_behind(fx.w, 3));
  ASSERT(!sd_writer_idle_behind(fx.w, 4));
  uv_run(&fx.loop, UV_RUN_NOWAIT); /* one turn: the check hands the 3 rows off */
  add(&fx, 2);
  ASSERT_INT_EQ(sd_writer_pending(fx.w), 5);
  /* The loop does not run here, so only the worker can make this true. */
  int waited_ms = 0;
  while (!sd_writer_idle_behind(fx.w, 2) && waited_ms < 10000) {
    nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    waited_ms++;
  }
  ASSERT(sd_writer_idle_behind(fx.w, 2));
  ASSERT(!sd_writer_idle_behind(fx.w, 3));
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_INT_EQ(committed(&fx), 5);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}

/* A failed write fails its barriers, every later one, and the close. */
TEST(writer_failure_is_sticky) {
  struct fixture fx;
  fx_init(&fx);
  add(&fx, 3);
  struct tag t1 = { &fx, 1, 3 }, t2 = { &fx, 2, 0 }, t3 = { &fx, 3, 0 };
  sd_writer_barrier(fx.w, on_barrier, &t1);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  fx.next_id = 2; /* event 3 again: the write fails */
  add(&fx, 2);
  sd_writer_barrier(fx.w, on_barrier, &t2);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  fx.next_id = 100; /* fine on its own, but after a hole */
  add(&fx, 1);
  sd_writer_barrier(fx.w, on_barrier, &t3);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  ASSERT_STR_EQ(fx.log, "b1:0;b2:-1;b3:-1;close:-1:3;");
  return 0;
}

/* Many turns of appends against a file database: everything arrives, in
 * order, and the loop ends. */
struct many {
  uv_idle_t idle;
  struct fixture *fx;
  int turns;
};

static void many_turn(uv_idle_t *h) {
  struct many *m = h->data;
  add(m->fx, 7);
  if (++m->turns == 200) {
    uv_close((uv_handle_t *)h, NULL);
    sd_writer_close(m->fx->w, on_closed, m->fx);
  }
}

TEST(writer_many_turns_file) {
  char path[1100];
  snprintf(path, sizeof path, "%s/writer.db", sd_test_dir());
  struct fixture fx;
  fx_open(&fx, path);
  fx.w = sd_writer_new(&fx.loop, fx.store);
  struct many m = { .fx = &fx };
  uv_idle_init(&fx.loop, &m.idle);
  m.idle.data = &m;
  uv_idle_start(&m.idle, many_turn);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ASSERT_STR_EQ(fx.log, "close:0:1400;");
  struct sd_err err = { 0 };
  json_t *h = sd_store_history(fx.store, ARN, 0, 0, false, &err);
  for (size_t i = 0; i < json_array_size(h); i++)
    ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(h, i), "id")), i + 1);
  json_decref(h);
  ASSERT_INT_EQ(fx_finish(&fx), 0);
  return 0;
}
