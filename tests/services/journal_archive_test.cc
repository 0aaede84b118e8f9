// `timebank journal export` and `timebank journal import` end to end: a
// timebank with every kind of entry (confirmed records, member-logged
// records confirmed, rejected and left pending, a reversal) exported as JSON
// Lines, replayed into an empty timebank, and compared: the same exchanges
// count, with the same balances, and the target verifies. Running the import
// again records nothing; importing into a timebank that has entries without
// --resume is refused.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
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

class JournalArchiveTest : public SharedServerTest<JournalArchiveTest> {
 protected:
  CommandRun Cli(std::vector<std::string> args) const {
    args.insert(args.begin(), TIMEBANK_CLI_PATH);
    args.insert(args.end(), {"--server", server().address(), "--token-file",
                             server().data_dir() + "/admin.token"});
    return RunCommand(std::move(args), work_.path());
  }

  std::map<std::string, int64_t> Balances(const std::string& tb) const {
    std::map<std::string, int64_t> balances;
    const v1::SnapshotBalancesResponse snapshot =
        Must(admin().SnapshotBalances(tb), "snapshot");
    for (const v1::AccountBalance& balance : snapshot.balances()) {
      balances[balance.account_id()] = balance.balance_minutes();
    }
    return balances;
  }

  // Every exchange's content and status, in journal order.
  std::vector<std::string> Exchanges(const std::string& tb) const {
    std::vector<std::string> rows;
    const v1::ListExchangesResponse listed =
        Must(admin().ListExchanges(tb, "", "", "", 1000), "list");
    for (const v1::Exchange& e : listed.exchanges()) {
      std::ostringstream row;
      row << e.giver_id() << ">" << e.receiver_id() << " " << e.minutes() << " "
          << e.category() << " " << e.occurred_on() << " " << e.description()
          << " " << v1::ExchangeStatus_Name(e.status());
      rows.push_back(row.str());
    }
    return rows;
  }

  TempDir work_;
};

TEST_F(JournalArchiveTest, ExportThenImportKeepsEveryCountingExchange) {
  const std::string source = UniqueId("source");
  Must(admin().CreateTimebank(source), "create source");
  for (const char* account : {"kathy", "vera", "olga"}) {
    Must(admin().OpenAccount(source, account), "open");
  }
  const Client vera =
      admin().WithToken(Must(admin().CreateToken(v1::ROLE_MEMBER, {source},
                                                 "vera", UniqueId("vera")),
                             "vera's token")
                            .token());
  const auto record = [&](const Client& who, const std::string& id,
                          const char* giver, const char* receiver,
                          int minutes) {
    return Must(who.RecordExchange(
                    ExchangeRequest(source, id, giver, receiver, minutes)),
                "record " + id)
        .seq();
  };
  record(admin(), "a", "kathy", "vera", 60);
  const uint64_t to_reverse = record(admin(), "b", "vera", "olga", 45);
  const uint64_t to_confirm =
      record(vera, "c", "vera", "kathy", 30);                        // PENDING
  const uint64_t to_reject = record(vera, "d", "olga", "vera", 20);  // PENDING
  record(vera, "e", "kathy", "vera", 15);  // stays PENDING
  record(admin(), "f", "olga", "kathy", 90);
  Must(admin().ConfirmExchange(source, to_confirm, "confirm-c"), "confirm");
  Must(admin().RejectExchange(source, to_reject, "reject-d", "never happened"),
       "reject");
  Must(
      admin().ReverseExchange(source, to_reverse, "reverse-b", "entered twice"),
      "reverse");

  const std::string archive = work_.Join("source.jsonl");
  const CommandRun exported =
      Cli({"journal", "export", "--timebank", source, "--output", archive});
  ASSERT_EQ(exported.exit_code, 0) << exported;
  std::ifstream in(archive);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.front(), '{');
  }
  EXPECT_EQ(lines, 9);

  const std::string target = UniqueId("target");
  Must(admin().CreateTimebank(target), "create target");
  const CommandRun imported = Cli({"journal", "import", "--timebank", target,
                                   archive, "--open-accounts", "--json"});
  ASSERT_EQ(imported.exit_code, 0) << imported;
  EXPECT_NE(imported.out.find("\"recorded\": 4"), std::string::npos)
      << imported;
  EXPECT_NE(imported.out.find("\"reversed\": 1"), std::string::npos)
      << imported;
  EXPECT_NE(imported.out.find("\"skipped_pending\": 1"), std::string::npos)
      << imported;
  EXPECT_NE(imported.out.find("\"skipped_rejected\": 1"), std::string::npos)
      << imported;

  EXPECT_EQ(Balances(target), Balances(source));
  // What counts in the source, in the order it came to count, counts in the
  // target; what never counted is not there.
  std::vector<std::string> counted;
  for (const std::string& row : Exchanges(source)) {
    if (row.find("PENDING") == std::string::npos &&
        row.find("REJECTED") == std::string::npos) {
      counted.push_back(row);
    }
  }
  std::vector<std::string> replayed = Exchanges(target);
  std::sort(counted.begin(), counted.end());
  std::sort(replayed.begin(), replayed.end());
  EXPECT_EQ(replayed, counted);
  Rpc<v1::VerifyJournalResponse> verified = admin().VerifyJournal(target);
  ASSERT_RPC_OK(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem();

  // Again, as after an interruption: nothing new.
  const uint64_t head = Must(admin().GetTimebank(target), "target").last_seq();
  const CommandRun refused =
      Cli({"journal", "import", "--timebank", target, archive});
  EXPECT_EQ(refused.exit_code, 5) << refused;
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused;
  const CommandRun again =
      Cli({"journal", "import", "--timebank", target, archive, "--resume"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(Must(admin().GetTimebank(target), "target").last_seq(), head);
  EXPECT_EQ(Balances(target), Balances(source));
}

TEST_F(JournalArchiveTest, ExportOfAnEmptyJournalIsEmptyAndABadFileIsRefused) {
  const std::string empty = UniqueId("empty");
  Must(admin().CreateTimebank(empty), "create");
  const CommandRun exported = Cli({"journal", "export", "-t", empty});
  ASSERT_EQ(exported.exit_code, 0) << exported;
  EXPECT_EQ(exported.out, "");

  const std::string bad = work_.Join("bad.jsonl");
  std::ofstream(bad)
      << "{\"seq\": 1, \"kind\": \"ENTRY_KIND_RECORD\"}\nnot json\n";
  const CommandRun refused = Cli({"journal", "import", "-t", empty, bad});
  EXPECT_EQ(refused.exit_code, 2) << refused;
  EXPECT_NE(refused.err.find("line 2"), std::string::npos) << refused;
  EXPECT_EQ(Must(admin().GetTimebank(empty), "timebank").last_seq(), 0u);
}

}  // namespace
}  // namespace timebank::testing
