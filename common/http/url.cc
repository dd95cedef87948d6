#include "common/http/url.h"

#include <cctype>
#include <charconv>

namespace lockstep::http {

std::string Url::ToString() const {
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

namespace {

// The prefix after HOST:PORT, checked: it is put in front of request targets.
Result<std::string> PathPrefix(std::string_view path, const std::string& text) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/" || path.empty()) return std::string();
  for (char c : path) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                         c == '_' || c == '~' || c == '/';
    if (!allowed) {
      return InvalidArgument("URL '" + text + "' has a path with a character that is not " +
                             "a letter, digit, '-', '.', '_', '~' or '/'");
    }
  }
  const std::string prefix(path);
  if (prefix.find("//") != std::string::npos || prefix.find("/./") != std::string::npos ||
      prefix.find("/../") != std::string::npos || prefix.ends_with("/.") ||
      prefix.ends_with("/..")) {
    return InvalidArgument("URL '" + text + "' has an empty, '.' or '..' path segment");
  }
  return prefix;
}

}  // namespace

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
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    ASSIGN_OR_RETURN(url.path, PathPrefix(rest.substr(slash), text));
    rest = rest.substr(0, slash);
  }
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

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string QueryEscape(std::string_view value) { return PercentEncode(value, true); }

std::string QueryUnescape(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const int high = value[i] == '%' && i + 2 < value.size() ? HexValue(value[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(value[i + 2]) : -1;
    if (low < 0) {
      out += value[i];
      continue;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace lockstep::http
