#include "agent/http/audit_service.h"

#include <algorithm>
#include <future>

#include "agent/http/api_util.h"
#include "api/audit_time.h"
#include "api/paths.h"
#include "api/status_http.h"
#include "proto/json.h"

namespace lockstep::agent {

Result<std::string> SinceParam(const http::Request& request) {
  const std::string since = QueryOr(request, "since", "");
  if (since.empty()) return since;
  ASSIGN_OR_RETURN(auto when, api::ParseAuditTime(since));
  return api::AuditTimestamp(when);
}

void SortAndBound(proto::AuditLog* log, size_t limit) {
  auto* entries = log->mutable_entries();
  std::stable_sort(entries->begin(), entries->end(),
                   [](const proto::AuditEntry& a, const proto::AuditEntry& b) {
                     return std::tie(a.time(), a.master()) < std::tie(b.time(), b.master());
                   });
  if (static_cast<size_t>(entries->size()) > limit) {
    entries->DeleteSubrange(0, entries->size() - static_cast<int>(limit));
    log->set_truncated(true);
  }
}

http::Reply AuditService::Local(const http::Request& request, const PathParams&) const {
  Result<std::string> since = SinceParam(request);
  if (!since.ok()) return StatusReply(since.status());
  return JsonReply(log_->Read(*since, kAuditAnswerLimit));
}

http::Reply AuditService::Cluster(const http::Request& request, const PathParams&) const {
  Result<std::string> since = SinceParam(request);
  if (!since.ok()) return StatusReply(since.status());
  return JsonReply(Merged(*since));
}

Result<proto::AuditLog> AuditService::AskPeer(const std::string& url,
                                              const std::string& since) const {
  ASSIGN_OR_RETURN(http::Url parsed, http::ParseUrl(url));
  const std::string target =
      std::string(api::paths::kAuditLog) + (since.empty() ? "" : "?since=" + since);
  ASSIGN_OR_RETURN(http::Reply reply, client_->Call(parsed, {.method = "GET",
                                                             .target = target,
                                                             .token = options_.cluster_secret,
                                                             .accept = http::kProtobufType,
                                                             .timeout = options_.peer_timeout}));
  if (reply.status != 200) return api::StatusFromReply(reply, url + target);
  proto::AuditLog log;
  if (reply.content_type == http::kProtobufType) {
    if (!log.ParseFromString(reply.body)) return Internal(url + " sent an unreadable audit log");
  } else {
    RETURN_IF_ERROR(proto::FromJson(reply.body, &log, true));
  }
  return log;
}

proto::AuditLog AuditService::Merged(const std::string& since) const {
  proto::AuditLog merged = log_->Read(since, kAuditAnswerLimit);
  std::vector<std::pair<std::string, std::future<Result<proto::AuditLog>>>> asked;
  for (const auto& peer : peers_->Snapshot()) {
    if (!peer.agent_reachable()) {
      merged.add_missing(peer.name() + ": agent unreachable (" + peer.error() + ")");
      continue;
    }
    asked.emplace_back(peer.name(),
                       std::async(std::launch::async, [this, url = peer.address(), since] {
                         return AskPeer(url, since);
                       }));
  }
  for (auto& [name, answer] : asked) {
    Result<proto::AuditLog> log = answer.get();
    if (!log.ok()) {
      merged.add_missing(name + ": " + log.status().message());
      continue;
    }
    for (auto& entry : *log->mutable_entries()) *merged.add_entries() = std::move(entry);
    if (log->truncated()) merged.set_truncated(true);
  }
  SortAndBound(&merged, kAuditAnswerLimit);
  return merged;
}

}  // namespace lockstep::agent
