# Weft's fork server: one per process executor, started by its JVM (ForkServer.java), forks every task of that
# executor. Why: a task that must die with its executor needed a guard around it when the JVM started it (three
# execs more than the task, on top of the JVM's spawn helper); from here a task costs a fork of this small process
# and its own exec, about what the JVM pays to start a bare `true` (docs/performance.md).
#
# Its one promise: no task outlives the executor. The JVM holds the only write end of this process's stdin, so the
# kernel closes it when the JVM dies, however it dies; at end of input every task's process group is SIGKILLed and
# the server exits. A request read after the JVM died is not started (its parent pid is checked before every fork).
# Everything the tasks print comes back over stdout, framed, so the JVM needs no thread per task.
#
# In (stdin), one request per record: a 4-byte big-endian length, then NUL-separated fields:
#   L, id, program (resolved path), workdir, uid ("" = as this process), gid, argc, argv..., envc, NAME=value...
# Out (stdout), frames of: type (1 byte), id (4 bytes), length (4 bytes), payload:
#   S started (payload: the task's pid, 4 bytes)   F not started (payload: why)
#   O stdout bytes   E stderr bytes   X exited (payload: exit code, 4 bytes; 128 + n for a signal n), always last
use strict;
use warnings;
use Config;
use POSIX ();
use Time::HiRes ();

my $jvm = shift @ARGV;
$0 = 'weft-fork-server';
# A session of its own: the terminal's Ctrl-C or a signal to the executor's process group reaches the JVM, which
# cancels its tasks gracefully, not this process. It ends only at end of input (or SIGKILL). The usual termination
# signals are blocked rather than ignored: a task inherits ignored signals across exec, but the mask is undone in one
# call between fork and exec, and a signal sent to a task before that call waits for it instead of being lost.
#
# A signal ignored by whoever started the JVM (nohup ignores HUP; a shell's background job, INT and QUIT) is ignored
# here too, and a task would inherit that as well: under nohup, tasks started with SIGHUP ignored (ForkServerTest,
# 2026-12-02). Each such signal is blocked like the others, then given back its default action. Perl ignores FPE
# itself and restores it around an exec: that one is left to Perl.
POSIX::setsid();
my @SIGNAL_NAMES = split(' ', $Config::Config{sig_name});    # indexed by signal number
my @INHERITED_IGNORED = grep {
  $SIGNAL_NAMES[$_] !~ /^(KILL|STOP|CHLD|FPE)$/ && ($SIG{$SIGNAL_NAMES[$_]} // '') eq 'IGNORE'
} 1 .. 31;
my $BLOCKED = POSIX::SigSet->new((map { POSIX->can("SIG$_")->() } qw(INT TERM HUP QUIT TSTP TTIN TTOU PIPE USR1 USR2)),
    @INHERITED_IGNORED);
POSIX::sigprocmask(POSIX::SIG_BLOCK(), $BLOCKED);
$SIG{$SIGNAL_NAMES[$_]} = 'DEFAULT' for @INHERITED_IGNORED;
my $NOTHING_BLOCKED = POSIX::SigSet->new();
my $child_exited = 0;
$SIG{CHLD} = sub { $child_exited = 1 };
open(my $DEV_NULL, '<', '/dev/null') or die "weft fork server: cannot open /dev/null: $!";

# How long a task's pipes may stay open after it exited (a background child holding them): then they are closed.
my $DRAIN_SECONDS = 1.0;
# SIGCHLD can arrive just before select() blocks (Perl runs handlers between ops), so never block longer than this
# while tasks run.
my $REAP_POLL_SECONDS = 0.05;
# The longest a new task's exec is waited for before the next request is read.
my $EXEC_WAIT_SECONDS = 1.0;

my %task;     # id -> { pid, code, deadline, pipes => { fileno => [fh, 'O' | 'E'] } }
my %by_pid;   # pid -> id
my %by_fd;    # fileno -> id
my $input = '';

sub send_frame {
  my ($type, $id, $payload) = @_;
  my $frame = pack('a1 N N', $type, $id, length $payload) . $payload;
  my $off = 0;
  while ($off < length $frame) {
    my $n = syswrite(STDOUT, $frame, length($frame) - $off, $off);
    if (!defined $n) {
      next if $!{EINTR};
      kill_all_and_exit();   # the JVM is gone
    }
    $off += $n;
  }
}

sub kill_all_and_exit {
  for my $t (values %task) {
    next if defined $t->{code};
    # The group, or the task itself if it has not called setsid yet.
    kill('KILL', -$t->{pid}) or kill('KILL', $t->{pid});
  }
  POSIX::_exit(0);
}

sub close_pipe {
  my ($id, $fd) = @_;
  my $pipe = delete $task{$id}{pipes}{$fd};
  delete $by_fd{$fd};
  close($pipe->[0]);
}

sub finish_if_done {
  my ($id) = @_;
  my $t = $task{$id};
  return unless defined $t->{code} && !%{ $t->{pipes} };
  send_frame('X', $id, pack('N', $t->{code}));
  delete $task{$id};
}

sub reap {
  $child_exited = 0;
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    my $id = delete $by_pid{$pid};
    next unless defined $id;
    my $t = $task{$id};
    $t->{code} = ($status & 127) ? 128 + ($status & 127) : ($status >> 8);
    $t->{deadline} = Time::HiRes::time() + $DRAIN_SECONDS;
    finish_if_done($id);
  }
}

# In the child, between fork and exec: as little as can be, since every page the child touches before its exec is
# copied (the environment and the working directory were set before the fork, by the parent); nothing may return
# into the server's loop.
sub run_task {
  my ($program, $uid, $gid, $argv, $out, $err) = @_;
  POSIX::sigprocmask(POSIX::SIG_SETMASK(), $NOTHING_BLOCKED);
  POSIX::setsid();
  POSIX::dup2(fileno($DEV_NULL), 0);
  POSIX::dup2(fileno($out), 1);
  POSIX::dup2(fileno($err), 2);
  my $fail = sub { syswrite(STDERR, "weft: cannot start $argv->[0]: $_[0]\n"); POSIX::_exit(127) };
  if ($uid ne '') {
    # No supplementary groups, then the group, then the user: the order that leaves no way back.
    $) = "$gid $gid";
    POSIX::setgid($gid) or $fail->("setgid $gid: $!");
    POSIX::setuid($uid) or $fail->("setuid $uid: $!");
    ($< == $uid && $> == $uid) or $fail->("still uid $< / $> after setuid $uid");
  }
  { no warnings 'exec'; exec { $program } @$argv; }
  $fail->("$!");
}

sub launch {
  my @f = @_;
  my ($id, $program, $dir, $uid, $gid, $argc) = splice(@f, 0, 6);
  my @argv = splice(@f, 0, $argc);
  my $envc = shift @f;
  my @env = splice(@f, 0, $envc);
  # The JVM died after writing this request: do not start what nobody will watch.
  kill_all_and_exit() if getppid() != $jvm;
  unless (chdir($dir)) {
    send_frame('F', $id, "cannot enter $dir: $!");
    return;
  }
  # Only what differs from the last task's: most of an executor's tasks share most of their environment.
  my %want = map { split(/=/, $_, 2) } @env;
  for my $k (keys %ENV) {
    delete $ENV{$k} unless exists $want{$k};
  }
  while (my ($k, $v) = each %want) {
    $ENV{$k} = $v unless defined $ENV{$k} && $ENV{$k} eq $v;
  }
  my ($out_r, $out_w, $err_r, $err_w);
  unless (pipe($out_r, $out_w) && pipe($err_r, $err_w)) {
    send_frame('F', $id, "cannot create a pipe: $!");
    return;
  }
  # select() watches descriptors below 1,024 only (the JVM starts another server well before that).
  if (fileno($err_r) >= 1024) {
    close($_) for $out_r, $out_w, $err_r, $err_w;
    send_frame('F', $id, "this fork server already runs as many tasks as it can watch");
    return;
  }
  my ($exec_r, $exec_w);
  unless (pipe($exec_r, $exec_w)) {
    close($_) for $out_r, $out_w, $err_r, $err_w;
    send_frame('F', $id, "cannot create a pipe: $!");
    return;
  }
  my $pid = fork();
  if (!defined $pid) {
    send_frame('F', $id, "cannot fork: $!");
    close($_) for grep { defined } $out_r, $out_w, $err_r, $err_w, $exec_r, $exec_w;
    return;
  }
  if ($pid == 0) {
    eval { run_task($program, $uid, $gid, \@argv, $out_w, $err_w) };
    POSIX::_exit(127);
  }
  close($out_w);
  close($err_w);
  close($exec_w);
  # Until the child has exec'd (its copy of the close-on-exec write end closes then), this process's pages are
  # shared with it, and every page written here is copied, with a TLB flush on every CPU the server ran on.
  my $rin = '';
  vec($rin, fileno($exec_r), 1) = 1;
  select(my $rout = $rin, undef, undef, $EXEC_WAIT_SECONDS);
  close($exec_r);
  $task{$id} = { pid => $pid, pipes => { fileno($out_r) => [$out_r, 'O'], fileno($err_r) => [$err_r, 'E'] } };
  $by_fd{fileno($out_r)} = $id;
  $by_fd{fileno($err_r)} = $id;
  $by_pid{$pid} = $id;
  send_frame('S', $id, pack('N', $pid));
}

sub read_requests {
  my $n = sysread(STDIN, $input, 65536, length $input);
  if (!defined $n) {
    return if $!{EINTR};
    kill_all_and_exit();
  }
  kill_all_and_exit() if $n == 0;
  while (length($input) >= 4) {
    my $len = unpack('N', $input);
    last if length($input) < 4 + $len;
    my @fields = split(/\0/, substr($input, 4, $len), -1);
    substr($input, 0, 4 + $len) = '';
    my $verb = shift @fields;
    launch(@fields) if $verb eq 'L';
  }
}

sub read_output {
  my ($fd) = @_;
  my $id = $by_fd{$fd};
  my ($fh, $type) = @{ $task{$id}{pipes}{$fd} };
  my $n = sysread($fh, my $buf, 65536);
  return if !defined $n && $!{EINTR};
  if ($n) {
    send_frame($type, $id, $buf);
  } else {
    close_pipe($id, $fd);
    finish_if_done($id);
  }
}

sub drain_overdue {
  my $now = Time::HiRes::time();
  for my $id (keys %task) {
    my $t = $task{$id};
    next unless defined $t->{code} && $t->{deadline} <= $now;
    close_pipe($id, $_) for keys %{ $t->{pipes} };
    finish_if_done($id);
  }
}

while (1) {
  reap() if $child_exited;
  drain_overdue();
  my $rin = '';
  vec($rin, 0, 1) = 1;
  vec($rin, $_, 1) = 1 for keys %by_fd;
  my $timeout;
  $timeout = $REAP_POLL_SECONDS if %by_pid;
  for my $t (values %task) {
    next unless defined $t->{code};
    my $left = $t->{deadline} - Time::HiRes::time();
    $left = 0 if $left < 0;
    $timeout = $left if !defined $timeout || $left < $timeout;
  }
  my $ready = select(my $rout = $rin, undef, undef, $timeout);
  if ($ready < 0) {
    next if $!{EINTR};
    kill_all_and_exit();
  }
  next if $ready == 0;
  read_requests() if vec($rout, 0, 1);
  for my $fd (keys %by_fd) {
    read_output($fd) if vec($rout, $fd, 1) && exists $by_fd{$fd};
  }
  reap();
}
