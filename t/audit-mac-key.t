#!/usr/bin/env perl
# nexusctl vault mac-key: a keyring made before the integrity key existed
# (its audit chain plain SHA-256) gets one, and the chain is keyed from the
# row after its head on, while the pool runs: older rows keep verifying as
# they were, newer ones carry row MACs and keyed links, and cutting rows
# from the chain's end below that seq is reported. The secrets written
# before it have no MAC and read; mac-key stamps them (src/vault/SecretMac.h).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);

use lib 't/lib';
my $without_mac;
BEGIN {
    require NexusTest;
    # A keyring as `vault init` made them before: keys, no mac lines.
    my $scratch = tempdir('nexus-mackey-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $nexusctl = NexusTest::built('nexusctl');
    system("'$nexusctl' vault init --keyring '$scratch/k' >/dev/null") == 0 or die 'vault init failed';
    open my $fh, '<', "$scratch/k" or die;
    $without_mac = join '', grep { !/^\s*mac/ } <$fh>;
    close $fh;
    NexusTest::own_stack('nexus-mackey', -keyring => $without_mac);
}
use NexusTest;

unlike $without_mac, qr/^mac/m, 'a keyring without an integrity key';
my $keyring = stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
my $dbh = dbh();

sub seal_head {
    sleep 1;    # past the seal delay
    my ($rc, $out) = nexusctl('audit', 'seal');
    is $rc, 0, 'nexusctl audit seal: exit 0' or diag $out;
    return $out =~ /the chain ends at seq (\d+)/ ? $1 : undef;
}

sub rows_by_seq {
    return $dbh->selectall_arrayref(
        'SELECT id, at, request_id, principal, action, target, outcome, client, seq, prev_hash, hash, row_mac'
          . ' FROM audit_log WHERE seq IS NOT NULL ORDER BY seq', { Slice => {} });
}

my $slug = new_agent(slug => unique_slug('mackey'));
issue_token($slug) for 1 .. 3;
my $admin = admin_token();
my $secret = api(POST => '/api/vault/secrets', token => $admin,
    json => { scope => 'mackey', name => 'before', value => 'value-before', allowed_profiles => ['p1', 'p0'] });
is $secret->{status}, 201, 'a secret written without an integrity key' or diag $secret->{body};
my $secret_id = $secret->{json}{id};
is $dbh->selectrow_array('SELECT mac FROM secrets WHERE id = ?', undef, $secret_id), undef, '... has no MAC';
is api(GET => "/api/vault/secrets/$secret_id", token => $admin)->{json}{value}, 'value-before', '... and reads';
my $before = seal_head();
ok $before && $before >= 3, "an unkeyed chain of $before rows";
{
    my ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'it verifies' or diag $out;
    like $out, qr/^not keyed: the keyring has no integrity key/m, '... and verify says it is not keyed';
    ($rc, $out) = nexusctl('vault', 'status');
    like $out, qr/^integrity\s+none: the audit log is not keyed/m, 'vault status says so too';
    my ($macs) = $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE row_mac IS NOT NULL');
    is $macs, 0, 'no row has a row MAC';
}

{
    my ($rc, $out) = nexusctl('vault', 'mac-key');
    is $rc, 0, 'nexusctl vault mac-key: exit 0' or diag $out;
    my $from = $before + 1;
    like $out, qr/the audit chain is keyed from seq $from\b/, "... keyed from seq $from, the row after the head";
    like $out, qr/waiting \d+ s for the workers/, '... after the workers have the key';
    is sprintf('%o', (stat $keyring)[2] & 07777), '600', 'the keyring is still 0600';
    like $out, qr/authenticated 1 secrets/, '... and stamps the secret written before';
    my $keys = audit_keys($keyring);
    ok $keys, 'the keyring now has an integrity key';
    my $row = $dbh->selectrow_hashref('SELECT id, scope, name, version, mac FROM secrets WHERE id = ?', undef, $secret_id);
    is $row->{mac}, secret_mac({ %$row, profiles => [qw(p0 p1)] }, $keys), 'the secret carries its MAC';
    is api(GET => "/api/vault/secrets/$secret_id", token => $admin)->{json}{value}, 'value-before', '... and reads';
    $dbh->do('UPDATE secrets SET mac = NULL WHERE id = ?', undef, $secret_id);
    is api(GET => "/api/vault/secrets/$secret_id", token => $admin)->{status}, 500,
        'with the key in place a MAC nulled afterwards is refused';
    $dbh->do('UPDATE secrets SET mac = ? WHERE id = ?', undef, $row->{mac}, $secret_id);
    is $keys->{from}, $from, "... mac.audit_from = $from";
    ($rc, $out) = nexusctl('vault', 'mac-key');
    is $rc, 0, 'a second mac-key: exit 0';
    like $out, qr/already has an integrity key/, '... changes nothing';
    is audit_keys($keyring)->{from}, $from, '... the same seq';

    issue_token($slug) for 1 .. 3;
    my $after = seal_head();
    ok $after >= $from + 2, "the chain goes on to seq $after";
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 0, 'the whole chain verifies' or diag $out;
    like $out, qr/^keyed from seq $from on/m, "... keyed from seq $from";

    my ($plain, $keyed, $macs) = (0, 0, 0);
    for my $row (@{ rows_by_seq() }) {
        if ($row->{seq} < $from) {
            ++$plain if $row->{hash} eq audit_chain_hash($row, undef);
        } else {
            ++$keyed if $row->{hash} eq audit_chain_hash($row, $keys) && $row->{hash} ne audit_chain_hash($row, undef);
            ++$macs if ($row->{row_mac} // '') eq audit_row_mac($row, $keys);
        }
    }
    is $plain, $before, 'the rows before it keep their SHA-256 links';
    is $keyed, $after - $before, 'the rows from it on are HMAC-linked';
    is $macs, $after - $before, '... and carry their row MAC';
    ($rc, $out) = nexusctl('vault', 'status');
    like $out, qr/^integrity\s+audit chain keyed from seq $from/m, 'vault status says where the keyed chain starts';

    # Cutting the keyed rows and one more off the end (a database writer
    # hiding the last entries): the keyring remembers where keying began.
    $dbh->do('DELETE FROM audit_log WHERE seq >= ?', undef, $before);
    ($rc, $out) = nexusctl('audit', 'verify');
    is $rc, 1, 'rows cut below the keyed seq: exit 1';
    like $out, qr/the keyring keys the chain from seq $from, but it ends at seq @{[$before - 1]}: rows were cut from its end/,
        '... saying so' or diag $out;
    issue_token($slug);
    ok wait_until(10, sub {
        open my $log, '<', stack_env('NEXUS_LOG') or return;
        local $/;
        <$log> =~ /audit sealer: the audit chain(?: ends at seq|'s head went back)/;
    }), 'the workers\' sealer stops and says why'
        or diag join '', grep { /audit/ } do { open my $l, '<', stack_env('NEXUS_LOG'); <$l> };
}

done_testing;
