#pragma once
// Docker's masked and read-only paths of /proc and /sys (moby's
// oci.DefaultLinuxSpec), so a RUN cannot read host kernel internals or
// write to /proc/sys.
#include <string>

#include "builder/run/container_plan.h"

namespace ubuild::builder {

// `proc` and `sys` are the mount points under the rootfs.
void AddProcMasks(ContainerPlan& plan, const std::string& proc, const std::string& sys);

}  // namespace ubuild::builder
