// The cluster view composed from the masters' answers (leader, quorum, Exhibitor's JSON) and the
// bearer-token check.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/control/zk_probe.h"
#include "agent/master/masters_view.h"
#include "api/token.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

proto::MasterStatus Master(const std::string& name, int code, const std::string& mode) {
  proto::MasterStatus master;
  master.set_name(name);
  master.set_hostname("10.0.0." + name.substr(1));
  master.set_agent_reachable(true);
  master.mutable_zk()->set_code(code);
  master.mutable_zk()->set_description(api::ExhibitorDescription(code));
  master.mutable_zk()->set_mode(mode);
  master.mutable_zk()->set_is_leader(mode == "leader" || mode == "standalone");
  return master;
}

TEST(ClusterView, HealthyEnsembleHasOneLeaderAndQuorum) {
  auto status = ComposeClusterStatus(
      Master("m2", api::kServing, "leader"),
      {Master("m3", api::kServing, "follower"), Master("m1", api::kServing, "follower")}, 3);
  EXPECT_EQ(status.masters(0).name(), "m1");  // sorted by name
  EXPECT_EQ(status.leader(), "m2");
  EXPECT_EQ(status.leaders(), 1);
  EXPECT_EQ(status.serving(), 3);
  EXPECT_TRUE(status.quorum());
  EXPECT_EQ(status.answered_by(), "m2");
  EXPECT_TRUE(Healthy(status));
}

TEST(ClusterView, QuorumNeedsAMajorityOfVoters) {
  auto two_of_three = ComposeClusterStatus(
      Master("m1", api::kServing, "leader"),
      {Master("m2", api::kServing, "follower"), Master("m3", api::kDown, "")}, 3);
  EXPECT_TRUE(two_of_three.quorum());
  auto one_of_three = ComposeClusterStatus(
      Master("m1", api::kNotServing, ""),
      {Master("m2", api::kServing, "follower"), Master("m3", api::kDown, "")}, 3);
  EXPECT_FALSE(one_of_three.quorum());
  EXPECT_EQ(one_of_three.leaders(), 0);
  EXPECT_EQ(one_of_three.leader(), "");
  EXPECT_FALSE(Healthy(one_of_three));
  EXPECT_EQ(WhyNoQuorum(two_of_three), "");
  EXPECT_EQ(WhyNoQuorum(one_of_three),
            "ZooKeeper has no quorum: 1 of 3 voters serve (not serving: m1, m3)");
  // Observers serve but don't vote.
  auto observers = ComposeClusterStatus(
      Master("m1", api::kServing, "leader"),
      {Master("m2", api::kServing, "observer"), Master("m3", api::kServing, "observer")}, 3);
  EXPECT_FALSE(observers.quorum());
  EXPECT_EQ(WhyNoQuorum(observers), "ZooKeeper has no quorum: 1 of 3 voters serve");
}

TEST(ClusterView, TwoLeadersIsNotHealthy) {
  auto split = ComposeClusterStatus(
      Master("m1", api::kServing, "leader"),
      {Master("m2", api::kServing, "leader"), Master("m3", api::kServing, "follower")}, 3);
  EXPECT_EQ(split.leaders(), 2);
  EXPECT_EQ(split.leader(), "");
  EXPECT_FALSE(Healthy(split));
}

TEST(ClusterView, ExhibitorJsonIsTheBareArrayExhibitorServed) {
  auto status =
      ComposeClusterStatus(Master("m1", api::kServing, "leader"),
                           {Master("m2", api::kNotServing, ""), Master("m3", api::kDown, "")}, 3);
  EXPECT_EQ(
      ExhibitorStatusJson(status),
      "[{\"hostname\":\"10.0.0.1\",\"code\":3,\"description\":\"serving\",\"isLeader\":true},"
      "{\"hostname\":\"10.0.0.2\",\"code\":2,\"description\":\"not serving\",\"isLeader\":false},"
      "{\"hostname\":\"10.0.0.3\",\"code\":1,\"description\":\"down\",\"isLeader\":false}]");
}

TEST(Token, BearerMatchesOnlyTheExactToken) {
  const std::string token = "0123456789abcdef0123";
  EXPECT_TRUE(api::BearerMatches("Bearer " + token, token));
  EXPECT_FALSE(api::BearerMatches("Bearer " + token + "x", token));
  EXPECT_FALSE(api::BearerMatches("Bearer " + token.substr(1), token));
  EXPECT_FALSE(api::BearerMatches("bearer " + token, token));
  EXPECT_FALSE(api::BearerMatches(token, token));
  EXPECT_FALSE(api::BearerMatches("", token));
  EXPECT_FALSE(api::BearerMatches("Bearer ", token));
}

TEST(Token, LoadRefusesShortAndWorldReadableTokens) {
  testing::TempDir dir;
  const std::string path = dir / "token";
  testing::WriteFile(path, "  0123456789abcdef0123\n");
  chmod(path.c_str(), 0600);
  auto token = api::LoadToken(path);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "0123456789abcdef0123");
  chmod(path.c_str(), 0644);
  EXPECT_NE(api::LoadToken(path).status().message().find("chmod 600"), std::string::npos);
  testing::WriteFile(path, "short\n");
  chmod(path.c_str(), 0600);
  EXPECT_NE(api::LoadToken(path).status().message().find("openssl rand"), std::string::npos);
  EXPECT_FALSE(api::LoadToken(dir / "missing").ok());
}

}  // namespace
}  // namespace lockstep::agent
