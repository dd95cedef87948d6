// Continuous archiving's building blocks: segments (a ZooKeeper transaction log, zstd-compressed,
// described by its zxids, times and sha256) written from a server's log records and expanded
// back byte for byte, cut at a target, refused when damaged; and chains of a base and segments
// resolved to a point-in-time plan, or refused naming the break.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/crypto/keys.h"
#include "common/file.h"
#include "common/sha256.h"
#include "engine/archiving/chain.h"
#include "engine/archiving/log_tail.h"
#include "engine/zkfmt/byte_source.h"
#include "tests/archive_logs.h"
#include "tests/zk_files.h"

namespace lockstep::archiving {
namespace {

using testing::kT0;
using testing::LogOf;
using testing::TempDir;
using testing::TxnLogBuilder;
using testing::WriteFile;
using testing::WriteSegment;

std::string Slurp(const std::string& path) {
  auto text = ReadSmallFile(path, 64 << 20);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

TEST(Segment, ExpandsToTheServersLogByteForByte) {
  TempDir dir;
  const std::string log = LogOf(0x100, 50).Preallocate(4096).bytes();
  SegmentInfo info = WriteSegment(dir / "log.100", log, dir / "seg");
  EXPECT_EQ(info.first_zxid, 0x100);
  EXPECT_EQ(info.last_zxid, 0x131);
  EXPECT_EQ(info.records, 50u);
  EXPECT_EQ(info.first_time_ms, kT0 + 0x100 * 1000);
  EXPECT_EQ(info.last_time_ms, kT0 + 0x131 * 1000);
  EXPECT_EQ(info.sha256, Sha256Hex(Slurp(dir / "seg")));
  EXPECT_EQ(info.size_bytes, Slurp(dir / "seg").size());
  EXPECT_LT(info.size_bytes, log.size()) << "the segment is not compressed";

  ASSERT_TRUE(ExpandSegment(dir / "seg", info, dir / "expanded").ok());
  // The server's log without its zero preallocation, with its header's dbid (0) as written.
  const std::string expected = LogOf(0x100, 50).bytes();
  EXPECT_EQ(Slurp(dir / "expanded"), expected);
}

TEST(Segment, ACutEndsTheLogAtTheTarget) {
  TempDir dir;
  SegmentInfo info = WriteSegment(dir / "log.100", LogOf(0x100, 50).bytes(), dir / "seg");
  ASSERT_TRUE(ExpandSegment(dir / "seg", info, dir / "cut", Zxid{0x110}).ok());
  auto source = zkfmt::FileSource::Open(dir / "cut");
  ASSERT_TRUE(source.ok());
  auto summary = zkfmt::ReadTxnLog(source->get(), "cut");
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(*summary->last_zxid, 0x110);
  EXPECT_EQ(summary->record_count, 0x11u);
  EXPECT_EQ(summary->file_size, summary->data_size) << "bytes beyond the cut were kept";
}

TEST(Segment, DamageAndAWrongRecordAreRefusedAndLeaveNothing) {
  TempDir dir;
  SegmentInfo info = WriteSegment(dir / "log.100", LogOf(0x100, 50).bytes(), dir / "seg");
  SegmentInfo wrong = info;
  wrong.last_zxid = 0x140;
  Status refused = ExpandSegment(dir / "seg", wrong, dir / "out1");
  EXPECT_EQ(refused.code(), StatusCode::kCorruption);
  EXPECT_NE(refused.message().find("0x140"), std::string::npos) << refused.message();
  EXPECT_FALSE(std::ifstream(dir / "out1").good()) << "a refused expansion left its log";

  std::string bytes = Slurp(dir / "seg");
  bytes[bytes.size() / 2] ^= 0x20;
  WriteFile(dir / "seg", bytes);
  Status damaged = ExpandSegment(dir / "seg", info, dir / "out2");
  EXPECT_EQ(damaged.code(), StatusCode::kCorruption) << damaged.ToString();
  EXPECT_FALSE(std::ifstream(dir / "out2").good());
  EXPECT_FALSE(ReadSegment(dir / "seg", info, [](const zkfmt::TxnRecord&) {}).ok());
}

TEST(Segment, EncryptedItReadsOnlyWithAnIdentityAndItsBytesCheckWithout) {
  TempDir dir;
  Result<age::X25519Identity> identity = age::GenerateIdentity();
  Result<age::X25519Identity> stranger = age::GenerateIdentity();
  ASSERT_TRUE(identity.ok() && stranger.ok());
  const std::string log = LogOf(0x100, 50).bytes();
  SegmentInfo info = WriteSegment(dir / "log.100", log, dir / "seg", {identity->recipient()});
  EXPECT_TRUE(info.encrypted);
  const std::string stored = Slurp(dir / "seg");
  EXPECT_TRUE(stored.starts_with("age-encryption.org/v1")) << "not an age file";
  EXPECT_EQ(info.sha256, Sha256Hex(stored)) << "the sha256 is not the stored (encrypted) file's";
  EXPECT_EQ(info.size_bytes, stored.size());
  // A master without the secret checks the stored bytes.
  EXPECT_TRUE(CheckStoredSegment(dir / "seg", info).ok());

  // Without an identity, or with another one, the transactions stay unread.
  Status none = ExpandSegment(dir / "seg", info, dir / "out0");
  EXPECT_EQ(none.code(), StatusCode::kInvalidArgument) << none.ToString();
  EXPECT_NE(none.message().find("identity"), std::string::npos) << none.message();
  EXPECT_FALSE(ExpandSegment(dir / "seg", info, dir / "out1", std::nullopt, {*stranger}).ok());
  EXPECT_FALSE(std::ifstream(dir / "out1").good()) << "a refused expansion left its log";

  ASSERT_TRUE(ExpandSegment(dir / "seg", info, dir / "plain", std::nullopt, {*identity}).ok());
  EXPECT_EQ(Slurp(dir / "plain"), log);
  size_t read = 0;
  EXPECT_TRUE(
      ReadSegment(dir / "seg", info, [&](const zkfmt::TxnRecord&) { ++read; }, {*identity}).ok());
  EXPECT_EQ(read, 50u);

  // One bit flipped: the stored bytes no longer check, and the payload no longer opens.
  std::string damaged = stored;
  damaged[damaged.size() - 40] ^= 0x01;
  WriteFile(dir / "seg", damaged);
  EXPECT_EQ(CheckStoredSegment(dir / "seg", info).code(), StatusCode::kCorruption);
  EXPECT_FALSE(ReadSegment(dir / "seg", info, [](const zkfmt::TxnRecord&) {}, {*identity}).ok());
}

TEST(Segment, ARepeatedZxidIsSkippedAnOlderOneRefused) {
  TempDir dir;
  TxnLogBuilder log = LogOf(0x100, 3);
  WriteFile(dir / "log", log.bytes());
  auto writer = SegmentWriter::Create(dir / "seg");
  ASSERT_TRUE(writer.ok());
  std::vector<zkfmt::TxnRecord> seen;
  std::vector<std::string> txns;
  auto source = zkfmt::FileSource::Open(dir / "log");
  ASSERT_TRUE(source.ok());
  zkfmt::TxnVisitor keep = [&](const zkfmt::TxnRecord& record) {
    txns.push_back(*record.txn);
    seen.push_back(record);
  };
  zkfmt::TxnLogReadOptions options;
  options.visitor = &keep;
  ASSERT_TRUE(zkfmt::ReadTxnLog(source->get(), "log", options).ok());
  for (size_t i = 0; i < seen.size(); ++i) seen[i].txn = &txns[i];
  ASSERT_TRUE((*writer)->Append(seen[0]).ok());
  ASSERT_TRUE((*writer)->Append(seen[1]).ok());
  EXPECT_TRUE((*writer)->Append(seen[1]).ok());
  EXPECT_EQ((*writer)->records(), 2u);
  EXPECT_EQ((*writer)->Append(seen[0]).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SegmentWriter::Create(dir / "empty").value()->Finish().status().code(),
            StatusCode::kFailedPrecondition);
}

Segment Seg(const std::string& id, Zxid first, Zxid last) {
  Segment segment;
  segment.id = id;
  segment.info.first_zxid = first;
  segment.info.last_zxid = last;
  segment.info.first_time_ms = kT0 + (first & 0xffff) * 1000;
  segment.info.last_time_ms = kT0 + (last & 0xffff) * 1000;
  return segment;
}

std::vector<std::string> Ids(const std::vector<Segment>& segments) {
  std::vector<std::string> ids;
  for (const auto& s : segments) ids.push_back(s.id);
  return ids;
}

TEST(Chain, OverlapsAndNewEpochsContinueAHoleEndsIt) {
  const Base base{"b1", 0x105, kT0 + 0x105 * 1000};
  const Zxid epoch2 = MakeZxid(2, 1);
  std::vector<Segment> segments = {Seg("old", 0x100, 0x104), Seg("s1", 0x100, 0x110),
                                   Seg("s2", 0x111, 0x120), Seg("s3", epoch2, epoch2 + 5),
                                   Seg("after-hole", epoch2 + 8, epoch2 + 9)};
  EXPECT_EQ(Ids(ContinuationOf(base, segments)), (std::vector<std::string>{"s1", "s2", "s3"}));
  EXPECT_TRUE(Follows(0x120, epoch2));
  EXPECT_FALSE(Follows(0x120, 0x122));
}

TEST(Chain, PlansAZxidTheLatestAndRefusesAcrossABreak) {
  const std::vector<Base> bases = {{"b1", 0x105, kT0 + 0x105 * 1000},
                                   {"b2", 0x118, kT0 + 0x118 * 1000}};
  const std::vector<Segment> segments = {Seg("s1", 0x100, 0x110), Seg("s2", 0x111, 0x120),
                                         Seg("s4", 0x130, 0x140)};
  TimeLookup unused = [](const Segment&, int64_t) -> Result<std::optional<Zxid>> {
    return Internal("not asked");
  };
  auto middle = PlanPointInTime(bases, segments, {.zxid = Zxid{0x10a}}, unused);
  ASSERT_TRUE(middle.ok()) << middle.status().ToString();
  EXPECT_EQ(middle->base.id, "b1");
  EXPECT_EQ(Ids(middle->segments), (std::vector<std::string>{"s1"}));
  EXPECT_EQ(middle->target_zxid, 0x10a);

  auto newer = PlanPointInTime(bases, segments, {.zxid = Zxid{0x11c}}, unused);
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->base.id, "b2");
  EXPECT_EQ(Ids(newer->segments), (std::vector<std::string>{"s2"}));

  auto latest = PlanPointInTime(bases, segments, {.latest = true}, unused);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->target_zxid, 0x120) << "the latest point is before the break";

  auto broken = PlanPointInTime(bases, segments, {.zxid = Zxid{0x135}}, unused);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("ends at 0x120"), std::string::npos)
      << broken.status().message();
  EXPECT_NE(broken.status().message().find("0x130"), std::string::npos);

  auto too_early = PlanPointInTime(bases, segments, {.zxid = Zxid{0x101}}, unused);
  ASSERT_FALSE(too_early.ok());
  EXPECT_NE(too_early.status().message().find("oldest is b1"), std::string::npos)
      << too_early.status().message();
}

TEST(Chain, ATimeResolvesToTheLastTransactionAtOrBeforeIt) {
  TempDir dir;
  Segment s1;
  s1.id = "s1";
  s1.info = WriteSegment(dir / "log.100", LogOf(0x100, 32).bytes(), dir / "s1");
  const std::vector<Base> bases = {{"b1", 0x0ff, kT0 + 0x0ff * 1000}};
  const int64_t moment = kT0 + 0x10a * 1000 + 500;  // half a second after 0x10a's transaction
  auto plan = PlanPointInTime(bases, {s1}, {.time_ms = moment}, SegmentFilesLookup(dir.path()));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->target_zxid, 0x10a);
  EXPECT_FALSE(plan->beyond_archive);
  auto later =
      PlanPointInTime(bases, {s1}, {.time_ms = kT0 + 0x200 * 1000}, SegmentFilesLookup(dir.path()));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->target_zxid, 0x11f);
  EXPECT_TRUE(later->beyond_archive);
  auto before_any = PlanPointInTime(bases, {s1}, {.time_ms = kT0 + 0x0ff * 1000 + 10},
                                    SegmentFilesLookup(dir.path()));
  ASSERT_TRUE(before_any.ok());
  EXPECT_EQ(before_any->target_zxid, 0x0ff) << "nothing after the base was before the moment";
  EXPECT_TRUE(before_any->segments.empty());
}

}  // namespace
}  // namespace lockstep::archiving

namespace lockstep::archiving {
namespace {

// Collects what TailLogs passes.
struct Tail {
  std::vector<Zxid> zxids;
  TailResult result;
};

Tail TailOf(const std::string& dir, Zxid after, Zxid upto) {
  Tail tail;
  auto result = TailLogs(
      dir, after, upto, [&](const zkfmt::TxnRecord& record) { tail.zxids.push_back(record.zxid); });
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (result.ok()) tail.result = *result;
  return tail;
}

TEST(LogTail, PassesCommittedRecordsAfterTheArchiveAcrossLogFiles) {
  TempDir dir;
  WriteFile(dir / "log.100", LogOf(0x100, 16).Preallocate(512).bytes());
  WriteFile(dir / "log.110", LogOf(0x110, 16).bytes());
  Tail tail = TailOf(dir.path(), 0x10d, 0x115);
  EXPECT_EQ(tail.zxids,
            (std::vector<Zxid>{0x10e, 0x10f, 0x110, 0x111, 0x112, 0x113, 0x114, 0x115}));
  EXPECT_EQ(tail.result.last, Zxid{0x115});
  EXPECT_FALSE(tail.result.gap);
  EXPECT_TRUE(TailOf(dir.path(), 0x11f, 0x130).zxids.empty()) << "nothing after the end";
  EXPECT_TRUE(TailOf(dir.path(), 0x115, 0x115).zxids.empty());
}

TEST(LogTail, ReadsOnFromWhereTheLastTailStoppedNotFromTheStartOfTheLog) {
  TempDir dir;
  WriteFile(dir / "log.100", LogOf(0x100, 8).Preallocate(512).bytes());
  auto first = TailLogs(dir.path(), 0x0ff, 0x104, [](const zkfmt::TxnRecord&) {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->position);
  EXPECT_EQ(first->position->log, "log.100");
  EXPECT_EQ(first->position->zxid, 0x104);
  // ZooKeeper appends; and the records already read are damaged, which a read from the start of
  // the file would refuse: only a tail that reads on from the position passes.
  std::string bytes = LogOf(0x100, 16).Preallocate(512).bytes();
  bytes[20] = static_cast<char>(bytes[20] ^ 0xff);
  WriteFile(dir / "log.100", bytes);
  std::vector<Zxid> passed;
  auto next = TailLogs(
      dir.path(), 0x104, 0x10f,
      [&](const zkfmt::TxnRecord& record) { passed.push_back(record.zxid); }, first->position);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(passed.size(), 11u);
  EXPECT_EQ(passed.front(), 0x105);
  EXPECT_EQ(next->position->zxid, 0x10f);
  EXPECT_FALSE(TailLogs(dir.path(), 0x104, 0x10f, [](const zkfmt::TxnRecord&) {}).ok())
      << "from the start, the damaged record is read";
  // A position for another zxid is not used.
  auto elsewhere = TailLogs(
      dir.path(), 0x103, 0x10f, [](const zkfmt::TxnRecord&) {}, first->position);
  EXPECT_FALSE(elsewhere.ok());
}

TEST(LogTail, ATornLastRecordIsWhereTheLogEndsForNow) {
  TempDir dir;
  TxnLogBuilder log = LogOf(0x100, 8);
  std::string bytes = log.bytes();
  bytes.resize(bytes.size() - 3);  // ZooKeeper is writing the last record
  WriteFile(dir / "log.100", bytes);
  Tail tail = TailOf(dir.path(), 0x0ff, 0x200);
  EXPECT_EQ(tail.result.last, Zxid{0x106});
  EXPECT_FALSE(tail.result.gap);
}

TEST(LogTail, PurgedLogsAreAGapNamingWhereTheLogsResume) {
  TempDir dir;
  WriteFile(dir / "log.120", LogOf(0x120, 4).bytes());  // 0x101..0x11f purged
  Tail tail = TailOf(dir.path(), 0x100, 0x200);
  EXPECT_TRUE(tail.result.gap);
  EXPECT_EQ(tail.result.resumes_at, Zxid{0x120});
  EXPECT_TRUE(tail.zxids.empty());
  // A new epoch follows anything: a leader change is no gap.
  WriteFile(dir / "log.200000001", LogOf(MakeZxid(2, 1), 2).bytes());
  Tail across = TailOf(dir.path(), 0x123, MakeZxid(2, 2));
  EXPECT_FALSE(across.result.gap);
  EXPECT_EQ(across.zxids, (std::vector<Zxid>{MakeZxid(2, 1), MakeZxid(2, 2)}));
  // ...but only when the logs hold the archive's end itself: without it, epoch 1 may have gone
  // on past 0x123 (a restore's compacted data, a follower synced by snapshot).
  std::filesystem::remove(dir / "log.120");
  Tail unanchored = TailOf(dir.path(), 0x123, MakeZxid(2, 2));
  EXPECT_TRUE(unanchored.result.gap);
  EXPECT_EQ(unanchored.result.resumes_at, MakeZxid(2, 1));
  EXPECT_TRUE(unanchored.zxids.empty());
}

}  // namespace
}  // namespace lockstep::archiving
