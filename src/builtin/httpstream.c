#include "builtin/httpstream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <curl/curl.h>

#include "util/error.h"
#include "util/strbuf.h"
#include "util/tls.h"
#include "util/xalloc.h"
#include "version.h"

/* The transfer is paused while this much is buffered and not yet read. */
#define STREAM_BUFFER (256 * 1024)

struct stream {
	CURLM *multi;           /* drives the transfer */
	CURL *easy;             /* the GET */
	struct archive *a;      /* the reader, for archive_set_error */
	const char *name;       /* the URL without credentials, for messages */
	char buf[STREAM_BUFFER]; /* bytes received and not yet handed to libarchive */
	size_t len;             /* bytes in buf */
	int paused;             /* the write callback paused the transfer */
	int done;               /* the transfer ended */
	CURLcode result;        /* how it ended */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's message */
};

void url_without_credentials(const char *url, struct strbuf *out)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));

	if (!at) {
		strbuf_addstr(out, url);
		return;
	}
	strbuf_add(out, url, (size_t)(host - url));
	strbuf_addstr(out, at + 1);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *s = arg;
	size_t n = size * nmemb;

	if (n > sizeof(s->buf) - s->len) {
		if (s->len) {
			s->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		return 0; /* cannot happen: libcurl hands over at most CURL_MAX_WRITE_SIZE */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/* Runs the transfer until some bytes are buffered or it ends. */
static void pump(struct stream *s)
{
	while (!s->len && !s->done) {
		int running = 0, queued;
		CURLMsg *m;

		if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
			s->done = 1;
			s->result = CURLE_FAILED_INIT;
			break;
		}
		while ((m = curl_multi_info_read(s->multi, &queued)))
			if (m->msg == CURLMSG_DONE) {
				s->done = 1;
				s->result = m->data.result;
			}
		if (!s->len && !s->done)
			curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
}

static la_ssize_t on_read(struct archive *a, void *arg, const void **out)
{
	struct stream *s = arg;

	(void)a;
	s->len = 0; /* libarchive is done with what we handed it last time */
	if (s->paused) {
		s->paused = 0;
		curl_easy_pause(s->easy, CURLPAUSE_CONT); /* may deliver the held chunk */
	}
	pump(s);
	*out = s->buf;
	if (s->len)
		return (la_ssize_t)s->len;
	if (s->result != CURLE_OK) {
		archive_set_error(a, EIO, "%s%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result),
				  tls_cert_error(s->result) ? " (the server's certificate is not trusted here: set "
							      "CURL_CA_BUNDLE to a file holding its CA)" : "");
		return -1;
	}
	return 0;
}

static void setup(struct stream *s, const char *url)
{
	CURL *c = s->easy;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled server: less than 1 byte/s for a minute ends the transfer */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "repro/" REPRO_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	tls_setup(c, 1, NULL);
}

int httpstream_read_archive(const char *url, size_t max_file_size, const struct source_ops *ops,
			    void *ctx, struct source_stats *st)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	struct strbuf name = STRBUF_INIT;
	int ret = -1;

	url_without_credentials(url, &name);
	s->name = name.buf;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s->multi = curl_multi_init();
	s->easy = curl_easy_init();
	s->a = archive_read_new();
	if (!s->multi || !s->easy || !s->a) {
		error("cannot start downloading '%s'", name.buf);
		goto out;
	}
	setup(s, url);
	curl_multi_add_handle(s->multi, s->easy);
	archive_read_support_filter_all(s->a);
	archive_read_support_format_all(s->a);
	if (archive_read_open(s->a, s, NULL, on_read, NULL) != ARCHIVE_OK) {
		error("cannot read archive '%s': %s", name.buf, archive_error_string(s->a));
		goto out;
	}
	ret = source_read_archive(s->a, name.buf, max_file_size, ops, ctx, st);
	/* an archive reader may stop before the end: a truncated download that
	 * still looked complete must not pass, so drain and check the transfer */
	if (!ret) {
		while (!s->done) {
			s->len = 0;
			if (s->paused) {
				s->paused = 0;
				curl_easy_pause(s->easy, CURLPAUSE_CONT);
			}
			pump(s);
		}
		if (s->result != CURLE_OK)
			ret = error("cannot download '%s': %s", name.buf,
				    s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result));
	}
out:
	if (s->a)
		archive_read_free(s->a);
	if (s->multi && s->easy)
		curl_multi_remove_handle(s->multi, s->easy);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	curl_global_cleanup();
	free(s);
	strbuf_release(&name);
	return ret;
}
