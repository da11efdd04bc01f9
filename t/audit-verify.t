#!/usr/bin/env perl
# nexusctl audit verify and seal: the live chain verifies; an edited sealed
# row and a deleted sealed row are named; the keyed chain (the keyring's
# integrity key) stops what a database writer could do to an unkeyed one:
# re-chain with SHA-256, forge a row, take rows out and have them re-chained. The suite shares one database, so
# every change made here is undone (also when a test dies half-way).
use strict;
use warnings;
use NexusTest;
use Test::More;

my $nexusctl = built('nexusctl');

my $dbh = dbh();
my @COLUMNS = qw(id at request_id principal action target outcome client seq prev_hash hash row_mac);
my @undo;    # code refs that put the table back, newest first
END { $_->() for @undo }

sub row_by_seq {
    my ($seq) = @_;
    return $dbh->selectrow_hashref('SELECT ' . join(', ', @COLUMNS) . ' FROM audit_log WHERE seq = ?', undef, $seq);
}

# Seals everything older than the seal delay now; returns the chain's last seq.
sub seal_now {
    sleep 1;    # past audit.seal_delay_ms (500 ms)
    my ($rc, $out) = nexusctl('audit', 'seal');
    is $rc, 0, 'nexusctl audit seal: exit 0' or diag $out;
    my ($head) = $out =~ /the chain ends at seq (\d+)/;
    return $head;
}

# --- usage --------------------------------------------------------------------------

{
    my ($rc, $out) = nexusctl('audit');
    is $rc, 2, 'nexusctl audit without a command: exit 2';
    like $out, qr/usage: nexusctl audit/, '... with the usage';
    ($rc, $out) = nexusctl('audit', 'frobnicate');
    is $rc, 2, 'an unknown audit command: exit 2';
    ($rc, $out) = nexusctl('audit', 'verify', 'extra');
    is $rc, 2, 'verify with an extra argument: exit 2';
    ($rc, $out) = nexusctl('audit', 'help');
    is $rc, 0, 'nexusctl audit help: exit 0';
    like $out, qr/verify.*seal/s, '... naming verify and seal';
}

# --- an intact chain ------------------------------------------------------------------

# Some rows of our own: token issues are audited.
my $slug = new_agent(slug => unique_slug('verify'));
issue_token($slug) for 1 .. 3;
my $head = seal_now();
ok defined $head && $head >= 3, "the chain has at least 3 sealed rows (head seq $head)";
{
    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'nexusctl audit verify on the live chain: exit 0' or diag $out;
    like $out, qr/^audit chain intact: \d+ sealed rows \(seq 1\.\.\d+, head hash [0-9a-f]{64}\); \d+ unsealed rows/,
        '... and says so';
}

# --- an edited sealed row ----------------------------------------------------------------

{
    my $row = row_by_seq($head - 1);
    ok $row, "the row with seq @{[$head - 1]} (id $row->{id})";
    $dbh->do('UPDATE audit_log SET target = ? WHERE id = ?', undef, 'agent:someone-else', $row->{id});
    unshift @undo, sub { $dbh->do('UPDATE audit_log SET target = ? WHERE id = ?', undef, $row->{target}, $row->{id}) };

    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, 'verify after editing its target: exit 1';
    like $out, qr/^audit chain broken at row $row->{id} \(seq $row->{seq}\): row MAC mismatch \(its content was changed in the database\)$/m,
        '... naming the row: its row MAC does not match' or diag $out;
    like $out, qr/^1 problem in \d+ sealed/m, '... and only that row';

    (shift @undo)->();
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'verify after restoring it: exit 0' or diag $out;

    for my $edit ([ principal => 'admin2' ], [ at => '2001-01-01 00:00:00.000' ], [ outcome => 'denied' ]) {
        my ($column, $value) = @$edit;
        $value = 'error' if $column eq 'outcome' && $row->{outcome} eq 'denied';
        $dbh->do("UPDATE audit_log SET $column = ? WHERE id = ?", undef, $value, $row->{id});
        unshift @undo, sub { $dbh->do("UPDATE audit_log SET $column = ? WHERE id = ?", undef, $row->{$column}, $row->{id}) };
        ($rc, $out) = nexusctl('audit', 'verify');
        is $rc, 1, "editing its $column: exit 1";
        like $out, qr/broken at row $row->{id} /, '... naming the row';
        (shift @undo)->();
    }
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'verify after restoring every edit: exit 0' or diag $out;
}

# --- a deleted sealed row ------------------------------------------------------------------

{
    my $row = row_by_seq($head - 2);
    my $next = row_by_seq($head - 1);
    ok $row && $next, "the rows with seq @{[$head - 2]} and @{[$head - 1]}";
    $dbh->do('DELETE FROM audit_log WHERE id = ?', undef, $row->{id});
    unshift @undo, sub {
        $dbh->do('INSERT INTO audit_log (' . join(', ', @COLUMNS) . ') VALUES (' . join(', ', ('?') x @COLUMNS) . ')',
            undef, @$row{@COLUMNS});
    };

    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, "verify after deleting the row with seq $row->{seq}: exit 1";
    like $out, qr/^audit chain broken at row $next->{id} \(seq $next->{seq}\): seq gap: seq $row->{seq} missing$/m,
        '... a seq gap, naming the row after it' or diag $out;

    (shift @undo)->();
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'verify after re-inserting the same row: exit 0' or diag $out;
}

# --- a head recorded outside the database ---------------------------------------------

sub slurp_log {
    open my $fh, '<', stack_env('NEXUS_LOG') or return '';
    local $/;
    return <$fh>;
}

# The last "audit chain head: seq N hash H" line of the pool log.
sub logged_head {
    open my $fh, '<', stack_env('NEXUS_LOG') or return;
    my ($seq, $hash);
    while (<$fh>) { ($seq, $hash) = ($1, $2) if /audit chain head: seq (\d+) hash ([0-9a-f]{64})/ }
    return ($seq, $hash);
}

{
    issue_token($slug);    # a row for the workers' sealer, which logs the head it leaves
    my ($max) = $dbh->selectrow_array('SELECT MAX(id) FROM audit_log');
    my ($seq, $hash);
    ok wait_until(15, sub {
        ($seq, $hash) = logged_head();
        my ($sealed) = $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE id = ? AND seq IS NOT NULL', undef, $max);
        $sealed && $seq && $seq == $dbh->selectrow_array('SELECT MAX(seq) FROM audit_log');
    }), "the sealer logs the head it leaves (seq @{[$seq // '?']})";

    my ($rc, $out) = nexusctl('audit', 'verify', '--head', "$seq:$hash");
    is $rc, 0, 'verify --head with the logged head: exit 0' or diag $out;
    ($rc, $out) = nexusctl('audit', 'verify', '--head', "$seq:" . ('0' x 64));
    is $rc, 1, 'another hash at that seq: exit 1';
    like $out, qr/^audit chain broken at row \d+ \(seq $seq\): not the recorded head/m, '... naming it' or diag $out;
    ($rc, $out) = nexusctl('audit', 'verify', '--head', ($seq + 1000) . ":$hash");
    is $rc, 1, 'a head past the end of the chain: exit 1';
    like $out, qr/rows were cut from its end/, '... the tail was cut' or diag $out;
    ($rc, $out) = nexusctl('audit', 'verify', '--head', 'not-a-head');
    is $rc, 2, 'a --head that is not SEQ:HASH: exit 2';

    # Taking the last row out of the chain, editing it and letting the
    # sealer chain it again (the old, unkeyed chain then verified): the
    # sealer sees its head go back and the row MAC fail, and leaves it.
    my $row = row_by_seq($seq);
    $dbh->do('UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL, target = ? WHERE id = ?', undef,
        'agent:someone-else', $row->{id});
    unshift @undo, sub {
        $dbh->do('UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ?, target = ? WHERE id = ?', undef,
            @$row{qw(seq prev_hash hash target id)});
    };
    ok wait_until(10, sub { slurp_log() =~ /audit sealer: (?:the audit chain's head went back|not chaining row $row->{id}: its row MAC does not match)/ }),
        'the sealer logs that it will not chain it';
    sleep 2;    # several seal intervals
    my ($still) = $dbh->selectrow_array('SELECT seq IS NULL FROM audit_log WHERE id = ?', undef, $row->{id});
    ok $still, '... and leaves it unsealed';
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, 'a plain verify: exit 1';
    like $out, qr/^audit chain broken at row $row->{id} \(unsealed\): row MAC mismatch/m, '... naming the edited row'
        or diag $out;
    ($rc, $out) = nexusctl('audit', 'verify', '--head', "$seq:$hash");
    is $rc, 1, 'verify --head with the head logged before: exit 1';
    (shift @undo)->();
    ($rc, $out) = nexusctl('audit', 'verify', '--head', "$seq:$hash");
    is $rc, 0, 'restored: exit 0' or diag $out;
}

# --- what the key stops ----------------------------------------------------------------

{
    issue_token($slug);
    my $top = seal_now();
    my $keys = audit_keys();
    ok $keys, 'the test keyring has an integrity key';

    # Re-chaining with plain SHA-256 (what a database writer can compute).
    my $row = row_by_seq($top);
    my $sha = audit_chain_hash($row, undef);
    $dbh->do('UPDATE audit_log SET hash = ? WHERE id = ?', undef, $sha, $row->{id});
    unshift @undo, sub { $dbh->do('UPDATE audit_log SET hash = ? WHERE id = ?', undef, $row->{hash}, $row->{id}) };
    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, 'the last row re-hashed with plain SHA-256: exit 1';
    like $out, qr/^audit chain broken at row $row->{id} \(seq $top\): hash mismatch \(keyed chain/m,
        '... a hash mismatch of the keyed chain' or diag $out;
    (shift @undo)->();

    # A row written straight into the table (a forged entry) has no row MAC.
    $dbh->do("INSERT INTO audit_log (at, request_id, principal, action, target, outcome, client)"
          . " VALUES (UTC_TIMESTAMP(3) - INTERVAL 2 SECOND, 'forged', 'admin', 'token.revoke', ?, 'ok', '127.0.0.1')",
        undef, "agent:$slug");
    my $forged = $dbh->last_insert_id(undef, undef, 'audit_log', 'id');
    unshift @undo, sub { $dbh->do('DELETE FROM audit_log WHERE id = ?', undef, $forged) };
    ($rc, $out) = nexusctl('audit', 'seal');
    is $rc, 1, 'nexusctl audit seal refuses the forged row: exit 1';
    like $out, qr/not chaining row $forged: it has no row MAC/, '... naming it' or diag $out;
    my ($unsealed) = $dbh->selectrow_array('SELECT seq IS NULL FROM audit_log WHERE id = ?', undef, $forged);
    ok $unsealed, '... which stays unsealed';
    ok wait_until(10, sub { slurp_log() =~ /audit sealer: not chaining row $forged: it has no row MAC/ }),
        'the workers\' sealer refuses it too, and logs it';
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, 'verify: exit 1';
    like $out, qr/^audit chain broken at row $forged \(unsealed\): no row MAC/m, '... naming the forged row' or diag $out;
    (shift @undo)->();

    # With another keyring's integrity key nothing verifies.
    my $other = stack_env('NEXUS_RUN_DIR') . '/other.keyring';
    unlink $other;
    my ($irc, $iout) = nexusctl('vault', 'init', '--keyring', $other);
    is $irc, 0, 'another keyring' or diag $iout;
    {
        local $ENV{NEXUS_VAULT_KEYRING_FILE} = $other;
        my $nx = built('nexusctl');
        local $ENV{NEXUS_DB_SOCKET} = stack_env('NEXUS_DB_SOCKET');
        local $ENV{NEXUS_DB_PASSWORD} = db_password();
        local $ENV{NEXUS_CONFIG} = top_dir() . '/conf/app.properties';
        my $o = `"$nx" audit verify 2>&1`;
        is $? >> 8, 1, 'verify with another keyring: exit 1';
        like $o, qr/^audit chain broken at row \d+ \(seq 1\): row MAC mismatch/m, '... from the first row on' or diag $o;
    }
    unlink $other;
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'everything restored: exit 0' or diag $out;
    like $out, qr/^keyed from seq 1 on/m, '... and the chain is keyed' or diag $out;
}

# --- an unreachable database -------------------------------------------------------------

{
    local $ENV{NEXUS_DB_SOCKET} = '/nonexistent/mysqld.sock';
    local $ENV{NEXUS_DB_PASSWORD} = 'x';
    local $ENV{NEXUS_CONFIG} = top_dir() . '/conf/app.properties';
    my $out = `"$nexusctl" audit verify 2>&1`;
    is $? >> 8, 3, 'verify without a database: exit 3 (not 1: nothing was found broken)';
    like $out, qr/audit verify failed/, '... saying it could not check' or diag $out;
}

done_testing;
