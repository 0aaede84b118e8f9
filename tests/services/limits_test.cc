// Resource limits of a real timebankd: the largest message, the largest
// RecordExchanges batch, WatchJournal streams per token and in all,
// deadlines and cancellation, and memory under a flood of calls and readers
// that never read. Whatever is refused, the server keeps serving everyone
// else. Each test starts its own server, so a stream one test leaves open
// cannot use up another's slots.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/validation.h"
#include "services/server.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/status_assertions.h"

namespace timebank::testing {
namespace {

using std::chrono::milliseconds;
using LedgerStub = v1::Ledger::Stub;

constexpr char kTimebank[] = "limits";
// Stream caps for these tests: small, so reaching them is cheap.
constexpr int kStreamsPerToken = 2;
constexpr int kStreamsMax = 3 * kStreamsPerToken;
// How long a freed stream slot may take to come back: the server notices a
// cancelled idle stream at its next wake-up.
constexpr milliseconds kSlotReleaseWait{5'000};

std::vector<std::string> StreamCapFlags(int streams_max, int per_token) {
  return {"--watch-streams-max", std::to_string(streams_max),
          "--watch-streams-per-token-max", std::to_string(per_token)};
}

// Bytes of the process's resident set, from /proc/<pid>/status; -1 if it
// cannot be read.
int64_t ResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int64_t kib = -1;
    fields >> kib;
    return kib < 0 ? -1 : kib * 1024;
  }
  return -1;
}

class LimitsTest : public ::testing::Test {
 protected:
  // Starts a server with `extra_args`, a timebank with kathy and vera, and
  // `exchanges` exchanges between them.
  void StartServer(std::vector<std::string> extra_args, int exchanges = 1) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started =
        ServerProcess::Start({.extra_args = std::move(extra_args)});
    ASSERT_OK(started);
    server_ = *std::move(started);
    admin_.emplace(server_->NewChannel(), server_->admin_token());
    ASSERT_RPC_OK(admin().CreateTimebank(kTimebank));
    ASSERT_RPC_OK(admin().OpenAccount(kTimebank, "kathy"));
    ASSERT_RPC_OK(admin().OpenAccount(kTimebank, "vera"));
    for (int i = 0; i < exchanges; ++i) {
      ASSERT_RPC_OK(admin().RecordExchange(ExchangeRequest(
          kTimebank, "seed-" + std::to_string(i), i % 2 ? "vera" : "kathy",
          i % 2 ? "kathy" : "vera", 15)));
    }
  }

  const Client& admin() const { return *admin_; }

  // A client with a new COORDINATOR token of its own, on its own channel.
  Client NewCoordinator(const std::string& name) const {
    return Client(
        server_->NewChannel(),
        Must(admin().CreateToken(v1::ROLE_COORDINATOR, {kTimebank}, "", name),
             "token " + name)
            .token());
  }

  uint64_t LastSeq() const {
    return Must(admin().GetTimebank(kTimebank), "get timebank").last_seq();
  }

  std::unique_ptr<ServerProcess> server_;
  std::optional<Client> admin_;
};

// A WatchJournal stream from seq 1, open until cancelled or destroyed.
class Stream {
 public:
  Stream(const Client& client, milliseconds deadline = milliseconds(60'000))
      : context_(client.NewContext(deadline)) {
    v1::WatchJournalRequest request;
    request.set_timebank_id(kTimebank);
    request.set_from_seq(1);
    reader_ = client.ledger().WatchJournal(context_.get(), request);
  }
  ~Stream() { Cancel(); }

  // True once the server has sent the first entry: the stream holds a slot.
  bool Opened() {
    v1::JournalEntry entry;
    opened_ = reader_->Read(&entry);
    return opened_;
  }
  // Ends the stream; its final status.
  grpc::Status Cancel() {
    if (!finished_) {
      context_->TryCancel();
      v1::JournalEntry entry;
      while (reader_->Read(&entry)) {
      }
      status_ = reader_->Finish();
      finished_ = true;
    }
    return status_;
  }
  // For a stream that ended by itself: waits for its end.
  grpc::Status Finish() {
    if (!finished_) {
      v1::JournalEntry entry;
      while (reader_->Read(&entry)) {
      }
      status_ = reader_->Finish();
      finished_ = true;
    }
    return status_;
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> reader_;
  bool opened_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

// Opens a stream for `client` once a slot is free, polling for at most
// `wait`; null if none came free.
std::unique_ptr<Stream> OpenWhenFree(const Client& client, milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto stream = std::make_unique<Stream>(client);
    if (stream->Opened()) return stream;
    stream->Finish();
    if (std::chrono::steady_clock::now() > deadline) return nullptr;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

TEST_F(LimitsTest,
       RequestOverTheMessageCapIsResourceExhaustedAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartServer({}));
  const size_t cap_bytes =
      static_cast<size_t>(services::ServerOptions{}.max_message_bytes);
  const uint64_t last_seq = LastSeq();
  v1::RecordExchangeRequest huge =
      ExchangeRequest(kTimebank, "huge", "kathy", "vera", 30);
  huge.set_description(std::string(cap_bytes + 1, 'x'));
  ASSERT_GT(huge.ByteSizeLong(), cap_bytes);
  EXPECT_RPC_CODE(admin().RecordExchange(huge), RESOURCE_EXHAUSTED);

  // Just under the cap the transport lets it through, and the ledger's own
  // limit on descriptions names the field.
  huge.set_description(std::string(cap_bytes / 2, 'x'));
  EXPECT_RPC_ERROR(admin().RecordExchange(huge), INVALID_ARGUMENT,
                   "description");
  EXPECT_EQ(LastSeq(), last_seq);
  // The server goes on serving, this client and others.
  EXPECT_RPC_OK(admin().RecordExchange(
      ExchangeRequest(kTimebank, "after-huge", "kathy", "vera", 30)));
  EXPECT_RPC_OK(NewCoordinator("other").GetBalance(kTimebank, "kathy"));
}

TEST_F(LimitsTest, RecordExchangesOverTheBatchCapIsRefusedNamingItems) {
  ASSERT_NO_FATAL_FAILURE(StartServer({}));
  const int cap_items = ledger::LedgerOptions{}.max_bulk_items;
  const uint64_t last_seq = LastSeq();
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id(kTimebank);
  for (int i = 0; i <= cap_items; ++i) {
    *bulk.add_items() = ExchangeItem(ExchangeRequest(
        kTimebank, "bulk-" + std::to_string(i), "kathy", "vera", 1));
  }
  ASSERT_EQ(bulk.items_size(), cap_items + 1);
  EXPECT_RPC_ERROR(admin().Call(&LedgerStub::RecordExchanges, bulk),
                   INVALID_ARGUMENT, "items");
  EXPECT_EQ(LastSeq(), last_seq);
  EXPECT_EQ(
      Must(admin().GetBalance(kTimebank, "kathy"), "balance").exchanges_given(),
      1);
}

TEST_F(LimitsTest, WatchStreamsAreCappedPerTokenAndInAll) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer(StreamCapFlags(kStreamsMax, kStreamsPerToken)));
  std::vector<Client> holders;
  for (int t = 0; t < kStreamsMax / kStreamsPerToken; ++t) {
    holders.push_back(NewCoordinator("holder-" + std::to_string(t)));
  }
  std::vector<std::unique_ptr<Stream>> open;
  for (const Client& holder : holders) {
    for (int s = 0; s < kStreamsPerToken; ++s) {
      open.push_back(std::make_unique<Stream>(holder));
      ASSERT_TRUE(open.back()->Opened()) << Describe(open.back()->Finish());
    }
    // One more for the same token is refused, naming the token.
    Stream extra(holder);
    EXPECT_FALSE(extra.Opened());
    EXPECT_RPC_ERROR(extra.Finish(), RESOURCE_EXHAUSTED, "authorization");
  }
  ASSERT_EQ(static_cast<int>(open.size()), kStreamsMax);
  // Every slot is taken: a token with none open is refused too.
  const Client newcomer = NewCoordinator("newcomer");
  Stream refused(newcomer);
  EXPECT_FALSE(refused.Opened());
  EXPECT_RPC_CODE(refused.Finish(), RESOURCE_EXHAUSTED);

  // Unary calls are not held up by the full stream table.
  EXPECT_RPC_OK(newcomer.GetBalance(kTimebank, "kathy"));
  EXPECT_RPC_OK(admin().RecordExchange(
      ExchangeRequest(kTimebank, "while-full", "kathy", "vera", 5)));

  // Cancelling a stream frees its slot, for anyone.
  EXPECT_RPC_CODE(open.front()->Cancel(), CANCELLED);
  std::unique_ptr<Stream> reopened = OpenWhenFree(newcomer, kSlotReleaseWait);
  EXPECT_NE(reopened, nullptr) << "a cancelled stream kept its slot";
}

TEST_F(LimitsTest, ExpiredAndTinyDeadlinesEndCallsPromptly) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer(StreamCapFlags(kStreamsMax, kStreamsPerToken)));
  // Enough journal that verifying it takes far longer than a millisecond.
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id(kTimebank);
  for (int i = 0; i < 2000; ++i) {
    *bulk.add_items() = ExchangeItem(ExchangeRequest(
        kTimebank, "d-" + std::to_string(i), i % 2 ? "vera" : "kathy",
        i % 2 ? "kathy" : "vera", 10));
  }
  ASSERT_RPC_OK(admin().Call(&LedgerStub::RecordExchanges, bulk));
  const auto prompt = std::chrono::seconds(3);

  const uint64_t last_seq = LastSeq();
  {
    auto context = admin().NewContext();
    context->set_deadline(std::chrono::system_clock::now() -
                          std::chrono::seconds(1));
    v1::Exchange reply;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_RPC_CODE(
        admin().ledger().RecordExchange(
            context.get(),
            ExchangeRequest(kTimebank, "expired", "kathy", "vera", 5), &reply),
        DEADLINE_EXCEEDED);
    EXPECT_LT(std::chrono::steady_clock::now() - start, prompt);
  }
  {
    auto context = admin().NewContext(milliseconds(1));
    v1::VerifyJournalRequest request;
    request.set_timebank_id(kTimebank);
    v1::VerifyJournalResponse reply;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_RPC_CODE(
        admin().ledger().VerifyJournal(context.get(), request, &reply),
        DEADLINE_EXCEEDED);
    EXPECT_LT(std::chrono::steady_clock::now() - start, prompt);
  }
  EXPECT_EQ(LastSeq(), last_seq);

  // A stream's deadline ends it, and frees its slot.
  const Client holder = NewCoordinator("deadline-holder");
  std::vector<std::unique_ptr<Stream>> streams;
  const auto start = std::chrono::steady_clock::now();
  for (int s = 0; s < kStreamsPerToken; ++s) {
    streams.push_back(std::make_unique<Stream>(holder, milliseconds(300)));
  }
  for (auto& stream : streams) {
    EXPECT_RPC_CODE(stream->Finish(), DEADLINE_EXCEEDED);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, prompt);
  std::unique_ptr<Stream> again = OpenWhenFree(holder, kSlotReleaseWait);
  EXPECT_NE(again, nullptr) << "an expired stream kept its slot";
  EXPECT_RPC_OK(holder.GetTimebank(kTimebank));
}

// Readers that never read and a flood of calls without deadlines: the
// server must not buffer a reader's backlog, so its memory stays bounded
// and it keeps answering others promptly.
TEST_F(LimitsTest, StalledReadersAndAFloodOfCallsKeepMemoryBounded) {
  constexpr int kTokens = 4;
  constexpr int kPerToken = 4;
  constexpr int kEntries = 6000;
  constexpr int kBulkItems = 500;
  constexpr int kFloodThreads = 16;
  constexpr int kCallsPerThread = 60;
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MiB by default),
  // which would count as growth; the server started below inherits this.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options =
      std::string(asan == nullptr ? "" : asan) +
      ":quarantine_size_mb=8:thread_local_quarantine_size_kb=64"
      ":detect_stack_use_after_return=0:allocator_release_to_os_interval_ms=0";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1);
#endif
  ASSERT_NO_FATAL_FAILURE(
      StartServer(StreamCapFlags(kTokens * kPerToken, kPerToken)));

  // A journal of the longest descriptions allowed.
  const std::string description(ledger::kDescriptionMaxLength, 'd');
  for (int first = 0; first < kEntries; first += kBulkItems) {
    v1::RecordExchangesRequest bulk;
    bulk.set_timebank_id(kTimebank);
    for (int i = first; i < first + kBulkItems; ++i) {
      v1::RecordExchangeItem item = ExchangeItem(ExchangeRequest(
          kTimebank, "m-" + std::to_string(i), i % 2 ? "vera" : "kathy",
          i % 2 ? "kathy" : "vera", 10));
      item.set_description(description);
      *bulk.add_items() = item;
    }
    ASSERT_RPC_OK(admin().Call(&LedgerStub::RecordExchanges, bulk));
  }
  // Read it all once, so the baseline includes what reading it costs.
  const uint64_t last_seq = LastSeq();
  Rpc<std::vector<v1::JournalEntry>> journal =
      admin().ReadJournal(kTimebank, 1, last_seq, milliseconds(60'000));
  ASSERT_RPC_OK(journal);
  int64_t journal_bytes = 0;
  for (const v1::JournalEntry& entry : *journal) {
    journal_bytes += static_cast<int64_t>(entry.ByteSizeLong());
  }
  const int64_t baseline = ResidentBytes(server_->pid());
  ASSERT_GT(baseline, 0);

  // Every stream slot taken by a reader that never reads past the first.
  std::vector<Client> readers;
  std::vector<std::unique_ptr<Stream>> stalled;
  for (int t = 0; t < kTokens; ++t) {
    readers.push_back(NewCoordinator("stalled-" + std::to_string(t)));
    for (int s = 0; s < kPerToken; ++s) {
      // The journal read above gives its slot back once the server sees
      // the cancel (within one watch poll), so wait for room if need be.
      stalled.push_back(OpenWhenFree(readers.back(), kSlotReleaseWait));
      ASSERT_NE(stalled.back(), nullptr);
    }
  }

  // The flood: calls without any deadline, reads and writes mixed.
  std::atomic<int> failures{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    if (failures++ != 0) return;
    std::lock_guard lock(first_failure_mu);
    first_failure = what;
  };
  std::vector<std::thread> flood;
  for (int t = 0; t < kFloodThreads; ++t) {
    flood.emplace_back([&, t] {
      // Connected first: the flood is of calls. On this shared two-core
      // machine a connection attempt now and then fails at once, and a call
      // without wait-for-ready fails with it; that is the client's transport,
      // not the server running out of anything.
      const std::shared_ptr<grpc::Channel> channel = server_->NewChannel();
      if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(10))) {
        fail("could not connect within 10 s");
        return;
      }
      const Client client(channel, server_->admin_token());
      for (int i = 0; i < kCallsPerThread; ++i) {
        grpc::ClientContext context;  // No deadline.
        context.AddMetadata("authorization", "Bearer " + client.token());
        grpc::Status status;
        if (i % 3 == 0) {
          v1::ListExchangesRequest request;
          request.set_timebank_id(kTimebank);
          request.set_page_size(ledger::kPageSizeDefault);
          request.set_oldest_first((i / 3) % 2 == 0);
          v1::ListExchangesResponse reply;
          status = client.ledger().ListExchanges(&context, request, &reply);
        } else if (i % 3 == 1) {
          v1::GetBalanceRequest request;
          request.set_timebank_id(kTimebank);
          request.set_account_id("vera");
          v1::Balance reply;
          status = client.ledger().GetBalance(&context, request, &reply);
        } else {
          v1::Exchange reply;
          status = client.ledger().RecordExchange(
              &context,
              ExchangeRequest(
                  kTimebank, "f-" + std::to_string(t) + "-" + std::to_string(i),
                  "kathy", "vera", 1),
              &reply);
        }
        if (!status.ok()) fail(Describe(status));
      }
    });
  }
  // Others are served promptly while the flood runs.
  const Client bystander = NewCoordinator("bystander");
  for (int i = 0; i < 5; ++i) {
    auto context = bystander.NewContext(milliseconds(5'000));
    v1::GetTimebankRequest request;
    request.set_timebank_id(kTimebank);
    v1::Timebank reply;
    EXPECT_RPC_OK(
        bystander.ledger().GetTimebank(context.get(), request, &reply));
  }
  for (std::thread& thread : flood) thread.join();
  EXPECT_EQ(failures.load(), 0) << "the first: " << first_failure;

  const int64_t after = ResidentBytes(server_->pid());
  ASSERT_GT(after, 0);
  // Had the server queued each stalled reader's backlog, it would hold the
  // journal once per reader; allow a quarter of that (under ASan three
  // quarters) for everything else.
  const int64_t backlog_bytes =
      journal_bytes * static_cast<int64_t>(stalled.size());
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's allocator also keeps per-thread caches and shadow
  // memory for every thread the flood wakes (about 40 MiB here); queued
  // backlogs would still come on top of that and cross three quarters.
  const int64_t bound = backlog_bytes * 3 / 4;
#else
  const int64_t bound = backlog_bytes / 4;
#endif
  const int64_t growth = after - baseline;
  std::printf(
      "Limits: server RSS %.1f MiB before, %.1f MiB after %zu stalled readers "
      "and %d calls; growth %.1f MiB, bound %.1f MiB (queued backlogs would "
      "be %.1f MiB)\n",
      baseline / 1048576.0, after / 1048576.0, stalled.size(),
      kFloodThreads * kCallsPerThread, growth / 1048576.0, bound / 1048576.0,
      backlog_bytes / 1048576.0);
  EXPECT_LT(growth, bound);

  EXPECT_RPC_OK(bystander.GetBalance(kTimebank, "kathy"));
}

}  // namespace
}  // namespace timebank::testing
