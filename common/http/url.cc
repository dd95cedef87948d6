#include "common/http/url.h"

#include <charconv>

namespace lockstep::http {

std::string Url::ToString() const {
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

Result<Url> ParseUrl(const std::string& text) {
  Url url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return InvalidArgument("URL '" + text + "' must start with http:// or https://");
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  url.host = std::string(rest.substr(0, colon));
  if (url.host.empty()) return InvalidArgument("URL '" + text + "' has no host");
  if (colon == std::string_view::npos) {
    url.port = url.tls ? 443 : 80;
    return url;
  }
  std::string_view port = rest.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return InvalidArgument("URL '" + text + "' has a bad port '" + std::string(port) + "'");
  }
  url.port = static_cast<uint16_t>(value);
  return url;
}

}  // namespace lockstep::http
