#!/usr/bin/env perl
# make cluster-test (issue 16, README "Scaling out"): Nexus on a three-node
# MariaDB Galera cluster with two pools ("hosts") behind one nginx, all on
# loopback as this file's own processes (t/lib/NexusCluster.pm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use NexusCluster;
my $cluster;
BEGIN {
    $cluster = NexusCluster->new(nodes => 3);
    $cluster->start(pools => 2);
    $ENV{NEXUS_TEST_STACK} = $cluster->dir;
}
use NexusTest;
use Test::More;

like($cluster->{migrate_log}, qr/database is at version \d+/, 'the schema and migrations ran on the cluster');
my $r = api(GET => '/healthz');
is($r->{status}, 200, 'healthz through nginx');

done_testing();
