// Restore drills: which backups a schedule's --verify still has to prove (the record is the
// to-do list, so a drill nobody recorded is run by the next coordinator), what a verification's
// report becomes in the record, the coordinator's duty running them one at a time with backoff,
// and the /metrics figures read from the records.
#include "coordinator/drills.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "agent/http/metrics.h"
#include "api/names.h"
#include "coordinator/duties/drill_runs.h"
#include "tests/fake_clock.h"

namespace lockstep {
namespace {

using coordinator::ApplyVerification;
using coordinator::AwaitedVerification;
using coordinator::Inconclusive;
using coordinator::PendingDrills;
using coordinator::VerificationOf;

proto::Schedule Schedule(const std::string& name, const std::string& verify) {
  proto::Schedule schedule;
  schedule.set_name(name);
  schedule.set_cron("0 3 * * *");
  schedule.set_verify(verify);
  return schedule;
}

proto::Backup Ready(const std::string& id, const std::string& schedule,
                    const std::string& timestamp = "2026-11-25T03:00:00Z") {
  proto::Backup backup;
  backup.set_id(id);
  backup.set_schedule(schedule);
  backup.set_status(proto::STATUS_READY);
  backup.set_timestamp(timestamp);
  backup.set_finished_at(timestamp);
  backup.add_replicas()->set_master("m1");
  return backup;
}

proto::Verification Verified(const std::string& kind, bool passed,
                             const std::string& at = "2026-11-25T03:05:00Z") {
  proto::Verification verification;
  verification.set_kind(kind);
  verification.set_passed(passed);
  verification.set_verified_at(at);
  if (passed && kind == api::kVerifyDeep) verification.set_deep_passed_at(at);
  return verification;
}

proto::ReplicaCheck Intact(const std::string& master) {
  proto::ReplicaCheck check;
  check.set_master(master);
  check.set_reachable(true);
  check.set_sha256("ab");
  check.set_sha256_matches(true);
  check.set_valid(true);
  return check;
}

proto::ReplicaCheck Silent(const std::string& master) {
  proto::ReplicaCheck check;
  check.set_master(master);
  check.set_error("connect to http://10.0.0.2:8420: connection refused");
  return check;
}

proto::ReplicaCheck Damaged(const std::string& master) {
  proto::ReplicaCheck check = Intact(master);
  check.set_sha256("cd");
  check.set_sha256_matches(false);
  return check;
}

TEST(AwaitedVerification, ADeepScheduleAwaitsADeepVerificationPassedOrFailed) {
  const std::vector<proto::Schedule> schedules = {Schedule("nightly", api::kVerifyDeep)};
  proto::Backup backup = Ready("nightly-1", "nightly");
  EXPECT_EQ(AwaitedVerification(backup, schedules), api::kVerifyDeep);
  *backup.mutable_verification() = Verified(api::kVerifyQuick, true);
  EXPECT_EQ(AwaitedVerification(backup, schedules), api::kVerifyDeep)
      << "a quick check proves nothing about restoring";
  *backup.mutable_verification() = Verified(api::kVerifyDeep, false);
  EXPECT_EQ(AwaitedVerification(backup, schedules), "")
      << "a recorded failure is final for drills; `backup verify --deep` re-runs it";
  *backup.mutable_verification() = Verified(api::kVerifyDeep, true);
  EXPECT_EQ(AwaitedVerification(backup, schedules), "");
  ApplyVerification(backup, Verified(api::kVerifyQuick, true, "2026-11-26T00:00:00Z"));
  EXPECT_EQ(AwaitedVerification(backup, schedules), "")
      << "a later quick check does not undo the deep one";
}

TEST(AwaitedVerification, OnlyReadyBackupsWithReplicasOfALiveScheduleThatAsks) {
  proto::Schedule deleted = Schedule("gone", api::kVerifyDeep);
  deleted.set_deleted(true);
  const std::vector<proto::Schedule> schedules = {
      Schedule("nightly", api::kVerifyDeep), Schedule("plain", api::kVerifyNone),
      Schedule("legacy", ""), Schedule("hashed", api::kVerifyQuick), deleted};
  EXPECT_EQ(AwaitedVerification(Ready("plain-1", "plain"), schedules), "");
  EXPECT_EQ(AwaitedVerification(Ready("legacy-1", "legacy"), schedules), "")
      << "a schedule made before --verify verifies nothing";
  EXPECT_EQ(AwaitedVerification(Ready("gone-1", "gone"), schedules), "");
  EXPECT_EQ(AwaitedVerification(Ready("manual-1", ""), schedules), "");
  EXPECT_EQ(AwaitedVerification(Ready("other-1", "other"), schedules), "");
  proto::Backup backing_up = Ready("nightly-2", "nightly");
  backing_up.set_status(proto::STATUS_BACKING_UP);
  EXPECT_EQ(AwaitedVerification(backing_up, schedules), "") << "never holds a backup back";
  proto::Backup tombstone = Ready("nightly-3", "nightly");
  tombstone.set_deleted(true);
  EXPECT_EQ(AwaitedVerification(tombstone, schedules), "");
  proto::Backup bucket_only = Ready("nightly-4", "nightly");
  bucket_only.clear_replicas();
  EXPECT_EQ(AwaitedVerification(bucket_only, schedules), "")
      << "kept only in the repository: no replica to restore from";
  proto::Backup hashed = Ready("hashed-1", "hashed");
  EXPECT_EQ(AwaitedVerification(hashed, schedules), api::kVerifyQuick);
  *hashed.mutable_verification() = Verified(api::kVerifyQuick, false);
  EXPECT_EQ(AwaitedVerification(hashed, schedules), "");
}

TEST(PendingDrills, NewestFirstAndOnlyThoseAwaiting) {
  const std::vector<proto::Schedule> schedules = {Schedule("nightly", api::kVerifyDeep),
                                                  Schedule("hashed", api::kVerifyQuick)};
  proto::Backup done = Ready("nightly-c", "nightly", "2026-11-27T03:00:00Z");
  *done.mutable_verification() = Verified(api::kVerifyDeep, true);
  const std::vector<proto::Backup> catalog = {Ready("nightly-a", "nightly", "2026-11-25T03:00:00Z"),
                                              Ready("hashed-b", "hashed", "2026-11-26T03:00:00Z"),
                                              done, Ready("manual-d", "", "2026-11-28T03:00:00Z")};
  const std::vector<coordinator::Drill> drills = PendingDrills(schedules, catalog);
  ASSERT_EQ(drills.size(), 2u);
  EXPECT_EQ(drills[0].id, "hashed-b");
  EXPECT_EQ(drills[0].kind, api::kVerifyQuick);
  EXPECT_EQ(drills[1].id, "nightly-a");
  EXPECT_EQ(drills[1].kind, api::kVerifyDeep);
  EXPECT_EQ(drills[1].schedule, "nightly");
}

TEST(Inconclusive, OnlyWhenNoHolderAnsweredOrTheDeepCheckNeverRan) {
  proto::VerifyReport nobody;
  *nobody.add_replicas() = Silent("m1");
  *nobody.add_replicas() = Silent("m2");
  EXPECT_EQ(Inconclusive(nobody), "no master holding a replica answered");
  proto::VerifyReport bucket_only;
  EXPECT_NE(Inconclusive(bucket_only).find("no master holds a replica"), std::string::npos);

  proto::VerifyReport some;
  *some.add_replicas() = Intact("m1");
  *some.add_replicas() = Silent("m2");
  EXPECT_EQ(Inconclusive(some), "") << "a paused master does not hold a drill back";

  proto::VerifyReport damaged;
  *damaged.add_replicas() = Silent("m1");
  *damaged.add_replicas() = Damaged("m2");
  EXPECT_EQ(Inconclusive(damaged), "") << "a damaged replica is an answer";

  proto::VerifyReport deep_failed;
  *deep_failed.add_replicas() = Intact("m1");
  deep_failed.mutable_deep()->set_master("m1");
  deep_failed.mutable_deep()->set_expected_zxid("0x100000005");
  deep_failed.mutable_deep()->set_error("ZooKeeper serves 0x100000003 / 7 znodes");
  EXPECT_EQ(Inconclusive(deep_failed), "") << "the scratch server's disagreement is an answer";

  proto::VerifyReport deep_never_ran;
  *deep_never_ran.add_replicas() = Intact("m1");
  deep_never_ran.mutable_deep()->set_master("m1");
  deep_never_ran.mutable_deep()->set_error("m1/v1/internal/…: timed out");
  EXPECT_NE(Inconclusive(deep_never_ran).find("could not run"), std::string::npos);
}

TEST(VerificationOf, APassedDeepCheckIsProofOfRestorability) {
  proto::VerifyReport report;
  report.set_ok(true);
  *report.add_replicas() = Intact("m1");
  report.mutable_deep()->set_master("m1");
  report.mutable_deep()->set_ok(true);
  const proto::Verification v =
      VerificationOf(report, api::kVerifyDeep, "schedule nightly", "2026-11-25T03:05:00Z", 12.5);
  EXPECT_TRUE(v.passed());
  EXPECT_EQ(v.kind(), "deep");
  EXPECT_EQ(v.master(), "m1");
  EXPECT_EQ(v.trigger(), "schedule nightly");
  EXPECT_EQ(v.verified_at(), "2026-11-25T03:05:00Z");
  EXPECT_EQ(v.deep_passed_at(), "2026-11-25T03:05:00Z");
  EXPECT_DOUBLE_EQ(v.seconds(), 12.5);
  EXPECT_EQ(v.reason(), "");
}

TEST(VerificationOf, ASilentMasterIsNamedButDoesNotFailIt) {
  proto::VerifyReport report;
  report.set_ok(false);  // what `backup verify` reports: not every replica was checked
  *report.add_replicas() = Intact("m1");
  *report.add_replicas() = Silent("m2");
  report.mutable_deep()->set_master("m1");
  report.mutable_deep()->set_ok(true);
  const proto::Verification v =
      VerificationOf(report, api::kVerifyDeep, "schedule nightly", "2026-11-25T03:05:00Z", 3);
  EXPECT_TRUE(v.passed()) << "restored and compared from m1's intact copy";
  EXPECT_EQ(v.deep_passed_at(), "2026-11-25T03:05:00Z");
  EXPECT_EQ(v.reason(),
            "replica on m2 not checked: connect to http://10.0.0.2:8420: connection refused");
}

TEST(VerificationOf, AFailureNamesEveryDamagedReplicaAndTheDeepCheck) {
  proto::VerifyReport report;
  *report.add_replicas() = Damaged("m1");
  *report.add_replicas() = Intact("m2");
  proto::ReplicaCheck missing = Silent("m3");
  missing.set_reachable(true);
  missing.set_error("m3 holds no replica of nightly-1");
  *report.add_replicas() = missing;
  report.mutable_deep()->set_error("no intact replica to restore from");
  const proto::Verification v =
      VerificationOf(report, api::kVerifyDeep, "backup verify", "2026-11-25T03:05:00Z", 1);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.deep_passed_at(), "");
  EXPECT_EQ(v.reason(),
            "replica on m1: sha256 cd differs from the record's; replica on m3: m3 holds no "
            "replica of nightly-1; deep check: no intact replica to restore from");
  *report.add_replicas() = Silent("m4");
  const std::string with_silent =
      VerificationOf(report, api::kVerifyDeep, "backup verify", "2026-11-25T03:05:00Z", 1).reason();
  EXPECT_TRUE(with_silent.ends_with(
      "; replica on m4 not checked: connect to http://10.0.0.2:8420: connection refused"))
      << with_silent;
  const proto::Verification quick =
      VerificationOf(report, api::kVerifyQuick, "backup verify", "2026-11-25T03:05:00Z", 1);
  EXPECT_EQ(quick.reason().find("deep"), std::string::npos) << quick.reason();
  EXPECT_EQ(quick.master(), "");
}

TEST(ApplyVerification, TheLastDeepPassSurvivesLaterChecks) {
  proto::Backup backup = Ready("nightly-1", "nightly");
  ApplyVerification(backup, Verified(api::kVerifyDeep, true, "2026-11-25T03:05:00Z"));
  ApplyVerification(backup, Verified(api::kVerifyQuick, false, "2026-11-26T03:05:00Z"));
  EXPECT_EQ(backup.verification().kind(), "quick");
  EXPECT_FALSE(backup.verification().passed());
  EXPECT_EQ(backup.verification().deep_passed_at(), "2026-11-25T03:05:00Z");
  ApplyVerification(backup, Verified(api::kVerifyDeep, true, "2026-11-27T03:05:00Z"));
  EXPECT_EQ(backup.verification().deep_passed_at(), "2026-11-27T03:05:00Z");
}

// The catalog as the coordinator's verifier leaves it: a recorded result lands in the record.
struct FakeVerifier {
  std::vector<proto::Backup>* catalog;
  std::string not_recorded;  // non-empty: the result is not recorded, for this reason
  std::atomic<int> calls{0};
  std::vector<std::string> verified;  // "id:kind:trigger"

  agent::Drills::Verifier Bind() {
    return
        [this](const proto::Backup& record, const std::string& kind, const std::string& trigger) {
          ++calls;
          verified.push_back(record.id() + ":" + kind + ":" + trigger);
          proto::VerifyReport report;
          report.set_ok(true);
          if (!not_recorded.empty()) {
            report.set_not_recorded(not_recorded);
            return report;
          }
          for (auto& stored : *catalog) {
            if (stored.id() == record.id()) ApplyVerification(stored, Verified(kind, true));
          }
          return report;
        };
  }
};

TEST(Drills, RunsTheNewestPendingOneAtATimeAndRecordsIt) {
  const std::vector<proto::Schedule> schedules = {Schedule("nightly", api::kVerifyDeep)};
  std::vector<proto::Backup> catalog = {Ready("nightly-a", "nightly", "2026-11-25T03:00:00Z"),
                                        Ready("nightly-b", "nightly", "2026-11-26T03:00:00Z")};
  FakeVerifier verifier{.catalog = &catalog};
  testing::FakeClock clock;
  agent::Drills drills(verifier.Bind(), clock);
  drills.Tick(schedules, catalog);
  drills.Wait();
  ASSERT_EQ(verifier.verified, std::vector<std::string>{"nightly-b:deep:schedule nightly"});
  drills.Tick(schedules, catalog);
  drills.Wait();
  EXPECT_EQ(verifier.verified.back(), "nightly-a:deep:schedule nightly");
  drills.Tick(schedules, catalog);
  drills.Wait();
  EXPECT_EQ(verifier.calls, 2) << "both recorded: nothing left to drill";
}

TEST(Drills, AStaleCatalogReadDoesNotRunARecordedDrillAgain) {
  const std::vector<proto::Schedule> schedules = {Schedule("nightly", api::kVerifyDeep)};
  std::vector<proto::Backup> catalog = {Ready("nightly-a", "nightly")};
  const std::vector<proto::Backup> stale = catalog;  // read before the result was recorded
  FakeVerifier verifier{.catalog = &catalog};
  testing::FakeClock clock;
  agent::Drills drills(verifier.Bind(), clock);
  drills.Tick(schedules, catalog);
  drills.Wait();
  drills.Tick(schedules, stale);
  drills.Wait();
  EXPECT_EQ(verifier.calls, 1);
}

TEST(Drills, AnUnrecordedDrillIsRetriedWithBackoffAndByTheNextCoordinator) {
  const std::vector<proto::Schedule> schedules = {Schedule("nightly", api::kVerifyDeep)};
  std::vector<proto::Backup> catalog = {Ready("nightly-a", "nightly")};
  FakeVerifier verifier{.catalog = &catalog, .not_recorded = "m2 did not answer"};
  testing::FakeClock clock;
  {
    agent::Drills drills(verifier.Bind(), clock);
    drills.Tick(schedules, catalog);
    drills.Wait();
    drills.Tick(schedules, catalog);
    drills.Wait();
    EXPECT_EQ(verifier.calls, 1) << "backing off";
    clock.Advance(agent::Drills::Backoff(1));
    drills.Tick(schedules, catalog);
    drills.Wait();
    EXPECT_EQ(verifier.calls, 2);
    clock.Advance(agent::Drills::Backoff(1));
    drills.Tick(schedules, catalog);
    drills.Wait();
    EXPECT_EQ(verifier.calls, 2) << "the second wait is twice as long";
  }
  EXPECT_FALSE(catalog[0].has_verification()) << "the record still says unverified";
  // Its coordinator lost the role mid-drill: the next one finds the record unverified.
  verifier.not_recorded.clear();
  agent::Drills next(verifier.Bind(), clock);
  next.Tick(schedules, catalog);
  next.Wait();
  EXPECT_EQ(verifier.calls, 3);
  EXPECT_TRUE(catalog[0].verification().passed());
}

TEST(Drills, BackoffDoublesFromThirtySecondsToHalfAnHour) {
  EXPECT_EQ(agent::Drills::Backoff(1), std::chrono::seconds(30));
  EXPECT_EQ(agent::Drills::Backoff(2), std::chrono::seconds(60));
  EXPECT_EQ(agent::Drills::Backoff(7), std::chrono::minutes(30));
  EXPECT_EQ(agent::Drills::Backoff(40), std::chrono::minutes(30));
}

class IdleController : public control::ZkController {
 public:
  std::string backend() const override { return "exec"; }
  Status Start() override { return Status::Ok(); }
  Status Stop() override { return Status::Ok(); }
};

std::string Metrics(const std::vector<proto::Backup>& catalog) {
  IdleController controller;
  return agent::RenderMetrics(proto::ClusterStatus(), "m1", controller, nullptr, catalog);
}

TEST(VerificationMetrics, LastDeepPassNewestVerifiedAndFailures) {
  EXPECT_NE(Metrics({}).find("lockstep_backup_newest_verified 0\n"), std::string::npos);
  EXPECT_NE(Metrics({}).find("lockstep_backup_last_verified_timestamp_seconds 0\n"),
            std::string::npos);
  proto::Backup older = Ready("nightly-a", "nightly", "2026-11-25T03:00:00Z");
  ApplyVerification(older, Verified(api::kVerifyDeep, true, "2026-11-25T03:05:00Z"));
  proto::Backup newer = Ready("nightly-b", "nightly", "2026-11-26T03:00:00Z");
  std::string text = Metrics({older, newer});
  EXPECT_NE(text.find("lockstep_backup_last_verified_timestamp_seconds 1795575900\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lockstep_backup_newest_verified 0\n"), std::string::npos)
      << "the newest READY one is not verified yet";
  ApplyVerification(newer, Verified(api::kVerifyDeep, false, "2026-11-26T03:05:00Z"));
  text = Metrics({older, newer});
  EXPECT_NE(text.find("lockstep_backup_verification_failures 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lockstep_backup_newest_verified 0\n"), std::string::npos);
  ApplyVerification(newer, Verified(api::kVerifyDeep, true, "2026-11-26T04:00:00Z"));
  text = Metrics({older, newer});
  EXPECT_NE(text.find("lockstep_backup_newest_verified 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lockstep_backup_verification_failures 0\n"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
