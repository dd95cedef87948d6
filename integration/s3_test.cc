// S3Client against a real S3 server (s3rver behind AWS's Signature V4 check, see
// object_store.h) over loopback sockets, with s3cmd as an independent client.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/process.h"
#include "common/sha256.h"
#include "integration/object_store.h"
#include "s3/s3_client.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;

std::string WorkDir() {
  return testing::TempDir() + "/lockstep-s3-test-" + std::to_string(getpid());
}

void WriteRandomFile(const std::string& path, size_t size, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::vector<uint64_t> words(size / 8 + 1);
  for (auto& word : words) word = random();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(size));
}

class S3Test : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(WorkDir());
    fs::create_directories(WorkDir());
    store_ = new ObjectStore({.work_dir = WorkDir()});
    const Status started = store_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  static void TearDownTestSuite() {
    delete store_;
    fs::remove_all(WorkDir());
  }

  static s3::S3Client Client(const std::string& prefix = "backups/",
                             uint64_t part_size = 5ull << 20) {
    s3::S3ClientOptions options = store_->ClientOptions(prefix);
    options.part_size = part_size;
    return s3::S3Client::Create(options).value();
  }

  // Runs s3cmd with the server's configuration; its output on failure.
  static Result<CommandResult> S3cmd(const std::string& args) {
    const std::string config = WorkDir() + "/s3cfg";
    RETURN_IF_ERROR(store_->WriteS3cmdConfig(config));
    return RunShellCommand("s3cmd -c " + config + " " + args, std::chrono::seconds(60));
  }

  static ObjectStore* store_;
};

ObjectStore* S3Test::store_ = nullptr;

TEST_F(S3Test, MultipartUploadOf40MBComesBackByteForByte) {
  const std::string source = WorkDir() + "/big";
  WriteRandomFile(source, 40'000'000, 1);
  const s3::S3Client client = Client();
  uint64_t last_progress = 0;
  s3::UploadOptions options{.metadata = {{"zxid", "0x100000002"}}};
  options.progress = [&](uint64_t done, uint64_t) { last_progress = done; };
  auto etag = client.UploadFile("cluster/a.tar", source, options);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(last_progress, 40'000'000u);
  EXPECT_FALSE(etag->empty());  // s3rver's is the whole object's MD5, not S3's "MD5-8"

  auto info = client.HeadObject("cluster/a.tar");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 40'000'000u);
  EXPECT_EQ(info->metadata["zxid"], "0x100000002");

  const std::string copy = WorkDir() + "/big.copy";
  uint64_t downloaded = 0;
  const Status got = client.GetObjectToFile("cluster/a.tar", copy,
                                            [&](uint64_t done, uint64_t) { downloaded = done; });
  ASSERT_TRUE(got.ok()) << got.ToString();
  EXPECT_EQ(downloaded, 40'000'000u);
  EXPECT_EQ(Sha256OfFile(copy).value(), Sha256OfFile(source).value());

  // s3cmd, an independent client, reads the same bytes.
  const std::string by_s3cmd = WorkDir() + "/big.s3cmd";
  auto s3cmd = S3cmd("get --force s3://lockstep-backups/backups/cluster/a.tar " + by_s3cmd);
  ASSERT_TRUE(s3cmd.ok() && s3cmd->exit_code == 0) << (s3cmd.ok() ? s3cmd->output : "");
  EXPECT_EQ(Sha256OfFile(by_s3cmd).value(), Sha256OfFile(source).value());
  for (const auto& path : {source, copy, by_s3cmd}) fs::remove(path);
}

TEST_F(S3Test, SmallObjectsListHeadAndDelete) {
  const s3::S3Client client = Client("listing/");
  for (const char* name : {"b", "a", "dir/c d+e"}) {
    ASSERT_TRUE(client.PutObject(name, std::string("data of ") + name).ok());
  }
  auto listed = client.ListAllObjects();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> names;
  for (const auto& object : *listed) names.push_back(object.key);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "dir/c d+e"}));
  EXPECT_EQ(client.GetObject("dir/c d+e").value(), "data of dir/c d+e");
  EXPECT_EQ(client.HeadObject("a").value().size, 9u);

  ASSERT_TRUE(client.DeleteObject("a").ok());
  const auto gone = client.HeadObject("a");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  const auto missing = client.GetObject("a");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("NoSuchKey"), std::string::npos)
      << missing.status().ToString();
}

TEST_F(S3Test, WrongSecretIsAPermanentSignatureDoesNotMatchNamingTheEndpoint) {
  s3::S3ClientOptions options = store_->ClientOptions("backups/");
  options.credentials.secret_access_key = "not-the-secret";
  const s3::S3Client client = s3::S3Client::Create(options).value();
  const Status status = client.PutObject("x", "data");
  ASSERT_FALSE(status.ok());
  EXPECT_FALSE(s3::IsRetryable(status));
  EXPECT_NE(status.message().find("SignatureDoesNotMatch"), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find(store_->endpoint()), std::string::npos) << status.ToString();
  EXPECT_EQ(status.message().find("not-the-secret"), std::string::npos);
}

TEST_F(S3Test, UnknownKeyAndSkewedClockAreRefused) {
  s3::S3ClientOptions options = store_->ClientOptions();
  options.credentials.access_key_id = "AKIDUNKNOWN";
  // GET, not HEAD: a HEAD reply carries no error body, so no code.
  auto unknown = s3::S3Client::Create(options).value().GetObject("x");
  // s3rver, like AWS, names an unknown key; Swift's s3api (tempauth) cannot tell one from a wrong
  // secret and answers as for a wrong secret.
  const char* unknown_code = store_->options().kind == ObjectStoreKind::kSwift
                                 ? "SignatureDoesNotMatch"
                                 : "InvalidAccessKeyId";
  EXPECT_NE(unknown.status().message().find(unknown_code), std::string::npos)
      << unknown.status().ToString();
  options = store_->ClientOptions();
  options.now = [] { return std::chrono::system_clock::now() + std::chrono::minutes(20); };
  auto skewed = s3::S3Client::Create(options).value().GetObject("x");
  EXPECT_NE(skewed.status().message().find("RequestTimeTooSkewed"), std::string::npos)
      << skewed.status().ToString();
}

TEST_F(S3Test, CancelledUploadIsAbortedAndStaleUploadsAreCleaned) {
  const std::string source = WorkDir() + "/medium";
  WriteRandomFile(source, 11 << 20, 2);
  const s3::S3Client client = Client("aborts/");
  std::atomic<bool> cancel{false};
  std::string started_id;
  s3::UploadOptions options;
  options.cancel = &cancel;
  options.progress = [&](uint64_t done, uint64_t) { cancel = done >= (5u << 20); };
  options.on_start = [&](const std::string& id) { started_id = id; };
  auto etag = client.UploadFile("a.tar", source, options);
  EXPECT_FALSE(etag.ok());
  EXPECT_NE(etag.status().message().find("the upload was aborted"), std::string::npos)
      << etag.status().ToString();
  EXPECT_FALSE(started_id.empty());
  EXPECT_TRUE(client.ListMultipartUploads().value().empty());
  EXPECT_FALSE(client.HeadObject("a.tar").ok());

  // An uploader killed mid-upload leaves its upload behind until someone aborts it.
  auto orphan = client.StartMultipartUpload("orphan.tar");
  ASSERT_TRUE(orphan.ok()) << orphan.status().ToString();
  auto listed = client.ListMultipartUploads();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "orphan.tar");
  EXPECT_EQ(
      client.AbortStaleUploads(std::chrono::system_clock::now() - std::chrono::hours(1)).value(),
      0);
  EXPECT_EQ(
      client.AbortStaleUploads(std::chrono::system_clock::now() + std::chrono::minutes(1)).value(),
      1);
  EXPECT_TRUE(client.ListMultipartUploads().value().empty());
  EXPECT_EQ(client.AbortMultipartUpload("orphan.tar", *orphan).code(), StatusCode::kNotFound);
  fs::remove(source);
}

TEST_F(S3Test, WhatS3cmdUploadsWeReadBack) {
  const std::string source = WorkDir() + "/from-s3cmd";
  WriteRandomFile(source, 3'000'000, 3);
  auto put = S3cmd("put " + source + " s3://lockstep-backups/backups/from-s3cmd.bin");
  ASSERT_TRUE(put.ok() && put->exit_code == 0) << (put.ok() ? put->output : "");
  const std::string copy = WorkDir() + "/from-s3cmd.copy";
  const Status got = Client().GetObjectToFile("from-s3cmd.bin", copy);
  ASSERT_TRUE(got.ok()) << got.ToString();
  EXPECT_EQ(Sha256OfFile(copy).value(), Sha256OfFile(source).value());
}

TEST_F(S3Test, UnreachableEndpointIsRetryable) {
  s3::S3ClientOptions options = store_->ClientOptions();
  options.location.endpoint = "http://127.0.0.1:1";
  options.timeout = std::chrono::seconds(2);
  const Status status = s3::S3Client::Create(options).value().PutObject("x", "y");
  EXPECT_TRUE(s3::IsRetryable(status)) << status.ToString();
  EXPECT_NE(status.message().find("http://127.0.0.1:1"), std::string::npos) << status.ToString();
}

TEST_F(S3Test, CredentialsFileIsPrivateAndReadable) {
  const std::string path = WorkDir() + "/credentials";
  ASSERT_TRUE(store_->WriteCredentialsFile(path).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto credentials = s3::ReadCredentialsFile(path);
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, store_->options().access_key);
}

}  // namespace
}  // namespace lockstep::integration
