// The bookkeeping of where the archive's segments have not arrived, on a fake clock: a
// destination that fails is skipped until its catch-up is due, its failures are logged once per
// spell, and a recheck makes every destination prove what it holds before it is shipped to.
#include "agent/offsite/shipping_backlog.h"

#include <gtest/gtest.h>

#include "tests/fake_clock.h"

namespace lockstep::agent {
namespace {

using namespace std::chrono_literals;
using Standing = ShippingBacklog::Standing;

TEST(ShippingBacklogTest, AFailedDestinationWaitsForItsCatchUpAndIsLoggedOncePerSpell) {
  testing::FakeClock clock;
  ShippingBacklog backlog(clock, 10s);
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kCurrent);

  ShippingBacklog::Noted failed = backlog.Note("m2", false);
  EXPECT_TRUE(failed.first_failure);
  EXPECT_FALSE(failed.caught_up);
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kWaiting);
  EXPECT_EQ(backlog.StandingOf("m3"), Standing::kCurrent) << "one destination's trouble only";
  clock.Advance(10s);
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kDue);

  EXPECT_FALSE(backlog.Note("m2", false).first_failure) << "the same spell: logged already";
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kWaiting) << "the next catch-up, 10 s on";
  clock.Advance(10s);
  ShippingBacklog::Noted taken = backlog.Note("m2", true);
  EXPECT_TRUE(taken.caught_up);
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kCurrent);
  EXPECT_FALSE(backlog.Note("m2", true).caught_up) << "current already";
  EXPECT_TRUE(backlog.Note("m2", false).first_failure) << "a new spell";
}

TEST(ShippingBacklogTest, ARecheckMakesEveryDestinationDueAndKeepsTheSpell) {
  testing::FakeClock clock;
  ShippingBacklog backlog(clock, 10s);
  EXPECT_TRUE(backlog.Note("repository", false).first_failure);
  backlog.Recheck({"m2", "repository"});
  EXPECT_EQ(backlog.StandingOf("m2"), Standing::kDue);
  EXPECT_EQ(backlog.StandingOf("repository"), Standing::kDue);
  EXPECT_TRUE(backlog.Note("m2", false).first_failure) << "m2's first failure after a recheck";
  EXPECT_FALSE(backlog.Note("repository", false).first_failure) << "still the same spell";
  EXPECT_TRUE(backlog.Note("m2", true).caught_up);
}

}  // namespace
}  // namespace lockstep::agent
