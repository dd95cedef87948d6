// DC/OS's backup API on a real 3-master sandbox, driven the way a DC/OS site's scripts drive it:
// curl, the documented paths and bodies, `Authorization: token=…` with a login token signed by
// an IAM (the test's own RSA key, published to the agents as jwks_file), answers read as plain
// JSON by what the contract says, not by Lockstep's types. The whole documented flow (create,
// list with a prefix until READY, restore, restores[] READY, delete with the id in the body,
// gone) through /system/v1/backup/v1 with a JWT, then through Admin Router's /v1/… path with a
// named token; and what a caller without the right token meets.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "common/file.h"
#include "common/process.h"
#include "integration/harness.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"
#include "tests/jwt_signer.h"

namespace lockstep::integration {
namespace {
using namespace std::chrono_literals;
using google::protobuf::Struct;
using google::protobuf::Value;

// A reply as a DC/OS client sees it: the status code and the body as generic JSON.
struct Answer {
  int status = 0;
  std::string body;
  Struct json;
};

// The status of `metadata` (a BackupMetadata or a restore), as the contract spells it.
std::string StatusOf(const Struct& metadata) {
  return metadata.fields().at("status").string_value();
}

// ZooKeeper's digest of "user:password" (base64 of its SHA-1), as ACLs and superDigest name it.
std::string Digest(const std::string& user_password) {
  unsigned char sha1[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(user_password.data()), user_password.size(), sha1);
  unsigned char text[64] = {};
  EVP_EncodeBlock(text, sha1, SHA_DIGEST_LENGTH);
  return reinterpret_cast<const char*>(text);
}

class DcosApi : public SandboxSuite<DcosApi> {
 public:
  static MiniClusterOptions Options() {
    dir_ = ScenarioDir("lockstep-dcos-test");
    auto options = MiniClusterOptions::WithFreePorts(dir_, 3);
    iam_ = new testing::JwtSigner("iam-test");
    const std::string jwks = dir_ + "/jwks.json";
    std::ofstream(jwks) << iam_->Jwks();
    ::chmod(jwks.c_str(), 0644);
    // ZooKeeper as a DC/OS master runs it: a super digest, and the agents' own digest identity.
    options.zk_jvm_flags = {"-Dzookeeper.DigestAuthenticationProvider.superDigest=super:" +
                            Digest("super:superpw")};
    const std::string zk_auth = dir_ + "/zk-auth";
    std::ofstream(zk_auth) << "# the agents' ZooKeeper identity\ndigest:lockstep:lockpw\n";
    ::chmod(zk_auth.c_str(), 0600);
    options.extra_agent_toml = "\n[zookeeper]\nauth_file = \"" + zk_auth + "\"\n" +
                               "\n[auth]\njwks_file = \"" + jwks +
                               "\"\n[auth.dcos_roles]\nbootstrapuser = \"admin\"\n"
                               "monitor = \"viewer\"\n";
    return options;
  }

 protected:
  static std::string Jwt(const std::string& uid, int64_t valid_for = 3600) {
    return iam_->Token(uid, std::time(nullptr) + valid_for);
  }

  // curl, as a site's script calls the API: `authorization` is the whole header value.
  static Answer Curl(const std::string& method, const std::string& url,
                     const std::string& authorization, const std::string& body = "") {
    const std::string headers = dir_ + "/curl.headers", in = dir_ + "/curl.body",
                      out = dir_ + "/curl.out";
    std::ofstream(headers) << (authorization.empty() ? ""
                                                     : "Authorization: " + authorization + "\n")
                           << "Accept: application/json\nContent-Type: application/json\n";
    std::ofstream(in) << body;
    std::string command = "curl -sS -X " + method + " -H @" + headers + " -o " + out +
                          " -w '%{http_code}' " +
                          (body.empty() ? "" : "--data-binary @" + in + " ") + "'" + url + "'";
    Result<CommandResult> run = RunShellCommand(command, 60s);
    Answer answer;
    EXPECT_TRUE(run.ok() && run->exit_code == 0)
        << command << ": " << (run.ok() ? run->output : "");
    if (!run.ok()) return answer;
    answer.status = std::atoi(run->output.c_str());
    Result<std::string> received = ReadSmallFile(out);
    answer.body = received.ok() ? *received : "";
    if (!answer.body.empty()) {
      EXPECT_TRUE(proto::FromJson(answer.body, &answer.json).ok()) << answer.body;
    }
    return answer;
  }

  // The backup_info entry for `id` in GET list, if listed.
  static std::optional<Struct> Listed(const std::string& base, const std::string& auth,
                                      const std::string& prefix, const std::string& id) {
    Answer list = Curl("GET", base + "/list?prefix=" + prefix, auth);
    EXPECT_EQ(list.status, 200) << list.body;
    auto found = list.json.fields().find("backup_info");
    if (found == list.json.fields().end()) return std::nullopt;
    for (const Value& entry : found->second.list_value().values()) {
      if (entry.struct_value().fields().at("id").string_value() == id) return entry.struct_value();
    }
    return std::nullopt;
  }

  static void SetMarathon(const std::string& value) {
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
    ASSERT_TRUE(zk.ok()) << zk.status().ToString();
    if (!(*zk)->Get("/marathon/app").ok()) {
      (void)(*zk)->Create("/marathon", "", ZkClient::OpenAcl(), CreateMode::kPersistent);
      ASSERT_TRUE(
          (*zk)->Create("/marathon/app", value, ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
    } else {
      ASSERT_TRUE((*zk)->Set("/marathon/app", value).ok());
    }
  }
  static std::string Marathon() {
    auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
    if (!zk.ok()) return "";
    auto node = (*zk)->Get("/marathon/app");
    return node.ok() ? node->first : "";
  }

  // The documented flow, from create to gone, through `base` as `auth`.
  static void RunTheDocumentedFlow(const std::string& base, const std::string& auth,
                                   const std::string& label) {
    SetMarathon("before the backup");
    Answer created = Curl("POST", base + "/create", auth, R"({"label":")" + label + R"("})");
    ASSERT_EQ(created.status, 200) << created.body;
    const Struct& info = created.json.fields().at("backup_info").struct_value();
    const std::string id = info.fields().at("id").string_value();
    EXPECT_TRUE(id.starts_with(label + "-")) << id;
    EXPECT_GE(id.size(), 40u);
    EXPECT_LE(id.size(), 62u);
    EXPECT_EQ(StatusOf(info), "STATUS_BACKING_UP");
    ASSERT_FALSE(info.fields().at("component_status").struct_value().fields().empty());
    for (const auto& [name, component] :
         info.fields().at("component_status").struct_value().fields()) {
      EXPECT_EQ(StatusOf(component.struct_value()), "STATUS_UNKNOWN") << name;
    }
    EXPECT_FALSE(info.fields().at("dcos_version").string_value().empty());
    EXPECT_FALSE(info.fields().at("timestamp").string_value().empty());

    std::optional<Struct> ready;
    ASSERT_TRUE(WaitFor(
        [&] {
          ready = Listed(base, auth, label.substr(0, 4), id);
          return ready && StatusOf(*ready) == "STATUS_READY";
        },
        90s))
        << "never READY: " << (ready ? proto::ToJson(*ready) : "not listed");
    EXPECT_EQ(StatusOf(ready->fields()
                           .at("component_status")
                           .struct_value()
                           .fields()
                           .at("marathon")
                           .struct_value()),
              "STATUS_READY");

    SetMarathon("changed after the backup");
    Answer restored = Curl("POST", base + "/restore", auth, R"({"id":")" + id + R"("})");
    ASSERT_EQ(restored.status, 200) << restored.body;
    const auto& restores = restored.json.fields()
                               .at("backup_info")
                               .struct_value()
                               .fields()
                               .at("restores")
                               .list_value();
    ASSERT_EQ(restores.values_size(), 1) << restored.body;
    const std::string restore_id =
        restores.values(0).struct_value().fields().at("id").string_value();
    std::string restore_status;
    ASSERT_TRUE(WaitFor(
        [&] {
          std::optional<Struct> listed = Listed(base, auth, label, id);
          if (!listed) return false;
          for (const Value& restore : listed->fields().at("restores").list_value().values()) {
            if (restore.struct_value().fields().at("id").string_value() == restore_id) {
              restore_status = StatusOf(restore.struct_value());
            }
          }
          return restore_status == "STATUS_READY" || restore_status == "STATUS_ERROR";
        },
        90s))
        << "the restore never finished: " << restore_status;
    EXPECT_EQ(restore_status, "STATUS_READY");
    EXPECT_EQ(Marathon(), "before the backup");

    Answer wrong = Curl("DELETE", base + "/delete", auth, R"({"id":")" + restore_id + R"("})");
    EXPECT_EQ(wrong.status, 400) << wrong.body;
    EXPECT_NE(wrong.body.find("restore"), std::string::npos) << wrong.body;
    Answer deleted = Curl("DELETE", base + "/delete", auth, R"({"id":")" + id + R"("})");
    EXPECT_EQ(deleted.status, 200) << deleted.body;
    Answer gone;
    EXPECT_TRUE(WaitFor(
        [&] {
          gone = Curl("GET", base + "/list?prefix=" + label, auth);
          return gone.status == 200 && gone.json.fields().empty();
        },
        30s))
        << gone.body;
    EXPECT_EQ(gone.body, "{}");
  }

  static inline std::string dir_;
  static inline testing::JwtSigner* iam_ = nullptr;
};

TEST_F(DcosApi, TheDocumentedFlowWorksThroughTheSystemPathWithADcosToken) {
  // Master 2: whether or not it coordinates, the create and restore reach the coordinator.
  RunTheDocumentedFlow(cluster_->url(2) + "/system/v1/backup/v1", "token=" + Jwt("bootstrapuser"),
                       "dcosflow");
}

TEST_F(DcosApi, TheDocumentedFlowWorksThroughAdminRoutersPathWithANamedToken) {
  RunTheDocumentedFlow(cluster_->url(3) + "/v1", "token=" + cluster_->token(), "forwarded");
}

TEST_F(DcosApi, TheAuditNamesTheDcosUser) {
  Answer audit = Curl("GET", cluster_->url(1) + "/v1/audit", "Bearer " + cluster_->token());
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("dcos:bootstrapuser"), std::string::npos);
}

TEST_F(DcosApi, TheCliTakesADcosTokenFromItsTokenFile) {
  const std::string token_file = dir_ + "/dcos-token";
  std::ofstream(token_file) << Jwt("monitor") << "\n";
  ::chmod(token_file.c_str(), 0600);
  CliResult list = RunCli(
      {"--cluster", cluster_->urls(), "--token-file", token_file, "backup", "list", "--json"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  CliResult create = RunCli({"--cluster", cluster_->urls(), "--token-file", token_file, "backup",
                             "create", "--label", "viewerattempt"});
  EXPECT_NE(create.exit_code, 0);
  EXPECT_NE(create.err.find("operator"), std::string::npos) << create.err;
}

// `--cluster` as a DC/OS URL: the agents behind a proxy that serves them under a path prefix and
// strips it, as Admin Router does (tools/admin-router); the CLI puts the prefix before every path.
TEST_F(DcosApi, TheCliReachesTheAgentsThroughAProxyUnderAPathPrefix) {
  const uint16_t port = FreePort("127.0.0.1");
  const std::string log = dir_ + "/proxy.log";
  const std::string upstream = cluster_->url(1).substr(std::string("http://").size());
  Result<pid_t> proxy = SpawnProcess(
      {"/usr/bin/python3", LOCKSTEP_SOURCE_DIR "/tools/admin-router/strip-prefix-proxy.py",
       "--address", "127.0.0.1", "--port", std::to_string(port), "--prefix", "/service/lockstep",
       "--upstream", upstream},
      {.output_file = log, .die_with_parent = true});
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        return text.find("proxy ready") != std::string::npos;
      },
      30s));
  const std::string dcos_url = "http://127.0.0.1:" + std::to_string(port) + "/service/lockstep/";

  CliResult status =
      RunCli({"--cluster", dcos_url, "--token-file", cluster_->token_file(), "cluster", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("3 of 3 serving"), std::string::npos) << status.out;
  const std::string token_file = dir_ + "/bootstrapuser-token";
  std::ofstream(token_file) << Jwt("bootstrapuser") << "\n";
  ::chmod(token_file.c_str(), 0600);
  CliResult created = RunCli({"--cluster", dcos_url, "--token-file", token_file, "--json", "backup",
                              "create", "--label", "viaproxy", "--wait"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  proto::Backup backup;
  EXPECT_TRUE(proto::FromJson(created.out, &backup, true).ok()) << created.out;
  EXPECT_EQ(backup.status(), proto::STATUS_READY);
  // Outside the prefix the proxy serves nothing: the CLI names where it was refused.
  CliResult elsewhere = RunCli({"--cluster", "http://127.0.0.1:" + std::to_string(port) + "/other",
                                "--token-file", cluster_->token_file(), "cluster", "status"});
  EXPECT_NE(elsewhere.exit_code, 0);
  EXPECT_NE(elsewhere.err.find("/other/v1/cluster/status"), std::string::npos) << elsewhere.err;
  ::kill(*proxy, SIGTERM);
  (void)WaitForExit(*proxy, 10s);
}

TEST_F(DcosApi, CallersWithoutTheRightTokenAreRefusedAndNothingIsCreated) {
  const std::string base = cluster_->url(1) + "/system/v1/backup/v1";
  const std::string create = R"({"label":"intruder"})";
  EXPECT_EQ(Curl("POST", base + "/create", "", create).status, 401);
  Answer expired = Curl("POST", base + "/create", "token=" + Jwt("bootstrapuser", -10), create);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
  testing::JwtSigner forger("iam-test");
  Answer forged = Curl("POST", base + "/create",
                       "token=" + forger.Token("bootstrapuser", std::time(nullptr) + 60), create);
  EXPECT_EQ(forged.status, 401) << forged.body;
  const std::string viewer = "token=" + Jwt("monitor");
  EXPECT_EQ(Curl("GET", base + "/list", viewer).status, 200);
  EXPECT_EQ(Curl("POST", base + "/create", viewer, create).status, 403);
  // An operator (the default role of a uid dcos_roles does not list) may back up, not restore.
  Answer restore = Curl("POST", base + "/restore", "token=" + Jwt("someone"),
                        R"({"id":"intruder-1c9d37f2-7d5e-4e28-9b52-0c3f2d1e9a61"})");
  EXPECT_EQ(restore.status, 403) << restore.body;
  Answer bad = Curl("POST", base + "/create", "token=" + Jwt("bootstrapuser"), R"({"label":"x"})");
  EXPECT_EQ(bad.status, 400);
  ASSERT_TRUE(bad.json.fields().count("errors")) << bad.body;
  EXPECT_EQ(bad.json.fields().at("errors").list_value().values_size(), 1);
  EXPECT_FALSE(Listed(base, viewer, "intruder", "").has_value());
  EXPECT_EQ(Curl("GET", base + "/list?prefix=intruder", viewer).body, "{}");
}

TEST_F(DcosApi, ProtectedZnodesAreReadWithTheAgentsCredentialsAndWhatStaysUnreadableIsNamed) {
  auto super = ZkClient::Connect(cluster_->zk_connect(), 30s, 10s, {{"digest", "super:superpw"}});
  ASSERT_TRUE(super.ok()) << super.status().ToString();
  ZkClient& zk = **super;
  const std::vector<ZkAcl> agents = {{0x1f, "digest", "lockstep:" + Digest("lockstep:lockpw")}};
  const std::vector<ZkAcl> others = {{0x1f, "digest", "other:" + Digest("other:otherpw")}};
  for (const auto& [path, data, acl] :
       std::vector<std::tuple<std::string, std::string, std::vector<ZkAcl>>>{
           {"/guarded", "root", agents},
           {"/guarded/app", "v1", agents},
           {"/guarded/secret", "s", others},
           {"/guarded/secret/child", "c", others}}) {
    ASSERT_TRUE(zk.Create(path, data, acl, CreateMode::kPersistent).ok()) << path;
  }
  // The protection is real: an unauthenticated session reads nothing there.
  auto anonymous = ZkClient::Connect(cluster_->zk_connect(), 30s);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE((*anonymous)->Get("/guarded/app").ok());

  CliResult made = RunCli(Args({"--json", "backup", "create", "--label", "guarded", "--wait"}));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  proto::Backup backup;
  ASSERT_TRUE(proto::FromJson(made.out, &backup, true).ok()) << made.out;
  // Deep verification restores the whole backup, protected nodes included, into a scratch
  // ZooKeeper and checks what it serves: it reads no node through a client, so no ACL stops it.
  CliResult verified = RunCli(Args({"backup", "verify", backup.id(), "--deep"}));
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("deep"), std::string::npos) << verified.out;
  ASSERT_TRUE(zk.Set("/guarded/app", "v2").ok());

  CliResult diffed = RunCli(Args({"--json", "backup", "diff", backup.id(), "--path", "/guarded"}));
  ASSERT_EQ(diffed.exit_code, 0) << diffed.err;
  proto::BackupDiff diff;
  ASSERT_TRUE(proto::FromJson(diffed.out, &diff, true).ok()) << diffed.out;
  EXPECT_EQ(diff.data_changed(), 1u) << diffed.out;
  ASSERT_EQ(diff.paths().data_changed_size(), 1);
  EXPECT_EQ(diff.paths().data_changed(0), "/guarded/app");
  EXPECT_EQ(diff.unreadable(), 1u) << diffed.out;
  ASSERT_EQ(diff.paths().unreadable_size(), 1);
  EXPECT_EQ(diff.paths().unreadable(0), "/guarded/secret");
  EXPECT_EQ(diff.not_compared(), 2u) << "the secret and its child";
  CliResult text = RunCli(Args({"backup", "diff", backup.id(), "--path", "/guarded"}));
  EXPECT_NE(text.out.find("NOT COMPARED"), std::string::npos) << text.out;

  // A spot restore writes a protected node with the agents' credentials.
  CliResult restored = RunCli(Args(
      {"--json", "backup", "restore", backup.id(), "--path", "/guarded/app", "--yes", "--wait"}));
  ASSERT_EQ(restored.exit_code, 0) << restored.err << restored.out;
  auto app = zk.Get("/guarded/app");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->first, "v1");
}

}  // namespace
}  // namespace lockstep::integration
