// A master that starts with an empty catalog (a new master, a wiped disk, or every master after
// the disaster backups exist for) adopts the backups the repository knows: the bucket alone is a
// complete catalog (repository.h). Each adopted record keeps its status and `remote` and lists no
// replica (none is on any master), so `backup list` shows it and a restore fetches the archive
// from the bucket. It is stored at revision 0: any copy a peer still holds is newer and replaces
// it as the catalogs catch up, so a healthy cluster's records are never overridden.
// Runs once, on the duties thread; a store that can't be reached is tried again later.
// Not thread-safe (one caller).
#pragma once

#include <chrono>

#include "agent/master/local_agent.h"
#include "agent/offsite/repository.h"
#include "common/clock.h"

namespace lockstep::agent {

class BucketCatalog {
 public:
  BucketCatalog(const Repository* repository, LocalAgent* self, Clock& clock = RealClockInstance())
      : repository_(repository), self_(self), clock_(clock) {}

  // Adopts the bucket's records if this master's catalog was empty when first asked; a failed
  // listing is retried after kRetryAfter.
  void Tick();
  bool done() const { return done_; }

  static constexpr std::chrono::seconds kRetryAfter{10};

 private:
  Status Adopt();

  const Repository* repository_;
  LocalAgent* self_;
  Clock& clock_;
  bool decided_ = false;  // whether the catalog was found empty (or not) yet
  bool done_ = false;
  Clock::TimePoint not_before_{};
};

}  // namespace lockstep::agent
