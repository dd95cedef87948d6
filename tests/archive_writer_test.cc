// The archive writer's own pieces: SHA-256 on a second thread agrees with the plain one however
// the bytes arrive; the zstd stream reads back through libarchive with the hash Commit returned;
// a file whose identity is unchanged since it was hashed is archived without a second hash, and
// one rewritten in place meanwhile is hashed again and refused.
#include "engine/backup_file/archive_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "common/async_sha256.h"
#include "common/file.h"
#include "common/sha256.h"
#include "engine/backup_file/archive_reader.h"
#include "tests/zk_files.h"

namespace lockstep::backup_file {
namespace {
using testing::CompressibleBytes;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(AsyncSha256, AgreesWithSha256ForAnyWayTheBytesArrive) {
  const std::string data = CompressibleBytes((5 << 20) + 123, 1);
  Sha256 plain;
  plain.Update(data);
  const std::string expected = plain.HexDigest();
  for (size_t piece : {size_t{1} << 20, size_t{7}, size_t{1} << 22, (size_t{1} << 20) + 1}) {
    AsyncSha256 async;
    for (size_t at = 0; at < data.size(); at += piece) {
      async.Update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(async.HexDigest(), expected) << "pieces of " << piece;
  }
  AsyncSha256 halves;
  halves.Update(std::string_view(data).substr(0, data.size() / 2));
  Sha256 first_half;
  first_half.Update(std::string_view(data).substr(0, data.size() / 2));
  EXPECT_EQ(halves.HexDigest(), first_half.HexDigest());  // a digest mid-stream...
  halves.Update(std::string_view(data).substr(data.size() / 2));
  EXPECT_EQ(halves.HexDigest(), expected);  // ...and the stream goes on
  EXPECT_EQ(AsyncSha256().HexDigest(), Sha256().HexDigest());
}

class ArchiveWriterTest : public ::testing::Test {
 protected:
  std::string Sha256Of(const std::string& path) { return *Sha256OfFile(path); }

  TempDir tmp_;
};

TEST_F(ArchiveWriterTest, ZstdStreamReadsBackWithTheHashCommitReturned) {
  const std::string file = tmp_ / "data";
  WriteFile(file, CompressibleBytes(9 << 20, 2));  // several 4 MiB zstd jobs
  const std::string archive = tmp_ / "a.tar.zst";
  auto writer = ArchiveWriter::Create(archive);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  ASSERT_TRUE((*writer)->AddBytes("MANIFEST", "{}").ok());
  ASSERT_TRUE((*writer)->AddFile("data", file, 9 << 20, Sha256Of(file)).ok());
  Result<std::string> sha = (*writer)->Commit();
  ASSERT_TRUE(sha.ok()) << sha.status().message();
  EXPECT_EQ(*sha, Sha256Of(archive));

  auto reader = ArchiveReader::Open(archive);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->compression(), "zstd");
  std::vector<std::string> names;
  std::string data;
  while (true) {
    auto entry = (*reader)->Next();
    ASSERT_TRUE(entry.ok());
    if (!*entry) break;
    names.push_back((*entry)->name);
    std::string bytes((*entry)->size, '\0');
    size_t got = 0;
    while (got < bytes.size()) {
      auto n = (*reader)->Read(bytes.data() + got, bytes.size() - got);
      ASSERT_TRUE(n.ok() && *n > 0);
      got += *n;
    }
    if ((*entry)->name == "data") data = bytes;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"MANIFEST", "data"}));
  EXPECT_EQ(data, ReadFile(file));
  EXPECT_EQ(*(*reader)->FinishAndHash(), *sha);
}

TEST_F(ArchiveWriterTest, AnUnchangedFileIsTrustedAndARewrittenOneIsHashedAgain) {
  const std::string file = tmp_ / "data";
  WriteFile(file, CompressibleBytes(3 << 20, 3));
  const std::string hashed_sha = Sha256Of(file);
  const FileIdentity hashed_as = *IdentifyFile(file);

  auto kept = ArchiveWriter::Create(tmp_ / "kept.tar.zst");
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE((*kept)->AddFile("data", file, 3 << 20, hashed_sha, {}, hashed_as).ok());

  // Rewritten in place with other bytes of the same size: ctime moves, so the bytes are hashed
  // again, and they no longer match what verification saw.
  // (ctime ticks coarsely: rewrite until the identity shows it, within a deadline.)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    WriteFile(file, CompressibleBytes(3 << 20, 4));
  } while (*IdentifyFile(file) == hashed_as && std::chrono::steady_clock::now() < deadline);
  ASSERT_NE(*IdentifyFile(file), hashed_as);
  auto refused = ArchiveWriter::Create(tmp_ / "refused.tar.zst");
  ASSERT_TRUE(refused.ok());
  Status status = (*refused)->AddFile("data", file, 3 << 20, hashed_sha, {}, hashed_as);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("changed between verification and archiving"), std::string::npos)
      << status.message();
}

TEST_F(ArchiveWriterTest, AFileChangedJustNowHasNoSettledIdentity) {
  const std::string file = tmp_ / "fresh";
  WriteFile(file, "just written");
  EXPECT_TRUE(IdentifyFile(file).ok());
  EXPECT_FALSE(SettledIdentity(file).has_value());  // hashed again rather than trusted
  EXPECT_FALSE(SettledIdentity(tmp_ / "missing").has_value());
}

}  // namespace
}  // namespace lockstep::backup_file
