# While MariaDB is down the pool answers 503 {"error":"unavailable"} with
# Retry-After (and /healthz stays green); when it returns the pool recovers
# by itself, without a restart of nexus-fcgi.
use strict;
use warnings;
use Test::More;
use NexusTest;

my $admin = admin_token();
my $master = master_pid();
my $slug = new_agent();
my $token = issue_token($slug)->{token};
is(api(GET => '/api/agents?limit=1', token => $admin)->{status}, 200, 'the database answers before');
sub metric {
    my ($name) = @_;
    my ($value) = api(GET => '/admin/metrics')->{body} =~ /^\Q$name\E (\d+)$/m;
    return $value;
}
my $errors = metric('nexus_database_errors_total');
ok(defined $errors, 'nexus_database_errors_total is exported');

devstack('db-stop');
END { eval { devstack('db-start') } }    # whatever happens, leave the database running

my $ready = api(GET => '/readyz');
is($ready->{status}, 503, '/readyz is 503 without the database');
is($ready->{json}{error}, 'unavailable', 'with the unavailable error code') or diag($ready->{body});
ok($ready->{headers}{'retry-after'}, 'and Retry-After');
for my $try (1 .. 5) {
    my $r = api(GET => '/api/agents', token => $admin);
    is($r->{status}, 503, "admin list $try: 503 while the database is down");
}
my $beat = api(POST => "/api/agents/$slug/heartbeat", token => $token);
is($beat->{status}, 503, 'a heartbeat (authenticating through the database) is 503, not 401');
is(api(GET => '/healthz')->{status}, 200, '/healthz does not need the database');
cmp_ok(metric('nexus_database_errors_total'), '>=', $errors + 5, 'the failures are counted in nexus_database_errors_total');
my $status = api(GET => '/admin/status', token => $admin);
is($status->{status}, 200, '/admin/status answers without the database');
is($status->{json}{database}{reachable}, JSON::PP::false, '... and says it is unreachable');
is($status->{json}{counts}, undef, '... with no counts');

devstack('db-start');
ok(wait_until(20, sub { api(GET => '/readyz')->{status} == 200 }), '/readyz recovers once MariaDB is back');
my @ok = grep { api(POST => "/api/agents/$slug/heartbeat", token => $token)->{status} == 200 } 1 .. 20;
is(scalar @ok, 20, 'every thread reconnects: 20 heartbeats in a row succeed');
is(api(GET => '/api/agents?limit=1', token => $admin)->{status}, 200, 'admin routes work again');
is(master_pid(), $master, 'nexus-fcgi was not restarted');
ok(kill(0, $master), 'the same master is running');

done_testing;
