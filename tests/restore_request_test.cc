// The restore request's rules (api/restore_request.h), which the CLI and the agent both apply:
// each refusal names what is wrong, and what is well-formed passes.
#include "api/restore_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lockstep::api {
namespace {

proto::RestoreRequest Request(std::vector<std::string> components, std::string path = "",
                              std::string to = "") {
  proto::RestoreRequest request;
  for (auto& component : components) request.add_components(component);
  request.set_path(path);
  request.set_to(to);
  return request;
}

// The message of a refusal, or "" when the request passes.
std::string Refusal(const Status& status) {
  if (status.ok()) return "";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  return status.message();
}

TEST(RestoreRequestTest, ABackupRestoreOfZooKeeperAppsOrOneSubtreePasses) {
  EXPECT_EQ(Refusal(CheckBackupRestore(Request({"zookeeper"}))), "");
  EXPECT_EQ(Refusal(CheckBackupRestore(Request({"marathon", "metronome"}))), "");
  EXPECT_EQ(Refusal(CheckBackupRestore(Request({}, "/marathon"))), "");
  EXPECT_EQ(Refusal(CheckBackupRestore(Request({}, "/marathon", "/inspect/marathon"))), "");
}

TEST(RestoreRequestTest, ZooKeeperWithAnythingElseIsRefusedSayingItReplacesEverything) {
  EXPECT_NE(Refusal(CheckBackupRestore(Request({"zookeeper", "marathon"}))).find("on its own"),
            std::string::npos);
}

TEST(RestoreRequestTest, ASubtreeRestoreNamesNoComponentAndNeverRestoresIntoItself) {
  EXPECT_NE(Refusal(CheckBackupRestore(Request({"marathon"}, "/marathon"))).find("--component"),
            std::string::npos);
  EXPECT_NE(Refusal(CheckBackupRestore(Request({}, "", "/elsewhere"))).find("--to needs --path"),
            std::string::npos);
  const std::string inside = Refusal(CheckBackupRestore(Request({}, "/marathon", "/marathon/x")));
  EXPECT_NE(inside.find("overlaps --path /marathon"), std::string::npos) << inside;
  const std::string around =
      Refusal(CheckBackupRestore(Request({}, "/marathon/apps", "/marathon")));
  EXPECT_NE(around.find("overlaps"), std::string::npos) << around;
  EXPECT_NE(Refusal(CheckBackupRestore(Request({}, "relative"))), "");
}

TEST(RestoreRequestTest, ADryRunOfAppComponentsIsRefusedPointingAtDiff) {
  proto::RestoreRequest apps = Request({"marathon"});
  apps.set_dry_run(true);
  EXPECT_NE(Refusal(CheckBackupRestore(apps)).find("backup diff"), std::string::npos);
  proto::RestoreRequest zookeeper = Request({"zookeeper"});
  zookeeper.set_dry_run(true);
  EXPECT_EQ(Refusal(CheckBackupRestore(zookeeper)), "");
}

TEST(RestoreRequestTest, APointInTimeTakesExactlyOneWellFormedTarget) {
  proto::RestoreRequest none = Request({"zookeeper"});
  EXPECT_FALSE(IsPointInTime(none));
  EXPECT_NE(Refusal(CheckPointInTimeRestore(none)).find("exactly one"), std::string::npos);
  proto::RestoreRequest two = none;
  two.set_latest(true);
  two.set_to_zxid("0x100000005");
  EXPECT_TRUE(IsPointInTime(two));
  EXPECT_NE(Refusal(CheckPointInTimeRestore(two)).find("exactly one"), std::string::npos);

  proto::RestoreRequest zxid = none;
  zxid.set_to_zxid("0x100000005");
  ASSERT_EQ(Refusal(CheckPointInTimeRestore(zxid)), "");
  Result<RestoreTarget> target = RestoreTargetOf(zxid);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->zxid, Zxid{0x100000005});
  EXPECT_FALSE(target->time_ms);
  zxid.set_to_zxid("4294967301");  // decimal: not how ZooKeeper writes a zxid
  EXPECT_NE(Refusal(CheckPointInTimeRestore(zxid)).find("is not a zxid"), std::string::npos);

  proto::RestoreRequest time = none;
  time.set_to_time("2026-12-01T10:42:00Z");
  ASSERT_EQ(Refusal(CheckPointInTimeRestore(time)), "");
  target = RestoreTargetOf(time);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->time_ms, int64_t{1796121720000});
  time.set_to_time("yesterday");
  EXPECT_NE(Refusal(CheckPointInTimeRestore(time)).find("is not a UTC time"), std::string::npos);
}

TEST(RestoreRequestTest, APointInTimeIsOfTheWholeEnsembleOnly) {
  proto::RestoreRequest app = Request({"marathon"});
  app.set_latest(true);
  EXPECT_NE(Refusal(CheckPointInTimeRestore(app)).find("zookeeper only, not 'marathon'"),
            std::string::npos);
  proto::RestoreRequest spot = Request({}, "/marathon");
  spot.set_latest(true);
  EXPECT_NE(Refusal(CheckPointInTimeRestore(spot)).find("leave out --path"), std::string::npos);
  proto::RestoreRequest pinned = Request({"zookeeper"});
  pinned.set_latest(true);
  pinned.set_base("../etc");
  EXPECT_NE(Refusal(CheckPointInTimeRestore(pinned)), "");
}

}  // namespace
}  // namespace lockstep::api
