/*
 * Remotes: where a team's cache is shared. A remote has the cache's layout,
 * under its root:
 *
 *   ab/cdef...          an object (the 64-hex id split after 2 digits, as in
 *                       .repro/cache; directory manifests end in ".dir")
 *   runs/ab/cdef...     a run-cache entry (stage signature -> outs, JSON)
 *
 * Kinds, one file each: local.c (a local or mounted directory), http.c
 * (HTTP(S) GET/HEAD/PUT/DELETE, WebDAV PROPFIND listing and MKCOL, basic
 * auth), s3.c (S3 and S3-compatible stores, signed by libcurl's
 * CURLOPT_AWS_SIGV4). Every kind offers the same five operations on keys:
 * HEAD (exists?), GET, PUT, DELETE and LIST (the keys directly under a
 * prefix such as "ab/"), run many at a time by remote_run() (transfer.c):
 * in parallel, retrying transient failures with exponential backoff, and
 * verifying the SHA-256 of every download before the caller sees it.
 *
 * Configuration (.repro/config, credentials in .repro/config.local or the
 * environment; see docs/remotes.md):
 *   core.remote                 the default remote
 *   remote.NAME.url             /path, file:///path, http(s)://host/path, s3://bucket/prefix
 *   remote.NAME.jobs            parallel transfers
 *   remote.NAME.retries         attempts after the first on transient errors (default 5)
 *   remote.NAME.timeout         seconds a transfer may stall before it is retried (default 60)
 *   remote.NAME.connect-timeout seconds to connect (default 15)
 *   remote.NAME.check           auto|head|list: how existence is checked
 *   remote.NAME.resolve         HOST:PORT:ADDR[,...] (as curl --resolve)
 *   remote.NAME.ssl-verify      false to accept any certificate
 *   remote.NAME.ca-file         certificate authorities to trust
 *   http:  user, password
 *   s3:    endpoint, region, addressing (path|virtual), access-key-id,
 *          secret-access-key, session-token
 *
 * Secrets are never printed: messages show remote_display(), the URL
 * without its userinfo, and the kinds never turn on libcurl's verbose mode.
 */
#ifndef REPRO_REMOTE_H
#define REPRO_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "util/strbuf.h"

struct config;
struct netopts;
struct progress;
struct remote_kind;
struct strlist;

/* How existence of many keys is checked. */
enum remote_check { CHECK_AUTO, CHECK_HEAD, CHECK_LIST };

struct remote {
	char *name;                     /* the config name ("origin") */
	char *display;                  /* the URL without credentials, for messages */
	const struct remote_kind *kind; /* local, http or s3 */
	void *priv;                     /* the kind's own state */
	struct netopts *net;            /* network settings (http, s3); NULL for a directory */
	int jobs;                       /* transfers at once (>= 1) */
	int retries;                    /* attempts after the first on transient failures */
	int timeout;                    /* seconds a transfer may make no progress */
	int connect_timeout;            /* seconds to establish a connection */
	enum remote_check check;        /* HEAD each key, list prefixes, or decide */
	char *tmpdir;                   /* where downloads are written: the cache's tmp dir */
	int cannot_list;                /* the server answered a listing with "not supported" */
	int untrusted;                  /* its certificate failed verification (said once) */
};

/*
 * Opens remote `name` (NULL: core.remote, else the only remote configured).
 * tmpdir is the directory downloads go to (".repro/tmp"). Reports and
 * returns NULL when the remote is unknown or its settings are invalid.
 */
struct remote *remote_open(const struct config *cfg, const char *name, const char *tmpdir);
void remote_close(struct remote *r);
/* Appends the names of the configured remotes (allocated) to out. */
int remote_names(const struct config *cfg, struct strlist *out);

enum rop_type {
	ROP_HEAD,   /* does key exist? (mtime, size) */
	ROP_GET,    /* download key to `local`, verified against sha256 when set */
	ROP_PUT,    /* upload file `local` as key */
	ROP_DELETE, /* remove key; a missing key is ROP_MISSING */
	ROP_LIST,   /* the keys directly under prefix `key` ("ab/", "runs/ab/") */
};

enum rop_status { ROP_PENDING, ROP_OK, ROP_MISSING, ROP_FAILED };

/* One operation on a remote. */
struct rop {
	enum rop_type type;
	char *key;                       /* remote-relative key or prefix; owned by the caller */
	char sha256[HASH_HEX_LEN + 1];   /* content hash when known, else "": GET verifies the
					  * download, PUT checks the source while sending it and
					  * sends it as x-amz-content-sha256 */
	char *local;                     /* GET: destination; PUT: source file; owned by the caller */
	uint64_t size;                   /* GET: expected bytes (0: unknown); PUT: set from the file */
	char *twin;                      /* GET: a second file to write the same bytes to, or NULL
					  * (owned by the caller): kept only with the whole verified
					  * content, see twin_ok */
	int twin_ok;                     /* GET: twin holds exactly the verified content */
	uint64_t resumed;                /* GET: bytes an interrupted download had left in `local`,
					  * verified with the rest instead of transferred again */
	enum rop_status status;          /* the outcome, set by remote_run */
	int64_t mtime;                   /* HEAD: the key's modification time (s), 0 if unknown */
};

/* A key found by ROP_LIST. */
struct rlist_entry {
	const char *key;  /* remote-relative ("ab/cdef...") */
	int64_t mtime;    /* modification time (s since the epoch), 0 if unknown */
	uint64_t size;    /* bytes, 0 if unknown */
};

struct rrun_opts {
	const char *verb;           /* "pushing", "fetching": progress and messages */
	struct progress *progress;  /* status line; NULL for none */
	/* Called on the main thread for each key a ROP_LIST finds. */
	void (*on_list)(void *ctx, const struct rlist_entry *e);
	/* Called on the main thread as each operation ends (any status). */
	void (*on_done)(void *ctx, struct rop *op);
	void *ctx;
	int verbose;                /* print one line per transferred key */
};

/*
 * Runs ops on r, r->jobs at a time, and sets each op's status. Transient
 * failures (connection errors, timeouts, HTTP 5xx, 408, 429, a download
 * whose content does not match its hash) are retried up to r->retries times
 * with exponential backoff. A failure is reported naming the key and the
 * remote; when credentials are refused, the remaining operations are not
 * attempted. A GET leaves `local` holding exactly the verified content;
 * an unverified download never stays there. An interrupted GET leaves a
 * partial `local` that the next attempt (even by another process) resumes.
 * Returns 0 when no operation failed, -1 otherwise.
 */
int remote_run(struct remote *r, struct rop *ops, size_t n, const struct rrun_opts *o);

/*
 * Existence of many keys: present[i] = 1 when keys[i] exists on r. Uses
 * HEAD requests or listings of the keys' prefixes, whichever costs fewer
 * requests (r->check forces one). Returns 0 or -1 (reported).
 */
int remote_exists(struct remote *r, char **keys, size_t n, unsigned char *present,
		  struct progress *progress);

/*
 * Lists every key under `prefix` ("" for objects, "runs/" for run-cache
 * entries): the 256 fan-out directories below it. Calls fn for each key.
 */
int remote_list_all(struct remote *r, const char *prefix,
		    void (*fn)(void *ctx, const struct rlist_entry *e), void *ctx, struct progress *progress);

/* The key of an object: "ab/cdef...". */
void remote_object_key(const char *id, struct strbuf *out);
/* The key of a run-cache entry: "runs/ab/cdef...". */
void remote_run_key(const char *signature, struct strbuf *out);

/* Names of config keys holding secrets: stored in config.local, never shown. */
int remote_key_is_secret(const char *name);
/* Appends url with any user:password removed (a URL that does not parse is
 * shown as "<invalid URL>" rather than risk showing a secret). */
void remote_redact_url(const char *url, struct strbuf *out);

#endif
