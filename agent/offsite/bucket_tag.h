// Authentication tags on what the cluster writes to its bucket: catalog records and archived
// segments' records. Anyone who can write to the bucket could otherwise plant a record (and the
// archive or segment it names, with a matching sha256) that a master adopts after a disaster
// and offers as restorable. Each record object carries, as its user metadata lockstep-tag,
// "v1:" + HMAC-SHA-256 over its name and bytes under a key every master derives from the same
// secret: [repository] signing_key_file when set, else the cluster credential. The archive and
// segment objects themselves are covered by the sha256 their signed record holds.
#pragma once

#include <string>

#include "common/status.h"
#include "s3/object_store.h"

namespace lockstep::agent {

// The metadata name the tag is stored under (x-amz-meta-lockstep-tag).
inline constexpr char kBucketTagMetadata[] = "lockstep-tag";

class BucketSigner {
 public:
  // The signer whose key is derived from `secret` (the signing key file's contents or the
  // cluster credential).
  explicit BucketSigner(const std::string& secret);

  // The tag for the object `name` (relative to the prefix) holding `body`.
  std::string Tag(const std::string& name, const std::string& body) const;
  // OK when `metadata` carries the tag of `name` holding `body`; InvalidArgument naming `where`
  // and what is wrong (missing, or not this cluster's).
  Status Check(const std::string& name, const std::string& body, const s3::Metadata& metadata,
               const std::string& where) const;

 private:
  std::string key_;
};

}  // namespace lockstep::agent
