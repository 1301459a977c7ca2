#!/usr/bin/env python3
"""Reads back the seccomp filter a process runs under, and compares two.

  seccomp_filters.py dump PID OUT     PTRACE_SECCOMP_GET_FILTER of PID's
                                      newest filter, raw sock_filter array
  seccomp_filters.py compare A B      run both programs on every syscall
                                      number 0..1023 of x86_64, x32 and i386
                                      (and an unknown arch), with a set of
                                      argument values wherever the program
                                      reads arguments; print the
                                      differences, exit 1 if any

test_seccomp.sh uses it to hold a RUN's filter to the one `docker run`
installs: the programs need not be the same bytes, they must give the same
answer (action and errno) for every call tried.
"""
import ctypes
import os
import struct
import sys

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_SECCOMP_GET_FILTER = 0x420C
WALL = 0x40000000

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
X32_BIT = 0x40000000
ARG_VALUES = [0, 1, 8, 0x20000, 0x20008, 0x40000, 0xFFFFFFFF, 0x10000000, 0x20000000, 0x7E020000,
              0x7E020000 | 0x11, 0x100 | 0x11, 0x4000000000000000, 0xFFFFFFFFFFFFFFFF]


def dump(pid, out):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]

    def ptrace(req, addr=None, data=None):
        rc = libc.ptrace(req, pid, addr, data)
        if rc < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"ptrace({req:#x}, {pid}): {os.strerror(err)}")
        return rc

    ptrace(PTRACE_SEIZE)
    try:
        ptrace(PTRACE_INTERRUPT)
        os.waitpid(pid, WALL)
        buf = ctypes.create_string_buffer(8 * 4096)
        n = ptrace(PTRACE_SECCOMP_GET_FILTER, 0, ctypes.cast(buf, ctypes.c_void_p))
    finally:
        libc.ptrace(PTRACE_DETACH, pid, None, None)
    with open(out, "wb") as f:
        f.write(buf.raw[: 8 * n])


def load(path):
    data = open(path, "rb").read()
    return [struct.unpack_from("<HBBI", data, i) for i in range(0, len(data), 8)]


def run(prog, data):
    """Classic BPF as the kernel's seccomp runs it. Returns (result, whether
    an argument was read)."""
    a = x = pc = 0
    mem = [0] * 16
    read_args = False
    while True:
        code, jt, jf, k = prog[pc]
        cls = code & 7
        if cls == 0:  # LD
            mode = code & 0xE0
            if mode == 0x20:
                a = struct.unpack_from("<I", data, k)[0]
                read_args = read_args or k >= 16
            elif mode == 0x00:
                a = k
            elif mode == 0x60:
                a = mem[k]
            else:
                raise ValueError(f"unsupported load {code:#x}")
        elif cls == 1:  # LDX
            x = k if code & 0xE0 == 0 else mem[k]
        elif cls == 2:
            mem[k] = a
        elif cls == 3:
            mem[k] = x
        elif cls == 4:  # ALU
            op, src = code & 0xF0, (x if code & 8 else k)
            ops = {0x00: lambda: a + src, 0x10: lambda: a - src, 0x40: lambda: a | src, 0x50: lambda: a & src,
                   0x60: lambda: a << src, 0x70: lambda: a >> src, 0x80: lambda: -a, 0xA0: lambda: a ^ src}
            a = ops[op]() & 0xFFFFFFFF
        elif cls == 5:  # JMP
            op, src = code & 0xF0, (x if code & 8 else k)
            if op == 0x00:
                pc += k + 1
                continue
            taken = {0x10: a == src, 0x20: a > src, 0x30: a >= src, 0x40: (a & src) != 0}[op]
            pc += (jt if taken else jf) + 1
            continue
        elif cls == 6:  # RET
            return (a if code & 0x18 == 0x10 else k), read_args
        elif cls == 7:  # MISC
            if code & 0xF8 == 0:
                x = a
            else:
                a = x
        pc += 1


def seccomp_data(arch, nr, arg0=0, arg1=0):
    return struct.pack("<IIQ6Q", nr, arch, 0, arg0, arg1, 0, 0, 0, 0)


def compare(path_a, path_b):
    a, b = load(path_a), load(path_b)
    calls = [(AUDIT_ARCH_X86_64, nr) for nr in range(1024)] + \
            [(AUDIT_ARCH_X86_64, X32_BIT | nr) for nr in range(1024)] + \
            [(AUDIT_ARCH_I386, nr) for nr in range(1024)] + [(0x12345678, nr) for nr in range(4)]
    cases = differ = 0
    for arch, nr in calls:
        ra, args_a = run(a, seccomp_data(arch, nr))
        rb, args_b = run(b, seccomp_data(arch, nr))
        tries = [(ra, rb, 0, 0)]
        if args_a or args_b:
            for arg0 in ARG_VALUES:
                for arg1 in ARG_VALUES:
                    tries.append((run(a, seccomp_data(arch, nr, arg0, arg1))[0],
                                  run(b, seccomp_data(arch, nr, arg0, arg1))[0], arg0, arg1))
        for got_a, got_b, arg0, arg1 in tries:
            cases += 1
            if got_a != got_b:
                differ += 1
                if differ <= 20:
                    print(f"arch {arch:#x} nr {nr:#x} args ({arg0:#x}, {arg1:#x}): "
                          f"{path_a} {got_a:#x}, {path_b} {got_b:#x}")
    print(f"{len(a)} and {len(b)} instructions; {cases} calls tried, {differ} answered differently")
    return 1 if differ else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(int(sys.argv[2]), sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
