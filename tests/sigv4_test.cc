// The signer against the examples AWS publishes in the S3 API reference ("Signature
// Calculations for the Authorization Header: Transferring Payload in a Single Chunk"): the same
// credentials, date, requests, canonical requests, strings to sign and signatures.
#include "s3/sigv4.h"

#include <gtest/gtest.h>

namespace lockstep::s3 {
namespace {

constexpr char kHost[] = "examplebucket.s3.amazonaws.com";
constexpr char kDate[] = "20130524T000000Z";

SigningInput AwsExampleInput() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", kDate};
}

RequestToSign Get(std::string path, NameValues query, NameValues extra_headers = {}) {
  RequestToSign request{"GET", std::move(path), std::move(query), std::move(extra_headers),
                        kEmptyPayloadSha256};
  request.headers.emplace_back("Host", kHost);
  request.headers.emplace_back("x-amz-date", kDate);
  request.headers.emplace_back("x-amz-content-sha256", kEmptyPayloadSha256);
  return request;
}

std::string ExpectedAuthorization(const std::string& signed_headers, const std::string& sig) {
  return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
         "SignedHeaders=" +
         signed_headers + ",Signature=" + sig;
}

TEST(SigV4, GetObjectWithRangeMatchesAwsExample) {
  const Signature sig = Sign(Get("/test.txt", {}, {{"Range", "bytes=0-9"}}), AwsExampleInput());
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n/test.txt\n\n"
      "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sig.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(
      sig.authorization,
      ExpectedAuthorization("host;range;x-amz-content-sha256;x-amz-date",
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(SigV4, PutObjectMatchesAwsExample) {
  const std::string payload_sha256 =
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";  // "Welcome to Amazon
                                                                           // S3."
  RequestToSign request{"PUT", "/test$file.text", {}, {}, payload_sha256};
  request.headers = {{"Host", kHost},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", kDate},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", payload_sha256}};
  const Signature sig = Sign(request, AwsExampleInput());
  EXPECT_EQ(
      sig.canonical_request,
      "PUT\n/test%24file.text\n\n"
      "date:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(sig.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, GetBucketLifecycleMatchesAwsExample) {
  const Signature sig = Sign(Get("/", {{"lifecycle", ""}}), AwsExampleInput());
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n/\nlifecycle=\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(sig.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, ListObjectsMatchesAwsExampleWithQuerySorted) {
  // Given out of order: the canonical query sorts by name.
  const Signature sig = Sign(Get("/", {{"prefix", "J"}, {"max-keys", "2"}}), AwsExampleInput());
  EXPECT_EQ(
      sig.canonical_request,
      "GET\n/\nmax-keys=2&prefix=J\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(sig.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, UnsignedHeadersStayOutOfTheSignature) {
  const Signature plain = Sign(Get("/test.txt", {}), AwsExampleInput());
  const Signature with_agent =
      Sign(Get("/test.txt", {}, {{"User-Agent", "lockstep"}, {"Content-Type", "text/plain"}}),
           AwsExampleInput());
  EXPECT_EQ(plain.signature, with_agent.signature);
  EXPECT_EQ(with_agent.signed_headers, "host;x-amz-content-sha256;x-amz-date");
}

TEST(SigV4, HeaderValuesAreTrimmedAndInnerBlanksCollapsed) {
  const Signature tidy = Sign(Get("/k", {}, {{"x-amz-meta-note", "a b"}}), AwsExampleInput());
  const Signature messy =
      Sign(Get("/k", {}, {{"X-Amz-Meta-Note", "  a   b \t"}}), AwsExampleInput());
  EXPECT_EQ(tidy.signature, messy.signature);
}

TEST(SigV4, AnotherSecretGivesAnotherSignature) {
  SigningInput wrong = AwsExampleInput();
  wrong.secret_access_key += "x";
  EXPECT_NE(Sign(Get("/test.txt", {}), wrong).signature,
            Sign(Get("/test.txt", {}), AwsExampleInput()).signature);
}

TEST(UriEncode, KeepsUnreservedAndEncodesEverythingElseUppercase) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c", false), "a%20b%2Bc");
  EXPECT_EQ(UriEncode("=&?#*!'()$,;:@", false), "%3D%26%3F%23%2A%21%27%28%29%24%2C%3B%3A%40");
  EXPECT_EQ(UriEncode("\xC3\xA9", false), "%C3%A9");  // UTF-8 bytes one by one
  EXPECT_EQ(UriEncode(std::string("a\0b", 3), false), "a%00b");
}

TEST(UriEncode, SlashKeptInPathsOnly) {
  EXPECT_EQ(UriEncode("/bucket/dir/file", true), "/bucket/dir/file");
  EXPECT_EQ(UriEncode("dir/file", false), "dir%2Ffile");
}

TEST(UriEncode, S3EncodesOnceSoPercentBecomesPercent25) {
  // S3 does not double-encode: a key that contains "%20" is sent and signed as "%2520".
  EXPECT_EQ(UriEncode("/b/100%20done", true), "/b/100%2520done");
}

TEST(CanonicalQuery, SortsByEncodedNameThenValueAndEncodesBoth) {
  EXPECT_EQ(
      CanonicalQuery({{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
      "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(AmzDate, FormatsUtc) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
}

}  // namespace
}  // namespace lockstep::s3
