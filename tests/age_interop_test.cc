// Interoperability with Debian's `age` and `age-keygen` (scripts/setup installs them): an
// independent implementation of the format, so a file we write is one an operator can open with
// `age -d -i KEY`, and one `age` writes is one we can restore from. These tests fail rather than
// skip when the tools are missing, since every supported setup has them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/crypto/age_file.h"
#include "common/file.h"
#include "common/process.h"
#include "common/scratch_dir.h"
#include "tests/age_test_util.h"

namespace lockstep::age {
namespace {

class AgeInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<CommandResult> which =
        RunShellCommand("command -v age && command -v age-keygen", std::chrono::seconds(10));
    ASSERT_TRUE(which.ok() && which->exit_code == 0)
        << "the age tools are missing: run scripts/setup (apt-get install age)";
    Result<ScratchDir> dir = ScratchDir::Create("/tmp", "age-interop-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_.emplace(std::move(*dir));
  }

  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }

  void WriteFile(const std::string& name, const std::string& contents) {
    std::ofstream(Path(name), std::ios::binary) << contents;
  }

  std::string ReadFile(const std::string& name) {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }

  // Runs `command` in the scratch directory; expects it to succeed.
  std::string Run(const std::string& command) {
    Result<CommandResult> result =
        RunShellCommand("cd " + dir_->path() + " && " + command, std::chrono::seconds(60));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->exit_code, 0) << command << ":\n" << result->output;
    return result->output;
  }

  std::string WriteIdentityFile(const std::string& name, const X25519Identity& identity) {
    std::string text = IdentityFileText(identity, std::chrono::system_clock::now());
    WriteFile(name, text);
    Wipe(text);
    return Path(name);
  }

  std::optional<ScratchDir> dir_;
};

TEST_F(AgeInteropTest, AgeDecryptsWhatWeEncrypt) {
  const X25519Identity identity = testing::NewIdentity();
  WriteIdentityFile("key.txt", identity);
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{3 * 65536 + 7}}) {
    const std::string plaintext = testing::RandomData(size, static_cast<uint32_t>(size));
    const std::string name = "ours-" + std::to_string(size);
    WriteFile(name, plaintext);
    ASSERT_TRUE(EncryptFile(Path(name), Path(name + ".age"), {identity.recipient()}).ok());
    Run("age -d -i key.txt -o " + name + ".out " + name + ".age");
    EXPECT_EQ(ReadFile(name + ".out"), plaintext) << size;
  }
}

TEST_F(AgeInteropTest, AgeDecryptsWithEachOfTwoRecipients) {
  const X25519Identity first = testing::NewIdentity();
  const X25519Identity second = testing::NewIdentity();
  WriteIdentityFile("first.txt", first);
  WriteIdentityFile("second.txt", second);
  const std::string plaintext = testing::RandomData(100000);
  WriteFile("plain", plaintext);
  ASSERT_TRUE(
      EncryptFile(Path("plain"), Path("plain.age"), {first.recipient(), second.recipient()}).ok());
  Run("age -d -i first.txt -o out1 plain.age && age -d -i second.txt -o out2 plain.age");
  EXPECT_EQ(ReadFile("out1"), plaintext);
  EXPECT_EQ(ReadFile("out2"), plaintext);
}

TEST_F(AgeInteropTest, WeDecryptWhatAgeEncrypts) {
  const X25519Identity identity = testing::NewIdentity();
  for (size_t size : {size_t{0}, size_t{65536}, size_t{65537}, size_t{300000}}) {
    const std::string plaintext = testing::RandomData(size, static_cast<uint32_t>(size) + 7);
    const std::string name = "theirs-" + std::to_string(size);
    WriteFile(name, plaintext);
    Run("age -e -r " + identity.recipient().ToString() + " -o " + name + ".age " + name);
    ASSERT_TRUE(DecryptFile(Path(name + ".age"), Path(name + ".out"), {identity}).ok());
    EXPECT_EQ(ReadFile(name + ".out"), plaintext) << size;
  }
}

TEST_F(AgeInteropTest, AgeKeygenIdentitiesParseAndGiveTheRecipientItPrints) {
  Run("age-keygen -o keygen.txt 2>/dev/null");
  const std::string text = ReadFile("keygen.txt");
  Result<Identities> identities = ParseIdentities(text, "keygen.txt");
  ASSERT_TRUE(identities.ok()) << identities.status().ToString();
  ASSERT_EQ(identities->size(), 1u);
  const std::string recipient = (*identities)[0].recipient().ToString();
  EXPECT_NE(text.find("# public key: " + recipient + "\n"), std::string::npos) << text;
}

TEST_F(AgeInteropTest, AgeAcceptsTheKeysWeGenerate) {
  const X25519Identity identity = testing::NewIdentity();
  WriteIdentityFile("ours.txt", identity);
  // age-keygen -y derives the recipient from our identity file: it must be the one we print.
  EXPECT_EQ(Run("age-keygen -y ours.txt"), identity.recipient().ToString() + "\n");
  WriteFile("plain", "hello");
  Run("age -e -r " + identity.recipient().ToString() + " -o plain.age plain");
  EXPECT_EQ(Run("age -d -i ours.txt plain.age"), "hello");
}

}  // namespace
}  // namespace lockstep::age
