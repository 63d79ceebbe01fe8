/* The Choice state: picks the next state by the first Choice Rule that
 * matches the effective input, else Default. Its rules are compiled once
 * (choice_rules.c) and its Next / Default names resolved to indices here.
 * Data flow is InputPath, then OutputPath on the same value: a Choice has
 * no Parameters, ResultSelector nor ResultPath. Not for: JSONata Conditions
 * (the engine refuses JSONata states before they get here). */
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "states/choice_rules.h"

/* A Choice that matches nothing and has no Default fails with
 * States.NoChoiceMatched, the name the ASL specification reserves for it
 * ("A Choice state failed to find a match for the condition field extracted
 * from its input"), as the issue asks. The cause is the one LocalStack's
 * AWS-validated interpreter gives; the recorded corpus has no such case. */
#define NO_MATCH_CAUSE "No Matches!"

struct choice_branch {
  struct sd_choice_rule *rule; /* owned */
  int next;                    /* state index */
};

struct choice {
  struct choice_branch *branches; /* owned; in definition order */
  size_t nbranches;
  int default_next; /* state index; -1 when there is no Default */
};

static void choice_priv_free(struct choice *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->nbranches; i++)
    sd_choice_rule_free(c->branches[i].rule);
  free(c->branches);
  free(c);
}

/* Resolves a transition target named in `name` (borrowed JSON) at `where`. */
static int resolve(struct sd_state *st, json_t *name, const char *where, const char *field, int *out,
                   struct sd_err *err) {
  if (!json_is_string(name)) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be a state name", field);
  } else if ((*out = sd_asl_find(st->machine, json_string_value(name))) < 0) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "Missing '%s' target: %s", field, json_string_value(name));
  } else {
    return 0;
  }
  sd_err_set_where(err, "%s", where);
  return -1;
}

static int compile_branch(struct sd_state *st, json_t *def, size_t i, struct choice_branch *b,
                          struct sd_err *err) {
  char *ptr = sd_asprintf("%s/Choices/%zu", st->ptr, i);
  char *next_ptr = sd_asprintf("%s/Next", ptr);
  int rc = -1;
  b->rule = sd_choice_rule_compile(def, ptr, true, err);
  if (b->rule != NULL) {
    json_t *next = json_object_get(def, "Next");
    if (next == NULL) {
      sd_err_set(err, SD_E_INVALID_DEFINITION, "%s",
                 "a Choice Rule at the top of Choices needs a Next field");
      sd_err_set_where(err, "%s", ptr);
    } else {
      rc = resolve(st, next, next_ptr, "Next", &b->next, err);
    }
  }
  free(next_ptr);
  free(ptr);
  return rc;
}

/* Fills st->priv only once everything compiled, so that a failure leaves
 * nothing for choice_free to find half-built. */
static int choice_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  json_t *choices = json_object_get(st->def, "Choices");
  if (!json_is_array(choices) || json_array_size(choices) == 0) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "%s", "Choices must be a non-empty array of Choice Rules");
    sd_err_set_where(err, "%s", st->ptr);
    return -1;
  }
  struct choice *c = sd_xcalloc(1, sizeof *c);
  c->default_next = -1;
  c->branches = sd_xcalloc(json_array_size(choices), sizeof *c->branches);
  for (size_t i = 0; i < json_array_size(choices); i++) {
    c->nbranches = i + 1;
    if (compile_branch(st, json_array_get(choices, i), i, &c->branches[i], err) != 0) {
      choice_priv_free(c);
      return -1;
    }
  }
  json_t *dflt = json_object_get(st->def, "Default");
  if (dflt != NULL) {
    char *where = sd_asprintf("%s/Default", st->ptr);
    int rc = resolve(st, dflt, where, "Default", &c->default_next, err);
    free(where);
    if (rc != 0) {
      choice_priv_free(c);
      return -1;
    }
  }
  st->priv = c;
  return 0;
}

/* Evaluates the rules in order on `input` (borrowed). Returns the target
 * index, or -1 with err set (state context not yet added). */
static int choose(const struct choice *c, json_t *input, const struct sd_eval_env *env, struct sd_err *err) {
  for (size_t i = 0; i < c->nbranches; i++) {
    bool match;
    if (sd_choice_rule_eval(c->branches[i].rule, input, env, &match, err) != 0)
      return -1;
    if (match)
      return c->branches[i].next;
  }
  if (c->default_next < 0)
    sd_err_set(err, SD_E_NO_CHOICE_MATCHED, "%s", NO_MATCH_CAUSE);
  return c->default_next;
}

static enum sd_step choice_enter(struct sd_frame *f, struct sd_err *err) {
  const struct choice *c = f->st->priv;
  json_t *effective = sd_flow_input(f, err); /* new */
  if (effective == NULL)
    return SD_STEP_FAIL;
  int next = choose(c, effective, sd_frame_env(f), err);
  if (next < 0) {
    json_decref(effective);
    /* Rule errors are runtime errors of this state; no-match is not. */
    if (strcmp(err->name, SD_E_NO_CHOICE_MATCHED) != 0)
      sd_frame_err_in_state(f, err);
    return SD_STEP_FAIL;
  }
  f->next = next;
  /* ResultPath is absent, so the "result" is the effective input itself
   * and only OutputPath applies. */
  f->output = sd_flow_output(f, effective, err);
  return f->output != NULL ? SD_STEP_NEXT : SD_STEP_FAIL;
}

static void choice_free(struct sd_state *st) {
  choice_priv_free(st->priv);
  st->priv = NULL;
}

const struct sd_state_ops sd_state_choice = {
  .type = "Choice",
  .events = "Choice",
  .has_exited = true,
  .has_io = true,
  .compile = choice_compile, /* borrows st->def; fills st->priv */
  .enter = choice_enter,     /* sets f->next and f->output */
  .free = choice_free,
};
