/* Logging below cli/: one sink, set by the CLI (stderr lines for `run`,
 * request logs for `serve`). */
#ifndef SD_ENGINE_LOG_H
#define SD_ENGINE_LOG_H

enum sd_log_level { SD_LOG_ERROR, SD_LOG_WARN, SD_LOG_INFO, SD_LOG_DEBUG };

typedef void (*sd_log_sink_fn)(enum sd_log_level level, const char *msg, void *data);

void sd_log_set_level(enum sd_log_level level);
void sd_log_set_sink(sd_log_sink_fn fn, void *data);
int sd_log_enabled(enum sd_log_level level);
void sd_log(enum sd_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
