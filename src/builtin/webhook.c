#include "builtin/webhook.h"

#include <string.h>

#include <curl/curl.h>

#include "util/error.h"
#include "version.h"

/* The answer's body is not needed; reading it keeps it off stdout. */
static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

int webhook_post_json(const char *url, const char *body, size_t len)
{
	struct curl_slist *headers = NULL;
	long status = 0;
	int ret = 0;

	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return error("cannot post to the Slack webhook: SLACK_WEBHOOK_URL is not an http(s) URL");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	if (!c) {
		curl_global_cleanup();
		return error("cannot post to the Slack webhook: libcurl failed to start");
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "repro/" REPRO_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		ret = error("cannot post to the Slack webhook: %s", curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			ret = error("cannot post to the Slack webhook: it answered HTTP %ld", status);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return ret;
}
