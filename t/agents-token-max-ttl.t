# agents.token_max_ttl_s, on a stack of this file's own (it is fixed when
# the pool starts): it caps ?ttl= (a longer one is 400) and is the lifetime
# of a token issued without ?ttl=.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

use lib 't/lib';
my $dir;
BEGIN {
    require NexusTest;
    $dir = tempdir('nexus-ttl-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    NexusTest::test_settings();
    $ENV{NEXUS_PORT} = NexusTest::_free_port();
    $ENV{NEXUS_AGENTS_TOKEN_MAX_TTL_S} = 3600;
    delete $ENV{NEXUS_ADMIN_TOKEN};
    system(NexusTest::top_dir() . "/tools/devstack start '$dir' >'$dir/devstack.log' 2>&1") == 0
        or die "could not start a stack in $dir:\n" . `cat '$dir/devstack.log'`;
    $ENV{NEXUS_TEST_STACK} = $dir;
}
END { system(NexusTest::top_dir() . "/tools/devstack stop '$dir' >/dev/null 2>&1") if $dir }
use NexusTest;

my $admin = admin_token();
my $slug = new_agent(slug => unique_slug('ttl-cap'));

sub lifetime {
    my ($r) = @_;
    return undef unless $r->{status} == 201 && defined $r->{json}{expires_at};
    return sprintf '%.3f', epoch_of($r->{json}{expires_at}) - epoch_of($r->{json}{created_at});
}

is lifetime(api(PUT => "/api/agents/$slug/token", token => $admin)), '3600.000',
    'without ttl: the token lives agents.token_max_ttl_s';
is lifetime(api(PUT => "/api/agents/$slug/token?ttl=60", token => $admin)), '60.000', 'ttl=60: 60 s';
is lifetime(api(PUT => "/api/agents/$slug/token?ttl=3600", token => $admin)), '3600.000', 'ttl at the cap: accepted';
error_is(api(PUT => "/api/agents/$slug/token?ttl=3601", token => $admin), 400, 'bad_request',
    'ttl over the cap: 400 naming the cap', qr/'ttl'.*from 1 to 3600 \(agents\.token_max_ttl_s\)/);

done_testing();
