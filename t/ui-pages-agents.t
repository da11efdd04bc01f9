#!/usr/bin/env perl
# The web UI's overview (/), agents (/api/agents), assignments
# (/api/assignments) and status (/admin/status) pages: a signed-in browser
# gets HTML (admins with the forms, viewers without them, and a 403 page
# where viewers may not go), every API client the JSON it always got; the
# token a page issues is never stored by a cache, and a browser's token
# change needs the CSRF token and this site's Origin, and is audited under
# the user.
use strict;
use warnings;
use utf8;
use Digest::SHA qw(sha256_hex sha256_base64);
use NexusTest;
use Test::More;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $base = base_url();
my $tag = unique_slug('uipa');
my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
my $start = $dbh->selectrow_array('SELECT UTC_TIMESTAMP(3)');

# Two sessions made directly in the database (NexusTest::new_session): an
# admin and a viewer.
my $admin_user = "ui-admin-$tag";
my $viewer_user = "ui-viewer-$tag";
my $admin_session = new_session($admin_user, role => 'admin');
my $viewer_session = new_session($viewer_user, role => 'viewer');
my %cookie = (admin => "nexus_session=$admin_session", viewer => "nexus_session=$viewer_session");
sub csrf_of { (my $t = sha256_base64("nexus-csrf:$_[0]")) =~ tr{+/}{-_}; return $t }

sub page_as {
    my ($who, $path) = @_;
    my $r = api(GET => $path, headers => { Accept => $browser, Cookie => $cookie{$who} });
    utf8::decode($r->{body}) if defined $r->{body};    # pages are UTF-8 ("·", "—")
    return $r;
}

sub is_page {
    my ($r, $label, $status) = @_;
    $status //= 200;
    subtest "$label: an HTML page ($status)" => sub {
        is $r->{status}, $status, "status $status" or diag substr($r->{body} // '', 0, 400);
        like $r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8}, 'text/html';
        like $r->{body}, qr/^<!DOCTYPE html>/, 'a whole document';
        like $r->{headers}{'content-security-policy'} // '', qr/default-src 'none'.*script-src 'self'/, 'the strict CSP';
        unlike $r->{body}, qr/<script>|<style>|\sstyle="|\sonclick=/, 'no inline script or style';
    };
}

# --- fixtures: two agents (one beating, one never seen), a profile, an assignment

my $profile = "UI <Fast> & $tag";    # markup in a name comes out escaped
my $r = api(POST => '/api/profiles', token => $admin, json => { name => $profile, model => 'openai/gpt-4o-mini' });
is $r->{status}, 201, 'a profile' or diag $r->{body};
my $live = new_agent(slug => unique_slug('uipa-live'), name => "Live <b>Agent</b> & co");
my $quiet = new_agent(slug => unique_slug('uipa-quiet'));
my $issued = issue_token($live);
$r = api(POST => "/api/agents/$live/heartbeat", token => $issued->{token}, json => { status => 'ok', version => '9.8.7' });
is $r->{status}, 200, 'the live agent beats' or diag $r->{body};
$r = api(PUT => "/api/assignments/$live", token => $admin, json => { profile_name => $profile });
is $r->{status}, 201, 'the live agent runs the profile' or diag $r->{body};
my $esc_profile = 'UI &lt;Fast&gt; &amp; ' . $tag;

# --- the overview --------------------------------------------------------------

subtest 'the overview for an admin' => sub {
    my $r = page_as(admin => '/');
    is_page($r, 'admin at /');
    like $r->{body}, qr{<h1>Overview</h1>}, 'titled Overview';
    like $r->{body}, qr{<a href="/" aria-current="page">Overview</a>}, 'the navigation marks it';
    like $r->{body}, qr{id="$_"}, "has #$_" for qw(agent-cards card-online card-offline card-never service-cards card-workers
      card-requests card-database sections link-agents link-assignments link-status link-audit_log);
    like $r->{body}, qr{id="card-database"[^>]*>.*?<span class="ok">reachable</span>}s, 'the database is reachable';
    like $r->{body}, qr{id="card-workers"[^>]*><span class="figure">[1-9]\d* / [1-9]}, 'workers alive / configured';
    like $r->{headers}{vary} // '', qr/Accept/, 'Vary: Accept';
};

subtest 'the overview for a viewer: no admin sections' => sub {
    my $r = page_as(viewer => '/');
    is_page($r, 'viewer at /');
    like $r->{body}, qr{id="agent-cards"}, 'the agent cards';
    like $r->{body}, qr{id="link-agents"}, 'a link to the agents';
    unlike $r->{body}, qr{id="link-(?:assignments|status|audit_log|memories)"}, 'none to the admin sections';
    unlike $r->{body}, qr{href="/admin/status"}, 'the cards do not link to the status page either';
};

subtest 'the overview as JSON' => sub {
    my $r = api(GET => '/', token => $admin);
    is $r->{status}, 200, 'admin token: 200';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... JSON';
    my $o = $r->{json};
    is_deeply [ sort keys %$o ], [qw(agents database links pool service version)], 'its members';
    is $o->{service}, 'nexus', 'service';
    ok length $o->{version}, 'version';
    my $a = $o->{agents};
    is $a->{online} + $a->{offline} + $a->{never_seen}, $a->{total}, 'online + offline + never seen = total';
    cmp_ok $a->{online}, '>=', 1, 'an agent online';
    cmp_ok $a->{never_seen}, '>=', 1, 'an agent never seen';
    is $o->{database}{reachable}, JSON::PP::true(), 'the database is reachable';
    is $o->{database}{schema_version}, $o->{database}{expected_schema_version}, 'at the expected schema version';
    cmp_ok $o->{pool}{workers_alive}, '>=', 1, 'workers alive';
    is $o->{links}{agents}, '/api/agents', 'links';
    like $r->{headers}{vary} // '', qr/Accept/, 'Vary: Accept';

    $r = api(GET => '/', token => $issued->{token}, headers => { Accept => $browser });
    is $r->{status}, 200, 'an agent token reads it too';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... as JSON even with a browser Accept';
    $r = api(GET => '/', headers => { Cookie => $cookie{viewer}, Accept => 'application/json' });
    like $r->{headers}{'content-type'}, qr{^application/json}, 'a viewer who asks for JSON gets JSON';
};

subtest 'without a session: sign in first (also where sign-out lands)' => sub {
    my $r = api(GET => '/', headers => { Accept => $browser });
    is $r->{status}, 302, 'a browser is sent to sign in';
    is $r->{headers}{location}, '/api/auth/nexus-gate?return_to=%2F', '... to the gate, coming back to /';
    error_is api(GET => '/'), 401, 'unauthorized', 'an API client without a token: JSON 401';
    my $gone = new_session("ui-gone-$tag", expires_in => -1);
    $r = api(GET => '/', headers => { Accept => $browser, Cookie => "nexus_session=$gone" });
    is $r->{status}, 302, 'a browser whose session ended is sent to sign in too';
};

# --- the agents page -----------------------------------------------------------

subtest 'the agents page for an admin' => sub {
    my $r = page_as(admin => '/api/agents?limit=1000');
    is_page($r, 'admin at /api/agents');
    is $r->{headers}{'cache-control'}, 'no-store', 'never stored (it shows new tokens)';
    like $r->{headers}{pragma} // '', qr/no-cache/, 'Pragma: no-cache';
    like $r->{body}, qr{id="agents"}, 'the table';
    like $r->{body}, qr{id="register-agent"}, 'the register section';
    like $r->{body}, qr{<form class="api" id="register-form" data-method="POST" data-api="/api/agents/register">}, 'the register form';
    my ($row) = $r->{body} =~ m{(<tr id="agent-\Q$live\E">.*?</tr>)}s;
    ok $row, "a row for $live" or return;
    like $row, qr{<span class="badge ok">online</span>}, 'online';
    like $row, qr{Live &lt;b&gt;Agent&lt;/b&gt; &amp; co}, 'the name, escaped';
    unlike $r->{body}, qr{<b>Agent</b>}, '... never raw';
    like $row, qr{href="/api/profiles/[^"]+">\Q$esc_profile\E</a>}, 'its profile, escaped, linked';
    like $row, qr{ok · v9\.8\.7}, 'the heartbeat status and version';
    like $row, qr{<a href="#tokens-\Q$live\E"[^>]*>1</a>}, 'its token count, linked to its tokens';
    like $r->{body}, qr{id="tokens"}, 'the table of active tokens';
    my ($tokens) = $r->{body} =~ m{(<tr id="tokens-\Q$live\E">.*?</tr>)}s;
    like $tokens // '', qr{<code class="token-hash">$issued->{token_hash}</code>}, 'its active token\'s hash';
    like $tokens // '', qr{data-method="DELETE" data-api="/api/agents/\Q$live\E/token/$issued->{token_hash}" data-confirm=}, 'a revoke form for it, confirmed';
    like $row, qr{<form class="api inline" id="token-\Q$live\E" data-method="PUT" data-api="/api/agents/\Q$live\E/token" data-confirm="[^"]+" data-show="new-token-\Q$live\E">},
        'the rotate form (confirmed, its answer shown in place)';
    like $row, qr{<select name="grace" data-type="query"}, '... with the grace choice';
    like $r->{body}, qr{<tr class="new-token" id="new-token-\Q$live\E" hidden>.*?data-field="token".*?data-copy="token-value-\Q$live\E"}s,
        'a hidden box for the new token, with a copy button';
    unlike $r->{body}, qr{\Q$issued->{token}\E}, 'no token on the page';
    my ($quiet_row) = $r->{body} =~ m{(<tr id="agent-\Q$quiet\E">.*?</tr>)}s;
    like $quiet_row // '', qr{never seen}, "$quiet is never seen";
    like $quiet_row // '', qr{id="token-\Q$quiet\E" data-method="PUT"[^>]*>}, '... and can get a first token';
    unlike $quiet_row // '', qr{data-confirm}, '... without a confirmation (it replaces nothing)';
};

subtest 'the agents page for a viewer: the list, no forms, no hashes' => sub {
    my $r = page_as(viewer => '/api/agents?limit=1000');
    is_page($r, 'viewer at /api/agents');
    like $r->{body}, qr{<tr id="agent-\Q$live\E">}, 'the agents';
    unlike $r->{body}, qr{register-form|id="token-|id="tokens|data-method|new-token-}, 'no admin forms, no token list';
    unlike $r->{body}, qr{\Q$issued->{token_hash}\E}, 'no token hash';
};

subtest 'the agents page pages' => sub {
    my $r = page_as(admin => '/api/agents?limit=1');
    my ($next) = $r->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'a next-page link' or return;
    $next =~ s/&amp;/&/g;
    my $second = page_as(admin => $next);
    is $second->{status}, 200, 'the next page answers';
    like $second->{body}, qr{First page}, '... with a way back';
    is scalar(() = $second->{body} =~ /<tr id="agent-/g), 1, '... one agent on it';
};

subtest 'GET /api/agents: the JSON is as it was' => sub {
    # The spec's rule stays: the list is for people and the admin, not agents.
    error_is api(GET => '/api/agents', token => $issued->{token}), 403, 'forbidden', 'an agent token: 403';
    for my $case ([ 'admin token' => { token => $admin } ], [ 'admin token, browser Accept' => { token => $admin, headers => { Accept => $browser } } ],
        [ 'viewer asking for JSON' => { headers => { Cookie => $cookie{viewer}, Accept => 'application/json' } } ]) {
        my ($label, $opt) = @$case;
        my $r = api(GET => '/api/agents?limit=1000', %$opt);
        is $r->{status}, 200, "$label: 200";
        like $r->{headers}{'content-type'}, qr{^application/json}, "$label: JSON";
        my ($agent) = grep { $_->{slug} eq $live } @{ $r->{json} || [] };
        ok $agent, "$label: lists $live" or next;
        is_deeply [ sort keys %$agent ], [qw(active_tokens created_at heartbeat last_heartbeat_at name scope slug status)],
            "$label: the same members (no tokens, no profile)";
        is $agent->{status}, 'online', "$label: online";
        is $agent->{active_tokens}, 1, "$label: one token";
    }
};

# --- the assignments page ------------------------------------------------------

subtest 'the assignments page for an admin' => sub {
    my $r = page_as(admin => '/api/assignments?limit=1000');
    is_page($r, 'admin at /api/assignments');
    like $r->{body}, qr{<form class="api" id="assign-form" data-method="PUT" data-api="/api/assignments/\{slug\}">}, 'the assign form';
    like $r->{body}, qr{<select name="slug" data-type="path" required>.*<option>\Q$quiet\E</option>}s, 'a select of agents, into the path';
    like $r->{body}, qr{<select name="profile_name" data-type="string" required>.*<option>\Q$esc_profile\E</option>}s, 'a select of profiles, escaped';
    like $r->{body}, qr{id="assignments"}, 'the table';
    my ($row) = $r->{body} =~ m{(<tr id="assignment-\Q$live\E">.*?</tr>)}s;
    ok $row, "a row for $live" or return;
    like $row, qr{\Q$esc_profile\E}, 'its profile';
    like $row, qr{data-method="DELETE" data-api="/api/assignments/\Q$live\E" data-confirm="Unassign \Q$live\E from }, 'unassign, confirmed';
    unlike $r->{body}, qr{<Fast>}, 'the profile name is never raw';

    $r = page_as(admin => '/api/assignments?profile=' . uri_escape($profile));
    like $r->{body}, qr{value="\Q$esc_profile\E"}, 'the filter keeps the profile';
    is scalar(() = $r->{body} =~ /<tr id="assignment-/g), 1, '... and shows its one agent';
};

subtest 'the admin pages are closed to a viewer, with a page that says so' => sub {
    for my $path ('/api/assignments', '/admin/status') {
        my $r = page_as(viewer => $path);
        is_page($r, "viewer at $path", 403);
        like $r->{body}, qr{id="nexus-error"}, 'the error';
        like $r->{body}, qr{signed in as a viewer}, '... and why';
        unlike $r->{body}, qr{id="assign-form"|id="status-cards"}, 'nothing of the page';
    }
};

subtest 'GET /api/assignments: the JSON is as it was' => sub {
    my $r = api(GET => '/api/assignments?limit=1000', token => $admin, headers => { Accept => $browser });
    is $r->{status}, 200, 'admin token: 200';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... JSON even with a browser Accept';
    my ($a) = grep { $_->{agent} eq $live } @{ $r->{json} || [] };
    is_deeply [ sort keys %{ $a || {} } ], [qw(agent assigned_at profile_name)], 'the same members';
    is $a->{profile_name}, $profile, 'the profile';
    is api(GET => '/api/assignments', token => $issued->{token})->{status}, 403, 'an agent token: still 403';
};

# --- the status page -----------------------------------------------------------

subtest 'the status page for an admin' => sub {
    my $r = page_as(admin => '/admin/status');
    is_page($r, 'admin at /admin/status');
    like $r->{body}, qr{id="$_"}, "has #$_" for qw(status-cards card-version card-uptime card-workers card-database status-pool
      workers status-database status-counts status-vault status-audit);
    my $json = api(GET => '/admin/status', token => $admin)->{json};
    like $r->{body}, qr{<dt>schema version</dt><dd>$json->{database}{schema_version}</dd>}, 'the schema version';
    like $r->{body}, qr{<dt>workers configured</dt><dd>$json->{pool}{workers}</dd>}, 'the configured workers';
    like $r->{body}, qr{<dt>active key id</dt><dd><code>\Q$json->{vault}{active_key_id}\E</code></dd>}, 'the active key id';
    like $r->{body}, qr{<dt>profiles</dt><dd>\d+</dd>}, 'the counts';
    like $r->{body}, qr{href="/admin/audit-log"}, 'a link to the audit log';
};

subtest 'the status page and the overview name agents\' liveness alike' => sub {
    my $overview = api(GET => '/', token => $admin)->{json}{agents};
    my $counts = api(GET => '/admin/status', token => $admin)->{json}{counts};
    is $counts->{agents_online}, $overview->{online}, 'online: the same number';
    is $counts->{agents_offline}, $overview->{offline}, 'offline (went quiet): the same number';
    is $counts->{agents_never_seen}, $overview->{never_seen}, 'never seen: the same number';
    cmp_ok $counts->{agents_never_seen}, '>=', 1, "... which counts $quiet";
    my $status = page_as(admin => '/admin/status')->{body};
    my $front = page_as(admin => '/')->{body};
    for my $word ('online', 'offline', 'never seen') {
        like $status, qr{<dt>agents \Q$word\E</dt><dd>\d+</dd>}, "the status page says \"$word\"";
        like $front, qr{<span class="label">\Q$word\E }, "... as the overview does";
    }
};

subtest 'GET /admin/status: the JSON is as it was' => sub {
    my $r = api(GET => '/admin/status', token => $admin, headers => { Accept => $browser });
    is $r->{status}, 200, 'admin token: 200';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... JSON even with a browser Accept';
    is_deeply [ sort keys %{ $r->{json} || {} } ], [qw(audit counts database pool started_at uptime_s vault version)], 'the same members';
    is api(GET => '/admin/status', token => $issued->{token})->{status}, 403, 'an agent token: still 403';
};

# --- a browser's token change: CSRF, Origin, audit --------------------------------

sub audit_rows {
    my ($action, $principal, $target) = @_;
    return $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE action = ? AND principal = ? AND target = ? AND at >= ?',
        undef, $action, $principal, $target, $start);
}

subtest 'issuing a token from the page: CSRF token and Origin, audited under the user' => sub {
    my $csrf = csrf_of($admin_session);
    my $path = "/api/agents/$quiet/token";
    error_is api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => $base }), 403, 'forbidden', 'no CSRF token', qr/CSRF/;
    error_is api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => $base, 'X-CSRF-Token' => csrf_of($viewer_session) }),
        403, 'forbidden', 'another session\'s CSRF token', qr/CSRF/;
    error_is api(PUT => $path, headers => { Cookie => $cookie{admin}, 'X-CSRF-Token' => $csrf }), 403, 'forbidden', 'no Origin', qr/this site/;
    error_is api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => 'http://evil.example', 'X-CSRF-Token' => $csrf }),
        403, 'forbidden', 'a foreign Origin', qr/this site/;
    error_is api(PUT => $path, headers => { Cookie => $cookie{viewer}, Origin => $base, 'X-CSRF-Token' => csrf_of($viewer_session) }),
        403, 'forbidden', 'a viewer, with both';
    is $dbh->selectrow_array('SELECT COUNT(*) FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ?', undef, $quiet), 0,
        'no token was issued by any of those';

    my $r = api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => $base, 'X-CSRF-Token' => $csrf, Accept => 'application/json' });
    is $r->{status}, 201, 'with both: 201' or diag $r->{body};
    is $r->{headers}{'cache-control'}, 'no-store', '... not stored';
    like $r->{json}{token} // '', qr/^nxa_[A-Za-z0-9_-]{43}$/, '... the token';
    is $r->{json}{token_hash}, sha256_hex($r->{json}{token} // ''), '... and its hash';
    is audit_rows('token.create', "user:$admin_user", "agent:$quiet"), 1, 'audited as token.create by user:<id>';
    my $token = $r->{json}{token} // 'none';
    my $beat = api(POST => "/api/agents/$quiet/heartbeat", token => $token, json => {});
    is $beat->{status}, 200, 'the new token works';

    my $page = page_as(admin => '/api/agents?limit=1000');
    like $page->{body}, qr{<code class="token-hash">$r->{json}{token_hash}</code>}, 'the page now lists its hash';

    my $revoke = "/api/agents/$quiet/token/$r->{json}{token_hash}";
    error_is api(DELETE => $revoke, headers => { Cookie => $cookie{admin}, Origin => $base }), 403, 'forbidden', 'revoke without a CSRF token', qr/CSRF/;
    $r = api(DELETE => $revoke, headers => { Cookie => $cookie{admin}, Origin => $base, 'X-CSRF-Token' => $csrf });
    is $r->{status}, 204, 'revoke with both: 204' or diag $r->{body};
    is audit_rows('token.revoke', "user:$admin_user", "agent:$quiet"), 1, 'audited as token.revoke by user:<id>';
    is api(POST => "/api/agents/$quiet/heartbeat", token => $token, json => {})->{status}, 401, 'the token is dead';
};

subtest 'assigning from the page: CSRF token and Origin' => sub {
    my $csrf = csrf_of($admin_session);
    my $path = "/api/assignments/$quiet";
    error_is api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => $base }, json => { profile_name => $profile }),
        403, 'forbidden', 'no CSRF token';
    my $r = api(PUT => $path, headers => { Cookie => $cookie{admin}, Origin => $base, 'X-CSRF-Token' => $csrf }, json => { profile_name => $profile });
    is $r->{status}, 201, 'with both: assigned' or diag $r->{body};
    is audit_rows('assignment.set', "user:$admin_user", "agent:$quiet"), 1, 'audited under the user';
    $r = api(DELETE => $path, headers => { Cookie => $cookie{admin}, Origin => $base, 'X-CSRF-Token' => $csrf });
    is $r->{status}, 204, 'unassigned' or diag $r->{body};
};

done_testing();
