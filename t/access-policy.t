#!/usr/bin/env perl
# The access policy of every route, table-driven: each route is called by
# each kind of principal and must be allowed or refused with exactly 401
# (no usable token) or 403 (a valid token that may not do this).
#
# To cover a new route, add a row to @ROUTES. In the path, {slug} is the
# row's own target agent (registered afresh for the row, with one token),
# {family} the slug of a registry model made for the row, {day} a day on
# which the target agent has a memory entry. These are made afresh for
# every call, so that an allowed DELETE leaves the next caller one too:
# {hash} the SHA-256 of a spare token of the target, {secret} an
# unrestricted vault secret, {profile} an inference profile (URL-encoded;
# its name has a space and '&'), {assigned} the target agent, assigned to
# the shared profile $POLICY_PROFILE, {knowledge} 'server/<target slug>', a
# knowledge entity, {model} '<slug>/<model id with %2F>' of a registry model.
# A body is a hash sent as JSON (where a string value holds {slug}, the
# target agent goes there too), or a sub that returns one (called for
# every request). Allowed cells send a valid request, so they must succeed
# (2xx); refused ones must change nothing (the target's tokens, and no
# audit row of the route's action).
use strict;
use warnings;
use NexusTest;
use Test::More;
use Time::HiRes qw(sleep);
use Digest::SHA qw(sha256_hex sha256_base64);

# Who calls (the columns of the expectations below): no token, a token
# nobody issued, another agent's token, the target agent's own token, a
# signed-in SSO viewer (no token; a write sends the right CSRF token and
# Origin, so a 403 is the role's), a signed-in SSO admin (no token) three
# ways on a write: without the CSRF token, with a foreign Origin, and with
# both right (a read needs neither, so a read is called the last way
# only), and the admin token.
my @PRINCIPALS = qw(none unknown other self viewer sso_admin:no-csrf sso_admin:foreign-origin sso_admin admin);    # admin last: its PUT/DELETE change the target's tokens

# One expectation per principal, in @PRINCIPALS' order: 'allow', 401 or
# 403; '-' where a cell is never walked (the CSRF ways of a read-only rule).
sub expect {
    my @cells = @_;
    die "expect: " . scalar(@cells) . " cells for " . scalar(@PRINCIPALS) . " principals\n" unless @cells == @PRINCIPALS;
    my %e;
    @e{@PRINCIPALS} = @cells;
    return \%e;
}

# A fresh, valid registration body for every call.
sub registration { return { slug => unique_slug('ap-reg'), name => 'Policy', scope => 'studio' } }

# The rules of src/auth/Policy.h as nginx and Nexus apply them. nginx's gate
# covers every route but the public ones (snippets/nexus-locations.conf), so
# a signed-in user is known everywhere: a viewer passes Reader and SignedIn
# routes only (403 elsewhere); agent tokens do not pass SignedIn ones; an admin user passes Reader, Agent, Admin, AdminOrLocal
# and AgentSelf reads, never AgentToken routes nor AgentSelf writes, and
# every write of theirs needs the CSRF token and this site's Origin.
#                          none   unknown other  self   viewer |admin user: no CSRF, foreign Origin, both right| admin
my %PUBLIC     = %{ expect(qw(allow  allow   allow  allow  allow     allow   allow   allow     allow)) };    # a session cookie is no identity here, so no CSRF rule either
my %OPEN       = %{ expect(qw(allow  401     allow  allow  allow     -       -       allow     allow)) };    # anyone, but a token given is checked (reads only)
my %READER     = %{ expect(qw(401    401     allow  allow  allow     -       -       allow     allow)) };    # reads only
my %SIGNED_IN  = %{ expect(qw(401    401     403    403    allow     -       -       allow     allow)) };    # people and the admin: reads only
my %AGENT      = %{ expect(qw(401    401     allow  allow  403       403     403     allow     allow)) };
my %AGENT_TOKEN = %{ expect(qw(401   401     allow  allow  403       -       -       403       allow)) };    # secret values: reads only
my %ADMIN      = %{ expect(qw(401    401     403    403    403       403     403     allow     allow)) };
# Admin, or no token at all from a loopback address (the tests' nginx is on 127.0.0.1).
my %ADMIN_OR_LOCAL = %{ expect(qw(allow 401  403    403    403       -       -       allow     allow)) };    # reads only
# An agent's own data: AgentSelf routes, and the memory routes naming the
# target agent (another agent's token is 403 in the handler). An admin user
# reads it, never writes it.
my %OWN_READ   = %{ expect(qw(401    401     403    allow  403       -       -       allow     allow)) };
my %OWN_WRITE  = %{ expect(qw(401    401     403    allow  403       403     403     403       allow)) };

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

# The fifth column, where there is one: the audit action an allowed call
# writes (one row, outcome ok, with the caller's principal and the call's
# request id); a refused call writes none.
my @ROUTES = (
    # method    path                                body                                                     expected          audited
    [ GET    => '/healthz',                         undef,                                                   \%PUBLIC ],
    [ GET    => '/readyz',                          undef,                                                   \%PUBLIC ],
    [ GET    => '/',                                undef,                                                   \%READER ],
    [ GET    => '/api/auth/nexus-gate',             undef,                                                   \%PUBLIC ],
    [ GET    => '/api/auth/verify',                 undef,                                                   \%PUBLIC ],
    [ POST   => '/api/agents/register',             \&registration,                                          \%PUBLIC ],
    [ GET    => '/api/agents',                      undef,                                                   \%SIGNED_IN ],
    [ GET    => '/api/agents/{slug}/profile',       undef,                                                   \%OPEN ],
    [ GET    => '/api/agents/{slug}/tokens',        undef,                                                   \%ADMIN ],
    [ POST   => '/api/agents/{slug}/heartbeat',     { status => 'ok', version => '1', meta => { k => 1 } },  \%OWN_WRITE ],
    [ PUT    => '/api/agents/{slug}/token',         undef,                                                   \%ADMIN,          'token.create' ],
    [ DELETE => '/api/agents/{slug}/token/{hash}',  undef,                                                   \%ADMIN,          'token.revoke' ],
    [ GET    => '/api/vault/secrets',               undef,                                                   \%AGENT ],
    [ POST   => '/api/vault/secrets',               \&new_secret,                                            \%ADMIN,          'secret.create' ],
    [ GET    => '/api/vault/secrets/{secret}',      undef,                                                   \%AGENT_TOKEN,    'secret.read' ],
    [ PUT    => '/api/vault/secrets/{secret}',      { value => 'w' },                                        \%ADMIN,          'secret.update' ],
    [ DELETE => '/api/vault/secrets/{secret}',      undef,                                                   \%ADMIN,          'secret.delete' ],
    [ GET    => '/api/secrets',                     undef,                                                   \%READER ],
    [ POST   => '/api/secrets/{secret}/reveal',     undef,                                                   \%ADMIN,          'secret.reveal' ],
    [ GET    => '/api/knowledge?kind=server,project&query=policy', undef,                                    \%READER ],
    [ GET    => '/api/knowledge/server',            undef,                                                   \%READER ],
    [ GET    => '/api/knowledge/{knowledge}',       undef,                                                   \%READER ],
    [ PUT    => '/api/knowledge/{knowledge}',       { title => 'changed by the policy walk' },               \%ADMIN,          'knowledge.put' ],
    [ DELETE => '/api/knowledge/{knowledge}',       undef,                                                   \%ADMIN,          'knowledge.delete' ],
    [ GET    => '/api/profiles',                    undef,                                                   \%READER ],
    [ POST   => '/api/profiles',                    \&new_profile,                                           \%ADMIN,          'profile.create' ],
    [ GET    => '/api/profiles/{profile}',          undef,                                                   \%READER ],
    [ PUT    => '/api/profiles/{profile}',          { description => 'changed by the policy walk' },         \%ADMIN,          'profile.update' ],
    [ DELETE => '/api/profiles/{profile}',          undef,                                                   \%ADMIN,          'profile.delete' ],
    [ GET    => '/api/assignments',                 undef,                                                   \%ADMIN ],
    [ PUT    => '/api/assignments/{slug}',          { profile_name => $POLICY_PROFILE },                     \%ADMIN,          'assignment.set' ],
    [ DELETE => '/api/assignments/{assigned}',      undef,                                                   \%ADMIN,          'assignment.delete' ],
    [ GET    => '/api/registry/models',             undef,                                                   \%READER ],
    [ GET    => '/api/registry/models/{family}',    undef,                                                   \%READER ],
    [ POST   => '/api/registry/models',             \&new_model,                                             \%AGENT,          'model.upsert' ],
    [ DELETE => '/api/registry/models/{model}',     undef,                                                   \%AGENT,          'model.delete' ],
    [ POST   => '/api/memories/collect',            { agent => '{slug}', content => 'policy walk' },         \%OWN_WRITE ],
    [ GET    => '/api/memories/list',               undef,                                                   \%AGENT ],
    [ GET    => '/api/memories/list?agent={slug}',  undef,                                                   \%OWN_READ ],
    [ GET    => '/api/memories/download/{slug}/{day}', undef,                                                \%OWN_READ ],
    [ GET    => '/api/memories/search?query=policy', undef,                                                  \%AGENT ],
    [ GET    => '/api/memories/search?agent={slug}&query=policy', undef,                                     \%OWN_READ ],
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

# A spare token of the agent (a row of our own, never used to sign in): its hash.
sub spare_token_hash {
    my ($slug) = @_;
    my $hash = sha256_hex('spare ' . unique_slug('ap-token') . rand());
    dbh()->do('INSERT INTO agent_tokens (token_hash, agent_id, created_at) SELECT ?, id, UTC_TIMESTAMP(3) FROM agents WHERE slug = ?',
        undef, $hash, $slug) == 1 or die "no agent $slug\n";
    return $hash;
}

# The audit rows one response's request wrote, by its X-Request-Id.
sub audit_rows_of {
    my ($r) = @_;
    my $id = $r->{headers}{'x-request-id'} // die "no X-Request-Id\n";
    return dbh()->selectall_arrayref('SELECT principal, action, outcome FROM audit_log WHERE request_id = ? ORDER BY id',
        { Slice => {} }, $id);
}

# A signed-in SSO user of the walk: the session's cookie and its CSRF token
# (base64url of SHA-256("nexus-csrf:" . cookie value), as src/ui/SessionCookie.h).
my %USER = (viewer => 'ap-user', sso_admin => 'ap-admin');
my %ROLE = (viewer => 'viewer', sso_admin => 'admin');
sub csrf_of {
    my ($who) = @_;
    (my $value = session_cookie($USER{$who}, $ROLE{$who})) =~ s/^[^=]*=//;
    (my $csrf = sha256_base64("nexus-csrf:$value")) =~ tr{+/}{-_};
    return $csrf;
}

# How a principal's call is made: its token, or its session with the CSRF
# token and Origin of its way (on a write; a read sends neither).
my $other = new_agent(slug => unique_slug('ap-other'));
my %token_of = (
    none    => undef,
    unknown => 'nxa_' . join('', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_')[ rand 64 ] } 1 .. 43),
    other   => issue_token($other)->{token},
    admin   => admin_token(),
);
sub call_options {
    my ($who, $read) = @_;
    my ($user, $way) = split /:/, $who, 2;
    return (token => $token_of{$who}) unless $USER{$user};
    my @session = (user => $USER{$user}, role => $ROLE{$user});
    return @session if $read;
    my %headers = ('X-CSRF-Token' => csrf_of($user), Origin => base_url());
    delete $headers{'X-CSRF-Token'} if ($way // '') eq 'no-csrf';
    $headers{Origin} = 'http://evil.example' if ($way // '') eq 'foreign-origin';
    return (@session, headers => \%headers);
}

# The principal label an allowed call's audit row names.
sub label_of {
    my ($who, $target) = @_;
    return { other => "agent:$other", self => "agent:$target", sso_admin => "user:$USER{sso_admin}", admin => 'admin' }->{$who}
      // die "no label for $who\n";
}

# The path of one call: the row's template with its placeholders filled,
# each made afresh for the call, so an allowed DELETE leaves the next
# principal something to delete too.
sub path_of_call {
    my ($path, $target) = @_;
    $path =~ s/\{slug\}/$target/g;
    $path =~ s/\{hash\}/spare_token_hash($target)/ge;
    if ($path =~ /\{profile\}/) {
        my $name = uri_escape(make_profile());
        $path =~ s/\{profile\}/$name/g;
    }
    if ($path =~ /\{assigned\}/) {
        my $r = api(PUT => "/api/assignments/$target", token => admin_token(), json => { profile_name => $POLICY_PROFILE });
        die "assignment for $path: $r->{status}\n" unless $r->{status} == 201 || $r->{status} == 200;
        $path =~ s/\{assigned\}/$target/g;
    }
    if ($path =~ /\{secret\}/) {
        my $secret = api(POST => '/api/vault/secrets', token => admin_token(), json => new_secret());
        die "secret for $path: $secret->{status}\n" unless $secret->{status} == 201;
        $path =~ s/\{secret\}/$secret->{json}{id}/g;
    }
    if ($path =~ /\{knowledge\}/) {
        my $r = api(PUT => "/api/knowledge/server/$target", token => admin_token(), json => { title => 'policy walk' });
        die "knowledge for $path: $r->{status}\n" unless $r->{status} == 201 || $r->{status} == 200;
        $path =~ s/\{knowledge\}/server\/$target/g;
    }
    $path =~ s{\{model\}}{my $m = make_model(); "$m->{slug}/" . uri_escape($m->{model_id})}ge;
    return $path;
}

# --- the walk ---------------------------------------------------------------------

for my $row (@ROUTES) {
    my ($method, $template, $body, $expected, $audited) = @$row;
    my $read = $method eq 'GET';
    my $target = new_agent(slug => unique_slug('ap-target'));
    my $issued = issue_token($target);
    local $token_of{self} = $issued->{token};
    # What the row's calls only read is made once for the row.
    (my $row_path = $template) =~ s/\{family\}/make_model()->{slug}/ge;
    if ($row_path =~ /\{day\}/) {
        my $r = api(POST => '/api/memories/collect', token => admin_token(),
            json => { agent => $target, content => 'a policy memory', date => '2026-07-01' });
        die "memory for $template: $r->{status}\n" unless $r->{status} == 201;
        $row_path =~ s/\{day\}/2026-07-01/g;
    }

    subtest "$method $template" => sub {
        for my $who (@PRINCIPALS) {
            next if $read && $who =~ /:/;    # a read needs neither the CSRF token nor the Origin
            my $want = $expected->{$who} // die "no expectation for $who on $method $template\n";
            die "no expectation for $who on the write $method $template\n" if $want eq '-';
            my $json = ref $body eq 'CODE' ? $body->() : $body;
            $json = { map { my $v = $json->{$_}; $_ => (defined $v && !ref $v && $v =~ /\{slug\}/ ? $v =~ s/\{slug\}/$target/gr : $v) } keys %$json }
                if ref $json eq 'HASH';
            my $call = path_of_call($row_path, $target);
            my $before = stored_hashes($target);
            my $r = api_patient($method => $call, call_options($who, $read), (defined $json ? (json => $json) : ()));
            my $label = "$method $template as $who";
            if ($want eq 'allow') {
                ok $r->{status} >= 200 && $r->{status} < 300, "$label: allowed (got $r->{status})" or diag $r->{body};
            }
            else {
                is $r->{status}, $want, "$label: $want" or diag $r->{body};
                is $r->{json}{error}, $want == 401 ? 'unauthorized' : 'forbidden', "$label: error code";
                like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, "$label: WWW-Authenticate" if $want == 401;
                # Where the admin user may do this, the refusal is the CSRF rule's.
                if ($expected->{sso_admin} eq 'allow') {
                    like $r->{json}{message}, qr/CSRF/, "$label: refused for the CSRF token" if $who eq 'sso_admin:no-csrf';
                    like $r->{json}{message}, qr/this site/, "$label: refused for the Origin" if $who eq 'sso_admin:foreign-origin';
                }
                is_deeply stored_hashes($target), $before, "$label: the target's tokens are unchanged";
            }
            if ($audited) {
                my @rows = grep { $_->{action} eq $audited } @{ audit_rows_of($r) };
                if ($want eq 'allow') {
                    (my $caller = $who) =~ s/:.*//;
                    is_deeply \@rows, [ { principal => label_of($caller, $target), action => $audited, outcome => 'ok' } ],
                        "$label: audited as $audited";
                }
                else {
                    is scalar(@rows), 0, "$label: no $audited row";
                }
            }
        }
    };
}

done_testing();
