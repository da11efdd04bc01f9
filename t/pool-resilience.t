# The supervised pool survives what production throws at it: a worker
# killed under load, requests past their deadline, recycling after
# max_requests, a graceful reload (SIGHUP) and a drain of in-flight requests.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use NexusTest;

my $admin = admin_token();
my $master = master_pid();
ok(kill(0, $master), 'the master is running');

my $slug = new_agent();
my $token = issue_token($slug)->{token};
sub beat { api(POST => "/api/agents/$slug/heartbeat", token => $token)->{status} }

sub log_text {
    open my $fh, '<', stack_env('NEXUS_LOG') or return '';
    local $/;
    return <$fh>;
}

# Runs requests in a child process for $seconds; returns a reader for its
# result: "ok failed" counts.
sub background_load {
    my ($seconds) = @_;
    pipe(my $r, my $w) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my ($ok, $failed) = (0, 0);
        my $end = time + $seconds;
        while (time < $end) { beat() == 200 ? $ok++ : $failed++ }
        print $w "$ok $failed\n";
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    return sub { waitpid($pid, 0); my $line = <$r>; return split ' ', $line };
}

subtest 'a worker killed with SIGKILL under load is replaced' => sub {
    # Earlier files' load recycles workers: wait until no retiring one is around.
    my @before = @{ wait_until(10, sub { my @p = worker_pids(); @p == 2 ? \@p : undef }) || [ worker_pids() ] };
    is(scalar @before, 2, 'two workers run') or diag("workers: @before");
    my $load = background_load(3);
    sleep 0.5;
    my $victim = kill_worker();
    ok($victim, 'SIGKILL a live worker' . ($victim ? " ($victim)" : ''));
    my @after = @{ wait_until(10, sub {
        my @now = worker_pids();
        return (@now == 2 && !grep { $_ == $victim } @now) ? \@now : undef;
    }) || [] };
    is(scalar @after, 2, 'the master started a replacement') or diag('workers now: ' . join ' ', worker_pids());
    my ($ok, $failed) = $load->();
    cmp_ok($ok, '>', 50, "the load kept being served ($ok ok, $failed failed around the kill)");
    is(master_pid(), $master, 'the master itself was not restarted');
    ok(kill(0, $master), 'the master is still alive');
    my @statuses = map { beat() } 1 .. 50;
    is(scalar(grep { $_ == 200 } @statuses), 50, 'every later request succeeds');
    # The victim may have been draining to be recycled already (the load
    # recycles workers often): then the master logged it as retiring, and
    # when the kill landed while it was already exiting, only as recycled.
    like(log_text(), qr/(?:(?:retiring )?worker $victim killed by signal 9|worker $victim recycled)/,
        'the master logged the end of the victim');
};

subtest 'a request past its deadline gets 503 and its worker is recycled' => sub {
    my %before = map { $_ => 1 } worker_pids();
    my $dbh = dbh();
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $slug);
    my $t0 = time;
    my $r = api(POST => "/api/agents/$slug/heartbeat", token => $token);
    my $took = time - $t0;
    $dbh->rollback;
    is($r->{status}, 503, 'the blocked request answers 503');
    is($r->{json}{error}, 'unavailable', 'as a JSON error') or diag($r->{body});
    ok($r->{headers}{'retry-after'}, 'with Retry-After');
    ok($r->{headers}{'x-request-id'}, 'with X-Request-Id');
    cmp_ok($took, '>=', 2.9, sprintf('after the 3 s deadline (%.1f s)', $took));
    cmp_ok($took, '<', 10, 'and not much later');
    ok(wait_until(10, sub { log_text() =~ /passed its deadline/ }), 'the worker was told to recycle');
    ok(wait_until(3, sub { grep { !$before{$_} } worker_pids() }), 'a replacement worker started at once');
    is(beat(), 200, 'requests succeed afterwards');
};

subtest 'a change past its deadline is not committed after its 503' => sub {
    # A rotation with grace=0 deletes the old tokens: were it committed after
    # the 503, the agent would be left with a token nobody ever saw.
    my $agent = new_agent(slug => unique_slug('deadline'));
    my $old = issue_token($agent)->{token};
    my $dbh = dbh();
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $agent);
    my $r = api(PUT => "/api/agents/$agent/token", token => admin_token());
    is($r->{status}, 503, 'the rotation waiting for the row answers 503 at its deadline') or diag($r->{body});
    $dbh->rollback;    # the handler gets the row now and goes on to its commit
    sleep 2;
    is(api(POST => "/api/agents/$agent/heartbeat", token => $old)->{status}, 200, 'the old token still works');
    is(scalar $dbh->selectrow_array('SELECT COUNT(*) FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ?',
        undef, $agent), 1, '... and is still its only token: the late commit was refused');
    is(scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE request_id = ?', undef, $r->{headers}{'x-request-id'}),
        0, 'no token.create row for the request that was answered 503');

    # The same for a profile update.
    my $name = unique_slug('deadline-profile');
    is(api(POST => '/api/profiles', token => admin_token(), json => { name => $name, model => 'prov/one' })->{status}, 201, 'a profile');
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM profiles WHERE name = ? FOR UPDATE', undef, $name);
    $r = api(PUT => "/api/profiles/$name", token => admin_token(), json => { model => 'prov/two' });
    is($r->{status}, 503, 'an update waiting for the row answers 503') or diag($r->{body});
    $dbh->rollback;
    sleep 2;
    is(api(GET => "/api/profiles/$name", token => admin_token())->{json}{model}, 'prov/one', 'the profile is unchanged');
};

subtest 'workers are recycled after max_requests without failing a request' => sub {
    my $before = () = log_text() =~ /recycled; starting a new one/g;
    # 400 + up to 100 jitter per worker: 1200 requests must recycle at least one.
    my $failed = 0;
    for (1 .. 1200) { $failed++ if api(GET => '/healthz')->{status} != 200 }
    is($failed, 0, 'all 1200 requests succeeded');
    my $after = () = log_text() =~ /recycled; starting a new one/g;
    cmp_ok($after, '>', $before, "workers were recycled ($before -> $after)");
};

subtest 'SIGHUP replaces every worker with no failed request' => sub {
    my @before = worker_pids();
    my $load = background_load(3);
    sleep 0.5;
    ok(kill('HUP', $master), 'SIGHUP the master');
    my $replaced = wait_until(10, sub {
        my @now = worker_pids();
        my %old = map { $_ => 1 } @before;
        return @now == 2 && !grep { $old{$_} } @now;
    });
    ok($replaced, 'all workers were replaced') or diag("before @before, now " . join ' ', worker_pids());
    my ($ok, $failed) = $load->();
    is($failed, 0, "no request failed during the reload ($ok served)");
    is(master_pid(), $master, 'same master');
    like(log_text(), qr/reloaded: 2 new workers started/, 'the reload was logged');
};

subtest 'SIGTERM to the workers lets in-flight requests finish' => sub {
    my $dbh = dbh();
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $slug);
    # Start a request that blocks on the row lock, in a child.
    pipe(my $r, my $w) or die;
    my $pid = fork // die;
    if (!$pid) { close $r; print $w beat(), "\n"; close $w; POSIX::_exit(0) }
    close $w;
    sleep 0.7;
    my @workers = worker_pids();
    kill 'TERM', @workers;
    sleep 0.5;
    $dbh->rollback;    # let the in-flight request complete
    waitpid($pid, 0);
    chomp(my $status = <$r> // '');
    is($status, 200, 'the in-flight request completed with 200 despite SIGTERM');
    ok(wait_until(10, sub { my @now = worker_pids(); @now == 2 && !grep { my $p = $_; grep { $_ == $p } @workers } @now }),
        'the master started new workers');
    is(beat(), 200, 'and they serve');
};

done_testing;
