#include "cli/identity_option.h"

namespace lockstep::cli {

void AddIdentityOption(CLI::App* command, std::string* file) {
  command->add_option("--identity", *file,
                      "age identity file that opens an encrypted archive (age-keygen's format)");
}

Result<age::Identities> LoadIdentityOption(const std::string& file) {
  if (file.empty()) return age::Identities{};
  return age::ReadIdentityFile(file);
}

}  // namespace lockstep::cli
