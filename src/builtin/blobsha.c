#include "builtin/blobsha.h"

#include <git2.h>

#include "util/error.h"

#include <string.h>

int blob_id(const void *data, size_t len, unsigned char id[20])
{
	git_oid oid;

	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0) {
		const git_error *e = git_error_last();
		return error("cannot hash a blob: %s", e && e->message ? e->message : "libgit2 failed");
	}
	memcpy(id, oid.id, 20);
	return 0;
}

void blob_id_hex(const unsigned char id[20], char hex[41])
{
	git_oid oid;

	memcpy(oid.id, id, 20);
	git_oid_tostr(hex, 41, &oid);
}

int blob_hexsha(const void *data, size_t len, char hex[41])
{
	unsigned char id[20];

	if (blob_id(data, len, id) < 0)
		return -1;
	blob_id_hex(id, hex);
	return 0;
}
