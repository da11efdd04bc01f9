# GET /api/secrets, the spec's UI endpoint: JSON for a bearer or an
# "Accept: application/json" client, a readable HTML page for a browser
# signed in through the SSO gate. Never a value, never the admin's rights
# for anyone else; the SSO identity cannot be forged with a header.
use strict;
use warnings;
use utf8;
use Test::More;
use Digest::SHA;
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('ui');
my $scope = "ui-$tag";
my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

my $prod = "Prod <Reliable> & $tag";    # markup in a name must come out escaped
$dbh->do('INSERT INTO profiles (name, created_at, updated_at) VALUES (?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))', undef, $prod);
my $agent = new_agent(slug => unique_slug('ui-agent'));
my $agent_token = issue_token($agent)->{token};

my %id;
for my $case ([ open => [] ], [ prod => [$prod] ], [ other => ["Other $tag"] ]) {
    my ($name, $profiles) = @$case;
    my $r = api(POST => '/api/vault/secrets', token => $admin,
        json => { scope => $scope, name => "ui/$name", value => "ui-value-$name-$tag", allowed_profiles => $profiles });
    is $r->{status}, 201, "create $name" or diag $r->{body};
    $id{$name} = $r->{json}{id};
}

sub names { return [ sort map { $_->{name} } @{ $_[0]{json} || [] } ] }

subtest 'a signed-in browser gets an HTML page' => sub {
    my $r = api(GET => "/api/secrets?scope=$scope", user => 'alice', headers => { Accept => $browser });
    is $r->{status}, 200, 'status 200';
    like $r->{headers}{'content-type'}, qr{^text/html; charset=utf-8}, 'text/html';
    like $r->{body}, qr/^<!DOCTYPE html>/, 'a whole document';
    like $r->{body}, qr/<span id="nexus-user"[^>]* data-user-id="alice">/, 'names the user';
    like $r->{body}, qr{<code>ui/$_</code>}, "lists ui/$_" for qw(open prod other);
    unlike $r->{body}, qr/ui-value-/, 'no value on the page';
    like $r->{body}, qr/Prod &lt;Reliable&gt; &amp; \Q$tag\E/, 'profile names are escaped';
    unlike $r->{body}, qr/<Reliable>/, '... never raw';
    like $r->{headers}{'content-security-policy'}, qr/default-src 'none'; script-src 'self'; style-src 'self'/,
        'a CSP that allows script and style from this site only';
    unlike $r->{headers}{'content-security-policy'}, qr/unsafe-inline/, '... nothing inline';
    unlike $r->{body}, qr/<script>|<style|style="/, 'no inline script or style on the page';
    is $r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff';
    like $r->{headers}{vary}, qr/Accept/, 'Vary: Accept';
    is $r->{headers}{'cache-control'}, 'no-store', 'not cached';
};

subtest 'an admin\'s page has a reveal form and a place for the value across the table; a viewer\'s neither' => sub {
    my $r = api(GET => "/api/secrets?scope=$scope", user => 'ui-admin', role => 'admin', headers => { Accept => $browser });
    is $r->{status}, 200, 'status 200';
    like $r->{body}, qr{<form class="api inline" id="reveal-$id{prod}" data-method="POST" data-api="/api/secrets/$id{prod}/reveal" data-show="value-$id{prod}">},
        'a reveal form that shows its answer in the value row';
    like $r->{body}, qr{<tr class="revealed" id="value-$id{prod}" hidden><td colspan="7">.*?<code class="secret-value" id="value-text-$id{prod}" data-field="value"></code><button type="button" class="secondary" data-copy="value-text-$id{prod}">Copy</button>}s,
        '... a hidden row across the table, an empty monospace block and a Copy button';
    unlike $r->{body}, qr/ui-value-/, '... and still no value on the page';
    $r = api(GET => "/api/secrets?scope=$scope", user => 'alice', headers => { Accept => $browser });
    unlike $r->{body}, qr{id="reveal-|class="revealed"|secret-value}, 'a viewer gets neither';
};

subtest 'the page follows ?profile= and paginates' => sub {
    my $q = "scope=$scope&profile=" . uri_escape($prod);
    my $r = api(GET => "/api/secrets?$q", user => 'alice', headers => { Accept => $browser });
    is $r->{status}, 200, 'status 200';
    like $r->{body}, qr{<code>ui/open</code>}, 'unrestricted';
    like $r->{body}, qr{<code>ui/prod</code>}, 'allowing the profile';
    unlike $r->{body}, qr{<code>ui/other</code>}, 'not another profile\'s';
    like $r->{body}, qr/value="Prod &lt;Reliable&gt; &amp; \Q$tag\E"/, 'the filter shows the profile, escaped';

    my $first = api(GET => "/api/secrets?scope=$scope&limit=2", user => 'alice', headers => { Accept => $browser });
    my ($next) = $first->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'a next-page link' or return;
    $next =~ s/&amp;/&/g;
    my $second = api(GET => $next, user => 'alice', headers => { Accept => $browser });
    is $second->{status}, 200, 'the next page answers';
    like $second->{body}, qr{<code>ui/other</code>}, '... with the third secret';
    unlike $second->{body}, qr/rel="next"/, '... and no further link';
};

subtest 'JSON for a user who asks for it, and for every bearer' => sub {
    my $r = api(GET => "/api/secrets?scope=$scope", user => 'alice', headers => { Accept => 'application/json' });
    is $r->{status}, 200, 'user, Accept: application/json: 200';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... JSON';
    is_deeply names($r), [qw(ui/open ui/other ui/prod)], '... every secret\'s metadata';
    ok !grep({ exists $_->{value} } @{ $r->{json} }), '... no values';

    $r = api(GET => "/api/secrets?scope=$scope", user => 'alice');
    like $r->{headers}{'content-type'}, qr{^application/json}, 'user without Accept: JSON';

    $r = api(GET => "/api/secrets?scope=$scope", token => $agent_token, user => 'alice', headers => { Accept => $browser });
    like $r->{headers}{'content-type'}, qr{^application/json}, 'a bearer gets JSON even with a browser Accept';
    is_deeply names($r), [qw(ui/open)], '... and the token wins over the session: the agent\'s own view';
};

subtest 'no session, a forged identity, a bad cookie' => sub {
    my $r = api(GET => '/api/secrets?scope=x', headers => { Accept => $browser });
    is $r->{status}, 302, 'a browser without a session is sent to sign in';
    is $r->{headers}{location}, '/api/auth/nexus-gate?return_to=%2Fapi%2Fsecrets%3Fscope%3Dx', '... to the gate, with where it was going';
    error_is api(GET => '/api/secrets'), 401, 'unauthorized', 'an API client without a session: JSON 401';
    $r = api(GET => '/api/secrets', headers => { Accept => $browser, 'X-Nexus-Sso-User' => 'mallory', 'X-Nexus-Sso-Roles' => 'admin' });
    is $r->{status}, 302, 'X-Nexus-Sso-User from the client is no identity (a browser is still sent to sign in)';
    $r = api(GET => '/api/secrets', headers => { 'Nexus-Sso-User' => 'mallory' });
    error_is $r, 401, 'unauthorized', 'nor is Nexus-Sso-User';
    my $cookie = session_cookie('alice');
    (my $tampered = $cookie) =~ s/=(.)/'=' . ($1 eq 'A' ? 'B' : 'A')/e;
    error_is api(GET => '/api/secrets', headers => { Cookie => $tampered }), 401, 'unauthorized', 'a tampered session cookie: no identity';
    error_is api(GET => '/api/secrets', headers => { Cookie => 'nexus_session=' . ('x' x 43) }), 401, 'unauthorized', 'an unknown session: no identity';
    error_is api(GET => '/api/secrets', headers => { Cookie => 'nexus_dev_user=alice' }), 401, 'unauthorized', 'the old dev stand-in cookie is gone';
    my $idle = new_session('idle-user', idle => 10 * 86400);
    error_is api(GET => '/api/secrets', headers => { Cookie => "nexus_session=$idle" }), 401, 'unauthorized', 'an idle session: no identity';
    my $expired = new_session('expired-user', expires_in => -1);
    error_is api(GET => '/api/secrets', headers => { Cookie => "nexus_session=$expired" }), 401, 'unauthorized', 'an expired session: no identity';
};

subtest 'viewers and admins read the same list; only an admin changes it, with the CSRF token' => sub {
    for my $role (qw(viewer admin)) {
        my $r = api(GET => "/api/secrets?scope=$scope", user => "ui-$role", role => $role, headers => { Accept => 'application/json' });
        is $r->{status}, 200, "a signed-in $role reads the list";
        is_deeply names($r), [qw(ui/open ui/other ui/prod)], "... all names, no values ($role)";
    }
    error_is api(GET => '/admin/audit-log', user => 'ui-viewer'), 403, 'forbidden', 'an admin route is closed to a viewer';
    is api(GET => '/admin/audit-log?limit=1', user => 'ui-admin', role => 'admin')->{status}, 200, '... open to an admin';
    my $write = { scope => $scope, name => 'ui/role-write', value => 'v', allowed_profiles => [] };
    error_is api(POST => '/api/vault/secrets', user => 'ui-viewer', json => $write), 403, 'forbidden', 'a viewer may not write';
    error_is api(POST => '/api/vault/secrets', user => 'ui-admin', role => 'admin', json => $write), 403, 'forbidden',
        'an admin without the CSRF token and Origin may not either';
    my $cookie = session_cookie('ui-admin', 'admin');
    (my $csrf = Digest::SHA::sha256_base64('nexus-csrf:' . ($cookie =~ s/^[^=]+=//r))) =~ tr{+/}{-_};
    my $r = api(POST => '/api/vault/secrets', headers => { Cookie => $cookie, Origin => base_url(), 'X-CSRF-Token' => $csrf },
        json => $write);
    is $r->{status}, 201, 'with both, the admin creates a secret' or diag $r->{body};
    my $row = $dbh->selectrow_hashref('SELECT principal, outcome FROM audit_log WHERE action = ? AND target = ?', undef,
        'secret.create', "secret:$r->{json}{id}");
    is $row->{principal}, 'user:ui-admin', '... audited under the user';
};

subtest 'reveal: an admin\'s audited POST; bad ids are clear 404s' => sub {
    my $cookie = session_cookie('ui-admin', 'admin');
    (my $csrf = Digest::SHA::sha256_base64('nexus-csrf:' . ($cookie =~ s/^[^=]+=//r))) =~ tr{+/}{-_};
    my %browser = (headers => { Cookie => $cookie, Origin => base_url(), 'X-CSRF-Token' => $csrf });
    my $r = api(POST => "/api/secrets/$id{prod}/reveal", %browser);
    is $r->{status}, 200, 'an admin session reveals a value' or diag $r->{body};
    is $r->{json}{value}, "ui-value-prod-$tag", '... the decrypted value';
    like $r->{headers}{'cache-control'}, qr/no-store/, '... never cached';
    my $row = $dbh->selectrow_hashref('SELECT principal, outcome FROM audit_log WHERE action = ? AND target = ? ORDER BY id DESC LIMIT 1',
        undef, 'secret.reveal', "secret:$id{prod}");
    is_deeply $row, { principal => 'user:ui-admin', outcome => 'ok' }, '... audited as secret.reveal under the user';
    is api(POST => "/api/secrets/$id{open}/reveal", token => $admin)->{status}, 200, 'the admin token may reveal too';
    for my $bad ('abc', '0', '-1', '99999999999', '1e3', '9' x 400) {
        error_is api(POST => "/api/secrets/$bad/reveal", %browser), 404, 'not_found', "id '" . substr($bad, 0, 12) . "': 404";
    }
    error_is api(POST => "/api/secrets/$id{open}/reveal", token => $agent_token), 403, 'forbidden', 'an agent token: 403';
    error_is api(POST => "/api/secrets/$id{open}/reveal", user => 'alice'), 403, 'forbidden', 'a viewer: 403';
    error_is api(POST => "/api/secrets/$id{open}/reveal", headers => { Cookie => $cookie, Origin => base_url() }), 403,
        'forbidden', 'an admin session without the CSRF token: 403';
    error_is api(POST => "/api/secrets/$id{open}/reveal"), 401, 'unauthorized', 'nobody: 401';
};

subtest 'what a session never does' => sub {
    error_is api(GET => "/api/vault/secrets?scope=$scope", user => 'alice'), 403, 'forbidden', 'a viewer lists no agent view';
    error_is api(GET => "/api/vault/secrets/$id{open}", user => 'alice'), 403, 'forbidden', 'a viewer reads no value';
    my $r = api(GET => "/api/vault/secrets/$id{open}", user => 'ui-admin', role => 'admin');
    error_is $r, 403, 'forbidden', 'an admin session reads no value through the agents\' route either';
    like $r->{json}{message}, qr/browser session/, '... and is told why';
    unlike $r->{body}, qr/ui-value-/, '... no value in the answer';
    error_is api(GET => '/api/agents', user => 'alice', token => $agent_token), 403, 'forbidden',
        'with a bearer token, the token decides (an agent lists no agents)';
    my $reads = $dbh->selectrow_array("SELECT COUNT(*) FROM audit_log WHERE principal IN ('user:alice', 'user:ui-admin') AND action = 'secret.read'");
    is $reads, 0, 'no session ever read a secret';
};

done_testing();
