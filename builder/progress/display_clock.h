#pragma once
// The clock and the terminal a live display draws with, as interfaces so
// the renderer's tests drive time and width by hand.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace ubuild::progress {

class DisplayClock {
 public:
  virtual ~DisplayClock() = default;
  virtual int64_t NowNanos() const = 0;  // monotonic
};

class SteadyDisplayClock : public DisplayClock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual void Write(std::string_view bytes) = 0;
  virtual int Width() const = 0;  // columns
};

}  // namespace ubuild::progress
