/*
 * Libraries loaded on first use instead of at start-up.
 *
 * Debian's libcurl drags in some forty shared libraries (gnutls, krb5, ldap,
 * ssh2, ...) whose loading costs ~5 ms on every run, which is as much as a
 * whole no-op `repro run` over 10,000 files. Only a few commands need HTTP or
 * archives, so libcurl and libarchive are not linked: src/util/lazy_*.c
 * define the functions repro calls, each loading the library on its first
 * call (dlopen) and forwarding to the real function (dlsym). The API and
 * headers are the libraries' own; nothing of theirs is reimplemented.
 */
#ifndef REPRO_LAZYLIB_H
#define REPRO_LAZYLIB_H

struct lazylib {
	const char *soname; /* "libcurl.so.4" */
	void *handle;       /* set once loaded */
};

/*
 * Returns the address of `name` in the library, loading it first if needed.
 * A library that cannot be loaded, or lacks the symbol, ends the program with
 * a message saying which package provides it: there is no way to go on.
 */
void *lazylib_sym(struct lazylib *lib, const char *name);

/*
 * Defines `ret name params` forwarding to the library's own `name`. The
 * pointer is looked up once; racing threads look up the same value.
 */
#define LAZY_FORWARD(lib, ret, name, params, args)                                     \
	ret name params                                                                \
	{                                                                              \
		static ret(*lazy_fn_) params;                                          \
		ret(*lazy_f_) params = __atomic_load_n(&lazy_fn_, __ATOMIC_ACQUIRE);   \
		if (!lazy_f_) {                                                        \
			lazy_f_ = (ret(*) params)lazylib_sym(&(lib), #name);           \
			__atomic_store_n(&lazy_fn_, lazy_f_, __ATOMIC_RELEASE);        \
		}                                                                      \
		return lazy_f_ args;                                                   \
	}

#endif
