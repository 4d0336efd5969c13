#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/hash.h"
#include "tap.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void test_vectors(void)
{
	char hex[HASH_HEX_LEN + 1];

	hash_buffer("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	hash_buffer("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of 'abc'");

	struct hash_stream hs;
	hash_stream_init(&hs);
	hash_stream_update(&hs, "a", 1);
	hash_stream_update(&hs, "bc", 2);
	hash_stream_final(&hs, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "stream in pieces");
}

/* Writes len bytes of a pattern to path; returns the buffer (to free). */
static char *write_pattern(const char *path, size_t len, char fill)
{
	char *buf = xmalloc(len ? len : 1);

	for (size_t i = 0; i < len; i++)
		buf[i] = fill ? fill : (char)(i * 7 + i / 251);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write_all(fd, buf, len) == 0 && close(fd) == 0, "wrote test file");
	return buf;
}

static void check_file(const char *path, size_t len, char fill, const char *name)
{
	char *buf = write_pattern(path, len, fill);
	char want[HASH_HEX_LEN + 1], got[HASH_HEX_LEN + 1];
	uint64_t size = 12345;

	hash_buffer(buf, len, want);
	ok(hash_file(path, got, &size) == 0, name);
	is_str(got, want, name);
	is_int(size, len, "size reported");
	free(buf);
}

static void test_files(const char *dir)
{
	char *path = path_join_dup(dir, "f");
	char hex[HASH_HEX_LEN + 1];
	uint64_t size;

	/* the well-known million 'a' vector goes past the 64 KiB first read */
	free(write_pattern(path, 1000000, 'a'));
	ok(hash_file(path, hex, &size) == 0 && size == 1000000, "hash a million 'a'");
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "million 'a' vector");

	check_file(path, 0, 0, "empty file");
	check_file(path, 65536, 0, "exactly the first read");
	check_file(path, 65537, 0, "one byte past the first read");
	check_file(path, HASH_BLOCK, 0, "exactly one block");
	check_file(path, 2 * HASH_BLOCK, 0, "exact multiple of the block");
	check_file(path, 2 * HASH_BLOCK + 65536 + 3, 0, "larger than two blocks");

	/* hash_fd hashes from the current offset */
	char want[HASH_HEX_LEN + 1];
	char *buf = write_pattern(path, 10, 0);
	int fd = open(path, O_RDONLY);
	lseek(fd, 3, SEEK_SET);
	hash_buffer(buf + 3, 7, want);
	ok(hash_fd(fd, hex, &size) == 0 && size == 7, "hash_fd from an offset");
	is_str(hex, want, "hash_fd from an offset: digest");
	close(fd);
	free(buf);

	unlink(path);
	errno = 0;
	ok(hash_file(path, hex, &size) < 0 && errno == ENOENT, "missing file: -1 and ENOENT");
	free(path);
}

static void test_ids(void)
{
	const char *h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char id[HASH_ID_MAX + 4], hex[HASH_HEX_LEN + 1];
	unsigned char raw[HASH_RAW_LEN];

	ok(hash_id_valid(h) && !hash_id_is_dir(h), "file id");
	snprintf(id, sizeof(id), "%s.dir", h);
	ok(hash_id_valid(id) && hash_id_is_dir(id), "directory id");
	snprintf(id, sizeof(id), "%s.dirx", h);
	ok(!hash_id_valid(id), "junk after .dir");
	snprintf(id, sizeof(id), "%.63s", h);
	ok(!hash_id_valid(id), "63 digits");
	snprintf(id, sizeof(id), "%sa", h);
	ok(!hash_id_valid(id), "65 digits");
	ok(!hash_id_valid("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"), "uppercase");
	ok(!hash_id_valid("../../../../etc/passwd"), "a path");
	ok(!hash_id_valid(""), "empty");
	ok(hash_hex_to_raw(h, raw) == 0, "hex to raw");
	hash_raw_to_hex(raw, hex);
	is_str(hex, h, "raw to hex round trip");
	ok(hash_hex_to_raw("zz", raw) < 0, "bad hex rejected");
}

int main(void)
{
	char dir[] = "/tmp/repro-t-hash-XXXXXX";

	ok(mkdtemp(dir) != NULL, "scratch dir");
	test_vectors();
	test_files(dir);
	test_ids();
	remove_tree(dir);
	return done_testing();
}
