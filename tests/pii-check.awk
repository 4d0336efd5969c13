# pii-check.awk: scores one redacted output against its NAME.check, for
# tests/t/t3510-redact.sh and bench/pii-eval.sh.
#
#   awk -f tests/pii-check.awk NAME.check NAME.out
#
# NAME.check holds, one a line:
#   secret: TEXT    a planted secret: TEXT must appear nowhere in the output
#   keep: TEXT      a look-alike: TEXT must appear on some output line
#   keep+: TEXT     the look-alike above goes on: TEXT on the next output line
#                   (an env pair: `- name: TOKEN_PATH` + `value: /run/...`)
#   count: KIND N   N items of KIND in --report (read by the caller)
# Prints one line per planted secret, "found" or "missed TEXT", and one per
# look-alike, "kept" or "lost TEXT", in the order of NAME.check.
FILENAME == ARGV[1] {
	if (substr($0, 1, 8) == "secret: ") {
		secret[++ns] = substr($0, 9)
	} else if (substr($0, 1, 6) == "keep: ") {
		keep[++nk, 0] = substr($0, 7)
		parts[nk] = 1
	} else if (substr($0, 1, 7) == "keep+: " && nk) {
		keep[nk, parts[nk]++] = substr($0, 8)
	}
	next
}
{ out[++nl] = $0 }
END {
	for (i = 1; i <= ns; i++) {
		hit = 0
		for (l = 1; l <= nl && !hit; l++)
			hit = index(out[l], secret[i]) > 0
		print(hit ? "missed " secret[i] : "found")
	}
	for (k = 1; k <= nk; k++) {
		hit = 0
		for (l = 1; l + parts[k] - 1 <= nl && !hit; l++) {
			hit = 1
			for (p = 0; p < parts[k] && hit; p++)
				hit = index(out[l + p], keep[k, p]) > 0
		}
		print(hit ? "kept" : "lost " keep[k, 0])
	}
}
