/*
 * Replays inputs through one fuzz target without libFuzzer, so the normal
 * build (gcc, and gcc with ASan+UBSan in check-san) runs every seed and
 * every recorded crash as a regression test:
 *
 *     replay-TARGET FILE...
 *
 * Calls the target's LLVMFuzzerInitialize (when it has one) and then
 * LLVMFuzzerTestOneInput on each file's bytes, in a buffer of exactly that
 * size, as libFuzzer would. A broken invariant aborts; a sanitizer report
 * fails the process. Exits 0 when every file ran, 2 on a usage or read error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct strbuf sb = STRBUF_INIT;
		if (strbuf_read_file(&sb, argv[i], 16u << 20) < 0) {
			fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
			return 2;
		}
		/* an exact-size copy, so reading one byte too far is caught */
		size_t len = sb.len;
		uint8_t *copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, sb.buf, len);
		strbuf_release(&sb);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	return 0;
}
