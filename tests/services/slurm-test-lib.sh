# Sourced by tests/t/t60*-slurm*.sh after ../test-lib.sh: starts a private
# one-node Slurm cluster under $TRASH/slurm on free loopback ports, stops it
# when the script exits, and exports SLURM_CONF (without it the Slurm tools
# go looking for DNS SRV records). When Slurm is missing or will not start,
# the whole script is skipped with the reason: never a silent pass.

for _tool in munged mungekey slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
	command -v "$_tool" >/dev/null 2>&1 ||
		skip_all "slurm is not installed ('$_tool' is missing: apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || skip_all "the test cluster's daemons run as root, and this is not root"

# port_busy PORT: something listens on 127.0.0.1:PORT (when ss can tell)
port_busy() {
	command -v ss >/dev/null 2>&1 && ss -Hltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$1\$"
}
_k=0
SLURM_PORT=$(test_free_port)
while port_busy "$SLURM_PORT" || port_busy $((SLURM_PORT + 1)); do
	_k=$((_k + 1))
	SLURM_PORT=$(test_free_port $_k)
done
SLURM_DIR=$TRASH/slurm
test_atexit "sh '$SRCDIR/tests/services/slurm-down.sh' '$SLURM_DIR'"
if ! sh "$SRCDIR/tests/services/slurm-up.sh" "$SLURM_DIR" "$SLURM_PORT" >"$TRASH/slurm-up.log" 2>&1; then
	_why=$(tail -n 3 "$TRASH/slurm-up.log" | tr '\n' ' ')
	sh "$SRCDIR/tests/services/slurm-down.sh" "$SLURM_DIR"
	skip_all "cannot start a one-node slurm cluster on port $SLURM_PORT: $_why"
fi
SLURM_CONF=$SLURM_DIR/slurm.conf
export SLURM_CONF SLURM_DIR

# slurm_job_id STAGE: the id of the newest job repro submitted for STAGE
slurm_job_id() {
	squeue -h -t all -n "repro-$1" -o %i | sort -n | tail -n 1
}

# slurm_last_id: the newest job id the cluster knows (0 when none)
slurm_last_id() {
	_id=$(squeue -h -t all -o %i | sort -n | tail -n 1)
	echo "${_id:-0}"
}

# slurm_wait_for STAGE STATE: waits (up to 60 s) until STAGE's job is in STATE
slurm_wait_for() {
	_i=0
	until [ "$(squeue -h -t all -n "repro-$1" -o "%i %T" | sort -n | tail -n 1 | cut -d" " -f2)" = "$2" ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || { echo "job of '$1' never reached $2" >&2; squeue -t all >&2; return 1; }
		sleep 0.1
	done
}

# slurm_queue: what is queued or running (nothing, once a run cleaned up)
slurm_queue() {
	squeue -h -o "%i %j %T"
}
