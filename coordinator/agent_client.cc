#include "coordinator/agent_client.h"

#include "api/paths.h"
#include "api/status_http.h"
#include "common/zxid.h"
#include "proto/agent.pb.h"
#include "proto/json.h"

namespace lockstep::coordinator {
namespace {

namespace paths = api::paths;

// Taking or fetching an archive runs as long as the data takes; the call is only cut off when
// the agent stops answering altogether.
constexpr auto kTransferTimeout = std::chrono::hours(6);
// A stop waits out the server's grace period, a start its JVM; a swap is renames.
constexpr auto kRestoreStepTimeout = std::chrono::minutes(5);

}  // namespace

Status NotCoordinator() {
  return Status(StatusCode::kUnavailable,
                std::string(kNotCoordinator) +
                    " (it lost the election); nothing was changed: retry, and the request goes "
                    "to the new coordinator");
}

Result<uint64_t> CurrentGeneration(const Leadership& leadership) {
  const uint64_t generation = leadership ? leadership() : 0;
  if (generation == 0) return NotCoordinator();
  return generation;
}

HttpAgentClient::HttpAgentClient(const http::Client& client, std::string token,
                                 std::chrono::milliseconds timeout, uint64_t generation)
    : client_(client), token_(std::move(token)), timeout_(timeout), generation_(generation) {}

std::unique_ptr<AgentClient> HttpAgentClient::AtGeneration(uint64_t generation) {
  return std::make_unique<HttpAgentClient>(client_, token_, timeout_, generation);
}

Status HttpAgentClient::Call(const Member& member, const std::string& method,
                             const std::string& path, const google::protobuf::Message* request,
                             google::protobuf::Message* reply, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(member.url));
  std::string target = path;
  if (generation_ != 0) {
    target += std::string(path.find('?') == std::string::npos ? "?" : "&") + kGenerationParam +
              "=" + FormatZxid(static_cast<Zxid>(generation_));
  }
  http::CallOptions call{.method = method,
                         .target = target,
                         .body = request ? proto::ToCompactJson(*request) : "",
                         .token = token_,
                         .timeout = timeout};
  Result<http::Reply> answer = client_.Call(url, call);
  if (!answer.ok()) return answer.status().Prepend(member.name);
  if (answer->status / 100 != 2) {
    return api::StatusFromReply(*answer, member.name + " " + path).Prepend(member.name);
  }
  if (reply) RETURN_IF_ERROR(proto::FromJson(answer->body, reply, true).Prepend(member.name));
  return Status::Ok();
}

Result<proto::LockState> HttpAgentClient::Lock(const Member& member,
                                               const proto::LockRequest& request) {
  proto::LockState state;
  RETURN_IF_ERROR(Call(member, "POST", paths::kLock, &request, &state, timeout_));
  return state;
}

Status HttpAgentClient::Unlock(const Member& member, const std::string& id) {
  proto::LockRequest request;
  request.set_id(id);
  return Call(member, "POST", paths::kLockRelease, &request, nullptr, timeout_);
}

Result<proto::LockState> HttpAgentClient::LockState(const Member& member) {
  proto::LockState state;
  RETURN_IF_ERROR(Call(member, "GET", paths::kLock, nullptr, &state, timeout_));
  return state;
}

Result<proto::TakeReply> HttpAgentClient::Take(const Member& member,
                                               const proto::TakeRequest& request) {
  proto::TakeReply reply;
  RETURN_IF_ERROR(Call(member, "POST", paths::Fill(paths::kReplicaTake, {request.id()}), &request,
                       &reply, kTransferTimeout));
  return reply;
}

Status HttpAgentClient::Fetch(const Member& member, const proto::FetchRequest& request) {
  return Call(member, "POST", paths::Fill(paths::kReplicaFetch, {request.id()}), &request, nullptr,
              kTransferTimeout);
}

Status HttpAgentClient::PutRecord(const Member& member, const proto::Backup& record) {
  return Call(member, "PUT", paths::Fill(paths::kCatalogRecord, {record.id()}), &record, nullptr,
              timeout_);
}

Status HttpAgentClient::RemoveArchive(const Member& member, const std::string& id) {
  return Call(member, "DELETE", paths::Fill(paths::kReplica, {id}), nullptr, nullptr, timeout_);
}

Status HttpAgentClient::PutSchedule(const Member& member, const proto::Schedule& schedule) {
  return Call(member, "PUT", paths::Fill(paths::kScheduleRecord, {schedule.name()}), &schedule,
              nullptr, timeout_);
}

Result<proto::StageReply> HttpAgentClient::Stage(const Member& member,
                                                 const proto::StageRequest& request) {
  proto::StageReply reply;
  RETURN_IF_ERROR(Call(member, "POST",
                       paths::Fill(paths::kRestoreStep, {request.restore_id(), "stage"}), &request,
                       &reply, kTransferTimeout));
  return reply;
}

Result<proto::RestoreJournal> HttpAgentClient::RestoreStep(
    const Member& member, const std::string& step, const proto::RestoreStepRequest& request) {
  proto::RestoreJournal journal;
  RETURN_IF_ERROR(Call(member, "POST",
                       paths::Fill(paths::kRestoreStep, {request.restore_id(), step}), &request,
                       &journal, kRestoreStepTimeout));
  return journal;
}

Result<proto::RestoreJournalList> HttpAgentClient::RestoreJournals(const Member& member) {
  proto::RestoreJournalList list;
  RETURN_IF_ERROR(Call(member, "GET", paths::kRestoreJournals, nullptr, &list, timeout_));
  return list;
}

}  // namespace lockstep::coordinator
