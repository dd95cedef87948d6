#include "coordinator/drills.h"

#include <algorithm>

#include "api/names.h"

namespace lockstep::coordinator {
namespace {

const proto::Schedule* LiveSchedule(const std::string& name,
                                    const std::vector<proto::Schedule>& schedules) {
  for (const auto& schedule : schedules) {
    if (schedule.name() == name && !schedule.deleted()) return &schedule;
  }
  return nullptr;
}

bool Answered(const proto::Verification& verification, const std::string& kind) {
  if (verification.kind().empty()) return false;  // never verified
  if (kind == api::kVerifyQuick) return true;     // any verification re-hashed every replica
  return verification.kind() == api::kVerifyDeep || !verification.deep_passed_at().empty();
}

bool Intact(const proto::ReplicaCheck& check) {
  return check.error().empty() && check.sha256_matches() && check.valid();
}

// What is wrong with one replica, as the reason says it.
std::string ReplicaProblem(const proto::ReplicaCheck& check) {
  if (!check.error().empty()) return check.error();
  if (!check.sha256_matches()) return "sha256 " + check.sha256() + " differs from the record's";
  if (check.problems_size() > 0) return check.problems(0);
  return "does not parse";
}

// The deep check ran on a master (it got as far as reading the manifest), as opposed to the
// request for it failing.
bool DeepRan(const proto::DeepCheck& deep) { return !deep.expected_zxid().empty(); }

}  // namespace

std::string AwaitedVerification(const proto::Backup& record,
                                const std::vector<proto::Schedule>& schedules) {
  if (record.deleted() || record.status() != proto::STATUS_READY || record.replicas_size() == 0 ||
      record.schedule().empty()) {
    return "";
  }
  const proto::Schedule* schedule = LiveSchedule(record.schedule(), schedules);
  if (!schedule) return "";
  const std::string& kind = schedule->verify();
  if (kind != api::kVerifyQuick && kind != api::kVerifyDeep) return "";
  return Answered(record.verification(), kind) ? "" : kind;
}

std::vector<Drill> PendingDrills(const std::vector<proto::Schedule>& schedules,
                                 const std::vector<proto::Backup>& catalog) {
  std::vector<const proto::Backup*> awaiting;
  for (const auto& record : catalog) {
    if (!AwaitedVerification(record, schedules).empty()) awaiting.push_back(&record);
  }
  std::sort(awaiting.begin(), awaiting.end(), [](const auto* a, const auto* b) {
    return a->timestamp() != b->timestamp() ? a->timestamp() > b->timestamp() : a->id() > b->id();
  });
  std::vector<Drill> drills;
  for (const proto::Backup* record : awaiting) {
    drills.push_back({.id = record->id(),
                      .kind = AwaitedVerification(*record, schedules),
                      .schedule = record->schedule()});
  }
  return drills;
}

std::string Inconclusive(const proto::VerifyReport& report) {
  std::string silent;
  for (const auto& check : report.replicas()) {
    if (check.reachable() && !Intact(check)) return "";  // a damaged replica is an answer
    if (!check.reachable()) silent += (silent.empty() ? "" : ", ") + check.master();
  }
  const bool deep_asked = report.has_deep();
  if (deep_asked && DeepRan(report.deep()) && !report.deep().ok()) return "";
  if (!silent.empty()) return silent + " did not answer";
  if (deep_asked && !report.deep().ok() && !DeepRan(report.deep())) {
    return "the deep check could not run: " + report.deep().error();
  }
  return "";
}

proto::Verification VerificationOf(const proto::VerifyReport& report, const std::string& kind,
                                   const std::string& trigger, const std::string& verified_at,
                                   double seconds) {
  proto::Verification verification;
  verification.set_verified_at(verified_at);
  verification.set_kind(kind);
  verification.set_passed(report.ok());
  verification.set_trigger(trigger);
  verification.set_seconds(seconds);
  if (kind == api::kVerifyDeep) verification.set_master(report.deep().master());
  if (report.ok()) {
    if (kind == api::kVerifyDeep) verification.set_deep_passed_at(verified_at);
    return verification;
  }
  std::string reason;
  auto add = [&reason](const std::string& part) { reason += (reason.empty() ? "" : "; ") + part; };
  for (const auto& check : report.replicas()) {
    if (!Intact(check)) add("replica on " + check.master() + ": " + ReplicaProblem(check));
  }
  if (kind == api::kVerifyDeep && !report.deep().ok()) {
    const proto::DeepCheck& deep = report.deep();
    add("deep check" + (deep.master().empty() ? "" : " on " + deep.master()) + ": " +
        (deep.error().empty() ? "the scratch server disagrees with the record" : deep.error()));
  }
  if (report.replicas_size() == 0) add("no replica on the masters to check");
  verification.set_reason(reason.empty() ? "the backup is not READY" : reason);
  return verification;
}

void ApplyVerification(proto::Backup& record, proto::Verification verification) {
  if (verification.deep_passed_at().empty()) {
    verification.set_deep_passed_at(record.verification().deep_passed_at());
  }
  *record.mutable_verification() = std::move(verification);
}

}  // namespace lockstep::coordinator
