#!/usr/bin/env perl
# Each connection keeps at most db.statement_cache_size prepared statements
# (the least recently used is closed), so no mix of queries can exhaust
# MariaDB's max_prepared_stmt_count: after hundreds of requests with
# different SQL texts (every combination of the audit log's filters, the
# vault's and the registry's) the server holds at most connections x size
# statements, every request answered, and a secret read still works.
# On a stack of this file's own, with the smallest cache (16).
use strict;
use warnings;
use Test::More;

use lib 't/lib';
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-stmt', NEXUS_DB_STATEMENT_CACHE_SIZE => 16, NEXUS_SERVER_MAX_REQUESTS => 100000);
}
use NexusTest;
use MIME::Base64 qw(encode_base64url);

my $admin = admin_token();
my $dbh = dbh();
sub prepared { (my $n = ($dbh->selectrow_array(q{SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'}))[1]) }
sub metric { my ($v) = api(GET => '/admin/metrics', token => $admin)->{body} =~ /^\Q$_[0]\E (\d+)$/m; $v }

my $secret = api(POST => '/api/vault/secrets', token => $admin, json => { scope => 'stmt', name => 'db-password', value => 's3cret' });
is $secret->{status}, 201, 'a secret' or diag $secret->{body};
my $id = $secret->{json}{id};

# Every subset of the audit log's five filters, with and without a cursor:
# 64 SQL texts; the vault's and the registry's lists add more.
my @paths;
my @filters = ('actor=admin', 'action=secret.read', 'target=secret%3A1', 'since=2020-01-01T00:00:00Z', 'until=2099-01-01T00:00:00Z');
for my $mask (0 .. 31) {
    my @q = map { $filters[$_] } grep { $mask & (1 << $_) } 0 .. 4;
    push @paths, '/admin/audit-log?' . join('&', @q, 'limit=1');
    push @paths, '/admin/audit-log?' . join('&', @q, 'limit=1', 'after=' . encode_base64url('1000000'));
}
push @paths, '/api/vault/secrets', '/api/vault/secrets?scope=stmt', '/api/vault/secrets?profile=x', '/api/vault/secrets?scope=stmt&profile=x';
push @paths, '/api/registry/models', '/api/registry/models?provider=openai';

my %status;
for my $round (1 .. 4) {    # so that every thread of both workers sees most texts
    $status{ api(GET => $_, token => $admin)->{status} }++ for @paths;
}
is_deeply \%status, { 200 => 4 * @paths }, scalar(@paths) . ' different queries, 4 times each: every one answered';

my ($connections) = $dbh->selectrow_array(q{SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'nexus' AND ID <> CONNECTION_ID()});
my $count = prepared();
cmp_ok $count, '<=', $connections * 16,
    "the server holds $count prepared statements for $connections connections: at most 16 each";
cmp_ok metric('nexus_db_statement_evictions_total'), '>', 0, 'the closed ones are counted (nexus_db_statement_evictions_total)';

my $r = api(GET => "/api/vault/secrets/$id", token => $admin);
is $r->{status}, 200, 'a secret read still works' or diag $r->{body};
is $r->{json}{value}, 's3cret', '... with its value';

done_testing;
