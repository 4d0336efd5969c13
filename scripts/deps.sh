#!/bin/sh
# Usage: scripts/deps.sh build|test
# Installs the Debian packages repro needs when they are missing: "build" the
# six libraries and pkg-config; "test" those plus the servers the tests start
# (nginx with WebDAV, Slurm, munge, Ceph's RADOS Gateway, chromium) and clang
# with libFuzzer for `make fuzz`. As root it runs apt-get itself; otherwise it
# prints the exact command to run.
set -eu
what=${1:-build}

missing=""
need() { # need PACKAGE: queue PACKAGE unless dpkg says it is installed
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing="$missing $1"
}

for p in libgit2-dev libssl-dev libyaml-dev libcjson-dev libarchive-dev libcurl4-openssl-dev pkg-config make gcc; do
	need "$p"
done
if [ "$what" = test ]; then
	# clang and its sanitizer/libFuzzer runtimes: make fuzz (tests/fuzz/)
	for p in perl git curl python3 nginx libnginx-mod-http-dav-ext slurm-wlm munge zstd clang libclang-rt-14-dev; do
		need "$p"
	done
fi
# Packages installed without their recommends (Ceph pulls in hundreds otherwise).
norec=""
if [ "$what" = test ] && [ "${REPRO_NO_HEAVY_DEPS:-}" = "" ]; then
	for p in radosgw ceph-mon ceph-osd chromium; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || norec="$norec $p"
	done
fi

[ -z "$missing$norec" ] && exit 0

cmd1="apt-get install -y -q$missing"
cmd2="apt-get install -y -q --no-install-recommends$norec"
if [ "$(id -u)" != 0 ]; then
	echo "repro: missing Debian packages:$missing$norec" >&2
	echo "repro: run as root: apt-get update &&${missing:+ $cmd1}${norec:+ && $cmd2}" >&2
	exit 1
fi
echo "installing:$missing$norec" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
[ -n "$missing" ] && apt-get install -y -q $missing >/dev/null
[ -n "$norec" ] && apt-get install -y -q --no-install-recommends $norec >/dev/null
exit 0
