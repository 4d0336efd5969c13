#include "util/tmpowner.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The host part, made once: the host name in letters, digits, '.' and '-'
 * only (safe in a file name, and without the '@' that ends the pid), then
 * the pid namespace: containers sharing a host name and a directory do not
 * see each other's pids. */
static char host[80];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void host_init(void)
{
	char raw[256] = "";

	if (gethostname(raw, sizeof(raw) - 1) < 0 || !raw[0])
		strcpy(raw, "localhost");
	size_t i;
	for (i = 0; raw[i] && i < 48; i++) {
		char c = raw[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '-';
		host[i] = ok ? c : '_';
	}
	host[i] = '\0';
	char ns[64];
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	if (n > 0) {
		ns[n] = '\0';
		unsigned long long ino = strtoull(ns + strcspn(ns, "0123456789"), NULL, 10);
		snprintf(host + i, sizeof(host) - i, ".ns%llu", ino);
	}
}

void tmp_owner_tag(struct strbuf *sb)
{
	pthread_once(&host_once, host_init);
	strbuf_addf(sb, "%ld@%s", (long)getpid(), host);
}

enum tmp_owner tmp_owner_of(const char *name)
{
	char *end;

	pthread_once(&host_once, host_init);
	if (*name < '1' || *name > '9')
		return TMP_OWNER_NONE;
	errno = 0;
	long pid = strtol(name, &end, 10);
	size_t hl = strlen(host);
	if (errno || pid <= 0 || (pid_t)pid != pid || *end != '@' || strncmp(end + 1, host, hl) ||
	    end[1 + hl] != '-')
		return TMP_OWNER_NONE;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return TMP_OWNER_ALIVE;
	return TMP_OWNER_GONE;
}
