/*
 * What the remote kinds (local.c, http.c, s3.c) and the transfer engine
 * (transfer.c) share; not for use outside src/remote.
 */
#ifndef REPRO_REMOTEPRIV_H
#define REPRO_REMOTEPRIV_H

#include <curl/curl.h>

#include "core/hash.h"
#include "remote/remote.h"
#include "util/strbuf.h"

struct config;
struct xchunk;
struct xworkers;

/* What one attempt at an operation came to. */
enum xresult {
	XR_OK,      /* done */
	XR_MISSING, /* the key does not exist */
	XR_AGAIN,   /* make another request now (next list page, PUT after MKCOL) */
	XR_RETRY,   /* transient failure: retry after a backoff */
	XR_FAIL,    /* this operation failed; others go on */
	XR_FATAL,   /* the remote refuses us (credentials): stop everything */
	XR_DEFAULT, /* classify(): no opinion, apply the common rules */
};

/* The engine's state of one operation while remote_run works on it. */
struct xop {
	struct rop *op;
	CURL *h;                  /* the easy handle of the request in flight, or NULL */
	struct curl_slist *hdrs;  /* that request's extra headers */
	int attempts;             /* failed attempts so far (retries use this for backoff) */
	int64_t not_before;       /* a retry waits until this time (ms, monotonic) */
	int phase;                /* kind-specific step (http: parents created by MKCOL) */
	struct strbuf token;      /* S3: continuation token of the next list page */
	struct strbuf body;       /* a LIST page, or the body of an error response (capped) */
	struct strbuf reason;     /* why the last attempt failed, for the final message */
	long http;                /* HTTP status of the request in flight, once known */
	int untrusted;            /* XR_FATAL because the server's certificate failed verification */
	int started;              /* the response's first body byte arrived */
	/* GET: the destination, hashed as it is written */
	int fd;                   /* open destination, or -1 */
	struct hash_stream hs;    /* SHA-256 of the bytes in the destination */
	int hashing;              /* hs is live */
	uint64_t got;             /* bytes in the destination */
	uint64_t flushed;         /* bytes handed to the kernel's writeback so far */
	uint64_t resume_from;     /* the request asked for bytes from here (Range), else 0 */
	int no_resume;            /* a resumed download failed verification: start over */
	int twin_fd;              /* open op->twin, or -1 */
	int twin_direct;          /* twin_fd is in O_DIRECT mode now */
	int twin_no_direct;       /* O_DIRECT does not work for the twin */
	int direct;               /* fd is in O_DIRECT mode now */
	int no_direct;            /* O_DIRECT does not work for this destination */
	/* PUT: the source, hashed as it is sent */
	int src;                  /* open source file, or -1 */
	struct hash_stream shs;   /* SHA-256 of the bytes sent */
	int shashing;             /* shs is live */
	uint64_t sent;            /* bytes handed to libcurl */
	int src_bad;              /* the source does not hash to op->sha256: never sent whole */
	uint64_t *bytes;          /* the run's byte counter (progress), added to atomically */
	enum xresult result;      /* direct kinds: the outcome, read back on the main thread */
	/* network kinds: the file workers' side (xworker.h), under their lock */
	struct xworkers *xw;      /* the engine's workers */
	int worker;               /* the one serving this operation */
	struct xchunk *fill;      /* GET: the chunk on_write fills (main thread only) */
	struct xchunk *ahead;     /* PUT: chunks read ahead, oldest first */
	struct xchunk *ahead_tail;
	size_t ahead_used;        /* PUT: bytes of the first one handed to libcurl */
	int nahead;               /* PUT: chunks read ahead or being read */
	uint64_t asked;           /* PUT: bytes asked of the worker; GET: bytes handed over */
	uint64_t given;           /* PUT: bytes handed to libcurl */
	int pending;              /* tasks queued or running for this operation */
	int prep;                 /* PUT: 0 not asked, 1 being opened, 2 open, 3 failed */
	int wfailed;              /* a worker could not write (atomic): stop the transfer */
	enum xresult wres;        /* GET: what the worker's check of the download found */
	struct xop *done_next;    /* in the workers' list of ended operations */
	/* network kinds: the finished request, kept until its end has run */
	CURLcode cc;              /* libcurl's result */
	char *cerr;               /* libcurl's message (allocated), or NULL */
	long retry_after;         /* seconds the server asked us to wait, or 0 */
	/* LIST: keys found, delivered to on_list on the main thread */
	struct rlist_entry *ents;
	size_t nents, aents;
};

struct remote_kind {
	const char *name;
	/* Parses url and the remote's settings into r->priv. */
	int (*open)(struct remote *r, const struct config *c, const char *url);
	void (*close)(struct remote *r);
	/* Curl kinds: sets URL, method, auth and headers on h (already carrying
	 * the common options) for x's next request. */
	int (*setup)(struct remote *r, struct xop *x, CURL *h);
	/* Curl kinds: what an HTTP status means for x, or XR_DEFAULT. */
	enum xresult (*classify)(struct remote *r, struct xop *x);
	/* Curl kinds: parses the listing page in x->body into x->ents; XR_OK
	 * when it was the last page, XR_AGAIN when another is needed. */
	enum xresult (*list_page)(struct remote *r, struct xop *x);
	/* Curl kinds: a message for a refused request (401/403), into out. */
	void (*auth_hint)(struct remote *r, struct xop *x, struct strbuf *out);
	/* Direct kinds (local): performs x's operation; runs on worker threads. */
	enum xresult (*run)(struct remote *r, struct xop *x);
	/* Direct kinds: makes the PUTs of a batch durable and visible. */
	int (*flush)(struct remote *r);
	/* Cost of listing one prefix, in HEAD requests per 1000 keys listed
	 * (S3: one page of 1000 keys ~ one request); 0 when listing is impossible. */
	int list_cost_per_1000;
};

extern const struct remote_kind remote_local, remote_http, remote_s3;

/* Settings every network kind shares (r->net). */
struct netopts {
	struct curl_slist *resolve; /* CURLOPT_RESOLVE entries */
	int ssl_verify;             /* verify the peer's certificate and name */
	char *ca_file;              /* CURLOPT_CAINFO, or NULL */
};

/* Sets x->reason (why the last attempt failed). */
void xop_reason(struct xop *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* GET destinations (xopio.c), used by the engine and by local.c. */
/* Opens op->local; with resume, keeps a partial file and hashes what it
 * holds (setting x->got). Returns 0, or -1 with x->reason set. */
int xop_sink_open(struct remote *r, struct xop *x, int resume);
/* Appends to the destination; -1 with x->reason set on a write error. */
int xop_sink_write(struct xop *x, const void *data, size_t len);
/* Closes the destination and checks its hash: XR_OK, or XR_RETRY after
 * removing a file that does not match (x->reason says why). */
enum xresult xop_sink_finish(struct remote *r, struct xop *x);
/* Starts the destination over (a server that ignored our Range); -1 on error. */
int xop_sink_restart(struct xop *x);
/* Closes the destination without judging it; an empty one is removed. */
void xop_sink_close(struct xop *x);
/* Opens op->local to be sent, setting op->size. -1 with x->reason set. */
int xop_source_open(struct xop *x);
/* Reads up to len bytes of the source, hashing them; at the end, checks the
 * hash. Returns bytes read, 0 at the end, -1 on error or a source that does
 * not match op->sha256 (x->src_bad, x->reason set). */
ssize_t xop_source_read(struct xop *x, void *buf, size_t len);
void xop_source_close(struct xop *x);
/* Adds a key found by a listing (copied). */
void xop_add_entry(struct xop *x, const char *key, size_t len, int64_t mtime, uint64_t size);
/* Frees the keys a listing found. */
void xop_free_entries(struct xop *x);

/* Reads a remote setting remote.NAME.key: config, then the environment
 * variable env (may be NULL). Returns an allocated string or NULL. */
char *remote_setting(const struct remote *r, const struct config *c, const char *key, const char *env);
/* A boolean setting: 1 or 0, def when unset, -1 when it is neither (reported). */
int remote_bool_setting(struct remote *r, const struct config *c, const char *key, int def);
/* Appends s percent-encoded as SigV4 and RFC 3986 want: unreserved bytes
 * kept, '/' kept when keep_slash, everything else %XX (uppercase). */
void url_encode(struct strbuf *out, const char *s, size_t len, int keep_slash);
/* Parses "Sun, 06 Nov 1994 08:49:37 GMT" or "2026-01-02T03:04:05.123Z";
 * 0 when it is neither. */
int64_t parse_http_time(const char *s);

/*
 * A minimal scanner for the XML that S3 listings and WebDAV PROPFIND send:
 * calls fn for each element start (text NULL), for each element holding
 * only text (text and its length, entities still escaped), and for each
 * element end (text NULL, end set). Namespace prefixes are stripped from
 * names. It checks nothing beyond well-nested tags; callers validate every
 * value they use. Returns 0, or -1 when fn does or the input is malformed.
 */
int xml_scan(const char *buf, size_t len,
	     int (*fn)(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end),
	     void *ctx);
/* Appends text with the five XML entities and numeric references decoded. */
void xml_unescape(struct strbuf *out, const char *s, size_t len);

#endif
