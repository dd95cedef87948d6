#include "coordinator/drills.h"

#include <algorithm>

#include "api/names.h"
#include "common/strings.h"

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
  bool answered = false;
  for (const auto& check : report.replicas()) {
    if (check.reachable() && !Intact(check)) return "";  // a damaged replica is an answer
    answered = answered || check.reachable();
  }
  const bool deep_asked = report.has_deep();
  if (deep_asked && DeepRan(report.deep()) && !report.deep().ok()) return "";
  if (report.replicas_size() == 0) {
    return "no master holds a replica (`backup verify --remote` checks the repository's copy)";
  }
  if (!answered) return "no master holding a replica answered";
  if (deep_asked && !report.deep().ok() && !DeepRan(report.deep())) {
    return "the deep check could not run: " + report.deep().error();
  }
  return "";
}

proto::Verification VerificationOf(const proto::VerifyReport& report, const std::string& kind,
                                   const std::string& trigger, const std::string& verified_at,
                                   double seconds) {
  const bool deep = kind == api::kVerifyDeep;
  std::vector<std::string> damaged;
  std::vector<std::string> silent;
  for (const auto& check : report.replicas()) {
    if (!check.reachable()) {
      silent.push_back("replica on " + check.master() + " not checked: " + check.error());
    } else if (!Intact(check)) {
      damaged.push_back("replica on " + check.master() + ": " + ReplicaProblem(check));
    }
  }
  if (deep && !report.deep().ok()) {
    const proto::DeepCheck& check = report.deep();
    damaged.push_back(
        "deep check" + (check.master().empty() ? "" : " on " + check.master()) + ": " +
        (check.error().empty() ? "the scratch server disagrees with the record" : check.error()));
  }
  proto::Verification verification;
  verification.set_verified_at(verified_at);
  verification.set_kind(kind);
  verification.set_passed(damaged.empty());
  verification.set_trigger(trigger);
  verification.set_seconds(seconds);
  if (deep) verification.set_master(report.deep().master());
  if (deep && verification.passed()) verification.set_deep_passed_at(verified_at);
  // Damage first; a silent master is said too, so a pass does not claim its copy.
  damaged.insert(damaged.end(), silent.begin(), silent.end());
  verification.set_reason(Join(damaged, "; "));
  return verification;
}

void ApplyVerification(proto::Backup& record, proto::Verification verification) {
  if (verification.deep_passed_at().empty()) {
    verification.set_deep_passed_at(record.verification().deep_passed_at());
  }
  *record.mutable_verification() = std::move(verification);
}

}  // namespace lockstep::coordinator
