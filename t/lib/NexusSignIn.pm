package NexusSignIn;
# Browser sign-in without a browser, for the integration tests of src/sso
# (t/sso.t, t/sso-allowed.t): a tiny browser that follows redirects and
# keeps cookies per host:port, and whole sign-ins through the login form of
# the stack's local provider (tools/idp, users in t/idp/users.json).
use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use URI;
use NexusTest qw(base_url stack_env uri_escape);

our @EXPORT = qw(BROWSER_ACCEPT browse sign_in provider_callback query_of);

# What a browser's navigation sends as Accept (Nexus answers it with pages).
use constant BROWSER_ACCEPT => 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

my $http = HTTP::Tiny->new(timeout => 20, keep_alive => 0, max_redirect => 0);

# The query parameters of a URL, as a hash.
sub query_of { my %q = URI->new($_[0])->query_form; return \%q }

# browse(JAR, METHOD, URL, form => {...}, headers => {...}, no_follow => 1,
#        stop_at => qr/URL/) -> (the last response, [[url, status], ...], the URL stopped at)
# Follows redirects (up to 15) as a browser does, sending and keeping the
# cookies of each host:port in JAR ({ "host:port" => { name => value } });
# a form is POSTed. no_follow: the first answer only; stop_at: stop before
# following a redirect to a URL that matches.
sub browse {
    my ($jar, $method, $url, %opt) = @_;
    my @visited;
    for (1 .. 15) {
        my $u = URI->new($url);
        my $hostport = $u->host_port;
        my %h = (Accept => BROWSER_ACCEPT, %{ $opt{headers} || {} });
        my $cookies = join '; ', map {"$_=$jar->{$hostport}{$_}"} sort keys %{ $jar->{$hostport} || {} };
        $h{Cookie} = $cookies if length $cookies;
        my $res = defined $opt{form}
            ? $http->post_form($url, $opt{form}, { headers => \%h })
            : $http->request($method, $url, { headers => \%h });
        push @visited, [ $url, $res->{status} ];
        my $set = $res->{headers}{'set-cookie'};
        for my $c (ref $set ? @$set : defined $set ? ($set) : ()) {
            my ($name, $value) = $c =~ /^([^=;\s]+)=([^;]*)/ or next;
            if ($value eq '' || $c =~ /max-age=0|expires=Thu, 01 Jan 1970/i) { delete $jar->{$hostport}{$name} }
            else { $jar->{$hostport}{$name} = $value }
        }
        return ($res, \@visited) unless $res->{status} =~ /^30[1237]$/ && !$opt{no_follow};
        $url = URI->new_abs($res->{headers}{location}, $url)->as_string;
        return ($res, \@visited, $url) if $opt{stop_at} && $url =~ $opt{stop_at};
        ($method, %opt) = ('GET', headers => $opt{headers}, stop_at => $opt{stop_at});
    }
    die "too many redirects from $url\n";
}

# The provider's login form action on the page of a login that was just
# started, as an absolute URL.
sub _login_form {
    my ($page) = @_;
    my ($action) = ($page->{content} // '') =~ /<form id="idp-login" method="post" action="([^"]+)"/
        or die "no login form at the provider: $page->{status}\n";
    return URI->new_abs($action, stack_env('NEXUS_SSO_ISSUER'))->as_string;
}

# sign_in(USER, PASSWORD, RETURN_TO) -> (the last response, the jar, the visited [[url, status], ...])
# A whole sign-in from /api/auth/login?return_to= (default /api/secrets)
# through the provider's form and Nexus's callback to wherever it ends.
sub sign_in {
    my ($user, $password, $return_to) = @_;
    my $jar = {};
    my ($page) = browse($jar, GET => base_url() . '/api/auth/login?return_to=' . uri_escape($return_to // '/api/secrets'));
    my ($res, $visited) = browse($jar, POST => _login_form($page), form => { username => $user, password => $password });
    return ($res, $jar, $visited);
}

# provider_callback(USER, PASSWORD) -> the callback URL the provider sent
# the browser to after its login form (its code and state unused): a
# sign-in that stops before Nexus's callback.
sub provider_callback {
    my ($user, $password) = @_;
    my $base = base_url();
    my $jar = {};
    my ($page) = browse($jar, GET => "$base/api/auth/login?return_to=%2Fapi%2Fsecrets");
    my (undef, undef, $callback) = browse($jar, POST => _login_form($page),
        form => { username => $user, password => $password }, stop_at => qr{^\Q$base\E/api/auth/callback\?});
    die "the provider did not send the browser back to the callback\n" unless $callback;
    return $callback;
}

1;
