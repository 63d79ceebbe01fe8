/* The task-token registry (engine/tokens.c): waiting, forgotten and
 * timed-out tokens, growth, and the bounded memory of timed-out ones. */
#include "runner.h"

#include <stdio.h>

#include "engine/tokens.h"

static void token_of(int i, char out[65]) {
  snprintf(out, 65, "%064x", i);
}

TEST(waiting_then_done_is_unknown) {
  struct sd_tokens *t = sd_tokens_new();
  int call = 0;
  char tok[65];
  token_of(7, tok);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_UNKNOWN);
  sd_tokens_add(t, tok, &call);
  void *got = NULL;
  ASSERT(sd_tokens_get(t, tok, &got) == SD_TOKEN_WAITING);
  ASSERT(got == &call);
  ASSERT(sd_tokens_waiting(t) == 1);
  sd_tokens_remove(t, tok, false);
  ASSERT(sd_tokens_get(t, tok, &got) == SD_TOKEN_UNKNOWN);
  ASSERT(got == NULL);
  ASSERT(sd_tokens_waiting(t) == 0);
  sd_tokens_free(t);
  return 0;
}

TEST(timed_out_is_remembered) {
  struct sd_tokens *t = sd_tokens_new();
  int call = 0;
  char tok[65];
  token_of(9, tok);
  sd_tokens_add(t, tok, &call);
  sd_tokens_remove(t, tok, true);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_TIMED_OUT);
  ASSERT(sd_tokens_waiting(t) == 0);
  /* Removing again (a late cancel) changes nothing. */
  sd_tokens_remove(t, tok, false);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_TIMED_OUT);
  sd_tokens_free(t);
  return 0;
}

TEST(many_tokens_grow_the_table) {
  struct sd_tokens *t = sd_tokens_new();
  static int calls[1000];
  char tok[65];
  for (int i = 0; i < 1000; i++) {
    token_of(i, tok);
    sd_tokens_add(t, tok, &calls[i]);
  }
  ASSERT(sd_tokens_waiting(t) == 1000);
  for (int i = 0; i < 1000; i++) {
    void *got;
    token_of(i, tok);
    ASSERT(sd_tokens_get(t, tok, &got) == SD_TOKEN_WAITING);
    ASSERT(got == &calls[i]);
  }
  sd_tokens_free(t);
  return 0;
}

TEST(oldest_timed_out_token_is_forgotten) {
  struct sd_tokens *t = sd_tokens_new();
  int call = 0;
  char tok[65];
  for (int i = 0; i <= SD_TOKENS_TIMED_OUT_KEPT; i++) {
    token_of(i, tok);
    sd_tokens_add(t, tok, &call);
    sd_tokens_remove(t, tok, true);
  }
  token_of(0, tok);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_UNKNOWN);
  token_of(1, tok);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_TIMED_OUT);
  token_of(SD_TOKENS_TIMED_OUT_KEPT, tok);
  ASSERT(sd_tokens_get(t, tok, NULL) == SD_TOKEN_TIMED_OUT);
  sd_tokens_free(t);
  return 0;
}

TEST(well_formed) {
  ASSERT(sd_tokens_well_formed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  ASSERT(!sd_tokens_well_formed("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
  ASSERT(!sd_tokens_well_formed("abc"));
  ASSERT(!sd_tokens_well_formed(""));
  ASSERT(!sd_tokens_well_formed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
  return 0;
}
