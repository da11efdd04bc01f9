#!/usr/bin/env perl
# The HTTP conventions every Nexus response follows, seen through nginx like
# a client: health probes, X-Request-Id, JSON content type, the error body
# and its codes (400 401 403 404 405 409 413 415), path decoding and the
# pagination of GET /api/agents.
use strict;
use warnings;
use NexusTest;
use Test::More;
use Time::HiRes qw(sleep);

# --- shared helpers (candidates for NexusTest.pm) ---------------------------

# --- this file's helpers -----------------------------------------------------

# The conventions that hold for every response, whoever produced it.
sub conventions_ok {
    my ($r, $label) = @_;
    subtest "conventions: $label" => sub {
        like $r->{headers}{'x-request-id'} // '', qr/^[0-9A-Za-z-]{8,64}$/, 'X-Request-Id';
        is $r->{headers}{'content-type'}, 'application/json; charset=utf-8', 'Content-Type';
        is $r->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store';
        ok defined $r->{json}, 'the body is JSON' or diag "body: $r->{body}";
    };
}

sub allowed_methods { [ sort split /\s*,\s*/, $_[0]{headers}{allow} // '' ] }

my $admin = admin_token();
my $agent = new_agent(slug => unique_slug('conv'));
my $agent_token = issue_token($agent)->{token};
my $heartbeat = "/api/agents/$agent/heartbeat";

# --- health probes -------------------------------------------------------------

for my $probe ([ '/healthz' => 'ok' ], [ '/readyz' => 'ready' ]) {
    my ($path, $word) = @$probe;
    my $r = api(GET => $path);
    is $r->{status}, 200, "GET $path without a token: 200";
    is_deeply $r->{json}, { status => $word }, "GET $path body is {\"status\":\"$word\"}";
    conventions_ok($r, "GET $path");
    is api(GET => $path, token => 'not-a-known-token')->{status}, 200, "GET $path ignores an unknown bearer token";
}

{
    my $r = api(HEAD => '/healthz');
    is $r->{status}, 200, 'HEAD /healthz: 200';
    is $r->{body} // '', '', '... with no body';
    ok $r->{headers}{'x-request-id'}, '... and an X-Request-Id';
}

{
    my @ids = map { api(GET => '/healthz')->{headers}{'x-request-id'} // '' } 1 .. 2;
    isnt $ids[0], $ids[1], 'each request gets its own X-Request-Id';
}

# --- every kind of response carries the conventions --------------------------

{
    my @responses = (
        [ 'nginx 404 outside /api'        => api(GET => '/no-such-thing') ],
        [ 'app 404 inside /api'           => api(GET => '/api/no-such-thing') ],
        [ '401 without a token'           => api(GET => '/api/agents') ],
        [ '405 wrong method'              => api(GET => '/api/agents/register') ],
        [ '415 text/plain body'           => api(POST => $heartbeat, token => $admin, body => 'hi', content_type => 'text/plain') ],
        [ '400 malformed JSON'            => api(POST => $heartbeat, token => $admin, body => '{') ],
        [ '400 malformed %-escape'        => api(GET => '/api/agents/%zz/profile') ],
        [ '413 from the pool (1.5 MiB)'   => api(POST => $heartbeat, token => $admin, body => 'x' x (1.5 * 1024 * 1024)) ],
        [ '413 from nginx (3 MiB)'        => api(POST => $heartbeat, token => $admin, body => 'x' x (3 * 1024 * 1024)) ],
        [ '200 list'                      => api(GET => '/api/agents?limit=1', token => $admin) ],
    );
    conventions_ok($_->[1], $_->[0]) for @responses;
}

# --- 400: bodies the JSON layer rejects ---------------------------------------

{
    my @bad = (
        [ 'malformed JSON'              => '{"status":' ],
        [ 'trailing garbage'            => '{} x' ],
        [ 'a JSON array'                => '[1,2]' ],
        [ 'a JSON string'               => '"ok"' ],
        [ 'a JSON number'               => '42' ],
        [ 'JSON null'                   => 'null' ],
        [ 'wrong field type'            => '{"status":5}', qr/'status'/ ],
        [ 'unknown field'               => '{"colour":"red"}', qr/'colour'/ ],
        [ 'invalid UTF-8 (\xff)'        => qq({"status":"\xff"}) ],
        [ 'invalid UTF-8 (overlong /)'  => qq({"status":"\xc0\xaf"}) ],
        [ 'invalid UTF-8 (truncated)'   => qq({"status":"\xe2\x82"}) ],
        [ 'a UTF-16 surrogate in UTF-8' => qq({"status":"\xed\xa0\x80"}) ],
    );
    for my $case (@bad) {
        my ($label, $body, $re) = @$case;
        error_is(api(POST => $heartbeat, token => $admin, body => $body), 400, 'bad_request', "400 for $label", $re);
    }
    error_is(api_patient(POST => '/api/agents/register', body => ''),
        400, 'bad_request', '400 for an empty body where one is required');
    error_is(api_patient(POST => '/api/agents/register', json => { slug => 5, name => 'x', scope => 'studio' }),
        400, 'bad_request', '400 for a number where a string belongs', qr/'slug'/);
}

# --- 401, 403, 404, 405, 409 ---------------------------------------------------

{
    my $r = api(GET => '/api/agents');
    error_is($r, 401, 'unauthorized', '401 without a token');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, '401 carries WWW-Authenticate: Bearer';

    $r = api(GET => '/api/agents', token => 'nxa_' . ('A' x 43));
    error_is($r, 401, 'unauthorized', '401 for an unknown token');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, 'that 401 carries WWW-Authenticate too';

    error_is(api(GET => '/api/agents', token => $agent_token), 403, 'forbidden', '403 for an agent token on an admin route');
    error_is(api(GET => '/api/agents/' . unique_slug('nobody') . '/profile'), 404, 'not_found', '404 for an unknown agent');
    error_is(api(GET => '/no-such-thing'), 404, 'not_found', "404 for an unknown path outside /api (nginx's own)");
    error_is(api(GET => '/api/no-such-thing'), 404, 'not_found', '404 for an unknown path inside /api');
    error_is(api(GET => '/api/agents/x/y/z', token => $admin), 404, 'not_found', '404 for too many segments');

    # A path served by GET is served by HEAD too, and its Allow says so.
    my $hash = 'a' x 64;
    my @wrong = (
        [ GET    => '/api/agents/register',           ['POST'] ],
        [ DELETE => '/healthz',                       [qw(GET HEAD)] ],
        [ POST   => '/readyz',                        [qw(GET HEAD)] ],
        [ POST   => '/api/agents',                    [qw(GET HEAD)] ],
        [ DELETE => "/api/agents/$agent/profile",     [qw(GET HEAD)] ],
        [ GET    => "/api/agents/$agent/heartbeat",   ['POST'] ],
        [ PATCH  => "/api/agents/$agent/token",       ['PUT'] ],
        [ GET    => "/api/agents/$agent/token/$hash", ['DELETE'] ],
    );
    for my $case (@wrong) {
        my ($method, $path, $allow) = @$case;
        my $r = api($method => $path, token => $admin);
        error_is($r, 405, 'method_not_allowed', "405 for $method $path");
        is_deeply allowed_methods($r), $allow, "Allow header of $method $path lists @$allow";
    }

    error_is(api_patient(POST => '/api/agents/register', json => { slug => $agent, name => 'Again', scope => 'studio' }),
        409, 'conflict', '409 for a slug that is taken');
}

# --- 413 and 415 ---------------------------------------------------------------

{
    my $json_of_size = sub { my $n = shift; '{"name":"' . ('x' x ($n - 11)) . '"}' };
    error_is(api_patient(POST => '/api/agents/register', body => $json_of_size->(1.5 * 1024 * 1024)),
        413, 'payload_too_large', '413 for 1.5 MiB (over server.max_body_bytes)');
    error_is(api_patient(POST => '/api/agents/register', body => $json_of_size->(3 * 1024 * 1024)),
        413, 'payload_too_large', "413 for 3 MiB (over nginx's client_max_body_size)");
    error_is(api_patient(POST => '/api/agents/register', body => '{"slug":"x"}', content_type => 'text/plain'),
        415, 'unsupported_media_type', '415 for a text/plain body');
    my $slug = unique_slug('charset');
    my $r = api_patient(POST => '/api/agents/register', json => { slug => $slug, name => 'C', scope => 'studio' },
        content_type => 'application/json; charset=utf-8');
    is $r->{status}, 201, 'application/json with a charset parameter is accepted';
}

# --- path handling ---------------------------------------------------------------

{
    my $slug = new_agent(slug => unique_slug('addy'));
    my $encode = sub { my ($s, $fmt) = @_; join '', map { sprintf $fmt, ord } split //, $s };
    my %variants = (
        'first letter encoded'     => '%61' . substr($slug, 1),
        'all bytes encoded (upper)' => $encode->($slug, '%%%02X'),
        'all bytes encoded (lower)' => $encode->($slug, '%%%02x'),
    );
    for my $label (sort keys %variants) {
        my $r = api(GET => "/api/agents/$variants{$label}/profile");
        is $r->{status}, 200, "percent-decoded segment ($label) finds the agent";
        is $r->{json}{agent}{slug}, $slug, "... and it is $slug";
    }

    my $r = api(GET => '/api/agents/a%2Fb/profile');
    error_is($r, 404, 'not_found', 'an encoded %2F stays inside its segment (no agent "a/b")', qr{a/b});

    for my $path ('/api/agents/%2e%2e/profile', '/api/agents/%2E%2E/profile', '/api/agents/../agents',
        '/api/agents/./register', '/api/%2e%2e/healthz', "/api/agents/$slug/../../../healthz", '/../healthz')
    {
        my $r = api(GET => $path, token => $admin);
        ok $r->{status} >= 400 && $r->{status} < 500, "GET $path: a 4xx (got $r->{status})";
        is ref $r->{json}, 'HASH', "GET $path: a JSON error body" or diag "body: $r->{body}";
        ok $r->{headers}{'x-request-id'}, "GET $path: X-Request-Id";
    }
    for my $path ('/api/agents/%2e%2e/profile', '/api/%2e%2e/healthz') {
        error_is(api(GET => $path), 400, 'bad_request', "a '..' segment ($path) is 400", qr/'\.\.'/);
    }

    for my $path ('/api/agents/%zz/profile', '/api/agents/ab%4/profile', '/api/agents/ab%/profile', '/api/agents/%00/profile') {
        error_is(api(GET => $path), 400, 'bad_request', "malformed or NUL escape in $path is 400");
    }
    error_is(api(GET => '/api/agents?limit=%zz', token => $admin), 400, 'bad_request',
        'a malformed escape in the query string is 400', qr/'limit'/);
}

# --- pagination of GET /api/agents ------------------------------------------------

for my $limit ('0', '1001', 'abc', '-1', '', '2.5', '+1', '1,0', '%201', '1e2', '0x10') {
    error_is(api(GET => "/api/agents?limit=$limit", token => $admin), 400, 'bad_request',
        "limit=$limit is 400 naming 'limit'", qr/'limit'/);
}
for my $after ('!!!!', 'a', '%25%25') {
    error_is(api(GET => "/api/agents?after=$after", token => $admin), 400, 'bad_request',
        "after=$after is 400 naming 'after'", qr/'after'/);
}
for my $limit (1, 1000) {
    my $r = api(GET => "/api/agents?limit=$limit", token => $admin);
    is $r->{status}, 200, "limit=$limit is accepted";
    ok @{ $r->{json} } <= $limit, "limit=$limit returns at most $limit agents";
}

{
    # A prefix starting with '0' sorts before the other test files' agents, so
    # the walk reaches these agents after only a few pages.
    my $prefix = unique_slug('0pg');
    my @mine = map { "$prefix-$_" } 1 .. 5;
    new_agent(slug => $_) for @mine[ 3, 0, 4, 2, 1 ];    # not in slug order

    my (@seen, @sizes, $bad_link);
    my $path = '/api/agents?limit=2';
    for (1 .. 1000) {
        my $r = api(GET => $path, token => $admin);
        is $r->{status}, 200, "page $path" or last;
        push @seen, map { $_->{slug} } @{ $r->{json} };
        push @sizes, scalar @{ $r->{json} };
        $path = next_link($r);
        $bad_link = $r->{headers}{link} if defined $r->{headers}{link} && !($path && $path =~ /^\/api\/agents\?.*\blimit=2\b/);
        last if !$path || $seen[-1] gt $mine[-1];
    }
    ok !defined $bad_link, 'every Link header is <...limit=2...>; rel="next"' or diag "Link: $bad_link";
    ok !(grep { $_ != 2 } @sizes[ 0 .. $#sizes - 1 ]), 'every page before the last one seen has 2 agents';
    is_deeply \@seen, [ sort @seen ], 'pages come in slug order';
    my %count;
    $count{$_}++ for @seen;
    ok !(grep { $_ > 1 } values %count), 'no agent appears twice';
    is_deeply [ grep { index($_, "$prefix-") == 0 } @seen ], \@mine, 'all five agents appear once, in slug order';
}

{
    my %stored = map { $_->[0] => 1 } @{ dbh()->selectall_arrayref('SELECT slug FROM agents') };
    my (%listed, $pages, $last);
    my $path = '/api/agents';
    while ($path && $pages++ < 100) {
        $last = api(GET => $path, token => $admin);
        last unless $last->{status} == 200;
        $listed{ $_->{slug} }++ for @{ $last->{json} };
        $path = next_link($last);
    }
    is $last->{status}, 200, 'walking the whole list with the default limit';
    ok !defined next_link($last), 'the last page has no Link header';
    is_deeply [ grep { !$listed{$_} } sort keys %stored ], [], 'every stored agent is listed';
    is_deeply [ grep { $listed{$_} > 1 } sort keys %listed ], [], 'no agent is listed twice';
}

done_testing();
