#!/usr/bin/env perl
# What a client sees at the HTTP edge, whoever answers: nginx's own errors
# are the JSON contract with X-Request-Id; a pool that does not answer is a
# 503 with Retry-After; every response has the security headers; the Link
# header keeps only a list's own filters; error bodies are valid UTF-8; and
# nginx's timeouts and per-address limit hold against slow clients.
use strict;
use warnings;
use NexusTest;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

$SIG{PIPE} = 'IGNORE';    # writes to sockets nginx has closed

my $admin = admin_token();
my ($host, $port) = base_url() =~ m{^http://([^:/]+):(\d+)} or die "base URL\n";

# --- this file's helpers -----------------------------------------------------

sub connect_nginx {
    return IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 10)
      // die "connect: $!\n";
}

# raw(TEXT) -> { status, headers (lower-case names; a repeated header is an
# array), body, json }: TEXT sent as it is, the answer read until nginx
# closes (every request here says Connection: close or is refused).
sub raw {
    my ($text) = @_;
    my $s = connect_nginx();
    print {$s} $text;
    my $answer = '';
    my $sel = IO::Select->new($s);
    my $end = time + 30;
    while (time < $end && $sel->can_read(30)) {
        my $n = sysread $s, my $chunk, 65536;
        last unless $n;
        $answer .= $chunk;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $answer, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.[01] (\d{3})};
    my %headers;
    for my $line (split /\r\n/, $head // '') {
        my ($k, $v) = $line =~ /^([^:\s]+):\s*(.*)$/ or next;
        $k = lc $k;
        $headers{$k} = exists $headers{$k} ? [ (ref $headers{$k} ? @{ $headers{$k} } : $headers{$k}), $v ] : $v;
    }
    $body //= '';
    $body = join '', $body =~ /\G([0-9a-fA-F]+)\r\n(??{ ".{" . hex($1) . "}" })\r\n/gs
      if ($headers{'transfer-encoding'} // '') eq 'chunked';
    my $r = { status => $status // 0, headers => \%headers, body => $body };
    $r->{json} = eval { JSON::PP->new->utf8->decode($body) } if ($headers{'content-type'} // '') =~ m{^application/json};
    return $r;
}

sub request_text {
    my ($method, $path, @headers) = @_;
    return join("\r\n", "$method $path HTTP/1.1", "Host: $host", @headers, 'Connection: close', '', '');
}

# The security headers every response carries, each once.
sub security_headers_ok {
    my ($r, $label, %want) = @_;
    subtest "security headers: $label" => sub {
        is $r->{headers}{'x-content-type-options'}, 'nosniff', 'X-Content-Type-Options: nosniff (once)';
        is $r->{headers}{'referrer-policy'}, $want{referrer} // 'no-referrer', 'Referrer-Policy (once)';
        ok !exists $r->{headers}{'strict-transport-security'}, 'no HSTS over plain HTTP';
        like $r->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, 'a Content-Security-Policy'
          if $want{html};
    };
}

sub valid_utf8 { my $b = shift; return utf8::decode($b) }

# --- nginx's own errors: the JSON contract -------------------------------------

my $long = 'A' x 9000;
my @nginx_errors = (
    [ '414: a URI over 8 KiB', request_text(GET => "/api/agents?x=$long"), 414, 'uri_too_long' ],
    [ '400: a header over 8 KiB', request_text(GET => '/healthz', "X-Big: $long"), 400, 'bad_request', qr/header/ ],
    [ '400: a cookie over 8 KiB', request_text(GET => '/api/agents', "Cookie: a=$long"), 400, 'bad_request', qr/cookie/ ],
    [ '400: headers over 32 KiB in all', request_text(GET => '/healthz', map { "X-H$_: " . ('b' x 7000) } 1 .. 6),
        400, 'bad_request' ],
    [ '400: a malformed request line', "GET /healthz HTTP/1.1 junk\r\nHost: x\r\n\r\n", 400, 'bad_request' ],
    [ '405: TRACE', request_text(TRACE => '/healthz'), 405, 'method_not_allowed' ],
    [ '405: POST to a static file', request_text(POST => '/static/nexus.css', 'Content-Length: 0'), 405,
        'method_not_allowed' ],
    [ '501: Transfer-Encoding: gzip', request_text(POST => '/api/agents/register', 'Transfer-Encoding: gzip') . "x",
        501, 'not_implemented' ],
    [ '404: a static file that is not there', request_text(GET => '/static/no-such-file.css'), 404, 'not_found' ],
    [ '505: HTTP/2.0 in an HTTP/1 request line', "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505,
        'http_version_not_supported' ],
);
for my $case (@nginx_errors) {
    my ($label, $text, $status, $code, $re) = @$case;
    my $r = raw($text);
    error_is($r, $status, $code, $label, $re);
    security_headers_ok($r, $label);
    is $r->{headers}{'cache-control'}, 'no-store', "$label: Cache-Control: no-store";
}
like raw(request_text(TRACE => '/healthz'))->{headers}{allow} // '', qr/\bGET\b/, 'the 405 for TRACE has Allow';

# --- the pool not answering: 503 with Retry-After --------------------------------

sub unavailable_ok {
    my ($r, $label) = @_;
    error_is($r, 503, 'unavailable', $label);
    like $r->{headers}{'retry-after'} // '', qr/^\d+$/, "$label: Retry-After";
}

{
    my $socket = stack_env('NEXUS_RUN_DIR') . '/nexus.sock';
    rename $socket, "$socket.away" or die "rename $socket: $!\n";
    my @r = (
        [ 'no worker listening: GET /healthz' => api(GET => '/healthz') ],
        [ 'no worker listening: a bearer token' => api(GET => '/api/agents', token => $admin) ],
        [ 'no worker listening: the SSO gate (a cookie, no token)' =>
            api(GET => '/api/agents', headers => { Cookie => 'nexus_session=x' }) ],
        [ 'no worker listening: POST register' => api(POST => '/api/agents/register', json => { slug => 'x' }) ],
    );
    rename "$socket.away", $socket or die "rename back $socket: $!\n";
    unavailable_ok(@{$_}[ 1, 0 ]) for @r;
    is api(GET => '/healthz')->{status}, 200, 'the socket back: 200';
}

subtest 'a worker killed in the middle of a request: 503' => sub {
    my $slug = new_agent();
    my $token = issue_token($slug)->{token};
    ok(wait_until(10, sub { my @p = worker_pids(); @p == 2 }), 'two workers run');
    # The heartbeat waits for the agent's row, which this transaction holds.
    my $dbh = dbh();
    $dbh->begin_work;
    $dbh->selectall_arrayref('SELECT id FROM agents WHERE slug = ? FOR UPDATE', undef, $slug);
    pipe(my $rd, my $wr) or die;
    my $pid = fork // die;
    if (!$pid) {
        close $rd;
        my $r = api(POST => "/api/agents/$slug/heartbeat", token => $token);
        print {$wr} JSON::PP->new->encode($r);
        close $wr;
        POSIX::_exit(0);
    }
    close $wr;
    sleep 1;    # the request is in a worker, waiting for the lock (its deadline is 3 s)
    my @victims = worker_pids();
    kill 'KILL', @victims;
    my $r = JSON::PP->new->decode(do { local $/; <$rd> } || '{}');
    waitpid $pid, 0;
    $dbh->rollback;
    unavailable_ok($r, 'the request whose worker died');
    ok(wait_until(15, sub { my @now = worker_pids(); @now == 2 && !grep { my $p = $_; grep { $_ == $p } @victims } @now }),
        'the master replaced the workers');
    ok(wait_until(10, sub { api(GET => '/healthz')->{status} == 200 }), 'and the pool answers again');
};

# --- security headers on every kind of response ----------------------------------

security_headers_ok(api(GET => '/healthz'), 'the pool, 200');
security_headers_ok(api(GET => '/api/agents'), 'the pool, 401');
security_headers_ok(api(GET => '/no-such-thing'), "nginx's 404");
security_headers_ok(api(GET => '/static/nexus.css'), 'a static file');
{
    # An HTML page brings its own CSP and Referrer-Policy (same-origin: its
    # sign-out form needs an Origin); nginx adds none twice.
    my $r = api(GET => '/api/agents', user => 'edge-admin', role => 'admin', headers => { Accept => 'text/html' });
    is $r->{status}, 200, 'an HTML page: 200';
    like $r->{headers}{'content-type'} // '', qr{^text/html}, '... text/html';
    security_headers_ok($r, 'an HTML page', html => 1, referrer => 'same-origin');
}

# --- Link: the list's own filters only, bounded ---------------------------------

{
    my $prov = 'edge' . int(rand(1e6));
    for my $n (1 .. 3) {
        my $r = api(POST => '/api/registry/models', token => $admin,
            json => { slug => "edge-fam-$n", model_id => "$prov/edge-$n", provider => $prov, name => "Edge $n" });
        is $r->{status}, 201, "model $n stored" or diag $r->{body};
    }
    my $junk = 'A' x 4000;
    my $r = api(GET => "/api/registry/models?limit=1&x=$junk&provider=$prov", token => $admin);
    is $r->{status}, 200, 'a 4,000-byte unknown parameter: 200 (not 502)' or diag $r->{body};
    my $next = next_link($r);
    ok $next, '... with a Link to the next page' or diag explain $r->{headers};
    unlike $next // '', qr/AAAA|\bx=/, '... that drops the unknown parameter';
    like $next // '', qr/\bprovider=\Q$prov\E\b/, '... and keeps the filter';
    my $page2 = api(GET => $next, token => $admin);
    is $page2->{status}, 200, 'the next page: 200';
    my @page2 = ref $page2->{json} eq 'ARRAY' ? @{ $page2->{json} } : ();
    is scalar @page2, 1, '... one model';
    is $page2[0]{provider}, $prov, '... of the filtered provider';

    error_is(api(GET => '/api/registry/models?provider=' . ('p' x 3000), token => $admin), 400, 'bad_request',
        'a filter over 2 KiB is 400 naming it', qr/'provider'/);
}

# --- error bodies are valid UTF-8 -------------------------------------------------

{
    my $r = api(GET => '/api/knowledge/%ff', token => $admin);
    is $r->{status}, 404, 'GET /api/knowledge/%ff: 404';
    ok valid_utf8($r->{body}), '... its body is valid UTF-8' or diag explain $r->{body};
    like $r->{body}, qr/\xEF\xBF\xBD/, '... the byte shown as U+FFFD';
    is ref $r->{json}, 'HASH', '... and JSON';

    my $slug = new_agent();
    for my $case ([ 'a body starting with a BOM' => "\xEF\xBB\xBF{}" ], [ 'a body of a lone 0xFF' => "\xFF" ],
        [ 'a BOM, then a bad byte' => "\xEF\xBB\xBF\xFF" ], [ 'a truncated sequence' => "\xE2\x82" ])
    {
        my ($label, $body) = @$case;
        my $r = api(POST => "/api/agents/$slug/heartbeat", token => $admin, body => $body);
        is $r->{status}, 400, "$label: 400";
        ok valid_utf8($r->{body}), "$label: the body is valid UTF-8" or diag explain $r->{body};
        is ref $r->{json}, 'HASH', "$label: JSON";
    }
    my $r2 = api(GET => "/api/agents/%C3%28/profile");
    ok valid_utf8($r2->{body}), 'an invalid UTF-8 path segment: the answer is valid UTF-8' or diag explain $r2->{body};
}

# --- slow clients: timeouts and the per-address limit -------------------------------

subtest '200 clients trickling headers: /healthz answers, nginx cuts them off' => sub {
    my @slow = map { connect_nginx() } 1 .. 200;
    print {$_} "GET /healthz HTTP/1.1\r\nHost: $host\r\n" for @slow;
    my $sel = IO::Select->new(@slow);
    my %closed;
    my $trickle = sub {
        for my $s (@slow) { next if $closed{$s}; print {$s} "X-Slow: 1\r\n" or $closed{$s} = 1 }
        for my $s ($sel->can_read(0)) {
            my $n = sysread $s, my $buf, 4096;
            if (!$n) { $closed{$s} = 1; $sel->remove($s) }
        }
    };
    my @health;
    for (1 .. 3) {
        $trickle->();
        push @health, api(GET => '/healthz')->{status};
        sleep 1;
    }
    is_deeply \@health, [ 200, 200, 200 ], '/healthz answers 200 while they are connected';
    is scalar(keys %closed), 0, 'the slow clients are still connected then';
    # client_header_timeout (10 s) runs from the first byte and is not
    # restarted by each new one: the trickle does not keep a connection.
    my $end = time + 40;
    while (keys %closed < @slow && time < $end) { $trickle->(); sleep 1 }
    is scalar(keys %closed), scalar @slow, 'nginx closed every one of them (client_header_timeout)';
    close $_ for @slow;
    is api(GET => '/healthz')->{status}, 200, '/healthz still answers';
};

subtest 'requests in progress per address are limited (limit_conn): 429' => sub {
    # Each holds its request open: the headers of a POST, then no body.
    my @held = map { connect_nginx() } 1 .. 300;
    print {$_} "POST /healthz HTTP/1.1\r\nHost: $host\r\nContent-Type: application/json\r\n"
      . "Content-Length: 100\r\n\r\n" for @held;
    my $sel = IO::Select->new(@held);
    my (%answered, $sample);
    my $end = time + 10;
    while (keys %answered < 300 - 256 && time < $end) {
        for my $s ($sel->can_read(1)) {
            my $n = sysread $s, my $buf, 4096;
            $sel->remove($s);
            $answered{$s} = 1;
            $sample //= $buf;
        }
    }
    cmp_ok scalar(keys %answered), '>=', 300 - 256, 'the connections past the limit (256 in the dev stack) are answered';
    like $sample // '', qr{^HTTP/1\.1 429 }, '... with 429';
    like $sample // '', qr/"error":"too_many_requests"/, '... the JSON error';
    like $sample // '', qr/\r\nX-Request-Id: \w+/i, '... with X-Request-Id';
    like $sample // '', qr/\r\nRetry-After: \d+/i, '... and Retry-After';
    close $_ for @held;
    ok(wait_until(10, sub { api(GET => '/healthz')->{status} == 200 }), 'once they are gone, requests pass again');
};

# --- the dev stack's run directory is private -----------------------------------------
subtest 'only the stack\'s user reaches the pool\'s socket' => sub {
    my $dir = stack_env('NEXUS_RUN_DIR');
    is sprintf('%o', (stat $dir)[2] & 07777), '700', 'the run directory is 0700';
    is sprintf('%o', (stat "$dir/nexus.sock")[2] & 07777), '600', 'the FastCGI socket is 0600';
    my $me = getpwuid($<);
    open my $pidf, '<', "$dir/nginx/nginx.pid" or die "no nginx.pid in $dir\n";
    chomp(my $master = <$pidf>);
    my @workers = grep { /nginx: worker process/ } `ps -o user=,args= --ppid $master`;
    ok @workers, 'nginx has workers';
    is_deeply [ grep { !/^\s*\Q$me\E\s/ } @workers ], [], "they run as $me, who may enter it" or diag @workers;
    is api(GET => '/healthz')->{status}, 200, 'and reach the pool';
};

done_testing();
