# Inference profiles (/api/profiles), assignments (/api/assignments) and the
# agent's effective configuration (GET /api/agents/:slug/profile): names with
# spaces and '&', partial updates, renames that keep assignments and vault
# access, deletes of assigned profiles, registry warnings, and the audit log.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('pf');
my $prov = "prov-$tag";    # a provider of this file's own: its models are unknown until registered

sub profile_path { return '/api/profiles/' . uri_escape($_[0]) }
sub create { return api(POST => '/api/profiles', token => $admin, json => {@_}) }
sub get_profile { return api(GET => profile_path($_[0]), token => $_[1] // $admin) }
sub update { my ($name, %body) = @_; return api(PUT => profile_path($name), token => $admin, json => \%body) }
sub audited {
    my ($action, $target) = @_;
    return $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND principal = ?',
        undef, $action, $target, 'admin');
}

my $fast = "Dev Fast & Cheap $tag";
subtest 'create, with a name holding spaces and &' => sub {
    my $r = create(name => $fast, model => "$prov/fast-1", fallbacks => [ "$prov/fast-2", { model => "$prov/big", on => [qw(rate_limit timeout)] } ],
        vision => JSON::PP::false, gateway => undef, description => 'cheap and quick', parameters => { temperature => 0.2, max_tokens => 1024 });
    is $r->{status}, 201, 'status 201' or diag $r->{body};
    my $p = $r->{json};
    is $p->{name}, $fast, 'name';
    is $p->{model}, "$prov/fast-1", 'model';
    is_deeply $p->{fallbacks}, [ "$prov/fast-2", { model => "$prov/big", on => [qw(rate_limit timeout)] } ], 'fallbacks in order, as given';
    ok !$p->{vision}, 'vision false';
    is $p->{gateway}, undef, 'gateway null';
    is $p->{description}, 'cheap and quick', 'description';
    is_deeply $p->{parameters}, { temperature => 0.2, max_tokens => 1024 }, 'parameters passed through';
    is $p->{version}, 1, 'version 1';
    ok epoch_of($p->{created_at}) && $p->{created_at} eq $p->{updated_at}, 'created_at = updated_at';
    is scalar(grep { /not in the model registry/ } @{ $p->{warnings} }), 3, 'warnings: three models unknown to the registry';
    is $r->{headers}{location}, profile_path($fast), 'Location names the profile, percent-encoded';
    is audited('profile.create', "profile:$fast"), 1, 'audited';

    error_is create(name => $fast, model => "$prov/x"), 409, 'conflict', 'the same name again: 409', qr/already exists/;
};

subtest 'read one and all, by any reader' => sub {
    my $agent = new_agent(slug => unique_slug('pf-reader'));
    my $token = issue_token($agent)->{token};
    for my $who ([ admin => $admin ], [ agent => $token ]) {
        my $r = get_profile($fast, $who->[1]);
        is $r->{status}, 200, "$who->[0]: status 200";
        is $r->{json}{name}, $fast, "$who->[0]: the profile";
    }
    my $r = api(GET => profile_path($fast), user => 'alice');
    is $r->{status}, 200, 'a signed-in user: status 200';
    error_is api(GET => profile_path($fast)), 401, 'unauthorized', 'no token: 401';
    error_is get_profile("$fast "), 404, 'not_found', 'a trailing space is another name: 404';
    error_is get_profile(uc $fast), 404, 'not_found', 'names are case-sensitive: 404';
    my $plus = api(GET => "/api/profiles/Dev+Fast+%26+Cheap+$tag", token => $admin);
    is $plus->{status}, 404, "'+' in a path is a plus, not a space";

    # Pagination: by name.
    my @mine = map { "$tag page $_" } 1 .. 5;
    create(name => $_, model => "$prov/p") for @mine;
    my (@seen, $next);
    my $page = api(GET => '/api/profiles?limit=2', token => $admin);
    while (1) {
        is $page->{status}, 200, 'a page' or last;
        push @seen, map { $_->{name} } @{ $page->{json} };
        $next = next_link($page) or last;
        $page = api(GET => $next, token => $admin);
    }
    is_deeply [ grep { index($_, "$tag page") == 0 } @seen ], \@mine, 'all pages together: every profile once, by name';
    my %count;
    $count{$_}++ for @seen;
    ok !grep({ $_ > 1 } values %count), 'no profile twice';
};

subtest 'bad input names the field' => sub {
    my @cases = (
        [ { model => "$prov/m" }, qr/'name'/, 'no name' ],
        [ { name => "$tag no model" }, qr/'model'/, 'no model' ],
        [ { name => "$tag a", model => 'gpt-4o' }, qr/'model'.*provider\/model/, 'a model without a provider' ],
        [ { name => "$tag a", model => 'openai/' }, qr/'model'/, 'an empty model part' ],
        [ { name => "$tag a", model => 'openai/../x' }, qr/'model'/, 'a dot-dot part' ],
        [ { name => "$tag a", model => 'open ai/x' }, qr/'model'/, 'a space in a model' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => 'x/y' }, qr/'fallbacks'/, 'fallbacks not an array' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [42] }, qr/'fallbacks\[0\]'/, 'a number as a fallback' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ { model => "$prov/f", when => ['timeout'] } ] }, qr/'fallbacks\[0\]'.*'when'/, 'an unknown key in a fallback' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ { model => "$prov/f", on => ['sunspots'] } ] }, qr/'fallbacks\[0\]\.on'.*rate_limit/, 'an unknown error class' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ { model => "$prov/f", on => [] } ] }, qr/'fallbacks\[0\]\.on'/, 'an empty on' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ { on => ['timeout'] } ] }, qr/'fallbacks\[0\]\.model'/, 'a fallback without a model' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ "$prov/f", "$prov/f" ] }, qr/'fallbacks\[1\]'.*repeats/, 'a repeated fallback' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => ["$prov/m"] }, qr/'fallbacks\[0\]'.*the profile's model/, 'a fallback equal to the model' ],
        [ { name => "$tag a", model => "$prov/m", fallbacks => [ map { "$prov/f$_" } 1 .. 11 ] }, qr/'fallbacks'.*at most 10/, 'eleven fallbacks' ],
        [ { name => "$tag a", model => "$prov/m", vision => 'true' }, qr/'vision'/, 'vision as a string' ],
        [ { name => "$tag a", model => "$prov/m", gateway => 'ftp://gw.example.com' }, qr/'gateway'/, 'an ftp gateway' ],
        [ { name => "$tag a", model => "$prov/m", gateway => 'https://user:pw@gw.example.com' }, qr/'gateway'/, 'a gateway URL with credentials' ],
        [ { name => "$tag a", model => "$prov/m", gateway => 'my gateway' }, qr/'gateway'/, 'a gateway name with a space' ],
        [ { name => "$tag a", model => "$prov/m", parameters => [1] }, qr/'parameters'/, 'parameters as an array' ],
        [ { name => "$tag a", model => "$prov/m", parameters => { blob => 'x' x 17000 } }, qr/'parameters'.*bytes/, 'parameters too large' ],
        [ { name => "$tag a", model => "$prov/m", description => 'x' x 2001 }, qr/'description'/, 'description too long' ],
        [ { name => "a/b $tag", model => "$prov/m" }, qr/'name'/, 'a slash in a name' ],
        [ { name => " $tag", model => "$prov/m" }, qr/'name'/, 'a leading space' ],
        [ { name => "$tag\tx", model => "$prov/m" }, qr/'name'/, 'a tab in a name' ],
        [ { name => 'n' x 101, model => "$prov/m" }, qr/'name'/, 'a name of 101 characters' ],
        [ { name => "$tag a", model => "$prov/m", colour => 'red' }, qr/'colour'/, 'an unknown field' ],
    );
    for my $case (@cases) {
        my ($body, $re, $label) = @$case;
        error_is api(POST => '/api/profiles', token => $admin, json => $body), 400, 'bad_request', "$label: 400", $re;
    }
    my $wide = substr('ü' x 100, 0, 99 - length $tag) . " $tag";
    my $r = create(name => $wide, model => "$prov/m");
    is $r->{status}, 201, 'a name of 100 non-ASCII characters is fine' or diag $r->{body};
    is $dbh->selectrow_array("SELECT COUNT(*) FROM profiles WHERE name LIKE ?", undef, "$tag a%"), 0, 'no refused profile was stored';
    error_is api(POST => '/api/profiles', token => $admin, body => '{"name":', content_type => 'application/json'), 400, 'bad_request', 'malformed JSON: 400';
};

subtest 'partial update' => sub {
    my $name = "$tag partial";
    my $created = create(name => $name, model => "$prov/a", fallbacks => ["$prov/b"], description => 'before', parameters => { top_p => 0.9 })->{json};
    select undef, undef, undef, 0.01;
    my $r = update($name, description => 'after');
    is $r->{status}, 200, 'status 200' or diag $r->{body};
    is $r->{json}{description}, 'after', 'the given field changed';
    is $r->{json}{model}, "$prov/a", 'model kept';
    is_deeply $r->{json}{fallbacks}, ["$prov/b"], 'fallbacks kept';
    is_deeply $r->{json}{parameters}, { top_p => 0.9 }, 'parameters kept';
    is $r->{json}{version}, 2, 'version 2';
    ok epoch_of($r->{json}{updated_at}) > epoch_of($created->{updated_at}), 'updated_at moved';
    is $r->{json}{created_at}, $created->{created_at}, 'created_at kept';

    $r = update($name, gateway => 'https://gateway.example.com/v1', vision => JSON::PP::true, fallbacks => [], description => undef);
    is $r->{json}{gateway}, 'https://gateway.example.com/v1', 'gateway set';
    ok $r->{json}{vision}, 'vision set';
    is_deeply $r->{json}{fallbacks}, [], 'fallbacks emptied';
    is $r->{json}{description}, undef, 'description cleared with null';
    is $r->{json}{version}, 3, 'version 3';

    error_is update($name), 400, 'bad_request', 'an empty update: 400', qr/at least one/;
    error_is update($name, model => undef), 400, 'bad_request', 'model null: 400', qr/'model'/;
    error_is update($name, fallbacks => ["$prov/a"]), 400, 'bad_request', 'a fallback equal to the model: 400', qr/the profile's model/;
    error_is update("$tag nobody", description => 'x'), 404, 'not_found', 'an unknown profile: 404', qr/no profile/;
    is get_profile($name)->{json}{version}, 3, 'refused updates changed nothing';
    is audited('profile.update', "profile:$name"), 2, 'both updates audited';
};

# Two agents on one profile, a secret that only that profile may read.
my $ops = "$tag Ops & Infra";
create(name => $ops, model => "$prov/ops");
my %agent;
for my $who (qw(a b)) {
    my $slug = new_agent(slug => unique_slug("pf-$who"));
    $agent{$who} = { slug => $slug, token => issue_token($slug)->{token} };
}
my $secret = api(POST => '/api/vault/secrets', token => $admin,
    json => { scope => "pf-$tag", name => 'ops/key', value => "ops-value-$tag", allowed_profiles => [$ops] })->{json}{id};
sub can_read { my ($who) = @_; return api(GET => "/api/vault/secrets/$secret", token => $agent{$who}{token})->{status} }

subtest 'assignments' => sub {
    is can_read('a'), 404, 'before any assignment the agent may not read the profile\'s secret';
    my $r = api(PUT => "/api/assignments/$agent{a}{slug}", token => $admin, json => { profile_name => $ops });
    is $r->{status}, 201, 'assign: 201' or diag $r->{body};
    is_deeply [ @{ $r->{json} }{qw(agent profile_name)} ], [ $agent{a}{slug}, $ops ], '... {agent, profile_name}';
    ok epoch_of($r->{json}{assigned_at}), '... assigned_at';
    is can_read('a'), 200, 'the vault follows the assignment at once';
    $r = api(PUT => "/api/assignments/$agent{a}{slug}", token => $admin, json => { profile_name => $ops });
    is $r->{status}, 200, 'the same again: 200 (replaced)';
    is api(PUT => "/api/assignments/$agent{b}{slug}", token => $admin, json => { profile_name => $ops })->{status}, 201, 'assign b';

    error_is api(PUT => '/api/assignments/' . unique_slug('pf-ghost'), token => $admin, json => { profile_name => $ops }),
        404, 'not_found', 'an unknown agent: 404 naming it', qr/no agent/;
    error_is api(PUT => "/api/assignments/$agent{a}{slug}", token => $admin, json => { profile_name => "$tag ghost" }),
        404, 'not_found', 'an unknown profile: 404 naming it', qr/no profile '\Q$tag\E ghost'/;
    error_is api(PUT => "/api/assignments/$agent{a}{slug}", token => $admin, json => {}), 400, 'bad_request', 'no profile_name: 400', qr/'profile_name'/;
    error_is api(PUT => "/api/assignments/$agent{a}{slug}", token => $admin, json => { profile_name => $ops, x => 1 }), 400, 'bad_request', 'an unknown field: 400', qr/'x'/;
    error_is api(PUT => "/api/assignments/$agent{a}{slug}", token => $agent{a}{token}, json => { profile_name => $ops }), 403, 'forbidden', 'an agent may not assign itself';
    is api(GET => "/api/agents/$agent{a}{slug}/profile")->{json}{profile}{name}, $ops, 'the effective profile follows';

    my $list = api(GET => '/api/assignments?profile=' . uri_escape($ops), token => $admin);
    is $list->{status}, 200, 'list by profile: 200';
    is_deeply [ map { $_->{agent} } @{ $list->{json} } ], [ sort $agent{a}{slug}, $agent{b}{slug} ], '... both agents, by slug';
    my $page = api(GET => '/api/assignments?limit=1&profile=' . uri_escape($ops), token => $admin);
    is scalar @{ $page->{json} }, 1, 'limit=1: one';
    ok next_link($page), '... and a next link';
    is audited('assignment.set', "agent:$agent{a}{slug}"), 2, 'assignments audited';
};

subtest 'rename keeps assignments and vault access' => sub {
    my $renamed = "$tag Ops & Infra (renamed)";
    my $r = update($ops, name => $renamed);
    is $r->{status}, 200, 'rename: 200' or diag $r->{body};
    is $r->{json}{name}, $renamed, 'the new name';
    error_is get_profile($ops), 404, 'not_found', 'the old name is gone';
    my $list = api(GET => '/api/assignments?profile=' . uri_escape($renamed), token => $admin)->{json};
    is scalar @$list, 2, 'both assignments moved with it';
    is can_read('a'), 200, 'the agent still reads the secret';
    my $meta = api(GET => "/api/vault/secrets/$secret", token => $admin)->{json};
    is_deeply $meta->{allowed_profiles}, [$renamed], 'the secret allows the new name';
    error_is update($renamed, name => $fast), 409, 'conflict', 'renaming onto a taken name: 409';
    $ops = $renamed;
};

subtest 'delete' => sub {
    my $r = api(DELETE => profile_path($ops), token => $admin);
    error_is $r, 409, 'conflict', 'an assigned profile: 409 listing the agents', qr/\Q$agent{a}{slug}\E.*\Q$agent{b}{slug}\E.*force=true/;
    ok get_profile($ops)->{status} == 200, 'it is still there';
    error_is api(DELETE => profile_path($ops) . '?force=maybe', token => $admin), 400, 'bad_request', 'force=maybe: 400', qr/'force'/;
    $r = api(DELETE => profile_path($ops) . '?force=true', token => $admin);
    is $r->{status}, 204, 'force=true: 204';
    error_is get_profile($ops), 404, 'not_found', 'gone';
    is scalar @{ api(GET => '/api/assignments?profile=' . uri_escape($ops), token => $admin)->{json} }, 0, 'its assignments went too';
    my $cfg = api(GET => "/api/agents/$agent{a}{slug}/profile")->{json};
    is $cfg->{profile}, undef, 'the agent has no profile now';
    is can_read('a'), 404, 'and no longer reads the secret';
    is_deeply api(GET => "/api/vault/secrets/$secret", token => $admin)->{json}{allowed_profiles}, [$ops],
        'the secret keeps the name (never widened to every agent)';
    error_is api(DELETE => profile_path($ops), token => $admin), 404, 'not_found', 'again: 404';
    is audited('profile.delete.force', "profile:$ops"), 1, 'audited as a forced delete';

    my $lone = "$tag lone";
    create(name => $lone, model => "$prov/l");
    is api(DELETE => profile_path($lone), token => $admin)->{status}, 204, 'an unassigned profile: 204';

    is api(DELETE => "/api/assignments/$agent{b}{slug}", token => $admin)->{status}, 404, 'b lost its assignment with the profile';
};

subtest 'assignment delete' => sub {
    my $p = "$tag del";
    create(name => $p, model => "$prov/d");
    api(PUT => "/api/assignments/$agent{b}{slug}", token => $admin, json => { profile_name => $p });
    is api(DELETE => "/api/assignments/$agent{b}{slug}", token => $admin)->{status}, 204, 'delete: 204';
    error_is api(DELETE => "/api/assignments/$agent{b}{slug}", token => $admin), 404, 'not_found', 'again: 404', qr/has no assignment/;
    error_is api(DELETE => '/api/assignments/' . unique_slug('pf-ghost'), token => $admin), 404, 'not_found', 'unknown agent: 404', qr/no agent/;
    is audited('assignment.delete', "agent:$agent{b}{slug}"), 1, 'audited';
};

subtest 'registry warnings and the effective configuration' => sub {
    my %model = (
        vision => { slug => "vis-$tag", model_id => "$prov/vision-1", input_modalities => [qw(text image)], context_length => 128000,
                    pricing => { prompt => 2.5, completion => 10 } },
        text   => { slug => "txt-$tag", model_id => "$prov/text-1", input_modalities => ['text'], context_length => 32000 },
        old    => { slug => "old-$tag", model_id => "$prov/old-1", input_modalities => [qw(text image)], deprecation_date => '2020-01-01' },
    );
    for my $m (values %model) {
        my $r = api(POST => '/api/registry/models', token => $admin, json => $m);
        ok $r->{status} == 201 || $r->{status} == 200, "register $m->{model_id}" or diag $r->{body};
    }
    my $name = "$tag Vision & Co";
    my $r = create(name => $name, model => "$prov/vision-1", vision => JSON::PP::true,
        fallbacks => [ { model => "$prov/text-1", on => ['rate_limit'] }, "$prov/old-1", "$prov/unknown-1" ]);
    is $r->{status}, 201, 'created with warnings (strict mode is off)' or diag $r->{body};
    my @w = @{ $r->{json}{warnings} };
    ok grep({ /vision profile: fallback '\Q$prov\E\/text-1' takes no image input/ } @w), 'a vision profile with a text-only fallback' or diag explain \@w;
    ok grep({ /'\Q$prov\E\/old-1' is deprecated since 2020-01-01/ } @w), 'a deprecated fallback';
    ok grep({ /'\Q$prov\E\/unknown-1' is not in the model registry/ } @w), 'an unknown fallback';
    ok !grep({ /vision-1/ } @w), 'nothing about the primary model';
    is scalar @w, 3, 'three warnings';

    my $agent = new_agent(slug => unique_slug('pf-eff'), name => 'Effective', scope => 'studio');
    api(PUT => "/api/assignments/$agent", token => $admin, json => { profile_name => $name });
    my $cfg = api(GET => "/api/agents/$agent/profile", token => $admin);
    is $cfg->{status}, 200, 'the effective configuration (admin): 200';
    is_deeply $cfg->{json}{agent}, { slug => $agent, name => 'Effective', scope => 'studio' }, 'the agent';
    is $cfg->{json}{source}, 'assignment', 'source: assignment';
    is $cfg->{json}{profile}{name}, $name, 'the profile';
    my @models = @{ $cfg->{json}{models} };
    is_deeply [ map { [ $_->{role}, $_->{model} ] } @models ],
        [ [ primary => "$prov/vision-1" ], [ fallback => "$prov/text-1" ], [ fallback => "$prov/old-1" ], [ fallback => "$prov/unknown-1" ] ],
        'the models in routing order';
    is $models[0]{registry}{context_length}, 128000, 'registry facts: context length';
    is_deeply $models[0]{registry}{input_modalities}, [qw(text image)], '... modalities';
    is $models[0]{registry}{pricing}{prompt}, 2.5, '... pricing';
    is_deeply $models[1]{on}, ['rate_limit'], 'a fallback\'s error classes';
    is_deeply $models[2]{on}, [], 'a plain fallback: any error';
    is $models[3]{registry}, undef, 'an unknown model: registry null';
    unlike $cfg->{body}, qr/nxa_|value/, 'no token, no secret value';

    # Re-assignment changes the answer at once.
    my $other = "$tag other";
    create(name => $other, model => "$prov/text-1");
    api(PUT => "/api/assignments/$agent", token => $admin, json => { profile_name => $other });
    $cfg = api(GET => "/api/agents/$agent/profile")->{json};
    is $cfg->{profile}{name}, $other, 're-assigned: the new profile';
    is_deeply [ map { $_->{model} } @{ $cfg->{models} } ], ["$prov/text-1"], '... and its models';

    # Fixing the registry clears the warning without touching the profile.
    api(POST => '/api/registry/models', token => $admin, json => { %{ $model{text} }, input_modalities => [qw(text image)] });
    my @after = @{ get_profile($name)->{json}{warnings} };
    ok !grep({ /takes no image input/ } @after), 'warnings are computed from the registry as it is now';
};

done_testing();
