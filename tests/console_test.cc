// The web console's files and replies (agent/ui/console.h): what is compiled in, the headers that
// keep the page safe, what the router serves without a token and only when [ui] enables it.
#include "agent/ui/console.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "agent/config/config.h"
#include "agent/http/routes.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/http/url.h"

namespace lockstep::agent {
namespace {

std::string FileText(std::string_view name) {
  for (const auto& file : ui::ConsoleFiles()) {
    if (file.name == name) return std::string(file.bytes);
  }
  return "";
}

TEST(Console, EveryFileIsServedAsItsType) {
  ASSERT_FALSE(ui::ConsoleFiles().empty());
  for (const auto& file : ui::ConsoleFiles()) {
    EXPECT_FALSE(ui::MediaTypeOf(file.name).empty()) << file.name << " would not be served";
    EXPECT_FALSE(file.bytes.empty()) << file.name;
  }
}

// Whatever the page or a script names (src, href, import) is one of the compiled-in files: a
// file forgotten by the build would only show as a broken page in a browser.
TEST(Console, EveryFileThePagesNameIsCompiledIn) {
  std::set<std::string> names;
  for (const auto& file : ui::ConsoleFiles()) names.insert(std::string(file.name));
  const std::regex reference(R"((?:src|href)="([^"#:]+)\"|from '\./([^']+)')");
  int found = 0;
  for (const auto& file : ui::ConsoleFiles()) {
    const std::string text(file.bytes);
    for (std::sregex_iterator it(text.begin(), text.end(), reference), end; it != end; ++it) {
      const std::string name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      EXPECT_TRUE(names.count(name)) << file.name << " names " << name << ", which is not built in";
      ++found;
    }
  }
  EXPECT_GT(found, 5) << "the pattern no longer finds the references";
}

// The policy forbids inline script; the page must not rely on any (it would not run).
TEST(Console, ThePageHoldsNoInlineScriptOrHandler) {
  const std::string page = FileText("index.html");
  ASSERT_FALSE(page.empty());
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")))
      << "a script without src";
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(\son[a-z]+=)"))) << "an inline handler";
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(\sstyle=)"))) << "an inline style";
  // Values reach the page as text, never as markup.
  for (const auto& file : ui::ConsoleFiles()) {
    const std::string text(file.bytes);
    EXPECT_EQ(text.find("innerHTML"), std::string::npos) << file.name;
    EXPECT_EQ(text.find("eval("), std::string::npos) << file.name;
  }
}

TEST(Console, RepliesCarryAStrictPolicy) {
  http::Reply page = ui::ConsolePage("/ui/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, FileText("index.html"));
  const std::string csp = page.headers["Content-Security-Policy"];
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(page.headers["X-Frame-Options"], "DENY");
  EXPECT_EQ(page.headers["Referrer-Policy"], "no-referrer");
}

TEST(Console, TheBarePathMovesToTheSlashRelatively) {
  http::Reply moved = ui::ConsolePage("/ui");
  EXPECT_EQ(moved.status, 308);
  EXPECT_EQ(moved.headers["Location"], "ui/") << "relative, so a proxy's prefix is kept";
}

TEST(Console, OnlyItsOwnFilesAreServed) {
  EXPECT_EQ(ui::ConsoleAsset("app.js").status, 200);
  EXPECT_EQ(ui::ConsoleAsset("app.js").content_type, "text/javascript; charset=utf-8");
  for (const std::string name : {"nope.js", "..%2Fagent.toml", "../agent.toml", "", "app.js.map"}) {
    http::Reply missing = ui::ConsoleAsset(name);
    EXPECT_EQ(missing.status, 404) << name;
    EXPECT_FALSE(missing.headers["Content-Security-Policy"].empty()) << name;
  }
}

TEST(Console, ServedWithoutATokenOnlyWhenEnabled) {
  const Credentials credentials({{"root", api::Role::kAdmin, "0123456789abcdef0123456789abcdef"}},
                                "cluster-cluster-cluster-0123456");
  http::Request request;
  request.method = "GET";
  request.path = "/ui/";
  EXPECT_EQ(Router(credentials, AgentRoutes({})).Dispatch(request).status, 404);
  const Router router(credentials, AgentRoutes({.console = true}));
  EXPECT_EQ(router.Dispatch(request).status, 200);
  request.path = "/ui/console.css";
  EXPECT_EQ(router.Dispatch(request).status, 200);
  request.path = "/ui/../v1/backups";
  EXPECT_NE(router.Dispatch(request).status, 200);
  // The data is not: the API still wants a token.
  request.path = "/v1/cluster/status";
  EXPECT_EQ(router.Dispatch(request).status, 401);
}

TEST(Console, ConfigTurnsItOnAndRefusesUnknownKeys) {
  const std::string base =
      "name = \"m1\"\nlisten = \"127.0.1.1:8420\"\nzoo_cfg = \"/z\"\nstore_dir = \"/s\"\n"
      "token_file = \"/t\"\n[controller]\nbackend = \"process\"\n";
  Result<AgentConfig> off = ParseAgentConfig(base, "agent.toml");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_FALSE(off->console) << "off unless asked for";
  Result<AgentConfig> on = ParseAgentConfig(base + "[ui]\nenabled = true\n", "agent.toml");
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_TRUE(on->console);
  Result<AgentConfig> typo = ParseAgentConfig(base + "[ui]\nenable = true\n", "agent.toml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("'ui.enable'"), std::string::npos)
      << typo.status().message();
}

// The server puts a reply's headers on the wire, and nosniff on every reply.
TEST(Console, TheServerSendsTheRepliesHeaders) {
  http::Server server(http::ServerOptions{.host = "127.0.0.1"},
                      [](const http::Request& request) { return ui::ConsolePage(request.path); });
  ASSERT_TRUE(server.Start().ok());
  const http::Client client;
  Result<http::Url> url = http::ParseUrl("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(url.ok());
  Result<http::Reply> reply = client.Call(*url, {.target = "/ui/"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(reply->headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(reply->headers["x-frame-options"], "DENY");
}

}  // namespace
}  // namespace lockstep::agent
