# The UI pages of profiles, the model registry and knowledge: a signed-in
# browser gets HTML at the API's own URLs (every value escaped, the admin's
# forms only for an admin), a bearer still gets the old JSON, and a write a
# session cookie authenticates needs this site's Origin and the session's
# CSRF token (then it is audited as the user).
use strict;
use warnings;
use utf8;
use Test::More;
use Digest::SHA qw(sha256_base64);
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $base = base_url();
my $tag = unique_slug('uip');
(my $word = "uipword$tag") =~ s/-//g;    # one search word, only this file's
my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

my $admin_user = "ui-admin-$tag";
my $viewer_user = "ui-viewer-$tag";
my %session = (admin => new_session($admin_user, role => 'admin'), viewer => new_session($viewer_user, role => 'viewer'));

sub csrf_of {
    (my $token = sha256_base64("nexus-csrf:$_[0]")) =~ tr{+/}{-_};
    return $token;
}

# GET as a signed-in browser (role admin or viewer).
sub page {
    my ($role, $path) = @_;
    return api(GET => $path, headers => { Accept => $browser, Cookie => "nexus_session=$session{$role}" });
}

# A write from a page of the UI: the session cookie, this site's Origin and
# the CSRF token, as static/nexus.js sends it. headers may drop or change them.
sub ui_write {
    my ($role, $method, $path, %opt) = @_;
    my %headers = (Cookie => "nexus_session=$session{$role}", Origin => $base, 'X-CSRF-Token' => csrf_of($session{$role}),
        Accept => 'application/json', %{ delete $opt{headers} || {} });
    delete $headers{$_} for grep { !defined $headers{$_} } keys %headers;
    return api($method, $path, %opt, headers => \%headers);
}

sub is_page {
    my ($r, $label) = @_;
    subtest $label => sub {
        is $r->{status}, 200, 'status 200' or diag substr($r->{body} // '', 0, 400);
        like $r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8}, 'text/html';
        like $r->{body}, qr/^<!DOCTYPE html>/, 'a whole document';
        like $r->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, 'a Content-Security-Policy';
        like $r->{headers}{vary} // '', qr/Cookie/, 'Vary names the cookie';
    };
}

sub has_ids {
    my ($r, $yes, $no, $label) = @_;
    subtest $label => sub {
        like $r->{body}, qr/id="\Q$_\E"/, "has #$_" for @$yes;
        unlike $r->{body}, qr/id="\Q$_\E"/, "no #$_" for @$no;
    };
}

sub audited_as {
    my ($action, $target) = @_;
    return wait_until(10, sub {
        $dbh->selectrow_array('SELECT principal FROM audit_log WHERE action = ? AND target = ? ORDER BY id DESC LIMIT 1',
            undef, $action, $target);
    });
}

# --- fixtures, written with the admin token --------------------------------

my $prov = "uip$$";
my %model = (
    alpha => { model_id => "$prov/alpha-$tag", slug => "alpha-$tag", name => 'Alpha <b>', input_modalities => [qw(text image)],
        pricing => { prompt => 2.5, completion => 10 }, context_length => 128000 },
    old => { model_id => "$prov/old-$tag", slug => "old-$tag", deprecation_date => '2020-01-01' },
    deep => { model_id => "$prov/fam/deep-$tag", slug => "fam-$tag" },
);
my %model_row;
for my $key (sort keys %model) {
    my $r = api(POST => '/api/registry/models', token => $admin, json => $model{$key});
    is $r->{status}, 201, "register $key" or diag $r->{body};
    $model_row{$key} = $r->{json}{id};
}

my $profile = "UI <script> & $tag";    # markup in a name comes out escaped
my $second = "UI second $tag";
my $r = api(POST => '/api/profiles', token => $admin,
    json => { name => $profile, model => "$prov/old-$tag", fallbacks => ["$prov/missing-$tag"], parameters => { temperature => 0.2 },
        description => 'Deprecated <i>model</i>' });
is $r->{status}, 201, 'create the profile' or diag $r->{body};
$r = api(POST => '/api/profiles', token => $admin, json => { name => $second, model => "$prov/alpha-$tag" });
is $r->{status}, 201, 'create a second profile' or diag $r->{body};
my $profile_path = '/api/profiles/' . uri_escape($profile);

my $agent = new_agent(slug => unique_slug('uip-agent'));
$r = api(PUT => "/api/assignments/$agent", token => $admin, json => { profile_name => $profile });
ok $r->{status} == 200 || $r->{status} == 201, 'assign an agent to the profile' or diag $r->{body};

my $entity = "uip-$tag";
$r = api(PUT => "/api/knowledge/server/$entity", token => $admin,
    json => { title => "<script>alert('x')</script> box", content => "A <b>bold</b> claim, $word.", tags => ['uitest'],
        spec => { host => 'h<1>.lan' }, links => [{ url => 'https://example.com/dash', title => 'Dash <board>' }] });
is $r->{status}, 201, 'create a knowledge entry' or diag $r->{body};

# --- the pages --------------------------------------------------------------

subtest 'profiles: the list' => sub {
    my $r = page(admin => '/api/profiles?limit=1000');
    is_page $r, 'an HTML page';
    has_ids $r, [qw(profiles new-profile create-profile nexus-user)], [], 'table and the admin form';
    like $r->{body}, qr/UI &lt;script&gt; &amp; \Q$tag\E/, 'the name is escaped';
    unlike $r->{body}, qr/UI <script>/, '... never raw';
    like $r->{body}, qr{href="\Q$profile_path\E"}, 'links to the profile page';
    like $r->{body}, qr{<code>\Q$prov\E/old-\Q$tag\E</code>}, 'the primary model';
    like $r->{body}, qr{<code>\Q$prov\E/missing-\Q$tag\E</code>}, 'the fallback';
    my ($row) = $r->{body} =~ m{(<tr><td><a href="\Q$profile_path\E".*?</tr>)}s;
    ok $row, 'the profile has a row' or return;
    like $row, qr{class="badge warn"[^>]*>2 warnings<}, 'two warnings as a badge';
    like $row, qr{<td class="num">1</td>}, 'one agent';
    my ($second_row) = $r->{body} =~ m{(<tr><td><a href="/api/profiles/\Q${\ uri_escape($second)}\E".*?</tr>)}s;
    like $second_row // '', qr{badge ok}, 'the second profile has no warning';
};

subtest 'profiles: paging' => sub {
    my $first = page(admin => '/api/profiles?limit=1');
    is_page $first, 'a page of one';
    my ($next) = $first->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'a next-page link' or return;
    $next =~ s/&amp;/&/g;
    my $r = page(admin => $next);
    is_page $r, 'the next page';
    like $r->{body}, qr/First page/, '... offers the first page';
};

subtest 'profiles: the view' => sub {
    my $r = page(admin => $profile_path);
    is_page $r, 'an HTML page';
    has_ids $r, [qw(profile-facts profile-warnings profile-models profile-agents edit-profile delete-profile)], [],
        'facts, warnings, models, agents and the admin forms';
    like $r->{body}, qr{<h1>Profile UI &lt;script&gt; &amp; \Q$tag\E</h1>}, 'the title, escaped';
    like $r->{body}, qr{class="warn">model &#39;\Q$prov\E/old-\Q$tag\E&#39; is deprecated since 2020-01-01<}, 'the deprecation warning';
    like $r->{body}, qr{class="warn">fallback &#39;\Q$prov\E/missing-\Q$tag\E&#39; is not in the model registry<}, 'the unknown fallback';
    like $r->{body}, qr{<code>\Q$agent\E</code>}, 'the agent using it';
    like $r->{body}, qr{Deprecated &lt;i&gt;model&lt;/i&gt;}, 'the description, escaped';
    like $r->{body}, qr{data-method="PUT" data-api="\Q$profile_path\E" data-next="/api/profiles/\{name\}"}, 'the edit form';
    like $r->{body}, qr{<textarea name="parameters" data-type="json"[^>]*>\{\n  &quot;temperature&quot;: 0.2\n\}</textarea>},
        'parameters prefilled as JSON';
    like $r->{body}, qr{<textarea name="fallbacks" data-type="json"[^>]*>\[\n  &quot;\Q$prov\E/missing-\Q$tag\E&quot;\n\]</textarea>},
        'fallbacks prefilled as JSON';
    like $r->{body}, qr{name="force" data-type="query"}, 'delete offers force';
    like $r->{body}, qr{data-confirm="Delete profile UI &lt;script&gt;}, 'delete asks first';
    is_page page(admin => '/api/profiles/' . uri_escape($second)), 'a profile without warnings';
    my $missing = page(admin => '/api/profiles/' . uri_escape("no such $tag"));
    is $missing->{status}, 404, 'an unknown profile is 404';
    like $missing->{headers}{'content-type'}, qr{^text/html}, '... as a page';
};

subtest 'registry: the list, its filters and paging' => sub {
    my $r = page(admin => "/api/registry/models?provider=$prov");
    is_page $r, 'an HTML page';
    has_ids $r, ['models', 'new-model', 'create-model', map { "delete-model-$model_row{$_}" } sort keys %model], [],
        'table, the create form and a delete per entry';
    like $r->{body}, qr{<code>\Q$prov\E/$_-\Q$tag\E</code>}, "lists $_" for qw(alpha old);
    like $r->{body}, qr{Alpha &lt;b&gt;}, 'a name, escaped';
    like $r->{body}, qr{class="badge bad deprecated"[^>]*>2020-01-01<}, 'a past deprecation date is marked';
    like $r->{body}, qr{\$2\.5 / \$10}, 'the prices';
    like $r->{body}, qr{<th id="price-heading">price<small class="unit">USD per 1M tokens, prompt / completion</small></th>},
        '... and what they are per';
    like $r->{body}, qr{data-api="/api/registry/models/fam-\Q$tag\E/\Q$prov\E%2Ffam%2Fdeep-\Q$tag\E"},
        "delete sends the model id's '/' as %2F";
    like $r->{body}, qr{name="provider" placeholder="[^"]*" value="\Q$prov\E"}, 'the filter keeps the provider';

    $r = page(admin => "/api/registry/models?provider=$prov&modality=image");
    is_page $r, 'filtered by modality';
    like $r->{body}, qr{alpha-\Q$tag\E</code>}, 'the image model';
    unlike $r->{body}, qr{old-\Q$tag\E</code>}, 'not the text-only one';
    like $r->{body}, qr{<option selected>image</option>}, 'the select keeps the modality';

    my $bad = page(admin => '/api/registry/models?modality=smell');
    is $bad->{status}, 400, 'an unknown modality is 400';
    like $bad->{body}, qr/modality/, '... a page that says why';

    my $first = page(admin => "/api/registry/models?provider=$prov&limit=2");
    my ($next) = $first->{body} =~ /<a rel="next" href="([^"]+)"/;
    ok $next, 'a next-page link' or return;
    $next =~ s/&amp;/&/g;
    $r = page(admin => $next);
    is_page $r, 'the next page';
    like $r->{body}, qr{old-\Q$tag\E</code>}, '... with the third entry (by id)';
    unlike $r->{body}, qr/rel="next"/, '... and no further link';
};

subtest 'registry: a family' => sub {
    my $r = page(admin => "/api/registry/models/fam-$tag");
    is_page $r, 'an HTML page';
    has_ids $r, ['family-models', "replace-model-$model_row{deep}", "delete-model-$model_row{deep}"], [], 'entries and admin forms';
    like $r->{body}, qr{name="model_id" data-type="string" placeholder="[^"]*" required value="\Q$prov\E/fam/deep-\Q$tag\E"},
        'the replace form is prefilled';
    is page(admin => "/api/registry/models/none-$tag")->{status}, 404, 'an unknown family is 404';
    $r = page(admin => "/api/registry/models/alpha-$tag");
    like $r->{body}, qr{prompt \$2\.5 \S+ completion \$10 <small class="muted">USD per 1M tokens</small>}, 'an entry\'s prices, with the unit';
};

subtest 'knowledge: search, a kind, an entry' => sub {
    my $r = page(admin => "/api/knowledge?kind=server&query=$word");
    is_page $r, 'the search page';
    has_ids $r, [qw(entities knowledge-kinds)], ['create-entity'], 'results (the new-entry form is on a kind\'s page)';
    like $r->{body}, qr{href="/api/knowledge/server/\Q$entity\E"}, 'finds the entry';
    like $r->{body}, qr{&lt;script&gt;alert\(&#39;x&#39;\)&lt;/script&gt; box}, 'its title, escaped';
    unlike $r->{body}, qr{<script>alert}, '... never raw';
    like $r->{body}, qr{name="query" placeholder="[^"]*" value="\Q$word\E"}, 'the form keeps the words';
    like $r->{body}, qr{<option selected>server</option>}, '... and the kind';

    $r = page(admin => '/api/knowledge/server?query=' . $word);
    is_page $r, 'a kind\'s page';
    has_ids $r, [qw(entities new-entity create-entity)], [], 'results and the new-entry form';
    like $r->{body}, qr{data-method="PUT" data-api="/api/knowledge/server/\{name\}" data-next="/api/knowledge/server/\{name\}" data-body="yaml"},
        'the new entry is a PUT of YAML to the name typed';

    $r = page(admin => "/api/knowledge/server/$entity");
    is_page $r, 'an entry\'s page';
    has_ids $r, [qw(entity-facts entity-spec entity-content entity-yaml edit-entity delete-entity)], [], 'fields, YAML and admin forms';
    like $r->{body}, qr{<dd id="entity-title">&lt;script&gt;}, 'the title, escaped';
    like $r->{body}, qr{A &lt;b&gt;bold&lt;/b&gt; claim}, 'the content, escaped';
    like $r->{body}, qr{&quot;host&quot;: &quot;h&lt;1&gt;.lan&quot;}, 'the spec as JSON, escaped';
    like $r->{body}, qr{<a href="https://example.com/dash" rel="noopener noreferrer">Dash &lt;board&gt;</a>}, 'the link';
    like $r->{body}, qr{<pre id="entity-yaml">---\napiVersion: nexus/v1\nkind: server\n}, 'the YAML document';
    my ($yaml) = $r->{body} =~ m{<form class="api" id="edit-entity".*?<textarea name="yaml"[^>]*>(.*?)</textarea>}s;
    ok defined $yaml, 'the edit form has a yaml textarea' or return;
    like $r->{body}, qr{id="edit-entity" data-method="PUT" data-api="/api/knowledge/server/\Q$entity\E" data-body="yaml"},
        '... sent as YAML to the entry';
    my $raw = api(GET => "/api/knowledge/server/$entity?format=yaml", token => $admin)->{body};
    (my $unescaped = $yaml) =~ s/&lt;/</g;
    $unescaped =~ s/&gt;/>/g;
    $unescaped =~ s/&quot;/"/g;
    $unescaped =~ s/&#39;/'/g;
    $unescaped =~ s/&amp;/&/g;
    is $unescaped, $raw, '... prefilled with the entry as ?format=yaml gives it';

    my $yaml_page = api(GET => "/api/knowledge/server/$entity?format=yaml", headers => { Accept => $browser, Cookie => "nexus_session=$session{admin}" });
    like $yaml_page->{headers}{'content-type'}, qr{^application/yaml}, 'a browser asking for format=yaml gets YAML';
    is page(admin => "/api/knowledge/server/none-$tag")->{status}, 404, 'an unknown entry is 404';
    is page(admin => '/api/knowledge/nokind')->{status}, 404, 'an unknown kind is 404';
};

subtest 'a viewer sees the pages without the admin forms' => sub {
    my @forms = qw(create-profile edit-profile delete-profile create-model create-entity edit-entity delete-entity);
    for my $path ('/api/profiles', $profile_path, "/api/registry/models?provider=$prov", "/api/registry/models/fam-$tag",
        '/api/knowledge', '/api/knowledge/server', "/api/knowledge/server/$entity") {
        my $r = page(viewer => $path);
        is_page $r, "viewer: $path";
        has_ids $r, [], [@forms, "delete-model-$model_row{deep}", "replace-model-$model_row{deep}"], "viewer: no admin form on $path";
    }
    like page(viewer => "/api/knowledge/server/$entity")->{body}, qr{<details id="yaml" open>}, 'a viewer sees the YAML open';
};

subtest 'a viewer cannot write' => sub {
    error_is ui_write(viewer => POST => '/api/profiles', json => { name => "viewer $tag", model => "$prov/alpha-$tag" }),
        403, 'forbidden', 'create a profile';
    error_is ui_write(viewer => PUT => $profile_path, json => { description => 'viewer' }), 403, 'forbidden', 'update a profile';
    error_is ui_write(viewer => DELETE => $profile_path), 403, 'forbidden', 'delete a profile';
    error_is ui_write(viewer => POST => '/api/registry/models', json => { model_id => "$prov/viewer-$tag", slug => "viewer-$tag" }),
        403, 'forbidden', 'register a model';
    error_is ui_write(viewer => DELETE => "/api/registry/models/alpha-$tag/" . uri_escape("$prov/alpha-$tag")), 403, 'forbidden',
        'delete a model';
    error_is ui_write(viewer => PUT => "/api/knowledge/server/$entity", body => "apiVersion: nexus/v1\nkind: server\n",
        content_type => 'application/yaml'), 403, 'forbidden', 'put knowledge';
    error_is ui_write(viewer => DELETE => "/api/knowledge/server/$entity"), 403, 'forbidden', 'delete knowledge';
    ok api(GET => $profile_path, token => $admin)->{json}{description} eq 'Deprecated <i>model</i>', 'the profile is unchanged';
};

subtest 'a bearer gets the JSON at every URL' => sub {
    my %headers = (Accept => $browser);
    my $r = api(GET => '/api/profiles?limit=1000', token => $admin, headers => \%headers);
    like $r->{headers}{'content-type'}, qr{^application/json}, 'profiles: JSON';
    my ($p) = grep { $_->{name} eq $profile } @{ $r->{json} || [] };
    is scalar @{ $p->{warnings} || [] }, 2, '... with the warnings';
    is_deeply $p->{parameters}, { temperature => 0.2 }, '... and parameters';

    $r = api(GET => $profile_path, token => $admin, headers => \%headers);
    is $r->{json}{name}, $profile, 'a profile: JSON';
    is $r->{json}{model}, "$prov/old-$tag", '... its model';

    $r = api(GET => "/api/registry/models?provider=$prov", token => $admin, headers => \%headers);
    is_deeply [ sort map { $_->{model_id} } @{ $r->{json} || [] } ], [ sort map { $_->{model_id} } values %model ], 'registry: JSON';
    $r = api(GET => "/api/registry/models/fam-$tag", token => $admin, headers => \%headers);
    is $r->{json}{slug}, "fam-$tag", 'a family: JSON';
    is $r->{json}{models}[0]{model_id}, "$prov/fam/deep-$tag", '... its entry';

    $r = api(GET => "/api/knowledge?query=$word", token => $admin, headers => \%headers);
    is_deeply [ map { $_->{name} } @{ $r->{json} || [] } ], [$entity], 'knowledge search: JSON';
    $r = api(GET => "/api/knowledge/server?query=$word", token => $admin, headers => \%headers);
    is $r->{json}[0]{name}, $entity, 'a kind: JSON';
    $r = api(GET => "/api/knowledge/server/$entity", token => $admin, headers => \%headers);
    is $r->{json}{title}, "<script>alert('x')</script> box", 'an entry: JSON';

    my $agent_token = issue_token($agent)->{token};
    $r = api(GET => $profile_path, token => $agent_token, headers => \%headers);
    is $r->{json}{name}, $profile, 'an agent token gets JSON too';
    $r = api(GET => $profile_path, headers => { Accept => 'application/json', Cookie => "nexus_session=$session{viewer}" });
    is $r->{json}{name}, $profile, 'a signed-in user asking for JSON gets JSON';
};

subtest 'a cookie write needs the CSRF token and this site\'s Origin' => sub {
    my $name = "UI csrf $tag";
    my $json = { name => $name, model => "$prov/alpha-$tag" };
    error_is ui_write(admin => POST => '/api/profiles', json => $json, headers => { 'X-CSRF-Token' => undef }), 403, 'forbidden',
        'no CSRF token', qr/CSRF/;
    error_is ui_write(admin => POST => '/api/profiles', json => $json, headers => { 'X-CSRF-Token' => 'A' x 43 }), 403, 'forbidden',
        'a wrong CSRF token', qr/CSRF/;
    error_is ui_write(admin => POST => '/api/profiles', json => $json, headers => { Origin => 'http://evil.example' }), 403,
        'forbidden', 'a foreign Origin', qr/this site/;
    error_is ui_write(admin => POST => '/api/profiles', json => $json, headers => { Origin => undef }), 403, 'forbidden',
        'no Origin', qr/this site/;
    is api(GET => '/api/profiles/' . uri_escape($name), token => $admin)->{status}, 404, 'no profile was made';
    error_is ui_write(admin => PUT => "/api/knowledge/server/csrf-$tag", body => "apiVersion: nexus/v1\n",
        content_type => 'application/yaml', headers => { 'X-CSRF-Token' => undef }), 403, 'forbidden', 'knowledge without the token';
    error_is ui_write(admin => POST => '/api/registry/models', json => { model_id => "$prov/csrf-$tag", slug => "csrf-$tag" },
        headers => { Origin => 'http://evil.example' }), 403, 'forbidden', 'the registry from another site';
};

subtest 'with both, an admin writes from the UI and is audited as the user' => sub {
    my $principal = "user:$admin_user";
    my $name = "UI csrf $tag";
    my $r = ui_write(admin => POST => '/api/profiles', json => { name => $name, model => "$prov/alpha-$tag", parameters => {} });
    is $r->{status}, 201, 'create a profile' or diag $r->{body};
    is audited_as('profile.create', "profile:$name"), $principal, '... audited as the user';

    # what the edit form sends: every field, empty ones as null
    my $renamed = "UI csrf renamed $tag";
    $r = ui_write(admin => PUT => '/api/profiles/' . uri_escape($name),
        json => { name => $renamed, model => "$prov/alpha-$tag", fallbacks => ["$prov/old-$tag"], vision => JSON::PP::true(),
            gateway => undef, description => 'from the UI', parameters => { top_p => 0.9 } });
    is $r->{status}, 200, 'update (and rename) it' or diag $r->{body};
    is $r->{json}{name}, $renamed, '... renamed';
    is $r->{json}{version}, 2, '... version 2';
    is audited_as('profile.update', "profile:$renamed"), $principal, '... audited as the user';
    $r = ui_write(admin => PUT => '/api/profiles/' . uri_escape($renamed), json => { fallbacks => undef, parameters => undef });
    is_deeply [ $r->{json}{fallbacks}, $r->{json}{parameters} ], [ [], {} ], 'null clears fallbacks and parameters';

    $r = ui_write(admin => DELETE => '/api/profiles/' . uri_escape($renamed));
    is $r->{status}, 204, 'delete it' or diag $r->{body};
    is audited_as('profile.delete', "profile:$renamed"), $principal, '... audited as the user';

    error_is ui_write(admin => DELETE => $profile_path), 409, 'conflict', 'a profile with agents is not deleted', qr/\Q$agent\E.*force=true/;
    $r = ui_write(admin => DELETE => "$profile_path?force=true");
    is $r->{status}, 204, '... unless forced' or diag $r->{body};
    is audited_as('profile.delete.force', "profile:$profile"), $principal, '... audited as the user';

    my $yaml = "apiVersion: nexus/v1\nkind: server\nmetadata:\n  title: From the UI\n  tags: [ui]\ncontent: |\n  Typed in a browser.\n";
    $r = ui_write(admin => PUT => "/api/knowledge/server/csrf-$tag", body => $yaml, content_type => 'application/yaml; charset=utf-8');
    is $r->{status}, 201, 'put knowledge as YAML' or diag $r->{body};
    is $r->{json}{title}, 'From the UI', '... answered as JSON';
    is $r->{json}{content}, "Typed in a browser.\n", '... the content';
    is audited_as('knowledge.put', "knowledge:server/csrf-$tag"), $principal, '... audited as the user';
    $r = ui_write(admin => DELETE => "/api/knowledge/server/csrf-$tag");
    is $r->{status}, 204, 'delete it';

    $r = ui_write(admin => POST => '/api/registry/models',
        json => { model_id => "$prov/csrf/m-$tag", slug => "csrf-$tag", input_modalities => ['text'], pricing => { prompt => 1 } });
    is $r->{status}, 201, 'register a model' or diag $r->{body};
    is audited_as('model.upsert', "model:$prov/csrf/m-$tag"), $principal, '... audited as the user';
    $r = ui_write(admin => DELETE => "/api/registry/models/csrf-$tag/" . uri_escape("$prov/csrf/m-$tag"));
    is $r->{status}, 204, 'delete it (the id\'s slashes as %2F)' or diag $r->{body};
    is audited_as('model.delete', "model:$prov/csrf/m-$tag"), $principal, '... audited as the user';
};

# --- clean up ------------------------------------------------------------------

api(DELETE => '/api/profiles/' . uri_escape($second), token => $admin);
api(DELETE => "/api/knowledge/server/$entity", token => $admin);
for my $key (keys %model) {
    api(DELETE => "/api/registry/models/$model{$key}{slug}/" . uri_escape($model{$key}{model_id}), token => $admin);
}

done_testing();
