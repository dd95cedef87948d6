// S3's XML answers as structs, and the one XML request body Lockstep sends (the part list that
// completes a multipart upload). Parsers return Corruption for a body that isn't the answer
// they expect, naming the element they missed. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lockstep::s3 {

// <Error><Code>NoSuchKey</Code><Message>…</Message><Resource>…</Resource>…</Error>
struct ErrorBody {
  std::string code;
  std::string message;
  std::string resource;
  std::string request_id;
};
// nullopt when `body` is not an S3 <Error> document (empty, HTML from a proxy, …).
std::optional<ErrorBody> ParseErrorBody(std::string_view body);

// ETags are kept as S3 sends them, quotes included: that is what CompleteMultipartUpload wants.
struct ObjectSummary {
  std::string key;  // the full key, bucket prefix included
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601, as S3 sends it
};

struct ListObjectsPage {
  std::vector<ObjectSummary> objects;
  std::vector<std::string> common_prefixes;  // with a delimiter only
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};
Result<ListObjectsPage> ParseListObjectsV2(std::string_view body);

struct MultipartUpload {
  std::string key;
  std::string upload_id;
  std::string initiated;  // ISO 8601
};

struct MultipartUploadsPage {
  std::vector<MultipartUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
Result<MultipartUploadsPage> ParseListMultipartUploads(std::string_view body);

// The UploadId of an <InitiateMultipartUploadResult>.
Result<std::string> ParseInitiateMultipartUpload(std::string_view body);

struct CompletedPart {
  int number = 0;
  std::string etag;
};
std::string CompleteMultipartUploadBody(const std::vector<CompletedPart>& parts);
// The ETag of a <CompleteMultipartUploadResult>. S3 may answer 200 and still fail the
// completion with an <Error> body; the caller checks ParseErrorBody first.
Result<std::string> ParseCompleteMultipartUpload(std::string_view body);

// Escapes &, <, >, " and ' for XML text.
std::string XmlEscape(std::string_view text);

}  // namespace lockstep::s3
