#!/bin/sh
# Regenerates MANIFEST.tsv after a file under files/ is added or edited:
#   sh data/sample/update-manifest.sh
# Same columns as ../shared/corpus/k8s/MANIFEST.tsv. The repositories are
# invented groupings of manifests written for this sample, so `commit` is
# all zeros and `original_path` is the path inside the grouping.
set -eu
cd "$(dirname "$0")"
license_of() {
	case "$1" in
	repro-samples/training-jobs) echo MIT ;;
	repro-samples/platform-base) echo BSD-3-Clause ;;
	repro-samples/*) echo Apache-2.0 ;;
	acme-ml/internal-stack) echo LicenseRef-ACME-Proprietary ;;
	copyleft-org/gpu-tools) echo GPL-3.0-only ;;
	*) echo unknown ;;
	esac
}
{
	printf 'relpath\trepo\tcommit\toriginal_path\tlicense\tsize_bytes\tgit_blob_sha1\n'
	find files -type f | LC_ALL=C sort | while IFS= read -r f; do
		top=${f#files/}
		dir=${top%%/*}
		repo=$(printf '%s' "$dir" | sed 's/__/\//')
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$repo" \
			0000000000000000000000000000000000000000 "${top#*/}" "$(license_of "$repo")" \
			"$(wc -c <"$f" | tr -d ' ')" "$(git hash-object "$f")"
	done
} >MANIFEST.tsv.tmp
mv MANIFEST.tsv.tmp MANIFEST.tsv
