/* The registry's index of executions by ARN (server/registry_index.c),
 * through the registry itself: thousands of records added and removed in
 * a scrambled order (removal moves the last record into the hole and
 * shifts probe chains back), every lookup checked against what should be
 * there after each step. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "server/registry.h"

#define N 3000

static char *arn_of(int i) {
  return sd_asprintf("arn:aws:states:us-east-1:123456789012:execution:M:x%d", i);
}

/* Every record i is found iff live[i], and is the one added for i. */
static int check(struct sd_registry *r, struct sd_reg_exec **recs, const bool *live) {
  size_t n = 0;
  for (int i = 0; i < N; i++) {
    char *arn = arn_of(i);
    struct sd_reg_exec *x = sd_registry_exec(r, arn);
    free(arn);
    if (live[i]) {
      ASSERT(x == recs[i]);
      n++;
    } else {
      ASSERT(x == NULL);
    }
  }
  ASSERT_INT_EQ(sd_registry_exec_count(r), n);
  return 0;
}

TEST(exec_index_survives_adds_and_removals) {
  struct sd_registry *r = sd_registry_new();
  struct sd_reg_exec **recs = sd_xcalloc(N, sizeof *recs);
  bool *live = sd_xcalloc(N, sizeof *live);
  for (int i = 0; i < N; i++) {
    struct sd_reg_exec x = { .arn = arn_of(i), .name = sd_asprintf("x%d", i), .status = SD_EXEC_SUCCEEDED };
    recs[i] = sd_registry_exec_add(r, &x);
    live[i] = true;
  }
  ASSERT(check(r, recs, live) == 0);
  /* Every third, then every other, in a scrambled order. */
  for (int step = 0; step < 2; step++) {
    for (int k = 0; k < N; k++) {
      int i = (k * 1237) % N;
      if (live[i] && i % (step == 0 ? 3 : 2) == 0) {
        sd_registry_exec_remove(r, recs[i]);
        live[i] = false;
      }
    }
    ASSERT(check(r, recs, live) == 0);
  }
  /* Added again after the removals: the same ARNs find the new records. */
  for (int i = 0; i < N; i += 6) {
    struct sd_reg_exec x = { .arn = arn_of(i), .name = sd_asprintf("x%d", i), .status = SD_EXEC_SUCCEEDED };
    recs[i] = sd_registry_exec_add(r, &x);
    live[i] = true;
  }
  ASSERT(check(r, recs, live) == 0);
  free(recs);
  free(live);
  sd_registry_free(r);
  return 0;
}
