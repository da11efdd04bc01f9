# A database writer cannot roll a secret back or widen it (issue 15): each
# secret row carries a MAC over its current version and allowed profiles
# (src/vault/SecretMac.h) under a key from the vault keyring, which the
# database does not hold. Moving secrets.version back to an older kept
# version, emptying or editing secret_profiles, or nulling the MAC makes every
# read of the value refuse (500 "integrity", audited as an error) instead of
# answering the old value or answering an agent the list excluded; a partial
# PUT cannot bless the change (409); a PUT of both value and list replaces
# it; a profile rename stamps the secrets it touches; `nexusctl vault status`
# names the failing secrets.
use strict;
use warnings;
use Test::More;
use NexusTest;

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('vi');
my $scope = "integrity-$tag";
my $keys = audit_keys();
ok($keys && $keys->{secret}, "the test stack's keyring has an integrity key") or BAIL_OUT('no integrity key');

sub profile {
    my ($name) = @_;
    $dbh->do('INSERT INTO profiles (name, created_at, updated_at) VALUES (?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))', undef, $name);
    return $name;
}
my $ops = profile("ops-$tag");
my %slug = map { $_ => new_agent(slug => unique_slug("vi-$_")) } qw(ops other);
$dbh->do('INSERT INTO assignments (agent_id, profile_id, assigned_at) SELECT g.id, p.id, UTC_TIMESTAMP(3)
          FROM agents g, profiles p WHERE g.slug = ? AND p.name = ?', undef, $slug{ops}, $ops);

# A fresh token per read: the workers cache an agent's read by token
# (vault.cache_ms), and a change made behind Nexus's back does not empty it.
sub agent_read { my ($who, $id) = @_; api(GET => "/api/vault/secrets/$id", token => issue_token($slug{$who})->{token}) }
sub admin_read { api(GET => "/api/vault/secrets/$_[0]", token => $admin) }
sub row { $dbh->selectrow_hashref('SELECT id, scope, name, version, mac FROM secrets WHERE id = ?', undef, $_[0]) }
sub profiles_of {
    [ map { $_->[0] } @{ $dbh->selectall_arrayref('SELECT profile_name FROM secret_profiles WHERE secret_id = ?', undef, $_[0]) } ];
}
sub last_outcome {
    my ($id) = @_;
    return scalar $dbh->selectrow_array('SELECT outcome FROM audit_log WHERE action = ? AND target = ? ORDER BY id DESC LIMIT 1',
        undef, 'secret.read', "secret:$id");
}
sub refused_ok {
    my ($r, $id, $label) = @_;
    error_is($r, 500, 'integrity', $label, qr/fails its integrity check/);
    unlike($r->{body}, qr/value-\d/, '... and no value leaves');
    is(last_outcome($id), 'error', '... audited as an error');
}

my $r = api(POST => '/api/vault/secrets', token => $admin,
    json => { scope => $scope, name => 'db/password', value => 'value-1', allowed_profiles => [$ops] });
is($r->{status}, 201, 'create a secret for the ops profile') or diag($r->{body});
my $id = $r->{json}{id};
for my $n (2, 3) {
    $r = api(PUT => "/api/vault/secrets/$id", token => $admin, json => { value => "value-$n" });
    is($r->{status}, 200, "update it to version $n") or diag($r->{body});
}

subtest 'the MAC is the documented HMAC over id, scope, name, version and the list' => sub {
    my $row = row($id);
    like($row->{mac}, qr/^[0-9a-f]{64}$/, 'the row carries a MAC');
    is($row->{mac}, secret_mac({ %$row, profiles => profiles_of($id) }, $keys), '... the one SecretMac.h describes');
    is(agent_read(ops => $id)->{json}{value}, 'value-3', "the ops agent reads version 3");
    is(agent_read(other => $id)->{status}, 404, 'another agent is refused (404)');
};

subtest 'a version pointer moved back' => sub {
    $dbh->do('UPDATE secrets SET version = 1 WHERE id = ?', undef, $id);
    refused_ok(agent_read(ops => $id), $id, "the agent's read of a rolled-back secret is refused");
    refused_ok(admin_read($id), $id, "... the admin's too");
    my $reveal = api(POST => "/api/secrets/$id/reveal", token => $admin);
    error_is($reveal, 500, 'integrity', "... and the UI's reveal", qr/fails its integrity check/);
    unlike($reveal->{body}, qr/value-\d/, '... which shows no value');
    is(scalar $dbh->selectrow_array('SELECT outcome FROM audit_log WHERE action = ? AND target = ? ORDER BY id DESC LIMIT 1',
        undef, 'secret.reveal', "secret:$id"), 'error', '... audited as an error');
    error_is(api(PUT => "/api/vault/secrets/$id", token => $admin, json => { allowed_profiles => [$ops] }),
        409, 'conflict', 'a PUT of the list alone does not bless it', qr/integrity check.*both/);
    error_is(api(PUT => "/api/vault/secrets/$id", token => $admin, json => { value => 'value-x' }),
        409, 'conflict', '... nor a PUT of the value alone', qr/integrity check/);
    is(row($id)->{version}, 1, '... and neither changed anything');
    $dbh->do('UPDATE secrets SET version = 3 WHERE id = ?', undef, $id);
    is(agent_read(ops => $id)->{json}{value}, 'value-3', 'put back, it reads again');
};

subtest 'an access list emptied or edited' => sub {
    $dbh->do('DELETE FROM secret_profiles WHERE secret_id = ?', undef, $id);
    refused_ok(agent_read(other => $id), $id, 'emptied, the list would open it to every agent: refused');
    refused_ok(agent_read(ops => $id), $id, '... to the ops agent too');
    my $extra = profile("extra-$tag");
    $dbh->do('INSERT INTO secret_profiles (secret_id, profile_name) VALUES (?, ?), (?, ?)', undef, $id, $ops, $id, $extra);
    refused_ok(agent_read(ops => $id), $id, 'a profile added behind Nexus: refused');
    $dbh->do('DELETE FROM secret_profiles WHERE secret_id = ? AND profile_name = ?', undef, $id, $extra);
    is(agent_read(ops => $id)->{json}{value}, 'value-3', 'put back, it reads again');
    is(agent_read(other => $id)->{status}, 404, '... and the other agent is still refused');
    $dbh->do('DELETE FROM profiles WHERE name = ?', undef, $extra);
};

subtest 'a MAC nulled or copied from another secret' => sub {
    $r = api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => 'open', value => 'value-9' });
    is($r->{status}, 201, 'an unrestricted secret') or diag($r->{body});
    my $open = $r->{json}{id};
    my $mac = row($id)->{mac};
    $dbh->do('UPDATE secrets SET mac = NULL WHERE id = ?', undef, $id);
    refused_ok(agent_read(ops => $id), $id, 'no MAC: refused (a writer could null it)');
    $dbh->do('UPDATE secrets SET mac = ? WHERE id = ?', undef, row($open)->{mac}, $id);
    refused_ok(agent_read(ops => $id), $id, "another secret's MAC: refused");

    my ($rc, $out) = nexusctl('vault', 'status');
    is($rc, 0, 'nexusctl vault status succeeds') or diag($out);
    like($out, qr/^secrets\s+1 fail their integrity check \(ids $id\)/m, '... and names the failing secret');

    $r = api(PUT => "/api/vault/secrets/$id", token => $admin, json => { value => 'value-4', allowed_profiles => [$ops] });
    is($r->{status}, 200, 'a PUT of both value and list replaces it') or diag($r->{body});
    is($r->{json}{version}, 4, '... as version 4');
    is(agent_read(ops => $id)->{json}{value}, 'value-4', '... which reads');
    isnt(row($id)->{mac}, $mac, '... under a new MAC');
    ($rc, $out) = nexusctl('vault', 'status');
    like($out, qr/^secrets\s+every secret passes its integrity check/m, 'vault status: every secret passes again');
    is(api(DELETE => "/api/vault/secrets/$open", token => $admin)->{status}, 204, 'delete the unrestricted one');
};

subtest 'a profile rename stamps the secrets it touches, never a failing one' => sub {
    $r = api(POST => '/api/vault/secrets', token => $admin,
        json => { scope => $scope, name => 'tampered', value => 'value-7', allowed_profiles => [$ops] });
    my $tampered = $r->{json}{id};
    $dbh->do('UPDATE secrets SET mac = NULL WHERE id = ?', undef, $tampered);
    my $renamed = "ops-renamed-$tag";
    $dbh->do('UPDATE profiles SET model = ? WHERE name = ?', undef, 'openai/gpt-4o', $ops);
    $r = api(PUT => '/api/profiles/' . uri_escape($ops), token => $admin, json => { name => $renamed });
    is($r->{status}, 200, 'rename the profile through the API') or diag($r->{body});
    is_deeply(profiles_of($id), [$renamed], 'the secret now names the new profile');
    is(row($id)->{mac}, secret_mac({ %{ row($id) }, profiles => [$renamed] }, $keys), '... under a fresh MAC');
    is(agent_read(ops => $id)->{json}{value}, 'value-4', '... and the ops agent still reads it');
    is(row($tampered)->{mac}, undef, 'the secret that failed its check was not stamped');
    refused_ok(agent_read(ops => $tampered), $tampered, '... and is still refused');
    $r = api(PUT => '/api/profiles/' . uri_escape($renamed), token => $admin, json => { name => $ops });
    is($r->{status}, 200, 'rename it back') or diag($r->{body});
    is(api(DELETE => "/api/vault/secrets/$tampered", token => $admin)->{status}, 204, 'delete the tampered one');
};

is(api(DELETE => "/api/vault/secrets/$id", token => $admin)->{status}, 204, 'clean up the secret');
$dbh->do('DELETE a FROM assignments a JOIN agents g ON g.id = a.agent_id WHERE g.slug = ?', undef, $slug{ops});
$dbh->do('DELETE FROM profiles WHERE name = ?', undef, $ops);
done_testing;
