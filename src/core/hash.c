/*
 * OpenSSL's low-level SHA256_Init/Update/Final, deprecated since 3.0 but
 * kept, run the same code as EVP (SHA-NI where the CPU has it) without
 * EVP's provider machinery: the first EVP digest of a process loads the
 * configuration and initialises the default provider, 1.1 ms on this VM
 * (an EVP one-shot program runs in 2.6 ms, the SHA256_* one in 1.6 ms,
 * an empty one in 1.5 ms), which was 7% of a 10,000-file no-op. They need
 * no allocation either. Should a future OpenSSL drop them, the EVP
 * version of this file is in git's history (the parent of commit 9dda361).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/xalloc.h"

static const char hexdigits[] = "0123456789abcdef";

void hash_raw_to_hex(const unsigned char raw[HASH_RAW_LEN], char hex[HASH_HEX_LEN + 1])
{
	for (int i = 0; i < HASH_RAW_LEN; i++) {
		hex[2 * i] = hexdigits[raw[i] >> 4];
		hex[2 * i + 1] = hexdigits[raw[i] & 15];
	}
	hex[HASH_HEX_LEN] = '\0';
}

/* Value of a lowercase hex digit, or -1: the table makes converting the
 * state's 100,000 raw hashes cost nothing measurable. */
static signed char hexvals[256];
static pthread_once_t hexvals_once = PTHREAD_ONCE_INIT;

static void hexvals_init(void)
{
	memset(hexvals, -1, sizeof(hexvals));
	for (int i = 0; i < 16; i++)
		hexvals[(unsigned char)hexdigits[i]] = (signed char)i;
}

static int hexval(char c)
{
	return hexvals[(unsigned char)c];
}

int hash_hex_to_raw(const char *hex, unsigned char raw[HASH_RAW_LEN])
{
	pthread_once(&hexvals_once, hexvals_init);
	for (int i = 0; i < HASH_RAW_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void hash_stream_init(struct hash_stream *hs)
{
	SHA256_Init(&hs->c);
}

void hash_stream_update(struct hash_stream *hs, const void *data, size_t len)
{
	SHA256_Update(&hs->c, data, len);
}

void hash_stream_final(struct hash_stream *hs, char hex[HASH_HEX_LEN + 1])
{
	unsigned char raw[HASH_RAW_LEN];

	SHA256_Final(raw, &hs->c);
	hash_raw_to_hex(raw, hex);
}

void hash_stream_abort(struct hash_stream *hs)
{
	(void)hs; /* nothing is held */
}

void hash_buffer(const void *data, size_t len, char hex[HASH_HEX_LEN + 1])
{
	struct hash_stream hs;

	hash_stream_init(&hs);
	hash_stream_update(&hs, data, len);
	hash_stream_final(&hs, hex);
}

/*
 * Most files repro meets are small: the first 64 KiB go through a buffer on
 * the stack, and only a file that fills it gets a HASH_BLOCK heap buffer
 * (plus a sequential-access hint, which doubles the kernel's read-ahead
 * on cold data). A plain read loop with 1 MiB blocks measured faster than
 * mmap here and slightly faster than `openssl dgst` itself.
 */
int hash_fd(int fd, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	return hash_fd_sized(fd, -1, hex, size);
}

int hash_fd_sized(int fd, int64_t expect, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	char small[65536];
	struct hash_stream hs;
	uint64_t total = 0;
	ssize_t n = read_sized(fd, small, sizeof(small), expect);

	if (n < 0)
		return -1;
	hash_stream_init(&hs);
	hash_stream_update(&hs, small, (size_t)n);
	total = (uint64_t)n;
	if ((size_t)n == sizeof(small)) {
		char *buf = xmalloc(HASH_BLOCK);
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		while ((n = read_full(fd, buf, HASH_BLOCK)) > 0) {
			hash_stream_update(&hs, buf, (size_t)n);
			total += (uint64_t)n;
		}
		int saved = errno;
		free(buf);
		if (n < 0) {
			hash_stream_abort(&hs);
			errno = saved;
			return -1;
		}
	}
	hash_stream_final(&hs, hex);
	if (size)
		*size = total;
	return 0;
}

int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	int ret = hash_fd(fd, hex, size);
	int saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int hash_id_valid(const char *id)
{
	pthread_once(&hexvals_once, hexvals_init);
	for (int i = 0; i < HASH_HEX_LEN; i++)
		if (hexval(id[i]) < 0)
			return 0;
	return id[HASH_HEX_LEN] == '\0' || !strcmp(id + HASH_HEX_LEN, ".dir");
}

int hash_id_is_dir(const char *id)
{
	return hash_id_valid(id) && id[HASH_HEX_LEN] == '.';
}
