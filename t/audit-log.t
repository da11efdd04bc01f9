#!/usr/bin/env perl
# The audit log: which requests write a row and what the row holds, the
# hash chain the sealer adds a few seconds later, and GET /admin/audit-log
# (who may read it, filters, time bounds, pagination).
use strict;
use warnings;
use NexusTest;
use Test::More;
use Time::HiRes qw(sleep time);

# --- this file's helpers -----------------------------------------------------

my $admin = admin_token();
my @undo;    # what puts the shared database back, should a test die half-way
END { $_->() for @undo }
my @FIELDS = qw(id at request_id principal action target outcome client seq hash);

# The audit rows written for one request (by its X-Request-Id).
sub rows_of {
    my ($r) = @_;
    my $id = $r->{headers}{'x-request-id'} // die "no X-Request-Id\n";
    return dbh()->selectall_arrayref(
        'SELECT id, at, request_id, principal, action, target, outcome, client, seq, prev_hash, hash'
          . ' FROM audit_log WHERE request_id = ? ORDER BY id', { Slice => {} }, $id);
}

# Every row's field values as the test expects them (id, at and chain columns left out).
sub content { my ($row) = @_; return { map { $_ => $row->{$_} } qw(request_id principal action target outcome client) } }

# GET /admin/audit-log?QUERY with the admin token, or with the token given (undef: none).
sub audit_log { my ($query, @token) = @_; api(GET => '/admin/audit-log' . ($query // ''), token => @token ? $token[0] : $admin) }

# The entries of GET /admin/audit-log?QUERY across every page (following Link).
sub all_pages {
    my ($query) = @_;
    my ($path, @entries, $pages) = ("/admin/audit-log$query");
    while ($path) {
        my $r = api(GET => $path, token => $admin);
        die "GET $path: $r->{status} $r->{body}\n" unless $r->{status} == 200;
        push @entries, @{ $r->{json} };
        $pages++;
        $path = next_link($r);
    }
    return (\@entries, $pages);
}

# The instant EPOCH (seconds since 1970, to the millisecond) in RFC 3339 with
# milliseconds, as the clock reads it OFFSET seconds east of UTC (default 0:
# "Z"). The date and time come from the epoch, so they roll over as they
# should: 23:30Z is 01:30+02:00 on the next day.
sub rfc3339 {
    my ($epoch, $offset) = @_;
    $offset //= 0;
    my $ms = sprintf('%.0f', ($epoch + $offset) * 1000);
    my @t = gmtime int($ms / 1000);
    my $zone = $offset == 0 ? 'Z'
      : sprintf('%s%02d:%02d', $offset < 0 ? '-' : '+', int(abs($offset) / 3600), int(abs($offset) % 3600 / 60));
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03d%s', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0], $ms % 1000, $zone);
}


# --- what writes a row ---------------------------------------------------------

my $slug = new_agent(slug => unique_slug('audit'));
my $target = "agent:$slug";
my @create;    # the token.create requests

{
    my $r = api(PUT => "/api/agents/$slug/token", token => $admin);
    is $r->{status}, 201, 'issue a token';
    push @create, $r;
    my $rows = rows_of($r);
    is scalar @$rows, 1, 'issuing a token writes one audit row';
    is_deeply content($rows->[0]),
        { request_id => $r->{headers}{'x-request-id'}, principal => 'admin', action => 'token.create',
          target => $target, outcome => 'ok', client => '127.0.0.1' },
        '... admin, token.create, agent:<slug>, ok, the client address, the response X-Request-Id';
    like $rows->[0]{at}, qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, '... at a time with milliseconds';

    my $rotated = api(PUT => "/api/agents/$slug/token?grace=60", token => $admin);
    is $rotated->{status}, 201, 'rotate the token';
    push @create, $rotated;
    is_deeply [ map { $_->{action} } @{ rows_of($rotated) } ], ['token.create'], '... audited as token.create';

    my $hash = $rotated->{json}{token_hash};
    my $revoked = api(DELETE => "/api/agents/$slug/token/$hash", token => $admin);
    is $revoked->{status}, 204, 'revoke the token';
    is_deeply [ map { content($_) } @{ rows_of($revoked) } ],
        [ { request_id => $revoked->{headers}{'x-request-id'}, principal => 'admin', action => 'token.revoke',
            target => $target, outcome => 'ok', client => '127.0.0.1' } ],
        '... one row: admin, token.revoke, agent:<slug>, ok';

    my $again = api(DELETE => "/api/agents/$slug/token/$hash", token => $admin);
    is $again->{status}, 404, 'revoking it again: 404';
    is_deeply rows_of($again), [], '... is not audited';
    my $nobody = api(PUT => '/api/agents/' . unique_slug('audit-nobody') . '/token', token => $admin);
    is $nobody->{status}, 404, 'a token for an unknown agent: 404';
    is_deeply rows_of($nobody), [], '... is not audited';
}

{
    my $r = api(GET => '/api/agents', token => 'nxa_' . ('Q' x 43));
    is $r->{status}, 401, 'an unknown token: 401';
    is_deeply [ map { content($_) } @{ rows_of($r) } ],
        [ { request_id => $r->{headers}{'x-request-id'}, principal => 'anonymous', action => 'auth.failed',
            target => '/api/agents', outcome => 'denied', client => '127.0.0.1' } ],
        '... audited: anonymous, auth.failed, the request path, denied';

    $r = api(GET => '/api/agents', headers => { Authorization => 'Basic YWRtaW46YWRtaW4=' });
    is $r->{status}, 401, 'a malformed Authorization header: 401';
    is_deeply [ map { $_->{action} } @{ rows_of($r) } ], ['auth.failed'], '... audited as auth.failed';

    $r = api(GET => '/api/agents');
    is $r->{status}, 401, 'no token at all: 401';
    is_deeply rows_of($r), [], '... not audited (nothing was presented)';

    my $agent_token = issue_token(new_agent(slug => unique_slug('audit-other')))->{token};
    $r = api(GET => '/api/assignments', token => $agent_token);
    is $r->{status}, 403, "a valid agent token on an admin route: 403";
    is_deeply [ map { [ $_->{action}, $_->{outcome} ] } @{ rows_of($r) } ], [ [ 'access.denied', 'denied' ] ],
        '... audited as access.denied, not as a failed authentication';

    # A path longer than the target column: cut at a character boundary, marked with an ellipsis.
    my $long = '/api/agents/' . ('x' x 300) . '/token';
    $r = api(PUT => $long, token => 'nxa_' . ('Q' x 43));
    is $r->{status}, 401, 'an unknown token on a 300-character path: 401';
    my ($row) = @{ rows_of($r) };
    is length($row->{target} // ''), 255, '... the target is cut to 255 characters';
    is substr($row->{target} // '', 0, 254), substr($long, 0, 254), '... keeping the start of the path';
    is substr($row->{target} // '', -1), "\x{2026}", '... and ending in an ellipsis';
}

# --- who may read the log ------------------------------------------------------

{
    my $agent_token = issue_token(new_agent(slug => unique_slug('audit-reader')))->{token};
    error_is(audit_log('', undef), 401, 'unauthorized', 'GET /admin/audit-log without a token: 401');
    error_is(audit_log('', 'nxa_' . ('Z' x 43)), 401, 'unauthorized', '... with an unknown token: 401');
    error_is(audit_log('', $agent_token), 403, 'forbidden', '... with an agent token: 403');
    my $r = audit_log('');
    is $r->{status}, 200, '... with the admin token: 200';
    is ref $r->{json}, 'ARRAY', '... a JSON array';
    my @ids = map { $_->{id} } @{ $r->{json} };
    is_deeply \@ids, [ sort { $b <=> $a } @ids ], '... newest first';
}

# --- the entries and the filters ---------------------------------------------------

my $mine = audit_log('?target=' . uri_escape($target))->{json};
{
    is scalar @$mine, 3, "target=agent:<slug>: the agent's 3 rows";
    is_deeply [ map { $_->{action} } @$mine ], [qw(token.revoke token.create token.create)], '... newest first';
    my $e = $mine->[2];
    is_deeply [ sort keys %$e ], [ sort @FIELDS ], '... each with exactly the documented fields';
    my $db = rows_of($create[0])->[0];
    is $e->{id}, $db->{id}, '... id';
    (my $at = $db->{at}) =~ s/ /T/;
    is $e->{at}, "${at}Z", '... at as RFC 3339 UTC with milliseconds';
    is_deeply { map { $_ => $e->{$_} } qw(request_id principal action target outcome client) }, content($db),
        '... request_id, principal, action, target, outcome, client';
    ok exists $e->{seq} && exists $e->{hash}, '... seq and hash (null until sealed)';
}

{
    my $q = '?target=' . uri_escape($target);
    is_deeply [ map { $_->{action} } @{ audit_log("$q&action=token.create")->{json} } ], [qw(token.create token.create)],
        'action=token.create';
    is scalar @{ audit_log("$q&action=token.revoke&actor=admin")->{json} }, 1, 'action=token.revoke&actor=admin';
    is_deeply audit_log("$q&actor=ADMIN")->{json}, [], 'actor is exact: ADMIN matches nothing';
    is_deeply audit_log('?target=' . uri_escape(uc $target))->{json}, [], 'target is exact: upper case matches nothing';
    is_deeply audit_log("$q&action=token.creat")->{json}, [], 'action is exact: no prefix match';
    my $failed = audit_log('?action=auth.failed&actor=anonymous&limit=5')->{json};
    ok @$failed >= 2 && !grep({ $_->{action} ne 'auth.failed' || $_->{principal} ne 'anonymous' } @$failed),
        'action=auth.failed&actor=anonymous: only failed authentications';
    is audit_log("$q&actor=")->{status}, 200, 'an empty filter is no filter';
    is scalar @{ audit_log("$q&actor=")->{json} }, 3, '... all 3 rows';
}

{
    my $q = '?target=' . uri_escape($target);
    my ($first, $last) = ($mine->[2], $mine->[0]);
    my $since = $first->{at};
    is_deeply [ map { $_->{id} } @{ audit_log("$q&since=$since")->{json} } ], [ map { $_->{id} } @$mine ],
        'since is inclusive';
    is_deeply [ map { $_->{id} } @{ audit_log("$q&until=$since")->{json} } ], [], 'until is exclusive';
    my $until = rfc3339(epoch_of($last->{at}) + 0.001);
    is scalar @{ audit_log("$q&since=$since&until=$until")->{json} }, 3, 'since..until around all 3 rows';

    # The same instant with an offset: 00:00Z = 02:00+02:00 = 22:00-02:00 the day before.
    my $at = epoch_of($since);
    is rfc3339($at), $since, '(rfc3339 writes the API\'s own times back unchanged)';
    my $plus = rfc3339($at, 2 * 3600);
    is scalar @{ audit_log("$q&since=" . uri_escape($plus))->{json} }, 3,
        "since with a +02:00 offset means the same instant ($plus)";
    my $unencoded = audit_log("$q&since=$plus");
    is $unencoded->{status}, 200, '... also with an unencoded + (a space): 200';
    is scalar @{ $unencoded->{json} }, 3, '... the same 3 rows';
    # A range earlier than the rows would hold all 3 as well; a millisecond
    # wide one pins the instant: only the first row's millisecond is in it.
    my ($minus, $minus_end) = (rfc3339($at, -2 * 3600), rfc3339($at + 0.001, -2 * 3600));
    my $range = audit_log("$q&since=" . uri_escape($minus) . '&until=' . uri_escape($minus_end))->{json};
    is_deeply [ map { $_->{id} } @$range ], [ map { $_->{id} } grep { $_->{at} eq $since } @$mine ],
        "... and so with -02:00: $minus until $minus_end is the first row's millisecond";
    my $later = rfc3339($at + 2 * 3600);
    is_deeply audit_log("$q&since=$later")->{json}, [], "... while two hours later in UTC is after them ($later)";

    for my $bad ('yesterday', '2026-01-02', '2026-01-02T03:04:05', '2026-13-02T03:04:05Z', '2026-02-30T03:04:05Z',
        '2026-01-02T24:00:00Z', '2026-01-02T03:04:05.Z', '2026-01-02T03:04:05+0200', '0999-01-01T00:00:00Z')
    {
        error_is(audit_log('?since=' . uri_escape($bad)), 400, 'bad_request', "since=$bad: 400", qr/'since'/);
    }
    error_is(audit_log('?until=2026-01-02T03:04'), 400, 'bad_request', 'a malformed until: 400 naming it', qr/'until'/);
    error_is(audit_log('?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z'), 400, 'bad_request',
        'since after until: 400', qr/'since'/);
    error_is(audit_log('?action=' . uri_escape("t\x{e9}")), 400, 'bad_request', 'a non-ASCII action: 400', qr/'action'/);
    error_is(audit_log('?actor=%FF'), 400, 'bad_request', 'an actor that is not UTF-8: 400', qr/'actor'/);
}

# --- pagination --------------------------------------------------------------------

{
    my $q = '?target=' . uri_escape($target);
    my $r = audit_log("$q&limit=1");
    is scalar @{ $r->{json} }, 1, 'limit=1: one entry';
    like $r->{headers}{link} // '', qr/^<\/admin\/audit-log\?[^>]*after=[^>]*>; rel="next"$/, '... and a Link rel=next';
    like next_link($r) // '', qr/target=/, '... that keeps the filter';
    my ($entries, $pages) = all_pages("$q&limit=1");
    is_deeply [ map { $_->{id} } @$entries ], [ map { $_->{id} } @$mine ], 'following Link visits every entry once, in order';
    is $pages, 3, '... one per page';
    my ($two) = all_pages("$q&limit=2");
    is scalar @$two, 3, 'limit=2: the same 3 entries';
    ok !defined next_link(audit_log("$q&limit=3")), 'no Link when everything fits';
    error_is(audit_log('?after=bm90LWEtbnVtYmVy'), 400, 'bad_request', 'a cursor that is not an id: 400', qr/'after'/);
    error_is(audit_log('?limit=0'), 400, 'bad_request', 'limit=0: 400', qr/'limit'/);
}

# --- the sealer ----------------------------------------------------------------------

{
    my @ids = map { $_->{id} } @$mine;
    my $in = join ',', ('?') x @ids;
    my $sealed = wait_until(15, sub {
        my $n = dbh()->selectrow_array("SELECT COUNT(*) FROM audit_log WHERE id IN ($in) AND seq IS NOT NULL", undef, @ids);
        return $n == @ids;
    });
    ok $sealed, 'the rows are sealed within seconds';
    my $keys = audit_keys();
    ok $keys && $keys->{from} == 1, 'the test keyring has an integrity key, keying the chain from seq 1';
    my $rows = dbh()->selectall_arrayref(
        "SELECT id, at, request_id, principal, action, target, outcome, client, seq, prev_hash, hash, row_mac FROM audit_log"
          . " WHERE id IN ($in) ORDER BY id", { Slice => {} }, @ids);
    for my $row (@$rows) {
        subtest "row $row->{id}" => sub {
            like $row->{seq} // '', qr/^[1-9]\d*$/, 'seq is set';
            like $row->{hash} // '', qr/^[0-9a-f]{64}$/, 'hash is 64 hex digits';
            like $row->{prev_hash} // '', qr/^[0-9a-f]{64}$/, 'prev_hash is 64 hex digits';
            is $row->{hash}, audit_chain_hash($row, $keys),
                'hash = HMAC-SHA-256(chain key, prev_hash || canonical row), recomputed here';
            isnt $row->{hash}, audit_chain_hash($row, undef), '... not the plain SHA-256 a database writer could make';
            is $row->{row_mac}, audit_row_mac($row, $keys), 'row_mac = HMAC-SHA-256(row key, content), recomputed here';
            my ($prev) = dbh()->selectrow_array('SELECT hash FROM audit_log WHERE seq = ?', undef, $row->{seq} - 1);
            is $row->{prev_hash}, $prev // '0' x 64, "prev_hash is the hash of seq " . ($row->{seq} - 1);
        };
    }
    my $listed = audit_log('?target=' . uri_escape($target))->{json};
    is_deeply [ map { [ $_->{seq}, $_->{hash} ] } reverse @$listed ], [ map { [ $_->{seq}, $_->{hash} ] } @$rows ],
        'the API shows seq and hash';

    # Each row carries its own random write key (migration 0014), so a write
    # run again after a lost connection skips a row that is already there.
    my $write_keys = dbh()->selectcol_arrayref("SELECT write_key FROM audit_log WHERE id IN ($in)", undef, @ids);
    is scalar(grep { defined && /^[A-Za-z0-9_-]{32}$/ } @$write_keys), scalar @ids,
        'every row has a write key of 32 base64url characters';
    my %distinct = map { ($_ // '') => 1 } @$write_keys;
    is scalar(keys %distinct), scalar @ids, '... each its own';
    {
        # The statement the pool runs, run again with a row's key: nothing new.
        my $d = dbh();
        my ($before) = $d->selectrow_array('SELECT COUNT(*) FROM audit_log');
        my $row = $d->selectrow_hashref('SELECT at, request_id, principal, action, target, outcome, client, row_mac, write_key'
            . ' FROM audit_log WHERE id = ?', undef, $ids[0]);
        $d->do('INSERT INTO audit_log (at, request_id, principal, action, target, outcome, client, row_mac, write_key)'
            . ' VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id', undef,
            @$row{qw(at request_id principal action target outcome client row_mac write_key)});
        my ($after) = $d->selectrow_array('SELECT COUNT(*) FROM audit_log');
        is $after, $before, 'an audit row written again with its write key is not stored twice';
    }

    my ($gaps) = dbh()->selectrow_array(
        'SELECT COUNT(*) FROM audit_log a WHERE a.seq > 1 AND NOT EXISTS (SELECT 1 FROM audit_log b WHERE b.seq = a.seq - 1)');
    is $gaps, 0, 'seq has no gaps';
}

# --- when the audit log cannot be written ----------------------------------------------

{
    my $slug2 = new_agent(slug => unique_slug('audit-down'));
    my $old = issue_token($slug2)->{token};
    my $dbh = dbh();
    # Hidden for a moment; put back by END should a test die meanwhile.
    $dbh->do('RENAME TABLE audit_log TO audit_log_hidden');
    my $restored;
    my $restore = sub { $dbh->do('RENAME TABLE audit_log_hidden TO audit_log') unless $restored++ };
    push @undo, $restore;

    my $r = api(PUT => "/api/agents/$slug2/token", token => $admin);
    error_is($r, 503, 'unavailable', 'issuing a token while the audit log cannot be written: 503',
        qr/^the audit log is unavailable$/);
    is api(POST => "/api/agents/$slug2/heartbeat", token => $old)->{status}, 200,
        '... and nothing changed: the old token still works (the change rolled back with its audit row)';
    $r = api(GET => '/api/agents', token => 'nxa_' . ('Q' x 43));
    error_is($r, 401, 'unauthorized', 'an unknown token while the audit log cannot be written: still 401');
    $restore->();

    my $log = do { local (@ARGV, $/) = (stack_env('NEXUS_LOG')); <> };
    like $log, qr/audit row not written: request \S+, admin token\.create agent:\Q$slug2\E -> ok/,
        'the pool log names the unaudited change';
    my $again = api(PUT => "/api/agents/$slug2/token", token => $admin);
    is $again->{status}, 201, 'once the table is back: 201';
    is scalar @{ rows_of($again) }, 1, '... and audited again';
}

done_testing;
