// Roles by DC/OS group and permission (agent/config/dcos_iam.h, dcos_tokens.h): the IAM's answers
// read as the IAM writes them, asked over HTTP of an IAM stand-in on loopback (with the agent's
// service token, or the caller's own), cached and bounded; and the order in which a verified
// token's user gets its role, as an attacker would probe it.
#include "agent/config/dcos_iam.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>

#include "agent/config/credentials.h"
#include "agent/config/dcos_tokens.h"
#include "agent/http/router.h"
#include "api/paths.h"
#include "common/http/server.h"
#include "tests/fake_clock.h"
#include "tests/jwt_signer.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kNow = 1'800'000'000;

// As the IAM answers GET /users/alice/groups and /users/alice/permissions (the shapes the DC/OS
// UI's fixtures and dcos-go's authorizer read).
constexpr char kAliceGroups[] = R"({"array": [
  {"membershipurl": "/groups/ops/users/alice",
   "group": {"gid": "ops", "url": "/groups/ops", "description": "Operations"}},
  {"membershipurl": "/groups/audit/users/alice",
   "group": {"gid": "audit", "url": "/groups/audit", "description": "Auditors"}}]})";
constexpr char kAlicePermissions[] = R"({
  "direct": [{"rid": "dcos:adminrouter:ops:system-backup", "description": "backups",
              "aclurl": "/acls/x", "actions": [{"name": "full", "url": "/acls/x/users/alice/full"}]}],
  "groups": [{"rid": "dcos:mesos:master:task", "gid": "ops", "membershipurl": "/groups/ops/users/alice",
              "aclurl": "/acls/y", "actions": [{"name": "read", "url": "/acls/y/groups/ops/read"}]}]})";

TEST(IamAnswers, GroupsAndPermissionsAreReadAsTheIamWritesThem) {
  Result<IamUser> user = ParseIamUser(kAliceGroups, kAlicePermissions);
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->groups, (std::vector<std::string>{"ops", "audit"}));
  EXPECT_TRUE(user->Holds("dcos:adminrouter:ops:system-backup", "full"));
  EXPECT_TRUE(user->Holds("dcos:adminrouter:ops:system-backup", "read")) << "full holds all";
  EXPECT_TRUE(user->Holds("dcos:mesos:master:task", "read")) << "through the group";
  EXPECT_FALSE(user->Holds("dcos:mesos:master:task", "full"));
  EXPECT_FALSE(user->Holds("dcos:superuser", "full"));
  Result<IamUser> nobody = ParseIamUser("{}", "{}");
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody->groups.empty());
}

TEST(IamAnswers, AnAnswerThatDoesNotParseIsRefusedNamingIt) {
  Result<IamUser> bad_groups = ParseIamUser("<html>", kAlicePermissions);
  ASSERT_FALSE(bad_groups.ok());
  EXPECT_NE(bad_groups.status().message().find("groups"), std::string::npos);
  Result<IamUser> bad_permissions = ParseIamUser(kAliceGroups, R"({"direct": "x"})");
  ASSERT_FALSE(bad_permissions.ok());
  EXPECT_NE(bad_permissions.status().message().find("permissions"), std::string::npos);
}

TEST(IamAnswers, OnlyADcosUidGoesIntoAnIamUrl) {
  for (const char* uid : {"alice", "bob@example.com", "svc-backup_1.2"}) {
    EXPECT_TRUE(CheckIamUid(uid).ok()) << uid;
  }
  for (const std::string& uid : {std::string(), std::string("../acls"), std::string("a/b"),
                                 std::string("a?b"), std::string("a%2F"), std::string(97, 'a')}) {
    EXPECT_FALSE(CheckIamUid(uid).ok()) << uid;
  }
}

// An IAM stand-in on loopback: answers alice's two lookups, counts requests, records the
// Authorization header it was sent, and can be told to refuse.
class HttpIamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<http::Server>(
        http::ServerOptions{.host = "127.0.0.1"}, [this](const http::Request& request) {
          ++requests_;
          {
            std::lock_guard guard(mu_);
            authorization_ = request.authorization;
            paths_.push_back(request.path);
          }
          if (refuse_) return http::ErrorReply(403, "forbidden", "not allowed");
          if (request.path == "/acs/api/v1/users/alice/groups") {
            return http::Reply{200, kAliceGroups, "application/json"};
          }
          if (request.path == "/acs/api/v1/users/alice/permissions") {
            return http::Reply{200, kAlicePermissions, "application/json"};
          }
          return http::ErrorReply(404, "not_found", "no such user");
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  IamConfig Config() {
    return {.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/acs/api/v1"};
  }
  std::string TokenFile(const std::string& token, mode_t mode) {
    const std::string path = dir_ / "iam-token";
    std::ofstream(path) << token << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string Authorization() {
    std::lock_guard guard(mu_);
    return authorization_;
  }

  testing::TempDir dir_;
  std::unique_ptr<http::Server> server_;
  std::atomic<int> requests_{0};
  std::atomic<bool> refuse_{false};
  std::mutex mu_;
  std::string authorization_;
  std::vector<std::string> paths_;
  testing::FakeClock clock_;
};

TEST_F(HttpIamTest, AsksWithTheServiceTokenAndKeepsTheAnswerForItsTime) {
  IamConfig config = Config();
  config.token_file = TokenFile("service-login-token", 0600);
  config.cache_for = 60s;
  Result<std::unique_ptr<HttpIam>> iam = HttpIam::Open(config, clock_);
  ASSERT_TRUE(iam.ok()) << iam.status().message();
  Result<IamUser> alice = (*iam)->Lookup("alice", "callers-own-token");
  ASSERT_TRUE(alice.ok()) << alice.status().message();
  EXPECT_EQ(alice->groups.size(), 2u);
  EXPECT_EQ(Authorization(), "token=service-login-token") << "the caller's token is not used";
  EXPECT_EQ(requests_.load(), 2);
  clock_.Advance(59s);
  ASSERT_TRUE((*iam)->Lookup("alice", "callers-own-token").ok());
  EXPECT_EQ(requests_.load(), 2) << "answered from the cache";
  clock_.Advance(2s);
  ASSERT_TRUE((*iam)->Lookup("alice", "callers-own-token").ok());
  EXPECT_EQ(requests_.load(), 4) << "asked again once the answer is a minute old";
}

TEST_F(HttpIamTest, WithoutAServiceTokenTheCallersOwnAsksAboutItself) {
  Result<std::unique_ptr<HttpIam>> iam = HttpIam::Open(Config(), clock_);
  ASSERT_TRUE(iam.ok());
  ASSERT_TRUE((*iam)->Lookup("alice", "alices-token").ok());
  EXPECT_EQ(Authorization(), "token=alices-token");
}

TEST_F(HttpIamTest, ARefusalOrAnUnknownUserIsAnErrorAndNotCached) {
  Result<std::unique_ptr<HttpIam>> iam = HttpIam::Open(Config(), clock_);
  ASSERT_TRUE(iam.ok());
  refuse_ = true;
  Result<IamUser> refused = (*iam)->Lookup("alice", "t");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("HTTP 403"), std::string::npos);
  EXPECT_NE(refused.status().message().find("iam_token_file"), std::string::npos);
  refuse_ = false;
  EXPECT_TRUE((*iam)->Lookup("alice", "t").ok()) << "a failure is not remembered";
  EXPECT_FALSE((*iam)->Lookup("mallory", "t").ok());
  const int asked = requests_.load();
  EXPECT_FALSE((*iam)->Lookup("../acls", "t").ok());
  EXPECT_EQ(requests_.load(), asked) << "a uid that is not one never reaches the IAM";
}

TEST_F(HttpIamTest, AServiceTokenFileOthersCanReadIsRefused) {
  IamConfig config = Config();
  config.token_file = TokenFile("service-login-token", 0640);
  Result<std::unique_ptr<HttpIam>> iam = HttpIam::Open(config, clock_);
  ASSERT_FALSE(iam.ok());
  EXPECT_NE(iam.status().message().find("iam_token_file"), std::string::npos);
  EXPECT_FALSE(HttpIam::Open({.url = "ftp://iam"}, clock_).ok());
}

// An IAM that answers from a table, and counts.
class TableIam : public IamDirectory {
 public:
  std::map<std::string, IamUser> users;
  int asked = 0;
  Result<IamUser> Lookup(const std::string& uid, std::string_view) override {
    ++asked;
    auto user = users.find(uid);
    if (user == users.end()) return Status(StatusCode::kUnavailable, "the IAM did not answer");
    return user->second;
  }
};

class DcosRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jwks_ = dir_ / "jwks.json";
    std::ofstream(jwks_) << Signer().Jwks();
    ::chmod(jwks_.c_str(), 0644);
    iam_ = std::make_shared<TableIam>();
    iam_->users["grace"].groups = {"audit", "backup-admins"};
    iam_->users["opal"].permissions["dcos:adminrouter:ops:system-backup"] = {"full"};
    iam_->users["root"].permissions["dcos:superuser"] = {"full"};
    iam_->users["reader"].permissions["dcos:adminrouter:ops:system-backup"] = {"read"};
    iam_->users["nobody"] = {};
  }
  static const testing::JwtSigner& Signer() {
    static const testing::JwtSigner signer("iam-1");
    return signer;
  }
  std::shared_ptr<DcosTokens> Load(DcosAuthConfig config) {
    config.jwks_file = jwks_;
    auto tokens = DcosTokens::Load(
        std::move(config), [] { return kNow; }, iam_);
    EXPECT_TRUE(tokens.ok()) << tokens.status().message();
    return tokens.ok() ? *tokens : nullptr;
  }
  Result<DcosUser> As(DcosTokens& tokens, const std::string& uid) {
    return tokens.Identify(Signer().Token(uid, kNow + 60));
  }

  testing::TempDir dir_;
  std::string jwks_;
  std::shared_ptr<TableIam> iam_;
};

TEST_F(DcosRolesTest, AGroupGivesItsRoleAndTheHighestOfSeveralWins) {
  auto tokens =
      Load({.group_roles = {{"audit", api::Role::kViewer}, {"backup-admins", api::Role::kAdmin}}});
  EXPECT_EQ(As(*tokens, "grace")->role, api::Role::kAdmin);
}

TEST_F(DcosRolesTest, PermissionsGiveOperatorOrAdminAndNothingElseGivesARole) {
  auto tokens = Load({});
  EXPECT_EQ(As(*tokens, "opal")->role, api::Role::kOperator) << "system-backup full";
  EXPECT_EQ(As(*tokens, "root")->role, api::Role::kAdmin) << "dcos:superuser";
  for (const char* uid : {"reader", "nobody", "grace"}) {
    Result<DcosUser> user = As(*tokens, uid);
    ASSERT_TRUE(user.ok()) << uid << ": known to the IAM, so not a refused token";
    EXPECT_FALSE(user->role.has_value()) << uid;
    EXPECT_NE(user->why_no_role.find("dcos:adminrouter:ops:system-backup"), std::string::npos);
  }
  auto none = Load({.default_role = std::nullopt});
  EXPECT_FALSE(As(*none, "opal")->role.has_value()) << "dcos_default_role = none";
  EXPECT_EQ(As(*none, "root")->role, api::Role::kAdmin);
}

TEST_F(DcosRolesTest, AListedUidNeedsNoIamAndAnIamThatDoesNotAnswerRefusesTheRest) {
  auto tokens = Load({.roles = {{"carol", api::Role::kViewer}}});
  EXPECT_EQ(As(*tokens, "carol")->role, api::Role::kViewer);
  EXPECT_EQ(iam_->asked, 0);
  Result<DcosUser> unknown = As(*tokens, "dave");
  ASSERT_FALSE(unknown.ok()) << "fails closed";
  EXPECT_NE(unknown.status().message().find("the IAM did not answer"), std::string::npos);
}

TEST_F(DcosRolesTest, AKnownUserWithoutARoleIsForbiddenSayingWhyNotRefused) {
  Credentials credentials(
      {{.name = "ops", .role = api::Role::kOperator, .secret = "ops-secret-0123456789abcdef"}},
      "cluster-secret-0123456789abcdef", Load({}));
  std::optional<Principal> nobody =
      credentials.Identify("token=" + Signer().Token("nobody", kNow + 60));
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->name, "dcos:nobody");
  EXPECT_FALSE(nobody->role.has_value());
  EXPECT_FALSE(nobody->cluster) << "no role must never read as the cluster credential";
  EXPECT_EQ(RoleLabel(*nobody), "none");
  EXPECT_FALSE(api::Permits(api::Access::kViewer, nobody->role, nobody->cluster));
  EXPECT_FALSE(api::Permits(api::Access::kCluster, nobody->role, nobody->cluster));
  EXPECT_TRUE(api::Permits(api::Access::kOpen, nobody->role, nobody->cluster));
}

TEST_F(DcosRolesTest, TheRouterAnswersAUserWithoutARole403WithWhatWouldGiveItOne) {
  Credentials credentials(
      {{.name = "ops", .role = api::Role::kOperator, .secret = "ops-secret-0123456789abcdef"}},
      "cluster-secret-0123456789abcdef", Load({}));
  auto echo = [](const std::string& method, const std::string& pattern, api::Access access) {
    return Route{method, pattern, access, false, "", [](const http::Request&, const PathParams&) {
                   return http::Reply{200, "done", "text/plain"};
                 }};
  };
  Router router(std::move(credentials),
                {echo("GET", api::paths::kBackups, api::Access::kViewer),
                 echo("POST", api::paths::kBackups, api::Access::kOperator)});
  auto ask = [&](const std::string& method, const std::string& uid) {
    http::Request request;
    request.method = method;
    request.path = api::paths::kBackups;
    request.authorization = "token=" + Signer().Token(uid, kNow + 60);
    return router.Dispatch(request);
  };
  EXPECT_EQ(ask("POST", "opal").status, 200) << "system-backup holders back up";
  for (const std::string method : {"GET", "POST"}) {
    http::Reply nobody = ask(method, "nobody");
    EXPECT_EQ(nobody.status, 403) << method << ": known to the IAM, so not 401";
    EXPECT_NE(nobody.body.find("holds no dcos:adminrouter:ops:system-backup"), std::string::npos)
        << nobody.body;
    EXPECT_NE(nobody.body.find("\"token\":\"dcos:nobody\""), std::string::npos) << nobody.body;
    EXPECT_NE(nobody.body.find("\"token_role\":\"none\""), std::string::npos) << nobody.body;
    EXPECT_EQ(nobody.body.find("cluster credential"), std::string::npos) << nobody.body;
  }
}

}  // namespace
}  // namespace lockstep::agent
