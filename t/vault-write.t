# Admin writes to the vault: create (validation, conflicts), update (new
# versions, kept versions, access list), delete (the ciphertexts go too),
# and the list's scope filter and pagination. Each write is audited.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $scope = 'w-' . unique_slug('s');

sub create { api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, @_ }) }
sub audited {
    my ($action, $id) = @_;
    return scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND principal = ?',
        undef, $action, "secret:$id", 'admin');
}

# --- create: what is refused ---------------------------------------------------
my @bad = (
    [ 'missing scope'            => { scope => undef, name => 'a', value => 'v' }, 400, qr/'scope'/ ],
    [ 'scope with a space'       => { scope => 'a b', name => 'a', value => 'v' }, 400, qr/'scope'/ ],
    [ 'missing name'             => { name => undef, value => 'v' },              400, qr/'name'/ ],
    [ 'name with ..'             => { name => 'a/../b', value => 'v' },           400, qr/'name'/ ],
    [ 'name with //'             => { name => 'a//b', value => 'v' },             400, qr/'name'/ ],
    [ 'name ending in /'         => { name => 'a/', value => 'v' },               400, qr/'name'/ ],
    [ 'name of 129 characters'   => { name => 'n' x 129, value => 'v' },          400, qr/'name'/ ],
    [ 'missing value'            => { name => 'a' },                              400, qr/'value'/ ],
    [ 'empty value'              => { name => 'a', value => '' },                 400, qr/'value'/ ],
    [ 'value not a string'       => { name => 'a', value => 42 },                 400, qr/'value'/ ],
    [ 'value over 64 KiB'        => { name => 'a', value => 'x' x 65537 },        413, qr/'value'/ ],
    [ 'profiles not an array'    => { name => 'a', value => 'v', allowed_profiles => 'p' }, 400, qr/'allowed_profiles'/ ],
    [ 'a profile not a string'   => { name => 'a', value => 'v', allowed_profiles => [1] }, 400, qr/'allowed_profiles'/ ],
    [ 'an empty profile name'    => { name => 'a', value => 'v', allowed_profiles => [''] }, 400, qr/'allowed_profiles'/ ],
    [ 'a control character'      => { name => 'a', value => 'v', allowed_profiles => ["a\tb"] }, 400, qr/'allowed_profiles'/ ],
    [ 'a trailing space'         => { name => 'a', value => 'v', allowed_profiles => ['p '] }, 400, qr/'allowed_profiles'/ ],
    [ 'an unknown field'         => { name => 'a', value => 'v', owner => 'me' }, 400, qr/'owner'/ ],
);
for my $case (@bad) {
    my ($label, $body, $status, $message) = @$case;
    my %json = (scope => $scope, %$body);
    delete $json{$_} for grep { !defined $json{$_} } keys %json;
    my $r = api(POST => '/api/vault/secrets', token => $admin, json => \%json);
    error_is($r, $status, $status == 413 ? 'payload_too_large' : 'bad_request', "create with $label: $status", $message);
}
is($dbh->selectrow_array('SELECT COUNT(*) FROM secrets WHERE scope = ?', undef, $scope), 0, 'nothing was stored by refused requests');
error_is(api(POST => '/api/vault/secrets', token => $admin, body => 'scope=x', content_type => 'text/plain'), 415,
    'unsupported_media_type', 'a body that is not JSON: 415');

my $r = create(name => 'api/key', value => 'v1 ✓', allowed_profiles => [ 'Prod-Reliable', 'Dev Fast & Cheap', 'Prod-Reliable' ]);
is($r->{status}, 201, 'create') or diag($r->{body});
my $id = $r->{json}{id};
is_deeply($r->{json}{allowed_profiles}, [ 'Dev Fast & Cheap', 'Prod-Reliable' ], 'profiles deduplicated, names with spaces and & kept');
is(audited('secret.create', $id), 1, 'the create is audited');
error_is(create(name => 'api/key', value => 'other'), 409, 'conflict', 'the same scope and name again: 409');
is(create(name => 'api/key', value => 'v', scope => "$scope-2")->{status}, 201, 'the same name in another scope is fine');

# --- update ----------------------------------------------------------------------
sub update { api(PUT => "/api/vault/secrets/$_[0]", token => $admin, json => $_[1]) }
sub value_of { api(GET => "/api/vault/secrets/$_[0]", token => $admin)->{json} }
$r = update($id, { value => 'v2' });
is($r->{status}, 200, 'a new value') or diag($r->{body});
is($r->{json}{version}, 2, '... is version 2');
ok(!exists $r->{json}{value}, '... and the answer holds no value');
is(value_of($id)->{value}, 'v2', '... which reads back');
is(audited('secret.update', $id), 1, '... audited');
$r = update($id, { allowed_profiles => [] });
is($r->{json}{version}, 2, 'changing only the access list keeps the version');
is_deeply($r->{json}{allowed_profiles}, [], '... and clears the list');
error_is(update($id, {}), 400, 'bad_request', 'an update with nothing in it: 400');
error_is(update(999999999, { value => 'x' }), 404, 'not_found', 'an unknown secret: 404');
error_is(update($id, { value => 'x' x 65537 }), 413, 'payload_too_large', 'an over-long value: 413');
update($id, { value => "v$_" }) for 3 .. 12;
is(value_of($id)->{version}, 12, 'twelve versions written');
my $kept = $dbh->selectcol_arrayref('SELECT version FROM secret_versions WHERE secret_id = ? ORDER BY version', undef, $id);
is_deeply($kept, [ 3 .. 12 ], 'the newest ten (vault.max_versions) are kept, older ciphertexts deleted');

# --- list: scope filter and pagination ----------------------------------------------
create(name => "page/$_", value => 'p') for 1 .. 4;
my @names;
my $path = "/api/vault/secrets?scope=$scope&limit=2";
my $pages = 0;
while ($path) {
    my $page = api(GET => $path, token => $admin);
    is($page->{status}, 200, "list page " . ++$pages);
    cmp_ok(scalar @{ $page->{json} }, '<=', 2, '... at most limit items');
    push @names, map { $_->{name} } @{ $page->{json} };
    $path = next_link($page);
}
is_deeply([ sort @names ], [ sort 'api/key', map { "page/$_" } 1 .. 4 ], 'the pages hold every secret of the scope once');
error_is(api(GET => '/api/vault/secrets?limit=0', token => $admin), 400, 'bad_request', 'limit=0: 400', qr/limit/);
error_is(api(GET => '/api/vault/secrets?after=%%%', token => $admin), 400, 'bad_request', 'a malformed cursor: 400');

# --- delete ---------------------------------------------------------------------------
is(api(DELETE => "/api/vault/secrets/$id", token => $admin)->{status}, 204, 'delete: 204');
is(audited('secret.delete', $id), 1, '... audited');
is($dbh->selectrow_array('SELECT COUNT(*) FROM secret_versions WHERE secret_id = ?', undef, $id), 0, '... the ciphertexts are gone');
error_is(api(GET => "/api/vault/secrets/$id", token => $admin), 404, 'not_found', '... reading it: 404');
error_is(api(DELETE => "/api/vault/secrets/$id", token => $admin), 404, 'not_found', '... deleting again: 404');

done_testing;
