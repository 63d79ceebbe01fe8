/* StartExecution's name check, off the loop thread: whether a name given
 * for a STANDARD execution is taken by an execution the registry does not
 * hold (one of an earlier run, or closed and recorded). The registry
 * answers for the executions it holds; the rest is one index probe of the
 * store, on a libuv worker through the read handle (api->reader), so the
 * loop thread never steps SQLite for it (STYLE.md §6). Shared by
 * StartExecution, nested executions and schedules. Not for: deciding what
 * a taken name means (sd_api_exec_begin).
 *
 * No writer barrier is needed first: a row the writer has not committed
 * yet belongs to an execution the registry holds (its record goes only
 * once its last row is committed), and the read handle sees every commit.
 *
 * Checks of one ARN in flight at the same time share one read, and their
 * callbacks run one after the other in the order the checks were made:
 * the first may start the execution, and the others then find it in the
 * registry, where sd_api_exec_begin looks first. Without that, two
 * requests with the same name could both read "absent" and both start. */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"

struct waiter {
  struct waiter *next;
  sd_api_name_fn cb;
  void *data;
};

/* One ARN being checked. */
struct sd_api_claim {
  struct sd_api *api;
  struct sd_api_claim *prev, *next; /* api->claims */
  char *arn;                        /* owned */
  struct waiter *head, **tail;      /* owned; in the order the checks were made */
  uv_work_t work;
  bool taken;
  int status;
  struct sd_err err;
};

char *sd_api_exec_arn_for(const struct sd_api *api, const char *machine_arn, const char *name) {
  /* arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|ALIAS] */
  const char *p = machine_arn;
  for (int i = 0; i < 6 && p != NULL; i++) {
    p = strchr(p, ':');
    p = p ? p + 1 : NULL;
  }
  if (p == NULL)
    return NULL;
  const char *end = strchr(p, ':');
  size_t len = end ? (size_t)(end - p) : strlen(p);
  return sd_asprintf("arn:aws:states:%s:%s:execution:%.*s:%s", api->region, api->account, (int)len, p, name);
}

static void claim_unlink(struct sd_api_claim *cl) {
  struct sd_api *api = cl->api;
  if (cl->prev != NULL)
    cl->prev->next = cl->next;
  else
    api->claims = cl->next;
  if (cl->next != NULL)
    cl->next->prev = cl->prev;
}

/* Answers every check of the claim, in order, then frees it. The claim
 * leaves the list first: a callback that checks the same ARN again (it
 * should not need to) makes a new claim rather than join a finished one. */
static void claim_resolve(struct sd_api_claim *cl) {
  claim_unlink(cl);
  if (cl->status != 0)
    sd_log(SD_LOG_ERROR, "name check of %s: %s", cl->arn, cl->err.cause ? cl->err.cause : "the read failed");
  while (cl->head != NULL) {
    struct waiter *w = cl->head;
    cl->head = w->next;
    w->cb(w->data, cl->taken, cl->status);
    free(w);
  }
  sd_err_clear(&cl->err);
  free(cl->arn);
  free(cl);
}

static void claim_read(struct sd_api_claim *cl, struct sd_store *s) {
  int64_t id = 0;
  cl->status = sd_store_exec_find(s, cl->arn, &id, &cl->err);
  cl->taken = cl->status == 0 && id != 0;
}

static void read_work(uv_work_t *req) {
  struct sd_api_claim *cl = req->data;
  claim_read(cl, cl->api->reader);
}

static void read_done(uv_work_t *req, int status) {
  struct sd_api_claim *cl = req->data;
  if (status != 0 && cl->status == 0)
    cl->status = -1; /* cancelled */
  claim_resolve(cl);
}

/* :memory: has no second handle: the read runs inside a barrier through
 * the engine's, which no write holds then (an in-memory probe costs the
 * loop little). */
static void read_in_barrier(void *data, int status) {
  struct sd_api_claim *cl = data;
  if (status != 0)
    cl->status = -1;
  else
    claim_read(cl, cl->api->store);
  claim_resolve(cl);
}

void sd_api_exec_name_check(struct sd_api *api, const char *arn, sd_api_name_fn cb, void *data) {
  struct waiter *w = sd_xcalloc(1, sizeof *w);
  w->cb = cb;
  w->data = data;
  for (struct sd_api_claim *cl = api->claims; cl != NULL; cl = cl->next)
    if (strcmp(cl->arn, arn) == 0) {
      *cl->tail = w;
      cl->tail = &w->next;
      return;
    }
  struct sd_api_claim *cl = sd_xcalloc(1, sizeof *cl);
  cl->api = api;
  cl->arn = sd_xstrdup(arn);
  cl->head = w;
  cl->tail = &w->next;
  cl->next = api->claims;
  if (api->claims != NULL)
    api->claims->prev = cl;
  api->claims = cl;
  if (api->reader == NULL) {
    sd_engine_flush(api->eng, read_in_barrier, cl);
    return;
  }
  cl->work.data = cl;
  uv_queue_work(sd_engine_loop(api->eng), &cl->work, read_work, read_done);
}
