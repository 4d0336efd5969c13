/*
 * The remote layer's parsers and helpers: the XML scanner over S3 and
 * WebDAV answers (hostile input included), listing pages, URL encoding for
 * SigV4, redaction, dates, and existence over a directory remote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "remote/remote.h"
#include "remote/remotepriv.h"
#include "remote/refs.h"
#include "tap.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct events {
	struct strbuf log; /* "name" / "name=text" / "/name" events */
};

static int record(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end)
{
	struct events *e = ctx;

	if (end)
		strbuf_addf(&e->log, "/%.*s ", (int)nlen, name);
	else if (text)
		strbuf_addf(&e->log, "%.*s=%.*s ", (int)nlen, name, (int)tlen, text);
	else
		strbuf_addf(&e->log, "%.*s ", (int)nlen, name);
	return 0;
}

static void test_xml_scan(void)
{
	struct events e = { STRBUF_INIT };
	const char *doc = "<?xml version=\"1.0\"?><!-- c --><D:a x=\"1>2\"><D:b>t&amp;u</D:b><c/></D:a>";

	ok(xml_scan(doc, strlen(doc), record, &e) == 0, "a small document scans");
	is_str(e.log.buf, "a b b=t&amp;u /b c /c /a ", "events: namespace stripped, text raw, empty element");
	strbuf_reset(&e.log);
	ok(xml_scan("<a><b></a>", 10, record, &e) < 0, "mismatched tags are refused");
	ok(xml_scan("<a>", 3, record, &e) < 0, "an unclosed element is refused");
	ok(xml_scan("<a x='>", 7, record, &e) < 0, "an unterminated tag is refused");
	ok(xml_scan("", 0, record, &e) == 0, "empty input is an empty document");
	struct strbuf deep = STRBUF_INIT;
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&deep, "<a>");
	ok(xml_scan(deep.buf, deep.len, record, &e) < 0, "nesting beyond the limit is refused");
	/* hostile bytes never crash the scanner */
	srand(1);
	char buf[256];
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = "<>/a=\"'!?-[]&; \n"[rand() % 16];
		strbuf_reset(&e.log);
		xml_scan(buf, n, record, &e);
	}
	ok(1, "20000 random documents scanned without a crash");
	strbuf_release(&deep);
	strbuf_release(&e.log);
}

static void test_unescape(void)
{
	struct strbuf sb = STRBUF_INIT;

	const char *in = "a&amp;b&lt;c&gt;&quot;&apos;&#65;&#x42;&bogus;&";

	xml_unescape(&sb, in, strlen(in));
	is_str(sb.buf, "a&b<c>\"'AB&bogus;&", "entities decoded, unknown ones kept");
	strbuf_release(&sb);
}

static void test_url_encode(void)
{
	struct strbuf sb = STRBUF_INIT;

	url_encode(&sb, "runs/ab/c d+e=f~g", 17, 0);
	is_str(sb.buf, "runs%2Fab%2Fc%20d%2Be%3Df~g", "SigV4 query encoding: uppercase hex, '/' encoded");
	strbuf_reset(&sb);
	url_encode(&sb, "a/b c", 5, 1);
	is_str(sb.buf, "a/b%20c", "path encoding keeps '/'");
	strbuf_release(&sb);
}

static void test_redact(void)
{
	struct strbuf sb = STRBUF_INIT;

	remote_redact_url("https://alice:s3cret@example.invalid:8443/x/y", &sb);
	is_str(sb.buf, "https://example.invalid:8443/x/y", "user and password removed");
	strbuf_reset(&sb);
	remote_redact_url("s3://bucket/prefix", &sb);
	is_str(sb.buf, "s3://bucket/prefix", "s3 URLs kept");
	strbuf_reset(&sb);
	remote_redact_url("http://a:b@[bad", &sb);
	ok(!strstr(sb.buf, "a:b"), "an unparsable URL never shows its userinfo");
	strbuf_reset(&sb);
	remote_redact_url("/some/dir", &sb);
	is_str(sb.buf, "/some/dir", "paths kept");
	ok(remote_key_is_secret("password") && remote_key_is_secret("secret-access-key") &&
	   !remote_key_is_secret("url"), "secret keys");
	strbuf_release(&sb);
}

static void test_dates(void)
{
	is_int(parse_http_time("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777, "RFC 1123 date");
	is_int(parse_http_time("1994-11-06T08:49:37.000Z"), 784111777, "ISO 8601 date (S3)");
	is_int(parse_http_time("garbage"), 0, "not a date");
}

/* Feeds a ListObjectsV2 page through the S3 kind's parser. */
static void test_s3_list(void)
{
	struct remote r = { .name = "t" };
	struct config cfg = { 0 };
	struct xop x = { 0 };
	struct rop op = { .type = ROP_LIST, .key = "ab/" };
	const char *page =
		"<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><Prefix>p/ab/</Prefix>"
		"<IsTruncated>true</IsTruncated>"
		"<Contents><Key>p/ab/cd</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><Size>12</Size></Contents>"
		"<Contents><Key>other/ab/zz</Key><Size>1</Size></Contents>"
		"<NextContinuationToken>tok&amp;1</NextContinuationToken></ListBucketResult>";

	r.kind = &remote_s3;
	ok(remote_s3.open(&r, &cfg, "s3://bucket/p") == 0, "an s3 remote opens without config");
	x.op = &op;
	strbuf_addstr(&x.body, page);
	is_int(remote_s3.list_page(&r, &x), XR_AGAIN, "a truncated page asks for the next");
	is_int(x.nents, 1, "keys outside the prefix are ignored");
	is_str(x.ents[0].key, "ab/cd", "the prefix is taken off");
	is_int(x.ents[0].size, 12, "size");
	ok(x.ents[0].mtime > 0, "modification time");
	is_str(x.token.buf, "tok&1", "continuation token decoded");
	strbuf_reset(&x.body);
	strbuf_addstr(&x.body, "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
	strbuf_reset(&x.token);
	is_int(remote_s3.list_page(&r, &x), XR_FAIL, "truncated without a token is an error, not a loop");
	strbuf_reset(&x.body);
	strbuf_addstr(&x.body, "<ListBucketResult><Contents><Key>p/ab/");
	is_int(remote_s3.list_page(&r, &x), XR_FAIL, "a cut listing is an error");
	for (size_t i = 0; i < x.nents; i++)
		free((char *)x.ents[i].key);
	free(x.ents);
	strbuf_release(&x.body);
	strbuf_release(&x.token);
	strbuf_release(&x.reason);
	remote_s3.close(&r);
}

/* Feeds a PROPFIND multistatus through the HTTP kind's parser. */
static void test_dav_list(void)
{
	struct remote r = { .name = "t" };
	struct config cfg = { 0 };
	struct xop x = { 0 };
	struct rop op = { .type = ROP_LIST, .key = "ab/" };
	const char *ms =
		"<?xml version=\"1.0\"?><D:multistatus xmlns:D=\"DAV:\">"
		"<D:response><D:href>/base/ab/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/>"
		"</D:resourcetype></D:prop></D:propstat></D:response>"
		"<D:response><D:href>http://h:1/base/ab/c%64</D:href><D:propstat><D:prop>"
		"<D:getcontentlength>7</D:getcontentlength>"
		"<D:getlastmodified>Sun, 06 Nov 1994 08:49:37 GMT</D:getlastmodified>"
		"<D:resourcetype></D:resourcetype></D:prop></D:propstat></D:response>"
		"<D:response><D:href>/elsewhere/ab/x</D:href></D:response>"
		"<D:response><D:href>/base/ab/sub/</D:href><D:propstat><D:prop><D:resourcetype>"
		"<D:collection/></D:resourcetype></D:prop></D:propstat></D:response>"
		"</D:multistatus>";

	r.kind = &remote_http;
	ok(remote_http.open(&r, &cfg, "http://h:1/base") == 0, "an http remote opens");
	x.op = &op;
	x.h = curl_easy_init();
	strbuf_addstr(&x.body, ms);
	is_int(remote_http.list_page(&r, &x), XR_OK, "a multistatus parses");
	is_int(x.nents, 1, "only files directly below the prefix, under the base");
	is_str(x.nents ? x.ents[0].key : NULL, "ab/cd", "hrefs decoded, absolute URLs reduced to paths");
	is_int(x.nents ? x.ents[0].mtime : 0, 784111777, "getlastmodified");
	for (size_t i = 0; i < x.nents; i++)
		free((char *)x.ents[i].key);
	free(x.ents);
	curl_easy_cleanup(x.h);
	strbuf_release(&x.body);
	strbuf_release(&x.reason);
	remote_http.close(&r);
}

static void test_objset(void)
{
	struct objset s = { 0 };
	char a[65], b[65];

	memset(a, 'a', 64);
	a[64] = 0;
	memset(b, 'b', 64);
	b[64] = 0;
	objset_add(&s, b, 0, "x");
	objset_add(&s, a, 3, "y");
	objset_add(&s, b, 9, "z");
	objset_sort(&s);
	is_int(s.n, 2, "duplicates merge");
	ok(objset_find(&s, b) && objset_find(&s, b)->size == 9, "a known size survives the merge");
	ok(!objset_find(&s, "c"), "absent ids are not found");
	objset_release(&s);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_xml_scan();
	test_unescape();
	test_url_encode();
	test_redact();
	test_dates();
	test_s3_list();
	test_dav_list();
	test_objset();
	curl_global_cleanup();
	return done_testing();
}
