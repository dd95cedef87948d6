// age encryption round trips through AgeWriter/AgeReader, their memory bounds, and the
// whole-file helpers (common/crypto).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/crypto/age_file.h"
#include "common/crypto/age_reader.h"
#include "common/crypto/age_writer.h"
#include "common/file.h"
#include "common/scratch_dir.h"
#include "tests/age_test_util.h"

namespace lockstep::age {
namespace {

using testing::Decrypt;
using testing::Encrypt;
using testing::NewIdentity;
using testing::RandomData;
using testing::StringSink;

std::unique_ptr<AgeWriter> NewWriter(const X25519Recipient& recipient, StringSink* sink) {
  Result<std::unique_ptr<AgeWriter>> writer = AgeWriter::Create({recipient}, sink);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return std::move(writer).value();
}

class AgeRoundTripTest : public ::testing::TestWithParam<size_t> {};

TEST_P(AgeRoundTripTest, DecryptsToTheSameBytesWithOneChunkPerStartedChunk) {
  const X25519Identity identity = NewIdentity();
  const std::string plaintext = RandomData(GetParam());
  const std::string ciphertext = Encrypt(plaintext, {identity.recipient()});
  Result<std::string> decrypted = Decrypt(ciphertext, {identity});
  ASSERT_TRUE(decrypted.ok()) << decrypted.status().ToString();
  EXPECT_TRUE(*decrypted == plaintext);
  // Every chunk carries a 16-byte tag; an empty plaintext is one empty chunk.
  const size_t chunks = std::max<size_t>(1, (GetParam() + kChunkSize - 1) / kChunkSize);
  const size_t header = ciphertext.find('\n', ciphertext.find("\n---") + 1) + 1;
  EXPECT_EQ(ciphertext.size(), header + kPayloadNonceSize + GetParam() + chunks * kAeadTagSize);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AgeRoundTripTest,
                         ::testing::Values(0, 1, 65535, 65536, 65537, 3 * 65536, 1000003));

TEST(AgeStreamTest, EachOfTwoRecipientsDecrypts) {
  const X25519Identity first = NewIdentity();
  const X25519Identity second = NewIdentity();
  const std::string plaintext = RandomData(150000);
  const std::string ciphertext = Encrypt(plaintext, {first.recipient(), second.recipient()});
  EXPECT_EQ(*Decrypt(ciphertext, {first}), plaintext);
  EXPECT_EQ(*Decrypt(ciphertext, {second}), plaintext);
  // An identity file may hold keys that don't match, before the one that does.
  EXPECT_EQ(*Decrypt(ciphertext, {NewIdentity(), second}), plaintext);
}

TEST(AgeStreamTest, SmallWritesAndSmallReadsGiveTheSameStream) {
  const X25519Identity identity = NewIdentity();
  const std::string plaintext = RandomData(3 * 65536 + 11);
  StringSink sink;
  std::unique_ptr<AgeWriter> writer = NewWriter(identity.recipient(), &sink);
  for (size_t at = 0; at < plaintext.size(); at += 7) {
    ASSERT_TRUE(
        writer->Write(plaintext.data() + at, std::min<size_t>(7, plaintext.size() - at)).ok());
  }
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(writer->plaintext_bytes(), plaintext.size());
  EXPECT_EQ(*Decrypt(sink.data, {identity}, nullptr, 1), plaintext);
}

// The memory bound, through the API: however much is pushed at once, the writer hands the next
// stage one sealed chunk per write (after the header), so it never holds more than one chunk.
TEST(AgeStreamTest, WriterEmitsOneSealedChunkPerWriteWhateverItIsGiven) {
  const X25519Identity identity = NewIdentity();
  const std::string plaintext = RandomData(8 << 20);
  StringSink sink;
  std::unique_ptr<AgeWriter> writer = NewWriter(identity.recipient(), &sink);
  const size_t header_bytes = sink.data.size();
  EXPECT_EQ(sink.writes, 1u);
  ASSERT_TRUE(writer->Write(plaintext.data(), plaintext.size()).ok());
  // The last full chunk waits: it may be the final one.
  EXPECT_EQ(sink.data.size(), header_bytes + 127 * kSealedChunkSize);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(sink.writes, 1u + 128u);
  EXPECT_EQ(sink.largest_write, kSealedChunkSize);
  EXPECT_EQ(sink.finishes, 1);  // Finish() reaches the next stage once
}

TEST(AgeStreamTest, WriterRefusesEverythingAfterAFailedWrite) {
  StringSink sink;
  std::unique_ptr<AgeWriter> writer = NewWriter(NewIdentity().recipient(), &sink);
  sink.fail_writes = true;
  const std::string data = RandomData(3 * 65536);
  EXPECT_EQ(writer->Write(data.data(), data.size()).message(), "disk full (test)");
  sink.fail_writes = false;
  EXPECT_FALSE(writer->Write("x", 1).ok());
  EXPECT_FALSE(writer->Finish().ok());
  EXPECT_EQ(sink.finishes, 0);
}

TEST(AgeStreamTest, WriterNeedsARecipientAndNoWritesAfterFinish) {
  StringSink sink;
  EXPECT_EQ(AgeWriter::Create({}, &sink).status().code(), StatusCode::kInvalidArgument);
  std::unique_ptr<AgeWriter> writer = NewWriter(NewIdentity().recipient(), &sink);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_FALSE(writer->Write("x", 1).ok());
}

TEST(AgeStreamTest, IsAgeHeaderTellsAgeFilesFromArchives) {
  const std::string ciphertext = Encrypt("data", {NewIdentity().recipient()});
  EXPECT_TRUE(IsAgeHeader(ciphertext.substr(0, kAgeSniffSize)));
  EXPECT_TRUE(IsAgeHeader("-----BEGIN AGE ENCRYPTED FILE-----\n"));
  EXPECT_FALSE(IsAgeHeader("\x28\xb5\x2f\xfd"));  // a zstd frame
  EXPECT_FALSE(IsAgeHeader(""));
}

class AgeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.emplace(std::move(ScratchDir::Create("/tmp", "age-file-")).value());
  }
  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }
  void WriteFile(const std::string& name, const std::string& contents) {
    std::ofstream(Path(name), std::ios::binary) << contents;
  }
  std::optional<ScratchDir> dir_;
};

TEST_F(AgeFileTest, EncryptAndDecryptFilesRoundTrip) {
  const X25519Identity identity = NewIdentity();
  const std::string plaintext = RandomData(200001);
  WriteFile("plain", plaintext);
  ASSERT_TRUE(EncryptFile(Path("plain"), Path("plain.age"), {identity.recipient()}).ok());
  EXPECT_TRUE(*IsAgeFile(Path("plain.age")));
  EXPECT_FALSE(*IsAgeFile(Path("plain")));
  ASSERT_TRUE(DecryptFile(Path("plain.age"), Path("out"), {identity}).ok());
  EXPECT_EQ(*ReadSmallFile(Path("out"), 1 << 20), plaintext);
}

TEST_F(AgeFileTest, NeverOverwritesAndLeavesNoPlaintextOfAFailedDecryption) {
  const X25519Identity identity = NewIdentity();
  std::string ciphertext = Encrypt(RandomData(200000), {identity.recipient()});
  WriteFile("exists", "keep");
  WriteFile("good.age", ciphertext);
  EXPECT_EQ(EncryptFile(Path("exists"), Path("exists"), {identity.recipient()}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecryptFile(Path("good.age"), Path("exists"), {identity}).code(),
            StatusCode::kInvalidArgument);
  ciphertext[ciphertext.size() - 5] ^= 1;  // the last chunk fails after earlier ones were written
  WriteFile("bad.age", ciphertext);
  EXPECT_EQ(DecryptFile(Path("bad.age"), Path("out"), {identity}).code(), StatusCode::kCorruption);
  EXPECT_NE(::access(Path("out").c_str(), F_OK), 0);
  EXPECT_NE(::access((Path("out") + ".partial-" + std::to_string(::getpid())).c_str(), F_OK), 0);
  EXPECT_EQ(*ReadSmallFile(Path("exists")), "keep");
}

}  // namespace
}  // namespace lockstep::age
