# Hostile values at the edge: every route of docs/openapi.yaml gets
# non-ASCII, invalid UTF-8, NUL and over-long values in each path segment
# and each query parameter, as the admin and as an agent, and never answers
# 5xx (a value the database cannot hold or compare is the caller's mistake,
# a 400, and changes nothing). JSON bodies: a NUL inside an object key and
# a key given twice are refused, and so is a charset other than UTF-8.
use strict;
use warnings;
use Test::More;
use YAML::XS ();
use NexusTest;

my $admin = admin_token();
my $slug = new_agent(slug => unique_slug('edge'));
my $agent = issue_token($slug)->{token};

my $spec = YAML::XS::LoadFile(top_dir() . '/docs/openapi.yaml');
sub resolve {
    my ($p) = @_;
    return $p unless ref $p eq 'HASH' && $p->{'$ref'};
    my ($name) = $p->{'$ref'} =~ m{^#/components/parameters/(.+)$} or die "unknown ref $p->{'$ref'}\n";
    return $spec->{components}{parameters}{$name};
}

# A plausible value for each path parameter, for the runs that spoil a query parameter.
my %good = (slug => $slug, tokenHash => '0' x 64, id => 1, kind => 'server', name => 'edge-x',
    date => '2026-01-01', agent => $slug, path => 'x');
my %bad = (
    'non-ASCII'       => '%C3%A9t%C3%A9',
    'invalid UTF-8'   => '%FF%FE',
    'NUL'             => 'a%00b',
    'over-long'       => 'a' x 300,
    'long non-ASCII'  => '%C3%A9' x 200,
);

my ($requests, @fives) = (0);
sub try_request {
    my ($method, $path, $label) = @_;
    for my $who ([ admin => $admin ], [ agent => $agent ]) {
        my %opt = (token => $who->[1]);
        $opt{json} = {} if $method eq 'POST' || $method eq 'PUT';
        my $r = api($method, $path, %opt);
        $requests++;
        push @fives, "$method $path ($label, as $who->[0]): $r->{status} " . substr($r->{body} // '', 0, 200)
            if $r->{status} >= 500;
    }
}

my $operations = 0;
for my $template (sort keys %{ $spec->{paths} }) {
    my $item = $spec->{paths}{$template};
    for my $method (grep { exists $item->{$_} } qw(get post put delete)) {
        my $op = $item->{$method};
        my @params = map { resolve($_) } @{ $item->{parameters} || [] }, @{ $op->{parameters} || [] };
        my @inpath = map { $_->{name} } grep { $_->{in} eq 'path' } @params;
        my @inquery = map { $_->{name} } grep { $_->{in} eq 'query' } @params;
        $operations++;
        my $M = uc $method;
        for my $label (sort keys %bad) {
            # Every path parameter spoiled at once.
            if (@inpath) {
                (my $path = $template) =~ s/\{(\w+)\}/$bad{$label}/g;
                try_request($M, $path, "$label in the path");
            }
            # One query parameter spoiled at a time, the path made of good values.
            (my $base = $template) =~ s/\{(\w+)\}/$good{$1} \/\/ 'x'/ge;
            try_request($M, "$base?$_=$bad{$label}", "$label in ?$_") for @inquery;
        }
    }
}
cmp_ok($operations, '>', 40, "the walk covered $operations operations of the API description");
cmp_ok($requests, '>', 500, "... with $requests requests");
is(scalar @fives, 0, 'none answered 5xx') or diag(join "\n", @fives[0 .. ($#fives < 19 ? $#fives : 19)]);

# The examples of the issue, one by one.
for my $case (
    [ GET => '/api/agents/%C3%A9/profile', undef ],
    [ POST => '/api/agents/%C3%A9/heartbeat', $agent ],
    [ GET => '/api/registry/models/%C3%A9', $admin ],
    [ GET => '/api/vault/secrets?scope=%C3%A9', $admin ],
    [ GET => '/api/registry/models?provider=%C3%A9', $admin ],
    [ GET => '/api/agents?after=' . ('A' x 400), $admin ],
    [ GET => '/api/assignments?after=' . ('A' x 400), $admin ],
) {
    my ($method, $path, $token) = @$case;
    my $r = api($method, $path, (defined $token ? (token => $token) : ()), ($method eq 'POST' ? (json => { status => 'ok' }) : ()));
    if ($path =~ /after=/) {
        # A cursor no Link header gave (these lists' keys are slugs): a 400.
        error_is($r, 400, 'bad_request', "$method " . substr($path, 0, 40) . '...: 400', qr/'after' is not a cursor/);
        next;
    }
    ok($r->{status} >= 400 && $r->{status} < 500, "$method $path: a 4xx ($r->{status})");
    ok(ref $r->{json} eq 'HASH' && $r->{json}{error} && $r->{json}{message}, '... with the JSON error') or diag($r->{body});
}

# A slug with trailing spaces is not the agent (MySQL's PAD SPACE comparison
# would say it is): no 2xx on any route, nothing written for it.
{
    my $padded = "$slug%20";
    my $r = api(POST => "/api/agents/$padded/heartbeat", token => $agent, json => { status => 'ok' });
    is $r->{status}, 403, "the agent's own token on '$slug ': 403, not the fast path's 200" or diag $r->{body};
    for my $case ([ POST => "/api/agents/$padded/heartbeat" ], [ GET => "/api/agents/$slug%20%20/profile" ],
        [ PUT => "/api/agents/$padded/token" ], [ GET => "/api/agents/$padded/tokens" ],
        [ PUT => "/api/assignments/$padded" ], [ DELETE => "/api/assignments/$padded" ],
        [ GET => "/api/memories/download/$padded/2026-01-01" ]) {
        my ($method, $path) = @$case;
        $r = api($method, $path, token => $admin, ($method =~ /^P/ ? (json => { status => 'ok', profile_name => 'x' }) : ()));
        error_is($r, 404, 'not_found', "$method $path (admin): 404", qr/^no agent/);
    }
    is_deeply dbh()->selectall_arrayref(q{SELECT action, target FROM audit_log WHERE target LIKE ? AND target COLLATE utf8mb4_bin LIKE ?}, undef, "agent:$slug %", "agent:$slug %"), [],
        'no audit target names the padded slug';
}

# Cursors: longer than any sort key, or not a key the list can have.
{
    require MIME::Base64;
    my $cursor = sub { (my $c = MIME::Base64::encode_base64url($_[0])) =~ s/=+$//; $c };
    for my $list ('/api/agents', '/api/assignments', '/api/profiles', '/api/knowledge', '/api/registry/models') {
        error_is(api(GET => "$list?after=" . $cursor->('a' x 1025), token => $admin), 400, 'bad_request',
            "$list: a 1025-byte cursor is 400", qr/'after' is not a cursor/);
    }
    for my $list ('/api/agents', '/api/assignments') {
        error_is(api(GET => "$list?after=" . $cursor->('Not A Slug'), token => $admin), 400, 'bad_request',
            "$list: a cursor that is no slug is 400", qr/'after' is not a cursor/);
        my $r = api(GET => "$list?after=" . $cursor->('zzzz-not-there'), token => $admin);
        is $r->{status}, 200, "$list: a slug cursor past every row is an empty page" or diag $r->{body};
    }
}

# JSON bodies.
my $hb = "/api/agents/$slug/heartbeat";
my $dbh = dbh();
sub last_beat {
    return scalar $dbh->selectrow_array(q{SELECT CONCAT_WS('|', last_heartbeat_at, heartbeat_status, heartbeat_meta)
        FROM agents WHERE slug = ?}, undef, $slug) // 'none';
}
for my $case (
    [ 'a NUL inside a key of heartbeat meta', $hb, '{"status":"ok","meta":{"k\u0000ey":1}}' ],
    [ 'a NUL inside a top-level key', $hb, '{"st\u0000atus":"ok"}' ],
    [ 'a key given twice', $hb, '{"status":"ok","status":"down"}' ],
    [ 'a key given twice in meta', $hb, '{"status":"ok","meta":{"a":1,"a":2}}' ],
) {
    my ($label, $path, $body) = @$case;
    my $before = last_beat();
    my $r = api(POST => $path, token => $agent, body => $body);
    is($r->{status}, 400, "$label: 400") or diag($r->{body});
    is($r->{json}{error}, 'bad_request', '... bad_request');
    is(last_beat(), $before, '... and nothing was recorded');
}
{
    my $r = api(POST => $hb, token => $agent, body => '{"status":"ok"}', content_type => 'application/json; charset=latin1');
    is($r->{status}, 415, 'charset=latin1: 415') or diag($r->{body});
    is($r->{json}{error}, 'unsupported_media_type', '... unsupported_media_type');
    $r = api(POST => $hb, token => $agent, body => '{"status":"ok","meta":{"k":"\u00e9"}}', content_type => 'application/json; charset=UTF-8');
    is($r->{status}, 200, 'charset=UTF-8: accepted') or diag($r->{body});
}

done_testing();
