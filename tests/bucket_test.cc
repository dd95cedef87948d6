// What sits on the bucket, over an in-memory one (tests/memory_object_store.h): the repository's
// archives, records and segments (signed records only, never overwriting another history's
// segment); an empty master adopting the bucket's archive (checked, a damaged segment skipped, a
// failed listing retried); retention on the bucket; and point-in-time staging's fall-back to the
// bucket's copy of a segment.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "agent/offsite/bucket_archive.h"
#include "agent/offsite/repository.h"
#include "api/names.h"
#include "common/sha256.h"
#include "engine/archiving/segment_store.h"
#include "tests/archive_logs.h"
#include "tests/fake_clock.h"
#include "tests/memory_object_store.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

using namespace std::chrono_literals;
using testing::LogOf;
using testing::MemoryBucket;
using testing::MemoryObjectStore;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteSegment;

RepositoryConfig Config() {
  RepositoryConfig config;
  config.endpoint = "http://127.0.0.1:1";  // never dialled: the store is in memory
  config.bucket = "backups";
  config.prefix = "cluster-a/";
  return config;
}

Repository::StoreFactory Over(std::shared_ptr<MemoryBucket> bucket) {
  return [bucket]() -> Result<std::unique_ptr<s3::ObjectStore>> {
    return std::unique_ptr<s3::ObjectStore>(std::make_unique<MemoryObjectStore>(bucket));
  };
}

proto::Backup Base(const std::string& id, Zxid zxid) {
  proto::Backup backup;
  backup.set_id(id);
  backup.set_status(proto::STATUS_READY);
  backup.set_timestamp("2026-11-25T09:42:10Z");
  (*backup.mutable_component_status())["zookeeper"].set_last_zxid(FormatZxid(zxid));
  return backup;
}

// Polls `done` for up to 10 s of real time (adoption runs on a task of its own).
template <typename F>
bool Eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class BucketTest : public ::testing::Test {
 protected:
  // A segment of `count` transactions from `first`, written under the test's directory.
  struct MadeSegment {
    proto::ArchiveSegment record;
    std::string path;
  };
  MadeSegment Segment(Zxid first, int count, Zxid follows) {
    const std::string name = std::to_string(first);
    const archiving::SegmentInfo info =
        WriteSegment(dir_ / ("log." + name), LogOf(first, count).bytes(), dir_ / name);
    return {archiving::SegmentRecord(info, "m1", follows), dir_ / name};
  }
  std::string SegmentKey(const proto::ArchiveSegment& record) const {
    return "archive/segments/" + record.id() + ".zst";
  }

  TempDir dir_;
  std::shared_ptr<MemoryBucket> bucket_ = std::make_shared<MemoryBucket>();
  Repository repository_{Config(), "this cluster's signing secret", Over(bucket_)};
};

TEST_F(BucketTest, AnArchiveGoesUpWithItsRecordAndComesBackByteForByte) {
  const std::string bytes = "not really a tar.zst, but bytes all the same";
  WriteFile(dir_ / "archive", bytes);
  proto::Backup record = Base(api::NewBackupId("nightly"), 0x105);
  record.set_sha256(Sha256Hex(bytes));
  record.set_size_bytes(bytes.size());
  Result<proto::RemoteCopy> copy = repository_.PutArchive(record, dir_ / "archive");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->url(), "s3://backups/cluster-a/backups/" + record.id() + ".tar.zst");
  EXPECT_EQ(copy->sha256(), record.sha256());
  ASSERT_TRUE(repository_.PutRecord(record).ok());
  ASSERT_TRUE(repository_.GetArchive(record.id(), dir_ / "back").ok());
  EXPECT_EQ(ReadFile(dir_ / "back"), bytes);
  Result<std::vector<proto::Backup>> listed = repository_.ListRecords();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id(), record.id());
  ASSERT_TRUE(repository_.Remove(record.id()).ok());
  EXPECT_TRUE(bucket_->Names().empty());
}

TEST_F(BucketTest, AnArchiveWhoseStoredCopyDiffersFromTheRecordIsNotReportedUploaded) {
  WriteFile(dir_ / "archive", "the bytes");
  proto::Backup record = Base(api::NewBackupId("nightly"), 0x105);
  record.set_sha256(Sha256Hex("the bytes"));
  record.set_size_bytes(999);  // the record says otherwise
  Result<proto::RemoteCopy> copy = repository_.PutArchive(record, dir_ / "archive");
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(copy.status().message().find("999"), std::string::npos) << copy.status().ToString();
}

TEST_F(BucketTest, RecordsNotSignedByThisClusterOrUnderAnotherNameAreNeverListed) {
  const proto::Backup ours = Base(api::NewBackupId("ours"), 0x105);
  ASSERT_TRUE(repository_.PutRecord(ours).ok());
  // Planted by whoever can write to the bucket: unsigned, signed with another secret, and a
  // genuine record copied under another backup's name.
  const proto::Backup planted = Base(api::NewBackupId("planted"), 0x999);
  {
    std::lock_guard lock(bucket_->mu);
    bucket_->objects["catalog/" + planted.id() + ".json"] = {proto::ToJson(planted), {}};
  }
  Repository other(Config(), "another cluster's secret", Over(bucket_));
  const proto::Backup foreign = Base(api::NewBackupId("foreign"), 0x999);
  ASSERT_TRUE(other.PutRecord(foreign).ok());
  const std::string copied_as = "catalog/" + api::NewBackupId("copy") + ".json";
  {
    std::lock_guard lock(bucket_->mu);
    bucket_->objects[copied_as] = bucket_->objects["catalog/" + ours.id() + ".json"];
  }
  Result<std::vector<proto::Backup>> listed = repository_.ListRecords();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id(), ours.id());
}

TEST_F(BucketTest, ASegmentIsStoredOnceAndAnotherUnderItsIdIsRefusedLeavingItAsItWas) {
  const MadeSegment segment = Segment(0x100, 8, 0xff);
  ASSERT_TRUE(repository_.PutSegment(segment.record, segment.path).ok());
  ASSERT_TRUE(repository_.PutSegment(segment.record, segment.path).ok()) << "the same again";
  Result<std::vector<std::string>> ids = repository_.ListSegmentIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{segment.record.id()});
  const std::string stored = bucket_->objects.at(SegmentKey(segment.record)).data;
  // Another history's segment with the same zxids: other bytes, so another sha256.
  WriteFile(dir_ / "other", ReadFile(segment.path) + "x");
  proto::ArchiveSegment other = segment.record;
  other.set_sha256(Sha256Hex(ReadFile(dir_ / "other")));
  other.set_size_bytes(other.size_bytes() + 1);
  Status refused = repository_.PutSegment(other, dir_ / "other");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  EXPECT_EQ(bucket_->objects.at(SegmentKey(segment.record)).data, stored);
}

TEST_F(BucketTest, AnEmptyMasterAdoptsTheBucketsSegmentsCheckedAndSkipsADamagedOne) {
  const MadeSegment first = Segment(0x100, 8, 0xff);
  const MadeSegment second = Segment(0x108, 8, 0x107);
  ASSERT_TRUE(repository_.PutSegment(first.record, first.path).ok());
  ASSERT_TRUE(repository_.PutSegment(second.record, second.path).ok());
  bucket_->objects.at(SegmentKey(second.record)).data[10] ^= 0x20;  // damaged at rest
  archiving::SegmentStore store(dir_ / "store");
  ASSERT_TRUE(store.Open().ok());
  testing::FakeClock clock;
  BucketArchive archive(&repository_, &store, "m1", clock);
  archive.Tick();
  ASSERT_TRUE(Eventually([&] { return archive.Adopting().empty(); })) << archive.Adopting();
  EXPECT_TRUE(store.Has(first.record.id()));
  EXPECT_FALSE(store.Has(second.record.id())) << "a damaged segment is a hole, not adopted";
}

TEST_F(BucketTest, AListingThatFailsIsTriedAgainAfterTheRetryDelay) {
  const MadeSegment segment = Segment(0x100, 8, 0xff);
  ASSERT_TRUE(repository_.PutSegment(segment.record, segment.path).ok());
  archiving::SegmentStore store(dir_ / "store");
  ASSERT_TRUE(store.Open().ok());
  testing::FakeClock clock;
  BucketArchive archive(&repository_, &store, "m1", clock);
  bucket_->failures_left = 1;
  archive.Tick();
  ASSERT_TRUE(Eventually([&] { return archive.Adopting().find("failed") != std::string::npos; }))
      << archive.Adopting();
  archive.Tick();  // too soon: nothing is asked
  EXPECT_FALSE(store.Has(segment.record.id()));
  clock.Advance(BucketArchive::kRetryAfter);
  archive.Tick();
  ASSERT_TRUE(Eventually([&] { return archive.Adopting().empty(); })) << archive.Adopting();
  EXPECT_TRUE(store.Has(segment.record.id()));
}

TEST_F(BucketTest, RetentionRemovesFromTheBucketOnlyTheSegmentsNoKeptBaseNeeds) {
  const MadeSegment first = Segment(0x100, 8, 0xff);
  const MadeSegment second = Segment(0x108, 8, 0x107);
  ASSERT_TRUE(repository_.PutSegment(first.record, first.path).ok());
  ASSERT_TRUE(repository_.PutSegment(second.record, second.path).ok());
  archiving::SegmentStore store(dir_ / "store");
  ASSERT_TRUE(store.Open().ok());
  testing::FakeClock clock;
  BucketArchive archive(&repository_, &store, "m1", clock);
  EXPECT_TRUE(archive.Prune({}).empty()) << "nothing without a base";
  clock.Advance(BucketArchive::kPruneEvery);
  const std::vector<std::string> removed = archive.Prune({Base(api::NewBackupId("b"), 0x10a)});
  EXPECT_EQ(removed, std::vector<std::string>{first.record.id()});
  Result<std::vector<std::string>> ids = repository_.ListSegmentIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{second.record.id()});
}

TEST_F(BucketTest, StagingFallsBackToTheBucketsCopyAndRefusesADamagedOneKeepingNothing) {
  const MadeSegment segment = Segment(0x100, 8, 0xff);
  ASSERT_TRUE(repository_.PutSegment(segment.record, segment.path).ok());
  archiving::SegmentStore store(dir_ / "store");
  ASSERT_TRUE(store.Open().ok());
  bucket_->objects.at(SegmentKey(segment.record)).data[10] ^= 0x20;
  Status damaged = FetchSegmentFromRepository(repository_, store, segment.record);
  EXPECT_EQ(damaged.code(), StatusCode::kCorruption) << damaged.ToString();
  EXPECT_NE(damaged.message().find(segment.record.id()), std::string::npos);
  EXPECT_TRUE(store.List().empty());
  bucket_->objects.at(SegmentKey(segment.record)).data[10] ^= 0x20;  // mended
  ASSERT_TRUE(FetchSegmentFromRepository(repository_, store, segment.record).ok());
  EXPECT_TRUE(store.Has(segment.record.id()));
}

}  // namespace
}  // namespace lockstep::agent
