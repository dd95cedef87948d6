// Named tokens and the cluster credential: the tokens file's format and every refusal, the old
// single token kept as one admin token, and who a bearer token names.
#include "agent/config/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/config/tokens_file.h"
#include "api/roles.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

constexpr char kViewerSecret[] = "viewer-secret-0123456789abcdef";
constexpr char kAdminSecret[] = "admin-secret-0123456789abcdef0";
constexpr char kLegacySecret[] = "legacy-secret-0123456789abcdef";
constexpr char kClusterSecret[] = "cluster-secret-0123456789abcde";

std::string Entry(const std::string& name, const std::string& role, const std::string& secret) {
  return "[[tokens]]\nname = \"" + name + "\"\nrole = \"" + role + "\"\ntoken = \"" + secret +
         "\"\n";
}

const std::string kTwoTokens =
    Entry("ci-viewer", "viewer", kViewerSecret) + Entry("ops", "admin", kAdminSecret);

void ExpectRefused(const std::string& text, const std::string& words) {
  auto parsed = ParseTokens(text, "tokens.toml");
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
  EXPECT_NE(parsed.status().message().find(words), std::string::npos) << parsed.status().message();
  EXPECT_EQ(parsed.status().message().find("secret-0123"), std::string::npos)
      << "a secret in a message: " << parsed.status().message();
}

// Writes `contents` to DIR/name with `mode` and returns the path.
std::string Secret(testing::TempDir& dir, const std::string& name, const std::string& contents,
                   mode_t mode = 0600) {
  const std::string path = dir / name;
  testing::WriteFile(path, contents);
  chmod(path.c_str(), mode);
  return path;
}

TEST(Roles, NamesParseAndRank) {
  for (auto role : {api::Role::kViewer, api::Role::kOperator, api::Role::kAdmin}) {
    auto parsed = api::ParseRole(api::RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_NE(api::ParseRole("root").status().message().find("viewer, operator or admin"),
            std::string::npos);
  EXPECT_TRUE(api::Permits(api::Access::kViewer, api::Role::kViewer, false));
  EXPECT_FALSE(api::Permits(api::Access::kOperator, api::Role::kViewer, false));
  EXPECT_TRUE(api::Permits(api::Access::kOperator, api::Role::kAdmin, false));
  EXPECT_FALSE(api::Permits(api::Access::kCluster, api::Role::kAdmin, false));
  EXPECT_TRUE(api::Permits(api::Access::kCluster, api::Role::kViewer, true));
  EXPECT_TRUE(api::Permits(api::Access::kOpen, api::Role::kViewer, false));
  EXPECT_EQ(api::RoleWithArticle(api::Role::kOperator), "an operator");
}

TEST(TokensFile, ParsesNamedTokensWithRoles) {
  auto tokens = ParseTokens(kTwoTokens, "tokens.toml");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].name, "ci-viewer");
  EXPECT_EQ((*tokens)[0].role, api::Role::kViewer);
  EXPECT_EQ((*tokens)[0].secret, kViewerSecret);
  EXPECT_EQ((*tokens)[1].role, api::Role::kAdmin);
}

TEST(TokensFile, RefusesBadEntriesNamingThemWithoutTheSecret) {
  ExpectRefused(Entry("ci", "root", kViewerSecret), "token 'ci': unknown role 'root'");
  ExpectRefused(kTwoTokens + Entry("ops", "viewer", "another-secret-0123456789abc"),
                "token name 'ops' appears twice");
  ExpectRefused(kTwoTokens + Entry("ops2", "viewer", kAdminSecret),
                "token 'ops2' has the same secret as another token");
  ExpectRefused(Entry("ci", "viewer", "short"), "token 'ci' is shorter than 16 characters");
  ExpectRefused(Entry("c i", "viewer", kViewerSecret), "token name 'c i'");
  ExpectRefused(Entry("cluster", "admin", kViewerSecret), "not 'cluster'");
  ExpectRefused(Entry("ci", "viewer", kViewerSecret) + "colour = \"blue\"\n",
                "unknown key 'tokens[0].colour'");
  ExpectRefused("[[tokens]]\nname = \"ci\"\nrole = \"viewer\"\n", "'tokens[0].token' is required");
  ExpectRefused("", "names no tokens");
  ExpectRefused("[[tokens]]\nname = \"ci\"\ntoken = \"secret-0123456789ab\n", "line 3");
}

TEST(TokensFile, RefusesAFileItsGroupOrOthersMayRead) {
  testing::TempDir dir;
  const std::string path = Secret(dir, "tokens.toml", kTwoTokens);
  EXPECT_TRUE(LoadTokensFile(path).ok());
  for (mode_t mode : {0640, 0604, 0660}) {
    chmod(path.c_str(), mode);
    auto loaded = LoadTokensFile(path);
    ASSERT_FALSE(loaded.ok()) << std::oct << mode;
    EXPECT_NE(loaded.status().message().find("chmod 600"), std::string::npos)
        << loaded.status().message();
  }
}

TEST(Credentials, IdentifyNamesTheCallerAndItsRole) {
  Credentials credentials(
      {{"ci-viewer", api::Role::kViewer, kViewerSecret}, {"ops", api::Role::kAdmin, kAdminSecret}},
      kClusterSecret);
  auto viewer = credentials.Identify(std::string("Bearer ") + kViewerSecret);
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->name, "ci-viewer");
  EXPECT_EQ(viewer->role, api::Role::kViewer);
  EXPECT_FALSE(viewer->cluster);
  auto agent = credentials.Identify(std::string("Bearer ") + kClusterSecret);
  ASSERT_TRUE(agent);
  EXPECT_TRUE(agent->cluster);
  EXPECT_EQ(agent->name, kClusterPrincipal);
  EXPECT_FALSE(credentials.Identify("Bearer nobody-knows-this-token"));
  EXPECT_FALSE(credentials.Identify(kViewerSecret)) << "without the Bearer scheme";
  EXPECT_FALSE(credentials.Identify(""));
}

TEST(Credentials, TheOldTokenFileIsOneAdminTokenAndTheClusterCredential) {
  testing::TempDir dir;
  auto loaded = LoadCredentials({.token_file = Secret(dir, "token", kLegacySecret)});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->cluster_secret(), kLegacySecret);
  auto caller = loaded->Identify(std::string("Bearer ") + kLegacySecret);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->name, kLegacyTokenName);
  EXPECT_EQ(caller->role, api::Role::kAdmin);
  EXPECT_TRUE(caller->cluster);
}

TEST(Credentials, NamedTokensNeedAClusterCredentialOfTheirOwn) {
  testing::TempDir dir;
  const std::string tokens = Secret(dir, "tokens.toml", kTwoTokens);
  auto alone = LoadCredentials({.tokens_file = tokens});
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("cluster_token_file"), std::string::npos);

  auto loaded = LoadCredentials(
      {.tokens_file = tokens, .cluster_token_file = Secret(dir, "cluster", kClusterSecret)});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->cluster_secret(), kClusterSecret);
  auto admin = loaded->Identify(std::string("Bearer ") + kAdminSecret);
  ASSERT_TRUE(admin);
  EXPECT_FALSE(admin->cluster) << "an operator's token is never the cluster's";

  auto reused = LoadCredentials(
      {.tokens_file = tokens, .cluster_token_file = Secret(dir, "reused", kAdminSecret)});
  ASSERT_FALSE(reused.ok());
  EXPECT_NE(reused.status().message().find("same secret as token 'ops'"), std::string::npos)
      << reused.status().message();
  auto open = LoadCredentials(
      {.tokens_file = tokens, .cluster_token_file = Secret(dir, "open", kClusterSecret, 0640)});
  EXPECT_FALSE(open.ok());
}

TEST(Credentials, TheOldTokenAndNamedTokensTogether) {
  testing::TempDir dir;
  const std::string legacy = Secret(dir, "token", kLegacySecret);
  auto both = LoadCredentials(
      {.token_file = legacy, .tokens_file = Secret(dir, "tokens.toml", kTwoTokens)});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->cluster_secret(), kLegacySecret);
  auto clash = LoadCredentials(
      {.token_file = legacy,
       .tokens_file = Secret(dir, "clash.toml", Entry("admin", "viewer", kViewerSecret))});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("'admin' appears twice"), std::string::npos)
      << clash.status().message();
  EXPECT_FALSE(LoadCredentials({}).ok());
}

}  // namespace
}  // namespace lockstep::agent
