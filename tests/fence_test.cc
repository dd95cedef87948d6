// Fencing on one master (agent/master/fence.h): which coordinator generations a master admits,
// what it remembers across a restart, and the lease that lets a started operation finish.
#include "agent/master/fence.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

proto::LockState Free() { return proto::LockState(); }

proto::LockState HeldBy(uint64_t generation) {
  proto::LockState held;
  held.set_held(true);
  held.set_operation("restore");
  held.set_id("r-1");
  held.set_generation(generation);
  return held;
}

class FenceTest : public ::testing::Test {
 protected:
  Fence Make() {
    return Fence(dir_ / "coordinator-generation", [this] { return elected_.load(); });
  }
  testing::TempDir dir_;
  std::atomic<uint64_t> elected_{0};
};

TEST_F(FenceTest, AdmitsTheNewestGenerationAndRefusesAnOlderOneNamingBoth) {
  Fence fence = Make();
  ASSERT_TRUE(fence.Open().ok());
  EXPECT_TRUE(fence.Admit(0x100000005, Free()).ok());
  EXPECT_TRUE(fence.Admit(0x100000005, Free()).ok());  // the same coordinator again
  EXPECT_TRUE(fence.Admit(0x200000001, Free()).ok());  // a new one
  Status stale = fence.Admit(0x100000005, Free());
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("0x100000005"), std::string::npos) << stale.message();
  EXPECT_NE(stale.message().find("0x200000001"), std::string::npos) << stale.message();
  EXPECT_EQ(fence.newest(), 0x200000001u);
}

TEST_F(FenceTest, TheElectionViewFencesAFormerCoordinatorBeforeItsSuccessorCalls) {
  Fence fence = Make();
  ASSERT_TRUE(fence.Open().ok());
  ASSERT_TRUE(fence.Admit(0x10, Free()).ok());
  elected_ = 0x20;  // this master saw the new coordinator elected; it has not called yet
  EXPECT_EQ(fence.Admit(0x10, Free()).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fence.Admit(0x20, Free()).ok());
}

TEST_F(FenceTest, AHistoryBegunAgainForgetsTheGenerationsOfTheOneBefore) {
  std::string history = "h-before";
  std::mutex mu;
  auto history_of = [&] {
    std::lock_guard lock(mu);
    return history;
  };
  {
    Fence fence(
        dir_ / "coordinator-generation", [this] { return elected_.load(); }, history_of);
    ASSERT_TRUE(fence.Open().ok());
    ASSERT_TRUE(fence.Admit(0x300000010, Free()).ok());
  }
  // A restarted agent still knows the generation, and in which history it was admitted.
  Fence fence(
      dir_ / "coordinator-generation", [this] { return elected_.load(); }, history_of);
  ASSERT_TRUE(fence.Open().ok());
  EXPECT_EQ(fence.Admit(0x100000004, Free()).code(), StatusCode::kFailedPrecondition);
  {
    std::lock_guard lock(mu);
    history = "h-after";  // every server's data lost: zxids begin again
  }
  elected_ = 0x100000004;
  EXPECT_TRUE(fence.Admit(0x100000004, Free()).ok());
  EXPECT_EQ(fence.newest(), 0x100000004u);
  EXPECT_EQ(fence.Admit(0x100000002, Free()).code(), StatusCode::kFailedPrecondition)
      << "the new history's own generations still fence";
}

TEST_F(FenceTest, ARestartedAgentStillRefusesWhatItRefusedBefore) {
  {
    Fence fence = Make();
    ASSERT_TRUE(fence.Open().ok());
    ASSERT_TRUE(fence.Admit(0x30, Free()).ok());
  }
  Fence restarted = Make();
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.newest(), 0x30u);
  EXPECT_EQ(restarted.Admit(0x2f, Free()).code(), StatusCode::kFailedPrecondition);
}

TEST_F(FenceTest, AnOperationKeepsItsLockUnderANewerCoordinatorButCannotTakeANewOne) {
  Fence fence = Make();
  ASSERT_TRUE(fence.Open().ok());
  ASSERT_TRUE(fence.Admit(0x40, Free()).ok());
  elected_ = 0x50;  // the restore restarted ZooKeeper; another agent won the election
  // The restore that took the lock at 0x40 goes on under its lease…
  EXPECT_TRUE(fence.Admit(0x40, HeldBy(0x40)).ok());
  // …but not once the lock is free or another generation's.
  EXPECT_EQ(fence.Admit(0x40, Free()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fence.Admit(0x40, HeldBy(0x50)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fence.newest(), 0x40u);  // admitting under the lease raised nothing
}

TEST_F(FenceTest, ACallWithoutAGenerationIsRefused) {
  Fence fence = Make();
  ASSERT_TRUE(fence.Open().ok());
  EXPECT_EQ(fence.Admit(0, Free()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fence.Admit(0, HeldBy(0)).code(), StatusCode::kInvalidArgument);
}

TEST_F(FenceTest, AGarbledStateFileIsAnErrorNamingIt) {
  std::ofstream(dir_ / "coordinator-generation") << "not a zxid\n";
  Fence fence = Make();
  Status opened = fence.Open();
  EXPECT_EQ(opened.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.message().find("coordinator-generation"), std::string::npos) << opened.message();
}

}  // namespace
}  // namespace lockstep::agent

namespace lockstep::agent {
namespace {

TEST_F(FenceTest, AGenerationNoElectionCouldHaveProducedIsRefusedAndNotRemembered) {
  {
    Fence fence = Make();
    ASSERT_TRUE(fence.Open().ok());
    ASSERT_TRUE(fence.Admit(0x300000010, Free()).ok());
    Status forged = fence.Admit(0xffffffffffffffff, Free());
    EXPECT_EQ(forged.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(forged.message().find("0x300000010"), std::string::npos) << forged.message();
    EXPECT_EQ(fence.newest(), 0x300000010u);
    EXPECT_EQ(fence.Admit(0x500000001, Free()).code(), StatusCode::kInvalidArgument);
  }
  Fence restarted = Make();
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.newest(), 0x300000010u) << "the forged generation was not written down";
  EXPECT_TRUE(restarted.Admit(0x400000001, Free()).ok())
      << "one epoch ahead: a coordinator elected under a new ZooKeeper leader";
}

TEST_F(FenceTest, TheServersZxidBoundsAFreshMastersFirstGeneration) {
  std::atomic<uint64_t> known{0x500000020};
  Fence fence(
      dir_ / "coordinator-generation", [this] { return elected_.load(); }, nullptr,
      [&known] { return known.load(); });
  ASSERT_TRUE(fence.Open().ok());
  EXPECT_EQ(fence.Admit(0x700000000, Free()).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fence.Admit(0x500000010, Free()).ok());
}

}  // namespace
}  // namespace lockstep::agent
