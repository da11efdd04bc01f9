# The model registry: create and replace by model_id (every field checked),
# list with filters and pagination, families, delete with the model id's '/'
# sent as %2F, and the audit of writes by agents and by the admin.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;
use POSIX ();

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $admin = admin_token();
my $dbh = dbh();
my $agent = new_agent(slug => unique_slug('registry'));
my $agent_token = issue_token($agent)->{token};

# This file's provider and families: other files' entries never match them.
my $prov = unique_slug('prov');
my $fam = unique_slug('fam');

sub upsert { my ($body, %opt) = @_; api(POST => '/api/registry/models', token => $opt{token} // $admin, json => $body) }
sub audited {
    my ($action, $model_id, $principal) = @_;
    return scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND principal = ?',
        undef, $action, "model:$model_id", $principal);
}
sub stored { scalar $dbh->selectrow_array('SELECT COUNT(*) FROM models WHERE provider = ?', undef, $_[0] // $prov) }

# --- create, and every field as it comes back ----------------------------------------
my %full = (
    slug                 => $fam,
    model_id             => "$prov/gpt-4o",
    provider             => $prov,
    name                 => 'GPT-4o ✓',
    context_length       => 128000,
    max_output_tokens    => 16384,
    input_modalities     => [qw(text image file)],
    output_modalities    => ['text'],
    pricing              => { prompt => 2.5, completion => 10, cache_read => 1.25 },
    supported_parameters => [qw(temperature max_tokens tools)],
    deprecation_date     => '2027-02-28',
    metadata             => { tokenizer => 'o200k', tags => [ 'fast', 1 ] },
);
my $r = upsert(\%full);
is($r->{status}, 201, 'create: 201') or diag($r->{body});
my $first = $r->{json};
like($first->{id}, qr/^\d+$/, '... with an id');
is($first->{$_}, $full{$_}, "... $_ as sent") for qw(slug model_id provider name context_length max_output_tokens deprecation_date);
is_deeply($first->{$_}, $full{$_}, "... $_ as sent") for qw(input_modalities output_modalities pricing supported_parameters metadata);
is_deeply([ sort keys %$first ],
    [ sort qw(id slug model_id provider name context_length max_output_tokens input_modalities output_modalities pricing
              supported_parameters deprecation_date metadata created_at updated_at) ], '... and exactly the entry\'s fields');
ok(defined epoch_of($first->{created_at}), '... created_at is RFC 3339 UTC');
is($first->{updated_at}, $first->{created_at}, '... and equals updated_at');
like($r->{body}, qr/^\{"id":\d+,"slug":"[^"]+","model_id":/, '... in the documented order');
like($r->{body}, qr/"pricing":\{"prompt":2.5,"completion":10,"cache_read":1.25\}/, '... pricing keys in their fixed order');
is(audited('model.upsert', "$prov/gpt-4o", 'admin'), 1, 'the admin\'s write is audited as admin');

# --- defaults -----------------------------------------------------------------------------------
$r = upsert({ slug => $fam, model_id => "$prov/gpt-4o-mini" });
is($r->{status}, 201, 'a minimal entry: 201') or diag($r->{body});
my $mini = $r->{json};
is($mini->{provider}, $prov, '... provider from the model id');
is($mini->{name}, "$prov/gpt-4o-mini", '... name defaults to the model id');
is($mini->{$_}, undef, "... $_ null") for qw(context_length max_output_tokens deprecation_date);
is_deeply($mini->{input_modalities}, ['text'], '... input text');
is_deeply($mini->{output_modalities}, ['text'], '... output text');
is_deeply($mini->{pricing}, {}, '... no pricing');
is_deeply($mini->{supported_parameters}, [], '... no parameters');
is_deeply($mini->{metadata}, {}, '... no metadata');

# --- replace: the whole entry, created_at kept ----------------------------------------------------
select(undef, undef, undef, 0.01);
$r = upsert({ slug => "$fam-b", model_id => "$prov/gpt-4o", context_length => 64000 });
is($r->{status}, 200, 'the same model_id again replaces it: 200') or diag($r->{body});
is($r->{json}{id}, $first->{id}, '... same id');
is($r->{json}{created_at}, $first->{created_at}, '... created_at kept');
ok(epoch_of($r->{json}{updated_at}) > epoch_of($first->{created_at}), '... updated_at moved on');
is($r->{json}{slug}, "$fam-b", '... new family');
is($r->{json}{context_length}, 64000, '... new context_length');
is($r->{json}{name}, "$prov/gpt-4o", '... fields left out are back to their defaults: name');
is($r->{json}{$_}, undef, "... $_") for qw(max_output_tokens deprecation_date);
is_deeply($r->{json}{input_modalities}, ['text'], '... input_modalities');
is_deeply($r->{json}{pricing}, {}, '... pricing');
is_deeply($r->{json}{metadata}, {}, '... metadata');
is(stored(), 2, 'still two rows for the provider');
is(audited('model.upsert', "$prov/gpt-4o", 'admin'), 2, 'the replacement is audited too');

# An entry as GET returns it can be sent back (id and times are ignored).
my $back = { %{ $r->{json} }, id => 1, created_at => '2000-01-01T00:00:00.000Z', name => 'renamed' };
$r = upsert($back);
is($r->{status}, 200, 'an entry read from the API can be posted back') or diag($r->{body});
is($r->{json}{id}, $first->{id}, '... its id is not taken from the body');
is($r->{json}{created_at}, $first->{created_at}, '... nor its created_at');
is($r->{json}{name}, 'renamed', '... the change is stored');
upsert(\%full)->{status} == 200 or BAIL_OUT('cannot restore the full entry');

# --- an agent may write; audited as that agent -------------------------------------------------------
my $deep_id = "$prov/meta-llama/llama-3-70b:free";
$r = upsert({ slug => "$fam-llama", model_id => $deep_id, input_modalities => ['image'], output_modalities => [qw(text audio)] },
    token => $agent_token);
is($r->{status}, 201, 'an agent creates an entry') or diag($r->{body});
is($r->{json}{provider}, $prov, '... provider is the part before the first /');
is(audited('model.upsert', $deep_id, "agent:$agent"), 1, '... audited with the agent as principal');
$r = upsert({ slug => "$fam-video", model_id => "$prov/veo", input_modalities => [qw(text)], output_modalities => [qw(video)] },
    token => $agent_token);
is($r->{status}, 201, 'another entry') or diag($r->{body});

# --- list: filters, order, pagination ---------------------------------------------------------------
sub list_all {
    my ($query, $limit) = @_;
    my (@ids, @pages);
    my $path = "/api/registry/models?$query&limit=$limit";
    while ($path) {
        my $r = api(GET => $path, token => $agent_token);
        is($r->{status}, 200, "GET $path") or diag($r->{body}), return;
        push @pages, $r;
        push @ids, map { $_->{model_id} } @{ $r->{json} };
        $path = next_link($r);
        last if @pages > 20;
    }
    return (\@ids, \@pages);
}
my @all = ("$prov/gpt-4o", "$prov/gpt-4o-mini", $deep_id, "$prov/veo");    # in id order
my ($ids, $pages) = list_all("provider=$prov", 100);
is_deeply($ids, \@all, 'provider filter: every entry of the provider, ordered by id');
is(scalar @$pages, 1, '... one page');
ok(!exists $pages->[0]{headers}{link}, '... without a Link');
($ids, $pages) = list_all("provider=$prov", 1);
is_deeply($ids, \@all, 'one per page: the same entries');
is(scalar @$pages, 4, '... on four pages');
like($pages->[0]{headers}{link}, qr/provider=\Q$prov\E/, '... the Link keeps the filter');
ok(!exists $pages->[3]{headers}{link}, '... the last has no Link');
is_deeply([ map { $_->{id} } @{ $pages->[0]{json} } ], [ $first->{id} ], '... full entries in the pages');

($ids) = list_all("provider=$prov&modality=image", 100);
is_deeply($ids, [ "$prov/gpt-4o", $deep_id ], 'modality=image: entries taking images');
($ids) = list_all("provider=$prov&modality=audio", 100);
is_deeply($ids, [$deep_id], 'modality=audio: an output modality counts too');
($ids) = list_all("provider=$prov&modality=video", 100);
is_deeply($ids, ["$prov/veo"], 'modality=video');
($ids) = list_all("provider=$prov&modality=file", 100);
is_deeply($ids, ["$prov/gpt-4o"], 'modality=file');
($ids) = list_all("provider=$prov-none", 100);
is_deeply($ids, [], 'an unknown provider: an empty list');
error_is(api(GET => '/api/registry/models?modality=smell', token => $agent_token), 400, 'bad_request',
    'an unknown modality: 400 listing the valid ones', qr/'modality'.*text, image, audio, video, file/);
error_is(api(GET => '/api/registry/models?limit=0', token => $agent_token), 400, 'bad_request', 'limit=0: 400', qr/'limit'/);
error_is(api(GET => '/api/registry/models?after=%25', token => $agent_token), 400, 'bad_request', 'a bad cursor: 400', qr/'after'/);
$r = api(GET => '/api/registry/models', token => $admin);
is($r->{status}, 200, 'the admin lists too');
error_is(api(GET => '/api/registry/models'), 401, 'unauthorized', 'no token: 401');

# --- family ----------------------------------------------------------------------------------------
$r = upsert({ slug => $fam, model_id => "$prov-azure/gpt-4o", name => 'GPT-4o on Azure' });
is($r->{status}, 201, 'a second provider in the family') or diag($r->{body});
$r = api(GET => "/api/registry/models/$fam", token => $agent_token);
is($r->{status}, 200, 'GET the family') or diag($r->{body});
is($r->{json}{slug}, $fam, '... its slug');
is_deeply([ map { $_->{model_id} } @{ $r->{json}{models} } ], [ sort("$prov/gpt-4o", "$prov/gpt-4o-mini", "$prov-azure/gpt-4o") ],
    '... its entries, ordered by model_id');
my ($in_family) = grep { $_->{model_id} eq "$prov/gpt-4o" } @{ $r->{json}{models} };
is_deeply($in_family, api(GET => "/api/registry/models?provider=$prov&limit=1", token => $admin)->{json}[0],
    '... as full entries, the same as the list shows');
is_deeply([ sort keys %{ $r->{json} } ], [qw(models slug)], '... and nothing else');
error_is(api(GET => "/api/registry/models/$fam-none", token => $agent_token), 404, 'not_found',
    'an unknown family: 404 naming it', qr/\Q$fam-none\E/);

# --- delete: the model id's '/' as %2F ------------------------------------------------------------------
my $enc = uri_escape("$prov/gpt-4o-mini");
like($enc, qr/%2F/, 'the model id is sent with %2F');
error_is(api(DELETE => "/api/registry/models/$fam/$prov/gpt-4o-mini", token => $agent_token), 404, 'not_found',
    'an unencoded model id is another path: a clean 404');
error_is(api(GET => "/api/registry/models/$fam/$enc", token => $agent_token), 405, 'method_not_allowed',
    'GET on an entry path: 405');
error_is(api(DELETE => "/api/registry/models/$fam-b/$enc", token => $agent_token), 404, 'not_found',
    'the right model id in the wrong family: 404 naming both', qr/\Q$prov\E\/gpt-4o-mini.*\Q$fam-b\E/);
$r = api(DELETE => "/api/registry/models/$fam/$enc", token => $agent_token);
is($r->{status}, 204, 'DELETE /api/registry/models/<slug>/<provider>%2F<model>: 204') or diag($r->{body});
is($r->{body} // '', '', '... no body');
is(audited('model.delete', "$prov/gpt-4o-mini", "agent:$agent"), 1, '... audited with the agent as principal');
is(stored(), 3, '... the row is gone');
error_is(api(DELETE => "/api/registry/models/$fam/$enc", token => $agent_token), 404, 'not_found',
    'deleting it again: 404 naming the model', qr/\Q$prov\E\/gpt-4o-mini/);
$r = api(DELETE => "/api/registry/models/$fam-llama/" . uri_escape($deep_id), token => $admin);
is($r->{status}, 204, 'a model id with two slashes and a colon, all encoded: 204') or diag($r->{body});
is(audited('model.delete', $deep_id, 'admin'), 1, '... audited as admin');
$r = api(DELETE => "/api/registry/models/$fam-video/$prov%2fveo", token => $admin);
is($r->{status}, 204, 'a lower-case %2f works too') or diag($r->{body});
error_is(api(DELETE => "/api/registry/models/$fam/$prov%2F..", token => $admin), 404, 'not_found',
    'a model id ending in .. : 404, nothing else happens');
error_is(api(DELETE => "/api/registry/models/$fam/%zz", token => $admin), 400, 'bad_request', 'a malformed escape: 400');
error_is(api(DELETE => "/api/registry/models/$fam/" . uri_escape("$prov/gpt-4o")), 401, 'unauthorized', 'delete without a token: 401');
is(stored(), 1, 'one entry of the provider left');

# --- what is refused: a 400 naming the field, and nothing stored ------------------------------------------
my $bad_prov = unique_slug('bad');
my @bad = (
    [ 'no model_id'                  => { model_id => undef },                              'model_id' ],
    [ 'a model_id without /'         => { model_id => 'gpt-4o' },                           'model_id' ],
    [ 'an empty part'                => { model_id => "$bad_prov//gpt-4o" },                'model_id' ],
    [ 'a trailing /'                 => { model_id => "$bad_prov/" },                       'model_id' ],
    [ 'a space'                      => { model_id => "$bad_prov/gpt 4o" },                 'model_id' ],
    [ 'a .. part'                    => { model_id => "$bad_prov/../x" },                   'model_id' ],
    [ 'a model_id of 201 chars'      => { model_id => "$bad_prov/" . 'm' x (200 - length $bad_prov) }, 'model_id' ],
    [ 'a numeric model_id'           => { model_id => 42 },                                 'model_id' ],
    [ 'no slug'                      => { slug => undef },                                  'slug' ],
    [ 'a slug with /'                => { slug => 'a/b' },                                  'slug' ],
    [ 'a slug of 101 chars'          => { slug => 's' x 101 },                              'slug' ],
    [ 'a provider that differs'      => { provider => 'someone-else' },                     'provider' ],
    [ 'an empty name'                => { name => '' },                                     'name' ],
    [ 'a name of 201 chars'          => { name => 'n' x 201 },                              'name' ],
    [ 'context_length 0'             => { context_length => 0 },                            'context_length' ],
    [ 'context_length -5'            => { context_length => -5 },                           'context_length' ],
    [ 'context_length 1.5'           => { context_length => 1.5 },                          'context_length' ],
    [ 'context_length "8192"'        => { context_length => '8192' },                       'context_length' ],
    [ 'context_length 2^32'          => { context_length => 4294967296 },                   'context_length' ],
    [ 'max_output_tokens 4096.5'     => { max_output_tokens => 4096.5 },                    'max_output_tokens' ],
    [ 'max_output_tokens true'       => { max_output_tokens => JSON::PP::true() },          'max_output_tokens' ],
    [ 'an unknown input modality'    => { input_modalities => ['smell'] },                  'input_modalities' ],
    [ 'no input modality'            => { input_modalities => [] },                         'input_modalities' ],
    [ 'modalities as a string'       => { output_modalities => 'text' },                    'output_modalities' ],
    [ 'an unknown output modality'   => { output_modalities => ['Text'] },                  'output_modalities' ],
    [ 'an unknown pricing key'       => { pricing => { input => 1 } },                      'input' ],
    [ 'a negative price'             => { pricing => { prompt => -1 } },                    'prompt' ],
    [ 'a price as a string'          => { pricing => { completion => '10' } },              'completion' ],
    [ 'pricing as an array'          => { pricing => [1] },                                 'pricing' ],
    [ 'a parameter in camelCase'     => { supported_parameters => ['maxTokens'] },          'supported_parameters' ],
    [ 'a parameter not a string'     => { supported_parameters => [1] },                    'supported_parameters' ],
    [ 'parameters as an object'      => { supported_parameters => {} },                     'supported_parameters' ],
    [ 'February 30th'                => { deprecation_date => '2026-02-30' },               'deprecation_date' ],
    [ 'a date-time'                  => { deprecation_date => '2026-06-30T00:00:00Z' },     'deprecation_date' ],
    [ 'a date as a number'           => { deprecation_date => 20260630 },                   'deprecation_date' ],
    [ 'metadata as an array'         => { metadata => [] },                                 'metadata' ],
    [ 'metadata over 16 KiB'         => { metadata => { k => 'x' x 16377 } },               'metadata' ],
    [ 'an unknown field'             => { top_provider => {} },                             'top_provider' ],
);
for my $case (@bad) {
    my ($label, $fields, $field) = @$case;
    my %json = (slug => "$fam-bad", model_id => "$bad_prov/m", %$fields);
    delete $json{$_} for grep { !defined $json{$_} } keys %json;
    error_is(upsert(\%json, token => $agent_token), 400, 'bad_request', "$label: 400 naming '$field'", qr/'\Q$field\E'/);
}
is(stored($bad_prov), 0, 'nothing was stored by refused requests');
is(scalar $dbh->selectrow_array("SELECT COUNT(*) FROM audit_log WHERE target LIKE ?", undef, "model:$bad_prov/%"), 0,
    '... nor audited');
error_is(api(POST => '/api/registry/models', token => $agent_token, body => 'slug=x', content_type => 'text/plain'), 415,
    'unsupported_media_type', 'a body that is not JSON: 415');
error_is(api(POST => '/api/registry/models', token => $agent_token, body => '{"slug":'), 400, 'bad_request', 'malformed JSON: 400');
error_is(api(POST => '/api/registry/models', token => $agent_token, body => ''), 400, 'bad_request', 'no body: 400');
error_is(upsert({ slug => $fam, model_id => "$bad_prov/m" }, token => 'nxa_' . 'A' x 43), 401, 'unauthorized',
    'an unknown token: 401');
is(stored($bad_prov), 0, 'still nothing stored');

# --- concurrent writers of one new model id: one creates, the others replace ------------------------------
# The race is run many times: a lost one shows up as a second 201, an error or a missing audit row.
{
    my $rounds = 20;
    my (@bad, $rows, $audits) = ();
    my $deadlocks = sub { ($dbh->selectrow_array("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'"))[1] };
    my $deadlocks_before = $deadlocks->();
    for my $round (1 .. $rounds) {
        my $racy = "$prov/racy-$round";
        my @readers;
        pipe(my $go_rd, my $go_wr) or die;    # the writers start together: each waits for the parent's close
        for my $i (1 .. 6) {
            pipe(my $rd, my $wr) or die;
            my $pid = fork // die;
            if (!$pid) {
                close $rd;
                close $go_wr;
                my $go = <$go_rd>;
                my $r = upsert({ slug => "$fam-racy", model_id => $racy, name => "writer $i" }, token => $agent_token);
                print $wr "$r->{status}\n";
                close $wr;
                POSIX::_exit(0);
            }
            close $wr;
            push @readers, [ $pid, $rd ];
        }
        close $go_wr;
        close $go_rd;
        my @statuses = sort map { waitpid($_->[0], 0); my $fh = $_->[1]; my $line = <$fh>; chomp $line; $line } @readers;
        push @bad, "round $round: @statuses" unless "@statuses" eq '200 200 200 200 200 201';
        $rows += $dbh->selectrow_array('SELECT COUNT(*) FROM models WHERE model_id = ?', undef, $racy);
        $audits += audited('model.upsert', $racy, "agent:$agent");
    }
    is_deeply(\@bad, [], "six writers at once, $rounds times: each time one 201, five 200, no error");
    is($rows, $rounds, '... one row each time');
    is($audits, 6 * $rounds, '... every write audited');
    # Deadlocks are retried, but three in a row fail a request; a writer that takes no gap lock causes none.
    is($deadlocks->() - $deadlocks_before, 0, '... and the writers never deadlocked');
}

# --- edge values that are fine ---------------------------------------------------------------------------------
$r = upsert({ slug => "$fam-edge", model_id => "$prov/" . 'e' x (199 - length $prov), context_length => 4294967295,
    pricing => { prompt => 0, completion => 0.000001, cache_read => 0, cache_write => 3.75 },
    metadata => { k => 'x' x 16376 }, deprecation_date => '2028-02-29', input_modalities => [qw(text text image)] });
is($r->{status}, 201, 'limits exactly: a 200-character model id, 2^32-1 tokens, 16 KiB metadata, a leap day') or diag($r->{body});
is_deeply($r->{json}{input_modalities}, [qw(text image)], '... repeated modalities listed once');
is($r->{json}{pricing}{completion}, 0.000001, '... a small price kept');

done_testing();
