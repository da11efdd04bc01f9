#!/usr/bin/env perl
# POST /api/agents/:slug/heartbeat: who may send one, the answer, what is
# stored and shown by GET /api/agents, and the bodies that are refused.
use strict;
use warnings;
use utf8;
use NexusTest;
use Test::More;
use JSON::PP ();
use Time::HiRes qw(time);

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();

sub beat {
    my ($slug, %opt) = @_;
    return api(POST => "/api/agents/$slug/heartbeat", %opt);
}

my $slug = new_agent(slug => unique_slug('hb'));
my $token = issue_token($slug)->{token};
my $other = new_agent(slug => unique_slug('hb-other'));
my $other_token = issue_token($other)->{token};

# --- who may send a heartbeat ---------------------------------------------------

{
    my $r = beat($slug);
    error_is($r, 401, 'unauthorized', 'no token: 401');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, '... with WWW-Authenticate: Bearer';

    my %bad_auth = (
        'unknown agent-shaped token'      => 'Bearer nxa_' . ('B' x 43),
        'unknown token of another shape'  => 'Bearer not-a-token',
        'Basic scheme'                    => 'Basic x',
        'Bearer alone'                    => 'Bearer',
        'Bearer and spaces'               => 'Bearer    ',
        'the token without a scheme'      => $token,
        'a random token of admin length'  => 'Bearer ' . ('a' x 43),
        'an over-long token'              => 'Bearer nxa_' . ('C' x 600),
    );
    for my $label (sort keys %bad_auth) {
        my $r = beat($slug, headers => { Authorization => $bad_auth{$label} });
        error_is($r, 401, 'unauthorized', "Authorization with $label: 401");
        like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, "... with WWW-Authenticate: Bearer";
    }
    is beat($slug, headers => { Authorization => "bearer $token" })->{status}, 200, 'the scheme name is case-insensitive';

    error_is(beat($slug, token => $other_token), 403, 'forbidden', "another agent's token: 403", qr/another agent/);
    error_is(beat(unique_slug('hb-nobody'), token => $token), 403, 'forbidden', 'an agent token on an unknown slug: 403');
    error_is(beat(unique_slug('hb-nobody'), token => $admin), 404, 'not_found', 'the admin token on an unknown slug: 404');

    my $before = time;
    $r = beat($slug, token => $token);
    is $r->{status}, 200, "the agent's own token: 200";
    is_deeply [ sort keys %{ $r->{json} } ], [qw(last_heartbeat_at slug status)],
        '... the answer has slug, last_heartbeat_at and status';
    is $r->{json}{slug}, $slug, '... slug';
    is $r->{json}{status}, 'online', '... status online';
    my $at = epoch_of($r->{json}{last_heartbeat_at});
    ok defined $at && $at > $before - 5 && $at < time + 5, '... last_heartbeat_at is an RFC 3339 timestamp of now'
        or diag $r->{json}{last_heartbeat_at};

    is beat($slug, token => $admin)->{status}, 200, 'the admin token: 200';

    # The agent-token shortcut (one UPDATE that checks the token) must give
    # exactly the answers of the normal path: access is decided before the body.
    error_is(beat($slug, token => $other_token, body => '{', content_type => 'application/json'), 403, 'forbidden',
        "another agent's token with a malformed body: still 403");
    error_is(beat($slug, token => $token, body => '{', content_type => 'application/json'), 400, 'bad_request',
        'its own token with a malformed body: 400');
    my ($before_row) = dbh()->selectrow_array('SELECT last_heartbeat_at FROM agents WHERE slug = ?', undef, $other);
    beat($other, token => $token, json => { status => 'spoofed' });
    my ($after_row, $status) = dbh()->selectrow_array('SELECT last_heartbeat_at, heartbeat_status FROM agents WHERE slug = ?', undef, $other);
    is $after_row, $before_row, "a token never writes another agent's heartbeat";
    isnt $status // '', 'spoofed', '... nor its status';
}

# --- what is stored ----------------------------------------------------------------

{
    my $fresh = new_agent(slug => unique_slug('hb-fresh'));
    my $fresh_token = issue_token($fresh)->{token};
    my $listed = listed_agent($fresh);
    is $listed->{status}, 'offline', 'before any heartbeat the agent is offline';

    my $r = beat($fresh, token => $fresh_token);
    is $r->{status}, 200, 'an empty body is a plain ping';
    $listed = listed_agent($fresh);
    is $listed->{status}, 'online', '... after which the agent is online';
    is $listed->{last_heartbeat_at}, $r->{json}{last_heartbeat_at}, '... last_heartbeat_at is the one answered';
    is_deeply $listed->{heartbeat}, { status => undef, version => undef, meta => undef }, '... and the report is all null';

    my $meta = {
        host   => 'worker-3',
        queue  => 2,
        load   => 0.5,
        tags   => [ 'a', 'b', 3 ],
        nested => { ok => JSON::PP::true(), off => JSON::PP::false(), none => undef, deeper => { level => [ {} ] } },
        'ünï'  => 'こんにちは ✓',
    };
    $r = beat($fresh, token => $fresh_token, json => { status => 'busy', version => '1.4.2-rc.1', meta => $meta });
    is $r->{status}, 200, 'a heartbeat with status, version and meta: 200' or diag $r->{body};
    $listed = listed_agent($fresh);
    is $listed->{heartbeat}{status}, 'busy', 'heartbeat.status is stored';
    is $listed->{heartbeat}{version}, '1.4.2-rc.1', 'heartbeat.version is stored';
    is_deeply $listed->{heartbeat}{meta}, $meta, 'heartbeat.meta is stored as sent';
    is $listed->{status}, 'online', 'the agent is online';
    is $listed->{last_heartbeat_at}, $r->{json}{last_heartbeat_at}, 'last_heartbeat_at is the latest';

    $r = beat($fresh, token => $fresh_token, json => { status => 'é' x 64, version => 'v' x 64, meta => undef });
    is $r->{status}, 200, 'status and version of 64 characters (multibyte) are accepted' or diag $r->{body};
    is_deeply listed_agent($fresh)->{heartbeat}, { status => 'é' x 64, version => 'v' x 64, meta => undef },
        'the report is replaced by exactly what was sent (meta null)';

    is beat($fresh, token => $fresh_token, json => {})->{status}, 200, 'an empty object is a plain ping';
    is_deeply listed_agent($fresh)->{heartbeat}, { status => undef, version => undef, meta => undef },
        '... which clears the previous report';
}

# --- refused bodies ------------------------------------------------------------------

{
    my $good = { status => 'steady', version => '9', meta => { keep => 'me' } };
    is beat($slug, token => $token, json => $good)->{status}, 200, 'a known report before the refused ones';

    my @bad = (
        [ 'status of 65 characters', { status => 's' x 65 }, 'status' ],
        [ 'version of 65 characters', { version => 'v' x 65 }, 'version' ],
        [ 'status a number',         { status => 5 }, 'status' ],
        [ 'version an object',       { version => { v => 1 } }, 'version' ],
        [ 'meta a string',           { meta => 'x' }, 'meta' ],
        [ 'meta an array',           { meta => [ 1, 2 ] }, 'meta' ],
        [ 'meta a number',           { meta => 3 }, 'meta' ],
        [ 'meta true',               { meta => JSON::PP::true() }, 'meta' ],
        [ 'an unknown field',        { status => 'ok', colour => 'red' }, 'colour' ],
    );
    for my $case (@bad) {
        my ($label, $body, $field) = @$case;
        error_is(beat($slug, token => $token, json => $body), 400, 'bad_request', "400 for $label", qr/'\Q$field\E'/);
    }
    my $deep = '{"meta":' . ('{"a":' x 40) . '1' . ('}' x 40) . '}';
    error_is(beat($slug, token => $token, body => $deep), 400, 'bad_request', '400 for meta nested 40 deep');
    error_is(beat($slug, token => $token, body => '{"status":'), 400, 'bad_request', '400 for malformed JSON');
    error_is(beat($slug, token => $token, body => '["ok"]'), 400, 'bad_request', '400 for a JSON array');

    my $fill = sub { my $size = shift; '{"meta":{"pad":"' . ('x' x ($size - 19)) . '"}}' };
    is length $fill->(4096), 4096, '(the fill helper makes bodies of an exact size)';
    my $r = beat($slug, token => $token, body => $fill->(4096));
    is $r->{status}, 200, 'a body of exactly 4096 bytes is accepted' or diag $r->{body};
    is beat($slug, token => $token, json => $good)->{status}, 200, '(the known report again)';
    error_is(beat($slug, token => $token, body => $fill->(4097)), 413, 'payload_too_large', 'a body of 4097 bytes: 413');
    error_is(beat($slug, token => $token, body => $fill->(64 * 1024)), 413, 'payload_too_large', 'a body of 64 KiB: 413');
    error_is(beat($slug, token => $token, body => '{"status":"ok"}', content_type => 'text/plain'),
        415, 'unsupported_media_type', 'a text/plain body: 415');
    error_is(beat($slug, token => $token, body => '{"status":"ok"}', content_type => 'application/x-www-form-urlencoded'),
        415, 'unsupported_media_type', 'a form body: 415');

    is_deeply listed_agent($slug)->{heartbeat}, $good, 'no refused heartbeat changed the stored report';
}

done_testing();
