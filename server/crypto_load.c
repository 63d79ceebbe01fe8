/* libcrypto, loaded on first use rather than linked, for the five
 * functions SigV4 verification (auth.c) calls. Linked, OpenSSL's 5 MB
 * library was loaded and relocated by every process, `stepd run`
 * included, which never verifies a signature: 2.6M instructions of
 * dynamic loading in a one-state run that totals 4.5M (callgrind), and
 * about a hundred page faults. integrations/curl_load.c and server/mhd.c
 * do the same for libcurl and libmicrohttpd.
 *
 * auth.c keeps calling OpenSSL's functions by their names: this file
 * defines them and forwards each to libcrypto's own, loaded the first time
 * one of them is called. The executable does not export these symbols, so
 * libraries loaded later (libcurl's libssl) still bind to libcrypto itself.
 * A missing library ends the process with a message naming the Debian
 * package, as the dynamic loader did before main when it was linked.
 * Not for: SigV4 itself (auth.c). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The soname the headers we build against belong to (Debian 12: libssl3). */
#define CRYPTO_SONAME "libcrypto.so.3"

static struct {
  unsigned char *(*sha256)(const unsigned char *d, size_t n, unsigned char *md);
  unsigned char *(*hmac)(const EVP_MD *md, const void *key, int key_len, const unsigned char *data,
                         size_t data_len, unsigned char *out, unsigned int *out_len);
  const EVP_MD *(*evp_sha256)(void);
  void (*cleanse)(void *p, size_t len);
  int (*memcmp)(const void *a, const void *b, size_t len);
} lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "stepd: cannot load %s (%s): install Debian's libssl3\n", CRYPTO_SONAME, dlerror());
    abort();
  }
  struct {
    const char *name;
    void **slot;
  } syms[] = {
    { "SHA256", (void **)&lib.sha256 },         { "HMAC", (void **)&lib.hmac },
    { "EVP_sha256", (void **)&lib.evp_sha256 }, { "OPENSSL_cleanse", (void **)&lib.cleanse },
    { "CRYPTO_memcmp", (void **)&lib.memcmp },
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    *syms[i].slot = dlsym(h, syms[i].name);
    if (*syms[i].slot == NULL) {
      fprintf(stderr, "stepd: %s lacks %s: a libcrypto of another version?\n", CRYPTO_SONAME, syms[i].name);
      abort();
    }
  }
}

#define LIB (pthread_once(&once, load), &lib)

unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md) {
  return LIB->sha256(d, n, md);
}

unsigned char *HMAC(const EVP_MD *md, const void *key, int key_len, const unsigned char *data,
                    size_t data_len, unsigned char *out, unsigned int *out_len) {
  return LIB->hmac(md, key, key_len, data, data_len, out, out_len);
}

const EVP_MD *EVP_sha256(void) {
  return LIB->evp_sha256();
}

void OPENSSL_cleanse(void *p, size_t len) {
  LIB->cleanse(p, len);
}

int CRYPTO_memcmp(const void *a, const void *b, size_t len) {
  return LIB->memcmp(a, b, len);
}
