#!/usr/bin/env perl
# Expired SSO sessions and login states are purged by the requests that
# look up a session (src/sso/SsoResource.h): /api/auth/me and the gate's
# validator, not only by a login, at most once per sso.purge_interval_s per
# worker. Live ones stay. A stack of its own: one worker (so "once per
# interval" is that worker's), a short interval and idle timeout.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep);

use lib 't/lib';
use constant { INTERVAL => 3, IDLE => 600 };
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-ssopurge', NEXUS_SERVER_WORKERS => 1, NEXUS_SSO_PURGE_INTERVAL_S => INTERVAL,
        NEXUS_SSO_SESSION_IDLE_TIMEOUT_S => IDLE);
}
use NexusTest;

my $dbh = dbh();
my (@states, @sessions);    # what this file made, removed at its end

sub new_state {
    my ($expires_in) = @_;
    my $hash = sha256_hex(unique_slug('purge-state'));
    $dbh->do('INSERT INTO sso_login_states (state_hash, nonce, code_verifier, return_to, created_at, expires_at) '
          . 'VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)',
        undef, $hash, 'n', 'v' x 43, '/', $expires_in);
    push @states, $hash;
    return $hash;
}
sub session {
    my ($user, %opt) = @_;
    my $value = new_session($user, %opt);
    push @sessions, sha256_hex($value);
    return $value;
}
sub state_kept { scalar $dbh->selectrow_array('SELECT COUNT(*) FROM sso_login_states WHERE state_hash = ?', undef, $_[0]) }
sub session_kept {
    scalar $dbh->selectrow_array('SELECT COUNT(*) FROM sso_sessions WHERE token_hash = ?', undef, sha256_hex($_[0]));
}
# Past the interval since the worker's last purge, whenever that was.
sub past_the_interval { sleep INTERVAL + 0.3 }

my $live = session('purge-live');
my $cookie = "nexus_session=$live";
my $live_state = new_state(600);
my $left_over;    # made right after a purge, so kept until the next

subtest '/api/auth/me purges expired sessions and login states, and keeps the live ones' => sub {
    my $expired_state = new_state(-60);
    my $expired = session('purge-expired', expires_in => -60);
    my $idle_one = session('purge-idle', idle => IDLE + 60);
    ok state_kept($expired_state) && session_kept($expired) && session_kept($idle_one), 'the expired rows are there';
    past_the_interval();
    my $me = api(GET => '/api/auth/me', headers => { Cookie => $cookie });
    is $me->{status}, 200, '/me with a live session: 200';
    is $me->{json}{userId}, 'purge-live', '... of its user';
    ok !state_kept($expired_state), 'the expired login state is gone';
    ok !session_kept($expired), 'the session past its lifetime is gone';
    ok !session_kept($idle_one), 'the session idle past sso.session_idle_timeout_s is gone';
    ok state_kept($live_state), 'the live login state stays';
    ok session_kept($live), 'the live session stays';
};

subtest 'within the interval the next session check does not purge again' => sub {
    my $expired = $left_over = session('purge-expired-2', expires_in => -60);
    my $me = api(GET => '/api/auth/me', headers => { Cookie => $cookie });
    is $me->{status}, 200, '/me right after: 200';
    ok session_kept($expired), 'an expired session made since the purge is still there';
    error_is api(GET => '/api/auth/me', headers => { Cookie => "nexus_session=" . ('Q' x 43) }), 401, 'unauthorized',
        '/me with an unknown cookie';
    ok session_kept($expired), '... still there';
};

subtest 'the gate\'s validator purges too (a gated request with a session cookie)' => sub {
    my $expired_state = new_state(-1);
    my $expired = session('purge-expired-3', expires_in => -1);
    past_the_interval();
    my $r = api(GET => '/api/agents', headers => { Cookie => $cookie, Accept => 'application/json' });
    is $r->{status}, 200, 'GET /api/agents through the gate with the live session: 200';
    ok !session_kept($expired), 'the expired session is gone';
    ok !session_kept($left_over), '... and the one left by the subtest before';
    ok !state_kept($expired_state), 'the expired login state is gone';
    ok session_kept($live) && state_kept($live_state), 'the live session and login state stay';
};

subtest 'a request without a session cookie purges nothing' => sub {
    my $expired = session('purge-expired-4', expires_in => -60);
    past_the_interval();
    my $r = api(GET => '/api/auth/verify');
    is $r->{status}, 204, 'verify without a cookie: 204';
    ok !exists $r->{headers}{'x-nexus-sso-user'}, '... naming nobody';
    ok session_kept($expired), 'no lookup, no purge: the expired session is still there';
    is api(GET => '/api/auth/me', headers => { Cookie => $cookie })->{status}, 200, 'the next session check';
    ok !session_kept($expired), '... purges it';
};

# The stack is this file's and goes with it; its rows go anyway.
$dbh->do('DELETE FROM sso_sessions WHERE token_hash = ?', undef, $_) for @sessions;
$dbh->do('DELETE FROM sso_login_states WHERE state_hash = ?', undef, $_) for @states;

done_testing();
