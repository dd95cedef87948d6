#include "node-agent/agent/api.h"

#include <vector>

#include "common/log.h"
#include "node-agent/agent/api_util.h"
#include "node-agent/agent/cluster_view.h"
#include "node-agent/agent/metrics.h"
#include "node-agent/agent/token.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// A stop waits out ZooKeeper's shutdown, up to the controller's grace period and a SIGKILL.
constexpr auto kForwardedActionTimeout = std::chrono::seconds(90);

}  // namespace

http::Reply Api::Handle(const http::Request& request) const {
  http::Reply reply = Route(request);
  log::Debug("http", {{"method", request.method},
                      {"path", request.path},
                      {"status", std::to_string(reply.status)},
                      {"remote", request.remote}});
  return reply;
}

proto::ClusterStatus Api::ClusterStatus() const {
  proto::ClusterStatus status =
      ComposeClusterStatus(context_.node->Snapshot(), context_.peers->Snapshot(), context_.voters);
  if (context_.election) {
    if (auto coordinator = context_.election->Current()) status.set_coordinator(coordinator->name);
  }
  if (context_.lock) {
    proto::LockState lock = context_.lock->Current();
    if (lock.held()) {
      status.set_current_operation(lock.operation() + " " + lock.id() + " since " + lock.since() +
                                   " (coordinated by " + lock.holder() + ")");
    }
  }
  return status;
}

http::Reply Api::Route(const http::Request& request) const {
  const std::vector<std::string> parts = PathSegments(request.path);
  // Open endpoints: monitoring must keep working without the token, as it did with Exhibitor.
  if (request.path == "/healthz") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return {200, "{\"status\":\"ok\",\"master\":\"" + context_.node->options().name + "\"}",
            "application/json"};
  }
  if (request.path == "/metrics") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return {200,
            RenderMetrics(
                ClusterStatus(), context_.node->options().name, context_.node->controller(),
                context_.server,
                context_.backups ? context_.backups->LocalCatalog() : std::vector<proto::Backup>{}),
            "text/plain; version=0.0.4"};
  }
  if (request.path == "/exhibitor/v1/cluster/status") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
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
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return JsonReply(ClusterStatus());
  }
  if (request.path == "/v1/node/status") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return JsonReply(context_.node->Snapshot());
  }
  if (context_.schedules) {
    if (auto reply = context_.schedules->Handle(request, parts)) return *reply;
  }
  if (context_.restores) {
    if (auto reply = context_.restores->Handle(request, parts)) return *reply;
  }
  if (context_.backups) {
    if (auto reply = context_.backups->Handle(request, parts)) return *reply;
  }
  if (parts.size() == 5 && parts[1] == "nodes" && parts[3] == "zk") {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    return NodeAction(request, parts[2], parts[4]);
  }
  return http::ErrorReply(404, "not_found", "no such endpoint: " + request.path);
}

http::Reply Api::NodeAction(const http::Request& request, const std::string& name,
                            const std::string& action) const {
  if (action != "stop" && action != "start" && action != "restart") {
    return http::ErrorReply(
        404, "not_found", "unknown ZooKeeper action '" + action + "': use stop, start or restart");
  }
  proto::ZkActionRequest body;
  if (!request.body.empty()) {
    Status parsed = proto::FromJson(request.body, &body);
    if (!parsed.ok()) return StatusReply(parsed);
  }
  if (name != context_.node->options().name) {
    const std::string url = context_.peers->UrlOf(name);
    if (url.empty()) {
      return http::ErrorReply(
          404, "not_found", "no master named '" + name + "'; `lockstep cluster status` lists them");
    }
    http::Reply forwarded =
        ForwardTo(*context_.client, url, "master '" + name + "'", request, context_.token,
                  std::chrono::duration_cast<std::chrono::milliseconds>(kForwardedActionTimeout));
    context_.peers->RefreshNow(name);
    return forwarded;
  }
  Result<proto::ZkServerStatus> zk = context_.node->Act(action, body.reason());
  if (!zk.ok()) return StatusReply(zk.status());
  proto::ZkActionReply result;
  result.set_master(name);
  result.set_action(action);
  *result.mutable_zk() = *zk;
  return JsonReply(result);
}

}  // namespace lockstep::agent
