package NexusCluster;
# The scale-out topology of README "Scaling out" on loopback, as the calling
# test's own processes (t/cluster/cluster.t, make cluster-test): three
# MariaDB Galera nodes (each its own datadir, port, gcomm, IST and SST port),
# two Nexus pools that stand for two hosts (each its own socket, run
# directory and database node first in its db.hosts), one nginx with both
# pools in its upstream. Everything binds to 127.0.0.1. Every process runs
# in a process group of its own (setsid) and the END block kills them all,
# whatever happened, then removes the run directory (kept with
# NEXUS_CLUSTER_KEEP=1, or when the test failed, for its logs).
#
# start(%opt) writes DIR/stack.env the way tools/devstack does, so NexusTest
# (api, admin_token, nexusctl, dbh) works against the cluster once the
# caller sets NEXUS_TEST_STACK to the directory before `use NexusTest`.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(setsid WNOHANG);
use Time::HiRes qw(sleep time);

my $TOP = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $OWNER = $$;
my @CLUSTERS;    # for END

sub _say { print STDERR "cluster: @_\n" }

sub _ports_free {
    my @ports = @_;
    for my $p (@ports) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p, Listen => 1, ReuseAddr => 0)
            or return 0;
        close $s;
    }
    return 1;
}

# A base port with base+1 .. base+49 free on 127.0.0.1.
sub _base_port {
    for (1 .. 50) {
        # Below the ephemeral range (32768 on), where the nodes' own outgoing
        # connections would take ports of ours.
        my $base = 10000 + 50 * int(rand(440));
        return $base if _ports_free(map { $base + $_ } 1 .. 49);
    }
    die "no free range of ports found\n";
}

sub _slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; my $s = <$fh>; close $fh; $s }

sub _spurt {
    my ($f, $text, $mode) = @_;
    open my $fh, '>', $f or die "$f: $!\n";
    print $fh $text;
    close $fh;
    chmod $mode, $f if defined $mode;
}

sub _wait_for {
    my ($seconds, $code) = @_;
    my $until = time + $seconds;
    while (time < $until) {
        return 1 if $code->();
        sleep 0.1;
    }
    return 0;
}

# Forks cmd into a new session (its own process group); returns its pid.
sub _spawn {
    my ($log, $env, @cmd) = @_;
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        setsid();
        $ENV{$_} = $env->{$_} for keys %$env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    return $pid;
}

sub _reap { 1 while waitpid(-1, WNOHANG) > 0 }

sub _alive { my ($pid) = @_; return $pid && kill(0, $pid) && !_zombie($pid) }

sub _zombie {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 1;
    my ($state) = (<$fh> // '') =~ /\)\s+(\S)/;
    return !$state || $state eq 'Z';
}

# Signals a whole process group and waits up to seconds for its leader.
sub _stop_group {
    my ($pid, $signal, $seconds) = @_;
    return unless $pid;
    kill $signal, -$pid;
    my $ok = _wait_for($seconds, sub { _reap(); !_alive($pid) });
    if (!$ok) { kill 'KILL', -$pid; _wait_for(10, sub { _reap(); !_alive($pid) }) }
    # What the group left behind (an SST's rsync, a worker) goes too.
    kill 'KILL', -$pid;
}

sub new {
    my ($class, %opt) = @_;
    my $dir = tempdir('nexus-cluster-XXXXXX', TMPDIR => 1, CLEANUP => 0);
    my $self = bless {
        dir => $dir,
        base => _base_port(),
        nodes => $opt{nodes} // 3,
        build => $ENV{NEXUS_BUILD} // "$TOP/build",
        node_pid => {},
        pool_pid => {},
    }, $class;
    # MariaDB as root would start rsync's SST daemon as root, which then
    # drops to nobody and cannot write the joiner's datadir: the nodes run
    # as the mysql user when the test runs as root (as on CI), else as the
    # caller.
    $self->{dbuser} = $> == 0 ? 'mysql' : scalar getpwuid($>);
    chmod 0711, $dir;
    push @CLUSTERS, $self;
    return $self;
}

sub dir { $_[0]{dir} }
sub node_port { my ($self, $i) = @_; $self->{base} + $i }
sub node_socket { my ($self, $i) = @_; "$self->{dir}/db$i/mysql.sock" }
sub port { $_[0]{base} + 40 }
sub url { 'http://127.0.0.1:' . $_[0]->port }
sub password { $_[0]{password} }

# db.hosts for a pool whose own node is first: the others follow in order.
sub db_hosts {
    my ($self, $first) = @_;
    my @order = ($first, grep { $_ != $first } 1 .. $self->{nodes});
    return join ',', map { '127.0.0.1:' . $self->node_port($_) } @order;
}

# The Galera settings of README "Scaling out".
sub _node_args {
    my ($self, $i) = @_;
    my $b = $self->{base};
    my $d = "$self->{dir}/db$i";
    my $gcomm = 'gcomm://' . join ',', map { '127.0.0.1:' . ($b + 10 + $_) } 1 .. $self->{nodes};
    my @galera = $self->{nodes} > 1
        ? (
        '--wsrep-on=ON', '--wsrep-provider=/usr/lib/galera/libgalera_smm.so', '--wsrep-cluster-name=nexus-test',
        "--wsrep-cluster-address=$gcomm", '--wsrep-node-address=127.0.0.1', "--wsrep-node-name=db$i",
        '--wsrep-provider-options=base_host=127.0.0.1;base_port=' . ($b + 10 + $i)
            . ';ist.recv_addr=127.0.0.1:' . ($b + 20 + $i) . ';gcache.size=128M',
        '--wsrep-sst-method=rsync', '--wsrep-sst-receive-address=127.0.0.1:' . ($b + 30 + $i),
        '--wsrep-mode=REQUIRED_PRIMARY_KEY', '--wsrep-slave-threads=2')
        : ();
    return (
        'mariadbd', '--no-defaults', "--datadir=$d/data", "--socket=$d/mysql.sock", '--port=' . ($b + $i),
        '--bind-address=127.0.0.1', "--pid-file=$d/mariadb.pid", "--log-error=$d/error.log",
        "--user=$self->{dbuser}", "--tmpdir=$d/tmp", '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci', '--innodb-buffer-pool-size=128M', '--max-connections=300',
        '--binlog-format=ROW', '--innodb-autoinc-lock-mode=2', '--default-storage-engine=InnoDB',
        '--innodb-flush-log-at-trx-commit=2', @galera);
}

sub _mysql_root {
    my ($self, $i, $sql) = @_;
    open my $fh, '|-', 'mariadb', '--socket=' . $self->node_socket($i), '-u', 'root', '-N'
        or die "mariadb: $!\n";
    print $fh $sql;
    close $fh;
    return $? == 0;
}

sub _status {
    my ($self, $i, $name) = @_;
    my $sock = $self->node_socket($i);
    my $v = `mariadb --socket='$sock' -u root -N -e "SHOW STATUS LIKE '$name'" 2>/dev/null`;
    return ($v =~ /\t(.*)$/m)[0] // '';
}

# Ready: answers, and (in a cluster) is Synced in a primary component of all nodes up.
sub node_ready {
    my ($self, $i) = @_;
    my $sock = $self->node_socket($i);
    return 0 unless system("mariadb-admin --socket='$sock' -u root ping >/dev/null 2>&1") == 0;
    return 1 if $self->{nodes} == 1;
    return $self->_status($i, 'wsrep_local_state_comment') eq 'Synced';
}

sub start_node {
    my ($self, $i, %opt) = @_;
    my $d = "$self->{dir}/db$i";
    if (!-d "$d/data") {
        mkdir $d;
        mkdir "$d/tmp";
        mkdir "$d/data" if $i != 1;
        system('chown', '-R', $self->{dbuser}, $d) == 0 or die "chown $d\n" if $> == 0;
        # The first node is installed here; the others get its state by SST.
        if ($i == 1) {
            system("mariadb-install-db --no-defaults --datadir='$d/data' --user='$self->{dbuser}' "
                  . "--auth-root-authentication-method=socket --skip-test-db >'$d/install.log' 2>&1") == 0
                or die "mariadb-install-db failed:\n" . _slurp("$d/install.log");
        }
    }
    my @args = $self->_node_args($i);
    push @args, '--wsrep-new-cluster' if $opt{bootstrap};
    # A node killed with -9 left seqno -1 in grastate.dat: recover its
    # position from InnoDB first (what galera_recovery does for systemd), or
    # it would ask for a whole SST instead of the IST of what it missed.
    if (-f "$d/data/grastate.dat" && _slurp("$d/data/grastate.dat") =~ /^seqno:\s+-1/m) {
        my $log = "$d/recover.log";
        unlink $log;
        system(join(' ', map { "'$_'" } grep { !/^--log-error=/ } @args) . " --log-error='$log' --wsrep-recover >/dev/null 2>&1");
        my ($position) = _slurp($log) =~ /WSREP: Recovered position: (\S+)/;
        push @args, "--wsrep-start-position=$position" if $position;
    }
    $self->{node_pid}{$i} = _spawn("$d/stdout.log", {}, @args);
    _wait_for($opt{wait} // 120, sub { _reap(); die "node $i exited:\n" . _tail("$d/error.log") unless _alive($self->{node_pid}{$i}); $self->node_ready($i) })
        or die "node $i did not become ready:\n" . _tail("$d/error.log");
    return $self->{node_pid}{$i};
}

sub _tail { my ($f) = @_; my @l = split /\n/, _slurp($f); join("\n", @l[ -(@l < 30 ? @l : 30) .. -1 ]) . "\n" }

# SIGKILL to a node (its whole process group).
sub kill_node {
    my ($self, $i) = @_;
    my $pid = delete $self->{node_pid}{$i} or return;
    kill 'KILL', -$pid;
    _wait_for(10, sub { _reap(); !_alive($pid) });
}

# How the last start of node i joined: 'IST', 'SST' or ''.
sub last_join {
    my ($self, $i) = @_;
    my $log = _slurp("$self->{dir}/db$i/error.log");
    my $last = rindex($log, 'Starting MariaDB');
    my $tail = substr($log, $last < 0 ? 0 : $last);
    return 'IST' if $tail =~ /rsync IST completed on joiner/;
    return 'SST' if $tail =~ /rsync SST completed on joiner/;
    return '';
}

sub start_db {
    my ($self) = @_;
    $self->start_node(1, bootstrap => $self->{nodes} > 1);
    $self->start_node($_) for 2 .. $self->{nodes};
    open my $fh, '<', '/dev/urandom' or die;
    read $fh, my $raw, 24;
    $self->{password} = unpack 'H*', $raw;
    _spurt("$self->{dir}/db.password", "$self->{password}\n", 0600);
    my $pw = $self->{password};
    $self->_mysql_root(1, <<SQL) or die "database set-up failed\n";
CREATE DATABASE IF NOT EXISTS nexus CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'nexus'\@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'nexus'\@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON nexus.* TO 'nexus'\@'127.0.0.1';
GRANT ALL PRIVILEGES ON nexus.* TO 'nexus'\@'localhost';
SQL
}

# The environment of nexusctl and the pools (NEXUS_* settings).
sub nexus_env {
    my ($self, $first) = @_;
    my %env = (
        NEXUS_CONFIG => "$TOP/conf/app.properties",
        NEXUS_DB_SOCKET => '',
        NEXUS_DB_HOSTS => $self->db_hosts($first // 1),
        # What a Nexus without db.hosts uses: the same first node.
        NEXUS_DB_HOST => '127.0.0.1',
        NEXUS_DB_PORT => $self->node_port($first // 1),
        NEXUS_DB_PASSWORD => $self->{password},
        NEXUS_SQL_DIR => "$TOP/sql",
        NEXUS_VAULT_KEYRING_FILE => "$self->{dir}/vault.keyring",
        NEXUS_AUTH_ADMIN_TOKEN_HASH_FILE => "$self->{dir}/admin.token.sha256",
    );
    return %env;
}

sub nexusctl {
    my ($self, @args) = @_;
    my %env = $self->nexus_env(1);
    local @ENV{ keys %env } = values %env;
    my $out = qx{"$self->{build}/nexusctl" @{[ map { quotemeta } @args ]} 2>&1};
    return ($? >> 8, $out);
}

sub pool_socket { my ($self, $h) = @_; "$self->{dir}/host$h/nexus.sock" }

# Pool h ("host" h) on its own node first.
sub start_pool {
    my ($self, $h) = @_;
    my $d = "$self->{dir}/host$h";
    mkdir $d;
    unlink $self->pool_socket($h);
    my %env = ($self->nexus_env($h == 1 ? 1 : 2), NEXUS_SERVER_SOCKET => $self->pool_socket($h),
        NEXUS_SERVER_SOCKET_MODE => '0600');
    $self->{pool_pid}{$h} = _spawn("$d/nexus.log", \%env, "$self->{build}/nexus-fcgi", "--config=$TOP/conf/app.properties");
    _wait_for(30, sub { -S $self->pool_socket($h) })
        or die "pool $h did not start:\n" . _tail("$d/nexus.log");
    return $self->{pool_pid}{$h};
}

# SIGKILL to a pool's master and all its workers: the host is gone.
sub kill_pool {
    my ($self, $h) = @_;
    my $pid = delete $self->{pool_pid}{$h} or return;
    kill 'KILL', -$pid;
    _wait_for(10, sub { _reap(); !_alive($pid) });
}

sub start_nginx {
    my ($self) = @_;
    my $d = "$self->{dir}/nginx";
    mkdir $d;
    mkdir "$d/tmp";
    mkdir "$d/snippets";
    system("cp $TOP/conf/nginx/snippets/*.conf '$d/snippets/' && cp /etc/nginx/fastcgi_params /etc/nginx/mime.types '$d/'") == 0
        or die "nginx files\n";
    # The access log also names the upstream(s) that served each request:
    # nginx passes a GET on to the other pool when the first one dies
    # with it, and the test tells such a request from a doubled write.
    my $http = _slurp("$d/snippets/nexus-http.conf");
    $http =~ s/rid=\$request_id'/rid=\$request_id up=\$upstream_addr'/ or die "nexus-http.conf: no rid= in log_format\n";
    _spurt("$d/snippets/nexus-http.conf", $http);
    my $conf = _slurp("$TOP/conf/nginx/nexus-dev.conf.in");
    my $user = $> == 0 ? 'user root;' : '';
    my $servers = join "\n", map { "        server unix:" . $self->pool_socket($_) . ";" } sort keys %{ $self->{pools_wanted} };
    $conf =~ s/\@USER\@/$user/g;
    $conf =~ s/\@RUNDIR\@/$self->{dir}/g;
    $conf =~ s/^\s*server unix:\@SOCKET\@;\n/$servers\n/m;
    $conf =~ s/\@LISTEN\@/127.0.0.1:@{[ $self->port ]}/g;
    $conf =~ s/\@STATICDIR\@/$TOP\/static/g;
    $conf =~ s/\@LIMIT_CONN\@/256/g;
    _spurt("$d/nginx.conf", $conf);
    $self->{nginx_pid} = _spawn("$d/stderr.log", {}, 'nginx', '-p', $d, '-c', "$d/nginx.conf", '-e', "$d/error.log");
    _wait_for(20, sub {
        my $r = HTTP::Tiny->new(timeout => 2)->get($self->url . '/healthz');
        $r->{status} == 200;
    }) or die "nginx did not start:\n" . _slurp("$d/error.log");
}

# The whole topology: nodes, schema, keyring, admin token, pools, nginx.
sub start {
    my ($self, %opt) = @_;
    require HTTP::Tiny;
    my $t0 = time;
    $self->start_db;
    _say(sprintf 'database up: %d node(s) in %.1f s', $self->{nodes}, time - $t0);
    my ($rc, $out) = $self->nexusctl('migrate');
    die "nexusctl migrate on the cluster failed:\n$out" if $rc;
    $self->{migrate_log} = $out;
    ($rc, $out) = $self->nexusctl('vault', 'init');
    die "vault init failed:\n$out" if $rc;
    my $token = `"$self->{build}/nexusctl" new-token`;
    chomp $token;
    _spurt("$self->{dir}/admin.token", "$token\n", 0600);
    system("'$self->{build}/nexusctl' hash-token <'$self->{dir}/admin.token' >'$self->{dir}/admin.token.sha256'") == 0
        or die "hash-token\n";
    my $pools = $opt{pools} // 2;
    $self->{pools_wanted} = { map { $_ => 1 } 1 .. $pools };
    $self->start_pool($_) for 1 .. $pools;
    $self->start_nginx;
    _spurt("$self->{dir}/stack.env", join '', map { "$_\n" } 'NEXUS_URL=' . $self->url, "NEXUS_RUN_DIR=$self->{dir}",
        'NEXUS_DB_SOCKET=' . $self->node_socket(1), "NEXUS_DB_PASSWORD_FILE=$self->{dir}/db.password",
        "NEXUS_ADMIN_TOKEN_FILE=$self->{dir}/admin.token", "NEXUS_ADMIN_TOKEN_HASH_FILE=$self->{dir}/admin.token.sha256",
        'NEXUS_MASTER_PID=' . $self->{pool_pid}{1}, "NEXUS_LOG=$self->{dir}/host1/nexus.log", 'NEXUS_SSO_ISSUER=');
    _say(sprintf 'cluster up in %.1f s: %s', time - $t0, $self->url);
    return $self;
}

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++;
    _stop_group($self->{nginx_pid}, 'QUIT', 10) if $self->{nginx_pid};
    _stop_group($self->{pool_pid}{$_}, 'TERM', 15) for keys %{ $self->{pool_pid} };
    _stop_group($self->{node_pid}{$_}, 'TERM', 60) for sort { $b <=> $a } keys %{ $self->{node_pid} };
    $self->{pool_pid} = {};
    $self->{node_pid} = {};
}

sub logs_tail {
    my ($self) = @_;
    my $s = '';
    for my $f (glob("$self->{dir}/db*/error.log"), glob("$self->{dir}/host*/nexus.log"), "$self->{dir}/nginx/error.log") {
        $s .= "--- $f ---\n" . _tail($f);
    }
    return $s;
}

END {
    if ($$ == $OWNER) {
        my $rc = $?;
        for my $c (@CLUSTERS) {
            $c->stop;
            if ($rc == 0 && !$ENV{NEXUS_CLUSTER_KEEP}) { system('rm', '-rf', $c->{dir}) }
            else { print STDERR "cluster: logs kept in $c->{dir}\n" }
        }
        $? = $rc;
    }
}

1;
