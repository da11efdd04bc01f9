#!/usr/bin/env perl
# The access policy of every route, table-driven: each route is called by
# each kind of principal and must be allowed or refused with exactly 401
# (no usable token) or 403 (a valid token that may not do this).
#
# To cover a new route, add a row to @ROUTES. In the path, {slug} is the
# row's own target agent (registered afresh for the row, with one token) and
# {hash} that token's SHA-256, {secret} an unrestricted vault secret made
# for the row, {profile} an inference profile made for the row (URL-encoded;
# its name has a space and '&'), {assigned} the target agent after it was
# assigned to the shared profile $POLICY_PROFILE, {family} the slug of a
# registry model made for the row, {model} '<slug>/<model id with %2F>' of a
# registry model made afresh for every call (every agent may delete one),
# {day} a day on which the target agent has a memory entry, {knowledge}
# 'server/<target slug>', a knowledge entity made for the row.
# A body is a hash sent as JSON (where a string value holds {slug}, the
# target agent goes there too), or a sub that
# returns one (called for every request). Allowed cells send a valid
# request, so they must succeed (2xx); refused ones must change nothing.
use strict;
use warnings;
use NexusTest;
use Test::More;
use Time::HiRes qw(sleep);

# Who calls: no token, a token nobody issued, another agent's token, the
# target agent's own token, a signed-in SSO user (no token; a viewer), a
# signed-in SSO admin (no token), the admin token. The SSO admin has the
# viewer's rights today (the expectations' user column): admin routes and
# writes open to browsers only with the UI's CSRF-protected forms.
my @PRINCIPALS = qw(none unknown other self user sso_admin admin);    # admin last: its PUT/DELETE change the target's tokens

# A fresh, valid registration body for every call.
sub registration { return { slug => unique_slug('ap-reg'), name => 'Policy', scope => 'studio' } }

# Only the UI's routes pass the SSO gate (snippets/nexus-sso-gate.conf); on
# every other route a session cookie is no identity at all, hence 401.
my %PUBLIC     = (none => 'allow', unknown => 'allow', other => 'allow', self => 'allow', user => 'allow', admin => 'allow');
my %ADMIN      = (none => 401,     unknown => 401,     other => 403,     self => 403,     user => 401,     admin => 'allow');
my %AGENT_SELF = (none => 401,     unknown => 401,     other => 403,     self => 'allow', user => 401,     admin => 'allow');
my %AGENT      = (none => 401,     unknown => 401,     other => 'allow', self => 'allow', user => 401,     admin => 'allow');
my %READER     = (none => 401,     unknown => 401,     other => 'allow', self => 'allow', user => 'allow', admin => 'allow');
# Admin, or no token at all from a loopback address (the tests' nginx is on 127.0.0.1).
my %ADMIN_OR_LOCAL = (none => 'allow', unknown => 401, other => 403, self => 403, user => 'allow', admin => 'allow');
# An admin route behind the gate (a write next to UI reads): the user is known, hence 403.
# The agent's own, or a reader behind the gate (the memory list: another agent's token is 403).
my %SELF_OR_READER = (%AGENT_SELF, user => 'allow');
my %ADMIN_GATED = (%ADMIN, user => 403);

# A profile every assignment row can name, and a fresh profile body per create.
my $POLICY_PROFILE = 'Policy & Profile ' . unique_slug('ap');
sub new_profile { return { name => 'ap ' . unique_slug('profile') . ' & co', model => 'openai/gpt-4o-mini' } }
sub make_profile {
    my $r = api(POST => '/api/profiles', token => admin_token(), json => @_ ? { name => $_[0], model => 'openai/gpt-4o' } : new_profile());
    die "profile: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{name};
}
make_profile($POLICY_PROFILE);

# A fresh secret body for every create.
sub new_secret { return { scope => 'policy', name => unique_slug('ap-secret'), value => 'v', allowed_profiles => [] } }

# A fresh registry entry body for every create; make_model stores one and
# returns it as the API does.
sub new_model { my $s = unique_slug('ap-model'); return { slug => $s, model_id => "ap-prov/$s", pricing => { prompt => 1 } } }
sub make_model {
    my $r = api(POST => '/api/registry/models', token => admin_token(), json => new_model());
    die "model: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json};
}

my @ROUTES = (
    # method    path                                body                                                     expected
    [ GET    => '/healthz',                         undef,                                                   \%PUBLIC ],
    [ GET    => '/readyz',                          undef,                                                   \%PUBLIC ],
    [ GET    => '/',                                undef,                                                   \%READER ],
    [ GET    => '/api/auth/nexus-gate',             undef,                                                   \%PUBLIC ],
    [ GET    => '/api/auth/verify',                 undef,                                                   \%PUBLIC ],
    [ POST   => '/api/agents/register',             \&registration,                                          \%PUBLIC ],
    [ GET    => '/api/agents',                      undef,                                                   \%READER ],
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
    [ GET    => '/api/knowledge?kind=server,project&query=policy', undef,                                    \%READER ],
    [ GET    => '/api/knowledge/server',            undef,                                                   \%READER ],
    [ GET    => '/api/knowledge/{knowledge}',       undef,                                                   \%READER ],
    [ PUT    => '/api/knowledge/{knowledge}',       { title => 'changed by the policy walk' },               \%ADMIN_GATED ],
    [ DELETE => '/api/knowledge/{knowledge}',       undef,                                                   \%ADMIN_GATED ],
    [ GET    => '/api/profiles',                    undef,                                                   \%READER ],
    [ POST   => '/api/profiles',                    \&new_profile,                                           \%ADMIN_GATED ],
    [ GET    => '/api/profiles/{profile}',          undef,                                                   \%READER ],
    [ PUT    => '/api/profiles/{profile}',          { description => 'changed by the policy walk' },         \%ADMIN_GATED ],
    [ DELETE => '/api/profiles/{profile}',          undef,                                                   \%ADMIN_GATED ],
    [ GET    => '/api/assignments',                 undef,                                                   \%ADMIN ],
    [ PUT    => '/api/assignments/{slug}',          { profile_name => $POLICY_PROFILE },                     \%ADMIN ],
    [ DELETE => '/api/assignments/{assigned}',      undef,                                                   \%ADMIN ],
    [ GET    => '/api/registry/models',             undef,                                                   \%AGENT ],
    [ GET    => '/api/registry/models/{family}',    undef,                                                   \%AGENT ],
    [ POST   => '/api/registry/models',             \&new_model,                                             \%AGENT ],
    [ DELETE => '/api/registry/models/{model}',     undef,                                                   \%AGENT ],
    [ POST   => '/api/memories/collect',            { agent => '{slug}', content => 'policy walk' },         \%AGENT_SELF ],
    [ GET    => '/api/memories/list?agent={slug}',  undef,                                                   \%SELF_OR_READER ],
    [ GET    => '/api/memories/download/{slug}/{day}', undef,                                                \%AGENT_SELF ],
    [ GET    => '/api/memories/search?agent={slug}&query=policy', undef,                                     \%AGENT_SELF ],
    [ GET    => '/admin/audit-log',                 undef,                                                   \%ADMIN ],
    [ GET    => '/admin/status',                    undef,                                                   \%ADMIN ],
    [ GET    => '/admin/metrics',                   undef,                                                   \%ADMIN_OR_LOCAL ],
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
    if ($path =~ /\{profile\}/) {
        my $name = uri_escape(make_profile());
        $path =~ s/\{profile\}/$name/g;
    }
    if ($path =~ /\{assigned\}/) {
        my $r = api(PUT => "/api/assignments/$target", token => admin_token(), json => { profile_name => $POLICY_PROFILE });
        die "assignment for $template: $r->{status}\n" unless $r->{status} == 201;
        $path =~ s/\{assigned\}/$target/g;
    }
    if ($path =~ /\{secret\}/) {
        my $secret = api(POST => '/api/vault/secrets', token => admin_token(), json => new_secret());
        die "secret for $template: $secret->{status}\n" unless $secret->{status} == 201;
        $path =~ s/\{secret\}/$secret->{json}{id}/g;
    }
    if ($path =~ /\{knowledge\}/) {
        my $r = api(PUT => "/api/knowledge/server/$target", token => admin_token(), json => { title => 'policy walk' });
        die "knowledge for $template: $r->{status}\n" unless $r->{status} == 201;
        $path =~ s/\{knowledge\}/server\/$target/g;
    }
    $path =~ s/\{family\}/make_model()->{slug}/ge;
    if ($path =~ /\{day\}/) {
        my $r = api(POST => '/api/memories/collect', token => admin_token(),
            json => { agent => $target, content => 'a policy memory', date => '2026-07-01' });
        die "memory for $template: $r->{status}\n" unless $r->{status} == 201;
        $path =~ s/\{day\}/2026-07-01/g;
    }

    subtest "$method $template" => sub {
        for my $who (@PRINCIPALS) {
            my $want = $expected->{ $who eq 'sso_admin' ? 'user' : $who } // die "no expectation for $who on $method $template\n";
            my $json = ref $body eq 'CODE' ? $body->() : $body;
            $json = { map { my $v = $json->{$_}; $_ => (defined $v && !ref $v && $v =~ /\{slug\}/ ? $v =~ s/\{slug\}/$target/gr : $v) } keys %$json }
                if ref $json eq 'HASH';
            (my $call = $path) =~ s{\{model\}}{my $m = make_model(); "$m->{slug}/" . uri_escape($m->{model_id})}ge;
            my %session = (user => [ user => 'ap-user' ], sso_admin => [ user => 'ap-admin', role => 'admin' ]);
            my $r = api_patient($method => $call, token => $token_of{$who}, @{ $session{$who} || [] },
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
