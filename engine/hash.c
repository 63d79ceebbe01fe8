/* MD5 (RFC 1321) and the SHA-1/SHA-2 family (FIPS 180-4) for States.Hash.
 * Straight from the specifications: one compression function per family and
 * one padding routine shared by all (they differ only in block size and in
 * the byte order of the trailing length). Speed is not a goal: AWS caps the
 * input at 10,000 characters. */
#include "engine/hash.h"

#include <stdint.h>
#include <string.h>

static const uint32_t md5_k[64] = {
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const uint32_t sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint64_t sha512_k[80] = {
  0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
  0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
  0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
  0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
  0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
  0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
  0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
  0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
  0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
  0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
  0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
  0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
  0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
  0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
  0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
  0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
  0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
  0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
  0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
  0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static uint32_t rol32(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

static uint32_t ror32(uint32_t x, unsigned n) {
  return (x >> n) | (x << (32 - n));
}

static uint64_t ror64(uint64_t x, unsigned n) {
  return (x >> n) | (x << (64 - n));
}

static uint32_t get_le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const unsigned char *p) {
  return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be64(unsigned char *p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = (unsigned char)v;
    v >>= 8;
  }
}

static void md5_block(void *state, const unsigned char *blk) {
  static const unsigned shift[4][4] = {
    { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 }
  };
  uint32_t *h = state, m[16];
  for (int i = 0; i < 16; i++)
    m[i] = get_le32(blk + 4 * i);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (unsigned i = 0; i < 64; i++) {
    uint32_t f;
    unsigned g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    f += a + md5_k[i] + m[g];
    a = d;
    d = c;
    c = b;
    b += rol32(f, shift[i / 16][i % 4]);
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

static void sha1_block(void *state, const unsigned char *blk) {
  uint32_t *h = state, w[80];
  for (int t = 0; t < 16; t++)
    w[t] = get_be32(blk + 4 * t);
  for (int t = 16; t < 80; t++)
    w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int t = 0; t < 80; t++) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = rol32(b, 30);
    b = a;
    a = tmp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

static void sha256_block(void *state, const unsigned char *blk) {
  uint32_t *h = state, w[64], v[8];
  for (int t = 0; t < 16; t++)
    w[t] = get_be32(blk + 4 * t);
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = s1 + w[t - 7] + s0 + w[t - 16];
  }
  memcpy(v, h, sizeof v);
  for (int t = 0; t < 64; t++) {
    uint32_t s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
    uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1 = v[7] + s1 + ch + sha256_k[t] + w[t];
    uint32_t s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
    uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof v[0]);
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

static void sha512_block(void *state, const unsigned char *blk) {
  uint64_t *h = state, w[80], v[8];
  for (int t = 0; t < 16; t++)
    w[t] = get_be64(blk + 8 * t);
  for (int t = 16; t < 80; t++) {
    uint64_t s0 = ror64(w[t - 15], 1) ^ ror64(w[t - 15], 8) ^ (w[t - 15] >> 7);
    uint64_t s1 = ror64(w[t - 2], 19) ^ ror64(w[t - 2], 61) ^ (w[t - 2] >> 6);
    w[t] = s1 + w[t - 7] + s0 + w[t - 16];
  }
  memcpy(v, h, sizeof v);
  for (int t = 0; t < 80; t++) {
    uint64_t s1 = ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41);
    uint64_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint64_t t1 = v[7] + s1 + ch + sha512_k[t] + w[t];
    uint64_t s0 = ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39);
    uint64_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof v[0]);
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

/* Feeds data and the Merkle-Damgard padding (0x80, zeros, bit length) to
 * `block`. MD5 stores the length little-endian in the last 8 bytes; the SHA
 * family big-endian in the last 8 (64-byte blocks) or 16 (128-byte blocks). */
static void run(void (*block)(void *, const unsigned char *), void *state, size_t bs, int len_le,
                const unsigned char *data, size_t len) {
  size_t full = len - len % bs;
  for (size_t off = 0; off < full; off += bs)
    block(state, data + off);
  unsigned char tail[256] = { 0 };
  size_t rem = len - full, lenbytes = bs == 64 ? 8 : 16;
  memcpy(tail, data + full, rem);
  tail[rem] = 0x80;
  size_t total = rem + 1 + lenbytes <= bs ? bs : 2 * bs;
  uint64_t bits_lo = (uint64_t)len << 3, bits_hi = (uint64_t)len >> 61;
  if (len_le) {
    for (int i = 0; i < 8; i++)
      tail[total - 8 + i] = (unsigned char)(bits_lo >> (8 * i));
  } else {
    put_be64(tail + total - 8, bits_lo);
    if (lenbytes == 16)
      put_be64(tail + total - 16, bits_hi);
  }
  for (size_t off = 0; off < total; off += bs)
    block(state, tail + off);
}

int sd_hash_lookup(const char *name, enum sd_hash_alg *alg) {
  static const struct {
    const char *name;
    enum sd_hash_alg alg;
  } names[] = {
    { "MD5", SD_HASH_MD5 },        { "SHA-1", SD_HASH_SHA1 },     { "SHA-256", SD_HASH_SHA256 },
    { "SHA-384", SD_HASH_SHA384 }, { "SHA-512", SD_HASH_SHA512 },
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(name, names[i].name) == 0) {
      *alg = names[i].alg;
      return 0;
    }
  }
  return -1;
}

size_t sd_hash_size(enum sd_hash_alg alg) {
  switch (alg) {
    case SD_HASH_MD5:
      return 16;
    case SD_HASH_SHA1:
      return 20;
    case SD_HASH_SHA256:
      return 32;
    case SD_HASH_SHA384:
      return 48;
    case SD_HASH_SHA512:
      return 64;
  }
  return 0;
}

void sd_hash_digest(enum sd_hash_alg alg, const void *data, size_t len, unsigned char *out) {
  const unsigned char *in = data;
  uint32_t h32[8];
  uint64_t h64[8];
  switch (alg) {
    case SD_HASH_MD5: {
      static const uint32_t iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
      memcpy(h32, iv, sizeof iv);
      run(md5_block, h32, 64, 1, in, len);
      for (int i = 0; i < 16; i++)
        out[i] = (unsigned char)(h32[i / 4] >> (8 * (i % 4)));
      return;
    }
    case SD_HASH_SHA1: {
      static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
      memcpy(h32, iv, sizeof iv);
      run(sha1_block, h32, 64, 0, in, len);
      break;
    }
    case SD_HASH_SHA256: {
      static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
      memcpy(h32, iv, sizeof iv);
      run(sha256_block, h32, 64, 0, in, len);
      break;
    }
    case SD_HASH_SHA384: {
      static const uint64_t iv[8] = { 0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL,
                                      0x152fecd8f70e5939ULL, 0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
                                      0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL };
      memcpy(h64, iv, sizeof iv);
      run(sha512_block, h64, 128, 0, in, len);
      break;
    }
    case SD_HASH_SHA512: {
      static const uint64_t iv[8] = { 0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                      0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                      0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL };
      memcpy(h64, iv, sizeof iv);
      run(sha512_block, h64, 128, 0, in, len);
      break;
    }
  }
  size_t n = sd_hash_size(alg);
  for (size_t i = 0; i < n; i++) {
    if (alg == SD_HASH_SHA384 || alg == SD_HASH_SHA512)
      out[i] = (unsigned char)(h64[i / 8] >> (56 - 8 * (i % 8)));
    else
      out[i] = (unsigned char)(h32[i / 4] >> (24 - 8 * (i % 4)));
  }
}

void sd_hash_hex(enum sd_hash_alg alg, const void *data, size_t len, char *hex) {
  static const char digits[] = "0123456789abcdef";
  unsigned char raw[SD_HASH_MAX_SIZE];
  size_t n = sd_hash_size(alg);
  sd_hash_digest(alg, data, len, raw);
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = digits[raw[i] >> 4];
    hex[2 * i + 1] = digits[raw[i] & 0xf];
  }
  hex[2 * n] = '\0';
}
