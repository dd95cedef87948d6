#include "cli/output.h"

#include "proto/json.h"

#include <cstdio>
#include <iostream>

#include "cli/exit_codes.h"

namespace lockstep::cli {

void PrintJson(const google::protobuf::Message& message) { std::cout << proto::ToJson(message); }

namespace {
std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}
}  // namespace

void PrintError(const Status& status, const OutputOptions& options) {
  if (options.json) {
    std::cout << "{\"error\": \"" << JsonEscape(status.message())
              << "\", \"exit_code\": " << ExitCodeFor(status) << "}\n";
  } else {
    std::cerr << "error: " << status.message() << "\n";
  }
}

}  // namespace lockstep::cli
