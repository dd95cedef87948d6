#include "common/version.h"

namespace lockstep {

std::string_view Version() { return LOCKSTEP_VERSION; }

}  // namespace lockstep
