/*
 * Shared by the files of src/git only.
 */
#ifndef REPRO_GITPRIV_H
#define REPRO_GITPRIV_H

#include <git2.h>

#include "git/repo.h"

/* Reports "WHAT 'SUBJECT': <libgit2's last error>" and returns -1. */
int git_report(const char *what, const char *subject);
/* Fills out from commit c (tree not loaded); takes ownership of name. */
void grev_fill(struct grev *out, struct grepo *g, const git_commit *c, char *name);

#endif
