// What the cluster writes to its bucket carries a tag a planted object lacks
// (agent/offsite/bucket_tag.h).
#include "agent/offsite/bucket_tag.h"

#include <gtest/gtest.h>

namespace lockstep::agent {
namespace {

constexpr char kClusterSecret[] = "cluster-secret-0123456789abcde";
const std::string kName = "catalog/b1.json";
const std::string kBody = "{\"id\":\"b1\"}";

s3::Metadata Tagged(const BucketSigner& signer, const std::string& name, const std::string& body) {
  return {{kBucketTagMetadata, signer.Tag(name, body)}};
}

TEST(BucketTag, ARecordThisClusterWroteVerifies) {
  BucketSigner signer(kClusterSecret);
  EXPECT_TRUE(signer.Check(kName, kBody, Tagged(signer, kName, kBody), "where").ok());
  // Another master of the same cluster derives the same key.
  EXPECT_TRUE(
      BucketSigner(kClusterSecret).Check(kName, kBody, Tagged(signer, kName, kBody), "w").ok());
}

TEST(BucketTag, PlantedAlteredMovedOrForeignRecordsAreRefusedNamingThem) {
  BucketSigner signer(kClusterSecret);
  Status missing = signer.Check(kName, kBody, {}, "prefix/catalog/b1.json");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("prefix/catalog/b1.json carries no lockstep-tag"),
            std::string::npos)
      << missing.message();
  const s3::Metadata tag = Tagged(signer, kName, kBody);
  EXPECT_FALSE(signer.Check(kName, kBody + " ", tag, "w").ok()) << "altered";
  EXPECT_FALSE(signer.Check("catalog/b2.json", kBody, tag, "w").ok()) << "moved";
  BucketSigner other("another-cluster-secret-0000000");
  Status foreign = other.Check(kName, kBody, tag, "w");
  EXPECT_FALSE(foreign.ok());
  EXPECT_NE(foreign.message().find("does not verify"), std::string::npos) << foreign.message();
  EXPECT_EQ(foreign.message().find(kClusterSecret), std::string::npos);
}

}  // namespace
}  // namespace lockstep::agent
