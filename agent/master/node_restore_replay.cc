// NodeRestore's point-in-time staging: the segments a restore to a zxid needs are gathered from
// the masters (or the bucket) and replayed onto the staged base, which must then end exactly at
// the target.
#include "agent/master/node_restore.h"
#include "agent/offsite/bucket_archive.h"
#include "agent/offsite/peer_shipper.h"
#include "common/crypto/secret.h"
#include "common/log.h"
#include "common/zxid.h"
#include "engine/archiving/replay.h"

namespace lockstep::agent {

Result<datadir::RestoreResult> NodeRestore::ReplayArchive(const proto::StageRequest& request,
                                                          const datadir::StagedRestore& staged) {
  const std::optional<Zxid> target = ParseHexZxid(request.target_zxid());
  const std::optional<Zxid> base = ParseHexZxid(staged.verified().last_zxid);
  if (!target || !base) {
    return InvalidArgument("a point-in-time restore needs a target zxid, not '" +
                           request.target_zxid() + "'");
  }
  datadir::RestoreResult verified = staged.verified();
  if (*target == *base) return verified;  // the base itself is the point asked for
  const std::vector<std::string> sources(request.segment_sources().begin(),
                                         request.segment_sources().end());
  for (const auto& segment : request.segments()) {
    if (segments_->Has(segment.id())) continue;
    Status fetched =
        FetchSegment(*segments_, segment, sources, *client_, token_, std::chrono::seconds(30));
    if (!fetched.ok() && repository_) {  // no master has it: the bucket's copy
      Status downloaded = FetchSegmentFromRepository(*repository_, *segments_, segment);
      fetched = downloaded.ok()
                    ? downloaded
                    : Status(downloaded.code(), fetched.message() + "; " + downloaded.message());
    }
    RETURN_IF_ERROR(fetched.Prepend(node_->options().name));
  }
  const std::vector<proto::ArchiveSegment> chain(request.segments().begin(),
                                                 request.segments().end());
  const age::SecretStrings given(request.identities().begin(), request.identities().end());
  ASSIGN_OR_RETURN(age::Identities identities, archives_->Identities(given.get()));
  ASSIGN_OR_RETURN(archiving::ReplayLog replay,
                   archiving::WriteReplayLog(*segments_, chain, *base, *target,
                                             staged.dirs().LogDir(), identities));
  // The staged data as ZooKeeper will load it: the base's snapshot and logs, then the replay.
  ASSIGN_OR_RETURN(zkfmt::RestorableSet set,
                   zkfmt::SelectRestorableSet(staged.dirs(), {.max_zxid = *target}));
  RETURN_IF_ERROR(zkfmt::FirstFatal(set.problems).Prepend("the staged point-in-time data"));
  if (set.last_zxid != *target) {
    return Corruption("the staged point-in-time data replays to " + FormatZxid(set.last_zxid) +
                      ", not to the target " + FormatZxid(*target));
  }
  log::Info("archive replayed onto the base",
            {{"restore", request.restore_id()},
             {"base_zxid", FormatZxid(*base)},
             {"target", FormatZxid(*target)},
             {"transactions", std::to_string(replay.records)},
             {"segments", std::to_string(request.segments_size())}});
  verified.last_zxid = FormatZxid(*target);
  verified.node_count = set.node_count;
  return verified;
}

}  // namespace lockstep::agent
