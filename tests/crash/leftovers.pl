# leftovers.pl PROJECT [REMOTE]: after an unkilled command, nothing a killed
# one left behind may remain to pile up:
#  - no temporary file of an atomic write (".NAME.tmpXXXXXX") anywhere in the
#    project, .repro included;
#  - no per-process temporary directory (".repro/tmp/p<pid>@host-...") or
#    atomic write (".repro/tmp/a<pid>@host-...") of a process that is gone;
#  - with REMOTE, no upload left in REMOTE/.tmp (the test runs one
#    pusher at a time).
use strict;
use warnings;
use File::Find;

my ($proj, $remote) = @ARGV;
my $bad = 0;
find({ no_chdir => 1, wanted => sub {
	return unless m{/\.[^/]+\.tmp[A-Za-z0-9]{6}$};
	print STDERR "leftover: temporary file '$_'\n";
	$bad = 1;
} }, $proj);
sub dead { my ($pid) = @_; return !kill(0, $pid) && $!{ESRCH} }
for my $e (glob "$proj/.repro/tmp/[pa]*") {
	next unless $e =~ m{/[pa](\d+)\@[^/]*$} && dead($1);
	print STDERR "leftover: temporary '$e' of a finished process\n";
	$bad = 1;
}
for my $e (defined $remote ? glob "$remote/.tmp/*" : ()) {
	print STDERR "leftover: upload '$e' on the remote\n";
	$bad = 1;
}
exit $bad;
