#pragma once
// libarchive converts names between the locale's charset and the UTF-8 of
// PAX records, so the same tree would give different tar bytes (and diff_ids)
// under LANG=C and LANG=C.UTF-8. Tar code runs under this guard, which
// switches the calling thread to C.UTF-8: names are bytes, written as Go's
// archive/tar writes them.
#include <locale.h>

namespace ubuild::store {

class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() : locale_(newlocale(LC_ALL_MASK, "C.UTF-8", static_cast<locale_t>(0))) {
    if (locale_ != static_cast<locale_t>(0)) previous_ = uselocale(locale_);
  }
  ~ScopedUtf8Locale() {
    if (locale_ != static_cast<locale_t>(0)) {
      uselocale(previous_);
      freelocale(locale_);
    }
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t locale_;
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace ubuild::store
