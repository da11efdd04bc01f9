#!/usr/bin/env perl
# Under overload the pool turns away, at once, the requests that waited too
# long for a worker thread (server.queue_timeout_ms, measured from nginx's
# NEXUS_QUEUED_AT), with 503 "overloaded" and Retry-After, and does none of
# their work. A stack of its own: one worker with one thread, so one request
# held in the database makes the next one wait in the socket's queue.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);

use lib 't/lib';
use constant QUEUE_TIMEOUT_MS => 500;
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-overload', NEXUS_SERVER_WORKERS => 1, NEXUS_SERVER_THREADS => 1,
        NEXUS_SERVER_QUEUE_TIMEOUT_MS => QUEUE_TIMEOUT_MS);
}
use NexusTest;

my $admin = admin_token();
sub metric { my ($v) = api(GET => '/admin/metrics', token => $admin)->{body} =~ /^\Q$_[0]\E (\d+)$/m; $v }

my $held = new_agent(slug => unique_slug('overload-held'));
my $held_token = issue_token($held)->{token};
my $queued = new_agent(slug => unique_slug('overload-queued'));
my $queued_token = issue_token($queued)->{token};
is api(POST => "/api/agents/$held/heartbeat", token => $held_token)->{status}, 200, 'a heartbeat passes when the pool is idle';
my $shed_before = metric('nexus_http_requests_shed_total');
ok defined $shed_before, 'the shed requests are counted (nexus_http_requests_shed_total)';

# Runs one request in a child; returns a reader of its status, error code,
# Retry-After and X-Request-Id.
sub in_child {
    my (@request) = @_;
    pipe(my $r, my $w) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my $res = api(@request);
        print $w join("\t", $res->{status}, $res->{json} ? $res->{json}{error} // '' : '',
            $res->{headers}{'retry-after'} // '', $res->{headers}{'x-request-id'} // ''), "\n";
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    return sub { waitpid($pid, 0); chomp(my $line = <$r> // ''); return split /\t/, $line, -1 };
}

subtest 'a request that waited past server.queue_timeout_ms is answered 503 overloaded, not handled' => sub {
    my $dbh = dbh();
    # The only thread blocks on the agent's row (the request deadline is 3 s).
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $held);
    my $first = in_child(POST => "/api/agents/$held/heartbeat", token => $held_token);
    sleep 0.5;    # the thread has taken the first request
    my $second = in_child(POST => "/api/agents/$queued/heartbeat", token => $queued_token,
        json => { status => 'queued' });
    sleep 1.5;    # the second waits in the socket's queue, three times the queue timeout
    $dbh->rollback;
    my ($status1) = $first->();
    is $status1, 200, 'the held request finishes once its row is free';
    my ($status2, $error2, $retry2, $id2) = $second->();
    is $status2, 503, 'the one that waited for the thread gets 503';
    is $error2, 'overloaded', '... error "overloaded"';
    is $retry2, '1', '... with Retry-After: 1';
    ok $id2, '... and an X-Request-Id';
    is scalar $dbh->selectrow_array('SELECT last_heartbeat_at FROM agents WHERE slug = ?', undef, $queued), undef,
        'its heartbeat was not written';
    cmp_ok metric('nexus_http_requests_shed_total'), '>', $shed_before, 'it is counted as shed';
};

subtest 'afterwards requests pass again' => sub {
    my $r = api(POST => "/api/agents/$queued/heartbeat", token => $queued_token, json => { status => 'back' });
    is $r->{status}, 200, 'a heartbeat that did not wait passes' or diag $r->{body};
    is listed_agent($queued)->{heartbeat}{status}, 'back', 'and is written';
};

done_testing;
