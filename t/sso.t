#!/usr/bin/env perl
# Browser sign-in without a browser (src/sso, /api/auth): the login's
# redirect and state row, return_to checks, the callback's refusals, full
# sign-ins at the stack's local provider (tools/idp) through its login form,
# ID tokens Nexus must refuse (the provider misbehaving on request: expired,
# another nonce, audience or issuer, a foreign signature, none), /me, the
# gate's validator, sign-out (GET, and POST with its CSRF token and Origin
# check) and the audit rows. The test stack runs the local provider
# (tools/devstack); a stack pointed at another provider cannot run the full
# sign-ins, and this test says so and fails. The tiny browser and the
# sign-ins are t/lib/NexusSignIn.pm's; sso.allowed_users and
# sso.allowed_groups are t/sso-allowed.t's.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex sha256_base64);
use NexusSignIn;
use NexusTest;
use Test::More;
use URI;
use URI::QueryParam;

my $dbh = dbh();
my $base = base_url();
my $issuer = stack_env('NEXUS_SSO_ISSUER');
ok $issuer, 'the stack signs in at a provider' or BAIL_OUT('no NEXUS_SSO_ISSUER in stack.env');
my $browser = BROWSER_ACCEPT;
my $start = $dbh->selectrow_array('SELECT UTC_TIMESTAMP(3)');

# The Set-Cookie headers of an answer, in order.
sub set_cookies {
    my ($r) = @_;
    my $set = $r->{headers}{'set-cookie'};
    return () unless defined $set;
    return ref $set ? @$set : ($set);
}

sub audit_rows {
    my ($action, $principal) = @_;
    return $dbh->selectall_arrayref('SELECT principal, target, outcome FROM audit_log WHERE action = ? AND principal = ? AND at >= ?',
        { Slice => {} }, $action, $principal, $start);
}
sub state_row { $dbh->selectrow_hashref('SELECT * FROM sso_login_states WHERE state_hash = ?', undef, sha256_hex($_[0])) }

my $base_hostport = URI->new($base)->host_port;

# --- login -----------------------------------------------------------------------

subtest 'login: 302 to the provider with state, nonce and PKCE S256, and one state row per login' => sub {
    my $r = api(GET => '/api/auth/login?return_to=' . uri_escape('/api/profiles?x=1'));
    is $r->{status}, 302, 'status 302';
    is $r->{headers}{'cache-control'}, 'no-store', 'not cached';
    my $loc = $r->{headers}{location} // '';
    like $loc, qr{^\Q$issuer\E/}, 'to the provider';
    my $q = query_of($loc);
    is $q->{response_type}, 'code', 'code flow';
    is $q->{client_id}, 'nexus', 'our client id';
    is $q->{redirect_uri}, "$base/api/auth/callback", 'the callback on this origin';
    is $q->{code_challenge_method}, 'S256', 'PKCE S256';
    like $q->{code_challenge}, qr/^[A-Za-z0-9_-]{43}$/, 'a challenge';
    like $q->{$_}, qr/^[A-Za-z0-9_-]{43}$/, "a random $_" for qw(state nonce);
    like $q->{scope}, qr/\bopenid\b/, 'openid scope';
    my $row = state_row($q->{state});
    ok $row, 'the state row exists, keyed by the SHA-256 of the state';
    is $row->{nonce}, $q->{nonce}, '... with the nonce sent';
    is $row->{return_to}, '/api/profiles?x=1', '... and return_to';
    my $second = query_of(api(GET => '/api/auth/login')->{headers}{location});
    isnt $second->{state}, $q->{state}, 'a second login gets another state';
    is state_row($second->{state})->{return_to}, '/', 'return_to defaults to /';
    ok state_row($q->{state}), 'and the first one still works (several tabs)';
};

subtest 'login: a return_to off this site is refused' => sub {
    for my $bad ('//evil.example/x', 'https://evil.example/', '/\\evil.example', 'evil', "/a\r\nSet-Cookie: x=1", '/\\/evil') {
        my $r = api(GET => '/api/auth/login?return_to=' . uri_escape($bad));
        (my $shown = $bad) =~ s/[\r\n]/?/g;
        error_is $r, 400, 'bad_request', "return_to $shown", qr/return_to/;
        ok !$r->{headers}{location}, '... no redirect';
    }
    my $r = api(GET => '/api/auth/login?return_to=' . uri_escape('//evil.example'), headers => { Accept => $browser });
    is $r->{status}, 400, 'a browser gets 400 too';
    like $r->{headers}{'content-type'}, qr{^text/html}, '... as an HTML page';
    like $r->{body}, qr/return_to must be a path on this site/, '... that says why';
};

# --- callback refusals -----------------------------------------------------------

subtest 'callback: unknown, used or missing state is refused with 400 invalid_state' => sub {
    error_is api(GET => '/api/auth/callback?state=' . ('x' x 43) . '&code=abc'), 400, 'invalid_state', 'an unknown state';
    error_is api(GET => '/api/auth/callback?code=abc'), 400, 'invalid_state', 'no state';
    my $state = query_of(api(GET => '/api/auth/login')->{headers}{location})->{state};
    my $r = api(GET => "/api/auth/callback?state=$state&code=made-up-code");
    error_is $r, 401, 'sign_in_failed', 'a known state with a made-up code: the provider refuses the code', qr/did not accept/;
    unlike $r->{body}, qr/made-up-code/, '... the code is not echoed';
    ok !state_row($state), 'the state is used up';
    error_is api(GET => "/api/auth/callback?state=$state&code=made-up-code"), 400, 'invalid_state', 'the same state again: replayed';
    my $expired = 'e' x 43;
    $dbh->do('INSERT INTO sso_login_states (state_hash, nonce, code_verifier, return_to, created_at, expires_at) '
          . 'VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3) - INTERVAL 20 MINUTE, UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE)',
        undef, sha256_hex($expired), 'n', 'v' x 43, '/');
    error_is api(GET => "/api/auth/callback?state=$expired&code=abc"), 400, 'invalid_state', 'an expired state';
    my $page = api(GET => '/api/auth/callback?state=nope', headers => { Accept => $browser });
    is $page->{status}, 400, 'a browser: 400';
    like $page->{body}, qr/unknown, has expired or was already completed/, '... on a page that says so';
    like $page->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, '... with a strict CSP';
};

subtest 'callback: the provider\'s error is shown, escaped' => sub {
    my $r = api(GET => '/api/auth/callback?error=access_denied&error_description=' . uri_escape('The user said <no>'));
    error_is $r, 401, 'sign_in_refused', 'JSON', qr/access_denied \(The user said <no>\)/;
    $r = api(GET => '/api/auth/callback?error=access_denied&error_description=' . uri_escape('The user said <no>'),
        headers => { Accept => $browser });
    is $r->{status}, 401, 'a browser: 401';
    like $r->{body}, qr/access_denied \(The user said &lt;no&gt;\)/, '... the error on the page, escaped';
    like $r->{body}, qr{<a id="nexus-back-to-sign-in" href="/api/auth/nexus-gate\?return_to=%2F">}, '... and a way back to sign in';
    my $state = query_of(api(GET => '/api/auth/login?return_to=' . uri_escape('/api/agents'))->{headers}{location})->{state};
    $r = api(GET => "/api/auth/callback?error=access_denied&state=$state", headers => { Accept => $browser });
    is $r->{status}, 401, 'refused in a sign-in that Nexus started: 401';
    like $r->{body}, qr{<a id="nexus-back-to-sign-in" href="/api/auth/nexus-gate\?return_to=%2Fapi%2Fagents">},
        '... and the way back keeps where the browser was going';
    ok !state_row($state), '... the state is used up';
};

subtest 'refused sign-ins are audited' => sub {
    my $rows = audit_rows('sso.sign_in', 'anonymous');
    my %reasons = map { $_->{target} => $_->{outcome} } @$rows;
    is $reasons{'sso:invalid_state'}, 'denied', 'invalid state';
    is $reasons{'sso:code_refused'}, 'denied', 'a code the provider refused';
    is $reasons{'sso:provider_error'}, 'denied', 'the provider\'s error';
};

# --- full sign-ins ---------------------------------------------------------------

my %sub = (alice => 'b7e0c6a2-alice', bob => '4d19f3e8-bob', carol => '9a52b0d1-carol');
my %pw = map { $_ => "$_-dev-password" } keys %sub;
my %jar;

for my $case ([ alice => 'admin' ], [ bob => 'viewer' ], [ carol => 'viewer' ]) {
    my ($user, $role) = @$case;
    subtest "$user signs in at the provider and is a $role" => sub {
        my ($res, $jar, $visited) = sign_in($user, $pw{$user}, '/api/secrets?scope=none');
        my ($callback) = grep { $_->[0] =~ m{^\Q$base\E/api/auth/callback\?} } @$visited;
        ok $callback, 'through the callback';
        is $callback->[1], 302, '... which redirects';
        is $visited->[-1][0], "$base/api/secrets?scope=none", 'back at return_to';
        is $res->{status}, 200, 'the page answers';
        like $res->{headers}{'content-type'}, qr{^text/html}, '... as HTML';
        like $res->{content}, qr/data-user-id="\Q$sub{$user}\E"/, "... signed in as $user";
        my $cookie = $jar->{$base_hostport}{nexus_session};
        like $cookie // '', qr/^[A-Za-z0-9_-]{43}$/, 'a 256-bit session cookie';
        my $row = $dbh->selectrow_hashref('SELECT * FROM sso_sessions WHERE token_hash = ?', undef, sha256_hex($cookie));
        ok $row, 'the session row is keyed by the cookie\'s SHA-256';
        is $row->{user_id}, $sub{$user}, '... for the provider\'s sub';
        is $row->{role}, $role, "... as $role";
        ok length($row->{id_token} // ''), '... with the ID token kept';
        unlike $row->{id_token}, qr/^eyJ/, '... sealed, not in clear';
        my $me = api(GET => '/api/auth/me', headers => { Cookie => "nexus_session=$cookie" });
        is $me->{status}, 200, '/me';
        is $me->{json}{userId}, $sub{$user}, '/me: userId';
        is_deeply $me->{json}{roles}, [$role], '/me: roles';
        like $me->{json}{email}, qr/^\Q$user\E\@nexus\.example$/, '/me: email';
        is scalar(@{ audit_rows('sso.sign_in', "user:$sub{$user}") }), 1, 'one sign-in audit row';
        $jar{$user} = $jar;
    };
}

subtest 'a sign-in with another role than last time is audited as a role change' => sub {
    my $known = $dbh->selectrow_hashref('SELECT role FROM sso_users WHERE user_id = ?', undef, $sub{carol});
    is $known->{role}, 'viewer', 'carol is known as a viewer from his sign-in';
    # As if carol had been an admin before (sso.admin_* changed since): the
    # fixture is our own table; the next sign-in brings the provider's truth.
    $dbh->do('UPDATE sso_users SET role = ? WHERE user_id = ?', undef, 'admin', $sub{carol});
    my ($res) = sign_in('carol', $pw{carol}, '/api/secrets');
    is $res->{status}, 200, 'carol signs in again';
    my $rows = audit_rows('sso.role_change', "user:$sub{carol}");
    is scalar(@$rows), 1, 'one sso.role_change row';
    is $rows->[0]{target}, 'role:admin->viewer', '... naming both roles';
    is $dbh->selectrow_array('SELECT role FROM sso_users WHERE user_id = ?', undef, $sub{carol}), 'viewer', 'the role is stored';
    ($res) = sign_in('carol', $pw{carol}, '/api/secrets');
    is scalar(@{ audit_rows('sso.role_change', "user:$sub{carol}") }), 1, 'the same role again: no new row';
};

subtest 'a code from another sign-in, or used twice, is refused' => sub {
    my %cb = map { $_ => query_of(provider_callback(bob => $pw{bob})) } qw(a b c);
    ok +(grep { $cb{$_}{code} && $cb{$_}{state} } keys %cb) == 3, 'three sign-ins at the provider';
    my $callback = sub {
        my ($code, $state) = @_;
        return api(GET => '/api/auth/callback?code=' . uri_escape($code) . '&state=' . uri_escape($state),
            headers => { Accept => 'application/json' });
    };

    # One sign-in's state with another's code: the PKCE verifier (and the
    # nonce) belong to the other sign-in.
    my $mixed = $callback->($cb{a}{code}, $cb{b}{state});
    is $mixed->{status}, 401, 'a code from another sign-in: 401';
    is $mixed->{json}{error}, 'sign_in_failed', '... sign_in_failed';
    ok !state_row($cb{b}{state}), '... and that state is used up';
    unlike $mixed->{content}, qr/\Q$cb{a}{code}\E/, '... without echoing the code';

    my $done = $callback->($cb{c}{code}, $cb{c}{state});
    is $done->{status}, 302, 'a code with its own state signs in';

    my $fresh = query_of(api(GET => '/api/auth/login')->{headers}{location})->{state};
    my $replay = $callback->($cb{c}{code}, $fresh);
    is $replay->{status}, 401, 'the same code again, with a fresh state: 401';
    is $replay->{json}{error}, 'sign_in_failed', '... sign_in_failed';
    is $dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE user_id = ? AND created_at >= ?', undef,
        $sub{bob}, $start), 2, 'bob has two sessions: the sign-in above and this one';
};

# --- ID tokens Nexus must refuse --------------------------------------------------

# The provider's misbehaviour switch (t/idp/idp.mjs, "Misbehaviour on
# request"): misbehave(HOW) spoils every ID token it hands out as HOW says,
# until the returned guard is gone: at the end of the subtest that holds it,
# also when that subtest dies. END removes a switch anything else left on.
sub idp_env {
    my ($key) = @_;
    open my $fh, '<', stack_env('NEXUS_RUN_DIR') . '/idp/idp.env' or return undef;
    while (<$fh>) { return $1 if /^\Q$key\E=(.*)$/ }
    return undef;
}
my $misbehave_file = idp_env('IDP_MISBEHAVE_FILE');
END { unlink $misbehave_file if $misbehave_file }
sub misbehave {
    my ($how) = @_;
    die "no IDP_MISBEHAVE_FILE in the local provider's idp.env (is it the stack's provider?)\n" unless $misbehave_file;
    # Whole or not at all: the provider reads the file at every token request.
    open my $fh, '>', "$misbehave_file.new" or die "cannot write $misbehave_file.new: $!\n";
    print $fh "$how\n";
    close $fh or die "cannot write $misbehave_file.new: $!\n";
    rename "$misbehave_file.new", $misbehave_file or die "cannot rename to $misbehave_file: $!\n";
    return bless { file => $misbehave_file }, 'Misbehaviour';
}
sub Misbehaviour::DESTROY { unlink $_[0]{file} }

sub sessions_of { $dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE user_id = ?', undef, $_[0]) }

# The pool log's "ID token refused" line of the request with that id.
sub refusal_logged {
    my ($request_id) = @_;
    my $line;
    wait_until(5, sub {
        open my $fh, '<', stack_env('NEXUS_LOG') or return;
        ($line) = grep { index($_, "request $request_id: ID token refused: ") >= 0 } <$fh>;
        return $line;
    });
    return $line // '';
}

# What every refused ID token leaves behind, whether the callback answered
# JSON or a page (res: api()'s answer or browse()'s, code: the callback's).
sub refused_without_trace {
    my ($res, $code, $reason) = @_;
    my $body = $res->{body} // $res->{content} // '';
    ok !exists $res->{headers}{'set-cookie'}, 'no Set-Cookie';
    unlike $body, qr/eyJ[\w-]*\./, 'no JWT in the answer';
    unlike $body, qr/\Q$code\E/, '... nor the code';
    unlike $body, qr/\Q$sub{bob}\E/, '... nor a claim of the token';
    my $rows = $dbh->selectall_arrayref('SELECT principal, action, target, outcome FROM audit_log WHERE request_id = ?',
        { Slice => {} }, $res->{headers}{'x-request-id'});
    is_deeply $rows,
        [ { principal => 'anonymous', action => 'sso.sign_in', target => 'sso:token_rejected', outcome => 'denied' } ],
        'one audit row: the refused sign-in';
    my $logged = refusal_logged($res->{headers}{'x-request-id'});
    like $logged, $reason, 'the pool log says which check refused it' or diag "log line: $logged";
    unlike $logged, qr/eyJ[\w-]*\./, '... without the token';
}

my @refused = (
    [ expired => 'that has expired', qr/the ID token has expired/ ],
    [ nonce => 'with another nonce than the login\'s', qr/the ID token's nonce is not this login's/ ],
    [ audience => 'for another client', qr/the ID token's aud does not name this client/ ],
    [ issuer => 'from another issuer', qr/the ID token's iss .*another-issuer.* is not the issuer/ ],
    [ signature => 'signed by a key not in the JWKS (same kid)', qr/the ID token's signature does not verify/ ],
    [ unsigned => 'that is unsigned (alg none)', qr/the ID token's algorithm .*none.* is not accepted/ ],
);
for my $case (@refused) {
    my ($how, $what, $reason) = @$case;
    subtest "an ID token $what is refused: 401, no session, audited ($how)" => sub {
        my $switch = misbehave($how);
        my $before = sessions_of($sub{bob});

        my $callback = provider_callback(bob => $pw{bob});
        my $r = api(GET => substr($callback, length $base), headers => { Accept => 'application/json' });
        error_is $r, 401, 'sign_in_failed', 'JSON: 401 sign_in_failed', qr/did not pass Nexus's checks/;
        refused_without_trace($r, query_of($callback)->{code}, $reason);

        my ($page, $jar, $visited) = sign_in(bob => $pw{bob});
        like $visited->[-1][0], qr{^\Q$base\E/api/auth/callback\?}, 'a browser: the sign-in ends at the callback';
        is $page->{status}, 401, '... with 401';
        like $page->{headers}{'content-type'}, qr{^text/html}, '... on a page';
        like $page->{content},
            qr{<p id="nexus-sign-in-error">the sign-in provider&#39;s answer did not pass Nexus&#39;s checks; start again</p>},
            '... that says the answer did not pass the checks';
        like $page->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, '... with a strict CSP';
        ok !exists $jar->{$base_hostport}{nexus_session}, '... and leaves no session cookie';
        refused_without_trace($page, query_of($visited->[-1][0])->{code}, $reason);

        is sessions_of($sub{bob}), $before, 'no session was made';
    };
    ok $misbehave_file && !-e $misbehave_file, "the switch is off again after the $how subtest";
}

subtest 'with the switch off the provider behaves again: bob signs in' => sub {
    my $before = sessions_of($sub{bob});
    my ($res, $jar) = sign_in(bob => $pw{bob});
    is $res->{status}, 200, 'back at return_to';
    my $cookie = $jar->{$base_hostport}{nexus_session};
    like $cookie // '', qr/^[A-Za-z0-9_-]{43}$/, 'with a session cookie';
    is api(GET => '/api/auth/me', headers => { Cookie => "nexus_session=$cookie" })->{json}{userId}, $sub{bob},
        '... of bob\'s';
    is sessions_of($sub{bob}), $before + 1, '... and one more session';
};

subtest 'the set cookie\'s attributes on the plain-http stack' => sub {
    my $state = query_of(api(GET => '/api/auth/login')->{headers}{location})->{state};
    ok $state, 'a login';
    # The callback's Set-Cookie itself, seen on a sign-in that stops there.
    my $jar = {};
    my ($page) = browse($jar, GET => "$base/api/auth/login");
    my ($action) = $page->{content} =~ /action="([^"]+\/login)"/;
    my ($res, $visited) = browse($jar, POST => URI->new_abs($action, $issuer)->as_string,
        form => { username => 'bob', password => $pw{bob} }, no_follow => 1);
    my $url = URI->new_abs($res->{headers}{location}, $issuer)->as_string;
    for (1 .. 5) {
        last if $url =~ m{^\Q$base\E/api/auth/callback};
        ($res) = browse($jar, GET => $url, no_follow => 1);
        $url = URI->new_abs($res->{headers}{location}, $url)->as_string;
    }
    like $url, qr{^\Q$base\E/api/auth/callback\?}, 'at the callback';
    my $r = api(GET => substr($url, length $base));
    is $r->{status}, 302, 'the callback redirects';
    like $r->{headers}{'set-cookie'}, qr/^nexus_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
        'nexus_session, HttpOnly, SameSite=Lax, Path=/, no Secure over http';
    is $r->{headers}{location}, '/', 'to return_to';
    error_is api(GET => substr($url, length $base)), 400, 'invalid_state', 'the same callback URL again: refused';
};

# --- /me, verify, cookies --------------------------------------------------------

subtest '/me and the validator without a live session' => sub {
    error_is api(GET => '/api/auth/me'), 401, 'unauthorized', '/me without a session';
    my $r = api(GET => '/api/auth/verify');
    is $r->{status}, 204, 'verify: 204 without a session';
    ok !exists $r->{headers}{'x-nexus-sso-user'}, '... and names nobody';
    my $alice = $jar{alice}{$base_hostport}{nexus_session};
    (my $tampered = $alice) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
    for my $case ([ tampered => "nexus_session=$tampered" ], [ unknown => 'nexus_session=' . ('Q' x 43) ],
        [ 'malformed' => 'nexus_session=short' ], [ 'the https name over http' => "__Host-nexus_session=$alice" ]) {
        my ($what, $cookie) = @$case;
        error_is api(GET => '/api/auth/me', headers => { Cookie => $cookie }), 401, 'unauthorized', "/me with a $what cookie";
        my $v = api(GET => '/api/auth/verify', headers => { Cookie => $cookie });
        is $v->{status}, 204, "verify with a $what cookie: 204";
        ok !exists $v->{headers}{'x-nexus-sso-user'}, '... naming nobody';
    }
    $r = api(GET => '/api/auth/verify', headers => { Cookie => "nexus_session=$alice" });
    is $r->{headers}{'x-nexus-sso-user'}, $sub{alice}, 'verify with alice\'s cookie names her';
    is $r->{headers}{'x-nexus-sso-roles'}, 'admin', '... and her role';
    $r = api(GET => '/api/auth/verify', headers => { Cookie => "nexus_session=$alice", Authorization => 'Bearer whatever' });
    is $r->{status}, 204, 'verify with a bearer: 204 at once';
    ok !exists $r->{headers}{'x-nexus-sso-user'}, '... without looking at the session';
};

subtest 'the gate page' => sub {
    my $r = api(GET => '/api/auth/nexus-gate?return_to=' . uri_escape('/api/secrets?q=<b>"x"</b>'));
    is $r->{status}, 200, 'status 200';
    like $r->{headers}{'content-type'}, qr{^text/html}, 'HTML';
    like $r->{headers}{'content-security-policy'}, qr/default-src 'none'/, 'strict CSP';
    unlike $r->{body}, qr/<script/, 'no script (the sign-in pages need none)';
    unlike $r->{body}, qr/<b>/, 'the path escaped';
    like $r->{body}, qr/Sign in with the test IdP/, 'Sign in with <provider>';
    like $r->{body}, qr{href="/api/auth/login\?return_to=%2Fapi%2Fsecrets%3Fq%3D%3Cb%3E%22x%22%3C%2Fb%3E"}, 'the link keeps return_to';
    like $r->{body}, qr{/api/secrets\?q=&lt;b&gt;&quot;x&quot;&lt;/b&gt;}, 'says where it goes back to';
    unlike $r->{body}, qr/signed out/i, 'no "signed out" line without the sign-out mark';
    ok !defined $r->{headers}{'set-cookie'}, '... and no cookie set';
    $r = api(GET => '/api/auth/nexus-gate?return_to=' . uri_escape('//evil.example'));
    like $r->{body}, qr{return_to=%2F"}, 'a foreign return_to becomes /';
};

subtest 'the gate page after a sign-out says so, once' => sub {
    my $r = api(GET => '/api/auth/nexus-gate?return_to=' . uri_escape('/api/agents'), headers => { Cookie => 'nexus_signed_out=1' });
    is $r->{status}, 200, 'status 200';
    like $r->{body}, qr{<p class="notice done" id="nexus-gate-signed-out">You are signed out\.</p>}, 'You are signed out.';
    like $r->{body}, qr{href="/api/auth/login\?return_to=%2Fapi%2Fagents"}, 'the sign-in link keeps return_to';
    is_deeply [set_cookies($r)], ['nexus_signed_out=; Path=/api/auth/nexus-gate; HttpOnly; SameSite=Lax; Max-Age=0'],
        '... and the mark is removed: a reload is the plain gate';
    is $r->{headers}{'cache-control'}, 'no-store', '... not cached';
    $r = api(GET => '/api/auth/nexus-gate?return_to=' . uri_escape('//evil.example'), headers => { Cookie => 'nexus_signed_out=1' });
    like $r->{body}, qr{return_to=%2F"}, 'a foreign return_to still becomes /';
    $r = api(GET => '/api/auth/nexus-gate', headers => { Cookie => 'nexus_signed_out=<b>' });
    unlike $r->{body}, qr/signed out/i, 'a mark of another value is no mark';
    $r = api(GET => '/api/auth/nexus-gate', headers => { Cookie => '__Secure-nexus_signed_out=1' });
    unlike $r->{body}, qr/signed out/i, '... nor one of the https name over http';
};

# --- sign-out --------------------------------------------------------------------

subtest 'GET logout ends the session, clears the cookie and signs out at the provider' => sub {
    my $cookie = $jar{bob}{$base_hostport}{nexus_session};
    my $r = api(GET => '/api/auth/logout', headers => { Cookie => "nexus_session=$cookie" });
    is $r->{status}, 302, 'status 302';
    my @set = set_cookies($r);
    is scalar(@set), 2, 'two cookies set';
    like $set[0], qr/^nexus_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/, 'the cookie is cleared';
    like $set[1], qr{^nexus_signed_out=1; Path=/api/auth/nexus-gate; HttpOnly; SameSite=Lax; Max-Age=600$},
        '... and the gate page is told the browser signed out';
    my $loc = $r->{headers}{location};
    like $loc, qr{^\Q$issuer\E/session/end\?}, 'to the provider\'s end_session_endpoint';
    my $q = query_of($loc);
    is $q->{post_logout_redirect_uri}, "$base/", 'coming back to this site';
    like $q->{id_token_hint}, qr/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'with the ID token as hint';
    ok !$dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE token_hash = ?', undef, sha256_hex($cookie)), 'the session row is gone';
    error_is api(GET => '/api/auth/me', headers => { Cookie => "nexus_session=$cookie" }), 401, 'unauthorized', 'the old cookie no longer works';
    error_is api(GET => '/api/secrets', headers => { Cookie => "nexus_session=$cookie" }), 401, 'unauthorized', '... anywhere';
    is scalar(@{ audit_rows('sso.sign_out', "user:$sub{bob}") }), 1, 'one sign-out audit row';
    $r = api(GET => '/api/auth/logout');
    is $r->{status}, 302, 'logout without a session still answers 302';
};

subtest 'POST logout checks the Origin and the CSRF token' => sub {
    my $value = new_session('csrf-user');
    my $cookie = "nexus_session=$value";
    (my $csrf = sha256_base64("nexus-csrf:$value")) =~ tr{+/}{-_};
    my $form = sub { return (body => join('&', @_), content_type => 'application/x-www-form-urlencoded') };
    my $live = sub { $dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE token_hash = ?', undef, sha256_hex($value)) };
    error_is api(POST => '/api/auth/logout', headers => { Cookie => $cookie, Origin => $base }, $form->()), 403, 'forbidden',
        'no CSRF token', qr/CSRF/;
    error_is api(POST => '/api/auth/logout', headers => { Cookie => $cookie, Origin => $base }, $form->('csrf=' . ('A' x 43))),
        403, 'forbidden', 'a wrong CSRF token', qr/CSRF/;
    error_is api(POST => '/api/auth/logout', headers => { Cookie => $cookie }, $form->("csrf=$csrf")), 403, 'forbidden',
        'no Origin', qr/this site/;
    error_is api(POST => '/api/auth/logout', headers => { Cookie => $cookie, Origin => 'http://evil.example' }, $form->("csrf=$csrf")),
        403, 'forbidden', 'a foreign Origin', qr/this site/;
    ok $live->(), 'the session survived all of those';
    my $r = api(POST => '/api/auth/logout', headers => { Cookie => $cookie, Origin => $base }, $form->("csrf=$csrf"));
    is $r->{status}, 200, 'with both: signed out';
    like $r->{headers}{refresh} // '', qr{^0; url=\S}, '... going on by Refresh, not a redirect (the CSP form-action would block it)';
    like $r->{body}, qr{id="nexus-signed-out"}, '... on a page that says so';
    my @set = set_cookies($r);
    like $set[0] // '', qr/^nexus_session=;.*Max-Age=0/, '... clearing the cookie';
    like $set[1] // '', qr{^nexus_signed_out=1; Path=/api/auth/nexus-gate;}, '... leaving the sign-out mark';
    ok !$live->(), 'the session is gone';
};

# --- the provider down (last: the provider is restarted with new keys) ----------

subtest 'the provider down: a clear 503 page, audited' => sub {
    my $idp_dir = stack_env('NEXUS_RUN_DIR') . '/idp';
    my $port = URI->new($issuer)->port;
    my @states = map { query_of(api(GET => '/api/auth/login')->{headers}{location})->{state} } 1 .. 2;
    ok $states[0] && $states[1], 'two logins started while the provider was up';
    system(top_dir() . '/tools/idp', 'stop', $idp_dir) == 0 or die "tools/idp stop failed\n";
    my $r = api(GET => "/api/auth/callback?state=$states[0]&code=some-code");
    error_is $r, 503, 'unavailable', 'the callback cannot reach the provider: 503', qr/cannot be reached/;
    ok $r->{headers}{'retry-after'}, '... with Retry-After';
    $r = api(GET => "/api/auth/callback?state=$states[1]&code=some-code", headers => { Accept => $browser });
    is $r->{status}, 503, 'a browser: 503';
    like $r->{headers}{'content-type'}, qr{^text/html}, '... an HTML page';
    like $r->{body}, qr/Sign-in is unavailable.*cannot be reached right now/s, '... that says what is wrong';
    my $rows = audit_rows('sso.sign_in', 'anonymous');
    is scalar(grep { $_->{target} eq 'sso:provider_unreachable' && $_->{outcome} eq 'denied' } @$rows), 2, 'both audited';
    # Back up for whatever runs next (with new signing keys: a restarted test idp keeps nothing).
    system(top_dir() . '/tools/idp', 'start', $idp_dir, $port, '--redirect-uri', "$base/api/auth/callback",
        '--post-logout-redirect-uri', "$base/") == 0 or die "tools/idp start failed\n";
};

done_testing();
