# nexusctl knowledge import / export: YAML files in (one or many documents,
# directories walked), what is created, updated, unchanged and rejected
# (with file and line), auditing, and export back out (files and stdout)
# that imports again unchanged. Also: the sample knowledge in conf/ loads.
use strict;
use warnings;
use utf8;
use Encode qw(encode_utf8);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;
use YAML::XS ();
use NexusTest;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

built('nexusctl');    # fails the test now when it is missing; nexusctl() runs it

my $admin = admin_token();
my $dbh = dbh();
my $p = 'ki' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 6);
my $dir = tempdir(CLEANUP => 1);

sub write_file {
    my ($path, $text) = @_;
    (my $parent = $path) =~ s{/[^/]+$}{};
    make_path($parent);
    open my $fh, '>:raw', $path or die "$path: $!";
    print $fh encode_utf8($text);
    close $fh;
}

sub doc {
    my ($kind, $name, %extra) = @_;
    my $text = "apiVersion: nexus/v1\nkind: $kind\nmetadata:\n  name: $name\n";
    $text .= "  title: $extra{title}\n" if $extra{title};
    $text .= "spec:\n$extra{spec}" if $extra{spec};
    $text .= "content: |\n" . join('', map { "  $_\n" } split /\n/, $extra{content}) if $extra{content};
    return $text;
}

sub entity {
    my ($kind, $name) = @_;
    my $r = api(GET => "/api/knowledge/$kind/$name", token => $admin);
    return $r->{status} == 200 ? $r->{json} : undef;
}

sub audited {
    my ($target) = @_;
    return scalar $dbh->selectrow_array(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'knowledge.put' AND target = ? AND principal LIKE 'operator:%'",
        undef, "knowledge:$target");
}

# --- a directory of good, multi-document, broken and invalid files ----------------
write_file("$dir/in/servers.yaml", doc(server => "$p-box", title => 'Box ✓', spec => "  host: $p-box.lan\n  ip: 10.0.0.9\n",
    content => "Runs ollama.\nSecond line."));
write_file("$dir/in/sub/deeper/multi.yml", join("---\n",
    doc(domain => "$p.example.com", title => 'Example'),
    doc(project => "$p-site", spec => "  domain: $p.example.com\n"),
    doc(agent => "$p-addy")));
# A syntax error on line 5: nothing of this file is imported.
write_file("$dir/in/broken.yaml", "apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: $p-broken\n  tags: [a, b\n");
# Two documents: the first good, the second's spec is a list (line 13).
write_file("$dir/in/mixed.yaml", doc(infrastructure => "$p-lan", spec => "  subnet: 10.0.0.0/24\n") . "---\n" .
    "apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: $p-invalid\nspec:\n  - one\n");
write_file("$dir/in/notes.txt", "not YAML, and not read: only *.yaml and *.yml are\n");

my ($rc, $out) = nexusctl('knowledge', 'import', "$dir/in");
is $rc, 1, 'import with rejections exits 1' or diag $out;
like $out, qr/^created\s+server\/\Q$p\E-box \(\Q$dir\E\/in\/servers\.yaml:1, version 1\)$/m, 'a created entity: file and line';
like $out, qr/^created\s+domain\/\Q$p\E\.example\.com \(.*multi\.yml:1,/m, 'a file in a subdirectory';
like $out, qr/^created\s+project\/\Q$p\E-site \(.*multi\.yml:7,/m, 'its second document, with its line';
like $out, qr/^created\s+agent\/\Q$p\E-addy \(.*multi\.yml:\d+,/m, 'its third document';
like $out, qr/^created\s+infrastructure\/\Q$p\E-lan \(.*mixed\.yaml:1,/m, 'the good document of a mixed file';
like $out, qr/^rejected\s+\Q$dir\E\/in\/broken\.yaml:[56]:\d+: malformed YAML: .*\(nothing of this file was imported\)$/m,
    'a syntax error: file, line and column';
like $out, qr/^rejected\s+\Q$dir\E\/in\/mixed\.yaml:13: spec must be an object/m, 'an invalid document: file and line';
unlike $out, qr/notes\.txt/, 'other files in a directory are not read';
like $out, qr/^knowledge import: 5 created, 0 updated, 0 unchanged, 2 rejected$/m, 'the totals';

is entity(server => "$p-box")->{title}, 'Box ✓', 'the entities are there';
is entity(server => "$p-box")->{content}, "Runs ollama.\nSecond line.\n", '... with their content';
is_deeply entity(server => "$p-box")->{spec}, { host => "$p-box.lan", ip => '10.0.0.9' }, '... and spec';
ok entity(agent => "$p-addy"), 'the third document of a file';
ok !entity(server => "$p-broken"), 'nothing of the broken file';
ok !entity(server => "$p-invalid"), 'not the invalid document';
is audited("server/$p-box"), 1, 'an imported write is audited (principal operator:<user>)';
my $runs = $dbh->selectall_arrayref('SELECT DISTINCT principal, client, request_id FROM audit_log WHERE target LIKE ?',
    undef, "knowledge:%/$p%");
is scalar @$runs, 1, 'the rows of one run share a request id';
is_deeply [ @{ $runs->[0] }[ 0, 1 ] ], [ 'operator:' . getpwuid($>), 'local' ], '... the unix user, client "local"';
like $runs->[0][2], qr/^nexusctl-[A-Za-z0-9_-]{16}$/, '... and a nexusctl-<random> request id';

# --- again: unchanged; then one change ---------------------------------------------------
($rc, $out) = nexusctl('knowledge', 'import', "$dir/in");
like $out, qr/^knowledge import: 0 created, 0 updated, 5 unchanged, 2 rejected$/m, 're-import: all unchanged' or diag $out;
like $out, qr/^unchanged\s+server\/\Q$p\E-box /m, 'each says so';
is audited("server/$p-box"), 1, 'unchanged entities write no audit row';

write_file("$dir/in/servers.yaml", doc(server => "$p-box", title => 'Box, renamed'));
unlink "$dir/in/broken.yaml", "$dir/in/mixed.yaml";
($rc, $out) = nexusctl('knowledge', 'import', "$dir/in");
is $rc, 0, 'a clean import exits 0' or diag $out;
like $out, qr/^updated\s+server\/\Q$p\E-box \(.*version 2\)$/m, 'a changed document: updated, version 2';
like $out, qr/^knowledge import: 0 created, 1 updated, 3 unchanged, 0 rejected$/m, 'the totals';
is entity(server => "$p-box")->{title}, 'Box, renamed', 'replaced';
is entity(server => "$p-box")->{content}, '', '... wholly (the content it no longer has is gone)';
is audited("server/$p-box"), 2, 'the update is audited';

# --- files named one by one, duplicates, missing paths ----------------------------------
write_file("$dir/one.yaml", doc(server => "$p-dup", title => 'First'));
write_file("$dir/two.yaml", doc(server => "$p-dup", title => 'Second'));
($rc, $out) = nexusctl('knowledge', 'import', "$dir/one.yaml", "$dir/two.yaml", "$dir/missing.yaml");
is $rc, 1, 'duplicates and missing files are rejections';
like $out, qr/^rejected\s+\Q$dir\E\/two\.yaml:1: server\/\Q$p\E-dup is also defined at \Q$dir\E\/one\.yaml:1/m,
    'the same entity twice in one run: the second is rejected';
like $out, qr/^rejected\s+\Q$dir\E\/missing\.yaml: no such file or directory$/m, 'a missing path';
is entity(server => "$p-dup")->{title}, 'First', 'the first one wins';

write_file("$dir/big.yaml", doc(server => "$p-big") . "content: " . ('x' x 262145) . "\n");
($rc, $out) = nexusctl('knowledge', 'import', "$dir/big.yaml");
like $out, qr/^rejected\s+\Q$dir\E\/big\.yaml:5: content may be at most 262144 bytes$/m, 'content over the limit';

($rc, $out) = nexusctl('knowledge', 'import');
is $rc, 2, 'import without a path: usage (exit 2)';
($rc, $out) = nexusctl('knowledge', 'frobnicate');
is $rc, 2, 'an unknown subcommand: exit 2';
($rc, $out) = nexusctl('knowledge', 'help');
like $out, qr/import PATH/, 'help';

# --- export ------------------------------------------------------------------------------------
($rc, $out) = nexusctl('knowledge', 'export', '--kind', 'server', "$dir/out");
is $rc, 0, 'export to a directory' or diag $out;
like $out, qr/^exported \d+ entities to \Q$dir\E\/out$/m, 'says how many';
my $file = "$dir/out/server/$p-box.yaml";
ok -f $file, 'one file per entity: DIR/<kind>/<name>.yaml';
ok !-d "$dir/out/domain", 'only the kind asked for';
my $exported = YAML::XS::LoadFile($file);
is $exported->{apiVersion}, 'nexus/v1', 'an envelope';
is $exported->{metadata}{title}, 'Box, renamed', 'its title';
ok !exists $exported->{metadata}{version}, 'without server fields (version, times), so files change only with the knowledge';
my @mine = glob("$dir/out/server/$p-*.yaml");
($rc, $out) = nexusctl('knowledge', 'import', @mine);
is $rc, 0, 'the exported files import again' or diag $out;
like $out, qr/^knowledge import: 0 created, 0 updated, ${\ scalar @mine} unchanged, 0 rejected$/m, '... unchanged';

($rc, $out) = nexusctl('knowledge', 'export', '--kind=agent');
is $rc, 0, 'export to stdout';
my @docs = YAML::XS::Load($out);
my ($addy) = grep { $_->{metadata}{name} eq "$p-addy" } @docs;
ok $addy, 'a multi-document stream with every agent';
ok !(grep { $_->{kind} ne 'agent' } @docs), 'only agents';

# Everything, to stdout and to a directory, then back in: the round trip is exact.
($rc, $out) = nexusctl('knowledge', 'export', '-');
@docs = YAML::XS::Load($out);
ok scalar(grep { ($_->{metadata}{name} // '') =~ /^\Q$p\E/ } @docs) >= 6, 'export - holds every kind';
($rc, $out) = nexusctl('knowledge', 'export', "$dir/all");
my @round = map { glob("$dir/all/$_/$p*.yaml") } qw(server domain project agent infrastructure);
is scalar(@round), 6, "this run's entities, each in its kind's folder" or diag explain \@round;
($rc, $out) = nexusctl('knowledge', 'import', "$dir/all");
is $rc, 0, 'a whole export imports again' or diag $out;
like $out, qr/^knowledge import: 0 created, 0 updated, \d+ unchanged, 0 rejected$/m, '... all unchanged';

($rc, $out) = nexusctl('knowledge', 'export', '--kind', 'planet');
is $rc, 2, 'export of an unknown kind: exit 2';
like $out, qr/unknown kind 'planet'/, '... named';

# --- the sample knowledge that `make run` loads ---------------------------------------
($rc, $out) = nexusctl('knowledge', 'import', top_dir() . '/conf/samples/knowledge');
is $rc, 0, 'conf/samples/knowledge imports cleanly' or diag $out;
like $out, qr/^knowledge import: \d+ created, \d+ updated, \d+ unchanged, 0 rejected$/m, '... nothing rejected';
my $ollama = api(GET => '/api/knowledge?kind=server&query=ollama', token => $admin);
ok((grep { $_->{name} eq 'gpu-box-1' } @{ $ollama->{json} }), 'a sample server runs ollama');
unlike join('', map { `cat $_` } glob(top_dir() . '/conf/samples/knowledge/*.yaml')),
    qr/\b(?!example\.com\b)[a-z0-9-]+\.(?:com|net|org|io|dev)\b/, 'samples name no public host but example.com';

done_testing();
