// The CLI's exit codes (docs/design.md "CLI contract") and their mapping from Status.
#pragma once

#include "common/status.h"

namespace lockstep::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitNotFound = 3,
  kExitBusy = 4,
  kExitUnreachable = 5,
};

inline int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kBusy:
      return kExitBusy;
    case StatusCode::kUnavailable:
      return kExitUnreachable;
    default:
      return kExitFailed;
  }
}

}  // namespace lockstep::cli
