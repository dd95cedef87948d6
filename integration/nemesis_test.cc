// A nemesis (issue 17): on three real agents and ZooKeeper servers, each master in a network
// namespace of its own, a seeded schedule of faults on random masters (a whole master paused,
// an agent killed, a master cut off) while a writer writes and a backup is asked during each
// fault. After every step, once the fault is undone, the invariants are checked:
//   * one coordinator: every agent names the same one;
//   * every operation ended: no backup left BACKING_UP, every STATUS_ERROR with its reason;
//   * nothing orphaned: no operation lock held anywhere;
//   * no acknowledged write lost: every write the writer saw acknowledged is on every server.
// At the end a cluster restore of the newest READY backup: every server serves the same tree
// (all restored or all rolled back), and no staging and no unfinished restore journal is left.
// LOCKSTEP_NEMESIS_SEED and LOCKSTEP_NEMESIS_STEPS choose the schedule (the seed is printed, so
// a failing schedule can be replayed); bench/ runs a long one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/paths.h"
#include "api/restore_phase.h"
#include "common/zk_client.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

uint32_t FromEnvironment(const char* name, uint32_t otherwise) {
  const char* value = std::getenv(name);
  return value ? static_cast<uint32_t>(std::strtoul(value, nullptr, 10)) : otherwise;
}

// Creates /nemesis/w-N one after another; a write counts once ZooKeeper acknowledged it.
class Writer {
 public:
  explicit Writer(std::string connect) : connect_(std::move(connect)) {}
  ~Writer() { Stop(); }
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> Acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }

 private:
  void Run() {
    std::unique_ptr<ZkClient> zk;
    for (int n = 0; !stop_;) {
      if (!zk || zk->expired()) {
        auto connected = ZkClient::Connect(connect_, 5s, 10s);
        if (!connected.ok()) {
          std::this_thread::sleep_for(200ms);
          continue;
        }
        zk = std::move(*connected);
        (void)zk->Create("/nemesis", "", ZkClient::OpenAcl(), CreateMode::kPersistent);
      }
      const std::string path = "/nemesis/w-" + std::to_string(n);
      auto created = zk->Create(path, "write " + std::to_string(n), ZkClient::OpenAcl(),
                                CreateMode::kPersistent);
      if (created.ok() || created.status().message().find("exists") != std::string::npos) {
        std::lock_guard lock(mu_);
        if (created.ok()) acknowledged_.push_back(path);
        ++n;
      } else {
        std::this_thread::sleep_for(100ms);  // no quorum reachable right now: try again
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  const std::string connect_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acknowledged_;
  std::thread thread_;
};

enum class Fault { kPause, kKill, kPartition };
const char* NameOf(Fault fault) {
  switch (fault) {
    case Fault::kPause:
      return "pause";
    case Fault::kKill:
      return "kill";
    case Fault::kPartition:
      return "partition";
  }
  return "?";
}

class Nemesis : public SandboxSuite<Nemesis> {
 public:
  static MiniClusterOptions Options() {
    auto options = MiniClusterOptions::WithFreePorts(ScenarioDir("lockstep-nemesis-test"), 3);
    options.netns = true;
    options.lock_lease = 10s;  // a lease a lost holder leaves behind lapses sooner
    return options;
  }

 protected:
  void Apply(Fault fault, int master) {
    switch (fault) {
      case Fault::kPause:
        ASSERT_TRUE(cluster_->PauseAgent(master).ok());
        ASSERT_TRUE(cluster_->PauseZk(master).ok());
        break;
      case Fault::kKill:
        ASSERT_TRUE(cluster_->KillAgent(master).ok());
        break;
      case Fault::kPartition:
        ASSERT_TRUE(cluster_->partitions()->Partition({master}).ok());
        break;
    }
  }
  void Undo(Fault fault, int master) {
    switch (fault) {
      case Fault::kPause:
        ASSERT_TRUE(cluster_->ResumeZk(master).ok());
        ASSERT_TRUE(cluster_->ResumeAgent(master).ok());
        break;
      case Fault::kKill:
        ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
        break;
      case Fault::kPartition:
        ASSERT_TRUE(cluster_->partitions()->Heal().ok());
        break;
    }
  }

  // The invariants after a step; each broken one is counted and reported.
  int Violations(const std::string& step, Writer& writer) {
    int violations = 0;
    auto violated = [&](const std::string& what) {
      ++violations;
      ADD_FAILURE() << step << ": " << what;
    };
    if (!cluster_->WaitAllHealthy(120s)) violated("the cluster did not become healthy again");
    // One coordinator.
    if (!WaitFor(
            [] {
              const int seen = cluster_->CoordinatorIndex(1);
              return seen != 0 && cluster_->CoordinatorIndex(2) == seen &&
                     cluster_->CoordinatorIndex(3) == seen;
            },
            60s)) {
      violated("the agents do not agree on one coordinator");
    }
    // Every operation ended, with its reason when it failed.
    proto::BackupList list;
    if (!WaitFor(
            [&] {
              CliResult listed = RunCli(cluster_->CliArgs({"--json", "backup", "list"}));
              list.Clear();
              std::string wrapped = "{\"backups\": " + listed.out + "}";
              if (!proto::FromJson(wrapped, &list, true).ok()) return false;
              for (const auto& backup : list.backups()) {
                if (backup.status() == proto::STATUS_BACKING_UP) return false;
              }
              return true;
            },
            60s)) {
      violated("a backup is still BACKING_UP after its lease");
    }
    for (const auto& backup : list.backups()) {
      if (backup.status() == proto::STATUS_ERROR && backup.reason().empty()) {
        violated(backup.id() + " failed without a reason");
      }
    }
    // Nothing held.
    for (int i = 1; i <= 3; ++i) {
      bool free = WaitFor(
          [&] {
            auto reply = cluster_->Call(i, "GET", "/v1/internal/lock");
            proto::LockState lock;
            return reply.ok() && reply->status == 200 &&
                   proto::FromJson(reply->body, &lock, true).ok() && !lock.held();
          },
          30s);
      if (!free) violated("an operation lock is still held on m" + std::to_string(i));
    }
    // No acknowledged write lost, on any server.
    const std::vector<std::string> acknowledged = writer.Acknowledged();
    for (int i = 1; i <= 3; ++i) {
      auto zk = ZkClient::Connect(cluster_->zk_endpoint(i), 30s);
      if (!zk.ok()) {
        violated("m" + std::to_string(i) + "'s server does not accept a session");
        continue;
      }
      (void)(*zk)->Sync("/nemesis");
      auto children = (*zk)->Children("/nemesis");
      std::set<std::string> present;
      if (children.ok()) {
        for (const auto& child : *children) present.insert("/nemesis/" + child);
      }
      for (const auto& path : acknowledged) {
        if (!present.count(path)) {
          violated(path + " was acknowledged but is missing on m" + std::to_string(i));
          break;
        }
      }
    }
    return violations;
  }
};

TEST_F(Nemesis, ASeededScheduleOfFaultsBreaksNoInvariant) {
  // Seed 40 draws each fault once, each on another master: kill m3, cut m1 off, pause m2.
  const uint32_t seed = FromEnvironment("LOCKSTEP_NEMESIS_SEED", 40);
  const uint32_t steps = FromEnvironment("LOCKSTEP_NEMESIS_STEPS", 3);
  std::cerr << "nemesis: seed " << seed << ", " << steps
            << " steps (LOCKSTEP_NEMESIS_SEED / LOCKSTEP_NEMESIS_STEPS replay it)\n";
  std::mt19937 rng(seed);
  Writer writer(cluster_->zk_connect());
  writer.Start();
  int violations = 0;
  int ready = 0;
  int failed = 0;
  std::string last_ready;
  for (uint32_t n = 1; n <= steps; ++n) {
    const Fault fault = static_cast<Fault>(rng() % 3);
    const int master = 1 + static_cast<int>(rng() % 3);
    const std::string step =
        "step " + std::to_string(n) + " (" + NameOf(fault) + " m" + std::to_string(master) + ")";
    Apply(fault, master);
    // A backup asked while the fault lasts, from a CLI given every agent, the faulty one first.
    std::string urls = cluster_->url(master);
    for (int i = 1; i <= 3; ++i) {
      if (i != master) urls += "," + cluster_->url(i);
    }
    CliResult asked =
        RunCli({"--cluster", urls, "--token-file", cluster_->token_file(), "--json", "backup",
                "create", "--label", "nemesis", "--component", "zookeeper", "--wait"});
    proto::Backup record;
    if (asked.exit_code == 0 && proto::FromJson(asked.out, &record, true).ok() &&
        record.status() == proto::STATUS_READY) {
      ++ready;
      last_ready = record.id();
    } else {
      ++failed;  // allowed, as long as it ended with its reason (checked below)
    }
    std::cerr << "nemesis: " << step << ": backup " << (record.id().empty() ? "-" : record.id())
              << " "
              << (record.id().empty() ? asked.err + asked.out  // --json: the error is on stdout
                                      : proto::BackupStatus_Name(record.status()))
              << "\n";
    Undo(fault, master);
    violations += Violations(step, writer);
  }
  writer.Stop();

  // The end: a cluster restore of the newest READY backup, all or nothing everywhere.
  ASSERT_FALSE(last_ready.empty()) << "no backup became READY in " << steps << " steps";
  CliResult restored = RunCli(cluster_->CliArgs(
      {"--json", "backup", "restore", last_ready, "--component", "zookeeper", "--yes", "--wait"}));
  EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  ASSERT_TRUE(cluster_->WaitAllHealthy(120s));
  std::vector<TreeDump> trees;
  for (int i = 1; i <= 3; ++i) {
    // A server that has just started can drop a new session once (a connection loss while it
    // settles): read again, for at most 30 s, and say why if it never answers.
    Result<TreeDump> tree = Internal("not read yet");
    WaitFor(
        [&] {
          auto zk = ZkClient::Connect(cluster_->zk_endpoint(i), 30s);
          tree = zk.ok() ? DumpTree(**zk, "/nemesis") : Result<TreeDump>(zk.status());
          return tree.ok();
        },
        30s);
    ASSERT_TRUE(tree.ok()) << "m" << i << ": " << tree.status().ToString();
    trees.push_back(*tree);
  }
  for (int i = 1; i < 3; ++i) {
    if (trees[i] != trees[0]) {
      ++violations;
      ADD_FAILURE() << "m" << i + 1 << " serves another tree than m1 after the restore";
    }
  }
  for (int i = 1; i <= 3; ++i) {
    // Every restore journal ended (done or rolled back) once the restore settled.
    const bool settled = WaitFor(
        [&] {
          auto reply = cluster_->Call(i, "GET", api::paths::kRestoreJournals);
          proto::RestoreJournalList journals;
          if (!reply.ok() || reply->status != 200 ||
              !proto::FromJson(reply->body, &journals, true).ok()) {
            return false;
          }
          for (const auto& journal : journals.journals()) {
            if (!api::restore_phase::IsTerminal(journal.phase())) return false;
          }
          return true;
        },
        60s);
    if (!settled) {
      ++violations;
      ADD_FAILURE() << "an unfinished restore journal is left on m" << i;
    }
    for (const auto& entry : fs::directory_iterator(cluster_->master_dir(i) + "/zk")) {
      if (entry.path().filename().string().find("staging") != std::string::npos) {
        ++violations;
        ADD_FAILURE() << "staging left on m" << i << ": " << entry.path();
      }
    }
  }
  std::cerr << "nemesis: seed " << seed << ": " << steps << " steps, " << steps << " faults, "
            << ready << " backups READY, " << failed << " ended otherwise, " << violations
            << " invariant violations\n";
  EXPECT_EQ(violations, 0);
}

}  // namespace
}  // namespace lockstep::integration
