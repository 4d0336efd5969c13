/*
 * SHA-256 of buffers and files, through OpenSSL's EVP interface.
 *
 * An object id is 64 lowercase hex digits, or 64 hex digits followed by
 * ".dir" for a directory manifest (see tree.h). Ids are the only names the
 * cache ever uses, so hash_id_valid() guards every id read from a file.
 */
#ifndef REPRO_HASH_H
#define REPRO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_HEX_LEN 64
#define HASH_ID_MAX 69 /* 64 hex digits + ".dir" + NUL */

/* hex gets 64 hex digits and a NUL. */
void hash_buffer(const void *data, size_t len, char hex[HASH_HEX_LEN + 1]);
/*
 * Hashes everything readable from fd (from its current offset), in large
 * blocks. Returns 0 and sets *size to the bytes hashed, or -1 with errno set.
 */
int hash_fd(int fd, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* Opens and hashes a file; -1 with errno set on failure. */
int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* True when id is 64 lowercase hex digits, optionally followed by ".dir". */
int hash_id_valid(const char *id);
/* True when id names a directory manifest. */
int hash_id_is_dir(const char *id);

#endif
