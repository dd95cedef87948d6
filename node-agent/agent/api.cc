#include "node-agent/agent/api.h"

#include <vector>

#include "common/log.h"
#include "node-agent/agent/cluster_view.h"
#include "node-agent/agent/metrics.h"
#include "node-agent/agent/token.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// A stop waits out ZooKeeper's shutdown, up to the controller's grace period and a SIGKILL.
constexpr auto kForwardedActionTimeout = std::chrono::seconds(90);

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

http::Reply Json(const google::protobuf::Message& message, int status = 200) {
  return http::Reply{status, proto::ToCompactJson(message), "application/json"};
}

http::Reply FromStatus(const Status& status) {
  static const char* kCodes[] = {"ok", "bad_request", "not_found", "busy", "unavailable",
                                 "failed_precondition", "corruption", "io_error", "internal"};
  return http::ErrorReply(HttpStatusFor(status), kCodes[static_cast<int>(status.code())],
                          status.message());
}

bool Requires(const std::string& method, const http::Request& request, http::Reply* reply) {
  if (request.method == method) return true;
  *reply = http::ErrorReply(405, "method_not_allowed",
                            request.path + " accepts " + method + ", not " + request.method);
  return false;
}

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kBusy: return 409;
    case StatusCode::kFailedPrecondition: return 412;
    case StatusCode::kUnavailable: return 502;
    default: return 500;
  }
}

http::Reply Api::Handle(const http::Request& request) const {
  http::Reply reply = Route(request);
  log::Debug("http", {{"method", request.method}, {"path", request.path},
                      {"status", std::to_string(reply.status)}, {"remote", request.remote}});
  return reply;
}

proto::ClusterStatus Api::ClusterStatus() const {
  return ComposeClusterStatus(context_.node->Snapshot(), context_.peers->Snapshot(),
                              context_.voters);
}

http::Reply Api::Route(const http::Request& request) const {
  const std::vector<std::string> parts = Segments(request.path);
  http::Reply reply;
  // Open endpoints: monitoring must keep working without the token, as it did with Exhibitor.
  if (request.path == "/healthz") {
    if (!Requires("GET", request, &reply)) return reply;
    return {200, "{\"status\":\"ok\",\"master\":\"" + context_.node->options().name + "\"}",
            "application/json"};
  }
  if (request.path == "/metrics") {
    if (!Requires("GET", request, &reply)) return reply;
    return {200,
            RenderMetrics(ClusterStatus(), context_.node->options().name,
                          context_.node->controller(), context_.server),
            "text/plain; version=0.0.4"};
  }
  if (request.path == "/exhibitor/v1/cluster/status") {
    if (!Requires("GET", request, &reply)) return reply;
    return {200, ExhibitorStatusJson(ClusterStatus()), "application/json"};
  }
  if (parts.empty() || parts[0] != "v1") {
    return http::ErrorReply(404, "not_found", "no such endpoint: " + request.path);
  }
  if (!BearerMatches(request.authorization, context_.token)) {
    return http::ErrorReply(401, "unauthorized",
                            "missing or wrong bearer token; pass --token-file (or set "
                            "LOCKSTEP_TOKEN_FILE) with the cluster's token");
  }
  if (request.path == "/v1/cluster/status") {
    if (!Requires("GET", request, &reply)) return reply;
    return Json(ClusterStatus());
  }
  if (request.path == "/v1/node/status") {
    if (!Requires("GET", request, &reply)) return reply;
    return Json(context_.node->Snapshot());
  }
  if (parts.size() == 5 && parts[1] == "nodes" && parts[3] == "zk") {
    if (!Requires("POST", request, &reply)) return reply;
    return NodeAction(request, parts[2], parts[4]);
  }
  return http::ErrorReply(404, "not_found", "no such endpoint: " + request.path);
}

http::Reply Api::NodeAction(const http::Request& request, const std::string& name,
                            const std::string& action) const {
  if (action != "stop" && action != "start" && action != "restart") {
    return http::ErrorReply(404, "not_found",
                            "unknown ZooKeeper action '" + action + "': use stop, start or restart");
  }
  proto::ZkActionRequest body;
  if (!request.body.empty()) {
    Status parsed = proto::FromJson(request.body, &body);
    if (!parsed.ok()) return FromStatus(parsed);
  }
  if (name != context_.node->options().name) {
    const std::string url = context_.peers->UrlOf(name);
    if (url.empty()) {
      return http::ErrorReply(404, "not_found",
                              "no master named '" + name + "'; `lockstep cluster status` lists them");
    }
    http::Reply forwarded = Forward(request, name, url);
    context_.peers->RefreshNow(name);
    return forwarded;
  }
  Result<proto::ZkServerStatus> zk = context_.node->Act(action, body.reason());
  if (!zk.ok()) return FromStatus(zk.status());
  proto::ZkActionReply result;
  result.set_master(name);
  result.set_action(action);
  *result.mutable_zk() = *zk;
  return Json(result);
}

http::Reply Api::Forward(const http::Request& request, const std::string& name,
                         const std::string& url) const {
  Result<http::Url> parsed = http::ParseUrl(url);
  if (!parsed.ok()) return FromStatus(parsed.status());
  http::CallOptions call{.method = request.method, .target = request.path, .body = request.body,
                         .token = context_.token,
                         .timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
                             kForwardedActionTimeout)};
  Result<http::Reply> reply = context_.client->Call(*parsed, call);
  if (!reply.ok()) {
    return http::ErrorReply(502, "unavailable",
                            "master '" + name + "' did not answer: " + reply.status().message());
  }
  return *reply;
}

}  // namespace lockstep::agent
