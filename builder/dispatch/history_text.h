#pragma once
// The `created_by` strings of Docker 20.10's classic builder (design.md §6):
// Go's fmt verbs as the builder applies them, so history reads the same as
// Docker's and cache keys built from it agree.
#include <cstdint>
#include <string>
#include <vector>

namespace ubuild::builder {

// fmt "%v" of a []string: [a b c]
std::string GoList(const std::vector<std::string>& v);
// fmt "%q" of a []string: ["a" "b"]
std::string GoQuotedList(const std::vector<std::string>& v);
// time.Duration.String(): 1m30s, 500ms, 0s
std::string GoDuration(int64_t ns);

// "<shell> #(nop)  <text>": the comment form of a config-only step (two spaces).
std::string NopCreatedBy(const std::vector<std::string>& shell, const std::string& text);
// "<shell> #(nop) <text>": WORKDIR, COPY and ADD use a single space.
std::string NopCreatedByOneSpace(const std::vector<std::string>& shell, const std::string& text);
// RUN: "|N K=V … <argv joined>" (prefix only when build args are in effect).
std::string RunCreatedBy(const std::vector<std::string>& build_args, const std::vector<std::string>& argv);
// HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\x00'} (Go's %q of *HealthConfig).
std::string HealthcheckText(const std::vector<std::string>& test, int64_t interval_ns, int64_t timeout_ns,
                            int64_t start_period_ns, int retries);

}  // namespace ubuild::builder
