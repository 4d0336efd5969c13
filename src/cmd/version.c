#include <stdio.h>

#include <archive.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <git2.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "cmd/cmd.h"
#include "util/error.h"
#include "util/options.h"
#include "version.h"

int cmd_version(int argc, char **argv, struct project *p)
{
	int verbose = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL('v', "verbose", &verbose, "also print the versions of the libraries"),
		OPT_END(),
	};
	const struct command_help help = { "repro version [-v]", "Print the version of repro.", NULL };

	(void)p;
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n) {
		error("'version' takes no arguments (got '%s')", args.items[0]);
		fprintf(stderr, "usage: %s\n", help.usage);
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	strlist_release(&args, 0);
	printf("repro %s\n", REPRO_VERSION);
	if (verbose) {
		int maj, min, rev;
		git_libgit2_version(&maj, &min, &rev);
		printf("libgit2 %d.%d.%d\n%s\nlibyaml %s\ncJSON %s\n%s\nlibcurl %s\n", maj, min, rev,
		       OpenSSL_version(OPENSSL_VERSION), yaml_get_version_string(), cJSON_Version(),
		       archive_version_string(), curl_version_info(CURLVERSION_NOW)->version);
	}
	return 0;
}
