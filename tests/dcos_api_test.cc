// DC/OS's backup API (agent/http/dcos_api.h) against golden files: each endpoint's answer and
// each error, exactly as a DC/OS client receives them (tests/golden/dcos/NAME: the status line,
// then the body). LOCKSTEP_UPDATE_GOLDEN=1 rewrites them from the code; a rewrite is reviewed
// against the contract in the DC/OS 1.13 API reference before it is committed.
#include "agent/http/dcos_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr char kBackupId[] = "nightly-1c9d37f2-7d5e-4e28-9b52-0c3f2d1e9a61";
constexpr char kRestoreId[] = "restore-20261207T101500Z-5b1f0d6e-3a2c-4f7e-8d9b-1e2f3a4b5c6d";

proto::Backup ReadyBackup() {
  proto::Backup backup;
  backup.set_id(kBackupId);
  backup.set_label("nightly");
  backup.set_timestamp("2026-12-07T10:00:00Z");
  backup.set_status(proto::STATUS_READY);
  backup.set_mode("online");
  backup.set_size_bytes(123456);
  (*backup.mutable_component_status())["zookeeper"].set_status(proto::STATUS_READY);
  (*backup.mutable_component_status())["marathon"].set_status(proto::STATUS_READY);
  (*backup.mutable_component_status())["marathon"].set_root("/marathon");
  return backup;
}

// What Lockstep would answer, set by each test; records what it was asked.
class FakeBackend : public DcosBackend {
 public:
  Result<proto::Backup> Create(const http::Request&, const std::string& label) override {
    created = label;
    if (!create_status.ok()) return create_status;
    proto::Backup backup = ReadyBackup();
    backup.set_id(label + "-1c9d37f2-7d5e-4e28-9b52-0c3f2d1e9a61");
    backup.set_label(label);
    backup.set_status(proto::STATUS_BACKING_UP);
    for (auto& [name, component] : *backup.mutable_component_status()) {
      component.set_status(proto::STATUS_BACKING_UP);
    }
    return backup;
  }
  Result<std::vector<proto::Backup>> List(const http::Request&,
                                          const std::string& prefix) override {
    listed_prefix = prefix;
    return backups;
  }
  Result<proto::Backup> Show(const http::Request&, const std::string& id) override {
    for (const auto& backup : backups) {
      if (backup.id() == id) return backup;
    }
    return NotFound("no backup " + id);
  }
  Result<proto::RestoreRecord> Restore(const http::Request&, const std::string& id) override {
    restored = id;
    if (!restore_status.ok()) return restore_status;
    proto::RestoreRecord record;
    record.set_id(kRestoreId);
    record.set_status(proto::STATUS_RESTORING);
    (*record.mutable_component_status())["marathon"].set_status(proto::STATUS_RESTORING);
    return record;
  }
  Status Delete(const http::Request&, const std::string& id) override {
    deleted = id;
    return Status::Ok();
  }

  std::vector<proto::Backup> backups;
  Status create_status, restore_status;
  std::string created, listed_prefix, restored, deleted;
};

class DcosApiTest : public ::testing::Test {
 protected:
  http::Reply Post(http::Reply (DcosBackupApi::*handler)(const http::Request&, const PathParams&),
                   const std::string& body) {
    http::Request request{.method = "POST", .body = body};
    return (api_.*handler)(request, {});
  }
  // The same JSON value, whatever the order of an object's keys (a protobuf map's order is not
  // fixed, and JSON gives it no meaning).
  static bool SameJson(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return a == b;
    google::protobuf::Value left, right;
    return proto::FromJson(a, &left).ok() && proto::FromJson(b, &right).ok() &&
           google::protobuf::util::MessageDifferencer::Equals(left, right);
  }
  // Compares `reply` with the golden file `name` (or writes it, when updating): the status line
  // exactly, the body as JSON.
  void ExpectGolden(const std::string& name, const http::Reply& reply) {
    const std::string path = std::string(LOCKSTEP_SOURCE_DIR) + "/tests/golden/dcos/" + name;
    const std::string actual = "HTTP " + std::to_string(reply.status) + "\n" + reply.body + "\n";
    if (std::getenv("LOCKSTEP_UPDATE_GOLDEN")) {
      std::ofstream(path) << actual;
      return;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path << " is missing; LOCKSTEP_UPDATE_GOLDEN=1 writes it";
    std::string status_line, body;
    std::getline(in, status_line);
    std::getline(in, body);
    EXPECT_EQ("HTTP " + std::to_string(reply.status), status_line) << name;
    EXPECT_TRUE(SameJson(reply.body, body)) << name << ": got " << reply.body << "\nwant " << body;
    if (reply.status >= 400) {
      proto::DcosErrors errors;
      ASSERT_TRUE(proto::FromJson(reply.body, &errors).ok()) << reply.body;
      EXPECT_EQ(errors.errors_size(), 1);
    }
  }

  FakeBackend backend_;
  DcosBackupApi api_{&backend_, "lockstep-0.1.0"};
};

TEST_F(DcosApiTest, CreateAnswersBackingUpWithEveryComponentUnknown) {
  ExpectGolden("create", Post(&DcosBackupApi::Create, R"({"label":"nightly"})"));
  EXPECT_EQ(backend_.created, "nightly");
}

TEST_F(DcosApiTest, CreateRefusesABadLabelOrBodyWith400AndTouchesNothing) {
  ExpectGolden("create_label_too_short", Post(&DcosBackupApi::Create, R"({"label":"ab"})"));
  ExpectGolden("create_label_bad_start", Post(&DcosBackupApi::Create, R"({"label":"..abc"})"));
  ExpectGolden("create_no_body", Post(&DcosBackupApi::Create, ""));
  ExpectGolden("create_unknown_field", Post(&DcosBackupApi::Create, R"({"lable":"nightly"})"));
  EXPECT_EQ(backend_.created, "");
}

TEST_F(DcosApiTest, CreateWhileAnOperationRunsIsA500SayingTheLockIsHeld) {
  backend_.create_status =
      Status(StatusCode::kBusy, "busy: backup weekly-… since 2026-12-07T10:00:00Z on m1");
  ExpectGolden("create_busy", Post(&DcosBackupApi::Create, R"({"label":"nightly"})"));
}

TEST_F(DcosApiTest, ListAnswersBackupInfoOrAnEmptyObject) {
  http::Request request{.method = "GET"};
  ExpectGolden("list_empty", api_.List(request, {}));
  proto::Backup restored = ReadyBackup();
  proto::RestoreRecord* restore = restored.add_restores();
  restore->set_id(kRestoreId);
  restore->set_status(proto::STATUS_READY);
  (*restore->mutable_component_status())["marathon"].set_status(proto::STATUS_READY);
  restore->set_phase("done");
  backend_.backups = {restored};
  request.query["prefix"] = "night";
  ExpectGolden("list", api_.List(request, {}));
  EXPECT_EQ(backend_.listed_prefix, "night");
}

TEST_F(DcosApiTest, RestoreAnswersTheBackupWithTheNewRestoreInRestores) {
  backend_.backups = {ReadyBackup()};
  ExpectGolden("restore",
               Post(&DcosBackupApi::Restore, std::string(R"({"id":")") + kBackupId + R"("})"));
  EXPECT_EQ(backend_.restored, kBackupId);
}

TEST_F(DcosApiTest, RestoreRefusesABadOrUnknownId) {
  ExpectGolden("restore_id_too_short", Post(&DcosBackupApi::Restore, R"({"id":"nightly-1"})"));
  ExpectGolden("restore_no_body", Post(&DcosBackupApi::Restore, ""));
  EXPECT_EQ(backend_.restored, "");
  backend_.restore_status = NotFound("backup " + std::string(kBackupId) + " not found");
  ExpectGolden("restore_unknown",
               Post(&DcosBackupApi::Restore, std::string(R"({"id":")") + kBackupId + R"("})"));
}

TEST_F(DcosApiTest, DeleteTakesTheIdInTheBodyAndRefusesARestoresId) {
  proto::Backup backup = ReadyBackup();
  backup.add_restores()->set_id(kRestoreId);
  backend_.backups = {backup};
  http::Request request{.method = "DELETE", .body = std::string(R"({"id":")") + kRestoreId + "\"}"};
  ExpectGolden("delete_restore_id", api_.Delete(request, {}));
  EXPECT_EQ(backend_.deleted, "");
  request.body = std::string(R"({"id":")") + kBackupId + "\"}";
  ExpectGolden("delete", api_.Delete(request, {}));
  EXPECT_EQ(backend_.deleted, kBackupId);
  backend_.backups.clear();
  ExpectGolden("delete_unknown", api_.Delete(request, {}));
}

}  // namespace
}  // namespace lockstep::agent
