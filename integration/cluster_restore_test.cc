// The cluster-wide restore on a real sandbox (issue: restore in lockstep): the tree after a
// restore equals the backup's on every server; a client that saw newer zxids gets back in; a
// corrupt replica is repaired (or refused) and a full disk refused in phase 0 with nothing
// stopped; a server that can't start rolls every master back; the driver killed at each phase
// boundary leaves every master restored or every master rolled back; and a restore with every
// server down. A second suite does the main scenario on 5 masters.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "common/file.h"
#include "common/zxid.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kApp[] = "/app";

// A java that fails for a master whose DIR/mI/java-broken exists, but only on data a restore
// staged after that file appeared (its marker is newer): a server that can't start on restored
// data and starts again on its previous data, as a broken restore would look.
std::string JavaWrapper(const std::string& dir) {
  const std::string path = dir + "/java-wrapper";
  std::ofstream(path) << "#!/bin/sh\n"
                         "for a; do case \"$a\" in *zoo.cfg) d=$(dirname \"$a\");\n"
                         "  if [ -e \"$d/java-broken\" ] && "
                         "[ \"$d/zk/data/.lockstep-restore\" -nt \"$d/java-broken\" ]; then\n"
                         "    echo 'java broken by the test' >&2; exit 1; fi ;; esac; done\n"
                         "exec /usr/bin/java \"$@\"\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

class RestoreSuite : public ::testing::Test {
 protected:
  static MiniCluster* StartCluster(const std::string& name, int masters, int small_disk_master) {
    const std::string dir = ScenarioDir(name);
    auto options = MiniClusterOptions::WithFreePorts(dir, masters);
    options.allow_crash_points = true;
    options.lock_lease = 4s;  // a dead driver's lock lapses quickly
    options.restore_start_timeout = 20s;
    options.restore_compact_min_log_mb = 0;  // the test data is small: compact it anyway
    options.small_disk_master = small_disk_master;
    options.java = JavaWrapper(dir);
    auto* cluster = new MiniCluster(options);
    Status up = cluster->UpWithCoordinator();
    EXPECT_TRUE(up.ok()) << up.ToString();
    return cluster;
  }

  MiniCluster& cluster() { return *cluster_; }

  std::vector<std::string> Args(std::vector<std::string> rest, int agent = 0) {
    return cluster().CliArgs(std::move(rest), agent);
  }

  std::unique_ptr<ZkClient> Connect(const std::string& where = "",
                                    std::chrono::milliseconds session = 10s) {
    auto zk = ZkClient::Connect(where.empty() ? cluster().zk_connect() : where, 30s, session);
    EXPECT_TRUE(zk.ok()) << zk.status().ToString();
    return zk.ok() ? std::move(*zk) : nullptr;
  }

  // A small application tree: nested nodes, varied sizes and ACLs.
  void WriteTree(ZkClient& zk, const std::string& tag) {
    (void)zk.Create(kApp, "root", ZkClient::OpenAcl(), CreateMode::kPersistent);
    for (int i = 0; i < 40; ++i) {
      const std::string path = std::string(kApp) + "/n" + std::to_string(i);
      const std::string data(static_cast<size_t>(i * 97 % 3000), static_cast<char>('a' + i % 26));
      auto acl = i % 5 == 0 ? ZkClient::ReadOnlyAcl() : ZkClient::OpenAcl();
      (void)zk.Create(path, tag + data, acl, CreateMode::kPersistent);
      if (i % 4 == 0) {
        (void)zk.Create(path + "/child", tag, ZkClient::OpenAcl(), CreateMode::kPersistent);
      }
    }
  }

  // Changes made after the backup: set, add and delete.
  void ChangeTree(ZkClient& zk) {
    (void)zk.Delete(std::string(kApp) + "/added");  // left by an earlier scenario
    ASSERT_TRUE(zk.Set(std::string(kApp) + "/n1", "changed").ok());
    ASSERT_TRUE(
        zk.Create(std::string(kApp) + "/added", "new", ZkClient::OpenAcl(), CreateMode::kPersistent)
            .ok());
    ASSERT_TRUE(zk.Delete(std::string(kApp) + "/n4/child").ok());
    ASSERT_TRUE(zk.Delete(std::string(kApp) + "/n4").ok());
  }

  TreeDump AppTree(ZkClient& zk) {
    auto tree = DumpTree(zk, kApp);
    EXPECT_TRUE(tree.ok()) << tree.status().ToString();
    return tree.ok() ? *tree : TreeDump{};
  }

  // Every server's own copy of the application tree.
  std::vector<TreeDump> TreesOnEveryServer() {
    std::vector<TreeDump> trees;
    for (int i = 1; i <= cluster().masters(); ++i) {
      auto zk = Connect(cluster().zk_endpoint(i));
      if (!zk) return {};
      // A follower may lag its leader by a moment: sync through a write of our own first.
      trees.push_back(AppTree(*zk));
    }
    return trees;
  }

  Result<proto::Backup> Backup(const std::string& label) {
    CliResult made = RunCli(
        Args({"--json", "backup", "create", "--label", label, "--mode", "online", "--wait"}));
    proto::Backup record;
    if (!proto::FromJson(made.out, &record, true).ok() || record.status() != proto::STATUS_READY) {
      return Internal("backup create exit " + std::to_string(made.exit_code) + ": " + made.err);
    }
    return record;
  }

  Result<proto::Backup> Show(const std::string& id) {
    CliResult shown = RunCli(Args({"--json", "backup", "show", id}));
    proto::Backup record;
    RETURN_IF_ERROR(proto::FromJson(shown.out, &record, true));
    return record;
  }

  // The restore's record once it has left STATUS_RESTORING.
  Result<proto::RestoreRecord> WaitRestoreSettled(const std::string& backup_id,
                                                  std::chrono::seconds timeout) {
    proto::RestoreRecord last;
    bool settled = WaitFor(
        [&] {
          auto record = Show(backup_id);
          if (!record.ok() || record->restores().empty()) return false;
          last = *record->restores().rbegin();
          return last.status() != proto::STATUS_RESTORING;
        },
        timeout);
    if (!settled) return Internal("restore still " + last.phase() + " after the timeout");
    return last;
  }

  std::vector<pid_t> ZkPids() {
    std::vector<pid_t> pids;
    for (int i = 1; i <= cluster().masters(); ++i) pids.push_back(cluster().zk_pid(i));
    return pids;
  }

  // Staging, failed or rollback directories left beside the live ones.
  std::vector<std::string> LeftoverDirs(const std::string& kind) {
    std::vector<std::string> found;
    for (int i = 1; i <= cluster().masters(); ++i) {
      for (const auto& entry : fs::directory_iterator(cluster().master_dir(i) + "/zk")) {
        if (entry.path().filename().string().find(".lockstep-" + kind) != std::string::npos) {
          found.push_back(entry.path().string());
        }
      }
    }
    return found;
  }

  void ExpectDataDirsPresent() {
    for (int i = 1; i <= cluster().masters(); ++i) {
      EXPECT_TRUE(fs::exists(cluster().master_dir(i) + "/zk/data/version-2")) << "m" << i;
      EXPECT_TRUE(fs::exists(cluster().master_dir(i) + "/zk/datalog/version-2")) << "m" << i;
      EXPECT_TRUE(fs::exists(cluster().master_dir(i) + "/zk/data/myid")) << "m" << i;
    }
  }

  // The restore of `backup` through the CLI, to completion.
  CliResult RestoreAndWait(const std::string& backup_id, int agent = 0) {
    return RunCli(Args(
        {"--json", "backup", "restore", backup_id, "--component", "zookeeper", "--yes", "--wait"},
        agent));
  }

  MiniCluster* cluster_ = nullptr;
};

class Restore : public RestoreSuite {
 protected:
  static void SetUpTestSuite() { shared_ = StartCluster("lockstep-restore-test", 3, 2); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    cluster_ = shared_;
    ASSERT_NE(cluster_, nullptr);
  }
  void TearDown() override {
    for (int i = 1; i <= cluster().masters(); ++i) {
      fs::remove(cluster().master_dir(i) + "/java-broken");
    }
    ASSERT_TRUE(cluster().StartStoppedAgents().ok());
    EXPECT_TRUE(cluster().WaitAllHealthy(90s)) << "cluster did not recover after the test";
  }
  static MiniCluster* shared_;
};
MiniCluster* Restore::shared_ = nullptr;

TEST_F(Restore, RestoresTheTreeEverywhereAndLetsANewerClientBackIn) {
  // Opened before the backup, so the restored ensemble knows its session; it then sees zxids
  // beyond the backup, which a restored ensemble without raised epochs refuses for ever.
  auto client = Connect("", 30s);
  ASSERT_TRUE(client);
  WriteTree(*client, "v1");
  const TreeDump at_backup = AppTree(*client);
  Result<proto::Backup> backup = Backup("restore-main");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ChangeTree(*client);
  ASSERT_NE(AppTree(*client), at_backup);

  CliResult restored = RestoreAndWait(backup->id());
  ASSERT_EQ(restored.exit_code, 0) << restored.err << restored.out;
  proto::RestoreRecord record;
  ASSERT_TRUE(proto::FromJson(restored.out, &record, true).ok()) << restored.out;
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(record.component_status().at("zookeeper").status(), proto::STATUS_READY);
  EXPECT_GT(record.outage_ms(), 0u);
  EXPECT_GT(record.min_epoch(), 0u);

  ASSERT_TRUE(cluster().WaitHealthy(30s));
  for (const TreeDump& tree : TreesOnEveryServer()) EXPECT_EQ(tree, at_backup);
  // The old client reconnects on its own, with the same session, and reads the restored tree.
  ASSERT_TRUE(WaitFor([&] { return client->connected(); }, 40s))
      << "a client that saw newer zxids was not let back in";
  EXPECT_FALSE(client->expired());
  EXPECT_EQ(AppTree(*client), at_backup);
  // The leader is in the raised epoch; rollback copies were removed once confirmed.
  auto status = cluster().ClusterStatus();
  ASSERT_TRUE(status.ok());
  for (const auto& master : status->masters()) {
    if (master.zk().mode() == "leader") {
      EXPECT_GE(ZxidEpoch(*ParseHexZxid(master.zk().zxid())), record.min_epoch());
    }
  }
  EXPECT_TRUE(LeftoverDirs("rollback").empty());
  EXPECT_TRUE(LeftoverDirs("staging").empty());
  ExpectDataDirsPresent();
  auto shown = Show(backup->id());
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->restores_size(), 1);
  EXPECT_EQ(shown->restores(0).status(), proto::STATUS_READY);
}

TEST_F(Restore, TheWholeEnsembleIsNeverRestoredUnasked) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "c");
  Result<proto::Backup> backup = Backup("restore-confirm");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  const auto pids = ZkPids();
  CliResult unconfirmed =
      RunCli(Args({"backup", "restore", backup->id(), "--component", "zookeeper"}));
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.err;
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos) << unconfirmed.err;
  CliResult mixed = RunCli(Args({"backup", "restore", backup->id(), "--component", "zookeeper",
                                 "--component", "marathon", "--yes"}));
  EXPECT_EQ(mixed.exit_code, 2) << mixed.err;
  CliResult unknown =
      RunCli(Args({"backup", "restore", "no-such-1234", "--component", "zookeeper", "--yes"}));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_EQ(ZkPids(), pids) << "a refused restore touched a server";
  auto shown = Show(backup->id());
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->restores_size(), 0);
  // With no component named, the backup's app components are restored (the default marathon),
  // online; never zookeeper.
  CliResult apps = RunCli(Args({"--json", "backup", "restore", backup->id(), "--wait"}));
  ASSERT_EQ(apps.exit_code, 0) << apps.err << apps.out;
  proto::RestoreRecord record;
  ASSERT_TRUE(proto::FromJson(apps.out, &record, true).ok()) << apps.out;
  EXPECT_TRUE(record.component_status().count("marathon"));
  EXPECT_FALSE(record.component_status().count("zookeeper"));
  EXPECT_EQ(ZkPids(), pids) << "an app-component restore touched a server";
}

TEST_F(Restore, CorruptReplicaIsRepairedAndAllCorruptIsRefusedWithNothingStopped) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "r");
  Result<proto::Backup> backup = Backup("restore-corrupt");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto flip = [&](int i) {
    const std::string path =
        cluster().master_dir(i) + "/store/backups/" + backup->id() + ".tar.zst";
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(path) / 2));
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    byte = static_cast<char>(byte ^ 0x40);
    file.write(&byte, 1);
  };
  const auto pids = ZkPids();
  flip(2);
  CliResult dry = RunCli(
      Args({"--json", "backup", "restore", backup->id(), "--component", "zookeeper", "--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  proto::RestorePlan plan;
  ASSERT_TRUE(proto::FromJson(dry.out, &plan, true).ok()) << dry.out;
  ASSERT_EQ(plan.masters_size(), 3);
  for (const auto& master : plan.masters()) {
    EXPECT_EQ(master.repaired(), master.name() == cluster().name(2)) << master.name();
    EXPECT_EQ(master.staged_zxid(), backup->component_status().at("zookeeper").last_zxid());
    // The backup came from a follower (a snapshot and a log): a scratch server compacted it.
    EXPECT_NE(master.compaction().find("compacted into snapshot."), std::string::npos)
        << master.name() << ": " << master.compaction();
  }
  EXPECT_FALSE(plan.discarded().empty());
  EXPECT_EQ(ZkPids(), pids) << "a dry run stopped a server";
  EXPECT_TRUE(LeftoverDirs("staging").empty());

  for (int i = 1; i <= 3; ++i) flip(i);
  CliResult refused = RunCli(
      Args({"backup", "restore", backup->id(), "--component", "zookeeper", "--yes", "--wait"}));
  EXPECT_EQ(refused.exit_code, 1) << refused.err << refused.out;
  EXPECT_NE(refused.out.find("phase 0"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("nothing was stopped"), std::string::npos) << refused.out;
  EXPECT_EQ(ZkPids(), pids) << "a refused restore stopped a server";
  EXPECT_TRUE(LeftoverDirs("staging").empty());
}

TEST_F(Restore, TooLittleFreeDiskOnOneMasterIsRefusedWithNothingStopped) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "d");
  Result<proto::Backup> backup = Backup("restore-disk");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  // Fill m2's small disk (its data directories' filesystem) to 20 MiB short of full.
  const std::string filler = cluster().master_dir(2) + "/zk/filler";
  struct statvfs info {};
  ASSERT_EQ(statvfs((cluster().master_dir(2) + "/zk").c_str(), &info), 0);
  const uint64_t free_bytes = static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
  ASSERT_GT(free_bytes, 40u << 20);
  {
    std::ofstream out(filler, std::ios::binary);
    std::string chunk(1 << 20, 'f');
    for (uint64_t written = 0; written + (20u << 20) < free_bytes; written += chunk.size()) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  const auto pids = ZkPids();
  CliResult refused = RestoreAndWait(backup->id());
  fs::remove(filler);
  EXPECT_EQ(refused.exit_code, 1) << refused.err << refused.out;
  EXPECT_NE(refused.out.find("not enough free disk on " + cluster().name(2)), std::string::npos)
      << refused.out;
  EXPECT_EQ(ZkPids(), pids) << "a restore refused in phase 0 stopped a server";
  EXPECT_TRUE(LeftoverDirs("staging").empty());
}

TEST_F(Restore, AServerThatCannotStartRollsEveryMasterBack) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "j");
  Result<proto::Backup> backup = Backup("restore-java");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ChangeTree(*zk);
  const TreeDump before = AppTree(*zk);
  std::ofstream(cluster().master_dir(2) + "/java-broken") << "x";
  CliResult failed = RestoreAndWait(backup->id());
  fs::remove(cluster().master_dir(2) + "/java-broken");
  EXPECT_EQ(failed.exit_code, 1) << failed.err << failed.out;
  proto::RestoreRecord record;
  ASSERT_TRUE(proto::FromJson(failed.out, &record, true).ok()) << failed.out;
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_EQ(record.component_status().at("zookeeper").status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find(cluster().name(2)), std::string::npos) << record.reason();
  EXPECT_NE(record.reason().find("rolled back: every master serves its previous data again"),
            std::string::npos)
      << record.reason();
  ASSERT_TRUE(cluster().WaitHealthy(60s));
  for (const TreeDump& tree : TreesOnEveryServer()) EXPECT_EQ(tree, before);
  ExpectDataDirsPresent();
  EXPECT_TRUE(LeftoverDirs("staging").empty());
  EXPECT_TRUE(LeftoverDirs("failed").empty());
}

TEST_F(Restore, DriverKilledAtEachPhaseBoundaryEndsConsistent) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "k");
  Result<proto::Backup> backup = Backup("restore-crash");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  const TreeDump at_backup = AppTree(*zk);
  zk.reset();
  struct Case {
    std::string point;
    proto::BackupStatus expected;  // rolled back before every master swapped, resumed after
  };
  for (const Case& c : {Case{"restore.after_stage", proto::STATUS_ERROR},
                        Case{"restore.after_stop", proto::STATUS_ERROR},
                        Case{"restore.after_swap", proto::STATUS_READY},
                        Case{"restore.after_start", proto::STATUS_READY}}) {
    SCOPED_TRACE(c.point);
    ASSERT_TRUE(cluster().WaitAllHealthy(90s));
    auto writer = Connect();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->Set(std::string(kApp) + "/n2", "before " + c.point).ok());
    const TreeDump before = AppTree(*writer);
    writer.reset();
    // Armed everywhere: whichever agent drives (the coordinator may have changed) dies there.
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(cluster().ArmCrashPoint(i, c.point).ok());
    CliResult started = RunCli(
        Args({"--json", "backup", "restore", backup->id(), "--component", "zookeeper", "--yes"}));
    ASSERT_EQ(started.exit_code, 0) << started.err;
    int driver = 0;
    ASSERT_TRUE(WaitFor(
        [&] {
          for (int i = 1; i <= 3; ++i) {
            if (!cluster().AgentAlive(i)) driver = i;
          }
          return driver != 0;
        },
        60s))
        << "no driver reached " << c.point;
    for (int i = 1; i <= 3; ++i) {
      if (i != driver) {
        ASSERT_TRUE(cluster().ArmCrashPoint(i, c.point, 0ms, true).ok());
      }
    }
    ASSERT_TRUE(cluster().StartAgent(driver).ok());
    Result<proto::RestoreRecord> settled = WaitRestoreSettled(backup->id(), 120s);
    ASSERT_TRUE(settled.ok()) << settled.status().ToString();
    EXPECT_EQ(settled->status(), c.expected) << settled->reason();
    ASSERT_TRUE(cluster().WaitAllHealthy(90s));
    ExpectDataDirsPresent();
    const TreeDump& expected = c.expected == proto::STATUS_READY ? at_backup : before;
    for (const TreeDump& tree : TreesOnEveryServer()) EXPECT_EQ(tree, expected);
    EXPECT_TRUE(LeftoverDirs("staging").empty());
  }
}

TEST_F(Restore, SucceedsWithEveryServerDown) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "x");
  Result<proto::Backup> backup = Backup("restore-dark");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  const TreeDump at_backup = AppTree(*zk);
  ChangeTree(*zk);
  zk.reset();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(RunCli(Args({"node", "stop-zk", cluster().name(i)})).exit_code, 0);
  }
  ASSERT_TRUE(WaitFor([&] { return ZkPids() == std::vector<pid_t>(3, 0); }, 30s));
  CliResult restored = RestoreAndWait(backup->id(), 3);
  ASSERT_EQ(restored.exit_code, 0) << restored.err << restored.out;
  ASSERT_TRUE(cluster().WaitHealthy(60s));
  for (const TreeDump& tree : TreesOnEveryServer()) EXPECT_EQ(tree, at_backup);
}

class RestoreFive : public RestoreSuite {
 protected:
  void SetUp() override { cluster_ = StartCluster("lockstep-restore5-test", 5, 0); }
  void TearDown() override { delete cluster_; }
};

TEST_F(RestoreFive, RestoresTheTreeOnFiveMasters) {
  auto zk = Connect();
  ASSERT_TRUE(zk);
  WriteTree(*zk, "five");
  const TreeDump at_backup = AppTree(*zk);
  Result<proto::Backup> backup = Backup("restore-five");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ChangeTree(*zk);
  zk.reset();
  CliResult restored = RestoreAndWait(backup->id());
  ASSERT_EQ(restored.exit_code, 0) << restored.err << restored.out;
  ASSERT_TRUE(cluster().WaitHealthy(60s));
  const auto trees = TreesOnEveryServer();
  ASSERT_EQ(trees.size(), 5u);
  for (const TreeDump& tree : trees) EXPECT_EQ(tree, at_backup);
  ExpectDataDirsPresent();
}

}  // namespace
}  // namespace lockstep::integration
