#include "api/paths.h"

#include "common/http/url.h"

namespace lockstep::api::paths {

std::string Fill(std::string_view pattern, std::initializer_list<std::string_view> values) {
  std::string path;
  auto value = values.begin();
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      path += pattern[i++];
      continue;
    }
    const size_t close = pattern.find('}', i);
    // Encoded, so no value can add a segment, a query or a control character to the target.
    if (value != values.end()) path += http::PercentEncode(*value++, false);
    i = close == std::string_view::npos ? pattern.size() : close + 1;
  }
  return path;
}

}  // namespace lockstep::api::paths
