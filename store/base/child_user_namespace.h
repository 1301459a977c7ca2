#pragma once
// Whether this process runs in a user namespace other than the host's:
// rootless ubuild (builder/rootfs/user_namespace), or root of a namespace
// someone else made. There, trusted.* xattrs, real device nodes, cgroups and
// ids outside the mapping are out of reach whatever the capabilities.
namespace ubuild {

bool InChildUserNamespace();

}  // namespace ubuild
