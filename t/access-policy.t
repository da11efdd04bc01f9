#!/usr/bin/env perl
# The access policy of every route, table-driven: each route is called by
# each kind of principal and must be allowed or refused with exactly 401
# (no usable token) or 403 (a valid token that may not do this).
#
# To cover a new route, add a row to @ROUTES. In the path, {slug} is the
# row's own target agent (registered afresh for the row, with one token) and
# {hash} that token's SHA-256, {secret} an unrestricted vault secret made
# for the row. A body is a hash sent as JSON, or a sub that
# returns one (called for every request). Allowed cells send a valid
# request, so they must succeed (2xx); refused ones must change nothing.
use strict;
use warnings;
use NexusTest;
use Test::More;
use Time::HiRes qw(sleep);

# Who calls: no token, a token nobody issued, another agent's token, the
# target agent's own token, a signed-in SSO user (no token), the admin token.
my @PRINCIPALS = qw(none unknown other self user admin);    # admin last: its PUT/DELETE change the target's tokens

# A fresh, valid registration body for every call.
sub registration { return { slug => unique_slug('ap-reg'), name => 'Policy', scope => 'studio' } }

# Only the UI's routes pass the SSO gate (snippets/nexus-sso-gate.conf); on
# every other route a session cookie is no identity at all, hence 401.
my %PUBLIC     = (none => 'allow', unknown => 'allow', other => 'allow', self => 'allow', user => 'allow', admin => 'allow');
my %ADMIN      = (none => 401,     unknown => 401,     other => 403,     self => 403,     user => 401,     admin => 'allow');
my %AGENT_SELF = (none => 401,     unknown => 401,     other => 403,     self => 'allow', user => 401,     admin => 'allow');
my %AGENT      = (none => 401,     unknown => 401,     other => 'allow', self => 'allow', user => 401,     admin => 'allow');
my %READER     = (none => 401,     unknown => 401,     other => 'allow', self => 'allow', user => 'allow', admin => 'allow');

# A fresh secret body for every create.
sub new_secret { return { scope => 'policy', name => unique_slug('ap-secret'), value => 'v', allowed_profiles => [] } }

my @ROUTES = (
    # method    path                                body                                                     expected
    [ GET    => '/healthz',                         undef,                                                   \%PUBLIC ],
    [ GET    => '/readyz',                          undef,                                                   \%PUBLIC ],
    [ POST   => '/api/agents/register',             \&registration,                                          \%PUBLIC ],
    [ GET    => '/api/agents',                      undef,                                                   \%ADMIN ],
    [ GET    => '/api/agents/{slug}/profile',       undef,                                                   \%PUBLIC ],
    [ POST   => '/api/agents/{slug}/heartbeat',     { status => 'ok', version => '1', meta => { k => 1 } },  \%AGENT_SELF ],
    [ PUT    => '/api/agents/{slug}/token',         undef,                                                   \%ADMIN ],
    [ DELETE => '/api/agents/{slug}/token/{hash}',  undef,                                                   \%ADMIN ],
    [ GET    => '/api/vault/secrets',               undef,                                                   \%AGENT ],
    [ POST   => '/api/vault/secrets',               \&new_secret,                                            \%ADMIN ],
    [ GET    => '/api/vault/secrets/{secret}',      undef,                                                   \%AGENT ],
    [ PUT    => '/api/vault/secrets/{secret}',      { value => 'w' },                                        \%ADMIN ],
    [ DELETE => '/api/vault/secrets/{secret}',      undef,                                                   \%ADMIN ],
    [ GET    => '/api/secrets',                     undef,                                                   \%READER ],
    [ GET    => '/admin/audit-log',                 undef,                                                   \%ADMIN ],
);

# --- helpers -------------------------------------------------------------------

sub stored_hashes {
    my ($slug) = @_;
    return dbh()->selectcol_arrayref(
        'SELECT t.token_hash FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ? ORDER BY t.token_hash',
        undef, $slug);
}

my $other = new_agent(slug => unique_slug('ap-other'));
my %token_of = (
    none    => undef,
    unknown => 'nxa_' . join('', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_')[ rand 64 ] } 1 .. 43),
    other   => issue_token($other)->{token},
    admin   => admin_token(),
);

# --- the walk ---------------------------------------------------------------------

for my $row (@ROUTES) {
    my ($method, $template, $body, $expected) = @$row;
    my $target = new_agent(slug => unique_slug('ap-target'));
    my $issued = issue_token($target);
    local $token_of{self} = $issued->{token};
    (my $path = $template) =~ s/\{slug\}/$target/g;
    $path =~ s/\{hash\}/$issued->{token_hash}/g;
    if ($path =~ /\{secret\}/) {
        my $secret = api(POST => '/api/vault/secrets', token => admin_token(), json => new_secret());
        die "secret for $template: $secret->{status}\n" unless $secret->{status} == 201;
        $path =~ s/\{secret\}/$secret->{json}{id}/g;
    }

    subtest "$method $template" => sub {
        for my $who (@PRINCIPALS) {
            my $want = $expected->{$who} // die "no expectation for $who on $method $template\n";
            my $json = ref $body eq 'CODE' ? $body->() : $body;
            my $r = api_patient($method => $path, token => $token_of{$who}, ($who eq 'user' ? (user => 'ap-user') : ()),
                (defined $json ? (json => $json) : ()));
            my $label = "$method $template as $who";
            if ($want eq 'allow') {
                ok $r->{status} >= 200 && $r->{status} < 300, "$label: allowed (got $r->{status})" or diag $r->{body};
            }
            else {
                is $r->{status}, $want, "$label: $want" or diag $r->{body};
                is $r->{json}{error}, $want == 401 ? 'unauthorized' : 'forbidden', "$label: error code";
                like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, "$label: WWW-Authenticate" if $want == 401;
            }
            if ($who ne 'admin') {
                is_deeply stored_hashes($target), [ $issued->{token_hash} ], "$label: the target's tokens are unchanged";
            }
        }
    };
}

done_testing();
