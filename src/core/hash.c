/* TEMPORARY minimal implementation; replaced by the store branch. */
#include "core/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

static void to_hex(const unsigned char *md, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

void hash_buffer(const void *data, size_t len, char hex[HASH_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int n;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, hex);
}

int hash_fd(int fd, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	static unsigned char buf[1 << 16];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[32];
	ssize_t r;
	*size = 0;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(c, buf, (size_t)r);
		*size += (uint64_t)r;
	}
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	to_hex(md, hex);
	return r < 0 ? -1 : 0;
}

int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = hash_fd(fd, hex, size);
	close(fd);
	return r;
}

int hash_id_valid(const char *id)
{
	for (int i = 0; i < 64; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[64] == '\0' || !strcmp(id + 64, ".dir");
}

int hash_id_is_dir(const char *id)
{
	return strlen(id) == 68 && !strcmp(id + 64, ".dir");
}
