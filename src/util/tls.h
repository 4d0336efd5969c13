/*
 * TLS settings shared by every libcurl handle repro opens: remotes, URL
 * deps and ingest URLs.
 *
 * Certificate verification (the peer's chain and its name) is always on,
 * except for a remote whose ssl-verify setting is false, and then every
 * command that uses that remote says so. The authorities trusted are the
 * system's, unless a file is named: a remote's ca-file, else the
 * environment's CURL_CA_BUNDLE, else SSL_CERT_FILE (the variables the curl
 * tool and OpenSSL read; libcurl itself reads neither).
 */
#ifndef REPRO_TLS_H
#define REPRO_TLS_H

#include <curl/curl.h>

/* The CA file to use: `configured` (may be NULL), else the environment's,
 * else NULL for the system's store. */
const char *tls_ca_file(const char *configured);

/* Sets h's verification (verify 0 turns it off) and CA file (see above). */
void tls_setup(CURL *h, int verify, const char *configured_ca);

/* 1 when cc says the server's certificate could not be verified. */
int tls_cert_error(CURLcode cc);

#endif
