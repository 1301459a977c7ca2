#pragma once
// The container's /dev: runc's default device list and /dev mounts, as
// Docker sets them up for every container (also the classic builder's RUN
// containers).
#include <cstdint>
#include <string>

#include "builder/run/container_plan.h"

namespace ubuild::builder {

// Adds the tmpfs /dev with the standard nodes, /dev/pts, /dev/shm (a tmpfs of
// shm_bytes, --shm-size), /dev/mqueue.
void AddDeviceOps(ContainerPlan& plan, const std::string& dev_dir, int64_t shm_bytes);

}  // namespace ubuild::builder
