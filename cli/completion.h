// Bash completion for `lockstep`, generated from the command tree CLI11 holds, so a new
// subcommand or flag completes without anyone editing a script. The Debian package installs
// `lockstep --bash-completion` as /usr/share/bash-completion/completions/lockstep.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace lockstep::cli {

// A bash script defining `_lockstep` and registering it with `complete`. It completes the
// subcommands at each level and, after a `-`, the flags of the command typed so far together with
// the global ones (they are accepted anywhere: the app falls through). After an option that takes
// a value, and where a command expects its arguments, bash completes file names.
std::string BashCompletion(const CLI::App& app);

// Adds the hidden flag `--bash-completion`, which prints BashCompletion(app) and exits 0.
void AddBashCompletionFlag(CLI::App& app);

}  // namespace lockstep::cli
