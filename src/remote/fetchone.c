/*
 * Fetching single objects on demand, for readers that find one missing from
 * the local cache (repro metrics and plots at an old revision): one GET from
 * the default remote, verified by the transfer engine against the object's
 * SHA-256 and again by cache_import_file() before it enters the cache.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/config.h"
#include "remote/remote.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int remote_fetch_object(const struct config *cfg, struct cache *c, const char *id)
{
	struct strlist names = { 0 };
	struct strbuf key = STRBUF_INIT;
	char *core = config_get(cfg, "core.remote");
	int ret = 1;

	/* no remote at all is not an error here: the caller says what to do */
	remote_names(cfg, &names);
	int have = core || names.n == 1;
	strlist_release(&names, 1);
	free(core);
	if (!have)
		return 2;
	if (!hash_id_valid(id) || hash_id_is_dir(id))
		return 1;
	struct remote *r = remote_open(cfg, NULL, c->tmp);
	if (!r)
		return -1;
	char *tmp;
	int fd = cache_tmp_create(c, &tmp);
	if (fd < 0) {
		remote_close(r);
		return -1;
	}
	close(fd);
	remote_object_key(id, &key);
	struct rop op = { .type = ROP_GET, .key = key.buf, .local = tmp };
	memcpy(op.sha256, id, HASH_HEX_LEN);
	struct rrun_opts o = { .verb = "fetching" };
	if (remote_run(r, &op, 1, &o) == 0 && op.status == ROP_OK)
		ret = cache_import_file(c, tmp, id, r->name) < 0 ? -1 : 0;
	else
		ret = op.status == ROP_MISSING ? 1 : -1;
	if (ret != 0)
		unlink(tmp);
	free(tmp);
	strbuf_release(&key);
	remote_close(r);
	return ret;
}
