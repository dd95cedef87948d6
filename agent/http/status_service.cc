#include "agent/http/status_service.h"

#include "agent/http/api_util.h"
#include "agent/http/metrics.h"
#include "common/zxid.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// A stop waits out ZooKeeper's shutdown, up to the controller's grace period and a SIGKILL.
constexpr auto kForwardedActionTimeout = std::chrono::seconds(90);

}  // namespace

proto::ClusterStatus StatusService::ClusterStatus() const {
  proto::ClusterStatus status = context_.masters->Status();
  if (auto coordinator = context_.election->Current()) {
    status.set_coordinator(coordinator->name);
    status.set_coordinator_generation(FormatZxid(static_cast<Zxid>(coordinator->generation)));
  }
  proto::LockState lock = context_.self->LockState();
  if (lock.held()) {
    status.set_current_operation(lock.operation() + " " + lock.id() + " since " + lock.since() +
                                 " (coordinated by " + lock.holder() + ")");
  }
  return status;
}

http::Reply StatusService::Healthz(const http::Request&, const PathParams&) const {
  return {200, "{\"status\":\"ok\",\"master\":\"" + context_.node->options().name + "\"}",
          "application/json"};
}

http::Reply StatusService::Metrics(const http::Request&, const PathParams&) const {
  return {200,
          RenderMetrics(ClusterStatus(), context_.node->options().name, context_.node->controller(),
                        server_, context_.catalog->Local()) +
              (context_.more_metrics ? context_.more_metrics() : ""),
          "text/plain; version=0.0.4"};
}

http::Reply StatusService::Exhibitor(const http::Request&, const PathParams&) const {
  return {200, ExhibitorStatusJson(ClusterStatus()), "application/json"};
}

http::Reply StatusService::Cluster(const http::Request&, const PathParams&) const {
  return JsonReply(ClusterStatus());
}

http::Reply StatusService::Node(const http::Request&, const PathParams&) const {
  return JsonReply(context_.node->Snapshot());
}

http::Reply StatusService::NodeAction(const http::Request& request,
                                      const PathParams& params) const {
  const std::string& name = params.at("name");
  const std::string& action = params.at("action");
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
    if (!request.forwarded_by.empty()) {
      // Forwarded once already: the masters disagree on who NAME is. Say so rather than loop.
      return http::ErrorReply(409, "conflict",
                              request.forwarded_by + " forwarded this action for '" + name +
                                  "' to " + context_.node->options().name +
                                  ", which is not that master: check the peers' urls in "
                                  "agent.toml on " +
                                  request.forwarded_by);
    }
    const std::string url = context_.peers->UrlOf(name);
    if (url.empty()) {
      return http::ErrorReply(
          404, "not_found", "no master named '" + name + "'; `lockstep cluster status` lists them");
    }
    http::Reply forwarded =
        ForwardTo(*context_.client, url, "master '" + name + "'", request,
                  ForwardingAgent{context_.node->options().name, context_.token},
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
