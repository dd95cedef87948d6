// Partitions (issue 17): three real agents and ZooKeeper servers, each master in a network
// namespace of its own (netns.h), so that masters can be cut apart while the test still reaches
// every one. The coordinator's master cut off from the other two: the majority elects a new
// coordinator and backs up without it; the cut-off agent acts on nothing; once healed, every
// agent names the same coordinator and the cut-off master catches up its copy. And the sandbox's
// own `up --netns`, `partition` and `heal`.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include "common/file.h"
#include "common/process.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {

using namespace std::chrono_literals;

class Partitions : public SandboxSuite<Partitions> {
 public:
  static MiniClusterOptions Options() {
    auto options = MiniClusterOptions::WithFreePorts(ScenarioDir("lockstep-partition-test"), 3);
    options.netns = true;
    return options;
  }

 protected:
  // The coordinator agent `i` names (0: none, or it does not answer).
  static int CoordinatorSeenBy(int i) { return cluster_->CoordinatorIndex(i); }
};

TEST_F(Partitions, ACoordinatorCutOffLosesItsRoleTheMajorityBacksUpAndAllAgreeOnceHealed) {
  ASSERT_NE(cluster_->partitions(), nullptr);
  const int cut = CoordinatorSeenBy(1);
  ASSERT_NE(cut, 0);
  std::set<int> majority;
  for (int i = 1; i <= 3; ++i) {
    if (i != cut) majority.insert(i);
  }
  ASSERT_TRUE(cluster_->partitions()->Partition({cut}).ok());
  const auto begun = std::chrono::steady_clock::now();
  // If the cut-off master's server led, the majority's servers elect a new leader first; a backup
  // asked meanwhile is refused at once ("no serving follower … `lockstep cluster status` shows
  // why", CI saw it). What this test is about starts once the majority's ZooKeeper serves.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto status = cluster_->ClusterStatus(*majority.begin());
        return status.ok() && status->quorum() && status->leaders() == 1 && status->serving() >= 2;
      },
      60s))
      << "the majority's ZooKeeper never served after m" << cut << " was cut off";

  // The CLI is given every agent, the cut-off one first, as an operator's list might be.
  std::string urls = cluster_->url(cut);
  for (int i : majority) urls += "," + cluster_->url(i);
  CliResult created =
      RunCli({"--cluster", urls, "--token-file", cluster_->token_file(), "--json", "backup",
              "create", "--label", "partitioned", "--component", "zookeeper", "--wait"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  std::cerr << "READY " << seconds << " s after m" << cut << " (the coordinator) was cut off\n";
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  proto::Backup ready;
  ASSERT_TRUE(proto::FromJson(created.out, &ready, true).ok()) << created.out;
  EXPECT_EQ(ready.status(), proto::STATUS_READY) << ready.reason();
  EXPECT_EQ(ready.replicas_size(), 2);
  for (const auto& replica : ready.replicas()) {
    EXPECT_NE(replica.master(), cluster_->name(cut)) << "a copy on the cut-off master";
  }
  // The majority agrees on a new coordinator (an agent whose session was on the cut-off server
  // sees it once it has moved to another server).
  EXPECT_TRUE(WaitFor(
      [&] {
        const int elected = CoordinatorSeenBy(*majority.begin());
        if (elected == 0 || elected == cut) return false;
        for (int i : majority) {
          if (CoordinatorSeenBy(i) != elected) return false;
        }
        return true;
      },
      60s))
      << "the majority does not agree on a new coordinator";
  // The cut-off agent steps down once its server notices it lost the quorum (ZooKeeper's
  // syncLimit); until then it refuses to act, as it cannot confirm its role.
  EXPECT_TRUE(WaitFor([&] { return CoordinatorSeenBy(cut) != cut; }, 60s))
      << "the cut-off agent still calls itself coordinator";

  ASSERT_TRUE(cluster_->partitions()->Heal().ok());
  ASSERT_TRUE(cluster_->WaitAllHealthy(90s));
  ASSERT_TRUE(WaitFor(
      [&] {
        const int seen = CoordinatorSeenBy(1);
        return seen != 0 && CoordinatorSeenBy(2) == seen && CoordinatorSeenBy(3) == seen;
      },
      60s))
      << "the agents disagree on the coordinator after healing";
  proto::Backup caught_up;
  EXPECT_TRUE(WaitFor(
      [&] {
        CliResult shown = RunCli(cluster_->CliArgs({"--json", "backup", "show", ready.id()}));
        return proto::FromJson(shown.out, &caught_up, true).ok() && caught_up.replicas_size() == 3;
      },
      60s))
      << "m" << cut << " never caught up its copy";
}

}  // namespace
}  // namespace lockstep::integration

namespace lockstep::integration {
namespace {

// The sandbox's own commands: `up --netns`, `partition`, `heal`, and a `down` that leaves no
// namespace behind.
TEST(SandboxPartitions, UpPartitionHealDownFromTheCommandLine) {
  const std::string dir = ScenarioDir("lockstep-partition-sandbox");
  auto run = [&](const std::string& args) {
    auto ran = RunShellCommand(std::string(LOCKSTEP_SANDBOX_PATH) + " " + args, 120s);
    return ran.ok() ? *ran : CommandResult{};
  };
  CommandResult up = run("up --dir " + dir + " --netns --zk-port 22681 --agent-port 28770");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  Result<std::string> kept = ReadSmallFile(dir + "/netns", 4096);
  ASSERT_TRUE(kept.ok());
  const std::string tag = kept->substr(0, kept->find(' '));
  auto namespaces = [&] {
    auto listed = RunShellCommand("/usr/sbin/ip netns list", 10s);
    return listed.ok() ? listed->output : "";
  };
  EXPECT_NE(namespaces().find("lockstep-" + tag + "-m1"), std::string::npos) << namespaces();

  CommandResult cut = run("partition --dir " + dir + " m1");
  EXPECT_EQ(cut.exit_code, 0) << cut.output;
  auto routes = RunShellCommand("/usr/sbin/ip -n lockstep-" + tag + "-m1 route show", 10s);
  ASSERT_TRUE(routes.ok());
  EXPECT_NE(routes->output.find("blackhole"), std::string::npos) << routes->output;
  CommandResult refused = run("partition --dir " + dir + " master-one");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.output.find("not a master name"), std::string::npos) << refused.output;
  CommandResult healed = run("heal --dir " + dir);
  EXPECT_EQ(healed.exit_code, 0) << healed.output;
  routes = RunShellCommand("/usr/sbin/ip -n lockstep-" + tag + "-m1 route show", 10s);
  ASSERT_TRUE(routes.ok());
  EXPECT_EQ(routes->output.find("blackhole"), std::string::npos) << routes->output;

  CommandResult down = run("down --dir " + dir);
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(namespaces().find("lockstep-" + tag + "-"), std::string::npos) << namespaces();
}

}  // namespace
}  // namespace lockstep::integration
