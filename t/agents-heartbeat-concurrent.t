#!/usr/bin/env perl
# Heartbeats sent at once by many clients (forked processes) for several
# agents, mixed with wrong tokens, other agents' tokens and unknown slugs:
# the group commit that writes concurrent beats together must answer each
# one as a lone beat is answered, and store only acknowledged reports.
use strict;
use warnings;
use NexusTest;
use Test::More;
use JSON::PP ();
use POSIX ();

my $json = JSON::PP->new->utf8->canonical;

my @agents = map { new_agent(slug => unique_slug("hbc$_")) } 0 .. 3;
my %token = map { $_ => issue_token($_)->{token} } @agents;
# agents[0] holds two active tokens at once (a rotation with a grace period),
# so one batch may carry two tokens of one agent.
my $old_token = $token{ $agents[0] };
$token{ $agents[0] } = issue_token($agents[0], grace => 600)->{token};

my $clients = 32;
my $per_client = 30;

# What client c sends as its n-th request: [kind, slug, token, body, expected status].
sub request_of {
    my ($c, $n) = @_;
    my $agent = $agents[ ($c + $n) % @agents ];
    my $other = $agents[ ($c + $n + 1) % @agents ];
    my $kind = ($c * 7 + $n) % 8;
    my $report = { status => "c$c-n$n", version => "$c.$n", meta => { client => $c, n => $n } };
    my $spoof = { status => "spoofed-c$c-n$n", version => 'x' };
    return [ 'good', $agent, $token{$agent}, $report, 200 ] if $kind <= 3;
    return [ 'good-old-token', $agents[0], $old_token, $report, 200 ] if $kind == 4;
    return [ 'wrong-token', $agent, 'nxa_' . join('', map { ('A' .. 'Z')[ rand 26 ] } 1 .. 43), $spoof, 401 ]
        if $kind == 5;
    return [ 'other-agents-token', $agent, $token{$other}, $spoof, 403 ] if $kind == 6;
    return [ 'unknown-slug', unique_slug('hbc-nobody'), $token{$agent}, $spoof, 403 ];
}

my $dbh = dbh();
my $multi_updates = sub { ($dbh->selectrow_array("SHOW GLOBAL STATUS LIKE 'Com_update_multi'"))[1] };
my $updates_before = $multi_updates->();

# Every client waits for the parent's close of $go_wr, so they start together.
pipe(my $go_rd, my $go_wr) or die "pipe: $!";
my @children;
for my $c (0 .. $clients - 1) {
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd;
        close $go_wr;
        my $go = <$go_rd>;
        for my $n (0 .. $per_client - 1) {
            my ($kind, $slug, $tok, $body, $want) = @{ request_of($c, $n) };
            my $r = api(POST => "/api/agents/$slug/heartbeat", token => $tok, json => $body);
            print $wr $json->encode({ c => $c, n => $n, status => $r->{status}, answer => $r->{json} }), "\n";
        }
        close $wr;
        POSIX::_exit(0);
    }
    close $wr;
    push @children, [ $pid, $rd ];
}
close $go_wr;
close $go_rd;

my @results;
for my $child (@children) {
    my ($pid, $fh) = @$child;
    while (my $line = <$fh>) { push @results, $json->decode($line) }
    waitpid $pid, 0;
}
my $updates = $multi_updates->() - $updates_before;

is scalar @results, $clients * $per_client, "all $clients x $per_client heartbeats were answered";

# --- each answer is what a lone heartbeat gets -----------------------------------------------------

my (%wrong, %count, %acked);
for my $res (@results) {
    my ($kind, $slug, undef, $body, $want) = @{ request_of($res->{c}, $res->{n}) };
    $count{$kind}++;
    push @{ $wrong{$kind} }, "c$res->{c} n$res->{n}: $res->{status}" if $res->{status} != $want;
    next unless $res->{status} == 200;
    my $a = $res->{answer} // {};
    push @{ $wrong{"$kind answer"} }, "c$res->{c} n$res->{n}"
        unless ($a->{slug} // '') eq $slug && ($a->{status} // '') eq 'online' && defined epoch_of($a->{last_heartbeat_at});
    $acked{$slug}{ $body->{status} } = { body => $body, at => $a->{last_heartbeat_at} };
}
is_deeply \%wrong, {}, 'every heartbeat got the status a lone one gets (200, 401 wrong token, 403 other agent or unknown slug)';
ok $count{$_}, "... the mix held $_ heartbeats ($count{$_})"
    for qw(good good-old-token wrong-token other-agents-token unknown-slug);
is scalar(grep { $_->{status} >= 500 } @results), 0, '... and none got a 5xx';

# --- what is stored is an acknowledged report -----------------------------------------------------------

for my $slug (@agents) {
    my $listed = listed_agent($slug);
    my $stored = $listed->{heartbeat} // {};
    my $acked = $acked{$slug}{ $stored->{status} // '' };
    ok $acked, "$slug: the stored report is one that was answered 200 ($stored->{status})"
        or next;
    is_deeply $stored, $acked->{body}, '... stored whole (status, version, meta)';
    is $listed->{last_heartbeat_at}, $acked->{at}, '... with the last_heartbeat_at that answer gave';
    is $listed->{status}, 'online', '... and the agent is online';
}
my ($spoofed) = $dbh->selectrow_array(
    "SELECT COUNT(*) FROM agents WHERE heartbeat_status LIKE 'spoofed%' OR heartbeat_version = 'x'");
is $spoofed, 0, 'no refused heartbeat wrote its report';

# A heartbeat with an agent token (all of these) first takes the fast path:
# alone, one multi-table UPDATE that checks the token and writes (a refused
# one then declines). Fewer such statements than heartbeats means beats
# shared one. (How many share depends on how the requests overlap; 32
# clients at once on a pool of 2 x 4 threads always overlap many times, so
# this counts statements, it does not time anything.)
cmp_ok $updates, '<', scalar @results,
    'the ' . scalar(@results) . " heartbeats took fewer UPDATE statements ($updates): batches formed";

# --- the store keeps working after the storm ----------------------------------------------------------------

my $r = api(POST => "/api/agents/$agents[1]/heartbeat", token => $token{ $agents[1] }, json => { status => 'after' });
is $r->{status}, 200, 'a lone heartbeat afterwards: 200';
is listed_agent($agents[1])->{heartbeat}{status}, 'after', '... and it is stored';

done_testing();
