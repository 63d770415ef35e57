# Weft's fork server in Python, used where python3 is on the executor's PATH (fork-server.pl where it is not): the
# same protocol and the same promises, described at the top of fork-server.pl. Why a second one: Python has
# posix_spawn, which glibc runs as a vfork (the child borrows this process's memory until its exec, so no page table
# is copied and nothing is copied on write). A task of `true`, 16 at once on a 2-core VM, cost 4.4 ms of CPU here
# against 8.4 ms forked from Perl, and 450 a second started against 185 (docs/performance.md, 2026-12-03). A task
# that runs as another user cannot be spawned that way, and is forked as in Perl.
import errno
import os
import select
import signal
import struct
import sys
import time

JVM = int(sys.argv[1])
# How long a task's pipes may stay open after it exited (a background child holding them): then they are closed.
DRAIN_SECONDS = 1.0
KEEP_DEFAULT = {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD}

# A session of its own, and the usual termination signals blocked (not ignored: a task would inherit that across
# exec); each task gets an empty mask. A signal ignored by whoever started the JVM, and the two that Python ignores
# itself (PIPE, XFSZ), are blocked too and given back their default action, so that no task inherits them ignored.
os.setsid()
INHERITED_IGNORED = {s for s in range(1, 32)
                     if s not in KEEP_DEFAULT and signal.getsignal(s) == signal.SIG_IGN}
BLOCKED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN,
           signal.SIGTTOU, signal.SIGPIPE, signal.SIGUSR1, signal.SIGUSR2} | INHERITED_IGNORED
signal.pthread_sigmask(signal.SIG_BLOCK, BLOCKED)
for s in INHERITED_IGNORED:
    signal.signal(s, signal.SIG_DFL)
# A child's end wakes the loop's select: Python writes a byte to this pipe when SIGCHLD arrives.
WAKE_R, WAKE_W = os.pipe()
os.set_blocking(WAKE_R, False)
os.set_blocking(WAKE_W, False)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.set_wakeup_fd(WAKE_W, warn_on_full_buffer=False)
DEV_NULL = os.open('/dev/null', os.O_RDONLY)
CAN_SPAWN = hasattr(os, 'posix_spawn')

tasks = {}    # id -> {'pid', 'code', 'deadline', 'pipes': {fd: b'O' | b'E'}}
by_pid = {}   # pid -> id
by_fd = {}    # fd -> id
pending = bytearray()


def send_frame(kind, task_id, payload):
    frame = struct.pack('>cII', kind, task_id, len(payload)) + payload
    view = memoryview(frame)
    while view:
        try:
            n = os.write(1, view)
        except OSError:
            kill_all_and_exit()  # the JVM is gone
        view = view[n:]


def kill_all_and_exit():
    for t in tasks.values():
        if t['code'] is None:
            try:
                os.killpg(t['pid'], signal.SIGKILL)
            except OSError:
                try:
                    os.kill(t['pid'], signal.SIGKILL)
                except OSError:
                    pass
    os._exit(0)


def close_pipe(task_id, fd):
    del tasks[task_id]['pipes'][fd]
    del by_fd[fd]
    os.close(fd)


def finish_if_done(task_id):
    t = tasks[task_id]
    if t['code'] is None or t['pipes']:
        return
    send_frame(b'X', task_id, struct.pack('>I', t['code']))
    del tasks[task_id]


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        task_id = by_pid.pop(pid, None)
        if task_id is None:
            continue
        t = tasks[task_id]
        t['code'] = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        t['deadline'] = time.monotonic() + DRAIN_SECONDS
        finish_if_done(task_id)


def fork_as(program, argv, env, uid, gid, out_w, err_w):
    """A task that runs as another user: forked, since posix_spawn cannot change the user."""
    pid = os.fork()
    if pid == 0:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.setsid()
            os.dup2(DEV_NULL, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            # No supplementary groups, then the group, then the user: the order that leaves no way back.
            os.setgroups([gid])
            os.setgid(gid)
            os.setuid(uid)
            if os.getuid() != uid or os.geteuid() != uid:
                raise OSError(errno.EPERM, 'still uid %d / %d after setuid %d' % (os.getuid(), os.geteuid(), uid))
            os.execve(program, argv, env)
        except BaseException as e:
            os.write(2, b'weft: cannot start ' + argv[0] + b': ' + str(e).encode() + b'\n')
        os._exit(127)
    return pid


def launch(fields):
    task_id = int(fields[0])
    program, workdir, uid, gid = fields[1], fields[2], fields[3], fields[4]
    argc = int(fields[5])
    argv = fields[6:6 + argc]
    envc = int(fields[6 + argc])
    env = dict(e.split(b'=', 1) for e in fields[7 + argc:7 + argc + envc])
    # The JVM died after writing this request: do not start what nobody will watch.
    if os.getppid() != JVM:
        kill_all_and_exit()
    try:
        os.chdir(workdir)
    except OSError as e:
        send_frame(b'F', task_id, ('cannot enter %s: %s' % (os.fsdecode(workdir), e.strerror)).encode())
        return
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    # select() watches descriptors below 1,024 only (the JVM starts another server well before that).
    if err_r >= 1024:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        send_frame(b'F', task_id, b'this fork server already runs as many tasks as it can watch')
        return
    try:
        if uid:
            pid = fork_as(program, argv, env, int(uid), int(gid), out_w, err_w)
        else:
            # The pipes are close-on-exec (Python's default); dup2 onto 1 and 2 gives the task copies without it.
            pid = os.posix_spawn(program, argv, env, setsid=True, setsigmask=(), setsigdef=BLOCKED,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, DEV_NULL, 0),
                                               (os.POSIX_SPAWN_DUP2, out_w, 1),
                                               (os.POSIX_SPAWN_DUP2, err_w, 2)])
    except OSError as e:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        send_frame(b'F', task_id, b'cannot start ' + argv[0] + b': ' + (e.strerror or str(e)).encode())
        return
    os.close(out_w)
    os.close(err_w)
    tasks[task_id] = {'pid': pid, 'code': None, 'deadline': None, 'pipes': {out_r: b'O', err_r: b'E'}}
    by_fd[out_r] = task_id
    by_fd[err_r] = task_id
    by_pid[pid] = task_id
    send_frame(b'S', task_id, struct.pack('>I', pid))


def read_requests():
    try:
        data = os.read(0, 65536)
    except OSError:
        kill_all_and_exit()
    if not data:
        kill_all_and_exit()
    pending.extend(data)
    while len(pending) >= 4:
        (length,) = struct.unpack_from('>I', pending)
        if len(pending) < 4 + length:
            break
        fields = bytes(pending[4:4 + length]).split(b'\0')
        del pending[:4 + length]
        if fields[0] == b'L':
            launch(fields[1:])


def read_output(fd):
    task_id = by_fd[fd]
    kind = tasks[task_id]['pipes'][fd]
    data = os.read(fd, 65536)
    if data:
        send_frame(kind, task_id, data)
    else:
        close_pipe(task_id, fd)
        finish_if_done(task_id)


def drain_overdue():
    now = time.monotonic()
    for task_id in list(tasks):
        t = tasks[task_id]
        if t['code'] is None or t['deadline'] > now:
            continue
        for fd in list(t['pipes']):
            close_pipe(task_id, fd)
        finish_if_done(task_id)


if not CAN_SPAWN:
    sys.exit('weft fork server: this Python has no os.posix_spawn (3.8 or later is needed)')
while True:
    reap()
    drain_overdue()
    timeout = None
    for t in tasks.values():
        if t['code'] is not None:
            left = max(0.0, t['deadline'] - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
    ready, _, _ = select.select([0, WAKE_R] + list(by_fd), [], [], timeout)
    if WAKE_R in ready:
        try:
            os.read(WAKE_R, 4096)
        except BlockingIOError:
            pass
    if 0 in ready:
        read_requests()
    for fd in ready:
        if fd in by_fd:
            read_output(fd)
