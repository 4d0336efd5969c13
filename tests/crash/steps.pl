# steps.pl STEP [ARG]: the stages of the crash tests' pipeline, one perl
# process each, deterministic, a few ms to tens of ms of work.
use strict; use Digest::SHA qw(sha256_hex);
my ($step, $seed) = @ARGV;
if ($step eq 'prep') {
	mkdir 'prep';
	for my $f (sort glob 'data/raw/*.txt') {
		open my $in, '<', $f or die; local $/; my $t = <$in>; close $in;
		(my $b = $f) =~ s{.*/}{};
		open my $o, '>', "prep/$b" or die; print $o uc($t), "seed $seed\n"; close $o;
	}
} elsif ($step eq 'blob') {
	open my $o, '>', 'blob.bin' or die; my $h = "s$seed";
	for (1 .. 2048) { $h = sha256_hex($h); print $o $h x 2 }
	close $o;
} elsif ($step eq 'sum') {
	my ($n, $bytes, $d) = (0, 0, Digest::SHA->new(256));
	for my $f ((sort glob 'prep/*'), 'blob.bin') { $n++; $bytes += -s $f; $d->addfile($f) }
	my $hex = $d->hexdigest;
	open my $o, '>', 'summary.txt' or die; print $o "files $n\nbytes $bytes\ndigest $hex\n"; close $o;
	open $o, '>', 'metrics.json' or die; print $o "{\"files\": $n, \"bytes\": $bytes}\n"; close $o;
} elsif ($step eq 'report') {
	mkdir 'report'; mkdir 'report/sub';
	open my $in, '<', 'summary.txt' or die; my @l = <$in>; close $in;
	for my $i (1 .. 30) { open my $o, '>', "report/sub/r$i.txt" or die; print $o @l, "part $i\n"; close $o }
	open my $o, '>', 'report/index.txt' or die; print $o "30 parts\n"; close $o;
}
