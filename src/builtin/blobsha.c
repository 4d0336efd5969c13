#include "builtin/blobsha.h"

#include <git2.h>

#include "util/error.h"

int git_blob_hexsha(const void *data, size_t len, char hex[41])
{
	git_oid oid;

	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0) {
		const git_error *e = git_error_last();
		return error("cannot hash a blob: %s", e && e->message ? e->message : "libgit2 failed");
	}
	git_oid_tostr(hex, 41, &oid);
	return 0;
}
