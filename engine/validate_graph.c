/* Transitions of each (sub-)machine: targets that exist in the same machine
 * (a Next cannot leave a Parallel branch or a Map's ItemProcessor), states
 * that StartAt cannot reach, a machine without any terminal state, and
 * states from which no terminal state can be reached.
 *
 * AWS's words, as it reports them (quoted in public reports of its answers):
 *   MISSING_TRANSITION_TARGET "Missing 'Next' target: X"     at the field
 *   MISSING_TRANSITION_TARGET "State \"X\" is not reachable." at the state
 *   MISSING_END_STATE         "Workflow has no terminal state" (no location)
 * and a machine without a terminal state gets only the latter, not the
 * unreachable states too. A reachable state that can never finish (a loop
 * with no exit) is legal on AWS, so it is only a warning here. */
#include "engine/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/str.h"
#include "engine/validate_impl.h"

/* Names are borrowed from the definition, which outlives every scope (they
 * are freed before validate returns). */
struct sd_vd_edge {
  size_t from;
  const char *to;    /* borrowed */
  const char *field; /* "Next", "Default"; static, NULL for none */
  size_t sub;        /* offset in the scope's subs of the path from the state to the field, or NO_SUB */
};

/* An edge written in the state itself ("/Next", "/Default"), not inside
 * a Catch or a Choice rule. */
#define NO_SUB SIZE_MAX

/* A name of the definition's name table (ctx->names). Names are unique
 * across the definition, and transitions are judged only in a definition
 * without errors, so the one table answers both "is this name taken" while
 * walking and "which state of this machine is the target" after it, and
 * each name is hashed once. The names lie in the order met; the hash
 * slots (ctx->name_slots) hold their positions + 1, so that the block
 * zeroed when the table grows is 4 bytes a slot, not a name's 32. */
struct sd_vd_name {
  const char *name; /* borrowed */
  uint64_t hash;    /* sd_str_hash(name), kept for growing the table */
  struct sd_vd_scope *scope;
  size_t index; /* position in scope */
};

/* A scope and its arrays are one allocation (a Parallel of fifty
 * branches made fifty times four). */
struct sd_vd_scope {
  char *ptr;          /* the machine's pointer ("" for the root); in the block */
  const char *start;  /* StartAt; borrowed, NULL when absent */
  const char **names; /* by position; in the block, the names borrowed */
  bool *terminal;     /* in the block */
  size_t n;
  struct sd_vd_edge *edges; /* owned */
  size_t nedges, capedges;
  /* An edge's pointer is needed only for a diagnostic, which few get: it
   * is rebuilt then from the state's name, this path below the state
   * ("/Catch/0", "/Choices/2"; NUL-separated, one buffer) and the field.
   * Copying every edge's whole pointer cost a tenth of validating a
   * 1,000-state chain. */
  struct sd_buf subs;
};

/* Puts name i of c->names into `slots` (cap of them). */
static void names_put(const struct sd_vd_ctx *c, uint32_t *slots, size_t cap, size_t i) {
  size_t h = (size_t)c->names[i].hash & (cap - 1);
  while (slots[h] != 0)
    h = (h + 1) & (cap - 1);
  slots[h] = (uint32_t)i + 1;
}

/* Makes room for n more names, keeping the table at most half full so
 * that probes stay short and always end: a machine's states at once, not
 * a doubling every few states. */
static void names_reserve(struct sd_vd_ctx *c, size_t n) {
  if (2 * (c->nnames + n) <= c->names_cap)
    return;
  size_t cap = c->names_cap ? c->names_cap : 16;
  while (2 * (c->nnames + n) > cap)
    cap *= 2;
  /* Half as many names as slots, at most. */
  c->names = sd_xrealloc(c->names, cap / 2 * sizeof *c->names);
  uint32_t *slots = sd_xcalloc(cap, sizeof *slots);
  for (size_t i = 0; i < c->nnames; i++)
    names_put(c, slots, cap, i);
  free(c->name_slots);
  c->name_slots = slots;
  c->names_cap = cap;
}

/* The slot holding `name` (hash h), or NULL. */
static const struct sd_vd_name *names_find(const struct sd_vd_ctx *c, const char *name, uint64_t h) {
  size_t mask = c->names_cap - 1;
  for (size_t i = c->names_cap ? (size_t)h & mask : 0; c->names_cap && c->name_slots[i] != 0;
       i = (i + 1) & mask) {
    const struct sd_vd_name *e = &c->names[c->name_slots[i] - 1];
    if (e->hash == h && strcmp(e->name, name) == 0)
      return e;
  }
  return NULL;
}

bool sd_vd_scope_add(struct sd_vd_ctx *c, struct sd_vd_scope *s, size_t index, const char *name) {
  s->names[index] = name;
  uint64_t h = sd_str_hash(name);
  if (names_find(c, name, h) != NULL)
    return false;
  names_reserve(c, 1);
  c->names[c->nnames] = (struct sd_vd_name){ name, h, s, index };
  names_put(c, c->name_slots, c->names_cap, c->nnames++);
  return true;
}

struct sd_vd_scope *sd_vd_scope_new(struct sd_vd_ctx *c, size_t n, const char *start) {
  /* The struct, then names, terminal and ptr: each part's alignment is
   * at most the one before it. Names are left for sd_vd_scope_add. */
  struct sd_vd_scope *s =
      sd_xmalloc(sizeof *s + n * sizeof *s->names + n * sizeof *s->terminal + c->ptr.len + 1);
  *s = (struct sd_vd_scope){ .start = start, .n = n };
  s->names = (const char **)(void *)(s + 1);
  s->terminal = (bool *)(void *)(s->names + n);
  s->ptr = (char *)(s->terminal + n);
  memset(s->terminal, 0, n * sizeof *s->terminal);
  memcpy(s->ptr, c->ptr.len ? c->ptr.data : "", c->ptr.len + 1);
  names_reserve(c, n);
  if (c->nscopes == c->capscopes) {
    c->capscopes = c->capscopes ? c->capscopes * 2 : 8;
    c->scopes = sd_xrealloc(c->scopes, c->capscopes * sizeof *c->scopes);
  }
  c->scopes[c->nscopes++] = s;
  return s;
}

void sd_vd_scope_terminal(struct sd_vd_scope *s, size_t index) {
  if (index < s->n)
    s->terminal[index] = true;
}

void sd_vd_scope_edge(struct sd_vd_ctx *c, struct sd_vd_scope *s, size_t index, const char *target,
                      const char *field) {
  if (s->nedges == s->capedges) {
    s->capedges = s->capedges ? s->capedges * 2 : 16;
    s->edges = sd_xrealloc(s->edges, s->capedges * sizeof *s->edges);
  }
  struct sd_vd_edge *e = &s->edges[s->nedges++];
  *e = (struct sd_vd_edge){ index, target, field, NO_SUB };
  size_t below = c->ptr.len - c->state_len;
  if (below > 0) {
    e->sub = s->subs.len;
    sd_buf_add(&s->subs, c->ptr.data + c->state_len, below);
    sd_buf_putc(&s->subs, '\0');
  }
}

/* The position in s of the state named `name` (may be NULL), or -1 when
 * no state of this machine has that name. */
static long target_index(const struct sd_vd_ctx *c, const struct sd_vd_scope *s, const char *name) {
  const struct sd_vd_name *e = name != NULL ? names_find(c, name, sd_str_hash(name)) : NULL;
  return e != NULL && e->scope == s ? (long)e->index : -1;
}

/* Adjacency lists of a machine, forward or backward, in CSR form: the
 * neighbours of state i are adj[first[i] .. first[i + 1]). Machines can hold
 * thousands of states; this keeps the walks linear. */
struct sd_vd_adj {
  size_t *first; /* n + 1 entries; owned */
  size_t *adj;   /* owned */
};

/* `first` (n + 2 entries) is zeroed by the caller, `adj` (nedges + 1) is
 * filled here. The counts go two places up, so that after the sums
 * first[a + 1] is where state a's list starts, and placing a neighbour
 * moves it on to where a's list ends, i.e. where a + 1's starts: no
 * second array of positions to zero. */
static void adj_build(const struct sd_vd_scope *s, const long *to, bool forward, struct sd_vd_adj *g) {
  for (size_t e = 0; e < s->nedges; e++)
    if (to[e] >= 0)
      g->first[(forward ? s->edges[e].from : (size_t)to[e]) + 2]++;
  for (size_t i = 0; i < s->n; i++)
    g->first[i + 1] += g->first[i];
  for (size_t e = 0; e < s->nedges; e++) {
    if (to[e] < 0)
      continue;
    size_t a = forward ? s->edges[e].from : (size_t)to[e];
    size_t b = forward ? (size_t)to[e] : s->edges[e].from;
    g->adj[g->first[a + 1]++] = b;
  }
}

/* Marks everything reachable from the states already on the work list. */
static void flood(const struct sd_vd_adj *g, bool *mark, size_t *work, size_t nwork) {
  while (nwork > 0) {
    size_t at = work[--nwork];
    for (size_t k = g->first[at]; k < g->first[at + 1]; k++) {
      size_t b = g->adj[k];
      if (!mark[b]) {
        mark[b] = true;
        work[nwork++] = b;
      }
    }
  }
}

static void state_loc(struct sd_buf *b, const struct sd_vd_scope *s, size_t i) {
  b->len = 0;
  sd_buf_puts(b, s->ptr);
  sd_buf_puts(b, "/States/");
  sd_vd_ptr_append(b, s->names[i]);
}

/* The pointer of edge e, as it was when the edge was written. */
static void edge_loc(struct sd_buf *b, const struct sd_vd_scope *s, const struct sd_vd_edge *e) {
  state_loc(b, s, e->from);
  if (e->sub != NO_SUB)
    sd_buf_puts(b, s->subs.data + e->sub);
  if (e->field != NULL) {
    sd_buf_putc(b, '/');
    sd_vd_ptr_append(b, e->field);
  }
}

static void check_scope(struct sd_vd_ctx *c, const struct sd_vd_scope *s) {
  struct sd_buf loc = { 0 };
  /* The walks' arrays in one block (a Parallel's fifty branches made
   * fifty times eight allocations): the size_t ones first, then `to`, then
   * the flags. Only the counts and the flags start at zero; the rest is
   * written before it is read, and zeroing it all was most of the cost of
   * the block. */
  size_t n = s->n, ne = s->nedges;
  size_t words = 2 * (n + 2) + 2 * (ne + 1) + (n + 1);
  size_t *blk = sd_xmalloc(words * sizeof(size_t) + (ne + 1) * sizeof(long) + 2 * (n + 1) * sizeof(bool));
  struct sd_vd_adj fwd = { blk, blk + (n + 2) }, bwd = { fwd.adj + (ne + 1), fwd.adj + (ne + 1) + (n + 2) };
  size_t *work = bwd.adj + (ne + 1);
  long *to = (long *)(void *)(work + (n + 1));
  bool *reached = (bool *)(void *)(to + (ne + 1)), *finishes = reached + (n + 1);
  memset(fwd.first, 0, (n + 2) * sizeof *fwd.first);
  memset(bwd.first, 0, (n + 2) * sizeof *bwd.first);
  memset(reached, 0, 2 * (n + 1) * sizeof *reached);
  bool dangling = false;
  for (size_t e = 0; e < s->nedges; e++)
    if ((to[e] = target_index(c, s, s->edges[e].to)) < 0) {
      edge_loc(&loc, s, &s->edges[e]);
      sd_vd_diag(c, SD_VD_ERROR, SD_VD_MISSING_TARGET, loc.data, "Missing 'Next' target: %s", s->edges[e].to);
      dangling = true;
    }
  long start = target_index(c, s, s->start);
  if (s->start != NULL && start < 0) {
    loc.len = 0;
    sd_buf_printf(&loc, "%s/StartAt", s->ptr);
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_MISSING_TARGET, loc.data, "Missing 'Next' target: %s", s->start);
  }
  bool any_terminal = false;
  for (size_t i = 0; i < s->n; i++)
    any_terminal = any_terminal || s->terminal[i];
  if (!any_terminal && s->n > 0) {
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_MISSING_END, s->ptr[0] ? s->ptr : NULL,
               "Workflow has no terminal state");
    sd_buf_free(&loc);
    free(blk);
    return;
  }
  adj_build(s, to, true, &fwd);
  adj_build(s, to, false, &bwd);
  size_t nwork = 0;
  if (start >= 0) {
    reached[start] = true;
    work[nwork++] = (size_t)start;
  }
  flood(&fwd, reached, work, nwork);
  nwork = 0;
  for (size_t i = 0; i < s->n; i++)
    if (s->terminal[i]) {
      finishes[i] = true;
      work[nwork++] = i;
    }
  flood(&bwd, finishes, work, nwork);
  /* A state's pointer is built only for a diagnostic: most states get none. */
  for (size_t i = 0; i < s->n; i++) {
    if (!reached[i]) {
      state_loc(&loc, s, i);
      sd_vd_diag(c, SD_VD_ERROR, SD_VD_MISSING_TARGET, loc.data, "State \"%s\" is not reachable.",
                 s->names[i]);
    } else if (!finishes[i] && !dangling) { /* a fixed target may well be the way out */
      state_loc(&loc, s, i);
      sd_vd_diag(c, SD_VD_WARNING, SD_VD_NO_END_PATH, loc.data,
                 "State \"%s\" has no path to a terminal state", s->names[i]);
    }
  }
  free(blk);
  sd_buf_free(&loc);
}

void sd_vd_graph_check(struct sd_vd_ctx *c) {
  for (size_t i = 0; i < c->nscopes; i++)
    check_scope(c, c->scopes[i]);
}

void sd_vd_scopes_free(struct sd_vd_ctx *c) {
  for (size_t i = 0; i < c->nscopes; i++) {
    struct sd_vd_scope *s = c->scopes[i];
    sd_buf_free(&s->subs);
    free(s->edges);
    free(s);
  }
  free(c->scopes);
  c->scopes = NULL;
  free(c->names);
  free(c->name_slots);
  c->names = NULL;
  c->name_slots = NULL;
  c->names_cap = c->nnames = 0;
  c->nscopes = c->capscopes = 0;
}
