#!/usr/bin/env perl
# /api/memories through nginx: collect, list (JSON and the browser's HTML
# page), download (markdown and JSON) and search, for every kind of caller;
# bad dates, path tricks, the size limit, content stored byte for byte, and
# a day of 1,000 entries downloaded intact and in order.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(strftime);
use POSIX ();
use Time::HiRes qw(time);

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $owner = new_agent(slug => unique_slug('mem'));
my $owner_token = issue_token($owner)->{token};
my $other = new_agent(slug => unique_slug('mem-other'));
my $other_token = issue_token($other)->{token};
my $unknown_token = 'nxa_' . join('', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_')[ rand 64 ] } 1 .. 43);
my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
my $json = JSON::PP->new->utf8->canonical;
my $dbh = dbh();

# --- helpers ---------------------------------------------------------------------

sub collect {
    my ($token, $body) = @_;
    return api(POST => '/api/memories/collect', token => $token, json => $body);
}

# Collects or dies; returns the new entry.
sub collect_ok {
    my ($agent, $token, $content, $date) = @_;
    my $r = collect($token, { agent => $agent, content => $content, (defined $date ? (date => $date) : ()) });
    die "collect for $agent: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json};
}

sub stored_count {
    my ($agent) = @_;
    return scalar $dbh->selectrow_array(
        'SELECT COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ?', undef, $agent);
}

# Every page of a list or search, following Link headers: (rows, pages).
sub all_pages {
    my ($path, %opt) = @_;
    my (@rows, $pages);
    while ($path) {
        my $r = api(GET => $path, %opt);
        die "GET $path: $r->{status} $r->{body}\n" unless $r->{status} == 200;
        push @rows, @{ $r->{json} };
        $pages++;
        $path = next_link($r);
    }
    return (\@rows, $pages);
}

# The markdown document download should serve for these entries (JSON form), as UTF-8 bytes.
sub markdown_of {
    my ($agent, $day, @entries) = @_;
    my $doc = "# $agent \x{2014} $day\n";
    for my $e (@entries) {
        my ($written, $time) = $e->{created_at} =~ /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/ or die "bad created_at\n";
        $doc .= "\n## " . ($written eq $day ? '' : "$written ") . "$time UTC\n\n" . $e->{content};
        $doc .= "\n" unless $e->{content} =~ /\n\z/;
    }
    utf8::encode($doc);
    return $doc;
}

my $today = strftime('%Y-%m-%d', gmtime);

# --- collect -----------------------------------------------------------------------

subtest 'collect: the agent appends to its own memory' => sub {
    my $r = collect($owner_token, { agent => $owner, content => 'Remember the ollama host.', date => '2026-07-01' });
    is $r->{status}, 201, 'status 201' or diag $r->{body};
    is_deeply [ sort keys %{ $r->{json} } ], [qw(agent bytes created_at date id)], 'id, agent, date, created_at, bytes';
    is $r->{json}{agent}, $owner, 'agent';
    is $r->{json}{date}, '2026-07-01', 'date';
    is $r->{json}{bytes}, 25, 'bytes';
    ok defined epoch_of($r->{json}{created_at}), 'created_at is RFC 3339 UTC with milliseconds';
    cmp_ok abs(epoch_of($r->{json}{created_at}) - time), '<', 120, '... and now';
    my ($content, $day) = $dbh->selectrow_array('SELECT content, day FROM memory_entries WHERE id = ?', undef, $r->{json}{id});
    is $content, 'Remember the ollama host.', 'stored';
    is $day, '2026-07-01', 'on its day';

    $r = collect($owner_token, { agent => $owner, content => 'no date given' });
    is $r->{status}, 201, 'without a date: 201';
    is $r->{json}{date}, $today, '... today in UTC';
    $r = collect($owner_token, { agent => $owner, content => 'null date', date => undef });
    is $r->{json}{date}, $today, 'a null date is today too';

    $r = collect($admin, { agent => $owner, content => 'written by the admin', date => '2026-07-01' });
    is $r->{status}, 201, 'the admin may collect for any agent';
    is $r->{json}{agent}, $owner, '... for that agent';
};

subtest 'collect: who may' => sub {
    my $before = stored_count($owner);
    my $body = { agent => $owner, content => 'not yours', date => '2026-07-02' };
    my $r = collect(undef, $body);
    error_is $r, 401, 'unauthorized', 'no token: 401';
    like $r->{headers}{'www-authenticate'} // '', qr/^Bearer/, '... with WWW-Authenticate';
    error_is collect($unknown_token, $body), 401, 'unauthorized', 'an unknown token: 401';
    error_is collect($other_token, $body), 403, 'forbidden', "another agent's token: 403", qr/another agent/;
    error_is api(POST => '/api/memories/collect', user => 'alice', json => $body), 403, 'forbidden',
        'a signed-in viewer (no token): 403', qr/not a browser session/;
    error_is api(POST => '/api/memories/collect', user => 'alice', role => 'admin', json => $body), 403, 'forbidden',
        'a signed-in admin (no token): 403 too (agents write their own memories)', qr/not a browser session/;
    is stored_count($owner), $before, 'nothing was stored';
    error_is collect($admin, { agent => 'no-such-agent-' . unique_slug('x'), content => 'x' }), 404, 'not_found',
        'admin, unknown agent: 404 naming it', qr/no agent 'no-such-agent-/;
};

subtest 'collect: bad input names the field' => sub {
    for my $date ('2026-02-30', '2026-13-01', 'yesterday', '2026-7-1', '2026-07-01T10:00:00Z', '', ' 2026-07-01') {
        error_is collect($owner_token, { agent => $owner, content => 'x', date => $date }), 400, 'bad_request',
            "date '$date': 400", qr/'date'/;
    }
    error_is collect($owner_token, { agent => $owner, content => 'x', date => 20260701 }), 400, 'bad_request',
        'a numeric date: 400', qr/'date'/;
    error_is collect($owner_token, { agent => $owner }), 400, 'bad_request', 'no content', qr/'content'/;
    error_is collect($owner_token, { agent => $owner, content => '' }), 400, 'bad_request', 'empty content', qr/'content'/;
    error_is collect($owner_token, { agent => $owner, content => 42 }), 400, 'bad_request', 'content not a string', qr/'content'/;
    error_is collect($owner_token, { agent => $owner, content => ['x'] }), 400, 'bad_request', 'content an array', qr/'content'/;
    error_is collect($owner_token, { agent => $owner, content => "a\x{0}b" }), 400, 'bad_request',
        'content with a NUL character: refused', qr/'content'.*NUL/;
    error_is collect($owner_token, { content => 'x' }), 400, 'bad_request', 'no agent', qr/'agent'/;
    error_is collect($owner_token, { agent => 'Not A Slug', content => 'x' }), 400, 'bad_request', 'agent not a slug', qr/'agent'/;
    error_is collect($owner_token, { agent => $owner, content => 'x', mood => 'happy' }), 400, 'bad_request',
        'an unknown field', qr/'mood'/;
    error_is api(POST => '/api/memories/collect', token => $owner_token, body => '{"agent":', content_type => 'application/json'),
        400, 'bad_request', 'malformed JSON';
    error_is api(POST => '/api/memories/collect', token => $owner_token, body => 'agent=x', content_type => 'text/plain'),
        415, 'unsupported_media_type', 'not JSON';
};

subtest 'collect: memories.max_entry_bytes (64 KiB by default)' => sub {
    my $before = stored_count($owner);
    my $r = collect($owner_token, { agent => $owner, content => 'x' x 65536, date => '2026-07-03' });
    is $r->{status}, 201, 'exactly 65536 bytes: 201' or diag $r->{body};
    is $r->{json}{bytes}, 65536, '... bytes 65536';
    $r = collect($owner_token, { agent => $owner, content => "\x{1F9E0}" x 16384, date => '2026-07-03' });
    is $r->{status}, 201, '16384 four-byte characters are 65536 bytes: 201';
    is $r->{json}{bytes}, 65536, '... counted in bytes';
    error_is collect($owner_token, { agent => $owner, content => 'x' x 65537, date => '2026-07-03' }), 413,
        'payload_too_large', 'one byte more: 413 naming the limit', qr/65536 bytes.*memories\.max_entry_bytes/;
    error_is collect($owner_token, { agent => $owner, content => "\x{1F9E0}" x 16385, date => '2026-07-03' }), 413,
        'payload_too_large', '16385 four-byte characters: 413';
    is stored_count($owner), $before + 2, 'only the two within the limit were stored';
};

subtest 'content is stored and served byte for byte' => sub {
    my $agent = new_agent(slug => unique_slug('mem-verbatim'));
    my $token = issue_token($agent)->{token};
    my $day = '2027-01-15';
    my @contents = (
        "'; DROP TABLE memories; --",
        "Robert'); DROP TABLE memory_entries;-- \" OR 1=1 /* */",
        '<script>alert("x")</script> & <b>bold</b>',
        "emoji \x{1F9E0}\x{1F680} and \x{2603} and ZWJ \x{1F468}\x{200D}\x{1F469}\x{200D}\x{1F467}",
        "CRLF line\r\nnext line\r\n",
        "```python\nprint('fenced')\n```\n\n# A heading\n\n## 12:00:00 UTC\n- list\n",
        "  leading and trailing spaces  ",
        "tabs\tand\\backslashes\\n and a literal \\u0000",
        '{"json": ["looks", "like", "json"]}',
        "%2e%2e/../etc/passwd \x{0}" =~ s/\x{0}//r,
        "Ünïcödé: Ελληνικά, 日本語, עברית, العربية",
        "\n\n",
    );
    my @ids;
    for my $content (@contents) {
        my $r = collect($token, { agent => $agent, content => $content, date => $day });
        is $r->{status}, 201, 'collected: ' . substr($content =~ s/\s+/ /gr, 0, 30) or diag $r->{body};
        my $bytes = $content;
        utf8::encode($bytes);
        is $r->{json}{bytes}, length $bytes, '... bytes counted as UTF-8';
        push @ids, $r->{json}{id};
    }
    my $stored = $dbh->selectall_arrayref(
        'SELECT id, content FROM memory_entries WHERE id IN (' . join(',', ('?') x @ids) . ') ORDER BY id', undef, @ids);
    my $raw = $dbh->selectcol_arrayref(
        'SELECT HEX(content) FROM memory_entries WHERE id IN (' . join(',', ('?') x @ids) . ') ORDER BY id', undef, @ids);
    my @want_hex = map { my $b = $_; utf8::encode($b); uc unpack('H*', $b) } @contents;
    is_deeply $raw, \@want_hex, 'the database holds exactly the UTF-8 bytes sent';
    is scalar @$stored, scalar @contents, 'one row per entry';

    my $r = api(GET => "/api/memories/download/$agent/$day?format=json", token => $token);
    is $r->{status}, 200, 'download as JSON';
    is_deeply [ map { $_->{content} } @{ $r->{json}{entries} } ], \@contents, '... every content identical, in order';
    is_deeply [ map { $_->{id} } @{ $r->{json}{entries} } ], \@ids, '... with their ids';
    my $entries = $r->{json}{entries};

    $r = api(GET => "/api/memories/download/$agent/$day", token => $token);
    is $r->{status}, 200, 'download as markdown';
    ok $r->{body} eq markdown_of($agent, $day, @$entries), '... the document holds every content verbatim'
        or diag $r->{body};
    my $tables = $dbh->selectcol_arrayref("SHOW TABLES LIKE 'memor%'");
    is_deeply [ sort @$tables ], [qw(memory_days memory_entries)], 'and the tables are all still there';
};

# --- download --------------------------------------------------------------------------

subtest 'download: markdown by default, JSON on request' => sub {
    my $agent = new_agent(slug => unique_slug('mem-dl'));
    my $token = issue_token($agent)->{token};
    my @made = map { collect_ok($agent, $token, "note $_", '2027-02-01') } 1 .. 3;
    my $today_entry = collect_ok($agent, $token, 'written today');

    my $r = api(GET => "/api/memories/download/$agent/2027-02-01", token => $token);
    is $r->{status}, 200, 'status 200';
    is $r->{headers}{'content-type'}, 'text/markdown; charset=utf-8', 'text/markdown; charset=utf-8';
    is $r->{headers}{'content-disposition'}, qq{attachment; filename="$agent-2027-02-01.md"}, 'an attachment with a file name';
    like $r->{body}, qr/\A# \Q$agent\E \x{e2}\x{80}\x{94} 2027-02-01\n/, 'a heading for the day';
    my @headings = $r->{body} =~ /^## (.+)$/mg;
    is scalar @headings, 3, 'a heading per entry';
    like $headings[0], qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/, 'entries collected on another day show their date and time';
    my @notes = $r->{body} =~ /^(note \d)$/mg;
    is_deeply \@notes, [ 'note 1', 'note 2', 'note 3' ], 'in the order collected';

    $r = api(GET => "/api/memories/download/$agent/$today?format=markdown", token => $token);
    like $r->{body}, qr/^## \d\d:\d\d:\d\d UTC$/m, "today's entries show the time only";

    $r = api(GET => "/api/memories/download/$agent/2027-02-01?format=json", token => $token);
    is $r->{status}, 200, 'format=json: 200';
    like $r->{headers}{'content-type'}, qr{^application/json}, '... JSON';
    is $r->{json}{agent}, $agent, '... agent';
    is $r->{json}{date}, '2027-02-01', '... date';
    is_deeply [ map { [ sort keys %$_ ] } @{ $r->{json}{entries} } ], [ ([qw(bytes content created_at id)]) x 3 ],
        '... entries with id, created_at, bytes, content';
    is_deeply [ map { $_->{id} } @{ $r->{json}{entries} } ], [ map { $_->{id} } @made ], '... in order';

    error_is api(GET => "/api/memories/download/$agent/2027-02-01?format=xml", token => $token), 400, 'bad_request',
        'another format: 400', qr/'format'/;
    for my $date ('2026-02-30', '2026-13-01', 'yesterday', '2027-2-1') {
        error_is api(GET => "/api/memories/download/$agent/$date", token => $token), 400, 'bad_request',
            "date $date: 400", qr/'date'/;
    }
    error_is api(GET => "/api/memories/download/$agent/2027-02-02", token => $token), 404, 'not_found',
        'a day without entries: 404';
    error_is api(GET => "/api/memories/download/no-such-agent-x1/2027-02-01", token => $admin), 404, 'not_found',
        'admin, unknown agent: 404';
};

subtest 'download: only the agent itself or the admin' => sub {
    my $path = "/api/memories/download/$owner/2026-07-01";
    error_is api(GET => $path), 401, 'unauthorized', 'no token: 401';
    error_is api(GET => $path, token => $unknown_token), 401, 'unauthorized', 'unknown token: 401';
    error_is api(GET => $path, token => $other_token), 403, 'forbidden', "another agent's token: 403";
    error_is api(GET => $path, user => 'alice', headers => { Accept => 'application/json' }), 403, 'forbidden',
        'a signed-in viewer: 403 (contents are for admins)';
    my $r = api(GET => $path, user => 'alice', role => 'admin', headers => { Accept => 'application/json' });
    is $r->{status}, 200, 'a signed-in admin: 200 (a read)';
    is $r->{headers}{'content-disposition'}, qq{attachment; filename="$owner-2026-07-01.md"}, '... the markdown';
    is api(GET => $path, token => $owner_token)->{status}, 200, 'its own token: 200';
    is api(GET => $path, token => $admin)->{status}, 200, 'admin: 200';
};

subtest 'download: ../ and %2e%2e in segments are refused' => sub {
    for my $path ("/api/memories/download/$owner/%2e%2e", "/api/memories/download/%2e%2e/2026-07-01",
        "/api/memories/download/$other/../$owner/2026-07-01", "/api/memories/download/$other/%2E%2E/$owner/2026-07-01",
        "/api/memories/download/$owner/2026-07-01/..", "/api/memories/download/$owner/..%2f2026-07-01",
        "/api/memories/download/..%2F$owner/2026-07-01", "/api/memories/download/$owner/%2e%2e%2f%2e%2e%2fetc%2fpasswd")
    {
        for my $who ([ other => $other_token ], [ admin => $admin ]) {
            my $r = api(GET => $path, token => $who->[1]);
            ok $r->{status} == 400 || $r->{status} == 404 || ($who->[0] eq 'other' && $r->{status} == 403),
                "$path as $who->[0]: refused ($r->{status})";
            like $r->{headers}{'content-type'} // '', qr{^application/json}, '... with a JSON error';
            unlike $r->{body}, qr/ollama/, '... and no memory in it';
        }
    }
};

# --- list ----------------------------------------------------------------------------

subtest 'list: one file per agent and day, newest first, paginated' => sub {
    my $agent = new_agent(slug => unique_slug('mem-list'));
    my $token = issue_token($agent)->{token};
    my %made;
    for my $day (qw(2030-01-03 2030-01-01 2030-01-05 2030-01-02 2030-01-04)) {
        my $n = substr($day, -1);
        for my $i (1 .. $n) {
            my $e = collect_ok($agent, $token, "day $day entry $i", $day);
            $made{$day}{entries}++;
            $made{$day}{bytes} += $e->{bytes};
        }
    }
    my $r = api(GET => "/api/memories/list?agent=$agent", token => $token);
    is $r->{status}, 200, 'status 200';
    like $r->{headers}{vary} // '', qr/Accept.*Authorization|Authorization.*Accept/, 'Vary: Accept, Authorization';
    is_deeply [ map { $_->{date} } @{ $r->{json} } ], [qw(2030-01-05 2030-01-04 2030-01-03 2030-01-02 2030-01-01)],
        'newest day first';
    is_deeply [ sort keys %{ $r->{json}[0] } ], [qw(agent bytes date entries updated_at)],
        'agent, date, entries, bytes, updated_at (no content)';
    is_deeply { map { $_->{date} => { entries => $_->{entries}, bytes => $_->{bytes} } } @{ $r->{json} } }, \%made,
        'entries and bytes per day';
    ok !grep({ $_->{agent} ne $agent } @{ $r->{json} }), 'only that agent';
    ok defined epoch_of($r->{json}[0]{updated_at}), 'updated_at is RFC 3339';

    my ($rows, $pages) = all_pages("/api/memories/list?agent=$agent&limit=2", token => $token);
    is $pages, 3, 'limit=2: three pages';
    is_deeply [ map { $_->{date} } @$rows ], [qw(2030-01-05 2030-01-04 2030-01-03 2030-01-02 2030-01-01)],
        '... all days once, in order';

    $r = api(GET => "/api/memories/list?agent=$agent&from=2030-01-02&to=2030-01-04", token => $token);
    is_deeply [ map { $_->{date} } @{ $r->{json} } ], [qw(2030-01-04 2030-01-03 2030-01-02)], 'from .. to, inclusive';
    $r = api(GET => "/api/memories/list?agent=$agent&from=2030-01-04", token => $token);
    is_deeply [ map { $_->{date} } @{ $r->{json} } ], [qw(2030-01-05 2030-01-04)], 'from alone';
    $r = api(GET => "/api/memories/list?agent=$agent&to=2030-01-01", token => $token);
    is_deeply [ map { $_->{date} } @{ $r->{json} } ], [qw(2030-01-01)], 'to alone';
    $r = api(GET => "/api/memories/list?agent=$agent&date=2030-01-03", token => $token);
    is_deeply [ map { [ $_->{date}, $_->{entries} ] } @{ $r->{json} } ], [ [ '2030-01-03', 3 ] ], 'date: that day';
    $r = api(GET => "/api/memories/list?agent=$agent&date=2030-01-06", token => $token);
    is_deeply $r->{json}, [], 'a day without entries: an empty list';
    $r = api(GET => "/api/memories/list?agent=$agent&date=&from=&to=", token => $token);
    is scalar @{ $r->{json} }, 5, 'empty parameters (an empty form) filter nothing';

    error_is api(GET => "/api/memories/list?agent=$agent&date=2026-02-30", token => $token), 400, 'bad_request',
        'date=2026-02-30: 400', qr/'date'/;
    error_is api(GET => "/api/memories/list?agent=$agent&from=2026-13-01", token => $token), 400, 'bad_request',
        'from=2026-13-01: 400', qr/'from'/;
    error_is api(GET => "/api/memories/list?agent=$agent&to=yesterday", token => $token), 400, 'bad_request',
        'to=yesterday: 400', qr/'to'/;
    error_is api(GET => "/api/memories/list?agent=$agent&from=2030-01-05&to=2030-01-01", token => $token), 400,
        'bad_request', 'from after to: 400', qr/'from'/;
    error_is api(GET => "/api/memories/list?agent=$agent&date=2030-01-05&from=2030-01-01", token => $token), 400,
        'bad_request', 'date with from: 400', qr/'date'/;
    error_is api(GET => "/api/memories/list?agent=$agent&after=bm90LWEtY3Vyc29y", token => $token), 400,
        'bad_request', 'a forged cursor: 400', qr/'after'/;
    error_is api(GET => "/api/memories/list?agent=$agent&limit=0", token => $token), 400, 'bad_request', 'limit=0: 400',
        qr/'limit'/;
    error_is api(GET => '/api/memories/list?agent=Bad_Slug', token => $admin), 400, 'bad_request', 'agent not a slug: 400',
        qr/'agent'/;
    error_is api(GET => '/api/memories/list?agent=no-such-agent-x2', token => $admin), 404, 'not_found',
        'admin, unknown agent: 404 naming it', qr/no-such-agent-x2/;

    my $summary = $dbh->selectall_arrayref(
        'SELECT d.day, d.entries, d.bytes, COUNT(e.id), SUM(e.bytes) FROM memory_days d JOIN agents a ON a.id = d.agent_id '
          . 'JOIN memory_entries e ON e.agent_id = d.agent_id AND e.day = d.day WHERE a.slug = ? GROUP BY d.day, d.entries, d.bytes',
        undef, $agent);
    ok !grep({ $_->[1] != $_->[3] || $_->[2] != $_->[4] } @$summary), 'memory_days agrees with the entries';
};

subtest 'list: who sees what' => sub {
    collect_ok($other, $other_token, 'the other agent remembers', '2026-07-01');
    my $r = api(GET => '/api/memories/list', token => $owner_token);
    is $r->{status}, 200, 'an agent without agent=: 200';
    ok @{ $r->{json} } && !grep({ $_->{agent} ne $owner } @{ $r->{json} }), '... its own files only';
    $r = api(GET => "/api/memories/list?agent=$owner", token => $owner_token);
    is $r->{status}, 200, 'an agent naming itself: 200';
    error_is api(GET => "/api/memories/list?agent=$owner", token => $other_token), 403, 'forbidden',
        "an agent naming another: 403";
    error_is api(GET => '/api/memories/list'), 401, 'unauthorized', 'no token: 401';
    error_is api(GET => '/api/memories/list', token => $unknown_token), 401, 'unauthorized', 'an unknown token: 401';

    my ($rows) = all_pages('/api/memories/list?from=2026-07-01&to=2026-07-01&limit=1000', token => $admin);
    my %agents = map { $_->{agent} => 1 } @$rows;
    ok $agents{$owner} && $agents{$other}, 'admin: every agent';
    ($rows) = all_pages('/api/memories/list?from=2026-07-01&to=2026-07-01&limit=1000', user => 'alice', role => 'admin',
        headers => { Accept => 'application/json' });
    %agents = map { $_->{agent} => 1 } @$rows;
    ok $agents{$owner} && $agents{$other}, 'a signed-in admin (asking for JSON): every agent';
    ok !grep({ exists $_->{content} } @$rows), '... metadata only';
    $r = api(GET => "/api/memories/list?agent=$owner", user => 'alice', role => 'admin');
    like $r->{headers}{'content-type'}, qr{^application/json}, 'an admin user without Accept gets JSON';
    error_is api(GET => "/api/memories/list?agent=$owner", user => 'alice'), 403, 'forbidden', 'a signed-in viewer: 403';
    $r = api(GET => '/api/memories/list', token => $owner_token, user => 'alice', role => 'admin', headers => { Accept => $browser });
    like $r->{headers}{'content-type'}, qr{^application/json}, 'a bearer gets JSON even with a browser Accept';
    ok !grep({ $_->{agent} ne $owner } @{ $r->{json} }), '... and the token wins over the session';
    error_is api(GET => '/api/memories/list', headers => { 'X-Nexus-Sso-User' => 'mallory' }), 401,
        'unauthorized', 'a forged X-Nexus-Sso-User is no identity';
    $r = api(GET => '/api/memories/list', headers => { Accept => $browser, 'X-Nexus-Sso-User' => 'mallory' });
    is $r->{status}, 302, '... a browser sending one is still sent to sign in';
    like $r->{headers}{location} // '', qr{^/api/auth/nexus-gate\?return_to=%2Fapi%2Fmemories%2Flist$}, '... at the gate';
};

subtest 'list: an HTML page for a signed-in admin' => sub {
    # The pages themselves: t/ui-pages-memories.t.
    my %as_admin = (user => 'alice', role => 'admin', headers => { Accept => $browser });
    my $r = api(GET => "/api/memories/list?agent=$owner", %as_admin);
    is $r->{status}, 200, 'status 200';
    like $r->{headers}{'content-type'}, qr{^text/html; charset=utf-8}, 'text/html';
    like $r->{body}, qr/^<!DOCTYPE html>/, 'a whole document';
    like $r->{body}, qr{<span id="nexus-user"[^>]* data-user-id="alice">}, 'names the user';
    like $r->{body}, qr{<th>agent</th><th>day</th><th class="num">entries</th><th class="num">size</th><th>updated</th>}, 'the columns';
    like $r->{body}, qr{<td><a href="/api/memories/list\?agent=\Q$owner\E"><code>\Q$owner\E</code></a></td><td><a href="/api/memories/download/\Q$owner\E/2026-07-01">2026-07-01</a></td><td class="num">\d+</td>},
        'a row per file, linking to the day';
    like $r->{body}, qr{name="agent"[^>]*value="\Q$owner\E"}, 'the filter shows the agent';
    unlike $r->{body}, qr/Remember the ollama host/, 'never a content';
    like $r->{headers}{'content-security-policy'}, qr/default-src 'none'/, 'a CSP that allows no script';
    like $r->{headers}{vary} // '', qr/Accept/, 'Vary';

    $r = api(GET => qq{/api/memories/list?agent=$owner&limit=1&note="><script>alert(1)</script>}, %as_admin);
    is $r->{status}, 200, 'a page with markup in the query string';
    my ($next) = $r->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, '... has a next-page link';
    unlike $r->{body}, qr/<script>/, '... never echoes markup';
    unlike $next // '', qr/note|script/i, '... which drops the unknown parameter (only the filters stay)';
    like $next // '', qr/\bagent=\Q$owner\E&amp;limit=1&amp;after=/, '... and keeps the filter';
    $next =~ s/&amp;/&/g;
    $next =~ s/&quot;/"/g;
    $next =~ s/&lt;/</g;
    $next =~ s/&gt;/>/g;
    my $second = api(GET => $next, %as_admin);
    is $second->{status}, 200, 'the next page answers';
    like $second->{body}, qr{<td><a href="/api/memories/list\?agent=\Q$owner\E"><code>\Q$owner\E</code></a></td>}, '... with another file';

    $r = api(GET => "/api/memories/list?agent=$owner", user => 'alice', headers => { Accept => $browser });
    is $r->{status}, 403, 'a viewer: 403';
    like $r->{headers}{'content-type'}, qr{^text/html}, '... as a page';
};

# --- search ----------------------------------------------------------------------------

subtest 'search: best match first' => sub {
    my $agent = new_agent(slug => unique_slug('mem-search'));
    my $token = issue_token($agent)->{token};
    my %id;
    my %texts = (
        both    => 'The ollama server needs a bigger gpu; ollama keeps swapping models on that gpu.',
        ollama  => 'Restarted ollama this morning.',
        gpu     => 'Ordered another gpu for the render farm.',
        none    => 'Lunch was pasta, nothing to remember.',
        db      => 'The db migration ran in CI without trouble.',
        prefix  => 'Kubernetes cluster upgraded to the next minor.',
        old     => 'An old ollama note from last year.',
        intl    => 'Réunion au café: « Crème brûlée » für alle.',
    );
    for my $k (sort keys %texts) {
        $id{$k} = collect_ok($agent, $token, $texts{$k}, $k eq 'old' ? '2026-01-10' : '2027-03-01')->{id};
    }
    my $long = ('filler words go here ' x 100) . 'the needle sits in the middle of it ' . ('more filler after ' x 100);
    $id{long} = collect_ok($agent, $token, $long, '2027-03-02')->{id};

    my $search = sub {
        my ($q, %opt) = @_;
        my $r = api(GET => "/api/memories/search?agent=$agent&query=$q", token => $opt{token} // $token);
        die "search $q: $r->{status} $r->{body}\n" unless $r->{status} == 200;
        return $r;
    };
    my $ids = sub { [ map { $_->{id} } @{ $_[0]{json} } ] };

    my $r = $search->('ollama%20gpu');
    is $r->{json}[0]{id}, $id{both}, '"ollama gpu": the entry with both words first';
    is_deeply [ sort { $a <=> $b } @{ $ids->($r) } ], [ sort { $a <=> $b } @id{qw(both ollama gpu old)} ],
        '... then those with one of them';
    is_deeply [ sort keys %{ $r->{json}[0] } ], [qw(agent bytes created_at date id snippet)],
        'a hit: id, agent, date, created_at, bytes, snippet';
    is $r->{json}[0]{snippet}, $texts{both}, 'a short entry is its own snippet';

    $r = $search->('ollama');
    is $r->{json}[0]{id}, $id{both}, '"ollama": the entry that says it most, first';
    is_deeply [ sort { $a <=> $b } @{ $ids->($r) } ], [ sort { $a <=> $b } @id{qw(both ollama old)} ], '... every entry with it';
    is_deeply $ids->($search->('OLLAMA')), $ids->($r), 'case does not matter';
    is_deeply [ sort { $a <=> $b } @{ $ids->($search->('oll')) } ], [ sort { $a <=> $b } @id{qw(both ollama old)} ],
        'a word\'s beginning finds it';
    is_deeply $ids->($search->('kube')), [ $id{prefix} ], '"kube" finds Kubernetes';
    is_deeply $ids->($search->('db')), [ $id{db} ], 'a short word ("db") is found too';
    is_deeply $ids->($search->('ci')), [ $id{db} ], '... and "ci"';
    is_deeply $ids->($search->('nothing')), [ $id{none} ], 'a single match';
    is_deeply $ids->($search->('zyxwvut')), [], 'no match: an empty list';
    is_deeply $ids->($search->('caf%C3%A9')), [ $id{intl} ], 'a non-ASCII word ("café")';
    is_deeply $ids->($search->('CAF%C3%89')), [ $id{intl} ], '... in any case ("CAFÉ")';
    is_deeply $ids->($search->('br%C3%BB')), [ $id{intl} ], '... as a word\'s beginning ("brû")';
    is_deeply $ids->($search->('%E2%80%9Ccr%C3%A8me%E2%80%9D')), [ $id{intl} ], 'typographic quotes separate ("“crème”")';

    $r = $search->('needle');
    is_deeply $ids->($r), [ $id{long} ], 'a long entry';
    my $snippet = $r->{json}[0]{snippet};
    like $snippet, qr/the needle sits in the middle/, '... its snippet shows the match';
    cmp_ok length($snippet), '<', 200, '... and is short';
    like $snippet, qr/^\x{2026}.*\x{2026}$/, '... marked as an excerpt at both ends';

    $r = api(GET => "/api/memories/search?agent=$agent&query=ollama&from=2027-01-01", token => $token);
    ok !grep({ $_ == $id{old} } @{ $ids->($r) }), 'from= leaves out older days';
    $r = api(GET => "/api/memories/search?agent=$agent&query=ollama&to=2026-12-31", token => $token);
    is_deeply $ids->($r), [ $id{old} ], 'to= leaves out later days';

    my ($rows, $pages) = all_pages("/api/memories/search?agent=$agent&query=ollama%20gpu&limit=1", token => $token);
    is $pages, 4, 'limit=1: a page per hit';
    is_deeply [ map { $_->{id} } @$rows ], $ids->($search->('ollama%20gpu')), '... the same hits in the same order';

    # Only letters, digits and '_' make words; everything else separates them
    # (docs/openapi.yaml, src/db/FullTextQuery.h). Each of these has words,
    # so each is a plain search for them: 200, never 400.
    for my $case (
        [ "'%3B%20DROP%20TABLE%20memory_entries%3B%20--", [] ],                  # drop, table, memory_entries
        [ '%2Bollama%20-gpu%20%22quoted%22%20*', [ @id{qw(both ollama gpu old)} ] ], # ollama, gpu, quoted
        [ '%25_%5C', [] ],                                                        # _
    ) {
        my ($q, $hits) = @$case;
        my $r = api(GET => "/api/memories/search?agent=$agent&query=$q", token => $token);
        is $r->{status}, 200, "operators and quotes are only text: $q: 200";
        is_deeply [ sort { $a <=> $b } @{ $ids->($r) } ], [ sort { $a <=> $b } @$hits ], '... finding its words only';
    }
    is $dbh->selectrow_array('SELECT COUNT(*) FROM memory_entries WHERE id = ?', undef, $id{db}), 1, 'the table is intact';

    error_is api(GET => "/api/memories/search?agent=$agent", token => $token), 400, 'bad_request', 'no query: 400', qr/'query'/;
    error_is api(GET => "/api/memories/search?agent=$agent&query=%20%2B-*", token => $token), 400, 'bad_request',
        'a query without a word: 400', qr/'query'/;
    error_is api(GET => "/api/memories/search?agent=$agent&query=x&from=2026-02-30", token => $token), 400, 'bad_request',
        'a bad date: 400', qr/'from'/;
    error_is api(GET => "/api/memories/search?agent=$agent&query=x&after=%21", token => $token), 400, 'bad_request',
        'a bad cursor: 400', qr/'after'/;
};

subtest 'search: the same access rule as list' => sub {
    my $word = 'zq' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 12);    # found in this run's entries only
    collect_ok($owner, $owner_token, "owner secret plan $word", '2027-04-01');
    collect_ok($other, $other_token, "other agent also says $word", '2027-04-01');
    my $r = api(GET => "/api/memories/search?query=$word", token => $owner_token);
    is $r->{status}, 200, 'an agent without agent=: 200';
    is_deeply [ map { $_->{agent} } @{ $r->{json} } ], [$owner], '... its own entries only';
    error_is api(GET => "/api/memories/search?agent=$owner&query=$word", token => $other_token), 403, 'forbidden',
        'an agent naming another: 403';
    $r = api(GET => "/api/memories/search?query=$word", token => $admin);
    is_deeply [ sort map { $_->{agent} } @{ $r->{json} } ], [ sort $owner, $other ], 'admin: every agent';
    $r = api(GET => "/api/memories/search?agent=$other&query=$word", token => $admin);
    is_deeply [ map { $_->{agent} } @{ $r->{json} } ], [$other], 'admin: agent= narrows';
    error_is api(GET => "/api/memories/search?query=$word"), 401, 'unauthorized', 'no token: 401';
    error_is api(GET => "/api/memories/search?query=$word", token => $unknown_token), 401, 'unauthorized',
        'unknown token: 401';
    error_is api(GET => "/api/memories/search?query=$word", user => 'alice'), 403, 'forbidden',
        'a signed-in viewer: 403';
    $r = api(GET => "/api/memories/search?query=$word", user => 'alice', role => 'admin');
    is_deeply [ sort map { $_->{agent} } @{ $r->{json} } ], [ sort $owner, $other ], 'a signed-in admin: every agent';
};

# --- every route, every caller ------------------------------------------------------------

subtest 'every route as every caller' => sub {
    my $day = '2027-05-05';
    collect_ok($owner, $owner_token, 'for the access walk', $day);
    my %token = (none => undef, unknown => $unknown_token, other => $other_token, own => $owner_token, admin => $admin);
    my %user = (viewer => [ user => 'alice' ], sso_admin => [ user => 'alice', role => 'admin' ]);
    my @routes = (
        # method, path, body, expected: none unknown other own viewer sso_admin admin
        # (the admin user's collect is refused before its CSRF token would be asked for)
        [ POST => '/api/memories/collect', { agent => $owner, content => 'walk', date => $day }, [ 401, 401, 403, 201, 403, 403, 201 ] ],
        [ GET => "/api/memories/list?agent=$owner", undef, [ 401, 401, 403, 200, 403, 200, 200 ] ],
        [ GET => "/api/memories/download/$owner/$day", undef, [ 401, 401, 403, 200, 403, 200, 200 ] ],
        [ GET => "/api/memories/search?agent=$owner&query=walk", undef, [ 401, 401, 403, 200, 403, 200, 200 ] ],
    );
    for my $route (@routes) {
        my ($method, $path, $body, $want) = @$route;
        my $i = 0;
        for my $who (qw(none unknown other own viewer sso_admin admin)) {
            my $r = api($method => $path, token => $token{$who}, @{ $user{$who} || [] },
                (defined $body ? (json => $body) : ()));
            is $r->{status}, $want->[ $i++ ], "$method $path as $who" or diag $r->{body};
        }
    }
};

# --- a big day ------------------------------------------------------------------------------

# Four writers at once, each posting its share in order: 1,000 requests
# through nginx take a few seconds (sequentially about 13 ms each here; a
# kept-alive HTTP::Tiny connection is slower still, Nagle's delay on its
# split writes). It also shows the day's summary row stays exact under
# concurrent appends.
subtest 'a day of 1,000 entries comes back intact and in order' => sub {
    my $agent = new_agent(slug => unique_slug('mem-big'));
    my $token = issue_token($agent)->{token};
    my $day = '2031-03-03';
    my ($total, $writers) = (1000, 4);
    my $content_of = sub {
        my ($i) = @_;
        return sprintf("Entry %04d: \x{1F9E0} %s\n%s", $i, 'x' x ($i % 37), $i % 10 == 0 ? "```\ncode $i\n```\n" : '');
    };
    my $url = base_url() . '/api/memories/collect';
    my $start = time;
    my @readers;
    for my $w (0 .. $writers - 1) {
        pipe(my $from_child, my $to_parent) or die "pipe: $!\n";
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            close $from_child;
            my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
            my %headers = (Authorization => "Bearer $token", 'Content-Type' => 'application/json');
            for (my $i = $w + 1; $i <= $total; $i += $writers) {
                my $res = $http->request(POST => $url, { headers => \%headers,
                    content => $json->encode({ agent => $agent, content => $content_of->($i), date => $day }) });
                my $id = $res->{status} == 201 ? $json->decode($res->{content})->{id} : "failed:$res->{status}";
                print {$to_parent} "$i $id\n";
            }
            close $to_parent;
            POSIX::_exit(0);
        }
        close $to_parent;
        push @readers, [ $pid, $from_child ];
    }
    my (%id_of, @failures, $in_order);
    $in_order = 1;
    for my $reader (@readers) {
        my ($pid, $fh) = @$reader;
        my $last = 0;
        while (my $line = <$fh>) {
            my ($i, $id) = split ' ', $line;
            if ($id !~ /^\d+$/) { push @failures, "$i: $id"; next }
            $id_of{$i} = $id;
            $in_order = 0 if $id <= $last;
            $last = $id;
        }
        waitpid $pid, 0;
    }
    note sprintf('%d collects through nginx, %d writers: %.2f s', $total, $writers, time - $start);
    is_deeply \@failures, [], "$total entries collected";
    is scalar keys %id_of, $total, '... each with its id';
    ok $in_order, "... each writer's entries in the order it sent them";
    my %index_of = reverse %id_of;

    my $r = api(GET => "/api/memories/list?agent=$agent&date=$day", token => $token);
    is $r->{json}[0]{entries}, $total, "the list counts $total entries";
    my $bytes = 0;
    $bytes += length(do { my $b = $content_of->($_); utf8::encode($b); $b }) for 1 .. $total;
    is $r->{json}[0]{bytes}, $bytes, '... and their bytes';

    $start = time;
    $r = api(GET => "/api/memories/download/$agent/$day?format=json", token => $token);
    is $r->{status}, 200, 'JSON download: 200';
    my $entries = $r->{json}{entries};
    is scalar @$entries, $total, "... $total entries";
    my @ids = map { $_->{id} } @$entries;
    is_deeply \@ids, [ sort { $a <=> $b } values %id_of ], '... in the order collected';
    ok !grep({ $_->{content} ne $content_of->($index_of{ $_->{id} }) } @$entries), '... each content intact';

    $r = api(GET => "/api/memories/download/$agent/$day", token => $token);
    is $r->{status}, 200, 'markdown download: 200';
    ok $r->{body} eq markdown_of($agent, $day, @$entries), '... the whole document, byte for byte';
    my @order = $r->{body} =~ /^Entry (\d{4}):/mg;
    is_deeply \@order, [ map { sprintf '%04d', $index_of{$_} } @ids ], '... every entry once, in order';
    note sprintf('the two downloads: %.2f s', time - $start);
};

# The download streams a day in chunks of 100 entries (MemoryStore::kDayChunk)
# read from one snapshot: 2,050 entries (seeded by SQL, which is quicker than
# 2,050 collects) cross 20 chunk boundaries and end inside a chunk.
subtest 'a day of 2,050 entries is streamed whole, in order, with the headers of a download' => sub {
    my $agent = new_agent(slug => unique_slug('mem-stream'));
    my $token = issue_token($agent)->{token};
    my ($agent_id) = $dbh->selectrow_array('SELECT id FROM agents WHERE slug = ?', undef, $agent);
    my $day = '2031-04-04';
    my $total = 2050;
    my $content_of = sub {
        my ($i) = @_;
        return sprintf("Stream %04d: \x{e9}\x{2014}\"quoted\" \\ back\tslash%s", $i, $i % 3 ? "\n" : "\r\nno final newline");
    };
    my $insert = $dbh->prepare('INSERT INTO memory_entries (agent_id, day, content, bytes, created_at) VALUES (?, ?, ?, ?, ?)');
    $dbh->begin_work;
    for my $i (1 .. $total) {
        my $bytes = $content_of->($i);
        utf8::encode($bytes);
        $insert->execute($agent_id, $day, $content_of->($i), length $bytes,
            sprintf('%s %02d:%02d:%02d.%03d', $i == 7 ? '2031-04-05' : $day, int($i / 3600), int($i / 60) % 60, $i % 60, $i % 1000));
    }
    $dbh->commit;
    my $ids = $dbh->selectcol_arrayref('SELECT id FROM memory_entries WHERE agent_id = ? AND day = ? ORDER BY id', undef,
        $agent_id, $day);

    my $r = api(GET => "/api/memories/download/$agent/$day?format=json", token => $token);
    is $r->{status}, 200, 'JSON: 200';
    is $r->{headers}{'content-type'}, 'application/json; charset=utf-8', '... application/json; charset=utf-8';
    is $r->{headers}{'cache-control'}, 'no-store', '... Cache-Control: no-store';
    ok length($r->{headers}{'x-request-id'} // ''), '... X-Request-Id';
    ok !defined $r->{headers}{'content-length'}, '... streamed: no Content-Length';
    is $r->{headers}{'transfer-encoding'}, 'chunked', '... chunked';
    like $r->{body}, qr/\A\{"agent":"\Q$agent\E","date":"$day","entries":\[\{"id":\d+,"created_at":"[^"]+","bytes":\d+,"content":"/,
        '... the keys in the order they always had';
    like $r->{body}, qr/\}\]\}\n\z/, '... and the document ends with a newline';
    my $entries = $r->{json}{entries};
    is_deeply [ map { $_->{id} } @$entries ], $ids, "... all $total entries, in id order";
    is_deeply [ map { $_->{content} } @$entries ], [ map { $content_of->($_) } 1 .. $total ], '... each content intact';

    $r = api(GET => "/api/memories/download/$agent/$day", token => $token);
    is $r->{status}, 200, 'markdown: 200';
    is $r->{headers}{'content-type'}, 'text/markdown; charset=utf-8', '... text/markdown';
    is $r->{headers}{'content-disposition'}, qq{attachment; filename="$agent-$day.md"}, '... an attachment';
    is $r->{headers}{'cache-control'}, 'no-store', '... Cache-Control: no-store';
    ok !defined $r->{headers}{'content-length'}, '... no Content-Length';
    ok $r->{body} eq markdown_of($agent, $day, @$entries), '... the whole document, byte for byte';
    is scalar(() = $r->{body} =~ /^## /mg), $total, '... a heading per entry';

    my $other_token_r = api(GET => "/api/memories/download/$agent/$day", token => $other_token);
    is $other_token_r->{status}, 403, "another agent's token: still 403";
    $r = api(GET => "/api/memories/download/$agent/$day?format=json", token => $admin);
    is_deeply [ map { $_->{id} } @{ $r->{json}{entries} } ], $ids, 'the admin gets the same day';
};

done_testing();
