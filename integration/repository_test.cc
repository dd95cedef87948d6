// Backups that outlive the cluster (agent.toml [repository]): three real agents and ZooKeeper
// servers, and the real S3 test server (s3rver behind AWS's own Signature V4 check) on loopback.
// Each READY backup reaches the bucket by itself; the store going away leaves the backup READY on
// the masters with the reason on record, and the copy follows once the store is back; a delete
// removes every copy.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/file.h"
#include "common/sha256.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/object_store.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"
#include "repository/s3_client.h"

namespace lockstep::integration {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kPrefix[] = "cluster-a/";

class RepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = ScenarioDir("lockstep-repository-test");
    store_ = new ObjectStore({.work_dir = dir + "/s3"});
    fs::create_directories(dir + "/s3");
    Status started = store_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    credentials_ = dir + "/s3-credentials";
    const std::string& credentials = credentials_;
    ASSERT_TRUE(store_->WriteCredentialsFile(credentials).ok());
    auto options = MiniClusterOptions::WithFreePorts(dir, 3);
    options.extra_agent_toml = "\n[repository]\nendpoint = \"" + store_->endpoint() +
                               "\"\nbucket = \"" + store_->options().bucket + "\"\nprefix = \"" +
                               kPrefix + "\"\nregion = \"" + store_->options().region +
                               "\"\ncredentials_file = \"" + credentials +
                               "\"\npath_style = true\npart_size_mb = 5\n";
    cluster_ = new MiniCluster(options);
    Status up = cluster_->Up();
    ASSERT_TRUE(up.ok()) << up.ToString();
    ASSERT_TRUE(WaitFor([] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete store_;
    cluster_ = nullptr;
    store_ = nullptr;
  }

  static std::vector<std::string> Args(std::vector<std::string> rest) {
    return cluster_->CliArgs(std::move(rest));
  }
  static s3::S3Client Bucket() {
    Result<s3::S3Client> client = s3::S3Client::Create(store_->ClientOptions(kPrefix));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(*client);
  }
  static proto::Backup Show(const std::string& id) {
    proto::Backup record;
    CliResult shown = RunCli(Args({"--json", "backup", "show", id}));
    (void)proto::FromJson(shown.out, &record, true);
    return record;
  }
  static proto::Backup CreateReady(const std::string& label) {
    CliResult created =
        RunCli(Args({"--json", "backup", "create", "--label", label, "--component", "zookeeper",
                     "--wait"}));
    proto::Backup record;
    EXPECT_EQ(created.exit_code, 0) << created.err;
    EXPECT_TRUE(proto::FromJson(created.out, &record, true).ok()) << created.out;
    EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
    return record;
  }
  // Polls `backup show` until the copy's status is `status` (30 s at most).
  static proto::Backup WaitRemote(const std::string& id, proto::BackupStatus status) {
    proto::Backup record;
    EXPECT_TRUE(WaitFor(
        [&] {
          record = Show(id);
          return record.remote().status() == status;
        },
        30s))
        << id << " remote is " << proto::BackupStatus_Name(record.remote().status()) << ": "
        << record.remote().reason();
    return record;
  }
  static std::string Metrics() {
    Result<http::Reply> reply = cluster_->Call(1, "GET", "/metrics", "");
    return reply.ok() ? reply->body : "";
  }

  static ObjectStore* store_;
  static MiniCluster* cluster_;
  static std::string credentials_;  // the agents' credentials file
};
std::string RepositoryTest::credentials_;
ObjectStore* RepositoryTest::store_ = nullptr;
MiniCluster* RepositoryTest::cluster_ = nullptr;

TEST_F(RepositoryTest, AReadyBackupReachesTheBucketWithItsRecordAndTheSameSha256) {
  const proto::Backup backup = CreateReady("offsite");
  const proto::Backup copied = WaitRemote(backup.id(), proto::STATUS_READY);
  const std::string key = "backups/" + backup.id() + ".tar.zst";
  EXPECT_EQ(copied.remote().url(),
            "s3://" + store_->options().bucket + "/" + kPrefix + key);
  EXPECT_EQ(copied.remote().sha256(), backup.sha256());
  EXPECT_EQ(copied.remote().size_bytes(), backup.size_bytes());

  // The stored bytes themselves, read back independently of the agents.
  s3::S3Client bucket = Bucket();
  const std::string downloaded = cluster_->master_dir(1) + "/downloaded.tar.zst";
  ASSERT_TRUE(bucket.GetObjectToFile(key, downloaded).ok());
  Result<std::string> sha = Sha256OfFile(downloaded);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, backup.sha256());
  fs::remove(downloaded);
  // The record beside it: the bucket alone is a catalog.
  Result<std::string> record_json = bucket.GetObject("catalog/" + backup.id() + ".json");
  ASSERT_TRUE(record_json.ok()) << record_json.status().ToString();
  proto::Backup stored;
  ASSERT_TRUE(proto::FromJson(*record_json, &stored, true).ok());
  EXPECT_EQ(stored.id(), backup.id());
  EXPECT_EQ(stored.remote().status(), proto::STATUS_READY);
  EXPECT_TRUE(bucket.ListMultipartUploads()->empty()) << "an upload was left open";

  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("lockstep_repository_pending_backups 0"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("lockstep_repository_last_upload_timestamp_seconds 0\n"),
            std::string::npos)
      << metrics;
}

TEST_F(RepositoryTest, WhileTheStoreIsDownTheBackupStaysReadyAndItsCopyFollowsOnceItIsBack) {
  ASSERT_TRUE(store_->Stop().ok());
  const proto::Backup backup = CreateReady("storedown");
  const proto::Backup failing = WaitRemote(backup.id(), proto::STATUS_ERROR);
  EXPECT_EQ(failing.status(), proto::STATUS_READY) << "the masters' copies don't wait for S3";
  EXPECT_NE(failing.remote().reason().find(store_->endpoint()), std::string::npos)
      << failing.remote().reason();
  EXPECT_NE(failing.remote().reason().find("retried by itself"), std::string::npos)
      << failing.remote().reason();
  EXPECT_NE(Metrics().find("lockstep_repository_upload_failures 1"), std::string::npos)
      << Metrics();

  Status restarted = store_->Start();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  const proto::Backup copied = WaitRemote(backup.id(), proto::STATUS_READY);
  EXPECT_EQ(copied.remote().sha256(), backup.sha256());
  EXPECT_TRUE(Bucket().HeadObject("backups/" + backup.id() + ".tar.zst").ok());
}

// A wrong secret is refused by the store's signature check: the reason names S3's error, the
// endpoint and the credentials file; fixing the file is enough, no agent restarts.
TEST_F(RepositoryTest, WrongCredentialsAreNamedAndAFixedFileIsUsedWithoutARestart) {
  ASSERT_TRUE(WriteFileAtomically(credentials_,
                                  "[default]\naws_access_key_id = " + store_->options().access_key +
                                      "\naws_secret_access_key = not-the-secret\n",
                                  kPrivateFile)
                  .ok());
  const proto::Backup backup = CreateReady("badcreds");
  const proto::Backup refused = WaitRemote(backup.id(), proto::STATUS_ERROR);
  const std::string& reason = refused.remote().reason();
  EXPECT_NE(reason.find("SignatureDoesNotMatch"), std::string::npos) << reason;
  EXPECT_NE(reason.find(store_->endpoint()), std::string::npos) << reason;
  EXPECT_NE(reason.find(credentials_), std::string::npos) << reason;
  EXPECT_EQ(reason.find("not-the-secret"), std::string::npos) << "a secret in the record";

  ASSERT_TRUE(store_->WriteCredentialsFile(credentials_).ok());
  const proto::Backup copied = WaitRemote(backup.id(), proto::STATUS_READY);
  EXPECT_EQ(copied.remote().sha256(), backup.sha256());
}

TEST_F(RepositoryTest, DeleteRemovesTheBucketsCopyAndSaysSo) {
  const proto::Backup backup = CreateReady("todelete");
  WaitRemote(backup.id(), proto::STATUS_READY);
  CliResult deleted = RunCli(Args({"backup", "delete", backup.id()}));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_NE(deleted.out.find("and from s3://"), std::string::npos) << deleted.out;
  s3::S3Client bucket = Bucket();
  EXPECT_EQ(bucket.HeadObject("backups/" + backup.id() + ".tar.zst").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(bucket.HeadObject("catalog/" + backup.id() + ".json").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace lockstep::integration
