#include "engine/components/dump.h"

#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <deque>

#include "api/znode_path.h"
#include "common/file.h"
#include "engine/backup_file/archive_reader.h"
#include "engine/backup_file/extract.h"
#include "engine/backup_file/layout.h"

namespace lockstep::components {
namespace {

constexpr size_t kListedEphemerals = 100;
constexpr size_t kMaxRecordBytes = 64ULL << 20;  // jute.maxbuffer is far below this

bool ValidName(const std::string& name) {
  if (name.size() < 2 || name.size() > 32) return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string ChildPath(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

proto::ZNodeRecord ToRecord(ZkClient::NodeRead& read) {
  proto::ZNodeRecord record;
  record.set_path(read.path);
  record.set_data(std::move(read.data));
  for (const auto& acl : read.acl) {
    proto::ZNodeAcl* entry = record.add_acl();
    entry->set_perms(acl.perms);
    entry->set_scheme(acl.scheme);
    entry->set_id(acl.id);
  }
  record.set_czxid(read.stat.czxid);
  record.set_mzxid(read.stat.mzxid);
  record.set_version(read.stat.version);
  record.set_cversion(read.stat.cversion);
  record.set_aversion(read.stat.aversion);
  record.set_ephemeral_owner(read.stat.ephemeral_owner);
  return record;
}

}  // namespace

Status CheckComponent(const std::string& name, const std::string& root) {
  if (!ValidName(name) || name == "zookeeper") {
    return InvalidArgument("component name '" + name +
                           "' must be 2-32 of a-z 0-9 _ - and not 'zookeeper'");
  }
  if (Status path = api::CheckZnodePath(root, "component '" + name + "': path"); !path.ok()) {
    return path;
  }
  if (root == "/") {
    return InvalidArgument("component '" + name + "': its path must lie below /, not be /");
  }
  if (api::InSubtree(root, "/zookeeper") || api::InSubtree(root, "/lockstep")) {
    return InvalidArgument("component '" + name + "': " + root +
                           " is ZooKeeper's or Lockstep's own and can't be a component");
  }
  return Status::Ok();
}

std::string ArchiveNameOf(const std::string& component) {
  return "components/" + component + ".pb";
}

namespace {

// Moves the nodes of `nodes` the session may not read into `denied` (and out of `nodes`).
void TakeDenied(std::vector<ZkClient::NodeRead*>& nodes, std::vector<std::string>* denied) {
  if (!denied) return;
  std::erase_if(nodes, [&](ZkClient::NodeRead* node) {
    if (node->denied) denied->push_back(node->path);
    return node->denied;
  });
}

Status DeniedError(Status status) {
  if (status.message().find(zerror(ZNOAUTH)) == std::string::npos) return status;
  return status.Prepend(
      "the agent's ZooKeeper session may not read a node (give it credentials that can: "
      "[zookeeper] auth_file)");
}

}  // namespace

Status WalkSubtree(ZkClient& zk, const std::string& root,
                   const std::function<Status(ZkClient::NodeRead&)>& visit, bool with_data,
                   std::vector<std::string>* denied) {
  const bool mark = denied != nullptr;
  std::deque<std::string> frontier{root};
  while (!frontier.empty()) {
    // ACL and stat first; children only of the nodes that have some (most are leaves).
    std::vector<ZkClient::NodeRead> reads(std::min(frontier.size(), kReadWindow));
    std::vector<ZkClient::NodeRead*> all;
    for (auto& read : reads) {
      read.path = std::move(frontier.front());
      frontier.pop_front();
      all.push_back(&read);
    }
    RETURN_IF_ERROR(DeniedError(zk.ReadAcls(all, mark)));
    TakeDenied(all, denied);
    std::vector<ZkClient::NodeRead*> parents;
    for (ZkClient::NodeRead* read : all) {
      if (read->exists && read->stat.num_children > 0) parents.push_back(read);
    }
    RETURN_IF_ERROR(DeniedError(zk.ReadChildren(parents, mark)));
    TakeDenied(parents, denied);
    for (ZkClient::NodeRead* read : all) {
      if (read->denied) continue;
      for (const auto& child : read->children) frontier.push_back(ChildPath(read->path, child));
    }
    // Data a slice at a time, each visited (in order) and let go before the next is read.
    for (size_t begin = 0; begin < all.size();) {
      std::vector<ZkClient::NodeRead*> slice;
      uint64_t bytes = 0;
      size_t end = begin;
      for (; end < all.size() && (slice.empty() || bytes < kDataWindow); ++end) {
        if (!all[end]->exists || all[end]->denied) continue;
        bytes += static_cast<uint64_t>(all[end]->stat.data_length);
        slice.push_back(all[end]);
      }
      if (with_data) {
        RETURN_IF_ERROR(DeniedError(zk.ReadData(slice, mark)));
        TakeDenied(slice, denied);
      }
      for (ZkClient::NodeRead* read : slice) {
        if (!read->exists) continue;  // deleted since its parent was listed
        RETURN_IF_ERROR(visit(*read));
        std::string().swap(read->data);
      }
      begin = end;
    }
  }
  return Status::Ok();
}

Result<proto::ComponentDump> DumpSubtree(ZkClient& zk, const std::string& name,
                                         const std::string& root, const std::string& out_path,
                                         const std::function<Result<std::string>()>& server_zxid) {
  RETURN_IF_ERROR(CheckComponent(name, root));
  proto::ComponentDump dump;
  dump.set_name(name);
  dump.set_root(root);
  // The sync makes the connected server current with the leader before the window opens.
  RETURN_IF_ERROR(zk.Sync(root));
  ASSIGN_OR_RETURN(std::string from, server_zxid());
  dump.set_zxid_from(from);

  UniqueFd fd(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoError("cannot create", out_path, errno);
  {
    google::protobuf::io::FileOutputStream out(fd.get());
    RETURN_IF_ERROR(WalkSubtree(zk, root, [&](ZkClient::NodeRead& read) -> Status {
      if (read.stat.ephemeral_owner != 0) {
        if (dump.ephemeral_size() < static_cast<int>(kListedEphemerals)) {
          dump.add_ephemeral(read.path);
        }
        dump.set_ephemeral_count(dump.ephemeral_count() + 1);
      }
      dump.set_data_bytes(dump.data_bytes() + read.data.size());
      dump.set_node_count(dump.node_count() + 1);
      if (!google::protobuf::util::SerializeDelimitedToZeroCopyStream(ToRecord(read), &out)) {
        return IoError("cannot write " + out_path);
      }
      return Status::Ok();
    }));
    if (!out.Flush()) return IoError("cannot write " + out_path);
  }
  // An absent root is a valid state too (the application has not written yet): the dump is
  // empty, and restoring it removes the subtree.
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync", out_path, errno);
  ASSIGN_OR_RETURN(std::string to, server_zxid());
  dump.set_zxid_to(to);
  return dump;
}

// ArchiveReader as protobuf's input stream.
struct DumpReader::Stream : google::protobuf::io::CopyingInputStream {
  std::unique_ptr<backup_file::ArchiveReader> reader;
  std::unique_ptr<google::protobuf::io::CopyingInputStreamAdaptor> adaptor;
  int Read(void* buffer, int size) override {
    Result<size_t> n = reader->Read(static_cast<char*>(buffer), static_cast<size_t>(size));
    return n.ok() ? static_cast<int>(*n) : -1;
  }
};

DumpReader::DumpReader() : stream_(std::make_unique<Stream>()) {}
DumpReader::~DumpReader() = default;

Result<std::unique_ptr<DumpReader>> DumpReader::Open(const std::string& archive_path,
                                                     const std::string& component,
                                                     const age::Identities& identities) {
  ASSIGN_OR_RETURN(std::optional<proto::Manifest> manifest,
                   backup_file::PeekManifest(archive_path, identities));
  if (!manifest) return InvalidArgument(archive_path + " is a dcos-zk archive: no components");
  const std::string wanted = ArchiveNameOf(component);
  bool listed = false;
  for (const auto& file : manifest->files()) listed = listed || file.path() == wanted;
  if (!listed) return NotFound("the backup holds no component '" + component + "'");
  std::unique_ptr<DumpReader> dump(new DumpReader());
  dump->manifest_ = std::move(*manifest);
  ASSIGN_OR_RETURN(dump->stream_->reader,
                   backup_file::ArchiveReader::Open(archive_path, identities));
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<backup_file::EntryInfo> entry, dump->stream_->reader->Next());
    if (!entry) return Corruption(archive_path + " lacks " + wanted + " listed in its manifest");
    ASSIGN_OR_RETURN(std::string name, backup_file::NormaliseEntryName(entry->name));
    if (name == wanted) break;
  }
  dump->stream_->adaptor =
      std::make_unique<google::protobuf::io::CopyingInputStreamAdaptor>(dump->stream_.get());
  return dump;
}

Result<bool> DumpReader::Next(proto::ZNodeRecord* record) {
  bool clean_eof = false;
  record->Clear();  // parsing merges: an empty field would keep the previous record's value
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(record, stream_->adaptor.get(),
                                                                &clean_eof)) {
    if (clean_eof) return false;
    return Corruption("a component record does not parse");
  }
  if (static_cast<size_t>(record->ByteSizeLong()) > kMaxRecordBytes) {
    return Corruption("a component record is implausibly large");
  }
  return true;
}

}  // namespace lockstep::components
