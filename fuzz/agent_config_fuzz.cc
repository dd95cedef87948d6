// agent.toml on arbitrary text: every key checked, every refusal a message, no crash.
#include "agent/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)lockstep::agent::ParseAgentConfig(text, "agent.toml");
  return 0;
}
