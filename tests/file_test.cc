// ReadSmallFile: whole files up to a limit, sized by the file rather than by the limit.
#include "common/file.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/zk_files.h"

namespace lockstep {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(ReadSmallFile, ReadsAnyFileUpToTheLimitWhole) {
  TempDir dir;
  WriteFile(dir / "empty", "");
  WriteFile(dir / "small", "a record");
  const std::string exact(4096, 'x');
  WriteFile(dir / "exact", exact);
  EXPECT_EQ(ReadSmallFile(dir / "empty").value(), "");
  EXPECT_EQ(ReadSmallFile(dir / "small").value(), "a record");
  EXPECT_EQ(ReadSmallFile(dir / "exact", exact.size()).value(), exact);
}

TEST(ReadSmallFile, AFileOverTheLimitIsRefusedNamingIt) {
  TempDir dir;
  WriteFile(dir / "big", std::string(4097, 'x'));
  Result<std::string> refused = ReadSmallFile(dir / "big", 4096);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("big is larger than 4096 bytes"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(ReadSmallFile(dir / "missing").ok());
}

TEST(ReadSmallFile, AFileWhoseSizeIsNotStatedIsReadToItsEnd) {
  // /proc files say 0 bytes and hold more: the buffer grows as they are read.
  Result<std::string> stat = ReadSmallFile("/proc/self/stat");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_GT(stat->size(), 1u);
  EXPECT_EQ(stat->back(), '\n');
}

TEST(RenameDurably, KeepsTheFileUnderItsNewNameAndNamesWhatFailed) {
  TempDir dir;
  WriteFile(dir / "segment.received", "the shipped bytes");
  ASSERT_TRUE(RenameDurably(dir / "segment.received", dir / "segment.zst", "segment s1").ok());
  EXPECT_EQ(ReadSmallFile(dir / "segment.zst").value(), "the shipped bytes");
  EXPECT_FALSE(ReadSmallFile(dir / "segment.received").ok()) << "the old name is gone";
  Status missing = RenameDurably(dir / "nothing", dir / "segment2.zst", "segment s2");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("nothing"), std::string::npos) << missing.message();
  EXPECT_FALSE(ReadSmallFile(dir / "segment2.zst").ok()) << "nothing kept under the new name";
}

}  // namespace
}  // namespace lockstep
