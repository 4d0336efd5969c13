#!/usr/bin/perl
# gen-archive.pl [options] >archive.tar: a tar archive of generated small
# Kubernetes manifests, written as a stream (ustar; pipe it into gzip), so
# archives of any number of files cost no memory and no temporary files.
# For ingest's tests and benchmarks (tests/t/t3008-ingest-memory.sh,
# bench/ingest-mem.sh).
#
#   --files N      files to generate (default 1000)
#   --top DIR      the top directory every entry shares (default gen; "" for none)
#   --dups K       every Kth file has the content of an earlier one (default 10; 0: none)
#   --repeats K    every Kth file is written again later under the same path,
#                  with other content (default 0: none)
#   --manifest     a MANIFEST.tsv listing two thirds of the files, with a
#                  repeated row (the first must win), written last
#   --license      an MIT LICENSE file at the top
#   --seed S       varies the contents (default 1)
#
# Paths spread over 1000 directories in an order unrelated to the file
# numbers, and entries are written in a third order, so the archive's order
# is not the output's and duplicates fall on either side of their original.
use strict;
use warnings;
use Getopt::Long;

my ($files, $top, $dups, $repeats, $manifest, $license, $seed) = (1000, "gen", 10, 0, 0, 0, 1);
GetOptions("files=i" => \$files, "top=s" => \$top, "dups=i" => \$dups, "repeats=i" => \$repeats,
	"manifest" => \$manifest, "license" => \$license, "seed=i" => \$seed) or die "gen-archive.pl: bad options\n";
binmode STDOUT;
my $prefix = $top eq "" ? "" : "$top/";

# A 512-byte ustar header for a regular file.
sub header {
	my ($name, $size) = @_;
	die "gen-archive.pl: path too long: $name\n" if length($name) > 100;
	my $h = pack("a100 a8 a8 a8 a12 a12 A8 a1 a100 a6 a2 a32 a32 a8 a8 a155 a12",
		$name, "0000644", "0000000", "0000000", sprintf("%011o", $size), "00000000000",
		"", "0", "", "ustar", "00", "repro", "repro", "", "", "", "");
	my $sum = unpack("%32C*", $h);
	substr($h, 148, 8) = sprintf("%06o\0 ", $sum);
	return $h;
}

sub entry {
	my ($name, $data) = @_;
	print header($name, length $data), $data, "\0" x ((512 - length($data) % 512) % 512);
}

sub mix { my $x = shift; return ($x * 2654435761 + 97) % 4294967296; }

sub path_of { my $i = shift; return sprintf("files/d%03d/m%07d.yaml", mix($i) % 1000, $i); }

sub content_of {
	my $i = shift;
	my $j = ($dups && $i % $dups == $dups - 1 && $i >= $dups) ? $i - 1 - mix($i) % ($i < 50 ? $i : 50) : $i;
	my $n = $j * 7919 + $seed;
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-$n\n" .
	       "spec:\n  replicas: " . ($n % 5 + 1) . "\n  template:\n    spec:\n      containers:\n" .
	       "      - name: c\n        image: registry.example/app:$n\n";
}

# Entries in the order i = k * step mod files: a permutation, as the prime
# step does not divide files.
my $step = $files % 1000003 ? 1000003 : 999983;
my @repeat;
for my $k (0 .. $files - 1) {
	my $i = ($k * $step) % $files;
	entry($prefix . path_of($i), content_of($i));
	push @repeat, $i if $repeats && $i % $repeats == 0;
}
entry($prefix . path_of($_), "kind: Repeated\nmetadata:\n  name: r$_\n") for @repeat;
if ($license) {
	entry($prefix . "LICENSE", "MIT License\n\nCopyright (c) repro\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n");
}
if ($manifest) {
	my $m = "relpath\trepo\tcommit\tlicense\n";
	for my $i (0 .. $files - 1) {
		next if $i % 3 == 0;
		$m .= path_of($i) . "\torg" . ($i % 50) . "/repo\tabc\t" . (qw(MIT Apache-2.0 GPL-3.0-only))[$i % 3] . "\n";
		$m .= path_of($i) . "\tsecond/row\tabc\tnone\n" if $i % 100 == 1;
	}
	entry($prefix . "MANIFEST.tsv", $m);
}
print "\0" x 1024;
