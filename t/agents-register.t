#!/usr/bin/env perl
# POST /api/agents/register: the created agent, duplicates, every validation
# rule, unicode and hostile strings stored verbatim, nothing half-written
# after a rejection, and nginx's rate limit on the route.
use strict;
use warnings;
use utf8;
use NexusTest;
use Test::More;
use Encode qw(encode_utf8);
use Time::HiRes qw(sleep time);

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

# --- shared helpers (candidates for NexusTest.pm) ---------------------------

# --- this file's helpers -----------------------------------------------------

# Every slug this file sends contains $P, so the database can be searched for
# anything a request left behind.
my $P = unique_slug('reg');
my $n = 0;
sub fresh_slug { sprintf '%s-%d', $P, ++$n }

sub register { api_patient(POST => '/api/agents/register', json => {@_}) }

# A valid registration body with changes; a field set to $ABSENT is left out.
my $ABSENT = \'absent';
sub body_with {
    my %body = (slug => fresh_slug(), name => 'N', scope => 'studio', @_);
    delete $body{$_} for grep { ref $body{$_} && $body{$_} == $ABSENT } keys %body;
    return \%body;
}

sub stored_row {
    my ($slug) = @_;
    return dbh()->selectrow_hashref('SELECT slug, name, HEX(name) AS name_hex, scope FROM agents WHERE slug = ?', undef, $slug);
}

my %accepted;    # slug => 1 for every registration this file expects to succeed

# --- a registered agent ---------------------------------------------------------

{
    my $slug = fresh_slug();
    my $before = time;
    my $r = register(slug => $slug, name => 'My Agent', scope => 'studio');
    is $r->{status}, 201, 'register: 201' or diag $r->{body};
    $accepted{$slug} = 1;
    my $a = $r->{json};
    is_deeply [ sort keys %$a ], [qw(active_tokens created_at heartbeat last_heartbeat_at name scope slug status)],
        'the agent has exactly the documented fields';
    is $a->{slug}, $slug, 'slug';
    is $a->{name}, 'My Agent', 'name';
    is $a->{scope}, 'studio', 'scope';
    like $a->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'created_at is RFC 3339 UTC with milliseconds';
    my $at = epoch_of($a->{created_at});
    ok defined $at && $at > $before - 5 && $at < time + 5, 'created_at is now' or diag "created_at $a->{created_at}";
    ok exists $a->{last_heartbeat_at} && !defined $a->{last_heartbeat_at}, 'last_heartbeat_at is null';
    is $a->{status}, 'offline', 'status is offline';
    ok exists $a->{heartbeat} && !defined $a->{heartbeat}, 'heartbeat is null';
    is $a->{active_tokens}, 0, 'active_tokens is 0';
    ok $r->{headers}{'x-request-id'}, 'X-Request-Id';

    my $row = stored_row($slug);
    is_deeply [ @$row{qw(slug name scope)} ], [ $slug, 'My Agent', 'studio' ], 'the row is stored';

    my $p = api(GET => "/api/agents/$slug/profile", token => admin_token());
    is_deeply $p->{json}{agent}, { slug => $slug, name => 'My Agent', scope => 'studio' }, 'the profile shows it';

    error_is(register(slug => $slug, name => 'Impostor', scope => 'other'),
        409, 'conflict', '409 for a duplicate slug', qr/\Q$slug\E/);
    is stored_row($slug)->{name}, 'My Agent', 'the duplicate did not overwrite the first agent';
    is dbh()->selectrow_array('SELECT COUNT(*) FROM agents WHERE slug = ?', undef, $slug), 1, 'still exactly one row';
}

# --- validation ----------------------------------------------------------------

{
    # [label, changes to a valid body, the field the message names]
    my @rejected = (
        [ 'missing slug',           [ slug  => $ABSENT ], 'slug' ],
        [ 'missing name',           [ name  => $ABSENT ], 'name' ],
        [ 'missing scope',          [ scope => $ABSENT ], 'scope' ],
        [ 'empty slug',             [ slug  => '' ], 'slug' ],
        [ 'empty name',             [ name  => '' ], 'name' ],
        [ 'empty scope',            [ scope => '' ], 'scope' ],
        [ 'slug of 64 chars',       [ slug  => substr($P . ('-x' x 40), 0, 64) ], 'slug' ],
        [ 'name of 201 chars',      [ name  => 'n' x 201 ], 'name' ],
        [ 'name of 201 é',          [ name  => 'é' x 201 ], 'name' ],
        [ 'scope of 65 chars',      [ scope => 's' x 65 ], 'scope' ],
        [ 'upper-case slug',        [ slug  => uc fresh_slug() ], 'slug' ],
        [ "slug with leading '-'",  [ slug  => '-' . fresh_slug() ], 'slug' ],
        [ 'slug with a space',      [ slug  => fresh_slug() . ' x' ], 'slug' ],
        [ 'slug with unicode',      [ slug  => fresh_slug() . 'é' ], 'slug' ],
        [ 'slug with _',            [ slug  => fresh_slug() . '_x' ], 'slug' ],
        [ 'slug with .',            [ slug  => fresh_slug() . '.x' ], 'slug' ],
        [ 'slug with /',            [ slug  => fresh_slug() . '/x' ], 'slug' ],
        [ 'slug with a newline',    [ slug  => fresh_slug() . "\nx" ], 'slug' ],
        [ 'scope with a space',     [ scope => 'my scope' ], 'scope' ],
        [ "scope with leading '-'", [ scope => '-studio' ], 'scope' ],
        [ 'scope with /',           [ scope => 'a/b' ], 'scope' ],
        [ 'scope with unicode',     [ scope => 'stüdio' ], 'scope' ],
        [ 'slug a number',          [ slug  => 42 ], 'slug' ],
        [ 'name a number',          [ name  => 42 ], 'name' ],
        [ 'scope a number',         [ scope => 7 ], 'scope' ],
        [ 'slug null',              [ slug  => undef ], 'slug' ],
        [ 'name null',              [ name  => undef ], 'name' ],
        [ 'scope null',             [ scope => undef ], 'scope' ],
        [ 'slug an array',          [ slug  => [ fresh_slug() ] ], 'slug' ],
        [ 'name an object',         [ name  => { n => 1 } ], 'name' ],
        [ 'scope an array',         [ scope => ['studio'] ], 'scope' ],
        [ 'slug a boolean',         [ slug  => JSON::PP::true() ], 'slug' ],
        [ 'name with a NUL',        [ name  => "a\0b" ], undef ],
        [ 'unknown field',          [ colour => 'red' ], 'colour' ],
        [ 'unknown field (null)',   [ id => undef ], 'id' ],
    );
    for my $case (@rejected) {
        my ($label, $changes, $field) = @$case;
        my $r = api_patient(POST => '/api/agents/register', json => body_with(@$changes));
        error_is($r, 400, 'bad_request', "400 for $label", defined $field ? qr/'\Q$field\E'/ : undef);
    }
}

# --- boundaries that must be accepted ---------------------------------------------

{
    my @ok = (
        [ 'slug of 63 chars',           substr($P . ('-y' x 40), 0, 63), 'N', 'studio' ],
        [ 'slug of digits and dashes',  "9-$P--", 'N', 'studio' ],
        [ 'name of 200 chars',          fresh_slug(), 'n' x 200, 'studio' ],
        [ 'name of 200 é (400 bytes)',  fresh_slug(), 'é' x 200, 'studio' ],
        [ 'name of 200 emoji (800 bytes)', fresh_slug(), "\x{1F916}" x 200, 'studio' ],
        [ 'scope of 64 chars',          fresh_slug(), 'N', 'S' x 64 ],
        [ 'scope with _ . - and capitals', fresh_slug(), 'N', 'Ops_team.eu-1' ],
    );
    for my $case (@ok) {
        my ($label, $slug, $name, $scope) = @$case;
        my $r = register(slug => $slug, name => $name, scope => $scope);
        is $r->{status}, 201, "201 for $label" or diag $r->{body};
        $accepted{$slug} = 1 if $r->{status} == 201;
        is $r->{json}{name}, $name, "$label: name returned as sent";
        is $r->{json}{scope}, $scope, "$label: scope returned as sent";
    }
}

# --- unicode and hostile strings are stored verbatim ---------------------------------

{
    my @names = (
        'Zoë Ünïcødé',
        '日本語のエージェント 🤖',
        "e\x{301} combining, \x{200B}zero-width, \x{202E}rtl-override",
        'مرحبا بالعالم',
        q{Robert'); DROP TABLE agents;--},
        q{" OR 1=1 -- \\ ' `backtick`},
        '<script>alert(1)</script>',
        '%s%n%x ${HOME} $(id) \\u0000',
        "tab\tnew\nline",
    );
    for my $name (@names) {
        my $slug = fresh_slug();
        my $r = register(slug => $slug, name => $name, scope => 'studio');
        is $r->{status}, 201, "201 for name '$name'" or next;
        $accepted{$slug} = 1;
        is $r->{json}{name}, $name, 'the response has the name as sent';
        is api(GET => "/api/agents/$slug/profile")->{json}{agent}{name}, $name, 'the profile has the name as sent';
        is stored_row($slug)->{name_hex}, uc unpack('H*', encode_utf8($name)), 'the database holds the exact UTF-8 bytes';
    }
    ok dbh()->selectrow_array('SELECT COUNT(*) FROM agents'), 'the agents table is still there';
}

# --- nothing half-written --------------------------------------------------------------

{
    my $left = dbh()->selectcol_arrayref('SELECT slug FROM agents WHERE LOWER(slug) LIKE ?', undef, "%$P%");
    is_deeply [ sort @$left ], [ sort keys %accepted ], 'only the accepted registrations left rows behind';
}

# --- rate limit -------------------------------------------------------------------------

{
    # Invalid bodies: the flood creates no agents, and every request that
    # passes the limit is a quick 400 from the pool. It goes on until the
    # limit answers (at most 500 requests), so a slow machine still gets there.
    my (%statuses, $limited);
    for (1 .. 500) {
        my $r = api(POST => '/api/agents/register', json => {});
        $statuses{ $r->{status} }++;
        $limited //= $r if $r->{status} == 429;
        last if $limited && $_ >= 150;
    }
    ok $limited, 'a flood of quick registrations meets the rate limit' or diag explain \%statuses;
    is_deeply [ grep { $_ != 400 && $_ != 429 } sort keys %statuses ], [], 'every answer is 400 or 429' or diag explain \%statuses;
    if ($limited) {
        error_is($limited, 429, 'too_many_requests', '429 is a JSON error');
        like $limited->{headers}{'retry-after'} // '', qr/^\d+$/, '429 carries Retry-After';
    }
    sleep 1.2;
    my $slug = fresh_slug();
    my $r = api(POST => '/api/agents/register', json => { slug => $slug, name => 'After the flood', scope => 'studio' });
    is $r->{status}, 201, 'a second later registration works again' or diag $r->{body};
}

done_testing();
