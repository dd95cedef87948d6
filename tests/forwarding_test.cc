// Forwarding a caller's request from one agent to another without lending the agent's own
// authority (agent/http/forwarding.h), and the strict request text both ends insist on
// (common/http/request_text.h): the attacks of issue 25, each a test.
#include "agent/http/forwarding.h"

#include <gtest/gtest.h>

#include "agent/http/router.h"
#include "api/paths.h"
#include "common/http/request_text.h"

namespace lockstep::agent {
namespace {

constexpr char kAdminToken[] = "admin-admin-admin-0123456789abc";
constexpr char kViewerToken[] = "viewer-viewer-viewer-0123456789";
constexpr char kClusterToken[] = "cluster-cluster-cluster-0123456";
constexpr int64_t kNow = 1'800'000'000;

const ForwardingAgent kM1{"m1", kClusterToken};

// What the handler saw: who forwarded the request, and its path parameters.
struct Seen {
  std::string forwarded_by;
  PathParams params;
  int calls = 0;
};

Router TestRouter(Seen* seen, int64_t now = kNow) {
  auto handler = [seen](const http::Request& request, const PathParams& params) {
    seen->forwarded_by = request.forwarded_by;
    seen->params = params;
    ++seen->calls;
    return http::Reply{200, "ran", "text/plain"};
  };
  return Router(Credentials({{"ops", api::Role::kAdmin, kAdminToken},
                             {"ci-viewer", api::Role::kViewer, kViewerToken}},
                            kClusterToken),
                {{"POST", api::paths::kBackupRestore, Access::kAdmin, false, "", handler},
                 {"GET", api::paths::kArchiveStatus, Access::kViewer, false, "", handler},
                 {"POST", api::paths::kRestoreStep, Access::kCluster, true, "", handler}},
                [now] { return now; });
}

// The request as the receiving agent's server parses `call`.
http::Request Received(const http::CallOptions& call) {
  http::Request request;
  request.method = call.method;
  request.target = call.target;
  const size_t question = call.target.find('?');
  request.path = call.target.substr(0, question);
  if (question != std::string::npos) {
    std::string query = call.target.substr(question + 1);
    size_t at = 0;
    while (at <= query.size()) {
      size_t amp = query.find('&', at);
      std::string pair = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      size_t eq = pair.find('=');
      request.query[http::QueryUnescape(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : http::QueryUnescape(pair.substr(eq + 1));
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
  }
  request.authorization = call.authorization;
  for (const auto& [name, value] : call.headers) {
    if (name == http::kForwardedHeader) request.forward_proof = value;
  }
  return request;
}

http::Request CallerRequest(const std::string& token, const std::string& path) {
  http::Request request;
  request.method = "POST";
  request.path = path;
  request.target = path;
  request.authorization = "Bearer " + token;
  return request;
}

TEST(Forwarding, TheCallersOwnCredentialTravelsNeverTheClusters) {
  http::Request request = CallerRequest(kViewerToken, "/v1/backups/b1/restore");
  http::CallOptions call = ForwardedCall(kM1, request, std::chrono::seconds(5), kNow);
  EXPECT_EQ(call.authorization, std::string("Bearer ") + kViewerToken);
  EXPECT_TRUE(call.token.empty());
  for (const auto& [name, value] : call.headers) {
    EXPECT_EQ(value.find(kClusterToken), std::string::npos) << name;
  }
}

TEST(Forwarding, TheExecutingAgentChecksTheCallersRoleNotTheForwarders) {
  Seen seen;
  Router router = TestRouter(&seen);
  http::Request viewer = CallerRequest(kViewerToken, "/v1/backups/b1/restore");
  http::Reply reply = router.Dispatch(Received(ForwardedCall(kM1, viewer, {}, kNow)));
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_EQ(seen.calls, 0);
  http::Request admin = CallerRequest(kAdminToken, "/v1/backups/b1/restore");
  Dispatched dispatched;
  reply = router.Dispatch(Received(ForwardedCall(kM1, admin, {}, kNow)), &dispatched);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(seen.forwarded_by, "m1");
  EXPECT_EQ(dispatched.via, "m1");
  EXPECT_EQ(dispatched.caller->name, "ops");
}

TEST(Forwarding, AnAgentsOwnInternalRequestCarriesTheClusterCredential) {
  Seen seen;
  Router router = TestRouter(&seen);
  http::Request step;
  step.method = "POST";
  step.path = "/v1/internal/restores/r1/stage";
  http::CallOptions call = ForwardedCall(kM1, step, {}, kNow);
  EXPECT_EQ(call.authorization, std::string("Bearer ") + kClusterToken);
  EXPECT_EQ(router.Dispatch(Received(call)).status, 200);
}

TEST(Forwarding, ACallerCannotClaimToBeForwarded) {
  Seen seen;
  Router router = TestRouter(&seen);
  http::Request forged = CallerRequest(kAdminToken, "/v1/backups/b1/restore");
  forged.forward_proof = "m1 " + std::to_string(kNow) + " 00";
  EXPECT_EQ(router.Dispatch(forged).status, 401);
  forged.forward_proof = "just-a-word";
  EXPECT_EQ(router.Dispatch(forged).status, 401);
  // Signed with a secret the cluster does not use.
  http::CallOptions call =
      ForwardedCall({"m1", "another-clusters-secret-000000"}, forged, {}, kNow);
  EXPECT_EQ(router.Dispatch(Received(call)).status, 401);
  EXPECT_EQ(seen.calls, 0);
}

TEST(Forwarding, AProofBelongsToOneRequestAndDiesWithItsWindow) {
  Seen seen;
  Router router = TestRouter(&seen);
  http::Request admin = CallerRequest(kAdminToken, "/v1/backups/b1/restore");
  http::Request received = Received(ForwardedCall(kM1, admin, {}, kNow));
  http::Request moved = received;
  moved.target = "/v1/backups/b2/restore";
  moved.path = moved.target;
  EXPECT_EQ(router.Dispatch(moved).status, 401) << "moved to another target";
  http::Request other_caller = received;
  other_caller.authorization = std::string("Bearer ") + kViewerToken;
  EXPECT_EQ(router.Dispatch(other_caller).status, 401) << "moved to another caller";
  const int64_t late = kNow + kForwardProofWindow.count() + 1;
  Seen late_seen;
  EXPECT_EQ(TestRouter(&late_seen, late).Dispatch(received).status, 401) << "replayed late";
  http::Reply skewed = TestRouter(&late_seen, late).Dispatch(received);
  EXPECT_NE(skewed.body.find("clock"), std::string::npos) << skewed.body;
  EXPECT_EQ(seen.calls + late_seen.calls, 0);
}

TEST(Forwarding, QueryValuesAreEncodedSoNothingCanEndTheRequestLine) {
  http::Request request = CallerRequest(kViewerToken, "/v1/archive/status");
  request.method = "GET";
  request.query["x"] = "1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /v1/backups/b1/restore HTTP/1.1";
  request.query["a&b=c"] = "%0D%0A";
  http::CallOptions call = ForwardedCall(kM1, request, {}, kNow);
  EXPECT_TRUE(http::CheckCallText(call).ok()) << call.target;
  EXPECT_EQ(call.target.find_first_of("\r\n "), std::string::npos) << call.target;
  // Decoded at the other end, the values are exactly what the caller sent.
  http::Request received = Received(call);
  EXPECT_EQ(received.query, request.query);
}

TEST(RequestText, ControlCharactersAreRefusedWherever) {
  http::Request request;
  request.method = "GET";
  request.path = "/v1/archive/status";
  request.target = request.path;
  EXPECT_TRUE(http::CheckRequestText(request).ok());
  for (const std::string& bad : {std::string("a\r\nb"), std::string("\n"), std::string("x\x7f"),
                                 std::string(1, '\0'), std::string("\t")}) {
    http::Request with_value = request;
    with_value.query["v"] = bad;
    EXPECT_FALSE(http::CheckRequestText(with_value).ok());
    http::Request with_key = request;
    with_key.query[bad] = "1";
    EXPECT_FALSE(http::CheckRequestText(with_key).ok());
  }
  for (const char* path : {"/v1/backups/b%0D%0A/restore", "/v1/backups/b%0a", "/v1/x%7F"}) {
    http::Request encoded = request;
    encoded.path = path;
    Status status = http::CheckRequestText(encoded);
    EXPECT_FALSE(status.ok()) << path;
    EXPECT_EQ(status.message().find('\n'), std::string::npos) << "the refusal is one line";
  }
  EXPECT_FALSE(http::CheckHeaderText("Authorization", "Bearer a\rb").ok());
  EXPECT_TRUE(http::CheckHeaderText("User-Agent", "a\tb").ok()) << "HTAB is allowed in values";
}

TEST(RequestText, TheClientRefusesToSendCrOrLfAnywhere) {
  http::CallOptions call{.method = "GET", .target = "/v1/backups"};
  EXPECT_TRUE(http::CheckCallText(call).ok());
  http::CallOptions target = call;
  target.target = "/v1/backups?x=1\r\nX-Evil: 1";
  EXPECT_FALSE(http::CheckCallText(target).ok());
  http::CallOptions token = call;
  token.token = "abc\r\nX-Evil: 1";
  EXPECT_FALSE(http::CheckCallText(token).ok());
  http::CallOptions header = call;
  header.headers.emplace_back("X-Amz-Meta-A", "b\nc");
  EXPECT_FALSE(http::CheckCallText(header).ok());
  http::CallOptions method = call;
  method.method = "GET /x HTTP/1.1\r\n";
  EXPECT_FALSE(http::CheckCallText(method).ok());
  // And the client itself: refused before any connection is tried.
  http::Client client;
  Result<http::Reply> sent = client.Call({.host = "127.0.0.1", .port = 1}, target);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), StatusCode::kInvalidArgument) << sent.status().ToString();
}

TEST(Paths, FillEncodesEveryValueIntoOneSegment) {
  EXPECT_EQ(api::paths::Fill(api::paths::kBackupRestore, {"b1/../x?y=\r\n"}),
            "/v1/backups/b1%2F..%2Fx%3Fy%3D%0D%0A/restore");
}

}  // namespace
}  // namespace lockstep::agent
