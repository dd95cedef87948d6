#include "agent/master/fence.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "common/file.h"
#include "common/log.h"
#include "common/zxid.h"

namespace lockstep::agent {

namespace {

// How far ahead of the newest zxid this master knows a generation may be, in ZooKeeper epochs
// (the zxid's high 32 bits): the coordinator's znode may have been created under a new ZooKeeper
// leader this master's server has not synced with yet, never further.
constexpr uint64_t kMaxEpochsAhead = 1;

uint64_t EpochOf(uint64_t zxid) { return zxid >> 32; }

}  // namespace

Fence::Fence(std::string state_file, std::function<uint64_t()> elected,
             std::function<std::string()> history, std::function<uint64_t()> known_zxid)
    : state_file_(std::move(state_file)),
      elected_(std::move(elected)),
      history_of_(std::move(history)),
      known_zxid_(std::move(known_zxid)) {}

Status Fence::Open() {
  if (::access(state_file_.c_str(), F_OK) != 0) return Status::Ok();  // a fresh master
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(state_file_, 256));
  // "GENERATION [HISTORY]": files of earlier versions hold the generation alone.
  std::istringstream fields(text);
  std::string value, history;
  fields >> value >> history;
  std::optional<Zxid> stored = ParseHexZxid(value);
  if (!stored) {
    return InvalidArgument(state_file_ + " holds '" + value +
                           "', not a coordinator generation; remove it and restart the agent");
  }
  std::lock_guard lock(mu_);
  newest_ = static_cast<uint64_t>(*stored);
  history_ = history;
  return Status::Ok();
}

Status Fence::Persist() const {
  return WriteFileAtomically(
      state_file_,
      FormatZxid(static_cast<Zxid>(newest_)) + (history_.empty() ? "" : " " + history_),
      kPrivateFile);
}

Status Fence::FollowHistory(const std::string& history) {
  if (history.empty() || history == history_) return Status::Ok();
  if (!history_.empty()) {
    log::Warn(
        "the ensemble's history began again: forgetting the coordinator generations of "
        "the one before",
        {{"forgotten", FormatZxid(static_cast<Zxid>(newest_))},
         {"history_was", history_},
         {"history", history}});
    newest_ = 0;
  }
  history_ = history;
  return Persist();
}

Status Fence::Admit(uint64_t generation, const proto::LockState& held) {
  if (generation == 0) {
    return InvalidArgument(
        "a coordinator call must carry the coordinator's generation; is a peer agent of an "
        "older version? Upgrade every master to the same version");
  }
  const uint64_t elected = elected_ ? elected_() : 0;
  const std::string history = history_of_ ? history_of_() : "";
  const uint64_t known = known_zxid_ ? known_zxid_() : 0;
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(FollowHistory(history));
  const uint64_t newest = std::max(newest_, elected);
  const uint64_t ceiling = std::max(newest, known);
  if (ceiling > 0 && EpochOf(generation) > EpochOf(ceiling) + kMaxEpochsAhead) {
    log::Warn("refused a call whose coordinator generation no election produced",
              {{"generation", FormatZxid(static_cast<Zxid>(generation))},
               {"newest_known", FormatZxid(static_cast<Zxid>(ceiling))}});
    return InvalidArgument("coordinator generation " + FormatZxid(static_cast<Zxid>(generation)) +
                           " is beyond any zxid the ensemble has produced (the newest this master "
                           "knows is " +
                           FormatZxid(static_cast<Zxid>(ceiling)) +
                           "); refused and not remembered");
  }
  if (generation < newest && held.held() && held.generation() == generation) {
    return Status::Ok();  // its own operation, under its lease
  }
  if (generation < newest) {
    log::Warn("refused a call from a former coordinator",
              {{"generation", FormatZxid(static_cast<Zxid>(generation))},
               {"current", FormatZxid(static_cast<Zxid>(newest))}});
    return FailedPrecondition("fenced: this call comes from coordinator generation " +
                              FormatZxid(static_cast<Zxid>(generation)) + ", but generation " +
                              FormatZxid(static_cast<Zxid>(newest)) +
                              " leads now; a coordinator that lost its role executes nothing");
  }
  if (generation > newest_) {
    // Remembered before admitting: a restarted agent must not take an older one back.
    const uint64_t before = newest_;
    newest_ = generation;
    if (Status kept = Persist(); !kept.ok()) {
      newest_ = before;
      return kept;
    }
  }
  return Status::Ok();
}

uint64_t Fence::newest() const {
  std::lock_guard lock(mu_);
  return newest_;
}

}  // namespace lockstep::agent
