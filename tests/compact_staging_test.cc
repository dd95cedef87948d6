// CompactStaging on synthesized staging directories: what it leaves alone, what it removes when
// the staged snapshot already holds everything, and that a scratch server that fails (a fake
// java) leaves the staging exactly as it was. The real ZooKeeper path runs in the restore suite.
#include "engine/datadir/compact_staging.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/zk_files.h"

namespace lockstep::datadir {
namespace {
using testing::BaseTree;
using testing::BuildSnapshot;
using testing::Fingerprint;
using testing::TempDir;
using testing::TxnLogBuilder;
using testing::WriteFile;

constexpr Zxid kLastZxid = 0x11 + 39;

std::vector<testing::TestNode> TreeWith(int logged) {
  auto nodes = BaseTree();
  for (const char* n : {"/a", "/b", "/c"}) nodes.push_back({n, std::string(3000, 'q')});
  for (int i = 0; i < logged; ++i) nodes.push_back({"/x" + std::to_string(i), "v"});
  return nodes;
}

// snapshot.10 plus log.11 with 40 creates: the shape of a backup taken from a follower.
void MakeStaging(const std::string& dir) {
  WriteFile(dir + "/version-2/snapshot.10", BuildSnapshot({TreeWith(0), true}));
  TxnLogBuilder log;
  for (int i = 0; i < 40; ++i) log.Create(0x11 + i, "/x" + std::to_string(i));
  WriteFile(dir + "/version-2/log.11", log.bytes());
  WriteFile(dir + "/myid", "2\n");
}

class CompactStagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    staging_ = tmp_ / "data.lockstep-staging-r1";
    MakeStaging(staging_);
    options_.staged = {staging_, staging_};
    options_.zxid = kLastZxid;
    options_.node_count = TreeWith(40).size() + 1;  // ZooKeeper counts the root as "" and "/"
    options_.min_replay_bytes = 0;
  }

  // A java that creates `file` in the data directory it is given, then fails.
  std::string FailingJava(const std::string& file) {
    const std::string path = tmp_ / "java";
    WriteFile(path,
              "#!/bin/sh\nfor a; do cfg=$a; done\n"
              "dir=$(sed -n 's/^dataDir=//p' \"$cfg\")\n"
              "echo junk > \"$dir/version-2/" +
                  file + "\"\nexit 1\n");
    chmod(path.c_str(), 0755);
    return path;
  }

  TempDir tmp_;
  std::string staging_;
  CompactOptions options_;
};

TEST_F(CompactStagingTest, LittleLogToReplayIsLeftAlone) {
  const auto before = Fingerprint(staging_);
  options_.min_replay_bytes = 1 << 20;
  Result<CompactResult> result = CompactStaging(options_);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->compacted);
  EXPECT_GT(result->replay_bytes, 0u);
  EXPECT_NE(result->detail.find("of log to replay"), std::string::npos) << result->detail;
  EXPECT_EQ(Fingerprint(staging_), before);
}

TEST_F(CompactStagingTest, StagingThatDoesNotHoldTheVerifiedDataIsAnError) {
  const auto before = Fingerprint(staging_);
  options_.zxid = kLastZxid + 1;
  Result<CompactResult> result = CompactStaging(options_);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no longer holds what was verified"), std::string::npos);
  EXPECT_EQ(Fingerprint(staging_), before);
}

TEST_F(CompactStagingTest, AScratchServerThatFailsLeavesTheStagingAsItWas) {
  const auto before = Fingerprint(staging_);
  options_.java = FailingJava("snapshot.ff");
  options_.start_timeout = std::chrono::seconds(30);
  Result<CompactResult> result = CompactStaging(options_);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->compacted);
  EXPECT_NE(result->detail.find("exited while loading"), std::string::npos) << result->detail;
  EXPECT_EQ(Fingerprint(staging_), before);  // its snapshot.ff is gone again
}

TEST_F(CompactStagingTest, ASnapshotAtTheStagedZxidSupersedesTheLogsWithoutAServer) {
  WriteFile(staging_ + "/version-2/snapshot.38", BuildSnapshot({TreeWith(40), true}));
  options_.java = FailingJava("snapshot.ff");  // must not be needed
  Result<CompactResult> result = CompactStaging(options_);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->compacted) << result->detail;
  const auto after = Fingerprint(staging_);
  EXPECT_TRUE(after.contains("version-2/snapshot.38"));
  EXPECT_FALSE(after.contains("version-2/snapshot.10"));
  EXPECT_FALSE(after.contains("version-2/log.11"));
  EXPECT_FALSE(after.contains("version-2/snapshot.ff"));
  EXPECT_TRUE(after.contains("myid"));
}

}  // namespace
}  // namespace lockstep::datadir
