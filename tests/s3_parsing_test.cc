// Credentials files and environment, S3's XML answers from literal sample bodies, and how S3
// errors become Status values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "s3/credentials.h"
#include "s3/digest.h"
#include "s3/s3_errors.h"
#include "s3/s3_responses.h"

namespace lockstep::s3 {
namespace {

constexpr char kFile[] = R"(# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[profile backup]
region = eu-west-1
aws_access_key_id=AKIDBACKUP
aws_secret_access_key=backup-secret
aws_session_token = token-value
)";

TEST(Credentials, ReadsTheDefaultProfile) {
  auto got = ParseCredentialsFile(kFile, "/etc/creds");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(got->secret_access_key, "default-secret");
  EXPECT_EQ(got->session_token, "");
}

TEST(Credentials, ReadsANamedProfileWithItsSessionToken) {
  auto got = ParseCredentialsFile(kFile, "/etc/creds", "backup");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDBACKUP");
  EXPECT_EQ(got->secret_access_key, "backup-secret");
  EXPECT_EQ(got->session_token, "token-value");
}

TEST(Credentials, MissingProfileNamesFileAndProfile) {
  auto got = ParseCredentialsFile(kFile, "/etc/creds", "nope");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find("/etc/creds"), std::string::npos);
  EXPECT_NE(got.status().message().find("[nope]"), std::string::npos);
}

TEST(Credentials, ProfileWithoutSecretSaysWhichKeyIsMissing) {
  auto got = ParseCredentialsFile("[default]\naws_access_key_id = AKID\n", "/c");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("aws_secret_access_key is missing"), std::string::npos);
}

TEST(Credentials, GarbledLineNamesTheLineButNeverItsText) {
  auto got = ParseCredentialsFile("[default]\nwJalrXUtnFEMI/K7MDENG\n", "/c");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("/c line 2"), std::string::npos);
  EXPECT_EQ(got.status().message().find("wJalr"), std::string::npos);
}

TEST(Credentials, SecretsNeverAppearInErrors) {
  auto got = ParseCredentialsFile("[default]\naws_secret_access_key = s3cr3t\n", "/c");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("s3cr3t"), std::string::npos);
}

TEST(Credentials, UnreadableFileIsAnIoErrorNamingThePath) {
  auto got = ReadCredentialsFile("/nonexistent/lockstep-credentials");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kIoError);
  EXPECT_NE(got.status().message().find("/nonexistent/lockstep-credentials"), std::string::npos);
}

TEST(Credentials, ReadsAFile) {
  const std::string path = testing::TempDir() + "/lockstep-s3-credentials";
  std::ofstream(path) << kFile;
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto got = ReadCredentialsFile(path, "backup");
  std::filesystem::remove(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDBACKUP");
}

TEST(Credentials, AFileOthersCanReadIsRefusedLikeEveryOtherSecretsFile) {
  const std::string path = testing::TempDir() + "/lockstep-s3-credentials-open";
  std::ofstream(path) << kFile;
  for (auto perms : {std::filesystem::perms::group_read, std::filesystem::perms::others_read}) {
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | perms);
    auto got = ReadCredentialsFile(path, "backup");
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.status().message().find("chmod 600 " + path), std::string::npos)
        << got.status().message();
    EXPECT_EQ(got.status().message().find("AKIDBACKUP"), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(Credentials, FromEnvironment) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  EXPECT_EQ(CredentialsFromEnvironment().status().code(), StatusCode::kNotFound);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  auto half = CredentialsFromEnvironment();
  EXPECT_EQ(half.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(half.status().message().find("only AWS_ACCESS_KEY_ID"), std::string::npos);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  ::setenv("AWS_SESSION_TOKEN", "env-token", 1);
  auto got = CredentialsFromEnvironment();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->access_key_id, "AKIDENV");
  EXPECT_EQ(got->secret_access_key, "env-secret");
  EXPECT_EQ(got->session_token, "env-token");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
}

TEST(S3Xml, ParsesAListObjectsV2Page) {
  auto page = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>backups/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>backups/a &amp; b.tar</Key><LastModified>2024-05-01T12:00:00.000Z</LastModified>
    <ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>backups/b.tar</Key><ETag>"abc-3"</ETag><Size>41943040</Size></Contents>
</ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "backups/a & b.tar");
  EXPECT_EQ(page->objects[0].etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
  EXPECT_EQ(page->objects[0].last_modified, "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(page->objects[1].size, 41943040u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3Xml, RejectsAListingThatIsNotOne) {
  EXPECT_EQ(ParseListObjectsV2("<Error><Code>X</Code></Error>").status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><Contents>").status().code(),
            StatusCode::kCorruption);
  auto bad_size = ParseListObjectsV2(
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>");
  EXPECT_NE(bad_size.status().message().find("bad <Size>"), std::string::npos);
}

TEST(S3Xml, ParsesAnError) {
  auto error = ParseErrorBody(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>
<Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>)");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The resource you requested does not exist");
  EXPECT_EQ(error->resource, "/mybucket/myfoto.jpg");
  EXPECT_EQ(error->request_id, "4442587FB7D0A2F9");
  EXPECT_FALSE(ParseErrorBody("").has_value());
  EXPECT_FALSE(ParseErrorBody("<html>Bad Gateway</html>").has_value());
}

TEST(S3Xml, ParsesMultipartAnswers) {
  auto id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "VXBsb2FkIElE");
  auto etag = ParseCompleteMultipartUpload(
      "<CompleteMultipartUploadResult><Location>http://b/k</Location><Bucket>b</Bucket>"
      "<Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"
      "</CompleteMultipartUploadResult>");
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(*etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
  auto uploads = ParseListMultipartUploads(
      "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>p/b</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>"
      "<Upload><Key>p/a</Key><UploadId>u1</UploadId>"
      "<Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>"
      "<Upload><Key>p/b</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>");
  ASSERT_TRUE(uploads.ok()) << uploads.status().ToString();
  ASSERT_EQ(uploads->uploads.size(), 2u);
  EXPECT_EQ(uploads->uploads[0].key, "p/a");
  EXPECT_EQ(uploads->uploads[0].initiated, "2010-11-10T20:48:33.000Z");
  EXPECT_EQ(uploads->uploads[1].upload_id, "u2");
  EXPECT_TRUE(uploads->truncated);
  EXPECT_EQ(uploads->next_key_marker, "p/b");
}

TEST(S3Xml, CompleteBodyListsPartsWithEscapedETags) {
  EXPECT_EQ(CompleteMultipartUploadBody({{1, "\"a\""}, {2, "\"b\""}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

http::Reply ErrorReply(int status, const std::string& code) {
  http::Reply reply;
  reply.status = status;
  reply.body = "<Error><Code>" + code + "</Code><Message>text from S3</Message></Error>";
  return reply;
}

TEST(S3Errors, SayWhatWhereCodeMessageAndWhatToDo) {
  RequestContext context{"reading", "http://127.0.0.1:9000", "bucket", "backups/a.tar"};
  const Status status = StatusFromReply(context, ErrorReply(403, "SignatureDoesNotMatch"));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "reading s3://bucket/backups/a.tar at http://127.0.0.1:9000 failed: HTTP 403 "
            "SignatureDoesNotMatch: text from S3; check the secret access key for this access "
            "key id, and the endpoint's region (some stores, Swift's S3 API among them, also "
            "answer so for an access key id they do not know)");
  EXPECT_FALSE(IsRetryable(status));
}

TEST(S3Errors, RetryableAndPermanentAreTold) {
  RequestContext context{"reading", "http://e", "b", "k"};
  EXPECT_TRUE(IsRetryable(StatusFromReply(context, ErrorReply(503, "SlowDown"))));
  EXPECT_TRUE(IsRetryable(StatusFromReply(context, ErrorReply(500, "InternalError"))));
  EXPECT_TRUE(IsRetryable(StatusFromReply(context, ErrorReply(400, "RequestTimeout"))));
  EXPECT_EQ(StatusFromReply(context, ErrorReply(404, "NoSuchKey")).code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromReply(context, ErrorReply(403, "InvalidAccessKeyId")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusFromReply(context, ErrorReply(400, "InvalidArgument")).code(),
            StatusCode::kInvalidArgument);
  http::Reply head_miss;
  head_miss.status = 404;  // a HEAD reply has no body
  EXPECT_EQ(StatusFromReply(context, head_miss).code(), StatusCode::kNotFound);
  EXPECT_TRUE(IsRetryable(StatusFromTransport(
      context, Status(StatusCode::kUnavailable, "http://e/b/k unreachable: Connection refused"))));
  http::Reply ok;
  EXPECT_TRUE(StatusFromReply(context, ok).ok());
}

TEST(Digest, Md5IsBase64AndSha256IsHex) {
  const BodyDigests digests = DigestOf("Welcome to Amazon S3.");
  EXPECT_EQ(digests.sha256_hex, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(DigestOf("").md5_base64, "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Base64("ab"), "YWI=");
}

}  // namespace
}  // namespace lockstep::s3
