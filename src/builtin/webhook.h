/*
 * Posting an alert to a Slack-style incoming webhook through libcurl.
 *
 * A webhook URL is a credential (whoever holds it can post to the channel),
 * so it is never printed: messages say "the Slack webhook", and libcurl's
 * own error text, which can name the host, is replaced by the generic
 * description of its error code.
 */
#ifndef REPRO_BUILTIN_WEBHOOK_H
#define REPRO_BUILTIN_WEBHOOK_H

#include <stddef.h>

/*
 * POSTs body (a JSON document, Content-Type application/json) to url, which
 * must be http(s). Redirects are not followed. Returns 0 on a 2xx answer,
 * else -1 after reporting "cannot post to the Slack webhook: ...".
 */
int webhook_post_json(const char *url, const char *body, size_t len);

#endif
