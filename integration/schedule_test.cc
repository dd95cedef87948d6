// Schedules on one real 3-master sandbox: every minute with --keep=2, after four runs exactly the
// two newest READY backups of it remain; with --verify=deep, its backup is restored into a
// scratch ZooKeeper by the coordinator and the record says it passed, while a backup whose every
// replica was damaged records a failure that /metrics shows, and a drill whose coordinator died
// before recording it is run by the next one. Real minutes: the suite takes about eight of them,
// so it is its own ctest entry and runs beside the others.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

#include "common/clock.h"
#include "common/process.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Schedules : public SandboxSuite<Schedules> {
 public:
  static MiniClusterOptions Options() {
    auto options = MiniClusterOptions::WithFreePorts(ScenarioDir("lockstep-schedule-test"), 3);
    options.allow_crash_points = true;  // to kill a coordinator with a drill unrecorded
    return options;
  }

 protected:
  // `backup list PREFIX --json` as records; empty when the CLI fails.
  static proto::BackupList List(const std::string& prefix) {
    CliResult list = RunCli(Args({"--json", "backup", "list", prefix}));
    proto::BackupList backups;
    if (list.exit_code != 0 ||
        !proto::FromJson("{\"backups\":" + list.out + "}", &backups, true).ok()) {
      backups.Clear();
    }
    return backups;
  }
  static std::string Metrics() {
    Result<http::Reply> reply = cluster_->Call(1, "GET", "/metrics");
    return reply.ok() ? reply->body : "";
  }
};

TEST_F(Schedules, EveryMinuteKeepTwoLeavesTheTwoNewestAfterFourRuns) {
  // Refusals first: a bad cron and a name too long for its labels.
  CliResult bad_cron = RunCli(Args({"schedule", "create", "bad", "--cron", "61 * * * *"}));
  EXPECT_EQ(bad_cron.exit_code, 2) << bad_cron.err;
  EXPECT_NE(bad_cron.err.find("minute"), std::string::npos) << bad_cron.err;
  CliResult long_name =
      RunCli(Args({"schedule", "create", "much-too-long", "--cron", "* * * * *"}));
  EXPECT_EQ(long_name.exit_code, 2) << long_name.err;

  CliResult created =
      RunCli(Args({"schedule", "create", "every", "--cron", "* * * * *", "--keep", "2"}));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::regex label("^every-[0-9]{8}-[0-9]{4}$");
  std::set<std::string> seen;  // every backup of the schedule ever listed
  proto::BackupList last;
  auto poll = [&] {
    CliResult list = RunCli(Args({"--json", "backup", "list", "every-"}));
    std::string wrapped = "{\"backups\":" + list.out + "}";
    last.Clear();
    if (list.exit_code != 0 || !proto::FromJson(wrapped, &last, true).ok()) return;
    for (const auto& b : last.backups()) {
      EXPECT_TRUE(std::regex_match(b.label(), label)) << b.label();
      EXPECT_EQ(b.schedule(), "every");
      seen.insert(b.id());
    }
  };
  auto ready = [&] {
    int n = 0;
    for (const auto& b : last.backups()) n += b.status() == proto::STATUS_READY;
    return n;
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        poll();
        return seen.size() >= 4;
      },
      330s))
      << "only " << seen.size() << " scheduled runs in 5.5 minutes";
  // Retention runs on the coordinator's next pass.
  EXPECT_TRUE(WaitFor(
      [&] {
        poll();
        return ready() == 2 && last.backups_size() == 2;
      },
      30s))
      << last.DebugString();
  // The two kept are the newest runs.
  std::vector<std::string> labels;
  for (const auto& b : last.backups()) labels.push_back(b.label());
  std::vector<std::string> all_labels;
  for (const auto& id : seen) all_labels.push_back(id.substr(0, id.size() - 37));
  std::sort(all_labels.begin(), all_labels.end());
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels.back(), all_labels.back());
  ASSERT_EQ(RunCli(Args({"schedule", "delete", "every"})).exit_code, 0);
  CliResult schedules = RunCli(Args({"schedule", "list"}));
  EXPECT_NE(schedules.out.find("(no schedules)"), std::string::npos) << schedules.out;
}

// Overwrites 4 KiB in the middle of `path`: its sha256 no longer matches and it no longer parses.
void Damage(const std::string& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file) << path;
  file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  const std::string garbage(4096, '\x5a');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(file.good()) << path;
}

TEST_F(Schedules, ADeepDrillRecordsAPassAndADamagedBackupAFailureThatMetricsShow) {
  CliResult bad =
      RunCli(Args({"schedule", "create", "drill", "--cron", "* * * * *", "--verify", "sometimes"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  ASSERT_EQ(RunCli(Args({"schedule", "create", "drill", "--cron", "* * * * *", "--verify=deep"}))
                .exit_code,
            0);
  proto::ScheduleList schedules;
  CliResult listed = RunCli(Args({"--json", "schedule", "list"}));
  ASSERT_TRUE(proto::FromJson(listed.out, &schedules, true).ok()) << listed.out;
  ASSERT_EQ(schedules.schedules_size(), 1);
  EXPECT_EQ(schedules.schedules(0).verify(), "deep");
  const std::string table = RunCli(Args({"schedule", "list"})).out;
  EXPECT_NE(table.find("VERIFY"), std::string::npos) << table;
  EXPECT_NE(table.find(" deep "), std::string::npos) << table;

  // The first run's backup is drilled by the coordinator once READY (the run is within a minute).
  proto::Backup drilled;
  ASSERT_TRUE(WaitFor(
      [&] {
        const proto::BackupList now = List("drill-");  // alive for the loop
        for (const auto& b : now.backups()) {
          if (b.verification().kind().empty()) continue;
          drilled = b;
          return true;
        }
        return false;
      },
      180s))
      << "no drill recorded in 3 minutes: " << List("drill-").DebugString();
  const proto::Verification& passed = drilled.verification();
  EXPECT_TRUE(passed.passed()) << passed.reason();
  EXPECT_EQ(passed.kind(), "deep");
  EXPECT_EQ(passed.trigger(), "schedule drill");
  EXPECT_EQ(passed.deep_passed_at(), passed.verified_at());
  std::set<std::string> holders;
  for (const auto& replica : drilled.replicas()) holders.insert(replica.master());
  EXPECT_TRUE(holders.count(passed.master())) << "ran on " << passed.master();
  EXPECT_GE(drilled.verification().verified_at(), drilled.finished_at());
  std::cout << "deep drill of " << drilled.id() << " (" << drilled.size_bytes() << " bytes, "
            << drilled.component_status().at("zookeeper").node_count() << " znodes) took "
            << passed.seconds() << " s on " << passed.master() << "\n";
  const std::string human = RunCli(Args({"backup", "list", "drill-"})).out;
  EXPECT_NE(human.find("VERIFIED"), std::string::npos) << human;
  EXPECT_NE(human.find("deep ok"), std::string::npos) << human;
  ASSERT_EQ(RunCli(Args({"schedule", "delete", "drill"})).exit_code, 0);

  // A backup newer than the drilled one, every replica damaged: deep verification fails, names
  // the masters, and the record and /metrics say so.
  proto::Backup damaged;
  ASSERT_TRUE(WaitFor(  // a last scheduled run may still hold the lock (busy, exit 4)
      [&] {
        CliResult created =
            RunCli(Args({"--json", "backup", "create", "--label", "damaged", "--wait"}));
        return created.exit_code == 0 && proto::FromJson(created.out, &damaged, true).ok();
      },
      120s));
  ASSERT_TRUE(WaitFor(
      [&] {
        proto::BackupList now = List(damaged.id());
        if (now.backups_size() == 1) damaged = now.backups(0);
        return damaged.replicas_size() == 3;
      },
      60s))
      << damaged.DebugString();
  for (int i = 1; i <= 3; ++i) {
    Damage(cluster_->master_dir(i) + "/store/backups/" + damaged.id() + ".tar.zst");
  }
  CliResult verify = RunCli(Args({"--json", "backup", "verify", damaged.id(), "--deep"}));
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  proto::VerifyReport report;
  ASSERT_TRUE(proto::FromJson(verify.out, &report, true).ok()) << verify.out;
  EXPECT_EQ(report.not_recorded(), "");
  CliResult shown = RunCli(Args({"--json", "backup", "show", damaged.id()}));
  proto::Backup record;
  ASSERT_TRUE(proto::FromJson(shown.out, &record, true).ok()) << shown.out;
  const proto::Verification& failed = record.verification();
  EXPECT_FALSE(failed.passed());
  EXPECT_EQ(failed.kind(), "deep");
  EXPECT_EQ(failed.trigger(), "backup verify");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_NE(failed.reason().find("replica on " + cluster_->name(i)), std::string::npos)
        << failed.reason();
  }
  EXPECT_NE(failed.reason().find("no intact replica"), std::string::npos) << failed.reason();
  EXPECT_NE(shown.out.find("\"verification\": {"), std::string::npos) << shown.out;
  EXPECT_NE(RunCli(Args({"backup", "list"})).out.find("deep FAILED"), std::string::npos);

  std::string metrics;
  EXPECT_TRUE(WaitFor(
      [&] {
        metrics = Metrics();
        return metrics.find("lockstep_backup_verification_failures 1\n") != std::string::npos;
      },
      20s))
      << metrics;
  EXPECT_NE(metrics.find("lockstep_backup_newest_verified 0\n"), std::string::npos) << metrics;
  const std::regex last_verified("lockstep_backup_last_verified_timestamp_seconds ([0-9]+)\n");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(metrics, match, last_verified)) << metrics;
  const std::optional<Clock::WallTimePoint> drilled_at = ParseUtcTimestamp(passed.verified_at());
  ASSERT_TRUE(drilled_at.has_value());
  EXPECT_GE(
      std::stoll(match[1].str()),  // a last scheduled run may have been drilled after it
      std::chrono::duration_cast<std::chrono::seconds>(drilled_at->time_since_epoch()).count());
}

// The coordinator dies after its drill's check ran but before the result was recorded: the record
// still says unverified, so the next coordinator drills the same backup and records it.
TEST_F(Schedules, ADrillItsCoordinatorDiedBeforeRecordingIsRunByTheNext) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  ASSERT_TRUE(cluster_->ArmCrashPoint(coordinator, "verify.before_record").ok());
  ASSERT_EQ(RunCli(Args({"schedule", "create", "relay", "--cron", "* * * * *", "--verify=deep"}))
                .exit_code,
            0);
  ASSERT_TRUE(WaitFor([&] { return !ProcessAlive(cluster_->agent_pid(coordinator)); }, 180s))
      << "the coordinator never reached a drill's recording";
  ASSERT_TRUE(cluster_->KillAgent(coordinator).ok());  // reap it
  // The first run's backup: the old coordinator's first drill, which died unrecorded, so a
  // verification in its record can only come from the next coordinator.
  proto::Backup interrupted;
  ASSERT_TRUE(WaitFor(
      [&] {
        const proto::BackupList now = List("relay-");
        if (now.backups_size() == 0) return false;
        interrupted = now.backups(0);  // oldest first
        return interrupted.status() == proto::STATUS_READY;
      },
      30s));
  ASSERT_TRUE(WaitFor(
      [&] {
        const proto::BackupList now = List(interrupted.id());
        if (now.backups_size() != 1) return false;
        interrupted = now.backups(0);
        return interrupted.has_verification();
      },
      120s))
      << "the next coordinator did not drill " << interrupted.id();
  EXPECT_TRUE(interrupted.verification().passed()) << interrupted.verification().reason();
  EXPECT_EQ(interrupted.verification().trigger(), "schedule relay");
  EXPECT_NE(interrupted.verification().reason().find("replica on " + cluster_->name(coordinator) +
                                                     " not checked"),
            std::string::npos)
      << "the dead master's copy is not claimed: " << interrupted.verification().reason();
  const int next = cluster_->CoordinatorIndex(coordinator == 1 ? 2 : 1);
  EXPECT_NE(next, coordinator);
  EXPECT_NE(next, 0);
  ASSERT_EQ(RunCli(Args({"schedule", "delete", "relay"})).exit_code, 0);
  ASSERT_TRUE(cluster_->StartAgent(coordinator).ok());
  EXPECT_TRUE(cluster_->WaitHealthy(60s));
}

}  // namespace
}  // namespace lockstep::integration
