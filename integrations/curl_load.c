/* libcurl, loaded on first use rather than linked. Linked, it brought 30
 * more shared libraries (OpenSSL, GnuTLS, Kerberos, LDAP, ...) into every
 * process: their loading and relocation cost a one-state `stepd run` 14M
 * instructions and 500 page faults (callgrind, perf stat: 4.4M -> 25M
 * instructions, 220 -> 724 faults, about 4 ms) for a command that, with
 * mocks or Pass states, never speaks HTTP. server/mhd.c does the same for
 * libmicrohttpd.
 *
 * The callers keep calling curl_* as documented: this file defines those
 * functions, and each forwards to the library's own, loaded (with
 * curl_global_init's work) the first time any of them is called. The
 * variadic setters forward the one argument their option's type range
 * says they take, as libcurl itself reads it (curl.h: CURLOPTTYPE_*).
 * A missing library ends the process with a message naming the Debian
 * package, as the dynamic loader did before main when it was linked.
 * Not for: HTTP itself (http_client.c, cli/client.c). */
#define CURL_DISABLE_TYPECHECK /* the setters are defined here, not called */
#include <curl/curl.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The soname the header we build against belongs to (Debian 12: libcurl4). */
#define CURL_SONAME "libcurl.so.4"

#define CURL_FUNCS(X)                                                                                        \
  X(curl_global_init, CURLcode, (long flags))                                                                \
  X(curl_global_cleanup, void, (void))                                                                       \
  X(curl_easy_init, CURL *, (void))                                                                          \
  X(curl_easy_cleanup, void, (CURL * h))                                                                     \
  X(curl_easy_reset, void, (CURL * h))                                                                       \
  X(curl_easy_perform, CURLcode, (CURL * h))                                                                 \
  X(curl_easy_setopt, CURLcode, (CURL * h, CURLoption opt, ...))                                             \
  X(curl_easy_getinfo, CURLcode, (CURL * h, CURLINFO info, ...))                                             \
  X(curl_easy_strerror, const char *, (CURLcode code))                                                       \
  X(curl_slist_append, struct curl_slist *, (struct curl_slist * l, const char *s))                          \
  X(curl_slist_free_all, void, (struct curl_slist * l))                                                      \
  X(curl_multi_init, CURLM *, (void))                                                                        \
  X(curl_multi_cleanup, CURLMcode, (CURLM * m))                                                              \
  X(curl_multi_setopt, CURLMcode, (CURLM * m, CURLMoption opt, ...))                                         \
  X(curl_multi_add_handle, CURLMcode, (CURLM * m, CURL * h))                                                 \
  X(curl_multi_remove_handle, CURLMcode, (CURLM * m, CURL * h))                                              \
  X(curl_multi_socket_action, CURLMcode, (CURLM * m, curl_socket_t s, int ev, int *running))                 \
  X(curl_multi_assign, CURLMcode, (CURLM * m, curl_socket_t s, void *p))                                     \
  X(curl_multi_info_read, CURLMsg *, (CURLM * m, int *left))                                                 \
  X(curl_multi_strerror, const char *, (CURLMcode code))

static struct {
#define X(name, ret, args) ret(*name) args;
  CURL_FUNCS(X)
#undef X
} lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "stepd: cannot load %s (%s): install Debian's libcurl4\n", CURL_SONAME, dlerror());
    abort();
  }
#define X(name, ret, args)                                                                                   \
  *(void **)&lib.name = dlsym(h, #name);                                                                     \
  if (lib.name == NULL) {                                                                                    \
    fprintf(stderr, "stepd: %s lacks %s: a libcurl of another version?\n", CURL_SONAME, #name);              \
    abort();                                                                                                 \
  }
  CURL_FUNCS(X)
#undef X
}

#define LIB (pthread_once(&once, load), &lib)

CURLcode curl_global_init(long flags) {
  return LIB->curl_global_init(flags);
}

void curl_global_cleanup(void) {
  LIB->curl_global_cleanup();
}

CURL *curl_easy_init(void) {
  return LIB->curl_easy_init();
}

void curl_easy_cleanup(CURL *h) {
  LIB->curl_easy_cleanup(h);
}

void curl_easy_reset(CURL *h) {
  LIB->curl_easy_reset(h);
}

CURLcode curl_easy_perform(CURL *h) {
  return LIB->curl_easy_perform(h);
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...) {
  va_list ap;
  va_start(ap, opt);
  CURLcode rc;
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = LIB->curl_easy_setopt(h, opt, va_arg(ap, long));
  else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
    rc = LIB->curl_easy_setopt(h, opt, va_arg(ap, void *));
  else if (opt < CURLOPTTYPE_OFF_T)
    rc = LIB->curl_easy_setopt(h, opt, va_arg(ap, void (*)(void)));
  else if (opt < CURLOPTTYPE_BLOB)
    rc = LIB->curl_easy_setopt(h, opt, va_arg(ap, curl_off_t));
  else
    rc = LIB->curl_easy_setopt(h, opt, va_arg(ap, void *));
  va_end(ap);
  return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...) {
  va_list ap;
  va_start(ap, info);
  CURLcode rc = LIB->curl_easy_getinfo(h, info, va_arg(ap, void *)); /* always a pointer to the result */
  va_end(ap);
  return rc;
}

const char *curl_easy_strerror(CURLcode code) {
  return LIB->curl_easy_strerror(code);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) {
  return LIB->curl_slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l) {
  LIB->curl_slist_free_all(l);
}

CURLM *curl_multi_init(void) {
  return LIB->curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m) {
  return LIB->curl_multi_cleanup(m);
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...) {
  va_list ap;
  va_start(ap, opt);
  CURLMcode rc;
  if (opt < CURLOPTTYPE_OBJECTPOINT)
    rc = LIB->curl_multi_setopt(m, opt, va_arg(ap, long));
  else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
    rc = LIB->curl_multi_setopt(m, opt, va_arg(ap, void *));
  else if (opt < CURLOPTTYPE_OFF_T)
    rc = LIB->curl_multi_setopt(m, opt, va_arg(ap, void (*)(void)));
  else
    rc = LIB->curl_multi_setopt(m, opt, va_arg(ap, curl_off_t));
  va_end(ap);
  return rc;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h) {
  return LIB->curl_multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h) {
  return LIB->curl_multi_remove_handle(m, h);
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev, int *running) {
  return LIB->curl_multi_socket_action(m, s, ev, running);
}

CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p) {
  return LIB->curl_multi_assign(m, s, p);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left) {
  return LIB->curl_multi_info_read(m, left);
}

const char *curl_multi_strerror(CURLMcode code) {
  return LIB->curl_multi_strerror(code);
}
