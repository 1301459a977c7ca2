#include "store/random_name.h"

#include <sys/random.h>

#include <cerrno>
#include <vector>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

std::vector<unsigned char> RandomBytes(size_t n) {
  std::vector<unsigned char> buf(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw SysError("getrandom", "", errno);
    }
    got += static_cast<size_t>(r);
  }
  return buf;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : RandomBytes(bytes)) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string RandomLinkName() {
  // 36 symbols; the tiny modulo bias is irrelevant for a name.
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  for (unsigned char b : RandomBytes(26)) out.push_back(kAlphabet[b % 36]);
  return out;
}

}  // namespace ubuild::store
