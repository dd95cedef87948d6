#include "tests/memory_object_store.h"

#include "common/file.h"
#include "common/sha256.h"

namespace lockstep::testing {

Status MemoryBucket::Call() {
  std::lock_guard lock(mu);
  ++calls;
  if (failures_left > 0) {
    --failures_left;
    return Status(StatusCode::kUnavailable, "the memory bucket fails this call, as asked");
  }
  return Status::Ok();
}

bool MemoryBucket::Has(const std::string& name) const {
  std::lock_guard lock(mu);
  return objects.count(name) > 0;
}

std::vector<std::string> MemoryBucket::Names(const std::string& prefix) const {
  std::lock_guard lock(mu);
  std::vector<std::string> names;
  for (const auto& [name, object] : objects) {
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

Status MemoryObjectStore::PutObject(const std::string& name, const std::string& data,
                                    const s3::Metadata& metadata) const {
  RETURN_IF_ERROR(bucket_->Call());
  std::lock_guard lock(bucket_->mu);
  bucket_->objects[name] = {data, metadata};
  return Status::Ok();
}

Result<std::string> MemoryObjectStore::UploadFile(const std::string& name, const std::string& path,
                                                  const s3::UploadOptions& options) const {
  RETURN_IF_ERROR(bucket_->Call());
  ASSIGN_OR_RETURN(std::string data, ReadSmallFile(path, 1 << 30));
  if (options.progress) options.progress(data.size(), data.size());
  const std::string etag = "\"" + Sha256Hex(data) + "\"";
  std::lock_guard lock(bucket_->mu);
  bucket_->objects[name] = {std::move(data), options.metadata};
  return etag;
}

Status MemoryObjectStore::GetObjectToFile(const std::string& name, const std::string& path,
                                          const http::TransferProgress& progress) const {
  ASSIGN_OR_RETURN(s3::StoredObject object, GetObjectAndMetadata(name, 1 << 30));
  if (progress) progress(object.body.size(), object.body.size());
  return WriteFileAtomically(path, object.body);
}

Result<s3::ObjectInfo> MemoryObjectStore::HeadObject(const std::string& name) const {
  RETURN_IF_ERROR(bucket_->Call());
  std::lock_guard lock(bucket_->mu);
  auto found = bucket_->objects.find(name);
  if (found == bucket_->objects.end()) return NotFound("no object " + name);
  return s3::ObjectInfo{.size = found->second.data.size(),
                        .etag = "\"" + Sha256Hex(found->second.data) + "\"",
                        .metadata = found->second.metadata};
}

Result<s3::StoredObject> MemoryObjectStore::GetObjectAndMetadata(const std::string& name,
                                                                 size_t limit) const {
  RETURN_IF_ERROR(bucket_->Call());
  std::lock_guard lock(bucket_->mu);
  auto found = bucket_->objects.find(name);
  if (found == bucket_->objects.end()) return NotFound("no object " + name);
  if (found->second.data.size() > limit) return InvalidArgument(name + " is over the limit");
  return s3::StoredObject{.body = found->second.data, .metadata = found->second.metadata};
}

Status MemoryObjectStore::DeleteObject(const std::string& name) const {
  RETURN_IF_ERROR(bucket_->Call());
  std::lock_guard lock(bucket_->mu);
  bucket_->objects.erase(name);
  return Status::Ok();
}

Result<std::vector<s3::ObjectSummary>> MemoryObjectStore::ListAllObjects(
    const std::string& name_prefix) const {
  RETURN_IF_ERROR(bucket_->Call());
  std::lock_guard lock(bucket_->mu);
  std::vector<s3::ObjectSummary> summaries;
  for (const auto& [name, object] : bucket_->objects) {
    if (name.starts_with(name_prefix)) {
      summaries.push_back({.key = name, .size = object.data.size()});
    }
  }
  return summaries;
}

Result<int> MemoryObjectStore::AbortStaleUploads(std::chrono::system_clock::time_point) const {
  RETURN_IF_ERROR(bucket_->Call());
  return 0;
}

}  // namespace lockstep::testing
