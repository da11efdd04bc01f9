# nexus-fcgi refuses a bad configuration at start-up, naming the key, and
# never echoes a secret it was given.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use NexusTest;

my $server = built('nexus-fcgi');
my $nexusctl = built('nexusctl');
my $dir = tempdir(CLEANUP => 1);

# A valid keyring for every check but the keyring's own.
my $keyring = "$dir/vault.keyring";
system($nexusctl, 'vault', 'init', '--keyring', $keyring) == 0 or die "cannot create a keyring\n";

# check(\%env, @lines) -> (exit code, output) of --check-config on a file of @lines.
sub check {
    my ($env, @lines) = @_;
    my $file = "$dir/app.properties";
    open my $fh, '>', $file or die;
    print $fh "$_\n" for @lines;
    close $fh;
    local %ENV = (PATH => $ENV{PATH}, NEXUS_VAULT_KEYRING_FILE => $keyring, %$env);
    my $out = `$server --check-config --config=$file 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = check({}, 'server.workers = 4');
is($rc, 0, 'a good file passes') or diag($out);
like($out, qr/is valid/, '... and says so');

my @bad = (
    [ 'server.workers = lots'      => qr/server\.workers: expected an integer between 1 and 256, got 'lots'/ ],
    [ 'server.workers = 0'         => qr/server\.workers/ ],
    [ 'server.threads = 1,6'       => qr/server\.threads/ ],
    [ 'server.socket_mode = 0999'  => qr/server\.socket_mode: expected an octal mode/ ],
    [ 'server.socket = relative.sock' => qr/server\.socket: must be an absolute path/ ],
    [ 'server.wrokers = 2'         => qr/server\.wrokers: unknown configuration key/ ],
    [ 'db.port = 70000'            => qr/db\.port/ ],
    [ 'log.level = loud'           => qr/log\.level/ ],
    [ 'auth.admin_token_file = /nonexistent/admin.token' => qr/auth\.admin_token_file: cannot read/ ],
);
for my $case (@bad) {
    my ($line, $message) = @$case;
    ($rc, $out) = check({}, $line);
    is($rc, 78, "'$line' is refused (exit 78, EX_CONFIG)");
    like($out, $message, '... with a message naming the key') or diag($out);
}

($rc, $out) = check({ NEXUS_SERVER_WORKERS => 'x' }, 'server.workers = 2');
is($rc, 78, 'an environment override is checked too');
like($out, qr/server\.workers/, '... naming the key');

my $short = 'short-admin-token';
($rc, $out) = check({ NEXUS_ADMIN_TOKEN => $short }, '');
is($rc, 78, 'a short admin token is refused');
like($out, qr/NEXUS_ADMIN_TOKEN: must be at least 32 characters/, '... with a clear message');
unlike($out, qr/\Q$short\E/, '... that does not repeat the token');

open my $fh, '>', "$dir/token" or die;
print $fh 'x' x 40, "\n";
close $fh;
chmod 0644, "$dir/token";
($rc, $out) = check({}, "auth.admin_token_file = $dir/token");
is($rc, 78, 'a world-readable admin token file is refused');
like($out, qr/must not be world-readable/, '... saying why');
chmod 0600, "$dir/token";
($rc, $out) = check({}, "auth.admin_token_file = $dir/token");
is($rc, 0, 'the same file with mode 0600 is accepted') or diag($out);
like($out, qr/warning: auth\.admin_token_file is deprecated: it keeps the admin token in clear/,
    '... with a warning that it is deprecated');
unlike($out, qr/x{40}/, '... that does not repeat the token');

# The admin token's hash (auth.admin_token_hash_file): no token on disk.
open $fh, '>', "$dir/token.sha256" or die;
print $fh `printf '%s\n' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | $nexusctl hash-token`;
close $fh;
chmod 0640, "$dir/token.sha256";
($rc, $out) = check({}, "auth.admin_token_hash_file = $dir/token.sha256");
is($rc, 0, 'an admin token hash file is accepted') or diag($out);
unlike($out, qr/warning/, '... without a warning');
chmod 0660, "$dir/token.sha256";
($rc, $out) = check({}, "auth.admin_token_hash_file = $dir/token.sha256");
is($rc, 78, 'a hash file its group may write is refused');
like($out, qr/auth\.admin_token_hash_file: .* must not be writable by group or others/, '... saying why');
chmod 0640, "$dir/token.sha256";
($rc, $out) = check({}, "auth.admin_token_hash_file = $dir/token.sha256", "auth.admin_token_file = $dir/token");
is($rc, 78, 'the hash file and the deprecated token file together are refused');
like($out, qr/both set/, '... saying so');
($rc, $out) = check({}, "auth.admin_token_hash_file = $dir/token");
is($rc, 78, 'a hash file holding a token instead of its hash is refused');
like($out, qr/64 hex digits/, '... saying what it must hold');
unlike($out, qr/x{40}/, '... without repeating it');

chmod 0640, $keyring;
($rc, $out) = check({}, '');
is($rc, 78, 'a keyring readable by its group is refused at start-up');
like($out, qr/vault\.keyring_file: .*chmod 600/, '... naming the key and the cure') or diag($out);
chmod 0600, $keyring;
($rc, $out) = check({ NEXUS_VAULT_KEYRING_FILE => "$dir/missing.keyring" }, '');
is($rc, 78, 'a missing keyring is refused at start-up');
like($out, qr/vault\.keyring_file/, '... naming the key');

done_testing;
