#pragma once
// Docker's default capability set for containers (moby's
// oci/caps.DefaultCapabilities), applied in the container's init before exec
// with raw prctl/capset so the child needs no allocation and no libcap.

namespace ubuild::builder {

// CapBnd of a process in the default set: 0x00000000a80425fb.
constexpr unsigned long long kDockerDefaultCaps =
    (1ULL << 0) |   // CHOWN
    (1ULL << 1) |   // DAC_OVERRIDE
    (1ULL << 3) |   // FOWNER
    (1ULL << 4) |   // FSETID
    (1ULL << 5) |   // KILL
    (1ULL << 6) |   // SETGID
    (1ULL << 7) |   // SETUID
    (1ULL << 8) |   // SETPCAP
    (1ULL << 10) |  // NET_BIND_SERVICE
    (1ULL << 13) |  // NET_RAW
    (1ULL << 18) |  // SYS_CHROOT
    (1ULL << 27) |  // MKNOD
    (1ULL << 29) |  // AUDIT_WRITE
    (1ULL << 31);   // SETFCAP

// Drops every capability outside the default set from the bounding set
// (needs CAP_SETPCAP, so call it before giving up root). Returns 0 or -errno.
int DropBoundingSet(int last_cap);

// Leaves effective and permitted at the default set, inheritable empty (as
// Docker >= 20.10.14 does). For a root process; a non-root one loses all its
// capabilities at setuid anyway. Returns 0 or -errno.
int LimitToDefaultSet();

// /proc/sys/kernel/cap_last_cap, read in the parent.
int LastCapability();

}  // namespace ubuild::builder
