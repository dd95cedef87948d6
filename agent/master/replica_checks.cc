#include "agent/master/replica_checks.h"

#include <algorithm>
#include <chrono>

#include "api/paths.h"
#include "api/status_http.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;

// Re-hashing and parsing a large archive takes minutes; restoring it into a JVM longer still.
constexpr auto kCheckTimeout = std::chrono::minutes(30);
constexpr auto kDeepTimeout = std::chrono::minutes(60);

// POSTs `path` to `master` and reads its JSON answer into `reply`.
Status AskMaster(const http::Client& client, const std::string& token,
                 const proto::MasterStatus& master, const std::string& path,
                 google::protobuf::Message* reply, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(master.address()));
  ASSIGN_OR_RETURN(
      http::Reply answer,
      client.Call(url, {.method = "POST", .target = path, .token = token, .timeout = timeout}));
  if (answer.status / 100 != 2) return api::StatusFromReply(answer, master.name() + path);
  return proto::FromJson(answer.body, reply, true);
}

}  // namespace

proto::VerifyReport VerifyReplicas(const proto::Backup& record,
                                   const coordinator::ClusterView& view, const http::Client& client,
                                   const std::string& token, bool deep) {
  proto::VerifyReport report;
  report.set_id(record.id());
  bool ok = record.status() == proto::STATUS_READY && record.replicas_size() > 0;
  const proto::MasterStatus* deep_on = nullptr;
  for (const auto& replica : record.replicas()) {
    proto::ReplicaCheck* check = report.add_replicas();
    check->set_master(replica.master());
    auto master = std::find_if(view.masters.begin(), view.masters.end(),
                               [&](const auto& m) { return m.name() == replica.master(); });
    if (master == view.masters.end()) {
      check->set_reachable(true);  // an answer: this replica is gone for good
      check->set_error("not a master of this cluster any more");
      ok = false;
      continue;
    }
    Status asked =
        AskMaster(client, token, *master,
                  paths::Fill(paths::kReplicaCheck, {record.id()}) + "?sha256=" + record.sha256(),
                  check, kCheckTimeout);
    if (!asked.ok()) {
      check->set_error(asked.message());
      // A master that answered with an error (it holds no replica) did answer: only silence
      // leaves a check inconclusive (coordinator::Inconclusive).
      check->set_reachable(asked.code() != StatusCode::kUnavailable);
    }
    const bool good = asked.ok() && check->sha256_matches() && check->valid();
    ok = ok && good;
    if (good && !deep_on) deep_on = &*master;
  }
  if (deep) {
    if (!deep_on) {
      report.mutable_deep()->set_error("no intact replica to restore from");
    } else {
      Status asked =
          AskMaster(client, token, *deep_on, paths::Fill(paths::kReplicaDeepVerify, {record.id()}),
                    report.mutable_deep(), kDeepTimeout);
      if (!asked.ok()) report.mutable_deep()->set_error(asked.message());
      report.mutable_deep()->set_master(deep_on->name());
    }
    ok = ok && report.deep().ok();
  }
  report.set_ok(ok);
  return report;
}

}  // namespace lockstep::agent
