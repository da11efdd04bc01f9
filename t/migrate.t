# nexusctl migrate: creates the whole schema in an empty database, applies
# only the missing migrations to an older one, and is a no-op when current.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use NexusTest;

built('nexusctl');    # fails the test now when it is missing; nexusctl() runs it

my $sock = stack_env('NEXUS_DB_SOCKET');
my $me = getpwuid($<);
my $db = "nexus_migrate_$$";

sub superuser { system('mariadb', "--socket=$sock", '-u', $me, '-e', $_[0]) == 0 or die "mariadb: $_[0]\n" }

# nexusctl against the database $dbname of the test stack.
sub nexusctl_on {
    my ($dbname, @args) = @_;
    local $ENV{NEXUS_DB_NAME} = $dbname;
    return nexusctl(@args);
}

my ($rc, $out) = nexusctl_on('nexus', '--sql-dir', top_dir() . '/sql', 'schema-version');
is($rc, 0, 'schema-version runs');
like($out, qr/^database (\d+), expected \1$/m, 'the test stack is at the expected version') or diag($out);

($rc, $out) = nexusctl_on('nexus', '--sql-dir', top_dir() . '/sql', 'migrate');
is($rc, 0, 'migrate on a current database succeeds');
unlike($out, qr/applying|migrating/, 'and changes nothing') or diag($out);

superuser("CREATE DATABASE $db; GRANT ALL PRIVILEGES ON $db.* TO 'nexus'\@'localhost'");
END { eval { superuser("DROP DATABASE IF EXISTS $db") } }

($rc, $out) = nexusctl_on($db, '--sql-dir', top_dir() . '/sql', 'migrate');
is($rc, 0, 'migrate on an empty database succeeds') or diag($out);
like($out, qr/empty database: applying .*schema\.sql/, 'by applying schema.sql');
my $dbh = dbh();
my ($tables) = $dbh->selectrow_array('SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?', undef, $db);
my ($expected) = $dbh->selectrow_array("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'nexus'");
is($tables, $expected, "it has the same $expected tables as the test stack");

# An upgrade: a copy of sql/ plus a migration 0002 the database lacks.
my $sqldir = tempdir(CLEANUP => 1);
mkdir "$sqldir/migrations";
copy(top_dir() . '/sql/schema.sql', "$sqldir/schema.sql") or die;
my $base = do { my ($rc2, $o) = nexusctl_on($db, '--sql-dir', top_dir() . '/sql', 'schema-version'); $o =~ /database (\d+)/; $1 };
my $next = sprintf('%04d', $base + 1);
open my $fh, '>', "$sqldir/migrations/$next-test.sql" or die;
print $fh "-- a test migration\nCREATE TABLE migration_probe (\n  id INT PRIMARY KEY\n);\nINSERT INTO migration_probe VALUES (42);\n";
close $fh;
# schema.sql must then record the new version; rewrite its INSERT for the copy.
{
    local @ARGV = ("$sqldir/schema.sql");
    local $^I = '';
    while (<>) { s/VALUES \(\d+,/VALUES ($base + 1,/; print }
}
($rc, $out) = nexusctl_on($db, '--sql-dir', $sqldir, 'migrate');
is($rc, 0, 'migrate applies the missing migration') or diag($out);
like($out, qr/migrating $base -> @{[$base + 1]}/, 'and says so');
my ($probe) = $dbh->selectrow_array("SELECT id FROM $db.migration_probe");
is($probe, 42, 'the migration ran');
my ($version) = $dbh->selectrow_array("SELECT MAX(version) FROM $db.schema_version");
is($version, $base + 1, 'schema_version records it');
($rc, $out) = nexusctl_on($db, '--sql-dir', $sqldir, 'migrate');
unlike($out, qr/migrating/, 'running it again does nothing');

($rc, $out) = nexusctl_on($db, '--sql-dir', top_dir() . '/sql', 'migrate');
isnt($rc, 0, 'an older Nexus refuses a newer database');
like($out, qr/newer than this Nexus/, 'with a clear message');

# The real upgrade path: version 1 as it shipped, plus sql/migrations, must
# give exactly the tables sql/schema.sql creates.
my $old = "nexus_upgrade_$$";
superuser("CREATE DATABASE $old; GRANT ALL PRIVILEGES ON $old.* TO 'nexus'\@'localhost'");
END { eval { superuser("DROP DATABASE IF EXISTS $old") } }
system("mariadb --socket=$sock -u $me $old < " . top_dir() . '/t/fixtures/schema-v1.sql') == 0 or die "cannot load v1\n";
($rc, $out) = nexusctl_on($old, '--sql-dir', top_dir() . '/sql', 'migrate');
is($rc, 0, 'a version 1 database migrates') or diag($out);
like($out, qr/migrating 1 -> 2/, '... through 0002');
sub tables_of {
    my ($schema) = @_;
    my %create;
    for my $table (@{ $dbh->selectcol_arrayref('SELECT table_name FROM information_schema.tables WHERE table_schema = ?', undef, $schema) }) {
        my (undef, $sql) = $dbh->selectrow_array("SHOW CREATE TABLE `$schema`.`$table`");
        $sql =~ s/ AUTO_INCREMENT=\d+//;
        $create{$table} = $sql;
    }
    return \%create;
}
cmp_ok(scalar keys %{ tables_of('nexus') }, '>=', 9, 'schema.sql makes every table');
is_deeply(tables_of($old), tables_of('nexus'), 'the upgraded database has exactly the tables of schema.sql');

# Migration 11 adds secrets.mac: the secrets that exist then are stamped
# under the keyring's integrity key, once, by the migrate that adds it.
my $v10 = "nexus_v10_$$";
superuser("CREATE DATABASE $v10; GRANT ALL PRIVILEGES ON $v10.* TO 'nexus'\@'localhost'");
END { eval { superuser("DROP DATABASE IF EXISTS $v10") } }
system("mariadb --socket=$sock -u $me $v10 < " . top_dir() . '/t/fixtures/schema-v1.sql') == 0 or die "cannot load v1\n";
my $upto10 = tempdir(CLEANUP => 1);
mkdir "$upto10/migrations";
copy(top_dir() . '/sql/schema.sql', "$upto10/schema.sql") or die;
for my $m (glob(top_dir() . '/sql/migrations/*.sql')) {
    my ($n) = $m =~ m{/(\d{4})-[^/]+$};
    copy($m, "$upto10/migrations/") or die if $n <= 10;
}
($rc, $out) = nexusctl_on($v10, '--sql-dir', $upto10, 'migrate');
is($rc, 0, 'a database migrated to version 10') or diag($out);
$dbh->do("INSERT INTO $v10.secrets (id, scope, name, version, created_at, updated_at) VALUES (5, 'ops', 'db/pw', 2, NOW(3), NOW(3))");
$dbh->do("INSERT INTO $v10.secret_profiles (secret_id, profile_name) VALUES (5, 'deploy')");
($rc, $out) = nexusctl_on($v10, '--sql-dir', top_dir() . '/sql', 'migrate');
is($rc, 0, 'migrates to 11 and on') or diag($out);
like($out, qr/authenticated 1 existing secrets/, '... and stamps the secret that was there');
my ($mac) = $dbh->selectrow_array("SELECT mac FROM $v10.secrets WHERE id = 5");
is($mac, secret_mac({ id => 5, scope => 'ops', name => 'db/pw', version => 2, profiles => ['deploy'] }, audit_keys()),
    '... with the MAC SecretMac.h describes');
($rc, $out) = nexusctl_on($v10, '--sql-dir', top_dir() . '/sql', 'migrate');
unlike($out, qr/authenticated/, 'a later migrate stamps nothing');

done_testing;
