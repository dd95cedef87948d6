#include "agent/http/verify_service.h"

#include "agent/http/api_util.h"
#include "agent/http/coordinator_route.h"
#include "agent/master/remote_check.h"
#include "agent/master/replica_checks.h"
#include "api/names.h"
#include "api/paths.h"
#include "api/status_http.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "coordinator/agent_client.h"
#include "coordinator/drills.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// Recording is one record pushed to every master: quick, unless an election is settling.
constexpr auto kRecordTimeout = std::chrono::seconds(30);

}  // namespace

VerifyService::VerifyService(std::string token, LocalAgent* self, Catalog* catalog,
                             const MastersView* masters, const http::Client* client,
                             coordinator::Election* election, BackupService* backups, Clock& clock)
    : token_(std::move(token)),
      self_(self),
      catalog_(catalog),
      masters_(masters),
      client_(client),
      election_(election),
      backups_(backups),
      clock_(clock) {}

http::Reply VerifyService::Verify(const http::Request& request, const PathParams& params) {
  Result<proto::Backup> record = catalog_->Find(params.at("id"));
  if (!record.ok()) return StatusReply(record.status());
  if (QueryOr(request, "remote", "") == "1") return VerifyRemote(*record);
  const bool deep = QueryOr(request, "deep", "") == "1";
  return JsonReply(
      VerifyAndRecord(*record, deep ? api::kVerifyDeep : api::kVerifyQuick, "backup verify"));
}

http::Reply VerifyService::VerifyRemote(const proto::Backup& record) {
  if (repository_ == nullptr) {
    return StatusReply(FailedPrecondition(
        "this cluster has no [repository] in agent.toml: there is no remote copy to verify"));
  }
  // Checked here, on the master that was asked: any master can reach the bucket. Not recorded:
  // Backup.verification is about the masters' replicas, the copy has its own status.
  proto::VerifyReport report;
  report.set_id(record.id());
  *report.add_replicas() = CheckRemoteCopy(record, *repository_, self_->replicas());
  const proto::ReplicaCheck& copy = report.replicas(0);
  report.set_ok(copy.error().empty() && copy.sha256_matches() && copy.valid());
  return JsonReply(report);
}

proto::VerifyReport VerifyService::VerifyAndRecord(const proto::Backup& record,
                                                   const std::string& kind,
                                                   const std::string& trigger) {
  const std::string started_at = UtcTimestamp(clock_);
  const Clock::TimePoint start = clock_.Now();
  proto::VerifyReport report =
      VerifyReplicas(record, masters_->View(), *client_, token_, kind == api::kVerifyDeep);
  const double seconds = std::chrono::duration<double>(clock_.Now() - start).count();
  if (std::string why = coordinator::Inconclusive(report); !why.empty()) {
    report.set_not_recorded(why +
                            ": this proves nothing about the backup; run `backup verify` "
                            "again once the masters holding it answer");
    return report;
  }
  proto::Verification verification =
      coordinator::VerificationOf(report, kind, trigger, started_at, seconds);
  CrashPoint("verify.before_record");  // tests: a coordinator dying with a drill unrecorded
  if (Status recorded = RecordAnywhere(record.id(), verification); !recorded.ok()) {
    report.set_not_recorded(recorded.message());
    log::Warn("verification not recorded",
              {{"operation", "verify"}, {"id", record.id()}, {"error", recorded.message()}});
  }
  *report.mutable_verification() = std::move(verification);
  return report;
}

Status VerifyService::RecordAnywhere(const std::string& id,
                                     const proto::Verification& verification) {
  http::Request request;
  request.method = "POST";
  request.path = api::paths::Fill(api::paths::kBackupVerification, {id});
  request.body = proto::ToCompactJson(verification);
  std::optional<http::Reply> forwarded = RouteToCoordinator(
      *election_, *client_, token_, request,
      std::chrono::duration_cast<std::chrono::milliseconds>(kRecordTimeout), clock_);
  if (!forwarded) return RecordHere(id, verification).status();
  if (forwarded->status / 100 != 2) {
    return api::StatusFromReply(*forwarded, "the coordinator")
        .Prepend("the result could not be recorded in " + id + "'s record");
  }
  return Status::Ok();
}

http::Reply VerifyService::Record(const http::Request& request, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  proto::Verification verification;
  if (Status parsed = ParseBody(request, &verification); !parsed.ok()) return StatusReply(parsed);
  if (auto forwarded = RouteToCoordinator(
          *election_, *client_, token_, request,
          std::chrono::duration_cast<std::chrono::milliseconds>(kRecordTimeout), clock_)) {
    return *forwarded;
  }
  return ResultReply(RecordHere(id, verification));
}

Result<proto::Backup> VerifyService::RecordHere(const std::string& id,
                                                const proto::Verification& verification) {
  RETURN_IF_ERROR(
      coordinator::CurrentGeneration([this] { return election_->Generation(); }).status());
  ASSIGN_OR_RETURN(proto::Backup latest, catalog_->Find(id));
  if (latest.deleted()) return NotFound(id + " was deleted; its verification is not kept");
  // Until READY the backup's own job writes its record from memory: a change made beside it
  // could be overwritten, or overwrite the job's.
  if (latest.status() != proto::STATUS_READY) {
    return FailedPrecondition(id + " is " + proto::BackupStatus_Name(latest.status()) +
                              ": only a READY backup's verification is kept");
  }
  coordinator::ApplyVerification(latest, verification);
  backups_->Publish(latest);
  log::Info(verification.passed() ? "verification passed" : "verification FAILED",
            {{"operation", "verify"},
             {"id", id},
             {"kind", verification.kind()},
             {"trigger", verification.trigger()},
             {"deep_on", verification.master()},
             {"seconds", std::to_string(verification.seconds())},
             {"reason", verification.reason()}});
  return latest;
}

}  // namespace lockstep::agent
