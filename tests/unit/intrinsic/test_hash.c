/* engine/hash.c against published vectors (RFC 1321, FIPS 180 examples)
 * and the digests AWS returned for "input data". */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hash.h"

static const char *hex_of(enum sd_hash_alg alg, const char *data, size_t len) {
  static char hex[2 * SD_HASH_MAX_SIZE + 1];
  sd_hash_hex(alg, data, len, hex);
  return hex;
}

#define HEX(alg, s) hex_of(alg, s, strlen(s))

TEST(md5_rfc1321_vectors) {
  ASSERT_STR_EQ(HEX(SD_HASH_MD5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  ASSERT_STR_EQ(HEX(SD_HASH_MD5, "a"), "0cc175b9c0f1b6a831c399e269772661");
  ASSERT_STR_EQ(HEX(SD_HASH_MD5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  ASSERT_STR_EQ(HEX(SD_HASH_MD5, "message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  ASSERT_STR_EQ(
      HEX(SD_HASH_MD5, "12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
      "57edf4a22be3c955ac49da2e2107b67a");
  return 0;
}

TEST(sha1_vectors) {
  ASSERT_STR_EQ(HEX(SD_HASH_SHA1, ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  return 0;
}

TEST(sha256_vectors) {
  ASSERT_STR_EQ(HEX(SD_HASH_SHA256, ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA256, "abc"),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  return 0;
}

TEST(sha384_vectors) {
  ASSERT_STR_EQ(
      HEX(SD_HASH_SHA384, ""),
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
  ASSERT_STR_EQ(
      HEX(SD_HASH_SHA384, "abc"),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  return 0;
}

TEST(sha512_vectors) {
  ASSERT_STR_EQ(HEX(SD_HASH_SHA512, ""), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d"
                                         "0d13c5d85f2b0ff8318d2877eec2f63b931bd4"
                                         "7417a81a538327af927da3e");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA512, "abc"), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                                            "2192992a274fc1a836ba3c23a3feebbd454d4423"
                                            "643ce80e2a9ac94fa54ca49f");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA512,
                    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
                    "nopqrlmnopqrsmnopqrstnopqrstu"),
                "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5"
                "433ac7d329ee"
                "b6dd26545e96e55b874be909");
  return 0;
}

/* Padding edge: lengths around the block boundary (55/56/64 bytes for the
 * 64-byte block functions, 111/112/128 for SHA-384/512) and a million 'a'. */
TEST(block_boundaries_and_long_input) {
  char *m = malloc(1000000);
  memset(m, 'a', 1000000);
  ASSERT_STR_EQ(hex_of(SD_HASH_MD5, m, 1000000), "7707d6ae4e027c70eea2a935c2296f21");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA1, m, 1000000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA256, m, 1000000),
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA512, m, 1000000), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803"
                                                    "afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c"
                                                    "49aa2e4eadb217ad8cc09b");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA256, m, 55),
                "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA256, m, 56),
                "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA256, m, 64),
                "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA512, m, 111), "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef868181969"
                                                "21760b4beff48404df811b953828274461673c68d04e29"
                                                "7b0eb7b2b4d60fc6b566a2");
  ASSERT_STR_EQ(hex_of(SD_HASH_SHA512, m, 112), "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c2503b5"
                                                "dc32bd05f0f1ba33e568b88fd2d970929b719ecbb152f5"
                                                "8f130a407c8830604b70ca");
  free(m);
  return 0;
}

TEST(aws_input_data_digests) {
  ASSERT_STR_EQ(HEX(SD_HASH_MD5, "input data"), "812f45842bc6d66ee14572ce20db8e86");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA1, "input data"), "aaff4a450a104cd177d28d18d74485e8cae074b7");
  ASSERT_STR_EQ(HEX(SD_HASH_SHA256, "input data"),
                "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3");
  ASSERT_STR_EQ(
      HEX(SD_HASH_SHA384, "input data"),
      "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562");
  return 0;
}

TEST(lookup_is_exact) {
  enum sd_hash_alg alg = SD_HASH_MD5;
  ASSERT_INT_EQ(sd_hash_lookup("SHA-256", &alg), 0);
  ASSERT_INT_EQ(alg, SD_HASH_SHA256);
  ASSERT_INT_EQ(sd_hash_lookup("sha-256", &alg), -1);
  ASSERT_INT_EQ(sd_hash_lookup("SHA256", &alg), -1);
  ASSERT_INT_EQ(sd_hash_lookup("SHA-224", &alg), -1);
  ASSERT_INT_EQ(sd_hash_size(SD_HASH_SHA384), 48);
  return 0;
}
