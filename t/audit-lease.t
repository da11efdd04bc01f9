#!/usr/bin/env perl
# The seal lease (table leases, src/db/LeaseStore.h): the replicated row that
# lets one sealer at a time advance the audit chain on every host of a
# cluster (a named lock, GET_LOCK, is per server). Each seal is stamped
# with the lease's epoch; while another owner holds the lease nothing is
# sealed, neither by the pool nor by nexusctl; when the owner changes the
# epoch grows. The Migrator's lease is released when it is done. The
# shared database is put back at the end (also when a test dies).
use strict;
use warnings;
use NexusTest;
use Test::More;

my $dbh = dbh();
my $lease = sub { $dbh->selectrow_hashref("SELECT name, owner, epoch, expires_at, expires_at > UTC_TIMESTAMP(6) AS held FROM leases WHERE name = ?", undef, $_[0]) };
my $stolen;
END { $dbh->do("UPDATE leases SET expires_at = '1970-01-01 00:00:01' WHERE name = 'audit_seal' AND owner = 'test-thief'") if $stolen && $dbh }

# --- the leases and their rows ------------------------------------------------------

ok($lease->('audit_seal'), 'the audit_seal lease row exists');
my $migrate = $lease->('migrate');
ok($migrate, 'the migrate lease row exists');
ok(!$migrate->{held}, 'migrate released its lease when it was done');
like($migrate->{owner}, qr{^.+/\d+/\d+$}, 'and recorded its owner as host/pid/random');

# --- seals carry the epoch ----------------------------------------------------------------

my $slug = new_agent(slug => unique_slug('lease'));
issue_token($slug);
my ($issued) = $dbh->selectrow_array('SELECT MAX(id) FROM audit_log');
sub sealed_seq { ($dbh->selectrow_array('SELECT seq FROM audit_log WHERE id = ?', undef, $_[0]))[0] }
ok(wait_until(10, sub { defined sealed_seq($issued) }), 'the pool sealed the row of the token issue');
my $now = $lease->('audit_seal');
cmp_ok($now->{epoch}, '>=', 1, "the seal lease has an epoch ($now->{epoch})");
my ($unstamped) = $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE seq IS NOT NULL AND seal_epoch IS NULL');
is($unstamped, 0, 'every sealed row carries the epoch of its seal');
my ($max) = $dbh->selectrow_array('SELECT MAX(seal_epoch) FROM audit_log');
cmp_ok($max, '<=', $now->{epoch}, 'no seal carries an epoch the lease has not reached');
my ($backwards) = $dbh->selectrow_array(
    'SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.seq = a.seq + 1 WHERE b.seal_epoch < a.seal_epoch');
is($backwards, 0, 'the epochs never go back along the chain');

# --- another owner holds the lease: nothing is sealed ----------------------------------------

$dbh->do("UPDATE leases SET owner = 'test-thief', epoch = epoch + 1, expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR WHERE name = 'audit_seal'");
$stolen = 1;
my $thief_epoch = $lease->('audit_seal')->{epoch};
issue_token($slug);
my ($first_new) = $dbh->selectrow_array('SELECT MAX(id) FROM audit_log');
sleep 3;    # three seal intervals, past the seal delay
ok(!defined sealed_seq($first_new), 'while another owner holds the lease the pool seals nothing');
{
    my ($rc, $out) = nexusctl('audit', 'seal');
    isnt($rc, 0, 'nexusctl audit seal gives up');
    like($out, qr/another sealer held the lock/, '... and says why') or diag $out;
}
is($lease->('audit_seal')->{owner}, 'test-thief', 'and nobody took the held lease');

# --- it expires: sealing resumes under a new epoch ------------------------------------------------

$dbh->do("UPDATE leases SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE name = 'audit_seal'");
$stolen = 0;
ok(wait_until(10, sub { defined sealed_seq($first_new) }),
    'once the lease expired the pool sealed the row');
my ($epoch) = $dbh->selectrow_array('SELECT seal_epoch FROM audit_log WHERE id = ?', undef, $first_new);
cmp_ok($epoch, '>', $thief_epoch, "under a new epoch ($epoch > $thief_epoch): the owner changed");
{
    my ($rc, $out) = nexusctl('audit', 'verify');
    is($rc, 0, 'the chain verifies') or diag $out;
}

done_testing();
