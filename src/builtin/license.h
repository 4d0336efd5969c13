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

/*
 * The preference of a base name as the source's license file: 0 for
 * LICENSE, then LICENSE.txt, LICENSE.md, COPYING (any case); -1 for any
 * other name.
 */
int license_file_rank(const char *base);

#endif
