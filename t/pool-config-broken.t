# The configuration file edited into a broken one while the pool runs: the
# workers the pool starts meanwhile (recycled every 20 requests here) read
# their settings from the text the master accepted, handed to them through
# a pipe, not from the file, so they start and serve; a SIGHUP with the
# broken file is refused and changes nothing; once the file is fixed, a
# SIGHUP applies it. Before, each new worker read the broken file and
# exited 78, and the pool served nothing once the old workers were gone.
# A stack of its own, with its own copy of conf/app.properties.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use File::Spec;
my $config;
BEGIN {
    require NexusTest;
    my $dir = tempdir('nexus-config-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    $config = "$dir/app.properties";
    system('cp', File::Spec->rel2abs(dirname(__FILE__) . '/../conf/app.properties'), $config) == 0 or die "cp: $?";
    NexusTest::own_stack('nexus-config', NEXUS_CONFIG => $config,
        NEXUS_SERVER_MAX_REQUESTS => 20, NEXUS_SERVER_MAX_REQUESTS_JITTER => 0);
}
use NexusTest;

my $admin = admin_token();
sub log_text {
    open my $fh, '<', stack_env('NEXUS_LOG') or return '';
    local $/;
    return <$fh>;
}
sub count { my ($re) = @_; my $n = () = log_text() =~ /$re/g; $n }
sub recycles { count(qr/recycled; starting a new one/) }
sub served { my ($n) = @_; scalar grep { api(GET => '/api/agents', token => $admin)->{status} == 200 } 1 .. $n }
sub write_config {
    my ($text) = @_;
    open my $fh, '>', "$config.new" or die "$config.new: $!";
    print $fh $text;
    close $fh;
    rename "$config.new", $config or die "rename: $!";
}

open my $fh, '<', $config or die "$config: $!";
my $good = do { local $/; <$fh> };
close $fh;

is served(40), 40, 'the pool serves';
my ($recycled, $config_errors, $exits) = (recycles(), count(qr/configuration error/), count(qr/exited with code/));

write_config($good . "server.wrokers = 2\n");
is served(100), 100, 'with the file broken, 100 requests in a row are served';
cmp_ok recycles(), '>=', $recycled + 3, 'by workers started while the file was broken (' . (recycles() - $recycled) . ' recycled)';
is count(qr/configuration error/), $config_errors, 'none of them read the broken file (no configuration error)';
is count(qr/exited with code/), $exits, '... and none exited';

kill 'HUP', master_pid();
ok wait_until(10, sub { log_text() =~ /reload refused, keeping the running workers: .*server\.wrokers/ }),
    'a SIGHUP with the broken file is refused, naming the key';
is served(60), 60, '... and the pool goes on serving, also through workers started after it';
is count(qr/exited with code/), $exits, '... none of which exited';

write_config($good);
my $reloads = count(qr/reloaded: \d+ new workers started/);
kill 'HUP', master_pid();
ok wait_until(10, sub { count(qr/reloaded: \d+ new workers started/) > $reloads }), 'with the file fixed, a SIGHUP reloads';
is served(40), 40, '... and the new workers serve';

unlike log_text(), qr/NEXUS_CONFIG_FD|db\.password\s*=/, 'the log shows neither the pipe nor the file\'s text';

done_testing;
