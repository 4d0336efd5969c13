/*
 * Fetching a metrics object that is not in the local cache: the one place
 * where `repro metrics` and `repro plots` ask the default remote for an
 * object. On success the object is in the local cache (verified by its
 * SHA-256, as every download is) and callers read it as if it had always
 * been there.
 */
#include "core/cache.h"
#include "core/metrics.h"
#include "remote/sync.h"
#include "util/error.h"

int metrics_fetch_object(struct cache *c, const struct config *cfg, const char *id,
			 const char *path, const char *rev)
{
	if (cache_has_object(c, id))
		return 0;
	int ret = cfg ? remote_fetch_object(cfg, c, id) : 2;
	if (ret == 0)
		return 0;
	if (ret == 2)
		warn("'%s' at revision '%s' is not in the local cache (object %.12s) and no remote "
		     "is configured to fetch it from", path, rev, id);
	else
		warn("'%s' at revision '%s' is not in the local cache (object %.12s) and %s the "
		     "default remote", path, rev, id, ret > 0 ? "not on" : "could not be fetched from");
	return 1;
}
