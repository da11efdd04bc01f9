# A flood of bad tokens (audit.auth_failed_per_minute): every request gets
# its 401, but the audit log gets the first few of the minute one by one
# and then only the 10th, 100th, 1000th ..., each saying how many, instead of
# a row (and an INSERT) per request.
# On a stack of this file's own: the shipped 10 per minute, and no worker
# recycling during the flood (a new worker starts counting afresh).
use strict;
use warnings;
use Test::More;

use lib 't/lib';
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-flood', NEXUS_AUDIT_AUTH_FAILED_PER_MINUTE => 10,
        NEXUS_SERVER_MAX_REQUESTS => 100000);
}
use NexusTest;

my $dbh = dbh();
sub failed_rows {
    return $dbh->selectcol_arrayref(q{SELECT target FROM audit_log WHERE action = 'auth.failed' AND id > ? ORDER BY id},
        undef, $_[0]);
}
my ($start) = $dbh->selectrow_array('SELECT COALESCE(MAX(id), 0) FROM audit_log');

my %status;
for my $i (1 .. 2000) {
    my $r = api(GET => '/api/agents', token => 'nxa_' . sprintf('%043d', $i));
    $status{ $r->{status} }++;
}
is_deeply(\%status, { 401 => 2000 }, '2,000 bad tokens, 2,000 401s');

my $rows = failed_rows($start);
# Per worker (the stack runs two) and minute: 10 one by one, then the 10th,
# 100th and 1000th; the run may cross a minute boundary.
cmp_ok(scalar @$rows, '<=', 2 * 2 * (10 + 3), 'the audit log got ' . scalar(@$rows) . ' rows, not 2,000');
cmp_ok(scalar(grep { $_ eq '/api/agents' } @$rows), '>=', 10, '... the first of the minute one by one, with the path');
ok((grep { /^\/api\/agents \(100th failure from this address this minute\)$/ } @$rows), '... and a row saying the 100th')
    or diag(explain($rows));

done_testing();
