#include "store/base/named_process.h"

#include <signal.h>
#include <sys/types.h>

#include <cerrno>

namespace ubuild {

NamedProcess ProcessNamedBy(std::string_view digits) {
  // Nine digits fit in pid_t and exceed pid_max's upper bound (2^22).
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return NamedProcess::kNotAPid;
  }
  pid_t pid = 0;
  for (char c : digits) pid = pid * 10 + (c - '0');
  if (pid <= 0) return NamedProcess::kNotAPid;
  // EPERM: it exists but belongs to someone else.
  return ::kill(pid, 0) == 0 || errno == EPERM ? NamedProcess::kMayRun : NamedProcess::kGone;
}

}  // namespace ubuild
