// What the age reader refuses, and how it says so: each kind of damage gets its own message
// naming the place (common/crypto/age_reader.h lists them).
#include <gtest/gtest.h>

#include "common/crypto/payload.h"
#include "tests/age_test_util.h"

namespace lockstep::age {
namespace {

using testing::Decrypt;
using testing::Encrypt;
using testing::NewIdentity;
using testing::RandomData;

class AgeTamperTest : public ::testing::Test {
 protected:
  // Three full chunks and a short fourth.
  AgeTamperTest()
      : identity_(NewIdentity()),
        plaintext_(RandomData(3 * kChunkSize + 1000)),
        ciphertext_(Encrypt(plaintext_, {identity_.recipient()})),
        payload_start_(ciphertext_.find('\n', ciphertext_.find("\n---") + 1) + 1 +
                       kPayloadNonceSize) {}

  size_t ChunkOffset(size_t chunk) const { return payload_start_ + chunk * kSealedChunkSize; }

  // The message of the failure decrypting `ciphertext`, checking it released only `released`.
  std::string Failure(const std::string& ciphertext, size_t released = 0) {
    std::string out;
    Result<std::string> result = Decrypt(ciphertext, {identity_}, &out);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(out == plaintext_.substr(0, released)) << out.size() << " bytes released";
    return result.status().message();
  }

  X25519Identity identity_;
  std::string plaintext_;
  std::string ciphertext_;
  size_t payload_start_;
};

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

TEST_F(AgeTamperTest, FlippedMacByteIsAHeaderMacMismatch) {
  std::string bad = ciphertext_;
  char& mac_char = bad[payload_start_ - kPayloadNonceSize - 10];
  mac_char = mac_char == 'A' ? 'B' : 'A';  // stays in the base64 alphabet
  EXPECT_TRUE(Contains(Failure(bad), "header MAC mismatch"));
}

TEST_F(AgeTamperTest, FlippedStanzaByteMatchesNoIdentity) {
  std::string bad = ciphertext_;
  const size_t body = ciphertext_.find('\n', ciphertext_.find("-> X25519")) + 3;
  bad[body] = bad[body] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(Contains(Failure(bad), "no identity matches: the file is encrypted to 1 X25519"));
}

TEST_F(AgeTamperTest, FlippedVersionIsNotAnAgeFile) {
  std::string bad = ciphertext_;
  bad[0] = 'A';
  EXPECT_TRUE(Contains(Failure(bad), "test.age: not an age file"));
  EXPECT_TRUE(Contains(Failure(""), "not an age file"));
  EXPECT_TRUE(
      Contains(Failure(std::string("\x28\xb5\x2f\xfd", 4) + RandomData(100)), "not an age file"));
  EXPECT_TRUE(Contains(Failure("age-encryption.org/v2\n"), "unsupported version"));
}

TEST_F(AgeTamperTest, FlippedMiddleChunkFailsThatChunkAfterReleasingTheOnesBefore) {
  std::string bad = ciphertext_;
  bad[ChunkOffset(1) + 500] ^= 1;
  EXPECT_TRUE(Contains(
      Failure(bad, kChunkSize),
      "payload chunk 1 at offset " + std::to_string(ChunkOffset(1)) + " failed authentication"));
}

TEST_F(AgeTamperTest, FlippedLastChunkFailsTheLastChunk) {
  std::string bad = ciphertext_;
  bad[bad.size() - 1] ^= 1;  // the tag
  EXPECT_TRUE(Contains(
      Failure(bad, 3 * kChunkSize),
      "payload chunk 3 at offset " + std::to_string(ChunkOffset(3)) + " failed authentication"));
}

TEST_F(AgeTamperTest, TruncationAtAChunkBoundaryIsAMissingFinalChunk) {
  EXPECT_TRUE(Contains(Failure(ciphertext_.substr(0, ChunkOffset(3)), 3 * kChunkSize),
                       "truncated at offset " + std::to_string(ChunkOffset(3)) +
                           ": the payload ends without a final chunk"));
  EXPECT_TRUE(Contains(Failure(ciphertext_.substr(0, ChunkOffset(2) - 1), kChunkSize),
                       "payload chunk 1 at offset"));
  EXPECT_TRUE(Contains(Failure(ciphertext_.substr(0, payload_start_)), "without a final chunk"));
}

TEST_F(AgeTamperTest, TruncationInTheHeaderOrNonceIsNamed) {
  EXPECT_TRUE(Contains(Failure(ciphertext_.substr(0, 60)), "truncated age header"));
  EXPECT_TRUE(
      Contains(Failure(ciphertext_.substr(0, payload_start_ - 3)), "payload nonce is missing"));
}

TEST_F(AgeTamperTest, DataAfterAFullFinalChunkIsTrailingData) {
  const std::string full = RandomData(2 * kChunkSize);
  const std::string ciphertext = Encrypt(full, {identity_.recipient()}) + "garbage";
  std::string released;
  Result<std::string> result = Decrypt(ciphertext, {identity_}, &released);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "data after the final chunk"));
  EXPECT_TRUE(released == full);  // the final chunk authenticated: only what follows is wrong
}

TEST_F(AgeTamperTest, DataAfterAShortFinalChunkFailsThatChunk) {
  EXPECT_TRUE(Contains(Failure(ciphertext_ + "x", 3 * kChunkSize),
                       "payload chunk 3 at offset " + std::to_string(ChunkOffset(3))));
}

TEST_F(AgeTamperTest, WrongIdentityCountsRecipientsWithoutShowingKeys) {
  const X25519Identity stranger = NewIdentity();
  const std::string two = Encrypt("x", {NewIdentity().recipient(), NewIdentity().recipient()});
  Result<std::string> result = Decrypt(two, {stranger, NewIdentity()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(result.status().message(),
                       "no identity matches: the file is encrypted to 2 X25519 recipient(s), and "
                       "none of the 2 identities given unwraps one"));
  EXPECT_FALSE(Contains(result.status().message(), "age1"));
}

}  // namespace
}  // namespace lockstep::age
