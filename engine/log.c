/* See log.h. Messages below the level are not even formatted. */
#include "engine/log.h"

#include <stdarg.h>
#include <stdlib.h>

#include "engine/alloc.h"

static enum sd_log_level cur_level = SD_LOG_WARN;
static sd_log_sink_fn sink;
static void *sink_data;

void sd_log_set_level(enum sd_log_level level) {
  cur_level = level;
}

void sd_log_set_sink(sd_log_sink_fn fn, void *data) {
  sink = fn;
  sink_data = data;
}

int sd_log_enabled(enum sd_log_level level) {
  return sink != NULL && level <= cur_level;
}

void sd_log(enum sd_log_level level, const char *fmt, ...) {
  if (!sd_log_enabled(level))
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = sd_vasprintf(fmt, ap);
  va_end(ap);
  sink(level, msg, sink_data);
  free(msg);
}
