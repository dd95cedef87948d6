// Agent URLs as operators write them: `http://HOST:PORT` or `https://HOST:PORT`, optionally with a
// path prefix (`https://dcos.example.com/service/lockstep`: the agents behind a proxy such as
// DC/OS's Admin Router, which strips it). The CLI puts the prefix before every API path; agents
// reach each other directly and ignore it. Anything else is refused with the reason.
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
  // "" or "/segment[/segment…]" (no trailing slash): unreserved characters only, no "." or ".."
  // segment, no query or fragment.
  std::string path;
  std::string ToString() const;  // scheme, host and port; the path is not part of it
};

Result<Url> ParseUrl(const std::string& text);

// RFC 3986 percent-encoding: every byte but the unreserved A-Z a-z 0-9 - . _ ~ (and '/' when
// `keep_slash`) as %XX in upper-case hex, as AWS Signature V4 wants it too.
std::string PercentEncode(std::string_view text, bool keep_slash);

// A query parameter's value, percent-encoded (so a znode path with '&', '=' or spaces survives;
// slashes kept), and decoded again ('+' stays '+'; a malformed escape is kept as it is).
std::string QueryEscape(std::string_view value);
std::string QueryUnescape(std::string_view value);

}  // namespace lockstep::http
