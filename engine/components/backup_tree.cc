#include "engine/components/backup_tree.h"

#include "api/znode_path.h"
#include "common/scratch_dir.h"
#include "engine/backup_file/extract.h"
#include "engine/zkfmt/read_node_table.h"

namespace lockstep::components {
namespace {

void CopyAcl(const zkfmt::AclList& acl, proto::ZNodeRecord* record) {
  for (const auto& entry : acl) {
    proto::ZNodeAcl* out = record->add_acl();
    out->set_perms(entry.perms);
    out->set_scheme(entry.scheme);
    out->set_id(entry.id);
  }
}

// The records of one subtree of a component's dump, renamed and optionally digested.
class ComponentSubtree : public ZNodeSource {
 public:
  ComponentSubtree(std::unique_ptr<DumpReader> dump, BackupTreeOptions options, std::string what)
      : dump_(std::move(dump)), options_(std::move(options)), what_(std::move(what)) {}

  Result<bool> Next(proto::ZNodeRecord* record) override {
    for (;;) {
      ASSIGN_OR_RETURN(bool more, dump_->Next(record));
      if (!more) return false;
      if (record->ephemeral_owner() != 0 || !api::InSubtree(record->path(), options_.path)) {
        continue;
      }
      if (!options_.to.empty())
        record->set_path(Rebase(record->path(), options_.path, options_.to));
      if (!options_.keep_data) record->set_data(zkfmt::DataDigest(record->data()));
      return true;
    }
  }
  bool data_is_digest() const override { return !options_.keep_data; }
  std::string what() const override { return what_; }

 private:
  std::unique_ptr<DumpReader> dump_;
  const BackupTreeOptions options_;
  const std::string what_;
};

// A full backup's subtree, parents first, out of the table its files replayed into.
class TableSubtree : public ZNodeSource {
 public:
  TableSubtree(zkfmt::NodeTable table, BackupTreeOptions options, std::string what)
      : table_(std::move(table)),
        options_(std::move(options)),
        what_(std::move(what)),
        order_(table_.ParentsFirst()) {}

  Result<bool> Next(proto::ZNodeRecord* record) override {
    if (next_ == order_.size()) return false;
    const auto& [path, node] = *order_[next_++];
    record->Clear();
    record->set_path(options_.to.empty() ? path : Rebase(path, options_.path, options_.to));
    record->set_data(node.data);
    CopyAcl(table_.Acl(node.acl), record);
    record->set_czxid(node.czxid);
    record->set_mzxid(node.mzxid);
    record->set_version(node.version);
    record->set_aversion(node.aversion);
    return true;
  }
  bool data_is_digest() const override { return !options_.keep_data; }
  std::string what() const override { return what_; }

 private:
  const zkfmt::NodeTable table_;
  const BackupTreeOptions options_;
  const std::string what_;
  const std::vector<const std::pair<const std::string, zkfmt::TableNode>*> order_;
  size_t next_ = 0;
};

// The component whose root holds `path`, or "".
std::string ComponentHolding(const proto::Manifest& manifest, const std::string& path) {
  for (const auto& dump : manifest.component_dumps()) {
    if (api::InSubtree(path, dump.root())) return dump.name();
  }
  return "";
}

Result<std::unique_ptr<ZNodeSource>> OpenFullData(const std::string& archive_path,
                                                  const age::Identities& identities,
                                                  const BackupTreeOptions& options,
                                                  const std::string& zxid) {
  ASSIGN_OR_RETURN(
      ScratchDir scratch,
      ScratchDir::Create(options.scratch_parent.empty() ? "/tmp" : options.scratch_parent,
                         ".lockstep-tree-"));
  const zkfmt::DataDirs dirs{scratch.path() + "/data", scratch.path() + "/datalog"};
  RETURN_IF_ERROR(
      backup_file::ExtractArchive(archive_path, identities, {dirs.SnapshotDir(), dirs.LogDir()})
          .status());
  zkfmt::NodeTableOptions table_options;
  table_options.root = options.path;
  table_options.keep_data = options.keep_data;
  ASSIGN_OR_RETURN(zkfmt::NodeTable table, zkfmt::ReadNodeTable(dirs, table_options));
  std::string what = "ZooKeeper's snapshot and logs";
  if (!zxid.empty()) what += ", replayed to " + zxid;
  return std::unique_ptr<ZNodeSource>(new TableSubtree(std::move(table), options, what));
}

}  // namespace

std::string Rebase(const std::string& path, const std::string& from, const std::string& to) {
  if (from == to) return path;
  if (from == "/") return (to == "/" ? "" : to) + path;
  return to + path.substr(from.size());
}

Result<std::unique_ptr<ZNodeSource>> OpenBackupTree(const std::string& archive_path,
                                                    const age::Identities& identities,
                                                    const BackupTreeOptions& options) {
  ASSIGN_OR_RETURN(std::optional<proto::Manifest> manifest,
                   backup_file::PeekManifest(archive_path, identities));
  const std::string component = manifest ? ComponentHolding(*manifest, options.path) : "";
  if (!component.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<DumpReader> dump,
                     DumpReader::Open(archive_path, component, identities));
    return std::unique_ptr<ZNodeSource>(
        new ComponentSubtree(std::move(dump), options, "app component " + component + "'s dump"));
  }
  if (manifest && manifest->components_only()) {
    std::string roots;
    for (const auto& dump : manifest->component_dumps()) {
      roots += (roots.empty() ? "" : ", ") + dump.root();
    }
    return NotFound("the backup holds app components only (" + roots + "), none holding " +
                    options.path + "; pick a backup with ZooKeeper's data (a full backup)");
  }
  return OpenFullData(archive_path, identities, options, manifest ? manifest->last_zxid() : "");
}

}  // namespace lockstep::components
