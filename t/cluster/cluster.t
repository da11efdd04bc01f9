#!/usr/bin/env perl
# make cluster-test (issue 16, README "Scaling out"): Nexus on a three-node
# MariaDB Galera cluster with two pools ("hosts") behind one nginx, all on
# loopback as this file's own processes (t/lib/NexusCluster.pm).
#
# Under a steady mixed load (heartbeats, memory writes, secret writes and
# audited reads, token rotations used at once through either host) one
# Galera node is killed (-9) and restarted (it rejoins by IST), then one
# pool (a whole host) is killed and restarted. Then every acknowledged (2xx)
# write must be there exactly once, every audited read must have its audit
# row, the audit chain must verify, and nothing may have answered 500. The
# figures (acknowledged, lost, duplicated, failed, the longest error window)
# are printed, and the throughput of the same load on one node and on three.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use NexusCluster;
use POSIX ();
use Time::HiRes qw(sleep time);
my $cluster;
BEGIN {
    require NexusTest;
    NexusTest::test_settings();
    # A worker recycles itself after max_requests; the load should see host
    # and node failures, not recycling.
    $ENV{NEXUS_SERVER_MAX_REQUESTS} = 0;
    $cluster = NexusCluster->new(nodes => 3);
    $cluster->start(pools => 2);
    $ENV{NEXUS_TEST_STACK} = $cluster->dir;
}
use NexusTest;
use Test::More;

my $LOAD_SECONDS = $ENV{NEXUS_CLUSTER_LOAD_SECONDS} // 56;
my $CLIENTS = 4;

like($cluster->{migrate_log}, qr/database is at version \d+/, 'the schema and migrations ran on the cluster');
is(api(GET => '/healthz')->{status}, 200, 'healthz through nginx');
for my $i (1 .. 3) {
    is($cluster->_status($i, 'wsrep_cluster_size'), 3, "node $i sees a cluster of 3");
}

# --- the load ------------------------------------------------------------------------

# One client: its own agent; each round a heartbeat, a memory, a secret
# written and read back (audited), every fifth round a token rotation whose
# new token is used at once. Writes one line per request to $out:
# time op status key request_id.
sub client {
    my ($n, $url, $admin, $seconds, $out) = @_;
    my $http = HTTP::Tiny->new(timeout => 15, keep_alive => 0);
    my $call = sub {
        my ($method, $path, $token, $body) = @_;
        my %h = (Authorization => "Bearer $token");
        $h{'Content-Type'} = 'application/json' if $body;
        my $r = $http->request($method, "$url$path",
            { headers => \%h, ($body ? (content => JSON::PP::encode_json($body)) : ()) });
        my $json = eval { JSON::PP::decode_json($r->{content}) };
        return ($r->{status}, $json, $r->{headers}{'x-request-id'} // '-');
    };
    open my $log, '>', $out or die "$out: $!";
    $log->autoflush(1);
    my $rec = sub { my ($op, $status, $key, $rid) = @_; printf $log "%.3f %s %d %s %s\n", time, $op, $status, $key, $rid };
    my $slug = "load-$n-$$";
    my ($st, $j);
    for (1 .. 100) {
        ($st, $j) = $call->(POST => '/api/agents/register', $admin, { slug => $slug, name => $slug, scope => 'load' });
        last if $st == 201;
        sleep 0.2;
    }
    die "register $slug: $st\n" unless $st == 201;
    my $token;
    for (1 .. 100) { ($st, $j) = $call->(PUT => "/api/agents/$slug/token", $admin); last if $st == 201; sleep 0.2 }
    die "token $slug: $st\n" unless $st == 201;
    $token = $j->{token};
    my $until = time + $seconds;
    for (my $round = 1; time < $until; ++$round) {
        ($st) = $call->(POST => "/api/agents/$slug/heartbeat", $token, {});
        $rec->('heartbeat', $st, $slug, '-');
        my $content = "load $n $$ $round";
        ($st) = $call->(POST => '/api/memories/collect', $token, { agent => $slug, content => $content });
        (my $key = $content) =~ tr/ /_/;
        $rec->('memory', $st, $key, '-');
        my $name = "c$n-$$-$round";
        ($st, $j) = $call->(POST => '/api/vault/secrets', $admin, { scope => 'load', name => $name, value => "v$round", allowed_profiles => [] });
        $rec->('secret', $st, $name, '-');
        if ($st >= 200 && $st < 300 && $j && $j->{id}) {
            my ($rs, $rj, $rid) = $call->(GET => "/api/vault/secrets/$j->{id}", $token);
            $rec->('read', $rs, $j->{id}, $rid);
        }
        if ($round % 5 == 0) {
            ($st, $j) = $call->(PUT => "/api/agents/$slug/token", $admin);
            $rec->('rotate', $st, $slug, '-');
            if ($st == 201) {
                $token = $j->{token};
                # At once, through whichever host nginx picks: read-your-writes.
                ($st) = $call->(POST => "/api/agents/$slug/heartbeat", $token, {});
                $rec->('new-token', $st, $slug, '-');
            }
        }
    }
    close $log;
}

# Runs the load for seconds against url; events => [[at_seconds, code], ...]
# happen meanwhile. Returns the parsed lines.
sub run_load {
    my ($url, $admin, $seconds, $tag, @events) = @_;
    my @pids;
    my $dir = $cluster->dir;
    for my $n (1 .. $CLIENTS) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $ok = eval { client($n, $url, $admin, $seconds, "$dir/load-$tag-$n.log"); 1 };
            print STDERR "client $n: $@" unless $ok;
            POSIX::_exit($ok ? 0 : 1);
        }
        push @pids, $pid;
    }
    my $t0 = time;
    for my $e (sort { $a->[0] <=> $b->[0] } grep { $_->[0] < $seconds } @events) {
        my $wait = $t0 + $e->[0] - time;
        sleep $wait if $wait > 0;
        $e->[1]->();
    }
    my $bad = 0;
    for (@pids) { waitpid($_, 0); $bad++ if $? }
    is($bad, 0, "the $tag load's clients all ran");
    my @lines;
    for my $n (1 .. $CLIENTS) {
        open my $fh, '<', "$dir/load-$tag-$n.log" or next;
        while (<$fh>) { chomp; my @f = split / /; push @lines, { at => $f[0], op => $f[1], status => $f[2], key => $f[3], rid => $f[4] } }
    }
    return sort { $a->{at} <=> $b->{at} } @lines;
}

sub ok_status { $_[0] >= 200 && $_[0] < 300 }

my $admin = admin_token();
my %marks;
my $mark = sub { my ($what) = @_; $marks{$what} = time; diag(sprintf '%s', $what) };
my $t_start = time;
my @lines = run_load($cluster->url, $admin, $LOAD_SECONDS, 'three',
    [10 => sub { $mark->('kill -9 Galera node 2'); $cluster->kill_node(2) }],
    [22 => sub { $mark->('restart node 2'); $cluster->start_node(2); $mark->('node 2 synced') }],
    [32 => sub { $mark->('kill -9 pool 1 (host 1)'); $cluster->kill_pool(1) }],
    [42 => sub { $mark->('restart pool 1'); $cluster->start_pool(1) }],
);
ok(scalar @lines, 'the load ran: ' . scalar(@lines) . ' requests');
is($cluster->last_join(2), 'IST', 'node 2 rejoined by IST');

# --- what the load left ----------------------------------------------------------------------

my %count;
$count{ $_->{status} }++ for @lines;
my @five_hundred = grep { $_->{status} == 500 } @lines;
is(scalar @five_hundred, 0, 'no request answered 500') or diag(join ', ', map {"$_->{op} $_->{key}"} @five_hundred[0 .. 4]);
# 503: Nexus refused (a lost database, Retry-After). 502: nginx, for the
# requests a host took with it when it was killed (no answer at all).
my @odd = grep { !ok_status($_->{status}) && $_->{status} != 503 && $_->{status} != 502 && $_->{status} != 401 && $_->{status} != 404 } @lines;
is(scalar @odd, 0, 'every failure was a 503 (or a 502 of the killed host; 401 and 404 are counted below)')
    or diag(join ', ', map {"$_->{op} $_->{status}"} @odd[0 .. (@odd > 9 ? 9 : $#odd)]);
my @cut = grep { $_->{status} == 502 } @lines;
ok(!grep({ $_->{at} < $marks{'kill -9 pool 1 (host 1)'} - 1 || $_->{at} > $marks{'restart pool 1'} + 5 } @cut),
    'the 502s all came when the host was killed');
my @rotations_used = grep { $_->{op} eq 'new-token' } @lines;
my @refused = grep { $_->{status} == 401 } @rotations_used;
is(scalar @refused, 0, 'a rotated token worked at once through either host (read-your-writes)')
    or diag(join ', ', map { sprintf '%.2f s', $_->{at} - $t_start } @refused);
my @unread = grep { $_->{op} eq 'read' && $_->{status} == 404 } @lines;
is(scalar @unread, 0, 'a secret written through one host could be read at once through either')
    or diag(join ', ', map { sprintf 'secret %s at %.2f s', $_->{key}, $_->{at} - $t_start } @unread);
ok(scalar(grep { ok_status($_->{status}) } @rotations_used) > 0, '... tried ' . scalar(@rotations_used) . ' times');

my $dbh = dbh();
$dbh->do('SET SESSION wsrep_sync_wait = 7');
my (%memories, %secrets);
for my $row (@{ $dbh->selectall_arrayref("SELECT content, COUNT(*) FROM memory_entries WHERE content LIKE 'load %' GROUP BY content") }) {
    (my $key = $row->[0]) =~ tr/ /_/;
    $memories{$key} = $row->[1];
}
for my $row (@{ $dbh->selectall_arrayref("SELECT name, COUNT(*) FROM secrets WHERE scope = 'load' GROUP BY name") }) {
    $secrets{ $row->[0] } = $row->[1];
}
my ($acked, $lost, $dup, $failed) = (0, 0, 0, 0);
for my $l (@lines) {
    if (!ok_status($l->{status})) { $failed++; next }
    next unless $l->{op} eq 'memory' || $l->{op} eq 'secret';
    $acked++;
    my $n = ($l->{op} eq 'memory' ? $memories{ $l->{key} } : $secrets{ $l->{key} }) // 0;
    if ($n == 0) { $lost++; diag(sprintf 'lost: %s %s (answered %d at %.2f s)', $l->{op}, $l->{key}, $l->{status}, $l->{at} - $t_start) }
    $dup++ if $n > 1;
}
my @reads = grep { $_->{op} eq 'read' && ok_status($_->{status}) } @lines;
# The upstreams nginx tried for each request ("a, b" when it passed a GET
# on to the other pool because the first died with it: both may have read
# the secret, and each read has its row).
my %upstreams;
if (open my $al, '<', $cluster->dir . '/nginx/access.log') {
    while (<$al>) { $upstreams{$1} = $2 if /rid=(\S+) up=(.*)$/ }
}
my ($unaudited, $passed_on) = (0, 0);
my $audit = $dbh->prepare("SELECT COUNT(*) FROM audit_log WHERE request_id = ? AND action = 'secret.read'");
for my $r (@reads) {
    $audit->execute($r->{rid});
    my ($n) = $audit->fetchrow_array;
    my $tried = $upstreams{ $r->{rid} } // '?';
    my $pools = () = $tried =~ /unix:/g;
    next if $n == 1;
    if ($n >= 1 && $n <= $pools) { $passed_on++; next }
    $unaudited++;
    diag(sprintf 'read %s of secret %s at %.2f s: %d secret.read rows; upstreams tried: %s',
        $r->{rid}, $r->{key}, $r->{at} - $t_start, $n, $tried);
}
diag("$passed_on audited read(s) passed on by nginx to the other pool, one row per pool that read") if $passed_on;
is($lost, 0, "every acknowledged write is there ($acked acknowledged)");
is($dup, 0, 'none twice');
is($unaudited, 0, 'every audited read (' . scalar(@reads) . ') has exactly one audit row per pool that served it');

# The longest time from a failed request to the next answered one.
my ($window, $from) = (0, undef);
for my $l (@lines) {
    if (!ok_status($l->{status})) { $from //= $l->{at} }
    elsif (defined $from) { $window = $l->{at} - $from if $l->{at} - $from > $window; undef $from }
}

# The chain, after the sealers caught up (seal delay and interval).
my $sealed = NexusTest::wait_until(30, sub {
    !($dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE seq IS NULL AND at < UTC_TIMESTAMP(3) - INTERVAL 2 SECOND'))[0];
});
ok($sealed, 'the sealers sealed every row');
{
    my ($rc, $out) = nexusctl('audit', 'verify');
    is($rc, 0, 'nexusctl audit verify passes on the whole chain') or diag($out);
    diag($out);
}
my ($epochs) = $dbh->selectrow_array('SELECT COUNT(DISTINCT seal_epoch) FROM audit_log WHERE seq IS NOT NULL');

my $steady = sub {    # requests per second in [from, to) seconds after the start
    my ($ls, $from, $to, $t0) = @_;
    my $n = grep { $_->{at} >= $t0 + $from && $_->{at} < $t0 + $to && ok_status($_->{status}) } @$ls;
    return $n / ($to - $from);
};
my $three_rps = $steady->(\@lines, 2, 10, $t_start);

# --- the same load on one node -----------------------------------------------------------------

$cluster->stop;
my $single = NexusCluster->new(nodes => 1);
$single->start(pools => 2);
my $single_admin = do { open my $fh, '<', $single->dir . '/admin.token' or die; my $t = <$fh>; chomp $t; $t };
my $t_single = time;
{
    local $cluster->{dir} = $single->dir;    # run_load's logs
    my @one = run_load($single->url, $single_admin, 10, 'one');
    my $one_rps = $steady->(\@one, 2, 10, $t_single);
    my $failed_one = grep { !ok_status($_->{status}) } @one;
    is($failed_one, 0, 'the load on one node had no failures');
    printf STDERR "\n=== cluster-test figures ===\n";
    printf STDERR "requests            %d (%s)\n", scalar @lines, join(', ', map {"$_: $count{$_}"} sort keys %count);
    printf STDERR "acknowledged writes %d (memories and secrets)\n", $acked;
    printf STDERR "lost                %d\n", $lost;
    printf STDERR "duplicated          %d\n", $dup;
    printf STDERR "failed requests     %d (503: %d, 502: %d)\n", $failed, $count{503} // 0, $count{502} // 0;
    printf STDERR "longest error window %.2f s\n", $window;
    printf STDERR "audited reads       %d, all with their audit row\n", scalar @reads unless $unaudited;
    printf STDERR "seal epochs         %d\n", $epochs;
    printf STDERR "throughput, %d clients, answered requests/s: one node %.0f, three nodes %.0f\n", $CLIENTS, $one_rps, $three_rps;
    printf STDERR "events: %s\n", join('; ', map { sprintf '%s at %.1f s', $_, $marks{$_} - $t_start } sort { $marks{$a} <=> $marks{$b} } keys %marks);
}

done_testing();
