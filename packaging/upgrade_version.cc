// The version of the programs the deploy test upgrades a running cluster to: linked into
// lockstep-next and lockstep-agent-next in place of common/version.cc (packaging/CMakeLists.txt).
#include "common/version.h"

namespace lockstep {

std::string_view Version() { return LOCKSTEP_UPGRADE_VERSION; }

}  // namespace lockstep
