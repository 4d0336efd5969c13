# drop.pl PROJECT: removes from the cache every object that stages.lock
# names for an out (a manifest and the files it lists), as on a machine
# that never built them: what `repro pull` then has to fetch. Outs named in
# $CRASH_NOCACHE are left alone, like the inputs' objects.
use strict;
use warnings;
use JSON::PP;

my ($proj) = @ARGV;
my %nocache = map { $_ => 1 } split ' ', ($ENV{CRASH_NOCACHE} // '');
my ($in_outs, $path, @ids);
open my $l, '<', "$proj/stages.lock" or exit 0;
while (<$l>) {
	if (/^  \S[^:]*:\s*$/) { $in_outs = 0; next }
	if (/^    (\w+):/) { $in_outs = $1 eq 'outs'; next }
	next unless $in_outs;
	$path = $1 if /^    - path: (.*)$/;
	push @ids, $1 if /^      sha256: (\S+)/ && !$nocache{$path};
}
sub objpath { "$proj/.repro/cache/" . substr($_[0], 0, 2) . "/" . substr($_[0], 2) }
for my $id (@ids) {
	my $p = objpath($id);
	if ($id =~ /\.dir$/ && -f $p) {
		my $m = eval { open my $f, '<', $p or die; local $/; decode_json(<$f>) } || [];
		unlink objpath($_->{sha256}) for @$m;
	}
	unlink $p;
}
