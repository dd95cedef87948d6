// DC/OS login tokens (agent/config/jwt.h, dcos_tokens.h) and their place among the agent's
// credentials: every token here is made by the test's own IAM (jwt_signer.h), in the right way
// and in each of the wrong ones an attacker would try.
#include "agent/config/jwt.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent/config/credentials.h"
#include "agent/config/dcos_tokens.h"
#include "tests/jwt_signer.h"

namespace lockstep::agent {
namespace {

using testing::JwtSigner;

constexpr int64_t kNow = 1'800'000'000;

// One key pair for the whole suite: RSA key generation is the slow part.
const JwtSigner& Iam() {
  static const JwtSigner signer("iam-1");
  return signer;
}
const JwtSigner& Stranger() {
  static const JwtSigner signer("iam-1");  // the same kid, another key
  return signer;
}

jwt::KeySet IamKeys() {
  Result<jwt::KeySet> keys = jwt::KeySet::FromJwks(Iam().Jwks());
  EXPECT_TRUE(keys.ok()) << keys.status().message();
  return std::move(*keys);
}

std::string Refusal(const std::string& token) {
  Result<jwt::Claims> claims = IamKeys().Verify(token, kNow);
  EXPECT_FALSE(claims.ok()) << "accepted: " << token;
  return claims.ok() ? "" : claims.status().message();
}

TEST(JwtTest, AcceptsATokenTheIamSignedAndReadsItsUidAndExpiry) {
  Result<jwt::Claims> claims = IamKeys().Verify(Iam().Token("alice", kNow + 300), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->uid, "alice");
  EXPECT_EQ(claims->expires_at, kNow + 300);
}

TEST(JwtTest, RefusesAnExpiredToken) {
  EXPECT_NE(Refusal(Iam().Token("alice", kNow - 1)).find("expired"), std::string::npos);
  EXPECT_NE(Refusal(Iam().Token("alice", kNow)).find("expired"), std::string::npos);
}

TEST(JwtTest, RefusesATokenSignedWithAnotherKey) {
  EXPECT_NE(Refusal(Stranger().Token("alice", kNow + 300)).find("signature does not verify"),
            std::string::npos);
}

TEST(JwtTest, RefusesAlgNoneWithOrWithoutASignature) {
  const std::string payload = jwt::Base64UrlEncode(R"({"uid":"alice","exp":1900000000})");
  const std::string header = jwt::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  EXPECT_NE(Refusal(header + "." + payload + ".").find("'none'"), std::string::npos);
  const std::string signed_none =
      Iam().Sign(R"({"alg":"none"})", R"({"uid":"a","exp":1900000000})");
  EXPECT_NE(Refusal(signed_none).find("only RS256"), std::string::npos);
}

TEST(JwtTest, RefusesAnotherAlgorithmEvenWithAValidRsaSignature) {
  // HS256 is the classic confusion (the public key used as an HMAC secret); RS512 is merely
  // not what DC/OS signs with. Both are refused on the header alone.
  for (const char* alg : {"HS256", "RS512", "PS256", "rs256"}) {
    const std::string token =
        Iam().Sign(std::string(R"({"alg":")") + alg + R"("})", R"({"uid":"a","exp":1900000000})");
    EXPECT_NE(Refusal(token).find("only RS256"), std::string::npos) << alg;
  }
}

TEST(JwtTest, RefusesATamperedPayload) {
  const std::string token = Iam().Token("viewer-bob", kNow + 300);
  const size_t first = token.find('.'), second = token.find('.', first + 1);
  const std::string forged = token.substr(0, first + 1) +
                             jwt::Base64UrlEncode(R"({"uid":"admin","exp":1900000000})") +
                             token.substr(second);
  EXPECT_NE(Refusal(forged).find("signature does not verify"), std::string::npos);
}

TEST(JwtTest, RefusesAKeyIdTheIamDoesNotPublish) {
  const std::string token =
      Iam().Sign(R"({"alg":"RS256","kid":"other"})", R"({"uid":"a","exp":1900000000})");
  EXPECT_NE(Refusal(token).find("'other' is not among"), std::string::npos);
}

TEST(JwtTest, RefusesTokensWithoutUidOrExpiryOrNotYetValid) {
  const std::string header = R"({"alg":"RS256","kid":"iam-1"})";
  EXPECT_NE(Refusal(Iam().Sign(header, R"({"exp":1900000000})")).find("uid"), std::string::npos);
  EXPECT_NE(Refusal(Iam().Sign(header, R"({"uid":"a"})")).find("exp"), std::string::npos);
  EXPECT_NE(Refusal(Iam().Sign(header, R"({"uid":"a","exp":1900000000,"nbf":1899999999})"))
                .find("not valid yet"),
            std::string::npos);
  EXPECT_NE(Refusal(Iam().Sign(header, R"({"uid":"a b","exp":1900000000})")).find("printable"),
            std::string::npos);
}

TEST(JwtTest, RefusesMalformedTokens) {
  for (const std::string& token :
       {std::string("eyJ"), std::string("a.b"), std::string("a.b.c.d"), std::string("!!.!!.!!"),
        jwt::Base64UrlEncode("not json") + ".e30.c2ln", std::string(9000, 'a') + ".b.c"}) {
    EXPECT_FALSE(IamKeys().Verify(token, kNow).ok()) << token.substr(0, 40);
  }
}

TEST(JwtTest, AKeySetNeedsAnRsaSigningKeyOfAtLeast2048Bits) {
  EXPECT_FALSE(jwt::KeySet::FromJwks(R"({"keys":[]})").ok());
  EXPECT_FALSE(jwt::KeySet::FromJwks(R"({"keys":[{"kty":"EC","crv":"P-256"}]})").ok());
  EXPECT_FALSE(jwt::KeySet::FromJwks(R"({"keys":[{"kty":"RSA","n":"+++","e":"AQAB"}]})").ok());
  EXPECT_FALSE(jwt::KeySet::FromJwks("not json").ok());
  const JwtSigner weak("weak", 1024);
  Result<jwt::KeySet> keys = jwt::KeySet::FromJwks(weak.Jwks());
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.status().message().find("1024 bits"), std::string::npos);
}

class DcosTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("jwt_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    jwks_ = (dir_ / "jwks.json").string();
    Write(Iam().Jwks());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text) {
    const std::string next = jwks_ + ".next";
    std::ofstream(next) << text;
    ::chmod(next.c_str(), 0644);
    std::filesystem::rename(next, jwks_);  // a new inode, as an operator's copy makes
  }
  std::shared_ptr<DcosTokens> Load(DcosAuthConfig config) {
    config.jwks_file = jwks_;
    Result<std::shared_ptr<DcosTokens>> tokens =
        DcosTokens::Load(std::move(config), [this] { return now_; });
    EXPECT_TRUE(tokens.ok()) << tokens.status().message();
    return tokens.ok() ? *tokens : nullptr;
  }

  std::filesystem::path dir_;
  std::string jwks_;
  int64_t now_ = kNow;
};

TEST_F(DcosTokensTest, ListedUidsGetTheirRoleAndOthersTheDefault) {
  auto tokens = Load({.roles = {{"alice", api::Role::kAdmin}, {"eve", api::Role::kViewer}}});
  EXPECT_EQ(tokens->Identify(Iam().Token("alice", kNow + 60))->role, api::Role::kAdmin);
  EXPECT_EQ(tokens->Identify(Iam().Token("eve", kNow + 60))->role, api::Role::kViewer);
  EXPECT_EQ(tokens->Identify(Iam().Token("carol", kNow + 60))->role, api::Role::kOperator);
  auto strict = Load({.roles = {{"alice", api::Role::kAdmin}}, .default_role = std::nullopt});
  // Known (the IAM signed her token) but given no role: forbidden everywhere, saying why.
  Result<DcosUser> carol = strict->Identify(Iam().Token("carol", kNow + 60));
  ASSERT_TRUE(carol.ok());
  EXPECT_FALSE(carol->role.has_value());
  EXPECT_NE(carol->why_no_role.find("dcos_roles"), std::string::npos);
}

TEST_F(DcosTokensTest, ARotatedKeyIsReadWhenTheFileChangesAndABrokenFileKeepsTheOldKeys) {
  auto tokens = Load({});
  const std::string old_token = Iam().Token("alice", kNow + 600);
  ASSERT_TRUE(tokens->Identify(old_token).ok());
  Write("{ broken");
  ++now_;
  EXPECT_TRUE(tokens->Identify(old_token).ok()) << "a broken file must not lock everyone out";
  Write(Stranger().Jwks());
  ++now_;
  EXPECT_TRUE(tokens->Identify(Stranger().Token("alice", kNow + 600)).ok());
  EXPECT_FALSE(tokens->Identify(old_token).ok()) << "the rotated-out key still verifies";
}

TEST_F(DcosTokensTest, RefusesAKeyFileOthersCanWrite) {
  ::chmod(jwks_.c_str(), 0666);
  Result<std::shared_ptr<DcosTokens>> tokens = DcosTokens::Load({.jwks_file = jwks_});
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.status().message().find("mint tokens"), std::string::npos);
}

TEST_F(DcosTokensTest, CredentialsTakeDcosTokensInEitherSchemeAndSayWhyOneIsRefused) {
  Credentials credentials(
      {{.name = "ops", .role = api::Role::kOperator, .secret = "ops-secret-0123456789abcdef"}},
      "cluster-secret-0123456789abcdef", Load({}));
  std::optional<Principal> ops = credentials.Identify("token=ops-secret-0123456789abcdef");
  ASSERT_TRUE(ops);
  EXPECT_EQ(ops->name, "ops");
  for (const std::string scheme : {"token=", "Bearer "}) {
    std::optional<Principal> alice = credentials.Identify(scheme + Iam().Token("alice", kNow + 60));
    ASSERT_TRUE(alice) << scheme;
    EXPECT_EQ(alice->name, "dcos:alice");
    EXPECT_EQ(alice->role, api::Role::kOperator);
    EXPECT_FALSE(alice->cluster);
  }
  std::string refusal;
  EXPECT_FALSE(credentials.Identify("token=" + Iam().Token("alice", kNow - 5), &refusal));
  EXPECT_NE(refusal.find("DC/OS token refused: the token expired"), std::string::npos) << refusal;
}

}  // namespace
}  // namespace lockstep::agent
