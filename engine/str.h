/* Small text helpers shared by the engine, the connectors and the server:
 * trimming a line read from a file or a header, and the shape of AWS's
 * request ids. Not for: memory (alloc.h) or JSON (jsonw.h, jsonr.h). */
#ifndef SD_ENGINE_STR_H
#define SD_ENGINE_STR_H

/* Cuts leading and trailing white space (isspace) off `s` in place:
 * returns a pointer into `s`, whose end is moved. */
char *sd_str_trim(char *s);

/* Writes the 16 random bytes of `r` as a version-4 UUID (RFC 4122: the
 * version and variant bits set), AWS's request id shape, into `out`
 * ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and a NUL). The caller picks the
 * randomness: a request id needs no cryptographic quality. */
void sd_str_uuid4(const unsigned char r[16], char out[37]);

#endif
