#include "util/tls.h"

#include <stdlib.h>

const char *tls_ca_file(const char *configured)
{
	const char *env;

	if (configured && *configured)
		return configured;
	if ((env = getenv("CURL_CA_BUNDLE")) && *env)
		return env;
	if ((env = getenv("SSL_CERT_FILE")) && *env)
		return env;
	return NULL;
}

void tls_setup(CURL *h, int verify, const char *configured_ca)
{
	const char *ca = tls_ca_file(configured_ca);

	/* libcurl's defaults, set anyway: nothing else may have changed them */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	if (ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
}

int tls_cert_error(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	       cc == CURLE_SSL_ISSUER_ERROR || cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}
