#!/usr/bin/env perl
# Who may sign in (sso.allowed_users, sso.allowed_groups; src/sso/SignInRules.h),
# end to end through the stack's local provider: a user on neither list is
# refused at the callback with a clear 403 (a page for a browser, JSON for a
# client), gets no session and no cookie, and the refusal is an audit row;
# users named by sub, by verified email or by a group sign in. A user is
# never named by preferred_username, nor by an email the provider has not
# verified. A stack of its own (the lists are read when the pool starts),
# its provider with t/idp/users.json's users and three more.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use URI;

use lib 't/lib';
my %sub;
BEGIN {
    require NexusTest;
    my $file = NexusTest::top_dir() . '/t/idp/users.json';
    open my $fh, '<', $file or die "$file: $!";
    my $users = JSON::PP->new->decode(do { local $/; <$fh> });
    close $fh;
    %$users = (%$users,
        dave  => { sub => '6f0c2d4a-dave',  name => 'Dave Listed',     email => 'dave@nexus.example',  groups => [] },
        erin  => { sub => '8d2a4f60-erin',  name => 'Erin Unverified', email => 'erin@nexus.example',  groups => [],
                   email_verified => JSON::PP::false },
        frank => { sub => '7b3e9c15-frank', name => 'Frank Contractor', email => 'frank@nexus.example', groups => ['contractors'] });
    $users->{$_}{password} //= "$_-dev-password" for keys %$users;
    %sub = map { $_ => $users->{$_}{sub} } keys %$users;
    my $dir = tempdir('nexus-ssoallowed-users-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open $fh, '>', "$dir/users.json" or die "$dir/users.json: $!";
    print $fh JSON::PP->new->canonical->encode($users);
    close $fh;
    NexusTest::own_stack('nexus-ssoallowed',
        IDP_USERS => "$dir/users.json",    # read by t/idp/idp.mjs when devstack starts it
        # carol by her preferred_username, erin by her unverified email: neither counts.
        NEXUS_SSO_ALLOWED_USERS  => "carol, $users->{dave}{sub}, bob\@nexus.example, erin\@nexus.example",
        NEXUS_SSO_ALLOWED_GROUPS => 'nexus-admins, contractors',
        NEXUS_SSO_ADMIN_GROUPS   => 'nexus-admins');
}
use NexusTest;
use NexusSignIn;

my $dbh = dbh();
my $base = base_url();
my $base_hostport = URI->new($base)->host_port;
ok stack_env('NEXUS_SSO_ISSUER'), 'the stack signs in at its local provider'
    or BAIL_OUT('no NEXUS_SSO_ISSUER in stack.env');

sub sessions_of { scalar $dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE user_id = ?', undef, $_[0]) }
sub known_user { scalar $dbh->selectrow_array('SELECT COUNT(*) FROM sso_users WHERE user_id = ?', undef, $_[0]) }
sub audit_of {
    my ($res) = @_;
    return $dbh->selectall_arrayref('SELECT principal, action, target, outcome FROM audit_log WHERE request_id = ? ORDER BY id',
        { Slice => {} }, $res->{headers}{'x-request-id'} // die "no X-Request-Id\n");
}

# --- refused ---------------------------------------------------------------------

my %refused = (carol => 'Carol Outsider', erin => 'Erin Unverified');
for my $user (sort keys %refused) {
    my $why = $user eq 'carol' ? 'named only by preferred_username' : 'named only by an email the provider has not verified';
    subtest "$user ($why) is refused at the callback: 403 page, no session, audited" => sub {
        my ($page, $jar, $visited) = sign_in($user, "$user-dev-password", '/api/secrets');
        my $callback = $visited->[-1][0];
        like $callback, qr{^\Q$base\E/api/auth/callback\?}, 'the sign-in ends at the callback';
        is $page->{status}, 403, '... with 403';
        like $page->{headers}{'content-type'} // '', qr{^text/html}, '... on a page';
        like $page->{content},
            qr{<p id="nexus-sign-in-error">\Q$refused{$user}\E may not use this Nexus \(sso\.allowed_users, sso\.allowed_groups\); ask its admin</p>},
            '... that names the user and says why';
        like $page->{content}, qr{<code>forbidden</code>}, '... with the error code';
        like $page->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, '... with a strict CSP';
        ok !exists $page->{headers}{'set-cookie'}, 'no Set-Cookie';
        ok !exists $jar->{$base_hostport}{nexus_session}, 'the browser holds no session cookie';
        is sessions_of($sub{$user}), 0, 'no session row';
        is known_user($sub{$user}), 0, 'not recorded as a user who signed in';
        is_deeply audit_of($page),
            [ { principal => "user:$sub{$user}", action => 'sso.sign_in', target => 'sso:not_allowed', outcome => 'denied' } ],
            'one audit row: the refused sign-in, naming the user';
        error_is api(GET => substr($callback, length $base), headers => { Accept => 'application/json' }), 400,
            'invalid_state', 'the same callback again: its state is used up';
    };
}

subtest 'a client that asks for JSON gets the 403 as JSON' => sub {
    my $callback = provider_callback(carol => 'carol-dev-password');
    my $code = query_of($callback)->{code};
    my $r = api(GET => substr($callback, length $base), headers => { Accept => 'application/json' });
    error_is $r, 403, 'forbidden', 'JSON: 403 forbidden',
        qr/^Carol Outsider may not use this Nexus \(sso\.allowed_users, sso\.allowed_groups\); ask its admin$/;
    ok !exists $r->{headers}{'set-cookie'}, 'no Set-Cookie';
    unlike $r->{body}, qr/\Q$code\E/, 'the code is not echoed';
    unlike $r->{body}, qr/eyJ[\w-]*\./, 'no token in the answer';
    is sessions_of($sub{carol}), 0, 'no session row';
    is_deeply audit_of($r),
        [ { principal => "user:$sub{carol}", action => 'sso.sign_in', target => 'sso:not_allowed', outcome => 'denied' } ],
        'audited as refused';
};

# --- allowed ---------------------------------------------------------------------

for my $case ([ alice => 'admin', 'by a group (nexus-admins)' ], [ bob => 'viewer', 'by verified email' ],
    [ dave => 'viewer', 'by sub' ], [ frank => 'viewer', 'by a group (contractors)' ]) {
    my ($user, $role, $how) = @$case;
    subtest "$user, allowed $how, signs in as $role" => sub {
        my ($res, $jar, $visited) = sign_in($user, "$user-dev-password", '/api/secrets');
        my ($callback) = grep { $_->[0] =~ m{^\Q$base\E/api/auth/callback\?} } @$visited;
        is $callback && $callback->[1], 302, 'the callback redirects';
        is $visited->[-1][0], "$base/api/secrets", 'back at return_to';
        is $res->{status}, 200, 'the page answers';
        like $res->{content}, qr/data-user-id="\Q$sub{$user}\E"/, "... signed in as $user";
        my $cookie = $jar->{$base_hostport}{nexus_session};
        like $cookie // '', qr/^[A-Za-z0-9_-]{43}$/, 'a session cookie';
        my $row = $dbh->selectrow_hashref('SELECT id, user_id, role FROM sso_sessions WHERE token_hash = ?', undef,
            sha256_hex($cookie // ''));
        is $row && $row->{user_id}, $sub{$user}, 'the session row is the user\'s';
        is $row && $row->{role}, $role, "... as $role";
        my $me = api(GET => '/api/auth/me', headers => { Cookie => "nexus_session=$cookie" });
        is $me->{status}, 200, '/me: 200';
        is_deeply $me->{json}{roles}, [$role], "/me: roles [$role]";
        my $rows = $dbh->selectall_arrayref(
            'SELECT target, outcome FROM audit_log WHERE action = ? AND principal = ?', { Slice => {} },
            'sso.sign_in', "user:$sub{$user}");
        is_deeply $rows, [ { target => 'sso-session:' . ($row ? $row->{id} : '?'), outcome => 'ok' } ],
            'one audit row: the sign-in';
    };
}

# The stack is this file's and goes with it; its sessions and users go anyway.
$dbh->do('DELETE FROM sso_sessions WHERE user_id = ?', undef, $_) for values %sub;
$dbh->do('DELETE FROM sso_users WHERE user_id = ?', undef, $_) for values %sub;

done_testing();
