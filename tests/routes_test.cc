// The route table and its router: matching, tokens and roles, methods, and docs/api.md's endpoint
// tables kept equal to the tables the agent serves.
#include "agent/http/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "agent/http/api_util.h"
#include "agent/http/router.h"
#include "api/paths.h"

namespace lockstep::agent {
namespace {

constexpr char kToken[] = "0123456789abcdef0123456789abcdef";  // admin
constexpr char kViewerToken[] = "viewer-viewer-viewer-0123456789";
constexpr char kOperatorToken[] = "operator-operator-0123456789abc";
constexpr char kClusterToken[] = "cluster-cluster-cluster-0123456";

// A route answering 200 with its pattern and parameters, so a test sees which one ran.
Route Echo(const std::string& method, const std::string& pattern, Access access) {
  return {method,
          pattern,
          access,
          pattern.starts_with("/v1/internal/"),
          "",
          [pattern](const http::Request&, const PathParams& params) {
            std::string body = pattern;
            for (const auto& [name, value] : params) body += " " + name + "=" + value;
            return http::Reply{200, body, "text/plain"};
          }};
}

http::Request Ask(const std::string& method, const std::string& path,
                  const std::string& token = kToken) {
  http::Request request;
  request.method = method;
  request.path = path;
  if (!token.empty()) request.authorization = "Bearer " + token;
  return request;
}

Credentials TestCredentials() {
  return Credentials({{"root", api::Role::kAdmin, kToken},
                      {"ci-viewer", api::Role::kViewer, kViewerToken},
                      {"deployer", api::Role::kOperator, kOperatorToken}},
                     kClusterToken);
}

Router TestRouter() {
  return Router(TestCredentials(), {Echo("GET", api::paths::kHealthz, Access::kOpen),
                                    Echo("GET", api::paths::kBackups, Access::kViewer),
                                    Echo("POST", api::paths::kBackups, Access::kOperator),
                                    Echo("GET", api::paths::kBackup, Access::kViewer),
                                    Echo("DELETE", api::paths::kBackup, Access::kAdmin),
                                    Echo("POST", api::paths::kBackupRestore, Access::kAdmin),
                                    Echo("POST", api::paths::kBackupImport, Access::kOperator),
                                    Echo("POST", api::paths::kRestoreStep, Access::kCluster)});
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router router = TestRouter();
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups/import")).body, "/v1/backups/import");
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups/nightly-1")).body,
            "/v1/backups/{id} id=nightly-1");
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/internal/restores/r1/swap", kClusterToken)).body,
            "/v1/internal/restores/{id}/{step} id=r1 step=swap");
}

TEST(Router, TokenIsCheckedBeforeAnythingIsSaidAboutAV1Path) {
  Router router = TestRouter();
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups", "")).status, 401);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/no/such/thing", "")).status, 401);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/no/such/thing")).status, 404);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/healthz", "")).status, 200);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/nothing", "")).status, 404);
}

TEST(Router, AnUnknownTokenIsUnauthorisedNotForbidden) {
  Router router = TestRouter();
  http::Reply reply = router.Dispatch(Ask("GET", "/v1/backups", "not-a-token-of-this-cluster"));
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.body.find("unauthorized"), std::string::npos) << reply.body;
  // A prefix of a real token is not that token.
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups", std::string(kToken).substr(0, 20))).status,
            401);
}

TEST(Router, EachRoleReachesItsRoutesAndThoseOfTheRolesBelow) {
  Router router = TestRouter();
  for (const char* token : {kViewerToken, kOperatorToken, kToken}) {
    EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups", token)).status, 200) << token;
  }
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups", kOperatorToken)).status, 200);
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups", kToken)).status, 200);
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups/b1/restore", kToken)).status, 200);
}

TEST(Router, TheClusterCredentialSatisfiesNoOperatorsRoute) {
  Router router = TestRouter();
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/backups"},
                                                        {"POST", "/v1/backups"},
                                                        {"DELETE", "/v1/backups/b1"},
                                                        {"POST", "/v1/backups/b1/restore"}}) {
    http::Reply reply = router.Dispatch(Ask(method, path, kClusterToken));
    EXPECT_EQ(reply.status, 403) << method << " " << path;
    EXPECT_NE(reply.body.find("the cluster credential is for the agents' /v1/internal/ routes"),
              std::string::npos)
        << reply.body;
  }
}

TEST(Router, ARoleTooLowIsForbiddenNamingTheRoleNeededAndTheTokens) {
  Router router = TestRouter();
  http::Reply restore = router.Dispatch(Ask("POST", "/v1/backups/b1/restore", kViewerToken));
  EXPECT_EQ(restore.status, 403);
  EXPECT_NE(restore.body.find("needs the admin role; token 'ci-viewer' is a viewer"),
            std::string::npos)
      << restore.body;
  EXPECT_NE(restore.body.find("\"code\":\"forbidden\""), std::string::npos) << restore.body;
  EXPECT_NE(restore.body.find("\"needed_role\":\"admin\""), std::string::npos) << restore.body;
  EXPECT_NE(restore.body.find("\"token_role\":\"viewer\""), std::string::npos) << restore.body;
  http::Reply remove = router.Dispatch(Ask("DELETE", "/v1/backups/b1", kOperatorToken));
  EXPECT_EQ(remove.status, 403);
  EXPECT_NE(remove.body.find("token 'deployer' is an operator"), std::string::npos) << remove.body;
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups", kViewerToken)).status, 403);
}

TEST(Router, InternalRoutesTakeOnlyTheClusterCredential) {
  Router router = TestRouter();
  http::Reply admin = router.Dispatch(Ask("POST", "/v1/internal/restores/r1/swap", kToken));
  EXPECT_EQ(admin.status, 403);
  EXPECT_NE(admin.body.find("cluster credential only; token 'root' is an admin"), std::string::npos)
      << admin.body;
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/internal/restores/r1/swap", "")).status, 401);
}

TEST(Router, DispatchTellsWhoAskedForWhat) {
  Router router = TestRouter();
  Dispatched dispatched;
  router.Dispatch(Ask("POST", "/v1/backups/b1/restore", kViewerToken), &dispatched);
  ASSERT_NE(dispatched.route, nullptr);
  EXPECT_EQ(dispatched.route->pattern, api::paths::kBackupRestore);
  EXPECT_EQ(dispatched.params.at("id"), "b1");
  ASSERT_TRUE(dispatched.caller);
  EXPECT_EQ(dispatched.caller->name, "ci-viewer");
  EXPECT_FALSE(dispatched.caller->cluster);
  Dispatched agent;
  router.Dispatch(Ask("POST", "/v1/internal/restores/r1/swap", kClusterToken), &agent);
  ASSERT_TRUE(agent.caller);
  EXPECT_TRUE(agent.caller->cluster);
  EXPECT_EQ(agent.caller->name, kClusterPrincipal);
}

TEST(Router, UploadsArePermittedOnTheHeadForRolesThatMayImport) {
  Router router = TestRouter();
  EXPECT_TRUE(router.Permits(Ask("POST", "/v1/backups/import", kOperatorToken)));
  EXPECT_FALSE(router.Permits(Ask("POST", "/v1/backups/import", kViewerToken)));
  EXPECT_FALSE(router.Permits(Ask("POST", "/v1/backups/import", "")));
  EXPECT_FALSE(router.Permits(Ask("PUT", "/v1/backups/import", kToken)));
}

TEST(Router, WrongMethodNamesTheAcceptedOnes) {
  Router router = TestRouter();
  http::Reply reply = router.Dispatch(Ask("DELETE", "/v1/backups"));
  EXPECT_EQ(reply.status, 405);
  EXPECT_NE(reply.body.find("accepts GET or POST, not DELETE"), std::string::npos) << reply.body;
}

TEST(Paths, FillReplacesParametersInOrder) {
  EXPECT_EQ(api::paths::Fill(api::paths::kRestoreStep, {"restore-1", "stage"}),
            "/v1/internal/restores/restore-1/stage");
  EXPECT_EQ(api::paths::Fill(api::paths::kBackups, {}), "/v1/backups");
}

TEST(Routes, EveryPatternAndMethodIsServedOnce) {
  std::vector<Route> routes = AgentRoutes({.crash_points = true});
  std::set<std::string> seen;
  for (const auto& route : routes) {
    EXPECT_TRUE(seen.insert(route.method + " " + route.pattern).second)
        << route.method << " " << route.pattern << " twice";
    EXPECT_TRUE(route.handler) << route.pattern;
    EXPECT_EQ(route.internal, route.pattern.starts_with("/v1/internal/")) << route.pattern;
    // Internal routes are for the agents alone; every public one names the role it needs.
    EXPECT_EQ(route.internal, route.access == Access::kCluster) << route.pattern;
  }
  EXPECT_EQ(AgentRoutes({}).size() + 1, routes.size()) << "crash points only when allowed";
}

TEST(Routes, ReadsAreForViewersChangesForOperatorsOrAdmins) {
  for (const auto& route : AgentRoutes({})) {
    if (route.internal || route.access == Access::kOpen) continue;
    if (route.method == "GET" && route.pattern != api::paths::kAudit &&
        route.pattern != api::paths::kBackupArchive) {
      EXPECT_EQ(route.access, Access::kViewer) << route.pattern;
    } else {
      EXPECT_NE(route.access, Access::kViewer) << route.method << " " << route.pattern;
    }
  }
}

TEST(Routes, DocsApiHoldsBothServedTables) {
  std::ifstream file(std::string(LOCKSTEP_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(file) << "docs/api.md not found";
  std::stringstream api;
  api << file.rdbuf();
  Services all;
  all.crash_points = true;
  for (bool internal : {false, true}) {
    const std::string table = RouteTableMarkdown(AgentRoutes(all), internal);
    EXPECT_NE(api.str().find(table), std::string::npos)
        << "docs/api.md differs from the agent's routes; run scripts/gen-docs:\n"
        << table;
  }
}

TEST(JsonReply, JsonByDefaultBinaryProtobufWhenAsked) {
  proto::Backup record;
  record.set_id("nightly-1");
  record.set_revision(7);
  http::Reply json = JsonReply(record, 202);
  http::RenderFor("application/json", json);
  EXPECT_EQ(json.status, 202);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_NE(json.body.find("\"id\":\"nightly-1\""), std::string::npos) << json.body;

  http::Reply binary = JsonReply(record);
  http::RenderFor(std::string("text/plain, ") + http::kProtobufType, binary);
  EXPECT_EQ(binary.content_type, http::kProtobufType);
  proto::Backup parsed;
  ASSERT_TRUE(parsed.ParseFromString(binary.body));
  EXPECT_EQ(parsed.id(), "nightly-1");
  EXPECT_EQ(parsed.revision(), 7u);
}

}  // namespace
}  // namespace lockstep::agent
