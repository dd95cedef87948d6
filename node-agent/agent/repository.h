// The backup repository in an S3-compatible bucket ([repository] in agent.toml): each backup's
// archive at PREFIX/backups/ID.tar.zst and its catalog record beside it at
// PREFIX/catalog/ID.json, so the bucket alone is a complete catalog. Thread-safe: S3Client calls
// are independent.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "node-agent/agent/repository_config.h"
#include "proto/backup.pb.h"
#include "repository/s3_client.h"

namespace lockstep::agent {

class Repository {
 public:
  // Reads the credentials (the file, else AWS_* variables) and checks the settings; nothing is
  // sent yet.
  static Result<std::unique_ptr<Repository>> Open(const RepositoryConfig& config);

  // Uploads the archive at `path` (a multipart upload, every part checksummed; a failed one is
  // aborted) after aborting what an earlier, killed uploader left, then confirms the stored
  // object's size and recorded sha256. The copy's description on success.
  Result<proto::RemoteCopy> PutArchive(const proto::Backup& record, const std::string& path) const;
  // The record as PREFIX/catalog/ID.json.
  Status PutRecord(const proto::Backup& record) const;
  // The archive and the record; Ok when they are already gone.
  Status Remove(const std::string& id) const;

  // s3://bucket/PREFIX/backups/ID.tar.zst
  std::string UrlOf(const std::string& id) const;
  // What to add to an error so the operator knows where to look: endpoint and credentials.
  std::string Where() const;

 private:
  Repository(RepositoryConfig config, s3::S3Client client)
      : config_(std::move(config)), client_(std::move(client)) {}

  const RepositoryConfig config_;
  const s3::S3Client client_;
};

}  // namespace lockstep::agent
