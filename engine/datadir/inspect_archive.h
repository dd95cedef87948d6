// Verifying an archive without a data directory: extract it into a scratch directory (every
// entry checked against the manifest), parse and replay what it holds, and compare the result with
// the manifest's zxid and znode count. Used by `zk inspect`, imports and `backup verify`.
#pragma once

#include <string>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "proto/inspect.pb.h"

namespace lockstep::datadir {

// A corrupt archive is a report with a fatal problem (valid = false), not an error; errors are
// for what stops the check itself (no scratch space, unreadable file). `scratch_parent`: where
// the scratch directory goes (default $TMPDIR or /tmp).
// `identities` open an encrypted archive.
Result<proto::InspectReport> InspectArchive(const std::string& path,
                                            const std::string& scratch_parent = "",
                                            const age::Identities& identities = {});

}  // namespace lockstep::datadir
