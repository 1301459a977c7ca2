#pragma once
// The one error type of ubuild. It lives in store/base/, the bottom of the
// dependency chain, so every room can throw it without reaching upward.
//
// `where` says what the error is about — "Dockerfile:7", a store path, an
// archive member — and may be empty. The CLI catches Error once and prints
//   ubuild: <where>: <what>      (or "ubuild: <what>" when where is empty)
// then exits with exit_code().
#include <stdexcept>
#include <string>
#include <utility>

namespace ubuild {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string what, std::string where = {}, int exit_code = 1)
      : std::runtime_error(std::move(what)), where_(std::move(where)), exit_code_(exit_code) {}

  // "file:line" for errors located in a Dockerfile.
  static Error At(const std::string& file, int line, std::string what) {
    return Error(std::move(what), file + ":" + std::to_string(line));
  }

  const std::string& where() const { return where_; }
  int exit_code() const { return exit_code_; }

  // The full line the CLI prints, without the "ubuild: " prefix.
  std::string message() const { return where_.empty() ? what() : where_ + ": " + what(); }

 private:
  std::string where_;
  int exit_code_;
};

// A system call's failure: a fault of this machine (its disk, its
// permissions, its limits), not of the data being read. A caller that must
// tell the two apart (a cache layer whose blob is damaged is dropped, a
// full disk is not the cache's fault) catches this type.
class SystemError : public Error {
 public:
  SystemError(std::string what, int err) : Error(std::move(what)), err_(err) {}
  int err() const { return err_; }

 private:
  int err_;
};

// errno-carrying failure of a system call, e.g. SysError("mount", path, errno).
// Names the call and the path, as crun does, plus strerror — never a bare errno.
SystemError SysError(const std::string& call, const std::string& path, int err);

}  // namespace ubuild
