#include "agent/http/audit.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "api/audit_time.h"
#include "common/strings.h"

namespace lockstep::agent {
namespace {

// Longest text kept of any field a caller chose.
constexpr size_t kFieldLimit = 256;
// Bodies parsed for a target or an error code: requests and error replies are small; an archive
// or a large answer is not looked into.
constexpr size_t kBodyLimit = 64 * 1024;

// Printable ASCII only (whatever else a caller sent becomes '?', so every entry is valid UTF-8
// and one line), at most kFieldLimit characters.
std::string Bounded(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, kFieldLimit)) out += c >= 0x20 && c < 0x7f ? c : '?';
  if (text.size() > kFieldLimit) out += "...";
  return out;
}

// The string field `key` of a JSON object body, or "".
std::string JsonField(const std::string& body, const std::string& key) {
  if (body.empty() || body.size() > kBodyLimit || body.front() != '{') return "";
  google::protobuf::Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(body, &object, options).ok()) return "";
  auto it = object.fields().find(key);
  return it != object.fields().end() && it->second.has_string_value() ? it->second.string_value()
                                                                      : "";
}

// The path's parameters in the pattern's order ("m1/stop" for /v1/nodes/{name}/zk/{action});
// without any, what the body or query names (a new backup's label, a new schedule's name).
std::string Target(const http::Request& request, const Dispatched& dispatched) {
  std::vector<std::string> values;
  if (dispatched.route) {
    for (const std::string& segment : SplitNonEmpty(dispatched.route->pattern, '/')) {
      if (segment.size() < 3 || segment.front() != '{') continue;
      auto it = dispatched.params.find(segment.substr(1, segment.size() - 2));
      if (it != dispatched.params.end()) values.push_back(it->second);
    }
  }
  if (!values.empty()) return Join(values, "/");
  if (auto label = request.query.find("label"); label != request.query.end()) return label->second;
  for (const char* key : {"label", "name"}) {
    if (std::string value = JsonField(request.body, key); !value.empty()) return value;
  }
  return "";
}

}  // namespace

bool ShouldAudit(const http::Request& request, const http::Reply& reply,
                 const Dispatched& dispatched) {
  const auto& caller = dispatched.caller;
  if (!caller || reply.relayed) return false;
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (read && !(dispatched.route && dispatched.route->audit_reads)) return false;
  if (caller->cluster && !caller->role) return false;  // an agent, on its own routes
  if (dispatched.route && dispatched.route->internal && caller->cluster) return false;
  return dispatched.route || reply.status == 403;
}

proto::AuditEntry MakeAuditEntry(const http::Request& request, const http::Reply& reply,
                                 const Dispatched& dispatched, const std::string& master,
                                 std::chrono::system_clock::time_point now) {
  proto::AuditEntry entry;
  entry.set_time(api::AuditTimestamp(now));
  entry.set_master(master);
  entry.set_via(Bounded(dispatched.via));
  if (dispatched.caller) {
    entry.set_token(dispatched.caller->name);
    entry.set_role(RoleLabel(*dispatched.caller));
  }
  entry.set_client_cert(Bounded(request.client_subject));
  entry.set_remote(Bounded(request.remote));
  entry.set_operation(Bounded(request.method + " " +
                              (dispatched.route ? dispatched.route->pattern : request.path)));
  entry.set_target(Bounded(Target(request, dispatched)));
  entry.set_status(reply.status);
  if (reply.status >= 400) entry.set_code(Bounded(JsonField(reply.body, "code")));
  return entry;
}

}  // namespace lockstep::agent
