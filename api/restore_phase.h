// The phases of one master's restore journal (STORE/restores/ID.json), in the order a
// cluster-wide restore moves through them: staged → stopping → stopped → swapping → swapped →
// started → done, or rolled_back from any of them. The agent writes them (NodeRestore) and the
// coordinator reads them to tell where each master is; both use these names, which are also
// what the journals on disk and the JSON API say. (Strings, not a proto enum: journals written
// by earlier versions stay readable and the API keeps its words.)
#pragma once

#include <string>

namespace lockstep::api::restore_phase {

inline constexpr char kStaged[] = "staged";
inline constexpr char kStopping[] = "stopping";
inline constexpr char kStopped[] = "stopped";
inline constexpr char kSwapping[] = "swapping";
inline constexpr char kSwapped[] = "swapped";
inline constexpr char kStarted[] = "started";
inline constexpr char kDone[] = "done";
inline constexpr char kRolledBack[] = "rolled_back";

// done or rolled_back: the master's part is over.
inline bool IsTerminal(const std::string& phase) { return phase == kDone || phase == kRolledBack; }
// The master runs the restored data (or did, and finished).
inline bool SwappedOrLater(const std::string& phase) {
  return phase == kSwapped || phase == kStarted || phase == kDone;
}

}  // namespace lockstep::api::restore_phase
