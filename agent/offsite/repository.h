// The backup repository in an S3-compatible bucket ([repository] in agent.toml): each backup's
// archive at PREFIX/backups/ID.tar.zst and its catalog record beside it at
// PREFIX/catalog/ID.json, so the bucket alone is a complete catalog; and the continuous
// archive's segments at PREFIX/archive/segments/ID.zst, each with its record at
// PREFIX/archive/records/ID.json, so the bucket alone can restore to the last second. Credentials
// are read again for every call, so an operator who fixes or rotates the credentials file needs no
// restart: the next retry uses it. Thread-safe: each call has its own client.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/repository_config.h"
#include "agent/offsite/bucket_tag.h"
#include "common/status.h"
#include "proto/backup.pb.h"
#include "s3/object_store.h"

namespace lockstep::agent {

class Repository {
 public:
  // The bucket as it is now (credentials read again on every call).
  using StoreFactory = std::function<Result<std::unique_ptr<s3::ObjectStore>>()>;

  // Checks the settings and that the credentials (the file, else AWS_* variables) can be read;
  // nothing is sent yet.
  // `signing_secret`: what records are signed with (bucket_tag.h).
  static Result<std::unique_ptr<Repository>> Open(const RepositoryConfig& config,
                                                  const std::string& signing_secret);
  // The same repository over any store (unit tests: an in-memory one). `config` names the
  // bucket and prefix in messages and URLs.
  Repository(RepositoryConfig config, const std::string& signing_secret, StoreFactory store)
      : config_(std::move(config)), signer_(signing_secret), store_(std::move(store)) {}

  // Uploads the archive at `path` (a multipart upload, every part checksummed; a failed one is
  // aborted) after aborting what an earlier, killed uploader left, then confirms the stored
  // object's size and recorded sha256. The copy's description on success.
  Result<proto::RemoteCopy> PutArchive(const proto::Backup& record, const std::string& path) const;
  // The record as PREFIX/catalog/ID.json.
  Status PutRecord(const proto::Backup& record) const;
  // The archive's stored bytes into `path` (created or truncated); the caller checks them.
  Status GetArchive(const std::string& id, const std::string& path) const;
  // Every record under PREFIX/catalog/, as the bucket alone knows the backups. A record that
  // can't be read, is not signed by this cluster (bucket_tag.h) or names another id than its
  // key is skipped with a warning naming the key: it is never listed as restorable.
  Result<std::vector<proto::Backup>> ListRecords() const;
  // The archive and the record; Ok when they are already gone.
  Status Remove(const std::string& id) const;

  // The continuous archive. A segment goes up before its record, and the record only once the
  // stored object's size and sha256 are confirmed, so a record always names a whole segment.
  // Ok when the bucket already holds this very segment; FailedPrecondition when it holds another
  // under the same id (never overwritten: it belongs to another history).
  Status PutSegment(const proto::ArchiveSegment& record, const std::string& path) const;
  // The ids of the segments whose records the bucket holds (keys only: one request per 1,000).
  Result<std::vector<std::string>> ListSegmentIds() const;
  // A segment's record, checked (signed by this cluster, it parses, and names the id its key
  // says).
  Result<proto::ArchiveSegment> GetSegmentRecord(const std::string& id) const;
  // The segment's stored bytes into `path` (created or truncated); the caller checks them.
  Status GetSegment(const std::string& id, const std::string& path) const;
  // The record, then the segment; Ok when they are already gone.
  Status RemoveSegment(const std::string& id) const;
  // s3://bucket/PREFIX/archive/
  std::string ArchiveUrl() const;

  // s3://bucket/PREFIX/backups/ID.tar.zst
  std::string UrlOf(const std::string& id) const;
  // What to add to an error so the operator knows where to look: endpoint and credentials.
  std::string Where() const;

 private:
  // Writes a record object signed (bucket_tag.h); reads one back, checked.
  Status PutSigned(const s3::ObjectStore& client, const std::string& name,
                   const std::string& body) const;
  Result<std::string> GetSigned(const s3::ObjectStore& client, const std::string& name) const;
  Result<proto::Backup> ReadRecord(const s3::ObjectStore& client, const std::string& name) const;

  const RepositoryConfig config_;
  const BucketSigner signer_;
  const StoreFactory store_;
};

}  // namespace lockstep::agent
