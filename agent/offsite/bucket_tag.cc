#include "agent/offsite/bucket_tag.h"

#include "common/sha256.h"

namespace lockstep::agent {
namespace {

constexpr char kKeyContext[] = "lockstep-bucket-signing-v1";
constexpr char kTagVersion[] = "v1:";

}  // namespace

BucketSigner::BucketSigner(const std::string& secret) : key_(HmacSha256Hex(secret, kKeyContext)) {}

std::string BucketSigner::Tag(const std::string& name, const std::string& body) const {
  return kTagVersion + HmacSha256Hex(key_, name + "\n" + body);
}

Status BucketSigner::Check(const std::string& name, const std::string& body,
                           const s3::Metadata& metadata, const std::string& where) const {
  auto tag = metadata.find(kBucketTagMetadata);
  if (tag == metadata.end()) {
    return InvalidArgument(where +
                           " carries no lockstep-tag: this cluster did not write it (planted, or "
                           "written before Lockstep signed its records); it is not adopted");
  }
  if (!HexDigestsEqual(tag->second, Tag(name, body))) {
    return InvalidArgument(where +
                           "'s lockstep-tag does not verify: it was altered, or written by a "
                           "cluster with another signing key (cluster credential or [repository] "
                           "signing_key_file); it is not adopted");
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
