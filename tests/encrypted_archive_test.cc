// Archives encrypted at rest: with recipients the writer puts age between zstd and the file, the
// stored bytes hold no plaintext, the checksum is the stored file's, and the reader gives the
// same entries back only with a matching identity; a missing or wrong identity is named, and a
// damaged or truncated encrypted archive is refused.
#include <gtest/gtest.h>

#include <random>

#include "common/crypto/keys.h"
#include "common/file.h"
#include "engine/backup_file/archive_reader.h"
#include "engine/backup_file/archive_writer.h"
#include "tests/zk_files.h"

namespace lockstep::backup_file {
namespace {
using testing::CompressibleBytes;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// Every entry's name and bytes, or the first error.
Result<std::map<std::string, std::string>> ReadAll(ArchiveReader& reader) {
  std::map<std::string, std::string> entries;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<EntryInfo> entry, reader.Next());
    if (!entry) break;
    std::string bytes(entry->size, '\0');
    size_t got = 0;
    while (got < bytes.size()) {
      ASSIGN_OR_RETURN(size_t n, reader.Read(bytes.data() + got, bytes.size() - got));
      if (n == 0) return Corruption("short entry");
      got += n;
    }
    entries[entry->name] = bytes;
  }
  RETURN_IF_ERROR(reader.FinishAndHash().status());
  return entries;
}

class EncryptedArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_ = std::make_unique<age::X25519Identity>(*age::GenerateIdentity());
    data_ = CompressibleBytes((6 << 20) + 77, 5);  // more than one zstd job and many age chunks
    WriteFile(tmp_ / "data", data_);
    archive_ = tmp_ / "a.tar.zst";
    auto writer = ArchiveWriter::Create(archive_, {.recipients = {identity_->recipient()}});
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    ASSERT_TRUE((*writer)->AddBytes("MANIFEST", kManifest).ok());
    ASSERT_TRUE(
        (*writer)->AddFile("data", tmp_ / "data", data_.size(), *Sha256OfFile(tmp_ / "data")).ok());
    Result<std::string> sha = (*writer)->Commit();
    ASSERT_TRUE(sha.ok()) << sha.status().message();
    sha_ = *sha;
  }

  static constexpr const char* kManifest = "{\"marker\": \"plaintext-that-must-not-leak\"}";
  TempDir tmp_;
  std::unique_ptr<age::X25519Identity> identity_;
  std::string data_;
  std::string archive_;
  std::string sha_;
};

TEST_F(EncryptedArchiveTest, StoredBytesAreAgeAndHoldNoPlaintext) {
  const std::string stored = ReadFile(archive_);
  EXPECT_TRUE(stored.starts_with("age-encryption.org/v1\n")) << stored.substr(0, 40);
  EXPECT_EQ(stored.find("plaintext-that-must-not-leak"), std::string::npos);
  EXPECT_EQ(stored.find("MANIFEST"), std::string::npos);
  EXPECT_EQ(stored.find(data_.substr(1000, 64)), std::string::npos);
  EXPECT_EQ(sha_, *Sha256OfFile(archive_));  // the checksum is the stored file's
}

TEST_F(EncryptedArchiveTest, ReadsBackWithTheIdentityAndHashesTheStoredFile) {
  auto reader = ArchiveReader::Open(archive_, {*identity_});
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_TRUE((*reader)->encrypted());
  EXPECT_EQ((*reader)->compression(), "zstd");
  auto entries = ReadAll(**reader);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(entries->at("MANIFEST"), kManifest);
  EXPECT_EQ(entries->at("data"), data_);
  EXPECT_EQ(*(*reader)->FinishAndHash(), sha_);
  EXPECT_EQ((*reader)->compressed_bytes_read(), (*reader)->file_size());
}

TEST_F(EncryptedArchiveTest, AMissingOrWrongIdentityIsNamed) {
  auto without = ArchiveReader::Open(archive_);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(without.status().message().find("is encrypted (age)"), std::string::npos);
  EXPECT_NE(without.status().message().find("--identity"), std::string::npos);

  auto other = age::GenerateIdentity();
  auto wrong = ArchiveReader::Open(archive_, {*other});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("no identity matches"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find(archive_), std::string::npos);
}

TEST_F(EncryptedArchiveTest, AFlippedByteOrATruncatedFileIsRefused) {
  std::string stored = ReadFile(archive_);
  std::string flipped = stored;
  flipped[stored.size() / 2] ^= 0x01;
  WriteFile(tmp_ / "flipped", flipped);
  auto reader = ArchiveReader::Open(tmp_ / "flipped", {*identity_});
  ASSERT_TRUE(reader.ok());  // the header is intact; the damage is in the payload
  auto entries = ReadAll(**reader);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().code(), StatusCode::kCorruption);
  EXPECT_NE(entries.status().message().find("failed authentication"), std::string::npos)
      << entries.status().message();

  // Cut at a chunk boundary, so that what remains still authenticates chunk by chunk: only the
  // missing final chunk gives it away.
  const size_t header = stored.find("\n---") + 1;
  const size_t header_end = stored.find('\n', header) + 1 + 16;
  WriteFile(tmp_ / "truncated", stored.substr(0, header_end + 65552));
  // (libarchive reads ahead as it opens: the refusal may come from Open itself.)
  auto truncated = ArchiveReader::Open(tmp_ / "truncated", {*identity_});
  Status refused = truncated.ok() ? ReadAll(**truncated).status() : truncated.status();
  EXPECT_EQ(refused.code(), StatusCode::kCorruption) << refused.message();
  EXPECT_NE(refused.message().find("final chunk"), std::string::npos) << refused.message();
}

TEST_F(EncryptedArchiveTest, AnArchiveInTheClearNeedsNoIdentity) {
  const std::string plain = tmp_ / "plain.tar.zst";
  auto writer = ArchiveWriter::Create(plain);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->AddBytes("MANIFEST", kManifest).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_TRUE(ReadFile(plain).starts_with("\x28\xb5\x2f\xfd"));  // zstd's magic, no age header
  auto reader = ArchiveReader::Open(plain, {*identity_});        // an identity given is not needed
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE((*reader)->encrypted());
  auto entries = ReadAll(**reader);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->at("MANIFEST"), kManifest);
}

}  // namespace
}  // namespace lockstep::backup_file
