# The knowledge base through nginx: every route and principal, JSON and
# YAML in and out, what is refused (with YAML line numbers), byte-exact
# content, auditing, pagination, and search relevance on a few hundred
# entities.
use strict;
use warnings;
use utf8;
use Encode qw(encode_utf8 decode_utf8);
use Test::More;
use JSON::PP ();
use YAML::XS ();
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $agent = new_agent(slug => unique_slug('kn-agent'));
my $agent_token = issue_token($agent)->{token};

# Names and words no other test file uses: letters only, so that the
# full-text index sees each as one word.
sub letters { join '', map { ('a' .. 'z')[ rand 26 ] } 1 .. $_[0] }
my $p = 'kn' . letters(6);    # name prefix of this run

sub put_json {
    my ($kind, $name, $body, %opt) = @_;
    return api(PUT => "/api/knowledge/$kind/$name" . ($opt{query} // ''), token => $opt{token} // $admin,
        json => $body, ($opt{user} ? (user => $opt{user}) : ()));
}

sub put_yaml {
    my ($kind, $name, $yaml, %opt) = @_;
    return api(PUT => "/api/knowledge/$kind/$name" . ($opt{query} // ''), token => $opt{token} // $admin,
        body => encode_utf8($yaml), content_type => $opt{content_type} // 'application/yaml');
}

sub get { my ($path, %opt) = @_; return api(GET => $path, token => $opt{token} // $admin, %opt{ grep { $_ ne 'token' } keys %opt }) }

sub audited {
    my ($action, $target) = @_;
    return scalar $dbh->selectrow_array(
        'SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND principal = ? AND outcome = ?',
        undef, $action, $target, 'admin', 'ok');
}

sub names_of { [ map { $_->{name} } @{ $_[0]{json} || [] } ] }

# GET path and every next page; the entities in order.
sub all_pages {
    my ($path, %opt) = @_;
    my (@all, $pages);
    while ($path) {
        my $r = get($path, %opt);
        die "GET $path: $r->{status} $r->{body}\n" unless $r->{status} == 200;
        push @all, @{ $r->{json} };
        $pages++;
        $path = next_link($r);
    }
    return (\@all, $pages);
}

# --- create, read, replace, delete ------------------------------------------------
my $box = "$p-gpu-box";
my $content = "Runs **ollama** ✓\r\nSQL: '; DROP TABLE knowledge; --\n<script>alert(1)</script>\n\ttabbed\n";
my %entity = (
    title   => 'GPU box «1»',
    content => $content,
    spec    => { host => "$box.lan", ip => '10.0.0.12', port => 11434, gpus => [ 'RTX 4090', 'RTX 4090' ], managed => JSON::PP::true },
    tags    => [ 'GPU', 'ollama', 'ai' ],
    links   => [ { url => 'http://gpu-box.lan:11434/api/tags', title => 'Models' } ],
);

my $r = put_json(server => $box, \%entity);
is $r->{status}, 201, 'PUT creates: 201' or diag $r->{body};
is $r->{headers}{location}, "/api/knowledge/server/$box", 'with a Location';
is $r->{json}{version}, 1, 'version 1';
is_deeply $r->{json}{tags}, [qw(gpu ollama ai)], 'tags are lower-cased';
is $r->{json}{content}, $content, 'content byte-exact (unicode, CRLF, SQL, markup, tabs)';
is audited('knowledge.put', "knowledge:server/$box"), 1, 'the create is audited';

$r = get("/api/knowledge/server/$box");
is $r->{status}, 200, 'GET one';
is_deeply [ sort keys %{ $r->{json} } ], [qw(content created_at kind links name spec tags title updated_at version)], 'its fields';
is $r->{json}{content}, $content, 'content byte-exact on read';
is_deeply $r->{json}{spec}, { %{ $entity{spec} }, managed => JSON::PP::true }, 'spec as sent';
is $r->{json}{title}, 'GPU box «1»', 'title';
ok epoch_of($r->{json}{updated_at}), 'updated_at is RFC 3339';

$r = put_json(server => $box, \%entity);
is $r->{status}, 200, 'the same PUT again: 200';
is $r->{json}{version}, 1, '... and nothing changes (version 1)';
is audited('knowledge.put', "knowledge:server/$box"), 1, '... and not audited (nothing changed)';

$r = put_json(server => $box, { %entity, kind => 'server', name => $box, title => 'GPU box one', version => 99,
    created_at => 'x', updated_at => 'y' });
is $r->{status}, 200, 'a changed PUT replaces: 200 (server fields in the body are ignored)' or diag $r->{body};
is $r->{json}{version}, 2, 'version 2';
is $r->{json}{title}, 'GPU box one', 'new title';

# A whole replace: what is left out is gone.
$r = put_json(server => $box, { title => 'Bare' });
is $r->{json}{version}, 3, 'a replace with less';
is_deeply [ @{ $r->{json} }{qw(content tags links)} ], [ '', [], [] ], '... leaves no old content, tags or links';
is_deeply $r->{json}{spec}, {}, '... nor spec';

# YAML in.
my $yaml = <<"YAML";
apiVersion: nexus/v1
kind: server
metadata:
  name: $box
  title: GPU box 1
  tags: [gpu, ollama, ai]
  links:
    - url: http://gpu-box.lan:11434/api/tags
      title: Models
spec:
  host: $box.lan
  ip: 10.0.0.12
  port: 11434
  on: yes
content: |
  Runs ollama ✓
  second line
YAML
$r = put_yaml(server => $box, $yaml);
is $r->{status}, 200, 'PUT with a YAML body' or diag $r->{body};
is $r->{json}{version}, 4, 'version 4';
is_deeply $r->{json}{spec}, { host => "$box.lan", ip => '10.0.0.12', port => 11434, on => 'yes' },
    'YAML scalars: addresses and yes/on stay strings, numbers are numbers';
is $r->{json}{content}, "Runs ollama ✓\nsecond line\n", 'literal block content';
for my $type ('text/yaml', 'application/x-yaml', 'application/yaml; charset=utf-8') {
    is put_yaml(server => $box, $yaml, content_type => $type)->{status}, 200, "Content-Type $type is YAML";
}

# YAML out.
$r = get("/api/knowledge/server/$box?format=yaml");
is $r->{status}, 200, 'GET one as YAML';
like $r->{headers}{'content-type'}, qr{^application/yaml}, 'application/yaml';
my $doc = YAML::XS::Load($r->{body});
is $doc->{apiVersion}, 'nexus/v1', 'apiVersion';
is $doc->{kind}, 'server', 'kind';
is $doc->{metadata}{name}, $box, 'metadata.name';
is $doc->{metadata}{title}, 'GPU box 1', 'metadata.title';
is_deeply $doc->{metadata}{tags}, [qw(gpu ollama ai)], 'metadata.tags';
is_deeply $doc->{metadata}{links}, [ { url => 'http://gpu-box.lan:11434/api/tags', title => 'Models' } ], 'metadata.links';
is $doc->{metadata}{version}, 4, 'metadata.version';
is $doc->{spec}{ip}, '10.0.0.12', 'spec.ip';
is $doc->{spec}{on}, 'yes', 'spec.on is the string yes';
is $doc->{content}, "Runs ollama ✓\nsecond line\n", 'content';
# The YAML a GET returns is what a PUT takes back.
$r = put_yaml(server => $box, decode_utf8($r->{body}));
is $r->{status}, 200, 'the YAML of a GET goes back in' or diag $r->{body};
is $r->{json}{version}, 4, '... unchanged';
$r = put_json(server => $box, { title => 'Via YAML out' }, query => '?format=yaml');
like $r->{headers}{'content-type'}, qr{^application/yaml}, 'PUT ?format=yaml answers YAML';
is YAML::XS::Load($r->{body})->{metadata}{title}, 'Via YAML out', '... the entity';
$r = put_yaml(server => $box, $yaml);

# Delete.
my $doomed = "$p-doomed";
is put_json(domain => $doomed, {})->{status}, 201, 'create another';
$r = api(DELETE => "/api/knowledge/domain/$doomed", token => $admin);
is $r->{status}, 204, 'DELETE: 204';
is audited('knowledge.delete', "knowledge:domain/$doomed"), 1, 'the delete is audited';
error_is(get("/api/knowledge/domain/$doomed"), 404, 'not_found', 'gone', qr/no domain '\Q$doomed\E'/);
error_is(api(DELETE => "/api/knowledge/domain/$doomed", token => $admin), 404, 'not_found', 'DELETE again: 404');

# --- who may do what ------------------------------------------------------------------
subtest 'access' => sub {
    for my $who ([ agent => { token => $agent_token } ], [ 'signed-in user' => { token => undef, user => 'alice' } ]) {
        my ($label, $cred) = @$who;
        my %c = %$cred;
        my $rr = api(GET => "/api/knowledge/server/$box", %c);
        is $rr->{status}, 200, "$label reads one";
        is api(GET => '/api/knowledge?kind=server', %c)->{status}, 200, "$label lists";
        is api(GET => '/api/knowledge/server', %c)->{status}, 200, "$label lists a kind";
        is api(GET => "/api/knowledge?query=ollama&format=yaml", %c)->{status}, 200, "$label searches";
        error_is(api(PUT => "/api/knowledge/server/$box", %c, json => { title => 'x' }), 403, 'forbidden', "$label cannot PUT");
        error_is(api(DELETE => "/api/knowledge/server/$box", %c), 403, 'forbidden', "$label cannot DELETE");
        error_is(api(PUT => "/api/knowledge/server/$p-new", %c, json => {}), 403, 'forbidden', "$label cannot create");
    }
    error_is(api(GET => '/api/knowledge'), 401, 'unauthorized', 'anonymous: 401');
    error_is(api(GET => "/api/knowledge/server/$box", token => 'nxa_' . ('A' x 43)), 401, 'unauthorized', 'unknown token: 401');
    error_is(api(PUT => "/api/knowledge/server/$box", json => {}), 401, 'unauthorized', 'anonymous PUT: 401');
    # A forged SSO header is no identity.
    error_is(api(GET => '/api/knowledge', headers => { 'X-Nexus-Sso-User' => 'mallory' }), 401, 'unauthorized',
        'a client-sent X-Nexus-Sso-User header is ignored');
    is get("/api/knowledge/server/$box")->{json}{title}, 'GPU box 1', 'nothing was changed by the refused writes';
    is get("/api/knowledge/server/$p-new")->{status}, 404, 'nor created';
};

# --- what is refused ----------------------------------------------------------------------
subtest 'bad input' => sub {
    error_is(get('/api/knowledge?kind=server,planet'), 400, 'bad_request', 'unknown kind in ?kind=',
        qr/unknown kind 'planet'; the kinds are server, domain, infrastructure, project, agent/);
    error_is(get('/api/knowledge/planet'), 404, 'not_found', 'unknown kind in the path', qr/no kind 'planet'.*server, domain/);
    error_is(get('/api/knowledge/planet/x'), 404, 'not_found', 'unknown kind for one entity', qr/planet/);
    error_is(put_json(planet => 'x', {}), 404, 'not_found', 'PUT of an unknown kind');
    error_is(get('/api/knowledge/server?kind=domain'), 400, 'bad_request', '?kind= on a kind route', qr/'kind'/);
    error_is(get('/api/knowledge?format=xml'), 400, 'bad_request', 'unknown format', qr/'format' must be json or yaml/);
    error_is(get("/api/knowledge/server/$p-missing"), 404, 'not_found', 'a missing entity is named',
        qr/no server '\Q$p-missing\E'/);
    error_is(get('/api/knowledge?query=' . ('a' x 201)), 400, 'bad_request', 'a query too long', qr/'query'/);
    error_is(get('/api/knowledge?query=%21%21%21'), 400, 'bad_request', 'a query without words', qr/'query'.*no word/);
    error_is(get('/api/knowledge?after=garbage!'), 400, 'bad_request', 'a bad cursor', qr/'after'/);
    error_is(get('/api/knowledge?limit=0'), 400, 'bad_request', 'limit 0', qr/'limit'/);

    # Path traversal and bad names.
    for my $path ('/api/knowledge/server/..', '/api/knowledge/server/%2e%2e', '/api/knowledge/server/%2E%2e',
        '/api/knowledge/server/../../vault/secrets', '/api/knowledge/%2e%2e/x', '/api/knowledge/server/./x') {
        error_is(get($path), 400, 'bad_request', "GET $path", qr/'\.' and '\.\.'/);
        error_is(api(PUT => $path, token => $admin, json => {}), 400, 'bad_request', "PUT $path");
    }
    for my $name ('-x', '.hidden', 'a%2Fb', 'a%20b', 'caf%C3%A9', 'n' x 129) {
        error_is(put_json(server => $name, {}), 400, 'bad_request', "name '$name'", qr/'name'/);
        error_is(get("/api/knowledge/server/$name"), 400, 'bad_request', "GET name '$name'", qr/'name'/);
    }
    ok put_json(server => 'n' x 128, {})->{status} =~ /^20[01]$/, 'a name of 128 characters is fine';
    api(DELETE => '/api/knowledge/server/' . ('n' x 128), token => $admin);

    # Bodies.
    my $name = "$p-bad";
    error_is(put_json(server => $name, { spec => [ 1, 2 ] }), 400, 'bad_request', 'spec not an object (JSON)',
        qr/field 'spec' must be an object/);
    error_is(put_json(server => $name, { spec => 'host' }), 400, 'bad_request', 'spec a string (JSON)', qr/'spec'/);
    error_is(put_json(server => $name, { kind => 'domain' }), 400, 'bad_request', 'kind differs from the path',
        qr/field 'kind' is 'domain' but the path names kind 'server'/);
    error_is(put_json(server => $name, { name => 'other' }), 400, 'bad_request', 'name differs from the path', qr/'name'/);
    error_is(put_json(server => $name, { owner => 'me' }), 400, 'bad_request', 'an unknown field', qr/'owner'/);
    error_is(put_json(server => $name, { tags => ['has space'] }), 400, 'bad_request', 'a bad tag', qr/'tags\[0\]'/);
    error_is(put_json(server => $name, { links => [ { url => 'javascript:alert(1)' } ] }), 400, 'bad_request',
        'a javascript: link', qr/'links\[0\]\.url'/);
    error_is(put_json(server => $name, { title => "two\nlines" }), 400, 'bad_request', 'a title with a newline', qr/'title'/);
    error_is(api(PUT => "/api/knowledge/server/$name", token => $admin, body => '{"title":'), 400, 'bad_request',
        'malformed JSON', qr/malformed JSON/);
    error_is(api(PUT => "/api/knowledge/server/$name", token => $admin, body => ''), 400, 'bad_request', 'an empty body');
    error_is(api(PUT => "/api/knowledge/server/$name", token => $admin, body => 'title=x', content_type => 'text/plain'),
        415, 'unsupported_media_type', 'text/plain: 415', qr/application\/json or application\/yaml/);

    my $limit = 262144;
    error_is(put_json(server => $name, { content => 'x' x ($limit + 1) }), 413, 'payload_too_large',
        'content over knowledge.max_content_bytes (JSON)', qr/'content' may be at most 262144 bytes/);
    is put_json(server => $name, { content => 'x' x $limit })->{status}, 201, 'content of exactly the limit is fine';
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\ncontent: " . ('y' x ($limit + 1)) . "\n"), 413,
        'payload_too_large', 'content over the limit (YAML)', qr/^line 2: content may be at most/);

    # YAML errors name their line.
    my $broken = "apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: $name\n  tags: [a, b\nspec: {}\n";
    error_is(put_yaml(server => $name, $broken), 400, 'bad_request', 'malformed YAML: its line and column',
        qr/^line [56], column \d+: malformed YAML/);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: $name\nspec:\n  - 1\n  - 2\n"),
        400, 'bad_request', 'spec a list (YAML): its line', qr/^line 6: spec must be an object/);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\nmetadata:\n  name: other\n"), 400, 'bad_request',
        'YAML name differs from the path', qr/^line 3: metadata\.name is 'other' but the path names/);
    error_is(put_yaml(server => $name, "kind: server\n"), 400, 'bad_request', 'no apiVersion', qr/apiVersion is required/);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\n---\napiVersion: nexus/v1\n"), 400, 'bad_request',
        'two documents', qr/^line 3: .*one YAML document, not 2/);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\nspec:\n  a: 1\n  a: 2\n"), 400, 'bad_request',
        'a duplicate key', qr/^line 4: duplicate key 'a'/);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\nmetadata:\n  owner: me\n"), 400, 'bad_request',
        'an unknown metadata key', qr/^line 3: unknown key 'metadata\.owner'/);
    is get("/api/knowledge/server/$name")->{json}{content}, 'x' x $limit, 'the refused PUTs changed nothing';
    # One rule for integers in both formats: 64 bits, at most 19 digits, never silently a float.
    my $huge = '1' . ('2' x 29);
    error_is(put_yaml(server => $name, "apiVersion: nexus/v1\nspec:\n  n: $huge\n"), 400, 'bad_request',
        'a 30-digit integer (YAML)', qr/^line 3: .*the integer $huge has more than 19 digits/);
    error_is(api(PUT => "/api/knowledge/server/$name", token => $admin, body => qq({"spec":{"n":$huge}})), 400,
        'bad_request', 'and in JSON', qr/more than 19 digits/);
    my $r = put_yaml(server => $name, "apiVersion: nexus/v1\nspec:\n  n: 9999999999999999999\n  m: \"$huge\"\n");
    is $r->{status}, 200, 'a 19-digit integer and a quoted 30-digit one are fine' or diag $r->{body};
    like get("/api/knowledge/server/$name")->{body}, qr/"n":9999999999999999999\b/, 'stored as the integer it is';
    api(DELETE => "/api/knowledge/server/$name", token => $admin);
};

# --- lists and search on a few hundred entities ----------------------------------------
my $rare = 'zq' . letters(8);    # a word nobody else uses
my $filler = join ' ', qw(render pipeline asset studio backup archive texture shader lighting camera
  compositing timeline review delivery storage network printer laptop license invoice);
sub filler { join ' ', map { (split / /, $filler)[ rand 20 ] } 1 .. $_[0] }

my @fixture;
for my $i (1 .. 300) {
    push @fixture, [ project => sprintf('%s-p%03d', $p, $i), { title => 'Project ' . filler(3), content => filler(40) . "\n",
        spec => { owner => 'studio', stage => filler(1) }, tags => [ (split / /, $filler)[ $i % 20 ] ] } ];
}
# Where the rare word is: the title of one, the content of two (one says
# it five times), a tag, a spec value, a link title and a name.
my %where = (
    title      => [ project => "$p-in-title",   { title => "The $rare gateway", content => filler(30) } ],
    content1   => [ project => "$p-in-content", { title => 'Notes', content => filler(20) . " $rare " . filler(20) } ],
    content5   => [ project => "$p-in-content-often", { title => 'More notes', content => join(" $rare ", map { filler(8) } 1 .. 6) } ],
    tag        => [ project => "$p-in-tag",     { title => 'Tagged', tags => [ 'x', $rare ], content => filler(20) } ],
    spec       => [ project => "$p-in-spec",    { title => 'Specified', spec => { service => "$rare-proxy", port => 8080 } } ],
    link       => [ project => "$p-in-link",    { title => 'Linked', links => [ { url => 'https://example.com', title => "$rare wiki" } ] } ],
    name       => [ server  => "$rare-edge",    { title => 'Edge host', content => filler(10) } ],
);
push @fixture, values %where;
# An entity named by a word, and one with that word in its title.
my $named = 'zx' . letters(8);
push @fixture, [ domain => $named, { title => 'Something else' } ], [ project => "$p-about-named", { title => "About $named" } ];
# Short and partial words: a two-letter tag, and one only in content.
my $short = 'q' . (0 .. 9)[ rand 10 ];    # e.g. "q7": shorter than the full-text index's words
push @fixture, [ project => "$p-short-tag", { title => 'Short tag', tags => [$short], content => filler(5) } ];
push @fixture, [ project => "$p-short-content", { title => 'Short content', content => "mentions $short in passing" } ];
# Named after the short word: what a search of only that word finds.
push @fixture, [ server  => "$short-$p-box", { title => 'Box', content => filler(5) } ], [ server => "$short$p", { title => 'Box too' } ];
push @fixture, [ agent   => "$p-ollama", { title => 'Runner', content => "runs olla${rare}ma models" } ];
push @fixture, [ server  => "$p-llm", { title => 'Inference', content => "Serves models with Ollama.\n" } ];

for my $f (@fixture) {
    my ($kind, $name, $body) = @$f;
    my $rr = put_json($kind, $name, $body);
    die "PUT $kind/$name: $rr->{status} $rr->{body}\n" unless $rr->{status} == 201;
}
pass(scalar(@fixture) . ' entities created');

subtest 'lists and pagination' => sub {
    my ($all, $pages) = all_pages('/api/knowledge?kind=project&limit=37');
    my @mine = grep { /^\Q$p\E-p\d{3}$/ } map { $_->{name} } @$all;
    is scalar(@mine), 300, 'every project of the fixture, across pages';
    ok $pages >= 9, "in $pages pages of 37";
    my %seen;
    is scalar(grep { $seen{"$_->{kind}/$_->{name}"}++ } @$all), 0, 'no entity twice';
    is_deeply \@mine, [ sort @mine ], 'by name';
    ok !(grep { $_->{kind} ne 'project' } @$all), 'only projects';

    ($all) = all_pages('/api/knowledge?kind=server,agent,project&limit=500');
    my @kinds = map { $_->{kind} } @$all;
    is_deeply \@kinds, [ sort @kinds ], 'several kinds: by kind, then name';
    ok((grep { $_ eq 'server' } @kinds) && (grep { $_ eq 'agent' } @kinds), 'both kinds there');

    my ($kind) = all_pages('/api/knowledge/agent?limit=2');
    ok((grep { $_->{name} eq "$p-ollama" } @$kind), '/api/knowledge/agent lists agents');
    ok !(grep { $_->{kind} ne 'agent' } @$kind), '... only agents';

    # YAML pages carry the same Link.
    my $rr = get('/api/knowledge?kind=project&limit=3&format=yaml');
    like $rr->{headers}{'content-type'}, qr{^application/yaml}, 'a YAML page';
    my @docs = YAML::XS::Load($rr->{body});
    is scalar(@docs), 3, 'three documents';
    is $docs[0]{apiVersion}, 'nexus/v1', 'each an envelope';
    like next_link($rr) // '', qr/format=yaml/, 'its next link keeps format=yaml';
    my @next = YAML::XS::Load(get(next_link($rr))->{body});
    isnt $next[0]{metadata}{name}, $docs[2]{metadata}{name}, 'the next page goes on';
    error_is(get('/api/knowledge?query=x' . $rare . '&after=' . ((next_link($rr) =~ /after=([^&]+)/)[0])), 400,
        'bad_request', "a list's cursor does not fit a search", qr/'after'/);
};

# The fixture's entities in a search result, in order.
sub mine { my ($r) = @_; [ grep { /^(?:\Q$p\E-|\Q$rare\E-)/ } @{ names_of($r) } ] }

subtest 'search relevance' => sub {
    my $rr = get("/api/knowledge?query=$rare");
    is $rr->{status}, 200, "search for a rare word";
    my $found = mine($rr);
    is scalar(@$found), 7, 'found in the title, content, tags, spec, links and name' or diag explain $found;
    is $found->[0], "$p-in-title", 'the title match ranks first' or diag explain $found;
    is $found->[1], "$p-in-tag", 'then the exact tag';
    my %rank = map { $found->[$_] => $_ } 0 .. $#$found;
    for my $meta ("$p-in-spec", "$p-in-link", "$rare-edge") {
        ok $rank{$meta} < $rank{"$p-in-content"} && $rank{$meta} < $rank{"$p-in-content-often"},
            "$meta (name, link or spec) ranks above content-only matches";
    }
    ok $rank{"$p-in-title"} < $rank{"$p-in-content-often"}, 'a word said five times in the content does not beat the title';

    is_deeply mine(get("/api/knowledge?query=" . uc($rare))), $found, 'case does not matter';
    is_deeply [ sort @{ mine(get("/api/knowledge?query=%E2%80%9C$rare%E2%80%9D")) } ], [ sort @$found ],
        'typographic quotes only separate words, as in the index ("“word”")';
    for my $prefix (substr($rare, 0, 5), substr($rare, 0, 3)) {
        my $got = mine(get("/api/knowledge?query=$prefix"));
        is_deeply [ sort @$got ], [ sort @$found ], "a prefix ($prefix) finds the same (the index matches prefixes)";
        is $got->[0], "$p-in-title", '... the title match first';
        is_deeply [ sort @$got[ -2, -1 ] ], [ sort "$p-in-content", "$p-in-content-often" ], '... the content matches last';
    }
    is_deeply mine(get("/api/knowledge?query=$rare+gateway")), ["$p-in-title"], 'every word must match';
    is_deeply mine(get("/api/knowledge?query=gateway+$rare")), ["$p-in-title"], 'in any order';
    is_deeply mine(get("/api/knowledge?query=$rare&kind=server")), ["$rare-edge"], 'kind narrows a search';
    is_deeply mine(get("/api/knowledge?query=$rare-edge")), ["$rare-edge"], 'a name with its dashes';
    is_deeply [ grep { /^(?:\Q$p\E-|\Q$named\E$)/ } @{ names_of(get("/api/knowledge?query=$named")) } ],
        [ $named, "$p-about-named" ], 'an exact name ranks first, even above a title';
    is_deeply mine(get("/api/knowledge?query=$rare-proxy")), ["$p-in-spec"], 'a spec value';

    # Words too short for the full-text index narrow what the other words find, exact tags first.
    my ($short_all) = all_pages("/api/knowledge?query=short+$short&limit=1000");
    my @short_mine = grep { /^\Q$p\E-short/ } map { $_->{name} } @$short_all;
    is_deeply \@short_mine, [ "$p-short-tag", "$p-short-content" ], "a 2-letter tag ($short) with a longer word is found, before a mention in content";
    ok !(grep { $_->{name} !~ /short/i && $_->{title} !~ /short/i } @$short_all), '... and only with the longer word';
    is_deeply [ map { $_->{name} } @{ (all_pages("/api/knowledge?query=short+$short+zz&limit=1000"))[0] } ], [],
        'every short word must occur';
    # A search of only short words looks at names that start with the first (an index range, never a scan).
    my ($by_name) = all_pages("/api/knowledge?query=$short&limit=1000");
    is_deeply [ sort map { $_->{name} } @$by_name ], [ sort "$short-$p-box", "$short$p" ], "only short words ($short): the names starting with it";
    is $by_name->[0]{name}, "$short-$p-box", '... equal scores by name';
    is_deeply [ sort grep { /^\Q$short\E/ } @{ names_of(get("/api/knowledge?query=$short+box")) } ], [ sort "$short-$p-box", "$short$p" ],
        '... with a longer word: what the index finds for it';
    is_deeply names_of(get('/api/knowledge?query=%C3%A9t')), [], 'a short non-ASCII word: no name starts with it';
    is_deeply mine(get("/api/knowledge?query=olla$rare")), ["$p-ollama"], 'a word prefix inside content';
    my ($oll) = all_pages('/api/knowledge?query=oll&kind=server&limit=1000');
    ok((grep { $_->{name} eq "$p-llm" } @$oll), '"oll" finds "Ollama" in the content');
    ($oll) = all_pages('/api/knowledge?query=models+ol&kind=server&limit=1000');
    ok((grep { $_->{name} eq "$p-llm" } @$oll), '... and so does "ol" with another word');
    ($oll) = all_pages('/api/knowledge?query=ol&kind=server&limit=1000');
    ok !(grep { $_->{name} !~ /^ol/ } @$oll), '... alone, "ol" finds only names starting with it';

    # Search pages: a cursor that keeps the order.
    my ($paged, $pages) = all_pages("/api/knowledge?query=$rare&limit=2");
    is_deeply [ grep { /^(?:\Q$p\E-|\Q$rare\E-)/ } map { $_->{name} } @$paged ], $found, "paged (limit 2, $pages pages): the same order";
    ok $pages >= 4, 'in several pages';

    # YAML search results.
    $rr = get("/api/knowledge?query=$rare&format=yaml");
    my @docs = YAML::XS::Load($rr->{body});
    is_deeply [ grep { /^(?:\Q$p\E-|\Q$rare\E-)/ } map { $_->{metadata}{name} } @docs ], $found, 'as YAML, same order';

    # Operators and injection are just words.
    for my $q ("+$rare -gateway", "\"$rare\"", "$rare*", "'; DROP TABLE knowledge; --", "%25", "a_b", '(x)') {
        my $res = get('/api/knowledge?query=' . join('', map { sprintf '%%%02X', ord } split //, $q));
        ok $res->{status} == 200 || ($res->{status} == 400 && $res->{json}{message} =~ /no word/), "query '$q' is taken literally"
            or diag $res->{body};
    }
    ok $dbh->selectrow_array('SELECT COUNT(*) FROM knowledge') > 300, 'the table is still there';
};

# Issue 15 #1: every search is one of a few statement texts, so thousands of
# different searches cannot fill MariaDB's prepared-statement limit.
subtest 'searches use a bounded number of prepared statements' => sub {
    my $stmts = sub { ($dbh->selectrow_array("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'"))[1] };
    my $conns = $dbh->selectrow_array('SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
        undef, 'nexus');
    my @kinds = qw(server domain infrastructure project agent);
    my @long = qw(render pipeline asset studio backup archive texture shader lighting camera compositing timeline);
    my @short = qw(ab cd ef gh the of);
    my $before = $stmts->();
    my ($searches, $ok) = (0, 0);
    for my $w (1 .. 12) {
        for my $s (0 .. ($w < 5 ? $w : 5)) {
            for my $k (0 .. 5) {
                my @words = ((@long)[ 0 .. $w - $s - 1 ], (@short)[ 0 .. $s - 1 ]);
                my $q = join '+', @words[ 0 .. $w - 1 ];
                my $kind = $k ? '&kind=' . join(',', @kinds[ 0 .. $k - 1 ]) : '';
                $searches++;
                $ok++ if get("/api/knowledge?query=$q$kind&limit=2")->{status} == 200;
            }
        }
    }
    my $after = $stmts->();
    is $ok, $searches, "$searches searches of different shapes (1-12 words, 0-5 short ones, 0-5 kinds) answer 200";
    my $bound = $conns * 6;
    ok $searches > 2 * $bound, "more shapes ($searches) than the bound";
    cmp_ok $after - $before, '<=', $bound, "prepared statements grew by at most 6 per connection ($conns connections)";
    error_is(get('/api/knowledge?query=' . join('+', map { "w$_" . 'xyz' } 1 .. 13)), 400, 'bad_request', 'more than 12 words',
        qr/'query' may hold at most 12 words/);
};

done_testing();
