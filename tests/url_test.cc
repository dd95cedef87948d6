// Agent URLs as operators give them (common/http/url.h), path prefixes included: the CLI puts the
// prefix before every request target, so what it accepts must be safe to put there.
#include "common/http/url.h"

#include <gtest/gtest.h>

namespace lockstep::http {
namespace {

TEST(ParseUrl, ReadsSchemeHostPortAndAPathPrefixWithoutItsTrailingSlash) {
  Result<Url> plain = ParseUrl("http://10.0.0.1:8420");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "10.0.0.1");
  EXPECT_EQ(plain->port, 8420);
  EXPECT_EQ(plain->path, "");

  Result<Url> proxied = ParseUrl("https://dcos.example.com/service/lockstep/");
  ASSERT_TRUE(proxied.ok()) << proxied.status().ToString();
  EXPECT_TRUE(proxied->tls);
  EXPECT_EQ(proxied->port, 443);
  EXPECT_EQ(proxied->path, "/service/lockstep");
  EXPECT_EQ(proxied->ToString(), "https://dcos.example.com:443");

  Result<Url> root = ParseUrl("http://h:1/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->path, "");
}

TEST(ParseUrl, RefusesAPrefixThatCouldChangeTheRequestItIsPutBefore) {
  for (const char* bad :
       {"http://h:1/a?x=1", "http://h:1/a#f", "http://h:1/a b", "http://h:1/a\r\nX-Injected: 1",
        "http://h:1/a/../admin", "http://h:1/a//b", "http://h:1/./a", "http://h:1/a/..",
        "http://h:1/%2e%2e"}) {
    Result<Url> url = ParseUrl(bad);
    EXPECT_FALSE(url.ok()) << bad;
    if (!url.ok()) {
      EXPECT_NE(url.status().message().find("path"), std::string::npos) << bad;
    }
  }
}

TEST(ParseUrl, NamesWhatIsWrongWithTheRest) {
  EXPECT_NE(ParseUrl("ftp://h:1").status().message().find("http:// or https://"),
            std::string::npos);
  EXPECT_NE(ParseUrl("http://:1").status().message().find("no host"), std::string::npos);
  EXPECT_NE(ParseUrl("http://h:99999/x").status().message().find("bad port"), std::string::npos);
}

}  // namespace
}  // namespace lockstep::http
