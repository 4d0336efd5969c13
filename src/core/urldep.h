/*
 * Deps on http(s):// URLs. Such a dep is identified by what the server says
 * about it without downloading it: its ETag, else its Last-Modified date, as
 * DVC records for http deps. A server that gives neither is downloaded and
 * hashed (streamed, never stored).
 */
#ifndef REPRO_URLDEP_H
#define REPRO_URLDEP_H

/* Sets *tag (newly allocated) to "etag:...", "modified:..." or
 * "sha256:...". Returns 0, or -1 after reporting why the URL cannot be
 * checked. */
int urldep_check(const char *url, char **tag);

#endif
