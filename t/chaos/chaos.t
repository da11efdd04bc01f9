# Nothing acknowledged is lost (issue 14): concurrent clients write
# memories, secrets, profiles and heartbeats, rotate their tokens and read
# secrets for CHAOS_SECONDS (60), while this file SIGKILLs workers, SIGKILLs
# the master and starts it again the way a service manager does, SIGKILLs
# MariaDB and starts it again (crash recovery), and holds table locks past
# the request deadline so that requests reach it. Every failed write is
# retried with the same Idempotency-Key until it succeeds (within
# RETRY_BOUND seconds). Then: every write that got a 2xx is stored exactly
# once with its content, every secret read that returned a value has its
# audit row, `nexusctl audit verify` passes, no request got a 500, and every
# 503 carried Retry-After. Run by `make chaos` (its own stack, through
# t/run-integration); prints acknowledged / lost / duplicated / 5xx counts
# and the longest outage.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use NexusTest;

my $SECONDS     = $ENV{CHAOS_SECONDS} // 60;
my $CLIENTS     = $ENV{CHAOS_CLIENTS} // 4;
my $RETRY_BOUND = 45;    # seconds one write keeps being retried
my $admin = admin_token();
my $json = JSON::PP->new->utf8->canonical;
my $dbh = dbh();
my $tag = unique_slug('chaos');
my $scope = "chaos-$$";
my $logdir = tempdir('nexus-chaos-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub log_text {
    open my $fh, '<', stack_env('NEXUS_LOG') or return '';
    local $/;
    return <$fh>;
}

# --- does the pool replay an Idempotency-Key? (another change adds it) ------
# Until it does, a retry after an answer that was lost (the write was stored,
# the client saw a 502/503) stores it twice: such duplicates are counted and
# reported below, as a TODO while the header is not supported, as a failure
# once it is.
my $probe_agent = new_agent(slug => unique_slug('chaos-probe'));
my $probe_token = issue_token($probe_agent)->{token};
my $probe_key = "probe-$tag";
my @probe = map {
    api(POST => '/api/memories/collect', token => $probe_token, headers => { 'Idempotency-Key' => $probe_key },
        json => { agent => $probe_agent, content => "probe $tag" })
} 1 .. 2;
my $idempotent = (grep { $_->{status} == 201 } @probe) == 2
  && $dbh->selectrow_array('SELECT COUNT(*) FROM memory_entries WHERE content = ?', undef, "probe $tag") == 1;
diag($idempotent ? 'the pool replays Idempotency-Key: duplicates fail this test'
                 : 'the pool does not replay Idempotency-Key yet: duplicates are reported as TODO');

# --- the clients -----------------------------------------------------------
my @agents = map { my $s = new_agent(slug => unique_slug("chaos-c$_")); { slug => $s, token => issue_token($s)->{token} } } 1 .. $CLIENTS;

# One client: a mix of operations until $end, each write retried with its
# key. Writes one JSON line per operation to $file.
sub client {
    my ($n, $agent, $end) = @_;
    open my $out, '>', "$logdir/client-$n.jsonl" or die $!;
    $out->autoflush(1);
    my $token = $agent->{token};
    my (@secrets, $seq);
    srand($$ ^ time);
    while (time < $end) {
        $seq++;
        my $key = "chaos-$tag-c$n-$seq";
        my $pick = rand 100;
        my %op;
        if ($pick < 35) {
            my $content = "chaos $tag client $n memory $seq " . int(rand 1e9);
            %op = (kind => 'memory', content => $content,
                   request => [ POST => '/api/memories/collect', token => $token, json => { agent => $agent->{slug}, content => $content } ]);
        } elsif ($pick < 55) {
            %op = (kind => 'heartbeat', request => [ POST => "/api/agents/$agent->{slug}/heartbeat", token => $token,
                   json => { status => "seq-$seq" } ]);
        } elsif ($pick < 67) {
            my ($name, $value) = ("c$n/s$seq", "value $tag $n $seq " . int(rand 1e9));
            %op = (kind => 'secret', name => $name, value => $value,
                   request => [ POST => '/api/vault/secrets', token => $admin, json => { scope => $scope, name => $name, value => $value } ]);
        } elsif ($pick < 82) {
            if (!@secrets) { $seq--; next }
            my $s = $secrets[ rand @secrets ];
            %op = (kind => 'read', id => $s->{id}, value => $s->{value}, request => [ GET => "/api/vault/secrets/$s->{id}", token => $admin ]);
        } elsif ($pick < 94) {
            my $name = "chaos-$tag-c$n-p$seq";
            my $model = "prov/m$seq";
            %op = (kind => 'profile', name => $name, model => $model,
                   request => [ POST => '/api/profiles', token => $admin, json => { name => $name, model => $model } ]);
        } else {
            %op = (kind => 'rotate', request => [ PUT => "/api/agents/$agent->{slug}/token?grace=120", token => $admin ]);
        }
        $op{client} = $n;
        my $write = $op{kind} ne 'read';
        my ($method, $path, %opt) = @{ delete $op{request} };
        $opt{headers} = { 'Idempotency-Key' => $key } if $method eq 'POST' || $method eq 'PUT';
        my $first = time;
        my @attempts;
        while (1) {
            my $t0 = time;
            my $r = api($method, $path, %opt);
            my $t1 = time;
            push @attempts, { status => $r->{status}, t0 => $t0, t1 => $t1, request_id => $r->{headers}{'x-request-id'},
                              retry_after => $r->{headers}{'retry-after'}, error => $r->{json} ? $r->{json}{error} : undef };
            if ($r->{status} >= 200 && $r->{status} < 300) {
                $op{ok} = 1;
                $op{request_id} = $r->{headers}{'x-request-id'};
                if ($op{kind} eq 'secret') { $op{id} = $r->{json}{id}; push @secrets, { id => $op{id}, value => $op{value} } }
                if ($op{kind} eq 'read')   { $op{got} = $r->{json}{value} }
                if ($op{kind} eq 'rotate') { $token = $r->{json}{token}; $op{token_hash} = sha256_hex($token) }
                last;
            }
            # A create whose earlier attempt was stored although its answer was
            # lost: the name is taken (by that attempt).
            if ($r->{status} == 409 && @attempts > 1 && ($op{kind} eq 'secret' || $op{kind} eq 'profile')) {
                $op{stored_by_lost_attempt} = 1;
                last;
            }
            my $transient = $r->{status} == 503 || $r->{status} == 599 || $r->{status} == 502 || $r->{status} == 504;
            last if !$transient || !$write || time - $first > $RETRY_BOUND;
            sleep(($r->{headers}{'retry-after'} // 1) > 1 ? 0.5 : 0.2);
        }
        $op{attempts} = \@attempts;
        print $out $json->encode(\%op), "\n";
    }
    close $out;
}

my $end = time + $SECONDS;
my @children;
for my $n (1 .. $CLIENTS) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $ok = eval { client($n, $agents[ $n - 1 ], $end); 1 };
        print STDERR "client $n died: $@" unless $ok;
        POSIX::_exit($ok ? 0 : 1);
    }
    push @children, $pid;
}

# --- the chaos -------------------------------------------------------------
my $start = time;
my @events;
sub at { my ($t) = @_; my $wait = $start + $t - time; sleep $wait if $wait > 0 }
sub event { push @events, sprintf('%5.1f s  %s', time - $start, $_[0]); note($events[-1]) }

sub kill_workers {
    my ($times) = @_;
    for (1 .. $times) {
        my $victim = kill_worker();
        event($victim ? "SIGKILL worker $victim" : 'no worker to kill');
        sleep 1.5;
    }
}

# Locks from a side connection, held past the request deadline (3 s in the
# test stack): every write to these tables waits and reaches its deadline
# (503, nothing committed, the worker recycled).
sub hold_locks {
    my ($seconds, @tables) = @_;
    my $side = dbh();
    $side->do('LOCK TABLES ' . join(', ', map { "$_ WRITE" } @tables));
    event("LOCK TABLES @tables for $seconds s");
    sleep $seconds;
    $side->do('UNLOCK TABLES');
    $side->disconnect;
    event('UNLOCK TABLES');
}

my $db_pidfile = stack_env('NEXUS_RUN_DIR') . '/mysql/mariadb.pid';
my $parent = $$;
END { eval { devstack('db-start') } if $$ == $parent }    # whatever happens, leave MariaDB running

at(3);  kill_workers(3);
at(10); hold_locks(5, qw(memory_entries memory_days profiles));
at(18);
{
    # The master dies while a request is in flight (its worker, orphaned,
    # holds the socket while it drains); it is started again at once, as a
    # service manager with no restart delay would.
    my $side = dbh();
    $side->begin_work;
    $side->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $agents[0]{slug});
    sleep 1;
    my $old = master_pid();
    my @orphans = worker_pids();
    kill 'KILL', $old;
    event("SIGKILL master $old (workers @orphans)");
    sleep 0.3;
    pool_start();
    event('pool started again: master ' . master_pid());
    $side->rollback;
    $side->disconnect;
    ok(master_pid() != $old, 'a new master runs after the old one was killed');
}
at(28);
{
    open my $fh, '<', $db_pidfile or die "$db_pidfile: $!";
    chomp(my $pid = <$fh>);
    kill 'KILL', $pid;
    event("SIGKILL mariadbd $pid");
    sleep 1;
    devstack('db-start');
    event('MariaDB started again (crash recovery)');
}
at(38); kill_workers(2);
at(44); hold_locks(4, qw(secrets secret_versions agents));
at(50); kill_workers(1);

my $failed_clients = 0;
for my $pid (@children) { waitpid($pid, 0); $failed_clients++ if $? }
event('clients done');
is($failed_clients, 0, 'every client ran to its end');

# --- the verdict -----------------------------------------------------------
ok(wait_until(30, sub { api(GET => '/readyz')->{status} == 200 }), 'the stack is ready again');
$dbh = dbh();    # the first one went with the MariaDB that was killed
my @ops;
for my $file (glob "$logdir/client-*.jsonl") {
    open my $fh, '<', $file or die $!;
    push @ops, map { $json->decode($_) } <$fh>;
}
my @attempts = map { @{ $_->{attempts} } } @ops;
my %by_status;
$by_status{ $_->{status} }++ for @attempts;
my @writes = grep { $_->{kind} ne 'read' } @ops;
my @acked = grep { $_->{ok} } @writes;
my @given_up = grep { !$_->{ok} && !$_->{stored_by_lost_attempt} } @writes;
my ($lost, $duplicated) = (0, 0);
# What happened to an operation: each attempt's time, status and request id,
# and what the pool logged about those requests.
my $pool_log = log_text();
sub story {
    my ($op) = @_;
    my @lines = map { sprintf('attempt at %.2f s: %s (request %s)', $_->{t0} - $start, $_->{status}, $_->{request_id} // '-') } @{ $op->{attempts} };
    for my $id (grep { defined } map { $_->{request_id} } @{ $op->{attempts} }) {
        push @lines, grep { /\Q$id\E/ } split /\n/, $pool_log;
    }
    return join("\n    ", '', @lines);
}
my @problems;

# What was stored, in a few queries.
my (%memories, %profiles, %secrets, %audit);
for my $row (@{ $dbh->selectall_arrayref('SELECT content, COUNT(*) FROM memory_entries WHERE content LIKE ? GROUP BY content',
    undef, "chaos $tag %") }) { $memories{ $row->[0] } = $row->[1] }
for my $row (@{ $dbh->selectall_arrayref('SELECT name, model FROM profiles WHERE name LIKE ?', undef, "chaos-$tag-%") }) {
    $profiles{"$row->[0] $row->[1]"}++;
}
for my $row (@{ $dbh->selectall_arrayref('SELECT id, name FROM secrets WHERE scope = ?', undef, $scope) }) { $secrets{"$row->[0] $row->[1]"}++ }
for my $row (@{ $dbh->selectall_arrayref('SELECT request_id, action, outcome FROM audit_log') }) {
    $audit{ $row->[0] }{all}++;
    $audit{ $row->[0] }{"$row->[1] $row->[2]"}++;
}
# The audit rows of a write: those of all its attempts, since an answer
# replayed for its Idempotency-Key carries the retry's request id while the
# row carries that of the attempt that did the write.
sub audit_rows {
    my ($op, $what) = @_;
    my $n = 0;
    $n += $audit{$_}{$what} // 0 for grep { defined } map { $_->{request_id} } @{ $op->{attempts} };
    return $n;
}
for my $op (@acked) {
    my $count;
    if    ($op->{kind} eq 'memory')  { $count = $memories{ $op->{content} } // 0 }
    elsif ($op->{kind} eq 'secret')  { $count = $secrets{"$op->{id} $op->{name}"} // 0 }
    elsif ($op->{kind} eq 'profile') { $count = $profiles{"$op->{name} $op->{model}"} // 0 }
    # A rotation is stored when its token.create row is (the token itself
    # may have been replaced by a later rotation and its grace ended).
    elsif ($op->{kind} eq 'rotate')  { $count = audit_rows($op, 'token.create ok') }
    else                             { next }    # heartbeats: below
    if ($count == 0) { $lost++; push @problems, "lost: $op->{kind} " . ($op->{content} // $op->{name} // $op->{request_id}) . ' ' . story($op) }
    if ($count > 1) { $duplicated += $count - 1; push @problems, "duplicated ${count}x: $op->{kind} " . ($op->{content} // $op->{name}) . ' ' . story($op) }
}
# An acknowledged create is audited exactly once, by the attempt that did it.
for my $op (grep { $_->{kind} eq 'secret' || $_->{kind} eq 'profile' } @acked) {
    my $rows = audit_rows($op, 'all');
    push @problems, "$op->{kind} $op->{name}: $rows audit rows for its attempts" if $rows != 1;
}
# Secrets: the value stored is the value sent (decrypted by the pool), for
# 100 of them (every read during the run was compared too).
my @created = grep { $_->{kind} eq 'secret' } @acked;
my @sample = @created <= 100 ? @created : @created[ map { int($_ * @created / 100) } 0 .. 99 ];
for my $op (@sample) {
    my $r;
    for (1 .. 10) { $r = api(GET => "/api/vault/secrets/$op->{id}", token => $admin); last if $r->{status} != 503; sleep 0.5 }
    push @problems, "secret $op->{id}: read back $r->{status}" if $r->{status} != 200;
    push @problems, "secret $op->{id}: another value" if $r->{status} == 200 && ($r->{json}{value} // '') ne $op->{value};
}
# Heartbeats: each agent's last heartbeat is no earlier than its last acknowledged one.
for my $n (1 .. $CLIENTS) {
    my ($last) = sort { $b <=> $a } map { $_->{attempts}[-1]{t0} } grep { $_->{kind} eq 'heartbeat' && $_->{ok} && $_->{client} == $n } @ops;
    next unless defined $last;
    my $seen = $dbh->selectrow_array('SELECT UNIX_TIMESTAMP(last_heartbeat_at) FROM agents WHERE slug = ?', undef, $agents[ $n - 1 ]{slug});
    if (!defined $seen || $seen < $last - 1) { $lost++; push @problems, "lost: the last acknowledged heartbeat of client $n" }
}
# Secret reads that returned a value: the value is right and the read is audited.
my @reads = grep { $_->{kind} eq 'read' && $_->{ok} } @ops;
my $unaudited = 0;
for my $op (@reads) {
    push @problems, "read of secret $op->{id}: another value" if ($op->{got} // '') ne $op->{value};
    my $rows = $audit{ $op->{request_id} }{'secret.read ok'} // 0;
    if ($rows != 1) { $unaudited++; push @problems, "read of secret $op->{id} (request $op->{request_id}): $rows audit rows" }
}

my $e500 = $by_status{500} // 0;
my $unanswered = ($by_status{502} // 0) + ($by_status{504} // 0);
my $no_retry_after = grep { $_->{status} == 503 && !$_->{retry_after} } @attempts;
my $e5xx = grep { $_->{status} >= 500 && $_->{status} != 599 } @attempts;
my $other = grep { $_->{status} >= 400 && $_->{status} < 500 } @attempts;

# The longest outage: the longest time in which requests failed and none succeeded.
my @timeline = sort { $a->[0] <=> $b->[0] } map { [ $_->{t1}, $_->{status} >= 200 && $_->{status} < 300 ] } @attempts;
my ($outage, $down_since) = (0, undef);
for my $point (@timeline) {
    my ($t, $ok) = @$point;
    if ($ok) { $outage = $t - $down_since if defined $down_since && $t - $down_since > $outage; undef $down_since }
    else     { $down_since //= $t }
}

my %kinds;
$kinds{ $_->{kind} }++ for @acked;
my $summary = sprintf("chaos: %d s, %d clients, %d requests; acknowledged %d writes (%s) and %d secret reads; "
    . "lost %d; duplicated %d; stored by an attempt whose answer was lost (409 on its retry) %d; given up %d; "
    . "5xx %d (500: %d, 502/504: %d, 503 without Retry-After: %d, 503: %d); 4xx %d; connection errors %d; "
    . "longest outage %.1f s",
    $SECONDS, $CLIENTS, scalar @attempts, scalar @acked, join(', ', map { "$_ $kinds{$_}" } sort keys %kinds), scalar @reads,
    $lost, $duplicated, scalar(grep { $_->{stored_by_lost_attempt} } @writes), scalar @given_up,
    $e5xx, $e500, $unanswered, $no_retry_after, $by_status{503} // 0, $other, $by_status{599} // 0, $outage);
diag($summary);
diag("timeline:\n" . join("\n", @events));
diag("statuses: " . join(', ', map { "$_ x$by_status{$_}" } sort keys %by_status));
diag("problem: $_") for @problems[ 0 .. ($#problems < 30 ? $#problems : 29) ];

cmp_ok(scalar @acked, '>', 100, 'the clients got many writes acknowledged');
is($lost, 0, 'no acknowledged write is lost');
if ($idempotent) {
    is($duplicated, 0, 'no write is stored twice (retried with its Idempotency-Key)');
} else {
  TODO: {
        local $TODO = 'Idempotency-Key is not replayed by this pool yet: a retry after a lost answer stores twice';
        is($duplicated, 0, 'no write is stored twice');
    }
}
is($unaudited, 0, 'every secret read that returned a value has its audit row');
is(scalar(grep { !/^duplicated/ } @problems), 0, 'every acknowledged write has its content and its one audit row');
is($e500, 0, 'no request got a 500');
is($unanswered, 0, 'no 502/504 reached a client (nginx answers 503 for a pool that is away)');
is($no_retry_after, 0, 'every 503 carried Retry-After');
is(scalar @given_up, 0, "every failed write succeeded on a retry within $RETRY_BOUND s");
is($other, 0, 'no request was refused with a 4xx') or diag(join ', ', map { "$_->{status} $_->{error}" } grep { $_->{status} >= 400 && $_->{status} < 500 } @attempts);

my ($rc, $out) = nexusctl('audit', 'seal');
($rc, $out) = nexusctl('audit', 'verify');
is($rc, 0, 'nexusctl audit verify passes') or diag($out);
ok(kill(0, master_pid()), 'the restarted master runs');
like(log_text(), qr/taking it over while they drain|listening on/, 'the pool logged its restart');
unlike(log_text(), qr/another process is already listening/, 'the restart was never refused for the old socket');

done_testing;
