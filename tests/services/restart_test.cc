// Durability across restarts: a graceful stop (SIGTERM) and a crash
// (SIGKILL) followed by a new server on the same data directory. Each test
// starts its own servers in its own temporary directory.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

// Everything a client can read about the books, as text for readable diffs.
struct Books {
  std::string timebanks;
  std::string accounts;
  std::string balances;
  std::string snapshots;
  std::string journals;
  std::string tokens;
};

Books ReadBooks(const Client& admin) {
  Books books;
  const v1::ListTimebanksResponse timebanks = Must(
      admin.Call(&v1::Ledger::Stub::ListTimebanks, v1::ListTimebanksRequest()),
      "list timebanks");
  books.timebanks = timebanks.DebugString();
  for (const v1::Timebank& timebank : timebanks.timebanks()) {
    const std::string& tb = timebank.timebank_id();
    v1::ListAccountsRequest request;
    request.set_timebank_id(tb);
    request.set_page_size(1000);
    const v1::ListAccountsResponse accounts = Must(
        admin.Call(&v1::Ledger::Stub::ListAccounts, request), "list accounts");
    books.accounts += accounts.DebugString();
    for (const v1::Account& account : accounts.accounts()) {
      books.balances +=
          Must(admin.GetBalance(tb, account.account_id()), "balance")
              .DebugString();
    }
    books.snapshots +=
        Must(admin.SnapshotBalances(tb), "snapshot").DebugString();
    for (const v1::JournalEntry& entry :
         Must(admin.ReadJournal(tb, 1, timebank.last_seq()), "journal")) {
      books.journals += entry.DebugString();
    }
  }
  books.tokens = Must(admin.ListTokens(), "list tokens").DebugString();
  return books;
}

struct FileIdentity {
  std::string contents;
  timespec modified{};
  ino_t inode = 0;
};

FileIdentity IdentityOf(const std::string& path) {
  FileIdentity identity;
  identity.contents = ReadWholeFile(path).value_or("");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    identity.modified = info.st_mtim;
    identity.inode = info.st_ino;
  }
  return identity;
}

// Writes a little of everything: two timebanks, accounts of each kind, a
// reversal, a pending exchange, a suspended account and tokens. Returns the
// coordinator's token.
std::string FillBooks(const Client& admin) {
  for (const std::string tb : {"riverside", "hillside"}) {
    Must(admin.CreateTimebank(tb), "create timebank");
    for (const char* account : {"kathy", "olga", "vera"}) {
      Must(admin.OpenAccount(tb, account), "open account");
    }
    Must(admin.OpenAccount(tb, "pot", v1::ACCOUNT_KIND_COMMUNITY_POT),
         "open pot");
  }
  const std::string coordinator =
      Must(admin.CreateToken(v1::ROLE_COORDINATOR, {"riverside"}, "",
                             "coordinator"),
           "coordinator token")
          .token();
  const Client vera = admin.WithToken(
      Must(admin.CreateToken(v1::ROLE_MEMBER, {"riverside"}, "vera", "vera"),
           "member")
          .token());
  const Client coordinating = admin.WithToken(coordinator);
  Must(coordinating.RecordExchange(ExchangeRequest("riverside", "r-1", "kathy",
                                                   "vera", 90, "2024-01-05")),
       "record");
  Must(coordinating.RecordExchange(ExchangeRequest("riverside", "r-2", "olga",
                                                   "pot", 30, "2024-02-05")),
       "record");
  Must(coordinating.ReverseExchange("riverside", 1, "r-3", "duplicate"),
       "reverse");
  Must(vera.RecordExchange(ExchangeRequest("riverside", "r-4", "vera", "kathy",
                                           45, "2024-03-05")),
       "log");  // Seq 4, PENDING.
  Must(admin.RecordExchange(ExchangeRequest("hillside", "h-1", "vera", "olga",
                                            15, "2024-03-01")),
       "record");
  Must(admin.SetAccountStatus("hillside", "olga", v1::ACCOUNT_STATUS_SUSPENDED),
       "suspend");
  return coordinator;
}

TEST(Restart, GracefulRestartKeepsEverything) {
  TempDir dir;
  const ServerProcessOptions options{.data_dir = dir.Join("data")};
  const std::string token_file = options.data_dir + "/admin.token";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> first,
                       ServerProcess::Start(options));
  Books before;
  std::string coordinator_token;
  {
    // Scoped so the connection is closed before SIGTERM: an idle gRPC client
    // answers the server's shutdown ping only at its next backup poll (5 s).
    const Client admin(first->NewChannel(), first->admin_token());
    coordinator_token = FillBooks(admin);
    before = ReadBooks(admin);
  }
  const FileIdentity token_before = IdentityOf(token_file);
  struct stat token_info {};
  ASSERT_EQ(::stat(token_file.c_str(), &token_info), 0);
  EXPECT_EQ(token_info.st_mode & 0777, 0600u) << "admin.token must be private";
  EXPECT_EQ(first->Stop(), 0) << first->ReadLog();

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> second,
                       ServerProcess::Start(options));
  EXPECT_EQ(second->admin_token(), first->admin_token());
  const FileIdentity token_after = IdentityOf(token_file);
  EXPECT_EQ(token_after.contents, token_before.contents);
  EXPECT_EQ(token_after.inode, token_before.inode);
  EXPECT_EQ(token_after.modified.tv_sec, token_before.modified.tv_sec);
  EXPECT_EQ(token_after.modified.tv_nsec, token_before.modified.tv_nsec);

  {
    const Client admin(second->NewChannel(), second->admin_token());
    const Books after = ReadBooks(admin);
    EXPECT_EQ(after.timebanks, before.timebanks);
    EXPECT_EQ(after.accounts, before.accounts);
    EXPECT_EQ(after.balances, before.balances);
    EXPECT_EQ(after.snapshots, before.snapshots);
    EXPECT_EQ(after.journals, before.journals);
    EXPECT_EQ(after.tokens, before.tokens);
    for (const std::string tb : {"riverside", "hillside"}) {
      Rpc<v1::VerifyJournalResponse> verified = admin.VerifyJournal(tb);
      ASSERT_RPC_OK(verified);
      EXPECT_TRUE(verified->ok()) << tb << ": " << verified->problem();
    }

    // Tokens, pending exchanges and request ids all carry over.
    const Client coordinating = admin.WithToken(coordinator_token);
    Rpc<v1::Exchange> confirmed =
        coordinating.ConfirmExchange("riverside", 4, "r-5");
    ASSERT_RPC_OK(confirmed);
    EXPECT_EQ(confirmed->closed_by_seq(), 5u);
    Rpc<v1::Exchange> retried = coordinating.RecordExchange(
        ExchangeRequest("riverside", "r-2", "olga", "pot", 30, "2024-02-05"));
    ASSERT_RPC_OK(retried);
    EXPECT_EQ(retried->seq(), 2u);
    EXPECT_EQ(Must(admin.GetTimebank("riverside"), "get").last_seq(), 5u);
  }
  EXPECT_EQ(second->Stop(), 0) << second->ReadLog();
}

TEST(Restart, SigtermEndsOpenJournalStreamsAndExitsZero) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start());
  auto admin =
      std::make_unique<Client>(server->NewChannel(), server->admin_token());
  ASSERT_RPC_OK(admin->CreateTimebank("riverside"));
  ASSERT_RPC_OK(admin->OpenAccount("riverside", "kathy"));
  ASSERT_RPC_OK(admin->OpenAccount("riverside", "vera"));
  ASSERT_RPC_OK(admin->RecordExchange(
      ExchangeRequest("riverside", "s-1", "kathy", "vera", 30)));

  std::unique_ptr<grpc::ClientContext> context = admin->NewContext();
  v1::WatchJournalRequest request;
  request.set_timebank_id("riverside");
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> stream =
      admin->ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  ASSERT_TRUE(stream->Read(&entry));

  const auto start = std::chrono::steady_clock::now();
  std::future<int> exit_code =
      std::async(std::launch::async, [&server] { return server->Stop(); });
  // The follower waiting for its next entry sees the stream end, then goes
  // away as a client of a stopping server would. (An idle gRPC client left
  // connected would answer the server's final ping only at its next backup
  // poll, 5 s later, and the stop would wait for it.)
  while (stream->Read(&entry)) {
  }
  stream->Finish();
  stream.reset();
  context.reset();
  admin.reset();
  EXPECT_EQ(exit_code.get(), 0) << server->ReadLog();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Restart, AcknowledgedExchangesSurviveSigkill) {
  constexpr int kWriters = 4;
  constexpr size_t kAcknowledgedBeforeKill = 120;
  TempDir dir;
  const ServerProcessOptions options{.data_dir = dir.Join("data")};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> first,
                       ServerProcess::Start(options));
  const Client admin(first->NewChannel(), first->admin_token());
  ASSERT_RPC_OK(admin.CreateTimebank("riverside"));
  for (int i = 0; i < kWriters * 2; ++i) {
    ASSERT_RPC_OK(
        admin.OpenAccount("riverside", "member-" + std::to_string(i)));
  }

  // Writers record until the server dies under them; what it acknowledged
  // is kept.
  std::mutex mu;
  std::vector<std::pair<v1::RecordExchangeRequest, v1::Exchange>> acknowledged;
  std::atomic<size_t> acknowledged_count{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 100'000; ++i) {
        const v1::RecordExchangeRequest request = ExchangeRequest(
            "riverside", "w" + std::to_string(w) + "-" + std::to_string(i),
            "member-" + std::to_string(2 * w),
            "member-" + std::to_string(2 * w + 1), 1 + i % 60);
        v1::Exchange reply;
        const grpc::Status status = admin.ledger().RecordExchange(
            admin.NewContext(std::chrono::seconds(5)).get(), request, &reply);
        if (!status.ok()) return;
        std::lock_guard lock(mu);
        acknowledged.emplace_back(request, reply);
        ++acknowledged_count;
      }
    });
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acknowledged_count < kAcknowledgedBeforeKill &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  first->Kill();  // While the writers are still writing.
  for (std::thread& writer : writers) writer.join();
  ASSERT_GE(acknowledged.size(), kAcknowledgedBeforeKill);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> second,
                       ServerProcess::Start(options));
  const Client admin_again(second->NewChannel(), second->admin_token());
  const v1::Timebank timebank =
      Must(admin_again.GetTimebank("riverside"), "get timebank");
  EXPECT_GE(timebank.last_seq(), acknowledged.size());
  for (const auto& [request, reply] : acknowledged) {
    Rpc<v1::Exchange> got = admin_again.GetExchange("riverside", reply.seq());
    ASSERT_RPC_OK(got) << request.request_id();
    EXPECT_EQ(got->SerializeAsString(), reply.SerializeAsString())
        << request.request_id();
    // The retry a client makes after a crash finds the original.
    Rpc<v1::Exchange> retried = admin_again.RecordExchange(request);
    ASSERT_RPC_OK(retried);
    EXPECT_EQ(retried->seq(), reply.seq()) << request.request_id();
  }
  EXPECT_EQ(Must(admin_again.GetTimebank("riverside"), "get").last_seq(),
            timebank.last_seq());

  Rpc<v1::VerifyJournalResponse> verified =
      admin_again.VerifyJournal("riverside");
  ASSERT_RPC_OK(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem();
  const v1::SnapshotBalancesResponse snapshot =
      Must(admin_again.SnapshotBalances("riverside"), "snapshot");
  int64_t sum = 0;
  for (const v1::AccountBalance& balance : snapshot.balances()) {
    sum += balance.balance_minutes();
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(snapshot.as_of_seq(), timebank.last_seq());
}

}  // namespace
}  // namespace timebank::testing
