// A schedule every minute with --keep=2 on a real 3-master sandbox: after four runs exactly the
// two newest READY backups of it remain. Real minutes: this test takes about five of them, so it
// is its own ctest entry and runs beside the others.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(Schedules, EveryMinuteKeepTwoLeavesTheTwoNewestAfterFourRuns) {
  const std::string dir = ScenarioDir("lockstep-schedule-test");
  MiniCluster cluster(MiniClusterOptions::WithFreePorts(dir, 3));
  ASSERT_TRUE(cluster.Up().ok());
  auto args = [&](std::vector<std::string> rest) { return cluster.CliArgs(std::move(rest)); };
  ASSERT_TRUE(WaitFor([&] { return cluster.CoordinatorIndex() != 0; }, 30s));
  // Refusals first: a bad cron and a name too long for its labels.
  CliResult bad_cron = RunCli(args({"schedule", "create", "bad", "--cron", "61 * * * *"}));
  EXPECT_EQ(bad_cron.exit_code, 2) << bad_cron.err;
  EXPECT_NE(bad_cron.err.find("minute"), std::string::npos) << bad_cron.err;
  CliResult long_name =
      RunCli(args({"schedule", "create", "much-too-long", "--cron", "* * * * *"}));
  EXPECT_EQ(long_name.exit_code, 2) << long_name.err;

  CliResult created =
      RunCli(args({"schedule", "create", "every", "--cron", "* * * * *", "--keep", "2"}));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::regex label("^every-[0-9]{8}-[0-9]{4}$");
  std::set<std::string> seen;  // every backup of the schedule ever listed
  proto::BackupList last;
  auto poll = [&] {
    CliResult list = RunCli(args({"--json", "backup", "list", "every-"}));
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
  ASSERT_EQ(RunCli(args({"schedule", "delete", "every"})).exit_code, 0);
  CliResult schedules = RunCli(args({"schedule", "list"}));
  EXPECT_NE(schedules.out.find("(no schedules)"), std::string::npos) << schedules.out;
}

}  // namespace
}  // namespace lockstep::integration
