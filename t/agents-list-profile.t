#!/usr/bin/env perl
# GET /api/agents (admin) and GET /api/agents/:slug/profile (anyone: the
# public part; the agent itself and admins: everything): who may read them,
# what they show, and that no token material ever appears.
use strict;
use warnings;
use utf8;
use NexusTest;
use Test::More;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

# --- shared helpers (candidates for NexusTest.pm) ---------------------------

# --- this file's helpers -----------------------------------------------------

# Every key anywhere in a decoded JSON structure.
sub all_keys {
    my ($v) = @_;
    return map { ($_, all_keys($v->{$_})) } keys %$v if ref $v eq 'HASH';
    return map { all_keys($_) } @$v if ref $v eq 'ARRAY';
    return;
}

# Asserts that a response body carries no token material at all.
sub no_token_material {
    my ($r, $label, @secrets) = @_;
    my @bad = grep { /^(?:token|token_hash|tokens|hash)$/ } all_keys($r->{json});
    is_deeply \@bad, [], "$label: no token or token_hash field anywhere";
    is_deeply [ grep { index($r->{body}, $_) >= 0 } @secrets ], [], "$label: no token or hash value in the body";
}

my $admin = admin_token();
my %made = (
    plain   => { slug => unique_slug('lp-plain'), name => 'Plain Agent', scope => 'studio' },
    unicode => { slug => unique_slug('lp-uni'), name => 'Ünïcødé 🤖 エージェント', scope => 'Docs.team_1' },
    tokened => { slug => unique_slug('lp-tok'), name => 'Has Tokens', scope => 'ops' },
);
new_agent(%$_) for values %made;
my $first = issue_token($made{tokened}{slug});
my $second = issue_token($made{tokened}{slug}, grace => 600);
my @secrets = map { ($_->{token}, substr($_->{token}, 4), $_->{token_hash}) } $first, $second;
my $agent_token = $second->{token};
my $other_token = issue_token(new_agent(slug => unique_slug('lp-other')))->{token};

# --- GET /api/agents -------------------------------------------------------------

{
    my $r = api(GET => '/api/agents');
    error_is($r, 401, 'unauthorized', 'list without a token: 401');
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer( |$)/, '... with WWW-Authenticate: Bearer';
    error_is(api(GET => '/api/agents', token => 'nxa_' . ('L' x 43)), 401, 'unauthorized', 'list with an unknown token: 401');
    error_is(api(GET => '/api/agents', token => $agent_token), 403, 'forbidden', 'list with an agent token: 403');

    $r = api(GET => '/api/agents', token => $admin);
    is $r->{status}, 200, 'list with the admin token: 200';
    is ref $r->{json}, 'ARRAY', '... a JSON array';
    like $r->{headers}{'content-type'} // '', qr{^application/json}, '... served as JSON';

    for my $which (sort keys %made) {
        my $want = $made{$which};
        my $a = listed_agent($want->{slug});
        ok $a, "the $which agent is listed" or next;
        is_deeply [ sort keys %$a ], [qw(active_tokens created_at heartbeat last_heartbeat_at name scope slug status)],
            "$which: exactly the documented fields";
        is_deeply { map { $_ => $a->{$_} } qw(slug name scope) }, $want, "$which: slug, name and scope as registered";
        like $a->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "$which: created_at";
        is $a->{status}, 'offline', "$which: offline (no heartbeat yet)";
        ok !defined $a->{last_heartbeat_at} && !defined $a->{heartbeat}, "$which: last_heartbeat_at and heartbeat are null";
        is $a->{active_tokens}, $which eq 'tokened' ? 2 : 0, "$which: active_tokens";
    }

    my $path = '/api/agents?limit=1000';
    while ($path) {
        my $page = api(GET => $path, token => $admin);
        no_token_material($page, "list page $path", @secrets);
        ($path) = ($page->{headers}{link} // '') =~ /^<([^>]+)>;\s*rel="next"$/;
    }
}

# --- GET /api/agents/:slug/profile -------------------------------------------------

{
    for my $which (sort keys %made) {
        my $want = $made{$which};
        my $r = api(GET => "/api/agents/$want->{slug}/profile");
        is $r->{status}, 200, "profile of the $which agent without a token: 200";
        is_deeply $r->{json}, { agent => { slug => $want->{slug}, name => $want->{name} }, profile => undef, models => [] },
            "$which: exactly the public part {agent:{slug,name}, profile:null, models:[]} (no assignment, no default)";
        no_token_material($r, "$which profile", @secrets);
        $r = api(GET => "/api/agents/$want->{slug}/profile", token => $admin);
        is_deeply $r->{json}, { agent => $want, source => undef, profile => undef, models => [] },
            "$which, admin: exactly {agent:{slug,name,scope}, source:null, profile:null, models:[]}";
    }

    # With a profile: who sees the whole configuration, who the public part.
    my $slug = $made{tokened}{slug};
    my $name = 'lp ' . unique_slug('profile') . ' & co';
    my $made_profile = api(POST => '/api/profiles', token => $admin, json => { name => $name, model => 'openai/gpt-4o',
        fallbacks => [ { model => 'ollama/llama3.1:8b', on => ['timeout'] } ], gateway => 'https://gateway.example/v1',
        parameters => { temperature => 0.3 }, description => 'not for everyone' });
    is $made_profile->{status}, 201, 'a profile with a gateway and parameters' or diag $made_profile->{body};
    is api(PUT => "/api/assignments/$slug", token => $admin, json => { profile_name => $name })->{status}, 201, '... assigned';
    my $public = { agent => { slug => $slug, name => $made{tokened}{name} }, profile => { name => $name },
        models => [ { role => 'primary', model => 'openai/gpt-4o' }, { role => 'fallback', model => 'ollama/llama3.1:8b' } ] };
    my %callers = (
        'no token'              => [],
        "another agent's token" => [ token => $other_token ],
        'a signed-in viewer'    => [ user => 'lp-viewer', role => 'viewer' ],
    );
    for my $who (sort keys %callers) {
        my $r = api(GET => "/api/agents/$slug/profile", @{ $callers{$who} });
        is $r->{status}, 200, "$who: 200";
        is_deeply $r->{json}, $public, "$who: only the public part (slug, name, profile name, models in routing order)";
        unlike $r->{body}, qr/gateway|temperature|not for everyone|registry|source/, "$who: no gateway, parameters or registry";
        like $r->{headers}{vary} // '', qr/Authorization/, "$who: Vary names Authorization";
    }
    my %full = (
        "the agent's own token" => [ token => $agent_token ],
        'the admin token'       => [ token => $admin ],
        'a signed-in admin'     => [ user => 'lp-admin', role => 'admin' ],
    );
    for my $who (sort keys %full) {
        my $r = api(GET => "/api/agents/$slug/profile", @{ $full{$who} });
        is $r->{status}, 200, "$who: 200";
        is $r->{json}{source}, 'assignment', "$who: the whole configuration";
        is $r->{json}{profile}{gateway}, 'https://gateway.example/v1', "$who: ... with the gateway";
        is $r->{json}{profile}{parameters}{temperature}, 0.3, "$who: ... and the parameters";
        ok exists $r->{json}{models}[0]{registry}, "$who: ... and the registry facts";
        no_token_material($r, "$who profile", @secrets, $admin);
    }
    error_is(api(GET => "/api/agents/$slug/profile", token => 'nxa_' . ('P' x 43)), 401, 'unauthorized',
        'an unknown token is refused, not taken for anonymous: 401');

    error_is(api(GET => '/api/agents/' . unique_slug('lp-nobody') . '/profile'), 404, 'not_found', 'profile of an unknown agent: 404');
    error_is(api(GET => '/api/agents/NOT-A-SLUG/profile'), 404, 'not_found', 'a value that is no slug names no agent: 404');
    error_is(api(GET => '/api/agents/' . uc($made{plain}{slug}) . '/profile'), 404, 'not_found', 'slugs are case-sensitive: 404');
}

done_testing();
