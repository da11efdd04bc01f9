# The vault's access rule: an agent reads exactly the secrets whose
# allowed_profiles is empty or holds the profile assigned to it; the admin
# reads everything; lists never carry values; every read is audited.
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP ();
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('v');    # keeps this file's profiles and scope apart from other files

# Profiles and assignments are created directly (their API comes later).
sub profile {
    my ($name) = @_;
    $dbh->do('INSERT INTO profiles (name, created_at, updated_at) VALUES (?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))', undef, $name);
    return $name;
}
sub assign {
    my ($slug, $profile) = @_;
    $dbh->do('DELETE a FROM assignments a JOIN agents g ON g.id = a.agent_id WHERE g.slug = ?', undef, $slug);
    return unless defined $profile;
    $dbh->do('INSERT INTO assignments (agent_id, profile_id, assigned_at) SELECT g.id, p.id, UTC_TIMESTAMP(3)
              FROM agents g, profiles p WHERE g.slug = ? AND p.name = ?', undef, $slug, $profile);
}

my $prod = profile("Prod-Reliable $tag");
my $dev = profile("Dev Fast & Cheap $tag");
my %agent;
for my $who (qw(prod dev none)) {
    my $slug = new_agent(slug => unique_slug("vault-$who"));
    $agent{$who} = { slug => $slug, token => issue_token($slug)->{token} };
}
assign($agent{prod}{slug}, $prod);
assign($agent{dev}{slug}, $dev);

my $scope = "scope-$tag";
sub create {
    my (%body) = @_;
    return api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, %body });
}
my %secret;
for my $case ([ open => [] ], [ prod => [$prod] ], [ dev => [$dev] ], [ both => [ $prod, $dev ] ]) {
    my ($name, $profiles) = @$case;
    my $r = create(name => "db/$name", value => "value-of-$name-$tag ✓", allowed_profiles => $profiles);
    is($r->{status}, 201, "create secret $name") or diag($r->{body});
    $secret{$name} = $r->{json}{id};
    ok(!exists $r->{json}{value}, '... the answer holds no value');
    is_deeply($r->{json}{allowed_profiles}, [ sort @$profiles ], '... allowed_profiles as given');
    is($r->{json}{version}, 1, '... version 1');
}

sub listed {
    my ($token, $path) = @_;
    my $r = api(GET => $path // "/api/vault/secrets?scope=$scope", token => $token);
    return undef unless $r->{status} == 200;
    unlike($r->{body}, qr/value-of-/, 'a list never holds a value');
    ok(!grep({ exists $_->{value} } @{ $r->{json} }), '... nor a value field');
    return [ sort map { $_->{name} } @{ $r->{json} } ];
}

is_deeply(listed($admin), [qw(db/both db/dev db/open db/prod)], 'the admin lists every secret');
is_deeply(listed($agent{prod}{token}), [qw(db/both db/open db/prod)], 'a prod agent lists open, prod and both');
is_deeply(listed($agent{dev}{token}), [qw(db/both db/dev db/open)], 'a dev agent lists open, dev and both');
is_deeply(listed($agent{none}{token}), [qw(db/open)], 'an agent with no profile lists only the unrestricted one');
error_is(api(GET => "/api/vault/secrets?scope=$scope"), 401, 'unauthorized', 'no token: 401');

sub read_secret { my ($id, $token) = @_; api(GET => "/api/vault/secrets/$id", token => $token) }
sub audit_rows {
    my ($id) = @_;
    return $dbh->selectall_arrayref('SELECT principal, outcome, request_id FROM audit_log
        WHERE action = ? AND target = ? ORDER BY id', { Slice => {} }, 'secret.read', "secret:$id");
}

# The pool's request log line of the request with this X-Request-Id.
sub request_log_line {
    my ($id) = @_;
    open my $fh, '<', stack_env('NEXUS_LOG') or die "cannot read the pool log: $!\n";
    while (my $line = <$fh>) {
        next unless index($line, $id) >= 0 && $line =~ /^\{/;
        my $j = eval { JSON::PP::decode_json($line) };
        return $j if $j && ($j->{request_id} // '') eq $id;
    }
    return {};
}

# A secret the agent may not read is a 404, as an unknown id is (no probing
# which ids exist), and still audited as denied.
my %expect = (
    prod => { open => 200, prod => 200, dev => 404, both => 200 },
    dev  => { open => 200, prod => 404, dev => 200, both => 200 },
    none => { open => 200, prod => 404, dev => 404, both => 404 },
);
for my $who (sort keys %expect) {
    for my $name (sort keys %{ $expect{$who} }) {
        my $id = $secret{$name};
        my $before = @{ audit_rows($id) };
        my $r = read_secret($id, $agent{$who}{token});
        is($r->{status}, $expect{$who}{$name}, "agent '$who' reads '$name': $expect{$who}{$name}");
        if ($r->{status} == 200) {
            is($r->{json}{value}, "value-of-$name-$tag ✓", '... the decrypted value, byte-exact');
            is_deeply([ sort keys %{ $r->{json} } ], [qw(allowed_profiles id name scope value version)], '... the spec\'s fields');
        } else {
            is_deeply($r->{json}, { error => 'not_found', message => "no secret $id" }, '... the answer to an unknown id');
            unlike($r->{body}, qr/value-of-/, '... and no value');
        }
        my $rows = audit_rows($id);
        is(scalar @$rows, $before + 1, '... one audit row');
        is($rows->[-1]{principal}, "agent:$agent{$who}{slug}", '... naming the agent');
        is($rows->[-1]{outcome}, $r->{status} == 200 ? 'ok' : 'denied', '... with the outcome');
        is($rows->[-1]{request_id}, $r->{headers}{'x-request-id'}, '... and the request id');
        is(request_log_line($r->{headers}{'x-request-id'})->{principal}, "agent:$agent{$who}{slug}",
            '... and the request log names the agent too');
    }
}
for my $name (sort keys %secret) {
    is(read_secret($secret{$name}, $admin)->{json}{value}, "value-of-$name-$tag ✓", "the admin reads '$name'");
}
error_is(read_secret($secret{open}), 401, 'unauthorized', 'a read without a token: 401');
error_is(read_secret(999999999, $admin), 404, 'not_found', 'an unknown id: 404');
error_is(read_secret('abc', $admin), 404, 'not_found', 'a non-numeric id: 404');
# An agent token takes a one-query path (token, secret and right at once);
# what it cannot settle must answer exactly like the normal path.
error_is(read_secret(999999999, $agent{prod}{token}), 404, 'not_found', 'an agent reading an unknown id: 404');
error_is(read_secret($secret{open}, 'nxa_' . ('Q' x 43)), 401, 'unauthorized', 'an unknown agent token: 401');
{
    my $slug = new_agent(slug => unique_slug('vault-revoked'));
    my $issued = issue_token($slug);
    is(read_secret($secret{open}, $issued->{token})->{status}, 200, 'a fresh agent reads the open secret');
    api(DELETE => "/api/agents/$slug/token/$issued->{token_hash}", token => $admin);
    error_is(read_secret($secret{open}, $issued->{token}), 401, 'unauthorized', '... and 401 once its token is revoked');
}

# The rule follows the assignment at once.
assign($agent{prod}{slug}, $dev);
is(read_secret($secret{prod}, $agent{prod}{token})->{status}, 404, 'moved to dev: prod secret now 404');
is(read_secret($secret{dev}, $agent{prod}{token})->{status}, 200, '... and the dev secret 200');
assign($agent{prod}{slug}, $prod);

# The UI's list.
is_deeply(listed($admin, "/api/secrets?profile=" . uri($prod) . "&scope=$scope"), [qw(db/both db/open db/prod)],
    '/api/secrets?profile= as admin: unrestricted plus those allowing the profile');
is_deeply(listed($agent{dev}{token}, "/api/secrets?scope=$scope"), [qw(db/both db/dev db/open)],
    '/api/secrets as an agent: what it may read');
is_deeply(listed($agent{dev}{token}, "/api/secrets?profile=" . uri($prod) . "&scope=$scope"), [qw(db/both db/open)],
    '... an agent cannot widen its view by naming another profile');
error_is(api(GET => '/api/secrets'), 401, 'unauthorized', '/api/secrets without a token: 401');

sub uri { my ($s) = @_; $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge; $s }

# Writes are the admin's.
for my $who (qw(prod none)) {
    error_is(api(POST => '/api/vault/secrets', token => $agent{$who}{token},
        json => { scope => $scope, name => 'x', value => 'y' }), 403, 'forbidden', "agent '$who' cannot create");
    error_is(api(PUT => "/api/vault/secrets/$secret{open}", token => $agent{$who}{token}, json => { value => 'z' }),
        403, 'forbidden', "agent '$who' cannot update");
    error_is(api(DELETE => "/api/vault/secrets/$secret{open}", token => $agent{$who}{token}), 403, 'forbidden',
        "agent '$who' cannot delete");
}
error_is(api(POST => '/api/vault/secrets', json => { scope => $scope, name => 'x', value => 'y' }), 401,
    'unauthorized', 'no token cannot create');

done_testing;
