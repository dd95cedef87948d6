#include "common/http/request_text.h"

#include "common/http/url.h"

namespace lockstep::http {
namespace {

// How a refusal names what it found: printable, bounded, so the error can't smuggle either.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    out += HasControlCharacter(std::string_view(&c, 1)) ? '?' : c;
  }
  if (text.size() > 64) out += "...";
  return out;
}

Status Refuse(const std::string& where, std::string_view text) {
  return InvalidArgument(where + " '" + Shown(text) +
                         "' holds a control character (CR, LF, NUL, DEL or another); no request "
                         "needs one: percent-encode the value or remove it");
}

}  // namespace

void SplitTarget(std::string_view target, Request* request) {
  request->target = std::string(target);
  const size_t question = target.find('?');
  request->path = std::string(target.substr(0, question));
  request->query.clear();
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    request->query[QueryUnescape(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : QueryUnescape(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

bool HasControlCharacter(std::string_view text, bool allow_tab) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && !(allow_tab && c == '\t')) || byte == 0x7f) return true;
  }
  return false;
}

Status CheckRequestText(const Request& request) {
  if (HasControlCharacter(request.method)) return Refuse("the method", request.method);
  if (HasControlCharacter(request.target)) return Refuse("the target", request.target);
  if (HasControlCharacter(QueryUnescape(request.path))) return Refuse("the path", request.path);
  for (const auto& [key, value] : request.query) {
    if (HasControlCharacter(key)) return Refuse("the query key", key);
    if (HasControlCharacter(value))
      return Refuse("the value of query key '" + Shown(key) + "'", value);
  }
  return Status::Ok();
}

Status CheckHeaderText(std::string_view name, std::string_view value) {
  if (HasControlCharacter(name)) return Refuse("a header name", name);
  if (HasControlCharacter(value, true)) {
    return Refuse("the value of header '" + Shown(name) + "'", value);
  }
  return Status::Ok();
}

Status CheckCallText(const CallOptions& options) {
  if (HasControlCharacter(options.method) || options.method.find(' ') != std::string::npos) {
    return Refuse("the method", options.method);
  }
  if (HasControlCharacter(options.target) || options.target.find(' ') != std::string::npos) {
    return Refuse("the target", options.target);
  }
  RETURN_IF_ERROR(CheckHeaderText("Authorization", options.token));
  RETURN_IF_ERROR(CheckHeaderText("Authorization", options.authorization));
  RETURN_IF_ERROR(CheckHeaderText("Accept", options.accept));
  for (const auto& [name, value] : options.headers) RETURN_IF_ERROR(CheckHeaderText(name, value));
  return Status::Ok();
}

std::string BuildTarget(const std::string& path, const std::map<std::string, std::string>& query) {
  std::string target = path;
  char separator = '?';
  for (const auto& [key, value] : query) {
    target += separator + PercentEncode(key, false) + "=" + PercentEncode(value, false);
    separator = '&';
  }
  return target;
}

}  // namespace lockstep::http
