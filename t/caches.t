# The workers' caches (auth.token_cache_ms, auth.token_negative_cache_ms,
# profiles.cache_ms, knowledge.cache_ms, vault.cache_ms): a cached answer
# saves the database its queries, and a change made through the pool (revoke,
# rotate, profile edit or delete, registry edit, knowledge put or delete,
# secret update or delete, assignment) is seen at once by every worker,
# however long the TTL.
# The test stacks run with 60 s TTLs (NexusTest::test_settings), so only
# the invalidation can explain a change seen within this file's few seconds.
use strict;
use warnings;
use Test::More;
use NexusTest;

my $admin = admin_token();
my $dbh = dbh();
my $tag = unique_slug('cache');
my $prov = "prov-$tag";
my $name = "Cached $tag";
my $path = '/api/profiles/' . uri_escape($name);


my $r = api(POST => '/api/profiles', token => $admin, json => { name => $name, model => "$prov/m1", description => 'first' });
is($r->{status}, 201, 'a profile naming a model the registry does not know') or diag($r->{body});

my $slug = new_agent(slug => unique_slug('cache-agent'));
my $token = issue_token($slug)->{token};

# Requests enough to reach every worker (each thread has its own connection;
# the cache is per worker process).
sub reads {
    my ($n, $tok) = @_;
    return map { api(GET => $path, token => $tok // $token) } 1 .. $n;
}
sub statuses { my %n; $n{ $_->{status} }++ for @_; return join ' ', map { "$_ x$n{$_}" } sort keys %n }
sub selects { return ($dbh->selectrow_array("SHOW GLOBAL STATUS LIKE 'Com_select'"))[1] }

subtest 'a warm cache answers without the database' => sub {
    reads(20);
    my $before = selects();
    my @r = reads(200);
    my $after = selects();
    is(statuses(@r), '200 x200', '200 reads answered');
    # Uncached, each read costs three SELECTs (token, profile, registry):
    # 600. The sealer's own few queries run meanwhile.
    cmp_ok($after - $before, '<', 100, 'far fewer SELECTs than reads: ' . ($after - $before));
    is($r[-1]{json}{description}, 'first', 'the cached answer is the profile');
    is($r[-1]{headers}{'content-type'}, 'application/json; charset=utf-8', '... as JSON');
};

subtest 'unknown tokens are cached too' => sub {
    my $bad = 'nxa_' . ('Z' x 43);
    api(GET => $path, token => $bad);
    my $before = selects();
    my @r = map { api(GET => $path, token => $bad) } 1 .. 60;
    my $after = selects();
    is(statuses(@r), '401 x60', 'every one refused');
    cmp_ok($after - $before, '<', 30, 'without a SELECT each: ' . ($after - $before));
};

subtest 'a profile edit is seen at once' => sub {
    reads(20);
    $r = api(PUT => $path, token => $admin, json => { description => 'second' });
    is($r->{status}, 200, 'updated') or diag($r->{body});
    my @r = reads(30);
    is(join(',', map { $_->{json}{description} // 'none' } @r), join(',', ('second') x 30), 'every worker answers the new description');
};

subtest 'a registry edit changes the warnings at once' => sub {
    my @before = reads(20);
    ok((grep { /not in the model registry/ } @{ $before[-1]{json}{warnings} }), 'warned: the model is unknown');
    $r = api(POST => '/api/registry/models', token => $admin,
        json => { slug => "$prov-family", model_id => "$prov/m1", name => 'M1', input_modalities => ['text'], output_modalities => ['text'] });
    ok($r->{status} == 201, 'the model registered') or diag($r->{body});
    my @after = reads(30);
    is(scalar(grep { grep { /not in the model registry/ } @{ $_->{json}{warnings} } } @after), 0, 'no worker still warns');
};

subtest 'a revoked token is refused at once by every worker' => sub {
    my $other = issue_token(new_agent(slug => unique_slug('cache-revoke')));
    my @warm = reads(20, $other->{token});
    is(statuses(@warm), '200 x20', 'the token works (and is cached)');
    my $agent = $other->{slug} // die 'no slug in the token response';
    $r = api(DELETE => "/api/agents/$agent/token/$other->{token_hash}", token => $admin);
    is($r->{status}, 204, 'revoked') or diag($r->{body});
    is(statuses(reads(30, $other->{token})), '401 x30', 'then refused by all');
};

subtest 'a rotation without grace retires the old token at once' => sub {
    my @warm = reads(20);
    my $new = issue_token($slug);
    is(statuses(reads(30)), '401 x30', 'the old token is refused everywhere');
    is(statuses(reads(10, $new->{token})), '200 x10', 'the new one works');
    $token = $new->{token};
};

subtest 'a rotation with grace keeps the old token until its end' => sub {
    my $old = $token;
    reads(10, $old);
    my $new = issue_token($slug, grace => 3600);
    is(statuses(reads(20, $old)), '200 x20', 'the old token still works during its grace');
    is(statuses(reads(10, $new->{token})), '200 x10', 'and so does the new one');
};

subtest 'a deleted profile is gone at once' => sub {
    reads(20);
    $r = api(DELETE => $path, token => $admin);
    is($r->{status}, 204, 'deleted') or diag($r->{body});
    is(statuses(reads(30)), '404 x30', 'no worker serves it from its cache');
};

# The knowledge list cache: keyed by the URL, emptied by every knowledge
# write through the pool.
my $word = 'cachedword' . substr(unique_slug('w'), -6) =~ s/[^a-z0-9]//gr;
my $kpath = "/api/knowledge?query=$word";
sub searches { my ($n, $p) = @_; return map { api(GET => $p // $kpath, token => $token) } 1 .. $n }
sub put_entity {
    my ($name, $title) = @_;
    my $r = api(PUT => "/api/knowledge/project/$name", token => $admin,
        json => { title => $title, content => "The $word project." });
    ok($r->{status} == 201 || $r->{status} == 200, "put $name") or diag($r->{body});
}

subtest 'a warm knowledge search answers without the database' => sub {
    put_entity("$word-one", 'First');
    searches(20);
    my $before = selects();
    my @r = searches(200);
    my $after = selects();
    is(statuses(@r), '200 x200', '200 searches answered');
    cmp_ok($after - $before, '<', 100, 'far fewer SELECTs than searches: ' . ($after - $before));
    is(join(',', map { $_->{name} } @{ $r[-1]{json} }), "$word-one", 'the cached answer is the search result');
};

subtest 'a knowledge put is seen at once by every search' => sub {
    searches(20);
    put_entity("$word-two", 'Second');
    my @r = searches(30);
    is(scalar(grep { @{ $_->{json} } == 2 } @r), 30, 'every worker finds the new entity');
    put_entity("$word-one", "First, renamed");
    @r = searches(30);
    is(scalar(grep { grep { $_->{title} eq 'First, renamed' } @{ $_->{json} } } @r), 30, 'and the new title');
};

subtest 'a page and its Link come from the cache unchanged' => sub {
    my $p = "$kpath&limit=1";
    my @r = searches(30, $p);
    my %links = map { ($_->{headers}{link} // 'none') => 1 } @r;
    is(scalar(keys %links), 1, 'one Link for every answer');
    like((keys %links)[0], qr/rel="next"/, '... pointing to the next page');
};

subtest 'a knowledge delete is seen at once' => sub {
    searches(20);
    $r = api(DELETE => "/api/knowledge/project/$word-two", token => $admin);
    is($r->{status}, 204, 'deleted') or diag($r->{body});
    my @r = searches(30);
    is(scalar(grep { @{ $_->{json} } == 1 } @r), 30, 'no worker still lists it');
};

# The secret read cache (an agent's fast path): keyed by token and secret,
# emptied by secret, assignment, profile and token changes. Every read is
# still audited.
my $vscope = "cache-$tag";
my $vagent = new_agent(slug => unique_slug('cache-vault'));
my $vtoken = issue_token($vagent)->{token};
my @pnames = map { "Vault $_ $tag" } qw(A B);
for my $p (@pnames) {
    $r = api(POST => '/api/profiles', token => $admin, json => { name => $p, model => "$prov/m1" });
    is($r->{status}, 201, "profile $p") or diag($r->{body});
}
sub assign {
    my ($p) = @_;
    my $r = api(PUT => "/api/assignments/$vagent", token => $admin, json => { profile_name => $p });
    ok($r->{status} == 200 || $r->{status} == 201, "assigned $p") or diag($r->{body});
}
assign($pnames[0]);
$r = api(POST => '/api/vault/secrets', token => $admin,
    json => { scope => $vscope, name => 'db/password', value => 'first-value', allowed_profiles => [ $pnames[0] ] });
is($r->{status}, 201, 'a secret for profile A') or diag($r->{body});
my $sid = $r->{json}{id};
my $spath = "/api/vault/secrets/$sid";
sub secret_reads { my ($n, $tok) = @_; return map { api(GET => $spath, token => $tok // $vtoken) } 1 .. $n }
sub values_of { my %n; $n{ $_->{json}{value} // "status $_->{status}" }++ for @_; return join ' ', map { "$_ x$n{$_}" } sort keys %n }
sub audited { return scalar $dbh->selectrow_array('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ?', undef, 'secret.read', "secret:$sid") }

subtest 'a warm secret read asks the database only for its audit row' => sub {
    secret_reads(20);
    my ($before, $rows) = (selects(), audited());
    my @r = secret_reads(200);
    my $after = selects();
    is(values_of(@r), 'first-value x200', '200 reads, each the value');
    cmp_ok($after - $before, '<', 100, 'far fewer SELECTs than reads: ' . ($after - $before));
    is(audited() - $rows, 200, 'and every read has its audit row');
};

subtest 'a secret update is seen at once' => sub {
    secret_reads(20);
    $r = api(PUT => $spath, token => $admin, json => { value => 'second-value' });
    is($r->{status}, 200, 'updated') or diag($r->{body});
    is(values_of(secret_reads(30)), 'second-value x30', 'every worker reads the new value');
};

subtest 'a narrower allowed_profiles is seen at once' => sub {
    secret_reads(20);
    $r = api(PUT => $spath, token => $admin, json => { allowed_profiles => [ $pnames[1] ] });
    is($r->{status}, 200, 'only profile B may read it') or diag($r->{body});
    is(statuses(secret_reads(30)), '404 x30', 'every worker refuses the agent of profile A');
};

subtest 'an assignment is seen at once' => sub {
    assign($pnames[1]);
    is(values_of(secret_reads(30)), 'second-value x30', 'the agent now on profile B reads it everywhere');
    assign($pnames[0]);
    is(statuses(secret_reads(30)), '404 x30', 'and back on A it is refused everywhere');
    assign($pnames[1]);
};

subtest 'a revoked token is refused at once' => sub {
    my $other = issue_token($vagent, grace => 3600);    # keeps $vtoken working
    is(statuses(secret_reads(20, $other->{token})), '200 x20', 'a second token reads (and is cached)');
    $r = api(DELETE => "/api/agents/$vagent/token/$other->{token_hash}", token => $admin);
    is($r->{status}, 204, 'revoked') or diag($r->{body});
    is(statuses(secret_reads(30, $other->{token})), '401 x30', 'then refused by all');
};

subtest 'a deleted secret is gone at once' => sub {
    secret_reads(20);
    $r = api(DELETE => $spath, token => $admin);
    is($r->{status}, 204, 'deleted') or diag($r->{body});
    is(statuses(secret_reads(30)), '404 x30', 'no worker serves it from its cache');
};

done_testing();
