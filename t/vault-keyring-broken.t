# The keyring file replaced by a broken one while the pool runs: the pool
# keeps the keys it has (also in workers started after the break, which get
# them from the master), logs an error naming the file and the reason (never
# key material), /admin/status shows vault.keyring.state "stale" with the
# error, and once the file is good again everything is back to "ok".
# A stack of its own: the file is broken on purpose, and workers recycle
# every 20 requests so that new ones start while it is.
use strict;
use warnings;
use Test::More;
BEGIN {
    require NexusTest;
    NexusTest::own_stack('nexus-keyring', NEXUS_SERVER_MAX_REQUESTS => 20, NEXUS_SERVER_MAX_REQUESTS_JITTER => 0);
}
use NexusTest;
use Time::HiRes qw(sleep);

my $admin = admin_token();
my $file = stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
my $scope = 'kr-' . unique_slug('s');

sub log_text {
    open my $fh, '<', stack_env('NEXUS_LOG') or return '';
    local $/;
    return <$fh>;
}
sub keyring_status { api(GET => '/admin/status', token => $admin)->{json}{vault} }
# The state every worker reports: polls until $n answers in a row say $state.
sub all_say {
    my ($state, $seconds) = @_;
    my $in_a_row = 0;
    return wait_until($seconds, sub {
        my $v = keyring_status();
        $in_a_row = ($v->{keyring}{state} // '') eq $state ? $in_a_row + 1 : 0;
        return $in_a_row >= 6 ? $v : undef;
    });
}
sub replace_file {
    my ($content, $mode) = @_;
    open my $fh, '>', "$file.new" or die "$file.new: $!";
    print $fh $content;
    close $fh;
    chmod $mode // 0600, "$file.new";
    rename "$file.new", $file or die "rename: $!";
}

open my $fh, '<', $file or die "$file: $!";
my $good = do { local $/; <$fh> };
close $fh;
my @material = $good =~ /^\s*(?:key\.\d+|mac)\s*=\s*(\S+)/mg;
ok(@material >= 2, 'the keyring holds a key and an integrity key');

my $created = api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => 'db/pw', value => 'kept value' });
is($created->{status}, 201, 'a secret') or diag($created->{body});
my $id = $created->{json}{id};
my $before = keyring_status();
is($before->{keyring}{state}, 'ok', 'status: the keyring is ok');
is($before->{keyring}{error}, undef, '... with no error');
is($before->{keyring}{file}, $file, '... and names its file');
my $active = $before->{active_key_id};
ok($active, "active key $active");

for my $case ([ 'a file that is not a keyring' => "this is not a keyring\n", 0600, qr/line 1/ ],
              [ 'a group-readable keyring'    => $good, 0640, qr/accessible by group/ ]) {
    my ($label, $content, $mode, $reason) = @$case;
    subtest $label => sub {
        my $recycles = () = log_text() =~ /recycled; starting a new one/g;
        replace_file($content, $mode);
        my $status = all_say('stale', 15);
        ok($status, 'status: every worker reports the keyring stale') or return;
        like($status->{keyring}{error}, qr/\Q$file\E/, '... the error names the file');
        like($status->{keyring}{error}, $reason, '... and the reason');
        is($status->{active_key_id}, $active, '... and the keys in use are the ones loaded before');
        # 60 reads and a create: workers recycle every 20 requests, so new
        # ones, started while the file is broken, serve most of them.
        my @values = map { api(GET => "/api/vault/secrets/$id", token => $admin)->{json}{value} // '' } 1 .. 60;
        is(scalar(grep { $_ eq 'kept value' } @values), 60, 'every read of the secret still answers its value');
        my $new = api(POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => "db/$mode", value => "new $mode" });
        is($new->{status}, 201, 'a new secret is stored with the kept active key') or diag($new->{body});
        is(api(GET => "/api/vault/secrets/$new->{json}{id}", token => $admin)->{json}{value}, "new $mode", '... and reads back');
        my $after = () = log_text() =~ /recycled; starting a new one/g;
        cmp_ok($after, '>', $recycles, "workers were replaced meanwhile ($recycles -> $after recycles)");
        my $log = log_text();
        like($log, qr/ E \[\d+\] vault: cannot load the keyring file \Q$file\E: .*$reason/, 'a worker logged an error naming the file and why');
        like($log, qr/ E \[\d+\] master: cannot load the keyring file \Q$file\E: .*$reason/, 'so did the master');
        like($log, qr/still using the keys loaded by the master/, 'a new worker says it uses the master\'s keys');

        replace_file($good, 0600);
        ok(all_say('ok', 15), 'with the good file back, every worker reports ok again');
        is(keyring_status()->{keyring}{error}, undef, '... and no error');
        like(log_text(), qr/keyring file \Q$file\E loads again/, 'the recovery is logged');
    };
}

my $log = log_text();
my $status_body = api(GET => '/admin/status', token => $admin)->{body};
ok(!grep({ index($log, $_) >= 0 || index($status_body, $_) >= 0 } @material), 'no key material in the log or the status');
is(api(GET => '/admin/status')->{status}, 401, '/admin/status without a token: 401');
my $slug = new_agent();
is(api(GET => '/admin/status', token => issue_token($slug)->{token})->{status}, 403, '/admin/status with an agent token: 403');

done_testing;
