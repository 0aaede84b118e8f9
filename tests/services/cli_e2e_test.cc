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
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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
// every TIMEBANK_* variable, plus `env` ("NAME=value"). The settings file is
// looked for in `work_dir` (XDG_CONFIG_HOME), so that one in the home folder
// of whoever runs the tests is never read.
CliRun RunCli(const std::string& work_dir, std::vector<std::string> args,
              std::vector<std::string> env) {
  args.insert(args.begin(), TIMEBANK_CLI_PATH);
  env.insert(env.begin(), "XDG_CONFIG_HOME=" + work_dir);
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
  EXPECT_NE(first.out.find("Recorded into " + tb +
                           ": 2 new, 0 already recorded, 0 failed (2 rows)."),
            std::string::npos)
      << first;
  const CliRun again = Cli({"exchange", "import", "-t", tb, file});
  ASSERT_EQ(again.exit_code, kExitOk) << again;
  EXPECT_NE(again.out.find("line 2: already recorded as #1"), std::string::npos)
      << again;
  EXPECT_NE(again.out.find("line 3: already recorded as #2"), std::string::npos)
      << again;
  EXPECT_NE(again.out.find("Recorded into " + tb +
                           ": 0 new, 2 already recorded, 0 failed (2 rows)."),
            std::string::npos)
      << again;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 2u);
}

// The dry run asks the server: it reports what the import would do, rule by
// rule, and --all-or-nothing records the whole file or none of it.
TEST_F(CliE2eTest, ImportDryRunSaysExactlyWhatTheImportWouldDo) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  const std::string done = work_dir_.Join("done.csv");
  std::ofstream(done) << "giver,receiver,hours,category,date\n"
                         "kathy,vera,1,gardening,2025-06-01\n";
  ASSERT_EQ(Cli({"exchange", "import", "-t", tb, done}).exit_code, kExitOk);
  // One row already in, one good, and what only the server can judge: an
  // unknown member, a case mistake, more than the limit, no category.
  const std::string file = work_dir_.Join("rows.csv");
  std::ofstream(file) << "giver,receiver,hours,category,date\n"
                         "kathy,vera,1,gardening,2025-06-01\n"
                         "vera,kathy,2,befriending,2025-06-02\n"
                         "kathy,nobody,1,lifts,2025-06-03\n"
                         "Kathy,vera,1,lifts,2025-06-04\n"
                         "vera,kathy,25,lifts,2025-06-05\n"
                         "vera,kathy,1,,2025-06-06\n";
  const CliRun dry = Cli({"exchange", "import", "-t", tb, file, "--dry-run"});
  EXPECT_EQ(dry.exit_code, kExitNotFound) << dry;  // The first error's code.
  EXPECT_NE(dry.out.find("Dry run for " + tb +
                         ", nothing recorded: 1 would be new, 1 already "
                         "recorded, 4 would fail (6 rows)."),
            std::string::npos)
      << dry;
  for (const char* line : {"line 4: NOT_FOUND: receiver_id",
                           "line 5: ", "line 6: INVALID_ARGUMENT: minutes",
                           "line 7: INVALID_ARGUMENT: category"}) {
    EXPECT_NE(dry.err.find(line), std::string::npos) << line << "\n" << dry;
  }
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 1u);

  const CliRun none =
      Cli({"exchange", "import", "-t", tb, file, "--all-or-nothing"});
  EXPECT_EQ(none.exit_code, kExitNotFound) << none;
  EXPECT_NE(none.out.find("Recorded nothing into " + tb), std::string::npos)
      << none;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 1u);

  // The real import then does what the dry run said.
  const CliRun real = Cli({"exchange", "import", "-t", tb, file});
  EXPECT_EQ(real.exit_code, kExitNotFound) << real;
  EXPECT_NE(real.out.find("Recorded into " + tb +
                          ": 1 new, 1 already recorded, 4 failed (6 rows)."),
            std::string::npos)
      << real;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 2u);

  const std::string fixed = work_dir_.Join("fixed.csv");
  std::ofstream(fixed) << "giver,receiver,hours,category,date\n"
                          "kathy,vera,3,lifts,2025-07-01\n"
                          "vera,kathy,1,lifts,2025-07-02\n";
  const CliRun whole =
      Cli({"exchange", "import", "-t", tb, fixed, "--all-or-nothing"});
  EXPECT_EQ(whole.exit_code, kExitOk) << whole;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 4u);
}

TEST_F(CliE2eTest, FailuresExitWithTheirCodeAndNameTheField) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());

  const CliRun unknown =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver",
           "nobody", "--hours", "1", "--category", "gardening"});
  EXPECT_EQ(unknown.exit_code, kExitNotFound) << unknown;
  EXPECT_TRUE(unknown.err.starts_with(
      "error: NOT_FOUND: --receiver: no member 'nobody' in " + tb))
      << unknown;
  EXPECT_EQ(unknown.out, "") << unknown;

  const CliRun bad_hours =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver",
           "vera", "--hours", "abc", "--category", "gardening"});
  EXPECT_EQ(bad_hours.exit_code, kExitUsage) << bad_hours;
  EXPECT_NE(bad_hours.err.find("--hours"), std::string::npos) << bad_hours;

  // Over the timebank's largest exchange: the limit in hours.
  const CliRun too_long =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--receiver",
           "vera", "--hours", "25", "--category", "gardening"});
  EXPECT_EQ(too_long.exit_code, kExitUsage) << too_long;
  EXPECT_NE(too_long.err.find("at most 24 h"), std::string::npos) << too_long;

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

// Coordinators type the names they know; ids that differ only in case and
// names imported twice are refused.
TEST_F(CliE2eTest, NamesStandForAccountsAndStayApart) {
  const std::string tb =
      NewTimebank();  // kathy "Kathy Brown", vera "Vera Holt"
  ASSERT_FALSE(HasFailure());
  const CliRun by_name =
      Cli({"exchange", "record", "-t", tb, "--giver", "Kathy Brown",
           "--receiver", "vera  HOLT", "--hours", "1", "--category", "lifts"});
  ASSERT_EQ(by_name.exit_code, kExitOk) << by_name;
  EXPECT_NE(by_name.out.find("#1: kathy gave vera 1 h of lifts"),
            std::string::npos)
      << by_name;
  const CliRun balance = Cli({"balance", "-t", tb, "kathy brown"});
  ASSERT_EQ(balance.exit_code, kExitOk) << balance;
  EXPECT_NE(balance.out.find("Kathy Brown: gave 1 h"), std::string::npos)
      << balance;
  const CliRun close = Cli({"balance", "-t", tb, "Ver"});
  EXPECT_EQ(close.exit_code, kExitNotFound) << close;
  EXPECT_NE(close.err.find("no member 'Ver' in " + tb +
                           "; did you mean vera (Vera Holt)? See `timebank "
                           "account list -t " +
                           tb + " --query Ver`"),
            std::string::npos)
      << close;

  const CliRun twin = Cli(
      {"account", "open", "-t", tb, "--id", "vera2", "--name", "Vera Holt"});
  EXPECT_EQ(twin.exit_code, kExitConflict) << twin;
  EXPECT_NE(twin.err.find("--allow-duplicate-name"), std::string::npos) << twin;
  const CliRun allowed = Cli({"account", "open", "-t", tb, "--id", "vera2",
                              "--name", "Vera Holt", "--allow-duplicate-name"});
  EXPECT_EQ(allowed.exit_code, kExitOk) << allowed;
  const CliRun shared = Cli({"balance", "-t", tb, "Vera Holt"});
  EXPECT_EQ(shared.exit_code, kExitUsage) << shared;
  EXPECT_NE(shared.err.find("vera (Vera Holt), vera2 (Vera Holt)"),
            std::string::npos)
      << shared;
  const CliRun cased =
      Cli({"account", "open", "-t", tb, "--id", "Kathy", "--name", "K. B."});
  EXPECT_EQ(cased.exit_code, kExitConflict) << cased;
  EXPECT_NE(cased.err.find("account_id: differs only in case"),
            std::string::npos)
      << cased;
  const CliRun holts =
      Cli({"account", "list", "-t", tb, "--query", "holt", "--csv"});
  ASSERT_EQ(holts.exit_code, kExitOk) << holts;
  const std::vector<std::vector<std::string>> rows = ParseCsv(holts.out);
  ASSERT_EQ(rows.size(), 3u) << holts;
  EXPECT_EQ(rows[1][0], "vera");
  EXPECT_EQ(rows[2][0], "vera2");
}

// A Saturday litter pick: several gave the same to one, recorded whole or
// not at all, each pair its own entry, and safe to repeat.
TEST_F(CliE2eTest, AGroupExchangeIsRecordedWholeOrNotAtAll) {
  const std::string tb = NewTimebank();  // kathy, vera
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(Cli({"account", "open", "-t", tb, "--id", "council", "--name",
                 "Riverside Council", "--kind", "organisation"})
                .exit_code,
            kExitOk);
  ASSERT_EQ(
      Cli({"account", "open", "-t", tb, "--id", "olga", "--name", "Olga Ward"})
          .exit_code,
      kExitOk);
  ASSERT_EQ(
      Cli({"account", "update", "-t", tb, "olga", "--status", "suspended"})
          .exit_code,
      kExitOk);
  const std::vector<std::string> pick = {
      "exchange",   "record",       "-t",           tb,        "--giver",
      "kathy",      "--giver",      "Vera Holt",    "--giver", "olga",
      "--receiver", "council",      "--hours",      "2",       "--category",
      "litter",     "--request-id", "litter-pick-1"};
  const CliRun refused = Cli(pick);
  EXPECT_EQ(refused.exit_code, kExitConflict) << refused;  // olga: suspended
  EXPECT_NE(refused.err.find("Nothing was recorded"), std::string::npos)
      << refused;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 0u);

  ASSERT_EQ(Cli({"account", "update", "-t", tb, "olga", "--status", "active"})
                .exit_code,
            kExitOk);
  const CliRun recorded = Cli(pick);
  ASSERT_EQ(recorded.exit_code, kExitOk) << recorded;
  EXPECT_NE(recorded.out.find("Recorded 3 exchanges as one group:"),
            std::string::npos)
      << recorded;
  for (const char* line :
       {"kathy gave council 2 h of litter", "vera gave council 2 h of litter",
        "olga gave council 2 h of litter"}) {
    EXPECT_NE(recorded.out.find(line), std::string::npos) << line << recorded;
  }
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 3u);
  // The same command again records nothing new.
  const CliRun again = Cli(pick);
  ASSERT_EQ(again.exit_code, kExitOk) << again;
  EXPECT_NE(again.out.find("already recorded"), std::string::npos) << again;
  EXPECT_EQ(Must(admin().GetTimebank(tb), "timebank").last_seq(), 3u);
  const CliRun council = Cli({"balance", "-t", tb, "council"});
  EXPECT_NE(council.out.find("received 6 h"), std::string::npos) << council;

  const CliRun both =
      Cli({"exchange", "record", "-t", tb, "--giver", "kathy", "--giver",
           "vera", "--receiver", "council", "--receiver", "olga", "--hours",
           "1", "--category", "x"});
  EXPECT_EQ(both.exit_code, kExitUsage) << both;
}

// Members move onto the system from a spreadsheet: the dry run says exactly
// what the import would do and opens nothing, errors name their line in
// plain words, and running the file again opens nobody twice.
TEST_F(CliE2eTest, MembersImportWithADryRunPerLineErrorsAndSafeReruns) {
  const std::string tb = NewTimebank();  // kathy (Kathy Brown), vera
  ASSERT_FALSE(HasFailure());
  const std::string file = work_dir_.path() + "/members.csv";
  std::ofstream(file)
      << "id,name,kind,joined,skills,external_ref\n"
         "mary,Mary O'Brien,person,2025-03-01,gardening; lifts,P-17\n"  // 2
         "Mary-OBrien,mary  o'brien,person,,,\n"  // 3: the same name
         "bert,Bert Smith,,2025-04-01,,\n"        // 4
         "KATHY,Kathy B,,,,\n"                    // 5: kathy in capitals
         "vera,Vera Holt,person,,,\n"             // 6: already there
         "pot1,Shared pot,pot,,,\n"               // 7
         "sam,Sam Lee,person,2025-13-01,,\n"      // 8: no such date
         "zed,,person,,,\n"                       // 9: no name
         "mary,Mary again,,,,\n";                 // 10: id repeated
  const CliRun dry = Cli({"account", "import", "-t", tb, file, "--dry-run"});
  EXPECT_EQ(dry.exit_code, kExitConflict) << dry;
  EXPECT_NE(dry.out.find("Dry run for " + tb +
                         ", nothing opened: 3 would be "
                         "new, 1 already there, 5 would fail (9 rows)."),
            std::string::npos)
      << dry;
  EXPECT_EQ(Cli({"account", "show", "-t", tb, "mary"}).exit_code,
            kExitNotFound);
  for (const char* expected :
       {"line 3: ALREADY_EXISTS: name: \"mary  o'brien\" is already on line 2",
        "--allow-duplicate-names", "line 5: ALREADY_EXISTS: account_id:",
        "line 8: INVALID_ARGUMENT: joined:", "line 9: INVALID_ARGUMENT: name:",
        "line 10: ALREADY_EXISTS: id: \"mary\" is already on line 2"}) {
    EXPECT_NE(dry.err.find(expected), std::string::npos) << expected << dry;
  }

  const CliRun real = Cli({"account", "import", "-t", tb, file});
  EXPECT_EQ(real.exit_code, kExitConflict) << real;
  EXPECT_NE(real.out.find("Opened in " + tb +
                          ": 3 new, 1 already there, 5 "
                          "failed (9 rows)."),
            std::string::npos)
      << real;
  const v1::Account mary = Must(admin().GetAccount(tb, "mary"), "mary");
  EXPECT_EQ(mary.display_name(), "Mary O'Brien");
  EXPECT_EQ(mary.joined_on(), "2025-03-01");
  ASSERT_EQ(mary.skills_size(), 2);
  EXPECT_EQ(mary.skills(1), "lifts");
  EXPECT_EQ(mary.external_ref(), "P-17");
  EXPECT_EQ(Must(admin().GetAccount(tb, "pot1"), "pot").kind(),
            v1::ACCOUNT_KIND_COMMUNITY_POT);

  const CliRun again = Cli({"account", "import", "-t", tb, file, "--json"});
  ASSERT_EQ(again.exit_code, kExitConflict) << again;
  const nlohmann::json report = nlohmann::json::parse(again.out);
  EXPECT_EQ(report["opened"], 0);
  EXPECT_EQ(report["already_there"], 4);
  EXPECT_EQ(report["failed"], 5);
  EXPECT_EQ(report["errors"][0]["line"], 3);
}

// The minimum of active members is set like a threshold, but has no stage.
TEST_F(CliE2eTest, ThresholdsSetTheMinimumOfActiveMembersWithoutAStage) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  const CliRun shown = Cli({"thresholds", "show", "-t", tb});
  ASSERT_EQ(shown.exit_code, kExitOk) << shown;
  EXPECT_NE(shown.out.find("With fewer than 10 active members in the range, "
                           "no figure sets a stage"),
            std::string::npos)
      << shown;
  const CliRun set = Cli(
      {"thresholds", "set", "-t", tb, "min_active_members", "--value", "5"});
  ASSERT_EQ(set.exit_code, kExitOk) << set;
  EXPECT_NE(set.out.find("With fewer than 5 active members in the range "
                         "(default 10), no figure sets a stage"),
            std::string::npos)
      << set;
  const CliRun staged =
      Cli({"thresholds", "set", "-t", tb, "min_active_members", "--stage", "2",
           "--value", "5"});
  EXPECT_EQ(staged.exit_code, kExitUsage) << staged;
  EXPECT_NE(staged.err.find("leave --stage out"), std::string::npos) << staged;
  const CliRun unstaged = Cli({"thresholds", "set", "-t", tb,
                               "work.participation_share", "--value", "0.3"});
  EXPECT_EQ(unstaged.exit_code, kExitUsage) << unstaged;
  EXPECT_NE(unstaged.err.find("--stage: give 2, 3 or 4"), std::string::npos)
      << unstaged;
}

// A statement to hand over: the member's name, the period, the opening
// balance, each confirmed exchange by the date of the work (not the order it
// was recorded in) with the other member's name and a running balance, and
// the closing balance; as a table, CSV, JSON, HTML and PDF.
TEST_F(CliE2eTest, AStatementListsTheWorkByDateWithARunningBalance) {
  const std::string tb = NewTimebank();  // kathy (Kathy Brown), vera
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(Cli({"account", "open", "-t", tb, "--id", "olga", "--name",
                 "Olga <Ward>"})
                .exit_code,
            kExitOk);
  const auto record = [&](const char* giver, const char* receiver,
                          const char* hours, const char* category,
                          const char* on) {
    const CliRun run =
        Cli({"exchange", "record", "-t", tb, "--giver", giver, "--receiver",
             receiver, "--hours", hours, "--category", category, "--on", on});
    EXPECT_EQ(run.exit_code, kExitOk) << run;
  };
  record("kathy", "vera", "2", "gardening", "2026-02-10");   // #1
  record("vera", "kathy", "1h30m", "lifts", "2026-01-05");   // #2
  record("olga", "kathy", "45m", "shopping", "2026-03-01");  // #3
  record("kathy", "olga", "1", "reading", "2025-12-20");     // #4, before
  record("kathy", "vera", "5", "gardening", "2026-02-15");   // #5
  ASSERT_EQ(Cli({"exchange", "reverse", "-t", tb, "5", "--reason", "twice"})
                .exit_code,
            kExitOk);
  record("kathy", "vera", "3", "gardening", "2026-04-02");  // #7, after
  ASSERT_FALSE(HasFailure());
  const std::vector<std::string> statement = {
      "statement", "-t",         tb,     "Kathy Brown",
      "--from",    "2026-01-01", "--to", "2026-03-31"};

  const CliRun text = Cli(statement);
  ASSERT_EQ(text.exit_code, kExitOk) << text;
  EXPECT_NE(text.out.find("Statement for Kathy Brown (kathy) in " + tb +
                          ": 1 Jan 2026 to 31 Mar 2026"),
            std::string::npos)
      << text;
  const size_t opening = text.out.find("opening balance");
  // Each line's date opens its line; the heading names the period.
  const size_t january = text.out.find("\n5 Jan 2026") + 1;
  const size_t february = text.out.find("\n10 Feb 2026");
  const size_t march = text.out.find("\n1 Mar 2026");
  const size_t closing = text.out.find("closing balance");
  EXPECT_TRUE(opening < january && january < february && february < march &&
              march < closing && closing != std::string::npos)
      << text;
  const std::string january_line =
      text.out.substr(january, text.out.find('\n', january) - january);
  EXPECT_NE(january_line.find("received from"), std::string::npos) << text;
  EXPECT_NE(january_line.find("Vera Holt"), std::string::npos) << text;
  EXPECT_NE(january_line.find("-30 m"), std::string::npos) << text;
  EXPECT_EQ(text.out.find("15 Feb 2026"), std::string::npos)
      << "a reversed exchange is not in a statement\n"
      << text;
  EXPECT_NE(text.out.find("Gave 2 h, received 2 h 15 m in the period. "
                          "Balance +45 m: gave 45 m more than received."),
            std::string::npos)
      << text;

  std::vector<std::string> csv_args = statement;
  csv_args.push_back("--csv");
  const CliRun csv = Cli(csv_args);
  ASSERT_EQ(csv.exit_code, kExitOk) << csv;
  const std::vector<std::vector<std::string>> rows = ParseCsv(csv.out);
  ASSERT_EQ(rows.size(), 6u) << csv;
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{
                "date", "seq", "direction", "with", "with_account_id",
                "category", "description", "hours", "minutes", "balance"}));
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"2026-01-01", "", "opening balance", "",
                                      "", "", "", "", "", "+1:00"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{
                         "2026-01-05", "2", "received from", "Vera Holt",
                         "vera", "lifts", "", "1", "30", "-0:30"}));
  EXPECT_EQ(rows[3][1], "1");
  EXPECT_EQ(rows[3][9], "+1:30");
  EXPECT_EQ(rows[4][3], "Olga <Ward>");
  EXPECT_EQ(rows[4][9], "+0:45");
  EXPECT_EQ(rows[5],
            (std::vector<std::string>{"2026-03-31", "", "closing balance", "",
                                      "", "", "", "", "", "+0:45"}));

  std::vector<std::string> json_args = statement;
  json_args.push_back("--json");
  const CliRun json = Cli(json_args);
  ASSERT_EQ(json.exit_code, kExitOk) << json;
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["opening_balance_minutes"], 60);
  EXPECT_EQ(parsed["closing_balance_minutes"], 45);
  EXPECT_EQ(parsed["minutes_received"], 135);
  ASSERT_EQ(parsed["lines"].size(), 3u);
  EXPECT_EQ(parsed["lines"][2]["with"], "Olga <Ward>");

  const std::string html = work_dir_.path() + "/kathy.html";
  const std::string pdf = work_dir_.path() + "/kathy.pdf";
  std::vector<std::string> paper = statement;
  paper.insert(paper.end(), {"--html", html, "--pdf", pdf});
  const CliRun printed = Cli(paper);
  ASSERT_EQ(printed.exit_code, kExitOk) << printed;
  std::ifstream html_file(html);
  const std::string page((std::istreambuf_iterator<char>(html_file)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("<h1>Statement for Kathy Brown</h1>"), std::string::npos)
      << page;
  EXPECT_NE(page.find("Olga &lt;Ward&gt;"), std::string::npos) << page;
  EXPECT_EQ(page.find("<Ward>"), std::string::npos) << "escaped";
  EXPECT_EQ(page.find("<script"), std::string::npos);
  std::ifstream pdf_file(pdf, std::ios::binary);
  std::string magic(5, '\0');
  pdf_file.read(magic.data(), 5);
  EXPECT_EQ(magic, "%PDF-") << "Chromium printed the page to " << pdf;

  // `exchange list` reads newest first by the day of the work, or oldest
  // first when asked.
  const CliRun newest = Cli({"exchange", "list", "-t", tb, "--csv"});
  ASSERT_EQ(newest.exit_code, kExitOk) << newest;
  std::vector<std::string> seqs;
  for (const auto& row : ParseCsv(newest.out)) seqs.push_back(row[0]);
  EXPECT_EQ(seqs,
            (std::vector<std::string>{"seq", "7", "3", "5", "1", "2", "4"}))
      << newest;
  const CliRun oldest =
      Cli({"exchange", "list", "-t", tb, "--csv", "--oldest-first"});
  ASSERT_EQ(oldest.exit_code, kExitOk) << oldest;
  seqs.clear();
  for (const auto& row : ParseCsv(oldest.out)) seqs.push_back(row[0]);
  EXPECT_EQ(seqs,
            (std::vector<std::string>{"seq", "4", "2", "1", "5", "3", "7"}))
      << oldest;
}

// A reversed record says which entry reversed it, when, who and why, and
// the reversal's own seq shows the record it reversed.
TEST_F(CliE2eTest, AReversalExplainsItself) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(Cli({"exchange", "record", "-t", tb, "--giver", "kathy",
                 "--receiver", "vera", "--hours", "2", "--category", "lifts"})
                .exit_code,
            kExitOk);
  const CliRun reversed =
      Cli({"exchange", "reverse", "-t", tb, "1", "--reason", "entered twice"});
  ASSERT_EQ(reversed.exit_code, kExitOk) << reversed;
  const CliRun record = Cli({"exchange", "show", "-t", tb, "1"});
  ASSERT_EQ(record.exit_code, kExitOk) << record;
  // The admin token the CLI runs with is named "admin".
  const std::string why = " UTC by admin: entered twice.";
  EXPECT_NE(record.out.find("Reversed by #2 on "), std::string::npos) << record;
  EXPECT_NE(record.out.find(why), std::string::npos) << record;
  const size_t by_at = record.out.find("Recorded by ");
  ASSERT_NE(by_at, std::string::npos) << record;
  const std::string by_line =
      record.out.substr(by_at, record.out.find('\n', by_at) - by_at);
  EXPECT_TRUE(by_line.ends_with(" admin")) << "the token's name: " << by_line;
  const CliRun reversal = Cli({"exchange", "show", "-t", tb, "--seq", "2"});
  ASSERT_EQ(reversal.exit_code, kExitOk) << reversal;
  EXPECT_TRUE(reversal.out.starts_with("#2 is the reversal of exchange #1:\n"))
      << reversal;
  EXPECT_NE(reversal.out.find(why), std::string::npos) << reversal;
  const CliRun json = Cli({"exchange", "show", "-t", tb, "2", "--json"});
  ASSERT_EQ(json.exit_code, kExitOk) << json;
  v1::Exchange exchange;
  ASSERT_TRUE(ParsesAs(json.out, &exchange));
  EXPECT_EQ(exchange.seq(), 1u);
  EXPECT_EQ(exchange.closed_by_seq(), 2u);
  EXPECT_EQ(exchange.closed_by(), "admin");
  EXPECT_EQ(exchange.close_reason(), "entered twice");
  EXPECT_GT(exchange.closed_at_unix_us(), 0);
}

// A coordinator names the server, their token and their timebank once, in
// the environment or the settings file, instead of on every command.
TEST_F(CliE2eTest, SettingsGiveTheDefaultServerTokenAndTimebank) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  // Without a default, --timebank is required and the error says so.
  const CliRun none = Cli({"balances"});
  EXPECT_EQ(none.exit_code, kExitUsage) << none;
  EXPECT_NE(none.err.find("--timebank"), std::string::npos) << none;

  const std::string settings = work_dir_.Join("riverside.conf");
  std::ofstream(settings) << "# Riverside's coordinators\n"
                          << "server = " << server().address() << "\n"
                          << "token-file = " << TokenFile() << "\n"
                          << "timebank = " << tb << "\n";
  const std::string config = "TIMEBANK_CONFIG=" + settings;
  const CliRun balances = CliBare({"balances"}, {config});
  EXPECT_EQ(balances.exit_code, kExitOk) << balances;
  EXPECT_NE(balances.out.find("Sum of 2 balances: 0 h"), std::string::npos)
      << balances;
  // The environment wins over the file, and a flag over both.
  const CliRun by_env =
      CliBare({"balances"}, {config, "TIMEBANK_TIMEBANK=cli-nowhere"});
  EXPECT_EQ(by_env.exit_code, kExitNotFound) << by_env;
  const CliRun by_flag = CliBare({"balances", "-t", tb},
                                 {config, "TIMEBANK_TIMEBANK=cli-nowhere"});
  EXPECT_EQ(by_flag.exit_code, kExitOk) << by_flag;
  // The help says what the default is and where it comes from.
  const CliRun help = CliBare({"balances", "--help"}, {config});
  EXPECT_EQ(help.exit_code, kExitOk) << help;
  EXPECT_NE(help.out.find("default " + tb + ", from " + settings),
            std::string::npos)
      << help;

  // Without TIMEBANK_CONFIG the file is found in the usual place.
  std::filesystem::create_directories(work_dir_.Join("timebank"));
  std::filesystem::copy_file(settings, work_dir_.Join("timebank/config"));
  const CliRun found = CliBare({"balance", "kathy"});
  EXPECT_EQ(found.exit_code, kExitOk) << found;
  EXPECT_NE(found.out.find("Kathy Brown"), std::string::npos) << found;

  // A mistake in the file stops every command, naming the file and line.
  std::ofstream(settings, std::ios::app) << "timbank = " << tb << "\n";
  const CliRun bad = CliBare({"balances"}, {config});
  EXPECT_EQ(bad.exit_code, kExitUsage) << bad;
  EXPECT_NE(bad.err.find(settings + " line 5: unknown setting 'timbank'"),
            std::string::npos)
      << bad;
}

// A coordinator hands a member their sign-in on paper or a phone screen.
TEST_F(CliE2eTest, AMembersTokenComesWithASignInLinkAndItsQrCode) {
  const std::string tb = NewTimebank();
  ASSERT_FALSE(HasFailure());
  const CliRun made = Cli({"token", "create", "--role", "member", "-t", tb,
                           "--account", "kathy", "--name", "kathy-phone",
                           "--page-url", "http://127.0.0.1:8080"});
  ASSERT_EQ(made.exit_code, kExitOk) << made;
  const std::string shown = "store it safely:\n";
  const size_t secret_at = made.out.find(shown);
  ASSERT_NE(secret_at, std::string::npos) << made;
  const size_t secret_from = secret_at + shown.size();
  const std::string secret = made.out.substr(
      secret_from, made.out.find('\n', secret_from) - secret_from);
  ASSERT_TRUE(secret.starts_with("tbk_")) << made;
  EXPECT_NE(made.out.find("\nhttp://127.0.0.1:8080/#token=" + secret + "\n"),
            std::string::npos)
      << made;
  size_t code_lines = 0;
  for (size_t at = made.out.find("█"); at != std::string::npos;
       at = made.out.find("█", made.out.find('\n', at))) {
    ++code_lines;
  }
  EXPECT_GE(code_lines, 10u) << made;
  // The code in the link is Kathy's sign-in.
  const std::string token_file = work_dir_.Join("kathy.token");
  std::ofstream(token_file) << secret << "\n";
  const CliRun as_kathy =
      CliBare({"balance", "-t", tb, "kathy", "--server", server().address(),
               "--token-file", token_file});
  EXPECT_EQ(as_kathy.exit_code, kExitOk) << as_kathy;

  // The page's address from the environment; --no-qr leaves the code out.
  const CliRun by_env =
      CliBare({"token", "create", "--role", "member", "-t", tb, "--account",
               "vera", "--name", "vera-phone", "--no-qr"},
              {"TIMEBANK_SERVER=" + server().address(),
               "TIMEBANK_TOKEN_FILE=" + TokenFile(),
               "TIMEBANK_PAGE_URL=https://tb.example.org/riverside/"});
  ASSERT_EQ(by_env.exit_code, kExitOk) << by_env;
  EXPECT_NE(by_env.out.find("https://tb.example.org/riverside/#token=tbk_"),
            std::string::npos)
      << by_env;
  EXPECT_EQ(by_env.out.find("█"), std::string::npos) << by_env;

  // A page address that is not one is refused before a token is made.
  const CliRun bad =
      Cli({"token", "create", "--role", "member", "-t", tb, "--account", "vera",
           "--name", "vera-laptop", "--page-url", "tb.example.org"});
  EXPECT_EQ(bad.exit_code, kExitUsage) << bad;
  EXPECT_NE(bad.err.find("--page-url"), std::string::npos) << bad;
  const CliRun tokens = Cli({"token", "list"});
  EXPECT_EQ(tokens.out.find("vera-laptop"), std::string::npos) << tokens;
  EXPECT_NE(tokens.out.find("vera-phone"), std::string::npos) << tokens;
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
