// Server reflection, as grpcurl-style tools use it: the files it serves carry
// the comments of the .proto files, so describing a method or a message shows
// what the contract says about it. Checked with a client of the test's own
// (reflection_client.h) against the .proto files of the source tree, read
// here, so the expected comments are never typed into the test.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/services/reflection_client.h"
#include "tests/services/server_process.h"
#include "tests/services/shared_server_test.h"
#include "tests/test_util/status_assertions.h"

#ifndef TIMEBANK_PROTO_DIR
#error "TIMEBANK_PROTO_DIR must name the directory of the .proto files"
#endif

namespace timebank::testing {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::SourceLocation;

// The comment on the lines right above the one line of `proto` that starts,
// after its indentation, with `declaration`, in the form protobuf reports a
// leading comment: each line without its indentation and "//", ending in a
// newline. Empty, with a test failure, unless exactly one line starts so.
std::string LeadingCommentInProto(const std::string& proto,
                                  std::string_view declaration) {
  std::vector<std::string> lines;  // Without their indentation.
  std::istringstream in(proto);
  for (std::string line; std::getline(in, line);) {
    const size_t start = line.find_first_not_of(" \t");
    lines.push_back(start == std::string::npos ? "" : line.substr(start));
  }
  std::vector<size_t> found;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with(declaration)) found.push_back(i);
  }
  if (found.size() != 1) {
    ADD_FAILURE() << found.size() << " lines start with " << declaration;
    return "";
  }
  size_t first = found.front();
  while (first > 0 && lines[first - 1].starts_with("//")) --first;
  std::string text;
  for (size_t i = first; i < found.front(); ++i) {
    text.append(lines[i].substr(2)).append("\n");
  }
  return text;
}

class ReflectionTest : public SharedServerTest<ReflectionTest> {};

TEST_F(ReflectionTest, DescribesLedgerWithTheCommentsOfItsProto) {
  ASSERT_OK_AND_ASSIGN(
      const std::string proto,
      ReadWholeFile(TIMEBANK_PROTO_DIR "/timebank/v1/ledger.proto"));
  ASSERT_OK_AND_ASSIGN(
      const std::vector<google::protobuf::FileDescriptorProto> files,
      ReflectionFilesContainingSymbol(server().NewChannel(),
                                      "timebank.v1.Ledger"));
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front().name(), "timebank/v1/ledger.proto");
  // A pool of the test's own, fed only what the server sent: ledger.proto
  // and the files it imports.
  google::protobuf::SimpleDescriptorDatabase database;
  for (const google::protobuf::FileDescriptorProto& file : files) {
    ASSERT_TRUE(database.Add(file)) << file.name();
  }
  DescriptorPool pool(&database);

  const struct {
    const char* symbol;
    const char* declaration;
  } cases[] = {
      {"timebank.v1.Ledger", "service Ledger {"},
      {"timebank.v1.Ledger.GetBalance", "rpc GetBalance("},
      {"timebank.v1.Ledger.WatchJournal", "rpc WatchJournal("},
      {"timebank.v1.TimebankSettings.balance_floor_minutes",
       "int64 balance_floor_minutes ="},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.symbol);
    const std::string expected = LeadingCommentInProto(proto, c.declaration);
    ASSERT_FALSE(expected.empty())
        << "ledger.proto has no comment above " << c.declaration;
    SourceLocation where;
    bool located = false;
    if (const auto* service = pool.FindServiceByName(c.symbol)) {
      located = service->GetSourceLocation(&where);
    } else if (const auto* method = pool.FindMethodByName(c.symbol)) {
      located = method->GetSourceLocation(&where);
    } else if (const auto* field = pool.FindFieldByName(c.symbol)) {
      located = field->GetSourceLocation(&where);
    } else {
      FAIL() << "the served files do not declare " << c.symbol;
    }
    ASSERT_TRUE(located) << "the served descriptor has no source info";
    EXPECT_EQ(where.leading_comments, expected);
  }
}

TEST_F(ReflectionTest, ListsEveryServiceAndAnswersAnUnknownSymbolNotFound) {
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> services,
                       ReflectionListServices(server().NewChannel()));
  for (const char* service :
       {"timebank.v1.Ledger", "timebank.v1.Access", "timebank.v1.Assessment",
        "timebank.v1.Admin", "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), service),
              services.end())
        << service;
  }
  EXPECT_STATUS(ReflectionFilesContainingSymbol(server().NewChannel(),
                                                "timebank.v1.NoSuchThing"),
                absl::StatusCode::kNotFound, "reflection:");
}

}  // namespace
}  // namespace timebank::testing
