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

# One request straight to the pool's FastCGI socket, as nginx sends it but
# with NEXUS_QUEUED_AT of our choosing; returns the status and the body.
sub fastcgi_get {
    my ($path, $queued_at_ms) = @_;
    require IO::Socket::UNIX;
    my $sock = IO::Socket::UNIX->new(Peer => stack_env('NEXUS_RUN_DIR') . '/nexus.sock') or die "connect: $!";
    my $record = sub { my ($type, $content) = @_;
        pack('CCnnCx', 1, $type, 1, length $content, 0) . $content };
    my $pair = sub { my ($k, $v) = @_;
        join '', map({ length($_) < 128 ? pack('C', length) : pack('N', length($_) | 0x80000000) } $k, $v), $k, $v };
    my %params = (REQUEST_METHOD => 'GET', REQUEST_URI => $path, SCRIPT_NAME => $path, DOCUMENT_URI => $path,
        QUERY_STRING => '', SERVER_PROTOCOL => 'HTTP/1.1', REMOTE_ADDR => '127.0.0.1', REQUEST_SCHEME => 'http',
        SERVER_PORT => '80', HTTP_HOST => '127.0.0.1', REQUEST_ID => 'skew' . int(rand(1e9)),
        NEXUS_QUEUED_AT => sprintf('%.3f', $queued_at_ms / 1000));
    my $p = join '', map { $pair->($_, $params{$_}) } sort keys %params;
    print $sock $record->(1, pack('nCx5', 1, 0)), $record->(4, $p), $record->(4, ''), $record->(5, '');
    my $out = '';
    while (read($sock, my $header, 8) == 8) {
        my (undef, $type, undef, $len, $pad) = unpack('CCnnC', $header);
        my $content = '';
        read($sock, $content, $len + $pad) if $len + $pad;
        last if $type == 3;    # FCGI_END_REQUEST
        $out .= substr($content, 0, $len) if $type == 6;
    }
    my ($status) = $out =~ /^Status: (\d+)/mi;
    return ($status // 200, $out =~ /\r\n\r\n(.*)\z/s ? $1 : '');
}

subtest 'a wait of more than a minute is a clock difference, not a queue: served, and logged' => sub {
    my $now_ms = int(time * 1000);
    my ($status, $body) = fastcgi_get('/healthz', $now_ms - 3_000);
    is $status, 503, 'stamped 3 s ago (over the 500 ms timeout): shed' or diag $body;
    like $body, qr/"overloaded"/, '... as overloaded';
    ($status, $body) = fastcgi_get('/healthz', $now_ms - 120_000);
    is $status, 200, 'stamped 2 minutes ago: served (this host\'s clock runs ahead of nginx\'s)' or diag $body;
    my $log_file = stack_env('NEXUS_LOG');
    ok wait_until(5, sub {
        open my $log, '<', $log_file or return 0;
        scalar grep { /stamped by nginx \d+ ms before this host's clock/ } <$log>;
    }), 'the pool logs the clock difference' or diag `tail -5 '$log_file'`;
};

subtest 'afterwards requests pass again' => sub {
    my $r = api(POST => "/api/agents/$queued/heartbeat", token => $queued_token, json => { status => 'back' });
    is $r->{status}, 200, 'a heartbeat that did not wait passes' or diag $r->{body};
    is listed_agent($queued)->{heartbeat}{status}, 'back', 'and is written';
};

done_testing;
