#!/usr/bin/env perl
# Idempotency-Key on every write that creates something: a retry of the same
# request (method, path, query, body) gets the first answer, status and body,
# marked Idempotent-Replayed, and writes nothing (one effect, one audit row);
# the key with another request is a 422; keys are per principal; retries sent
# at once make one effect; bad keys are a 400 that writes nothing; a replayed
# token issue gives the same token, which works; no token is at rest in clear.
use strict;
use warnings;
use utf8;
use Test::More;
use NexusTest;
use JSON::PP ();
use POSIX ();
use IO::Socket::INET;

my $admin = admin_token();
my $dbh = dbh();
my $json = JSON::PP->new->utf8->canonical;
my $run = unique_slug('idem');

# A request with an Idempotency-Key (undef: none) and a raw body (undef: none).
sub keyed {
    my ($method, $path, $key, %opt) = @_;
    my %headers = defined $key ? ('Idempotency-Key' => $key) : ();
    for (1 .. 50) {    # the register route's rate limit (429) is nginx's, before any write
        my $r = api($method, $path, headers => \%headers, (defined $opt{token} ? (token => $opt{token}) : ()),
            (defined $opt{body} ? (body => $opt{body}) : ()));
        return $r unless $r->{status} == 429;
        sleep 0.2;
    }
    die "still rate-limited: $method $path\n";
}
# A POST written by hand, for header values HTTP::Tiny refuses to send.
sub raw_post {
    my ($path, $token, $key, $body) = @_;
    my ($host, $port) = base_url() =~ m{^http://([^:/]+):(\d+)} or die "base url\n";
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp') or die "connect: $!\n";
    print $sock "POST $path HTTP/1.1\r\nHost: $host\r\nAuthorization: Bearer $token\r\nIdempotency-Key: $key\r\n"
        . "Content-Type: application/json\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
    local $/;
    my $text = <$sock>;
    my ($head, $content) = split /\r\n\r\n/, $text, 2;
    my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
    my %headers = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } split /\r\n/, $head;
    $content = $1 if ($headers{'transfer-encoding'} // '') =~ /chunked/ && $content =~ /^[0-9a-f]+\r\n(.*?)\r\n0\r\n/s;
    return { status => $status, headers => \%headers, body => $content, json => eval { $json->decode($content) } };
}
sub count { scalar $dbh->selectrow_array(shift, undef, @_) }
sub audited { count('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND principal = ?', @_) }
sub key_rows { count('SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = ?', $_[0]) }

my $agent = new_agent(slug => "$run-a");
my $agent_token = issue_token($agent)->{token};
my $other = new_agent(slug => "$run-b");
my $other_token = issue_token($other)->{token};
my $prov = "idem$$";
new_agent(slug => "$run-t");

# Each route: how to send it, two different bodies (or paths), how many
# effects exist, and the audit row its write leaves (if it is audited).
my @routes = (
    {   name    => 'agent register',
        method  => 'POST', path => '/api/agents/register', status => 201,
        body    => $json->encode({ slug => "$run-reg", name => 'Reg', scope => 'studio' }),
        other   => $json->encode({ slug => "$run-reg2", name => 'Reg', scope => 'studio' }),
        effects => sub { count('SELECT COUNT(*) FROM agents WHERE slug IN (?, ?)', "$run-reg", "$run-reg2") },
    },
    {   name    => 'token issue',
        method  => 'PUT', path => "/api/agents/$run-t/token?ttl=3600", other_path => "/api/agents/$run-t/token?ttl=60",
        token   => $admin, status => 201,
        effects => sub { count('SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ?', 'token.create', "agent:$run-t") },
    },
    {   name    => 'memories collect',
        method  => 'POST', path => '/api/memories/collect', token => $agent_token, status => 201,
        body    => $json->encode({ agent => $agent, content => "remember $run" }),
        other   => $json->encode({ agent => $agent, content => "remember $run again" }),
        effects => sub { count('SELECT COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ?', $agent) },
    },
    {   name    => 'secret create',
        method  => 'POST', path => '/api/vault/secrets', token => $admin, status => 201,
        body    => $json->encode({ scope => 'idem', name => "$run/pw", value => 'hunter2' }),
        other   => $json->encode({ scope => 'idem', name => "$run/pw2", value => 'hunter3' }),
        effects => sub { count('SELECT COUNT(*) FROM secrets WHERE scope = ? AND name IN (?, ?)', 'idem', "$run/pw", "$run/pw2") },
        audit   => sub { count("SELECT COUNT(*) FROM audit_log WHERE action = 'secret.create' AND target = ?", "secret:$_[0]{id}") },
    },
    {   name    => 'registry upsert',
        method  => 'POST', path => '/api/registry/models', token => $admin, status => 201,
        body    => $json->encode({ slug => "$run-fam", model_id => "$prov/m1", provider => $prov, name => 'M1' }),
        other   => $json->encode({ slug => "$run-fam", model_id => "$prov/m1", provider => $prov, name => 'M1 renamed' }),
        effects => sub { count("SELECT COUNT(*) FROM audit_log WHERE action = 'model.upsert' AND target = ?", "model:$prov/m1") },
    },
    {   name    => 'profile create',
        method  => 'POST', path => '/api/profiles', token => $admin, status => 201,
        body    => $json->encode({ name => "$run-prof", model => "$prov/m1" }),
        other   => $json->encode({ name => "$run-prof2", model => "$prov/m1" }),
        effects => sub { count('SELECT COUNT(*) FROM profiles WHERE name IN (?, ?)', "$run-prof", "$run-prof2") },
        audit   => sub { audited('profile.create', "profile:$run-prof", 'admin') },
    },
);

for my $route (@routes) {
    subtest $route->{name} => sub {
        my $key = "$run-$route->{name}" =~ s/ /-/gr;
        my %send = (token => $route->{token}, body => $route->{body});
        my $before = $route->{effects}->();
        my $first = keyed($route->{method}, $route->{path}, $key, %send);
        is($first->{status}, $route->{status}, "first: $route->{status}") or diag($first->{body});
        ok(!exists $first->{headers}{'idempotent-replayed'}, '... not marked as a replay');
        is($route->{effects}->(), $before + 1, '... one effect');
        my $audits = $route->{audit} ? $route->{audit}->($first->{json}) : undef;
        is($audits, 1, '... and its audit row') if $route->{audit};
        is(key_rows($key), 1, '... and one key row');

        my $again = keyed($route->{method}, $route->{path}, $key, %send);
        is($again->{status}, $first->{status}, 'the retry: the same status');
        is($again->{body}, $first->{body}, '... the same body, byte for byte');
        is($again->{headers}{'idempotent-replayed'}, 'true', '... marked Idempotent-Replayed');
        is($again->{headers}{'cache-control'}, $first->{headers}{'cache-control'}, '... the same Cache-Control');
        isnt($again->{headers}{'x-request-id'}, $first->{headers}{'x-request-id'}, '... under its own request id');
        is($route->{effects}->(), $before + 1, '... and no second effect');
        is($route->{audit}->($first->{json}), 1, '... nor a second audit row') if $route->{audit};

        my $path = $route->{other_path} // $route->{path};
        my $reused = keyed($route->{method}, $path, $key, %send, body => $route->{other});
        error_is($reused, 422, 'idempotency_key_reused', 'the key with another request: 422', qr/another request/);
        is($route->{effects}->(), $before + 1, '... which writes nothing');

        my $plain = keyed($route->{method}, $path, undef, %send, body => $route->{other});
        ok($plain->{status} =~ /^20[01]$/, "without the key that request is done as ever ($plain->{status})") or diag($plain->{body});
        ok(!exists $plain->{headers}{'idempotent-replayed'}, '... not a replay');
    };
}

subtest 'a replayed token issue gives the same token, and it works' => sub {
    my $slug = new_agent(slug => "$run-tok");
    my $key = "$run-tok-key";
    my $first = keyed(PUT => "/api/agents/$slug/token", $key, token => $admin);
    is($first->{status}, 201, 'issued') or diag($first->{body});
    my $again = keyed(PUT => "/api/agents/$slug/token", $key, token => $admin);
    is($again->{json}{token}, $first->{json}{token}, 'the retry answers the same token');
    is(count('SELECT COUNT(*) FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug = ?', $slug), 1,
        'the agent has one token');
    my $beat = api(POST => "/api/agents/$slug/heartbeat", token => $again->{json}{token}, json => { status => 'ok' });
    is($beat->{status}, 200, 'the replayed token authenticates') or diag($beat->{body});
    my $answers = $dbh->selectcol_arrayref('SELECT answer FROM idempotency_keys');
    ok(scalar(@$answers) >= 1, 'answers are stored');
    is(scalar(grep { index($_ // '', $first->{json}{token}) >= 0 } @$answers), 0, 'no stored answer holds the token in clear');
    is(scalar(grep { index($_ // '', '"token"') >= 0 || index($_ // '', 'nexus-answer') >= 0 } @$answers), 0,
        'nor any answer in clear');
    is(scalar(grep { index($_ // '', 'hunter2') >= 0 } @$answers), 0, 'nor a secret value');
};

subtest 'keys are per principal' => sub {
    my $key = "$run-shared";
    my $a = keyed(POST => '/api/memories/collect', $key, token => $agent_token,
        body => $json->encode({ agent => $agent, content => 'mine' }));
    my $b = keyed(POST => '/api/memories/collect', $key, token => $other_token,
        body => $json->encode({ agent => $other, content => 'mine' }));
    is($a->{status}, 201, "one agent's collect");
    is($b->{status}, 201, "another agent's collect with the same key: its own write, not a 422");
    ok(!exists $b->{headers}{'idempotent-replayed'}, '... not a replay');
    isnt($b->{json}{id}, $a->{json}{id}, '... a new entry');
    is($b->{json}{agent}, $other, '... of that agent');

    # The same request, byte for byte, from two principals: two writes.
    my $body = $json->encode({ slug => "$run-fam", model_id => "$prov/shared", provider => $prov, name => 'S' });
    my $by_admin = keyed(POST => '/api/registry/models', "$key-2", token => $admin, body => $body);
    my $by_agent = keyed(POST => '/api/registry/models', "$key-2", token => $agent_token, body => $body);
    is($by_admin->{status}, 201, 'the admin creates a model with the key');
    is($by_agent->{status}, 200, 'an agent sending the same request with the same key updates it itself');
    ok(!exists $by_agent->{headers}{'idempotent-replayed'}, '... not a replay of the admin\'s answer');
    is(audited('model.upsert', "model:$prov/shared", 'admin'), 1, 'one audit row for the admin');
    is(audited('model.upsert', "model:$prov/shared", "agent:$agent"), 1, 'one for the agent');
    is(key_rows($key), 2, 'a key row per principal for the collects');
    is(key_rows("$key-2"), 2, '... and for the model writes');
};

# Clients sending the same keyed request at the same moment: one effect; all
# get the first answer (the others wait on the key's row, then replay it).
sub at_once {
    my ($n, $code) = @_;
    my @pipes;
    for my $i (1 .. $n) {
        pipe(my $reader, my $writer) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            close $reader;
            my $r = $code->();
            print $writer $json->encode({ status => $r->{status}, body => $r->{body} });
            close $writer;
            POSIX::_exit(0);
        }
        close $writer;
        push @pipes, [ $pid, $reader ];
    }
    my @results;
    for (@pipes) {
        my ($pid, $reader) = @$_;
        local $/;
        my $text = <$reader>;
        waitpid($pid, 0);
        push @results, $json->decode($text);
    }
    return @results;
}

subtest 'concurrent retries make one effect' => sub {
    my $key = "$run-race";
    my $body = $json->encode({ agent => $other, content => "raced $run" });
    my @results = at_once(6, sub { keyed(POST => '/api/memories/collect', $key, token => $other_token, body => $body) });
    is(scalar(grep { $_->{status} == 201 } @results), 6, 'every collect: 201');
    is(scalar(keys %{ { map { $_->{body} => 1 } @results } }), 1, '... all with the same answer');
    is(count('SELECT COUNT(*) FROM memory_entries WHERE content = ?', "raced $run"), 1, '... and one entry stored');

    my $slug = new_agent(slug => "$run-race-tok");
    my @issued = at_once(6, sub { keyed(PUT => "/api/agents/$slug/token", "$key-tok", token => $admin) });
    is(scalar(grep { $_->{status} == 201 } @issued), 6, 'every token issue: 201');
    is(scalar(keys %{ { map { $_->{body} => 1 } @issued } }), 1, '... all with the same token');
    is(count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.create' AND target = ?", "agent:$slug"), 1,
        '... issued once (one audit row)');
};

subtest 'a bad key is a 400 and writes nothing' => sub {
    my $before = count('SELECT COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ?', $agent);
    for my $case (['a space', 'two words'], ['256 characters', 'k' x 256]) {
        my ($label, $value) = @$case;
        my $r = keyed(POST => '/api/memories/collect', $value, token => $agent_token,
            body => $json->encode({ agent => $agent, content => "bad key $label" }));
        error_is($r, 400, 'bad_request', "$label: 400", qr/Idempotency-Key/);
    }
    # Values HTTP::Tiny will not send: straight to nginx.
    for my $case (['non-ASCII', "caf\xc3\xa9"], ['a tab', "a\tb"]) {
        my ($label, $value) = @$case;
        my $body = $json->encode({ agent => $agent, content => "bad key $label" });
        my $r = raw_post('/api/memories/collect', $agent_token, $value, $body);
        error_is($r, 400, 'bad_request', "$label: 400", qr/Idempotency-Key/);
    }
    my $r = keyed(PUT => "/api/agents/$agent/token", 'x' x 256, token => $admin);
    error_is($r, 400, 'bad_request', 'on a token issue too', qr/Idempotency-Key/);
    is(count('SELECT COUNT(*) FROM memory_entries e JOIN agents a ON a.id = e.agent_id WHERE a.slug = ?', $agent), $before,
        'nothing was collected');
    ok(keyed(POST => '/api/memories/collect', 'k' x 255, token => $agent_token,
        body => $json->encode({ agent => $agent, content => 'longest key' }))->{status} == 201, 'a key of 255 characters is fine');
};

subtest 'an error keeps no key: the retry tries again' => sub {
    my $key = "$run-err";
    my $r = keyed(PUT => "/api/agents/$run-nobody/token", $key, token => $admin);
    is($r->{status}, 404, 'a token for an unknown agent: 404');
    is(key_rows($key), 0, '... leaves no key row');
    new_agent(slug => "$run-nobody");
    $r = keyed(PUT => "/api/agents/$run-nobody/token", $key, token => $admin);
    is($r->{status}, 201, 'the same request once the agent exists: done') or diag($r->{body});
};

subtest 'an expired key counts as absent' => sub {
    my $key = "$run-old";
    my $r = keyed(POST => '/api/memories/collect', $key, token => $agent_token,
        body => $json->encode({ agent => $agent, content => 'old' }));
    is($r->{status}, 201, 'collected');
    $dbh->do('UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idem_key = ?', undef, $key);
    my $new = keyed(POST => '/api/memories/collect', $key, token => $agent_token,
        body => $json->encode({ agent => $agent, content => 'new' }));
    is($new->{status}, 201, 'another request with the key after it expired: done, not a 422') or diag($new->{body});
    ok(!exists $new->{headers}{'idempotent-replayed'}, '... not a replay');
    my $again = keyed(POST => '/api/memories/collect', $key, token => $agent_token,
        body => $json->encode({ agent => $agent, content => 'new' }));
    is($again->{body}, $new->{body}, '... and the key now replays the new answer');
};

done_testing;
