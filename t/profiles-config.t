# The profile settings and the sample data, on a stack of this file's own
# (they are fixed when the pool starts): profiles.strict turns warnings into
# 422s, profiles.default gives an unassigned agent a profile, and a new
# database gets conf/samples/ (`make run` does what `devstack samples` does).
use strict;
use warnings;
use Test::More;

use lib 't/lib';
my $dir;
BEGIN {
    require NexusTest;
    $dir = NexusTest::own_stack('nexus-profiles', NEXUS_PROFILES_STRICT => 'true', NEXUS_PROFILES_DEFAULT => 'Dev Fast & Cheap');
}
use NexusTest;

my $admin = admin_token();
ok -f "$dir/samples.pending", 'start marked the new database for samples';
is system(top_dir() . "/tools/devstack samples '$dir' >>'$dir/devstack.log' 2>&1"), 0, 'devstack samples'
    or diag `cat '$dir/devstack.log'`;
like `cat '$dir/devstack.log'`, qr/knowledge import: \d+ created, 0 updated, 0 unchanged, 0 rejected/, 'the sample knowledge was imported';
ok !-f "$dir/samples.pending", '... once';

subtest 'the samples are there, and clean under strict mode' => sub {
    my $profiles = api(GET => '/api/profiles', token => $admin)->{json};
    is_deeply [ map { $_->{name} } @$profiles ], [ 'Dev Fast & Cheap', 'Prod-Reliable', 'Vision Review' ], 'three sample profiles';
    is_deeply [ map { @{ $_->{warnings} } } @$profiles ], [], 'none has a warning';
    my $models = api(GET => '/api/registry/models', token => $admin)->{json};
    is scalar @$models, 4, 'four sample models';
    my @files = glob(top_dir() . '/conf/samples/profiles/*.json');
    is scalar @files, 3, 'one file per sample profile';
};

subtest 'profiles.default' => sub {
    my $agent = new_agent();
    my $cfg = api(GET => "/api/agents/$agent/profile", token => $admin)->{json};
    is $cfg->{source}, 'default', 'an unassigned agent runs the default profile';
    is $cfg->{profile}{name}, 'Dev Fast & Cheap', '... named by profiles.default';
    is_deeply [ map { $_->{model} } @{ $cfg->{models} } ], [ 'openai/gpt-4o-mini', 'ollama/llama3.1:8b' ], '... with its models';
    is $cfg->{models}[0]{registry}{context_length}, 128000, '... and their registry facts';
    api(PUT => "/api/assignments/$agent", token => $admin, json => { profile_name => 'Prod-Reliable' });
    $cfg = api(GET => "/api/agents/$agent/profile", token => $admin)->{json};
    is $cfg->{source}, 'assignment', 'an assignment wins over the default';
    is $cfg->{profile}{name}, 'Prod-Reliable', '... its profile';
};

subtest 'profiles.strict' => sub {
    error_is api(POST => '/api/profiles', token => $admin, json => { name => 'Strict unknown', model => 'nowhere/model-x' }),
        422, 'unprocessable', 'a model unknown to the registry: 422', qr/'nowhere\/model-x' is not in the model registry/;
    error_is api(POST => '/api/profiles', token => $admin,
        json => { name => 'Strict vision', model => 'openai/gpt-4o', vision => JSON::PP::true, fallbacks => ['ollama/llama3.1:8b'] }),
        422, 'unprocessable', 'a vision profile with a text-only fallback: 422', qr/takes no image input/;
    is api(GET => '/api/profiles/Strict%20unknown', token => $admin)->{status}, 404, 'nothing was stored';

    my $r = api(POST => '/api/profiles', token => $admin, json => { name => 'Strict fine', model => 'openai/gpt-4o', vision => JSON::PP::true });
    is $r->{status}, 201, 'a profile without warnings is stored' or diag $r->{body};
    error_is api(PUT => '/api/profiles/Strict%20fine', token => $admin, json => { fallbacks => ['nowhere/model-y'] }),
        422, 'unprocessable', 'an update that would add a warning: 422';
    is api(GET => '/api/profiles/Strict%20fine', token => $admin)->{json}{version}, 1, 'the refused update changed nothing';

    api(POST => '/api/registry/models', token => $admin, json => { slug => 'old', model_id => 'openai/old-1', input_modalities => ['text'], deprecation_date => '2021-06-30' });
    error_is api(PUT => '/api/profiles/Strict%20fine', token => $admin, json => { vision => JSON::PP::false, model => 'openai/old-1' }),
        422, 'unprocessable', 'a deprecated model: 422', qr/deprecated since 2021-06-30/;
};

done_testing();
