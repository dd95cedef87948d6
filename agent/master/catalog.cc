#include "agent/master/catalog.h"

#include <algorithm>
#include <future>
#include <map>

#include "api/names.h"
#include "api/paths.h"
#include "common/log.h"
#include "common/strings.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;

// Past this many missing or older records, one full listing is cheaper than a request each.
constexpr size_t kRecordsFetchedOneByOne = 16;

// Whether a copy of `id` at `revision` is one this master lacks or holds older.
bool IsNewer(const std::string& id, uint64_t revision,
             const std::map<std::string, uint64_t>& revisions) {
  auto held = revisions.find(id);
  return held == revisions.end() || revision > held->second;
}

}  // namespace

Catalog::Catalog(RecordStore<proto::Backup>* records, PeerView* peers, const http::Client* client,
                 std::string token, std::chrono::milliseconds peer_timeout)
    : records_(records),
      peers_(peers),
      client_(client),
      token_(std::move(token)),
      peer_timeout_(peer_timeout) {}

proto::CatalogIndex Catalog::Index() const {
  proto::CatalogIndex index;
  for (const auto& [id, revision] : records_->Revisions()) {
    auto* entry = index.add_entries();
    entry->set_id(id);
    entry->set_revision(revision);
  }
  return index;
}

Status Catalog::Get(const proto::MasterStatus& peer, const std::string& path,
                    google::protobuf::Message* answer) const {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(peer.address()));
  ASSIGN_OR_RETURN(http::Reply reply, client_->Call(url, {.method = "GET",
                                                          .target = path,
                                                          .token = token_,
                                                          .accept = http::kProtobufType,
                                                          .timeout = peer_timeout_}));
  if (reply.status == 404) return NotFound(peer.name() + " holds no " + path);
  if (reply.status != 200) {
    return Status(StatusCode::kUnavailable,
                  peer.name() + " answered " + std::to_string(reply.status) + " to " + path);
  }
  if (reply.content_type != http::kProtobufType) return proto::FromJson(reply.body, answer, true);
  if (answer->ParseFromString(reply.body)) return Status::Ok();
  return InvalidArgument(peer.name() + " sent an unreadable " + answer->GetTypeName());
}

void Catalog::Keep(const proto::Backup& record) {
  Result<bool> kept = records_->Put(record);  // catch up: this master now keeps the newer copy
  if (!kept.ok()) {
    log::Warn("catalog record not kept", {{"id", record.id()}, {"error", kept.status().message()}});
  }
}

std::vector<proto::Backup> Catalog::CatchUpFrom(const proto::MasterStatus& peer) {
  const std::map<std::string, uint64_t> revisions = records_->Revisions();
  proto::CatalogIndex index;
  if (!Get(peer, std::string(paths::kCatalog) + "?index=1", &index).ok()) return {};
  std::vector<std::string> wanted;
  for (const auto& entry : index.entries()) {
    if (IsNewer(entry.id(), entry.revision(), revisions)) wanted.push_back(entry.id());
  }
  std::vector<proto::Backup> newer;
  if (wanted.size() > kRecordsFetchedOneByOne) {
    proto::BackupList list;
    if (!Get(peer, paths::kCatalog, &list).ok()) return {};
    for (auto& record : *list.mutable_backups()) {
      if (IsNewer(record.id(), record.revision(), revisions)) newer.push_back(std::move(record));
    }
  } else {
    for (const auto& id : wanted) {
      proto::Backup record;
      if (Get(peer, paths::Fill(paths::kCatalogRecord, {id}), &record).ok()) {
        newer.push_back(std::move(record));
      }
    }
  }
  for (const auto& record : newer) Keep(record);
  return newer;
}

std::vector<proto::Backup> Catalog::All() {
  std::vector<std::future<std::vector<proto::Backup>>> asked;
  for (const auto& peer : peers_->Snapshot()) {
    if (!peer.agent_reachable()) continue;
    asked.push_back(std::async(std::launch::async, [this, peer] { return CatchUpFrom(peer); }));
  }
  std::map<std::string, proto::Backup> merged;
  for (auto& record : records_->All()) merged[record.id()] = std::move(record);
  // Two peers may both hold a record newer than ours: the highest revision wins here too.
  for (auto& answer : asked) {
    for (auto& record : answer.get()) {
      auto it = merged.find(record.id());
      if (it == merged.end() || record.revision() > it->second.revision()) {
        merged[record.id()] = std::move(record);
      }
    }
  }
  std::vector<proto::Backup> records;
  for (auto& [id, record] : merged) {
    if (!record.deleted()) records.push_back(std::move(record));
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.timestamp() != b.timestamp() ? a.timestamp() < b.timestamp() : a.id() < b.id();
  });
  return records;
}

Result<proto::Backup> Catalog::Find(const std::string& id) {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  std::vector<std::pair<std::string, std::future<Result<proto::Backup>>>> asked;
  std::vector<std::string> silent;  // peers not heard from: the record may be theirs alone
  for (const auto& peer : peers_->Snapshot()) {
    if (!peer.agent_reachable()) {
      silent.push_back(peer.name());
      continue;
    }
    asked.emplace_back(
        peer.name(), std::async(std::launch::async, [this, peer, &id]() -> Result<proto::Backup> {
          proto::Backup record;
          RETURN_IF_ERROR(Get(peer, paths::Fill(paths::kCatalogRecord, {id}), &record));
          return record;
        }));
  }
  Result<proto::Backup> newest = records_->Get(id);
  for (auto& [name, answer] : asked) {
    Result<proto::Backup> got = answer.get();
    if (!got.ok()) {
      if (got.status().code() != StatusCode::kNotFound) silent.push_back(name);
      continue;
    }
    proto::Backup& record = *got;
    if (!newest.ok() || record.revision() > newest->revision()) {
      Keep(record);
      newest = std::move(record);
    }
  }
  if (!newest.ok() && !silent.empty()) {
    // Not here, but not every master was heard from (this one may be cut off from them): not a
    // definite answer.
    return Status(StatusCode::kUnavailable, "no answering master holds backup '" + id + "', but " +
                                                Join(silent, ", ") +
                                                " did not answer; ask another agent, or retry "
                                                "once they answer");
  }
  if (!newest.ok() || newest->deleted()) {
    return NotFound("no backup '" + id + "'; `lockstep backup list` shows them");
  }
  return newest;
}

}  // namespace lockstep::agent
