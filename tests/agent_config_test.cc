// The agent's TOML configuration: a complete file parses into the settings it states; unknown
// keys, wrong types and bad values are refused naming the key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/config/config.h"
#include "agent/config/zk_auth.h"
#include "common/crypto/keys.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

const char* kValid = R"(
name = "m1"
listen = "127.0.1.1:8420"
advertise = "http://master1.example:8420"
zoo_cfg = "/etc/zookeeper/zoo.cfg"
store_dir = "/var/lib/lockstep"
token_file = "/etc/lockstep/token"
peer_timeout_ms = 700

[[peers]]
name = "m2"
url = "http://127.0.1.2:8420"

[[peers]]
name = "m3"
url = "https://127.0.1.3:8420"

[tls]
ca_file = "/etc/lockstep/ca.pem"

[controller]
backend = "process"

[controller.process]
heap = "2g"
jvm_flags = ["-Dzookeeper.snapCount=5000"]
stop_grace_ms = 3000
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

Status Parse(const std::string& text) { return ParseAgentConfig(text, "agent.toml").status(); }

void ExpectRefused(const std::string& text, const std::string& needle) {
  Status status = Parse(text);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
  EXPECT_NE(status.message().find(needle), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("agent.toml"), std::string::npos) << status.message();
}

TEST(AgentConfig, ParsesEverySetting) {
  auto config = ParseAgentConfig(kValid, "agent.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->name, "m1");
  EXPECT_EQ(config->listen_host, "127.0.1.1");
  EXPECT_EQ(config->listen_port, 8420);
  EXPECT_EQ(config->advertise, "http://master1.example:8420");
  ASSERT_EQ(config->peers.size(), 2u);
  EXPECT_EQ(config->peers[1].name, "m3");
  EXPECT_EQ(config->peers[1].url, "https://127.0.1.3:8420");
  EXPECT_EQ(config->peer_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(config->peer_tls.ca_file, "/etc/lockstep/ca.pem");
  EXPECT_FALSE(config->tls.has_value());
  EXPECT_EQ(config->controller.backend, "process");
  EXPECT_EQ(config->controller.process.heap, "2g");
  EXPECT_EQ(config->controller.process.jvm_flags,
            std::vector<std::string>{"-Dzookeeper.snapCount=5000"});
  EXPECT_EQ(config->controller.process.stop_grace, std::chrono::milliseconds(3000));
  EXPECT_EQ(config->controller.process.log_file, "/var/lib/lockstep/zookeeper.out");
}

TEST(AgentConfig, AdvertiseDefaultsToTheListenAddress) {
  auto config = ParseAgentConfig(
      Replace(kValid, "advertise = \"http://master1.example:8420\"\n", ""), "agent.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->advertise, "http://127.0.1.1:8420");
}

TEST(AgentConfig, UnknownKeysAreNamedWhereverTheyAre) {
  ExpectRefused(Replace(kValid, "peer_timeout_ms", "peer_timeout_msec"), "'peer_timeout_msec'");
  ExpectRefused(Replace(kValid, "heap = \"2g\"", "heap = \"2g\"\nheep = \"1g\""),
                "'controller.process.heep'");
  ExpectRefused(Replace(kValid, "url = \"http://127.0.1.2:8420\"",
                        "url = \"http://127.0.1.2:8420\"\nport = 1"),
                "'peers[0].port'");
  ExpectRefused(Replace(kValid, "ca_file", "cafile"), "'tls.cafile'");
}

TEST(AgentConfig, WrongTypesAndValuesNameTheKeyAndLine) {
  ExpectRefused(Replace(kValid, "peer_timeout_ms = 700", "peer_timeout_ms = \"700\""),
                "'peer_timeout_ms' must be an integer");
  ExpectRefused(Replace(kValid, "peer_timeout_ms = 700", "peer_timeout_ms = 0"),
                "'peer_timeout_ms' must be between");
  ExpectRefused(Replace(kValid, "heap = \"2g\"", "heap = \"lots\""), "'controller.process.heap'");
  ExpectRefused(Replace(kValid, "127.0.1.1:8420", "127.0.1.1"), "'listen'");
  ExpectRefused(Replace(kValid, "http://127.0.1.2:8420", "ftp://x"), "'peers[0].url'");
  ExpectRefused(Replace(kValid, "backend = \"process\"", "backend = \"docker\""),
                "'controller.backend'");
  ExpectRefused(Replace(kValid, "name = \"m2\"", "name = \"m1\""), "'m1' appears twice");
  ExpectRefused(Replace(kValid, "name = \"m1\"", "name = \"m 1\""), "'name'");
  ExpectRefused(Replace(kValid, "jvm_flags = [\"-Dzookeeper.snapCount=5000\"]", "jvm_flags = [1]"),
                "'controller.process.jvm_flags'");
  Status status = Parse(Replace(kValid, "peer_timeout_ms = 700", "peer_timeout_ms = \"700\""));
  EXPECT_NE(status.message().find("line 8"), std::string::npos) << status.message();
}

TEST(AgentConfig, RequiredSettingsAndBackendSections) {
  ExpectRefused(Replace(kValid, "token_file = \"/etc/lockstep/token\"\n", ""),
                "'tokens_file' (named tokens with roles) or 'token_file' (one shared token) is "
                "required");
  ExpectRefused(
      Replace(kValid, "[controller]\nbackend = \"process\"", "[controller]\nbackend = \"systemd\""),
      "[controller.systemd]");
  ExpectRefused("name = \"m1\"\nlisten = \"1.2.3.4:5\"\n[controller\n", "agent.toml: line 3");
  auto systemd = ParseAgentConfig(
      Replace(Replace(kValid, "backend = \"process\"", "backend = \"systemd\""),
              "[controller.process]\nheap = \"2g\"\njvm_flags = [\"-Dzookeeper.snapCount=5000\"]\n"
              "stop_grace_ms = 3000\n",
              "[controller.systemd]\nunit = \"dcos-exhibitor\"\n"),
      "agent.toml");
  ASSERT_TRUE(systemd.ok()) << systemd.status().ToString();
  EXPECT_EQ(systemd->controller.systemd.unit, "dcos-exhibitor");
  ExpectRefused(Replace(kValid, "[controller.process]", "[controller.exec]"),
                "settings for a backend other than 'process'");
}

}  // namespace
}  // namespace lockstep::agent

namespace lockstep::agent {
namespace {

const char* kRepository = R"(
[repository]
endpoint = "https://s3.eu-west-1.amazonaws.com"
bucket = "lockstep"
prefix = "cluster-a/"
region = "eu-west-1"
credentials_file = "/etc/lockstep/s3-credentials"
part_size_mb = 8
keep = 30
)";

TEST(AgentConfig, NamedTokensAndTheClusterCredentialReplaceOrJoinTheSingleToken) {
  auto named = ParseAgentConfig(Replace(kValid, "token_file = \"/etc/lockstep/token\"\n",
                                        "tokens_file = \"/etc/lockstep/tokens.toml\"\n"
                                        "cluster_token_file = \"/etc/lockstep/cluster-token\"\n"),
                                "agent.toml");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->token_file, "");
  EXPECT_EQ(named->tokens_file, "/etc/lockstep/tokens.toml");
  EXPECT_EQ(named->cluster_token_file, "/etc/lockstep/cluster-token");
  auto both = ParseAgentConfig(Replace(kValid, "token_file = \"/etc/lockstep/token\"\n",
                                       "token_file = \"/etc/lockstep/token\"\n"
                                       "tokens_file = \"/etc/lockstep/tokens.toml\"\n"),
                               "agent.toml");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->token_file, "/etc/lockstep/token");
  EXPECT_EQ(both->cluster_token_file, "");
}

TEST(AgentConfig, ReadsDcosAuthAndRefusesRolesWithoutKeys) {
  auto parsed = ParseAgentConfig(kValid + std::string(R"(
[auth]
jwks_file = "/etc/lockstep/dcos-jwks.json"
dcos_default_role = "none"
[auth.dcos_roles]
bootstrapuser = "admin"
"ops@example.com" = "viewer"
)"),
                                 "agent.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->dcos_auth.jwks_file, "/etc/lockstep/dcos-jwks.json");
  EXPECT_FALSE(parsed->dcos_auth.default_role.has_value());
  EXPECT_EQ(parsed->dcos_auth.roles.at("bootstrapuser"), api::Role::kAdmin);
  EXPECT_EQ(parsed->dcos_auth.roles.at("ops@example.com"), api::Role::kViewer);
  auto plain = ParseAgentConfig(kValid, "agent.toml");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->dcos_auth.default_role, api::Role::kOperator);
  ExpectRefused(
      kValid + std::string("\n[auth]\njwks_file = \"/k\"\n[auth.dcos_roles]\na = \"root\"\n"),
      "auth.dcos_roles.a");
  ExpectRefused(kValid + std::string("\n[auth]\n[auth.dcos_roles]\na = \"admin\"\n"),
                "no jwks_file");
  ExpectRefused(kValid + std::string("\n[auth]\njwks_file = \"/k\"\ndcos_default_role = \"god\"\n"),
                "dcos_default_role");
  ExpectRefused(kValid + std::string("\n[auth]\njwks = \"/k\"\n"), "auth.jwks");
}

TEST(AgentConfig, ReadsTheIamAndGroupRolesAndRefusesGroupsWithoutAnIam) {
  auto parsed = ParseAgentConfig(kValid + std::string(R"(
[auth]
jwks_file = "/etc/lockstep/dcos-jwks.json"
iam_url = "https://master.mesos/acs/api/v1"
iam_token_file = "/etc/lockstep/iam-token"
iam_ca_file = "/etc/lockstep/dcos-ca.crt"
iam_cache_seconds = 30
[auth.dcos_group_roles]
zk-admins = "admin"
sre = "operator"
)"),
                                 "agent.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const DcosAuthConfig& auth = parsed->dcos_auth;
  EXPECT_EQ(auth.iam.url, "https://master.mesos/acs/api/v1");
  EXPECT_EQ(auth.iam.token_file, "/etc/lockstep/iam-token");
  EXPECT_EQ(auth.iam.ca_file, "/etc/lockstep/dcos-ca.crt");
  EXPECT_EQ(auth.iam.cache_for, std::chrono::seconds(30));
  EXPECT_EQ(auth.group_roles.at("zk-admins"), api::Role::kAdmin);
  EXPECT_EQ(auth.group_roles.at("sre"), api::Role::kOperator);
  ExpectRefused(kValid + std::string("\n[auth]\njwks_file = \"/k\"\n[auth.dcos_group_roles]\n"
                                     "g = \"admin\"\n"),
                "needs iam_url");
  ExpectRefused(kValid + std::string("\n[auth]\niam_url = \"https://iam\"\n"), "no jwks_file");
  ExpectRefused(kValid + std::string("\n[auth]\njwks_file = \"/k\"\niam_cache_seconds = 99999\n"),
                "iam_cache_seconds");
}

TEST(AgentConfig, ReadsTheRepository) {
  auto config = ParseAgentConfig(std::string(kValid) + kRepository, "agent.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const RepositoryConfig& repository = config->repository;
  EXPECT_TRUE(repository.enabled());
  EXPECT_EQ(repository.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(repository.bucket, "lockstep");
  EXPECT_EQ(repository.prefix, "cluster-a/");
  EXPECT_EQ(repository.region, "eu-west-1");
  EXPECT_EQ(repository.credentials_file, "/etc/lockstep/s3-credentials");
  EXPECT_FALSE(repository.path_style);
  EXPECT_EQ(repository.part_size, 8u << 20);
  EXPECT_EQ(repository.keep, 30u);
  EXPECT_FALSE(ParseAgentConfig(kValid, "agent.toml")->repository.enabled());
}

TEST(AgentConfig, RefusesABadRepositoryNamingTheKey) {
  const std::string with = std::string(kValid) + kRepository;
  ExpectRefused(Replace(with, "prefix = \"cluster-a/\"", "prefix = \"cluster-a\""),
                "'repository.prefix' must end with '/'");
  ExpectRefused(Replace(with, "bucket = \"lockstep\"\n", ""), "repository.bucket");
  ExpectRefused(Replace(with, "part_size_mb = 8", "part_size_mb = 4"), "part_size_mb");
  ExpectRefused(Replace(with, "endpoint = \"https://s3.eu-west-1.amazonaws.com\"",
                        "endpoint = \"s3.eu-west-1\""),
                "repository.endpoint");
  ExpectRefused(with + "keep_forever = true\n", "keep_forever");
  ExpectRefused(Replace(with, "keep = 30", "keep = -1"), "keep");
}

}  // namespace
}  // namespace lockstep::agent

namespace lockstep::agent {
namespace {

std::string EncryptionSection(const std::string& recipient, const std::string& identity_file) {
  std::string text = "\n[encryption]\nrecipients = [\"" + recipient + "\"]\n";
  if (!identity_file.empty()) text += "identity_file = \"" + identity_file + "\"\n";
  return text;
}

class EncryptionConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_ = std::make_unique<age::X25519Identity>(*age::GenerateIdentity());
    identity_file_ = tmp_ / "identity";
    testing::WriteFile(identity_file_, age::IdentityFileText(*identity_, {}));
    ::chmod(identity_file_.c_str(), 0600);
  }
  std::string Recipient() const { return identity_->recipient().ToString(); }

  testing::TempDir tmp_;
  std::unique_ptr<age::X25519Identity> identity_;
  std::string identity_file_;
};

TEST_F(EncryptionConfigTest, ReadsRecipientsAndTheIdentityFile) {
  auto config = ParseAgentConfig(
      std::string(kValid) + EncryptionSection(Recipient(), identity_file_), "agent.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->encryption.enabled());
  EXPECT_EQ(config->encryption.recipients, std::vector{identity_->recipient()});
  auto identities = LoadIdentities(config->encryption.identity_file);
  ASSERT_TRUE(identities.ok()) << identities.status().ToString();
  ASSERT_EQ(identities->size(), 1u);
  EXPECT_EQ((*identities)[0].recipient(), identity_->recipient());
  EXPECT_FALSE(ParseAgentConfig(kValid, "agent.toml")->encryption.enabled());
  // Writing needs no secret: recipients alone are a complete configuration.
  EXPECT_TRUE(Parse(std::string(kValid) + EncryptionSection(Recipient(), "")).ok());
}

TEST_F(EncryptionConfigTest, RefusesBadKeysAndAnOpenIdentityFileNamingThem) {
  ExpectRefused(std::string(kValid) + EncryptionSection("age1notakey", ""),
                "'encryption.recipients'");
  ExpectRefused(std::string(kValid) + "\n[encryption]\nrecipients = []\n", "is empty");
  Status missing = Parse(std::string(kValid) + EncryptionSection(Recipient(), tmp_ / "nope"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("'encryption.identity_file'"), std::string::npos)
      << missing.message();
  ::chmod(identity_file_.c_str(), 0644);
  Status open = Parse(std::string(kValid) + EncryptionSection(Recipient(), identity_file_));
  EXPECT_FALSE(open.ok());
  EXPECT_NE(open.message().find("chmod 600"), std::string::npos) << open.message();
  // The secret is never repeated in an error.
  testing::WriteFile(identity_file_, "AGE-SECRET-KEY-1BROKENBROKEN\n");
  ::chmod(identity_file_.c_str(), 0600);
  Status broken = Parse(std::string(kValid) + EncryptionSection(Recipient(), identity_file_));
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.message().find("BROKENBROKEN"), std::string::npos) << broken.message();
}

}  // namespace
}  // namespace lockstep::agent

namespace lockstep::agent {
namespace {

TEST(ZkAuthFile, ReadsSchemeAndCredentialPerLineAndNeverRepeatsASecret) {
  Result<std::vector<ZkAuth>> auth = ParseZkAuth(
      "# the agents' identity\n\ndigest:lockstep:pw:with:colons\n  ip:10.0.0.1  \n", "auth_file f");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  ASSERT_EQ(auth->size(), 2u);
  EXPECT_EQ((*auth)[0].scheme, "digest");
  EXPECT_EQ((*auth)[0].credential, "lockstep:pw:with:colons");
  EXPECT_EQ((*auth)[1].scheme, "ip");
  for (const std::string bad : {"digest-only-secret", ":secret", "digest:secretnocolon",
                                "dig est:user:secret", "digest:"}) {
    Result<std::vector<ZkAuth>> refused = ParseZkAuth(bad + "\n", "auth_file f");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("line 1"), std::string::npos);
    EXPECT_EQ(refused.status().message().find("secret"), std::string::npos)
        << refused.status().message();
  }
}

}  // namespace
}  // namespace lockstep::agent
