// Continuous archiving on a real 3-master sandbox (issue 14): every acknowledged write reaches
// every master's archive within seconds; the archiver's agent killed mid-run hands the job to
// another follower with no transaction missing; logs purged under a stalled archiver break the
// chain, which the coordinator restarts with a base backup at once.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "common/file.h"
#include "common/zk_client.h"
#include "common/zxid.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/scenario_dir.h"
#include "node-agent/agent/archive_duty.h"
#include "node-agent/archiving/segment_store.h"
#include "proto/archive.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Creates /archive/<prefix>-N as fast as ZooKeeper acknowledges, keeping each write's czxid.
class Writer {
 public:
  Writer(ZkClient* zk, std::string prefix) : zk_(zk), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Zxid> Acknowledged() {
    std::lock_guard lock(mu_);
    return czxids_;
  }

 private:
  void Run() {
    for (int n = 0; !stop_; ++n) {
      auto created = zk_->Create("/archive/" + prefix_ + "-" + std::to_string(n),
                                 std::string(256, 'a'), ZkClient::OpenAcl(),
                                 CreateMode::kPersistent);
      if (created.ok()) {
        std::lock_guard lock(mu_);
        czxids_.push_back(created->second.czxid);
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
  }
  ZkClient* zk_;
  const std::string prefix_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Zxid> czxids_;
  std::thread thread_;
};

class Archiving : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = ScenarioDir("lockstep-archive-test");
    auto options = MiniClusterOptions::WithFreePorts(dir, 3);
    options.archiving = true;
    options.snap_count = 2000;  // logs roll every 1,000-2,000 transactions: purges can bite
    options.lock_lease = 4s;
    cluster_ = new MiniCluster(options);
    Status up = cluster_->UpWithCoordinator();
    ASSERT_TRUE(up.ok()) << up.ToString();
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 20s);
    ASSERT_TRUE(zk.ok()) << zk.status().ToString();
    zk_ = zk->release();
    ASSERT_TRUE(zk_->Create("/archive", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  }
  static void TearDownTestSuite() {
    delete zk_;
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    for (int i = 1; i <= cluster_->masters(); ++i) (void)cluster_->ResumeAgent(i);
    ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
    EXPECT_TRUE(cluster_->WaitAllHealthy(60s)) << "cluster did not recover after the test";
    EXPECT_TRUE(WaitFor([] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  }

  static Result<proto::ArchiveStatus> ArchiveStatus(int agent = 0) {
    CliResult shown = RunCli(cluster_->CliArgs({"--json", "archive", "status"}, agent));
    proto::ArchiveStatus status;
    if (shown.exit_code != 0 || !proto::FromJson(shown.out, &status, true).ok()) {
      return Internal("archive status exit " + std::to_string(shown.exit_code) + ": " +
                      shown.err + shown.out);
    }
    return status;
  }
  static Result<proto::Backup> Base(const std::string& label) {
    CliResult created = RunCli(cluster_->CliArgs(
        {"--json", "backup", "create", "--label", label, "--component", "zookeeper", "--wait"}));
    proto::Backup record;
    if (created.exit_code != 0 || !proto::FromJson(created.out, &record, true).ok()) {
      return Internal("backup create exit " + std::to_string(created.exit_code) + ": " +
                      created.err + created.out);
    }
    return record;
  }
  static int IndexOf(const std::string& name) {
    for (int i = 1; i <= cluster_->masters(); ++i) {
      if (cluster_->name(i) == name) return i;
    }
    return 0;
  }
  // Waits until the coordinator's archive reaches `zxid`; how long that took.
  static std::optional<std::chrono::milliseconds> WaitArchived(Zxid zxid,
                                                               std::chrono::seconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    const bool reached = WaitFor(
        [&] {
          Result<proto::ArchiveStatus> status = ArchiveStatus();
          if (!status.ok()) return false;
          std::optional<Zxid> last = ParseHexZxid(status->last_zxid());
          return last && *last >= zxid;
        },
        timeout);
    if (!reached) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
  }
  // Every zxid in master i's archive, each segment checked (sha256, its records' zxids).
  // Read beside the running agent, without opening a store (which would clear its scratch).
  static Result<std::set<Zxid>> ArchivedZxids(int i) {
    const std::string dir = cluster_->master_dir(i) + "/store/archive";
    std::set<Zxid> zxids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir + "/records", ec)) {
      if (entry.path().extension() != ".json") continue;
      ASSIGN_OR_RETURN(std::string text, ReadSmallFile(entry.path().string()));
      proto::ArchiveSegment record;
      RETURN_IF_ERROR(proto::FromJson(text, &record, true));
      ASSIGN_OR_RETURN(archiving::Segment segment, archiving::SegmentOf(record));
      RETURN_IF_ERROR(archiving::ReadSegment(
          dir + "/segments/" + record.id() + ".zst", segment.info,
          [&](const zkfmt::TxnRecord& txn) { zxids.insert(txn.zxid); }));
    }
    if (ec) return IoError(dir + ": " + ec.message());
    return zxids;
  }
  // The acknowledged writes missing from master i's archive.
  static std::vector<Zxid> Missing(int i, const std::vector<Zxid>& acknowledged) {
    Result<std::set<Zxid>> archived = ArchivedZxids(i);
    EXPECT_TRUE(archived.ok()) << cluster_->name(i) << ": " << archived.status().ToString();
    std::vector<Zxid> missing;
    for (Zxid zxid : acknowledged) {
      if (!archived.ok() || !archived->count(zxid)) missing.push_back(zxid);
    }
    return missing;
  }

  static MiniCluster* cluster_;
  static ZkClient* zk_;
};
MiniCluster* Archiving::cluster_ = nullptr;
ZkClient* Archiving::zk_ = nullptr;

TEST_F(Archiving, EveryAcknowledgedWriteReachesEveryMastersArchiveWithinSeconds) {
  Result<proto::Backup> base = Base("archive-first");
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  Writer writer(zk_, "steady");
  std::this_thread::sleep_for(3s);
  writer.Stop();
  const std::vector<Zxid> acknowledged = writer.Acknowledged();
  ASSERT_GT(acknowledged.size(), 100u);
  auto took = WaitArchived(acknowledged.back(), 20s);
  ASSERT_TRUE(took) << "the archive never reached " << FormatZxid(acknowledged.back());
  std::cout << acknowledged.size() << " writes; the last archived " << took->count()
            << " ms after it was acknowledged\n";
  for (int i = 1; i <= cluster_->masters(); ++i) {
    ASSERT_TRUE(WaitFor([&] { return Missing(i, acknowledged).empty(); }, 15s))
        << cluster_->name(i) << " lacks " << Missing(i, acknowledged).size() << " writes";
  }
  Result<proto::ArchiveStatus> status = ArchiveStatus();
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->state(), "archiving");
  EXPECT_EQ(status->breaks_size(), 0);
  bool chained = false;
  for (const auto& chain : status->chains()) {
    if (chain.base() == base->id()) {
      chained = *ParseHexZxid(chain.end_zxid()) >= acknowledged.back();
    }
  }
  EXPECT_TRUE(chained) << "the chain of " << base->id() << " does not reach the last write: "
                       << proto::ToJson(*status);
  // Every master tells the same story, coordinator or not.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    Result<proto::ArchiveStatus> asked = ArchiveStatus(i);
    ASSERT_TRUE(asked.ok()) << asked.status().ToString();
    EXPECT_EQ(asked->coordinator(), status->coordinator());
  }
}

TEST_F(Archiving, TheArchiverMovesWhenItsAgentIsKilledAndNoTransactionIsMissing) {
  Result<proto::ArchiveStatus> before = ArchiveStatus();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_TRUE(before->has_archiver()) << proto::ToJson(*before);
  const int archiver = IndexOf(before->archiver().master());
  ASSERT_NE(archiver, 0);
  // Ask another agent throughout: the killed one can't answer.
  const int asked = archiver == 1 ? 2 : 1;
  Writer writer(zk_, "handover");
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(cluster_->KillAgent(archiver).ok());
  std::string successor;
  ASSERT_TRUE(WaitFor(
      [&] {
        Result<proto::ArchiveStatus> status = ArchiveStatus(asked);
        if (!status.ok() || !status->has_archiver()) return false;
        successor = status->archiver().master();
        return successor != cluster_->name(archiver) && status->state() == "archiving";
      },
      30s))
      << "the job never left " << cluster_->name(archiver);
  std::this_thread::sleep_for(1s);
  writer.Stop();
  const std::vector<Zxid> acknowledged = writer.Acknowledged();
  ASSERT_TRUE(WaitFor(
      [&] {
        Result<proto::ArchiveStatus> status = ArchiveStatus(asked);
        return status.ok() && *ParseHexZxid(status->last_zxid()) >= acknowledged.back();
      },
      20s));
  for (int i = 1; i <= cluster_->masters(); ++i) {
    if (i == archiver) continue;
    std::vector<Zxid> missing = Missing(i, acknowledged);
    EXPECT_TRUE(missing.empty()) << cluster_->name(i) << " lacks " << missing.size()
                                 << " acknowledged writes, the first "
                                 << (missing.empty() ? "" : FormatZxid(missing.front()));
  }
  Result<proto::ArchiveStatus> after = ArchiveStatus(asked);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->breaks_size(), 0) << proto::ToJson(*after);
  // The killed agent, back, is sent what it missed.
  ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
  EXPECT_TRUE(WaitFor([&] { return Missing(archiver, acknowledged).empty(); }, 40s))
      << cluster_->name(archiver) << " never caught up: "
      << Missing(archiver, acknowledged).size() << " writes missing";
}

}  // namespace
}  // namespace lockstep::integration
