#!/usr/bin/env perl
# Agent tokens: PUT /api/agents/:slug/token (issue and rotate, with and
# without a grace period) and DELETE /api/agents/:slug/token/:hash (revoke),
# who may call them, what is stored, and when old tokens stop working.
use strict;
use warnings;
use NexusTest;
use Test::More;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep time);

# --- shared helpers (candidates for NexusTest.pm) ---------------------------

# --- this file's helpers -----------------------------------------------------

my $admin = admin_token();

sub put_token { my ($slug, $token, $query) = @_; api(PUT => "/api/agents/$slug/token" . ($query // ''), token => $token) }
sub revoke { my ($slug, $hash, $token) = @_; api(DELETE => "/api/agents/$slug/token/$hash", token => $token) }
sub beat_status { my ($slug, $token) = @_; api(POST => "/api/agents/$slug/heartbeat", token => $token)->{status} }
sub active_tokens { listed_agent($_[0])->{active_tokens} }

sub stored_tokens {
    my ($slug) = @_;
    return dbh()->selectall_arrayref(
        'SELECT t.token_hash, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = t.agent_id'
          . ' WHERE a.slug = ? ORDER BY t.created_at',
        { Slice => {} }, $slug);
}

sub file_contains {
    my ($file, $needle) = @_;
    open my $fh, '<', $file or return 0;
    local $/;
    my $text = <$fh>;
    return index($text, $needle) >= 0;
}

# --- who may issue --------------------------------------------------------------

my $other = new_agent(slug => unique_slug('tok-other'));
my $other_token = issue_token($other)->{token};

{
    my $slug = new_agent(slug => unique_slug('tok-who'));
    my $first = issue_token($slug)->{token};

    my $r = put_token($slug, undef);
    error_is($r, 401, 'unauthorized', 'PUT token without a token: 401');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, '... with WWW-Authenticate: Bearer';
    error_is(put_token($slug, 'nxa_' . ('Z' x 43)), 401, 'unauthorized', 'PUT token with an unknown token: 401');
    error_is(put_token($slug, $first), 403, 'forbidden', "PUT token with the agent's own token: 403");
    error_is(put_token($slug, $other_token), 403, 'forbidden', "PUT token with another agent's token: 403");
    is beat_status($slug, $first), 200, 'the refused requests did not rotate the token';
    is scalar @{ stored_tokens($slug) }, 1, '... and stored no new token';
    is put_token($slug, $admin)->{status}, 201, 'PUT token with the admin token: 201';

    error_is(put_token(unique_slug('tok-nobody'), $admin), 404, 'not_found', 'PUT token for an unknown agent: 404');
}

# --- what an issued token looks like, and what is stored ------------------------

{
    my $slug = new_agent(slug => unique_slug('tok-shape'));
    is active_tokens($slug), 0, 'a new agent has no active token';
    my $before = time;
    my $r = put_token($slug, $admin);
    is $r->{status}, 201, 'issued: 201';
    my $t = $r->{json};
    is_deeply [ sort keys %$t ], [qw(created_at previous_tokens_expire_at slug token token_hash)], 'exactly the documented fields';
    is $t->{slug}, $slug, 'slug';
    like $t->{token}, qr/^nxa_[A-Za-z0-9_-]{43}$/, 'token is nxa_ and 43 base64url characters';
    is length $t->{token}, 47, 'token is 47 characters';
    is $t->{token_hash}, sha256_hex($t->{token}), 'token_hash is the SHA-256 hex of the token';
    my $at = epoch_of($t->{created_at});
    ok defined $at && $at > $before - 5 && $at < time + 5, 'created_at is an RFC 3339 timestamp of now' or diag $t->{created_at};
    ok exists $t->{previous_tokens_expire_at} && !defined $t->{previous_tokens_expire_at},
        'previous_tokens_expire_at is null on a first token';
    is $r->{headers}{'cache-control'}, 'no-store', 'the response must not be cached';

    is_deeply stored_tokens($slug), [ { token_hash => $t->{token_hash}, expires_at => undef } ],
        'the database holds the hash, not expiring';
    my $random = substr $t->{token}, 4;
    my @leaks;
    for my $table (qw(agent_tokens agents)) {
        for my $row (@{ dbh()->selectall_arrayref("SELECT * FROM $table") }) {
            push @leaks, $table if grep { defined && index($_, $random) >= 0 } @$row;
        }
    }
    is_deeply \@leaks, [], 'the clear token appears nowhere in the database';
    ok !file_contains(stack_env('NEXUS_LOG'), $random), 'nor in the pool log';
    ok !file_contains(stack_env('NEXUS_RUN_DIR') . '/nginx/access.log', $random), "nor in nginx's access log";

    is beat_status($slug, $t->{token}), 200, 'the new token works for a heartbeat';
    is active_tokens($slug), 1, 'GET /api/agents counts 1 active token';

    my $again = put_token($slug, $admin)->{json};
    isnt $again->{token}, $t->{token}, 'every issue makes a different token';
}

# --- rotation -----------------------------------------------------------------------

{
    my $slug = new_agent(slug => unique_slug('tok-rot'));
    my $old = issue_token($slug);
    my $new = issue_token($slug);
    ok !defined $new->{previous_tokens_expire_at}, 'rotation without grace: previous_tokens_expire_at is null';
    error_is(api(POST => "/api/agents/$slug/heartbeat", token => $old->{token}), 401, 'unauthorized',
        'rotation without grace: the old token stops working at once');
    is beat_status($slug, $new->{token}), 200, '... the new one works';
    is_deeply [ map { $_->{token_hash} } @{ stored_tokens($slug) } ], [ $new->{token_hash} ], '... and only the new hash is stored';
    is active_tokens($slug), 1, '... active_tokens is 1';

    my $graced = issue_token($slug, grace => 60);
    is beat_status($slug, $new->{token}), 200, 'rotation with grace=60: the old token still works';
    is beat_status($slug, $graced->{token}), 200, '... and so does the new one';
    my ($created, $expires) = map { epoch_of($_) } @$graced{qw(created_at previous_tokens_expire_at)};
    ok defined $expires, '... previous_tokens_expire_at is a timestamp' or diag $graced->{previous_tokens_expire_at};
    ok defined $expires && abs($expires - $created - 60) < 0.002, '... 60 s after created_at';
    ok defined $expires && abs($expires - time - 60) < 10, '... about 60 s from now';
    is active_tokens($slug), 2, '... active_tokens counts both';
    my %expiry = map { $_->{token_hash} => $_->{expires_at} } @{ stored_tokens($slug) };
    ok defined $expiry{ $new->{token_hash} }, '... the old token has an expiry stored';
    ok exists $expiry{ $graced->{token_hash} } && !defined $expiry{ $graced->{token_hash} }, '... the new one has none';

    my $final = issue_token($slug, grace => 0);
    is beat_status($slug, $new->{token}), 401, 'an explicit grace=0 revokes every earlier token, graced ones too';
    is beat_status($slug, $graced->{token}), 401, '... the previous current one as well';
    is beat_status($slug, $final->{token}), 200, '... and the newest works';

    my $count = scalar @{ stored_tokens($slug) };
    for my $grace ('-1', 'abc', '604801', '1.5', '', '99999999999', '+5', '1,0', '%205', '0x10') {
        error_is(put_token($slug, $admin, "?grace=$grace"), 400, 'bad_request', "grace=$grace is 400", qr/'grace'/);
    }
    is scalar @{ stored_tokens($slug) }, $count, 'the refused rotations stored no token';
    is beat_status($slug, $final->{token}), 200, '... and revoked nothing';
    my $max = put_token($slug, $admin, '?grace=604800');
    is $max->{status}, 201, 'grace=604800 (7 days) is accepted';
    ok abs(epoch_of($max->{json}{previous_tokens_expire_at}) - epoch_of($max->{json}{created_at}) - 604800) < 0.002,
        '... and sets the old tokens to expire in 7 days';
}

{
    my $slug = new_agent(slug => unique_slug('tok-grace1'));
    my $old = issue_token($slug)->{token};
    my $start = time;
    my $new = issue_token($slug, grace => 1)->{token};
    SKIP: {
        skip 'the machine took over 0.8 s to rotate; too slow to see the grace period', 1 if time - $start > 0.8;
        is beat_status($slug, $old), 200, 'grace=1: the old token works right after the rotation';
    }
    sleep 0.2 while time < $start + 1.5;
    is beat_status($slug, $old), 401, '... and not any more 1.5 s later';
    is beat_status($slug, $new), 200, '... while the new one does';
    is active_tokens($slug), 1, '... active_tokens no longer counts the expired one';
}

# --- revocation -----------------------------------------------------------------------

{
    my $slug = new_agent(slug => unique_slug('tok-del'));
    my $a = issue_token($slug);
    my $b = issue_token($slug, grace => 600);
    is active_tokens($slug), 2, 'two live tokens before revocation';

    my $r = revoke($slug, $a->{token_hash}, undef);
    error_is($r, 401, 'unauthorized', 'DELETE without a token: 401');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, '... with WWW-Authenticate: Bearer';
    error_is(revoke($slug, $a->{token_hash}, 'nxa_' . ('Q' x 43)), 401, 'unauthorized', 'DELETE with an unknown token: 401');
    error_is(revoke($slug, $a->{token_hash}, $b->{token}), 403, 'forbidden', "DELETE with the agent's own token: 403");
    error_is(revoke($slug, $a->{token_hash}, $other_token), 403, 'forbidden', "DELETE with another agent's token: 403");
    is beat_status($slug, $a->{token}), 200, 'the refused requests revoked nothing';

    $r = revoke($slug, $a->{token_hash}, $admin);
    is $r->{status}, 204, 'DELETE with the admin token: 204';
    is $r->{body} // '', '', '... with no body';
    ok $r->{headers}{'x-request-id'}, '... and an X-Request-Id';
    is beat_status($slug, $a->{token}), 401, 'the revoked token gets 401';
    is beat_status($slug, $b->{token}), 200, 'the other token of the agent still works';
    is_deeply [ map { $_->{token_hash} } @{ stored_tokens($slug) } ], [ $b->{token_hash} ],
        'the revoked hash is gone from the database';
    is active_tokens($slug), 1, 'active_tokens is 1 after the revocation';

    error_is(revoke($slug, $a->{token_hash}, $admin), 404, 'not_found', 'a second DELETE: 404');
    my $other_hash = sha256_hex($other_token);
    error_is(revoke($slug, $other_hash, $admin), 404, 'not_found', "DELETE of another agent's token hash under this agent: 404");
    is beat_status($other, $other_token), 200, "... and the other agent's token still works";
    error_is(revoke(unique_slug('tok-nobody'), $b->{token_hash}, $admin), 404, 'not_found', 'DELETE under an unknown agent: 404');
    is beat_status($slug, $b->{token}), 200, '... which did not touch the token with that hash';

    my %malformed = (
        'upper-case hex' => uc $b->{token_hash},
        '63 digits'      => substr($b->{token_hash}, 1),
        '65 digits'      => $b->{token_hash} . '0',
        'not hex'        => 'g' x 64,
        'the token itself' => $b->{token},
    );
    for my $label (sort keys %malformed) {
        error_is(revoke($slug, $malformed{$label}, $admin), 400, 'bad_request', "DELETE with a malformed hash ($label): 400",
            qr/tokenHash|hash/);
    }
    is beat_status($slug, $b->{token}), 200, 'the malformed requests revoked nothing';
}

done_testing();
