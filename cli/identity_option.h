// --identity FILE: the age identity file that opens encrypted archives (an `age-keygen` file,
// AGE-SECRET-KEY-1… lines), for the commands that read an archive on this machine: zk inspect,
// zk restore, backup verify FILE, backup download (which then writes the decrypted archive).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/crypto/keys.h"

namespace lockstep::cli {

void AddIdentityOption(CLI::App* command, std::string* file);
// The identities in `file`; none when no file was given.
Result<age::Identities> LoadIdentityOption(const std::string& file);

}  // namespace lockstep::cli
