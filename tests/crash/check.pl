# check.pl PROJECT REMOTE: what must hold after any kill.
#  - every object in PROJECT/.repro/cache and in REMOTE hashes to its name
#    (".dir" manifests included);
#  - `repro status` exits 0 or 1 (stages.lock parses; no crash);
#  - every object stages.lock names for a cached out (a manifest and each
#    file it lists) is in the cache, or `repro status` lists that stage.
# Outs named in $CRASH_NOCACHE (space-separated) are cache: false: git
# keeps them, the cache need not. Problems go to stderr; exit 1 on any.
# An object already verified is not hashed again while its inode, size
# and mtime are unchanged ($CRASH_VERIFIED names the file remembering
# them): any write to it would change its mtime.
use strict;
use warnings;
use Digest::SHA;
use JSON::PP;

my ($proj, $remote) = @ARGV;
my %nocache = map { $_ => 1 } split ' ', ($ENV{CRASH_NOCACHE} // '');
my $bad = 0;
sub bad { print STDERR "check: @_\n"; $bad = 1 }

my %verified;
my $memo = $ENV{CRASH_VERIFIED};
if ($memo && open my $m, '<', $memo) {
	while (<$m>) { chomp; my ($k, $v) = split /\t/; $verified{$k} = $v }
}
my %now;

sub check_store {
	my ($dir) = @_;
	opendir(my $d, $dir) or return;
	for my $fan (sort grep { /^[0-9a-f]{2}$/ } readdir $d) {
		opendir(my $f, "$dir/$fan") or next;
		for my $name (grep { !/^\./ } readdir $f) {
			my $path = "$dir/$fan/$name";
			next unless -f $path;
			(my $id = "$fan$name") =~ s/\.dir$//;
			my @st = stat $path;
			my $stamp = "$st[1] $st[7] $st[9]";
			if (($verified{$path} // '') eq $stamp) { $now{$path} = $stamp; next }
			my $got = Digest::SHA->new(256)->addfile($path)->hexdigest;
			if ($got ne $id) { bad("object '$path' hashes to $got") } else { $now{$path} = $stamp }
		}
	}
}
check_store("$proj/.repro/cache");
check_store($remote) if defined $remote;
if ($memo && open my $m, '>', $memo) { print $m "$_\t$now{$_}\n" for keys %now }

my $status = `cd '$proj' && repro status 2>&1`;
my $code = $? & 127 ? 128 + ($? & 127) : $? >> 8;
bad("'repro status' exited $code:\n$status") if $code > 1;

# stages.lock: YAML in a fixed layout (see lock.c); a stage name at two
# spaces, "outs:" at four, then "- path:" / "sha256:" pairs.
my (%need, $stage, $in_outs, $path);
if (open my $l, '<', "$proj/stages.lock") {
	while (<$l>) {
		if (/^  (\S[^:]*):\s*$/) { $stage = $1; $in_outs = 0; next }
		if (/^    (\w+):/) { $in_outs = $1 eq 'outs'; next }
		next unless $in_outs && defined $stage;
		$path = $1 if /^    - path: (.*)$/;
		push @{$need{$stage}}, $1 if /^      sha256: (\S+)/ && !$nocache{$path};
	}
}
sub objpath {
	my ($id) = @_;
	return "$proj/.repro/cache/" . substr($id, 0, 2) . "/" . substr($id, 2);
}
my %listed = map { /^(\S[^:]*):$/ ? ($1 => 1) : () } split /\n/, $status;
for my $s (sort keys %need) {
	my @missing;
	for my $id (@{$need{$s}}) {
		my $p = objpath($id);
		if (!-f $p) { push @missing, $id; next }
		next unless $id =~ /\.dir$/;
		my $m = eval { open my $f, '<', $p or die; local $/; decode_json(<$f>) };
		if (!$m) { bad("manifest '$p' does not parse"); next }
		for my $e (@$m) { push @missing, "$e->{sha256} ($e->{path})" unless -f objpath($e->{sha256}) }
	}
	bad("stage '$s' is reported up to date but its objects are missing from the cache: @missing")
		if @missing && !$listed{$s};
}
exit $bad;
