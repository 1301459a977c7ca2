#include "builder/run/proc_masks.h"

namespace ubuild::builder {

void AddProcMasks(ContainerPlan& plan, const std::string& proc, const std::string& sys) {
  auto add = [&](SetupOp::Kind kind, const std::string& target) {
    SetupOp op;
    op.kind = kind;
    op.target = plan.Keep(target);
    op.source = "/dev/null";
    plan.ops.push_back(op);
  };
  for (const char* p : {"asound", "acpi", "kcore", "keys", "latency_stats", "timer_list", "timer_stats",
                        "sched_debug", "scsi"}) {
    add(SetupOp::kMask, proc + "/" + p);
  }
  add(SetupOp::kMask, sys + "/firmware");
  for (const char* p : {"bus", "fs", "irq", "sys", "sysrq-trigger"}) add(SetupOp::kReadOnly, proc + "/" + p);
}

}  // namespace ubuild::builder
