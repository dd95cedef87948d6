// Agent URLs as operators write them: `http://HOST:PORT` or `https://HOST:PORT`, an optional path
// prefix ignored. Anything else is refused with the reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::http {

struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;
};

Result<Url> ParseUrl(const std::string& text);

// A query parameter's value, percent-encoded (RFC 3986: everything but unreserved characters,
// so a znode path with '&', '=' or spaces survives), and decoded again ('+' stays '+'; a
// malformed escape is kept as it is).
std::string QueryEscape(std::string_view value);
std::string QueryUnescape(std::string_view value);

}  // namespace lockstep::http
