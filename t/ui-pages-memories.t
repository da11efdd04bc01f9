#!/usr/bin/env perl
# The web UI's memories pages (the list, a day, the search) and the audit
# log page: a signed-in admin's browser gets them as HTML with the strict
# CSP, a viewer gets the 403 page, memory content is escaped and never
# cached, a bearer client gets exactly the JSON or markdown it always got,
# and the audit page shows the rows a request wrote and whether the hash
# chain verifies.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;
use Digest::SHA qw(sha256_base64);

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
my $base = base_url();
my @undo;    # what puts the shared database back, should a test die half-way
END { $_->() for @undo }

# Who looks: an admin and a viewer signed in through the SSO gate.
my %as_admin = (user => 'ui-mem-admin', role => 'admin', headers => { Accept => $browser });
my %as_viewer = (user => 'ui-mem-viewer', role => 'viewer', headers => { Accept => $browser });

# The admin user's write headers: the session's CSRF token and this site's Origin.
sub admin_write_headers {
    (my $value = session_cookie('ui-mem-admin', 'admin')) =~ s/^[^=]*=//;
    (my $csrf = sha256_base64("nexus-csrf:$value")) =~ tr{+/}{-_};
    return { 'X-CSRF-Token' => $csrf, Origin => $base, Accept => 'application/json' };
}

# Every page of the UI: status 200, a whole HTML document with the policy.
sub is_page {
    my ($r, $label) = @_;
    subtest $label => sub {
        is $r->{status}, 200, 'status 200' or diag $r->{body};
        like $r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8}, 'text/html';
        like $r->{body}, qr/^<!DOCTYPE html>/, 'a whole document';
        like $r->{headers}{'content-security-policy'} // '', qr/default-src 'none'; script-src 'self'/, 'the strict CSP';
        is $r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff';
        is $r->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store';
    };
}

# A page with memory content: never stored, by any cache on the way either.
sub is_private_page {
    my ($r, $label) = @_;
    is_page($r, $label);
    is $r->{headers}{pragma}, 'no-cache', "$label: Pragma: no-cache too";
}

# The 403 page a viewer gets.
sub is_viewer_refusal {
    my ($r, $label) = @_;
    subtest $label => sub {
        is $r->{status}, 403, 'status 403';
        like $r->{headers}{'content-type'} // '', qr{^text/html}, 'an HTML page';
        like $r->{body}, qr/signed in as a viewer/, '... that says why';
        unlike $r->{body}, qr/ui-mem-secret-thought|xssprobe/, '... and shows nothing of the memories';
    };
}

# --- fixtures: an agent's memories, collected with its own token ---------------------

my $agent = new_agent(slug => unique_slug('ui-mem'));
my $agent_token = issue_token($agent)->{token};
my $day = '2026-08-01';
my $markup = '<script>alert(1)</script>';
my @contents = (
    "xssprobe before $markup & after \"quoted\" 'single'",
    "## ui-mem-secret-thought\n\n    indented code\nline two <b>bold?</b>\n",
);
my @entries;
for my $content (@contents) {
    my $r = api(POST => '/api/memories/collect', token => $agent_token, json => { agent => $agent, content => $content, date => $day });
    is $r->{status}, 201, 'collect with the agent token' or diag $r->{body};
    push @entries, $r->{json};
}
api(POST => '/api/memories/collect', token => $agent_token, json => { agent => $agent, content => "another day $_", date => "2026-07-0$_" })
    for 1 .. 3;
my $day_path = "/api/memories/download/$agent/$day";

# --- the list ------------------------------------------------------------------------

subtest 'the list: files per agent and day, with links to each day' => sub {
    my $r = api(GET => "/api/memories/list?agent=$agent", %as_admin);
    is_page($r, 'an admin browser gets the page');
    like $r->{body}, qr{<a href="/api/memories/list" aria-current="page">Memories</a>}, 'Memories is the current section';
    like $r->{body}, qr{<a href="\Q$day_path\E">\Q$day\E</a>}, 'the day links to its page';
    like $r->{body}, qr{<a href="\Q$day_path\E\?format=markdown">Markdown</a>}, '... and to its markdown';
    like $r->{body}, qr{<td class="num">2</td>}, 'the entry count';
    like $r->{body}, qr{name="agent"[^>]*value="\Q$agent\E"}, 'the filter keeps the agent';
    unlike $r->{body}, qr/xssprobe|ui-mem-secret-thought/, 'never a content';

    $r = api(GET => "/api/memories/list?agent=$agent&from=2026-07-02&to=2026-07-03", %as_admin);
    is_page($r, 'from and to');
    my @days = $r->{body} =~ m{<a href="/api/memories/download/\Q$agent\E/[\d-]+">([\d-]+)</a>}g;
    is_deeply \@days, [ '2026-07-03', '2026-07-02' ], '... narrow the days, newest first';
    like $r->{body}, qr{name="from" value="2026-07-02"}, '... and are kept in the form';

    $r = api(GET => "/api/memories/list?agent=$agent&limit=2", %as_admin);
    my ($next) = $r->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'limit=2: a next-page link' or return;
    $next =~ s/&amp;/&/g;
    my $second = api(GET => $next, %as_admin);
    is_page($second, 'the next page');
    like $second->{body}, qr{/api/memories/download/\Q$agent\E/2026-07-02"}, '... goes on with older days';
    like $second->{body}, qr{>First page</a>}, '... and leads back';

    my $bad = api(GET => '/api/memories/list?from=yesterday', %as_admin);
    is $bad->{status}, 400, 'a bad date: 400';
    like $bad->{body}, qr/query parameter &#39;from&#39; must be a real calendar date/, '... on a page that says why';
};

# --- a day ---------------------------------------------------------------------------

subtest "a day's page: every entry, escaped" => sub {
    my $r = api(GET => $day_path, %as_admin);
    is_private_page($r, 'an admin browser gets the page');
    like $r->{body}, qr{<h1>\Q$agent\E \xE2\x80\x94 \Q$day\E</h1>}, 'the agent and the day';
    like $r->{body}, qr{xssprobe before &lt;script&gt;alert\(1\)&lt;/script&gt; &amp; after &quot;quoted&quot; &#39;single&#39;},
        'the content, escaped';
    unlike $r->{body}, qr{<script>alert}, 'never the raw markup';
    unlike $r->{body}, qr{<b>bold}, '... of any entry';
    like $r->{body}, qr{<pre>\#\# ui-mem-secret-thought\n\n    indented code\nline two &lt;b&gt;bold\?&lt;/b&gt;\n</pre>},
        'white space and line breaks kept in <pre>';
    my @ids = $r->{body} =~ /<section class="panel entry" id="entry-(\d+)">/g;
    is_deeply \@ids, [ map { $_->{id} } @entries ], 'the entries in the order collected';
    like $r->{body}, qr{<time datetime="\Q$entries[0]{created_at}\E"}, 'each with its time';
    like $r->{body}, qr{<a id="download-markdown" href="\Q$day_path\E\?format=markdown">}, 'a markdown download link';
    like $r->{body}, qr{<a id="download-json" href="\Q$day_path\E\?format=json">}, 'a JSON link';
};

subtest "the day's links, followed by the browser (Accept: text/html), give the files" => sub {
    my $md = api(GET => "$day_path?format=markdown", %as_admin);
    is $md->{status}, 200, 'format=markdown: 200';
    like $md->{headers}{'content-type'}, qr{^text/markdown; charset=utf-8}, '... markdown, not the page';
    is $md->{headers}{'content-disposition'}, qq{attachment; filename="$agent-$day.md"}, '... as an attachment';
    like $md->{body}, qr/\Q$markup\E/, '... with the content as collected';
    my $json = api(GET => "$day_path?format=json", %as_admin);
    like $json->{headers}{'content-type'}, qr{^application/json}, 'format=json: JSON';
    is_deeply [ map { $_->{content} } @{ $json->{json}{entries} } ], \@contents, '... with every content';
    my $bad = api(GET => "$day_path?format=html", %as_admin);
    is $bad->{status}, 400, 'format=html is no format: 400';
    my $none = api(GET => "/api/memories/download/$agent/2026-08-02", %as_admin);
    is $none->{status}, 404, 'a day without entries: 404';
    like $none->{headers}{'content-type'}, qr{^text/html}, '... as a page';
};

# --- search --------------------------------------------------------------------------

subtest 'search: the form, and hits with marked, escaped snippets' => sub {
    my $r = api(GET => '/api/memories/search', %as_admin);
    is_private_page($r, 'without a query: the form');
    like $r->{body}, qr{<input type="search" name="query"[^>]* required>}, 'a search box';
    like $r->{body}, qr{id="no-query"}, '... and no hits yet';

    $r = api(GET => "/api/memories/search?query=xssprobe&agent=$agent", %as_admin);
    is_private_page($r, 'a search');
    like $r->{body}, qr{<mark>xssprobe</mark> before &lt;script&gt;alert\(1\)&lt;/script&gt; &amp; after}, 'the snippet, escaped, the word marked';
    unlike $r->{body}, qr{<script>alert}, 'never the raw markup';
    like $r->{body}, qr{<a href="\Q$day_path\E#entry-$entries[0]{id}">\Q$day\E</a>}, 'the hit links to its entry';
    like $r->{body}, qr{name="query"[^>]*value="xssprobe"}, 'the form keeps the query';

    $r = api(GET => '/api/memories/search?agent=' . $agent . '&query=' . uri_escape($markup), %as_admin);
    is_private_page($r, 'a query of markup');
    unlike $r->{body}, qr{<script>alert}, '... is never echoed raw';
    like $r->{body}, qr{value="&lt;script&gt;alert\(1\)&lt;/script&gt;"}, '... but escaped in the form';
    like $r->{body}, qr{&lt;<mark>script</mark>&gt;<mark>alert</mark>\(<mark>1</mark>\)}, '... and its words are marked in the escaped snippet';

    $r = api(GET => "/api/memories/search?query=nosuchwordanywhere&agent=$agent", %as_admin);
    like $r->{body}, qr{id="no-hits"}, 'no hits: said so';
    my $bad = api(GET => '/api/memories/search?query=' . uri_escape('!!!'), %as_admin);
    is $bad->{status}, 400, 'a query without a word: 400';
    like $bad->{body}, qr/query parameter &#39;query&#39; has no word/, '... on a page that says why';

    $r = api(GET => "/api/memories/search?query=another&agent=$agent&limit=2", %as_admin);
    my ($next) = $r->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'limit=2: a next page of hits' or return;
    $next =~ s/&amp;/&/g;
    my $second = api(GET => $next, %as_admin);
    is_private_page($second, 'the next page of hits');
    is scalar(() = $second->{body} =~ /<mark>another<\/mark>/g), 1, '... holds the third hit';
};

# --- who may see them ----------------------------------------------------------------

subtest 'a viewer gets the 403 page everywhere here' => sub {
    is_viewer_refusal(api(GET => '/api/memories/list', %as_viewer), 'the list');
    is_viewer_refusal(api(GET => $day_path, %as_viewer), 'a day');
    is_viewer_refusal(api(GET => "$day_path?format=markdown", %as_viewer), 'a day as markdown');
    is_viewer_refusal(api(GET => '/api/memories/search?query=xssprobe', %as_viewer), 'the search');
    is_viewer_refusal(api(GET => '/admin/audit-log', %as_viewer), 'the audit log');
    my $nav = api(GET => '/api/secrets', %as_viewer);
    unlike $nav->{body}, qr{href="/api/memories/list"|href="/admin/audit-log"}, 'and the navigation does not offer them';
};

subtest 'bearer clients get exactly what they got before' => sub {
    my $expected_md = "# $agent — $day\n";
    for my $e (0 .. $#entries) {
        # An entry collected on another day than its file's shows its date too.
        my ($date, $time) = $entries[$e]{created_at} =~ /^([\d-]+)T(\d\d:\d\d:\d\d)/;
        $expected_md .= "\n## " . ($date ne $day ? "$date " : '') . "$time UTC\n\n$contents[$e]" . ($contents[$e] =~ /\n\z/ ? '' : "\n");
    }
    utf8::encode($expected_md);
    for my $who ([ agent => $agent_token ], [ admin => $admin ]) {
        my ($name, $token) = @$who;
        for my $accept ($browser, undef) {
            my $how = "$name token" . ($accept ? ', browser Accept' : '');
            my %h = (token => $token, ($accept ? (headers => { Accept => $accept }) : ()));
            my $md = api(GET => $day_path, %h);
            is $md->{status}, 200, "$how: download 200";
            like $md->{headers}{'content-type'}, qr{^text/markdown; charset=utf-8$}, "$how: markdown";
            is $md->{body}, $expected_md, "$how: the same document, byte for byte";
            is $md->{headers}{'content-disposition'}, qq{attachment; filename="$agent-$day.md"}, "$how: an attachment";
            my $json = api(GET => "$day_path?format=json", %h);
            is_deeply $json->{json}, { agent => $agent, date => $day,
                entries => [ map { { id => $entries[$_]{id}, created_at => $entries[$_]{created_at}, bytes => $entries[$_]{bytes},
                    content => $contents[$_] } } 0 .. $#entries ] }, "$how: the day as JSON";
            my $list = api(GET => "/api/memories/list?agent=$agent", %h);
            like $list->{headers}{'content-type'}, qr{^application/json}, "$how: the list as JSON";
            is_deeply [ map { [ sort keys %$_ ] } @{ $list->{json} } ], [ ([qw(agent bytes date entries updated_at)]) x 4 ],
                "$how: ... the same fields";
            is $list->{headers}{vary}, 'Accept, Authorization', "$how: ... and Vary";
            my $search = api(GET => "/api/memories/search?agent=$agent&query=xssprobe", %h);
            like $search->{headers}{'content-type'}, qr{^application/json}, "$how: search as JSON";
            is_deeply $search->{json}, [ { id => $entries[0]{id}, agent => $agent, date => $day, created_at => $entries[0]{created_at},
                bytes => $entries[0]{bytes}, snippet => $contents[0] } ], "$how: ... the hit with its plain snippet";
            error_is api(GET => "/api/memories/search?agent=$agent", %h), 400, 'bad_request', "$how: search without query: 400",
                qr/'query' is required/;
        }
    }
    my $user_json = api(GET => "/api/memories/list?agent=$agent", user => 'ui-mem-admin', role => 'admin');
    like $user_json->{headers}{'content-type'}, qr{^application/json}, 'an admin user without a browser Accept: JSON';
};

# --- the audit log -------------------------------------------------------------------

my $profile = 'UI audit ' . unique_slug('p');
is api(POST => '/api/profiles', token => $admin, json => { name => $profile, model => 'openai/gpt-4o' })->{status}, 201, 'a profile';
my $secret = api(POST => '/api/vault/secrets', token => $admin,
    json => { scope => 'ui-audit', name => unique_slug('s'), value => 'v', allowed_profiles => [$profile] })->{json}{id};
ok $secret, 'a secret for that profile only';

# What the page must show: the admin user's reveal (ok) and the agent's refused read (denied).
my $reveal = api(POST => "/api/secrets/$secret/reveal", user => 'ui-mem-admin', role => 'admin', headers => admin_write_headers());
is $reveal->{status}, 200, 'the admin user reveals the secret' or diag $reveal->{body};
my $denied = api(GET => "/api/vault/secrets/$secret", token => $agent_token);
is $denied->{status}, 404, "the agent may not read it (a 404, as for an unknown id)";
sub row_of {
    my ($r) = @_;
    return $dbh->selectrow_hashref('SELECT * FROM audit_log WHERE request_id = ?', undef, $r->{headers}{'x-request-id'});
}
my ($reveal_row, $denied_row) = (row_of($reveal), row_of($denied));
ok $reveal_row && $denied_row, 'both are audited' or BAIL_OUT('no audit rows');

subtest 'the audit page: filters, the rows, outcome badges' => sub {
    my $r = api(GET => '/admin/audit-log?target=' . uri_escape("secret:$secret"), %as_admin);
    is_page($r, 'an admin browser gets the page');
    like $r->{body}, qr{<a href="/admin/audit-log" aria-current="page">Audit log</a>}, 'the current section';
    my ($tr) = $r->{body} =~ m{(<tr id="audit-$reveal_row->{id}".*?</tr>)}s;
    ok $tr, 'the reveal is a row' or return;
    like $tr, qr{class="outcome-ok"}, '... an ok row';
    like $tr, qr{>user:ui-mem-admin</a>}, '... naming the admin user';
    like $tr, qr{<a href="/admin/audit-log\?action=secret\.reveal" title="only these">secret\.reveal</a>}, '... the action, as a filter link';
    like $tr, qr{>secret:$secret</a>}, '... the target';
    like $tr, qr{<span class="badge ok">ok</span>}, '... an ok badge';
    like $tr, qr{<td>\Q$reveal_row->{client}\E</td>}, '... the client';
    like $tr, qr{<code title="\Q$reveal_row->{request_id}\E">}, '... the request id';
    like $tr, qr{<time datetime="\d{4}-\d\d-\d\dT}, '... the time';
    ($tr) = $r->{body} =~ m{(<tr id="audit-$denied_row->{id}".*?</tr>)}s;
    ok $tr, 'the refused read is a row';
    like $tr, qr{class="outcome-denied"}, '... highlighted';
    like $tr, qr{<span class="badge warn">denied</span>}, '... with a denied badge';
    like $tr, qr{>agent:\Q$agent\E</a>}, '... naming the agent';

    $r = api(GET => '/admin/audit-log?action=secret.reveal&actor=user:ui-mem-admin&target=' . uri_escape("secret:$secret"), %as_admin);
    my @rows = $r->{body} =~ /<tr id="audit-(\d+)"/g;
    is_deeply \@rows, [ $reveal_row->{id} ], 'action, actor and target filter';
    like $r->{body}, qr{name="actor"[^>]*value="user:ui-mem-admin"}, '... and are kept in the form';
    my $since = api(GET => '/admin/audit-log?since=2999-01-01T00:00:00Z', %as_admin);
    like $since->{body}, qr{id="no-entries"}, 'since in the future: no entries';
    my $bad = api(GET => '/admin/audit-log?since=yesterday', %as_admin);
    is $bad->{status}, 400, 'a bad since: 400';
    like $bad->{body}, qr/must be an RFC 3339 time/, '... on a page that says why';

    $r = api(GET => '/admin/audit-log?target=' . uri_escape("secret:$secret") . '&limit=1', %as_admin);
    my ($next) = $r->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'limit=1: a next-page link' or return;
    $next =~ s/&amp;/&/g;
    my $second = api(GET => $next, %as_admin);
    is_page($second, 'the next page');
    is_deeply [ $r->{body} =~ /<tr id="audit-(\d+)"/g ], [ $denied_row->{id} ], '... after the newest row';
    is_deeply [ $second->{body} =~ /<tr id="audit-(\d+)"/g ], [ $reveal_row->{id} ], '... comes the one before it';
};

subtest 'the chain: the head always, the whole chain on request' => sub {
    ok wait_until(15, sub { $dbh->selectrow_array('SELECT seq FROM audit_log WHERE id = ?', undef, $reveal_row->{id}) }),
        'the reveal gets sealed';
    my $sealed = $dbh->selectrow_hashref('SELECT * FROM audit_log WHERE id = ?', undef, $reveal_row->{id});
    my $head = $dbh->selectrow_hashref('SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1');
    my $q = '/admin/audit-log?target=' . uri_escape("secret:$secret");
    my $r = api(GET => $q, %as_admin);
    like $r->{body}, qr{<dt>Sealed head</dt><dd>seq (\d+), hash <code class="hash">[0-9a-f]{64}</code>}, 'the sealed head';
    my ($shown) = $r->{body} =~ /<dt>Sealed head<\/dt><dd>seq (\d+)/;
    ok $shown >= $head->{seq}, '... as of this view';
    like $r->{body}, qr{<dd id="page-check" class="ok">\d+ sealed rows match their hashes</dd>}, "this page's rows match their hashes";
    like $r->{body}, qr{<span title="hash \Q$sealed->{hash}\E matches the row">$sealed->{seq}</span>}, 'the row shows its seq';
    like $r->{body}, qr{<dd id="chain-status" class="muted">}, 'the whole chain is not walked on every view';
    like $r->{body}, qr{<input type="hidden" name="target" value="secret:$secret"><input type="hidden" name="verify" value="1"><button type="submit" id="verify-chain"},
        '... but a button does it, keeping the filters';

    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'nexusctl: the chain is intact' or diag $out;
    $r = api(GET => "$q&verify=1", %as_admin);
    is_page($r, 'verify=1');
    like $r->{body}, qr{<dd id="chain-status" class="ok"><span class="badge ok">intact</span> The whole chain verifies: \d+ sealed rows \(seq 1\.\.\d+\)},
        '... says the chain verifies';

    # A sealed row changed behind Nexus's back: the page sees it.
    $dbh->do('UPDATE audit_log SET target = ? WHERE id = ?', undef, 'secret:forged', $sealed->{id});
    push @undo, sub { $dbh->do('UPDATE audit_log SET target = ? WHERE id = ?', undef, $sealed->{target}, $sealed->{id}) };
    $r = api(GET => '/admin/audit-log?target=secret:forged&verify=1', %as_admin);
    like $r->{body}, qr{<dd id="page-check" class="bad">1 of 1 sealed rows do not match their hash</dd>}, 'an edited row fails the page check';
    like $r->{body}, qr{\Q$sealed->{seq}\E <span class="badge bad" title="stored hash does not match">hash!</span>}, '... marked on its row';
    like $r->{body}, qr{<dd id="chain-status" class="bad"><span class="badge bad">broken</span> The chain does not verify: \d+ problems?, the first at row $sealed->{id} \(seq $sealed->{seq}\): row MAC mismatch},
        '... and the whole chain does not verify';
    (pop @undo)->();
    $r = api(GET => "$q&verify=1", %as_admin);
    like $r->{body}, qr{<span class="badge ok">intact</span>}, 'put back: intact again';
};

subtest 'the audit log for bearer clients is the JSON it was' => sub {
    my $q = '/admin/audit-log?target=' . uri_escape("secret:$secret");
    my $plain = api(GET => $q, token => $admin);
    my $html_accept = api(GET => "$q&verify=1", token => $admin, headers => { Accept => $browser });
    like $html_accept->{headers}{'content-type'}, qr{^application/json}, 'the admin token with a browser Accept: JSON';
    is_deeply $html_accept->{json}, $plain->{json}, '... the same entries, verify or not';
    is_deeply [ sort keys %{ $plain->{json}[0] } ], [ sort qw(id at request_id principal action target outcome client seq hash) ],
        '... with the same fields';
    my $user_json = api(GET => $q, user => 'ui-mem-admin', role => 'admin', headers => { Accept => 'application/json' });
    is_deeply $user_json->{json}, $plain->{json}, 'an admin user asking for JSON gets it too';
};

done_testing();
