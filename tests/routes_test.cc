// The route table and its router: matching, the token, methods, and the README's endpoint
// table kept equal to the table the agent serves.
#include "node-agent/agent/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "api/paths.h"
#include "node-agent/agent/api_util.h"
#include "node-agent/agent/router.h"

namespace lockstep::agent {
namespace {

constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

// A route answering 200 with its pattern and parameters, so a test sees which one ran.
Route Echo(const std::string& method, const std::string& pattern, Access access) {
  return {method,
          pattern,
          access,
          false,
          "",
          [pattern](const http::Request&, const PathParams& params) {
            std::string body = pattern;
            for (const auto& [name, value] : params) body += " " + name + "=" + value;
            return http::Reply{200, body, "text/plain"};
          }};
}

http::Request Ask(const std::string& method, const std::string& path, bool token = true) {
  http::Request request;
  request.method = method;
  request.path = path;
  if (token) request.authorization = std::string("Bearer ") + kToken;
  return request;
}

Router TestRouter() {
  return Router(kToken, {Echo("GET", api::paths::kHealthz, Access::kOpen),
                         Echo("GET", api::paths::kBackups, Access::kToken),
                         Echo("POST", api::paths::kBackups, Access::kToken),
                         Echo("GET", api::paths::kBackup, Access::kToken),
                         Echo("POST", api::paths::kBackupImport, Access::kToken),
                         Echo("POST", api::paths::kRestoreStep, Access::kToken)});
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router router = TestRouter();
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/backups/import")).body, "/v1/backups/import");
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups/nightly-1")).body,
            "/v1/backups/{id} id=nightly-1");
  EXPECT_EQ(router.Dispatch(Ask("POST", "/v1/internal/restores/r1/swap")).body,
            "/v1/internal/restores/{id}/{step} id=r1 step=swap");
}

TEST(Router, TokenIsCheckedBeforeAnythingIsSaidAboutAV1Path) {
  Router router = TestRouter();
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/backups", false)).status, 401);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/no/such/thing", false)).status, 401);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/v1/no/such/thing")).status, 404);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/healthz", false)).status, 200);
  EXPECT_EQ(router.Dispatch(Ask("GET", "/nothing", false)).status, 404);
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
  }
  EXPECT_EQ(AgentRoutes({}).size() + 1, routes.size()) << "crash points only when allowed";
}

TEST(Routes, ReadmeEndpointTableIsTheServedOne) {
  std::ifstream file(std::string(LOCKSTEP_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(file) << "README.md not found";
  std::stringstream readme;
  readme << file.rdbuf();
  const std::string table = RouteTableMarkdown(AgentRoutes({}));
  EXPECT_NE(readme.str().find(table), std::string::npos)
      << "README.md's endpoint table differs from the agent's routes; replace it with the "
         "output of `lockstep-agent --routes`:\n"
      << table;
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
