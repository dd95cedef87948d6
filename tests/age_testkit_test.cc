// The C2SP age testkit (github.com/C2SP/CCTV, age/testdata; data/age/README.md): files written
// by other implementations, with the outcome every implementation must reach. Only the X25519,
// header and STREAM vectors run; the armor, scrypt and hybrid ones are skipped with the reason,
// except the scrypt vectors the header's structure decides (scrypt must be alone), which run.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <map>

#include "common/crypto/age_reader.h"
#include "common/file.h"
#include "common/sha256.h"
#include "tests/age_test_util.h"

namespace lockstep::age {
namespace {

struct Vector {
  std::multimap<std::string, std::string> fields;  // "expect", "payload", "identity"...
  std::string file;                                // the age file, decompressed
};

std::string Inflate(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit(&stream), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&stream);
  return out;
}

Vector LoadVector(const std::string& name) {
  Result<std::string> text = ReadSmallFile(std::string(LOCKSTEP_AGE_TESTDATA) + "/" + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  Vector vector;
  size_t at = 0;
  for (size_t end; (end = text->find('\n', at)) != at; at = end + 1) {
    const std::string line = text->substr(at, end - at);
    const size_t colon = line.find(": ");
    vector.fields.emplace(line.substr(0, colon), line.substr(colon + 2));
  }
  vector.file = text->substr(at + 1);
  if (vector.fields.count("compressed")) vector.file = Inflate(vector.file);
  return vector;
}

// What decrypting `vector` gives, in the testkit's words; the plaintext released in *released.
std::string Outcome(const Vector& vector, std::string* released) {
  Identities identities;
  for (auto [it, end] = vector.fields.equal_range("identity"); it != end; ++it) {
    identities.push_back(*ParseIdentity(it->second));
  }
  UniqueFd fd(testing::MemoryFile(vector.file));
  Result<std::unique_ptr<AgeReader>> reader = AgeReader::Open(fd.get(), "vector", identities);
  if (!reader.ok()) {
    const std::string& message = reader.status().message();
    if (message.find("no identity matches") != std::string::npos) return "no match";
    if (message.find("header MAC mismatch") != std::string::npos) return "HMAC failure";
    return "header failure";
  }
  char buffer[10000];
  while (true) {
    Result<size_t> got = (*reader)->Read(buffer, sizeof buffer);
    if (!got.ok()) return "payload failure";
    if (*got == 0) return "success";
    released->append(buffer, *got);
  }
}

std::vector<std::string> VectorNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(LOCKSTEP_AGE_TESTDATA)) {
    if (entry.path().extension() != ".md") names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Why Lockstep can't run `vector`, or "" when it can.
std::string Unsupported(const Vector& vector) {
  if (vector.fields.count("armored")) return "ASCII armor is not implemented (binary age only)";
  for (auto [it, end] = vector.fields.equal_range("identity"); it != end; ++it) {
    if (it->second.starts_with("AGE-SECRET-KEY-PQ-")) {
      return "hybrid post-quantum identities are not implemented";
    }
  }
  const bool passphrase = vector.fields.count("passphrase") > 0;
  const size_t stanzas = [&] {
    size_t count = 0;
    for (size_t at = 0; (at = vector.file.find("\n-> ", at)) != std::string::npos; ++at) ++count;
    return count;
  }();
  if (passphrase && stanzas < 2) {
    return "scrypt (passphrase) identities are not implemented, and a lone scrypt stanza's "
           "outcome depends on the passphrase";
  }
  return "";
}

class AgeTestkitTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AgeTestkitTest, ReachesTheExpectedOutcomeAndReleasesTheExpectedPlaintext) {
  const Vector vector = LoadVector(GetParam());
  if (std::string why = Unsupported(vector); !why.empty()) GTEST_SKIP() << why;
  ASSERT_EQ(vector.fields.count("expect"), 1u);
  std::string released;
  const std::string outcome = Outcome(vector, &released);
  EXPECT_EQ(outcome, vector.fields.find("expect")->second);
  if (outcome == "success" || outcome == "payload failure") {
    EXPECT_EQ(Sha256Hex(released), vector.fields.find("payload")->second);
  }
}

INSTANTIATE_TEST_SUITE_P(C2sp, AgeTestkitTest, ::testing::ValuesIn(VectorNames()),
                         [](const auto& vector) { return vector.param; });

TEST(AgeTestkitSetTest, HoldsTheWholeTestkit) { EXPECT_EQ(VectorNames().size(), 143u); }

TEST(AgeTestkitSetTest, RunsEveryX25519VectorAndTheScryptStructureOnes) {
  size_t run = 0;
  for (const std::string& name : VectorNames()) run += Unsupported(LoadVector(name)).empty();
  EXPECT_GE(run, 67u + 2u);  // the X25519/header/STREAM vectors, scrypt_and_x25519, scrypt_double
}

}  // namespace
}  // namespace lockstep::age
