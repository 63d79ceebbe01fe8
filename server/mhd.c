/* See mhd.h. */
#include "server/mhd.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/err.h"

struct sd_mhd sd_mhd;

/* The soname the header we build against belongs to (Debian 12:
 * libmicrohttpd12, 0.9.75). */
#define MHD_SONAME "libmicrohttpd.so.12"

int sd_mhd_load(struct sd_err *err) {
  static bool loaded;
  if (loaded)
    return 0;
  void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return sd_err_set(err, SD_E_USAGE, "cannot load %s (%s): install Debian's libmicrohttpd12", MHD_SONAME,
                      dlerror());
  struct {
    const char *name;
    void **slot;
  } syms[] = {
    { "MHD_start_daemon", (void **)&sd_mhd.start_daemon },
    { "MHD_stop_daemon", (void **)&sd_mhd.stop_daemon },
    { "MHD_run", (void **)&sd_mhd.run },
    { "MHD_get_timeout", (void **)&sd_mhd.get_timeout },
    { "MHD_get_daemon_info", (void **)&sd_mhd.get_daemon_info },
    { "MHD_create_response_from_buffer", (void **)&sd_mhd.create_response_from_buffer },
    { "MHD_add_response_header", (void **)&sd_mhd.add_response_header },
    { "MHD_queue_response", (void **)&sd_mhd.queue_response },
    { "MHD_destroy_response", (void **)&sd_mhd.destroy_response },
    { "MHD_suspend_connection", (void **)&sd_mhd.suspend_connection },
    { "MHD_resume_connection", (void **)&sd_mhd.resume_connection },
    { "MHD_lookup_connection_value", (void **)&sd_mhd.lookup_connection_value },
    { "MHD_get_connection_values", (void **)&sd_mhd.get_connection_values },
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    *syms[i].slot = dlsym(h, syms[i].name);
    if (*syms[i].slot == NULL)
      return sd_err_set(err, SD_E_USAGE, "%s lacks %s: a libmicrohttpd of another version?", MHD_SONAME,
                        syms[i].name);
  }
  loaded = true; /* the library stays loaded for the process's life */
  return 0;
}
