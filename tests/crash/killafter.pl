# killafter.pl time CMD...          runs `repro CMD...` to the end; prints the seconds it took
# killafter.pl SEED I DUR CMD...    runs it and SIGKILLs it after a delay drawn uniformly
#                                   from [0, DUR] seconds by a generator seeded from SEED
#                                   and I; prints "killed after T" or "exited N after T"
#
# The command's output goes to ../cmd.out. It may exit 0 or 1 (a pull after
# a killed push finds objects missing, say); anything else (a usage error,
# a sanitizer's 98/99, a signal other than ours) is a failure: the output is
# printed and this exits 1.
use strict;
use warnings;
use POSIX ();
use Time::HiRes qw(time sleep);

my $measure = $ARGV[0] eq 'time';
my ($seed, $i, $dur) = $measure ? (0, 0, 0) : @ARGV[0 .. 2];
my @cmd = ('repro', @ARGV[($measure ? 1 : 3) .. $#ARGV]);
my $delay = 0;
unless ($measure) {
	srand($seed * 1000003 + $i);
	$delay = rand($dur);
}
my $t0 = time;
my $pid = fork // die "fork: $!";
if (!$pid) {
	open STDOUT, '>', '../cmd.out' or die;
	open STDERR, '>&', \*STDOUT or die;
	exec @cmd or POSIX::_exit(127);
}
my $killed = 0;
unless ($measure) {
	sleep $delay;
	# only if it is still running (a finished child is a zombie until reaped)
	if (waitpid($pid, POSIX::WNOHANG()) == 0) {
		kill 'KILL', $pid;
		$killed = 1;
	} else {
		$killed = -1; # already reaped: $? holds its status
	}
}
waitpid($pid, 0) unless $killed == -1;
my $st = $?;
my $took = time - $t0;
if ($killed == 1 && ($st & 127) == 9) {
	printf "killed after %.4f s\n", $took;
	exit 0;
}
my $code = $st & 127 ? 128 + ($st & 127) : $st >> 8;
if ($code > 1) {
	open my $f, '<', '../cmd.out';
	print "'@cmd' exited $code:\n", <$f>;
	exit 1;
}
if ($measure) {
	printf "%.4f\n", $took;
} else {
	printf "exited %d after %.4f s\n", $code, $took;
}
