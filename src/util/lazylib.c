#include "util/lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

void *lazylib_sym(struct lazylib *lib, const char *name)
{
	pthread_mutex_lock(&load_lock);
	if (!lib->handle) {
		lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!lib->handle) {
			fprintf(stderr, "repro: cannot load %s (%s); install it, e.g. 'apt-get install %s'\n",
				lib->soname, dlerror(), lib->soname);
			exit(2);
		}
	}
	pthread_mutex_unlock(&load_lock);
	void *sym = dlsym(lib->handle, name);
	if (!sym) {
		fprintf(stderr, "repro: %s has no '%s' (%s): it is older than the one repro was built with\n",
			lib->soname, name, dlerror());
		exit(2);
	}
	return sym;
}
