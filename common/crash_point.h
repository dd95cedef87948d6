// Named points in the state machines where a test can make this process die (SIGKILL, as a
// crash would) or stall. Armed only through the agent's test-only endpoint, which exists only
// when its configuration says `allow_crash_points = true`.
#pragma once

#include <chrono>
#include <string>

namespace lockstep {

// delay 0: crash at the point; otherwise sleep that long there. Each arming fires once.
void ArmCrashPoint(const std::string& name, std::chrono::milliseconds delay);
void DisarmCrashPoint(const std::string& name);
// Called by the code at the point named; does nothing unless armed.
void CrashPoint(const std::string& name);

}  // namespace lockstep
