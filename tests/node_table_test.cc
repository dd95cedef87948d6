// NodeTable and ReadNodeTable: a data directory's tree, data and ACLs included, rebuilt from a
// synthesized snapshot and log as ZooKeeper would load them; and the znode-path rules and query
// escaping that carry a subtree from the CLI to the agent.
#include <gtest/gtest.h>

#include "api/znode_path.h"
#include "common/http/url.h"
#include "engine/zkfmt/read_node_table.h"
#include "tests/zk_files.h"

namespace lockstep {
namespace {

using testing::JuteWriter;
using testing::TempDir;
using testing::TxnLogBuilder;
using testing::WriteFile;
using zkfmt::AclList;
using zkfmt::NodeTable;
using zkfmt::NodeTableOptions;

std::string SetDataBody(const std::string& path, const std::string& data, int32_t version) {
  JuteWriter body;
  body.Buffer(path).Buffer(data).Int32(version);
  return body.bytes();
}

std::string SetAclBody(const std::string& path, int32_t perms, const std::string& id) {
  JuteWriter body;
  body.Buffer(path).Int32(1).Int32(perms).Buffer("digest").Buffer(id).Int32(1);
  return body.bytes();
}

std::string ContainerBody(const std::string& path) {
  JuteWriter body;
  body.Buffer(path).Buffer("c").Int32(1).Int32(31).Buffer("world").Buffer("anyone").Int32(1);
  return body.bytes();
}

// snapshot.10: the base tree, /app (data "root") and /app/old; then log.11 changes it.
class NodeTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SnapshotSpec spec;
    spec.nodes = testing::BaseTree();
    spec.nodes.push_back({"/app", "root"});
    spec.nodes.push_back({"/app/old", "old"});
    spec.nodes.push_back({"/app/session", "e", 0x100});
    spec.nodes.push_back({"/other", "o"});
    WriteFile(dir_ / "version-2/snapshot.10", testing::BuildSnapshot(spec));
    TxnLogBuilder log;
    log.Create(0x11, "/app/a", false, 1, "first")
        .Record(0x12, zkfmt::kOpSetData, SetDataBody("/app/a", "second", 1))
        .Record(0x13, zkfmt::kOpSetAcl, SetAclBody("/app/a", 1, "ops:hash"))
        .Create(0x14, "/app/eph", true, 7, "mine")
        .Multi(0x15, {{zkfmt::kOpCreate, TxnLogBuilder::CreateBody("/app/m", false, "multi")},
                      {zkfmt::kOpDelete, TxnLogBuilder::DeleteBody("/app/old")}})
        .Multi(0x16, {{zkfmt::kOpCreate, TxnLogBuilder::CreateBody("/app/failed", false, "x")},
                      {zkfmt::kOpError, std::string(4, '\0')}})
        .Record(0x17, zkfmt::kOpCreateContainer, ContainerBody("/app/box"))
        .Create(0x18, "/app/a", false, 1, "created again: ignored, as ZooKeeper does");
    WriteFile(dir_ / "version-2/log.11", log.bytes());
  }

  NodeTable Read(NodeTableOptions options = {}) {
    Result<NodeTable> table = zkfmt::ReadNodeTable({dir_.path(), dir_.path()}, options);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(*table) : NodeTable();
  }

  TempDir dir_;
};

TEST_F(NodeTableTest, ReplaysDataAclsAndMultisOverTheSnapshot) {
  NodeTableOptions options;
  options.keep_data = true;
  NodeTable table = Read(options);
  const auto& nodes = table.nodes();
  ASSERT_TRUE(nodes.count("/app/a"));
  const zkfmt::TableNode& a = nodes.at("/app/a");
  EXPECT_EQ(a.data, "second");
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.mzxid, 0x12);
  EXPECT_EQ(a.czxid, 0x11);
  EXPECT_EQ(table.Acl(a.acl), (AclList{{1, "digest", "ops:hash"}}));
  EXPECT_EQ(a.aversion, 1);
  EXPECT_EQ(nodes.at("/app").data, "root");
  EXPECT_EQ(table.Acl(nodes.at("/app").acl), (AclList{{31, "world", "anyone"}}));
  EXPECT_EQ(nodes.at("/app/m").data, "multi");
  EXPECT_FALSE(nodes.count("/app/old")) << "the multi's delete was not applied";
  EXPECT_FALSE(nodes.count("/app/failed")) << "a failed multi was applied";
  EXPECT_TRUE(nodes.count("/app/box")) << "a container is a persistent node until deleted";
  EXPECT_FALSE(nodes.count("/app/eph")) << "an ephemeral node was kept";
  EXPECT_FALSE(nodes.count("/app/session")) << "the snapshot's ephemeral node was kept";
  EXPECT_FALSE(nodes.count("/zookeeper")) << "ZooKeeper's own nodes were kept";
  EXPECT_TRUE(nodes.count("/")) << "the root is named / as clients name it";
  EXPECT_TRUE(nodes.count("/other"));
}

TEST_F(NodeTableTest, KeepsOnlyTheSubtreeAndDigestsByDefault) {
  NodeTableOptions options;
  options.root = "/app";
  NodeTable table = Read(options);
  for (const auto& [path, node] : table.nodes()) {
    EXPECT_TRUE(api::InSubtree(path, "/app")) << path << " is outside /app";
  }
  EXPECT_EQ(table.nodes().size(), 4u);  // /app, /app/a, /app/m, /app/box
  EXPECT_EQ(table.nodes().at("/app/a").data, zkfmt::DataDigest("second"));
  EXPECT_NE(zkfmt::DataDigest("second"), zkfmt::DataDigest("first"));
  EXPECT_EQ(zkfmt::DataDigest("second").size(), 16u);
}

TEST_F(NodeTableTest, ParentsComeBeforeChildren) {
  NodeTable table = Read();
  auto order = table.ParentsFirst();
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < order.size(); ++i) position[order[i]->first] = i;
  for (const auto& [path, at] : position) {
    if (path == "/") continue;
    const std::string parent = path.substr(0, std::max<size_t>(1, path.rfind('/')));
    ASSERT_TRUE(position.count(parent)) << path;
    EXPECT_LT(position[parent], at) << parent << " after " << path;
  }
}

TEST_F(NodeTableTest, ABrokenLogIsRefusedNamingIt) {
  TxnLogBuilder log;
  log.Create(0x11, "/app/a").Create(0x13, "/app/b");  // 0x12 missing
  WriteFile(dir_ / "version-2/log.11", log.bytes());
  Result<NodeTable> table = zkfmt::ReadNodeTable({dir_.path(), dir_.path()});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kCorruption);
  EXPECT_NE(table.status().message().find("log.11"), std::string::npos) << table.status().message();
}

TEST(ZnodePath, RulesNameTheFlagAndTheProblem) {
  EXPECT_TRUE(api::CheckZnodePath("/", "--path").ok());
  EXPECT_TRUE(api::CheckZnodePath("/a/b c/d", "--path").ok());
  for (const std::string bad : {"", "a/b", "/a/", "/a//b", "/a/../b", "/a/.", "/a/./b"}) {
    Status status = api::CheckZnodePath(bad, "--path");
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("--path"), std::string::npos) << status.message();
  }
  EXPECT_FALSE(api::CheckZnodePath("/" + std::string(5000, 'x'), "--to").ok());
  for (const std::string refused :
       {"/", "/zookeeper", "/zookeeper/quota", "/lockstep", "/lockstep/election"}) {
    EXPECT_EQ(api::CheckRestorableSubtree(refused, "--path").code(), StatusCode::kInvalidArgument)
        << refused;
  }
  EXPECT_TRUE(api::CheckRestorableSubtree("/lockstepper", "--path").ok());
  EXPECT_TRUE(api::InSubtree("/a/b", "/a"));
  EXPECT_FALSE(api::InSubtree("/ab", "/a"));
  EXPECT_TRUE(api::InSubtree("/ab", "/"));
}

TEST(QueryEscape, ZnodePathsSurviveTheQueryString) {
  for (const std::string path : {"/a b/c&d=e", "/ünï/%41", "/plain/path", "/+"}) {
    const std::string escaped = http::QueryEscape(path);
    EXPECT_EQ(escaped.find_first_of(" &=%+"), escaped.find('%')) << escaped;
    EXPECT_EQ(http::QueryUnescape(escaped), path);
  }
  EXPECT_EQ(http::QueryUnescape("%zz%4"), "%zz%4");  // malformed escapes kept as they are
}

}  // namespace
}  // namespace lockstep
