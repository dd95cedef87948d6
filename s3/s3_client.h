// A client for one bucket and key prefix at one S3-compatible endpoint (AWS S3, MinIO, Ceph,
// the test server in tools/s3), over common/http with every request signed with Signature
// Version 4 (s3/sigv4.h).
//
// Names: every object name the API takes or returns is relative to the location's prefix
// ("backups/" + "2024/a.tar" is the key "backups/2024/a.tar" in the bucket).
// Errors: Status values built by s3_errors.h: what failed, where, S3's Code and Message and what
// to do next; IsRetryable(status) tells a caller to back off and retry the same call.
// Thread-safe: calls share only immutable state, each with its own connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/http/url.h"
#include "common/status.h"
#include "s3/credentials.h"
#include "s3/object_store.h"
#include "s3/s3_errors.h"
#include "s3/s3_responses.h"
#include "s3/sigv4.h"

namespace lockstep::s3 {

struct S3Location {
  std::string endpoint;  // "http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // "" or ending in '/' by convention; prepended to every name
  // false: path style (https://endpoint/bucket/key), what MinIO and test servers want;
  // true: virtual-host style (https://bucket.endpoint/key), what AWS prefers.
  bool virtual_host = false;
};

struct S3ClientOptions {
  S3Location location;
  Credentials credentials;
  // S3 allows 5 MiB to 5 GiB per part and 10,000 parts: 16 MiB covers 156 GiB files.
  uint64_t part_size = 16ull << 20;
  // Whole-request deadline for small requests; per-chunk idle timeout while streaming.
  std::chrono::milliseconds timeout{60000};
  std::shared_ptr<boost::asio::ssl::context> tls;  // for https endpoints
  // The clock that dates signatures (a seam for tests); the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> now;
};

class S3Client : public ObjectStore {
 public:
  // InvalidArgument for a bad endpoint URL, an empty bucket or a part size S3 would refuse.
  static Result<S3Client> Create(S3ClientOptions options);

  // Creates the bucket (for sandboxes and tests; production buckets are made by operators).
  Status CreateBucket() const;

  // One PUT of `data`, with its Content-MD5 so S3 refuses a body corrupted in transit.
  Status PutObject(const std::string& name, const std::string& data,
                   const Metadata& metadata = {}) const override;

  // Uploads the file: in one PUT up to part_size, in parts of part_size above it (each with
  // its Content-MD5 and signed sha256; memory stays at a 1 MiB buffer whatever the sizes).
  // Any failure after the upload started aborts it before returning. Returns the ETag.
  Result<std::string> UploadFile(const std::string& name, const std::string& path,
                                 const UploadOptions& options = {}) const override;

  // The object's bytes into `path` (created or truncated), streamed; a failed transfer removes
  // the file. `progress` gets (bytes so far, object size).
  Status GetObjectToFile(const std::string& name, const std::string& path,
                         const http::TransferProgress& progress = {}) const override;
  // The object's bytes in memory: kInvalidArgument when larger than `limit`.
  Result<std::string> GetObject(const std::string& name, size_t limit = 16 << 20) const;

  // kNotFound when there is no such object.
  Result<ObjectInfo> HeadObject(const std::string& name) const override;
  // GetObject's body with the object's user metadata, from the one GET.
  Result<StoredObject> GetObjectAndMetadata(const std::string& name,
                                            size_t limit = 16 << 20) const override;
  // Ok when the object is gone, also when it never existed (S3's semantics).
  Status DeleteObject(const std::string& name) const override;

  // One page (up to 1000) of the objects whose names start with `name_prefix`, in key order;
  // pass the previous page's next_continuation_token for the next. Names are relative.
  Result<ListObjectsPage> ListObjects(const std::string& name_prefix,
                                      const std::string& continuation_token = "") const;
  // Every page of ListObjects.
  Result<std::vector<ObjectSummary>> ListAllObjects(
      const std::string& name_prefix = "") const override;

  // Starts a multipart upload and returns its id (UploadFile does this and the rest; this is for
  // callers and tests that manage parts themselves). Abort it or it stays, billed.
  Result<std::string> StartMultipartUpload(const std::string& name,
                                           const Metadata& metadata = {}) const;
  // Multipart uploads in progress under the location's prefix (names relative).
  Result<std::vector<MultipartUpload>> ListMultipartUploads() const;
  Status AbortMultipartUpload(const std::string& name, const std::string& upload_id) const;
  // Aborts every upload under the prefix started before `started_before` (an uploader killed
  // mid-upload leaves its parts behind, billed, until aborted). Returns how many it aborted.
  Result<int> AbortStaleUploads(
      std::chrono::system_clock::time_point started_before) const override;

  const S3Location& location() const { return options_.location; }

 private:
  // One S3 request before signing. Object-level unless `bucket_level`.
  struct Request {
    std::string method = "GET";
    std::string name;
    bool bucket_level = false;
    NameValues query;
    NameValues headers;  // besides host, x-amz-date, x-amz-content-sha256 and the token
    std::string body;
    std::string content_type = "application/octet-stream";
    std::string upload_file;  // body from this file range instead, with its sha256 precomputed
    uint64_t upload_offset = 0;
    uint64_t upload_length = 0;
    std::string upload_sha256;
    std::string download_file;
    http::TransferProgress progress;
    size_t reply_limit = 16 << 20;
    RequestContext context;
  };
  explicit S3Client(S3ClientOptions options, http::Url endpoint);

  // Signs and sends; a non-2xx reply becomes the classified Status.
  Result<http::Reply> Send(const Request& request) const;
  RequestContext Context(const std::string& operation, const std::string& name) const;
  std::string Key(const std::string& name) const { return options_.location.prefix + name; }

  Result<std::string> PutFile(const std::string& name, const std::string& path, uint64_t size,
                              const UploadOptions& options) const;
  Result<std::string> UploadParts(const std::string& name, const std::string& upload_id,
                                  const std::string& path, uint64_t size,
                                  const UploadOptions& options) const;
  Result<CompletedPart> UploadPart(const std::string& name, const std::string& upload_id,
                                   int number, const std::string& path, uint64_t offset,
                                   uint64_t length, const http::TransferProgress& progress) const;
  Result<std::string> CompleteMultipart(const std::string& name, const std::string& upload_id,
                                        const std::vector<CompletedPart>& parts) const;

  S3ClientOptions options_;
  http::Url endpoint_;
  http::Client http_;
};

}  // namespace lockstep::s3
