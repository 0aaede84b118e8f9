// The `timebank` CLI end to end: the built binary run as a subprocess
// against a real timebankd, checking what people and scripts rely on: the
// text it prints, its --json and --csv output, and its exit codes (0 ok,
// 2 usage or invalid argument, 3 not found, 4 permission or
// authentication, 5 failed precondition or already exists, 1 other).
//
// Each run gets an empty working directory and an environment without any
// TIMEBANK_* variable of the test's own, so the CLI finds the server and
// the token only where a test puts them.

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/services/command.h"
#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"
#include "tests/test_util/temp_dir.h"

#ifndef TIMEBANK_CLI_PATH
#error "TIMEBANK_CLI_PATH must name the timebank CLI binary"
#endif

namespace timebank::testing {
namespace {

constexpr auto kCliTimeout = std::chrono::seconds(60);

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 3;
constexpr int kExitDenied = 4;
constexpr int kExitConflict = 5;

using CliRun = CommandRun;

// Runs the CLI with `args` in `work_dir`, with the parent's environment minus
// every TIMEBANK_* variable, plus `env` ("NAME=value").
CliRun RunCli(const std::string& work_dir, std::vector<std::string> args,
              const std::vector<std::string>& env) {
  args.insert(args.begin(), TIMEBANK_CLI_PATH);
  return RunCommand(std::move(args), work_dir, kCliTimeout, env);
}

// Splits CSV text (RFC 4180: quoted fields, doubled quotes) into records.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

template <typename Message>
::testing::AssertionResult ParsesAs(const std::string& json, Message* out) {
  const auto status = google::protobuf::util::JsonStringToMessage(json, out);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "not a " << out->GetTypeName() << ": " << status.ToString() << "\n"
         << json;
}

// "YYYY-MM-DD" of today, UTC, moved by `days`.
std::string DateFromToday(int days) {
  const auto day =
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
      std::chrono::days(days);
  const std::chrono::year_month_day ymd(day);
  char text[16];
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

class CliE2eTest : public SharedServerTest<CliE2eTest> {
 protected:
  std::string TokenFile() const { return server().data_dir() + "/admin.token"; }

  // The CLI with --server and --token-file for this server's admin.
  CliRun Cli(std::vector<std::string> args) const {
    args.insert(args.end(),
                {"--server", server().address(), "--token-file", TokenFile()});
    return RunCli(work_dir_.path(), std::move(args), {});
  }
  // The CLI finding the server and the admin token in the environment.
  CliRun CliByEnv(std::vector<std::string> args) const {
    return RunCli(work_dir_.path(), std::move(args),
                  {"TIMEBANK_SERVER=" + server().address(),
                   "TIMEBANK_TOKEN_FILE=" + TokenFile()});
  }
  // The CLI with only what `args` and `env` say.
  CliRun CliBare(std::vector<std::string> args,
                 const std::vector<std::string>& env = {}) const {
    return RunCli(work_dir_.path(), std::move(args), env);
  }

  // A new timebank with PERSON accounts kathy and vera, through the CLI.
  std::string NewTimebank() const {
    const std::string tb = UniqueId("cli");
    const CliRun created =
        Cli({"timebank", "create", "--id", tb, "--name", "CLI Timebank"});
    EXPECT_EQ(created.exit_code, kExitOk) << created;
    const CliRun kathy = Cli({"account", "open", "-t", tb, "--id", "kathy",
                              "--name", "Kathy Brown"});
    EXPECT_EQ(kathy.exit_code, kExitOk) << kathy;
    const CliRun vera = CliByEnv({"account", "open", "--timebank", tb, "--id",
                                  "vera", "--name", "Vera Holt"});
    EXPECT_EQ(vera.exit_code, kExitOk) << vera;
    return tb;
  }

  TempDir work_dir_;
};

TEST_F(CliE2eTest, RecordsAnExchangeAndShowsBalancesInHoursAndMinutes) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  const CliRun recorded = Cli(
      {"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver", "vera",
       "--hours", "1h30m", "--category", "gardening", "--description",
       "Front garden, \"the big one\"", "--on", "2025-06-01"});
  ASSERT_EQ(recorded.exit_code, kExitOk) << recorded;
  EXPECT_NE(recorded.out.find(
                "#1: kathy gave vera 1 h 30 m of gardening on 2025-06-01 "
                "(confirmed)"),
            std::string::npos)
      << recorded;

  const CliRun kathy = Cli({"balance", "-t", tb, "kathy"});
  ASSERT_EQ(kathy.exit_code, kExitOk) << kathy;
  EXPECT_NE(kathy.out.find("Kathy Brown: gave 1 h 30 m"), std::string::npos)
      << kathy;
  EXPECT_NE(kathy.out.find("balance +1 h 30 m"), std::string::npos) << kathy;
  const CliRun vera = CliByEnv({"balance", "-t", tb, "--account", "vera"});
  ASSERT_EQ(vera.exit_code, kExitOk) << vera;
  EXPECT_NE(vera.out.find("received 1 h 30 m"), std::string::npos) << vera;
  EXPECT_NE(vera.out.find("balance -1 h 30 m"), std::string::npos) << vera;

  const CliRun json = Cli({"balance", "-t", tb, "kathy", "--json"});
  ASSERT_EQ(json.exit_code, kExitOk) << json;
  v1::Balance balance;
  ASSERT_TRUE(ParsesAs(json.out, &balance));
  EXPECT_EQ(balance.minutes_given(), 90);
  EXPECT_EQ(balance.minutes_received(), 0);
  EXPECT_EQ(balance.balance_minutes(), 90);
  EXPECT_EQ(balance.exchanges_given(), 1);

  const CliRun csv = Cli({"exchange", "list", "-t", tb, "--csv"});
  ASSERT_EQ(csv.exit_code, kExitOk) << csv;
  const std::vector<std::vector<std::string>> rows = ParseCsv(csv.out);
  ASSERT_EQ(rows.size(), 2u) << csv;
  EXPECT_EQ(rows[0], (std::vector<std::string>{
                         "seq", "occurred_on", "giver_id", "receiver_id",
                         "minutes", "category", "status", "description"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{
                         "1", "2025-06-01", "kathy", "vera", "90", "gardening",
                         "confirmed", "Front garden, \"the big one\""}));

  const CliRun balances = Cli({"balances", "-t", tb});
  ASSERT_EQ(balances.exit_code, kExitOk) << balances;
  EXPECT_NE(balances.out.find("Sum of 2 balances: 0 h"), std::string::npos)
      << balances;
  const CliRun balances_json = Cli({"balances", "-t", tb, "--json"});
  ASSERT_EQ(balances_json.exit_code, kExitOk) << balances_json;
  v1::SnapshotBalancesResponse snapshot;
  ASSERT_TRUE(ParsesAs(balances_json.out, &snapshot));
  ASSERT_EQ(snapshot.balances_size(), 2);
  EXPECT_EQ(snapshot.balances(0).balance_minutes() +
                snapshot.balances(1).balance_minutes(),
            0);

  const CliRun verified = Cli({"journal", "verify", "-t", tb});
  EXPECT_EQ(verified.exit_code, kExitOk) << verified;
  EXPECT_TRUE(verified.out.starts_with("OK: checked 1 journal entries"))
      << verified;
}

// Run twice, an import records each row once and says, row by row, which
// rows an earlier run had recorded.
TEST_F(CliE2eTest, ImportRunAgainSaysWhichRowsWereAlreadyRecorded) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  const std::string file = work_dir_.path() + "/rows.csv";
  std::ofstream(file) << "giver,receiver,hours,category,date\n"
                         "kathy,vera,1,gardening,2025-06-01\n"
                         "vera,kathy,2,befriending,2025-06-02\n";
  const CliRun first = Cli({"exchange", "import", "-t", tb, file});
  ASSERT_EQ(first.exit_code, kExitOk) << first;
  EXPECT_NE(
      first.out.find("Recorded 2 new of 2 rows into " + tb + "; 0 failed"),
      std::string::npos)
      << first;
  const CliRun again = Cli({"exchange", "import", "-t", tb, file});
  ASSERT_EQ(again.exit_code, kExitOk) << again;
  EXPECT_NE(again.out.find("line 2: already recorded as #1"), std::string::npos)
      << again;
  EXPECT_NE(again.out.find("line 3: already recorded as #2"), std::string::npos)
      << again;
  EXPECT_NE(again.out.find("Recorded 0 new of 2 rows into " + tb +
                           "; 2 already recorded; 0 failed"),
            std::string::npos)
      << again;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 2u);
}

TEST_F(CliE2eTest, FailuresExitWithTheirCodeAndNameTheField) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());

  const CliRun unknown =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver",
           "nobody", "--hours", "1", "--category", "gardening"});
  EXPECT_EQ(unknown.exit_code, kExitNotFound) << unknown;
  EXPECT_TRUE(unknown.err.starts_with("error: NOT_FOUND: receiver_id:"))
      << unknown;
  EXPECT_EQ(unknown.out, "") << unknown;

  const CliRun bad_hours =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver",
           "vera", "--hours", "abc", "--category", "gardening"});
  EXPECT_EQ(bad_hours.exit_code, kExitUsage) << bad_hours;
  EXPECT_NE(bad_hours.err.find("--hours"), std::string::npos) << bad_hours;

  const CliRun missing_flag = Cli({"exchange", "record", "-t", tb, "--giver",
                                   "kathy", "--hours", "1", "--category", "x"});
  EXPECT_EQ(missing_flag.exit_code, kExitUsage) << missing_flag;
  EXPECT_NE(missing_flag.err.find("--receiver"), std::string::npos)
      << missing_flag;
  const CliRun no_such_command = Cli({"frobnicate"});
  EXPECT_EQ(no_such_command.exit_code, kExitUsage) << no_such_command;

  const CliRun again =
      Cli({"timebank", "create", "--id", tb, "--name", "Twice"});
  EXPECT_EQ(again.exit_code, kExitConflict) << again;
  EXPECT_NE(again.err.find("timebank_id"), std::string::npos) << again;
  const CliRun no_timebank = Cli({"journal", "verify", "-t", "cli-nowhere"});
  EXPECT_EQ(no_timebank.exit_code, kExitNotFound) << no_timebank;

  // No token anywhere: the working directory holds no data/admin.token.
  const CliRun no_token =
      CliBare({"balances", "-t", tb, "--server", server().address()});
  EXPECT_EQ(no_token.exit_code, kExitDenied) << no_token;
  EXPECT_NE(no_token.err.find("no token"), std::string::npos) << no_token;
  const std::string bogus = work_dir_.Join("bogus.token");
  std::ofstream(bogus) << "tbk_0000_not-a-real-secret\n";
  const CliRun bad_token =
      CliBare({"balances", "-t", tb}, {"TIMEBANK_SERVER=" + server().address(),
                                       "TIMEBANK_TOKEN_FILE=" + bogus});
  EXPECT_EQ(bad_token.exit_code, kExitDenied) << bad_token;
  EXPECT_NE(bad_token.err.find("UNAUTHENTICATED"), std::string::npos)
      << bad_token;

  // Nothing above changed the books.
  const CliRun verified = Cli({"journal", "verify", "-t", tb});
  EXPECT_EQ(verified.exit_code, kExitOk) << verified;
  EXPECT_TRUE(verified.out.starts_with("OK: checked 0 journal entries"))
      << verified;
}

TEST_F(CliE2eTest, DemoFillsRiversideAndItsReportAndAssessmentRun) {
  const CliRun demo = Cli({"demo"});
  ASSERT_EQ(demo.exit_code, kExitOk) << demo;
  const CliRun balances = Cli({"balances", "-t", "riverside"});
  EXPECT_EQ(balances.exit_code, kExitOk) << balances;
  const CliRun verified = Cli({"journal", "verify", "-t", "riverside"});
  EXPECT_EQ(verified.exit_code, kExitOk) << verified;

  const std::string from = DateFromToday(-365);
  const std::string to = DateFromToday(0);
  const CliRun report =
      Cli({"report", "-t", "riverside", "--from", from, "--to", to});
  EXPECT_EQ(report.exit_code, kExitOk) << report;
  EXPECT_FALSE(report.out.empty()) << report;
  const CliRun assessment =
      Cli({"assess", "-t", "riverside", "--from", from, "--to", to});
  EXPECT_EQ(assessment.exit_code, kExitOk) << assessment;
  EXPECT_FALSE(assessment.out.empty()) << assessment;
}

}  // namespace
}  // namespace timebank::testing
