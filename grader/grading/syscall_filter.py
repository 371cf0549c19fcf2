"""The system calls a learner's code may make: a seccomp filter for the bubblewrap sandbox.

The filter is an allow-list. A sandbox runs Python, numpy, matplotlib and IPython on files in its
own tmpfs, with threads, pipes and Unix sockets; every system call that work needs is named below,
family by family, and every other call fails with EPERM (clone3 with ENOSYS, so that the C library
falls back to clone, whose flags the filter can read). Calls made for another architecture (e.g.
32-bit calls from a 64-bit process) kill the process: libseccomp's default for a foreign
architecture.

What that leaves out, compared with Docker's default profile (which PrairieLearn, otter-grader and
Gradescope run learner code under): everything Docker blocks — new namespaces (`unshare`, `setns`,
`clone` with a CLONE_NEW* flag), the kernel keyring (`keyctl`, `add_key`, `request_key`),
`ptrace` and reading or writing another process's memory (`process_vm_readv/writev`),
`perf_event_open`, `bpf`, `userfaultfd`, mounting (`mount`, `umount2`, `pivot_root`, the new mount
API), kernel modules, `kexec`, `reboot`, swap, clocks, quotas, accounting, `personality`, NUMA
policy — and also what Docker allows but a notebook never needs: `io_uring_*`, every socket family
but AF_UNIX (no netlink, no AF_VSOCK, no AF_INET even inside the empty network namespace), inotify
and fanotify, message queues, `name_to_handle_at`, `chroot`, `setuid` and the other identity
changes.

`program()` is the filter compiled to BPF, for bubblewrap's `--seccomp FD`.
"""

import errno
import functools
import os

# One group per kind of work a sandbox does. A name the running architecture does not have (e.g.
# `open` on arm64, which only has `openat`) is skipped.
ALLOWED = {
    "files": """read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 open openat
        openat2 creat close close_range lseek _llseek stat fstat lstat newfstatat fstatat64 stat64
        fstat64 lstat64 statx statfs fstatfs statfs64 fstatfs64 access faccessat faccessat2 readlink
        readlinkat getdents getdents64 mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2
        link linkat symlink symlinkat chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat
        truncate ftruncate fallocate fsync fdatasync sync_file_range flock fcntl fcntl64 dup dup2
        dup3 pipe pipe2 utime utimes utimensat futimesat getcwd chdir fchdir umask sendfile
        sendfile64 copy_file_range splice tee vmsplice fadvise64 fadvise64_64 readahead memfd_create
        getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr ioctl""",
    "memory": """brk mmap mmap2 munmap mremap mprotect pkey_mprotect madvise msync mincore membarrier
        mlock mlock2 munlock mlockall munlockall""",
    "processes and threads": """clone fork vfork execve execveat exit exit_group wait4 waitid
        set_tid_address set_robust_list get_robust_list futex futex_waitv rseq sched_yield
        sched_getaffinity sched_setaffinity sched_getparam sched_getscheduler sched_get_priority_max
        sched_get_priority_min sched_rr_get_interval getpid getppid gettid getuid geteuid getgid
        getegid getgroups getresuid getresgid getpgid getpgrp getsid setsid setpgid prctl arch_prctl
        capget getrlimit prlimit64 ugetrlimit getrusage times uname sysinfo getpriority setpriority
        getcpu pidfd_open""",
    "signals": """kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend rt_sigpending
        rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack pause restart_syscall""",
    "time": """nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday time alarm setitimer
        getitimer timer_create timer_settime timer_gettime timer_getoverrun timer_delete
        timerfd_create timerfd_settime timerfd_gettime getrandom""",
    "waiting and talking to the grader": """poll ppoll select _newselect pselect6 epoll_create
        epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 eventfd eventfd2 connect bind
        listen accept accept4 sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown getsockname
        getpeername setsockopt getsockopt""",
    "shared memory (multiprocessing, in the sandbox's own IPC namespace)": """shmget shmat shmdt shmctl
        semget semop semtimedop semctl""",
}

# Socket families: Unix sockets only (socket, socketpair).
AF_UNIX = 1

# clone's namespace flags (linux/sched.h): a clone with any of them fails.
CLONE_NEW = {
    "CLONE_NEWTIME": 0x80,
    "CLONE_NEWNS": 0x20000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}


def allowed_names():
    """Every system call name the filter allows outright (socket and clone are allowed with
    conditions on their arguments)."""
    return sorted({name for group in ALLOWED.values() for name in group.split()} - {"clone"})


def _build():
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
    arch = seccomp.system_arch()

    def allow(name, *conditions):
        if seccomp.resolve_syscall(arch, name) >= 0:  # negative: not a call on this architecture
            rules.add_rule(seccomp.ALLOW, name, *conditions)

    for name in allowed_names():
        allow(name)
    namespaces = sum(CLONE_NEW.values())
    allow("clone", seccomp.Arg(0, seccomp.MASKED_EQ, namespaces, 0))  # clone(flags, ...): no CLONE_NEW*
    for name in ("socket", "socketpair"):
        allow(name, seccomp.Arg(0, seccomp.EQ, AF_UNIX))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # its flags are out of the filter's reach
    return rules


@functools.lru_cache(maxsize=1)
def program():
    """The filter as a BPF program (bytes), as bubblewrap's --seccomp reads it."""
    rules = _build()
    fd = os.memfd_create("seccomp-filter")
    with os.fdopen(fd, "w+b") as out:
        rules.export_bpf(out)
        out.seek(0)
        return out.read()


def program_fd():
    """A file descriptor to pass a sandbox (pass_fds) holding program() from its start; the
    caller closes it once the sandbox is started."""
    fd = os.memfd_create("seccomp-filter")
    os.write(fd, program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
