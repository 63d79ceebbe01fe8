/* stepd's entry point: dispatches to a command. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "engine/alloc.h"
#include "engine/json_arena.h"

static const char usage[] =
    "usage: stepd <command> [options]\n"
    "\n"
    "commands:\n"
    "  run DEFINITION        run one execution and print its output\n"
    "  schedule              preview schedule expressions; manage a server's schedules\n"
    "  serve                 serve the Step Functions API over HTTP\n"
    "  validate DEFINITION   check a definition, print diagnostics\n"
    "  eval                  evaluate a JSONPath or intrinsic function\n"
    "  start                 start an execution on a server (--wait: follow it)\n"
    "  executions            list|describe|history|stop executions on a server\n"
    "  state-machines        list|describe|create|update|delete state machines\n"
    "\n"
    "stepd COMMAND --help for a command's options; stepd --version.\n";

struct cmd {
  const char *name;
  int (*fn)(int argc, char **argv);
};

static const struct cmd cmds[] = {
  { "eval", sd_cli_eval },         { "executions", sd_cli_executions }, { "run", sd_cli_run },
  { "serve", sd_cli_serve },       { "start", sd_cli_start },           { "state-machines", sd_cli_machines },
  { "schedule", sd_cli_schedule }, { "validate", sd_cli_validate },
};

int main(int argc, char **argv) {
#ifdef SD_FREE_AT_EXIT
  json_set_alloc_funcs(sd_xmalloc, free); /* every value a leak checker can see */
#else
  /* `stepd run` reads its definition into an arena (engine/json_arena.h). */
  json_set_alloc_funcs(sd_json_arena_malloc, sd_json_arena_free);
#endif
  if (argc < 2) {
    fputs(usage, stderr);
    return SD_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage, stdout);
    return SD_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("stepd %s\n", SD_VERSION);
    return SD_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "stepd: unknown command '%s'\n\n%s", argv[1], usage);
  return SD_EXIT_USAGE;
}
