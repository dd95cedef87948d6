#include "engine/datadir/dir_swap.h"

#include <filesystem>

#include "common/log.h"

namespace lockstep::datadir {
namespace {

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

class Swapper {
 public:
  explicit Swapper(Filesystem& fs) : fs_(fs) {}

  Status Swap(const SwapTarget& t, SwapOutcome* outcome) {
    if (!fs_.Exists(t.live)) {
      RETURN_IF_ERROR(fs_.Rename(t.staging, t.live));
      undo_.push_back([this, t] { return fs_.Rename(t.live, t.staging); });
      return fs_.SyncDir(ParentOf(t.live));
    }
    RETURN_IF_ERROR(fs_.Exchange(t.staging, t.live));
    undo_.push_back([this, t] { return fs_.Exchange(t.staging, t.live); });
    RETURN_IF_ERROR(fs_.Rename(t.staging, t.rollback));
    undo_.push_back([this, t] { return fs_.Rename(t.rollback, t.staging); });
    outcome->rollbacks.push_back(t.rollback);
    return fs_.SyncDir(ParentOf(t.live));
  }

  // Best effort: every undo step is attempted; the first failure is reported.
  Status Undo() {
    Status first;
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      Status s = (*it)();
      if (!s.ok()) {
        log::Error("undoing a directory swap failed", {{"error", s.message()}});
        if (first.ok()) first = s;
      }
    }
    undo_.clear();
    return first;
  }

 private:
  Filesystem& fs_;
  std::vector<std::function<Status()>> undo_;
};

}  // namespace

Result<SwapOutcome> SwapDirectories(Filesystem& fs, const std::vector<SwapTarget>& targets) {
  Swapper swapper(fs);
  SwapOutcome outcome;
  for (const auto& target : targets) {
    Status status = swapper.Swap(target, &outcome);
    if (!status.ok()) {
      Status undo = swapper.Undo();
      if (!undo.ok()) {
        return status.Prepend("swapping data directories failed and undoing it failed too (" +
                              undo.message() + "); the previous data is in the rollback and " +
                              "staging directories");
      }
      return status.Prepend("swapping data directories failed; the previous data is back in place");
    }
  }
  return outcome;
}

}  // namespace lockstep::datadir
