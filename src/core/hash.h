/*
 * SHA-256 of buffers and files, by OpenSSL (its SHA256_* functions, see
 * hash.c for why not EVP).
 *
 * An object id is 64 lowercase hex digits, or 64 hex digits followed by
 * ".dir" for a directory manifest (see tree.h). Ids are the only names the
 * cache ever uses, so hash_id_valid() guards every id read from a file.
 *
 * All functions are safe to call from several threads at once.
 */
#ifndef REPRO_HASH_H
#define REPRO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#define HASH_HEX_LEN 64
#define HASH_RAW_LEN 32
#define HASH_ID_MAX 69 /* 64 hex digits + ".dir" + NUL */
/* Files are read in blocks of this size: large enough that the cost of a
 * read() call disappears next to hashing, small enough to stay in L2. */
#define HASH_BLOCK (1 << 20)

/* hex gets 64 hex digits and a NUL. */
void hash_buffer(const void *data, size_t len, char hex[HASH_HEX_LEN + 1]);
/*
 * Hashes everything readable from fd (from its current offset), in large
 * blocks. Returns 0 and sets *size to the bytes hashed, or -1 with errno set.
 */
int hash_fd(int fd, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* hash_fd of a regular file whose fstat gave `expect` bytes (see read_sized
 * in util/fs.h: one read() fewer for a small file). */
int hash_fd_sized(int fd, int64_t expect, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* Opens and hashes a file; -1 with errno set on failure. */
int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], uint64_t *size);
/* True when id is 64 lowercase hex digits, optionally followed by ".dir". */
int hash_id_valid(const char *id);
/* True when id names a directory manifest. */
int hash_id_is_dir(const char *id);

/*
 * Incremental hashing, for data that arrives piecewise (a file copied into
 * the cache is hashed as it is copied; a manifest as it is serialised).
 * hash_stream_final() releases the stream; hash_stream_abort() releases it
 * without a result.
 */
struct hash_stream {
	SHA256_CTX c;
};
void hash_stream_init(struct hash_stream *hs);
void hash_stream_update(struct hash_stream *hs, const void *data, size_t len);
void hash_stream_final(struct hash_stream *hs, char hex[HASH_HEX_LEN + 1]);
void hash_stream_abort(struct hash_stream *hs);

/* Raw digests (32 bytes) as the state file stores them. */
void hash_raw_to_hex(const unsigned char raw[HASH_RAW_LEN], char hex[HASH_HEX_LEN + 1]);
/* Returns 0, or -1 when hex is not 64 lowercase hex digits. */
int hash_hex_to_raw(const char *hex, unsigned char raw[HASH_RAW_LEN]);

#endif
