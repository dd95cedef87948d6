// Unauthenticated refusals are counted, not written (agent/http/refusals.h).
#include "agent/http/refusals.h"

#include <gtest/gtest.h>

#include "tests/fake_clock.h"

namespace lockstep::agent {
namespace {

TEST(Refusals, CountsByAddressAndReasonWithoutThePort) {
  testing::FakeClock clock;
  UnauthenticatedRefusals refusals(clock);
  refusals.Count("127.0.0.9:40001", "no_token");
  refusals.Count("127.0.0.9:40002", "no_token");
  refusals.Count("127.0.0.9:40003", "unknown_token");
  refusals.Count("[::1]:5", "no_token");
  EXPECT_EQ(refusals.CountOf("127.0.0.9", "no_token"), 2u);
  EXPECT_EQ(refusals.CountOf("127.0.0.9", "unknown_token"), 1u);
  EXPECT_EQ(refusals.CountOf("[::1]", "no_token"), 1u);
  const std::string metrics = refusals.Metrics();
  EXPECT_NE(metrics.find("lockstep_http_unauthenticated_total{remote=\"127.0.0.9\","
                         "reason=\"no_token\"} 2"),
            std::string::npos)
      << metrics;
}

TEST(Refusals, MemoryIsBoundedWhateverTheNumberOfAddresses) {
  testing::FakeClock clock;
  UnauthenticatedRefusals refusals(clock);
  const size_t many = UnauthenticatedRefusals::kMaxRemotes + 100;
  for (size_t i = 0; i < many; ++i) {
    refusals.Count("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":1",
                   "no_token");
  }
  EXPECT_EQ(refusals.CountOf("other", "no_token"), 100u);
  size_t lines = 0;
  const std::string metrics = refusals.Metrics();
  for (size_t at = 0;
       (at = metrics.find("\nlockstep_http_unauthenticated_total{", at)) != std::string::npos;
       ++at) {
    ++lines;
  }
  EXPECT_EQ(lines, UnauthenticatedRefusals::kMaxRemotes + 1);
}

}  // namespace
}  // namespace lockstep::agent
