#include "agent/offsite/repository.h"

#include <chrono>

#include "api/names.h"
#include "common/crash_point.h"
#include "common/http/tls.h"
#include "common/log.h"
#include "engine/archiving/segment_store.h"
#include "proto/json.h"
#include "s3/s3_client.h"

namespace lockstep::agent {
namespace {

std::string ArchiveName(const std::string& id) { return "backups/" + id + ".tar.zst"; }
std::string RecordName(const std::string& id) { return "catalog/" + id + ".json"; }
constexpr const char* kSegmentRecords = "archive/records/";
std::string SegmentName(const std::string& id) { return "archive/segments/" + id + ".zst"; }
std::string SegmentRecordName(const std::string& id) { return kSegmentRecords + id + ".json"; }
// A record is a few KiB; far more is not one of ours.
constexpr size_t kMaxRecordBytes = 1 << 20;

Result<s3::Credentials> LoadCredentials(const RepositoryConfig& config) {
  if (!config.credentials_file.empty()) return s3::ReadCredentialsFile(config.credentials_file);
  Result<s3::Credentials> from_environment = s3::CredentialsFromEnvironment();
  if (from_environment.status().code() == StatusCode::kNotFound) {
    return InvalidArgument(
        "[repository] has no credentials_file and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are "
        "not set: give one or the other");
  }
  return from_environment;
}

// A client with the credentials as they are now.
Result<std::unique_ptr<s3::ObjectStore>> OpenS3(const RepositoryConfig& config) {
  Result<s3::Credentials> credentials = LoadCredentials(config);
  if (!credentials.ok()) return credentials.status().Prepend("repository " + config.endpoint);
  s3::S3ClientOptions options{.location = {.endpoint = config.endpoint,
                                           .region = config.region,
                                           .bucket = config.bucket,
                                           .prefix = config.prefix,
                                           .virtual_host = !config.path_style},
                              .credentials = std::move(*credentials),
                              .part_size = config.part_size};
  if (config.endpoint.rfind("https://", 0) == 0) {
    ASSIGN_OR_RETURN(options.tls, http::MakeClientContext({.ca_file = config.ca_file}));
  }
  ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(std::move(options)));
  return std::unique_ptr<s3::ObjectStore>(std::make_unique<s3::S3Client>(std::move(client)));
}

}  // namespace

Result<std::unique_ptr<Repository>> Repository::Open(const RepositoryConfig& config,
                                                     const std::string& signing_secret) {
  auto repository =
      std::make_unique<Repository>(config, signing_secret, [config] { return OpenS3(config); });
  RETURN_IF_ERROR(OpenS3(config).status());  // the settings and credentials, before any call
  return repository;
}

std::string Repository::UrlOf(const std::string& id) const {
  return "s3://" + config_.bucket + "/" + config_.prefix + ArchiveName(id);
}

std::string Repository::Where() const {
  return "repository " + config_.endpoint + " bucket " + config_.bucket + ", credentials from " +
         (config_.credentials_file.empty() ? std::string("the AWS_* environment variables")
                                           : config_.credentials_file);
}

Result<proto::RemoteCopy> Repository::PutArchive(const proto::Backup& record,
                                                 const std::string& path) const {
  RETURN_IF_ERROR(api::CheckBackupId(record.id()));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  // One uploader at a time (the coordinator): anything in progress is a killed one's leftover.
  Result<int> aborted = client.AbortStaleUploads(std::chrono::system_clock::now());
  if (aborted.ok() && *aborted > 0) {
    log::Warn("aborted multipart uploads a killed uploader left",
              {{"count", std::to_string(*aborted)}});
  }
  const std::string name = ArchiveName(record.id());
  s3::UploadOptions upload{.metadata = {{"sha256", record.sha256()}, {"backup-id", record.id()}}};
  // A crash here (tests) leaves a multipart upload open with a part stored: a killed uploader.
  upload.progress = [part = config_.part_size](uint64_t sent, uint64_t) {
    if (sent >= part) CrashPoint("repository.after_first_part");
  };
  RETURN_IF_ERROR(client.UploadFile(name, path, upload).status());
  ASSIGN_OR_RETURN(s3::ObjectInfo stored, client.HeadObject(name));
  if (stored.size != record.size_bytes()) {
    return Internal("the stored " + UrlOf(record.id()) + " has " + std::to_string(stored.size) +
                    " bytes, the archive " + std::to_string(record.size_bytes()));
  }
  auto sha = stored.metadata.find("sha256");
  if (sha == stored.metadata.end() || sha->second != record.sha256()) {
    return Internal("the stored " + UrlOf(record.id()) + " does not carry the archive's sha256");
  }
  proto::RemoteCopy copy;
  copy.set_status(proto::STATUS_READY);
  copy.set_url(UrlOf(record.id()));
  copy.set_size_bytes(stored.size);
  copy.set_sha256(record.sha256());
  return copy;
}

Status Repository::PutRecord(const proto::Backup& record) const {
  RETURN_IF_ERROR(api::CheckBackupId(record.id()));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  return PutSigned(client, RecordName(record.id()), proto::ToJson(record));
}

Status Repository::PutSigned(const s3::ObjectStore& client, const std::string& name,
                             const std::string& body) const {
  return client.PutObject(name, body, {{kBucketTagMetadata, signer_.Tag(name, body)}});
}

Result<std::string> Repository::GetSigned(const s3::ObjectStore& client,
                                          const std::string& name) const {
  ASSIGN_OR_RETURN(s3::StoredObject object, client.GetObjectAndMetadata(name, kMaxRecordBytes));
  RETURN_IF_ERROR(signer_.Check(name, object.body, object.metadata, config_.prefix + name));
  return std::move(object.body);
}

Status Repository::GetArchive(const std::string& id, const std::string& path) const {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  return client.GetObjectToFile(ArchiveName(id), path);
}

Result<std::vector<proto::Backup>> Repository::ListRecords() const {
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  ASSIGN_OR_RETURN(std::vector<s3::ObjectSummary> objects, client.ListAllObjects("catalog/"));
  std::vector<proto::Backup> records;
  for (const s3::ObjectSummary& object : objects) {
    Result<proto::Backup> record = ReadRecord(client, object.key);
    if (!record.ok()) {
      log::Warn("skipping a record in the repository",
                {{"key", config_.prefix + object.key}, {"error", record.status().message()}});
      continue;
    }
    records.push_back(std::move(*record));
  }
  return records;
}

Result<proto::Backup> Repository::ReadRecord(const s3::ObjectStore& client,
                                             const std::string& name) const {
  ASSIGN_OR_RETURN(std::string json, GetSigned(client, name));
  proto::Backup record;
  RETURN_IF_ERROR(proto::FromJson(json, &record, true).Prepend("not a backup record"));
  RETURN_IF_ERROR(api::CheckBackupId(record.id()));
  if (RecordName(record.id()) != name) {
    return InvalidArgument("it describes " + record.id() + ", not the backup its name says");
  }
  return record;
}

Status Repository::Remove(const std::string& id) const {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  RETURN_IF_ERROR(client.DeleteObject(ArchiveName(id)));
  return client.DeleteObject(RecordName(id));
}

std::string Repository::ArchiveUrl() const {
  return "s3://" + config_.bucket + "/" + config_.prefix + "archive/";
}

Status Repository::PutSegment(const proto::ArchiveSegment& record, const std::string& path) const {
  RETURN_IF_ERROR(archiving::CheckSegmentId(record.id()));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  const std::string name = SegmentName(record.id());
  const std::string where = ArchiveUrl() + "segments/" + record.id() + ".zst";
  auto confirm = [&](const s3::ObjectInfo& stored) -> Status {
    auto sha = stored.metadata.find("sha256");
    if (stored.size != record.size_bytes() || sha == stored.metadata.end() ||
        sha->second != record.sha256()) {
      return Status(StatusCode::kFailedPrecondition,
                    where + " holds another segment (" + std::to_string(stored.size) +
                        " bytes, sha256 " +
                        (sha == stored.metadata.end() ? std::string("unknown") : sha->second) +
                        ") than " + record.id() + " here; it is left as it is");
    }
    return Status::Ok();
  };
  Result<s3::ObjectInfo> held = client.HeadObject(name);
  if (held.ok()) {
    RETURN_IF_ERROR(confirm(*held));  // the same segment: only its record may be missing
  } else if (held.status().code() != StatusCode::kNotFound) {
    return held.status();
  } else {
    s3::UploadOptions upload{
        .metadata = {{"sha256", record.sha256()}, {"segment-id", record.id()}}};
    RETURN_IF_ERROR(client.UploadFile(name, path, upload).status());
    ASSIGN_OR_RETURN(s3::ObjectInfo stored, client.HeadObject(name));
    RETURN_IF_ERROR(confirm(stored).Prepend("after the upload"));
  }
  return PutSigned(client, SegmentRecordName(record.id()), proto::ToJson(record));
}

Result<std::vector<std::string>> Repository::ListSegmentIds() const {
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  ASSIGN_OR_RETURN(std::vector<s3::ObjectSummary> objects, client.ListAllObjects(kSegmentRecords));
  std::vector<std::string> ids;
  for (const s3::ObjectSummary& object : objects) {
    std::string id = object.key.substr(std::string(kSegmentRecords).size());
    if (id.ends_with(".json")) id.resize(id.size() - 5);
    if (!archiving::CheckSegmentId(id).ok() || SegmentRecordName(id) != object.key) {
      log::Warn("skipping an object that is not a segment record",
                {{"key", config_.prefix + object.key}});
      continue;
    }
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<proto::ArchiveSegment> Repository::GetSegmentRecord(const std::string& id) const {
  RETURN_IF_ERROR(archiving::CheckSegmentId(id));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  ASSIGN_OR_RETURN(std::string json, GetSigned(client, SegmentRecordName(id)));
  proto::ArchiveSegment record;
  RETURN_IF_ERROR(
      proto::FromJson(json, &record, true)
          .Prepend(config_.prefix + SegmentRecordName(id) + " is not a segment record"));
  RETURN_IF_ERROR(archiving::SegmentOf(record).status());
  if (record.id() != id) {
    return InvalidArgument(config_.prefix + SegmentRecordName(id) + " describes " + record.id() +
                           ", not the segment its name says");
  }
  return record;
}

Status Repository::GetSegment(const std::string& id, const std::string& path) const {
  RETURN_IF_ERROR(archiving::CheckSegmentId(id));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  return client.GetObjectToFile(SegmentName(id), path);
}

Status Repository::RemoveSegment(const std::string& id) const {
  RETURN_IF_ERROR(archiving::CheckSegmentId(id));
  ASSIGN_OR_RETURN(const std::unique_ptr<s3::ObjectStore> store, store_());
  const s3::ObjectStore& client = *store;
  RETURN_IF_ERROR(client.DeleteObject(SegmentRecordName(id)));  // a record names a whole segment
  return client.DeleteObject(SegmentName(id));
}

}  // namespace lockstep::agent
