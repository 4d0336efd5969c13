/*
 * The SPDX id of a LICENSE file's text, for sources without a MANIFEST.tsv.
 * Recognises the common open-source licenses by their fixed wording; an
 * unrecognised text gives NULL, and ingest then records "unknown", which the
 * preprocess allowlist rejects: a license we cannot name is not permissive.
 */
#ifndef REPRO_BUILTIN_LICENSE_H
#define REPRO_BUILTIN_LICENSE_H

/* text is NUL-terminated. Returns a static SPDX id or NULL. */
const char *license_identify(const char *text);

/* True for the base names ingest reads a license from: LICENSE, LICENSE.txt, LICENSE.md, COPYING (any case). */
int license_is_file_name(const char *base);

#endif
