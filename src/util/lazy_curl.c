/*
 * libcurl, loaded on first use (see lazylib.h). Every libcurl function repro
 * calls is listed here; calling another one fails to link, which is the
 * reminder to add it.
 */
#define CURL_DISABLE_TYPECHECK /* the type-checking macros would hide our definitions */
#include <stdarg.h>

#include <curl/curl.h>

#include "util/lazylib.h"

#ifndef CURL_SONAME
#define CURL_SONAME "libcurl.so.4"
#endif

static struct lazylib curl_lib = { CURL_SONAME, NULL };

LAZY_FORWARD(curl_lib, CURLcode, curl_global_init, (long flags), (flags))
LAZY_FORWARD(curl_lib, void, curl_global_cleanup, (void), ())
LAZY_FORWARD(curl_lib, curl_version_info_data *, curl_version_info, (CURLversion v), (v))
LAZY_FORWARD(curl_lib, void, curl_free, (void *p), (p))
LAZY_FORWARD(curl_lib, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s))
LAZY_FORWARD(curl_lib, void, curl_slist_free_all, (struct curl_slist *l), (l))
LAZY_FORWARD(curl_lib, time_t, curl_getdate, (const char *p, const time_t *unused), (p, unused))
LAZY_FORWARD(curl_lib, const char *, curl_easy_strerror, (CURLcode c), (c))
LAZY_FORWARD(curl_lib, CURL *, curl_easy_init, (void), ())
LAZY_FORWARD(curl_lib, CURLcode, curl_easy_perform, (CURL *h), (h))
LAZY_FORWARD(curl_lib, void, curl_easy_cleanup, (CURL *h), (h))
LAZY_FORWARD(curl_lib, void, curl_easy_reset, (CURL *h), (h))
LAZY_FORWARD(curl_lib, CURLcode, curl_easy_pause, (CURL *h, int bitmask), (h, bitmask))
LAZY_FORWARD(curl_lib, char *, curl_easy_unescape, (CURL *h, const char *s, int len, int *outlen),
	     (h, s, len, outlen))
LAZY_FORWARD(curl_lib, CURLM *, curl_multi_init, (void), ())
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h))
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h))
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running))
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_poll,
	     (CURLM *m, struct curl_waitfd extra[], unsigned int nextra, int timeout_ms, int *numfds),
	     (m, extra, nextra, timeout_ms, numfds))
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_wakeup, (CURLM *m), (m))
LAZY_FORWARD(curl_lib, CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left))
LAZY_FORWARD(curl_lib, CURLMcode, curl_multi_cleanup, (CURLM *m), (m))
LAZY_FORWARD(curl_lib, CURLU *, curl_url, (void), ())
LAZY_FORWARD(curl_lib, void, curl_url_cleanup, (CURLU *u), (u))
LAZY_FORWARD(curl_lib, CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned int flags),
	     (u, what, part, flags))
LAZY_FORWARD(curl_lib, CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, unsigned int flags),
	     (u, what, part, flags))

/*
 * The variadic setters take exactly one more argument whose type the option
 * number encodes (curl.h: CURLOPTTYPE_LONG 0, OBJECTPOINT 10000,
 * FUNCTIONPOINT 20000, OFF_T 30000, BLOB 40000 — libcurl decodes it the same
 * way), so it is read with that type and passed on with it.
 */
typedef void (*curl_fnptr)(void);

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	static CURLcode (*fn)(CURL *, CURLoption, ...);
	CURLcode (*f)(CURL *, CURLoption, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	va_list ap;
	CURLcode r;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLoption, ...))lazylib_sym(&curl_lib, "curl_easy_setopt");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = f(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = f(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = f(h, opt, va_arg(ap, curl_fnptr));
	else if (opt < CURLOPTTYPE_BLOB)
		r = f(h, opt, va_arg(ap, curl_off_t));
	else
		r = f(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	static CURLMcode (*fn)(CURLM *, CURLMoption, ...);
	CURLMcode (*f)(CURLM *, CURLMoption, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	va_list ap;
	CURLMcode r;

	if (!f) {
		f = (CURLMcode(*)(CURLM *, CURLMoption, ...))lazylib_sym(&curl_lib, "curl_multi_setopt");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = f(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = f(m, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = f(m, opt, va_arg(ap, curl_fnptr));
	else
		r = f(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return r;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*fn)(CURL *, CURLINFO, ...);
	CURLcode (*f)(CURL *, CURLINFO, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLINFO, ...))lazylib_sym(&curl_lib, "curl_easy_getinfo");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, info);
	void *p = va_arg(ap, void *);
	va_end(ap);
	return f(h, info, p);
}
