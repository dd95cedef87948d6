// Continuous archiving on a real 3-master sandbox (issue 14): every acknowledged write reaches
// every master's archive within seconds; the archiver's agent killed mid-run hands the job to
// another follower with no transaction missing; logs purged under a stalled archiver break the
// chain, which the coordinator restarts with a base backup at once. The agents copy the archive
// to a real S3 server too ([repository]): after every master's disk is lost, the bucket alone
// restores the ensemble to its last seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/crypto/keys.h"
#include "common/file.h"
#include "common/process.h"
#include "common/zk_client.h"
#include "common/zxid.h"
#include "engine/archiving/chain_view.h"
#include "engine/archiving/segment_store.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/object_store.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/agent.pb.h"
#include "proto/archiving.pb.h"
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
    std::vector<Zxid> czxids;
    for (const auto& write : writes_) czxids.push_back(write.czxid);
    return czxids;
  }
  struct Write {
    std::string name;
    Zxid czxid = 0;
    int64_t ctime_ms = 0;  // the transaction's time (the leader's clock)
    std::chrono::steady_clock::time_point acknowledged;
  };
  std::vector<Write> Writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // Polls (up to `timeout`) until at least `count` writes were acknowledged: a loaded machine
  // writes more slowly, and the scenarios need enough writes to tell what a restore kept.
  bool WaitForWrites(size_t count, std::chrono::milliseconds timeout) {
    return WaitFor(
        [&] {
          std::lock_guard lock(mu_);
          return writes_.size() >= count;
        },
        timeout);
  }

 private:
  void Run() {
    for (int n = 0; !stop_; ++n) {
      const std::string name = prefix_ + "-" + std::to_string(n);
      auto created = zk_->Create("/archive/" + name, std::string(256, 'a'), ZkClient::OpenAcl(),
                                 CreateMode::kPersistent);
      if (created.ok()) {
        std::lock_guard lock(mu_);
        writes_.push_back(
            {name, created->second.czxid, created->second.ctime, std::chrono::steady_clock::now()});
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
  }
  ZkClient* zk_;
  const std::string prefix_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Write> writes_;
  std::thread thread_;
};

class Archiving : public SandboxSuite<Archiving> {
 public:
  static MiniClusterOptions Options() {
    auto options = MiniClusterOptions::WithFreePorts(dir_, 3);
    options.archiving = true;
    // Segments are encrypted like backups: on every master and in the bucket.
    options.extra_agent_toml = "\n[repository]\nendpoint = \"" + store_->endpoint() +
                               "\"\nbucket = \"" + store_->options().bucket + "\"\nprefix = \"" +
                               kPrefix + "\"\nregion = \"" + store_->options().region +
                               "\"\ncredentials_file = \"" + dir_ + "/s3-credentials" +
                               "\"\npath_style = true\n" + "\n[encryption]\nrecipients = [\"" +
                               identity_->recipient().ToString() + "\"]\nidentity_file = \"" +
                               dir_ + "/age-identity" + "\"\n";
    options.snap_count = 2000;  // logs roll every 1,000-2,000 transactions: purges can bite
    options.lock_lease = 4s;
    return options;
  }

 protected:
  // The S3 server and the age identity, then the sandbox, then a client and the test's root.
  static void SetUpTestSuite() {
    dir_ = ScenarioDir("lockstep-archive-test");
    const std::string& dir = dir_;
    store_ = new ObjectStore({.work_dir = dir + "/s3"});
    fs::create_directories(dir + "/s3");
    Status started = store_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_TRUE(store_->WriteCredentialsFile(dir + "/s3-credentials").ok());
    Result<age::X25519Identity> identity = age::GenerateIdentity();
    ASSERT_TRUE(identity.ok());
    identity_ = new age::X25519Identity(*identity);
    ASSERT_TRUE(WriteFileAtomically(dir + "/age-identity", age::IdentityFileText(*identity, {}),
                                    kPrivateFile)
                    .ok());
    SandboxSuite::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 20s);
    ASSERT_TRUE(zk.ok()) << zk.status().ToString();
    zk_ = zk->release();
    ASSERT_TRUE(zk_->Create("/archive", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  }
  static void TearDownTestSuite() {
    delete zk_;
    SandboxSuite::TearDownTestSuite();
    delete store_;
    delete identity_;
    store_ = nullptr;
    identity_ = nullptr;
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
      return Internal("archive status exit " + std::to_string(shown.exit_code) + ": " + shown.err +
                      shown.out);
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
  // The master whose agent holds the archiver's job now; 0 when none does.
  static int ArchiverIndex() {
    Result<proto::ArchiveStatus> status = ArchiveStatus();
    return status.ok() && status->has_archiver() ? IndexOf(status->archiver().master()) : 0;
  }
  // Waits until agent `asked` reports the job archiving on a master other than `archiver`.
  static bool WaitJobMoved(int archiver, int asked, std::chrono::seconds timeout) {
    return WaitFor(
        [&] {
          Result<proto::ArchiveStatus> status = ArchiveStatus(asked);
          return status.ok() && status->has_archiver() && status->state() == "archiving" &&
                 status->archiver().master() != cluster_->name(archiver);
        },
        timeout);
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
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }
  // Every zxid in master i's archive, each segment checked (encrypted, sha256, its records' zxids).
  // Master i's segment records, read beside the running agent without opening a store (which
  // would clear its scratch); one removed meanwhile is left out.
  static std::vector<proto::ArchiveSegment> RecordsOn(int i) {
    std::vector<proto::ArchiveSegment> records;
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(cluster_->master_dir(i) + "/store/archive/records", ec)) {
      if (entry.path().extension() != ".json") continue;
      Result<std::string> text = ReadSmallFile(entry.path().string());
      proto::ArchiveSegment record;
      if (text.ok() && proto::FromJson(*text, &record, true).ok()) records.push_back(record);
    }
    return records;
  }
  static Result<std::set<Zxid>> ArchivedZxids(int i) {
    const std::string dir = cluster_->master_dir(i) + "/store/archive";
    std::set<Zxid> zxids;
    for (const auto& record : RecordsOn(i)) {
      ASSIGN_OR_RETURN(archiving::Segment segment, archiving::SegmentOf(record));
      if (!segment.info.encrypted) {
        return Internal(cluster_->name(i) + " keeps segment " + record.id() + " in the clear");
      }
      const std::string path = dir + "/segments/" + record.id() + ".zst";
      Status read = archiving::ReadSegment(
          path, segment.info, [&](const zkfmt::TxnRecord& txn) { zxids.insert(txn.zxid); },
          {*identity_});
      // Retention may remove a segment no base needs between listing and reading it.
      if (!read.ok() && fs::exists(path)) return read;
    }
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

  // The names under /archive on master i's server (asked directly).
  static std::set<std::string> NamesOn(int i) {
    std::set<std::string> names;
    auto zk = ZkClient::Connect(cluster_->zk_endpoint(i), 20s);
    EXPECT_TRUE(zk.ok()) << cluster_->name(i) << ": " << zk.status().ToString();
    if (!zk.ok()) return names;
    auto children = (*zk)->Children("/archive");
    EXPECT_TRUE(children.ok()) << cluster_->name(i) << ": " << children.status().ToString();
    if (children.ok()) names.insert(children->begin(), children->end());
    return names;
  }
  // The writes whose presence on some server differs from `expected(write)`, named.
  static std::vector<std::string> Wrong(
      const std::vector<Writer::Write>& writes,
      const std::function<std::optional<bool>(const Writer::Write&)>& expected) {
    std::vector<std::string> wrong;
    for (int i = 1; i <= cluster_->masters(); ++i) {
      const std::set<std::string> names = NamesOn(i);
      for (const auto& write : writes) {
        std::optional<bool> present = expected(write);
        if (present && *present != (names.count(write.name) > 0)) {
          wrong.push_back(cluster_->name(i) + ":" + write.name + (*present ? " lost" : " kept"));
        }
      }
    }
    return wrong;
  }
  // Runs a point-in-time restore (`target`: the flags) and waits for its end.
  static Result<proto::RestoreRecord> RestoreTo(std::vector<std::string> target) {
    std::vector<std::string> args = {"--json",    "backup", "restore", "--component",
                                     "zookeeper", "--yes",  "--wait"};
    args.insert(args.end(), target.begin(), target.end());
    CliResult restored = RunCli(cluster_->CliArgs(args));
    proto::RestoreRecord record;
    if (!proto::FromJson(restored.out, &record, true).ok() || record.id().empty()) {
      return Internal("restore exit " + std::to_string(restored.exit_code) + ": " + restored.err +
                      restored.out);
    }
    return record;
  }
  // After a restore the archive breaks (a new history) and the coordinator takes a base: waits
  // until a chain reaches the archive's end again, so the next operation finds the lock free.
  // `after`: only a chain whose base was taken at or after this time (RFC 3339) counts.
  static bool WaitChained(std::chrono::seconds timeout, const std::string& after = "") {
    return WaitFor(
        [&] {
          Result<proto::ArchiveStatus> status = ArchiveStatus();
          if (!status.ok() || status->last_zxid().empty()) return false;
          const Zxid last = *ParseHexZxid(status->last_zxid());
          for (const auto& chain : status->chains()) {
            if (*ParseHexZxid(chain.end_zxid()) >= last && chain.base_time() >= after) return true;
          }
          return false;
        },
        timeout);
  }
  // A chain that reaches the archive's end, from a base taken now when none does.
  static void EnsureChained() {
    if (WaitChained(5s)) return;
    Result<proto::Backup> base = Base("archive-test-base");
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    ASSERT_TRUE(WaitChained(30s));
  }
  static void Reconnect() {
    delete zk_;
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 20s);
    ASSERT_TRUE(zk.ok()) << zk.status().ToString();
    zk_ = zk->release();
  }
  // Restores to `target` (READY expected), runs `check` on what was restored, then reconnects
  // the test's session and waits for a base to begin a chain on the new history, so the next
  // scenario finds the archive whole and the lock free.
  static void RestoreAndRechain(std::vector<std::string> target,
                                const std::function<void(const proto::RestoreRecord&)>& check) {
    Result<proto::RestoreRecord> restored = RestoreTo(std::move(target));
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    ASSERT_EQ(restored->status(), proto::STATUS_READY) << restored->reason();
    check(*restored);
    Reconnect();
    ASSERT_TRUE(WaitChained(60s, restored->finished_at()))
        << "no base began a chain after the restore";
  }

  // Every zxid the bucket's archive holds, read with our S3 client straight from the bucket
  // (records and segments, each segment checked against its record).
  static Result<std::set<Zxid>> BucketZxids(const std::string& scratch_dir) {
    ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(store_->ClientOptions(kPrefix)));
    ASSIGN_OR_RETURN(std::vector<s3::ObjectSummary> objects,
                     client.ListAllObjects("archive/records/"));
    std::set<Zxid> zxids;
    for (const auto& object : objects) {
      ASSIGN_OR_RETURN(std::string json, client.GetObject(object.key));
      proto::ArchiveSegment record;
      RETURN_IF_ERROR(proto::FromJson(json, &record, true));
      ASSIGN_OR_RETURN(archiving::Segment segment, archiving::SegmentOf(record));
      const std::string path = scratch_dir + "/" + record.id() + ".zst";
      RETURN_IF_ERROR(client.GetObjectToFile("archive/segments/" + record.id() + ".zst", path));
      // Stored encrypted: an age file, with none of the writes' names in the clear.
      ASSIGN_OR_RETURN(std::string stored, ReadSmallFile(path, 256 << 20));
      if (record.encryption() != "age" || !stored.starts_with("age-encryption.org/v1") ||
          stored.find("/archive/") != std::string::npos) {
        return Internal("segment " + record.id() + " is stored in the clear in the bucket");
      }
      RETURN_IF_ERROR(archiving::ReadSegment(
          path, segment.info, [&](const zkfmt::TxnRecord& txn) { zxids.insert(txn.zxid); },
          {*identity_}));
      fs::remove(path);
    }
    return zxids;
  }
  // Waits until backup `id`'s copy in the bucket is READY.
  static bool WaitUploaded(const std::string& id, std::chrono::seconds timeout) {
    return WaitFor(
        [&] {
          CliResult shown = RunCli(cluster_->CliArgs({"--json", "backup", "show", id}));
          proto::Backup record;
          return shown.exit_code == 0 && proto::FromJson(shown.out, &record, true).ok() &&
                 record.remote().status() == proto::STATUS_READY;
        },
        timeout);
  }
  // Kills every agent and server at once while `writer` runs; how long before the kill each
  // acknowledged write was is measured from the returned moment.
  static std::chrono::steady_clock::time_point KillEverything(Writer& writer) {
    for (int i = 1; i <= cluster_->masters(); ++i) EXPECT_TRUE(cluster_->KillAgent(i).ok());
    const auto killed = std::chrono::steady_clock::now();
    for (int i = 1; i <= cluster_->masters(); ++i) EXPECT_TRUE(cluster_->KillZk(i).ok());
    writer.Stop();
    return killed;
  }
  // Starts every agent on what the disaster left, and waits until the fresh ensemble serves and
  // every agent names the same coordinator (the election settled), as an operator would.
  static void StartAfterDisaster() {
    ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
    ASSERT_TRUE(cluster_->WaitAllHealthy(60s)) << "the emptied ensemble did not form";
    ASSERT_TRUE(WaitFor(
        [] {
          std::set<std::string> generations;
          for (int i = 1; i <= cluster_->masters(); ++i) {
            Result<proto::ClusterStatus> status = cluster_->ClusterStatus(i);
            if (!status.ok() || status->coordinator_generation().empty()) return false;
            generations.insert(status->coordinator_generation());
          }
          return generations.size() == 1;
        },
        30s));
  }
  // After `restore --latest`: every acknowledged write older than the archive interval + 1 s
  // before the kill is restored, on every server alike.
  static void ExpectLostOnlyTheLastSecond(const std::vector<Writer::Write>& writes,
                                          std::chrono::steady_clock::time_point killed) {
    const std::set<std::string> names = NamesOn(1);
    size_t lost = 0;
    auto oldest_lost = killed;
    for (const auto& write : writes) {
      if (names.count(write.name)) continue;
      ++lost;
      oldest_lost = std::min(oldest_lost, write.acknowledged);
    }
    const auto window = cluster_->options().archive_interval + 1s;
    std::cout << writes.size() << " writes acknowledged, " << lost << " lost; the oldest lost was "
              << std::chrono::duration_cast<std::chrono::milliseconds>(killed - oldest_lost).count()
              << " ms before the kill (allowed: " << window.count() << " ms)\n";
    EXPECT_LE(killed - oldest_lost, window);
    std::vector<std::string> wrong =
        Wrong(writes, [&](const Writer::Write& w) -> std::optional<bool> {
          if (names.count(w.name)) return true;  // every server holds what the first one does
          return std::nullopt;
        });
    EXPECT_TRUE(wrong.empty()) << "servers differ: " << wrong.front();
  }

  static constexpr char kPrefix[] = "archive-suite/";
  static inline std::string dir_;  // the suite's scenario directory
  static ObjectStore* store_;
  static age::X25519Identity* identity_;
  static ZkClient* zk_;
};
age::X25519Identity* Archiving::identity_ = nullptr;
ObjectStore* Archiving::store_ = nullptr;
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
  EXPECT_TRUE(chained) << "the chain of " << base->id()
                       << " does not reach the last write: " << proto::ToJson(*status);
  // /metrics: every master's archive reaches the last write; the archiver's master knows the lag.
  const int archiver = IndexOf(status->archiver().master());
  ASSERT_NE(archiver, 0);
  for (int i = 1; i <= cluster_->masters(); ++i) {
    Result<http::Reply> metrics = cluster_->Call(i, "GET", "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
    const std::string& text = metrics->body;
    const size_t at = text.find("\nlockstep_archive_last_zxid ");
    ASSERT_NE(at, std::string::npos) << text;
    const double last = std::stod(text.substr(at + 28));
    EXPECT_GE(last, static_cast<double>(acknowledged.back())) << cluster_->name(i);
    EXPECT_NE(text.find("\nlockstep_archive_chain_breaks_total 0\n"), std::string::npos);
    if (i == archiver) {
      EXPECT_NE(text.find("\nlockstep_archive_lag_seconds "), std::string::npos) << text;
    }
  }
  // Every master tells the same story, coordinator or not.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    Result<proto::ArchiveStatus> asked = ArchiveStatus(i);
    ASSERT_TRUE(asked.ok()) << asked.status().ToString();
    EXPECT_EQ(asked->coordinator(), status->coordinator());
  }
}

// Retention: segments live as long as a kept base needs them.
TEST_F(Archiving, DeletingTheOldestBaseReleasesTheSegmentsOnlyItNeeded) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Writer writer(zk_, "retention");
  std::this_thread::sleep_for(1500ms);
  Result<proto::Backup> newer = Base("archive-newer");
  ASSERT_TRUE(newer.ok()) << newer.status().ToString();
  std::this_thread::sleep_for(1s);
  writer.Stop();
  const std::vector<Zxid> acknowledged = writer.Acknowledged();
  ASSERT_TRUE(WaitArchived(acknowledged.back(), 20s));
  const Zxid newer_zxid = *ParseHexZxid(newer->component_status().at("zookeeper").last_zxid());
  // Every base but the newer one goes: the segments wholly before it are no chain's any more.
  Result<proto::ArchiveStatus> before = ArchiveStatus();
  ASSERT_TRUE(before.ok());
  for (const auto& chain : before->chains()) {
    if (chain.base() == newer->id()) continue;
    CliResult deleted = RunCli(cluster_->CliArgs({"backup", "delete", chain.base()}));
    ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  }
  for (int i = 1; i <= cluster_->masters(); ++i) {
    std::vector<std::string> stale;
    EXPECT_TRUE(WaitFor(
        [&] {
          stale.clear();
          for (const auto& record : RecordsOn(i)) {
            if (*ParseHexZxid(record.last_zxid()) <= newer_zxid) stale.push_back(record.id());
          }
          return stale.empty();
        },
        20s))
        << cluster_->name(i) << " still holds " << stale.size()
        << " segments before the base, e.g. " << (stale.empty() ? "" : stale.front());
    // ...and keeps every one the newer base's chain needs.
    Result<std::set<Zxid>> archived = ArchivedZxids(i);
    ASSERT_TRUE(archived.ok()) << archived.status().ToString();
    for (Zxid zxid : acknowledged) {
      if (zxid > newer_zxid) {
        EXPECT_TRUE(archived->count(zxid)) << FormatZxid(zxid);
      }
    }
  }
  Result<proto::ArchiveStatus> after = ArchiveStatus();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->chains_size(), 1);
  EXPECT_GE(*ParseHexZxid(after->chains(0).end_zxid()), acknowledged.back());
}

TEST_F(Archiving, TheArchiverMovesWhenItsAgentIsKilledAndNoTransactionIsMissing) {
  const int archiver = ArchiverIndex();
  ASSERT_NE(archiver, 0) << "no archiver";
  // Ask another agent throughout: the killed one can't answer.
  const int asked = archiver == 1 ? 2 : 1;
  Writer writer(zk_, "handover");
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(cluster_->KillAgent(archiver).ok());
  ASSERT_TRUE(WaitJobMoved(archiver, asked, 30s))
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
    // What the killed archiver shipped to one master only reaches the other by the new
    // archiver's catch-up, within a pass or two.
    std::vector<Zxid> missing;
    EXPECT_TRUE(WaitFor([&] { return (missing = Missing(i, acknowledged)).empty(); }, 15s))
        << cluster_->name(i) << " lacks " << missing.size() << " acknowledged writes, the first "
        << (missing.empty() ? "" : FormatZxid(missing.front()));
  }
  Result<proto::ArchiveStatus> after = ArchiveStatus(asked);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->breaks_size(), 0) << proto::ToJson(*after);
  // The killed agent, back, is sent what it missed.
  ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
  EXPECT_TRUE(WaitFor([&] { return Missing(archiver, acknowledged).empty(); }, 40s))
      << cluster_->name(archiver) << " never caught up: " << Missing(archiver, acknowledged).size()
      << " writes missing";
}

TEST_F(Archiving, AHandoverAndALeaderChangeKeepTheChainAndARestoreAcrossThemIsExact) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Result<proto::ArchiveStatus> before = ArchiveStatus();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const int archiver = ArchiverIndex();
  ASSERT_NE(archiver, 0) << "no archiver";
  const int asked = archiver == 1 ? 2 : 1;
  Writer writer(zk_, "epochs");
  std::this_thread::sleep_for(1s);
  // The archiver's master loses its agent and its server at once: the job moves.
  ASSERT_TRUE(cluster_->KillAgent(archiver).ok());
  ASSERT_TRUE(cluster_->KillZk(archiver).ok());
  ASSERT_TRUE(WaitJobMoved(archiver, asked, 45s))
      << "the job never left " << cluster_->name(archiver);
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  // Then a leader change: the leading server killed (its agent starts it again), a new epoch.
  const int leader = cluster_->LeaderIndex(asked);
  ASSERT_NE(leader, 0);
  const std::vector<Writer::Write> so_far = writer.Writes();
  ASSERT_FALSE(so_far.empty());
  const uint32_t old_epoch = ZxidEpoch(so_far.back().czxid);
  ASSERT_TRUE(cluster_->KillZk(leader).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::vector<Writer::Write> now = writer.Writes();
        return std::count_if(now.begin(), now.end(), [&](const Writer::Write& w) {
                 return ZxidEpoch(w.czxid) > old_epoch;
               }) > 100;
      },
      60s))
      << "no writes acknowledged in a new epoch";
  writer.Stop();
  const std::vector<Writer::Write> writes = writer.Writes();
  const std::vector<Zxid> acknowledged = writer.Acknowledged();
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  ASSERT_TRUE(WaitArchived(acknowledged.back(), 30s));
  for (int i = 1; i <= cluster_->masters(); ++i) {
    std::vector<Zxid> missing;
    EXPECT_TRUE(WaitFor([&] { return (missing = Missing(i, acknowledged)).empty(); }, 40s))
        << cluster_->name(i) << " lacks " << missing.size() << " acknowledged writes, the first "
        << (missing.empty() ? "" : FormatZxid(missing.front()));
  }
  Result<proto::ArchiveStatus> after = ArchiveStatus();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->breaks_size(), before->breaks_size())
      << "the handover or the leader change broke the chain: " << proto::ToJson(*after);
  // A restore across both, to a write of the new epoch: exactly the writes up to it.
  const auto first_new = std::find_if(writes.begin(), writes.end(), [&](const Writer::Write& w) {
    return ZxidEpoch(w.czxid) > old_epoch;
  });
  ASSERT_NE(first_new, writes.end());
  const Zxid target = (first_new + (writes.end() - first_new) / 2)->czxid;
  RestoreAndRechain({"--to-zxid", FormatZxid(target)}, [&](const proto::RestoreRecord&) {
    std::vector<std::string> wrong =
        Wrong(writes, [&](const Writer::Write& w) { return w.czxid <= target; });
    EXPECT_TRUE(wrong.empty()) << wrong.size() << " writes wrong after --to-zxid "
                               << FormatZxid(target) << ", e.g. " << wrong.front();
  });
}

// ZooKeeper's own purge (PurgeTxnLog, what autopurge runs) on every server, while every agent is
// stalled: the logs no longer hold what follows the archive's end.
TEST_F(Archiving, LogsPurgedUnderAStalledArchiverBreakTheChainAndABaseStartsANewOne) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Result<proto::ArchiveStatus> before = ArchiveStatus();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const int breaks_before = before->breaks_size();
  for (int i = 1; i <= cluster_->masters(); ++i) ASSERT_TRUE(cluster_->PauseAgent(i).ok());
  std::vector<Writer::Write> writes;
  {
    // Several snapshots' worth of transactions on every server (snapCount).
    std::vector<std::unique_ptr<Writer>> writers;
    for (int w = 0; w < 4; ++w) {
      writers.push_back(std::make_unique<Writer>(zk_, "purged" + std::to_string(w)));
    }
    const size_t wanted = 4 * static_cast<size_t>(cluster_->options().snap_count);
    ASSERT_TRUE(WaitFor(
        [&] {
          size_t total = 0;
          for (auto& writer : writers) total += writer->Writes().size();
          return total >= wanted;
        },
        120s));
    for (auto& writer : writers) {
      writer->Stop();
      const auto some = writer->Writes();
      writes.insert(writes.end(), some.begin(), some.end());
    }
  }
  std::sort(writes.begin(), writes.end(),
            [](const auto& a, const auto& b) { return a.czxid < b.czxid; });
  for (int i = 1; i <= cluster_->masters(); ++i) {
    const std::string zk = cluster_->master_dir(i) + "/zk";
    Result<CommandResult> purged =
        RunShellCommand(cluster_->options().java +
                            " -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar "
                            "org.apache.zookeeper.server.PurgeTxnLog " +
                            zk + "/datalog " + zk + "/data -n 3 2>&1",
                        60s);
    ASSERT_TRUE(purged.ok() && purged->exit_code == 0)
        << (purged.ok() ? purged->output : purged.status().ToString());
  }
  // The purge did open a hole: no server's logs reach back to the first write made meanwhile.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    Zxid oldest = std::numeric_limits<Zxid>::max();
    for (const auto& entry :
         fs::directory_iterator(cluster_->master_dir(i) + "/zk/datalog/version-2")) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("log.")) oldest = std::min(oldest, *ParseHexZxid(name.substr(4)));
    }
    ASSERT_GT(oldest, writes.front().czxid) << cluster_->name(i) << " kept the logs: no hole";
  }
  const std::string resumed = FormatUtcTime(RealClockInstance().WallNow(), kUtcTimestampFormat);
  for (int i = 1; i <= cluster_->masters(); ++i) ASSERT_TRUE(cluster_->ResumeAgent(i).ok());
  // The archive says where it broke, and the coordinator starts a new chain at once.
  proto::ArchiveStatus broken;
  ASSERT_TRUE(WaitFor(
      [&] {
        Result<proto::ArchiveStatus> status = ArchiveStatus();
        if (!status.ok() || status->breaks_size() <= breaks_before) return false;
        broken = *status;
        return true;
      },
      60s))
      << "no break shown";
  const proto::ArchiveBreak& hole = broken.breaks(broken.breaks_size() - 1);
  const Zxid after = *ParseHexZxid(hole.after_zxid());
  const Zxid resumes = *ParseHexZxid(hole.resumes_at());
  EXPECT_LT(after, writes.front().czxid) << "the break is after writes the archive never had";
  EXPECT_GT(resumes, writes.front().czxid);
  ASSERT_TRUE(WaitChained(90s, resumed)) << "no base began a new chain after the break";
  // A target inside the hole is refused, naming the break, and no server stops.
  const Zxid lost = writes.front().czxid;
  ASSERT_LT(lost, resumes);
  std::vector<pid_t> servers;
  for (int i = 1; i <= cluster_->masters(); ++i) servers.push_back(cluster_->zk_pid(i));
  CliResult refused = RunCli(cluster_->CliArgs({"backup", "restore", "--component", "zookeeper",
                                                "--to-zxid", FormatZxid(lost), "--yes", "--wait"}));
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE((refused.err + refused.out).find("break"), std::string::npos)
      << refused.err << refused.out;
  for (int i = 1; i <= cluster_->masters(); ++i) {
    EXPECT_EQ(cluster_->zk_pid(i), servers[i - 1]) << cluster_->name(i) << "'s server restarted";
  }
}

TEST_F(Archiving, ADamagedSegmentStopsTheRestoreAtStagingNamingItAndNoServerStops) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Writer writer(zk_, "damaged");
  std::this_thread::sleep_for(1500ms);
  writer.Stop();
  const std::vector<Zxid> acknowledged = writer.Acknowledged();
  ASSERT_FALSE(acknowledged.empty());
  const Zxid target = acknowledged.back();
  ASSERT_TRUE(WaitArchived(target, 20s));
  // The segment holding the last write, on the second master: one byte flipped.
  proto::ArchiveSegment damaged;
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& record : RecordsOn(2)) {
          if (*ParseHexZxid(record.first_zxid()) <= target &&
              target <= *ParseHexZxid(record.last_zxid())) {
            damaged = record;
            return true;
          }
        }
        return false;
      },
      15s));
  const std::string path =
      cluster_->master_dir(2) + "/store/archive/segments/" + damaged.id() + ".zst";
  Result<std::string> original = ReadSmallFile(path, 256 << 20);
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  std::string flipped = *original;
  flipped[flipped.size() / 2] ^= 0x10;
  ASSERT_TRUE(WriteFileAtomically(path, flipped, kPrivateFile).ok());
  std::vector<pid_t> servers;
  for (int i = 1; i <= cluster_->masters(); ++i) servers.push_back(cluster_->zk_pid(i));
  Result<proto::RestoreRecord> refused = RestoreTo({"--to-zxid", FormatZxid(target)});
  ASSERT_TRUE(WriteFileAtomically(path, *original, kPrivateFile).ok());  // for the next tests
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status(), proto::STATUS_ERROR);
  EXPECT_NE(refused->reason().find(damaged.id()), std::string::npos)
      << "the reason does not name the segment: " << refused->reason();
  for (int i = 1; i <= cluster_->masters(); ++i) {
    EXPECT_EQ(cluster_->zk_pid(i), servers[i - 1]) << cluster_->name(i) << "'s server restarted";
  }
}

TEST_F(Archiving, RestoringToAZxidOrATimeKeepsExactlyTheWritesUpToIt) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Writer writer(zk_, "pit");
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(writer.WaitForWrites(150, 60s)) << "the writer acknowledged too few writes";
  writer.Stop();
  const std::vector<Writer::Write> writes = writer.Writes();
  ASSERT_GT(writes.size(), 100u);
  ASSERT_TRUE(WaitArchived(writes.back().czxid, 20s));
  // To a zxid in the middle of the run.
  const Zxid target = writes[writes.size() / 2].czxid;
  ASSERT_NO_FATAL_FAILURE(RestoreAndRechain(
      {"--to-zxid", FormatZxid(target)}, [&](const proto::RestoreRecord& restored) {
        EXPECT_EQ(restored.target_zxid(), FormatZxid(target));
        std::vector<std::string> wrong =
            Wrong(writes, [&](const Writer::Write& w) { return w.czxid <= target; });
        EXPECT_TRUE(wrong.empty())
            << wrong.size() << " writes wrong after --to-zxid, e.g. " << wrong.front();
      }));
  // To a moment: the whole second inside the run, taken from the writes' own times. The restore
  // before this one discarded the later half; it is still in the archive, on the old history.
  const int64_t moment_ms = writes[writes.size() / 4].ctime_ms / 1000 * 1000;
  const std::string moment = FormatUtcTime(
      Clock::WallTimePoint(std::chrono::milliseconds(moment_ms)), kUtcTimestampFormat);
  RestoreAndRechain({"--to-time", moment}, [&](const proto::RestoreRecord&) {
    std::vector<std::string> wrong =
        Wrong(writes, [&](const Writer::Write& w) { return w.ctime_ms <= moment_ms; });
    EXPECT_TRUE(wrong.empty()) << wrong.size() << " writes wrong after --to-time " << moment
                               << ", e.g. " << wrong.front();
  });
}

TEST_F(Archiving, AfterEveryServersDataIsLostLatestLosesOnlyTheLastSecond) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Writer writer(zk_, "disaster");
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(writer.WaitForWrites(150, 60s)) << "the writer acknowledged too few writes";
  // The disaster: every agent and every server killed at once, every server's data deleted.
  const auto killed = KillEverything(writer);
  const std::vector<Writer::Write> writes = writer.Writes();
  ASSERT_GT(writes.size(), 100u);
  for (int i = 1; i <= cluster_->masters(); ++i) {
    for (const char* dir : {"/zk/data/version-2", "/zk/datalog/version-2"}) {
      std::error_code ec;
      fs::remove_all(cluster_->master_dir(i) + dir, ec);
      ASSERT_FALSE(ec) << ec.message();
    }
  }
  ASSERT_NO_FATAL_FAILURE(StartAfterDisaster());
  RestoreAndRechain({"--latest"}, [&](const proto::RestoreRecord&) {
    ExpectLostOnlyTheLastSecond(writes, killed);
  });
}

TEST_F(Archiving, AfterEveryMastersDiskIsLostTheBucketAloneRestoresTheLastSeconds) {
  ASSERT_NO_FATAL_FAILURE(EnsureChained());
  Result<proto::ArchiveStatus> before = ArchiveStatus();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->repository(), "s3://" + store_->options().bucket + "/" + kPrefix + "archive/");
  for (const auto& chain : before->chains()) {
    ASSERT_TRUE(WaitUploaded(chain.base(), 60s)) << chain.base() << " never reached the bucket";
  }
  Writer writer(zk_, "lost-disks");
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(writer.WaitForWrites(150, 60s)) << "the writer acknowledged too few writes";
  const auto killed = KillEverything(writer);
  const std::vector<Writer::Write> writes = writer.Writes();
  ASSERT_GT(writes.size(), 100u);
  // Independently of the agents: the bucket itself holds every write acknowledged before the
  // last interval + 1 s.
  const std::string scratch = cluster_->options().dir + "/bucket-read";
  fs::create_directories(scratch);
  Result<std::set<Zxid>> in_bucket = BucketZxids(scratch);
  ASSERT_TRUE(in_bucket.ok()) << in_bucket.status().ToString();
  size_t missing = 0;
  for (const auto& write : writes) {
    if (killed - write.acknowledged > cluster_->options().archive_interval + 1s) {
      missing += in_bucket->count(write.czxid) ? 0 : 1;
    }
  }
  EXPECT_EQ(missing, 0u) << "acknowledged writes older than the window are not in the bucket";
  // Every master's disk lost: the servers' data and the agents' stores (catalog, replicas,
  // archive). Only the bucket is left.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    for (const char* dir : {"/zk/data/version-2", "/zk/datalog/version-2", "/store"}) {
      std::error_code ec;
      fs::remove_all(cluster_->master_dir(i) + dir, ec);
      ASSERT_FALSE(ec) << ec.message();
    }
  }
  ASSERT_NO_FATAL_FAILURE(StartAfterDisaster());
  // Each master copies the archive back from the bucket; status says so until it is done.
  ASSERT_TRUE(WaitFor(
      [] {
        for (int i = 1; i <= cluster_->masters(); ++i) {
          Result<proto::ArchiveStatus> status = ArchiveStatus(i);
          if (!status.ok() || !status->adopting().empty() || status->chains_size() == 0) {
            return false;
          }
        }
        return true;
      },
      120s))
      << "the masters did not adopt the bucket's archive";
  RestoreAndRechain({"--latest"}, [&](const proto::RestoreRecord&) {
    ExpectLostOnlyTheLastSecond(writes, killed);
  });
}

}  // namespace
}  // namespace lockstep::integration
