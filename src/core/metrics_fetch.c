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

int metrics_fetch_object(struct cache *c, const struct config *cfg, const char *id)
{
	if (!cfg)
		return 1; /* the caller warns that 'repro pull' would fetch it */
	return remote_fetch_object(cfg, c, id) == 0 ? 0 : 1;
}
