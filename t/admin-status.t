# The operator's view: GET /admin/status (admin) and GET /admin/metrics
# (admin, or no token from loopback, Prometheus text), whose numbers move as
# requests are made, and the pool's JSON request log.
use strict;
use warnings;
use Test::More;
use NexusTest;

my $admin = admin_token();
my $agent = new_agent(slug => unique_slug('st'));
my $agent_token = issue_token($agent)->{token};

sub status { return api(GET => '/admin/status', token => $admin) }
sub metrics {
    my $r = api(GET => '/admin/metrics', @_);
    return $r unless $r->{status} == 200;
    my %m;
    for (split /\n/, $r->{body}) {
        next if /^#/;
        my ($key, $value) = /^(\S+(?:\{[^}]*\})?) (\S+)$/ or next;
        $m{$key} = $value;
    }
    $r->{metrics} = \%m;
    return $r;
}

subtest 'status: shape' => sub {
    my $r = status();
    is $r->{status}, 200, 'status 200' or return diag $r->{body};
    my $s = $r->{json};
    like $s->{version}, qr/^\d+\.\d+\.\d+/, 'version';
    ok epoch_of($s->{started_at}), 'started_at';
    cmp_ok $s->{uptime_s}, '>=', 0, 'uptime_s';
    is $s->{pool}{master_pid}, master_pid(), 'the master pid';
    is $s->{pool}{workers}, $ENV{NEXUS_SERVER_WORKERS} // 2, 'workers configured';
    is $s->{pool}{threads}, $ENV{NEXUS_SERVER_THREADS} // 4, 'threads configured';
    my @live = @{ $s->{pool}{live_workers} };
    cmp_ok scalar @live, '>=', 1, 'live workers listed';
    is_deeply [ sort { $a <=> $b } grep { kill 0, $_ } map { $_->{pid} } @live ], [ sort { $a <=> $b } map { $_->{pid} } @live ],
        'each live worker pid is a running process';
    ok exists $s->{pool}{$_}, "pool.$_" for qw(respawns recycles requests_served generation);
    is $s->{database}{reachable}, JSON::PP::true, 'database reachable';
    like $s->{database}{server_version}, qr/MariaDB|\d+\.\d+/, 'server version';
    cmp_ok $s->{database}{round_trip_ms}, '>', 0, 'round trip';
    is $s->{database}{schema_version}, $s->{database}{expected_schema_version}, 'schema up to date';
    ok exists $s->{counts}{$_}, "counts.$_" for qw(agents_online agents_offline agents_never_seen profiles assignments secrets models knowledge_entities memory_days);
    cmp_ok $s->{vault}{active_key_id}, '>=', 1, 'vault: active key id';
    cmp_ok $s->{vault}{keys}, '>=', 1, 'vault: number of keys';
    unlike $r->{body}, qr/"key\./, 'no key material';
    ok exists $s->{audit}{$_}, "audit.$_" for qw(head_seq head_hash unsealed);
};

subtest 'status: the numbers move' => sub {
    my $before = status()->{json};
    my $slug = new_agent(slug => unique_slug('st-new'));
    api(POST => '/api/profiles', token => $admin, json => { name => "status " . unique_slug('p'), model => 'openai/gpt-4o' });
    api(GET => '/healthz') for 1 .. 5;
    my $after = status()->{json};
    my $agents = sub { my $c = $_[0]{counts}; $c->{agents_online} + $c->{agents_offline} + $c->{agents_never_seen} };
    is $agents->($after), $agents->($before) + 1, 'one more agent';
    is $after->{counts}{agents_never_seen}, $before->{counts}{agents_never_seen} + 1, '... never seen so far';
    is $after->{counts}{profiles}, $before->{counts}{profiles} + 1, 'one more profile';
    cmp_ok $after->{pool}{requests_served}, '>=', $before->{pool}{requests_served} + 8, 'requests served went up';
    api(POST => "/api/agents/$agent/heartbeat", token => $agent_token, json => { status => 'ok' });
    my $online = status()->{json}{counts}{agents_online};
    cmp_ok $online, '>=', 1, 'a heartbeat makes an agent online';
    wait_until(5, sub { status()->{json}{audit}{unsealed} == 0 }) ;
    like status()->{json}{audit}{head_hash} // '', qr/^[0-9a-f]{64}$/, 'the audit chain head is a hash once sealed';
};

subtest 'status: access' => sub {
    error_is api(GET => '/admin/status'), 401, 'unauthorized', 'no token: 401';
    error_is api(GET => '/admin/status', token => $agent_token), 403, 'forbidden', 'an agent: 403';
    error_is api(GET => '/admin/status', user => 'alice'), 403, 'forbidden', 'a signed-in viewer: 403';
    is api(GET => '/admin/status', user => 'status-admin', role => 'admin')->{status}, 200, 'a signed-in admin reads it';
};

subtest 'metrics: text format and access' => sub {
    my $r = metrics();
    is $r->{status}, 200, 'no token from loopback: 200';
    like $r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'Prometheus text format';
    like $r->{body}, qr/^# TYPE nexus_http_requests_total counter$/m, 'TYPE lines';
    like $r->{body}, qr/^# TYPE nexus_http_request_duration_seconds histogram$/m, 'a histogram';
    for my $name (qw(nexus_http_requests_in_flight nexus_workers nexus_worker_respawns_total nexus_worker_recycles_total
        nexus_database_errors_total nexus_audit_write_failures_total nexus_db_statement_evictions_total
        nexus_http_requests_shed_total
        nexus_start_time_seconds)) {
        like $r->{metrics}{$name} // '', qr/^\d+$/, "$name";
    }
    unlike $r->{body}, qr/nxa_|Bearer/, 'no token in the metrics';
    is metrics(token => $admin)->{status}, 200, 'admin: 200';
    error_is api(GET => '/admin/metrics', token => $agent_token), 403, 'forbidden', 'an agent token: 403';
    error_is api(GET => '/admin/metrics', token => 'nxa_' . 'x' x 43), 401, 'unauthorized', 'an unknown token: 401';
};

subtest 'metrics: counters move' => sub {
    my $key = 'nexus_http_requests_total{method="GET",route="/readyz",status="200"}';
    my $count = 'nexus_http_request_duration_seconds_count{method="GET",route="/readyz"}';
    my $inf = 'nexus_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="+Inf"}';
    my $before = metrics()->{metrics};
    api(GET => '/readyz') for 1 .. 7;
    my $after = metrics()->{metrics};
    is $after->{$key}, ($before->{$key} // 0) + 7, 'seven more GET /readyz 200';
    is $after->{$count}, ($before->{$count} // 0) + 7, 'the histogram counted them';
    is $after->{$inf}, $after->{$count}, '+Inf bucket = count';
    my $nf = 'nexus_http_requests_total{method="GET",route="/api/profiles/:name",status="404"}';
    api(GET => '/api/profiles/' . unique_slug('nope'), token => $admin);
    is metrics()->{metrics}{$nf}, ($after->{$nf} // 0) + 1, 'a 404 is counted under its route pattern, not its path';
    my $none = 'nexus_http_requests_total{method="",route="(none)",status="404"}';
    api(GET => '/api/no-such-thing-' . unique_slug('x'));
    is metrics()->{metrics}{$none}, ($after->{$none} // 0) + 1, 'an unmatched path is counted once, under (none)';

    # A worker killed: a respawn, and the counters keep their totals.
    # (A worker that was already retiring to be recycled is replaced without
    # counting as a respawn: then kill another.)
    my $respawns = metrics()->{metrics}{nexus_worker_respawns_total};
    my $total = metrics()->{metrics}{$key};
    my $respawned;
    for (1 .. 3) {
        kill_worker() or last;
        last if $respawned = wait_until(5, sub { metrics()->{metrics}{nexus_worker_respawns_total} > $respawns });
    }
    ok $respawned, 'a killed worker: nexus_worker_respawns_total went up';
    ok wait_until(10, sub { my @pids = worker_pids(); @pids >= 2 }), 'the pool is whole again';
    cmp_ok metrics()->{metrics}{$key}, '>=', $total, 'the dead worker\'s requests still count';
};

subtest 'the request log: one JSON line per request, no secrets' => sub {
    my $r = api(GET => "/api/agents/$agent/profile", token => $agent_token);
    my $id = $r->{headers}{'x-request-id'};
    my $log = stack_env('NEXUS_LOG');
    my $line;
    ok wait_until(5, sub {
        open my $fh, '<', $log or return;
        ($line) = grep { index($_, $id) >= 0 } <$fh>;
        return $line;
    }), 'the request id is in the pool log' or return;
    my $entry = eval { JSON::PP->new->decode($line) };
    ok $entry, 'the line is JSON' or return diag $line;
    is $entry->{request_id}, $id, 'request_id';
    is $entry->{route}, '/api/agents/:slug/profile', 'the route pattern';
    is $entry->{method}, 'GET', 'method';
    is $entry->{status}, 200, 'status';
    ok defined $entry->{duration_ms}, 'duration_ms';
    is $entry->{client}, '127.0.0.1', 'client';
    open my $fh, '<', $log or die;
    my $all = do { local $/; <$fh> };
    unlike $all, qr/\Q$agent_token\E/, 'no agent token anywhere in the log';
    unlike $all, qr/\Q$admin\E/, 'no admin token anywhere in the log';
};

done_testing();
