// Restore drills: which backups a schedule's `--verify` still has to prove, and what a
// verification's report becomes in the backup's record. Pure decisions on records, no I/O: the
// agent runs the checks (coordinator/duties/drill_runs.h) and the coordinator publishes the result.
//
// The record itself is the to-do list. A backup awaits its drill until a verification of the
// kind its schedule asks for is recorded, so a drill cut short (its coordinator died, lost the
// role, or could not publish) is simply run again by whichever coordinator comes next.
#pragma once

#include <string>
#include <vector>

#include "proto/backup.pb.h"

namespace lockstep::coordinator {

// The verification `record` still awaits from its schedule: api::kVerifyQuick or kVerifyDeep, or
// "" when none: it is not READY, is deleted, has no replica on the masters, its schedule is gone
// or asks for none, or a recorded verification already answers it (for deep: a deep one, passed
// or failed; for quick: any). A recorded failure is final for drills: `backup verify` re-runs it.
std::string AwaitedVerification(const proto::Backup& record,
                                const std::vector<proto::Schedule>& schedules);

struct Drill {
  std::string id;
  std::string kind;      // quick | deep
  std::string schedule;  // the schedule that asks for it
};

// Every backup awaiting its schedule's verification, newest first: the newest READY one is what
// /metrics reports on, and an old one may be retired by retention before its turn comes.
std::vector<Drill> PendingDrills(const std::vector<proto::Schedule>& schedules,
                                 const std::vector<proto::Backup>& catalog);

// Why `report` proves nothing either way about the backup, or "" when it does: no master holding
// a replica answered (or none holds one), or the deep check could not run, and nothing answered
// that it is damaged. Such a result is not recorded; a drill is tried again later. A master that
// is silent while others answer does not make a result inconclusive: the others' answer is
// recorded, naming the silent one (a paused master must neither mark a good backup FAILED nor
// hold its drill back).
std::string Inconclusive(const proto::VerifyReport& report);

// What the record keeps of `report` (a `backup verify` of kind quick or deep): passed when every
// replica that answered is intact and, for deep, the scratch server matched the record. The
// reason names each damaged replica's master and the deep check's failure, then each replica
// that could not be checked (so a pass never claims a silent master's copy). `trigger` says who
// asked ("schedule NAME" or "backup verify").
proto::Verification VerificationOf(const proto::VerifyReport& report, const std::string& kind,
                                   const std::string& trigger, const std::string& verified_at,
                                   double seconds);

// `verification` becomes `record`'s last one; the last passed deep verification's time is kept
// across later quick ones.
void ApplyVerification(proto::Backup& record, proto::Verification verification);

}  // namespace lockstep::coordinator
