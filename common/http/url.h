// Agent URLs as operators write them: `http://HOST:PORT` or `https://HOST:PORT`, an optional path
// prefix ignored. Anything else is refused with the reason.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace lockstep::http {

struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;
};

Result<Url> ParseUrl(const std::string& text);

}  // namespace lockstep::http
