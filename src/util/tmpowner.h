/*
 * Owners of temporary names. A file or directory that a process creates in a
 * shared temporary directory (.repro/tmp, a directory remote's .tmp) carries
 * its creator's tag, "<pid>@<host>.ns<pid namespace>", so that the next process to look can
 * remove what a killed one left at once instead of after an hour, and never
 * removes what a live one is still writing, however long it has been at it.
 * The host and namespace are there because the directory may be shared over
 * NFS, or between containers: a pid says nothing about a process elsewhere.
 */
#ifndef REPRO_TMPOWNER_H
#define REPRO_TMPOWNER_H

#include "strbuf.h"

/* Appends this process's tag to sb. */
void tmp_owner_tag(struct strbuf *sb);

enum tmp_owner {
	TMP_OWNER_NONE,  /* the name carries no tag, or one of another host */
	TMP_OWNER_ALIVE, /* a process of this host with that pid exists */
	TMP_OWNER_GONE,  /* no process of this host has that pid: the name is garbage */
};
/* Classifies a name that begins with a tag ("1234@host-rest"). A reused pid
 * reads as ALIVE: the leftover then waits for the age-based sweep. */
enum tmp_owner tmp_owner_of(const char *name);

#endif
