// The local backup/restore engine on synthesized data directories: round trips, refusal of
// corrupt and unsafe archives, dcos-zk archives, and a failed restore changing nothing.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "engine/backup_file/layout.h"
#include "engine/datadir/backup.h"
#include "engine/datadir/restore.h"
#include "tests/zk_files.h"

namespace lockstep::datadir {
namespace {
namespace fs = std::filesystem;
using testing::BaseTree;
using testing::BuildSnapshot;
using testing::Fingerprint;
using testing::ReadFile;
using testing::TempDir;
using testing::TxnLogBuilder;
using testing::WriteFile;

// A source data directory: snapshot.10 (+ /a../e), log.11 with 40 records and preallocation.
void MakeSourceDir(const std::string& dir) {
  auto nodes = BaseTree();
  for (const char* n : {"/a", "/b", "/c", "/d", "/e"}) nodes.push_back({n, std::string(3000, 'q')});
  WriteFile(dir + "/version-2/snapshot.10", BuildSnapshot({nodes, true}));
  TxnLogBuilder log;
  for (int i = 0; i < 40; ++i)
    log.Create(0x11 + i, "/x" + std::to_string(i), false, 1, std::string(500, 'r'));
  log.Preallocate(64 * 1024);
  WriteFile(dir + "/version-2/log.11", log.bytes());
  WriteFile(dir + "/myid", "1\n");
}

// An existing target with data of its own and a myid to keep.
void MakeTargetDir(const std::string& dir) {
  WriteFile(dir + "/version-2/snapshot.5", BuildSnapshot({BaseTree(), true}));
  WriteFile(dir + "/myid", "3\n");
}

class LocalEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = tmp_ / "source";
    target_ = tmp_ / "target";
    archive_ = tmp_ / "backup.tar.zst";
    MakeSourceDir(source_);
    MakeTargetDir(target_);
  }

  Result<BackupResult> Backup(const std::string& archive) {
    BackupOptions options;
    options.dirs = {source_, source_};
    options.archive_path = archive;
    return RunBackup(options);
  }

  Result<RestoreResult> Restore(const std::string& archive, Filesystem* fsys = nullptr) {
    RestoreOptions options;
    options.dirs = {target_, target_};
    options.archive_path = archive;
    options.fs = fsys;
    options.stamp = "test";
    return RunRestore(options);
  }

  TempDir tmp_;
  std::string source_, target_, archive_;
};

TEST_F(LocalEngineTest, RoundTripRestoresTheExactFilesAndKeepsMyid) {
  auto backup = Backup(archive_);
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(backup->manifest.last_zxid(), "0x38");
  EXPECT_EQ(backup->manifest.files_size(), 2);
  auto restored = Restore(archive_);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(ReadFile(target_ + "/version-2/snapshot.10"),
            ReadFile(source_ + "/version-2/snapshot.10"));
  std::string log = ReadFile(source_ + "/version-2/log.11");
  std::string restored_log = ReadFile(target_ + "/version-2/log.11");
  EXPECT_EQ(restored_log, log.substr(0, log.size() - 64 * 1024));  // no preallocated zeros
  EXPECT_EQ(ReadFile(target_ + "/myid"), "3\n");
  EXPECT_EQ(restored->rollback_data_dir, target_ + ".lockstep-rollback-test");
  EXPECT_TRUE(fs::exists(restored->rollback_data_dir + "/version-2/snapshot.5"));
  EXPECT_FALSE(fs::exists(target_ + ".lockstep-staging-test"));
}

TEST_F(LocalEngineTest, SeparateDataLogDirIsRestoredBesideIt) {
  ASSERT_TRUE(Backup(archive_).ok());
  RestoreOptions options;
  options.dirs = {tmp_ / "snap", tmp_ / "txn"};
  options.archive_path = archive_;
  auto restored = RunRestore(options);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_TRUE(fs::exists(tmp_ / "snap/version-2/snapshot.10"));
  EXPECT_TRUE(fs::exists(tmp_ / "txn/version-2/log.11"));
}

TEST_F(LocalEngineTest, RefusesAnExistingArchiveOrAMissingDirectory) {
  WriteFile(archive_, "x");
  auto exists = Backup(archive_);
  EXPECT_EQ(exists.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(exists.status().message().find("already exists"), std::string::npos);
  auto missing = Backup(tmp_ / "nope/b.tar.zst");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
}

TEST_F(LocalEngineTest, RefusesToBackUpAnUnrestorableDirectory) {
  fs::remove(source_ + "/version-2/snapshot.10");
  auto result = Backup(archive_);
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(fs::exists(archive_));
}

// Flips one bit at offsets spread over the whole archive; each must be refused with the target
// untouched.
TEST_F(LocalEngineTest, BitFlipAnywhereIsRefusedAndChangesNothing) {
  ASSERT_TRUE(Backup(archive_).ok());
  const std::string pristine = ReadFile(archive_);
  const auto before = Fingerprint(target_);
  const size_t steps = 40;
  for (size_t i = 0; i <= steps; ++i) {
    size_t offset = std::min(pristine.size() - 1, i * pristine.size() / steps);
    std::string flipped = pristine;
    flipped[offset] ^= 0x10;
    std::string path = tmp_ / ("flip-" + std::to_string(i) + ".tar.zst");
    WriteFile(path, flipped);
    fs::copy_file(archive_ + ".sha256", path + ".sha256");
    auto result = Restore(path);
    EXPECT_FALSE(result.ok()) << "bit flip at offset " << offset << " was accepted";
    EXPECT_EQ(Fingerprint(target_), before) << "offset " << offset;
  }
}

TEST_F(LocalEngineTest, DataCorruptionIsRefusedEvenWithoutChecksumFile) {
  ASSERT_TRUE(Backup(archive_).ok());
  fs::remove(archive_ + ".sha256");
  std::string bytes = ReadFile(archive_);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteFile(archive_, bytes);
  const auto before = Fingerprint(target_);
  EXPECT_FALSE(Restore(archive_).ok());
  EXPECT_EQ(Fingerprint(target_), before);
}

// Writes a tar.zst with the given entries (name, contents, type).
struct RawEntry {
  std::string name;
  std::string contents;
  mode_t type = AE_IFREG;
  std::string link;
};

void WriteRawArchive(const std::string& path, const std::vector<RawEntry>& entries,
                     bool gzip = false) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) {
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_add_filter_zstd(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    archive_entry_set_size(entry,
                           e.type == AE_IFREG ? static_cast<la_int64_t>(e.contents.size()) : 0);
    archive_write_header(a, entry);
    if (e.type == AE_IFREG) archive_write_data(a, e.contents.data(), e.contents.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST_F(LocalEngineTest, UnsafeEntriesAreRefusedBeforeAnythingChanges) {
  const auto before = Fingerprint(target_);
  std::vector<RawEntry> hostile = {
      {"../escape", "x"},
      {"/etc/evil", "x"},
      {"zookeeper/data/version-2/../../../x", "x"},
      {"zookeeper/data/version-2/snapshot.99", "", AE_IFLNK, "/etc/passwd"},
      {"zookeeper/data/version-2/dev", "", AE_IFCHR},
      {"zookeeper/data/version-2/snapshot.77", "not in the manifest"},
      {"zookeeper/data/version-2/myid", "9"},
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    std::string path = tmp_ / ("hostile-" + std::to_string(i) + ".tar.zst");
    std::string manifest = "{\"format_version\": 1, \"files\": []}";
    WriteRawArchive(path, {{backup_file::kManifestName, manifest}, hostile[i]});
    auto result = Restore(path);
    EXPECT_FALSE(result.ok()) << "accepted hostile entry " << hostile[i].name;
    EXPECT_EQ(Fingerprint(target_), before);
  }
}

TEST_F(LocalEngineTest, SizeBeyondTheManifestIsRefused) {
  std::string snapshot = ReadFile(source_ + "/version-2/snapshot.10");
  std::string manifest =
      "{\"format_version\": 1, \"last_zxid\": \"0x10\", \"node_count\": 10, \"files\": [{\"path\": "
      "\"zookeeper/data/version-2/snapshot.10\", \"size\": 10, \"sha256\": \"" +
      std::string(64, 'a') + "\"}]}";
  WriteRawArchive(archive_, {{backup_file::kManifestName, manifest},
                             {"zookeeper/data/version-2/snapshot.10", snapshot}});
  auto result = Restore(archive_);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("differs from the manifest"), std::string::npos);
}

TEST_F(LocalEngineTest, ForeignArchiveIsRefused) {
  WriteRawArchive(archive_, {{"etc/hosts", "127.0.0.1 localhost"}});
  auto result = Restore(archive_);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("not a Lockstep or dcos-zk archive"), std::string::npos);
}

TEST_F(LocalEngineTest, DcosZkArchiveRestores) {
  std::string snapshot = ReadFile(source_ + "/version-2/snapshot.10");
  std::string log = ReadFile(source_ + "/version-2/log.11");
  WriteRawArchive(archive_,
                  {{"./zookeeper", "", AE_IFDIR},
                   {"./zookeeper/snapshot", "", AE_IFDIR},
                   {"./zookeeper/snapshot/version-2", "", AE_IFDIR},
                   {"./zookeeper/snapshot/version-2/acceptedEpoch", "0"},
                   {"./zookeeper/snapshot/version-2/currentEpoch", "0"},
                   {"./zookeeper/snapshot/version-2/snapshot.10", snapshot},
                   {"./zookeeper/transactions", "", AE_IFDIR},
                   {"./zookeeper/transactions/version-2", "", AE_IFDIR},
                   {"./zookeeper/transactions/version-2/log.11", log}},
                  /*gzip=*/true);
  auto result = Restore(archive_);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->manifest.has_value());
  EXPECT_EQ(result->last_zxid, "0x38");
  EXPECT_EQ(ReadFile(target_ + "/version-2/snapshot.10"), snapshot);
  EXPECT_EQ(ReadFile(target_ + "/myid"), "3\n");
}

// A filesystem that fails its Nth mutating call, to prove the swap undoes itself.
class FailingFilesystem : public Filesystem {
 public:
  explicit FailingFilesystem(int fail_at) : fail_at_(fail_at) {}
  bool Exists(const std::string& p) override { return real_.Exists(p); }
  Status Rename(const std::string& a, const std::string& b) override {
    return Tick() ? IoError("injected rename failure") : real_.Rename(a, b);
  }
  Status Exchange(const std::string& a, const std::string& b) override {
    return Tick() ? IoError("injected exchange failure") : real_.Exchange(a, b);
  }
  Status SyncDir(const std::string& d) override {
    return Tick() ? IoError("injected fsync failure") : real_.SyncDir(d);
  }
  Status CreateDirs(const std::string& p) override { return real_.CreateDirs(p); }
  Status RemoveAll(const std::string& p) override { return real_.RemoveAll(p); }
  Status CopySmallFile(const std::string& a, const std::string& b) override {
    return Tick() ? IoError("injected copy failure") : real_.CopySmallFile(a, b);
  }
  bool fired() const { return calls_ > fail_at_; }

 private:
  bool Tick() { return ++calls_ == fail_at_; }
  Filesystem& real_ = RealFilesystem();
  int fail_at_;
  int calls_ = 0;
};

TEST_F(LocalEngineTest, FailureAtAnySwapStepLeavesTheTargetUnchanged) {
  ASSERT_TRUE(Backup(archive_).ok());
  const auto before = Fingerprint(target_);
  int step = 1;
  for (;; ++step) {
    FailingFilesystem failing(step);
    auto result = Restore(archive_, &failing);
    if (result.ok()) break;  // past the last mutating step: the restore went through
    EXPECT_EQ(Fingerprint(target_), before) << "failure at step " << step;
    EXPECT_FALSE(fs::exists(target_ + ".lockstep-staging-test")) << "step " << step;
    ASSERT_LT(step, 20);
  }
  EXPECT_GT(step, 3);  // myid copy, exchange, rename and fsync were each failed once
}

}  // namespace
}  // namespace lockstep::datadir

namespace lockstep::datadir {
namespace {

TEST_F(LocalEngineTest, StagingTouchesNothingLiveAndIsRemovedUnlessCommitted) {
  ASSERT_TRUE(Backup(archive_).ok());
  const auto before = Fingerprint(target_);
  RestoreOptions options;
  options.dirs = {target_, target_};
  options.archive_path = archive_;
  options.stamp = "staged";
  {
    auto staged = StagedRestore::Stage(options);
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    EXPECT_EQ(staged->verified().last_zxid, "0x38");
    EXPECT_TRUE(fs::exists(target_ + ".lockstep-staging-staged/version-2/snapshot.10"));
    EXPECT_EQ(Fingerprint(target_), before) << "staging changed the live directory";
  }
  EXPECT_FALSE(fs::exists(target_ + ".lockstep-staging-staged")) << "abandoned staging was kept";
  EXPECT_EQ(Fingerprint(target_), before);
}

TEST_F(LocalEngineTest, CommitRaisesTheEpochsAboveEveryEpochUsedBefore) {
  ASSERT_TRUE(Backup(archive_).ok());
  WriteFile(target_ + "/version-2/acceptedEpoch", "4");
  WriteFile(target_ + "/version-2/currentEpoch", "4");
  RestoreOptions options;
  options.dirs = {target_, target_};
  options.archive_path = archive_;
  options.stamp = "epoch";
  auto staged = StagedRestore::Stage(options);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  auto committed = staged->Commit(9);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(ReadFile(target_ + "/version-2/acceptedEpoch"), "9");
  EXPECT_EQ(ReadFile(target_ + "/version-2/currentEpoch"), "9");
  EXPECT_EQ(ReadFile(target_ + "/myid"), "3\n");
  EXPECT_EQ(ReadFile(committed->rollback_data_dir + "/version-2/currentEpoch"), "4")
      << "the rollback copy keeps the old epochs";
}

}  // namespace
}  // namespace lockstep::datadir
