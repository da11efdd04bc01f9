# The vault's records at rest: tampering, a copied record and a missing key
# each fail cleanly (a JSON error and an audit row, never a value or a
# crash); a read whose audit row cannot be written fails closed; a record of
# format 1 still reads; keys rotate and rewrap (which moves format 1 to
# format 2) without losing a value; a database dump holds no value in clear.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use NexusTest;

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('vc');
my $scope = "crypto-$tag";

sub create {
    my ($name, $value) = @_;
    my $r = api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => $name, value => $value });
    die "create $name: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{id};
}
sub read_secret { api(GET => "/api/vault/secrets/$_[0]", token => $admin) }
sub record_of {
    my ($id) = @_;
    return $dbh->selectrow_array('SELECT v.record FROM secret_versions v JOIN secrets s
        ON s.id = v.secret_id AND s.version = v.version WHERE s.id = ?', undef, $id);
}
sub set_record {
    my ($id, $record) = @_;
    my $st = $dbh->prepare('UPDATE secret_versions v JOIN secrets s ON s.id = v.secret_id AND s.version = v.version
        SET v.record = ? WHERE s.id = ?');
    $st->bind_param(1, $record, DBI::SQL_BLOB());    # bytes, not text (DBD::MariaDB encodes text as UTF-8)
    $st->bind_param(2, $id);
    $st->execute;
}
sub last_audit {
    my ($id) = @_;
    return $dbh->selectrow_hashref('SELECT outcome, principal FROM audit_log WHERE action = ? AND target = ?
        ORDER BY id DESC LIMIT 1', undef, 'secret.read', "secret:$id");
}
sub undecryptable_ok {
    my ($r, $id, $label) = @_;
    error_is($r, 500, 'undecryptable', $label);
    unlike($r->{body}, qr/known-value/, '... without any value');
    is(last_audit($id)->{outcome}, 'error', '... and audited as an error');
}

my %value = map { $_ => "known-value-$_-$tag" } qw(a b c);
my %id = map { $_ => create("t/$_", $value{$_}) } sort keys %value;
is(read_secret($id{a})->{json}{value}, $value{a}, 'a fresh secret reads back');

# 1. One flipped byte anywhere in the record.
my $original = record_of($id{a});
cmp_ok(length $original, '>', 1 + 4 + 12 + 32 + 16 + 12 + 16, 'the stored record has the envelope layout');
for my $pos (0, 3, 10, 40, length($original) - 20, length($original) - 1) {
    my $tampered = $original;
    substr($tampered, $pos, 1) = chr(ord(substr($tampered, $pos, 1)) ^ 0x01);
    set_record($id{a}, $tampered);
    undecryptable_ok(read_secret($id{a}), $id{a}, "a record with byte $pos flipped fails cleanly");
}
set_record($id{a}, $original);
is(read_secret($id{a})->{json}{value}, $value{a}, 'the restored record reads again');

# 2. A record copied to another secret's row (identity binding).
my $b_record = record_of($id{b});
set_record($id{b}, record_of($id{c}));
undecryptable_ok(read_secret($id{b}), $id{b}, "another secret's record fails to open here");
set_record($id{b}, $b_record);

# 3. A key id the keyring does not hold.
my $foreign = $original;
substr($foreign, 1, 4) = pack('N', 4_000_000);
set_record($id{a}, $foreign);
undecryptable_ok(read_secret($id{a}), $id{a}, 'a record under a key id missing from the keyring fails cleanly');
set_record($id{a}, $original);

# 4. Fail closed: a read whose audit row cannot be written returns no value.
$dbh->do(qq{CREATE TRIGGER audit_refuse_$$ BEFORE INSERT ON audit_log FOR EACH ROW
    BEGIN IF NEW.target = 'secret:$id{c}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'test: audit refused'; END IF; END});
my $r = read_secret($id{c});
$dbh->do("DROP TRIGGER audit_refuse_$$");
error_is($r, 503, 'unavailable', 'a read that cannot be audited is 503');
unlike($r->{body}, qr/known-value/, '... and the value never leaves');
is(read_secret($id{c})->{json}{value}, $value{c}, 'once the audit log works the read works');

# 5a. A record of format 1 (what the vault wrote before format 2) still reads.
# It was sealed by the vault at 7b7ef95 under a test key (the bytes 0x40..0x5f)
# that the test adds to the stack's keyring as key 900, for the identity of
# secret 9000001 below.
my $format1_id = 9_000_001;
my $format1_record = pack('H*', join '', qw(
010000038440f3c42c5d430511410aa1ee82d641233b92d5f169144689248fa7e3f3917c2f98251e
bed3f730e0cad89f159944477cf7db5078e5a8c31786a254b05107514c06720ac047e566c0dca824
2e6ee3e8aeb6da2857db329748a061576caab8ba54ac006471c4b618a595d35533
));
{
    my $keyring = stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
    open my $fh, '>>', $keyring or die "$keyring: $!";
    print $fh "key.900 = QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\n";
    close $fh or die "$keyring: $!";
}
$dbh->do('DELETE FROM secrets WHERE id = ?', undef, $format1_id);
# Written by hand, so its MAC too (src/vault/SecretMac.h), or its read is refused.
$dbh->do(q{INSERT INTO secrets (id, scope, name, version, created_at, updated_at, mac)
    VALUES (?, 'format-1-fixture', 't/format-1', 1, NOW(3), NOW(3), ?)}, undef, $format1_id,
    secret_mac({ id => $format1_id, scope => 'format-1-fixture', name => 't/format-1', version => 1 }, audit_keys()));
{
    my $st = $dbh->prepare('INSERT INTO secret_versions (secret_id, version, key_id, record, created_at)
        VALUES (?, 1, 900, ?, NOW(3))');
    $st->bind_param(1, $format1_id);
    $st->bind_param(2, $format1_record, DBI::SQL_BLOB());
    $st->execute;
}
sleep 1.2;    # workers look at the keyring file at most once a second
is(ord(record_of($format1_id)), 1, 'the stored record is of format 1');
is(read_secret($format1_id)->{json}{value}, 'known-value-format-1', 'a format-1 record reads');
is(ord(record_of($id{a})), 2, 'a new secret is stored in format 2');

# 5. Rotation without downtime, then rewrap.
my $before = $dbh->selectrow_array('SELECT key_id FROM secret_versions WHERE secret_id = ?', undef, $id{a});
my ($rc, $out) = nexusctl('vault', 'rotate-key');
is($rc, 0, 'nexusctl vault rotate-key succeeds') or diag($out);
my ($active) = $out =~ /(\d+)/;
sleep 1.2;    # workers look at the keyring file at most once a second
my $new = create('t/after-rotation', "known-value-new-$tag");
is($dbh->selectrow_array('SELECT key_id FROM secret_versions WHERE secret_id = ?', undef, $new), $active,
    'a new secret is wrapped by the new active key');
is(read_secret($id{a})->{json}{value}, $value{a}, 'an old secret still reads under its old key');
($rc, $out) = nexusctl('vault', 'rewrap');
is($rc, 0, 'nexusctl vault rewrap succeeds') or diag($out);
like($out, qr/rewrapped/i, '... and reports progress');
my $rewrap = $dbh->selectrow_hashref('SELECT principal, outcome, client FROM audit_log WHERE action = ? AND target = ?
    ORDER BY id DESC LIMIT 1', undef, 'vault.rewrap', "keyring:$active");
is($rewrap->{outcome}, 'ok', '... and is audited as vault.rewrap of the active key');
like($rewrap->{principal} // '', qr/^operator:/, '... by the operator');
is($rewrap->{client}, 'local', '... from this host');
is($dbh->selectrow_array('SELECT COUNT(*) FROM secret_versions WHERE key_id <> ?', undef, $active), 0,
    'every version is now under the active key');
is(read_secret($id{$_})->{json}{value}, $value{$_}, "'$_' reads after the rewrap") for sort keys %value;
is($dbh->selectrow_array('SELECT COUNT(*) FROM secret_versions WHERE ASCII(record) <> 2'), 0,
    'every version is now of format 2');
is(ord(record_of($format1_id)), 2, 'the format-1 record became format 2');
is($dbh->selectrow_array('SELECT key_id FROM secret_versions WHERE secret_id = ?', undef, $format1_id), $active,
    '... under the active key');
is(read_secret($format1_id)->{json}{value}, 'known-value-format-1', '... and still reads');

# 6. A dump of the database holds no value in clear.
my $dump = do {
    local $ENV{MYSQL_PWD} = db_password();
    qx{mariadb-dump --socket=@{[ stack_env('NEXUS_DB_SOCKET') ]} -u nexus nexus 2>/dev/null};
};
cmp_ok(length $dump, '>', 1000, 'mariadb-dump produced a dump');
like($dump, qr/secret_versions/, '... with the vault tables');
unlike($dump, qr/known-value/, '... and none of the values in clear');

# 7. Nothing of a value reaches the logs, even from the failures above.
for my $log (stack_env('NEXUS_LOG'), stack_env('NEXUS_RUN_DIR') . '/nginx/access.log') {
    my $text = do { local (@ARGV, $/) = ($log); <> } // '';
    unlike($text, qr/known-value/, "no value in $log");
}

done_testing;
