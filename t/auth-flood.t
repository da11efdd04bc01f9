# A flood of bad tokens (audit.auth_failed_per_minute): every request gets
# its 401, but the audit log gets the first few of the minute one by one
# and then only the 10th, 100th, 1000th ..., each saying how many, instead of
# a row (and an INSERT) per request. The same for a flood of 403s by a
# valid token (access.denied), counted per caller.
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

# A valid agent token hammering an admin route: 403 each time, a bounded number of access.denied rows.
my $slug = new_agent(slug => unique_slug('flood'));
my $token = issue_token($slug)->{token};
($start) = $dbh->selectrow_array('SELECT COALESCE(MAX(id), 0) FROM audit_log');
%status = ();
for my $i (1 .. 500) {
    $status{ api(GET => '/api/assignments', token => $token)->{status} }++;
}
is_deeply(\%status, { 403 => 500 }, '500 requests an agent may not make, 500 403s');
my $denied = $dbh->selectall_arrayref(q{SELECT principal, target FROM audit_log WHERE action = 'access.denied' AND id > ? ORDER BY id},
    undef, $start);
cmp_ok(scalar @$denied, '<=', 2 * 2 * (10 + 2), 'the audit log got ' . scalar(@$denied) . ' access.denied rows, not 500');
cmp_ok(scalar(grep { $_->[0] eq "agent:$slug" && $_->[1] eq 'GET /api/assignments' } @$denied), '>=', 10,
    '... the first of the minute one by one, naming the caller and what it tried');
ok((grep { $_->[1] eq 'GET /api/assignments (100th failure from this caller this minute)' } @$denied),
    '... and a row saying the 100th') or diag(explain($denied));

done_testing();
