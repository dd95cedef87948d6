// The cluster's catalog of backups as any agent answers it. Every record is pushed to every
// master (coordinator::ClusterBackups::Publish), so this master's copy is usually complete; a
// master that was down catches up here, keeping the newer copies its peers hold. Reads stay cheap
// as history grows: peers are asked for the ids and revisions they hold, and only records this
// master lacks or holds older are transferred and parsed; a single backup is asked for by id.
// Thread-safe: state lives in the record store and the peer view, which lock for themselves.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/master/peer_view.h"
#include "common/http/client.h"
#include "engine/record_store.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class Catalog {
 public:
  Catalog(RecordStore<proto::Backup>* records, PeerView* peers, const http::Client* client,
          std::string token, std::chrono::milliseconds peer_timeout);

  // Every master's records merged (the highest revision of each), tombstones dropped, oldest
  // first.
  std::vector<proto::Backup> All();
  // One backup, its newest copy on any reachable master. NotFound when none holds it (or it
  // was deleted).
  Result<proto::Backup> Find(const std::string& id);
  // This master's copy only (no network): for /metrics.
  std::vector<proto::Backup> Local() const { return records_->All(); }
  // This master's ids and revisions: what peers merge against.
  proto::CatalogIndex Index() const;

 private:
  // The records `peer` holds newer than (or missing from) this master, already kept here.
  std::vector<proto::Backup> CatchUpFrom(const proto::MasterStatus& peer);
  // GETs `path` from `peer` into `answer` (binary protobuf asked for, JSON read too).
  Status Get(const proto::MasterStatus& peer, const std::string& path,
             google::protobuf::Message* answer) const;
  void Keep(const proto::Backup& record);

  RecordStore<proto::Backup>* records_;
  PeerView* peers_;
  const http::Client* client_;
  const std::string token_;
  const std::chrono::milliseconds peer_timeout_;
};

}  // namespace lockstep::agent
