package NexusTest;
# The integration tests' view of a running Nexus: a real MariaDB, the
# nexus-fcgi pool and nginx, started by tools/devstack in a temporary
# directory. t/run-integration starts one stack for the whole prove run and
# exports NEXUS_TEST_STACK; a .t file run on its own (prove -Ilib t/x.t or
# perl -It/lib t/x.t) starts and stops a stack of its own.
#
# Clients go through nginx exactly like an agent would (HTTP::Tiny); the
# database is reached directly (DBI) only to check what was stored.
use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);
use Time::Local qw(timegm);
use Test::More;

our @EXPORT = qw(api api_patient admin_token base_url new_agent issue_token unique_slug dbh stack_env
  devstack json_of wait_until master_pid worker_pids top_dir error_is epoch_of listed_agent next_link
  nexusctl db_password uri_escape kill_worker built session_cookie new_session audit_keys audit_chain_hash
  audit_row_mac secret_mac pool_start);

my $TOP = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $OWN_STACK;
my $OWNER = $$;    # forked children must not tear the stack down
my %ENVV;

sub top_dir { $TOP }

sub _free_port {
    for (1 .. 50) {
        my $port = 20000 + int(rand(20000));
        require IO::Socket::INET;
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 1, ReuseAddr => 0);
        if ($s) { close $s; return $port }
    }
    die "no free port found\n";
}

sub _load_stack {
    my $dir = $ENV{NEXUS_TEST_STACK};
    if (!$dir) {
        $dir = tempdir('nexus-test-XXXXXX', TMPDIR => 1, CLEANUP => 0);
        local $ENV{NEXUS_PORT} = _free_port();
        test_settings();
        system("$TOP/tools/devstack", 'start', $dir) == 0 or die "could not start the stack in $dir\n";
        $OWN_STACK = $dir;
    }
    open my $fh, '<', "$dir/stack.env" or die "no $dir/stack.env: is the stack running?\n";
    while (<$fh>) { chomp; my ($k, $v) = split /=/, $_, 2; $ENVV{$k} = $v if defined $v }
    close $fh;
}

# A stack of the calling file's own, for settings fixed when the pool
# starts: the test settings plus %env (NEXUS_<KEY> => value), started now
# and stopped when the file ends. Call it in a BEGIN block before
# `use NexusTest`; returns its run directory.
sub own_stack {
    my ($prefix, %env) = @_;
    my $dir = tempdir("$prefix-XXXXXX", TMPDIR => 1, CLEANUP => 0);
    # -keyring => TEXT: the stack's vault keyring file (else vault init makes one).
    if (defined(my $keyring = delete $env{-keyring})) {
        open my $fh, '>', "$dir/vault.keyring" or die "$dir/vault.keyring: $!";
        chmod 0600, "$dir/vault.keyring";
        print $fh $keyring;
        close $fh;
    }
    test_settings();
    $ENV{$_} = $env{$_} for keys %env;
    $ENV{NEXUS_PORT} = _free_port();
    delete $ENV{NEXUS_ADMIN_TOKEN};    # the shared stack's, if any: this stack makes its own
    system("$TOP/tools/devstack start '$dir' >'$dir/devstack.log' 2>&1") == 0
        or die "could not start a stack in $dir:\n" . `cat '$dir/devstack.log'`;
    $ENV{NEXUS_TEST_STACK} = $dir;
    $OWN_STACK = $dir;
    return $dir;
}

# The settings every test stack runs with (also used by t/run-integration):
# a short request deadline so the deadline test is quick, recycling often
# enough that it happens during the run, and long cache lifetimes.
sub test_settings {
    $ENV{NEXUS_SERVER_REQUEST_TIMEOUT_MS} //= 3000;
    $ENV{NEXUS_SERVER_MAX_REQUESTS}       //= 400;
    $ENV{NEXUS_SERVER_MAX_REQUESTS_JITTER} //= 100;
    $ENV{NEXUS_SERVER_DRAIN_TIMEOUT_MS}   //= 5000;
    $ENV{NEXUS_SERVER_WORKERS}            //= 2;
    $ENV{NEXUS_SERVER_THREADS}            //= 4;
    # Long cache lifetimes: a change every test makes through the pool must
    # be seen at once through invalidation, never by waiting for a TTL
    # (t/caches.t).
    $ENV{NEXUS_AUTH_TOKEN_CACHE_MS}          //= 60000;
    $ENV{NEXUS_AUTH_TOKEN_NEGATIVE_CACHE_MS} //= 60000;
    $ENV{NEXUS_PROFILES_CACHE_MS}            //= 60000;
    $ENV{NEXUS_KNOWLEDGE_CACHE_MS}           //= 60000;
    $ENV{NEXUS_VAULT_CACHE_MS}               //= 60000;
    # last_used_at written every second, so t/agents-tokens.t sees it soon.
    $ENV{NEXUS_AUTH_TOKEN_USAGE_FLUSH_S}     //= 1;
    # Every refused token audited one by one (t/auth-flood.t sets the default back).
    $ENV{NEXUS_AUDIT_AUTH_FAILED_PER_MINUTE} //= 1000000;
}

END {
    if ($OWN_STACK && $$ == $OWNER) {
        my $rc = $?;
        system("$TOP/tools/devstack", 'stop', $OWN_STACK);
        system('rm', '-rf', $OWN_STACK);
        $? = $rc;
    }
}

sub stack_env { _load_stack() unless %ENVV; return $ENVV{ $_[0] } }
sub base_url { stack_env('NEXUS_URL') }
sub master_pid { stack_env('NEXUS_MASTER_PID') }

sub admin_token {
    my $file = stack_env('NEXUS_ADMIN_TOKEN_FILE');
    open my $fh, '<', $file or die "cannot read $file\n";
    my $t = <$fh>;
    chomp $t;
    return $t;
}

# The worker pids: the children of the master.
sub worker_pids {
    my $master = master_pid();
    my @pids = grep { /\d/ } split /\s+/, `pgrep -P $master`;
    return sort { $a <=> $b } @pids;
}

# SIGKILLs one live worker (not one that already exited and awaits its
# reaping) and returns its pid; undef when none could be killed. Workers
# recycle themselves under load, so the pick is retried.
sub kill_worker {
    for (1 .. 30) {
        for my $pid (worker_pids()) {
            open my $fh, '<', "/proc/$pid/stat" or next;
            my ($state) = (<$fh> // '') =~ /\)\s+(\S)/;
            next if !$state || $state eq 'Z';
            return $pid if kill('KILL', $pid);
        }
        sleep 0.1;
    }
    return undef;
}

sub devstack {
    my ($command) = @_;
    system("$TOP/tools/devstack", $command, stack_env('NEXUS_RUN_DIR')) == 0 or die "devstack $command failed\n";
}

# Starts the pool again after its master died (tools/devstack pool-start, as
# a service manager's restart would) and rereads stack.env: master_pid()
# then names the new master.
sub pool_start {
    devstack('pool-start');
    %ENVV = ();
    _load_stack();
}

# No redirects followed: tests see Nexus's own 302s (sign-in, the gate).
my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0, max_redirect => 0);
my $json = JSON::PP->new->utf8->canonical;

sub json_of { $json->encode($_[0]) }

# The name of the session cookie on the (plain http) test stack; over https
# it is __Host-nexus_session (src/sso/SessionCookie.h).
our $SESSION_COOKIE = 'nexus_session';

# new_session(USER_ID, role => 'viewer'|'admin', idle => SECONDS, expires_in => SECONDS)
# -> the cookie value of a new session, stored the way /api/auth/callback
# stores one (only the SHA-256 of the value), without going through the
# provider: a fixture of our own data. idle makes it last seen that long
# ago; expires_in (default a day) is its absolute lifetime from now.
sub new_session {
    my ($user, %opt) = @_;
    require Digest::SHA;
    my @chars = ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_');
    open my $rnd, '<:raw', '/dev/urandom' or die "no /dev/urandom\n";
    read $rnd, my $bytes, 43;
    close $rnd;
    my $value = join '', map { $chars[ ord($_) % 64 ] } split //, $bytes;
    dbh()->do(
        'INSERT INTO sso_sessions (token_hash, user_id, name, email, image, role, id_token, created_at, last_seen_at, expires_at) '
          . 'VALUES (?, ?, ?, ?, ?, ?, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) - INTERVAL ? SECOND, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)',
        undef, Digest::SHA::sha256_hex($value), $user, "Test $user", "$user\@nexus.example", '',
        $opt{role} // 'viewer', $opt{idle} // 0, $opt{expires_in} // 86400);
    return $value;
}

# session_cookie(USER_ID, ROLE) -> "nexus_session=<value>" of a live session
# for that user and role (viewer by default), made once per test file.
my %SESSIONS;
sub session_cookie {
    my ($user, $role) = @_;
    $role //= 'viewer';
    return "$SESSION_COOKIE=" . ($SESSIONS{"$role/$user"} //= new_session($user, role => $role));
}

# api(METHOD, PATH, token => T, json => DATA | body => RAW, headers => {...},
#     content_type => CT, user => ID, role => ROLE) -> { status, headers, body, json }
# user: a signed-in SSO user (a session of session_cookie(), role viewer
# unless role says admin), whom nginx's gate asks Nexus's /api/auth/verify about.
# Redirects are not followed.
sub api {
    my ($method, $path, %opt) = @_;
    my %headers = %{ $opt{headers} || {} };
    $headers{Authorization} = "Bearer $opt{token}" if defined $opt{token};
    if (defined $opt{user}) {
        my $cookie = session_cookie($opt{user}, $opt{role});
        $headers{Cookie} = defined $headers{Cookie} ? "$headers{Cookie}; $cookie" : $cookie;
    }
    my $body = exists $opt{json} ? $json->encode($opt{json}) : $opt{body};
    if (defined $body) {
        $headers{'Content-Type'} = $opt{content_type} // 'application/json';
    }
    my $res = $http->request($method, base_url() . $path, { headers => \%headers, (defined $body ? (content => $body) : ()) });
    my $r = { status => $res->{status}, headers => $res->{headers}, body => $res->{content} };
    if (($res->{headers}{'content-type'} // '') =~ m{^application/json}) {
        $r->{json} = eval { $json->decode($res->{content}) };
    }
    return $r;
}

my $counter = 0;
sub unique_slug {
    my ($prefix) = @_;
    $counter++;
    return sprintf('%s-%d-%d-%d', $prefix // 't', $$, int(time * 1000) % 100000000, $counter);
}

# Registers an agent (retrying on the register route's 429) and returns its slug.
sub new_agent {
    my (%fields) = @_;
    my $slug = $fields{slug} // unique_slug('agent');
    my $r = api_patient(POST => '/api/agents/register',
        json => { slug => $slug, name => $fields{name} // "Agent $slug", scope => $fields{scope} // 'studio' });
    die "register $slug: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $slug;
}

# Issues a token for slug with the admin token; returns the token response (json).
sub issue_token {
    my ($slug, %opt) = @_;
    my @q = map { defined $opt{$_} ? "$_=$opt{$_}" : () } qw(grace ttl);
    my $q = @q ? '?' . join('&', @q) : '';
    my $r = api(PUT => "/api/agents/$slug/token$q", token => admin_token());
    die "token for $slug: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json};
}

sub db_password {
    open my $fh, '<', stack_env('NEXUS_DB_PASSWORD_FILE') or die "cannot read the database password\n";
    my $pw = <$fh>;
    chomp $pw;
    return $pw;
}

sub dbh {
    require DBI;
    my $sock = stack_env('NEXUS_DB_SOCKET');
    return DBI->connect("DBI:MariaDB:database=nexus;mariadb_socket=$sock", 'nexus', db_password(),
        { RaiseError => 1, AutoCommit => 1, PrintError => 0 });
}

# The path of the program NAME (nexus-fcgi, nexusctl) in the build under
# test: $NEXUS_BUILD, else build/. A program that is not there is a broken
# build, so the test fails here; it is never skipped.
sub built {
    my ($name) = @_;
    my $build = $ENV{NEXUS_BUILD} // "$TOP/build";
    my $path = "$build/$name";
    return $path if -x $path;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    fail("$name is built");
    die "$path is not built (make build, or point NEXUS_BUILD at the build to test)\n";
}

# The audit log's keys from the test stack's keyring (or FILE), made here as
# src/vault/AuditKeys.cpp makes them: { row, chain, from }, or undef when the
# keyring has no integrity key.
sub audit_keys {
    my ($file) = @_;
    require MIME::Base64;
    require Digest::SHA;
    $file //= stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
    open my $fh, '<', $file or die "$file: $!";
    my %line = map { /^\s*([\w.]+)\s*=\s*(\S+)\s*$/ ? ($1 => $2) : () } <$fh>;
    return undef unless defined $line{mac};
    my $mac = MIME::Base64::decode_base64($line{mac});
    return {
        row   => Digest::SHA::hmac_sha256('nexus-audit-row-v1', $mac),
        chain => Digest::SHA::hmac_sha256('nexus-audit-chain-v1', $mac),
        secret => Digest::SHA::hmac_sha256('nexus-secret-v1', $mac),
        from  => $line{'mac.audit_from'},
    };
}

# A secret's MAC (src/vault/SecretMac.h) under $keys (audit_keys()): $meta
# has id, scope, name, version and profiles (an array, any order).
sub secret_mac {
    my ($meta, $keys) = @_;
    require Digest::SHA;
    my %seen;
    my @profiles = sort grep { !$seen{$_}++ } @{ $meta->{profiles} || [] };
    return Digest::SHA::hmac_sha256_hex(
        _netstrings('nexus-secret-v1', @$meta{qw(id scope name version)}, scalar(@profiles), @profiles), $keys->{secret});
}

sub _netstrings {
    require Encode;
    return join '', map { my $b = Encode::encode('UTF-8', "$_"); length($b) . ":$b," } @_;
}

# A sealed row's hash as src/audit/Chain.h defines it: plain SHA-256, or
# HMAC under $keys->{chain} from seq $keys->{from} on ($keys: audit_keys()).
sub audit_chain_hash {
    my ($row, $keys) = @_;
    require Digest::SHA;
    my $data = $row->{prev_hash} . _netstrings('nexus-audit-v1', @$row{qw(id at request_id principal action target outcome client)});
    return $keys && $row->{seq} >= $keys->{from} ? Digest::SHA::hmac_sha256_hex($data, $keys->{chain})
                                                 : Digest::SHA::sha256_hex($data);
}

# A row's row MAC (src/audit/Chain.h): its content without the id.
sub audit_row_mac {
    my ($row, $keys) = @_;
    require Digest::SHA;
    return Digest::SHA::hmac_sha256_hex(
        _netstrings('nexus-audit-row-v1', @$row{qw(at request_id principal action target outcome client)}), $keys->{row});
}

# nexusctl(ARGS...) against the test stack (its database, keyring and SQL);
# returns (exit code, combined output). NEXUS_DB_NAME may be overridden by
# the caller's %ENV.
sub nexusctl {
    my @args = @_;
    my $nexusctl = built('nexusctl');
    local $ENV{NEXUS_DB_SOCKET} = stack_env('NEXUS_DB_SOCKET');
    local $ENV{NEXUS_DB_PASSWORD} = db_password();
    local $ENV{NEXUS_CONFIG} = "$TOP/conf/app.properties";
    local $ENV{NEXUS_SQL_DIR} = "$TOP/sql";
    local $ENV{NEXUS_VAULT_KEYRING_FILE} = stack_env('NEXUS_RUN_DIR') . '/vault.keyring';
    my $out = qx{"$nexusctl" @{[ map { quotemeta } @args ]} 2>&1};
    return ($? >> 8, $out);
}

# Polls code every 0.1 s until it returns true or seconds pass; returns the last value.
sub wait_until {
    my ($seconds, $code) = @_;
    my $end = time + $seconds;
    while (1) {
        my $v = $code->();
        return $v if $v || time > $end;
        sleep 0.1;
    }
}

# An error response: status, JSON content type, X-Request-Id and a body that
# is exactly {"error": code, "message": text}; $message_re checks the text.
sub error_is {
    my ($r, $status, $code, $label, $message_re) = @_;
    subtest $label => sub {
        is $r->{status}, $status, "status $status" or diag "body: $r->{body}";
        like $r->{headers}{'content-type'} // '', qr{^application/json(?:;|$)}, 'JSON content type';
        ok length($r->{headers}{'x-request-id'} // ''), 'X-Request-Id present';
        is ref $r->{json}, 'HASH', 'body is a JSON object' or return;
        is_deeply [ sort keys %{ $r->{json} } ], [qw(error message)], 'body has exactly error and message';
        is $r->{json}{error}, $code, "error is '$code'";
        like $r->{json}{message} // '', $message_re // qr/\S/, 'message';
    };
}

# api() that waits out the register route's rate limit (429) instead of failing.
sub api_patient {
    my @args = @_;
    for (1 .. 50) {
        my $r = api(@args);
        return $r unless $r->{status} == 429;
        sleep 0.2;
    }
    die "still rate-limited: @args[0, 1]\n";
}

# Seconds since the epoch of an RFC 3339 UTC timestamp with milliseconds, or undef.
sub epoch_of {
    my ($ts) = @_;
    my ($y, $mo, $d, $h, $mi, $s, $ms) = ($ts // '') =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$/ or return undef;
    return timegm($s, $mi, $h, $d, $mo - 1, $y) + $ms / 1000;
}

# The agent as GET /api/agents lists it (following the Link pages), or undef.
sub listed_agent {
    my ($slug) = @_;
    my $path = '/api/agents?limit=1000';
    while ($path) {
        my $r = api(GET => $path, token => admin_token());
        die "GET $path: $r->{status} $r->{body}\n" unless $r->{status} == 200;
        my ($agent) = grep { $_->{slug} eq $slug } @{ $r->{json} };
        return $agent if $agent;
        $path = next_link($r);
    }
    return undef;
}

# The target of a Link: <...>; rel="next" header, or undef.
# Percent-encodes everything but RFC 3986's unreserved characters (UTF-8 bytes).
sub uri_escape {
    my ($s) = @_;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub next_link {
    my ($r) = @_;
    my ($target) = ($r->{headers}{link} // '') =~ /^<([^>]+)>;\s*rel="next"$/;
    return $target;
}

1;
