#include "s3/s3_client.h"

#include <filesystem>
#include <optional>

#include "common/sha256.h"
#include "s3/digest.h"
#include "s3/s3_errors.h"

namespace lockstep::s3 {

Result<S3Client> S3Client::Create(S3ClientOptions options) {
  ASSIGN_OR_RETURN(http::Url endpoint, http::ParseUrl(options.location.endpoint));
  const S3Location& location = options.location;
  if (location.bucket.empty()) return InvalidArgument("the S3 location needs a bucket");
  if (location.bucket.find('/') != std::string::npos) {
    return InvalidArgument("S3 bucket '" + location.bucket + "' must not contain '/'");
  }
  if (location.region.empty()) return InvalidArgument("the S3 location needs a region");
  if (options.part_size < (5ull << 20) || options.part_size > (5ull << 30)) {
    return InvalidArgument("S3 part size " + std::to_string(options.part_size) +
                           " is outside S3's limits of 5 MiB to 5 GiB");
  }
  if (!options.now) options.now = [] { return std::chrono::system_clock::now(); };
  return S3Client(std::move(options), std::move(endpoint));
}

S3Client::S3Client(S3ClientOptions options, http::Url endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)), http_(options_.tls) {}

RequestContext S3Client::Context(const std::string& operation, const std::string& name) const {
  return {operation, options_.location.endpoint, options_.location.bucket, Key(name)};
}

Result<http::Reply> S3Client::Send(const Request& request) const {
  const S3Location& location = options_.location;
  const std::string key = request.bucket_level ? "" : Key(request.name);
  http::Url url = endpoint_;
  std::string path = "/" + key;
  if (location.virtual_host) {
    url.host = location.bucket + "." + endpoint_.host;
  } else {
    path = "/" + location.bucket + (key.empty() ? "" : "/" + key);
  }
  const bool default_port = url.port == (url.tls ? 443 : 80);
  RequestToSign to_sign{
      request.method, path, request.query, request.headers,
      request.upload_file.empty() ? Sha256Hex(request.body) : request.upload_sha256};
  const std::string amz_date = AmzDate(options_.now());
  to_sign.headers.emplace_back("Host",
                               url.host + (default_port ? "" : ":" + std::to_string(url.port)));
  to_sign.headers.emplace_back("x-amz-date", amz_date);
  to_sign.headers.emplace_back("x-amz-content-sha256", to_sign.payload_sha256);
  const Credentials& credentials = options_.credentials;
  if (!credentials.session_token.empty()) {
    to_sign.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  const Signature signature =
      Sign(to_sign,
           {credentials.access_key_id, credentials.secret_access_key, location.region, amz_date});
  http::CallOptions call;
  call.method = request.method;
  call.target = UriEncode(path, true);
  if (!request.query.empty()) call.target += "?" + CanonicalQuery(request.query);
  call.headers = to_sign.headers;
  call.headers.emplace_back("Authorization", signature.authorization);
  call.headers.emplace_back("Content-Type", request.content_type);
  call.body = request.body;
  call.timeout = options_.timeout;
  call.reply_limit = request.reply_limit;
  call.upload_file = request.upload_file;
  call.upload_offset = request.upload_offset;
  if (!request.upload_file.empty()) call.upload_length = request.upload_length;
  call.download_file = request.download_file;
  call.progress = request.progress;
  Result<http::Reply> reply = http_.Call(url, call);
  if (!reply.ok()) return StatusFromTransport(request.context, reply.status());
  RETURN_IF_ERROR(StatusFromReply(request.context, *reply));
  return reply;
}

Status S3Client::CreateBucket() const {
  Request request{.method = "PUT", .bucket_level = true};
  request.context = Context("creating bucket", "");
  request.context.key.clear();
  return Send(request).status();
}

Status S3Client::PutObject(const std::string& name, const std::string& data,
                           const Metadata& metadata) const {
  Request request{.method = "PUT", .name = name, .body = data};
  request.headers.emplace_back("Content-MD5", DigestOf(data).md5_base64);
  for (const auto& [key, value] : metadata)
    request.headers.emplace_back("x-amz-meta-" + key, value);
  request.context = Context("writing", name);
  return Send(request).status();
}

Status S3Client::GetObjectToFile(const std::string& name, const std::string& path,
                                 const http::TransferProgress& progress) const {
  Request request{.name = name, .download_file = path, .progress = progress};
  request.context = Context("downloading", name);
  request.context.operation = "downloading to " + path + " from";
  Status status = Send(request).status();
  std::error_code ignored;
  if (!status.ok()) std::filesystem::remove(path, ignored);  // no half file posing as whole
  return status;
}

namespace {

// The x-amz-meta-* headers of a reply, without the prefix.
Metadata MetadataOf(const std::map<std::string, std::string>& headers) {
  constexpr std::string_view kMeta = "x-amz-meta-";
  Metadata metadata;
  for (const auto& [header, value] : headers) {
    if (header.starts_with(kMeta)) metadata[header.substr(kMeta.size())] = value;
  }
  return metadata;
}

}  // namespace

Result<std::string> S3Client::GetObject(const std::string& name, size_t limit) const {
  ASSIGN_OR_RETURN(StoredObject object, GetObjectAndMetadata(name, limit));
  return std::move(object.body);
}

Result<StoredObject> S3Client::GetObjectAndMetadata(const std::string& name, size_t limit) const {
  Request request{.name = name, .reply_limit = limit};
  request.context = Context("reading", name);
  Result<http::Reply> reply = Send(request);
  if (!reply.ok()) {
    // The HTTP client refuses a body over its limit as a transport failure; that one is
    // permanent, not a reason to retry.
    if (reply.status().message().find("body limit exceeded") != std::string::npos) {
      return InvalidArgument(request.context.Describe() + ": the object is larger than " +
                             std::to_string(limit) + " bytes; download it to a file");
    }
    return reply.status();
  }
  return StoredObject{.body = std::move(reply->body), .metadata = MetadataOf(reply->headers)};
}

Result<ObjectInfo> S3Client::HeadObject(const std::string& name) const {
  Request request{.method = "HEAD", .name = name};
  request.context = Context("looking up", name);
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  ObjectInfo info;
  info.size =
      std::stoull(reply.headers.count("content-length") ? reply.headers["content-length"] : "0");
  info.etag = reply.headers["etag"];
  info.last_modified = reply.headers["last-modified"];
  info.metadata = MetadataOf(reply.headers);
  return info;
}

Status S3Client::DeleteObject(const std::string& name) const {
  Request request{.method = "DELETE", .name = name};
  request.context = Context("deleting", name);
  return Send(request).status();
}

Result<ListObjectsPage> S3Client::ListObjects(const std::string& name_prefix,
                                              const std::string& continuation_token) const {
  Request request{.bucket_level = true};
  request.query = {{"list-type", "2"}, {"prefix", Key(name_prefix)}};
  if (!continuation_token.empty())
    request.query.emplace_back("continuation-token", continuation_token);
  request.context = Context("listing", name_prefix + "*");
  ASSIGN_OR_RETURN(http::Reply reply, Send(request));
  Result<ListObjectsPage> page = ParseListObjectsV2(reply.body);
  if (!page.ok()) return page.status().Prepend(request.context.Describe());
  for (ObjectSummary& object : page->objects) {
    object.key = object.key.substr(std::min(object.key.size(), options_.location.prefix.size()));
  }
  return page;
}

Result<std::vector<ObjectSummary>> S3Client::ListAllObjects(const std::string& name_prefix) const {
  std::vector<ObjectSummary> all;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ListObjectsPage page, ListObjects(name_prefix, token));
    all.insert(all.end(), page.objects.begin(), page.objects.end());
    token = page.truncated ? page.next_continuation_token : "";
  } while (!token.empty());
  return all;
}

}  // namespace lockstep::s3
