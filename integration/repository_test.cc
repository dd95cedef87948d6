// Backups that outlive the cluster (agent.toml [repository] and [encryption]): three real agents
// and ZooKeeper servers, and the real S3 test server (s3rver behind AWS's own Signature V4 check)
// on loopback. Every archive is encrypted to an age identity the suite makes. Each READY backup
// reaches the bucket by itself, and Debian's `age` and s3cmd, independent of Lockstep, open what
// is stored there; the store going away leaves the backup READY on the masters with the reason on
// record, and the copy follows once the store is back; a delete removes every copy. Last, the
// disaster: every master's store and ZooKeeper data wiped, and the bucket alone restores the tree.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "agent/offsite/bucket_tag.h"
#include "common/crypto/keys.h"
#include "common/file.h"
#include "common/process.h"
#include "common/sha256.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/object_store.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"
#include "s3/s3_client.h"

namespace lockstep::integration {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kPrefix[] = "cluster-a/";

class RepositoryTest : public SandboxSuite<RepositoryTest> {
 public:
  static MiniClusterOptions Options() {
    auto options = MiniClusterOptions::WithFreePorts(dir_, 3);
    options.allow_crash_points = true;    // to kill an uploader mid-upload
    options.identities_over_http = true;  // the sandbox's agents speak plain HTTP
    options.extra_agent_toml =
        "\n[repository]\nendpoint = \"" + store_->endpoint() + "\"\nbucket = \"" +
        store_->options().bucket + "\"\nprefix = \"" + kPrefix + "\"\nregion = \"" +
        store_->options().region + "\"\ncredentials_file = \"" + credentials_ +
        "\"\npath_style = true\npart_size_mb = 5\n" + "\n[encryption]\nrecipients = [\"" +
        recipient_ + "\"]\nidentity_file = \"" + identity_file_ + "\"\n";
    return options;
  }

 protected:
  // The S3 server and the files the agents' [repository] and [encryption] name, then the sandbox.
  static void SetUpTestSuite() {
    dir_ = ScenarioDir("lockstep-repository-test");
    const std::string& dir = dir_;
    store_ = new ObjectStore({.work_dir = dir + "/s3"});
    fs::create_directories(dir + "/s3");
    Status started = store_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    credentials_ = dir + "/s3-credentials";
    ASSERT_TRUE(store_->WriteCredentialsFile(credentials_).ok());
    s3cmd_config_ = dir + "/s3cmd.cfg";
    ASSERT_TRUE(store_->WriteS3cmdConfig(s3cmd_config_).ok());
    Result<age::X25519Identity> identity = age::GenerateIdentity();
    ASSERT_TRUE(identity.ok());
    recipient_ = identity->recipient().ToString();
    identity_file_ = dir + "/age-identity";
    ASSERT_TRUE(
        WriteFileAtomically(identity_file_, age::IdentityFileText(*identity, {}), kPrivateFile)
            .ok());
    SandboxSuite::SetUpTestSuite();
  }
  static void TearDownTestSuite() {
    SandboxSuite::TearDownTestSuite();
    delete store_;
    store_ = nullptr;
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
    CliResult created = RunCli(Args(
        {"--json", "backup", "create", "--label", label, "--component", "zookeeper", "--wait"}));
    proto::Backup record;
    EXPECT_EQ(created.exit_code, 0) << created.err;
    EXPECT_TRUE(proto::FromJson(created.out, &record, true).ok()) << created.out;
    EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
    return record;
  }
  // Polls `backup show` until the copy's status is `status` (60 s at most: a new coordinator may
  // have to be elected first).
  static proto::Backup WaitRemote(const std::string& id, proto::BackupStatus status) {
    proto::Backup record;
    EXPECT_TRUE(WaitFor(
        [&] {
          record = Show(id);
          return record.remote().status() == status;
        },
        60s))
        << id << " remote is " << proto::BackupStatus_Name(record.remote().status()) << ": "
        << record.remote().reason();
    return record;
  }
  static std::string Metrics() {
    Result<http::Reply> reply = cluster_->Call(1, "GET", "/metrics", "");
    return reply.ok() ? reply->body : "";
  }

  // s3cmd, an independent client, with the store's configuration.
  static Result<CommandResult> S3cmd(const std::string& args) {
    return RunShellCommand("s3cmd -c " + s3cmd_config_ + " " + args, 60s);
  }
  static std::string RemoteKey(const std::string& id) {
    return "s3://" + store_->options().bucket + "/" + kPrefix + "backups/" + id + ".tar.zst";
  }

  static inline std::string dir_;        // the suite's scenario directory
  static inline std::string recipient_;  // the age recipient every archive is encrypted to
  static ObjectStore* store_;
  static std::string credentials_;  // the agents' credentials file
  static std::string s3cmd_config_;
  static std::string identity_file_;  // the age identity every archive is encrypted to
};
std::string RepositoryTest::credentials_;
std::string RepositoryTest::s3cmd_config_;
std::string RepositoryTest::identity_file_;
ObjectStore* RepositoryTest::store_ = nullptr;

TEST_F(RepositoryTest, AReadyBackupReachesTheBucketWithItsRecordAndTheSameSha256) {
  const proto::Backup backup = CreateReady("offsite");
  const proto::Backup copied = WaitRemote(backup.id(), proto::STATUS_READY);
  const std::string key = "backups/" + backup.id() + ".tar.zst";
  EXPECT_EQ(copied.remote().url(), "s3://" + store_->options().bucket + "/" + kPrefix + key);
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

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool StartsWithAgeHeader(const std::string& path) {
  return ReadWhole(path).starts_with("age-encryption.org/v1\n");
}

// Whether any regular file under `dir` contains `needle`.
bool AnyFileContains(const std::string& dir, const std::string& needle) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (ReadWhole(entry.path().string()).find(needle) != std::string::npos) return true;
  }
  return false;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

TEST_F(RepositoryTest, EncryptedArchivesAreAgeEverywhereAndTheStandardToolsOpenThem) {
  const std::string marker = "lockstep-plaintext-marker-4242";
  auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
  ASSERT_TRUE(zk.ok()) << zk.status().ToString();
  ASSERT_TRUE((*zk)->Create("/marker", marker, ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  const proto::Backup backup = CreateReady("sealed");
  EXPECT_EQ(backup.encryption(), "age");
  WaitRemote(backup.id(), proto::STATUS_READY);

  // On every master: the archive is age, private, and nothing in the store reads as the data.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    const std::string store = cluster_->master_dir(i) + "/store";
    const std::string archive = store + "/backups/" + backup.id() + ".tar.zst";
    EXPECT_TRUE(StartsWithAgeHeader(archive)) << archive;
    EXPECT_EQ(ModeOf(store), 0700u) << store;
    EXPECT_EQ(ModeOf(archive), 0600u) << archive;
    EXPECT_FALSE(AnyFileContains(store, marker)) << "plaintext under " << store;
  }

  // The bucket's object, fetched by s3cmd and opened by Debian's age, is an archive Lockstep
  // accepts.
  const std::string work = cluster_->master_dir(1) + "/oracle";
  fs::create_directories(work);
  auto got = S3cmd("get --force " + RemoteKey(backup.id()) + " " + work + "/object.age");
  ASSERT_TRUE(got.ok() && got->exit_code == 0) << (got.ok() ? got->output : "");
  EXPECT_TRUE(StartsWithAgeHeader(work + "/object.age"));
  auto opened = RunShellCommand(
      "age -d -i " + identity_file_ + " -o " + work + "/plain.tar.zst " + work + "/object.age",
      60s);
  ASSERT_TRUE(opened.ok() && opened->exit_code == 0) << (opened.ok() ? opened->output : "");
  CliResult inspected = RunCli({"--json", "zk", "inspect", work + "/plain.tar.zst"});
  EXPECT_EQ(inspected.exit_code, 0) << inspected.out << inspected.err;
  EXPECT_NE(inspected.out.find("\"valid\": true"), std::string::npos) << inspected.out;

  // Lockstep itself reads the encrypted object only with the identity, and says where to give it.
  CliResult blind = RunCli({"zk", "inspect", work + "/object.age"});
  EXPECT_NE(blind.exit_code, 0);
  EXPECT_NE(blind.err.find("--identity"), std::string::npos) << blind.err;
  CliResult keyed =
      RunCli({"--json", "zk", "inspect", work + "/object.age", "--identity", identity_file_});
  EXPECT_EQ(keyed.exit_code, 0) << keyed.out << keyed.err;

  // `backup download --identity` writes the archive decrypted.
  CliResult download = RunCli(Args({"backup", "download", backup.id(), "-o",
                                    work + "/download.tar.zst", "--identity", identity_file_}));
  EXPECT_EQ(download.exit_code, 0) << download.err;
  EXPECT_EQ(Sha256OfFile(work + "/download.tar.zst").value(),
            Sha256OfFile(work + "/plain.tar.zst").value());
  EXPECT_EQ(ModeOf(work + "/download.tar.zst"), 0600u);
  fs::remove_all(work);
  ASSERT_TRUE((*zk)->Delete("/marker").ok());
}

// The uploading agent killed mid-upload, a part already stored: the next coordinator aborts the
// multipart upload it left and uploads the backup whole. No orphaned parts stay in the store.
TEST_F(RepositoryTest, AnUploaderKilledMidUploadLeavesNoOrphanedPartsAndTheCopyCompletes) {
  // More than one 5 MiB part of data zstd can't shrink.
  auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
  ASSERT_TRUE(zk.ok());
  std::mt19937 rng(7);
  for (int i = 0; i < 9; ++i) {
    std::string value(900 << 10, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    ASSERT_TRUE((*zk)
                    ->Create("/bulk-" + std::to_string(i), value, ZkClient::OpenAcl(),
                             CreateMode::kPersistent)
                    .ok());
  }
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  ASSERT_TRUE(cluster_->ArmCrashPoint(coordinator, "repository.after_first_part").ok());
  const proto::Backup backup = CreateReady("killed");
  ASSERT_GT(backup.size_bytes(), 5u << 20);
  ASSERT_TRUE(WaitFor([&] { return !cluster_->AgentAlive(coordinator); }, 60s))
      << "the uploader was not killed mid-upload";
  Result<std::vector<s3::MultipartUpload>> left = Bucket().ListMultipartUploads();
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(left->size(), 1u) << "the killed uploader's upload, open with a part stored";

  ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
  const proto::Backup copied = WaitRemote(backup.id(), proto::STATUS_READY);
  EXPECT_EQ(copied.remote().sha256(), backup.sha256());
  Result<std::vector<s3::MultipartUpload>> after = Bucket().ListMultipartUploads();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty()) << after->size() << " orphaned multipart upload(s)";
  for (int i = 0; i < 9; ++i) ASSERT_TRUE((*zk)->Delete("/bulk-" + std::to_string(i)).ok());
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
}

// A bit flipped in the stored object: `verify --remote` names the copy and the damage; a restore
// takes the masters' intact copies first; with no master holding one, the restore refuses the
// damaged copy, naming it, before any server stops.
TEST_F(RepositoryTest, ADamagedObjectInTheBucketIsRefusedNamingTheCopy) {
  const proto::Backup backup = CreateReady("bitflip");
  WaitRemote(backup.id(), proto::STATUS_READY);
  CliResult intact = RunCli(Args({"--json", "backup", "verify", backup.id(), "--remote"}));
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;

  Result<std::string> damaged_file =
      store_->DamageStoredObject(std::string(kPrefix) + "backups/" + backup.id() + ".tar.zst");
  ASSERT_TRUE(damaged_file.ok()) << damaged_file.status().ToString();
  CliResult damaged = RunCli(Args({"--json", "backup", "verify", backup.id(), "--remote"}));
  EXPECT_NE(damaged.exit_code, 0) << damaged.out;
  EXPECT_NE(damaged.out.find(RemoteKey(backup.id())), std::string::npos) << damaged.out;
  // s3rver serves whatever bytes it holds, and the checksum finds the damage; Swift checks its
  // objects' MD5 as it serves them and may refuse a damaged one itself (HTTP 500, then 404 once
  // it has quarantined the file): refused either way, naming the copy.
  const bool named_damaged = damaged.out.find("damaged in the store") != std::string::npos;
  const bool store_refused = damaged.out.find("HTTP 500") != std::string::npos ||
                             damaged.out.find("HTTP 404") != std::string::npos;
  EXPECT_TRUE(named_damaged || (store_->options().kind == ObjectStoreKind::kSwift && store_refused))
      << damaged.out;

  // m1 lost its copy: it takes a peer's, not the damaged object.
  fs::remove(cluster_->master_dir(1) + "/store/backups/" + backup.id() + ".tar.zst");
  CliResult restored = RunCli(Args(
      {"--json", "backup", "restore", backup.id(), "--component", "zookeeper", "--yes", "--wait"}));
  EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));

  // No master holds one: the damaged object is all there is, and it is refused.
  for (int i = 1; i <= cluster_->masters(); ++i) {
    fs::remove(cluster_->master_dir(i) + "/store/backups/" + backup.id() + ".tar.zst");
  }
  CliResult refused = RunCli(Args(
      {"--json", "backup", "restore", backup.id(), "--component", "zookeeper", "--yes", "--wait"}));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE((refused.out + refused.err).find(RemoteKey(backup.id())), std::string::npos)
      << refused.out << refused.err;
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  for (int i = 1; i <= cluster_->masters(); ++i) {
    EXPECT_FALSE(fs::exists(cluster_->master_dir(i) + "/store/backups/" + backup.id() + ".tar.zst"))
        << "a damaged copy became a replica on master " << i;
  }
}

// The disaster backups exist for: every master's store (archives, catalog) and ZooKeeper data
// gone. The agents start empty, adopt the bucket's catalog, and one command restores the tree.
TEST_F(RepositoryTest, WithEveryMasterWipedTheBucketAloneRestoresTheTree) {
  auto zk = ZkClient::Connect(cluster_->zk_connect(), 30s);
  ASSERT_TRUE(zk.ok());
  ASSERT_TRUE(
      (*zk)->Create("/disaster", "root", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  for (int i = 0; i < 30; ++i) {
    const auto acl = i % 4 == 0 ? ZkClient::ReadOnlyAcl() : ZkClient::OpenAcl();
    ASSERT_TRUE((*zk)
                    ->Create("/disaster/n" + std::to_string(i), "value-" + std::to_string(i * 7),
                             acl, CreateMode::kPersistent)
                    .ok());
  }
  Result<TreeDump> before = DumpTree(**zk, "/disaster");
  ASSERT_TRUE(before.ok());
  zk->reset();
  const proto::Backup backup = CreateReady("disaster");
  WaitRemote(backup.id(), proto::STATUS_READY);

  // Planted by someone who can write to the bucket but holds no cluster secret: copies of the
  // real record under new ids, each with the real archive beside it (so its sha256 matches),
  // one unsigned and one signed under another cluster's key. Neither may be adopted.
  s3::S3Client bucket = Bucket();
  Result<std::string> real = bucket.GetObject("catalog/" + backup.id() + ".json");
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  std::ifstream archive_file(cluster_->master_dir(1) + "/store/backups/" + backup.id() +
                             ".tar.zst");
  const std::string archive((std::istreambuf_iterator<char>(archive_file)),
                            std::istreambuf_iterator<char>());
  ASSERT_FALSE(archive.empty());
  const std::string uuid = backup.id().substr(backup.id().size() - 36);
  const agent::BucketSigner foreign("another-clusters-secret-0123456789");
  std::vector<std::string> planted;
  for (const std::string label : {"planted", "foreign"}) {
    proto::Backup record;
    ASSERT_TRUE(proto::FromJson(*real, &record, true).ok());
    record.set_id(label + "-" + uuid);
    record.set_label(label);
    const std::string name = "catalog/" + record.id() + ".json";
    const std::string body = proto::ToJson(record);
    s3::Metadata metadata;
    if (label == "foreign") metadata[agent::kBucketTagMetadata] = foreign.Tag(name, body);
    ASSERT_TRUE(bucket.PutObject(name, body, metadata).ok());
    ASSERT_TRUE(bucket.PutObject("backups/" + record.id() + ".tar.zst", archive).ok());
    planted.push_back(record.id());
  }

  ASSERT_TRUE(cluster_->Down().ok());
  for (int i = 1; i <= cluster_->masters(); ++i) {
    const std::string dir = cluster_->master_dir(i);
    fs::remove_all(dir + "/store");
    fs::remove_all(dir + "/zk/data/version-2");
    fs::remove_all(dir + "/zk/datalog/version-2");
  }
  Status up = cluster_->Up();
  ASSERT_TRUE(up.ok()) << up.ToString();
  ASSERT_TRUE(WaitFor([] { return cluster_->CoordinatorIndex() != 0; }, 30s));

  // Listed from the bucket: READY there, on no master.
  proto::Backup listed;
  ASSERT_TRUE(WaitFor(
      [&] {
        listed = Show(backup.id());
        return listed.id() == backup.id();
      },
      60s))
      << "the bucket's catalog was not adopted";
  EXPECT_EQ(listed.remote().status(), proto::STATUS_READY);
  EXPECT_EQ(listed.replicas_size(), 0);
  CliResult list = RunCli(Args({"backup", "list"}));
  EXPECT_NE(list.out.find(backup.id()), std::string::npos) << list.out;
  for (const std::string& id : planted) {
    EXPECT_EQ(list.out.find(id), std::string::npos) << "a planted record was adopted: " << id;
    auto shown = cluster_->Call(1, "GET", "/v1/backups/" + id);
    ASSERT_TRUE(shown.ok());
    EXPECT_EQ(shown->status, 404) << shown->body;
  }
  // Downloadable although no master holds it: an agent fetches the bucket's copy first.
  const std::string downloaded = cluster_->master_dir(1) + "/from-bucket.tar.zst";
  CliResult download = RunCli(Args({"backup", "download", backup.id(), "-o", downloaded}));
  EXPECT_EQ(download.exit_code, 0) << download.err;
  Result<std::string> downloaded_sha = Sha256OfFile(downloaded);
  EXPECT_TRUE(downloaded_sha.ok() && *downloaded_sha == backup.sha256());
  fs::remove(downloaded);

  // The identity was kept off the masters: without it the restore stops at staging, naming what
  // is missing; given with the command, it is used for this restore only.
  const std::string offline = identity_file_ + ".offline";
  fs::rename(identity_file_, offline);
  CliResult blind = RunCli(Args(
      {"--json", "backup", "restore", backup.id(), "--component", "zookeeper", "--yes", "--wait"}));
  EXPECT_NE(blind.exit_code, 0);
  EXPECT_NE((blind.out + blind.err).find("identity"), std::string::npos) << blind.out << blind.err;
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  CliResult restored = RunCli(Args({"--json", "backup", "restore", backup.id(), "--component",
                                    "zookeeper", "--yes", "--wait", "--identity", offline}));
  fs::rename(offline, identity_file_);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(restored.out.find("AGE-SECRET-KEY"), std::string::npos) << "the secret was echoed";
  for (int i = 1; i <= cluster_->masters(); ++i) {
    EXPECT_FALSE(AnyFileContains(cluster_->master_dir(i), "AGE-SECRET-KEY"))
        << "the identity was written (a log, a journal, a record) on master " << i;
  }
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
  for (int i = 1; i <= cluster_->masters(); ++i) {
    auto server = ZkClient::Connect(cluster_->zk_endpoint(i), 30s);
    ASSERT_TRUE(server.ok());
    Result<TreeDump> after = DumpTree(**server, "/disaster");
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, *before) << "master " << i;
    // Each master fetched its copy from the bucket and checked it: it holds a replica again.
    EXPECT_TRUE(StartsWithAgeHeader(cluster_->master_dir(i) + "/store/backups/" + backup.id() +
                                    ".tar.zst"));
  }
}

}  // namespace
}  // namespace lockstep::integration
