/* libmicrohttpd, loaded when the server starts rather than linked: it
 * brings gnutls and eight more libraries whose loading cost every
 * `stepd run` about 2 ms (a third of a one-state run), for a command that
 * never serves HTTP. The table has the exact types of the functions
 * server/http.c calls (taken with __typeof__ from <microhttpd.h>). */
#ifndef SD_SERVER_MHD_H
#define SD_SERVER_MHD_H

#include <microhttpd.h>

struct sd_err;

struct sd_mhd {
  __typeof__(&MHD_start_daemon) start_daemon;
  __typeof__(&MHD_stop_daemon) stop_daemon;
  __typeof__(&MHD_run) run;
  __typeof__(&MHD_get_timeout) get_timeout;
  __typeof__(&MHD_get_daemon_info) get_daemon_info;
  __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
  __typeof__(&MHD_add_response_header) add_response_header;
  __typeof__(&MHD_queue_response) queue_response;
  __typeof__(&MHD_destroy_response) destroy_response;
  __typeof__(&MHD_suspend_connection) suspend_connection;
  __typeof__(&MHD_resume_connection) resume_connection;
  __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
  __typeof__(&MHD_get_connection_values) get_connection_values;
};

/* Filled by sd_mhd_load. */
extern struct sd_mhd sd_mhd;

/* Loads the library once; -1 with err (a message naming the Debian
 * package) when it is missing. */
int sd_mhd_load(struct sd_err *err);

#endif
