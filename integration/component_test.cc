// App components on a real 3-master sandbox (issue: app-state components): a 20,000-node
// /marathon beside other subtrees is backed up online, changed, and restored while every server
// keeps serving; /marathon equals the backup node for node (data and ACLs), everything else
// keeps its changes, and the hooks ran in order. A failing pre-hook leaves its subtree alone; a
// driver killed mid-restore is finished by running the restore again. `backup diff` names
// exactly the changes made since a backup; a spot restore (`--path`, `--to`) brings back one
// deleted subtree of a full backup while every server serves, and refused paths change nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/file.h"
#include "engine/components/dump.h"
#include "engine/zk/four_letter.h"
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

constexpr int kNodes = 20000;

struct Content {
  std::string data;
  std::vector<ZkAcl> acl;
  bool operator==(const Content&) const = default;
};
using Subtree = std::map<std::string, Content>;

// Every node below `root` with its data and ACL.
Subtree ReadSubtree(ZkClient& zk, const std::string& root) {
  Subtree tree;
  Status walked = components::WalkSubtree(zk, root, [&](ZkClient::NodeRead& read) {
    tree[read.path] = {std::move(read.data), std::move(read.acl)};
    return Status::Ok();
  });
  EXPECT_TRUE(walked.ok()) << walked.ToString();
  return tree;
}

// Counts, until stopped, the moments any server of the cluster was not serving.
class ServingWatch {
 public:
  explicit ServingWatch(MiniCluster& cluster)
      : poller_([this, &cluster] {
          while (!stop_) {
            for (int i = 1; i <= 3; ++i) {
              auto srvr = zk::QuerySrvr(*zk::ParseEndpoint(cluster.zk_endpoint(i)), 2s);
              if (!srvr.ok() || !srvr->serving) ++not_serving_;
            }
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~ServingWatch() { Stop(); }
  int Stop() {
    stop_ = true;
    if (poller_.joinable()) poller_.join();
    return not_serving_.load();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> not_serving_{0};
  std::thread poller_;
};

// The `paths` of a diff's kind as a sorted list, for exact comparison.
std::vector<std::string> Sorted(const google::protobuf::RepeatedPtrField<std::string>& paths) {
  std::vector<std::string> out(paths.begin(), paths.end());
  std::sort(out.begin(), out.end());
  return out;
}

class Components : public SandboxSuite<Components> {
 public:
  static MiniClusterOptions Options() {
    const std::string dir = ScenarioDir("lockstep-component-test");
    auto options = MiniClusterOptions::WithFreePorts(dir, 3);
    options.allow_crash_points = true;
    options.lock_lease = 4s;
    options.heap_mb = 512;
    hooks_ = dir + "/hooks.log";
    options.extra_agent_toml =
        "\n[[components]]\nname = \"marathon\"\npath = \"/marathon\"\n"
        "pre_restore = \"echo pre >> " +
        hooks_ +
        "\"\n"
        "post_restore = \"echo post >> " +
        hooks_ +
        "\"\n"
        "\n[[components]]\nname = \"guarded\"\npath = \"/guarded\"\n"
        "pre_restore = \"echo refusing: the app is still running; exit 3\"\n";
    return options;
  }

 protected:
  void TearDown() override {
    ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
    EXPECT_TRUE(cluster_->WaitAllHealthy(60s));
  }

  static std::unique_ptr<ZkClient> Connect() {
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
    EXPECT_TRUE(zk.ok()) << zk.status().ToString();
    return zk.ok() ? std::move(*zk) : nullptr;
  }

  // /marathon: kNodes nodes, three levels deep, sizes from 0 to 500 KB, some read-only ACLs.
  static void WriteMarathon(ZkClient& zk) {
    std::vector<ZkClient::Op> ops;
    size_t bytes = 0;
    auto add = [&](const std::string& path, std::string data, std::vector<ZkAcl> acl) {
      bytes += data.size() + path.size();
      ops.push_back({ZkClient::Op::Kind::kCreate, path, std::move(data), std::move(acl)});
      if (ops.size() >= 500 || bytes > 256 * 1024) {
        Status done = zk.Multi(ops);
        ASSERT_TRUE(done.ok()) << done.ToString();
        ops.clear();
        bytes = 0;
      }
    };
    add("/marathon", "state", ZkClient::OpenAcl());
    int made = 1;
    for (int group = 0; made < kNodes; ++group) {
      const std::string g = "/marathon/g" + std::to_string(group);
      add(g, "group " + std::to_string(group), ZkClient::OpenAcl());
      ++made;
      for (int app = 0; app < 99 && made < kNodes; ++app, ++made) {
        size_t size = static_cast<size_t>((made * 37) % 2000);
        if (made % 2000 == 7) size = 500 * 1024;  // a few large ones
        add(g + "/a" + std::to_string(app), std::string(size, static_cast<char>('a' + made % 26)),
            made % 10 == 3 ? ZkClient::ReadOnlyAcl() : ZkClient::OpenAcl());
      }
    }
    Status done = zk.Multi(ops);
    ASSERT_TRUE(done.ok()) << done.ToString();
  }

  static Result<proto::Backup> Backup(const std::string& label) {
    CliResult made = RunCli(Args({"--json", "backup", "create", "--label", label, "--wait"}));
    proto::Backup record;
    if (!proto::FromJson(made.out, &record, true).ok() || record.status() != proto::STATUS_READY) {
      return Internal("backup create exit " + std::to_string(made.exit_code) + ": " + made.err +
                      made.out);
    }
    return record;
  }

  static void Create(ZkClient& zk, const std::string& path, const std::string& data,
                     std::vector<ZkAcl> acl = ZkClient::OpenAcl()) {
    Status made = zk.Create(path, data, acl, CreateMode::kPersistent).status();
    ASSERT_TRUE(made.ok()) << path << ": " << made.ToString();
  }

  static proto::BackupDiff Diff(const std::string& id, const std::string& path) {
    CliResult ran = RunCli(Args({"--json", "backup", "diff", id, "--path", path}));
    EXPECT_EQ(ran.exit_code, 0) << ran.err << ran.out;
    proto::BackupDiff diff;
    EXPECT_TRUE(proto::FromJson(ran.out, &diff, true).ok()) << ran.err << ran.out;
    return diff;
  }

  static proto::RestoreRecord Restore(const std::string& id, const std::string& component,
                                      int* exit_code) {
    CliResult ran =
        RunCli(Args({"--json", "backup", "restore", id, "--component", component, "--wait"}));
    *exit_code = ran.exit_code;
    proto::RestoreRecord record;
    EXPECT_TRUE(proto::FromJson(ran.out, &record, true).ok()) << ran.err << ran.out;
    return record;
  }

  static std::string hooks_;
};
std::string Components::hooks_;

TEST_F(Components, MarathonIsRestoredNodeForNodeWhileEveryServerServes) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteMarathon(*zk);
  ASSERT_TRUE(
      zk->Create("/elsewhere", "before", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  ASSERT_TRUE(
      zk->Create("/marathon/leader", "me", ZkClient::OpenAcl(), CreateMode::kEphemeral).ok());
  const Subtree at_backup = ReadSubtree(*zk, "/marathon");
  ASSERT_EQ(at_backup.size(), static_cast<size_t>(kNodes) + 1);

  Result<proto::Backup> backup = Backup("components");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ASSERT_TRUE(backup->component_status().count("zookeeper"));
  const auto& marathon = backup->component_status().at("marathon");
  EXPECT_EQ(marathon.node_count(), static_cast<uint32_t>(kNodes) + 1);
  EXPECT_EQ(marathon.root(), "/marathon");
  ASSERT_EQ(marathon.ephemeral_size(), 1);
  EXPECT_EQ(marathon.ephemeral(0), "/marathon/leader");
  EXPECT_FALSE(marathon.zxid_from().empty());

  // Change, add and delete under /marathon and elsewhere.
  ASSERT_TRUE(zk->Set("/marathon/g1/a2", "changed").ok());
  ASSERT_TRUE(zk->Set("/marathon", "changed root").ok());
  ASSERT_TRUE(
      zk->Create("/marathon/g1/added", "new", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  ASSERT_TRUE(
      zk->Create("/marathon/new-group", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  ASSERT_TRUE(
      zk->Create("/marathon/new-group/x", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  for (int app = 0; app < 99; ++app) {
    ASSERT_TRUE(zk->Delete("/marathon/g2/a" + std::to_string(app)).ok());
  }
  ASSERT_TRUE(zk->Delete("/marathon/g2").ok());
  // Read and admin only: the restore can still put the backup's ACL back.
  ASSERT_TRUE(zk->SetAcl("/marathon/g3/a2", {{0x01 | 0x10, "world", "anyone"}}).ok());
  ASSERT_TRUE(zk->Set("/elsewhere", "after").ok());
  ASSERT_NE(ReadSubtree(*zk, "/marathon"), at_backup);

  ServingWatch watch(*cluster_);
  fs::remove(hooks_);
  int exit_code = -1;
  proto::RestoreRecord record = Restore(backup->id(), "marathon", &exit_code);
  const int not_serving = watch.Stop();
  ASSERT_EQ(exit_code, 0) << record.reason();
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(record.component_status().at("marathon").status(), proto::STATUS_READY);
  EXPECT_EQ(not_serving, 0) << "a server stopped serving during a component restore";

  Subtree restored = ReadSubtree(*zk, "/marathon");
  Subtree expected = at_backup;
  expected.erase("/marathon/leader");  // ephemeral: listed, not restored...
  restored.erase("/marathon/leader");  // ...and the live one, our session's, stays
  EXPECT_EQ(restored.size(), expected.size());
  EXPECT_TRUE(restored == expected) << "/marathon differs from the backup";
  auto elsewhere = zk->Get("/elsewhere");
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->first, "after") << "a node outside the component was touched";
  Result<std::string> hooks = ReadSmallFile(hooks_);
  ASSERT_TRUE(hooks.ok()) << hooks.status().ToString();
  EXPECT_EQ(*hooks, "pre\npost\n");
}

TEST_F(Components, AFailingPreHookLeavesTheSubtreeUntouched) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  (void)zk->Create("/guarded", "v1", ZkClient::OpenAcl(), CreateMode::kPersistent);
  ASSERT_TRUE(zk->Set("/guarded", "v1").ok());
  // Narrowed to one component: no data directory, no other component.
  CliResult made = RunCli(Args(
      {"--json", "backup", "create", "--label", "guarded", "--component", "guarded", "--wait"}));
  proto::Backup narrowed;
  ASSERT_TRUE(proto::FromJson(made.out, &narrowed, true).ok()) << made.err << made.out;
  ASSERT_EQ(narrowed.status(), proto::STATUS_READY) << narrowed.reason();
  EXPECT_EQ(narrowed.component_status_size(), 1);
  EXPECT_TRUE(narrowed.component_status().count("guarded"));
  CliResult verified = RunCli(Args({"backup", "verify", narrowed.id()}));
  EXPECT_EQ(verified.exit_code, 0) << verified.err << verified.out;
  Result<proto::Backup> backup = narrowed;
  ASSERT_TRUE(zk->Set("/guarded", "v2").ok());
  int exit_code = -1;
  proto::RestoreRecord record = Restore(backup->id(), "guarded", &exit_code);
  EXPECT_EQ(exit_code, 1);
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  const auto& guarded = record.component_status().at("guarded");
  EXPECT_EQ(guarded.status(), proto::STATUS_ERROR);
  EXPECT_NE(guarded.reason().find("pre-restore hook failed (exit 3)"), std::string::npos)
      << guarded.reason();
  EXPECT_NE(guarded.pre_hook_output().find("refusing"), std::string::npos);
  auto now = zk->Get("/guarded");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->first, "v2") << "a failing pre-hook must leave the subtree untouched";
}

TEST_F(Components, ADriverKilledMidRestoreIsFinishedByRunningItAgain) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  (void)zk->Create("/marathon", "", ZkClient::OpenAcl(), CreateMode::kPersistent);
  const Subtree at_backup = ReadSubtree(*zk, "/marathon");
  Result<proto::Backup> backup = Backup("crash-component");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ASSERT_TRUE(
      zk->Create("/marathon/after", "x", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(cluster_->ArmCrashPoint(i, "component_restore.after_pre_hook").ok());
  }
  CliResult started =
      RunCli(Args({"--json", "backup", "restore", backup->id(), "--component", "marathon"}));
  ASSERT_EQ(started.exit_code, 0) << started.err;
  int driver = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int i = 1; i <= 3; ++i) {
          if (!cluster_->AgentAlive(i)) driver = i;
        }
        return driver != 0;
      },
      60s));
  for (int i = 1; i <= 3; ++i) {
    if (i != driver) {
      ASSERT_TRUE(cluster_->ArmCrashPoint(i, "component_restore.after_pre_hook", 0ms, true).ok());
    }
  }
  ASSERT_TRUE(cluster_->StartAgent(driver).ok());
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  ASSERT_TRUE(WaitFor([] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  // The same command completes the job once the dead driver's lock has lapsed.
  int exit_code = -1;
  proto::RestoreRecord record;
  ASSERT_TRUE(WaitFor(
      [&] {
        record = Restore(backup->id(), "marathon", &exit_code);
        // Busy (4) until the dead driver's lease lapses; unavailable (5) while the election
        // replaces it, if it was the coordinator.
        return exit_code != 4 && exit_code != 5;
      },
      60s));
  EXPECT_EQ(exit_code, 0) << record.reason();
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(ReadSubtree(*zk, "/marathon"), at_backup);
  CliResult shown = RunCli(Args({"--json", "backup", "show", backup->id()}));
  proto::Backup after;
  ASSERT_TRUE(proto::FromJson(shown.out, &after, true).ok());
  ASSERT_EQ(after.restores_size(), 2);
  EXPECT_EQ(after.restores(0).status(), proto::STATUS_ERROR);
  EXPECT_NE(after.restores(0).reason().find("superseded"), std::string::npos)
      << after.restores(0).reason();
}

TEST_F(Components, DiffNamesExactlyTheChangesMadeSinceTheBackup) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  Create(*zk, "/shop", "root");
  for (const std::string name : {"a", "b", "c", "d", "e", "f"}) {
    Create(*zk, "/shop/" + name, "was " + name);
  }
  Create(*zk, "/shop/d/deep", "under d");
  (void)zk->Create("/marathon", "", ZkClient::OpenAcl(), CreateMode::kPersistent);
  (void)zk->Delete("/marathon/spot-check");
  Create(*zk, "/marathon/spot-check", "v1");
  Result<proto::Backup> backup = Backup("diff-base");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();

  Create(*zk, "/shop/new1", "added");
  Create(*zk, "/shop/new2", "added");
  Create(*zk, "/shop/new2/x", "added");
  ASSERT_TRUE(zk->Delete("/shop/c").ok());
  ASSERT_TRUE(zk->Delete("/shop/d/deep").ok());
  ASSERT_TRUE(zk->Delete("/shop/d").ok());
  ASSERT_TRUE(zk->Set("/shop/a", "changed").ok());
  ASSERT_TRUE(zk->Set("/shop/b", "changed").ok());
  ASSERT_TRUE(zk->SetAcl("/shop/e", {{0x01 | 0x10, "world", "anyone"}}).ok());
  ASSERT_TRUE(zk->Set("/shop/f", "was f").ok());  // a write that changes nothing
  ASSERT_TRUE(zk->Set("/marathon/spot-check", "v2").ok());

  // /shop is in no component: read from the full backup's snapshot and logs.
  proto::BackupDiff diff = Diff(backup->id(), "/shop");
  EXPECT_EQ(Sorted(diff.paths().created()),
            (std::vector<std::string>{"/shop/c", "/shop/d", "/shop/d/deep"}));
  EXPECT_EQ(Sorted(diff.paths().deleted()),
            (std::vector<std::string>{"/shop/new1", "/shop/new2", "/shop/new2/x"}));
  EXPECT_EQ(Sorted(diff.paths().data_changed()), (std::vector<std::string>{"/shop/a", "/shop/b"}));
  EXPECT_EQ(Sorted(diff.paths().acl_changed()), (std::vector<std::string>{"/shop/e"}));
  EXPECT_EQ(diff.created(), 3u);
  EXPECT_EQ(diff.deleted(), 3u);
  EXPECT_EQ(diff.data_changed(), 2u);
  EXPECT_EQ(diff.acl_changed(), 1u);
  EXPECT_EQ(diff.unchanged(), 2u);  // /shop and /shop/f
  EXPECT_FALSE(diff.truncated());
  EXPECT_NE(diff.source().find("snapshot"), std::string::npos) << diff.source();

  // Inside a component: read from its dump.
  proto::BackupDiff in_component = Diff(backup->id(), "/marathon/spot-check");
  EXPECT_NE(in_component.source().find("marathon"), std::string::npos) << in_component.source();
  EXPECT_EQ(Sorted(in_component.paths().data_changed()),
            (std::vector<std::string>{"/marathon/spot-check"}));
  EXPECT_EQ(in_component.created() + in_component.deleted() + in_component.acl_changed(), 0u);

  // The human form says the same, and bad input is refused naming it.
  CliResult human = RunCli(Args({"backup", "diff", backup->id(), "--path", "/shop"}));
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("/shop/new2/x"), std::string::npos) << human.out;
  CliResult bad = RunCli(Args({"backup", "diff", backup->id(), "--path", "shop/"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--path"), std::string::npos) << bad.err;
}

TEST_F(Components, ADeletedSubtreeIsRestoredWithPathWhileEveryServerServes) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  Create(*zk, "/store", "store");
  Create(*zk, "/store/keep", "v1");
  Create(*zk, "/store/lost", "lost root");
  for (int i = 0; i < 60; ++i) {
    const std::string child = "/store/lost/c" + std::to_string(i);
    Create(
        *zk, child, std::string(static_cast<size_t>(i * 50), 'x'),
        i % 10 == 5 ? std::vector<ZkAcl>{{0x01 | 0x10, "world", "anyone"}} : ZkClient::OpenAcl());
    if (i % 10 == 0) Create(*zk, child + "/leaf", "leaf " + std::to_string(i));
  }
  const Subtree at_backup = ReadSubtree(*zk, "/store/lost");
  Result<proto::Backup> backup = Backup("spot");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();

  // The accident: the subtree is deleted; its sibling changes afterwards and must keep it.
  std::vector<std::string> deepest_first;
  for (const auto& [path, content] : at_backup) deepest_first.push_back(path);
  std::sort(deepest_first.begin(), deepest_first.end(), [](const auto& a, const auto& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  for (const auto& path : deepest_first) ASSERT_TRUE(zk->Delete(path).ok()) << path;
  ASSERT_TRUE(zk->Set("/store/keep", "v2").ok());
  const Subtree store_before = ReadSubtree(*zk, "/store");

  // Refused: exit 2, nothing changed.
  for (const std::vector<std::string>& refused :
       {std::vector<std::string>{"--path", "/"},
        {"--path", "/zookeeper"},
        {"--path", "/lockstep/x"},
        {"--path", "/store/lost", "--to", "/store/lost/inner"},
        {"--path", "store"},
        {"--to", "/elsewhere"}}) {
    std::vector<std::string> args = {"backup", "restore", backup->id(), "--yes"};
    args.insert(args.end(), refused.begin(), refused.end());
    CliResult ran = RunCli(Args(args));
    EXPECT_EQ(ran.exit_code, 2) << refused[1] << ": " << ran.err;
  }
  // The dry run says what it would do, and does nothing.
  CliResult dry = RunCli(
      Args({"--json", "backup", "restore", backup->id(), "--path", "/store/lost", "--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  proto::BackupDiff plan;
  ASSERT_TRUE(proto::FromJson(dry.out, &plan, true).ok()) << dry.out;
  EXPECT_EQ(plan.created(), at_backup.size());
  EXPECT_EQ(plan.deleted() + plan.data_changed() + plan.acl_changed(), 0u);
  EXPECT_EQ(ReadSubtree(*zk, "/store"), store_before) << "a refused or dry run changed /store";

  ServingWatch watch(*cluster_);
  CliResult ran = RunCli(Args(
      {"--json", "backup", "restore", backup->id(), "--path", "/store/lost", "--yes", "--wait"}));
  const int not_serving = watch.Stop();
  ASSERT_EQ(ran.exit_code, 0) << ran.err << ran.out;
  proto::RestoreRecord record;
  ASSERT_TRUE(proto::FromJson(ran.out, &record, true).ok()) << ran.out;
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(record.path(), "/store/lost");
  EXPECT_EQ(record.to(), "/store/lost");
  EXPECT_EQ(not_serving, 0) << "a server stopped serving during a spot restore";
  EXPECT_EQ(ReadSubtree(*zk, "/store/lost"), at_backup) << "/store/lost differs from the backup";
  auto keep = zk->Get("/store/keep");
  ASSERT_TRUE(keep.ok());
  EXPECT_EQ(keep->first, "v2") << "a node outside the restored subtree was touched";

  // Into another, empty path: the backup's subtree, renamed there, node for node.
  CliResult moved = RunCli(Args({"--json", "backup", "restore", backup->id(), "--path",
                                 "/store/lost", "--to", "/inspect/lost", "--yes", "--wait"}));
  ASSERT_EQ(moved.exit_code, 0) << moved.err << moved.out;
  Subtree expected;
  for (const auto& [path, content] : at_backup) {
    expected["/inspect/lost" + path.substr(std::string("/store/lost").size())] = content;
  }
  EXPECT_EQ(ReadSubtree(*zk, "/inspect/lost"), expected);
  EXPECT_EQ(ReadSubtree(*zk, "/store/lost"), at_backup) << "--to touched the original path";
}

}  // namespace
}  // namespace lockstep::integration
