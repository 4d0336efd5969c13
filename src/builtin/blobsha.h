/*
 * The git blob id of a file's content ("hexsha", as git hash-object and The
 * Stack call it): SHA-1 of "blob <size>\0" followed by the content, computed
 * by libgit2 so that it is exactly what git computes.
 */
#ifndef REPRO_BUILTIN_BLOBSHA_H
#define REPRO_BUILTIN_BLOBSHA_H

#include <stddef.h>

/* The 20-byte blob id of data. libgit2 must be initialised. 0 or -1 (reported). */
int blob_id(const void *data, size_t len, unsigned char id[20]);
/* Writes id as 40 lowercase hex digits and a NUL. */
void blob_id_hex(const unsigned char id[20], char hex[41]);
/* Both at once. */
int blob_hexsha(const void *data, size_t len, char hex[41]);

#endif
