// Continuous archiving on one master: the segment store receiving peers' shipments (checked
// against their records, kept privately, scratch cleared on open); the archiver tailing its
// server's logs on a fake clock (the cut at the server's zxid, continuing where the archive
// ends, the lease, a server not serving, purged logs breaking the chain, how far it has caught
// up); and the coordinator's view of chains and breaks from bases and segment records.
#include "engine/archiving/archiver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/keys.h"
#include "common/sha256.h"
#include "engine/archiving/chain_view.h"
#include "engine/archiving/replay.h"
#include "engine/archiving/segment_store.h"
#include "tests/archive_logs.h"
#include "tests/fake_clock.h"
#include "tests/zk_files.h"

namespace lockstep::archiving {
namespace {

using namespace std::chrono_literals;
using testing::kT0;
using testing::LogOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteSegment;

unsigned ModeOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

// Every zxid from `first` to `last`.
std::vector<Zxid> Zxids(Zxid first, Zxid last) {
  std::vector<Zxid> zxids;
  for (Zxid zxid = first; zxid <= last; ++zxid) zxids.push_back(zxid);
  return zxids;
}

// The zxids a stored segment holds, read back through its record (sha256 and zxids checked).
std::vector<Zxid> ZxidsIn(const std::string& path, const proto::ArchiveSegment& record) {
  std::vector<Zxid> zxids;
  Result<Segment> segment = SegmentOf(record);
  EXPECT_TRUE(segment.ok()) << segment.status().ToString();
  if (!segment.ok()) return zxids;
  Status read = ReadSegment(path, segment->info,
                            [&](const zkfmt::TxnRecord& txn) { zxids.push_back(txn.zxid); });
  EXPECT_TRUE(read.ok()) << read.ToString();
  return zxids;
}

// ---- SegmentStore -------------------------------------------------------------------------

// A store, and a segment of 0x100..0x107 as a peer would ship it: its record and bytes.
class SegmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const SegmentInfo info = WriteSegment(dir_ / "log.100", LogOf(0x100, 8).bytes(), dir_ / "made");
    record_ = SegmentRecord(info, "m1", 0xff);
    bytes_ = ReadFile(dir_ / "made");
    ASSERT_TRUE(store_.Open().ok());
  }

  std::string StoreDir(const std::string& sub) const { return dir_ / ("archive/" + sub); }

  // Neither a record, nor a segment file, nor a scratch file.
  void ExpectNothingKept() const {
    EXPECT_TRUE(store_.List().empty());
    EXPECT_FALSE(store_.Has(record_.id()));
    EXPECT_FALSE(store_.LastZxid());
    EXPECT_TRUE(FilesIn(StoreDir("segments")).empty());
    EXPECT_TRUE(FilesIn(StoreDir("scratch")).empty());
  }

  TempDir dir_;
  SegmentStore store_{dir_ / "archive"};
  proto::ArchiveSegment record_;
  std::string bytes_;
};

TEST_F(SegmentStoreTest, AReceivedSegmentIsListedAndItsFileReadsBack) {
  ASSERT_TRUE(store_.Receive(record_, bytes_).ok());
  ASSERT_EQ(store_.List().size(), 1u);
  EXPECT_EQ(store_.List()[0].id(), "0000000000000100-0000000000000107");
  Result<proto::ArchiveSegment> got = store_.Get(record_.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->sha256(), record_.sha256());
  EXPECT_EQ(got->follows_zxid(), "0xff");
  EXPECT_EQ(store_.LastZxid(), Zxid{0x107});
  EXPECT_EQ(ZxidsIn(store_.PathOf(record_.id()), record_), Zxids(0x100, 0x107));
}

TEST_F(SegmentStoreTest, BytesOfAnotherSizeAreRefusedAndNothingIsKept) {
  Status refused = store_.Receive(record_, bytes_ + "x");
  EXPECT_EQ(refused.code(), StatusCode::kCorruption) << refused.ToString();
  ExpectNothingKept();
}

TEST_F(SegmentStoreTest, BytesWithAnotherHashAreRefusedAndNothingIsKept) {
  std::string damaged = bytes_;
  damaged[damaged.size() / 2] ^= 0x20;
  Status refused = store_.Receive(record_, damaged);
  EXPECT_EQ(refused.code(), StatusCode::kCorruption) << refused.ToString();
  ExpectNothingKept();
}

TEST_F(SegmentStoreTest, AnEncryptedSegmentIsKeptWithoutTheSecretAndItsDamageRefused) {
  Result<age::X25519Identity> identity = age::GenerateIdentity();
  ASSERT_TRUE(identity.ok());
  const SegmentInfo info = WriteSegment(dir_ / "log.100", LogOf(0x100, 8).bytes(), dir_ / "sealed",
                                        {identity->recipient()});
  const proto::ArchiveSegment record = SegmentRecord(info, "m1", 0xff);
  EXPECT_EQ(record.encryption(), "age");
  const std::string sealed = ReadFile(dir_ / "sealed");
  std::string damaged = sealed;
  damaged[damaged.size() / 2] ^= 0x20;
  EXPECT_EQ(store_.Receive(record, damaged).code(), StatusCode::kCorruption);
  ExpectNothingKept();
  // This store has no identity: the stored bytes are checked, the record kept as it came.
  ASSERT_TRUE(store_.Receive(record, sealed).ok());
  Result<proto::ArchiveSegment> kept = store_.Get(record.id());
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->encryption(), "age");
  Result<Segment> segment = SegmentOf(*kept);
  ASSERT_TRUE(segment.ok());
  std::vector<Zxid> zxids;
  ASSERT_TRUE(ReadSegment(store_.PathOf(record.id()), segment->info,
                          [&](const zkfmt::TxnRecord& txn) { zxids.push_back(txn.zxid); },
                          {*identity})
                  .ok());
  EXPECT_EQ(zxids, Zxids(0x100, 0x107));
}

TEST_F(SegmentStoreTest, TwoCopiesOfOneSegmentShippedAtOnceLeaveAFileItsRecordDescribes) {
  // Encrypted twice, one segment's copies differ in every byte (and sha256): the old archiver's
  // backlog and the new one's catch-up deliver both, at once, and the archiver may add its own.
  Result<age::X25519Identity> identity = age::GenerateIdentity();
  ASSERT_TRUE(identity.ok());
  std::vector<std::pair<proto::ArchiveSegment, std::string>> copies;
  for (int i = 0; i < 2; ++i) {
    const std::string file = dir_ / ("copy" + std::to_string(i));
    const SegmentInfo info =
        WriteSegment(dir_ / "log.100", LogOf(0x100, 8).bytes(), file, {identity->recipient()});
    copies.emplace_back(SegmentRecord(info, "m" + std::to_string(i + 1), 0xff), ReadFile(file));
  }
  ASSERT_NE(copies[0].first.sha256(), copies[1].first.sha256());
  for (int round = 0; round < 20; ++round) {
    if (store_.Has(copies[0].first.id())) {
      ASSERT_TRUE(store_.Remove(copies[0].first.id()).ok());
    }
    std::vector<std::thread> shippers;
    for (int t = 0; t < 4; ++t) {
      shippers.emplace_back([&, t] {
        const auto& [record, bytes] = copies[t % 2];
        EXPECT_TRUE(store_.Receive(record, bytes).ok());
      });
    }
    const std::string own = store_.ScratchPath("own-" + std::to_string(round));
    WriteFile(own, copies[round % 2].second);
    EXPECT_TRUE(store_.Add(copies[round % 2].first, own).ok());
    for (auto& shipper : shippers) shipper.join();
    Result<proto::ArchiveSegment> kept = store_.Get(copies[0].first.id());
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(Sha256Hex(ReadFile(store_.PathOf(kept->id()))), kept->sha256()) << "round " << round;
    EXPECT_FALSE(std::filesystem::exists(own)) << "the copy not kept is left behind";
  }
}

TEST_F(SegmentStoreTest, ASegmentStreamedIntoAFileIsKeptByARenameOnceChecked) {
  const std::string upload = dir_ / "upload-1";
  WriteFile(upload, bytes_ + "x");
  EXPECT_EQ(store_.ReceiveFile(record_, upload).code(), StatusCode::kCorruption);
  ExpectNothingKept();
  EXPECT_TRUE(std::filesystem::exists(upload)) << "a refused upload is the server's to remove";
  WriteFile(upload, bytes_);
  ASSERT_TRUE(store_.ReceiveFile(record_, upload).ok());
  EXPECT_FALSE(std::filesystem::exists(upload)) << "kept by a copy, not a rename";
  EXPECT_EQ(ZxidsIn(store_.PathOf(record_.id()), record_), Zxids(0x100, 0x107));
}

TEST_F(SegmentStoreTest, ARecordWithAnUnknownEncryptionIsRefused) {
  record_.set_encryption("rot13");
  Status refused = store_.Receive(record_, bytes_);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("rot13"), std::string::npos) << refused.message();
  ExpectNothingKept();
}

TEST_F(SegmentStoreTest, ARecordWhoseIdDoesNotMatchItsZxidsIsRefused) {
  record_.set_id(SegmentId(0x100, 0x108));
  Status refused = store_.Receive(record_, bytes_);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("do not match its id"), std::string::npos) << refused.message();
  ExpectNothingKept();
}

TEST_F(SegmentStoreTest, ReceivingASegmentAgainIsOk) {
  ASSERT_TRUE(store_.Receive(record_, bytes_).ok());
  Status again = store_.Receive(record_, bytes_);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(store_.List().size(), 1u);
  EXPECT_EQ(ZxidsIn(store_.PathOf(record_.id()), record_), Zxids(0x100, 0x107));
}

TEST_F(SegmentStoreTest, OpeningClearsScratchAndKeepsTheSegments) {
  ASSERT_TRUE(store_.Receive(record_, bytes_).ok());
  WriteFile(store_.ScratchPath("pass-3.zst"), "half a segment");
  WriteFile(store_.ScratchPath(record_.id() + ".received"), "half a shipment");

  SegmentStore reopened(dir_ / "archive");
  ASSERT_TRUE(reopened.Open().ok());
  EXPECT_TRUE(FilesIn(StoreDir("scratch")).empty());
  ASSERT_EQ(reopened.List().size(), 1u);
  EXPECT_EQ(reopened.LastZxid(), Zxid{0x107});
  EXPECT_EQ(ZxidsIn(reopened.PathOf(record_.id()), record_), Zxids(0x100, 0x107));
}

TEST_F(SegmentStoreTest, FilesAndDirectoriesArePrivate) {
  // Directories that exist already, open to all, are made private too.
  const std::string dir = dir_ / "open";
  std::filesystem::create_directories(dir + "/segments");
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((dir + "/segments").c_str(), 0755), 0);
  SegmentStore store(dir);
  ASSERT_TRUE(store.Open().ok());
  ASSERT_TRUE(store.Receive(record_, bytes_).ok());
  for (const char* sub : {"", "/segments", "/records", "/scratch"}) {
    EXPECT_EQ(ModeOf(dir + sub), 0700u) << dir + sub;
  }
  EXPECT_EQ(ModeOf(store.PathOf(record_.id())), 0600u);
  EXPECT_EQ(ModeOf(dir + "/records/" + record_.id() + ".json"), 0600u);
}

TEST_F(SegmentStoreTest, RemoveForgetsTheRecordAndTheFile) {
  ASSERT_TRUE(store_.Receive(record_, bytes_).ok());
  ASSERT_TRUE(store_.Remove(record_.id()).ok());
  ExpectNothingKept();
  EXPECT_EQ(store_.Remove("../records/x").code(), StatusCode::kInvalidArgument);
}

TEST(SegmentId, IsSixteenLowerCaseHexDigitsEachSideOfADash) {
  EXPECT_EQ(SegmentId(0x100, MakeZxid(2, 0xab)), "0000000000000100-00000002000000ab");
  EXPECT_TRUE(CheckSegmentId("0000000000000100-00000002000000ab").ok());
  const std::vector<std::string> malformed = {
      "0000000000000100-00000002000000AB",   // upper case
      "000000000000100-00000002000000ab",    // 15 digits first
      "0000000000000100-00000002000000ab0",  // 17 digits last
      "0000000000000100000000002000000ab",   // no dash
      "0000000000000100_00000002000000ab",   // another separator
      "000000000000010g-00000002000000ab",   // not hex
      ""};
  for (const std::string& bad : malformed) {
    EXPECT_EQ(CheckSegmentId(bad).code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_EQ(ZxidsOfSegmentId(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  const Zxid first = MakeZxid(0x7fffffff, 0xfffffffe);
  Result<std::pair<Zxid, Zxid>> zxids = ZxidsOfSegmentId(SegmentId(first, first + 1));
  ASSERT_TRUE(zxids.ok()) << zxids.status().ToString();
  EXPECT_EQ(zxids->first, first);
  EXPECT_EQ(zxids->second, first + 1);
}

// ---- Archiver -----------------------------------------------------------------------------

constexpr uint64_t kGeneration = 7;
// The interval is longer than the lease: after a job's first pass, the archiver's thread never
// passes again by itself (time moves only when a test moves it, and never an interval), so every
// later pass is the test's PassForTest.
constexpr auto kLease = 10min;
constexpr auto kInterval = 1h;

int64_t MillisOf(Clock::WallTimePoint when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

// Keeps what the archiver ships (its thread ships too, hence the mutex).
class RecordingShipper : public SegmentShipper {
 public:
  struct Shipment {
    proto::ArchiveSegment record;
    std::string path;
    uint64_t generation = 0;
  };

  std::vector<std::string> Ship(const proto::ArchiveSegment& record, const std::string& path,
                                uint64_t generation) override {
    std::lock_guard lock(mu_);
    shipments_.push_back({record, path, generation});
    return {};
  }
  void CatchUp(uint64_t) override {}
  void Recheck() override { ++rechecks_; }
  int rechecks() const { return rechecks_; }

  std::vector<Shipment> shipments() const {
    std::lock_guard lock(mu_);
    return shipments_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Shipment> shipments_;
  std::atomic<int> rechecks_{0};
};

// One master: its server's log directory and `srvr` (fakes), its store, an archiver on a fake
// clock, and the peers as a RecordingShipper.
class ArchiverTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Open().ok()); }

  std::string LogPath(Zxid first) const {
    return log_dir_ + "/log." + FormatZxid(first).substr(2);  // ZooKeeper's name: no "0x"
  }
  // The server's log starting at `first` now holds `count` records (ZooKeeper appends).
  void Log(Zxid first, int count) { WriteFile(LogPath(first), LogOf(first, count).bytes()); }
  // What `srvr` answers from now on.
  void Answer(Result<ServerPosition> position) {
    std::lock_guard lock(position_mu_);
    position_ = std::move(position);
  }
  void ServeAt(Zxid zxid) { Answer(ServerPosition{.serving = true, .zxid = zxid}); }

  // This store holds the segment first..last (as an earlier archiver left it).
  void Keep(Zxid first, Zxid last) {
    const std::string scratch = store_.ScratchPath("kept");
    const SegmentInfo info = WriteSegment(
        dir_ / "kept.log", LogOf(first, static_cast<int>(last - first + 1)).bytes(), scratch);
    ASSERT_TRUE(store_.Add(SegmentRecord(info, "m0", first - 1), scratch).ok());
  }

  // A new archiver takes the job. A fresh job's first pass runs at once on the archiver's
  // thread; this returns once that pass is over and the thread waits on the fake clock, so no
  // PassForTest runs beside it.
  proto::ArchiveReport StartArchiver(const std::string& after_zxid = "") {
    ArchiverOptions options{.master = "m1",
                            .log_dir = log_dir_,
                            .position =
                                [this] {
                                  std::lock_guard lock(position_mu_);
                                  return position_;
                                },
                            .max_segment_bytes = max_segment_bytes_};
    archiver_ = std::make_unique<Archiver>(std::move(options), &store_, &shipper_, clock_);
    proto::ArchiveAssignment assignment;
    assignment.set_coordinator("m2");
    assignment.set_after_zxid(after_zxid);
    assignment.set_lease_ms(static_cast<uint32_t>(std::chrono::milliseconds(kLease).count()));
    assignment.set_interval_ms(static_cast<uint32_t>(std::chrono::milliseconds(kInterval).count()));
    const uint64_t waits = clock_.waits_begun();
    proto::ArchiveReport report = archiver_->Assign(assignment, kGeneration);
    // The thread's first wait ends at once (the job is fresh); its second begins after the pass.
    EXPECT_TRUE(clock_.AwaitWaits(waits + 2)) << "the first pass never ended";
    return report;
  }

  // Every zxid shipped so far, read back from the segments as shipped, in shipping order.
  std::vector<Zxid> Archived() const {
    std::vector<Zxid> zxids;
    for (const auto& shipment : shipper_.shipments()) {
      for (Zxid zxid : ZxidsIn(shipment.path, shipment.record)) zxids.push_back(zxid);
    }
    return zxids;
  }
  // Each shipped segment follows the previous one's last zxid; the first follows `start`.
  void ExpectChainedFrom(Zxid start) const {
    std::string end = FormatZxid(start);
    for (const auto& shipment : shipper_.shipments()) {
      EXPECT_EQ(shipment.record.follows_zxid(), end) << shipment.record.id();
      end = shipment.record.last_zxid();
    }
  }

  TempDir dir_;
  const std::string log_dir_ = dir_ / "version-2";
  SegmentStore store_{dir_ / "archive"};
  RecordingShipper shipper_;
  testing::FakeClock clock_;
  std::mutex position_mu_;
  Result<ServerPosition> position_ = ServerPosition{};
  uint64_t max_segment_bytes_ = 8 << 20;
  std::unique_ptr<Archiver> archiver_;  // last: its thread stops before what it uses goes
};

TEST_F(ArchiverTest, APassShipsEveryRecordUpToTheServersZxidAndNoFurther) {
  Log(0x100, 16);
  ServeAt(0x10a);
  EXPECT_TRUE(StartArchiver().active());
  archiver_->PassForTest();  // nothing new

  EXPECT_EQ(Archived(), Zxids(0x100, 0x10a));
  ExpectChainedFrom(0xff);
  const auto shipments = shipper_.shipments();
  ASSERT_EQ(shipments.size(), 1u);
  EXPECT_EQ(shipments[0].generation, kGeneration);
  EXPECT_EQ(shipments[0].record.archiver(), "m1");
  EXPECT_EQ(shipments[0].path, store_.PathOf(shipments[0].record.id()));
  EXPECT_EQ(store_.LastZxid(), Zxid{0x10a});
  const proto::ArchiveReport report = archiver_->Report();
  EXPECT_EQ(report.last_zxid(), "0x10a");
  EXPECT_EQ(report.server_zxid(), "0x10a");
  EXPECT_EQ(report.segments(), 1u);
  EXPECT_EQ(report.error(), "");
}

TEST_F(ArchiverTest, ALaterPassShipsOnlyWhatWasCommittedSince) {
  Log(0x100, 16);
  ServeAt(0x10a);
  StartArchiver();
  Log(0x110, 16);  // the server rolled to a new log
  ServeAt(0x11c);
  archiver_->PassForTest();

  EXPECT_EQ(Archived(), Zxids(0x100, 0x11c));
  ExpectChainedFrom(0xff);
  ASSERT_EQ(shipper_.shipments().size(), 2u);
  EXPECT_EQ(shipper_.shipments()[1].record.id(), SegmentId(0x10b, 0x11c));
  EXPECT_EQ(archiver_->Report().segments(), 2u);
}

TEST_F(ArchiverTest, AnArchiveWithNothingYetStartsAtTheOldestLoggedTransaction) {
  Log(0x150, 16);  // everything before was purged long ago
  Log(0x160, 4);
  ServeAt(0x163);
  StartArchiver();
  EXPECT_EQ(Archived(), Zxids(0x150, 0x163));
  ExpectChainedFrom(0x14f);
}

TEST_F(ArchiverTest, AnAssignmentBeyondTheStoreContinuesFromTheCoordinatorsEnd) {
  Log(0x100, 32);
  Keep(0x100, 0x105);
  ServeAt(0x11f);
  StartArchiver("0x110");
  EXPECT_EQ(Archived(), Zxids(0x111, 0x11f));
  ExpectChainedFrom(0x110);
}

TEST_F(ArchiverTest, AStoreBeyondTheAssignmentContinuesFromTheStore) {
  Log(0x100, 32);
  Keep(0x100, 0x110);
  ServeAt(0x11f);
  StartArchiver("0x105");
  EXPECT_EQ(Archived(), Zxids(0x111, 0x11f));
  ExpectChainedFrom(0x110);
}

TEST_F(ArchiverTest, OnceTheLeaseLapsesAPassShipsNothing) {
  Log(0x100, 16);
  ServeAt(0x105);
  StartArchiver();
  ServeAt(0x10f);
  clock_.Advance(kLease - 1ms);
  EXPECT_TRUE(archiver_->Report().active());
  clock_.Advance(1ms);
  EXPECT_FALSE(archiver_->Report().active());
  archiver_->PassForTest();
  EXPECT_EQ(Archived(), Zxids(0x100, 0x105));
}

TEST_F(ArchiverTest, ANewJobComparesEveryMastersHoldingsARenewalDoesNot) {
  Log(0x100, 16);
  ServeAt(0x105);
  StartArchiver();
  EXPECT_EQ(shipper_.rechecks(), 1) << "what the archiver before shipped, and where, is unknown";
  proto::ArchiveAssignment renewal;
  renewal.set_lease_ms(static_cast<uint32_t>(std::chrono::milliseconds(kLease).count()));
  renewal.set_interval_ms(static_cast<uint32_t>(std::chrono::milliseconds(kInterval).count()));
  archiver_->Assign(renewal, kGeneration);
  EXPECT_EQ(shipper_.rechecks(), 1);
  archiver_->Assign(renewal, kGeneration + 1);  // a new coordinator: a new job
  EXPECT_EQ(shipper_.rechecks(), 2);
}

TEST_F(ArchiverTest, AReleasedArchiverShipsNothing) {
  Log(0x100, 16);
  ServeAt(0x105);
  StartArchiver();
  ServeAt(0x10f);
  archiver_->Release();
  EXPECT_FALSE(archiver_->Report().active());
  archiver_->PassForTest();
  EXPECT_EQ(Archived(), Zxids(0x100, 0x105));
}

TEST_F(ArchiverTest, AServerNotServingIsAnErrorAndNothingIsShipped) {
  Log(0x100, 16);
  Answer(ServerPosition{.serving = false, .zxid = 0x10f});
  StartArchiver();
  EXPECT_EQ(archiver_->Report().error(), "this master's server is not serving");
  Answer(IoError("srvr: connection refused"));
  archiver_->PassForTest();
  EXPECT_EQ(archiver_->Report().error(), "srvr: connection refused");
  EXPECT_TRUE(shipper_.shipments().empty());
  EXPECT_EQ(archiver_->Report().caught_up_ms(), 0);

  ServeAt(0x10f);
  archiver_->PassForTest();
  EXPECT_EQ(archiver_->Report().error(), "");
  EXPECT_EQ(Archived(), Zxids(0x100, 0x10f));
}

TEST_F(ArchiverTest, PurgedLogsBreakTheChainAndTheArchiveResumesWhereTheLogsDo) {
  Log(0x100, 16);
  ServeAt(0x105);
  StartArchiver();
  Log(0x110, 16);
  std::filesystem::remove(LogPath(0x100));  // purged: 0x106..0x10f were never archived
  ServeAt(0x11f);
  archiver_->PassForTest();
  const proto::ArchiveReport report = archiver_->Report();
  EXPECT_TRUE(report.broken());
  EXPECT_EQ(report.break_after(), "0x105");
  EXPECT_EQ(report.resumes_at(), "0x110");
  EXPECT_EQ(Archived(), Zxids(0x100, 0x105));

  archiver_->PassForTest();
  std::vector<Zxid> expected = Zxids(0x100, 0x105);
  for (Zxid zxid : Zxids(0x110, 0x11f)) expected.push_back(zxid);
  EXPECT_EQ(Archived(), expected);
  EXPECT_EQ(shipper_.shipments().back().record.follows_zxid(), "0x10f");
}

TEST_F(ArchiverTest, AfterAPassThatReachesTheServersZxidCaughtUpIsWhenItAsked) {
  Log(0x100, 16);
  ServeAt(0x105);
  StartArchiver();
  clock_.Advance(5s);
  const int64_t asked_ms = MillisOf(clock_.WallNow());
  ServeAt(0x10f);
  archiver_->PassForTest();
  EXPECT_EQ(archiver_->Report().caught_up_ms(), asked_ms);
  clock_.Advance(3s);
  EXPECT_DOUBLE_EQ(archiver_->Report().lag_seconds(), 3.0);
}

TEST_F(ArchiverTest, APassThatFallsShortLeavesCaughtUpAtTheLastPassItReached) {
  Log(0x100, 16);
  ServeAt(0x10f);
  StartArchiver();
  const int64_t first_ms = MillisOf(clock_.WallNow());
  EXPECT_EQ(archiver_->Report().caught_up_ms(), first_ms);

  clock_.Advance(5s);  // the server has processed 0x114, its log holds up to 0x112 so far
  const int64_t second_ms = MillisOf(clock_.WallNow());
  Log(0x110, 3);
  ServeAt(0x114);
  archiver_->PassForTest();
  EXPECT_EQ(archiver_->Report().caught_up_ms(), first_ms);

  clock_.Advance(5s);  // the log reaches 0x117, the server 0x119
  Log(0x110, 8);
  ServeAt(0x119);
  archiver_->PassForTest();
  EXPECT_EQ(archiver_->Report().caught_up_ms(), second_ms)
      << "0x114 is archived: everything before the second pass asked is";
}

TEST_F(ArchiverTest, ASmallSegmentSizeMakesOnePassWriteSeveralChainedSegments) {
  max_segment_bytes_ = 1;  // every record fills a segment
  Log(0x100, 16);
  ServeAt(0x107);
  StartArchiver();
  EXPECT_EQ(shipper_.shipments().size(), 8u);
  EXPECT_EQ(Archived(), Zxids(0x100, 0x107));
  ExpectChainedFrom(0xff);
  EXPECT_EQ(archiver_->Report().segments(), 8u);
  EXPECT_EQ(store_.List().size(), 8u);
}

}  // namespace
}  // namespace lockstep::archiving

namespace lockstep::agent {
namespace {

using testing::kT0;

int64_t TimeOf(Zxid zxid) { return kT0 + (zxid & 0xffff) * 1000; }

// A stored segment's record; `follows` as the archiver proved it (none for an older record).
proto::ArchiveSegment Record(Zxid first, Zxid last, std::optional<Zxid> follows) {
  const archiving::SegmentInfo info{.first_zxid = first,
                                    .last_zxid = last,
                                    .first_time_ms = TimeOf(first),
                                    .last_time_ms = TimeOf(last),
                                    .records = static_cast<uint64_t>(last - first + 1),
                                    .size_bytes = 100,
                                    .sha256 = std::string(64, 'a')};
  proto::ArchiveSegment record = archiving::SegmentRecord(info, "m1", follows.value_or(0));
  if (!follows) record.clear_follows_zxid();
  return record;
}

proto::ArchiveStatus Described(const std::vector<archiving::Base>& bases,
                               const std::vector<proto::ArchiveSegment>& records) {
  proto::ArchiveStatus status;
  archiving::DescribeChains(bases, archiving::SegmentsOf(records), &status);
  return status;
}

const archiving::Base kBase{"b1", 0x105, TimeOf(0x105)};
const Zxid kEpoch2 = MakeZxid(2, 1);

TEST(DescribeChains, ABaseAndAdjacentSegmentsAreOneChainReachingTheLastZxid) {
  const proto::ArchiveStatus status =
      Described({kBase}, {Record(0x100, 0x110, 0xff), Record(0x111, 0x120, 0x110)});
  EXPECT_EQ(status.segments(), 2u);
  EXPECT_EQ(status.bytes(), 200u);
  EXPECT_EQ(status.last_zxid(), "0x120");
  EXPECT_EQ(status.breaks_size(), 0);
  ASSERT_EQ(status.chains_size(), 1);
  EXPECT_EQ(status.chains(0).base(), "b1");
  EXPECT_EQ(status.chains(0).end_zxid(), "0x120");
  EXPECT_EQ(status.chains(0).segments(), 2u);
  EXPECT_EQ(status.earliest_zxid(), "0x105");
  EXPECT_EQ(status.latest_zxid(), "0x120");
}

TEST(DescribeChains, AHoleIsABreakAndTheChainStopsAtIt) {
  const proto::ArchiveStatus status =
      Described({kBase}, {Record(0x100, 0x110, 0xff), Record(0x115, 0x120, 0x114)});
  ASSERT_EQ(status.breaks_size(), 1);
  EXPECT_EQ(status.breaks(0).after_zxid(), "0x110");
  EXPECT_EQ(status.breaks(0).resumes_at(), "0x115");
  ASSERT_EQ(status.chains_size(), 1);
  EXPECT_EQ(status.chains(0).end_zxid(), "0x110");
  EXPECT_EQ(status.chains(0).segments(), 1u);
  EXPECT_EQ(status.latest_zxid(), "0x110");
  EXPECT_EQ(status.last_zxid(), "0x120") << "the archive goes on after the break";
}

TEST(DescribeChains, AnEpochJumpJoinsWhenItFollowsWhatIsCovered) {
  const proto::ArchiveStatus status =
      Described({kBase}, {Record(0x100, 0x110, 0xff), Record(kEpoch2, kEpoch2 + 5, 0x110)});
  EXPECT_EQ(status.breaks_size(), 0);
  ASSERT_EQ(status.chains_size(), 1);
  EXPECT_EQ(status.chains(0).end_zxid(), FormatZxid(kEpoch2 + 5));
}

TEST(DescribeChains, AnEpochJumpProvenToFollowAnotherZxidIsABreak) {
  const proto::ArchiveStatus status =
      Described({kBase}, {Record(0x100, 0x110, 0xff), Record(kEpoch2, kEpoch2 + 5, 0x10c)});
  ASSERT_EQ(status.breaks_size(), 1);
  EXPECT_EQ(status.breaks(0).after_zxid(), "0x110");
  EXPECT_EQ(status.breaks(0).resumes_at(), FormatZxid(kEpoch2));
  ASSERT_EQ(status.chains_size(), 1);
  EXPECT_EQ(status.chains(0).end_zxid(), "0x110");
}

TEST(DescribeChains, AnEpochJumpWithoutProofJoinsByTheZxidRule) {
  const proto::ArchiveStatus status =
      Described({kBase}, {Record(0x100, 0x110, 0xff), Record(kEpoch2, kEpoch2 + 5, std::nullopt)});
  EXPECT_EQ(status.breaks_size(), 0);
  ASSERT_EQ(status.chains_size(), 1);
  EXPECT_EQ(status.chains(0).end_zxid(), FormatZxid(kEpoch2 + 5));
}

proto::Backup BackupOf(const std::string& id, proto::BackupStatus state, const char* zxid) {
  proto::Backup backup;
  backup.set_id(id);
  backup.set_status(state);
  backup.set_timestamp("2025-11-25T09:42:10Z");
  if (zxid) (*backup.mutable_component_status())["zookeeper"].set_last_zxid(zxid);
  return backup;
}

TEST(BasesOf, AreReadyZookeeperBackupsInZxidOrder) {
  proto::Backup deleted = BackupOf("deleted", proto::STATUS_READY, "0x130");
  deleted.set_deleted(true);
  proto::Backup other = BackupOf("marathon-only", proto::STATUS_READY, nullptr);
  (*other.mutable_component_status())["marathon"].set_last_zxid("0x140");
  const std::vector<archiving::Base> bases =
      archiving::BasesOf({BackupOf("newer", proto::STATUS_READY, "0x200"), deleted, other,
                          BackupOf("failed", proto::STATUS_ERROR, "0x150"),
                          BackupOf("running", proto::STATUS_BACKING_UP, "0x160"),
                          BackupOf("older", proto::STATUS_READY, "0x100")});
  ASSERT_EQ(bases.size(), 2u);
  EXPECT_EQ(bases[0].id, "older");
  EXPECT_EQ(bases[0].zxid, 0x100);
  EXPECT_EQ(bases[1].id, "newer");
  EXPECT_EQ(bases[1].zxid, 0x200);
  EXPECT_EQ(bases[1].time_ms, 1764063730000);  // 2025-11-25T09:42:10Z
}

TEST(SegmentsOf, SkipsRecordsThatDoNotParseAndSortsByZxid) {
  proto::ArchiveSegment mismatched = Record(0x130, 0x140, 0x12f);
  mismatched.set_id(archiving::SegmentId(0x130, 0x141));
  const std::vector<archiving::Segment> segments = archiving::SegmentsOf(
      {Record(0x111, 0x120, 0x110), mismatched, Record(0x100, 0x110, std::nullopt)});
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].info.first_zxid, 0x100);
  EXPECT_FALSE(segments[0].follows);
  EXPECT_EQ(segments[1].info.first_zxid, 0x111);
  EXPECT_EQ(segments[1].follows, Zxid{0x110});
}

}  // namespace
}  // namespace lockstep::agent

namespace lockstep::agent {
namespace {

using archiving::SegmentInfo;
using archiving::SegmentRecord;
using archiving::SegmentStore;
using testing::LogOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteSegment;

// Retention: three stored segments, 0x100-0x107, 0x108-0x10f, 0x110-0x117.
class PruneSegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Open().ok());
    Zxid follows = 0xff;
    for (Zxid first : {Zxid{0x100}, Zxid{0x108}, Zxid{0x110}}) {
      auto part = LogOf(first, 8);
      const std::string made = dir_ / ("made-" + std::to_string(first));
      const SegmentInfo info =
          WriteSegment(dir_ / ("log." + std::to_string(first)), part.bytes(), made);
      const proto::ArchiveSegment record = SegmentRecord(info, "m1", follows);
      ASSERT_TRUE(store_.Receive(record, ReadFile(made)).ok());
      follows = info.last_zxid;
    }
  }
  std::vector<std::string> Held() const {
    std::vector<std::string> ids;
    for (const auto& record : store_.List()) ids.push_back(record.id());
    return ids;
  }
  static proto::Backup Base(const std::string& id, const std::string& zxid) {
    proto::Backup backup;
    backup.set_id(id);
    backup.set_status(proto::STATUS_READY);
    backup.set_timestamp("2026-12-01T10:00:00Z");
    (*backup.mutable_component_status())["zookeeper"].set_last_zxid(zxid);
    return backup;
  }

  TempDir dir_;
  SegmentStore store_{dir_ / "archive"};
};

TEST_F(PruneSegmentsTest, SegmentsNoKeptBaseNeedsGoTheRestStay) {
  // The oldest base at 0x10a: the first segment is wholly behind it; the second holds 0x10b on.
  const std::vector<std::string> removed =
      archiving::PruneSegments({Base("newer", "0x115"), Base("oldest", "0x10a")}, store_);
  EXPECT_EQ(removed, (std::vector<std::string>{archiving::SegmentId(0x100, 0x107)}));
  EXPECT_EQ(Held(), (std::vector<std::string>{archiving::SegmentId(0x108, 0x10f),
                                              archiving::SegmentId(0x110, 0x117)}));
  EXPECT_FALSE(std::filesystem::exists(store_.PathOf(archiving::SegmentId(0x100, 0x107))));
}

TEST_F(PruneSegmentsTest, WithoutABaseNothingIsRemoved) {
  proto::Backup failed = Base("failed", "0x120");
  failed.set_status(proto::STATUS_ERROR);
  EXPECT_TRUE(archiving::PruneSegments({failed}, store_).empty());
  EXPECT_EQ(Held().size(), 3u);
}

TEST_F(PruneSegmentsTest, ABaseAtASegmentsLastZxidReleasesIt) {
  EXPECT_EQ(archiving::PruneSegments({Base("at", "0x10f")}, store_).size(), 2u);
  EXPECT_EQ(Held(), (std::vector<std::string>{archiving::SegmentId(0x110, 0x117)}));
}

TEST(ContinueAfter, TheArchivesEndUnlessRetentionWouldDropWhatFollowsIt) {
  const std::vector<archiving::Base> bases = {{"oldest", 0x200, 0}, {"newest", 0x300, 0}};
  EXPECT_EQ(archiving::ContinueAfter({}, std::nullopt), "")
      << "nothing yet: wherever the logs begin";
  EXPECT_EQ(archiving::ContinueAfter(bases, std::nullopt), "0x300")
      << "no archive: the newest base";
  EXPECT_EQ(archiving::ContinueAfter(bases, Zxid{0x250}), "0x250")
      << "an archive inside the window";
  EXPECT_EQ(archiving::ContinueAfter(bases, Zxid{0x350}), "0x350");
  // An archive that lagged behind the oldest base: what lies between would be removed at once.
  EXPECT_EQ(archiving::ContinueAfter(bases, Zxid{0x150}), "0x200");
  EXPECT_EQ(archiving::ContinueAfter({}, Zxid{0x150}), "0x150");
}

}  // namespace
}  // namespace lockstep::agent

// ---- WriteReplayLog: the chain's segments as one log cut at the target ---------------------

namespace lockstep::archiving {
namespace {

// A store holding 0x100..0x107, 0x108..0x10f and 0x110..0x117, shipped as a chain.
class ReplayLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Open().ok());
    std::filesystem::create_directories(dir_ / "staged");
    Zxid follows = 0xff;
    for (Zxid first : {Zxid{0x100}, Zxid{0x108}, Zxid{0x110}}) {
      const std::string made = dir_ / ("made-" + std::to_string(first));
      const SegmentInfo info =
          WriteSegment(dir_ / ("log." + std::to_string(first)), LogOf(first, 8).bytes(), made);
      chain_.push_back(SegmentRecord(info, "m1", follows));
      ASSERT_TRUE(store_.Receive(chain_.back(), ReadFile(made)).ok());
      follows = info.last_zxid;
    }
  }
  // The zxids of the log written into staged/, read as ZooKeeper would.
  std::vector<Zxid> Replayed(const std::string& path) const {
    std::vector<Zxid> zxids;
    auto source = zkfmt::FileSource::Open(path);
    EXPECT_TRUE(source.ok());
    if (!source.ok()) return zxids;
    zkfmt::TxnVisitor keep = [&](const zkfmt::TxnRecord& record) { zxids.push_back(record.zxid); };
    zkfmt::TxnLogReadOptions options;
    options.visitor = &keep;
    auto summary = zkfmt::ReadTxnLog(source->get(), path, options);
    EXPECT_TRUE(summary.ok() && summary->problems.empty());
    return zxids;
  }
  std::vector<std::string> Staged() const { return FilesIn(dir_ / "staged"); }

  TempDir dir_;
  SegmentStore store_{dir_ / "archive"};
  std::vector<proto::ArchiveSegment> chain_;
};

TEST_F(ReplayLogTest, TheLogStartsAfterTheBaseAndEndsAtTheTarget) {
  Result<ReplayLog> replay = WriteReplayLog(store_, chain_, 0x103, 0x112, dir_ / "staged");
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->path, dir_ / "staged/log.104");
  EXPECT_EQ(replay->last, 0x112);
  EXPECT_EQ(replay->records, 0x112u - 0x103u);
  EXPECT_EQ(Replayed(replay->path), Zxids(0x104, 0x112));
}

TEST_F(ReplayLogTest, ADamagedSegmentIsNamedAndNothingIsLeftBehind) {
  const std::string path = store_.PathOf(chain_[1].id());
  std::string bytes = ReadFile(path);
  bytes[bytes.size() / 2] ^= 0x20;
  WriteFile(path, bytes);
  Result<ReplayLog> replay = WriteReplayLog(store_, chain_, 0x103, 0x112, dir_ / "staged");
  EXPECT_EQ(replay.status().code(), StatusCode::kCorruption) << replay.status().ToString();
  EXPECT_NE(replay.status().message().find(chain_[1].id()), std::string::npos)
      << replay.status().message();
  EXPECT_TRUE(Staged().empty()) << "a refused replay left " << Staged().front();
}

TEST_F(ReplayLogTest, AMissingSegmentIsNamedAndNothingIsLeftBehind) {
  ASSERT_TRUE(store_.Remove(chain_[1].id()).ok());
  Result<ReplayLog> replay = WriteReplayLog(store_, chain_, 0x103, 0x112, dir_ / "staged");
  EXPECT_FALSE(replay.ok());
  EXPECT_NE(replay.status().message().find(chain_[1].id()), std::string::npos)
      << replay.status().message();
  EXPECT_TRUE(Staged().empty());
}

TEST_F(ReplayLogTest, AHoleOrAnEndBeforeTheTargetIsRefused) {
  const std::vector<proto::ArchiveSegment> holed = {chain_[0], chain_[2]};
  Result<ReplayLog> hole = WriteReplayLog(store_, holed, 0x103, 0x112, dir_ / "staged");
  EXPECT_EQ(hole.status().code(), StatusCode::kFailedPrecondition) << hole.status().ToString();
  EXPECT_NE(hole.status().message().find("hole"), std::string::npos) << hole.status().message();
  const std::vector<proto::ArchiveSegment> short_chain = {chain_[0], chain_[1]};
  Result<ReplayLog> short_end = WriteReplayLog(store_, short_chain, 0x103, 0x112, dir_ / "staged");
  EXPECT_EQ(short_end.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(short_end.status().message().find("0x10f"), std::string::npos)
      << short_end.status().message();
  EXPECT_EQ(WriteReplayLog(store_, chain_, 0x112, 0x112, dir_ / "staged").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(Staged().empty());
}

}  // namespace
}  // namespace lockstep::archiving
