/*
 * The file side of the multi loop's downloads and uploads, on worker
 * threads (xworker.c), so that the thread running libcurl only moves bytes
 * between sockets and memory. Measured on 2 cores: hashing and writing 1 GB
 * on the libcurl thread made a fetch 1.5x slower than curl's, and creating
 * 10,000 files there was a third of a small fetch's time.
 *
 * A download's body is copied into chunks that a worker writes to the
 * destination and hashes; at the end the worker checks the hash. An
 * upload's source is opened, read and hashed ahead by a worker, into
 * chunks that libcurl's read callback copies from; the hash is checked
 * before the chunk holding the last bytes is handed to libcurl. One worker
 * serves each operation, so its chunks are processed in order.
 *
 * Ownership: from the first task queued for an operation until its end
 * (xw_end) has run and been collected (xw_next_done), its file state (fd,
 * src, the hash streams, got, sent, reason, src_bad, no_resume) belongs to
 * the worker; the main thread looks at none of it. The main thread blocks
 * only when it is too far ahead: a download's chunks not yet written
 * exceed XW_LIMIT bytes, or an upload's next chunk is not read yet.
 *
 * All functions but the workers' own are called on the main thread.
 */
#ifndef REPRO_XWORKER_H
#define REPRO_XWORKER_H

#include <curl/curl.h>
#include <stddef.h>
#include <sys/types.h>

struct remote;
struct xop;
struct xworkers;

/* Starts nthreads workers (>= 1); multi is woken (curl_multi_wakeup) when
 * an operation's end has run. */
struct xworkers *xw_start(struct remote *r, int nthreads, CURLM *multi);
/* Stops the workers (every operation must have ended) and frees w. */
void xw_stop(struct xworkers *w);

/* GET: a piece of the body; copied. -1 when the worker could not write an
 * earlier piece (the transfer should stop; the reason comes with the end). */
int xw_put(struct xworkers *w, struct xop *x, const void *data, size_t len);

/* PUT: asks a worker to open the source and read its first chunk. */
void xw_prepare(struct xworkers *w, struct xop *x);
/* PUT: waits until the source is open; 0 with op->size set, or -1 when it
 * could not be opened (x->reason set). Prepares it first when needed. */
int xw_ready(struct xworkers *w, struct xop *x);
/* PUT: copies the next bytes of the source into buf: bytes copied, 0 at
 * the end, -1 when reading failed or the source does not hash to its name
 * (x->reason, x->src_bad set). Blocks until the worker has read them. */
ssize_t xw_take(struct xworkers *w, struct xop *x, char *buf, size_t len);
/* PUT: starts the source over (libcurl rewinding); -1 on error (reason set). */
int xw_rewind(struct xworkers *w, struct xop *x);

/*
 * The request of x is over. A GET's remaining bytes go to the worker, which
 * then, with verify set (the whole body arrived), checks the destination's
 * hash and size into x->wres, or else closes it keeping what it holds for a
 * resume. A PUT's source is closed. Returns 1 when x was handed over (it
 * comes back from xw_next_done), 0 when the workers never had it (nothing
 * to do).
 */
int xw_end(struct xworkers *w, struct xop *x, int verify);
/* Waits until the workers are done with x and drops what they read ahead
 * (x not started, or being abandoned). */
void xw_quiesce(struct xworkers *w, struct xop *x);
/* An operation whose end has run, or NULL. */
struct xop *xw_next_done(struct xworkers *w);
/* curl_multi_poll for up to timeout_ms; with wake set, returning at once
 * when an end has run (and, through curl_multi_wakeup, as soon as one
 * does). Without it, ends wait for the next poll: while transfers run,
 * waking for each of 10,000 small ones would cost three syscalls apiece. */
void xw_poll(struct xworkers *w, int timeout_ms, int wake);
/* Wakes the workers for what was queued since the last call (queueing
 * does not, so that many small tasks cost one wakeup). */
void xw_kick(struct xworkers *w);

#endif
