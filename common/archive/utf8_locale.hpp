#pragma once
// libarchive converts names between the current locale and UTF-8. Under the C locale (services,
// tests) names that are not ASCII fail to convert, and libarchive 3.6's pax writer then crashes on
// symlinks. This switches the calling thread alone to C.UTF-8 for its lifetime (uselocale), leaving
// the process locale alone.
#include <locale.h>

namespace hfcache::archive {

class Utf8LocaleScope {
 public:
  Utf8LocaleScope() {
    static const locale_t utf8 = [] {
      locale_t l = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
      return l ? l : ::newlocale(LC_CTYPE_MASK, "en_US.UTF-8", static_cast<locale_t>(nullptr));
    }();
    if (utf8) previous_ = ::uselocale(utf8);
  }
  ~Utf8LocaleScope() {
    if (previous_) ::uselocale(previous_);
  }
  Utf8LocaleScope(const Utf8LocaleScope&) = delete;
  Utf8LocaleScope& operator=(const Utf8LocaleScope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(nullptr);
};

}  // namespace hfcache::archive
