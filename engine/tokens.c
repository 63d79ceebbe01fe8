/* The task-token registry (tokens.h): a chained hash table from token text
 * to a waiting call, plus a ring of the tokens whose task timed out. Tokens
 * are random, so their first bytes hash them well enough (FNV-1a anyway, so
 * a client-chosen string cannot pile up in one bucket more than chance
 * allows). */
#include "engine/tokens.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/str.h"

struct entry {
  struct entry *next;
  char *token;    /* owned */
  void *call;     /* borrowed; NULL once timed out */
  bool timed_out; /* kept only to answer TaskTimedOut */
};

struct sd_tokens {
  struct entry **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;    /* entries, both kinds */
  size_t waiting;  /* entries with a call */
  char **ring;     /* timed-out tokens, oldest first from ring_head; owned copies */
  size_t ring_head, ring_len;
};

struct sd_tokens *sd_tokens_new(void) {
  struct sd_tokens *t = sd_xcalloc(1, sizeof *t);
  t->nbuckets = 64;
  t->buckets = sd_xcalloc(t->nbuckets, sizeof *t->buckets);
  t->ring = sd_xcalloc(SD_TOKENS_TIMED_OUT_KEPT, sizeof *t->ring);
  return t;
}

void sd_tokens_free(struct sd_tokens *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->nbuckets; i++) {
    struct entry *e = t->buckets[i];
    while (e != NULL) {
      struct entry *n = e->next;
      free(e->token);
      free(e);
      e = n;
    }
  }
  for (size_t i = 0; i < t->ring_len; i++)
    free(t->ring[(t->ring_head + i) % SD_TOKENS_TIMED_OUT_KEPT]);
  free(t->ring);
  free(t->buckets);
  free(t);
}

static struct entry **find(const struct sd_tokens *t, const char *token) {
  struct entry **pp = &t->buckets[sd_str_hash(token) & (t->nbuckets - 1)];
  while (*pp != NULL && strcmp((*pp)->token, token) != 0)
    pp = &(*pp)->next;
  return pp;
}

/* Doubles the table once it holds more entries than buckets, so chains
 * stay short however many tasks wait. */
static void grow(struct sd_tokens *t) {
  size_t n = t->nbuckets * 2;
  struct entry **b = sd_xcalloc(n, sizeof *b);
  for (size_t i = 0; i < t->nbuckets; i++) {
    struct entry *e = t->buckets[i];
    while (e != NULL) {
      struct entry *next = e->next;
      size_t k = sd_str_hash(e->token) & (n - 1);
      e->next = b[k];
      b[k] = e;
      e = next;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->nbuckets = n;
}

static void unlink_entry(struct sd_tokens *t, struct entry **pp) {
  struct entry *e = *pp;
  *pp = e->next;
  if (e->call != NULL)
    t->waiting--;
  t->count--;
  free(e->token);
  free(e);
}

void sd_tokens_add(struct sd_tokens *t, const char *token, void *call) {
  struct entry **pp = find(t, token);
  if (*pp != NULL) {
    if ((*pp)->call == NULL)
      t->waiting++;
    (*pp)->call = call;
    (*pp)->timed_out = false;
    return;
  }
  struct entry *e = sd_xcalloc(1, sizeof *e);
  e->token = sd_xstrdup(token);
  e->call = call;
  e->next = *pp;
  *pp = e;
  t->count++;
  t->waiting++;
  if (t->count > t->nbuckets)
    grow(t);
}

enum sd_token_state sd_tokens_get(const struct sd_tokens *t, const char *token, void **call) {
  struct entry *e = *find(t, token);
  if (call != NULL)
    *call = e ? e->call : NULL;
  if (e == NULL)
    return SD_TOKEN_UNKNOWN;
  return e->call != NULL ? SD_TOKEN_WAITING : e->timed_out ? SD_TOKEN_TIMED_OUT : SD_TOKEN_UNKNOWN;
}

/* Remembers a timed-out token, forgetting the oldest when the ring is full
 * (its entry goes too, unless a new call took the token meanwhile). */
static void remember(struct sd_tokens *t, const char *token) {
  if (t->ring_len == SD_TOKENS_TIMED_OUT_KEPT) {
    char *old = t->ring[t->ring_head];
    struct entry **pp = find(t, old);
    if (*pp != NULL && (*pp)->call == NULL)
      unlink_entry(t, pp);
    free(old);
    t->ring_head = (t->ring_head + 1) % SD_TOKENS_TIMED_OUT_KEPT;
    t->ring_len--;
  }
  t->ring[(t->ring_head + t->ring_len) % SD_TOKENS_TIMED_OUT_KEPT] = sd_xstrdup(token);
  t->ring_len++;
}

void sd_tokens_remove(struct sd_tokens *t, const char *token, bool timed_out) {
  struct entry **pp = find(t, token);
  if (*pp == NULL || (*pp)->call == NULL)
    return;
  if (!timed_out) {
    unlink_entry(t, pp);
    return;
  }
  (*pp)->call = NULL;
  (*pp)->timed_out = true;
  t->waiting--;
  remember(t, token);
}

size_t sd_tokens_waiting(const struct sd_tokens *t) {
  return t->waiting;
}

bool sd_tokens_well_formed(const char *token) {
  size_t n = 0;
  for (; token[n] != '\0'; n++)
    if (!((token[n] >= '0' && token[n] <= '9') || (token[n] >= 'a' && token[n] <= 'f')))
      return false;
  return n == 64;
}
