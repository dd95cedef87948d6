// Bech32, base64 and the age key formats (common/crypto).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "common/crypto/base64.h"
#include "common/crypto/bech32.h"
#include "common/crypto/keys.h"
#include "tests/age_test_util.h"

namespace lockstep::age {
namespace {

// The X25519 example pair from the age specification (c2sp.org/age).
constexpr char kSpecIdentity[] =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
constexpr char kSpecRecipient[] = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

TEST(Bech32Test, AcceptsBip173ValidStringsInEitherCase) {
  for (const char* text :
       {"A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"}) {
    Result<Bech32> decoded = Bech32Decode(text);
    EXPECT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
  }
  EXPECT_EQ(Bech32Decode("A12UEL5L")->hrp, "A");  // the case is kept for the caller to check
}

TEST(Bech32Test, RefusesBip173InvalidStringsSayingWhy) {
  EXPECT_NE(Bech32Decode("pzry9x0s0muk").status().message().find("separator"), std::string::npos);
  EXPECT_NE(Bech32Decode("1pzry9x0s0muk").status().message().find("separator"), std::string::npos);
  EXPECT_NE(Bech32Decode("x1b4n0q5v").status().message().find("alphabet"), std::string::npos);
  EXPECT_NE(Bech32Decode("li1dgmt3").status().message().find("too short"), std::string::npos);
  EXPECT_NE(Bech32Decode("A1G7SGD8").status().message().find("checksum"), std::string::npos);
  EXPECT_NE(Bech32Decode("A12uEL5L").status().message().find("mixes"), std::string::npos);
}

TEST(Bech32Test, EncodeDecodeRoundTripsAnyLength) {
  const std::string data = testing::RandomData(300);  // beyond BIP-173's 90 characters
  const std::string text =
      Bech32Encode("age", reinterpret_cast<const uint8_t*>(data.data()), data.size());
  Result<Bech32> decoded = Bech32Decode(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::string(decoded->data.begin(), decoded->data.end()), data);
}

TEST(Base64Test, RefusesNonCanonicalAndPaddedText) {
  EXPECT_EQ(Base64Decode("AA")->size(), 1u);
  EXPECT_FALSE(Base64Decode("AB"));    // unused bits set
  EXPECT_FALSE(Base64Decode("AA=="));  // padding
  EXPECT_FALSE(Base64Decode("A"));     // a lone character ends no byte
  EXPECT_FALSE(Base64Decode("AA\n"));
  const uint8_t bytes[] = {0xfb, 0xff};
  EXPECT_EQ(Base64Encode(bytes, 2), "+/8");
}

TEST(AgeKeysTest, SpecExampleIdentityGivesItsRecipient) {
  Result<X25519Identity> identity = ParseIdentity(kSpecIdentity);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->recipient().ToString(), kSpecRecipient);
  EXPECT_EQ(identity->ToString(), kSpecIdentity);
  EXPECT_EQ(ParseRecipient(kSpecRecipient)->ToString(), kSpecRecipient);
}

TEST(AgeKeysTest, MistypedRecipientNamesItAndTheChecksum) {
  std::string text = kSpecRecipient;
  text[10] = text[10] == 'q' ? 'p' : 'q';
  Result<X25519Recipient> recipient = ParseRecipient(text);
  ASSERT_FALSE(recipient.ok());
  EXPECT_NE(recipient.status().message().find(text.substr(0, 12) + "…"), std::string::npos)
      << recipient.status().message();
  EXPECT_NE(recipient.status().message().find("checksum"), std::string::npos);
  EXPECT_FALSE(
      ParseRecipient("AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ").ok());
}

TEST(AgeKeysTest, AnIdentityAmongTheRecipientsIsRefusedWithoutRepeatingIt) {
  std::string lower = kSpecIdentity;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  std::string damaged = kSpecIdentity;
  damaged[20] = damaged[20] == 'Q' ? 'P' : 'Q';
  for (const std::string& secret : {std::string(kSpecIdentity), lower, damaged}) {
    Result<X25519Recipient> recipient = ParseRecipient(secret);
    ASSERT_FALSE(recipient.ok());
    EXPECT_NE(recipient.status().message().find("a secret"), std::string::npos)
        << recipient.status().message();
    EXPECT_EQ(recipient.status().message().find(secret.substr(16, 8)), std::string::npos)
        << recipient.status().message();
    Result<std::vector<X25519Recipient>> listed =
        ParseRecipients({std::string(kSpecRecipient), secret});
    ASSERT_FALSE(listed.ok());
    EXPECT_EQ(listed.status().message().find(secret.substr(16, 8)), std::string::npos);
  }
  // Anything else refused shows only its first characters.
  Result<X25519Recipient> pasted = ParseRecipient("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  ASSERT_FALSE(pasted.ok());
  EXPECT_EQ(pasted.status().message().find("bPxRfiCY"), std::string::npos)
      << pasted.status().message();
}

TEST(AgeKeysTest, BadIdentityErrorsNeverRepeatTheSecret) {
  std::string text = kSpecIdentity;
  text[20] = text[20] == 'Q' ? 'P' : 'Q';
  std::string lower = kSpecIdentity;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  for (const std::string& bad : {text, lower, std::string(kSpecRecipient)}) {
    Result<X25519Identity> identity = ParseIdentity(bad);
    ASSERT_FALSE(identity.ok()) << bad;
    EXPECT_EQ(identity.status().message().find(bad.substr(16, 20)), std::string::npos)
        << identity.status().message();
  }
}

// The VmFlags of the mapping holding `address` in /proc/self/smaps ("" when none holds it).
std::string VmFlagsOf(const void* address) {
  const auto wanted = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2 && line.find('-') < 17) {
      inside = wanted >= start && wanted < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(AgeKeysTest, IdentitiesLiveInPagesLeftOutOfCoreDumps) {
  Identities identities = {testing::NewIdentity(), testing::NewIdentity()};
  const std::string flags = VmFlagsOf(identities.data());
  ASSERT_FALSE(flags.empty()) << "the identities' mapping was not found";
  EXPECT_NE(flags.find(" dd"), std::string::npos) << "not MADV_DONTDUMP: " << flags;
  Result<Identities> parsed = ParseIdentities(identities[0].ToString() + "\n", "inline");
  ASSERT_TRUE(parsed.ok());
  EXPECT_NE(VmFlagsOf(parsed->data()).find(" dd"), std::string::npos);
}

TEST(AgeKeysTest, IdentityFileAllowsCommentsBlankLinesAndSeveralKeys) {
  const X25519Identity first = testing::NewIdentity();
  const X25519Identity second = testing::NewIdentity();
  const std::string text = "# created: yesterday\n\n" + first.ToString() + "\r\n  \n# other\n" +
                           second.ToString() + "\n";
  Result<Identities> identities = ParseIdentities(text, "keys.txt");
  ASSERT_TRUE(identities.ok()) << identities.status().ToString();
  ASSERT_EQ(identities->size(), 2u);
  EXPECT_EQ((*identities)[1].recipient(), second.recipient());
}

TEST(AgeKeysTest, IdentityFileErrorsNameTheLine) {
  Result<Identities> identities = ParseIdentities("# comment\nAGE-SECRET-KEY-1QQQQ\n", "keys.txt");
  ASSERT_FALSE(identities.ok());
  EXPECT_NE(identities.status().message().find("keys.txt line 2"), std::string::npos);
  EXPECT_FALSE(ParseIdentities("# only a comment\n", "keys.txt").ok());
}

TEST(AgeKeysTest, GeneratedIdentityFileLooksLikeAgeKeygens) {
  const X25519Identity identity = testing::NewIdentity();
  const std::string text = IdentityFileText(identity, std::chrono::system_clock::now());
  EXPECT_TRUE(std::regex_match(
      text, std::regex("# created: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)\n"
                       "# public key: age1[02-9ac-hj-np-z]{58}\n"
                       "AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\n")))
      << text;
  Result<Identities> parsed = ParseIdentities(text, "generated");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)[0].recipient(), identity.recipient());
}

}  // namespace
}  // namespace lockstep::age
