// Component dumps inside archives: a components-only archive written by the backup engine
// streams every record back out through DumpReader, in order, across many archive blocks.
#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/components/dump.h"
#include "engine/datadir/backup.h"
#include "engine/datadir/inspect_archive.h"
#include "tests/zk_files.h"

namespace lockstep {
namespace {

std::string WriteDump(const std::string& path, int records) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  {
    google::protobuf::io::FileOutputStream out(fd);
    for (int i = 0; i < records; ++i) {
      proto::ZNodeRecord record;
      record.set_path(i == 0 ? "/app" : "/app/n" + std::to_string(i));
      record.set_data(std::string(static_cast<size_t>(i % 3000), 'x'));
      EXPECT_TRUE(google::protobuf::util::SerializeDelimitedToZeroCopyStream(record, &out));
    }
    EXPECT_TRUE(out.Flush());
  }
  ::close(fd);
  return path;
}

TEST(ComponentDump, EveryRecordComesBackOutOfAComponentsOnlyArchive) {
  testing::TempDir dir;
  constexpr int kRecords = 5000;
  datadir::BackupOptions options;
  options.archive_path = dir / "backup.tar.zst";
  options.include_zookeeper = false;
  proto::ComponentDump dump;
  dump.set_name("app");
  dump.set_root("/app");
  dump.set_node_count(kRecords);
  options.components.push_back({dump, WriteDump(dir / "app.pb", kRecords)});
  auto backup = datadir::RunBackup(options);
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_TRUE(backup->manifest.components_only());

  auto reader = components::DumpReader::Open(options.archive_path, "app", {});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  proto::ZNodeRecord record;
  int n = 0;
  for (;;) {
    auto more = (*reader)->Next(&record);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ASSERT_EQ(record.path(), n == 0 ? "/app" : "/app/n" + std::to_string(n));
    ASSERT_EQ(record.data().size(), static_cast<size_t>(n % 3000));
    ++n;
  }
  EXPECT_EQ(n, kRecords);
  EXPECT_FALSE(components::DumpReader::Open(options.archive_path, "other", {}).ok());
  auto report = datadir::InspectArchive(options.archive_path, dir.path());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->valid());
}

TEST(ComponentDump, NamesAndRootsAreChecked) {
  EXPECT_TRUE(components::CheckComponent("marathon", "/marathon").ok());
  EXPECT_TRUE(components::CheckComponent("app", "/dcos/app").ok());
  EXPECT_FALSE(components::CheckComponent("zookeeper", "/x").ok());
  EXPECT_FALSE(components::CheckComponent("Bad Name", "/x").ok());
  EXPECT_FALSE(components::CheckComponent("app", "/").ok());
  EXPECT_FALSE(components::CheckComponent("app", "relative").ok());
  EXPECT_FALSE(components::CheckComponent("app", "/a/../b").ok());
  EXPECT_FALSE(components::CheckComponent("app", "/zookeeper/quota").ok());
  EXPECT_FALSE(components::CheckComponent("app", "/lockstep").ok());
  EXPECT_FALSE(components::CheckComponent("app", "/lockstep/election").ok());
}

}  // namespace
}  // namespace lockstep
