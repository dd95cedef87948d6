// The cluster-wide restore's state machine against fake agents (order of steps, what a failure
// in each phase leads to, how a restore left by a lost driver is settled), and the on-disk swap
// helpers (undoing a swap, including one cut between its two renames; retention; epochs).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "agent/master/node_restore.h"
#include "agent/master/op_lock.h"
#include "common/file.h"
#include "common/zxid.h"
#include "coordinator/restores.h"
#include "engine/datadir/cluster_swap.h"
#include "tests/fake_agents.h"
#include "tests/fake_clock.h"
#include "tests/zk_files.h"

namespace lockstep {
namespace {
namespace fs = std::filesystem;
using coordinator::Member;

// Agents that do what they are told, remember it, and fail where a test says so.
class FakeAgents : public testing::FakeAgents {
 public:
  std::set<std::string> failing;                          // "m2 swap": that step fails there
  std::map<std::string, uint32_t> epochs;                 // current epoch reported at staging
  std::map<std::string, proto::RestoreJournal> journals;  // by master
  uint32_t swapped_epoch = 0;

  Result<proto::StageReply> Stage(const Member& m, const proto::StageRequest& r) override {
    std::lock_guard guard(mu);
    calls.push_back(m.name + " stage");
    if (failing.count(m.name + " stage")) return FailedPrecondition("not enough free disk");
    proto::RestoreJournal& journal = journals[m.name];
    journal.set_restore_id(r.restore_id());
    journal.set_backup_id(r.backup_id());
    journal.set_phase("staged");
    proto::StageReply reply;
    reply.set_master(m.name);
    reply.set_restored_zxid("0x100000005");
    reply.set_current_epoch(epochs[m.name]);
    reply.set_current_zxid(FormatZxid(MakeZxid(epochs[m.name], 9)));
    return reply;
  }
  Result<proto::RestoreJournal> RestoreStep(const Member& m, const std::string& step,
                                            const proto::RestoreStepRequest& r) override {
    std::lock_guard guard(mu);
    calls.push_back(m.name + " " + step);
    if (!journals.count(m.name)) return NotFound("no journal");
    if (failing.count(m.name + " " + step)) return Internal(step + " broke");
    static const std::map<std::string, std::string> kPhaseAfter = {{"stop", "stopped"},
                                                                   {"swap", "swapped"},
                                                                   {"start", "started"},
                                                                   {"finish", "done"},
                                                                   {"rollback", "rolled_back"}};
    journals[m.name].set_phase(kPhaseAfter.at(step));
    if (step == "swap") swapped_epoch = r.min_epoch();
    return journals[m.name];
  }
  Result<proto::RestoreJournalList> RestoreJournals(const Member& m) override {
    std::lock_guard guard(mu);
    proto::RestoreJournalList list;
    if (journals.count(m.name)) *list.add_journals() = journals[m.name];
    return list;
  }

  int Count(const std::string& step) {
    std::lock_guard guard(mu);
    int n = 0;
    for (const auto& call : calls) n += call.ends_with(" " + step);
    return n;
  }
  std::string Phase(const std::string& master) {
    std::lock_guard guard(mu);
    return journals.count(master) ? journals[master].phase() : "";
  }
};

class RestoreMachine : public ::testing::Test {
 protected:
  void SetUp() override {
    backup_.set_id("nightly-3b7c1a9e-1d2f-4c3b-9a8e-0123456789ab");
    backup_.set_status(proto::STATUS_READY);
    backup_.set_sha256("ab");
    (*backup_.mutable_component_status())["zookeeper"].set_last_zxid("0x100000005");
    for (const char* name : {"m1", "m2", "m3"}) {
      backup_.add_replicas()->set_master(name);
      agents_.epochs[name] = 3;
    }
    agents_.epochs["m2"] = 7;
    agents_.clock = &clock_;
  }

  // Every master serving, one leader in the epoch the swap asked for, once all have started.
  coordinator::ClusterView View() {
    coordinator::ClusterView view;
    view.voters = 3;
    for (const char* name : {"m1", "m2", "m3"}) {
      proto::MasterStatus master;
      master.set_name(name);
      master.set_address(std::string("http://") + name);
      master.set_agent_reachable(true);
      master.mutable_zk()->set_code(Serves(agents_.Phase(name)) ? 3 : 1);
      master.mutable_zk()->set_mode(std::string(name) == "m1" ? "leader" : "follower");
      master.mutable_zk()->set_zxid(FormatZxid(MakeZxid(agents_.swapped_epoch + 1, 1)));
      view.masters.push_back(master);
    }
    return view;
  }

  bool Serves(const std::string& phase) {
    if (phase == "rolled_back") return RolledBackDataServes();
    if (phase == "started" || phase == "done") return !never_serves_ && !restored_never_serves_;
    return (phase.empty() || phase == "staged") && !never_serves_;  // not yet stopped
  }

  // The previous data serves again `rollback_forms_after_` after the view first shows it back.
  bool RolledBackDataServes() {
    if (!rolled_back_seen_) rolled_back_seen_ = clock_.Now();
    return !never_serves_ && clock_.Now() >= *rolled_back_seen_ + rollback_forms_after_;
  }

  coordinator::Restores Make(bool identities_over_http = false) {
    coordinator::RestoreHost host{
        .view = [this](bool) { return View(); },
        .find = [this](const std::string&) -> Result<proto::Backup> { return backup_; },
        .publish =
            [this](coordinator::AgentClient&, proto::Backup& record) {
              record.set_revision(record.revision() + 1);
              backup_ = record;
              if (!record.restores().empty()) phases_.push_back(record.restores(0).phase());
            },
        .seal = [] {}};
    return coordinator::Restores(
        agents_, host,
        {.self = "m1",
         .lease = std::chrono::milliseconds(60000),
         .start_timeout = start_timeout_,
         .rollback_start_timeout = rollback_start_timeout_,
         .identities_over_http = identities_over_http},
        [this] { return generation_.load(); }, clock_);
  }

  // The restore record once the background run has finished.
  proto::RestoreRecord Finished() {
    EXPECT_EQ(backup_.restores_size(), 1);
    return backup_.restores_size() ? backup_.restores(0) : proto::RestoreRecord();
  }

  bool Unlocked() {
    for (auto& [name, lock] : agents_.locks) {
      if (lock.Current().held()) return false;
    }
    return true;
  }

  testing::FakeClock clock_;  // the wait for the ensemble passes in no real time
  FakeAgents agents_;
  proto::Backup backup_;
  std::vector<std::string> phases_;
  bool never_serves_ = false;           // no data ever forms an ensemble
  bool restored_never_serves_ = false;  // the restored data does not; the previous data does
  std::chrono::milliseconds start_timeout_ = std::chrono::minutes(2);
  std::chrono::milliseconds rollback_start_timeout_ = std::chrono::minutes(2);
  testing::FakeClock::Duration rollback_forms_after_{0};
  std::optional<testing::FakeClock::TimePoint> rolled_back_seen_;
  std::atomic<uint64_t> generation_{7};  // this coordinator's leadership; 0 once lost
};

TEST_F(RestoreMachine, StepsRunInLockstepAndTheEpochClearsEveryMaster) {
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }  // waits for the run
  const proto::RestoreRecord record = Finished();
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(record.component_status().at("zookeeper").status(), proto::STATUS_READY);
  EXPECT_EQ(agents_.swapped_epoch, 8u) << "above the highest epoch any master reported";
  for (const char* step : {"stage", "stop", "swap", "start", "finish"}) {
    EXPECT_EQ(agents_.Count(step), 3) << step;
  }
  EXPECT_EQ(agents_.Count("rollback"), 0);
  // No master is stopped before every master staged; none swapped before all stopped.
  auto last_of = [&](const std::string& step) {
    size_t at = 0;
    for (size_t i = 0; i < agents_.calls.size(); ++i) {
      if (agents_.calls[i].ends_with(step)) at = i;
    }
    return at;
  };
  auto first_of = [&](const std::string& step) {
    for (size_t i = 0; i < agents_.calls.size(); ++i) {
      if (agents_.calls[i].ends_with(step)) return i;
    }
    return agents_.calls.size();
  };
  EXPECT_LT(last_of(" stage"), first_of(" stop"));
  EXPECT_LT(last_of(" stop"), first_of(" swap"));
  EXPECT_LT(last_of(" swap"), first_of(" start"));
  EXPECT_EQ(phases_.front(), "staging");
  EXPECT_EQ(phases_.back(), "done");
  EXPECT_TRUE(Unlocked());
}

TEST_F(RestoreMachine, AStagingFailureStopsNothing) {
  agents_.failing.insert("m2 stage");
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }
  const proto::RestoreRecord record = Finished();
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("m2"), std::string::npos) << record.reason();
  EXPECT_NE(record.reason().find("nothing was stopped"), std::string::npos) << record.reason();
  EXPECT_EQ(agents_.Count("stop"), 0);
  EXPECT_EQ(agents_.Phase("m1"), "rolled_back") << "staging removed where it was made";
  EXPECT_TRUE(Unlocked());
}

TEST_F(RestoreMachine, ASwapFailureRollsEveryMasterBack) {
  agents_.failing.insert("m3 swap");
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }
  const proto::RestoreRecord record = Finished();
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("swap failed on m3"), std::string::npos) << record.reason();
  EXPECT_NE(record.reason().find("rolled back"), std::string::npos) << record.reason();
  EXPECT_EQ(agents_.Count("rollback"), 3);
  EXPECT_EQ(agents_.Count("start"), 0) << "nothing starts on a half-swapped ensemble";
  EXPECT_TRUE(Unlocked());
}

TEST_F(RestoreMachine, AnEnsembleThatNeverFormsIsRolledBackNamingTheMaster) {
  never_serves_ = true;
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }
  const proto::RestoreRecord record = Finished();
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("did not form within 120 s"), std::string::npos)
      << record.reason() << " (two minutes of fake time)";
  EXPECT_NE(record.reason().find("m1 is not serving"), std::string::npos) << record.reason();
  EXPECT_EQ(agents_.Count("rollback"), 3);
  EXPECT_EQ(agents_.Count("finish"), 0);
}

TEST_F(RestoreMachine, TheWayBackGetsItsOwnWaitNotTheRestoredDatasShortOne) {
  // A restored ensemble that never forms, with a short confirmation window; the previous data
  // takes longer than that window to form again, but less than the rollback's own wait.
  restored_never_serves_ = true;
  start_timeout_ = std::chrono::seconds(20);
  rollback_start_timeout_ = std::chrono::seconds(90);
  rollback_forms_after_ = std::chrono::seconds(45);
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }
  const proto::RestoreRecord record = Finished();
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("did not form within 20 s"), std::string::npos) << record.reason();
  EXPECT_NE(record.reason().find("rolled back: every master serves its previous data again"),
            std::string::npos)
      << record.reason();
  EXPECT_EQ(agents_.Count("rollback"), 3);
}

TEST_F(RestoreMachine, TheWayBackIsNotAwaitedForEver) {
  agents_.failing.insert("m2 start");
  rollback_start_timeout_ = std::chrono::seconds(30);
  rollback_forms_after_ = std::chrono::seconds(45);
  {
    auto restores = Make();
    ASSERT_TRUE(restores.Start(backup_.id()).ok());
  }
  const proto::RestoreRecord record = Finished();
  EXPECT_NE(record.reason().find("rolled back to the previous data on every master, but the "
                                 "ensemble did not form within 30 s"),
            std::string::npos)
      << record.reason();
}

TEST_F(RestoreMachine, IdentitiesNeverReachAPlainHttpMasterUnlessTheOperatorSaysSo) {
  const std::string identity =
      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
  {
    auto restores = Make();
    Result<proto::RestorePlan> refused = restores.DryRun(backup_.id(), {identity});
    ASSERT_FALSE(refused.ok());
    const std::string& message = refused.status().message();
    EXPECT_NE(message.find("over plain HTTP (http://m2)"), std::string::npos) << message;
    EXPECT_NE(message.find("identities_over_http"), std::string::npos) << message;
    EXPECT_EQ(message.find("AGE-SECRET-KEY"), std::string::npos) << "the secret was echoed";
    EXPECT_EQ(agents_.Count("stage"), 0) << "an identity left for a plain-HTTP master";
    EXPECT_EQ(agents_.Count("stop"), 0);
    EXPECT_TRUE(Unlocked());
  }
  auto allowed = Make(/*identities_over_http=*/true);
  Result<proto::RestorePlan> plan = allowed.DryRun(backup_.id(), {identity});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(agents_.Count("stage"), 3);
}

TEST_F(RestoreMachine, ADryRunStagesEverywhereAndLeavesNothing) {
  auto restores = Make();
  Result<proto::RestorePlan> plan = restores.DryRun(backup_.id());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->masters_size(), 3);
  EXPECT_EQ(plan->min_epoch(), 8u);
  EXPECT_EQ(agents_.Count("stop"), 0);
  EXPECT_EQ(agents_.Count("rollback"), 3);
  EXPECT_EQ(backup_.restores_size(), 0) << "a dry run records no restore";
  EXPECT_TRUE(Unlocked());
}

TEST_F(RestoreMachine, AnOrphanSwappedEverywhereIsResumedAndAnyLessRolledBack) {
  auto orphan = [&](const std::map<std::string, std::string>& phases) {
    for (const auto& [name, phase] : phases) {
      proto::RestoreJournal& journal = agents_.journals[name];
      journal.set_restore_id("restore-20261125T000000Z-3b7c1a9e-1d2f-4c3b-9a8e-0123456789ab");
      journal.set_backup_id(backup_.id());
      journal.set_phase(phase);
      journal.set_min_epoch(8);
    }
    agents_.swapped_epoch = 8;
    backup_.clear_restores();
    agents_.calls.clear();
  };
  orphan({{"m1", "swapped"}, {"m2", "started"}, {"m3", "swapped"}});
  {
    auto restores = Make();
    restores.Recover("restore-20261125T000000Z-3b7c1a9e-1d2f-4c3b-9a8e-0123456789ab", backup_.id());
  }
  EXPECT_EQ(Finished().status(), proto::STATUS_READY) << Finished().reason();
  EXPECT_EQ(agents_.Count("rollback"), 0);
  EXPECT_EQ(agents_.Phase("m3"), "done");

  orphan({{"m1", "swapped"}, {"m2", "stopped"}, {"m3", "stopped"}});
  {
    auto restores = Make();
    restores.Recover("restore-20261125T000000Z-3b7c1a9e-1d2f-4c3b-9a8e-0123456789ab", backup_.id());
  }
  EXPECT_EQ(Finished().status(), proto::STATUS_ERROR);
  EXPECT_NE(Finished().reason().find("interrupted"), std::string::npos) << Finished().reason();
  for (const char* name : {"m1", "m2", "m3"}) EXPECT_EQ(agents_.Phase(name), "rolled_back");
  EXPECT_TRUE(Unlocked());
}

TEST_F(RestoreMachine, ARestoreHeldByALiveDriverIsLeftAlone) {
  proto::LockRequest held;
  held.set_operation("restore");
  held.set_id("restore-other");
  held.set_holder("m2");
  held.set_lease_ms(60000);
  ASSERT_TRUE(agents_.locks["m2"].Acquire(held).ok());
  agents_.journals["m1"].set_phase("stopped");
  auto restores = Make();
  restores.Recover("restore-other", backup_.id());
  EXPECT_EQ(agents_.Count("rollback"), 0);
  EXPECT_EQ(agents_.Phase("m1"), "stopped");
}

// --- on disk ---

class ClusterSwap : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = {dir_ / "data", dir_ / "datalog"};
    for (const auto& d : {live_.SnapshotDir(), live_.LogDir()}) fs::create_directories(d);
    testing::WriteFile(live_.SnapshotDir() + "/old", "previous");
    testing::WriteFile(live_.LogDir() + "/old", "previous log");
    testing::WriteFile(live_.SnapshotDir() + "/currentEpoch", "4");
    testing::WriteFile(live_.SnapshotDir() + "/acceptedEpoch", "5");
    for (const auto& live : datadir::LiveDirsOf(live_)) {
      const std::string staging = datadir::StagingDirOf(live, kId);
      fs::create_directories(staging + "/version-2");
      testing::WriteFile(staging + "/version-2/new", "restored");
    }
    ASSERT_TRUE(datadir::MarkStaged(live_, kId, kId).ok());
  }

  static constexpr char kId[] = "restore-20261125T000000Z-x";
  testing::TempDir dir_;
  zkfmt::DataDirs live_;
};

TEST_F(ClusterSwap, EpochsAreReadAndOnlyEverRaised) {
  EXPECT_EQ(datadir::HighestEpochOnDisk(live_), 5u);
  ASSERT_TRUE(datadir::RaiseEpochFiles(live_.SnapshotDir(), 9).ok());
  EXPECT_EQ(testing::ReadFile(live_.SnapshotDir() + "/currentEpoch"), "9");
  ASSERT_TRUE(datadir::RaiseEpochFiles(live_.SnapshotDir(), 2).ok());
  EXPECT_EQ(datadir::HighestEpochOnDisk(live_), 9u);
}

TEST_F(ClusterSwap, UndoPutsThePreviousDataBackEvenWhenCutBetweenTheTwoRenames) {
  // The data dir fully swapped (previous data at its rollback name); the log dir cut after the
  // exchange, before the rename: its previous data still sits at the staging name.
  for (const auto& live : datadir::LiveDirsOf(live_)) {
    ASSERT_TRUE(RealFilesystem().Exchange(live, datadir::StagingDirOf(live, kId)).ok());
  }
  ASSERT_TRUE(RealFilesystem()
                  .Rename(datadir::StagingDirOf(live_.data_dir, kId),
                          datadir::RollbackDirOf(live_.data_dir, kId))
                  .ok());
  ASSERT_TRUE(datadir::IsSwappedIn(live_, kId));
  ASSERT_TRUE(datadir::UndoSwap(RealFilesystem(), live_, kId, kId, 12).ok());
  EXPECT_FALSE(datadir::IsSwappedIn(live_, kId));
  EXPECT_EQ(testing::ReadFile(live_.SnapshotDir() + "/old"), "previous");
  EXPECT_EQ(testing::ReadFile(live_.LogDir() + "/old"), "previous log");
  EXPECT_EQ(datadir::HighestEpochOnDisk(live_), 12u) << "clients may have seen the new epoch";
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".lockstep-"), std::string::npos)
        << entry.path() << " left behind";
  }
  // Nothing left to undo is not an error.
  EXPECT_TRUE(datadir::UndoSwap(RealFilesystem(), live_, kId, kId, 12).ok());
}

TEST_F(ClusterSwap, UndoWithoutASwapOnlyRemovesStaging) {
  ASSERT_TRUE(datadir::UndoSwap(RealFilesystem(), live_, kId, kId, 12).ok());
  EXPECT_EQ(testing::ReadFile(live_.SnapshotDir() + "/currentEpoch"), "4") << "untouched";
  EXPECT_FALSE(fs::exists(datadir::StagingDirOf(live_.data_dir, kId)));
  EXPECT_FALSE(fs::exists(datadir::StagingDirOf(live_.data_log_dir, kId)));
}

TEST_F(ClusterSwap, PruningKeepsTheNewestRollbackCopies) {
  for (const char* stamp : {"restore-20261101", "restore-20261110", "restore-20261120"}) {
    fs::create_directories(datadir::RollbackDirOf(live_.data_dir, stamp));
  }
  ASSERT_TRUE(datadir::PruneRollbacks(RealFilesystem(), live_, 1).ok());
  EXPECT_FALSE(fs::exists(datadir::RollbackDirOf(live_.data_dir, "restore-20261101")));
  EXPECT_FALSE(fs::exists(datadir::RollbackDirOf(live_.data_dir, "restore-20261110")));
  EXPECT_TRUE(fs::exists(datadir::RollbackDirOf(live_.data_dir, "restore-20261120")));
  EXPECT_TRUE(fs::exists(live_.SnapshotDir() + "/old")) << "live data untouched";
}

TEST_F(ClusterSwap, OnlyOrphanedStagingIsRemovedAndNeverOnceItsSwapBegan) {
  const std::string orphan = "restore-20261124T000000Z-y";
  for (const auto& live : datadir::LiveDirsOf(live_)) {
    fs::create_directories(datadir::StagingDirOf(live, orphan) + "/version-2");
  }
  // What a compaction killed mid-way leaves inside the staging goes with it.
  const std::string work =
      datadir::StagingDirOf(live_.data_dir, orphan) + "/" + datadir::kCompactWorkPrefix + "abc123";
  fs::create_directories(work);
  std::vector<std::string> asked;
  auto orphaned = [&](const std::string& stamp) {
    asked.push_back(stamp);
    return stamp == orphan;
  };
  ASSERT_TRUE(datadir::RemoveOrphanStaging(RealFilesystem(), live_, orphaned).ok());
  for (const auto& live : datadir::LiveDirsOf(live_)) {
    EXPECT_FALSE(fs::exists(datadir::StagingDirOf(live, orphan))) << live;
    EXPECT_TRUE(fs::exists(datadir::StagingDirOf(live, kId) + "/version-2/new")) << live;
  }
  EXPECT_EQ(asked.size(), 4u);  // two stamps beside each of the two live directories
  EXPECT_TRUE(fs::exists(live_.SnapshotDir() + "/old")) << "live data untouched";

  // Cut between the exchange and the rename: the staging name holds the previous data, the live
  // name the restored data with kId's marker. Even a journal gone missing must not lose it.
  for (const auto& live : datadir::LiveDirsOf(live_)) {
    ASSERT_TRUE(RealFilesystem().Exchange(live, datadir::StagingDirOf(live, kId)).ok());
  }
  ASSERT_TRUE(datadir::RemoveOrphanStaging(RealFilesystem(), live_, [](const std::string&) {
                return true;
              }).ok());
  EXPECT_TRUE(fs::exists(datadir::StagingDirOf(live_.data_dir, kId) + "/version-2/old"));
  EXPECT_TRUE(fs::exists(datadir::StagingDirOf(live_.data_log_dir, kId) + "/version-2/old"));
}

TEST(RestoreJournals, OnlyFinishedJournalsBeyondTheNewestAreDropped) {
  std::vector<proto::RestoreJournal> journals;
  auto add = [&](const std::string& day, const char* phase_name) {
    proto::RestoreJournal journal;
    journal.set_restore_id("restore-202611" + day + "T100000Z-0000");
    journal.set_phase(phase_name);
    journals.push_back(journal);
  };
  add("03", api::restore_phase::kDone);
  add("01", api::restore_phase::kStopped);  // the oldest, but unfinished: an orphan to settle
  add("05", api::restore_phase::kRolledBack);
  add("02", api::restore_phase::kDone);
  add("04", api::restore_phase::kDone);
  EXPECT_TRUE(agent::JournalsToPrune(journals, 4).empty());
  EXPECT_EQ(
      agent::JournalsToPrune(journals, 2),
      (std::vector<std::string>{"restore-20261103T100000Z-0000", "restore-20261102T100000Z-0000"}));
  EXPECT_EQ(agent::JournalsToPrune(journals, 0).size(), 4u);
}

}  // namespace
}  // namespace lockstep
