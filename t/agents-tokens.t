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
    is_deeply [ sort keys %$t ], [qw(created_at expires_at previous_tokens_expire_at slug token token_hash)], 'exactly the documented fields';
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

# --- lifetimes (?ttl=), expiry, the token list, last use ---------------------------

sub tokens_of { my ($slug, $token, $query) = @_; api(GET => "/api/agents/$slug/tokens" . ($query // ''), token => $token) }

{
    my $slug = new_agent(slug => unique_slug('tok-ttl'));
    for my $bad ('0', '-1', 'abc', '1.5', '315360001') {
        error_is(put_token($slug, $admin, "?ttl=$bad"), 400, 'bad_request', "ttl=$bad: 400", qr/'ttl'/);
    }
    is scalar @{ stored_tokens($slug) }, 0, 'the refused requests issued nothing';

    my $start = time;
    my $r = put_token($slug, $admin, '?ttl=2');
    is $r->{status}, 201, 'ttl=2: 201';
    my $issued = $r->{json};
    my ($created, $expires) = (epoch_of($issued->{created_at}), epoch_of($issued->{expires_at}));
    ok defined $expires, '... with expires_at' or diag $r->{body};
    is sprintf('%.3f', $expires - $created), '2.000', '... created_at + 2 s';
    is sprintf('%.3f', epoch_of(stored_tokens($slug)->[0]{expires_at} =~ s/ /T/r . 'Z') - $created), '2.000',
        '... stored as the row\'s expires_at';
    is beat_status($slug, $issued->{token}), 200, 'the token works while it lives';
    is api(GET => '/api/vault/secrets', token => $issued->{token})->{status}, 200, '... on the normal path too';

    my $plain_slug = new_agent(slug => unique_slug('tok-plain'));
    my $plain = put_token($plain_slug, $admin)->{json};
    ok exists $plain->{expires_at} && !defined $plain->{expires_at}, 'without ttl (no agents.token_max_ttl_s): expires_at null';

    # The list, while the token lives: no token anywhere, newest first.
    my $second = put_token($slug, $admin, '?grace=600')->{json};
    error_is(tokens_of($slug, undef), 401, 'unauthorized', 'GET tokens without a token: 401');
    error_is(tokens_of($slug, $second->{token}), 403, 'forbidden', "GET tokens with the agent's own token: 403");
    error_is(tokens_of($slug, $other_token), 403, 'forbidden', "GET tokens with another agent's token: 403");
    error_is(api(GET => "/api/agents/$slug/tokens", user => 'tok-viewer', role => 'viewer'), 403, 'forbidden',
        'GET tokens as a signed-in viewer: 403');
    error_is(tokens_of(unique_slug('tok-nobody'), $admin), 404, 'not_found', 'GET tokens of an unknown agent: 404');
    $r = tokens_of($slug, $admin);
    is $r->{status}, 200, 'GET tokens with the admin token: 200';
    is $r->{headers}{'cache-control'}, 'no-store', '... not stored by caches';
    is_deeply [ map { $_->{token_hash} } @{ $r->{json} } ], [ $second->{token_hash}, $issued->{token_hash} ],
        '... both tokens, newest first';
    is_deeply [ sort keys %{ $r->{json}[0] } ], [qw(created_at expires_at last_used_at status token_hash)],
        '... each with hash, created, last used, expires and status';
    unlike $r->{body}, qr/\Q$issued->{token}\E|\Q$second->{token}\E|nxa_/, '... and never a token';
    is api(GET => "/api/agents/$slug/tokens", user => 'tok-admin', role => 'admin')->{status}, 200,
        'GET tokens as a signed-in admin: 200';
    my $page = tokens_of($slug, $admin, '?limit=1');
    is scalar @{ $page->{json} }, 1, 'limit=1: one token';
    my $next = next_link($page);
    ok $next, '... and a Link to the next page';
    is_deeply [ map { $_->{token_hash} } @{ api(GET => $next, token => $admin)->{json} } ], [ $issued->{token_hash} ],
        '... which holds the older one';
    error_is(tokens_of($slug, $admin, '?after=bm90LWEtY3Vyc29y'), 400, 'bad_request', 'a cursor of another list: 400', qr/after/);

    # last_used_at: written in batches (auth.token_usage_flush_s is 1 s in the tests).
    my $used = wait_until(10, sub {
        my ($row) = grep { $_->{token_hash} eq $issued->{token_hash} } @{ tokens_of($slug, $admin)->{json} };
        $row->{last_used_at};
    });
    ok $used, 'last_used_at is set after the token was used' or diag explain tokens_of($slug, $admin)->{json};
    ok epoch_of($used) >= $created, '... not before the token was made';
    # (A token that authenticates is used, also when the route then refuses it: 403 above.)
    my ($unused) = @{ tokens_of($plain_slug, $admin)->{json} };
    is $unused->{token_hash}, $plain->{token_hash}, 'another agent\'s list holds its own token';
    is $unused->{last_used_at}, undef, 'a token never presented has last_used_at null';

    # Expiry: a 401 that says so; an unknown token's 401 says something else.
    sleep 0.1 while time < $start + 2.5;
    error_is(api(GET => '/api/vault/secrets', token => $issued->{token}), 401, 'unauthorized',
        'the expired token: 401 saying it expired', qr/^the token has expired$/);
    error_is(api(POST => "/api/agents/$slug/heartbeat", token => $issued->{token}), 401, 'unauthorized',
        '... on the heartbeat too', qr/^the token has expired$/);
    error_is(api(GET => '/api/vault/secrets', token => 'nxa_' . ('E' x 43)), 401, 'unauthorized',
        'an unknown token: 401 that does not say expired', qr/^unknown or revoked token$/);
    my ($row) = grep { $_->{token_hash} eq $issued->{token_hash} } @{ tokens_of($slug, $admin)->{json} };
    is $row->{status}, 'expired', 'the list shows it expired';
    my ($live) = grep { $_->{token_hash} eq $second->{token_hash} } @{ tokens_of($slug, $admin)->{json} };
    is $live->{status}, 'active', '... and the other one active';

    # Revoking an expired token: 404, as for one that is not there.
    error_is(revoke($slug, $issued->{token_hash}, $admin), 404, 'not_found', 'DELETE of the expired token: 404');
    is revoke($slug, $second->{token_hash}, $admin)->{status}, 204, 'DELETE of the live one: 204';
}

done_testing();
