# agents.token_max_ttl_s, on a stack of this file's own (it is fixed when
# the pool starts): it caps ?ttl= (a longer one is 400) and is the lifetime
# of a token issued without ?ttl=.
use strict;
use warnings;
use Test::More;

use lib 't/lib';
my $dir;
BEGIN {
    require NexusTest;
    $dir = NexusTest::own_stack('nexus-ttl', NEXUS_AGENTS_TOKEN_MAX_TTL_S => 3600);
}
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
