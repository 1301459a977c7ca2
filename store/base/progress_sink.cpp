#include "store/base/progress_sink.h"

#include <exception>

namespace ubuild {

ProgressTask::ProgressTask(ProgressSink* sink, const std::string& name, uint64_t total)
    : sink_(sink), exceptions_(std::uncaught_exceptions()) {
  bytes_.Expect(total);
  if (sink_) sink_->TaskStarted(this, name, bytes_);
}

ProgressTask::~ProgressTask() {
  if (sink_) sink_->TaskDone(this, std::uncaught_exceptions() <= exceptions_);
}

}  // namespace ubuild
