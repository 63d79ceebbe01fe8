/* The task-token registry: which task call waits on which token, so that a
 * Task waiting for a callback (.waitForTaskToken, or an activity) can be
 * completed from outside the engine (SendTaskSuccess and friends). Also
 * remembers, for a while, the tokens whose task timed out, because AWS
 * answers those with TaskTimedOut rather than TaskDoesNotExist. Not for:
 * making tokens (sd_frame_task_token) or the API errors' wording (exec.c's
 * callers do that through task.c). */
#ifndef SD_ENGINE_TOKENS_H
#define SD_ENGINE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

struct sd_tokens;

/* What a token names. */
enum sd_token_state {
  SD_TOKEN_UNKNOWN,   /* never seen, or forgotten */
  SD_TOKEN_WAITING,   /* a live call waits on it */
  SD_TOKEN_TIMED_OUT, /* its task timed out (remembered for a while) */
};

struct sd_tokens *sd_tokens_new(void);
void sd_tokens_free(struct sd_tokens *t);

/* Registers `token` (copied) for `call` (borrowed). A token already present
 * is replaced. */
void sd_tokens_add(struct sd_tokens *t, const char *token, void *call);
/* The token's state; *call (may be NULL) gets the waiting call or NULL. */
enum sd_token_state sd_tokens_get(const struct sd_tokens *t, const char *token, void **call);
/* Forgets a waiting token; with `timed_out`, remembers that it timed out
 * (the oldest such memory goes once SD_TOKENS_TIMED_OUT_KEPT are kept). */
void sd_tokens_remove(struct sd_tokens *t, const char *token, bool timed_out);
/* Tokens with a live call. */
size_t sd_tokens_waiting(const struct sd_tokens *t);

/* How many timed-out tokens are remembered: enough for any worker that is
 * late by a few heartbeats, bounded so a long-running server does not grow. */
#define SD_TOKENS_TIMED_OUT_KEPT 4096

/* Whether `token` has the shape of a token this engine makes (64 lowercase
 * hex digits); anything else is AWS's InvalidToken. */
bool sd_tokens_well_formed(const char *token);

#endif
