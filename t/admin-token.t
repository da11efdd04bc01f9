# The admin token is stored only as its SHA-256 (auth.admin_token_hash_file):
# `nexusctl admin-token rotate` makes a new one, prints it once, writes the
# hash atomically, and the running pool takes it at its reload (SIGHUP); no
# log line and no line of `make run` (tools/devstack run) holds a token.
use strict;
use warnings;
use feature 'state';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use POSIX ();
use NexusTest;

my $nexusctl = built('nexusctl');
my $run = stack_env('NEXUS_RUN_DIR');
my $hash_file = stack_env('NEXUS_ADMIN_TOKEN_HASH_FILE');
my $token_file = stack_env('NEXUS_ADMIN_TOKEN_FILE');

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub status_with { api(GET => '/admin/status', token => $_[0])->{status} }

subtest 'the stack keeps only the hash where the pool reads it' => sub {
    ok $hash_file, 'the stack names its hash file' or return;
    my $old = admin_token();
    is slurp($hash_file), sha256_hex($old) . "\n", 'the hash file holds the SHA-256 of the token';
    is sprintf('%o', (stat $hash_file)[2] & 07777), '600', '... mode 0600';
    is status_with($old), 200, 'the token works';
};

subtest 'nexusctl admin-token rotate, then a reload' => sub {
    my $old = admin_token();
    my ($out, $err) = ("$run/rotate.out", "$run/rotate.err");
    local $ENV{NEXUS_AUTH_ADMIN_TOKEN_HASH_FILE} = $hash_file;
    local $ENV{NEXUS_DB_SOCKET} = stack_env('NEXUS_DB_SOCKET');
    local $ENV{NEXUS_DB_PASSWORD} = db_password();
    local $ENV{NEXUS_CONFIG} = top_dir() . '/conf/app.properties';
    # The audit row carries its row MAC, made with the keyring's integrity key.
    local $ENV{NEXUS_VAULT_KEYRING_FILE} = stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
    delete local $ENV{NEXUS_ADMIN_TOKEN};
    is system("'$nexusctl' admin-token rotate >'$out' 2>'$err'"), 0, 'rotate succeeds';
    my $new = slurp($out);
    unlink $out;
    # The dev stack's convenience copy, so that the other tests go on working.
    chomp $new;
    if (length $new) {
        open my $fh, '>', $token_file or die;
        print $fh "$new\n";
        close $fh;
    }
    like $new, qr/^[A-Za-z0-9_-]{43}$/, 'it prints one new token, alone on stdout';
    isnt $new, $old, '... a new one';
    my $said = slurp($err);
    like $said, qr/reload/, 'stderr says a reload takes it';
    unlike $said, qr/\Q$new\E/, '... and does not repeat the token';
    is slurp($hash_file), sha256_hex($new) . "\n", 'the hash file holds the new hash';
    is sprintf('%o', (stat $hash_file)[2] & 07777), '600', '... with the mode it had';
    my @left = glob("$hash_file.new*");
    is scalar @left, 0, 'no temporary file is left';

    my ($audited) = dbh()->selectrow_array(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'admin_token.rotate' AND target = 'admin-token'"
          . " AND principal = ? AND outcome = 'ok'", undef, 'operator:' . getpwuid($>));
    is $audited, 1, 'the rotation is audited, by the operator';
    is status_with($old), 200, 'until the reload the old token works';
    is status_with($new), 401, '... and the new one does not';
    kill 'HUP', master_pid();
    ok wait_until(15, sub { status_with($new) == 200 && status_with($old) == 401 }),
        'after SIGHUP the new token works and the old one is refused';

    my $log = slurp(stack_env('NEXUS_LOG'));
    unlike $log, qr/\Q$new\E/, 'the pool log holds neither the new token';
    unlike $log, qr/\Q$old\E/, '... nor the old one';
};

subtest 'a hash file the reload cannot use keeps the running token' => sub {
    my $token = admin_token();
    my $good = slurp($hash_file);
    open my $fh, '>', $hash_file or die;
    print $fh "not a hash\n";
    close $fh;
    kill 'HUP', master_pid();
    ok wait_until(10, sub { slurp(stack_env('NEXUS_LOG')) =~ /reload refused.*auth\.admin_token_hash_file/ }),
        'the reload is refused, naming the key';
    is status_with($token), 200, 'the token still works';
    open $fh, '>', $hash_file or die;
    print $fh $good;
    close $fh;
};

# tools/devstack run (make run) on a stack of its own; returns its terminal output.
sub devstack_run {
    my ($dir, %env) = @_;
    state $run = 0;
    my $log = "$dir/terminal-" . ++$run . '.log';
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        POSIX::setpgid(0, 0);
        $ENV{$_} = $env{$_} for keys %env;
        delete $ENV{NEXUS_ADMIN_TOKEN} unless exists $env{NEXUS_ADMIN_TOKEN};
        $ENV{NEXUS_PORT} = NexusTest::_free_port();
        $ENV{NEXUS_SAMPLES} = 0;
        open STDOUT, '>>', $log or die;
        open STDERR, '>&', \*STDOUT or die;
        open STDIN, '<', '/dev/null' or die;
        exec(top_dir() . '/tools/devstack', 'run', $dir) or POSIX::_exit(127);
    }
    my $up = wait_until(90, sub { slurp($log) =~ /Ctrl-C stops everything/ });
    ok $up, 'make run comes up' or diag slurp($log);
    kill 'INT', $pid;
    waitpid $pid, 0;
    return slurp($log);
}

# Every file under dir, concatenated (logs, nginx, the idp, MariaDB's error log).
sub all_logs {
    my ($dir) = @_;
    my $all = '';
    for my $f (split /\n/, `find '$dir' -type f \\( -name '*.log' -o -name '*.env' \\) 2>/dev/null`) {
        $all .= slurp($f);
    }
    return $all;
}

subtest 'make run prints no admin token' => sub {
    my $dir = tempdir('nexus-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $token = 'dev-' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 40);
    my $out = devstack_run($dir, NEXUS_ADMIN_TOKEN => $token);
    like $out, qr/admin token: the one in NEXUS_ADMIN_TOKEN/, 'with NEXUS_ADMIN_TOKEN it says where the token is';
    unlike $out, qr/\Q$token\E/, '... and not the token';
    unlike all_logs($dir), qr/\Q$token\E/, 'no log of the stack holds it';

    $out = devstack_run($dir);
    my $generated = slurp("$dir/admin.token");
    chomp $generated;
    ok length($generated) >= 32, 'without it, a token is generated in DIR/admin.token';
    is sprintf('%o', (stat "$dir/admin.token")[2] & 07777), '600', '... mode 0600';
    like $out, qr/admin token: in \Q$dir\E\/admin\.token/, 'it says where the token is';
    unlike $out, qr/\Q$generated\E/, '... and not the token';
    unlike all_logs($dir), qr/\Q$generated\E/, 'no log of the stack holds it';
    is slurp("$dir/admin.token.sha256"), sha256_hex($generated) . "\n", 'the pool reads its hash';
};

done_testing;
