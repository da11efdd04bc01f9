#!/usr/bin/env perl
# Idempotency-Key against workers SIGKILLed at any instant: clients collect
# memories with a key each and retry every write that did not get its 201
# with the same key (a 502 when the worker died mid-request, whether or not
# it had committed); at the end every write is stored exactly once.
use strict;
use warnings;
use Test::More;
use NexusTest;
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);

my $json = JSON::PP->new->utf8->canonical;
my $dbh = dbh();
my $run = unique_slug('idk');
my $slug = new_agent(slug => $run);
my $token = issue_token($slug)->{token};
my ($clients, $seconds) = (6, 4);

# Client $c's writes, for $seconds; prints "<writes> <retries> <replays> <given up>".
sub client {
    my ($c, $w) = @_;
    my ($retries, $replays, $lost, $i) = (0, 0, 0, 0);
    my $end = time + $seconds;
    while (time < $end) {
        $i++;
        my $body = $json->encode({ agent => $slug, content => "$run c$c w$i" });
        my $done = 0;
        for my $try (1 .. 100) {
            my $r = api(POST => '/api/memories/collect', token => $token, headers => { 'Idempotency-Key' => "$run-$c-$i" },
                body => $body);
            if ($r->{status} == 201) {
                $replays++ if $try > 1 && ($r->{headers}{'idempotent-replayed'} // '') eq 'true';
                $done = 1;
                last;
            }
            $retries++;
            sleep 0.05;
        }
        $lost++ unless $done;
    }
    print $w "$i $retries $replays $lost\n";
}

my @children;
for my $c (1 .. $clients) {
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) { close $r; client($c, $w); close $w; POSIX::_exit(0) }
    close $w;
    push @children, [ $pid, $r ];
}
my $killed = 0;
for (1 .. 10) {
    sleep 0.3;
    $killed++ if kill_worker();
}
my ($writes, $retries, $replays, $lost) = (0, 0, 0, 0);
for (@children) {
    my ($pid, $r) = @$_;
    my ($n, $a, $b, $c) = split ' ', (<$r> // '0 0 0 999');
    waitpid($pid, 0);
    ($writes, $retries, $replays, $lost) = ($writes + $n, $retries + $a, $replays + $b, $lost + $c);
}
diag("$writes writes; $killed workers killed; $retries retries, $replays writes answered by a replay");
ok($killed > 0, 'workers were killed under the load');
is($lost, 0, 'every write was acknowledged in the end');
my $rows = $dbh->selectall_arrayref(
    'SELECT e.content, COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ? GROUP BY e.content',
    undef, $slug);
is(scalar(@$rows), $writes, 'every write is stored');
is(scalar(grep { $_->[1] != 1 } @$rows), 0, '... each exactly once');
my ($entries) = $dbh->selectrow_array('SELECT entries FROM memory_days d JOIN agents a ON a.id = d.agent_id WHERE a.slug = ?',
    undef, $slug);
is($entries, $writes, "the day's summary counts each once too");
is(scalar $dbh->selectrow_array('SELECT COUNT(*) FROM idempotency_keys WHERE idem_key LIKE ?', undef, "$run-%"),
    $writes, 'one key row per write');

done_testing;
