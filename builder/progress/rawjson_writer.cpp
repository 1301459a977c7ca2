#include "builder/progress/rawjson_writer.h"

#include <chrono>

#include "store/base64.h"
#include "store/digest.h"
#include "store/base/interrupt_free_thread.h"

namespace ubuild::progress {

RawJsonWriter::RawJsonWriter(Terminal& out, std::function<std::string()> now) : out_(out), now_(std::move(now)) {}

RawJsonWriter::~RawJsonWriter() { Stop(); }

void RawJsonWriter::Start() {
  sampler_ = InterruptFreeThread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      if (stopping_) break;
      lock.unlock();
      Sample();
      lock.lock();
    }
  });
}

void RawJsonWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  std::lock_guard lock(mu_);
  if (step_) CloseStepLocked("canceled");
  if (export_) {
    store::Json v = VertexJson(*export_);
    v["completed"] = now_();
    Emit(store::Json{{"vertexes", store::Json::array({v})}});
    export_.reset();
  }
}

void RawJsonWriter::Emit(const store::Json& status) {
  out_.Write(status.dump(-1, ' ', false, store::Json::error_handler_t::replace) + "\n");
}

store::Json RawJsonWriter::VertexJson(const Vertex& v) const {
  store::Json j = store::Json::object();
  j["digest"] = v.digest;
  j["name"] = v.name;
  j["started"] = v.started;
  if (v.cached) j["cached"] = true;
  return j;
}

store::Json RawJsonWriter::StatusJson(const Task& t, bool completed) const {
  store::Json j = store::Json::object();
  j["id"] = t.name;
  j["vertex"] = t.vertex;
  j["name"] = t.name;
  j["current"] = t.bytes->done();
  if (t.bytes->total() > 0) j["total"] = t.bytes->total();
  j["timestamp"] = now_();
  j["started"] = t.started;
  if (completed) j["completed"] = j["timestamp"];
  return j;
}

void RawJsonWriter::Sample() {
  std::lock_guard lock(mu_);
  store::Json statuses = store::Json::array();
  for (Task& t : tasks_) {
    if (t.bytes->done() == t.shown) continue;
    t.shown = t.bytes->done();
    statuses.push_back(StatusJson(t, false));
  }
  if (!statuses.empty()) Emit(store::Json{{"statuses", statuses}});
}

void RawJsonWriter::CloseStepLocked(const std::string& error) {
  store::Json v = VertexJson(*step_);
  v["completed"] = now_();
  if (!error.empty()) v["error"] = error;
  Emit(store::Json{{"vertexes", store::Json::array({v})}});
  step_.reset();
}

void RawJsonWriter::LogLocked(std::string_view data, int stream) {
  store::Json log = store::Json::object();
  log["vertex"] = step_ ? step_->digest : export_ ? export_->digest : "";
  log["stream"] = stream;
  log["data"] = store::Base64Encode(data);
  log["timestamp"] = now_();
  Emit(store::Json{{"logs", store::Json::array({log})}});
}

void RawJsonWriter::Step(int n, int total, const std::string& text) {
  std::lock_guard lock(mu_);
  if (step_) CloseStepLocked("");
  step_.emplace();
  step_->name = "[" + std::to_string(n) + "/" + std::to_string(total) + "] " + text;
  step_->digest = store::Sha256Of(std::to_string(++serial_) + " " + step_->name).str();
  step_->started = now_();
  Emit(store::Json{{"vertexes", store::Json::array({VertexJson(*step_)})}});
}

void RawJsonWriter::UsingCache() {
  std::lock_guard lock(mu_);
  if (step_) step_->cached = true;
}

void RawJsonWriter::StepDone(const std::string&) {
  std::lock_guard lock(mu_);
  if (step_) CloseStepLocked("");
}

void RawJsonWriter::StepFailed(const std::string& message) {
  std::lock_guard lock(mu_);
  if (step_) {
    CloseStepLocked(message);
  } else {
    LogLocked(message + "\n", 2);
  }
}

void RawJsonWriter::Line(const std::string& text) {
  std::lock_guard lock(mu_);
  LogLocked(text + "\n", step_ ? 1 : 2);
}

void RawJsonWriter::RunOutputLine(std::string_view line) {
  std::lock_guard lock(mu_);
  LogLocked(std::string(line) + "\n", 1);
}

std::string RawJsonWriter::ExportVertexLocked() {
  if (!export_) {
    export_.emplace();
    export_->name = "exporting to image";
    export_->digest = store::Sha256Of(std::to_string(++serial_) + " " + export_->name).str();
    export_->started = now_();
    Emit(store::Json{{"vertexes", store::Json::array({VertexJson(*export_)})}});
  }
  return export_->digest;
}

// The export vertex's finished sub-steps ("writing image …", "naming to …").
void RawJsonWriter::ExportStatusLocked(const std::string& id) {
  store::Json s = store::Json::object();
  s["id"] = id;
  s["vertex"] = ExportVertexLocked();
  s["name"] = s["id"];
  s["timestamp"] = now_();
  s["started"] = s["timestamp"];
  s["completed"] = s["timestamp"];
  Emit(store::Json{{"statuses", store::Json::array({s})}});
}

void RawJsonWriter::ImageBuilt(const std::string& image_id) {
  std::lock_guard lock(mu_);
  ExportStatusLocked("writing image " + image_id);
}

void RawJsonWriter::ImageTagged(const std::string& name) {
  std::lock_guard lock(mu_);
  ExportStatusLocked("naming to " + name);
}

void RawJsonWriter::BuildFinished(const std::string& image_id) {
  std::lock_guard lock(mu_);
  ExportVertexLocked();
  store::Json v = VertexJson(*export_);
  v["completed"] = now_();
  Emit(store::Json{{"vertexes", store::Json::array({v})}, {"image", image_id}});
  export_.reset();
}

void RawJsonWriter::TaskStarted(const void* id, const std::string& name, const ByteCounter& bytes) {
  std::lock_guard lock(mu_);
  Task t{id, name, "", now_(), &bytes};
  if (step_) {
    t.vertex = step_->digest;
  } else {
    // save, load, pull, push: the task is the vertex.
    t.own_vertex = true;
    t.vertex = store::Sha256Of(std::to_string(++serial_) + " " + name).str();
    Emit(store::Json{{"vertexes", store::Json::array({store::Json{{"digest", t.vertex}, {"name", name}, {"started", t.started}}})}});
  }
  t.shown = 0;
  Emit(store::Json{{"statuses", store::Json::array({StatusJson(t, false)})}});
  tasks_.push_back(t);
}

void RawJsonWriter::TaskDone(const void* id, bool ok) {
  std::lock_guard lock(mu_);
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
    if (it->id != id) continue;
    store::Json status = {{"statuses", store::Json::array({StatusJson(*it, true)})}};
    if (it->own_vertex) {
      store::Json v = {{"digest", it->vertex}, {"name", it->name}, {"started", it->started}, {"completed", now_()}};
      if (!ok) v["error"] = it->name + " failed";
      status["vertexes"] = store::Json::array({v});
    }
    Emit(status);
    tasks_.erase(it);
    return;
  }
}

}  // namespace ubuild::progress
