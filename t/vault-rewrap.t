#!/usr/bin/env perl
# nexusctl vault rewrap leaves nothing behind: a version written under the
# old key behind its cursor (what a worker with a keyring up to a second old
# may do) is found by another pass; what cannot be rewrapped is named and
# the exit code says so; vault status counts the records per key.
# On a stack of this file's own (thousands of secrets of its own).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);

use lib 't/lib';
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-rewrap', NEXUS_SERVER_MAX_REQUESTS => 100000);
}
use NexusTest;
use POSIX ();

my $admin = admin_token();
my $dbh = dbh();
my $count = 3000;

my @ids;
for my $i (1 .. $count) {
    my $r = api(POST => '/api/vault/secrets', token => $admin, json => { scope => 'rewrap', name => "s$i", value => "value-$i" });
    die "create s$i: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    push @ids, $r->{json}{id};
}
my $first = $ids[0];

# Writes a version's key id and record bytes (bound as a BLOB: bytes, not text).
sub put_record {
    my ($secret, $key, $record) = @_;
    my $sth = $dbh->prepare('UPDATE secret_versions SET key_id = ?, record = ? WHERE secret_id = ?');
    $sth->bind_param(1, $key);
    $sth->bind_param(2, $record, DBI::SQL_BLOB());
    $sth->bind_param(3, $secret);
    $sth->execute;
}
my ($old_key, $old_record) = $dbh->selectrow_array('SELECT key_id, record FROM secret_versions WHERE secret_id = ?', undef, $first);

my ($rc, $out) = nexusctl('vault', 'rotate-key');
is $rc, 0, 'rotate-key' or diag $out;
my ($active) = $out =~ /(\d+)/;
isnt $active, $old_key, "a new active key $active";

($rc, $out) = nexusctl('vault', 'status');
like $out, qr/^records\s+key \Q$old_key\E, format 2: \Q$count\E$/m, "vault status: $count records under key $old_key";

# Rewrap in the background; once it has moved the first secret, a stale
# writer puts that version back under the old key, behind rewrap's cursor.
my $log = "/tmp/nexus-rewrap-$$.log";
my $pid = fork // die "fork: $!";
if (!$pid) {
    my ($code, $text) = nexusctl('vault', 'rewrap');
    open my $fh, '>', $log or POSIX::_exit(99);
    print $fh $text;
    close $fh;
    POSIX::_exit($code);
}
my $moved = wait_until(30, sub {
    $dbh->selectrow_array('SELECT key_id FROM secret_versions WHERE secret_id = ?', undef, $first) == $active });
ok $moved, 'rewrap moved the first secret';
my $left_then = $dbh->selectrow_array('SELECT COUNT(*) FROM secret_versions WHERE key_id <> ?', undef, $active);
put_record($first, $old_key, $old_record);
cmp_ok $left_then, '>', 0, "the stale write lands while rewrap still has $left_then versions to go";
waitpid $pid, 0;
my $exit = $? >> 8;
open my $fh, '<', $log or die "$log: $!\n";
my $said = do { local $/; <$fh> };
close $fh;
unlink $log;
is $exit, 0, 'rewrap exits 0' or diag $said;
like $said, qr/pass 2: \d+ left, looking again/, '... after a second pass' or diag $said;
is $dbh->selectrow_array('SELECT COUNT(*) FROM secret_versions WHERE key_id <> ?', undef, $active), 0,
    'nothing is left under the old key';
is api(GET => "/api/vault/secrets/$first", token => $admin)->{json}{value}, 'value-1', 'the first secret reads';

# A version that cannot be rewrapped (another secret's record: it fails its
# identity check) is named, and the exit is 1.
put_record($ids[1], $old_key, $old_record);
($rc, $out) = nexusctl('vault', 'rewrap');
is $rc, 1, 'a version that cannot be rewrapped: exit 1' or diag $out;
like $out, qr/^left behind: secret \Q$ids[1]\E version 1 \(key \Q$old_key\E, record format 2\)$/m, '... naming it';

$dbh->do('UPDATE secret_versions SET key_id = 4000 WHERE secret_id = ?', undef, $ids[2]);
($rc, $out) = nexusctl('vault', 'status');
like $out, qr/^records\s+key 4000, format 2: 1 \(key not in this keyring\)$/m, 'vault status marks a key the keyring lacks';

done_testing;
