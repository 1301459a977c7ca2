#pragma once
// `images --filter KEY=VALUE`, as docker's daemon reads it: dangling=true|false,
// label=KEY or label=KEY=VALUE, reference=PATTERN (path.Match on "name:tag"
// or "name"), before=IMAGE and since=IMAGE (created strictly before / after
// that image). Values of one key are alternatives; different keys must all hold.
#include <map>
#include <string>
#include <vector>

#include "store/image_listing.h"
#include "store/store.h"

namespace ubuild::cli {

class ImageFilter {
 public:
  // Throws UsageError for an unknown key or a bad value, ubuild::Error for a
  // before/since image that is not in the store.
  ImageFilter(const store::Store& s, const std::vector<std::string>& filters);
  bool Matches(const store::Store& s, const store::ImageListingRow& row) const;

 private:
  struct Instant {  // a config's created time, to the nanosecond digits it holds
    int64_t seconds = 0;
    std::string fraction;  // decimal digits after the point; compare as strings
    bool operator<(const Instant& o) const;
  };
  static Instant CreatedOf(const store::Store& s, const store::Digest& id);

  std::map<std::string, std::vector<std::string>> by_key_;
  std::vector<Instant> before_, since_;
};

}  // namespace ubuild::cli
