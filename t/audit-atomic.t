#!/usr/bin/env perl
# Every audited change and its audit row are committed together or not at
# all: while the audit log refuses a change's row (a trigger of this test
# makes the INSERT fail), the change answers 503 and nothing of it stays;
# once the log takes rows again the same change succeeds with exactly one
# row. And a 403 from the access policy is audited as "access.denied"
# (who tried what).
use strict;
use warnings;
use NexusTest;
use Test::More;

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('atomic');

# While refuse(ACTION) holds, the database refuses every audit row of ACTION.
my $trigger = 'test_refuse_audit_' . ($$ % 100000);
sub refuse {
    my ($action) = @_;
    allow();
    $dbh->do("CREATE TRIGGER $trigger BEFORE INSERT ON audit_log FOR EACH ROW "
          . "IF NEW.action = " . $dbh->quote($action) . " THEN "
          . "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit row refused by t/audit-atomic.t'; END IF");
}
sub allow { $dbh->do("DROP TRIGGER IF EXISTS $trigger") }
END { local $?; eval { dbh()->do("DROP TRIGGER IF EXISTS $trigger") } }    # also when a test died half-way

sub rows_of {
    my ($r) = @_;
    my $id = $r->{headers}{'x-request-id'} // die "no X-Request-Id\n";
    return $dbh->selectall_arrayref('SELECT principal, action, target, outcome FROM audit_log WHERE request_id = ?',
        { Slice => {} }, $id);
}

sub count { my ($sql, @bind) = @_; return scalar $dbh->selectrow_array($sql, undef, @bind) }

# change(LABEL, ACTION, REQUEST, STATE, TARGET): with ACTION's rows refused,
# REQUEST (a sub returning api()'s answer) is a 503 and STATE (a sub
# returning a description of what is stored) is as before; then, allowed,
# REQUEST succeeds (2xx) with one audit row of ACTION for TARGET (a string or
# a sub of the answer), and STATE changed.
sub change {
    my ($label, $action, $request, $state, $target) = @_;
    subtest $label => sub {
        my $before = $state->();
        refuse($action);
        my $r = $request->();
        is $r->{status}, 503, "refused audit row: 503" or diag $r->{body};
        is $r->{json}{error}, 'unavailable', 'the JSON error' or diag $r->{body};
        is_deeply $state->(), $before, 'nothing of the change is stored';
        is_deeply rows_of($r), [], 'and no audit row';
        allow();
        $r = $request->();
        ok $r->{status} >= 200 && $r->{status} < 300, "audit log back: $r->{status}" or diag $r->{body};
        isnt_deeply($state->(), $before, 'the change is stored');
        my $want = ref $target ? $target->($r) : $target;
        is_deeply rows_of($r), [ { principal => 'admin', action => $action, target => $want, outcome => 'ok' } ],
            "one audit row: $action $want";
    };
}

sub isnt_deeply {
    my ($got, $expected, $name) = @_;
    my $same = Test::More::eq_array([$got], [$expected]);
    return ok !$same, $name;
}

# --- profiles --------------------------------------------------------------------
my $profile = "atomic-$tag";
my $profile_row = sub { $dbh->selectall_arrayref('SELECT name, model, version FROM profiles WHERE name LIKE ?', undef, "atomic-$tag%") };
change('profile.create', 'profile.create',
    sub { api(POST => '/api/profiles', token => $admin, json => { name => $profile, model => 'prov/m-1' }) },
    $profile_row, "profile:$profile");
change('profile.update (a rename)', 'profile.update',
    sub { api(PUT => "/api/profiles/$profile", token => $admin, json => { name => "$profile-2", model => 'prov/m-2' }) },
    $profile_row, "profile:$profile-2");
$profile = "$profile-2";

# --- agents: assignment and tokens -------------------------------------------------
my $agent = new_agent(slug => unique_slug('atomic'));
my $assignment = sub { $dbh->selectall_arrayref('SELECT s.agent_id, s.profile_id FROM assignments s JOIN agents a ON a.id = s.agent_id WHERE a.slug = ?', undef, $agent) };
change('assignment.set', 'assignment.set',
    sub { api(PUT => "/api/assignments/$agent", token => $admin, json => { profile_name => $profile }) },
    $assignment, "agent:$agent");
change('assignment.delete', 'assignment.delete', sub { api(DELETE => "/api/assignments/$agent", token => $admin) },
    $assignment, "agent:$agent");

my $tokens = sub { $dbh->selectall_arrayref('SELECT t.token_hash, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ? ORDER BY 1', undef, $agent) };
change('token.create', 'token.create', sub { api(PUT => "/api/agents/$agent/token", token => $admin) },
    $tokens, "agent:$agent");
my ($hash) = map { $_->[0] } @{ $tokens->() };
change('token.revoke', 'token.revoke', sub { api(DELETE => "/api/agents/$agent/token/$hash", token => $admin) },
    $tokens, "agent:$agent");

change('profile.delete', 'profile.delete', sub { api(DELETE => "/api/profiles/$profile", token => $admin) },
    $profile_row, "profile:$profile");

# --- the vault -----------------------------------------------------------------------
my $scope = 'atomic';
my $secret_name = "s-$tag";
my $secret = sub { $dbh->selectall_arrayref('SELECT s.id, s.version, (SELECT COUNT(*) FROM secret_versions v WHERE v.secret_id = s.id) FROM secrets s WHERE s.scope = ? AND s.name = ?', undef, $scope, $secret_name) };
my $id;
change('secret.create', 'secret.create',
    sub { api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => $secret_name, value => 'v1' }) },
    $secret, sub { $id = $_[0]{json}{id}; "secret:$id" });
change('secret.update', 'secret.update',
    sub { api(PUT => "/api/vault/secrets/$id", token => $admin, json => { value => 'v2' }) }, $secret, "secret:$id");
subtest 'the refused update left the value as it was' => sub {
    my $r = api(GET => "/api/vault/secrets/$id", token => $admin);
    is $r->{status}, 200, 'read' or diag $r->{body};
    is $r->{json}{value}, 'v2', 'the value of the one update that was audited';
};
change('secret.delete', 'secret.delete', sub { api(DELETE => "/api/vault/secrets/$id", token => $admin) },
    $secret, "secret:$id");

# --- the registry --------------------------------------------------------------------
my $model_id = "prov-$tag/model-1";
my $model = sub { $dbh->selectall_arrayref('SELECT slug, name FROM models WHERE model_id = ?', undef, $model_id) };
change('model.upsert (create)', 'model.upsert',
    sub { api(POST => '/api/registry/models', token => $admin, json => { slug => "fam-$tag", model_id => $model_id, name => 'One' }) },
    $model, "model:$model_id");
change('model.upsert (replace)', 'model.upsert',
    sub { api(POST => '/api/registry/models', token => $admin, json => { slug => "fam-$tag", model_id => $model_id, name => 'Two' }) },
    $model, "model:$model_id");
change('model.delete', 'model.delete',
    sub { api(DELETE => "/api/registry/models/fam-$tag/" . uri_escape($model_id), token => $admin) },
    $model, "model:$model_id");

# --- knowledge -----------------------------------------------------------------------
my $entity = "atomic-$tag";
my $stored = sub { $dbh->selectall_arrayref('SELECT title, version FROM knowledge WHERE kind = ? AND name = ?', undef, 'project', $entity) };
change('knowledge.put (create)', 'knowledge.put',
    sub { api(PUT => "/api/knowledge/project/$entity", token => $admin, json => { title => 'First' }) },
    $stored, "knowledge:project/$entity");
change('knowledge.put (update)', 'knowledge.put',
    sub { api(PUT => "/api/knowledge/project/$entity", token => $admin, json => { title => 'Second' }) },
    $stored, "knowledge:project/$entity");
subtest 'an unchanged knowledge.put changes nothing and writes no row' => sub {
    my $r = api(PUT => "/api/knowledge/project/$entity", token => $admin, json => { title => 'Second' });
    is $r->{status}, 200, '200' or diag $r->{body};
    is_deeply rows_of($r), [], 'no audit row';
};
change('knowledge.delete', 'knowledge.delete', sub { api(DELETE => "/api/knowledge/project/$entity", token => $admin) },
    $stored, "knowledge:project/$entity");

# --- nexusctl's knowledge import -----------------------------------------------------
subtest 'nexusctl knowledge import: refused audit rows leave nothing stored' => sub {
    my $dir = "/tmp/nexus-atomic-$$";
    mkdir $dir;
    my $file = "$dir/import.yaml";
    open my $fh, '>', $file or die "$file: $!\n";
    print $fh "apiVersion: nexus/v1\nkind: project\nmetadata:\n  name: $entity-cli\n  title: From the CLI\n";
    close $fh;
    refuse('knowledge.put');
    my ($rc, $out) = nexusctl('knowledge', 'import', $dir);
    isnt $rc, 0, 'the import fails' or diag $out;
    is count('SELECT COUNT(*) FROM knowledge WHERE name = ?', "$entity-cli"), 0, 'nothing stored';
    allow();
    ($rc, $out) = nexusctl('knowledge', 'import', $dir);
    is $rc, 0, 'then it imports' or diag $out;
    is count('SELECT COUNT(*) FROM knowledge WHERE name = ?', "$entity-cli"), 1, 'stored';
    is count("SELECT COUNT(*) FROM audit_log WHERE action = 'knowledge.put' AND target = ? AND principal LIKE 'operator:%'",
        "knowledge:project/$entity-cli"), 1, 'with one operator row';
    unlink $file;
    rmdir $dir;
};

# --- 403s from the access policy are audited ---------------------------------------
subtest 'a 403 from the access policy is audited as access.denied' => sub {
    my $token = issue_token($agent)->{token};
    my $other = new_agent(slug => unique_slug('atomic-other'));
    my $r = api(POST => '/api/profiles', token => $token, json => { name => "denied-$tag", model => 'prov/m' });
    is $r->{status}, 403, 'an agent creating a profile: 403' or diag $r->{body};
    is_deeply rows_of($r), [ { principal => "agent:$agent", action => 'access.denied', target => 'POST /api/profiles', outcome => 'denied' } ],
        'one access.denied row: who and what';
    $r = api(POST => "/api/agents/$other/heartbeat", token => $token, json => {});
    is $r->{status}, 403, "another agent's heartbeat: 403" or diag $r->{body};
    is_deeply rows_of($r), [ { principal => "agent:$agent", action => 'access.denied', target => "POST /api/agents/$other/heartbeat", outcome => 'denied' } ],
        'audited too (the fast path declines, the policy refuses)';
    $r = api(GET => '/admin/audit-log', user => "viewer-$tag", headers => { Accept => 'application/json' });
    is $r->{status}, 403, 'a viewer reading the audit log: 403' or diag $r->{body};
    is_deeply rows_of($r), [ { principal => "user:viewer-$tag", action => 'access.denied', target => 'GET /admin/audit-log', outcome => 'denied' } ],
        'audited with the user';
    $r = api(POST => '/api/memories/collect', token => $token, json => { agent => $other, content => 'not mine' });
    is $r->{status}, 403, "a memory for another agent: 403" or diag $r->{body};
    is_deeply rows_of($r), [ { principal => "agent:$agent", action => 'access.denied', target => 'POST /api/memories/collect', outcome => 'denied' } ],
        'audited too (a rule the handler applies, on the body)';
    $r = api(GET => "/api/memories/list?agent=$other", token => $token);
    is $r->{status}, 403, "another agent's memories: 403" or diag $r->{body};
    is scalar(@{ rows_of($r) }), 1, 'audited';
    $r = api(GET => "/api/agents/$agent/profile", token => $token);
    is_deeply rows_of($r), [], 'an allowed request writes no such row';
};

done_testing;
