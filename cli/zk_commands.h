// `lockstep zk backup|restore|inspect`: the single-master commands, run on the master itself.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/output.h"

namespace lockstep::cli {

struct ZkPathFlags {
  std::string zoo_cfg;
  std::string data_dir;
  std::string data_log_dir;
  std::string zk;  // HOST:PORT of the client port
};

// Registers the `zk` command tree; the chosen command stores its exit code in `exit_code`.
void AddZkCommands(CLI::App& app, const OutputOptions& output, int* exit_code);

}  // namespace lockstep::cli
