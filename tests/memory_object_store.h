// An in-memory bucket for unit tests of what sits on one (Repository, BucketArchive): objects by
// name with their metadata, shared by every store a factory hands out, so a repository that opens
// a new client per call sees one bucket. Tests can plant objects as another writer would and make
// the next calls fail, to exercise retries. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "s3/object_store.h"

namespace lockstep::testing {

struct MemoryBucket {
  struct Object {
    std::string data;
    s3::Metadata metadata;
  };
  mutable std::mutex mu;
  std::map<std::string, Object> objects;  // by name
  int failures_left = 0;                  // the next calls that fail with kUnavailable
  int calls = 0;

  // kUnavailable while failures remain (and counts the call); Ok otherwise.
  Status Call();
  bool Has(const std::string& name) const;
  std::vector<std::string> Names(const std::string& prefix = "") const;
};

class MemoryObjectStore : public s3::ObjectStore {
 public:
  explicit MemoryObjectStore(std::shared_ptr<MemoryBucket> bucket) : bucket_(std::move(bucket)) {}

  Status PutObject(const std::string& name, const std::string& data,
                   const s3::Metadata& metadata = {}) const override;
  Result<std::string> UploadFile(const std::string& name, const std::string& path,
                                 const s3::UploadOptions& options = {}) const override;
  Status GetObjectToFile(const std::string& name, const std::string& path,
                         const http::TransferProgress& progress = {}) const override;
  Result<s3::ObjectInfo> HeadObject(const std::string& name) const override;
  Result<s3::StoredObject> GetObjectAndMetadata(const std::string& name,
                                                size_t limit = 16 << 20) const override;
  Status DeleteObject(const std::string& name) const override;
  Result<std::vector<s3::ObjectSummary>> ListAllObjects(
      const std::string& name_prefix = "") const override;
  Result<int> AbortStaleUploads(std::chrono::system_clock::time_point) const override;

 private:
  std::shared_ptr<MemoryBucket> bucket_;
};

}  // namespace lockstep::testing
