// ZooKeeper on-disk formats: every case docs/design.md names, on synthesized
// files.
#include <gtest/gtest.h>

#include "common/sha256.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/data_dir.h"
#include "engine/zkfmt/snapshot.h"
#include "engine/zkfmt/txnlog.h"
#include "tests/zk_files.h"

namespace lockstep::zkfmt {
namespace {

using testing::BaseTree;
using testing::BuildSnapshot;
using testing::SnapshotSpec;
using testing::TempDir;
using testing::TxnLogBuilder;
using testing::WriteFile;

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min(size, data_.size() - pos_);
    std::copy_n(data_.data() + pos_, n, buffer);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

SnapshotSummary ParseSnapshot(const std::string& bytes) {
  StringSource source(bytes);
  auto summary = ReadSnapshot(&source, "snapshot.10");
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return *summary;
}

TxnLogSummary ParseLog(const std::string& bytes, std::optional<Zxid> max = std::nullopt) {
  StringSource source(bytes);
  TxnLogReadOptions options;
  options.max_zxid = max;
  auto summary = ReadTxnLog(&source, "log.1", options);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return *summary;
}

std::vector<testing::TestNode> TreeWith(int extra) {
  auto nodes = BaseTree();
  for (int i = 0; i < extra; ++i) nodes.push_back({"/n" + std::to_string(i), "data"});
  return nodes;
}

TEST(Snapshot, ThreeFourStyleWithoutDigestIsValid) {
  auto s = ParseSnapshot(BuildSnapshot({TreeWith(3), false}));
  EXPECT_TRUE(s.valid);
  EXPECT_FALSE(s.has_digest);
  EXPECT_EQ(s.node_count, 7u);
  EXPECT_EQ(s.session_count, 1u);
}

TEST(Snapshot, DigestSectionIsReadAndSealed) {
  auto s = ParseSnapshot(BuildSnapshot({TreeWith(2), true}));
  EXPECT_TRUE(s.valid);
  EXPECT_TRUE(s.has_digest);
  EXPECT_EQ(s.node_count, 6u);
}

TEST(Snapshot, BitFlipInNodeDataBreaksTheSeal) {
  std::string bytes = BuildSnapshot({TreeWith(3), true});
  size_t pos = bytes.find("data");
  bytes[pos] ^= 0x01;
  auto s = ParseSnapshot(bytes);
  EXPECT_FALSE(s.valid);
  ASSERT_FALSE(s.problems.empty());
  EXPECT_NE(s.problems[0].message.find("Adler32"), std::string::npos);
  EXPECT_NE(s.problems[0].expected, s.problems[0].actual);
}

TEST(Snapshot, TruncatedSnapshotIsInvalid) {
  std::string bytes = BuildSnapshot({TreeWith(3), true});
  auto s = ParseSnapshot(bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(s.valid);
  EXPECT_NE(s.problems.at(0).message.find("truncated"), std::string::npos);
}

TEST(Snapshot, CompressedSnapshotsAreRefusedWithAdvice) {
  auto gz = ParseSnapshot(std::string("\x1f\x8b\x08\x00rest", 8));
  EXPECT_FALSE(gz.valid);
  EXPECT_NE(gz.problems.at(0).message.find("gzip"), std::string::npos);
  EXPECT_NE(gz.problems.at(0).message.find("compression.method"), std::string::npos);
  auto snappy = ParseSnapshot(std::string("\x82SNAPPY\x00", 8));
  EXPECT_NE(snappy.problems.at(0).message.find("snappy"), std::string::npos);
}

TEST(Snapshot, WrongMagicIsNamed) {
  std::string bytes = BuildSnapshot({TreeWith(0), true});
  bytes[0] = 'X';
  auto s = ParseSnapshot(bytes);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.problems.at(0).expected, "0x5a4b534e");
}

TEST(TxnLog, RecordsEndAtZeroPreallocation) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b").Preallocate(4096);
  auto s = ParseLog(log.bytes());
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 2u);
  EXPECT_EQ(*s.first_zxid, 0x11);
  EXPECT_EQ(*s.last_zxid, 0x12);
  EXPECT_EQ(s.data_size, log.bytes().size() - 4096);
  EXPECT_TRUE(s.problems.empty());
}

TEST(TxnLog, TornLastRecordIsTheEndAndReported) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b");
  std::string bytes = log.bytes();
  auto s = ParseLog(bytes.substr(0, bytes.size() - 5));
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 1u);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_FALSE(s.problems[0].fatal);
  EXPECT_EQ(s.problems[0].offset, log.record_offsets()[1]);
}

TEST(TxnLog, MissingEndMarkerIsATornRecord) {
  TxnLogBuilder log;
  log.Create(0x11, "/a");
  std::string bytes = log.bytes();
  bytes.back() = 0;  // 'B' never written
  auto s = ParseLog(bytes);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 0u);
  EXPECT_EQ(s.problems.size(), 1u);
}

TEST(TxnLog, BadChecksumIsFatal) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b");
  std::string bytes = log.bytes();
  bytes[log.record_offsets()[1] + 30] ^= 0x40;
  auto s = ParseLog(bytes);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.record_count, 1u);
  EXPECT_TRUE(s.problems.at(0).fatal);
  EXPECT_NE(s.problems.at(0).message.find("checksum"), std::string::npos);
}

TEST(TxnLog, EmptyFileIsAValidLogWithoutRecords) {
  auto s = ParseLog("");
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 0u);
  EXPECT_TRUE(s.problems.empty());
}

TEST(TxnLog, UnknownOpcodeIsSkippedByLength) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Record(0x12, 999, std::string(40, 'z')).Create(0x13, "/b");
  auto s = ParseLog(log.bytes());
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 3u);
}

TEST(TxnLog, GapInsideAnEpochIsFatal) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x13, "/b");
  auto s = ParseLog(log.bytes());
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.problems.at(0).expected, "0x12");
  EXPECT_EQ(s.problems.at(0).actual, "0x13");
}

TEST(TxnLog, AGapTheSnapshotCoversIsNotedNotFatal) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x1c, "/b").Create(0x1d, "/c");
  StringSource source(log.bytes());
  TxnLogReadOptions options;
  options.covered_through = 0x1b;  // 0x12..0x1b are in the snapshot
  auto covered = ReadTxnLog(&source, "log.11", options);
  ASSERT_TRUE(covered.ok());
  EXPECT_TRUE(covered->valid);
  ASSERT_EQ(covered->problems.size(), 1u);
  EXPECT_FALSE(covered->problems[0].fatal);
  EXPECT_NE(covered->problems[0].message.find("in the snapshot"), std::string::npos);
  StringSource again(log.bytes());
  options.covered_through = 0x1a;  // 0x1b is in neither
  auto lost = ReadTxnLog(&again, "log.11", options);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->valid);
}

TEST(TxnLog, TransactionsLoggedTwiceAreReportedNotFatal) {
  // What a ZooKeeper 3.8 follower leaves after a sync: 0x12..0x13 written again, then on.
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b").Create(0x13, "/c");
  log.Create(0x12, "/b").Create(0x13, "/c").Create(0x14, "/d");
  auto s = ParseLog(log.bytes());
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.record_count, 6u);
  EXPECT_EQ(*s.last_zxid, 0x14);
  ASSERT_EQ(s.problems.size(), 1u);  // one report for the whole repeat
  EXPECT_FALSE(s.problems[0].fatal);
  EXPECT_NE(s.problems[0].message.find("2 transaction(s) logged twice"), std::string::npos);
  EXPECT_EQ(s.problems[0].offset, log.record_offsets()[3]);
  // A gap after the repeat is still a gap.
  TxnLogBuilder gap;
  gap.Create(0x11, "/a").Create(0x12, "/b").Create(0x11, "/a").Create(0x14, "/d");
  EXPECT_FALSE(ParseLog(gap.bytes()).valid);
  // A zxid reused for another transaction is corruption, not a repeat.
  TxnLogBuilder reused;
  reused.Create(0x11, "/a").Create(0x12, "/b").Create(0x12, "/other");
  auto r = ParseLog(reused.bytes());
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.problems.at(0).message, "zxid repeated with different content");
}

TEST(TxnLog, NewEpochMayRestartTheCounter) {
  TxnLogBuilder log;
  log.Create(0x100000011, "/a").Create(0x200000001, "/b");
  EXPECT_TRUE(ParseLog(log.bytes()).valid);
}

TEST(TxnLog, CutsAfterTheLastRecordAtOrBelowMaxZxid) {
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b").Create(0x13, "/c");
  auto s = ParseLog(log.bytes(), 0x12);
  EXPECT_TRUE(s.cut);
  EXPECT_EQ(*s.last_zxid, 0x12);
  EXPECT_EQ(s.data_size, log.record_offsets()[2]);
}

// A data directory: snapshot.10 holding the base tree + /n0../n2 (zxid 0x10), logs around it.
class DataDirTest : public ::testing::Test {
 protected:
  void WriteSnapshot(const std::string& name, const std::string& bytes) {
    WriteFile(dir_ / ("version-2/" + name), bytes);
  }
  void WriteLog(const std::string& name, const TxnLogBuilder& log) {
    WriteFile(dir_ / ("version-2/" + name), log.bytes());
  }
  RestorableSet Select(std::optional<Zxid> max = std::nullopt) {
    ScanOptions options;
    options.max_zxid = max;
    options.compute_sha256 = true;
    auto set = SelectRestorableSet({dir_.path(), dir_.path()}, options);
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return *set;
  }

  TempDir dir_;
};

TEST_F(DataDirTest, IncludesTheLastLogStartingBeforeTheSnapshot) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(3), true}));
  TxnLogBuilder old_log, straddling, newer;
  old_log.Create(0x1, "/old");
  for (int z = 0x2; z <= 0x12; ++z) straddling.Create(z, "/s" + std::to_string(z));
  newer.Create(0x13, "/late");
  WriteLog("log.1", old_log);
  WriteLog("log.2", straddling);
  WriteLog("log.13", newer);
  RestorableSet set = Select();
  ASSERT_TRUE(set.valid());
  ASSERT_EQ(set.logs.size(), 2u);
  EXPECT_EQ(set.logs[0].file.name, "log.2");
  EXPECT_EQ(set.logs[1].file.name, "log.13");
  EXPECT_EQ(set.last_zxid, 0x13);
  // 7 snapshot nodes + /s17 and /s18 (0x11, 0x12) + /late, plus ZooKeeper's double-counted root.
  EXPECT_EQ(set.node_count, 7u + 3u + 1u);
}

// What a follower synced by snapshot leaves: its open log goes on after the snapshot's zxid.
TEST_F(DataDirTest, AFollowersLogThatJumpsOverItsSnapshotIsRestorable) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(3), true}));
  TxnLogBuilder log;
  log.Create(0x1, "/before").Create(0x11, "/after").Create(0x12, "/later");
  WriteLog("log.1", log);
  RestorableSet set = Select();
  EXPECT_TRUE(set.valid());
  EXPECT_EQ(set.last_zxid, 0x12);
}

TEST_F(DataDirTest, MissingEarlierLogMakesTheSetInvalid) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(3), true}));
  TxnLogBuilder later;
  later.Create(0x15, "/x");
  WriteLog("log.15", later);
  RestorableSet set = Select();
  EXPECT_FALSE(set.valid());
  ASSERT_FALSE(set.problems.empty());
  EXPECT_EQ(set.problems[0].expected, "0x11");
  EXPECT_EQ(set.problems[0].actual, "0x15");
}

TEST_F(DataDirTest, NewestBrokenSnapshotFallsBackToAnOlderOne) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(3), true}));
  std::string broken = BuildSnapshot({TreeWith(5), true});
  WriteSnapshot("snapshot.12", broken.substr(0, broken.size() - 10));
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b");
  WriteLog("log.11", log);
  RestorableSet set = Select();
  ASSERT_TRUE(set.valid());
  EXPECT_EQ(set.snapshot->file.name, "snapshot.10");
  EXPECT_EQ(set.last_zxid, 0x12);
  EXPECT_FALSE(set.problems.empty());  // the broken one is reported, not fatal
}

TEST_F(DataDirTest, NoSnapshotIsNotRestorable) {
  TxnLogBuilder log;
  log.Create(0x1, "/a");
  WriteLog("log.1", log);
  EXPECT_FALSE(Select().valid());
}

TEST_F(DataDirTest, ReplayFollowsDeletesMultisAndClosedSessions) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(3), true}));
  TxnLogBuilder log;
  log.Create(0x11, "/eph", true, 42)
      .Delete(0x12, "/n0")
      .Multi(0x13, {{1, TxnLogBuilder::CreateBody("/m1", false, "")},
                    {1, TxnLogBuilder::CreateBody("/m2", false, "")}})
      .Multi(0x14, {{1, TxnLogBuilder::CreateBody("/failed", false, "")}, {-1, ""}})
      .SetData(0x15, "/m1")
      .Create(0x16, "/n1")  // exists already: no change, as in ZooKeeper
      .CloseSession(0x17, 42);
  WriteLog("log.11", log);
  RestorableSet set = Select();
  ASSERT_TRUE(set.valid());
  // 7 - /n0 + /m1 + /m2 (the failed multi and the closed session's node leave nothing) + root.
  EXPECT_EQ(set.node_count, 7u - 1u + 2u + 1u);
}

TEST_F(DataDirTest, OnlineCutStopsAtMaxZxidAndHashesOnlyWhatIsKept) {
  WriteSnapshot("snapshot.10", BuildSnapshot({TreeWith(0), true}));
  TxnLogBuilder log;
  log.Create(0x11, "/a").Create(0x12, "/b").Create(0x13, "/c").Preallocate(1000);
  WriteLog("log.11", log);
  RestorableSet set = Select(0x12);
  ASSERT_TRUE(set.valid());
  EXPECT_EQ(set.last_zxid, 0x12);
  EXPECT_EQ(set.logs[0].size, log.record_offsets()[2]);
  EXPECT_EQ(set.logs[0].sha256, Sha256Hex(log.bytes().substr(0, log.record_offsets()[2])));
}

}  // namespace
}  // namespace lockstep::zkfmt
