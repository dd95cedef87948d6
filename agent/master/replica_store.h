// The archives this master keeps (STORE_DIR/backups/ID.tar.zst with its .sha256): taking one from
// the local server (online, or offline with a brief stop), fetching a replica from a peer with its
// sha256 checked, serving and deleting them.
#pragma once

#include <cstdint>
#include <string>

#include "agent/config/encryption_config.h"
#include "agent/master/local_node.h"
#include "agent/offsite/repository.h"
#include "common/clock.h"
#include "common/http/client.h"
#include "common/zk_client.h"
#include "engine/datadir/backup.h"
#include "engine/zk/zoo_cfg.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class ReplicaStore {
 public:
  // `clock` times the wait for an offline source to serve again.
  // `repository` (optional, not owned): where replicas can also be fetched from.
  ReplicaStore(std::string dir, zk::ZooCfg zoo_cfg, LocalNode* node, const http::Client* client,
               std::string token, EncryptionConfig encryption = {},
               const Repository* repository = nullptr, Clock& clock = RealClockInstance());
  Status Open();

  std::string PathOf(const std::string& id) const;
  bool Has(const std::string& id) const;
  Result<proto::TakeReply> Take(const proto::TakeRequest& request);
  // From `from_url`: a peer's agent, or the repository's s3:// URL of the archive.
  Status Fetch(const proto::FetchRequest& request);
  Status Remove(const std::string& id);
  // Re-hashes the stored archive.
  Result<std::string> Hash(const std::string& id) const;
  // Re-hashes and fully parses the stored archive (extracted into scratch space here).
  proto::ReplicaCheck Check(const std::string& id, const std::string& expected_sha256) const;
  // Takes an uploaded file as the archive of `id` (same filesystem: a rename).
  Status Adopt(const std::string& upload, const std::string& id, const std::string& sha256);
  const std::string& dir() const { return dir_; }
  // What every reader of these archives opens encrypted ones with ([encryption] identity_file,
  // read now); none without one, which is fine for archives in the clear.
  Result<age::Identities> Identities() const;
  // The same plus `given` (AGE-SECRET-KEY-1… texts sent with a restore): none repeated in errors.
  Result<age::Identities> Identities(const std::vector<std::string>& given) const;
  bool encrypts() const { return encryption_.enabled(); }
  // What the session dumping app components presents ([zookeeper] auth_file).
  void set_zk_auth(std::vector<ZkAuth> auth) { zk_auth_ = std::move(auth); }

 private:
  Status CheckFreeSpace(uint64_t needed, const std::string& what) const;
  using ComponentFiles = std::vector<datadir::BackupOptions::ComponentFile>;
  // Walks the app components through the local server (before any stop) into `scratch`.
  Result<ComponentFiles> DumpComponents(const proto::TakeRequest& request,
                                        const std::string& scratch);
  Result<proto::TakeReply> TakeOffline(const proto::TakeRequest& request,
                                       const ComponentFiles& components);
  Result<proto::TakeReply> Archive(const proto::TakeRequest& request, bool online,
                                   const ComponentFiles& components);
  // A fetch's bytes into `partial`, from a peer's agent or from the repository (an s3:// URL).
  Status DownloadFromPeer(const proto::FetchRequest& request, const std::string& partial) const;
  Status DownloadFromRepository(const proto::FetchRequest& request,
                                const std::string& partial) const;
  // Checks the download's sha256 and makes it this master's replica.
  Status Keep(const proto::FetchRequest& request, const std::string& partial);

  const std::string dir_;
  const zk::ZooCfg zoo_cfg_;
  std::vector<ZkAuth> zk_auth_;
  LocalNode* node_;
  const http::Client* client_;
  const std::string token_;
  const EncryptionConfig encryption_;
  const Repository* repository_;
  Clock& clock_;
};

}  // namespace lockstep::agent
