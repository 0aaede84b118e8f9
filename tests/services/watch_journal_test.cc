// WatchJournal: history in order, then live entries; resuming from a seq;
// a reader that never reads must not hold up writers; and a revocation
// reaches an open stream before the next entry.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

using std::chrono::milliseconds;

// Follows one WatchJournal stream on a thread of its own and collects what
// arrives, so a test can write while it watches.
class JournalFollower {
 public:
  JournalFollower(const Client& client, const std::string& timebank_id,
                  uint64_t from_seq)
      : context_(client.NewContext(std::chrono::seconds(60))) {
    v1::WatchJournalRequest request;
    request.set_timebank_id(timebank_id);
    request.set_from_seq(from_seq);
    reader_ = client.ledger().WatchJournal(context_.get(), request);
    thread_ = std::thread([this] { ReadUntilEnd(); });
  }

  ~JournalFollower() { Finish(); }

  // The entries so far, once there are at least `count` of them, the stream
  // ended, or `timeout` passed.
  std::vector<v1::JournalEntry> WaitFor(size_t count, milliseconds timeout) {
    std::unique_lock lock(mu_);
    arrived_.wait_for(lock, timeout,
                      [&] { return entries_.size() >= count || ended_; });
    return entries_;
  }

  // Cancels the stream unless it already ended; returns how it ended.
  grpc::Status Finish() {
    if (thread_.joinable()) {
      context_->TryCancel();
      thread_.join();
    }
    return status_;
  }

 private:
  void ReadUntilEnd() {
    v1::JournalEntry entry;
    while (reader_->Read(&entry)) {
      std::lock_guard lock(mu_);
      entries_.push_back(entry);
      arrived_.notify_all();
    }
    grpc::Status status = reader_->Finish();
    std::lock_guard lock(mu_);
    status_ = std::move(status);
    ended_ = true;
    arrived_.notify_all();
  }

  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> reader_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<v1::JournalEntry> entries_;
  bool ended_ = false;
  grpc::Status status_;
  std::thread thread_;
};

class WatchJournalTest : public SharedServerTest<WatchJournalTest> {
 protected:
  // A new timebank with accounts kathy and vera and `exchanges` exchanges
  // between them, request ids "w-1", "w-2", ...
  std::string NewTimebankWithExchanges(int exchanges) {
    const std::string tb = UniqueId("watch");
    Must(admin().CreateTimebank(tb), "create timebank");
    Must(admin().OpenAccount(tb, "kathy"), "open kathy");
    Must(admin().OpenAccount(tb, "vera"), "open vera");
    for (int i = 1; i <= exchanges; ++i) Record(tb, i);
    return tb;
  }

  v1::Exchange Record(const std::string& tb, int i) const {
    return Must(admin().RecordExchange(ExchangeRequest(
                    tb, "w-" + std::to_string(i), i % 2 ? "kathy" : "vera",
                    i % 2 ? "vera" : "kathy", i)),
                "record");
  }
};

std::vector<uint64_t> SeqsOf(const std::vector<v1::JournalEntry>& entries) {
  std::vector<uint64_t> seqs;
  for (const v1::JournalEntry& entry : entries) seqs.push_back(entry.seq());
  return seqs;
}

TEST_F(WatchJournalTest, StreamsHistoryInOrderThenLiveEntries) {
  const std::string tb = NewTimebankWithExchanges(5);
  JournalFollower follower(admin(), tb, 1);

  std::vector<v1::JournalEntry> history =
      follower.WaitFor(5, milliseconds(10'000));
  ASSERT_EQ(SeqsOf(history), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  for (size_t i = 0; i < history.size(); ++i) {
    const v1::JournalEntry& entry = history[i];
    const int n = static_cast<int>(i) + 1;
    EXPECT_EQ(entry.timebank_id(), tb);
    EXPECT_EQ(entry.kind(), v1::ENTRY_KIND_RECORD);
    EXPECT_EQ(entry.request_id(), "w-" + std::to_string(n));
    EXPECT_EQ(entry.initial_status(), v1::EXCHANGE_STATUS_CONFIRMED);
    EXPECT_EQ(entry.minutes(), n);
    EXPECT_EQ(entry.giver_id(), n % 2 ? "kathy" : "vera");
    EXPECT_EQ(entry.hash().size(), 32u);
    if (i > 0) {
      EXPECT_NE(entry.hash(), history[i - 1].hash());
    }
  }

  // Committed after the stream caught up: it must arrive live.
  const v1::Exchange live = Record(tb, 6);
  std::vector<v1::JournalEntry> all = follower.WaitFor(6, milliseconds(10'000));
  ASSERT_EQ(SeqsOf(all), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(all[5].request_id(), "w-6");
  EXPECT_EQ(all[5].hash(), live.hash());
  EXPECT_EQ(all[5].hash(), Must(admin().GetTimebank(tb), "get").last_hash());

  // Corrections are journal entries too.
  Must(admin().ReverseExchange(tb, 6, "undo-6", "wrong day"), "reverse");
  all = follower.WaitFor(7, milliseconds(10'000));
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all[6].kind(), v1::ENTRY_KIND_REVERSE);
  EXPECT_EQ(all[6].target_seq(), 6u);
  EXPECT_EQ(all[6].note(), "wrong day");
  EXPECT_EQ(follower.Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WatchJournalTest, ResumesFromTheGivenSeq) {
  const std::string tb = NewTimebankWithExchanges(5);
  Rpc<std::vector<v1::JournalEntry>> everything = admin().ReadJournal(tb, 0, 5);
  ASSERT_RPC_OK(everything);
  ASSERT_EQ(SeqsOf(everything.reply), (std::vector<uint64_t>{1, 2, 3, 4, 5}));

  JournalFollower resumed(admin(), tb, 3);
  std::vector<v1::JournalEntry> tail = resumed.WaitFor(3, milliseconds(10'000));
  ASSERT_EQ(SeqsOf(tail), (std::vector<uint64_t>{3, 4, 5}));
  for (size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].SerializeAsString(),
              everything.reply[i + 2].SerializeAsString());
  }
  // Nothing more until something is committed.
  EXPECT_EQ(resumed.WaitFor(4, milliseconds(300)).size(), 3u);

  // Resuming at last seq + 1 waits for the next entry.
  JournalFollower at_end(admin(), tb, 6);
  EXPECT_TRUE(at_end.WaitFor(1, milliseconds(300)).empty());
  Record(tb, 6);
  EXPECT_EQ(SeqsOf(at_end.WaitFor(1, milliseconds(10'000))),
            (std::vector<uint64_t>{6}));
  EXPECT_EQ(SeqsOf(resumed.WaitFor(4, milliseconds(10'000))),
            (std::vector<uint64_t>{3, 4, 5, 6}));
}

TEST_F(WatchJournalTest, FromSeqBeyondTheEndIsInvalidArgument) {
  const std::string tb = NewTimebankWithExchanges(3);
  JournalFollower beyond(admin(), tb, 5);
  EXPECT_TRUE(beyond.WaitFor(1, milliseconds(10'000)).empty());
  EXPECT_RPC_ERROR(beyond.Finish(), INVALID_ARGUMENT, "from_seq");

  JournalFollower unknown(admin(), "no-such-timebank", 1);
  EXPECT_TRUE(unknown.WaitFor(1, milliseconds(10'000)).empty());
  EXPECT_RPC_ERROR(unknown.Finish(), NOT_FOUND, "timebank_id");
}

TEST_F(WatchJournalTest, UnreadStreamDoesNotHoldUpWriters) {
  constexpr int kExchanges = 200;
  const std::string tb = NewTimebankWithExchanges(1);

  // Opened and never read: once the flow-control windows fill up, the
  // server can no longer write to it.
  std::unique_ptr<grpc::ClientContext> context =
      admin().NewContext(std::chrono::seconds(60));
  v1::WatchJournalRequest request;
  request.set_timebank_id(tb);
  request.set_from_seq(1);
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> stalled =
      admin().ledger().WatchJournal(context.get(), request);
  // The server sends its metadata with the first entry: the stream is live.
  stalled->WaitForInitialMetadata();

  // Long descriptions, so 200 entries are far more than the windows hold.
  const std::string description(900, 'x');
  const auto start = std::chrono::steady_clock::now();
  int recorded = 0;
  for (int i = 0; i < kExchanges; ++i) {
    v1::RecordExchangeRequest exchange =
        ExchangeRequest(tb, "bulk-" + std::to_string(i),
                        i % 2 ? "kathy" : "vera", i % 2 ? "vera" : "kathy", 15);
    exchange.set_description(description);
    v1::Exchange reply;
    grpc::Status status = admin().ledger().RecordExchange(
        admin().NewContext(milliseconds(5'000)).get(), exchange, &reply);
    ASSERT_RPC_OK(status) << "exchange " << i;
    ++recorded;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(recorded, kExchanges);
  EXPECT_LT(elapsed, std::chrono::seconds(20));

  // The stalled stream still delivers everything, in order, once read.
  v1::JournalEntry entry;
  uint64_t expected_seq = 1;
  while (expected_seq <= kExchanges + 1 && stalled->Read(&entry)) {
    ASSERT_EQ(entry.seq(), expected_seq);
    ++expected_seq;
  }
  EXPECT_EQ(expected_seq, kExchanges + 2u);
  context->TryCancel();
  stalled->Finish();
}

// A stream paused in the middle of a page used to get the rest of the page
// (206 entries in one run) after its token was revoked: rights were checked
// only between 256-entry pages. Now they are checked before every entry.
// The client's flow-control window is kept to about one entry, so what
// arrives after the revocation is what the server wrote after it, plus at
// most the one entry already in the window.
TEST_F(WatchJournalTest, RevocationStopsAPausedStreamBeforeTheNextEntry) {
  constexpr int kExchanges = 300;
  const std::string tb = UniqueId("revoke");
  Must(admin().CreateTimebank(tb), "create timebank");
  Must(admin().OpenAccount(tb, "kathy"), "open kathy");
  Must(admin().OpenAccount(tb, "vera"), "open vera");
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id(tb);
  for (int i = 0; i < kExchanges; ++i) {
    v1::RecordExchangeRequest exchange =
        ExchangeRequest(tb, "r-" + std::to_string(i), i % 2 ? "kathy" : "vera",
                        i % 2 ? "vera" : "kathy", 15);
    exchange.set_description(std::string(900, 'x'));
    *bulk.add_items() = ExchangeItem(exchange);
  }
  Must(admin().Call(&v1::Ledger::Stub::RecordExchanges, bulk), "record");
  const v1::CreateTokenResponse token = Must(
      admin().CreateToken(v1::ROLE_COORDINATOR, {tb}, "", UniqueId("watcher")),
      "token");

  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  const Client watcher(
      grpc::CreateCustomChannel(server().address(),
                                grpc::InsecureChannelCredentials(), args),
      token.token());
  std::unique_ptr<grpc::ClientContext> context =
      watcher.NewContext(std::chrono::seconds(30));
  v1::WatchJournalRequest request;
  request.set_timebank_id(tb);
  request.set_from_seq(1);
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> reader =
      watcher.ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(reader->Read(&entry));
  ASSERT_EQ(entry.seq(), 10u);
  // Paused mid-page: let the server fill what window there is and block.
  std::this_thread::sleep_for(milliseconds(300));
  Must(admin().RevokeToken(token.info().token_id()), "revoke");

  int after_revocation = 0;
  while (reader->Read(&entry)) ++after_revocation;
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << Describe(ended);
  // One entry may sit in the client's window and one in the write the
  // server had begun before the revocation; nothing more.
  EXPECT_LE(after_revocation, 2) << "entries after the revocation";
}

}  // namespace
}  // namespace timebank::testing
