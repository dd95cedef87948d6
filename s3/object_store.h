// What the repository needs of a bucket (agent/offsite/repository.h): objects by name, relative
// to a key prefix, put whole or uploaded from a file, read, described, listed and deleted.
// S3Client (s3_client.h) is the one that speaks to S3; unit tests use an in-memory one
// (tests/memory_object_store.h) so what sits on a bucket can be tested without a server.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/status.h"
#include "s3/s3_responses.h"

namespace lockstep::s3 {

// User metadata: sent as x-amz-meta-NAME headers. S3 lowercases the names.
using Metadata = std::map<std::string, std::string>;

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;  // as S3 sends it, quotes included
  std::string last_modified;
  Metadata metadata;  // names without the x-amz-meta- prefix
};

// An object read whole, with its user metadata.
struct StoredObject {
  std::string body;
  Metadata metadata;  // names without the x-amz-meta- prefix
};

struct UploadOptions {
  Metadata metadata;
  http::TransferProgress progress;  // bytes of the file sent so far, of its size
  // Called with the upload id as soon as S3 gives it, before any part is sent: a caller that
  // records it can abort the upload after a crash (or use AbortStaleUploads).
  std::function<void(const std::string& upload_id)> on_start;
  // Checked between parts; when set, the upload is aborted and the call returns kInternal
  // "cancelled".
  const std::atomic<bool>* cancel = nullptr;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // One object of `data` with its user metadata.
  virtual Status PutObject(const std::string& name, const std::string& data,
                           const Metadata& metadata = {}) const = 0;
  // The file at `path` as one object; returns its ETag. A failure leaves no partial object.
  virtual Result<std::string> UploadFile(const std::string& name, const std::string& path,
                                         const UploadOptions& options = {}) const = 0;
  // The object's bytes into `path` (created or truncated); a failed transfer removes the file.
  virtual Status GetObjectToFile(const std::string& name, const std::string& path,
                                 const http::TransferProgress& progress = {}) const = 0;
  // kNotFound when there is no such object.
  virtual Result<ObjectInfo> HeadObject(const std::string& name) const = 0;
  // The body (kInvalidArgument when larger than `limit`) with the object's user metadata.
  virtual Result<StoredObject> GetObjectAndMetadata(const std::string& name,
                                                    size_t limit = 16 << 20) const = 0;
  // Ok when the object is gone, also when it never existed.
  virtual Status DeleteObject(const std::string& name) const = 0;
  // Every object whose name starts with `name_prefix`, in name order; names relative.
  virtual Result<std::vector<ObjectSummary>> ListAllObjects(
      const std::string& name_prefix = "") const = 0;
  // Aborts the uploads started before `started_before` that were never finished; how many.
  virtual Result<int> AbortStaleUploads(
      std::chrono::system_clock::time_point started_before) const = 0;
};

}  // namespace lockstep::s3
