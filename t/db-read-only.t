# MariaDB in read_only mode (a failover in progress, a full disk, an
# operator's maintenance): every write is refused with 503
# {"error":"read_only"} and Retry-After, nothing of it is stored (no row,
# no audit row), reads keep working, and writes work again as soon as
# read_only is off, without a restart. The pool's database user (nexus,
# with privileges on nexus.* only) has neither SUPER nor READ ONLY ADMIN,
# which would let it write anyway: checked here too.
use strict;
use warnings;
use Test::More;
use DBI;
use NexusTest;

my $admin = admin_token();
my $slug = new_agent();
my $token = issue_token($slug)->{token};
my $dbh = dbh();
my $scope = 'ro-' . unique_slug('s');

my $profile = unique_slug('ro-profile');
is(api(POST => '/api/profiles', token => $admin, json => { name => $profile, model => 'prov/one' })->{status}, 201,
    'a profile before');
my $secret = api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => 'db/pw', value => 'before' });
is($secret->{status}, 201, 'a secret before') or diag($secret->{body});
my $secret_id = $secret->{json}{id};
is(api(POST => '/api/memories/collect', token => $token, json => { agent => $slug, content => 'before' })->{status}, 201,
    'a memory before');

# The server's own administrator (the stack's MariaDB lets the local root in through its socket).
my $root = DBI->connect('DBI:MariaDB:mariadb_socket=' . stack_env('NEXUS_DB_SOCKET'), 'root', '',
    { RaiseError => 1, AutoCommit => 1, PrintError => 0 });
my @grants = map { $_->[0] } @{ $dbh->selectall_arrayref('SHOW GRANTS FOR CURRENT_USER') };
ok(!grep({ /\bON \*\.\*/ && /\b(?:ALL PRIVILEGES|SUPER|READ[ _]ONLY ADMIN)\b/i } @grants),
    'the pool\'s database user has no global privilege that ignores read_only') or diag(join "\n", @grants);

sub counts {
    return {
        memories => scalar $dbh->selectrow_array(
            'SELECT COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ?', undef, $slug),
        secrets  => scalar $dbh->selectrow_array('SELECT COUNT(*) FROM secrets WHERE scope = ?', undef, $scope),
        versions => scalar $dbh->selectrow_array(
            'SELECT COUNT(*) FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.scope = ?', undef, $scope),
        profiles => scalar $dbh->selectrow_array('SELECT COUNT(*) FROM profiles WHERE name LIKE ?', undef, "$profile%"),
        tokens   => scalar $dbh->selectrow_array(
            'SELECT COUNT(*) FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ?', undef, $slug),
        audit    => scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log'),
    };
}

my $before = counts();
$root->do('SET GLOBAL read_only = 1');
END { eval { $root->do('SET GLOBAL read_only = 0') } if $root }    # whatever happens, leave it writable

my @writes = (
    [ 'a memory'           => POST => '/api/memories/collect', token => $token, json => { agent => $slug, content => 'during' } ],
    [ 'a new secret'       => POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => 'db/other', value => 'x' } ],
    [ 'a secret update'    => PUT  => "/api/vault/secrets/$secret_id", token => $admin, json => { value => 'during' } ],
    [ 'a new profile'      => POST => '/api/profiles', token => $admin, json => { name => "$profile-2", model => 'prov/one' } ],
    [ 'a profile update'   => PUT  => "/api/profiles/$profile", token => $admin, json => { model => 'prov/two' } ],
    [ 'a token rotation'   => PUT  => "/api/agents/$slug/token?grace=0", token => $admin ],
    [ 'a heartbeat'        => POST => "/api/agents/$slug/heartbeat", token => $token ],
    [ 'an agent registration' => POST => '/api/agents/register', json => { slug => unique_slug('ro'), name => 'RO', scope => 'studio' } ],
);
for my $w (@writes) {
    my ($label, $method, $path, %opt) = @$w;
    my $r = api($method, $path, %opt);
    error_is($r, 503, 'read_only', "$label: 503 read_only", qr/read-only/);
    like($r->{headers}{'retry-after'} // '', qr/^\d+$/, "$label: with Retry-After");
    is(scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE request_id = ?', undef, $r->{headers}{'x-request-id'}),
        0, "$label: no audit row for it");
}
# A secret's value leaves only after its read is audited: no audit row, no value.
my $read = api(GET => "/api/vault/secrets/$secret_id", token => $admin);
error_is($read, 503, 'read_only', 'a secret read (which writes its audit row) is refused too', qr/read-only/);
unlike($read->{body}, qr/before/, '... without the value');

# Reads keep working.
is(api(GET => "/api/profiles/$profile", token => $admin)->{json}{model}, 'prov/one', 'a profile reads, unchanged');
is(api(GET => '/api/agents?limit=5', token => $admin)->{status}, 200, 'the agent list reads');
is(api(GET => "/api/vault/secrets?scope=$scope", token => $admin)->{status}, 200, 'the secret list reads');
my $memories = api(GET => "/api/memories/list?agent=$slug", token => $token);
is($memories->{status}, 200, 'memories read') or diag($memories->{body});
is(api(GET => '/readyz')->{status}, 200, '/readyz stays ready (reads are served)');
is(api(GET => '/admin/status', token => $admin)->{json}{database}{reachable}, JSON::PP::true, '/admin/status: reachable');
is(api(POST => "/api/agents/$slug/heartbeat", token => $token)->{status}, 503, 'the agent token still authenticates (503, not 401)');

is_deeply(counts(), $before, 'nothing was written while read_only was on');

$root->do('SET GLOBAL read_only = 0');
is(api(POST => '/api/memories/collect', token => $token, json => { agent => $slug, content => 'after' })->{status}, 201,
    'writes work again once read_only is off');
is(api(PUT => "/api/profiles/$profile", token => $admin, json => { model => 'prov/two' })->{status}, 200, 'a profile update too');
my $value = api(GET => "/api/vault/secrets/$secret_id", token => $admin);
is($value->{status}, 200, 'and a secret read');
is($value->{json}{value}, 'before', '... with the value stored before');
my ($rc, $out) = nexusctl('audit', 'verify');
is($rc, 0, 'nexusctl audit verify passes') or diag($out);

done_testing;
