// `lockstep zk backup|restore` against a real standalone ZooKeeper 3.8 (Debian's package): a tree
// of thousands of znodes with varied sizes, ACLs, ephemeral and sequential nodes; online backup
// under a concurrent writer; offline backup; dcos-zk archives; each restored into a fresh
// directory, served by a new ZooKeeper and compared node for node.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "common/zxid.h"
#include "engine/zk/four_letter.h"
#include "integration/harness.h"
#include "proto/local.pb.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kGroups = 30;
constexpr int kNodesPerGroup = 100;

std::string Payload(std::mt19937& rng, int index) {
  // Sizes from empty to 40 KB, mostly small, like real application state.
  std::uniform_int_distribution<int> size_class(0, 9);
  int cls = size_class(rng);
  size_t size = cls == 0 ? 0 : cls < 7 ? 200 + index % 800 : 10000 + (index * 37) % 30000;
  std::string data(size, '\0');
  for (auto& c : data) c = static_cast<char>('A' + rng() % 64);
  return data;
}

Status LoadTree(ZkClient& zk) {
  std::mt19937 rng(42);
  RETURN_IF_ERROR(
      zk.Create("/data", "root", ZkClient::OpenAcl(), CreateMode::kPersistent).status());
  for (int g = 0; g < kGroups; ++g) {
    std::string group = "/data/g" + std::to_string(g);
    RETURN_IF_ERROR(zk.Create(group, "", ZkClient::OpenAcl(), CreateMode::kPersistent).status());
    for (int n = 0; n < kNodesPerGroup; ++n) {
      auto acl = (n % 7 == 0) ? ZkClient::ReadOnlyAcl() : ZkClient::OpenAcl();
      RETURN_IF_ERROR(
          zk.Create(group + "/n" + std::to_string(n), Payload(rng, n), acl, CreateMode::kPersistent)
              .status());
    }
  }
  RETURN_IF_ERROR(
      zk.Create("/data/seq", "", ZkClient::OpenAcl(), CreateMode::kPersistent).status());
  for (int i = 0; i < 50; ++i) {
    RETURN_IF_ERROR(
        zk.Create("/data/seq/s-", "x", ZkClient::OpenAcl(), CreateMode::kPersistentSequential)
            .status());
  }
  // Updates and deletes so versions and the logs hold more than creates.
  for (int g = 0; g < kGroups; g += 3) {
    RETURN_IF_ERROR(zk.Set("/data/g" + std::to_string(g) + "/n1", "updated"));
    RETURN_IF_ERROR(zk.Delete("/data/g" + std::to_string(g) + "/n2"));
  }
  return Status::Ok();
}

TreeDump Persistent(const TreeDump& dump) {
  TreeDump out;
  for (const auto& [path, node] : dump) {
    if (node.stat.ephemeral_owner == 0) out[path] = node;
  }
  return out;
}

// "" when equal, else the first path that differs (readable where a whole-map diff is not).
std::string FirstDifference(const TreeDump& actual, const TreeDump& expected) {
  for (const auto& [path, node] : expected) {
    auto it = actual.find(path);
    if (it == actual.end()) return "missing " + path;
    if (!(it->second == node)) {
      return "differs at " + path + " (data " + std::to_string(it->second.data.size()) + " vs " +
             std::to_string(node.data.size()) + " bytes, version " +
             std::to_string(it->second.stat.version) + " vs " + std::to_string(node.stat.version) +
             ", cversion " + std::to_string(it->second.stat.cversion) + " vs " +
             std::to_string(node.stat.cversion) + ")";
    }
  }
  for (const auto& [path, node] : actual) {
    if (!expected.count(path)) return "unexpected " + path;
  }
  return "";
}

struct AckedWrite {
  std::string path;
  int64_t czxid;
};

class ZkBackupRestoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ =
        new std::string(fs::temp_directory_path() / ("lockstep-it-" + std::to_string(::getpid())));
    fs::create_directories(*root_);
    source_ =
        new ZkServer({*root_ + "/source", *root_ + "/source/data", "", "127.0.1.1", 0, 512, 500});
    ASSERT_TRUE(source_->Start().ok());
    // The owner's session outlives its snapshot: a restored server expires it one session
    // timeout after it starts, and the online test dumps the restored tree, ephemerals
    // included, after a restore and a JVM start on a loaded machine. 40 s is ZooKeeper's
    // ceiling at tickTime 2000 (20 ticks).
    auto zk = ZkClient::Connect(source_->endpoint(), 10s, 40s);
    ASSERT_TRUE(zk.ok());
    ASSERT_TRUE(LoadTree(**zk).ok());
    owner_ = std::move(zk).value().release();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(owner_
                      ->Create("/data/eph-" + std::to_string(i), "e", ZkClient::OpenAcl(),
                               CreateMode::kEphemeral)
                      .ok());
    }
  }

  static void TearDownTestSuite() {
    delete owner_;
    delete source_;
    std::error_code ec;
    fs::remove_all(*root_, ec);
    delete root_;
  }

  struct Served {
    TreeDump dump;
    zk::SrvrInfo srvr;
  };

  static TreeDump RestoreAndServe(const std::string& archive, const std::string& name) {
    return RestoreAndServeWithInfo(archive, name).dump;
  }

  // Restores `archive` into a fresh directory, starts ZooKeeper on it and dumps its tree.
  static Served RestoreAndServeWithInfo(const std::string& archive, const std::string& name) {
    std::string dir = *root_ + "/" + name;
    CliResult restore = RunCli({"zk", "restore", archive, "--data-dir", dir + "/data", "--json"});
    EXPECT_EQ(restore.exit_code, 0) << restore.err;
    ZkServer server({dir, dir + "/data", "", "127.0.1.1", 0, 512, 100000});
    Status started = server.Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    auto zk = ZkClient::Connect(server.endpoint(), 10s);
    EXPECT_TRUE(zk.ok());
    if (!zk.ok()) return {};
    auto dump = DumpTree(**zk);
    EXPECT_TRUE(dump.ok()) << dump.status().ToString();
    auto srvr = zk::QuerySrvr({"127.0.1.1", server.options().port});
    EXPECT_TRUE(srvr.ok());
    return {dump.ok() ? *dump : TreeDump{}, srvr.ok() ? *srvr : zk::SrvrInfo{}};
  }

  static proto::LocalBackupResult ParseBackup(const CliResult& result) {
    proto::LocalBackupResult parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(result.out, &parsed).ok())
        << result.out;
    return parsed;
  }

  static inline std::string* root_ = nullptr;
  static inline ZkServer* source_ = nullptr;
  static inline ZkClient* owner_ = nullptr;  // holds the ephemeral nodes
};

TEST_F(ZkBackupRestoreTest, OfflineBackupIsRefusedWhileTheServerRuns) {
  std::string archive = *root_ + "/refused.tar.zst";
  CliResult result = RunCli({"zk", "backup", archive, "--zoo-cfg", source_->zoo_cfg()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("answers ruok"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--online"), std::string::npos);
  EXPECT_FALSE(fs::exists(archive));
}

TEST_F(ZkBackupRestoreTest, OnlineBackupUnderWritesIsExactlyTheCommittedStateAtZ) {
  auto base = DumpTree(*owner_, "/data");
  ASSERT_TRUE(base.ok());
  ASSERT_TRUE(owner_->Create("/w", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<AckedWrite> acked;  // guarded by mu until the writer is joined
  auto acked_count = [&] {
    std::lock_guard lock(mu);
    return acked.size();
  };
  std::thread writer([&] {
    auto zk = ZkClient::Connect(source_->endpoint(), 10s);
    if (!zk.ok()) return;
    while (!stop) {
      auto created =
          (*zk)->Create("/w/k-", "payload", ZkClient::OpenAcl(), CreateMode::kPersistentSequential);
      std::lock_guard lock(mu);
      if (created.ok()) acked.push_back({created->first, created->second.czxid});
    }
  });
  ASSERT_TRUE(WaitFor([&] { return acked_count() > 200; }, 30s));  // writes are flowing
  std::string archive = *root_ + "/online.tar.zst";
  CliResult backup =
      RunCli({"zk", "backup", archive, "--online", "--zoo-cfg", source_->zoo_cfg(), "--json"});
  size_t after_backup = acked_count();
  EXPECT_TRUE(WaitFor([&] { return acked_count() > after_backup + 100; }, 30s));
  stop = true;
  writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  auto manifest = ParseBackup(backup).manifest();
  EXPECT_EQ(manifest.mode(), "online");
  int64_t z = *ParseHexZxid(manifest.last_zxid());

  Served served = RestoreAndServeWithInfo(archive, "restored-online");
  const TreeDump& restored = served.dump;
  size_t before_z = 0, after_z = 0;
  for (const auto& write : acked) {
    bool present = restored.count(write.path) > 0;
    if (write.czxid <= z) {
      ++before_z;
      EXPECT_TRUE(present) << write.path << " acknowledged at " << FormatZxid(write.czxid)
                           << " <= Z " << manifest.last_zxid() << " is missing";
    } else {
      ++after_z;
      EXPECT_FALSE(present) << write.path << " written after Z is present";
    }
  }
  EXPECT_GT(before_z, 0u);
  EXPECT_GT(after_z, 0u);  // the writer really ran past the backup's cut
  TreeDump restored_data;
  for (const auto& [path, node] : restored) {
    if (path.starts_with("/data")) restored_data[path] = node;
  }
  EXPECT_EQ(FirstDifference(Persistent(restored_data), Persistent(*base)), "");
  EXPECT_EQ(restored_data.size(), base->size());  // ephemerals of the open session are there too
  EXPECT_EQ(served.srvr.node_count, manifest.node_count());  // as the restored server counts
  EXPECT_GE(served.srvr.zxid, z);  // our own client session adds a transaction
}

TEST_F(ZkBackupRestoreTest, OfflineBackupOfAStoppedServerRestoresTheWholeTree) {
  delete owner_;  // its ephemerals go; a client left connected would only retry a stopped server
  owner_ = nullptr;
  auto reader = ZkClient::Connect(source_->endpoint(), 10s);
  ASSERT_TRUE(reader.ok());
  auto expected = DumpTree(**reader);
  ASSERT_TRUE(expected.ok());
  reader->reset();
  ASSERT_TRUE(source_->Stop().ok());
  std::string archive = *root_ + "/offline.tar.zst";
  CliResult backup =
      RunCli({"zk", "backup", archive, "--zoo-cfg", source_->zoo_cfg(), "--json", "-v"});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.err.find("archived zookeeper/data/version-2/snapshot."), std::string::npos);
  auto manifest = ParseBackup(backup).manifest();
  EXPECT_EQ(manifest.mode(), "offline");
  for (const auto& f : manifest.files()) EXPECT_EQ(f.path().find("myid"), std::string::npos);

  CliResult inspect = RunCli({"zk", "inspect", archive, "--json"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.out;

  TreeDump restored = RestoreAndServe(archive, "restored-offline");
  EXPECT_EQ(FirstDifference(restored, *expected), "");
  EXPECT_GT(restored.size(), static_cast<size_t>(kGroups * kNodesPerGroup));
}

TEST_F(ZkBackupRestoreTest, DcosZkArchiveRestoresAndServes) {
  ASSERT_FALSE(source_->running());
  auto reference = RestoreAndServe(*root_ + "/offline.tar.zst", "reference");
  // The layout dcos-zk writes: ./zookeeper/{snapshot,transactions}/version-2, gzip, no myid.
  std::string stage = *root_ + "/dcos-stage";
  fs::create_directories(stage + "/zookeeper/snapshot");
  fs::create_directories(stage + "/zookeeper/transactions");
  fs::copy(*root_ + "/source/data/version-2", stage + "/zookeeper/snapshot/version-2",
           fs::copy_options::recursive);
  fs::create_directories(stage + "/zookeeper/transactions/version-2");
  for (const auto& entry : fs::directory_iterator(stage + "/zookeeper/snapshot/version-2")) {
    if (entry.path().filename().string().starts_with("log.")) {
      fs::rename(entry.path(),
                 stage + "/zookeeper/transactions/version-2/" + entry.path().filename().string());
    }
  }
  std::string archive = *root_ + "/dcos.tar.gz";
  std::string tar = "tar -C " + stage + " -czf " + archive + " ./zookeeper";
  ASSERT_EQ(std::system(tar.c_str()), 0);
  TreeDump restored = RestoreAndServe(archive, "restored-dcos");
  EXPECT_EQ(FirstDifference(restored, reference), "");
  EXPECT_FALSE(restored.empty());
}

TEST_F(ZkBackupRestoreTest, RestoreIsRefusedWhileAServerRunsAndChangesNothing) {
  std::string dir = *root_ + "/busy";
  ZkServer busy({dir, dir + "/data", "", "127.0.1.1", 0, 256, 100000});
  ASSERT_TRUE(busy.Start().ok());
  auto before = fs::recursive_directory_iterator(dir + "/data");
  size_t files_before = std::distance(before, fs::recursive_directory_iterator());
  CliResult result =
      RunCli({"zk", "restore", *root_ + "/offline.tar.zst", "--zoo-cfg", busy.zoo_cfg()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("server must be down"), std::string::npos) << result.err;
  auto after = fs::recursive_directory_iterator(dir + "/data");
  EXPECT_EQ(std::distance(after, fs::recursive_directory_iterator()),
            static_cast<long>(files_before));
  // Found by its command line too, when the client port is not known (an idle server holds no
  // file open).
  CliResult by_files =
      RunCli({"zk", "restore", *root_ + "/offline.tar.zst", "--data-dir", dir + "/data"});
  EXPECT_EQ(by_files.exit_code, 1);
  EXPECT_NE(by_files.err.find("is a ZooKeeper server configured by"), std::string::npos)
      << by_files.err;
}

}  // namespace
}  // namespace lockstep::integration
