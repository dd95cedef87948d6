// S3Client's uploads from files and the housekeeping of multipart uploads (listing, aborting).
#include <ctime>
#include <filesystem>

#include "s3/digest.h"
#include "s3/s3_client.h"
#include "s3/s3_errors.h"

namespace lockstep::s3 {
namespace {

// S3's "2024-05-01T12:00:00.000Z"; nullopt when it isn't that.
std::optional<std::chrono::system_clock::time_point> ParseIsoTime(const std::string& text) {
  std::tm tm{};
  if (sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
             &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

Result<std::string> S3Client::UploadFile(const std::string& name, const std::string& path,
                                         const UploadOptions& options) const {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return IoError("cannot upload " + path + ": " + ec.message());
  if (size <= options_.part_size) return PutFile(name, path, size, options);
  ASSIGN_OR_RETURN(std::string upload_id, StartMultipartUpload(name, options.metadata));
  if (options.on_start) options.on_start(upload_id);
  Result<std::string> etag = UploadParts(name, upload_id, path, size, options);
  if (etag.ok()) return etag;
  // Parts of an unfinished upload are stored (and billed) until aborted.
  const Status aborted = AbortMultipartUpload(name, upload_id);
  return Status(etag.status().code(),
                etag.status().message() +
                    (aborted.ok() ? "; the upload was aborted"
                                  : "; aborting the upload failed too (" + aborted.message() +
                                        "); AbortStaleUploads will remove it"));
}

Result<std::string> S3Client::PutFile(const std::string& name, const std::string& path,
                                      uint64_t size, const UploadOptions& options) const {
  ASSIGN_OR_RETURN(BodyDigests digests, DigestOfFileRange(path, 0, size));
  Request request{.method = "PUT", .name = name};
  request.upload_file = path;
  request.upload_length = size;
  request.upload_sha256 = digests.sha256_hex;
  request.progress = options.progress;
  request.headers.emplace_back("Content-MD5", digests.md5_base64);
  for (const auto& [key, value] : options.metadata) {
    request.headers.emplace_back("x-amz-meta-" + key, value);
  }
  request.context = Context("uploading " + path + " to", name);
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  return reply.headers["etag"];
}

Result<std::string> S3Client::StartMultipartUpload(const std::string& name,
                                                   const Metadata& metadata) const {
  Request request{.method = "POST", .name = name};
  request.query = {{"uploads", ""}};
  for (const auto& [key, value] : metadata)
    request.headers.emplace_back("x-amz-meta-" + key, value);
  request.context = Context("starting a multipart upload of", name);
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  Result<std::string> upload_id = ParseInitiateMultipartUpload(reply.body);
  if (!upload_id.ok()) return upload_id.status().Prepend(request.context.Describe());
  return upload_id;
}

Result<std::string> S3Client::UploadParts(const std::string& name, const std::string& upload_id,
                                          const std::string& path, uint64_t size,
                                          const UploadOptions& options) const {
  std::vector<CompletedPart> parts;
  for (uint64_t offset = 0; offset < size; offset += options_.part_size) {
    if (options.cancel && options.cancel->load()) {
      return Status(StatusCode::kInternal, "uploading " + path + " to s3://" +
                                               options_.location.bucket + "/" + Key(name) +
                                               " cancelled");
    }
    const uint64_t length = std::min(options_.part_size, size - offset);
    http::TransferProgress progress;
    if (options.progress) {
      progress = [&, offset](uint64_t done, uint64_t) { options.progress(offset + done, size); };
    }
    const int number = static_cast<int>(parts.size()) + 1;
    ASSIGN_OR_RETURN(CompletedPart part,
                     UploadPart(name, upload_id, number, path, offset, length, progress));
    parts.push_back(std::move(part));
  }
  return CompleteMultipart(name, upload_id, parts);
}

Result<CompletedPart> S3Client::UploadPart(const std::string& name, const std::string& upload_id,
                                           int number, const std::string& path, uint64_t offset,
                                           uint64_t length,
                                           const http::TransferProgress& progress) const {
  ASSIGN_OR_RETURN(BodyDigests digests, DigestOfFileRange(path, offset, length));
  Request request{.method = "PUT", .name = name};
  request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  request.upload_file = path;
  request.upload_offset = offset;
  request.upload_length = length;
  request.upload_sha256 = digests.sha256_hex;
  request.progress = progress;
  request.headers.emplace_back("Content-MD5", digests.md5_base64);
  request.context = Context("uploading part " + std::to_string(number) + " of", name);
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  if (reply.headers["etag"].empty()) {
    return Corruption(request.context.Describe() + ": the reply has no ETag");
  }
  return CompletedPart{number, reply.headers["etag"]};
}

Result<std::string> S3Client::CompleteMultipart(const std::string& name,
                                                const std::string& upload_id,
                                                const std::vector<CompletedPart>& parts) const {
  Request request{.method = "POST", .name = name, .body = CompleteMultipartUploadBody(parts)};
  request.query = {{"uploadId", upload_id}};
  request.content_type = "application/xml";
  request.context =
      Context("completing the upload (" + Plural(parts.size(), "part") + ") of", name);
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  // S3 can fail a completion after answering 200: the error is then in the body.
  if (ParseErrorBody(reply.body)) {
    reply.status = 500;
    return StatusFromReply(request.context, reply);
  }
  Result<std::string> etag = ParseCompleteMultipartUpload(reply.body);
  if (!etag.ok()) return etag.status().Prepend(request.context.Describe());
  return etag;
}

Status S3Client::AbortMultipartUpload(const std::string& name, const std::string& upload_id) const {
  Request request{.method = "DELETE", .name = name};
  request.query = {{"uploadId", upload_id}};
  request.context = Context("aborting upload " + upload_id + " of", name);
  return Send(request).status();
}

Result<std::vector<MultipartUpload>> S3Client::ListMultipartUploads() const {
  std::vector<MultipartUpload> all;
  std::string key_marker;
  std::string upload_id_marker;
  const std::string& prefix = options_.location.prefix;
  while (true) {
    Request request{.bucket_level = true};
    request.query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    request.context = Context("listing multipart uploads in", "*");
    ASSIGN_OR_RETURN(http::Reply reply, Send(request));
    Result<MultipartUploadsPage> page = ParseListMultipartUploads(reply.body);
    if (!page.ok()) return page.status().Prepend(request.context.Describe());
    for (MultipartUpload& upload : page->uploads) {
      upload.key = upload.key.substr(std::min(upload.key.size(), prefix.size()));
      all.push_back(std::move(upload));
    }
    if (!page->truncated) return all;
    key_marker = page->next_key_marker;
    upload_id_marker = page->next_upload_id_marker;
  }
}

Result<int> S3Client::AbortStaleUploads(
    std::chrono::system_clock::time_point started_before) const {
  ASSIGN_OR_RETURN(std::vector<MultipartUpload> uploads, ListMultipartUploads());
  int aborted = 0;
  for (const MultipartUpload& upload : uploads) {
    const auto initiated = ParseIsoTime(upload.initiated);
    // An upload without a readable start time is left alone: it may be running now.
    if (!initiated || *initiated >= started_before) continue;
    RETURN_IF_ERROR(AbortMultipartUpload(upload.key, upload.upload_id));
    ++aborted;
  }
  return aborted;
}

}  // namespace lockstep::s3
