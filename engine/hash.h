/* Message digests for States.Hash: MD5, SHA-1, SHA-256, SHA-384 and SHA-512
 * (RFC 1321, FIPS 180-4), written here because OpenSSL is not among our
 * libraries. One-shot only: inputs are at most a state's payload. Not for:
 * security decisions (no HMAC, no constant-time promises). */
#ifndef SD_ENGINE_HASH_H
#define SD_ENGINE_HASH_H

#include <stddef.h>

enum sd_hash_alg {
  SD_HASH_MD5,
  SD_HASH_SHA1,
  SD_HASH_SHA256,
  SD_HASH_SHA384,
  SD_HASH_SHA512,
};

#define SD_HASH_MAX_SIZE 64 /* bytes in the longest digest (SHA-512) */

/* Finds the algorithm AWS's States.Hash names `name`: "MD5", "SHA-1",
 * "SHA-256", "SHA-384" or "SHA-512", exact case. Returns 0 and sets *alg,
 * or -1 for any other name. */
int sd_hash_lookup(const char *name, enum sd_hash_alg *alg);

/* Digest length in bytes (16, 20, 32, 48 or 64). */
size_t sd_hash_size(enum sd_hash_alg alg);

/* Writes sd_hash_size(alg) bytes of the digest of data[0..len) to out. */
void sd_hash_digest(enum sd_hash_alg alg, const void *data, size_t len, unsigned char *out);

/* Same, as lowercase hex; hex must hold 2 * SD_HASH_MAX_SIZE + 1 bytes. */
void sd_hash_hex(enum sd_hash_alg alg, const void *data, size_t len, char *hex);

#endif
