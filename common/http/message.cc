#include "common/http/message.h"

namespace lockstep::http {
namespace {

std::string JsonEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

Reply ErrorReply(int status, const std::string& code, const std::string& message) {
  return Reply{status, "{\"error\":\"" + JsonEscape(message) + "\",\"code\":\"" + JsonEscape(code) + "\"}",
               "application/json"};
}

}  // namespace lockstep::http
